/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The handler's effects a commit applies, by its deliveries' outcomes. */
#include <stddef.h>

#include <jansson.h>

#include "delivery.h"
#include "effects.h"
#include "handlers.h"
#include "plan.h"
#include "queue_args.h"

/* Effect e, [name, args...], to run as name ("!" taken off). */
static void
effects_op(struct queue_args *a, const char *name, const json_t *e)
{
	struct queue_args	 args;
	const json_t		*v;
	size_t			 k;

	queue_args_init(&args);
	for (k = 1; k < json_array_size(e); k++) {
		v = json_array_get(e, k);
		queue_args_add(&args, json_string_value(v),
		    json_string_length(v));
	}
	queue_op_effect(a, name, &args);
	queue_args_clear(&args);
}

/* What the handler asked to record with the outcomes. */
static void
effects_asked(struct queue_args *a, const struct handler_out *out,
    const struct delivery *v, size_t n)
{
	const json_t		*e;
	const char		*name;
	size_t			 i;
	int			 settled = 1;

	for (i = 0; i < n; i++) {
		if (v[i].outcome == OUTCOME_RETRY ||
		    v[i].outcome == OUTCOME_DEFERRED)
			settled = 0;
	}
	json_array_foreach(out->effects, i, e) {
		name = json_string_value(json_array_get(e, 0));
		if (name == NULL || (*name == '!' && !settled))
			continue;
		effects_op(a, *name == '!' ? name + 1 : name, e);
	}
}

/*
 * A notification's on_sent effect when one of its channels went out (now
 * or on an earlier read), its on_failed one when none did and none will.
 */
static void
effects_outcomes(struct queue_args *a, const struct handler_out *out,
    const struct delivery *v, size_t n)
{
	const struct notification	*no;
	const struct delivery		*d;
	size_t				 i, k;
	int				 sent, open, any;

	for (i = 0; i < out->n; i++) {
		no = &out->v[i];
		if (no->on_sent == NULL && no->on_failed == NULL)
			continue;
		sent = open = any = 0;
		for (k = 0; k < n; k++) {
			d = &v[k];
			if (d->pd->note != i)
				continue;
			any = 1;
			if (d->outcome == OUTCOME_SENT || d->was_sent)
				sent = 1;
			else if (d->outcome == OUTCOME_RETRY ||
			    d->outcome == OUTCOME_DEFERRED ||
			    d->outcome == OUTCOME_PENDING)
				open = 1;
		}
		if (sent && no->on_sent != NULL)
			effects_op(a, json_string_value(json_array_get(
			    no->on_sent, 0)), no->on_sent);
		else if (!sent && any && !open && no->on_failed != NULL)
			effects_op(a, json_string_value(json_array_get(
			    no->on_failed, 0)), no->on_failed);
	}
}

void
effects_ops(struct queue_args *ops, const struct handler_out *out,
    const struct delivery *v, size_t n)
{
	effects_asked(ops, out, v, n);
	effects_outcomes(ops, out, v, n);
}
