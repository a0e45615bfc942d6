/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_handlers: retention, the follow-up plan, matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "config_fixture.h"

/* The plan shipped when the file names none: the first year. */
static const struct {
	const char	*kind;
	long		 days;
	int		 checkin;
} test_plan_default[] = {
	{ "d7", 7, 1 }, { "d30", 30, 0 }, { "d90", 90, 1 }, { "d180", 180, 0 },
	{ "d365", 365, 1 },
};

/* No profiles, followups nor matching section: their defaults. */
static void
test_handlers_defaults(void **state)
{
	struct config	*cf;
	size_t		 i, n = sizeof test_plan_default /
			    sizeof *test_plan_default;

	cf = test_load_ok(*state, TEST_BASE);
	assert_int_equal(cf->retention_days, 730);
	assert_int_equal(cf->followups.at_min, 9 * 60);
	/* the counsellors' reminder goes when the follow-ups fall due */
	assert_int_equal(cf->followups.reminders_at_min, 9 * 60);
	assert_int_equal(cf->followups.reminders_gather_s, 300);
	assert_int_equal(cf->followups.nplan, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(cf->followups.plan[i].kind,
		    test_plan_default[i].kind);
		assert_int_equal(cf->followups.plan[i].days,
		    test_plan_default[i].days);
		assert_int_equal(cf->followups.plan[i].checkin,
		    test_plan_default[i].checkin);
	}
	assert_int_equal(cf->matching.unit_group, 60);
	assert_int_equal(cf->matching.minor_group, 45);
	assert_int_equal(cf->matching.sub_major_group, 35);
	assert_int_equal(cf->matching.major_group, 25);
	assert_int_equal(cf->matching.broad_category, 15);
	assert_int_equal(cf->matching.per_skill, 10);
	assert_int_equal(cf->matching.max_skill_points, 40);
	assert_int_equal(cf->matching.threshold, 50);
	assert_int_equal(cf->matching.digest_window_s, 3600);
	assert_int_equal(cf->matching.max_candidates, 20);
	config_free(cf);
}

/* Values given replace the defaults; a plan given replaces the whole plan. */
static void
test_handlers_values(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE
	    "profiles:\n  retention_days: 36600\n"
	    "followups:\n"
	    "  at: \"08:30\"\n"
	    "  reminders_at: \"23:59\"\n"
	    "  reminders_gather_s: 0\n"
	    "  plan:\n"
	    "    - { kind: d14, days: 14, checkin: true }\n"
	    "    - { kind: year_10-end, days: 3660, checkin: false }\n"
	    "    - { kind: d1, days: 1 }\n"
	    "matching:\n  unit_group: 100\n  threshold: 1\n"
	    "  max_candidates: 200\n");
	assert_int_equal(cf->retention_days, 36600);
	assert_int_equal(cf->followups.at_min, 8 * 60 + 30);
	assert_int_equal(cf->followups.reminders_at_min, 23 * 60 + 59);
	assert_int_equal(cf->followups.reminders_gather_s, 0);
	assert_int_equal(cf->followups.nplan, 3);
	assert_string_equal(cf->followups.plan[0].kind, "d14");
	assert_int_equal(cf->followups.plan[0].days, 14);
	assert_true(cf->followups.plan[0].checkin);
	assert_string_equal(cf->followups.plan[1].kind, "year_10-end");
	assert_int_equal(cf->followups.plan[1].days, 3660);
	assert_false(cf->followups.plan[1].checkin);
	assert_false(cf->followups.plan[2].checkin);
	assert_int_equal(cf->matching.unit_group, 100);
	assert_int_equal(cf->matching.threshold, 1);
	assert_int_equal(cf->matching.max_candidates, 200);
	/* the others keep theirs */
	assert_int_equal(cf->matching.minor_group, 45);
	config_free(cf);

	/* reminders_at follows at when not given */
	cf = test_load_ok(*state, TEST_BASE "followups:\n  at: \"00:00\"\n");
	assert_int_equal(cf->followups.at_min, 0);
	assert_int_equal(cf->followups.reminders_at_min, 0);
	assert_int_equal(cf->followups.nplan, 5);
	config_free(cf);
}

/* followups: times of day, the gathering delay, each planned follow-up. */
static void
test_handlers_followups_errors(void **state)
{
	test_error(*state, TEST_BASE "followups: [d7]\n",
	    "13:12: followups must be a map, not a sequence");
	test_error(*state, TEST_BASE "followups:\n  plans: []\n",
	    "14:3: unknown key \"plans\" in followups");
	test_error(*state, TEST_BASE "followups:\n  at: 9h\n",
	    "14:7: followups at: \"9h\" is not a time of day (HH:MM)");
	test_error(*state, TEST_BASE "followups:\n  at: \"24:00\"\n",
	    "14:7: followups at: \"24:00\" is not a time of day (HH:MM)");
	test_error(*state, TEST_BASE "followups:\n  reminders_at: \"9:05\"\n",
	    "14:17: followups reminders_at: \"9:05\" is not a time of day "
	    "(HH:MM)");
	test_error(*state, TEST_BASE
	    "followups:\n  reminders_gather_s: 86401\n",
	    "14:23: followups reminders_gather_s: \"86401\" is not a number "
	    "of seconds from 0 to 86400");
	test_error(*state, TEST_BASE "followups:\n  reminders_gather_s: -1\n",
	    "14:23: followups reminders_gather_s: \"-1\" is not a number "
	    "of seconds from 0 to 86400");
	test_error(*state, TEST_BASE "followups:\n  plan: { kind: d7 }\n",
	    "14:9: followups plan must be a sequence, not a map");
	test_error(*state, TEST_BASE "followups:\n  plan:\n    - d7\n",
	    "15:7: a follow-up must be a map, not a scalar");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7 }\n",
	    "15:7: a follow-up needs a kind and days");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: D7, days: 7 }\n",
	    "15:15: follow-up kind \"D7\": use a-z, 0-9, _ and - (32 at most)");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7, days: 7 }\n    - { kind: d7, days: 8 }\n",
	    "16:15: follow-up kind \"d7\" is planned twice");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7, days: 0 }\n",
	    "15:25: days must be an integer between 1 and 3660, not \"0\"");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7, days: 3661 }\n",
	    "15:25: days must be an integer between 1 and 3660, not \"3661\"");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7, days: 7d }\n",
	    "15:25: days must be an integer between 1 and 3660, not \"7d\"");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7, days: 7, checkin: yes }\n",
	    "15:37: checkin must be true or false");
	test_error(*state, TEST_BASE "followups:\n  plan:\n"
	    "    - { kind: d7, days: 7, check: true }\n",
	    "15:28: unknown key \"check\" in a follow-up");
}

/* profiles and matching: their maps and bounds. */
static void
test_handlers_errors(void **state)
{
	test_error(*state, TEST_BASE "profiles: 30\n",
	    "13:11: profiles must be a map, not a scalar");
	test_error(*state, TEST_BASE "profiles:\n  retention_days: 0\n",
	    "14:19: retention_days must be between 1 and 36600, not 0");
	test_error(*state, TEST_BASE "matching: [60]\n",
	    "13:11: matching must be a map, not a sequence");
	test_error(*state, TEST_BASE "matching:\n  unit: 5\n",
	    "14:3: unknown key \"unit\" in matching");
	test_error(*state, TEST_BASE "matching:\n  threshold: 0\n",
	    "14:14: threshold must be between 1 and 100000, not 0");
	test_error(*state, TEST_BASE "matching:\n  max_candidates: 201\n",
	    "14:19: max_candidates must be between 1 and 200, not 201");
	test_error(*state, TEST_BASE "matching:\n  unit_group: 1001\n",
	    "14:15: unit_group must be between 0 and 1000, not 1001");
}

/* An unknown key of profiles in full: the did-you-mean, the known ones. */
static void
test_handlers_suggestions(void **state)
{
	test_error(*state, TEST_BASE "profiles:\n  retention_day: 30\n",
	    "14:3: unknown key \"retention_day\" in profiles: did you mean "
	    "\"retention_days\"? known: retention_days");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_handlers_defaults,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_handlers_values,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_handlers_followups_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_handlers_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_handlers_suggestions,
		    test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
