/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The queue's writer: scripts batched per loop iteration or per
 * QUEUE_SEND_AT calls (state, commit, rate; the begins' reads, with
 * queue_begin.c; a commit's deliveries records, with queue_records.c), the
 * schedule tick, the gauges, single reads, and the sent markers a failed
 * commit owes.
 *
 * Ownership: a batch owns its arguments until hiredis has them (sent, or
 * the batch failed) and its calls until its reply; each call's callback fires exactly once, from the loop, unless the queue
 * is being freed (the jobs are gone then: nothing fires).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "queue_batch.h"
#include "queue_begin.h"
#include "queue_int.h"
#include "queue_lua.h"
#include "queue_records.h"
#include "redis.h"
#include "store.h"

#define QUEUE_TICK_BATCH	500

/* The scripts (queue_lua.c); state and commit get the handlers' functions first. */
static struct redis_script queue_tick_script = { .body = queue_tick_lua };
static struct redis_script queue_rate_script = { .body = queue_rate_lua };
static struct redis_script queue_stats_script = { .body = queue_stats_lua };
static struct redis_script queue_state_script;
static struct redis_script queue_commit_script;

/* One commit, state or rate call waiting in a batch, or in flight with it. */
struct queue_call {
	queue_commit_cb	 commit_cb;
	queue_rate_cb	 rate_cb;
	queue_state_cb	 state_cb;
	void		*arg;
};

/*
 * States and commits asked during one loop iteration go to Redis as one
 * script call each, when the iteration ends (or once QUEUE_SEND_AT of them
 * wait): one Lua invocation per batch instead of one per entry (Lua's fixed
 * cost per EVALSHA was half of Redis's time per event in the benchmark).
 * The begins are plain reads, batched alike (queue_begin.c).
 */
struct queue_batch {
	struct queue		*q;
	enum queue_kind		 kind;
	struct queue_args	 args;
	struct queue_records	 recs;		/* commits: deliveries records */
	struct queue_call	*calls;
	size_t			 ncalls;
	size_t			 cap;
};

static void	queue_on_flush(evutil_socket_t, short, void *);
static void	queue_batch_free(struct queue_batch *);
static void	queue_batch_soon(struct queue *, size_t);

void
queue_arm(struct event *ev, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (event_add(ev, &tv) == -1)
		fatalx("queue: event_add failed");
}

int
queue_failed(const char *what, const redisReply *r)
{
	if (r == NULL) {
		log_errx("queue: %s: no reply (Redis unreachable)", what);
		return 1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_errx("queue: %s: %s", what, r->str);
		return 1;
	}
	return 0;
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
	    r->elements != 8)
		return;
	q->gauges.stream = r->element[0]->integer;
	q->gauges.pending = r->element[1]->integer;
	q->gauges.scheduled = r->element[2]->integer;
	q->gauges.dead = r->element[3]->integer;
	q->gauges.inbox = r->element[4]->integer;
	q->gauges.oldest_pending_ms = r->element[5]->integer;
	q->gauges.oldest_entry_ms = r->element[6]->integer;
	q->gauges.oldest_due_ms = r->element[7]->integer;
	q->gauges.valid = 1;
}

static void
queue_on_stats(evutil_socket_t fd, short what, void *arg)
{
	struct queue	*q = arg;
	const char	*av[3];
	char		 now[32];

	(void)fd;
	(void)what;
	if (q->stats_busy || !redis_is_up(q->writer))
		return;
	snprintf(now, sizeof now, "%lld", (long long)clock_now_ms());
	av[0] = q->redis.prefix;
	av[1] = q->redis.group;
	av[2] = now;
	if (redis_eval(q->writer, &queue_stats_script, queue_on_stats_reply, q,
	    0, 0, 3, av, NULL) == 0)
		q->stats_busy = 1;
}

/*
 * The keys of one payment of owed markers, in flight; listed on the queue
 * (q->paying) so that one still unanswered when the queue is freed is
 * freed with it (a batch freed unanswered runs no callback).
 */
struct queue_owed {
	struct queue		 *q;
	char			**keys;
	size_t			  n;
	struct queue_owed	 *next;
};

static void
queue_owed_free(struct queue_owed *o)
{
	size_t	i;

	for (i = 0; i < o->n; i++)
		free(o->keys[i]);
	free(o->keys);
	free(o);
}

/* Takes o off the list of payments in flight. */
static void
queue_owed_unlist(struct queue_owed *o)
{
	struct queue_owed	**pp;

	for (pp = &o->q->paying; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == o) {
			*pp = o->next;
			return;
		}
	}
}

static void
queue_on_owed(int ok, void *arg)
{
	struct queue_owed	*o = arg;
	struct queue		*q = o->q;
	size_t			 i;

	queue_owed_unlist(o);
	if (ok || q->freeing) {
		queue_owed_free(o);
		return;
	}
	/* owed still: paid when the writer is back */
	q->owed = xrealloc(q->owed, (q->nowed + o->n) * sizeof *q->owed);
	for (i = 0; i < o->n; i++)
		q->owed[q->nowed++] = o->keys[i];
	free(o->keys);
	free(o);
}

/*
 * Writes the owed markers, the first thing on a writer that is up: before
 * any entry read again can be checked against them (queue_begin goes by
 * the same connection, later).
 */
void
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
	} else {
		o->next = q->paying;
		q->paying = o;
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

void
queue_batch_init(struct queue *q)
{
	queue_scripts_init();
	redis_script_add(q->writer, &queue_state_script);
	redis_script_add(q->writer, &queue_commit_script);
	redis_script_add(q->writer, &queue_tick_script);
	redis_script_add(q->writer, &queue_stats_script);
	redis_script_add(q->writer, &queue_rate_script);
	q->ev_tick = evtimer_new(q->base, queue_on_tick, q);
	q->ev_flush = evtimer_new(q->base, queue_on_flush, q);
	q->ev_stats = event_new(q->base, -1, EV_PERSIST, queue_on_stats, q);
	if (q->ev_tick == NULL || q->ev_flush == NULL || q->ev_stats == NULL)
		fatalx("queue: cannot create timers");
}

void
queue_batch_start(struct queue *q)
{
	queue_arm(q->ev_tick, q->redis.schedule_interval_ms);
	queue_arm(q->ev_stats, 5000);
}

void
queue_batch_stop(struct queue *q)
{
	event_del(q->ev_tick);
	event_del(q->ev_stats);
}

void
queue_batch_drop(struct queue *q)
{
	queue_begins_free(q->begins);
	queue_batch_free(q->states);
	queue_batch_free(q->commits);
	queue_batch_free(q->rates);
	q->begins = NULL;
	q->states = q->commits = q->rates = NULL;
}

void
queue_batch_release(struct queue *q)
{
	event_free(q->ev_flush);
	event_free(q->ev_stats);
	event_free(q->ev_tick);
	while (q->nowed > 0)
		free(q->owed[--q->nowed]);
	free(q->owed);
	while (q->paying != NULL) {
		struct queue_owed *o = q->paying;

		q->paying = o->next;
		queue_owed_free(o);
	}
}

/* A batch of kind, with room for the last one's arguments and a quarter more. */
static struct queue_batch *
queue_batch_new(struct queue *q, enum queue_kind kind)
{
	struct queue_batch		*b;
	const struct config_redis	*rc = &q->redis;
	int				 n = q->hint_n[kind];

	b = xcalloc(1, sizeof *b);
	b->q = q;
	b->kind = kind;
	queue_args_init(&b->args);
	queue_records_init(&b->recs);
	if (n > 0)
		queue_args_reserve(&b->args, n + n / 4,
		    q->hint_bytes[kind] + q->hint_bytes[kind] / 4);
	queue_args_add(&b->args, rc->prefix, strlen(rc->prefix));
	if (kind == QUEUE_RATES)
		return b;
	if (kind == QUEUE_COMMITS) {
		queue_args_add(&b->args, rc->group, strlen(rc->group));
		queue_args_addll(&b->args, rc->sent_ttl_s);
		queue_args_addll(&b->args, q->consent_ttl_s);
		queue_args_addll(&b->args,
		    (long long)rc->dead_retention_days * 86400000LL);
	} else
		queue_args_addll(&b->args, rc->seen_ttl_s);
	return b;
}

static void
queue_batch_free(struct queue_batch *b)
{
	if (b == NULL)
		return;
	queue_args_clear(&b->args);
	queue_records_clear(&b->recs);
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
		if (b->calls[i].commit_cb != NULL)
			b->calls[i].commit_cb(0, b->calls[i].arg);
		else if (b->calls[i].rate_cb != NULL)
			b->calls[i].rate_cb(0, 0, b->calls[i].arg);
		else if (b->calls[i].state_cb != NULL)
			b->calls[i].state_cb(0, 0, NULL, 0, b->calls[i].arg);
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
	queue_records_report(&b->recs);
	if (queue_failed("commit", r)) {
		queue_batch_fail(b);
		return;
	}
	/* effects that failed: the rest of the batch went in, say which */
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		char esc[512];

		if (r->element[i]->type == REDIS_REPLY_STRING)
			log_warnx("queue: commit: effect %s failed; outcomes "
			    "and acks applied without it", log_escape(
			    r->element[i]->str, esc, sizeof esc));
	}
	/* the batch's outcomes and their log lines: one write */
	log_hold();
	for (i = 0; i < b->ncalls; i++)
		b->calls[i].commit_cb(1, b->calls[i].arg);
	log_release();
	queue_batch_free(b);
}

/* A deliveries record's XADD, ahead of its batch's commit script. */
static void
queue_on_record(redisReply *r, void *arg)
{
	struct queue_batch	*b = arg;

	if (!b->q->freeing)
		queue_records_reply(&b->recs, r);
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
	if (q->rates == NULL)
		q->rates = queue_batch_new(q, QUEUE_RATES);
	queue_args_add(&q->rates->args, gateway, strlen(gateway));
	queue_args_addll(&q->rates->args, interval_ms);
	queue_args_addll(&q->rates->args, tolerance_ms);
	queue_args_addll(&q->rates->args, max_wait_ms);
	c = queue_batch_call(q->rates);
	c->rate_cb = cb;
	c->arg = arg;
	queue_batch_soon(q, q->rates->ncalls);
	return 0;
}

/*
 * Sends b; -1 when it could not (Redis is not up): b is untouched then.
 * hint: b's size is what the next batch of its kind is made room for (not
 * for the few calls sent along with a full batch).
 */
static int
queue_flush_one(struct queue *q, struct queue_batch *b,
    const struct redis_script *script, redis_cb cb, int hint)
{
	if (hint) {
		q->hint_n[b->kind] = b->args.n;
		q->hint_bytes[b->kind] = b->args.data.len;
	}
	if (queue_records_send(&b->recs, q->writer, script, &b->args,
	    queue_on_record, cb, b) == -1)
		return -1;
	/* hiredis holds the command now; only the calls wait for the reply */
	queue_args_clear(&b->args);
	return 0;
}

/*
 * Every batch goes, rates first, then commits (they free room that the
 * begins' entries wait for), states, begins. From the loop (now = 0), a
 * batch that cannot go fails: its entries stay pending. From inside a
 * caller's call (now = 1, queue_batch_soon), it stays for the loop to
 * fail: its callbacks must not fire inside the call that added to it.
 */
static void
queue_flush_all(struct queue *q, int now)
{
	static struct redis_script *const scripts[] = { &queue_rate_script,
	    &queue_commit_script, &queue_state_script };
	static const redis_cb cbs[] = { queue_on_rate, queue_on_commit,
	    queue_on_states };
	struct queue_batch	**slot[] = { &q->rates, &q->commits, &q->states };
	struct queue_batch	*b[3];
	struct queue_begins	*begins = q->begins;
	size_t			 i;
	int			 kept = 0;

	for (i = 0; i < 3; i++) {
		b[i] = *slot[i];
		*slot[i] = NULL;
	}
	q->begins = NULL;
	for (i = 0; i < 3; i++) {
		if (b[i] == NULL || queue_flush_one(q, b[i], scripts[i], cbs[i],
		    !now || b[i]->ncalls >= QUEUE_SEND_AT) == 0)
			continue;
		if (now) {
			*slot[i] = b[i];
			kept = 1;
		} else
			queue_batch_fail(b[i]);
	}
	if (begins != NULL && queue_begins_send(q, begins, !now ||
	    queue_begins_calls(begins) >= QUEUE_SEND_AT) == -1) {
		if (now) {
			q->begins = begins;
			kept = 1;
		} else
			queue_begins_fail(begins);
	}
	if (kept && !event_pending(q->ev_flush, EV_TIMEOUT, NULL))
		event_active(q->ev_flush, EV_TIMEOUT, 0);
}

static void
queue_on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	queue_flush_all(arg, 0);
}

/*
 * The batches go when the loop iteration ends, or at once when b, the one
 * just added to, is full enough (QUEUE_SEND_AT): every batch goes then,
 * written to the socket before the caller goes on.
 */
static void
queue_batch_soon(struct queue *q, size_t ncalls)
{
	if (ncalls >= QUEUE_SEND_AT) {
		queue_flush_all(q, 1);
		redis_write_now(q->writer);
		return;
	}
	if (!event_pending(q->ev_flush, EV_TIMEOUT, NULL))
		event_active(q->ev_flush, EV_TIMEOUT, 0);
}

int
queue_begin(struct queue *q, const char *event_id, const char *stream_id,
    int claim, const struct queue_check *v, size_t nkeys, queue_begin_cb cb,
    void *arg)
{
	if (!redis_is_up(q->writer))
		return -1;
	if (q->begins == NULL)
		q->begins = queue_begins_new(q);
	queue_begins_add(q->begins, event_id, stream_id, claim, v, nkeys, cb,
	    arg);
	queue_batch_soon(q, queue_begins_calls(q->begins));
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
		q->states = queue_batch_new(q, QUEUE_STATES);
	queue_args_add(&q->states->args, event_id, strlen(event_id));
	queue_args_add(&q->states->args, stream_id, strlen(stream_id));
	queue_args_add(&q->states->args, claim ? "1" : "0", 1);
	queue_args_add(&q->states->args, fn, strlen(fn));
	queue_args_add(&q->states->args, retry ? "r" : "", retry ? 1 : 0);
	queue_args_addll(&q->states->args, (long long)order_ms);
	queue_args_addll(&q->states->args, args != NULL ? args->n : 0);
	if (args != NULL)
		queue_args_cat(&q->states->args, args);
	c = queue_batch_call(q->states);
	c->state_cb = cb;
	c->arg = arg;
	queue_batch_soon(q, q->states->ncalls);
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
		q->commits = queue_batch_new(q, QUEUE_COMMITS);
	queue_records_split(&q->commits->recs, &q->commits->args, ops,
	    q->redis.prefix, q->redis.deliveries_maxlen);
	if (*stream_id != '\0') {
		queue_args_add(&q->commits->args, "A", 1);
		queue_args_add(&q->commits->args, stream_id, strlen(stream_id));
	}
	c = queue_batch_call(q->commits);
	c->commit_cb = cb;
	c->arg = arg;
	queue_batch_soon(q, q->commits->ncalls);
	return 0;
}
