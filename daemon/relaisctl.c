/*
 * relaisctl: the operator's command line. It talks to Redis synchronously
 * (it is a short-lived command, not the event loop), so it is the one place
 * besides daemon/redis.c that uses hiredis directly.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "phone.h"
#include "plan.h"
#include "clock.h"
#include "forget.h"
#include "pii.h"

struct ctl {
	struct config	*cf;
	redisContext	*rc;
	char		 key[512];
};

static void
ctl_usage(FILE *f)
{
	fprintf(f,
	    "usage: relaisctl [-c FILE] COMMAND [ARGS]\n"
	    "\n"
	    "commands:\n"
	    "  emit [--inbox] [--raw] FILE|-  push events: a JSON object, an "
	    "array of\n"
	    "                                 them, or JSON lines (--raw: the "
	    "bytes as they are)\n"
	    "  status                         stream, pending, lag, scheduled, "
	    "dead letters\n"
	    "  dead list [-n N]               the newest dead letters with "
	    "their reasons\n"
	    "  dead show ID                   one dead letter, original bytes "
	    "included\n"
	    "  dead replay --all | ID...      put their events back on the "
	    "stream\n"
	    "  outbox FILE                    print an outbox file as readable "
	    "messages\n"
	    "  suppress add ADDRESS [REASON]  never send to this email address "
	    "or phone\n"
	    "  suppress remove ADDRESS        lift an opt-out\n"
	    "  suppress list                  who opted out, when, from where\n"
	    "  report --month YYYY-MM [--csv] per territory: arrivals, welcomes, "
	    "counsellor\n"
	    "                                 notices, follow-ups due/done/overdue, "
	    "check-ins,\n"
	    "                                 employer alerts, departures, failures, "
	    "opt-outs\n"
	    "  forget PERSON_ID [--email ADDR] [--phone NUM]\n"
	    "                                 erase a person everywhere relais "
	    "keeps them\n"
	    "                                 (the suppression list stays)\n"
	    "  export PERSON_ID [--email ADDR] [--phone NUM]\n"
	    "                                 print as JSON all relais holds "
	    "about a person\n"
	    "  render --event FILE|- [--territory T] [--lang L]\n"
	    "                                 print what would be sent for an "
	    "event,\n"
	    "                                 without sending anything\n"
	    "\n"
	    "  -c, --config FILE  configuration (default $RELAIS_CONFIG, else "
	    "/etc/relais/relais.yaml)\n");
}

static const char *
ctl_key(struct ctl *c, const char *name)
{
	snprintf(c->key, sizeof c->key, "%s%s", c->cf->redis.prefix, name);
	return c->key;
}

static int
ctl_connect(struct ctl *c)
{
	const struct config_redis	*r = &c->cf->redis;
	struct timeval			 tv = { 5, 0 };
	redisReply			*rep;

	if (r->path != NULL)
		c->rc = redisConnectUnixWithTimeout(r->path, tv);
	else
		c->rc = redisConnectWithTimeout(r->host, r->port, tv);
	if (c->rc == NULL || c->rc->err) {
		fprintf(stderr, "relaisctl: cannot connect to Redis: %s\n",
		    c->rc != NULL ? c->rc->errstr : "out of memory");
		return -1;
	}
	redisSetTimeout(c->rc, tv);
	if (r->password != NULL) {
		rep = r->username != NULL ?
		    redisCommand(c->rc, "AUTH %s %s", r->username, r->password) :
		    redisCommand(c->rc, "AUTH %s", r->password);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "relaisctl: AUTH failed: %s\n",
			    rep != NULL ? rep->str : c->rc->errstr);
			freeReplyObject(rep);
			return -1;
		}
		freeReplyObject(rep);
	}
	if (r->db != 0) {
		rep = redisCommand(c->rc, "SELECT %d", r->db);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "relaisctl: SELECT failed\n");
			freeReplyObject(rep);
			return -1;
		}
		freeReplyObject(rep);
	}
	return 0;
}

static char *
ctl_slurp(const char *path, size_t *len)
{
	struct buf	 b;
	char		 chunk[65536];
	FILE		*f;
	size_t		 got;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "relaisctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, got);
	if (f != stdin)
		fclose(f);
	return buf_steal(&b, len);
}

static int
ctl_push(struct ctl *c, int inbox, const char *p, size_t len)
{
	redisReply	*rep;

	if (inbox)
		rep = redisCommand(c->rc, "LPUSH %s %b", ctl_key(c, "inbox"),
		    p, len);
	else
		rep = redisCommand(c->rc, "XADD %s * event %b",
		    ctl_key(c, "events"), p, len);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "relaisctl: push failed: %s\n",
		    rep != NULL ? rep->str : c->rc->errstr);
		freeReplyObject(rep);
		return -1;
	}
	freeReplyObject(rep);
	return 0;
}

static int
ctl_emit(struct ctl *c, int argc, char **argv)
{
	json_t		*j = NULL, *v;
	json_error_t	 jerr;
	char		*data, *s, *line, *nl;
	size_t		 len, i, n = 0;
	int		 inbox = 0, raw = 0, rc = 0;

	for (; argc > 1 && argv[0][0] == '-' && argv[0][1] == '-'; argc--, argv++) {
		if (strcmp(argv[0], "--inbox") == 0)
			inbox = 1;
		else if (strcmp(argv[0], "--raw") == 0)
			raw = 1;
		else
			break;
	}
	if (argc != 1) {
		ctl_usage(stderr);
		return 2;
	}
	if ((data = ctl_slurp(argv[0], &len)) == NULL)
		return 1;
	if (ctl_connect(c) == -1) {
		free(data);
		return 1;
	}
	if (raw) {
		rc = ctl_push(c, inbox, data, len);
		n = rc == 0;
	} else if ((j = json_loadb(data, len, 0, &jerr)) != NULL &&
	    json_is_array(j)) {
		json_array_foreach(j, i, v) {
			s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (s == NULL || ctl_push(c, inbox, s, strlen(s)) == -1)
				rc = -1;
			else
				n++;
			free(s);
		}
	} else if (j != NULL) {
		/* one object: its bytes exactly as written */
		rc = ctl_push(c, inbox, data, len);
		n = rc == 0;
	} else {
		/* JSON lines: each non-empty line is an event, as it is */
		for (line = data; line != NULL && *line != '\0'; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (line[strspn(line, " \t\r")] == '\0')
				continue;
			if (ctl_push(c, inbox, line, strlen(line)) == -1)
				rc = -1;
			else
				n++;
		}
	}
	json_decref(j);
	free(data);
	printf("%zu event%s pushed to %s\n", n, n == 1 ? "" : "s",
	    ctl_key(c, inbox ? "inbox" : "events"));
	return rc == 0 ? 0 : 1;
}

static long long
ctl_integer(struct ctl *c, const char *cmd, const char *key)
{
	redisReply	*rep;
	long long	 v = -1;

	rep = redisCommand(c->rc, "%s %s", cmd, key);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
		v = rep->integer;
	freeReplyObject(rep);
	return v;
}

/*
 * Writes bytes from outside (a dead letter) to the terminal with every
 * control character shown as \xNN: an escape sequence in an event must not
 * drive the operator's terminal. Newlines and tabs pass when multiline.
 */
static void
ctl_print_safe(const char *s, size_t len, int multiline)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (multiline && (p[i] == '\n' || p[i] == '\t'))
			putchar(p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			printf("\\x%02x", p[i]);
		else if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			/* C1 controls (U+0080-U+009F) act as escapes too */
			printf("\\u%04x", p[i + 1]);
			i++;
		} else
			putchar(p[i]);
	}
}

static const char *
ctl_field(const redisReply *fields, const char *name)
{
	size_t	i;

	for (i = 0; i + 1 < fields->elements; i += 2) {
		if (strcmp(fields->element[i]->str, name) == 0)
			return fields->element[i + 1]->str;
	}
	return "";
}

static size_t
ctl_curl_write(char *p, size_t size, size_t n, void *arg)
{
	buf_append(arg, p, size * n);
	return size * n;
}

/* Gateways' breakers, from the admin port's /metrics (this host's relaisd). */
static void
ctl_status_gateways(struct ctl *c)
{
	static const char *const states[] = { "closed", "half-open", "open" };
	struct buf	 body, url;
	CURL		*e;
	char		*line, *next, name[128];
	int		 v;

	if (strcmp(c->cf->admin_listen, "off") == 0)
		return;
	buf_init(&body);
	buf_init(&url);
	buf_printf(&url, "http://%s/metrics", c->cf->admin_listen);
	if ((e = curl_easy_init()) == NULL)
		return;
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ctl_curl_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	if (curl_easy_perform(e) != CURLE_OK || body.data == NULL) {
		printf("gateways:         admin port %s not reachable (is relaisd "
		    "running here?)\n", c->cf->admin_listen);
		goto done;
	}
	printf("gateways (breakers, this host's relaisd):\n");
	for (line = body.data; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (sscanf(line, "relais_gateway_breaker_state{gateway=\"%127[^\"]\"}"
		    " %d", name, &v) == 2 && v >= 0 && v <= 2)
			printf("  %-15s %s\n", name, states[v]);
	}
done:
	curl_easy_cleanup(e);
	buf_free(&body);
	buf_free(&url);
}

/* Dead letters of the last 1,000 by reason (the text before any quote). */
static void
ctl_status_dead(struct ctl *c)
{
	redisReply	*rep;
	char		 reasons[16][80];
	unsigned long	 counts[16];
	size_t		 i, k, n = 0;

	rep = redisCommand(c->rc, "XREVRANGE %s + - COUNT 1000",
	    ctl_key(c, "dead"));
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) {
		freeReplyObject(rep);
		return;
	}
	for (i = 0; i < rep->elements; i++) {
		char r[80];

		snprintf(r, sizeof r, "%s", ctl_field(rep->element[i]->element[1],
		    "reason"));
		r[strcspn(r, "\"':(0123456789")] = '\0';
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

/*
 * The scheduled set by kind: retries and deferrals (by event type), planned
 * follow-ups, counsellors' reminder emails, employers' digests; how many
 * are due already.
 */
static void
ctl_status_scheduled(struct ctl *c)
{
	static const char *const kinds[] = { "retries and deferrals",
	    "follow-ups (followup.due)", "digests (match.digest)",
	    "reminders (followup.reminders)", "other" };
	unsigned long long	 n[5] = { 0 };
	redisReply		*rep;
	const char		*m, *t;
	char			 cursor[32] = "0", now[32];
	size_t			 i;
	int			 k;

	do {
		rep = redisCommand(c->rc, "ZSCAN %s %s COUNT 1000",
		    ctl_key(c, "scheduled"), cursor);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
		    rep->elements != 2) {
			freeReplyObject(rep);
			return;
		}
		snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
		for (i = 0; i < rep->element[1]->elements; i += 2) {
			m = rep->element[1]->element[i]->str;
			t = strstr(m, "\"type\":\"");
			if (strncmp(m, "retry ", 6) == 0)
				k = 0;
			else if (t != NULL && strncmp(t + 8, "followup.due\"",
			    13) == 0)
				k = 1;
			else if (t != NULL && strncmp(t + 8, "match.digest\"",
			    13) == 0)
				k = 2;
			else if (t != NULL && strncmp(t + 8,
			    "followup.reminders\"", 19) == 0)
				k = 3;
			else
				k = 4;
			n[k]++;
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	for (k = 0; k < 5; k++) {
		if (n[k] > 0)
			printf("  %-26s %llu\n", kinds[k], n[k]);
	}
	snprintf(now, sizeof now, "%lld", (long long)clock_now_ms());
	rep = redisCommand(c->rc, "ZCOUNT %s -inf %s", ctl_key(c, "scheduled"),
	    now);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		printf("  %-26s %lld\n", "due now (moving to stream)",
		    rep->integer);
	freeReplyObject(rep);
}

static int
ctl_status(struct ctl *c)
{
	redisReply	*rep;
	size_t		 i, k;

	if (ctl_connect(c) == -1)
		return 1;
	printf("events stream:    %lld entries\n",
	    ctl_integer(c, "XLEN", ctl_key(c, "events")));
	rep = redisCommand(c->rc, "XINFO GROUPS %s", ctl_key(c, "events"));
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < rep->elements; i++) {
			const redisReply *g = rep->element[i];

			if (g->type != REDIS_REPLY_ARRAY)
				continue;
			for (k = 0; k + 1 < g->elements; k += 2) {
				const redisReply *kk = g->element[k];
				const redisReply *vv = g->element[k + 1];

				if (strcmp(kk->str, "name") == 0)
					printf("group %s:\n", vv->str);
				else if (vv->type == REDIS_REPLY_INTEGER)
					printf("  %-15s %lld\n", kk->str,
					    vv->integer);
				else if (vv->type == REDIS_REPLY_STRING)
					printf("  %-15s %s\n", kk->str, vv->str);
			}
		}
	} else {
		printf("group:            none yet (relaisd never started)\n");
	}
	freeReplyObject(rep);
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
	ctl_status_gateways(c);
	return 0;
}

static void
ctl_dead_list(struct ctl *c, long n)
{
	redisReply	*rep;
	size_t		 i;

	rep = redisCommand(c->rc, "XREVRANGE %s + - COUNT %ld",
	    ctl_key(c, "dead"), n > 0 ? n : 20);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "relaisctl: XREVRANGE failed\n");
		freeReplyObject(rep);
		return;
	}
	for (i = 0; i < rep->elements; i++) {
		const redisReply *f = rep->element[i]->element[1];

		const char *ev = *ctl_field(f, "event_id") ?
		    ctl_field(f, "event_id") : "-";

		printf("%s  %s  event=", rep->element[i]->element[0]->str,
		    ctl_field(f, "at"));
		ctl_print_safe(ev, strlen(ev), 0);
		printf("\n    reason: ");
		ctl_print_safe(ctl_field(f, "reason"),
		    strlen(ctl_field(f, "reason")), 0);
		printf("\n");
	}
	if (rep->elements == 0)
		printf("no dead letters\n");
	freeReplyObject(rep);
}

/* Fetches one dead letter; NULL (with a message) when there is none. */
static redisReply *
ctl_dead_get(struct ctl *c, const char *id)
{
	redisReply	*rep;

	rep = redisCommand(c->rc, "XRANGE %s %s %s", ctl_key(c, "dead"), id, id);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 1) {
		fprintf(stderr, "relaisctl: no dead letter %s\n", id);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

static int
ctl_dead_show(struct ctl *c, const char *id)
{
	redisReply	*rep;
	const redisReply *f;
	size_t		 i;

	if ((rep = ctl_dead_get(c, id)) == NULL)
		return 1;
	f = rep->element[0]->element[1];
	printf("id: %s\n", id);
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (strcmp(f->element[i]->str, "payload") == 0)
			continue;
		ctl_print_safe(f->element[i]->str, f->element[i]->len, 0);
		printf(": ");
		ctl_print_safe(f->element[i + 1]->str, f->element[i + 1]->len,
		    0);
		printf("\n");
	}
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (strcmp(f->element[i]->str, "payload") != 0)
			continue;
		printf("payload:\n");
		ctl_print_safe(f->element[i + 1]->str, f->element[i + 1]->len,
		    1);
		printf("\n");
	}
	freeReplyObject(rep);
	return 0;
}

/*
 * Puts a dead letter's original event back on the stream, marked as a
 * replay (so the dedupe does not drop it), and removes it from the dead
 * letters, in one transaction. Returns 0, or -1 when it cannot be replayed.
 */
static int
ctl_dead_replay_one(struct ctl *c, const char *id, int quiet)
{
	redisReply		*rep, *x, *held = NULL;
	const redisReply	*f, *hf, *payload = NULL;
	char			 dead[512], ttl[32];
	size_t			 i;
	int			 ok;

	if ((rep = ctl_dead_get(c, id)) == NULL)
		return -1;
	f = rep->element[0]->element[1];
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (strcmp(f->element[i]->str, "payload") == 0)
			payload = f->element[i + 1];
	}
	/* the event's bytes are kept once, in another letter of the event */
	if (payload != NULL && payload->len == 0 &&
	    *ctl_field(f, "payload_in") != '\0') {
		if ((held = ctl_dead_get(c, ctl_field(f, "payload_in"))) ==
		    NULL) {
			fprintf(stderr, "relaisctl: %s: its event was in %s, "
			    "replayed or dropped since\n", id,
			    ctl_field(f, "payload_in"));
			freeReplyObject(rep);
			return -1;
		}
		hf = held->element[0]->element[1];
		for (i = 0; i + 1 < hf->elements; i += 2) {
			if (strcmp(hf->element[i]->str, "payload") == 0)
				payload = hf->element[i + 1];
		}
	}
	if (payload == NULL || payload->len == 0 ||
	    *ctl_field(f, "stream_id") == '\0' ||
	    strncmp(ctl_field(f, "reason"), "unreadable", 10) == 0) {
		if (!quiet)
			fprintf(stderr, "relaisctl: %s has no event to replay\n",
			    id);
		freeReplyObject(held);
		freeReplyObject(rep);
		return -1;
	}
	snprintf(dead, sizeof dead, "%s", ctl_key(c, "dead"));
	/*
	 * One script: the event back on the stream, known as relais's own
	 * replay (so that its dedupe is skipped: queue_lua.c), and the dead
	 * letter gone. The original stream id rides along: the event's place
	 * in the producer's order when it carries no time, so that it cannot
	 * undo newer events.
	 */
	snprintf(ttl, sizeof ttl, "%ld", c->cf->redis.seen_ttl_s);
	x = redisCommand(c->rc, "EVAL %s 0 %s %s %b %s %s %s %s",
	    "local sid = redis.call('XADD', ARGV[2], '*', 'event', ARGV[3], "
	    "'replay', ARGV[4])\n"
	    "redis.call('SET', ARGV[1] .. 'internal:' .. sid, '1', 'EX', ARGV[5])\n"
	    "redis.call('XDEL', ARGV[6], ARGV[7])\n"
	    "return sid\n", c->cf->redis.prefix, ctl_key(c, "events"),
	    payload->str, payload->len, ctl_field(f, "stream_id"),
	    ttl, dead, id);
	ok = x != NULL && x->type == REDIS_REPLY_STRING;
	if (!ok)
		fprintf(stderr, "relaisctl: replay of %s failed: %s\n", id,
		    x == NULL ? c->rc->errstr : x->type == REDIS_REPLY_ERROR ?
		    x->str : "unexpected reply");
	freeReplyObject(x);
	freeReplyObject(held);
	freeReplyObject(rep);
	return ok ? 0 : -1;
}

static int
ctl_dead_replay(struct ctl *c, int argc, char **argv)
{
	redisReply	*rep;
	size_t		 done = 0, failed = 0, total = 0, i;
	int		 k, tty = isatty(STDOUT_FILENO);

	if (argc == 1 && strcmp(argv[0], "--all") == 0) {
		rep = redisCommand(c->rc, "XRANGE %s - +", ctl_key(c, "dead"));
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
			fprintf(stderr, "relaisctl: XRANGE failed\n");
			freeReplyObject(rep);
			return 1;
		}
		total = rep->elements;
		for (i = 0; i < rep->elements; i++) {
			if (ctl_dead_replay_one(c, rep->element[i]->element[0]->str,
			    1) == 0)
				done++;
			else
				failed++;
			if (tty && (i % 100 == 99 || i + 1 == total))
				printf("\rreplaying: %zu/%zu", i + 1, total);
		}
		if (tty && total > 0)
			printf("\n");
		freeReplyObject(rep);
	} else {
		for (k = 0; k < argc; k++) {
			total++;
			if (ctl_dead_replay_one(c, argv[k], 0) == 0)
				done++;
			else
				failed++;
		}
	}
	printf("%zu replayed, %zu left (no event to replay, or failed)\n", done,
	    failed);
	return failed == 0 ? 0 : 1;
}

static int
ctl_dead(struct ctl *c, int argc, char **argv)
{
	if (argc < 1) {
		ctl_usage(stderr);
		return 2;
	}
	if (ctl_connect(c) == -1)
		return 1;
	if (strcmp(argv[0], "list") == 0) {
		ctl_dead_list(c, argc == 3 && strcmp(argv[1], "-n") == 0 ?
		    strtol(argv[2], NULL, 10) : 20);
		return 0;
	}
	if (strcmp(argv[0], "show") == 0 && argc == 2)
		return ctl_dead_show(c, argv[1]);
	if (strcmp(argv[0], "replay") == 0 && argc >= 2)
		return ctl_dead_replay(c, argc - 1, argv + 1);
	ctl_usage(stderr);
	return 2;
}

static const char *
ctl_str(const json_t *o, const char *k)
{
	const json_t	*v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int
ctl_outbox(int argc, char **argv)
{
	json_t	*j;
	char	*data, *line, *nl;
	size_t	 len, n = 0;

	if (argc != 1) {
		ctl_usage(stderr);
		return 2;
	}
	if ((data = ctl_slurp(argv[0], &len)) == NULL)
		return 1;
	for (line = data; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		printf("──── %s to %s (%s, %s, %s) via %s\n",
		    ctl_str(j, "channel"), ctl_str(j, "to"), ctl_str(j, "role"),
		    ctl_str(j, "territory"), ctl_str(j, "language"),
		    ctl_str(j, "gateway"));
		printf("From: %s%s%s\n", ctl_str(j, "from_name"),
		    *ctl_str(j, "from_name") ? " " : "", ctl_str(j, "from"));
		if (*ctl_str(j, "subject"))
			printf("Subject: %s\n", ctl_str(j, "subject"));
		printf("\n%s\n", ctl_str(j, "text"));
		json_decref(j);
		n++;
	}
	printf("(%zu message%s)\n", n, n == 1 ? "" : "s");
	free(data);
	return 0;
}

/* "<channel>:<address>" as the pipeline writes it; -1 for a bad address. */
static int
ctl_supp_id(const char *addr, char *out, size_t outlen)
{
	char	e164[PHONE_E164_SIZE], why[128];
	size_t	i, n;

	if (strchr(addr, '@') != NULL) {
		n = (size_t)snprintf(out, outlen, "email:%s", addr);
		for (i = 0; i < n && i < outlen; i++) {
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
		}
		return 0;
	}
	if (phone_normalise(addr, e164, sizeof e164, why, sizeof why) == -1) {
		fprintf(stderr, "relaisctl: not an email address nor a phone "
		    "number: %s\n", why);
		return -1;
	}
	snprintf(out, outlen, "sms:%s", e164);
	return 0;
}

static int
ctl_suppress(struct ctl *c, int argc, char **argv)
{
	redisReply	*rep;
	json_t		*rec;
	char		 id[320], at[40], ttl[32], hk[512], *s;
	size_t		 i;

	if (argc < 1) {
		ctl_usage(stderr);
		return 2;
	}
	if (ctl_connect(c) == -1)
		return 1;
	if (strcmp(argv[0], "list") == 0) {
		rep = redisCommand(c->rc, "HGETALL %s", ctl_key(c, "suppressed"));
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			return 1;
		}
		for (i = 0; i + 1 < rep->elements; i += 2)
			printf("%s  %s\n", rep->element[i]->str,
			    rep->element[i + 1]->str);
		if (rep->elements == 0)
			printf("nobody opted out\n");
		freeReplyObject(rep);
		return 0;
	}
	if (argc < 2 || ctl_supp_id(argv[1], id, sizeof id) == -1) {
		ctl_usage(stderr);
		return 2;
	}
	snprintf(hk, sizeof hk, "%sconsent:%s", c->cf->redis.prefix, id);
	/*
	 * The record and an entry of the consent history (consent:<id>, as
	 * the public endpoints keep it) in one script: an operator's change
	 * is on record with the others.
	 */
	clock_rfc3339(clock_now_ms(), at, sizeof at);
	snprintf(ttl, sizeof ttl, "%ld", c->cf->retention_days * 86400);
	if (strcmp(argv[0], "add") == 0) {
		rec = json_pack("{s:s, s:s, s:s}", "at", at, "source",
		    "relaisctl", "reason", argc > 2 ? argv[2] : "");
		if (rec == NULL || (s = json_dumps(rec, JSON_COMPACT)) == NULL) {
			fprintf(stderr, "relaisctl: the reason is not UTF-8\n");
			json_decref(rec);
			return 2;
		}
		json_decref(rec);
	} else if (strcmp(argv[0], "remove") == 0)
		s = NULL;
	else {
		ctl_usage(stderr);
		return 2;
	}
	rep = redisCommand(c->rc, "EVAL %s 0 %s %s %s %s %s %s",
	    "local r\n"
	    "if ARGV[3] ~= '' then\n"
	    "  r = redis.call('HSET', ARGV[1], ARGV[2], ARGV[3])\n"
	    "else\n"
	    "  r = redis.call('HDEL', ARGV[1], ARGV[2])\n"
	    "end\n"
	    "redis.call('XADD', ARGV[4], 'MAXLEN', '100', '*', 'action',\n"
	    "  ARGV[3] ~= '' and 'optout' or 'optin', 'source', 'relaisctl',\n"
	    "  'result', ARGV[3] ~= '' and 'added' or (r == 1 and 'removed' or\n"
	    "  'absent'), 'message_sid', '', 'at', ARGV[5])\n"
	    "redis.call('EXPIRE', ARGV[4], ARGV[6])\n"
	    "return r\n", ctl_key(c, "suppressed"), id, s != NULL ? s : "",
	    hk, at, ttl);
	free(s);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		return 1;
	}
	printf("%s %s\n", id, strcmp(argv[0], "add") == 0 ?
	    "suppressed" : rep->integer == 1 ? "no longer suppressed" :
	    "was not suppressed");
	freeReplyObject(rep);
	return 0;
}

/* One territory's line of the monthly report. */
struct ctl_report_row {
	char		territory[64];
	unsigned long	welcomes, notices, checkins, alerts, failed;
	unsigned long	arrivals, due, done, overdue, departures;
};

/* A follow-up reminded this long ago and not done counts as overdue. */
#define CTL_OVERDUE_DAYS	14

static struct ctl_report_row *
ctl_report_row(struct ctl_report_row **rows, size_t *n, const char *t)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*rows)[i].territory, t) == 0)
			return &(*rows)[i];
	}
	*rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
	memset(&(*rows)[*n], 0, sizeof **rows);
	snprintf((*rows)[*n].territory, sizeof (*rows)[*n].territory, "%s", t);
	return &(*rows)[(*n)++];
}

/* Counts one entry of relais:deliveries into the report. */
static void
ctl_report_count(struct ctl_report_row **rows, size_t *n,
    const redisReply *f)
{
	struct ctl_report_row	*r;
	const char		*tpl = ctl_field(f, "template");
	const char		*outcome = ctl_field(f, "outcome");

	if (*ctl_field(f, "territory") == '\0')
		return;		/* a provider's status report */
	r = ctl_report_row(rows, n, ctl_field(f, "territory"));
	if (strcmp(outcome, "dead") == 0) {
		r->failed++;
		return;
	}
	if (strcmp(outcome, "sent") != 0)
		return;
	if (strcmp(tpl, "welcome") == 0)
		r->welcomes++;
	else if (strcmp(tpl, "arrival_notice") == 0)
		r->notices++;
	else if (strcmp(tpl, "checkin") == 0)
		r->checkins++;
	else if (strcmp(tpl, "match_alert") == 0)
		r->alerts++;
}

/* The handlers' monthly figures: stats:<YYYY-MM> "<territory>:<figure>". */
static int
ctl_report_stats(struct ctl *c, const char *month,
    struct ctl_report_row **rows, size_t *n)
{
	struct ctl_report_row	*r;
	redisReply		*rep;
	char			 name[64], t[64], *colon;
	const char		*f;
	unsigned long		 v;
	size_t			 i;

	snprintf(name, sizeof name, "stats:%s", month);
	rep = redisCommand(c->rc, "HGETALL %s", ctl_key(c, name));
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		return -1;
	}
	for (i = 0; i + 1 < rep->elements; i += 2) {
		snprintf(t, sizeof t, "%s", rep->element[i]->str);
		if ((colon = strchr(t, ':')) == NULL)
			continue;
		*colon = '\0';
		f = colon + 1;
		v = strtoul(rep->element[i + 1]->str, NULL, 10);
		r = ctl_report_row(rows, n, t);
		if (strcmp(f, "arrivals") == 0)
			r->arrivals += v;
		else if (strcmp(f, "followups_due") == 0)
			r->due += v;
		else if (strcmp(f, "followups_done") == 0)
			r->done += v;
		else if (strcmp(f, "departures") == 0)
			r->departures += v;
	}
	freeReplyObject(rep);
	return 0;
}

/*
 * Follow-ups overdue today: reminded more than CTL_OVERDUE_DAYS ago and not
 * marked done, by the person's territory (read from the stored persons).
 */
static int
ctl_report_overdue(struct ctl *c, struct ctl_report_row **rows, size_t *n)
{
	redisReply	*rep, *h;
	char		 cursor[32] = "0", match[300];
	const char	*t;
	long long	 at, limit;
	size_t		 i, k;

	limit = clock_now_ms() - CTL_OVERDUE_DAYS * 86400000LL;
	snprintf(match, sizeof match, "%sperson:*", c->cf->redis.prefix);
	do {
		rep = redisCommand(c->rc, "SCAN %s MATCH %s COUNT 1000", cursor,
		    match);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
		    rep->elements != 2) {
			freeReplyObject(rep);
			return -1;
		}
		snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
		/* one round trip per page, not per person */
		for (i = 0; i < rep->element[1]->elements; i++)
			redisAppendCommand(c->rc, "HGETALL %s",
			    rep->element[1]->element[i]->str);
		for (i = 0; i < rep->element[1]->elements; i++) {
			if (redisGetReply(c->rc, (void **)&h) != REDIS_OK) {
				freeReplyObject(rep);
				return -1;
			}
			if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
				freeReplyObject(h);
				continue;
			}
			t = ctl_field(h, "territory");
			for (k = 0; *t != '\0' && *ctl_field(h, "departed") ==
			    '\0' && k + 1 < h->elements; k += 2) {
				if (strncmp(h->element[k]->str, "fu:", 3) != 0 ||
				    sscanf(h->element[k + 1]->str, "reminded %lld",
				    &at) != 1 || at > limit)
					continue;
				ctl_report_row(rows, n, t)->overdue++;
			}
			freeReplyObject(h);
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

static int
ctl_report(struct ctl *c, int argc, char **argv)
{
	struct ctl_report_row	*rows = NULL;
	redisReply		*rep;
	struct tm		 tm;
	char			 start[64], end[32];
	const char		*month = NULL;
	size_t			 n = 0, i;
	long long		 from, to;
	int			 k, csv = 0, y, m;
	unsigned long		 optouts = 0;

	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "--month") == 0 && k + 1 < argc)
			month = argv[++k];
		else if (strcmp(argv[k], "--csv") == 0)
			csv = 1;
		else {
			ctl_usage(stderr);
			return 2;
		}
	}
	if (month == NULL || sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 ||
	    m > 12 || strlen(month) != 7) {
		fprintf(stderr, "relaisctl: report needs --month YYYY-MM\n");
		return 2;
	}
	/* stream ids are milliseconds: the month, in UTC */
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	from = (long long)timegm(&tm) * 1000;
	tm.tm_mon += 1;
	to = (long long)timegm(&tm) * 1000 - 1;
	if (ctl_connect(c) == -1)
		return 1;
	snprintf(start, sizeof start, "%lld", from);
	snprintf(end, sizeof end, "%lld", to);
	for (;;) {
		rep = redisCommand(c->rc, "XRANGE %s %s %s COUNT 1000",
		    ctl_key(c, "deliveries"), start, end);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			free(rows);
			return 1;
		}
		for (i = 0; i < rep->elements; i++)
			ctl_report_count(&rows, &n, rep->element[i]->element[1]);
		if (rep->elements < 1000) {
			freeReplyObject(rep);
			break;
		}
		snprintf(start, sizeof start, "(%.60s",
		    rep->element[rep->elements - 1]->element[0]->str);
		freeReplyObject(rep);
	}
	if (ctl_report_stats(c, month, &rows, &n) == -1 ||
	    ctl_report_overdue(c, &rows, &n) == -1) {
		free(rows);
		return 1;
	}
	/* opt-outs recorded this month (the suppression records are dated) */
	rep = redisCommand(c->rc, "HVALS %s", ctl_key(c, "suppressed"));
	for (i = 0; rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    i < rep->elements; i++) {
		if (strstr(rep->element[i]->str, month) != NULL)
			optouts++;
	}
	freeReplyObject(rep);
	if (csv)
		printf("territory,arrivals,welcomes,counsellor_notices,"
		    "followups_due,followups_done,followups_overdue,checkins,"
		    "employer_alerts,departures,failed\n");
	else
		printf("%-16s %8s %8s %8s %8s %8s %8s %9s %8s %8s %7s\n", month,
		    "arrivals", "welcomes", "notices", "fu-due", "fu-done",
		    "overdue", "check-ins", "alerts", "departed", "failed");
	for (i = 0; i < n; i++) {
		struct ctl_report_row *r = &rows[i];

		printf(csv ? "%s,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu\n" :
		    "%-16s %8lu %8lu %8lu %8lu %8lu %8lu %9lu %8lu %8lu %7lu\n",
		    r->territory, r->arrivals, r->welcomes, r->notices, r->due,
		    r->done, r->overdue, r->checkins, r->alerts, r->departures,
		    r->failed);
	}
	if (!csv)
		printf("opt-outs recorded in %s (all channels): %lu\n"
		    "welcomes, notices, check-ins, alerts and failures count "
		    "the messages sent\n(from relais:deliveries, which keeps "
		    "the last deliveries_maxlen outcomes);\noverdue: follow-ups "
		    "reminded over %d days ago and not marked done, today\n",
		    month, optouts, CTL_OVERDUE_DAYS);
	else
		printf("opt-outs,%lu\n", optouts);
	free(rows);
	return 0;
}

/*
 * Who forget and export look for: PERSON_ID, and addresses given with
 * --email and --phone (for a person whose profile is gone). NULL after a
 * usage message.
 */
static struct pii *
ctl_who(const char *cmd, int argc, char **argv)
{
	struct pii	*who = NULL;
	const char	*pid = NULL;
	char		 err[128];
	int		 k, rc = 0;

	for (k = 0; k < argc; k++) {
		if ((strcmp(argv[k], "--email") == 0 ||
		    strcmp(argv[k], "--phone") == 0) && k + 1 < argc)
			k++;
		else if (argv[k][0] == '-' || pid != NULL) {
			ctl_usage(stderr);
			return NULL;
		} else
			pid = argv[k];
	}
	if (pid == NULL || (who = pii_new(pid)) == NULL) {
		if (pid != NULL)
			fprintf(stderr, "relaisctl: %s: a person id has 1 to %d "
			    "bytes\n", cmd, PII_ID_MAX);
		ctl_usage(stderr);
		return NULL;
	}
	for (k = 0; k + 1 < argc; k++) {
		if (strcmp(argv[k], "--email") == 0)
			rc = pii_add_email(who, argv[++k], err, sizeof err);
		else if (strcmp(argv[k], "--phone") == 0)
			rc = pii_add_phone(who, argv[++k], err, sizeof err);
		if (rc == -1) {
			fprintf(stderr, "relaisctl: %s: %s: %s\n", cmd,
			    argv[k - 1], err);
			pii_free(who);
			return NULL;
		}
	}
	return who;
}

/* Law 25: erase a person, and say what was removed. */
static int
ctl_forget(struct ctl *c, int argc, char **argv)
{
	struct forget_report	r;
	struct pii		*who;
	char			err[256];

	if ((who = ctl_who("forget", argc, argv)) == NULL)
		return 2;
	if (ctl_connect(c) == -1) {
		pii_free(who);
		return 1;
	}
	if (forget_person(c->rc, c->cf, who, &r, err,
	    sizeof err) == -1) {
		fprintf(stderr, "relaisctl: forget %s: %s\n", pii_id(who), err);
		pii_free(who);
		return 1;
	}
	printf("person %s: %s\n", pii_id(who), r.person ?
	    "stored profile erased" : "no stored profile");
	printf("  searched for: the id, %zu email address%s, %zu phone "
	    "number%s\n", pii_nemails(who), pii_nemails(who) == 1 ? "" : "es",
	    pii_nphones(who), pii_nphones(who) == 1 ? "" : "s");
	printf("  pending follow-ups cancelled  %lld\n", r.followups);
	printf("  matching index entries        %lld\n", r.index);
	printf("  counsellor caseload entries   %lld\n", r.caseload);
	printf("  employer ledger entries       %lld\n", r.ledgers);
	printf("  pending digest entries        %lld\n", r.digests);
	printf("  pending reminder entries      %lld\n", r.reminders);
	printf("  scheduled retries             %lld\n", r.scheduled);
	printf("  dead letters                  %lld\n", r.dead);
	printf("  unread events                 %lld\n", r.events);
	printf("  delivery records              %lld\n", r.deliveries);
	printf("  follow-up dedupe markers      %lld\n", r.seen);
	printf("(the suppression list and the consent history keep any "
	    "opt-out: they must\noutlive the rest)\n");
	pii_free(who);
	return 0;
}

/* Law 25: all relais holds about a person, as one JSON document. */
static int
ctl_export(struct ctl *c, int argc, char **argv)
{
	struct pii	*who;
	json_t		*doc;
	size_t		 found;
	char		 err[256];
	int		 rc = 0;

	if ((who = ctl_who("export", argc, argv)) == NULL)
		return 2;
	if (ctl_connect(c) == -1) {
		pii_free(who);
		return 1;
	}
	if (forget_export(c->rc, c->cf, who, &doc,
	    &found, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: export %s: %s\n", pii_id(who), err);
		pii_free(who);
		return 1;
	}
	if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ==
	    -1 || printf("\n") < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "relaisctl: export: cannot write: %s\n",
		    strerror(errno));
		rc = 1;
	} else if (found == 0) {
		fprintf(stderr, "relaisctl: export %s: nothing found\n",
		    pii_id(who));
		rc = 1;
	}
	json_decref(doc);
	pii_free(who);
	return rc;
}

static const char *ctl_status_names[] = { "send", "skip", "dead" };

/* Applies --territory and --lang to a decoded event's data. */
static void
ctl_render_override(json_t *data, const char *territory, const char *lang)
{
	json_t	*person;

	if (territory != NULL) {
		json_object_del(data, "municipality");
		json_object_set_new(data, "territory", json_string(territory));
	}
	person = json_object_get(data, "person");
	if (lang != NULL && json_is_object(person))
		json_object_set_new(person, "language", json_string(lang));
}

static int
ctl_render(struct ctl *c, int argc, char **argv)
{
	struct handler_ctx	 hctx;
	struct envelope_limits	 lim;
	struct envelope		 env;
	struct plan		 plan;
	const char		*file = NULL, *territory = NULL, *lang = NULL;
	char			*data, reason[512];
	size_t			 len, i;
	int			 k;

	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "--event") == 0 && k + 1 < argc)
			file = argv[++k];
		else if (strcmp(argv[k], "--territory") == 0 && k + 1 < argc)
			territory = argv[++k];
		else if (strcmp(argv[k], "--lang") == 0 && k + 1 < argc)
			lang = argv[++k];
		else {
			ctl_usage(stderr);
			return 2;
		}
	}
	if (file == NULL) {
		ctl_usage(stderr);
		return 2;
	}
	if ((data = ctl_slurp(file, &len)) == NULL)
		return 1;
	lim.max_bytes = (size_t)c->cf->limits.max_event_bytes;
	lim.max_depth = (int)c->cf->limits.max_depth;
	if (envelope_parse(data, len, &lim, &env, reason, sizeof reason) == -1) {
		fprintf(stderr, "relaisctl: %s: %s\n", file, reason);
		free(data);
		return 1;
	}
	free(data);
	if (env.data != NULL)
		ctl_render_override(env.data, territory, lang);
	memset(&hctx, 0, sizeof hctx);
	hctx.cf = c->cf;
	hctx.now_ms = clock_now_ms();
	if (plan_build(&hctx, &env, NULL, &plan, reason, sizeof reason) == -1) {
		fprintf(stderr, "relaisctl: the event would be dead-lettered: "
		    "%s\n", reason);
		envelope_clear(&env);
		return 1;
	}
	for (i = 0; i < plan.n; i++) {
		const struct plan_delivery *d = &plan.v[i];

		printf("──── %s to %s (%s, %s) — %s%s%s\n", d->channel, d->to,
		    d->role, d->territory, ctl_status_names[d->status],
		    d->reason[0] ? ": " : "", d->reason);
		printf("key:      %s\ntemplate: %s (%s)\ngateway:  %s\n",
		    d->key, d->template, d->msg.language[0] ? d->msg.language :
		    "-", d->route != NULL && d->route->ngateways > 0 ?
		    d->route->gateways[0] : "-");
		if (d->from != NULL)
			printf("from:     %s%s%s%s\n", d->from_name != NULL ?
			    d->from_name : "", d->from_name != NULL ? " <" : "",
			    d->from, d->from_name != NULL ? ">" : "");
		if (d->msg.subject != NULL)
			printf("subject:  %s\n", d->msg.subject);
		if (d->encoding != NULL)
			printf("sms:      %ld segment%s, %s\n", d->segments,
			    d->segments == 1 ? "" : "s", d->encoding);
		if (d->msg.text != NULL)
			printf("\n%s\n", d->msg.text);
		if (d->msg.html != NULL)
			printf("---- HTML\n%s\n", d->msg.html);
	}
	if (plan.n == 0)
		printf("no deliveries\n");
	plan_clear(&plan);
	envelope_clear(&env);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl	 c;
	struct diag	 diag;
	const char	*path = getenv("RELAIS_CONFIG");
	int		 ch, rc;
	size_t		 i;

	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		default:
			ctl_usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		ctl_usage(stderr);
		return 2;
	}
	log_init("relaisctl", 0);
	{
		char	err[128];

		if (clock_init(err, sizeof err) == -1) {
			fprintf(stderr, "relaisctl: %s\n", err);
			return 2;
		}
	}
	if (strcmp(argv[0], "outbox") == 0)
		return ctl_outbox(argc - 1, argv + 1);
	if (path == NULL)
		path = "/etc/relais/relais.yaml";
	memset(&c, 0, sizeof c);
	diag_init(&diag);
	if ((c.cf = config_load(path, &diag)) == NULL) {
		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		diag_free(&diag);
		return 1;
	}
	diag_free(&diag);
	if (strcmp(argv[0], "emit") == 0)
		rc = ctl_emit(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "status") == 0)
		rc = ctl_status(&c);
	else if (strcmp(argv[0], "dead") == 0)
		rc = ctl_dead(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "render") == 0)
		rc = ctl_render(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "suppress") == 0)
		rc = ctl_suppress(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "report") == 0)
		rc = ctl_report(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "forget") == 0)
		rc = ctl_forget(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "export") == 0)
		rc = ctl_export(&c, argc - 1, argv + 1);
	else {
		fprintf(stderr, "relaisctl: unknown command \"%s\"\n", argv[0]);
		ctl_usage(stderr);
		rc = 2;
	}
	if (c.rc != NULL)
		redisFree(c.rc);
	config_free(c.cf);
	return rc;
}
