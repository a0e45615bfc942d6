/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_check: what a valid config would send broken; names, zones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "diag.h"
#include "config_fixture.h"

/*
 * A template or a time zone that does not exist: the did-you-mean when one
 * is close, the known ones always.
 */
static void
test_check_suggestions(void **state)
{
	const struct test_dir	*t = *state;
	char			 fr[512], en[512];
	const char		*two[] = { fr, en, NULL };

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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_check_suggestions,
		    test_setup, test_teardown),
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
		cmocka_unit_test_setup_teardown(test_tz_warnings, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
