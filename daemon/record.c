/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The records a commit writes, each counting its own fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "delivery.h"
#include "figures.h"
#include "jarena.h"
#include "log.h"
#include "plan.h"
#include "queue.h"
#include "queue_args.h"
#include "record.h"
#include "territory.h"

/* How long a recipient's count of the day is kept (ms): past their day. */
#define RECORD_CAP_TTL_MS	(2 * 86400000LL)

struct record {
	enum record_kind	 kind;
	struct queue_args	 fields;	/* name, value, name, value, ... */
};

struct record *
record_new(enum record_kind kind)
{
	struct record	*r;

	r = xcalloc(1, sizeof *r);
	r->kind = kind;
	queue_args_init(&r->fields);
	return r;
}

void
record_free(struct record *r)
{
	if (r == NULL)
		return;
	queue_args_clear(&r->fields);
	free(r);
}

void
record_add(struct record *r, const char *name, const char *value, size_t len)
{
	queue_args_add(&r->fields, name, strlen(name));
	queue_args_add(&r->fields, value, len);
}

void
record_str(struct record *r, const char *name, const char *value)
{
	if (value == NULL)
		value = "";
	record_add(r, name, value, strlen(value));
}

void
record_long(struct record *r, const char *name, long v)
{
	queue_args_add(&r->fields, name, strlen(name));
	queue_args_addll(&r->fields, v);
}

int
record_count(const struct record *r)
{
	return r->fields.n / 2;
}

void
record_emit(const struct record *r, struct queue_args *ops)
{
	queue_op_record(ops, r->kind == RECORD_DEAD, record_count(r));
	queue_args_cat(ops, &r->fields);
}

/* Emits r into ops and frees it. */
static void
record_done(struct record *r, struct queue_args *ops)
{
	record_emit(r, ops);
	record_free(r);
}

/* The entry's payload; the fields JSON cannot carry (not UTF-8) verbatim. */
static void
record_payload(struct record *r, const struct queue_entry *e)
{
	struct buf	name;
	size_t		i;

	if (e->event != NULL) {
		record_add(r, "payload", e->event, e->len);
		return;
	}
	record_str(r, "payload", e->fields);
	if (e->fields != NULL)
		return;
	for (i = 0; i < e->nraw / 2; i++) {
		buf_init(&name);
		buf_puts(&name, "field:");
		buf_append(&name, e->raw[2 * i], e->rawlen[2 * i]);
		queue_args_add(&r->fields, name.data, name.len);
		queue_args_add(&r->fields, e->raw[2 * i + 1],
		    e->rawlen[2 * i + 1]);
		buf_free(&name);
	}
}

void
record_dead(struct queue_args *ops, const struct queue_entry *e,
    const char *event_id, const char *reason, const struct delivery *d,
    int64_t at_ms)
{
	struct record	*r;
	char		 at[40];

	clock_rfc3339(at_ms, at, sizeof at);
	r = record_new(RECORD_DEAD);
	record_str(r, "reason", reason);
	record_payload(r, e);
	record_str(r, "event_id", event_id);
	record_str(r, "stream_id", e->id);
	record_long(r, "attempts", d != NULL ? d->attempt + 1 : e->delivered);
	record_str(r, "at", at);
	if (d != NULL) {
		record_str(r, "delivery_key", d->pd->key);
		record_str(r, "channel", d->pd->channel);
		record_str(r, "role", d->pd->role);
	}
	record_done(r, ops);
}

/* One name/value field straight into ops; NULL is written as "". */
static void
record_kv(struct queue_args *ops, const char *name, const char *value)
{
	if (value == NULL)
		value = "";
	queue_args_add(ops, name, strlen(name));
	queue_args_add(ops, value, strlen(value));
}

/*
 * Written straight into ops, not through a struct record: its fields are
 * counted before they are written (15, 17 with an SMS's encoding), and
 * this runs for every delivery.
 */
void
record_delivery(struct queue_args *ops, const struct delivery *d,
    const char *event_id, const char *type, int64_t at_ms)
{
	char	 at[40], masked[128];
	int	 sms = d->pd->encoding != NULL, nfields = sms ? 17 : 15;
	int	 first = ops->n;

	clock_rfc3339(at_ms, at, sizeof at);
	queue_op_record(ops, 0, nfields);
	record_kv(ops, "key", d->pd->key);
	record_kv(ops, "event_id", event_id);
	record_kv(ops, "type", type);
	record_kv(ops, "territory", d->pd->territory);
	record_kv(ops, "role", d->pd->role);
	record_kv(ops, "channel", d->pd->channel);
	record_kv(ops, "language", d->pd->msg.language);
	record_kv(ops, "gateway", d->gateway);
	record_kv(ops, "template", d->pd->template);
	record_kv(ops, "outcome", delivery_outcome_name(d->outcome));
	record_kv(ops, "reason", d->reason);
	queue_args_add(ops, "attempt", 7);
	queue_args_addll(ops, d->attempt + 1);
	record_kv(ops, "provider_id", d->provider_id);
	record_kv(ops, "to", log_mask(d->pd->to, masked, sizeof masked));
	record_kv(ops, "at", at);
	if (sms) {
		record_kv(ops, "encoding", d->pd->encoding);
		queue_args_add(ops, "segments", 8);
		queue_args_addll(ops, d->pd->segments);
	}
	if (ops->n - first != 2 + 2 * nfields)
		fatalx("record: a deliveries record of %d arguments, %d counted",
		    ops->n - first - 2, 2 * nfields);
}

void
record_suppress(struct queue_args *ops, const struct delivery *d,
    int64_t at_ms)
{
	json_t	*rec;
	char	 at[40], *s;

	clock_rfc3339(at_ms, at, sizeof at);
	/* the reason quotes the provider: nothing from outside reaches fatal */
	rec = json_pack("{s:s, s:s, s:s}", "at", at, "source", d->gateway,
	    "reason", d->reason != NULL ? d->reason : "");
	if (rec == NULL)
		rec = json_pack("{s:s, s:s}", "at", at, "source", d->gateway);
	if (rec == NULL || (s = json_dumps(rec, JSON_COMPACT)) == NULL) {
		log_warnx("pipeline: cannot encode a suppression record: "
		    "recorded without details");
		queue_op_suppress(ops, d->supp, "{}");
		json_decref(rec);
		return;
	}
	queue_op_suppress(ops, d->supp, s);
	jarena_free(s);
	json_decref(rec);
}

void
record_outcome(struct queue_args *ops, const struct delivery *d,
    const struct queue_entry *e, const char *event_id, const char *type,
    int64_t at_ms)
{
	switch (d->outcome) {
	case OUTCOME_SENT:
		queue_op_sent(ops, d->pd->key);
		if (d->cap[0] != '\0')
			queue_op_count(ops, d->cap, RECORD_CAP_TTL_MS);
		break;
	case OUTCOME_RETRY:
	case OUTCOME_DEFERRED:
		queue_op_retry(ops, d->due_ms, d->next_attempt, d->next_waits,
		    d->pd->key, e->event, e->len);
		break;
	case OUTCOME_DEAD:
		record_dead(ops, e, event_id, d->reason != NULL ? d->reason :
		    "", d, at_ms);
		if (d->optout)
			record_suppress(ops, d, at_ms);
		break;
	default:
		break;
	}
	/* the territory's figures, after the S op of a sent one */
	figures_delivery_op(ops, d, type, at_ms);
	record_delivery(ops, d, event_id, type, at_ms);
}
