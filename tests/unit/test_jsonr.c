/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* jsonr reads the plain subset as Jansson does and leaves the rest to it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <jansson.h>

#include "jsonr.h"

/* What jsonr reads itself: the same tree as Jansson's. */
static void
test_plain(void **state)
{
	static const char *const docs[] = { "{}", "[]", " [ ] ", "\"\"", "0",
	    "-0", "-12", "123456789012345678", "true", "false", "null",
	    "{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]},\"e\":\"\"}",
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
	    "\"\\u00e9\\u20AC\\u0041\"", "\t\r\n{ \"k\" : [ true , null ] }\n",
	    "{\"\":1}",
	    /* a key with an escape, then a value with one: the key kept */
	    "{\"k\\u00e9\":\"v\\n\",\"a\\\"b\":{\"c\\td\":\"\\u0041\"},\"x\":1}",
	    "{\"person\":{\"id\":\"p-1\",\"consent\":{\"email\":true,"
	    "\"sms\":false}},\"municipality\":\"Amos\"}" };
	json_t		*fast, *slow;
	json_error_t	 je;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof docs / sizeof *docs; i++) {
		fast = jsonr_load(docs[i], strlen(docs[i]));
		slow = json_loadb(docs[i], strlen(docs[i]),
		    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
		if (fast == NULL || slow == NULL || !json_equal(fast, slow))
			fail_msg("%s: not read as Jansson reads it", docs[i]);
		json_decref(fast);
		json_decref(slow);
	}
}

/*
 * Long strings are skipped 16 bytes at a time to the next byte to look at:
 * a string of 0 to 70 plain bytes with an escape, a quote, a UTF-8
 * character or a control byte at each place, read as Jansson reads it (or
 * left to it: the control byte).
 */
static void
test_long_strings(void **state)
{
	static const char *const marks[] = { "\\n", "\\\"", "\\\\",
	    "\\u00e9", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	    "\x01", "\xc3" };
	json_t		*fast, *slow;
	json_error_t	 je;
	char		 s[128];
	size_t		 len, at, k, n;

	(void)state;
	for (k = 0; k < sizeof marks / sizeof *marks; k++) {
		for (len = 0; len <= 70; len++) {
			for (at = 0; at <= len; at++) {
				s[0] = '"';
				memset(s + 1, 'a', len);
				n = strlen(marks[k]);
				memmove(s + 1 + at + n, s + 1 + at, len - at);
				memcpy(s + 1 + at, marks[k], n);
				s[1 + len + n] = '"';
				s[2 + len + n] = '\0';
				fast = jsonr_load(s, 2 + len + n);
				slow = json_loadb(s, 2 + len + n,
				    JSON_DECODE_ANY, &je);
				if (k >= 7)	/* a control byte, a cut character */
					assert_null(fast);
				else if (fast == NULL || slow == NULL ||
				    !json_equal(fast, slow))
					fail_msg("mark %zu at %zu of %zu: not "
					    "read as Jansson reads it", k, at, len);
				json_decref(fast);
				json_decref(slow);
			}
		}
	}
}

/*
 * What jsonr leaves to Jansson: errors, and what Jansson has its own
 * answer for (reals, surrogates, NUL, big integers, duplicate keys).
 */
static void
test_left_to_jansson(void **state)
{
	static const char *const docs[] = { "", " ", "{", "[1,]", "{\"a\"}",
	    "{\"a\":1,}", "01", "-", "1.5", "1e3", "-2E-1",
	    "1234567890123456789", "\"\\ud83d\\ude00\"", "\"\\u0000\"",
	    "{\"a\":1,\"a\":2}", "\"\x01\"", "\"caf\xe9\"", "\"\xed\xa0\x80\"",
	    "truex", "[true false]", "\"unterminated", "\"\\x\"", "\"\\u12\"",
	    "{} {}", "\xef\xbb\xbf{}", "nul", "[1] x" };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof docs / sizeof *docs; i++) {
		if (jsonr_load(docs[i], strlen(docs[i])) != NULL)
			fail_msg("%s: read, not left to Jansson", docs[i]);
	}
}

/* jsonr_loadb answers exactly as json_loadb, with each flag it takes. */
static void
test_loadb(void **state)
{
	json_t		*v;
	json_error_t	 je;

	(void)state;
	/* without DECODE_ANY a scalar is Jansson's error */
	assert_null(jsonr_loadb("1", 1, 0, &je));
	assert_non_null(strstr(je.text, "expected"));
	assert_non_null(v = jsonr_loadb("1", 1, JSON_DECODE_ANY, &je));
	assert_int_equal(json_integer_value(v), 1);
	json_decref(v);
	/* a duplicate key: refused with the flag, the last kept without */
	assert_null(jsonr_loadb("{\"a\":1,\"a\":2}", 13, JSON_REJECT_DUPLICATES,
	    &je));
	assert_non_null(strstr(je.text, "duplicate"));
	assert_non_null(v = jsonr_loadb("{\"a\":1,\"a\":2}", 13, 0, &je));
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 2);
	json_decref(v);
	/* a real, read by Jansson */
	assert_non_null(v = jsonr_loadb("[2.5]", 5, 0, &je));
	assert_true(json_is_real(json_array_get(v, 0)));
	json_decref(v);
	/* an error worded by Jansson, with its place */
	assert_null(jsonr_loadb("{\"a\":}", 6, 0, &je));
	assert_int_equal(je.line, 1);
	assert_int_equal(je.column, 6);
}

/*
 * jsonr_load_depth reads no deeper than it is told (2048 at most), and
 * what it reads is valid UTF-8 without NUL: envelope.c counts on it to
 * skip its own look at every byte.
 */
static void
test_depth(void **state)
{
	static const char *const bad[] = { "[\"caf\xe9\"]", "[\"\xc3\"]",
	    "[\"\xed\xa0\x80\"]", "[\"a\0b\"]", "[\"\\u0000\"]",
	    "[\xc3\xa9]", "{\"\xff\":1}" };
	char	 s[5000];
	json_t	*v;
	size_t	 i, k;

	(void)state;
	for (k = 1; k <= 5; k++) {
		memset(s, '[', k);
		memset(s + k, ']', k);
		v = jsonr_load_depth(s, 2 * k, 3);
		if (k <= 3) {
			assert_non_null(v);
			json_decref(v);
		} else
			assert_null(v);
	}
	assert_non_null(v = jsonr_load_depth("{\"a\":{\"b\":[1]}}", 15, 3));
	json_decref(v);
	assert_null(jsonr_load_depth("{\"a\":{\"b\":[1]}}", 15, 2));
	/* a limit above Jansson's is Jansson's */
	memset(s, '[', 2049);
	memset(s + 2049, ']', 2049);
	assert_null(jsonr_load_depth(s, 2 * 2049, 100000));
	assert_non_null(v = jsonr_load_depth(s + 1, 2 * 2048, 100000));
	json_decref(v);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		k = i == 3 ? 7 : strlen(bad[i]);
		if (jsonr_load_depth(bad[i], k, 64) != NULL)
			fail_msg("bad case %zu read", i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_left_to_jansson),
		cmocka_unit_test(test_loadb),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
