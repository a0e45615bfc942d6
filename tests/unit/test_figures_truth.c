/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The figures kept by the handlers, counted once per fact on a real
 * redis-server: each event run as relaisd runs it (prepare, the state
 * script, the handler, the commit of its effects), then again as a crash
 * between state and commit, a dead letter replayed, a duplicate do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "buf.h"
#include "effects.h"
#include "handlers.h"
#include "handlers_fixture.h"
#include "queue_args.h"
#include "queue_lua.h"
#include "store.h"

#define FIG	"t:figures:abitibi:2026-03"
#define FIG_T	"t:figures:temiscamingue:2026-03"

/*
 * A throwaway redis-server of its own (redis_fixture.c cannot be linked
 * with the handlers' fixture: both define test_ms), on a unix socket.
 */
struct truth_redis {
	char		 dir[32];
	char		 sock[64];
	pid_t		 pid;
	redisContext	*c;
};
static struct truth_redis	 truth_srv, *srv = &truth_srv;

static int
setup(void **state)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	int		 i;

	test_setup(state);
	snprintf(srv->dir, sizeof srv->dir, "/tmp/rt.XXXXXX");
	assert_non_null(mkdtemp(srv->dir));
	snprintf(srv->sock, sizeof srv->sock, "%.20s/redis.sock", srv->dir);
	if ((srv->pid = fork()) == 0) {
		execlp("redis-server", "redis-server", "--port", "0",
		    "--unixsocket", srv->sock, "--save", "", "--appendonly",
		    "no", "--dir", srv->dir, "--loglevel", "warning", "--logfile", "redis.log",
		    (char *)NULL);
		_exit(127);
	}
	assert_true(srv->pid > 0);
	for (i = 0; i < 250 && srv->c == NULL; i++) {
		nanosleep(&ts, NULL);
		srv->c = redisConnectUnix(srv->sock);
		if (srv->c != NULL && srv->c->err) {
			redisFree(srv->c);
			srv->c = NULL;
		}
	}
	if (srv->c == NULL)
		fail_msg("redis-server did not answer on %s", srv->sock);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[64];

	redisFree(srv->c);
	kill(srv->pid, SIGKILL);
	waitpid(srv->pid, NULL, 0);
	snprintf(cmd, sizeof cmd, "rm -rf %.31s", srv->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", srv->dir);
	return test_teardown(state);
}

/* A command that must not fail; the caller frees the reply. */
static redisReply *
test_redis_cmd(struct truth_redis *s, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(s->c, fmt, ap);
	va_end(ap);
	if (r == NULL)
		fail_msg("%s: no reply", fmt);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("%s: %s", fmt, r->str);
	return r;
}

static long long
test_redis_int(struct truth_redis *s, const char *cmd)
{
	redisReply	*r = redisCommand(s->c, cmd);
	long long	 v;

	assert_non_null(r);

	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

/* Runs a whole script body with ARGV a (a.n arguments after EVAL body 0). */
static redisReply *
truth_eval(const char *body, struct queue_args *ops)
{
	struct queue_args	 a;
	redisReply		*r;
	size_t			*len;
	int			 i;

	queue_args_init(&a);
	queue_args_add(&a, "EVAL", 4);
	queue_args_add(&a, body, strlen(body));
	queue_args_add(&a, "0", 1);
	queue_args_cat(&a, ops);
	len = calloc((size_t)a.n, sizeof *len);
	for (i = 0; i < a.n; i++)
		len[i] = a.len[i];
	r = redisCommandArgv(srv->c, a.n, queue_args_argv(&a), len);
	free(len);
	queue_args_clear(&a);
	assert_non_null(r);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("script: %s", r->str);
	return r;
}

/*
 * The state script for event id (stream entry sid; claim "1": relais's
 * own replay, marked so) of type on data, order t: its answer.
 */
static json_t *
truth_state(const char *type, const char *id, const char *sid, int replay,
    const char *data, long long t)
{
	struct handler_state	 st;
	struct queue_args	 ops;
	struct buf		 body;
	redisReply		*r;
	json_t			*ans;
	char			 n[32];

	if (replay)
		freeReplyObject(test_redis_cmd(srv, "SET t:internal:%s 1", sid));
	test_prepare(type, id, data, &st);
	queue_args_init(&ops);
	queue_args_add(&ops, "t:", 2);
	queue_args_add(&ops, "60", 2);
	queue_args_add(&ops, id, strlen(id));
	queue_args_add(&ops, sid, strlen(sid));
	queue_args_add(&ops, replay ? "1" : "0", 1);
	queue_args_add(&ops, st.fn, strlen(st.fn));
	queue_args_add(&ops, "", 0);
	snprintf(n, sizeof n, "%lld", t);
	queue_args_add(&ops, n, strlen(n));
	snprintf(n, sizeof n, "%zu", handler_state_nargs(&st));
	queue_args_add(&ops, n, strlen(n));
	handler_state_args(&st, &ops);
	buf_init(&body);
	buf_puts(&body, store_state());
	buf_puts(&body, queue_state_lua);
	r = truth_eval(body.data, &ops);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->element[0]->integer, 0);	/* not a duplicate */
	ans = json_loads(r->element[1]->str, 0, NULL);
	assert_non_null(ans);
	freeReplyObject(r);
	buf_free(&body);
	queue_args_clear(&ops);
	handler_state_clear(&st);
	return ans;
}

/* The handler on the state's answer, and the commit of its effects. */
static void
truth_commit(const char *type, const char *id, const char *data,
    json_t *ans)
{
	struct handler_out	 out;
	struct queue_args	 ops;
	struct buf		 body;
	redisReply		*r;

	test_decide_json(type, id, data, ans, 0, &out);
	queue_args_init(&ops);
	queue_args_add(&ops, "t:", 2);
	queue_args_add(&ops, "g", 1);
	queue_args_add(&ops, "60", 2);
	queue_args_add(&ops, "60", 2);
	queue_args_add(&ops, "86400000", 8);
	effects_ops(&ops, &out, NULL, 0);
	buf_init(&body);
	buf_puts(&body, store_effects());
	buf_puts(&body, queue_commit_lua);
	r = truth_eval(body.data, &ops);
	/* 1: every op applied, no effect failed (a failure lists them) */
	if (r->type != REDIS_REPLY_INTEGER || r->integer != 1)
		fail_msg("commit: %s", r->type == REDIS_REPLY_ARRAY &&
		    r->elements > 0 && r->element[0]->str != NULL ?
		    r->element[0]->str : "not 1");
	freeReplyObject(r);
	buf_free(&body);
	queue_args_clear(&ops);
	handler_out_clear(&out);
	json_decref(ans);
}

/* State then commit: the event handled. */
static void
truth_run(const char *type, const char *id, const char *sid, int replay,
    const char *data, long long t)
{
	truth_commit(type, id, data, truth_state(type, id, sid, replay, data,
	    t));
}

static long long
truth_hget(const char *key, const char *field)
{
	redisReply	*r;
	long long	 v;

	r = test_redis_cmd(srv, "HGET %s %s", key, field);
	v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
	freeReplyObject(r);
	return v;
}

#define ARRIVAL(t) \
	"{\"person\":{\"id\":\"p-1\",\"first_name\":\"Ana\"," \
	"\"email\":\"ana@example.com\",\"language\":\"fr\"," \
	"\"consent\":{\"email\":true}},\"territory\":\"" t "\"," \
	"\"arrival_date\":\"2026-02-20\"}"
#define ARRIVAL_ON(date) \
	"{\"person\":{\"id\":\"p-1\",\"first_name\":\"Ana\"," \
	"\"email\":\"ana@example.com\",\"language\":\"fr\"," \
	"\"consent\":{\"email\":true}},\"territory\":\"abitibi\"," \
	"\"arrival_date\":\"" date "\"}"
#define PERSON	"{\"person\":{\"id\":\"p-1\"}}"
#define FOLLOWUP(k) \
	"{\"person\":{\"id\":\"p-1\"},\"followup\":{\"kind\":\"" k "\"," \
	"\"due_at\":\"2026-03-01T14:00:00Z\"}}"

/* scheduled:kinds holds n follow-ups and nothing else */
static void
test_kinds_followup(long long n)
{
	redisReply	*r;

	r = test_redis_cmd(srv, "HGETALL t:scheduled:kinds");
	assert_int_equal(r->elements, 2);
	assert_string_equal(r->element[0]->str, "followup");
	assert_int_equal(atoll(r->element[1]->str), n);
	freeReplyObject(r);
}

/*
 * An arrival corrected (a later event, another arrival date) plans its
 * follow-ups anew: the stored person's planned ones are read and those no
 * longer wanted leave the scheduled set (newest truth wins), where a
 * person with no record has none to read (the state asks nothing then).
 */
static void
test_followups_replanned(void **state)
{
	redisReply	*old, *r;
	long long	 n;
	size_t		 i;

	(void)state;
	truth_run("newcomer.arrived", "a-1", "1-1", 0,
	    ARRIVAL_ON("2026-02-20"), 1000);
	n = test_redis_int(srv, "HLEN t:followups:p-1");
	assert_true(n > 0);
	assert_int_equal(test_redis_int(srv, "ZCARD t:scheduled"), n);
	old = test_redis_cmd(srv, "HVALS t:followups:p-1");
	truth_run("newcomer.arrived", "a-2", "2-1", 0,
	    ARRIVAL_ON("2026-02-27"), 2000);
	assert_int_equal(test_redis_int(srv, "HLEN t:followups:p-1"), n);
	assert_int_equal(test_redis_int(srv, "ZCARD t:scheduled"), n);
	/* counted as what they are, the first plan's taken out */
	test_kinds_followup(n);
	/* the same arrival replayed: nothing added, nothing counted */
	truth_run("newcomer.arrived", "a-2", "3-1", 1,
	    ARRIVAL_ON("2026-02-27"), 2000);
	assert_int_equal(test_redis_int(srv, "ZCARD t:scheduled"), n);
	test_kinds_followup(n);
	/* the first plan's members are gone, the new ones are the set's */
	for (i = 0; i < old->elements; i++) {
		r = redisCommand(srv->c, "ZSCORE t:scheduled %s",
		    old->element[i]->str);
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_NIL);
		freeReplyObject(r);
	}
	freeReplyObject(old);
	old = test_redis_cmd(srv, "HVALS t:followups:p-1");
	for (i = 0; i < old->elements; i++) {
		r = test_redis_cmd(srv, "ZSCORE t:scheduled %s",
		    old->element[i]->str);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		freeReplyObject(r);
	}
	freeReplyObject(old);
	freeReplyObject(test_redis_cmd(srv, "FLUSHALL"));
}

/* Arrivals and departures: a crash before the commit, replays, repeats. */
static void
test_arrivals_departures(void **state)
{
	json_t	*lost;

	(void)state;
	/* killed between state and commit, then handled again */
	lost = truth_state("newcomer.arrived", "a-1", "1-1", 0, ARRIVAL("abitibi"),
	    1000);
	json_decref(lost);
	truth_run("newcomer.arrived", "a-1", "1-1", 0, ARRIVAL("abitibi"), 1000);
	assert_int_equal(truth_hget(FIG, "arrivals"), 1);
	/* the same again (a second crash after the commit), then a replay */
	truth_run("newcomer.arrived", "a-1", "1-1", 0, ARRIVAL("abitibi"), 1000);
	truth_run("newcomer.arrived", "a-1", "2-1", 1, ARRIVAL("abitibi"), 1000);
	assert_int_equal(truth_hget(FIG, "arrivals"), 1);
	/* a later event about the same person: no second arrival */
	truth_run("newcomer.arrived", "a-2", "3-1", 0, ARRIVAL("abitibi"), 2000);
	assert_int_equal(truth_hget(FIG, "arrivals"), 1);

	lost = truth_state("newcomer.departed", "d-1", "4-1", 0, PERSON, 3000);
	json_decref(lost);
	truth_run("newcomer.departed", "d-1", "4-1", 0, PERSON, 3000);
	assert_int_equal(truth_hget(FIG, "departures"), 1);
	truth_run("newcomer.departed", "d-1", "5-1", 1, PERSON, 3000);
	truth_run("newcomer.departed", "d-2", "6-1", 0, PERSON, 4000);
	assert_int_equal(truth_hget(FIG, "departures"), 1);

	/* a return counts as an arrival again, and a second departure too */
	truth_run("newcomer.arrived", "a-3", "7-1", 0, ARRIVAL("abitibi"), 5000);
	assert_int_equal(truth_hget(FIG, "arrivals"), 2);
	truth_run("newcomer.arrived", "a-3", "8-1", 1, ARRIVAL("abitibi"), 5000);
	assert_int_equal(truth_hget(FIG, "arrivals"), 2);
	/* a departure older than the return, arriving late: changes nothing */
	truth_run("newcomer.departed", "d-old", "8-2", 0, PERSON, 4500);
	assert_int_equal(truth_hget(FIG, "departures"), 1);
	assert_int_equal(test_redis_int(srv, "HEXISTS t:person:p-1 departed"),
	    0);
	truth_run("newcomer.departed", "d-3", "9-1", 0, PERSON, 6000);
	assert_int_equal(truth_hget(FIG, "departures"), 2);
	freeReplyObject(test_redis_cmd(srv, "FLUSHALL"));
}

/* Follow-ups due and done, and open ones following a move. */
static void
test_followups(void **state)
{
	redisReply	*r;
	json_t		*lost;

	(void)state;
	truth_run("newcomer.arrived", "a-1", "1-1", 0, ARRIVAL("abitibi"), 1000);
	truth_run("followup.due", "fu-1", "2-1", 0, FOLLOWUP("d7"), 2000);
	assert_int_equal(truth_hget(FIG, "followups_due"), 1);
	assert_int_equal(test_redis_int(srv, "ZCARD t:followups-open:abitibi"),
	    1);
	/* reminded five days before; a replay keeps that time, counts nothing */
	freeReplyObject(test_redis_cmd(srv, "ZADD t:followups-open:abitibi "
	    "1772028000000 d7:p-1"));
	freeReplyObject(test_redis_cmd(srv, "HSET t:person:p-1 fu:d7 %s",
	    "reminded 1772028000000"));
	truth_run("followup.due", "fu-1", "3-1", 1, FOLLOWUP("d7"), 2000);
	truth_run("followup.due", "fu-1b", "4-1", 0, FOLLOWUP("d7"), 2100);
	assert_int_equal(truth_hget(FIG, "followups_due"), 1);
	r = test_redis_cmd(srv, "ZSCORE t:followups-open:abitibi d7:p-1");
	assert_string_equal(r->str, "1772028000000");
	freeReplyObject(r);

	/* moved: the open follow-up goes with them, its time kept */
	truth_run("newcomer.arrived", "a-2", "5-1", 0,
	    ARRIVAL("temiscamingue"), 3000);
	assert_int_equal(test_redis_int(srv, "EXISTS t:followups-open:abitibi"),
	    0);
	r = test_redis_cmd(srv, "ZSCORE t:followups-open:temiscamingue d7:p-1");
	assert_string_equal(r->str, "1772028000000");
	freeReplyObject(r);

	/* done: killed before the commit, again, replayed, done twice */
	lost = truth_state("followup.done", "done-1", "6-1", 0, FOLLOWUP("d7"),
	    4000);
	json_decref(lost);
	truth_run("followup.done", "done-1", "6-1", 0, FOLLOWUP("d7"), 4000);
	assert_int_equal(truth_hget(FIG_T, "followups_done"), 1);
	truth_run("followup.done", "done-1", "7-1", 1, FOLLOWUP("d7"), 4000);
	truth_run("followup.done", "done-2", "8-1", 0, FOLLOWUP("d7"), 4100);
	assert_int_equal(truth_hget(FIG_T, "followups_done"), 1);
	assert_int_equal(truth_hget(FIG, "followups_done"), 0);
	assert_int_equal(test_redis_int(srv,
	    "EXISTS t:followups-open:temiscamingue"), 0);

	/* a member whose person is gone leaves with the next reminder */
	freeReplyObject(test_redis_cmd(srv, "ZADD t:followups-open:temiscamingue "
	    "1000 d7:p-gone"));
	truth_run("followup.due", "fu-3", "9-1", 0, FOLLOWUP("d30"), 5000);
	r = test_redis_cmd(srv, "ZRANGE t:followups-open:temiscamingue 0 -1");
	assert_int_equal(r->elements, 1);
	assert_string_equal(r->element[0]->str, "d30:p-1");
	freeReplyObject(r);
	freeReplyObject(test_redis_cmd(srv, "FLUSHALL"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_arrivals_departures),
		cmocka_unit_test(test_followups),
		cmocka_unit_test(test_followups_replanned),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
