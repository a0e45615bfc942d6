/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* HTTP client engine: pools, one libcurl multi and the own HTTP/1.1 transport, on libevent. */

/*
 * Ownership and callbacks
 * -----------------------
 * struct http owns the CURLM, its timer, the "kick" event that starts queued
 * requests, one socket context (event) per socket curl watches, and the
 * own transport (http_h1.c: its connections) for plain http:// to an
 * address, unless a proxy is set in the environment. A pool
 * belongs to whoever created it (a gateway): http_free() cancels the requests
 * of the pools still attached and detaches them, and http_pool_free() still
 * frees such an orphan, so the two may be called in either order.
 *
 * struct http_pool owns its queued requests, its in-flight requests and a
 * few idle easy handles kept for reuse (curl_easy_reset, not re-allocation).
 * At most max_concurrency of its requests are handed to curl at once; the
 * rest wait in the pool's FIFO, so CURLOPT_TIMEOUT_MS never counts queueing.
 *
 * struct http_req owns everything attached to one request: for curl,
 * copies of the method, URL, body, credentials and CA file, the header
 * slist and the easy handle while in flight; for the own transport, the
 * URL and the request's bytes, made once (http_h1_request); for both, the
 * error buffer and the response body and header buffers.
 *
 * Flow: http_submit() copies the request into the pool's queue and activates
 * the kick event; it never calls curl_multi_* nor the callback. The kick
 * callback hands requests to curl, or to the own transport (in flight
 * before it is called: a failure to connect ends it through the done list
 * at once), while a pool has free slots. The own transport's events end
 * their requests into the done list the same way (http_h1_done), and run
 * the callbacks last (http_h1_flush). Socket events
 * and the timer call curl_multi_socket_action(); once it has returned, the
 * done-check reads finished transfers, removes their handles from the multi,
 * returns the easy handles to their pools, and moves the requests to the
 * done list. Then, with no curl function on the stack, each callback runs
 * once; the response it sees lives in the request, freed right after the
 * callback returns. A callback may submit, free a pool or free the http:
 * http_free() asked for during callbacks is carried out after the last one.
 *
 * curl's socket and timer callbacks only (re)arm libevent events and never
 * return -1; curl_multi_assign() is the one multi call made inside them, as
 * curl documents it for that use.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"
#include "log.h"

#define HTTP_RETRY_AFTER_MAX	86400L	/* a day: beyond it, the server is confused */
#define HTTP_MAXCONNECTS_MIN	8

/* One per socket curl asks us to watch; curl_multi_assign'ed to it. */
struct http_sock {
	LIST_ENTRY(http_sock)	 entry;
	struct http		*http;
	curl_socket_t		 fd;
	struct event		*ev;
};

struct http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct event		*kick;
	struct http_h1		*h1;		/* plain http:// to an address */
	TAILQ_HEAD(, http_pool)	 pools;
	LIST_HEAD(, http_sock)	 socks;
	struct http_reqs	 done;		/* finished, callback not yet run */
	long			 maxconns;
	int			 dispatching;
	int			 dying;		/* http_free asked during callbacks */
};

static void	http_kick_cb(evutil_socket_t, short, void *);
static void	http_timer_cb(evutil_socket_t, short, void *);
static void	http_sock_ev_cb(evutil_socket_t, short, void *);
static int	http_sock_cb(CURL *, curl_socket_t, int, void *, void *);
static int	http_timerfunc_cb(CURLM *, long, void *);
static void	http_destroy(struct http *);

/* Gives an easy handle back to its pool for reuse, or frees it. */
static void
http_pool_put_easy(struct http_pool *p, CURL *e)
{
	if (p->nspare < (size_t)p->max) {
		/* Reset now: the handle still points at the request's buffers. */
		curl_easy_reset(e);
		p->spare[p->nspare++] = e;
	} else
		curl_easy_cleanup(e);
}

/*
 * Retry-After of a header block in seconds, as curl's CURLINFO_RETRY_AFTER
 * reads it: the leading number ("5.5" is 5), else an HTTP date, else 0;
 * -1 when the header is absent.
 */
static long
http_retry_after(const char *headers)
{
	const char	*v;
	char		 val[64];
	size_t		 len;
	long long	 ra = 0;
	time_t		 when;

	if ((v = http_header_find(headers, "Retry-After", &len)) == NULL)
		return -1;
	if (len >= sizeof val)
		len = sizeof val - 1;
	memcpy(val, v, len);
	val[len] = '\0';
	if (val[0] >= '0' && val[0] <= '9')
		ra = strtoll(val, NULL, 10);
	else if ((when = curl_getdate(val, NULL)) != -1)
		ra = (long long)(when - time(NULL));
	if (ra < 0)
		ra = 0;
	if (ra > HTTP_RETRY_AFTER_MAX)
		ra = HTTP_RETRY_AFTER_MAX;
	return (long)ra;
}

/*
 * An HTTP/2 server may give its whole answer before it has read all of the
 * request's body, then end the stream with RST_STREAM(NO_ERROR) (RFC 9113,
 * 8.1); libcurl 7.88 reports that as a stream error (CURLE_HTTP2_STREAM)
 * though the final answer came. A final 2xx is the provider accepting the
 * message: it stands, and the message is not sent again.
 */
static void
http_h2_reset_taken(const struct http_pool *p, struct http_response *resp)
{
	if (resp->error != CURLE_HTTP2_STREAM || resp->status < 200 ||
	    resp->status > 299)
		return;
	log_info("http: pool=%s answer %ld taken, its HTTP/2 stream reset "
	    "after it (%s)", p->name, resp->status, resp->errmsg);
	resp->error = CURLE_OK;
	resp->errmsg = "";
}

/*
 * Records the outcome of a request, detaches it from its pool (handed: it was
 * in the multi, else still queued) and moves it to the done list. Running the
 * callback afterwards touches neither the pool nor the easy handle, so the
 * callback may free the pool.
 */
static void
http_req_finish(struct http_req *r, CURLcode code, int handed)
{
	struct http_pool	*p = r->pool;
	struct http		*h = p->http;
	struct http_response	*resp = &r->resp;
	curl_off_t		 ra = 0, total = 0;
	long			 status = 0;
	size_t			 vlen;

	if (handed) {
		TAILQ_REMOVE(&p->active, r, entry);
		p->ninflight--;
	} else {
		TAILQ_REMOVE(&p->queue, r, entry);
		p->nqueued--;
	}

	memset(resp, 0, sizeof *resp);
	resp->error = (int)code;
	resp->errmsg = "";
	if (code != CURLE_OK)
		resp->errmsg = r->errbuf[0] != '\0' ? r->errbuf :
		    curl_easy_strerror(code);
	resp->body = r->rbody.data != NULL ? r->rbody.data : "";
	resp->bodylen = r->rbody.len;
	resp->headers = r->rhdrs.data != NULL ? r->rhdrs.data : "";
	resp->retry_after_s = -1;

	if (r->h1) {
		resp->status = r->h1_status;
		resp->total_ms = r->h1_total_ms;
		resp->retry_after_s = http_retry_after(resp->headers);
	} else if (r->easy != NULL) {
		if (curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
		    &status) == CURLE_OK)
			resp->status = status;
		if (curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T,
		    &total) == CURLE_OK)
			resp->total_ms = (double)total / 1000.0;
		/* curl says 0 both for "Retry-After: 0" and for no header. */
		if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER,
		    &ra) == CURLE_OK &&
		    http_header_find(resp->headers, "Retry-After", &vlen) != NULL) {
			if (ra < 0)
				ra = 0;
			if (ra > HTTP_RETRY_AFTER_MAX)
				ra = HTTP_RETRY_AFTER_MAX;
			resp->retry_after_s = (long)ra;
		}
		http_pool_put_easy(p, r->easy);
		r->easy = NULL;
		http_h2_reset_taken(p, resp);
	}

	TAILQ_INSERT_TAIL(&h->done, r, entry);
	/* A slot is free: start the next one from the loop, not from here. */
	if (handed && p->nqueued > 0)
		event_active(h->kick, EV_TIMEOUT, 0);
}

/*
 * Runs the callbacks of finished requests. Called with no curl function on
 * the stack. Returns -1 when the http was freed meanwhile: touch it no more.
 */
static int
http_dispatch(struct http *h)
{
	struct http_req	*r;

	if (h->dispatching)
		return 0;
	h->dispatching = 1;
	while (!h->dying && (r = TAILQ_FIRST(&h->done)) != NULL) {
		TAILQ_REMOVE(&h->done, r, entry);
		r->cb(&r->resp, r->arg);
		http_req_free(r);
	}
	h->dispatching = 0;
	if (h->dying) {
		http_destroy(h);
		return -1;
	}
	return 0;
}

/* The done-check: after curl_multi_socket_action() has returned. */
static void
http_check_done(struct http *h)
{
	CURLMsg		*m;
	CURLMcode	 mc;
	CURL		*e;
	CURLcode	 code;
	char		*priv;
	int		 left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m dies with curl_multi_remove_handle: copy what we need. */
		e = m->easy_handle;
		code = m->data.result;
		priv = NULL;
		if (curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
		    priv == NULL)
			fatalx("http: finished transfer without its request");
		if ((mc = curl_multi_remove_handle(h->multi, e)) != CURLM_OK)
			log_errx("http: curl_multi_remove_handle: %s",
			    curl_multi_strerror(mc));
		http_req_finish((struct http_req *)(void *)priv, code, 1);
	}
	(void)http_dispatch(h);
}

/* Hands queued requests of one pool to curl while it has free slots. */
static void
http_pool_start(struct http_pool *p)
{
	struct http	*h = p->http;
	struct http_req	*r;
	CURLMcode	 mc;
	CURLcode	 rc;

	while (p->ninflight < (size_t)p->max &&
	    (r = TAILQ_FIRST(&p->queue)) != NULL) {
		if (r->h1) {
			/* in flight first: it may end (badly) right away */
			TAILQ_REMOVE(&p->queue, r, entry);
			p->nqueued--;
			TAILQ_INSERT_TAIL(&p->active, r, entry);
			p->ninflight++;
			http_h1_start(h->h1, r);
			continue;
		}
		if (p->nspare > 0)
			r->easy = p->spare[--p->nspare];
		else if ((r->easy = curl_easy_init()) == NULL) {
			log_errx("http: pool=%s curl_easy_init failed", p->name);
			http_req_finish(r, CURLE_OUT_OF_MEMORY, 0);
			continue;
		}
		if ((rc = http_req_setup(r)) != CURLE_OK) {
			http_req_finish(r, rc, 0);
			continue;
		}
		if ((mc = curl_multi_add_handle(h->multi, r->easy)) != CURLM_OK) {
			log_errx("http: pool=%s curl_multi_add_handle: %s",
			    p->name, curl_multi_strerror(mc));
			http_req_finish(r, CURLE_FAILED_INIT, 0);
			continue;
		}
		TAILQ_REMOVE(&p->queue, r, entry);
		p->nqueued--;
		TAILQ_INSERT_TAIL(&p->active, r, entry);
		p->ninflight++;
	}
}

/* Deferred start of queued requests: never from inside a curl call. */
static void
http_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http		*h = arg;
	struct http_pool	*p;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(p, &h->pools, entry)
		http_pool_start(p);
	(void)http_dispatch(h);
}

static void
http_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	CURLMcode	 mc;
	int		 running;

	(void)fd;
	(void)what;
	mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	if (mc != CURLM_OK)
		log_errx("http: curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
	http_check_done(h);
}

static void
http_sock_ev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_sock	*s = arg;
	struct http		*h = s->http;	/* s may be freed by the call */
	CURLMcode		 mc;
	int			 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	mc = curl_multi_socket_action(h->multi, fd, action, &running);
	if (mc != CURLM_OK)
		log_errx("http: curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
	http_check_done(h);
}

static void
http_sock_free(struct http_sock *s)
{
	LIST_REMOVE(s, entry);
	/* The fd may already be closed: libevent ignores EBADF on delete. */
	if (s->ev != NULL)
		event_free(s->ev);
	free(s);
}

/* curl's socket callback: (re)arm or drop the one event of a socket. */
static int
http_sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http		*h = userp;
	struct http_sock	*s = socketp;
	short			 kind = EV_PERSIST;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			http_sock_free(s);
		return 0;
	}
	if (s == NULL) {
		/* A context curl forgot to drop for a reused fd number. */
		LIST_FOREACH(s, &h->socks, entry) {
			if (s->fd == fd)
				break;
		}
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->http = h;
		s->fd = fd;
		if ((s->ev = event_new(h->base, fd, 0, http_sock_ev_cb,
		    s)) == NULL) {
			log_errx("http: event_new failed for fd %d", (int)fd);
			free(s);
			return 0;
		}
		LIST_INSERT_HEAD(&h->socks, s, entry);
	}
	(void)curl_multi_assign(h->multi, fd, s);
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	event_del(s->ev);
	event_assign(s->ev, h->base, fd, kind, http_sock_ev_cb, s);
	if (event_add(s->ev, NULL) == -1)
		log_errx("http: event_add failed for fd %d", (int)fd);
	return 0;
}

/* curl's timer callback: one libevent timer, -1 disarms it. */
static int
http_timerfunc_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct http	*h = userp;
	struct timeval	 tv;

	(void)m;
	if (h->timer == NULL)
		return 0;
	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (evtimer_add(h->timer, &tv) == -1)
		log_errx("http: evtimer_add failed");
	return 0;
}

/* The own transport's ending of a request: to the done list. */
static void
http_h1_done(struct http_req *r, int code, void *arg)
{
	(void)arg;
	http_req_finish(r, (CURLcode)code, 1);
}

/* After the own transport's event: the callbacks, nothing after them. */
static void
http_h1_flush(void *arg)
{
	(void)http_dispatch(arg);
}

/* A proxy in the environment applies to http://: curl honours it. */
static int
http_proxied(void)
{
	static const char *const vars[] = { "http_proxy", "all_proxy",
	    "ALL_PROXY" };
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return 1;
	}
	return 0;
}

/* Creates the engine on the daemon's loop. */
struct http *
http_new(struct event_base *base)
{
	struct http	*h = NULL;
	CURLMcode	 mc = CURLM_OK;

	if (base == NULL)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_errx("http: curl_global_init failed");
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	h->base = base;
	TAILQ_INIT(&h->pools);
	LIST_INIT(&h->socks);
	TAILQ_INIT(&h->done);
	h->maxconns = HTTP_MAXCONNECTS_MIN;
	if (!http_proxied())
		h->h1 = http_h1_new(base, http_h1_done, http_h1_flush, h);
	if ((h->multi = curl_multi_init()) == NULL) {
		log_errx("http: curl_multi_init failed");
		goto fail;
	}
	if ((h->timer = evtimer_new(base, http_timer_cb, h)) == NULL ||
	    (h->kick = event_new(base, -1, 0, http_kick_cb, h)) == NULL) {
		log_errx("http: event_new failed");
		goto fail;
	}
	mc = curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_sock_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION,
		    http_timerfunc_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
		    h->maxconns);
	if (mc != CURLM_OK) {
		log_errx("http: curl_multi_setopt: %s",
		    curl_multi_strerror(mc));
		goto fail;
	}
	return h;
fail:
	http_destroy(h);
	return NULL;
}

/* Drops a pool's requests and idle handles; the pool itself stays. */
static void
http_pool_cancel(struct http_pool *p)
{
	struct http	*h = p->http;
	struct http_req	*r, *next;
	CURLMcode	 mc;

	while ((r = TAILQ_FIRST(&p->active)) != NULL) {
		TAILQ_REMOVE(&p->active, r, entry);
		p->ninflight--;
		if (r->h1)
			http_h1_cancel(h->h1, r);
		else if ((mc = curl_multi_remove_handle(h->multi, r->easy)) !=
		    CURLM_OK)
			log_errx("http: curl_multi_remove_handle: %s",
			    curl_multi_strerror(mc));
		http_req_free(r);
	}
	while ((r = TAILQ_FIRST(&p->queue)) != NULL) {
		TAILQ_REMOVE(&p->queue, r, entry);
		p->nqueued--;
		http_req_free(r);
	}
	for (r = TAILQ_FIRST(&h->done); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->pool == p) {
			TAILQ_REMOVE(&h->done, r, entry);
			http_req_free(r);
		}
	}
	while (p->nspare > 0)
		curl_easy_cleanup(p->spare[--p->nspare]);
}

static void
http_destroy(struct http *h)
{
	struct http_pool	*p;
	struct http_sock	*s;
	struct http_req		*r;

	if (h == NULL)
		return;
	while ((p = TAILQ_FIRST(&h->pools)) != NULL) {
		http_pool_cancel(p);
		TAILQ_REMOVE(&h->pools, p, entry);
		p->http = NULL;
	}
	while ((r = TAILQ_FIRST(&h->done)) != NULL) {
		TAILQ_REMOVE(&h->done, r, entry);
		http_req_free(r);
	}
	http_h1_free(h->h1);
	/* Closing cached connections calls back into http_sock_cb. */
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	while ((s = LIST_FIRST(&h->socks)) != NULL)
		http_sock_free(s);
	if (h->timer != NULL)
		event_free(h->timer);
	if (h->kick != NULL)
		event_free(h->kick);
	free(h);
	curl_global_cleanup();
}

/* Cancels everything still queued or in flight, without callbacks. */
void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	/* Asked from a callback: finish after it, in http_dispatch(). */
	if (h->dispatching) {
		h->dying = 1;
		return;
	}
	http_destroy(h);
}

/* Creates a FIFO pool handing at most max_concurrency requests to curl. */
struct http_pool *
http_pool_new(struct http *h, const char *name, int max_concurrency)
{
	struct http_pool	*p;
	struct http_pool	*q;
	long			 sum = 0;
	CURLMcode		 mc;

	if (h == NULL || h->dying || max_concurrency < 1)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->http = h;
	p->name = xstrdup(name != NULL ? name : "");
	p->max = max_concurrency;
	TAILQ_INIT(&p->queue);
	TAILQ_INIT(&p->active);
	p->spare = xcalloc((size_t)max_concurrency, sizeof *p->spare);
	TAILQ_INSERT_TAIL(&h->pools, p, entry);

	/* Room in the connection cache for every slot, so none is dropped. */
	TAILQ_FOREACH(q, &h->pools, entry)
		sum += q->max;
	if (sum > h->maxconns) {
		h->maxconns = sum;
		if (h->h1 != NULL)
			http_h1_set_maxidle(h->h1, (size_t)sum);
		mc = curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, sum);
		if (mc != CURLM_OK)
			log_errx("http: CURLMOPT_MAXCONNECTS: %s",
			    curl_multi_strerror(mc));
	}
	return p;
}

/* Cancels the pool's requests without callbacks and frees it; after http_free too. */
void
http_pool_free(struct http_pool *p)
{
	if (p == NULL)
		return;
	if (p->http != NULL) {
		http_pool_cancel(p);
		TAILQ_REMOVE(&p->http->pools, p, entry);
	}
	free(p->spare);
	free(p->name);
	free(p);
}

/* Queues a copy of req on the pool; cb runs later, from the loop. */
int
http_submit(struct http_pool *p, const struct http_request *req, http_cb cb,
    void *arg)
{
	struct http_req	*r;

	if (p == NULL || cb == NULL || p->http == NULL || p->http->dying ||
	    !http_request_valid(req))
		return -1;
	r = xcalloc(1, sizeof *r);
	r->pool = p;
	r->url = xstrdup(req->url);
	r->connect_timeout_ms = req->connect_timeout_ms;
	r->timeout_ms = req->timeout_ms;
	r->cb = cb;
	r->arg = arg;
	buf_init(&r->rbody);
	buf_init(&r->rhdrs);
	buf_init(&r->h1_req);
	/* the own transport: its bytes made now, nothing else kept */
	if ((r->h1 = p->http->h1 != NULL && http_h1_url(r)))
		http_h1_request(r, req);
	else
		http_req_copy(r, req);
	TAILQ_INSERT_TAIL(&p->queue, r, entry);
	p->nqueued++;
	event_active(p->http->kick, EV_TIMEOUT, 0);
	return 0;
}

/* Requests of the pool currently handed to curl. */
size_t
http_pool_inflight(const struct http_pool *p)
{
	return p != NULL ? p->ninflight : 0;
}

/* Requests of the pool waiting for a slot. */
size_t
http_pool_queued(const struct http_pool *p)
{
	return p != NULL ? p->nqueued : 0;
}
