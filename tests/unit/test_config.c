/* Unit tests for config: the shipped file, defaults, every error with its position, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "gw_outbox.h"
#include "gw_webhook.h"
#include "territory.h"

/* A throwaway config directory: relais.yaml and templates/{fr,en}/welcome.*. */
struct test_dir {
	char	dir[64];
	char	path[128];	/* dir/relais.yaml */
};

/* The valid rest of a configuration, appended after a test's own lines. */
#define TEST_GATEWAYS \
	"gateways:\n" \
	"  out:\n" \
	"    kind: outbox\n" \
	"    path: out.jsonl\n"
#define TEST_TERRITORIES \
	"territories:\n" \
	"  t1:\n" \
	"    name: T1\n" \
	"    municipalities: [Amos, Val-d'Or]\n"
#define TEST_ROUTES \
	"routes:\n" \
	"  - match: { type: newcomer.arrived, channel: email }\n" \
	"    gateways: [out]\n" \
	"    template: welcome\n"
#define TEST_BASE	TEST_GATEWAYS TEST_TERRITORIES TEST_ROUTES

static const char *const test_env[] = { "RELAIS_REDIS_URL", "RELAIS_OUTBOX",
    "RELAIS_ADMIN_ADDR", "RELAIS_CONSUMER", "RELAIS_WEBHOOK_URL",
    "RELAIS_EMAIL_GATEWAY", "RELAIS_SMS_GATEWAY", "RELAIS_TEST_A",
    "RELAIS_TEST_B", "RELAIS_TEST_PW", "RELAIS_TEST_UNSET", NULL };

static void
test_write(const struct test_dir *t, const char *rel, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot create %s", path);
	fputs(text, f);
	fclose(f);
}

static void
test_remove(const struct test_dir *t, const char *rel)
{
	char	path[512];

	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	if (unlink(path) == -1)
		fail_msg("cannot remove %s", path);
}

static int
test_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
test_setup(void **state)
{
	static const char *const files[] = {
		"templates/fr/welcome.subject.mustache", "Bienvenue",
		"templates/fr/welcome.txt.mustache", "Bonjour {{first_name}}",
		"templates/fr/welcome.sms.mustache", "SMS",
		"templates/en/welcome.subject.mustache", "Welcome",
		"templates/en/welcome.txt.mustache", "Hello {{first_name}}",
		"templates/en/welcome.sms.mustache", "SMS",
		"templates/fr/words.yaml", "and: \" et \"",
		"templates/en/words.yaml", "and: \" and \"",
		NULL };
	struct test_dir	*t;
	char		 path[512];
	size_t		 i;

	for (i = 0; test_env[i] != NULL; i++)
		unsetenv(test_env[i]);
	t = calloc(1, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/relais-config-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof t->path, "%s/relais.yaml", t->dir);
	snprintf(path, sizeof path, "%s/templates", t->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/templates/fr", t->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/templates/en", t->dir);
	mkdir(path, 0700);
	for (i = 0; files[i] != NULL; i += 2)
		test_write(t, files[i], files[i + 1]);
	*state = t;
	return 0;
}

static int
test_teardown(void **state)
{
	struct test_dir	*t = *state;
	size_t		 i;

	nftw(t->dir, test_rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	for (i = 0; test_env[i] != NULL; i++)
		unsetenv(test_env[i]);
	return 0;
}

static void
test_print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		print_message("diag %zu: %s\n", i, d->msgs[i]);
}

/* Writes yaml as relais.yaml and loads it; d is initialised here. */
static struct config *
test_load(const struct test_dir *t, const char *yaml, struct diag *d)
{
	test_write(t, "relais.yaml", yaml);
	diag_init(d);
	return config_load(t->path, d);
}

static struct config *
test_load_ok(const struct test_dir *t, const char *yaml)
{
	struct config	*cf;
	struct diag	 d;

	cf = test_load(t, yaml, &d);
	test_print_diag(&d);
	if (cf == NULL || d.n != 0)
		fail_msg("expected the configuration to load cleanly:\n%s", yaml);
	diag_free(&d);
	return cf;
}

/*
 * got is want, or want followed by the did-you-mean tail of an unknown name
 * (suggest.h), which test_suggestions checks word for word.
 */
static void
test_msg_equal(const char *got, const char *want)
{
	size_t	len = strlen(want);

	if (strncmp(got, want, len) == 0 && (got[len] == '\0' ||
	    strncmp(got + len, " (known: ", 9) == 0 ||
	    strncmp(got + len, ": did you mean \"", 16) == 0))
		return;
	assert_string_equal(got, want);
}

/*
 * yaml must fail with exactly the messages in want (NULL-terminated), each
 * written "LINE:COL: message" (or ": message" for a whole-file error) and
 * checked against "PATH:LINE:COL: message".
 */
static void
test_errors(const struct test_dir *t, const char *yaml,
    const char *const *want)
{
	struct config	*cf;
	struct diag	 d;
	char		 full[1024];
	size_t		 i, n;

	for (n = 0; want[n] != NULL; n++)
		;
	cf = test_load(t, yaml, &d);
	if (cf != NULL || d.n != n) {
		test_print_diag(&d);
		config_free(cf);
		fail_msg("expected %zu message(s) and no config, got %zu "
		    "message(s) and %s config, for:\n%s", n, d.n,
		    cf != NULL ? "a" : "no", yaml);
	}
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof full, "%s%s%s", t->path,
		    want[i][0] == ':' ? "" : ":", want[i]);
		test_msg_equal(d.msgs[i], full);
	}
	diag_free(&d);
}

static void
test_error(const struct test_dir *t, const char *yaml, const char *want)
{
	const char	*v[2] = { want, NULL };

	test_errors(t, yaml, v);
}

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

static void
test_defaults(void **state)
{
	const struct territory	*t;
	struct config		*cf;
	char			 host[256], want[256];

	cf = test_load_ok(*state, TEST_BASE);
	assert_string_equal(cf->redis.url, "redis://127.0.0.1:6379/0");
	assert_string_equal(cf->redis.host, "127.0.0.1");
	assert_int_equal(cf->redis.port, 6379);
	assert_int_equal(cf->redis.db, 0);
	assert_null(cf->redis.path);
	assert_null(cf->redis.username);
	assert_null(cf->redis.password);
	assert_string_equal(cf->redis.prefix, "relais:");
	assert_string_equal(cf->redis.group, "relais");
	assert_int_equal(gethostname(host, sizeof host), 0);
	assert_string_equal(cf->redis.consumer, host);
	assert_int_equal(cf->redis.connect_timeout_ms, 2000);
	assert_int_equal(cf->redis.command_timeout_ms, 5000);
	assert_int_equal(cf->redis.batch, 100);
	assert_int_equal(cf->redis.block_ms, 1000);
	assert_int_equal(cf->redis.claim_idle_ms, 300000);
	assert_int_equal(cf->redis.claim_interval_ms, 30000);
	assert_int_equal(cf->redis.max_deliveries, 10);
	assert_int_equal(cf->redis.seen_ttl_s, 604800);
	assert_int_equal(cf->redis.sent_ttl_s, 2592000);
	assert_int_equal(cf->redis.deliveries_maxlen, 1000000);
	assert_int_equal(cf->redis.schedule_interval_ms, 250);

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

	assert_int_equal(cf->ngateways, 1);
	assert_string_equal(cf->gateways[0].name, "out");
	assert_int_equal(cf->gateways[0].line, 2);
	assert_int_equal(cf->gateways[0].col, 3);
	assert_int_equal(cf->gateways[0].max_concurrency, 32);
	assert_int_equal(cf->gateways[0].connect_timeout_ms, 5000);
	assert_int_equal(cf->gateways[0].timeout_ms, 15000);

	t = territory_find(cf->territories, "t1");
	assert_non_null(t);
	assert_string_equal(t->name_fr, "T1");
	assert_string_equal(t->name_en, "T1");
	assert_string_equal(t->language, "fr");
	assert_null(t->email_from);
	assert_null(t->sms_from);
	assert_ptr_equal(territory_find_municipality(cf->territories,
	    "VAL D OR"), t);

	assert_int_equal(cf->nroutes, 1);
	assert_int_equal(cf->routes[0].line, 10);
	assert_int_equal(cf->routes[0].col, 5);
	assert_null(cf->routes[0].role);

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

static void
test_unknown_key(void **state)
{
	test_error(*state, "colour: red\n" TEST_BASE,
	    "1:1: unknown key \"colour\" in the configuration");
	test_error(*state, "redis:\n  url: redis://h/0\n  bogus: 1\n" TEST_BASE,
	    "3:3: unknown key \"bogus\" in redis");
	test_error(*state, "limits:\n  max_attempt: 3\n" TEST_BASE,
	    "2:3: unknown key \"max_attempt\" in limits");
	test_error(*state, "admin:\n  port: 9187\n" TEST_BASE,
	    "2:3: unknown key \"port\" in admin");
	test_error(*state, "templates:\n  directory: t\n" TEST_BASE,
	    "2:3: unknown key \"directory\" in templates");
	test_error(*state,
	    "gateways:\n"
	    "  out:\n"
	    "    kind: outbox\n"
	    "    path: out.jsonl\n"
	    "    colour: red\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:5: unknown key \"colour\" in gateway");
	test_error(*state,
	    "territories:\n"
	    "  t1:\n"
	    "    name: T1\n"
	    "    muncipalities: [Amos]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "4:5: unknown key \"muncipalities\" in a territory");
	test_error(*state,
	    "territories:\n"
	    "  t1:\n"
	    "    name: T1\n"
	    "    email: { from: a@b.example, sender: x }\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "4:33: unknown key \"sender\" in email");
	test_error(*state,
	    "routes:\n"
	    "  - match: { role: newcomer, chanel: email }\n"
	    "    gateways: [out]\n"
	    "    template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:30: unknown key \"chanel\" in match");
	test_error(*state,
	    "routes:\n"
	    "  - match: { role: newcomer }\n"
	    "    gateways: [out]\n"
	    "    template: welcome\n"
	    "    priority: 1\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "5:5: unknown key \"priority\" in a route");
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
	static const char *const seq_gateways[] = {
		"1:11: gateways must be a map, not a sequence",
		"8:16: unknown gateway \"out\"",
		NULL };

	test_error(*state, "redis: localhost\n" TEST_BASE,
	    "1:8: redis must be a map, not a scalar");
	test_error(*state, "limits: [1, 2]\n" TEST_BASE,
	    "1:9: limits must be a map, not a sequence");
	test_error(*state, "admin: 127.0.0.1:9187\n" TEST_BASE,
	    "1:8: admin must be a map, not a scalar");
	test_error(*state, "redis:\n  batch: { n: 1 }\n" TEST_BASE,
	    "2:10: batch must be a scalar, not a map");
	test_error(*state, "redis:\n  url:\n    host: h\n" TEST_BASE,
	    "3:5: url must be a scalar, not a map");
	/* the routes naming the gateways then fail too */
	test_errors(*state, "gateways: [out]\n" TEST_TERRITORIES TEST_ROUTES,
	    seq_gateways);
	test_error(*state, "gateways:\n  out: outbox\n  real:\n"
	    "    kind: outbox\n    path: o\n" TEST_TERRITORIES
	    "routes:\n  - gateways: [real]\n    template: welcome\n",
	    "2:8: a gateway must be a map, not a scalar");
	test_error(*state, "territories: [t1]\n" TEST_GATEWAYS TEST_ROUTES,
	    "1:14: territories must be a map, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    municipalities: { Amos: 1 }\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:21: municipalities must be a sequence, not a map");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    municipalities: [Amos, [Barraute]]\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:28: municipalities: each is a name or {name, aliases}");
	test_error(*state, "routes: { a: 1 }\n" TEST_GATEWAYS TEST_TERRITORIES,
	    "1:9: routes must be a sequence, not a map");
	test_error(*state, "routes:\n  - welcome\n" TEST_GATEWAYS
	    TEST_TERRITORIES, "2:5: a route must be a map, not a scalar");
	test_error(*state, "routes:\n  - match: email\n    gateways: [out]\n"
	    "    template: welcome\n" TEST_GATEWAYS TEST_TERRITORIES,
	    "2:12: match must be a map, not a scalar");
	test_error(*state, "routes:\n  - gateways: [[out]]\n"
	    "    template: welcome\n" TEST_GATEWAYS TEST_TERRITORIES,
	    "2:16: gateways must be a scalar, not a sequence");
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
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    language: [fr]\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:15: language must be a scalar, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    branding: nice\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:15: branding must be a map, not a scalar");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    branding: { phone: [1, 2] }\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:24: a branding value must be a string or a map of one string "
	    "per language, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: { fr: [T] }\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "3:17: fr must be a scalar, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    email: { from: { a: b } }\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:20: from must be a scalar, not a map");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    sms: [x]\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:10: sms must be a map, not a sequence");
	test_error(*state, "routes:\n"
	    "  - match: { type: [newcomer.arrived], channel: email }\n"
	    "    gateways: [out]\n    template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:20: type must be a scalar, not a sequence");
	test_error(*state, "admin:\n  listen: [a, b]\n" TEST_BASE,
	    "2:11: listen must be a scalar, not a sequence");
	test_error(*state, "templates:\n  dir: [a]\n" TEST_BASE,
	    "2:8: dir must be a scalar, not a sequence");
}

static void
test_int_bounds(void **state)
{
	struct config	*cf;

	test_error(*state, "redis:\n  batch: 0\n" TEST_BASE,
	    "2:10: batch must be between 1 and 10000, not 0");
	test_error(*state, "redis:\n  batch: 10001\n" TEST_BASE,
	    "2:10: batch must be between 1 and 10000, not 10001");
	test_error(*state, "redis:\n  seen_ttl_s: 59\n" TEST_BASE,
	    "2:15: seen_ttl_s must be between 60 and 31622400, not 59");
	test_error(*state, "limits:\n  max_attempts: 1001\n" TEST_BASE,
	    "2:17: max_attempts must be between 1 and 1000, not 1001");
	test_error(*state, "limits:\n  max_waits: -1\n" TEST_BASE,
	    "2:14: max_waits must be between 0 and 100000, not -1");
	test_error(*state, "limits:\n  max_event_bytes: 255\n" TEST_BASE,
	    "2:20: max_event_bytes must be between 256 and 67108864, not 255");
	test_error(*state, "gateways:\n  out:\n    kind: outbox\n"
	    "    path: o\n    max_concurrency: 10001\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:22: max_concurrency must be between 1 and 10000, not 10001");
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

static void
test_bad_integer(void **state)
{
	static const struct { const char *v; const char *want; } bad[] = {
		{ "12x", "2:10: batch must be an integer, not \"12x\"" },
		{ "1.5", "2:10: batch must be an integer, not \"1.5\"" },
		{ "0x10", "2:10: batch must be an integer, not \"0x10\"" },
		{ "ten", "2:10: batch must be an integer, not \"ten\"" },
		{ "''", "2:10: batch must be an integer, not \"\"" },
		{ "\"1 \"", "2:10: batch must be an integer, not \"1 \"" },
		{ "99999999999999999999", "2:10: batch must be an integer, not "
		    "\"99999999999999999999\"" },
		{ "-99999999999999999999", "2:10: batch must be an integer, "
		    "not \"-99999999999999999999\"" },
	};
	char	yaml[1024];
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(yaml, sizeof yaml, "redis:\n  batch: %s\n%s", bad[i].v,
		    TEST_BASE);
		test_error(*state, yaml, bad[i].want);
	}
}

static void
test_gateway_kind(void **state)
{
	test_error(*state, "gateways:\n  out:\n    kind: pigeon\n    path: o\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "3:11: unknown gateway kind \"pigeon\" (known: webhook, outbox, "
	    "twilio, sendgrid, mailgun, brevo, smtp)");
	test_error(*state, "gateways:\n  out:\n    kind: Outbox\n    path: o\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "3:11: unknown gateway kind \"Outbox\": did you mean \"outbox\"? "
	    "known: webhook, outbox, twilio, sendgrid, mailgun, brevo, smtp");
	test_error(*state, "gateways:\n  out:\n    path: o\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "2:3: gateway \"out\" has no kind");
	test_error(*state, "gateways:\n  out:\n    kind: [outbox]\n    path: o\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "3:11: kind must be a scalar, not a sequence");
}

static void
test_gateway_key_kind(void **state)
{
	test_error(*state, "gateways:\n  out:\n    kind: outbox\n"
	    "    path: o\n    url: http://x.example/\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:5: key \"url\" does not apply to a gateway of kind outbox (its "
	    "keys: path)");
	test_error(*state, "gateways:\n  out:\n    kind: webhook\n"
	    "    url: http://x.example/\n    path: o\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:5: key \"path\" does not apply to a gateway of kind webhook "
	    "(its keys: url token_env token_file ca_file)");
	test_write(*state, "token", "t0k3n\n");
	test_error(*state, "gateways:\n  out:\n    kind: outbox\n"
	    "    path: o\n    token_file: token\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:5: key \"token_file\" does not apply to a gateway of kind "
	    "outbox (its keys: path)");
}

/* A route shadowed by an earlier catch-all is reported; continue: true is not. */
static void
test_unreachable_route(void **state)
{
	struct config	*cf;

	test_error(*state, "routes:\n"
	    "  - { gateways: out, template: welcome, match: { channel: sms } }\n"
	    "  - { gateways: out, template: welcome, match: { channel: sms, "
	    "territory: t1 } }\n" TEST_GATEWAYS TEST_TERRITORIES,
	    "3:5: this route can never match: the route at line 2 catches "
	    "everything it would (reorder them, or give that one continue: "
	    "true)");
	cf = test_load_ok(*state, "routes:\n"
	    "  - { gateways: out, template: welcome, continue: true }\n"
	    "  - { gateways: out, template: welcome, match: { channel: sms } }\n"
	    TEST_GATEWAYS TEST_TERRITORIES);
	assert_int_equal(cf->routes[0].cont, 1);
	config_free(cf);
	test_error(*state, "routes:\n"
	    "  - { gateways: out, template: welcome, continue: yes }\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:51: continue must be true or false");
}

/* A gateway whose secret is missing is fine until a route uses it. */
static void
test_missing_secret(void **state)
{
	struct config	*cf;

	unsetenv("RELAIS_TEST_NO_KEY");
	cf = test_load_ok(*state, "gateways:\n"
	    "  out: { kind: outbox, path: o }\n"
	    "  sg: { kind: sendgrid, api_key_env: RELAIS_TEST_NO_KEY }\n"
	    TEST_TERRITORIES TEST_ROUTES);
	assert_string_equal(cf->gateways[1].missing, "api_key_env: environment "
	    "variable RELAIS_TEST_NO_KEY is not set");
	config_free(cf);
	test_error(*state, "gateways:\n"
	    "  out: { kind: outbox, path: o }\n"
	    "  sg: { kind: sendgrid, api_key_env: RELAIS_TEST_NO_KEY }\n"
	    TEST_TERRITORIES "routes:\n"
	    "  - { gateways: [sg, out], template: welcome }\n",
	    "9:18: gateway \"sg\" cannot be used: api_key_env: environment "
	    "variable RELAIS_TEST_NO_KEY is not set");
}

/* claim_idle_ms shorter than one gateway attempt could double-send. */
static void
test_claim_idle(void **state)
{
	struct config	*cf;

	test_error(*state, "redis:\n  claim_idle_ms: 30000\n"
	    "gateways:\n  out:\n    kind: webhook\n"
	    "    url: http://x.example/\n" TEST_TERRITORIES TEST_ROUTES,
	    "2:18: claim_idle_ms (30000) must exceed twice the longest "
	    "gateway attempt (gateway out: connect_timeout_ms + timeout_ms = "
	    "20000), or an entry still in flight could be taken over and sent "
	    "twice");
	/* the outbox has no network timeout: it does not count */
	cf = test_load_ok(*state, "redis:\n  claim_idle_ms: 1000\n"
	    "gateways:\n  out:\n    kind: outbox\n    path: o\n"
	    TEST_TERRITORIES TEST_ROUTES);
	config_free(cf);
}

static void
test_gateway_required(void **state)
{
	static const char *const two[] = {
		"2:3: gateway \"out\" (webhook) needs \"url\"",
		"5:3: gateway \"box\" (outbox) needs \"path\"",
		NULL };
	struct config	*cf;

	test_errors(*state, "gateways:\n  out:\n    kind: webhook\n"
	    "    timeout_ms: 100\n  box:\n    kind: outbox\n"
	    TEST_TERRITORIES TEST_ROUTES, two);
	test_error(*state, "gateways:\n  out:\n    kind: webhook\n"
	    "    url: ftp://x.example/\n" TEST_TERRITORIES TEST_ROUTES,
	    "4:10: gateway url must start with http:// or https://");
	/* a webhook with its token from a file next to the config */
	test_write(*state, "token", "t0k3n\n");
	cf = test_load_ok(*state, "gateways:\n  out:\n    kind: webhook\n"
	    "    url: http://x.example/\n    token_file: token\n"
	    TEST_TERRITORIES TEST_ROUTES);
	assert_string_equal(((struct gw_webhook_conf *)
	    cf->gateways[0].conf)->token, "t0k3n");
	config_free(cf);
}

static void
test_redis_url_errors(void **state)
{
	static const struct { const char *url, *msg; } bad[] = {
		{ "ftp://h/0", "redis url must start with redis:// or unix://" },
		{ "http://h:6379", "redis url must start with redis:// or "
		    "unix://" },
		{ "h:6379", "redis url must start with redis:// or unix://" },
		{ "redis://h:0", "bad port in the redis url" },
		{ "redis://h:65536/0", "bad port in the redis url" },
		{ "redis://h:x/0", "bad port in the redis url" },
		{ "redis://h:", "bad port in the redis url" },
		{ "redis://h:/1", "bad port in the redis url" },
		{ "redis://h:6379x", "bad port in the redis url" },
		{ "redis://h:-1", "bad port in the redis url" },
		{ "redis://h/x", "bad database number in the redis url" },
		{ "redis://h:6379/-1", "bad database number in the redis url" },
		{ "redis://h:6379/10001", "bad database number in the redis url" },
		{ "redis://h:6379/1/2", "bad database number in the redis url" },
		{ "redis://h:6379/1x", "bad database number in the redis url" },
		{ "redis://", "the redis url has no host" },
		{ "redis://u:p@/0", "the redis url has no host" },
		{ "redis://[::1:6379", "unclosed [ in the redis url" },
		{ "unix://run/redis.sock", "unix URL needs an absolute path" },
		{ "unix:///run/redis.sock?db=x",
		    "bad database number in the redis url" },
		{ "unix:///run/redis.sock?db=",
		    "bad database number in the redis url" },
		{ "unix:///run/redis.sock?db=-1",
		    "bad database number in the redis url" },
		{ "unix:///run/redis.sock?db=10001",
		    "bad database number in the redis url" },
		{ "unix:///run/redis.sock?", "bad database number in the redis url" },
		{ "unix:///run/redis.sock?d", "bad database number in the redis url" },
		{ "unix:///run/redis.sock?dbx=1",
		    "bad database number in the redis url" },
	};
	char	yaml[1024], want[256];
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(yaml, sizeof yaml, "redis:\n  url: \"%s\"\n%s",
		    bad[i].url, TEST_BASE);
		snprintf(want, sizeof want, "2:8: %s", bad[i].msg);
		test_error(*state, yaml, want);
	}
}

/* got must be want, both possibly NULL; what names the field in a failure. */
static void
test_same(const char *url, const char *what, const char *want,
    const char *got)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		fail_msg("%s: expected %s %s%s%s, got %s%s%s", url, what,
		    want != NULL ? "\"" : "", want != NULL ? want : "NULL",
		    want != NULL ? "\"" : "", got != NULL ? "\"" : "",
		    got != NULL ? got : "NULL", got != NULL ? "\"" : "");
}

static void
test_redis_url_ok(void **state)
{
	static const struct {
		const char *url, *host, *path, *user, *pass;
		int port, db;
	} ok[] = {
		{ "redis://h", "h", NULL, NULL, NULL, 6379, 0 },
		{ "redis://h/", "h", NULL, NULL, NULL, 6379, 0 },
		{ "redis://h:6380/3", "h", NULL, NULL, NULL, 6380, 3 },
		{ "redis://h:65535/10000", "h", NULL, NULL, NULL, 65535, 10000 },
		{ "redis://[::1]:6390/4", "::1", NULL, NULL, NULL, 6390, 4 },
		{ "redis://[::1]", "::1", NULL, NULL, NULL, 6379, 0 },
		{ "redis://user:pa55@cache.example:6381/2", "cache.example",
		    NULL, "user", "pa55", 6381, 2 },
		{ "redis://:pa55@h", "h", NULL, NULL, "pa55", 6379, 0 },
		{ "redis://pa55@h", "h", NULL, NULL, "pa55", 6379, 0 },
		{ "redis://u:p:q@h", "h", NULL, "u", "p:q", 6379, 0 },
		{ "unix:///run/redis.sock", NULL, "/run/redis.sock", NULL, NULL,
		    6379, 0 },
		{ "unix:///run/redis.sock?db=7", NULL, "/run/redis.sock", NULL,
		    NULL, 6379, 7 },
	};
	struct config	*cf;
	char		 yaml[1024];
	size_t		 i;

	for (i = 0; i < sizeof ok / sizeof *ok; i++) {
		snprintf(yaml, sizeof yaml, "redis:\n  url: \"%s\"\n%s",
		    ok[i].url, TEST_BASE);
		cf = test_load_ok(*state, yaml);
		test_same(ok[i].url, "host", ok[i].host, cf->redis.host);
		test_same(ok[i].url, "path", ok[i].path, cf->redis.path);
		test_same(ok[i].url, "username", ok[i].user, cf->redis.username);
		test_same(ok[i].url, "password", ok[i].pass, cf->redis.password);
		if (cf->redis.port != ok[i].port || cf->redis.db != ok[i].db)
			fail_msg("%s: expected port %d db %d, got port %d db %d",
			    ok[i].url, ok[i].port, ok[i].db, cf->redis.port,
			    cf->redis.db);
		config_free(cf);
	}
}

static void
test_route_unknown_gateway(void **state)
{
	static const char *const two[] = {
		"2:17: unknown gateway \"nope\"",
		"5:15: unknown gateway \"Out\"",
		NULL };

	test_error(*state, "routes:\n  - gateways: [out, nope]\n"
	    "    template: welcome\n" TEST_GATEWAYS TEST_TERRITORIES,
	    "2:21: unknown gateway \"nope\"");
	test_errors(*state, "routes:\n  - gateways: [ nope ]\n"
	    "    template: welcome\n"
	    "  - template: welcome\n    gateways: Out\n"
	    TEST_GATEWAYS TEST_TERRITORIES, two);
	test_error(*state, "routes:\n  - gateways: []\n"
	    "    template: welcome\n" TEST_GATEWAYS TEST_TERRITORIES,
	    "2:15: route has no gateways");
	test_error(*state, "routes:\n  - template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:5: route has no gateways");
	test_error(*state, "routes:\n  - gateways: out\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:5: route has no template");
}

static void
test_route_unknown_territory(void **state)
{
	struct config	*cf;

	test_error(*state, "routes:\n"
	    "  - match: { channel: email, territory: nowhere }\n"
	    "    gateways: out\n    template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:41: unknown territory \"nowhere\"");
	/* territory ids are not folded like municipalities */
	test_error(*state, "routes:\n"
	    "  - match:\n      territory: T1\n"
	    "    gateways: out\n    template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "3:18: unknown territory \"T1\"");
	cf = test_load_ok(*state, "routes:\n"
	    "  - match: { territory: t1 }\n"
	    "    gateways: out\n    template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES);
	assert_string_equal(cf->routes[0].territory, "t1");
	config_free(cf);
}

static void
test_duplicate_municipality(void **state)
{
	test_error(*state,
	    "territories:\n"
	    "  a:\n"
	    "    name: A\n"
	    "    municipalities: [Amos, Val-d'Or]\n"
	    "  b:\n"
	    "    name: B\n"
	    "    municipalities: [Barraute, \"VAL D\xe2\x80\x99OR\"]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "5:3: territory \"b\": \"VAL D\xe2\x80\x99OR\" is already used by "
	    "another territory");
	test_error(*state,
	    "territories:\n"
	    "  a:\n"
	    "    name: A\n"
	    "    municipalities: [\xc3\x89vain]\n"
	    "  b:\n"
	    "    name: B\n"
	    "    municipalities: [Launay]\n"
	    "  c:\n"
	    "    name: C\n"
	    "    municipalities: [evain]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "8:3: territory \"c\": \"evain\" is already used by another "
	    "territory");
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
test_consumer(void **state)
{
	struct config	*cf;
	char		 host[256];

	cf = test_load_ok(*state, "redis:\n  consumer: c1\n" TEST_BASE);
	assert_string_equal(cf->redis.consumer, "c1");
	config_free(cf);

	setenv("RELAIS_CONSUMER", "from-env", 1);
	cf = test_load_ok(*state, "redis:\n  consumer: c1\n" TEST_BASE);
	assert_string_equal(cf->redis.consumer, "from-env");
	config_free(cf);
	cf = test_load_ok(*state, TEST_BASE);
	assert_string_equal(cf->redis.consumer, "from-env");
	config_free(cf);

	/* empty is as good as unset */
	setenv("RELAIS_CONSUMER", "", 1);
	cf = test_load_ok(*state, "redis:\n  consumer: c1\n" TEST_BASE);
	assert_string_equal(cf->redis.consumer, "c1");
	config_free(cf);
	assert_int_equal(gethostname(host, sizeof host), 0);
	cf = test_load_ok(*state, "redis:\n  consumer: ''\n" TEST_BASE);
	assert_string_equal(cf->redis.consumer, host);
	config_free(cf);
}

static void
test_password(void **state)
{
	struct test_dir	*t = *state;
	struct config	*cf;
	char		 yaml[1024], want[512];

	cf = test_load_ok(t, "redis:\n  url: redis://app:url-pw@h:6379/0\n"
	    TEST_BASE);
	assert_string_equal(cf->redis.username, "app");
	assert_string_equal(cf->redis.password, "url-pw");
	config_free(cf);

	/* password_env wins over the URL's password, keeps its user */
	setenv("RELAIS_TEST_PW", "env-pw", 1);
	cf = test_load_ok(t, "redis:\n  url: redis://app:url-pw@h:6379/0\n"
	    "  password_env: RELAIS_TEST_PW\n" TEST_BASE);
	assert_string_equal(cf->redis.username, "app");
	assert_string_equal(cf->redis.password, "env-pw");
	config_free(cf);

	/* password_file, relative to the config's directory */
	test_write(t, "redis.pw", "file-pw\r\n\n");
	cf = test_load_ok(t, "redis:\n  url: redis://h\n"
	    "  password_file: redis.pw\n" TEST_BASE);
	assert_null(cf->redis.username);
	assert_string_equal(cf->redis.password, "file-pw");
	config_free(cf);
	/* also when loaded through a path with a relative directory part */
	assert_int_equal(chdir("/tmp"), 0);
	snprintf(yaml, sizeof yaml, "%s/relais.yaml", t->dir + 5);
	{
		struct diag	d;

		diag_init(&d);
		cf = config_load(yaml, &d);
		test_print_diag(&d);
		assert_non_null(cf);
		assert_string_equal(cf->redis.password, "file-pw");
		assert_string_equal(cf->dir, t->dir);
		config_free(cf);
		diag_free(&d);
	}
	/* and by a bare file name from the config directory */
	assert_int_equal(chdir(t->dir), 0);
	{
		struct diag	d;

		diag_init(&d);
		cf = config_load("relais.yaml", &d);
		test_print_diag(&d);
		assert_non_null(cf);
		assert_string_equal(cf->redis.password, "file-pw");
		assert_string_equal(cf->dir, t->dir);
		config_free(cf);
		diag_free(&d);
	}
	assert_int_equal(chdir(getenv("RELAIS_TEST_CWD")), 0);
	/* an absolute path */
	snprintf(yaml, sizeof yaml, "redis:\n  password_file: %s/redis.pw\n%s",
	    t->dir, TEST_BASE);
	cf = test_load_ok(t, yaml);
	assert_string_equal(cf->redis.password, "file-pw");
	config_free(cf);

	test_error(t, "redis:\n  password_env: RELAIS_TEST_UNSET\n" TEST_BASE,
	    "2:17: password_env: environment variable RELAIS_TEST_UNSET is "
	    "not set");
	snprintf(want, sizeof want, "2:18: cannot read %s/missing.pw: No such "
	    "file or directory", t->dir);
	test_error(t, "redis:\n  password_file: missing.pw\n" TEST_BASE, want);
}

/* A SendGrid verification key (P-256, base64 DER) and a P-384 one. */
#define TEST_SG_KEY \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERKwKatGeBOLg5rEqxpMMxnmUIGxm" \
	"msUf557UnIrHdVCL2mXNVdia0cbJlnqEaIe47GSaEeAuTQerW77vh+MeJA=="
#define TEST_P384_KEY \
	"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEWCGVdOxuZ4eqek8taNIGZz3AO0GsxBf" \
	"do3+5+ENHuuWVuZTAUTqvP0DFcUh6P4//PzDEFqYrYcZ+KA0mNtAfyY6+2OwVykYnAs" \
	"cCUS4x/qCyGba8oiMGDPQipgYbveqa"

/* bounces: the email providers' webhook secrets, never in the file. */
static void
test_bounces(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE);
	assert_null(cf->bounces.sendgrid_key);
	assert_null(cf->bounces.mailgun_key);
	assert_null(cf->bounces.brevo_token);
	assert_int_equal(cf->bounces.max_age_s, 300);
	assert_int_equal(cf->bounces.replay_days, 30);
	config_free(cf);

	setenv("RELAIS_TEST_A", TEST_SG_KEY, 1);
	setenv("RELAIS_TEST_B", "brevo-token-0123456789", 1);
	test_write(*state, "mailgun.key", "key-0123456789abcdef0123\n");
	cf = test_load_ok(*state, "bounces:\n"
	    "  max_age_s: 120\n"
	    "  replay_days: 7\n"
	    "  sendgrid: { public_key_env: RELAIS_TEST_A }\n"
	    "  mailgun: { signing_key_file: mailgun.key }\n"
	    "  brevo:\n"
	    "    token_env: RELAIS_TEST_B\n" TEST_BASE);
	assert_string_equal(cf->bounces.sendgrid_key, TEST_SG_KEY);
	assert_string_equal(cf->bounces.mailgun_key, "key-0123456789abcdef0123");
	assert_string_equal(cf->bounces.brevo_token, "brevo-token-0123456789");
	assert_int_equal(cf->bounces.max_age_s, 120);
	assert_int_equal(cf->bounces.replay_days, 7);
	config_free(cf);

	test_error(*state, "bounces:\n  colour: red\n" TEST_BASE,
	    "2:3: unknown key \"colour\" in bounces");
	test_error(*state, "bounces:\n  sendgrid: { public_key: x }\n"
	    TEST_BASE, "2:15: unknown key \"public_key\" in bounces.sendgrid");
	test_error(*state, "bounces:\n  sendgrid: {}\n" TEST_BASE,
	    "2:13: bounces.sendgrid needs public_key_env or public_key_file "
	    "(a secret never sits in the file)");
	test_error(*state, "bounces:\n  sendgrid: { public_key_env: "
	    "RELAIS_TEST_A, public_key_file: mailgun.key }\n" TEST_BASE,
	    "2:13: bounces.sendgrid has public_key_env or public_key_file, "
	    "not both");
	test_error(*state, "bounces:\n  mailgun: { signing_key_env: "
	    "RELAIS_TEST_UNSET }\n" TEST_BASE,
	    "2:31: signing_key_env: environment variable RELAIS_TEST_UNSET "
	    "is not set");
	setenv("RELAIS_TEST_A", TEST_P384_KEY, 1);
	test_error(*state, "bounces:\n  sendgrid: { public_key_env: "
	    "RELAIS_TEST_A }\n" TEST_BASE,
	    "2:31: bounces.sendgrid: the SendGrid verification key is not an "
	    "EC P-256 key, as SendGrid's are");
	setenv("RELAIS_TEST_B", "short", 1);
	test_error(*state, "bounces:\n  brevo: { token_env: RELAIS_TEST_B }\n"
	    TEST_BASE, "2:23: bounces.brevo: the Brevo token must be 16 to 512 "
	    "letters, digits or ._~- (it goes in a header or a URL)");
	test_error(*state, "bounces:\n  max_age_s: 5\n" TEST_BASE,
	    "2:14: max_age_s must be between 30 and 86400, not 5");
	test_error(*state, "bounces: [sendgrid]\n" TEST_BASE,
	    "1:10: bounces must be a map, not a sequence");
	test_remove(*state, "mailgun.key");
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
 * Each unknown name in full: the did-you-mean when one is close, the known
 * ones always.
 */
static void
test_suggestions(void **state)
{
	const struct test_dir	*t = *state;
	char			 fr[512], en[512];
	const char		*two[] = { fr, en, NULL };

	test_error(*state, "gateways:\n  sendgrid: { kind: outbox, path: o }\n"
	    "  outbox: { kind: outbox, path: o2 }\n" TEST_TERRITORIES
	    "routes:\n  - { gateways: [sendgird], template: welcome }\n",
	    "9:18: unknown gateway \"sendgird\": did you mean \"sendgrid\"? "
	    "known: sendgrid, outbox");
	test_error(*state, TEST_BASE "profiles:\n  retention_day: 30\n",
	    "14:3: unknown key \"retention_day\" in profiles: did you mean "
	    "\"retention_days\"? known: retention_days");
	test_error(*state, TEST_BASE "fallback_territory: t2\n",
	    "13:21: unknown territory \"t2\": did you mean \"t1\"? known: t1");
	test_error(*state, TEST_BASE "fallback_territory: elsewhere\n",
	    "13:21: unknown territory \"elsewhere\" (known: t1)");
	test_error(*state, "windows:\n  day:\n    intervals:\n"
	    "      - times: [{ start_time: \"09:00\", end_time: \"17:00\" }]\n"
	    TEST_GATEWAYS TEST_TERRITORIES
	    "routes:\n  - { gateways: out, template: welcome, window: dya }\n",
	    "14:49: unknown window \"dya\": did you mean \"day\"? known: day");
	snprintf(fr, sizeof fr, "10:32: template \"welcom\" does not exist in "
	    "language fr (%s/templates/fr/welcom.txt.mustache or "
	    ".sms.mustache): did you mean \"welcome\"? known: welcome", t->dir);
	snprintf(en, sizeof en, "10:32: template \"welcom\" does not exist in "
	    "language en (%s/templates/en/welcom.txt.mustache or "
	    ".sms.mustache): did you mean \"welcome\"? known: welcome", t->dir);
	test_errors(*state, TEST_GATEWAYS TEST_TERRITORIES
	    "routes:\n  - { gateways: out, template: welcom }\n", two);
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    timezone: America/Torono\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:15: unknown time zone \"America/Torono\" (no "
	    "/usr/share/zoneinfo/America/Torono): did you mean "
	    "\"America/Toronto\"?");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    timezone: UTC-5\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:15: unknown time zone \"UTC-5\" (/usr/share/zoneinfo/UTC-5: No "
	    "such file or directory): an offset would be an hour off half the "
	    "year where clocks change; use the place's IANA Area/Location "
	    "name, such as \"America/Toronto\"");
}

/* A route's type, role and channel: each unknown one, at its position. */
static void
test_suggestions_all(void **state)
{
	static const char *const want[] = {
		"6:20: unknown type \"newcomer.arived\": did you mean "
		"\"newcomer.arrived\"? known: newcomer.arrived, followup.due, "
		"followup.reminders, job.posted, match.digest, "
		"newcomer.departed, job.closed, followup.done",
		"6:43: unknown role \"newcomers\": did you mean \"newcomer\"? "
		"known: newcomer, counsellor, employer",
		"6:63: unknown channel \"SMS\": did you mean \"sms\"? known: "
		"email, sms",
		NULL };

	test_errors(*state, TEST_GATEWAYS "routes:\n"
	    "  - match: { type: newcomer.arived, role: newcomers, "
	    "channel: SMS }\n    gateways: out\n    template: welcome\n"
	    TEST_TERRITORIES, want);
}

/*
 * yaml loads, and config_check reports exactly want (NULL-terminated,
 * "LINE:COL: message", checked against "PATH:LINE:COL: message"; "A...B"
 * stands for any message that starts with A and ends with B).
 */
static void
test_checks(const struct test_dir *t, const char *yaml,
    const char *const *want)
{
	struct config	*cf;
	struct diag	 d;
	char		 full[2048], *dots;
	size_t		 i, n, len;

	for (n = 0; want[n] != NULL; n++)
		;
	cf = test_load_ok(t, yaml);
	diag_init(&d);
	if (config_check(cf, &d) != n || d.n != n) {
		test_print_diag(&d);
		config_free(cf);
		fail_msg("expected %zu problem(s), got %zu, for:\n%s", n, d.n,
		    yaml);
	}
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof full, "%s:%s", t->path, want[i]);
		if ((dots = strstr(full, "...")) == NULL) {
			assert_string_equal(d.msgs[i], full);
			continue;
		}
		/* "A...B": starts with A, ends with B */
		len = strlen(d.msgs[i]);
		if (strncmp(d.msgs[i], full, (size_t)(dots - full)) != 0 ||
		    len < strlen(dots + 3) ||
		    strcmp(d.msgs[i] + len - strlen(dots + 3), dots + 3) != 0)
			assert_string_equal(d.msgs[i], full);
	}
	diag_free(&d);
	config_free(cf);
}

/* A territory with senders; routes that cover every notification. */
#define TEST_T1 \
	"territories:\n" \
	"  t1:\n" \
	"    name: T1\n" \
	"    email: { from: t1@example.org }\n" \
	"    sms: { from: \"+18195550100\" }\n"
#define TEST_ROUTE_WELCOME \
	"routes:\n" \
	"  - match: { type: newcomer.arrived, role: newcomer }\n" \
	"    gateways: out\n" \
	"    template: welcome\n"
#define TEST_ROUTE_REST	"  - send: false\n"

/* Every notification a handler can emit needs a route; send: false is one. */
static void
test_check_routes(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const uncovered[] = {
		"10:1: no route for followup.due to role newcomer by email "
		"(territory t1, language fr): the check-in of follow-ups with "
		"checkin: true would be dead-lettered (\"no route\"); add one, "
		"or one with send: false to leave it out deliberately",
		"10:1: no route for followup.due to role newcomer by sms ...",
		"10:1: no route for job.posted to role employer by email ...",
		"10:1: no route for job.posted to role employer by sms ...",
		"10:1: no route for match.digest to role employer by email ...",
		"10:1: no route for match.digest to role employer by sms ...",
		NULL };
	static const char *const counsellor[] = {
		"11:1: no route for newcomer.arrived to role counsellor by "
		"email (territory t1, language en): the counsellor's arrival "
		"notice would be dead-lettered (\"no route\"); add one, or "
		"one with send: false to leave it out deliberately",
		"11:1: no route for followup.reminders to role counsellor by "
		"email (territory t1, language en): ...",
		NULL };
	static const char *const english[] = {
		"10:1: no route for newcomer.arrived to role newcomer by email "
		"(territory t1, language en): ...",
		"10:1: no route for newcomer.arrived to role newcomer by sms "
		"(territory t1, language en): ...",
		NULL };

	test_checks(*state, TEST_GATEWAYS TEST_T1 TEST_ROUTE_WELCOME
	    TEST_ROUTE_REST, none);
	/* the default plan has check-ins; employers may always be alerted */
	test_checks(*state, TEST_GATEWAYS TEST_T1 TEST_ROUTE_WELCOME,
	    uncovered);
	/* no check-in in the plan: no followup.due to route */
	test_checks(*state, TEST_GATEWAYS TEST_T1 TEST_ROUTE_WELCOME
	    "  - { match: { role: employer }, send: false }\n"
	    "followups:\n  plan: [{ kind: d30, days: 30 }]\n", none);
	/* a roster: arrival notices and daily reminders, in their language */
	test_checks(*state, TEST_GATEWAYS TEST_T1
	    "    counsellors: [{ id: c1, name: C, email: c@example.org, "
	    "languages: [en] }]\n" TEST_ROUTE_WELCOME
	    "  - { match: { role: counsellor, language: fr }, gateways: out, "
	    "template: welcome }\n"
	    "  - { match: { role: employer }, send: false }\n"
	    "  - { match: { type: followup.due }, send: false }\n",
	    counsellor);
	/* a person's language decides too; any other tag is checked */
	test_checks(*state, TEST_GATEWAYS TEST_T1
	    "routes:\n"
	    "  - match: { type: newcomer.arrived, role: newcomer, language: fr }\n"
	    "    gateways: out\n"
	    "    template: welcome\n"
	    "  - { match: { type: newcomer.arrived, language: es }, send: false }\n"
	    "  - { match: { role: employer }, send: false }\n"
	    "  - { match: { type: followup.due }, send: false }\n"
	    "  - { match: { type: newcomer.arrived, language: de }, gateways: out, "
	    "template: welcome }\n",
	    english);
}

/* A template must have the channel's version in the message's language. */
static void
test_check_templates(void **state)
{
	static const char *const no_sms[] = {
		"14:15: template \"welcome\" has no SMS version in fr (...: "
		"every one would be dead-lettered",
		"14:15: template \"welcome\" has no SMS version in en (...: "
		"every one would be dead-lettered",
		NULL };
	const struct test_dir	*t = *state;
	char			 want[1024];
	const char		*v[2] = { want, NULL };

	test_remove(t, "templates/en/welcome.sms.mustache");
	snprintf(want, sizeof want, "14:15: template \"welcome\" has no SMS "
	    "version in en (%s/templates/en/welcome.sms.mustache), but this "
	    "route sends it by SMS to role newcomer in en: they would get the "
	    "fr one instead", t->dir);
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    language: fr\n" TEST_ROUTE_WELCOME TEST_ROUTE_REST, v);
	/* the territory's own version counts */
	snprintf(want, sizeof want, "%s/templates/t1", t->dir);
	mkdir(want, 0700);
	snprintf(want, sizeof want, "%s/templates/t1/en", t->dir);
	mkdir(want, 0700);
	test_write(t, "templates/t1/en/welcome.sms.mustache", "Hi");
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    language: fr\n" TEST_ROUTE_WELCOME TEST_ROUTE_REST,
	    (const char *const[]){ NULL });
	test_remove(t, "templates/t1/en/welcome.sms.mustache");
	/* an SMS route with no SMS template at all: nothing to fall back on */
	test_remove(t, "templates/fr/welcome.sms.mustache");
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    language: fr\n" TEST_ROUTE_WELCOME TEST_ROUTE_REST, no_sms);
}

/*
 * Every {{territory.X}} a route renders for a territory must have a text
 * there, in the message's language; a section on the same name makes it
 * optional.
 */
static void
test_check_territory_vars(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const absent[] = {
		"6:3: territory \"t1\" has no branding \"phone\", but template "
		"welcome uses {{{territory.phone}}} for role newcomer by email in "
		"fr (fr/welcome.txt.mustache:2:4): the message would have a hole "
		"there; add it under branding (a text, or one per language: {fr: "
		"..., en: ...}), or test it in the template with "
		"{{#territory.phone}}",
		"6:3: territory \"t1\" has no branding \"signature\", but "
		"template welcome uses {{territory.signature}} for role newcomer "
		"by email in fr (fr/signature.mustache:1:4): ...",
		NULL };
	static const char *const spanish[] = {
		"11:18: territory \"t1\": branding \"signature\" has no text in "
		"fr, but template welcome uses {{territory.signature}} for role "
		"newcomer by email in fr (fr/signature.mustache:1:4): the "
		"message would have a hole there",
		NULL };
	static const char *const empty[] = {
		"12:14: territory \"t1\": branding \"phone\" is empty, but "
		"template welcome uses {{{territory.phone}}} for role newcomer by "
		"email in fr (fr/welcome.txt.mustache:2:4): the message would "
		"have a hole there",
		NULL };
	const struct test_dir	*t = *state;

	test_write(t, "templates/fr/welcome.txt.mustache",
	    "Bonjour {{first_name}}\nAu {{{territory.phone}}}. {{territory.name}}"
	    "{{#territory.website}} {{territory.website}}{{/territory.website}}\n"
	    "{{^territory.fax}}{{/territory.fax}}{{> signature}}");
	test_write(t, "templates/fr/signature.mustache",
	    "-- {{territory.signature}}");
	test_write(t, "templates/en/welcome.txt.mustache",
	    "Hello {{first_name}}\n{{> signature}}");
	test_write(t, "templates/en/signature.mustache",
	    "-- {{territory.signature}}");
	/* no branding: signature (in a partial) and phone; not website */
	test_checks(t, TEST_GATEWAYS TEST_T1 TEST_ROUTE_WELCOME
	    TEST_ROUTE_REST, absent);
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    branding:\n      signature: { fr: Equipe, en: Team }\n"
	    "      phone: \"819 555-0100\"\n"
	    TEST_ROUTE_WELCOME TEST_ROUTE_REST, none);
	/* a text in French only serves English too */
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    branding:\n      signature: { fr: Equipe }\n"
	    "      phone: \"819 555-0100\"\n"
	    TEST_ROUTE_WELCOME TEST_ROUTE_REST, none);
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    branding:\n      signature: { es: Equipo }\n"
	    "      phone: \"819 555-0100\"\n"
	    TEST_ROUTE_WELCOME TEST_ROUTE_REST, spanish);
	test_checks(t, TEST_GATEWAYS TEST_T1
	    "    branding:\n      signature: Equipe\n      phone: \"\"\n"
	    TEST_ROUTE_WELCOME TEST_ROUTE_REST, empty);
	/* a route that sends nothing renders nothing */
	test_checks(t, TEST_GATEWAYS TEST_T1 "routes:\n" TEST_ROUTE_REST, none);
}

/* A territory needs the sender of every channel a route sends it. */
static void
test_check_sender(void **state)
{
	static const char *const sms[] = {
		"6:3: territory \"t2\" has no SMS sender (sms: { from: "
		"\"+1...\" }), but the route at line 11 sends it SMS to role "
		"newcomer: every one would be dead-lettered; give the territory "
		"a sender, or the route a from:",
		NULL };

	test_checks(*state, TEST_GATEWAYS
	    "territories:\n"
	    "  t2:\n"
	    "    name: T2\n"
	    "    email: { from: t2@example.org }\n"
	    "routes:\n"
	    "  - { match: { channel: email }, gateways: out, template: welcome }\n"
	    "  - { match: { role: newcomer, channel: sms }, gateways: out, "
	    "template: welcome }\n"
	    TEST_ROUTE_REST, sms);
	/* the route's own from: will do */
	test_checks(*state, TEST_GATEWAYS
	    "territories:\n"
	    "  t2:\n"
	    "    name: T2\n"
	    "    email: { from: t2@example.org }\n"
	    "routes:\n"
	    "  - { match: { channel: email }, gateways: out, template: welcome }\n"
	    "  - { match: { role: newcomer, channel: sms }, gateways: out, "
	    "template: welcome, from: \"+18195550100\" }\n"
	    TEST_ROUTE_REST, (const char *const[]){ NULL });
}

/* A time zone that is not Area/Location warns, naming the zone to use. */
static void
test_tz_warnings(void **state)
{
	static const struct {
		const char	*zone;
		const char	*want;	/* NULL: no warning */
	} cases[] = {
		{ "America/Toronto", NULL },
		/* no DST in the place itself: its own name is right */
		{ "America/Regina", NULL },
		{ "EST", "fixed offset (UTC-05:00) without daylight saving "
		    "time: where clocks change, follow-ups, reminders and dates "
		    "in messages would be an hour off half the year; use the "
		    "place's IANA Area/Location name, such as "
		    "\"America/Toronto\"" },
		{ "Etc/GMT+5", "fixed offset (UTC-05:00) without daylight..." },
		{ "UTC", "fixed offset (UTC+00:00) without daylight..." },
		{ "Canada/Eastern", "not an IANA Area/Location name (a legacy "
		    "alias, which need not follow the place's history): use "
		    "\"America/Toronto\"" },
		{ "EST5EDT", "not an IANA Area/Location name (a legacy alias, "
		    "which need not follow the place's history): use..." },
	};
	const struct test_dir	*t = *state;
	struct config		*cf;
	struct diag		 d;
	char			 yaml[1024], want[1024];
	size_t			 i, n, len;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(yaml, sizeof yaml, TEST_GATEWAYS
		    "territories:\n  t1:\n    name: T1\n    timezone: %s\n"
		    TEST_ROUTES, cases[i].zone);
		cf = test_load_ok(t, yaml);
		diag_init(&d);
		n = config_warnings(cf, &d);
		assert_int_equal(n, d.n);
		test_print_diag(&d);
		if (cases[i].want == NULL) {
			assert_int_equal(d.n, 0);
		} else {
			assert_int_equal(d.n, 1);
			snprintf(want, sizeof want, "%s:8:15: warning: territory "
			    "\"t1\": time zone \"%s\" is a %s", t->path,
			    cases[i].zone, cases[i].want);
			if (strncmp(cases[i].want, "not", 3) == 0)
				snprintf(want, sizeof want, "%s:8:15: warning: "
				    "territory \"t1\": time zone \"%s\" is %s",
				    t->path, cases[i].zone, cases[i].want);
			len = strlen(want);
			if (strcmp(want + len - 3, "...") == 0)
				assert_memory_equal(d.msgs[0], want, len - 3);
			else
				assert_string_equal(d.msgs[0], want);
		}
		diag_free(&d);
		config_free(cf);
	}
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
		cmocka_unit_test_setup_teardown(test_bad_integer, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_kind, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_key_kind,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_route,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_missing_secret,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_claim_idle, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_required,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_url_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_url_ok, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_route_unknown_gateway,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_route_unknown_territory,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_municipality,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_missing_template,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_template_syntax,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_expand, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_consumer, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_password, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_bounces, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_several_errors, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_suggestions, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_suggestions_all,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_check_routes, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_check_templates,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_check_territory_vars,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_check_sender, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_words_files, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_tz_warnings, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_strict, test_setup,
		    test_teardown),
	};
	char	cwd[PATH_MAX];

	/* test_password changes directory and comes back here */
	if (getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	setenv("RELAIS_TEST_CWD", cwd, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
