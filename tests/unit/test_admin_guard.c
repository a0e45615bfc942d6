/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_guard.c: the connection cap, request deadlines, accept pauses, body caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin.h"
#include "admin_fixture.h"
#include "admin_int.h"
#include "buf.h"
#include "clock.h"

/* Connections the client drops, and connections still open at admin_free. */
static void
test_abandoned(void **state)
{
	struct fix		*f = *state;
	struct sockaddr_in	 sin;
	int			 fd[3], i;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 3; i++) {
		assert_true((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) != -1);
		assert_int_equal(connect(fd[i], (struct sockaddr *)&sin,
		    sizeof sin), 0);
	}
	assert_true(write(fd[0], "GET /heal", 9) == 9);
	close(fd[0]);				/* gone mid-request */
	assert_true(write(fd[1], "GET /metrics HTTP/1.1\r\nHo", 25) == 25);
	/* fd[2] sends nothing */
	assert_alive(f);	/* accepted after the three above */
	assert_alive(f);
	admin_free(f->admin);	/* two connections still open */
	f->admin = NULL;
	close(fd[1]);
	close(fd[2]);
}

/* At the cap, the oldest connection gives way to the new one. */
static void
test_cap(void **state)
{
	struct fix	*f = *state;
	int		 fd[3], i;

	admin_set_limits(f->admin, 3, 10000);
	for (i = 0; i < 3; i++) {
		fd[i] = fix_connect(f->port);
		fix_pump(f->base, 30);
	}
	/* a fourth connection, the scrape: the first gives way */
	assert_int_equal(fix_metric(f, "relais_admin_connections_max"), 3);
	fix_pump(f->base, 30);
	assert_true(fix_closed(fd[0]));
	assert_false(fix_closed(fd[1]));
	assert_false(fix_closed(fd[2]));
	close(fd[0]);
	fd[0] = fix_connect(f->port);
	fix_pump(f->base, 30);
	/* at the cap again: served all the same, the second gives way */
	assert_alive(f);
	fix_pump(f->base, 30);
	assert_true(fix_closed(fd[1]));
	assert_false(fix_closed(fd[2]));
	assert_false(fix_closed(fd[0]));
	assert_true(fix_metric(f,
	    "relais_admin_connections_closed_total{reason=\"cap\"}") == 2);
	/* a lower cap on reload closes the oldest beyond it */
	close(fd[1]);
	fix_pump(f->base, 30);
	admin_set_limits(f->admin, 1, 10000);
	fix_pump(f->base, 30);
	assert_true(fix_closed(fd[2]));
	assert_false(fix_closed(fd[0]));
	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS,
	    ADMIN_REQUEST_TIMEOUT_MS);
	assert_alive(f);
	close(fd[0]);
	close(fd[2]);
}

/* A trickle: one byte of a request every 50 ms until the server hangs up. */
struct trickle {
	int		 fd;
	int		 closed;
	size_t		 sent;
	struct event	*tick;
};

static void
trickle_tick(evutil_socket_t fd, short what, void *arg)
{
	struct trickle	*t = arg;
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "X-Slow: 0123456789012345678901234567890123456789\r\n";

	(void)fd;
	(void)what;
	if (fix_closed(t->fd) || send(t->fd, req + t->sent % (sizeof req - 1),
	    1, MSG_NOSIGNAL) != 1) {
		t->closed = 1;
		return;
	}
	t->sent++;
}

/* The deadline holds whatever trickles in: evhttp's timeout is per read. */
static void
test_deadline(void **state)
{
	struct fix	*f = *state;
	struct trickle	 t = { -1, 0, 0, NULL };
	struct timeval	 every = { 0, 50 * 1000 };
	long long	 ms;
	struct timespec	 a, b;
	int		 idle;

	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS, 400);
	t.fd = fix_connect(f->port);
	idle = fix_connect(f->port);
	assert_non_null(t.tick = event_new(f->base, -1, EV_PERSIST,
	    trickle_tick, &t));
	assert_int_equal(event_add(t.tick, &every), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (!t.closed) {
		fix_pump(f->base, 20);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1000LL +
		    (b.tv_nsec - a.tv_nsec) / 1000000;
		if (ms > 3000)
			fail_msg("a trickle of %zu bytes still open after %lld "
			    "ms, deadline 400 ms", t.sent, ms);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (ms < 300 || ms > 1500)
		fail_msg("closed after %lld ms, deadline 400 ms", ms);
	assert_true(t.sent >= 4);
	/* the silent one too; a request on time is served */
	assert_true(fix_closed(idle));
	assert_alive(f);
	assert_true(fix_metric(f,
	    "relais_admin_connections_closed_total{reason=\"deadline\"}") == 2);
	event_free(t.tick);
	close(t.fd);
	close(idle);
}

/*
 * accept() failing with EMFILE: the listener rests a second rather than
 * spinning on the queued connections, then takes them.
 */
static void
test_emfile(void **state)
{
	struct fix	*f = *state;
	struct rlimit	 was, low;
	int		 fd[3], lo, turns, i;

	for (i = 0; i < 3; i++)
		fd[i] = fix_connect(f->port);	/* queued, not accepted */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	assert_true((lo = open("/dev/null", O_RDONLY)) != -1);
	close(lo);
	low = was;
	low.rlim_cur = (rlim_t)lo;	/* the next descriptor is refused */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	turns = fix_pump(f->base, 300);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	if (turns > 20)
		fail_msg("the loop turned %d times in 300 ms: spinning", turns);
	/* the rest is over within a second; the queue is served */
	fix_pump(f->base, 1000);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	assert_alive(f);
	assert_true(fix_metric(f, "relais_admin_accept_pauses_total") == 1);
}

/*
 * A reload that shortens the deadline: a connection accepted after it is
 * closed at the new one, ahead of an older one that keeps its own (the
 * open list stays in deadline order). evhttp's own timeout, twice the
 * deadline, is no substitute: the port counts what it closed itself.
 */
static void
test_deadline_reload(void **state)
{
	struct fix	*f = *state;
	struct timespec	 a, b;
	long long	 ms;
	int		 old, young;

	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS, 3000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	old = fix_connect(f->port);
	fix_pump(f->base, 30);
	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS, 300);
	young = fix_connect(f->port);
	do {
		fix_pump(f->base, 20);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1000LL +
		    (b.tv_nsec - a.tv_nsec) / 1000000;
		if (ms > 2500)
			fail_msg("a connection with a 300 ms deadline still "
			    "open after %lld ms", ms);
	} while (!fix_closed(young));
	if (ms < 2900)
		assert_false(fix_closed(old));
	assert_true(fix_metric(f,
	    "relais_admin_connections_closed_total{reason=\"deadline\"}") == 1);
	close(old);
	close(young);
}

#define BREVO_TOKEN	"brevo-token-0123456789"

/* admin_feedback_fn: the bodies here carry no event to act upon. */
static int
no_feedback(void *arg, const struct evhook_event *ev,
    admin_feedback_done_fn done, void *done_arg)
{
	(void)arg;
	(void)ev;
	(void)done;
	(void)done_arg;
	fail_msg("an event was handed out");
	return -1;
}

/* A POST of len bytes of Brevo events (none acted upon) to target. */
static void
brevo_post(struct fix *f, const char *target, size_t len, struct reply *r)
{
	static const char	 one[] = "{\"event\":\"delivered\","
	    "\"email\":\"ana@example.org\",\"ts_epoch\":1}";
	struct buf		 body, req;
	size_t			 n;

	buf_init(&body);
	buf_init(&req);
	buf_putc(&body, '[');
	/* EVHOOK_MAX_EVENTS at most: blanks make up the rest */
	for (n = 0; n < 1000 && body.len + sizeof one + 1 < len; n++)
		buf_printf(&body, "%s%s", n > 0 ? "," : "", one);
	while (body.len + 1 < len)
		buf_putc(&body, ' ');
	buf_putc(&body, ']');
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: "
	    "Bearer " BREVO_TOKEN "\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", target,
	    body.len);
	buf_append(&req, body.data, body.len);
	fix_exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
	buf_free(&body);
}

/* Refused with its 413, read whole: the socket lingers (admin_linger.c). */
static void
assert_refused(const struct reply *r, const char *what)
{
	if (r->status != 413 || r->reset)
		fail_msg("%s: %d%s, expected 413", what, r->status,
		    r->reset ? " and a reset" : "");
}

/*
 * A POST to an email provider's hook that is on may carry up to 1 MiB,
 * on at most ADMIN_BIG_CONNS connections at once (told by the request
 * line); any other request keeps the port's caps.
 */
static void
test_big_bodies(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	int		 fd[ADMIN_BIG_CONNS], i;

	assert_non_null(r);
	/* the hook off: the port's caps */
	brevo_post(f, "/hooks/brevo", 100 * 1024, r);
	assert_refused(r, "hook off");
	admin_set_bounces(f->admin, NULL, NULL, BREVO_TOKEN, 300, no_feedback,
	    f);
	brevo_post(f, "/hooks/brevo", 100 * 1024, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	brevo_post(f, "/hooks/brevo?x=1", 900 * 1024, r);
	assert_int_equal(r->status, 200);
	brevo_post(f, "/hooks/brevo", 2 * 1024, r);
	assert_int_equal(r->status, 200);
	brevo_post(f, "/hooks/brevox", 100 * 1024, r);
	assert_refused(r, "/hooks/brevox");
	brevo_post(f, "/hooks/mailgun", 100 * 1024, r);
	assert_refused(r, "a hook that is off");
	brevo_post(f, "/healthz", 100 * 1024, r);
	assert_refused(r, "/healthz");

	/* ADMIN_BIG_CONNS requests to the hook under way: no more */
	for (i = 0; i < ADMIN_BIG_CONNS; i++) {
		fd[i] = fix_connect(f->port);
		assert_true(write(fd[i], "POST /hooks/brevo HTTP/1.1\r\n", 28) ==
		    28);
	}
	fix_pump(f->base, 50);
	brevo_post(f, "/hooks/brevo", 100 * 1024, r);
	assert_refused(r, "one big body too many");
	/* one of them gives up: its place is free */
	close(fd[0]);
	fix_pump(f->base, 50);
	brevo_post(f, "/hooks/brevo", 100 * 1024, r);
	assert_int_equal(r->status, 200);
	for (i = 1; i < ADMIN_BIG_CONNS; i++)
		close(fd[i]);
	assert_alive(f);
	free(r);
}

/*
 * Sends n bytes of body on fd (non-blocking), the loop pumped while the
 * socket is full; errno (0: all sent) and how much went in *sent.
 */
static int
send_body(struct fix *f, int fd, size_t n, size_t *sent)
{
	static char	 chunk[65536];
	struct timespec	 start, now;
	ssize_t		 w;
	size_t		 want;

	memset(chunk, 'a', sizeof chunk);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &start), 0);
	for (*sent = 0; *sent < n; ) {
		want = n - *sent < sizeof chunk ? n - *sent : sizeof chunk;
		w = send(fd, chunk, want, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			*sent += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
		if (now.tv_sec - start.tv_sec > FIX_DEADLINE_S)
			fail_msg("the body not read within %d s", FIX_DEADLINE_S);
		fix_pump(f->base, 5);
	}
	return 0;
}

/* A POST to /healthz announcing len bytes of body, the head alone sent. */
static int
post_head(struct fix *f, size_t len)
{
	char	head[160];
	int	fd, n;

	fd = fix_connect(f->port);
	n = snprintf(head, sizeof head, "POST /healthz HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: %zu\r\n\r\n", len);
	assert_true(write(fd, head, (size_t)n) == n);
	return fd;
}

/*
 * A body past the cap: the client is still sending when the 413 has gone.
 * The server reads and drops the rest (admin_linger.c) instead of closing
 * with bytes unread, which would reset the connection: the client sends
 * its whole body, then reads the 413 and a clean close. A client that
 * never finishes is let go after ADMIN_LINGER_MS.
 */
static void
test_linger(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	size_t		 sent;
	int64_t		 start;
	int		 fd, err;

	assert_non_null(r);
	fd = post_head(f, 2 * 1024 * 1024);
	/* the server answers 413 and closes its side meanwhile */
	fix_pump(f->base, 100);
	if ((err = send_body(f, fd, 2 * 1024 * 1024, &sent)) != 0)
		fail_msg("the body after the 413: %s after %zu bytes",
		    strerror(err), sent);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	fix_read(f->base, fd, r);
	assert_int_equal(r->status, 413);
	assert_true(r->eof);
	assert_false(r->reset);
	close(fd);

	/*
	 * One that trickles and never finishes: dropped at the linger's end
	 * (the reset shows at the send after the one the kernel took).
	 */
	fd = post_head(f, 1024 * 1024);
	start = clock_mono_ms();
	/* the time read, not counted in pumps: a loaded machine pumps late */
	while ((err = send_body(f, fd, 512, &sent)) == 0 &&
	    clock_mono_ms() - start < ADMIN_LINGER_MS + 1500)
		fix_pump(f->base, 100);
	if (err != ECONNRESET && err != EPIPE)
		fail_msg("still open after %lld ms of trickling (%s)",
		    (long long)(clock_mono_ms() - start),
		    err != 0 ? strerror(err) : "no error");
	assert_true(clock_mono_ms() - start >= ADMIN_LINGER_MS - 200);
	close(fd);
	assert_alive(f);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abandoned, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_cap, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_deadline, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_emfile, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_deadline_reload, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_big_bodies, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_linger, fix_setup,
		    fix_teardown),
	};

	/* a body refused half-way: the rest is written to a closed socket */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
