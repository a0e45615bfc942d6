/* The pipeline's counters and latencies, in Prometheus text format. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "gw.h"
#include "metrics.h"
#include "queue.h"

/* One labelled counter; labels packed "v1\0v2\0...", bounded by config. */
struct metrics_counter {
	char		*labels;
	size_t		 len;
	unsigned long	 n;
};

struct metrics_counters {
	struct metrics_counter	*v;
	size_t			 n;
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

/* Adds one to the counter of these labels (a NULL-ended list). */
static void
metrics_count(struct metrics_counters *c, ...)
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

/* A label value: "-" for none, never NULL (NULL ends the list). */
static const char *
metrics_label(const char *v)
{
	return v != NULL ? v : "-";
}

void
metrics_event(struct metrics *m, const char *type, const char *outcome)
{
	metrics_count(&m->events, metrics_label(type), metrics_label(outcome),
	    NULL);
}

void
metrics_delivery(struct metrics *m, const char *outcome, const char *channel,
    const char *territory, const char *gateway)
{
	metrics_count(&m->deliveries, metrics_label(outcome),
	    metrics_label(channel), metrics_label(territory),
	    metrics_label(gateway), NULL);
}

void
metrics_latency(struct metrics *m, const char *gateway, double ms)
{
	size_t	i;

	for (i = 0; i < m->nlatency; i++) {
		if (strcmp(m->latency[i].gateway, gateway) == 0)
			break;
	}
	if (i == m->nlatency) {
		m->latency = xrealloc(m->latency, (i + 1) * sizeof *m->latency);
		memset(&m->latency[i], 0, sizeof m->latency[i]);
		m->latency[i].gateway = xstrdup(gateway);
		m->nlatency++;
	}
	admin_histogram_observe(&m->latency[i].h, ms);
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

/* Latencies and breaker states, per gateway. */
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
	    "outcomes (sent, retry, dead, skipped) by channel, territory and "
	    "gateway.", &m->deliveries, dl_keys, 4);
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
