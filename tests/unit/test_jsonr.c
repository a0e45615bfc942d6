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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_left_to_jansson),
		cmocka_unit_test(test_loadb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
