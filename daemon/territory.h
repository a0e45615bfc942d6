/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Territories: ids, names, municipalities, sender identities; lookup by id or municipality. */
#ifndef RELAIS_TERRITORY_H
#define RELAIS_TERRITORY_H

#include <stddef.h>

#include <jansson.h>

struct tz;
struct window;

/* A counsellor of a territory's roster. */
struct territory_counsellor {
	char	 *id;
	char	 *name;
	char	 *email;
	char	 *phone;
	char	**languages;
	size_t	  nlanguages;
};

/* A route's window with this territory's own holidays added. */
struct territory_window {
	char		*name;		/* the window's name in the config */
	struct window	*w;
};

struct territory {
	char	 *id;
	char	 *name_fr;
	char	 *name_en;
	char	 *language;	/* default language of the territory */
	char	**municipalities;	/* official names and their aliases */
	/*
	 * The official name each of municipalities stands for (owned), or
	 * NULL when every entry is official.
	 */
	char	**officials;
	size_t	  nmunicipalities;
	char	 *email_from;
	char	 *email_name;
	char	 *reply_to;
	char	 *sms_from;
	json_t	 *vars;		/* template variables: id, name, names, branding */
	/*
	 * What templates read as {{territory.*}}, one object per language of
	 * the templates ({lang: {...}}), made once per configuration: vars
	 * with the branding in that language and "name" in it.
	 */
	json_t	 *lang_vars;
	char	 *timezone;	/* IANA name, default America/Toronto */
	struct tz *tz;
	struct territory_counsellor *counsellors;
	size_t	  ncounsellors;
	struct territory_window *windows;	/* only when it has holidays */
	size_t	  nwindows;
};

struct territory_set;

/* {{territory.*}} in lang (a new reference): made, or t->lang_vars's. */
json_t			*territory_vars(const struct territory *t,
			    const char *lang);
/* Makes t->lang_vars for each of the n languages. */
void			 territory_vars_make(struct territory *t,
			    char *const *langs, size_t n);

struct territory_set	*territory_set_new(void);
void			 territory_set_free(struct territory_set *);
/*
 * Takes ownership of t. Returns -1 and leaves t with the caller when the id
 * or one of the municipalities (after normalisation) is already known;
 * *clash then names what clashed.
 */
int			 territory_set_add(struct territory_set *,
			    struct territory *t, const char **clash);
void			 territory_free(struct territory *);
size_t			 territory_set_count(const struct territory_set *);
const struct territory	*territory_set_at(const struct territory_set *, size_t);
const struct territory	*territory_find(const struct territory_set *,
			    const char *id);
/* The territory's version of a window (its holidays added), or NULL. */
const struct window	*territory_window(const struct territory *,
			    const char *name);
/* Matches ignoring case, accents, spaces, hyphens and apostrophes. */
const struct territory	*territory_find_municipality(
			    const struct territory_set *, const char *name);
/*
 * The official name of the municipality name matches (as
 * territory_find_municipality), whatever spelling or former name came in;
 * NULL when none matches.
 */
const char		*territory_municipality_name(
			    const struct territory_set *, const char *name);
/*
 * Folds a name for matching: lower-case ASCII letters and digits only, with
 * Latin accents removed ("Val-d’Or" -> "valdor"). Returns out.
 */
char			*territory_fold(const char *in, char *out, size_t outlen);

#endif
