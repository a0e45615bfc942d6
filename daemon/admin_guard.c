/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The admin port's flood guards: connection cap, request deadlines, accept pauses, held requests. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "admin.h"
#include "admin_evhook.h"
#include "admin_int.h"
#include "admin_twilio.h"
#include "buf.h"
#include "clock.h"
#include "log.h"

/*
 * Every admin, for the listener's error callback: evhttp gave the listener
 * its own callback argument (the evhttp), so the admin is looked up by it.
 */
static TAILQ_HEAD(admin_list, admin) admin_all =
    TAILQ_HEAD_INITIALIZER(admin_all);

/*
 * Connection bookkeeping. Contract: evhttp calls admin_on_accept for each
 * accepted socket, before it builds its connection around the bufferevent
 * returned; the connection counts from there. The tick, activated at once,
 * adopts it (asks evhttp to call admin_on_close when it frees it), closes
 * the connections that gave way at the cap or are past their deadline, and
 * sleeps until the next deadline. evhttp frees a connection itself once its
 * request is answered, when the client leaves or on error; admin_on_close
 * forgets it then. We close connections from the tick only, never from
 * inside an evhttp callback.
 */

static void
admin_conn_move(struct admin_conn *c, struct admin_connq *to)
{
	TAILQ_REMOVE(c->list, c, entry);
	c->list = to;
	TAILQ_INSERT_TAIL(to, c, entry);
}

/* Onto the open list, which stays in deadline order (reloads change it). */
static void
admin_conn_open(struct admin *a, struct admin_conn *c)
{
	struct admin_conn	*prev;

	TAILQ_REMOVE(c->list, c, entry);
	c->list = &a->open;
	prev = TAILQ_LAST(&a->open, admin_connq);
	while (prev != NULL && prev->deadline_ms > c->deadline_ms)
		prev = TAILQ_PREV(prev, admin_connq, entry);
	if (prev == NULL)
		TAILQ_INSERT_HEAD(&a->open, c, entry);
	else
		TAILQ_INSERT_AFTER(&a->open, prev, c, entry);
}

static void
admin_conn_forget(struct admin *a, struct admin_conn *c)
{
	/* the bufferevent outlives this record: our callback goes first */
	if (c->peek != NULL && c->evcon != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(
		    evhttp_connection_get_bufferevent(c->evcon)), c->peek);
	if (c->big)
		a->nbig--;
	if (c->list == &a->closing)
		a->nclosing--;
	TAILQ_REMOVE(c->list, c, entry);
	a->nconns--;
	if (c->bev != NULL)
		bufferevent_decref(c->bev);
	free(c);
}

/*
 * Chooses the connection's body cap from its request line, once the line
 * (or ADMIN_PEEK_MAX bytes of it) is there: a POST to an email provider's
 * hook may carry a batch of events up to ADMIN_EVHOOK_MAX_BODY, at most
 * ADMIN_BIG_CONNS connections at once; every other request keeps the
 * port's cap (evhttp's, set in admin_new).
 */
static void
admin_conn_decide(struct admin_conn *c, struct evbuffer *in)
{
	struct admin	*a = c->a;
	char		 line[ADMIN_PEEK_MAX];
	ev_ssize_t	 n;

	if ((n = evbuffer_copyout(in, line, sizeof line)) <= 0 ||
	    (memchr(line, '\n', (size_t)n) == NULL && (size_t)n < sizeof line))
		return;
	if (a->nbig < ADMIN_BIG_CONNS && admin_evhook_big(a->evhook, line,
	    (size_t)n)) {
		evhttp_connection_set_max_body_size(c->evcon,
		    ADMIN_EVHOOK_MAX_BODY);
		c->big = 1;
		a->nbig++;
	}
	evbuffer_cb_clear_flags(in, c->peek, EVBUFFER_CB_ENABLED);
}

static void
admin_conn_peek(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	if (info->n_added > 0)
		admin_conn_decide(arg, in);
}

/*
 * Why a callback on the input buffer: evhttp 2.1 has no hook between a
 * request's line and its body, but reads the body cap from the connection
 * as the body comes; the buffer's callbacks run as bytes arrive, before
 * evhttp's read callback parses them. Bytes already there (evhttp may have
 * read them) are looked at once now.
 */
static void
admin_conn_watch(struct admin_conn *c)
{
	struct evbuffer	*in;

	in = bufferevent_get_input(evhttp_connection_get_bufferevent(c->evcon));
	if ((c->peek = evbuffer_add_cb(in, admin_conn_peek, c)) == NULL)
		return;
	if (evbuffer_get_length(in) > 0)
		admin_conn_decide(c, in);
}

/*
 * Finds evhttp's connection for a fresh record: evhttp 2.1 has no accessor
 * for it, but passes it as the argument of the bufferevent's callbacks.
 * 0, or -1 when evhttp already gave the connection up (it frees one it
 * could not set up; freeing clears the callbacks, our reference keeps the
 * bufferevent itself readable).
 */
static int
admin_conn_adopt(struct admin_conn *c)
{
	void	*arg = NULL;

	if (c->evcon != NULL)
		return 0;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &arg);
	if (arg == NULL || evhttp_connection_get_bufferevent(arg) != c->bev)
		return -1;
	c->evcon = arg;
	evhttp_connection_set_closecb(c->evcon, admin_on_close, c);
	bufferevent_decref(c->bev);
	c->bev = NULL;
	admin_conn_watch(c);
	return 0;
}

/* A held request's connection goes: its handler must forget it. */
static void
admin_conn_gone(struct admin_conn *c)
{
	void	(*gone)(void *) = c->gone;

	if (gone == NULL)
		return;
	c->gone = NULL;
	c->held = NULL;
	gone(c->gone_arg);
}

/* Closes a connection (from the tick only) and forgets it. */
static void
admin_conn_close(struct admin *a, struct admin_conn *c)
{
	struct evhttp_connection	*evcon = NULL;

	if (admin_conn_adopt(c) == 0) {
		evcon = c->evcon;
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	}
	admin_conn_gone(c);
	admin_conn_forget(a, c);
	if (evcon != NULL)
		evhttp_connection_free(evcon);
}

/* The listener accepts unless resting, or while much is left to close. */
static void
admin_listen_sync(struct admin *a)
{
	int	want = !a->paused && a->nclosing < ADMIN_CLOSING_MAX;

	if (a->listener == NULL || want == a->listening)
		return;
	if ((want ? evconnlistener_enable(a->listener) :
	    evconnlistener_disable(a->listener)) == -1) {
		log_errx("%s: cannot %s the listener", a->name, want ? "enable" :
		    "disable");
		return;
	}
	a->listening = want;
}

/*
 * Beyond the cap, the oldest connections give way, closed on the tick:
 * refusing the new ones instead would leave the port to whoever holds it.
 */
static void
admin_over_cap(struct admin *a)
{
	struct admin_conn	*c;

	while (a->nconns - a->nclosing > (size_t)a->max_conns) {
		if ((c = TAILQ_FIRST(&a->open)) == NULL &&
		    (c = TAILQ_FIRST(&a->fresh)) == NULL)
			break;
		admin_conn_move(c, &a->closing);
		a->nclosing++;
		a->ncapped++;
		a->unlogged_capped++;
	}
	admin_listen_sync(a);
}

/* evhttp is freeing a connection: answered, left, or failed. */
void
admin_on_close(struct evhttp_connection *evcon, void *arg)
{
	struct admin_conn	*c = arg;
	struct admin		*a = c->a;

	/*
	 * A held request still on the connection is freed with it; one that
	 * evhttp let go of (the client left) is freed by its answer.
	 */
	if (c->held != NULL && evhttp_request_get_connection(c->held) == evcon)
		admin_conn_gone(c);
	/* the answer has gone: what the client still sends must not reset it */
	admin_linger_start(a, bufferevent_getfd(
	    evhttp_connection_get_bufferevent(evcon)));
	admin_conn_forget(a, c);
	admin_listen_sync(a);
}

/* evhttp's bufferevent factory: called once per accepted connection. */
struct bufferevent *
admin_on_accept(struct event_base *base, void *arg)
{
	struct admin		*a = arg;
	struct admin_conn	*c;
	struct bufferevent	*bev;

	/*
	 * No BEV_OPT_CLOSE_ON_FREE, as evhttp's own: evhttp closes the socket
	 * itself, at once. Our reference would delay a close by the
	 * bufferevent past the reuse of the descriptor's number.
	 */
	if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL) {
		log_errx("%s: cannot make a bufferevent", a->name);
		return NULL;
	}
	bufferevent_incref(bev);
	c = xcalloc(1, sizeof *c);
	c->a = a;
	c->bev = bev;
	c->deadline_ms = clock_mono_ms() + a->timeout_ms;
	c->list = &a->fresh;
	TAILQ_INSERT_TAIL(&a->fresh, c, entry);
	a->nconns++;
	admin_over_cap(a);
	event_active(a->ev_tick, EV_TIMEOUT, 1);
	return bev;
}

/* Closed connections, in one line at most every ADMIN_LOG_EVERY_MS. */
static void
admin_log_closed(struct admin *a, long long now)
{
	char	msg[64];

	if (a->unlogged_capped + a->unlogged_expired == 0 ||
	    (a->logged_ms != 0 && now - a->logged_ms < ADMIN_LOG_EVERY_MS))
		return;
	snprintf(msg, sizeof msg, "%s: connections closed", a->name);
	log_kv(LOG_WARNING, msg,
	    LOG_INT("at_cap", a->unlogged_capped),
	    LOG_INT("past_deadline", a->unlogged_expired),
	    LOG_INT("open", a->nconns),
	    LOG_INT("max_connections", a->max_conns));
	a->unlogged_capped = a->unlogged_expired = 0;
	a->logged_ms = now;
}

void
admin_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct admin		*a = arg;
	struct admin_conn	*c, *next;
	struct timeval		 tv;
	long long		 now = clock_mono_ms(), wait;

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&a->fresh); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (admin_conn_adopt(c) == 0)
			admin_conn_open(a, c);
		else
			admin_conn_forget(a, c);
	}
	/* whatever the connection is doing, however slowly bytes come */
	while ((c = TAILQ_FIRST(&a->open)) != NULL && c->deadline_ms <= now) {
		admin_conn_move(c, &a->closing);
		a->nclosing++;
		a->nexpired++;
		a->unlogged_expired++;
	}
	while ((c = TAILQ_FIRST(&a->closing)) != NULL)
		admin_conn_close(a, c);
	admin_log_closed(a, now);
	admin_listen_sync(a);
	if ((c = TAILQ_FIRST(&a->open)) == NULL)
		return;
	wait = c->deadline_ms - now;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	if (event_add(a->ev_tick, &tv) == -1)
		log_errx("%s: cannot arm the deadline timer", a->name);
}

/*
 * accept() failed, not for a retry: for want of descriptors (EMFILE,
 * ENFILE) or memory the connection stays queued and the listener would
 * fire again at once, forever. It rests ADMIN_PAUSE_MS instead, with one
 * log line per rest.
 */
void
admin_on_accept_error(struct evconnlistener *lev, void *arg)
{
	int		 err = EVUTIL_SOCKET_ERROR();
	struct admin	*a;
	struct timeval	 tv = { ADMIN_PAUSE_MS / 1000,
			    (ADMIN_PAUSE_MS % 1000) * 1000 };

	(void)lev;
	TAILQ_FOREACH(a, &admin_all, all)
		if (a->http == arg)
			break;
	if (a == NULL)
		return;
	switch (err) {
	/* accept(2): errors of the one connection dequeued, try the next */
	case ENETDOWN: case EPROTO: case ENOPROTOOPT: case EHOSTDOWN:
	case ENONET: case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
	case EPERM:
		log_debug("%s: accept: %s", a->name, strerror(err));
		return;
	}
	if (event_add(a->ev_resume, &tv) == -1) {
		log_errx("%s: cannot arm the accept pause", a->name);
		return;
	}
	a->paused = 1;
	a->npauses++;
	admin_listen_sync(a);
	log_warnx("%s: cannot accept: %s (open=%zu); not accepting for "
	    "%d ms", a->name, strerror(err), a->nconns, ADMIN_PAUSE_MS);
}

void
admin_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct admin	*a = arg;

	(void)fd;
	(void)what;
	a->paused = 0;
	admin_listen_sync(a);
}

/* Forgets a list's connections without closing them (admin_free). */
static void
admin_conns_drop(struct admin *a, struct admin_connq *q)
{
	struct admin_conn	*c;

	while ((c = TAILQ_FIRST(q)) != NULL) {
		if (c->evcon != NULL)
			evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		admin_conn_gone(c);
		admin_conn_forget(a, c);
	}
}

/* Starts a's connection lists and makes it known to the error callback. */
void
admin_guard_init(struct admin *a)
{
	TAILQ_INIT(&a->fresh);
	TAILQ_INIT(&a->open);
	TAILQ_INIT(&a->closing);
	admin_linger_init(a);
	TAILQ_INSERT_TAIL(&admin_all, a, all);
}

/* Forgets a and its connections; evhttp_free, later, closes them. */
void
admin_guard_free(struct admin *a)
{
	TAILQ_REMOVE(&admin_all, a, all);
	/* evhttp_free closes them: no callback to records gone by then */
	admin_conns_drop(a, &a->fresh);
	admin_conns_drop(a, &a->open);
	admin_conns_drop(a, &a->closing);
	admin_linger_free(a);
}

void
admin_set_limits(struct admin *a, long max, long timeout_ms)
{
	struct timeval	tv;

	a->max_conns = max < 1 ? 1 : max;
	a->timeout_ms = timeout_ms < 1 ? 1 : timeout_ms;
	/*
	 * evhttp's own timeout is per read or write, and restarts with each:
	 * only a backstop, set past the deadline so that the deadline comes
	 * first.
	 */
	tv.tv_sec = (time_t)(a->timeout_ms * 2 / 1000);
	tv.tv_usec = (suseconds_t)(a->timeout_ms * 2 % 1000) * 1000;
	evhttp_set_timeout_tv(a->http, &tv);
	admin_over_cap(a);
	if (a->nclosing > 0)
		event_active(a->ev_tick, EV_TIMEOUT, 1);
}

/* The flood guards at work. */
void
admin_connection_metrics(struct admin *a, struct buf *out)
{
	admin_metric_help(out, "relais_admin_connections", ADMIN_GAUGE,
	    "Open connections to the admin port.");
	admin_metric(out, "relais_admin_connections", (double)a->nconns,
	    NULL);
	admin_metric_help(out, "relais_admin_connections_max", ADMIN_GAUGE,
	    "The cap on them: admin.max_connections, lowered to fit the "
	    "open-file limit.");
	admin_metric(out, "relais_admin_connections_max",
	    (double)a->max_conns, NULL);
	admin_metric_help(out, "relais_admin_connections_closed_total",
	    ADMIN_COUNTER, "Connections the admin port closed itself, by "
	    "reason: cap (the oldest, for a new one) or deadline (its request "
	    "not done within admin.request_timeout_ms).");
	admin_metric(out, "relais_admin_connections_closed_total",
	    (double)a->ncapped, "reason", "cap", NULL);
	admin_metric(out, "relais_admin_connections_closed_total",
	    (double)a->nexpired, "reason", "deadline", NULL);
	admin_metric_help(out, "relais_admin_accept_pauses_total",
	    ADMIN_COUNTER, "Times accept() failed (out of file descriptors) "
	    "and the admin port stopped accepting for a second.");
	admin_metric(out, "relais_admin_accept_pauses_total",
	    (double)a->npauses, NULL);
}
