/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl dead list, drop and replay --dry-run: which of
 * the dead letters, seeded as relaisd writes them (daemon/record.c,
 * queue_lua.c), the filters --reason, --type and --since let through, and
 * what is listed, dropped or would be replayed, against a throwaway
 * redis-server.
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

#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"

/* 2024-03-01T00:00:00Z in ms: the letters are BASE + 1000 * n */
#define BASE		1709251200000LL
#define EV(id, type)	"{\"specversion\":\"1.0\",\"id\":\"" id "\"," \
			"\"source\":\"/crm\",\"type\":\"" type "\"}"

static const struct ctl_opt list_opts[] = {
	{ "count", 'n', 1 }, { "reason", 0, 1 }, { "type", 0, 1 },
	{ "since", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt drop_opts[] = {
	{ "all", 0, 0 }, { "dry-run", 0, 0 }, { "reason", 0, 1 },
	{ "type", 0, 1 }, { "since", 0, 1 }, { "wait", 0, 1 },
	{ "no-wait", 0, 0 }, { NULL, 0, 0 }
};
static const struct ctl_cmd list_cmd = {
	.name = "dead list", .usage = "[FILTERS]", .opts = list_opts,
};
static const struct ctl_cmd drop_cmd = {
	.name = "dead drop", .usage = "--all [FILTERS] | ID...",
	.opts = drop_opts,
};
static const struct ctl_cmd replay_cmd = {
	.name = "dead replay", .usage = "--all [FILTERS] | ID...",
	.opts = drop_opts,
};

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	char			 url[200];
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
	f->cf.limits.max_event_bytes = 262144;
	f->cf.limits.max_depth = 64;
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

/* The whole of a temporary file into buf (size n), closed. */
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
 * Runs exec as cmd with options (opts: "name" or "name=value", NULL-
 * terminated) and ids (NULL-terminated), its standard output in f->out and
 * error in f->err; its exit code.
 */
static int
run(struct fx *f, ctl_exec exec, const struct ctl_cmd *cmd,
    const char *const *opts, const char *const *ids)
{
	struct ctl	 c;
	struct ctl_args	 a;
	const char	*val[8];
	char		 name[8][32], *pos[8];
	const char	*eq;
	size_t		 opt[8], i, k;
	FILE		*out, *err;
	int		 so, se, rv;

	memset(&a, 0, sizeof a);
	a.opts = cmd->opts;
	a.val = val;
	a.opt = opt;
	a.pos = pos;
	for (i = 0; opts != NULL && opts[i] != NULL; i++) {
		eq = strchr(opts[i], '=');
		snprintf(name[i], sizeof name[i], "%.*s", eq != NULL ?
		    (int)(eq - opts[i]) : (int)strlen(opts[i]), opts[i]);
		for (k = 0; cmd->opts[k].name != NULL &&
		    strcmp(cmd->opts[k].name, name[i]) != 0; k++)
			;
		assert_non_null(cmd->opts[k].name);
		opt[i] = k;
		val[i] = eq != NULL ? eq + 1 : "";
	}
	a.nocc = i;
	for (i = 0; ids != NULL && ids[i] != NULL; i++)
		pos[i] = (char *)ids[i];
	a.npos = i;
	memset(&c, 0, sizeof c);
	c.cf = &f->cf;
	c.cmd = cmd;
	fflush(stdout);
	fflush(stderr);
	assert_non_null(out = tmpfile());
	assert_non_null(err = tmpfile());
	so = dup(1);
	se = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rv = exec(&c, &a);
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
 * Five letters, as relaisd leaves them:
 *  +1 s, +2 s: two deliveries of event e1 (newcomer.arrived) dead, the
 *     second pointing to the first's bytes (payload_in);
 *  +3 s: bytes that are not JSON (no event id);
 *  +4 s: a delivery of e4 (newcomer.departed);
 *  +5 s: an event of a type no handler knows.
 */
static void
seed(struct fx *f)
{
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead %lld-0 "
	    "reason %s payload %s event_id e1 stream_id %lld-0 attempts 5 "
	    "at 2024-03-01T00:00:01Z delivery_key k1 channel email "
	    "role newcomer", BASE + 1000, "gateway refused: 400 bad address",
	    EV("e1", "newcomer.arrived"), BASE));
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
	    "role employer", BASE + 4000, "Gateway refused: 500",
	    EV("e4", "newcomer.departed"), BASE + 3500));
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:dead-event:e4 "
	    "%lld-0", BASE + 4000));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead %lld-0 "
	    "reason %s payload %s event_id e5 stream_id %lld-0 attempts 1 "
	    "at 2024-03-01T00:00:05Z", BASE + 5000,
	    "unknown event type \"foo.bar\"", EV("e5", "foo.bar"),
	    BASE + 4500));
}

#define L1 "1709251201000-0  2024-03-01T00:00:01Z  event=e1\n" \
	   "    reason: gateway refused: 400 bad address\n"
#define L2 "1709251202000-0  2024-03-01T00:00:02Z  event=e1\n" \
	   "    reason: gateway timeout\n"
#define L3 "1709251203000-0  2024-03-01T00:00:03Z  event=-\n" \
	   "    reason: invalid JSON: '[' or '{' expected near 'not'\n"
#define L4 "1709251204000-0  2024-03-01T00:00:04Z  event=e4\n" \
	   "    reason: Gateway refused: 500\n"
#define L5 "1709251205000-0  2024-03-01T00:00:05Z  event=e5\n" \
	   "    reason: unknown event type \"foo.bar\"\n"

static void
test_list_all(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(run(f, ctl_dead_list, &list_cmd, NULL, NULL), 0);
	assert_string_equal(f->out, "no dead letters\n");
	seed(f);
	assert_int_equal(run(f, ctl_dead_list, &list_cmd, NULL, NULL), 0);
	assert_string_equal(f->out, L5 L4 L3 L2 L1);
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "count=2", NULL }, NULL), 0);
	assert_string_equal(f->out, L5 L4);
	assert_string_equal(f->err, "");
}

static void
test_list_filters(void **state)
{
	struct fx	*f = *state;

	seed(f);
	/* in any case */
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "reason=GATEWAY", NULL }, NULL), 0);
	assert_string_equal(f->out, L4 L2 L1);
	/* the second letter's type comes from the bytes of the first */
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "type=newcomer.arrived", NULL }, NULL), 0);
	assert_string_equal(f->out, L2 L1);
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "since=2024-03-01T00:00:03Z", NULL }, NULL), 0);
	assert_string_equal(f->out, L5 L4 L3);
	/* all of them, and the newest first up to --count */
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "reason=refused", "since=2024-03-01T00:00:01Z",
	    "count=1", NULL }, NULL), 0);
	assert_string_equal(f->out, L4);
	/* a duration back from Redis's clock: all are older than a day */
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "since=1d", NULL }, NULL), 0);
	assert_string_equal(f->out, "no dead letters match\n");
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "since=4000w", NULL }, NULL), 0);
	assert_string_equal(f->out, L5 L4 L3 L2 L1);
	assert_int_equal(run(f, ctl_dead_list, &list_cmd,
	    (const char *[]){ "since=yesterday", NULL }, NULL), 2);
	assert_string_equal(f->out, "");
	assert_non_null(strstr(f->err, "--since takes a duration"));
}

static void
test_drop_filtered(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd,
	    (const char *[]){ "all", "reason=timeout", NULL }, NULL), 0);
	assert_string_equal(f->out, "dropped 1709251202000-0  event=e1  "
	    "reason: gateway timeout\n1 dropped, 0 kept\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 4);
	/* the first letter holds its own bytes: its key stays */
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:dead-event:e1"),
	    1);
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd,
	    (const char *[]){ "all", "type=newcomer.departed", NULL }, NULL),
	    0);
	assert_string_equal(f->out, "dropped 1709251204000-0  event=e4  "
	    "reason: Gateway refused: 500\n1 dropped, 0 kept\n");
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:dead-event:e4"),
	    0);
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd,
	    (const char *[]){ "all", "since=2024-03-01T00:00:03Z", NULL },
	    NULL), 0);
	assert_string_equal(f->out,
	    "dropped 1709251203000-0  event=-  reason: invalid JSON: '[' or "
	    "'{' expected near 'not'\n"
	    "dropped 1709251205000-0  event=e5  reason: unknown event type "
	    "\"foo.bar\"\n2 dropped, 0 kept\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 1);
}

/* A letter whose bytes another letter needs is kept; a dry run changes nothing. */
static void
test_drop_keeps_holder(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd,
	    (const char *[]){ "all", "dry-run", "reason=refused", NULL },
	    NULL), 1);
	assert_string_equal(f->out,
	    "kept 1709251201000-0: letter 1709251202000-0 of the same event "
	    "needs the bytes it holds (drop or replay it too)\n"
	    "would drop 1709251204000-0  event=e4  reason: Gateway refused: "
	    "500\n"
	    "dry run: 1 letter would be dropped, 1 kept; nothing changed\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 5);
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd, NULL,
	    (const char *[]){ "1709251201000-0", NULL }), 1);
	assert_string_equal(f->out,
	    "kept 1709251201000-0: letter 1709251202000-0 of the same event "
	    "needs the bytes it holds (drop or replay it too)\n"
	    "0 dropped, 1 kept\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 5);
	/* both letters of the event go together, and its key with them */
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd, NULL,
	    (const char *[]){ "1709251202000-0", "1709251201000-0", NULL }),
	    0);
	assert_string_equal(f->out,
	    "dropped 1709251201000-0  event=e1  reason: gateway refused: 400 "
	    "bad address\n"
	    "dropped 1709251202000-0  event=e1  reason: gateway timeout\n"
	    "2 dropped, 0 kept\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 3);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:dead-event:e1"),
	    0);
}

static void
test_drop_usage(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd, NULL, NULL), 2);
	assert_non_null(strstr(f->err, "name the letters, or say --all"));
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd,
	    (const char *[]){ "reason=x", NULL },
	    (const char *[]){ "1709251201000-0", NULL }), 2);
	assert_non_null(strstr(f->err, "add --all"));
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd,
	    (const char *[]){ "all", NULL },
	    (const char *[]){ "1709251201000-0", NULL }), 2);
	assert_non_null(strstr(f->err, "--all or ids, not both"));
	/* an id that is no letter: the others still go, exit 1 */
	assert_int_equal(run(f, ctl_dead_drop, &drop_cmd, NULL,
	    (const char *[]){ "1-0", "1709251205000-0", NULL }), 1);
	assert_string_equal(f->err, "relaisctl: no dead letter 1-0\n");
	assert_string_equal(f->out, "dropped 1709251205000-0  event=e5  "
	    "reason: unknown event type \"foo.bar\"\n1 dropped, 0 kept\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 4);
}

/* What replay would do: one replay per event; what can never be handled is skipped. */
static void
test_replay_dry_run(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run(f, ctl_dead_replay, &replay_cmd,
	    (const char *[]){ "all", "dry-run", NULL }, NULL), 0);
	assert_string_equal(f->out,
	    "would replay 1709251201000-0  event=e1  (with letters "
	    "1709251202000-0)\n"
	    "would replay 1709251204000-0  event=e4\n"
	    "skipped 2 letters whose event can never be handled:\n"
	    /* the class keeps the space before the cut (ctl_reason_class) */
	    "       1  invalid JSON at line \n"
	    "       1  unknown event type \n"
	    "(relaisctl dead drop --all --reason TEXT removes them)\n"
	    "dry run: 2 events would be replayed, 2 letters skipped; nothing "
	    "changed\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 5);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:events"), 0);
	assert_int_equal(run(f, ctl_dead_replay, &replay_cmd,
	    (const char *[]){ "all", "dry-run", "type=newcomer.departed",
	    NULL }, NULL), 0);
	assert_string_equal(f->out,
	    "would replay 1709251204000-0  event=e4\n"
	    "dry run: 1 event would be replayed, 0 letters skipped; nothing "
	    "changed\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_filtered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_keeps_holder, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_usage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_dry_run, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
