/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* UTF-8 decoding and checks shared by every module that handles outside text. */
#include <string.h>

#include "utf8.h"

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned char		 lo = 0x80, hi = 0xbf;
	uint32_t		 v;
	size_t			 n, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		n = 1;
		v = p[0];
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;		/* 0xc0 and 0xc1 only lead overlong forms */
		v = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		v = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		v = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (n > 1 && (len < n || p[1] < lo || p[1] > hi))
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (cp != NULL)
		*cp = v;
	return n;
}

size_t
utf8_decode_str(const char *s, uint32_t *cp)
{
	/* a NUL is no continuation byte: the character ends before it */
	return utf8_decode(s, strnlen(s, UTF8_MAX), cp);
}

int
utf8_valid(const char *s, size_t len, size_t *bad)
{
	size_t	i = 0, n;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80)
			n = 1;
		else if ((n = utf8_decode(s + i, len - i, NULL)) == 0) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
		i += n;
	}
	return 0;
}

void
utf8_scrub(char *s)
{
	size_t	len = strlen(s), at = 0, bad;

	while (at < len && utf8_valid(s + at, len - at, &bad) == -1) {
		s[at + bad] = '?';
		at += bad + 1;
	}
}

size_t
utf8_count(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* Length of the character at s[0..len), 1 for a byte that starts none. */
static size_t
utf8_step(const char *s, size_t len)
{
	size_t	n;

	return (n = utf8_decode(s, len, NULL)) == 0 ? 1 : n;
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n = 0, c;

	if (len <= max)
		return len;
	while ((c = utf8_step(s + n, len - n)) <= max - n)
		n += c;
	return n;
}

size_t
utf8_cut_chars(const char *s, size_t len, size_t max)
{
	size_t	n = 0;

	for (; n < len && max > 0; max--)
		n += utf8_step(s + n, len - n);
	return n;
}

void
utf8_position(const char *s, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t	i, start = 0;

	if (off > len)
		off = len;
	*line = 1;
	for (i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = 1 + utf8_count(s + start, off - start);
}
