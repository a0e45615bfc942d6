/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* A job's Jansson values live in its arena's pages, and only there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN	1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "jarena.h"
#include "jsonr.h"

/* the region: more than one arena may take, small enough to reach its end */
#define TEST_PAGES	(JARENA_MAX_PAGES + 4)

static const char	test_event[] =
    "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"type\":\"newcomer.arrived\","
    "\"data\":{\"person\":{\"id\":\"p-1\",\"first_name\":\"Zo\\u00e9\","
    "\"email\":\"zoe@example.org\",\"language\":\"fr\",\"consent\":"
    "{\"email\":true,\"sms\":false}},\"municipality\":\"Amos\"}}";

static int
test_setup(void **state)
{
	(void)state;
	jarena_init_size(TEST_PAGES * JARENA_PAGE);
	return 0;
}

static json_t *
test_parse(struct jarena *a, const char *s)
{
	json_t	*v;

	jarena_enter(a);
	v = jsonr_load(s, strlen(s));
	jarena_leave();
	assert_non_null(v);
	return v;
}

/* A tree read in an arena is in one page, given back whole and reused. */
static void
test_tree(void **state)
{
	struct jarena	 a, b;
	json_t		*v, *w, *again;
	const char	*name;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	v = test_parse(&a, test_event);
	name = json_string_value(json_object_get(json_object_get(
	    json_object_get(v, "data"), "person"), "first_name"));
	assert_string_equal(name, "Zo\xc3\xa9");
	assert_true(jarena_holds(v));
	assert_true(jarena_holds(name));
	assert_int_equal(jarena_pages(NULL), 1);

	/* what the job adds later is malloc's, and freed with the tree */
	w = json_string("added after the parse");
	assert_false(jarena_holds(w));
	assert_int_equal(json_object_set_new(v, "extra", w), 0);
	json_decref(v);
	assert_int_equal(jarena_pages(NULL), 1);
	jarena_release(&a);
	assert_int_equal(jarena_pages(NULL), 0);
	assert_null(a.page);
#ifdef TEST_ASAN
	/* a value read after its job ended is reported where it is read */
	assert_true(__asan_address_is_poisoned(name));
#endif

	/* the next job takes the page just given back */
	again = test_parse(&b, test_event);
	assert_true(jarena_holds(again));
	assert_ptr_equal(b.page, (char *)v - ((uintptr_t)v % JARENA_PAGE));
	json_decref(again);
	jarena_release(&b);
	jarena_release(&b);		/* twice: nothing */
}

#ifdef TEST_ASAN
/*
 * Under ASan an arena keeps ASan's checks: a value freed in the job, the
 * bytes between two values, and pages given back (reused last) are all
 * poisoned.
 */
static void
test_asan(void **state)
{
	struct jarena	 a, b, c;
	json_t		*s, *t;
	char		*pa, *pb;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	jarena_enter(&a);
	s = json_string("freed in the job");
	t = json_string("kept");
	jarena_leave();
	assert_true(jarena_holds(s) && jarena_holds(t));
	assert_false(__asan_address_is_poisoned(json_string_value(t)));
	assert_true(__asan_address_is_poisoned((const char *)t - 1));
	json_decref(s);
	assert_true(__asan_address_is_poisoned(s));
	json_decref(t);

	json_decref(test_parse(&b, test_event));
	pa = a.page;
	pb = b.page;
	jarena_release(&a);
	jarena_release(&b);
	/* the first given back is the first reused: b's stays poisoned */
	json_decref(test_parse(&c, test_event));
	assert_ptr_equal(c.page, pa);
	assert_true(__asan_address_is_poisoned(pb + JARENA_PAGE / 2));
	jarena_release(&c);
}
#endif

/* Large values, and anything outside an entered arena, are malloc's. */
static void
test_outside(void **state)
{
	struct jarena	 a;
	char		 big[JARENA_SMALL + 100];
	json_t		*v, *s, *after;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(big, 'x', sizeof big);
	jarena_enter(&a);
	v = json_object();
	s = json_stringn(big, sizeof big);
	jarena_leave();
	after = json_integer(7);
	assert_true(jarena_holds(v));
	assert_false(jarena_holds(json_string_value(s)));
	assert_false(jarena_holds(after));
	assert_int_equal(json_object_set_new(v, "big", s), 0);
	json_decref(v);
	json_decref(after);
	jarena_release(&a);

	/* released while entered: what follows is malloc's */
	jarena_enter(&a);
	jarena_release(&a);
	v = json_object();
	assert_false(jarena_holds(v));
	json_decref(v);
	assert_null(a.page);
	assert_int_equal(jarena_pages(NULL), 0);
}

static void *
test_thread(void *arg)
{
	json_t	*v = json_string("another thread's");

	*(int *)arg = jarena_holds(v);
	json_decref(v);
	return NULL;
}

/* An arena is its thread's: another thread's values are malloc's. */
static void
test_threads(void **state)
{
	struct jarena	 a;
	pthread_t	 t;
	json_t		*v;
	int		 held = -1;

	(void)state;
	memset(&a, 0, sizeof a);
	jarena_enter(&a);
	assert_int_equal(pthread_create(&t, NULL, test_thread, &held), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	v = json_string("this thread's");
	jarena_leave();
	assert_int_equal(held, 0);
	assert_true(jarena_holds(v));
	json_decref(v);
	jarena_release(&a);
}

/* At the region's end a job's values are malloc's: nothing fails. */
static void
test_region_end(void **state)
{
	struct jarena	 a[TEST_PAGES + 1];
	json_t		*v[TEST_PAGES + 1];
	size_t		 i, peak;

	(void)state;
	memset(a, 0, sizeof a);
	for (i = 0; i <= TEST_PAGES; i++)
		v[i] = test_parse(&a[i], test_event);
	for (i = 0; i < TEST_PAGES; i++)
		assert_true(jarena_holds(v[i]));
	assert_false(jarena_holds(v[TEST_PAGES]));
	assert_null(a[TEST_PAGES].page);
	assert_int_equal(jarena_pages(&peak), TEST_PAGES);
	assert_int_equal(peak, TEST_PAGES);
	for (i = 0; i <= TEST_PAGES; i++) {
		json_decref(v[i]);
		jarena_release(&a[i]);
	}
	assert_int_equal(jarena_pages(NULL), 0);

	/* a tree larger than a page takes several, all given back */
	{
		json_t	*big = json_array();
		char	 text[64];

		jarena_enter(&a[0]);
		for (i = 0; i < 100; i++) {
			snprintf(text, sizeof text, "value number %zu", i);
			json_array_append_new(big, json_string(text));
		}
		jarena_leave();
		assert_true(jarena_pages(NULL) > 1);
		json_decref(big);
		jarena_release(&a[0]);
		assert_int_equal(jarena_pages(NULL), 0);
	}
}

/*
 * One arena takes JARENA_MAX_PAGES at most: its later values are malloc's,
 * freed as such, and the arena released takes pages again.
 */
static void
test_job_cap(void **state)
{
	struct jarena	 a;
	json_t		*list, *v;
	char		 text[JARENA_SMALL];
	size_t		 i;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	jarena_enter(&a);
	list = json_array();
	for (i = 0; i < 8 * (JARENA_MAX_PAGES + 2); i++)
		json_array_append_new(list, json_string(text));
	v = json_string("after the cap");
	jarena_leave();
	assert_int_equal(a.npages, JARENA_MAX_PAGES);
	assert_int_equal(jarena_pages(NULL), JARENA_MAX_PAGES);
	assert_true(jarena_holds(json_string_value(json_array_get(list, 0))));
	assert_false(jarena_holds(json_string_value(json_array_get(list,
	    json_array_size(list) - 1))));
	assert_false(jarena_holds(v));
	json_decref(v);
	json_decref(list);
	jarena_release(&a);
	assert_int_equal(jarena_pages(NULL), 0);
	assert_int_equal(a.npages, 0);

	v = test_parse(&a, test_event);
	assert_true(jarena_holds(v));
	json_decref(v);
	jarena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
#ifdef TEST_ASAN
		cmocka_unit_test(test_asan),
#endif
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_region_end),
		cmocka_unit_test(test_job_cap),
	};

	return cmocka_run_group_tests(tests, test_setup, NULL);
}
