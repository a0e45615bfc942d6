/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for gw.c: what every kind's answer goes through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "breaker.h"
#include "envelope.h"
#include "gw.h"
#include "utf8.h"

/* A kind that keeps the callback, for the test to answer by hand. */
static gw_cb	 test_cb;
static void	*test_cb_arg;

static int
test_kind_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	(void)g;
	(void)m;
	test_cb = cb;
	test_cb_arg = arg;
	return 0;
}

static const struct gw_kind test_kind = { .name = "test",
    .send = test_kind_send };

static char	test_reason[256];

static void
test_on_result(const struct gw_result *res, void *arg)
{
	(void)arg;
	snprintf(test_reason, sizeof test_reason, "%s", res->reason);
}

/*
 * A provider's answer may quote the recipient and be cut anywhere: the
 * reason the pipeline stores and logs is masked and valid UTF-8 (Law 25).
 */
static void
test_reason_masked(void **state)
{
	struct gw		g;
	struct gw_msg		m;
	struct gw_result	res;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&m, 0, sizeof m);
	g.kind = &test_kind;
	g.name = (char *)"t";
	g.breaker = breaker_new(5, 1000, 50);
	TAILQ_INIT(&g.calls);
	assert_int_equal(gw_send(&g, &m, test_on_result, NULL), 0);
	memset(&res, 0, sizeof res);
	res.status = GW_PERMANENT;
	snprintf(res.reason, sizeof res.reason, "HTTP 400: Invalid recipient "
	    "+1 819 555-0123 (ana.lopez@example.org) \xc3");
	test_cb(&res, test_cb_arg);
	assert_string_equal(test_reason, "HTTP 400: Invalid recipient ***0123 "
	    "(a***@example.org) ?");
	assert_int_equal(utf8_valid(test_reason, strlen(test_reason),
	    NULL), 0);
	breaker_free(g.breaker);
}

/*
 * A gated kind (one request a send, at most max_concurrency at once): it
 * records the text of each message it is handed, when it is handed, and
 * keeps the callbacks for the test to answer in any order.
 */
#define GATED_MAX	8

static const char	*gated_text[GATED_MAX];
static gw_cb		 gated_cb[GATED_MAX];
static void		*gated_arg[GATED_MAX];
static int		 gated_n;
static int		 gated_refuse;	/* send() says -1 */

static int
gated_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	(void)g;
	if (gated_refuse)
		return -1;
	assert_true(gated_n < GATED_MAX);
	gated_text[gated_n] = m->text;
	gated_cb[gated_n] = cb;
	gated_arg[gated_n++] = arg;
	return 0;
}

static const struct gw_kind gated_kind = { .name = "gated",
    .send = gated_send, .gated = 1 };

static int	answered[GATED_MAX];
static enum gw_status answered_status[GATED_MAX];
static int	answered_handed[GATED_MAX];	/* gated_n when it heard back */
static long	answered_after[GATED_MAX];	/* its retry_after_s */
static int	nanswered;

static void
gated_on_result(const struct gw_result *res, void *arg)
{
	int	i = (int)(intptr_t)arg;

	answered[nanswered++] = i;
	answered_status[i] = res->status;
	answered_handed[i] = gated_n;
	answered_after[i] = res->retry_after_s;
}

static void
gated_answer(int k, enum gw_status st)
{
	struct gw_result	res;

	memset(&res, 0, sizeof res);
	res.status = st;
	gated_cb[k](&res, gated_arg[k]);
}

static void
gated_setup(struct gw *g, size_t max)
{
	memset(g, 0, sizeof *g);
	g->kind = &gated_kind;
	g->name = (char *)"g";
	g->breaker = breaker_new(100, 1000, 0);
	g->max_sending = max;
	TAILQ_INIT(&g->calls);
	TAILQ_INIT(&g->waiting);
	gated_n = nanswered = gated_refuse = 0;
}

/* Three messages sent through g, the callbacks' args 0, 1, 2. */
static void
gated_send3(struct gw *g, struct gw_msg m[3])
{
	int	i;

	for (i = 0; i < 3; i++) {
		memset(&m[i], 0, sizeof m[i]);
		m[i].text = "x";
		assert_int_equal(gw_send(g, &m[i], gated_on_result,
		    (void *)(intptr_t)i), 0);
	}
}

/*
 * Sends beyond max_concurrency wait as the caller's messages: the kind
 * (which makes the request) is handed one only when a slot frees, oldest
 * first, and reads the message as it is then. Every send is answered once.
 */
static void
test_gated_waits(void **state)
{
	static const char *const texts[5] = { "m0", "m1", "m2", "m3", "m4" };
	struct gw	g;
	struct gw_msg	m[5];
	char		t3[16] = "m3";
	int		i;

	(void)state;
	gated_setup(&g, 2);
	for (i = 0; i < 5; i++) {
		memset(&m[i], 0, sizeof m[i]);
		m[i].text = i == 3 ? t3 : texts[i];
		assert_int_equal(gw_send(&g, &m[i], gated_on_result,
		    (void *)(intptr_t)i), 0);
	}
	/* two handed to the kind, three waiting, no request made for them */
	assert_int_equal(gated_n, 2);
	assert_string_equal(gated_text[0], "m0");
	assert_string_equal(gated_text[1], "m1");
	assert_int_equal(gw_sending(&g), 2);
	/* the message is the caller's until its callback: read when it goes */
	snprintf(t3, sizeof t3, "m3 corrected");
	/* the second answer first: its slot goes to m2, before it hears back */
	gated_answer(1, GW_SENT);
	assert_int_equal(nanswered, 1);
	assert_int_equal(answered[0], 1);
	assert_int_equal(answered_handed[1], 3);
	assert_int_equal(gated_n, 3);
	assert_string_equal(gated_text[2], "m2");
	assert_int_equal(gw_sending(&g), 2);
	assert_int_equal(gw_waiting(&g), 2);
	gated_answer(0, GW_RETRY);
	assert_int_equal(gated_n, 4);
	assert_string_equal(gated_text[3], "m3 corrected");
	gated_answer(2, GW_SENT);
	assert_int_equal(gated_n, 5);
	assert_string_equal(gated_text[4], "m4");
	/* nothing left waiting: no one handed twice */
	gated_answer(3, GW_SENT);
	gated_answer(4, GW_PERMANENT);
	assert_int_equal(gated_n, 5);
	assert_int_equal(nanswered, 5);
	assert_int_equal(answered_status[0], GW_RETRY);
	assert_int_equal(answered_status[4], GW_PERMANENT);
	assert_int_equal(gw_sending(&g), 0);
	assert_int_equal(gw_waiting(&g), 0);
	assert_true(TAILQ_EMPTY(&g.calls));
	assert_true(TAILQ_EMPTY(&g.waiting));
	breaker_free(g.breaker);
}

/*
 * Sends admitted while the breaker was closed and still waiting when it
 * opened are not made: each waits (GW_WAIT: no attempt spent), from the
 * loop, and takes no slot; the half-open probe, later, is not kept behind
 * them.
 */
static void
test_gated_breaker_opens(void **state)
{
	struct event_base	*base;
	struct gw		 g;
	struct gw_msg		 m[3];
	long long		 wait;

	(void)state;
	assert_non_null(base = event_base_new());
	gated_setup(&g, 1);
	g.base = base;
	breaker_free(g.breaker);
	g.breaker = breaker_new(1, 60000, 0);	/* opens at one failure */
	gated_send3(&g, m);
	assert_int_equal(gated_n, 1);
	assert_int_equal(gw_waiting(&g), 2);
	gated_answer(0, GW_RETRY);		/* the breaker opens */
	assert_int_equal(gw_breaker_state(&g), BREAKER_OPEN);
	assert_int_equal(gated_n, 1);		/* neither waiting one made */
	assert_int_equal(gw_waiting(&g), 0);
	assert_int_equal(gw_sending(&g), 0);
	assert_int_equal(nanswered, 1);		/* not inside that answer */
	(void)event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(nanswered, 3);
	assert_int_equal(answered_status[1], GW_WAIT);
	assert_int_equal(answered_status[2], GW_WAIT);
	/* not the breaker's cool-down: the delivery may pick another gateway */
	assert_int_equal(answered_after[1], -1);
	assert_int_equal(answered_after[2], -1);
	assert_false(gw_available(&g, &wait));
	assert_true(TAILQ_EMPTY(&g.calls));
	breaker_free(g.breaker);
	event_base_free(base);
}

/*
 * A waiting send the kind cannot take when its turn comes is answered as a
 * retry, from the loop (never inside the answer that freed the slot), and
 * the next waiting one still goes.
 */
static void
test_gated_refused_later(void **state)
{
	struct event_base	*base;
	struct gw		 g;
	struct gw_msg		 m[3];

	(void)state;
	assert_non_null(base = event_base_new());
	gated_setup(&g, 1);
	g.base = base;
	gated_send3(&g, m);
	assert_int_equal(gated_n, 1);
	gated_refuse = 1;
	gated_answer(0, GW_SENT);
	/* m1 and m2 were both refused by the kind: answered later */
	assert_int_equal(nanswered, 1);
	assert_int_equal(gw_sending(&g), 0);
	(void)event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(nanswered, 3);
	assert_int_equal(answered_status[1], GW_RETRY);
	assert_int_equal(answered_status[2], GW_RETRY);
	assert_true(TAILQ_EMPTY(&g.calls));
	/* the slot is free again: the next send goes at once */
	gated_refuse = 0;
	assert_int_equal(gw_send(&g, &m[0], gated_on_result, NULL), 0);
	assert_int_equal(gated_n, 2);
	gated_answer(1, GW_SENT);
	breaker_free(g.breaker);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_reason_masked),
		cmocka_unit_test(test_gated_waits),
		cmocka_unit_test(test_gated_refused_later),
		cmocka_unit_test(test_gated_breaker_opens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
