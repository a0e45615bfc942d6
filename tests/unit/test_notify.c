/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for notify: what systemd hears on a datagram socket the test
 * binds as $NOTIFY_SOCKET while Redis is said to come, go and come back:
 * STATUS=waiting first, READY=1 once only, nothing for a state that did not
 * change, STOPPING=1 at the end and nothing after it.
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

/* The next datagram: sent before the call that made it returned. */
static void
test_expect(int s, const char *want)
{
	char	dg[1024];
	ssize_t	n;

	if ((n = recv(s, dg, sizeof dg - 1, MSG_DONTWAIT)) <= 0)
		fail_msg("expected \"%s\", got nothing", want);
	dg[n] = '\0';
	if (strcmp(dg, want) != 0)
		fail_msg("expected \"%s\", got \"%s\"", want, dg);
}

/* Nothing was sent. */
static void
test_quiet(int s)
{
	char	dg[1024];
	ssize_t	n;

	if ((n = recv(s, dg, sizeof dg - 1, MSG_DONTWAIT)) > 0) {
		dg[n] = '\0';
		fail_msg("expected nothing, got \"%s\"", dg);
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

	n = notify_new(base, "unix:/run/redis.sock");
	test_expect(s, "STATUS=waiting for Redis at unix:/run/redis.sock");
	/* a reload while waiting says so without claiming to run */
	notify_note(n, "configuration reloaded");
	test_expect(s, "STATUS=waiting for Redis at unix:/run/redis.sock; "
	    "configuration reloaded");
	notify_redis(n, 0);
	test_quiet(s);
	notify_redis(n, 1);
	test_expect(s, "READY=1\nSTATUS=running; Redis at "
	    "unix:/run/redis.sock answers");
	notify_redis(n, 1);		/* no change, nothing said */
	test_quiet(s);
	notify_note(n, "configuration reloaded");
	test_expect(s, "STATUS=running; configuration reloaded");
	/* gone, back: STATUS each time, READY=1 never again */
	notify_redis(n, 0);
	test_expect(s, "STATUS=waiting for Redis at unix:/run/redis.sock "
	    "(connection lost; reconnecting)");
	notify_redis(n, 1);
	test_expect(s, "STATUS=running; Redis at unix:/run/redis.sock "
	    "answers");
	notify_stopping(n);
	test_expect(s, "STOPPING=1");
	notify_redis(n, 0);
	notify_note(n, "configuration reloaded");
	test_quiet(s);
	notify_free(n);

	/* no NOTIFY_SOCKET: nothing sent, no timer */
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), -1);
	n = notify_new(base, "127.0.0.1:6379");
	notify_redis(n, 1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	notify_free(n);
	notify_free(NULL);
	notify_redis(NULL, 1);

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
