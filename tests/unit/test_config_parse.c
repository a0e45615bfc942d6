/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* config_parse: option tables, booleans, ranges, lists, unknown keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_parse.h"
#include "diag.h"
#include "ynode.h"

/* A section as a table of options sets it. */
struct test_conf {
	char	*name;
	long	 port;
	long	 timeout_ms;
	long	 delta;
	char	*token;		/* token_env or token_file */
};

static const struct config_opt test_opts[] = {
	{ "name", CONFIG_STR, offsetof(struct test_conf, name), 0, 0,
	    "relais" },
	{ "port", CONFIG_LONG, offsetof(struct test_conf, port), 1, 65535,
	    "6379" },
	{ "timeout_ms", CONFIG_LONG, offsetof(struct test_conf, timeout_ms),
	    100, 60000, NULL },
	{ "delta", CONFIG_LONG, offsetof(struct test_conf, delta), -10, 10,
	    NULL },
	{ "token_env", CONFIG_ENV, offsetof(struct test_conf, token), 0, 0,
	    NULL },
	{ "token_file", CONFIG_FILE, offsetof(struct test_conf, token), 0, 0,
	    NULL },
	{ NULL, CONFIG_STR, 0, 0, 0, NULL },
};

#define TEST_KNOWN	"known: name, port, timeout_ms, delta, token_env, " \
			"token_file"

/* What one test needs: the YAML's root, the context, its diagnostics. */
struct test_env {
	struct ynode		*root;
	struct diag		 diag;
	struct diag		 warn;
	struct config_ctx	 c;
	char			 missing[256];
	char			 dir[64];
};

static struct test_env	 env;

/* Loads text (it must be valid YAML) as t.yaml in dir. */
static struct ynode *
test_load(const char *text)
{
	struct diag	d;

	ynode_free(env.root);
	diag_init(&d);
	env.root = ynode_load_string("t.yaml", text, strlen(text), &d);
	if (env.root == NULL)
		fail_msg("YAML refused: %s", d.n > 0 ? d.msgs[0] : "?");
	diag_free(&d);
	diag_free(&env.diag);
	diag_free(&env.warn);
	return env.root;
}

/* The only diagnostic is want. */
static void
test_one(const char *want)
{
	if (env.diag.n != 1)
		fail_msg("expected 1 message (%s), got %zu%s%s", want,
		    env.diag.n, env.diag.n > 0 ? ": " : "",
		    env.diag.n > 0 ? env.diag.msgs[0] : "");
	assert_string_equal(env.diag.msgs[0], want);
}

static int
test_setup(void **state)
{
	(void)state;
	memset(&env, 0, sizeof env);
	diag_init(&env.diag);
	diag_init(&env.warn);
	snprintf(env.dir, sizeof env.dir, "/tmp/relais-cfgparse-XXXXXX");
	if (mkdtemp(env.dir) == NULL)
		return -1;
	env.c.file = "t.yaml";
	env.c.dir = env.dir;
	env.c.diag = &env.diag;
	return 0;
}

static int
test_teardown(void **state)
{
	char	path[128];

	(void)state;
	ynode_free(env.root);
	diag_free(&env.diag);
	diag_free(&env.warn);
	snprintf(path, sizeof path, "%s/token", env.dir);
	unlink(path);
	rmdir(env.dir);
	return 0;
}

/* Absent section: the defaults; present: its values over them. */
static void
test_section(void **state)
{
	struct test_conf	 t;
	struct ynode		*r;

	(void)state;
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, NULL, test_opts, &t, "redis"),
	    0);
	assert_string_equal(t.name, "relais");
	assert_int_equal(t.port, 6379);
	assert_int_equal(t.timeout_ms, 0);
	assert_null(t.token);
	config_section_free(test_opts, &t);
	assert_null(t.name);

	memset(&t, 0, sizeof t);
	r = test_load("redis:\n  name: other\n  port: 65535\n"
	    "  timeout_ms: 100\n  delta: -10\n");
	assert_int_equal(config_section(&env.c, ynode_get(r, "redis"),
	    test_opts, &t, "redis"), 0);
	assert_int_equal(env.diag.n, 0);
	assert_string_equal(t.name, "other");
	assert_int_equal(t.port, 65535);
	assert_int_equal(t.timeout_ms, 100);
	assert_int_equal(t.delta, -10);
	config_section_free(test_opts, &t);

	/* not a map: said so, the defaults all the same */
	memset(&t, 0, sizeof t);
	r = test_load("redis: [a, b]\n");
	assert_int_equal(config_section(&env.c, ynode_get(r, "redis"),
	    test_opts, &t, "redis"), -1);
	test_one("t.yaml:1:8: redis must be a map, not a sequence");
	assert_string_equal(t.name, "relais");
	assert_int_equal(t.port, 6379);
	config_section_free(test_opts, &t);
}

/* Integers: the range's ends pass, one past them fails, text fails. */
static void
test_integers(void **state)
{
	static const struct { const char *yaml, *want; } bad[] = {
		{ "port: 0\n", "t.yaml:1:7: port must be between 1 and 65535, "
		    "not 0" },
		{ "port: 65536\n", "t.yaml:1:7: port must be between 1 and "
		    "65535, not 65536" },
		{ "delta: -11\n", "t.yaml:1:8: delta must be between -10 and "
		    "10, not -11" },
		{ "timeout_ms: 99\n", "t.yaml:1:13: timeout_ms must be between "
		    "100 and 60000, not 99" },
		{ "port: abc\n", "t.yaml:1:7: port must be an integer, not "
		    "\"abc\"" },
		{ "port: 12x\n", "t.yaml:1:7: port must be an integer, not "
		    "\"12x\"" },
		{ "port: 1.5\n", "t.yaml:1:7: port must be an integer, not "
		    "\"1.5\"" },
		{ "port: \"\"\n", "t.yaml:1:7: port must be an integer, not "
		    "\"\"" },
		{ "port: 99999999999999999999\n", "t.yaml:1:7: port must be an "
		    "integer, not \"99999999999999999999\"" },
		{ "port: [1]\n", "t.yaml:1:7: port must be a scalar, not a "
		    "sequence" },
		{ "port: {a: 1}\n", "t.yaml:1:7: port must be a scalar, not a "
		    "map" },
	};
	static const struct { const char *yaml; long port, delta; } good[] = {
		{ "port: 1\n", 1, 0 },
		{ "port: \"80\"\n", 80, 0 },
		{ "delta: 10\n", 6379, 10 },
		{ "delta: -0\n", 6379, 0 },
	};
	struct test_conf	 t;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&t, 0, sizeof t);
		assert_int_equal(config_section(&env.c, test_load(bad[i].yaml),
		    test_opts, &t, "redis"), -1);
		test_one(bad[i].want);
		/* the value refused is not set: the default stays */
		assert_int_equal(t.port, 6379);
		config_section_free(test_opts, &t);
	}
	for (i = 0; i < sizeof good / sizeof *good; i++) {
		memset(&t, 0, sizeof t);
		assert_int_equal(config_section(&env.c, test_load(good[i].yaml),
		    test_opts, &t, "redis"), 0);
		assert_int_equal(env.diag.n, 0);
		assert_int_equal(t.port, good[i].port);
		assert_int_equal(t.delta, good[i].delta);
		config_section_free(test_opts, &t);
	}
}

/* Unknown keys, with a did-you-mean when one is close; every error told. */
static void
test_unknown(void **state)
{
	static const char *const known[] = { "id", "name", NULL, "languages" };
	static const char *const known_nt[] = { "id", "name", "languages",
	    NULL };
	struct test_conf	 t;
	struct ynode		*r;

	(void)state;
	memset(&t, 0, sizeof t);
	r = test_load("prot: 1\nname: x\nzzzzzzzzz: 2\nport: 0\n");
	assert_int_equal(config_section(&env.c, r, test_opts, &t, "redis"), -1);
	assert_int_equal(env.diag.n, 3);
	assert_string_equal(env.diag.msgs[0], "t.yaml:1:1: unknown key "
	    "\"prot\" in redis: did you mean \"port\"? " TEST_KNOWN);
	assert_string_equal(env.diag.msgs[1], "t.yaml:3:1: unknown key "
	    "\"zzzzzzzzz\" in redis (" TEST_KNOWN ")");
	assert_string_equal(env.diag.msgs[2], "t.yaml:4:7: port must be "
	    "between 1 and 65535, not 0");
	/* what was right is applied anyway */
	assert_string_equal(t.name, "x");
	config_section_free(test_opts, &t);

	/* without WHERE, NULL names skipped */
	r = test_load("x: 1\n");
	config_unknown(&env.c, r->keys[0], "territory", "nmae", NULL, known, 4);
	test_one("t.yaml:1:1: unknown territory \"nmae\": did you mean "
	    "\"name\"? known: id, name, languages");

	r = test_load("id: 1\nnmae: x\nlanguages: [fr]\n");
	assert_int_equal(config_keys_known(&env.c, r, known_nt, "territory"),
	    -1);
	test_one("t.yaml:2:1: unknown key \"nmae\" in territory: did you mean "
	    "\"name\"? known: id, name, languages");
	r = test_load("id: 1\nname: x\n");
	assert_int_equal(config_keys_known(&env.c, r, known_nt, "territory"),
	    0);
	assert_int_equal(env.diag.n, 0);

	assert_ptr_equal(config_opt_find(test_opts, "delta"), &test_opts[3]);
	assert_null(config_opt_find(test_opts, "Delta"));
	assert_null(config_opt_find(test_opts, ""));
}

/* Booleans are true or false, literally. */
static void
test_bool(void **state)
{
	static const char *const bad[] = { "c", "d", "e", "f" };
	struct ynode	*r;
	int		 v;
	size_t		 i;
	char		 want[64];

	(void)state;
	r = test_load("a: true\nb: false\nc: yes\nd: TRUE\ne: [true]\nf: 1\n"
	    "g: \"true\"\n");
	v = -1;
	assert_int_equal(config_bool(&env.c, r, "a", &v), 0);
	assert_int_equal(v, 1);
	v = -1;
	assert_int_equal(config_bool(&env.c, r, "b", &v), 0);
	assert_int_equal(v, 0);
	v = -1;
	assert_int_equal(config_bool(&env.c, r, "absent", &v), 0);
	assert_int_equal(v, 0);
	v = -1;
	assert_int_equal(config_bool(&env.c, r, "g", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(env.diag.n, 0);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		diag_free(&env.diag);
		v = -1;
		assert_int_equal(config_bool(&env.c, r, bad[i], &v), -1);
		assert_int_equal(v, 0);
		snprintf(want, sizeof want, "t.yaml:%zu:4: %s must be true or "
		    "false", i + 3, bad[i]);
		test_one(want);
	}
}

/* A string or a list of strings; what was read stays the caller's. */
static void
test_strings(void **state)
{
	struct ynode	*r;
	char		**v;
	size_t		  n;

	(void)state;
	r = test_load("one: x\nmany: [a, b, c]\nnone: []\nbad: [a, {k: v}, c]\n"
	    "map: {k: v}\n");
	assert_int_equal(config_strings(&env.c, ynode_get(r, "one"), "one", &v,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "x");
	config_free_strings(v, n);
	assert_int_equal(config_strings(&env.c, ynode_get(r, "many"), "many",
	    &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[2], "c");
	config_free_strings(v, n);
	assert_int_equal(config_strings(&env.c, ynode_get(r, "none"), "none",
	    &v, &n), 0);
	assert_int_equal(n, 0);
	config_free_strings(v, n);
	assert_int_equal(env.diag.n, 0);

	/* stops at the first item that is not a string; those before are out */
	assert_int_equal(config_strings(&env.c, ynode_get(r, "bad"), "gateways",
	    &v, &n), -1);
	test_one("t.yaml:4:10: gateways must be a scalar, not a map");
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "a");
	config_free_strings(v, n);
	diag_free(&env.diag);
	assert_int_equal(config_strings(&env.c, ynode_get(r, "map"), "map", &v,
	    &n), -1);
	test_one("t.yaml:5:6: map must be a sequence, not a map");
	assert_int_equal(n, 0);
	config_free_strings(v, n);
}

/* Scalars of a map, errors and warnings where they go. */
static void
test_scalar_err_warn(void **state)
{
	struct ynode	*r;
	char		*s;

	(void)state;
	r = test_load("url: http://x\nlist: [1]\n");
	assert_string_equal(config_scalar(&env.c, r, "url"), "http://x");
	assert_null(config_scalar(&env.c, r, "absent"));
	assert_int_equal(env.diag.n, 0);
	assert_null(config_scalar(&env.c, r, "list"));
	test_one("t.yaml:2:7: list must be a scalar, not a sequence");
	diag_free(&env.diag);
	assert_int_equal(config_expect(&env.c, r, YNODE_MAP, "top"), 0);
	assert_int_equal(config_expect(&env.c, r, YNODE_SEQ, "top"), -1);
	test_one("t.yaml:1:1: top must be a sequence, not a map");
	diag_free(&env.diag);

	/* no node: a whole-file message */
	config_err(&env.c, NULL, "no %s section", "redis");
	test_one("t.yaml: no redis section");
	diag_free(&env.diag);

	/* warnings go nowhere until asked for, then apart from errors */
	config_warn(&env.c, r->items[0], "in clear");
	assert_int_equal(env.diag.n, 0);
	env.c.warn = &env.warn;
	config_warn(&env.c, r->items[0], "in %s", "clear");
	assert_int_equal(env.diag.n, 0);
	assert_int_equal(env.warn.n, 1);
	assert_string_equal(env.warn.msgs[0], "t.yaml:1:6: warning: in clear");

	assert_null(config_dup(NULL));
	s = config_dup("dup");
	assert_string_equal(s, "dup");
	free(s);
}

/* Secrets from the environment and from files; noted when out of reach. */
static void
test_secrets(void **state)
{
	struct test_conf	 t;
	char			 path[128], text[256], want[512];
	FILE			*f;

	(void)state;
	snprintf(path, sizeof path, "%s/token", env.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("s3cret\r\n\n", f);
	fclose(f);

	/* relative to the configuration's directory, newlines dropped */
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c,
	    test_load("token_file: token\n"), test_opts, &t, "g"), 0);
	assert_string_equal(t.token, "s3cret");
	config_section_free(test_opts, &t);
	memset(&t, 0, sizeof t);
	snprintf(text, sizeof text, "token_file: %s\n", path);
	assert_int_equal(config_section(&env.c, test_load(text), test_opts, &t,
	    "g"), 0);
	assert_string_equal(t.token, "s3cret");
	config_section_free(test_opts, &t);

	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, test_load("token_file: nope\n"),
	    test_opts, &t, "g"), -1);
	snprintf(want, sizeof want, "t.yaml:1:13: cannot read %s/nope: No such "
	    "file or directory", env.dir);
	test_one(want);
	assert_null(t.token);
	config_section_free(test_opts, &t);

	/* a line break inside a secret: refused, the secret not shown */
	assert_non_null(f = fopen(path, "w"));
	fputs("s3c\nret\n", f);
	fclose(f);
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c,
	    test_load("token_file: token\n"), test_opts, &t, "g"), -1);
	test_one("t.yaml:1:13: token_file: the secret in token holds a "
	    "control character (a line break?) at byte 4: it cannot go in a "
	    "request");
	config_section_free(test_opts, &t);
	assert_int_equal(setenv("RELAIS_TEST_CP_TOKEN", "a\tb", 1), 0);
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, test_load("token_env: "
	    "RELAIS_TEST_CP_TOKEN\n"), test_opts, &t, "g"), -1);
	test_one("t.yaml:1:12: token_env: the secret in RELAIS_TEST_CP_TOKEN "
	    "holds a control character (a line break?) at byte 2: it cannot "
	    "go in a request");
	config_section_free(test_opts, &t);

	assert_int_equal(setenv("RELAIS_TEST_CP_TOKEN", "from-env", 1), 0);
	unsetenv("RELAIS_TEST_CP_UNSET");
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, test_load("token_env: "
	    "RELAIS_TEST_CP_TOKEN\n"), test_opts, &t, "g"), 0);
	assert_string_equal(t.token, "from-env");
	config_section_free(test_opts, &t);
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, test_load("token_env: "
	    "RELAIS_TEST_CP_UNSET\n"), test_opts, &t, "g"), -1);
	test_one("t.yaml:1:12: token_env: environment variable "
	    "RELAIS_TEST_CP_UNSET is not set");
	config_section_free(test_opts, &t);

	/* while reading a gateway: noted, not reported */
	env.c.missing = env.missing;
	env.c.missinglen = sizeof env.missing;
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, test_load("token_env: "
	    "RELAIS_TEST_CP_UNSET\n"), test_opts, &t, "g"), 0);
	assert_int_equal(env.diag.n, 0);
	assert_null(t.token);
	assert_string_equal(env.missing, "token_env: environment variable "
	    "RELAIS_TEST_CP_UNSET is not set");
	config_section_free(test_opts, &t);
	memset(&t, 0, sizeof t);
	assert_int_equal(config_section(&env.c, test_load("token_file: nope\n"),
	    test_opts, &t, "g"), 0);
	assert_int_equal(env.diag.n, 0);
	assert_null(t.token);
	snprintf(want, sizeof want, "cannot read %s/nope: No such file or "
	    "directory", env.dir);
	assert_string_equal(env.missing, want);
	config_section_free(test_opts, &t);
	unsetenv("RELAIS_TEST_CP_TOKEN");
}

/* Loopback hosts: localhost, 127.x, [::1]; after any user info. */
static void
test_loopback(void **state)
{
	static const struct { const char *url; int want; } v[] = {
		{ "http://localhost/", 1 },
		{ "http://localhost:8080/hook", 1 },
		{ "http://localhost", 1 },
		{ "http://127.0.0.1:9000/x", 1 },
		{ "http://127.1.2.3", 1 },
		{ "https://[::1]:8443/", 1 },
		{ "http://[::1]/", 1 },
		{ "smtp://user:pw@localhost:25", 1 },
		{ "http://example.org/", 0 },
		{ "http://localhost.example.org/", 0 },
		{ "http://localhostx/", 0 },
		{ "http://10.0.0.1/", 0 },
		{ "http://[::2]/", 0 },
		{ "http://[2001:db8::1]/", 0 },
		{ "http://localhost@evil.example/", 0 },
		{ "http://evil.example/?next=http://localhost/", 0 },
		{ "http://evil.example/a@localhost/", 0 },
		{ "localhost", 0 },
		{ "", 0 },
		/* names that only start like a loopback address */
		{ "http://127.evil.example/", 0 },
		{ "http://127.0.0.1.nip.io/", 0 },
		{ "http://[::1]evil/", 0 },
		{ "http://[::1]", 1 },
		{ "http://127.0.0.1?x", 1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		if (config_url_loopback(v[i].url) != v[i].want)
			fail_msg("%s: expected %d", v[i].url, v[i].want);
	}
}

/* A default the table gets wrong is reported, at no place in the file. */
static void
test_bad_default(void **state)
{
	static const struct config_opt opts[] = {
		{ "port", CONFIG_LONG, 0, 1, 10, "20" },
		{ NULL, CONFIG_STR, 0, 0, 0, NULL },
	};
	long	port = 0;

	(void)state;
	config_defaults(&env.c, opts, &port);
	test_one("t.yaml: port must be between 1 and 10, not 20");
	assert_int_equal(port, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_section, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_integers, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_unknown, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_bool, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_strings, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_scalar_err_warn,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_secrets, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_loopback, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_bad_default, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
