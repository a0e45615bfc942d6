/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for newcomer.arrived: the welcome, the counsellor's notice, follow-ups, matching. */
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

static void
test_full(void **state)
{
	struct handler_out	 out;
	struct notification	*n;
	const char		*data;

	(void)state;
	data = "{\"person\":{\"id\":\"p-1001\",\"first_name\":\"Amina\","
	    "\"email\":\"amina@example.com\",\"phone\":\"+18195550123\","
	    "\"language\":\"en\",\"consent\":{\"email\":true,\"sms\":true}},"
	    "\"municipality\":\"Val-d'Or\",\"arrival_date\":\"2026-11-20\"}";
	n = test_accepted(data, "vallee-de-l-or", &out);
	assert_string_equal(n->role, "newcomer");
	assert_string_equal(n->recipient_id, "p-1001");
	assert_string_equal(n->email, "amina@example.com");
	assert_string_equal(n->phone, "+18195550123");
	assert_string_equal(n->language, "en");
	assert_int_equal(n->consent_email, 1);
	assert_int_equal(n->consent_sms, 1);
	assert_ptr_equal(n->territory, territory_find(test_cf->territories,
	    "vallee-de-l-or"));
	assert_string_equal(json_string_value(json_object_get(n->vars,
	    "first_name")), "Amina");
	assert_string_equal(json_string_value(json_object_get(n->vars,
	    "arrival_date")), "2026-11-20");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    n->vars, "person"), "id")), "p-1001");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    n->vars, "data"), "municipality")), "Val-d'Or");
	handler_out_clear(&out);
	assert_int_equal(out.n, 0);
	assert_null(out.v);

	/* the notification outlives the envelope it came from */
	data = "{\"person\":{\"id\":\"p-2\",\"phone\":\"+18195550199\"},"
	    "\"territory\":\"abitibi\"}";
	n = test_accepted(data, "abitibi", &out);
	assert_null(n->email);
	assert_string_equal(n->phone, "+18195550199");
	assert_null(n->language);
	assert_string_equal(json_string_value(json_object_get(n->vars,
	    "first_name")), "");
	assert_null(json_object_get(n->vars, "arrival_date"));
	handler_out_clear(&out);
}

static void
test_person(void **state)
{
	(void)state;
	test_refused("null", "missing data");
	test_refused("{\"territory\":\"abitibi\"}", "missing data.person");
	test_refused("{\"person\":\"p-1\",\"territory\":\"abitibi\"}",
	    "missing data.person");
	test_refused("{\"person\":[],\"territory\":\"abitibi\"}",
	    "missing data.person");
	test_refused("{\"person\":{\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\"}", "missing data.person.id");
	test_refused("{\"person\":{\"id\":\"\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\"}", "missing data.person.id");
	test_refused("{\"person\":{\"id\":17,\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\"}", "missing data.person.id");
	test_refused("{\"person\":{\"id\":\"p\"},\"territory\":\"abitibi\"}",
	    "data.person has neither email nor phone");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"\",\"phone\":\"\"},"
	    "\"territory\":\"abitibi\"}",
	    "data.person has neither email nor phone");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":null,\"phone\":5},"
	    "\"territory\":\"abitibi\"}",
	    "data.person has neither email nor phone");
}

/* The shipped example events are accepted. */
static void
test_examples(void **state)
{
	static const struct { const char *path, *tid; } v[] = {
		{ "config/examples/01-welcome-fr.json", "vallee-de-l-or" },
		{ "config/examples/02-welcome-en.json", "rouyn-noranda" },
		{ "config/examples/03-welcome-sms-only.json", "temiscamingue" },
	};
	struct handler_ctx	 ctx = { NULL, 0, 0, NULL, 0, NULL };
	struct handler_out	 out;
	struct envelope		 ev;
	struct buf		 b;
	char			 chunk[4096], reason[256];
	size_t			 i, got;
	FILE			*f;

	(void)state;
	ctx.cf = test_cf;
	memset(&out, 0, sizeof out);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		if ((f = fopen(v[i].path, "r")) == NULL)
			fail_msg("cannot open %s", v[i].path);
		buf_init(&b);
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_append(&b, chunk, got);
		fclose(f);
		while (b.len > 0 && b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		if (envelope_parse(b.data, b.len, NULL, &ev, reason,
		    sizeof reason) == -1)
			fail_msg("%s: %s", v[i].path, reason);
		buf_free(&b);
		assert_non_null(handler_find(ev.type));
		/* a preview: welcome, and the counsellor who would be told */
		if (handler_find(ev.type)->fn(&ev, &ctx, NULL, &out, reason,
		    sizeof reason) == -1)
			fail_msg("%s: %s", v[i].path, reason);
		envelope_clear(&ev);
		assert_int_equal(out.n, 2);
		assert_string_equal(out.v[1].role, "counsellor");
		assert_string_equal(out.v[0].territory->id, v[i].tid);
		handler_out_clear(&out);
	}
}

/* An English speaker who shares a profile, with fields nobody needs. */
#define TEST_AMINA \
	"{\"person\":{\"id\":\"p-1\",\"first_name\":\"Amina\"," \
	"\"last_name\":\"Diallo\",\"email\":\"amina@example.com\"," \
	"\"phone\":\"+18195550123\",\"language\":\"en\"," \
	"\"birth_date\":\"1990-01-01\",\"consent\":{\"email\":true," \
	"\"sms\":false,\"share_profile\":true}},\"territory\":\"abitibi\"," \
	"\"arrival_date\":\"2026-03-02\",\"profile\":{\"occupation\":\"72106\"," \
	"\"skills\":[\"Soudure\",\"\\u00c9lectricit\\u00e9\"]," \
	"\"languages\":[\"fr\",\"en\"],\"desired_territories\":" \
	"[\"rouyn-noranda\",\"abitibi\",\"nowhere\",\"rouyn-noranda\"]," \
	"\"salary\":\"private\"}}"

/* A planned member: "event 0 0 - " and the followup.due event it becomes. */
static void
test_followup_member(const char *member, const char *pid, const char *kind,
    const char *due_at, const char *tid)
{
	const char	*prefix = "event 0 0 - ";
	struct envelope	 ev;
	char		 id[FOLLOWUP_ID_SIZE], reason[256];

	if (member == NULL || strncmp(member, prefix, strlen(prefix)) != 0)
		fail_msg("member %s: expected \"%s\" first", member, prefix);
	if (envelope_parse(member + strlen(prefix), strlen(member) -
	    strlen(prefix), NULL, &ev, reason, sizeof reason) == -1)
		fail_msg("member %s: %s", member, reason);
	assert_string_equal(ev.type, "followup.due");
	assert_string_equal(ev.source, "relais");
	followup_event_id(pid, kind, id);
	assert_string_equal(ev.id, id);
	/* the event id (in the deliveries stream) does not show the person */
	assert_null(strstr(ev.id, pid));
	test_var(ev.data, "person.id", pid);
	test_var(ev.data, "followup.kind", kind);
	test_var(ev.data, "followup.due_at", due_at);
	test_var(ev.data, "territory", tid);
	/* and relais handles what it plans */
	assert_non_null(handler_find(ev.type));
	envelope_clear(&ev);
}

/* The list begins after the 13 named arguments. */
#define TEST_LIST_AT	13

/* Where the fields begin in the list: after the follow-ups (argument 7). */
static size_t
test_fields_at(const struct handler_state *st)
{
	return TEST_LIST_AT + 3 * (size_t)atoi(test_arg(st, 7));
}

/*
 * The follow-ups, the list's first arguments (kind, due ms, member), as
 * [[kind, due, member]..]: each due time all digits.
 */
static json_t *
test_plan(const struct handler_state *st)
{
	json_t		*plan = json_array();
	const char	*due;
	size_t		 i;

	for (i = TEST_LIST_AT; i < test_fields_at(st); i += 3) {
		due = test_arg(st, i + 1);
		assert_true(*due != '\0' && strspn(due, "0123456789") ==
		    strlen(due));
		json_array_append_new(plan, json_pack("[s, I, s]",
		    test_arg(st, i), (json_int_t)strtoll(due, NULL, 10),
		    test_arg(st, i + 2)));
	}
	return plan;
}

/*
 * The stored person's fields, the state function's last arguments (the
 * fields set, name, value pairs, as many as argument 12 says, then the
 * names of those removed), as one JSON object equal to want ("" for a
 * field removed); no value set is "".
 */
static void
test_fields(const struct handler_state *st, const char *want)
{
	json_t	*o = json_object();
	size_t	 i, set;

	set = test_fields_at(st) + 2 * (size_t)atoi(test_arg(st, 12));
	assert_true(set <= handler_state_nargs(st));
	for (i = test_fields_at(st); i + 1 < set; i += 2) {
		assert_string_not_equal(test_arg(st, i + 1), "");
		json_object_set_new(o, test_arg(st, i), json_string(test_arg(st,
		    i + 1)));
	}
	for (i = set; i < handler_state_nargs(st); i++)
		json_object_set_new(o, test_arg(st, i), json_string(""));
	test_json_equal(o, want, "arrived fields");
	json_decref(o);
}

static void
test_arrived_prepare(void **state)
{
	static const char *const kinds[] = { "d7", "d30", "d90", "d180",
	    "d365" };
	static const char *const due[] = { "2026-03-09T13:00:00Z",
	    "2026-04-01T13:00:00Z", "2026-05-31T13:00:00Z",
	    "2026-08-29T13:00:00Z", "2027-03-02T14:00:00Z" };
	struct handler_state	 st;
	json_t			*plan, *e, *skills, *langs;
	char			*rec, until[32];
	size_t			 i;

	(void)state;
	test_prepare("newcomer.arrived", "arr-1", TEST_AMINA, &st);
	assert_string_equal(st.fn, "arrived");
	/* 13 fields, set or removed */
	assert_int_equal(handler_state_nargs(&st), TEST_LIST_AT + 3 * 5 +
	    (size_t)atoi(test_arg(&st, 12)) + 13);
	assert_string_equal(test_arg(&st, 0), "p-1");
	/* only what messages and matching need: no consent, profile, birth date */
	test_fields(&st, "{\"first_name\":\"Amina\",\"last_name\":\"Diallo\","
	    "\"email\":\"amina@example.com\",\"phone\":\"+18195550123\","
	    "\"language\":\"en\",\"language_tag\":\"\","
	    "\"territory\":\"abitibi\",\"municipality\":\"\","
	    "\"arrival_date\":\"2026-03-02\",\"consent_email\":\"1\","
	    "\"consent_sms\":\"\",\"occupation\":\"72106\","
	    "\"skills\":\"Soudure|\\u00c9lectricit\\u00e9\"}");
	assert_string_equal(test_arg(&st, 1), "63072000");	/* 730 days */
	assert_string_equal(test_arg(&st, 2), "abitibi");
	test_arg_json(&st, 3, "[\"ab-1\",\"ab-2\"]");
	/* Marc Trudel speaks French only */
	test_arg_json(&st, 4, "[\"ab-1\"]");
	assert_string_equal(test_arg(&st, 6), "1772460000000");

	/* five follow-ups from the arrival date, at 09:00 local */
	plan = test_plan(&st);
	assert_int_equal(json_array_size(plan), 5);
	for (i = 0; i < 5; i++) {
		e = json_array_get(plan, i);
		assert_int_equal(json_array_size(e), 3);
		assert_string_equal(json_string_value(json_array_get(e, 0)),
		    kinds[i]);
		if (json_integer_value(json_array_get(e, 1)) != test_ms(due[i]))
			fail_msg("%s: expected due at %s (%lld), got %lld",
			    kinds[i], due[i], (long long)test_ms(due[i]),
			    (long long)json_integer_value(json_array_get(e, 1)));
		test_followup_member(json_string_value(json_array_get(e, 2)),
		    "p-1", kinds[i], due[i], "abitibi");
	}
	json_decref(plan);
	/* the programme ends a month after the last follow-up */
	snprintf(until, sizeof until, "%lld", (long long)(test_ms(due[4]) +
	    30 * TEST_DAY_MS));
	assert_string_equal(test_arg(&st, 5), until);

	/* shared: indexed where they want to work, matched there */
	test_arg_json(&st, 8, "[\"relais:mx:p:rouyn-noranda:7\","
	    "\"relais:mx:p:abitibi:7\"]");
	skills = test_json("[\"Soudure\",\"\\u00c9lectricit\\u00e9\"]");
	langs = test_json("[\"fr\",\"en\"]");
	rec = match_record("72106", skills, "Amina", langs, "2026-03");
	assert_string_equal(test_arg(&st, 9), rec);
	free(rec);
	json_decref(skills);
	json_decref(langs);
	test_arg_json(&st, 10, "[\"relais:mx:j:rouyn-noranda:7\","
	    "\"relais:mx:j:abitibi:7\"]");
	assert_string_equal(test_arg(&st, 11), "arr-1");
	handler_state_clear(&st);
	assert_int_equal(handler_state_nargs(&st), 0);
	assert_null(st.fn);
}

/* Who is indexed for matching, and with what. */
static void
test_arrived_prepare_matching(void **state)
{
	static const char *const unshared[] = {
		/* no consent to share */
		"{\"person\":{\"id\":\"p-2\",\"phone\":\"+18195550199\","
		"\"consent\":{\"sms\":true}},\"territory\":\"abitibi\","
		"\"profile\":{\"occupation\":\"72106\"}}",
		/* consent that is not literally true */
		"{\"person\":{\"id\":\"p-2\",\"phone\":\"+18195550199\","
		"\"consent\":{\"share_profile\":\"true\"}},\"territory\":"
		"\"abitibi\",\"profile\":{\"occupation\":\"72106\"}}",
		/* nothing to match on */
		"{\"person\":{\"id\":\"p-2\",\"phone\":\"+18195550199\","
		"\"consent\":{\"share_profile\":true}},\"territory\":"
		"\"abitibi\",\"profile\":{\"skills\":[\"Soudure\"]}}",
		"{\"person\":{\"id\":\"p-2\",\"phone\":\"+18195550199\","
		"\"consent\":{\"share_profile\":true}},\"territory\":"
		"\"abitibi\"}",
	};
	struct handler_state	 st;
	json_t			*skills, *langs, *plan;
	char			*rec;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof unshared / sizeof *unshared; i++) {
		test_prepare("newcomer.arrived", "arr-2", unshared[i], &st);
		assert_int_equal(handler_state_nargs(&st), test_fields_at(&st) +
		    (size_t)atoi(test_arg(&st, 12)) + 13);
		test_arg_json(&st, 8, "[]");
		assert_string_equal(test_arg(&st, 9), "");
		test_arg_json(&st, 10, "[]");
		handler_state_clear(&st);
	}
	test_prepare("newcomer.arrived", "arr-2", unshared[0], &st);
	test_fields(&st, "{\"first_name\":\"\",\"last_name\":\"\","
	    "\"email\":\"\",\"phone\":\"+18195550199\",\"language\":\"\","
	    "\"language_tag\":\"\",\"territory\":\"abitibi\",\"municipality\":\"\","
	    "\"arrival_date\":\"2026-11-25T14:03:00Z\",\"consent_email\":\"\","
	    "\"consent_sms\":\"1\",\"occupation\":\"72106\",\"skills\":\"\"}");
	/* no language: the territory's (French), so anyone of the roster */
	test_arg_json(&st, 4, "[\"ab-1\",\"ab-2\"]");
	handler_state_clear(&st);

	/*
	 * Shared, by municipality, without desired territories nor profile
	 * languages: their own territory, the language they use, and the
	 * month of the event's time (no arrival date).
	 */
	test_prepare("newcomer.arrived", "arr-3", "{\"person\":{\"id\":\"p-3\","
	    "\"first_name\":\"Li\",\"email\":\"li@example.com\",\"language\":"
	    "\"en\",\"consent\":{\"share_profile\":true}},\"municipality\":"
	    "\"Amos\",\"profile\":{\"occupation\":\"21231\",\"skills\":"
	    "[\"Python\"],\"desired_territories\":[\"nowhere\"]}}", &st);
	test_arg_json(&st, 8, "[\"relais:mx:p:abitibi:2\"]");
	test_arg_json(&st, 10, "[\"relais:mx:j:abitibi:2\"]");
	skills = test_json("[\"Python\"]");
	langs = test_json("[\"en\"]");
	rec = match_record("21231", skills, "Li", langs, "2026-11");
	assert_string_equal(test_arg(&st, 9), rec);
	free(rec);
	json_decref(skills);
	json_decref(langs);
	/* the follow-ups count from the event's local date, 25 November */
	plan = test_plan(&st);
	assert_int_equal(json_array_size(plan), 5);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(plan,
	    0), 1)), test_ms("2026-12-02T14:00:00Z"));
	json_decref(plan);
	handler_state_clear(&st);
}

/* Counsellors who speak the newcomer's language, else the whole roster. */
static void
test_arrived_prepare_eligible(void **state)
{
	static const struct { const char *tid, *lang, *roster, *eligible; } v[] = {
		{ "abitibi", "en", "[\"ab-1\",\"ab-2\"]", "[\"ab-1\"]" },
		{ "abitibi", "fr", "[\"ab-1\",\"ab-2\"]", "[\"ab-1\",\"ab-2\"]" },
		{ "abitibi-ouest", "en", "[\"ao-1\",\"ao-2\"]", "[\"ao-1\"]" },
		{ "rouyn-noranda", "en", "[\"rn-1\",\"rn-2\"]", "[\"rn-1\"]" },
		{ "rouyn-noranda", "fr", "[\"rn-1\",\"rn-2\"]",
		    "[\"rn-1\",\"rn-2\"]" },
		{ "vallee-de-l-or", "en", "[\"vo-1\",\"vo-2\"]",
		    "[\"vo-1\",\"vo-2\"]" },
		{ "temiscamingue", "en", "[\"te-1\"]", "[\"te-1\"]" },
		{ "region", "en", "[\"re-1\"]", "[\"re-1\"]" },
	};
	struct handler_state	 st;
	struct handler_out	 out;
	char			 data[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(data, sizeof data, "{\"person\":{\"id\":\"p-1\","
		    "\"email\":\"a@b.example\",\"language\":\"%s\"},"
		    "\"territory\":\"%s\"}", v[i].lang, v[i].tid);
		test_prepare("newcomer.arrived", "arr-1", data, &st);
		test_arg_json(&st, 3, v[i].roster);
		test_arg_json(&st, 4, v[i].eligible);
		handler_state_clear(&st);
	}
	/* a preview names the first eligible: never a French-only one */
	test_decide("newcomer.arrived", "arr-1", "{\"person\":{\"id\":\"p-1\","
	    "\"email\":\"a@b.example\",\"language\":\"en\"},\"territory\":"
	    "\"abitibi\"}", NULL, 0, &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[1].recipient_id, "ab-1");
	test_var(out.v[0].vars, "counsellor.first_name", "Nadia");
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);
}

/* A late registration does not get a year of reminders at once. */
static void
test_arrived_prepare_late(void **state)
{
	static const char *const kinds[] = { "d30", "d90", "d180", "d365" };
	static const char *const due[] = { "2026-01-31T14:00:00Z",
	    "2026-04-01T13:00:00Z", "2026-06-30T13:00:00Z",
	    "2027-01-01T14:00:00Z" };
	struct handler_state	 st;
	json_t			*plan, *e;
	char			 until[32];
	size_t			 i;

	(void)state;
	/* arrived 1 January, registered 2 March: d7 and d30 are past */
	test_prepare("newcomer.arrived", "arr-1", "{\"person\":{\"id\":\"p-1\","
	    "\"email\":\"a@b.example\"},\"territory\":\"abitibi\","
	    "\"arrival_date\":\"2026-01-01\"}", &st);
	plan = test_plan(&st);
	if (json_array_size(plan) != 4)
		fail_msg("expected d30 (at once) and the 3 to come, got %zu",
		    json_array_size(plan));
	for (i = 0; i < 4; i++) {
		e = json_array_get(plan, i);
		assert_string_equal(json_string_value(json_array_get(e, 0)),
		    kinds[i]);
		assert_int_equal(json_integer_value(json_array_get(e, 1)),
		    test_ms(due[i]));
		test_followup_member(json_string_value(json_array_get(e, 2)),
		    "p-1", kinds[i], due[i], "abitibi");
	}
	json_decref(plan);
	/* still a month after the last follow-up, not the retention */
	snprintf(until, sizeof until, "%lld", (long long)(test_ms(due[3]) +
	    30 * TEST_DAY_MS));
	assert_string_equal(test_arg(&st, 5), until);
	handler_state_clear(&st);
}

static void
test_arrived_refused(void **state)
{
	(void)state;
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\",\"arrival_date\":\"2026-02-30\"}",
	    "data.arrival_date \"2026-02-30\" is not a date (YYYY-MM-DD)");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\",\"arrival_date\":\"+026-03-02\"}",
	    "data.arrival_date \"+026-03-02\" is not a date (YYYY-MM-DD)");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\",\"arrival_date\":\"soon\"}",
	    "data.arrival_date \"soon\" is not a date (YYYY-MM-DD)");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\",\"profile\":{\"occupation\":\"7210\"}}",
	    "data.profile.occupation \"7210\" is not a NOC 2021 code (five "
	    "digits)");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\"},"
	    "\"territory\":\"abitibi\",\"profile\":[]}",
	    "data.profile must be an object");
}

/* A French speaker, sharing a welder's profile. */
#define TEST_MOUNIA \
	"{\"person\":{\"id\":\"p-7\",\"first_name\":\"Mounia\"," \
	"\"last_name\":\"Benali\",\"email\":\"mounia@example.com\"," \
	"\"language\":\"fr\",\"consent\":{\"email\":true," \
	"\"share_profile\":true}},\"territory\":\"abitibi\"," \
	"\"arrival_date\":\"2026-03-02\",\"profile\":{\"occupation\":\"72106\"," \
	"\"skills\":[\"Soudure\"]}}"

static void
test_arrived_fn(void **state)
{
	struct handler_out	 out;
	struct notification	*n;

	(void)state;
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-2\",\"previous\":\"\","
	    "\"welcome\":true,\"first\":true,\"notify\":true,\"jobs\":[]}", 0, &out);
	assert_int_equal(out.n, 2);
	n = &out.v[0];
	assert_string_equal(n->role, "newcomer");
	assert_string_equal(n->recipient_id, "p-7");
	assert_string_equal(n->email, "mounia@example.com");
	assert_null(n->phone);
	assert_string_equal(n->language, "fr");
	assert_int_equal(n->consent_email, 1);
	assert_int_equal(n->consent_sms, 0);
	assert_string_equal(n->territory->id, "abitibi");
	test_var(n->vars, "first_name", "Mounia");
	test_var(n->vars, "arrival_date", "2026-03-02");
	test_var(n->vars, "counsellor.id", "ab-2");
	test_var(n->vars, "counsellor.first_name", "Marc");
	test_var(n->vars, "counsellor.name", "Marc Trudel");
	test_var(n->vars, "counsellor.email", "marc.trudel@abitibi.example");
	/* both are about Mounia: checked against her record before the send */
	assert_string_equal(out.v[0].subject_id, "p-7");
	assert_string_equal(out.v[1].subject_id, "p-7");
	n = &out.v[1];
	assert_string_equal(n->role, "counsellor");
	assert_string_equal(n->recipient_id, "ab-2");
	assert_string_equal(n->email, "marc.trudel@abitibi.example");
	assert_string_equal(n->language, "fr");
	assert_int_equal(n->consent_email, 1);
	assert_string_equal(n->territory->id, "abitibi");
	test_var(n->vars, "ref", "p-7");
	test_var(n->vars, "person.last_name", "Benali");
	test_var(n->vars, "profile.occupation", "72106");
	test_var(n->vars, "counsellor.first_name", "Marc");
	test_json_equal(json_object_get(n->vars, "channels"), "[\"courriel\"]",
	    "channels");
	/* counted once in the report; nothing to match */
	assert_int_equal(out.effects.n, 1);
	test_stat(&out, "abitibi:arrivals");
	assert_string_equal(out.note, "");
	handler_out_clear(&out);

	/* a later event about the same person: nothing, and why */
	test_decide("newcomer.arrived", "arr-8", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-2\",\"welcome\":false,\"notify\":false,\"jobs\":{}}",
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_not_equal(out.note, "");
	handler_out_clear(&out);

	/*
	 * a correction taking over a failed welcome, or the event replayed
	 * from the dead letters: the welcome goes, the person is not counted
	 * a second time
	 */
	test_decide("newcomer.arrived", "arr-9", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-2\",\"welcome\":true,\"first\":false,"
	    "\"notify\":false,\"jobs\":[]}", 0, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].role, "newcomer");
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);

	/* reassigned by a later event: only the new counsellor hears */
	test_decide("newcomer.arrived", "arr-8", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-1\",\"previous\":\"ab-2\",\"welcome\":false,"
	    "\"notify\":true,\"jobs\":[]}", 0, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].role, "counsellor");
	assert_string_equal(out.v[0].email, "nadia.gagnon@abitibi.example");
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);

	/* a retry of the delivery sends the same messages, counts nothing */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-2\",\"welcome\":false,\"notify\":false,\"jobs\":[]}",
	    1, &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(test_effects(&out, "stat"), 0);
	handler_out_clear(&out);

	/* an older event about a person who left or was forgotten since */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"departed\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "person departed since: nothing to send");
	handler_out_clear(&out);
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"missing\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	handler_out_clear(&out);
	/* a retry plans its delivery still: the send-time check skips it */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"departed\":1}", 1, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].role, "newcomer");
	assert_string_equal(out.v[0].subject_id, "p-7");
	handler_out_clear(&out);

	/* no counsellor assigned: the welcome names none */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"counsellor\":\"\",\"welcome\":true,\"first\":true,"
	    "\"notify\":true,\"jobs\":[]}", 0, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].role, "newcomer");
	assert_null(json_object_get(out.v[0].vars, "counsellor"));
	handler_out_clear(&out);
	/* nor one who left the roster since */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-9\",\"welcome\":true,\"first\":true,"
	    "\"notify\":true,\"jobs\":[]}", 0, &out);
	assert_int_equal(out.n, 1);
	handler_out_clear(&out);
}

/* Open postings (as S.arrived lists them); j-1 fits, announced or not. */
#define TEST_JOBS(announced) \
	"{\"counsellor\":\"ab-2\",\"welcome\":true,\"first\":true," \
	"\"notify\":true,\"jobs\":[" \
	"{\"id\":\"j-1\",\"employer\":\"e-1\",\"occupation\":\"72106\"," \
	"\"skills_folded\":\"soudure\",\"title\":\"Soudeur\",\"territory\":" \
	"\"abitibi\",\"announced\":" #announced "}," \
	/* no broad category in common */ \
	"{\"id\":\"j-2\",\"employer\":\"e-2\",\"occupation\":\"41200\"," \
	"\"skills_folded\":\"soudure\",\"announced\":0}," \
	/* announced to that employer already */ \
	"{\"id\":\"j-3\",\"employer\":\"e-3\",\"occupation\":\"72106\"," \
	"\"skills_folded\":\"soudure\",\"announced\":1}," \
	/* 25 + 10: under the threshold */ \
	"{\"id\":\"j-4\",\"employer\":\"e-4\",\"occupation\":\"72201\"," \
	"\"skills_folded\":\"soudure\",\"announced\":0}," \
	/* 45: under the threshold */ \
	"{\"id\":\"j-5\",\"employer\":\"e-5\",\"occupation\":\"72101\"," \
	"\"announced\":0}," \
	/* a posting without an employer */ \
	"{\"id\":\"j-6\",\"occupation\":\"72106\",\"announced\":0}]}"

/* Open postings the new profile fits go to their employers' digests. */
static void
test_arrived_fn_matches(void **state)
{
	struct handler_out	 out;
	json_t			*want;
	char			*member;

	(void)state;
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA, TEST_JOBS(0), 0,
	    &out);
	assert_int_equal(out.n, 2);
	/* the digest of e-1 falls due a window from now */
	member = match_digest_member("e-1", TEST_NOW + 3600000);
	want = json_pack("[s, s, s, s, s, s, s]", "digest_add", "e-1", "p-7",
	    "j-1", "1772463600000", member, "3600000");
	test_effect_same(&out, "digest_add", want);
	json_decref(want);
	free(member);
	test_stat(&out, "abitibi:arrivals");
	assert_int_equal(out.effects.n, 2);
	handler_out_clear(&out);

	/* announced to e-1 already: no digest */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA, TEST_JOBS(1), 0,
	    &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(test_effects(&out, "digest_add"), 0);
	handler_out_clear(&out);

	/* a profile not shared is matched with nothing */
	test_decide("newcomer.arrived", "arr-7", "{\"person\":{\"id\":\"p-7\","
	    "\"email\":\"mounia@example.com\",\"consent\":{\"email\":true}},"
	    "\"territory\":\"abitibi\",\"profile\":{\"occupation\":\"72106\","
	    "\"skills\":[\"Soudure\"]}}", TEST_JOBS(0), 0, &out);
	assert_int_equal(test_effects(&out, "digest_add"), 0);
	handler_out_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_person),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_arrived_prepare),
		cmocka_unit_test(test_arrived_prepare_matching),
		cmocka_unit_test(test_arrived_prepare_eligible),
		cmocka_unit_test(test_arrived_prepare_late),
		cmocka_unit_test(test_arrived_refused),
		cmocka_unit_test(test_arrived_fn),
		cmocka_unit_test(test_arrived_fn_matches),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
