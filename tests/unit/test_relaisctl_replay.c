/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl dead replay (relaisctl_replay.c): events of dead
 * letters back on the events stream with the internal replay marker, their
 * letters removed, then the outcome relaisd records (played here by a child
 * process) waited for, or not, against a throwaway redis-server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"

/* 2024-03-01T00:00:00Z in ms: the letters are BASE + 1000 * n */
#define BASE		1709251200000LL
#define EV(id, type)	"{\"specversion\":\"1.0\",\"id\":\"" id "\"," \
			"\"source\":\"/crm\",\"type\":\"" type "\"}"
#define E1		EV("e1", "newcomer.arrived")
#define E4		EV("e4", "newcomer.departed")

static const struct ctl_opt replay_opts[] = {
	{ "all", 0, 0 }, { "dry-run", 0, 0 }, { "wait", 0, 1 },
	{ "no-wait", 0, 0 }, { "reason", 0, 1 }, { "type", 0, 1 },
	{ "since", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_cmd replay_cmd = {
	.name = "dead replay", .usage = "--all [FILTERS] | ID...",
	.opts = replay_opts,
};

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	char			 url[200];
	char			 out[16384];
	char			 err[4096];
	pid_t			 child;		/* the stand-in relaisd, or -1 */
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
	f->cf.limits.max_event_bytes = 262144;
	f->cf.limits.max_depth = 64;
	f->child = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	if (f->child != -1) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
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
 * Runs dead replay with options (opts: "name" or "name=value", NULL-
 * terminated) and ids (NULL-terminated), its standard output in f->out and
 * error in f->err; its exit code.
 */
static int
run(struct fx *f, const char *const *opts, const char *const *ids)
{
	struct ctl	 c;
	struct ctl_args	 a;
	const char	*val[8], *eq;
	char		 name[8][32], *pos[8];
	size_t		 opt[8], i, k;
	FILE		*out, *err;
	int		 so, se, rv;

	memset(&a, 0, sizeof a);
	a.opts = replay_opts;
	a.val = val;
	a.opt = opt;
	a.pos = pos;
	for (i = 0; opts != NULL && opts[i] != NULL; i++) {
		eq = strchr(opts[i], '=');
		snprintf(name[i], sizeof name[i], "%.*s", eq != NULL ?
		    (int)(eq - opts[i]) : (int)strlen(opts[i]), opts[i]);
		for (k = 0; replay_opts[k].name != NULL &&
		    strcmp(replay_opts[k].name, name[i]) != 0; k++)
			;
		assert_non_null(replay_opts[k].name);
		opt[i] = k;
		val[i] = eq != NULL ? eq + 1 : "";
	}
	a.nocc = i;
	for (i = 0; ids != NULL && ids[i] != NULL; i++)
		pos[i] = (char *)ids[i];
	a.npos = i;
	memset(&c, 0, sizeof c);
	c.cf = &f->cf;
	c.cmd = &replay_cmd;
	fflush(stdout);
	fflush(stderr);
	assert_non_null(out = tmpfile());
	assert_non_null(err = tmpfile());
	so = dup(1);
	se = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rv = ctl_dead_replay(&c, &a);
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

/*
 * Letters as relaisd leaves them: two deliveries of e1 (the second's bytes
 * in the first), a delivery of e4, bytes that are not JSON.
 */
static void
seed(struct fx *f)
{
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead %lld-0 "
	    "reason %s payload %s event_id e1 stream_id %lld-0 attempts 5 "
	    "at 2024-03-01T00:00:01Z delivery_key k1 channel email "
	    "role newcomer", BASE + 1000, "gateway refused: 400", E1, BASE));
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:dead-event:e1 "
	    "%lld-0", BASE + 1000));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead %lld-0 "
	    "reason %s payload %s event_id e1 stream_id %lld-0 attempts 5 "
	    "at 2024-03-01T00:00:02Z delivery_key k2 channel sms "
	    "role counsellor payload_in %lld-0", BASE + 2000,
	    "gateway timeout", "", BASE, BASE + 1000));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead %lld-0 "
	    "reason %s payload %s event_id %s stream_id %lld-0 attempts 1 "
	    "at 2024-03-01T00:00:03Z", BASE + 3000,
	    "invalid JSON: '[' or '{' expected near 'not'", "not json", "",
	    BASE + 2500));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead %lld-0 "
	    "reason %s payload %s event_id e4 stream_id %lld-0 attempts 5 "
	    "at 2024-03-01T00:00:04Z delivery_key k4 channel email "
	    "role employer", BASE + 4000, "gateway refused: 500", E4,
	    BASE + 3500));
}

/* The events stream: its entries' ids in sids (n of them), each checked. */
static size_t
events(struct fx *f, char sids[][64], size_t max, const char *const *payload,
    const char *const *orig)
{
	redisReply	*r, *fl;
	size_t		 i;

	r = test_redis_cmd(&f->srv, "XRANGE t:events - +");
	assert_true(r->elements <= max);
	for (i = 0; i < r->elements; i++) {
		snprintf(sids[i], 64, "%s", r->element[i]->element[0]->str);
		fl = r->element[i]->element[1];
		/* the bytes, and the original place as the replay marker */
		assert_int_equal(fl->elements, 4);
		assert_string_equal(fl->element[0]->str, "event");
		assert_string_equal(fl->element[1]->str, payload[i]);
		assert_string_equal(fl->element[2]->str, "replay");
		assert_string_equal(fl->element[3]->str, orig[i]);
		/* relais's own: its dedupe is skipped (queue_lua.c) */
		if (test_redis_int(&f->srv, "EXISTS t:internal:%s", sids[i])
		    != 1)
			fail_msg("no t:internal:%s", sids[i]);
		assert_true(test_redis_int(&f->srv, "TTL t:internal:%s",
		    sids[i]) > 0);
	}
	i = r->elements;
	freeReplyObject(r);
	return i;
}

static void
test_replay_no_wait(void **state)
{
	struct fx	*f = *state;
	char		 sids[4][64], want[2048];
	static const char *const payload[] = { E1, E4 };
	static const char *const orig[] = { "1709251200000-0",
	    "1709251203500-0" };

	seed(f);
	assert_int_equal(run(f, (const char *[]){ "all", "no-wait", NULL },
	    NULL), 0);
	assert_int_equal(events(f, sids, 4, payload, orig), 2);
	snprintf(want, sizeof want,
	    "skipped 1 letter whose event can never be handled:\n"
	    "       1  invalid JSON at line \n"
	    "(relaisctl dead drop --all --reason TEXT removes them)\n"
	    "1709251201000-0  event=e1  replayed as %s: not waited for\n"
	    "    with letters 1709251202000-0 of the same event\n"
	    "1709251204000-0  event=e4  replayed as %s: not waited for\n"
	    "replayed 2 (not waited for: see relaisctl status and dead list); "
	    "skipped 1; not replayed 0\n", sids[0], sids[1]);
	assert_string_equal(f->out, want);
	assert_string_equal(f->err, "");
	/* the letters of the replayed events are gone, and e1's key */
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 1);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:dead-event:e1"),
	    0);
	/* nothing left to replay: nothing done */
	assert_int_equal(run(f, (const char *[]){ "all", "no-wait",
	    "type=newcomer.arrived", NULL }, NULL), 0);
	assert_string_equal(f->out, "replayed 0 (not waited for: see relaisctl "
	    "status and dead list); skipped 0; not replayed 0\n");
}

/* By id: the second letter of e1 replays its event from the first's bytes. */
static void
test_replay_by_id(void **state)
{
	struct fx	*f = *state;
	char		 sids[4][64], want[1024];
	static const char *const payload[] = { E1 };
	static const char *const orig[] = { "1709251200000-0" };

	seed(f);
	assert_int_equal(run(f, (const char *[]){ "no-wait", NULL },
	    (const char *[]){ "1709251202000-0", NULL }), 0);
	assert_int_equal(events(f, sids, 4, payload, orig), 1);
	snprintf(want, sizeof want,
	    "1709251202000-0  event=e1  replayed as %s: not waited for\n"
	    "    with letters 1709251201000-0 of the same event\n"
	    "replayed 1 (not waited for: see relaisctl status and dead list); "
	    "skipped 0; not replayed 0\n", sids[0]);
	assert_string_equal(f->out, want);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 2);
	/* one that can never be handled, and one that is no letter: refused */
	assert_int_equal(run(f, (const char *[]){ "no-wait", NULL },
	    (const char *[]){ "1709251203000-0", "1-0", NULL }), 1);
	assert_string_equal(f->err, "relaisctl: no dead letter 1-0\n"
	    "relaisctl: 1709251203000-0 not replayed: its event can never be "
	    "handled: invalid JSON at line 1, column 3: invalid token near "
	    "'not' (relaisctl dead drop 1709251203000-0 removes it)\n");
	assert_string_equal(f->out, "replayed 0 (not waited for: see relaisctl "
	    "status and dead list); skipped 0; not replayed 2\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 1);
}

/* Nobody handles the replay within --wait 0: still pending, exit 1. */
static void
test_replay_pending(void **state)
{
	struct fx	*f = *state;
	char		 sids[4][64], want[1024];
	static const char *const payload[] = { E4 };
	static const char *const orig[] = { "1709251203500-0" };

	seed(f);
	assert_int_equal(run(f, (const char *[]){ "all", "wait=0",
	    "type=newcomer.departed", NULL }, NULL), 1);
	assert_int_equal(events(f, sids, 4, payload, orig), 1);
	snprintf(want, sizeof want,
	    "1709251204000-0  event=e4  replayed as %s: still pending after "
	    "0 s (is relaisd running?)\n"
	    "replayed 1: 0 sent, 0 retrying, 0 deferred, 0 dead again, "
	    "0 nothing sent, 1 still pending; skipped 0; not replayed 0\n",
	    sids[0]);
	assert_string_equal(f->out, want);
}

/*
 * The stand-in relaisd: handles each replayed entry as relaisd's commit
 * does (its records, then the entry deleted): e1's deliveries sent and
 * retrying, e4 dead again.
 */
static void
fake_relaisd(const char *sock)
{
	redisContext	*c;
	redisReply	*r, *fl;
	int64_t		 end = test_ms() + 10000;
	size_t		 done = 0, i;
	const char	*id, *ev;

	if ((c = redisConnectUnix(sock)) == NULL || c->err)
		_exit(2);
	while (done < 2 && test_ms() < end) {
		r = redisCommand(c, "XRANGE t:events - +");
		for (i = 0; r != NULL && i < r->elements; i++) {
			id = r->element[i]->element[0]->str;
			fl = r->element[i]->element[1];
			ev = fl->element[1]->str;
			if (strstr(ev, "\"e1\"") != NULL) {
				freeReplyObject(redisCommand(c, "XADD "
				    "t:deliveries * key k1 event_id e1 "
				    "territory abitibi channel email role "
				    "newcomer template welcome outcome sent"));
				freeReplyObject(redisCommand(c, "XADD "
				    "t:deliveries * key k2 event_id e1 "
				    "territory abitibi channel sms role "
				    "counsellor template arrival_notice "
				    "outcome retry reason %s", "gateway 503"));
			} else
				freeReplyObject(redisCommand(c, "XADD t:dead * "
				    "reason %s event_id e4 stream_id %s "
				    "payload x", "handler failed", id));
			freeReplyObject(redisCommand(c, "XDEL t:events %s",
			    id));
			done++;
		}
		freeReplyObject(r);
		nanosleep(&(struct timespec){ 0, 20000000L }, NULL);
	}
	redisFree(c);
	_exit(done == 2 ? 0 : 1);
}

static void
test_replay_wait(void **state)
{
	struct fx	*f = *state;
	char		 want[2048], newdead[64];
	redisReply	*r;
	int		 st;

	seed(f);
	fflush(stdout);
	fflush(stderr);
	if ((f->child = fork()) == 0)
		fake_relaisd(f->srv.sock);
	assert_true(f->child > 0);
	assert_int_equal(run(f, (const char *[]){ "all", "wait=10", NULL },
	    NULL), 1);
	assert_int_equal(waitpid(f->child, &st, 0), f->child);
	f->child = -1;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	r = test_redis_cmd(&f->srv, "XREVRANGE t:dead + - COUNT 1");
	assert_int_equal(r->elements, 1);
	snprintf(newdead, sizeof newdead, "%s",
	    r->element[0]->element[0]->str);
	freeReplyObject(r);
	/* the sids are gone with the entries: read them from the output */
	{
		char		 s1[64], s4[64];
		const char	*q;

		q = strstr(f->out, "event=e1  replayed as ");
		assert_non_null(q);
		sscanf(q + strlen("event=e1  replayed as "), "%63[^:]", s1);
		q = strstr(f->out, "event=e4  replayed as ");
		assert_non_null(q);
		sscanf(q + strlen("event=e4  replayed as "), "%63[^:]", s4);
		snprintf(want, sizeof want,
		    "skipped 1 letter whose event can never be handled:\n"
		    "       1  invalid JSON at line \n"
		    "(relaisctl dead drop --all --reason TEXT removes them)\n"
		    "1709251201000-0  event=e1  replayed as %s: retrying\n"
		    "    with letters 1709251202000-0 of the same event\n"
		    "    email to newcomer (welcome): sent\n"
		    "    sms to counsellor (arrival_notice): retry: gateway "
		    "503\n"
		    "1709251204000-0  event=e4  replayed as %s: dead again\n"
		    "    new dead letter %s: handler failed\n"
		    "replayed 2: 0 sent, 1 retrying, 0 deferred, 1 dead "
		    "again, 0 nothing sent, 0 still pending; skipped 1; "
		    "not replayed 0\n",
		    s1, s4, newdead);
	}
	assert_string_equal(f->out, want);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 0);
}

static void
test_replay_usage(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run(f, (const char *[]){ "all", "no-wait", "wait=3",
	    NULL }, NULL), 2);
	assert_non_null(strstr(f->err, "--wait or --no-wait, not both"));
	assert_int_equal(run(f, (const char *[]){ "all", "wait=soon", NULL },
	    NULL), 2);
	assert_non_null(strstr(f->err, "--wait takes a number of seconds"));
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 4);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:events"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_no_wait, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_by_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_wait, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_usage, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
