/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * jsonmem: small blocks come back from its free lists, of a size at least
 * what is asked; large ones and other threads' go to malloc; what Jansson
 * hands out through it is still free()d; trees made and freed through it
 * come out as Jansson made them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonmem.h"

/* A freed block is handed out again, for every request of its class. */
static void
test_reuse(void **state)
{
	void	*a, *b;
	size_t	 n, before;

	(void)state;
	for (n = 1; n <= 240; n++) {
		a = jsonmem_alloc(n);
		memset(a, 0xa5, n);
		assert_true(malloc_usable_size(a) >= n);
		before = jsonmem_cached();
		jsonmem_free(a);
		assert_int_equal(jsonmem_cached(), before + 1);
		b = jsonmem_alloc(n);
		assert_ptr_equal(a, b);
		assert_int_equal(jsonmem_cached(), before);
		memset(b, 0x5a, n);
		jsonmem_free(b);
	}
}

/* Every block on a list is large enough for any request of its class. */
static void
test_sizes(void **state)
{
	void	*v[240];
	size_t	 n, k;

	(void)state;
	for (n = 0; n < 240; n++)
		v[n] = jsonmem_alloc(n + 1);
	for (n = 0; n < 240; n++)
		jsonmem_free(v[n]);
	for (k = 0; k < 3; k++) {
		for (n = 0; n < 240; n++) {
			v[n] = jsonmem_alloc(240 - n);
			assert_true(malloc_usable_size(v[n]) >= 240 - n);
			memset(v[n], (int)n, 240 - n);
		}
		for (n = 0; n < 240; n++)
			jsonmem_free(v[n]);
	}
	/* large ones are never kept */
	n = jsonmem_cached();
	jsonmem_free(jsonmem_alloc(4096));
	jsonmem_free(jsonmem_alloc(1000));
	assert_int_equal(jsonmem_cached(), n);
	jsonmem_free(NULL);
	assert_int_equal(jsonmem_cached(), n);
}

static void *
test_thread_main(void *arg)
{
	size_t	*cached = arg;
	void	*p = jsonmem_alloc(32);

	jsonmem_free(p);
	*cached = jsonmem_cached();
	return NULL;
}

/* Another thread's blocks go straight back to malloc: the lists are one thread's. */
static void
test_other_thread(void **state)
{
	pthread_t	 t;
	size_t		 before = jsonmem_cached(), in_thread = 0;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, test_thread_main, &in_thread),
	    0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(in_thread, before);
	assert_int_equal(jsonmem_cached(), before);
}

/*
 * Through Jansson: a tree parsed, copied, dumped and freed over and over;
 * json_dumps's text is free()d as callers do.
 */
static void
test_jansson(void **state)
{
	const char	*text = "{\"a\":[1,2,{\"b\":\"caf\xc3\xa9\"}],\"c\":\"x\","
	    "\"d\":{\"e\":null,\"f\":true,\"g\":1.5}}";
	json_t		*j, *c;
	char		*s;
	int		 i;

	(void)state;
	for (i = 0; i < 200; i++) {
		j = json_loads(text, 0, NULL);
		assert_non_null(j);
		c = json_deep_copy(j);
		json_object_set_new(c, "n", json_integer(i));
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		assert_non_null(s);
		assert_string_equal(s, text);
		free(s);
		assert_int_equal(json_integer_value(json_object_get(c, "n")), i);
		json_decref(j);
		json_decref(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_other_thread),
		cmocka_unit_test(test_jansson),
	};

	/* as relaisd does, first thing; a sanitizer build keeps malloc's own */
	jsonmem_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
