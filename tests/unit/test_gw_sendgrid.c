/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the sendgrid gateway kind: Mail Send body, response classification, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "gw.h"
#include "gw_sendgrid.h"
#include "http.h"

/* A message as the pipeline hands it over, with every optional field set. */
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
	m.html = "<p>Bonjour Ana,</p><p>L'équipe d'accueil « vous » salue.</p>";
	m.gateway = "sendgrid";
	return m;
}

/* Builds the body of m and parses it back; fails the test when it cannot. */
static json_t *
body_of(const struct gw_msg *m, struct buf *raw)
{
	char		 err[128];
	json_error_t	 jerr;
	json_t		*j;

	buf_init(raw);
	if (gw_sendgrid_body(m, raw, err, sizeof err) == -1)
		fail_msg("gw_sendgrid_body: %s", err);
	if ((j = json_loadb(raw->data, raw->len, 0, &jerr)) == NULL)
		fail_msg("body is not JSON (%s): %s", jerr.text, raw->data);
	return j;
}

/* The string at "key" or "key.key" in j, or NULL. */
static const char *
str_at(json_t *j, const char *path)
{
	const char	*dot = strchr(path, '.');
	char		 head[64];
	json_t		*v;

	if (dot == NULL)
		v = json_object_get(j, path);
	else {
		snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
		v = json_object_get(json_object_get(j, head), dot + 1);
	}
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Checks that every key of o is one of the space-separated allowed names. */
static void
assert_keys_within(json_t *o, const char *allowed, const char *what)
{
	const char	*k;
	json_t		*v;
	char		 pat[64];

	assert_true(json_is_object(o));
	json_object_foreach(o, k, v) {
		snprintf(pat, sizeof pat, " %s ", k);
		if (strstr(allowed, pat) == NULL)
			fail_msg("%s: unexpected key %s", what, k);
	}
}

static void
test_body_full(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	json_t		*j, *content, *to;

	(void)state;
	j = body_of(&m, &raw);
	/* the schema's required fields, and only names it defines */
	assert_non_null(json_object_get(j, "personalizations"));
	assert_non_null(json_object_get(j, "from"));
	assert_non_null(json_object_get(j, "subject"));
	assert_non_null(json_object_get(j, "content"));
	assert_keys_within(j, " personalizations from reply_to subject content ",
	    "top level");
	assert_int_equal(json_array_size(json_object_get(j,
	    "personalizations")), 1);
	assert_keys_within(json_array_get(json_object_get(j,
	    "personalizations"), 0), " to custom_args ", "personalization");
	to = json_object_get(json_array_get(json_object_get(j,
	    "personalizations"), 0), "to");
	assert_int_equal(json_array_size(to), 1);
	assert_keys_within(json_array_get(to, 0), " email ", "to[0]");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(to, 0), "email")), "ana.lefebvre@example.com");
	assert_string_equal(str_at(j, "from.email"), "accueil@abitibi.example");
	assert_string_equal(str_at(j, "from.name"), "Accueil MRC d'Abitibi");
	assert_string_equal(str_at(j, "reply_to.email"),
	    "reponses@abitibi.example");
	assert_null(json_object_get(json_object_get(j, "reply_to"), "name"));
	assert_string_equal(str_at(j, "subject"), m.subject);
	content = json_object_get(j, "content");
	assert_int_equal(json_array_size(content), 2);
	/* text/plain first, as SendGrid requires */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(content, 0), "type")), "text/plain");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(content, 0), "value")), m.text);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(content, 1), "type")), "text/html");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(content, 1), "value")), m.html);
	json_decref(j);
	buf_free(&raw);
}

/* Accents go out as UTF-8 bytes, not \u escapes, and come back intact. */
static void
test_body_accents(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	json_t		*j;

	(void)state;
	m.subject = "Bienvenue à Val-d'Or — «ça» vous plaît ? ê ô ç ’";
	m.from_name = "Accueil Vallée-de-l'Or";
	j = body_of(&m, &raw);
	assert_non_null(strstr(raw.data, "Bienvenue à Val-d'Or — «ça»"));
	assert_non_null(strstr(raw.data, "Vallée-de-l'Or"));
	assert_null(strstr(raw.data, "\\u"));
	assert_string_equal(str_at(j, "subject"), m.subject);
	assert_string_equal(str_at(j, "from.name"), m.from_name);
	json_decref(j);
	buf_free(&raw);
}

static void
test_body_minimal(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	json_t		*j, *content;

	(void)state;
	m.html = NULL;
	m.reply_to = NULL;
	m.from_name = NULL;
	j = body_of(&m, &raw);
	assert_null(json_object_get(j, "reply_to"));
	assert_keys_within(json_object_get(j, "from"), " email ", "from");
	content = json_object_get(j, "content");
	assert_int_equal(json_array_size(content), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(content, 0), "type")), "text/plain");
	json_decref(j);
	buf_free(&raw);

	/* empty strings count as absent: the schema wants length >= 1 */
	m.html = "";
	m.reply_to = "";
	m.from_name = "";
	j = body_of(&m, &raw);
	assert_null(json_object_get(j, "reply_to"));
	assert_null(json_object_get(json_object_get(j, "from"), "name"));
	assert_int_equal(json_array_size(json_object_get(j, "content")), 1);
	json_decref(j);
	buf_free(&raw);

	/* HTML only: then it is the only part */
	m = full_msg();
	m.text = NULL;
	j = body_of(&m, &raw);
	content = json_object_get(j, "content");
	assert_int_equal(json_array_size(content), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(content, 0), "type")), "text/html");
	json_decref(j);
	buf_free(&raw);
}

/* custom_args: identifiers only, all strings, nothing personal. */
static void
test_body_custom_args(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	json_t		*j, *ca, *v;
	const char	*k;
	char		*dump;

	(void)state;
	j = body_of(&m, &raw);
	assert_null(json_object_get(j, "custom_args"));
	ca = json_object_get(json_array_get(json_object_get(j,
	    "personalizations"), 0), "custom_args");
	assert_true(json_is_object(ca));
	assert_int_equal(json_object_size(ca), 5);
	assert_string_equal(str_at(ca, "event_id"), "evt-1");
	assert_string_equal(str_at(ca, "delivery_key"), m.key);
	assert_string_equal(str_at(ca, "territory"), "abitibi");
	assert_string_equal(str_at(ca, "role"), "newcomer");
	assert_string_equal(str_at(ca, "template"), "welcome");
	json_object_foreach(ca, k, v)
		assert_true(json_is_string(v));
	dump = json_dumps(ca, 0);
	assert_null(strchr(dump, '@'));
	assert_null(strstr(dump, "Ana"));
	assert_null(strstr(dump, "lefebvre"));
	assert_null(strstr(dump, "Accueil"));
	free(dump);
	json_decref(j);
	buf_free(&raw);

	/* absent identifiers are left out, not sent as null */
	m.territory = NULL;
	m.role = NULL;
	j = body_of(&m, &raw);
	ca = json_object_get(json_array_get(json_object_get(j,
	    "personalizations"), 0), "custom_args");
	assert_int_equal(json_object_size(ca), 3);
	assert_null(json_object_get(ca, "territory"));
	json_decref(j);
	buf_free(&raw);
}

static void
test_body_refused(void **state)
{
	struct gw_msg	 m;
	struct buf	 out;
	char		 err[128];

	(void)state;
	buf_init(&out);
	m = full_msg();
	m.to = NULL;
	assert_int_equal(gw_sendgrid_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no recipient address");
	m = full_msg();
	m.from = "";
	assert_int_equal(gw_sendgrid_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no sender address");
	m = full_msg();
	m.subject = NULL;
	assert_int_equal(gw_sendgrid_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no subject");
	m = full_msg();
	m.text = "";
	m.html = NULL;
	assert_int_equal(gw_sendgrid_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no content");
	m = full_msg();
	m.text = "caf\xe9";	/* Latin-1, not UTF-8 */
	assert_int_equal(gw_sendgrid_body(&m, &out, err, sizeof err), -1);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

/* A link as plan.c makes it: public_url, /u/, the signed token, the language. */
#define UNSUB_URL	"https://relais.example.org/u/" \
			"ZW1haWw6YW5hLmxlZmVidnJlQGV4YW1wbGUuY29t." \
			"q3Xv0m1y4YpD2c8kGZrN0A?lang=en"

/* RFC 8058: List-Unsubscribe with the recipient, and -Post over HTTPS. */
static void
test_body_unsubscribe(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw, out;
	json_t		*j, *p, *h;
	char		 err[128], longurl[GW_UNSUBSCRIBE_MAX + 2];
	size_t		 i;
	const char	*bad[] = { "https://relais.example.org/u/a b",
			    "https://relais.example.org/u/a>b",
			    "https://relais.example.org/u/<a",
			    "https://relais.example.org/u/a,b",
			    "https://relais.example.org/u/a\r\nBcc: x@y.example",
			    "https://relais.example.org/u/a\tb",
			    "https://relais.example.org/u/été", longurl };

	(void)state;
	m.unsubscribe_url = UNSUB_URL;
	j = body_of(&m, &raw);
	p = json_array_get(json_object_get(j, "personalizations"), 0);
	assert_keys_within(p, " to headers custom_args ", "personalization");
	assert_null(json_object_get(j, "headers"));
	h = json_object_get(p, "headers");
	assert_int_equal(json_object_size(h), 2);
	assert_string_equal(str_at(h, "List-Unsubscribe"), "<" UNSUB_URL ">");
	assert_string_equal(str_at(h, "List-Unsubscribe-Post"),
	    "List-Unsubscribe=One-Click");
	json_decref(j);
	buf_free(&raw);

	/* over plain HTTP: the link, without the one-click promise */
	m.unsubscribe_url = "http://127.0.0.1:9187/u/abc.def";
	j = body_of(&m, &raw);
	h = json_object_get(json_array_get(json_object_get(j,
	    "personalizations"), 0), "headers");
	assert_int_equal(json_object_size(h), 1);
	assert_string_equal(str_at(h, "List-Unsubscribe"),
	    "<http://127.0.0.1:9187/u/abc.def>");
	json_decref(j);
	buf_free(&raw);

	/* none, or empty: no headers at all */
	m.unsubscribe_url = "";
	j = body_of(&m, &raw);
	assert_null(json_object_get(json_array_get(json_object_get(j,
	    "personalizations"), 0), "headers"));
	json_decref(j);
	buf_free(&raw);

	/* what would break the header (or inject one) is refused */
	memset(longurl, 'a', sizeof longurl - 1);
	memcpy(longurl, "https://", 8);
	longurl[sizeof longurl - 1] = '\0';
	buf_init(&out);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		m.unsubscribe_url = bad[i];
		if (gw_sendgrid_body(&m, &out, err, sizeof err) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(err, "unsubscribe URL unusable in a header");
	}
	assert_int_equal(out.len, 0);
	/* the longest allowed goes */
	longurl[GW_UNSUBSCRIBE_MAX] = '\0';
	m.unsubscribe_url = longurl;
	j = body_of(&m, &raw);
	json_decref(j);
	buf_free(&raw);
	buf_free(&out);
}

static struct http_response
resp_of(long status, const char *headers, const char *body)
{
	struct http_response	r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.retry_after_s = -1;
	r.headers = headers;
	r.body = body;
	r.bodylen = strlen(body);
	r.total_ms = 41.5;
	return r;
}

static void
classify(const struct http_response *r, struct gw_result *res)
{
	memset(res, 0x5a, sizeof *res);	/* the classifier sets every field */
	gw_sendgrid_classify(r, res);
}

static void
test_classify_202(void **state)
{
	struct http_response	r;
	struct gw_result	res;

	(void)state;
	r = resp_of(202, "HTTP/1.1 202 Accepted\r\n"
	    "Server: nginx\r\nX-Message-Id: 0kzF1H2hTmW8l3tI6Vn2Ag\r\n"
	    "Content-Length: 0\r\n\r\n", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "0kzF1H2hTmW8l3tI6Vn2Ag");
	assert_int_equal(res.retry_after_s, -1);
	assert_string_equal(res.reason, "");
	assert_true(res.ms > 41.4 && res.ms < 41.6);

	/* header names are case-insensitive; a 200 (sandbox mode) is sent too */
	r = resp_of(200, "HTTP/2 200\r\nx-message-id: abc\r\n\r\n", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "abc");

	/* no id is no reason to send again */
	r = resp_of(202, "HTTP/1.1 202 Accepted\r\n\r\n", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "");
}

static void
test_classify_permanent(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		const char	*reason;
	} cases[] = {
		{ 400, "{\"errors\":[{\"message\":\"The from email does not "
		    "contain a valid address.\",\"field\":\"from.email\","
		    "\"help\":{}}]}", "HTTP 400: The from email does not "
		    "contain a valid address. (field from.email)" },
		{ 400, "{\"errors\":[{\"message\":\"a\",\"field\":null},"
		    "{\"message\":\"b\",\"field\":\"x\"}]}",
		    "HTTP 400: a (+1 more)" },
		{ 401, "{\"errors\":[{\"message\":\"The provided authorization "
		    "grant is invalid, expired, or revoked\",\"field\":null,"
		    "\"help\":null}]}", "HTTP 401: The provided authorization "
		    "grant is invalid, expired, or revoked" },
		{ 403, "{\"errors\":[{\"message\":\"The from address does not "
		    "match a verified Sender Identity.\",\"field\":\"from\"}]}",
		    "HTTP 403: The from address does not match a verified "
		    "Sender Identity. (field from)" },
		{ 413, "{\"errors\":[{\"message\":\"The JSON payload you have "
		    "included in your request is too large.\",\"field\":null}]}",
		    "HTTP 413: The JSON payload you have included in your "
		    "request is too large." },
		{ 406, "", "HTTP 406: " },
		{ 404, "<html>not\nfound</html>", "HTTP 404: <html>not "
		    "found</html>" },
	};
	struct http_response	r;
	struct gw_result	res;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		r = resp_of(cases[i].status, "HTTP/1.1 400\r\n\r\n",
		    cases[i].body);
		classify(&r, &res);
		if (res.status != GW_PERMANENT)
			fail_msg("HTTP %ld: status %d, expected permanent",
			    cases[i].status, res.status);
		assert_string_equal(res.reason, cases[i].reason);
		assert_int_equal(res.retry_after_s, -1);
		assert_string_equal(res.provider_id, "");
	}
}

static void
test_classify_429(void **state)
{
	struct http_response	r;
	struct gw_result	res;
	char			hdr[256];
	long long		reset;

	(void)state;
	/* Retry-After (parsed by the HTTP engine) wins */
	snprintf(hdr, sizeof hdr, "HTTP/1.1 429\r\nRetry-After: 2\r\n"
	    "X-RateLimit-Reset: %lld\r\n\r\n", (long long)time(NULL) + 60);
	r = resp_of(429, hdr, "{\"errors\":[{\"message\":\"too many "
	    "requests\",\"field\":null}]}");
	r.retry_after_s = 2;
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, 2);
	assert_string_equal(res.reason, "HTTP 429: too many requests");

	/* X-RateLimit-Reset only: epoch seconds, made relative */
	reset = (long long)time(NULL) + 30;
	snprintf(hdr, sizeof hdr, "HTTP/1.1 429\r\nX-RateLimit-Limit: 600\r\n"
	    "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: %lld\r\n\r\n",
	    reset);
	r = resp_of(429, hdr, "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_in_range(res.retry_after_s, 28, 30);

	/* a reset in the past: now, never negative */
	snprintf(hdr, sizeof hdr, "HTTP/1.1 429\r\nX-RateLimit-Reset: %lld\r\n"
	    "\r\n", (long long)time(NULL) - 100);
	r = resp_of(429, hdr, "");
	classify(&r, &res);
	assert_int_equal(res.retry_after_s, 0);

	/* garbage or nothing: the pipeline's own backoff */
	r = resp_of(429, "HTTP/1.1 429\r\nX-RateLimit-Reset: soon\r\n\r\n", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, -1);
	r = resp_of(429, "HTTP/1.1 429\r\n\r\n", "");
	classify(&r, &res);
	assert_int_equal(res.retry_after_s, -1);
}

static void
test_classify_retry(void **state)
{
	static const long	 codes[] = { 500, 502, 503, 504, 408 };
	struct http_response	 r;
	struct gw_result	 res;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof codes / sizeof *codes; i++) {
		r = resp_of(codes[i], "HTTP/1.1 500\r\n\r\n",
		    "{\"errors\":[{\"message\":\"internal error\"}]}");
		classify(&r, &res);
		if (res.status != GW_RETRY)
			fail_msg("HTTP %ld: status %d, expected retry",
			    codes[i], res.status);
		assert_non_null(strstr(res.reason, "internal error"));
		assert_int_equal(res.retry_after_s, -1);
	}
	r = resp_of(503, "HTTP/1.1 503\r\n\r\n", "Service Unavailable");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "HTTP 503: Service Unavailable");

	/* transport error: no response at all */
	r = resp_of(0, "", "");
	r.error = 7;
	r.errmsg = "Failed to connect to 127.0.0.1 port 9: Connection refused";
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "transport: Failed to connect to "
	    "127.0.0.1 port 9: Connection refused");
	assert_string_equal(res.provider_id, "");
}

struct answer {
	int			calls;
	struct gw_result	res;
};

static void
on_result(const struct gw_result *res, void *arg)
{
	struct answer	*a = arg;

	a->calls++;
	a->res = *res;
}

/* Messages no request could carry are refused from the loop, never inline. */
static void
test_send_refused(void **state)
{
	struct event_base	*base;
	struct http		*http;
	struct config_gateway	 cg;
	struct gw_sendgrid_conf	 sc;
	struct gw		 g;
	struct gw_msg		 m;
	struct answer		 a;
	char			 err[128], name[] = "sendgrid", key[] = "SG.test";

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(http = http_new(base));
	memset(&cg, 0, sizeof cg);
	memset(&sc, 0, sizeof sc);
	cg.conf = &sc;
	cg.name = name;
	cg.kind = name;
	cg.max_concurrency = 4;
	cg.connect_timeout_ms = 1000;
	cg.timeout_ms = 1000;
	memset(&g, 0, sizeof g);
	g.kind = &gw_sendgrid_kind;
	g.name = name;
	g.base = base;
	g.http = http;
	assert_int_equal(gw_sendgrid_kind.init(&g, &cg, err, sizeof err), -1);
	assert_non_null(strstr(err, "API key"));
	sc.api_key = key;
	assert_int_equal(gw_sendgrid_kind.init(&g, &cg, err, sizeof err), 0);

	memset(&a, 0, sizeof a);
	m = full_msg();
	m.channel = "sms";
	m.to = "+18195550123";
	assert_int_equal(gw_sendgrid_kind.send(&g, &m, on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason, "sendgrid sends email only");

	memset(&a, 0, sizeof a);
	m = full_msg();
	m.subject = "";
	assert_int_equal(gw_sendgrid_kind.send(&g, &m, on_result, &a), 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason,
	    "sendgrid: cannot build the request: no subject");

	/* freed before the loop ran: dropped without a callback, no leak */
	memset(&a, 0, sizeof a);
	m.channel = "sms";
	assert_int_equal(gw_sendgrid_kind.send(&g, &m, on_result, &a), 0);
	gw_sendgrid_kind.free(&g);
	assert_null(g.priv);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 0);
	http_free(http);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_body_full),
		cmocka_unit_test(test_body_accents),
		cmocka_unit_test(test_body_minimal),
		cmocka_unit_test(test_body_custom_args),
		cmocka_unit_test(test_body_refused),
		cmocka_unit_test(test_body_unsubscribe),
		cmocka_unit_test(test_classify_202),
		cmocka_unit_test(test_classify_permanent),
		cmocka_unit_test(test_classify_429),
		cmocka_unit_test(test_classify_retry),
		cmocka_unit_test(test_send_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
