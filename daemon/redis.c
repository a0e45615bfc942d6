/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * One asynchronous Redis connection (hiredis on libevent).
 *
 * hiredis 0.14 has no connect or command timeout, so each connection keeps
 * its pending commands in a FIFO with deadlines and one timer on the
 * earliest; on expiry the context is freed from the timer (never from a
 * hiredis callback), every pending callback gets NULL, and a reconnection
 * is scheduled with capped, jittered backoff. Host names are resolved with
 * evdns, because hiredis would call a blocking getaddrinfo().
 *
 * Ownership: struct redis owns its hiredis context, timers and the pending
 * command records; a command record lives from redis_command() until its
 * callback has run. Scripts are borrowed: they must outlive the connection.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "backoff.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "redis.h"
#include "redis_ev.h"
#include "redis_resp.h"

enum redis_state {
	REDIS_DOWN,		/* waiting to reconnect */
	REDIS_RESOLVING,
	REDIS_CONNECTING,
	REDIS_HANDSHAKE,	/* AUTH, SELECT, SCRIPT LOAD in flight */
	REDIS_UP,
};

struct redis_cmd {
	struct redis		*r;
	redis_cb		 cb;
	redis_cb		 each;		/* a pipeline's other replies */
	void			*arg;
	long long		 deadline;	/* monotonic ms */
	int			 internal;	/* handshake step */
	TAILQ_ENTRY(redis_cmd)	 entry;
};
TAILQ_HEAD(redis_cmds, redis_cmd);

struct redis {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct evdns_getaddrinfo_request *dnsreq;
	char			*name;
	/* parsed URL */
	char			*host;		/* NULL for unix sockets */
	char			*path;
	int			 port;
	char			*where;		/* config_redis_where(), for logs */
	int			 db;
	char			*username;
	char			*password;
	long			 connect_timeout_ms;
	long			 command_timeout_ms;

	enum redis_state	 state;
	redisAsyncContext	*ac;
	struct redis_cmds	 cmds;
	int			 handshake_left;
	struct event		*ev_timeout;	/* earliest deadline / connect */
	struct event		*ev_retry;	/* reconnect */
	struct event		*ev_kill;	/* drop the context outside callbacks */
	const char		*kill_reason;
	long long		 armed;		/* deadline ev_timeout is set for */
	long			 attempt;
	unsigned long		 reconnects;
	int			 ever_up;

	struct redis_script	**scripts;
	size_t			 nscripts;

	redis_state_cb		 state_cb;
	void			*state_arg;
};

static void	redis_connect(struct redis *);
static void	redis_drop(struct redis *, const char *why);

static void
redis_arm(struct event *ev, long long ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	if (event_add(ev, &tv) == -1)
		fatalx("redis: event_add failed");
}

static void
redis_timer_update(struct redis *r)
{
	struct redis_cmd	*c;
	long long		 min = LLONG_MAX;

	if (r->state == REDIS_CONNECTING || r->state == REDIS_RESOLVING)
		return;		/* the connect timeout owns the timer */
	TAILQ_FOREACH(c, &r->cmds, entry) {
		if (c->deadline < min)
			min = c->deadline;
	}
	if (min == LLONG_MAX) {
		event_del(r->ev_timeout);
		return;
	}
	r->armed = min;
	redis_arm(r->ev_timeout, min - clock_mono_ms());
}

static void
redis_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct redis		*r = arg;
	struct redis_cmd	*c;
	long long		 now = clock_mono_ms();

	(void)fd;
	(void)what;
	if (r->state == REDIS_CONNECTING || r->state == REDIS_RESOLVING) {
		redis_drop(r, "connect timeout");
		return;
	}
	TAILQ_FOREACH(c, &r->cmds, entry) {
		if (c->deadline <= now) {
			redis_drop(r, "command timeout");
			return;
		}
	}
	redis_timer_update(r);
}

static void
redis_schedule_retry(struct redis *r)
{
	int64_t	delay;

	r->state = REDIS_DOWN;
	delay = 50 + backoff_delay_ms(200, 5000, r->attempt, backoff_random());
	if (r->attempt < 30)
		r->attempt++;
	redis_arm(r->ev_retry, delay);
}

/* Leaves a state: schedules a reconnection, tells the owner if it was up. */
static void
redis_went_down(struct redis *r, int was_up)
{
	redis_schedule_retry(r);
	if (was_up && r->state_cb != NULL)
		r->state_cb(r, 0, r->state_arg);
}

/* Frees the context from outside any hiredis callback; pending get NULL. */
static void
redis_drop(struct redis *r, const char *why)
{
	redisAsyncContext	*ac = r->ac;
	int			 was_up = r->state == REDIS_UP;

	log_errx("redis=%s at=%s event=disconnect reason=\"%s\"", r->name,
	    r->where, why);
	if (r->dnsreq != NULL) {
		evdns_getaddrinfo_cancel(r->dnsreq);
		r->dnsreq = NULL;
	}
	event_del(r->ev_timeout);
	r->ac = NULL;
	if (ac != NULL) {
		ac->data = NULL;
		r->state = REDIS_DOWN;	/* refuse commands from callbacks */
		redisAsyncFree(ac);
	}
	redis_went_down(r, was_up);
}

static void
redis_on_kill(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct redis	*r = arg;

	redis_drop(r, r->kill_reason != NULL ? r->kill_reason : "error");
}

static void
redis_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis_cmd	*c = privdata;
	struct redis		*r = c->r;
	redisReply		*rep = reply;

	(void)ac;
	TAILQ_REMOVE(&r->cmds, c, entry);
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "NOSCRIPT", 8) == 0 && r->state == REDIS_UP) {
		/* scripts were flushed under us: reconnecting reloads them */
		r->kill_reason = "scripts flushed";
		event_active(r->ev_kill, EV_TIMEOUT, 0);
	}
	if (c->cb != NULL)
		c->cb(rep, c->arg);
	free(c);
}

/* A pipeline's reply other than its last: the last one frees c. */
static void
redis_on_part(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis_cmd	*c = privdata;

	(void)ac;
	c->each(reply, c->arg);
}

/*
 * Queues the n commands out holds as RESP (command i ends at ends[i]):
 * each gets the replies but the last, cb the last. -1 when the connection
 * is down or hiredis refuses it (no callback called). hiredis has copied
 * out when this returns: the caller frees it.
 */
static int
redis_send_n(struct redis *r, redis_cb each, redis_cb cb, void *arg,
    long timeout_ms, int internal, struct buf *out, const size_t *ends,
    size_t n)
{
	struct redis_cmd	*c;
	size_t			 i, from = 0;
	int			 rc;

	if (r->ac == NULL || n == 0)
		return -1;
	c = xcalloc(1, sizeof *c);
	c->r = r;
	c->cb = cb;
	c->each = each;
	c->arg = arg;
	c->internal = internal;
	c->deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms :
	    r->command_timeout_ms);
	TAILQ_INSERT_TAIL(&r->cmds, c, entry);
	/* hiredis copies the bytes into its output buffer */
	for (i = 0; i < n; i++) {
		rc = redisAsyncFormattedCommand(r->ac, i + 1 < n ?
		    redis_on_part : redis_on_reply, c, out->data + from,
		    ends[i] - from);
		from = ends[i];
		if (rc == REDIS_OK)
			continue;
		if (i > 0) {
			/*
			 * hiredis refuses a command only while it disconnects
			 * or frees the context, which nothing did since the
			 * first was taken: the replies owed to c would come.
			 */
			fatalx("redis: hiredis refused part of a pipeline");
		}
		TAILQ_REMOVE(&r->cmds, c, entry);
		free(c);
		return -1;
	}
	/* the timer fires at the earliest deadline it knows of, then rescans */
	if (!evtimer_pending(r->ev_timeout, NULL) || c->deadline < r->armed) {
		r->armed = c->deadline;
		redis_arm(r->ev_timeout, c->deadline - clock_mono_ms());
	}
	return 0;
}

/* One command: out, whole. */
static int
redis_send_out(struct redis *r, redis_cb cb, void *arg, long timeout_ms,
    int internal, struct buf *out)
{
	size_t	end = out->len;
	int	rc;

	rc = redis_send_n(r, NULL, cb, arg, timeout_ms, internal, out, &end,
	    1);
	buf_free(out);
	return rc;
}

static int
redis_send(struct redis *r, redis_cb cb, void *arg, long timeout_ms,
    int internal, int argc, const char **argv, const size_t *argvlen)
{
	struct buf	out;

	if (r->ac == NULL)
		return -1;
	buf_init(&out);
	redis_resp_format(&out, argc, argv, argvlen);
	return redis_send_out(r, cb, arg, timeout_ms, internal, &out);
}

int
redis_command(struct redis *r, redis_cb cb, void *arg, long timeout_ms,
    int argc, const char **argv, const size_t *argvlen)
{
	if (r->state != REDIS_UP)
		return -1;
	return redis_send(r, cb, arg, timeout_ms, 0, argc, argv, argvlen);
}

int
redis_eval(struct redis *r, const struct redis_script *s, redis_cb cb,
    void *arg, long timeout_ms, int nkeys, int argc, const char **argv,
    const size_t *argvlen)
{
	struct buf	out;
	size_t		bytes = 0;
	int		i;

	if (r->state != REDIS_UP)
		return -1;
	for (i = 0; i < argc; i++)
		bytes += argvlen != NULL ? argvlen[i] : strlen(argv[i]);
	buf_init(&out);
	redis_resp_evalsha(&out, s->sha, nkeys, argc, bytes);
	for (i = 0; i < argc; i++)
		redis_resp_bulk(&out, argv[i], argvlen != NULL ? argvlen[i] :
		    strlen(argv[i]));
	return redis_send_out(r, cb, arg, timeout_ms, 0, &out);
}

int
redis_eval_packed(struct redis *r, const struct redis_script *s,
    redis_cb cb, void *arg, long timeout_ms, int nkeys, int argc,
    const char *base, size_t bytes, const size_t *off, const size_t *len)
{
	struct buf	out;

	if (r->state != REDIS_UP)
		return -1;
	buf_init(&out);
	redis_resp_evalsha_packed(&out, s->sha, nkeys, argc, base, bytes, off,
	    len);
	return redis_send_out(r, cb, arg, timeout_ms, 0, &out);
}

int
redis_pipeline(struct redis *r, redis_cb each, redis_cb cb, void *arg,
    long timeout_ms, struct buf *out, const size_t *ends, size_t n)
{
	if (r->state != REDIS_UP || redis_send_n(r, each, cb, arg, timeout_ms,
	    0, out, ends, n) == -1)
		return -1;
	buf_free(out);
	return 0;
}

static void
redis_on_handshake(redisReply *reply, void *arg)
{
	struct redis	*r = arg;

	if (r->state != REDIS_HANDSHAKE)
		return;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		log_errx("redis=%s handshake error: %s", r->name,
		    reply != NULL ? reply->str : "no reply");
		r->state = REDIS_DOWN;
		r->kill_reason = "handshake failed";
		event_active(r->ev_kill, EV_TIMEOUT, 0);
		return;
	}
	if (--r->handshake_left > 0)
		return;
	r->state = REDIS_UP;
	r->attempt = 0;
	if (r->ever_up)
		r->reconnects++;
	r->ever_up = 1;
	log_info("redis=%s at=%s event=connected", r->name,
	    r->where);
	if (r->state_cb != NULL)
		r->state_cb(r, 1, r->state_arg);
}

static void
redis_handshake(struct redis *r)
{
	const char	*av[4];
	char		 db[16];
	size_t		 i;
	int		 n = 0;

	r->state = REDIS_HANDSHAKE;
	r->handshake_left = 1;	/* released after all are sent */
	if (r->password != NULL) {
		av[n++] = "AUTH";
		if (r->username != NULL)
			av[n++] = r->username;
		av[n++] = r->password;
		r->handshake_left++;
		redis_send(r, redis_on_handshake, r, 0, 1, n, av, NULL);
	}
	if (r->db != 0) {
		snprintf(db, sizeof db, "%d", r->db);
		av[0] = "SELECT";
		av[1] = db;
		r->handshake_left++;
		redis_send(r, redis_on_handshake, r, 0, 1, 2, av, NULL);
	}
	for (i = 0; i < r->nscripts; i++) {
		av[0] = "SCRIPT";
		av[1] = "LOAD";
		av[2] = r->scripts[i]->body;
		r->handshake_left++;
		redis_send(r, redis_on_handshake, r, 0, 1, 3, av, NULL);
	}
	av[0] = "PING";
	redis_send(r, redis_on_handshake, r, 0, 1, 1, av, NULL);
}

static void
redis_on_connect(const redisAsyncContext *ac, int status)
{
	struct redis	*r = ac->data;

	if (r == NULL)
		return;
	event_del(r->ev_timeout);
	if (status != REDIS_OK) {
		/* hiredis frees the context itself after this callback */
		log_errx("redis=%s event=connect-failed error=\"%s\"", r->name,
		    ac->errstr);
		r->ac = NULL;
		redis_went_down(r, r->state == REDIS_UP);
		return;
	}
	redis_handshake(r);
}

static void
redis_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis	*r = ac->data;

	if (r == NULL)
		return;
	log_errx("redis=%s event=disconnected error=\"%s\"", r->name,
	    status == REDIS_OK ? "closed" : ac->errstr);
	r->ac = NULL;
	event_del(r->ev_timeout);
	redis_went_down(r, r->state == REDIS_UP);
}

static void
redis_connect_addr(struct redis *r, const char *ip)
{
	redisAsyncContext	*ac;

	if (r->path != NULL)
		ac = redisAsyncConnectUnix(r->path);
	else
		ac = redisAsyncConnect(ip, r->port);
	if (ac == NULL || ac->err) {
		log_errx("redis=%s event=connect-failed error=\"%s\"", r->name,
		    ac != NULL ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		redis_went_down(r, r->state == REDIS_UP);
		return;
	}
	ac->data = r;
	r->ac = ac;
	r->state = REDIS_CONNECTING;
	if (redis_ev_attach(ac, r->base) != REDIS_OK ||
	    redisAsyncSetConnectCallback(ac, redis_on_connect) != REDIS_OK ||
	    redisAsyncSetDisconnectCallback(ac, redis_on_disconnect) != REDIS_OK) {
		redis_drop(r, "cannot attach to the event loop");
		return;
	}
	redis_arm(r->ev_timeout, r->connect_timeout_ms);
}

static void
redis_on_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct redis	*r = arg;
	char		 ip[INET6_ADDRSTRLEN];
	const void	*a;

	r->dnsreq = NULL;
	if (err != 0 || ai == NULL) {
		if (err != EVUTIL_EAI_CANCEL) {
			log_errx("redis=%s event=resolve-failed host=%s "
			    "error=\"%s\"", r->name, r->host,
			    evutil_gai_strerror(err));
			event_del(r->ev_timeout);
			redis_went_down(r, r->state == REDIS_UP);
		}
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	if (ai->ai_family == AF_INET6)
		a = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
	else
		a = &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
	inet_ntop(ai->ai_family, a, ip, sizeof ip);
	evutil_freeaddrinfo(ai);
	event_del(r->ev_timeout);
	redis_connect_addr(r, ip);
}

static void
redis_connect(struct redis *r)
{
	struct evutil_addrinfo	 hints;
	unsigned char		 tmp[16];

	if (r->path != NULL || inet_pton(AF_INET, r->host, tmp) == 1 ||
	    inet_pton(AF_INET6, r->host, tmp) == 1) {
		redis_connect_addr(r, r->host);
		return;
	}
	if (r->dns == NULL &&
	    (r->dns = evdns_base_new(r->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		log_errx("redis=%s cannot initialise DNS", r->name);
		redis_went_down(r, r->state == REDIS_UP);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r->state = REDIS_RESOLVING;
	redis_arm(r->ev_timeout, r->connect_timeout_ms);
	r->dnsreq = evdns_getaddrinfo(r->dns, r->host, NULL, &hints,
	    redis_on_resolved, r);
}

static void
redis_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	redis_connect(arg);
}

struct redis *
redis_new(struct event_base *base, const struct config_redis *cf,
    const char *name, redis_state_cb cb, void *arg)
{
	struct redis	*r;
	char		 where[300];

	r = xcalloc(1, sizeof *r);
	r->base = base;
	r->name = xstrdup(name);
	r->host = cf->host != NULL ? xstrdup(cf->host) : NULL;
	r->path = cf->path != NULL ? xstrdup(cf->path) : NULL;
	r->port = cf->port;
	config_redis_where(cf, where, sizeof where);
	r->where = xstrdup(where);
	r->db = cf->db;
	r->username = cf->username != NULL ? xstrdup(cf->username) : NULL;
	r->password = cf->password != NULL ? xstrdup(cf->password) : NULL;
	r->connect_timeout_ms = cf->connect_timeout_ms;
	r->command_timeout_ms = cf->command_timeout_ms;
	r->state = REDIS_DOWN;
	TAILQ_INIT(&r->cmds);
	r->state_cb = cb;
	r->state_arg = arg;
	r->ev_timeout = evtimer_new(base, redis_on_timeout, r);
	r->ev_retry = evtimer_new(base, redis_on_retry, r);
	r->ev_kill = evtimer_new(base, redis_on_kill, r);
	if (r->ev_timeout == NULL || r->ev_retry == NULL || r->ev_kill == NULL)
		fatalx("redis: cannot create timers");
	return r;
}

void
redis_script_add(struct redis *r, struct redis_script *s)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;

	if (EVP_Digest(s->body, strlen(s->body), md, &mdlen, EVP_sha1(),
	    NULL) != 1)
		fatalx("redis: SHA-1 failed");
	for (i = 0; i < mdlen && i < 20; i++)
		snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
	r->scripts = xrealloc(r->scripts, (r->nscripts + 1) * sizeof *r->scripts);
	r->scripts[r->nscripts++] = s;
}

void
redis_start(struct redis *r)
{
	redis_connect(r);
}

void
redis_free(struct redis *r)
{
	redisAsyncContext	*ac;

	if (r == NULL)
		return;
	r->state_cb = NULL;
	if (r->dnsreq != NULL)
		evdns_getaddrinfo_cancel(r->dnsreq);
	if ((ac = r->ac) != NULL) {
		ac->data = NULL;
		r->ac = NULL;
		r->state = REDIS_DOWN;
		redisAsyncFree(ac);
	}
	event_free(r->ev_timeout);
	event_free(r->ev_retry);
	event_free(r->ev_kill);
	if (r->dns != NULL)
		evdns_base_free(r->dns, 0);
	free(r->scripts);
	free(r->name);
	free(r->host);
	free(r->path);
	free(r->where);
	free(r->username);
	free(r->password);
	free(r);
}

/*
 * hiredis writes what was asked from the loop, after the callback running
 * now returns (redis_ev.c: from the active queue). This writes it now,
 * from inside that callback, so that Redis works while relaisd goes on:
 * redisBufferWrite only writes (redisAsyncHandleWrite would, on an error,
 * disconnect here and fire every pending callback inside the caller's). An
 * error stays in the context for the loop's own write to find, outside any
 * callback: the write event hiredis armed stays armed until all is written.
 */
void
redis_write_now(struct redis *r)
{
	redisAsyncContext	*ac = r->ac;
	int			 done = 0;

	if (ac == NULL || !(ac->c.flags & REDIS_CONNECTED))
		return;
	/* all written: the loop has no write to wait for (as hiredis does) */
	if (redisBufferWrite(&ac->c, &done) == REDIS_OK && done &&
	    ac->ev.delWrite != NULL)
		ac->ev.delWrite(ac->ev.data);
}

int
redis_is_up(const struct redis *r)
{
	return r->state == REDIS_UP;
}

unsigned long
redis_reconnects(const struct redis *r)
{
	return r->reconnects;
}
