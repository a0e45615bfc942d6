/* newcomer.departed: cancel every pending follow-up and stop matching them. */
#include <stdio.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

static int
departed_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*pid;

	(void)ctx;
	if ((pid = handler_id(ev, "person", reason, reasonlen)) == NULL)
		return -1;
	st->fn = "departed";
	st->args = json_array();
	handler_arg(st->args, pid);
	return 0;
}

static int
departed_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;

	if (handler_id(ev, "person", reason, reasonlen) == NULL)
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
		handler_stat(out, t, "departures");
	}
	return 0;
}

const struct handler handler_newcomer_departed = {
	"newcomer.departed", departed_prepare, departed_fn
};
