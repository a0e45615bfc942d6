/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The pipeline: one stream entry in, deliveries out, one atomic commit.
 * A job goes decode -> state -> plan -> begin -> send -> commit -> done (or
 * drop, when Redis fails); its deliveries are sent by delivery.c, its
 * commit built by record.c and effects.c, and metrics.c counts.
 */
#ifndef RELAIS_PIPELINE_H
#define RELAIS_PIPELINE_H

#include <stddef.h>

struct buf;
struct event_base;
struct config;
struct gw_set;
struct pipeline;

typedef void (*pipeline_drained_cb)(void *arg);

/*
 * The pipeline takes ownership of the config and of the gateways built from
 * it; they are freed when the last job started under them ends, after a
 * reload, or with the pipeline.
 */
struct pipeline	*pipeline_new(struct event_base *, struct config *,
		    struct gw_set *);
/*
 * Swaps in a new config and its gateways: entries read from now on use
 * them, those in flight finish under the old ones. The redis section is
 * not reloaded (the connections stay as they are).
 */
void		 pipeline_reload(struct pipeline *, struct config *,
		    struct gw_set *);
const struct config *pipeline_config(const struct pipeline *);
void		 pipeline_start(struct pipeline *);
/*
 * Stops reading; cb fires (from the loop) once nothing is in flight any
 * more. Work still in flight when the process exits stays pending in Redis
 * and is read again by the next start.
 */
void		 pipeline_drain(struct pipeline *, pipeline_drained_cb, void *arg);
void		 pipeline_free(struct pipeline *);
size_t		 pipeline_inflight(const struct pipeline *);
int		 pipeline_redis_up(const struct pipeline *);
/* Both connections to Redis answer (up), or one went away. */
typedef void	(*pipeline_redis_cb)(int up, void *arg);
/* cb hears each change from now on, the current state first if up. */
void		 pipeline_on_redis(struct pipeline *, pipeline_redis_cb cb,
		    void *arg);
int		 pipeline_draining(const struct pipeline *);
/* A gateway's deliveries since start (metrics_gateway_totals). */
void		 pipeline_gateway_totals(const struct pipeline *,
		    const char *gateway, unsigned long *sent,
		    unsigned long *failed);
/* Appends every metric of the pipeline in Prometheus text format. */
void		 pipeline_metrics(struct pipeline *, struct buf *);

#endif
