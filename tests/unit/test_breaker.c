/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for breaker: one test per rule of the closed/open/half-open machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "breaker.h"

#define COOLDOWN	500

/* A call the breaker must admit at now; its ticket. */
static struct breaker_ticket
test_admit(struct breaker *b, long long now)
{
	struct breaker_ticket	t;
	long long		wait = -1;

	if (breaker_admit(b, now, &t, &wait) == -1)
		fail_msg("at %lld: expected the call admitted, got refused "
		    "(state %s, wait %lld)", now,
		    breaker_state_name(breaker_state(b, now)), wait);
	assert_int_equal(wait, 0);
	return t;
}

/* The breaker must refuse a call at now, asking to wait want_wait ms. */
static void
test_refused(struct breaker *b, long long now, long long want_wait)
{
	struct breaker_ticket	t;
	long long		wait = -1;

	assert_int_equal(breaker_check(b, now, &wait), 0);
	assert_int_equal(wait, want_wait);
	wait = -1;
	if (breaker_admit(b, now, &t, &wait) == 0)
		fail_msg("at %lld: expected the call refused, got admitted "
		    "(probe=%d)", now, t.probe);
	assert_int_equal(wait, want_wait);
}

/* One call sent and answered at now; what it moved. */
static enum breaker_move
test_call(struct breaker *b, long long now, enum breaker_answer a)
{
	struct breaker_ticket	t = test_admit(b, now);

	return breaker_result(b, &t, a, now);
}

/* threshold consecutive failures open it at now; returns now. */
static long long
test_trip(struct breaker *b, long threshold, long long now)
{
	long	i;

	for (i = 1; i < threshold; i++)
		assert_int_equal(test_call(b, now, BREAKER_FAILURE),
		    BREAKER_STAYS);
	assert_int_equal(test_call(b, now, BREAKER_FAILURE), BREAKER_OPENS);
	assert_int_equal(breaker_state(b, now), BREAKER_OPEN);
	return now;
}

static void
test_opens_on_consecutive_failures(void **state)
{
	struct breaker	*b = breaker_new(3, COOLDOWN, 0);

	(void)state;
	assert_int_equal(breaker_state(b, 0), BREAKER_CLOSED);
	/* a success in between starts the count again */
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_STAYS);
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_STAYS);
	assert_int_equal(test_call(b, 0, BREAKER_SUCCESS), BREAKER_STAYS);
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_STAYS);
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_STAYS);
	assert_int_equal(breaker_state(b, 0), BREAKER_CLOSED);
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_OPENS);
	assert_int_equal(breaker_state(b, 0), BREAKER_OPEN);
	assert_int_equal(breaker_rule(b), BREAKER_RULE_FAILURES);
	assert_int_equal(breaker_failures(b), 3);
	breaker_free(b);
}

/* The rate is judged over a full window only, and opens at the rate. */
static void
test_opens_on_rate_over_full_window(void **state)
{
	struct breaker	*all = breaker_new(100, COOLDOWN, 50);
	struct breaker	*half = breaker_new(100, COOLDOWN, 50);
	int		 i;

	(void)state;
	/* every answer failing: 100 %, yet not judged before the window fills */
	for (i = 1; i < BREAKER_WINDOW; i++) {
		if (test_call(all, 0, BREAKER_FAILURE) != BREAKER_STAYS)
			fail_msg("answer %d of %d: expected closed until the "
			    "window is full, got %s", i, BREAKER_WINDOW,
			    breaker_state_name(breaker_state(all, 0)));
	}
	assert_int_equal(test_call(all, 0, BREAKER_FAILURE), BREAKER_OPENS);
	assert_int_equal(breaker_rule(all), BREAKER_RULE_RATE);
	/* every other answer failing: exactly 50 % opens it */
	for (i = 1; i < BREAKER_WINDOW; i++)
		assert_int_equal(test_call(half, 0, i % 2 ? BREAKER_SUCCESS :
		    BREAKER_FAILURE), BREAKER_STAYS);
	assert_int_equal(test_call(half, 0, BREAKER_FAILURE), BREAKER_OPENS);
	assert_int_equal(breaker_rule(half), BREAKER_RULE_RATE);
	assert_int_equal(breaker_failures(half), 1);
	breaker_free(all);
	breaker_free(half);
}

/* Below the rate, or with the rate rule off, a full window stays closed. */
static void
test_rate_below_or_off(void **state)
{
	struct breaker	*below = breaker_new(100, COOLDOWN, 55);
	struct breaker	*off = breaker_new(100, COOLDOWN, 0);
	int		 i;

	(void)state;
	for (i = 1; i <= 3 * BREAKER_WINDOW; i++) {
		assert_int_equal(test_call(below, 0, i % 2 ? BREAKER_SUCCESS :
		    BREAKER_FAILURE), BREAKER_STAYS);
		assert_int_equal(test_call(off, 0, i % 2 ? BREAKER_SUCCESS :
		    BREAKER_FAILURE), BREAKER_STAYS);
	}
	breaker_free(below);
	breaker_free(off);
}

static void
test_stays_open_until_cooldown(void **state)
{
	struct breaker	*b = breaker_new(1, COOLDOWN, 0);
	long long	 t0 = test_trip(b, 1, 1000), wait;

	(void)state;
	test_refused(b, t0, COOLDOWN);
	test_refused(b, t0 + COOLDOWN - 1, 1);
	assert_int_equal(breaker_state(b, t0 + COOLDOWN - 1), BREAKER_OPEN);
	assert_int_equal(breaker_state(b, t0 + COOLDOWN), BREAKER_HALF_OPEN);
	assert_int_equal(breaker_check(b, t0 + COOLDOWN, &wait), 1);
	assert_int_equal(wait, 0);
	breaker_free(b);
}

static void
test_exactly_one_probe(void **state)
{
	struct breaker		*b = breaker_new(1, COOLDOWN, 0);
	long long		 now = test_trip(b, 1, 0) + COOLDOWN;
	struct breaker_ticket	 p;

	(void)state;
	p = test_admit(b, now);
	assert_true(p.probe);
	assert_int_equal(breaker_state(b, now), BREAKER_HALF_OPEN);
	/* however long the probe takes, it stays the only one */
	test_refused(b, now, COOLDOWN);
	test_refused(b, now + 10 * COOLDOWN, COOLDOWN);
	assert_int_equal(breaker_state(b, now + 10 * COOLDOWN),
	    BREAKER_HALF_OPEN);
	breaker_free(b);
}

static void
test_probe_success_closes(void **state)
{
	struct breaker		*b = breaker_new(2, COOLDOWN, 0);
	long long		 now = test_trip(b, 2, 0) + COOLDOWN;
	struct breaker_ticket	 p, t;

	(void)state;
	p = test_admit(b, now);
	assert_int_equal(breaker_result(b, &p, BREAKER_SUCCESS, now),
	    BREAKER_CLOSES);
	assert_int_equal(breaker_state(b, now), BREAKER_CLOSED);
	t = test_admit(b, now);
	assert_false(t.probe);
	assert_int_equal(breaker_result(b, &t, BREAKER_SUCCESS, now),
	    BREAKER_STAYS);
	/* counted afresh: two failures again to open */
	assert_int_equal(test_call(b, now, BREAKER_FAILURE), BREAKER_STAYS);
	assert_int_equal(test_call(b, now, BREAKER_FAILURE), BREAKER_OPENS);
	breaker_free(b);
}

static void
test_probe_failure_reopens(void **state)
{
	struct breaker		*b = breaker_new(1, COOLDOWN, 0);
	long long		 now = test_trip(b, 1, 0) + COOLDOWN + 200;
	struct breaker_ticket	 p;

	(void)state;
	p = test_admit(b, now);
	assert_int_equal(breaker_result(b, &p, BREAKER_FAILURE, now),
	    BREAKER_OPENS);
	assert_int_equal(breaker_rule(b), BREAKER_RULE_PROBE);
	assert_int_equal(breaker_state(b, now), BREAKER_OPEN);
	/* a fresh cool-down, counted from the probe's answer */
	test_refused(b, now, COOLDOWN);
	test_refused(b, now + COOLDOWN - 1, 1);
	p = test_admit(b, now + COOLDOWN);
	assert_true(p.probe);
	breaker_free(b);
}

static void
test_probe_wait_frees_slot(void **state)
{
	struct breaker		*b = breaker_new(1, COOLDOWN, 0);
	long long		 now = test_trip(b, 1, 0) + COOLDOWN;
	struct breaker_ticket	 p;

	(void)state;
	p = test_admit(b, now);
	test_refused(b, now, COOLDOWN);
	assert_int_equal(breaker_result(b, &p, BREAKER_WAIT, now),
	    BREAKER_STAYS);
	assert_int_equal(breaker_state(b, now), BREAKER_HALF_OPEN);
	/* the slot is free again: the next call is the probe */
	p = test_admit(b, now);
	assert_true(p.probe);
	test_refused(b, now, COOLDOWN);
	assert_int_equal(breaker_result(b, &p, BREAKER_SUCCESS, now),
	    BREAKER_CLOSES);
	breaker_free(b);
}

/* A call sent before the breaker opened answers 200 while it is open. */
static void
test_stale_success_while_open(void **state)
{
	struct breaker		*b = breaker_new(2, COOLDOWN, 0);
	struct breaker_ticket	 early, late;
	long long		 t0;

	(void)state;
	early = test_admit(b, 0);
	late = test_admit(b, 0);
	t0 = test_trip(b, 2, 10);
	assert_int_equal(breaker_result(b, &early, BREAKER_SUCCESS, t0 + 1),
	    BREAKER_STAYS);
	assert_int_equal(breaker_state(b, t0 + 1), BREAKER_OPEN);
	test_refused(b, t0 + 1, COOLDOWN - 1);
	/* past the cool-down it is half-open: still not closed by it */
	assert_int_equal(breaker_result(b, &late, BREAKER_SUCCESS,
	    t0 + COOLDOWN), BREAKER_STAYS);
	assert_int_equal(breaker_state(b, t0 + COOLDOWN), BREAKER_HALF_OPEN);
	breaker_free(b);
}

/* A call sent before the breaker opened fails while the probe is out. */
static void
test_stale_failure_while_half_open(void **state)
{
	struct breaker		*b = breaker_new(2, COOLDOWN, 0);
	struct breaker_ticket	 early, p;
	long long		 now;

	(void)state;
	early = test_admit(b, 0);
	now = test_trip(b, 2, 0) + COOLDOWN;
	p = test_admit(b, now);
	assert_int_equal(breaker_result(b, &early, BREAKER_FAILURE, now),
	    BREAKER_STAYS);
	assert_int_equal(breaker_state(b, now), BREAKER_HALF_OPEN);
	test_refused(b, now, COOLDOWN);		/* the probe is still out */
	assert_int_equal(breaker_result(b, &p, BREAKER_SUCCESS, now),
	    BREAKER_CLOSES);
	breaker_free(b);
}

/* Calls sent before it opened answer after it closed again: not counted. */
static void
test_stale_answers_after_close(void **state)
{
	struct breaker		*b = breaker_new(2, COOLDOWN, 0);
	struct breaker_ticket	 early_fail, early_ok, p;
	long long		 now;

	(void)state;
	early_fail = test_admit(b, 0);
	early_ok = test_admit(b, 0);
	now = test_trip(b, 2, 0) + COOLDOWN;
	p = test_admit(b, now);
	assert_int_equal(breaker_result(b, &p, BREAKER_SUCCESS, now),
	    BREAKER_CLOSES);
	assert_int_equal(test_call(b, now, BREAKER_FAILURE), BREAKER_STAYS);
	/* neither a stale failure adds to the run, nor a stale 200 ends it */
	assert_int_equal(breaker_result(b, &early_fail, BREAKER_FAILURE, now),
	    BREAKER_STAYS);
	assert_int_equal(breaker_failures(b), 1);
	assert_int_equal(breaker_result(b, &early_ok, BREAKER_SUCCESS, now),
	    BREAKER_STAYS);
	assert_int_equal(breaker_failures(b), 1);
	assert_int_equal(test_call(b, now, BREAKER_FAILURE), BREAKER_OPENS);
	breaker_free(b);
}

/* A 429 says the gateway is alive: neither a failure nor a success. */
static void
test_wait_never_counts(void **state)
{
	struct breaker	*b = breaker_new(2, COOLDOWN, 50);
	int		 i;

	(void)state;
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_STAYS);
	for (i = 0; i < 3 * BREAKER_WINDOW; i++)
		assert_int_equal(test_call(b, 0, BREAKER_WAIT), BREAKER_STAYS);
	assert_int_equal(breaker_state(b, 0), BREAKER_CLOSED);
	assert_int_equal(breaker_failures(b), 1);
	/* nor does it end a run of failures */
	assert_int_equal(test_call(b, 0, BREAKER_FAILURE), BREAKER_OPENS);
	assert_int_equal(breaker_rule(b), BREAKER_RULE_FAILURES);
	breaker_free(b);
}

/* The states' values are the relais_gateway_breaker_state gauge's. */
static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(BREAKER_CLOSED, 0);
	assert_int_equal(BREAKER_HALF_OPEN, 1);
	assert_int_equal(BREAKER_OPEN, 2);
	assert_string_equal(breaker_state_name(BREAKER_CLOSED), "closed");
	assert_string_equal(breaker_state_name(BREAKER_HALF_OPEN), "half-open");
	assert_string_equal(breaker_state_name(BREAKER_OPEN), "open");
	assert_string_equal(breaker_rule_name(BREAKER_RULE_FAILURES),
	    "failures");
	assert_string_equal(breaker_rule_name(BREAKER_RULE_RATE), "rate");
	assert_string_equal(breaker_rule_name(BREAKER_RULE_PROBE), "probe");
	breaker_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_opens_on_consecutive_failures),
		cmocka_unit_test(test_opens_on_rate_over_full_window),
		cmocka_unit_test(test_rate_below_or_off),
		cmocka_unit_test(test_stays_open_until_cooldown),
		cmocka_unit_test(test_exactly_one_probe),
		cmocka_unit_test(test_probe_success_closes),
		cmocka_unit_test(test_probe_failure_reopens),
		cmocka_unit_test(test_probe_wait_frees_slot),
		cmocka_unit_test(test_stale_success_while_open),
		cmocka_unit_test(test_stale_failure_while_half_open),
		cmocka_unit_test(test_stale_answers_after_close),
		cmocka_unit_test(test_wait_never_counts),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
