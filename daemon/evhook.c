/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Email providers' event webhooks: their bodies to bounces, complaints and unsubscribes (keys and signatures: evhook_sig.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "evhook.h"

#define EVHOOK_MID_MAX		256	/* a provider's message id */
#define EVHOOK_TS_DIGITS	12	/* seconds until the year 33658 */

struct evhook_batch {
	enum evhook_provider	 provider;
	struct evhook_event	*ev;
	size_t			 n, cap;
	size_t			 nignored, ninvalid;
	char			*mg_timestamp, *mg_token, *mg_signature;
};

/* An event name relais acts upon, and what it means. */
struct evhook_name {
	const char		*name;
	enum evhook_kind	 kind;
};

static const char *const evhook_providers[EVHOOK_NPROVIDERS] = {
	[EVHOOK_SENDGRID] = "sendgrid",
	[EVHOOK_MAILGUN] = "mailgun",
	[EVHOOK_BREVO] = "brevo",
};

static const char *const evhook_kinds[EVHOOK_NKINDS] = {
	[EVHOOK_HARD] = "hard",
	[EVHOOK_SOFT] = "soft",
	[EVHOOK_COMPLAINT] = "complaint",
	[EVHOOK_UNSUBSCRIBE] = "unsubscribe",
};

/*
 * SendGrid's Event Webhook reference: a bounce is hard unless its type is
 * "blocked"; "dropped" is refined by its reason (below); "deferred" is the
 * receiving server's temporary refusal.
 */
static const struct evhook_name evhook_sendgrid_events[] = {
	{ "bounce", EVHOOK_HARD },
	{ "dropped", EVHOOK_SOFT },
	{ "deferred", EVHOOK_SOFT },
	{ "spamreport", EVHOOK_COMPLAINT },
	{ "unsubscribe", EVHOOK_UNSUBSCRIBE },
	{ "group_unsubscribe", EVHOOK_UNSUBSCRIBE },
	{ NULL, 0 }
};

/* SendGrid's drop reasons (sendgrid-oai); any other is soft, "other". */
static const struct evhook_name evhook_sendgrid_drops[] = {
	{ "Bounced Address", EVHOOK_HARD },
	{ "Invalid", EVHOOK_HARD },
	{ "Unsubscribed Address", EVHOOK_UNSUBSCRIBE },
	{ "Spam Reporting Address", EVHOOK_COMPLAINT },
	{ "Invalid SMTPAPI header", EVHOOK_SOFT },
	{ "Spam Content", EVHOOK_SOFT },
	{ "Recipient List over Package Quota", EVHOOK_SOFT },
	{ NULL, 0 }
};

/* Mailgun's event types: "failed" is hard only with severity permanent. */
static const struct evhook_name evhook_mailgun_events[] = {
	{ "failed", EVHOOK_SOFT },
	{ "complained", EVHOOK_COMPLAINT },
	{ "unsubscribed", EVHOOK_UNSUBSCRIBE },
	{ NULL, 0 }
};

/*
 * Brevo's transactional events, as its payloads spell them (and as its
 * webhook settings do). "blocked" is Brevo refusing to send (its own block
 * list, or the sender's standing): not proof the address is dead.
 */
static const struct evhook_name evhook_brevo_events[] = {
	{ "hard_bounce", EVHOOK_HARD },
	{ "hardBounce", EVHOOK_HARD },
	{ "invalid_email", EVHOOK_HARD },
	{ "soft_bounce", EVHOOK_SOFT },
	{ "softBounce", EVHOOK_SOFT },
	{ "deferred", EVHOOK_SOFT },
	{ "blocked", EVHOOK_SOFT },
	{ "spam", EVHOOK_COMPLAINT },
	{ "unsubscribed", EVHOOK_UNSUBSCRIBE },
	{ NULL, 0 }
};

static const struct evhook_name *
evhook_lookup(const struct evhook_name *t, const char *name)
{
	for (; name != NULL && t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const char *
evhook_provider_name(enum evhook_provider p)
{
	return (unsigned)p < EVHOOK_NPROVIDERS ? evhook_providers[p] : "?";
}

const char *
evhook_kind_name(enum evhook_kind k)
{
	return (unsigned)k < EVHOOK_NKINDS ? evhook_kinds[k] : "?";
}

/* A string member of an object, or NULL. */
static const char *
evhook_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A time in seconds: an integer, a real (Mailgun's) or digits; else 0. */
static long long
evhook_time(const json_t *v)
{
	double		d;
	long long	t;

	if (json_is_integer(v))
		t = (long long)json_integer_value(v);
	else if (json_is_real(v)) {
		d = json_real_value(v);
		t = d > 0 && d < 1e12 ? (long long)d : 0;
	} else if (json_is_string(v) && evhook_timestamp(json_string_value(v),
	    &t) == 0)
		;
	else
		t = 0;
	return t > 0 && t < 1000000000000LL ? t : 0;
}

/* 1 to max printable ASCII bytes, no space: kept as it came. */
static int
evhook_token_ok(const char *s, size_t max)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (n == max || (unsigned char)s[n] <= 0x20 ||
		    (unsigned char)s[n] >= 0x7f)
			return 0;
	return n > 0;
}

/* An event id as a Redis key part and a log value: as it is, or hashed. */
static int
evhook_id_ok(const char *s)
{
	size_t	n;

	if (s == NULL)
		return 0;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._=+/-");
	return n > 0 && n <= EVHOOK_ID_MAX && s[n] == '\0';
}

/*
 * An address as the suppression list holds it: one '@' with something on
 * either side, no blank, control or delimiter byte ("Ana <a@b>" is not an
 * address), at most EVHOOK_ADDR_MAX bytes; ASCII lower-cased as the
 * pipeline does. Returns a copy, or NULL.
 */
static char *
evhook_address(const char *in)
{
	const char	*at;
	char		*out;
	size_t		 n, i;

	if (in == NULL || (n = strlen(in)) < 3 || n > EVHOOK_ADDR_MAX ||
	    (at = strchr(in, '@')) == NULL || at != strrchr(in, '@') ||
	    at == in || at[1] == '\0')
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)in[i] <= 0x20 || in[i] == 0x7f ||
		    strchr("\"\\<>()[],;:", in[i]) != NULL)
			return NULL;
	out = xstrdup(in);
	for (i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

/*
 * An id for an event that comes without a usable one (Brevo's never do):
 * "h-" and 128 bits of SHA-256 over what tells it apart, so that the same
 * event posted again gets the same id.
 */
static char *
evhook_derived_id(const struct evhook_event *e, const char *extra)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	struct buf		 b;
	char			 out[2 + 32 + 1];
	size_t			 i;

	buf_init(&b);
	buf_printf(&b, "%s", evhook_provider_name(e->provider));
	buf_append(&b, "", 1);
	buf_printf(&b, "%s", e->event);
	buf_append(&b, "", 1);
	buf_printf(&b, "%s", e->address);
	buf_append(&b, "", 1);
	buf_printf(&b, "%s", e->message_id);
	buf_append(&b, "", 1);
	buf_printf(&b, "%s", e->detail);
	buf_append(&b, "", 1);
	buf_printf(&b, "%lld", e->at);
	buf_append(&b, "", 1);
	buf_printf(&b, "%s", extra != NULL ? extra : "");
	if (EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 16)
		memset(md, 0, sizeof md);	/* libcrypto broken */
	buf_free(&b);
	out[0] = 'h';
	out[1] = '-';
	for (i = 0; i < 16; i++) {
		out[2 + 2 * i] = hex[md[i] >> 4];
		out[3 + 2 * i] = hex[md[i] & 0xf];
	}
	out[34] = '\0';
	return xstrdup(out);
}

/*
 * Adds one event relais acts upon. raw_addr, id, mid come from the body;
 * event and detail are ours (static). extra tells apart events that share
 * all the rest (Brevo's ms timestamp). An unusable address counts as
 * invalid.
 */
static void
evhook_add(struct evhook_batch *b, enum evhook_kind kind, const char *event,
    const char *raw_addr, const char *id, const char *mid, const char *detail,
    long long at, const char *extra)
{
	struct evhook_event	*e;
	char			*addr;

	if ((addr = evhook_address(raw_addr)) == NULL) {
		b->ninvalid++;
		return;
	}
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 8 : b->cap * 2;
		b->ev = xrealloc(b->ev, b->cap * sizeof *b->ev);
	}
	e = &b->ev[b->n++];
	e->provider = b->provider;
	e->kind = kind;
	e->event = event;
	e->address = addr;
	e->message_id = xstrdup(mid != NULL && evhook_token_ok(mid,
	    EVHOOK_MID_MAX) ? mid : "");
	e->detail = detail != NULL ? detail : "";
	e->at = at;
	e->id = evhook_id_ok(id) ? xstrdup(id) : evhook_derived_id(e, extra);
}

/* One object of SendGrid's array. */
static void
evhook_sendgrid_one(struct evhook_batch *b, const json_t *o)
{
	const struct evhook_name	*n, *drop;
	const char			*type, *detail = "";
	enum evhook_kind		 kind;

	if ((n = evhook_lookup(evhook_sendgrid_events, evhook_str(o,
	    "event"))) == NULL) {
		b->nignored++;
		return;
	}
	kind = n->kind;
	if (strcmp(n->name, "bounce") == 0) {
		/* the bounce's own text may quote the address: not kept */
		type = evhook_str(o, "type");
		if (type != NULL && strcmp(type, "blocked") == 0) {
			kind = EVHOOK_SOFT;
			detail = "blocked";
		} else if (type != NULL && strcmp(type, "bounce") != 0) {
			kind = EVHOOK_SOFT;	/* a type we do not know */
			detail = "other";
		} else
			detail = "bounce";
	} else if (strcmp(n->name, "dropped") == 0) {
		drop = evhook_lookup(evhook_sendgrid_drops, evhook_str(o,
		    "reason"));
		kind = drop != NULL ? drop->kind : EVHOOK_SOFT;
		detail = drop != NULL ? drop->name : "other";
	}
	evhook_add(b, kind, n->name, evhook_str(o, "email"),
	    evhook_str(o, "sg_event_id"), evhook_str(o, "sg_message_id"),
	    detail, evhook_time(json_object_get(o, "timestamp")), NULL);
}

/* Mailgun's event-data object. */
static void
evhook_mailgun_one(struct evhook_batch *b, const json_t *o)
{
	const struct evhook_name	*n;
	const char			*sev, *detail = "";
	enum evhook_kind		 kind;

	if ((n = evhook_lookup(evhook_mailgun_events, evhook_str(o,
	    "event"))) == NULL) {
		b->nignored++;
		return;
	}
	kind = n->kind;
	if (strcmp(n->name, "failed") == 0) {
		sev = evhook_str(o, "severity");
		if (sev != NULL && strcmp(sev, "permanent") == 0) {
			kind = EVHOOK_HARD;
			detail = "permanent";
		} else
			detail = sev != NULL && strcmp(sev, "temporary") == 0 ?
			    "temporary" : "other";
	}
	evhook_add(b, kind, n->name, evhook_str(o, "recipient"),
	    evhook_str(o, "id"), evhook_str(json_object_get(json_object_get(o,
	    "message"), "headers"), "message-id"), detail,
	    evhook_time(json_object_get(o, "timestamp")), NULL);
}

/* One of Brevo's event objects. */
static void
evhook_brevo_one(struct evhook_batch *b, const json_t *o)
{
	const struct evhook_name	*n;
	const json_t			*ts;
	char				 ms[32];

	if ((n = evhook_lookup(evhook_brevo_events, evhook_str(o,
	    "event"))) == NULL) {
		b->nignored++;
		return;
	}
	if ((ts = json_object_get(o, "ts_event")) == NULL)
		ts = json_object_get(o, "ts");
	/* Brevo has no event id: its ms time tells two alike events apart */
	snprintf(ms, sizeof ms, "%lld", json_is_integer(json_object_get(o,
	    "ts_epoch")) ? (long long)json_integer_value(json_object_get(o,
	    "ts_epoch")) : 0LL);
	evhook_add(b, n->kind, n->name, evhook_str(o, "email"), NULL,
	    evhook_str(o, "message-id"), "", evhook_time(ts), ms);
}

/* Each item of an array, each an object, through one(). */
static int
evhook_array(struct evhook_batch *b, const json_t *a,
    void (*one)(struct evhook_batch *, const json_t *), char *err,
    size_t errlen)
{
	size_t	i;

	if (json_array_size(a) > EVHOOK_MAX_EVENTS) {
		snprintf(err, errlen, "more than %d events in one body",
		    EVHOOK_MAX_EVENTS);
		return -1;
	}
	for (i = 0; i < json_array_size(a); i++) {
		if (!json_is_object(json_array_get(a, i))) {
			snprintf(err, errlen, "event %zu is not an object", i);
			return -1;
		}
		one(b, json_array_get(a, i));
	}
	return 0;
}

/* Mailgun's signature object, kept for evhook_mailgun_verify(). */
static void
evhook_mailgun_sig(struct evhook_batch *b, const json_t *sig)
{
	const json_t	*ts = json_object_get(sig, "timestamp");
	const char	*tok = evhook_str(sig, "token");
	const char	*s = evhook_str(sig, "signature");
	char		 num[32];

	if (json_is_integer(ts)) {
		snprintf(num, sizeof num, "%lld",
		    (long long)json_integer_value(ts));
		b->mg_timestamp = xstrdup(num);
	} else if (json_is_string(ts))
		b->mg_timestamp = xstrdup(json_string_value(ts));
	if (tok != NULL)
		b->mg_token = xstrdup(tok);
	if (s != NULL)
		b->mg_signature = xstrdup(s);
}

struct evhook_batch *
evhook_parse(enum evhook_provider p, const char *body, size_t len, char *err,
    size_t errlen)
{
	struct evhook_batch	*b = NULL;
	json_t			*root = NULL, *data;
	json_error_t		 jerr;
	int			 rc = -1;

	if ((unsigned)p >= EVHOOK_NPROVIDERS) {
		snprintf(err, errlen, "unknown provider");
		return NULL;
	}
	if (len > EVHOOK_MAX_BODY) {
		snprintf(err, errlen, "body over %d bytes", EVHOOK_MAX_BODY);
		return NULL;
	}
	/* Jansson's own message may quote the body: only its position */
	if (body == NULL || (root = json_loadb(body, len,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(err, errlen, "not JSON (line %d, column %d)",
		    body == NULL ? 0 : jerr.line,
		    body == NULL ? 0 : jerr.column);
		return NULL;
	}
	b = xcalloc(1, sizeof *b);
	b->provider = p;
	switch (p) {
	case EVHOOK_SENDGRID:
		if (!json_is_array(root))
			snprintf(err, errlen, "expected an array of events");
		else
			rc = evhook_array(b, root, evhook_sendgrid_one, err,
			    errlen);
		break;
	case EVHOOK_MAILGUN:
		if (!json_is_object(root) || !json_is_object(data =
		    json_object_get(root, "event-data"))) {
			snprintf(err, errlen, "expected an object with an "
			    "event-data object");
			break;
		}
		evhook_mailgun_sig(b, json_object_get(root, "signature"));
		evhook_mailgun_one(b, data);
		rc = 0;
		break;
	case EVHOOK_BREVO:
		if (json_is_object(root)) {
			evhook_brevo_one(b, root);
			rc = 0;
		} else if (json_is_array(root))
			rc = evhook_array(b, root, evhook_brevo_one, err,
			    errlen);
		else
			snprintf(err, errlen, "expected an event object or an "
			    "array of them");
		break;
	case EVHOOK_NPROVIDERS:
		break;
	}
	json_decref(root);
	if (rc == -1) {
		evhook_batch_free(b);
		return NULL;
	}
	return b;
}

size_t
evhook_count(const struct evhook_batch *b)
{
	return b->n;
}

const struct evhook_event *
evhook_event(const struct evhook_batch *b, size_t i)
{
	return i < b->n ? &b->ev[i] : NULL;
}

size_t
evhook_ignored(const struct evhook_batch *b)
{
	return b->nignored;
}

size_t
evhook_invalid(const struct evhook_batch *b)
{
	return b->ninvalid;
}

int
evhook_mailgun_signature(const struct evhook_batch *b, const char **timestamp,
    const char **token, const char **signature)
{
	if (b->mg_timestamp == NULL || b->mg_token == NULL ||
	    b->mg_signature == NULL)
		return -1;
	*timestamp = b->mg_timestamp;
	*token = b->mg_token;
	*signature = b->mg_signature;
	return 0;
}

void
evhook_batch_free(struct evhook_batch *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free((char *)(uintptr_t)b->ev[i].address);
		free((char *)(uintptr_t)b->ev[i].id);
		free((char *)(uintptr_t)b->ev[i].message_id);
	}
	free(b->ev);
	free(b->mg_timestamp);
	free(b->mg_token);
	free(b->mg_signature);
	free(b);
}

int
evhook_timestamp(const char *s, long long *out)
{
	long long	v = 0;
	size_t		n;

	if (s == NULL)
		return -1;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == EVHOOK_TS_DIGITS)
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0 || s[n] != '\0')
		return -1;
	*out = v;
	return 0;
}

int
evhook_fresh(long long ts, long long now, long max_age_s)
{
	long long	d = now - ts;

	return (d < 0 ? -d : d) <= max_age_s;
}

void
evhook_supp_id(const struct evhook_event *e, char *out, size_t outlen)
{
	snprintf(out, outlen, "email:%s", e->address);
}

void
evhook_source(const struct evhook_event *e, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s:%s", evhook_provider_name(e->provider),
	    e->event);
}

void
evhook_replay_key(const struct evhook_event *e, char *out, size_t outlen)
{
	snprintf(out, outlen, "evhook:%s:%s", evhook_provider_name(e->provider),
	    e->id);
}
