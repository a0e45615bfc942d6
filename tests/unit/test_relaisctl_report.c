/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl report: a month's figures per territory from
 * seeded delivery records (more than a page), stats:<month> counters,
 * stored persons' follow-ups and dated opt-outs, against a throwaway
 * redis-server (tests/unit/redis_fixture.h).
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

#include "clock.h"
#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"

/* 2024-03-01T00:00:00Z and 2024-04-01T00:00:00Z, in ms */
#define MARCH		1709251200000LL
#define APRIL		1711929600000LL
#define NORD_SENT	1200	/* more than ctl_report's page of 1,000 */

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	struct ctl		 c;
	char			 url[200];
	char			*out;
	size_t			 outlen;
};

static const struct ctl_opt report_opts[] = {
	{ "month", 0, 1 },
	{ "csv", 0, 0 },
	{ NULL, 0, 0 },
};

static const struct ctl_cmd report_cmd = {
	.name = "report",
	.usage = "--month YYYY-MM [--csv]",
	.opts = report_opts,
	.conf = CTL_CONF_REDIS,
	.exec = ctl_report,
};

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	/* what ctl_connect names in its messages */
	snprintf(f->url, sizeof f->url, "unix://%s", f->srv.sock);
	f->cf.redis.url = f->url;
	f->c.cf = &f->cf;
	f->c.cmd = &report_cmd;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	redisFree(f->c.rc);
	test_redis_stop(&f->srv);
	free(f->out);
	free(f);
	return 0;
}

/*
 * Runs ctl_report with --month month (none when NULL), --csv when csv;
 * its standard output in f->out, its standard error thrown away.
 */
static int
run_report(struct fx *f, const char *month, int csv)
{
	const char	*val[2];
	size_t		 opt[2], n = 0;
	struct ctl_args	 a;
	FILE		*out, *err;
	int		 so, se, rv;

	if (month != NULL) {
		val[n] = month;
		opt[n++] = 0;
	}
	if (csv) {
		val[n] = "";
		opt[n++] = 1;
	}
	memset(&a, 0, sizeof a);
	a.opts = report_opts;
	a.val = val;
	a.opt = opt;
	a.nocc = n;
	fflush(stdout);
	fflush(stderr);
	assert_non_null(out = tmpfile());
	assert_non_null(err = tmpfile());
	so = dup(1);
	se = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rv = ctl_report(&f->c, &a);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	free(f->out);
	fseek(out, 0, SEEK_END);
	f->outlen = (size_t)ftell(out);
	rewind(out);
	assert_non_null(f->out = malloc(f->outlen + 1));
	assert_int_equal(fread(f->out, 1, f->outlen, out), f->outlen);
	f->out[f->outlen] = '\0';
	fclose(out);
	fclose(err);
	redisFree(f->c.rc);
	f->c.rc = NULL;
	return rv;
}

static void
delivery(struct fx *f, long long ms, const char *territory, const char *tpl,
    const char *outcome)
{
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries %lld-0 "
	    "territory %s template %s outcome %s", ms, territory, tpl,
	    outcome));
}

/* The month's records, counters, persons and opt-outs, and some outside it. */
static void
seed(struct fx *f)
{
	redisContext	*rc = f->srv.c;
	redisReply	*r;
	long long	 now = clock_now_ms(), day = 86400000LL;
	int		 i;

	delivery(f, MARCH - 1, "abitibi", "welcome", "sent");	/* February */
	delivery(f, MARCH, "abitibi", "welcome", "sent");
	delivery(f, MARCH + 1, "abitibi", "welcome", "sent");
	delivery(f, MARCH + 2, "abitibi", "arrival_notice", "sent");
	delivery(f, MARCH + 3, "abitibi", "checkin", "sent");
	delivery(f, MARCH + 4, "abitibi", "match_alert", "sent");
	delivery(f, MARCH + 5, "abitibi", "welcome", "dead");
	delivery(f, MARCH + 6, "abitibi", "welcome", "retry");
	/* waiting for a window: neither sent nor failed */
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries %lld-1 "
	    "territory abitibi template welcome outcome deferred", MARCH + 6));
	delivery(f, MARCH + 7, "abitibi", "counsellor_digest", "sent");
	delivery(f, MARCH + 8, "outaouais", "welcome", "sent");
	/* a provider's status report names no territory */
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries %lld-0 "
	    "template welcome outcome dead", MARCH + 9));
	for (i = 0; i < NORD_SENT; i++)
		redisAppendCommand(rc, "XADD t:deliveries %lld-0 territory nord "
		    "template welcome outcome sent", MARCH + 100 + i);
	for (i = 0; i < NORD_SENT; i++) {
		assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		freeReplyObject(r);
	}
	delivery(f, APRIL - 1, "nord", "checkin", "sent");	/* the last ms */
	delivery(f, APRIL, "abitibi", "welcome", "sent");	/* April */

	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:stats:2024-03 "
	    "abitibi:arrivals 3 abitibi:followups_due 4 "
	    "abitibi:followups_done 2 abitibi:departures 1 "
	    "abitibi:unknown_figure 9 laurentides:arrivals 2 nocolon 5"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:stats:2024-02 "
	    "abitibi:arrivals 100"));

	/* overdue: reminded more than 14 days ago, not done, not departed */
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p1 territory "
	    "abitibi fu:a %s fu:b %s fu:c %s",
	    "reminded 1", "done 5", "scheduled 7"));
	{
		char	old[64], recent[64];

		snprintf(old, sizeof old, "reminded %lld", now - 20 * day);
		snprintf(recent, sizeof recent, "reminded %lld", now - day);
		freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p2 "
		    "territory outaouais fu:x %s fu:y %s", old, recent));
		freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p3 "
		    "territory abitibi departed 1 fu:x %s", old));
		freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p4 "
		    "territory gaspesie fu:x %s", old));
		/* another prefix's person is not ours */
		freeReplyObject(test_redis_cmd(&f->srv, "HSET other:person:p5 "
		    "territory abitibi fu:x %s", old));
	}

	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:suppressed "
	    "h1 %s h2 %s h3 %s", "email 2024-03-02T10:00:00Z",
	    "sms 2024-03-31T23:59:59Z", "email 2024-02-28T10:00:00Z"));
}

static void
test_report_csv(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run_report(f, "2024-03", 1), 0);
	assert_string_equal(f->out,
	    "territory,arrivals,welcomes,counsellor_notices,followups_due,"
	    "followups_done,followups_overdue,checkins,employer_alerts,"
	    "departures,failed\n"
	    "abitibi,3,2,1,4,2,1,1,1,1,1\n"
	    "outaouais,0,1,0,0,0,1,0,0,0,0\n"
	    "nord,0,1200,0,0,0,0,1,0,0,0\n"
	    "laurentides,2,0,0,0,0,0,0,0,0,0\n"
	    "gaspesie,0,0,0,0,0,1,0,0,0,0\n"
	    "opt-outs,2\n");
}

static void
test_report_table(void **state)
{
	struct fx	*f = *state;

	seed(f);
	assert_int_equal(run_report(f, "2024-03", 0), 0);
	if (strstr(f->out, "abitibi                 3        2        1        4"
	    "        2        1         1        1        1       1\n") == NULL)
		fail_msg("no abitibi row as expected in:\n%s", f->out);
	if (strstr(f->out, "opt-outs recorded in 2024-03 (all channels): 2\n")
	    == NULL)
		fail_msg("no opt-out line in:\n%s", f->out);
	assert_true(strncmp(f->out, "2024-03 ", 8) == 0);
}

/* A month with nothing recorded: no counts but today's overdue follow-ups. */
static void
test_report_empty(void **state)
{
	struct fx	*f = *state;
	static const char *const lines[] = {
	    "abitibi,0,0,0,0,0,1,0,0,0,0\n",
	    "outaouais,0,0,0,0,0,1,0,0,0,0\n",
	    "gaspesie,0,0,0,0,0,1,0,0,0,0\n",
	};
	const char	*p;
	size_t		 i, n = 0;

	seed(f);
	assert_int_equal(run_report(f, "2023-12", 1), 0);
	/* the persons come in SCAN's order: each line, wherever it is */
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if (strstr(f->out, lines[i]) == NULL)
			fail_msg("no line %s in:\n%s", lines[i], f->out);
	}
	for (p = f->out; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	assert_int_equal(n, 5);
	assert_true(strncmp(f->out, "territory,", 10) == 0);
	assert_non_null(strstr(f->out, "\nopt-outs,0\n"));
}

static void
test_report_bad_month(void **state)
{
	struct fx	*f = *state;
	static const char *const bad[] = { "2024-13", "2024-00", "2024-3",
	    "2024-03x", "March", "" };
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (run_report(f, bad[i], 0) != 2)
			fail_msg("--month \"%s\": expected 2", bad[i]);
		assert_string_equal(f->out, "");
	}
	assert_int_equal(run_report(f, NULL, 1), 2);
	assert_string_equal(f->out, "");
}

/* Redis not there: 1, nothing printed. */
static void
test_report_no_redis(void **state)
{
	struct fx	*f = *state;

	test_redis_kill(&f->srv);
	assert_int_equal(run_report(f, "2024-03", 1), 1);
	assert_string_equal(f->out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_csv, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_bad_month, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_no_redis, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
