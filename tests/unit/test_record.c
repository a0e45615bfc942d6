/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for record: each record counts its own fields, in the order and encoding the commit script reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "log.h"
#include "plan.h"
#include "queue.h"
#include "queue_args.h"
#include "record.h"

/* 2026-03-04T19:30:00.000Z */
#define AT_MS		1772652600000LL
#define AT		"2026-03-04T19:30:00.000Z"

/* Argument i of a, as a NUL-terminated string. */
static const char *
arg(const struct queue_args *a, int i)
{
	assert_true(i < a->n);
	return a->data.data + a->off[i];
}

/*
 * Checks a from argument *at on: op (a "D" or "L" record) of n fields whose
 * names and values are v (NULL ends the list); *at moves past it.
 */
static void
expect_record(const struct queue_args *a, int *at, const char *op,
    const char *const *v)
{
	int	n;

	for (n = 0; v[n] != NULL; n++)
		;
	assert_int_equal(n % 2, 0);
	assert_string_equal(arg(a, *at), op);
	assert_int_equal(atoi(arg(a, *at + 1)), n / 2);
	*at += 2;
	for (n = 0; v[n] != NULL; n++, (*at)++)
		assert_string_equal(arg(a, *at), v[n]);
}

/* a holds exactly one record, as expect_record() has it; then a is cleared. */
static void
expect_only(struct queue_args *a, const char *op, const char *const *v)
{
	int	at = 0;

	expect_record(a, &at, op, v);
	assert_int_equal(at, a->n);
	queue_args_clear(a);
}

static void
entry(struct queue_entry *e, const char *id, const char *event,
    long delivered)
{
	memset(e, 0, sizeof *e);
	strcpy(e->id, id);
	e->event = (char *)event;
	e->len = event != NULL ? strlen(event) : 0;
	e->delivered = delivered;
}

/*
 * Walks every op of a commit: each record's count must cover its fields
 * exactly, up to the next op or the end.
 */
static void
expect_counts_hold(const struct queue_args *a)
{
	const char	*op;
	int		 i = 0;

	while (i < a->n) {
		op = arg(a, i);
		if (strcmp(op, "D") == 0 || strcmp(op, "L") == 0)
			i += 2 + 2 * atoi(arg(a, i + 1));
		else if (strcmp(op, "S") == 0)
			i += 2;
		else if (strcmp(op, "C") == 0 || strcmp(op, "Z") == 0 ||
		    strcmp(op, "U") == 0)
			i += 3;
		else
			fail_msg("unexpected op \"%s\" at %d", op, i);
	}
	assert_int_equal(i, a->n);
}

static void
fixture(struct plan_delivery *pd, struct delivery *d)
{
	memset(pd, 0, sizeof *pd);
	memset(d, 0, sizeof *d);
	strcpy(pd->key, "0123456789abcdef0123456789abcdef");
	pd->role = "newcomer";
	pd->channel = "sms";
	pd->to = (char *)"+18195550123";
	pd->territory = "abitibi";
	pd->template = "welcome";
	strcpy(pd->msg.language, "fr");
	d->pd = pd;
	d->gateway = "twilio";
	d->attempt = 2;
	d->supp = (char *)"sms:+18195550123";
}

static void
test_builder_counts(void **state)
{
	struct queue_args	 a;
	struct record		*r;
	int			 at = 1;
	static const char *const want[] = { "reason", "why", "attempt", "42",
	    "none", "", NULL };

	(void)state;
	queue_args_init(&a);
	queue_args_add(&a, "before", 6);
	r = record_new(RECORD_DELIVERY);
	assert_int_equal(record_count(r), 0);
	record_str(r, "reason", "why");
	record_long(r, "attempt", 42);
	record_str(r, "none", NULL);
	assert_int_equal(record_count(r), 3);
	record_emit(r, &a);
	record_free(r);
	assert_string_equal(arg(&a, 0), "before");
	expect_record(&a, &at, "L", want);
	assert_int_equal(at, a.n);
	queue_args_clear(&a);
	record_free(NULL);
}

static void
test_builder_binary_and_dead(void **state)
{
	struct queue_args	 a;
	struct record		*r;

	(void)state;
	queue_args_init(&a);
	r = record_new(RECORD_DEAD);
	record_add(r, "payload", "a\0b", 3);
	record_emit(r, &a);
	record_free(r);
	assert_int_equal(a.n, 4);
	assert_string_equal(arg(&a, 0), "D");
	assert_string_equal(arg(&a, 1), "1");
	assert_int_equal(a.len[3], 3);
	assert_memory_equal(arg(&a, 3), "a\0b", 3);
	queue_args_clear(&a);
}

static void
test_dead_event(void **state)
{
	struct queue_entry	 e;
	struct queue_args	 a;
	static const char *const want[] = { "reason", "bad", "payload",
	    "{\"id\":\"e1\"}", "event_id", "e1", "stream_id", "1-0",
	    "attempts", "3", "at", AT, NULL };

	(void)state;
	entry(&e, "1-0", "{\"id\":\"e1\"}", 3);
	queue_args_init(&a);
	record_dead(&a, &e, "e1", "bad", NULL, AT_MS);
	expect_only(&a, "D", want);
}

static void
test_dead_delivery(void **state)
{
	struct plan_delivery	 pd;
	struct delivery		 d;
	struct queue_entry	 e;
	struct queue_args	 a;
	static const char *const want[] = { "reason", "gone", "payload", "{}",
	    "event_id", "e2", "stream_id", "2-0", "attempts", "3", "at", AT,
	    "delivery_key", "0123456789abcdef0123456789abcdef",
	    "channel", "sms", "role", "newcomer", NULL };

	(void)state;
	fixture(&pd, &d);
	entry(&e, "2-0", "{}", 1);
	queue_args_init(&a);
	record_dead(&a, &e, "e2", "gone", &d, AT_MS);
	expect_only(&a, "D", want);
}

/* No "event" field: the fields as JSON, or verbatim when JSON can't carry them. */
static void
test_dead_fields(void **state)
{
	static char		 k0[] = "type", v0[] = "x", k1[] = "bin",
				 v1[] = "\xff\0z";
	char			*raw[] = { k0, v0, k1, v1 };
	size_t			 rawlen[] = { 4, 1, 3, 3 };
	struct queue_entry	 e;
	struct queue_args	 a;
	static const char *const json[] = { "reason", "no event", "payload",
	    "{\"type\":\"x\"}", "event_id", "", "stream_id", "3-0",
	    "attempts", "1", "at", AT, NULL };
	static const char *const verbatim[] = { "reason", "no event",
	    "payload", "", "field:type", "x", "field:bin", "\xff", "event_id",
	    "", "stream_id", "3-0", "attempts", "1", "at", AT, NULL };

	(void)state;
	entry(&e, "3-0", NULL, 1);
	e.fields = (char *)"{\"type\":\"x\"}";
	e.raw = raw;
	e.rawlen = rawlen;
	e.nraw = 4;
	queue_args_init(&a);
	record_dead(&a, &e, "", "no event", NULL, AT_MS);
	expect_only(&a, "D", json);

	e.fields = NULL;
	record_dead(&a, &e, "", "no event", NULL, AT_MS);
	assert_int_equal(a.len[9], 3);	/* the value kept whole, NUL and all */
	assert_memory_equal(arg(&a, 9), "\xff\0z", 3);
	expect_only(&a, "D", verbatim);
}

static void
test_delivery(void **state)
{
	struct plan_delivery	 pd;
	struct delivery		 d;
	struct queue_args	 a;
	char			 masked[128];
	const char		*want[40] = { "key",
	    "0123456789abcdef0123456789abcdef", "event_id", "e3", "type",
	    "newcomer.arrived", "territory", "abitibi", "role", "newcomer",
	    "channel", "sms", "language", "fr", "gateway", "twilio",
	    "template", "welcome", "outcome", "sent", "reason", "", "attempt",
	    "3", "provider_id", "SM1", "to", NULL, "at", AT, NULL };

	(void)state;
	fixture(&pd, &d);
	d.outcome = OUTCOME_SENT;
	d.provider_id = (char *)"SM1";
	want[27] = log_mask(pd.to, masked, sizeof masked);
	assert_string_not_equal(want[27], pd.to);
	queue_args_init(&a);
	record_delivery(&a, &d, "e3", "newcomer.arrived", AT_MS);
	expect_only(&a, "L", want);

	pd.encoding = "gsm7";
	pd.segments = 2;
	want[30] = "encoding";
	want[31] = "gsm7";
	want[32] = "segments";
	want[33] = "2";
	want[34] = NULL;
	record_delivery(&a, &d, "e3", "newcomer.arrived", AT_MS);
	expect_only(&a, "L", want);
}

/* Each outcome's ops, then its entry of the deliveries stream. */
static void
test_outcome(void **state)
{
	struct plan_delivery	 pd;
	struct delivery		 d;
	struct queue_entry	 e;
	struct queue_args	 a;

	(void)state;
	fixture(&pd, &d);
	entry(&e, "4-0", "{\"id\":\"e4\"}", 1);
	queue_args_init(&a);

	d.outcome = OUTCOME_SENT;
	strcpy(d.cap, "rcpt:k:2026-03-04");
	record_outcome(&a, &d, &e, "e4", "t", AT_MS);
	expect_counts_hold(&a);
	assert_string_equal(arg(&a, 0), "S");
	assert_string_equal(arg(&a, 1), pd.key);
	assert_string_equal(arg(&a, 2), "C");
	assert_string_equal(arg(&a, 3), "rcpt:k:2026-03-04");
	assert_string_equal(arg(&a, 4), "172800000");
	assert_string_equal(arg(&a, 5), "L");
	assert_string_equal(arg(&a, 6), "15");
	queue_args_clear(&a);

	d.outcome = OUTCOME_RETRY;
	d.due_ms = 1234;
	d.next_attempt = 3;
	d.next_waits = 1;
	record_outcome(&a, &d, &e, "e4", "t", AT_MS);
	expect_counts_hold(&a);
	assert_string_equal(arg(&a, 0), "Z");
	assert_string_equal(arg(&a, 1), "1234");
	assert_string_equal(arg(&a, 2),
	    "retry 3 1 0123456789abcdef0123456789abcdef {\"id\":\"e4\"}");
	assert_string_equal(arg(&a, 3), "L");
	queue_args_clear(&a);

	d.outcome = OUTCOME_DEAD;
	d.optout = 1;
	d.reason = (char *)"opted out";
	record_outcome(&a, &d, &e, "e4", "t", AT_MS);
	expect_counts_hold(&a);
	assert_string_equal(arg(&a, 0), "D");
	assert_string_equal(arg(&a, 1), "9");
	assert_string_equal(arg(&a, 20), "U");
	assert_string_equal(arg(&a, 21), "sms:+18195550123");
	assert_string_equal(arg(&a, 22), "{\"at\":\"" AT "\",\"source\":"
	    "\"twilio\",\"reason\":\"opted out\"}");
	assert_string_equal(arg(&a, 23), "L");
	queue_args_clear(&a);

	d.outcome = OUTCOME_SKIPPED;
	record_outcome(&a, &d, &e, "e4", "t", AT_MS);
	expect_counts_hold(&a);
	assert_string_equal(arg(&a, 0), "L");
	queue_args_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_counts),
		cmocka_unit_test(test_builder_binary_and_dead),
		cmocka_unit_test(test_dead_event),
		cmocka_unit_test(test_dead_delivery),
		cmocka_unit_test(test_dead_fields),
		cmocka_unit_test(test_delivery),
		cmocka_unit_test(test_outcome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
