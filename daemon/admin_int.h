/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the admin port's files share (admin.c, admin_guard.c, admin_rate.c,
 * admin_hold.c): struct admin and its connection records. Private to them.
 */
#ifndef RELAIS_ADMIN_INT_H
#define RELAIS_ADMIN_INT_H

#include <sys/queue.h>

#include <stddef.h>

#include <event2/event.h>

#include "admin.h"
#include "buf.h"

struct bufferevent;
struct evbuffer_cb_entry;
struct evconnlistener;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct admin_unsub;
struct admin_twilio;
struct admin_evhook;

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
/* Lingering close (admin_linger.c): how long, how much (at once: admin.h). */
#define ADMIN_LINGER_MS		2000
#define ADMIN_LINGER_BYTES	(8 * 1024 * 1024)

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
struct admin_linger;
TAILQ_HEAD(admin_lingerq, admin_linger);

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
	const char		*name;		/* in log lines: "admin" */
	admin_serve_fn		 serve;		/* NULL: the port's endpoints */
	void			*serve_arg;
	size_t			 serve_max_body;
	struct admin_lingerq	 lingers;	/* answered, still read */
	size_t			 nlingers;
};

/* admin_guard.c: the connection records and the tick that closes them. */
void		 admin_guard_init(struct admin *);
void		 admin_guard_free(struct admin *);
struct bufferevent *admin_on_accept(struct event_base *, void *arg);
void		 admin_on_tick(evutil_socket_t, short, void *);
void		 admin_on_accept_error(struct evconnlistener *, void *);
void		 admin_on_resume(evutil_socket_t, short, void *);
void		 admin_on_close(struct evhttp_connection *, void *);
void		 admin_connection_metrics(struct admin *, struct buf *);

/*
 * admin_linger.c: the socket of a connection evhttp is closing stays open
 * a little, what the client still sends read and dropped (no reset).
 */
void		 admin_linger_init(struct admin *);
void		 admin_linger_start(struct admin *, int fd);
void		 admin_linger_free(struct admin *);

/* admin_rate.c: 1 when req was answered 429 (path is public and over). */
int		 admin_rate_limit(struct admin *, const char *path,
		    struct evhttp_request *);

#endif
