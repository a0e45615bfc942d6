/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl forget and export: the search for a person everywhere relais keeps them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "followups.h"
#include "forget_walk.h"
#include "pii.h"

#define FORGET_EVENT_MAX 256	/* bytes of an event or provider id kept */
#define FORGET_PAGE	1000	/* stream entries, keys or members a page */

static int
forget_set_has(const struct forget_set *set, const char *s)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i], s) == 0)
			return 1;
	}
	return 0;
}

static void
forget_set_add(struct forget_set *set, const char *s)
{
	if (*s == '\0' || strlen(s) >= FORGET_EVENT_MAX ||
	    forget_set_has(set, s))
		return;
	set->v = xrealloc(set->v, (set->n + 1) * sizeof *set->v);
	set->v[set->n++] = xstrdup(s);
}

static void
forget_set_free(struct forget_set *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		free(set->v[i]);
	free(set->v);
	memset(set, 0, sizeof *set);
}

int
forget_failed(struct forget_search *s, redisReply *r, int type)
{
	if (r != NULL && r->type == type)
		return 0;
	snprintf(s->err, s->errlen, "%s", r == NULL ? s->rc->errstr :
	    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return 1;
}

int
forget_profile(struct forget_search *s, redisReply **out)
{
	redisReply	*r;
	char		 key[512], fu[FOLLOWUP_ID_SIZE], err[128];
	const char	*f, *v;
	size_t		 i;

	*out = NULL;
	snprintf(key, sizeof key, "%sperson:%s", s->cf->redis.prefix,
	    pii_id(s->who));
	r = redisCommand(s->rc, "HGETALL %s", key);
	if (forget_failed(s, r, REDIS_REPLY_ARRAY))
		return -1;
	for (i = 0; i + 1 < r->elements; i += 2) {
		f = r->element[i]->str;
		v = r->element[i + 1]->str;
		/* an address relaisd stored is searched for as it is */
		if (strcmp(f, "email") == 0 && *v != '\0')
			(void)pii_add_email(s->who, v, err, sizeof err);
		else if (strcmp(f, "phone") == 0 && *v != '\0')
			(void)pii_add_phone(s->who, v, err, sizeof err);
		else if (strcmp(f, "arrived_by") == 0 ||
		    strcmp(f, "assigned_by") == 0)
			forget_set_add(&s->events, v);
	}
	for (i = 0; i < s->cf->followups.nplan; i++) {
		followup_event_id(pii_id(s->who), s->cf->followups.plan[i].kind,
		    fu);
		forget_set_add(&s->events, fu);
	}
	if (r->elements > 0)
		*out = r;
	else
		freeReplyObject(r);
	return 0;
}

static int
forget_hit(struct forget_search *s, const struct forget_hit *h)
{
	s->found++;
	return s->visit(s, h);
}

/*
 * Hashes (HGET) or sorted sets (ZSCORE) named prefix+pattern that list the
 * person id. The replies of a page are all read before any is visited: a
 * visit may send commands of its own.
 */
static int
forget_walk_keyed(struct forget_search *s, enum forget_place place,
    const char *pattern, const char *cmd)
{
	struct forget_hit	 h;
	redisReply		*r, **got = NULL;
	char			 cursor[32] = "0", match[512];
	size_t			 i, n;
	int			 rc = 0;

	snprintf(match, sizeof match, "%s%s", s->cf->redis.prefix, pattern);
	do {
		r = redisCommand(s->rc, "SCAN %s MATCH %s COUNT %d", cursor,
		    match, FORGET_PAGE);
		if (forget_failed(s, r, REDIS_REPLY_ARRAY))
			return -1;
		if (r->elements != 2) {
			snprintf(s->err, s->errlen, "SCAN: unexpected reply");
			freeReplyObject(r);
			return -1;
		}
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		n = r->element[1]->elements;
		got = xcalloc(n + 1, sizeof *got);
		for (i = 0; i < n; i++)
			redisAppendCommand(s->rc, "%s %s %s", cmd,
			    r->element[1]->element[i]->str, pii_id(s->who));
		for (i = 0; i < n; i++) {
			if (redisGetReply(s->rc, (void **)&got[i]) != REDIS_OK)
				got[i] = NULL;
		}
		for (i = 0; i < n && rc == 0; i++) {
			if (got[i] != NULL && got[i]->type == REDIS_REPLY_NIL)
				continue;
			if (forget_failed(s, got[i], REDIS_REPLY_STRING)) {
				got[i] = NULL;
				rc = -1;
				break;
			}
			memset(&h, 0, sizeof h);
			h.place = place;
			h.key = r->element[1]->element[i]->str;
			h.value = got[i];
			rc = forget_hit(s, &h);
		}
		for (i = 0; i < n; i++)
			freeReplyObject(got[i]);
		free(got);
		freeReplyObject(r);
	} while (rc == 0 && strcmp(cursor, "0") != 0);
	return rc;
}

/*
 * What of the person a stream entry's fields hold (why bits). An entry
 * found gives its event id, and a delivery its provider id, to the search:
 * the deliveries of their events are theirs.
 */
static int
forget_about_entry(struct forget_search *s, enum forget_place place,
    const redisReply *f)
{
	const redisReply	*k, *v;
	const char		*provider = NULL;
	char			 ev[FORGET_EVENT_MAX] = "";
	size_t			 i;
	int			 why = 0;

	for (i = 0; i + 1 < f->elements; i += 2) {
		k = f->element[i];
		v = f->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING)
			continue;
		why |= pii_match(s->who, k->str, k->len) |
		    pii_match(s->who, v->str, v->len);
		if (strcmp(k->str, "event_id") == 0)
			snprintf(ev, sizeof ev, "%s", v->str);
		else if (ev[0] == '\0' && (strcmp(k->str, "event") == 0 ||
		    strcmp(k->str, "payload") == 0))
			(void)pii_event_id(v->str, v->len, ev, sizeof ev);
		else if (strcmp(k->str, "provider_id") == 0 && v->len > 0)
			provider = v->str;
	}
	if ((ev[0] != '\0' && forget_set_has(&s->events, ev)) ||
	    (provider != NULL && forget_set_has(&s->providers, provider)))
		why |= FORGET_BY_EVENT;
	if (why != 0) {
		forget_set_add(&s->events, ev);
		if (provider != NULL && place == FORGET_DELIVERIES)
			forget_set_add(&s->providers, provider);
	}
	return why;
}

/* Entries of stream prefix+name that hold the person, page by page. */
static int
forget_walk_stream(struct forget_search *s, enum forget_place place,
    const char *name)
{
	struct forget_hit	 h;
	redisReply		*r;
	const redisReply	*e;
	char			 key[512], start[80] = "-";
	size_t			 i;
	int			 rc = 0;

	snprintf(key, sizeof key, "%s%s", s->cf->redis.prefix, name);
	for (;;) {
		r = redisCommand(s->rc, "XRANGE %s %s + COUNT %d", key, start,
		    FORGET_PAGE);
		if (forget_failed(s, r, REDIS_REPLY_ARRAY))
			return -1;
		for (i = 0; i < r->elements && rc == 0; i++) {
			e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[1]->type != REDIS_REPLY_ARRAY)
				continue;	/* an entry deleted meanwhile */
			memset(&h, 0, sizeof h);
			if ((h.why = forget_about_entry(s, place,
			    e->element[1])) == 0)
				continue;
			h.place = place;
			h.key = key;
			h.entry = e;
			rc = forget_hit(s, &h);
		}
		if (rc != 0 || r->elements < FORGET_PAGE) {
			freeReplyObject(r);
			return rc;
		}
		snprintf(start, sizeof start, "(%.70s",
		    r->element[r->elements - 1]->element[0]->str);
		freeReplyObject(r);
	}
}

/* What of the person an event's bytes hold; the event id joins theirs. */
static int
forget_about_event(struct forget_search *s, const char *p, size_t len)
{
	char	ev[FORGET_EVENT_MAX];
	int	why, has_id;

	why = pii_match(s->who, p, len);
	has_id = pii_event_id(p, len, ev, sizeof ev) == 0;
	if (has_id && forget_set_has(&s->events, ev))
		why |= FORGET_BY_EVENT;
	if (why != 0 && has_id)
		forget_set_add(&s->events, ev);
	return why;
}

/* Members of the scheduled set ("retry A W KEY EVENT", "event 0 0 - EVENT"). */
static int
forget_walk_scheduled(struct forget_search *s)
{
	struct forget_hit	 h;
	redisReply		*r;
	const redisReply	*m;
	char			 key[512], cursor[32] = "0";
	size_t			 i;
	int			 rc = 0;

	snprintf(key, sizeof key, "%sscheduled", s->cf->redis.prefix);
	do {
		r = redisCommand(s->rc, "ZSCAN %s %s COUNT %d", key, cursor,
		    FORGET_PAGE);
		if (forget_failed(s, r, REDIS_REPLY_ARRAY))
			return -1;
		if (r->elements != 2) {
			snprintf(s->err, s->errlen, "ZSCAN: unexpected reply");
			freeReplyObject(r);
			return -1;
		}
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		for (i = 0; i + 1 < r->element[1]->elements && rc == 0; i += 2) {
			m = r->element[1]->element[i];
			memset(&h, 0, sizeof h);
			if ((h.why = forget_about_event(s, m->str, m->len)) == 0)
				continue;
			h.place = FORGET_SCHEDULED;
			h.key = key;
			h.member = m;
			h.value = r->element[1]->element[i + 1];
			rc = forget_hit(s, &h);
		}
		freeReplyObject(r);
	} while (rc == 0 && strcmp(cursor, "0") != 0);
	return rc;
}

static int
forget_walk_inbox(struct forget_search *s)
{
	struct forget_hit	 h;
	redisReply		*r;
	char			 key[512];
	size_t			 i;
	int			 rc = 0;

	snprintf(key, sizeof key, "%sinbox", s->cf->redis.prefix);
	r = redisCommand(s->rc, "LRANGE %s 0 -1", key);
	if (forget_failed(s, r, REDIS_REPLY_ARRAY))
		return -1;
	for (i = 0; i < r->elements && rc == 0; i++) {
		memset(&h, 0, sizeof h);
		if ((h.why = forget_about_event(s, r->element[i]->str,
		    r->element[i]->len)) == 0)
			continue;
		h.place = FORGET_INBOX;
		h.key = key;
		h.member = r->element[i];
		rc = forget_hit(s, &h);
	}
	freeReplyObject(r);
	return rc;
}

/*
 * The person's open follow-ups ("<kind>:<id>") in every territory's
 * followups-open, not only their territory's now: a member left behind
 * by an older relaisd (a move, a forget) names them too (Law 25).
 */
static int
forget_walk_open(struct forget_search *s)
{
	struct forget_hit	 h;
	redisReply		*k, *r;
	const redisReply	*m;
	const char		*id = pii_id(s->who), *c;
	char			 kc[32] = "0", zc[32], pat[512], match[300];
	size_t			 i, j, n;
	int			 rc = 0;

	/* "*:<id>" with the id's glob characters escaped */
	n = snprintf(match, sizeof match, "*:");
	for (c = id; *c != '\0' && n + 3 < sizeof match; c++) {
		if (strchr("*?[]\\", *c) != NULL)
			match[n++] = '\\';
		match[n++] = *c;
	}
	match[n] = '\0';
	snprintf(pat, sizeof pat, "%sfollowups-open:*", s->cf->redis.prefix);
	do {
		k = redisCommand(s->rc, "SCAN %s MATCH %s COUNT %d", kc, pat,
		    FORGET_PAGE);
		if (forget_failed(s, k, REDIS_REPLY_ARRAY))
			return -1;
		if (k->elements != 2) {
			snprintf(s->err, s->errlen, "SCAN: unexpected reply");
			freeReplyObject(k);
			return -1;
		}
		snprintf(kc, sizeof kc, "%s", k->element[0]->str);
		for (i = 0; i < k->element[1]->elements && rc == 0; i++) {
			snprintf(zc, sizeof zc, "0");
			do {
				r = redisCommand(s->rc, "ZSCAN %s %s MATCH %s "
				    "COUNT %d", k->element[1]->element[i]->str,
				    zc, match, FORGET_PAGE);
				if (forget_failed(s, r, REDIS_REPLY_ARRAY)) {
					freeReplyObject(k);
					return -1;
				}
				if (r->elements != 2) {
					snprintf(s->err, s->errlen, "ZSCAN: "
					    "unexpected reply");
					freeReplyObject(r);
					freeReplyObject(k);
					return -1;
				}
				snprintf(zc, sizeof zc, "%s",
				    r->element[0]->str);
				for (j = 0; j + 1 < r->element[1]->elements &&
				    rc == 0; j += 2) {
					m = r->element[1]->element[j];
					/* a kind has no ':': the rest is the id */
					c = memchr(m->str, ':', m->len);
					if (c == NULL || strcmp(c + 1, id) != 0)
						continue;
					memset(&h, 0, sizeof h);
					h.place = FORGET_OPEN;
					h.key = k->element[1]->element[i]->str;
					h.member = m;
					h.value = r->element[1]->element[j + 1];
					rc = forget_hit(s, &h);
				}
				freeReplyObject(r);
			} while (rc == 0 && strcmp(zc, "0") != 0);
		}
		freeReplyObject(k);
	} while (rc == 0 && strcmp(kc, "0") != 0);
	return rc;
}

/*
 * Deliveries come last: they are found by the event ids gathered before
 * (the profile's, their follow-ups', those of the entries found), since
 * the stream keeps addresses masked.
 */
int
forget_walk(struct forget_search *s)
{
	if (forget_walk_keyed(s, FORGET_LEDGER, "announced:*", "HGET") == -1 ||
	    forget_walk_keyed(s, FORGET_DIGEST, "digest:*", "HGET") == -1 ||
	    forget_walk_keyed(s, FORGET_REMINDERS, "reminders:*", "HGET") == -1 ||
	    forget_walk_keyed(s, FORGET_INDEX, "mx:p:*", "HGET") == -1 ||
	    forget_walk_keyed(s, FORGET_CASELOAD, "caseload:*", "ZSCORE") == -1 ||
	    forget_walk_scheduled(s) == -1 ||
	    forget_walk_open(s) == -1 ||
	    forget_walk_stream(s, FORGET_DEAD, "dead") == -1 ||
	    forget_walk_stream(s, FORGET_EVENTS, "events") == -1 ||
	    forget_walk_inbox(s) == -1 ||
	    forget_walk_stream(s, FORGET_DELIVERIES, "deliveries") == -1)
		return -1;
	return 0;
}

void
forget_search_init(struct forget_search *s, redisContext *rc,
    const struct config *cf, struct pii *who, forget_visit_cb visit,
    void *arg, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->rc = rc;
	s->cf = cf;
	s->who = who;
	s->visit = visit;
	s->arg = arg;
	s->err = err;
	s->errlen = errlen;
}

void
forget_search_clear(struct forget_search *s)
{
	forget_set_free(&s->events);
	forget_set_free(&s->providers);
}
