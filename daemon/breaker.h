/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Circuit breaker: closed, open, half-open, as a pure state machine on now_ms. */
#ifndef RELAIS_BREAKER_H
#define RELAIS_BREAKER_H

/*
 * No clock and no event loop here: every call takes the caller's monotonic
 * now_ms, so the unit test drives time by hand. The caller owns the
 * breaker (breaker_new, breaker_free) and asks it before each call it sends
 * (breaker_admit), keeping the ticket it gets until the call's answer
 * (breaker_result). Only answers whose ticket the breaker still recognises
 * move it: those of calls sent while closed in the current closed period,
 * and that of the one probe while half-open.
 */

#define BREAKER_WINDOW	20	/* answers the failure rate is judged over */

/* The values are those of the relais_gateway_breaker_state gauge. */
enum breaker_state {
	BREAKER_CLOSED = 0,	/* sending */
	BREAKER_HALF_OPEN = 1,	/* cool-down over: one probe at a time decides */
	BREAKER_OPEN = 2,	/* failing: nothing is sent until the cool-down ends */
};

/* What a call's answer says of the gateway. */
enum breaker_answer {
	BREAKER_SUCCESS,	/* it answered (sent, or refused for good) */
	BREAKER_FAILURE,	/* transient failure: timeout, 5xx, ... */
	BREAKER_WAIT,		/* no verdict: a 429, or the call never left */
};

/* What breaker_result() did. */
enum breaker_move {
	BREAKER_STAYS,
	BREAKER_OPENS,		/* closed or half-open -> open */
	BREAKER_CLOSES,		/* half-open -> closed */
};

/* Why the breaker last opened. */
enum breaker_rule {
	BREAKER_RULE_FAILURES,	/* that many transient failures in a row */
	BREAKER_RULE_RATE,	/* failure rate over a full window */
	BREAKER_RULE_PROBE,	/* the half-open probe failed */
};

/* Taken when a call is sent, handed back with its answer. */
struct breaker_ticket {
	unsigned long	epoch;	/* closed period the call was sent in */
	int		probe;	/* it is the half-open probe */
};

struct breaker;

/*
 * Opens after failures consecutive transient failures, or when
 * failure_rate % (0: never) of a full window of answers failed; stays open
 * cooldown_ms. Never NULL.
 */
struct breaker		*breaker_new(long failures, long cooldown_ms,
			    long failure_rate);
void			 breaker_free(struct breaker *);
/* The state at now_ms: an open breaker past its cool-down is half-open. */
enum breaker_state	 breaker_state(const struct breaker *, long long now_ms);
/*
 * Whether breaker_admit() would admit a call now, taking nothing: 1, or 0
 * with *wait_ms, how long until it is worth asking again.
 */
int			 breaker_check(const struct breaker *, long long now_ms,
			    long long *wait_ms);
/*
 * Admits one call: 0 with its ticket (the probe, when half-open), or -1
 * with *wait_ms when open or when the probe is already out.
 */
int			 breaker_admit(struct breaker *, long long now_ms,
			    struct breaker_ticket *, long long *wait_ms);
/* Hands back an admitted call's ticket with what its answer said. */
enum breaker_move	 breaker_result(struct breaker *,
			    const struct breaker_ticket *, enum breaker_answer,
			    long long now_ms);
/* Consecutive transient failures counted, for the log. */
long			 breaker_failures(const struct breaker *);
/* How long it stays open. */
long			 breaker_cooldown_ms(const struct breaker *);
/* Why it last opened. */
enum breaker_rule	 breaker_rule(const struct breaker *);
const char		*breaker_state_name(enum breaker_state);
const char		*breaker_rule_name(enum breaker_rule);

#endif
