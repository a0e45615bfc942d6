/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for followup.done: the follow-up marked done, counted once. */
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
#include "handlers_fixture.h"

static void
test_done(void **state)
{
	struct handler_state	st;
	struct handler_out	out;
	const char		*data;

	(void)state;
	data = "{\"person\":{\"id\":\"p-1\"},\"followup\":{\"kind\":\"d30\"}}";
	test_prepare("followup.done", "done-1", data, &st);
	assert_string_equal(st.fn, "done");
	test_args_equal(&st, "[\"p-1\",\"d30\",\"1772460000000\"]",
	    "done arguments");
	handler_state_clear(&st);
	test_prepare_refused("followup.done", "{\"person\":{\"id\":\"p-1\"}}",
	    "missing data.followup.kind");
	test_prepare_refused("followup.done", "{\"followup\":{\"kind\":"
	    "\"d30\"}}", "missing data.person.id");

	test_decide("followup.done", "done-1", data, "{\"territory\":"
	    "\"abitibi\",\"was\":\"\",\"done\":\"done 1772460000000 "
	    "done-1\"}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "follow-up d30 marked done");
	assert_int_equal(out.effects.n, 1);
	test_stat(&out, "abitibi:followups_done");
	handler_out_clear(&out);
	/* done after its reminder: counted */
	test_decide("followup.done", "done-1", data, "{\"territory\":"
	    "\"abitibi\",\"was\":\"reminded 1772400000000\",\"done\":"
	    "\"done 1772460000000 done-1\"}", 0, &out);
	test_stat(&out, "abitibi:followups_done");
	handler_out_clear(&out);
	/* done twice: counted once */
	test_decide("followup.done", "done-1", data, "{\"territory\":"
	    "\"abitibi\",\"was\":\"done 1772400000000\"}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "follow-up d30 marked done");
	handler_out_clear(&out);
	test_decide("followup.done", "done-1", data, "{\"missing\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "person unknown: nothing to mark");
	handler_out_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_done),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
