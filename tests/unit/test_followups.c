/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for followups: due dates across DST and month ends, event ids, labels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "followups.h"
#include "tz.h"

#define AT_9H	(9 * 60)

static struct tz	*test_toronto;

static int
test_setup(void **state)
{
	char	err[256];

	(void)state;
	if ((test_toronto = tz_load("America/Toronto", err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "tz_load America/Toronto: %s\n", err);
		return -1;
	}
	return 0;
}

static int
test_teardown(void **state)
{
	(void)state;
	tz_free(test_toronto);
	test_toronto = NULL;
	return 0;
}

/* The follow-up of arrival + days at at_min must fall at the instant want (RFC 3339). */
static void
test_due(const char *arrival, long days, long at_min, const char *want)
{
	int64_t	got = -7, ms;

	if (envelope_parse_time(want, &ms) == -1)
		fail_msg("test bug: %s is not a time", want);
	if (followup_due_ms(arrival, test_toronto, days, at_min, &got) == -1)
		fail_msg("%s + %ld days at %ld min: expected %s, got -1",
		    arrival, days, at_min, want);
	if (got != ms)
		fail_msg("%s + %ld days at %ld min: expected %s (%lld), got "
		    "%lld (%+lld s)", arrival, days, at_min, want,
		    (long long)ms, (long long)got,
		    (long long)(got - ms) / 1000);
}

/* arrival must be refused, leaving the output alone. */
static void
test_bad(const char *arrival)
{
	int64_t	got = -7;
	int	rc;

	rc = followup_due_ms(arrival, test_toronto, 7, AT_9H, &got);
	if (rc != -1)
		fail_msg("arrival \"%s\": expected -1, got %d (%lld)", arrival,
		    rc, (long long)got);
	assert_int_equal(got, -7);
}

/* The wall-clock time holds across the spring change (8 March 2026). */
static void
test_due_spring(void **state)
{
	(void)state;
	/* the brief's case: EDT began on the 8th, 09:00 EDT is 13:00Z */
	test_due("2026-03-02", 7, AT_9H, "2026-03-09T13:00:00Z");
	/* before the change: EST */
	test_due("2026-03-02", 5, AT_9H, "2026-03-07T14:00:00Z");
	test_due("2026-03-02", 0, AT_9H, "2026-03-02T14:00:00Z");
	/* on the day of the change, after 03:00 */
	test_due("2026-03-01", 7, AT_9H, "2026-03-08T13:00:00Z");
	/* the whole shipped plan of an arrival on 2 March */
	test_due("2026-03-02", 30, AT_9H, "2026-04-01T13:00:00Z");
	test_due("2026-03-02", 90, AT_9H, "2026-05-31T13:00:00Z");
	test_due("2026-03-02", 180, AT_9H, "2026-08-29T13:00:00Z");
	test_due("2026-03-02", 365, AT_9H, "2027-03-02T14:00:00Z");
	/* 02:30 on the 8th does not exist: the instant clocks jumped */
	test_due("2026-03-01", 7, 150, "2026-03-08T07:00:00Z");
	/* midnight and the last minute of a day */
	test_due("2026-03-02", 7, 0, "2026-03-09T04:00:00Z");
	test_due("2026-03-02", 7, 1439, "2026-03-10T03:59:00Z");
}

/* ... and across the fall change (1 November 2026). */
static void
test_due_fall(void **state)
{
	(void)state;
	test_due("2026-10-24", 7, AT_9H, "2026-10-31T13:00:00Z");
	test_due("2026-10-25", 7, AT_9H, "2026-11-01T14:00:00Z");
	test_due("2026-10-31", 1, AT_9H, "2026-11-01T14:00:00Z");
	test_due("2026-09-02", 60, AT_9H, "2026-11-01T14:00:00Z");
	/* 01:30 on the 1st happens twice: the earlier, still EDT */
	test_due("2026-10-31", 1, 90, "2026-11-01T05:30:00Z");
	/* 2026-11-01 + 7 days is a week of EST */
	test_due("2026-11-01", 7, AT_9H, "2026-11-08T14:00:00Z");
	/* a year later, the 2027 changes (14 March, 7 November) */
	test_due("2026-11-01", 365, AT_9H, "2027-11-01T13:00:00Z");
	test_due("2026-11-10", 365, AT_9H, "2027-11-10T14:00:00Z");
}

/* Days are calendar days: month ends and leap years. */
static void
test_due_calendar(void **state)
{
	(void)state;
	test_due("2026-01-31", 30, AT_9H, "2026-03-02T14:00:00Z");
	test_due("2026-01-31", 1, AT_9H, "2026-02-01T14:00:00Z");
	test_due("2026-02-28", 1, AT_9H, "2026-03-01T14:00:00Z");
	test_due("2028-02-28", 1, AT_9H, "2028-02-29T14:00:00Z");
	test_due("2028-02-28", 2, AT_9H, "2028-03-01T14:00:00Z");
	test_due("2028-02-29", 365, AT_9H, "2029-02-28T14:00:00Z");
	test_due("2027-03-01", 365, AT_9H, "2028-02-29T14:00:00Z");
	test_due("2026-12-31", 1, AT_9H, "2027-01-01T14:00:00Z");
	test_due("2026-04-30", 31, AT_9H, "2026-05-31T13:00:00Z");
	test_due("2000-02-28", 1, AT_9H, "2000-02-29T14:00:00Z");
	test_due("2100-02-28", 1, AT_9H, "2100-03-01T14:00:00Z");
	/* valid leap days are accepted as arrivals */
	test_due("2028-02-29", 0, AT_9H, "2028-02-29T14:00:00Z");
	test_due("2000-02-29", 0, AT_9H, "2000-02-29T14:00:00Z");
}

/* An instant counts by its local date in the zone, not its UTC date. */
static void
test_due_datetime(void **state)
{
	(void)state;
	/* 22:00 on 1 March in Toronto */
	test_due("2026-03-02T03:00:00Z", 7, AT_9H, "2026-03-08T13:00:00Z");
	test_due("2026-03-02T04:59:59Z", 7, AT_9H, "2026-03-08T13:00:00Z");
	/* local midnight of 2 March */
	test_due("2026-03-02T05:00:00Z", 7, AT_9H, "2026-03-09T13:00:00Z");
	test_due("2026-03-02T05:00:00.5Z", 7, AT_9H, "2026-03-09T13:00:00Z");
	test_due("2026-03-02t05:00:00z", 7, AT_9H, "2026-03-09T13:00:00Z");
	/* offsets */
	test_due("2026-03-01T23:30:00-05:00", 7, AT_9H, "2026-03-08T13:00:00Z");
	test_due("2026-03-02T00:30:00+01:00", 7, AT_9H, "2026-03-08T13:00:00Z");
	test_due("2026-03-02T00:30:00-05:00", 7, AT_9H, "2026-03-09T13:00:00Z");
	/* the same day in the evening, in summer (EDT) */
	test_due("2026-07-01T03:59:00Z", 1, AT_9H, "2026-07-01T13:00:00Z");
	test_due("2026-07-01T04:00:00Z", 1, AT_9H, "2026-07-02T13:00:00Z");
	/* the night of the fall change: 01:30 EST, 1 November */
	test_due("2026-11-01T06:30:00Z", 7, AT_9H, "2026-11-08T14:00:00Z");
}

static void
test_due_invalid(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-03", "2026-3-2", "2026-03-2", "26-03-02",
		"2026/03/02", "2026.03.02", "20260302", "2026-0302",
		"2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-01-32", "2100-02-29",
		"tomorrow", "2026-03-0x", "2026-03-02 ", " 2026-03-02",
		"2026-03-02T25:00:00Z", "2026-03-02T09:00", "2026-03-02T09:00:00",
		"2026-03-02 05:00:00Z", "2026-03-02T09:00:00+24:00",
		"2026-03-02Z", "next week",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		test_bad(bad[i]);
}

/* A date is four, two and two digits: no sign, no blank, no short field. */
static void
test_due_digits(void **state)
{
	static const char *const bad[] = {
		"+026-03-02", "-026-03-02", " 026-03-02", "2026-+3-02",
		"2026- 3-02", "2026-03-+2", "2026-03- 2", "2026- 3- 2",
		"2026-03-+1", "2026--3-02", "2026-03--2",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		test_bad(bad[i]);
}

static int
test_is_hex(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	}
	return 1;
}

static void
test_event_id(void **state)
{
	static const char *const persons[] = { "p-1001", "p-1002", "abc123",
	    "0123456789abcdef", "e5b8255865", "" };
	static const char *const kinds[] = { "d7", "d30", "d90", "d180",
	    "d365" };
	char	id[FOLLOWUP_ID_SIZE], again[FOLLOWUP_ID_SIZE];
	char	seen[6 * 5][FOLLOWUP_ID_SIZE];
	size_t	i, k, j, n = 0;

	(void)state;
	for (i = 0; i < sizeof persons / sizeof *persons; i++) {
		for (k = 0; k < sizeof kinds / sizeof *kinds; k++) {
			memset(id, 'X', sizeof id);
			followup_event_id(persons[i], kinds[k], id);
			if (strlen(id) != 27 || strncmp(id, "fu-", 3) != 0 ||
			    !test_is_hex(id + 3, 24))
				fail_msg("%s/%s: expected \"fu-\" + 24 hex, got "
				    "\"%.*s\"", persons[i], kinds[k],
				    FOLLOWUP_ID_SIZE, id);
			/* stable */
			followup_event_id(persons[i], kinds[k], again);
			assert_string_equal(id, again);
			/* the person's id does not show */
			if (persons[i][0] != '\0' && strstr(id, persons[i]) != NULL)
				fail_msg("%s/%s: id %s shows the person",
				    persons[i], kinds[k], id);
			/* distinct by person and by kind */
			for (j = 0; j < n; j++) {
				if (strcmp(seen[j], id) == 0)
					fail_msg("%s/%s: id %s already given",
					    persons[i], kinds[k], id);
			}
			memcpy(seen[n++], id, sizeof id);
		}
	}
	/* the person and kind are kept apart: "p-1"+"1d7" is not "p-11"+"d7" */
	followup_event_id("p-1", "1d7", id);
	followup_event_id("p-11", "d7", again);
	assert_string_not_equal(id, again);
	/* a known value: ids must not change from one release to the next */
	followup_event_id("p-1", "d7", id);
	assert_string_equal(id, "fu-e5b8255865e516ba0e723ea1");
}

static void
test_label(void **state)
{
	static const struct { long days; const char *fr, *en; } v[] = {
		{ 1, "1 jour", "1 day" },
		{ 7, "7 jours", "7 days" },
		{ 14, "14 jours", "14 days" },
		{ 29, "29 jours", "29 days" },
		{ 30, "1 mois", "1 month" },
		{ 45, "45 jours", "45 days" },
		{ 60, "2 mois", "2 months" },
		{ 90, "3 mois", "3 months" },
		{ 180, "6 mois", "6 months" },
		{ 364, "364 jours", "364 days" },
		{ 365, "1 an", "1 year" },
		{ 366, "366 jours", "366 days" },
		{ 730, "2 ans", "2 years" },
		{ 1095, "3 ans", "3 years" },
	};
	char	out[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		followup_label(v[i].days, "fr", out, sizeof out);
		if (strcmp(out, v[i].fr) != 0)
			fail_msg("%ld days, fr: expected \"%s\", got \"%s\"",
			    v[i].days, v[i].fr, out);
		followup_label(v[i].days, "en", out, sizeof out);
		if (strcmp(out, v[i].en) != 0)
			fail_msg("%ld days, en: expected \"%s\", got \"%s\"",
			    v[i].days, v[i].en, out);
		/* unknown language: French, the region's */
		followup_label(v[i].days, NULL, out, sizeof out);
		assert_string_equal(out, v[i].fr);
		followup_label(v[i].days, "de", out, sizeof out);
		assert_string_equal(out, v[i].fr);
	}
	/* a short buffer is cut, never overrun */
	memset(out, 'X', sizeof out);
	followup_label(90, "en", out, 5);
	assert_string_equal(out, "3 mo");
	assert_int_equal(out[5], 'X');
}

/* The instant of an RFC 3339 time, in ms. */
static int64_t
test_ms(const char *s)
{
	int64_t	v;

	if (envelope_parse_time(s, &v) == -1)
		fail_msg("test bug: %s is not a time", s);
	return v;
}

/*
 * The counsellors' reminder email: at the day's time when it is ahead;
 * gathered a while when it is past and none went today; else tomorrow,
 * with the wall-clock time held across DST.
 */
static void
test_reminder_due(void **state)
{
	char	day[11];

	(void)state;
	/* 08:00 EST: today at 09:00 */
	assert_int_equal(followup_reminder_due(test_toronto, test_ms("2026-03-02T13:00:00Z"),
	    540, 300, NULL), test_ms("2026-03-02T14:00:00Z"));
	/* 09:30, none today: five minutes on */
	assert_int_equal(followup_reminder_due(test_toronto, test_ms("2026-03-02T14:30:00Z"),
	    540, 300, ""), test_ms("2026-03-02T14:35:00Z"));
	assert_int_equal(followup_reminder_due(test_toronto, test_ms("2026-03-02T14:30:00Z"),
	    540, 300, "2026-03-01"), test_ms("2026-03-02T14:35:00Z"));
	/* one went today: tomorrow 09:00 */
	assert_int_equal(followup_reminder_due(test_toronto, test_ms("2026-03-02T14:30:00Z"),
	    540, 300, "2026-03-02"), test_ms("2026-03-03T14:00:00Z"));
	/* Saturday 7 March, then Sunday 8 March 09:00 EDT (DST began) */
	assert_int_equal(followup_reminder_due(test_toronto, test_ms("2026-03-07T15:00:00Z"),
	    540, 300, "2026-03-07"), test_ms("2026-03-08T13:00:00Z"));
	assert_int_equal(followup_reminder_next(test_toronto, test_ms("2026-03-07T15:00:00Z"),
	    540), test_ms("2026-03-08T13:00:00Z"));
	/* 23:30 EST on the 2nd is 04:30 UTC on the 3rd: the local date */
	followup_day(test_toronto, test_ms("2026-03-03T04:30:00Z"), day);
	assert_string_equal(day, "2026-03-02");
	followup_day(test_toronto, test_ms("2026-03-03T05:00:00Z"), day);
	assert_string_equal(day, "2026-03-03");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_due_spring),
		cmocka_unit_test(test_due_fall),
		cmocka_unit_test(test_due_calendar),
		cmocka_unit_test(test_due_datetime),
		cmocka_unit_test(test_due_invalid),
		cmocka_unit_test(test_due_digits),
		cmocka_unit_test(test_event_id),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_reminder_due),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
