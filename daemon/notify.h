/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * systemd's notification protocol (sd_notify(3)) without libsystemd: the
 * watchdog pings, and readiness that follows Redis. relaisd is READY=1
 * only once Redis first answers; until then, and whenever it goes away
 * later, STATUS= says "waiting for Redis at <where>".
 *
 * Nothing happens unless $NOTIFY_SOCKET is set (relaisd runs under
 * systemd, or a test plays it). The loop owns the timers; notify_free()
 * removes them.
 */
#ifndef RELAIS_NOTIFY_H
#define RELAIS_NOTIFY_H

struct event_base;
struct notify;

/* Whether Redis answers now (the pipeline's connections are up). */
typedef int	(*notify_up_fn)(void *arg);

/*
 * Sends STATUS=waiting for Redis at <where>, then watches up_fn: READY=1
 * the first time it holds. Arms the watchdog when $WATCHDOG_USEC asks.
 * where is copied; it must name the server without its password.
 */
struct notify	*notify_new(struct event_base *, const char *where,
		    notify_up_fn, void *arg);
void		 notify_free(struct notify *);
/* STOPPING=1 and no more status changes. Both are no-ops on NULL. */
void		 notify_stopping(struct notify *);
/* STATUS=running; <note> (a reload's result), when Redis answers now. */
void		 notify_note(struct notify *, const char *note);
/* One datagram to $NOTIFY_SOCKET: 0 sent, -1 not (unset, or an error). */
int		 notify_send(const char *state);

#endif
