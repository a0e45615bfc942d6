/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for queue_batch: the queue's writer (commit, state, begin and
 * rate calls batched per loop iteration, single reads, owed sent markers,
 * the schedule tick) against a throwaway redis-server
 * (tests/unit/redis_fixture.h), checked with a second, synchronous
 * connection.
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

#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "queue.h"
#include "queue_args.h"
#include "queue_batch.h"
#include "redis_fixture.h"

#define TEST_MAX	16

struct fx {
	struct test_redis	 srv;
	struct event_base	*base;
	struct config		 cf;
	struct queue		*q;
	struct queue_entry	*e[TEST_MAX];	/* what the reader handed over */
	size_t			 n;
};

/* What one writer callback saw. */
struct call {
	int			 n;		/* times it ran */
	int			 seq;		/* order among the test's callbacks */
	int			 ok;
	int			 dup;
	char			 json[256];
	size_t			 len;
	int			 verdicts[16];
	size_t			 nv;
	long long		 wait;
	struct queue_rows	*rows;
};

static int	test_seq;

static void
test_on_entry(struct queue_entry *e, void *arg)
{
	struct fx	*f = arg;

	if (f->n == TEST_MAX)
		fail_msg("more than %d entries handed over", TEST_MAX);
	f->e[f->n++] = e;
}

static size_t
test_on_room(void *arg)
{
	struct fx	*f = arg;

	return TEST_MAX - f->n;
}

/* Every entry handed over is being worked on. */
static int
test_busy(const char *id, void *arg)
{
	struct fx	*f = arg;
	size_t		 i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->e[i]->id, id) == 0)
			return 1;
	}
	return 0;
}

static void
test_called(struct call *c, int ok)
{
	c->n++;
	c->seq = ++test_seq;
	c->ok = ok;
}

static void
test_on_commit(int ok, void *arg)
{
	test_called(arg, ok);
}

static void
test_on_state(int ok, int dup, const char *json, size_t len, void *arg)
{
	struct call	*c = arg;

	test_called(c, ok);
	c->dup = dup;
	c->len = len;
	if (json != NULL)
		snprintf(c->json, sizeof c->json, "%.*s", (int)len, json);
}

static void
test_on_begin(int ok, int dup, const int *verdicts, size_t n, void *arg)
{
	struct call	*c = arg;
	size_t		 i;

	test_called(c, ok);
	c->dup = dup;
	c->nv = n;
	for (i = 0; i < n && i < 16; i++)
		c->verdicts[i] = verdicts[i];
}

static void
test_on_rate(int ok, long long wait_ms, void *arg)
{
	struct call	*c = arg;

	test_called(c, ok);
	c->wait = wait_ms;
}

static void
test_on_rows(int ok, struct queue_rows *rows, void *arg)
{
	struct call	*c = arg;

	test_called(c, ok);
	c->rows = rows;
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
	test_seq = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	size_t		 i;

	queue_free(f->q);
	for (i = 0; i < f->n; i++)
		queue_entry_free(f->e[i]);
	test_redis_stop(&f->srv);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
test_new(struct fx *f)
{
	f->q = queue_new(f->base, &f->cf, test_on_entry, test_on_room,
	    test_busy, f);
}

/* The queue on f->cf, up. */
static void
test_start(struct fx *f)
{
	test_new(f);
	queue_start(f->q);
	TEST_UNTIL(f->base, queue_is_up(f->q), 5000);
}

/* An event added to the stream and handed over by the reader. */
static const struct queue_entry *
test_entry(struct fx *f, const char *event)
{
	size_t	n = f->n;

	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events * event %s",
	    event));
	TEST_UNTIL(f->base, f->n == n + 1, 5000);
	return f->e[n];
}

static long long
test_pending(struct fx *f)
{
	redisReply	*r;
	long long	 n;

	r = test_redis_cmd(&f->srv, "XPENDING t:events g");
	n = r->element[0]->integer;
	freeReplyObject(r);
	return n;
}

/* The string at key, or "(nil)". */
static void
test_get(struct fx *f, const char *key, const char *want)
{
	redisReply	*r;

	r = test_redis_cmd(&f->srv, "GET %s", key);
	if (r->type == REDIS_REPLY_NIL)
		assert_string_equal("(nil)", want);
	else
		assert_string_equal(r->str, want);
	freeReplyObject(r);
}

/*
 * A commit acknowledges and deletes its entry, writes its sent marker
 * (with the sent TTL) and appends its record to the deliveries stream.
 */
static void
test_commit_acks(void **state)
{
	struct fx			*f = *state;
	const struct queue_entry	*e;
	struct queue_args		 a;
	struct call			 c = { 0 };
	redisReply			*r;
	long long			 ttl;

	test_start(f);
	e = test_entry(f, "{}");
	assert_int_equal(test_pending(f), 1);
	queue_args_init(&a);
	queue_op_sent(&a, "k1");
	queue_op_record(&a, 0, 2);
	queue_args_add(&a, "event_id", 8);
	queue_args_add(&a, "ev1", 3);
	queue_args_add(&a, "outcome", 7);
	queue_args_add(&a, "sent", 4);
	assert_int_equal(queue_commit(f->q, e->id, &a, test_on_commit, &c), 0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, c.n == 1, 5000);
	assert_int_equal(c.ok, 1);
	assert_int_equal(test_pending(f), 0);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 0);
	test_get(f, "t:sent:k1", "1");
	ttl = test_redis_int(&f->srv, "TTL t:sent:k1");
	assert_in_range(ttl, 1, 60);
	r = test_redis_cmd(&f->srv, "XRANGE t:deliveries - +");
	assert_int_equal(r->elements, 1);
	assert_int_equal(r->element[0]->element[1]->elements, 4);
	assert_string_equal(r->element[0]->element[1]->element[0]->str,
	    "event_id");
	assert_string_equal(r->element[0]->element[1]->element[1]->str, "ev1");
	assert_string_equal(r->element[0]->element[1]->element[2]->str,
	    "outcome");
	assert_string_equal(r->element[0]->element[1]->element[3]->str, "sent");
	freeReplyObject(r);
}

/*
 * The deliveries records go as XADDs of their own, ahead of the script:
 * one Redis refuses (the key holds something else) leaves the outcomes,
 * markers and acks to go in; a script that fails does not take back the
 * records sent with it.
 */
static void
test_commit_records(void **state)
{
	struct fx			*f = *state;
	const struct queue_entry	*e;
	struct queue_args		 a;
	struct call			 c[2];

	memset(c, 0, sizeof c);
	test_start(f);
	e = test_entry(f, "{}");
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:deliveries x"));
	queue_args_init(&a);
	queue_op_record(&a, 0, 1);
	queue_args_add(&a, "key", 3);
	queue_args_add(&a, "k1", 2);
	queue_op_sent(&a, "k1");
	assert_int_equal(queue_commit(f->q, e->id, &a, test_on_commit, &c[0]),
	    0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, c[0].n == 1, 5000);
	assert_int_equal(c[0].ok, 1);
	assert_int_equal(test_pending(f), 0);
	test_get(f, "t:sent:k1", "1");
	test_get(f, "t:deliveries", "x");

	/* an effect the script does not know: it fails, the record stays */
	freeReplyObject(test_redis_cmd(&f->srv, "DEL t:deliveries"));
	queue_args_init(&a);
	queue_op_record(&a, 0, 1);
	queue_args_add(&a, "key", 3);
	queue_args_add(&a, "k2", 2);
	queue_op_effect(&a, "no_such_effect", 0);
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &c[1]), 0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, c[1].n == 1, 5000);
	assert_int_equal(c[1].ok, 0);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:deliveries"), 1);
}

/* Commits of one loop iteration: one script call, callbacks in order. */
static void
test_commit_batched(void **state)
{
	struct fx		*f = *state;
	struct queue_args	 a;
	struct call		 c[3];
	char			 key[16];
	long long		 calls;
	int			 i;
	redisReply		*r;

	memset(c, 0, sizeof c);
	test_start(f);
	calls = test_redis_info(&f->srv, "commandstats", "cmdstat_evalsha");
	queue_args_init(&a);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof key, "k%d", i);
		queue_op_sent(&a, key);
		if (i == 2)
			queue_op_schedule(&a, 4242, "m", 1);
		assert_int_equal(queue_commit(f->q, "", &a, test_on_commit,
		    &c[i]), 0);
		queue_args_clear(&a);
	}
	TEST_UNTIL(f->base, c[2].n == 1, 5000);
	for (i = 0; i < 3; i++) {
		assert_int_equal(c[i].n, 1);
		assert_int_equal(c[i].ok, 1);
		assert_int_equal(c[i].seq, i + 1);
	}
	assert_int_equal(test_redis_info(&f->srv, "commandstats",
	    "cmdstat_evalsha"), calls < 0 ? 1 : calls + 1);
	test_get(f, "t:sent:k0", "1");
	test_get(f, "t:sent:k2", "1");
	r = test_redis_cmd(&f->srv, "ZSCORE t:scheduled m");
	assert_string_equal(r->str, "4242");
	freeReplyObject(r);
}

/* n commits asked in a row, the loop not run: sent markers k<first>... */
static void
test_commits(struct fx *f, struct call *c, int n, int first)
{
	struct queue_args	 a;
	char			 key[16];
	int			 i;

	queue_args_init(&a);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%d", first + i);
		queue_op_sent(&a, key);
		assert_int_equal(queue_commit(f->q, "", &a, test_on_commit,
		    &c[i]), 0);
		queue_args_clear(&a);
	}
}

/*
 * A batch that reaches QUEUE_SEND_AT calls goes to Redis before the call
 * that filled it returns, not when the loop iteration ends: Redis applies
 * it while the loop has not run (it is not given the chance here). Its
 * callbacks still fire from the loop, in order; the call after it starts
 * the next batch.
 */
static void
test_commit_sent_at_once(void **state)
{
	struct fx	*f = *state;
	struct call	 c[QUEUE_SEND_AT + 1];
	long long	 calls;
	int64_t		 until;
	int		 i;

	memset(c, 0, sizeof c);
	test_start(f);
	calls = test_redis_info(&f->srv, "commandstats", "cmdstat_evalsha");
	test_commits(f, c, QUEUE_SEND_AT + 1, 0);
	until = test_ms() + 5000;
	while (test_redis_int(&f->srv, "EXISTS t:sent:k%d",
	    QUEUE_SEND_AT - 1) == 0) {
		if (test_ms() > until)
			fail_msg("a full batch was not sent before the loop ran");
		usleep(1000);
	}
	for (i = 0; i <= QUEUE_SEND_AT; i++)
		assert_int_equal(c[i].n, 0);
	test_get(f, "t:sent:k32", "(nil)");
	TEST_UNTIL(f->base, c[QUEUE_SEND_AT].n == 1, 5000);
	for (i = 0; i <= QUEUE_SEND_AT; i++) {
		assert_int_equal(c[i].n, 1);
		assert_int_equal(c[i].ok, 1);
		assert_int_equal(c[i].seq, i + 1);
	}
	assert_int_equal(test_redis_info(&f->srv, "commandstats",
	    "cmdstat_evalsha"), (calls < 0 ? 0 : calls) + 2);
	test_get(f, "t:sent:k32", "1");
}

/*
 * Redis gone and the queue not told yet (the loop has not run): a full
 * batch is written to the closed socket (EPIPE on the fixture's unix
 * socket), the next one finds the error kept in the context. No callback
 * fires inside the calls that asked (a caller must not see its own
 * callback before its call returns); the loop then finds the error and
 * every call fails (its entry stays pending).
 */
static void
test_sent_at_once_lost(void **state)
{
	struct fx	*f = *state;
	struct call	 c[2 * QUEUE_SEND_AT];
	int		 i;

	memset(c, 0, sizeof c);
	test_start(f);
	test_redis_kill(&f->srv);
	test_commits(f, c, QUEUE_SEND_AT, 0);
	test_commits(f, c + QUEUE_SEND_AT, QUEUE_SEND_AT, QUEUE_SEND_AT);
	for (i = 0; i < 2 * QUEUE_SEND_AT; i++)
		assert_int_equal(c[i].n, 0);
	TEST_UNTIL(f->base, c[2 * QUEUE_SEND_AT - 1].n == 1, 5000);
	for (i = 0; i < 2 * QUEUE_SEND_AT; i++) {
		assert_int_equal(c[i].n, 1);
		assert_int_equal(c[i].ok, 0);
	}
}

/*
 * A commit's failure callback that asks for more commits: the kept-batch
 * path. Its calls are counted while inside queue_commit: a callback that
 * fires there is a call seeing its own answer before it returned.
 */
struct storm {
	struct fx	*f;
	int		 inside;	/* in one of its queue_commit calls */
	int		 reentered;	/* callbacks fired inside one */
	int		 accepted;	/* its calls that queue_commit took */
	struct call	 first;
	struct call	 c[QUEUE_SEND_AT + 8];
};

static struct storm	*test_storm;

static void
test_on_storm(int ok, void *arg)
{
	if (test_storm->inside)
		test_storm->reentered++;
	test_called(arg, ok);
}

static void
test_on_first_lost(int ok, void *arg)
{
	struct storm		*s = arg;
	struct queue_args	 a;
	char			 key[16];
	size_t			 i;

	test_called(&s->first, ok);
	queue_args_init(&a);
	for (i = 0; i < sizeof s->c / sizeof *s->c; i++) {
		snprintf(key, sizeof key, "s%zu", i);
		queue_op_sent(&a, key);
		s->inside = 1;
		if (queue_commit(s->f->q, "", &a, test_on_storm, &s->c[i]) == 0)
			s->accepted++;
		s->inside = 0;
		queue_args_clear(&a);
	}
}

/*
 * Redis killed with a commit in flight: hiredis fails its pending calls
 * (NULL replies) before relaisd hears of the disconnection, and refuses
 * new commands meanwhile. The commits a failure callback asks for then
 * are taken (the queue still says up) and, past QUEUE_SEND_AT, cannot be
 * sent: the full batch stays for the loop to fail. None of their
 * callbacks fires inside the queue_commit that asked; all fail after.
 */
static void
test_kept_batch(void **state)
{
	struct fx		*f = *state;
	struct storm		*s;
	struct queue_args	 a;
	size_t			 i, n;

	s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->f = f;
	test_storm = s;
	n = sizeof s->c / sizeof *s->c;
	test_start(f);
	test_redis_pause(&f->srv);
	queue_args_init(&a);
	queue_op_sent(&a, "k0");
	assert_int_equal(queue_commit(f->q, "", &a, test_on_first_lost, s), 0);
	queue_args_clear(&a);
	/* the commit written to the stalled server, its answer awaited */
	for (i = 0; i < 5; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(s->first.n, 0);
	test_redis_kill(&f->srv);
	TEST_UNTIL(f->base, s->c[n - 1].n == 1, 5000);
	assert_int_equal(s->first.n, 1);
	assert_int_equal(s->first.ok, 0);
	assert_int_equal((size_t)s->accepted, n);
	assert_int_equal(s->reentered, 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(s->c[i].n, 1);
		assert_int_equal(s->c[i].ok, 0);
	}
	test_storm = NULL;
	free(s);
}

/*
 * A batch the script refuses fails as a whole: every callback gets ok = 0,
 * and nothing of it was applied (the ops are checked before any is).
 */
static void
test_commit_refused(void **state)
{
	struct fx		*f = *state;
	struct queue_args	 a;
	struct call		 good = { 0 }, bad = { 0 };

	test_start(f);
	queue_args_init(&a);
	queue_op_sent(&a, "kgood");
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &good), 0);
	queue_args_clear(&a);
	queue_op_effect(&a, "no_such_effect", 0);
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &bad), 0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, good.n == 1 && bad.n == 1, 5000);
	assert_int_equal(good.ok, 0);
	assert_int_equal(bad.ok, 0);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:sent:kgood"), 0);
	assert_true(queue_is_up(f->q));
}

/*
 * An effect whose Lua fails (here: the welcome effect without its
 * arguments) is reported, and the rest of its batch is applied: the other
 * commits' markers and acks do not wait on a bug.
 */
static void
test_commit_effect_fails(void **state)
{
	struct fx		*f = *state;
	struct queue_args	 a;
	struct call		 good = { 0 }, bad = { 0 };

	test_start(f);
	queue_args_init(&a);
	queue_op_effect(&a, "welcome", 0);
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &bad), 0);
	queue_args_clear(&a);
	queue_op_sent(&a, "kafter");
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &good), 0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, good.n == 1 && bad.n == 1, 5000);
	assert_int_equal(bad.ok, 1);
	assert_int_equal(good.ok, 1);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:sent:kafter"), 1);
}

/*
 * Redis stalls under a commit: ok = 0 at the command timeout; once Redis
 * is back the writer is up again and commits go through.
 */
static void
test_commit_stalled(void **state)
{
	struct fx			*f = *state;
	const struct queue_entry	*e;
	struct queue_args		 a;
	struct call			 c1 = { 0 }, c2 = { 0 };

	f->cf.redis.command_timeout_ms = 300;
	test_start(f);
	e = test_entry(f, "{}");
	test_redis_pause(&f->srv);
	queue_args_init(&a);
	queue_op_sent(&a, "k1");
	assert_int_equal(queue_commit(f->q, e->id, &a, test_on_commit, &c1),
	    0);
	TEST_UNTIL(f->base, c1.n == 1, 3000);
	assert_int_equal(c1.ok, 0);
	assert_false(queue_is_up(f->q));
	assert_int_equal(queue_commit(f->q, e->id, &a, test_on_commit, &c2),
	    -1);
	test_redis_resume(&f->srv);
	TEST_UNTIL(f->base, queue_is_up(f->q), 10000);
	assert_int_equal(queue_commit(f->q, e->id, &a, test_on_commit, &c2),
	    0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, c2.n == 1, 5000);
	assert_int_equal(c2.ok, 1);
	assert_int_equal(c1.n, 1);
	assert_int_equal(test_pending(f), 0);
	test_get(f, "t:sent:k1", "1");
}

/* Freed with calls waiting or in flight: no callback fires. */
static void
test_free_drops(void **state)
{
	struct fx		*f = *state;
	struct queue_args	 a;
	struct call		 c1 = { 0 }, c2 = { 0 }, c3 = { 0 };

	test_start(f);
	queue_args_init(&a);
	queue_op_sent(&a, "k1");
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &c1), 0);
	queue_free(f->q);	/* the batch was not sent yet */
	assert_int_equal(c1.n, 0);

	test_start(f);
	test_redis_pause(&f->srv);
	assert_int_equal(queue_commit(f->q, "", &a, test_on_commit, &c2), 0);
	assert_int_equal(queue_state(f->q, "e1", "1-1", 0, "", 0, 0, NULL,
	    test_on_state, &c3), 0);
	queue_args_clear(&a);
	/* one iteration sends the batches; Redis answers nothing */
	assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 0);
	queue_free(f->q);
	f->q = NULL;
	assert_int_equal(c2.n, 0);
	assert_int_equal(c3.n, 0);
}

/* state's dedupe: an event id seen in another entry is a duplicate. */
static void
test_state_dup(void **state)
{
	struct fx	*f = *state;
	struct call	 c[5];
	long long	 ttl;
	int		 i;

	memset(c, 0, sizeof c);
	test_start(f);
	/* one batch: the first entry with the id wins */
	assert_int_equal(queue_state(f->q, "e1", "1-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[0]), 0);
	assert_int_equal(queue_state(f->q, "e1", "2-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[1]), 0);
	/* no event id: no dedupe */
	assert_int_equal(queue_state(f->q, "", "2-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[2]), 0);
	TEST_UNTIL(f->base, c[2].n == 1, 5000);
	/* later: the same entry read again is no duplicate of itself */
	assert_int_equal(queue_state(f->q, "e1", "1-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[3]), 0);
	assert_int_equal(queue_state(f->q, "e1", "3-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[4]), 0);
	TEST_UNTIL(f->base, c[4].n == 1, 5000);
	for (i = 0; i < 5; i++) {
		assert_int_equal(c[i].n, 1);
		assert_int_equal(c[i].ok, 1);
		assert_int_equal(c[i].seq, i + 1);
		assert_int_equal(c[i].len, 0);	/* fn "": no answer */
	}
	assert_int_equal(c[0].dup, 0);
	assert_int_equal(c[1].dup, 1);
	assert_int_equal(c[2].dup, 0);
	assert_int_equal(c[3].dup, 0);
	assert_int_equal(c[4].dup, 1);
	test_get(f, "t:seen:e1", "1-1");
	ttl = test_redis_int(&f->srv, "TTL t:seen:e1");
	assert_in_range(ttl, 1, 60);
}

/*
 * An entry that says it is a retry or a replay skips the dedupe only when
 * relais marked it so (internal:<stream id>).
 */
static void
test_state_claim(void **state)
{
	struct fx	*f = *state;
	struct call	 c[3];

	memset(c, 0, sizeof c);
	test_start(f);
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:internal:6-1 1"));
	assert_int_equal(queue_state(f->q, "e2", "1-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[0]), 0);
	assert_int_equal(queue_state(f->q, "e2", "5-1", 1, "", 1, 0, NULL,
	    test_on_state, &c[1]), 0);
	assert_int_equal(queue_state(f->q, "e2", "6-1", 1, "", 1, 0, NULL,
	    test_on_state, &c[2]), 0);
	TEST_UNTIL(f->base, c[2].n == 1, 5000);
	assert_int_equal(c[0].dup, 0);
	assert_int_equal(c[1].dup, 1);	/* forged: no marker */
	assert_int_equal(c[2].dup, 0);
	test_get(f, "t:seen:e2", "1-1");
}

/* A state function Redis does not know: the whole batch fails. */
static void
test_state_unknown_fn(void **state)
{
	struct fx		*f = *state;
	struct queue_args	 a;
	struct call		 c[2];

	memset(c, 0, sizeof c);
	test_start(f);
	queue_args_init(&a);
	queue_args_add(&a, "x", 1);
	assert_int_equal(queue_state(f->q, "e1", "1-1", 0, "", 0, 0, NULL,
	    test_on_state, &c[0]), 0);
	assert_int_equal(queue_state(f->q, "e2", "2-1", 0, "no_such_fn", 0, 0,
	    &a, test_on_state, &c[1]), 0);
	queue_args_clear(&a);
	TEST_UNTIL(f->base, c[1].n == 1, 5000);
	assert_int_equal(c[0].n, 1);
	assert_int_equal(c[0].ok, 0);
	assert_int_equal(c[1].ok, 0);
}

/* begin: the dedupe, and each delivery's verdict from the current records. */
static void
test_begin_verdicts(void **state)
{
	struct fx	*f = *state;
	const struct queue_check v[] = {
		{ "kS", "email:a@b", "", "", "", 0 },
		{ "k1", "email:x@y", "", "", "", 0 },
		{ "k2", "email:a@example.org", "p1", "c", "", 0 },
		{ "k3", "email:a@example.org", "gone", "p", "", 0 },
		{ "k4", "email:z@z", "p2", "p", "", 0 },
		{ "k5", "email:a@example.org", "p3", "c", "", 0 },
		{ "k6", "email:b@example.org", "p1", "c", "", 0 },
		{ "k7", "email:a@example.org", "p1", "c", "cap:r1", 3 },
		{ "k8", "email:a@example.org", "p1", "p", "cap:r1", 4 },
	};
	const int	 want[] = { QUEUE_SENT, QUEUE_SUPPRESSED, QUEUE_GO,
	    QUEUE_GONE, QUEUE_DEPARTED, QUEUE_NO_CONSENT,
	    QUEUE_ADDRESS_CHANGED, QUEUE_CAPPED, QUEUE_GO };
	struct call	 c[2];
	size_t		 i;

	memset(c, 0, sizeof c);
	test_start(f);
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:sent:kS 1"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:suppressed email:x@y {}"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p1 territory t1 "
	    "consent_email 1 email A@Example.org"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p2 territory t1 "
	    "departed 1"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p3 territory t1 "
	    "consent_email 0 email a@example.org"));
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:cap:r1 3"));
	assert_int_equal(queue_begin(f->q, "e9", "1-1", 0, v,
	    sizeof v / sizeof v[0], test_on_begin, &c[0]), 0);
	assert_int_equal(queue_begin(f->q, "e9", "2-1", 0, NULL, 0,
	    test_on_begin, &c[1]), 0);
	TEST_UNTIL(f->base, c[1].n == 1, 5000);
	assert_int_equal(c[0].ok, 1);
	assert_int_equal(c[0].dup, 0);
	assert_int_equal(c[0].nv, sizeof want / sizeof want[0]);
	for (i = 0; i < c[0].nv; i++) {
		if (c[0].verdicts[i] != want[i])
			fail_msg("delivery %s: verdict %d, expected %d",
			    v[i].key, c[0].verdicts[i], want[i]);
	}
	assert_int_equal(c[1].ok, 1);
	assert_int_equal(c[1].dup, 1);
	assert_int_equal(c[1].nv, 0);
}

/*
 * begin's dedupe of an entry that says it is relais's own (claim): trusted
 * only where relais marked the stream id internal; a batch with nothing
 * to read still answers; an SMS checks the stored phone; a read Redis
 * refuses (a key of another type) fails its entry only.
 */
static void
test_begin_claims(void **state)
{
	struct fx	*f = *state;
	const struct queue_check sms[] = {
		{ "s1", "sms:+18195550101", "p1", "c", "", 0 },
		{ "s2", "sms:+18195550199", "p1", "c", "", 0 },
		{ "s3", "nochannel", "p1", "c", "", 0 },
	};
	const struct queue_check bad[] = {
		{ "b1", "email:a@b", "p9", "p", "", 0 },
	};
	struct call	 c[6];

	memset(c, 0, sizeof c);
	test_start(f);
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:seen:e1 9-9"));
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:internal:3-1 1"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p1 territory t1 "
	    "consent_sms 1 phone +18195550101 consent_email 1 email a@b"));
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:person:p9 x"));
	/* claimed, and relais's: no duplicate; claimed, not relais's: one */
	assert_int_equal(queue_begin(f->q, "e1", "3-1", 1, NULL, 0,
	    test_on_begin, &c[0]), 0);
	assert_int_equal(queue_begin(f->q, "e1", "4-1", 1, NULL, 0,
	    test_on_begin, &c[1]), 0);
	assert_int_equal(queue_begin(f->q, "e1", "9-9", 0, NULL, 0,
	    test_on_begin, &c[2]), 0);
	assert_int_equal(queue_begin(f->q, "", "5-1", 0, sms,
	    sizeof sms / sizeof sms[0], test_on_begin, &c[3]), 0);
	assert_int_equal(queue_begin(f->q, "", "6-1", 0, bad, 1,
	    test_on_begin, &c[4]), 0);
	TEST_UNTIL(f->base, c[4].n == 1, 5000);
	assert_int_equal(c[0].ok, 1);
	assert_int_equal(c[0].dup, 0);
	assert_int_equal(c[1].ok, 1);
	assert_int_equal(c[1].dup, 1);
	assert_int_equal(c[2].ok, 1);	/* the entry that marked it */
	assert_int_equal(c[2].dup, 0);
	assert_int_equal(c[3].ok, 1);
	assert_int_equal(c[3].nv, 3);
	assert_int_equal(c[3].verdicts[0], QUEUE_GO);
	assert_int_equal(c[3].verdicts[1], QUEUE_ADDRESS_CHANGED);
	assert_int_equal(c[3].verdicts[2], QUEUE_NO_CONSENT);
	assert_int_equal(c[4].ok, 0);
	assert_true(c[0].seq < c[1].seq && c[3].seq < c[4].seq);

	/* nothing to read: still answered, from the loop */
	assert_int_equal(queue_begin(f->q, "", "7-1", 0, NULL, 0,
	    test_on_begin, &c[5]), 0);
	assert_int_equal(c[5].n, 0);
	TEST_UNTIL(f->base, c[5].n == 1, 5000);
	assert_int_equal(c[5].ok, 1);
	assert_int_equal(c[5].dup, 0);
}

/*
 * A person is read once for the deliveries of an entry that ask the same
 * of their record (a welcome and the counsellor's notice), each judged by
 * its own check; another channel or another person is a read of its own.
 */
static void
test_begin_person_once(void **state)
{
	struct fx	*f = *state;
	const struct queue_check v[] = {
		{ "w", "email:a@b", "p1", "c", "", 0 },
		{ "n", "email:counsellor@c", "p1", "p", "", 0 },
		{ "s", "sms:+18195550101", "p1", "c", "", 0 },
		{ "o", "email:a@b", "p2", "p", "", 0 },
		{ "x", "email:other@b", "p1", "c", "", 0 },
	};
	const int	 want[] = { QUEUE_GO, QUEUE_GO, QUEUE_GO,
	    QUEUE_DEPARTED, QUEUE_ADDRESS_CHANGED };
	struct call	 c;
	long long	 before;
	size_t		 i;

	memset(&c, 0, sizeof c);
	test_start(f);
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p1 territory t1 "
	    "consent_sms 1 phone +18195550101 consent_email 1 email a@b"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p2 territory t1 "
	    "departed 1"));
	before = test_redis_info(&f->srv, "commandstats", "cmdstat_hmget");
	if (before < 0)
		before = 0;
	assert_int_equal(queue_begin(f->q, "", "1-1", 0, v,
	    sizeof v / sizeof v[0], test_on_begin, &c), 0);
	TEST_UNTIL(f->base, c.n == 1, 5000);
	assert_int_equal(c.ok, 1);
	assert_int_equal(c.nv, sizeof want / sizeof want[0]);
	for (i = 0; i < c.nv; i++) {
		if (c.verdicts[i] != want[i])
			fail_msg("delivery %s: verdict %d, expected %d",
			    v[i].key, c.verdicts[i], want[i]);
	}
	/* the suppressions' HMGET, p1 by email, p1 by SMS, p2 */
	assert_int_equal(test_redis_info(&f->srv, "commandstats",
	    "cmdstat_hmget"), before + 4);
}

/* Redis gone: every begin of the batch fails, from the loop, once. */
static void
test_begin_lost(void **state)
{
	struct fx	*f = *state;
	const struct queue_check v[] = {
		{ "k1", "email:a@b", "p1", "c", "cap:r1", 3 },
	};
	struct call	 c[QUEUE_SEND_AT + 2];
	size_t		 i;

	memset(c, 0, sizeof c);
	test_start(f);
	test_redis_pause(&f->srv);
	for (i = 0; i < QUEUE_SEND_AT + 2; i++)
		assert_int_equal(queue_begin(f->q, "e1", "1-1", 0, v, 1,
		    test_on_begin, &c[i]), 0);
	for (i = 0; i < QUEUE_SEND_AT + 2; i++)
		assert_int_equal(c[i].n, 0);
	test_redis_kill(&f->srv);
	TEST_UNTIL(f->base, c[QUEUE_SEND_AT + 1].n == 1, 5000);
	for (i = 0; i < QUEUE_SEND_AT + 2; i++) {
		assert_int_equal(c[i].n, 1);
		assert_int_equal(c[i].ok, 0);
	}
}

/* The shared rate: GCRA slots, one Redis clock reading per batch. */
static void
test_rate(void **state)
{
	struct fx	*f = *state;
	struct call	 c[6];
	const long long	 want[] = { 0, 1000, -2000, 0, 0, 1000 };
	int		 i;

	memset(c, 0, sizeof c);
	test_start(f);
	assert_int_equal(queue_rate(f->q, "a", 1000, 0, 5000, test_on_rate,
	    &c[0]), 0);
	assert_int_equal(queue_rate(f->q, "a", 1000, 0, 5000, test_on_rate,
	    &c[1]), 0);
	assert_int_equal(queue_rate(f->q, "a", 1000, 0, 500, test_on_rate,
	    &c[2]), 0);
	for (i = 3; i < 6; i++)	/* a burst of 2 */
		assert_int_equal(queue_rate(f->q, "b", 1000, 1000, 5000,
		    test_on_rate, &c[i]), 0);
	TEST_UNTIL(f->base, c[5].n == 1, 5000);
	for (i = 0; i < 6; i++) {
		assert_int_equal(c[i].ok, 1);
		if (c[i].wait != want[i])
			fail_msg("request %d: wait %lld, expected %lld", i,
			    c[i].wait, want[i]);
	}
}

/* A hash read whole, binary-safe; a missing one is empty. */
static void
test_read_hash(void **state)
{
	struct fx	*f = *state;
	struct call	 c[2];

	memset(c, 0, sizeof c);
	test_start(f);
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:h a 1 b %b", "x\0y",
	    (size_t)3));
	assert_int_equal(queue_read_hash(f->q, "t:h", test_on_rows, &c[0]), 0);
	assert_int_equal(queue_read_hash(f->q, "t:none", test_on_rows, &c[1]),
	    0);
	TEST_UNTIL(f->base, c[1].n == 1, 5000);
	assert_int_equal(c[0].ok, 1);
	assert_non_null(c[0].rows);
	assert_int_equal(c[0].rows->n, 2);
	assert_string_equal(c[0].rows->v[0], "a");
	assert_string_equal(c[0].rows->v[1], "1");
	assert_string_equal(c[0].rows->v[2], "b");
	assert_int_equal(c[0].rows->len[3], 3);
	assert_memory_equal(c[0].rows->v[3], "x\0y", 3);
	assert_int_equal(c[1].ok, 1);
	assert_int_equal(c[1].rows->n, 0);
	queue_rows_free(c[0].rows);
	queue_rows_free(c[1].rows);
	queue_rows_free(NULL);
}

/*
 * A sent marker owed while the writer was down: written once it is up,
 * first thing; one owed while it is up: at once. (A commit queued after
 * each one runs after it, on the same connection: its callback says the
 * payment's has run too.)
 */
static void
test_owe_sent(void **state)
{
	struct fx		*f = *state;
	struct queue_args	 none;
	struct call		 c[2];

	memset(c, 0, sizeof c);
	queue_args_init(&none);
	test_new(f);
	queue_owe_sent(f->q, "owed1");
	queue_start(f->q);
	TEST_UNTIL(f->base, queue_is_up(f->q), 5000);
	assert_int_equal(queue_commit(f->q, "", &none, test_on_commit, &c[0]),
	    0);
	TEST_UNTIL(f->base, c[0].n == 1, 5000);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:sent:owed1"), 1);
	queue_owe_sent(f->q, "owed2");
	assert_int_equal(queue_commit(f->q, "", &none, test_on_commit, &c[1]),
	    0);
	TEST_UNTIL(f->base, c[1].n == 1, 5000);
	assert_int_equal(c[1].ok, 1);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:sent:owed2"), 1);
}

/*
 * A payment of owed markers still unanswered when the queue is freed (at
 * shutdown) is freed with it: LeakSanitizer says so under check-sanitize.
 */
static void
test_owe_sent_freed(void **state)
{
	struct fx	*f = *state;

	test_new(f);
	queue_start(f->q);
	TEST_UNTIL(f->base, queue_is_up(f->q), 5000);
	queue_owe_sent(f->q, "owed3");	/* sent, not answered yet */
	/* teardown frees the queue with the payment in flight */
}

/*
 * The tick: the inbox (oldest first) and due scheduled members into the
 * stream, a retry marked as relais's own; an unreadable member to the dead
 * letters, a member not due left.
 */
static void
test_tick(void **state)
{
	struct fx	*f = *state;
	redisReply	*r;

	f->cf.redis.schedule_interval_ms = 50;
	freeReplyObject(test_redis_cmd(&f->srv, "LPUSH t:inbox ev-a ev-b"));
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:scheduled 1 %s",
	    "retry 2 1 key9 EVR"));
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:scheduled 2 garbage"));
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:scheduled "
	    "99999999999999 %s", "event 0 0 - LATER"));
	test_start(f);
	TEST_UNTIL(f->base, f->n == 3, 5000);
	assert_string_equal(f->e[0]->event, "ev-a");
	assert_null(f->e[0]->retry_key);
	assert_string_equal(f->e[1]->event, "ev-b");
	assert_string_equal(f->e[2]->event, "EVR");
	assert_string_equal(f->e[2]->retry_key, "key9");
	assert_int_equal(f->e[2]->attempt, 2);
	assert_int_equal(f->e[2]->waits, 1);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:internal:%s",
	    f->e[2]->id), 1);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:internal:%s",
	    f->e[0]->id), 0);
	assert_int_equal(test_redis_int(&f->srv, "LLEN t:inbox"), 0);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD t:scheduled"), 1);
	r = test_redis_cmd(&f->srv, "XRANGE t:dead - +");
	assert_int_equal(r->elements, 1);
	assert_string_equal(r->element[0]->element[1]->element[1]->str,
	    "unreadable scheduled entry");
	assert_string_equal(r->element[0]->element[1]->element[3]->str,
	    "garbage");
	freeReplyObject(r);
}

/* ms is within 3 s of want_ms. */
static void
test_near(const char *what, long long ms, long long want_ms)
{
	if (ms < want_ms - 3000 || ms > want_ms + 3000)
		fail_msg("%s: %lld ms, expected about %lld", what, ms, want_ms);
}

/*
 * The gauges (every 5 s): sizes, and the ages an operator alerts on: the
 * oldest entry of the stream (acked, not deleted: 90 s), the oldest
 * pending one (30 s), the oldest due scheduled one (20 s).
 */
static void
test_gauges(void **state)
{
	struct fx			*f = *state;
	const struct queue_gauges	*g;
	long long			 now = clock_now_ms();

	test_start(f);
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events %lld-0 event a",
	    now - 90000));
	TEST_UNTIL(f->base, f->n == 1, 5000);
	freeReplyObject(test_redis_cmd(&f->srv, "XACK t:events g %s",
	    f->e[0]->id));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events %lld-0 event b",
	    now - 30000));
	TEST_UNTIL(f->base, f->n == 2, 5000);
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:scheduled %lld %s "
	    "%lld %s", now - 20000, "event 0 0 - DUE", now + 3600000,
	    "event 0 0 - LATER"));
	g = queue_gauges(f->q);
	/* the stats timer may have read before the ZADD: wait for a read after */
	TEST_UNTIL(f->base, g->valid && g->scheduled == 2, 8000);
	now = clock_now_ms() - now;	/* they were read this long after */
	assert_int_equal(g->stream, 2);
	assert_int_equal(g->pending, 1);
	assert_int_equal(g->scheduled, 2);
	test_near("oldest entry", g->oldest_entry_ms, 90000 + now);
	test_near("oldest pending", g->oldest_pending_ms, 30000 + now);
	test_near("oldest due", g->oldest_due_ms, 20000 + now);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_acks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_batched, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_sent_at_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sent_at_once_lost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kept_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_effect_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_stalled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_drops, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_claim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_unknown_fn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_begin_verdicts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_begin_claims, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_begin_person_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_begin_lost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_hash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owe_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owe_sent_freed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gauges, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
