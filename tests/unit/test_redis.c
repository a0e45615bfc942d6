/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for redis: the asynchronous connection (unix socket and TCP,
 * AUTH, SELECT, scripts, deadlines, reconnection) against a throwaway
 * redis-server (tests/unit/redis_fixture.h).
 */
#include <sys/resource.h>

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
#include "redis.h"
#include "redis_fixture.h"

/* One connection under test and what its state callback saw. */
struct conn {
	struct redis	*r;
	int		 ups;
	int		 downs;
};

struct fx {
	struct test_redis	 srv;
	struct event_base	*base;
	struct config_redis	 rc;
	struct conn		 a;
	struct conn		 b;
	struct redis_script	 script;
};

/* What a reply callback saw, copied out of the reply. */
struct got {
	int		 n;		/* times the callback ran */
	int		 type;		/* the reply's type; 0: NULL */
	long long	 integer;
	char		 str[256];
	size_t		 len;
	size_t		 elements;
	char		 el[4][64];
	int64_t		 at;		/* when (test_ms) */
};

static char	test_localhost[] = "127.0.0.1";
static char	test_wrong[] = "wrong";
static char	test_default[] = "default";

static void
test_on_state(struct redis *r, int up, void *arg)
{
	struct conn	*c = arg;

	assert_ptr_equal(r, c->r);
	assert_int_equal(redis_is_up(r), up);
	if (up)
		c->ups++;
	else
		c->downs++;
}

static void
test_on_reply(redisReply *r, void *arg)
{
	struct got	*g = arg;
	size_t		 i;

	g->n++;
	g->at = test_ms();
	g->type = r != NULL ? r->type : 0;
	if (r == NULL)
		return;
	g->integer = r->integer;
	if (r->str != NULL) {
		g->len = r->len;
		memcpy(g->str, r->str, r->len < sizeof g->str ? r->len :
		    sizeof g->str - 1);
	}
	g->elements = r->elements;
	for (i = 0; i < r->elements && i < 4; i++) {
		if (r->element[i]->str != NULL)
			snprintf(g->el[i], sizeof g->el[i], "%s",
			    r->element[i]->str);
	}
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	redis_free(f->a.r);
	redis_free(f->b.r);
	test_redis_stop(&f->srv);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Starts the server and connection c on f->rc; waits until it is up. */
static void
test_up(struct fx *f, struct conn *c)
{
	c->r = redis_new(f->base, &f->rc, "test", test_on_state, c);
	if (f->script.body != NULL)
		redis_script_add(c->r, &f->script);
	redis_start(c->r);
	TEST_UNTIL(f->base, c->ups == 1, 5000);
	assert_int_equal(c->downs, 0);
}

/* A command of C strings; the test fails if it is refused. */
static void
test_send(struct conn *c, struct got *g, long timeout_ms, int argc,
    const char **argv)
{
	assert_int_equal(redis_command(c->r, test_on_reply, g, timeout_ms,
	    argc, argv, NULL), 0);
}

/* PING gets PONG, within 5 s. */
static void
test_ping(struct fx *f, struct conn *c)
{
	const char	*av[] = { "PING" };
	struct got	 g = { 0 };

	test_send(c, &g, 0, 1, av);
	TEST_UNTIL(f->base, g.n == 1, 5000);
	assert_int_equal(g.type, REDIS_REPLY_STATUS);
	assert_string_equal(g.str, "PONG");
}

/* A binary value set and read back, through the unix socket. */
static void
test_roundtrip(void **state)
{
	struct fx	*f = *state;
	const char	*set[] = { "SET", "k", "a\0b\r\n" };
	const size_t	 setlen[] = { 3, 1, 5 };
	const char	*get[] = { "GET", "k" };
	struct got	 g1 = { 0 }, g2 = { 0 };

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	test_up(f, &f->a);
	assert_true(redis_is_up(f->a.r));
	assert_int_equal(redis_command(f->a.r, test_on_reply, &g1, 0, 3, set,
	    setlen), 0);
	test_send(&f->a, &g2, 0, 2, get);
	TEST_UNTIL(f->base, g2.n == 1, 5000);
	assert_int_equal(g1.n, 1);
	assert_int_equal(g1.type, REDIS_REPLY_STATUS);
	assert_string_equal(g1.str, "OK");
	assert_int_equal(g2.type, REDIS_REPLY_STRING);
	assert_int_equal(g2.len, 5);
	assert_memory_equal(g2.str, "a\0b\r\n", 5);
	assert_int_equal(test_redis_int(&f->srv, "STRLEN k"), 5);
	assert_int_equal(redis_reconnects(f->a.r), 0);
}

/* Many commands in flight: each callback once, in the order sent. */
static void
test_pipelined(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "INCR", "n" };
	struct got	 g[100];
	int		 i;

	memset(g, 0, sizeof g);
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	test_up(f, &f->a);
	for (i = 0; i < 100; i++)
		test_send(&f->a, &g[i], 0, 2, av);
	TEST_UNTIL(f->base, g[99].n == 1, 5000);
	for (i = 0; i < 100; i++) {
		assert_int_equal(g[i].n, 1);
		assert_int_equal(g[i].type, REDIS_REPLY_INTEGER);
		assert_int_equal(g[i].integer, i + 1);
	}
}

/*
 * A command larger than the socket takes at once, to a stalled server:
 * the write waits for room (redis_ev.c) without spinning the loop, then
 * goes on once the server is back; it and one queued behind it are
 * answered, once, in order.
 */
static void
test_large_write(void **state)
{
	struct fx	*f = *state;
	size_t		 big = 24u << 20;
	char		*v;
	const char	*set[] = { "SET", "big", NULL };
	size_t		 setlen[] = { 3, 3, 0 };
	const char	*len[] = { "STRLEN", "big" };
	struct got	 g1 = { 0 }, g2 = { 0 };
	struct rusage	 ru0, ru1;
	int64_t		 t0, cpu;

	assert_non_null(v = malloc(big));
	memset(v, 'x', big);
	set[2] = v;
	setlen[2] = big;
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	f->rc.command_timeout_ms = 10000;
	test_up(f, &f->a);
	test_redis_pause(&f->srv);
	assert_int_equal(redis_command(f->a.r, test_on_reply, &g1, 0, 3, set,
	    setlen), 0);
	free(v);
	test_send(&f->a, &g2, 0, 2, len);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru0), 0);
	t0 = test_ms();
	TEST_UNTIL(f->base, test_ms() - t0 >= 500, 2000);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru1), 0);
	cpu = (int64_t)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
	    ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000 +
	    (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
	    ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1000;
	if (cpu >= 250)
		fail_msg("%lld ms of CPU in 500 ms waiting for the socket",
		    (long long)cpu);
	assert_int_equal(g1.n, 0);
	test_redis_resume(&f->srv);
	TEST_UNTIL(f->base, g2.n == 1, 10000);
	assert_int_equal(g1.n, 1);
	assert_int_equal(g1.type, REDIS_REPLY_STATUS);
	assert_int_equal(g2.type, REDIS_REPLY_INTEGER);
	assert_int_equal(g2.integer, (long long)big);
	assert_true(g1.at <= g2.at);
	assert_int_equal(redis_reconnects(f->a.r), 0);
}

/* Not started, or not up yet: -1, and the callback never runs. */
static void
test_refused_while_down(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "PING" };
	struct got	 g = { 0 };

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	f->a.r = redis_new(f->base, &f->rc, "test", test_on_state, &f->a);
	f->script.body = "return 1";
	redis_script_add(f->a.r, &f->script);
	assert_false(redis_is_up(f->a.r));
	assert_int_equal(redis_command(f->a.r, test_on_reply, &g, 0, 1, av,
	    NULL), -1);
	assert_int_equal(redis_eval(f->a.r, &f->script, test_on_reply, &g, 0,
	    0, 0, NULL, NULL), -1);
	assert_int_equal(redis_eval_packed(f->a.r, &f->script, test_on_reply,
	    &g, 0, 0, 1, "x", 1, (const size_t []){ 0 },
	    (const size_t []){ 1 }), -1);
	redis_start(f->a.r);
	/* connecting: still refused */
	assert_int_equal(redis_command(f->a.r, test_on_reply, &g, 0, 1, av,
	    NULL), -1);
	TEST_UNTIL(f->base, f->a.ups == 1, 5000);
	assert_int_equal(g.n, 0);
	test_ping(f, &f->a);
}

/* 127.0.0.1 and a port: connected without a resolver. */
static void
test_tcp(void **state)
{
	struct fx	*f = *state;

	test_redis_start(&f->srv, NULL, 1);
	test_redis_conf(&f->srv, &f->rc);
	f->rc.path = NULL;
	f->rc.host = test_localhost;
	f->rc.port = f->srv.port;
	test_up(f, &f->a);
	test_ping(f, &f->a);
}

/* A database number: SELECTed in the handshake. */
static void
test_select(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "SET", "k", "in3" };
	struct got	 g = { 0 };
	redisReply	*r;

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	f->rc.db = 3;
	test_up(f, &f->a);
	test_send(&f->a, &g, 0, 3, av);
	TEST_UNTIL(f->base, g.n == 1, 5000);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS k"), 0);
	freeReplyObject(test_redis_cmd(&f->srv, "SELECT 3"));
	r = test_redis_cmd(&f->srv, "GET k");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_string_equal(r->str, "in3");
	freeReplyObject(r);
}

/* The right password, with and without a user name: up. */
static void
test_auth_accepted(void **state)
{
	struct fx	*f = *state;

	test_redis_start(&f->srv, "s3cret", 0);
	test_redis_conf(&f->srv, &f->rc);
	test_up(f, &f->a);
	f->rc.username = test_default;
	test_up(f, &f->b);
	test_ping(f, &f->a);
	test_ping(f, &f->b);
}

/* A wrong password: refused at every attempt, never up, commands refused. */
static void
test_auth_refused(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "PING" };
	struct got	 g = { 0 };

	test_redis_start(&f->srv, "s3cret", 0);
	test_redis_conf(&f->srv, &f->rc);
	f->rc.password = test_wrong;
	f->a.r = redis_new(f->base, &f->rc, "test", test_on_state, &f->a);
	redis_start(f->a.r);
	/* refused twice: it tried again after the first refusal */
	TEST_UNTIL(f->base, test_redis_info(&f->srv, "errorstats",
	    "errorstat_WRONGPASS") >= 2, 5000);
	assert_int_equal(f->a.ups, 0);
	assert_int_equal(f->a.downs, 0);
	assert_false(redis_is_up(f->a.r));
	assert_int_equal(redis_command(f->a.r, test_on_reply, &g, 0, 1, av,
	    NULL), -1);
	assert_int_equal(g.n, 0);
}

/*
 * A stalled server: the command with the earliest deadline fails the
 * connection at that deadline, with every command in flight; the state
 * goes down, then up again once the server is back.
 */
static void
test_timeout(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "PING" };
	struct got	 slow = { 0 }, quick = { 0 };
	int64_t		 t0;

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	f->rc.command_timeout_ms = 5000;
	test_up(f, &f->a);
	test_redis_pause(&f->srv);
	t0 = test_ms();
	test_send(&f->a, &slow, 0, 1, av);	/* the default: 5000 ms */
	test_send(&f->a, &quick, 200, 1, av);
	TEST_UNTIL(f->base, quick.n == 1, 3000);
	assert_int_equal(quick.type, 0);
	assert_int_equal(slow.n, 1);
	assert_int_equal(slow.type, 0);
	assert_in_range(quick.at - t0, 200, 1500);
	assert_int_equal(f->a.downs, 1);
	assert_false(redis_is_up(f->a.r));
	assert_int_equal(redis_command(f->a.r, test_on_reply, &slow, 0, 1, av,
	    NULL), -1);
	test_redis_resume(&f->srv);
	TEST_UNTIL(f->base, f->a.ups == 2, 10000);
	assert_int_equal(redis_reconnects(f->a.r), 1);
	test_ping(f, &f->a);
	assert_int_equal(slow.n, 1);
	assert_int_equal(quick.n, 1);
}

/* The server closes the connection: down, then up again by itself. */
static void
test_reconnect(void **state)
{
	struct fx	*f = *state;

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	test_up(f, &f->a);
	assert_int_equal(test_redis_int(&f->srv,
	    "CLIENT KILL SKIPME yes TYPE normal"), 1);
	TEST_UNTIL(f->base, f->a.ups == 2, 5000);
	assert_int_equal(f->a.downs, 1);
	assert_int_equal(redis_reconnects(f->a.r), 1);
	test_ping(f, &f->a);
}

/* The server killed and started again on the same socket. */
static void
test_server_restart(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "PING" };
	struct got	 g = { 0 };

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	test_up(f, &f->a);
	test_redis_kill(&f->srv);
	TEST_UNTIL(f->base, f->a.downs == 1, 5000);
	assert_int_equal(redis_command(f->a.r, test_on_reply, &g, 0, 1, av,
	    NULL), -1);
	test_redis_start(&f->srv, NULL, 0);
	TEST_UNTIL(f->base, f->a.ups == 2, 10000);
	assert_int_equal(f->a.downs, 1);
	assert_int_equal(redis_reconnects(f->a.r), 1);
	test_ping(f, &f->a);
	assert_int_equal(g.n, 0);
}

/* redis_free with a command in flight: its callback gets NULL, at once. */
static void
test_free_pending(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "PING" };
	struct got	 g = { 0 };

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	test_up(f, &f->a);
	test_redis_pause(&f->srv);
	test_send(&f->a, &g, 5000, 1, av);
	redis_free(f->a.r);
	f->a.r = NULL;
	assert_int_equal(g.n, 1);
	assert_int_equal(g.type, 0);
	assert_int_equal(f->a.downs, 0);	/* no state callback from free */
	redis_free(NULL);
}

/*
 * A script loaded in the handshake runs by EVALSHA; flushed under the
 * connection, it answers NOSCRIPT, and the reconnection loads it again.
 */
static void
test_script(void **state)
{
	struct fx	*f = *state;
	const char	*av[] = { "k1", "v1" };
	struct got	 g1 = { 0 }, g2 = { 0 }, g3 = { 0 };

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	f->script.body = "return {KEYS[1], ARGV[1]}";
	test_up(f, &f->a);
	assert_int_equal(strlen(f->script.sha), 40);
	assert_int_equal(redis_eval(f->a.r, &f->script, test_on_reply, &g1, 0,
	    1, 2, av, NULL), 0);
	TEST_UNTIL(f->base, g1.n == 1, 5000);
	assert_int_equal(g1.type, REDIS_REPLY_ARRAY);
	assert_int_equal(g1.elements, 2);
	assert_string_equal(g1.el[0], "k1");
	assert_string_equal(g1.el[1], "v1");

	freeReplyObject(test_redis_cmd(&f->srv, "SCRIPT FLUSH"));
	assert_int_equal(redis_eval(f->a.r, &f->script, test_on_reply, &g2, 0,
	    1, 2, av, NULL), 0);
	TEST_UNTIL(f->base, g2.n == 1, 5000);
	assert_int_equal(g2.type, REDIS_REPLY_ERROR);
	assert_memory_equal(g2.str, "NOSCRIPT", 8);
	TEST_UNTIL(f->base, f->a.ups == 2, 5000);
	assert_int_equal(f->a.downs, 1);
	assert_int_equal(redis_eval(f->a.r, &f->script, test_on_reply, &g3, 0,
	    1, 2, av, NULL), 0);
	TEST_UNTIL(f->base, g3.n == 1, 5000);
	assert_int_equal(g3.type, REDIS_REPLY_ARRAY);
	assert_string_equal(g3.el[1], "v1");
}

/*
 * Arguments packed as a queue_args holds them (bytes at offsets, with
 * lengths) go as redis_eval's do: empty, with a NUL, CR LF, 3,000 bytes.
 */
static void
test_script_packed(void **state)
{
	static const char	 want[] = "k|0:|3:a\0b|4:x\r\ny|3000:zzzzzzzz";
	static char		 z[3000];
	const char *const	 args[] = { "k", "", "a\0b", "x\r\ny", z };
	const size_t		 lens[] = { 1, 0, 3, 4, sizeof z };
	struct fx		*f = *state;
	char			 base[3100];
	const char		*av[5];
	size_t			 off[5], len[5], n = 0;
	struct got		 g1 = { 0 }, g2 = { 0 };
	int			 i;

	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->rc);
	f->script.body = "local t = { KEYS[1] }\n"
	    "for i = 1, #ARGV do\n"
	    "  t[#t + 1] = #ARGV[i] .. ':' .. string.sub(ARGV[i], 1, 8)\n"
	    "end\n"
	    "return table.concat(t, '|')";
	test_up(f, &f->a);
	memset(z, 'z', sizeof z);
	for (i = 0; i < 5; i++) {
		off[i] = n;
		len[i] = lens[i];
		memcpy(base + n, args[i], lens[i]);
		av[i] = base + n;
		n += lens[i];
	}
	assert_int_equal(redis_eval_packed(f->a.r, &f->script, test_on_reply,
	    &g1, 0, 1, 5, base, n, off, len), 0);
	assert_int_equal(redis_eval(f->a.r, &f->script, test_on_reply, &g2, 0,
	    1, 5, av, len), 0);
	TEST_UNTIL(f->base, g1.n == 1 && g2.n == 1, 5000);
	assert_int_equal(g1.type, REDIS_REPLY_STRING);
	assert_int_equal(g1.len, sizeof want - 1);
	assert_memory_equal(g1.str, want, sizeof want - 1);
	assert_int_equal(g2.len, g1.len);
	assert_memory_equal(g2.str, g1.str, g1.len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_while_down, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_accepted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_auth_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_script_packed, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
