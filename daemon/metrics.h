/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The pipeline's metrics: events and deliveries counted by their labels,
 * gateway latencies, commit failures; written in Prometheus text format
 * with the gauges of the moment.
 *
 * Ownership: a metrics copies every label it is given.
 */
#ifndef RELAIS_METRICS_H
#define RELAIS_METRICS_H

#include <stddef.h>

struct buf;
struct config;
struct gw_set;
struct queue_gauges;
struct metrics;

/* What is read at the moment the metrics are written. */
struct metrics_now {
	struct gw_set			*gws;		/* breaker states */
	size_t				 inflight;	/* entries in flight */
	unsigned long			 reconnects;	/* Redis */
	int				 redis_up;
	const struct queue_gauges	*gauges;	/* sizes in Redis */
};

struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *);
/*
 * Starts at 0 the label sets cf allows (each event type by outcome, each
 * route's channel, territory and gateway by outcome, each gateway's
 * latency), so that rate() sees their first event; what is counted stays.
 */
void		 metrics_declare(struct metrics *, const struct config *);
/* A stream entry finished: its type and outcome (done, dead, duplicate). */
void		 metrics_event(struct metrics *, const char *type,
		    const char *outcome);
/* A delivery's outcome, with its channel, territory and gateway. */
void		 metrics_delivery(struct metrics *, const char *outcome,
		    const char *channel, const char *territory,
		    const char *gateway);
/* How long a gateway took to answer. */
void		 metrics_latency(struct metrics *, const char *gateway,
		    double ms);
/* Outcomes Redis did not take (the entry is read again). */
void		 metrics_commit_failed(struct metrics *);
/*
 * A gateway's deliveries since start: sent, and failed (outcome retry or
 * dead), summed over channels and territories (the console's Health page).
 */
void		 metrics_gateway_totals(const struct metrics *,
		    const char *gateway, unsigned long *sent,
		    unsigned long *failed);
/* Appends every metric in Prometheus text format. */
void		 metrics_write(const struct metrics *, const struct metrics_now *,
		    struct buf *);

#endif
