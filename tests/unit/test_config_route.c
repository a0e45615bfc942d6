/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_route: matches, gateways, windows, order of the routes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "config_fixture.h"

/* A route's position, and no role to match: any. */
static void
test_route_defaults(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE);
	assert_int_equal(cf->nroutes, 1);
	assert_int_equal(cf->routes[0].line, 10);
	assert_int_equal(cf->routes[0].col, 5);
	assert_null(cf->routes[0].role);
	config_free(cf);
}

static void
test_route_unknown_key(void **state)
{
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

static void
test_route_wrong_type(void **state)
{
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
}

/*
 * A match field of the wrong type is an error, and the load fails: it must
 * not silently fall back to NULL, which would match everything.
 */
static void
test_route_wrong_type_optional(void **state)
{
	test_error(*state, "routes:\n"
	    "  - match: { type: [newcomer.arrived], channel: email }\n"
	    "    gateways: [out]\n    template: welcome\n"
	    TEST_GATEWAYS TEST_TERRITORIES,
	    "2:20: type must be a scalar, not a sequence");
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

/* An unknown gateway or window in full: the did-you-mean, the known ones. */
static void
test_route_suggestions(void **state)
{
	test_error(*state, "gateways:\n  sendgrid: { kind: outbox, path: o }\n"
	    "  outbox: { kind: outbox, path: o2 }\n" TEST_TERRITORIES
	    "routes:\n  - { gateways: [sendgird], template: welcome }\n",
	    "9:18: unknown gateway \"sendgird\": did you mean \"sendgrid\"? "
	    "known: sendgrid, outbox");
	test_error(*state, "windows:\n  day:\n    intervals:\n"
	    "      - times: [{ start_time: \"09:00\", end_time: \"17:00\" }]\n"
	    TEST_GATEWAYS TEST_TERRITORIES
	    "routes:\n  - { gateways: out, template: welcome, window: dya }\n",
	    "14:49: unknown window \"dya\": did you mean \"day\"? known: day");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_route_defaults, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_route_unknown_key,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_route_wrong_type,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_route_wrong_type_optional,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_route_unknown_gateway,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_route_unknown_territory,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_route,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_route_suggestions,
		    test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
