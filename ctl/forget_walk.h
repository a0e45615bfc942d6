/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The search behind relaisctl forget and export (forget.h): a person
 * everywhere relais keeps them, each thing found handed to a visit (forget
 * erases it, export lists it), so that an export lists exactly what a
 * forget would erase. Shared by forget.c and forget_walk.c only.
 * Synchronous, on relaisctl's connection. The replies a visit is handed
 * belong to the search: they are freed when the visit returns.
 */
#ifndef RELAIS_FORGET_WALK_H
#define RELAIS_FORGET_WALK_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct config;
struct pii;

#define FORGET_BY_EVENT	0x10	/* one of their events, by its id */

/* Where the search looks, in its order (deliveries last: see forget_walk). */
enum forget_place {
	FORGET_LEDGER,
	FORGET_DIGEST,
	FORGET_REMINDERS,
	FORGET_INDEX,
	FORGET_CASELOAD,
	FORGET_SCHEDULED,
	FORGET_DEAD,
	FORGET_EVENTS,
	FORGET_INBOX,
	FORGET_DELIVERIES,
	FORGET_OPEN,		/* followups-open:<territory>, "<kind>:<id>" */
	FORGET_NPLACES
};

/*
 * One thing found. key is the Redis key; for a stream entry, entry is its
 * [id, [field, value...]]; for a sorted set, member and value (the score);
 * for a list, member; for a hash, value (the field is the person id).
 * why: PII_* and FORGET_BY_EVENT bits; 0 when listed under the person id.
 */
struct forget_hit {
	enum forget_place	 place;
	const char		*key;
	const redisReply	*entry;
	const redisReply	*member;
	const redisReply	*value;
	int			 why;
};

struct forget_search;
/* Called for each thing found: forget erases it, export lists it. */
typedef int	(*forget_visit_cb)(struct forget_search *,
		    const struct forget_hit *);

struct forget_set {
	char	**v;
	size_t	  n;
};

struct forget_search {
	redisContext		*rc;
	const struct config	*cf;
	struct pii		*who;
	struct forget_set	 events;	/* their event ids */
	struct forget_set	 providers;	/* their messages' provider ids */
	forget_visit_cb		 visit;
	void			*arg;
	size_t			 found;
	char			*err;
	size_t			 errlen;
};

/* Starts a search for who, each thing found handed to visit (arg: its own). */
void	forget_search_init(struct forget_search *, redisContext *,
	    const struct config *, struct pii *who, forget_visit_cb visit,
	    void *arg, char *err, size_t errlen);
void	forget_search_clear(struct forget_search *);
/* Whether r failed (NULL, an error, or not of type): r freed, the message in err. */
int	forget_failed(struct forget_search *, redisReply *r, int type);
/*
 * The person's stored profile (a new reply in *out, or NULL when there is
 * none): its email and phone are searched for too, the events that
 * registered them and assigned their counsellor are theirs, as are their
 * follow-ups'. 0, or -1 with the message in err.
 */
int	forget_profile(struct forget_search *, redisReply **out);
/*
 * The search, the same for forget and export: every place, each thing
 * found handed to the visit. 0, or -1 (a failure, or a visit's -1).
 */
int	forget_walk(struct forget_search *);

#endif
