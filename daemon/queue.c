/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The queue's reader and the queue object.
 *
 * Two connections: the reader runs a strict sequence (create the group,
 * recover pending entries, XREADGROUP ... BLOCK), so a blocking read never
 * delays a write; the writer carries pipelined scripts (queue_batch.c).
 *
 * Ownership: the queue owns its connections and timers; each entry it
 * reads is handed to the entry callback, which owns it from then on.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "jarena.h"
#include "log.h"
#include "queue.h"
#include "queue_int.h"
#include "redis.h"
#include "utf8.h"

#define QUEUE_CLAIM_BATCH	100

static void	queue_next(struct queue *);

void
queue_entry_free(struct queue_entry *e)
{
	size_t	i;

	if (e == NULL)
		return;
	free(e->event);
	jarena_free(e->fields);	/* json_dumps's */
	free(e->retry_key);
	for (i = 0; i < e->nraw; i++)
		free(e->raw[i]);
	free(e->raw);
	free(e->rawlen);
	free(e);
}


/*
 * An entry without an event keeps its fields for its dead letter: as
 * readable JSON when it can carry them (valid UTF-8), and verbatim.
 */
static void
queue_entry_keep(struct queue_entry *e, const redisReply *f)
{
	const redisReply	*k, *v;
	json_t			*all;
	size_t			 i, bad;

	for (i = 0; i < f->elements; i++) {
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    utf8_valid(f->element[i]->str, f->element[i]->len,
		    &bad) == -1)
			break;
	}
	if (i == f->elements) {
		all = json_object();
		for (i = 0; i + 1 < f->elements; i += 2) {
			k = f->element[i];
			v = f->element[i + 1];
			if (k->type == REDIS_REPLY_STRING &&
			    v->type == REDIS_REPLY_STRING)
				json_object_set_new(all, k->str,
				    json_stringn_nocheck(v->str, v->len));
		}
		e->fields = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENSURE_ASCII);
		json_decref(all);
	}
	e->raw = xcalloc(f->elements, sizeof *e->raw);
	e->rawlen = xcalloc(f->elements, sizeof *e->rawlen);
	for (i = 0; i + 1 < f->elements; i += 2) {
		k = f->element[i];
		v = f->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING)
			continue;
		e->raw[e->nraw] = xstrndup(k->str, k->len);
		e->rawlen[e->nraw++] = k->len;
		e->raw[e->nraw] = xstrndup(v->str, v->len);
		e->rawlen[e->nraw++] = v->len;
	}
}

/* Builds an entry from [id, [field, value, ...]] (or a nil field list). */
static struct queue_entry *
queue_entry_parse(const redisReply *r, long delivered)
{
	struct queue_entry	*e;
	const redisReply	*f, *k, *v;
	size_t			 i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return NULL;
	e = xcalloc(1, sizeof *e);
	(void)buf_copy(e->id, sizeof e->id, r->element[0]->str);
	e->first_ms = strtoll(e->id, NULL, 10);
	e->delivered = delivered;
	f = r->element[1];
	if (f->type != REDIS_REPLY_ARRAY) {
		e->deleted = 1;
		return e;
	}
	for (i = 0; i + 1 < f->elements; i += 2) {
		k = f->element[i];
		v = f->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "event") == 0 && e->event == NULL) {
			e->event = xstrndup(v->str, v->len);
			e->len = v->len;
		} else if (strcmp(k->str, "retry") == 0) {
			free(e->retry_key);
			e->retry_key = xstrndup(v->str, v->len);
		} else if (strcmp(k->str, "attempt") == 0) {
			e->attempt = strtol(v->str, NULL, 10);
		} else if (strcmp(k->str, "waits") == 0) {
			e->waits = strtol(v->str, NULL, 10);
		} else if (strcmp(k->str, "replay") == 0) {
			/* relaisctl puts the original stream id there */
			e->replay = 1;
			if (strtoll(v->str, NULL, 10) > 1)
				e->first_ms = strtoll(v->str, NULL, 10);
		}
	}
	if (e->event == NULL)
		queue_entry_keep(e, f);
	return e;
}

static void
queue_deliver(struct queue *q, const redisReply *r, long delivered)
{
	struct queue_entry	*e;

	if ((e = queue_entry_parse(r, delivered)) == NULL) {
		log_warnx("queue: unexpected entry shape in reply");
		return;
	}
	q->entry_cb(e, q->arg);
}

static void
queue_on_read(redisReply *r, void *arg)
{
	struct queue	*q = arg;
	redisReply	*entries;
	size_t		 i;

	q->step = QUEUE_IDLE;
	if (q->stopping)
		return;		/* entries read now stay pending for the next start */
	if (queue_failed("XREADGROUP", r)) {
		if (r != NULL && strncmp(r->str, "NOGROUP", 7) == 0)
			q->group_ok = 0;
		queue_arm(q->ev_next, 1000);
		return;
	}
	if (!q->stopping && r->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < r->elements; i++) {
			entries = r->element[i]->element[1];
			for (size_t j = 0; j < entries->elements; j++)
				queue_deliver(q, entries->element[j], 1);
		}
	}
	queue_next(q);
}

static void
queue_read(struct queue *q, size_t room)
{
	const struct config_redis	*rc = &q->redis;
	char				 count[32], block[32], stream[256];
	const char			*av[10];

	snprintf(count, sizeof count, "%zu", room < (size_t)rc->batch ?
	    room : (size_t)rc->batch);
	snprintf(block, sizeof block, "%ld", rc->block_ms);
	snprintf(stream, sizeof stream, "%sevents", rc->prefix);
	av[0] = "XREADGROUP";
	av[1] = "GROUP";
	av[2] = rc->group;
	av[3] = rc->consumer;
	av[4] = "COUNT";
	av[5] = count;
	av[6] = "BLOCK";
	av[7] = block;
	av[8] = "STREAMS";
	av[9] = stream;
	q->step = QUEUE_BUSY;
	{
		const char *full[11];

		memcpy(full, av, sizeof av);
		full[10] = ">";
		if (redis_command(q->reader, queue_on_read, q,
		    rc->block_ms + rc->command_timeout_ms, 11, full, NULL) == -1)
			q->step = QUEUE_IDLE;
	}
}

static void
queue_on_group(redisReply *r, void *arg)
{
	struct queue	*q = arg;

	q->step = QUEUE_IDLE;
	if (r != NULL && (r->type != REDIS_REPLY_ERROR ||
	    strncmp(r->str, "BUSYGROUP", 9) == 0)) {
		q->group_ok = 1;
		queue_next(q);
		return;
	}
	queue_failed("XGROUP CREATE", r);
	queue_arm(q->ev_next, 1000);
}

static void
queue_create_group(struct queue *q)
{
	const struct config_redis	*rc = &q->redis;
	char				 stream[256];
	const char			*av[6];

	snprintf(stream, sizeof stream, "%sevents", rc->prefix);
	av[0] = "XGROUP";
	av[1] = "CREATE";
	av[2] = stream;
	av[3] = rc->group;
	av[4] = "0";	/* events pushed before the first start count too */
	av[5] = "MKSTREAM";
	q->step = QUEUE_BUSY;
	if (redis_command(q->reader, queue_on_group, q, 0, 6, av, NULL) == -1)
		q->step = QUEUE_IDLE;
}

/* One page of pending entries being taken over (XPENDING, then XCLAIM). */
struct queue_claim {
	struct queue	*q;
	int		 own;		/* our own entries, else idle ones of anyone */
	size_t		 asked;		/* page size: a shorter page is the last */
	size_t		 n;
	char		 ids[QUEUE_CLAIM_BATCH][64];
	long		 counts[QUEUE_CLAIM_BATCH];
};

static void
queue_recover_done(struct queue *q, int own)
{
	if (own) {
		/* a request made while this pass ran needs a pass of its own */
		if (q->recover_own == q->recover_seen)
			q->recover_own = q->recover_seen = 0;
		snprintf(q->own_from, sizeof q->own_from, "-");
	} else {
		q->claim_due = 0;
		snprintf(q->claim_from, sizeof q->claim_from, "-");
	}
}

static void
queue_on_claim(redisReply *r, void *arg)
{
	struct queue_claim	*c = arg;
	struct queue		*q = c->q;
	size_t			 i, k;
	long			 delivered;

	q->step = QUEUE_IDLE;
	if (!queue_failed("XCLAIM", r) && r->type == REDIS_REPLY_ARRAY &&
	    !q->stopping) {
		for (i = 0; i < r->elements; i++) {
			const redisReply *e = r->element[i];

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			delivered = 1;
			for (k = 0; k < c->n; k++) {
				if (strcmp(c->ids[k], e->element[0]->str) == 0)
					delivered = c->counts[k] + 1;
			}
			queue_deliver(q, e, delivered);
		}
		if (r->elements > 0)
			log_info("queue: took over %zu pending %s", r->elements,
			    c->own ? "entries of this consumer" :
			    "entries idle too long");
	}
	free(c);
	queue_next(q);
}

static void
queue_on_pending(redisReply *r, void *arg)
{
	struct queue_claim		*c = arg;
	struct queue			*q = c->q;
	const struct config_redis	*rc = &q->redis;
	const char			*av[6 + QUEUE_CLAIM_BATCH];
	char				 stream[256], idle[32];
	size_t				 i;
	int				 n = 0;

	q->step = QUEUE_IDLE;
	if (queue_failed("XPENDING", r) || r->type != REDIS_REPLY_ARRAY) {
		free(c);
		queue_arm(q->ev_next, 1000);
		return;
	}
	for (i = 0; i < r->elements && c->n < QUEUE_CLAIM_BATCH; i++) {
		const redisReply *p = r->element[i];

		if (p->type != REDIS_REPLY_ARRAY || p->elements < 4)
			continue;
		if (c->own)
			snprintf(q->own_from, sizeof q->own_from, "(%s",
			    p->element[0]->str);
		else
			snprintf(q->claim_from, sizeof q->claim_from, "(%s",
			    p->element[0]->str);
		if (q->busy_cb(p->element[0]->str, q->arg))
			continue;	/* in flight here: not lost, not ours to retake */
		snprintf(c->ids[c->n], sizeof c->ids[c->n], "%s",
		    p->element[0]->str);
		c->counts[c->n++] = (long)p->element[3]->integer;
	}
	if (r->elements < c->asked)
		queue_recover_done(q, c->own);
	if (c->n == 0 || q->stopping) {
		free(c);
		queue_next(q);
		return;
	}
	snprintf(stream, sizeof stream, "%sevents", rc->prefix);
	snprintf(idle, sizeof idle, "%ld", c->own ? 0 : rc->claim_idle_ms);
	av[n++] = "XCLAIM";
	av[n++] = stream;
	av[n++] = rc->group;
	av[n++] = rc->consumer;
	av[n++] = idle;
	for (i = 0; i < c->n; i++)
		av[n++] = c->ids[i];
	q->step = QUEUE_BUSY;
	if (redis_command(q->reader, queue_on_claim, c, 0, n, av, NULL) == -1) {
		q->step = QUEUE_IDLE;
		free(c);
	}
}

/* XPENDING over our own entries (own) or everyone's idle ones. */
static void
queue_pending(struct queue *q, int own, size_t room)
{
	const struct config_redis	*rc = &q->redis;
	struct queue_claim		*c;
	const char			*av[10];
	char				 stream[256], idle[32], count[16];
	int				 n = 0;

	c = xcalloc(1, sizeof *c);
	c->q = q;
	c->own = own;
	snprintf(stream, sizeof stream, "%sevents", rc->prefix);
	snprintf(idle, sizeof idle, "%ld", rc->claim_idle_ms);
	snprintf(count, sizeof count, "%zu", room < QUEUE_CLAIM_BATCH ? room :
	    (size_t)QUEUE_CLAIM_BATCH);
	c->asked = room < QUEUE_CLAIM_BATCH ? room : QUEUE_CLAIM_BATCH;
	av[n++] = "XPENDING";
	av[n++] = stream;
	av[n++] = rc->group;
	if (!own) {
		av[n++] = "IDLE";
		av[n++] = idle;
	}
	av[n++] = own ? q->own_from : q->claim_from;
	av[n++] = "+";
	av[n++] = count;
	if (own)
		av[n++] = rc->consumer;
	q->step = QUEUE_BUSY;
	if (redis_command(q->reader, queue_on_pending, c, 0, n, av, NULL) == -1) {
		q->step = QUEUE_IDLE;
		free(c);
	}
}

/* The reader's sequence: group, own pending, idle pending, then fresh reads. */
static void
queue_next(struct queue *q)
{
	size_t	room;

	/* nothing read can be finished while the writer is down: wait for it */
	if (q->step != QUEUE_IDLE || q->stopping || !redis_is_up(q->reader) ||
	    !redis_is_up(q->writer))
		return;
	if (!q->group_ok) {
		queue_create_group(q);
		return;
	}
	if ((room = q->room_cb(q->arg)) == 0)
		return;		/* paused until queue_kick() */
	if (q->recover_own) {
		if (strcmp(q->own_from, "-") == 0)
			q->recover_seen = q->recover_own;
		queue_pending(q, 1, room);
		return;
	}
	if (q->claim_due) {
		queue_pending(q, 0, room);
		return;
	}
	queue_read(q, room);
}

static void
queue_on_next(evutil_socket_t fd, short what, void *arg)
{
	struct queue	*q = arg;

	(void)fd;
	(void)what;
	if (q->recover_later) {
		q->recover_later = 0;
		q->recover_own++;
	}
	queue_next(q);
}

static void
queue_on_claim_timer(evutil_socket_t fd, short what, void *arg)
{
	struct queue	*q = arg;

	(void)fd;
	(void)what;
	q->claim_due = 1;
	queue_next(q);
}

const struct queue_gauges *
queue_gauges(const struct queue *q)
{
	return &q->gauges;
}

unsigned long
queue_reconnects(const struct queue *q)
{
	return redis_reconnects(q->reader) + redis_reconnects(q->writer);
}

static void
queue_on_state(struct redis *r, int up, void *arg)
{
	struct queue	*q = arg;

	if (r != q->reader) {
		if (up) {
			queue_pay_owed(q);
			queue_next(q);	/* reading waits for the writer */
		}
	} else if (up) {
		/* a new connection: the group may be gone, pending may be ours */
		q->group_ok = 0;
		q->recover_own++;
		snprintf(q->own_from, sizeof q->own_from, "-");
		queue_next(q);
	} else {
		q->step = QUEUE_IDLE;
	}
	if (q->up_cb != NULL && !q->freeing && queue_is_up(q) != q->was_up) {
		q->was_up = !q->was_up;
		q->up_cb(q->was_up, q->up_arg);
	}
}

static char *
queue_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
queue_redis_copy(struct config_redis *dst, const struct config_redis *src)
{
	*dst = *src;
	dst->url = queue_dup(src->url);
	dst->host = queue_dup(src->host);
	dst->path = queue_dup(src->path);
	dst->username = queue_dup(src->username);
	dst->password = queue_dup(src->password);
	dst->prefix = queue_dup(src->prefix);
	dst->group = queue_dup(src->group);
	dst->consumer = queue_dup(src->consumer);
}

static void
queue_redis_free(struct config_redis *r)
{
	free(r->url);
	free(r->host);
	free(r->path);
	free(r->username);
	free(r->password);
	free(r->prefix);
	free(r->group);
	free(r->consumer);
}

struct queue *
queue_new(struct event_base *base, const struct config *cf,
    queue_entry_cb entry_cb, queue_room_cb room_cb, queue_busy_cb busy_cb,
    void *arg)
{
	struct queue	*q;

	q = xcalloc(1, sizeof *q);
	q->base = base;
	queue_redis_copy(&q->redis, &cf->redis);
	q->consent_ttl_s = cf->retention_days * 86400;
	q->entry_cb = entry_cb;
	q->room_cb = room_cb;
	q->busy_cb = busy_cb;
	q->arg = arg;
	snprintf(q->own_from, sizeof q->own_from, "-");
	snprintf(q->claim_from, sizeof q->claim_from, "-");
	q->reader = redis_new(base, &q->redis, "reader", queue_on_state, q);
	q->writer = redis_new(base, &q->redis, "writer", queue_on_state, q);
	queue_batch_init(q);
	q->ev_claim = event_new(base, -1, EV_PERSIST, queue_on_claim_timer, q);
	q->ev_next = evtimer_new(base, queue_on_next, q);
	if (q->ev_claim == NULL || q->ev_next == NULL)
		fatalx("queue: cannot create timers");
	return q;
}

void
queue_start(struct queue *q)
{
	redis_start(q->reader);
	redis_start(q->writer);
	queue_batch_start(q);
	queue_arm(q->ev_claim, q->redis.claim_interval_ms);
}

void
queue_stop(struct queue *q)
{
	q->stopping = 1;
	queue_batch_stop(q);
	event_del(q->ev_claim);
	event_del(q->ev_next);
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	/*
	 * Freeing the connections fails their pending commands; the callbacks
	 * must then touch no job (the pipeline freed them) and start nothing.
	 * Batches not sent yet are dropped: their entries stay pending.
	 */
	q->freeing = 1;
	q->stopping = 1;
	queue_batch_drop(q);
	redis_free(q->reader);
	redis_free(q->writer);
	queue_batch_release(q);
	queue_redis_free(&q->redis);
	event_free(q->ev_claim);
	event_free(q->ev_next);
	free(q);
}

void
queue_kick(struct queue *q)
{
	queue_next(q);
}

void
queue_recover_own(struct queue *q)
{
	/* not at once: let whatever made the commit fail settle first */
	q->recover_later = 1;
	if (!evtimer_pending(q->ev_next, NULL))
		queue_arm(q->ev_next, 1000);
}

int
queue_is_up(const struct queue *q)
{
	return redis_is_up(q->reader) && redis_is_up(q->writer);
}

void
queue_on_up(struct queue *q, queue_up_cb cb, void *arg)
{
	q->up_cb = cb;
	q->up_arg = arg;
	q->was_up = queue_is_up(q);
	if (cb != NULL && q->was_up)
		cb(1, arg);
}
