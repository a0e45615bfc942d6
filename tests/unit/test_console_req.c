/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for console_req: query strings, forms, cookies, proxies' headers, paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "console_int.h"

static void
test_decode(void **state)
{
	static const struct {
		const char	*in;
		int		 plus;
		const char	*want;	/* NULL: refused */
	} cases[] = {
		{ "a%20b", 1, "a b" },
		{ "a+b", 1, "a b" },
		{ "a+b", 0, "a+b" },
		{ "%C3%A9t%c3%a9", 1, "été" },
		{ "line%0D%0Abreak%09tab", 1, "line\r\nbreak\ttab" },
		{ "", 1, "" },
		{ "%", 1, NULL },
		{ "%4", 1, NULL },
		{ "%4g", 1, NULL },
		{ "%00", 1, NULL },
		{ "%1b", 1, NULL },
		{ "%7F", 1, NULL },
		{ "%FF", 1, NULL },
		{ "%C3", 1, NULL },
		{ "\x01", 1, NULL },
	};
	size_t	i;
	char	*out;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = console_url_decode(cases[i].in, strlen(cases[i].in),
		    cases[i].plus, &out);
		if (cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("\"%s\": decoded to \"%s\", expected a "
				    "refusal", cases[i].in, out);
			assert_null(out);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\": refused, expected \"%s\"", cases[i].in,
			    cases[i].want);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void
test_args(void **state)
{
	struct console_args	a;
	struct buf		b;
	const char		*q = "territory=abitibi&&month=2026-11&flag&"
				    "reason=bounce+hard&territory=other&=x";
	int			i;

	(void)state;
	memset(&a, 0, sizeof a);
	assert_int_equal(console_args_parse(&a, q, strlen(q)), 0);
	assert_int_equal(a.n, 6);
	assert_string_equal(console_args_get(&a, "territory"), "abitibi");
	assert_string_equal(console_args_get(&a, "month"), "2026-11");
	assert_string_equal(console_args_get(&a, "flag"), "");
	assert_string_equal(console_args_get(&a, "reason"), "bounce hard");
	assert_string_equal(console_args_get(&a, ""), "x");
	assert_null(console_args_get(&a, "age"));
	console_args_free(&a);
	assert_int_equal(a.n, 0);

	/* a bad escape anywhere refuses the whole */
	assert_int_equal(console_args_parse(&a, "a=1&b=%zz", 9), -1);
	assert_int_equal(a.n, 0);
	/* a length, not a NUL, ends the input */
	assert_int_equal(console_args_parse(&a, "a=12345", 3), 0);
	assert_string_equal(console_args_get(&a, "a"), "1");
	console_args_free(&a);

	/* CONSOLE_ARGS_MAX pairs, not one more */
	buf_init(&b);
	for (i = 0; i < CONSOLE_ARGS_MAX; i++)
		buf_printf(&b, "k%d=v&", i);
	assert_int_equal(console_args_parse(&a, b.data, b.len), 0);
	assert_int_equal(a.n, CONSOLE_ARGS_MAX);
	console_args_free(&a);
	buf_puts(&b, "one=more");
	assert_int_equal(console_args_parse(&a, b.data, b.len), -1);
	assert_int_equal(a.n, 0);
	buf_free(&b);
}

static void
test_cookie(void **state)
{
	const char	*h = "lang=en; relais_session=\"abc-_\"; x=1;"
			    "relais_session=second;  flash = no ;last=v ";
	char		 out[16];

	(void)state;
	assert_int_equal(console_cookie_get(h, "lang", out, sizeof out), 0);
	assert_string_equal(out, "en");
	assert_int_equal(console_cookie_get(h, "relais_session", out,
	    sizeof out), 0);
	assert_string_equal(out, "abc-_");
	assert_int_equal(console_cookie_get(h, "x", out, sizeof out), 0);
	assert_string_equal(out, "1");
	assert_int_equal(console_cookie_get(h, "last", out, sizeof out), 0);
	assert_string_equal(out, "v");
	/* not a prefix, not with blanks in the name */
	assert_int_equal(console_cookie_get(h, "lan", out, sizeof out), -1);
	assert_int_equal(console_cookie_get(h, "flash", out, sizeof out), -1);
	assert_int_equal(console_cookie_get("", "lang", out, sizeof out), -1);
	/* too long for out */
	assert_int_equal(console_cookie_get("a=0123456789abcdef", "a", out,
	    sizeof out), -1);
	assert_int_equal(console_cookie_get("a=0123456789abcde", "a", out,
	    sizeof out), 0);
}

static void
test_proto(void **state)
{
	(void)state;
	assert_true(console_proto_https("https"));
	assert_true(console_proto_https(" HTTPS "));
	assert_true(console_proto_https("http, https"));
	assert_false(console_proto_https("https, http"));
	assert_false(console_proto_https("http"));
	assert_false(console_proto_https("httpsx"));
	assert_false(console_proto_https(""));
	assert_false(console_proto_https(NULL));
}

static void
test_lang_path(void **state)
{
	static const char *const good[] = { "/", "/dead", "/dead/1700-0",
	    "/health", "/a.b", "/dead/..x" };
	static const char *const bad[] = { "", "dead", "//evil", "/a//b",
	    "/./x", "/../x", "/a/..", "/a/.", "/a b", "/\x7f", "/\xc3\xa9",
	    NULL };
	char	long_path[300];
	size_t	i;

	(void)state;
	assert_string_equal(console_lang_pick("en"), "en");
	assert_string_equal(console_lang_pick("fr"), "fr");
	assert_string_equal(console_lang_pick("de"), "fr");
	assert_string_equal(console_lang_pick(NULL), "fr");
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!console_path_ok(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (console_path_ok(bad[i]))
			fail_msg("\"%s\" taken", bad[i] != NULL ? bad[i] : "NULL");
	memset(long_path, 'a', sizeof long_path);
	long_path[0] = '/';
	long_path[sizeof long_path - 1] = '\0';
	assert_false(console_path_ok(long_path));
}

static void
test_encode(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	console_url_encode(&b, "3 lettres rejouées; a=b&c~_.-");
	assert_string_equal(b.data, "3%20lettres%20rejou%C3%A9es%3B%20a%3Db%26"
	    "c~_.-");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_lang_path),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
