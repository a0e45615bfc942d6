/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for log: masks of addresses and of free text, quoted values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "log.h"

static void
test_mask_text_one(const char *in, const char *want)
{
	char	s[256];

	snprintf(s, sizeof s, "%s", in);
	log_mask_text(s);
	if (strcmp(s, want) != 0)
		fail_msg("log_mask_text(\"%s\"): expected \"%s\", got \"%s\"",
		    in, want, s);
}

static void
test_mask_text(void **state)
{
	(void)state;
	/* phone numbers as providers quote them: the last 4 digits */
	test_mask_text_one("Invalid recipient 18195550123. ",
	    "Invalid recipient ***0123. ");
	test_mask_text_one("The 'To' number +1 (819) 555-0123 is not valid",
	    "The 'To' number ***0123 is not valid");
	test_mask_text_one("+33 6 12 34 56 78", "***5678");
	/* addresses: the first character and the domain */
	test_mask_text_one("to: ana.b@example.org rejected",
	    "to: a***@example.org rejected");
	test_mask_text_one("<jo@example.org>", "<j*@example.org>");
	test_mask_text_one("a@y.org", "a@y.org");
	/* what is not a number of 7 digits stays */
	test_mask_text_one("HTTP 503: 429 Too Many, retry in 2000 ms",
	    "HTTP 503: 429 Too Many, retry in 2000 ms");
	test_mask_text_one("id SM123456789abc", "id SM123456789abc");
	test_mask_text_one("x@", "x@");
	test_mask_text_one("", "");
}

static void
test_mask(void **state)
{
	char	out[128];

	(void)state;
	/* at most the last 4 digits of a number (Law 25) */
	assert_string_equal(log_mask("+18195550123", out, sizeof out),
	    "+***0123");
	assert_string_equal(log_mask("8195550123", out, sizeof out), "***0123");
	assert_string_equal(log_mask("12345", out, sizeof out), "***");
	assert_string_equal(log_mask("ana@example.org", out, sizeof out),
	    "a***@example.org");
	assert_string_equal(log_mask("", out, sizeof out), "-");
	assert_string_equal(log_mask(NULL, out, sizeof out), "-");
}

static void
test_value(void **state)
{
	char	out[128];

	(void)state;
	assert_string_equal(log_value("evt-1:a/b@c+d.e", out, sizeof out),
	    "evt-1:a/b@c+d.e");
	assert_string_equal(log_value("a b", out, sizeof out), "\"a b\"");
	assert_string_equal(log_value("x\r\nouch=1", out, sizeof out),
	    "\"x\\x0d\\x0aouch=1\"");
	assert_string_equal(log_value("q\"", out, sizeof out), "\"q\\\"\"");
	assert_string_equal(log_value("", out, sizeof out), "\"\"");
	/* never past out */
	assert_true(strlen(log_value("a b c d e f g", out, 6)) < 6);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_mask_text),
		cmocka_unit_test(test_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
