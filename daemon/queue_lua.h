/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The queue's Lua scripts (queue_lua.c). */
#ifndef RELAIS_QUEUE_LUA_H
#define RELAIS_QUEUE_LUA_H

extern const char queue_begin_lua[];
extern const char queue_commit_lua[];
extern const char queue_rate_lua[];
extern const char queue_state_lua[];
extern const char queue_stats_lua[];
extern const char queue_tick_lua[];

#endif
