/* The admin HTTP server (/healthz, /readyz, /metrics), its flood guards, and Prometheus text helpers. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "admin.h"
#include "admin_evhook.h"
#include "admin_twilio.h"
#include "admin_unsub.h"
#include "buf.h"
#include "log.h"

#define ADMIN_MAX_HEADERS	8192
#define ADMIN_MAX_BODY		1024
#define ADMIN_BACKLOG		64
#define ADMIN_WHY_MAX		256
/* Clients the rate limit remembers, and slots a lookup looks at. */
#define ADMIN_RATE_SLOTS	1024
#define ADMIN_RATE_PROBE	8
/* Connections given way at the cap but not yet closed: accepting waits. */
#define ADMIN_CLOSING_MAX	16
/* Connections closed at the cap or the deadline: one log line this often. */
#define ADMIN_LOG_EVERY_MS	10000
/* X-Forwarded-For header lines looked at. */
#define ADMIN_XFF_MAX		16
/* Bytes of a request line looked at to choose its body cap. */
#define ADMIN_PEEK_MAX		64

/*
 * One open connection, as the port counts it. evhttp owns the connection;
 * this record is what closes it at its deadline or when a newer one needs
 * its place. It is made when evhttp asks for the connection's bufferevent
 * (accept), before evhttp has wrapped it: until adopted on the next tick it
 * knows only that bufferevent, and holds a reference on it.
 */
struct admin_conn {
	TAILQ_ENTRY(admin_conn)		 entry;
	struct admin_connq		*list;	/* the one it is on */
	struct bufferevent		*bev;	/* held until adopted */
	struct evhttp_connection	*evcon;	/* NULL until adopted */
	struct admin			*a;
	long long			 deadline_ms;	/* monotonic */
	struct evbuffer_cb_entry	*peek;	/* on the input, until decided */
	int				 big;	/* allowed an email hook's body */
	struct evhttp_request		*held;	/* answered later (admin_hold) */
	void				(*gone)(void *);
	void				*gone_arg;
};
TAILQ_HEAD(admin_connq, admin_conn);

/* A client's token bucket; key is an IPv6 address, IPv4 ones mapped. */
struct admin_bucket {
	unsigned char	 key[16];
	int		 used;
	int		 limited;	/* refused since it last had a token */
	double		 tokens;
	long long	 at_ms;		/* monotonic time of the last refill */
};

struct admin {
	TAILQ_ENTRY(admin)	 all;		/* admin_all */
	struct evhttp		*http;
	struct evconnlistener	*listener;	/* evhttp's */
	int			 port;
	/*
	 * Connections: accepted this loop turn (fresh), open (oldest, i.e.
	 * soonest deadline, first) and given way but not yet closed.
	 */
	struct admin_connq	 fresh, open, closing;
	size_t			 nconns;	/* on any of the three */
	size_t			 nclosing;
	long			 max_conns;
	long			 timeout_ms;
	struct event		*ev_tick;	/* adopts, closes, deadline timer */
	struct event		*ev_resume;	/* the end of an accept pause */
	int			 listening;	/* the listener is enabled */
	int			 paused;	/* after accept() failed */
	unsigned long		 ncapped;	/* closed for a newer one */
	unsigned long		 nexpired;	/* closed at their deadline */
	unsigned long		 npauses;
	unsigned long		 unlogged_capped, unlogged_expired;
	long long		 logged_ms;	/* last line about those */
	struct admin_net	*proxies;	/* trusted with X-Forwarded-For */
	size_t			 nproxies;
	admin_ready_fn		 ready;
	void			*ready_arg;
	admin_metrics_fn	 metrics;
	void			*metrics_arg;
	struct buf		 out;		/* reused by every scrape */
	struct admin_unsub	*unsub;		/* NULL: /u/ is 404 */
	struct admin_twilio	*twilio;	/* NULL: /hooks/twilio is 404 */
	struct admin_evhook	*evhook;	/* /hooks/<email provider> */
	size_t			 nbig;		/* connections with big bodies */
	double			 rate_per_s;	/* 0: public endpoints unlimited */
	double			 rate_burst;
	struct admin_bucket	*buckets;	/* ADMIN_RATE_SLOTS, when limited */
	unsigned long		 nlimited;	/* requests answered 429 */
};

struct admin_route {
	const char	*path;
	void		(*serve)(struct admin *, struct evhttp_request *);
};

static long long admin_now_ms(void);
static void	admin_on_close(struct evhttp_connection *, void *);
static void	admin_connection_metrics(struct admin *, struct buf *);
static void	admin_serve_healthz(struct admin *, struct evhttp_request *);
static void	admin_serve_readyz(struct admin *, struct evhttp_request *);
static void	admin_serve_metrics(struct admin *, struct evhttp_request *);
static void	admin_on_request(struct evhttp_request *, void *);

static const struct admin_route admin_routes[] = {
	{ "/healthz", admin_serve_healthz },
	{ "/readyz", admin_serve_readyz },
	{ "/metrics", admin_serve_metrics },
};

static const double admin_bounds[ADMIN_HISTOGRAM_NBOUNDS] =
    ADMIN_HISTOGRAM_BOUNDS;

int
admin_listen_parse(const char *where, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
	const char	*h, *colon, *p;
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 n;
	long		 v = 0;
	int		 v6;

	if ((v6 = (where[0] == '['))) {
		h = where + 1;
		if ((p = strchr(h, ']')) == NULL || p[1] != ':') {
			snprintf(err, errlen, "expected [IPv6]:port");
			return -1;
		}
		n = (size_t)(p - h);
		colon = p + 1;
	} else {
		h = where;
		if ((colon = strchr(h, ':')) == NULL) {
			snprintf(err, errlen, "expected host:port");
			return -1;
		}
		if (strchr(colon + 1, ':') != NULL) {
			snprintf(err, errlen, "an IPv6 address goes in brackets: "
			    "[::1]:9187");
			return -1;
		}
		n = (size_t)(colon - h);
	}
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "expected a numeric address before the "
		    "port");
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1) {
		snprintf(err, errlen, "\"%s\" is not a numeric %s address",
		    host, v6 ? "IPv6" : "IPv4");
		return -1;
	}
	for (p = colon + 1; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (*p - '0');
	if (p == colon + 1 || *p != '\0' || v > 65535) {
		snprintf(err, errlen, "the port must be a number from 0 to "
		    "65535");
		return -1;
	}
	*port = (int)v;
	return 0;
}

/* A non-blocking listening socket on a numeric address; -1 with err. */
static int
admin_bind(const char *where, int *port, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sslen;
	char			 host[INET6_ADDRSTRLEN], why[128];
	int			 fd = -1, on = 1;

	if (admin_listen_parse(where, host, sizeof host, port, why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, why);
		return -1;
	}
	memset(&ss, 0, sizeof ss);
	if (where[0] == '[') {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)*port);
		inet_pton(AF_INET6, host, &sin6->sin6_addr);
		sslen = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)*port);
		inet_pton(AF_INET, host, &sin->sin_addr);
		sslen = sizeof *sin;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	/* "[::]:port" means IPv6 only, not a second IPv4 listener */
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof on) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(fd, ADMIN_BACKLOG) == -1)
		goto fail;
	sslen = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		goto fail;
	*port = ntohs(ss.ss_family == AF_INET6 ? sin6->sin6_port :
	    sin->sin_port);
	return fd;

fail:
	snprintf(err, errlen, "cannot listen on %s: %s", where,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

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
		log_warnx("admin: cannot %s the listener", want ? "enable" :
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
static void
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
	admin_conn_forget(a, c);
	admin_listen_sync(a);
}

/* evhttp's bufferevent factory: called once per accepted connection. */
static struct bufferevent *
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
		log_warnx("admin: cannot make a bufferevent");
		return NULL;
	}
	bufferevent_incref(bev);
	c = xcalloc(1, sizeof *c);
	c->a = a;
	c->bev = bev;
	c->deadline_ms = admin_now_ms() + a->timeout_ms;
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
	if (a->unlogged_capped + a->unlogged_expired == 0 ||
	    (a->logged_ms != 0 && now - a->logged_ms < ADMIN_LOG_EVERY_MS))
		return;
	log_warnx("admin: connections closed at_cap=%lu past_deadline=%lu "
	    "open=%zu max_connections=%ld", a->unlogged_capped,
	    a->unlogged_expired, a->nconns, a->max_conns);
	a->unlogged_capped = a->unlogged_expired = 0;
	a->logged_ms = now;
}

static void
admin_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct admin		*a = arg;
	struct admin_conn	*c, *next;
	struct timeval		 tv;
	long long		 now = admin_now_ms(), wait;

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
		log_warnx("admin: cannot arm the deadline timer");
}

/*
 * accept() failed, not for a retry: for want of descriptors (EMFILE,
 * ENFILE) or memory the connection stays queued and the listener would
 * fire again at once, forever. It rests ADMIN_PAUSE_MS instead, with one
 * log line per rest.
 */
static void
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
		log_debug("admin: accept: %s", strerror(err));
		return;
	}
	if (event_add(a->ev_resume, &tv) == -1) {
		log_warnx("admin: cannot arm the accept pause");
		return;
	}
	a->paused = 1;
	a->npauses++;
	admin_listen_sync(a);
	log_warnx("admin: cannot accept: %s (open=%zu); not accepting for "
	    "%d ms", strerror(err), a->nconns, ADMIN_PAUSE_MS);
}

static void
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

struct admin *
admin_new(struct event_base *base, const char *where, char *err,
    size_t errlen)
{
	struct admin			*a;
	struct evhttp_bound_socket	*bound;
	int				 fd;

	a = xcalloc(1, sizeof *a);
	a->evhook = admin_evhook_new();
	buf_init(&a->out);
	TAILQ_INIT(&a->fresh);
	TAILQ_INIT(&a->open);
	TAILQ_INIT(&a->closing);
	TAILQ_INSERT_TAIL(&admin_all, a, all);
	if ((fd = admin_bind(where, &a->port, err, errlen)) == -1)
		goto fail;
	if ((a->http = evhttp_new(base)) == NULL ||
	    (a->ev_tick = evtimer_new(base, admin_on_tick, a)) == NULL ||
	    (a->ev_resume = evtimer_new(base, admin_on_resume, a)) == NULL) {
		snprintf(err, errlen, "cannot listen on %s: out of memory",
		    where);
		close(fd);
		goto fail;
	}
	/* evhttp owns (and closes) the socket from here on */
	if ((bound = evhttp_accept_socket_with_handle(a->http, fd)) == NULL) {
		snprintf(err, errlen, "cannot listen on %s: evhttp refused the "
		    "socket", where);
		close(fd);
		goto fail;
	}
	a->listener = evhttp_bound_socket_get_listener(bound);
	a->listening = 1;
	evconnlistener_set_error_cb(a->listener, admin_on_accept_error);
	evhttp_set_bevcb(a->http, admin_on_accept, a);
	admin_set_limits(a, ADMIN_MAX_CONNECTIONS, ADMIN_REQUEST_TIMEOUT_MS);
	evhttp_set_max_headers_size(a->http, ADMIN_MAX_HEADERS);
	/* the webhook's cap; admin_on_request holds the rest to ADMIN_MAX_BODY */
	evhttp_set_max_body_size(a->http, ADMIN_TWILIO_MAX_BODY);
	/* let every method reach us, so that the answer is 405, not 501 */
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	/*
	 * No EVHTTP_SERVER_LINGERING_CLOSE: it would read (and discard) any
	 * announced body, however large, before answering 413.
	 */
	evhttp_set_gencb(a->http, admin_on_request, a);
	return a;

fail:
	admin_free(a);
	return NULL;
}

void
admin_set_ready(struct admin *a, admin_ready_fn fn, void *arg)
{
	a->ready = fn;
	a->ready_arg = arg;
}

void
admin_set_metrics(struct admin *a, admin_metrics_fn fn, void *arg)
{
	a->metrics = fn;
	a->metrics_arg = arg;
}

void
admin_set_unsubscribe(struct admin *a, const void *secret, size_t secretlen,
    admin_suppress_fn fn, void *arg)
{
	admin_unsub_free(a->unsub);
	a->unsub = admin_unsub_new(secret, secretlen, fn, arg);
}

void
admin_set_twilio(struct admin *a, const char *auth_token,
    const char *public_url, admin_suppress_fn suppress,
    admin_unsuppress_fn unsuppress, admin_status_fn status, void *arg)
{
	admin_twilio_free(a->twilio);
	a->twilio = admin_twilio_new(auth_token, public_url, suppress,
	    unsuppress, status, arg);
}

void
admin_set_bounces(struct admin *a, const char *sendgrid_key,
    const char *mailgun_key, const char *brevo_token, long max_age_s,
    admin_feedback_fn fn, void *arg)
{
	admin_evhook_set(a->evhook, sendgrid_key, mailgun_key, brevo_token,
	    max_age_s, fn, arg);
}

/* The record of req's connection, or NULL. */
static struct admin_conn *
admin_conn_of(struct admin *a, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct admin_conn		*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return NULL;
	TAILQ_FOREACH(c, &a->open, entry)
		if (c->evcon == evcon)
			return c;
	TAILQ_FOREACH(c, &a->fresh, entry)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

int
admin_hold(struct admin *a, struct evhttp_request *req, void (*gone)(void *),
    void *arg)
{
	struct admin_conn	*c;

	if ((c = admin_conn_of(a, req)) == NULL || c->held != NULL)
		return -1;
	c->held = req;
	c->gone = gone;
	c->gone_arg = arg;
	return 0;
}

void
admin_release(struct admin *a, struct evhttp_request *req)
{
	struct admin_connq	*lists[] = { &a->open, &a->fresh, &a->closing };
	struct admin_conn	*c;
	size_t			 i;

	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		TAILQ_FOREACH(c, lists[i], entry)
			if (c->held == req) {
				c->held = NULL;
				c->gone = NULL;
				c->gone_arg = NULL;
				return;
			}
}

void
admin_set_rate(struct admin *a, long per_s, long burst)
{
	if (per_s <= 0) {
		free(a->buckets);
		a->buckets = NULL;
		a->rate_per_s = 0;
		return;
	}
	if (a->buckets == NULL)
		a->buckets = xcalloc(ADMIN_RATE_SLOTS, sizeof *a->buckets);
	a->rate_per_s = (double)per_s;
	a->rate_burst = burst < 1 ? 1 : (double)burst;
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

int
admin_port(const struct admin *a)
{
	return a->port;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	TAILQ_REMOVE(&admin_all, a, all);
	/* evhttp_free closes them: no callback to records gone by then */
	admin_conns_drop(a, &a->fresh);
	admin_conns_drop(a, &a->open);
	admin_conns_drop(a, &a->closing);
	if (a->http != NULL)
		evhttp_free(a->http);
	if (a->ev_tick != NULL)
		event_free(a->ev_tick);
	if (a->ev_resume != NULL)
		event_free(a->ev_resume);
	buf_free(&a->out);
	admin_unsub_free(a->unsub);
	admin_twilio_free(a->twilio);
	admin_evhook_free(a->evhook);
	free(a->buckets);
	free(a->proxies);
	free(a);
}

static const char *
admin_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

/*
 * Sends the reply. evhttp 2.1 would send a body after a HEAD too, and
 * leaves out Content-Length then: a HEAD gets the length and no body.
 */
static void
admin_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const char *body, size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	char			 clen[32];
	int			 rc = 0;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof clen, "%zu", len);
		rc = evhttp_add_header(h, "Content-Length", clen);
	} else if (len > 0)
		rc = evbuffer_add(out, body, len);
	if (rc == -1 || evhttp_add_header(h, "Content-Type", ctype) == -1 ||
	    evhttp_add_header(h, "Cache-Control", "no-store") == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason, NULL);
}

static void
admin_reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *body)
{
	admin_reply(req, code, reason, "text/plain; charset=utf-8", body,
	    strlen(body));
}

static void
admin_serve_healthz(struct admin *a, struct evhttp_request *req)
{
	(void)a;
	admin_reply_text(req, HTTP_OK, "OK", "ok\n");
}

static void
admin_serve_readyz(struct admin *a, struct evhttp_request *req)
{
	char	why[ADMIN_WHY_MAX + 1] = "";
	size_t	i;

	if (a->ready == NULL)
		snprintf(why, sizeof why, "starting");
	else if (a->ready(a->ready_arg, why, ADMIN_WHY_MAX) == 1) {
		admin_reply_text(req, HTTP_OK, "OK", "ready\n");
		return;
	}
	why[ADMIN_WHY_MAX - 1] = '\0';
	/* one line, whatever the callback wrote */
	for (i = 0; why[i] != '\0'; i++)
		if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
			why[i] = ' ';
	if (i == 0)
		snprintf(why, sizeof why, "not ready");
	strcat(why, "\n");
	admin_reply_text(req, 503, "Service Unavailable", why);
}

static void
admin_serve_metrics(struct admin *a, struct evhttp_request *req)
{
	buf_reset(&a->out);
	/* until the daemon's families come, none of ours either */
	if (a->metrics != NULL) {
		a->metrics(a->metrics_arg, &a->out);
		admin_connection_metrics(a, &a->out);
		admin_evhook_metrics(a->evhook, &a->out);
	}
	if (a->buckets != NULL) {
		admin_metric_help(&a->out, "relais_admin_limited_total",
		    ADMIN_COUNTER, "Requests to the public endpoints answered "
		    "429, their client being over admin.rate_per_s.");
		admin_metric(&a->out, "relais_admin_limited_total",
		    (double)a->nlimited, NULL);
	}
	admin_reply(req, HTTP_OK, "OK",
	    "text/plain; version=0.0.4; charset=utf-8",
	    a->out.data != NULL ? a->out.data : "", a->out.len);
}

/* The flood guards at work. */
static void
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

/* A clock that never jumps, in ms, for the deadlines and token buckets. */
static long long
admin_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An IPv4 address as a key: mapped into IPv6 (::ffff:a.b.c.d). */
static void
admin_key_v4(const void *in, unsigned char key[16])
{
	memset(key, 0, 10);
	key[10] = key[11] = 0xff;
	memcpy(key + 12, in, 4);
}

static int
admin_key_mapped(const unsigned char key[16])
{
	static const unsigned char	prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(key, prefix, sizeof prefix) == 0;
}

/* A client is an IPv4 address or an IPv6 /64: one subscriber line. */
static void
admin_key_cut(unsigned char key[16])
{
	if (!admin_key_mapped(key))
		memset(key + 8, 0, 8);
}

/*
 * The numeric address at s (n bytes, blanks around allowed) as 16 bytes,
 * IPv4 mapped. -1 when s is not an address.
 */
static int
admin_addr_parse(const char *s, size_t n, unsigned char addr[16])
{
	char		text[INET6_ADDRSTRLEN];
	struct in_addr	v4;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof text)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, &v4) == 1) {
		admin_key_v4(&v4, addr);
		return 0;
	}
	return inet_pton(AF_INET6, text, addr) == 1 ? 0 : -1;
}

int
admin_net_parse(const char *s, struct admin_net *net, char *err,
    size_t errlen)
{
	const char	*slash = strchr(s, '/'), *p;
	size_t		 n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long		 bits = 0;
	int		 max, i;

	memset(net, 0, sizeof *net);
	if (admin_addr_parse(s, n, net->addr) == -1) {
		snprintf(err, errlen, "\"%s\" is not an IP address or a CIDR "
		    "block (192.0.2.1, 10.0.0.0/8, 2001:db8::/32)", s);
		return -1;
	}
	/* "::ffff:192.0.2.0/120" is written as IPv6: its prefix counts so */
	max = memchr(s, ':', n) == NULL ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else {
		for (p = slash + 1; *p >= '0' && *p <= '9' && bits <= 128; p++)
			bits = bits * 10 + (*p - '0');
		if (p == slash + 1 || *p != '\0' || bits > max) {
			snprintf(err, errlen, "\"%s\": the prefix length must be "
			    "a number from 0 to %d", s, max);
			return -1;
		}
	}
	net->bits = (int)bits + 128 - max;
	/* 10.0.0.1/8 is a typo more often than a way to write 10.0.0.0/8 */
	for (i = net->bits; i < 128; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "\"%s\" has address bits set past "
			    "its /%ld prefix", s, bits);
			return -1;
		}
	return 0;
}

int
admin_net_match(const struct admin_net *nets, size_t n,
    const unsigned char addr[16])
{
	size_t	i, full;
	int	rest;

	for (i = 0; i < n; i++) {
		full = (size_t)nets[i].bits / 8;
		rest = nets[i].bits % 8;
		if (memcmp(nets[i].addr, addr, full) != 0)
			continue;
		if (rest == 0 || ((nets[i].addr[full] ^ addr[full]) &
		    (0xff00 >> rest) & 0xff) == 0)
			return 1;
	}
	return 0;
}

int
admin_forwarded_client(const char *const *xff, size_t nxff,
    const struct admin_net *nets, size_t n, unsigned char addr[16])
{
	const char	*s, *end, *p;
	unsigned char	 cur[16];
	int		 found = 0;
	size_t		 i;

	/* each proxy appends the address it saw: the last entry is ours */
	for (i = nxff; i-- > 0;) {
		s = xff[i];
		end = s + strlen(s);
		for (;;) {
			for (p = end; p > s && p[-1] != ','; p--)
				;
			/* what lies left of a non-address was not written by us */
			if (admin_addr_parse(p, (size_t)(end - p), cur) == -1)
				return found ? 0 : -1;
			memcpy(addr, cur, 16);
			found = 1;
			if (!admin_net_match(nets, n, cur))
				return 0;
			if (p == s)
				break;
			end = p - 1;
		}
	}
	return found ? 0 : -1;
}

void
admin_set_proxies(struct admin *a, const struct admin_net *nets, size_t n)
{
	free(a->proxies);
	a->proxies = NULL;
	a->nproxies = 0;
	if (n == 0)
		return;
	a->proxies = xcalloc(n, sizeof *a->proxies);
	memcpy(a->proxies, nets, n * sizeof *nets);
	a->nproxies = n;
}

/*
 * Whom a request counts against: the peer's address; when the peer is a
 * trusted proxy, the client its X-Forwarded-For names (the values before
 * the trusted hops are what the client claimed, and not believed). All
 * zeros when nothing is known.
 */
static void
admin_client(struct admin *a, struct evhttp_request *req,
    unsigned char key[16])
{
	struct evhttp_connection	*evcon;
	const struct sockaddr		*sa = NULL;
	const struct evkeyval		*h;
	const char			*xff[ADMIN_XFF_MAX];
	unsigned char			 fwd[16];
	size_t				 n = 0;

	memset(key, 0, 16);
	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (sa = evhttp_connection_get_addr(evcon)) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		admin_key_v4(&((const struct sockaddr_in *)sa)->sin_addr, key);
	else if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	if (a->nproxies > 0 && admin_net_match(a->proxies, a->nproxies, key)) {
		/* the last lines matter: keep those */
		TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next) {
			if (strcasecmp(h->key, "X-Forwarded-For") != 0)
				continue;
			if (n == ADMIN_XFF_MAX) {
				memmove(xff, xff + 1, (n - 1) * sizeof *xff);
				n--;
			}
			xff[n++] = h->value;
		}
		if (n > 0 && admin_forwarded_client(xff, n, a->proxies,
		    a->nproxies, fwd) == 0)
			memcpy(key, fwd, 16);
	}
	admin_key_cut(key);
}

/* "192.0.2.7" or "2001:db8:1:2::/64", for the logs. */
static void
admin_client_name(const unsigned char key[16], char *out, size_t outlen)
{
	char	addr[INET6_ADDRSTRLEN];

	if (admin_key_mapped(key))
		inet_ntop(AF_INET, key + 12, addr, sizeof addr);
	else
		inet_ntop(AF_INET6, key, addr, sizeof addr);
	snprintf(out, outlen, "%s%s", addr, admin_key_mapped(key) ? "" :
	    "/64");
}

/*
 * The client's bucket: found among the ADMIN_RATE_PROBE slots its hash
 * points at, else made full in a free slot or in place of the client
 * there seen longest ago (which, being quiet, gets a full bucket back).
 */
static struct admin_bucket *
admin_bucket(struct admin *a, const unsigned char key[16], long long now)
{
	struct admin_bucket	*b, *pick = NULL;
	unsigned		 h = 2166136261u;	/* FNV-1a */
	size_t			 i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	for (i = 0; i < ADMIN_RATE_PROBE; i++) {
		b = &a->buckets[(h + i) % ADMIN_RATE_SLOTS];
		if (b->used && memcmp(b->key, key, 16) == 0)
			return b;
		if (pick == NULL || (pick->used && (!b->used ||
		    b->at_ms < pick->at_ms)))
			pick = b;
	}
	memset(pick, 0, sizeof *pick);
	memcpy(pick->key, key, 16);
	pick->used = 1;
	pick->tokens = a->rate_burst;
	pick->at_ms = now;
	return pick;
}

/*
 * Spends a token of the client's bucket on a request to a public endpoint.
 * Returns 0 when the request may go on; 1 when it was answered 429.
 */
static int
admin_rate_limit(struct admin *a, const char *path, struct evhttp_request *req)
{
	struct admin_bucket	*b;
	unsigned char		 key[16];
	char			 who[INET6_ADDRSTRLEN + 4], retry[32];
	long long		 now;
	long			 wait;

	if (a->buckets == NULL || path == NULL || (strncmp(path, "/u/",
	    3) != 0 && strcmp(path, ADMIN_TWILIO_PATH) != 0 &&
	    !admin_evhook_path(path)))
		return 0;
	admin_client(a, req, key);
	now = admin_now_ms();
	b = admin_bucket(a, key, now);
	b->tokens += (double)(now - b->at_ms) * a->rate_per_s / 1000;
	if (b->tokens > a->rate_burst)
		b->tokens = a->rate_burst;
	b->at_ms = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		b->limited = 0;
		return 0;
	}
	wait = (long)ceil((1 - b->tokens) / a->rate_per_s);
	if (wait < 1)
		wait = 1;
	a->nlimited++;
	/* once per episode: a flood must not turn into a flood of logs */
	if (!b->limited) {
		b->limited = 1;
		admin_client_name(key, who, sizeof who);
		log_warnx("admin: client=%s endpoint=%s outcome=limited "
		    "retry_after_s=%ld", who, path[1] == 'u' ? "unsubscribe" :
		    path + sizeof "/hooks/" - 1, wait);
	}
	snprintf(retry, sizeof retry, "%ld", wait);
	if (evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", retry) == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return 1;
	}
	admin_reply_text(req, 429, "Too Many Requests", "too many requests\n");
	return 1;
}

/* The digits of a Content-Length without their leading zeros. */
static const char *
admin_digits(const char *s)
{
	while (s[0] == '0' && s[1] != '\0')
		s++;
	return s;
}

int
admin_framing_ok(const struct evkeyvalq *headers)
{
	const struct evkeyval	*h;
	const char		*p, *len = NULL;
	int			 chunked = 0;

	TAILQ_FOREACH(h, headers, next) {
		if (strcasecmp(h->key, "Transfer-Encoding") == 0) {
			chunked = 1;
			continue;
		}
		if (strcasecmp(h->key, "Content-Length") != 0)
			continue;
		for (p = h->value; *p >= '0' && *p <= '9'; p++)
			;
		if (p == h->value || *p != '\0')
			return 0;
		if (len == NULL)
			len = admin_digits(h->value);
		else if (strcmp(len, admin_digits(h->value)) != 0)
			return 0;
	}
	/* both: which one a proxy in front believed is anyone's guess */
	return !(chunked && len != NULL);
}

/*
 * Every request that evhttp parsed lands here; malformed and oversized ones
 * were answered (400, 413) or dropped by evhttp itself.
 */
static void
admin_on_request(struct evhttp_request *req, void *arg)
{
	struct admin			*a = arg;
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	const struct admin_route	*r = NULL;
	struct evkeyvalq		*in = evhttp_request_get_input_headers(req);
	const char			*path = NULL;
	enum evhttp_cmd_type		 m = evhttp_request_get_command(req);
	char				 esc[128];
	size_t				 i;

	/*
	 * One request a connection, so that the connection's deadline is the
	 * request's. evhttp keeps a connection when the request's Connection
	 * header asks for it (and answers in kind): tell it the client asked
	 * for a close.
	 */
	evhttp_remove_header(in, "Connection");
	if (evhttp_add_header(in, "Connection", "close") == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	/* evhttp read the body by the first Content-Length alone */
	if (!admin_framing_ok(in)) {
		admin_reply_text(req, HTTP_BADREQUEST, "Bad Request",
		    "conflicting or malformed Content-Length\n");
		return;
	}
	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (admin_rate_limit(a, path, req))
		return;
	if (admin_twilio_serve(a->twilio, path, req))
		return;
	/* their connections were let bigger bodies in (admin_conn_decide) */
	if (admin_evhook_serve(a->evhook, a, path, req))
		return;
	/* evhttp let up to the webhook's 16 KiB in; the rest keeps 1 KiB */
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    ADMIN_MAX_BODY) {
		admin_reply_text(req, 413, "Payload Too Large", "too large\n");
		return;
	}
	/* before the log line: a token carries an address */
	if (path != NULL && admin_unsub_serve(a->unsub, path, req))
		return;
	for (i = 0; path != NULL && i < sizeof admin_routes /
	    sizeof admin_routes[0]; i++)
		if (strcmp(path, admin_routes[i].path) == 0)
			r = &admin_routes[i];
	log_debug("admin: method=%s path=\"%s\"", admin_method_name(m),
	    log_escape(path != NULL ? path : "", esc, sizeof esc));
	if (r == NULL) {
		admin_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found\n");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		if (evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD") == -1) {
			evhttp_send_error(req, HTTP_INTERNAL, NULL);
			return;
		}
		admin_reply_text(req, HTTP_BADMETHOD, "Method Not Allowed",
		    "method not allowed\n");
		return;
	}
	r->serve(a, req);
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t
admin_utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	/* a NUL fails the test, so this never reads past the string */
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Appends s as UTF-8, escaping \ and newline, and " when quoted. */
static void
admin_escape(struct buf *b, const char *s, int quoted)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		if (*p == '\\')
			buf_puts(b, "\\\\");
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '"' && quoted)
			buf_puts(b, "\\\"");
		else if ((n = admin_utf8_len(p)) == 0) {
			buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
			p++;
			continue;
		} else {
			buf_append(b, p, n);
			p += n;
			continue;
		}
		p++;
	}
}

static int
admin_name_ok(const char *s, int metric)
{
	const char	*p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	if (!metric && s[0] == '_' && s[1] == '_')
		return 0;	/* reserved for Prometheus itself */
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' ||
		    (metric && *p == ':')))
			return 0;
	return 1;
}

/* The shortest text that reads back as v, in Go's ParseFloat spellings. */
static char *
admin_value(double v, char *s, size_t len)
{
	if (isnan(v))
		snprintf(s, len, "NaN");
	else if (isinf(v))
		snprintf(s, len, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(s, len, "%.0f", v);
	else {
		snprintf(s, len, "%.15g", v);
		if (strtod(s, NULL) != v)
			snprintf(s, len, "%.17g", v);
	}
	return s;
}

void
admin_metric_help(struct buf *b, const char *name, enum admin_metric_type type,
    const char *help)
{
	static const char *const types[] = {
		[ADMIN_COUNTER] = "counter",
		[ADMIN_GAUGE] = "gauge",
		[ADMIN_HISTOGRAM] = "histogram",
	};

	if (!admin_name_ok(name, 1) || (unsigned)type >= sizeof types /
	    sizeof types[0]) {
		log_warnx("admin: metric family \"%s\" skipped: bad name or "
		    "type", name != NULL ? name : "");
		return;
	}
	buf_printf(b, "# HELP %s ", name);
	admin_escape(b, help, 0);
	buf_printf(b, "\n# TYPE %s %s\n", name, types[type]);
}

/*
 * One sample line: name+suffix, the label pairs of ap, then le if given.
 * On a bad name nothing is written (what was appended is taken back).
 */
static void
admin_sample(struct buf *b, const char *name, const char *suffix,
    va_list ap, const char *le, double value)
{
	const char	*k, *v;
	char		 num[32];
	size_t		 start = b->len;
	int		 nlabels = 0;

	if (!admin_name_ok(name, 1))
		goto fail;
	buf_printf(b, "%s%s", name, suffix);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (!admin_name_ok(k, 0) || v == NULL)
			goto fail;
		buf_printf(b, "%s%s=\"", nlabels++ == 0 ? "{" : ",", k);
		admin_escape(b, v, 1);
		buf_putc(b, '"');
	}
	if (le != NULL)
		buf_printf(b, "%sle=\"%s\"", nlabels++ == 0 ? "{" : ",", le);
	if (nlabels > 0)
		buf_putc(b, '}');
	buf_printf(b, " %s\n", admin_value(value, num, sizeof num));
	return;

fail:
	log_warnx("admin: sample of \"%s\" skipped: bad metric or label name",
	    name != NULL ? name : "");
	if (b->data != NULL) {
		b->len = start;
		b->data[start] = '\0';
	}
}

void
admin_metric(struct buf *b, const char *name, double value, ...)
{
	va_list	ap;

	va_start(ap, value);
	admin_sample(b, name, "", ap, NULL, value);
	va_end(ap);
}

void
admin_histogram_observe(struct admin_histogram *h, double value_ms)
{
	size_t	i;

	if (isnan(value_ms))
		return;
	if (value_ms < 0)
		value_ms = 0;
	/* le is inclusive: an observation equal to a bound falls in it */
	for (i = 0; i < ADMIN_HISTOGRAM_NBOUNDS; i++)
		if (value_ms <= admin_bounds[i])
			break;
	h->counts[i]++;
	h->count++;
	h->sum += value_ms;
}

void
admin_histogram_write(struct buf *b, const char *name,
    const struct admin_histogram *h, ...)
{
	va_list		 ap, aq;
	const char	*k;
	unsigned long	 cum = 0;
	char		 le[32];
	size_t		 i;

	va_start(ap, h);
	/* le is ours; checked once rather than on each of the 16 lines */
	va_copy(aq, ap);
	while ((k = va_arg(aq, const char *)) != NULL &&
	    va_arg(aq, const char *) != NULL && strcmp(k, "le") != 0)
		;
	va_end(aq);
	if (k != NULL) {
		log_warnx("admin: histogram \"%s\" skipped: bad label",
		    name != NULL ? name : "");
		va_end(ap);
		return;
	}
	for (i = 0; i <= ADMIN_HISTOGRAM_NBOUNDS; i++) {
		cum += h->counts[i];
		admin_value(i < ADMIN_HISTOGRAM_NBOUNDS ?
		    admin_bounds[i] / 1000 : INFINITY, le, sizeof le);
		va_copy(aq, ap);
		admin_sample(b, name, "_bucket", aq, le, (double)cum);
		va_end(aq);
	}
	va_copy(aq, ap);
	admin_sample(b, name, "_sum", aq, NULL, h->sum / 1000);
	va_end(aq);
	admin_sample(b, name, "_count", ap, NULL, (double)h->count);
	va_end(ap);
}

int
admin_content_type_is(const char *ctype, const char *want)
{
	size_t	n = strlen(want);

	return ctype != NULL && strncasecmp(ctype, want, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' ||
	    ctype[n] == '\t');
}

const char *
admin_peer(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;

	if ((evcon = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	return addr != NULL ? addr : "-";
}
