/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for followup.due: the check-in, the reminder it waits for, what is recorded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers.h"
#include "territory.h"
#include "handlers_fixture.h"

#define TEST_DUE(kind) \
	"{\"person\":{\"id\":\"p-1\"},\"followup\":{\"kind\":\"" kind "\"," \
	"\"due_at\":\"2026-03-09T13:00:00Z\"},\"territory\":\"abitibi\"}"

/* The person as S.due answers: the stored hash, strings only. */
#define TEST_DUE_STATE(counsellor, st) \
	"{\"person\":{\"first_name\":\"Amina\",\"last_name\":\"Diallo\"," \
	"\"email\":\"amina@example.com\",\"phone\":\"+18195550123\"," \
	"\"language\":\"en\",\"territory\":\"abitibi\",\"municipality\":" \
	"\"Amos\",\"arrival_date\":\"2026-03-02\",\"consent_email\":\"1\"," \
	"\"occupation\":\"72106\",\"skills\":\"Soudure\",\"fu:d7\":\"" st "\"}," \
	"\"counsellor\":\"" counsellor "\",\"previous\":\"\",\"state\":\"" st "\"}"

static void
test_due_prepare(void **state)
{
	struct handler_state	 st;
	json_t			*rosters;

	(void)state;
	test_prepare("followup.due", "fu-1", TEST_DUE("d7"), &st);
	assert_string_equal(st.fn, "due");
	assert_int_equal(handler_state_nargs(&st), 5);
	assert_string_equal(test_arg(&st, 0), "p-1");
	assert_string_equal(test_arg(&st, 1), "d7");
	/* every roster, with each counsellor's languages */
	rosters = test_json(test_arg(&st, 2));
	assert_int_equal(json_object_size(rosters), 6);
	test_json_equal(json_object_get(rosters, "abitibi"),
	    "[[\"ab-1\",\"fr en\"],[\"ab-2\",\"fr\"]]", "abitibi roster");
	test_json_equal(json_object_get(rosters, "region"),
	    "[[\"re-1\",\"fr en\"]]", "region roster");
	json_decref(rosters);
	assert_string_equal(test_arg(&st, 3), "1772460000000");
	assert_string_equal(test_arg(&st, 4), "fu-1");
	handler_state_clear(&st);

	test_prepare_refused("followup.due", "{\"person\":{\"id\":\"p-1\"}}",
	    "missing data.followup.kind");
	test_prepare_refused("followup.due", "{\"person\":{\"id\":\"p-1\"},"
	    "\"followup\":{\"kind\":\"\"}}", "missing data.followup.kind");
	test_prepare_refused("followup.due", "{\"followup\":{\"kind\":\"d7\"}}",
	    "missing data.person.id");
}

static void
test_due_fn(void **state)
{
	static const char *const none[] = {
		"{\"missing\":1}",
		"{\"departed\":1}",
		TEST_DUE_STATE("ab-1", "done 1772400000000"),
		/* a territory no longer configured */
		"{\"person\":{\"territory\":\"gone\"},\"counsellor\":\"ab-1\"}",
	};
	struct handler_out	 out;
	struct notification	*n;
	const json_t		*e;
	json_t			*all;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof none / sizeof *none; i++) {
		test_decide("followup.due", "fu-1", TEST_DUE("d7"), none[i], 0,
		    &out);
		if (out.n != 0 || out.effects.n != 0)
			fail_msg("state %s: expected nothing, got %zu "
			    "notification(s)", none[i], out.n);
		assert_string_not_equal(out.note, "");
		handler_out_clear(&out);
	}
	/* a preview has nobody to remind */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"), NULL, 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);

	/*
	 * At 09:00, when the day's reminder time has come and none went out
	 * yet: the follow-up waits for the territory's reminder email, which
	 * goes reminders_gather_s (300) later; the check-in goes now.
	 */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"),
	    TEST_DUE_STATE("ab-1", ""), 0, &out);
	assert_int_equal(out.n, 1);
	n = &out.v[0];
	assert_string_equal(n->role, "newcomer");
	assert_string_equal(n->recipient_id, "p-1");
	assert_string_equal(n->email, "amina@example.com");
	assert_string_equal(n->phone, "+18195550123");
	assert_string_equal(n->language, "en");
	assert_int_equal(n->consent_email, 1);
	assert_int_equal(n->consent_sms, 0);
	assert_string_equal(n->territory->id, "abitibi");
	/* handled 7 days before its due time: on time by far */
	test_json_equal(json_object_get(n->vars, "followup"), "{\"id\":\"d7\","
	    "\"kind\":\"7 days\"}", "check-in's followup");
	test_var(n->vars, "first_name", "Amina");
	test_var(n->vars, "counsellor.first_name", "Nadia");
	/* waits for the reminder email, recorded, and counted */
	assert_int_equal(out.effects.n, 3);
	test_effect(&out, "reminder_add", "[\"reminder_add\",\"abitibi\","
	    "\"p-1\",\"d7\",\"{\\\"added\\\":1772460000000,\\\"due_at\\\":"
	    "\\\"2026-03-09T13:00:00Z\\\"}\",\"1772460300000\","
	    "\"event 0 0 - {\\\"data\\\":{\\\"territory\\\":\\\"abitibi\\\","
	    "\\\"until\\\":\\\"1772460300000\\\"},\\\"id\\\":"
	    "\\\"reminders-1772460300000-abitibi\\\",\\\"source\\\":"
	    "\\\"relais\\\",\\\"specversion\\\":\\\"1.0\\\",\\\"type\\\":"
	    "\\\"followup.reminders\\\"}\",\"173100000\"]");
	test_effect(&out, "followup", "[\"followup\",\"p-1\",\"d7\","
	    "\"reminded 1772460000000\"]");
	test_stat(&out, "abitibi:followups_due");
	handler_out_clear(&out);

	/* d30: no check-in in the plan; the reminder only */
	test_decide("followup.due", "fu-2", TEST_DUE("d30"),
	    TEST_DUE_STATE("ab-2", ""), 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(test_effects(&out, "reminder_add"), 1);
	test_effect(&out, "followup", "[\"followup\",\"p-1\",\"d30\","
	    "\"reminded 1772460000000\"]");
	test_stat(&out, "abitibi:followups_due");
	handler_out_clear(&out);

	/* the day's email went already: tomorrow's, 3 March 09:00 EST */
	test_decide("followup.due", "fu-2", TEST_DUE("d30"),
	    "{\"person\":{\"territory\":\"abitibi\"},\"counsellor\":\"ab-2\","
	    "\"reminded\":\"2026-03-02\"}", 0, &out);
	all = test_fx_json(&out.effects);
	json_array_foreach(all, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "reminder_add") == 0)
			assert_string_equal(json_string_value(json_array_get(e,
			    5)), "1772546400000");
	}
	json_decref(all);
	assert_int_equal(test_effects(&out, "reminder_add"), 1);
	handler_out_clear(&out);

	/* a retry: the same check-in, nothing recorded again */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"),
	    TEST_DUE_STATE("ab-1", ""), 1, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);

	/* reminded before (a replay): reminded again */
	test_decide("followup.due", "fu-1", TEST_DUE("d7"),
	    TEST_DUE_STATE("ab-1", "reminded 1"), 0, &out);
	assert_int_equal(test_effects(&out, "reminder_add"), 1);
	handler_out_clear(&out);

	/* a counsellor the producer names, when on the roster, rides along */
	test_decide("followup.due", "fu-1", "{\"person\":{\"id\":\"p-1\"},"
	    "\"followup\":{\"kind\":\"d7\"},\"counsellor\":{\"id\":\"ab-2\"}}",
	    TEST_DUE_STATE("ab-1", ""), 0, &out);
	all = test_fx_json(&out.effects);
	json_array_foreach(all, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "reminder_add") == 0)
			assert_non_null(strstr(json_string_value(json_array_get(
			    e, 4)), "\"counsellor\":\"ab-2\""));
	}
	json_decref(all);
	handler_out_clear(&out);
	test_decide("followup.due", "fu-1", "{\"person\":{\"id\":\"p-1\"},"
	    "\"followup\":{\"kind\":\"d7\"},\"counsellor\":{\"id\":\"xx-1\"}}",
	    TEST_DUE_STATE("ab-1", ""), 0, &out);
	all = test_fx_json(&out.effects);
	json_array_foreach(all, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "reminder_add") == 0)
			assert_null(strstr(json_string_value(json_array_get(e,
			    4)), "counsellor"));
	}
	json_decref(all);
	handler_out_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_due_prepare),
		cmocka_unit_test(test_due_fn),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
