/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for job.closed: the posting leaves the index. */
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
test_closed(void **state)
{
	struct handler_state	st;
	struct handler_out	out;
	const char		*data;

	(void)state;
	data = "{\"job\":{\"id\":\"j-1\"}}";
	test_prepare("job.closed", "cl-1", data, &st);
	assert_string_equal(st.fn, "closed");
	test_args_equal(&st, "[\"j-1\",\"63072000\"]",
	    "closed arguments (the closing is kept as long as a person)");
	handler_state_clear(&st);
	test_prepare_refused("job.closed", "{\"job\":{\"id\":\"\"}}",
	    "missing data.job.id");

	test_decide("job.closed", "cl-1", data, "{\"closed\":1}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "posting closed");
	handler_out_clear(&out);
	test_decide("job.closed", "cl-1", data, "{\"closed\":0}", 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "posting unknown or closed already");
	handler_out_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_closed),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
