/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * One delivery of a job: its check against Redis right before the send,
 * its time window, its gateway (failover order, breaker), its rate slot,
 * and its fate at the gateway (sent, retry, deferred, dead, skipped).
 *
 * Ownership: the pipeline's job owns its deliveries, their planned messages
 * (struct plan_delivery) and the context they share (struct delivery_job),
 * and outlives every callback of theirs: a job is freed only once done
 * has fired. A delivery owns its rate-hold timer: delivery_clear().
 */
#ifndef RELAIS_DELIVERY_H
#define RELAIS_DELIVERY_H

#include <stddef.h>

#include "idkey.h"

struct event;
struct event_base;
struct config_limits;
struct gw;
struct gw_set;
struct metrics;
struct plan_delivery;
struct queue;
struct queue_check;

enum delivery_outcome {
	OUTCOME_PENDING,
	OUTCOME_SENT,
	OUTCOME_RETRY,
	OUTCOME_DEFERRED,	/* waits for a window, or tomorrow: no failure */
	OUTCOME_DEAD,
	OUTCOME_SKIPPED,
};

/* Every send of a job was answered. */
typedef void (*delivery_done_cb)(void *arg);

/* What the deliveries of one job share: set by the job, borrowed. */
struct delivery_job {
	struct event_base		*base;
	struct queue			*q;
	struct gw_set			*gws;
	const struct config_limits	*limits;
	struct metrics			*metrics;
	const char			*event_id;	/* as the producer wrote it */
	const char			*logid;		/* the same, fit for a log */
	const char			*type;
	const char			*stream_id;
	size_t				 outstanding;	/* sends not answered yet */
	delivery_done_cb		 done;
	void				*arg;
};

/* What the pipeline adds to a planned delivery: its fate at the gateway. */
struct delivery {
	struct delivery_job	*job;
	struct plan_delivery	*pd;
	const char		*gateway;
	long			 attempt;	/* attempts spent before this one */
	long			 waits;
	long			 next_attempt;	/* carried by a retry */
	long			 next_waits;
	enum delivery_outcome	 outcome;
	/*
	 * Its texts, each the length it is (a job holds hundreds of
	 * deliveries at once): NULL until set, freed by delivery_clear().
	 */
	char			*reason;	/* delivery_fail(); cut at 255 */
	char			*provider_id;	/* the provider's id of a send */
	long long		 due_ms;
	double			 ms;
	struct gw		*held;		/* chosen gateway, awaiting a rate slot */
	char			*supp;		/* "<channel>:<address>" */
	int			 optout;	/* the provider said they opted out */
	int			 was_sent;	/* skipped: an earlier read sent it */
	char			 cap[IDKEY_LEN + 24];	/* "rcpt:<key>:<date>" */
	struct event		*ev_hold;	/* until that slot */
};

/* "pending", "sent", "retry", "deferred", "dead" or "skipped". */
const char	*delivery_outcome_name(enum delivery_outcome);
/*
 * Sets d up for pd: its suppression id, its count of the day, what a retry
 * entry carries (attempt, waits), and the plan's verdict when it is not to
 * be sent.
 */
void		 delivery_init(struct delivery *, struct delivery_job *,
		    struct plan_delivery *, long attempt, long waits);
/* What to check of d in Redis right before it is sent. */
void		 delivery_check(const struct delivery *, struct queue_check *);
/* Applies Redis's verdict on d (enum queue_verdict). */
void		 delivery_verdict(struct delivery *, int verdict);
/*
 * Sends every pending delivery of v, each once its window is open, through
 * the first gateway of its route that takes it. job->done fires once every
 * send is answered, from here when none had to wait.
 */
void		 delivery_send(struct delivery *v, size_t n,
		    struct delivery_job *);
/* One log line for d's outcome. */
void		 delivery_log(const struct delivery *);
/* Frees what d owns (its hold timer). */
void		 delivery_clear(struct delivery *);

#endif
