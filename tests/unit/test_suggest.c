/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for suggest: the distance, the threshold of a suggestion, the message tail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "suggest.h"

static void
test_distance(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("", ""), 0);
	assert_int_equal(suggest_distance("abc", ""), 3);
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_int_equal(suggest_distance("sendgrid", "sendgrid"), 0);
	/* a transposition costs one, not two */
	assert_int_equal(suggest_distance("sendgird", "sendgrid"), 1);
	assert_int_equal(suggest_distance("retention_day", "retention_days"), 1);
	assert_int_equal(suggest_distance("windw", "window"), 1);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	/* ASCII case does not count */
	assert_int_equal(suggest_distance("SMS", "sms"), 0);
	assert_int_equal(suggest_distance("ca", "abc"), 3);
	assert_int_equal(suggest_distance("abitbi", "abitibi"), 1);
}

static void
test_closest(void **state)
{
	static const char *const gws[] = { "outbox", "webhook", "twilio",
	    "sendgrid", "mailgun", "brevo", "smtp" };
	static const char *const keys[] = { "retention_days", NULL,
	    "retention" };
	static const char *const langs[] = { "fr", "en" };

	(void)state;
	assert_string_equal(suggest_closest("sendgird", gws, 7), "sendgrid");
	assert_string_equal(suggest_closest("SendGrid", gws, 7), "sendgrid");
	assert_string_equal(suggest_closest("mailgn", gws, 7), "mailgun");
	/* a known name needs no suggestion */
	assert_null(suggest_closest("twilio", gws, 7));
	/* too far: strlen / 3 edits at most (1 to 3) */
	assert_null(suggest_closest("carrier-pigeon", gws, 7));
	assert_null(suggest_closest("nowhere", gws, 7));
	assert_null(suggest_closest("smsto", gws, 7));
	/* short names: one edit */
	assert_string_equal(suggest_closest("fe", langs, 2), "fr");
	assert_null(suggest_closest("de", langs, 2));
	/* NULL entries skipped; the nearest wins, then the first */
	assert_string_equal(suggest_closest("retention_day", keys, 3),
	    "retention_days");
	assert_string_equal(suggest_closest("retentio", keys, 3),
	    "retention");
	assert_null(suggest_closest("x", gws, 0));
}

static void
test_append(void **state)
{
	static const char *const gws[] = { "outbox", "sendgrid" };
	const char	*many[SUGGEST_LIST_MAX + 3];
	char		 names[SUGGEST_LIST_MAX + 3][8];
	struct buf	 b;
	size_t		 i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "unknown gateway \"sendgird\"");
	suggest_append(&b, "sendgird", gws, 2);
	assert_string_equal(b.data, "unknown gateway \"sendgird\": did you "
	    "mean \"sendgrid\"? known: outbox, sendgrid");
	buf_reset(&b);
	buf_puts(&b, "unknown gateway \"nowhere\"");
	suggest_append(&b, "nowhere", gws, 2);
	assert_string_equal(b.data, "unknown gateway \"nowhere\" (known: "
	    "outbox, sendgrid)");
	/* nothing known: nothing said */
	buf_reset(&b);
	buf_puts(&b, "x");
	suggest_append(&b, "y", gws, 0);
	assert_string_equal(b.data, "x");
	/* a long list is cut */
	for (i = 0; i < SUGGEST_LIST_MAX + 3; i++) {
		snprintf(names[i], sizeof names[i], "n%02zu", i);
		many[i] = names[i];
	}
	buf_reset(&b);
	suggest_append(&b, "zzzzzz", many, SUGGEST_LIST_MAX + 3);
	assert_non_null(strstr(b.data, ", n23 and 3 more)"));
	assert_null(strstr(b.data, "n24"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
