/*
 * The Redis side of the pipeline.
 *
 * Two connections: the reader runs a strict sequence (create the group,
 * recover pending entries, XREADGROUP ... BLOCK), so a blocking read never
 * delays a write; the writer carries pipelined scripts (begin, commit, tick).
 *
 * Ownership: the queue owns its connections and timers; each entry it
 * reads is handed to the entry callback, which owns it from then on. Begin
 * and commit callbacks fire exactly once, from the loop (ok = 0 when Redis
 * failed or went away: the entry then stays pending and is read again).
 */
#include <sys/time.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "queue.h"
#include "queue_lua.h"
#include "redis.h"
#include "store.h"

#define QUEUE_CLAIM_BATCH	100
#define QUEUE_TICK_BATCH	500

/* The scripts (queue_lua.c); state and commit get the handlers' functions first. */
static struct redis_script queue_begin_script = { .body = queue_begin_lua };
static struct redis_script queue_tick_script = { .body = queue_tick_lua };
static struct redis_script queue_rate_script = { .body = queue_rate_lua };
static struct redis_script queue_stats_script = { .body = queue_stats_lua };
static struct redis_script queue_state_script;
static struct redis_script queue_commit_script;

enum queue_step {
	QUEUE_IDLE,		/* nothing in flight on the reader */
	QUEUE_BUSY,		/* a reader command is in flight */
};

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
	struct queue_batch	*begins;	/* filling, flushed by ev_flush */
	struct queue_batch	*states;
	struct queue_batch	*rates;
	struct queue_batch	*commits;
	long			 consent_ttl_s;	/* consent history: as a profile */
	char			**owed;		/* sent markers a failed commit owes */
	size_t			  nowed;
	struct event		*ev_flush;
	struct event		*ev_stats;
	struct queue_gauges	 gauges;
	int			 stats_busy;
	queue_entry_cb		 entry_cb;
	queue_room_cb		 room_cb;
	queue_busy_cb		 busy_cb;
	void			*arg;
};

/* One begin or commit waiting in a batch, or in flight with it. */
struct queue_call {
	queue_begin_cb	 begin_cb;
	queue_commit_cb	 commit_cb;
	queue_rate_cb	 rate_cb;
	queue_state_cb	 state_cb;
	void		*arg;
	size_t		 nkeys;		/* begin: sent flags to hand back */
};

/*
 * Begins and commits asked during one loop iteration go to Redis as one
 * script call each, when the iteration ends: one Lua invocation per batch
 * instead of one per entry (Lua's fixed cost per EVALSHA was half of Redis's
 * time per event in the benchmark).
 */
struct queue_batch {
	struct queue		*q;
	struct queue_args	 args;
	struct queue_call	*calls;
	size_t			 ncalls;
	size_t			 cap;
};

static void	queue_next(struct queue *);
static void	queue_on_flush(evutil_socket_t, short, void *);
static void	queue_batch_free(struct queue_batch *);
static void	queue_flush_soon(struct queue *);

static void
queue_arm(struct event *ev, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (event_add(ev, &tv) == -1)
		fatalx("queue: event_add failed");
}

void
queue_args_init(struct queue_args *a)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->data);
}

void
queue_args_clear(struct queue_args *a)
{
	buf_free(&a->data);
	free(a->off);
	free(a->len);
	free(a->v);
	queue_args_init(a);
}

void
queue_args_add(struct queue_args *a, const char *s, size_t len)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 32 : a->cap * 2;
		a->off = xrealloc(a->off, (size_t)a->cap * sizeof *a->off);
		a->len = xrealloc(a->len, (size_t)a->cap * sizeof *a->len);
	}
	a->off[a->n] = a->data.len;
	a->len[a->n] = len;
	a->n++;
	buf_append(&a->data, s, len);
	buf_putc(&a->data, '\0');
}

void
queue_args_addf(struct queue_args *a, const char *fmt, ...)
{
	char	tmp[64];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		fatalx("queue_args_addf: argument too long");
	queue_args_add(a, tmp, (size_t)n);
}

/* Appends every argument of src to dst. */
static void
queue_args_cat(struct queue_args *dst, const struct queue_args *src)
{
	int	i;

	for (i = 0; i < src->n; i++)
		queue_args_add(dst, src->data.data + src->off[i], src->len[i]);
}

/* The argv array of a, valid until a changes. */
static const char **
queue_args_argv(struct queue_args *a)
{
	int	i;

	a->v = xrealloc(a->v, ((size_t)a->n + 1) * sizeof *a->v);
	for (i = 0; i < a->n; i++)
		a->v[i] = a->data.data + a->off[i];
	return a->v;
}

void
queue_op_sent(struct queue_args *a, const char *key)
{
	queue_args_add(a, "S", 1);
	queue_args_add(a, key, strlen(key));
}

void
queue_op_count(struct queue_args *a, const char *key, long long ttl_ms)
{
	queue_args_add(a, "C", 1);
	queue_args_add(a, key, strlen(key));
	queue_args_addf(a, "%lld", ttl_ms);
}

void
queue_op_schedule(struct queue_args *a, long long due_ms, const char *member,
    size_t len)
{
	queue_args_add(a, "Z", 1);
	queue_args_addf(a, "%lld", due_ms);
	queue_args_add(a, member, len);
}

void
queue_op_suppress(struct queue_args *a, const char *id, const char *record)
{
	queue_args_add(a, "U", 1);
	queue_args_add(a, id, strlen(id));
	queue_args_add(a, record, strlen(record));
}

void
queue_op_effect(struct queue_args *a, const char *name,
    const struct queue_args *args)
{
	queue_args_add(a, "H", 1);
	queue_args_add(a, name, strlen(name));
	queue_args_addf(a, "%d", args->n);
	queue_args_cat(a, args);
}

void
queue_op_record(struct queue_args *a, int dead, int nfields)
{
	queue_args_add(a, dead ? "D" : "L", 1);
	queue_args_addf(a, "%d", nfields);
}

void
queue_entry_free(struct queue_entry *e)
{
	if (e == NULL)
		return;
	size_t	i;

	free(e->event);
	free(e->fields);
	free(e->retry_key);
	for (i = 0; i < e->nraw; i++)
		free(e->raw[i]);
	free(e->raw);
	free(e->rawlen);
	free(e);
}


/* Builds an entry from [id, [field, value, ...]] (or a nil field list). */
static struct queue_entry *
queue_entry_parse(const redisReply *r, long delivered)
{
	struct queue_entry	*e;
	const redisReply	*f, *k, *v;
	json_t			*all;
	size_t			 i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return NULL;
	e = xcalloc(1, sizeof *e);
	snprintf(e->id, sizeof e->id, "%s", r->element[0]->str);
	e->first_ms = strtoll(e->id, NULL, 10);
	e->delivered = delivered;
	f = r->element[1];
	if (f->type != REDIS_REPLY_ARRAY) {
		e->deleted = 1;
		return e;
	}
	all = json_object();
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
		json_object_set_new(all, k->str, json_stringn_nocheck(v->str,
		    v->len));
	}
	if (e->event == NULL) {
		for (i = 0; i < f->elements; i++) {
			size_t bad;

			if (f->element[i]->type == REDIS_REPLY_STRING &&
			    envelope_utf8_valid(f->element[i]->str,
			    f->element[i]->len, &bad) == -1)
				break;
		}
		/* readable JSON when it can carry them, else verbatim only */
		if (i == f->elements)
			e->fields = json_dumps(all, JSON_COMPACT |
			    JSON_SORT_KEYS | JSON_ENSURE_ASCII);
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
	json_decref(all);
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

static int
queue_failed(const char *what, const redisReply *r)
{
	if (r == NULL) {
		log_warnx("queue: %s: no reply (Redis unreachable)", what);
		return 1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_warnx("queue: %s: %s", what, r->str);
		return 1;
	}
	return 0;
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

static void
queue_on_tick_reply(redisReply *r, void *arg)
{
	struct queue	*q = arg;
	long long	 due = 0;

	q->tick_busy = 0;
	if (queue_failed("tick", r))
		return;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2)
		due = r->element[0]->integer + r->element[1]->integer;
	/* a full batch means more is waiting: go again at once */
	if (due >= QUEUE_TICK_BATCH && !q->stopping)
		event_active(q->ev_tick, EV_TIMEOUT, 0);
}

static void
queue_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct queue	*q = arg;
	char		 now[32], batch[16], ttl[32], keep[32];
	const char	*av[5];

	(void)fd;
	(void)what;
	if (!q->stopping)
		queue_arm(q->ev_tick, q->redis.schedule_interval_ms);
	if (q->tick_busy || !redis_is_up(q->writer))
		return;
	snprintf(now, sizeof now, "%lld", (long long)clock_now_ms());
	snprintf(batch, sizeof batch, "%d", QUEUE_TICK_BATCH);
	/* a retry is known as relais's own as long as an event id is */
	snprintf(ttl, sizeof ttl, "%ld", q->redis.seen_ttl_s);
	av[0] = q->redis.prefix;
	av[1] = now;
	av[2] = batch;
	av[3] = ttl;
	snprintf(keep, sizeof keep, "%lld",
	    q->redis.dead_retention_days * 86400000LL);
	av[4] = keep;
	if (redis_eval(q->writer, &queue_tick_script, queue_on_tick_reply, q,
	    0, 0, 5, av, NULL) == 0)
		q->tick_busy = 1;
}

static void
queue_on_stats_reply(redisReply *r, void *arg)
{
	struct queue	*q = arg;

	q->stats_busy = 0;
	if (q->freeing || r == NULL || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 5)
		return;
	q->gauges.stream = r->element[0]->integer;
	q->gauges.pending = r->element[1]->integer;
	q->gauges.scheduled = r->element[2]->integer;
	q->gauges.dead = r->element[3]->integer;
	q->gauges.inbox = r->element[4]->integer;
	q->gauges.valid = 1;
}

static void
queue_on_stats(evutil_socket_t fd, short what, void *arg)
{
	struct queue	*q = arg;
	const char	*av[2];

	(void)fd;
	(void)what;
	if (q->stats_busy || !redis_is_up(q->writer))
		return;
	av[0] = q->redis.prefix;
	av[1] = q->redis.group;
	if (redis_eval(q->writer, &queue_stats_script, queue_on_stats_reply, q,
	    0, 0, 2, av, NULL) == 0)
		q->stats_busy = 1;
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

/* The keys of one payment of owed markers, in flight. */
struct queue_owed {
	struct queue	 *q;
	char		**keys;
	size_t		  n;
};

static void queue_pay_owed(struct queue *);

static void
queue_on_owed(int ok, void *arg)
{
	struct queue_owed	*o = arg;
	struct queue		*q = o->q;
	size_t			 i;

	if (ok || q->freeing) {
		for (i = 0; i < o->n; i++)
			free(o->keys[i]);
		free(o->keys);
	} else {
		/* owed still: paid when the writer is back */
		q->owed = xrealloc(q->owed, (q->nowed + o->n) * sizeof *q->owed);
		for (i = 0; i < o->n; i++)
			q->owed[q->nowed++] = o->keys[i];
		free(o->keys);
	}
	free(o);
}

/*
 * Writes the owed markers, the first thing on a writer that is up: before
 * any entry read again can be checked against them (queue_begin goes by
 * the same connection, later).
 */
static void
queue_pay_owed(struct queue *q)
{
	struct queue_args	 a;
	struct queue_owed	*o;
	size_t			 i;

	if (q->nowed == 0 || !redis_is_up(q->writer))
		return;
	queue_args_init(&a);
	for (i = 0; i < q->nowed; i++)
		queue_op_sent(&a, q->owed[i]);
	o = xcalloc(1, sizeof *o);
	o->q = q;
	o->keys = q->owed;
	o->n = q->nowed;
	q->owed = NULL;
	q->nowed = 0;
	if (queue_commit(q, "", &a, queue_on_owed, o) == -1) {
		q->owed = o->keys;
		q->nowed = o->n;
		free(o);
	}
	queue_args_clear(&a);
}

void
queue_owe_sent(struct queue *q, const char *key)
{
	q->owed = xrealloc(q->owed, (q->nowed + 1) * sizeof *q->owed);
	q->owed[q->nowed++] = xstrdup(key);
	queue_pay_owed(q);
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
		return;
	}
	if (up) {
		/* a new connection: the group may be gone, pending may be ours */
		q->group_ok = 0;
		q->recover_own++;
		snprintf(q->own_from, sizeof q->own_from, "-");
		queue_next(q);
	} else {
		q->step = QUEUE_IDLE;
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

/* The state and commit scripts open with the handlers' functions. */
static void
queue_scripts_init(void)
{
	static char	*state, *commit;
	struct buf	 b;

	if (state != NULL)
		return;
	buf_init(&b);
	buf_puts(&b, store_state_lua);
	buf_puts(&b, queue_state_lua);
	state = buf_steal(&b, NULL);
	buf_init(&b);
	buf_puts(&b, store_effects_lua);
	buf_puts(&b, queue_commit_lua);
	commit = buf_steal(&b, NULL);
	queue_state_script.body = state;
	queue_commit_script.body = commit;
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
	queue_scripts_init();
	redis_script_add(q->writer, &queue_begin_script);
	redis_script_add(q->writer, &queue_state_script);
	redis_script_add(q->writer, &queue_commit_script);
	redis_script_add(q->writer, &queue_tick_script);
	redis_script_add(q->writer, &queue_stats_script);
	redis_script_add(q->writer, &queue_rate_script);
	q->ev_tick = evtimer_new(base, queue_on_tick, q);
	q->ev_claim = event_new(base, -1, EV_PERSIST, queue_on_claim_timer, q);
	q->ev_next = evtimer_new(base, queue_on_next, q);
	q->ev_flush = evtimer_new(base, queue_on_flush, q);
	q->ev_stats = event_new(base, -1, EV_PERSIST, queue_on_stats, q);
	if (q->ev_tick == NULL || q->ev_claim == NULL || q->ev_next == NULL ||
	    q->ev_flush == NULL || q->ev_stats == NULL)
		fatalx("queue: cannot create timers");
	return q;
}

void
queue_start(struct queue *q)
{
	redis_start(q->reader);
	redis_start(q->writer);
	queue_arm(q->ev_tick, q->redis.schedule_interval_ms);
	queue_arm(q->ev_claim, q->redis.claim_interval_ms);
	queue_arm(q->ev_stats, 5000);
}

void
queue_stop(struct queue *q)
{
	q->stopping = 1;
	event_del(q->ev_tick);
	event_del(q->ev_claim);
	event_del(q->ev_next);
	event_del(q->ev_stats);
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
	queue_batch_free(q->begins);
	queue_batch_free(q->commits);
	queue_batch_free(q->rates);
	redis_free(q->reader);
	redis_free(q->writer);
	event_free(q->ev_flush);
	event_free(q->ev_stats);
	queue_redis_free(&q->redis);
	while (q->nowed > 0)
		free(q->owed[--q->nowed]);
	free(q->owed);
	event_free(q->ev_tick);
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

static struct queue_batch *
queue_batch_new(struct queue *q, int commit)
{
	struct queue_batch		*b;
	const struct config_redis	*rc = &q->redis;

	b = xcalloc(1, sizeof *b);
	b->q = q;
	queue_args_init(&b->args);
	queue_args_add(&b->args, rc->prefix, strlen(rc->prefix));
	if (commit) {
		queue_args_add(&b->args, rc->group, strlen(rc->group));
		queue_args_addf(&b->args, "%ld", rc->sent_ttl_s);
		queue_args_addf(&b->args, "%ld", rc->deliveries_maxlen);
		queue_args_addf(&b->args, "%ld", q->consent_ttl_s);
		queue_args_addf(&b->args, "%lld",
		    (long long)rc->dead_retention_days * 86400000LL);
	} else
		queue_args_addf(&b->args, "%ld", rc->seen_ttl_s);
	return b;
}

static void
queue_batch_free(struct queue_batch *b)
{
	if (b == NULL)
		return;
	queue_args_clear(&b->args);
	free(b->calls);
	free(b);
}

static struct queue_call *
queue_batch_call(struct queue_batch *b)
{
	if (b->ncalls == b->cap) {
		b->cap = b->cap == 0 ? 16 : b->cap * 2;
		b->calls = xrealloc(b->calls, b->cap * sizeof *b->calls);
	}
	memset(&b->calls[b->ncalls], 0, sizeof b->calls[b->ncalls]);
	return &b->calls[b->ncalls++];
}

/* A batch failed as a whole: every entry in it stays pending. */
static void
queue_batch_fail(struct queue_batch *b)
{
	size_t	i;

	for (i = 0; i < b->ncalls; i++) {
		if (b->calls[i].begin_cb != NULL)
			b->calls[i].begin_cb(0, 0, NULL, 0,
			    b->calls[i].arg);
		else if (b->calls[i].commit_cb != NULL)
			b->calls[i].commit_cb(0, b->calls[i].arg);
		else if (b->calls[i].rate_cb != NULL)
			b->calls[i].rate_cb(0, 0, b->calls[i].arg);
		else if (b->calls[i].state_cb != NULL)
			b->calls[i].state_cb(0, 0, NULL, 0, b->calls[i].arg);
	}
	queue_batch_free(b);
}

static void
queue_on_begin(redisReply *r, void *arg)
{
	struct queue_batch	*b = arg;
	struct queue_call	*c;
	int			*verdicts;
	size_t			 i, k, at = 0;

	if (b->q->freeing) {
		queue_batch_free(b);	/* the jobs are gone already */
		return;
	}
	if (queue_failed("begin", r) || r->type != REDIS_REPLY_ARRAY) {
		queue_batch_fail(b);
		return;
	}
	for (i = 0; i < b->ncalls; i++) {
		c = &b->calls[i];
		if (at + 1 + c->nkeys > r->elements) {
			log_warnx("queue: begin: short reply");
			c->begin_cb(0, 0, NULL, 0, c->arg);
			continue;
		}
		verdicts = xcalloc(c->nkeys + 1, sizeof *verdicts);
		for (k = 0; k < c->nkeys; k++)
			verdicts[k] = (int)r->element[at + 1 + k]->integer;
		c->begin_cb(1, r->element[at]->integer != 0, verdicts, c->nkeys,
		    c->arg);
		free(verdicts);
		at += 1 + c->nkeys;
	}
	queue_batch_free(b);
}

static void
queue_on_states(redisReply *r, void *arg)
{
	struct queue_batch	*b = arg;
	const redisReply	*dup, *res;
	size_t			 i;

	if (b->q->freeing) {
		queue_batch_free(b);
		return;
	}
	if (queue_failed("state", r) || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2 * b->ncalls) {
		queue_batch_fail(b);
		return;
	}
	for (i = 0; i < b->ncalls; i++) {
		dup = r->element[2 * i];
		res = r->element[2 * i + 1];
		b->calls[i].state_cb(1, dup->integer != 0,
		    res->type == REDIS_REPLY_STRING ? res->str : "",
		    res->type == REDIS_REPLY_STRING ? res->len : 0,
		    b->calls[i].arg);
	}
	queue_batch_free(b);
}

static void
queue_on_commit(redisReply *r, void *arg)
{
	struct queue_batch	*b = arg;
	size_t			 i;

	if (b->q->freeing) {
		queue_batch_free(b);	/* the jobs are gone already */
		return;
	}
	if (queue_failed("commit", r)) {
		queue_batch_fail(b);
		return;
	}
	for (i = 0; i < b->ncalls; i++)
		b->calls[i].commit_cb(1, b->calls[i].arg);
	queue_batch_free(b);
}

static void
queue_on_rate(redisReply *r, void *arg)
{
	struct queue_batch	*b = arg;
	size_t			 i;

	if (b->q->freeing) {
		queue_batch_free(b);
		return;
	}
	if (queue_failed("rate", r) || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != b->ncalls) {
		queue_batch_fail(b);
		return;
	}
	for (i = 0; i < b->ncalls; i++)
		b->calls[i].rate_cb(1, r->element[i]->integer, b->calls[i].arg);
	queue_batch_free(b);
}

int
queue_rate(struct queue *q, const char *gateway, long interval_ms,
    long tolerance_ms, long max_wait_ms, queue_rate_cb cb, void *arg)
{
	struct queue_call	*c;

	if (!redis_is_up(q->writer))
		return -1;
	if (q->rates == NULL) {
		q->rates = xcalloc(1, sizeof *q->rates);
		q->rates->q = q;
		queue_args_init(&q->rates->args);
		queue_args_add(&q->rates->args, q->redis.prefix,
		    strlen(q->redis.prefix));
	}
	queue_args_add(&q->rates->args, gateway, strlen(gateway));
	queue_args_addf(&q->rates->args, "%ld", interval_ms);
	queue_args_addf(&q->rates->args, "%ld", tolerance_ms);
	queue_args_addf(&q->rates->args, "%ld", max_wait_ms);
	c = queue_batch_call(q->rates);
	c->rate_cb = cb;
	c->arg = arg;
	queue_flush_soon(q);
	return 0;
}

static void
queue_flush_one(struct queue *q, struct queue_batch *b,
    const struct redis_script *script, redis_cb cb)
{
	if (b == NULL)
		return;
	if (redis_eval(q->writer, script, cb, b, 0, 0, b->args.n,
	    queue_args_argv(&b->args), b->args.len) == -1)
		queue_batch_fail(b);
}

static void
queue_on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct queue		*q = arg;
	struct queue_batch	*begins = q->begins, *commits = q->commits;
	struct queue_batch	*rates = q->rates, *states = q->states;

	(void)fd;
	(void)what;
	q->begins = q->commits = q->rates = q->states = NULL;
	queue_flush_one(q, rates, &queue_rate_script, queue_on_rate);
	/* commits first: they free room that the begins' entries wait for */
	queue_flush_one(q, commits, &queue_commit_script, queue_on_commit);
	queue_flush_one(q, states, &queue_state_script, queue_on_states);
	queue_flush_one(q, begins, &queue_begin_script, queue_on_begin);
}

static void
queue_flush_soon(struct queue *q)
{
	if (!event_pending(q->ev_flush, EV_TIMEOUT, NULL))
		event_active(q->ev_flush, EV_TIMEOUT, 0);
}

int
queue_begin(struct queue *q, const char *event_id, const char *stream_id,
    int claim, const struct queue_check *v, size_t nkeys, queue_begin_cb cb, void *arg)
{
	struct queue_call	*c;
	size_t			 i;

	if (!redis_is_up(q->writer))
		return -1;
	if (q->begins == NULL)
		q->begins = queue_batch_new(q, 0);
	queue_args_add(&q->begins->args, event_id, strlen(event_id));
	queue_args_add(&q->begins->args, stream_id, strlen(stream_id));
	queue_args_add(&q->begins->args, claim ? "1" : "0", 1);
	queue_args_addf(&q->begins->args, "%zu", nkeys);
	for (i = 0; i < nkeys; i++) {
		queue_args_add(&q->begins->args, v[i].key, strlen(v[i].key));
		queue_args_add(&q->begins->args, v[i].supp, strlen(v[i].supp));
		queue_args_add(&q->begins->args, v[i].person,
		    strlen(v[i].person));
		queue_args_add(&q->begins->args, v[i].check, strlen(v[i].check));
		queue_args_add(&q->begins->args, v[i].cap, strlen(v[i].cap));
		queue_args_addf(&q->begins->args, "%ld", v[i].capmax);
	}
	c = queue_batch_call(q->begins);
	c->begin_cb = cb;
	c->arg = arg;
	c->nkeys = nkeys;
	queue_flush_soon(q);
	return 0;
}

int
queue_state(struct queue *q, const char *event_id, const char *stream_id,
    int claim, const char *fn, int retry, int64_t order_ms, const struct queue_args *args,
    queue_state_cb cb, void *arg)
{
	struct queue_call	*c;

	if (!redis_is_up(q->writer))
		return -1;
	if (q->states == NULL)
		q->states = queue_batch_new(q, 0);
	queue_args_add(&q->states->args, event_id, strlen(event_id));
	queue_args_add(&q->states->args, stream_id, strlen(stream_id));
	queue_args_add(&q->states->args, claim ? "1" : "0", 1);
	queue_args_add(&q->states->args, fn, strlen(fn));
	queue_args_add(&q->states->args, retry ? "r" : "", retry ? 1 : 0);
	queue_args_addf(&q->states->args, "%lld", (long long)order_ms);
	queue_args_addf(&q->states->args, "%d", args != NULL ? args->n : 0);
	if (args != NULL)
		queue_args_cat(&q->states->args, args);
	c = queue_batch_call(q->states);
	c->state_cb = cb;
	c->arg = arg;
	queue_flush_soon(q);
	return 0;
}

/* One HGETALL in flight. */
struct queue_read {
	struct queue	*q;
	queue_rows_cb	 cb;
	void		*arg;
};

void
queue_rows_free(struct queue_rows *rows)
{
	if (rows == NULL)
		return;
	free(rows->v);
	free(rows->len);
	free(rows->buf);
	free(rows);
}

static void
queue_on_read_hash(redisReply *r, void *arg)
{
	struct queue_read	*rd = arg;
	struct queue_rows	*rows;
	size_t			 i, total = 0, at = 0;

	if (rd->q->freeing) {
		free(rd);	/* the jobs are gone already */
		return;
	}
	if (queue_failed("read", r) || r->type != REDIS_REPLY_ARRAY ||
	    r->elements % 2 != 0) {
		rd->cb(0, NULL, rd->arg);
		free(rd);
		return;
	}
	/* copied: hiredis frees the reply when this returns */
	for (i = 0; i < r->elements; i++)
		total += r->element[i]->len + 1;
	rows = xcalloc(1, sizeof *rows);
	rows->n = r->elements / 2;
	rows->v = xcalloc(r->elements + 1, sizeof *rows->v);
	rows->len = xcalloc(r->elements + 1, sizeof *rows->len);
	rows->buf = xmalloc(total + 1);
	for (i = 0; i < r->elements; i++) {
		memcpy(rows->buf + at, r->element[i]->str, r->element[i]->len);
		rows->buf[at + r->element[i]->len] = '\0';
		rows->v[i] = rows->buf + at;
		rows->len[i] = r->element[i]->len;
		at += r->element[i]->len + 1;
	}
	rd->cb(1, rows, rd->arg);
	free(rd);
}

int
queue_read_hash(struct queue *q, const char *key, queue_rows_cb cb, void *arg)
{
	struct queue_read	*rd;
	const char		*av[2] = { "HGETALL", key };

	if (!redis_is_up(q->writer))
		return -1;
	rd = xcalloc(1, sizeof *rd);
	rd->q = q;
	rd->cb = cb;
	rd->arg = arg;
	if (redis_command(q->writer, queue_on_read_hash, rd, 0, 2, av,
	    NULL) == -1) {
		free(rd);
		return -1;
	}
	return 0;
}

int
queue_commit(struct queue *q, const char *stream_id, struct queue_args *ops,
    queue_commit_cb cb, void *arg)
{
	struct queue_call	*c;

	if (!redis_is_up(q->writer))
		return -1;
	if (q->commits == NULL)
		q->commits = queue_batch_new(q, 1);
	queue_args_cat(&q->commits->args, ops);
	if (*stream_id != '\0') {
		queue_args_add(&q->commits->args, "A", 1);
		queue_args_add(&q->commits->args, stream_id, strlen(stream_id));
	}
	c = queue_batch_call(q->commits);
	c->commit_cb = cb;
	c->arg = arg;
	queue_flush_soon(q);
	return 0;
}
