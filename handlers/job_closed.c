/* job.closed: the posting leaves the index; no more alerts for it. */
#include <stdio.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"

static int
closed_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*jid;

	if ((jid = handler_id(ev, "job", reason, reasonlen)) == NULL)
		return -1;
	st->fn = "closed";
	st->args = json_array();
	handler_arg(st->args, jid);
	/* how long the closing is remembered: as long as a person is */
	handler_arg_long(st->args, ctx->cf->retention_days * 86400LL);
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
	"job.closed", closed_prepare, closed_fn
};
