/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The admin port tests' fixture: a raw HTTP client, a server on 127.0.0.1, signed public requests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "admin.h"
#include "admin_fixture.h"
#include "buf.h"
#include "twhook.h"
#include "unsub.h"

/* ---- a raw HTTP client on the test's event base ---- */

struct client {
	struct reply	*r;
	int		 head;		/* HEAD: wait for the close */
	int		 done;
};

/* A whole response by its Content-Length (keep-alive answers never close). */
static int
client_complete(struct client *c)
{
	struct reply	*r = c->r;
	const char	*end, *p;
	unsigned long	 clen;

	r->raw[r->rawlen] = '\0';
	if (c->head || (end = strstr(r->raw, "\r\n\r\n")) == NULL)
		return 0;
	for (p = r->raw; p != NULL && p < end; p = strstr(p + 1, "\r\n"))
		if (strncasecmp(p, "\r\nContent-Length:", 17) == 0) {
			clen = strtoul(p + 17, NULL, 10);
			return r->rawlen >= (size_t)(end + 4 - r->raw) + clen;
		}
	return 0;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 room = FIX_RAWMAX - 1 - c->r->rawlen;
	int		 n;

	n = evbuffer_remove(in, c->r->raw + c->r->rawlen, room);
	if (n > 0)
		c->r->rawlen += (size_t)n;
	evbuffer_drain(in, evbuffer_get_length(in));	/* beyond FIX_RAWMAX */
	if (client_complete(c))
		c->done = 1;
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	client_read(bev, arg);
	if (what & BEV_EVENT_EOF)
		c->r->eof = 1;
	else
		c->r->reset = 1;
	c->done = 1;
}

static void
client_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)what;
	c->r->timedout = 1;
	c->done = 1;
}

static void
reply_parse(struct reply *r)
{
	char	*end;

	r->raw[r->rawlen] = '\0';
	if (sscanf(r->raw, "HTTP/1.%*d %d ", &r->status) != 1)
		r->status = 0;
	if ((end = strstr(r->raw, "\r\n\r\n")) != NULL) {
		r->body = end + 4;
		r->bodylen = r->rawlen - (size_t)(r->body - r->raw);
	}
}

/* Sends raw bytes; reads until the server closes (FIX_DEADLINE_S max). */
void
fix_exchange(struct event_base *base, int port, const char *req, size_t len,
    struct reply *r)
{
	struct sockaddr_in	 sin;
	struct bufferevent	*bev;
	struct event		*deadline;
	struct timeval		 tv = { FIX_DEADLINE_S, 0 };
	struct client		 c = { r, strncmp(req, "HEAD ", 5) == 0, 0 };

	memset(r, 0, sizeof *r);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(bev);
	deadline = evtimer_new(base, client_deadline, &c);
	assert_non_null(deadline);
	assert_int_equal(evtimer_add(deadline, &tv), 0);
	bufferevent_setcb(bev, client_read, NULL, client_event, &c);
	assert_int_equal(bufferevent_enable(bev, EV_READ | EV_WRITE), 0);
	assert_int_equal(bufferevent_socket_connect(bev,
	    (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(bufferevent_write(bev, req, len), 0);
	while (!c.done)
		assert_true(event_base_loop(base, EVLOOP_ONCE) != -1);
	bufferevent_free(bev);
	event_free(deadline);
	reply_parse(r);
	if (r->timedout)
		fail_msg("no answer within %d s to %.60s", FIX_DEADLINE_S, req);
}

/* A request without a body, "Connection: close". */
void
fix_get(struct event_base *base, int port, const char *method,
    const char *path, struct reply *r)
{
	char	req[512];

	snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", method, path);
	fix_exchange(base, port, req, strlen(req), r);
}

/* The value of a response header (case-insensitive name), or NULL. */
const char *
fix_header(struct reply *r, const char *name, char *out, size_t outlen)
{
	const char	*p = strstr(r->raw, "\r\n"), *end, *colon;
	size_t		 n = strlen(name);

	while (p != NULL && p[2] != '\r' && p[2] != '\0') {
		p += 2;
		end = strstr(p, "\r\n");
		colon = strchr(p, ':');
		if (end != NULL && colon != NULL && colon < end &&
		    (size_t)(colon - p) == n && strncasecmp(p, name, n) == 0) {
			colon++;
			while (*colon == ' ')
				colon++;
			snprintf(out, outlen, "%.*s", (int)(end - colon), colon);
			return out;
		}
		p = end;
	}
	return NULL;
}

/* ---- the server ---- */

/* admin_ready_fn: what f->ready says, with f->why as the reason. */
static int
fix_ready(void *arg, char *why, size_t whylen)
{
	struct fix	*f = arg;

	f->nready++;
	if (!f->ready)
		snprintf(why, whylen, "%s", f->why);
	return f->ready;
}

/* What the daemon's callback will look like, with every helper. */
static void
fix_metrics(void *arg, struct buf *out)
{
	struct fix		*f = arg;
	struct admin_histogram	 h1, h2;
	static const double	 obs[] = { 0, 0.5, 1, 1.5, 2, 7, 10, 10.01,
	    99, 250, 4000, 10000, 10001, 60000, -3 };
	size_t			 i;

	f->nscrapes++;
	memset(&h1, 0, sizeof h1);
	memset(&h2, 0, sizeof h2);
	for (i = 0; i < sizeof obs / sizeof obs[0]; i++)
		admin_histogram_observe(&h1, obs[i]);
	admin_histogram_observe(&h2, NAN);
	admin_histogram_observe(&h2, 3);

	admin_metric_help(out, "relais_events_read_total", ADMIN_COUNTER,
	    "Events read from the stream, by type.");
	admin_metric(out, "relais_events_read_total", 42, "type",
	    "newcomer.arrived", NULL);
	admin_metric(out, "relais_events_read_total", 3, "type", NASTY, NULL);
	admin_metric_help(out, "relais_inflight", ADMIN_GAUGE,
	    "Entries in flight.\nSecond line with a \\ backslash.");
	admin_metric(out, "relais_inflight", 7, NULL);
	admin_metric_help(out, "relais_gateway_latency_seconds",
	    ADMIN_HISTOGRAM, "Gateway request latency.");
	admin_histogram_write(out, "relais_gateway_latency_seconds", &h1,
	    "gateway", "sendgrid", "channel", "email", NULL);
	admin_histogram_write(out, "relais_gateway_latency_seconds", &h2,
	    "gateway", "twilio", "channel", "sms", NULL);
	admin_metric_help(out, "relais_ratio", ADMIN_GAUGE, "Odd values.");
	admin_metric(out, "relais_ratio", 0.1, "k", "a", NULL);
	admin_metric(out, "relais_ratio", 1e300, "k", "b", NULL);
	admin_metric(out, "relais_ratio", -INFINITY, "k", "c", NULL);
	admin_metric(out, "relais_ratio", 1.0 / 3, "k", "d", NULL);
}

/* cmocka setup: a server with fix_ready and fix_metrics as callbacks. */
int
fix_setup(void **state)
{
	struct fix	*f = calloc(1, sizeof *f);
	char		 err[256];

	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	f->admin = admin_new(f->base, "127.0.0.1:0", err, sizeof err);
	if (f->admin == NULL)
		fail_msg("admin_new: %s", err);
	f->port = admin_port(f->admin);
	assert_true(f->port > 0);
	admin_set_ready(f->admin, fix_ready, f);
	admin_set_metrics(f->admin, fix_metrics, f);
	*state = f;
	return 0;
}

/* cmocka teardown: the server (unless the test freed it) and its base. */
int
fix_teardown(void **state)
{
	struct fix	*f = *state;

	admin_free(f->admin);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* GET /healthz answers 200 "ok". */
void
assert_alive(struct fix *f)
{
	static struct reply	r;

	fix_get(f->base, f->port, "GET", "/healthz", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
}

static void
pump_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop for ms; returns how many times it turned. */
int
fix_pump(struct event_base *base, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*stop;
	int		 done = 0, turns = 0;

	assert_non_null(stop = evtimer_new(base, pump_stop, &done));
	assert_int_equal(evtimer_add(stop, &tv), 0);
	while (!done) {
		assert_true(event_base_loop(base, EVLOOP_ONCE) != -1);
		turns++;
	}
	event_free(stop);
	return turns;
}

/* A blocking TCP connection to the admin port. */
int
fix_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/*
 * Runs the loop until the server closes fd (never past FIX_DEADLINE_S),
 * keeping what came as fix_exchange() does; fd stays the caller's.
 */
void
fix_read(struct event_base *base, int fd, struct reply *r)
{
	struct timespec	 start, now;
	ssize_t		 n;

	memset(r, 0, sizeof *r);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &start), 0);
	for (;;) {
		n = recv(fd, r->raw + r->rawlen, FIX_RAWMAX - 1 - r->rawlen,
		    MSG_DONTWAIT);
		if (n > 0) {
			r->rawlen += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
		if (now.tv_sec - start.tv_sec > FIX_DEADLINE_S)
			fail_msg("no close within %d s", FIX_DEADLINE_S);
		fix_pump(base, 5);
	}
	if (n == 0)
		r->eof = 1;
	else
		r->reset = 1;
	reply_parse(r);
}

/* 1 when the server closed fd, 0 while it stays open (and silent). */
int
fix_closed(int fd)
{
	char	c;
	ssize_t	n = recv(fd, &c, 1, MSG_DONTWAIT);

	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	assert_true(n <= 0);
	return 1;
}

/* One metric's value from /metrics (with its labels, e.g. {reason="cap"}). */
double
fix_metric(struct fix *f, const char *sample)
{
	static struct reply	r;
	const char		*p;
	char			 pat[128];

	fix_get(f->base, f->port, "GET", "/metrics", &r);
	assert_int_equal(r.status, 200);
	snprintf(pat, sizeof pat, "\n%s ", sample);
	if ((p = strstr(r.body, pat)) == NULL)
		fail_msg("no %s in /metrics", sample);
	return strtod(p + strlen(pat), NULL);
}

/* ---- /u/ one-click unsubscribe ---- */

/* admin_suppress_fn: records the call into f->supp. */
int
fix_suppress(void *arg, const char *id, const char *source)
{
	struct fix	*f = arg;

	f->supp.calls++;
	snprintf(f->supp.id, sizeof f->supp.id, "%s", id);
	snprintf(f->supp.source, sizeof f->supp.source, "%s", source);
	return f->supp.fail ? -1 : 0;
}

/* Serves /u/ with UNSUB_SECRET; f->supp zeroed. */
void
fix_unsub_on(struct fix *f)
{
	memset(&f->supp, 0, sizeof f->supp);
	admin_set_unsubscribe(f->admin, UNSUB_SECRET, UNSUB_SECRETLEN,
	    fix_suppress, f);
}

/* "/u/<v1 token of id>" followed by suffix ("?lang=en", or ""). */
void
fix_unsub_path(const char *id, const char *suffix, char *out,
    size_t outlen)
{
	char	tok[UNSUB_TOKEN_SIZE];

	if (unsub_token(UNSUB_SECRET, UNSUB_SECRETLEN, id, tok, sizeof tok))
		fail_msg("no token for %s", id);
	snprintf(out, outlen, "/u/%s%s", tok, suffix);
}

/* Like fix_get(), for paths of any length. */
void
fix_unsub_get(struct fix *f, const char *method, const char *path,
    struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", method, path);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

/* A POST as a mail client sends it (RFC 8058), or with another body. */
void
fix_post(struct fix *f, const char *path, const char *ctype,
    const char *body, struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", path, ctype, strlen(body), body);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

/* The RFC 8058 one-click POST. */
void
fix_one_click(struct fix *f, const char *path, struct reply *r)
{
	fix_post(f, path, "application/x-www-form-urlencoded",
	    "List-Unsubscribe=One-Click", r);
}

/* ---- /hooks/twilio ---- */

/* The Twilio callbacks: each records the call into f->tw. */
int
fix_tw_suppress(void *arg, const char *id, const char *source)
{
	struct fix	*f = arg;

	f->tw.nsuppress++;
	snprintf(f->tw.id, sizeof f->tw.id, "%s", id);
	snprintf(f->tw.source, sizeof f->tw.source, "%s", source);
	return f->tw.fail ? -1 : 0;
}

int
fix_tw_unsuppress(void *arg, const char *id, const char *source)
{
	struct fix	*f = arg;

	f->tw.nunsuppress++;
	snprintf(f->tw.id, sizeof f->tw.id, "%s", id);
	snprintf(f->tw.source, sizeof f->tw.source, "%s", source);
	return f->tw.fail ? -1 : 0;
}

void
fix_tw_status(void *arg, const char *sid, const char *status,
    const char *error)
{
	struct fix	*f = arg;

	f->tw.nstatus++;
	snprintf(f->tw.sid, sizeof f->tw.sid, "%s", sid);
	snprintf(f->tw.status, sizeof f->tw.status, "%s", status);
	f->tw.error_null = error == NULL;
	snprintf(f->tw.error, sizeof f->tw.error, "%s", error != NULL ? error :
	    "");
}

/* Serves /hooks/twilio with TW_TOKEN; f->tw zeroed. */
void
fix_tw_on(struct fix *f, const char *public_url)
{
	memset(&f->tw, 0, sizeof f->tw);
	admin_set_twilio(f->admin, TW_TOKEN, public_url, fix_tw_suppress,
	    fix_tw_unsuppress, fix_tw_status, f);
}

/* How many times the three Twilio callbacks were called. */
int
fix_tw_calls(const struct fix *f)
{
	return f->tw.nsuppress + f->tw.nunsuppress + f->tw.nstatus;
}

/* The signature Twilio would send for body posted to url. */
void
fix_tw_sign(const char *token, const char *url, const char *body, char *sig,
    size_t siglen)
{
	struct twhook_form		*form;
	const struct twhook_param	*p;
	char				 err[128];
	size_t				 n;

	if ((form = twhook_form_parse(body, strlen(body), err,
	    sizeof err)) == NULL)
		fail_msg("test body refused: %s", err);
	p = twhook_form_params(form, &n);
	assert_int_equal(twhook_signature(token, url, p, n, sig, siglen), 0);
	twhook_form_free(form);
}

/* A raw POST: any target, Host, content type and signature (NULL: none). */
void
fix_tw_raw(struct fix *f, const char *target, const char *host,
    const char *ctype, const char *sig, const char *body, struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\n", target, host);
	if (ctype != NULL)
		buf_printf(&req, "Content-Type: %s\r\n", ctype);
	if (sig != NULL)
		buf_printf(&req, "X-Twilio-Signature: %s\r\n", sig);
	buf_printf(&req, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    strlen(body));
	buf_puts(&req, body);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

/* A POST of body to /hooks/twilio, signed as Twilio does for TW_URL. */
void
fix_tw_post(struct fix *f, const char *body, struct reply *r)
{
	char	sig[TWHOOK_SIG_SIZE];

	fix_tw_sign(TW_TOKEN, TW_URL, body, sig, sizeof sig);
	fix_tw_raw(f, "/hooks/twilio", "127.0.0.1", TW_FORM "; charset=UTF-8",
	    sig, body, r);
}
