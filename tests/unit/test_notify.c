/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for notify: what systemd hears on a datagram socket the test
 * binds as $NOTIFY_SOCKET while "Redis" (a flag) comes, goes and comes
 * back: STATUS=waiting first, READY=1 once only, STOPPING=1 at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "notify.h"

static int	redis_up;

static int
test_up(void *arg)
{
	(void)arg;
	return redis_up;
}

/*
 * The next datagram, within 5 s of loop turns (the readiness look runs
 * every 100 ms while waiting, every second afterwards).
 */
static void
test_expect(struct event_base *base, int s, const char *want)
{
	char		dg[1024];
	ssize_t		n;
	int		i;

	for (i = 0; i < 500; i++) {
		if ((n = recv(s, dg, sizeof dg - 1, MSG_DONTWAIT)) > 0) {
			dg[n] = '\0';
			if (strcmp(dg, want) != 0)
				fail_msg("expected \"%s\", got \"%s\"", want,
				    dg);
			return;
		}
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(10000);
	}
	fail_msg("expected \"%s\", got nothing in 5 s", want);
}

/* Nothing more arrives while the loop turns for ms. */
static void
test_quiet(struct event_base *base, int s, int ms)
{
	char	dg[1024];
	ssize_t	n;
	int	i;

	for (i = 0; i < ms / 10; i++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if ((n = recv(s, dg, sizeof dg - 1, MSG_DONTWAIT)) > 0) {
			dg[n] = '\0';
			fail_msg("expected nothing, got \"%s\"", dg);
		}
		usleep(10000);
	}
}

static void
test_readiness(void **state)
{
	struct sockaddr_un	 sun;
	struct event_base	*base;
	struct notify		*n;
	char			 dir[] = "/tmp/relais-test-notify.XXXXXX";
	int			 s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/notify", dir);
	assert_true((s = socket(AF_UNIX, SOCK_DGRAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
	unsetenv("WATCHDOG_USEC");
	assert_non_null(base = event_base_new());

	redis_up = 0;
	n = notify_new(base, "unix:/run/redis.sock", test_up, NULL);
	test_expect(base, s,
	    "STATUS=waiting for Redis at unix:/run/redis.sock");
	/* a reload while waiting says so without claiming to run */
	notify_note(n, "configuration reloaded");
	test_expect(base, s,
	    "STATUS=waiting for Redis at unix:/run/redis.sock; "
	    "configuration reloaded");
	test_quiet(base, s, 300);
	redis_up = 1;
	test_expect(base, s, "READY=1\nSTATUS=running; Redis at "
	    "unix:/run/redis.sock answers");
	notify_note(n, "configuration reloaded");
	test_expect(base, s, "STATUS=running; configuration reloaded");
	/* gone, back: STATUS each time, READY=1 never again */
	redis_up = 0;
	test_expect(base, s, "STATUS=waiting for Redis at unix:/run/redis.sock "
	    "(connection lost; reconnecting)");
	redis_up = 1;
	test_expect(base, s, "STATUS=running; Redis at unix:/run/redis.sock "
	    "answers");
	notify_stopping(n);
	test_expect(base, s, "STOPPING=1");
	redis_up = 0;
	test_quiet(base, s, 1200);
	notify_free(n);

	/* no NOTIFY_SOCKET: nothing sent, no timer */
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), -1);
	n = notify_new(base, "127.0.0.1:6379", test_up, NULL);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	notify_free(n);
	notify_free(NULL);

	event_base_free(base);
	close(s);
	unlink(sun.sun_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_readiness),
	};

	log_init("test_notify", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
