/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The handler's effects a commit applies (ledger, digest, records): those
 * it asked for with the event, and each notification's on_sent or
 * on_failed effect, chosen by its deliveries' outcomes. Pure: no I/O.
 */
#ifndef RELAIS_EFFECTS_H
#define RELAIS_EFFECTS_H

#include <stddef.h>

struct delivery;
struct handler_out;
struct queue_args;

/*
 * Appends to ops the effects of out, given the outcomes of its n
 * deliveries v: a "!name" effect only when none of them is left to retry.
 */
void	effects_ops(struct queue_args *ops, const struct handler_out *out,
	    const struct delivery *v, size_t n);

#endif
