/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for gw.c: what every kind's answer goes through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_reason_masked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
