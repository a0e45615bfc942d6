/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl_redis: key names, stream fields, stream pages
 * (more entries than a page, pages cut inside one millisecond), integers,
 * Redis's clock and stream id times, against a throwaway redis-server
 * (tests/unit/redis_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"

#define TEST_IDS	64

struct fx {
	struct test_redis	srv;
	struct config		cf;
	struct ctl		c;
};

/* What a ctl_xrange handed over. */
struct seen {
	char	id[TEST_IDS][48];
	char	n[TEST_IDS][16];
	size_t	count;
	int	reuse_key;	/* each calls ctl_key, as commands do */
};

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	f->c.cf = &f->cf;
	f->c.rc = redisConnectUnix(f->srv.sock);
	assert_non_null(f->c.rc);
	assert_int_equal(f->c.rc->err, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	redisFree(f->c.rc);
	test_redis_stop(&f->srv);
	free(f);
	return 0;
}

static void
test_each(struct ctl *c, const redisReply *e, void *arg)
{
	struct seen	*s = arg;

	if (s->count == TEST_IDS)
		fail_msg("more than %d entries handed over", TEST_IDS);
	assert_int_equal(e->type, REDIS_REPLY_ARRAY);
	snprintf(s->id[s->count], sizeof s->id[0], "%s", e->element[0]->str);
	snprintf(s->n[s->count], sizeof s->n[0], "%s",
	    ctl_field(e->element[1], "n"));
	s->count++;
	if (s->reuse_key)
		ctl_key(c, "something:else:entirely");
}

/* XADDs count entries to t:s, ids ms-0, ms-1... (one millisecond), field n. */
static void
seed_stream(struct fx *f, const char *key, long long ms, int count)
{
	redisReply	*r;
	int		 i;

	for (i = 0; i < count; i++) {
		r = test_redis_cmd(&f->srv, "XADD %s %lld-%d n %d", key, ms, i,
		    i);
		freeReplyObject(r);
	}
}

static void
test_key(void **state)
{
	struct fx	*f = *state;
	const char	*k;

	k = ctl_key(&f->c, "events");
	assert_string_equal(k, "t:events");
	/* the struct's buffer: the next call replaces it */
	assert_ptr_equal(k, f->c.key);
	assert_string_equal(ctl_key(&f->c, "stats:2024-03"), "t:stats:2024-03");
	assert_string_equal(k, "t:stats:2024-03");
	assert_string_equal(ctl_key(&f->c, ""), "t:");
}

static void
test_field(void **state)
{
	struct fx	*f = *state;
	redisReply	*r, *str;
	const redisReply *fields;

	freeReplyObject(test_redis_cmd(&f->srv,
	    "XADD t:s 1-1 type a.b reason %s empty %s n 7", "why: it", ""));
	r = test_redis_cmd(&f->srv, "XRANGE t:s - +");
	assert_int_equal(r->elements, 1);
	fields = r->element[0]->element[1];
	assert_string_equal(ctl_field(fields, "type"), "a.b");
	assert_string_equal(ctl_field(fields, "reason"), "why: it");
	assert_string_equal(ctl_field(fields, "n"), "7");
	assert_string_equal(ctl_field(fields, "empty"), "");
	assert_string_equal(ctl_field(fields, "absent"), "");
	/* a value is not a name: "a.b" names nothing */
	assert_string_equal(ctl_field(fields, "a.b"), "");
	assert_string_equal(ctl_field(NULL, "type"), "");
	str = test_redis_cmd(&f->srv, "ECHO type");
	assert_string_equal(ctl_field(str, "type"), "");
	freeReplyObject(str);
	freeReplyObject(r);
}

/* 25 entries in pages of 10, all in one millisecond: cut inside it. */
static void
test_xrange_pages(void **state)
{
	struct fx	*f = *state;
	struct seen	 s;
	char		 err[128] = "", want[48];
	size_t		 i;

	seed_stream(f, "t:s", 1700000000000LL, 25);
	memset(&s, 0, sizeof s);
	s.reuse_key = 1;
	assert_int_equal(ctl_xrange(&f->c, ctl_key(&f->c, "s"), "-", "+", 10,
	    test_each, &s, err, sizeof err), 0);
	assert_int_equal(s.count, 25);
	for (i = 0; i < s.count; i++) {
		snprintf(want, sizeof want, "1700000000000-%zu", i);
		assert_string_equal(s.id[i], want);
		snprintf(want, sizeof want, "%zu", i);
		assert_string_equal(s.n[i], want);
	}
	assert_string_equal(err, "");
}

/* A stream of a whole number of pages: the last page is empty, nothing twice. */
static void
test_xrange_exact_pages(void **state)
{
	struct fx	*f = *state;
	struct seen	 s;
	char		 err[128];

	seed_stream(f, "t:s", 5000, 20);
	memset(&s, 0, sizeof s);
	assert_int_equal(ctl_xrange(&f->c, "t:s", "-", "+", 10, test_each, &s,
	    err, sizeof err), 0);
	assert_int_equal(s.count, 20);
	assert_string_equal(s.id[19], "5000-19");

	memset(&s, 0, sizeof s);
	assert_int_equal(ctl_xrange(&f->c, "t:s", "-", "+", 1, test_each, &s,
	    err, sizeof err), 0);
	assert_int_equal(s.count, 20);
	assert_string_equal(s.id[0], "5000-0");
	assert_string_equal(s.id[19], "5000-19");
}

/* from and to bound the range, both included; ms ids mean the whole ms. */
static void
test_xrange_bounds(void **state)
{
	struct fx	*f = *state;
	struct seen	 s;
	char		 err[128];

	seed_stream(f, "t:s", 1000, 3);
	seed_stream(f, "t:s", 2000, 3);
	seed_stream(f, "t:s", 3000, 3);
	memset(&s, 0, sizeof s);
	assert_int_equal(ctl_xrange(&f->c, "t:s", "2000", "2999", 2, test_each,
	    &s, err, sizeof err), 0);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.id[0], "2000-0");
	assert_string_equal(s.id[2], "2000-2");

	memset(&s, 0, sizeof s);
	assert_int_equal(ctl_xrange(&f->c, "t:s", "1000-2", "3000-0", 2,
	    test_each, &s, err, sizeof err), 0);
	assert_int_equal(s.count, 5);
	assert_string_equal(s.id[0], "1000-2");
	assert_string_equal(s.id[4], "3000-0");
}

static void
test_xrange_missing_and_error(void **state)
{
	struct fx	*f = *state;
	struct seen	 s;
	char		 err[128] = "";

	memset(&s, 0, sizeof s);
	assert_int_equal(ctl_xrange(&f->c, "t:none", "-", "+", 10, test_each,
	    &s, err, sizeof err), 0);
	assert_int_equal(s.count, 0);

	freeReplyObject(test_redis_cmd(&f->srv, "SET t:str x"));
	assert_int_equal(ctl_xrange(&f->c, "t:str", "-", "+", 10, test_each,
	    &s, err, sizeof err), -1);
	assert_int_equal(s.count, 0);
	if (strncmp(err, "WRONGTYPE", 9) != 0)
		fail_msg("expected Redis's WRONGTYPE error, got \"%s\"", err);

	/* a bad id: Redis's error comes back */
	assert_int_equal(ctl_xrange(&f->c, "t:none", "nonsense", "+", 10,
	    test_each, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "ERR"));
}

static void
test_integer(void **state)
{
	struct fx	*f = *state;

	seed_stream(f, "t:s", 1000, 4);
	freeReplyObject(test_redis_cmd(&f->srv, "RPUSH t:l a b"));
	assert_int_equal(ctl_integer(&f->c, "XLEN", "t:s"), 4);
	assert_int_equal(ctl_integer(&f->c, "LLEN", "t:l"), 2);
	assert_int_equal(ctl_integer(&f->c, "XLEN", "t:none"), 0);
	/* an error, or an answer that is not an integer: -1 */
	assert_int_equal(ctl_integer(&f->c, "LLEN", "t:s"), -1);
	assert_int_equal(ctl_integer(&f->c, "TYPE", "t:s"), -1);
}

static void
test_now_and_id_ms(void **state)
{
	struct fx	*f = *state;
	struct timespec	 ts;
	int64_t		 ms, local;

	clock_gettime(CLOCK_REALTIME, &ts);
	local = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	ms = ctl_redis_now_ms(&f->c);
	/* the same machine's clock: within a few seconds */
	if (ms < local - 5000 || ms > local + 5000)
		fail_msg("Redis's time %lld ms, this host's %lld ms",
		    (long long)ms, (long long)local);

	assert_int_equal(ctl_id_ms("1700000000123-5"), 1700000000123LL);
	assert_int_equal(ctl_id_ms("42"), 42);
	assert_int_equal(ctl_id_ms("0-1"), 0);
	/* a stream id's time is Redis's clock */
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:s * a b"));
	{
		redisReply *r = test_redis_cmd(&f->srv, "XRANGE t:s - +");
		int64_t t = ctl_id_ms(r->element[0]->element[0]->str);

		assert_true(t >= ms && t <= ctl_redis_now_ms(&f->c));
		freeReplyObject(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xrange_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_xrange_exact_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_xrange_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_xrange_missing_and_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_integer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_now_and_id_ms, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
