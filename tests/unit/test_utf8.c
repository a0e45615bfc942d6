/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for utf8: every code point, every bad form, counting, cutting on boundaries, positions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* A 1-, 2-, 3- and 4-byte character, then 'z'. */
static const char	test_mixed[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";

/* A heap copy of exactly n bytes: ASan then catches a read past them. */
static char *
test_copy(const char *s, size_t n)
{
	char	*p = malloc(n > 0 ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/* The UTF-8 form of cp (any value below 2^21, surrogates too); its length. */
static size_t
test_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * An independent decoder, by value rather than by byte ranges: a sequence
 * is valid when it is the shortest form of a scalar value.
 */
static size_t
test_reference(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t	min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	static const uint32_t	lead[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t		v;
	size_t			n, k;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		n = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	v = s[0] & lead[n];
	if (len < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3f);
	}
	if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Decodes s[0..n) and fails with both answers when they differ. */
static void
test_against_reference(const unsigned char *s, size_t n)
{
	uint32_t	got = 0, want = 0;
	size_t		g, w;

	g = utf8_decode((const char *)s, n, &got);
	w = test_reference(s, n, &want);
	if (g != w || (g != 0 && got != want))
		fail_msg("%02x %02x %02x %02x (len %zu): expected length %zu "
		    "U+%04X, got length %zu U+%04X", s[0], n > 1 ? s[1] : 0,
		    n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, w,
		    (unsigned)want, g, (unsigned)got);
}

/* Every code point encodes to one form that decodes back; surrogates fail. */
static void
test_every_code_point(void **state)
{
	unsigned char	b[4];
	uint32_t	cp, got;
	size_t		n;
	char		*copy;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		n = test_encode(cp, b);
		copy = test_copy((const char *)b, n);
		got = 0xffffffff;
		if (cp >= 0xd800 && cp <= 0xdfff) {
			if (utf8_decode(copy, n, &got) != 0)
				fail_msg("surrogate U+%04X: expected 0",
				    (unsigned)cp);
		} else if (utf8_decode(copy, n, &got) != n || got != cp)
			fail_msg("U+%04X: expected length %zu, got %zu U+%04X",
			    (unsigned)cp, n, utf8_decode(copy, n, NULL),
			    (unsigned)got);
		/* one byte short is no character */
		if (utf8_decode(copy, n - 1, &got) != 0)
			fail_msg("U+%04X cut to %zu bytes: expected 0",
			    (unsigned)cp, n - 1);
		free(copy);
	}
	/* past U+10FFFF: 4-byte forms up to 2^21 - 1 */
	for (cp = 0x110000; cp < 0x200000; cp += 0x1001) {
		n = test_encode(cp, b);
		if (utf8_decode((const char *)b, n, NULL) != 0)
			fail_msg("U+%X: expected 0", (unsigned)cp);
	}
}

/* Every 1- to 3-byte string, and 4-byte ones, as the reference sees them. */
static void
test_every_sequence(void **state)
{
	static const unsigned char	tail[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90,
					    0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	unsigned char			s[4];
	unsigned			a, b, c, d;

	(void)state;
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		test_against_reference(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			test_against_reference(s, 2);
			if (a < 0xe0)
				continue;
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				test_against_reference(s, 3);
				if (a < 0xf0)
					continue;
				for (d = 0; d < sizeof tail; d++) {
					s[3] = tail[d];
					test_against_reference(s, 4);
				}
			}
		}
	}
}

static void
test_decode_edges(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		size_t		 n;
		uint32_t	 cp;
	} t[] = {
		{ "", 1, 1, 0 },			/* NUL is a character */
		{ "A", 1, 1, 0x41 },
		{ "\x7f", 1, 1, 0x7f },
		{ "\xc2\x80", 2, 2, 0x80 },
		{ "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff },
		{ "\xee\x80\x80", 3, 3, 0xe000 },
		{ "\xef\xbf\xbf", 3, 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xc3\xa9xyz", 5, 2, 0xe9 },		/* stops after one */
		{ "\xc0\x80", 2, 0, 0 },		/* overlong NUL */
		{ "\xc1\xbf", 2, 0, 0 },
		{ "\xe0\x9f\xbf", 3, 0, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0, 0 },
		{ "\xed\xa0\x80", 3, 0, 0 },		/* U+D800 */
		{ "\xed\xbf\xbf", 3, 0, 0 },		/* U+DFFF */
		{ "\xf4\x90\x80\x80", 4, 0, 0 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 4, 0, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, 0, 0 },	/* 5-byte form */
		{ "\xfc\x84\x80\x80\x80\x80", 6, 0, 0 },
		{ "\xfe", 1, 0, 0 },
		{ "\xff", 1, 0, 0 },
		{ "\x80", 1, 0, 0 },			/* lone continuation */
		{ "\xbf", 1, 0, 0 },
		{ "\xc3(", 2, 0, 0 },
		{ "\xe2(\xa1", 3, 0, 0 },
		{ "\xe2\x82(", 3, 0, 0 },
		{ "\xf0\x9f\x98(", 4, 0, 0 },
		{ "\xc3", 1, 0, 0 },			/* cut */
		{ "\xe2\x82", 2, 0, 0 },
		{ "\xf0\x9f\x98", 3, 0, 0 },
	};
	size_t		i, n;
	uint32_t	cp;
	char		*copy;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		copy = test_copy(t[i].s, t[i].len);
		cp = 0xffffffff;
		n = utf8_decode(copy, t[i].len, &cp);
		free(copy);
		if (n != t[i].n || (n != 0 && cp != t[i].cp))
			fail_msg("case %zu: expected length %zu U+%04X, got "
			    "%zu U+%04X", i, t[i].n, (unsigned)t[i].cp, n,
			    (unsigned)cp);
		if (n == 0 && cp != 0xffffffff)
			fail_msg("case %zu: *cp written on failure", i);
	}
	assert_int_equal(utf8_decode("A", 0, NULL), 0);
	assert_int_equal(utf8_decode("\xe2\x82\xac", 3, NULL), 3);
}

/* The NUL-terminated form reads nothing past the NUL. */
static void
test_decode_str(void **state)
{
	uint32_t	cp = 0;
	char		*s;

	(void)state;
	assert_int_equal(utf8_decode_str("\xe2\x82\xac!", &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_decode_str("", &cp), 0);	/* the end */
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_decode_str("\xe2\x82", NULL), 0);
	assert_int_equal(utf8_decode_str("\xe2\x82" "\0" "\xac", NULL), 0);
	assert_int_equal(utf8_decode_str("\xff", NULL), 0);
	s = test_copy("\xf0\x9f\x98", 4);	/* with its NUL, then the end */
	assert_int_equal(utf8_decode_str(s, NULL), 0);
	free(s);
	s = test_copy("\xc3", 2);
	assert_int_equal(utf8_decode_str(s, NULL), 0);
	free(s);
}

/* Strings of valid and bad pieces: utf8_valid agrees with the reference. */
static void
test_valid(void **state)
{
	static const char	*piece[] = { "a", "", "\xc3\xa9",
				    "\xe2\x82\xac", "\xf0\x9f\x98\x80",
				    "\xc0\xaf", "\xed\xa0\x80",
				    "\xf4\x90\x80\x80", "\xe2\x82", "\x80",
				    "\xff" };
	static const size_t	 plen[] = { 1, 1, 2, 3, 4, 2, 3, 4, 2, 1, 1 };
	char			 s[64], *copy;
	size_t			 len, i, k, n, bad, want;
	uint32_t		 x = 1, cp;
	int			 rc;

	(void)state;
	for (i = 0; i < 20000; i++) {
		for (len = 0, k = i % 7; k > 0; k--) {
			x = x * 1103515245 + 12345;
			n = (x >> 16) % (sizeof plen / sizeof plen[0]);
			memcpy(s + len, piece[n], plen[n]);
			len += plen[n];
		}
		for (want = 0; want < len; want += n) {
			if ((n = test_reference((const unsigned char *)s +
			    want, len - want, &cp)) == 0)
				break;
		}
		copy = test_copy(s, len);
		bad = 9999;
		rc = utf8_valid(copy, len, &bad);
		free(copy);
		if (want == len ? rc != 0 || bad != 9999 :
		    rc != -1 || bad != want)
			fail_msg("string %zu (%zu bytes): expected rc %d bad "
			    "%zu, got rc %d bad %zu", i, len,
			    want == len ? 0 : -1, want, rc, bad);
	}
	assert_int_equal(utf8_valid("\xff", 1, NULL), -1);
	assert_int_equal(utf8_valid(NULL, 0, NULL), 0);
	/* a cut character is valid when the cut leaves it out */
	assert_int_equal(utf8_valid("ab\xe2\x82\xac", 2, NULL), 0);
	assert_int_equal(utf8_valid("ab\xe2\x82\xac", 4, &bad), -1);
	assert_int_equal(bad, 2);
}

static void
test_scrub(void **state)
{
	char	s[64];

	(void)state;
	strcpy(s, "Num\xc3\xa9ro re\xc3");
	utf8_scrub(s);
	assert_string_equal(s, "Num\xc3\xa9ro re?");
	strcpy(s, "a\x80" "b\xff" "c\xe2\x82");
	utf8_scrub(s);
	assert_string_equal(s, "a?b?c??");
	strcpy(s, "\xed\xa0\x80!");		/* each byte of a surrogate */
	utf8_scrub(s);
	assert_string_equal(s, "?" "?" "?!");
	strcpy(s, test_mixed);
	utf8_scrub(s);
	assert_string_equal(s, test_mixed);
	s[0] = '\0';
	utf8_scrub(s);
	assert_string_equal(s, "");
}

static void
test_count(void **state)
{
	(void)state;
	assert_int_equal(utf8_count("", 0), 0);
	assert_int_equal(utf8_count(NULL, 0), 0);
	assert_int_equal(utf8_count("abc", 3), 3);
	assert_int_equal(utf8_count("h\xc3\xa9llo", 6), 5);
	assert_int_equal(utf8_count("\xe2\x82\xac\xf0\x9f\x98\x80", 7), 2);
	assert_int_equal(utf8_count("a\0b", 3), 3);
	/* the lead of a cut character counts; a stray continuation does not */
	assert_int_equal(utf8_count("a\xe2\x82", 3), 2);
	assert_int_equal(utf8_count("a\x80\xbf" "b", 4), 2);
	assert_int_equal(utf8_count("\xff\xfe", 2), 2);
}

/* cut(test_mixed, max) for each max from 0 gives want[max]. */
static void
test_cut_table(const char *name, size_t (*cut)(const char *, size_t, size_t),
    const size_t *want, size_t nwant)
{
	size_t	max, len = sizeof test_mixed - 1, got;
	char	*copy = test_copy(test_mixed, len);

	for (max = 0; max < nwant; max++) {
		if ((got = cut(copy, len, max)) != want[max])
			fail_msg("%s, max %zu: expected %zu, got %zu", name,
			    max, want[max], got);
	}
	assert_int_equal(cut(copy, len, SIZE_MAX), len);
	free(copy);
}

/* What is kept is whole, and one more character would not fit. */
static void
test_cut(void **state)
{
	static const size_t	bytes[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10,
				    11, 11 };
	static const size_t	chars[] = { 0, 1, 3, 6, 10, 11, 11 };

	(void)state;
	test_cut_table("utf8_cut", utf8_cut, bytes,
	    sizeof bytes / sizeof bytes[0]);
	test_cut_table("utf8_cut_chars", utf8_cut_chars, chars,
	    sizeof chars / sizeof chars[0]);
	/* a character cut by len, and stray bytes, count one byte each */
	assert_int_equal(utf8_cut(test_mixed, 5, 4), 4);
	assert_int_equal(utf8_cut(test_mixed, 5, 5), 5);
	assert_int_equal(utf8_cut_chars(test_mixed, 5, 3), 4);	/* a é 0xe2 */
	assert_int_equal(utf8_cut_chars(test_mixed, 5, 9), 5);
	assert_int_equal(utf8_cut("a\xff\x80" "b", 4, 2), 2);
	assert_int_equal(utf8_cut("a\xff\x80" "b", 4, 3), 3);
	assert_int_equal(utf8_cut_chars("\x80\x80\x80", 3, 2), 2);
	assert_int_equal(utf8_cut("", 0, 0), 0);
	assert_int_equal(utf8_cut_chars("", 0, 5), 0);
}

static void
test_position(void **state)
{
	static const char	s[] = "ab\nc\xc3\xa9" "d\n\n\xe2\x82\xacx";
	static const struct {
		size_t	off, line, col;
	} t[] = {
		{ 0, 1, 1 }, { 1, 1, 2 }, { 2, 1, 3 }, { 3, 2, 1 },
		{ 4, 2, 2 }, { 5, 2, 3 }, { 6, 2, 3 },	/* inside é */
		{ 7, 2, 4 }, { 8, 3, 1 }, { 9, 4, 1 }, { 12, 4, 2 },
		{ 13, 4, 3 }, { 99, 4, 3 },		/* past the end */
	};
	size_t	i, line, col;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		utf8_position(s, sizeof s - 1, t[i].off, &line, &col);
		if (line != t[i].line || col != t[i].col)
			fail_msg("offset %zu: expected %zu:%zu, got %zu:%zu",
			    t[i].off, t[i].line, t[i].col, line, col);
	}
	utf8_position("", 0, 0, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_every_sequence),
		cmocka_unit_test(test_decode_edges),
		cmocka_unit_test(test_decode_str),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_position),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
