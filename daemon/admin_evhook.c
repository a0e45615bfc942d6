/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The /hooks/sendgrid, /hooks/mailgun and /hooks/brevo webhooks: bounces and complaints, answered once written. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin_evhook.h"
#include "admin_hold.h"
#include "admin_reply.h"
#include "buf.h"
#include "clock.h"
#include "log.h"

#define ADMIN_EVHOOK_SG_SIG	"X-Twilio-Email-Event-Webhook-Signature"
#define ADMIN_EVHOOK_SG_TS	"X-Twilio-Email-Event-Webhook-Timestamp"

/* Why a request was refused, for the counters. */
enum admin_evhook_refusal {
	ADMIN_EVHOOK_FORGED,		/* no or bad signature or token */
	ADMIN_EVHOOK_STALE,		/* signed too long ago, or ahead */
	ADMIN_EVHOOK_MALFORMED,		/* not the provider's format */
	ADMIN_EVHOOK_NREFUSALS
};

static const char *const admin_evhook_refusals[ADMIN_EVHOOK_NREFUSALS] = {
	[ADMIN_EVHOOK_FORGED] = "forged",
	[ADMIN_EVHOOK_STALE] = "stale",
	[ADMIN_EVHOOK_MALFORMED] = "malformed",
};

static const char *const admin_evhook_paths[EVHOOK_NPROVIDERS] = {
	[EVHOOK_SENDGRID] = "/hooks/sendgrid",
	[EVHOOK_MAILGUN] = "/hooks/mailgun",
	[EVHOOK_BREVO] = "/hooks/brevo",
};

/* One provider's hook: its key (NULL: off) and what it saw. */
struct admin_evhook_hook {
	struct evhook_key	*key;
	unsigned long		 applied[EVHOOK_NKINDS];
	unsigned long		 replayed;
	unsigned long		 refused[ADMIN_EVHOOK_NREFUSALS];
};

struct admin_evhook_req;

/* One event of a request whose write is awaited: the done callback's arg. */
struct admin_evhook_one {
	struct admin_evhook_req	*r;
	enum evhook_kind	 kind;
};

/* A request waiting for its writes. */
struct admin_evhook_req {
	TAILQ_ENTRY(admin_evhook_req)	 entry;
	struct admin_evhook		*e;	/* NULL: the hook is freed */
	struct admin			*a;	/* NULL likewise */
	struct evhttp_request		*req;	/* NULL: connection gone */
	enum evhook_provider		 provider;
	struct admin_evhook_one		*ones;
	size_t				 nevents, ignored, invalid;
	size_t				 waiting, applied, replayed;
	size_t				 failed;
	int				 sending; /* handing events out */
	long long			 started_ms;
};
TAILQ_HEAD(admin_evhook_reqs, admin_evhook_req);

struct admin_evhook {
	struct admin_evhook_hook	 hooks[EVHOOK_NPROVIDERS];
	long				 max_age_s;
	admin_feedback_fn		 fn;
	void				*arg;
	struct admin_evhook_reqs	 reqs;
};

struct admin_evhook *
admin_evhook_new(void)
{
	struct admin_evhook	*e;

	e = xcalloc(1, sizeof *e);
	TAILQ_INIT(&e->reqs);
	e->max_age_s = 300;
	return e;
}

void
admin_evhook_free(struct admin_evhook *e)
{
	struct admin_evhook_req	*r;
	size_t			 i;

	if (e == NULL)
		return;
	/* their writes still come back: each frees itself then */
	while ((r = TAILQ_FIRST(&e->reqs)) != NULL) {
		TAILQ_REMOVE(&e->reqs, r, entry);
		r->e = NULL;
		r->a = NULL;
		r->req = NULL;
	}
	for (i = 0; i < EVHOOK_NPROVIDERS; i++)
		evhook_key_free(e->hooks[i].key);
	free(e);
}

void
admin_evhook_set(struct admin_evhook *e, const char *sendgrid_key,
    const char *mailgun_key, const char *brevo_token, long max_age_s,
    admin_feedback_fn fn, void *arg)
{
	const char	*secrets[EVHOOK_NPROVIDERS];
	char		 err[256];
	size_t		 i;

	secrets[EVHOOK_SENDGRID] = sendgrid_key;
	secrets[EVHOOK_MAILGUN] = mailgun_key;
	secrets[EVHOOK_BREVO] = brevo_token;
	for (i = 0; i < EVHOOK_NPROVIDERS; i++) {
		evhook_key_free(e->hooks[i].key);
		e->hooks[i].key = NULL;
		if (secrets[i] == NULL || *secrets[i] == '\0')
			continue;
		/* the configuration checked it: only a broken libcrypto */
		if ((e->hooks[i].key = evhook_key_new(i, secrets[i], err,
		    sizeof err)) == NULL)
			log_warnx("admin: %s stays off: %s",
			    admin_evhook_paths[i], err);
	}
	e->max_age_s = max_age_s;
	e->fn = fn;
	e->arg = arg;
}

int
admin_evhook_path(const char *path)
{
	size_t	i;

	for (i = 0; path != NULL && i < EVHOOK_NPROVIDERS; i++)
		if (strcmp(path, admin_evhook_paths[i]) == 0)
			return 1;
	return 0;
}

int
admin_evhook_big(const struct admin_evhook *e, const char *line, size_t n)
{
	size_t	i, len;

	if (e == NULL || n < 5 || memcmp(line, "POST ", 5) != 0)
		return 0;
	for (i = 0; i < EVHOOK_NPROVIDERS; i++) {
		len = strlen(admin_evhook_paths[i]);
		if (e->hooks[i].key != NULL && n > 5 + len &&
		    memcmp(line + 5, admin_evhook_paths[i], len) == 0 &&
		    (line[5 + len] == ' ' || line[5 + len] == '?'))
			return 1;
	}
	return 0;
}

/*
 * "Try again later", as each provider understands it: SendGrid and Mailgun
 * retry on anything but 2xx (and Mailgun's 406); Brevo stops on any 5xx.
 */
static void
admin_evhook_retry(struct evhttp_request *req, enum evhook_provider p)
{
	char	secs[16];

	snprintf(secs, sizeof secs, "%d", ADMIN_EVHOOK_RETRY_S);
	if (evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", secs) == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (p == EVHOOK_BREVO)
		admin_reply_text(req, 429, "Too Many Requests",
		    "try again later\n");
	else
		admin_reply_text(req, 503, "Service Unavailable",
		    "try again later\n");
}

/* Refuses req, counted and logged (never with an address). */
static void
admin_evhook_refuse(struct admin_evhook *e, enum evhook_provider p,
    struct evhttp_request *req, enum admin_evhook_refusal why,
    const char *reason)
{
	char	esc[160];

	e->hooks[p].refused[why]++;
	log_warnx("evhook: provider=%s outcome=refused reason=\"%s\" peer=%s",
	    evhook_provider_name(p), log_escape(reason, esc, sizeof esc),
	    admin_peer(req));
	if (why == ADMIN_EVHOOK_MALFORMED)
		admin_reply_text(req, HTTP_BADREQUEST, "Bad Request",
		    "bad body\n");
	else if (p == EVHOOK_BREVO && why == ADMIN_EVHOOK_FORGED) {
		if (evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"relais\"") == -1)
			evhttp_send_error(req, HTTP_INTERNAL, NULL);
		else
			admin_reply_text(req, 401, "Unauthorized",
			    "unauthorized\n");
	} else
		admin_reply_text(req, 403, "Forbidden", "forbidden\n");
}

/* Answers a request whose writes all came back, and frees it. */
static void
admin_evhook_finish(struct admin_evhook_req *r)
{
	int	ok = r->failed == 0;

	if (r->sending || r->waiting > 0)
		return;
	if (r->req != NULL && r->a != NULL) {
		admin_release(r->a, r->req);
		if (ok)
			admin_reply_text(r->req, HTTP_OK, "OK", "ok\n");
		else
			admin_evhook_retry(r->req, r->provider);
	}
	log_kv(LOG_INFO, "evhook:",
	    LOG_STR("provider", evhook_provider_name(r->provider)),
	    LOG_INT("events", r->nevents), LOG_INT("applied", r->applied),
	    LOG_INT("replayed", r->replayed), LOG_INT("failed", r->failed),
	    LOG_INT("ignored", r->ignored), LOG_INT("invalid", r->invalid),
	    LOG_STR("outcome", r->req == NULL ? "unanswered" : ok ? "ok" :
	    "retry"), LOG_INT("ms", clock_now_ms() - r->started_ms));
	if (r->e != NULL)
		TAILQ_REMOVE(&r->e->reqs, r, entry);
	free(r->ones);
	free(r);
}

/* admin_feedback_done_fn: one event's write came back. */
static void
admin_evhook_done(void *arg, int result)
{
	struct admin_evhook_one	*one = arg;
	struct admin_evhook_req	*r = one->r;
	struct admin_evhook_hook *h = r->e != NULL ?
	    &r->e->hooks[r->provider] : NULL;

	if (result == 0) {
		r->applied++;
		if (h != NULL)
			h->applied[one->kind]++;
	} else if (result == 1) {
		r->replayed++;
		if (h != NULL)
			h->replayed++;
	} else
		r->failed++;
	r->waiting--;
	admin_evhook_finish(r);
}

/* admin_hold's gone: the port closed the connection before the answer. */
static void
admin_evhook_gone(void *arg)
{
	struct admin_evhook_req	*r = arg;

	log_info("evhook: provider=%s outcome=abandoned reason=\"the "
	    "connection was closed before the writes came back\"",
	    evhook_provider_name(r->provider));
	r->req = NULL;
}

/* Hands each event of b to the feedback callback; answers when all are back. */
static void
admin_evhook_apply(struct admin_evhook *e, struct admin *a,
    enum evhook_provider p, struct evhttp_request *req,
    const struct evhook_batch *b)
{
	struct admin_evhook_req	*r;
	size_t			 i, n = evhook_count(b);

	if (n == 0) {
		log_kv(LOG_INFO, "evhook:",
		    LOG_STR("provider", evhook_provider_name(p)),
		    LOG_INT("events", 0), LOG_INT("ignored", evhook_ignored(b)),
		    LOG_INT("invalid", evhook_invalid(b)),
		    LOG_STR("outcome", "ok"));
		admin_reply_text(req, HTTP_OK, "OK", "ok\n");
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->e = e;
	r->a = a;
	r->req = req;
	r->provider = p;
	r->nevents = n;
	r->ignored = evhook_ignored(b);
	r->invalid = evhook_invalid(b);
	r->started_ms = clock_now_ms();
	r->ones = xcalloc(n, sizeof *r->ones);
	if (admin_hold(a, req, admin_evhook_gone, r) == -1) {
		log_warnx("evhook: provider=%s outcome=retry reason=\"the "
		    "connection cannot be held\"", evhook_provider_name(p));
		admin_evhook_retry(req, p);
		free(r->ones);
		free(r);
		return;
	}
	TAILQ_INSERT_TAIL(&e->reqs, r, entry);
	r->sending = 1;
	for (i = 0; i < n; i++) {
		r->ones[i].r = r;
		r->ones[i].kind = evhook_event(b, i)->kind;
		r->waiting++;
		if (e->fn == NULL || e->fn(e->arg, evhook_event(b, i),
		    admin_evhook_done, &r->ones[i]) == -1) {
			r->waiting--;
			r->failed++;
		}
	}
	r->sending = 0;
	admin_evhook_finish(r);
}

/*
 * SendGrid signs the timestamp header and the raw body: checked before the
 * body is parsed. Mailgun signs inside the body. 0 when req may go on;
 * -1 when it was refused.
 */
static int
admin_evhook_check_sendgrid(struct admin_evhook *e, struct evhttp_request *req,
    const char *data, size_t len)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	const char		*ts, *sig;
	long long		 t;

	ts = evhttp_find_header(in, ADMIN_EVHOOK_SG_TS);
	sig = evhttp_find_header(in, ADMIN_EVHOOK_SG_SIG);
	if (ts == NULL || sig == NULL) {
		admin_evhook_refuse(e, EVHOOK_SENDGRID, req,
		    ADMIN_EVHOOK_FORGED, "no signature");
		return -1;
	}
	if (evhook_sendgrid_verify(e->hooks[EVHOOK_SENDGRID].key, ts, sig,
	    data, len) == -1) {
		admin_evhook_refuse(e, EVHOOK_SENDGRID, req,
		    ADMIN_EVHOOK_FORGED, "bad signature");
		return -1;
	}
	if (evhook_timestamp(ts, &t) == -1 || !evhook_fresh(t,
	    clock_now_ms() / 1000, e->max_age_s)) {
		admin_evhook_refuse(e, EVHOOK_SENDGRID, req,
		    ADMIN_EVHOOK_STALE, "timestamp too old or ahead");
		return -1;
	}
	return 0;
}

static int
admin_evhook_check_mailgun(struct admin_evhook *e, struct evhttp_request *req,
    const struct evhook_batch *b)
{
	const char	*ts, *token, *sig;
	long long	 t;

	if (evhook_mailgun_signature(b, &ts, &token, &sig) == -1) {
		admin_evhook_refuse(e, EVHOOK_MAILGUN, req, ADMIN_EVHOOK_FORGED,
		    "no signature");
		return -1;
	}
	if (evhook_mailgun_verify(e->hooks[EVHOOK_MAILGUN].key, ts, token,
	    sig) == -1) {
		admin_evhook_refuse(e, EVHOOK_MAILGUN, req, ADMIN_EVHOOK_FORGED,
		    "bad signature");
		return -1;
	}
	if (evhook_timestamp(ts, &t) == -1 || !evhook_fresh(t,
	    clock_now_ms() / 1000, e->max_age_s)) {
		admin_evhook_refuse(e, EVHOOK_MAILGUN, req, ADMIN_EVHOOK_STALE,
		    "timestamp too old or ahead");
		return -1;
	}
	return 0;
}

/* A POST to a hook that is on: authenticated, parsed, applied. */
static void
admin_evhook_post(struct admin_evhook *e, struct admin *a,
    enum evhook_provider p, struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*ib = evhttp_request_get_input_buffer(req);
	struct evhook_batch	*b;
	const char		*data = "";
	size_t			 len;
	char			 err[160];

	if (!admin_content_type_is(evhttp_find_header(in, "Content-Type"),
	    "application/json")) {
		admin_reply_text(req, 415, "Unsupported Media Type",
		    "expected application/json\n");
		return;
	}
	if ((len = evbuffer_get_length(ib)) > ADMIN_EVHOOK_MAX_BODY) {
		admin_reply_text(req, 413, "Payload Too Large",
		    "too large\n");
		return;
	}
	if (len > 0 && (data = (const char *)evbuffer_pullup(ib, -1)) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	/* Brevo's token, SendGrid's signature: before the body is looked at */
	if (p == EVHOOK_BREVO && evhook_brevo_verify(e->hooks[p].key,
	    evhttp_find_header(in, "Authorization")) == -1) {
		admin_evhook_refuse(e, p, req, ADMIN_EVHOOK_FORGED,
		    evhttp_find_header(in, "Authorization") == NULL ?
		    "no token" : "bad token");
		return;
	}
	if (p == EVHOOK_SENDGRID && admin_evhook_check_sendgrid(e, req, data,
	    len) == -1)
		return;
	if ((b = evhook_parse(p, data, len, err, sizeof err)) == NULL) {
		admin_evhook_refuse(e, p, req, ADMIN_EVHOOK_MALFORMED, err);
		return;
	}
	if (p == EVHOOK_MAILGUN && admin_evhook_check_mailgun(e, req,
	    b) == -1) {
		evhook_batch_free(b);
		return;
	}
	admin_evhook_apply(e, a, p, req, b);
	evhook_batch_free(b);
}

int
admin_evhook_serve(struct admin_evhook *e, struct admin *a, const char *path,
    struct evhttp_request *req)
{
	size_t	p;

	for (p = 0; path != NULL && p < EVHOOK_NPROVIDERS; p++)
		if (strcmp(path, admin_evhook_paths[p]) == 0)
			break;
	if (path == NULL || p == EVHOOK_NPROVIDERS)
		return 0;
	if (e == NULL || e->hooks[p].key == NULL)
		admin_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found\n");
	else if (evhttp_request_get_command(req) != EVHTTP_REQ_POST)
		admin_reply_not_allowed(req, "POST");
	else
		admin_evhook_post(e, a, (enum evhook_provider)p, req);
	return 1;
}

void
admin_evhook_metrics(const struct admin_evhook *e, struct buf *out)
{
	const struct admin_evhook_hook	*h;
	const char			*name;
	size_t				 p, k, on = 0;

	for (p = 0; p < EVHOOK_NPROVIDERS; p++)
		on += e->hooks[p].key != NULL;
	if (on == 0)
		return;
	admin_metric_help(out, "relais_email_feedback_total", ADMIN_COUNTER,
	    "Events email providers reported on their hooks and relais wrote, "
	    "by provider and kind: hard bounce, soft bounce, complaint, "
	    "unsubscribe (all but soft suppress the address). An event posted "
	    "again is not counted.");
	for (p = 0; p < EVHOOK_NPROVIDERS; p++) {
		h = &e->hooks[p];
		name = evhook_provider_name((enum evhook_provider)p);
		for (k = 0; h->key != NULL && k < EVHOOK_NKINDS; k++)
			admin_metric(out, "relais_email_feedback_total",
			    (double)h->applied[k], "provider", name, "kind",
			    evhook_kind_name((enum evhook_kind)k), NULL);
	}
	admin_metric_help(out, "relais_email_feedback_replayed_total",
	    ADMIN_COUNTER, "Events posted again (a provider's retry or a "
	    "replay): acknowledged, nothing written.");
	for (p = 0; p < EVHOOK_NPROVIDERS; p++) {
		if (e->hooks[p].key == NULL)
			continue;
		name = evhook_provider_name((enum evhook_provider)p);
		admin_metric(out, "relais_email_feedback_replayed_total",
		    (double)e->hooks[p].replayed, "provider", name, NULL);
	}
	admin_metric_help(out, "relais_email_feedback_refused_total",
	    ADMIN_COUNTER, "Requests to the email hooks refused, by reason: "
	    "forged (no or bad signature or token), stale (signed timestamp "
	    "outside bounces.max_age_s), malformed (not the provider's "
	    "format).");
	for (p = 0; p < EVHOOK_NPROVIDERS; p++) {
		h = &e->hooks[p];
		name = evhook_provider_name((enum evhook_provider)p);
		for (k = 0; h->key != NULL && k < ADMIN_EVHOOK_NREFUSALS; k++)
			admin_metric(out, "relais_email_feedback_refused_total",
			    (double)h->refused[k], "provider", name, "reason",
			    admin_evhook_refusals[k], NULL);
	}
}
