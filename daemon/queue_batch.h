/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The queue's writer: state, commit and rate calls asked during one loop
 * iteration go to Redis as one script call each, begin calls as their
 * reads pipelined (queue_begin.c), all sooner at QUEUE_SEND_AT; the
 * schedule tick, the gauges, single reads, and the sent markers a failed
 * commit owes.
 *
 * Every callback fires exactly once, from the loop (ok = 0 when Redis
 * failed or went away: the entry then stays pending and is read again),
 * unless the queue is freed first: then none fires.
 */
#ifndef RELAIS_QUEUE_BATCH_H
#define RELAIS_QUEUE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "queue_args.h"

struct queue;

/*
 * A batch that holds this many calls goes to Redis at once, written to
 * the socket before the call that filled it returns, not when the loop
 * iteration ends: one state or begin reply starts some 40 entries' work
 * in one callback (plans and renders, sends), and Redis would wait for
 * all of it while the first entries' next calls are ready. At 32, Redis
 * works beside relaisd: A's throughput +7 % (README, Performance, session
 * 17); at 8 or 64 less was gained (Redis's fixed cost per script call
 * more often; a longer wait). The callbacks still fire from the loop only.
 */
#define QUEUE_SEND_AT	32

/* What Redis says of a delivery right before it is sent. */
enum queue_verdict {
	QUEUE_GO = 0,		/* send it */
	QUEUE_SENT,		/* a sent marker exists */
	QUEUE_SUPPRESSED,	/* the recipient opted out on that channel */
	QUEUE_GONE,		/* the person is no longer stored (forgotten) */
	QUEUE_DEPARTED,		/* the person left the programme */
	QUEUE_NO_CONSENT,	/* consent for the channel was withdrawn */
	QUEUE_ADDRESS_CHANGED,	/* the stored address is another one now */
	QUEUE_CAPPED,		/* the recipient had their messages of the day */
};

/* One delivery to check before it is sent; the strings are borrowed. */
struct queue_check {
	const char	*key;		/* delivery key */
	const char	*supp;		/* "<channel>:<lower-cased address>" */
	const char	*person;	/* whom it is about, or "" */
	const char	*check;		/* "", "p" (present), "c" (contact) */
	const char	*cap;		/* the recipient's count of the day, or "" */
	long		 capmax;	/* QUEUE_CAPPED when it reached this */
};

/*
 * begin: ok = 0 when Redis failed or refused one of the entry's reads (its
 * person's record or its seen marker of another type), or the batch's
 * read of the suppression list; dup = 1 for a duplicate event id; per
 * delivery its verdict (enum queue_verdict).
 */
typedef void	(*queue_begin_cb)(int ok, int dup, const int *verdicts,
		    size_t n, void *arg);
typedef void	(*queue_commit_cb)(int ok, void *arg);

/* A hash as HGETALL gives it: n fields and values, v[2i] -> v[2i + 1]. */
struct queue_rows {
	char	**v;
	size_t	 *len;
	size_t	  n;	/* pairs */
	char	 *buf;	/* owns the strings */
};
/* rows (NULL when ok = 0) belong to the callback: queue_rows_free(). */
typedef void	(*queue_rows_cb)(int ok, struct queue_rows *rows, void *arg);
/* state: ok = 0 when Redis failed; dup as begin; the function's JSON answer. */
typedef void	(*queue_state_cb)(int ok, int dup, const char *json, size_t len,
		    void *arg);
/* ok = 0 when Redis failed; wait_ms >= 0: a slot at now + wait; < 0: none. */
typedef void	(*queue_rate_cb)(int ok, long long wait_ms, void *arg);

/*
 * Dedupe and the check of each delivery against the current records, for
 * one entry: event_id "" skips the dedupe; claim: the entry says it is a
 * retry or a replay, which skips it only if relais added it so.
 */
int		 queue_begin(struct queue *, const char *event_id,
		    const char *stream_id, int claim, const struct queue_check *,
		    size_t n, queue_begin_cb, void *arg);
/*
 * Dedupe (event_id "" skips it; claim as begin), then the handlers' state
 * function fn with
 * args (handlers/store.c), atomically, batched with the other calls of the
 * loop iteration (QUEUE_SEND_AT at most). fn "" runs none. A retry only
 * reads; order_ms is the event's place in the producer's order: state a
 * newer event set is kept.
 */
int		 queue_state(struct queue *, const char *event_id,
		    const char *stream_id, int claim, const char *fn, int retry,
		    int64_t order_ms, const struct queue_args *args,
		    queue_state_cb, void *arg);
/*
 * Applies ops (built with the queue_op_* helpers) and acknowledges and
 * deletes stream_id ("" for none), in one atomic script with the other
 * commits of the same loop iteration (QUEUE_SEND_AT at most). The callback
 * fires once, later, from the loop.
 */
int		 queue_commit(struct queue *, const char *stream_id,
		    struct queue_args *ops, queue_commit_cb, void *arg);
/*
 * A delivery the gateway accepted whose commit failed (Redis went away):
 * its sent marker is written first thing when the writer is up again, so
 * that the entry, read again, does not send it a second time.
 */
void		 queue_owe_sent(struct queue *, const char *key);

/*
 * Asks for a slot of a gateway's shared rate (batched with the other
 * requests of the loop iteration, QUEUE_SEND_AT at most): GCRA on Redis,
 * so every instance on that Redis shares it. A slot further than
 * max_wait_ms away is not reserved.
 */
int		 queue_rate(struct queue *, const char *gateway, long interval_ms,
		    long tolerance_ms, long max_wait_ms, queue_rate_cb, void *arg);

/*
 * Reads a whole hash (HGETALL) on the writer, sent at once (so before any
 * batched call asked after it): for large reads, where a script would be
 * slow (Lua tables, JSON).
 */
int		 queue_read_hash(struct queue *, const char *key,
		    queue_rows_cb, void *arg);
void		 queue_rows_free(struct queue_rows *);

#endif
