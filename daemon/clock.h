/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Time for the whole daemon: the wall clock, with a test-only offset, and the monotonic one. */
#ifndef RELAIS_CLOCK_H
#define RELAIS_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/*
 * RELAIS_TEST_NOW=<RFC 3339> makes the clock start at that instant and run
 * on from there (for tests of time windows: "an SMS at 23:00 goes out at
 * 9:00"). Returns -1 with a reason when the variable is set but invalid;
 * 1 when a test clock is in use, 0 otherwise.
 */
int	clock_init(char *err, size_t errlen);
/* Unix time in ms: real time, plus the test offset when one is set. */
int64_t	clock_now_ms(void);
/*
 * Monotonic ms (CLOCK_MONOTONIC, from an arbitrary start): for deadlines
 * and durations, which a wall clock set back or forward must not stretch.
 */
int64_t	clock_mono_ms(void);
/* The same clock in microseconds: durations shorter than a millisecond. */
int64_t	clock_mono_us(void);
/* An instant as RFC 3339 UTC with milliseconds. */
void	clock_rfc3339(int64_t ms, char *out, size_t outlen);
/* Without them, the second floored: "2026-03-04T19:30:00Z". */
void	clock_rfc3339_sec(int64_t ms, char *out, size_t outlen);

#endif
