/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* newcomer.departed: cancel every pending follow-up and stop matching them. */
#include <stdio.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

/*
 * The state function (S.departed). Its argument: the person id (m.eid:
 * the event's). Cancels pending follow-ups (and those open, figures.h), stops
 * matching; not when a newer event (a return) was applied since. The
 * person's "departed_by" keeps the event that made them leave: run again
 * (a crash before the commit, a dead letter replayed), the same event is
 * still the one (already 0) and the commit's guard counts it once; a
 * second departure event is not.
 */
static const char *const departed_args[] = { "pid", NULL };

static const struct handler_lua departed_state = { "departed", departed_args,
"function(p, a, m)\n"
"  local pid = a.pid\n"
"  local k = p .. 'person:' .. pid\n"
"  local t = redis.call('HGET', k, 'territory')\n"
"  if not t then return { missing = 1 } end\n"
"  if m.retry or not newest(k, m.t) then\n"
"    return { territory = t, cancelled = 0, already = 1, stale = m.retry and 0 or 1 }\n"
"  end\n"
"  local fk = p .. 'followups:' .. pid\n"
"  local n = 0\n"
"  for _, m in pairs(hgetall(fk)) do n = n + sched_rem(p, m) end\n"
"  redis.call('DEL', fk)\n"
"  unindex(p, pid, k)\n"
"  local c = redis.call('HGET', k, 'counsellor')\n"
"  if c then redis.call('ZREM', p .. 'caseload:' .. c, pid) end\n"
"  for _, f in ipairs(redis.call('HKEYS', k)) do\n"
"    if string.sub(f, 1, 3) == 'fu:' then\n"
"      redis.call('ZREM', p .. 'followups-open:' .. t, string.sub(f, 4) .. ':' .. pid)\n"
"    end\n"
"  end\n"
"  local was = redis.call('HMGET', k, 'departed', 'departed_by')\n"
"  local mine = not was[1] or was[2] == m.eid\n"
"  if mine then redis.call('HSET', k, 'departed', '1', 'departed_by', m.eid) end\n"
"  redis.call('HSET', k, 't', m.t)\n"
"  redis.call('HDEL', k, 'counsellor', 'assigned_by')\n"
"  return { territory = t, cancelled = n, already = mine and 0 or 1 }\n"
"end\n"
};

static int
departed_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*pid;

	(void)ctx;
	if ((pid = handler_id(ev, "person", reason, reasonlen)) == NULL)
		return -1;
	handler_state_init(st, &departed_state);
	handler_arg(st, "pid", pid);
	return 0;
}

static int
departed_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const char		*pid;

	if ((pid = handler_id(ev, "person", reason, reasonlen)) == NULL)
		return -1;
	if (state == NULL || json_object_get(state, "missing") != NULL) {
		snprintf(out->note, sizeof out->note, "person unknown: nothing "
		    "to cancel");
		return 0;
	}
	snprintf(out->note, sizeof out->note, "departed: %lld follow-up(s) "
	    "cancelled, matching stopped", (long long)json_integer_value(
	    json_object_get(state, "cancelled")));
	t = territory_find(ctx->cf->territories, handler_str(state,
	    "territory"));
	if (t != NULL && json_integer_value(json_object_get(state,
	    "already")) == 0) {
		handler_count(out, ctx, t, "departures", pid, "departures",
		    ev->id);
	}
	return 0;
}

const struct handler handler_newcomer_departed = {
	.type = "newcomer.departed",
	.prepare = departed_prepare,
	.fn = departed_fn,
	.state = &departed_state,
};
