/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* JSON written straight into a buffer: no tree, for request bodies and records built per message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jarena.h"
#include "jsonmark.h"
#include "jsonw.h"
#include "utf8.h"


#define JSONW_SHORT	64	/* bytes: jsonw_escape's look before the copy */

/* 0: copied as it is; 1: escaped (controls, '"', '\\'); 2: starts UTF-8. */
static const unsigned char jsonw_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

void
jsonw_init(struct jsonw *w, struct buf *b)
{
	w->b = b;
	w->comma = 0;
}

static void
jsonw_sep(struct jsonw *w)
{
	if (w->comma)
		buf_putc(w->b, ',');
	w->comma = 1;
}

void
jsonw_open(struct jsonw *w, char c)
{
	jsonw_sep(w);
	buf_putc(w->b, c);
	w->comma = 0;
}

void
jsonw_close(struct jsonw *w, char c)
{
	buf_putc(w->b, c);
	w->comma = 1;
}

/*
 * What follows the backslash for the bytes JSON escapes short (below
 * 0x20, '"', '\\'); 0 for those written \u00XX.
 */
static const char jsonw_short_esc[0x80] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	['"'] = '"', ['\\'] = '\\',
};

/* Writes the escape of control character or '"' or '\\' c at o; past it. */
static inline char *
jsonw_escape_one(char *o, unsigned char c)
{
	static const char	hex[] = "0123456789ABCDEF";

	o[0] = '\\';
	if (jsonw_short_esc[c] != 0) {
		o[1] = jsonw_short_esc[c];
		return o + 2;
	}
	memcpy(o + 1, "u00", 3);
	o[4] = hex[c >> 4];
	o[5] = hex[c & 0xf];
	return o + 6;
}

/*
 * The bytes of the 8 at p that need a look (below 0x20, '"', '\\' or not
 * ASCII), as the high bit of each: the usual "has a zero byte" bit trick,
 * on x ^ c for each c. A borrow may mark a byte above a marked one, never
 * below: the lowest mark is exact, and only it is used.
 */
static uint64_t
jsonw_word_marks(const unsigned char *p)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	highs = 0x8080808080808080ULL;
	uint64_t	x, q, bs, lt;

	memcpy(&x, p, sizeof x);
	q = x ^ (ones * '"');
	bs = x ^ (ones * '\\');
	lt = (x - ones * 0x20) & ~x;		/* a byte below 0x20 */
	q = (q - ones) & ~q;			/* a byte equal to '"' */
	bs = (bs - ones) & ~bs;			/* a byte equal to '\\' */
	return (lt | q | bs | x) & highs;
}

/* How many bytes of the word come before its first marked one. */
static size_t
jsonw_plain_prefix(uint64_t marks)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(marks) >> 3;
#else
	(void)marks;
	return 0;		/* the bytes are looked at one by one */
#endif
}

/*
 * Copies the bytes at the start of p that need no look (n at most), in
 * whole chunks while o has the room for one (16 bytes with SSE2, else 8);
 * returns how many. A chunk is copied whole, counted to its first mark.
 */
static size_t
jsonw_plain(char *o, const char *lim, const unsigned char *p, size_t n)
{
	uint64_t	marks;
	size_t		i = 0;

#ifdef __SSE2__
	unsigned	m;

	while (n - i >= 16 && lim - (o + i) >= 16) {
		m = json_marks16(p + i);
		memcpy(o + i, p + i, 16);
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (n - i >= 8 && lim - (o + i) >= 8) {
		marks = jsonw_word_marks(p + i);
		memcpy(o + i, p + i, 8);
		if (marks != 0)
			return i + jsonw_plain_prefix(marks);
		i += 8;
	}
	return i;
}

/*
 * Writes the byte at p[*ip] that needs a look (jsonw_class 1 or 2) at o:
 * its escape, or the whole UTF-8 character it starts, checked (at most 6
 * bytes). Returns the end of what was written, *ip past what was read;
 * NULL on bytes that are not UTF-8.
 */
static inline char *
jsonw_special(char *o, const unsigned char *p, size_t n, size_t *ip)
{
	size_t	i = *ip, k;

	if (p[i] < 0x80) {
		*ip = i + 1;
		return jsonw_escape_one(o, p[i]);
	}
	/* é, à, ç: two bytes, French text's common case */
	if (p[i] >= 0xC2 && p[i] <= 0xDF && i + 1 < n &&
	    (p[i + 1] & 0xC0) == 0x80) {
		o[0] = (char)p[i];
		o[1] = (char)p[i + 1];
		*ip = i + 2;
		return o + 2;
	}
	if ((k = utf8_decode((const char *)p + i, n - i, NULL)) == 0)
		return NULL;
	memcpy(o, p + i, k);
	*ip = i + k;
	return o + k;
}

#ifdef __SSE2__
/* A chunk's worst: 32 escapes of 6 bytes, then a store of 32. */
#define JSONW_CHUNK_ROOM	(32 * 6 + 32 + 4)
#define JSONW_CHUNKED		64	/* bytes: a string long enough for chunks */

/*
 * The bulk of a long string, 32 bytes at a time: a chunk is stored whole
 * and its marks taken in turn from one mask, what follows a mark stored
 * whole again from just past it (the next mark writes over the rest).
 * Plain text costs well under an instruction a byte, and a mark (HTML's
 * quotes, newlines, French accents: one every 20 to 40 bytes) no new look
 * at the chunk. Runs while 64 bytes are left (a store from past a mark
 * reads 32 more) and o has the room for a chunk's worst. Returns -1 on
 * bytes that are not UTF-8; *op and *ip are past what was written and read.
 */
static int
jsonw_chunks(char **op, const char *lim, const unsigned char *p, size_t n,
    size_t *ip)
{
	char		*o = *op;
	size_t		 i = *ip, at, mk;
	uint32_t	 m;

	while (n - i >= JSONW_CHUNKED && lim - o >= JSONW_CHUNK_ROOM) {
		at = i;
		m = json_marks16(p + at) |
		    (uint32_t)json_marks16(p + at + 16) << 16;
		memcpy(o, p + at, 32);
		while (m != 0) {
			mk = at + (size_t)__builtin_ctz(m);
			o += mk - i;		/* the plain bytes before it */
			i = mk;
			if ((o = jsonw_special(o, p, n, &i)) == NULL)
				return -1;
			if (i - at >= 32)	/* a character past the chunk */
				break;
			m &= ~(uint32_t)0 << (i - at);
			memcpy(o, p + i, 32);
		}
		if (i < at + 32) {
			o += at + 32 - i;
			i = at + 32;
		}
	}
	*op = o;
	*ip = i;
	return 0;
}
#define JSONW_SLACK(n)	((n) >= JSONW_CHUNKED ? JSONW_CHUNK_ROOM : 16)
#else
#define JSONW_SLACK(n)	16
#endif

/*
 * Escapes n bytes at p into o, up to lim: a long string's bulk by chunks
 * (jsonw_chunks), then the plain runs copied in words (jsonw_plain) and
 * each byte that needs a look taken alone (UTF-8 checked as it goes by).
 * Stops when fewer than 8 bytes of room are left (no character is ever
 * cut). Returns the end of what was written, or NULL on bytes that are
 * not UTF-8; *used is how many bytes were consumed.
 */
static char *
jsonw_escape_some(char *o, const char *lim, const unsigned char *p, size_t n,
    size_t *used)
{
	size_t		i = 0, k;

#ifdef __SSE2__
	if (jsonw_chunks(&o, lim, p, n, &i) == -1)
		return NULL;
#endif
	while (i < n && lim - o >= 8) {
		k = jsonw_plain(o, lim, p + i, n - i);
		o += k;
		i += k;
		if (i == n || lim - o < 8)
			break;
		if (jsonw_class[p[i]] == 0) {
			*o++ = (char)p[i++];
			continue;
		}
		if ((o = jsonw_special(o, p, n, &i)) == NULL)
			return NULL;
	}
	*used = i;
	return o;
}

/* 1 when s's n bytes need no escape (a short string's look). */
static int
jsonw_is_plain(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (jsonw_class[(unsigned char)s[i]] != 0)
			return 0;
	}
	return 1;
}

/*
 * One pass into the buffer's room: a little more than the string, grown
 * again when escapes fill it (6 bytes out for one in, at worst).
 */
int
jsonw_escape(struct buf *b, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 mark = b->len, i = 0, used, left;
	char			*o;

	/*
	 * A short string with nothing to escape (a key, an id, a date: most
	 * of them, some 90 an arrival) is looked at once and copied: the
	 * general path costs some 250 instructions even for "kind".
	 */
	if (len <= JSONW_SHORT && jsonw_is_plain(s, len)) {
		buf_reserve(b, len + 2);
		o = b->data + b->len;
		*o++ = '"';
		memcpy(o, p, len);
		o[len] = '"';
		o[len + 1] = '\0';
		b->len += len + 2;
		return 0;
	}
	buf_putc(b, '"');
	while (i < len) {
		left = len - i;
		buf_reserve(b, left + left / 8 + JSONW_SLACK(left));
		o = jsonw_escape_some(b->data + b->len, b->data + b->cap - 1,
		    p + i, left, &used);
		if (o == NULL) {
			b->len = mark;
			b->data[mark] = '\0';
			return -1;
		}
		b->len = (size_t)(o - b->data);
		i += used;
	}
	buf_putc(b, '"');
	return 0;
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_sep(w);
	/* keys are the writer's own ASCII names */
	(void)jsonw_escape(w->b, key, strlen(key));
	buf_putc(w->b, ':');
	w->comma = 0;
}

/* Forgets what was written since mark (a value that could not be). */
static int
jsonw_rewind(struct jsonw *w, size_t mark, int comma)
{
	w->b->len = mark;
	if (w->b->data != NULL)
		w->b->data[mark] = '\0';
	w->comma = comma;
	return -1;
}

int
jsonw_strn(struct jsonw *w, const char *s, size_t len)
{
	size_t	mark = w->b->len;
	int	comma = w->comma;

	jsonw_sep(w);
	if (jsonw_escape(w->b, s, len) == -1)
		return jsonw_rewind(w, mark, comma);
	return 0;
}

int
jsonw_str(struct jsonw *w, const char *s)
{
	return jsonw_strn(w, s, strlen(s));
}

void
jsonw_int(struct jsonw *w, long long v)
{
	char	d[BUF_LL_SIZE];

	jsonw_sep(w);
	buf_append(w->b, d, buf_fmt_ll(d, v));
}

void
jsonw_bool(struct jsonw *w, int v)
{
	jsonw_sep(w);
	buf_puts(w->b, v ? "true" : "false");
}

int
jsonw_kv(struct jsonw *w, const char *key, const char *v)
{
	struct buf	*b = w->b;
	size_t		 mark = b->len, kl, vl;
	int		 comma = w->comma;
	char		*o;

	if (v == NULL)
		return 0;
	/*
	 * A short value with nothing to escape after a plain key (an id, a
	 * date, an address: most of them) is written with one room check,
	 * where the key and the value each took their own (some 350
	 * instructions a pair); what jsonw_key and jsonw_str write.
	 */
	kl = strlen(key);
	vl = strnlen(v, JSONW_SHORT + 1);
	if (vl <= JSONW_SHORT && jsonw_is_plain(key, kl) &&
	    jsonw_is_plain(v, vl)) {
		buf_reserve(b, kl + vl + 6);
		o = b->data + b->len;
		if (w->comma)
			*o++ = ',';
		*o++ = '"';
		memcpy(o, key, kl);
		o += kl;
		memcpy(o, "\":\"", 3);
		o += 3;
		memcpy(o, v, vl);
		o += vl;
		*o++ = '"';
		*o = '\0';
		b->len = (size_t)(o - b->data);
		w->comma = 1;
		return 0;
	}
	jsonw_key(w, key);
	if (jsonw_str(w, v) == -1)
		return jsonw_rewind(w, mark, comma);
	return 0;
}

static int
jsonw_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys sorted, as JSON_SORT_KEYS does: output does not depend on history. */
static void
jsonw_object(struct jsonw *w, const json_t *o)
{
	const char	*small[16], **keys = small, *k;
	const json_t	*v;
	size_t		 n = json_object_size(o), i = 0;

	if (n > sizeof small / sizeof *small)
		keys = xcalloc(n, sizeof *keys);
	json_object_foreach((json_t *)o, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof *keys, jsonw_keycmp);
	jsonw_open(w, '{');
	for (i = 0; i < n; i++) {
		jsonw_key(w, keys[i]);
		jsonw_json(w, json_object_get(o, keys[i]));
	}
	jsonw_close(w, '}');
	if (keys != small)
		free(keys);
}

void
jsonw_json(struct jsonw *w, const json_t *v)
{
	const json_t	*e;
	char		*s;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jsonw_object(w, v);
		break;
	case JSON_ARRAY:
		jsonw_open(w, '[');
		json_array_foreach((json_t *)v, i, e)
			jsonw_json(w, e);
		jsonw_close(w, ']');
		break;
	case JSON_STRING:
		/* Jansson's strings are UTF-8 already */
		(void)jsonw_strn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jsonw_int(w, json_integer_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jsonw_bool(w, json_is_true(v));
		break;
	case JSON_REAL:
		/* rare here: Jansson's own shortest round-trip form */
		jsonw_sep(w);
		if ((s = json_dumps(v, JSON_ENCODE_ANY)) != NULL)
			buf_puts(w->b, s);
		jarena_free(s);	/* json_dumps's */
		break;
	default:
		jsonw_sep(w);
		buf_puts(w->b, "null");
		break;
	}
}
