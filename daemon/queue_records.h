/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * A commit batch's deliveries records (queue_records.c): its L ops taken
 * out of the script's arguments and sent as XADDs of their own, ahead of
 * the commit script in one pipeline.
 */
#ifndef RELAIS_QUEUE_RECORDS_H
#define RELAIS_QUEUE_RECORDS_H

#include <stddef.h>

#include "buf.h"
#include "redis.h"

struct queue_args;

struct queue_records {
	struct buf	 resp;		/* the XADDs, until hiredis has them */
	size_t		*ends;		/* where each command ends in resp */
	size_t		 n;
	size_t		 cap;
	size_t		 refused;	/* records Redis refused */
	char		*error;		/* the first refusal's */
};

void	queue_records_init(struct queue_records *);
void	queue_records_clear(struct queue_records *);
/*
 * ops's arguments appended to script, but for its L ops, which become
 * XADDs to <prefix>deliveries (capped at about maxlen) in r.
 */
void	queue_records_split(struct queue_records *, struct queue_args *script,
	    const struct queue_args *ops, const char *prefix, long maxlen);
/*
 * Sends r's XADDs, then EVALSHA s with args as its arguments (no keys):
 * each gets the XADDs' replies, cb the script's, as redis_pipeline(). -1
 * when Redis is not up: r is untouched then. Without records, one EVALSHA.
 */
int	queue_records_send(struct queue_records *, struct redis *,
	    const struct redis_script *, const struct queue_args *args,
	    redis_cb each, redis_cb cb, void *arg);
/* An XADD's reply (NULL: Redis went away; the script's says so too). */
void	queue_records_reply(struct queue_records *, const redisReply *);
/* Logs the records Redis refused, once for the batch. */
void	queue_records_report(const struct queue_records *);

#endif
