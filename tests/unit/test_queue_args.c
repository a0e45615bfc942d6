/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* queue_args: argument lists for the scripts, and the ops a commit reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "queue_args.h"

/* a holds exactly the n arguments want (NUL-terminated strings), in order. */
static void
test_args_are(struct queue_args *a, const char *const *want, int n)
{
	const char	**v;
	int		  i;

	if (a->n != n)
		fail_msg("expected %d arguments, got %d", n, a->n);
	v = queue_args_argv(a);
	assert_null(v[n]);	/* a terminated argv */
	for (i = 0; i < n; i++) {
		if (a->len[i] != strlen(want[i]) || strcmp(v[i], want[i]) != 0)
			fail_msg("argument %d: expected \"%s\" (%zu), got "
			    "\"%s\" (%zu)", i, want[i], strlen(want[i]), v[i],
			    a->len[i]);
	}
}

/* Arguments keep their bytes and lengths, empty and NUL-holding ones too. */
static void
test_add(void **state)
{
	struct queue_args	 a;
	const char		**v;

	(void)state;
	queue_args_init(&a);
	assert_int_equal(a.n, 0);
	queue_args_add(&a, "first", 5);
	queue_args_add(&a, "", 0);
	queue_args_add(&a, "a\0b", 3);
	queue_args_add(&a, "cut here", 3);
	queue_args_addf(&a, "%lld", -9007199254740993LL);
	queue_args_addf(&a, "%s:%d", "k", 7);
	queue_args_addll(&a, -42);
	assert_int_equal(a.n, 7);
	v = queue_args_argv(&a);
	assert_string_equal(v[0], "first");
	assert_int_equal(a.len[0], 5);
	assert_string_equal(v[1], "");
	assert_int_equal(a.len[1], 0);
	assert_memory_equal(v[2], "a\0b", 4);
	assert_int_equal(a.len[2], 3);
	assert_string_equal(v[3], "cut");
	assert_int_equal(a.len[3], 3);
	assert_string_equal(v[4], "-9007199254740993");
	assert_int_equal(a.len[4], 17);
	assert_string_equal(v[5], "k:7");
	assert_int_equal(a.len[5], 3);
	assert_string_equal(v[6], "-42");
	assert_int_equal(a.len[6], 3);
	queue_args_clear(&a);
	assert_int_equal(a.n, 0);
	assert_null(a.v);

	/* cleared, it takes arguments again */
	queue_args_add(&a, "again", 5);
	assert_string_equal(queue_args_argv(&a)[0], "again");
	queue_args_clear(&a);
}

/*
 * Past the first 32 slots and past the buffer's first allocations: every
 * argument still where argv says, even after the data moved.
 */
static void
test_growth(void **state)
{
	struct queue_args	 a;
	const char		**v;
	char			 want[32];
	int			 i;

	(void)state;
	queue_args_init(&a);
	for (i = 0; i < 1000; i++)
		queue_args_addf(&a, "arg-%d-%s", i, i % 2 ? "odd" : "even");
	assert_int_equal(a.n, 1000);
	v = queue_args_argv(&a);
	for (i = 0; i < 1000; i++) {
		snprintf(want, sizeof want, "arg-%d-%s", i, i % 2 ? "odd" :
		    "even");
		assert_string_equal(v[i], want);
		assert_int_equal(a.len[i], strlen(want));
	}
	/* argv is rebuilt after more are added */
	queue_args_add(&a, "last", 4);
	v = queue_args_argv(&a);
	assert_string_equal(v[1000], "last");
	assert_string_equal(v[0], "arg-0-even");
	queue_args_clear(&a);
}

/* cat appends copies: dst owns them, src is unchanged. */
static void
test_cat(void **state)
{
	static const char *const want[] = { "d0", "s0", "", "s2", "d1" };
	struct queue_args	 dst, src, none;

	(void)state;
	queue_args_init(&dst);
	queue_args_init(&src);
	queue_args_init(&none);
	queue_args_add(&dst, "d0", 2);
	queue_args_add(&src, "s0", 2);
	queue_args_add(&src, "", 0);
	queue_args_add(&src, "s2", 2);
	queue_args_cat(&dst, &src);
	queue_args_cat(&dst, &none);
	queue_args_add(&dst, "d1", 2);
	queue_args_clear(&src);
	test_args_are(&dst, want, 5);
	assert_int_equal(none.n, 0);
	queue_args_clear(&dst);
	queue_args_clear(&none);
}

/* Each op as the commit script reads it: a letter, then its fields. */
static void
test_ops(void **state)
{
	static const char *const want[] = {
		"S", "relais:sent:k1",
		"C", "relais:rcpt:k2:2026-03-04", "90000000",
		"Z", "1772652600000", "event 0 0 - {}",
		"Z", "1772652660000", "retry 2 1 k3 {\"id\":\"e1\"}",
		"U", "sms:+18195550123", "{\"source\":\"twilio\"}",
		"D", "4",
		"L", "0",
	};
	struct queue_args	 a;
	const char		*ev = "{\"id\":\"e1\"}tail";

	(void)state;
	queue_args_init(&a);
	queue_op_sent(&a, "relais:sent:k1");
	queue_op_count(&a, "relais:rcpt:k2:2026-03-04", 90000000LL);
	queue_op_schedule(&a, 1772652600000LL, "event 0 0 - {}xx", 14);
	/* the event is taken by its length, not up to a NUL */
	queue_op_retry(&a, 1772652660000LL, 2, 1, "k3", ev, 11);
	queue_op_suppress(&a, "sms:+18195550123", "{\"source\":\"twilio\"}");
	queue_op_record(&a, 1, 4);
	queue_op_record(&a, 0, 0);
	test_args_are(&a, want, (int)(sizeof want / sizeof *want));
	queue_args_clear(&a);
}

/* An F op and its five arguments, as figures.c writes it. */
static void
figures_like(struct queue_args *a)
{
	static const char *const f[] = { "F", "abitibi:2026-03", "welcome",
	    "email", "s", "p1" };
	size_t	i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		queue_args_add(a, f[i], strlen(f[i]));
}

/*
 * queue_op_next: where each op ends, as the commit script reads them; a
 * range of arguments copied on its own.
 */
static void
test_op_next(void **state)
{
	struct queue_args	 a, b, cut;
	const int		 want[] = { 2, 5, 8, 14, 17, 19, 23, 29, 31, 34,
	    36 };
	int			 i, k;

	(void)state;
	queue_args_init(&a);
	queue_op_sent(&a, "k1");				/* 0 */
	queue_op_count(&a, "rcpt:k2", 1000);			/* 2 */
	queue_op_schedule(&a, 1, "event 0 0 - {}", 14);		/* 5 */
	figures_like(&a);					/* 8 */
	queue_op_suppress(&a, "sms:+1", "{}");			/* 14 */
	queue_args_add(&a, "A", 1);				/* 17 */
	queue_args_add(&a, "1-1", 3);
	queue_op_effect(&a, "fx", 1);				/* 19 */
	queue_args_add(&a, "x", 1);
	queue_op_record(&a, 0, 2);				/* 23 */
	queue_args_add(&a, "key", 3);
	queue_args_add(&a, "k1", 2);
	queue_args_add(&a, "outcome", 7);
	queue_args_add(&a, "sent", 4);
	queue_op_record(&a, 1, 0);				/* 29 */
	queue_op_effect(&a, "none", 0);				/* 31 */
	queue_op_sent(&a, "k9");				/* 34 */
	for (i = 0, k = 0; i < a.n; k++)
		assert_int_equal(i = queue_op_next(&a, i), want[k]);
	assert_int_equal(k, sizeof want / sizeof want[0]);
	assert_int_equal(queue_op_next(&a, a.n), -1);
	assert_int_equal(queue_op_next(&a, 1), -1);	/* not an op */

	/* cut short, a count that is no number, an unknown op */
	queue_args_init(&cut);
	queue_args_cat_range(&cut, &a, 23, 27);
	assert_int_equal(cut.n, 4);
	assert_string_equal(cut.data.data + cut.off[3], "k1");
	assert_int_equal(queue_op_next(&cut, 0), -1);
	queue_args_clear(&cut);
	queue_args_add(&cut, "L", 1);
	queue_args_add(&cut, "x", 1);
	assert_int_equal(queue_op_next(&cut, 0), -1);
	queue_args_clear(&cut);
	queue_args_add(&cut, "Q", 1);
	assert_int_equal(queue_op_next(&cut, 0), -1);
	queue_args_clear(&cut);

	/* a range lands after what dst holds, its offsets moved */
	queue_args_init(&b);
	queue_args_add(&b, "first", 5);
	queue_args_cat_range(&b, &a, 2, 5);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.data.data + b.off[1], "C");
	assert_string_equal(b.data.data + b.off[2], "rcpt:k2");
	assert_string_equal(b.data.data + b.off[3], "1000");
	assert_int_equal(b.len[2], 7);
	queue_args_cat_range(&b, &a, 5, 5);
	assert_int_equal(b.n, 4);
	queue_args_clear(&b);
	queue_args_clear(&a);
}

/* An effect: H, its name, how many arguments, then them. */
static void
test_op_effect(void **state)
{
	static const char *const want[] = {
		"H", "ledger_add", "3", "p1", "", "x y",
		"H", "digest_clear", "0",
		"S", "after",
	};
	struct queue_args	 a;

	(void)state;
	queue_args_init(&a);
	/* the count first, the arguments after it, added by the caller */
	queue_op_effect(&a, "ledger_add", 3);
	queue_args_add(&a, "p1", 2);
	queue_args_add(&a, "", 0);
	queue_args_add(&a, "x y", 3);
	queue_op_effect(&a, "digest_clear", 0);
	queue_op_sent(&a, "after");
	test_args_are(&a, want, (int)(sizeof want / sizeof *want));
	queue_args_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_cat),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_op_effect),
		cmocka_unit_test(test_op_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
