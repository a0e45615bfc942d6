/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Planning: one validated event to the deliveries it calls for, routed and
 * rendered, without any I/O. The daemon's pipeline sends what it plans;
 * `relaisctl render` prints it.
 */
#ifndef RELAIS_PLAN_H
#define RELAIS_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "handlers.h"
#include "idkey.h"
#include "render.h"

struct config;
struct config_route;
struct territory;
struct envelope;

enum plan_status {
	PLAN_SEND,	/* routed and rendered: to be sent */
	PLAN_SKIP,	/* not to be sent (no consent): recorded as skipped */
	PLAN_DEAD,	/* cannot be sent as it is: dead letter */
};

/* One message for one recipient on one channel. Strings borrow from the
 * config and the plan; to and msg are owned. */
struct plan_delivery {
	char				 key[IDKEY_LEN + 1];
	const char			*role;
	const char			*subject;	/* whom it is about, or "" */
	const char			*check;		/* "", "p" or "c": queue.h */
	const char			*channel;	/* "email" or "sms" */
	char				*to;
	const char			*territory;
	const struct territory		*terr;
	const char			*from;
	const char			*from_name;
	const char			*reply_to;
	const char			*template;	/* "-" when no route */
	const struct config_route	*route;		/* NULL when none matched */
	struct render_out		 msg;
	char				*unsubscribe_url; /* email: List-Unsubscribe, or NULL */
	const char			*encoding;	/* SMS: "gsm7" or "ucs2" */
	long				 segments;	/* SMS: parts billed */
	enum plan_status		 status;
	char				*reason;	/* plan_fail(): not sent */
	size_t				 note;	/* its notification in out.v */
};

struct plan {
	struct handler_out	 out;	/* the handler's notifications */
	struct plan_delivery	*v;
	size_t			 n;
};

/*
 * Runs the event's handler in ctx on the answer of its state function
 * (NULL, and no rows, for a preview), then routes and renders a delivery
 * per notification and channel. Returns -1 with a reason when the event as
 * a whole must be dead-lettered (unknown type, handler refusal).
 */
int	plan_build(const struct handler_ctx *, const struct envelope *,
	    const json_t *state, struct plan *, char *reason,
	    size_t reasonlen);
/* Keeps only the delivery with this key (a retry); returns how many remain. */
size_t	plan_keep(struct plan *, const char *key);
/*
 * Lets go of the notifications' variables: every delivery is rendered
 * once plan_build returns, and nothing of the plan borrows from them.
 */
void	plan_drop_vars(struct plan *);
/*
 * Lets go of the rendered messages (their language kept, which records,
 * logs and metrics read) once every send is answered: they are not read
 * again while the job waits for its commit with hundreds of others. A
 * commit that fails leaves the entry to be read, planned and rendered anew.
 */
void	plan_drop_messages(struct plan *);
void	plan_clear(struct plan *);
struct tz;
struct words;

/*
 * "2026-11-25" as "25 novembre 2026" (fr) or "November 25, 2026" (en),
 * with lang's words (w may be NULL: the ISO date); a date-time is shown
 * as the date it is in zone tz (when not NULL).
 */
int	plan_date_long(const char *date, const struct tz *tz,
	    const struct words *w, const char *lang, char *out, size_t outlen);
/*
 * What makes correct text easy to write in lang, as name in object o when
 * o does not hold it (a new reference, or NULL): KEY_long beside a date
 * ("25 novembre 2026"), phone_display beside a phone ("819 555-0131"),
 * full_name beside first_name or last_name (no dangling space), KEY_text
 * beside a list of strings ("courriel et texto"). The templates ask for
 * these when they name them (tmpl.h, derive), in any object of the
 * variables: only what a message uses is made, and what the handler set
 * is kept.
 */
json_t	*plan_derive(const json_t *o, const char *name, const struct tz *tz,
	    const struct words *w, const char *lang);

#endif
