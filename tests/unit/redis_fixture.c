/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The Redis tests' fixture: a throwaway redis-server and a bounded event loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "redis_fixture.h"

#define TEST_START_MS	10000

static char	test_prefix[] = "t:";
static char	test_group[] = "g";
static char	test_consumer[] = "c1";

int64_t
test_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polling step of a wait for a process or a socket: not a synchronisation. */
static void
test_nap(void)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * A TCP port on 127.0.0.1 nothing listens on, below the kernel's ephemeral
 * range, so that no outgoing connection is holding it (as lib.sh's).
 */
static int
test_free_port(void)
{
	struct sockaddr_in	 sin;
	FILE			*f;
	long			 lo = 32768;
	int			 fd, port, rc;

	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) != NULL) {
		if (fscanf(f, "%ld", &lo) != 1 || lo <= 11000)
			lo = 32768;
		fclose(f);
	}
	for (;;) {
		port = 10000 + (int)(random() % (lo - 10000));
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			fail_msg("socket: %s", strerror(errno));
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&sin, sizeof sin);
		close(fd);
		if (rc == -1)
			return port;
	}
}

static void
test_redis_spawn(struct test_redis *s)
{
	char		 log[128], port[16];
	const char	*av[24];
	pid_t		 parent = getpid();
	int		 n = 0, fd;

	snprintf(log, sizeof log, "%s/redis.log", s->dir);
	snprintf(port, sizeof port, "%d", s->port);
	av[n++] = "redis-server";
	av[n++] = "--port";
	av[n++] = port;
	av[n++] = "--bind";
	av[n++] = "127.0.0.1";
	av[n++] = "--unixsocket";
	av[n++] = s->sock;
	av[n++] = "--unixsocketperm";
	av[n++] = "700";
	av[n++] = "--save";
	av[n++] = "";
	av[n++] = "--appendonly";
	av[n++] = "no";
	av[n++] = "--dir";
	av[n++] = s->dir;
	if (s->password[0] != '\0') {
		av[n++] = "--requirepass";
		av[n++] = s->password;
	}
	av[n] = NULL;
	if ((s->pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (s->pid != 0)
		return;
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	/* the server dies with the test, whatever kills the test */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	execvp(av[0], (char *const *)av);
	_exit(127);
}

/* The synchronous connection, once the server answers PING; -1 if it died. */
static int
test_redis_wait(struct test_redis *s)
{
	struct timeval	 tv = { 5, 0 };
	redisContext	*c;
	redisReply	*r;
	int64_t		 deadline = test_ms() + TEST_START_MS;
	int		 st, ok;

	while (test_ms() < deadline) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		c = redisConnectUnix(s->sock);
		if (c != NULL && !c->err) {
			redisSetTimeout(c, tv);
			if (s->password[0] != '\0' && (r = redisCommand(c,
			    "AUTH %s", s->password)) != NULL)
				freeReplyObject(r);
			r = redisCommand(c, "PING");
			ok = r != NULL && r->type == REDIS_REPLY_STATUS;
			if (r != NULL)
				freeReplyObject(r);
			if (ok) {
				s->c = c;
				return 0;
			}
		}
		if (c != NULL)
			redisFree(c);
		test_nap();
	}
	test_redis_kill(s);
	return -1;
}

void
test_redis_start(struct test_redis *s, const char *password, int tcp)
{
	int	tries;

	/* hiredis writing to a connection the server dropped */
	signal(SIGPIPE, SIG_IGN);
	if (s->dir[0] == '\0') {
		snprintf(s->dir, sizeof s->dir, "/tmp/relais-ut.XXXXXX");
		if (mkdtemp(s->dir) == NULL) {
			s->dir[0] = '\0';
			fail_msg("mkdtemp: %s", strerror(errno));
		}
		snprintf(s->sock, sizeof s->sock, "%s/redis.sock", s->dir);
		srandom((unsigned)getpid() ^ (unsigned)test_ms());
	}
	snprintf(s->password, sizeof s->password, "%s",
	    password != NULL ? password : "");
	/* a port taken between the check and the bind: another one */
	for (tries = 0; tries < 5; tries++) {
		s->port = tcp ? test_free_port() : 0;
		test_redis_spawn(s);
		if (test_redis_wait(s) == 0)
			break;
	}
	if (s->c == NULL)
		fail_msg("redis-server did not answer on %s (log in %s)",
		    s->sock, s->dir);
	if (test_redis_int(s, "DBSIZE") != 0)
		fail_msg("refusing to run against a non-empty database");
}

void
test_redis_kill(struct test_redis *s)
{
	if (s->c != NULL) {
		redisFree(s->c);
		s->c = NULL;
	}
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
		;
	s->pid = 0;
	s->paused = 0;
}

static void
test_redis_rmdir(struct test_redis *s)
{
	struct dirent	*d;
	DIR		*dp;
	char		 path[512];

	if (s->dir[0] == '\0' || (dp = opendir(s->dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", s->dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(s->dir);
	s->dir[0] = '\0';
}

void
test_redis_stop(struct test_redis *s)
{
	int64_t	deadline;

	if (s->c != NULL) {
		redisFree(s->c);
		s->c = NULL;
	}
	if (s->pid > 0) {
		if (s->paused)
			kill(s->pid, SIGCONT);
		kill(s->pid, SIGTERM);
		deadline = test_ms() + 5000;
		while (waitpid(s->pid, NULL, WNOHANG) == 0 &&
		    test_ms() < deadline)
			test_nap();
		if (test_ms() >= deadline)
			test_redis_kill(s);
		s->pid = 0;
	}
	test_redis_rmdir(s);
}

void
test_redis_pause(struct test_redis *s)
{
	if (kill(s->pid, SIGSTOP) == -1)
		fail_msg("SIGSTOP: %s", strerror(errno));
	s->paused = 1;
}

void
test_redis_resume(struct test_redis *s)
{
	if (kill(s->pid, SIGCONT) == -1)
		fail_msg("SIGCONT: %s", strerror(errno));
	s->paused = 0;
}

static redisReply *
test_redis_vcmd(struct test_redis *s, const char *fmt, va_list ap)
{
	redisReply	*r;
	char		 err[256];

	if (s->c == NULL)
		fail_msg("redis: no connection for \"%s\"", fmt);
	if ((r = redisvCommand(s->c, fmt, ap)) == NULL)
		fail_msg("redis: \"%s\": no reply: %s", fmt, s->c->errstr);
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, sizeof err, "%s", r->str);
		freeReplyObject(r);
		fail_msg("redis: \"%s\": %s", fmt, err);
	}
	return r;
}

redisReply *
test_redis_cmd(struct test_redis *s, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = test_redis_vcmd(s, fmt, ap);
	va_end(ap);
	return r;
}

long long
test_redis_int(struct test_redis *s, const char *fmt, ...)
{
	redisReply	*r;
	long long	 v;
	int		 type;
	va_list		 ap;

	va_start(ap, fmt);
	r = test_redis_vcmd(s, fmt, ap);
	va_end(ap);
	type = r->type;
	v = r->integer;
	freeReplyObject(r);
	if (type != REDIS_REPLY_INTEGER)
		fail_msg("redis: \"%s\": expected an integer, got type %d",
		    fmt, type);
	return v;
}

long long
test_redis_info(struct test_redis *s, const char *section, const char *field)
{
	redisReply	*r;
	const char	*p;
	char		 key[128];
	long long	 v = -1;

	r = test_redis_cmd(s, "INFO %s", section);
	snprintf(key, sizeof key, "\n%s:", field);
	if (r->type == REDIS_REPLY_STRING && (p = strstr(r->str, key)) != NULL) {
		p += strlen(key);
		p += strcspn(p, "0123456789\r\n");
		if (*p >= '0' && *p <= '9')
			v = strtoll(p, NULL, 10);
	}
	freeReplyObject(r);
	return v;
}

void
test_redis_conf(struct test_redis *s, struct config_redis *rc)
{
	memset(rc, 0, sizeof *rc);
	rc->path = s->sock;
	rc->password = s->password[0] != '\0' ? s->password : NULL;
	rc->prefix = test_prefix;
	rc->group = test_group;
	rc->consumer = test_consumer;
	rc->connect_timeout_ms = 1000;
	rc->command_timeout_ms = 1000;
	rc->batch = 100;
	rc->block_ms = 100;
	rc->claim_idle_ms = 60000;
	rc->claim_interval_ms = 100;
	rc->max_deliveries = 10;
	rc->seen_ttl_s = 60;
	rc->sent_ttl_s = 60;
	rc->deliveries_maxlen = 100;
	rc->dead_retention_days = 1;
	rc->schedule_interval_ms = 60000;
}

static void
test_loop_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

void
test_loop_begin(struct test_loop *l, struct event_base *base, long ms)
{
	struct timeval	tv = { 0, 10 * 1000 };

	l->base = base;
	l->deadline = test_ms() + ms;
	/* wakes the loop up to check the condition, whatever else happens */
	l->tick = event_new(base, -1, EV_PERSIST, test_loop_tick, NULL);
	if (l->tick == NULL || event_add(l->tick, &tv) == -1)
		fail_msg("test loop: cannot arm its timer");
}

int
test_loop_step(struct test_loop *l)
{
	if (test_ms() >= l->deadline)
		return 0;
	if (event_base_loop(l->base, EVLOOP_ONCE) == -1)
		fail_msg("test loop: event_base_loop failed");
	return 1;
}

void
test_loop_end(struct test_loop *l)
{
	event_free(l->tick);
	l->tick = NULL;
}
