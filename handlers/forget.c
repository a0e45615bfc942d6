/* relaisctl forget: erase a person everywhere relais keeps them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "followups.h"
#include "forget.h"
#include "store.h"

/* Whether an event's JSON is about this person (data.person.id). */
static int
forget_about(const char *s, size_t len, const char *pid)
{
	json_t	*ev;
	int	 yes;

	if ((ev = json_loadb(s, len, 0, NULL)) == NULL)
		return 0;
	yes = json_is_string(json_object_get(json_object_get(json_object_get(
	    ev, "data"), "person"), "id")) && strcmp(json_string_value(
	    json_object_get(json_object_get(json_object_get(ev, "data"),
	    "person"), "id")), pid) == 0;
	json_decref(ev);
	return yes;
}

static int
forget_failed(redisContext *rc, redisReply *r, char *err, size_t errlen)
{
	if (r != NULL && r->type != REDIS_REPLY_ERROR)
		return 0;
	snprintf(err, errlen, "%s", r != NULL ? r->str : rc->errstr);
	freeReplyObject(r);
	return 1;
}

/* HDEL pid from every hash named prefix+pattern (ledgers, digests). */
static int
forget_scan_hashes(redisContext *rc, const struct config *cf,
    const char *pattern, const char *pid, long long *count, char *err,
    size_t errlen)
{
	redisReply	*r, *d;
	char		 cursor[32] = "0", match[512];
	size_t		 i;

	snprintf(match, sizeof match, "%s%s", cf->redis.prefix, pattern);
	do {
		r = redisCommand(rc, "SCAN %s MATCH %s COUNT 1000", cursor, match);
		if (forget_failed(rc, r, err, errlen))
			return -1;
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		/* one round trip per page of keys */
		for (i = 0; i < r->element[1]->elements; i++)
			redisAppendCommand(rc, "HDEL %s %s",
			    r->element[1]->element[i]->str, pid);
		for (i = 0; i < r->element[1]->elements; i++) {
			d = NULL;
			if (redisGetReply(rc, (void **)&d) != REDIS_OK)
				d = NULL;
			if (forget_failed(rc, d, err, errlen)) {
				freeReplyObject(r);
				return -1;
			}
			*count += d->integer;
			freeReplyObject(d);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* Scheduled members ("retry A W KEY EVENT", "event 0 0 - EVENT") about pid. */
static int
forget_scheduled(redisContext *rc, const struct config *cf, const char *pid,
    long long *count, char *err, size_t errlen)
{
	redisReply	*r, *d;
	const char	*m, *ev;
	char		 cursor[32] = "0", key[256];
	size_t		 i;
	int		 sp;

	snprintf(key, sizeof key, "%sscheduled", cf->redis.prefix);
	do {
		r = redisCommand(rc, "ZSCAN %s %s COUNT 1000", key, cursor);
		if (forget_failed(rc, r, err, errlen))
			return -1;
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		for (i = 0; i < r->element[1]->elements; i += 2) {
			m = r->element[1]->element[i]->str;
			for (ev = m, sp = 0; *ev != '\0' && sp < 4; ev++)
				sp += *ev == ' ';
			if (sp < 4 || !forget_about(ev, strlen(ev), pid))
				continue;
			d = redisCommand(rc, "ZREM %s %b", key, m,
			    r->element[1]->element[i]->len);
			if (forget_failed(rc, d, err, errlen)) {
				freeReplyObject(r);
				return -1;
			}
			*count += d->integer;
			freeReplyObject(d);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* Stream entries whose field (event, payload) is an event about pid. */
static int
forget_stream(redisContext *rc, const struct config *cf, const char *name,
    const char *field, const char *pid, long long *count, char *err,
    size_t errlen)
{
	redisReply	*r, *d, *e, *f;
	char		 key[256], start[80] = "-";
	size_t		 i, k;

	snprintf(key, sizeof key, "%s%s", cf->redis.prefix, name);
	for (;;) {
		r = redisCommand(rc, "XRANGE %s %s + COUNT 1000", key, start);
		if (forget_failed(rc, r, err, errlen))
			return -1;
		for (i = 0; i < r->elements; i++) {
			e = r->element[i];
			f = e->element[1];
			for (k = 0; k + 1 < f->elements; k += 2) {
				if (strcmp(f->element[k]->str, field) != 0 ||
				    !forget_about(f->element[k + 1]->str,
				    f->element[k + 1]->len, pid))
					continue;
				d = redisCommand(rc, "XDEL %s %s", key,
				    e->element[0]->str);
				if (forget_failed(rc, d, err, errlen)) {
					freeReplyObject(r);
					return -1;
				}
				*count += d->integer;
				freeReplyObject(d);
				break;
			}
		}
		if (r->elements < 1000) {
			freeReplyObject(r);
			return 0;
		}
		snprintf(start, sizeof start, "(%.70s",
		    r->element[r->elements - 1]->element[0]->str);
		freeReplyObject(r);
	}
}

static int
forget_inbox(redisContext *rc, const struct config *cf, const char *pid,
    long long *count, char *err, size_t errlen)
{
	redisReply	*r, *d;
	char		 key[256];
	size_t		 i;

	snprintf(key, sizeof key, "%sinbox", cf->redis.prefix);
	r = redisCommand(rc, "LRANGE %s 0 -1", key);
	if (forget_failed(rc, r, err, errlen))
		return -1;
	for (i = 0; i < r->elements; i++) {
		if (!forget_about(r->element[i]->str, r->element[i]->len, pid))
			continue;
		d = redisCommand(rc, "LREM %s 0 %b", key, r->element[i]->str,
		    r->element[i]->len);
		if (forget_failed(rc, d, err, errlen)) {
			freeReplyObject(r);
			return -1;
		}
		*count += d->integer;
		freeReplyObject(d);
	}
	freeReplyObject(r);
	return 0;
}

int
forget_person(redisContext *rc, const struct config *cf, const char *pid,
    struct forget_report *rep, char *err, size_t errlen)
{
	redisReply	*r;
	json_t		*counts;
	const char	**argv;
	size_t		*argvlen, i, n;
	char		**seen, id[FOLLOWUP_ID_SIZE];
	struct buf	 b;

	memset(rep, 0, sizeof *rep);
	/* the person's own keys, atomically */
	n = 5 + cf->followups.nplan;
	argv = xcalloc(n, sizeof *argv);
	argvlen = xcalloc(n, sizeof *argvlen);
	seen = xcalloc(cf->followups.nplan + 1, sizeof *seen);
	argv[0] = "EVAL";
	argv[1] = store_forget_lua;
	argv[2] = "0";
	argv[3] = cf->redis.prefix;
	argv[4] = pid;
	for (i = 0; i < cf->followups.nplan; i++) {
		followup_event_id(pid, cf->followups.plan[i].kind, id);
		buf_init(&b);
		buf_printf(&b, "%sseen:%s", cf->redis.prefix, id);
		seen[i] = buf_steal(&b, NULL);
		argv[5 + i] = seen[i];
	}
	for (i = 0; i < n; i++)
		argvlen[i] = strlen(argv[i]);
	r = redisCommandArgv(rc, (int)n, argv, argvlen);
	for (i = 0; i < cf->followups.nplan; i++)
		free(seen[i]);
	free(seen);
	free(argv);
	free(argvlen);
	if (forget_failed(rc, r, err, errlen))
		return -1;
	if (r->type != REDIS_REPLY_STRING || (counts = json_loads(r->str, 0,
	    NULL)) == NULL) {
		snprintf(err, errlen, "forget: unexpected answer from Redis");
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	rep->person = json_integer_value(json_object_get(counts, "person"));
	rep->followups = json_integer_value(json_object_get(counts,
	    "followups"));
	rep->index = json_integer_value(json_object_get(counts, "index"));
	rep->caseload = json_integer_value(json_object_get(counts, "caseload"));
	rep->seen = json_integer_value(json_object_get(counts, "seen"));
	json_decref(counts);
	/* then where they appear among others */
	if (forget_scan_hashes(rc, cf, "announced:*", pid, &rep->ledgers, err,
	    errlen) == -1 ||
	    forget_scan_hashes(rc, cf, "digest:*", pid, &rep->digests, err,
	    errlen) == -1 ||
	    forget_scheduled(rc, cf, pid, &rep->scheduled, err, errlen) == -1 ||
	    forget_stream(rc, cf, "dead", "payload", pid, &rep->dead, err,
	    errlen) == -1 ||
	    forget_stream(rc, cf, "events", "event", pid, &rep->events, err,
	    errlen) == -1 ||
	    forget_inbox(rc, cf, pid, &rep->events, err, errlen) == -1)
		return -1;
	return 0;
}
