/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Gateways: a table of kinds (gw_kind.h) behind one send interface. */
#ifndef RELAIS_GW_H
#define RELAIS_GW_H

#include <stddef.h>

#include <sys/queue.h>

#include "breaker.h"
#include "buf.h"
#include "gw_kind.h"
#include "gw_msg.h"

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

/* For gateway kinds only: the common part of every gateway. */
struct gw {
	const struct gw_kind	*kind;
	char			*name;
	struct event_base	*base;
	struct http		*http;
	void			*priv;
	struct breaker		*breaker;	/* run by gw.c around every kind */
	TAILQ_HEAD(, gw_call)	 calls;		/* sends not answered yet */
	TAILQ_HEAD(, gw_call)	 waiting;	/* admitted, no slot yet (gated) */
	size_t			 nwaiting;
	size_t			 nsending;	/* gated sends handed to the kind */
	size_t			 max_sending;	/* its max_concurrency */
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
 * retry). The message (what its pointers point to) is the caller's until
 * cb runs: a gated kind's send may wait for a slot and be made then; cb
 * gets GW_WAIT when the breaker opened meanwhile, GW_RETRY when the kind
 * refused it then (as -1 here).
 */
int		 gw_send(struct gw *, const struct gw_msg *, gw_cb, void *arg);
/* A gated gateway's sends handed to its kind, and those waiting for a slot. */
size_t		 gw_sending(const struct gw *);
size_t		 gw_waiting(const struct gw *);
/* The state of g's breaker now. */
enum breaker_state gw_breaker_state(const struct gw *);

#endif
