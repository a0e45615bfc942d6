/* Mustache templates (spec v1.3: comments, delimiters, interpolation, inverted, partials, sections). */
#ifndef RELAIS_TMPL_H
#define RELAIS_TMPL_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct tmpl;

/*
 * Resolves a partial by name at render time; returns a compiled template
 * owned by the resolver (it outlives the render), or NULL when there is no
 * such partial (which renders as nothing, as the spec says).
 */
typedef const struct tmpl *(*tmpl_partial_fn)(void *arg, const char *name);

/*
 * Called once per render for each variable name that resolved to nothing
 * (the render goes on, with an empty string), so callers can log it.
 */
typedef void (*tmpl_missing_fn)(void *arg, const char *name);

struct tmpl_env {
	tmpl_partial_fn	 partial;
	tmpl_missing_fn	 missing;
	void		*arg;
	int		 escape_html;	/* {{x}} HTML-escaped; {{{x}}}, {{&x}} never */
};

/*
 * Compiles src. On a syntax error (unclosed tag, unclosed or mismatched
 * section, bad delimiter change) returns NULL and writes "LINE:COL: message"
 * (1-based) into err.
 */
struct tmpl	*tmpl_parse(const char *src, size_t len, char *err,
		    size_t errlen);
void		 tmpl_free(struct tmpl *);

/*
 * Renders t against the context data (any JSON value) and appends the text
 * to out. Never fails on data: missing names render empty. Partials nest at
 * most 64 deep (deeper ones render empty) so a self-including partial ends.
 */
void		 tmpl_render(const struct tmpl *t, const json_t *data,
		    const struct tmpl_env *env, struct buf *out);

#endif
