/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for scheduled:kinds (queue_lua.h), on a throwaway
 * redis-server: after any sequence of adds, score updates and removes
 * (sched_add, sched_add_all, sched_rem, the commit script's Z op and an effect, the
 * tick) the hash holds what reading the whole set counts; a store of an
 * older relaisd is counted once by the stats script; queue_kinds_lua.
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
#include "queue_args.h"
#include "queue_lua.h"
#include "redis_fixture.h"
#include "store.h"

#define NKINDS	6

/* Members and their kinds, written out here rather than derived. */
static const struct {
	const char	*m;
	int		 kind;
} test_members[] = {
	{ "retry 0 0 k1 {\"type\":\"newcomer.arrived\",\"id\":\"a\"}", 1 },
	{ "retry 2 1 k2 {\"type\":\"newcomer.arrived\",\"id\":\"b\"}", 0 },
	{ "retry 0 1 k3 {\"type\":\"followup.due\",\"id\":\"c\"}", 0 },
	{ "retry 1 0 k4 {\"type\":\"match.digest\",\"id\":\"d\"}", 0 },
	{ "retry x y", 5 },
	{ "event 0 0 - {\"type\":\"followup.due\",\"id\":\"f1\"}", 2 },
	{ "{\"type\":\"followup.due\",\"id\":\"f2\"}", 2 },
	{ "{\"type\":\"match.digest\",\"id\":\"d1\"}", 3 },
	{ "event 0 0 - {\"type\":\"match.digest\",\"id\":\"d2\"}", 3 },
	{ "{\"type\":\"followup.reminders\",\"id\":\"r1\"}", 4 },
	{ "{\"type\":\"job.posted\",\"id\":\"o1\"}", 5 },
	{ "{\"type\":\"followup.duex\",\"id\":\"o2\"}", 5 },
	{ "garbage", 5 },
};
#define NMEMBERS	(sizeof test_members / sizeof test_members[0])

static const char *const test_kind_names[NKINDS] = QUEUE_SCHED_KIND_NAMES;

/*
 * One add ("+") or remove ("-") through sched_add / sched_rem, or score,
 * member pairs through sched_add_all: each member's kind read ("*"), or
 * all told "followup" ("f"), as an arrival plans its follow-ups.
 */
static const char test_op_lua[] = QUEUE_SCHED_LUA
"if ARGV[2] == '+' then return sched_add(ARGV[1], ARGV[3], ARGV[4]) end\n"
"if ARGV[2] == '*' then sched_add_all(ARGV[1], { unpack(ARGV, 3) }); return 0 end\n"
"if ARGV[2] == 'f' then sched_add_all(ARGV[1], { unpack(ARGV, 3) }, 'followup'); return 0 end\n"
"return sched_rem(ARGV[1], ARGV[4])\n";

static unsigned long	test_seed = 12345;

static unsigned
test_rand(unsigned n)
{
	test_seed = test_seed * 1103515245UL + 12345UL;
	return (unsigned)((test_seed >> 16) % n);
}

static int
setup(void **state)
{
	struct test_redis	*srv;

	srv = calloc(1, sizeof *srv);
	assert_non_null(srv);
	test_redis_start(srv, NULL, 0);
	*state = srv;
	return 0;
}

static int
teardown(void **state)
{
	struct test_redis	*srv = *state;

	test_redis_stop(srv);
	free(srv);
	return 0;
}

/* A kind's count in scheduled:kinds, -1 when it has none. */
static long long
test_hget(struct test_redis *srv, const char *kind)
{
	redisReply	*r;
	long long	 n = -1;

	r = test_redis_cmd(srv, "HGET t:" QUEUE_SCHED_KINDS " %s", kind);
	if (r->type == REDIS_REPLY_STRING)
		n = strtoll(r->str, NULL, 10);
	freeReplyObject(r);
	return n;
}

static int
test_kind_of(const char *m, size_t len)
{
	size_t	i;

	for (i = 0; i < NMEMBERS; i++)
		if (strlen(test_members[i].m) == len &&
		    memcmp(test_members[i].m, m, len) == 0)
			return test_members[i].kind;
	fail_msg("member not of the test: %.*s", (int)len, m);
	return -1;
}

/*
 * The invariant: scheduled:kinds equals the kinds counted over a ZSCAN of
 * the whole set, no field at 0 or below, no hash for an empty set.
 */
static void
test_invariant(struct test_redis *srv, const char *when)
{
	long long	 want[NKINDS] = { 0 }, got[NKINDS] = { 0 }, n;
	redisReply	*r;
	const redisReply *e;
	char		 cursor[32] = "0";
	size_t		 i, k, total = 0;

	do {
		r = test_redis_cmd(srv, "ZSCAN t:scheduled %s COUNT 3", cursor);
		assert_int_equal(r->type, REDIS_REPLY_ARRAY);
		snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
		e = r->element[1];
		for (i = 0; i + 1 < e->elements; i += 2) {
			want[test_kind_of(e->element[i]->str,
			    e->element[i]->len)]++;
			total++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	r = test_redis_cmd(srv, "HGETALL t:" QUEUE_SCHED_KINDS);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	for (i = 0; i + 1 < r->elements; i += 2) {
		for (k = 0; k < NKINDS &&
		    strcmp(r->element[i]->str, test_kind_names[k]) != 0; k++)
			;
		if (k == NKINDS)
			fail_msg("%s: unknown kind %s", when, r->element[i]->str);
		n = strtoll(r->element[i + 1]->str, NULL, 10);
		if (n <= 0)
			fail_msg("%s: kind %s kept at %lld", when,
			    r->element[i]->str, n);
		got[k] = n;
	}
	freeReplyObject(r);
	for (k = 0; k < NKINDS; k++)
		if (got[k] != want[k])
			fail_msg("%s: kind %s: the hash says %lld, the set "
			    "holds %lld", when, test_kind_names[k], got[k],
			    want[k]);
	assert_int_equal(test_redis_int(srv, "EXISTS t:" QUEUE_SCHED_KINDS),
	    total > 0);
}

/* The commit script (with the handlers' effects) on ops, as relaisd runs it. */
static void
test_commit(struct test_redis *srv, struct queue_args *ops)
{
	struct queue_args	 a;
	struct buf		 body;
	redisReply		*r;
	size_t			*len;
	int			 i;

	buf_init(&body);
	buf_puts(&body, store_effects());
	buf_puts(&body, queue_commit_lua);
	queue_args_init(&a);
	queue_args_add(&a, "EVAL", 4);
	queue_args_add(&a, body.data, body.len);
	queue_args_addf(&a, "0");
	queue_args_addf(&a, "t:");
	queue_args_addf(&a, "g");
	queue_args_addf(&a, "60");
	queue_args_addf(&a, "60");
	queue_args_addf(&a, "86400000");
	queue_args_cat(&a, ops);
	len = calloc((size_t)a.n, sizeof *len);
	assert_non_null(len);
	for (i = 0; i < (int)a.n; i++)
		len[i] = a.len[i];
	r = redisCommandArgv(srv->c, (int)a.n, queue_args_argv(&a), len);
	assert_non_null(r);
	if (r->type != REDIS_REPLY_INTEGER || r->integer != 1)
		fail_msg("commit: %s", r->type == REDIS_REPLY_ERROR ? r->str :
		    "not 1");
	freeReplyObject(r);
	free(len);
	queue_args_clear(&a);
	buf_free(&body);
}

/* Adds, score updates, removes of present and absent members, ticks. */
static void
test_sched_invariant(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	int			 in[NMEMBERS] = { 0 };
	char			 when[64], score[32];
	long long		 n;
	unsigned		 step, i, op;

	test_invariant(srv, "empty");
	for (step = 0; step < 600; step++) {
		i = test_rand(NMEMBERS);
		op = test_rand(13);
		snprintf(score, sizeof score, "%u", 1 + test_rand(1000));
		snprintf(when, sizeof when, "step %u (op %u, member %u)", step,
		    op, i);
		if (op < 4) {
			n = test_redis_int(srv, "EVAL %s 0 t: + %s %s",
			    test_op_lua, score, test_members[i].m);
			/* ZADD's answer: 0 for a score updated */
			assert_int_equal(n, !in[i]);
			in[i] = 1;
		} else if (op < 7) {
			n = test_redis_int(srv, "EVAL %s 0 t: - 0 %s",
			    test_op_lua, test_members[i].m);
			assert_int_equal(n, in[i]);
			in[i] = 0;
		} else if (op < 9) {
			/* the commit script's Z op, twice: an add, an update */
			queue_args_init(&ops);
			queue_args_addf(&ops, "Z");
			queue_args_addf(&ops, "%s", score);
			queue_args_addf(&ops, "%s", test_members[i].m);
			queue_args_addf(&ops, "Z");
			queue_args_addf(&ops, "%s", score);
			queue_args_addf(&ops, "%s", test_members[i].m);
			test_commit(srv, &ops);
			queue_args_clear(&ops);
			in[i] = 1;
		} else if (op == 12) {
			/* an arrival's plan: follow-ups only, their kind told */
			unsigned j = 5 + test_rand(2);

			assert_int_equal(test_members[5].kind, 2);
			assert_int_equal(test_members[6].kind, 2);
			freeReplyObject(test_redis_cmd(srv, "EVAL %s 0 t: f "
			    "%s %s %s %s", test_op_lua, score, test_members[5].m,
			    score, test_members[j].m));
			in[5] = in[j] = 1;
		} else if (op >= 10) {
			/* three pairs in one call, kinds mixed, maybe one twice */
			unsigned j = test_rand(NMEMBERS), k = test_rand(NMEMBERS);

			freeReplyObject(test_redis_cmd(srv, "EVAL %s 0 t: * "
			    "%s %s %s %s %s %s", test_op_lua, score,
			    test_members[i].m, score, test_members[j].m, score,
			    test_members[k].m));
			in[i] = in[j] = in[k] = 1;
		} else {
			/* the tick: what is due leaves, unreadable or not */
			freeReplyObject(test_redis_cmd(srv, "EVAL %s 0 t: %s 4 "
			    "60 86400000", queue_tick_lua, score));
			for (i = 0; i < NMEMBERS; i++)
				in[i] = test_redis_int(srv, "EVAL %s 0 %s",
				    "return redis.call('ZSCORE', 't:scheduled', "
				    "ARGV[1]) and 1 or 0", test_members[i].m) == 1;
		}
		test_invariant(srv, when);
	}
	/* everything removed: no hash left */
	for (i = 0; i < NMEMBERS; i++)
		freeReplyObject(test_redis_cmd(srv, "EVAL %s 0 t: - 0 %s",
		    test_op_lua, test_members[i].m));
	test_invariant(srv, "all removed");
	assert_int_equal(test_redis_int(srv, "EXISTS t:" QUEUE_SCHED_KINDS), 0);
}

/* An effect (newcomer.arrived's digest_add) schedules through sched_add. */
static void
test_sched_effect(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	const char		*m = test_members[7].m;
	int			 k;

	for (k = 0; k < 2; k++) {
		queue_args_init(&ops);
		queue_args_addf(&ops, "H");
		queue_args_addf(&ops, "digest_add");
		queue_args_addf(&ops, "6");
		queue_args_addf(&ops, "e1");
		queue_args_addf(&ops, "p%d", k);
		queue_args_addf(&ops, "j1");
		queue_args_addf(&ops, "1000");
		queue_args_addf(&ops, "%s", m);
		queue_args_addf(&ops, "60000");
		test_commit(srv, &ops);
		queue_args_clear(&ops);
	}
	assert_int_equal(test_redis_int(srv, "ZCARD t:scheduled"), 1);
	assert_int_equal(test_hget(srv, "digest"), 1);
	test_invariant(srv, "digest_add");
}

/*
 * An effect's last "name..." argument takes every value left, whether a
 * few (a table made from unpack) or more than unpack may return at once
 * (built one by one): announce's persons, 3 and then 1,500 of them.
 */
static void
test_effect_rest(void **state)
{
	struct test_redis	*srv = *state;
	struct queue_args	 ops;
	redisReply		*r;
	const int		 sizes[] = { 3, 1500 };
	int			 k, i;

	for (k = 0; k < 2; k++) {
		queue_args_init(&ops);
		queue_args_addf(&ops, "H");
		queue_args_addf(&ops, "announce");
		queue_args_addf(&ops, "%d", 3 + sizes[k]);
		queue_args_addf(&ops, "e%d", k);
		queue_args_addf(&ops, "ev%d", k);
		queue_args_addf(&ops, "abitibi:2026-12");
		for (i = 0; i < sizes[k]; i++)
			queue_args_addf(&ops, "p%d", i);
		test_commit(srv, &ops);
		queue_args_clear(&ops);
		if (test_redis_int(srv, k == 0 ? "HLEN t:announced:e0" :
		    "HLEN t:announced:e1") != sizes[k])
			fail_msg("announce of %d persons: not all stored",
			    sizes[k]);
	}
	r = test_redis_cmd(srv, "HGET t:figures:abitibi:2026-12 candidates");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_string_equal(r->str, "1503");
	freeReplyObject(r);
}

/*
 * A store of an older relaisd (a set, no hash): the stats script counts
 * it once, pages past the first 1,000; a hash present is not recounted;
 * an empty set gets no hash.
 */
static void
test_sched_upgrade(void **state)
{
	struct test_redis	*srv = *state;
	redisReply		*r;
	int			 i;

	r = test_redis_cmd(srv, "EVAL %s 0 t: g 5000", queue_stats_lua);
	freeReplyObject(r);
	assert_int_equal(test_redis_int(srv, "EXISTS t:" QUEUE_SCHED_KINDS), 0);
	for (i = 0; i < 2500; i++) {
		if (i < 1200)
			r = test_redis_cmd(srv, "ZADD t:scheduled %d %s%d%s", i,
			    "retry 1 0 k", i, " {\"type\":\"x\"}");
		else if (i < 2000)
			r = test_redis_cmd(srv, "ZADD t:scheduled %d %s%d%s", i,
			    "retry 0 0 k", i, " {\"type\":\"x\"}");
		else
			r = test_redis_cmd(srv, "ZADD t:scheduled %d %s%d%s", i,
			    "{\"type\":\"followup.due\",\"id\":\"", i, "\"}");
		freeReplyObject(r);
	}
	r = test_redis_cmd(srv, "EVAL %s 0 t: g 5000", queue_stats_lua);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->element[2]->integer, 2500);
	freeReplyObject(r);
	assert_int_equal(test_hget(srv, "retry"), 1200);
	assert_int_equal(test_hget(srv, "deferred"), 800);
	assert_int_equal(test_hget(srv, "followup"), 500);
	assert_int_equal(test_redis_int(srv, "HLEN t:" QUEUE_SCHED_KINDS), 3);
	/* counted once: a hash present stays as it is */
	freeReplyObject(test_redis_cmd(srv, "HSET t:" QUEUE_SCHED_KINDS
	    " retry 7"));
	freeReplyObject(test_redis_cmd(srv, "EVAL %s 0 t: g 5000",
	    queue_stats_lua));
	assert_int_equal(test_hget(srv, "retry"), 7);
}

/*
 * An older store whose first change after the upgrade comes before any
 * stats run: a remove leaves no hash (no count below 0); the first add
 * counts the whole set, not only itself.
 */
static void
test_sched_upgrade_add(void **state)
{
	struct test_redis	*srv = *state;
	size_t			 i;

	for (i = 0; i < 8; i++)
		freeReplyObject(test_redis_cmd(srv, "ZADD t:scheduled %d %s",
		    (int)i, test_members[i].m));
	assert_int_equal(test_redis_int(srv, "EVAL %s 0 t: - 0 %s",
	    test_op_lua, test_members[0].m), 1);
	assert_int_equal(test_redis_int(srv, "EXISTS t:" QUEUE_SCHED_KINDS), 0);
	assert_int_equal(test_redis_int(srv, "EVAL %s 0 t: + 50 %s",
	    test_op_lua, test_members[10].m), 1);
	test_invariant(srv, "the first add after the upgrade");
	assert_int_equal(test_hget(srv, "retry"), 3);
	assert_int_equal(test_hget(srv, "followup"), 2);
	assert_int_equal(test_hget(srv, "digest"), 1);
	assert_int_equal(test_hget(srv, "other"), 2);
	/* from then on, adds count themselves only */
	assert_int_equal(test_redis_int(srv, "EVAL %s 0 t: + 60 %s",
	    test_op_lua, test_members[9].m), 1);
	test_invariant(srv, "an add after the count");
}

/* queue_kinds_lua: the hash, the due by kind (sampled), the sizes. */
static void
test_sched_kinds_lua(void **state)
{
	struct test_redis	*srv = *state;
	redisReply		*r;
	const int		 at[] = { 10, 20, 30, 5000, 6000 };
	const int		 which[] = { 1, 6, 7, 8, 10 };
	size_t			 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(test_redis_int(srv, "EVAL %s 0 t: + %d %s",
		    test_op_lua, at[i], test_members[which[i]].m), 1);
	r = test_redis_cmd(srv, "EVAL %s 0 t: 100 10", queue_kinds_lua);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 4);
	/* retry 1, followup 1, digest 2, other 1 */
	assert_int_equal(r->element[0]->elements, 8);
	/* due: the retry, the follow-up, a digest */
	assert_int_equal(r->element[1]->elements, 6);
	assert_int_equal(r->element[2]->integer, 3);
	assert_int_equal(r->element[3]->integer, 5);
	freeReplyObject(r);
	/* a sample of 1: the soonest only */
	r = test_redis_cmd(srv, "EVAL %s 0 t: 100 1", queue_kinds_lua);
	assert_int_equal(r->element[1]->elements, 2);
	assert_string_equal(r->element[1]->element[0]->str, "retry");
	assert_int_equal(r->element[1]->element[1]->integer, 1);
	assert_int_equal(r->element[2]->integer, 3);
	freeReplyObject(r);
	test_invariant(srv, "kinds");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sched_invariant, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_effect_rest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sched_effect, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sched_upgrade, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sched_upgrade_add, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sched_kinds_lua, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
