/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for followup.reminders: one email per counsellor, the list cleared once settled. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "envelope.h"
#include "handlers.h"
#include "handlers_fixture.h"

/* Runs type's prepare on data, which must be refused with reason want. */
static void
test_refused_type(const char *type, const char *data, const char *want)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0, NULL };
	struct handler_state	 st;
	struct envelope		 ev;
	char			 reason[256];

	ctx.cf = test_cf;
	memset(&st, 0, sizeof st);
	test_event(type, "x", data, &ev);
	if (handler_find(type)->prepare(&ev, &ctx, &st, reason,
	    sizeof reason) != -1)
		fail_msg("%s %s: expected -1 (%s), got 0", type, data, want);
	assert_string_equal(reason, want);
	handler_state_clear(&st);
	envelope_clear(&ev);
}

/*
 * followup.reminders: one email per counsellor listing their follow-ups,
 * nothing for those gone, done or moved; what was listed is cleared once
 * every email is settled, and tomorrow's is scheduled if more came.
 */
static void
test_reminders_fn(void **state)
{
	static const char data[] = "{\"territory\":\"abitibi\","
	    "\"until\":\"1772460300000\"}";
	struct handler_out	 out;
	const json_t		*e, *list;
	json_t			*all;
	size_t			 i;

	(void)state;
	test_decide("followup.reminders", "reminders-1772460300000-abitibi",
	    data, "{\"items\":["
	    "{\"pid\":\"p-1\",\"kind\":\"d7\",\"due_at\":\"2026-03-02T14:00:00Z\","
	    "\"counsellor\":\"ab-2\",\"first_name\":\"Amina\",\"last_name\":"
	    "\"Diallo\",\"email\":\"amina@example.com\"},"
	    "{\"pid\":\"p-2\",\"kind\":\"d30\",\"due_at\":\"2026-03-02T14:00:00Z\","
	    "\"counsellor\":\"ab-1\",\"first_name\":\"Li\"},"
	    "{\"pid\":\"p-3\",\"kind\":\"d7\",\"counsellor\":\"ab-2\","
	    "\"first_name\":\"Ana\"},"
	    "{\"pid\":\"p-4\",\"kind\":\"d7\",\"gone\":1},"
	    "{\"pid\":\"p-5\",\"kind\":\"d7\",\"done\":1}]}", 0, &out);
	/* roster order: Nadia (ab-1), then Marc (ab-2) */
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0].recipient_id, "ab-1");
	assert_string_equal(out.v[0].email, "nadia.gagnon@abitibi.example");
	assert_string_equal(out.v[0].language, "fr");
	assert_null(out.v[0].subject_id);
	assert_int_equal(json_integer_value(json_object_get(out.v[0].vars,
	    "count")), 1);
	list = json_object_get(out.v[0].vars, "followups");
	assert_int_equal(json_array_size(list), 1);
	assert_null(json_object_get(out.v[0].vars, "many"));
	assert_string_equal(out.v[1].recipient_id, "ab-2");
	list = json_object_get(out.v[1].vars, "followups");
	assert_int_equal(json_array_size(list), 2);
	assert_true(json_is_true(json_object_get(out.v[1].vars, "many")));
	test_json_equal(json_array_get(list, 0), "{\"followup\":{\"id\":\"d7\","
	    "\"kind\":\"7 jours\",\"due_at\":\"2026-03-02T14:00:00Z\"},"
	    "\"person\":{\"first_name\":\"Amina\",\"last_name\":\"Diallo\","
	    "\"email\":\"amina@example.com\"},\"data\":{},\"ref\":\"p-1\"}",
	    "first item");
	/* every item listed is cleared, the gone and done ones too */
	assert_int_equal(out.effects.n, 1);
	test_effect(&out, "!reminders_done", "[\"!reminders_done\",\"abitibi\","
	    "\"2026-03-02\",\"172800000\",\"1772546400000\","
	    "\"event 0 0 - {\\\"data\\\":{\\\"territory\\\":\\\"abitibi\\\","
	    "\\\"until\\\":\\\"1772546400000\\\"},\\\"id\\\":"
	    "\\\"reminders-1772546400000-abitibi\\\",\\\"source\\\":"
	    "\\\"relais\\\",\\\"specversion\\\":\\\"1.0\\\",\\\"type\\\":"
	    "\\\"followup.reminders\\\"}\",\"259200000\","
	    "\"p-1\",\"d7\",\"p-2\",\"d30\",\"p-3\",\"d7\",\"p-4\",\"d7\","
	    "\"p-5\",\"d7\"]");
	handler_out_clear(&out);

	/* nothing left to remind: no email, the list cleared all the same */
	test_decide("followup.reminders", "reminders-1772460300000-abitibi",
	    data, "{\"items\":[{\"pid\":\"p-4\",\"kind\":\"d7\","
	    "\"gone\":1}]}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_not_equal(out.note, "");
	all = test_fx_json(&out.effects);
	json_array_foreach(all, i, e)
		assert_int_equal(json_array_size(e), 9);
	json_decref(all);
	handler_out_clear(&out);
	test_refused_type("followup.reminders", "{\"territory\":\"nowhere\","
	    "\"until\":\"1\"}", "unknown territory \"nowhere\" (removed "
	    "from the configuration since its follow-ups fell due?)");
	test_refused_type("followup.reminders", "{\"territory\":\"abitibi\"}",
	    "missing data.territory or data.until");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_reminders_fn),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
