/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the webhook gateway kind: its request on loopback, how answers are sorted. */
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
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "config_parse.h"
#include "diag.h"
#include "gw.h"
#include "gw_webhook.h"
#include "http.h"
#include "ynode.h"

/* The test clock of the group setup: "at" is within seconds of it. */
#define TEST_NOW	"2026-03-04T19:30:00Z"

/* A message as the pipeline hands it over, with every field set. */
static struct gw_msg
full_msg(void)
{
	struct gw_msg	m;

	memset(&m, 0, sizeof m);
	m.key = "75b8e20eba5c7712aca9e971a72ad481";
	m.event_id = "evt-1";
	m.type = "newcomer.arrived";
	m.territory = "abitibi";
	m.role = "newcomer";
	m.channel = "email";
	m.language = "fr";
	m.template = "welcome";
	m.from = "accueil@abitibi.example";
	m.from_name = "Accueil MRC d'Abitibi";
	m.reply_to = "reponses@abitibi.example";
	m.to = "ana.lefebvre@example.com";
	m.subject = "Bienvenue à Amos, Ana !";
	m.text = "Bonjour Ana,\nL'équipe d'accueil vous souhaite la bienvenue.";
	m.html = "<p>Bonjour Ana,</p><p>L'équipe « vous » salue.</p>";
	m.gateway = "hook";
	m.unsubscribe_url = "https://relais.example.org/u/abc.def";
	return m;
}

/* The loopback server: records the last request, answers as told. */
struct srv {
	struct event_base	*base;
	struct evhttp		*evh;
	int			 port;
	int			 nreq;
	int			 pending;	/* received, not answered yet */
	/* the last request */
	char			 method[16];
	char			 uri[64];
	char			 ctype[64];
	char			 accept[64];
	char			 agent[64];
	char			 idem[128];
	char			 auth[128];
	int			 has_auth;
	int			 has_expect;
	char			 body[8192];
	size_t			 bodylen;
	/* the next answer */
	int			 code;
	const char		*hdr;		/* "Name: value", or NULL */
	const char		*reply;
};

struct delayed {
	struct srv		*srv;
	struct evhttp_request	*req;
	struct event		*ev;
};

static void
srv_reply(struct srv *s, struct evhttp_request *req)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();
	char			 name[64];
	const char		*colon;

	if (s->hdr != NULL && (colon = strchr(s->hdr, ':')) != NULL) {
		snprintf(name, sizeof name, "%.*s", (int)(colon - s->hdr),
		    s->hdr);
		evhttp_add_header(out, name, colon + 2);
	}
	evbuffer_add(b, s->reply, strlen(s->reply));
	evhttp_send_reply(req, s->code, "X", b);
	evbuffer_free(b);
	s->pending--;
}

static void
srv_delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct delayed	*d = arg;

	(void)fd;
	(void)what;
	srv_reply(d->srv, d->req);
	event_free(d->ev);
	free(d);
}

/* Copies header name of in into out ("" when absent). */
static void
srv_header(struct evkeyvalq *in, const char *name, char *out, size_t outlen)
{
	const char	*v = evhttp_find_header(in, name);

	snprintf(out, outlen, "%s", v != NULL ? v : "");
}

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	struct srv		*s = arg;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*b = evhttp_request_get_input_buffer(req);
	struct delayed		*d;
	struct timeval		 tv = { 1, 0 };
	ev_ssize_t		 n;

	s->nreq++;
	s->pending++;
	snprintf(s->method, sizeof s->method, "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
	    "OTHER");
	snprintf(s->uri, sizeof s->uri, "%s", evhttp_request_get_uri(req));
	srv_header(in, "Content-Type", s->ctype, sizeof s->ctype);
	srv_header(in, "Accept", s->accept, sizeof s->accept);
	srv_header(in, "User-Agent", s->agent, sizeof s->agent);
	srv_header(in, "Idempotency-Key", s->idem, sizeof s->idem);
	srv_header(in, "Authorization", s->auth, sizeof s->auth);
	s->has_auth = evhttp_find_header(in, "Authorization") != NULL;
	s->has_expect = evhttp_find_header(in, "Expect") != NULL;
	n = evbuffer_copyout(b, s->body, sizeof s->body - 1);
	s->bodylen = n < 0 ? 0 : (size_t)n;
	s->body[s->bodylen] = '\0';
	if (strcmp(s->uri, "/slow") == 0) {
		assert_non_null(d = calloc(1, sizeof *d));
		d->srv = s;
		d->req = req;
		d->ev = evtimer_new(s->base, srv_delayed_cb, d);
		evtimer_add(d->ev, &tv);
		return;
	}
	srv_reply(s, req);
}

static void
srv_start(struct srv *s, struct event_base *base)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	memset(s, 0, sizeof *s);
	s->base = base;
	s->code = 200;
	s->reply = "";
	assert_non_null(s->evh = evhttp_new(base));
	evhttp_set_gencb(s->evh, srv_cb, s);
	bs = evhttp_bind_socket_with_handle(s->evh, "127.0.0.1", 0);
	assert_non_null(bs);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
}

static const char *const status_names[] = { "sent", "retry", "wait",
    "permanent" };

struct answer {
	int			calls;
	struct gw_result	res;
};

struct fx {
	struct event_base	*base;
	struct srv		 srv;
	struct http		*http;
	struct gw		 g;
	struct config_gateway	 cg;
	struct gw_webhook_conf	 wc;
	int			 up;	/* init succeeded */
	char			 name[16];
	char			 url[128];
	char			 token[64];
};

static struct fx	*cur;
static struct answer	*cur_answer;

static void
on_result(const struct gw_result *res, void *arg)
{
	struct answer	*a = arg;

	a->calls++;
	a->res = *res;
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
cond_srv_got(void)
{
	return cur->srv.nreq > 0;
}

static int
group_setup(void **state)
{
	char	err[256];

	(void)state;
	if (setenv("RELAIS_TEST_NOW", TEST_NOW, 1) == -1)
		return -1;
	return clock_init(err, sizeof err) == 1 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	err[256];

	(void)state;
	unsetenv("RELAIS_TEST_NOW");
	return clock_init(err, sizeof err) == 0 ? 0 : -1;
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
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/hooks/relais",
	    f->srv.port);
	snprintf(f->token, sizeof f->token, "s3cr3t-t0ken");
	f->wc.token = f->token;
	f->cg.name = f->name;
	f->cg.kind = f->name;
	f->cg.url = f->url;
	f->cg.conf = &f->wc;
	f->cg.max_concurrency = 4;
	f->cg.connect_timeout_ms = 1000;
	f->cg.timeout_ms = 3000;
	f->g.kind = &gw_webhook_kind;
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

	if (f->up)
		gw_webhook_kind.free(&f->g);
	http_free(f->http);
	assert_true(run_until(cond_srv_idle, 3000));
	evhttp_free(f->srv.evh);
	event_base_free(f->base);
	free(f);
	cur = NULL;
	cur_answer = NULL;
	return 0;
}

/* Builds the gateway from f->cg; fails the test when it cannot. */
static void
webhook_up(struct fx *f)
{
	char	err[128];

	if (gw_webhook_kind.init(&f->g, &f->cg, err, sizeof err) == -1)
		fail_msg("init: %s", err);
	f->up = 1;
}

/* Sends m, never answered inline, and waits for its one answer. */
static void
send_one(struct fx *f, const struct gw_msg *m, struct answer *a)
{
	memset(a, 0, sizeof *a);
	cur_answer = a;
	assert_int_equal(gw_webhook_kind.send(&f->g, m, on_result, a), 0);
	assert_int_equal(a->calls, 0);
	if (!run_until(cond_answered, 3000))
		fail_msg("no answer within 3 s");
	assert_int_equal(a->calls, 1);
}

/* The body the server got, parsed back; "at" checked and removed. */
static json_t *
body_json(const struct srv *s)
{
	json_error_t	 je;
	json_t		*j;
	const char	*at;

	if ((j = json_loadb(s->body, s->bodylen, 0, &je)) == NULL)
		fail_msg("body is not JSON (%s): %s", je.text, s->body);
	assert_true(json_is_object(j));
	assert_non_null(at = json_string_value(json_object_get(j, "at")));
	if (strncmp(at, "2026-03-04T19:30:0", 18) != 0 || strlen(at) != 24 ||
	    at[23] != 'Z')
		fail_msg("at: expected 2026-03-04T19:30:0x.xxxZ, got %s", at);
	json_object_del(j, "at");
	return j;
}

static void
assert_field(json_t *j, const char *k, const char *want)
{
	json_t	*v = json_object_get(j, k);

	if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
		fail_msg("%s: expected \"%s\", got %s", k, want,
		    json_is_string(v) ? json_string_value(v) : "none");
}

/* One POST of the message record, with its headers; a 200 is sent. */
static void
test_request(void **state)
{
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;
	json_t		*j;

	webhook_up(f);
	send_one(f, &m, &a);
	assert_int_equal(f->srv.nreq, 1);
	assert_string_equal(f->srv.method, "POST");
	assert_string_equal(f->srv.uri, "/hooks/relais");
	assert_string_equal(f->srv.ctype, "application/json");
	assert_string_equal(f->srv.accept, "application/json");
	assert_string_equal(f->srv.agent, "relais/" RELAIS_VERSION);
	assert_string_equal(f->srv.idem, m.key);
	assert_string_equal(f->srv.auth, "Bearer s3cr3t-t0ken");
	assert_int_equal(f->srv.has_expect, 0);

	j = body_json(&f->srv);
	assert_int_equal(json_object_size(j), 16);
	assert_field(j, "delivery_key", m.key);
	assert_field(j, "event_id", m.event_id);
	assert_field(j, "type", m.type);
	assert_field(j, "territory", m.territory);
	assert_field(j, "role", m.role);
	assert_field(j, "channel", m.channel);
	assert_field(j, "language", m.language);
	assert_field(j, "gateway", m.gateway);
	assert_field(j, "template", m.template);
	assert_field(j, "from", m.from);
	assert_field(j, "from_name", m.from_name);
	assert_field(j, "reply_to", m.reply_to);
	assert_field(j, "to", m.to);
	assert_field(j, "subject", m.subject);
	assert_field(j, "text", m.text);
	assert_field(j, "html", m.html);
	json_decref(j);

	assert_int_equal(a.res.status, GW_SENT);
	assert_string_equal(a.res.reason, "");
	assert_string_equal(a.res.provider_id, "");
	assert_int_equal(a.res.retry_after_s, -1);
	assert_int_equal(a.res.local, 0);
	assert_int_equal(a.res.optout, 0);
	assert_true(a.res.ms > 0);
}

/* Without a token no Authorization; each message its own key and record. */
static void
test_request_no_token(void **state)
{
	struct fx	*f = *state;
	struct gw_msg	 m;
	struct answer	 a;
	json_t		*j;

	f->wc.token = NULL;
	webhook_up(f);
	memset(&m, 0, sizeof m);
	m.key = "a1b2c3";
	m.event_id = "evt-2";
	m.channel = "sms";
	m.to = "+18195550123";
	m.text = "Bienvenue à Amos !";
	send_one(f, &m, &a);
	assert_int_equal(f->srv.has_auth, 0);
	assert_string_equal(f->srv.idem, "a1b2c3");
	j = body_json(&f->srv);
	assert_int_equal(json_object_size(j), 5);
	assert_field(j, "delivery_key", "a1b2c3");
	assert_field(j, "event_id", "evt-2");
	assert_field(j, "channel", "sms");
	assert_field(j, "to", "+18195550123");
	assert_field(j, "text", "Bienvenue à Amos !");
	json_decref(j);
	assert_int_equal(a.res.status, GW_SENT);

	m.key = "d4e5f6";
	send_one(f, &m, &a);
	assert_int_equal(f->srv.nreq, 2);
	assert_string_equal(f->srv.idem, "d4e5f6");
	j = body_json(&f->srv);
	assert_field(j, "delivery_key", "d4e5f6");
	json_decref(j);
}

/* Any 2xx is sent; the id comes from X-Message-Id, else the body's "id". */
static void
test_sent_ids(void **state)
{
	static const struct {
		int		 code;
		const char	*hdr;
		const char	*body;
		const char	*id;
	} cases[] = {
		{ 200, "X-Message-Id: wh-123", "", "wh-123" },
		{ 201, NULL, "{\"id\":\"evt_9f8e\",\"status\":\"queued\"}",
		    "evt_9f8e" },
		{ 202, "x-message-id: wh-hdr", "{\"id\":\"body-id\"}", "wh-hdr" },
		{ 200, NULL, "{\"id\":42}", "" },
		{ 200, NULL, "[\"id\"]", "" },
		{ 200, NULL, "accepted", "" },
		{ 204, NULL, "", "" },
	};
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;
	size_t		 i;

	webhook_up(f);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		f->srv.code = cases[i].code;
		f->srv.hdr = cases[i].hdr;
		f->srv.reply = cases[i].body;
		send_one(f, &m, &a);
		if (a.res.status != GW_SENT)
			fail_msg("HTTP %d: %s, expected sent", cases[i].code,
			    status_names[a.res.status]);
		if (strcmp(a.res.provider_id, cases[i].id) != 0)
			fail_msg("HTTP %d %s: id \"%s\", expected \"%s\"",
			    cases[i].code, cases[i].body, a.res.provider_id,
			    cases[i].id);
		assert_string_equal(a.res.reason, "");
		assert_int_equal(a.res.retry_after_s, -1);
	}
}

/* 4xx permanent, 408 and 5xx retried, 429 a wait; the body's excerpt as reason. */
static void
test_classify_errors(void **state)
{
	static const struct {
		int		 code;
		const char	*hdr;
		const char	*body;
		enum gw_status	 status;
		long		 retry_after_s;
		const char	*reason;
	} cases[] = {
		{ 400, NULL, "{\"error\":\"invalid recipient\"}", GW_PERMANENT,
		    -1, "HTTP 400: {\"error\":\"invalid recipient\"}" },
		{ 401, NULL, "unauthorized", GW_PERMANENT, -1,
		    "HTTP 401: unauthorized" },
		{ 403, NULL, "forbidden", GW_PERMANENT, -1,
		    "HTTP 403: forbidden" },
		{ 404, NULL, "", GW_PERMANENT, -1, "HTTP 404: " },
		{ 409, NULL, "duplicate", GW_PERMANENT, -1,
		    "HTTP 409: duplicate" },
		{ 413, NULL, "too large", GW_PERMANENT, -1,
		    "HTTP 413: too large" },
		{ 422, NULL, "{\"to\":[\"is invalid\"]}", GW_PERMANENT, -1,
		    "HTTP 422: {\"to\":[\"is invalid\"]}" },
		{ 408, NULL, "request timeout", GW_RETRY, -1,
		    "HTTP 408: request timeout" },
		{ 500, NULL, "<html>\n<b>Internal\tError</b>\r\n</html>",
		    GW_RETRY, -1, "HTTP 500: <html> <b>Internal Error</b>  "
		    "</html>" },
		{ 502, NULL, "bad gateway", GW_RETRY, -1,
		    "HTTP 502: bad gateway" },
		{ 503, "Retry-After: 30", "maintenance", GW_RETRY, 30,
		    "HTTP 503: maintenance" },
		{ 504, NULL, "gateway timeout", GW_RETRY, -1,
		    "HTTP 504: gateway timeout" },
		{ 429, "Retry-After: 12", "slow down", GW_WAIT, 12,
		    "HTTP 429: slow down" },
		{ 429, NULL, "slow down", GW_WAIT, -1, "HTTP 429: slow down" },
	};
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;
	size_t		 i;

	webhook_up(f);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		f->srv.code = cases[i].code;
		f->srv.hdr = cases[i].hdr;
		f->srv.reply = cases[i].body;
		send_one(f, &m, &a);
		if (a.res.status != cases[i].status)
			fail_msg("HTTP %d: %s, expected %s", cases[i].code,
			    status_names[a.res.status],
			    status_names[cases[i].status]);
		assert_string_equal(a.res.reason, cases[i].reason);
		assert_int_equal(a.res.retry_after_s, cases[i].retry_after_s);
		assert_string_equal(a.res.provider_id, "");
		assert_int_equal(a.res.local, 0);
	}
	assert_int_equal(f->srv.nreq, (int)(sizeof cases / sizeof *cases));
}

/* A long error body: 160 bytes of it in the reason. */
static void
test_classify_long_body(void **state)
{
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;
	char		 body[1000], want[200];

	memset(body, 'e', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	snprintf(want, sizeof want, "HTTP 400: %.160s", body);
	webhook_up(f);
	f->srv.code = 400;
	f->srv.reply = body;
	send_one(f, &m, &a);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason, want);
}

/* No HTTP answer at all: a retry, with curl's words. */
static void
test_transport_refused(void **state)
{
	struct fx		*f = *state;
	struct gw_msg		 m = full_msg();
	struct answer		 a;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd;

	/* a port that was just free: bind, read it back, close */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/hooks/relais",
	    ntohs(sin.sin_port));
	webhook_up(f);
	send_one(f, &m, &a);
	assert_int_equal(a.res.status, GW_RETRY);
	if (strncmp(a.res.reason, "transport: ", 11) != 0 ||
	    strlen(a.res.reason) < 20)
		fail_msg("reason: expected transport: <curl's message>, got %s",
		    a.res.reason);
	assert_int_equal(a.res.retry_after_s, -1);
	assert_string_equal(a.res.provider_id, "");
}

/* The gateway's timeout_ms ends a slow answer: a retry. */
static void
test_transport_timeout(void **state)
{
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;

	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/slow",
	    f->srv.port);
	f->cg.timeout_ms = 200;
	webhook_up(f);
	send_one(f, &m, &a);
	assert_int_equal(a.res.status, GW_RETRY);
	if (strncmp(a.res.reason, "transport: ", 11) != 0 ||
	    strstr(a.res.reason, "timed out") == NULL)
		fail_msg("reason: expected a transport time-out, got %s",
		    a.res.reason);
	assert_true(a.res.ms < 1000);
}

/* A key that would inject a header: not sent, -1, no callback. */
static void
test_send_injection(void **state)
{
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;

	webhook_up(f);
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	m.key = "k1\r\nX-Evil: 1";
	assert_int_equal(gw_webhook_kind.send(&f->g, &m, on_result, &a), -1);
	assert_false(run_until(cond_answered, 300));
	assert_int_equal(f->srv.nreq, 0);
}

/* Freed with a send in flight: no callback, even once the server answers. */
static void
test_free_inflight(void **state)
{
	struct fx	*f = *state;
	struct gw_msg	 m = full_msg();
	struct answer	 a;

	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/slow",
	    f->srv.port);
	webhook_up(f);
	memset(&a, 0, sizeof a);
	cur_answer = &a;
	assert_int_equal(gw_webhook_kind.send(&f->g, &m, on_result, &a), 0);
	assert_true(run_until(cond_srv_got, 3000));
	gw_webhook_kind.free(&f->g);
	f->up = 0;
	assert_null(f->g.priv);
	assert_true(run_until(cond_srv_idle, 3000));
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 0);
}

static void
test_init_fails(void **state)
{
	struct fx	*f = *state;
	char		 err[128];

	f->cg.max_concurrency = 0;
	assert_int_equal(gw_webhook_kind.init(&f->g, &f->cg, err, sizeof err),
	    -1);
	assert_string_equal(err, "cannot create its HTTP pool");
	assert_null(f->g.priv);
}

/* The kind's check of a gateway "out" with url (NULL: none). */
static int
test_check_one(const char *url, int has_secret, struct diag *err,
    struct diag *warn)
{
	struct config_ctx	 c;
	struct config_gateway	 g;
	struct gw_webhook_conf	 wc;
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
	memset(&wc, 0, sizeof wc);
	g.name = name;
	g.kind = kind;
	g.url = (char *)url;
	g.conf = &wc;
	g.has_secret = has_secret;
	rc = gw_webhook_kind.check(&c, &g, root->keys[0], root->items[0], 0);
	ynode_free(root);
	return rc;
}

/* A url it needs; a token in clear is a warning. */
static void
test_check(void **state)
{
	struct diag	err, warn;

	(void)state;
	assert_int_equal(test_check_one(NULL, 0, &err, &warn), -1);
	assert_int_equal(err.n, 1);
	assert_string_equal(err.msgs[0],
	    "t.yaml:1:1: gateway \"out\" (webhook) needs \"url\"");
	diag_free(&err);
	diag_free(&warn);

	/* then gw_http_check (test_gw_http.c): a scheme, https:// for a token */
	assert_int_equal(test_check_one("http://hooks.example/in", 1, &err,
	    &warn), 0);
	assert_int_equal(err.n, 0);
	assert_int_equal(warn.n, 1);
	assert_non_null(strstr(warn.msgs[0], "in clear"));
	diag_free(&err);
	diag_free(&warn);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_no_token, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sent_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_classify_long_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_transport_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_transport_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_injection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_inflight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_init_fails, setup,
		    teardown),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
