/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* words.yaml: the words of each language, read, checked and used. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "words.h"

static char	 fr[] = "fr", en[] = "en", de[] = "de";

/* The shipped words: dates, lists, channels, languages, in both languages. */
static void
test_shipped(void **state)
{
	char *const	 langs[] = { fr, en, de };
	struct words	*w;
	struct diag	 d;
	char		 out[64];

	(void)state;
	diag_init(&d);
	assert_non_null(w = words_load("config/templates", langs, 3, &d));
	assert_int_equal(d.n, 0);
	words_date(w, "fr", 2026, 12, 1, out, sizeof out);
	assert_string_equal(out, "1er d\xc3\xa9" "cembre 2026");
	words_date(w, "fr", 2026, 11, 25, out, sizeof out);
	assert_string_equal(out, "25 novembre 2026");
	words_date(w, "en", 2026, 8, 1, out, sizeof out);
	assert_string_equal(out, "August 1, 2026");
	words_date(w, "en", 2026, 11, 0, out, sizeof out);
	assert_string_equal(out, "November 2026");
	words_date(w, "fr", 2027, 1, 0, out, sizeof out);
	assert_string_equal(out, "janvier 2027");
	assert_string_equal(words_get(w, "fr", "and"), " et ");
	assert_string_equal(words_get(w, "en", "channels.sms"), "SMS");
	assert_string_equal(words_get(w, "fr", "channels.email"), "courriel");
	assert_string_equal(words_get(w, "fr", "languages.es"), "espagnol");
	assert_string_equal(words_get(w, "en", "languages.ht"),
	    "Haitian Creole");
	assert_null(words_get(w, "fr", "languages.xx"));
	assert_string_equal(words_or(w, "fr", "languages.xx", "xx"), "xx");
	/* de has no words.yaml: neutral forms, never French or English */
	assert_true(words_has(w, "fr"));
	assert_false(words_has(w, "de"));
	assert_false(words_has(w, "it"));
	assert_null(words_get(w, "de", "and"));
	words_date(w, "de", 2026, 12, 1, out, sizeof out);
	assert_string_equal(out, "2026-12-01");
	words_date(w, "de", 2026, 12, 0, out, sizeof out);
	assert_string_equal(out, "2026-12");
	words_date(NULL, "fr", 2026, 3, 9, out, sizeof out);
	assert_string_equal(out, "2026-03-09");
	/* a month out of range is never read past the table */
	words_date(w, "fr", 2026, 13, 1, out, sizeof out);
	assert_string_equal(out, "2026-13-01");
	words_free(w);
	diag_free(&d);
}

/* A words file with text, in a fresh template directory; its path. */
static void
test_file(char *dir, size_t dirlen, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(dir, dirlen, "/tmp/relais-words-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/fr", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/fr/words.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
test_cleanup(const char *dir)
{
	char	 path[512];

	snprintf(path, sizeof path, "%s/fr/words.yaml", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/fr", dir);
	rmdir(path);
	rmdir(dir);
}

/* Mistakes in a words file fail the load, each with its place. */
static void
test_mistakes(void **state)
{
	static const struct { const char *text, *want; } v[] = {
		{ "months: [a, b, c]\n", "words.yaml:1:9: months: a list of "
		    "the 12 month names, January first" },
		{ "date: \"{month} {year}\"\nmonths: [a,b,c,d,e,f,g,h,i,j,k,l]"
		    "\n", "words.yaml:1:7: date: \"{month} {year}\" has no "
		    "{day}" },
		{ "month_year: \"{month}\"\nmonths: [a,b,c,d,e,f,g,h,i,j,k,l]"
		    "\n", "has no {year}" },
		{ "and: [x]\n", "words.yaml:1:6: and: a word" },
		{ "anf: \" et \"\n", "words.yaml:1:1: unknown key \"anf\"" },
		{ "languages: { es: [a] }\n", "languages.es: a word" },
		{ "channels: courriel\n", "channels: a map of words" },
		{ "date: \"{day} {month} {year}\"\n", "a date pattern needs "
		    "the months" },
		{ "and: [\n", "words.yaml" },
	};
	char *const	 langs[] = { fr };
	char		 dir[64];
	struct diag	 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		test_file(dir, sizeof dir, v[i].text);
		diag_init(&d);
		assert_null(words_load(dir, langs, 1, &d));
		assert_true(d.n > 0);
		if (strstr(d.msgs[0], v[i].want) == NULL)
			fail_msg("%s: expected \"%s\" in \"%s\"", v[i].text,
			    v[i].want, d.msgs[0]);
		diag_free(&d);
		test_cleanup(dir);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_mistakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
