/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the HTTP engine against an in-process evhttp server on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"

#define MAXPORTS	64
#define MAXRESULTS	16

/* The test server: records what it saw, answers by path. */
struct srv {
	struct event_base	*base;
	struct evhttp		*evh;
	int			 port;
	int			 delay_ms;	/* for /slow */
	int			 nreq;
	int			 pending;	/* received, reply not yet sent */
	int			 maxpending;
	unsigned short		 ports[MAXPORTS];	/* distinct peer ports */
	int			 nports;
	char			 method[16];
	char			 body[256];
	char			 xtest[64];
	char			 ctype[64];
	char			 auth[128];
	int			 has_expect;
};

struct delayed {
	struct srv		*srv;
	struct evhttp_request	*req;
	struct event		*ev;
};

/* What a callback saw, copied out of the response. */
struct result {
	int		 done;
	long		 status;
	int		 error;
	long		 retry_after_s;
	char		 body[128];
	size_t		 bodylen;
	unsigned long	 bodysum;	/* every byte, added */
	char		 xreply[32];
	double		 total_ms;
};

struct fx {
	struct event_base	*base;
	struct srv		 srv;
	struct http		*http;
	struct http_pool	*pool;
	struct result		 res[MAXRESULTS];
	int			 ndone;
	int			 inflight_max;	/* seen client-side in callbacks */
	int			 chain;		/* callback submits this many more */
	int			 free_in_cb;	/* callback frees the http */
};

static struct fx	*cur;	/* the running fixture, for callbacks */

static void
srv_track_peer(struct srv *s, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;
	int				 i;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return;
	evhttp_connection_get_peer(evcon, &addr, &port);
	for (i = 0; i < s->nports; i++) {
		if (s->ports[i] == port)
			return;
	}
	if (s->nports < MAXPORTS)
		s->ports[s->nports++] = port;
}

static void
srv_reply(struct srv *s, struct evhttp_request *req, int code,
    const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, "X", b);
	evbuffer_free(b);
	s->pending--;
}

static void
srv_delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct delayed	*d = arg;

	(void)fd;
	(void)what;
	srv_reply(d->srv, d->req, 200, "slow");
	event_free(d->ev);
	free(d);
}

static void
srv_capture(struct srv *s, struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*b = evhttp_request_get_input_buffer(req);
	const char		*v;
	ev_ssize_t		 n;

	snprintf(s->method, sizeof s->method, "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
	    "OTHER");
	n = evbuffer_copyout(b, s->body, sizeof s->body - 1);
	s->body[n < 0 ? 0 : n] = '\0';
	v = evhttp_find_header(in, "X-Test");
	snprintf(s->xtest, sizeof s->xtest, "%s", v != NULL ? v : "");
	v = evhttp_find_header(in, "Content-Type");
	snprintf(s->ctype, sizeof s->ctype, "%s", v != NULL ? v : "");
	v = evhttp_find_header(in, "Authorization");
	snprintf(s->auth, sizeof s->auth, "%s", v != NULL ? v : "");
	s->has_expect = evhttp_find_header(in, "Expect") != NULL;
}

/* An answer larger than a read (16 KiB) and than an idle connection keeps. */
#define BIG_LEN		40000

static const char *
big_body(void)
{
	static char	b[BIG_LEN + 1];
	size_t		i;

	for (i = 0; i < BIG_LEN; i++)
		b[i] = (char)('a' + i % 26);
	return b;
}

static unsigned long
big_sum(void)
{
	const char	*b = big_body();
	unsigned long	 sum = 0;
	size_t		 i;

	for (i = 0; i < BIG_LEN; i++)
		sum += (unsigned char)b[i];
	return sum;
}

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	struct srv	*s = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char	*path = evhttp_request_get_uri(req);
	struct delayed	*d;
	struct timeval	 tv;

	s->nreq++;
	if (++s->pending > s->maxpending)
		s->maxpending = s->pending;
	srv_track_peer(s, req);

	if (strcmp(path, "/post") == 0) {
		srv_capture(s, req);
		evhttp_add_header(out, "X-Reply", "yes");
		srv_reply(s, req, 201, "created");
	} else if (strcmp(path, "/429ra") == 0) {
		evhttp_add_header(out, "Retry-After", "7");
		srv_reply(s, req, 429, "slow down");
	} else if (strcmp(path, "/429zero") == 0) {
		evhttp_add_header(out, "Retry-After", "0");
		srv_reply(s, req, 429, "slow down");
	} else if (strcmp(path, "/429") == 0) {
		srv_reply(s, req, 429, "slow down");
	} else if (strcmp(path, "/big") == 0) {
		srv_reply(s, req, 200, big_body());
	} else if (strcmp(path, "/503") == 0) {
		srv_reply(s, req, 503, "unavailable");
	} else if (strcmp(path, "/slow") == 0) {
		d = calloc(1, sizeof *d);
		d->srv = s;
		d->req = req;
		d->ev = evtimer_new(s->base, srv_delayed_cb, d);
		tv.tv_sec = s->delay_ms / 1000;
		tv.tv_usec = (s->delay_ms % 1000) * 1000;
		evtimer_add(d->ev, &tv);
	} else
		srv_reply(s, req, 200, "ok");
}

static void
srv_start(struct srv *s, struct event_base *base)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	memset(s, 0, sizeof *s);
	s->base = base;
	s->delay_ms = 200;
	assert_non_null(s->evh = evhttp_new(base));
	evhttp_set_gencb(s->evh, srv_cb, s);
	bs = evhttp_bind_socket_with_handle(s->evh, "127.0.0.1", 0);
	assert_non_null(bs);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
}

/* Loops until cond holds or ms pass; returns whether cond held. */
static int	deadline_hit;

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	deadline_hit = 1;
}

static int
run_until(struct event_base *base, int (*cond)(void), int ms)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	deadline_hit = 0;
	ev = evtimer_new(base, deadline_cb, NULL);
	evtimer_add(ev, &tv);
	while (!cond() && !deadline_hit)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return cond();
}

static int	want_done;

static int
cond_done(void)
{
	return cur->ndone >= want_done;
}

static int
cond_srv_idle(void)
{
	return cur->srv.pending == 0;
}

static int	want_pending;

static int
cond_srv_pending(void)
{
	return cur->srv.pending >= want_pending;
}

static void
url(char *out, size_t len, const char *path)
{
	snprintf(out, len, "http://127.0.0.1:%d%s", cur->srv.port, path);
}

static void submit_get(const char *, long);

static void
test_cb(const struct http_response *resp, void *arg)
{
	struct result	*r = arg;
	int		 inflight;
	size_t		 i;

	r->done++;
	r->status = resp->status;
	r->error = resp->error;
	r->retry_after_s = resp->retry_after_s;
	r->bodylen = resp->bodylen;
	for (r->bodysum = 0, i = 0; i < resp->bodylen; i++)
		r->bodysum += (unsigned char)resp->body[i];
	snprintf(r->body, sizeof r->body, "%s", resp->body);
	if (http_response_header(resp, "X-Reply", r->xreply,
	    sizeof r->xreply) == -1)
		r->xreply[0] = '\0';
	r->total_ms = resp->total_ms;
	if (resp->error != 0)
		assert_true(resp->errmsg != NULL && resp->errmsg[0] != '\0');
	inflight = (int)http_pool_inflight(cur->pool);
	if (inflight > cur->inflight_max)
		cur->inflight_max = inflight;
	cur->ndone++;
	if (cur->chain > 0) {
		cur->chain--;
		submit_get("/ok", 2000);
	}
	if (cur->free_in_cb) {
		http_free(cur->http);
		cur->http = NULL;
	}
}

static void
submit_path(const char *method, const char *path, long timeout_ms,
    const char *body, const char **headers, size_t nheaders,
    const char *userpwd)
{
	struct http_request	 req;
	char			 u[128];

	assert_true(cur->ndone + (int)http_pool_inflight(cur->pool) +
	    (int)http_pool_queued(cur->pool) < MAXRESULTS);
	url(u, sizeof u, path);
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = u;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = body;
	req.bodylen = body != NULL ? strlen(body) : 0;
	req.userpwd = userpwd;
	req.connect_timeout_ms = 1000;
	req.timeout_ms = timeout_ms;
	assert_int_equal(http_submit(cur->pool, &req, test_cb,
	    &cur->res[cur->ndone + http_pool_inflight(cur->pool) +
	    http_pool_queued(cur->pool)]), 0);
}

static void
submit_get(const char *path, long timeout_ms)
{
	submit_path("GET", path, timeout_ms, NULL, NULL, 0, NULL);
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	srv_start(&f->srv, f->base);
	assert_non_null(f->http = http_new(f->base));
	assert_non_null(f->pool = http_pool_new(f->http, "test", 4));
	cur = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	/* The engine first, then its pool: either order must be safe. */
	http_free(f->http);
	assert_int_equal(http_pool_inflight(f->pool), 0);
	assert_int_equal(http_pool_queued(f->pool), 0);
	http_pool_free(f->pool);
	/* Let delayed replies go out so the server frees its requests. */
	assert_true(run_until(f->base, cond_srv_idle, 3000));
	evhttp_free(f->srv.evh);
	event_base_free(f->base);
	free(f);
	cur = NULL;
	return 0;
}

static void
test_post_roundtrip(void **state)
{
	struct fx	*f = *state;
	const char	*hdrs[] = { "Content-Type: application/json",
			    "X-Test: abc" };
	const char	*body = "{\"hello\":\"monde\"}";

	submit_path("POST", "/post", 2000, body, hdrs, 2, "user:pass");
	assert_int_equal(f->res[0].done, 0);	/* never synchronous */
	assert_int_equal(http_pool_queued(f->pool), 1);
	want_done = 1;
	assert_true(run_until(f->base, cond_done, 3000));
	assert_int_equal(f->res[0].done, 1);
	assert_int_equal(f->res[0].error, 0);
	assert_int_equal(f->res[0].status, 201);
	assert_string_equal(f->res[0].body, "created");
	assert_int_equal(f->res[0].bodylen, 7);
	assert_string_equal(f->res[0].xreply, "yes");
	assert_int_equal(f->res[0].retry_after_s, -1);
	assert_true(f->res[0].total_ms > 0);
	assert_string_equal(f->srv.method, "POST");
	assert_string_equal(f->srv.body, body);
	assert_string_equal(f->srv.xtest, "abc");
	assert_string_equal(f->srv.ctype, "application/json");
	assert_string_equal(f->srv.auth, "Basic dXNlcjpwYXNz");
	assert_int_equal(f->srv.has_expect, 0);
	assert_int_equal(http_pool_inflight(f->pool), 0);
	assert_int_equal(http_pool_queued(f->pool), 0);
}

static void
test_retry_after(void **state)
{
	struct fx	*f = *state;

	submit_get("/429ra", 2000);
	submit_get("/429", 2000);
	submit_get("/429zero", 2000);
	want_done = 3;
	assert_true(run_until(f->base, cond_done, 3000));
	/* Pool of 4 on one host: completion order is not fixed; check by body. */
	assert_int_equal(f->res[0].status, 429);
	assert_int_equal(f->res[0].retry_after_s, 7);
	assert_int_equal(f->res[1].status, 429);
	assert_int_equal(f->res[1].retry_after_s, -1);
	assert_int_equal(f->res[2].status, 429);
	assert_int_equal(f->res[2].retry_after_s, 0);
}

static void
test_503(void **state)
{
	struct fx	*f = *state;

	submit_get("/503", 2000);
	want_done = 1;
	assert_true(run_until(f->base, cond_done, 3000));
	assert_int_equal(f->res[0].error, 0);
	assert_int_equal(f->res[0].status, 503);
	assert_string_equal(f->res[0].body, "unavailable");
}

static void
test_refused(void **state)
{
	struct fx		*f = *state;
	struct http_request	 req;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			 u[64];
	int			 fd;

	/* A port that was just free: bind, read it back, close. */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/", ntohs(sin.sin_port));
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = u;
	req.timeout_ms = 2000;
	assert_int_equal(http_submit(f->pool, &req, test_cb, &f->res[0]), 0);
	want_done = 1;
	assert_true(run_until(f->base, cond_done, 3000));
	assert_int_equal(f->res[0].error, CURLE_COULDNT_CONNECT);
	assert_int_equal(f->res[0].status, 0);
}

static void
test_timeout(void **state)
{
	struct fx	*f = *state;

	f->srv.delay_ms = 600;
	submit_get("/slow", 100);
	want_done = 1;
	assert_true(run_until(f->base, cond_done, 3000));
	assert_int_equal(f->res[0].error, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(f->res[0].status, 0);
}

static void
test_pool_queueing(void **state)
{
	struct fx	*f = *state;
	int		 i;

	http_pool_free(f->pool);
	assert_non_null(f->pool = http_pool_new(f->http, "two", 2));
	/* 10 × 100 ms two at a time is 500 ms; each has only 350 ms. */
	f->srv.delay_ms = 100;
	for (i = 0; i < 10; i++)
		submit_get("/slow", 350);
	assert_int_equal(http_pool_queued(f->pool), 10);
	want_done = 10;
	assert_true(run_until(f->base, cond_done, 5000));
	for (i = 0; i < 10; i++) {
		assert_int_equal(f->res[i].done, 1);
		assert_int_equal(f->res[i].error, 0);
		assert_int_equal(f->res[i].status, 200);
		assert_string_equal(f->res[i].body, "slow");
		assert_true(f->res[i].total_ms < 350);	/* queueing excluded */
	}
	assert_int_equal(f->srv.maxpending, 2);
	assert_true(f->srv.nports <= 2);
	assert_true(f->inflight_max <= 2);
	assert_int_equal(f->srv.nreq, 10);
}

static void
test_callback_submits(void **state)
{
	struct fx	*f = *state;

	f->chain = 2;
	submit_get("/ok", 2000);
	want_done = 3;
	assert_true(run_until(f->base, cond_done, 3000));
	assert_int_equal(f->res[0].status, 200);
	assert_int_equal(f->res[1].status, 200);
	assert_int_equal(f->res[2].status, 200);
	assert_int_equal(f->srv.nreq, 3);
}

/* GETs of paths[0..n) through a pool of one connection, all answered. */
static void
gets_on_one_connection(struct fx *f, const char *const *paths, int n)
{
	int	i;

	http_pool_free(f->pool);
	assert_non_null(f->pool = http_pool_new(f->http, "one", 1));
	for (i = 0; i < n; i++)
		submit_get(paths[i], 2000);
	want_done = n;
	assert_true(run_until(f->base, cond_done, 3000));
}

static void
test_connection_reuse(void **state)
{
	static const char *const paths[] = { "/ok", "/ok", "/ok", "/ok", "/ok",
	    "/ok" };
	struct fx	*f = *state;
	int		 i;

	gets_on_one_connection(f, paths, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(f->res[i].status, 200);
	assert_int_equal(f->srv.nreq, 6);
	assert_int_equal(f->srv.nports, 1);
}

/*
 * Large answers, read in several reads, between small ones on the one
 * connection: each whole, and the connection kept after a large one too
 * (its read buffer let go of while idle).
 */
static void
test_big_answers(void **state)
{
	static const char *const paths[] = { "/big", "/ok", "/big", "/ok",
	    "/big", "/ok" };
	struct fx	*f = *state;
	int		 i;

	gets_on_one_connection(f, paths, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(f->res[i].status, 200);
		if (i % 2 == 0) {
			assert_int_equal(f->res[i].bodylen, BIG_LEN);
			assert_int_equal(f->res[i].bodysum, big_sum());
			assert_int_equal(strncmp(f->res[i].body, "abcdefgh", 8),
			    0);
		} else
			assert_string_equal(f->res[i].body, "ok");
	}
	assert_int_equal(f->srv.nreq, 6);
	assert_int_equal(f->srv.nports, 1);
}

static void
test_bad_input(void **state)
{
	struct fx		*f = *state;
	struct http_request	 req;
	const char		*crlf[] = { "X-Test: a\r\nX-Evil: b" };
	char			 u[64];

	url(u, sizeof u, "/ok");
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = u;
	assert_int_equal(http_submit(NULL, &req, test_cb, NULL), -1);
	assert_int_equal(http_submit(f->pool, NULL, test_cb, NULL), -1);
	assert_int_equal(http_submit(f->pool, &req, NULL, NULL), -1);
	/* what http_request_valid() refuses (test_http_req.c) is not queued */
	req.method = "PO ST";
	assert_int_equal(http_submit(f->pool, &req, test_cb, NULL), -1);
	req.method = "GET";
	req.headers = crlf;
	req.nheaders = 1;
	assert_int_equal(http_submit(f->pool, &req, test_cb, NULL), -1);
	assert_int_equal(http_pool_queued(f->pool), 0);
	assert_null(http_pool_new(f->http, "zero", 0));
	http_free(NULL);
	http_pool_free(NULL);
}

static void
test_free_inflight(void **state)
{
	struct fx		*f = *state;
	struct http_request	 req;
	char			 u[64];
	int			 i;

	url(u, sizeof u, "/ok");
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = u;
	f->srv.delay_ms = 300;
	for (i = 0; i < 8; i++)
		submit_get("/slow", 2000);
	want_pending = 4;
	assert_true(run_until(f->base, cond_srv_pending, 3000));
	assert_int_equal(f->ndone, 0);	/* all four started at once */
	assert_int_equal(http_pool_inflight(f->pool), 4);
	assert_int_equal(http_pool_queued(f->pool), 4);
	http_free(f->http);
	f->http = NULL;
	assert_int_equal(http_submit(f->pool, &req, test_cb, &f->res[0]), -1);
	/* No callback may come now, even once the server answers. */
	assert_true(run_until(f->base, cond_srv_idle, 3000));
	assert_int_equal(f->ndone, 0);
}

static void
test_pool_free_inflight(void **state)
{
	struct fx	*f = *state;
	int		 i;

	f->srv.delay_ms = 300;
	for (i = 0; i < 6; i++)
		submit_get("/slow", 2000);
	want_pending = 4;
	assert_true(run_until(f->base, cond_srv_pending, 3000));
	http_pool_free(f->pool);
	/* The engine goes on serving other pools. */
	assert_non_null(f->pool = http_pool_new(f->http, "after", 1));
	submit_get("/ok", 2000);
	want_done = 2;
	assert_false(run_until(f->base, cond_done, 800));
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->res[0].status, 200);
	assert_string_equal(f->res[0].body, "ok");
}

static void
test_free_in_callback(void **state)
{
	struct fx	*f = *state;

	/* The first answer frees the engine; the slow ones never call back. */
	f->srv.delay_ms = 300;
	submit_get("/slow", 2000);
	submit_get("/slow", 2000);
	submit_get("/ok", 2000);
	f->free_in_cb = 1;
	want_done = 2;
	assert_false(run_until(f->base, cond_done, 800));
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->res[2].status, 200);
	assert_null(f->http);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_post_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_after, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_queueing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callback_submits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_connection_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_inflight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pool_free_inflight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_in_callback, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
