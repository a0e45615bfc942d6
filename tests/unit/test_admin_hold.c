/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_hold.c: requests answered later, and their connection closed first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "admin_fixture.h"

/*
 * admin_hold's one user is the email hooks (admin_evhook.c): a POST to
 * /hooks/brevo is held until its writes come back, which here is when the
 * test says. What the hook does when the port lets go of the connection
 * (gone) shows in its log lines: "outcome=abandoned" then, and
 * "outcome=unanswered" once the write comes back.
 */
#define BREVO_TOKEN	"brevo-token-0123456789"
#define BREVO_REQUEST	"POST /hooks/brevo HTTP/1.1\r\nHost: x\r\n" \
			"Authorization: Bearer " BREVO_TOKEN "\r\n" \
			"Content-Type: application/json\r\n" \
			"Content-Length: 42\r\nConnection: close\r\n\r\n" \
			"{\"event\":\"spam\",\"email\":\"ana@example.org\"}"

/* The writes handed out and not answered yet. */
static struct {
	admin_feedback_done_fn	 done[8];
	void			*arg[8];
	size_t			 n;
} parked;

static int
park(void *arg, const struct evhook_event *ev, admin_feedback_done_fn done,
    void *done_arg)
{
	(void)arg;
	(void)ev;
	assert_true(parked.n < 8);
	parked.done[parked.n] = done;
	parked.arg[parked.n] = done_arg;
	parked.n++;
	return 0;
}

/* Each parked write comes back with result (0: written). */
static void
answer_all(int result)
{
	size_t	i, n = parked.n;

	parked.n = 0;
	for (i = 0; i < n; i++)
		parked.done[i](parked.arg[i], result);
}

static int
setup(void **state)
{
	struct fix	*f;

	fix_setup(state);
	f = *state;
	memset(&parked, 0, sizeof parked);
	admin_set_bounces(f->admin, NULL, NULL, BREVO_TOKEN, 300, park, f);
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	admin_free(f->admin);
	f->admin = NULL;
	answer_all(0);
	return fix_teardown(state);
}

/* The request sent; returns once the hook holds it. */
static int
held(struct fix *f)
{
	int	fd = fix_connect(f->port), i;

	assert_true(write(fd, BREVO_REQUEST, sizeof BREVO_REQUEST - 1) ==
	    (ssize_t)(sizeof BREVO_REQUEST - 1));
	for (i = 0; i < 500 && parked.n == 0; i++)
		fix_pump(f->base, 10);
	assert_int_equal(parked.n, 1);
	return fd;
}

/* The log (stderr), into a file, while a test looks at it. */
struct logcap {
	FILE	*f;
	int	 saved;
};

static void
logcap_start(struct logcap *c)
{
	fflush(stderr);
	assert_non_null(c->f = tmpfile());
	assert_true((c->saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(c->f), STDERR_FILENO) != -1);
}

/* What was logged; written to the real stderr too. */
static void
logcap_stop(struct logcap *c, char *out, size_t outlen)
{
	size_t	n;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) != -1);
	close(c->saved);
	rewind(c->f);
	n = fread(out, 1, outlen - 1, c->f);
	out[n] = '\0';
	fclose(c->f);
	fputs(out, stderr);
}

static void
assert_logged(const char *log, const char *what)
{
	if (strstr(log, what) == NULL)
		fail_msg("expected \"%s\" in the log, got:\n%s", what, log);
}

/* Answered when the write comes back, not before; no gone after that. */
static void
test_hold_answered(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct logcap	 c;
	char		 log[4096];
	int		 fd;

	assert_non_null(r);
	logcap_start(&c);
	fd = held(f);
	fix_pump(f->base, 100);
	assert_false(fix_closed(fd));
	answer_all(0);
	fix_read(f->base, fd, r);
	close(fd);
	fix_pump(f->base, 50);
	logcap_stop(&c, log, sizeof log);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	assert_logged(log, "outcome=ok");
	assert_null(strstr(log, "abandoned"));
	/* the connection is gone from the port's count: the scrape's only */
	assert_true(fix_metric(f, "relais_admin_connections") == 1);
	free(r);
}

/* The deadline closes a held connection like any other: the hook is told. */
static void
test_hold_deadline(void **state)
{
	struct fix	*f = *state;
	struct logcap	 c;
	char		 log[4096];
	int		 fd, i;

	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS, 300);
	logcap_start(&c);
	fd = held(f);
	for (i = 0; i < 200 && !fix_closed(fd); i++)
		fix_pump(f->base, 10);
	logcap_stop(&c, log, sizeof log);
	assert_true(fix_closed(fd));
	assert_logged(log, "outcome=abandoned");
	/* the write comes back to a request that is no more */
	logcap_start(&c);
	answer_all(0);
	fix_pump(f->base, 20);
	logcap_stop(&c, log, sizeof log);
	assert_logged(log, "outcome=unanswered");
	close(fd);
	assert_alive(f);
	assert_true(fix_metric(f,
	    "relais_admin_connections_closed_total{reason=\"deadline\"}") == 1);
}

/* At the cap, a held connection gives way to a new one all the same. */
static void
test_hold_cap(void **state)
{
	struct fix	*f = *state;
	struct logcap	 c;
	char		 log[4096];
	int		 fd;

	admin_set_limits(f->admin, 1, 10000);
	logcap_start(&c);
	fd = held(f);
	assert_alive(f);
	fix_pump(f->base, 30);
	logcap_stop(&c, log, sizeof log);
	assert_true(fix_closed(fd));
	assert_logged(log, "outcome=abandoned");
	logcap_start(&c);
	answer_all(-1);
	logcap_stop(&c, log, sizeof log);
	assert_logged(log, "outcome=unanswered");
	close(fd);
	assert_true(fix_metric(f,
	    "relais_admin_connections_closed_total{reason=\"cap\"}") >= 1);
}

/* admin_free() with a request held: told, and its write still comes back. */
static void
test_hold_free(void **state)
{
	struct fix	*f = *state;
	struct logcap	 c;
	char		 log[4096];
	int		 fd;

	logcap_start(&c);
	fd = held(f);
	admin_free(f->admin);
	f->admin = NULL;
	logcap_stop(&c, log, sizeof log);
	assert_logged(log, "outcome=abandoned");
	logcap_start(&c);
	answer_all(0);
	logcap_stop(&c, log, sizeof log);
	assert_logged(log, "outcome=unanswered");
	close(fd);
}

/* The client leaves while held: the answer, later, goes nowhere, safely. */
static void
test_hold_client_gone(void **state)
{
	struct fix	*f = *state;
	int		 fd;

	fd = held(f);
	close(fd);
	fix_pump(f->base, 50);
	answer_all(0);
	fix_pump(f->base, 50);
	assert_alive(f);
	assert_true(fix_metric(f, "relais_admin_connections") == 1);
	/* and a second request is held and answered as the first would be */
	fd = held(f);
	answer_all(0);
	fix_pump(f->base, 50);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hold_answered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hold_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hold_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_client_gone, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
