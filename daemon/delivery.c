/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * One delivery of a job, from Redis's last word on it to its gateway's
 * answer: window, gateway choice, rate hold, send, outcome.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "backoff.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "delivery.h"
#include "envelope.h"
#include "figures.h"
#include "gw.h"
#include "log.h"
#include "metrics.h"
#include "plan.h"
#include "queue_args.h"
#include "queue_batch.h"
#include "territory.h"
#include "tz.h"
#include "utf8.h"
#include "window.h"

/* A rate slot further than this is waited for in Redis, not in memory. */
#define DELIVERY_RATE_HOLD_MS	2000

static const char *delivery_outcome_names[] = {
	"pending", "sent", "retry", "deferred", "dead", "skipped"
};

/* Why a delivery is not sent after all: newer truth than its event. */
static const char *const delivery_verdict_reasons[] = {
	[QUEUE_SENT] = "already sent",
	[QUEUE_SUPPRESSED] = "recipient opted out (suppression list)",
	[QUEUE_GONE] = "the person is no longer on record (forgotten or "
	    "expired)",
	[QUEUE_DEPARTED] = "the person has left the programme since",
	[QUEUE_NO_CONSENT] = "consent for this channel was withdrawn since",
	[QUEUE_ADDRESS_CHANGED] = "the address on record changed since",
};

const char *
delivery_outcome_name(enum delivery_outcome o)
{
	return delivery_outcome_names[o];
}

static void
delivery_fail(struct delivery *d, enum delivery_outcome o,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
delivery_fail(struct delivery *d, enum delivery_outcome o,
    const char *fmt, ...)
{
	va_list	ap;
	char	reason[256];

	d->outcome = o;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	/*
	 * Reasons quote providers' answers and are cut to fit: never leave a
	 * cut character for the JSON records and logs downstream.
	 */
	utf8_scrub(reason);
	free(d->reason);
	d->reason = xstrdup(reason);
}

/* The suppression list's id of a recipient: channel and lower-cased address. */
static void
delivery_supp_id(struct delivery *d)
{
	char	supp[320];
	size_t	i, n;

	n = buf_join(supp, sizeof supp, d->pd->channel, ':', d->pd->to);
	for (i = 0; i < n && i < sizeof supp; i++) {
		if (supp[i] >= 'A' && supp[i] <= 'Z')
			supp[i] = (char)(supp[i] - 'A' + 'a');
	}
	d->supp = xstrdup(supp);
}

/*
 * The recipient's count of messages of the day (their territory's day),
 * under a key that does not show the address; "" when there is no bound.
 */
static void
delivery_cap_key(struct delivery *d, long max)
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

void
delivery_init(struct delivery *d, struct delivery_job *job,
    struct plan_delivery *pd, long attempt, long waits)
{
	d->job = job;
	d->pd = pd;
	d->gateway = pd->route != NULL && pd->route->ngateways > 0 ?
	    pd->route->gateways[0] : "-";
	delivery_supp_id(d);
	delivery_cap_key(d, job->limits->max_per_recipient_day);
	d->attempt = attempt;
	d->waits = waits;
	if (pd->status != PLAN_SEND)
		delivery_fail(d, pd->status == PLAN_SKIP ? OUTCOME_SKIPPED :
		    OUTCOME_DEAD, "%s", pd->reason);
}

void
delivery_check(const struct delivery *d, struct queue_check *c)
{
	c->key = d->pd->key;
	c->supp = d->supp;
	c->person = d->pd->subject;
	c->check = d->pd->check;
	c->cap = d->cap;
	c->capmax = d->job->limits->max_per_recipient_day;
}

/* Deferred to due_ms, spending nothing: scheduled like a retry. */
static void
delivery_defer(struct delivery *d, long long due_ms)
{
	d->next_attempt = d->attempt;
	d->next_waits = d->waits;
	d->due_ms = due_ms;
}

/* A recipient had their messages of the day: theirs waits for tomorrow. */
static void
delivery_capped(struct delivery *d)
{
	const struct tz	*tz = d->pd->terr->tz;
	char		 at[40];

	delivery_defer(d, tz_local_to_utc(tz, (tz_local_day(tz,
	    clock_now_ms()) + 1) * 86400) * 1000);
	clock_rfc3339(d->due_ms, at, sizeof at);
	delivery_fail(d, OUTCOME_DEFERRED, "the recipient had %ld messages "
	    "today (limits.max_per_recipient_per_day): deferred to %s",
	    d->job->limits->max_per_recipient_day, at);
}

void
delivery_verdict(struct delivery *d, int v)
{
	d->was_sent = v == QUEUE_SENT;
	if (v == QUEUE_CAPPED)
		delivery_capped(d);
	else if (v > QUEUE_GO && v <= QUEUE_ADDRESS_CHANGED)
		delivery_fail(d, OUTCOME_SKIPPED, "%s",
		    delivery_verdict_reasons[v]);
	else if (v != QUEUE_GO)
		delivery_fail(d, OUTCOME_SKIPPED, "unknown verdict %d from Redis",
		    v);
}

/* A dead delivery is a warning: a message that will not reach its recipient. */
void
delivery_log(const struct delivery *d)
{
	int	prio = d->outcome == OUTCOME_DEAD ? LOG_WARNING : LOG_INFO;
	char	masked[128];

	/* an invalid address is as the producer wrote it: quoted if need be */
	log_kv(prio, NULL, LOG_VAL("event", d->job->logid),
	    LOG_STR("type", d->job->type),
	    LOG_STR("territory", d->pd->territory),
	    LOG_STR("role", d->pd->role), LOG_STR("channel", d->pd->channel),
	    LOG_STR("language", d->pd->msg.language[0] ?
	    d->pd->msg.language : "-"),
	    LOG_STR("gateway", d->gateway),
	    LOG_STR("outcome", delivery_outcome_name(d->outcome)),
	    LOG_STR("key", d->pd->key),
	    LOG_STR("to", log_mask(d->pd->to, masked, sizeof masked)),
	    LOG_INT("attempt", d->attempt + 1),
	    LOG_INT("ms", (long long)(d->ms + 0.5)),
	    LOG_TEXT("reason", d->reason != NULL && d->reason[0] != '\0' ?
	    d->reason : NULL));
}

void
delivery_clear(struct delivery *d)
{
	if (d->ev_hold != NULL)
		event_free(d->ev_hold);
	d->ev_hold = NULL;
	free(d->reason);
	free(d->provider_id);
	free(d->supp);
	d->reason = d->provider_id = d->supp = NULL;
}

static void
delivery_on_marker(int ok, void *arg)
{
	(void)ok;
	(void)arg;	/* best effort: the commit writes the marker again */
}

/*
 * Marks one delivery sent at once when others of its job are still out,
 * counted in the figures with it (atomically): a crash before the event's
 * commit leaves it "already sent" and counted, and that commit's S op,
 * finding the marker, counts it no more (figures.h).
 */
static void
delivery_mark_sent(struct delivery *d)
{
	struct queue_args	a;

	queue_args_init(&a);
	queue_op_sent(&a, d->pd->key);
	figures_delivery_op(&a, d, d->job->type, clock_now_ms());
	queue_commit(d->job->q, "", &a, delivery_on_marker, NULL);
	queue_args_clear(&a);
}

/* The gateway asked for a wait, or failed for now: retry later, or give up. */
static void
delivery_retry(struct delivery *d, const struct gw_result *res)
{
	const struct config_limits	*lim = d->job->limits;
	int64_t				 delay;

	/* a wait asked by the gateway spends no attempt */
	d->next_attempt = d->attempt + (res->status == GW_RETRY);
	d->next_waits = d->waits + (res->status == GW_WAIT);
	if (d->next_attempt >= lim->max_attempts) {
		delivery_fail(d, OUTCOME_DEAD, "gave up after %ld "
		    "attempts: %s", d->next_attempt, res->reason);
		return;
	}
	if (d->next_waits > lim->max_waits) {
		delivery_fail(d, OUTCOME_DEAD, "gateway kept asking to "
		    "wait (%ld times): %s", d->next_waits, res->reason);
		return;
	}
	delay = backoff_delay_ms(lim->backoff_base_ms,
	    lim->backoff_cap_ms, res->status == GW_WAIT ? d->waits :
	    d->attempt, backoff_random());
	delay = backoff_retry_ms(delay, res->retry_after_s,
	    lim->retry_after_max_ms);
	d->due_ms = clock_now_ms() + delay;
	delivery_fail(d, OUTCOME_RETRY, "%s (retry in %lld ms)",
	    res->reason, (long long)delay);
}

static void
delivery_on_sent(const struct gw_result *res, void *arg)
{
	struct delivery		*d = arg;
	struct delivery_job	*j = d->job;

	d->ms = res->ms;
	metrics_latency(j->metrics, d->gateway, res->ms);
	switch (res->status) {
	case GW_SENT:
		d->outcome = OUTCOME_SENT;
		free(d->provider_id);
		d->provider_id = xstrdup(res->provider_id);
		if (j->outstanding > 1)
			delivery_mark_sent(d);
		break;
	case GW_PERMANENT:
		delivery_fail(d, OUTCOME_DEAD, "%s", res->reason);
		d->optout = res->optout;
		break;
	case GW_WAIT:
	case GW_RETRY:
		delivery_retry(d, res);
		break;
	}
	if (--j->outstanding == 0)
		j->done(j->arg);
}

/*
 * Outside its route's time window a delivery is deferred to the window's
 * next opening: scheduled like a retry, spending nothing. Returns 1 when
 * the delivery was deferred (or can never go), 0 when it may go now.
 */
static int
delivery_window(struct delivery *d)
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
		delivery_fail(d, OUTCOME_DEAD, "window %s does not open in the "
		    "next %d days", w->name, WINDOW_HORIZON_DAYS);
		return 1;
	}
	delivery_defer(d, next);
	clock_rfc3339(next, at, sizeof at);
	delivery_fail(d, OUTCOME_DEFERRED, "outside window %s: deferred to %s",
	    w->name, at);
	return 1;
}

/*
 * The first gateway of the route, in failover order, whose breaker lets a
 * message through; NULL, with the shortest wait, when none does.
 */
static struct gw *
delivery_gateway(struct delivery *d, long long *wait_ms)
{
	const struct config_route	*r = d->pd->route;
	struct gw			*g;
	long long			 w;
	size_t				 k;

	*wait_ms = -1;
	for (k = 0; k < r->ngateways; k++) {
		if ((g = gw_set_find(d->job->gws, r->gateways[k])) == NULL)
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
delivery_msg(const struct delivery *d, struct gw_msg *m)
{
	memset(m, 0, sizeof *m);
	m->key = d->pd->key;
	m->event_id = d->job->event_id;
	m->type = d->job->type;
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
delivery_result(struct delivery *d, enum gw_status st, long retry_after_s,
    const char *reason)
{
	struct gw_result	res;

	memset(&res, 0, sizeof res);
	res.status = st;
	res.retry_after_s = retry_after_s;
	(void)buf_copy(res.reason, sizeof res.reason, reason);
	delivery_on_sent(&res, d);
}

static void
delivery_dispatch(struct delivery *d, struct gw *g)
{
	struct gw_msg	m;
	char		why[128];

	delivery_msg(d, &m);
	if (gw_send(g, &m, delivery_on_sent, d) == -1) {
		snprintf(why, sizeof why, "gateway %s refused the message",
		    d->gateway);
		delivery_result(d, GW_RETRY, -1, why);
	}
}

static void
delivery_on_hold(evutil_socket_t fd, short what, void *arg)
{
	struct delivery	*d = arg;

	(void)fd;
	(void)what;
	delivery_dispatch(d, d->held);
}

/*
 * The gateway's shared rate answered: send now, in a moment (a slot is
 * reserved), or, when the next slot is far, wait through the scheduled set
 * like any wait a gateway asks for (no attempt spent).
 */
static void
delivery_on_rate(int ok, long long wait_ms, void *arg)
{
	struct delivery	*d = arg;
	struct timeval	 tv;

	if (!ok) {
		delivery_result(d, GW_WAIT, 1, "rate limit unavailable (Redis)");
		return;
	}
	if (wait_ms < 0) {
		delivery_result(d, GW_WAIT, (long)((-wait_ms + 999) / 1000),
		    "gateway rate limit reached");
		return;
	}
	if (wait_ms == 0) {
		delivery_dispatch(d, d->held);
		return;
	}
	tv.tv_sec = (time_t)(wait_ms / 1000);
	tv.tv_usec = (suseconds_t)((wait_ms % 1000) * 1000);
	if ((d->ev_hold = evtimer_new(d->job->base, delivery_on_hold,
	    d)) == NULL || evtimer_add(d->ev_hold, &tv) == -1)
		fatalx("pipeline: cannot arm a timer");
}

/* Sends d through the first available gateway, after its rate slot. */
static void
delivery_send_one(struct delivery *d)
{
	struct gw	*g;
	long long	 wait_ms;

	if ((g = delivery_gateway(d, &wait_ms)) == NULL) {
		/* an outage is waited out, never dead-lettered */
		delivery_result(d, GW_WAIT, (long)((wait_ms + 999) / 1000),
		    "no gateway of the route is available (circuit open)");
		return;
	}
	if (g->rate_interval_ms == 0) {
		delivery_dispatch(d, g);
		return;
	}
	d->held = g;
	if (queue_rate(d->job->q, g->name, g->rate_interval_ms,
	    g->rate_tolerance_ms, DELIVERY_RATE_HOLD_MS, delivery_on_rate,
	    d) == -1)
		delivery_result(d, GW_WAIT, 1, "rate limit unavailable "
		    "(Redis)");
}

void
delivery_send(struct delivery *v, size_t n, struct delivery_job *j)
{
	size_t	i;

	j->outstanding = 1;	/* held until every send is issued */
	for (i = 0; i < n; i++) {
		if (v[i].outcome != OUTCOME_PENDING || delivery_window(&v[i]))
			continue;
		j->outstanding++;
		delivery_send_one(&v[i]);
	}
	if (--j->outstanding == 0)
		j->done(j->arg);
}
