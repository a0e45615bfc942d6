/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for route: first match wins, absent fields match anything, NULL query fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "route.h"

/* A route as the config loader would build it; strings are borrowed. */
#define TEST_ROUTE(ty, ro, ch, te, la, tmpl) \
	{ .type = (char *)(ty), .role = (char *)(ro), .channel = (char *)(ch), \
	  .territory = (char *)(te), .language = (char *)(la), \
	  .template = (char *)(tmpl) }

static struct config_route test_routes[] = {
	/* 0: a territory-specific email route, before the general one */
	TEST_ROUTE("newcomer.arrived", "newcomer", "email", "abitibi", NULL,
	    "welcome-abitibi"),
	/* 1: English email anywhere */
	TEST_ROUTE("newcomer.arrived", "newcomer", "email", NULL, "en",
	    "welcome-en"),
	/* 2: any newcomer email */
	TEST_ROUTE("newcomer.arrived", "newcomer", "email", NULL, NULL,
	    "welcome"),
	/* 3: the same match again: never reached */
	TEST_ROUTE("newcomer.arrived", "newcomer", "email", NULL, NULL,
	    "shadowed"),
	/* 4: SMS of any event type and role */
	TEST_ROUTE(NULL, NULL, "sms", NULL, NULL, "sms-any"),
	/* 5: catch-all */
	TEST_ROUTE(NULL, NULL, NULL, NULL, NULL, "catch-all"),
};

static struct config *
test_config(size_t nroutes)
{
	static struct config	cf;

	memset(&cf, 0, sizeof cf);
	cf.routes = test_routes;
	cf.nroutes = nroutes;
	return &cf;
}

/* The template of the route chosen for q, or "(none)". */
static const char *
test_pick(const struct config *cf, const char *type, const char *role,
    const char *channel, const char *territory, const char *language)
{
	struct route_query		 q = { type, role, channel, territory,
					    language };
	const struct config_route	*r;

	r = route_match(cf, &q);
	return r != NULL ? r->template : "(none)";
}

static void
test_first_match(void **state)
{
	struct config	*cf = test_config(6);

	(void)state;
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", "abitibi", "fr"), "welcome-abitibi");
	/* abitibi and English: route 0 comes first and ignores language */
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", "abitibi", "en"), "welcome-abitibi");
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", "temiscamingue", "en"), "welcome-en");
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", "temiscamingue", "fr"), "welcome");
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "sms", "abitibi", "fr"), "sms-any");
	assert_string_equal(test_pick(cf, "other.event", "employer", "sms",
	    "abitibi", "fr"), "sms-any");
	assert_string_equal(test_pick(cf, "other.event", "employer", "email",
	    "abitibi", "fr"), "catch-all");
	assert_string_equal(test_pick(cf, "newcomer.arrived", "counsellor",
	    "email", "abitibi", "fr"), "catch-all");
}

/* The returned route is the element of cf->routes, not a copy. */
static void
test_returns_first_index(void **state)
{
	struct config			*cf = test_config(6);
	struct route_query		 q = { "newcomer.arrived", "newcomer",
					    "email", "rouyn-noranda", "fr" };

	(void)state;
	assert_ptr_equal(route_match(cf, &q), &cf->routes[2]);
	q.channel = "sms";
	assert_ptr_equal(route_match(cf, &q), &cf->routes[4]);
}

/* A NULL field in the query only matches routes that don't ask for it. */
static void
test_null_query_fields(void **state)
{
	struct config	*cf = test_config(6);

	(void)state;
	/* no territory: route 0 asks for one, so route 2 is chosen */
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", NULL, "fr"), "welcome");
	/* no language: route 1 asks for "en", skipped */
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", "temiscamingue", NULL), "welcome");
	/* no channel: only the catch-all does not ask for a channel */
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    NULL, "abitibi", "fr"), "catch-all");
	assert_string_equal(test_pick(cf, NULL, NULL, NULL, NULL, NULL),
	    "catch-all");
	assert_string_equal(test_pick(cf, NULL, NULL, "sms", NULL, NULL),
	    "sms-any");
}

static void
test_no_match(void **state)
{
	struct config	*cf = test_config(5);	/* without the catch-all */

	(void)state;
	assert_string_equal(test_pick(cf, "other.event", "employer", "email",
	    "abitibi", "fr"), "(none)");
	assert_string_equal(test_pick(cf, NULL, NULL, NULL, NULL, NULL),
	    "(none)");
	/* values compare exactly: no case folding, no prefixes */
	assert_string_equal(test_pick(cf, "Newcomer.Arrived", "newcomer",
	    "email", NULL, NULL), "(none)");
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "emails", NULL, NULL), "(none)");
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "EMAIL", NULL, NULL), "(none)");
	cf = test_config(0);
	assert_string_equal(test_pick(cf, "newcomer.arrived", "newcomer",
	    "email", NULL, NULL), "(none)");
}

/* The shipped configuration: email and SMS newcomer routes, to the outbox. */
static void
test_shipped(void **state)
{
	const struct config_route	*r;
	struct route_query		 q = { "newcomer.arrived", "newcomer",
					    "email", "abitibi", "fr" };
	struct config			*cf;
	struct diag			 d;
	size_t				 i;

	(void)state;
	unsetenv("RELAIS_EMAIL_GATEWAY");
	unsetenv("RELAIS_SMS_GATEWAY");
	diag_init(&d);
	cf = config_load("config/relais.yaml", &d);
	for (i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	assert_non_null(cf);
	assert_int_equal(cf->nroutes, 9);

	r = route_match(cf, &q);
	assert_ptr_equal(r, &cf->routes[0]);
	assert_string_equal(r->template, "welcome");
	assert_int_equal(r->ngateways, 1);
	assert_string_equal(r->gateways[0], "outbox");

	q.channel = "sms";
	q.language = NULL;
	q.territory = NULL;
	r = route_match(cf, &q);
	assert_ptr_equal(r, &cf->routes[1]);
	assert_string_equal(r->channel, "sms");

	q.channel = "push";
	assert_null(route_match(cf, &q));
	q.channel = "email";
	q.role = "employer";
	assert_null(route_match(cf, &q));	/* employers: job.posted, digests */
	q.type = "job.posted";
	r = route_match(cf, &q);
	assert_non_null(r);
	assert_string_equal(r->template, "match_alert");
	q.channel = "sms";
	r = route_match(cf, &q);
	assert_non_null(r);
	assert_true(r->nosend);			/* no SMS to employers */
	q.channel = "email";
	q.type = "newcomer.arrived";
	q.role = NULL;		/* the routes ask for a role */
	assert_null(route_match(cf, &q));
	q.role = "newcomer";
	q.type = "newcomer.left";
	assert_null(route_match(cf, &q));

	config_free(cf);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_returns_first_index),
		cmocka_unit_test(test_null_query_fields),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
