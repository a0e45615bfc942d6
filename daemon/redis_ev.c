/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * hiredis's hooks into libevent, as its adapters/libevent.h, less the
 * system calls that adapter makes on every round trip with Redis (four
 * epoll_ctl a batch's command and reply, 1.5 a delivery of scenario B;
 * README, Performance, session 21):
 *
 * - The read event is persistent. hiredis's is not: libevent takes it out
 *   of epoll when it fires (EPOLL_CTL_DEL) and hiredis, having read, puts
 *   it back (EPOLL_CTL_ADD), for every reply.
 * - A write hiredis asks for on a connected socket runs from the loop's
 *   active queue (event_active: no system call) instead of waiting for
 *   epoll to say the socket is writable (EPOLL_CTL_MOD to watch EPOLLOUT,
 *   a wakeup, MOD again to stop): a connected socket whose send buffer has
 *   room is writable, and relaisd's commands are small next to it. Only
 *   the connect, and a write the kernel took part of (its buffer full),
 *   wait for writability as hiredis's adapter always does.
 *
 * The write runs where hiredis's would, from the loop, outside any reply's
 * callback (a failed write disconnects, and runs every pending callback).
 */
#include <stdlib.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "buf.h"
#include "log.h"
#include "redis_ev.h"

struct redis_ev {
	redisAsyncContext	*ac;
	struct event		*rev;	/* EV_READ | EV_PERSIST */
	struct event		*wev;	/* EV_WRITE: waits for writability */
	struct event		*soon;	/* no fd: the write, from the loop */
};

/*
 * The connection whose write is running (redisAsyncHandleWrite): what it
 * asks for then is to go on once the socket has room. A pointer compared,
 * never followed: the write may free the connection (a failed write
 * disconnects it).
 */
static const struct redis_ev	*redis_ev_writing;

static void
redis_ev_read(evutil_socket_t fd, short what, void *arg)
{
	struct redis_ev	*e = arg;

	(void)fd;
	(void)what;
	redisAsyncHandleRead(e->ac);
}

static void
redis_ev_write(evutil_socket_t fd, short what, void *arg)
{
	struct redis_ev	*e = arg;

	(void)fd;
	(void)what;
	redis_ev_writing = e;
	redisAsyncHandleWrite(e->ac);
	redis_ev_writing = NULL;
}

static void
redis_ev_add_read(void *arg)
{
	struct redis_ev	*e = arg;

	/* persistent: once added, adding it again is no system call */
	if (event_add(e->rev, NULL) == -1)
		log_errx("redis: event_add failed for fd %d", e->ac->c.fd);
}

static void
redis_ev_del_read(void *arg)
{
	struct redis_ev	*e = arg;

	event_del(e->rev);
}

static void
redis_ev_add_write(void *arg)
{
	struct redis_ev	*e = arg;

	if (e != redis_ev_writing && (e->ac->c.flags & REDIS_CONNECTED))
		event_active(e->soon, 0, 0);
	else if (event_add(e->wev, NULL) == -1)
		log_errx("redis: event_add failed for fd %d", e->ac->c.fd);
}

static void
redis_ev_del_write(void *arg)
{
	struct redis_ev	*e = arg;

	/* neither is a system call when it was not added */
	event_del(e->wev);
	event_del(e->soon);
}

static void
redis_ev_cleanup(void *arg)
{
	struct redis_ev	*e = arg;

	event_free(e->rev);
	event_free(e->wev);
	event_free(e->soon);
	free(e);
}

int
redis_ev_attach(redisAsyncContext *ac, struct event_base *base)
{
	struct redis_ev	*e;

	if (ac->ev.data != NULL)
		return REDIS_ERR;
	e = xcalloc(1, sizeof *e);
	e->ac = ac;
	e->rev = event_new(base, ac->c.fd, EV_READ | EV_PERSIST,
	    redis_ev_read, e);
	e->wev = event_new(base, ac->c.fd, EV_WRITE, redis_ev_write, e);
	e->soon = event_new(base, -1, 0, redis_ev_write, e);
	if (e->rev == NULL || e->wev == NULL || e->soon == NULL)
		fatalx("redis: event_new failed");	/* as xcalloc */
	/* the connect: readable or writable once it ends, either way */
	if (event_add(e->rev, NULL) == -1 || event_add(e->wev, NULL) == -1) {
		redis_ev_cleanup(e);
		return REDIS_ERR;
	}
	ac->ev.addRead = redis_ev_add_read;
	ac->ev.delRead = redis_ev_del_read;
	ac->ev.addWrite = redis_ev_add_write;
	ac->ev.delWrite = redis_ev_del_write;
	ac->ev.cleanup = redis_ev_cleanup;
	ac->ev.data = e;
	return REDIS_OK;
}
