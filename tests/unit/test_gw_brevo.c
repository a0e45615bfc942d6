/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the brevo gateway kind: email and SMS bodies, response classification, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "gw.h"
#include "gw_brevo.h"
#include "http.h"

/* An email as the pipeline hands it over, with every optional field set. */
static struct gw_msg
email_msg(void)
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
	m.to = "amina.diallo@example.com";
	m.subject = "Bienvenue à Amos, Amina !";
	m.text = "Bonjour Amina,\nL'équipe d'accueil vous souhaite la "
	    "bienvenue. « À bientôt » — ç ê ô ’";
	m.html = "<p>Bonjour Amina,</p><p>L'équipe d'accueil « vous » salue.</p>";
	m.gateway = "brevo";
	return m;
}

static struct gw_msg
sms_msg(const char *text)
{
	struct gw_msg	m = email_msg();

	m.channel = "sms";
	m.from = "+18195550101";
	m.from_name = NULL;
	m.reply_to = NULL;
	m.to = "+18195550123";
	m.subject = NULL;
	m.text = text;
	m.html = NULL;
	return m;
}

typedef int (*body_fn)(const struct gw_msg *, struct buf *, char *, size_t);

/* Builds a body of m and parses it back; fails the test when it cannot. */
static json_t *
body_of(body_fn fn, const struct gw_msg *m, struct buf *raw)
{
	char		 err[128];
	json_error_t	 jerr;
	json_t		*j;

	buf_init(raw);
	if (fn(m, raw, err, sizeof err) == -1)
		fail_msg("body: %s", err);
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
test_email_body(void **state)
{
	struct gw_msg	 m = email_msg();
	struct buf	 raw;
	json_t		*j, *to, *tags;
	char		*dump;

	(void)state;
	j = body_of(gw_brevo_email_body, &m, &raw);
	assert_keys_within(j, " sender to replyTo subject textContent "
	    "htmlContent headers tags ", "top level");
	assert_string_equal(str_at(j, "sender.email"), "accueil@abitibi.example");
	assert_string_equal(str_at(j, "sender.name"), "Accueil MRC d'Abitibi");
	to = json_object_get(j, "to");
	assert_int_equal(json_array_size(to), 1);
	assert_keys_within(json_array_get(to, 0), " email ", "to[0]");
	assert_string_equal(str_at(json_array_get(to, 0), "email"),
	    "amina.diallo@example.com");
	assert_keys_within(json_object_get(j, "replyTo"), " email ", "replyTo");
	assert_string_equal(str_at(j, "replyTo.email"),
	    "reponses@abitibi.example");
	assert_string_equal(str_at(j, "subject"), m.subject);
	assert_string_equal(str_at(j, "textContent"), m.text);
	assert_string_equal(str_at(j, "htmlContent"), m.html);
	/* accents as UTF-8 bytes, not \u escapes */
	assert_non_null(strstr(raw.data, "Bienvenue à Amos"));
	assert_non_null(strstr(raw.data, "« À bientôt » — ç ê ô ’"));
	assert_null(strstr(raw.data, "\\u"));
	/* the delivery key where Brevo documents it */
	assert_keys_within(json_object_get(j, "headers"), " Idempotency-Key ",
	    "headers");
	assert_string_equal(str_at(j, "headers.Idempotency-Key"), m.key);
	/* tags: the template name, nothing personal */
	tags = json_object_get(j, "tags");
	assert_int_equal(json_array_size(tags), 1);
	assert_string_equal(json_string_value(json_array_get(tags, 0)),
	    "welcome");
	dump = json_dumps(tags, 0);
	assert_null(strchr(dump, '@'));
	assert_null(strstr(dump, "Amina"));
	assert_null(strstr(dump, "diallo"));
	free(dump);
	json_decref(j);
	buf_free(&raw);
}

static void
test_email_body_minimal(void **state)
{
	struct gw_msg	 m = email_msg();
	struct buf	 raw;
	json_t		*j;

	(void)state;
	m.html = "";
	m.reply_to = NULL;
	m.from_name = "";
	m.key = NULL;
	m.template = NULL;
	j = body_of(gw_brevo_email_body, &m, &raw);
	assert_keys_within(j, " sender to subject textContent ", "top level");
	assert_keys_within(json_object_get(j, "sender"), " email ", "sender");
	json_decref(j);
	buf_free(&raw);

	/* HTML only */
	m = email_msg();
	m.text = NULL;
	j = body_of(gw_brevo_email_body, &m, &raw);
	assert_null(json_object_get(j, "textContent"));
	assert_string_equal(str_at(j, "htmlContent"), m.html);
	json_decref(j);
	buf_free(&raw);
}

static void
test_email_body_refused(void **state)
{
	struct gw_msg	 m;
	struct buf	 out;
	char		 err[128];

	(void)state;
	buf_init(&out);
	m = email_msg();
	m.to = "";
	assert_int_equal(gw_brevo_email_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no recipient address");
	m = email_msg();
	m.from = NULL;
	assert_int_equal(gw_brevo_email_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no sender address");
	m = email_msg();
	m.subject = "";
	assert_int_equal(gw_brevo_email_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no subject");
	m = email_msg();
	m.text = NULL;
	m.html = "";
	assert_int_equal(gw_brevo_email_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "no content");
	m = email_msg();
	m.subject = "caf\xe9";	/* Latin-1, not UTF-8 */
	assert_int_equal(gw_brevo_email_body(&m, &out, err, sizeof err), -1);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

#define UNSUB_URL	"https://relais.example.org/u/" \
			"ZW1haWw6YW1pbmEuZGlhbGxvQGV4YW1wbGUuY29t." \
			"q3Xv0m1y4YpD2c8kGZrN0A"

/* RFC 8058 headers beside Idempotency-Key in headers; -Post over HTTPS. */
static void
test_email_body_unsubscribe(void **state)
{
	struct gw_msg	 m = email_msg();
	struct buf	 raw, out;
	json_t		*j, *h;
	char		 err[128];

	(void)state;
	m.unsubscribe_url = UNSUB_URL;
	j = body_of(gw_brevo_email_body, &m, &raw);
	h = json_object_get(j, "headers");
	assert_int_equal(json_object_size(h), 3);
	assert_string_equal(str_at(h, "Idempotency-Key"), m.key);
	assert_string_equal(str_at(h, "List-Unsubscribe"), "<" UNSUB_URL ">");
	assert_string_equal(str_at(h, "List-Unsubscribe-Post"),
	    "List-Unsubscribe=One-Click");
	json_decref(j);
	buf_free(&raw);

	/* without a key, the headers hold the link alone; HTTP: no -Post */
	m.key = NULL;
	m.unsubscribe_url = "http://127.0.0.1:9187/u/abc.def?lang=en";
	j = body_of(gw_brevo_email_body, &m, &raw);
	h = json_object_get(j, "headers");
	assert_int_equal(json_object_size(h), 1);
	assert_string_equal(str_at(h, "List-Unsubscribe"),
	    "<http://127.0.0.1:9187/u/abc.def?lang=en>");
	json_decref(j);
	buf_free(&raw);

	/* neither: no headers object */
	m.unsubscribe_url = "";
	j = body_of(gw_brevo_email_body, &m, &raw);
	assert_null(json_object_get(j, "headers"));
	json_decref(j);
	buf_free(&raw);

	/* an SMS has no headers, whatever it is given */
	m = sms_msg("Bienvenue");
	m.unsubscribe_url = UNSUB_URL;
	j = body_of(gw_brevo_sms_body, &m, &raw);
	assert_null(json_object_get(j, "headers"));
	assert_null(strstr(raw.data, "Unsubscribe"));
	json_decref(j);
	buf_free(&raw);

	buf_init(&out);
	m = email_msg();
	m.unsubscribe_url = "https://relais.example.org/u/a b";
	assert_int_equal(gw_brevo_email_body(&m, &out, err, sizeof err), -1);
	assert_string_equal(err, "unsubscribe URL unusable in a header");
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void
test_sms_body(void **state)
{
	struct gw_msg	 m;
	struct buf	 raw;
	json_t		*j;

	(void)state;
	/* é and à are in the GSM-7 basic table */
	m = sms_msg("Bienvenue Amina ! Rendez-vous à 9 h");
	j = body_of(gw_brevo_sms_body, &m, &raw);
	assert_keys_within(j, " sender recipient content type tag "
	    "unicodeEnabled ", "top level");
	assert_string_equal(str_at(j, "sender"), "18195550101");
	assert_string_equal(str_at(j, "recipient"), "18195550123");
	assert_string_equal(str_at(j, "content"), m.text);
	assert_string_equal(str_at(j, "type"), "transactional");
	assert_string_equal(str_at(j, "tag"), "welcome");
	assert_true(json_is_false(json_object_get(j, "unicodeEnabled")));
	assert_non_null(strstr(raw.data, "Rendez-vous à 9 h"));
	json_decref(j);
	buf_free(&raw);

	/* è and ê are not, nor are « »: the whole text goes as UCS-2 */
	m = sms_msg("Votre conseillère vous écrira : « bienvenue »");
	j = body_of(gw_brevo_sms_body, &m, &raw);
	assert_true(json_is_true(json_object_get(j, "unicodeEnabled")));
	assert_string_equal(str_at(j, "content"), m.text);
	assert_non_null(strstr(raw.data, "« bienvenue »"));
	assert_null(strstr(raw.data, "\\u"));
	json_decref(j);
	buf_free(&raw);

	/* « » alone are enough */
	m = sms_msg("Bienvenue « Amina »");
	j = body_of(gw_brevo_sms_body, &m, &raw);
	assert_true(json_is_true(json_object_get(j, "unicodeEnabled")));
	json_decref(j);
	buf_free(&raw);

	/* an alphanumeric sender stays as it is; no template, no tag */
	m = sms_msg("Bonjour");
	m.from = "MRC Abitibi";
	m.template = NULL;
	j = body_of(gw_brevo_sms_body, &m, &raw);
	assert_string_equal(str_at(j, "sender"), "MRC Abitibi");
	assert_null(json_object_get(j, "tag"));
	json_decref(j);
	buf_free(&raw);
}

static void
test_sms_body_refused(void **state)
{
	static const struct {
		const char	*from, *to, *text, *err;
	} cases[] = {
		{ "+18195550101", NULL, "x", "no recipient number" },
		{ "+18195550101", "819-555-0123", "x",
		    "the recipient is not an E.164 number" },
		{ "+18195550101", "+1234567890123456", "x",
		    "the recipient is not an E.164 number" },
		{ "", "+18195550123", "x", "no sender (sms from)" },
		{ "Accueil Abitibi", "+18195550123", "x",
		    "the sender must be at most 15 digits or 11 ASCII "
		    "characters" },
		{ "+1234567890123456", "+18195550123", "x",
		    "the sender must be at most 15 digits or 11 ASCII "
		    "characters" },
		{ "+18195550101", "+18195550123", "", "empty message text" },
		{ "+18195550101", "+18195550123", "caf\xe9",
		    "the text is not valid UTF-8" },
	};
	struct gw_msg	m;
	struct buf	out;
	char		err[128];
	size_t		i;

	(void)state;
	buf_init(&out);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		m = sms_msg(cases[i].text);
		m.from = cases[i].from;
		m.to = cases[i].to;
		assert_int_equal(gw_brevo_sms_body(&m, &out, err, sizeof err),
		    -1);
		assert_string_equal(err, cases[i].err);
	}
	assert_int_equal(out.len, 0);
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
	gw_brevo_classify(r, res);
}

static void
test_classify_sent(void **state)
{
	struct http_response	r;
	struct gw_result	res;

	(void)state;
	r = resp_of(201, "HTTP/1.1 201 Created\r\n\r\n",
	    "{\"messageId\":\"<202611261200.12345678901@smtp-relay.mailin.fr>\"}");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id,
	    "<202611261200.12345678901@smtp-relay.mailin.fr>");
	assert_int_equal(res.retry_after_s, -1);
	assert_string_equal(res.reason, "");
	assert_true(res.ms > 41.4 && res.ms < 41.6);

	/* SMS: an integer, printed as a string; any 2xx */
	r = resp_of(200, "HTTP/1.1 200 OK\r\n\r\n",
	    "{\"messageId\":1511882900176220}");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "1511882900176220");

	/* no id is no reason to send again */
	r = resp_of(201, "HTTP/1.1 201 Created\r\n\r\n", "");
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
		{ 400, "{\"code\":\"invalid_parameter\",\"message\":\"sender is "
		    "invalid / not active\"}", "HTTP 400: invalid_parameter: "
		    "sender is invalid / not active" },
		{ 401, "{\"code\":\"unauthorized\",\"message\":\"Key not "
		    "found\"}", "HTTP 401: unauthorized: Key not found" },
		{ 402, "{\"code\":\"not_enough_credits\",\"message\":\"Not "
		    "enough credits\"}", "HTTP 402: not_enough_credits: Not "
		    "enough credits" },
		/* addresses and numbers Brevo quotes are masked */
		{ 400, "{\"code\":\"invalid_parameter\",\"message\":\"Invalid "
		    "email address amina.diallo@example.com\"}", "HTTP 400: "
		    "invalid_parameter: Invalid email address "
		    "a***@example.com" },
		{ 400, "{\"code\":\"invalid_parameter\",\"message\":\"Invalid "
		    "recipient 18195550123.\\nCheck it\"}", "HTTP 400: "
		    "invalid_parameter: Invalid recipient ***0123. "
		    "Check it" },
		{ 400, "{\"code\":\"missing_parameter\"}",
		    "HTTP 400: missing_parameter" },
		{ 404, "<html>not\nfound</html>", "HTTP 404: <html>not "
		    "found</html>" },
		{ 403, "", "HTTP 403: " },
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

	(void)state;
	/* Retry-After (parsed by the HTTP engine) wins */
	r = resp_of(429, "HTTP/1.1 429\r\nRetry-After: 2\r\n"
	    "x-sib-ratelimit-reset: 40\r\n\r\n", "{\"code\":\"too_many_requests\","
	    "\"message\":\"Too many requests\"}");
	r.retry_after_s = 2;
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, 2);
	assert_string_equal(res.reason,
	    "HTTP 429: too_many_requests: Too many requests");

	/* x-sib-ratelimit-reset only: seconds from now, as they are */
	r = resp_of(429, "HTTP/1.1 429\r\nx-sib-ratelimit-limit: 1000\r\n"
	    "x-sib-ratelimit-remaining: 0\r\nX-Sib-RateLimit-Reset: 7\r\n\r\n",
	    "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, 7);

	/* a fraction is rounded up, never down to a busy retry */
	r = resp_of(429, "HTTP/1.1 429\r\nx-sib-ratelimit-reset: 0.25\r\n\r\n",
	    "");
	classify(&r, &res);
	assert_int_equal(res.retry_after_s, 1);

	/* garbage or nothing: the pipeline's own backoff */
	r = resp_of(429, "HTTP/1.1 429\r\nx-sib-ratelimit-reset: soon\r\n\r\n",
	    "");
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
		    "{\"code\":\"internal_error\",\"message\":\"Internal "
		    "error\"}");
		classify(&r, &res);
		if (res.status != GW_RETRY)
			fail_msg("HTTP %ld: status %d, expected retry",
			    codes[i], res.status);
		assert_non_null(strstr(res.reason, "internal_error: Internal "
		    "error"));
		assert_int_equal(res.retry_after_s, -1);
	}

	/* transport error: no response at all */
	r = resp_of(0, "", "");
	r.error = 28;
	r.errmsg = "Operation timed out after 1000 milliseconds";
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "transport: Operation timed out after "
	    "1000 milliseconds");
	assert_string_equal(res.provider_id, "");
	assert_int_equal(res.retry_after_s, -1);
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
	struct gw_brevo_conf	 bc;
	struct gw		 g;
	struct gw_msg		 m;
	struct answer		 a;
	char			 err[128], name[] = "brevo", key[] = "xkeysib-test";

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(http = http_new(base));
	memset(&cg, 0, sizeof cg);
	memset(&bc, 0, sizeof bc);
	cg.conf = &bc;
	cg.name = name;
	cg.kind = name;
	cg.max_concurrency = 4;
	cg.connect_timeout_ms = 1000;
	cg.timeout_ms = 1000;
	memset(&g, 0, sizeof g);
	g.kind = &gw_brevo_kind;
	g.name = name;
	g.base = base;
	g.http = http;
	assert_int_equal(gw_brevo_kind.init(&g, &cg, err, sizeof err), -1);
	assert_non_null(strstr(err, "API key"));
	bc.api_key = key;
	assert_int_equal(gw_brevo_kind.init(&g, &cg, err, sizeof err), 0);

	memset(&a, 0, sizeof a);
	m = email_msg();
	m.channel = "push";
	assert_int_equal(gw_brevo_kind.send(&g, &m, on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason, "brevo sends email and SMS only");

	memset(&a, 0, sizeof a);
	m = email_msg();
	m.subject = "";
	assert_int_equal(gw_brevo_kind.send(&g, &m, on_result, &a), 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason,
	    "brevo: cannot build the request: no subject");

	memset(&a, 0, sizeof a);
	m = sms_msg("Bonjour");
	m.to = "not a number";
	assert_int_equal(gw_brevo_kind.send(&g, &m, on_result, &a), 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_string_equal(a.res.reason, "brevo: cannot build the request: "
	    "the recipient is not an E.164 number");

	/* freed before the loop ran: dropped without a callback, no leak */
	memset(&a, 0, sizeof a);
	m.channel = NULL;
	assert_int_equal(gw_brevo_kind.send(&g, &m, on_result, &a), 0);
	gw_brevo_kind.free(&g);
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
		cmocka_unit_test(test_email_body),
		cmocka_unit_test(test_email_body_minimal),
		cmocka_unit_test(test_email_body_refused),
		cmocka_unit_test(test_email_body_unsubscribe),
		cmocka_unit_test(test_sms_body),
		cmocka_unit_test(test_sms_body_refused),
		cmocka_unit_test(test_classify_sent),
		cmocka_unit_test(test_classify_permanent),
		cmocka_unit_test(test_classify_429),
		cmocka_unit_test(test_classify_retry),
		cmocka_unit_test(test_send_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
