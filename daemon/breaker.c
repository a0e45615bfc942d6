/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Circuit breaker: closed, open, half-open, as a pure state machine on now_ms. */
#include <stdlib.h>

#include "breaker.h"
#include "buf.h"

struct breaker {
	/* as last moved: an open one past open_until reads as half-open */
	enum breaker_state	 state;
	int			 probing;	/* half-open: the probe is out */
	/*
	 * Closed periods, counted: bumped when the breaker closes, so calls
	 * sent before it last opened stay stale whatever they answer.
	 */
	unsigned long		 epoch;
	long			 threshold;	/* consecutive failures that open */
	long			 cooldown_ms;
	long			 rate;		/* %, over a full window; 0: off */
	long			 failures;	/* consecutive transient failures */
	enum breaker_rule	 rule;
	long long		 open_until;
	unsigned char		 window[BREAKER_WINDOW];	/* 1: failed */
	unsigned		 nwindow;
	unsigned		 wfailed;
	unsigned		 wpos;
};

struct breaker *
breaker_new(long failures, long cooldown_ms, long failure_rate)
{
	struct breaker	*b;

	b = xcalloc(1, sizeof *b);
	b->state = BREAKER_CLOSED;
	b->threshold = failures;
	b->cooldown_ms = cooldown_ms;
	b->rate = failure_rate;
	return b;
}

void
breaker_free(struct breaker *b)
{
	free(b);
}

enum breaker_state
breaker_state(const struct breaker *b, long long now_ms)
{
	if (b->state == BREAKER_OPEN && now_ms >= b->open_until)
		return BREAKER_HALF_OPEN;
	return b->state;
}

int
breaker_check(const struct breaker *b, long long now_ms, long long *wait_ms)
{
	*wait_ms = 0;
	switch (breaker_state(b, now_ms)) {
	case BREAKER_CLOSED:
		return 1;
	case BREAKER_HALF_OPEN:
		if (!b->probing)
			return 1;
		/* the probe's answer decides; no sooner worth asking than this */
		*wait_ms = b->cooldown_ms;
		return 0;
	case BREAKER_OPEN:
		break;
	}
	*wait_ms = b->open_until - now_ms;
	return 0;
}

int
breaker_admit(struct breaker *b, long long now_ms, struct breaker_ticket *t,
    long long *wait_ms)
{
	if (!breaker_check(b, now_ms, wait_ms))
		return -1;
	t->epoch = b->epoch;
	t->probe = b->state != BREAKER_CLOSED;
	if (t->probe) {
		b->state = BREAKER_HALF_OPEN;
		b->probing = 1;
	}
	return 0;
}

static enum breaker_move
breaker_trip(struct breaker *b, enum breaker_rule rule, long long now_ms)
{
	b->state = BREAKER_OPEN;
	b->rule = rule;
	b->open_until = now_ms + b->cooldown_ms;
	return BREAKER_OPENS;
}

static enum breaker_move
breaker_close(struct breaker *b)
{
	b->state = BREAKER_CLOSED;
	b->epoch++;
	b->failures = 0;
	b->nwindow = b->wfailed = b->wpos = 0;	/* judged afresh */
	return BREAKER_CLOSES;
}

/* Records one answer in the window of the last BREAKER_WINDOW answers. */
static void
breaker_window(struct breaker *b, int failed)
{
	if (b->nwindow == BREAKER_WINDOW)
		b->wfailed -= b->window[b->wpos];
	else
		b->nwindow++;
	b->window[b->wpos] = (unsigned char)(failed != 0);
	b->wfailed += failed != 0;
	b->wpos = (b->wpos + 1) % BREAKER_WINDOW;
}

/*
 * A failure rate at or above rate % over a full window opens the breaker
 * too: a gateway failing every other request never fails threshold times
 * in a row, yet it is failing. Judged on failures only: a success cannot
 * raise the rate.
 */
static int
breaker_rate_high(const struct breaker *b)
{
	return b->rate > 0 && b->nwindow == BREAKER_WINDOW &&
	    (long)b->wfailed * 100 >= b->rate * BREAKER_WINDOW;
}

/* An answer to a call sent while closed in this closed period. */
static enum breaker_move
breaker_count(struct breaker *b, enum breaker_answer a, long long now_ms)
{
	if (a == BREAKER_WAIT)	/* a 429: the gateway is alive, only busy */
		return BREAKER_STAYS;
	breaker_window(b, a == BREAKER_FAILURE);
	if (a == BREAKER_SUCCESS) {
		b->failures = 0;
		return BREAKER_STAYS;
	}
	if (++b->failures >= b->threshold)
		return breaker_trip(b, BREAKER_RULE_FAILURES, now_ms);
	if (breaker_rate_high(b))
		return breaker_trip(b, BREAKER_RULE_RATE, now_ms);
	return BREAKER_STAYS;
}

/* The probe's answer: the only one that moves a half-open breaker. */
static enum breaker_move
breaker_probe(struct breaker *b, enum breaker_answer a, long long now_ms)
{
	b->probing = 0;
	switch (a) {
	case BREAKER_SUCCESS:
		return breaker_close(b);
	case BREAKER_FAILURE:
		b->failures++;
		return breaker_trip(b, BREAKER_RULE_PROBE, now_ms);
	case BREAKER_WAIT:
		break;
	}
	/* alive but busy, or never sent: the next admitted call probes */
	return BREAKER_STAYS;
}

enum breaker_move
breaker_result(struct breaker *b, const struct breaker_ticket *t,
    enum breaker_answer a, long long now_ms)
{
	switch (b->state) {
	case BREAKER_CLOSED:
		/* sent before the breaker last opened: says nothing of now */
		if (t->probe || t->epoch != b->epoch)
			return BREAKER_STAYS;
		return breaker_count(b, a, now_ms);
	case BREAKER_HALF_OPEN:
		/* only the probe decides; others were sent before it opened */
		if (!t->probe || !b->probing)
			return BREAKER_STAYS;
		return breaker_probe(b, a, now_ms);
	case BREAKER_OPEN:
		/* only calls sent before it opened can answer now */
		break;
	}
	return BREAKER_STAYS;
}

long
breaker_failures(const struct breaker *b)
{
	return b->failures;
}

long
breaker_cooldown_ms(const struct breaker *b)
{
	return b->cooldown_ms;
}

enum breaker_rule
breaker_rule(const struct breaker *b)
{
	return b->rule;
}

const char *
breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED:
		return "closed";
	case BREAKER_HALF_OPEN:
		return "half-open";
	case BREAKER_OPEN:
		break;
	}
	return "open";
}

const char *
breaker_rule_name(enum breaker_rule r)
{
	switch (r) {
	case BREAKER_RULE_FAILURES:
		return "failures";
	case BREAKER_RULE_RATE:
		return "rate";
	case BREAKER_RULE_PROBE:
		break;
	}
	return "probe";
}
