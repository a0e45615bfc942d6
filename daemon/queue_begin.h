/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The begin step's batch (queue_begin.c): the reads that check entries and
 * their deliveries right before the send, pipelined, and their verdicts.
 * queue_batch.c fills one through queue_begin() and sends it with the
 * other batches.
 */
#ifndef RELAIS_QUEUE_BEGIN_H
#define RELAIS_QUEUE_BEGIN_H

#include <stddef.h>

#include "queue_batch.h"

struct queue;
struct queue_begins;

struct queue_begins	*queue_begins_new(struct queue *);
/* One entry's reads (queue_begin()'s arguments); cb fires once, later. */
void	queue_begins_add(struct queue_begins *, const char *event_id,
	    const char *stream_id, int claim, const struct queue_check *,
	    size_t n, queue_begin_cb, void *arg);
size_t	queue_begins_calls(const struct queue_begins *);
/*
 * Sends the batch: 0, or -1 when Redis is not up (the batch is untouched).
 * hint: its size is the next batch's to make room for.
 */
int	queue_begins_send(struct queue *, struct queue_begins *, int hint);
/* Every call fails (ok = 0), from the loop; the batch is freed. */
void	queue_begins_fail(struct queue_begins *);
/* Frees the batch; no callback fires (the queue is being freed). */
void	queue_begins_free(struct queue_begins *);

#endif
