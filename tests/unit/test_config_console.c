/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_console: the web console's section. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "config.h"
#include "config_fixture.h"
#include "diag.h"

#define SECRET	"0123456789abcdef0123456789abcdef"

/* No section: off, the defaults, the users file next to the config. */
static void
test_console_defaults(void **state)
{
	const struct test_dir	*d = *state;
	struct config		*cf;
	char			 want[256];

	cf = test_load_ok(d, TEST_BASE);
	assert_null(cf->console.listen);
	assert_null(cf->console.secret);
	assert_int_equal(cf->console.session_ttl_s, 28800);
	assert_int_equal(cf->console.secure_cookies, CONFIG_SECURE_AUTO);
	assert_int_equal(cf->console.nproxies, 0);
	assert_int_equal(cf->console.max_connections, 64);
	assert_int_equal(cf->console.request_timeout_ms, 10000);
	snprintf(want, sizeof want, "%s/console-users", d->dir);
	assert_string_equal(cf->console.users_file, want);
	config_free(cf);

	cf = test_load_ok(d, TEST_BASE "console: { listen: \"off\" }\n");
	assert_null(cf->console.listen);
	config_free(cf);
}

/* Every key, the secret from each of its three sources. */
static void
test_console_keys(void **state)
{
	const struct test_dir	*d = *state;
	struct config		*cf;
	unsigned char		 a[16];

	setenv("RELAIS_TEST_A", SECRET, 1);
	cf = test_load_ok(d, TEST_BASE
	    "console:\n"
	    "  listen: 127.0.0.1:0\n"
	    "  users_file: /etc/relais/users\n"
	    "  secret: ${RELAIS_TEST_A}\n"
	    "  session_ttl_s: 3600\n"
	    "  secure_cookies: true\n"
	    "  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n"
	    "  max_connections: 8\n"
	    "  request_timeout_ms: 2000\n");
	assert_string_equal(cf->console.listen, "127.0.0.1:0");
	assert_string_equal(cf->console.users_file, "/etc/relais/users");
	assert_string_equal(cf->console.secret, SECRET);
	assert_int_equal(cf->console.session_ttl_s, 3600);
	assert_int_equal(cf->console.secure_cookies, CONFIG_SECURE_ALWAYS);
	assert_int_equal(cf->console.nproxies, 2);
	memset(a, 0, sizeof a);
	a[10] = a[11] = 0xff;
	a[12] = 10;
	a[15] = 7;
	assert_true(admin_net_match(cf->console.proxies, cf->console.nproxies,
	    a));
	assert_int_equal(cf->console.max_connections, 8);
	assert_int_equal(cf->console.request_timeout_ms, 2000);
	config_free(cf);

	cf = test_load_ok(d, TEST_BASE
	    "console: { listen: \"[::1]:9188\", secret_env: RELAIS_TEST_A,\n"
	    "  users_file: sub/users, secure_cookies: \"false\" }\n");
	assert_string_equal(cf->console.secret, SECRET);
	assert_int_equal(cf->console.secure_cookies, CONFIG_SECURE_NEVER);
	assert_non_null(strstr(cf->console.users_file, "/sub/users"));
	assert_true(cf->console.users_file[0] == '/');
	config_free(cf);

	test_write(d, "console.secret", SECRET "\n");
	cf = test_load_ok(d, TEST_BASE
	    "console: { listen: 127.0.0.1:9188, secret_file: console.secret }\n");
	assert_string_equal(cf->console.secret, SECRET);
	config_free(cf);
}

/* What --check says of a console that cannot be. */
static void
test_console_errors(void **state)
{
	const struct test_dir	*d = *state;

	setenv("RELAIS_TEST_SHORT", "short secret", 1);
	test_error(d, "console: { listen: 127.0.0.1:9188, secret: "
	    "\"${RELAIS_TEST_SHORT}\" }\n" TEST_BASE,
	    "1:10: console: the secret is 12 bytes, it must be 32 at least "
	    "(e.g. openssl rand -hex 32)");
	test_error(d, "console: { listen: 127.0.0.1:9188 }\n" TEST_BASE,
	    "1:10: console: listen is set but no secret (secret, secret_env "
	    "or secret_file; 32 bytes at least, e.g. openssl rand -hex 32)");
	test_error(d, "console: { listen: localhost:9188, secret: "
	    SECRET " }\n" TEST_BASE,
	    "1:20: console listen: \"localhost\" is not a numeric IPv4 address "
	    "(or \"off\")");
	test_error(d, "console: { secure_cookies: maybe }\n" TEST_BASE,
	    "1:28: console: secure_cookies must be auto, true or false, not "
	    "\"maybe\"");
	test_error(d, "console: { trusted_proxies: [10.0.0.1/8] }\n" TEST_BASE,
	    "1:30: trusted_proxies: \"10.0.0.1/8\" has address bits set past "
	    "its /8 prefix");
	test_error(d, "console: { session_ttl_s: 10 }\n" TEST_BASE,
	    "1:27: session_ttl_s must be between 60 and 2592000, not 10");
	test_error(d, "console: [1]\n" TEST_BASE,
	    "1:10: console must be a map, not a sequence");
	test_error(d, "console: { secret: " SECRET ", secret_env: RELAIS_TEST_SHORT }\n"
	    TEST_BASE, "1:10: console: secret, secret_env and secret_file: "
	    "give one");
	/* off: a short secret is no error (nothing uses it) */
	{
		struct config	*cf;

		cf = test_load_ok(d, TEST_BASE "console: { secret: short }\n");
		config_free(cf);
	}
}

/* Listening beyond loopback with nothing saying TLS is in front: a warning. */
static void
test_console_warning(void **state)
{
	const struct test_dir	*d = *state;
	struct config		*cf;
	struct diag		 w;

	setenv("RELAIS_TEST_A", SECRET, 1);
	cf = test_load_ok(d, TEST_BASE "console: { listen: 0.0.0.0:9188, "
	    "secret_env: RELAIS_TEST_A }\n");
	diag_init(&w);
	assert_int_equal(config_warnings(cf, &w), 1);
	assert_non_null(strstr(w.msgs[0], "warning: console.listen 0.0.0.0:9188 "
	    "is not loopback"));
	diag_free(&w);
	config_free(cf);
	cf = test_load_ok(d, TEST_BASE "console: { listen: 0.0.0.0:9188, "
	    "secret_env: RELAIS_TEST_A, trusted_proxies: [10.0.0.1] }\n");
	diag_init(&w);
	assert_int_equal(config_warnings(cf, &w), 0);
	diag_free(&w);
	config_free(cf);
	cf = test_load_ok(d, TEST_BASE "console: { listen: 127.0.0.1:9188, "
	    "secret_env: RELAIS_TEST_A }\n");
	diag_init(&w);
	assert_int_equal(config_warnings(cf, &w), 0);
	diag_free(&w);
	config_free(cf);
}

/* relaisctl's reading: the users file alone, no secret needed. */
static void
test_console_users_file_only(void **state)
{
	const struct test_dir	*d = *state;
	struct config		*cf;
	struct diag		 diag;

	test_write(d, "relais.yaml", "redis: { url: \"redis://127.0.0.1:1\" }\n"
	    "console: { listen: 127.0.0.1:1, users_file: u.txt }\n");
	diag_init(&diag);
	cf = config_load_redis(d->path, &diag);
	test_print_diag(&diag);
	assert_non_null(cf);
	assert_non_null(strstr(cf->console.users_file, "/u.txt"));
	config_free(cf);
	diag_free(&diag);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_console_defaults,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_console_keys,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_console_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_console_warning,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_console_users_file_only,
		    test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
