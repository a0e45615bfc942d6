/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* diag: messages with their place or of a whole file; moving them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* FILE:LINE:COL: when there is a line, FILE: alone when there is none. */
static void
test_format(void **state)
{
	struct diag	d;

	(void)state;
	diag_init(&d);
	assert_null(d.msgs);
	assert_int_equal(d.n, 0);
	diag_add(&d, "relais.yaml", 3, 7, "unknown key \"%s\"", "prot");
	diag_add(&d, "relais.yaml", 1, 1, "%d%%", 50);
	diag_add(&d, "templates/fr/x.txt", 0, 9, "cannot read: %s", "gone");
	diag_add(&d, "a.yaml", -1, -1, "before the first line");
	/* the file name is text, never a format */
	diag_add(&d, "%s%n.yaml", 2, 0, "plain");
	diag_add(&d, "b.yaml", 12345, 678, "%s", "");
	assert_int_equal(d.n, 6);
	assert_string_equal(d.msgs[0], "relais.yaml:3:7: unknown key \"prot\"");
	assert_string_equal(d.msgs[1], "relais.yaml:1:1: 50%");
	assert_string_equal(d.msgs[2], "templates/fr/x.txt: cannot read: gone");
	assert_string_equal(d.msgs[3], "a.yaml: before the first line");
	assert_string_equal(d.msgs[4], "%s%n.yaml:2:0: plain");
	assert_string_equal(d.msgs[5], "b.yaml:12345:678: ");
	diag_free(&d);
	assert_null(d.msgs);
	assert_int_equal(d.n, 0);
}

/* A message longer than any first guess is kept whole. */
static void
test_long(void **state)
{
	struct diag	 d;
	char		 word[3000];
	size_t		 len;

	(void)state;
	memset(word, 'w', sizeof word - 1);
	word[sizeof word - 1] = '\0';
	diag_init(&d);
	diag_add(&d, "f", 1, 2, "[%s]", word);
	len = strlen(d.msgs[0]);
	assert_int_equal(len, strlen("f:1:2: [") + sizeof word - 1 + 1);
	assert_int_equal(strncmp(d.msgs[0], "f:1:2: [www", 11), 0);
	assert_int_equal(d.msgs[0][len - 1], ']');
	assert_int_equal(d.msgs[0][len - 2], 'w');
	diag_free(&d);
}

/* Moved messages keep their order after dst's, and src is left empty. */
static void
test_move(void **state)
{
	struct diag	 dst, src;
	char		*m1, *m2;

	(void)state;
	diag_init(&dst);
	diag_init(&src);
	diag_add(&dst, "a", 1, 1, "first");
	diag_add(&src, "b", 2, 2, "second");
	diag_add(&src, "c", 0, 0, "third");
	m1 = src.msgs[0];
	m2 = src.msgs[1];
	diag_move(&dst, &src);
	assert_int_equal(dst.n, 3);
	assert_string_equal(dst.msgs[0], "a:1:1: first");
	assert_string_equal(dst.msgs[1], "b:2:2: second");
	assert_string_equal(dst.msgs[2], "c: third");
	/* moved, not copied */
	assert_ptr_equal(dst.msgs[1], m1);
	assert_ptr_equal(dst.msgs[2], m2);
	assert_int_equal(src.n, 0);
	assert_null(src.msgs);

	/* src can be used again, and moving nothing changes nothing */
	diag_move(&dst, &src);
	assert_int_equal(dst.n, 3);
	diag_add(&src, "d", 4, 4, "fourth");
	diag_move(&dst, &src);
	assert_int_equal(dst.n, 4);
	assert_string_equal(dst.msgs[3], "d:4:4: fourth");
	assert_int_equal(src.n, 0);

	/* into an empty list */
	diag_move(&src, &dst);
	assert_int_equal(src.n, 4);
	assert_int_equal(dst.n, 0);
	assert_null(dst.msgs);
	assert_string_equal(src.msgs[0], "a:1:1: first");
	assert_string_equal(src.msgs[3], "d:4:4: fourth");
	diag_free(&src);
	diag_free(&dst);
}

/* Free of NULL, and twice, is harmless; a freed list takes messages again. */
static void
test_free_harmless(void **state)
{
	struct diag	d;

	(void)state;
	diag_free(NULL);
	diag_init(&d);
	diag_free(&d);
	diag_add(&d, "x", 1, 1, "one");
	diag_free(&d);
	diag_free(&d);
	assert_int_equal(d.n, 0);
	diag_add(&d, "x", 1, 1, "again");
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "x:1:1: again");
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_free_harmless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
