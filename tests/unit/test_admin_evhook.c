/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_evhook.c: the email providers' hooks, signed as the providers sign. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include "admin.h"
#include "admin_fixture.h"
#include "buf.h"
#include "evhook.h"
#include "expo.h"

#define BREVO_TOKEN	"brevo-token-0123456789"
/* base64("relais:" BREVO_TOKEN), by Python's base64.b64encode */
#define BREVO_BASIC	"cmVsYWlzOmJyZXZvLXRva2VuLTAxMjM0NTY3ODk="
#define MG_KEY		"key-0123456789abcdef0123456789abcdef"
#define MAX_AGE_S	300

/*
 * SendGrid's signed webhook as the openssl command line made it (the
 * vector of test_evhook_sig.c): P-256 key, timestamp, body, signature.
 */
#define SG_KEY \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERKwKatGeBOLg5rEqxpMMxnmUIGxm" \
	"msUf557UnIrHdVCL2mXNVdia0cbJlnqEaIe47GSaEeAuTQerW77vh+MeJA=="
#define SG_TS	"1600112502"
#define SG_BODY	"[{\"email\":\"ana@example.org\",\"event\":\"bounce\"," \
		"\"type\":\"bounce\",\"sg_event_id\":\"ZXZ0LTE\"," \
		"\"sg_message_id\":\"msg1.filter\",\"timestamp\":1600112500}]"
#define SG_SIG \
	"MEUCIFBALJCMlOUCxX2MWFLc5pNCTVwAaP2awrRrhsj1+esNAiEAlJtUBUYbBn9G" \
	"zE3A0fao9x6ZSZLCiH9CMFl2UU0Zvlc="

#define JSON		"Content-Type: application/json\r\n"
#define BEARER		"Authorization: Bearer " BREVO_TOKEN "\r\n"
#define BREVO_HARD	"{\"event\":\"hard_bounce\",\"email\":\"Ana@Example.org\"," \
			"\"ts_epoch\":1700000000000,\"message-id\":\"<m1@x>\"}"

#define MAXWRITES	16

/*
 * A fake of the daemon's writes (consent.c): each event handed out is kept,
 * and its write answered from the loop, later, with results[i] (0 written,
 * 1 seen before, -1 failed); with park set, only by answer().
 */
static struct {
	struct event		*flush;
	int			 park;
	int			 refuse;	/* the callback answers -1 */
	int			 results[MAXWRITES];
	size_t			 n, answered;
	struct {
		enum evhook_provider	 provider;
		enum evhook_kind	 kind;
		char			 address[256];
		char			 id[160];
		admin_feedback_done_fn	 done;
		void			*done_arg;
	} ev[MAXWRITES];
} w;

/* Answers the writes not answered yet, up to the n-th. */
static void
answer(size_t n)
{
	size_t	i;

	for (i = w.answered; i < n && i < w.n; i = w.answered) {
		w.answered++;
		w.ev[i].done(w.ev[i].done_arg, w.results[i]);
	}
}

static void
flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	answer(w.n);
}

static int
feedback(void *arg, const struct evhook_event *ev,
    admin_feedback_done_fn done, void *done_arg)
{
	(void)arg;
	if (w.refuse)
		return -1;
	assert_true(w.n < MAXWRITES);
	w.ev[w.n].provider = ev->provider;
	w.ev[w.n].kind = ev->kind;
	snprintf(w.ev[w.n].address, sizeof w.ev[w.n].address, "%s",
	    ev->address);
	snprintf(w.ev[w.n].id, sizeof w.ev[w.n].id, "%s", ev->id);
	w.ev[w.n].done = done;
	w.ev[w.n].done_arg = done_arg;
	w.n++;
	/* never from inside the callback: the contract says later */
	if (!w.park)
		event_active(w.flush, EV_TIMEOUT, 1);
	return 0;
}

static int
setup(void **state)
{
	struct fix	*f;

	fix_setup(state);
	f = *state;
	memset(&w, 0, sizeof w);
	assert_non_null(w.flush = evtimer_new(f->base, flush, NULL));
	return 0;
}

/* Writes still out come back after the server is gone, as they may. */
static int
teardown(void **state)
{
	struct fix	*f = *state;

	admin_free(f->admin);
	f->admin = NULL;
	answer(w.n);
	event_free(w.flush);
	return fix_teardown(state);
}

/* A POST of body to path, with header lines ("Name: value\r\n" each). */
static void
hook_post(struct fix *f, const char *path, const char *headers,
    const char *body, struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu"
	    "\r\nConnection: close\r\n\r\n%s", path, headers, strlen(body),
	    body);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

/* The exposition, held to the format; e is filled. */
static void
scrape(struct fix *f, struct reply *r, struct expo *e)
{
	fix_get(f->base, f->port, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_expo_ok(r->body, e);
}

/* The value of name{provider="...",k="v"} (only provider when k is NULL). */
static double
counter(const struct expo *e, const char *name, const char *provider,
    const char *k, const char *v)
{
	const struct expo_sample	*s;
	int				 i;

	for (i = 0; i < e->ns; i++) {
		s = &e->s[i];
		if (strcmp(s->name, name) != 0 || s->nl != (k == NULL ? 1 : 2) ||
		    strcmp(s->lk[0], "provider") != 0 ||
		    strcmp(s->lv[0], provider) != 0)
			continue;
		if (k == NULL || (strcmp(s->lk[1], k) == 0 &&
		    strcmp(s->lv[1], v) == 0))
			return s->value;
	}
	fail_msg("no %s{provider=\"%s\",%s=\"%s\"}", name, provider,
	    k != NULL ? k : "", v != NULL ? v : "");
	return -1;
}

/* Until set with a usable secret, each hook is 404, and has no metrics. */
static void
test_off(void **state)
{
	static const char *const paths[] = { "/hooks/sendgrid",
	    "/hooks/mailgun", "/hooks/brevo" };
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct expo	*e = malloc(sizeof *e);
	size_t		 i;

	assert_non_null(r);
	assert_non_null(e);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		hook_post(f, paths[i], JSON BEARER, BREVO_HARD, r);
		assert_int_equal(r->status, 404);
		fix_get(f->base, f->port, "GET", paths[i], r);
		assert_int_equal(r->status, 404);
	}
	scrape(f, r, e);
	assert_null(strstr(r->body, "relais_email_feedback"));

	/* a key that is not one leaves its hook off, not the others */
	admin_set_bounces(f->admin, "AAAA", "", BREVO_TOKEN, MAX_AGE_S,
	    feedback, f);
	hook_post(f, "/hooks/sendgrid", JSON, "[]", r);
	assert_int_equal(r->status, 404);
	hook_post(f, "/hooks/mailgun", JSON, "{}", r);
	assert_int_equal(r->status, 404);
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 200);
	scrape(f, r, e);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "hard") == 1);
	assert_null(expo_find(e, "relais_email_feedback_total", "provider",
	    "sendgrid"));
	assert_null(expo_find(e, "relais_email_feedback_replayed_total",
	    "provider", "mailgun"));

	/* and all of them off again */
	admin_set_bounces(f->admin, NULL, NULL, NULL, MAX_AGE_S, NULL, NULL);
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 404);
	assert_int_equal(w.n, 1);
	free(e);
	free(r);
}

/* Brevo: its token as Bearer or Basic, else 401; events to the writes. */
static void
test_brevo(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct expo	*e = malloc(sizeof *e);
	char		 v[128];

	assert_non_null(r);
	assert_non_null(e);
	admin_set_bounces(f->admin, NULL, NULL, BREVO_TOKEN, MAX_AGE_S,
	    feedback, f);
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ev[0].provider, EVHOOK_BREVO);
	assert_int_equal(w.ev[0].kind, EVHOOK_HARD);
	assert_string_equal(w.ev[0].address, "ana@example.org");
	hook_post(f, "/hooks/brevo", JSON "Authorization: Basic " BREVO_BASIC
	    "\r\n", BREVO_HARD, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 2);
	/* the same event twice: the same id, for the replay check */
	assert_string_equal(w.ev[0].id, w.ev[1].id);

	/* no token, another one: 401, nothing handed out */
	hook_post(f, "/hooks/brevo", JSON, BREVO_HARD, r);
	assert_int_equal(r->status, 401);
	assert_non_null(fix_header(r, "WWW-Authenticate", v, sizeof v));
	assert_string_equal(v, "Bearer realm=\"relais\"");
	assert_string_equal(r->body, "unauthorized\n");
	hook_post(f, "/hooks/brevo", JSON "Authorization: Bearer "
	    BREVO_TOKEN "x\r\n", BREVO_HARD, r);
	assert_int_equal(r->status, 401);
	/* not JSON, not a POST, not Brevo's shape */
	hook_post(f, "/hooks/brevo", "Content-Type: text/plain\r\n" BEARER,
	    BREVO_HARD, r);
	assert_int_equal(r->status, 415);
	fix_get(f->base, f->port, "GET", "/hooks/brevo", r);
	assert_int_equal(r->status, 405);
	assert_non_null(fix_header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "POST");
	fix_get(f->base, f->port, "HEAD", "/hooks/brevo", r);
	assert_int_equal(r->status, 405);
	hook_post(f, "/hooks/brevo", JSON BEARER, "[1]", r);
	assert_int_equal(r->status, 400);
	assert_string_equal(r->body, "bad body\n");
	hook_post(f, "/hooks/brevo", JSON BEARER, "not json", r);
	assert_int_equal(r->status, 400);
	assert_int_equal(w.n, 2);

	/* a batch: what is acted upon goes out, the rest is counted */
	hook_post(f, "/hooks/brevo", JSON BEARER, "[{\"event\":\"spam\","
	    "\"email\":\"bob@example.org\"},{\"event\":\"delivered\","
	    "\"email\":\"bob@example.org\"},{\"event\":\"soft_bounce\","
	    "\"email\":\"cy@example.org\"},{\"event\":\"hard_bounce\","
	    "\"email\":\"not an address\"}]", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.ev[2].kind, EVHOOK_COMPLAINT);
	assert_string_equal(w.ev[2].address, "bob@example.org");
	assert_int_equal(w.ev[3].kind, EVHOOK_SOFT);
	/* only ignored events: answered at once */
	hook_post(f, "/hooks/brevo", JSON BEARER, "{\"event\":\"opened\","
	    "\"email\":\"bob@example.org\"}", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 4);

	scrape(f, r, e);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "hard") == 2);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "complaint") == 1);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "soft") == 1);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "unsubscribe") == 0);
	assert_true(counter(e, "relais_email_feedback_refused_total", "brevo",
	    "reason", "forged") == 2);
	assert_true(counter(e, "relais_email_feedback_refused_total", "brevo",
	    "reason", "malformed") == 2);
	assert_true(counter(e, "relais_email_feedback_refused_total", "brevo",
	    "reason", "stale") == 0);
	free(e);
	free(r);
}

/* Mailgun's signature: HMAC-SHA256(key, timestamp token), in hex. */
static void
mg_sign(const char *ts, const char *token, char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 n = 0, i;
	struct buf		 msg;

	buf_init(&msg);
	buf_printf(&msg, "%s%s", ts, token);
	assert_non_null(HMAC(EVP_sha256(), MG_KEY, (int)strlen(MG_KEY),
	    (const unsigned char *)msg.data, msg.len, md, &n));
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
	buf_free(&msg);
}

/* A Mailgun body signed at now + skew s (sig NULL: signed right). */
static void
mg_post(struct fix *f, long skew, const char *sig, const char *event,
    struct reply *r)
{
	struct buf	body;
	char		ts[32], good[65];

	snprintf(ts, sizeof ts, "%lld", (long long)time(NULL) + skew);
	mg_sign(ts, "tok-0123456789abcdef", good);
	buf_init(&body);
	buf_printf(&body, "{\"signature\":{\"timestamp\":\"%s\",\"token\":"
	    "\"tok-0123456789abcdef\",\"signature\":\"%s\"},\"event-data\":"
	    "%s}", ts, sig != NULL ? sig : good, event);
	hook_post(f, "/hooks/mailgun", JSON, body.data, r);
	buf_free(&body);
}

#define MG_FAILED	"{\"event\":\"failed\",\"severity\":\"permanent\"," \
			"\"recipient\":\"Bob@example.org\",\"id\":\"evt-1\"}"

/* Mailgun: signed inside the body, and recently. */
static void
test_mailgun(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct expo	*e = malloc(sizeof *e);
	char		 sig[65];

	assert_non_null(r);
	assert_non_null(e);
	admin_set_bounces(f->admin, NULL, MG_KEY, NULL, MAX_AGE_S, feedback,
	    f);
	mg_post(f, 0, NULL, MG_FAILED, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ev[0].provider, EVHOOK_MAILGUN);
	assert_int_equal(w.ev[0].kind, EVHOOK_HARD);
	assert_string_equal(w.ev[0].address, "bob@example.org");
	assert_string_equal(w.ev[0].id, "evt-1");
	/* within max_age_s either way (clocks differ) */
	mg_post(f, -(MAX_AGE_S - 10), NULL, MG_FAILED, r);
	assert_int_equal(r->status, 200);
	mg_post(f, MAX_AGE_S - 10, NULL, "{\"event\":\"failed\",\"severity\":"
	    "\"temporary\",\"recipient\":\"bob@example.org\"}", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.ev[2].kind, EVHOOK_SOFT);

	/* stale or ahead, however well signed */
	mg_post(f, -(MAX_AGE_S + 10), NULL, MG_FAILED, r);
	assert_int_equal(r->status, 403);
	mg_post(f, MAX_AGE_S + 10, NULL, MG_FAILED, r);
	assert_int_equal(r->status, 403);
	/* the signature of something else; none at all */
	mg_sign("1", "2", sig);
	mg_post(f, 0, sig, MG_FAILED, r);
	assert_int_equal(r->status, 403);
	hook_post(f, "/hooks/mailgun", JSON, "{\"event-data\":" MG_FAILED "}",
	    r);
	assert_int_equal(r->status, 403);
	assert_string_equal(r->body, "forbidden\n");
	hook_post(f, "/hooks/mailgun", JSON, "[]", r);
	assert_int_equal(r->status, 400);
	assert_int_equal(w.n, 3);

	scrape(f, r, e);
	assert_true(counter(e, "relais_email_feedback_total", "mailgun",
	    "kind", "hard") == 2);
	assert_true(counter(e, "relais_email_feedback_refused_total",
	    "mailgun", "reason", "stale") == 2);
	assert_true(counter(e, "relais_email_feedback_refused_total",
	    "mailgun", "reason", "forged") == 2);
	assert_true(counter(e, "relais_email_feedback_refused_total",
	    "mailgun", "reason", "malformed") == 1);
	free(e);
	free(r);
}

/* base64 of n bytes, as EVP_EncodeBlock makes it. */
static char *
b64(const unsigned char *p, size_t n)
{
	char	*s = malloc(4 * ((n + 2) / 3) + 1);

	assert_non_null(s);
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

/* SendGrid's signature of ts then body, in base64. */
static char *
sg_sign(EVP_PKEY *pk, const char *ts, const char *body)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[128];
	size_t		 n = sizeof sig;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    pk) != 1 || EVP_DigestSignUpdate(ctx, ts, strlen(ts)) != 1 ||
	    EVP_DigestSignUpdate(ctx, body, strlen(body)) != 1 ||
	    EVP_DigestSignFinal(ctx, sig, &n) != 1)
		fail_msg("sign");
	EVP_MD_CTX_free(ctx);
	return b64(sig, n);
}

/* A POST to /hooks/sendgrid with SendGrid's two headers. */
static void
sg_post(struct fix *f, const char *ts, const char *sig, const char *body,
    struct reply *r)
{
	struct buf	h;

	buf_init(&h);
	buf_printf(&h, JSON "X-Twilio-Email-Event-Webhook-Timestamp: %s\r\n"
	    "X-Twilio-Email-Event-Webhook-Signature: %s\r\n", ts, sig);
	hook_post(f, "/hooks/sendgrid", h.data, body, r);
	buf_free(&h);
}

#define SG_EVENTS	"[{\"email\":\"a@example.org\",\"event\":\"bounce\"," \
			"\"sg_event_id\":\"e1\"},{\"email\":\"b@example.org\"," \
			"\"event\":\"spamreport\",\"sg_event_id\":\"e2\"}," \
			"{\"email\":\"c@example.org\",\"event\":\"dropped\"," \
			"\"reason\":\"Bounced Address\"},{\"email\":" \
			"\"d@example.org\",\"event\":\"delivered\"}]"

/* SendGrid: ECDSA over the timestamp header and the raw body. */
static void
test_sendgrid(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	EVP_PKEY	*pk, *other;
	unsigned char	*der = NULL;
	char		*pub, *sig, ts[32], old[32];
	int		 n;

	assert_non_null(r);
	/* the openssl command line's vector, timestamp and all */
	admin_set_bounces(f->admin, SG_KEY, NULL, NULL, 2000000000L,
	    feedback, f);
	sg_post(f, SG_TS, SG_SIG, SG_BODY, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.ev[0].provider, EVHOOK_SENDGRID);
	assert_int_equal(w.ev[0].kind, EVHOOK_HARD);
	assert_string_equal(w.ev[0].address, "ana@example.org");
	assert_string_equal(w.ev[0].id, "ZXZ0LTE");

	/* a key of our own, signing now */
	assert_non_null(pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	assert_non_null(other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	assert_true((n = i2d_PUBKEY(pk, &der)) > 0);
	pub = b64(der, (size_t)n);
	OPENSSL_free(der);
	admin_set_bounces(f->admin, pub, NULL, NULL, MAX_AGE_S, feedback, f);
	snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	sig = sg_sign(pk, ts, SG_EVENTS);
	sg_post(f, ts, sig, SG_EVENTS, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.ev[1].kind, EVHOOK_HARD);
	assert_string_equal(w.ev[1].id, "e1");
	assert_int_equal(w.ev[2].kind, EVHOOK_COMPLAINT);
	assert_int_equal(w.ev[3].kind, EVHOOK_HARD);
	assert_string_equal(w.ev[3].address, "c@example.org");
	/* the old vector is stale now */
	sg_post(f, SG_TS, SG_SIG, SG_BODY, r);
	assert_int_equal(r->status, 403);
	/* another timestamp, a body with a blank more, no headers */
	sg_post(f, "1600000000", sig, SG_EVENTS, r);
	assert_int_equal(r->status, 403);
	sg_post(f, ts, sig, SG_EVENTS " ", r);
	assert_int_equal(r->status, 403);
	hook_post(f, "/hooks/sendgrid", JSON, SG_EVENTS, r);
	assert_int_equal(r->status, 403);
	free(sig);
	/* another key; a timestamp well signed but old */
	sig = sg_sign(other, ts, SG_EVENTS);
	sg_post(f, ts, sig, SG_EVENTS, r);
	assert_int_equal(r->status, 403);
	free(sig);
	snprintf(old, sizeof old, "%lld", (long long)time(NULL) - MAX_AGE_S -
	    10);
	sig = sg_sign(pk, old, SG_EVENTS);
	sg_post(f, old, sig, SG_EVENTS, r);
	assert_int_equal(r->status, 403);
	free(sig);
	/* signed, but not SendGrid's shape */
	sig = sg_sign(pk, ts, "{}");
	sg_post(f, ts, sig, "{}", r);
	assert_int_equal(r->status, 400);
	assert_int_equal(w.n, 4);
	free(sig);
	free(pub);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
	free(r);
}

/*
 * A request is answered once every write came back: 200 when each was
 * written or seen before; otherwise "try again later" as the provider
 * understands it (Retry-After, 503; 429 for Brevo, which stops on 5xx).
 */
static void
test_results(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct expo	*e = malloc(sizeof *e);
	char		 v[64];
	size_t		 i;

	assert_non_null(r);
	assert_non_null(e);
	admin_set_bounces(f->admin, NULL, MG_KEY, BREVO_TOKEN, MAX_AGE_S,
	    feedback, f);
	/* seen before: acknowledged, counted apart */
	for (i = 0; i < MAXWRITES; i++)
		w.results[i] = 1;
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 200);
	/* failed */
	for (i = 0; i < MAXWRITES; i++)
		w.results[i] = -1;
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 429);
	assert_non_null(fix_header(r, "Retry-After", v, sizeof v));
	assert_string_equal(v, "60");
	assert_string_equal(r->body, "try again later\n");
	mg_post(f, 0, NULL, MG_FAILED, r);
	assert_int_equal(r->status, 503);
	assert_non_null(fix_header(r, "Retry-After", v, sizeof v));
	assert_string_equal(v, "60");
	/* one of two failed: the whole request again */
	memset(w.results, 0, sizeof w.results);
	w.results[w.n + 1] = -1;
	hook_post(f, "/hooks/brevo", JSON BEARER, "[" BREVO_HARD ",{\"event\":"
	    "\"spam\",\"email\":\"bob@example.org\"}]", r);
	assert_int_equal(r->status, 429);
	/* not even queued */
	w.refuse = 1;
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 429);
	mg_post(f, 0, NULL, MG_FAILED, r);
	assert_int_equal(r->status, 503);
	w.refuse = 0;
	assert_int_equal(w.n, 5);

	/* written once (the first of the pair), seen once */
	scrape(f, r, e);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "hard") == 1);
	assert_true(counter(e, "relais_email_feedback_total", "brevo",
	    "kind", "complaint") == 0);
	assert_true(counter(e, "relais_email_feedback_replayed_total",
	    "brevo", NULL, NULL) == 1);
	assert_true(counter(e, "relais_email_feedback_replayed_total",
	    "mailgun", NULL, NULL) == 0);
	free(e);
	free(r);
}

/* A POST on a raw socket, so that the test decides when writes come back. */
static int
raw_post(struct fix *f, const char *body)
{
	struct buf	req;
	int		fd;

	buf_init(&req);
	buf_printf(&req, "POST /hooks/brevo HTTP/1.1\r\nHost: x\r\n" JSON
	    BEARER "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(body), body);
	fd = fix_connect(f->port);
	assert_true(write(fd, req.data, req.len) == (ssize_t)req.len);
	buf_free(&req);
	fix_pump(f->base, 50);
	return fd;
}

/*
 * Nothing is answered until the last write is back; a reload meanwhile
 * changes nothing for requests under way.
 */
static void
test_waits(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	int		 fd;

	assert_non_null(r);
	admin_set_bounces(f->admin, NULL, NULL, BREVO_TOKEN, MAX_AGE_S,
	    feedback, f);
	w.park = 1;
	fd = raw_post(f, "[" BREVO_HARD ",{\"event\":\"spam\",\"email\":"
	    "\"bob@example.org\"}]");
	assert_int_equal(w.n, 2);
	assert_false(fix_closed(fd));
	answer(1);
	fix_pump(f->base, 50);
	assert_false(fix_closed(fd));
	/* a new token: the request in flight began with the old one */
	admin_set_bounces(f->admin, NULL, NULL, "another-token-0123456789",
	    MAX_AGE_S, feedback, f);
	answer(2);
	fix_read(f->base, fd, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	close(fd);
	/* and the new token is the one that holds now */
	w.park = 0;
	hook_post(f, "/hooks/brevo", JSON BEARER, BREVO_HARD, r);
	assert_int_equal(r->status, 401);
	hook_post(f, "/hooks/brevo", JSON "Authorization: Bearer "
	    "another-token-0123456789\r\n", BREVO_HARD, r);
	assert_int_equal(r->status, 200);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brevo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailgun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendgrid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
