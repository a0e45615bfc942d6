/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The pipeline's counters and latencies, in Prometheus text format. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "config.h"
#include "gw.h"
#include "gw_kind.h"
#include "handlers.h"
#include "metrics.h"
#include "queue.h"
#include "territory.h"

/* One labelled counter; labels packed "v1\0v2\0...", bounded by config. */
struct metrics_counter {
	char		*labels;
	size_t		 len;
	unsigned long	 n;
};

/*
 * A counter family: its label sets in the order they came (as written),
 * found by a hash of their labels (open addressing, half full at most):
 * every label set the config allows is declared at 0, so a delivery must
 * not walk them all.
 */
struct metrics_counters {
	struct metrics_counter	*v;
	size_t			 n;
	size_t			*slots;		/* 1 + index in v; 0: free */
	size_t			 nslots;	/* a power of 2 */
};

/* Latency of one gateway's answers. */
struct metrics_latency {
	char			*gateway;
	struct admin_histogram	 h;
};

struct metrics {
	unsigned long		 commit_failures;	/* outcomes Redis refused */
	struct metrics_counters	 events;	/* type, outcome */
	struct metrics_counters	 deliveries;	/* outcome, channel, territory, gateway */
	struct metrics_latency	*latency;
	size_t			 nlatency;
};

struct metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

static void
metrics_counters_free(struct metrics_counters *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].labels);
	free(c->v);
	free(c->slots);
}

void
metrics_free(struct metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	metrics_counters_free(&m->events);
	metrics_counters_free(&m->deliveries);
	for (i = 0; i < m->nlatency; i++)
		free(m->latency[i].gateway);
	free(m->latency);
	free(m);
}

/* FNV-1a of a packed label set. */
static size_t
metrics_hash(const char *key, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The slot of key: its counter's, or the free one where it would go. */
static size_t *
metrics_slot(const struct metrics_counters *c, const char *key, size_t len)
{
	size_t			 i, mask = c->nslots - 1;
	struct metrics_counter	*e;

	for (i = metrics_hash(key, len) & mask; c->slots[i] != 0;
	    i = (i + 1) & mask) {
		e = &c->v[c->slots[i] - 1];
		if (e->len == len && memcmp(e->labels, key, len) == 0)
			break;
	}
	return &c->slots[i];
}

/* Doubles the table (16 slots at first) and puts every counter back. */
static void
metrics_grow(struct metrics_counters *c)
{
	size_t	i;

	free(c->slots);
	c->nslots = c->nslots == 0 ? 16 : c->nslots * 2;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	for (i = 0; i < c->n; i++)
		*metrics_slot(c, c->v[i].labels, c->v[i].len) = i + 1;
}

/*
 * Adds by (0: declares) to the counter of these labels (a NULL-ended list),
 * packed on the stack unless they are long.
 */
static void
metrics_add(struct metrics_counters *c, unsigned long by, ...)
{
	char		 stack[512], *key = stack;
	const char	*l;
	va_list		 ap, aq;
	size_t		 len = 0, n, *slot;

	va_start(ap, by);
	va_copy(aq, ap);
	while ((l = va_arg(aq, const char *)) != NULL)
		len += strlen(l) + 1;
	va_end(aq);
	if (len > sizeof stack)
		key = xmalloc(len);
	len = 0;
	while ((l = va_arg(ap, const char *)) != NULL) {
		n = strlen(l) + 1;
		memcpy(key + len, l, n);
		len += n;
	}
	va_end(ap);
	if (2 * (c->n + 1) > c->nslots)
		metrics_grow(c);
	slot = metrics_slot(c, key, len);
	if (*slot != 0)
		c->v[*slot - 1].n += by;
	else {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
		c->v[c->n].len = len;
		c->v[c->n].labels = xmalloc(len);
		memcpy(c->v[c->n].labels, key, len);
		c->v[c->n].n = by;
		*slot = ++c->n;
	}
	if (key != stack)
		free(key);
}

/* A label value: "-" for none, never NULL (NULL ends the list). */
static const char *
metrics_label(const char *v)
{
	return v != NULL ? v : "-";
}

void
metrics_event(struct metrics *m, const char *type, const char *outcome)
{
	metrics_add(&m->events, 1, metrics_label(type), metrics_label(outcome),
	    NULL);
}

void
metrics_delivery(struct metrics *m, const char *outcome, const char *channel,
    const char *territory, const char *gateway)
{
	metrics_add(&m->deliveries, 1, metrics_label(outcome),
	    metrics_label(channel), metrics_label(territory),
	    metrics_label(gateway), NULL);
}

void
metrics_gateway_totals(const struct metrics *m, const char *gateway,
    unsigned long *sent, unsigned long *failed)
{
	const struct metrics_counter	*c;
	const char			*outcome, *l;
	size_t				 i, k;

	*sent = *failed = 0;
	for (i = 0; i < m->deliveries.n; i++) {
		c = &m->deliveries.v[i];
		/* outcome, channel, territory, gateway */
		outcome = l = c->labels;
		for (k = 0; k < 3; k++)
			l += strlen(l) + 1;
		if (strcmp(l, gateway) != 0)
			continue;
		if (strcmp(outcome, "sent") == 0)
			*sent += c->n;
		else if (strcmp(outcome, "retry") == 0 ||
		    strcmp(outcome, "dead") == 0)
			*failed += c->n;
	}
}

/* The latency histogram of a gateway, made empty on first use. */
static struct admin_histogram *
metrics_histogram(struct metrics *m, const char *gateway)
{
	size_t	i;

	for (i = 0; i < m->nlatency; i++) {
		if (strcmp(m->latency[i].gateway, gateway) == 0)
			return &m->latency[i].h;
	}
	m->latency = xrealloc(m->latency, (i + 1) * sizeof *m->latency);
	memset(&m->latency[i], 0, sizeof m->latency[i]);
	m->latency[i].gateway = xstrdup(gateway);
	m->nlatency++;
	return &m->latency[i].h;
}

void
metrics_latency(struct metrics *m, const char *gateway, double ms)
{
	admin_histogram_observe(metrics_histogram(m, gateway), ms);
}

/* Every outcome of deliveries on channel in territory through gateway. */
static void
metrics_declare_delivery(struct metrics *m, const char *channel,
    const char *territory, const char *gateway)
{
	static const char *const outcomes[] = { "sent", "retry", "deferred",
	    "dead", "skipped" };
	size_t	i;

	for (i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
		metrics_add(&m->deliveries, 0, outcomes[i], channel, territory,
		    gateway, NULL);
}

/* What one route may count: its channels, territories and gateways. */
static void
metrics_declare_route(struct metrics *m, const struct config *cf,
    const struct config_route *r)
{
	static const char *const channels[] = { "email", "sms" };
	const struct territory	*t;
	size_t			 c, i, k;

	for (c = 0; c < sizeof channels / sizeof channels[0]; c++) {
		if (r->channel != NULL && strcmp(r->channel, channels[c]) != 0)
			continue;
		for (i = 0; i < territory_set_count(cf->territories); i++) {
			t = territory_set_at(cf->territories, i);
			if (r->territory != NULL &&
			    strcmp(r->territory, t->id) != 0)
				continue;
			/* a route without gateways skips (send: false) */
			if (r->ngateways == 0)
				metrics_add(&m->deliveries, 0, "skipped",
				    channels[c], t->id, "-", NULL);
			for (k = 0; k < r->ngateways; k++)
				metrics_declare_delivery(m, channels[c], t->id,
				    r->gateways[k]);
		}
	}
}

void
metrics_declare(struct metrics *m, const struct config *cf)
{
	static const char *const outcomes[] = { "done", "dead", "duplicate" };
	const struct handler	*h;
	size_t			 i, k;

	for (i = 0; (h = handler_at(i)) != NULL; i++) {
		for (k = 0; k < sizeof outcomes / sizeof outcomes[0]; k++)
			metrics_add(&m->events, 0, h->type, outcomes[k], NULL);
	}
	metrics_add(&m->events, 0, "invalid", "dead", NULL);
	metrics_add(&m->events, 0, "unknown", "dead", NULL);
	if (cf->territories != NULL) {
		for (i = 0; i < cf->nroutes; i++)
			metrics_declare_route(m, cf, &cf->routes[i]);
	}
	for (i = 0; i < cf->ngateways; i++) {
		if (cf->gateways[i].missing[0] == '\0')	/* left out */
			(void)metrics_histogram(m, cf->gateways[i].name);
	}
}

void
metrics_commit_failed(struct metrics *m)
{
	m->commit_failures++;
}

/* Writes a counter family: one sample per label set. */
static void
metrics_counters_write(struct buf *out, const char *name, const char *help,
    const struct metrics_counters *c, const char *const *keys, size_t nkeys)
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
metrics_gauge(struct buf *out, const char *name, const char *help, double v)
{
	admin_metric_help(out, name, ADMIN_GAUGE, help);
	admin_metric(out, name, v, NULL);
}

/* A gauge of sends per gateway of the HTTP kinds (gated, gw_kind.h). */
static void
metrics_sends(struct gw_set *gws, struct buf *out, const char *name,
    const char *help, size_t (*count)(const struct gw *))
{
	struct gw	*gw;
	size_t		 i;

	admin_metric_help(out, name, ADMIN_GAUGE, help);
	for (i = 0; i < gw_set_count(gws); i++) {
		gw = gw_set_at(gws, i);
		if (gw->kind->gated)
			admin_metric(out, name, (double)count(gw), "gateway",
			    gw->name, NULL);
	}
}

/* Latencies, breaker states and (HTTP kinds) sends, per gateway. */
static void
metrics_gateways(const struct metrics *m, struct gw_set *gws, struct buf *out)
{
	struct gw	*gw;
	size_t		 i;

	admin_metric_help(out, "relais_gateway_latency_seconds",
	    ADMIN_HISTOGRAM, "Time gateways took to answer.");
	for (i = 0; i < m->nlatency; i++)
		admin_histogram_write(out, "relais_gateway_latency_seconds",
		    &m->latency[i].h, "gateway", m->latency[i].gateway, NULL);
	admin_metric_help(out, "relais_gateway_breaker_state", ADMIN_GAUGE,
	    "Circuit breaker per gateway: 0 closed, 1 half-open, 2 open.");
	for (i = 0; i < gw_set_count(gws); i++) {
		gw = gw_set_at(gws, i);
		admin_metric(out, "relais_gateway_breaker_state",
		    (double)gw_breaker_state(gw), "gateway", gw->name, NULL);
	}
	metrics_sends(gws, out, "relais_gateway_sending", "Sends an HTTP "
	    "gateway has on the wire (at most its max_concurrency).",
	    gw_sending);
	metrics_sends(gws, out, "relais_gateway_waiting", "Sends waiting for "
	    "a slot of an HTTP gateway's max_concurrency (their requests not "
	    "made yet).", gw_waiting);
}

/* The sizes read from Redis, once there are any. */
static void
metrics_gauges(const struct queue_gauges *g, struct buf *out)
{
	if (!g->valid)
		return;
	metrics_gauge(out, "relais_stream_entries", "Entries in the events "
	    "stream (not yet finished).", (double)g->stream);
	metrics_gauge(out, "relais_pending_entries", "Entries read by a "
	    "consumer and not yet acknowledged.", (double)g->pending);
	metrics_gauge(out, "relais_scheduled_entries", "Retries, deferrals and "
	    "planned events waiting in the scheduled set.", (double)g->scheduled);
	metrics_gauge(out, "relais_dead_letters", "Entries in the dead-letter "
	    "stream.", (double)g->dead);
	metrics_gauge(out, "relais_inbox_items", "Items waiting in the inbox "
	    "list.", (double)g->inbox);
	metrics_gauge(out, "relais_oldest_entry_age_seconds", "Age of the "
	    "oldest entry of the events stream, read or not (finished ones "
	    "are deleted); 0 when empty.", (double)g->oldest_entry_ms / 1000);
	metrics_gauge(out, "relais_oldest_pending_age_seconds", "Age of the "
	    "oldest entry read by a consumer and not acknowledged; 0 when "
	    "none.", (double)g->oldest_pending_ms / 1000);
	metrics_gauge(out, "relais_oldest_due_scheduled_age_seconds", "How "
	    "long the oldest due entry of the scheduled set has been due; 0 "
	    "when none is.", (double)g->oldest_due_ms / 1000);
}

void
metrics_write(const struct metrics *m, const struct metrics_now *now,
    struct buf *out)
{
	static const char *const ev_keys[] = { "type", "outcome" };
	static const char *const dl_keys[] = { "outcome", "channel",
	    "territory", "gateway" };

	metrics_counters_write(out, "relais_events_total", "Stream entries "
	    "finished, by event type and outcome (done, dead, duplicate).",
	    &m->events, ev_keys, 2);
	metrics_counters_write(out, "relais_deliveries_total", "Delivery "
	    "outcomes (sent, retry, deferred, dead, skipped) by channel, "
	    "territory and gateway.", &m->deliveries, dl_keys, 4);
	metrics_gateways(m, now->gws, out);
	metrics_gauge(out, "relais_inflight_entries", "Stream entries being "
	    "handled by this process.", (double)now->inflight);
	admin_metric_help(out, "relais_redis_reconnects_total", ADMIN_COUNTER,
	    "Redis connections re-established after a loss.");
	admin_metric(out, "relais_redis_reconnects_total",
	    (double)now->reconnects, NULL);
	admin_metric_help(out, "relais_commit_failures_total", ADMIN_COUNTER,
	    "Outcome writes Redis did not take (the entry is read again).");
	admin_metric(out, "relais_commit_failures_total",
	    (double)m->commit_failures, NULL);
	metrics_gauge(out, "relais_redis_up", "Both Redis connections are up.",
	    now->redis_up);
	metrics_gauges(now->gauges, out);
}
