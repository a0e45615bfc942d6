/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl status: the queues, the scheduled set by kind, and whether relais is healthy. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "queue_lua.h"
#include "relaisctl.h"

/* How many delivery records tell a retry from a deferral, at most. */
#define CTL_SCHED_LOOKBACK	10000
/* A delivery key, with room (idkey.h's are 32 hex digits). */
#define CTL_SCHED_KEY		128

enum ctl_sched_kind {
	CTL_SCHED_RETRY,
	CTL_SCHED_DEFERRED,	/* a time window, the daily cap */
	CTL_SCHED_FOLLOWUP,
	CTL_SCHED_DIGEST,
	CTL_SCHED_REMINDER,
	CTL_SCHED_OTHER,
	CTL_SCHED_N
};

/* A retry member whose kind its counts do not tell: its delivery key. */
struct ctl_sched_key {
	char			*key;
	enum ctl_sched_kind	 kind;
	int			 known;
};

/* What the health checks found. */
struct ctl_health {
	int		 ok;
	struct buf	 why;		/* "; "-separated */
	char		 last_id[64];	/* the group's last delivered id */
	int		 group;		/* the group exists */
};

static void
ctl_health_fail(struct ctl_health *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ctl_health_fail(struct ctl_health *h, const char *fmt, ...)
{
	va_list	ap;

	if (h->why.len > 0)
		buf_puts(&h->why, "; ");
	va_start(ap, fmt);
	buf_vprintf(&h->why, fmt, ap);
	va_end(ap);
	h->ok = 0;
}

static size_t
ctl_curl_write(char *p, size_t size, size_t n, void *arg)
{
	buf_append(arg, p, size * n);
	return size * n;
}

/* GET http://<admin.listen><path>: the status code, or -1 when unreachable. */
static long
ctl_admin_get(struct ctl *c, const char *path, struct buf *body)
{
	struct buf	 url;
	CURL		*e;
	long		 code = -1;

	buf_init(&url);
	buf_printf(&url, "http://%s%s", c->cf->admin_listen, path);
	if ((e = curl_easy_init()) == NULL) {
		buf_free(&url);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ctl_curl_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(e);
	buf_free(&url);
	return code;
}

/* Why the admin port cannot be asked, or NULL when it can. */
static const char *
ctl_admin_unasked(struct ctl *c, int no_admin)
{
	const char	*l = c->cf->admin_listen;
	size_t		 n = strlen(l);

	if (no_admin)
		return "not asked (--no-admin)";
	if (strcmp(l, "off") == 0)
		return "not asked (admin.listen is off)";
	if (n == 0)
		return "not asked (admin.listen uses a variable that is not set)";
	if (n >= 2 && strcmp(l + n - 2, ":0") == 0)
		return "not asked (admin.listen has port 0: relaisd picks one "
		    "when it starts)";
	return NULL;
}

/* Gateways' breakers, from the admin port's /metrics (this host's relaisd). */
static void
ctl_status_gateways(struct ctl *c)
{
	static const char *const states[] = { "closed", "half-open", "open" };
	struct buf	 body;
	char		*line, *next, name[128];
	int		 v;

	buf_init(&body);
	if (ctl_admin_get(c, "/metrics", &body) != 200 || body.data == NULL) {
		printf("gateways:         admin port %s not reachable (is relaisd "
		    "running here?)\n", c->cf->admin_listen);
		buf_free(&body);
		return;
	}
	printf("gateways (breakers, this host's relaisd):\n");
	for (line = body.data; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (sscanf(line, "relais_gateway_breaker_state{gateway=\"%127[^\"]\"}"
		    " %d", name, &v) == 2 && v >= 0 && v <= 2)
			printf("  %-15s %s\n", name, states[v]);
	}
	buf_free(&body);
}

/* Dead letters of the last 1,000 by reason (the text before any quote). */
static void
ctl_status_dead(struct ctl *c)
{
	redisReply	*rep;
	char		 reasons[16][80], r[80];
	unsigned long	 counts[16];
	size_t		 i, k, n = 0;

	rep = redisCommand(c->rc, "XREVRANGE %s + - COUNT 1000",
	    ctl_key(c, "dead"));
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) {
		freeReplyObject(rep);
		return;
	}
	for (i = 0; i < rep->elements; i++) {
		ctl_reason_class(ctl_field(rep->element[i]->element[1],
		    "reason"), r, sizeof r);
		for (k = 0; k < n && strcmp(reasons[k], r) != 0; k++)
			;
		if (k == n && n < 16) {
			snprintf(reasons[n], sizeof reasons[n], "%s", r);
			counts[n++] = 0;
		}
		if (k < n)
			counts[k]++;
	}
	printf("dead letters by reason (last %zu):\n", rep->elements);
	for (k = 0; k < n; k++)
		printf("  %6lu  %s\n", counts[k], reasons[k]);
	freeReplyObject(rep);
}

/* A delivery record of a deferral, as this relaisd or an older one wrote it. */
static int
ctl_sched_deferred(const redisReply *f)
{
	return strcmp(ctl_field(f, "outcome"), "deferred") == 0 ||
	    strncmp(ctl_field(f, "reason"), "outside window", 14) == 0;
}

static int
ctl_sched_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctl_sched_key *)a)->key,
	    ((const struct ctl_sched_key *)b)->key);
}

/*
 * Retries and deferrals (a time window, the daily cap) are both "retry
 * ATTEMPT WAITS KEY EVENT" members. A deferral spends nothing: 0 0 is
 * always one. Other counts are told by the newest delivery record of the
 * key: outcome "deferred" (or, recorded by a relaisd before that outcome,
 * "retry" with "outside window ..."). Returns how many stayed unknown
 * (counted as retries).
 */
static size_t
ctl_sched_resolve(struct ctl *c, struct ctl_sched_key *keys, size_t n)
{
	struct ctl_sched_key	 probe, *k;
	redisReply		*rep;
	const redisReply	*f;
	char			 end[80] = "+";
	size_t			 i, seen = 0, left = n, unknown = 0;

	if (n == 0)
		return 0;
	qsort(keys, n, sizeof *keys, ctl_sched_cmp);
	while (left > 0 && seen < CTL_SCHED_LOOKBACK) {
		rep = redisCommand(c->rc, "XREVRANGE %s %s - COUNT 1000",
		    ctl_key(c, "deliveries"), end);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
		    rep->elements == 0) {
			freeReplyObject(rep);
			break;
		}
		for (i = 0; i < rep->elements; i++) {
			f = rep->element[i]->element[1];
			if (strcmp(ctl_field(f, "outcome"), "retry") != 0 &&
			    strcmp(ctl_field(f, "outcome"), "deferred") != 0)
				continue;
			probe.key = (char *)(uintptr_t)ctl_field(f, "key");
			if ((k = bsearch(&probe, keys, n, sizeof *keys,
			    ctl_sched_cmp)) == NULL)
				continue;
			/* equal keys sit together: resolve the whole run */
			while (k > keys && strcmp(k[-1].key, probe.key) == 0)
				k--;
			for (; k < keys + n && strcmp(k->key, probe.key) == 0;
			    k++) {
				if (k->known)
					continue;
				k->known = 1;
				k->kind = ctl_sched_deferred(f) ?
				    CTL_SCHED_DEFERRED : CTL_SCHED_RETRY;
				left--;
			}
		}
		seen += rep->elements;
		snprintf(end, sizeof end, "(%.60s",
		    rep->element[rep->elements - 1]->element[0]->str);
		freeReplyObject(rep);
	}
	for (i = 0; i < n; i++) {
		if (!keys[i].known) {
			keys[i].kind = CTL_SCHED_RETRY;
			unknown++;
		}
	}
	return unknown;
}

/*
 * One member of the scheduled set: its kind, or -1 for a retry its counts
 * do not tell, its delivery key in key.
 */
static int
ctl_sched_kind(const char *m, char key[CTL_SCHED_KEY])
{
	const char	*t;
	long		 attempt, waits;

	if (strncmp(m, "retry ", 6) == 0) {
		if (sscanf(m, "retry %ld %ld %127s", &attempt, &waits, key) != 3)
			return CTL_SCHED_OTHER;
		return attempt == 0 && waits == 0 ? CTL_SCHED_DEFERRED : -1;
	}
	t = strstr(m, "\"type\":\"");
	if (t != NULL && strncmp(t + 8, "followup.due\"", 13) == 0)
		return CTL_SCHED_FOLLOWUP;
	if (t != NULL && strncmp(t + 8, "match.digest\"", 13) == 0)
		return CTL_SCHED_DIGEST;
	if (t != NULL && strncmp(t + 8, "followup.reminders\"", 19) == 0)
		return CTL_SCHED_REMINDER;
	return CTL_SCHED_OTHER;
}

static const char *const ctl_sched_names[CTL_SCHED_N] = { "retries",
    "deferred (window or cap)", "follow-ups (followup.due)",
    "digests (match.digest)", "reminders (followup.reminders)", "other" };

/*
 * The scheduled set by kind from scheduled:kinds (queue_lua.h), kept by
 * relaisd's scripts: no scan. A retry there is told by its counts alone
 * (a deferral after a try counts as a retry). Returns -1 when the hash
 * does not add up to the set (a store of an older relaisd not counted
 * yet, members added by hand): the set is read then.
 */
static int
ctl_status_kinds(struct ctl *c)
{
	static const char *const fields[] = QUEUE_SCHED_KIND_NAMES;
	long long		 n[CTL_SCHED_N] = { 0 }, sum = 0, v;
	const redisReply	*h;
	redisReply		*rep;
	char			 now[32];
	size_t			 i, k;

	snprintf(now, sizeof now, "%lld", (long long)clock_now_ms());
	rep = redisCommand(c->rc, "EVAL %s 0 %s %s 0", queue_kinds_lua,
	    c->cf->redis.prefix, now);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != 4 || rep->element[0]->type != REDIS_REPLY_ARRAY ||
	    rep->element[2]->type != REDIS_REPLY_INTEGER ||
	    rep->element[3]->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(rep);
		return -1;
	}
	h = rep->element[0];
	for (i = 0; i + 1 < h->elements; i += 2) {
		if (h->element[i]->type != REDIS_REPLY_STRING ||
		    h->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		v = strtoll(h->element[i + 1]->str, NULL, 10);
		for (k = 0; k < CTL_SCHED_OTHER &&
		    strcmp(h->element[i]->str, fields[k]) != 0; k++)
			;
		n[k] += v;
		sum += v;
	}
	if (sum != rep->element[3]->integer) {
		freeReplyObject(rep);
		return -1;
	}
	for (k = 0; k < CTL_SCHED_N; k++) {
		if (n[k] > 0)
			printf("  %-26s %lld\n", ctl_sched_names[k], n[k]);
	}
	if (rep->element[2]->integer > 0)
		printf("  %-26s %lld\n", "due now (moving to stream)",
		    rep->element[2]->integer);
	freeReplyObject(rep);
	return 0;
}

/*
 * The scheduled set by kind: retries (after a failure or a gateway's
 * wait), deferrals (a route's time window, the daily cap), planned follow-ups,
 * employers' digests, counsellors' reminder emails; how many are due
 * already. From scheduled:kinds, or else by reading the set, a retry's
 * kind told by its delivery record.
 */
static void
ctl_status_scheduled(struct ctl *c)
{
	const char *const	*names = ctl_sched_names;
	unsigned long long	 n[CTL_SCHED_N] = { 0 };
	struct ctl_sched_key	*keys = NULL;
	redisReply		*rep;
	char			 cursor[32] = "0", now[32], key[CTL_SCHED_KEY];
	size_t			 i, nkeys = 0, unknown;
	int			 k;

	if (ctl_status_kinds(c) == 0)
		return;
	do {
		rep = redisCommand(c->rc, "ZSCAN %s %s COUNT 1000",
		    ctl_key(c, "scheduled"), cursor);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
		    rep->elements != 2) {
			freeReplyObject(rep);
			goto done;
		}
		snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
		for (i = 0; i < rep->element[1]->elements; i += 2) {
			k = ctl_sched_kind(rep->element[1]->element[i]->str, key);
			if (k >= 0) {
				n[k]++;
				continue;
			}
			keys = xrealloc(keys, (nkeys + 1) * sizeof *keys);
			keys[nkeys].key = xstrdup(key);
			keys[nkeys++].known = 0;
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	unknown = ctl_sched_resolve(c, keys, nkeys);
	for (i = 0; i < nkeys; i++)
		n[keys[i].kind]++;
	for (k = 0; k < CTL_SCHED_N; k++) {
		if (n[k] > 0)
			printf("  %-26s %llu\n", names[k], n[k]);
	}
	if (unknown > 0)
		printf("  (%zu of the retries are not in the newest %d delivery "
		    "records: retries or deferrals)\n", unknown,
		    CTL_SCHED_LOOKBACK);
	snprintf(now, sizeof now, "%lld", (long long)clock_now_ms());
	rep = redisCommand(c->rc, "ZCOUNT %s -inf %s", ctl_key(c, "scheduled"),
	    now);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		printf("  %-26s %lld\n", "due now (moving to stream)",
		    rep->integer);
	freeReplyObject(rep);
done:
	for (i = 0; i < nkeys; i++)
		free(keys[i].key);
	free(keys);
}

/* XINFO GROUPS, printed; the group of the configuration is noted. */
static void
ctl_status_groups(struct ctl *c, struct ctl_health *h)
{
	const redisReply	*g, *kk, *vv;
	redisReply		*rep;
	size_t			 i, k;
	int			 ours;

	rep = redisCommand(c->rc, "XINFO GROUPS %s", ctl_key(c, "events"));
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		printf("group:            none yet (relaisd never started)\n");
		freeReplyObject(rep);
		return;
	}
	for (i = 0; i < rep->elements; i++) {
		g = rep->element[i];
		if (g->type != REDIS_REPLY_ARRAY)
			continue;
		ours = strcmp(ctl_field(g, "name"), c->cf->redis.group) == 0;
		if (ours) {
			h->group = 1;
			snprintf(h->last_id, sizeof h->last_id, "%s",
			    ctl_field(g, "last-delivered-id"));
		}
		for (k = 0; k + 1 < g->elements; k += 2) {
			kk = g->element[k];
			vv = g->element[k + 1];
			if (strcmp(kk->str, "name") == 0)
				printf("group %s:\n", vv->str);
			else if (vv->type == REDIS_REPLY_INTEGER)
				printf("  %-15s %lld\n", kk->str, vv->integer);
			else if (vv->type == REDIS_REPLY_STRING)
				printf("  %-15s %s\n", kk->str, vv->str);
		}
	}
	freeReplyObject(rep);
}

static void
ctl_print_age(const char *label, long long ms)
{
	if (ms < 120000)
		printf("%s%.1f s", label, (double)ms / 1000);
	else if (ms < 7200000)
		printf("%s%lld min", label, ms / 60000);
	else if (ms < 172800000)
		printf("%s%lld h", label, ms / 3600000);
	else
		printf("%s%lld d", label, ms / 86400000);
}

/* The group's consumers: one Redis saw within max_idle_ms is live. */
static void
ctl_health_consumers(struct ctl *c, struct ctl_health *h, long long max_idle_ms)
{
	const redisReply	*e;
	redisReply		*rep;
	long long		 idle, pending;
	size_t			 i, k, live = 0;

	rep = redisCommand(c->rc, "XINFO CONSUMERS %s %s", ctl_key(c, "events"),
	    c->cf->redis.group);
	for (i = 0; rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    i < rep->elements; i++) {
		e = rep->element[i];
		idle = pending = -1;
		for (k = 0; e->type == REDIS_REPLY_ARRAY && k + 1 < e->elements;
		    k += 2) {
			if (e->element[k + 1]->type != REDIS_REPLY_INTEGER)
				continue;
			if (strcmp(e->element[k]->str, "idle") == 0)
				idle = e->element[k + 1]->integer;
			else if (strcmp(e->element[k]->str, "pending") == 0)
				pending = e->element[k + 1]->integer;
		}
		printf("  consumer %-16s", ctl_field(e, "name"));
		ctl_print_age(" last seen ", idle);
		printf(" ago, %lld pending: %s\n", pending, idle >= 0 &&
		    idle <= max_idle_ms ? "live" : "gone");
		if (idle >= 0 && idle <= max_idle_ms)
			live++;
	}
	freeReplyObject(rep);
	if (live == 0)
		ctl_health_fail(h, "no consumer of group %s seen in the last "
		    "%lld s (is relaisd running?)", c->cf->redis.group,
		    max_idle_ms / 1000);
}

/*
 * The oldest entry of the stream not handled yet: the oldest pending one
 * (read, not acknowledged) or the first one after the group's last
 * delivered id (not read yet), by the time in its id.
 */
static void
ctl_health_oldest(struct ctl *c, struct ctl_health *h, long long max_age_ms)
{
	redisReply	*rep;
	char		 oldest[64] = "", start[80];
	int64_t		 now, age;

	rep = redisCommand(c->rc, "XPENDING %s %s", ctl_key(c, "events"),
	    c->cf->redis.group);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER &&
	    rep->element[0]->integer > 0 &&
	    rep->element[1]->type == REDIS_REPLY_STRING)
		snprintf(oldest, sizeof oldest, "%s", rep->element[1]->str);
	freeReplyObject(rep);
	snprintf(start, sizeof start, "(%s", h->last_id);
	rep = redisCommand(c->rc, "XRANGE %s %s + COUNT 1", ctl_key(c, "events"),
	    start);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
	    (oldest[0] == '\0' || ctl_id_ms(rep->element[0]->element[0]->str) <
	    ctl_id_ms(oldest)))
		snprintf(oldest, sizeof oldest, "%s",
		    rep->element[0]->element[0]->str);
	freeReplyObject(rep);
	if (oldest[0] == '\0') {
		printf("  oldest unhandled entry: none\n");
		return;
	}
	if ((now = ctl_redis_now_ms(c)) == -1) {
		ctl_health_fail(h, "Redis did not say its time");
		return;
	}
	age = now - ctl_id_ms(oldest);
	ctl_print_age("  oldest unhandled entry: ", age);
	printf(" old (%s)\n", oldest);
	if (age > max_age_ms)
		ctl_health_fail(h, "entry %s unhandled for %lld s (more than "
		    "%lld s)", oldest, (long long)(age / 1000),
		    max_age_ms / 1000);
}

/* This host's relaisd: /readyz on its admin port. */
static void
ctl_health_admin(struct ctl *c, struct ctl_health *h, int no_admin)
{
	struct buf	 body;
	const char	*why;
	long		 code;

	if ((why = ctl_admin_unasked(c, no_admin)) != NULL) {
		printf("  admin port: %s\n", why);
		return;
	}
	buf_init(&body);
	code = ctl_admin_get(c, "/readyz", &body);
	if (body.data != NULL)
		body.data[strcspn(body.data, "\r\n")] = '\0';
	if (code == 200)
		printf("  admin port %s: ready\n", c->cf->admin_listen);
	else if (code == -1) {
		printf("  admin port %s: not reachable\n", c->cf->admin_listen);
		ctl_health_fail(h, "the admin port %s does not answer (is "
		    "relaisd running on this host? --no-admin if not)",
		    c->cf->admin_listen);
	} else {
		printf("  admin port %s: not ready (HTTP %ld: ",
		    c->cf->admin_listen, code);
		ctl_print_safe(body.data != NULL ? body.data : "", body.len > 0 ?
		    strlen(body.data) : 0, 0);
		printf(")\n");
		ctl_health_fail(h, "relaisd on this host is not ready");
	}
	buf_free(&body);
}

/* A whole number of seconds option; its default when absent. */
static int
ctl_seconds(struct ctl *c, const struct ctl_args *a, const char *name,
    long long def_ms, long long *ms)
{
	const char	*v = ctl_opt(a, name);
	char		*end;
	long long	 s;

	*ms = def_ms;
	if (v == NULL)
		return 0;
	s = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || s < 0 || s > 100000000)
		return ctl_usage_error(c, "--%s takes a number of seconds, not "
		    "\"%s\"", name, v);
	*ms = s * 1000;
	return 0;
}

int
ctl_status(struct ctl *c, const struct ctl_args *a)
{
	const struct config_redis	*r = &c->cf->redis;
	struct ctl_health		 h;
	long long			 max_age, max_idle, age;
	int				 no_admin = ctl_opt(a, "no-admin") != NULL;

	/* an entry of a consumer gone is taken over after claim_idle_ms */
	age = r->claim_idle_ms + r->claim_interval_ms + 60000;
	if (ctl_seconds(c, a, "max-age", age > 600000 ? age : 600000,
	    &max_age) != 0 || ctl_seconds(c, a, "max-idle", r->block_ms + 60000,
	    &max_idle) != 0)
		return 2;
	if (ctl_connect(c) == -1)
		return 1;
	memset(&h, 0, sizeof h);
	h.ok = 1;
	buf_init(&h.why);
	printf("events stream:    %lld entries\n",
	    ctl_integer(c, "XLEN", ctl_key(c, "events")));
	ctl_status_groups(c, &h);
	printf("inbox list:       %lld items\n",
	    ctl_integer(c, "LLEN", ctl_key(c, "inbox")));
	printf("scheduled:        %lld entries\n",
	    ctl_integer(c, "ZCARD", ctl_key(c, "scheduled")));
	ctl_status_scheduled(c);
	printf("dead letters:     %lld\n",
	    ctl_integer(c, "XLEN", ctl_key(c, "dead")));
	printf("delivery records: %lld\n",
	    ctl_integer(c, "XLEN", ctl_key(c, "deliveries")));
	printf("opted out:        %lld\n",
	    ctl_integer(c, "HLEN", ctl_key(c, "suppressed")));
	ctl_status_dead(c);
	if (ctl_admin_unasked(c, no_admin) == NULL)
		ctl_status_gateways(c);
	printf("health:\n");
	if (!h.group)
		ctl_health_fail(&h, "no consumer group %s on %s (relaisd never "
		    "started)", r->group, ctl_key(c, "events"));
	else {
		ctl_health_consumers(c, &h, max_idle);
		ctl_health_oldest(c, &h, max_age);
	}
	ctl_health_admin(c, &h, no_admin);
	if (h.ok)
		printf("status: ok\n");
	else
		printf("status: NOT OK: %s\n", h.why.data);
	buf_free(&h.why);
	return h.ok ? 0 : 3;
}
