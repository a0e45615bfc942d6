/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* A fast JSON reader for the common case, with Jansson as the authority. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonmark.h"
#include "jsonr.h"
#include "utf8.h"

#define JSONR_MAX_DEPTH	2048	/* Jansson's JSON_PARSER_MAX_DEPTH */

struct jsonr {
	const char	*p;
	const char	*end;
	struct buf	 tmp;		/* a string with escapes, decoded */
	int		 depth;
	int		 max_depth;
};

static json_t	*jsonr_value(struct jsonr *);

static void
jsonr_space(struct jsonr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' ||
	    *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static int
jsonr_hex4(const char *p, uint32_t *cp)
{
	int	i, d;

	*cp = 0;
	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return -1;
		*cp = *cp << 4 | (uint32_t)d;
	}
	return 0;
}

/* One escape after '\\' at r->p, appended to r->tmp; -1: not plain. */
static int
jsonr_escape(struct jsonr *r)
{
	static const char	from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*c;
	char			 u[4];
	uint32_t		 cp;

	if (r->p >= r->end)
		return -1;
	if (*r->p != 'u') {
		if (*r->p == '\0' || (c = strchr(from, *r->p)) == NULL)
			return -1;
		buf_putc(&r->tmp, to[c - from]);
		r->p++;
		return 0;
	}
	/* no NUL, no surrogate: Jansson has its own words for those */
	if (r->end - r->p < 5 || jsonr_hex4(r->p + 1, &cp) == -1 || cp == 0 ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	r->p += 5;
	if (cp < 0x80) {
		buf_putc(&r->tmp, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(&r->tmp, u, 2);
	} else {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(&r->tmp, u, 3);
	}
	return 0;
}

/*
 * The string at r->p (just after its '"'): *s and *len point into the
 * input when it has no escape, else into r->tmp. -1: not plain.
 */
static int
jsonr_string(struct jsonr *r, const char **s, size_t *len)
{
	const char	*start = r->p;
	size_t		 n;
	int		 escaped = 0;

	buf_reset(&r->tmp);
	while (r->p < r->end) {
		unsigned char c;
#ifdef __SSE2__
		unsigned m;

		/* plain runs 16 bytes at a time, to the next byte to look at */
		while (r->end - r->p >= 16) {
			if ((m = json_marks16((const unsigned char *)r->p)) != 0) {
				r->p += __builtin_ctz(m);
				break;
			}
			r->p += 16;
		}
		if (r->p == r->end)
			break;
#endif
		c = (unsigned char)*r->p;

		if (c == '"') {
			if (escaped) {
				buf_append(&r->tmp, start, (size_t)(r->p - start));
				*s = r->tmp.data;
				*len = r->tmp.len;
			} else {
				*s = start;
				*len = (size_t)(r->p - start);
			}
			r->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			buf_append(&r->tmp, start, (size_t)(r->p - start));
			r->p++;
			if (jsonr_escape(r) == -1)
				return -1;
			start = r->p;
			escaped = 1;
			continue;
		}
		if (c >= 0x80) {
			if ((n = utf8_decode(r->p, (size_t)(r->end - r->p),
			    NULL)) == 0)
				return -1;
			r->p += n;
			continue;
		}
		r->p++;
	}
	return -1;
}

/* An integer of at most 18 digits (no overflow possible); -1: not plain. */
static json_t *
jsonr_integer(struct jsonr *r)
{
	const char	*p = r->p;
	long long	 v = 0;
	int		 neg = 0, n = 0;

	if (p < r->end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= r->end || *p < '0' || *p > '9')
		return NULL;
	/* "01" is not JSON; "0" alone is */
	if (*p == '0' && p + 1 < r->end && p[1] >= '0' && p[1] <= '9')
		return NULL;
	while (p < r->end && *p >= '0' && *p <= '9') {
		if (++n > 18)
			return NULL;
		v = v * 10 + (*p++ - '0');
	}
	/* a real number (fraction or exponent): Jansson's to read */
	if (p < r->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return NULL;
	r->p = p;
	return json_integer(neg ? -v : v);
}

static json_t *
jsonr_word(struct jsonr *r, const char *w, size_t n, json_t *v)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return NULL;
	r->p += n;
	return v;
}

static json_t *
jsonr_object(struct jsonr *r)
{
	json_t		*o = json_object(), *v;
	const char	*k;
	char		*key = NULL;
	size_t		 klen, n;

	jsonr_space(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	for (;;) {
		if (r->p >= r->end || *r->p++ != '"' ||
		    jsonr_string(r, &k, &klen) == -1)
			break;
		/*
		 * The value may reuse r->tmp: a key decoded there (it had an
		 * escape) is copied first; a plain one is read in place.
		 */
		if (k == r->tmp.data)
			k = key = xstrndup(k, klen);
		jsonr_space(r);
		if (r->p >= r->end || *r->p++ != ':' ||
		    (v = jsonr_value(r)) == NULL) {
			free(key);
			break;
		}
		/*
		 * A key seen before replaces its value: the object does not
		 * grow (no lookup before, which hashed the key once more).
		 */
		n = json_object_size(o);
		json_object_setn_new_nocheck(o, k, klen, v);
		free(key);
		key = NULL;
		if (json_object_size(o) == n)
			break;
		jsonr_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			jsonr_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return o;
		}
		break;
	}
	json_decref(o);
	return NULL;
}

static json_t *
jsonr_array(struct jsonr *r)
{
	json_t	*a = json_array(), *v;

	jsonr_space(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	for (;;) {
		if ((v = jsonr_value(r)) == NULL)
			break;
		json_array_append_new(a, v);
		jsonr_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *
jsonr_value(struct jsonr *r)
{
	const char	*s;
	size_t		 len;
	json_t		*v = NULL;

	jsonr_space(r);
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > r->max_depth)
			return NULL;
		v = *r->p++ == '{' ? jsonr_object(r) : jsonr_array(r);
		r->depth--;
		return v;
	case '"':
		r->p++;
		if (jsonr_string(r, &s, &len) == -1)
			return NULL;
		return json_stringn_nocheck(s, len);
	case 't':
		return jsonr_word(r, "true", 4, json_true());
	case 'f':
		return jsonr_word(r, "false", 5, json_false());
	case 'n':
		return jsonr_word(r, "null", 4, json_null());
	default:
		return jsonr_integer(r);
	}
}

json_t *
jsonr_load(const char *s, size_t len)
{
	return jsonr_load_depth(s, len, JSONR_MAX_DEPTH);
}

json_t *
jsonr_load_depth(const char *s, size_t len, int max_depth)
{
	struct jsonr	 r;
	json_t		*v;

	r.p = s;
	r.end = s + len;
	r.depth = 0;
	r.max_depth = max_depth < JSONR_MAX_DEPTH ? max_depth : JSONR_MAX_DEPTH;
	buf_init(&r.tmp);
	v = jsonr_value(&r);
	buf_free(&r.tmp);
	if (v == NULL)
		return NULL;
	jsonr_space(&r);
	if (r.p != r.end) {
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *
jsonr_loadb(const char *s, size_t len, size_t flags, json_error_t *err)
{
	json_t	*v;

	/* a duplicate key is never read here: both answers come from Jansson */
	if ((flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)) ==
	    0 && (v = jsonr_load(s, len)) != NULL) {
		if ((flags & JSON_DECODE_ANY) || json_is_object(v) ||
		    json_is_array(v))
			return v;
		json_decref(v);
	}
	return json_loadb(s, len, flags, err);
}
