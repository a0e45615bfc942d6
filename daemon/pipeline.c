/*
 * The pipeline: from one stream entry to durable outcomes and an ack.
 *
 * A job is one stream entry in flight. It owns the entry (original bytes),
 * the decoded envelope, its deliveries and their rendered messages; one
 * pipeline_job_free() releases everything. A job ends in exactly one of two
 * ways: its commit succeeded (outcomes written, entry acked and deleted, in
 * one script), or Redis failed under it, and then it is dropped unacked:
 * the entry stays pending and is read again, and sent markers plus
 * Idempotency-Key keep a second pass from sending twice.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "backoff.h"
#include "admin.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "gw.h"
#include "handlers.h"
#include "idkey.h"
#include "log.h"
#include "pipeline.h"
#include "plan.h"
#include "queue.h"
#include "territory.h"
#include "tz.h"
#include "window.h"

enum pipeline_outcome {
	OUTCOME_PENDING,
	OUTCOME_SENT,
	OUTCOME_RETRY,
	OUTCOME_DEAD,
	OUTCOME_SKIPPED,
};

static const char *pipeline_outcome_names[] = {
	"pending", "sent", "retry", "dead", "skipped"
};

struct pipeline_job;

/* What the pipeline adds to a planned delivery: its fate at the gateway. */
struct pipeline_delivery {
	struct pipeline_job	*job;
	struct plan_delivery	*pd;
	const char		*gateway;
	long			 attempt;	/* attempts spent before this one */
	long			 waits;
	long			 next_attempt;	/* carried by a retry */
	long			 next_waits;
	enum pipeline_outcome	 outcome;
	char			 reason[256];
	char			 provider_id[128];
	long long		 due_ms;
	double			 ms;
	struct gw		*held;		/* chosen gateway, awaiting a rate slot */
	char			 supp[320];	/* "<channel>:<address>" */
	int			 optout;	/* the provider said they opted out */
	int			 was_sent;	/* skipped: an earlier read sent it */
	char			 cap[IDKEY_LEN + 24];	/* "rcpt:<key>:<date>" */
	struct event		*ev_hold;	/* until that slot */
};

/* How long a recipient's count of the day is kept (ms): past their day. */
#define PIPELINE_CAP_TTL_MS	(2 * 86400000LL)

/* A rate slot further than this is waited for in Redis, not in memory. */
#define PIPELINE_RATE_HOLD_MS	2000

struct pipeline_job {
	struct pipeline			*p;
	struct pipeline_conf		*conf;
	struct queue_entry		*e;
	struct envelope			 env;
	int				 parsed;
	char				 logid[160];	/* env.id for the log */
	struct handler_state		 hs;		/* the handler's ask of Redis */
	json_t				*state;		/* and Redis's answer */
	struct queue_rows		*rows[HANDLER_READS_MAX];
	struct handler_rows		 hrows[HANDLER_READS_MAX];
	int				 awaiting;	/* state and reads */
	int				 state_failed;
	char				 state_bad[256];
	struct plan			 plan;
	struct pipeline_delivery	*d;
	size_t				 nd;
	size_t				 outstanding;	/* at a gateway */
	int				 dup;
	char				 dead[512];	/* event-level reason */
	struct timespec			 started;
	TAILQ_ENTRY(pipeline_job)	 entry;
};
TAILQ_HEAD(pipeline_jobs, pipeline_job);

/* One labelled counter; labels packed "v1\0v2\0...", bounded by config. */
struct pipeline_counter {
	char		*labels;
	size_t		 len;
	unsigned long	 n;
};

struct pipeline_counters {
	struct pipeline_counter	*v;
	size_t			 n;
};

/* Latency of one gateway's answers. */
struct pipeline_latency {
	char			*gateway;
	struct admin_histogram	 h;
};

/*
 * A configuration and the gateways built from it. Each job holds the one it
 * started under, so a reload never changes the rules under a job in flight;
 * the last job of an old configuration frees it.
 */
struct pipeline_conf {
	struct config	*cf;
	struct gw_set	*gws;
	unsigned	 refs;
};

struct pipeline {
	struct event_base	*base;
	struct pipeline_conf	*cur;
	unsigned long		 reloads;
	struct queue		*q;
	struct pipeline_jobs	 jobs;
	size_t			 njobs;
	struct event		*ev_drained;
	pipeline_drained_cb	 drained_cb;
	void			*drained_arg;
	unsigned long		 commit_failures;	/* outcomes Redis refused */
	struct pipeline_counters events;	/* type, outcome */
	struct pipeline_counters deliveries;	/* outcome, channel, territory, gateway */
	struct pipeline_latency	*latency;
	size_t			 nlatency;
};

static void	pipeline_commit(struct pipeline_job *);

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

/* Adds one to the counter of these labels (a NULL-ended list). */
static void
pipeline_count(struct pipeline_counters *c, ...)
{
	struct buf	 key;
	const char	*l;
	va_list		 ap;
	size_t		 i;

	buf_init(&key);
	va_start(ap, c);
	while ((l = va_arg(ap, const char *)) != NULL)
		buf_append(&key, l, strlen(l) + 1);
	va_end(ap);
	for (i = 0; i < c->n; i++) {
		if (c->v[i].len == key.len &&
		    memcmp(c->v[i].labels, key.data, key.len) == 0) {
			c->v[i].n++;
			buf_free(&key);
			return;
		}
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n].len = key.len;
	c->v[c->n].labels = buf_steal(&key, NULL);
	c->v[c->n].n = 1;
	c->n++;
}

static void
pipeline_counters_free(struct pipeline_counters *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].labels);
	free(c->v);
}

static void
pipeline_observe(struct pipeline *p, const char *gateway, double ms)
{
	size_t	i;

	for (i = 0; i < p->nlatency; i++) {
		if (strcmp(p->latency[i].gateway, gateway) == 0)
			break;
	}
	if (i == p->nlatency) {
		p->latency = xrealloc(p->latency, (i + 1) * sizeof *p->latency);
		memset(&p->latency[i], 0, sizeof p->latency[i]);
		p->latency[i].gateway = xstrdup(gateway);
		p->nlatency++;
	}
	admin_histogram_observe(&p->latency[i].h, ms);
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
	for (i = 0; i < j->nd; i++) {
		if (j->d[i].ev_hold != NULL)
			event_free(j->d[i].ev_hold);
	}
	free(j->d);
	plan_clear(&j->plan);
	pipeline_rows_free(j);
	handler_state_clear(&j->hs);
	json_decref(j->state);
	pipeline_conf_release(j->conf);
	envelope_clear(&j->env);
	queue_entry_free(j->e);
	free(j);
	if (p->drained_cb != NULL && p->njobs == 0)
		event_active(p->ev_drained, EV_TIMEOUT, 0);
	else
		queue_kick(p->q);
}

static const char *
pipeline_event_id(const struct pipeline_job *j)
{
	return j->logid[0] != '\0' ? j->logid : "-";
}

static void
pipeline_fail(struct pipeline_delivery *d, enum pipeline_outcome o,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
pipeline_fail(struct pipeline_delivery *d, enum pipeline_outcome o,
    const char *fmt, ...)
{
	va_list	ap;

	d->outcome = o;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof d->reason, fmt, ap);
	va_end(ap);
	/*
	 * Reasons quote providers' answers and are cut to fit: never leave a
	 * cut character for the JSON records and logs downstream.
	 */
	envelope_utf8_scrub(d->reason);
}

/* The suppression list's id of a recipient: channel and lower-cased address. */
static void
pipeline_supp_id(struct pipeline_delivery *d)
{
	size_t	i, n;

	n = (size_t)snprintf(d->supp, sizeof d->supp, "%s:%s", d->pd->channel,
	    d->pd->to);
	for (i = 0; i < n && i < sizeof d->supp; i++) {
		if (d->supp[i] >= 'A' && d->supp[i] <= 'Z')
			d->supp[i] = (char)(d->supp[i] - 'A' + 'a');
	}
}

/*
 * The recipient's count of messages of the day (their territory's day),
 * under a key that does not show the address; "" when there is no bound.
 */
static void
pipeline_cap_key(struct pipeline_delivery *d, long max)
{
	char	key[IDKEY_LEN + 1];
	int64_t	y;
	int	m, dd;

	d->cap[0] = '\0';
	if (max <= 0)
		return;
	idkey_recipient(d->supp, key);
	tz_civil_from_days(tz_local_day(d->pd->terr->tz, clock_now_ms()), &y,
	    &m, &dd);
	snprintf(d->cap, sizeof d->cap, "rcpt:%s:%04d-%02d-%02d", key,
	    (int)(y % 10000), m % 100, dd % 100);
}

/* A recipient had their messages of the day: theirs waits for tomorrow. */
static void
pipeline_capped(struct pipeline_delivery *d)
{
	const struct tz	*tz = d->pd->terr->tz;
	char		 at[40];

	d->next_attempt = d->attempt;
	d->next_waits = d->waits;
	d->due_ms = tz_local_to_utc(tz, (tz_local_day(tz, clock_now_ms()) + 1) *
	    86400) * 1000;
	clock_rfc3339(d->due_ms, at, sizeof at);
	pipeline_fail(d, OUTCOME_RETRY, "the recipient had %ld messages today "
	    "(limits.max_per_recipient_per_day): deferred to %s",
	    d->job->conf->cf->limits.max_per_recipient_day, at);
}

/*
 * Decodes the entry and asks its handler what it needs from Redis, or sets
 * an event-level dead letter.
 */
static void
pipeline_decode(struct pipeline_job *j)
{
	const struct config		*cf = j->conf->cf;
	const struct handler		*h;
	struct envelope_limits		 lim;
	struct queue_entry		*e = j->e;
	struct handler_ctx		 ctx;

	if (e->event == NULL) {
		snprintf(j->dead, sizeof j->dead, "stream entry has no "
		    "\"event\" field");
		return;
	}
	if (e->delivered > cf->redis.max_deliveries) {
		snprintf(j->dead, sizeof j->dead, "poison message: read %ld "
		    "times without completing", e->delivered);
		return;
	}
	lim.max_bytes = (size_t)cf->limits.max_event_bytes;
	lim.max_depth = (int)cf->limits.max_depth;
	if (envelope_parse(e->event, e->len, &lim, &j->env, j->dead,
	    sizeof j->dead) == -1)
		return;
	j->parsed = 1;
	log_value(j->env.id, j->logid, sizeof j->logid);
	if ((h = handler_find(j->env.type)) == NULL) {
		snprintf(j->dead, sizeof j->dead, "unknown event type \"%s\"",
		    j->env.type);
		return;
	}
	ctx.cf = cf;
	ctx.now_ms = clock_now_ms();
	ctx.retry = e->retry_key != NULL;
	if (h->prepare != NULL && h->prepare(&j->env, &ctx, &j->hs, j->dead,
	    sizeof j->dead) == -1)
		return;
}

/* Plans the deliveries from the handler's answer, or an event-level dead letter. */
static void
pipeline_plan(struct pipeline_job *j)
{
	const struct config		*cf = j->conf->cf;
	struct queue_entry		*e = j->e;
	struct pipeline_delivery	*d;
	size_t				 i;

	struct handler_ctx		 ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.cf = cf;
	ctx.now_ms = clock_now_ms();
	ctx.retry = e->retry_key != NULL;
	for (i = 0; i < j->hs.nreads; i++) {
		j->hrows[i].v = (const char *const *)j->rows[i]->v;
		j->hrows[i].len = j->rows[i]->len;
		j->hrows[i].n = j->rows[i]->n;
	}
	ctx.rows = j->hrows;
	ctx.nrows = j->hs.nreads;
	if (plan_build(&ctx, &j->env, j->state, &j->plan, j->dead,
	    sizeof j->dead) == -1)
		return;
	/*
	 * A retry entry carries one delivery: keep that one only. When the
	 * config changed so that it no longer exists (template renamed,
	 * address changed), the event is dead-lettered, to be replayed; when
	 * the handler has nothing to send any more (the person departed, was
	 * forgotten), the retry is dropped.
	 */
	if (e->retry_key != NULL && plan_keep(&j->plan, e->retry_key) == 0) {
		if (j->plan.out.n == 0)
			return;
		snprintf(j->dead, sizeof j->dead, "retry of delivery %s, which "
		    "the current configuration no longer produces",
		    e->retry_key);
		return;
	}
	j->nd = j->plan.n;
	j->d = xcalloc(j->nd, sizeof *j->d);
	for (i = 0; i < j->nd; i++) {
		d = &j->d[i];
		d->job = j;
		d->pd = &j->plan.v[i];
		d->gateway = d->pd->route != NULL && d->pd->route->ngateways > 0 ?
		    d->pd->route->gateways[0] : "-";
		pipeline_supp_id(d);
		pipeline_cap_key(d, cf->limits.max_per_recipient_day);
		d->attempt = e->retry_key != NULL ? e->attempt : 0;
		d->waits = e->retry_key != NULL ? e->waits : 0;
		if (d->pd->status != PLAN_SEND)
			pipeline_fail(d, d->pd->status == PLAN_SKIP ?
			    OUTCOME_SKIPPED : OUTCOME_DEAD, "%s", d->pd->reason);
	}
}

static void
pipeline_log(const struct pipeline_job *j, const struct pipeline_delivery *d)
{
	char	masked[128], to[300], quoted[512];

	/* an invalid address is as the producer wrote it: quoted if need be */
	log_value(log_mask(d->pd->to, masked, sizeof masked), to, sizeof to);
	log_info("event=%s type=%s territory=%s role=%s channel=%s "
	    "language=%s gateway=%s outcome=%s key=%s to=%s attempt=%ld "
	    "ms=%.0f%s%s%s", pipeline_event_id(j), j->env.type, d->pd->territory,
	    d->pd->role, d->pd->channel, d->pd->msg.language[0] ? d->pd->msg.language : "-",
	    d->gateway, pipeline_outcome_names[d->outcome], d->pd->key,
	    to, d->attempt + 1, d->ms,
	    d->reason[0] ? " reason=\"" : "",
	    log_escape(d->reason, quoted, sizeof quoted),
	    d->reason[0] ? "\"" : "");
}

static void
pipeline_on_committed(int ok, void *arg)
{
	struct pipeline_job	*j = arg;
	struct pipeline		*p = j->p;
	char			 quoted[1024];
	size_t			 i;

	if (!ok) {
		/* not acked: the entry stays pending and comes back; what the
		 * gateways accepted must not go again: the markers are owed */
		for (i = 0; i < j->nd; i++) {
			if (j->d[i].outcome == OUTCOME_SENT)
				queue_owe_sent(p->q, j->d[i].pd->key);
		}
		p->commit_failures++;
		log_warnx("event=%s stream=%s outcome=unrecorded (Redis "
		    "failed; the entry will be read again)",
		    pipeline_event_id(j), j->e->id);
		queue_recover_own(p->q);
		pipeline_job_free(j);
		return;
	}
	pipeline_count(&p->events, !j->parsed ? "invalid" :
	    handler_find(j->env.type) == NULL ? "unknown" : j->env.type,
	    j->dead[0] != '\0' ? "dead" : j->dup ? "duplicate" : "done", NULL);
	if (j->dead[0] != '\0') {
		log_warnx("event=%s stream=%s outcome=dead reason=\"%s\"",
		    pipeline_event_id(j), j->e->id,
		    log_escape(j->dead, quoted, sizeof quoted));
	} else if (j->dup) {
		log_info("event=%s type=%s outcome=duplicate",
		    pipeline_event_id(j), j->env.type);
	} else if (j->plan.out.note[0] != '\0') {
		log_info("event=%s type=%s outcome=done note=\"%s\"",
		    pipeline_event_id(j), j->env.type,
		    log_escape(j->plan.out.note, quoted, sizeof quoted));
	}
	for (i = 0; i < j->nd && !j->dup && j->dead[0] == '\0'; i++) {
		pipeline_log(j, &j->d[i]);
		pipeline_count(&p->deliveries,
		    pipeline_outcome_names[j->d[i].outcome], j->d[i].pd->channel,
		    j->d[i].pd->territory, j->d[i].gateway, NULL);
	}
	pipeline_job_free(j);
}

static void
pipeline_field(struct queue_args *a, const char *name, const char *value)
{
	queue_args_add(a, name, strlen(name));
	queue_args_add(a, value != NULL ? value : "", value != NULL ?
	    strlen(value) : 0);
}

/* The dead-letter record: reason, original bytes, where it came from. */
static void
pipeline_op_dead(struct pipeline_job *j, struct queue_args *a,
    const char *reason, const struct pipeline_delivery *d)
{
	const struct queue_entry	*e = j->e;
	char				 at[40];

	size_t				 i, raw;

	/* fields that JSON cannot carry (not UTF-8) are kept verbatim */
	raw = e->event == NULL && e->fields == NULL ? e->nraw / 2 : 0;
	gw_rfc3339(at, sizeof at);
	queue_op_record(a, 1, (d != NULL ? 9 : 6) + (int)raw);
	pipeline_field(a, "reason", reason);
	if (e->event != NULL) {
		queue_args_add(a, "payload", 7);
		queue_args_add(a, e->event, e->len);
	} else {
		pipeline_field(a, "payload", e->fields);
	}
	for (i = 0; i < raw; i++) {
		struct buf name;

		buf_init(&name);
		buf_puts(&name, "field:");
		buf_append(&name, e->raw[2 * i], e->rawlen[2 * i]);
		queue_args_add(a, name.data, name.len);
		queue_args_add(a, e->raw[2 * i + 1], e->rawlen[2 * i + 1]);
		buf_free(&name);
	}
	pipeline_field(a, "event_id", j->parsed ? j->env.id : "");
	pipeline_field(a, "stream_id", e->id);
	queue_args_add(a, "attempts", 8);
	queue_args_addf(a, "%ld", d != NULL ? d->attempt + 1 : e->delivered);
	pipeline_field(a, "at", at);
	if (d != NULL) {
		pipeline_field(a, "delivery_key", d->pd->key);
		pipeline_field(a, "channel", d->pd->channel);
		pipeline_field(a, "role", d->pd->role);
	}
}

/* One entry of the deliveries stream; no message body, address masked. */
static void
pipeline_op_delivery(struct pipeline_job *j, struct queue_args *a,
    const struct pipeline_delivery *d)
{
	char	at[40], masked[128];

	gw_rfc3339(at, sizeof at);
	queue_op_record(a, 0, d->pd->encoding != NULL ? 17 : 15);
	pipeline_field(a, "key", d->pd->key);
	pipeline_field(a, "event_id", j->env.id);
	pipeline_field(a, "type", j->env.type);
	pipeline_field(a, "territory", d->pd->territory);
	pipeline_field(a, "role", d->pd->role);
	pipeline_field(a, "channel", d->pd->channel);
	pipeline_field(a, "language", d->pd->msg.language);
	pipeline_field(a, "gateway", d->gateway);
	pipeline_field(a, "template", d->pd->template);
	pipeline_field(a, "outcome", pipeline_outcome_names[d->outcome]);
	pipeline_field(a, "reason", d->reason);
	queue_args_add(a, "attempt", 7);
	queue_args_addf(a, "%ld", d->attempt + 1);
	pipeline_field(a, "provider_id", d->provider_id);
	pipeline_field(a, "to", log_mask(d->pd->to, masked, sizeof masked));
	pipeline_field(a, "at", at);
	if (d->pd->encoding != NULL) {
		pipeline_field(a, "encoding", d->pd->encoding);
		queue_args_add(a, "segments", 8);
		queue_args_addf(a, "%ld", d->pd->segments);
	}
}

/* An opt-out the provider reported goes on the suppression list, dated. */
static void
pipeline_op_suppress(struct queue_args *a, const struct pipeline_delivery *d)
{
	json_t	*rec;
	char	 at[40], *s;

	gw_rfc3339(at, sizeof at);
	/* the reason quotes the provider: nothing from outside reaches fatal */
	rec = json_pack("{s:s, s:s, s:s}", "at", at, "source", d->gateway,
	    "reason", d->reason);
	if (rec == NULL)
		rec = json_pack("{s:s, s:s}", "at", at, "source", d->gateway);
	if (rec == NULL || (s = json_dumps(rec, JSON_COMPACT)) == NULL) {
		log_warnx("pipeline: cannot encode a suppression record: "
		    "recorded without details");
		queue_op_suppress(a, d->supp, "{}");
		json_decref(rec);
		return;
	}
	queue_op_suppress(a, d->supp, s);
	free(s);
	json_decref(rec);
}

/* Effect e, [name, args...], to run as name ("!" taken off). */
static void
pipeline_op_effect(struct queue_args *a, const char *name, const json_t *e)
{
	struct queue_args	 args;
	const json_t		*v;
	size_t			 k;

	queue_args_init(&args);
	for (k = 1; k < json_array_size(e); k++) {
		v = json_array_get(e, k);
		queue_args_add(&args, json_string_value(v),
		    json_string_length(v));
	}
	queue_op_effect(a, name, &args);
	queue_args_clear(&args);
}

/* What the handler asked to record with the outcomes (ledger, digest, ...). */
static void
pipeline_op_effects(struct pipeline_job *j, struct queue_args *a)
{
	const json_t		*e;
	const char		*name;
	size_t			 i;
	int			 settled = 1;

	for (i = 0; i < j->nd; i++) {
		if (j->d[i].outcome == OUTCOME_RETRY)
			settled = 0;
	}
	json_array_foreach(j->plan.out.effects, i, e) {
		name = json_string_value(json_array_get(e, 0));
		if (name == NULL || (*name == '!' && !settled))
			continue;
		pipeline_op_effect(a, *name == '!' ? name + 1 : name, e);
	}
}

/*
 * A notification's on_sent effect when one of its channels went out (now
 * or on an earlier read), its on_failed one when none did and none will.
 */
static void
pipeline_op_outcomes(struct pipeline_job *j, struct queue_args *a)
{
	const struct notification	*n;
	const struct pipeline_delivery	*d;
	size_t				 i, k;
	int				 sent, open, any;

	for (i = 0; i < j->plan.out.n; i++) {
		n = &j->plan.out.v[i];
		if (n->on_sent == NULL && n->on_failed == NULL)
			continue;
		sent = open = any = 0;
		for (k = 0; k < j->nd; k++) {
			d = &j->d[k];
			if (d->pd->note != i)
				continue;
			any = 1;
			if (d->outcome == OUTCOME_SENT || d->was_sent)
				sent = 1;
			else if (d->outcome == OUTCOME_RETRY ||
			    d->outcome == OUTCOME_PENDING)
				open = 1;
		}
		if (sent && n->on_sent != NULL)
			pipeline_op_effect(a, json_string_value(json_array_get(
			    n->on_sent, 0)), n->on_sent);
		else if (!sent && any && !open && n->on_failed != NULL)
			pipeline_op_effect(a, json_string_value(json_array_get(
			    n->on_failed, 0)), n->on_failed);
	}
}

static void
pipeline_ops(struct pipeline_job *j, struct queue_args *a)
{
	struct pipeline_delivery	*d;
	struct buf			 member;
	size_t				 i;

	if (j->dead[0] != '\0') {
		pipeline_op_dead(j, a, j->dead, NULL);
		return;
	}
	if (!j->dup) {
		pipeline_op_effects(j, a);
		pipeline_op_outcomes(j, a);
	}
	for (i = 0; i < j->nd && !j->dup; i++) {
		d = &j->d[i];
		switch (d->outcome) {
		case OUTCOME_SENT:
			queue_op_sent(a, d->pd->key);
			if (d->cap[0] != '\0')
				queue_op_count(a, d->cap, PIPELINE_CAP_TTL_MS);
			break;
		case OUTCOME_RETRY:
			buf_init(&member);
			buf_printf(&member, "retry %ld %ld %s ",
			    d->next_attempt, d->next_waits, d->pd->key);
			buf_append(&member, j->e->event, j->e->len);
			queue_op_schedule(a, d->due_ms, member.data, member.len);
			buf_free(&member);
			break;
		case OUTCOME_DEAD:
			pipeline_op_dead(j, a, d->reason, d);
			if (d->optout)
				pipeline_op_suppress(a, d);
			break;
		default:
			break;
		}
		pipeline_op_delivery(j, a, d);
	}
}

static void
pipeline_commit(struct pipeline_job *j)
{
	struct queue_args	a;

	queue_args_init(&a);
	pipeline_ops(j, &a);
	if (queue_commit(j->p->q, j->e->id, &a, pipeline_on_committed, j) == -1)
		pipeline_on_committed(0, j);
	queue_args_clear(&a);
}

static void
pipeline_on_marker(int ok, void *arg)
{
	(void)ok;
	(void)arg;	/* best effort: the commit writes the marker again */
}

/* Marks one delivery sent at once when others of its job are still out. */
static void
pipeline_mark_sent(struct pipeline_delivery *d)
{
	struct queue_args	a;

	queue_args_init(&a);
	queue_op_sent(&a, d->pd->key);
	queue_commit(d->job->p->q, "", &a, pipeline_on_marker, NULL);
	queue_args_clear(&a);
}

static void
pipeline_on_sent(const struct gw_result *res, void *arg)
{
	struct pipeline_delivery	*d = arg;
	struct pipeline_job		*j = d->job;
	const struct config_limits	*lim = &j->conf->cf->limits;
	int64_t				 delay;

	d->ms = res->ms;
	pipeline_observe(j->p, d->gateway, res->ms);
	switch (res->status) {
	case GW_SENT:
		d->outcome = OUTCOME_SENT;
		snprintf(d->provider_id, sizeof d->provider_id, "%s",
		    res->provider_id);
		if (j->outstanding > 1)
			pipeline_mark_sent(d);
		break;
	case GW_PERMANENT:
		pipeline_fail(d, OUTCOME_DEAD, "%s", res->reason);
		d->optout = res->optout;
		break;
	case GW_WAIT:
	case GW_RETRY:
		/* a wait asked by the gateway spends no attempt */
		d->next_attempt = d->attempt + (res->status == GW_RETRY);
		d->next_waits = d->waits + (res->status == GW_WAIT);
		if (d->next_attempt >= lim->max_attempts) {
			pipeline_fail(d, OUTCOME_DEAD, "gave up after %ld "
			    "attempts: %s", d->next_attempt, res->reason);
			break;
		}
		if (d->next_waits > lim->max_waits) {
			pipeline_fail(d, OUTCOME_DEAD, "gateway kept asking to "
			    "wait (%ld times): %s", d->next_waits, res->reason);
			break;
		}
		delay = backoff_delay_ms(lim->backoff_base_ms,
		    lim->backoff_cap_ms, res->status == GW_WAIT ? d->waits :
		    d->attempt, backoff_random());
		delay = backoff_retry_ms(delay, res->retry_after_s,
		    lim->retry_after_max_ms);
		d->due_ms = clock_now_ms() + delay;
		pipeline_fail(d, OUTCOME_RETRY, "%s (retry in %lld ms)",
		    res->reason, (long long)delay);
		break;
	}
	if (--j->outstanding == 0)
		pipeline_commit(j);
}

/*
 * Outside its route's time window a delivery is deferred to the window's
 * next opening: scheduled like a retry, spending nothing. Returns 1 when
 * the delivery was deferred (or can never go), 0 when it may go now.
 */
static int
pipeline_window(struct pipeline_delivery *d)
{
	const struct config_window	*w = d->pd->route->window;
	const struct window		*win;
	int64_t				 now = clock_now_ms(), next;
	char				 at[40];

	if (w == NULL)
		return 0;
	/* the territory's own version, when it has holidays of its own */
	if ((win = territory_window(d->pd->terr, w->name)) == NULL)
		win = w->w;
	if (window_is_open(win, now))
		return 0;
	if (window_next_open(win, now, &next) == -1) {
		pipeline_fail(d, OUTCOME_DEAD, "window %s does not open in the "
		    "next %d days", w->name, WINDOW_HORIZON_DAYS);
		return 1;
	}
	d->next_attempt = d->attempt;
	d->next_waits = d->waits;
	d->due_ms = next;
	clock_rfc3339(next, at, sizeof at);
	pipeline_fail(d, OUTCOME_RETRY, "outside window %s: deferred to %s",
	    w->name, at);
	return 1;
}

/*
 * The first gateway of the route, in failover order, whose breaker lets a
 * message through; NULL, with the shortest wait, when none does.
 */
static struct gw *
pipeline_gateway(struct pipeline_delivery *d, long long *wait_ms)
{
	const struct config_route	*r = d->pd->route;
	struct gw			*g;
	long long			 w;
	size_t				 k;

	*wait_ms = -1;
	for (k = 0; k < r->ngateways; k++) {
		if ((g = gw_set_find(d->job->conf->gws, r->gateways[k])) == NULL)
			continue;
		if (gw_available(g, &w)) {
			d->gateway = r->gateways[k];
			return g;
		}
		if (*wait_ms == -1 || w < *wait_ms)
			*wait_ms = w;
	}
	if (*wait_ms == -1)
		*wait_ms = 1000;
	return NULL;
}

static void
pipeline_msg(const struct pipeline_delivery *d, struct gw_msg *m)
{
	const struct pipeline_job	*j = d->job;

	memset(m, 0, sizeof *m);
	m->key = d->pd->key;
	m->event_id = j->env.id;
	m->type = j->env.type;
	m->territory = d->pd->territory;
	m->role = d->pd->role;
	m->channel = d->pd->channel;
	m->language = d->pd->msg.language;
	m->template = d->pd->template;
	m->from = d->pd->from;
	m->from_name = d->pd->from_name;
	m->reply_to = d->pd->reply_to;
	m->to = d->pd->to;
	m->subject = d->pd->msg.subject;
	m->text = d->pd->msg.text;
	m->html = d->pd->msg.html;
	m->unsubscribe_url = d->pd->unsubscribe_url;
	m->gateway = d->gateway;
}

/* A result made here rather than by a gateway (no gateway, refused, ...). */
static void
pipeline_result(struct pipeline_delivery *d, enum gw_status st,
    long retry_after_s, const char *reason)
{
	struct gw_result	res;

	memset(&res, 0, sizeof res);
	res.status = st;
	res.retry_after_s = retry_after_s;
	snprintf(res.reason, sizeof res.reason, "%s", reason);
	pipeline_on_sent(&res, d);
}

static void
pipeline_dispatch(struct pipeline_delivery *d, struct gw *g)
{
	struct gw_msg	m;
	char		why[128];

	pipeline_msg(d, &m);
	if (gw_send(g, &m, pipeline_on_sent, d) == -1) {
		snprintf(why, sizeof why, "gateway %s refused the message",
		    d->gateway);
		pipeline_result(d, GW_RETRY, -1, why);
	}
}

static void
pipeline_on_hold(evutil_socket_t fd, short what, void *arg)
{
	struct pipeline_delivery	*d = arg;

	(void)fd;
	(void)what;
	pipeline_dispatch(d, d->held);
}

/*
 * The gateway's shared rate answered: send now, in a moment (a slot is
 * reserved), or, when the next slot is far, wait through the scheduled set
 * like any wait a gateway asks for (no attempt spent).
 */
static void
pipeline_on_rate(int ok, long long wait_ms, void *arg)
{
	struct pipeline_delivery	*d = arg;
	struct timeval			 tv;

	if (!ok) {
		pipeline_result(d, GW_WAIT, 1, "rate limit unavailable (Redis)");
		return;
	}
	if (wait_ms < 0) {
		pipeline_result(d, GW_WAIT, (long)((-wait_ms + 999) / 1000),
		    "gateway rate limit reached");
		return;
	}
	if (wait_ms == 0) {
		pipeline_dispatch(d, d->held);
		return;
	}
	tv.tv_sec = (time_t)(wait_ms / 1000);
	tv.tv_usec = (suseconds_t)((wait_ms % 1000) * 1000);
	if ((d->ev_hold = evtimer_new(d->job->p->base, pipeline_on_hold,
	    d)) == NULL || evtimer_add(d->ev_hold, &tv) == -1)
		fatalx("pipeline: cannot arm a timer");
}

static void
pipeline_send(struct pipeline_job *j)
{
	struct pipeline_delivery	*d;
	struct gw			*g;
	long long			 wait_ms;
	size_t				 i;

	j->outstanding = 1;	/* held until every send is issued */
	for (i = 0; i < j->nd; i++) {
		d = &j->d[i];
		if (d->outcome != OUTCOME_PENDING || pipeline_window(d))
			continue;
		j->outstanding++;
		if ((g = pipeline_gateway(d, &wait_ms)) == NULL) {
			/* an outage is waited out, never dead-lettered */
			pipeline_result(d, GW_WAIT, (long)((wait_ms + 999) / 1000),
			    "no gateway of the route is available (circuit open)");
			continue;
		}
		if (g->rate_interval_ms == 0) {
			pipeline_dispatch(d, g);
			continue;
		}
		d->held = g;
		if (queue_rate(j->p->q, g->name, g->rate_interval_ms,
		    g->rate_tolerance_ms, PIPELINE_RATE_HOLD_MS, pipeline_on_rate,
		    d) == -1)
			pipeline_result(d, GW_WAIT, 1, "rate limit unavailable "
			    "(Redis)");
	}
	if (--j->outstanding == 0)
		pipeline_commit(j);
}

/* Why a delivery is not sent after all: newer truth than its event. */
static const char *const pipeline_verdict_reasons[] = {
	[QUEUE_SENT] = "already sent",
	[QUEUE_SUPPRESSED] = "recipient opted out (suppression list)",
	[QUEUE_GONE] = "the person is no longer on record (forgotten or "
	    "expired)",
	[QUEUE_DEPARTED] = "the person has left the programme since",
	[QUEUE_NO_CONSENT] = "consent for this channel was withdrawn since",
	[QUEUE_ADDRESS_CHANGED] = "the address on record changed since",
};

static void
pipeline_on_begun(int ok, int dup, const int *verdicts, size_t n, void *arg)
{
	struct pipeline_job	*j = arg;
	size_t			 i, k;
	int			 v;

	if (!ok) {
		pipeline_on_committed(0, j);
		return;
	}
	if (dup) {
		j->dup = 1;
		pipeline_commit(j);
		return;
	}
	for (i = k = 0; i < j->nd && k < n; i++) {
		if (j->d[i].outcome != OUTCOME_PENDING)
			continue;
		v = verdicts[k++];
		j->d[i].was_sent = v == QUEUE_SENT;
		if (v == QUEUE_CAPPED)
			pipeline_capped(&j->d[i]);
		else if (v > QUEUE_GO && v <= QUEUE_ADDRESS_CHANGED)
			pipeline_fail(&j->d[i], OUTCOME_SKIPPED, "%s",
			    pipeline_verdict_reasons[v]);
		else if (v != QUEUE_GO)
			pipeline_fail(&j->d[i], OUTCOME_SKIPPED, "unknown "
			    "verdict %d from Redis", v);
	}
	pipeline_send(j);
}

/*
 * Checks what was planned against Redis right before the send: already
 * sent, opted out, and the newest truth about the person (queue_begin).
 */
static void
pipeline_begin(struct pipeline_job *j, const char *dedupe)
{
	struct pipeline		*p = j->p;
	struct queue_check	*v;
	size_t			 i, nk = 0;

	if (j->dead[0] != '\0' || j->nd == 0) {
		pipeline_commit(j);
		return;
	}
	v = xcalloc(j->nd, sizeof *v);
	for (i = 0; i < j->nd; i++) {
		if (j->d[i].outcome != OUTCOME_PENDING)
			continue;
		v[nk].key = j->d[i].pd->key;
		v[nk].supp = j->d[i].supp;
		v[nk].person = j->d[i].pd->subject;
		v[nk].check = j->d[i].pd->check;
		v[nk].cap = j->d[i].cap;
		v[nk++].capmax = j->conf->cf->limits.max_per_recipient_day;
	}
	if (queue_begin(p->q, dedupe, j->e->id, j->e->retry_key != NULL ||
	    j->e->replay, v, nk, pipeline_on_begun, j) == -1)
		pipeline_on_committed(0, j);
	free(v);
}

/* The state call and the reads are all in: plan, or give up. */
static void
pipeline_state_done(struct pipeline_job *j)
{
	if (--j->awaiting > 0)
		return;
	if (j->state_failed) {
		pipeline_on_committed(0, j);
		return;
	}
	if (j->dup) {
		pipeline_commit(j);
		return;
	}
	if (j->state_bad[0] != '\0') {
		/* our own script answered this: a bug, kept for replay */
		snprintf(j->dead, sizeof j->dead, "state function %s answered "
		    "what is not JSON: %s", j->hs.fn, j->state_bad);
		pipeline_commit(j);
		return;
	}
	pipeline_plan(j);
	pipeline_rows_free(j);	/* what was read is planned: megabytes, maybe */
	pipeline_begin(j, "");	/* the state call did the dedupe */
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
	else if ((j->state = json_loadb(s, len, 0, &err)) == NULL)
		snprintf(j->state_bad, sizeof j->state_bad, "%s", err.text);
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

static void
pipeline_on_entry(struct queue_entry *e, void *arg)
{
	struct pipeline		*p = arg;
	struct pipeline_job	*j;
	struct queue_args	 a;
	const char		*dedupe;
	size_t			 i;

	j = xcalloc(1, sizeof *j);
	j->p = p;
	j->conf = p->cur;
	j->conf->refs++;
	j->e = e;
	TAILQ_INSERT_TAIL(&p->jobs, j, entry);
	p->njobs++;
	if (e->deleted) {
		log_warnx("stream=%s payload gone (trimmed): acknowledged",
		    e->id);
		pipeline_commit(j);
		return;
	}
	pipeline_decode(j);
	if (j->dead[0] != '\0') {
		pipeline_commit(j);
		return;
	}
	/*
	 * Retries and replays skip the dedupe, when Redis knows them as
	 * relais's own (queue_lua.c): a producer cannot claim to be one.
	 */
	dedupe = j->env.id;
	if (j->hs.fn == NULL) {
		pipeline_plan(j);
		pipeline_begin(j, dedupe);
		return;
	}
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
	for (i = 0; i < json_array_size(j->hs.args); i++) {
		const json_t *v = json_array_get(j->hs.args, i);

		queue_args_add(&a, json_string_value(v), json_string_length(v));
	}
	/*
	 * A retry carries the deliveries still owed, not the event: its state
	 * function only reads. The producer's order is the event's time, else
	 * when it was first added to the stream.
	 */
	if (queue_state(p->q, dedupe, e->id, e->retry_key != NULL || e->replay,
	    j->hs.fn, e->retry_key != NULL,
	    j->env.time_ms != 0 ? j->env.time_ms : e->first_ms, &a,
	    pipeline_on_state, j) == -1)
		pipeline_on_state(0, 0, NULL, 0, j);
	queue_args_clear(&a);
	json_decref(j->hs.args);	/* copied into the batch */
	j->hs.args = NULL;
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
	size_t			 i;

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
	pipeline_counters_free(&p->events);
	pipeline_counters_free(&p->deliveries);
	for (i = 0; i < p->nlatency; i++)
		free(p->latency[i].gateway);
	free(p->latency);
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

/* Writes a counter family: one sample per label set. */
static void
pipeline_metrics_counters(struct buf *out, const char *name, const char *help,
    const struct pipeline_counters *c, const char *const *keys, size_t nkeys)
{
	const char	*v[4];
	size_t		 i, k;

	admin_metric_help(out, name, ADMIN_COUNTER, help);
	for (i = 0; i < c->n; i++) {
		v[0] = c->v[i].labels;
		for (k = 1; k < nkeys; k++)
			v[k] = v[k - 1] + strlen(v[k - 1]) + 1;
		if (nkeys == 2)
			admin_metric(out, name, (double)c->v[i].n, keys[0], v[0],
			    keys[1], v[1], NULL);
		else
			admin_metric(out, name, (double)c->v[i].n, keys[0], v[0],
			    keys[1], v[1], keys[2], v[2], keys[3], v[3], NULL);
	}
}

static void
pipeline_gauge(struct buf *out, const char *name, const char *help, double v)
{
	admin_metric_help(out, name, ADMIN_GAUGE, help);
	admin_metric(out, name, v, NULL);
}

void
pipeline_metrics(struct pipeline *p, struct buf *out)
{
	static const char *const ev_keys[] = { "type", "outcome" };
	static const char *const dl_keys[] = { "outcome", "channel",
	    "territory", "gateway" };
	const struct queue_gauges	*g = queue_gauges(p->q);
	struct gw			*gw;
	size_t				 i;

	pipeline_metrics_counters(out, "relais_events_total", "Stream entries "
	    "finished, by event type and outcome (done, dead, duplicate).",
	    &p->events, ev_keys, 2);
	pipeline_metrics_counters(out, "relais_deliveries_total", "Delivery "
	    "outcomes (sent, retry, dead, skipped) by channel, territory and "
	    "gateway.", &p->deliveries, dl_keys, 4);
	admin_metric_help(out, "relais_gateway_latency_seconds",
	    ADMIN_HISTOGRAM, "Time gateways took to answer.");
	for (i = 0; i < p->nlatency; i++)
		admin_histogram_write(out, "relais_gateway_latency_seconds",
		    &p->latency[i].h, "gateway", p->latency[i].gateway, NULL);
	admin_metric_help(out, "relais_gateway_breaker_state", ADMIN_GAUGE,
	    "Circuit breaker per gateway: 0 closed, 1 half-open, 2 open.");
	for (i = 0; i < gw_set_count(p->cur->gws); i++) {
		gw = gw_set_at(p->cur->gws, i);
		admin_metric(out, "relais_gateway_breaker_state",
		    (double)gw_breaker_state(gw), "gateway", gw->name, NULL);
	}
	pipeline_gauge(out, "relais_inflight_entries", "Stream entries being "
	    "handled by this process.", (double)p->njobs);
	admin_metric_help(out, "relais_redis_reconnects_total", ADMIN_COUNTER,
	    "Redis connections re-established after a loss.");
	admin_metric(out, "relais_redis_reconnects_total",
	    (double)queue_reconnects(p->q), NULL);
	admin_metric_help(out, "relais_commit_failures_total", ADMIN_COUNTER,
	    "Outcome writes Redis did not take (the entry is read again).");
	admin_metric(out, "relais_commit_failures_total",
	    (double)p->commit_failures, NULL);
	pipeline_gauge(out, "relais_redis_up", "Both Redis connections are up.",
	    queue_is_up(p->q));
	if (!g->valid)
		return;
	pipeline_gauge(out, "relais_stream_entries", "Entries in the events "
	    "stream (not yet finished).", (double)g->stream);
	pipeline_gauge(out, "relais_pending_entries", "Entries read by a "
	    "consumer and not yet acknowledged.", (double)g->pending);
	pipeline_gauge(out, "relais_scheduled_entries", "Retries, deferrals and "
	    "planned events waiting in the scheduled set.", (double)g->scheduled);
	pipeline_gauge(out, "relais_dead_letters", "Entries in the dead-letter "
	    "stream.", (double)g->dead);
	pipeline_gauge(out, "relais_inbox_items", "Items waiting in the inbox "
	    "list.", (double)g->inbox);
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
	p->reloads++;
	pipeline_conf_release(old);
	queue_kick(p->q);	/* max_inflight may have grown */
}

const struct config *
pipeline_config(const struct pipeline *p)
{
	return p->cur->cf;
}

