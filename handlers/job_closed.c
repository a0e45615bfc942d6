/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* job.closed: the posting leaves the index; no more alerts for it. */
#include <stdio.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"

/*
 * The state function (S.closed). Its arguments: the job id, retention (s).
 * Remembers the closing (its order), so that an older job.posted replayed
 * or retried later cannot re-open it.
 */
static const char *const closed_args[] = { "jid", "ttl", NULL };

static const struct handler_lua closed_state = { "closed", closed_args,
"function(p, a, m)\n"
"  local jk = p .. 'job:' .. a.jid\n"
"  if m.retry then return { closed = 0 } end\n"
"  if not newest(jk, m.t) then return { closed = 0, stale = 1 } end\n"
"  local ck = p .. 'job-closed:' .. a.jid\n"
"  if (tonumber(redis.call('GET', ck)) or 0) < m.t then redis.call('SET', ck, m.t, 'EX', a.ttl) end\n"
"  local idx = redis.call('HGET', jk, 'idx')\n"
"  if idx then redis.call('SREM', idx, a.jid) end\n"
"  return { closed = redis.call('DEL', jk) }\n"
"end\n"
};

static int
closed_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*jid;

	if ((jid = handler_id(ev, "job", reason, reasonlen)) == NULL)
		return -1;
	handler_state_init(st, &closed_state);
	handler_arg(st, "jid", jid);
	/* how long the closing is remembered: as long as a person is */
	handler_arg_long(st, "ttl", ctx->cf->retention_days * 86400LL);
	return 0;
}

static int
closed_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	(void)ctx;
	if (handler_id(ev, "job", reason, reasonlen) == NULL)
		return -1;
	snprintf(out->note, sizeof out->note, "%s",
	    json_integer_value(json_object_get(state, "closed")) != 0 ?
	    "posting closed" : "posting unknown or closed already");
	return 0;
}

const struct handler handler_job_closed = {
	.type = "job.closed",
	.prepare = closed_prepare,
	.fn = closed_fn,
	.state = &closed_state,
};
