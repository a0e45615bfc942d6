/*
 * The Redis side of the pipeline: reads the events stream through a
 * consumer group, recovers pending entries, moves the inbox list and due
 * scheduled entries into the stream, and writes outcomes atomically.
 */
#ifndef RELAIS_QUEUE_H
#define RELAIS_QUEUE_H

#include <stddef.h>

struct event_base;
struct config;
struct queue;

/* One stream entry handed to the pipeline, which then owns it. */
struct queue_entry {
	char	 id[64];	/* stream id */
	char	*event;		/* the "event" field, NUL-terminated; NULL if none */
	size_t	 len;
	char	*fields;	/* all fields as JSON when there is no "event"
				   (NULL if they are not UTF-8: see raw) */
	char	**raw;		/* no "event": every name and value, verbatim */
	size_t	 *rawlen;
	size_t	  nraw;
	int	 deleted;	/* the payload is gone (trimmed): ack, don't retry */
	char	*retry_key;	/* a retry of one delivery, or NULL */
	long	 attempt;	/* attempts already spent by that delivery */
	long	 waits;		/* waits asked by the gateway so far */
	int	 replay;	/* re-enqueued by an operator: skip dedupe */
	int64_t	 first_ms;	/* when the event was first added (stream id ms) */
	long	 delivered;	/* times this entry was read, this time included */
};

#include "buf.h"

/* Argument list for a script: every string in one buffer, NUL-separated. */
struct queue_args {
	struct buf	  data;
	size_t		 *off;
	size_t		 *len;
	const char	**v;	/* built when sent */
	int		  n;
	int		  cap;
};

/* Sizes read from Redis every 5 s, for metrics (valid = 0 until the first). */
struct queue_gauges {
	long long	stream;
	long long	pending;
	long long	scheduled;
	long long	dead;
	long long	inbox;
	int		valid;
};

typedef void	(*queue_entry_cb)(struct queue_entry *, void *arg);
/* How many more entries the pipeline accepts now. */
typedef size_t	(*queue_room_cb)(void *arg);
/* Whether an entry is being processed in this process already. */
typedef int	(*queue_busy_cb)(const char *id, void *arg);
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
 * begin: ok = 0 when the script failed; dup = 1 for a duplicate event id;
 * per delivery its verdict (enum queue_verdict).
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

struct queue	*queue_new(struct event_base *, const struct config *,
		    queue_entry_cb, queue_room_cb, queue_busy_cb, void *arg);
void		 queue_start(struct queue *);
/* Stops reading; writes in flight still complete. */
void		 queue_stop(struct queue *);
void		 queue_free(struct queue *);
/* Room was made: resume reading if it was paused. */
void		 queue_kick(struct queue *);
/*
 * A delivery the gateway accepted whose commit failed (Redis went away):
 * its sent marker is written first thing when the writer is up again, so
 * that the entry, read again, does not send it a second time.
 */
void		 queue_owe_sent(struct queue *, const char *key);
/* Re-read this consumer's own pending entries (after a failed commit). */
void		 queue_recover_own(struct queue *);
int		 queue_is_up(const struct queue *);
const struct queue_gauges *queue_gauges(const struct queue *);
unsigned long	 queue_reconnects(const struct queue *);
void		 queue_entry_free(struct queue_entry *);

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
 * loop iteration. fn "" runs none. A retry only reads; order_ms is the
 * event's place in the producer's order: state a newer event set is kept.
 */
int		 queue_state(struct queue *, const char *event_id,
		    const char *stream_id, int claim, const char *fn, int retry,
		    int64_t order_ms, const struct queue_args *args,
		    queue_state_cb, void *arg);
/*
 * Applies ops (built with the queue_op_* helpers) and acknowledges and
 * deletes stream_id ("" for none), in one atomic script with the other
 * commits of the same loop iteration. The callback fires once, later.
 */
int		 queue_commit(struct queue *, const char *stream_id,
		    struct queue_args *ops, queue_commit_cb, void *arg);

/*
 * Asks for a slot of a gateway's shared rate (batched with the other
 * requests of the loop iteration): GCRA on Redis, so every instance on that
 * Redis shares it. A slot further than max_wait_ms away is not reserved.
 */
int		 queue_rate(struct queue *, const char *gateway, long interval_ms,
		    long tolerance_ms, long max_wait_ms, queue_rate_cb, void *arg);

void		 queue_args_init(struct queue_args *);
void		 queue_args_clear(struct queue_args *);
void		 queue_args_add(struct queue_args *, const char *, size_t);
void		 queue_args_addf(struct queue_args *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Ops for queue_commit(). Field lists are name, value pairs. */
void		 queue_op_sent(struct queue_args *, const char *key);
void		 queue_op_schedule(struct queue_args *, long long due_ms,
		    const char *member, size_t len);
/* Counts a message sent to a recipient (key as queue_check's cap). */
void		 queue_op_count(struct queue_args *, const char *key,
		    long long ttl_ms);
/* Puts "<channel>:<address>" on the suppression list, with its record. */
void		 queue_op_suppress(struct queue_args *, const char *id,
		    const char *record);
/*
 * Reads a whole hash (HGETALL) on the writer, sent at once (so before the
 * batched calls of the same loop iteration): for large reads, where a
 * script would be slow (Lua tables, JSON).
 */
int		 queue_read_hash(struct queue *, const char *key,
		    queue_rows_cb, void *arg);
void		 queue_rows_free(struct queue_rows *);
/* Runs the handlers' effect function name with args (handlers/store.c). */
void		 queue_op_effect(struct queue_args *, const char *name,
		    const struct queue_args *args);
/* Starts a dead-letter or deliveries record of nfields name/value pairs. */
void		 queue_op_record(struct queue_args *, int dead, int nfields);

#endif
