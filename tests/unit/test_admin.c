/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin.c: listening, dispatch, /healthz, /readyz, /metrics, request framing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/queue.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "admin_fixture.h"
#include "buf.h"
#include "expo.h"

static void
test_listen_parse(void **state)
{
	static const struct {
		const char	*in;
		const char	*host;
		int		 port;
	} good[] = {
		{ "127.0.0.1:9187", "127.0.0.1", 9187 },
		{ "0.0.0.0:0", "0.0.0.0", 0 },
		{ "[::1]:65535", "::1", 65535 },
		{ "[::]:80", "::", 80 },
	};
	static const char *const bad[] = {
		"", "9187", "127.0.0.1", "127.0.0.1:", ":9187",
		"127.0.0.1:65536", "127.0.0.1:99999999999999999999",
		"127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x",
		"127.0.0.1: 80", "localhost:9187", "::1:9187", "[::1]9187",
		"[::1", "[]:80", "[127.0.0.1]:80", "[::1]:", "1.2.3:80",
		"256.0.0.1:80",
	};
	char	host[64], err[128];
	int	port;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (admin_listen_parse(good[i].in, host, sizeof host, &port,
		    err, sizeof err) == -1)
			fail_msg("%s: %s", good[i].in, err);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (admin_listen_parse(bad[i], host, sizeof host, &port, err,
		    sizeof err) == 0)
			fail_msg("\"%s\" accepted as %s port %d", bad[i], host,
			    port);
		assert_true(err[0] != '\0');
	}
	/* the host must fit the caller's buffer */
	assert_int_equal(admin_listen_parse("127.0.0.1:1", host, 4, &port,
	    err, sizeof err), -1);
}

static void
test_new_errors(void **state)
{
	struct fix	*f = *state;
	struct admin	*a;
	char		 where[64], err[256];

	snprintf(where, sizeof where, "127.0.0.1:%d", f->port);
	assert_null(a = admin_new(f->base, where, err, sizeof err));
	if (strstr(err, "cannot listen on 127.0.0.1:") == NULL ||
	    strstr(err, "Address already in use") == NULL)
		fail_msg("unexpected error: %s", err);
	assert_null(a = admin_new(f->base, "localhost:9187", err, sizeof err));
	assert_non_null(strstr(err, "cannot listen on localhost:9187: "));
	/* IPv6 loopback, when the machine has it */
	if ((a = admin_new(f->base, "[::1]:0", err, sizeof err)) != NULL) {
		assert_true(admin_port(a) > 0);
		admin_free(a);
	}
	admin_free(NULL);
}

static void
test_healthz(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 v[128];

	assert_non_null(r);
	fix_get(f->base, f->port, "GET", "/healthz", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; charset=utf-8");
	/* a query string does not change the path */
	fix_get(f->base, f->port, "GET", "/healthz?verbose=1", r);
	assert_int_equal(r->status, 200);
	/* HEAD: same status, no body */
	fix_get(f->base, f->port, "HEAD", "/healthz", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	/* HTTP/1.0 without Host */
	fix_exchange(f->base, f->port, "GET /healthz HTTP/1.0\r\n\r\n", 25, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	free(r);
}

static void
test_readyz(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct admin	*a;
	char		 err[256];

	assert_non_null(r);
	f->ready = 1;
	fix_get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ready\n");

	f->ready = 0;
	snprintf(f->why, sizeof f->why, "redis down");
	fix_get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "redis down\n");

	/* a multi-line reason comes out on one line */
	snprintf(f->why, sizeof f->why, "draining\nsecond\r");
	fix_get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "draining second \n");

	f->why[0] = '\0';
	fix_get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "not ready\n");

	f->ready = 1;
	fix_get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->nready, 5);

	/* no callback yet: not ready */
	assert_non_null(a = admin_new(f->base, "127.0.0.1:0", err,
	    sizeof err));
	fix_get(f->base, admin_port(a), "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "starting\n");
	fix_get(f->base, admin_port(a), "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	admin_free(a);
	free(r);
}

static void
test_metrics(void **state)
{
	struct fix		*f = *state;
	struct reply		*r = malloc(sizeof *r);
	struct expo		*e = malloc(sizeof *e);
	const struct expo_sample	*s;
	char			 v[128];
	int			 i, n;

	assert_non_null(r);
	assert_non_null(e);
	fix_get(f->base, f->port, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->bodylen);
	assert_expo_ok(r->body, e);

	/* escaping round-trips; invalid UTF-8 became U+FFFD */
	assert_non_null(s = expo_find(e, "relais_events_read_total", "type",
	    NASTY_BACK));
	assert_true(s->value == 3);
	assert_non_null(s = expo_find(e, "relais_events_read_total", "type",
	    "newcomer.arrived"));
	assert_true(s->value == 42);
	assert_non_null(s = expo_find(e, "relais_inflight", NULL, NULL));
	assert_int_equal(s->nl, 0);
	assert_true(s->value == 7);
	assert_non_null(strstr(r->body, "# HELP relais_inflight Entries in "
	    "flight.\\nSecond line with a \\\\ backslash.\n"));

	/* values read back exactly */
	assert_non_null(strstr(r->body, "relais_ratio{k=\"a\"} 0.1\n"));
	assert_non_null(strstr(r->body, "relais_ratio{k=\"c\"} -Inf\n"));
	assert_true(expo_find(e, "relais_ratio", "k", "b")->value == 1e300);
	assert_true(expo_find(e, "relais_ratio", "k", "d")->value == 1.0 / 3);

	/* histogram: 15 observations, NaN ignored, -3 counted as 0 */
	assert_non_null(strstr(r->body,
	    "relais_gateway_latency_seconds_bucket{gateway=\"sendgrid\","
	    "channel=\"email\",le=\"0.001\"} 4\n"));
	assert_non_null(s = expo_find(e, "relais_gateway_latency_seconds_count",
	    "gateway", "sendgrid"));
	assert_true(s->value == 15);
	assert_non_null(s = expo_find(e, "relais_gateway_latency_seconds_sum",
	    "gateway", "sendgrid"));
	assert_true(fabs(s->value - 84382.01 / 1000) < 1e-9);
	assert_non_null(s = expo_find(e, "relais_gateway_latency_seconds_count",
	    "gateway", "twilio"));
	assert_true(s->value == 1);
	for (i = n = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name,
		    "relais_gateway_latency_seconds_bucket") == 0)
			n++;
	assert_int_equal(n, 2 * (ADMIN_HISTOGRAM_NBOUNDS + 1));
	assert_non_null(strstr(r->body,
	    "{gateway=\"sendgrid\",channel=\"email\",le=\"10\"} 13\n"));
	assert_non_null(strstr(r->body,
	    "{gateway=\"sendgrid\",channel=\"email\",le=\"+Inf\"} 15\n"));

	/* HEAD runs nothing visible */
	fix_get(f->base, f->port, "HEAD", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	free(e);
	free(r);
}

static void
test_not_found(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	static const char *const paths[] = { "/", "/healthz/", "/HEALTHZ",
	    "/metrics.txt", "/%68ealthz", "/u/abc", "//healthz",
	    "/healthz%00" };
	size_t		 i;

	assert_non_null(r);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		fix_get(f->base, f->port, "GET", paths[i], r);
		if (r->status != 404)
			fail_msg("%s: expected 404, got %d", paths[i],
			    r->status);
	}
	/* an unknown path is 404 whatever the method */
	fix_get(f->base, f->port, "POST", "/nowhere", r);
	assert_int_equal(r->status, 404);
	free(r);
}

static void
test_method_not_allowed(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	static const char *const methods[] = { "PUT", "DELETE", "OPTIONS",
	    "PATCH", "TRACE" };
	const char	*req = "POST /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	char		 v[64];
	size_t		 i;

	assert_non_null(r);
	fix_exchange(f->base, f->port, req, strlen(req), r);
	assert_int_equal(r->status, 405);
	assert_non_null(fix_header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "GET, HEAD");
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		fix_get(f->base, f->port, methods[i], "/healthz", r);
		if (r->status != 405)
			fail_msg("%s: expected 405, got %d", methods[i],
			    r->status);
	}
	/* a method evhttp does not know */
	fix_get(f->base, f->port, "BREW", "/healthz", r);
	assert_true(r->status == 0 || (r->status >= 400 && r->status < 600));
	assert_int_equal(f->nscrapes, 0);
	assert_alive(f);
	free(r);
}

static void
test_oversized(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct buf	 req;
	char		 pad[20 * 1024 + 1];

	assert_non_null(r);
	buf_init(&req);
	memset(pad, 'a', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';

	/* one 20 KiB header */
	buf_printf(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n"
	    "Connection: close\r\n\r\n", pad);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	if (r->status == 200)
		fail_msg("a 20 KiB header was accepted");
	assert_true(r->status == 0 || r->status == 413 || r->status == 400);
	assert_alive(f);

	/* many small headers adding up */
	buf_reset(&req);
	buf_puts(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
	while (req.len < 12 * 1024)
		buf_puts(&req, "X-Small: 0123456789\r\n");
	buf_puts(&req, "Connection: close\r\n\r\n");
	fix_exchange(f->base, f->port, req.data, req.len, r);
	assert_true(r->status != 200);
	assert_alive(f);

	/* a 20 KiB request line */
	buf_reset(&req);
	buf_printf(&req, "GET /healthz?%s HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", pad);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	assert_true(r->status != 200);
	assert_alive(f);

	/* a body over 1 KiB: 413, or a reset if the close beats it */
	buf_reset(&req);
	buf_printf(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 2048\r\nConnection: close\r\n\r\n%.2048s", pad);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	assert_true(r->status == 413 || (r->status == 0 && r->reset));
	assert_alive(f);

	/* announced but never sent: refused at once, without waiting */
	buf_reset(&req);
	buf_puts(&req, "POST /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 99999999999\r\nConnection: close\r\n\r\n");
	fix_exchange(f->base, f->port, req.data, req.len, r);
	assert_int_equal(r->status, 413);
	assert_alive(f);
	buf_free(&req);
	free(r);
}

static void
test_malformed(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	static const char *const reqs[] = {
		"\x01\x02garbage\xff\r\n\r\n",
		"GET\r\n\r\n",
		"GET /healthz\r\n\r\n",
		"GET /healthz HTTP/9.9\r\n\r\n",
		"GET /healthz HTTP/1.1 extra\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n bad continuation\r\n\r\n",
		"GET %zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET http://[::1/healthz HTTP/1.1\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "zz\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\n\n",
		"\r\n\r\n\r\n",
	};
	size_t		 i;

	assert_non_null(r);
	for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		fix_exchange(f->base, f->port, reqs[i], strlen(reqs[i]), r);
		if (r->status == 200 && i < 2)
			fail_msg("request %zu accepted", i);
		if (r->status != 0 && r->status != 200 &&
		    (r->status < 400 || r->status >= 500))
			fail_msg("request %zu: status %d", i, r->status);
		assert_alive(f);
	}
	free(r);
}

/* headers: name, value pairs ended by NULL. */
static int
framing(const char *first, ...)
{
	struct evkeyvalq	 h;
	va_list			 ap;
	const char		*k, *v;
	int			 ok;

	TAILQ_INIT(&h);
	va_start(ap, first);
	for (k = first; k != NULL; k = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		assert_int_equal(evhttp_add_header(&h, k, v), 0);
	}
	va_end(ap);
	ok = admin_framing_ok(&h);
	evhttp_clear_headers(&h);
	return ok;
}

static void
test_framing(void **state)
{
	(void)state;
	assert_true(framing(NULL));
	assert_true(framing("Host", "x", NULL));
	assert_true(framing("Content-Length", "0", NULL));
	assert_true(framing("content-length", "1024", NULL));
	assert_true(framing("Transfer-Encoding", "chunked", NULL));
	/* the same number twice is one length (RFC 9110, 8.6) */
	assert_true(framing("Content-Length", "5", "Content-Length", "5",
	    NULL));
	assert_true(framing("Content-Length", "5", "Host", "x",
	    "CONTENT-LENGTH", "005", NULL));
	assert_true(framing("Content-Length", "0", "Content-Length", "000",
	    NULL));
	/* two lengths */
	assert_false(framing("Content-Length", "5", "Content-Length", "6",
	    NULL));
	assert_false(framing("Content-Length", "0", "Content-Length", "1",
	    NULL));
	assert_false(framing("Content-Length", "5", "Content-Length", "50",
	    NULL));
	/* not digits: evhttp's strtoll would take some of these */
	assert_false(framing("Content-Length", "+5", NULL));
	assert_false(framing("Content-Length", "-0", NULL));
	assert_false(framing("Content-Length", "5 5", NULL));
	assert_false(framing("Content-Length", "5,5", NULL));
	assert_false(framing("Content-Length", "0x10", NULL));
	assert_false(framing("Content-Length", "", NULL));
	assert_false(framing("Content-Length", "5", "Content-Length", "five",
	    NULL));
	/* a length and a chunked body */
	assert_false(framing("Content-Length", "5", "Transfer-Encoding",
	    "chunked", NULL));
	assert_false(framing("Transfer-Encoding", "gzip, chunked",
	    "Content-Length", "5", NULL));
}

/* The same, over the wire: evhttp read the body by the first length. */
static void
test_framing_server(void **state)
{
	static const struct {
		const char	*req;
		int		 status;
	} t[] = {
		{ "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\na", 400 },
		{ "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
		    "Content-Length: 7\r\n\r\n", 400 },
		{ "POST /u/x HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n"
		    "a", 400 },
		{ "POST /hooks/twilio HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: 3\r\nContent-Length: 1\r\n\r\nabc", 400 },
		{ "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		    "Content-Length: 01\r\n\r\na", 405 },
		{ "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
		    "\r\n", 200 },
	};
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 v[64];
	size_t		 i;

	assert_non_null(r);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		fix_exchange(f->base, f->port, t[i].req, strlen(t[i].req), r);
		if (r->status != t[i].status)
			fail_msg("request %zu: %d, expected %d", i, r->status,
			    t[i].status);
		/* one request a connection: closed after the answer */
		assert_non_null(fix_header(r, "Connection", v, sizeof v));
		assert_string_equal(v, "close");
	}
	assert_int_equal(f->nscrapes, 0);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test_setup_teardown(test_new_errors, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_healthz, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_readyz, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_metrics, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_not_found, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_method_not_allowed,
		    fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_oversized, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, fix_setup,
		    fix_teardown),
		cmocka_unit_test(test_framing),
		cmocka_unit_test_setup_teardown(test_framing_server, fix_setup,
		    fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
