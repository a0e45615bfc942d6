/* Unit tests for handlers: table lookup, territory resolution, newcomer.arrived. */
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
#include "diag.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

static struct config	*test_cf;

static int
test_setup(void **state)
{
	struct diag	d;
	size_t		i;

	(void)state;
	unsetenv("RELAIS_EMAIL_GATEWAY");
	unsetenv("RELAIS_SMS_GATEWAY");
	diag_init(&d);
	test_cf = config_load("config/relais.yaml", &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	diag_free(&d);
	return test_cf != NULL ? 0 : -1;
}

static int
test_teardown(void **state)
{
	(void)state;
	config_free(test_cf);
	test_cf = NULL;
	return 0;
}

/* Wraps data (a JSON object text, or "null") in a valid envelope. */
static void
test_envelope(const char *data, struct envelope *ev)
{
	struct buf	b;
	char		reason[256];

	buf_init(&b);
	buf_printf(&b, "{\"specversion\":\"1.0\",\"id\":\"evt-1\","
	    "\"source\":\"https://intake.example\",\"type\":\"newcomer.arrived\","
	    "\"time\":\"2026-11-25T14:03:00Z\",\"data\":%s}", data);
	if (envelope_parse(b.data, b.len, NULL, ev, reason,
	    sizeof reason) == -1)
		fail_msg("envelope %s: %s", b.data, reason);
	buf_free(&b);
}

/* Runs newcomer.arrived on data; returns its result, reason and output. */
static int
test_run(const char *data, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	struct handler_ctx	 ctx = { test_cf, 1764079380000LL, 0, NULL, 0 };
	struct handler_state	 st;
	struct envelope		 ev;
	const struct handler	*h;
	json_t			*state;
	int			 rc;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	snprintf(reason, reasonlen, "(untouched)");
	test_envelope(data, &ev);
	h = handler_find(ev.type);
	assert_non_null(h);
	/* what Redis answers for a person it has not seen: welcome them */
	state = json_pack("{s:s, s:i, s:i, s:[]}", "counsellor", "",
	    "welcome", 1, "notify", 0, "jobs");
	rc = h->prepare(&ev, &ctx, &st, reason, reasonlen);
	if (rc == 0) {
		assert_string_equal(st.fn, "arrived");
		rc = h->fn(&ev, &ctx, state, out, reason, reasonlen);
	}
	handler_state_clear(&st);
	json_decref(state);
	envelope_clear(&ev);
	return rc;
}

/* data must be refused with exactly want as the reason, and no output. */
static void
test_refused(const char *data, const char *want)
{
	struct handler_out	out;
	char			reason[256];
	int			rc;

	rc = test_run(data, &out, reason, sizeof reason);
	if (rc != -1)
		fail_msg("data %s: expected -1 (%s), got %d", data, want, rc);
	assert_string_equal(reason, want);
	assert_int_equal(out.n, 0);
	handler_out_clear(&out);
}

/* data must be accepted, giving one notification for territory tid. */
static struct notification *
test_accepted(const char *data, const char *tid, struct handler_out *out)
{
	char	reason[256];
	int	rc;

	rc = test_run(data, out, reason, sizeof reason);
	if (rc != 0)
		fail_msg("data %s: expected 0, got %d (%s)", data, rc, reason);
	assert_int_equal(out->n, 1);
	assert_non_null(out->v[0].territory);
	assert_string_equal(out->v[0].territory->id, tid);
	return &out->v[0];
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

static void
test_language(void **state)
{
	struct handler_out	 out;
	struct notification	*n;

	(void)state;
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"de\"},\"territory\":\"abitibi\"}",
	    "data.person.language must be \"fr\" or \"en\", not \"de\"");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"FR\"},\"territory\":\"abitibi\"}",
	    "data.person.language must be \"fr\" or \"en\", not \"FR\"");
	test_refused("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"fr-CA\"},\"territory\":\"abitibi\"}",
	    "data.person.language must be \"fr\" or \"en\", not \"fr-CA\"");
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"fr\"},\"territory\":\"abitibi\"}", "abitibi", &out);
	assert_string_equal(n->language, "fr");
	handler_out_clear(&out);
	/* empty or not a string: unknown, left to the territory's default */
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":\"\"},\"territory\":\"abitibi\"}", "abitibi", &out);
	assert_null(n->language);
	handler_out_clear(&out);
	n = test_accepted("{\"person\":{\"id\":\"p\",\"email\":\"a@b.example\","
	    "\"language\":null},\"territory\":\"abitibi\"}", "abitibi", &out);
	assert_null(n->language);
	handler_out_clear(&out);
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

/* The shipped example events are accepted. */
static void
test_examples(void **state)
{
	static const struct { const char *path, *tid; } v[] = {
		{ "config/examples/01-welcome-fr.json", "vallee-de-l-or" },
		{ "config/examples/02-welcome-en.json", "rouyn-noranda" },
		{ "config/examples/03-welcome-sms-only.json", "temiscamingue" },
	};
	struct handler_ctx	 ctx = { NULL, 0, 0, NULL, 0 };
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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_territory_by_id),
		cmocka_unit_test(test_territory_by_municipality),
		cmocka_unit_test(test_handler_territory),
		cmocka_unit_test(test_person),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_out),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
