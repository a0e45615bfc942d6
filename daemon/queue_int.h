/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The queue object, shared by its reader (queue.c) and its writer
 * (queue_batch.c), and what the reader calls of the writer. The writer
 * calls nothing of the reader. Nothing outside the two includes it.
 */
#ifndef RELAIS_QUEUE_INT_H
#define RELAIS_QUEUE_INT_H

#include "redis.h"

#include "config.h"
#include "queue.h"
#include "queue_batch.h"

struct event;
struct queue_batch;
struct queue_begins;
struct queue_owed;

enum queue_step {
	QUEUE_IDLE,		/* nothing in flight on the reader */
	QUEUE_BUSY,		/* a reader command is in flight */
};

/* The kinds of batch, for their size hints. */
enum queue_kind { QUEUE_BEGINS, QUEUE_STATES, QUEUE_COMMITS, QUEUE_RATES,
	QUEUE_KINDS };

struct queue {
	struct event_base	*base;
	struct config_redis	 redis;	/* a copy: a reloaded config may go away */
	struct redis		*reader;
	struct redis		*writer;
	struct event		*ev_tick;
	struct event		*ev_claim;
	struct event		*ev_next;	/* deferred reader step */
	enum queue_step		 step;
	int			 group_ok;	/* group exists (this connection) */
	unsigned		 recover_own;	/* requests to re-read own pending */
	unsigned		 recover_seen;	/* requests the current pass serves */
	int			 recover_later;	/* a request, once ev_next fires */
	int			 freeing;	/* queue_free(): callbacks touch nothing */
	int			 claim_due;	/* time to look at others' entries */
	char			 own_from[64];	/* XPENDING page start, own pass */
	char			 claim_from[64]; /* the same, takeover pass */
	int			 stopping;
	int			 tick_busy;
	struct queue_begins	*begins;	/* filling, sent by ev_flush or at
						   QUEUE_SEND_AT calls */
	struct queue_batch	*states;
	struct queue_batch	*rates;
	struct queue_batch	*commits;
	/*
	 * The size of the last batch of each kind (begins, states, commits,
	 * rates): a new one is made with room for as much and a quarter, not
	 * grown from nothing to a batch's thousands of arguments, copied at
	 * each doubling. Nothing else is kept from batch to batch: memory
	 * kept would stay resident.
	 */
	int			 hint_n[QUEUE_KINDS];
	size_t			 hint_bytes[QUEUE_KINDS];
	long			 consent_ttl_s;	/* consent history: as a profile */
	char			**owed;		/* sent markers a failed commit owes */
	size_t			  nowed;
	struct queue_owed	*paying;	/* payments of them in flight */
	struct event		*ev_flush;
	struct event		*ev_stats;
	struct queue_gauges	 gauges;
	int			 stats_busy;
	queue_entry_cb		 entry_cb;
	queue_room_cb		 room_cb;
	queue_busy_cb		 busy_cb;
	void			*arg;
	queue_up_cb		 up_cb;		/* both connections up, or not */
	void			*up_arg;
	int			 was_up;	/* what up_cb was last told */
};

/* Arms ev in ms; a failure is fatal (the loop is broken). */
void	queue_arm(struct event *, long ms);
/* Logs a failed reply (NULL: no reply, or an error); 1 when it failed. */
int	queue_failed(const char *what, const redisReply *);
/* Registers the writer's scripts and creates its timers. */
void	queue_batch_init(struct queue *);
void	queue_batch_start(struct queue *);
void	queue_batch_stop(struct queue *);
/* Drops the batches not sent yet: their entries stay pending. */
void	queue_batch_drop(struct queue *);
/* After the connections are freed: the writer's timers and owed markers. */
void	queue_batch_release(struct queue *);
/* The writer is up: the owed markers go first. */
void	queue_pay_owed(struct queue *);

#endif
