/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration parsing helpers: option tables, positioned errors, secrets. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config_parse.h"
#include "diag.h"
#include "suggest.h"
#include "ynode.h"

/* One message at n's position into d, after prefix. */
static void __attribute__((format(printf, 5, 0)))
config_vadd(struct config_ctx *c, struct diag *d, const struct ynode *n,
    const char *prefix, const char *fmt, va_list ap)
{
	struct buf	b;

	buf_init(&b);
	buf_vprintf(&b, fmt, ap);
	diag_add(d, c->file, n != NULL ? n->line : 0, n != NULL ? n->col : 0,
	    "%s%s", prefix, b.data);
	buf_free(&b);
}

void
config_err(struct config_ctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_vadd(c, c->diag, n, "", fmt, ap);
	va_end(ap);
}

void
config_warn(struct config_ctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list	ap;

	if (c->warn == NULL)
		return;
	va_start(ap, fmt);
	config_vadd(c, c->warn, n, "warning: ", fmt, ap);
	va_end(ap);
}

void
config_unknown(struct config_ctx *c, const struct ynode *n, const char *what,
    const char *name, const char *where, const char *const *known,
    size_t nknown)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "unknown %s \"%s\"%s%s", what, name,
	    where != NULL ? " in " : "", where != NULL ? where : "");
	suggest_append(&b, name, known, nknown);
	config_err(c, n, "%s", b.data);
	buf_free(&b);
}

int
config_expect(struct config_ctx *c, const struct ynode *n,
    enum ynode_type type, const char *what)
{
	if (n->type == type)
		return 0;
	config_err(c, n, "%s must be a %s, not a %s", what,
	    ynode_type_name(type), ynode_type_name(n->type));
	return -1;
}

/* Reads a secret from a file: one value, trailing newlines dropped. */
static char *
config_read_secret(struct config_ctx *c, const struct ynode *n)
{
	struct buf	 b;
	char		 chunk[4096], path[PATH_MAX];
	FILE		*f;
	size_t		 got;

	if (n->value[0] == '/')
		snprintf(path, sizeof path, "%s", n->value);
	else
		snprintf(path, sizeof path, "%s/%s", c->dir, n->value);
	if ((f = fopen(path, "r")) == NULL) {
		if (c->missing != NULL)
			snprintf(c->missing, c->missinglen, "cannot read %s: %s",
			    path, strerror(errno));
		else
			config_err(c, n, "cannot read %s: %s", path,
			    strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 65536)
		buf_append(&b, chunk, got);
	fclose(f);
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	return buf_steal(&b, NULL);
}

/*
 * A secret goes into a header or a login: a control character inside it
 * (a line break left inside a file, a pasted tab) would make every request
 * fail, so the configuration is refused instead. Its value is not shown.
 */
static int
config_secret_bad(struct config_ctx *c, const struct config_opt *o,
    const struct ynode *n, const char *v)
{
	const char	*p;

	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			config_err(c, n, "%s: the secret in %s holds a control "
			    "character (a line break?) at byte %zu: it cannot "
			    "go in a request", o->key, n->value,
			    (size_t)(p - v) + 1);
			return -1;
		}
	}
	return 0;
}

int
config_set_opt(struct config_ctx *c, const struct config_opt *o, void *base,
    const struct ynode *n)
{
	char	**sp = (char **)((char *)base + o->off);
	long	 *lp = (long *)((char *)base + o->off);
	char	 *end, *v;
	long	  l;

	if (config_expect(c, n, YNODE_SCALAR, o->key) == -1)
		return -1;
	switch (o->type) {
	case CONFIG_STR:
		free(*sp);
		*sp = xstrdup(n->value);
		return 0;
	case CONFIG_LONG:
		errno = 0;
		l = strtol(n->value, &end, 10);
		if (n->value[0] == '\0' || *end != '\0' || errno != 0) {
			config_err(c, n, "%s must be an integer, not \"%s\"",
			    o->key, n->value);
			return -1;
		}
		if (l < o->min || l > o->max) {
			config_err(c, n, "%s must be between %ld and %ld, not %ld",
			    o->key, o->min, o->max, l);
			return -1;
		}
		*lp = l;
		return 0;
	case CONFIG_ENV:
		if ((v = getenv(n->value)) == NULL) {
			if (c->missing != NULL) {
				snprintf(c->missing, c->missinglen, "%s: "
				    "environment variable %s is not set",
				    o->key, n->value);
				return 0;
			}
			config_err(c, n, "%s: environment variable %s is not set",
			    o->key, n->value);
			return -1;
		}
		if (config_secret_bad(c, o, n, v) == -1)
			return -1;
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case CONFIG_FILE:
		if ((v = config_read_secret(c, n)) == NULL)
			return c->missing != NULL ? 0 : -1;
		free(*sp);
		*sp = v;
		return config_secret_bad(c, o, n, v);
	}
	return -1;
}

const struct config_opt *
config_opt_find(const struct config_opt *opts, const char *key)
{
	const struct config_opt	*o;

	for (o = opts; o->key != NULL; o++) {
		if (strcmp(o->key, key) == 0)
			return o;
	}
	return NULL;
}

void
config_defaults(struct config_ctx *c, const struct config_opt *opts,
    void *base)
{
	const struct config_opt	*o;

	for (o = opts; o->key != NULL; o++) {
		if (o->def == NULL)
			continue;
		struct ynode def = { .type = YNODE_SCALAR,
		    .value = (char *)(uintptr_t)o->def };
		config_set_opt(c, o, base, &def);
	}
}

/* Applies a table of options to a map node; unknown keys are errors. */
int
config_section(struct config_ctx *c, const struct ynode *map,
    const struct config_opt *opts, void *base, const char *what)
{
	const struct config_opt	*o;
	size_t			 i;
	int			 rc = 0;

	if (map != NULL && config_expect(c, map, YNODE_MAP, what) == -1)
		map = NULL, rc = -1;
	config_defaults(c, opts, base);
	for (i = 0; map != NULL && i < map->n; i++) {
		if ((o = config_opt_find(opts, map->keys[i]->value)) == NULL) {
			const char	*known[64];
			size_t		 k;

			for (k = 0; opts[k].key != NULL && k < 64; k++)
				known[k] = opts[k].key;
			config_unknown(c, map->keys[i], "key",
			    map->keys[i]->value, what, known, k);
			rc = -1;
		} else if (config_set_opt(c, o, base, map->items[i]) == -1)
			rc = -1;
	}
	return rc;
}

/* Two options may set one string (a secret's _env and _file): freed once. */
void
config_section_free(const struct config_opt *opts, void *base)
{
	const struct config_opt	*o;
	char			**sp;

	for (o = opts; o->key != NULL; o++) {
		if (o->type == CONFIG_LONG)
			continue;
		sp = (char **)((char *)base + o->off);
		free(*sp);
		*sp = NULL;
	}
}

/* A string, or a list of strings, as a NULL-free array. */
int
config_strings(struct config_ctx *c, const struct ynode *n, const char *what,
    char ***out, size_t *nout)
{
	size_t	i;

	*out = NULL;
	*nout = 0;
	if (n->type == YNODE_SCALAR) {
		*out = xcalloc(1, sizeof **out);
		(*out)[0] = xstrdup(n->value);
		*nout = 1;
		return 0;
	}
	if (config_expect(c, n, YNODE_SEQ, what) == -1)
		return -1;
	*out = xcalloc(n->n, sizeof **out);
	for (i = 0; i < n->n; i++) {
		if (config_expect(c, n->items[i], YNODE_SCALAR, what) == -1)
			return -1;
		(*out)[(*nout)++] = xstrdup(n->items[i]->value);
	}
	return 0;
}

void
config_free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A scalar string member of a map, or NULL; type errors are reported. */
const char *
config_scalar(struct config_ctx *c, const struct ynode *map, const char *key)
{
	const struct ynode	*n = ynode_get(map, key);

	if (n == NULL)
		return NULL;
	if (config_expect(c, n, YNODE_SCALAR, key) == -1)
		return NULL;
	return n->value;
}

char *
config_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
config_keys_known(struct config_ctx *c, const struct ynode *map,
    const char *const *known, const char *what)
{
	size_t	i, k;
	int	rc = 0;

	for (i = 0; i < map->n; i++) {
		for (k = 0; known[k] != NULL; k++) {
			if (strcmp(known[k], map->keys[i]->value) == 0)
				break;
		}
		if (known[k] == NULL) {
			for (k = 0; known[k] != NULL; k++)
				;
			config_unknown(c, map->keys[i], "key",
			    map->keys[i]->value, what, known, k);
			rc = -1;
		}
	}
	return rc;
}

/* An optional true/false key of a map. */
int
config_bool(struct config_ctx *c, const struct ynode *map, const char *key,
    int *out)
{
	const struct ynode	*n = ynode_get(map, key);

	*out = 0;
	if (n == NULL)
		return 0;
	if (n->type == YNODE_SCALAR && strcmp(n->value, "true") == 0)
		*out = 1;
	else if (n->type != YNODE_SCALAR || strcmp(n->value, "false") != 0) {
		config_err(c, n, "%s must be true or false", key);
		return -1;
	}
	return 0;
}

/* Whether url ("scheme://host[:port]/...") names a loopback host. */
int
config_url_loopback(const char *url)
{
	const char	*h = strstr(url, "://");
	size_t		 n;

	if (h == NULL)
		return 0;
	h += 3;
	if (strchr(h, '@') != NULL && strchr(h, '@') < h + strcspn(h, "/"))
		h = strchr(h, '@') + 1;
	if (*h == '[')
		return strncmp(h, "[::1]", 5) == 0 && strchr(":/", h[5]) != NULL;
	n = strcspn(h, ":/?#");
	if (n == 9 && strncmp(h, "localhost", 9) == 0)
		return 1;
	/* 127.0.0.0/8 written as an address, not a name that starts so */
	return n >= 7 && n <= 15 && strncmp(h, "127.", 4) == 0 &&
	    strspn(h, "0123456789.") == n;
}
