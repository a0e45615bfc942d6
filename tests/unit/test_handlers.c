/* Unit tests for handlers: lookup, territories, and each handler's prepare and fn. */
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
#include "followups.h"
#include "handlers.h"
#include "match.h"
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

/* Wraps data (a JSON object text, or "null") in a valid event of type. */
static void
test_event(const char *type, const char *id, const char *data,
    struct envelope *ev)
{
	struct buf	b;
	char		reason[256];

	buf_init(&b);
	buf_printf(&b, "{\"specversion\":\"1.0\",\"id\":\"%s\","
	    "\"source\":\"https://intake.example\",\"type\":\"%s\","
	    "\"time\":\"2026-11-25T14:03:00Z\",\"data\":%s}", id, type, data);
	if (envelope_parse(b.data, b.len, NULL, ev, reason,
	    sizeof reason) == -1)
		fail_msg("envelope %s: %s", b.data, reason);
	buf_free(&b);
}

/* A newcomer.arrived event evt-1 of data. */
static void
test_envelope(const char *data, struct envelope *ev)
{
	test_event("newcomer.arrived", "evt-1", data, ev);
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

/* 2026-03-02T14:00:00Z: Monday 2 March 2026, 09:00 in Québec (EST). */
#define TEST_NOW	1772460000000LL
#define TEST_DAY_MS	86400000LL

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

/* got must equal want; what names it in a failure. */
static void
test_json_same(const json_t *got, const json_t *want, const char *what)
{
	char	*g, *w;

	if (!json_equal(got, want)) {
		g = got != NULL ? json_dumps(got, JSON_SORT_KEYS |
		    JSON_ENCODE_ANY) : NULL;
		w = json_dumps(want, JSON_SORT_KEYS | JSON_ENCODE_ANY);
		fail_msg("%s: expected %s, got %s", what, w, g != NULL ? g :
		    "NULL");
	}
}

/* got must equal the JSON text want. */
static void
test_json_equal(const json_t *got, const char *want, const char *what)
{
	json_t	*w = test_json(want);

	test_json_same(got, w, what);
	json_decref(w);
}

/* The string member at path "a.b.c" of o, or NULL. */
static const char *
test_get(const json_t *o, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while ((dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		snprintf(key, sizeof key, "%.*s", (int)n, path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(o, path));
}

/* The string at path in o must be want. */
static void
test_var(const json_t *o, const char *path, const char *want)
{
	const char	*got = test_get(o, path);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got %s%s%s", path, want,
		    got != NULL ? "\"" : "", got != NULL ? got : "nothing",
		    got != NULL ? "\"" : "");
}

/* Runs type's prepare on data, which must be refused with reason want. */
static void
test_refused_type(const char *type, const char *data, const char *want)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0 };
	struct handler_state	 st;
	struct envelope		 ev;
	char			 reason[256];

	ctx.cf = test_cf;
	memset(&st, 0, sizeof st);
	test_event(type, "x", data, &ev);
	if (handler_find(type)->prepare(&ev, &ctx, &st, reason,
	    sizeof reason) != -1)
		fail_msg("%s %s: expected -1 (%s), got 0", type, data, want);
	assert_string_equal(reason, want);
	handler_state_clear(&st);
	envelope_clear(&ev);
}

/* Runs type's prepare on data, which must be accepted. */
static void
test_prepare(const char *type, const char *id, const char *data,
    struct handler_state *st)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0 };
	struct envelope		 ev;
	const struct handler	*h;
	char			 reason[256];

	ctx.cf = test_cf;
	memset(st, 0, sizeof *st);
	test_event(type, id, data, &ev);
	assert_non_null(h = handler_find(type));
	if (h->prepare(&ev, &ctx, st, reason, sizeof reason) == -1)
		fail_msg("%s %s: refused: %s", type, data, reason);
	envelope_clear(&ev);
}

/* type's prepare must refuse data with the reason want, asking nothing. */
static void
test_prepare_refused(const char *type, const char *data, const char *want)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0 };
	struct handler_state	 st;
	struct envelope		 ev;
	const struct handler	*h;
	char			 reason[256];
	int			 rc;

	ctx.cf = test_cf;
	memset(&st, 0, sizeof st);
	snprintf(reason, sizeof reason, "(untouched)");
	test_event(type, "evt-r", data, &ev);
	assert_non_null(h = handler_find(type));
	rc = h->prepare(&ev, &ctx, &st, reason, sizeof reason);
	if (rc != -1 || strcmp(reason, want) != 0)
		fail_msg("%s %s: expected -1 (%s), got %d (%s)", type, data,
		    want, rc, rc == -1 ? reason : "accepted");
	assert_null(st.args);
	assert_int_equal(st.nreads, 0);
	envelope_clear(&ev);
}

/* Argument i of a state request, a string. */
static const char *
test_arg(const struct handler_state *st, size_t i)
{
	const char	*s = json_string_value(json_array_get(st->args, i));

	if (s == NULL)
		fail_msg("%s: argument %zu is not a string", st->fn, i);
	return s;
}

/* Argument i of a state request is JSON equal to want. */
static void
test_arg_json(const struct handler_state *st, size_t i, const char *want)
{
	json_t	*v = test_json(test_arg(st, i));
	char	 what[64];

	snprintf(what, sizeof what, "%s argument %zu", st->fn, i);
	test_json_equal(v, want, what);
	json_decref(v);
}

/*
 * Runs type's fn on data with the state Redis answered (NULL: a preview)
 * and the hashes read beside it (rows).
 */
static void
test_decide_rows(const char *type, const char *id, const char *data,
    const json_t *state, const struct handler_rows *rows, size_t nrows,
    int retry, struct handler_out *out)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0 };
	struct envelope		 ev;
	char			 reason[256];

	ctx.cf = test_cf;
	ctx.retry = retry;
	ctx.rows = rows;
	ctx.nrows = nrows;
	memset(out, 0, sizeof *out);
	test_event(type, id, data, &ev);
	assert_non_null(handler_find(type));
	if (handler_find(type)->fn(&ev, &ctx, state, out, reason,
	    sizeof reason) == -1)
		fail_msg("%s %s: refused: %s", type, data, reason);
	envelope_clear(&ev);
}

static void
test_decide_json(const char *type, const char *id, const char *data,
    const json_t *state, int retry, struct handler_out *out)
{
	test_decide_rows(type, id, data, state, NULL, 0, retry, out);
}

static void
test_decide(const char *type, const char *id, const char *data,
    const char *state, int retry, struct handler_out *out)
{
	json_t	*st = state != NULL ? test_json(state) : NULL;

	test_decide_json(type, id, data, st, retry, out);
	json_decref(st);
}

/* How many effects are named name. */
static size_t
test_effects(const struct handler_out *out, const char *name)
{
	const json_t	*e;
	size_t		 i, n = 0;

	json_array_foreach(out->effects, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)), name) == 0)
			n++;
	}
	return n;
}

/* The one effect named name, equal to want. */
static void
test_effect_same(const struct handler_out *out, const char *name,
    const json_t *want)
{
	const json_t	*e;
	size_t		 i;

	if (test_effects(out, name) != 1)
		fail_msg("expected one %s effect, got %zu", name,
		    test_effects(out, name));
	json_array_foreach(out->effects, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)), name) == 0)
			test_json_same(e, want, name);
	}
}

/* The one effect named name, equal to want (a JSON array text). */
static void
test_effect(const struct handler_out *out, const char *name, const char *want)
{
	json_t	*w = test_json(want);

	test_effect_same(out, name, w);
	json_decref(w);
}

/* out counts figure ("<territory>:<what>") once for the monthly report. */
static void
test_stat(const struct handler_out *out, const char *figure)
{
	const json_t	*e;
	size_t		 i;

	if (test_effects(out, "stat") != 1)
		fail_msg("expected one stat effect (%s), got %zu", figure,
		    test_effects(out, "stat"));
	json_array_foreach(out->effects, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)), "stat") != 0)
			continue;
		assert_string_equal(json_string_value(json_array_get(e,
		    json_array_size(e) - 1)), figure);
	}
}

/* Unix ms of an RFC 3339 time. */
static int64_t
test_ms(const char *s)
{
	int64_t	ms;

	if (envelope_parse_time(s, &ms) == -1)
		fail_msg("test bug: %s is not a time", s);
	return ms;
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
	assert_int_equal(json_array_size(st.args), 13);
	assert_string_equal(test_arg(&st, 0), "p-1");
	/* only what messages and matching need: no consent, profile, birth date */
	test_arg_json(&st, 1, "{\"first_name\":\"Amina\",\"last_name\":\"Diallo\","
	    "\"email\":\"amina@example.com\",\"phone\":\"+18195550123\","
	    "\"language\":\"en\",\"language_tag\":\"\","
	    "\"territory\":\"abitibi\",\"municipality\":\"\","
	    "\"arrival_date\":\"2026-03-02\",\"consent_email\":\"1\","
	    "\"consent_sms\":\"\",\"occupation\":\"72106\","
	    "\"skills\":\"Soudure|\\u00c9lectricit\\u00e9\"}");
	assert_string_equal(test_arg(&st, 2), "63072000");	/* 730 days */
	assert_string_equal(test_arg(&st, 3), "abitibi");
	test_arg_json(&st, 4, "[\"ab-1\",\"ab-2\"]");
	/* Marc Trudel speaks French only */
	test_arg_json(&st, 5, "[\"ab-1\"]");
	assert_string_equal(test_arg(&st, 7), "1772460000000");

	/* five follow-ups from the arrival date, at 09:00 local */
	plan = test_json(test_arg(&st, 8));
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
	assert_string_equal(test_arg(&st, 6), until);

	/* shared: indexed where they want to work, matched there */
	test_arg_json(&st, 9, "[\"relais:mx:p:rouyn-noranda:7\","
	    "\"relais:mx:p:abitibi:7\"]");
	skills = test_json("[\"Soudure\",\"\\u00c9lectricit\\u00e9\"]");
	langs = test_json("[\"fr\",\"en\"]");
	rec = match_record("72106", skills, "Amina", langs, "2026-03");
	assert_string_equal(test_arg(&st, 10), rec);
	free(rec);
	json_decref(skills);
	json_decref(langs);
	test_arg_json(&st, 11, "[\"relais:mx:j:rouyn-noranda:7\","
	    "\"relais:mx:j:abitibi:7\"]");
	assert_string_equal(test_arg(&st, 12), "arr-1");
	handler_state_clear(&st);
	assert_null(st.args);
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
		assert_int_equal(json_array_size(st.args), 13);
		test_arg_json(&st, 9, "[]");
		assert_string_equal(test_arg(&st, 10), "");
		test_arg_json(&st, 11, "[]");
		handler_state_clear(&st);
	}
	test_prepare("newcomer.arrived", "arr-2", unshared[0], &st);
	test_arg_json(&st, 1, "{\"first_name\":\"\",\"last_name\":\"\","
	    "\"email\":\"\",\"phone\":\"+18195550199\",\"language\":\"\","
	    "\"language_tag\":\"\",\"territory\":\"abitibi\",\"municipality\":\"\","
	    "\"arrival_date\":\"2026-11-25T14:03:00Z\",\"consent_email\":\"\","
	    "\"consent_sms\":\"1\",\"occupation\":\"72106\",\"skills\":\"\"}");
	/* no language: the territory's (French), so anyone of the roster */
	test_arg_json(&st, 5, "[\"ab-1\",\"ab-2\"]");
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
	test_arg_json(&st, 9, "[\"relais:mx:p:abitibi:2\"]");
	test_arg_json(&st, 11, "[\"relais:mx:j:abitibi:2\"]");
	skills = test_json("[\"Python\"]");
	langs = test_json("[\"en\"]");
	rec = match_record("21231", skills, "Li", langs, "2026-11");
	assert_string_equal(test_arg(&st, 10), rec);
	free(rec);
	json_decref(skills);
	json_decref(langs);
	/* the follow-ups count from the event's local date, 25 November */
	plan = test_json(test_arg(&st, 8));
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
		test_arg_json(&st, 4, v[i].roster);
		test_arg_json(&st, 5, v[i].eligible);
		handler_state_clear(&st);
	}
	/* a preview names the first eligible: never a French-only one */
	test_decide("newcomer.arrived", "arr-1", "{\"person\":{\"id\":\"p-1\","
	    "\"email\":\"a@b.example\",\"language\":\"en\"},\"territory\":"
	    "\"abitibi\"}", NULL, 0, &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[1].recipient_id, "ab-1");
	test_var(out.v[0].vars, "counsellor.first_name", "Nadia");
	assert_null(out.effects);
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
	plan = test_json(test_arg(&st, 8));
	if (json_array_size(plan) != 4)
		fail_msg("expected d30 (at once) and the 3 to come, got %s",
		    test_arg(&st, 8));
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
	assert_string_equal(test_arg(&st, 6), until);
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
	    "{\"counsellor\":\"ab-2\",\"previous\":\"\",\"planned\":5,"
	    "\"welcome\":1,\"notify\":1,\"jobs\":[]}", 0, &out);
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
	assert_int_equal(json_array_size(out.effects), 1);
	test_stat(&out, "abitibi:arrivals");
	assert_string_equal(out.note, "");
	handler_out_clear(&out);

	/* a later event about the same person: nothing, and why */
	test_decide("newcomer.arrived", "arr-8", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-2\",\"welcome\":0,\"notify\":0,\"jobs\":{}}",
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_not_equal(out.note, "");
	handler_out_clear(&out);

	/* reassigned by a later event: only the new counsellor hears */
	test_decide("newcomer.arrived", "arr-8", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-1\",\"previous\":\"ab-2\",\"welcome\":0,"
	    "\"notify\":1,\"jobs\":[]}", 0, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].role, "counsellor");
	assert_string_equal(out.v[0].email, "nadia.gagnon@abitibi.example");
	assert_null(out.effects);
	handler_out_clear(&out);

	/* a retry of the delivery sends the same messages, counts nothing */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-2\",\"welcome\":0,\"notify\":0,\"jobs\":[]}",
	    1, &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(test_effects(&out, "stat"), 0);
	handler_out_clear(&out);

	/* an older event about a person who left or was forgotten since */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"departed\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
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
	    "{\"counsellor\":\"\",\"welcome\":1,\"notify\":1,\"jobs\":[]}", 0,
	    &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].role, "newcomer");
	assert_null(json_object_get(out.v[0].vars, "counsellor"));
	handler_out_clear(&out);
	/* nor one who left the roster since */
	test_decide("newcomer.arrived", "arr-7", TEST_MOUNIA,
	    "{\"counsellor\":\"ab-9\",\"welcome\":1,\"notify\":1,\"jobs\":[]}", 0,
	    &out);
	assert_int_equal(out.n, 1);
	handler_out_clear(&out);
}

/* Open postings (as S.arrived lists them); j-1 fits, announced or not. */
#define TEST_JOBS(announced) \
	"{\"counsellor\":\"ab-2\",\"welcome\":1,\"notify\":1,\"jobs\":[" \
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
	assert_int_equal(json_array_size(out.effects), 2);
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

#define TEST_DUE(kind) \
	"{\"person\":{\"id\":\"p-1\"},\"followup\":{\"kind\":\"" kind "\"," \
	"\"due_at\":\"2026-03-09T13:00:00Z\"},\"territory\":\"abitibi\"}"

/* The person as S.due answers: the stored hash, strings only. */
#define TEST_DUE_STATE(counsellor, st) \
	"{\"person\":{\"first_name\":\"Amina\",\"last_name\":\"Diallo\"," \
	"\"email\":\"amina@example.com\",\"phone\":\"+18195550123\"," \
	"\"language\":\"en\",\"territory\":\"abitibi\",\"municipality\":" \
	"\"Amos\",\"arrival_date\":\"2026-03-02\",\"consent_email\":\"1\"," \
	"\"occupation\":\"72106\",\"skills\":\"Soudure\",\"fu:d7\":\"" st "\"}," \
	"\"counsellor\":\"" counsellor "\",\"previous\":\"\",\"state\":\"" st "\"}"

static void
test_due_prepare(void **state)
{
	struct handler_state	 st;
	json_t			*rosters;

	(void)state;
	test_prepare("followup.due", "fu-1", TEST_DUE("d7"), &st);
	assert_string_equal(st.fn, "due");
	assert_int_equal(json_array_size(st.args), 5);
	assert_string_equal(test_arg(&st, 0), "p-1");
	assert_string_equal(test_arg(&st, 1), "d7");
	/* every roster, with each counsellor's languages */
	rosters = test_json(test_arg(&st, 2));
	assert_int_equal(json_object_size(rosters), 6);
	test_json_equal(json_object_get(rosters, "abitibi"),
	    "[[\"ab-1\",\"fr en\"],[\"ab-2\",\"fr\"]]", "abitibi roster");
	test_json_equal(json_object_get(rosters, "region"),
	    "[[\"re-1\",\"fr en\"]]", "region roster");
	json_decref(rosters);
	assert_string_equal(test_arg(&st, 3), "1772460000000");
	assert_string_equal(test_arg(&st, 4), "fu-1");
	handler_state_clear(&st);

	test_prepare_refused("followup.due", "{\"person\":{\"id\":\"p-1\"}}",
	    "missing data.followup.kind");
	test_prepare_refused("followup.due", "{\"person\":{\"id\":\"p-1\"},"
	    "\"followup\":{\"kind\":\"\"}}", "missing data.followup.kind");
	test_prepare_refused("followup.due", "{\"followup\":{\"kind\":\"d7\"}}",
	    "missing data.person.id");
}

static void
test_due_fn(void **state)
{
	static const char *const none[] = {
		"{\"missing\":1}",
		"{\"departed\":1}",
		TEST_DUE_STATE("ab-1", "done 1772400000000"),
		/* a territory no longer configured */
		"{\"person\":{\"territory\":\"gone\"},\"counsellor\":\"ab-1\"}",
	};
	struct handler_out	 out;
	struct notification	*n;
	const json_t		*e;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof none / sizeof *none; i++) {
		test_decide("followup.due", "fu-1", TEST_DUE("d7"), none[i], 0,
		    &out);
		if (out.n != 0 || out.effects != NULL)
			fail_msg("state %s: expected nothing, got %zu "
			    "notification(s)", none[i], out.n);
		assert_string_not_equal(out.note, "");
		handler_out_clear(&out);
	}
	/* a preview has nobody to remind */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"), NULL, 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	handler_out_clear(&out);

	/*
	 * At 09:00, when the day's reminder time has come and none went out
	 * yet: the follow-up waits for the territory's reminder email, which
	 * goes reminders_gather_s (300) later; the check-in goes now.
	 */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"),
	    TEST_DUE_STATE("ab-1", ""), 0, &out);
	assert_int_equal(out.n, 1);
	n = &out.v[0];
	assert_string_equal(n->role, "newcomer");
	assert_string_equal(n->recipient_id, "p-1");
	assert_string_equal(n->email, "amina@example.com");
	assert_string_equal(n->phone, "+18195550123");
	assert_string_equal(n->language, "en");
	assert_int_equal(n->consent_email, 1);
	assert_int_equal(n->consent_sms, 0);
	assert_string_equal(n->territory->id, "abitibi");
	/* handled 7 days before its due time: on time by far */
	test_json_equal(json_object_get(n->vars, "followup"), "{\"id\":\"d7\","
	    "\"kind\":\"7 days\"}", "check-in's followup");
	test_var(n->vars, "first_name", "Amina");
	test_var(n->vars, "counsellor.first_name", "Nadia");
	/* waits for the reminder email, recorded, and counted */
	assert_int_equal(json_array_size(out.effects), 3);
	test_effect(&out, "reminder_add", "[\"reminder_add\",\"abitibi\","
	    "\"p-1\",\"d7\",\"{\\\"added\\\":1772460000000,\\\"due_at\\\":"
	    "\\\"2026-03-09T13:00:00Z\\\"}\",\"1772460300000\","
	    "\"event 0 0 - {\\\"data\\\":{\\\"territory\\\":\\\"abitibi\\\","
	    "\\\"until\\\":\\\"1772460300000\\\"},\\\"id\\\":"
	    "\\\"reminders-1772460300000-abitibi\\\",\\\"source\\\":"
	    "\\\"relais\\\",\\\"specversion\\\":\\\"1.0\\\",\\\"type\\\":"
	    "\\\"followup.reminders\\\"}\",\"173100000\"]");
	test_effect(&out, "followup", "[\"followup\",\"p-1\",\"d7\","
	    "\"reminded 1772460000000\"]");
	test_stat(&out, "abitibi:followups_due");
	handler_out_clear(&out);

	/* d30: no check-in in the plan; the reminder only */
	test_decide("followup.due", "fu-2", TEST_DUE("d30"),
	    TEST_DUE_STATE("ab-2", ""), 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(test_effects(&out, "reminder_add"), 1);
	test_effect(&out, "followup", "[\"followup\",\"p-1\",\"d30\","
	    "\"reminded 1772460000000\"]");
	test_stat(&out, "abitibi:followups_due");
	handler_out_clear(&out);

	/* the day's email went already: tomorrow's, 3 March 09:00 EST */
	test_decide("followup.due", "fu-2", TEST_DUE("d30"),
	    "{\"person\":{\"territory\":\"abitibi\"},\"counsellor\":\"ab-2\","
	    "\"reminded\":\"2026-03-02\"}", 0, &out);
	json_array_foreach(out.effects, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "reminder_add") == 0)
			assert_string_equal(json_string_value(json_array_get(e,
			    5)), "1772546400000");
	}
	assert_int_equal(test_effects(&out, "reminder_add"), 1);
	handler_out_clear(&out);

	/* a retry: the same check-in, nothing recorded again */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"),
	    TEST_DUE_STATE("ab-1", ""), 1, &out);
	assert_int_equal(out.n, 1);
	assert_null(out.effects);
	handler_out_clear(&out);

	/* reminded before (a replay): reminded again */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"),
	    TEST_DUE_STATE("ab-1", "reminded 1"), 0, &out);
	assert_int_equal(test_effects(&out, "reminder_add"), 1);
	handler_out_clear(&out);

	/* a counsellor the producer names, when on the roster, rides along */
	test_decide("followup.due", "fu-1", "{\"person\":{\"id\":\"p-1\"},"
	    "\"followup\":{\"kind\":\"d7\"},\"counsellor\":{\"id\":\"ab-2\"}}",
	    TEST_DUE_STATE("ab-1", ""), 0, &out);
	json_array_foreach(out.effects, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "reminder_add") == 0)
			assert_non_null(strstr(json_string_value(json_array_get(
			    e, 4)), "\"counsellor\":\"ab-2\""));
	}
	handler_out_clear(&out);
	test_decide("followup.due", "fu-1", "{\"person\":{\"id\":\"p-1\"},"
	    "\"followup\":{\"kind\":\"d7\"},\"counsellor\":{\"id\":\"xx-1\"}}",
	    TEST_DUE_STATE("ab-1", ""), 0, &out);
	json_array_foreach(out.effects, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "reminder_add") == 0)
			assert_null(strstr(json_string_value(json_array_get(e,
			    4)), "counsellor"));
	}
	handler_out_clear(&out);
}

/*
 * followup.reminders: one email per counsellor listing their follow-ups,
 * nothing for those gone, done or moved; what was listed is cleared once
 * every email is settled, and tomorrow's is scheduled if more came.
 */
static void
test_reminders_fn(void **state)
{
	static const char data[] = "{\"territory\":\"abitibi\","
	    "\"until\":\"1772460300000\"}";
	struct handler_out	 out;
	const json_t		*e, *list;
	size_t			 i;

	(void)state;
	test_decide("followup.reminders", "reminders-1772460300000-abitibi",
	    data, "{\"items\":["
	    "{\"pid\":\"p-1\",\"kind\":\"d7\",\"due_at\":\"2026-03-02T14:00:00Z\","
	    "\"counsellor\":\"ab-2\",\"first_name\":\"Amina\",\"last_name\":"
	    "\"Diallo\",\"email\":\"amina@example.com\"},"
	    "{\"pid\":\"p-2\",\"kind\":\"d30\",\"due_at\":\"2026-03-02T14:00:00Z\","
	    "\"counsellor\":\"ab-1\",\"first_name\":\"Li\"},"
	    "{\"pid\":\"p-3\",\"kind\":\"d7\",\"counsellor\":\"ab-2\","
	    "\"first_name\":\"Ana\"},"
	    "{\"pid\":\"p-4\",\"kind\":\"d7\",\"gone\":1},"
	    "{\"pid\":\"p-5\",\"kind\":\"d7\",\"done\":1}]}", 0, &out);
	/* roster order: Nadia (ab-1), then Marc (ab-2) */
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0].recipient_id, "ab-1");
	assert_string_equal(out.v[0].email, "nadia.gagnon@abitibi.example");
	assert_string_equal(out.v[0].language, "fr");
	assert_null(out.v[0].subject_id);
	assert_int_equal(json_integer_value(json_object_get(out.v[0].vars,
	    "count")), 1);
	list = json_object_get(out.v[0].vars, "followups");
	assert_int_equal(json_array_size(list), 1);
	assert_null(json_object_get(out.v[0].vars, "many"));
	assert_string_equal(out.v[1].recipient_id, "ab-2");
	list = json_object_get(out.v[1].vars, "followups");
	assert_int_equal(json_array_size(list), 2);
	assert_true(json_is_true(json_object_get(out.v[1].vars, "many")));
	test_json_equal(json_array_get(list, 0), "{\"followup\":{\"id\":\"d7\","
	    "\"kind\":\"7 jours\",\"due_at\":\"2026-03-02T14:00:00Z\"},"
	    "\"person\":{\"first_name\":\"Amina\",\"last_name\":\"Diallo\","
	    "\"email\":\"amina@example.com\"},\"data\":{},\"ref\":\"p-1\"}",
	    "first item");
	/* every item listed is cleared, the gone and done ones too */
	assert_int_equal(json_array_size(out.effects), 1);
	test_effect(&out, "!reminders_done", "[\"!reminders_done\",\"abitibi\","
	    "\"2026-03-02\",\"172800000\",\"1772546400000\","
	    "\"event 0 0 - {\\\"data\\\":{\\\"territory\\\":\\\"abitibi\\\","
	    "\\\"until\\\":\\\"1772546400000\\\"},\\\"id\\\":"
	    "\\\"reminders-1772546400000-abitibi\\\",\\\"source\\\":"
	    "\\\"relais\\\",\\\"specversion\\\":\\\"1.0\\\",\\\"type\\\":"
	    "\\\"followup.reminders\\\"}\",\"259200000\","
	    "\"p-1\",\"d7\",\"p-2\",\"d30\",\"p-3\",\"d7\",\"p-4\",\"d7\","
	    "\"p-5\",\"d7\"]");
	handler_out_clear(&out);

	/* nothing left to remind: no email, the list cleared all the same */
	test_decide("followup.reminders", "reminders-1772460300000-abitibi",
	    data, "{\"items\":[{\"pid\":\"p-4\",\"kind\":\"d7\","
	    "\"gone\":1}]}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_not_equal(out.note, "");
	json_array_foreach(out.effects, i, e)
		assert_int_equal(json_array_size(e), 9);
	handler_out_clear(&out);
	test_refused_type("followup.reminders", "{\"territory\":\"nowhere\","
	    "\"until\":\"1\"}", "unknown territory \"nowhere\" (removed "
	    "from the configuration since its follow-ups fell due?)");
	test_refused_type("followup.reminders", "{\"territory\":\"abitibi\"}",
	    "missing data.territory or data.until");
}

/* A posting: data.job, data.employer; closes_at as given. */
#define TEST_JOB(closes) \
	"{\"job\":{\"id\":\"j-1\",\"title\":\"Soudeur\",\"occupation\":" \
	"\"72106\",\"skills\":[\"Soudure\",\"Lecture de plans\"]," \
	"\"territory\":\"abitibi\"" closes "},\"employer\":{\"id\":\"e-1\"," \
	"\"name\":\"Mine X\",\"contact\":{\"name\":\"Luc\",\"email\":" \
	"\"rh@minex.example\",\"language\":\"en\",\"fax\":\"8195550000\"," \
	"\"notes\":{\"x\":1}}}}"

static void
test_posted_prepare(void **state)
{
	struct handler_state	 st;
	char			 want[32];

	(void)state;
	test_prepare("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-12-31\""), &st);
	assert_string_equal(st.fn, "posted");
	assert_int_equal(json_array_size(st.args), 7);
	assert_string_equal(test_arg(&st, 0), "j-1");
	test_arg_json(&st, 1, "{\"title\":\"Soudeur\",\"occupation\":\"72106\","
	    "\"skills_folded\":\"soudure,lecturedeplans\",\"skills\":"
	    "\"Soudure|Lecture de plans\",\"territory\":\"abitibi\","
	    "\"closes_at\":\"2026-12-31\"}");
	/* kept through its last day in Québec: until 1 January 05:00Z */
	snprintf(want, sizeof want, "%lld", (long long)(test_ms(
	    "2027-01-01T05:00:00Z") - TEST_NOW));
	assert_string_equal(test_arg(&st, 2), want);
	assert_string_equal(test_arg(&st, 3), "relais:mx:j:abitibi:7");
	assert_string_equal(test_arg(&st, 4), "e-1");
	/* the contact: what a message needs, nothing else */
	test_arg_json(&st, 5, "{\"name\":\"Luc\",\"email\":\"rh@minex.example\","
	    "\"language\":\"en\",\"employer_name\":\"Mine X\",\"territory\":"
	    "\"abitibi\"}");
	assert_string_equal(test_arg(&st, 6), "63072000");
	/* read as they are: the profiles indexed there, the employer's ledger */
	assert_int_equal(st.nreads, 2);
	assert_string_equal(st.reads[0], "relais:mx:p:abitibi:7");
	assert_string_equal(st.reads[1], "relais:announced:e-1");
	handler_state_clear(&st);
	assert_int_equal(st.nreads, 0);

	/* no closing date: kept as long as a profile */
	test_prepare("job.posted", "job-evt", TEST_JOB(""), &st);
	assert_string_equal(test_arg(&st, 2), "63072000000");
	handler_state_clear(&st);

	/* by municipality */
	test_prepare("job.posted", "job-evt", "{\"job\":{\"id\":\"j-2\","
	    "\"title\":\"Foreur\",\"occupation\":\"83101\",\"municipality\":"
	    "\"Val-d'Or\"},\"employer\":{\"id\":\"e-2\",\"contact\":{\"phone\":"
	    "\"+18195550100\"}}}", &st);
	assert_string_equal(test_arg(&st, 3), "relais:mx:j:vallee-de-l-or:8");
	assert_string_equal(st.reads[0], "relais:mx:p:vallee-de-l-or:8");
	assert_string_equal(st.reads[1], "relais:announced:e-2");
	test_arg_json(&st, 5, "{\"phone\":\"+18195550100\",\"employer_name\":"
	    "\"\",\"territory\":\"vallee-de-l-or\"}");
	handler_state_clear(&st);
}

static void
test_posted_refused(void **state)
{
	static const struct { const char *data, *reason; } v[] = {
		{ "{\"job\":{\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "missing data.job.id" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"contact\":"
		    "{\"email\":\"a@b.example\"}}}", "missing data.employer.id" },
		{ "{\"job\":{\"id\":\"j\",\"occupation\":\"72106\",\"territory\":"
		    "\"abitibi\"},\"employer\":{\"id\":\"e-1\",\"contact\":"
		    "{\"email\":\"a@b.example\"}}}", "missing data.job.title" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "missing data.job.title" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"7210\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "data.job.occupation must be a NOC 2021 code (five digits)" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"territory\":"
		    "\"abitibi\"},\"employer\":{\"id\":\"e-1\",\"contact\":"
		    "{\"email\":\"a@b.example\"}}}",
		    "data.job.occupation must be a NOC 2021 code (five digits)" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\"}}",
		    "data.employer.contact has neither email nor phone" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"name\":\"Luc\",\"email\":\"\"}}}",
		    "data.employer.contact has neither email nor phone" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"nowhere\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "data.job: unknown territory \"nowhere\"" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\"},"
		    "\"employer\":{\"id\":\"e-1\",\"contact\":{\"email\":"
		    "\"a@b.example\"}}}",
		    "data.job: missing data.territory or data.municipality" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\",\"closes_at\":\"soon\"},\"employer\":"
		    "{\"id\":\"e-1\",\"contact\":{\"email\":\"a@b.example\"}}}",
		    "data.job.closes_at \"soon\" is not a date" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\",\"closes_at\":\"+026-12-31\"},"
		    "\"employer\":{\"id\":\"e-1\",\"contact\":{\"email\":"
		    "\"a@b.example\"}}}",
		    "data.job.closes_at \"+026-12-31\" is not a date" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\",\"closes_at\":\"2026-02-30\"},"
		    "\"employer\":{\"id\":\"e-1\",\"contact\":{\"email\":"
		    "\"a@b.example\"}}}",
		    "data.job.closes_at \"2026-02-30\" is not a date" },
	};
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0 };
	struct handler_out	 out;
	struct envelope		 ev;
	char			 reason[256];
	size_t			 i;

	(void)state;
	ctx.cf = test_cf;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		test_prepare_refused("job.posted", v[i].data, v[i].reason);
		/* the decision refuses it the same way */
		memset(&out, 0, sizeof out);
		test_event("job.posted", "job-evt", v[i].data, &ev);
		assert_int_equal(handler_job_posted.fn(&ev, &ctx, NULL, &out,
		    reason, sizeof reason), -1);
		assert_string_equal(reason, v[i].reason);
		assert_int_equal(out.n, 0);
		envelope_clear(&ev);
	}
}

/*
 * What a posting reads beside its state function: the profiles' index
 * (person -> summary) and the employer's ledger (person -> the event that
 * announced them), as the queue hands them over.
 */
struct test_posted {
	struct handler_rows	 rows[2];
	const char		*v[16];
	size_t			 len[16];
	const char		*lv[6];
	size_t			 llen[6];
	char			*recs[8];
};

static void
test_posted_rows(struct test_posted *t)
{
	static const struct { const char *pid, *noc, *skills; } v[] = {
		{ "p-a", "72106", "[\"Soudure\",\"Lecture de plans\"]" }, /* 80 */
		{ "p-b", "72106", "[]" },				/* 60 */
		{ "p-c", "72101", "[\"SOUDURE\"]" },			/* 55 */
		{ "p-d", "72201", "[\"Soudure\"]" },			/* 35 */
		{ "p-e", "41200", "[\"Soudure\"]" },			/* 0 */
		{ "p-f", "72106", "[\"Soudure\"]" },	/* announced by another */
		{ "p-g", "72106", "[\"Soudure\"]" },	/* announced by this one */
		{ "p-h", NULL, NULL },			/* not a summary */
	};
	static const char *const ledger[] = { "p-g", "job-evt", "p-f",
	    "other-evt", "p-z", "other-evt" };
	json_t	*skills, *langs;
	size_t	 i;

	memset(t, 0, sizeof *t);
	langs = test_json("[\"fr\"]");
	for (i = 0; i < 8; i++) {
		if (v[i].noc != NULL) {
			skills = test_json(v[i].skills);
			t->recs[i] = match_record(v[i].noc, skills, "Ana", langs,
			    "2026-11");
			json_decref(skills);
		} else
			t->recs[i] = xstrdup("");
		t->v[2 * i] = v[i].pid;
		t->v[2 * i + 1] = t->recs[i];
		t->len[2 * i] = strlen(v[i].pid);
		t->len[2 * i + 1] = strlen(t->recs[i]);
	}
	json_decref(langs);
	for (i = 0; i < 6; i++) {
		t->lv[i] = ledger[i];
		t->llen[i] = strlen(ledger[i]);
	}
	t->rows[0].v = t->v;
	t->rows[0].len = t->len;
	t->rows[0].n = 8;
	t->rows[1].v = t->lv;
	t->rows[1].len = t->llen;
	t->rows[1].n = 3;
}

static void
test_posted_free(struct test_posted *t)
{
	size_t	i;

	for (i = 0; i < 8; i++)
		free(t->recs[i]);
}

/* The candidates' refs of an employer notification. */
static void
test_refs(const struct notification *n, const char *want)
{
	const json_t	*c;
	json_t		*refs = json_array();
	size_t		 i;

	json_array_foreach(json_object_get(n->vars, "candidates"), i, c)
		json_array_append_new(refs, json_string(json_string_value(
		    json_object_get(c, "ref"))));
	test_json_equal(refs, want, "candidates");
	json_decref(refs);
}

static void
test_posted_fn(void **state)
{
	struct test_posted	 t;
	struct handler_rows	 one[2];
	const char		*v[2];
	size_t			 len[2];
	struct handler_out	 out;
	struct notification	*n;
	json_t			*st, *c;
	const json_t		*x;
	size_t			 i;
	long			 max;

	(void)state;
	test_posted_rows(&t);
	st = test_json("{\"stored\":1}");
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-12-31\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 1);
	n = &out.v[0];
	assert_string_equal(n->role, "employer");
	assert_string_equal(n->recipient_id, "e-1");
	assert_string_equal(n->email, "rh@minex.example");
	assert_null(n->phone);
	assert_string_equal(n->language, "en");
	assert_int_equal(n->consent_email, 1);
	assert_string_equal(n->territory->id, "abitibi");
	/* best first (80, 70, 60, 55), this event's own announcements kept */
	test_refs(n, "[\"p-a\",\"p-g\",\"p-b\",\"p-c\"]");
	assert_int_equal(json_integer_value(json_object_get(n->vars, "count")),
	    4);
	test_var(n->vars, "job.title", "Soudeur");
	test_var(n->vars, "employer.name", "Mine X");
	c = json_array_get(json_object_get(n->vars, "candidates"), 0);
	test_var(c, "first_name", "Ana");
	test_var(c, "arrival_month", "November 2026");
	test_json_equal(json_object_get(c, "languages"), "[\"French\"]",
	    "languages");
	test_json_equal(json_object_get(c, "skills"), "[\"Soudure\","
	    "\"Lecture de plans\"]", "skills");
	/* summaries, never contact details */
	json_array_foreach(json_object_get(n->vars, "candidates"), i, x) {
		assert_null(json_object_get(x, "email"));
		assert_null(json_object_get(x, "phone"));
	}
	/* the ledger: each announced once, by this event */
	assert_int_equal(json_array_size(out.effects), 2);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\"job-evt\","
	    "\"p-a\",\"p-g\",\"p-b\",\"p-c\"]");
	test_stat(&out, "abitibi:employer_alerts");
	handler_out_clear(&out);

	/* max_candidates: only those shown are announced */
	max = test_cf->matching.max_candidates;
	test_cf->matching.max_candidates = 2;
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    0, &out);
	test_cf->matching.max_candidates = max;
	assert_int_equal(out.n, 1);
	test_refs(&out.v[0], "[\"p-a\",\"p-g\"]");
	assert_int_equal(json_integer_value(json_object_get(out.v[0].vars,
	    "count")), 2);
	/* the message says how many more fit */
	assert_int_equal(json_integer_value(json_object_get(out.v[0].vars,
	    "more")), 2);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\"job-evt\","
	    "\"p-a\",\"p-g\"]");
	handler_out_clear(&out);

	/* closed or changed by a newer event: no alert, first time or retry */
	c = test_json("{\"stored\":0,\"closed\":1}");
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), c, t.rows, 2,
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	handler_out_clear(&out);
	json_decref(c);
	c = test_json("{\"stored\":0,\"retry\":1}");
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), c, t.rows, 2,
	    1, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	handler_out_clear(&out);
	json_decref(c);

	/* a retry: the same candidates, the ledger again, not the count */
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    1, &out);
	assert_int_equal(out.n, 1);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\"job-evt\","
	    "\"p-a\",\"p-g\",\"p-b\",\"p-c\"]");
	assert_int_equal(test_effects(&out, "stat"), 0);
	handler_out_clear(&out);

	/* open through its last day (local): today still alerts */
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-03-02\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 1);
	handler_out_clear(&out);
	/* closed already: no alert, nothing recorded */
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-03-01\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "posting closed already: no alert");
	handler_out_clear(&out);
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-03-02T13:59:59Z\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	handler_out_clear(&out);

	/* nobody fits */
	t.rows[0].v = t.v + 8;		/* p-e, p-f, ...: 0, then announced */
	t.rows[0].len = t.len + 8;
	t.rows[0].n = 2;
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "no stored profile fits (2 compared)");
	handler_out_clear(&out);
	/* no profile indexed, no ledger */
	t.rows[0].n = 0;
	t.rows[1].n = 0;
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "no stored profile fits (0 compared)");
	handler_out_clear(&out);
	test_posted_free(&t);
	/* a preview, or a state without its reads */
	test_decide("job.posted", "job-evt", TEST_JOB(""), NULL, 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	handler_out_clear(&out);
	test_decide_json("job.posted", "job-evt", TEST_JOB(""), st, 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	handler_out_clear(&out);

	/* a contact without a language: the territory's (French) */
	v[0] = "p-1";
	v[1] = "72106\t\tAna\t\tfr,en\t2026-11";
	len[0] = strlen(v[0]);
	len[1] = strlen(v[1]);
	one[0].v = v;
	one[0].len = len;
	one[0].n = 1;
	one[1].v = v;
	one[1].len = len;
	one[1].n = 0;
	test_decide_rows("job.posted", "job-evt", "{\"job\":{\"id\":\"j-1\","
	    "\"title\":\"Soudeur\",\"occupation\":\"72106\",\"territory\":"
	    "\"abitibi\"},\"employer\":{\"id\":\"e-1\",\"contact\":{\"phone\":"
	    "\"+18195550100\"}}}", st, one, 2, 0, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].language, "fr");
	assert_null(out.v[0].email);
	assert_string_equal(out.v[0].phone, "+18195550100");
	c = json_array_get(json_object_get(out.v[0].vars, "candidates"), 0);
	test_json_equal(json_object_get(c, "languages"), "[\"fran\\u00e7"
	    "ais\",\"anglais\"]", "languages");
	test_var(c, "arrival_month", "novembre 2026");
	/* the title in the reader's language (NOC 2021, shipped) */
	test_var(c, "occupation_label", "Soudeurs/soudeuses et op\xc3\xa9rateurs/"
	    "op\xc3\xa9ratrices de machines \xc3\xa0 souder et \xc3\xa0 braser");
	handler_out_clear(&out);
	json_decref(st);
}

/* What S.digest answers for e-1: its contact and the waiting matches. */
static json_t *
test_digest_state(const char *contact, const char *const *by, size_t n)
{
	static const struct { const char *pid, *jid, *noc, *title; } v[] = {
		{ "p-a", "j-1", "72106", "Soudeur" },
		{ "p-b", "j-2", "83101", "Foreur" },
		{ "p-c", "j-1", "72106", "Soudeur" },
		{ "p-d", "j-3", NULL, "M\xc3\xa9" "canicien" },	/* gone */
		{ "p-e", "j-4", "72106", "" },			/* closed */
		{ "p-f", "j-1", "72106", "Soudeur" },
	};
	json_t	*items, *st;
	char	*rec;
	size_t	 i;

	items = json_array();
	for (i = 0; i < sizeof v / sizeof *v && i < n; i++) {
		rec = v[i].noc != NULL ? match_record(v[i].noc, NULL, "Ana",
		    NULL, "2026-11") : NULL;
		json_array_append_new(items, json_pack("[s, s, s, s, s]",
		    v[i].pid, v[i].jid, rec != NULL ? rec : "", v[i].title,
		    by[i]));
		free(rec);
	}
	st = json_pack("{s:o, s:o}", "contact", test_json(contact), "items",
	    items);
	assert_non_null(st);
	return st;
}

#define TEST_CONTACT \
	"{\"name\":\"Luc\",\"email\":\"rh@minex.example\",\"language\":\"fr\"," \
	"\"employer_name\":\"Mine X\",\"territory\":\"abitibi\"}"
#define TEST_DIGEST_ID	"digest-1772460000000-e-1"

/* The digest_done effect of e-1 clearing persons (a JSON array text). */
static void
test_digest_done(const struct handler_out *out, const char *persons)
{
	json_t	*want, *p;
	char	*member;

	member = match_digest_member("e-1", TEST_NOW + 3600000);
	/* "!": applied once the message is settled, not before a retry */
	want = json_pack("[s, s, s, s, s]", "!digest_done", "e-1",
	    "1772463600000", member, "3600000");
	p = test_json(persons);
	json_array_extend(want, p);
	test_effect_same(out, "!digest_done", want);
	json_decref(p);
	json_decref(want);
	free(member);
}

static void
test_digest(void **state)
{
	static const char *const fresh[] = { "", TEST_DIGEST_ID, "job-evt", "",
	    "", "" };
	static const char *const others[] = { "x", "y", "z", "x", "y", "z" };
	struct handler_state	 st;
	struct handler_out	 out;
	struct notification	*n;
	struct envelope		 ev;
	json_t			*s;
	char			*member, reason[256];
	long			 max;

	(void)state;
	/* prepare, on the event relais schedules itself */
	memset(&st, 0, sizeof st);
	member = match_digest_member("e-1", TEST_NOW);
	assert_int_equal(envelope_parse(member + 12, strlen(member + 12),
	    NULL, &ev, reason, sizeof reason), 0);
	free(member);
	{
		struct handler_ctx ctx = { NULL, TEST_NOW, 0, NULL, 0 };

		ctx.cf = test_cf;
		assert_int_equal(handler_find(ev.type)->prepare(&ev, &ctx, &st,
		    reason, sizeof reason), 0);
	}
	envelope_clear(&ev);
	assert_string_equal(st.fn, "digest");
	test_json_equal(st.args, "[\"e-1\",\"" TEST_DIGEST_ID "\"]",
	    "digest arguments");
	handler_state_clear(&st);
	test_prepare_refused("match.digest", "{\"employer\":{}}",
	    "missing data.employer.id");

	/* p-c went out with another event; p-d, p-e no longer can */
	s = test_digest_state(TEST_CONTACT, fresh, 6);
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	assert_int_equal(out.n, 1);
	n = &out.v[0];
	assert_string_equal(n->role, "employer");
	assert_string_equal(n->recipient_id, "e-1");
	assert_string_equal(n->email, "rh@minex.example");
	assert_string_equal(n->language, "fr");
	assert_string_equal(n->territory->id, "abitibi");
	test_refs(n, "[\"p-a\",\"p-b\",\"p-f\"]");
	assert_int_equal(json_integer_value(json_object_get(n->vars, "count")),
	    3);
	assert_true(json_is_true(json_object_get(n->vars, "digest")));
	test_var(n->vars, "job.title", "Soudeur, Foreur");
	test_var(n->vars, "employer.id", "e-1");
	test_var(n->vars, "employer.name", "Mine X");
	test_var(n->vars, "employer.contact.email", "rh@minex.example");
	test_var(json_array_get(json_object_get(n->vars, "candidates"), 1),
	    "job_title", "Foreur");
	test_var(json_array_get(json_object_get(n->vars, "candidates"), 0),
	    "arrival_month", "novembre 2026");
	assert_int_equal(json_array_size(out.effects), 3);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\""
	    TEST_DIGEST_ID "\",\"p-a\",\"p-b\",\"p-f\"]");
	test_stat(&out, "abitibi:employer_alerts");
	/* every item handled is cleared, sent or not (once settled) */
	test_digest_done(&out, "[\"p-a\",\"p-b\",\"p-c\",\"p-d\",\"p-e\","
	    "\"p-f\"]");
	handler_out_clear(&out);

	/* a retry: same message, ledger and clearing again, no count */
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 1, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(test_effects(&out, "announce"), 1);
	assert_int_equal(test_effects(&out, "stat"), 0);
	assert_int_equal(test_effects(&out, "!digest_done"), 1);
	handler_out_clear(&out);

	/* max_candidates bounds the message */
	max = test_cf->matching.max_candidates;
	test_cf->matching.max_candidates = 1;
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	test_cf->matching.max_candidates = max;
	test_refs(&out.v[0], "[\"p-a\"]");
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\""
	    TEST_DIGEST_ID "\",\"p-a\"]");
	/* the others wait for the next digest */
	test_digest_done(&out, "[\"p-a\"]");
	handler_out_clear(&out);
	json_decref(s);

	/* all announced by other events: no message, still cleared */
	s = test_digest_state(TEST_CONTACT, others, 6);
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "nothing left to announce to this "
	    "employer");
	assert_int_equal(json_array_size(out.effects), 1);
	test_digest_done(&out, "[\"p-a\",\"p-b\",\"p-c\",\"p-d\",\"p-e\","
	    "\"p-f\"]");
	handler_out_clear(&out);
	json_decref(s);

	/* the employer's contact expired: nobody to tell, still cleared */
	s = test_digest_state("{}", fresh, 2);
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	assert_int_equal(out.n, 0);
	test_digest_done(&out, "[\"p-a\",\"p-b\"]");
	handler_out_clear(&out);
	json_decref(s);

	/* nothing waiting (an empty Lua table is {}) */
	test_decide("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", "{\"contact\":" TEST_CONTACT ",\"items\":{}}",
	    0, &out);
	assert_int_equal(out.n, 0);
	test_digest_done(&out, "[]");
	handler_out_clear(&out);
}

static void
test_done(void **state)
{
	struct handler_state	st;
	struct handler_out	out;
	const char		*data;

	(void)state;
	data = "{\"person\":{\"id\":\"p-1\"},\"followup\":{\"kind\":\"d30\"}}";
	test_prepare("followup.done", "done-1", data, &st);
	assert_string_equal(st.fn, "done");
	test_json_equal(st.args, "[\"p-1\",\"d30\",\"1772460000000\"]",
	    "done arguments");
	handler_state_clear(&st);
	test_prepare_refused("followup.done", "{\"person\":{\"id\":\"p-1\"}}",
	    "missing data.followup.kind");
	test_prepare_refused("followup.done", "{\"followup\":{\"kind\":"
	    "\"d30\"}}", "missing data.person.id");

	test_decide("followup.done", "done-1", data, "{\"territory\":"
	    "\"abitibi\",\"was\":\"\"}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "follow-up d30 marked done");
	assert_int_equal(json_array_size(out.effects), 1);
	test_stat(&out, "abitibi:followups_done");
	handler_out_clear(&out);
	/* done after its reminder: counted */
	test_decide("followup.done", "done-1", data, "{\"territory\":"
	    "\"abitibi\",\"was\":\"reminded 1772400000000\"}", 0, &out);
	test_stat(&out, "abitibi:followups_done");
	handler_out_clear(&out);
	/* done twice: counted once */
	test_decide("followup.done", "done-1", data, "{\"territory\":"
	    "\"abitibi\",\"was\":\"done 1772400000000\"}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "follow-up d30 marked done");
	handler_out_clear(&out);
	test_decide("followup.done", "done-1", data, "{\"missing\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "person unknown: nothing to mark");
	handler_out_clear(&out);
}

static void
test_departed(void **state)
{
	struct handler_state	st;
	struct handler_out	out;
	const char		*data;

	(void)state;
	data = "{\"person\":{\"id\":\"p-1\"}}";
	test_prepare("newcomer.departed", "dep-1", data, &st);
	assert_string_equal(st.fn, "departed");
	test_json_equal(st.args, "[\"p-1\"]", "departed arguments");
	handler_state_clear(&st);
	test_prepare_refused("newcomer.departed", "{\"person\":{}}",
	    "missing data.person.id");

	test_decide("newcomer.departed", "dep-1", data, "{\"territory\":"
	    "\"abitibi\",\"cancelled\":3,\"already\":0}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "departed: 3 follow-up(s) cancelled, "
	    "matching stopped");
	assert_int_equal(json_array_size(out.effects), 1);
	test_stat(&out, "abitibi:departures");
	handler_out_clear(&out);
	test_decide("newcomer.departed", "dep-1", data, "{\"territory\":"
	    "\"abitibi\",\"cancelled\":0,\"already\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "departed: 0 follow-up(s) cancelled, "
	    "matching stopped");
	handler_out_clear(&out);
	test_decide("newcomer.departed", "dep-1", data, "{\"missing\":1}", 0,
	    &out);
	assert_null(out.effects);
	assert_string_equal(out.note, "person unknown: nothing to cancel");
	handler_out_clear(&out);
}

static void
test_closed(void **state)
{
	struct handler_state	st;
	struct handler_out	out;
	const char		*data;

	(void)state;
	data = "{\"job\":{\"id\":\"j-1\"}}";
	test_prepare("job.closed", "cl-1", data, &st);
	assert_string_equal(st.fn, "closed");
	test_json_equal(st.args, "[\"j-1\",\"63072000\"]",
	    "closed arguments (the closing is kept as long as a person)");
	handler_state_clear(&st);
	test_prepare_refused("job.closed", "{\"job\":{\"id\":\"\"}}",
	    "missing data.job.id");

	test_decide("job.closed", "cl-1", data, "{\"closed\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_null(out.effects);
	assert_string_equal(out.note, "posting closed");
	handler_out_clear(&out);
	test_decide("job.closed", "cl-1", data, "{\"closed\":0}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "posting unknown or closed already");
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
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_arrived_prepare),
		cmocka_unit_test(test_arrived_prepare_matching),
		cmocka_unit_test(test_arrived_prepare_eligible),
		cmocka_unit_test(test_arrived_prepare_late),
		cmocka_unit_test(test_arrived_refused),
		cmocka_unit_test(test_arrived_fn),
		cmocka_unit_test(test_arrived_fn_matches),
		cmocka_unit_test(test_due_prepare),
		cmocka_unit_test(test_due_fn),
		cmocka_unit_test(test_reminders_fn),
		cmocka_unit_test(test_posted_prepare),
		cmocka_unit_test(test_posted_refused),
		cmocka_unit_test(test_posted_fn),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_departed),
		cmocka_unit_test(test_closed),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
