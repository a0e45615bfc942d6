/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* newcomer.arrived's Lua (newcomer_arrived_lua.c), for its handler. */
#ifndef RELAIS_NEWCOMER_ARRIVED_LUA_H
#define RELAIS_NEWCOMER_ARRIVED_LUA_H

struct handler_lua;

/* S.arrived: the person stored, their counsellor assigned, follow-ups planned */
extern const struct handler_lua		 arrival_state;
/* pid, event, outcome: how the welcome of that event ended */
extern const struct handler_lua		 arrival_fx_welcome;
/* employer, pid, job, due, member, window: into the employer's digest */
extern const struct handler_lua		 arrival_fx_digest_add;
/* the two effects, NULL-terminated (struct handler's effects) */
extern const struct handler_lua *const	 arrival_effects[];

#endif
