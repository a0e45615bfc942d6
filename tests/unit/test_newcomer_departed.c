/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for newcomer.departed: follow-ups cancelled, matching stopped, counted once. */
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
test_departed(void **state)
{
	struct handler_state	st;
	struct handler_out	out;
	const char		*data;

	(void)state;
	data = "{\"person\":{\"id\":\"p-1\"}}";
	test_prepare("newcomer.departed", "dep-1", data, &st);
	assert_string_equal(st.fn, "departed");
	test_args_equal(&st, "[\"p-1\"]", "departed arguments");
	handler_state_clear(&st);
	test_prepare_refused("newcomer.departed", "{\"person\":{}}",
	    "missing data.person.id");

	test_decide("newcomer.departed", "dep-1", data, "{\"territory\":"
	    "\"abitibi\",\"cancelled\":3,\"already\":0}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "departed: 3 follow-up(s) cancelled, "
	    "matching stopped");
	assert_int_equal(out.effects.n, 1);
	test_stat(&out, "abitibi:departures");
	handler_out_clear(&out);
	test_decide("newcomer.departed", "dep-1", data, "{\"territory\":"
	    "\"abitibi\",\"cancelled\":0,\"already\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "departed: 0 follow-up(s) cancelled, "
	    "matching stopped");
	handler_out_clear(&out);
	test_decide("newcomer.departed", "dep-1", data, "{\"missing\":1}", 0,
	    &out);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "person unknown: nothing to cancel");
	handler_out_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_departed),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
