/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* effects: the handler's effects a commit applies, by the deliveries' fates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "delivery.h"
#include "effects.h"
#include "handlers.h"
#include "plan.h"
#include "queue_args.h"

#define TEST_MAX	16

/* Deliveries by hand: outcome, was_sent, and the notification they are of. */
struct test_set {
	struct plan_delivery	pd[TEST_MAX];
	struct delivery		d[TEST_MAX];
	size_t			n;
};

static void
test_delivery(struct test_set *s, size_t note, enum delivery_outcome o,
    int was_sent)
{
	assert_true(s->n < TEST_MAX);
	memset(&s->pd[s->n], 0, sizeof s->pd[s->n]);
	memset(&s->d[s->n], 0, sizeof s->d[s->n]);
	s->pd[s->n].note = note;
	s->d[s->n].pd = &s->pd[s->n];
	s->d[s->n].outcome = o;
	s->d[s->n].was_sent = was_sent;
	s->n++;
}

/* Appends effect name ("!name" when settled) with the arguments, NULL-ended. */
static void
test_fx(struct handler_fx *fx, const char *name, int settled, ...)
{
	static const char *const	 args[] = { "v...", NULL };
	const struct handler_lua	 l = { name, args, "" };
	const char			*v;
	va_list				 ap;

	handler_fx_add(fx, &l, settled, NULL);
	va_start(ap, settled);
	while ((v = va_arg(ap, const char *)) != NULL)
		handler_fx_more(fx, v);
	va_end(ap);
}

/* The ops effects_ops() writes are exactly want. */
static void
test_ops_are(const struct handler_out *out, const struct test_set *s,
    const char *const *want, int n)
{
	struct queue_args	  ops;
	const char		**v;
	int			  i;

	queue_args_init(&ops);
	effects_ops(&ops, out, s->d, s->n);
	v = queue_args_argv(&ops);
	for (i = 0; i < n && i < ops.n; i++) {
		if (strcmp(v[i], want[i]) != 0)
			fail_msg("op argument %d: expected \"%s\", got \"%s\"",
			    i, want[i], v[i]);
	}
	if (ops.n != n)
		fail_msg("expected %d op arguments, got %d (the %dth: \"%s\")",
		    n, ops.n, n + 1, ops.n > n ? v[n] : want[ops.n]);
	queue_args_clear(&ops);
}

/* The handler's own effects: "!name" waits for no delivery left to retry. */
static void
test_asked(void **state)
{
	static const char *const all[] = {
		"H", "ledger_add", "2", "p1", "2026-03",
		"H", "digest_add", "1", "p1",
		"H", "stat", "0",
	};
	static const char *const unsettled[] = {
		"H", "ledger_add", "2", "p1", "2026-03",
		"H", "stat", "0",
	};
	struct handler_out	out;
	struct test_set		s;

	(void)state;
	memset(&out, 0, sizeof out);
	test_fx(&out.effects, "ledger_add", 0, "p1", "2026-03", NULL);
	test_fx(&out.effects, "digest_add", 1, "p1", NULL);
	test_fx(&out.effects, "stat", 0, NULL);

	/* no delivery at all: settled */
	memset(&s, 0, sizeof s);
	test_ops_are(&out, &s, all, (int)(sizeof all / sizeof *all));
	/* every one done, whatever its fate */
	test_delivery(&s, 0, OUTCOME_SENT, 0);
	test_delivery(&s, 0, OUTCOME_DEAD, 0);
	test_delivery(&s, 1, OUTCOME_SKIPPED, 0);
	test_ops_are(&out, &s, all, (int)(sizeof all / sizeof *all));
	/* one to retry: the run that settles it asks again */
	test_delivery(&s, 1, OUTCOME_RETRY, 0);
	test_ops_are(&out, &s, unsettled,
	    (int)(sizeof unsettled / sizeof *unsettled));
	/* even if an earlier read sent it */
	s.d[3].was_sent = 1;
	test_ops_are(&out, &s, unsettled,
	    (int)(sizeof unsettled / sizeof *unsettled));
	handler_fx_clear(&out.effects);

	/* no effects: nothing */
	test_ops_are(&out, &s, NULL, 0);
}

/*
 * Each notification's on_sent when one channel went out (now or on an
 * earlier read), on_failed when none did and none is still open.
 */
static void
test_outcomes(void **state)
{
	static const char *const want[] = {
		"H", "sent0", "1", "p0",	/* email sent, sms dead */
		"H", "also0", "0",		/* a second effect: it goes too */
		"H", "failed1", "1", "p1",	/* dead and skipped */
		"H", "sent4", "1", "p4",	/* skipped: sent before */
		"H", "sent8", "1", "p8",	/* retry, but sent before */
		"H", "failed9", "2", "p9", "bounced",
	};
	struct notification	no[10];
	struct handler_out	out;
	struct test_set		s;
	char			sent[16], failed[16], pid[16];
	size_t			i;

	(void)state;
	memset(no, 0, sizeof no);
	memset(&out, 0, sizeof out);
	out.v = no;
	out.n = 10;
	for (i = 0; i < 10; i++) {
		snprintf(sent, sizeof sent, "sent%zu", i);
		snprintf(failed, sizeof failed, "failed%zu", i);
		snprintf(pid, sizeof pid, "p%zu", i);
		test_fx(&no[i].on_sent, sent, 0, pid, NULL);
		test_fx(&no[i].on_failed, failed, 0, pid, NULL);
	}
	handler_fx_clear(&no[6].on_sent);	/* sent, and nothing to say so */
	handler_fx_clear(&no[7].on_failed);	/* failed, and nothing to say so */
	handler_fx_more(&no[9].on_failed, "bounced");
	test_fx(&no[0].on_sent, "also0", 0, NULL);
	memset(&s, 0, sizeof s);
	test_delivery(&s, 0, OUTCOME_SENT, 0);
	test_delivery(&s, 0, OUTCOME_DEAD, 0);
	test_delivery(&s, 1, OUTCOME_DEAD, 0);
	test_delivery(&s, 1, OUTCOME_SKIPPED, 0);
	test_delivery(&s, 2, OUTCOME_RETRY, 0);		/* still open */
	test_delivery(&s, 2, OUTCOME_DEAD, 0);
	test_delivery(&s, 3, OUTCOME_PENDING, 0);	/* still open */
	test_delivery(&s, 4, OUTCOME_SKIPPED, 1);
	/* 5: no delivery at all (no channel): neither */
	test_delivery(&s, 6, OUTCOME_SENT, 0);
	test_delivery(&s, 7, OUTCOME_DEAD, 0);
	test_delivery(&s, 8, OUTCOME_RETRY, 1);
	test_delivery(&s, 9, OUTCOME_SKIPPED, 0);
	test_ops_are(&out, &s, want, (int)(sizeof want / sizeof *want));

	/* a notification with neither effect is passed over */
	for (i = 0; i < 10; i++) {
		handler_fx_clear(&no[i].on_sent);
		handler_fx_clear(&no[i].on_failed);
	}
	test_ops_are(&out, &s, NULL, 0);
}

/* The handler's effects come first, then the notifications' ones. */
static void
test_order(void **state)
{
	static const char *const want[] = {
		"H", "asked", "0",
		"H", "settled", "1", "x",
		"H", "welcome_failed", "1", "p1",
	};
	struct notification	no[1];
	struct handler_out	out;
	struct test_set		s;

	(void)state;
	memset(no, 0, sizeof no);
	memset(&out, 0, sizeof out);
	test_fx(&no[0].on_failed, "welcome_failed", 0, "p1", NULL);
	out.v = no;
	out.n = 1;
	test_fx(&out.effects, "asked", 0, NULL);
	test_fx(&out.effects, "settled", 1, "x", NULL);
	memset(&s, 0, sizeof s);
	test_delivery(&s, 0, OUTCOME_DEAD, 0);
	/* the handler's in its order, "!" ones among them */
	test_ops_are(&out, &s, want, (int)(sizeof want / sizeof *want));
	handler_fx_clear(&no[0].on_failed);
	handler_fx_clear(&out.effects);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asked),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
