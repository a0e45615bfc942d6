/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The pipeline's insides, shared by pipeline.c (the steps) and
 * pipeline_job.c (a job's decoding and its reasons).
 */
#ifndef RELAIS_PIPELINE_INT_H
#define RELAIS_PIPELINE_INT_H

#include <sys/queue.h>

#include "delivery.h"
#include "envelope.h"
#include "handlers.h"
#include "jarena.h"
#include "pipeline.h"
#include "plan.h"
#include "queue.h"

/*
 * Where a job is. Each state is entered once, in this order; STATE is
 * skipped when the handler needs nothing from Redis, and any state may go
 * straight to COMMIT (dead letter, duplicate, nothing to send) or, when
 * Redis fails, to DROP.
 */
enum pipeline_state {
	PIPELINE_DECODE,	/* parse the entry, ask its handler what it needs */
	PIPELINE_STATE,		/* the handler's state call and reads are out */
	PIPELINE_PLAN,		/* deliveries routed and rendered */
	PIPELINE_BEGIN,		/* dedupe and each delivery's check are out */
	PIPELINE_SEND,		/* deliveries are at their gateways */
	PIPELINE_COMMIT,	/* outcomes and the ack are out */
	PIPELINE_DONE,		/* committed: counted, logged, freed */
	PIPELINE_DROP,		/* Redis failed: freed unacked, read again */
};

struct pipeline_job {
	struct pipeline			*p;
	struct pipeline_conf		*conf;
	enum pipeline_state		 state;
	struct queue_entry		*e;
	struct envelope			 env;
	int				 parsed;
	char				*logid;		/* env.id for the log, or NULL */
	const char			*dedupe;	/* event id, "" once done */
	struct handler_state		 hs;		/* the handler's ask of Redis */
	json_t				*answer;	/* and Redis's answer */
	struct jarena			 arena;		/* env's and answer's values */
	struct queue_rows		*rows[HANDLER_READS_MAX];
	struct handler_rows		 hrows[HANDLER_READS_MAX];
	int				 awaiting;	/* state and reads */
	int				 state_failed;
	struct plan			 plan;
	struct delivery_job		 dj;		/* what its deliveries share */
	struct delivery			*d;
	size_t				 nd;
	int				 dup;
	char				*dead;		/* event-level reason, or NULL */
	TAILQ_ENTRY(pipeline_job)	 entry;
};
TAILQ_HEAD(pipeline_jobs, pipeline_job);

/*
 * A configuration and the gateways built from it. Each job holds the one it
 * started under, so a reload never changes the rules under a job in flight;
 * the last job of an old configuration frees it.
 */
struct pipeline_conf {
	struct config	*cf;
	struct gw_set	*gws;
	unsigned	 refs;
};

struct pipeline {
	struct event_base	*base;
	struct pipeline_conf	*cur;
	unsigned long		 reloads;
	struct queue		*q;
	struct pipeline_jobs	 jobs;
	size_t			 njobs;
	struct event		*ev_drained;
	pipeline_drained_cb	 drained_cb;
	void			*drained_arg;
	struct metrics		*metrics;
	/*
	 * The Jansson values of a handler's prepare and of a plan (the
	 * handler's variables, the renders' temporaries: some 17 KB a
	 * welcome): each is done in one call and keeps none of them
	 * (handlers.h), so one arena serves every job's and is released
	 * right after. In the job's arena, they would stay with it until
	 * its commit (256 jobs in flight).
	 */
	struct jarena		 scratch;
};

/*
 * Parses the entry and asks its handler what it needs from Redis; -1 with
 * an event-level dead letter (pipeline_dead).
 */
int		 pipeline_parse(struct pipeline_job *);
/*
 * j's event-level dead letter, its reason formatted (511 bytes at most,
 * as before); the first one set is kept (no path sets two). Held as a
 * string of its length, not in every job: most never have one (a job had
 * 512 bytes for it, 160 for its id, with 256 in flight).
 */
void		 pipeline_dead(struct pipeline_job *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* The same, from a callee's reason buffer: kept when it says something. */
void		 pipeline_dead_take(struct pipeline_job *, const char *reason);
/* The event's id as logged, "-" before it is known. */
const char	*pipeline_event_id(const struct pipeline_job *);

#endif
