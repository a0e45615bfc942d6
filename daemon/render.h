/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Message rendering: compiled Mustache templates per language, with fallback. */
#ifndef RELAIS_RENDER_H
#define RELAIS_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "diag.h"
#include "tmpl.h"

struct render;

/* What one delivery carries; the strings are owned, render_out_clear frees. */
struct render_out {
	char	*subject;	/* email: one line, CR/LF removed */
	char	*text;		/* email text part, or the SMS body */
	char	*html;		/* email HTML part, or NULL */
	char	 language[8];	/* the language actually used */
};

/*
 * What a message is rendered against: data, and derive (when not NULL),
 * which computes names an object lacks from what it holds (tmpl.h).
 */
struct render_vars {
	const json_t	*data;
	tmpl_derive_fn	 derive;
	void		*derive_arg;
};

/*
 * Compiles every *.mustache under dir/<lang>/ for each language, and under
 * dir/<territory>/<lang>/ when a territory has its own versions; checks
 * that each name in names exists in every language: name.subject and
 * name.txt (email), and/or name.sms (SMS). Errors go to diag.
 */
struct render	*render_load(const char *dir, char *const *langs, size_t nlangs,
		    char *const *territories, size_t nterritories,
		    char *const *names, size_t nnames, struct diag *);
void		 render_free(struct render *);

/*
 * Renders template name for channel ("email" or "sms") in the first of
 * langs that has it, the territory's own version of each part (and
 * partial) first when it has one (territory may be NULL). {{x}} is HTML-escaped in the HTML part only. Returns
 * -1 with a reason when no language has the template for that channel.
 */
int		 render_message(struct render *, const char *territory,
		    const char *name, const char *channel,
		    const char *const *langs, size_t nlangs,
		    const struct render_vars *vars, struct render_out *out,
		    char *err, size_t errlen);
void		 render_out_clear(struct render_out *);
/* Frees the rendered parts (subject, text, html), keeps the language. */
void		 render_out_drop_parts(struct render_out *);

/*
 * Strict mode (templates.strict): a message in which a variable is
 * missing fails render_message ("template NAME: variable X missing")
 * instead of going out with a hole; off by default (logged once per
 * template, rendered empty).
 */
void		 render_set_strict(struct render *, int strict);

/*
 * Whether render_message would find template name for channel in lang
 * itself (no other language tried): name.subject and name.txt for
 * "email", name.sms for "sms", the territory's own versions first.
 */
int		 render_has(struct render *, const char *territory,
		    const char *lang, const char *name, const char *channel);

/*
 * Every name used by the parts render_message renders for name, channel
 * and lang (email: subject, txt, html; sms: sms), partials followed as
 * they would be for territory; file is the template holding the tag,
 * relative to the template directory ("fr/signature.mustache").
 */
typedef void (*render_ref_fn)(void *arg, const char *file,
		    const struct tmpl_ref *);
void		 render_refs(struct render *, const char *territory,
		    const char *lang, const char *name, const char *channel,
		    render_ref_fn, void *arg);

#endif
