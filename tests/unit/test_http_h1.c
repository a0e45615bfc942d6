/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for the HTTP engine's own HTTP/1.1 transport (http_h1.c)
 * against a raw scripted server on 127.0.0.1: each answer's exact bytes,
 * closes at chosen moments, the request's exact bytes as they arrived.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"

#define MAXCONNS	16
#define MAXREQ		16

/* What the server does with the Nth request it gets (0-based, any conn). */
struct step {
	const char	*answer;	/* bytes sent back; NULL: none */
	int		 close;		/* close the connection after it */
	int		 early;		/* answer at the headers, drop the body */
};

struct sconn {
	int		 fd;
	struct event	*ev;
	char		 in[131072];
	size_t		 len;
	int		 n;		/* requests seen on this connection */
	int		 discard;	/* answered early: the rest is dropped */
};

struct fx {
	struct event_base	*base;
	int			 lfd;
	int			 port;
	struct event		*lev;
	struct sconn		 conns[MAXCONNS];
	int			 nconns;
	const struct step	*steps;
	int			 nsteps;
	int			 nreq;
	char			 req[MAXREQ][2048];	/* head + body as received */
	int			 reqconn[MAXREQ];	/* which connection */
	struct http		*http;
	struct http_pool	*pool;
	int			 ndone;
	long			 status[MAXREQ];
	int			 error[MAXREQ];
	char			 errmsg[MAXREQ][256];
	long			 retry_after[MAXREQ];
	char			 body[MAXREQ][256];
	size_t			 bodylen[MAXREQ];
	char			 xreply[MAXREQ][32];
	char			 headers[MAXREQ][512];
};

static struct fx	*cur;

/* Length of one whole request at p (headers and Content-Length body), 0: not yet. */
static size_t
req_len(const char *p, size_t len)
{
	const char	*e, *cl;
	size_t		 hl, bl = 0;

	if ((e = memmem(p, len, "\r\n\r\n", 4)) == NULL)
		return 0;
	hl = (size_t)(e - p) + 4;
	if ((cl = strcasestr(p, "\r\nContent-Length:")) != NULL && cl < e)
		bl = strtoul(cl + 17, NULL, 10);
	return len >= hl + bl ? hl + bl : 0;
}

static void
sconn_close(struct sconn *c)
{
	if (c->fd == -1)
		return;
	event_free(c->ev);
	close(c->fd);
	c->fd = -1;
}

static void
sconn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn		*c = arg;
	struct fx		*f = cur;
	const struct step	*s;
	ssize_t			 n;
	size_t			 rl;
	int			 i;

	(void)what;
	n = read(fd, c->in + c->len, sizeof c->in - 1 - c->len);
	if (n <= 0) {
		sconn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->in[c->len] = '\0';
	if (c->discard) {
		c->len = 0;
		return;
	}
	if (f->nreq < f->nsteps && f->steps[f->nreq].early &&
	    memmem(c->in, c->len, "\r\n\r\n", 4) != NULL) {
		i = f->nreq++;
		snprintf(f->req[i], sizeof f->req[i], "%.*s", (int)c->len,
		    c->in);
		f->reqconn[i] = (int)(c - f->conns);
		s = &f->steps[i];
		assert_int_equal(write(fd, s->answer, strlen(s->answer)),
		    (ssize_t)strlen(s->answer));
		c->discard = 1;
		c->len = 0;
		return;
	}
	while ((rl = req_len(c->in, c->len)) > 0) {
		i = f->nreq++;
		assert_true(i < MAXREQ && i < f->nsteps);
		snprintf(f->req[i], sizeof f->req[i], "%.*s", (int)rl, c->in);
		f->reqconn[i] = (int)(c - f->conns);
		memmove(c->in, c->in + rl, c->len - rl);
		c->len -= rl;
		c->n++;
		s = &f->steps[i];
		if (s->answer != NULL)
			assert_int_equal(write(fd, s->answer, strlen(s->answer)),
			    (ssize_t)strlen(s->answer));
		if (s->close) {
			sconn_close(c);
			return;
		}
	}
}

static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx	*f = arg;
	struct sconn	*c;
	int		 s;

	(void)what;
	if ((s = accept(fd, NULL, NULL)) == -1)
		return;
	assert_true(f->nconns < MAXCONNS);
	c = &f->conns[f->nconns++];
	c->fd = s;
	c->len = 0;
	assert_non_null(c->ev = event_new(f->base, s, EV_READ | EV_PERSIST,
	    sconn_cb, c));
	assert_int_equal(event_add(c->ev, NULL), 0);
}

static void
done_cb(const struct http_response *resp, void *arg)
{
	struct fx	*f = cur;
	int		 i = (int)(intptr_t)arg;

	f->ndone++;
	f->status[i] = resp->status;
	f->error[i] = resp->error;
	snprintf(f->errmsg[i], sizeof f->errmsg[i], "%s", resp->errmsg != NULL ?
	    resp->errmsg : "");
	f->retry_after[i] = resp->retry_after_s;
	f->bodylen[i] = resp->bodylen;
	snprintf(f->body[i], sizeof f->body[i], "%s", resp->body);
	snprintf(f->headers[i], sizeof f->headers[i], "%s", resp->headers);
	if (http_response_header(resp, "X-Reply", f->xreply[i],
	    sizeof f->xreply[i]) == -1)
		f->xreply[i][0] = '\0';
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Runs the loop until want callbacks ran or ms passed. */
static int
run(struct fx *f, int want, int ms)
{
	struct event	*t = evtimer_new(f->base, stop_cb, f->base);
	struct timeval	 tv = { 0, 10000 };
	struct timespec	 a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		if (f->ndone >= want)
			break;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((b.tv_sec - a.tv_sec) * 1000 +
		    (b.tv_nsec - a.tv_nsec) / 1000000 > ms)
			break;
		evtimer_add(t, &tv);
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	event_free(t);
	return f->ndone >= want;
}

static void
submit(struct fx *f, int i, const char *method, const char *path,
    const char *body, const char **hdrs, size_t nh, const char *userpwd,
    long timeout_ms)
{
	struct http_request	req;
	char			u[128];

	snprintf(u, sizeof u, "http://127.0.0.1:%d%s", f->port, path);
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = u;
	req.headers = hdrs;
	req.nheaders = nh;
	req.body = body;
	req.bodylen = body != NULL ? strlen(body) : 0;
	req.userpwd = userpwd;
	req.connect_timeout_ms = 1000;
	req.timeout_ms = timeout_ms;
	assert_int_equal(http_submit(f->pool, &req, done_cb,
	    (void *)(intptr_t)i), 0);
}

static int
setup(void **state)
{
	struct fx		*f = calloc(1, sizeof *f);
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof sin;
	int			 i, one = 1;

	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	for (i = 0; i < MAXCONNS; i++)
		f->conns[i].fd = -1;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(f->lfd != -1);
	(void)setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(f->lfd, 16), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sin, &sl), 0);
	f->port = ntohs(sin.sin_port);
	assert_non_null(f->lev = event_new(f->base, f->lfd,
	    EV_READ | EV_PERSIST, accept_cb, f));
	assert_int_equal(event_add(f->lev, NULL), 0);
	assert_non_null(f->http = http_new(f->base));
	assert_non_null(f->pool = http_pool_new(f->http, "h1", 1));
	cur = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	int		 i;

	http_free(f->http);
	http_pool_free(f->pool);
	for (i = 0; i < f->nconns; i++)
		sconn_close(&f->conns[i]);
	event_free(f->lev);
	close(f->lfd);
	event_base_free(f->base);
	free(f);
	cur = NULL;
	return 0;
}

#define STEPS(f, s) do { (f)->steps = (s); (f)->nsteps = (int)(sizeof (s) / sizeof (s)[0]); } while (0)

/* The request as curl would write it: Host, Basic auth, a removed header. */
static void
test_request_bytes(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", 0, 0 },
	};
	const char		*hdrs[] = { "Content-Type: application/json",
	    "Expect:", "X-Test: a b" };
	char			 want[512];

	STEPS(f, s);
	submit(f, 0, "POST", "/v3/mail/send?x=1", "{\"a\":1}", hdrs, 3,
	    "user:pass", 2000);
	assert_true(run(f, 1, 3000));
	assert_int_equal(f->error[0], 0);
	assert_int_equal(f->status[0], 202);
	snprintf(want, sizeof want, "POST /v3/mail/send?x=1 HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Authorization: Basic dXNlcjpwYXNz\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: application/json\r\n"
	    "X-Test: a b\r\n"
	    "Content-Length: 7\r\n"
	    "\r\n"
	    "{\"a\":1}", f->port);
	assert_string_equal(f->req[0], want);
}

/* A chunked answer with an extension and a trailer, then the connection reused. */
static void
test_chunked_reuse(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		  "X-Reply: one\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n"
		  "0\r\nX-Trailer: t\r\n\r\n", 0, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo", 0, 0 },
	};

	STEPS(f, s);
	submit(f, 0, "GET", "/a", NULL, NULL, 0, NULL, 2000);
	submit(f, 1, "GET", "/b", NULL, NULL, 0, NULL, 2000);
	assert_true(run(f, 2, 3000));
	assert_int_equal(f->error[0], 0);
	assert_string_equal(f->body[0], "hello world");
	assert_string_equal(f->xreply[0], "one");
	assert_string_equal(f->body[1], "two");
	assert_int_equal(f->nconns, 1);
	assert_int_equal(f->reqconn[1], 0);
}

/* 1xx blocks are skipped: the final answer's headers only. */
static void
test_interim(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 100 Continue\r\nX-Reply: early\r\n\r\n"
		  "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
		  "X-Reply: final\r\n\r\nok", 0, 0 },
	};

	STEPS(f, s);
	submit(f, 0, "POST", "/", "x=1", NULL, 0, NULL, 2000);
	assert_true(run(f, 1, 3000));
	assert_int_equal(f->status[0], 201);
	assert_string_equal(f->xreply[0], "final");
	assert_string_equal(f->body[0], "ok");
	assert_null(strstr(f->headers[0], "100 Continue"));
	/* curl's default type for a form body nobody typed */
	assert_non_null(strstr(f->req[0],
	    "Content-Type: application/x-www-form-urlencoded\r\n"));
}

/* HTTP/1.0 without a length: the body runs to the close; no reuse after. */
static void
test_close_delimited(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.0 200 OK\r\nX-Reply: eof\r\n\r\nuntil the close", 1, 0 },
		{ "HTTP/1.1 204 No Content\r\n\r\n", 0, 0 },
	};

	STEPS(f, s);
	submit(f, 0, "GET", "/", NULL, NULL, 0, NULL, 2000);
	submit(f, 1, "GET", "/", NULL, NULL, 0, NULL, 2000);
	assert_true(run(f, 2, 3000));
	assert_int_equal(f->error[0], 0);
	assert_string_equal(f->body[0], "until the close");
	assert_int_equal(f->status[1], 204);
	assert_int_equal(f->nconns, 2);
}

/*
 * The server drops a kept-alive connection as the next request arrives: it
 * goes once more on a new connection. A new connection dropped without an
 * answer is an error, not retried.
 */
static void
test_stale_retry(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", 0, 0 },
		{ NULL, 1, 0 },		/* the stale one */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2", 0, 0 },
		{ NULL, 1, 0 },		/* reused, dropped again: retried */
		{ NULL, 1, 0 },		/* fresh, dropped: an error */
	};

	STEPS(f, s);
	submit(f, 0, "POST", "/", "a", NULL, 0, NULL, 2000);
	assert_true(run(f, 1, 3000));
	submit(f, 1, "POST", "/", "b", NULL, 0, NULL, 2000);
	assert_true(run(f, 2, 3000));
	assert_int_equal(f->error[1], 0);
	assert_string_equal(f->body[1], "2");
	assert_int_equal(f->nreq, 3);
	assert_int_equal(f->nconns, 2);
	submit(f, 2, "POST", "/", "c", NULL, 0, NULL, 2000);
	assert_true(run(f, 3, 3000));
	assert_int_equal(f->nreq, 5);
	assert_int_equal(f->error[2], CURLE_GOT_NOTHING);
	assert_non_null(strstr(f->errmsg[2], "Empty reply"));
}

/* Retry-After as an HTTP date, as curl reads it. */
static void
test_retry_after_date(void **state)
{
	struct fx		*f = *state;
	static char		 a[256];
	static struct step	 s[1];
	char			 date[64];
	time_t			 t = time(NULL) + 120;
	struct tm		 tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(a, sizeof a, "HTTP/1.1 429 Too Many\r\nRetry-After: %s\r\n"
	    "Content-Length: 0\r\n\r\n", date);
	s[0].answer = a;
	STEPS(f, s);
	submit(f, 0, "POST", "/", "x", NULL, 0, NULL, 2000);
	assert_true(run(f, 1, 3000));
	assert_int_equal(f->status[0], 429);
	assert_true(f->retry_after[0] >= 115 && f->retry_after[0] <= 121);
}

/* HEAD: a length but no body; the connection stays usable. */
static void
test_head(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0 },
	};

	STEPS(f, s);
	submit(f, 0, "HEAD", "/", NULL, NULL, 0, NULL, 2000);
	submit(f, 1, "GET", "/", NULL, NULL, 0, NULL, 2000);
	assert_true(run(f, 2, 3000));
	assert_int_equal(f->status[0], 200);
	assert_int_equal(f->bodylen[0], 0);
	assert_string_equal(f->body[1], "ok");
	assert_int_equal(f->nconns, 1);
}

/*
 * Not HTTP and a silent server: clear errors. A header line past what is
 * kept is dropped, the answer taken (as the curl transport does); a
 * header block past 256 KiB is refused.
 */
static void
test_errors(void **state)
{
	struct fx		*f = *state;
	static char		 big[20100];
	static struct step	 s[3];
	struct http_req		 r;
	char			*huge;
	size_t			 n = 300 * 1024;

	snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nX-Reply: early\r\n"
	    "X-Big: %0*d\r\nContent-Length: 2\r\n\r\nok", 20000, 7);
	s[0].answer = "220 smtp.example ESMTP ready\r\n\r\n";
	s[1].answer = big;
	s[2].answer = NULL;
	STEPS(f, s);
	submit(f, 0, "GET", "/", NULL, NULL, 0, NULL, 2000);
	assert_true(run(f, 1, 3000));
	assert_int_equal(f->error[0], CURLE_WEIRD_SERVER_REPLY);
	submit(f, 1, "GET", "/", NULL, NULL, 0, NULL, 2000);
	assert_true(run(f, 2, 3000));
	assert_int_equal(f->error[1], 0);
	assert_string_equal(f->xreply[1], "early");
	assert_null(strstr(f->headers[1], "X-Big"));
	assert_string_equal(f->body[1], "ok");
	submit(f, 2, "GET", "/", NULL, NULL, 0, NULL, 200);
	assert_true(run(f, 3, 3000));
	assert_int_equal(f->error[2], CURLE_OPERATION_TIMEDOUT);
	assert_non_null(strstr(f->errmsg[2], "timed out"));

	assert_non_null(huge = malloc(n));
	memset(huge, 'a', n);
	memcpy(huge, "HTTP/1.1 200 OK\r\nX-Huge: ", 26);
	memset(&r, 0, sizeof r);
	assert_int_equal(http_h1_feed(&r, 0, huge, n, 4096), -1);
	free(r.rhdrs.data);
	free(r.rbody.data);
	free(huge);
}

/* Nobody listening: curl's code and words. */
static void
test_refused(void **state)
{
	struct fx	*f = *state;
	int		 port = f->port;

	event_del(f->lev);
	close(f->lfd);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	f->port = port;
	submit(f, 0, "GET", "/", NULL, NULL, 0, NULL, 2000);
	assert_true(run(f, 1, 3000));
	assert_int_equal(f->error[0], CURLE_COULDNT_CONNECT);
	assert_non_null(strstr(f->errmsg[0], "Failed to connect to 127.0.0.1"));
}

/*
 * An answer before the whole request left (a 413 at the headers of a body
 * too big for the socket's buffers): the rest is not sent, the answer is
 * the result, as with curl, not a transport error.
 */
static void
test_early_answer(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n"
		  "X-Reply: big\r\n\r\nbig!", 0, 1 },
	};
	size_t			 n = 32 * 1024 * 1024;
	char			*body;

	STEPS(f, s);
	assert_non_null(body = malloc(n + 1));
	memset(body, 'x', n);
	body[n] = '\0';
	submit(f, 0, "POST", "/big", body, NULL, 0, NULL, 5000);
	free(body);
	assert_true(run(f, 1, 6000));
	assert_int_equal(f->error[0], 0);
	assert_int_equal(f->status[0], 413);
	assert_string_equal(f->xreply[0], "big");
	assert_string_equal(f->body[0], "big!");
}

/* Retry-After as curl reads it: the leading number, else a date, else 0. */
static void
test_retry_after_number(void **state)
{
	struct fx		*f = *state;
	static const struct step s[] = {
		{ "HTTP/1.1 429 Slow\r\nRetry-After: 5.5\r\n"
		  "Content-Length: 0\r\n\r\n", 0, 0 },
		{ "HTTP/1.1 429 Slow\r\nRetry-After: soon\r\n"
		  "Content-Length: 0\r\n\r\n", 0, 0 },
		{ "HTTP/1.1 429 Slow\r\nContent-Length: 0\r\n\r\n", 0, 0 },
	};

	STEPS(f, s);
	submit(f, 0, "POST", "/", "x", NULL, 0, NULL, 2000);
	submit(f, 1, "POST", "/", "x", NULL, 0, NULL, 2000);
	submit(f, 2, "POST", "/", "x", NULL, 0, NULL, 2000);
	assert_true(run(f, 3, 3000));
	assert_int_equal(f->retry_after[0], 5);
	assert_int_equal(f->retry_after[1], 0);
	assert_int_equal(f->retry_after[2], -1);
}

/* Answers the parser refuses, or takes, fed as reads of a few bytes. */
static void
test_parse_strict(void **state)
{
	static const struct {
		const char	*answer;
		int		 want;
	} v[] = {
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "-1\r\nx\r\n0\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "0x2\r\nok\r\n0\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "\r\n2\r\nok\r\n0\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "2;x=y\r\nok\r\n0\r\n\r\n", 1 },
		{ "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		  "Content-Length: 3\r\n\r\nokk", -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		  "Content-Length: 2\r\n\r\nok", 1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", -1 },
	};
	struct http_req	r;
	size_t		i, step;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		for (step = 1; step <= 7; step += 3) {
			memset(&r, 0, sizeof r);
			if (http_h1_feed(&r, 0, v[i].answer,
			    strlen(v[i].answer), step) != v[i].want)
				fail_msg("answer %zu, reads of %zu: not %d", i,
				    step, v[i].want);
			free(r.rhdrs.data);
			free(r.rbody.data);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_interim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_delimited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_date, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_number, setup,
		    teardown),
		cmocka_unit_test(test_parse_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
