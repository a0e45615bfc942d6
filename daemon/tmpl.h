/* SPDX-License-Identifier: LiLiQ-P-1.1 */
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

/*
 * Computes name for obj, an object that does not hold it (a value derived
 * from what it holds: a date written out, a name made whole), as a new
 * reference the render keeps while the tag (a section: its body) renders,
 * asked again at the next tag; or NULL: obj has no such name
 * either, and the lookup goes on as the spec says. What an object holds
 * always wins over what could be derived.
 */
typedef json_t *(*tmpl_derive_fn)(void *arg, const json_t *obj,
		    const char *name);

struct tmpl_env {
	tmpl_partial_fn	 partial;
	tmpl_missing_fn	 missing;
	void		*arg;
	int		 escape_html;	/* {{x}} HTML-escaped; {{{x}}}, {{&x}} never */
	tmpl_derive_fn	 derive;	/* or NULL: no derived names */
	void		*derive_arg;
};

/* How a tag uses a name. */
enum tmpl_use {
	TMPL_USE_VALUE,		/* {{x}} */
	TMPL_USE_RAW,		/* {{{x}}}, {{&x}} */
	TMPL_USE_SECTION,	/* {{#x}}: a presence test, or a context */
	TMPL_USE_INVERTED,	/* {{^x}} */
	TMPL_USE_PARTIAL,	/* {{>x}}: x names a partial, not data */
};

/* One reference to a name, as tmpl_refs reports it; valid during the call. */
struct tmpl_ref {
	const char		*name;	/* as written: "territory.phone", "." */
	enum tmpl_use		 use;
	/*
	 * Inside a section on the same name ({{#territory.phone}}), which
	 * renders only when it is present; a section on another name, even
	 * a prefix ({{#territory}}), guards nothing.
	 */
	int			 guarded;
	const struct tmpl	*in;	/* the template or partial holding it */
	int			 line;	/* of the tag in its source, 1-based */
	int			 col;	/* in UTF-8 characters, 1-based */
};

typedef void (*tmpl_ref_fn)(void *arg, const struct tmpl_ref *);

/*
 * Calls fn for every tag of t that names something, in source order,
 * following partials through env->partial (env may be NULL: partials are
 * reported, not followed): a partial's references are reported where it
 * is included, with the sections around the inclusion guarding them. A
 * partial already being walked is not entered again (recursion).
 */
void		 tmpl_refs(const struct tmpl *t, const struct tmpl_env *env,
		    tmpl_ref_fn fn, void *arg);

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
