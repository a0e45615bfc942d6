/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for plan.c: routes, consent, fallback channels, dates, SMS limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "jarena.h"
#include "plan.h"
#include "territory.h"
#include "tz.h"
#include "words.h"

/* A config in a temporary directory, with the templates of tdir. */
static struct config *
test_config_in(const char *routes, const char *tdir)
{
	char		 dir[] = "/tmp/relais-plan-XXXXXX", path[PATH_MAX];
	struct config	*cf;
	struct diag	 d;
	FILE		*f;
	size_t		 i;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/relais.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "gateways:\n  out: { kind: outbox, path: o }\n"
	    "  out2: { kind: outbox, path: o2 }\n"
	    "templates: { dir: %s }\n"
	    "territories:\n"
	    "  t1:\n"
	    "    name: { fr: T Un, en: T One }\n"
	    "    email: { from: t1@example.org, name: T1 }\n"
	    "    sms: { from: \"+18195550100\" }\n"
	    "    municipalities: [Amos]\n"
	    "%s", tdir, routes);
	fclose(f);
	diag_init(&d);
	cf = config_load(path, &d);
	for (i = 0; i < d.n; i++)
		print_message("diag: %s\n", d.msgs[i]);
	diag_free(&d);
	unlink(path);
	rmdir(dir);
	assert_non_null(cf);
	return cf;
}

/* ... using the shipped templates. */
static struct config *
test_config(const char *routes)
{
	char	cwd[PATH_MAX], tdir[PATH_MAX + 32];

	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(tdir, sizeof tdir, "%s/config/templates", cwd);
	return test_config_in(routes, tdir);
}

static void
test_plan_event(const struct config *cf, const char *person, struct plan *p,
    struct envelope *env)
{
	struct handler_ctx	ctx;
	char			json[4096], reason[256];

	snprintf(json, sizeof json, "{\"specversion\":\"1.0\",\"id\":\"e1\","
	    "\"source\":\"s\",\"type\":\"newcomer.arrived\",\"data\":{\"person\":"
	    "{\"id\":\"p1\",%s%s},\"municipality\":\"Amos\","
	    "\"arrival_date\":\"2026-12-01\"}}", strstr(person, "first_name") ?
	    "" : "\"first_name\":\"Ana\",", person);
	assert_int_equal(envelope_parse(json, strlen(json), NULL, env, reason,
	    sizeof reason), 0);
	memset(&ctx, 0, sizeof ctx);
	ctx.cf = cf;
	if (plan_build(&ctx, env, NULL, p, reason, sizeof reason) == -1)
		fail_msg("plan_build: %s", reason);
}

#define TEST_ROUTES_BOTH \
	"routes:\n" \
	"  - { match: { channel: email }, gateways: out, template: welcome }\n" \
	"  - { match: { channel: sms }, gateways: out, template: welcome }\n"

static void
test_both_channels(void **state)
{
	struct config	*cf = test_config(TEST_ROUTES_BOTH);
	struct envelope	 env;
	struct plan	 p;

	(void)state;
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"phone\":"
	    "\"(819) 555-0123\",\"consent\":{\"email\":true,\"sms\":true}",
	    &p, &env);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].status, PLAN_SEND);
	assert_int_equal(p.v[1].status, PLAN_SEND);
	assert_string_equal(p.v[1].to, "+18195550123");
	assert_string_equal(p.v[1].encoding, "gsm7");
	assert_int_equal(p.v[1].segments, 1);
	assert_string_equal(p.v[0].from, "t1@example.org");
	plan_clear(&p);
	envelope_clear(&env);

	/* no consent to SMS: recorded as a skip */
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"phone\":"
	    "\"+18195550123\",\"consent\":{\"email\":true}", &p, &env);
	assert_int_equal(p.v[1].status, PLAN_SKIP);
	assert_string_equal(p.v[1].reason, "no consent to SMS");
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* "819-555-0123" and "+18195550123" are one recipient: one key. */
static void
test_key_normalised(void **state)
{
	struct config	*cf = test_config(TEST_ROUTES_BOTH);
	struct envelope	 env;
	struct plan	 p;
	char		 key[IDKEY_LEN + 1];

	(void)state;
	test_plan_event(cf, "\"phone\":\"819-555-0123\",\"consent\":"
	    "{\"sms\":true}", &p, &env);
	assert_int_equal(p.n, 1);
	snprintf(key, sizeof key, "%s", p.v[0].key);
	plan_clear(&p);
	envelope_clear(&env);
	test_plan_event(cf, "\"phone\":\"+18195550123\",\"consent\":"
	    "{\"sms\":true}", &p, &env);
	assert_string_equal(p.v[0].key, key);
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* A fallback route serves its channel only when no other one reaches them. */
static void
test_fallback(void **state)
{
	struct config	*cf = test_config("routes:\n"
	    "  - { match: { channel: email }, gateways: out, template: welcome }\n"
	    "  - { match: { channel: sms }, gateways: out, template: welcome, "
	    "fallback: true }\n");
	struct envelope	 env;
	struct plan	 p;

	(void)state;
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"phone\":"
	    "\"+18195550123\",\"consent\":{\"email\":true,\"sms\":true}",
	    &p, &env);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].status, PLAN_SEND);
	assert_int_equal(p.v[1].status, PLAN_SKIP);
	assert_string_equal(p.v[1].reason, "fallback channel: reached by email");
	plan_clear(&p);
	envelope_clear(&env);
	/* no consent to email: the SMS goes */
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"phone\":"
	    "\"+18195550123\",\"consent\":{\"sms\":true}", &p, &env);
	assert_int_equal(p.v[0].status, PLAN_SKIP);
	assert_int_equal(p.v[1].status, PLAN_SEND);
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* send: false says a channel is not used: recorded as a skip, not a DLQ. */
static void
test_send_false(void **state)
{
	struct config	*cf = test_config("routes:\n"
	    "  - { match: { channel: email }, gateways: out, template: welcome }\n"
	    "  - { match: { channel: sms }, send: false }\n");
	struct envelope	 env;
	struct plan	 p;

	(void)state;
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"phone\":"
	    "\"+18195550123\",\"consent\":{\"email\":true,\"sms\":true}",
	    &p, &env);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].status, PLAN_SEND);
	assert_int_equal(p.v[1].status, PLAN_SKIP);
	assert_string_equal(p.v[1].reason, "the route says send: false");
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* continue: a second route adds a delivery; the same message twice goes once. */
static void
test_continue_and_sender(void **state)
{
	struct config	*cf = test_config("routes:\n"
	    "  - { match: { channel: email }, gateways: out, template: welcome, "
	    "continue: true }\n"
	    "  - { match: { channel: email }, gateways: out2, template: checkin, "
	    "from: copie@example.org, continue: true }\n"
	    "  - { match: { channel: email }, gateways: out, template: welcome }\n");
	struct envelope	 env;
	struct plan	 p;

	(void)state;
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"consent\":"
	    "{\"email\":true}", &p, &env);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].template, "welcome");
	assert_string_equal(p.v[1].template, "checkin");
	assert_string_equal(p.v[1].from, "copie@example.org");
	assert_string_equal(p.v[1].route->gateways[0], "out2");
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* An SMS longer than the route allows is dead-lettered, not billed. */
static void
test_max_segments(void **state)
{
	struct config	*cf = test_config("routes:\n"
	    "  - { match: { channel: sms }, gateways: out, template: welcome, "
	    "max_segments: 1 }\n");
	struct envelope	 env;
	struct plan	 p;
	char		 person[1024], name[600];

	(void)state;
	memset(name, 'a', 400);
	name[400] = '\0';
	snprintf(person, sizeof person, "\"phone\":\"+18195550123\","
	    "\"consent\":{\"sms\":true},\"first_name\":\"%s\"", name);
	test_plan_event(cf, person, &p, &env);
	assert_int_equal(p.v[0].status, PLAN_DEAD);
	assert_non_null(strstr(p.v[0].reason, "segments"));
	assert_non_null(strstr(p.v[0].reason, "the route allows 1"));
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* The shipped words.yaml, as config_load reads them (tests run at the top). */
static struct words *
test_words(void)
{
	static char	 fr[] = "fr", en[] = "en";
	char *const	 langs[] = { fr, en };
	struct words	*w;
	struct diag	 d;

	diag_init(&d);
	w = words_load("config/templates", langs, 2, &d);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	assert_non_null(w);
	return w;
}

static void
test_dates(void **state)
{
	struct words	*w = test_words();
	struct tz	*tz;
	char		 out[64], err[128];

	(void)state;
	assert_int_equal(plan_date_long("2026-11-25", NULL, w, "fr", out,
	    sizeof out), 0);
	assert_string_equal(out, "25 novembre 2026");
	assert_int_equal(plan_date_long("2026-12-01", NULL, w, "fr", out,
	    sizeof out), 0);
	assert_string_equal(out, "1er décembre 2026");
	assert_int_equal(plan_date_long("2026-08-01", NULL, w, "en", out,
	    sizeof out), 0);
	assert_string_equal(out, "August 1, 2026");
	assert_int_equal(plan_date_long("Amos", NULL, w, "fr", out, sizeof out), -1);
	assert_int_equal(plan_date_long("2026-13-01", NULL, w, "fr", out,
	    sizeof out), -1);
	/* no such day, as a date or as an instant's date */
	assert_int_equal(plan_date_long("2026-02-30", NULL, w, "fr", out,
	    sizeof out), -1);
	assert_int_equal(plan_date_long("2026-04-31T10:00:00Z", NULL, w, "fr",
	    out, sizeof out), -1);
	assert_int_equal(plan_date_long("2024-02-29", NULL, w, "fr", out,
	    sizeof out), 0);
	assert_string_equal(out, "29 février 2024");
	/* 03:00 UTC on the 26th is still the 25th in Abitibi */
	assert_non_null(tz = tz_load("America/Toronto", err, sizeof err));
	assert_int_equal(plan_date_long("2026-11-26T03:00:00Z", tz, w, "fr", out,
	    sizeof out), 0);
	assert_string_equal(out, "25 novembre 2026");
	assert_int_equal(plan_date_long("2026-11-26T06:00:00Z", tz, w, "en", out,
	    sizeof out), 0);
	assert_string_equal(out, "November 26, 2026");
	tz_free(tz);
	/* a language without words: the ISO date, never another's words */
	assert_int_equal(plan_date_long("2026-12-01", NULL, w, "de", out,
	    sizeof out), 0);
	assert_string_equal(out, "2026-12-01");
	assert_int_equal(plan_date_long("2026-12-01", NULL, NULL, "fr", out,
	    sizeof out), 0);
	assert_string_equal(out, "2026-12-01");
	words_free(w);
}

/* The welcome's variables carry the date written the Québec way. */
static void
test_date_variable(void **state)
{
	struct config	*cf = test_config(TEST_ROUTES_BOTH);
	struct envelope	 env;
	struct plan	 p;

	(void)state;
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"consent\":"
	    "{\"email\":true}", &p, &env);
	assert_int_equal(p.v[0].status, PLAN_SEND);
	/*
	 * the envelope's own data is left alone: derived names are made at
	 * the lookup, territory and lang set in the handler's variables
	 */
	assert_null(json_object_get(env.data, "arrival_date_long"));
	assert_null(json_object_get(env.data, "lang"));
	assert_null(json_object_get(env.data, "territory"));
	assert_string_equal(json_string_value(json_object_get(p.out.v[0].vars,
	    "lang")), "fr");
	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
}

/* A derived value as a string, or NULL; freed with the next call. */
static const char *
test_derived(const json_t *o, const char *name, const struct words *w,
    const char *lang)
{
	static json_t	*last;

	json_decref(last);
	last = plan_derive(o, name, NULL, w, lang);
	return last != NULL ? json_string_value(last) : NULL;
}

/* The derived variables, in both languages, made only when asked. */
static void
test_derive(void **state)
{
	static const char *const lists[][3] = {
		{ "[]", "", "" },
		{ "[\"courriel\"]", "courriel", "courriel" },
		{ "[\"courriel\", \"texto\"]", "courriel et texto",
		    "courriel and texto" },
		{ "[\"a\", \"b\", \"c\"]", "a, b et c", "a, b and c" },
	};
	struct words	*w = test_words();
	json_t		*v, *p;
	json_error_t	 je;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		v = json_pack("{s:o}", "channels", json_loads(lists[i][0], 0,
		    &je));
		assert_string_equal(test_derived(v, "channels_text", w, "fr"),
		    lists[i][1]);
		assert_string_equal(test_derived(v, "channels_text", w, "en"),
		    lists[i][2]);
		json_decref(v);
	}
	/* not a list of strings, not a name it derives, not an object */
	v = json_loads("{\"items\": [{\"a\": 1}], \"mixed\": [\"a\", \"\"],"
	    "\"day\": \"2026-11-25\", \"phone\": \"2026-11-25\"}", 0, &je);
	assert_null(test_derived(v, "items_text", w, "fr"));
	assert_null(test_derived(v, "mixed_text", w, "fr"));
	assert_null(test_derived(v, "absent_text", w, "fr"));
	assert_null(test_derived(v, "_text", w, "fr"));
	assert_null(test_derived(v, "day_text", w, "fr"));
	assert_null(test_derived(v, "day", w, "fr"));
	assert_null(test_derived(v, "full_name", w, "fr"));
	assert_null(test_derived(json_object_get(v, "items"), "items_text", w,
	    "fr"));
	/* a date, written out; a phone is never a date */
	assert_string_equal(test_derived(v, "day_long", w, "fr"),
	    "25 novembre 2026");
	assert_string_equal(test_derived(v, "day_long", w, "en"),
	    "November 25, 2026");
	assert_null(test_derived(v, "phone_long", w, "fr"));
	assert_null(test_derived(v, "items_long", w, "fr"));
	json_decref(v);

	/* names without a dangling space, phones as Québec writes them */
	v = json_loads("{\"person\": {\"first_name\": \"Sof\u00eda\","
	    "\"last_name\": \"\", \"phone\": \"+18195550131\"},"
	    "\"counsellor\": {\"first_name\": \"Nadia\", \"last_name\":"
	    "\"Gagnon\", \"phone\": \"+33142685300\"},"
	    "\"others\": [{\"last_name\": \"Roy\"}]}", 0, &je);
	assert_non_null(v);
	p = json_object_get(v, "person");
	assert_string_equal(test_derived(p, "full_name", w, "fr"),
	    "Sof\xc3\xad" "a");
	assert_string_equal(test_derived(p, "phone_display", w, "fr"),
	    "819 555-0131");
	p = json_object_get(v, "counsellor");
	assert_string_equal(test_derived(p, "full_name", w, "fr"),
	    "Nadia Gagnon");
	assert_string_equal(test_derived(p, "phone_display", w, "fr"),
	    "+33142685300");
	assert_string_equal(test_derived(json_array_get(json_object_get(v,
	    "others"), 0), "full_name", w, "fr"), "Roy");
	assert_null(test_derived(v, "phone_display", w, "fr"));
	json_decref(v);
	/* a language without words joins with commas */
	v = json_loads("{\"channels\": [\"a\", \"b\", \"c\"]}", 0, &je);
	assert_string_equal(test_derived(v, "channels_text", w, "de"),
	    "a, b, c");
	json_decref(v);
	test_derived(NULL, "", w, "fr");
	words_free(w);
}

static void
test_write(const char *dir, const char *name, const char *text)
{
	char	path[PATH_MAX * 2];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
test_unlink(const char *dir, const char *name)
{
	char	path[PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

#define TEST_DATES	20	/* more than a message keeps derived */
#define TEST_LONG_NAME	"a_date_whose_name_is_longer_than_what_is_kept"

/*
 * A derived name asked again in the same message (in its subject, text
 * and HTML; in a section and its body; past the number of values a
 * message keeps; one too long to be kept) gives the same text each time.
 */
static void
test_derived_again(void **state)
{
	static const char *const langs[] = { "fr", "en" }, *const parts[] = {
	    "welcome.subject.mustache", "welcome.txt.mustache",
	    "welcome.html.mustache", "words.yaml" };
	char		 tdir[] = "/tmp/relais-tpl-XXXXXX", sub[PATH_MAX];
	char		 date[32], out[64], first[64], reason[256], *words;
	struct words	*w = test_words();
	struct buf	 body, want, ev;
	struct config	*cf;
	struct envelope	 env;
	struct plan	 p;
	struct handler_ctx ctx;
	size_t		 l, i, pass, len;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(tdir));
	buf_init(&body);
	buf_init(&want);
	buf_init(&ev);
	buf_puts(&ev, "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":"
	    "\"s\",\"type\":\"newcomer.arrived\",\"data\":{\"person\":{\"id\":"
	    "\"p1\",\"first_name\":\"Ana\",\"email\":\"ana@example.com\","
	    "\"consent\":{\"email\":true}},\"municipality\":\"Amos\","
	    "\"arrival_date\":\"2026-12-01\",\"" TEST_LONG_NAME "\":"
	    "\"2026-02-28\"");
	for (pass = 0; pass < 2; pass++) {
		buf_puts(&body, "{{#data}}");
		for (i = 0; i < TEST_DATES; i++) {
			buf_printf(&body, "{{d%02zu_long}} ", i);
			snprintf(date, sizeof date, "2026-01-%02zu", i + 1);
			if (pass == 0)
				buf_printf(&ev, ",\"d%02zu\":\"%s\"", i, date);
			assert_int_equal(plan_date_long(date, NULL, w, "fr", out,
			    sizeof out), 0);
			buf_printf(&want, "%s ", out);
			if (i == 0)
				snprintf(first, sizeof first, "%s", out);
		}
		buf_puts(&body, "{{" TEST_LONG_NAME "_long}}{{/data}}\n");
		assert_int_equal(plan_date_long("2026-02-28", NULL, w, "fr", out,
		    sizeof out), 0);
		buf_printf(&want, "%s\n", out);
	}
	buf_puts(&ev, "}}");
	buf_puts(&body, "{{#data.d00_long}}[{{data.d00_long}}]"
	    "{{/data.d00_long}}");
	buf_printf(&want, "[%s]", first);

	for (l = 0; l < 2; l++) {
		snprintf(sub, sizeof sub, "%s/%s", tdir, langs[l]);
		assert_int_equal(mkdir(sub, 0700), 0);
		test_write(sub, parts[0], "{{data.d00_long}}");
		test_write(sub, parts[1], body.data);
		test_write(sub, parts[2], body.data);
		snprintf(sub, sizeof sub, "config/templates/%s/words.yaml",
		    langs[l]);
		assert_non_null(f = fopen(sub, "r"));
		snprintf(sub, sizeof sub, "%s/%s", tdir, langs[l]);
		words = xmalloc(65536);
		len = fread(words, 1, 65535, f);
		assert_true(feof(f));	/* read whole */
		words[len] = '\0';
		fclose(f);
		test_write(sub, parts[3], words);
		free(words);
	}
	cf = test_config_in("routes:\n  - { match: { channel: email }, "
	    "gateways: out, template: welcome }\n", tdir);
	assert_int_equal(envelope_parse(ev.data, ev.len, NULL, &env, reason,
	    sizeof reason), 0);
	memset(&ctx, 0, sizeof ctx);
	ctx.cf = cf;
	if (plan_build(&ctx, &env, NULL, &p, reason, sizeof reason) == -1)
		fail_msg("plan_build: %s", reason);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].status, PLAN_SEND);
	assert_string_equal(p.v[0].msg.subject, first);
	assert_string_equal(p.v[0].msg.text, want.data);
	assert_string_equal(p.v[0].msg.html, want.data);

	plan_clear(&p);
	envelope_clear(&env);
	config_free(cf);
	words_free(w);
	for (l = 0; l < 2; l++) {
		snprintf(sub, sizeof sub, "%s/%s", tdir, langs[l]);
		for (i = 0; i < sizeof parts / sizeof *parts; i++)
			test_unlink(sub, parts[i]);
		assert_int_equal(rmdir(sub), 0);
	}
	assert_int_equal(rmdir(tdir), 0);
	buf_free(&body);
	buf_free(&want);
	buf_free(&ev);
}

/*
 * relaisd builds a plan in an arena released right after (pipeline.c):
 * once its variables are dropped, nothing of the plan is in the arena's
 * pages, which the next plan takes (under ASan, released pages are
 * poisoned: a plan that kept a value there is reported where it is read).
 */
static void
test_plan_arena(void **state)
{
	struct config	*cf = test_config(TEST_ROUTES_BOTH);
	struct envelope	 env;
	struct plan	 p;
	struct jarena	 a, b;
	json_t		*fill;
	char		*html, *text;
	size_t		 i;

	(void)state;
	jarena_init();
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	jarena_enter(&a);
	test_plan_event(cf, "\"email\":\"ana@example.com\",\"phone\":"
	    "\"(819) 555-0123\",\"consent\":{\"email\":true,\"sms\":true}",
	    &p, &env);
	plan_drop_vars(&p);
	jarena_leave();
	assert_true(jarena_pages(NULL) > 0);	/* the plan's values were there */
	for (i = 0; i < p.out.n; i++)
		assert_null(p.out.v[i].vars);
	assert_int_equal(p.n, 2);
	html = strdup(p.v[0].msg.html);
	text = strdup(p.v[1].msg.text);
	envelope_clear(&env);
	jarena_release(&a);

	/* the next plan's values take the pages: this one reads the same */
	jarena_enter(&b);
	fill = json_array();
	for (i = 0; i < 2000; i++)
		json_array_append_new(fill, json_string("the next plan's value"));
	jarena_leave();
	assert_string_equal(p.v[0].to, "ana@example.com");
	assert_string_equal(p.v[1].to, "+18195550123");
	assert_string_equal(p.v[0].msg.html, html);
	assert_string_equal(p.v[1].msg.text, text);
	assert_non_null(strstr(html, "Ana"));
	plan_clear(&p);
	json_decref(fill);
	jarena_release(&b);
	assert_int_equal(jarena_pages(NULL), 0);
	free(html);
	free(text);
	config_free(cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_channels),
		cmocka_unit_test(test_key_normalised),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_send_false),
		cmocka_unit_test(test_continue_and_sender),
		cmocka_unit_test(test_max_segments),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_date_variable),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_derived_again),
		cmocka_unit_test(test_plan_arena),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
