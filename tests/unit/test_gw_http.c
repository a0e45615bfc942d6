/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for gw_http.c: URLs, excerpts, transport errors, config checks, calls on loopback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "config_parse.h"
#include "diag.h"
#include "envelope.h"
#include "gw.h"
#include "gw_http.h"
#include "http.h"
#include "utf8.h"
#include "ynode.h"

/* gw_http_url's answer, compared and freed. */
static void
test_url_is(char *got, const char *want)
{
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("url: expected %s, got %s", want, got);
	free(got);
}

/* The base (or the fallback) without its trailing slashes, then the path. */
static void
test_url(void **state)
{
	(void)state;
	test_url_is(gw_http_url("https://api.example.com", "https://f.example",
	    "/v3/mail/send"), "https://api.example.com/v3/mail/send");
	test_url_is(gw_http_url("https://api.example.com/", "https://f.example",
	    "/v3/mail/send"), "https://api.example.com/v3/mail/send");
	test_url_is(gw_http_url("https://api.example.com///",
	    "https://f.example", "/v3/mail/send"),
	    "https://api.example.com/v3/mail/send");
	/* no base, or an empty one: the provider's own */
	test_url_is(gw_http_url(NULL, "https://api.sendgrid.com",
	    "/v3/mail/send"), "https://api.sendgrid.com/v3/mail/send");
	test_url_is(gw_http_url("", "https://api.sendgrid.com/",
	    "/v3/mail/send"), "https://api.sendgrid.com/v3/mail/send");
	/* a base with a path (a mock), the path formatted */
	test_url_is(gw_http_url("http://127.0.0.1:9000/mock/", NULL,
	    "/2010-04-01/Accounts/%s/Messages.json", "AC0123"),
	    "http://127.0.0.1:9000/mock/2010-04-01/Accounts/AC0123/"
	    "Messages.json");
	test_url_is(gw_http_url("https://api.eu.mailgun.net/", NULL,
	    "/v3/%s/messages", "mg.example.org"),
	    "https://api.eu.mailgun.net/v3/mg.example.org/messages");
	test_url_is(gw_http_url("https://h.example/base/", NULL, "%s", ""),
	    "https://h.example/base");
}

/* gw_http_excerpt of body (len bytes) into outlen bytes. */
static void
test_excerpt_is(const char *body, size_t len, size_t outlen, const char *want)
{
	char	out[256];

	assert_true(outlen <= sizeof out);
	memset(out, 'Z', sizeof out);
	gw_http_excerpt(body, len, out, outlen);
	if (strcmp(out, want) != 0)
		fail_msg("excerpt: expected \"%s\", got \"%s\"", want, out);
}

static void
test_excerpt(void **state)
{
	char	body[400], want[200];
	char	out[8];

	(void)state;
	test_excerpt_is("", 0, 200, "");
	test_excerpt_is("{\"error\":\"bad to\"}", 18, 200,
	    "{\"error\":\"bad to\"}");
	/* control bytes (a NUL too) become spaces: one line for the log */
	test_excerpt_is("a\r\nb\tc\x7f\0d\x1b", 10, 200, "a  b c  d ");
	/* only len bytes are read */
	test_excerpt_is("abcdef", 3, 200, "abc");
	/* UTF-8 is kept; what is not UTF-8 becomes '?' */
	test_excerpt_is("Accès refusé", strlen("Accès refusé"), 200,
	    "Accès refusé");
	test_excerpt_is("caf\xe9 ok", 7, 200, "caf? ok");

	/* 160 bytes at most, whatever room there is */
	memset(body, 'a', sizeof body);
	memset(want, 'a', 160);
	want[160] = '\0';
	test_excerpt_is(body, sizeof body, 200, want);
	test_excerpt_is(body, sizeof body, 256, want);
	/* less when the room is smaller; always NUL-terminated */
	test_excerpt_is(body, sizeof body, 8, "aaaaaaa");
	test_excerpt_is(body, sizeof body, 1, "");
	memset(out, 'Z', sizeof out);
	gw_http_excerpt(body, sizeof body, out, 0);
	assert_int_equal(out[0], 'Z');

	/* a character cut at 160 bytes: its bytes become '?' */
	memcpy(body + 159, "\xc3\xa9", 2);
	memcpy(want + 159, "?", 2);
	test_excerpt_is(body, 161, 200, want);
	memset(body, 'a', sizeof body);
	memcpy(body + 158, "\xe2\x82\xac", 3);
	memcpy(want + 158, "??", 3);
	test_excerpt_is(body, 161, 200, want);
	assert_int_equal(utf8_valid(want, strlen(want), NULL), 0);
	/* one that ends at 160 is kept whole */
	memset(body, 'a', sizeof body);
	memcpy(body + 157, "\xe2\x82\xac", 3);
	memset(want, 'a', 157);
	memcpy(want + 157, "\xe2\x82\xac", 4);
	test_excerpt_is(body, 200, 200, want);
}

/* A response with no HTTP answer is a retry, with curl's words. */
static void
test_transport(void **state)
{
	struct http_response	 r;
	struct gw_result	 res, before;
	char			 msg[400], want[256];

	(void)state;
	memset(&r, 0, sizeof r);
	r.status = 500;
	r.retry_after_s = -1;
	memset(&res, 0x5a, sizeof res);
	before = res;
	/* an HTTP answer, even a 500: the kind's to sort, res untouched */
	assert_int_equal(gw_http_transport(&r, &res), 0);
	assert_memory_equal(&res, &before, sizeof res);

	r.status = 0;
	r.error = CURLE_COULDNT_CONNECT;
	r.errmsg = "Failed to connect to 127.0.0.1 port 9: Connection refused";
	memset(&res, 0, sizeof res);
	assert_int_equal(gw_http_transport(&r, &res), 1);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "transport: Failed to connect to "
	    "127.0.0.1 port 9: Connection refused");

	/* no message from curl */
	r.errmsg = NULL;
	assert_int_equal(gw_http_transport(&r, &res), 1);
	assert_string_equal(res.reason, "transport: error");
	r.errmsg = "";
	assert_int_equal(gw_http_transport(&r, &res), 1);
	assert_string_equal(res.reason, "transport: error");

	/* a long one is cut to the reason's size */
	memset(msg, 'm', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	r.errmsg = msg;
	r.error = CURLE_OPERATION_TIMEDOUT;
	assert_int_equal(gw_http_transport(&r, &res), 1);
	memcpy(want, "transport: ", 11);
	memset(want + 11, 'm', sizeof want - 12);
	want[sizeof want - 1] = '\0';
	assert_int_equal(strlen(res.reason), sizeof res.reason - 1);
	assert_string_equal(res.reason, want);
}

/* gw_http_check of a gateway "out" with url (NULL: none) and has_secret. */
static int
test_check_one(const char *url, int has_secret, struct diag *err,
    struct diag *warn)
{
	struct config_ctx	 c;
	struct config_gateway	 g;
	struct ynode		*root;
	char			 text[256], name[] = "out", kind[] = "webhook";
	int			 rc;

	diag_init(err);
	diag_init(warn);
	snprintf(text, sizeof text, "out:\n  kind: webhook\n%s%s%s",
	    url != NULL ? "  url: " : "", url != NULL ? url : "",
	    url != NULL ? "\n" : "");
	if ((root = ynode_load_string("t.yaml", text, strlen(text), err)) ==
	    NULL)
		fail_msg("YAML refused: %s", text);
	memset(&c, 0, sizeof c);
	c.file = "t.yaml";
	c.dir = ".";
	c.diag = err;
	c.warn = warn;
	memset(&g, 0, sizeof g);
	g.name = name;
	g.kind = kind;
	g.url = (char *)url;
	g.has_secret = has_secret;
	rc = gw_http_check(&c, &g, root->keys[0], root->items[0]);
	ynode_free(root);
	return rc;
}

static void
test_check(void **state)
{
	struct diag	err, warn;

	(void)state;
	/* no url: the kind says whether it needs one */
	assert_int_equal(test_check_one(NULL, 1, &err, &warn), 0);
	assert_int_equal(err.n + warn.n, 0);
	diag_free(&err);
	diag_free(&warn);

	assert_int_equal(test_check_one("ftp://hooks.example/in", 0, &err,
	    &warn), -1);
	assert_int_equal(err.n, 1);
	assert_string_equal(err.msgs[0],
	    "t.yaml:3:8: gateway url must start with http:// or https://");
	assert_int_equal(warn.n, 0);
	diag_free(&err);
	diag_free(&warn);

	assert_int_equal(test_check_one("https://hooks.example/in", 1, &err,
	    &warn), 0);
	assert_int_equal(err.n + warn.n, 0);
	diag_free(&err);
	diag_free(&warn);

	/* a secret over http:// to another host: a warning, not an error */
	assert_int_equal(test_check_one("http://hooks.example/in", 1, &err,
	    &warn), 0);
	assert_int_equal(err.n, 0);
	assert_int_equal(warn.n, 1);
	assert_string_equal(warn.msgs[0], "t.yaml:1:1: warning: gateway out "
	    "sends its credentials and messages in clear to "
	    "http://hooks.example/in: use https:// (or STARTTLS)");
	diag_free(&err);
	diag_free(&warn);

	/* no secret, or a loopback host: nothing to say */
	assert_int_equal(test_check_one("http://hooks.example/in", 0, &err,
	    &warn), 0);
	assert_int_equal(err.n + warn.n, 0);
	diag_free(&err);
	diag_free(&warn);
	assert_int_equal(test_check_one("http://127.0.0.1:8080/in", 1, &err,
	    &warn), 0);
	assert_int_equal(err.n + warn.n, 0);
	diag_free(&err);
	diag_free(&warn);
}

/* The loopback server: records the last request, answers by path. */
struct srv {
	struct event_base	*base;
	struct evhttp		*evh;
	int			 port;
	int			 nreq;
	int			 pending;	/* received, not answered yet */
	char			 method[16];
	char			 uri[64];
	char			 body[256];
	char			 xtest[64];
	char			 auth[128];
};

struct delayed {
	struct srv		*srv;
	struct evhttp_request	*req;
	struct event		*ev;
};

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
srv_cb(struct evhttp_request *req, void *arg)
{
	struct srv		*s = arg;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*b = evhttp_request_get_input_buffer(req);
	struct delayed		*d;
	struct timeval		 tv = { 1, 0 };
	const char		*v;
	ev_ssize_t		 n;

	s->nreq++;
	s->pending++;
	snprintf(s->method, sizeof s->method, "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
	    "OTHER");
	snprintf(s->uri, sizeof s->uri, "%s", evhttp_request_get_uri(req));
	n = evbuffer_copyout(b, s->body, sizeof s->body - 1);
	s->body[n < 0 ? 0 : n] = '\0';
	v = evhttp_find_header(in, "X-Test");
	snprintf(s->xtest, sizeof s->xtest, "%s", v != NULL ? v : "");
	v = evhttp_find_header(in, "Authorization");
	snprintf(s->auth, sizeof s->auth, "%s", v != NULL ? v : "");
	if (strcmp(s->uri, "/slow") == 0) {
		assert_non_null(d = calloc(1, sizeof *d));
		d->srv = s;
		d->req = req;
		d->ev = evtimer_new(s->base, srv_delayed_cb, d);
		evtimer_add(d->ev, &tv);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Reply",
	    "yes");
	srv_reply(s, req, 201, "created");
}

static void
srv_start(struct srv *s, struct event_base *base)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	memset(s, 0, sizeof *s);
	s->base = base;
	assert_non_null(s->evh = evhttp_new(base));
	evhttp_set_gencb(s->evh, srv_cb, s);
	bs = evhttp_bind_socket_with_handle(s->evh, "127.0.0.1", 0);
	assert_non_null(bs);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
}

/* What the classifier and the callback saw of one call. */
struct answer {
	int			 classified;
	int			 calls;
	int			 zeroed;	/* res was zero when classify ran */
	long			 status;
	int			 error;
	char			 xreply[16];
	struct gw_result	 res;
	struct gw_http		**free_me;	/* the callback frees *free_me */
};

struct fx {
	struct event_base	*base;
	struct srv		 srv;
	struct http		*http;
	struct gw		 g;
	struct config_gateway	 cg;
	struct gw_http		*h;
	char			 name[16];
	char			 url[128];
};

static struct fx	*cur;
static struct answer	*cur_answer;	/* the one classify fills */

static void
test_classify(const struct http_response *resp, struct gw_result *res)
{
	static const struct gw_result	zero;
	struct answer			*a = cur_answer;

	a->classified++;
	a->zeroed = memcmp(res, &zero, sizeof zero) == 0;
	a->status = resp->status;
	a->error = resp->error;
	if (http_response_header(resp, "X-Reply", a->xreply,
	    sizeof a->xreply) == -1)
		a->xreply[0] = '\0';
	res->status = resp->status == 201 ? GW_SENT : GW_RETRY;
	res->retry_after_s = -1;
	snprintf(res->reason, sizeof res->reason, "HTTP %ld: %.*s",
	    resp->status, (int)resp->bodylen, resp->body);
}

static void
test_on_result(const struct gw_result *res, void *arg)
{
	struct answer	*a = arg;

	a->calls++;
	a->res = *res;
	if (a->free_me != NULL) {
		gw_http_free(*a->free_me);
		*a->free_me = NULL;
	}
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
run_until(int (*cond)(void), int ms)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	deadline_hit = 0;
	ev = evtimer_new(cur->base, deadline_cb, NULL);
	evtimer_add(ev, &tv);
	while (!cond() && !deadline_hit)
		event_base_loop(cur->base, EVLOOP_ONCE);
	event_free(ev);
	return cond();
}

static int
cond_answered(void)
{
	return cur_answer->calls > 0;
}

static int
cond_srv_idle(void)
{
	return cur->srv.pending == 0;
}

static int
setup(void **state)
{
	struct fx	*f;

	assert_non_null(f = calloc(1, sizeof *f));
	assert_non_null(f->base = event_base_new());
	srv_start(&f->srv, f->base);
	assert_non_null(f->http = http_new(f->base));
	snprintf(f->name, sizeof f->name, "hook");
	f->cg.name = f->name;
	f->cg.kind = f->name;
	f->cg.max_concurrency = 2;
	f->cg.connect_timeout_ms = 1000;
	f->cg.timeout_ms = 3000;
	f->g.name = f->name;
	f->g.base = f->base;
	f->g.http = f->http;
	cur = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	gw_http_free(f->h);
	http_free(f->http);
	/* let delayed replies go out so the server frees its requests */
	assert_true(run_until(cond_srv_idle, 3000));
	evhttp_free(f->srv.evh);
	event_base_free(f->base);
	free(f);
	cur = NULL;
	cur_answer = NULL;
	return 0;
}

static void
test_url_of(struct fx *f, const char *path)
{
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d%s", f->srv.port,
	    path);
}

/* A POST as the kind gives it: classified, then called back, from the loop. */
static void
test_post(void **state)
{
	struct fx	*f = *state;
	struct answer	 a;
	struct buf	 body;
	const char	*hdrs[] = { "X-Test: abc", "Content-Type: text/plain" };

	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	buf_init(&body);
	buf_puts(&body, "bonjour");
	test_url_of(f, "/post");
	assert_int_equal(gw_http_post(f->h, f->url, hdrs, 2, &body,
	    "user:pass", test_classify, test_on_result, &a), 0);
	buf_free(&body);	/* the request holds its own copy */
	assert_int_equal(a.calls, 0);	/* never from inside */
	assert_true(run_until(cond_answered, 3000));
	assert_int_equal(a.classified, 1);
	assert_int_equal(a.calls, 1);
	assert_true(a.zeroed);
	assert_int_equal(a.status, 201);
	assert_int_equal(a.error, 0);
	assert_string_equal(a.xreply, "yes");
	/* what the classifier made of it is what the callback got */
	assert_int_equal(a.res.status, GW_SENT);
	assert_string_equal(a.res.reason, "HTTP 201: created");
	assert_string_equal(f->srv.method, "POST");
	assert_string_equal(f->srv.uri, "/post");
	assert_string_equal(f->srv.body, "bonjour");
	assert_string_equal(f->srv.xtest, "abc");
	assert_string_equal(f->srv.auth, "Basic dXNlcjpwYXNz");
}

/* The gateway's timeout_ms goes on each request. */
static void
test_timeout(void **state)
{
	struct fx		*f = *state;
	struct answer		 a;
	struct http_request	 req;

	f->cg.timeout_ms = 200;
	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	test_url_of(f, "/slow");
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = f->url;
	req.timeout_ms = 60000;		/* replaced by the gateway's */
	assert_int_equal(gw_http_send(f->h, &req, test_classify,
	    test_on_result, &a), 0);
	assert_true(run_until(cond_answered, 900));
	assert_int_equal(a.error, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(a.status, 0);
	assert_int_equal(a.res.status, GW_RETRY);
}

/* A request that cannot be queued: -1, and no callback ever. */
static void
test_send_invalid(void **state)
{
	struct fx		*f = *state;
	struct answer		 a;
	struct http_request	 req;
	const char		*crlf[] = { "Idempotency-Key: a\r\nBcc: x" };
	struct buf		 body;

	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	test_url_of(f, "/post");
	memset(&req, 0, sizeof req);
	req.method = "PO ST";
	req.url = f->url;
	assert_int_equal(gw_http_send(f->h, &req, test_classify,
	    test_on_result, &a), -1);
	buf_init(&body);
	buf_puts(&body, "{}");
	assert_int_equal(gw_http_post(f->h, f->url, crlf, 1, &body, NULL,
	    test_classify, test_on_result, &a), -1);
	buf_free(&body);
	assert_false(run_until(cond_answered, 300));
	assert_int_equal(a.classified, 0);
	assert_int_equal(f->srv.nreq, 0);
}

/* A refusal: GW_PERMANENT, local, answered from the loop, not inline. */
static void
test_refuse(void **state)
{
	struct fx	*f = *state;
	struct answer	 a;

	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	assert_int_equal(gw_http_refuse(f->h, "hook sends email only",
	    test_on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.classified, 0);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_int_equal(a.res.local, 1);
	assert_int_equal(a.res.retry_after_s, -1);
	assert_string_equal(a.res.reason, "hook sends email only");
	assert_string_equal(a.res.provider_id, "");
	/* once */
	event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(f->srv.nreq, 0);
}

/* Freed with calls not answered: none calls back, nothing leaks. */
static void
test_free_pending(void **state)
{
	struct fx	*f = *state;
	struct answer	 a, b;
	struct buf	 body;

	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	cur_answer = &b;
	buf_init(&body);
	buf_puts(&body, "{}");
	test_url_of(f, "/slow");
	assert_int_equal(gw_http_post(f->h, f->url, NULL, 0, &body, NULL,
	    test_classify, test_on_result, &b), 0);
	buf_free(&body);
	/* the request reaches the server; a refusal is queued; the gateway goes */
	while (f->srv.nreq == 0)
		event_base_loop(f->base, EVLOOP_ONCE);
	assert_int_equal(gw_http_refuse(f->h, "no", test_on_result, &a), 0);
	assert_int_equal(a.calls + b.calls, 0);
	gw_http_free(f->h);
	f->h = NULL;
	assert_true(run_until(cond_srv_idle, 3000));
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(a.calls + b.calls, 0);
	assert_int_equal(a.classified + b.classified, 0);
}

/* The callback may free the gateway's gw_http: it is not touched after. */
static void
test_free_in_callback(void **state)
{
	struct fx	*f = *state;
	struct answer	 a;
	struct buf	 body;

	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	a.free_me = &f->h;
	assert_int_equal(gw_http_refuse(f->h, "no", test_on_result, &a), 0);
	assert_true(run_until(cond_answered, 1000));
	assert_null(f->h);

	assert_non_null(f->h = gw_http_new(&f->g, &f->cg));
	memset(&a, 0, sizeof a);
	a.free_me = &f->h;
	buf_init(&body);
	buf_puts(&body, "{}");
	test_url_of(f, "/post");
	assert_int_equal(gw_http_post(f->h, f->url, NULL, 0, &body, NULL,
	    test_classify, test_on_result, &a), 0);
	buf_free(&body);
	assert_true(run_until(cond_answered, 3000));
	assert_null(f->h);
	assert_int_equal(a.res.status, GW_SENT);
}

/* No pool without a concurrency; freeing nothing is a no-op. */
static void
test_new_fails(void **state)
{
	struct fx	*f = *state;

	f->cg.max_concurrency = 0;
	assert_null(gw_http_new(&f->g, &f->cg));
	gw_http_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test(test_transport),
		cmocka_unit_test(test_check),
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_in_callback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_new_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
