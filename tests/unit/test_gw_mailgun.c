/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the mailgun gateway kind: multipart body, response classification, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "gw.h"
#include "gw_mailgun.h"
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
	m.gateway = "mailgun";
	return m;
}

#define MAX_PARTS	16

/* A multipart/form-data body parsed back: names and values, in order. */
struct form {
	size_t	 n;
	char	*name[MAX_PARTS];
	char	*value[MAX_PARTS];
};

static void
form_clear(struct form *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

/*
 * Parses body strictly as RFC 7578 wants it from us: "--B" CRLF, one
 * Content-Disposition line per part, an empty line, the value, CRLF "--B",
 * and "--" CRLF after the last one. Fails the test on any deviation.
 */
static void
form_parse(const char *body, size_t len, const char *b, struct form *f)
{
	char		 delim[128], head[160];
	const char	*p = body, *end = body + len, *q, *name, *nend;
	size_t		 dlen;

	memset(f, 0, sizeof *f);
	assert_int_equal(strlen(body), len);	/* no NUL inside */
	snprintf(delim, sizeof delim, "\r\n--%s", b);
	dlen = strlen(delim);
	/* the first delimiter has no CRLF before it */
	if (len < dlen - 2 || memcmp(p, delim + 2, dlen - 2) != 0)
		fail_msg("body does not start with --%s: %.40s", b, body);
	p += dlen - 2;
	for (;;) {
		if (end - p == 4 && memcmp(p, "--\r\n", 4) == 0)
			return;
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			fail_msg("no CRLF after a delimiter: %.40s", p);
		p += 2;
		if ((q = strstr(p, "\r\n\r\n")) == NULL)
			fail_msg("part without an empty line: %.40s", p);
		snprintf(head, sizeof head, "%.*s", (int)(q - p), p);
		if (strncmp(head, "Content-Disposition: form-data; name=\"",
		    38) != 0)
			fail_msg("unexpected part headers: %s", head);
		name = head + 38;
		if ((nend = strchr(name, '"')) == NULL || nend[1] != '\0')
			fail_msg("bad Content-Disposition: %s", head);
		p = q + 4;
		if ((q = strstr(p, delim)) == NULL)
			fail_msg("part %s not closed by the boundary", name);
		assert_true(f->n < MAX_PARTS);
		f->name[f->n] = strndup(name, (size_t)(nend - name));
		f->value[f->n] = strndup(p, (size_t)(q - p));
		f->n++;
		p = q + dlen;
	}
}

/* The value of the only part called name, or NULL; fails when repeated. */
static const char *
form_get(const struct form *f, const char *name)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->name[i], name) != 0)
			continue;
		if (v != NULL)
			fail_msg("field %s sent twice", name);
		v = f->value[i];
	}
	return v;
}

/* Builds the body of m and parses it back; fails the test when it cannot. */
static void
form_of(const struct gw_msg *m, struct form *f, struct buf *raw,
    char *boundary)
{
	char	err[128];
	size_t	i;

	buf_init(raw);
	if (gw_mailgun_form(m, raw, boundary, err, sizeof err) == -1)
		fail_msg("gw_mailgun_form: %s", err);
	assert_true(strlen(boundary) > 20);
	assert_true(strlen(boundary) < 70);	/* RFC 2046 bchars, <= 70 */
	for (i = 0; boundary[i] != '\0'; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-",
		    boundary[i]) == NULL)
			fail_msg("boundary character %c", boundary[i]);
	}
	form_parse(raw->data, raw->len, boundary, f);
	for (i = 0; i < f->n; i++) {
		if (strstr(f->value[i], boundary) != NULL)
			fail_msg("boundary inside field %s", f->name[i]);
	}
}

static void
test_form_full(void **state)
{
	static const char *names[] = { "from", "to", "subject", "text", "html",
	    "h:Reply-To", "o:tag", "v:event_id", "v:delivery_key" };
	struct gw_msg	 m = full_msg();
	struct form	 f;
	struct buf	 raw;
	char		 b[GW_MAILGUN_BOUNDARY_MAX];
	size_t		 i;

	(void)state;
	form_of(&m, &f, &raw, b);
	assert_int_equal(f.n, sizeof names / sizeof *names);
	for (i = 0; i < f.n; i++)
		assert_string_equal(f.name[i], names[i]);
	assert_string_equal(form_get(&f, "from"),
	    "\"Accueil MRC d'Abitibi\" <accueil@abitibi.example>");
	assert_string_equal(form_get(&f, "to"), "ana.lefebvre@example.com");
	assert_string_equal(form_get(&f, "subject"), m.subject);
	assert_string_equal(form_get(&f, "text"), m.text);
	assert_string_equal(form_get(&f, "html"), m.html);
	assert_string_equal(form_get(&f, "h:Reply-To"),
	    "reponses@abitibi.example");
	assert_string_equal(form_get(&f, "o:tag"), "welcome");
	assert_string_equal(form_get(&f, "v:event_id"), "evt-1");
	assert_string_equal(form_get(&f, "v:delivery_key"), m.key);
	/* CRLF line ends in the structure, LF kept as it is in the text */
	assert_non_null(strstr(raw.data, "\r\n\r\nBonjour Ana,\nL'équipe"));
	form_clear(&f);
	buf_free(&raw);
}

/* Accents go out as UTF-8 bytes and come back intact. */
static void
test_form_accents(void **state)
{
	struct gw_msg	 m = full_msg();
	struct form	 f;
	struct buf	 raw;
	char		 b[GW_MAILGUN_BOUNDARY_MAX];

	(void)state;
	m.subject = "Bienvenue à Val-d'Or — «ça» vous plaît ? ê ô ç ’";
	m.from_name = "Accueil Vallée-de-l'Or";
	m.text = "Été à Rouyn-Noranda : « bienvenue » à l’équipe.";
	form_of(&m, &f, &raw, b);
	assert_string_equal(form_get(&f, "subject"), m.subject);
	assert_string_equal(form_get(&f, "text"), m.text);
	assert_string_equal(form_get(&f, "from"),
	    "\"Accueil Vallée-de-l'Or\" <accueil@abitibi.example>");
	assert_non_null(strstr(raw.data, "Bienvenue à Val-d'Or — «ça»"));
	form_clear(&f);
	buf_free(&raw);
}

/* Display names: always quoted, quotes and backslashes escaped. */
static void
test_form_from(void **state)
{
	static const struct {
		const char	*name;
		const char	*from;
	} cases[] = {
		{ "Accueil, MRC Abitibi", "\"Accueil, MRC Abitibi\" "
		    "<accueil@abitibi.example>" },
		{ "Ville d'Amos.", "\"Ville d'Amos.\" <accueil@abitibi.example>" },
		{ "Le \"Relais\"", "\"Le \\\"Relais\\\"\" "
		    "<accueil@abitibi.example>" },
		{ "a\\b", "\"a\\\\b\" <accueil@abitibi.example>" },
		{ NULL, "accueil@abitibi.example" },
		{ "", "accueil@abitibi.example" },
	};
	struct gw_msg	 m;
	struct form	 f;
	struct buf	 raw;
	char		 b[GW_MAILGUN_BOUNDARY_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		m = full_msg();
		m.from_name = cases[i].name;
		form_of(&m, &f, &raw, b);
		assert_string_equal(form_get(&f, "from"), cases[i].from);
		form_clear(&f);
		buf_free(&raw);
	}
}

static void
test_form_minimal(void **state)
{
	struct gw_msg	 m = full_msg();
	struct form	 f;
	struct buf	 raw;
	char		 b[GW_MAILGUN_BOUNDARY_MAX];

	(void)state;
	m.html = NULL;
	m.reply_to = "";
	m.template = NULL;
	form_of(&m, &f, &raw, b);
	assert_null(form_get(&f, "html"));
	assert_null(form_get(&f, "h:Reply-To"));
	assert_null(form_get(&f, "o:tag"));
	assert_string_equal(form_get(&f, "text"), m.text);
	assert_int_equal(f.n, 6);
	form_clear(&f);
	buf_free(&raw);

	/* HTML only */
	m = full_msg();
	m.text = "";
	form_of(&m, &f, &raw, b);
	assert_null(form_get(&f, "text"));
	assert_string_equal(form_get(&f, "html"), m.html);
	form_clear(&f);
	buf_free(&raw);
}

/* o:tag and v:*: identifiers only; a tag Mailgun would refuse is left out. */
static void
test_form_no_personal_data(void **state)
{
	struct gw_msg	 m = full_msg();
	struct form	 f;
	struct buf	 raw;
	char		 b[GW_MAILGUN_BOUNDARY_MAX], longtag[200];
	size_t		 i;

	(void)state;
	form_of(&m, &f, &raw, b);
	for (i = 0; i < f.n; i++) {
		if (strncmp(f.name[i], "o:", 2) != 0 &&
		    strncmp(f.name[i], "v:", 2) != 0)
			continue;
		if (strchr(f.value[i], '@') != NULL ||
		    strstr(f.value[i], "Ana") != NULL ||
		    strstr(f.value[i], "lefebvre") != NULL ||
		    strstr(f.value[i], "Accueil") != NULL)
			fail_msg("personal data in %s: %s", f.name[i],
			    f.value[i]);
	}
	assert_null(form_get(&f, "v:territory"));
	form_clear(&f);
	buf_free(&raw);

	/* 128 ASCII characters: kept; 129, or not ASCII: no tag */
	memset(longtag, 'a', 128);
	longtag[128] = '\0';
	m.template = longtag;
	form_of(&m, &f, &raw, b);
	assert_string_equal(form_get(&f, "o:tag"), longtag);
	form_clear(&f);
	buf_free(&raw);
	longtag[128] = 'a';
	longtag[129] = '\0';
	form_of(&m, &f, &raw, b);
	assert_null(form_get(&f, "o:tag"));
	form_clear(&f);
	buf_free(&raw);
	m.template = "bienvenue-été";
	form_of(&m, &f, &raw, b);
	assert_null(form_get(&f, "o:tag"));
	form_clear(&f);
	buf_free(&raw);
}

/* A text that looks like a multipart body does not break the framing. */
static void
test_form_boundary(void **state)
{
	struct gw_msg	 m = full_msg();
	struct form	 f;
	struct buf	 raw;
	char		 b[GW_MAILGUN_BOUNDARY_MAX], b2[GW_MAILGUN_BOUNDARY_MAX];

	(void)state;
	m.text = "x\r\n--relais-\r\nContent-Disposition: form-data; "
	    "name=\"to\"\r\n\r\nmallory@example.com\r\n--relais---\r\n";
	form_of(&m, &f, &raw, b);
	assert_string_equal(form_get(&f, "text"), m.text);
	assert_string_equal(form_get(&f, "to"), "ana.lefebvre@example.com");
	assert_int_equal(f.n, 9);
	form_clear(&f);
	buf_free(&raw);
	/* random: two bodies, two boundaries */
	form_of(&m, &f, &raw, b2);
	assert_string_not_equal(b, b2);
	form_clear(&f);
	buf_free(&raw);
}

static void
test_form_refused(void **state)
{
	struct gw_msg	 m;
	struct buf	 out;
	char		 err[128], b[GW_MAILGUN_BOUNDARY_MAX];

	(void)state;
	buf_init(&out);
	m = full_msg();
	m.to = NULL;
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_string_equal(err, "no recipient address");
	m = full_msg();
	m.from = "";
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_string_equal(err, "no sender address");
	m = full_msg();
	m.subject = NULL;
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_string_equal(err, "no subject");
	m = full_msg();
	m.text = "";
	m.html = NULL;
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_string_equal(err, "no content");
	m = full_msg();
	m.reply_to = "a@example.com\r\nBcc: mallory@example.com";
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_non_null(strstr(err, "line break"));
	m = full_msg();
	m.from_name = "Accueil\nBcc: x";
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	m = full_msg();
	m.text = "caf\xe9";	/* Latin-1, not UTF-8 */
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_string_equal(err, "text is not valid UTF-8");
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

#define UNSUB_URL	"https://relais.example.org/u/" \
			"ZW1haWw6YW5hLmxlZmVidnJlQGV4YW1wbGUuY29t." \
			"q3Xv0m1y4YpD2c8kGZrN0A"

/* RFC 8058 headers as h: fields, after h:Reply-To; -Post over HTTPS only. */
static void
test_form_unsubscribe(void **state)
{
	static const char *names[] = { "from", "to", "subject", "text", "html",
	    "h:Reply-To", "h:List-Unsubscribe", "h:List-Unsubscribe-Post",
	    "o:tag", "v:event_id", "v:delivery_key" };
	struct gw_msg	 m = full_msg();
	struct form	 f;
	struct buf	 raw, out;
	char		 b[GW_MAILGUN_BOUNDARY_MAX], err[128];
	size_t		 i;

	(void)state;
	m.unsubscribe_url = UNSUB_URL;
	form_of(&m, &f, &raw, b);
	assert_int_equal(f.n, sizeof names / sizeof *names);
	for (i = 0; i < f.n; i++)
		assert_string_equal(f.name[i], names[i]);
	assert_string_equal(form_get(&f, "h:List-Unsubscribe"),
	    "<" UNSUB_URL ">");
	assert_string_equal(form_get(&f, "h:List-Unsubscribe-Post"),
	    "List-Unsubscribe=One-Click");
	form_clear(&f);
	buf_free(&raw);

	m.unsubscribe_url = "http://127.0.0.1:9187/u/abc.def?lang=en";
	form_of(&m, &f, &raw, b);
	assert_string_equal(form_get(&f, "h:List-Unsubscribe"),
	    "<http://127.0.0.1:9187/u/abc.def?lang=en>");
	assert_null(form_get(&f, "h:List-Unsubscribe-Post"));
	form_clear(&f);
	buf_free(&raw);

	m.unsubscribe_url = "";
	form_of(&m, &f, &raw, b);
	assert_null(form_get(&f, "h:List-Unsubscribe"));
	assert_null(form_get(&f, "h:List-Unsubscribe-Post"));
	form_clear(&f);
	buf_free(&raw);

	buf_init(&out);
	m.unsubscribe_url = "https://relais.example.org/u/a\r\nh:Bcc: x";
	assert_int_equal(gw_mailgun_form(&m, &out, b, err, sizeof err), -1);
	assert_string_equal(err, "unsubscribe URL unusable in a header");
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static struct http_response
resp_of(long status, const char *body)
{
	struct http_response	r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.retry_after_s = -1;
	r.headers = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n";
	r.body = body;
	r.bodylen = strlen(body);
	r.total_ms = 41.5;
	return r;
}

static void
classify(const struct http_response *r, struct gw_result *res)
{
	memset(res, 0x5a, sizeof *res);	/* the classifier sets every field */
	gw_mailgun_classify(r, res);
}

static void
test_classify_200(void **state)
{
	struct http_response	r;
	struct gw_result	res;
	char			big[400];

	(void)state;
	r = resp_of(200, "{\"id\":\"<20260115093000.1.4F2A9C@mg.abitibi."
	    "example>\",\"message\":\"Queued. Thank you.\"}");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id,
	    "<20260115093000.1.4F2A9C@mg.abitibi.example>");
	assert_int_equal(res.retry_after_s, -1);
	assert_string_equal(res.reason, "");
	assert_true(res.ms > 41.4 && res.ms < 41.6);

	/* no id, or no JSON: still sent (sending again would duplicate) */
	r = resp_of(200, "{\"message\":\"Queued. Thank you.\"}");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "");
	r = resp_of(200, "Queued");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "");

	/* an id too long to keep whole is not kept cut */
	snprintf(big, sizeof big, "{\"id\":\"<%0200d@mg.example>\"}", 0);
	r = resp_of(200, big);
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
		{ 400, "{\"message\":\"'to' parameter is not a valid address. "
		    "please check documentation\"}", "HTTP 400: 'to' parameter "
		    "is not a valid address. please check documentation" },
		{ 400, "{\"message\":\"from parameter is missing\"}",
		    "HTTP 400: from parameter is missing" },
		{ 401, "Forbidden", "HTTP 401: Forbidden" },
		{ 403, "{\"message\":\"Domain mg.abitibi.example is not allowed "
		    "to send: Free accounts are for test purposes only.\"}",
		    "HTTP 403: Domain mg.abitibi.example is not allowed to send: "
		    "Free accounts are for test purposes only." },
		{ 413, "{\"message\":\"request\\nentity too large\"}",
		    "HTTP 413: request entity too large" },
		{ 406, "", "HTTP 406: " },
		{ 400, "{\"message\":\"\"}", "HTTP 400: {\"message\":\"\"}" },
	};
	struct http_response	r;
	struct gw_result	res;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		r = resp_of(cases[i].status, cases[i].body);
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
	/* Retry-After, as parsed by the HTTP engine */
	r = resp_of(429, "{\"message\":\"Too many requests\"}");
	r.retry_after_s = 2;
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, 2);
	assert_string_equal(res.reason, "HTTP 429: Too many requests");

	/* none: the pipeline's own backoff, still no attempt spent */
	r = resp_of(429, "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, -1);
}

static void
test_classify_retry(void **state)
{
	static const long	 codes[] = { 500, 502, 503, 504, 408, 404 };
	struct http_response	 r;
	struct gw_result	 res;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof codes / sizeof *codes; i++) {
		r = resp_of(codes[i], "{\"message\":\"internal error\"}");
		classify(&r, &res);
		if (res.status != GW_RETRY)
			fail_msg("HTTP %ld: status %d, expected retry",
			    codes[i], res.status);
		assert_non_null(strstr(res.reason, "internal error"));
		assert_int_equal(res.retry_after_s, -1);
	}
	/* 404: Mailgun is eventually consistent (a domain just added) */
	r = resp_of(404, "{\"message\":\"Domain not found: mg.abitibi.example\"}");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason,
	    "HTTP 404: Domain not found: mg.abitibi.example");
	r = resp_of(503, "Service Unavailable");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "HTTP 503: Service Unavailable");

	/* transport error: no response at all */
	r = resp_of(0, "");
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

/* Bad settings fail init; unsendable messages are refused from the loop. */
static void
test_send_refused(void **state)
{
	struct event_base	*base;
	struct http		*http;
	struct config_gateway	 cg;
	struct gw_mailgun_conf	 mc;
	struct gw		 g;
	struct gw_msg		 m;
	struct answer		 a;
	char			 err[128], name[] = "mailgun", key[] = "key-test";
	char			 domain[] = "mg.abitibi.example", bad[] = "mg/x";

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(http = http_new(base));
	memset(&cg, 0, sizeof cg);
	memset(&mc, 0, sizeof mc);
	cg.conf = &mc;
	cg.name = name;
	cg.kind = name;
	cg.max_concurrency = 4;
	cg.connect_timeout_ms = 1000;
	cg.timeout_ms = 1000;
	memset(&g, 0, sizeof g);
	g.kind = &gw_mailgun_kind;
	g.name = name;
	g.base = base;
	g.http = http;
	mc.domain = domain;
	assert_int_equal(gw_mailgun_kind.init(&g, &cg, err, sizeof err), -1);
	assert_non_null(strstr(err, "API key"));
	mc.api_key = key;
	mc.domain = bad;
	assert_int_equal(gw_mailgun_kind.init(&g, &cg, err, sizeof err), -1);
	assert_non_null(strstr(err, "domain"));
	mc.domain = NULL;
	assert_int_equal(gw_mailgun_kind.init(&g, &cg, err, sizeof err), -1);
	mc.domain = domain;
	assert_int_equal(gw_mailgun_kind.init(&g, &cg, err, sizeof err), 0);

	memset(&a, 0, sizeof a);
	m = full_msg();
	m.channel = "sms";
	m.to = "+18195550123";
	assert_int_equal(gw_mailgun_kind.send(&g, &m, on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason, "mailgun sends email only");

	memset(&a, 0, sizeof a);
	m = full_msg();
	m.subject = "";
	assert_int_equal(gw_mailgun_kind.send(&g, &m, on_result, &a), 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason,
	    "mailgun: cannot build the request: no subject");

	/* freed before the loop ran: dropped without a callback, no leak */
	memset(&a, 0, sizeof a);
	m.channel = "sms";
	assert_int_equal(gw_mailgun_kind.send(&g, &m, on_result, &a), 0);
	gw_mailgun_kind.free(&g);
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
		cmocka_unit_test(test_form_full),
		cmocka_unit_test(test_form_accents),
		cmocka_unit_test(test_form_from),
		cmocka_unit_test(test_form_minimal),
		cmocka_unit_test(test_form_no_personal_data),
		cmocka_unit_test(test_form_boundary),
		cmocka_unit_test(test_form_refused),
		cmocka_unit_test(test_form_unsubscribe),
		cmocka_unit_test(test_classify_200),
		cmocka_unit_test(test_classify_permanent),
		cmocka_unit_test(test_classify_429),
		cmocka_unit_test(test_classify_retry),
		cmocka_unit_test(test_send_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
