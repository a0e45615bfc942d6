/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for tz: TZif offsets around DST changes, gaps and overlaps, footer rules, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

#define H	3600

/* A UTC instant from civil fields, through the (separately tested) calendar helper. */
static int64_t
test_at(int y, int mo, int d, int h, int mi)
{
	return tz_days_from_civil(y, mo, d) * 86400 + h * H + mi * 60;
}

static struct tz *
test_load(const char *name)
{
	struct tz	*z;
	char		 err[256];

	if ((z = tz_load(name, err, sizeof err)) == NULL)
		fail_msg("tz_load %s: %s", name, err);
	return z;
}

static void
test_calendar(void **state)
{
	int64_t	y, d;
	int	m, dd;

	(void)state;
	assert_int_equal(tz_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tz_days_from_civil(2026, 1, 1), 1767225600 / 86400);
	assert_int_equal(tz_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(tz_weekday(0), 4);			/* Thursday */
	assert_int_equal(tz_weekday(-1), 3);
	assert_int_equal(tz_weekday(tz_days_from_civil(2026, 3, 8)), 0);
	assert_int_equal(tz_weekday(tz_days_from_civil(2026, 6, 24)), 3);
	assert_int_equal(tz_days_in_month(2028, 2), 29);
	assert_int_equal(tz_days_in_month(2100, 2), 28);
	assert_int_equal(tz_days_in_month(2000, 2), 29);
	assert_int_equal(tz_days_in_month(2026, 4), 30);
	for (d = -800000; d < 800000; d += 37) {
		tz_civil_from_days(d, &y, &m, &dd);
		if (tz_days_from_civil(y, m, dd) != d)
			fail_msg("day %lld: %lld-%d-%d does not round-trip",
			    (long long)d, (long long)y, m, dd);
	}
}

/* Exactly YYYY-MM-DD, a real date: no sign, no blank, no short field. */
static void
test_date(void **state)
{
	static const char *const bad[] = { "", "2026-03-0", "2026-03-021",
	    "+026-03-02", " 026-03-02", "2026-+3-02", "2026- 3-02",
	    "2026-03- 2", "2026/03/02", "2026-02-29", "2100-02-29",
	    "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
	    "2026-03-0x" };
	int64_t	day;
	size_t	i;

	(void)state;
	assert_int_equal(tz_date("2026-03-02", 10, &day), 0);
	assert_int_equal(day, tz_days_from_civil(2026, 3, 2));
	assert_int_equal(tz_date("2028-02-29", 10, &day), 0);
	assert_int_equal(day, tz_days_from_civil(2028, 2, 29));
	assert_int_equal(tz_date("0000-01-01", 10, &day), 0);
	assert_int_equal(day, tz_days_from_civil(0, 1, 1));
	/* the length is the caller's: a date followed by more is not one */
	assert_int_equal(tz_date("2026-03-02T00:00:00Z", 20, &day), -1);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (tz_date(bad[i], strlen(bad[i]), &day) != -1)
			fail_msg("\"%s\" taken for a date", bad[i]);
	}
}

static void
test_toronto_spring(void **state)
{
	struct tz	*z = test_load("America/Toronto");
	int64_t		 t = 1772953200, u[2], nx;	/* 2026-03-08T07:00Z */

	(void)state;
	assert_int_equal(t, test_at(2026, 3, 8, 7, 0));
	assert_int_equal(tz_offset(z, t - 1), -5 * H);
	assert_int_equal(tz_offset(z, t), -4 * H);
	assert_int_equal(tz_utc_to_local(z, t - 1), test_at(2026, 3, 8, 1, 59) + 59);
	assert_int_equal(tz_utc_to_local(z, t), test_at(2026, 3, 8, 3, 0));
	/* 02:00..02:59 does not exist: it maps to the first instant after */
	assert_int_equal(tz_local_instants(z, test_at(2026, 3, 8, 2, 30), u, 2), 0);
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 3, 8, 2, 0)), t);
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 3, 8, 2, 30)), t);
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 3, 8, 3, 0)), t);
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 3, 8, 1, 59)), t - 60);
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 3, 9, 9, 0)),
	    test_at(2026, 3, 9, 13, 0));
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 3, 7, 9, 0)),
	    test_at(2026, 3, 7, 14, 0));
	assert_int_equal(tz_next_transition(z, test_at(2026, 1, 1, 0, 0), &nx), 0);
	assert_int_equal(nx, t);
	assert_int_equal(tz_next_transition(z, t - 1, &nx), 0);
	assert_int_equal(nx, t);
	assert_int_equal(tz_next_transition(z, t, &nx), 0);
	assert_int_equal(nx, 1793512800);
	tz_free(z);
}

static void
test_toronto_fall(void **state)
{
	struct tz	*z = test_load("America/Toronto");
	int64_t		 t = 1793512800, u[2];		/* 2026-11-01T06:00Z */

	(void)state;
	assert_int_equal(t, test_at(2026, 11, 1, 6, 0));
	assert_int_equal(tz_offset(z, t - 1), -4 * H);
	assert_int_equal(tz_offset(z, t), -5 * H);
	assert_int_equal(tz_utc_to_local(z, t), test_at(2026, 11, 1, 1, 0));
	/* 01:00..01:59 happens twice: EDT first, then EST */
	assert_int_equal(tz_local_instants(z, test_at(2026, 11, 1, 1, 30), u, 2), 2);
	assert_int_equal(u[0], test_at(2026, 11, 1, 5, 30));
	assert_int_equal(u[1], test_at(2026, 11, 1, 6, 30));
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 11, 1, 1, 30)), u[0]);
	assert_int_equal(tz_local_instants(z, test_at(2026, 11, 1, 0, 59), u, 2), 1);
	assert_int_equal(tz_local_instants(z, test_at(2026, 11, 1, 2, 0), u, 2), 1);
	assert_int_equal(u[0], test_at(2026, 11, 1, 7, 0));
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 11, 2, 9, 0)),
	    test_at(2026, 11, 2, 14, 0));
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 10, 31, 9, 0)),
	    test_at(2026, 10, 31, 13, 0));
	tz_free(z);
}

/* The local calendar day of an instant in ms: around midnight, UTC, before 1970. */
static void
test_local_day(void **state)
{
	struct tz	*z = test_load("America/Toronto");
	int64_t		 mar1 = tz_days_from_civil(2026, 3, 1);

	(void)state;
	/* 03:00Z on 2 March is still 1 March, 22:00 EST */
	assert_int_equal(tz_local_day(z, test_at(2026, 3, 2, 3, 0) * 1000),
	    mar1);
	assert_int_equal(tz_local_day(z, test_at(2026, 3, 2, 5, 0) * 1000),
	    mar1 + 1);
	/* without a zone, UTC's day */
	assert_int_equal(tz_local_day(NULL, test_at(2026, 3, 2, 3, 0) * 1000),
	    mar1 + 1);
	/* the last millisecond of 1969 is day -1, not day 0 */
	assert_int_equal(tz_local_day(NULL, -1), -1);
	tz_free(z);
}

static void
test_utc(void **state)
{
	struct tz	*z = test_load("UTC");
	int64_t		 t, nx;

	(void)state;
	for (t = -4000000000LL; t < 8000000000LL; t += 86399 * 97)
		assert_int_equal(tz_offset(z, t), 0);
	assert_int_equal(tz_local_to_utc(z, 1772953200), 1772953200);
	assert_int_equal(tz_next_transition(z, 0, &nx), -1);
	assert_string_equal(tz_name(z), "UTC");
	tz_free(z);
}

static void
test_southern(void **state)
{
	struct tz	*z = test_load("Australia/Sydney");
	int64_t		 u[2];

	(void)state;
	assert_int_equal(tz_offset(z, test_at(2026, 1, 15, 0, 0)), 11 * H);
	assert_int_equal(tz_offset(z, test_at(2026, 7, 15, 0, 0)), 10 * H);
	/* Apr 5 03:00 AEDT -> 02:00 AEST; Oct 4 02:00 AEST -> 03:00 AEDT */
	assert_int_equal(tz_offset(z, 1775318400 - 1), 11 * H);
	assert_int_equal(tz_offset(z, 1775318400), 10 * H);
	assert_int_equal(tz_offset(z, 1791043200 - 1), 10 * H);
	assert_int_equal(tz_offset(z, 1791043200), 11 * H);
	assert_int_equal(tz_local_instants(z, test_at(2026, 4, 5, 2, 30), u, 2), 2);
	assert_int_equal(u[0], test_at(2026, 4, 4, 15, 30));
	assert_int_equal(u[1], test_at(2026, 4, 4, 16, 30));
	assert_int_equal(tz_local_to_utc(z, test_at(2026, 10, 4, 2, 30)),
	    1791043200);
	/* the far future comes from the footer "AEST-10AEDT,M10.1.0,M4.1.0/3" */
	assert_int_equal(tz_offset(z, test_at(2100, 1, 1, 0, 0)), 11 * H);
	assert_int_equal(tz_offset(z, test_at(2100, 6, 1, 0, 0)), 10 * H);
	assert_int_equal(tz_offset(z, test_at(2099, 12, 31, 23, 0)), 11 * H);
	tz_free(z);
}

/* Transitions in years only the footer rule describes, checked against zdump. */
static void
test_footer_future(void **state)
{
	static const struct {
		int	y;
		int64_t	start;
		int64_t	end;
	} want[] = {
		{ 2050, 2530767600LL, 2551327200LL },
		{ 2100, 4108690800LL, 4129250400LL },
		{ 2300, 10419778800LL, 10440338400LL },
	};
	struct tz	*z = test_load("America/Toronto");
	int64_t		 nx;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(tz_next_transition(z,
		    test_at(want[i].y, 1, 1, 0, 0), &nx), 0);
		assert_int_equal(nx, want[i].start);
		assert_int_equal(tz_next_transition(z, nx, &nx), 0);
		assert_int_equal(nx, want[i].end);
		assert_int_equal(tz_offset(z, want[i].start - 1), -5 * H);
		assert_int_equal(tz_offset(z, want[i].start), -4 * H);
		assert_int_equal(tz_offset(z, want[i].end), -5 * H);
		assert_int_equal(tz_local_to_utc(z, test_at(want[i].y, 7, 1,
		    9, 0)), test_at(want[i].y, 7, 1, 13, 0));
	}
	tz_free(z);
}

/* The rule alone gives the same offsets as the file, hour by hour, over 2026-2027. */
static void
test_posix_rule(void **state)
{
	struct tz	*file = test_load("America/Toronto");
	struct tz	*rule;
	char		 err[128];
	int64_t		 t;

	(void)state;
	rule = tz_from_posix("EST5EDT,M3.2.0,M11.1.0", err, sizeof err);
	assert_non_null(rule);
	for (t = test_at(2026, 1, 1, 0, 0); t < test_at(2028, 1, 1, 0, 0); t += H)
		if (tz_offset(rule, t) != tz_offset(file, t))
			fail_msg("at %lld: rule %d, file %d", (long long)t,
			    tz_offset(rule, t), tz_offset(file, t));
	assert_int_equal(tz_local_to_utc(rule, test_at(2026, 3, 8, 2, 30)),
	    1772953200);
	tz_free(rule);
	tz_free(file);
}

static void
test_posix_forms(void **state)
{
	struct tz	*z;
	char		 err[128];
	int64_t		 nx;

	(void)state;
	/* Jn never counts Feb 29: J60 is March 1 every year */
	z = tz_from_posix("AAA0BBB,J60/0,J300/0", err, sizeof err);
	assert_non_null(z);
	assert_int_equal(tz_next_transition(z, test_at(2028, 1, 1, 0, 0), &nx), 0);
	assert_int_equal(nx, test_at(2028, 3, 1, 0, 0));
	tz_free(z);
	/* n counts from 0 and includes Feb 29: 59 is Feb 29 in a leap year */
	z = tz_from_posix("AAA0BBB,59/0,300/0", err, sizeof err);
	assert_non_null(z);
	assert_int_equal(tz_next_transition(z, test_at(2028, 1, 1, 0, 0), &nx), 0);
	assert_int_equal(nx, test_at(2028, 2, 29, 0, 0));
	assert_int_equal(tz_next_transition(z, test_at(2027, 1, 1, 0, 0), &nx), 0);
	assert_int_equal(nx, test_at(2027, 3, 1, 0, 0));
	tz_free(z);
	/* quoted names, minutes, negative rule times (America/Nuuk) */
	z = tz_from_posix("<+0330>-3:30", err, sizeof err);
	assert_non_null(z);
	assert_int_equal(tz_offset(z, 0), 3 * H + 30 * 60);
	tz_free(z);
	z = tz_from_posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", err, sizeof err);
	assert_non_null(z);
	assert_int_equal(tz_next_transition(z, test_at(2026, 1, 1, 0, 0), &nx), 0);
	assert_int_equal(nx, 1774746000);
	assert_int_equal(tz_offset(z, nx), -1 * H);
	assert_int_equal(tz_next_transition(z, nx, &nx), 0);
	assert_int_equal(nx, 1792890000);
	tz_free(z);
	/* negative DST: Irish Standard Time in summer, GMT in winter */
	z = test_load("Europe/Dublin");
	assert_int_equal(tz_offset(z, test_at(2040, 1, 15, 0, 0)), 0);
	assert_int_equal(tz_offset(z, test_at(2040, 7, 15, 0, 0)), H);
	tz_free(z);
	/* DST name without a rule: the US rule */
	z = tz_from_posix("EST5EDT", err, sizeof err);
	assert_non_null(z);
	assert_int_equal(tz_offset(z, test_at(2026, 7, 1, 0, 0)), -4 * H);
	tz_free(z);
}

/* A v1-only file (the 32-bit block of a v2 file, version byte 0) still works. */
static void
test_v1_fallback(void **state)
{
	unsigned char	*data;
	struct tz	*z;
	uint32_t	 c[6];
	size_t		 len, v1len;
	char		 err[128];
	FILE		*f;
	int		 i;

	(void)state;
	data = malloc(1 << 16);
	assert_non_null(data);
	f = fopen(TZ_DIR "/America/Toronto", "rb");
	assert_non_null(f);
	len = fread(data, 1, 1 << 16, f);
	fclose(f);
	assert_true(len > 44);
	for (i = 0; i < 6; i++)
		c[i] = (uint32_t)data[20 + i * 4] << 24 |
		    (uint32_t)data[21 + i * 4] << 16 |
		    (uint32_t)data[22 + i * 4] << 8 | data[23 + i * 4];
	v1len = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
	data[4] = 0;
	z = tz_from_tzif("v1", data, v1len, err, sizeof err);
	if (z == NULL)
		fail_msg("v1: %s", err);
	/* Debian ships "fat" files: the 32-bit block reaches 2037 */
	assert_int_equal(tz_offset(z, test_at(2026, 7, 1, 0, 0)), -4 * H);
	assert_int_equal(tz_offset(z, test_at(2026, 12, 1, 0, 0)), -5 * H);
	assert_int_equal(tz_offset(z, test_at(1990, 7, 1, 0, 0)), -4 * H);
	assert_int_equal(tz_offset(z, test_at(1990, 1, 1, 0, 0)), -5 * H);
	tz_free(z);
	/* the same bytes cut short are refused */
	assert_null(tz_from_tzif("cut", data, v1len - 1, err, sizeof err));
	data[4] = '2';
	assert_null(tz_from_tzif("cut", data, v1len, err, sizeof err));
	free(data);
}

static void
test_errors(void **state)
{
	static const char *const bad_rules[] = { "", "EST", "ES5", "EST5EDT,",
	    "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
	    "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,J0,J365", "EST5EDT,M3.2.0",
	    "EST5EDT,M3.2.0/200,M11.1.0", "<EST5", "EST25", "EST5:60",
	    "EST5EDT,M3.2.0,M11.1.0x", NULL };
	char	 err[256];
	size_t	 i;

	(void)state;
	errno = 0;
	assert_null(tz_load("Mars/Olympus", err, sizeof err));
	assert_int_equal(errno, ENOENT);
	assert_null(tz_load("../../etc/passwd", err, sizeof err));
	assert_int_equal(errno, ENOENT);
	assert_null(tz_load("/etc/passwd", err, sizeof err));
	assert_null(tz_load("America/../America/Toronto", err, sizeof err));
	assert_null(tz_load("", err, sizeof err));
	assert_null(tz_load("America/To ronto", err, sizeof err));
	assert_null(tz_load("America", err, sizeof err));
	assert_null(tz_load("zone.tab", err, sizeof err));
	assert_null(tz_from_tzif("x", "TZif", 4, err, sizeof err));
	assert_null(tz_from_tzif("x", "", 0, err, sizeof err));
	for (i = 0; bad_rules[i] != NULL; i++)
		if (tz_from_posix(bad_rules[i], err, sizeof err) != NULL)
			fail_msg("rule \"%s\" was accepted", bad_rules[i]);
	tz_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_toronto_spring),
		cmocka_unit_test(test_toronto_fall),
		cmocka_unit_test(test_local_day),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_southern),
		cmocka_unit_test(test_footer_future),
		cmocka_unit_test(test_posix_rule),
		cmocka_unit_test(test_posix_forms),
		cmocka_unit_test(test_v1_fallback),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
