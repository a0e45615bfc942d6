/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The words relais writes inside sentences, per language: templates/<lang>/words.yaml. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "words.h"
#include "ynode.h"

struct words_word {
	char	*key;		/* "and", "channels.email", ... */
	char	*value;
};

struct words_lang {
	char			*lang;
	int			 present;	/* the file exists */
	char			*months[12];
	struct words_word	*w;
	size_t			 nw;
};

struct words {
	struct words_lang	*l;
	size_t			 nl;
};

/* Top-level keys: a scalar, or a map of scalars ("channels", "languages"). */
static const char *const words_scalars[] = { "date", "first_day",
	"month_year", "and", "noc", NULL };
static const char *const words_maps[] = { "channels", "languages", NULL };

static int
words_known(const char *const *list, const char *key)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, key) == 0)
			return 1;
	}
	return 0;
}

static void
words_add(struct words_lang *l, const char *key, const char *value)
{
	l->w = xrealloc(l->w, (l->nw + 1) * sizeof *l->w);
	l->w[l->nw].key = xstrdup(key);
	l->w[l->nw].value = xstrdup(value);
	l->nw++;
}

static const char *
words_get_one(const struct words_lang *l, const char *key)
{
	size_t	i;

	for (i = 0; i < l->nw; i++) {
		if (strcmp(l->w[i].key, key) == 0)
			return l->w[i].value;
	}
	return NULL;
}

static int
words_months(struct words_lang *l, const char *path, const struct ynode *v,
    struct diag *diag)
{
	size_t	i;

	if (v->type != YNODE_SEQ || v->n != 12) {
		diag_add(diag, path, v->line, v->col, "months: a list of the "
		    "12 month names, January first");
		return -1;
	}
	for (i = 0; i < 12; i++) {
		if (v->items[i]->type != YNODE_SCALAR || v->items[i]->len == 0) {
			diag_add(diag, path, v->items[i]->line,
			    v->items[i]->col, "months: each a word");
			return -1;
		}
		l->months[i] = xstrdup(v->items[i]->value);
	}
	return 0;
}

static int
words_map(struct words_lang *l, const char *path, const char *name,
    const struct ynode *v, struct diag *diag)
{
	struct buf	b;
	size_t		i;
	int		rc = 0;

	if (v->type != YNODE_MAP) {
		diag_add(diag, path, v->line, v->col, "%s: a map of words", name);
		return -1;
	}
	buf_init(&b);
	for (i = 0; i < v->n; i++) {
		if (v->items[i]->type != YNODE_SCALAR) {
			diag_add(diag, path, v->items[i]->line,
			    v->items[i]->col, "%s.%s: a word", name,
			    v->keys[i]->value);
			rc = -1;
			continue;
		}
		buf_reset(&b);
		buf_printf(&b, "%s.%s", name, v->keys[i]->value);
		words_add(l, b.data, v->items[i]->value);
	}
	buf_free(&b);
	return rc;
}

/* A pattern must hold the placeholders its use needs. */
static int
words_pattern(const char *path, const struct ynode *v, const char *name,
    const char *const *need, struct diag *diag)
{
	for (; *need != NULL; need++) {
		if (strstr(v->value, *need) == NULL) {
			diag_add(diag, path, v->line, v->col, "%s: \"%s\" has "
			    "no %s", name, v->value, *need);
			return -1;
		}
	}
	return 0;
}

static int
words_scalar(struct words_lang *l, const char *path, const char *key,
    const struct ynode *v, struct diag *diag)
{
	static const char *const need_date[] = { "{day}", "{month}", "{year}",
	    NULL };
	static const char *const need_month[] = { "{month}", "{year}", NULL };

	if (v->type != YNODE_SCALAR) {
		diag_add(diag, path, v->line, v->col, "%s: a word", key);
		return -1;
	}
	if (strcmp(key, "date") == 0 &&
	    words_pattern(path, v, key, need_date, diag) == -1)
		return -1;
	if (strcmp(key, "month_year") == 0 &&
	    words_pattern(path, v, key, need_month, diag) == -1)
		return -1;
	words_add(l, key, v->value);
	return 0;
}

static int
words_file(struct words_lang *l, const char *path, struct diag *diag)
{
	struct ynode	*root;
	const char	*key;
	size_t		 i;
	int		 rc = 0;

	if ((root = ynode_load_file(path, diag)) == NULL)
		return -1;
	if (root->type != YNODE_MAP) {
		diag_add(diag, path, root->line, root->col, "a map of words");
		ynode_free(root);
		return -1;
	}
	for (i = 0; i < root->n; i++) {
		key = root->keys[i]->value;
		if (strcmp(key, "months") == 0)
			rc |= words_months(l, path, root->items[i], diag);
		else if (words_known(words_scalars, key))
			rc |= words_scalar(l, path, key, root->items[i], diag);
		else if (words_known(words_maps, key))
			rc |= words_map(l, path, key, root->items[i], diag);
		else {
			diag_add(diag, path, root->keys[i]->line,
			    root->keys[i]->col, "unknown key \"%s\" (known: "
			    "months, date, first_day, month_year, and, noc, "
			    "channels, languages)", key);
			rc = -1;
		}
	}
	ynode_free(root);
	if (rc == 0 && l->months[0] == NULL && (words_get_one(l, "date") !=
	    NULL || words_get_one(l, "month_year") != NULL)) {
		diag_add(diag, path, 0, 0, "a date pattern needs the months");
		rc = -1;
	}
	return rc;
}

struct words *
words_load(const char *dir, char *const *langs, size_t nlangs,
    struct diag *diag)
{
	struct words	*w;
	struct buf	 b;
	size_t		 i;
	int		 rc = 0;

	w = xcalloc(1, sizeof *w);
	w->l = xcalloc(nlangs + 1, sizeof *w->l);
	buf_init(&b);
	for (i = 0; i < nlangs; i++) {
		struct words_lang *l = &w->l[w->nl++];

		l->lang = xstrdup(langs[i]);
		buf_reset(&b);
		buf_printf(&b, "%s/%s/words.yaml", dir, langs[i]);
		if (access(b.data, F_OK) == -1)
			continue;	/* optional: neutral forms */
		l->present = 1;
		rc |= words_file(l, b.data, diag);
	}
	buf_free(&b);
	if (rc != 0) {
		words_free(w);
		return NULL;
	}
	return w;
}

void
words_free(struct words *w)
{
	size_t	i, k;

	if (w == NULL)
		return;
	for (i = 0; i < w->nl; i++) {
		free(w->l[i].lang);
		for (k = 0; k < 12; k++)
			free(w->l[i].months[k]);
		for (k = 0; k < w->l[i].nw; k++) {
			free(w->l[i].w[k].key);
			free(w->l[i].w[k].value);
		}
		free(w->l[i].w);
	}
	free(w->l);
	free(w);
}

static const struct words_lang *
words_lang(const struct words *w, const char *lang)
{
	size_t	i;

	if (w == NULL || lang == NULL)
		return NULL;
	for (i = 0; i < w->nl; i++) {
		if (strcmp(w->l[i].lang, lang) == 0)
			return &w->l[i];
	}
	return NULL;
}

int
words_has(const struct words *w, const char *lang)
{
	const struct words_lang	*l = words_lang(w, lang);

	return l != NULL && l->present;
}

const char *
words_get(const struct words *w, const char *lang, const char *key)
{
	const struct words_lang	*l = words_lang(w, lang);

	return l == NULL ? NULL : words_get_one(l, key);
}

const char *
words_or(const struct words *w, const char *lang, const char *key,
    const char *fallback)
{
	const char	*v = words_get(w, lang, key);

	return v != NULL ? v : fallback;
}

/* pattern with {day}, {month} and {year} replaced; other text as is. */
static void
words_fill(const char *pattern, const char *day, const char *month, int year,
    char *out, size_t outlen)
{
	struct buf	 b;
	const char	*p;
	char		 num[BUF_LL_SIZE];
	size_t		 n;

	buf_init(&b);
	buf_puts(&b, "");
	for (p = pattern; *p != '\0'; p++) {
		if (strncmp(p, "{day}", 5) == 0) {
			buf_puts(&b, day);
			p += 4;
		} else if (strncmp(p, "{month}", 7) == 0) {
			buf_puts(&b, month);
			p += 6;
		} else if (strncmp(p, "{year}", 6) == 0) {
			buf_append(&b, num, buf_fmt_ll(num, year));
			p += 5;
		} else
			buf_putc(&b, *p);
	}
	/* what snprintf "%s" would keep, without its cost */
	if (outlen > 0) {
		n = b.len < outlen - 1 ? b.len : outlen - 1;
		memcpy(out, b.data, n);
		out[n] = '\0';
	}
	buf_free(&b);
}

void
words_date(const struct words *w, const char *lang, int year, int month,
    int day, char *out, size_t outlen)
{
	const struct words_lang	*l = words_lang(w, lang);
	const char		*pattern, *first;
	char			 d[32];

	pattern = l == NULL ? NULL : words_get_one(l, day == 0 ? "month_year" :
	    "date");
	if (pattern == NULL || month < 1 || month > 12 ||
	    l->months[month - 1] == NULL) {
		if (day == 0)
			snprintf(out, outlen, "%04d-%02d", year, month);
		else
			snprintf(out, outlen, "%04d-%02d-%02d", year, month,
			    day);
		return;
	}
	first = words_get_one(l, "first_day");
	if (day == 1 && first != NULL)
		snprintf(d, sizeof d, "%s", first);
	else
		(void)buf_fmt_ll(d, day);
	words_fill(pattern, d, l->months[month - 1], year, out, outlen);
}
