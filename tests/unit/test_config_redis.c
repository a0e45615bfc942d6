/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_redis: the redis section, its URL, consumer, password. */
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
#include "config_fixture.h"

/* Without a redis section: the local server, and how relais reads it. */
static void
test_redis_defaults(void **state)
{
	struct config	*cf;
	char		 host[256];

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
	config_free(cf);
}

static void
test_redis_unknown_key(void **state)
{
	test_error(*state, "redis:\n  url: redis://h/0\n  bogus: 1\n" TEST_BASE,
	    "3:3: unknown key \"bogus\" in redis");
}

static void
test_redis_wrong_type(void **state)
{
	test_error(*state, "redis: localhost\n" TEST_BASE,
	    "1:8: redis must be a map, not a scalar");
	test_error(*state, "redis:\n  batch: { n: 1 }\n" TEST_BASE,
	    "2:10: batch must be a scalar, not a map");
	test_error(*state, "redis:\n  url:\n    host: h\n" TEST_BASE,
	    "3:5: url must be a scalar, not a map");
}

static void
test_redis_int_bounds(void **state)
{
	test_error(*state, "redis:\n  batch: 0\n" TEST_BASE,
	    "2:10: batch must be between 1 and 10000, not 0");
	test_error(*state, "redis:\n  batch: 10001\n" TEST_BASE,
	    "2:10: batch must be between 1 and 10000, not 10001");
	test_error(*state, "redis:\n  seen_ttl_s: 59\n" TEST_BASE,
	    "2:15: seen_ttl_s must be between 60 and 31622400, not 59");
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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_redis_defaults, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_unknown_key,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_wrong_type,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_int_bounds,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_bad_integer, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_url_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_redis_url_ok, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_consumer, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_password, test_setup,
		    test_teardown),
	};
	char	cwd[PATH_MAX];

	/* test_password changes directory and comes back here */
	if (getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	setenv("RELAIS_TEST_CWD", cwd, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
