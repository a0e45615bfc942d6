/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The pipeline: from one stream entry to durable outcomes and an ack.
 *
 * A job is one stream entry in flight, a state machine (enum
 * pipeline_state): decode, state, plan, begin, send, commit, then done or
 * drop. It owns the entry (original bytes), the decoded envelope, its
 * deliveries (delivery.c) and their rendered messages; one
 * pipeline_job_free() releases everything. A job ends in exactly one of two
 * ways: its commit succeeded (outcomes written, entry acked and deleted, in
 * one script), or Redis failed under it, and then it is dropped unacked:
 * the entry stays pending and is read again, and sent markers plus
 * Idempotency-Key keep a second pass from sending twice.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "delivery.h"
#include "effects.h"
#include "envelope.h"
#include "gw.h"
#include "handlers.h"
#include "jarena.h"
#include "jsonr.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "pipeline_int.h"
#include "plan.h"
#include "queue.h"
#include "queue_args.h"
#include "queue_batch.h"
#include "record.h"

static void	pipeline_step(struct pipeline_job *, enum pipeline_state);
static void	pipeline_on_sent_all(void *);

static struct pipeline_conf *
pipeline_conf_new(struct config *cf, struct gw_set *gws)
{
	struct pipeline_conf	*c;

	c = xcalloc(1, sizeof *c);
	c->cf = cf;
	c->gws = gws;
	c->refs = 1;
	return c;
}

static void
pipeline_conf_release(struct pipeline_conf *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	gw_set_free(c->gws);
	config_free(c->cf);
	free(c);
}

/* The handler's reads (HGETALL rows), once planned or when giving up. */
static void
pipeline_rows_free(struct pipeline_job *j)
{
	size_t	i;

	for (i = 0; i < j->hs.nreads; i++) {
		queue_rows_free(j->rows[i]);
		j->rows[i] = NULL;
	}
}

static void
pipeline_job_free(struct pipeline_job *j)
{
	struct pipeline	*p = j->p;
	size_t		 i;

	TAILQ_REMOVE(&p->jobs, j, entry);
	p->njobs--;
	for (i = 0; i < j->nd; i++)
		delivery_clear(&j->d[i]);
	free(j->d);
	plan_clear(&j->plan);
	pipeline_rows_free(j);
	handler_state_clear(&j->hs);
	json_decref(j->answer);
	pipeline_conf_release(j->conf);
	envelope_clear(&j->env);
	jarena_release(&j->arena);	/* after the last tree in it */
	queue_entry_free(j->e);
	free(j->logid);
	free(j->dead);
	free(j);
	if (p->drained_cb != NULL && p->njobs == 0)
		event_active(p->ev_drained, EV_TIMEOUT, 0);
	else
		queue_kick(p->q);
}

/* DECODE: an entry trimmed away or not decodable is only acknowledged. */
static void
pipeline_decode(struct pipeline_job *j)
{
	if (j->e->deleted) {
		log_warnx("stream=%s payload gone (trimmed): acknowledged",
		    j->e->id);
		pipeline_step(j, PIPELINE_COMMIT);
		return;
	}
	if (pipeline_parse(j) == -1) {
		pipeline_step(j, PIPELINE_COMMIT);
		return;
	}
	/*
	 * Retries and replays skip the dedupe, when Redis knows them as
	 * relais's own (queue_lua.c): a producer cannot claim to be one.
	 */
	j->dedupe = j->env.id;
	pipeline_step(j, j->hs.fn != NULL ? PIPELINE_STATE : PIPELINE_PLAN);
}

/* The state call and the reads are all in: plan, or give up. */
static void
pipeline_state_done(struct pipeline_job *j)
{
	if (--j->awaiting > 0)
		return;
	if (j->state_failed) {
		pipeline_step(j, PIPELINE_DROP);
		return;
	}
	if (j->dup) {
		pipeline_step(j, PIPELINE_COMMIT);
		return;
	}
	if (j->dead != NULL) {
		/* our own script's answer was not JSON: a bug, kept for replay */
		pipeline_step(j, PIPELINE_COMMIT);
		return;
	}
	j->dedupe = "";		/* the state call did the dedupe */
	pipeline_step(j, PIPELINE_PLAN);
}

static void
pipeline_on_state(int ok, int dup, const char *s, size_t len, void *arg)
{
	struct pipeline_job	*j = arg;
	json_error_t		 err;

	if (!ok)
		j->state_failed = 1;
	else if (dup)
		j->dup = 1;
	else {
		jarena_enter(&j->arena);
		j->answer = jsonr_loadb(s, len, 0, &err);
		jarena_leave();
		if (j->answer == NULL)
			pipeline_dead(j, "state function %s answered what is "
			    "not JSON: %s", j->hs.fn, err.text);
	}
	pipeline_state_done(j);
}

static void
pipeline_on_rows(int ok, struct queue_rows *rows, void *arg)
{
	struct pipeline_job	*j = arg;
	size_t			 i;

	for (i = 0; i < j->hs.nreads && j->rows[i] != NULL; i++)
		;
	if (!ok || i == j->hs.nreads) {
		queue_rows_free(rows);
		j->state_failed = 1;
	} else
		j->rows[i] = rows;	/* replies come in the order asked */
	pipeline_state_done(j);
}

/* STATE: the handler's reads, then its state call, batched. */
static void
pipeline_fetch(struct pipeline_job *j)
{
	struct pipeline		*p = j->p;
	struct queue_entry	*e = j->e;
	struct queue_args	 a;
	size_t			 i;
	int			 rc;

	/* the reads first: they leave at once, the state call with its batch */
	j->awaiting = 1 + (int)j->hs.nreads;
	for (i = 0; i < j->hs.nreads; i++) {
		if (queue_read_hash(p->q, j->hs.reads[i], pipeline_on_rows,
		    j) == -1) {
			j->state_failed = 1;
			j->awaiting--;
		}
	}
	queue_args_init(&a);
	handler_state_args(&j->hs, &a);
	/*
	 * A retry carries the deliveries still owed, not the event: its state
	 * function only reads. The producer's order is the event's time, else
	 * when it was first added to the stream.
	 */
	rc = queue_state(p->q, j->dedupe, e->id, e->retry_key != NULL ||
	    e->replay, j->hs.fn, e->retry_key != NULL,
	    j->env.time_ms != 0 ? j->env.time_ms : e->first_ms, &a,
	    pipeline_on_state, j);
	queue_args_clear(&a);
	/* copied into the batch: the state asks for nothing more */
	queue_args_clear(&j->hs.set);
	queue_args_clear(&j->hs.more);
	j->hs.ndecl = 0;
	if (rc == -1)
		pipeline_on_state(0, 0, NULL, 0, j);
}

/* Plans from the handler's answer; -1 with an event-level dead letter. */
static int
pipeline_plan_build(struct pipeline_job *j)
{
	struct queue_entry	*e = j->e;
	struct handler_ctx	 ctx;
	char			 reason[512] = "";
	size_t			 i;
	int			 rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.cf = j->conf->cf;
	ctx.now_ms = clock_now_ms();
	ctx.retry = e->retry_key != NULL;
	for (i = 0; i < j->hs.nreads; i++) {
		j->hrows[i].v = (const char *const *)j->rows[i]->v;
		j->hrows[i].len = j->rows[i]->len;
		j->hrows[i].n = j->rows[i]->n;
	}
	ctx.rows = j->hrows;
	ctx.nrows = j->hs.nreads;
	ctx.prepared = j->hs.has_prepared ? j->hs.prepared.b : NULL;
	jarena_enter(&j->p->scratch);
	rc = plan_build(&ctx, &j->env, j->answer, &j->plan, reason,
	    sizeof reason);
	pipeline_dead_take(j, reason);
	plan_drop_vars(&j->plan);
	jarena_release(&j->p->scratch);	/* after the last value in it */
	if (rc == -1)
		return -1;
	/*
	 * A retry entry carries one delivery: keep that one only. When the
	 * config changed so that it no longer exists (template renamed,
	 * address changed), the event is dead-lettered, to be replayed; when
	 * the handler has nothing to send any more (the person departed, was
	 * forgotten), the retry is dropped (no delivery left).
	 */
	if (e->retry_key != NULL && plan_keep(&j->plan, e->retry_key) == 0 &&
	    j->plan.out.n > 0) {
		pipeline_dead(j, "retry of delivery %s, which the current "
		    "configuration no longer produces", e->retry_key);
		return -1;
	}
	return 0;
}

/* PLAN: the deliveries, each with what the plan says of it. */
static void
pipeline_plan(struct pipeline_job *j)
{
	struct queue_entry	*e = j->e;
	size_t			 i;
	int			 dedupe;

	if (pipeline_plan_build(j) == 0) {
		/* planned: the event is read no more but for its id and type */
		dedupe = *j->dedupe != '\0';
		json_decref(j->answer);
		j->answer = NULL;
		envelope_shed(&j->env, handler_find(j->env.type)->type);
		j->dedupe = dedupe ? j->env.id : "";
		jarena_release(&j->arena);	/* its page, for the next job */
		j->dj = (struct delivery_job){ .base = j->p->base, .q = j->p->q,
		    .gws = j->conf->gws, .limits = &j->conf->cf->limits,
		    .metrics = j->p->metrics, .event_id = j->env.id,
		    .logid = pipeline_event_id(j), .type = j->env.type,
		    .stream_id = e->id, .done = pipeline_on_sent_all, .arg = j };
		j->nd = j->plan.n;
		j->d = xcalloc(j->nd, sizeof *j->d);
		for (i = 0; i < j->nd; i++)
			delivery_init(&j->d[i], &j->dj, &j->plan.v[i],
			    e->retry_key != NULL ? e->attempt : 0,
			    e->retry_key != NULL ? e->waits : 0);
	}
	pipeline_rows_free(j);	/* what was read is planned: megabytes, maybe */
	pipeline_step(j, j->dead != NULL || j->nd == 0 ? PIPELINE_COMMIT :
	    PIPELINE_BEGIN);
}

static void
pipeline_on_begun(int ok, int dup, const int *verdicts, size_t n, void *arg)
{
	struct pipeline_job	*j = arg;
	size_t			 i, k;
	int			 v;

	if (!ok) {
		pipeline_step(j, PIPELINE_DROP);
		return;
	}
	if (dup) {
		j->dup = 1;
		pipeline_step(j, PIPELINE_COMMIT);
		return;
	}
	for (i = k = 0; i < j->nd && k < n; i++) {
		if (j->d[i].outcome != OUTCOME_PENDING)
			continue;
		v = verdicts[k++];
		delivery_verdict(&j->d[i], v);
	}
	pipeline_step(j, PIPELINE_SEND);
}

/*
 * BEGIN: checks what was planned against Redis right before the send:
 * already sent, opted out, and the newest truth about the person
 * (queue_begin).
 */
static void
pipeline_begin(struct pipeline_job *j)
{
	struct queue_check	*v;
	size_t			 i, nk = 0;

	v = xcalloc(j->nd, sizeof *v);
	for (i = 0; i < j->nd; i++) {
		if (j->d[i].outcome == OUTCOME_PENDING)
			delivery_check(&j->d[i], &v[nk++]);
	}
	if (queue_begin(j->p->q, j->dedupe, j->e->id, j->e->retry_key != NULL ||
	    j->e->replay, v, nk, pipeline_on_begun, j) == -1) {
		free(v);
		pipeline_step(j, PIPELINE_DROP);
		return;
	}
	free(v);
}

/* SEND: every delivery answered (delivery_send). */
static void
pipeline_on_sent_all(void *arg)
{
	pipeline_step(arg, PIPELINE_COMMIT);
}

static void
pipeline_ops(struct pipeline_job *j, struct queue_args *a)
{
	size_t	i;

	if (j->dead != NULL) {
		record_dead(a, j->e, j->parsed ? j->env.id : "", j->dead, NULL,
		    clock_now_ms());
		return;
	}
	if (j->dup)
		return;
	effects_ops(a, &j->plan.out, j->d, j->nd);
	for (i = 0; i < j->nd; i++)
		record_outcome(a, &j->d[i], j->e, j->env.id, j->env.type,
		    clock_now_ms());
}

static void
pipeline_on_committed(int ok, void *arg)
{
	pipeline_step(arg, ok ? PIPELINE_DONE : PIPELINE_DROP);
}

/* COMMIT: outcomes, records and the ack, in one atomic script. */
static void
pipeline_commit(struct pipeline_job *j)
{
	struct queue_args	a;
	int			rc;

	plan_drop_messages(&j->plan);	/* every send answered */
	queue_args_init(&a);
	pipeline_ops(j, &a);
	rc = queue_commit(j->p->q, j->e->id, &a, pipeline_on_committed, j);
	queue_args_clear(&a);
	if (rc == -1)
		pipeline_step(j, PIPELINE_DROP);
}

/* DONE: counted, logged, freed. */
static void
pipeline_done(struct pipeline_job *j)
{
	struct pipeline	*p = j->p;
	size_t		 i;

	metrics_event(p->metrics, !j->parsed ? "invalid" :
	    handler_find(j->env.type) == NULL ? "unknown" : j->env.type,
	    j->dead != NULL ? "dead" : j->dup ? "duplicate" : "done");
	if (j->dead != NULL) {
		log_kv(LOG_WARNING, NULL,
		    LOG_VAL("event", pipeline_event_id(j)),
		    LOG_STR("stream", j->e->id), LOG_STR("outcome", "dead"),
		    LOG_TEXT("reason", j->dead));
	} else if (j->dup) {
		log_kv(LOG_INFO, NULL, LOG_VAL("event", pipeline_event_id(j)),
		    LOG_STR("type", j->env.type),
		    LOG_STR("outcome", "duplicate"));
	} else if (j->plan.out.note[0] != '\0') {
		log_kv(LOG_INFO, NULL, LOG_VAL("event", pipeline_event_id(j)),
		    LOG_STR("type", j->env.type), LOG_STR("outcome", "done"),
		    LOG_TEXT("note", j->plan.out.note));
	}
	for (i = 0; i < j->nd && !j->dup && j->dead == NULL; i++) {
		delivery_log(&j->d[i]);
		metrics_delivery(p->metrics,
		    delivery_outcome_name(j->d[i].outcome), j->d[i].pd->channel,
		    j->d[i].pd->territory, j->d[i].gateway);
	}
	pipeline_job_free(j);
}

/*
 * DROP: not acked, the entry stays pending and comes back; what the
 * gateways accepted must not go again: the markers are owed.
 */
static void
pipeline_drop(struct pipeline_job *j)
{
	struct pipeline	*p = j->p;
	size_t		 i;

	for (i = 0; i < j->nd; i++) {
		if (j->d[i].outcome == OUTCOME_SENT)
			queue_owe_sent(p->q, j->d[i].pd->key);
	}
	metrics_commit_failed(p->metrics);
	log_kv(LOG_WARNING, NULL, LOG_VAL("event", pipeline_event_id(j)),
	    LOG_STR("stream", j->e->id), LOG_STR("outcome", "unrecorded"),
	    LOG_TEXT("reason", "Redis failed; the entry will be read again"));
	queue_recover_own(p->q);
	pipeline_job_free(j);
}

/* Moves j to state s and does what s does; j may be freed on return. */
static void
pipeline_step(struct pipeline_job *j, enum pipeline_state s)
{
	j->state = s;
	switch (s) {
	case PIPELINE_DECODE:
		pipeline_decode(j);
		break;
	case PIPELINE_STATE:
		pipeline_fetch(j);
		break;
	case PIPELINE_PLAN:
		pipeline_plan(j);
		break;
	case PIPELINE_BEGIN:
		pipeline_begin(j);
		break;
	case PIPELINE_SEND:
		delivery_send(j->d, j->nd, &j->dj);
		break;
	case PIPELINE_COMMIT:
		pipeline_commit(j);
		break;
	case PIPELINE_DONE:
		pipeline_done(j);
		break;
	case PIPELINE_DROP:
		pipeline_drop(j);
		break;
	}
}

static void
pipeline_on_entry(struct queue_entry *e, void *arg)
{
	struct pipeline		*p = arg;
	struct pipeline_job	*j;

	j = xcalloc(1, sizeof *j);
	j->p = p;
	j->conf = p->cur;
	j->conf->refs++;
	j->e = e;
	TAILQ_INSERT_TAIL(&p->jobs, j, entry);
	p->njobs++;
	pipeline_step(j, PIPELINE_DECODE);
}

static size_t
pipeline_room(void *arg)
{
	struct pipeline	*p = arg;
	const struct config	*cf = p->cur->cf;
	size_t		 max = (size_t)cf->limits.max_inflight;
	size_t		 low, room;

	if (p->drained_cb != NULL || p->njobs >= max)
		return 0;
	/*
	 * Resume reading only once a good batch fits: reading one entry per
	 * round trip as single jobs finish was what capped throughput.
	 */
	room = max - p->njobs;
	low = (size_t)cf->redis.batch < max / 2 ? (size_t)cf->redis.batch :
	    max / 2;
	return room >= low || p->njobs == 0 ? room : 0;
}

static int
pipeline_busy(const char *id, void *arg)
{
	struct pipeline		*p = arg;
	struct pipeline_job	*j;

	TAILQ_FOREACH(j, &p->jobs, entry) {
		if (strcmp(j->e->id, id) == 0)
			return 1;
	}
	return 0;
}

static void
pipeline_on_drained(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline	*p = arg;

	(void)fd;
	(void)what;
	if (p->njobs == 0 && p->drained_cb != NULL)
		p->drained_cb(p->drained_arg);
}

struct pipeline *
pipeline_new(struct event_base *base, struct config *cf, struct gw_set *gws)
{
	struct pipeline	*p;

	p = xcalloc(1, sizeof *p);
	p->base = base;
	p->cur = pipeline_conf_new(cf, gws);
	p->metrics = metrics_new();
	metrics_declare(p->metrics, cf);
	TAILQ_INIT(&p->jobs);
	p->q = queue_new(base, cf, pipeline_on_entry, pipeline_room,
	    pipeline_busy, p);
	if ((p->ev_drained = evtimer_new(base, pipeline_on_drained, p)) == NULL)
		fatalx("pipeline: cannot create event");
	return p;
}

void
pipeline_start(struct pipeline *p)
{
	queue_start(p->q);
}

void
pipeline_drain(struct pipeline *p, pipeline_drained_cb cb, void *arg)
{
	p->drained_cb = cb;
	p->drained_arg = arg;
	queue_stop(p->q);
	event_active(p->ev_drained, EV_TIMEOUT, 0);
}

void
pipeline_free(struct pipeline *p)
{
	struct pipeline_job	*j;

	if (p == NULL)
		return;
	p->drained_cb = NULL;
	/* gateways first, every generation: they drop callbacks into jobs */
	TAILQ_FOREACH(j, &p->jobs, entry) {
		gw_set_free(j->conf->gws);
		j->conf->gws = NULL;
	}
	gw_set_free(p->cur->gws);
	p->cur->gws = NULL;
	while ((j = TAILQ_FIRST(&p->jobs)) != NULL)
		pipeline_job_free(j);
	pipeline_conf_release(p->cur);
	queue_free(p->q);
	event_free(p->ev_drained);
	metrics_free(p->metrics);
	free(p);
}

size_t
pipeline_inflight(const struct pipeline *p)
{
	return p->njobs;
}

int
pipeline_redis_up(const struct pipeline *p)
{
	return queue_is_up(p->q);
}

void
pipeline_on_redis(struct pipeline *p, pipeline_redis_cb cb, void *arg)
{
	queue_on_up(p->q, cb, arg);
}

void
pipeline_gateway_totals(const struct pipeline *p, const char *gateway,
    unsigned long *sent, unsigned long *failed)
{
	metrics_gateway_totals(p->metrics, gateway, sent, failed);
}

void
pipeline_metrics(struct pipeline *p, struct buf *out)
{
	struct metrics_now	now;

	now.gws = p->cur->gws;
	now.inflight = p->njobs;
	now.reconnects = queue_reconnects(p->q);
	now.redis_up = queue_is_up(p->q);
	now.gauges = queue_gauges(p->q);
	metrics_write(p->metrics, &now, out);
}

int
pipeline_draining(const struct pipeline *p)
{
	return p->drained_cb != NULL;
}

void
pipeline_reload(struct pipeline *p, struct config *cf, struct gw_set *gws)
{
	struct pipeline_conf	*old = p->cur;

	p->cur = pipeline_conf_new(cf, gws);
	metrics_declare(p->metrics, cf);
	p->reloads++;
	pipeline_conf_release(old);
	queue_kick(p->q);	/* max_inflight may have grown */
}

const struct config *
pipeline_config(const struct pipeline *p)
{
	return p->cur->cf;
}
