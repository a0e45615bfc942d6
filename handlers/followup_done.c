/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* followup.done: the counsellor did the follow-up; it is not reminded again. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

/*
 * The state function (S.done). Its arguments: the person id, the
 * follow-up's kind, now (ms). A follow-up done early is not reminded; one
 * reminded is no longer open (figures.h). The record "done <at> <event
 * id>" (older ones: "done <at>") is kept once written and returned as
 * done to the event that wrote it: run again (a crash before the commit,
 * a dead letter replayed) the answer is the same, and the commit's guard
 * counts it once; a second followup.done is told nothing to count.
 */
static const char *const done_args[] = { "pid", "kind", "now", NULL };

static const struct handler_lua done_state = { "done", done_args,
"function(p, a, m)\n"
"  local k = p .. 'person:' .. a.pid\n"
"  local t = redis.call('HGET', k, 'territory')\n"
"  if not t then return { missing = 1 } end\n"
"  local was = redis.call('HGET', k, 'fu:' .. a.kind) or ''\n"
"  if m.retry then return { territory = t, was = was } end\n"
"  local done = string.sub(was, 1, 4) == 'done' and was or 'done ' .. a.now .. ' ' .. m.eid\n"
"  if done ~= was then redis.call('HSET', k, 'fu:' .. a.kind, done) end\n"
"  local mine = m.eid ~= '' and string.sub(done, -#m.eid - 1) == ' ' .. m.eid\n"
"  redis.call('ZREM', p .. 'followups-open:' .. t, a.kind .. ':' .. a.pid)\n"
"  local fk = p .. 'followups:' .. a.pid\n"
"  local m = redis.call('HGET', fk, a.kind)\n"
"  if m then sched_rem(p, m); redis.call('HDEL', fk, a.kind) end\n"
"  return { territory = t, was = was, done = mine and done or nil }\n"
"end\n"
};

static int
done_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*pid, *kind;

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	handler_state_init(st, &done_state);
	handler_arg(st, "pid", pid);
	handler_arg(st, "kind", kind);
	handler_arg_long(st, "now", ctx->now_ms);
	return 0;
}

static int
done_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const char		*pid, *kind;
	char			 guard[80];

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	if (state == NULL || json_object_get(state, "missing") != NULL) {
		snprintf(out->note, sizeof out->note, "person unknown: nothing "
		    "to mark");
		return 0;
	}
	snprintf(out->note, sizeof out->note, "follow-up %s marked done", kind);
	t = territory_find(ctx->cf->territories, handler_str(state,
	    "territory"));
	/* counted once per follow-up: the commit's guard, per kind */
	if (t != NULL && handler_str(state, "done") != NULL) {
		snprintf(guard, sizeof guard, "done:%s", kind);
		handler_count(out, ctx, t, "followups_done", pid, guard,
		    handler_str(state, "done"));
	}
	return 0;
}

const struct handler handler_followup_done = {
	.type = "followup.done",
	.prepare = done_prepare,
	.fn = done_fn,
	.state = &done_state,
};
