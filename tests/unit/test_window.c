/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for window: Alertmanager interval semantics, holidays, next opening across DST, parse errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "tz.h"
#include "window.h"
#include "ynode.h"

/* UTC offsets of America/Toronto, written out so expectations do not depend on tz. */
#define EST	(-5)
#define EDT	(-4)

/* The instant (ms) a wall clock at UTC offset off (hours) shows y-mo-d h:mi. */
static int64_t
test_ms(int y, int mo, int d, int h, int mi, int off)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 -
	    off * 3600) * 1000;
}

/* "2026-05-16T14:00:00.000Z", for failure messages. */
static const char *
test_fmt(int64_t ms, char *buf, size_t len)
{
	int64_t	s = ms / 1000, days, y;
	int	m, d, sec;

	if (ms < 0)
		return "(negative)";
	days = s / 86400;
	sec = (int)(s % 86400);
	tz_civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    (long long)y, m, d, sec / 3600, sec / 60 % 60, sec % 60,
	    (int)(ms % 1000));
	return buf;
}

/* Parses the "window" (and optional "holidays") keys of a YAML text. */
static struct window *
test_parse(const char *yaml, int64_t now_ms, struct diag *d)
{
	struct ynode	*root;
	struct window	*w;

	root = ynode_load_string("w.yaml", yaml, strlen(yaml), d);
	if (root == NULL)
		return NULL;
	w = window_parse(ynode_get(root, "window"), ynode_get(root, "holidays"),
	    now_ms, "w.yaml", d);
	ynode_free(root);
	return w;
}

static struct window *
test_window(const char *yaml)
{
	struct window	*w;
	struct diag	 d;
	size_t		 i;

	diag_init(&d);
	w = test_parse(yaml, test_ms(2026, 1, 1, 0, 0, 0), &d);
	for (i = 0; i < d.n; i++)
		print_error("%s\n", d.msgs[i]);
	if (w == NULL || d.n > 0)
		fail_msg("window did not parse:\n%s", yaml);
	diag_free(&d);
	return w;
}

static void
test_next_is(const struct window *w, int64_t from, int64_t want, int line)
{
	char	a[40], b[40], c[40];
	int64_t	got = -1;

	if (window_next_open(w, from, &got) == -1 || got != want)
		fail_msg("line %d: next open after %s: expected %s, got %s",
		    line, test_fmt(from, a, sizeof a), test_fmt(want, b, sizeof b),
		    test_fmt(got, c, sizeof c));
	if (!window_is_open(w, got))
		fail_msg("line %d: not open at its next opening %s", line,
		    test_fmt(got, c, sizeof c));
	if (got > from && window_is_open(w, got - 1))
		fail_msg("line %d: already open just before %s", line,
		    test_fmt(got, c, sizeof c));
}
#define NEXT_IS(w, from, want)	test_next_is((w), (from), (want), __LINE__)

/* The default SMS window of the issue: weekdays 9:00-20:00, weekends 10:00-17:00. */
#define TEST_SMS \
	"window:\n" \
	"  - weekdays: [\"monday:friday\"]\n" \
	"    times: [{ start_time: \"09:00\", end_time: \"20:00\" }]\n" \
	"  - weekdays: [saturday, sunday]\n" \
	"    times: [{ start_time: \"10:00\", end_time: \"17:00\" }]\n"

static void
test_sms_default(void **state)
{
	struct window	*w = test_window(TEST_SMS);

	(void)state;
	/* Friday 2026-05-15 23:00 -> Saturday 10:00 */
	NEXT_IS(w, test_ms(2026, 5, 15, 23, 0, EDT), test_ms(2026, 5, 16, 10, 0, EDT));
	/* Sunday 18:00 -> Monday 9:00 */
	NEXT_IS(w, test_ms(2026, 5, 17, 18, 0, EDT), test_ms(2026, 5, 18, 9, 0, EDT));
	/* open now: now itself, to the millisecond */
	NEXT_IS(w, test_ms(2026, 5, 18, 12, 0, EDT) + 123,
	    test_ms(2026, 5, 18, 12, 0, EDT) + 123);
	NEXT_IS(w, test_ms(2026, 5, 16, 9, 59, EDT), test_ms(2026, 5, 16, 10, 0, EDT));
	NEXT_IS(w, test_ms(2026, 5, 15, 8, 59, EDT) + 59500,
	    test_ms(2026, 5, 15, 9, 0, EDT));
	/* end-exclusive: 19:59:59.999 open, 20:00 closed until Saturday 10:00 */
	assert_true(window_is_open(w, test_ms(2026, 5, 15, 20, 0, EDT) - 1));
	assert_false(window_is_open(w, test_ms(2026, 5, 15, 20, 0, EDT)));
	NEXT_IS(w, test_ms(2026, 5, 15, 20, 0, EDT), test_ms(2026, 5, 16, 10, 0, EDT));
	assert_true(window_is_open(w, test_ms(2026, 5, 16, 16, 59, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 5, 16, 17, 0, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 5, 18, 8, 59, EDT)));
	/* in winter, same wall times under EST */
	NEXT_IS(w, test_ms(2026, 1, 9, 23, 0, EST), test_ms(2026, 1, 10, 10, 0, EST));
	window_free(w);
	window_free(NULL);
}

static void
test_holidays(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window(TEST_SMS
	    "holidays:\n"
	    "  - 2026-06-24\n"
	    "  - { date: \"2026-07-01\", name: Fête du Canada }\n"
	    "  - \"2026-12-25\"\n");
	/* Tuesday evening -> Wednesday is la Fête nationale -> Thursday 9:00 */
	NEXT_IS(w, test_ms(2026, 6, 23, 20, 30, EDT), test_ms(2026, 6, 25, 9, 0, EDT));
	assert_false(window_is_open(w, test_ms(2026, 6, 24, 12, 0, EDT)));
	assert_true(window_is_open(w, test_ms(2026, 6, 23, 12, 0, EDT)));
	NEXT_IS(w, test_ms(2026, 6, 24, 0, 0, EDT), test_ms(2026, 6, 25, 9, 0, EDT));
	NEXT_IS(w, test_ms(2026, 6, 30, 22, 0, EDT), test_ms(2026, 7, 2, 9, 0, EDT));
	/* Christmas is a Friday: Thursday evening -> Saturday 10:00 */
	NEXT_IS(w, test_ms(2026, 12, 24, 21, 0, EST), test_ms(2026, 12, 26, 10, 0, EST));
	window_free(w);

	/* holidays given with the window, in map form */
	w = test_window(
	    "window:\n"
	    "  intervals:\n"
	    "    - times: [{ start_time: \"09:00\", end_time: \"17:00\" }]\n"
	    "  holidays: [\"2026-06-24\"]\n"
	    "holidays: [\"2026-06-25\"]\n");
	NEXT_IS(w, test_ms(2026, 6, 23, 18, 0, EDT), test_ms(2026, 6, 26, 9, 0, EDT));
	window_free(w);
}

static void
test_end_exclusive(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window(
	    "window:\n"
	    "  - times:\n"
	    "      - { start_time: \"9:00\", end_time: \"12:00\" }\n"
	    "      - { start_time: \"12:00\", end_time: \"12:30\" }\n"
	    "      - { start_time: \"22:00\", end_time: \"24:00\" }\n");
	assert_true(window_is_open(w, test_ms(2026, 5, 5, 9, 0, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 5, 5, 9, 0, EDT) - 1));
	/* adjacent ranges: no gap at 12:00 */
	assert_true(window_is_open(w, test_ms(2026, 5, 5, 12, 0, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 5, 5, 12, 30, EDT)));
	assert_true(window_is_open(w, test_ms(2026, 5, 5, 24, 0, EDT) - 1));
	assert_false(window_is_open(w, test_ms(2026, 5, 5, 24, 0, EDT)));
	NEXT_IS(w, test_ms(2026, 5, 5, 12, 30, EDT), test_ms(2026, 5, 5, 22, 0, EDT));
	NEXT_IS(w, test_ms(2026, 5, 6, 0, 0, EDT), test_ms(2026, 5, 6, 9, 0, EDT));
	window_free(w);
}

/* Overnight Friday to Saturday, written as two intervals as Alertmanager needs. */
static void
test_midnight_crossing(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window(
	    "window:\n"
	    "  - weekdays: [friday]\n"
	    "    times: [{ start_time: \"22:00\", end_time: \"24:00\" }]\n"
	    "  - weekdays: [saturday]\n"
	    "    times: [{ start_time: \"00:00\", end_time: \"06:00\" }]\n");
	NEXT_IS(w, test_ms(2026, 5, 15, 21, 0, EDT), test_ms(2026, 5, 15, 22, 0, EDT));
	assert_true(window_is_open(w, test_ms(2026, 5, 15, 23, 59, EDT)));
	assert_true(window_is_open(w, test_ms(2026, 5, 16, 0, 0, EDT)));
	assert_true(window_is_open(w, test_ms(2026, 5, 16, 5, 59, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 5, 16, 6, 0, EDT)));
	NEXT_IS(w, test_ms(2026, 5, 16, 6, 0, EDT), test_ms(2026, 5, 22, 22, 0, EDT));
	window_free(w);

	/* quiet hours inverted: open 06:00-22:00 every day */
	w = test_window(
	    "window:\n"
	    "  - times: [{ start_time: \"06:00\", end_time: \"22:00\" }]\n");
	NEXT_IS(w, test_ms(2026, 5, 15, 23, 0, EDT), test_ms(2026, 5, 16, 6, 0, EDT));
	window_free(w);
}

static void
test_days_of_month(void **state)
{
	struct window	*w;

	(void)state;
	/* the last three days of each month */
	w = test_window("window:\n  - days_of_month: [\"-3:-1\"]\n");
	NEXT_IS(w, test_ms(2026, 2, 10, 12, 0, EST), test_ms(2026, 2, 26, 0, 0, EST));
	NEXT_IS(w, test_ms(2028, 2, 10, 12, 0, EST), test_ms(2028, 2, 27, 0, 0, EST));
	NEXT_IS(w, test_ms(2026, 4, 10, 12, 0, EDT), test_ms(2026, 4, 28, 0, 0, EDT));
	assert_true(window_is_open(w, test_ms(2026, 1, 31, 23, 59, EST)));
	assert_false(window_is_open(w, test_ms(2026, 2, 1, 0, 0, EST)));
	window_free(w);

	w = test_window("window:\n  - days_of_month: [\"1:5\", 15]\n");
	NEXT_IS(w, test_ms(2026, 1, 6, 0, 0, EST), test_ms(2026, 1, 15, 0, 0, EST));
	NEXT_IS(w, test_ms(2026, 1, 16, 0, 0, EST), test_ms(2026, 2, 1, 0, 0, EST));
	window_free(w);

	/* the 31st: months of 30 days are skipped */
	w = test_window("window:\n  - days_of_month: [31]\n");
	NEXT_IS(w, test_ms(2026, 4, 1, 0, 0, EDT), test_ms(2026, 5, 31, 0, 0, EDT));
	window_free(w);

	/* from the 25th to the second-to-last day */
	w = test_window("window:\n  - days_of_month: [\"25:-2\"]\n");
	assert_true(window_is_open(w, test_ms(2026, 2, 27, 12, 0, EST)));
	assert_false(window_is_open(w, test_ms(2026, 2, 28, 12, 0, EST)));
	assert_true(window_is_open(w, test_ms(2026, 3, 30, 12, 0, EDT)));
	window_free(w);
}

static void
test_months_years(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window("window:\n  - months: [\"may:august\"]\n");
	NEXT_IS(w, test_ms(2026, 9, 15, 0, 0, EDT), test_ms(2027, 5, 1, 0, 0, EDT));
	assert_true(window_is_open(w, test_ms(2026, 8, 31, 23, 59, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 9, 1, 0, 0, EDT)));
	window_free(w);

	/* numbers, names in any case, a range across a single interval */
	w = test_window("window:\n  - months: [\"1:2\", December]\n"
	    "    weekdays: [Monday]\n");
	NEXT_IS(w, test_ms(2026, 3, 1, 0, 0, EST), test_ms(2026, 12, 7, 0, 0, EST));
	window_free(w);

	w = test_window("window:\n  - years: [\"2026:2027\"]\n"
	    "    months: [june]\n");
	NEXT_IS(w, test_ms(2026, 7, 15, 0, 0, EDT), test_ms(2027, 6, 1, 0, 0, EDT));
	/* 2028 is beyond every range: nothing within the horizon */
	{
		int64_t	out;

		assert_int_equal(window_next_open(w, test_ms(2027, 7, 1, 0, 0,
		    EDT), &out), -1);
	}
	window_free(w);
}

/* 2026-03-08: 02:00 EST jumps to 03:00 EDT in America/Toronto. */
static void
test_dst_spring(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window(TEST_SMS);
	/* Saturday evening (EST) -> Sunday 10:00 EDT, the transition day */
	NEXT_IS(w, test_ms(2026, 3, 7, 21, 0, EST), test_ms(2026, 3, 8, 10, 0, EDT));
	/* Sunday evening -> Monday 9:00 EDT, the day after */
	NEXT_IS(w, test_ms(2026, 3, 8, 21, 0, EDT), test_ms(2026, 3, 9, 9, 0, EDT));
	window_free(w);

	/* a range starting in the skipped hour opens when the clock reaches 03:00 */
	w = test_window("window:\n"
	    "  - times: [{ start_time: \"02:30\", end_time: \"04:00\" }]\n");
	NEXT_IS(w, test_ms(2026, 3, 7, 23, 0, EST), test_ms(2026, 3, 8, 3, 0, EDT));
	NEXT_IS(w, test_ms(2026, 3, 8, 4, 0, EDT), test_ms(2026, 3, 9, 2, 30, EDT));
	window_free(w);

	/* a range entirely inside the skipped hour does not happen that day */
	w = test_window("window:\n"
	    "  - times: [{ start_time: \"02:00\", end_time: \"02:45\" }]\n");
	NEXT_IS(w, test_ms(2026, 3, 8, 0, 0, EST), test_ms(2026, 3, 9, 2, 0, EDT));
	window_free(w);
}

/* 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:00-01:59 happens twice. */
static void
test_dst_fall(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window(TEST_SMS);
	NEXT_IS(w, test_ms(2026, 10, 31, 21, 0, EDT), test_ms(2026, 11, 1, 10, 0, EST));
	NEXT_IS(w, test_ms(2026, 11, 1, 21, 0, EST), test_ms(2026, 11, 2, 9, 0, EST));
	window_free(w);

	w = test_window("window:\n"
	    "  - times: [{ start_time: \"01:15\", end_time: \"01:45\" }]\n");
	assert_true(window_is_open(w, test_ms(2026, 11, 1, 1, 20, EDT)));
	assert_false(window_is_open(w, test_ms(2026, 11, 1, 1, 50, EDT)));
	assert_true(window_is_open(w, test_ms(2026, 11, 1, 1, 20, EST)));
	/* after the first 01:45, it opens again at the second 01:15 */
	NEXT_IS(w, test_ms(2026, 11, 1, 1, 50, EDT), test_ms(2026, 11, 1, 1, 15, EST));
	NEXT_IS(w, test_ms(2026, 11, 1, 1, 50, EST), test_ms(2026, 11, 2, 1, 15, EST));
	window_free(w);

	/* 00:30-01:30: the clock going back re-enters the range at 01:00 EST */
	w = test_window("window:\n"
	    "  - times: [{ start_time: \"00:30\", end_time: \"01:30\" }]\n");
	NEXT_IS(w, test_ms(2026, 11, 1, 1, 40, EDT), test_ms(2026, 11, 1, 1, 0, EST));
	window_free(w);

	/* a whole day lasts 25 hours */
	w = test_window("window:\n"
	    "  - months: [november]\n"
	    "    days_of_month: [1]\n");
	NEXT_IS(w, test_ms(2026, 10, 15, 0, 0, EDT), test_ms(2026, 11, 1, 0, 0, EDT));
	assert_true(window_is_open(w, test_ms(2026, 11, 1, 23, 59, EST)));
	assert_false(window_is_open(w, test_ms(2026, 11, 2, 0, 0, EST)));
	window_free(w);
}

static void
test_location(void **state)
{
	struct window	*w;

	(void)state;
	w = test_window("window:\n"
	    "  - location: Australia/Sydney\n"
	    "    weekdays: [\"monday:friday\"]\n"
	    "    times: [{ start_time: \"09:00\", end_time: \"17:00\" }]\n");
	/* Wednesday 2026-07-01 10:00 AEST (UTC+10) */
	NEXT_IS(w, test_ms(2026, 7, 1, 0, 0, 0), test_ms(2026, 7, 1, 0, 0, 0));
	NEXT_IS(w, test_ms(2026, 7, 1, 8, 0, 0), test_ms(2026, 7, 1, 23, 0, 0));
	/* Sydney's spring forward, Sunday 2026-10-04: Monday 09:00 AEDT */
	NEXT_IS(w, test_ms(2026, 10, 2, 8, 0, 0), test_ms(2026, 10, 4, 22, 0, 0));
	window_free(w);

	/* one interval in UTC, one in Toronto: whichever opens first */
	w = test_window("window:\n"
	    "  - location: UTC\n"
	    "    times: [{ start_time: \"12:00\", end_time: \"13:00\" }]\n"
	    "  - times: [{ start_time: \"07:00\", end_time: \"08:00\" }]\n");
	NEXT_IS(w, test_ms(2026, 7, 1, 0, 0, 0), test_ms(2026, 7, 1, 11, 0, 0));
	NEXT_IS(w, test_ms(2026, 7, 1, 11, 30, 0), test_ms(2026, 7, 1, 11, 30, 0));
	NEXT_IS(w, test_ms(2026, 7, 1, 12, 0, 0), test_ms(2026, 7, 1, 12, 0, 0));
	NEXT_IS(w, test_ms(2026, 7, 1, 13, 0, 0), test_ms(2026, 7, 2, 11, 0, 0));
	window_free(w);
}

/* Each bad window gives exactly these messages, positions included. */
static void
test_errors(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*want[3];
	} cases[] = {
		{ "window:\n  - times: [{ start_time: \"25:00\", end_time: \"26:00\" }]\n",
		  { "w.yaml:2:27: invalid time \"25:00\"" } },
		{ "window:\n  - times: [{ start_time: \"09:00\", end_time: \"24:01\" }]\n",
		  { "w.yaml:2:46: invalid time \"24:01\"" } },
		{ "window:\n  - times: [{ start_time: \"24:00\", end_time: \"24:00\" }]\n",
		  { "w.yaml:2:27: invalid time \"24:00\"" } },
		{ "window:\n  - times: [{ start_time: \"9h\", end_time: \"10:00\" }]\n",
		  { "w.yaml:2:27: invalid time \"9h\"" } },
		{ "window:\n  - times: [{ start_time: \"17:00\", end_time: \"09:00\" }]\n",
		  { "w.yaml:2:27: start_time \"17:00\" is not before end_time \"09:00\"" } },
		{ "window:\n  - times: [{ start_time: \"09:00\" }]\n",
		  { "w.yaml:2:13: times entry needs start_time and end_time" } },
		{ "window:\n  - times: { start_time: \"09:00\", end_time: \"10:00\" }\n",
		  { "w.yaml:2:12: times must be a sequence, not a map" } },
		{ "window:\n  - weekdays: [monday, \"mon day\"]\n",
		  { "w.yaml:2:24: unknown weekday \"mon day\"" } },
		{ "window:\n  - weekdays: [\"monday:fryday\"]\n",
		  { "w.yaml:2:16: unknown weekday \"fryday\"" } },
		{ "window:\n  - weekdays: [\"friday:monday\"]\n",
		  { "w.yaml:2:16: range \"friday:monday\" ends before it starts" } },
		{ "window:\n  - days_of_month: [0, 32, \"-32\"]\n",
		  { "w.yaml:2:21: invalid day of month \"0\"",
		    "w.yaml:2:24: invalid day of month \"32\"",
		    "w.yaml:2:28: invalid day of month \"-32\"" } },
		{ "window:\n  - days_of_month: [\"-3:5\"]\n",
		  { "w.yaml:2:21: day range \"-3:5\" starts from the end of the "
		    "month but ends from its start" } },
		{ "window:\n  - months: [smarch, 13]\n",
		  { "w.yaml:2:14: unknown month \"smarch\"",
		    "w.yaml:2:22: unknown month \"13\"" } },
		{ "window:\n  - years: [\"2027:2026\", twenty]\n",
		  { "w.yaml:2:13: range \"2027:2026\" ends before it starts",
		    "w.yaml:2:26: invalid year \"twenty\"" } },
		{ "window:\n  - location: Mars/Olympus\n",
		  { "w.yaml:2:15: unknown time zone \"Mars/Olympus\"" } },
		{ "window:\n  - location: ../../etc/passwd\n",
		  { "w.yaml:2:15: unknown time zone \"../../etc/passwd\"" } },
		{ "window:\n  - weekday: [monday]\n",
		  { "w.yaml:2:5: unknown key \"weekday\" in time interval" } },
		{ "window:\n  - monday\n",
		  { "w.yaml:2:5: time interval must be a map, not a scalar" } },
		{ "window: weekdays\n",
		  { "w.yaml:1:9: window must be a sequence, not a scalar" } },
		{ "window:\n  when: []\n",
		  { "w.yaml:2:3: unknown key \"when\" in window",
		    "w.yaml:2:3: window needs intervals" } },
		{ "window: []\nholidays: [\"2026-02-30\", 2026-6-24, { name: x }]\n",
		  { "w.yaml:2:12: invalid date \"2026-02-30\"",
		    "w.yaml:2:26: invalid date \"2026-6-24\"",
		    "w.yaml:2:37: holiday needs a date" } },
		{ "window: []\nholidays: [\"0000-01-01\"]\n",
		  { "w.yaml:2:12: invalid date \"0000-01-01\"" } },
	};
	struct window	*w;
	struct diag	 d;
	size_t		 i, j, n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		diag_init(&d);
		w = test_parse(cases[i].yaml, test_ms(2026, 1, 1, 0, 0, 0), &d);
		for (n = 0; n < 3 && cases[i].want[n] != NULL; n++)
			;
		if (w != NULL)
			fail_msg("case %zu parsed:\n%s", i, cases[i].yaml);
		for (j = 0; j < d.n || j < n; j++) {
			if (j < d.n && j < n &&
			    strcmp(d.msgs[j], cases[i].want[j]) == 0)
				continue;
			fail_msg("case %zu message %zu:\nexpected %s\n     got %s",
			    i, j, j < n ? cases[i].want[j] : "(none)",
			    j < d.n ? d.msgs[j] : "(none)");
		}
		diag_free(&d);
	}
}

static void
test_never_opens(void **state)
{
	static const char *const never[] = {
		"window:\n  - months: [february]\n    days_of_month: [30]\n",
		"window:\n  - years: [\"2020:2024\"]\n",
		"window: []\n",
		"window:\n  - years: [2026]\n    months: [june]\n"
		"    days_of_month: [24]\nholidays: [\"2026-06-24\"]\n",
		"window:\n  - times: [{ start_time: \"02:00\", end_time: \"02:30\" }]\n"
		"    months: [march]\n    days_of_month: [8]\n    years: [2026]\n",
	};
	struct window	*w;
	struct diag	 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof never / sizeof never[0]; i++) {
		diag_init(&d);
		w = test_parse(never[i], test_ms(2026, 1, 1, 0, 0, 0), &d);
		if (w != NULL || d.n != 1 ||
		    strstr(d.msgs[0], ": window never opens") == NULL)
			fail_msg("case %zu: expected \"window never opens\", "
			    "got %s", i, d.n > 0 ? d.msgs[0] : "(nothing)");
		diag_free(&d);
	}
	diag_init(&d);
	w = test_parse(never[0], 0, &d);
	assert_string_equal(d.msgs[0], "w.yaml:2:3: window never opens");
	diag_free(&d);
	/* rare but reachable: the next 29 February within 366 days */
	diag_init(&d);
	w = test_parse("window:\n  - months: [2]\n    days_of_month: [29]\n",
	    test_ms(2027, 3, 1, 0, 0, 0), &d);
	assert_non_null(w);
	assert_int_equal(d.n, 0);
	NEXT_IS(w, test_ms(2027, 3, 1, 0, 0, 0), test_ms(2028, 2, 29, 0, 0, EST));
	window_free(w);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_default),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_end_exclusive),
		cmocka_unit_test(test_midnight_crossing),
		cmocka_unit_test(test_days_of_month),
		cmocka_unit_test(test_months_years),
		cmocka_unit_test(test_dst_spring),
		cmocka_unit_test(test_dst_fall),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_never_opens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
