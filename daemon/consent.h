/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Consent changes from outside: Twilio's STOP and START keywords and its
 * delivery statuses, unsubscribe links. Each is one Lua script call, so
 * that the replay check, the change and its history are applied together,
 * and alike by every instance sharing the Redis.
 *
 * Keys, after the prefix ("relais:"):
 *   suppressed                  hash: "<channel>:<address>" -> the record,
 *                               JSON {at, source, message_sid?, also?}: the
 *                               first opt-out's date and source stay, other
 *                               sources that asked since are in "also"
 *   consent:<id>                stream: one entry per change (action,
 *                               source, result, message_sid, at), at most
 *                               CONSENT_HISTORY_MAX, expiring history_ttl_s
 *                               after the last; no message text
 *   twilio:sid:<MessageSid>     an inbound message already processed
 *   twilio:status:<sid>:<status> a status callback already recorded
 *   evhook:<provider>:<event id> an email provider's event already applied
 * The last three expire after replay_ttl_s: a webhook replayed within that
 * time is acknowledged and changes nothing.
 *
 * Ownership: struct consent owns its Redis connection (its own: the
 * pipeline's are not reachable from here) and the script. A call owns its
 * log line until its reply, which comes (NULL when Redis failed or the
 * connection was freed) exactly once.
 */
#ifndef RELAIS_CONSENT_H
#define RELAIS_CONSENT_H

struct config_redis;
struct event_base;
struct consent;

#define CONSENT_HISTORY_MAX	100	/* entries kept per id */

typedef void	(*consent_drained_cb)(void *arg);

/* Retention, from the configuration in force when a change comes. */
struct consent_limits {
	long	replay_ttl_s;		/* how long a MessageSid is remembered */
	long	history_ttl_s;		/* history kept after its last change */
	long	deliveries_maxlen;	/* approximate cap of deliveries */
};

/* Connects (and reconnects) to the redis section's server from start. */
struct consent	*consent_new(struct event_base *, const struct config_redis *);
void		 consent_start(struct consent *);
/* Calls still in flight get their reply now, as failures (logged). */
void		 consent_free(struct consent *);
/* cb runs once no call is in flight (at once when none is). */
void		 consent_drain(struct consent *, consent_drained_cb, void *arg);

/*
 * An opt-out: id goes on the suppression list with a record of now and
 * source, unless it is there already (then the record keeps its date and
 * source, and source is added to its "also"). message_sid (Twilio's, or
 * NULL) is remembered: the same one again changes nothing. The history gets
 * an entry. 0 once sent, -1 when Redis is not up.
 */
int		 consent_optout(struct consent *, const char *id,
		    const char *source, const char *message_sid,
		    const struct consent_limits *);
/*
 * An opt-in: takes id off the list only when its record's source is
 * lift_source and no other source asked too; otherwise the suppression
 * stays ("refused" in the history). message_sid as consent_optout().
 */
int		 consent_optin(struct consent *, const char *id,
		    const char *source, const char *lift_source,
		    const char *message_sid, const struct consent_limits *);
/*
 * A delivery status (Twilio status callback), recorded in deliveries as
 * the pipeline records outcomes: once per (message_sid, status).
 */
int		 consent_status(struct consent *, const char *message_sid,
		    const char *status, const char *error_code,
		    const struct consent_limits *);

/* What consent_feedback()'s script did, as its callback is told. */
#define CONSENT_APPLIED		0	/* written */
#define CONSENT_REPLAYED	1	/* seen before: nothing written */
#define CONSENT_FAILED		(-1)	/* not written: Redis failed */
typedef void	(*consent_done_cb)(void *arg, int result);

/* An email provider's report about an address (evhook.h). */
struct consent_feedback {
	const char	*id;		/* "email:ana@example.org" */
	const char	*source;	/* "sendgrid:bounce" */
	const char	*replay;	/* "evhook:sendgrid:<event id>" */
	const char	*gateway;	/* "sendgrid" */
	const char	*provider_id;	/* the provider's message id, or "" */
	const char	*status;	/* the provider's event: "deferred" */
	const char	*detail;	/* "blocked", a drop reason, or "" */
	int		 suppress;	/* 1: an opt-out; 0: a soft bounce */
};

/*
 * Applies a provider's report once per replay key: an opt-out as
 * consent_optout() (the provider's message id as its message_sid), or,
 * for a soft bounce, an entry in deliveries (outcome "status", channel
 * email, the address masked). 0 once sent: done then runs exactly once,
 * from the reply; -1 when Redis is not up (done is not called).
 */
int		 consent_feedback(struct consent *,
		    const struct consent_feedback *,
		    const struct consent_limits *, consent_done_cb done,
		    void *arg);

#endif
