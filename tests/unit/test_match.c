/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for match: NOC codes, folded skills, scores, profile records, ranking, digests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "match.h"
#include "words.h"

/* The shipped defaults (config/relais.yaml, matching:). */
static const struct config_matching test_m = {
	.unit_group = 60,
	.minor_group = 45,
	.sub_major_group = 35,
	.major_group = 25,
	.broad_category = 15,
	.per_skill = 10,
	.max_skill_points = 40,
	.threshold = 50,
	.digest_window_s = 3600,
	.max_candidates = 20,
};

/* A JSON value from its text, or the test fails. */
static json_t *
test_json(const char *text)
{
	json_error_t	 e;
	json_t		*v;

	if ((v = json_loads(text, JSON_DECODE_ANY, &e)) == NULL)
		fail_msg("test bug: %s: %s", text, e.text);
	return v;
}

/* match_skills_folded of a JSON text must be want. */
static void
test_folded(const char *skills, const char *want)
{
	json_t	*v = test_json(skills);
	char	*got;

	got = match_skills_folded(v);
	if (strcmp(got, want) != 0)
		fail_msg("skills %s: expected \"%s\", got \"%s\"", skills, want,
		    got);
	free(got);
	json_decref(v);
}

/* match_score must be want. */
static void
test_score(const char *job_noc, const char *job_skills, const char *noc,
    const char *skills, long want)
{
	long	got;

	got = match_score(&test_m, job_noc, job_skills, noc, skills);
	if (got != want)
		fail_msg("job %s [%s] / profile %s [%s]: expected %ld, got %ld",
		    job_noc, job_skills, noc, skills, want, got);
}

static void
test_noc_ok(void **state)
{
	static const char *const good[] = { "21231", "00000", "99999",
	    "72106", "41200" };
	static const char *const bad[] = { "", "2", "2123", "212311",
	    "2123a", "a2123", " 2123", "2123 ", "21 31", "-2123", "+2123",
	    "2123.", "21231\n", "\xef\xbc\x92" "1231", "0x123" };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof *good; i++) {
		if (!match_noc_ok(good[i]))
			fail_msg("\"%s\": expected a NOC code", good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (match_noc_ok(bad[i]))
			fail_msg("\"%s\": expected not a NOC code", bad[i]);
	}
}

static void
test_skills_folded(void **state)
{
	char	long_skill[400], *text;
	json_t	*v;

	(void)state;
	/* case and accents do not matter */
	test_folded("[\"Soudure\"]", "soudure");
	test_folded("[\"SOUDURE\"]", "soudure");
	test_folded("[\"soudure\"]", "soudure");
	test_folded("[\"\xc3\x89lectricit\xc3\xa9\"]", "electricite");
	test_folded("[\"electricite\"]", "electricite");
	test_folded("[\"\xc3\x89LECTRICIT\xc3\x89\"]", "electricite");
	test_folded("[\"\xc5\x92uvre\"]", "oeuvre");
	/* nor spaces and punctuation */
	test_folded("[\"Lecture de plans\", \"Sant\xc3\xa9-s\xc3\xa9"
	    "curit\xc3\xa9 (SST)\"]", "lecturedeplans,santesecuritesst");
	test_folded("[\"Soudure\", \"\xc3\x89lectricit\xc3\xa9\", \"Cariste\"]",
	    "soudure,electricite,cariste");
	/* what is not a string, or folds to nothing, is left out */
	test_folded("[42, null, \"\", \"!!!\", \"\xe2\x80\x99\", {}, "
	    "\"Soudure\", true]", "soudure");
	test_folded("[]", "");
	test_folded("{\"a\":\"Soudure\"}", "");
	test_folded("\"Soudure\"", "");
	text = match_skills_folded(NULL);
	assert_string_equal(text, "");
	free(text);
	/* a skill too long to be one is skipped, the others kept */
	memset(long_skill, 'a', sizeof long_skill - 1);
	long_skill[sizeof long_skill - 1] = '\0';
	v = json_pack("[s, s]", long_skill, "Soudure");
	text = match_skills_folded(v);
	assert_string_equal(text, "soudure");
	free(text);
	json_decref(v);
}

/* Only the deepest NOC level both share counts. */
static void
test_score_levels(void **state)
{
	(void)state;
	test_score("21231", "", "21231", "", 60);
	test_score("21231", "", "21232", "", 45);
	test_score("21231", "", "21241", "", 35);
	test_score("21231", "", "21311", "", 25);
	test_score("21231", "", "22311", "", 15);
	test_score("21231", "", "31231", "", 0);
	test_score("21231", "", "01231", "", 0);
	/* the same both ways */
	test_score("21232", "", "21231", "", 45);
	test_score("22311", "", "21231", "", 15);
	/* a code shorter than the level does not reach it */
	test_score("21231", "", "2123", "", 45);
	test_score("21231", "", "", "", 0);
}

static void
test_score_skills(void **state)
{
	(void)state;
	/* per_skill per skill in common */
	test_score("72106", "soudure", "72106", "soudure", 70);
	test_score("72106", "soudure,electricite", "72106",
	    "electricite,soudure", 80);
	test_score("72106", "soudure,cariste", "72106", "soudure,electricite",
	    70);
	/* names compare whole: no prefix, no substring */
	test_score("72106", "soudure", "72106", "soudurearc", 60);
	test_score("72106", "soudurearc", "72106", "soudure", 60);
	test_score("72106", "arc", "72106", "soudurearc,arcs", 60);
	/* at most max_skill_points */
	test_score("72106", "a,b,c,d", "72106", "a,b,c,d", 100);
	test_score("72106", "a,b,c,d,e,f", "72106", "f,e,d,c,b,a", 100);
	test_score("72201", "a,b,c,d,e,f", "72106", "a,b,c,d,e,f", 65);
	/* skills alone, without a broad category in common, give nothing */
	test_score("41200", "soudure,electricite", "72106",
	    "soudure,electricite", 0);
	/* around the threshold (50): what the levels and skills add up to */
	test_score("72106", "soudure", "72101", "soudure", 55);
	test_score("72106", "soudure", "72201", "soudure", 35);
	test_score("72106", "soudure,cariste", "72201", "soudure,cariste", 45);
	test_score("72106", "a,b", "72100", "a,b", 65);
	/* empty items are no skill */
	test_score("72106", ",,soudure,", "72106", "soudure", 70);
	test_score("72106", "", "72106", "soudure", 60);
	test_score("72106", "soudure", "72106", "", 60);
	test_score("72106", ",", "72106", ",", 60);
}

/* A skill named twice in a posting is one skill in common, not two. */
static void
test_score_duplicates(void **state)
{
	json_t	*v;
	char	*job;

	(void)state;
	test_score("72106", "soudure,soudure", "72106", "soudure", 70);
	test_score("72106", "soudure,cariste,soudure", "72106",
	    "soudure,soudure,cariste", 80);
	/* how a posting's skills come to be doubled */
	v = test_json("[\"Soudure\", \"SOUDURE\", \"\xc3\x89lectricit\xc3\xa9\","
	    " \"electricite\"]");
	job = match_skills_folded(v);
	test_score("72106", job, "72106", "soudure,electricite", 80);
	free(job);
	json_decref(v);
}

static void
test_record(void **state)
{
	struct match_profile	 mp;
	json_t			*skills, *langs;
	char			*rec;

	(void)state;
	skills = test_json("[\"Soudure\", \"\xc3\x89lectricit\xc3\xa9\"]");
	langs = test_json("[\"fr\", \"en\"]");
	rec = match_record("72106", skills, "Amina", langs, "2026-11");
	assert_string_equal(rec, "72106\tsoudure,electricite\tAmina\t"
	    "Soudure|\xc3\x89lectricit\xc3\xa9\tfr,en\t2026-11");
	assert_int_equal(match_record_parse(rec, &mp), 0);
	assert_string_equal(mp.noc, "72106");
	assert_string_equal(mp.skills, "soudure,electricite");
	assert_string_equal(mp.first_name, "Amina");
	assert_string_equal(mp.display, "Soudure|\xc3\x89lectricit\xc3\xa9");
	assert_string_equal(mp.languages, "fr,en");
	assert_string_equal(mp.month, "2026-11");
	/* the profile owns its strings: the record may go */
	free(rec);
	assert_string_equal(mp.first_name, "Amina");
	match_profile_clear(&mp);
	assert_null(mp.buf);
	assert_null(mp.noc);
	match_profile_clear(&mp);
	json_decref(skills);
	json_decref(langs);

	/* nothing given: every field empty, still six of them */
	rec = match_record("72106", NULL, NULL, NULL, NULL);
	assert_string_equal(rec, "72106\t\t\t\t\t");
	assert_int_equal(match_record_parse(rec, &mp), 0);
	assert_string_equal(mp.noc, "72106");
	assert_string_equal(mp.first_name, "");
	assert_string_equal(mp.month, "");
	match_profile_clear(&mp);
	free(rec);
}

/* Tabs, newlines and list separators in inputs cannot break a record. */
static void
test_record_sanitised(void **state)
{
	struct match_profile	 mp;
	json_t			*skills, *langs;
	char			*rec;

	(void)state;
	skills = test_json("[\"Soud\\tage\", \"a|b\", \"\", 7, \"ligne\\nsuite\","
	    " \"c\\r\"]");
	langs = test_json("[\"fr\", \"en,es\", \"\", null, \"de\\tx\"]");
	rec = match_record("7210\t6", skills, "Ami\tna\n|x,y", langs,
	    "2026-11\n");
	if (strchr(rec, '\n') != NULL || strchr(rec, '\r') != NULL)
		fail_msg("record has a line break: %s", rec);
	assert_int_equal(match_record_parse(rec, &mp), 0);
	assert_string_equal(mp.noc, "7210 6");
	assert_string_equal(mp.skills, "soudage,ab,lignesuite,c");
	assert_string_equal(mp.first_name, "Ami na |x,y");
	assert_string_equal(mp.display, "Soud age|a b|ligne suite|c ");
	assert_string_equal(mp.languages, "fr,en es,de x");
	assert_string_equal(mp.month, "2026-11 ");
	match_profile_clear(&mp);
	free(rec);
	json_decref(skills);
	json_decref(langs);
}

static void
test_record_malformed(void **state)
{
	static const char *const bad[] = { "", "72106", "72106\tsoudure",
	    "72106\tsoudure\tAmina\tSoudure\tfr" };
	struct match_profile	mp;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&mp, 0xff, sizeof mp);
		if (match_record_parse(bad[i], &mp) != -1)
			fail_msg("record \"%s\": expected -1", bad[i]);
		/* nothing to free after a failure */
		assert_null(mp.buf);
		assert_null(mp.noc);
		match_profile_clear(&mp);
	}
	/* scoring reads the first two fields only: it needs two tabs */
	assert_int_equal(match_record_score(&test_m, "72106", "soudure", "",
	    0), 0);
	assert_int_equal(match_record_score(&test_m, "72106", "soudure",
	    "72106", 5), 0);
	assert_int_equal(match_record_score(&test_m, "72106", "soudure",
	    "72106\tsoudure", 13), 0);
	assert_int_equal(match_record_score(&test_m, "72106", "soudure",
	    "72106\tsoudure\t", 14), 70);
	/* more tabs than fields: the last field keeps them */
	assert_int_equal(match_record_parse("a\tb\tc\td\te\tf\tg", &mp), 0);
	assert_string_equal(mp.month, "f\tg");
	match_profile_clear(&mp);
}

/* Scoring a stored record is scoring the profile it was made from. */
static void
test_record_score(void **state)
{
	static const struct { const char *noc, *skills; } p[] = {
		{ "72106", "[\"Soudure\", \"Lecture de plans\"]" },
		{ "72106", "[]" },
		{ "72101", "[\"SOUDURE\"]" },
		{ "72201", "[\"soudure\", \"cariste\", \"Lecture de plans\"]" },
		{ "72200", "[\"a\", \"b\", \"c\", \"d\", \"e\"]" },
		{ "41200", "[\"Soudure\"]" },
		{ "7", "[\"Soudure\"]" },
		{ "", "[\"Soudure\"]" },
	};
	static const struct { const char *noc, *skills; } j[] = {
		{ "72106", "soudure,lecturedeplans" },
		{ "72100", "" },
		{ "72200", "a,b,c,d,e,soudure" },
		{ "41200", "soudure" },
		{ "11111", "soudure" },
	};
	json_t	*skills;
	char	*rec, *folded;
	size_t	 i, k;
	long	 want, got;

	(void)state;
	for (i = 0; i < sizeof p / sizeof *p; i++) {
		skills = test_json(p[i].skills);
		rec = match_record(p[i].noc, skills, "X", NULL, "2026-11");
		folded = match_skills_folded(skills);
		for (k = 0; k < sizeof j / sizeof *j; k++) {
			want = match_score(&test_m, j[k].noc, j[k].skills,
			    p[i].noc, folded);
			got = match_record_score(&test_m, j[k].noc,
			    j[k].skills, rec, strlen(rec));
			if (got != want)
				fail_msg("record %s / job %s [%s]: expected "
				    "%ld, got %ld", rec, j[k].noc, j[k].skills,
				    want, got);
		}
		free(folded);
		free(rec);
		json_decref(skills);
	}
	/* only len bytes are read: a record cut before its skills ends */
	rec = match_record("72106", NULL, "X", NULL, "2026-11");
	assert_int_equal(match_record_score(&test_m, "72106", "", rec,
	    strlen(rec)), 60);
	assert_int_equal(match_record_score(&test_m, "72106", "", rec, 6), 0);
	free(rec);
}

/* Index rows (person -> summary) as the queue reads them, and what owns them. */
struct test_rows {
	struct handler_rows	  r;
	const char		**v;
	size_t			 *len;
	char			**own;
};

/* Rows of n profiles: "p-<i>" -> the record of (noc, skills) pairs of v. */
static void
test_profiles(struct test_rows *t, const char *const *v, size_t n)
{
	json_t	*skills;
	char	 field[32];
	size_t	 i;

	t->v = xcalloc(2 * n + 1, sizeof *t->v);
	t->len = xcalloc(2 * n + 1, sizeof *t->len);
	t->own = xcalloc(2 * n + 1, sizeof *t->own);
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof field, "p-%zu", i);
		t->own[2 * i] = xstrdup(field);
		if (v[2 * i] == NULL)
			t->own[2 * i + 1] = xstrdup("");
		else {
			skills = test_json(v[2 * i + 1]);
			t->own[2 * i + 1] = match_record(v[2 * i], skills, "X",
			    NULL, "2026-11");
			json_decref(skills);
		}
		t->v[2 * i] = t->own[2 * i];
		t->v[2 * i + 1] = t->own[2 * i + 1];
		t->len[2 * i] = strlen(t->v[2 * i]);
		t->len[2 * i + 1] = strlen(t->v[2 * i + 1]);
	}
	t->r.v = t->v;
	t->r.len = t->len;
	t->r.n = n;
}

/* Rows of n pairs given as strings (field, value, ...), not owned. */
static void
test_pairs(struct test_rows *t, const char **v, size_t n)
{
	size_t	i;

	t->v = NULL;
	t->own = NULL;
	t->len = xcalloc(2 * n + 1, sizeof *t->len);
	for (i = 0; i < 2 * n; i++)
		t->len[i] = strlen(v[i]);
	t->r.v = v;
	t->r.len = t->len;
	t->r.n = n;
}

static void
test_rows_free(struct test_rows *t)
{
	size_t	i;

	for (i = 0; t->own != NULL && i < 2 * t->r.n; i++)
		free(t->own[i]);
	free(t->own);
	free(t->v);
	free(t->len);
	memset(t, 0, sizeof *t);
}

/* hits must be exactly want[] (pairs) with scores[]. */
static void
test_hits(const struct match_hit *hits, size_t n, const size_t *want,
    const int *scores, size_t nwant)
{
	size_t	i;

	if (n != nwant) {
		for (i = 0; i < n; i++)
			fprintf(stderr, "hit %zu: #%zu score %d\n", i, hits[i].i,
			    hits[i].score);
		fail_msg("expected %zu hits, got %zu", nwant, n);
	}
	for (i = 0; i < n; i++) {
		if (hits[i].i != want[i] || hits[i].score != scores[i])
			fail_msg("hit %zu: expected #%zu (%d), got #%zu (%d)", i,
			    want[i], scores[i], hits[i].i, hits[i].score);
	}
}

static void
test_rank(void **state)
{
	static const char *const v[] = {
		"72106", "[]",				/* 0: 60 */
		"72106", "[\"Soudure\"]",		/* 1: 70 */
		"72201", "[\"Soudure\"]",		/* 2: 35 */
		"72101", "[\"Soudure\"]",		/* 3: 55 */
		"72106", "[\"Soudure\", \"Cariste\"]",	/* 4: 80, announced by another */
		"41200", "[\"Soudure\", \"Cariste\"]",	/* 5: 0 */
		"72106", "[\"Soudure\"]",		/* 6: 70, announced by this one */
		NULL, NULL,				/* 7: not a summary */
		"72106", "[\"Cariste\"]",		/* 8: 70 */
		"72100", "[\"Soudure\"]",		/* 9: 55 */
		"72106", "[]",				/* 10: 60, p-10: p-1 is not it */
	};
	/* the ledger in no particular order, with persons not indexed */
	static const char *ledger[] = {
		"p-6", "job-1",
		"p-zz", "job-9",
		"p-4", "job-9",
		"p-1x", "job-9",
		"p-7", "job-9",
		"p-", "job-9",
		"q-10", "job-9",
	};
	static const size_t	want[] = { 1, 6, 8, 0, 10, 3, 9 };
	static const int	scores[] = { 70, 70, 70, 60, 60, 55, 55 };
	struct config_matching	 m = test_m;
	struct test_rows	 profiles, led;
	struct match_hit	*hits;
	size_t			 n;

	(void)state;
	test_profiles(&profiles, v, sizeof v / sizeof *v / 2);
	test_pairs(&led, ledger, sizeof ledger / sizeof *ledger / 2);
	n = match_rank(&test_m, "72106", "soudure,cariste", &profiles.r, &led.r,
	    "job-1", &hits);
	test_hits(hits, n, want, scores, sizeof want / sizeof *want);
	free(hits);

	/* the same ranking when the other event asks: #6 out, #4 back */
	n = match_rank(&test_m, "72106", "soudure,cariste", &profiles.r, &led.r,
	    "job-9", &hits);
	assert_int_equal(n, 7);
	assert_int_equal(hits[0].i, 4);
	assert_int_equal(hits[0].score, 80);
	assert_int_equal(hits[1].i, 1);
	assert_int_equal(hits[2].i, 8);
	free(hits);

	/* no ledger, or an empty one: nobody announced */
	n = match_rank(&test_m, "72106", "soudure,cariste", &profiles.r, NULL,
	    "job-1", &hits);
	assert_int_equal(n, 8);
	free(hits);
	led.r.n = 0;
	n = match_rank(&test_m, "72106", "soudure,cariste", &profiles.r, &led.r,
	    "job-1", &hits);
	assert_int_equal(n, 8);
	free(hits);
	led.r.n = sizeof ledger / sizeof *ledger / 2;

	/* a higher threshold */
	m.threshold = 70;
	n = match_rank(&m, "72106", "soudure,cariste", &profiles.r, &led.r,
	    "job-1", &hits);
	test_hits(hits, n, want, scores, 3);
	free(hits);
	test_rows_free(&profiles);
	test_rows_free(&led);
}

static void
test_rank_edges(void **state)
{
	static const char *junk[] = { "p-1", "", "p-2", "72106",
	    "p-3", "72106\tsoudure", "p-4", "\t\t\t\t\t" };
	const char		**v;
	struct match_hit	 dummy, *hits = &dummy;
	struct test_rows	 profiles, led;
	const char		*one[] = { "" };
	size_t			 n, i;

	(void)state;
	/* nothing to rank */
	test_pairs(&profiles, one, 0);
	assert_int_equal(match_rank(&test_m, "72106", "", &profiles.r, NULL,
	    "e", &hits), 0);
	assert_null(hits);
	test_rows_free(&profiles);
	/* values that are not summaries */
	test_pairs(&profiles, junk, 4);
	assert_int_equal(match_rank(&test_m, "72106", "soudure", &profiles.r,
	    NULL, "e", &hits), 0);
	free(hits);
	test_rows_free(&profiles);

	/*
	 * Many hits, past the array's growth steps: the 70s (i % 3 != 0)
	 * before the 60s, each in the rows' order; every seventh announced by
	 * another event.
	 */
	v = xcalloc(2 * 200, sizeof *v);
	for (i = 0; i < 200; i++) {
		v[2 * i] = "72106";
		v[2 * i + 1] = i % 3 == 0 ? "[]" : "[\"Soudure\"]";
	}
	test_profiles(&profiles, v, 200);
	free(v);
	v = xcalloc(2 * 29, sizeof *v);
	for (i = 0; i < 29; i++) {
		v[2 * i] = profiles.v[2 * (196 - 7 * i)];
		v[2 * i + 1] = "other";
	}
	test_pairs(&led, v, 29);
	n = match_rank(&test_m, "72106", "soudure", &profiles.r, &led.r, "e",
	    &hits);
	assert_int_equal(n, 200 - 29);
	for (i = 0; i < n; i++) {
		int want = i < 200 - 29 - 57 ? 70 : 60;

		if (hits[i].score != want || hits[i].i % 7 == 0 ||
		    (i > 0 && hits[i].score == hits[i - 1].score &&
		    hits[i].i <= hits[i - 1].i))
			fail_msg("hit %zu: #%zu score %d (expected %d, in "
			    "the rows' order)", i, hits[i].i, hits[i].score,
			    want);
		assert_int_equal(hits[i].i % 3 == 0, want == 60);
	}
	free(hits);
	test_rows_free(&led);
	free(v);
	test_rows_free(&profiles);
}

/* What an employer reads of a candidate, in their language. */
static void
test_candidate_vars(void **state)
{
	static const struct { const char *month, *fr, *en; } months[] = {
		{ "2026-11", "novembre 2026", "November 2026" },
		{ "2027-01", "janvier 2027", "January 2027" },
		{ "2026-08", "ao\xc3\xbbt 2026", "August 2026" },
		{ "2026-02", "f\xc3\xa9vrier 2026", "February 2026" },
		{ "2026-12", "d\xc3\xa9" "cembre 2026", "December 2026" },
		/* not a month: shown as it is */
		{ "bient\xc3\xb4t", "bient\xc3\xb4t", "bient\xc3\xb4t" },
		{ "2026-13", "2026-13", "2026-13" },
		{ "", "", "" },
	};
	static char		 fr[] = "fr", en[] = "en";
	char *const		 wl[] = { fr, en };
	struct match_profile	 mp;
	struct words		*w;
	struct diag		 d;
	json_t			*skills, *langs, *v, *want;
	char			*rec, *got;
	size_t			 i;

	(void)state;
	/* the shipped words, as config_load reads them (tests run at the top) */
	diag_init(&d);
	assert_non_null(w = words_load("config/templates", wl, 2, &d));
	diag_free(&d);
	skills = test_json("[\"Soudure\", \"\xc3\x89lectricit\xc3\xa9\"]");
	langs = test_json("[\"fr\", \"en\", \"es\"]");
	rec = match_record("72106", skills, "Amina", langs, "2026-11");
	assert_int_equal(match_record_parse(rec, &mp), 0);

	v = match_candidate_vars("p-1001", &mp, "fr", NULL, w);
	want = test_json("{\"ref\": \"p-1001\", \"first_name\": \"Amina\", "
	    "\"occupation\": \"72106\", \"occupation_label\": \"CNP 72106\", "
	    "\"skills\": [\"Soudure\", \"\xc3\x89lectricit\xc3\xa9\"], "
	    "\"languages\": [\"fran\xc3\xa7" "ais\", \"anglais\", \"espagnol\"], "
	    "\"arrival_month\": \"novembre 2026\"}");
	if (!json_equal(v, want)) {
		got = json_dumps(v, JSON_SORT_KEYS);
		fail_msg("fr vars: got %s", got);
	}
	json_decref(v);
	json_decref(want);

	v = match_candidate_vars("p-1001", &mp, "en", NULL, w);
	assert_string_equal(json_string_value(json_object_get(v,
	    "first_name")), "Amina");
	assert_string_equal(json_string_value(json_object_get(v, "ref")),
	    "p-1001");
	/* every language words.yaml names, not only French and English */
	want = test_json("[\"French\", \"English\", \"Spanish\"]");
	assert_true(json_equal(json_object_get(v, "languages"), want));
	json_decref(want);
	assert_string_equal(json_string_value(json_object_get(v,
	    "arrival_month")), "November 2026");
	assert_string_equal(json_string_value(json_object_get(v,
	    "occupation_label")), "NOC 72106");
	assert_int_equal(json_array_size(json_object_get(v, "skills")), 2);
	/* no contact detail reaches an employer */
	assert_null(json_object_get(v, "email"));
	assert_null(json_object_get(v, "phone"));
	assert_null(json_object_get(v, "last_name"));
	json_decref(v);
	match_profile_clear(&mp);
	free(rec);

	for (i = 0; i < sizeof months / sizeof *months; i++) {
		rec = match_record("72106", NULL, "A", NULL, months[i].month);
		assert_int_equal(match_record_parse(rec, &mp), 0);
		v = match_candidate_vars("p", &mp, "fr", NULL, w);
		if (strcmp(json_string_value(json_object_get(v,
		    "arrival_month")), months[i].fr) != 0)
			fail_msg("%s, fr: expected \"%s\", got \"%s\"",
			    months[i].month, months[i].fr, json_string_value(
			    json_object_get(v, "arrival_month")));
		/* empty lists stay lists */
		assert_int_equal(json_array_size(json_object_get(v, "skills")),
		    0);
		assert_true(json_is_array(json_object_get(v, "languages")));
		json_decref(v);
		v = match_candidate_vars("p", &mp, "en", NULL, w);
		if (strcmp(json_string_value(json_object_get(v,
		    "arrival_month")), months[i].en) != 0)
			fail_msg("%s, en: expected \"%s\", got \"%s\"",
			    months[i].month, months[i].en, json_string_value(
			    json_object_get(v, "arrival_month")));
		json_decref(v);
		match_profile_clear(&mp);
		free(rec);
	}
	/* a language without words.yaml: neutral forms, never another's words */
	rec = match_record("72106", NULL, "A", langs, "2026-11");
	assert_int_equal(match_record_parse(rec, &mp), 0);
	v = match_candidate_vars("p", &mp, "de", NULL, w);
	assert_string_equal(json_string_value(json_object_get(v,
	    "arrival_month")), "2026-11");
	assert_string_equal(json_string_value(json_object_get(v,
	    "occupation_label")), "NOC 72106");
	want = test_json("[\"fr\", \"en\", \"es\"]");
	assert_true(json_equal(json_object_get(v, "languages"), want));
	json_decref(want);
	json_decref(v);
	match_profile_clear(&mp);
	free(rec);
	words_free(w);
	json_decref(skills);
	json_decref(langs);
}

/* The member is "event 0 0 - " and a CloudEvent relais can read back. */
static void
test_digest_member(void **state)
{
	static const char *const eids[] = { "e-1", "emp \"42\"",
	    "\xc3\x89" "cole", "e/1\\2" };
	const char	*prefix = "event 0 0 - ";
	struct envelope	 ev;
	char		*m, *again, reason[256], id[300];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof eids / sizeof *eids; i++) {
		m = match_digest_member(eids[i], 1772460000000LL);
		if (strncmp(m, prefix, strlen(prefix)) != 0)
			fail_msg("member %s: expected the prefix \"%s\"", m,
			    prefix);
		if (envelope_parse(m + strlen(prefix), strlen(m) -
		    strlen(prefix), NULL, &ev, reason, sizeof reason) == -1)
			fail_msg("member %s: %s", m, reason);
		assert_string_equal(ev.type, "match.digest");
		assert_string_equal(ev.specversion, "1.0");
		assert_string_equal(ev.source, "relais");
		snprintf(id, sizeof id, "digest-1772460000000-%s", eids[i]);
		assert_string_equal(ev.id, id);
		assert_non_null(ev.data);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(ev.data, "employer"), "id")), eids[i]);
		envelope_clear(&ev);
		/* the same digest is the same member: the set holds it once */
		again = match_digest_member(eids[i], 1772460000000LL);
		assert_string_equal(m, again);
		free(again);
		again = match_digest_member(eids[i], 1772460000001LL);
		assert_string_not_equal(m, again);
		free(again);
		free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_noc_ok),
		cmocka_unit_test(test_skills_folded),
		cmocka_unit_test(test_score_levels),
		cmocka_unit_test(test_score_skills),
		cmocka_unit_test(test_score_duplicates),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_sanitised),
		cmocka_unit_test(test_record_malformed),
		cmocka_unit_test(test_record_score),
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_rank_edges),
		cmocka_unit_test(test_candidate_vars),
		cmocka_unit_test(test_digest_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
