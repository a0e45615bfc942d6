/* followup.done: the counsellor did the follow-up; it is not reminded again. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

static int
done_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*pid, *kind;

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	st->fn = "done";
	st->args = json_array();
	handler_arg(st->args, pid);
	handler_arg(st->args, kind);
	handler_arg_long(st->args, ctx->now_ms);
	return 0;
}

static int
done_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const char		*pid, *kind;

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
	/* counted once: not when it was done already */
	if (t != NULL && strncmp(handler_str(state, "was") != NULL ?
	    handler_str(state, "was") : "", "done", 4) != 0) {
		handler_stat(out, t, "followups_done");
	}
	return 0;
}

const struct handler handler_followup_done = {
	"followup.done", done_prepare, done_fn
};
