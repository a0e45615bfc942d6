/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Email providers' event webhooks: SendGrid's Event Webhook (ECDSA P-256
 * over SHA-256 of timestamp and body), Mailgun's webhooks (HMAC-SHA256 of
 * timestamp and token) and Brevo's transactional webhooks (a shared token:
 * Brevo signs nothing). A body becomes the events relais acts upon: hard
 * bounces, soft bounces, spam complaints and unsubscribes, each with its
 * address, the provider's event id and time; every other event (delivered,
 * opened, ...) is only counted.
 *
 * Plain functions, no I/O. A batch owns copies of everything it hands out,
 * until evhook_batch_free(); a key owns its secret, wiped by
 * evhook_key_free().
 */
#ifndef RELAIS_EVHOOK_H
#define RELAIS_EVHOOK_H

#include <stddef.h>

enum evhook_provider {
	EVHOOK_SENDGRID,
	EVHOOK_MAILGUN,
	EVHOOK_BREVO,
	EVHOOK_NPROVIDERS
};

enum evhook_kind {
	EVHOOK_HARD,		/* the address does not work: suppressed */
	EVHOOK_SOFT,		/* a temporary failure: counted, recorded */
	EVHOOK_COMPLAINT,	/* marked as spam: suppressed (CASL) */
	EVHOOK_UNSUBSCRIBE,	/* unsubscribed there: suppressed */
	EVHOOK_NKINDS
};

/*
 * SendGrid posts batches of up to 768 KB (UNCONFIRMED figure), Brevo of
 * up to 500 events: a body is at most this, with at most so many events.
 */
#define EVHOOK_MAX_BODY		(1024 * 1024)
#define EVHOOK_MAX_EVENTS	5000
#define EVHOOK_ADDR_MAX		254	/* RFC 5321, as gw_smtp.c */
#define EVHOOK_ID_MAX		128	/* a provider's id kept as is */
/* The least a Mailgun signing key or a Brevo token may be, in bytes. */
#define EVHOOK_SECRET_MIN	16

/*
 * event is named as the provider names it ("bounce", "failed"); address
 * lower-cased and checked; id the provider's event id or "h-<hash>";
 * message_id the provider's, or ""; detail "blocked", a drop reason or "";
 * at the event's time in s, 0 when unknown.
 */
struct evhook_event {
	enum evhook_provider	 provider;
	enum evhook_kind	 kind;
	const char		*event;
	const char		*address;
	const char		*id;
	const char		*message_id;
	const char		*detail;
	long long		 at;
};

struct evhook_batch;
struct evhook_key;

/*
 * Parses a provider's body of len bytes: SendGrid a JSON array of events,
 * Mailgun one object {"signature": {...}, "event-data": {...}}, Brevo one
 * event object or an array of them (batched webhooks). NULL, with the
 * reason in err, for a body that is not that (not JSON, not the expected
 * shape, over EVHOOK_MAX_BODY or EVHOOK_MAX_EVENTS). An event relais does
 * not act upon is counted as ignored; one it acts upon whose address is
 * missing or not one is counted as invalid; neither fails the batch.
 */
struct evhook_batch	*evhook_parse(enum evhook_provider, const char *body,
			    size_t len, char *err, size_t errlen);
size_t			 evhook_count(const struct evhook_batch *);
const struct evhook_event *evhook_event(const struct evhook_batch *,
			    size_t i);
size_t			 evhook_ignored(const struct evhook_batch *);
size_t			 evhook_invalid(const struct evhook_batch *);
/*
 * Mailgun's signature object: 0 with its three fields (owned by the
 * batch), or -1 when the body had none or not all three as strings (the
 * timestamp may also come as an integer).
 */
int			 evhook_mailgun_signature(
			    const struct evhook_batch *, const char **timestamp,
			    const char **token, const char **signature);
void			 evhook_batch_free(struct evhook_batch *);

/*
 * A provider's secret as configured: SendGrid's verification key (base64
 * DER SubjectPublicKeyInfo as SendGrid shows it, or PEM) which must be an
 * EC P-256 key; Mailgun's webhook signing key; Brevo's token, made of
 * letters, digits and "._~-" only, so that it fits a header and a URL. The
 * last two EVHOOK_SECRET_MIN bytes at least. NULL with the reason in err.
 */
struct evhook_key	*evhook_key_new(enum evhook_provider,
			    const char *secret, char *err, size_t errlen);
void			 evhook_key_free(struct evhook_key *);

/*
 * Each returns 0 when the request is the provider's, -1 otherwise; every
 * argument but the key comes from the request and may be NULL. SendGrid:
 * the X-Twilio-Email-Event-Webhook-Timestamp and -Signature headers and
 * the raw body. Mailgun: the signature object's fields (hex compared in
 * constant time). Brevo: the Authorization header, "Bearer <token>" or
 * "Basic base64(user:token)", compared in constant time.
 */
int	evhook_sendgrid_verify(const struct evhook_key *,
	    const char *timestamp, const char *signature, const void *body,
	    size_t len);
int	evhook_mailgun_verify(const struct evhook_key *,
	    const char *timestamp, const char *token, const char *signature);
int	evhook_brevo_verify(const struct evhook_key *,
	    const char *authorization);

/* A timestamp of digits only (seconds since 1970): 0, or -1. */
int	evhook_timestamp(const char *s, long long *out);
/* Whether ts lies within max_age_s of now, either way (clocks differ). */
int	evhook_fresh(long long ts, long long now, long max_age_s);

/* "email:<address>": the suppression list's id (delivery.c's form). */
void	evhook_supp_id(const struct evhook_event *, char *out,
	    size_t outlen);
/* "sendgrid:bounce": the source a suppression records. */
void	evhook_source(const struct evhook_event *, char *out,
	    size_t outlen);
/* "evhook:sendgrid:<id>": the key that remembers the event was applied. */
void	evhook_replay_key(const struct evhook_event *, char *out,
	    size_t outlen);
/* "sendgrid", "mailgun", "brevo"; "hard", "soft", "complaint", ... */
const char	*evhook_provider_name(enum evhook_provider);
const char	*evhook_kind_name(enum evhook_kind);

#endif
