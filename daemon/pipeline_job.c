/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * A pipeline job's decoding (the entry parsed, its handler's ask made)
 * and its event-level reason, apart from the steps in pipeline.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "pipeline_int.h"

/* Capped as the callees' reason buffers are: a producer's type is not. */
void
pipeline_dead(struct pipeline_job *j, const char *fmt, ...)
{
	char	reason[512];
	va_list	ap;

	if (j->dead != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	j->dead = xstrdup(reason);
}

void
pipeline_dead_take(struct pipeline_job *j, const char *reason)
{
	if (j->dead == NULL && reason[0] != '\0')
		j->dead = xstrdup(reason);
}

const char *
pipeline_event_id(const struct pipeline_job *j)
{
	return j->logid != NULL && j->logid[0] != '\0' ? j->logid : "-";
}

int
pipeline_parse(struct pipeline_job *j)
{
	const struct config		*cf = j->conf->cf;
	const struct handler		*h;
	struct envelope_limits		 lim;
	struct queue_entry		*e = j->e;
	struct handler_ctx		 ctx;
	char				 reason[512] = "", logid[160];
	int				 rc;

	if (e->event == NULL) {
		pipeline_dead(j, "stream entry has no \"event\" field");
		return -1;
	}
	if (e->delivered > cf->redis.max_deliveries) {
		pipeline_dead(j, "poison message: read %ld times without "
		    "completing", e->delivered);
		return -1;
	}
	lim.max_bytes = (size_t)cf->limits.max_event_bytes;
	lim.max_depth = (int)cf->limits.max_depth;
	jarena_enter(&j->arena);
	rc = envelope_parse(e->event, e->len, &lim, &j->env, reason,
	    sizeof reason);
	jarena_leave();
	pipeline_dead_take(j, reason);
	if (rc == -1)
		return -1;
	j->parsed = 1;
	log_value(j->env.id, logid, sizeof logid);
	j->logid = xstrdup(logid);
	if ((h = handler_find(j->env.type)) == NULL) {
		pipeline_dead(j, "unknown event type \"%s\"", j->env.type);
		return -1;
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.cf = cf;
	ctx.now_ms = clock_now_ms();
	ctx.retry = e->retry_key != NULL;
	if (h->prepare == NULL)
		return 0;
	jarena_enter(&j->p->scratch);
	rc = h->prepare(&j->env, &ctx, &j->hs, reason, sizeof reason);
	jarena_release(&j->p->scratch);
	pipeline_dead_take(j, reason);
	return rc;
}

