/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The Redis side of the pipeline: reads the events stream through a
 * consumer group and recovers pending entries (queue.c, the reader); moves
 * the inbox list and due scheduled entries into the stream and writes
 * outcomes atomically (queue_batch.c, the writer); the scripts' arguments
 * are built with queue_args.h.
 */
#ifndef RELAIS_QUEUE_H
#define RELAIS_QUEUE_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * Sizes and ages (ms) read from Redis every 5 s, for metrics (valid = 0
 * until the first).
 */
struct queue_gauges {
	long long	stream;
	long long	pending;
	long long	scheduled;
	long long	dead;
	long long	inbox;
	long long	oldest_entry_ms;	/* first of the stream */
	long long	oldest_pending_ms;	/* first of the pending list */
	long long	oldest_due_ms;		/* first due scheduled entry */
	int		valid;
};

typedef void	(*queue_entry_cb)(struct queue_entry *, void *arg);
/* How many more entries the pipeline accepts now. */
typedef size_t	(*queue_room_cb)(void *arg);
/* Whether an entry is being processed in this process already. */
typedef int	(*queue_busy_cb)(const char *id, void *arg);
/* Both connections to Redis answer (up), or one went away. */
typedef void	(*queue_up_cb)(int up, void *arg);

struct queue	*queue_new(struct event_base *, const struct config *,
		    queue_entry_cb, queue_room_cb, queue_busy_cb, void *arg);
void		 queue_start(struct queue *);
/* Stops reading; writes in flight still complete. */
void		 queue_stop(struct queue *);
void		 queue_free(struct queue *);
/* Room was made: resume reading if it was paused. */
void		 queue_kick(struct queue *);
/* Re-read this consumer's own pending entries (after a failed commit). */
void		 queue_recover_own(struct queue *);
int		 queue_is_up(const struct queue *);
/* cb hears each change of queue_is_up() from now on (NULL: none). */
void		 queue_on_up(struct queue *, queue_up_cb cb, void *arg);
const struct queue_gauges *queue_gauges(const struct queue *);
unsigned long	 queue_reconnects(const struct queue *);
void		 queue_entry_free(struct queue_entry *);

#endif
