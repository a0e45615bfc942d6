/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl status (relaisctl_status.c): the counts, the
 * scheduled set by kind, the dead letters by reason, and health: ok (0)
 * or NOT OK (3) for no consumer group, no live consumer or an old pending
 * entry; admin.listen "off", against a throwaway redis-server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"
#include "config.h"
#include "queue_lua.h"
#include "redis_fixture.h"
#include "relaisctl.h"

static const struct ctl_opt status_opts[] = {
	{ "max-age", 0, 1 }, { "max-idle", 0, 1 }, { "no-admin", 0, 0 },
	{ NULL, 0, 0 }
};
static const struct ctl_cmd status_cmd = {
	.name = "status", .usage = "[--max-age S] [--max-idle S] [--no-admin]",
	.opts = status_opts,
};

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	char			 url[200];
	char			 listen[16];
	char			 out[16384];
	char			 err[4096];
};

static int
setup(void **state)
{
	struct fx	*f;

	assert_non_null(f = calloc(1, sizeof *f));
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	snprintf(f->url, sizeof f->url, "unix://%s", f->srv.sock);
	f->cf.redis.url = f->url;
	snprintf(f->listen, sizeof f->listen, "off");
	f->cf.admin_listen = f->listen;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	test_redis_stop(&f->srv);
	free(f);
	return 0;
}

static void
slurp(FILE *fp, char *buf, size_t n)
{
	size_t	len;

	rewind(fp);
	len = fread(buf, 1, n - 1, fp);
	buf[len] = '\0';
	fclose(fp);
}

/*
 * Runs status with options (opts: name, value or "" for a flag, ...,
 * NULL), its standard output in f->out and error in f->err; its exit code.
 */
static int
run(struct fx *f, const char *const *opts)
{
	struct ctl	 c;
	struct ctl_args	 a;
	const char	*val[4];
	size_t		 opt[4], i, k;
	FILE		*out, *err;
	int		 so, se, rv;

	memset(&a, 0, sizeof a);
	a.opts = status_opts;
	a.val = val;
	a.opt = opt;
	for (i = 0; opts != NULL && opts[2 * i] != NULL; i++) {
		for (k = 0; strcmp(status_opts[k].name, opts[2 * i]) != 0; k++)
			;
		opt[i] = k;
		val[i] = opts[2 * i + 1];
	}
	a.nocc = i;
	memset(&c, 0, sizeof c);
	c.cf = &f->cf;
	c.cmd = &status_cmd;
	fflush(stdout);
	fflush(stderr);
	assert_non_null(out = tmpfile());
	assert_non_null(err = tmpfile());
	so = dup(1);
	se = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rv = ctl_status(&c, &a);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(out, f->out, sizeof f->out);
	slurp(err, f->err, sizeof f->err);
	redisFree(c.rc);
	return rv;
}

static void
has(const struct fx *f, const char *line)
{
	if (strstr(f->out, line) == NULL)
		fail_msg("expected \"%s\" in:\n%s", line, f->out);
}

/* Nothing there yet: relaisd never started. */
static void
test_status_never_started(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(run(f, NULL), 3);
	assert_string_equal(f->out,
	    "events stream:    0 entries\n"
	    "group:            none yet (relaisd never started)\n"
	    "inbox list:       0 items\n"
	    "scheduled:        0 entries\n"
	    "dead letters:     0\n"
	    "delivery records: 0\n"
	    "opted out:        0\n"
	    "health:\n"
	    "  admin port: not asked (admin.listen is off)\n"
	    "status: NOT OK: no consumer group g on t:events (relaisd never "
	    "started)\n");
	assert_string_equal(f->err, "");
}

/* The scheduled set by kind, the dead letters by reason. */
static void
test_status_counts(void **state)
{
	struct fx	*f = *state;
	long long	 later = clock_now_ms() + 3600000, past = 1000;

	freeReplyObject(test_redis_cmd(&f->srv, "RPUSH t:inbox a b"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:suppressed h1 x"));
	/*
	 * A deferral spends nothing; others are told by their records: kd's
	 * says deferred, kw's is an older relaisd's ("retry", outside window).
	 */
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:scheduled "
	    "%lld %s %lld %s %lld %s %lld %s %lld %s", later,
	    "retry 0 0 kw0 e1",
	    later, "retry 2 1 kr e2", later, "retry 1 0 kw e3",
	    past, "retry 3 0 kunknown e4", later, "retry 2 0 kd e5"));
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:scheduled "
	    "%lld %s %lld %s %lld %s %lld %s %lld %s", later,
	    "{\"type\":\"followup.due\",\"id\":\"f1\"}", past,
	    "{\"type\":\"followup.due\",\"id\":\"f2\"}", later,
	    "{\"type\":\"match.digest\",\"id\":\"d1\"}", later,
	    "{\"type\":\"followup.reminders\",\"id\":\"r1\"}", later,
	    "{\"type\":\"job.posted\",\"id\":\"o1\"}"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * key kr "
	    "outcome retry reason %s", "gateway 503"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * key kw "
	    "outcome retry reason %s", "outside window 08:00-20:00"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * key kr "
	    "outcome sent"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * key kd "
	    "outcome deferred reason %s",
	    "the recipient had 3 messages today"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead * reason %s",
	    "gateway refused: 400"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead * reason %s",
	    "unknown event type \"x.y\""));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead * reason %s",
	    "gateway refused: 500"));
	assert_int_equal(run(f, (const char *[]){ "no-admin", "", NULL }), 3);
	assert_string_equal(f->out,
	    "events stream:    0 entries\n"
	    "group:            none yet (relaisd never started)\n"
	    "inbox list:       2 items\n"
	    "scheduled:        10 entries\n"
	    "  retries                    2\n"
	    "  deferred (window or cap)   3\n"
	    "  follow-ups (followup.due)  2\n"
	    "  digests (match.digest)     1\n"
	    "  reminders (followup.reminders) 1\n"
	    "  other                      1\n"
	    "  (1 of the retries are not in the newest 10000 delivery records: "
	    "retries or deferrals)\n"
	    "  due now (moving to stream) 2\n"
	    "dead letters:     3\n"
	    "delivery records: 4\n"
	    "opted out:        1\n"
	    "dead letters by reason (last 3):\n"
	    "       2  gateway refused\n"
	    "       1  unknown event type \n"
	    "health:\n"
	    "  admin port: not asked (--no-admin)\n"
	    "status: NOT OK: no consumer group g on t:events (relaisd never "
	    "started)\n");
}

/*
 * The kinds from scheduled:kinds when it adds up to the set, read as kept
 * (here altered, the sum the same: no member is read); a member added by
 * hand, past the hash: the set is read.
 */
static void
test_status_kinds(void **state)
{
	static const char add[] = QUEUE_SCHED_LUA
	    "return sched_add(ARGV[1], ARGV[2], ARGV[3])\n";
	struct fx	*f = *state;
	long long	 later = clock_now_ms() + 3600000;

	test_redis_int(&f->srv, "EVAL %s 0 t: %lld %s", add, later,
	    "retry 0 0 k1 e1");
	test_redis_int(&f->srv, "EVAL %s 0 t: %lld %s", add, later,
	    "retry 2 1 k2 e2");
	test_redis_int(&f->srv, "EVAL %s 0 t: %d %s", add, 1000,
	    "{\"type\":\"followup.due\",\"id\":\"f1\"}");
	test_redis_int(&f->srv, "EVAL %s 0 t: %lld %s", add, later,
	    "{\"type\":\"match.digest\",\"id\":\"d1\"}");
	test_redis_int(&f->srv, "EVAL %s 0 t: %lld %s", add, later,
	    "{\"type\":\"job.posted\",\"id\":\"o1\"}");
	test_redis_int(&f->srv, "HINCRBY t:scheduled:kinds digest 1");
	test_redis_int(&f->srv, "HINCRBY t:scheduled:kinds other -1");
	assert_int_equal(run(f, (const char *[]){ "no-admin", "", NULL }), 3);
	has(f, "scheduled:        5 entries\n"
	    "  retries                    1\n"
	    "  deferred (window or cap)   1\n"
	    "  follow-ups (followup.due)  1\n"
	    "  digests (match.digest)     2\n"
	    "  due now (moving to stream) 1\n"
	    "dead letters:     0\n");
	test_redis_int(&f->srv, "ZADD t:scheduled %lld %s", later,
	    "{\"type\":\"followup.reminders\",\"id\":\"r1\"}");
	assert_int_equal(run(f, (const char *[]){ "no-admin", "", NULL }), 3);
	has(f, "scheduled:        6 entries\n"
	    "  retries                    1\n"
	    "  deferred (window or cap)   1\n"
	    "  follow-ups (followup.due)  1\n"
	    "  digests (match.digest)     1\n"
	    "  reminders (followup.reminders) 1\n"
	    "  other                      1\n"
	    "  (1 of the retries are not in the newest 10000 delivery records: "
	    "retries or deferrals)\n"
	    "  due now (moving to stream) 1\n"
	    "dead letters:     0\n");
}

/* A live consumer, every entry handled: ok. */
static void
test_status_ok(void **state)
{
	struct fx	*f = *state;
	redisReply	*r;

	freeReplyObject(test_redis_cmd(&f->srv, "XGROUP CREATE t:events g 0 "
	    "MKSTREAM"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events * event x"));
	r = test_redis_cmd(&f->srv, "XREADGROUP GROUP g c1 COUNT 10 STREAMS "
	    "t:events >");
	freeReplyObject(test_redis_cmd(&f->srv, "XACK t:events g %s",
	    r->element[0]->element[1]->element[0]->element[0]->str));
	freeReplyObject(r);
	assert_int_equal(run(f, NULL), 0);
	has(f, "events stream:    1 entries\n");
	has(f, "group g:\n");
	has(f, "  consumers       1\n");
	has(f, "  pending         0\n");
	has(f, "  consumer c1               last seen ");
	has(f, " ago, 0 pending: live\n");
	has(f, "  oldest unhandled entry: none\n"
	    "  admin port: not asked (admin.listen is off)\n"
	    "status: ok\n");
	/* nobody seen within --max-idle 0 (idle is counted in ms) */
	usleep(20000);
	assert_int_equal(run(f, (const char *[]){ "max-idle", "0", NULL }), 3);
	has(f, " ago, 0 pending: gone\n");
	has(f, "status: NOT OK: no consumer of group g seen in the last 0 s "
	    "(is relaisd running?)\n");
}

/* An entry read long ago and never acknowledged: NOT OK, 3. */
static void
test_status_old_pending(void **state)
{
	struct fx	*f = *state;

	freeReplyObject(test_redis_cmd(&f->srv, "XGROUP CREATE t:events g 0 "
	    "MKSTREAM"));
	/* 2024-03-01T00:00:00Z */
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events "
	    "1709251200000-0 event x"));
	freeReplyObject(test_redis_cmd(&f->srv, "XREADGROUP GROUP g c1 COUNT 10 "
	    "STREAMS t:events >"));
	assert_int_equal(run(f, NULL), 3);
	has(f, "  pending         1\n");
	has(f, " ago, 1 pending: live\n");
	has(f, " d old (1709251200000-0)\n");
	has(f, "status: NOT OK: entry 1709251200000-0 unhandled for ");
	has(f, " s (more than 600 s)\n");
	/* one not read yet counts too, by the time in its id: 2 h ago */
	freeReplyObject(test_redis_cmd(&f->srv, "XACK t:events g "
	    "1709251200000-0"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events %lld-0 event y",
	    (long long)clock_now_ms() - 7260000));
	assert_int_equal(run(f, NULL), 3);
	has(f, "  oldest unhandled entry: 2 h old (");
	has(f, "status: NOT OK: entry ");
	assert_int_equal(run(f, (const char *[]){ "max-age", "10800",
	    NULL }), 0);
	has(f, "status: ok\n");
}

static void
test_status_usage(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(run(f, (const char *[]){ "max-age", "10m", NULL }), 2);
	assert_string_equal(f->out, "");
	assert_non_null(strstr(f->err, "--max-age takes a number of seconds, "
	    "not \"10m\""));
	test_redis_kill(&f->srv);
	assert_int_equal(run(f, NULL), 1);
	assert_string_equal(f->out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_never_started,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_kinds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_old_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_usage, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
