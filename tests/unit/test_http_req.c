/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for http_req.c: request validation, header lookups, methods and caps on loopback. */
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

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "http_int.h"

/* A request the engine takes; each case below breaks one thing of it. */
static struct http_request
good_req(void)
{
	static const char	*hdrs[] = { "Content-Type: application/json",
				    "Idempotency-Key: 75b8e20e" };
	struct http_request	 req;

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = "https://hooks.example/in?a=1";
	req.headers = hdrs;
	req.nheaders = 2;
	req.body = "{}";
	req.bodylen = 2;
	req.connect_timeout_ms = 1000;
	req.timeout_ms = 5000;
	return req;
}

/* The method: an HTTP token. */
static void
test_request_valid(void **state)
{
	static const char *const ok_methods[] = { "GET", "POST", "HEAD", "PUT",
				    "PATCH", "DELETE", "M-SEARCH", "x~y" };
	static const char *const bad_methods[] = { "PO ST", "", "GET\r\n",
				    "GET\n", "P(OST)", "GÉT", "a/b", "a:b" };
	struct http_request	 req;
	size_t			 i;

	(void)state;
	req = good_req();
	assert_true(http_request_valid(&req));
	assert_false(http_request_valid(NULL));
	for (i = 0; i < sizeof ok_methods / sizeof *ok_methods; i++) {
		req.method = ok_methods[i];
		if (!http_request_valid(&req))
			fail_msg("method \"%s\" refused", ok_methods[i]);
	}
	/* a method is an HTTP token: anything else could inject text */
	for (i = 0; i < sizeof bad_methods / sizeof *bad_methods; i++) {
		req.method = bad_methods[i];
		if (http_request_valid(&req))
			fail_msg("method \"%s\" taken", bad_methods[i]);
	}
	req.method = NULL;
	assert_false(http_request_valid(&req));
}

/* The url, the headers, the body, the timeouts. */
static void
test_request_valid_parts(void **state)
{
	const char		*nocolon[] = { "X-Test abc" };
	const char		*crlf[] = { "X-Test: a\r\nX-Evil: b" };
	const char		*lf[] = { "X-Test: a\nX-Evil: b" };
	const char		*cr[] = { "X-Test: a\rb" };
	const char		*noname[] = { ": v" };
	const char		*null[] = { "X-Test: a", NULL };
	const char		*empty[] = { "X-Empty:" };
	struct http_request	 req;

	(void)state;
	req = good_req();
	req.url = NULL;
	assert_false(http_request_valid(&req));
	req.url = "";
	assert_false(http_request_valid(&req));
	req.url = "https://hooks.example/a b";
	assert_false(http_request_valid(&req));
	req.url = "https://hooks.example/a\r\nHost: evil";
	assert_false(http_request_valid(&req));
	req.url = "https://hooks.example/a\n";
	assert_false(http_request_valid(&req));

	/* every header a "Name: value" line, one line */
	req = good_req();
	req.headers = nocolon;
	req.nheaders = 1;
	assert_false(http_request_valid(&req));
	req.headers = crlf;
	assert_false(http_request_valid(&req));
	req.headers = lf;
	assert_false(http_request_valid(&req));
	req.headers = cr;
	assert_false(http_request_valid(&req));
	req.headers = noname;
	assert_false(http_request_valid(&req));
	req.headers = null;
	req.nheaders = 2;
	assert_false(http_request_valid(&req));
	req.nheaders = 1;		/* only the first is read */
	assert_true(http_request_valid(&req));
	req.headers = empty;
	assert_true(http_request_valid(&req));
	req.headers = NULL;
	assert_false(http_request_valid(&req));
	req.nheaders = 0;
	assert_true(http_request_valid(&req));

	/* a length needs a body; a body may be empty */
	req = good_req();
	req.body = NULL;
	assert_false(http_request_valid(&req));
	req.bodylen = 0;
	assert_true(http_request_valid(&req));
	req.body = "";
	assert_true(http_request_valid(&req));

	/* timeouts: 0 is curl's "none", below is refused */
	req = good_req();
	req.timeout_ms = -1;
	assert_false(http_request_valid(&req));
	req.timeout_ms = 0;
	assert_true(http_request_valid(&req));
	req.connect_timeout_ms = -1;
	assert_false(http_request_valid(&req));
	req.connect_timeout_ms = 0;
	assert_true(http_request_valid(&req));
}

/* A response's header block as curl hands it over. */
#define TEST_BLOCK	"HTTP/1.1 200 OK\r\n" \
			"Content-Type: application/json\r\n" \
			"X-Message-Id:  abc \t\r\n" \
			"Retry-After:\t7\r\n" \
			"Location: http://hooks.example:8080/a\r\n" \
			"x-dup: first\r\n" \
			"X-Dup: second\r\n" \
			"X-Empty:\r\n" \
			"X-Sp : v\r\n" \
			"X-Bare: lf only\n" \
			"X-Last: end"

/* http_header_find's value for name as a string, or NULL. */
static char *
test_find(const char *block, const char *name)
{
	const char	*v;
	size_t		 len = 12345;

	if ((v = http_header_find(block, name, &len)) == NULL) {
		assert_int_equal(len, 12345);
		return NULL;
	}
	return strndup(v, len);
}

static void
assert_found(const char *block, const char *name, const char *want)
{
	char	*got = test_find(block, name);

	if (got == NULL)
		fail_msg("%s: expected \"%s\", not found", name, want);
	if (strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", name, want, got);
	free(got);
}

static void
test_header_find(void **state)
{
	(void)state;
	assert_found(TEST_BLOCK, "Content-Type", "application/json");
	/* names in any case */
	assert_found(TEST_BLOCK, "content-type", "application/json");
	assert_found(TEST_BLOCK, "CONTENT-TYPE", "application/json");
	/* spaces and tabs around the value, CR LF after it: dropped */
	assert_found(TEST_BLOCK, "X-Message-Id", "abc");
	assert_found(TEST_BLOCK, "Retry-After", "7");
	/* a colon in the value is the value's */
	assert_found(TEST_BLOCK, "Location", "http://hooks.example:8080/a");
	/* the first of two */
	assert_found(TEST_BLOCK, "X-Dup", "first");
	assert_found(TEST_BLOCK, "X-Empty", "");
	assert_found(TEST_BLOCK, "X-Bare", "lf only");
	assert_found(TEST_BLOCK, "X-Last", "end");
	/* a name is the whole name before the colon */
	assert_null(test_find(TEST_BLOCK, "X-Message"));
	assert_null(test_find(TEST_BLOCK, "X-Message-Id-2"));
	assert_null(test_find(TEST_BLOCK, "Type"));
	assert_null(test_find(TEST_BLOCK, "X-Sp"));
	assert_null(test_find(TEST_BLOCK, "Missing"));
	assert_null(test_find("", "Content-Type"));
	assert_null(test_find(NULL, "Content-Type"));
}

static void
test_response_header(void **state)
{
	struct http_response	 r;
	char			 out[16];

	(void)state;
	memset(&r, 0, sizeof r);
	r.status = 200;
	r.headers = TEST_BLOCK;
	assert_int_equal(http_response_header(&r, "x-message-id", out,
	    sizeof out), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(http_response_header(&r, "X-Empty", out, sizeof out),
	    0);
	assert_string_equal(out, "");
	/* exactly the room it needs */
	assert_int_equal(http_response_header(&r, "X-Message-Id", out, 4), 0);
	assert_string_equal(out, "abc");
	/* too long: cut, NUL-terminated, and -1 */
	assert_int_equal(http_response_header(&r, "X-Message-Id", out, 3), -1);
	assert_string_equal(out, "ab");
	assert_int_equal(http_response_header(&r, "Content-Type", out,
	    sizeof out), -1);
	assert_string_equal(out, "application/jso");
	assert_int_equal(http_response_header(&r, "X-Message-Id", out, 1), -1);
	assert_string_equal(out, "");
	memset(out, 'Z', sizeof out);
	assert_int_equal(http_response_header(&r, "X-Message-Id", out, 0), -1);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(http_response_header(&r, "X-Message-Id", NULL, 8), -1);
	/* absent, or nothing to look in or for */
	assert_int_equal(http_response_header(&r, "Missing", out, sizeof out),
	    -1);
	assert_int_equal(http_response_header(&r, "", out, sizeof out), -1);
	assert_int_equal(http_response_header(&r, NULL, out, sizeof out), -1);
	assert_int_equal(http_response_header(NULL, "X-Message-Id", out,
	    sizeof out), -1);
	r.headers = NULL;
	assert_int_equal(http_response_header(&r, "X-Message-Id", out,
	    sizeof out), -1);
}

/* The loopback server: records the last request, answers by path. */
struct srv {
	struct evhttp	*evh;
	int		 port;
	int		 nreq;
	char		 method[16];
	char		 body[256];
	char		 clen[16];
	int		 has_clen;
};

static const char *
srv_method(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "OTHER";
	}
}

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	struct srv		*s = arg;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();
	const char		*uri = evhttp_request_get_uri(req), *v;
	char			*big;
	ev_ssize_t		 n;

	s->nreq++;
	snprintf(s->method, sizeof s->method, "%s",
	    srv_method(evhttp_request_get_command(req)));
	n = evbuffer_copyout(evhttp_request_get_input_buffer(req), s->body,
	    sizeof s->body - 1);
	s->body[n < 0 ? 0 : n] = '\0';
	v = evhttp_find_header(in, "Content-Length");
	s->has_clen = v != NULL;
	snprintf(s->clen, sizeof s->clen, "%s", v != NULL ? v : "");
	if (strcmp(uri, "/big") == 0) {
		big = malloc(100 * 1024 + 1);
		memset(big, 'x', 100 * 1024);
		big[100 * 1024] = '\0';
		evbuffer_add(b, big, strlen(big));
		free(big);
	} else if (strcmp(uri, "/bighdr") == 0) {
		/* one header too large for the kept block, between two small */
		big = malloc(HTTP_HEADERS_MAX + 1);
		memset(big, 'h', HTTP_HEADERS_MAX);
		big[HTTP_HEADERS_MAX] = '\0';
		evhttp_add_header(out, "X-Early", "1");
		evhttp_add_header(out, "X-Big", big);
		evhttp_add_header(out, "X-Late", "2");
		free(big);
		evbuffer_add(b, "ok", 2);
	} else {
		evhttp_add_header(out, "X-Reply", "yes");
		evbuffer_add(b, "ok", 2);
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* What the callback saw, copied out of the response. */
struct result {
	int	done;
	long	status;
	int	error;
	size_t	bodylen;
	char	body[8];
	int	has_early, has_big, has_late;
	size_t	hdrlen;
};

struct fx {
	struct event_base	*base;
	struct srv		 srv;
	struct http		*http;
	struct http_pool	*pool;
	struct result		 res;
};

static void
test_cb(const struct http_response *resp, void *arg)
{
	struct result	*r = arg;
	size_t		 len;

	r->done++;
	r->status = resp->status;
	r->error = resp->error;
	r->bodylen = resp->bodylen;
	snprintf(r->body, sizeof r->body, "%s", resp->body);
	r->hdrlen = strlen(resp->headers);
	r->has_early = http_header_find(resp->headers, "X-Early", &len) != NULL;
	r->has_big = http_header_find(resp->headers, "X-Big", &len) != NULL;
	r->has_late = http_header_find(resp->headers, "X-Late", &len) != NULL;
}

static int
setup(void **state)
{
	struct fx			*f;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	assert_non_null(f = calloc(1, sizeof *f));
	assert_non_null(f->base = event_base_new());
	assert_non_null(f->srv.evh = evhttp_new(f->base));
	evhttp_set_allowed_methods(f->srv.evh, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(f->srv.evh, srv_cb, &f->srv);
	bs = evhttp_bind_socket_with_handle(f->srv.evh, "127.0.0.1", 0);
	assert_non_null(bs);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	f->srv.port = ntohs(sin.sin_port);
	assert_non_null(f->http = http_new(f->base));
	assert_non_null(f->pool = http_pool_new(f->http, "test", 1));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	http_pool_free(f->pool);
	http_free(f->http);
	evhttp_free(f->srv.evh);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Submits one request to path and runs the loop until it is answered. */
static void
roundtrip(struct fx *f, const char *method, const char *path,
    const char *body)
{
	struct http_request	req;
	char			u[128];
	int			i;

	snprintf(u, sizeof u, "http://127.0.0.1:%d%s", f->srv.port, path);
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = u;
	req.body = body;
	req.bodylen = body != NULL ? strlen(body) : 0;
	req.connect_timeout_ms = 1000;
	req.timeout_ms = 3000;
	memset(&f->res, 0, sizeof f->res);
	assert_int_equal(http_submit(f->pool, &req, test_cb, &f->res), 0);
	/* each turn waits for an event; the request's timeout ends it */
	for (i = 0; i < 10000 && f->res.done == 0; i++)
		event_base_loop(f->base, EVLOOP_ONCE);
	if (f->res.done != 1)
		fail_msg("%s %s: no answer", method, path);
}

/* Each method goes out as itself, with its body when it has one. */
static void
test_methods(void **state)
{
	struct fx	*f = *state;

	roundtrip(f, "GET", "/ok", NULL);
	assert_string_equal(f->srv.method, "GET");
	assert_string_equal(f->srv.body, "");
	assert_int_equal(f->srv.has_clen, 0);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.body, "ok");

	roundtrip(f, "HEAD", "/ok", NULL);
	assert_string_equal(f->srv.method, "HEAD");
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.bodylen, 0);

	/* a POST without a body still says so: Content-Length: 0 */
	roundtrip(f, "POST", "/ok", NULL);
	assert_string_equal(f->srv.method, "POST");
	assert_string_equal(f->srv.clen, "0");
	assert_string_equal(f->srv.body, "");

	roundtrip(f, "POST", "/ok", "{\"a\":1}");
	assert_string_equal(f->srv.method, "POST");
	assert_string_equal(f->srv.body, "{\"a\":1}");
	assert_string_equal(f->srv.clen, "7");

	roundtrip(f, "PUT", "/ok", "put-body");
	assert_string_equal(f->srv.method, "PUT");
	assert_string_equal(f->srv.body, "put-body");

	roundtrip(f, "PATCH", "/ok", "{\"op\":\"x\"}");
	assert_string_equal(f->srv.method, "PATCH");
	assert_string_equal(f->srv.body, "{\"op\":\"x\"}");

	roundtrip(f, "DELETE", "/ok", NULL);
	assert_string_equal(f->srv.method, "DELETE");
	assert_string_equal(f->srv.body, "");
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->srv.nreq, 7);
}

/* A body past 64 KiB is cut there, not refused. */
static void
test_big_body(void **state)
{
	struct fx	*f = *state;

	roundtrip(f, "GET", "/big", NULL);
	assert_int_equal(f->res.error, 0);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.bodylen, 64 * 1024);
}

/* The kept header block stays within 16 KiB: a line past it is dropped. */
static void
test_big_header(void **state)
{
	struct fx	*f = *state;

	roundtrip(f, "GET", "/bighdr", NULL);
	assert_int_equal(f->res.error, 0);
	assert_int_equal(f->res.status, 200);
	assert_true(f->res.hdrlen <= HTTP_HEADERS_MAX);
	assert_true(f->res.has_early);
	assert_false(f->res.has_big);
	assert_true(f->res.has_late);
	assert_string_equal(f->res.body, "ok");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_request_valid),
		cmocka_unit_test(test_request_valid_parts),
		cmocka_unit_test(test_header_find),
		cmocka_unit_test(test_response_header),
		cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_header, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
