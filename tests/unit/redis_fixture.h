/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The Redis tests' shared fixture: a throwaway redis-server in a mkdtemp
 * directory, on a unix socket (and a TCP port when asked), started by
 * test_redis_start and stopped, directory removed, by test_redis_stop; a
 * synchronous hiredis connection to it for a test's setup and checks; and
 * an event loop run until a condition holds or a deadline passes. Linked
 * into tests/unit/test_redis.c, test_queue.c and test_queue_batch.c (see
 * the Makefile). Each helper fails the test, saying what was expected and
 * what came, rather than return an error.
 */
#ifndef RELAIS_REDIS_FIXTURE_H
#define RELAIS_REDIS_FIXTURE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

struct event_base;
struct config_redis;

/* One redis-server of a test, and the test's own connection to it. */
struct test_redis {
	char		 dir[64];	/* mkdtemp; "" before the first start */
	char		 sock[128];	/* dir/redis.sock */
	char		 password[64];	/* requirepass, or "" */
	int		 port;		/* TCP on 127.0.0.1, or 0: none */
	pid_t		 pid;		/* -1: not running */
	int		 paused;	/* SIGSTOP'ed */
	redisContext	*c;		/* synchronous, NULL while not running */
};

/*
 * Starts redis-server (requirepass password unless NULL; a TCP port too
 * when tcp), waits until it answers, checks its database is empty. Again
 * after test_redis_kill: the same directory and socket path.
 */
void		 test_redis_start(struct test_redis *, const char *password,
		    int tcp);
/* SIGKILL, reaped; the directory stays for a restart. */
void		 test_redis_kill(struct test_redis *);
/* Stops the server if it runs and removes its directory. */
void		 test_redis_stop(struct test_redis *);
/* SIGSTOP and SIGCONT: a server that stalls, then comes back. */
void		 test_redis_pause(struct test_redis *);
void		 test_redis_resume(struct test_redis *);

/*
 * A command on the synchronous connection (redisCommand's format, with
 * %b for binary: not printf's, so unchecked); the
 * test fails on no reply or an error reply. The caller frees the reply.
 */
redisReply	*test_redis_cmd(struct test_redis *, const char *, ...);
/* The same, for an integer reply. */
long long	 test_redis_int(struct test_redis *, const char *, ...);
/* A line of INFO section ("stats"): the value of field, or -1 if none. */
long long	 test_redis_info(struct test_redis *, const char *section,
		    const char *field);

/*
 * A config_redis for the server: its socket, the test defaults (prefix
 * "t:", group "g", consumer "c1", short timeouts), pointing at strings of
 * the fixture (valid while it is).
 */
void		 test_redis_conf(struct test_redis *, struct config_redis *);

/* Monotonic ms. */
int64_t		 test_ms(void);

/* One run of the loop until a condition (TEST_UNTIL). */
struct test_loop {
	struct event_base	*base;
	struct event		*tick;
	int64_t			 deadline;
};
void	test_loop_begin(struct test_loop *, struct event_base *, long ms);
/* One iteration; 0 once the deadline has passed. */
int	test_loop_step(struct test_loop *);
void	test_loop_end(struct test_loop *);

/*
 * Runs base until expr holds (checked after every iteration, and every
 * 10 ms), or fails the test naming expr once ms have passed.
 */
#define TEST_UNTIL(base, expr, ms) do {					\
	struct test_loop test_loop_;					\
									\
	test_loop_begin(&test_loop_, (base), (ms));			\
	while (!(expr) && test_loop_step(&test_loop_))			\
		;							\
	test_loop_end(&test_loop_);					\
	if (!(expr))							\
		fail_msg("%s:%d: still false after %ld ms: %s",	\
		    __FILE__, __LINE__, (long)(ms), #expr);		\
} while (0)

#endif
