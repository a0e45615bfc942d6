/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for base64: RFC 4648 vectors, both alphabets, padding, white space, strictness, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"

/* RFC 4648 section 10. */
static const struct {
	const char	*in;
	const char	*out;
} test_rfc[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* Decodes in (flags) and fails unless it gives want[0..wantlen). */
static void
test_decodes(const char *in, int flags, const void *want, size_t wantlen)
{
	unsigned char	out[256];
	size_t		n = 9999;

	if (base64_decode(in, strlen(in), out, sizeof out, &n, flags) == -1)
		fail_msg("\"%s\" (flags %d): expected %zu bytes, got -1", in,
		    flags, wantlen);
	if (n != wantlen || memcmp(out, want, n) != 0)
		fail_msg("\"%s\" (flags %d): expected %zu bytes, got %zu "
		    "(or other bytes)", in, flags, wantlen, n);
}

/* Decoding in (flags) fails. */
static void
test_refused(const char *in, int flags)
{
	unsigned char	out[256];
	size_t		n = 9999;

	if (base64_decode(in, strlen(in), out, sizeof out, &n, flags) != -1)
		fail_msg("\"%s\" (flags %d): expected -1, got %zu bytes", in,
		    flags, n);
	assert_int_equal(n, 9999);
}

static void
test_rfc4648_encode(void **state)
{
	char	out[16], nopad[16];
	size_t	i, n, k;

	(void)state;
	for (i = 0; i < sizeof test_rfc / sizeof test_rfc[0]; i++) {
		n = strlen(test_rfc[i].in);
		assert_int_equal(base64_len(n, 0), strlen(test_rfc[i].out));
		assert_int_equal(base64_encode(test_rfc[i].in, n, out, 0),
		    strlen(test_rfc[i].out));
		assert_string_equal(out, test_rfc[i].out);
		/* unpadded: the same, without its '=' */
		k = strcspn(test_rfc[i].out, "=");
		snprintf(nopad, sizeof nopad, "%.*s", (int)k, test_rfc[i].out);
		assert_int_equal(base64_len(n, BASE64_NOPAD), k);
		assert_int_equal(base64_encode(test_rfc[i].in, n, out,
		    BASE64_NOPAD | BASE64_URL), k);
		assert_string_equal(out, nopad);
	}
}

static void
test_rfc4648_decode(void **state)
{
	char	nopad[16];
	size_t	i, n;

	(void)state;
	for (i = 0; i < sizeof test_rfc / sizeof test_rfc[0]; i++) {
		n = strlen(test_rfc[i].in);
		test_decodes(test_rfc[i].out, 0, test_rfc[i].in, n);
		test_decodes(test_rfc[i].out, BASE64_SPACE | BASE64_EXACT,
		    test_rfc[i].in, n);
		snprintf(nopad, sizeof nopad, "%.*s",
		    (int)strcspn(test_rfc[i].out, "="), test_rfc[i].out);
		test_decodes(nopad, 0, test_rfc[i].in, n);
		test_decodes(nopad, BASE64_URL | BASE64_NOPAD | BASE64_EXACT,
		    test_rfc[i].in, n);
		if (strchr(test_rfc[i].out, '=') != NULL)
			test_refused(test_rfc[i].out, BASE64_NOPAD);
	}
}

/* 62 and 63: "+/" or "-_", never both. */
static void
test_alphabets(void **state)
{
	static const unsigned char	in[] = { 0xfb, 0xef, 0xbe, 0xff, 0xff };
	char				out[16];

	(void)state;
	assert_int_equal(base64_encode(in, sizeof in, out, 0), 8);
	assert_string_equal(out, "++++//8=");
	assert_int_equal(base64_encode(in, sizeof in, out, BASE64_URL), 8);
	assert_string_equal(out, "----__8=");
	test_decodes("++++//8=", 0, in, sizeof in);
	test_decodes("----__8", BASE64_URL, in, sizeof in);
	test_refused("----__8=", 0);
	test_refused("++++//8=", BASE64_URL);
	test_refused("++++-_8=", 0);
}

static void
test_padding(void **state)
{
	(void)state;
	test_decodes("Zg==", 0, "f", 1);
	test_decodes("Zg", 0, "f", 1);
	test_decodes("Zm8", 0, "fo", 2);
	test_refused("Zg=", 0);		/* padding that ends no quantum */
	test_refused("Zm8==", 0);
	test_refused("Zg===", 0);
	test_refused("Zm9v=", 0);
	test_refused("Zg==Zg==", 0);	/* data after padding */
	test_refused("Z=g=", 0);
	test_refused("====", 0);
	test_refused("=", 0);
	test_refused("Z", 0);		/* 6 bits: no byte */
	test_refused("Zm9vY", 0);
	test_refused("Zm9vY===", 0);
	test_refused("Zg==", BASE64_NOPAD | BASE64_SPACE);
	test_decodes("", BASE64_NOPAD, "", 0);
}

static void
test_space(void **state)
{
	(void)state;
	test_decodes("Zm9v\r\nYmFy", BASE64_SPACE, "foobar", 6);
	test_decodes(" Z m 9 v\tYg = =\n", BASE64_SPACE, "foob", 4);
	test_decodes("\r\n", BASE64_SPACE, "", 0);
	test_refused("Zm9v\r\nYmFy", 0);
	test_refused("Zm9v YmFy", BASE64_URL | BASE64_NOPAD);
	test_refused("Zm9v\vYmFy", BASE64_SPACE);	/* only SP HT CR LF */
}

/* Unused low bits: ignored, or refused with BASE64_EXACT. */
static void
test_exact(void **state)
{
	(void)state;
	test_decodes("Zh==", 0, "f", 1);
	test_decodes("Zm9=", 0, "fo", 2);
	test_decodes("Zh", BASE64_URL, "f", 1);
	test_refused("Zh==", BASE64_EXACT);
	test_refused("Zm9=", BASE64_EXACT);
	test_refused("Zh", BASE64_URL | BASE64_NOPAD | BASE64_EXACT);
	test_decodes("Zg", BASE64_URL | BASE64_NOPAD | BASE64_EXACT, "f", 1);
}

static void
test_bad_characters(void **state)
{
	unsigned char	out[8];
	size_t		n;
	int		c;
	char		s[5];

	(void)state;
	test_refused("Zm9v!", 0);
	test_refused("Zm.v", BASE64_SPACE);
	test_refused("Zm9\xc3\xa9", 0);
	/* a NUL inside the length is a bad character, not an end */
	assert_int_equal(base64_decode("Zm\0v", 4, out, sizeof out, &n, 0),
	    -1);
	/* every byte outside the alphabet, in each position */
	for (c = 0; c < 256; c++) {
		if (c != 0 && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/=", c) != NULL)
			continue;
		memcpy(s, "Zm9v", 5);
		s[c % 4] = (char)c;
		if (base64_decode(s, 4, out, sizeof out, &n, 0) != -1)
			fail_msg("byte 0x%02x at %d: expected -1", c, c % 4);
	}
}

/* outcap bounds what is written; a decoding that needs more fails. */
static void
test_outcap(void **state)
{
	unsigned char	out[8];
	size_t		n = 0;

	(void)state;
	memset(out, 0xaa, sizeof out);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 5, &n, 0), -1);
	assert_int_equal(out[5], 0xaa);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 6, &n, 0), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(out[6], 0xaa);
	assert_int_equal(base64_decode("", 0, NULL, 0, &n, 0), 0);
	assert_int_equal(n, 0);
	assert_int_equal(base64_decode("Zg", 2, out, 0, &n, 0), -1);
}

/* Every length and flag set: encoding then decoding gives the bytes back. */
static void
test_round_trip(void **state)
{
	static const int	flags[] = { 0, BASE64_URL, BASE64_NOPAD,
				    BASE64_URL | BASE64_NOPAD };
	unsigned char		in[300], back[300];
	char			enc[401];
	size_t			len, n, e, f;
	uint32_t		x = 12345;

	(void)state;
	for (len = 0; len < sizeof in; len++) {
		x = x * 1103515245 + 12345;
		in[len] = (unsigned char)(x >> 16);
	}
	for (f = 0; f < sizeof flags / sizeof flags[0]; f++) {
		for (len = 0; len <= sizeof in; len++) {
			e = base64_encode(in, len, enc, flags[f]);
			if (e != base64_len(len, flags[f]) ||
			    strlen(enc) != e)
				fail_msg("len %zu flags %d: expected %zu "
				    "chars, got %zu", len, flags[f],
				    base64_len(len, flags[f]), e);
			if (base64_decode(enc, e, back, len, &n,
			    flags[f] | BASE64_EXACT) == -1 || n != len ||
			    memcmp(back, in, len) != 0)
				fail_msg("len %zu flags %d: no round trip",
				    len, flags[f]);
		}
	}
}

/* base64_append: the same text as base64_encode, across its chunks. */
static void
test_append(void **state)
{
	unsigned char	in[200];
	char		want[300];
	struct buf	b;
	size_t		len, i;

	(void)state;
	for (i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof in; len++) {
		buf_init(&b);
		buf_puts(&b, "x");
		base64_append(&b, in, len, BASE64_URL);
		base64_encode(in, len, want, BASE64_URL);
		if (b.len != 1 + strlen(want) || strcmp(b.data + 1, want) != 0)
			fail_msg("len %zu: expected x%s, got %s", len, want,
			    b.data);
		buf_free(&b);
	}
	/* nothing to append touches nothing */
	buf_init(&b);
	base64_append(&b, "", 0, 0);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_rfc4648_encode),
		cmocka_unit_test(test_rfc4648_decode),
		cmocka_unit_test(test_alphabets),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_space),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_outcap),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
