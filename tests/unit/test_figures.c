/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for figures.c (keys, local months, fiscal years, a figures
 * hash decoded, reason classes) and for the Lua that keeps the figures,
 * run on a throwaway redis-server: the commit script's F op and dead
 * letters, the tick's retention, the reason classes of C and Lua alike.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "figures.h"
#include "queue_args.h"
#include "queue_lua.h"
#include "redis_fixture.h"
#include "store.h"
#include "tz.h"

/* 2026-11-01T03:59:59Z and 04:00:00Z: midnight in Toronto (EDT, -4). */
#define NOV_TORONTO_MS	1793505600000LL

static void
test_months(void **state)
{
	char		 m[FIGURES_MONTH_SIZE], a[FIGURES_MONTH_SIZE],
			 b[FIGURES_MONTH_SIZE], list[13][FIGURES_MONTH_SIZE];
	struct tz	*tz;
	char		 err[128];

	(void)state;
	tz = tz_load("America/Toronto", err, sizeof err);
	if (tz == NULL)
		fail_msg("America/Toronto: %s", err);
	/* the local month, not UTC's */
	figures_month(tz, NOV_TORONTO_MS - 1000, m);
	assert_string_equal(m, "2026-10");
	figures_month(tz, NOV_TORONTO_MS, m);
	assert_string_equal(m, "2026-11");
	figures_month(NULL, NOV_TORONTO_MS - 1000, m);
	assert_string_equal(m, "2026-11");

	assert_true(figures_month_valid("2026-01"));
	assert_true(figures_month_valid("2026-12"));
	assert_false(figures_month_valid("2026-13"));
	assert_false(figures_month_valid("2026-00"));
	assert_false(figures_month_valid("2026-1"));
	assert_false(figures_month_valid("2026-01x"));
	assert_false(figures_month_valid("20a6-01"));
	assert_false(figures_month_valid(""));
	assert_false(figures_month_valid(NULL));

	assert_int_equal(figures_month_add("2026-01", -1, m), 0);
	assert_string_equal(m, "2025-12");
	assert_int_equal(figures_month_add("2026-11", 14, m), 0);
	assert_string_equal(m, "2028-01");
	assert_int_equal(figures_month_add("bad", 1, m), -1);
	assert_int_equal(figures_month_add("0000-01", -1, m), -1);

	assert_int_equal(figures_month_span("2026-04", "2027-03"), 12);
	assert_int_equal(figures_month_span("2026-04", "2026-04"), 1);
	assert_int_equal(figures_month_span("2026-05", "2026-04"), 0);
	assert_int_equal(figures_month_span("x", "2026-04"), 0);

	assert_int_equal(figures_fiscal_year("2026-11", a, b), 0);
	assert_string_equal(a, "2026-04");
	assert_string_equal(b, "2027-03");
	assert_int_equal(figures_fiscal_year("2027-03", a, b), 0);
	assert_string_equal(a, "2026-04");
	assert_int_equal(figures_fiscal_year("2027-04", a, b), 0);
	assert_string_equal(a, "2027-04");
	assert_int_equal(figures_fiscal_year("2027-13", a, b), -1);

	/* this month and the last 12, oldest first, local */
	figures_months(tz, NOV_TORONTO_MS - 1000, 13, list);
	assert_string_equal(list[0], "2025-10");
	assert_string_equal(list[12], "2026-10");
	figures_months(tz, NOV_TORONTO_MS, 1, list);
	assert_string_equal(list[0], "2026-11");
	tz_free(tz);
}

static void
test_keys(void **state)
{
	char	k[64], big[300], max[32];

	(void)state;
	assert_int_equal(figures_key(k, sizeof k, "relais:", "abitibi",
	    "2026-11"), 0);
	assert_string_equal(k, "relais:figures:abitibi:2026-11");
	assert_int_equal(figures_open_key(k, sizeof k, "relais:", "abitibi"),
	    0);
	assert_string_equal(k, "relais:followups-open:abitibi");
	assert_int_equal(figures_reasons_key(k, sizeof k, "t:"), 0);
	assert_string_equal(k, "t:dead:reasons");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(figures_key(k, sizeof k, "relais:", big, "2026-11"),
	    -1);
	assert_string_equal(k, "");
	figures_overdue_max(100LL * 86400000, max, sizeof max);
	assert_string_equal(max, "7430400000");	/* 86 days, in ms */
}

/* An HGETALL reply made by hand, as hiredis would hand it over. */
static redisReply *
test_reply(const char *const *kv, size_t n)
{
	redisReply	*r;
	size_t		 i;

	r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->type = REDIS_REPLY_ARRAY;
	r->elements = n;
	r->element = calloc(n + 1, sizeof *r->element);
	for (i = 0; i < n; i++) {
		r->element[i] = calloc(1, sizeof *r->element[i]);
		if (kv[i] == NULL) {
			r->element[i]->type = REDIS_REPLY_INTEGER;
			r->element[i]->integer = 7;
			continue;
		}
		r->element[i]->type = REDIS_REPLY_STRING;
		r->element[i]->str = strdup(kv[i]);
		r->element[i]->len = strlen(kv[i]);
	}
	return r;
}

static void
test_decode(void **state)
{
	static const char *const kv[] = {
		"arrivals", "3", "welcomed", "2", "welcomed:email", "2",
		"welcomed:sms", "1", "welcomed:pigeon", "9",
		"sent:welcome:email", "2", "sent:welcome:sms", "1",
		"sent:arrival_notice:email", "4", "sent:checkin:sms", "5",
		"sent:followup_reminder:email", "6", "sent:match_alert:email",
		"1", "sent:custom_tpl:email", "8", "sent:bad", "1",
		"sent:welcome:fax", "1", "dead", "2", "dead:welcome:email", "2",
		"candidates", "3", "departures", "1", "optouts", "1",
		"followups_due", "4", "followups_done", NULL, "unknown", "5",
		"arrivals", "-4", "arrivals", "12x",
	};
	struct figures	 f, sum;
	redisReply	*r;
	size_t		 i;

	(void)state;
	r = test_reply(kv, sizeof kv / sizeof kv[0]);
	figures_init(&f, "abitibi", "2026-11");
	assert_int_equal(figures_decode(&f, r), 0);
	freeReplyObject(r);
	assert_string_equal(f.territory, "abitibi");
	assert_string_equal(f.month, "2026-11");
	assert_int_equal(f.arrivals, 3);
	assert_int_equal(f.welcomed, 2);
	assert_int_equal(f.welcomed_by[FIGURES_EMAIL], 2);
	assert_int_equal(f.welcomed_by[FIGURES_SMS], 1);
	assert_int_equal(figures_sent(&f, FIGURES_WELCOME), 3);
	assert_int_equal(figures_sent(&f, FIGURES_NOTICE), 4);
	assert_int_equal(figures_sent(&f, FIGURES_CHECKIN), 5);
	assert_int_equal(figures_sent(&f, FIGURES_REMINDER), 6);
	assert_int_equal(figures_sent(&f, FIGURES_ALERT), 1);
	assert_int_equal(figures_sent(&f, FIGURES_OTHER), 8);
	assert_int_equal(f.dead, 2);
	assert_int_equal(f.candidates, 3);
	assert_int_equal(f.departures, 1);
	assert_int_equal(f.optouts, 1);
	assert_int_equal(f.followups_due, 4);
	assert_int_equal(f.followups_done, 7);	/* an integer reply */
	assert_int_equal(f.followups_overdue, 0);

	/* the table of figures: people first, every one has a value */
	assert_int_equal(figures_ndefs(), 16);
	assert_string_equal(figures_def_at(0)->id, "arrivals");
	assert_null(figures_def_at(figures_ndefs()));
	assert_string_equal(figures_label(figures_def_at(0), "fr"),
	    "Arrivées");
	assert_string_equal(figures_label(figures_def_at(0), "en"),
	    "Arrivals");
	for (i = 0; i + 1 < figures_ndefs(); i++)
		assert_true(figures_def_at(i)->unit <=
		    figures_def_at(i + 1)->unit);
	assert_int_equal(figures_value(&f, 7), 3);	/* welcomes_sent */
	assert_string_equal(figures_def_at(7)->id, "welcomes_sent");
	assert_int_equal(figures_value(&f, 99), 0);

	figures_init(&sum, "total", "2026-11");
	figures_sum(&sum, &f);
	figures_sum(&sum, &f);
	assert_string_equal(sum.territory, "total");
	assert_int_equal(sum.arrivals, 6);
	assert_int_equal(figures_sent(&sum, FIGURES_OTHER), 16);

	/* not an array, no reply: refused, nothing added */
	assert_int_equal(figures_decode(&f, NULL), -1);
	assert_int_equal(f.arrivals, 3);
	assert_int_equal(figures_message_of("match_alert"), FIGURES_ALERT);
	assert_int_equal(figures_message_of(NULL), FIGURES_OTHER);
}

/* Reasons relais writes, and their classes. */
static const struct {
	const char	*reason;
	const char	*cls;
} test_reasons[] = {
	{ "unknown event type \"x.y\"", "unknown_type" },
	{ "unknown territory \"nord\"", "unknown_territory" },
	{ "unknown municipality \"X\"", "unknown_territory" },
	{ "poison message: read 11 times without completing", "poison" },
	{ "stream entry has no \"event\" field", "unreadable" },
	{ "unreadable scheduled entry", "unreadable" },
	{ "state function due answered what is not JSON: x", "state" },
	{ "invalid email address", "invalid_address" },
	{ "invalid phone number: too short", "invalid_address" },
	{ "territory abitibi has no sms sender", "no_sender" },
	{ "SMS would be 9 segments (ucs2, 600 characters)", "sms" },
	{ "window business does not open in the next year", "window" },
	{ "opted out (21610): unsubscribed (HTTP 400)", "opted_out" },
	{ "gave up after 10 attempts: HTTP 503", "gave_up" },
	{ "gateway kept asking to wait", "gave_up" },
	{ "transport: connection refused", "transport" },
	{ "HTTP 400: bad request", "rejected" },
	{ "SMTP 550: no such user", "rejected" },
	{ "twilio 21211: invalid 'To' (HTTP 400)", "rejected" },
	{ "no route for type=x role=y channel=email", "no_route" },
	{ "template welcome: variable x missing", "template" },
	{ "no email template \"x\" in any of the languages", "template" },
	{ "missing data.person", "invalid_event" },
	{ "data.profile must be an object", "invalid_event" },
	{ "invalid JSON at line 1, column 2: x", "invalid_event" },
	{ "attribute 'data' must be a JSON object, got array",
	    "invalid_event" },
	{ "event is empty", "invalid_event" },
	{ "JSON nested deeper than 64 levels (at byte 9)", "invalid_event" },
	{ "something new", "other" },
	{ "", "other" },
	{ "http", "other" },
	{ "Unknown Event Type \"é\"", "unknown_type" },
};

static void
test_reason_class(void **state)
{
	size_t		 i, n = 0;
	const char	*c;

	(void)state;
	for (i = 0; i < sizeof test_reasons / sizeof test_reasons[0]; i++) {
		c = figures_reason_class(test_reasons[i].reason);
		if (strcmp(c, test_reasons[i].cls) != 0)
			fail_msg("\"%s\": expected %s, got %s",
			    test_reasons[i].reason, test_reasons[i].cls, c);
	}
	assert_string_equal(figures_reason_class(NULL), "other");
	/* each class once, "other" last */
	for (i = 0; (c = figures_reason_class_at(i)) != NULL; i++) {
		size_t k;

		for (k = 0; k < i; k++)
			assert_string_not_equal(figures_reason_class_at(k), c);
		n++;
	}
	assert_string_equal(figures_reason_class_at(n - 1), "other");
	assert_true(n >= 15 && n < 30);
}

/* A fixture with a redis-server, for the scripts. */
static int
setup_redis(void **state)
{
	struct test_redis	*srv;

	assert_non_null(srv = calloc(1, sizeof *srv));
	test_redis_start(srv, NULL, 0);
	*state = srv;
	return 0;
}

static int
teardown_redis(void **state)
{
	struct test_redis	*srv = *state;

	test_redis_stop(srv);
	free(srv);
	return 0;
}

/* The same answers from the Lua of figures_reason_lua. */
static void
test_reason_lua(void **state)
{
	struct test_redis	*srv = *state;
	struct buf		 b;
	redisReply		*r;
	size_t			 i;

	buf_init(&b);
	buf_puts(&b, figures_reason_lua);
	buf_puts(&b, "return reason_class(ARGV[1])\n");
	for (i = 0; i < sizeof test_reasons / sizeof test_reasons[0]; i++) {
		r = test_redis_cmd(srv, "EVAL %s 0 %s", b.data,
		    test_reasons[i].reason);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		if (strcmp(r->str, test_reasons[i].cls) != 0)
			fail_msg("Lua, \"%s\": expected %s, got %s",
			    test_reasons[i].reason, test_reasons[i].cls, r->str);
		freeReplyObject(r);
	}
	buf_free(&b);
}

/* Runs the commit script (with the handlers' effects) on ops: its reply. */
static redisReply *
test_commit_reply(struct test_redis *srv, struct queue_args *ops)
{
	struct queue_args	 a;
	struct buf		 body;
	redisReply		*r;
	const char		**argv;
	size_t			*len;
	int			 i, n;

	buf_init(&body);
	buf_puts(&body, store_effects());
	buf_puts(&body, queue_commit_lua);
	queue_args_init(&a);
	queue_args_add(&a, "EVAL", 4);
	queue_args_add(&a, body.data, body.len);
	queue_args_add(&a, "0", 1);
	queue_args_add(&a, "t:", 2);
	queue_args_add(&a, "g", 1);
	queue_args_add(&a, "60", 2);
	queue_args_add(&a, "60", 2);
	queue_args_add(&a, "86400000", 8);
	queue_args_cat(&a, ops);
	argv = queue_args_argv(&a);
	n = a.n;
	len = calloc((size_t)n, sizeof *len);
	for (i = 0; i < n; i++)
		len[i] = a.len[i];
	r = redisCommandArgv(srv->c, n, argv, len);
	assert_non_null(r);
	free(len);
	queue_args_clear(&a);
	buf_free(&body);
	return r;
}

/* Runs the commit script on ops, which must all apply. */
static void
test_commit(struct test_redis *srv, struct queue_args *ops)
{
	redisReply	*r = test_commit_reply(srv, ops);

	if (r->type != REDIS_REPLY_INTEGER || r->integer != 1)
		fail_msg("commit: %s", r->type == REDIS_REPLY_ERROR ? r->str :
		    "not 1");
	freeReplyObject(r);
}

static long long
test_hget(struct test_redis *srv, const char *key, const char *field)
{
	redisReply	*r;
	long long	 v;

	r = test_redis_cmd(srv, "HGET %s %s", key, field);
	v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : -1;
	freeReplyObject(r);
	return v;
}

/* A dead-letter record, as record_dead writes it. */
static void
test_dead_op(struct queue_args *ops, const char *reason)
{
	queue_op_record(ops, 1, 3);
	queue_args_add(ops, "reason", 6);
	queue_args_add(ops, reason, strlen(reason));
	queue_args_add(ops, "payload", 7);
	queue_args_add(ops, "{}", 2);
	queue_args_add(ops, "event_id", 8);
	queue_args_add(ops, "e-1", 3);
}

/* The F op counts messages, people once, failures, opt-outs. */
static void
test_commit_figures(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	const char		*k = "t:figures:abitibi:2026-11";
	struct tz		*tz;
	char			 err[128];

	tz = tz_load("America/Toronto", err, sizeof err);
	assert_non_null(tz);
	freeReplyObject(test_redis_cmd(srv, "HSET t:person:p-1 territory "
	    "abitibi"));
	queue_args_init(&ops);
	/* a welcome by email and by SMS, the email one twice (a replay) */
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "welcome", "email", 1,
	    0, "p-1");
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "welcome", "email", 1,
	    0, "p-1");
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "welcome", "sms", 1,
	    0, "p-1");
	/* a person forgotten meanwhile: counted as a message, not marked */
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "welcome", "email", 1,
	    0, "p-gone");
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "arrival_notice",
	    "email", 1, 0, NULL);
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "checkin", "sms", 0,
	    1, NULL);
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "checkin", "email", 0,
	    0, NULL);
	/* no territory: nothing */
	figures_op(&ops, tz, NOV_TORONTO_MS, "", "welcome", "email", 1, 0,
	    NULL);
	/* the month before, locally (UTC says November already) */
	figures_op(&ops, tz, NOV_TORONTO_MS - 1000, "abitibi", "welcome",
	    "email", 1, 0, NULL);
	test_dead_op(&ops, "HTTP 400: bad");
	test_dead_op(&ops, "gave up after 3 attempts");
	test_dead_op(&ops, "http 404");
	test_commit(srv, &ops);
	queue_args_clear(&ops);

	assert_int_equal(test_hget(srv, k, "sent:welcome:email"), 3);
	assert_int_equal(test_hget(srv, k, "sent:welcome:sms"), 1);
	assert_int_equal(test_hget(srv, k, "sent:arrival_notice:email"), 1);
	assert_int_equal(test_hget(srv, k, "welcomed"), 1);
	assert_int_equal(test_hget(srv, k, "welcomed:email"), 1);
	assert_int_equal(test_hget(srv, k, "welcomed:sms"), 1);
	assert_int_equal(test_hget(srv, k, "dead"), 2);
	assert_int_equal(test_hget(srv, k, "dead:checkin:sms"), 1);
	assert_int_equal(test_hget(srv, k, "optouts"), 1);
	assert_int_equal(test_hget(srv, "t:figures:abitibi:2026-10",
	    "sent:welcome:email"), 1);
	assert_int_equal(test_hget(srv, "t:person:p-1", "welcomed"), 2026);
	assert_int_equal(test_redis_int(srv, "EXISTS t:person:p-gone"), 0);
	assert_int_equal(test_redis_int(srv, "EXISTS t:figures::2026-11"), 0);
	/* dead letters by class, each letter carrying it */
	assert_int_equal(test_hget(srv, "t:dead:reasons", "rejected"), 2);
	assert_int_equal(test_hget(srv, "t:dead:reasons", "gave_up"), 1);
	assert_int_equal(test_redis_int(srv, "XLEN t:dead"), 3);

	/* again, later: the person counts no more */
	queue_args_init(&ops);
	figures_op(&ops, tz, NOV_TORONTO_MS + 86400000LL * 40, "abitibi",
	    "welcome", "email", 1, 0, "p-1");
	test_commit(srv, &ops);
	queue_args_clear(&ops);
	assert_int_equal(test_hget(srv, "t:figures:abitibi:2026-12",
	    "sent:welcome:email"), 1);
	assert_int_equal(test_hget(srv, "t:figures:abitibi:2026-12",
	    "welcomed"), -1);
	tz_free(tz);
}

/*
 * The counts of a batch are summed and written once its ops are done: an
 * op failing half-way still leaves each count with the marker written
 * beside it (the entry comes back, finds the marker, counts nothing), and
 * a count Redis refuses is reported as a failure, the rest applied.
 */
static void
test_commit_counts_kept(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	redisReply		*r;
	struct tz		*tz;
	char			 err[128];

	tz = tz_load("America/Toronto", err, sizeof err);
	assert_non_null(tz);
	freeReplyObject(test_redis_cmd(srv, "HSET t:person:p-2 territory "
	    "abitibi"));
	queue_args_init(&ops);
	figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "welcome", "email", 1,
	    0, "p-2");
	queue_args_addf(&ops, "Z");
	queue_args_addf(&ops, "not-a-score");
	queue_args_addf(&ops, "m1");
	r = test_commit_reply(srv, &ops);
	queue_args_clear(&ops);
	assert_int_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
	assert_int_equal(test_hget(srv, "t:person:p-2", "welcomed"), 2026);
	assert_int_equal(test_hget(srv, "t:figures:abitibi:2026-11",
	    "welcomed"), 1);
	assert_int_equal(test_hget(srv, "t:figures:abitibi:2026-11",
	    "sent:welcome:email"), 1);

	/* a figures key that is not a hash: reported, the ack still made */
	freeReplyObject(test_redis_cmd(srv, "SET t:figures:abitibi:2026-09 x"));
	freeReplyObject(test_redis_cmd(srv, "XADD t:events 1-1 f v"));
	queue_args_init(&ops);
	figures_op(&ops, tz, NOV_TORONTO_MS - 86400000LL * 40, "abitibi",
	    "checkin", "email", 1, 0, NULL);
	queue_args_addf(&ops, "A");
	queue_args_addf(&ops, "1-1");
	r = test_commit_reply(srv, &ops);
	queue_args_clear(&ops);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 1);
	assert_non_null(strstr(r->element[0]->str, "figures: "));
	freeReplyObject(r);
	assert_int_equal(test_redis_int(srv, "XLEN t:events"), 0);
	tz_free(tz);
}

/*
 * A delivery marked sent early (delivery.c: its S op with its F op, while
 * others of its event are still out) is counted then, once: not again by
 * its event's commit (S finds the marker), nor lost when a crash leaves
 * it "already sent" (no commit of its own then).
 */
static void
test_commit_early_marker(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	const char		*k = "t:figures:abitibi:2026-11";
	struct tz		*tz;
	char			 err[128];
	int			 i;

	tz = tz_load("America/Toronto", err, sizeof err);
	assert_non_null(tz);
	freeReplyObject(test_redis_cmd(srv, "HSET t:person:p-9 territory "
	    "abitibi"));
	/* the early marker, then the event's commit (twice: a replay) */
	for (i = 0; i < 3; i++) {
		queue_args_init(&ops);
		queue_op_sent(&ops, "key-9");
		figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi", "welcome",
		    "email", 1, 0, "p-9");
		/* a dead delivery after it is counted: the skip is S's F alone */
		if (i > 0)
			test_dead_op(&ops, "HTTP 400: bad");
		if (i > 0)
			figures_op(&ops, tz, NOV_TORONTO_MS, "abitibi",
			    "checkin", "email", 0, 0, NULL);
		test_commit(srv, &ops);
		queue_args_clear(&ops);
	}
	assert_int_equal(test_hget(srv, k, "sent:welcome:email"), 1);
	assert_int_equal(test_hget(srv, k, "welcomed"), 1);
	assert_int_equal(test_hget(srv, k, "dead:checkin:email"), 2);
	assert_int_equal(test_redis_int(srv, "EXISTS t:sent:key-9"), 1);
	tz_free(tz);
}

/*
 * An effect's arguments bound by name (store.c's wrappers): fewer than its
 * names (stat without a once guard: counted, no person read), and a last
 * "x..." list longer than unpack() returns at once (1,500 persons out of
 * a digest of 1,501: the one left keeps the digest scheduled).
 */
static void
test_commit_effect_args(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	redisReply		*r;
	char			 pid[32];
	int			 i;

	for (i = 0; i <= 1500; i++)
		test_redis_int(srv, "HSET t:digest:emp-1 p-%d job-1", i);
	queue_args_init(&ops);
	queue_op_effect(&ops, "stat", 2);
	queue_args_add(&ops, "abitibi:2026-11", 15);
	queue_args_add(&ops, "abitibi:arrivals", 16);
	queue_op_effect(&ops, "digest_done", 4 + 1500);
	queue_args_add(&ops, "emp-1", 5);
	queue_args_add(&ops, "1700000000000", 13);
	queue_args_add(&ops, "digest emp-1", 12);
	queue_args_add(&ops, "60000", 5);
	for (i = 1; i <= 1500; i++) {
		snprintf(pid, sizeof pid, "p-%d", i);
		queue_args_add(&ops, pid, strlen(pid));
	}
	test_commit(srv, &ops);
	queue_args_clear(&ops);
	assert_int_equal(test_hget(srv, "t:figures:abitibi:2026-11",
	    "arrivals"), 1);
	assert_int_equal(test_redis_int(srv, "HLEN t:digest:emp-1"), 1);
	assert_int_equal(test_redis_int(srv, "HEXISTS t:digest:emp-1 p-0"), 1);
	r = test_redis_cmd(srv, "GET t:digest-due:emp-1");
	assert_string_equal(r->str, "1700000000000");
	freeReplyObject(r);
	r = test_redis_cmd(srv, "ZSCORE t:scheduled %s", "digest emp-1");
	assert_string_equal(r->str, "1700000000000");
	freeReplyObject(r);
}

/* The tick's retention takes expired letters off dead:reasons, once. */
static void
test_tick_retention(void **state)
{
	struct test_redis	*srv = *state;
	redisReply		*r;
	long long		 now = test_redis_int(srv, "EVAL %s 0",
				    "return tonumber(redis.call('TIME')[1])");

	/* two old letters with a class, one without (before the count) */
	freeReplyObject(test_redis_cmd(srv, "XADD t:dead %lld-0 reason x "
	    "class rejected", (now - 100) * 1000));
	freeReplyObject(test_redis_cmd(srv, "XADD t:dead %lld-1 reason x "
	    "class gave_up", (now - 100) * 1000));
	freeReplyObject(test_redis_cmd(srv, "XADD t:dead %lld-2 reason %s",
	    (now - 100) * 1000, "HTTP 400"));
	freeReplyObject(test_redis_cmd(srv, "XADD t:dead %lld-0 reason x "
	    "class rejected", now * 1000 + 1000));
	freeReplyObject(test_redis_cmd(srv, "HSET t:dead:reasons rejected 2 "
	    "gave_up 1"));
	/* an unreadable scheduled entry becomes a counted letter */
	freeReplyObject(test_redis_cmd(srv, "ZADD t:scheduled 1 garbage"));
	/* retention 50 s, batches of 2: two ticks to remove the three */
	r = test_redis_cmd(srv, "EVAL %s 0 t: %lld 2 60 50000", queue_tick_lua,
	    now * 1000);
	freeReplyObject(r);
	assert_int_equal(test_redis_int(srv, "XLEN t:dead"), 3);
	r = test_redis_cmd(srv, "EVAL %s 0 t: %lld 2 60 50000", queue_tick_lua,
	    now * 1000);
	freeReplyObject(r);
	assert_int_equal(test_redis_int(srv, "XLEN t:dead"), 2);
	assert_int_equal(test_hget(srv, "t:dead:reasons", "rejected"), 1);
	assert_int_equal(test_hget(srv, "t:dead:reasons", "gave_up"), -1);
	assert_int_equal(test_hget(srv, "t:dead:reasons", "unreadable"), 1);
	assert_int_equal(test_redis_int(srv, "HLEN t:dead:reasons"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_reason_class),
		cmocka_unit_test_setup_teardown(test_reason_lua, setup_redis,
		    teardown_redis),
		cmocka_unit_test_setup_teardown(test_commit_figures,
		    setup_redis, teardown_redis),
		cmocka_unit_test_setup_teardown(test_commit_counts_kept,
		    setup_redis, teardown_redis),
		cmocka_unit_test_setup_teardown(test_commit_early_marker,
		    setup_redis, teardown_redis),
		cmocka_unit_test_setup_teardown(test_commit_effect_args,
		    setup_redis, teardown_redis),
		cmocka_unit_test_setup_teardown(test_tick_retention,
		    setup_redis, teardown_redis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
