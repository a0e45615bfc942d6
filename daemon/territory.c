/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Territories and municipality lookup, insensitive to case, accents and punctuation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "territory.h"
#include "tz.h"
#include "utf8.h"
#include "window.h"

struct territory_muni {
	char			*folded;
	struct territory	*t;
	const char		*official;	/* owned by t */
};

struct territory_set {
	struct territory	**v;
	size_t			  n;
	struct territory_muni	 *munis;	/* sorted by folded name */
	size_t			  nmunis;
};

struct territory_set *
territory_set_new(void)
{
	return xcalloc(1, sizeof(struct territory_set));
}

void
territory_free(struct territory *t)
{
	size_t	i;

	if (t == NULL)
		return;
	free(t->id);
	free(t->name_fr);
	free(t->name_en);
	free(t->language);
	for (i = 0; i < t->nmunicipalities; i++) {
		free(t->municipalities[i]);
		free(t->officials != NULL ? t->officials[i] : NULL);
	}
	free(t->municipalities);
	free(t->officials);
	free(t->email_from);
	free(t->email_name);
	free(t->reply_to);
	free(t->sms_from);
	json_decref(t->vars);
	json_decref(t->lang_vars);
	free(t->timezone);
	tz_free(t->tz);
	for (i = 0; i < t->ncounsellors; i++) {
		struct territory_counsellor *c = &t->counsellors[i];
		size_t k;

		free(c->id);
		free(c->name);
		free(c->email);
		free(c->phone);
		for (k = 0; k < c->nlanguages; k++)
			free(c->languages[k]);
		free(c->languages);
	}
	free(t->counsellors);
	for (i = 0; i < t->nwindows; i++) {
		free(t->windows[i].name);
		window_free(t->windows[i].w);
	}
	free(t->windows);
	free(t);
}

void
territory_set_free(struct territory_set *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		territory_free(s->v[i]);
	for (i = 0; i < s->nmunis; i++)
		free(s->munis[i].folded);
	free(s->v);
	free(s->munis);
	free(s);
}

/* Base letter of a Latin-1 Supplement / Latin Extended-A code point, or 0. */
static char
territory_unaccent(unsigned cp)
{
	static const char *latin1 =	/* U+00C0 .. U+00FF */
	    "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
	    "aaaaaaaceeeeiiiidnooooo/ouuuuyty";

	if (cp >= 0xC0 && cp <= 0xFF) {
		char c = latin1[cp - 0xC0];
		return (c == '*' || c == '/') ? 0 : c;
	}
	if (cp == 0x152 || cp == 0x153)	/* Œ œ */
		return 'o';
	return 0;
}

char *
territory_fold(const char *in, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 o = 0;
	uint32_t		 cp;
	char			 c;

	if (outlen == 0)
		return out;
	while (*s != '\0' && o + 1 < outlen) {
		if (*s < 0x80) {
			c = (char)*s++;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				out[o++] = c;
			continue;
		}
		/* two-byte sequences cover every accented Latin letter we fold */
		if (utf8_decode_str((const char *)s, &cp) == 2) {
			s += 2;
			if ((c = territory_unaccent(cp)) != 0) {
				out[o++] = c;
				if (cp == 0x152 || cp == 0x153) {	/* œ -> oe */
					if (o + 1 < outlen)
						out[o++] = 'e';
				}
			}
			continue;
		}
		s++;	/* other bytes (’, «, …) are punctuation for us */
		while ((*s & 0xC0) == 0x80)
			s++;
	}
	out[o] = '\0';
	return out;
}

static int
territory_muni_cmp(const void *a, const void *b)
{
	const struct territory_muni	*x = a, *y = b;

	return strcmp(x->folded, y->folded);
}

static struct territory_muni *
territory_muni_find(const struct territory_set *s, const char *folded)
{
	struct territory_muni	key;

	if (s->nmunis == 0)
		return NULL;
	key.folded = (char *)(uintptr_t)folded;
	key.t = NULL;
	key.official = NULL;
	return bsearch(&key, s->munis, s->nmunis, sizeof *s->munis,
	    territory_muni_cmp);
}

int
territory_set_add(struct territory_set *s, struct territory *t,
    const char **clash)
{
	char	folded[256];
	size_t	i, j;

	if (territory_find(s, t->id) != NULL) {
		*clash = t->id;
		return -1;
	}
	for (i = 0; i < t->nmunicipalities; i++) {
		territory_fold(t->municipalities[i], folded, sizeof folded);
		for (j = 0; j < i; j++) {
			char other[256];

			territory_fold(t->municipalities[j], other, sizeof other);
			if (strcmp(folded, other) == 0)
				goto clashed;
		}
		if (folded[0] == '\0' || territory_muni_find(s, folded) != NULL)
			goto clashed;
	}
	for (i = 0; i < t->nmunicipalities; i++) {
		territory_fold(t->municipalities[i], folded, sizeof folded);
		s->munis = xrealloc(s->munis, (s->nmunis + 1) * sizeof *s->munis);
		s->munis[s->nmunis].folded = xstrdup(folded);
		s->munis[s->nmunis].t = t;
		s->munis[s->nmunis].official = t->officials != NULL ?
		    t->officials[i] : t->municipalities[i];
		s->nmunis++;
	}
	if (s->nmunis > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(s->munis, s->nmunis, sizeof *s->munis, territory_muni_cmp);
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n++] = t;
	return 0;

clashed:
	*clash = t->municipalities[i];
	return -1;
}

size_t
territory_set_count(const struct territory_set *s)
{
	return s->n;
}

const struct territory *
territory_set_at(const struct territory_set *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

const struct territory *
territory_find(const struct territory_set *s, const char *id)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i]->id, id) == 0)
			return s->v[i];
	}
	return NULL;
}

/* The entry name matches, folded; NULL when none does. */
static const struct territory_muni *
territory_muni_match(const struct territory_set *s, const char *name)
{
	char	folded[256];

	territory_fold(name, folded, sizeof folded);
	return folded[0] != '\0' ? territory_muni_find(s, folded) : NULL;
}

const struct territory *
territory_find_municipality(const struct territory_set *s, const char *name)
{
	const struct territory_muni	*m = territory_muni_match(s, name);

	return m != NULL ? m->t : NULL;
}

const char *
territory_municipality_name(const struct territory_set *s, const char *name)
{
	const struct territory_muni	*m = territory_muni_match(s, name);

	return m != NULL ? m->official : NULL;
}

const struct window *
territory_window(const struct territory *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->nwindows; i++) {
		if (strcmp(t->windows[i].name, name) == 0)
			return t->windows[i].w;
	}
	return NULL;
}

/* Branding given per language: the message's, else the territory's. */
static json_t *
territory_vars_build(const struct territory *t, const char *lang)
{
	const char	*k;
	json_t		*tv, *v, *text;

	tv = json_copy(t->vars);
	json_object_foreach(t->vars, k, v) {
		if (!json_is_object(v))
			continue;
		if ((text = json_object_get(v, lang)) == NULL)
			text = json_object_get(v, t->language);
		json_object_set_new(tv, k, text != NULL ? json_incref(text) :
		    json_string(""));
	}
	json_object_set_new(tv, "name", json_string(strcmp(lang, "en") == 0 ?
	    t->name_en : t->name_fr));
	return tv;
}

json_t *
territory_vars(const struct territory *t, const char *lang)
{
	json_t	*tv;

	if ((tv = json_object_get(t->lang_vars, lang)) != NULL)
		return json_incref(tv);
	return territory_vars_build(t, lang);
}

void
territory_vars_make(struct territory *t, char *const *langs, size_t n)
{
	size_t	i;

	json_decref(t->lang_vars);
	t->lang_vars = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(t->lang_vars, langs[i],
		    territory_vars_build(t, langs[i]));
}
