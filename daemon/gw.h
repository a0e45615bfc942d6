/* Gateways: a table of kinds (gw_kind.h) behind one send interface. */
#ifndef RELAIS_GW_H
#define RELAIS_GW_H

#include <stddef.h>

#include <sys/queue.h>

#include "breaker.h"
#include "buf.h"
#include "gw_kind.h"

struct event_base;
struct http;
struct config;

enum gw_status {
	GW_SENT,	/* accepted by the provider */
	GW_RETRY,	/* transient failure: spends an attempt */
	GW_WAIT,	/* the provider asked us to wait (429): spends no attempt */
	GW_PERMANENT,	/* will never succeed as it is: dead letter */
};

struct gw_result {
	enum gw_status	 status;
	long		 retry_after_s;	/* -1 when the provider gave none */
	char		 reason[256];	/* why, for anything but GW_SENT */
	char		 provider_id[128];
	double		 ms;
	int		 optout;	/* the recipient opted out with the provider */
	int		 local;		/* refused by relais: never reached the gateway */
};

/* One message to send; borrowed for the duration of gw_send(). */
struct gw_msg {
	const char	*key;		/* delivery key, sent as Idempotency-Key */
	const char	*event_id;
	const char	*type;
	const char	*territory;
	const char	*role;
	const char	*channel;	/* "email" or "sms" */
	const char	*language;
	const char	*template;
	const char	*from;
	const char	*from_name;
	const char	*reply_to;
	const char	*to;
	const char	*subject;	/* email */
	const char	*text;
	const char	*html;		/* email, may be NULL */
	const char	*gateway;
	const char	*unsubscribe_url; /* email: List-Unsubscribe; NULL: none */
};

/* For gateway kinds only: the common part of every gateway. */
struct gw {
	const struct gw_kind	*kind;
	char			*name;
	struct event_base	*base;
	struct http		*http;
	void			*priv;
	struct breaker		*breaker;	/* run by gw.c around every kind */
	TAILQ_HEAD(, gw_call)	 calls;		/* sends not answered yet */
	/* shared rate limit (GCRA in Redis): 0 interval when none */
	long			 rate_interval_ms;
	long			 rate_tolerance_ms;
};

struct gw_set;

/* Creates every gateway of the config; -1 with a reason on failure. */
struct gw_set	*gw_set_new(struct event_base *, struct http *,
		    const struct config *, char *err, size_t errlen);
void		 gw_set_free(struct gw_set *);
struct gw	*gw_set_find(struct gw_set *, const char *name);
size_t		 gw_set_count(const struct gw_set *);
struct gw	*gw_set_at(struct gw_set *, size_t);
/*
 * Whether g's breaker would let a message through now, taking nothing (the
 * probe slot is taken by gw_send): closed, or past the cool-down with no
 * probe out. When not, *wait_ms says how long until it is worth asking again.
 */
int		 gw_available(struct gw *, long long *wait_ms);
/*
 * Sends through g's breaker. When the breaker refuses (it opened, or the
 * probe went out, since gw_available said yes) nothing is sent and cb gets
 * GW_WAIT. Returns -1 when the message could not even be queued (treat as
 * retry).
 */
int		 gw_send(struct gw *, const struct gw_msg *, gw_cb, void *arg);
/* The state of g's breaker now. */
enum breaker_state gw_breaker_state(const struct gw *);

/* The List-Unsubscribe-Post value of RFC 8058 one-click unsubscribing. */
#define GW_ONE_CLICK		"List-Unsubscribe=One-Click"
/* Longest unsubscribe URL: "List-Unsubscribe: <URL>" within 998 bytes. */
#define GW_UNSUBSCRIBE_MAX	900

/*
 * What an email's unsubscribe_url asks of the email kinds: 0 when none
 * (NULL or ""); 1 for List-Unsubscribe: <url> alone; 2 when it is an
 * https:// URL, which RFC 8058 requires for List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click too; -1 when the URL cannot go in a header
 * (not printable ASCII, a space, "<", ">", ",", or longer than
 * GW_UNSUBSCRIBE_MAX), a message to refuse.
 */
int		 gw_unsubscribe(const struct gw_msg *);

/* The JSON record of a message: an outbox line, a webhook body. */
void		 gw_record(const struct gw_msg *, struct buf *out);
/* Current time as RFC 3339 UTC with milliseconds. */
void		 gw_rfc3339(char *out, size_t outlen);

#endif
