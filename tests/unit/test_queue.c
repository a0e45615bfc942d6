/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for queue: the stream reader (consumer group, new entries,
 * own pending entries, idle entries of other consumers, room, entry
 * parsing) against a throwaway redis-server (tests/unit/redis_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "queue.h"
#include "redis_fixture.h"

#define TEST_MAX	16

/* One queue under test (one consumer) and the entries it handed over. */
struct side {
	struct queue		*q;
	struct queue_entry	*e[TEST_MAX];
	int64_t			 at[TEST_MAX];	/* when each came (test_ms) */
	size_t			 n;
	size_t			 limit;		/* entries it holds at most */
	int			 room_calls;
	int			 released;	/* busy says no to every id */
};

struct fx {
	struct test_redis	 srv;
	struct event_base	*base;
	struct config		 cf;
	struct side		 a;
	struct side		 b;
};

static char	test_ca[] = "ca";
static char	test_cb[] = "cb";

static void
test_on_entry(struct queue_entry *e, void *arg)
{
	struct side	*s = arg;

	if (s->n == TEST_MAX)
		fail_msg("more than %d entries handed over", TEST_MAX);
	s->at[s->n] = test_ms();
	s->e[s->n++] = e;
}

/* As the pipeline's: how many more it takes now. */
static size_t
test_on_room(void *arg)
{
	struct side	*s = arg;

	s->room_calls++;
	return s->limit > s->n ? s->limit - s->n : 0;
}

/* As the pipeline's: an entry it holds is being processed here. */
static int
test_busy(const char *id, void *arg)
{
	struct side	*s = arg;
	size_t		 i;

	if (s->released)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->e[i]->id, id) == 0)
			return 1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	f->cf.retention_days = 1;
	f->a.limit = f->b.limit = TEST_MAX;
	*state = f;
	return 0;
}

static void
test_side_free(struct side *s)
{
	size_t	i;

	queue_free(s->q);
	for (i = 0; i < s->n; i++)
		queue_entry_free(s->e[i]);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	test_side_free(&f->a);
	test_side_free(&f->b);
	test_redis_stop(&f->srv);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Starts s's queue as consumer (NULL: the fixture's "c1"); waits until up. */
static void
test_start(struct fx *f, struct side *s, char *consumer)
{
	char	*keep = f->cf.redis.consumer;

	if (consumer != NULL)
		f->cf.redis.consumer = consumer;
	s->q = queue_new(f->base, &f->cf, test_on_entry, test_on_room, test_busy,
	    s);
	f->cf.redis.consumer = keep;
	queue_start(s->q);
	TEST_UNTIL(f->base, queue_is_up(s->q), 5000);
}

/* XADD t:events * field value ... (NULL-terminated): the new id into id. */
static void
test_xadd(struct fx *f, char *id, size_t idlen, ...)
{
	const char	*av[16];
	redisReply	*r;
	va_list		 ap;
	int		 n = 0;

	av[n++] = "XADD";
	av[n++] = "t:events";
	av[n++] = "*";
	va_start(ap, idlen);
	while (n < 16 && (av[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	r = redisCommandArgv(f->srv.c, n, av, NULL);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	snprintf(id, idlen, "%s", r->str);
	freeReplyObject(r);
}

/* The consumer owning id in the group, and how often it was delivered. */
static void
test_owner(struct fx *f, const char *id, const char *consumer, long long n)
{
	redisReply	*r, *p;

	r = test_redis_cmd(&f->srv, "XPENDING t:events g %s %s 1", id, id);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	if (r->elements != 1)
		fail_msg("%s: expected pending, got %zu entries", id,
		    r->elements);
	p = r->element[0];
	assert_string_equal(p->element[1]->str, consumer);
	assert_int_equal(p->element[3]->integer, n);
	freeReplyObject(r);
}

/* How many entries are pending in the group. */
static void
test_pending(struct fx *f, long long want)
{
	redisReply	*r;

	r = test_redis_cmd(&f->srv, "XPENDING t:events g");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->element[0]->integer, want);
	freeReplyObject(r);
}

/* An entry as a producer writes it, read once, with its stream id. */
static void
test_check_event(const struct queue_entry *e, const char *id,
    const char *event)
{
	assert_string_equal(e->id, id);
	assert_non_null(e->event);
	assert_string_equal(e->event, event);
	assert_int_equal(e->len, strlen(event));
	assert_null(e->fields);
	assert_null(e->raw);
	assert_null(e->retry_key);
	assert_int_equal(e->replay, 0);
	assert_int_equal(e->deleted, 0);
	assert_int_equal(e->first_ms, strtoll(id, NULL, 10));
	assert_int_equal(e->delivered, 1);
}

/*
 * Entries added before the group existed and after: each handed over
 * once, in order, and left pending for this consumer.
 */
static void
test_read_once(void **state)
{
	struct fx	*f = *state;
	char		 id[4][64], ev[32];
	int		 i;

	for (i = 0; i < 3; i++) {
		snprintf(ev, sizeof ev, "{\"n\":%d}", i);
		test_xadd(f, id[i], sizeof id[i], "event", ev, NULL);
	}
	test_start(f, &f->a, NULL);
	TEST_UNTIL(f->base, f->a.n == 3, 5000);
	test_check_event(f->a.e[0], id[0], "{\"n\":0}");
	test_check_event(f->a.e[1], id[1], "{\"n\":1}");
	test_check_event(f->a.e[2], id[2], "{\"n\":2}");
	test_xadd(f, id[3], sizeof id[3], "event", "{\"n\":3}", NULL);
	TEST_UNTIL(f->base, f->a.n == 4, 5000);
	test_check_event(f->a.e[3], id[3], "{\"n\":3}");
	/* the reader has gone round again: nothing read twice */
	TEST_UNTIL(f->base, test_redis_info(&f->srv, "commandstats",
	    "cmdstat_xreadgroup") >= 4, 5000);
	assert_int_equal(f->a.n, 4);
	test_pending(f, 4);
	for (i = 0; i < 4; i++)
		test_owner(f, id[i], "c1", 1);
}

/* A retry's and a replay's fields. */
static void
test_retry_replay(void **state)
{
	struct fx	*f = *state;
	char		 id[3][64];

	test_xadd(f, id[0], sizeof id[0], "event", "E", "retry", "key1",
	    "attempt", "3", "waits", "2", NULL);
	test_xadd(f, id[1], sizeof id[1], "event", "E", "replay",
	    "1700000000000-0", NULL);
	test_xadd(f, id[2], sizeof id[2], "event", "E", "replay", "1", NULL);
	test_start(f, &f->a, NULL);
	TEST_UNTIL(f->base, f->a.n == 3, 5000);
	assert_string_equal(f->a.e[0]->retry_key, "key1");
	assert_int_equal(f->a.e[0]->attempt, 3);
	assert_int_equal(f->a.e[0]->waits, 2);
	assert_int_equal(f->a.e[0]->replay, 0);
	assert_int_equal(f->a.e[1]->replay, 1);
	assert_null(f->a.e[1]->retry_key);
	/* a replay is ordered by the original entry's time */
	assert_int_equal(f->a.e[1]->first_ms, 1700000000000LL);
	assert_int_equal(f->a.e[2]->replay, 1);
	assert_int_equal(f->a.e[2]->first_ms, strtoll(id[2], NULL, 10));
	assert_string_equal(f->a.e[2]->event, "E");
}

/*
 * No "event" field: handed over as it is, every field as JSON when they
 * are UTF-8, and verbatim always.
 */
static void
test_malformed(void **state)
{
	struct fx	*f = *state;
	const struct queue_entry *e;
	redisReply	*r;
	char		 id[2][64];

	test_xadd(f, id[0], sizeof id[0], "foo", "bar", "n", "1", NULL);
	r = test_redis_cmd(&f->srv, "XADD t:events * x %b", "\xff\0z",
	    (size_t)3);
	snprintf(id[1], sizeof id[1], "%s", r->str);
	freeReplyObject(r);
	test_start(f, &f->a, NULL);
	TEST_UNTIL(f->base, f->a.n == 2, 5000);

	e = f->a.e[0];
	assert_string_equal(e->id, id[0]);
	assert_null(e->event);
	assert_int_equal(e->deleted, 0);
	assert_int_equal(e->delivered, 1);
	assert_non_null(e->fields);
	assert_string_equal(e->fields, "{\"foo\":\"bar\",\"n\":\"1\"}");
	assert_int_equal(e->nraw, 4);
	assert_string_equal(e->raw[0], "foo");
	assert_string_equal(e->raw[1], "bar");
	assert_string_equal(e->raw[2], "n");
	assert_string_equal(e->raw[3], "1");

	e = f->a.e[1];
	assert_string_equal(e->id, id[1]);
	assert_null(e->event);
	assert_null(e->fields);	/* not UTF-8: JSON cannot carry it */
	assert_int_equal(e->nraw, 2);
	assert_string_equal(e->raw[0], "x");
	assert_int_equal(e->rawlen[1], 3);
	assert_memory_equal(e->raw[1], "\xff\0z", 3);
	test_owner(f, id[1], "c1", 1);
}

/* A restart of the same consumer takes its own pending entries first. */
static void
test_own_pending(void **state)
{
	struct fx	*f = *state;
	char		 id[2][64];

	freeReplyObject(test_redis_cmd(&f->srv,
	    "XGROUP CREATE t:events g 0 MKSTREAM"));
	test_xadd(f, id[0], sizeof id[0], "event", "first", NULL);
	freeReplyObject(test_redis_cmd(&f->srv,
	    "XREADGROUP GROUP g c1 COUNT 10 STREAMS t:events >"));
	test_start(f, &f->a, NULL);
	TEST_UNTIL(f->base, f->a.n == 1, 5000);
	assert_string_equal(f->a.e[0]->id, id[0]);
	assert_string_equal(f->a.e[0]->event, "first");
	assert_int_equal(f->a.e[0]->delivered, 2);
	test_owner(f, id[0], "c1", 2);
	test_xadd(f, id[1], sizeof id[1], "event", "second", NULL);
	TEST_UNTIL(f->base, f->a.n == 2, 5000);
	test_check_event(f->a.e[1], id[1], "second");
}

/*
 * An entry another consumer left pending is taken over once it has been
 * idle claim_idle_ms, not before; the consumer still working on it (busy)
 * does not take it again.
 */
static void
test_claim_idle(void **state)
{
	struct fx	*f = *state;
	char		 id[64];

	f->cf.redis.claim_idle_ms = 300;
	test_start(f, &f->a, test_ca);
	test_xadd(f, id, sizeof id, "event", "E", NULL);
	TEST_UNTIL(f->base, f->a.n == 1, 5000);
	test_start(f, &f->b, test_cb);
	TEST_UNTIL(f->base, f->b.n == 1, 5000);
	assert_string_equal(f->b.e[0]->id, id);
	assert_string_equal(f->b.e[0]->event, "E");
	assert_int_equal(f->b.e[0]->delivered, 2);
	/* Redis's idle time starts a little before the first callback ran */
	assert_in_range(f->b.at[0] - f->a.at[0], 250, 5000);
	assert_int_equal(f->a.n, 1);
	test_owner(f, id, "cb", 2);
}

/*
 * After a reconnection the entries being worked on are not handed over
 * again; asked to recover its own (a commit failed), the queue hands them
 * over again once they are released.
 */
static void
test_reconnect_busy(void **state)
{
	struct fx	*f = *state;
	char		 id[3][64];
	size_t		 i;

	test_start(f, &f->a, NULL);
	test_xadd(f, id[0], sizeof id[0], "event", "e0", NULL);
	test_xadd(f, id[1], sizeof id[1], "event", "e1", NULL);
	TEST_UNTIL(f->base, f->a.n == 2, 5000);
	assert_int_equal(test_redis_int(&f->srv,
	    "CLIENT KILL SKIPME yes TYPE normal"), 2);
	TEST_UNTIL(f->base, queue_reconnects(f->a.q) == 2 &&
	    queue_is_up(f->a.q), 5000);
	test_xadd(f, id[2], sizeof id[2], "event", "e2", NULL);
	TEST_UNTIL(f->base, f->a.n == 3, 5000);
	test_check_event(f->a.e[2], id[2], "e2");

	f->a.released = 1;
	queue_recover_own(f->a.q);
	TEST_UNTIL(f->base, f->a.n == 6, 5000);
	for (i = 0; i < 3; i++) {
		assert_string_equal(f->a.e[3 + i]->id, id[i]);
		assert_int_equal(f->a.e[3 + i]->delivered, 2);
	}
}

/* No room: nothing read until queue_kick(); then only as many as room. */
static void
test_room(void **state)
{
	struct fx	*f = *state;
	char		 id[5][64];
	int		 i, calls;

	for (i = 0; i < 5; i++)
		test_xadd(f, id[i], sizeof id[i], "event", "E", NULL);
	f->a.limit = 2;
	test_start(f, &f->a, NULL);
	TEST_UNTIL(f->base, f->a.n == 2, 5000);
	/* asked again (the claim timer) and found none */
	calls = f->a.room_calls;
	TEST_UNTIL(f->base, f->a.room_calls >= calls + 3, 5000);
	assert_int_equal(f->a.n, 2);
	test_pending(f, 2);	/* read no more than there was room for */
	f->a.limit = 5;
	queue_kick(f->a.q);
	TEST_UNTIL(f->base, f->a.n == 5, 5000);
	for (i = 0; i < 5; i++)
		assert_string_equal(f->a.e[i]->id, id[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_idle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_busy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_room, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
