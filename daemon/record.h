/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Records a commit writes: dead letters and entries of the deliveries
 * stream, each a list of name/value fields that counts itself, the
 * suppression record of an opt-out, and the ops of a delivery's outcome.
 * Pure: fields in, encoded ops out (queue_args.h), no I/O; the time is
 * given.
 *
 * Ownership: a record copies every field it is given; record_free().
 */
#ifndef RELAIS_RECORD_H
#define RELAIS_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct delivery;
struct queue_args;
struct queue_entry;
struct record;

enum record_kind {
	RECORD_DEAD,		/* the dead-letter stream */
	RECORD_DELIVERY,	/* the deliveries stream */
};

struct record	*record_new(enum record_kind);
void		 record_free(struct record *);
void		 record_add(struct record *, const char *name,
		    const char *value, size_t len);
/* A NUL-terminated value; NULL is written as "". */
void		 record_str(struct record *, const char *name,
		    const char *value);
void		 record_long(struct record *, const char *name, long);
/* How many name/value fields r has. */
int		 record_count(const struct record *);
/* Appends r to ops: its kind, its count of fields, then its fields. */
void		 record_emit(const struct record *, struct queue_args *ops);

/*
 * The dead-letter record of entry e: the reason, the original bytes (the
 * fields JSON cannot carry, verbatim), where it came from; of one delivery
 * d, or of the event as a whole when d is NULL. event_id: "" when the event
 * could not be parsed.
 */
void		 record_dead(struct queue_args *, const struct queue_entry *e,
		    const char *event_id, const char *reason,
		    const struct delivery *d, int64_t at_ms);
/* One entry of the deliveries stream: no message body, address masked. */
void		 record_delivery(struct queue_args *, const struct delivery *,
		    const char *event_id, const char *type, int64_t at_ms);
/* An opt-out the provider reported goes on the suppression list, dated. */
void		 record_suppress(struct queue_args *, const struct delivery *,
		    int64_t at_ms);
/*
 * Everything one delivery's outcome writes: its sent marker and the
 * recipient's count of the day, its retry, or its dead letter (and the
 * opt-out it reported); then its entry of the deliveries stream. e is the
 * entry the delivery came from, event_id and type its event's.
 */
void		 record_outcome(struct queue_args *, const struct delivery *,
		    const struct queue_entry *e, const char *event_id,
		    const char *type, int64_t at_ms);

#endif
