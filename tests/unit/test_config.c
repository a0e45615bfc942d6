/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for config: the loader itself (the shipped file, file errors,
 * ${VAR} expansion, top-level keys, limits, admin, templates, languages and
 * words). Each section's own tests are in test_config_<section>.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "gw_outbox.h"
#include "gw_webhook.h"
#include "territory.h"
#include "config_fixture.h"

/* The line and 1-based column of needle's first occurrence in file. */
static void
test_find_pos(const char *file, const char *needle, int *line, int *col)
{
	char	 buf[1024];
	char	*p;
	FILE	*f;

	*line = 0;
	*col = 0;
	if ((f = fopen(file, "r")) == NULL)
		fail_msg("cannot open %s", file);
	while (fgets(buf, sizeof buf, f) != NULL) {
		(*line)++;
		if ((p = strstr(buf, needle)) != NULL) {
			*col = (int)(p - buf) + 1;
			fclose(f);
			return;
		}
	}
	fclose(f);
	fail_msg("%s not found in %s", needle, file);
}

static void
test_shipped(void **state)
{
	const struct config_gateway	*g;
	const struct territory		*t;
	struct config			*cf;
	struct diag			 d;
	char				 cwd[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	diag_init(&d);
	cf = config_load("config/relais.yaml", &d);
	test_print_diag(&d);
	assert_non_null(cf);
	assert_int_equal(d.n, 0);
	/* it sends nothing broken, and warns of nothing */
	assert_int_equal(config_check(cf, &d), 0);
	assert_int_equal(config_warnings(cf, &d), 0);
	test_print_diag(&d);
	assert_int_equal(d.n, 0);

	assert_string_equal(cf->path, "config/relais.yaml");
	snprintf(want, sizeof want, "%s/config", cwd);
	assert_string_equal(cf->dir, want);
	snprintf(want, sizeof want, "%s/config/templates", cwd);
	assert_string_equal(cf->templates_dir, want);
	assert_non_null(cf->render);

	assert_string_equal(cf->redis.url, "redis://127.0.0.1:6379/0");
	assert_string_equal(cf->redis.host, "127.0.0.1");
	assert_null(cf->redis.path);
	assert_int_equal(cf->redis.port, 6379);
	assert_int_equal(cf->redis.db, 0);
	assert_null(cf->redis.username);
	assert_null(cf->redis.password);
	assert_string_equal(cf->redis.prefix, "relais:");
	assert_string_equal(cf->redis.group, "relais");
	assert_int_equal(cf->redis.batch, 100);
	assert_int_equal(cf->redis.block_ms, 1000);
	assert_int_equal(cf->redis.claim_idle_ms, 300000);
	assert_int_equal(cf->redis.max_deliveries, 10);
	assert_int_equal(cf->redis.seen_ttl_s, 604800);
	assert_int_equal(cf->redis.sent_ttl_s, 2592000);
	/* not in the file: defaults */
	assert_int_equal(cf->redis.connect_timeout_ms, 2000);
	assert_int_equal(cf->redis.claim_interval_ms, 30000);

	assert_string_equal(cf->admin_listen, "127.0.0.1:9187");
	assert_int_equal(cf->limits.max_event_bytes, 262144);
	assert_int_equal(cf->limits.max_depth, 64);
	assert_int_equal(cf->limits.max_inflight, 256);
	assert_int_equal(cf->limits.max_attempts, 10);
	assert_int_equal(cf->limits.backoff_base_ms, 1000);
	assert_int_equal(cf->limits.backoff_cap_ms, 3600000);
	assert_int_equal(cf->limits.drain_timeout_ms, 10000);
	assert_int_equal(cf->limits.max_waits, 100);

	/* one gateway of every kind; providers' ones need their secrets */
	assert_true(cf->ngateways >= 4);
	g = config_gateway_find(cf, "outbox");
	assert_non_null(g);
	assert_string_equal(g->kind, "outbox");
	assert_string_equal(((struct gw_outbox_conf *)g->conf)->path,
	    "outbox.jsonl");
	assert_null(g->url);
	g = config_gateway_find(cf, "webhook");
	assert_non_null(g);
	assert_string_equal(g->kind, "webhook");
	assert_string_equal(g->url, "http://127.0.0.1:8025/messages");
	assert_int_equal(g->max_concurrency, 32);
	assert_int_equal(g->timeout_ms, 15000);
	assert_int_equal(g->connect_timeout_ms, 5000);
	assert_null(((struct gw_webhook_conf *)g->conf)->token);
	if (getenv("RELAIS_SENDGRID_API_KEY") == NULL) {
		g = config_gateway_find(cf, "sendgrid");
		assert_non_null(g);
		assert_string_equal(g->kind, "sendgrid");
		assert_string_equal(g->missing, "api_key_env: environment "
		    "variable RELAIS_SENDGRID_API_KEY is not set");
	}

	assert_int_equal(territory_set_count(cf->territories), 6);
	t = territory_find(cf->territories, "abitibi");
	assert_non_null(t);
	assert_string_equal(t->email_name, "Accueil MRC d'Abitibi");
	/* 18 official names, 3 aliases */
	assert_int_equal(t->nmunicipalities, 21);

	assert_int_equal(cf->nroutes, 9);
	assert_string_equal(cf->routes[0].type, "newcomer.arrived");
	assert_string_equal(cf->routes[0].role, "newcomer");
	assert_string_equal(cf->routes[0].channel, "email");
	assert_null(cf->routes[0].territory);
	assert_null(cf->routes[0].language);
	assert_string_equal(cf->routes[0].template, "welcome");
	assert_int_equal(cf->routes[0].ngateways, 1);
	assert_string_equal(cf->routes[0].gateways[0], "outbox");
	assert_string_equal(cf->routes[1].channel, "sms");
	assert_string_equal(cf->routes[2].role, "counsellor");
	assert_string_equal(cf->routes[2].template, "arrival_notice");

	/* the handlers' sections */
	assert_int_equal(cf->retention_days, 730);
	assert_int_equal(cf->followups.at_min, 9 * 60);
	assert_int_equal(cf->followups.nplan, 5);
	assert_string_equal(cf->followups.plan[0].kind, "d7");
	assert_int_equal(cf->followups.plan[0].days, 7);
	assert_true(cf->followups.plan[0].checkin);
	assert_false(cf->followups.plan[1].checkin);
	assert_int_equal(cf->followups.plan[4].days, 365);
	assert_int_equal(cf->matching.unit_group, 60);
	assert_int_equal(cf->matching.threshold, 50);
	assert_int_equal(cf->matching.digest_window_s, 3600);

	assert_int_equal(cf->nlanguages, 2);
	assert_string_equal(cf->languages[0], "fr");
	assert_string_equal(cf->languages[1], "en");
	config_free(cf);
	diag_free(&d);
}

/* The shipped file's ${...} overrides, and an error pointing into it. */
static void
test_shipped_env(void **state)
{
	struct config	*cf;
	struct diag	 d;
	char		 want[256];
	int		 line, col;

	(void)state;
	setenv("RELAIS_REDIS_URL", "redis://cache.example:6380/2", 1);
	setenv("RELAIS_OUTBOX", "/var/spool/relais/outbox.jsonl", 1);
	setenv("RELAIS_ADMIN_ADDR", "0.0.0.0:9999", 1);
	setenv("RELAIS_EMAIL_GATEWAY", "webhook", 1);
	setenv("RELAIS_SMS_GATEWAY", "", 1);	/* empty: the default */
	diag_init(&d);
	cf = config_load("config/relais.yaml", &d);
	test_print_diag(&d);
	assert_non_null(cf);
	assert_string_equal(cf->redis.host, "cache.example");
	assert_int_equal(cf->redis.port, 6380);
	assert_int_equal(cf->redis.db, 2);
	assert_string_equal(((struct gw_outbox_conf *)config_gateway_find(cf,
	    "outbox")->conf)->path,
	    "/var/spool/relais/outbox.jsonl");
	assert_string_equal(cf->admin_listen, "0.0.0.0:9999");
	assert_string_equal(cf->routes[0].gateways[0], "webhook");
	assert_string_equal(cf->routes[1].gateways[0], "outbox");
	config_free(cf);
	diag_free(&d);

	setenv("RELAIS_EMAIL_GATEWAY", "pigeon", 1);
	diag_init(&d);
	assert_null(config_load("config/relais.yaml", &d));
	test_find_pos("config/relais.yaml", "\"${RELAIS_EMAIL_GATEWAY", &line,
	    &col);
	snprintf(want, sizeof want, "config/relais.yaml:%d:%d: unknown "
	    "gateway \"pigeon\" (known: outbox, webhook, twilio, sendgrid, "
	    "mailgun, brevo, smtp)", line, col);
	/* once per route that uses the variable, the first one first */
	assert_int_equal(d.n, 6);
	assert_string_equal(d.msgs[0], want);
	diag_free(&d);
}

/*
 * The loader's own sections when the file does not give them: limits,
 * admin, templates (each other section's are tested in its own
 * test_config_<section>.c).
 */
static void
test_defaults(void **state)
{
	struct config	*cf;
	char		 want[256];

	cf = test_load_ok(*state, TEST_BASE);
	assert_int_equal(cf->limits.max_event_bytes, 262144);
	assert_int_equal(cf->limits.max_depth, 64);
	assert_int_equal(cf->limits.max_inflight, 256);
	assert_int_equal(cf->limits.max_attempts, 10);
	assert_int_equal(cf->limits.max_waits, 100);
	assert_int_equal(cf->limits.backoff_base_ms, 1000);
	assert_int_equal(cf->limits.backoff_cap_ms, 3600000);
	assert_int_equal(cf->limits.retry_after_max_ms, 3600000);
	assert_int_equal(cf->limits.drain_timeout_ms, 10000);
	assert_string_equal(cf->admin_listen, "127.0.0.1:9187");

	assert_int_equal(cf->nlanguages, 2);
	assert_string_equal(cf->languages[0], "fr");
	assert_string_equal(cf->languages[1], "en");
	snprintf(want, sizeof want, "%s/templates",
	    ((struct test_dir *)*state)->dir);
	assert_string_equal(cf->templates_dir, want);
	assert_non_null(cf->render);
	config_free(cf);
	config_free(NULL);
}

static void
test_values(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state,
	    "redis:\n"
	    "  url: unix:///run/redis/redis.sock?db=5\n"
	    "  prefix: \"x:\"\n"
	    "  group: g\n"
	    "  batch: 1\n"
	    "  block_ms: 60000\n"
	    "  claim_idle_ms: 1300000\n"
	    "limits:\n"
	    "  max_attempts: 1000\n"
	    "  max_waits: 0\n"
	    "  backoff_base_ms: 5\n"
	    "  backoff_cap_ms: 5\n"
	    "admin:\n"
	    "  listen: \"[::1]:9000\"\n"
	    "templates:\n"
	    "  dir: templates\n"
	    "  languages: en\n"
	    "gateways:\n"
	    "  hook:\n"
	    "    kind: webhook\n"
	    "    url: https://hooks.example/x\n"
	    "    max_concurrency: 1\n"
	    "    connect_timeout_ms: 10\n"
	    "    timeout_ms: 600000\n"
	    TEST_TERRITORIES
	    "routes:\n"
	    "  - match: { type: job.posted, role: employer, channel: sms, "
	    "territory: t1, "
	    "language: en }\n"
	    "    gateways: hook\n"
	    "    template: welcome\n");
	assert_null(cf->redis.host);
	assert_string_equal(cf->redis.path, "/run/redis/redis.sock");
	assert_int_equal(cf->redis.db, 5);
	assert_string_equal(cf->redis.prefix, "x:");
	assert_string_equal(cf->redis.group, "g");
	assert_int_equal(cf->redis.batch, 1);
	assert_int_equal(cf->redis.block_ms, 60000);
	assert_int_equal(cf->limits.max_attempts, 1000);
	assert_int_equal(cf->limits.max_waits, 0);
	assert_int_equal(cf->limits.backoff_cap_ms, 5);
	assert_string_equal(cf->admin_listen, "[::1]:9000");
	assert_int_equal(cf->nlanguages, 1);
	assert_string_equal(cf->languages[0], "en");
	assert_string_equal(cf->gateways[0].url, "https://hooks.example/x");
	assert_int_equal(cf->gateways[0].max_concurrency, 1);
	assert_int_equal(cf->gateways[0].connect_timeout_ms, 10);
	assert_int_equal(cf->gateways[0].timeout_ms, 600000);
	assert_string_equal(cf->routes[0].type, "job.posted");
	assert_string_equal(cf->routes[0].role, "employer");
	assert_string_equal(cf->routes[0].channel, "sms");
	assert_string_equal(cf->routes[0].territory, "t1");
	assert_string_equal(cf->routes[0].language, "en");
	assert_int_equal(cf->routes[0].ngateways, 1);
	assert_string_equal(cf->routes[0].gateways[0], "hook");
	config_free(cf);
}

static void
test_whole_file_errors(void **state)
{
	static const char *const empty[] = { ": no gateways defined",
	    ": no territories defined", ": no routes defined", NULL };
	struct diag	d;
	char		want[256];

	test_errors(*state, "", empty);
	test_errors(*state, "# only a comment\n", empty);
	test_error(*state, "- a\n- b\n" ,
	    "1:1: the configuration must be a map, not a sequence");

	/* a file that does not exist */
	diag_init(&d);
	assert_null(config_load("/nonexistent/relais.yaml", &d));
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof want, "/nonexistent/relais.yaml: cannot open: "
	    "No such file or directory");
	assert_string_equal(d.msgs[0], want);
	diag_free(&d);
}

/* Unknown keys at the top level and in the loader's own sections. */
static void
test_unknown_key(void **state)
{
	test_error(*state, "colour: red\n" TEST_BASE,
	    "1:1: unknown key \"colour\" in the configuration");
	test_error(*state, "limits:\n  max_attempt: 3\n" TEST_BASE,
	    "2:3: unknown key \"max_attempt\" in limits");
	test_error(*state, "admin:\n  port: 9187\n" TEST_BASE,
	    "2:3: unknown key \"port\" in admin");
	test_error(*state, "templates:\n  directory: t\n" TEST_BASE,
	    "2:3: unknown key \"directory\" in templates");
}

/* Several unknown keys in one section are all reported, in file order. */
static void
test_unknown_keys_all(void **state)
{
	static const char *const want[] = {
		"4:5: unknown key \"muncipalities\" in a territory",
		"6:5: unknown key \"name2\" in a territory",
		"5:33: unknown key \"sender\" in email",
		"15:5: unknown key \"priority\" in a route",
		"12:30: unknown key \"chanel\" in match",
		NULL };

	test_errors(*state,
	    "territories:\n"
	    "  t1:\n"
	    "    name: T1\n"
	    "    muncipalities: [Amos]\n"
	    "    email: { from: a@b.example, sender: x }\n"
	    "    name2: x\n"
	    TEST_GATEWAYS
	    "routes:\n"
	    "  - match: { role: newcomer, chanel: email }\n"
	    "    gateways: [out]\n"
	    "    template: welcome\n"
	    "    priority: 1\n",
	    want);
}

static void
test_wrong_type(void **state)
{
	test_error(*state, "limits: [1, 2]\n" TEST_BASE,
	    "1:9: limits must be a map, not a sequence");
	test_error(*state, "admin: 127.0.0.1:9187\n" TEST_BASE,
	    "1:8: admin must be a map, not a scalar");
	test_error(*state, "templates:\n  languages: { fr: 1 }\n" TEST_BASE,
	    "2:14: languages must be a sequence, not a map");
}

/*
 * A value of the wrong type in an optional field is an error, and the load
 * fails: it must not silently fall back to a default (a route match field
 * that became NULL would match everything).
 */
static void
test_wrong_type_optional(void **state)
{
	test_error(*state, "admin:\n  listen: [a, b]\n" TEST_BASE,
	    "2:11: listen must be a scalar, not a sequence");
	test_error(*state, "templates:\n  dir: [a]\n" TEST_BASE,
	    "2:8: dir must be a scalar, not a sequence");
}

static void
test_int_bounds(void **state)
{
	struct config	*cf;

	test_error(*state, "limits:\n  max_attempts: 1001\n" TEST_BASE,
	    "2:17: max_attempts must be between 1 and 1000, not 1001");
	test_error(*state, "limits:\n  max_waits: -1\n" TEST_BASE,
	    "2:14: max_waits must be between 0 and 100000, not -1");
	test_error(*state, "limits:\n  max_event_bytes: 255\n" TEST_BASE,
	    "2:20: max_event_bytes must be between 256 and 67108864, not 255");
	test_error(*state, "limits:\n  backoff_base_ms: 5000\n"
	    "  backoff_cap_ms: 4999\n" TEST_BASE,
	    "2:3: backoff_cap_ms is smaller than backoff_base_ms");
	/* the bounds themselves are accepted */
	cf = test_load_ok(*state, "redis:\n  batch: 10000\n"
	    "  deliveries_maxlen: 100\nlimits:\n  drain_timeout_ms: 0\n"
	    "  max_event_bytes: 67108864\n" TEST_BASE);
	assert_int_equal(cf->redis.batch, 10000);
	assert_int_equal(cf->redis.deliveries_maxlen, 100);
	assert_int_equal(cf->limits.drain_timeout_ms, 0);
	assert_int_equal(cf->limits.max_event_bytes, 67108864);
	config_free(cf);
}

/* A template a route names must exist in every language, or it is reported at the route. */
static void
test_missing_template(void **state)
{
	struct test_dir	*t = *state;
	const char	*want[3];
	char		 m1[512], m2[512];

	test_remove(t, "templates/en/welcome.subject.mustache");
	test_remove(t, "templates/en/welcome.txt.mustache");
	test_remove(t, "templates/en/welcome.sms.mustache");
	snprintf(m1, sizeof m1, "12:15: template \"welcome\" does not exist "
	    "in language en (%s/templates/en/welcome.txt.mustache or "
	    ".sms.mustache)", t->dir);
	test_error(t, TEST_BASE, m1);

	/* reported once per name, at the first route using it */
	snprintf(m1, sizeof m1, "6:15: template \"goodbye\" does not exist "
	    "in language fr (%s/templates/fr/goodbye.txt.mustache or "
	    ".sms.mustache)", t->dir);
	want[0] = m1;
	want[1] = NULL;
	test_errors(t, "templates:\n  languages: [fr]\n"
	    "routes:\n"
	    "  - { gateways: out, template: welcome, continue: true }\n"
	    "  - gateways: out\n"
	    "    template: goodbye\n"
	    "    continue: true\n"
	    "  - gateways: out\n"
	    "    template: goodbye\n"
	    TEST_GATEWAYS TEST_TERRITORIES, want);

	/* a language without a directory */
	snprintf(m1, sizeof m1, "14:15: template \"welcome\" does not exist "
	    "in language de (%s/templates/de/welcome.txt.mustache or "
	    ".sms.mustache)", t->dir);
	test_error(t, "templates:\n  languages: [fr, de]\n" TEST_BASE, m1);

	/* every language with its own message */
	snprintf(m1, sizeof m1, "14:15: template \"welcome\" does not exist "
	    "in language en (%s/templates/en/welcome.txt.mustache or "
	    ".sms.mustache)", t->dir);
	snprintf(m2, sizeof m2, "14:15: template \"welcome\" does not exist "
	    "in language de (%s/templates/de/welcome.txt.mustache or "
	    ".sms.mustache)", t->dir);
	want[0] = m1;
	want[1] = m2;
	want[2] = NULL;
	test_errors(t, "templates:\n  languages: [en, de]\n" TEST_BASE, want);

	/* a subject without a text part, and the reverse */
	test_write(t, "templates/en/welcome.subject.mustache", "S");
	test_error(t, TEST_BASE,
	    "12:15: template \"welcome\" in en has a subject but not a text "
	    "part (.txt)");
	test_remove(t, "templates/en/welcome.subject.mustache");
	test_write(t, "templates/en/welcome.txt.mustache", "T");
	test_error(t, TEST_BASE,
	    "12:15: template \"welcome\" in en has a text part but not a "
	    "subject (.subject)");
	/* SMS only is a complete template */
	test_remove(t, "templates/en/welcome.txt.mustache");
	test_write(t, "templates/en/welcome.sms.mustache", "SMS");
	config_free(test_load_ok(t, TEST_BASE));
}

/* A template with a syntax error is reported at its own file, line and column. */
static void
test_template_syntax(void **state)
{
	struct test_dir	*t = *state;
	struct config	*cf;
	struct diag	 d;
	char		 want[512];

	test_write(t, "templates/fr/welcome.txt.mustache",
	    "Bonjour\n{{#x}} {{first_name}\n");
	cf = test_load(t, TEST_BASE, &d);
	assert_null(cf);
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof want, "%s/templates/fr/welcome.txt.mustache:2:",
	    t->dir);
	if (strncmp(d.msgs[0], want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, d.msgs[0]);
	diag_free(&d);
}

static void
test_expand(void **state)
{
	struct config	*cf;

	setenv("RELAIS_TEST_A", "redis://a.example:7001/1", 1);
	cf = test_load_ok(*state, "redis:\n  url: ${RELAIS_TEST_A}\n"
	    TEST_BASE);
	assert_string_equal(cf->redis.url, "redis://a.example:7001/1");
	assert_string_equal(cf->redis.host, "a.example");
	assert_int_equal(cf->redis.port, 7001);
	config_free(cf);

	/* unset and empty both take the default */
	cf = test_load_ok(*state, "redis:\n"
	    "  url: ${RELAIS_TEST_UNSET:-redis://d.example:7002/2}\n"
	    "  prefix: ${RELAIS_TEST_UNSET:-p}:${RELAIS_TEST_A}\n" TEST_BASE);
	assert_string_equal(cf->redis.host, "d.example");
	assert_int_equal(cf->redis.db, 2);
	assert_string_equal(cf->redis.prefix, "p:redis://a.example:7001/1");
	config_free(cf);
	setenv("RELAIS_TEST_B", "", 1);
	cf = test_load_ok(*state, "redis:\n"
	    "  url: ${RELAIS_TEST_B:-redis://e.example/3}\n" TEST_BASE);
	assert_string_equal(cf->redis.host, "e.example");
	assert_int_equal(cf->redis.db, 3);
	config_free(cf);

	/* numbers and gateway names may come from the environment too */
	setenv("RELAIS_TEST_B", "250", 1);
	setenv("RELAIS_TEST_A", "out", 1);
	cf = test_load_ok(*state, "redis:\n  batch: ${RELAIS_TEST_B}\n"
	    TEST_GATEWAYS TEST_TERRITORIES
	    "routes:\n  - gateways: [\"${RELAIS_TEST_A}\"]\n"
	    "    template: welcome\n");
	assert_int_equal(cf->redis.batch, 250);
	assert_string_equal(cf->routes[0].gateways[0], "out");
	config_free(cf);

	test_error(*state, "redis:\n  url: ${RELAIS_TEST_UNSET}\n" TEST_BASE,
	    "2:8: environment variable RELAIS_TEST_UNSET is not set (use "
	    "${RELAIS_TEST_UNSET:-default} for a default)");
	setenv("RELAIS_TEST_B", "lots", 1);
	test_error(*state, "redis:\n  batch: ${RELAIS_TEST_B}\n" TEST_BASE,
	    "2:10: batch must be an integer, not \"lots\"");
}

static void
test_several_errors(void **state)
{
	static const char *const want[] = {
		"1:1: unknown key \"colour\" in the configuration",
		"3:10: batch must be an integer, not \"many\"",
		"4:8: bad port in the redis url",
		"6:17: max_attempts must be between 1 and 1000, not 0",
		"10:11: unknown gateway kind \"pigeon\" (known: webhook, outbox, "
	    "twilio, sendgrid, mailgun, brevo, smtp)",
		"17:25: unknown territory \"nowhere\"",
		"18:21: unknown gateway \"nope\"",
		NULL };

	test_errors(*state,
	    "colour: red\n"				/* 1 */
	    "redis:\n"
	    "  batch: many\n"
	    "  url: redis://h:port\n"
	    "limits:\n"					/* 5 */
	    "  max_attempts: 0\n"
	    "gateways:\n"
	    "  out:\n"
	    "    path: o\n"
	    "    kind: pigeon\n"				/* 10 */
	    "territories:\n"
	    "  t1:\n"
	    "    name: T1\n"
	    "    municipalities: [Amos]\n"
	    "routes:\n"					/* 15 */
	    "  - template: welcome\n"
	    "    match: { territory: nowhere }\n"
	    "    gateways: [out, nope]\n",
	    want);
}

/*
 * An unknown fallback_territory in full: the did-you-mean when one is
 * close, the known ones always.
 */
static void
test_suggestions(void **state)
{
	test_error(*state, TEST_BASE "fallback_territory: t2\n",
	    "13:21: unknown territory \"t2\": did you mean \"t1\"? known: t1");
	test_error(*state, TEST_BASE "fallback_territory: elsewhere\n",
	    "13:21: unknown territory \"elsewhere\" (known: t1)");
}

/* yaml fails to load, its first message holding want. */
static void
test_load_fails(const struct test_dir *t, const char *yaml, const char *want)
{
	struct config	*cf;
	struct diag	 d;

	cf = test_load(t, yaml, &d);
	assert_null(cf);
	assert_true(d.n > 0);
	if (strstr(d.msgs[0], want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, d.msgs[0]);
	diag_free(&d);
}

/*
 * A language without words.yaml loads with a warning; a broken words
 * file fails the load with its place; a territory without a language
 * speaks the first of templates.languages, its counsellors the
 * territory's.
 */
static void
test_words_files(void **state)
{
	const struct test_dir	*t = *state;
	const struct territory	*tt;
	struct config		*cf;
	struct diag		 d;
	char			 want[1024];

	test_remove(t, "templates/en/words.yaml");
	cf = test_load_ok(t, TEST_GATEWAYS "territories:\n  t1:\n    name: T1\n"
	    "    counsellors:\n      - { id: c1, name: C, email: c@x.example }\n"
	    "templates: { languages: [en, fr] }\n" TEST_ROUTES);
	diag_init(&d);
	assert_int_equal(config_warnings(cf, &d), 1);
	snprintf(want, sizeof want, "warning: templates: no %s/templates/en/"
	    "words.yaml: messages in en show dates as 2026-12-01", t->dir);
	if (strstr(d.msgs[0], want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, d.msgs[0]);
	diag_free(&d);
	assert_non_null(tt = territory_find(cf->territories, "t1"));
	assert_string_equal(tt->language, "en");
	assert_int_equal(tt->counsellors[0].nlanguages, 1);
	assert_string_equal(tt->counsellors[0].languages[0], "en");
	config_free(cf);

	test_write(t, "templates/fr/words.yaml", "months: [janvier]\n");
	test_load_fails(t, TEST_GATEWAYS "territories:\n  t1:\n    name: T1\n"
	    TEST_ROUTES, "templates/fr/words.yaml:1:9: months: a list of the "
	    "12 month names");
	test_write(t, "templates/fr/words.yaml", "and: \" et \"\n");
	test_load_fails(t, TEST_GATEWAYS "territories:\n  t1:\n    name: T1\n"
	    "templates: { languages: [] }\n" TEST_ROUTES, "templates "
	    "languages: name one at least");
}

/* templates.strict is handed to the renderer. */
static void
test_strict(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE "templates: { strict: true }\n");
	assert_int_equal(cf->templates_strict, 1);
	config_free(cf);
	cf = test_load_ok(*state, TEST_BASE);
	assert_int_equal(cf->templates_strict, 0);
	config_free(cf);
	test_error(*state, TEST_BASE "templates: { strict: yes }\n",
	    "13:22: strict must be true or false");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_shipped, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_shipped_env, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_defaults, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_values, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_whole_file_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys_all,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type_optional,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_int_bounds, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_missing_template,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_template_syntax,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_expand, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_several_errors, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_suggestions, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_words_files, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_strict, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
