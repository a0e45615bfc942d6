/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * systemd's notification protocol (sd_notify(3)) without libsystemd: the
 * watchdog pings, and readiness that follows Redis. relaisd is READY=1
 * only once Redis first answers; until then, and whenever it goes away
 * later, STATUS= says "waiting for Redis at <where>".
 *
 * Nothing happens unless $NOTIFY_SOCKET is set (relaisd runs under
 * systemd, or a test plays it). The loop owns the watchdog's timer;
 * notify_free() removes it.
 */
#ifndef RELAIS_NOTIFY_H
#define RELAIS_NOTIFY_H

struct event_base;
struct notify;

/*
 * Sends STATUS=waiting for Redis at <where>; arms the watchdog when
 * $WATCHDOG_USEC asks. where is copied; it must name the server without
 * its password.
 */
struct notify	*notify_new(struct event_base *, const char *where);
/*
 * Redis answers (up: the pipeline's connections are), or went away:
 * READY=1 the first time it does, STATUS= at each change.
 */
void		 notify_redis(struct notify *, int up);
void		 notify_free(struct notify *);
/* STOPPING=1 and no more status changes. Both are no-ops on NULL. */
void		 notify_stopping(struct notify *);
/* STATUS=running; <note> (a reload's result), when Redis answers now. */
void		 notify_note(struct notify *, const char *note);
/* One datagram to $NOTIFY_SOCKET: 0 sent, -1 not (unset, or an error). */
int		 notify_send(const char *state);

#endif
