/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* hiredis's hooks into libevent, fewer system calls (redis_ev.c). */
#ifndef RELAIS_REDIS_EV_H
#define RELAIS_REDIS_EV_H

struct event_base;
struct redisAsyncContext;

/*
 * As redisLibeventAttach: REDIS_OK, or REDIS_ERR (nothing attached). What
 * it makes belongs to the context: hiredis frees it with the context (its
 * ev.cleanup hook).
 */
int	redis_ev_attach(struct redisAsyncContext *, struct event_base *);

#endif
