/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for noc: the NOC 2021 titles file, and the one shipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "noc.h"

static void
test_parse(void **state)
{
	static const char data[] = "code\tlevel\ttitle_en\ttitle_fr\n"
	    "3\tbroad\tHealth occupations\t\n"
	    "31301\tunit\tRegistered nurses\tInfirmiers autoris\xc3\xa9s\r\n"
	    "\n"
	    "00010\tunit\tLegislators\tMembres des corps l\xc3\xa9gislatifs\n";
	struct noc	*noc;
	char		 err[128];

	(void)state;
	noc = noc_parse(data, sizeof data - 1, err, sizeof err);
	assert_non_null(noc);
	assert_int_equal(noc_count(noc), 3);
	assert_string_equal(noc_title(noc, "31301", "en"), "Registered nurses");
	assert_string_equal(noc_title(noc, "31301", "fr"),
	    "Infirmiers autoris\xc3\xa9s");
	/* leading zeros are part of the code */
	assert_string_equal(noc_title(noc, "00010", "fr"),
	    "Membres des corps l\xc3\xa9gislatifs");
	assert_null(noc_title(noc, "10", "fr"));
	/* upper levels have no French title: none, not the English one */
	assert_string_equal(noc_title(noc, "3", "en"), "Health occupations");
	assert_null(noc_title(noc, "3", "fr"));
	assert_null(noc_title(noc, "99999", "en"));
	assert_null(noc_title(noc, NULL, "en"));
	assert_null(noc_title(NULL, "31301", "en"));
	noc_free(noc);
	noc_free(NULL);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*data;
		const char	*want;
	} bad[] = {
		{ "31301\tunit\tNurses\n", "line 1: expected 4 fields "
		    "separated by tabs: code, level, title_en, title_fr" },
		{ "code\tlevel\ttitle_en\ttitle_fr\nabc\tunit\tX\tY\n",
		    "line 2: \"abc\" is not a NOC code (1 to 5 digits) with an "
		    "English title" },
		{ "123456\tunit\tX\tY\n", "line 1: \"123456\" is not a NOC "
		    "code (1 to 5 digits) with an English title" },
		{ "31301\tunit\t\tY\n", "line 1: \"31301\" is not a NOC code "
		    "(1 to 5 digits) with an English title" },
		{ "1\tbroad\tA\t\n1\tbroad\tB\t\n", "code 1 is listed twice" },
		{ "1\tbroad\tA\t\xff\n", "not UTF-8 (byte 10)" },
		{ "1\tbroad\tA\tB\tC\n", "line 1: expected 4 fields separated "
		    "by tabs: code, level, title_en, title_fr" },
	};
	char	err[256];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(noc_parse(bad[i].data, strlen(bad[i].data), err,
		    sizeof err));
		assert_string_equal(err, bad[i].want);
	}
	assert_null(noc_load("/nonexistent/noc.tsv", err, sizeof err));
	assert_string_equal(err, "No such file or directory");
}

/* The shipped file: every unit group with both titles. */
static void
test_shipped(void **state)
{
	struct noc	*noc;
	char		 err[256];

	(void)state;
	noc = noc_load("config/noc2021.tsv", err, sizeof err);
	if (noc == NULL)
		fail_msg("config/noc2021.tsv: %s", err);
	assert_int_equal(noc_count(noc), 822);
	assert_string_equal(noc_title(noc, "31301", "en"),
	    "Registered nurses and registered psychiatric nurses");
	assert_string_equal(noc_title(noc, "31301", "fr"),
	    "Infirmiers autoris\xc3\xa9s/infirmi\xc3\xa8res autoris\xc3\xa9" "es "
	    "et infirmiers psychiatriques autoris\xc3\xa9s/infirmi\xc3\xa8res "
	    "psychiatriques autoris\xc3\xa9" "es");
	assert_string_equal(noc_title(noc, "72106", "en"),
	    "Welders and related machine operators");
	noc_free(noc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
