/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The handler's effects a commit applies, by its deliveries' outcomes. */
#include <stddef.h>

#include "delivery.h"
#include "effects.h"
#include "handlers.h"
#include "plan.h"
#include "queue_args.h"

/* Effect k of fx, to run as its name with "!" taken off. */
static void
effects_op(struct queue_args *a, const struct handler_fx *fx, size_t k)
{
	const char	*name = handler_fx_name(fx, k), *v;
	size_t		 i, n = handler_fx_argc(fx, k), len;

	if (*name == '!')
		name++;
	queue_op_effect(a, name, n);
	for (i = 0; i < n; i++) {
		v = handler_fx_arg(fx, k, i, &len);
		queue_args_add(a, v, len);
	}
}

/* What the handler asked to record with the outcomes. */
static void
effects_asked(struct queue_args *a, const struct handler_out *out,
    const struct delivery *v, size_t n)
{
	const char		*name;
	size_t			 i;
	int			 settled = 1;

	for (i = 0; i < n; i++) {
		if (v[i].outcome == OUTCOME_RETRY ||
		    v[i].outcome == OUTCOME_DEFERRED)
			settled = 0;
	}
	for (i = 0; i < out->effects.n; i++) {
		name = handler_fx_name(&out->effects, i);
		if (*name == '!' && !settled)
			continue;
		effects_op(a, &out->effects, i);
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
		if (no->on_sent.n == 0 && no->on_failed.n == 0)
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
		if (sent)
			for (k = 0; k < no->on_sent.n; k++)
				effects_op(a, &no->on_sent, k);
		else if (any && !open)
			for (k = 0; k < no->on_failed.n; k++)
				effects_op(a, &no->on_failed, k);
	}
}

void
effects_ops(struct queue_args *ops, const struct handler_out *out,
    const struct delivery *v, size_t n)
{
	effects_asked(ops, out, v, n);
	effects_outcomes(ops, out, v, n);
}
