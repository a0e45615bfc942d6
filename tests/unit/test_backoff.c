/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for backoff: full-jitter bounds, overflow, cap, Retry-After clamping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include "backoff.h"

/* A spread of random values: edges, small, large, and a splitmix64 walk. */
static uint64_t
test_rnd(size_t i)
{
	static const uint64_t edges[] = { 0, 1, 2, 999, 1000, 1001,
	    UINT64_MAX, UINT64_MAX - 1, (uint64_t)INT64_MAX,
	    (uint64_t)INT64_MAX + 1 };
	uint64_t	z;

	if (i < sizeof edges / sizeof *edges)
		return edges[i];
	z = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* min(cap, base * 2^attempt) computed without overflow. */
static int64_t
test_ceiling(int64_t base, int64_t cap, long attempt)
{
	int64_t	c = base;
	long	i;

	for (i = 0; i < attempt; i++) {
		if (c >= cap)
			break;
		c = c > INT64_MAX / 2 ? INT64_MAX : c * 2;
	}
	return c < cap ? c : cap;
}

static void
test_bounds(void **state)
{
	static const struct { int64_t base, cap; } p[] = {
		{ 1000, 3600000 }, { 1, 1 }, { 1, 10 }, { 7, 1000 },
		{ 250, 250 }, { 5000, 1000 }, { 1, INT64_MAX },
	};
	size_t	k, i;
	long	a;
	int64_t	d, ceil;

	(void)state;
	for (k = 0; k < sizeof p / sizeof *p; k++) {
		for (a = 0; a < 70; a++) {
			ceil = test_ceiling(p[k].base, p[k].cap, a);
			for (i = 0; i < 200; i++) {
				d = backoff_delay_ms(p[k].base, p[k].cap, a,
				    test_rnd(i));
				if (d < 0 || d > ceil)
					fail_msg("base=%lld cap=%lld attempt=%ld "
					    "rnd=%llu: expected 0..%lld, got %lld",
					    (long long)p[k].base,
					    (long long)p[k].cap, a,
					    (unsigned long long)test_rnd(i),
					    (long long)ceil, (long long)d);
			}
		}
	}
}

/* The draw is rnd modulo (ceiling + 1): exact values for known inputs. */
static void
test_exact(void **state)
{
	(void)state;
	assert_int_equal(backoff_delay_ms(1000, 3600000, 0, 0), 0);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 0, 1000), 1000);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 0, 1001), 0);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 1, 2000), 2000);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 2, 4000), 4000);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 3, 8000), 8000);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 3, 8001), 0);
	/* 1000 * 2^12 = 4096000 is over the cap */
	assert_int_equal(backoff_delay_ms(1000, 3600000, 12, 3600000), 3600000);
	assert_int_equal(backoff_delay_ms(1000, 3600000, 12, 3600001), 0);
	/* base above the cap: the cap wins from the first attempt */
	assert_int_equal(backoff_delay_ms(5000, 1000, 0, 1000), 1000);
	/* non-positive base or cap: no delay */
	assert_int_equal(backoff_delay_ms(0, 1000, 3, 12345), 0);
	assert_int_equal(backoff_delay_ms(1000, 0, 3, 12345), 0);
	assert_int_equal(backoff_delay_ms(-5, 1000, 3, 12345), 0);
	/* a negative attempt counts as attempt 0 */
	assert_int_equal(backoff_delay_ms(1000, 3600000, -3, 1000), 1000);
	assert_int_equal(backoff_delay_ms(1000, 3600000, -3, 1001), 0);
}

/* The maximum draw reaches the ceiling: the range really is 0..ceiling. */
static void
test_reaches_ceiling(void **state)
{
	long	a;
	int64_t	ceil;

	(void)state;
	for (a = 0; a < 40; a++) {
		ceil = test_ceiling(1000, 3600000, a);
		assert_int_equal(backoff_delay_ms(1000, 3600000, a,
		    (uint64_t)ceil), ceil);
	}
}

static void
test_huge_attempts(void **state)
{
	static const long attempts[] = { 62, 63, 64, 65, 100, 1000, 1000000,
	    2147483647L, LONG_MAX };
	size_t	i, k;
	int64_t	d, ceil;

	(void)state;
	for (i = 0; i < sizeof attempts / sizeof *attempts; i++) {
		for (k = 0; k < 50; k++) {
			d = backoff_delay_ms(1000, 3600000, attempts[i],
			    test_rnd(k));
			assert_in_range(d, 0, 3600000);
			d = backoff_delay_ms(1, INT64_MAX, attempts[i],
			    test_rnd(k));
			assert_true(d >= 0);
			d = backoff_delay_ms(INT64_MAX, INT64_MAX, attempts[i],
			    test_rnd(k));
			assert_true(d >= 0);
		}
		/* with every bit set, the draw is the ceiling or below */
		assert_int_equal(backoff_delay_ms(1000, 3600000, attempts[i],
		    3600000), 3600000);
		ceil = test_ceiling(1, INT64_MAX, attempts[i]);
		assert_int_equal(backoff_delay_ms(1, INT64_MAX, attempts[i],
		    (uint64_t)ceil), ceil);
		if (attempts[i] >= 63)	/* 2^63 saturates at INT64_MAX */
			assert_int_equal(ceil, INT64_MAX);
	}
}

static void
test_cap(void **state)
{
	long	a;
	size_t	k;

	(void)state;
	for (a = 0; a < 200; a++) {
		for (k = 0; k < 100; k++)
			assert_in_range(backoff_delay_ms(1000, 60000, a,
			    test_rnd(k)), 0, 60000);
	}
}

static void
test_retry_after(void **state)
{
	(void)state;
	/* absent (negative): the backoff unchanged */
	assert_int_equal(backoff_retry_ms(1234, -1, 3600000), 1234);
	assert_int_equal(backoff_retry_ms(1234, -100, 3600000), 1234);
	assert_int_equal(backoff_retry_ms(0, -1, 3600000), 0);
	/* the larger of the backoff and the asked wait */
	assert_int_equal(backoff_retry_ms(1234, 0, 3600000), 1234);
	assert_int_equal(backoff_retry_ms(1234, 1, 3600000), 1234);
	assert_int_equal(backoff_retry_ms(1234, 2, 3600000), 2000);
	assert_int_equal(backoff_retry_ms(500, 30, 3600000), 30000);
	assert_int_equal(backoff_retry_ms(90000, 30, 3600000), 90000);
	/* the asked wait is clamped to max_ms */
	assert_int_equal(backoff_retry_ms(1000, 3600, 3600000), 3600000);
	assert_int_equal(backoff_retry_ms(1000, 3601, 3600000), 3600000);
	assert_int_equal(backoff_retry_ms(1000, 86400 * 365, 3600000), 3600000);
	assert_int_equal(backoff_retry_ms(1000, LONG_MAX, 3600000), 3600000);
	assert_int_equal(backoff_retry_ms(1000, 2, 1500), 1500);
	assert_int_equal(backoff_retry_ms(1000, 1, 1500), 1000);
	/* clamping never lowers a backoff above max_ms */
	assert_int_equal(backoff_retry_ms(5000000, LONG_MAX, 3600000), 5000000);
}

static void
test_random(void **state)
{
	uint64_t	a, b, c;

	(void)state;
	a = backoff_random();
	b = backoff_random();
	c = backoff_random();
	/* three equal 64-bit draws would mean a broken generator */
	assert_false(a == b && b == c);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_reaches_ceiling),
		cmocka_unit_test(test_huge_attempts),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
