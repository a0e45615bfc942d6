/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Wall-clock time, shifted by RELAIS_TEST_NOW in tests, and monotonic time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "envelope.h"
#include "tz.h"

static int64_t	clock_offset_ms;

static int64_t
clock_real_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
clock_init(char *err, size_t errlen)
{
	const char	*s = getenv("RELAIS_TEST_NOW");
	int64_t		 want;

	clock_offset_ms = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (envelope_parse_time(s, &want) == -1) {
		snprintf(err, errlen, "RELAIS_TEST_NOW is not an RFC 3339 "
		    "time: \"%s\"", s);
		return -1;
	}
	clock_offset_ms = want - clock_real_ms();
	return 1;
}

int64_t
clock_now_ms(void)
{
	return clock_real_ms() + clock_offset_ms;
}

int64_t
clock_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* v (0..10^width - 1) in width digits at p. */
static void
clock_digits(char *p, int64_t v, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* RFC 3339 UTC, with milliseconds or without (the second floored). */
static void
clock_format(int64_t ms, int millis, char *out, size_t outlen)
{
	struct tm	tm;
	int64_t		sec = ms / 1000, frac = ms % 1000, days, y;
	time_t		t;
	char		day[32], s[sizeof "YYYY-MM-DDTHH:MM:SS.mmmZ"];
	size_t		len;
	int		m, d, secs;

	if (outlen == 0)
		return;
	/* floor, not truncation: -1 ms is 23:59:59.999 the day before */
	if (frac < 0) {
		frac += 1000;
		sec--;
	}
	days = sec / 86400;
	secs = (int)(sec % 86400);
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	tz_civil_from_days(days, &y, &m, &d);
	if (y < 1000 || y > 9999) {
		/* strftime's %Y: unpadded below 1000, five digits past 9999 */
		t = (time_t)sec;
		gmtime_r(&t, &tm);
		strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
		if (millis)
			snprintf(out, outlen, "%s.%03dZ", day, (int)frac);
		else
			snprintf(out, outlen, "%sZ", day);
		return;
	}
	/* by hand: where strftime and snprintf cost 2.5K a call */
	memcpy(s, "0000-00-00T00:00:00.000Z", sizeof s);
	clock_digits(s, y, 4);
	clock_digits(s + 5, m, 2);
	clock_digits(s + 8, d, 2);
	clock_digits(s + 11, secs / 3600, 2);
	clock_digits(s + 14, secs / 60 % 60, 2);
	clock_digits(s + 17, secs % 60, 2);
	if (millis) {
		clock_digits(s + 20, frac, 3);
		len = sizeof s - 1;
	} else {
		s[19] = 'Z';
		len = 20;
	}
	if (len > outlen - 1)
		len = outlen - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

void
clock_rfc3339(int64_t ms, char *out, size_t outlen)
{
	clock_format(ms, 1, out, outlen);
}

void
clock_rfc3339_sec(int64_t ms, char *out, size_t outlen)
{
	clock_format(ms, 0, out, outlen);
}
