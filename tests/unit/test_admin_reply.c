/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_reply.c: how the admin port's handlers answer, on a bare evhttp server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "admin_fixture.h"
#include "admin_reply.h"

/* An evhttp server whose only handler is on_request: no admin around it. */
struct srv {
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;
};

/* Each path calls one of admin_reply.c's functions. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	const char	*path = evhttp_request_get_uri(req);
	const char	*ctype;

	(void)arg;
	if (strcmp(path, "/text") == 0)
		admin_reply_text(req, 200, "OK", "hello\n");
	else if (strcmp(path, "/bin") == 0)
		admin_reply(req, 201, "Created", "application/octet-stream",
		    "a\0b", 3);
	else if (strcmp(path, "/empty") == 0)
		admin_reply(req, 200, "OK", "text/plain", "", 0);
	else if (strcmp(path, "/post-only") == 0)
		admin_reply_not_allowed(req, "POST");
	else if (strcmp(path, "/peer") == 0)
		admin_reply_text(req, 200, "OK", admin_peer(req));
	else if (strcmp(path, "/json") == 0) {
		ctype = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Content-Type");
		admin_reply_text(req, 200, "OK", admin_content_type_is(ctype,
		    "application/json") ? "json\n" : "other\n");
	} else
		admin_reply_text(req, 404, "Not Found", "not found\n");
}

static int
srv_setup(void **state)
{
	struct srv			*s = calloc(1, sizeof *s);
	struct evhttp_bound_socket	*bound;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	assert_non_null(s);
	assert_non_null(s->base = event_base_new());
	assert_non_null(s->http = evhttp_new(s->base));
	assert_non_null(bound = evhttp_bind_socket_with_handle(s->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_gencb(s->http, on_request, s);
	*state = s;
	return 0;
}

static int
srv_teardown(void **state)
{
	struct srv	*s = *state;

	evhttp_free(s->http);
	event_base_free(s->base);
	free(s);
	return 0;
}

/* A media type, then perhaps parameters; case does not matter. */
static void
test_content_type_is(void **state)
{
	static const struct {
		const char	*ctype;
		const char	*want;
		int		 is;
	} t[] = {
		{ "application/json", "application/json", 1 },
		{ "Application/JSON", "application/json", 1 },
		{ "application/json; charset=utf-8", "application/json", 1 },
		{ "application/json;charset=utf-8", "application/json", 1 },
		{ "application/json ; charset=utf-8", "application/json", 1 },
		{ "application/json\t;x=y", "application/json", 1 },
		{ "application/x-www-form-urlencoded; charset=UTF-8",
		    "application/x-www-form-urlencoded", 1 },
		{ "application/jsonx", "application/json", 0 },
		{ "application/json-patch+json", "application/json", 0 },
		{ "application/json,text/plain", "application/json", 0 },
		{ "application/jso", "application/json", 0 },
		{ "text/json", "application/json", 0 },
		{ "", "application/json", 0 },
		{ NULL, "application/json", 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (admin_content_type_is(t[i].ctype, t[i].want) != t[i].is)
			fail_msg("\"%s\" as %s: expected %d", t[i].ctype != NULL ?
			    t[i].ctype : "(none)", t[i].want, t[i].is);
}

/* A body with its length, type and no-store; HEAD the length alone. */
static void
test_reply(void **state)
{
	struct srv	*s = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 v[128];

	assert_non_null(r);
	fix_get(s->base, s->port, "GET", "/text", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "hello\n");
	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; charset=utf-8");
	assert_non_null(fix_header(r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-store");
	assert_non_null(fix_header(r, "Content-Length", v, sizeof v));
	assert_string_equal(v, "6");

	/* evhttp 2.1 alone would send the body after a HEAD, unannounced */
	fix_get(s->base, s->port, "HEAD", "/text", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	assert_non_null(fix_header(r, "Content-Length", v, sizeof v));
	assert_string_equal(v, "6");
	assert_non_null(fix_header(r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-store");

	/* len bytes, NUL included, and the code and type given */
	fix_get(s->base, s->port, "GET", "/bin", r);
	assert_int_equal(r->status, 201);
	assert_int_equal(r->bodylen, 3);
	assert_memory_equal(r->body, "a\0b", 3);
	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "application/octet-stream");
	fix_get(s->base, s->port, "HEAD", "/bin", r);
	assert_int_equal(r->status, 201);
	assert_int_equal(r->bodylen, 0);
	assert_non_null(fix_header(r, "Content-Length", v, sizeof v));
	assert_string_equal(v, "3");

	fix_get(s->base, s->port, "GET", "/empty", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	assert_non_null(fix_header(r, "Content-Length", v, sizeof v));
	assert_string_equal(v, "0");
	free(r);
}

static void
test_not_allowed(void **state)
{
	struct srv	*s = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 v[128];

	assert_non_null(r);
	fix_get(s->base, s->port, "GET", "/post-only", r);
	assert_int_equal(r->status, 405);
	assert_non_null(fix_header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "POST");
	assert_string_equal(r->body, "method not allowed\n");
	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; charset=utf-8");
	fix_get(s->base, s->port, "HEAD", "/post-only", r);
	assert_int_equal(r->status, 405);
	assert_int_equal(r->bodylen, 0);
	free(r);
}

/* The peer's address, and what a request's Content-Type is read as. */
static void
test_request(void **state)
{
	static const char	 json[] = "POST /json HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: Application/JSON; charset=utf-8\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
	static const char	 form[] = "POST /json HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/jsonp\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
	struct srv		*s = *state;
	struct reply		*r = malloc(sizeof *r);

	assert_non_null(r);
	fix_get(s->base, s->port, "GET", "/peer", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "127.0.0.1");
	fix_exchange(s->base, s->port, json, sizeof json - 1, r);
	assert_string_equal(r->body, "json\n");
	fix_exchange(s->base, s->port, form, sizeof form - 1, r);
	assert_string_equal(r->body, "other\n");
	fix_get(s->base, s->port, "GET", "/json", r);
	assert_string_equal(r->body, "other\n");
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type_is),
		cmocka_unit_test_setup_teardown(test_reply, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_not_allowed, srv_setup,
		    srv_teardown),
		cmocka_unit_test_setup_teardown(test_request, srv_setup,
		    srv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
