/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* clock: RELAIS_TEST_NOW, RFC 3339 output, the monotonic clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "envelope.h"

/* 2026-03-04T19:30:00Z, a Wednesday afternoon in Québec. */
#define TEST_T0		1772652600000LL
/* What the wall clock may move while one test runs. */
#define TEST_SLACK_MS	5000

static int64_t
test_real_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* now is within the slack after want. */
static void
test_near(int64_t now, int64_t want)
{
	if (now < want - 1000 || now > want + TEST_SLACK_MS)
		fail_msg("expected about %lld, got %lld (%+lld ms)",
		    (long long)want, (long long)now, (long long)(now - want));
}

static int
test_teardown(void **state)
{
	char	err[256];

	(void)state;
	unsetenv("RELAIS_TEST_NOW");
	return clock_init(err, sizeof err) == 0 ? 0 : -1;
}

/* Unset or empty: real time, no test clock. */
static void
test_init_unset(void **state)
{
	char	err[256] = "untouched";

	(void)state;
	unsetenv("RELAIS_TEST_NOW");
	assert_int_equal(clock_init(err, sizeof err), 0);
	assert_string_equal(err, "untouched");
	test_near(clock_now_ms(), test_real_ms());
	assert_int_equal(setenv("RELAIS_TEST_NOW", "", 1), 0);
	assert_int_equal(clock_init(err, sizeof err), 0);
	test_near(clock_now_ms(), test_real_ms());
}

/* A valid instant: the clock starts there (offsets taken) and runs on. */
static void
test_init_valid(void **state)
{
	static const struct { const char *s; int64_t ms; } v[] = {
		{ "2026-03-04T19:30:00Z", TEST_T0 },
		{ "2026-03-04T14:30:00-05:00", TEST_T0 },
		{ "2026-03-04t19:30:00.250z", TEST_T0 + 250 },
		{ "2024-02-29T23:59:59.999Z", 1709251199999LL },
		{ "1999-12-31T23:59:59Z", 946684799000LL },
	};
	char	 err[256];
	int64_t	 first, now, deadline;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		assert_int_equal(setenv("RELAIS_TEST_NOW", v[i].s, 1), 0);
		assert_int_equal(clock_init(err, sizeof err), 1);
		test_near(clock_now_ms(), v[i].ms);
	}

	/* from that instant it moves on, as real time does */
	assert_int_equal(setenv("RELAIS_TEST_NOW", "2026-03-04T19:30:00Z", 1),
	    0);
	assert_int_equal(clock_init(err, sizeof err), 1);
	first = clock_now_ms();
	test_near(first, TEST_T0);
	deadline = clock_mono_ms() + TEST_SLACK_MS;
	while ((now = clock_now_ms()) == first && clock_mono_ms() < deadline)
		;
	assert_true(now > first);
	test_near(now, TEST_T0);
}

/* An invalid instant is refused with the value, and the clock is real again. */
static void
test_init_invalid(void **state)
{
	static const char *const bad[] = { "yesterday", "2026-03-04T19:30:00",
	    "2026-02-29T12:00:00Z", "2026-03-04 19:30:00Z",
	    "2026-13-01T00:00:00Z",
	    "2026-03-04T24:00:00Z", "2026-03-04T19:30:00Z trailing",
	    "2026-03-04T19:30:00+5:00", "1772652600" };
	char	 err[256], want[256], small[16];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		/* a test clock in use first: a bad value must not keep it */
		assert_int_equal(setenv("RELAIS_TEST_NOW",
		    "2001-01-01T00:00:00Z", 1), 0);
		assert_int_equal(clock_init(err, sizeof err), 1);
		assert_int_equal(setenv("RELAIS_TEST_NOW", bad[i], 1), 0);
		if (clock_init(err, sizeof err) != -1)
			fail_msg("\"%s\" was taken as a time", bad[i]);
		snprintf(want, sizeof want, "RELAIS_TEST_NOW is not an RFC "
		    "3339 time: \"%s\"", bad[i]);
		assert_string_equal(err, want);
		test_near(clock_now_ms(), test_real_ms());
	}
	/* the reason is cut to the room given */
	assert_int_equal(clock_init(small, sizeof small), -1);
	assert_string_equal(small, "RELAIS_TEST_NOW");
}

/* Known answers: the epoch, leap days (2000 is one, 2100 is not), ms. */
static void
test_rfc3339(void **state)
{
	static const struct { int64_t ms; const char *want; } v[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 1, "1970-01-01T00:00:00.001Z" },
		{ 999, "1970-01-01T00:00:00.999Z" },
		{ 1000, "1970-01-01T00:00:01.000Z" },
		{ 86399999, "1970-01-01T23:59:59.999Z" },
		{ 946684799999LL, "1999-12-31T23:59:59.999Z" },
		{ 946684800000LL, "2000-01-01T00:00:00.000Z" },
		{ 951782400000LL, "2000-02-29T00:00:00.000Z" },
		{ 1709251199999LL, "2024-02-29T23:59:59.999Z" },
		{ 1709251200000LL, "2024-03-01T00:00:00.000Z" },
		{ 4107542399999LL, "2100-02-28T23:59:59.999Z" },
		{ 4107542400000LL, "2100-03-01T00:00:00.000Z" },
		{ TEST_T0 + 123, "2026-03-04T19:30:00.123Z" },
		{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
		/* before 1970: the second floored, not truncated */
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -1000, "1969-12-31T23:59:59.000Z" },
		{ -1001, "1969-12-31T23:59:58.999Z" },
	};
	char	 out[40];
	int64_t	 back;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		memset(out, 'x', sizeof out);
		clock_rfc3339(v[i].ms, out, sizeof out);
		assert_string_equal(out, v[i].want);
		/* and it reads back as the same instant */
		assert_int_equal(envelope_parse_time(out, &back), 0);
		assert_int_equal(back, v[i].ms);
	}
	/* without milliseconds: the second floored */
	clock_rfc3339_sec(TEST_T0 + 999, out, sizeof out);
	assert_string_equal(out, "2026-03-04T19:30:00Z");
	clock_rfc3339_sec(-1, out, sizeof out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	clock_rfc3339_sec(253402300800000LL, out, sizeof out);
	assert_string_equal(out, "10000-01-01T00:00:00Z");
	clock_rfc3339_sec(TEST_T0, out, 5);
	assert_string_equal(out, "2026");
	/* below 1000 and past 9999: as strftime writes the year */
	clock_rfc3339(-30610310400000LL, out, sizeof out);
	assert_string_equal(out, "999-12-31T00:00:00.000Z");
	clock_rfc3339(253402300800000LL, out, sizeof out);
	assert_string_equal(out, "10000-01-01T00:00:00.000Z");
	/* cut to the room given, always terminated */
	clock_rfc3339(TEST_T0, out, 11);
	assert_string_equal(out, "2026-03-04");
	clock_rfc3339(TEST_T0, out, 1);
	assert_string_equal(out, "");
}

/* Monotonic: never back, moving on, blind to RELAIS_TEST_NOW. */
static void
test_mono(void **state)
{
	char	 err[256];
	int64_t	 prev, now, start, deadline;
	int	 i;

	(void)state;
	prev = start = clock_mono_ms();
	assert_true(start >= 0);
	for (i = 0; i < 100000; i++) {
		now = clock_mono_ms();
		if (now < prev)
			fail_msg("went back from %lld to %lld", (long long)prev,
			    (long long)now);
		prev = now;
	}
	deadline = start + TEST_SLACK_MS;
	while ((now = clock_mono_ms()) == start && now < deadline)
		;
	assert_true(now > start);
	/* ten years ahead for the wall clock, nothing for this one */
	assert_int_equal(setenv("RELAIS_TEST_NOW", "2036-03-04T19:30:00Z", 1),
	    0);
	assert_int_equal(clock_init(err, sizeof err), 1);
	now = clock_mono_ms();
	assert_true(now >= prev && now - prev < TEST_SLACK_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_unset, test_teardown),
		cmocka_unit_test_teardown(test_init_valid, test_teardown),
		cmocka_unit_test_teardown(test_init_invalid, test_teardown),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test_teardown(test_mono, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
