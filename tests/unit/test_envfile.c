/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for envfile: systemd's EnvironmentFile= syntax, case by case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "envfile.h"

/* Parses text and checks it gave exactly the NULL-terminated name, value pairs. */
static void
expect(const char *text, const char *const *pairs)
{
	struct envfile	ef;
	char		err[128];
	size_t		i;

	assert_int_equal(envfile_parse(text, strlen(text), &ef, err,
	    sizeof err), 0);
	for (i = 0; pairs[2 * i] != NULL; i++) {
		assert_true(i < ef.n);
		assert_string_equal(ef.v[i].name, pairs[2 * i]);
		assert_string_equal(ef.v[i].value, pairs[2 * i + 1]);
	}
	assert_int_equal(ef.n, i);
	envfile_clear(&ef);
}

static void
test_plain(void **state)
{
	(void)state;
	expect("A=1\nB=two words\n", (const char *[]){ "A", "1", "B",
	    "two words", NULL });
	/* whitespace around the key and the unquoted value is dropped */
	expect("  C  =   x y  \t\n", (const char *[]){ "C", "x y", NULL });
	/* no newline at the end; an empty value */
	expect("D=\nE=last", (const char *[]){ "D", "", "E", "last", NULL });
	/* a later assignment of the same name comes later */
	expect("F=1\nF=2\n", (const char *[]){ "F", "1", "F", "2", NULL });
	/* "=" inside the value, quotes after its start kept */
	expect("G=a=b\"c'\n", (const char *[]){ "G", "a=b\"c'", NULL });
}

static void
test_comments_and_junk(void **state)
{
	(void)state;
	expect("# comment\n; another\n\n   \nH=1\n",
	    (const char *[]){ "H", "1", NULL });
	/* a line without "=" is not an assignment */
	expect("just words\nI=1\n", (const char *[]){ "I", "1", NULL });
	/* "#" after a value is part of it */
	expect("J=a # b\n", (const char *[]){ "J", "a # b", NULL });
	/* a comment ending in a backslash does not swallow the next line */
	expect("# x \\\nK=1\n", (const char *[]){ "K", "1", NULL });
	/* CRLF line ends */
	expect("L=1\r\nM=2\r\n", (const char *[]){ "L", "1", "M", "2", NULL });
}

static void
test_quotes(void **state)
{
	(void)state;
	expect("A='single $x \\n \"q\"'\n",
	    (const char *[]){ "A", "single $x \\n \"q\"", NULL });
	expect("B=\"d \\\"q\\\" \\\\ \\$x \\` \\n\"\n",
	    (const char *[]){ "B", "d \"q\" \\ $x ` \\n", NULL });
	/* whitespace outside the quotes goes, inside stays */
	expect("C=  ' x '  \n", (const char *[]){ "C", " x ", NULL });
	/* quoted values span lines */
	expect("D='one\ntwo'\nE=\"three\nfour\"\n",
	    (const char *[]){ "D", "one\ntwo", "E", "three\nfour", NULL });
	/* quoted and unquoted parts run together, as systemd does */
	expect("F=\"x\"y\n", (const char *[]){ "F", "xy", NULL });
	/* unterminated at the end of the file: what was read */
	expect("G='open", (const char *[]){ "G", "open", NULL });
}

static void
test_escapes(void **state)
{
	(void)state;
	/* a backslash-newline joins lines, in and out of double quotes */
	expect("A=one\\\ntwo\n", (const char *[]){ "A", "onetwo", NULL });
	expect("B=\"one\\\ntwo\"\n", (const char *[]){ "B", "onetwo", NULL });
	/* an escaped space at the end is kept */
	expect("C=x\\ \n", (const char *[]){ "C", "x ", NULL });
	expect("D=\\\\\n", (const char *[]){ "D", "\\", NULL });
}

static void
test_names(void **state)
{
	struct envfile	ef;
	char		err[128];
	const char	*text = "export A=1\nB C=2\n1X=3\n_ok9=4\n";

	(void)state;
	assert_int_equal(envfile_parse(text, strlen(text), &ef, err,
	    sizeof err), 0);
	assert_int_equal(ef.n, 4);
	assert_string_equal(ef.v[0].name, "export A");
	assert_false(ef.v[0].valid);
	assert_int_equal(ef.v[0].line, 1);
	assert_false(ef.v[1].valid);
	assert_false(ef.v[2].valid);
	assert_true(ef.v[3].valid);
	assert_int_equal(ef.v[3].line, 4);
	envfile_clear(&ef);
	assert_true(envfile_name_valid("RELAIS_REDIS_URL"));
	assert_false(envfile_name_valid(""));
	assert_false(envfile_name_valid("A-B"));
}

static void
test_refused(void **state)
{
	struct envfile	ef;
	char		err[128];
	const char	bad[] = "A=1\nB=\xff\xfe\n";
	const char	nul[] = "A=1\0B=2\n";
	const char	*quoted = "A='x\ny'\nB=1\n";

	(void)state;
	assert_int_equal(envfile_parse(bad, sizeof bad - 1, &ef, err,
	    sizeof err), -1);
	assert_int_equal(ef.n, 0);
	assert_non_null(strstr(err, "line 2"));
	/* a NUL ends the file, as for systemd */
	assert_int_equal(envfile_parse(nul, sizeof nul - 1, &ef, err,
	    sizeof err), 0);
	assert_int_equal(ef.n, 1);
	assert_string_equal(ef.v[0].value, "1");
	envfile_clear(&ef);
	/* line numbers count lines inside quoted values */
	assert_int_equal(envfile_parse(quoted, strlen(quoted), &ef, err,
	    sizeof err), 0);
	assert_int_equal(ef.v[1].line, 3);
	envfile_clear(&ef);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_comments_and_junk),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
