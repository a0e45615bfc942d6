/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_gateway: kinds and their keys, secrets, claim_idle_ms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "config.h"
#include "gw_webhook.h"
#include "config_fixture.h"

/* The keys every gateway has, when the file does not give them. */
static void
test_gateway_defaults(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE);
	assert_int_equal(cf->ngateways, 1);
	assert_string_equal(cf->gateways[0].name, "out");
	assert_int_equal(cf->gateways[0].line, 2);
	assert_int_equal(cf->gateways[0].col, 3);
	assert_int_equal(cf->gateways[0].max_concurrency, 32);
	assert_int_equal(cf->gateways[0].connect_timeout_ms, 5000);
	assert_int_equal(cf->gateways[0].timeout_ms, 15000);
	config_free(cf);
}

static void
test_gateway_unknown_key(void **state)
{
	test_error(*state,
	    "gateways:\n"
	    "  out:\n"
	    "    kind: outbox\n"
	    "    path: out.jsonl\n"
	    "    colour: red\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:5: unknown key \"colour\" in gateway");
}

static void
test_gateway_wrong_type(void **state)
{
	static const char *const seq_gateways[] = {
		"1:11: gateways must be a map, not a sequence",
		"8:16: unknown gateway \"out\"",
		NULL };

	/* the routes naming the gateways then fail too */
	test_errors(*state, "gateways: [out]\n" TEST_TERRITORIES TEST_ROUTES,
	    seq_gateways);
	test_error(*state, "gateways:\n  out: outbox\n  real:\n"
	    "    kind: outbox\n    path: o\n" TEST_TERRITORIES
	    "routes:\n  - gateways: [real]\n    template: welcome\n",
	    "2:8: a gateway must be a map, not a scalar");
}

static void
test_gateway_int_bounds(void **state)
{
	test_error(*state, "gateways:\n  out:\n    kind: outbox\n"
	    "    path: o\n    max_concurrency: 10001\n"
	    TEST_TERRITORIES TEST_ROUTES,
	    "5:22: max_concurrency must be between 1 and 10000, not 10001");
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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_gateway_defaults,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_unknown_key,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_wrong_type,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_int_bounds,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_kind, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_key_kind,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_missing_secret, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_claim_idle, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_required,
		    test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
