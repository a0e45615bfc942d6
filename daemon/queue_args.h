/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Argument lists for the queue's scripts, and the ops a commit applies
 * (sent markers, counts, scheduled members, records, effects), encoded as
 * the commit script reads them (queue_lua.c).
 *
 * Ownership: a queue_args owns copies of every string added to it; one
 * queue_args_clear() releases them and leaves it empty, ready for reuse.
 */
#ifndef RELAIS_QUEUE_ARGS_H
#define RELAIS_QUEUE_ARGS_H

#include <stddef.h>

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

void		 queue_args_init(struct queue_args *);
void		 queue_args_clear(struct queue_args *);
/*
 * Room for n arguments and bytes of them, for a list that starts empty:
 * one that stays small (kept while a job is in flight), or a batch sized
 * by the last (queue_batch.c). By default a list starts with room for 32
 * and a few hundred bytes. Nothing once it has room.
 */
void		 queue_args_reserve(struct queue_args *, int n, size_t bytes);
void		 queue_args_add(struct queue_args *, const char *, size_t);
void		 queue_args_addf(struct queue_args *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* v in decimal. */
void		 queue_args_addll(struct queue_args *, long long v);
/* Appends every argument of src to dst. */
void		 queue_args_cat(struct queue_args *dst,
		    const struct queue_args *src);
/* Appends src's arguments from, up to to (excluded), to dst. */
void		 queue_args_cat_range(struct queue_args *dst,
		    const struct queue_args *src, int from, int to);
/* The argv array of a, valid until a changes. */
const char	**queue_args_argv(struct queue_args *);

/* Ops for queue_commit(). Field lists are name, value pairs. */
void		 queue_op_sent(struct queue_args *, const char *key);
void		 queue_op_schedule(struct queue_args *, long long due_ms,
		    const char *member, size_t len);
/*
 * Schedules a retry of one delivery: the member "retry ATTEMPT WAITS KEY
 * EVENT" that the tick script turns back into a stream entry at due_ms.
 */
void		 queue_op_retry(struct queue_args *, long long due_ms,
		    long attempt, long waits, const char *key, const char *event,
		    size_t len);
/* Counts a message sent to a recipient (key as queue_check's cap). */
void		 queue_op_count(struct queue_args *, const char *key,
		    long long ttl_ms);
/* Puts "<channel>:<address>" on the suppression list, with its record. */
void		 queue_op_suppress(struct queue_args *, const char *id,
		    const char *record);
/*
 * Runs the handlers' effect function name (handlers/store.c) with the
 * nargs arguments the caller adds next.
 */
void		 queue_op_effect(struct queue_args *, const char *name,
		    size_t nargs);
/*
 * Starts a dead-letter or deliveries record of nfields name/value pairs:
 * record.c counts them.
 */
void		 queue_op_record(struct queue_args *, int dead, int nfields);
/*
 * Where the op that starts at argument i ends (the next one's index), -1
 * when it is unknown or cut short: the grammar the ops above and the
 * commit's "A" write. The commit script reads the same (queue_lua.c) but
 * for L, which queue_records.c takes out before it.
 */
int		 queue_op_next(const struct queue_args *, int i);

#endif
