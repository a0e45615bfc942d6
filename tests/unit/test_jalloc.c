/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * jalloc: Jansson's values from free lists, every size class and past it,
 * blocks reused and kept apart, json_dumps's text freed with free().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jalloc.h"

/* Under ASan jalloc stays off, and Jansson's blocks are malloc's. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_POOL	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_POOL	0
#endif
#endif
#ifndef TEST_POOL
#define TEST_POOL	1
#endif

static int
test_setup(void **state)
{
	(void)state;
	jalloc_init();
	return 0;
}

/* Strings of every length up to 600 bytes: each class, then malloc's. */
static void
test_sizes(void **state)
{
	json_t	*a, *v;
	char	 s[601];
	size_t	 live = jalloc_live(), i;

	(void)state;
	a = json_array();
	for (i = 0; i <= 600; i++) {
		memset(s, 'a' + (int)(i % 26), i);
		s[i] = '\0';
		assert_int_equal(json_array_append_new(a, json_string(s)), 0);
	}
	if (TEST_POOL)
		assert_true(jalloc_live() > live + 600);
	for (i = 0; i <= 600; i++) {
		v = json_array_get(a, i);
		assert_int_equal(json_string_length(v), i);
		if (i > 0)
			assert_int_equal(json_string_value(v)[i - 1],
			    'a' + (int)(i % 26));
	}
	json_decref(a);
	assert_int_equal(jalloc_live(), live);
}

/* A freed block is the next one of its class; live blocks never overlap. */
static void
test_reuse(void **state)
{
	json_t		*v[5000], *w;
	const void	*p;
	size_t		 i;
	char		 s[32];

	(void)state;
	w = json_integer(1);
	p = w;
	json_decref(w);
	w = json_integer(2);
	if (TEST_POOL)
		assert_ptr_equal(w, p);
	json_decref(w);
	/* more than one slab's worth, each value written then read back */
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof s, "value %zu", i);
		v[i] = json_pack("{s:s, s:I}", "s", s, "i", (json_int_t)i);
		assert_non_null(v[i]);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof s, "value %zu", i);
		assert_string_equal(json_string_value(json_object_get(v[i],
		    "s")), s);
		assert_int_equal(json_integer_value(json_object_get(v[i],
		    "i")), i);
	}
	for (i = 0; i < 5000; i += 2)
		json_decref(v[i]);
	for (i = 1; i < 5000; i += 2) {
		snprintf(s, sizeof s, "value %zu", i);
		assert_string_equal(json_string_value(json_object_get(v[i],
		    "s")), s);
		json_decref(v[i]);
	}
}

/* jalloc_dumps's text is malloc's: free() takes it, short or long. */
static void
test_dumps(void **state)
{
	json_t	*v;
	char	*s, big[1000];

	(void)state;
	v = json_pack("{s:s}", "a", "b");
	s = jalloc_dumps(v, JSON_COMPACT);
	assert_string_equal(s, "{\"a\":\"b\"}");
	free(s);
	json_decref(v);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	v = json_string(big);
	s = jalloc_dumps(v, JSON_ENCODE_ANY);
	assert_int_equal(strlen(s), sizeof big + 1);
	free(s);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_dumps),
	};

	return cmocka_run_group_tests(tests, test_setup, NULL);
}
