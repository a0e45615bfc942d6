/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for handlers: lookup, table, territories, languages, consent, output. */
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
#include "followups.h"
#include "handlers.h"
#include "match.h"
#include "territory.h"
#include "handlers_fixture.h"

/* "event 0 0 - " and ev as json_dumps(JSON_COMPACT | JSON_SORT_KEYS) writes it. */
static void
test_member_is(const char *got, json_t *ev)
{
	char	*s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	char	 want[1024];

	assert_non_null(s);
	snprintf(want, sizeof want, "event 0 0 - %s", s);
	assert_string_equal(got, want);
	free(s);
	json_decref(ev);
}

/*
 * Scheduled members are compared whole when a plan is made again: written
 * by jsonw, the digest's, the reminders' and the follow-up's are the very
 * text Jansson wrote (sorted keys, escapes, accents), member for member.
 */
static void
test_scheduled_members(void **state)
{
	static const char *const ids[] = { "acme", "caf\xc3\xa9 \"q\" \\ /",
	    "x\ty" };
	char		*m, id[300], until[32], fid[FOLLOWUP_ID_SIZE];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof ids / sizeof *ids; i++) {
		m = match_digest_member(ids[i], 1790000000000LL);
		snprintf(id, sizeof id, "digest-1790000000000-%s", ids[i]);
		test_member_is(m, json_pack("{s:s, s:s, s:s, s:s, s:{s:{s:s}}}",
		    "specversion", "1.0", "id", id, "source", "relais", "type",
		    "match.digest", "data", "employer", "id", ids[i]));
		free(m);
		m = followup_reminders_member(ids[i], 1790000000000LL);
		snprintf(id, sizeof id, "reminders-1790000000000-%s", ids[i]);
		snprintf(until, sizeof until, "%lld", 1790000000000LL);
		test_member_is(m, json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}",
		    "specversion", "1.0", "id", id, "source", "relais", "type",
		    "followup.reminders", "data", "territory", ids[i], "until",
		    until));
		free(m);
		m = followup_due_member(ids[i], ids[i], "t-1",
		    1798812000000LL);
		followup_event_id(ids[i], ids[i], fid);
		test_member_is(m, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:{s:{s:s}, s:{s:s, s:s}, s:s}}", "specversion", "1.0",
		    "id", fid, "source", "relais", "type", "followup.due",
		    "data", "person", "id", ids[i], "followup", "kind", ids[i],
		    "due_at", "2027-01-01T14:00:00Z", "territory", "t-1"));
		free(m);
	}
}

static void
test_find(void **state)
{
	const struct handler	*h;

	(void)state;
	h = handler_find("newcomer.arrived");
	assert_non_null(h);
	assert_string_equal(h->type, "newcomer.arrived");
	assert_ptr_equal(h, &handler_newcomer_arrived);
	assert_null(handler_find("newcomer.left"));
	assert_null(handler_find("Newcomer.Arrived"));
	assert_null(handler_find("newcomer.arrived "));
	assert_null(handler_find("newcomer"));
	assert_null(handler_find(""));
}

static void
test_territory_by_id(void **state)
{
	static const char *const ids[] = { "abitibi", "abitibi-ouest",
	    "vallee-de-l-or", "temiscamingue", "rouyn-noranda", "region" };
	struct handler_out	out;
	char			data[256];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof ids / sizeof *ids; i++) {
		snprintf(data, sizeof data, "{\"person\":{\"id\":\"p\","
		    "\"email\":\"a@b.example\"},\"territory\":\"%s\"}", ids[i]);
		test_accepted(data, ids[i], &out);
		handler_out_clear(&out);
	}
	/* the id wins over the municipality */
	test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"temiscamingue\",\"municipality\":\"Amos\"}",
	    "temiscamingue", &out);
	handler_out_clear(&out);
	/* ids are exact */
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"Abitibi\"}", "unknown territory \"Abitibi\"");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"nowhere\",\"municipality\":\"Amos\"}",
	    "unknown territory \"nowhere\"");
}

static void
test_territory_by_municipality(void **state)
{
	static const struct { const char *name, *tid; } v[] = {
		{ "Val-d'Or", "vallee-de-l-or" },
		{ "val d or", "vallee-de-l-or" },
		{ "VAL-D\xe2\x80\x99OR", "vallee-de-l-or" },
		{ "Rouyn Noranda", "rouyn-noranda" },
		{ "\xc3\x89vain", "rouyn-noranda" },
		{ "EVAIN", "rouyn-noranda" },
		{ "Ville-Marie", "temiscamingue" },
		{ "ville marie", "temiscamingue" },
		{ "Amos", "abitibi" },
		{ "saint felix de dalquier", "abitibi" },
		{ "La Sarre", "abitibi-ouest" },
		{ "NORMETAL", "abitibi-ouest" },
	};
	struct handler_out	out;
	char			data[256], *fallback;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(data, sizeof data, "{\"person\":{\"id\":\"p\","
		    "\"email\":\"a@b.example\"},\"municipality\":\"%s\"}",
		    v[i].name);
		test_accepted(data, v[i].tid, &out);
		handler_out_clear(&out);
	}
	/* the shipped config sends unknown municipalities to the region */
	test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"municipality\":\"Montr\xc3\xa9" "al\"}", "region", &out);
	handler_out_clear(&out);
	/* without a fallback they are refused, naming the municipality */
	fallback = test_cf->fallback_territory;
	test_cf->fallback_territory = NULL;
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"municipality\":\"Montr\xc3\xa9" "al\"}",
	    "unknown municipality \"Montr\xc3\xa9" "al\"");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"municipality\":\"\"}", "unknown municipality \"\"");
	test_cf->fallback_territory = fallback;
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"}}",
	    "missing data.territory or data.municipality");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"municipality\":42}",
	    "data.territory and data.municipality must be strings");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":null}",
	    "data.territory and data.municipality must be strings");
}

/* handler_territory on its own, with a reason buffer too small. */
static void
test_handler_territory(void **state)
{
	const struct territory	*t;
	json_t			*data;
	char			 reason[64], tiny[12], *fallback;

	(void)state;
	data = json_pack("{s:s}", "municipality", "Malartic");
	t = handler_territory(test_cf, data, reason, sizeof reason);
	assert_non_null(t);
	assert_string_equal(t->id, "vallee-de-l-or");
	json_decref(data);

	data = json_pack("{s:s}", "municipality", "Gotham City");
	t = handler_territory(test_cf, data, reason, sizeof reason);
	assert_non_null(t);
	assert_string_equal(t->id, "region");
	fallback = test_cf->fallback_territory;
	test_cf->fallback_territory = NULL;
	assert_null(handler_territory(test_cf, data, reason, sizeof reason));
	assert_string_equal(reason, "unknown municipality \"Gotham City\"");
	assert_null(handler_territory(test_cf, data, tiny, sizeof tiny));
	assert_string_equal(tiny, "unknown mun");
	test_cf->fallback_territory = fallback;
	json_decref(data);
}

static void
test_language(void **state)
{
	static const char *const cases[][2] = {
		{ "fr", "fr" }, { "FR", "fr" }, { "fr-CA", "fr" },
		{ "fr_CA", "fr" }, { "En-us", "en" }, { "es", "es" },
		{ "zh-Hant-TW", "zh" }, { "fil", "fil" },
	};
	static const char *const bad[] = { "", "f", "1fr", "fr CA", "fr.CA",
	    "fran\xc3\xa7" "ais", "abcdefghi", "-fr" };
	struct handler_out	 out;
	struct notification	*n;
	struct territory	 other;
	char			 buf[HANDLER_LANG_SIZE], data[256], de[] = "de";
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_non_null(handler_language(cases[i][0], buf));
		assert_string_equal(buf, cases[i][1]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(handler_language(bad[i], buf));
	assert_null(handler_language(NULL, buf));

	/* never a dead letter over a language: BCP 47 tags, any case */
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(data, sizeof data, "{\"person\":{\"id\":\"p\","
		    "\"email\":\"a@b.example\",\"language\":\"%s\"},"
		    "\"territory\":\"abitibi\"}", cases[i][0]);
		n = test_accepted(data, "abitibi", &out);
		assert_string_equal(n->language, cases[i][1]);
		handler_out_clear(&out);
	}
	/* not a tag: unknown, left to the territory's default */
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"fr CA\"},\"territory\":\"abitibi\"}", "abitibi",
	    &out);
	assert_null(n->language);
	handler_out_clear(&out);
	/* empty or not a string: unknown too */
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"\"},\"territory\":\"abitibi\"}", "abitibi", &out);
	assert_null(n->language);
	handler_out_clear(&out);
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":null},\"territory\":\"abitibi\"}", "abitibi", &out);
	assert_null(n->language);
	handler_out_clear(&out);

	/* what messages are written in: theirs, the territory's, the first */
	assert_string_equal(handler_language_used(test_cf, territory_find(
	    test_cf->territories, "abitibi"), "en"), "en");
	assert_string_equal(handler_language_used(test_cf, territory_find(
	    test_cf->territories, "abitibi"), "es"), "fr");
	assert_string_equal(handler_language_used(test_cf, territory_find(
	    test_cf->territories, "abitibi"), NULL), "fr");
	/* a territory whose language has no templates either: the first */
	other = *territory_find(test_cf->territories, "abitibi");
	other.language = de;
	assert_string_equal(handler_language_used(test_cf, &other, "es"), "fr");
	assert_string_equal(handler_language_used(test_cf, &other, NULL), "fr");
	assert_string_equal(handler_language_name(test_cf, "fr", "en"), "French");
	assert_string_equal(handler_language_name(test_cf, "en", "fr"), "anglais");
	assert_string_equal(handler_language_name(test_cf, "es", "fr"), "espagnol");
	assert_string_equal(handler_language_name(test_cf, "es", "en"), "Spanish");
	assert_string_equal(handler_language_name(test_cf, "xx", "fr"), "xx");
	/* a reader's language without words.yaml: the code, not French */
	assert_string_equal(handler_language_name(test_cf, "es", "de"), "es");
}

/* Consent counts only when literally true: opt-in. */
static void
test_consent(void **state)
{
	static const struct { const char *consent; int email, sms; } v[] = {
		{ "{\"email\":true,\"sms\":true}", 1, 1 },
		{ "{\"email\":true}", 1, 0 },
		{ "{\"sms\":true}", 0, 1 },
		{ "{\"email\":false,\"sms\":false}", 0, 0 },
		{ "{\"email\":\"true\",\"sms\":\"yes\"}", 0, 0 },
		{ "{\"email\":1,\"sms\":1}", 0, 0 },
		{ "{\"email\":null,\"sms\":{}}", 0, 0 },
		{ "{\"EMAIL\":true,\"Sms\":true}", 0, 0 },
		{ "{}", 0, 0 },
		{ "true", 0, 0 },
		{ "[true,true]", 0, 0 },
		{ "null", 0, 0 },
	};
	struct handler_out	 out;
	struct notification	*n;
	char			 data[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(data, sizeof data, "{\"person\":{\"id\":\"p\","
		    "\"email\":\"a@b.example\",\"phone\":\"+18195550123\","
		    "\"consent\":%s},\"territory\":\"abitibi\"}", v[i].consent);
		n = test_accepted(data, "abitibi", &out);
		if (n->consent_email != v[i].email || n->consent_sms != v[i].sms)
			fail_msg("consent %s: expected email=%d sms=%d, got "
			    "email=%d sms=%d", v[i].consent, v[i].email,
			    v[i].sms, n->consent_email, n->consent_sms);
		handler_out_clear(&out);
	}
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\"}", "abitibi", &out);
	assert_int_equal(n->consent_email, 0);
	assert_int_equal(n->consent_sms, 0);
	handler_out_clear(&out);
}

/* handler_out grows and clears; clearing twice or empty is safe. */
static void
test_out(void **state)
{
	struct handler_out	 out;
	struct notification	*n;
	int			 i;

	(void)state;
	memset(&out, 0, sizeof out);
	handler_out_clear(&out);
	for (i = 0; i < 10; i++) {
		n = handler_out_add(&out);
		assert_null(n->recipient_id);
		assert_null(n->vars);
		n->recipient_id = xstrdup("p");
		n->vars = json_object();
	}
	assert_int_equal(out.n, 10);
	handler_out_clear(&out);
	assert_int_equal(out.n, 0);
	handler_out_clear(&out);
}

/* Effects: named values go in the declaration's order; "!" when settled. */
static void
test_effect_args(void **state)
{
	static const char *const args[] = { "employer", "event", "persons...",
	    NULL };
	static const struct handler_lua fx = { "announce", args, "" };
	struct handler_out	 out;
	struct handler_fx	 one;
	json_t			*e;

	(void)state;
	memset(&out, 0, sizeof out);
	handler_effect(&out, &fx, "event", "evt-1", "employer", "e-1", NULL);
	handler_effect(&out, &fx, "employer", "e-2", "event", "evt-2", NULL);
	e = test_fx_json(&out.effects);
	test_json_equal(e, "[[\"announce\",\"e-1\",\"evt-1\"],"
	    "[\"announce\",\"e-2\",\"evt-2\"]]", "effects");
	json_decref(e);
	/* settled: applied with the commit that settles every delivery */
	handler_fx_add(&out.effects, &fx, 1, "event", "evt-3", "employer",
	    "e-3", NULL);
	/* the list argument's values: appended by the caller */
	handler_fx_more(&out.effects, "p-1");
	test_effect(&out, "!announce", "[\"!announce\",\"e-3\",\"evt-3\","
	    "\"p-1\"]");
	/* one effect copied whole into another list */
	memset(&one, 0, sizeof one);
	handler_fx_copy(&one, &out.effects, 1);
	handler_fx_more(&one, "p-2");
	e = test_fx_json(&one);
	test_json_equal(e, "[[\"announce\",\"e-2\",\"evt-2\",\"p-2\"]]",
	    "copy");
	json_decref(e);
	assert_int_equal(handler_fx_argc(&out.effects, 1), 2);
	handler_fx_clear(&one);
	handler_out_clear(&out);
	assert_int_equal(out.effects.n, 0);
}

static void
test_table(void **state)
{
	static const struct { const char *type; const struct handler *h; } v[] = {
		{ "newcomer.arrived", &handler_newcomer_arrived },
		{ "newcomer.departed", &handler_newcomer_departed },
		{ "followup.due", &handler_followup_due },
		{ "followup.done", &handler_followup_done },
		{ "job.posted", &handler_job_posted },
		{ "job.closed", &handler_job_closed },
		{ "match.digest", &handler_match_digest },
	};
	const struct config_matching	*m = &test_cf->matching;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		assert_ptr_equal(handler_find(v[i].type), v[i].h);
		assert_string_equal(v[i].h->type, v[i].type);
		assert_non_null(v[i].h->prepare);
		assert_non_null(v[i].h->fn);
	}
	/* the shipped matching scores, which the tests below count on */
	assert_int_equal(m->unit_group, 60);
	assert_int_equal(m->minor_group, 45);
	assert_int_equal(m->sub_major_group, 35);
	assert_int_equal(m->major_group, 25);
	assert_int_equal(m->broad_category, 15);
	assert_int_equal(m->per_skill, 10);
	assert_int_equal(m->max_skill_points, 40);
	assert_int_equal(m->threshold, 50);
	assert_int_equal(m->digest_window_s, 3600);
	assert_int_equal(m->max_candidates, 20);
	assert_int_equal(test_cf->retention_days, 730);
	assert_int_equal(test_cf->followups.at_min, 9 * 60);
	assert_int_equal(test_cf->followups.nplan, 5);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_scheduled_members),
		cmocka_unit_test(test_territory_by_id),
		cmocka_unit_test(test_territory_by_municipality),
		cmocka_unit_test(test_handler_territory),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_out),
		cmocka_unit_test(test_effect_args),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
