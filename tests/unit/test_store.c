/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for store: the handlers' Lua assembled for the queue, and the
 * named arguments between a handler's C and its state function.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "common_effects.h"
#include "handlers.h"
#include "store.h"

/* How many times needle occurs in hay. */
static size_t
test_count(const char *hay, const char *needle)
{
	size_t	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static int
test_lua_keyword(const char *s)
{
	static const char *const kw[] = { "and", "break", "do", "else",
	    "elseif", "end", "false", "for", "function", "if", "in", "local",
	    "nil", "not", "or", "repeat", "return", "then", "true", "until",
	    "while", NULL };
	size_t	i;

	for (i = 0; kw[i] != NULL; i++) {
		if (strcmp(kw[i], s) == 0)
			return 1;
	}
	return 0;
}

static size_t	test_arg_len(const char *);

/* Whether name is among fn's arguments. */
static int
test_declared(const struct handler_lua *fn, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; fn->args[i] != NULL; i++) {
		if (test_arg_len(fn->args[i]) == len &&
		    strncmp(fn->args[i], name, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * The i-th Lua function relais declares: each handler's state function,
 * its effects, then the shared effects; NULL past the last. *kind is "S"
 * or "E".
 */
static const struct handler_lua *
test_fn_at(size_t i, const char **kind)
{
	static const struct handler_lua *const shared[] = {
		&common_effect_announce, &common_effect_stat, NULL };
	const struct handler	*h;
	size_t			 n = 0, k, e;

	for (k = 0; (h = handler_at(k)) != NULL; k++) {
		if (h->state != NULL && n++ == i) {
			*kind = "S";
			return h->state;
		}
	}
	*kind = "E";
	for (k = 0; (h = handler_at(k)) != NULL; k++) {
		for (e = 0; h->effects != NULL && h->effects[e] != NULL; e++) {
			if (n++ == i)
				return h->effects[e];
		}
	}
	for (k = 0; shared[k] != NULL; k++) {
		if (n++ == i)
			return shared[k];
	}
	return NULL;
}

/* An argument's name as Lua reads it: "persons..." is a.persons. */
static size_t
test_arg_len(const char *a)
{
	const char	*dots = strstr(a, "...");

	return dots != NULL ? (size_t)(dots - a) : strlen(a);
}

/*
 * Every argument name is a Lua identifier, not a keyword, declared once;
 * only the last may be a list ("name...").
 */
static void
test_names(void **state)
{
	const struct handler_lua	*fn;
	const char			*a, *kind;
	char				 id[64];
	size_t				 i, k, l, len;

	(void)state;
	for (i = 0; (fn = test_fn_at(i, &kind)) != NULL; i++) {
		for (k = 0; (a = fn->args[k]) != NULL; k++) {
			len = test_arg_len(a);
			snprintf(id, sizeof id, "%.*s", (int)len, a);
			if (!(islower((unsigned char)a[0]) || a[0] == '_') ||
			    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
			    len || test_lua_keyword(id) || (len != strlen(a) &&
			    (strcmp(a + len, "...") != 0 || fn->args[k + 1] !=
			    NULL)))
				fail_msg("%s.%s: argument \"%s\" is not a Lua "
				    "name a.%s can read (or a list not last)",
				    kind, fn->name, a, id);
			for (l = 0; l < k; l++) {
				if (strcmp(fn->args[l], a) == 0)
					fail_msg("%s.%s: argument %s declared "
					    "twice", kind, fn->name, a);
			}
		}
	}
}

/*
 * The Lua of each function reads only declared arguments (a.<name>), and
 * reads each one it declares.
 */
static void
test_names_read(void **state)
{
	const struct handler_lua	*fn;
	const char			*p, *q, *kind;
	char				 want[64];
	size_t				 i, k, len;

	(void)state;
	for (i = 0; (fn = test_fn_at(i, &kind)) != NULL; i++) {
		for (p = fn->lua; (p = strstr(p, "a.")) != NULL; p += 2) {
			if (p > fn->lua && (isalnum((unsigned char)p[-1]) ||
			    p[-1] == '_' || p[-1] == '.'))
				continue;
			q = p + 2;
			len = strspn(q, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
			if (!test_declared(fn, q, len))
				fail_msg("%s.%s reads a.%.*s, not an argument "
				    "of its declaration", kind, fn->name,
				    (int)len, q);
		}
		for (k = 0; fn->args[k] != NULL; k++) {
			snprintf(want, sizeof want, "a.%.*s",
			    (int)test_arg_len(fn->args[k]), fn->args[k]);
			if (strstr(fn->lua, want) == NULL)
				fail_msg("%s.%s never reads its argument %s",
				    kind, fn->name, fn->args[k]);
		}
	}
}

/*
 * The wrapper store.c writes for fn, as T.name = function(...) setting a's
 * fields in the declaration's order.
 */
static void
test_wrapper(struct buf *want, const char *table,
    const struct handler_lua *fn)
{
	size_t	k, len;

	buf_printf(want, "%s.%s = function(p, argv, off, n, m)\n", table,
	    fn->name);
	for (k = 0; fn->args[k] != NULL; k++) {
		len = strlen(fn->args[k]);
		if (fn->args[k + 1] == NULL && len > 3 &&
		    strcmp(fn->args[k] + len - 3, "...") == 0)
			buf_printf(want, "  a.%.*s = rest(argv, off + %zu, "
			    "off + n)\n", (int)(len - 3), fn->args[k], k + 1);
		else
			buf_printf(want, "  a.%s = n >= %zu and argv[off + %zu] "
			    "or nil\n", fn->args[k], k + 1, k + 1);
	}
	buf_puts(want, "  return f(p, a, m)\nend\nend\n");
}

/* The state script: the helpers once, each handler's function once, named. */
static void
test_state_assembled(void **state)
{
	const struct handler	*h;
	const char		*lua = store_state();
	struct buf		 want;
	size_t			 i;

	(void)state;
	assert_ptr_equal(lua, store_state_lua);	/* assembled once */
	assert_int_equal(test_count(lua, "local function hgetall("), 1);
	assert_int_equal(test_count(lua, "local function assign("), 1);
	assert_int_equal(test_count(lua, "local function rest("), 1);
	assert_int_equal(test_count(lua, "local S = {}\n"), 1);
	assert_int_equal(test_count(lua, "local E"), 0);
	for (i = 0; (h = handler_at(i)) != NULL; i++) {
		if (h->state == NULL)
			continue;
		buf_init(&want);
		test_wrapper(&want, "S", h->state);
		if (test_count(lua, want.data) != 1)
			fail_msg("expected once in the state script: %s",
			    want.data);
		buf_free(&want);
		/* the function, then its wrapper, in a block of their own */
		assert_int_equal(test_count(h->state->lua, "function(p, a, m)"),
		    1);
	}
	/* the eight event types that need state, and nothing else in S */
	assert_int_equal(test_count(lua, "\nS."), 8);
	assert_int_equal(test_count(lua, "do\nlocal a = {}\nlocal f = "
	    "function(p, a, m)\n"), 8);
}

/* The commit script: every effect the handlers ask for, defined once. */
static void
test_effects_assembled(void **state)
{
	static const char *const effects[] = { "announce", "stat", "welcome",
	    "digest_add", "digest_done", "reminder_add", "reminders_done",
	    "followup", NULL };
	const char	*lua = store_effects();
	char		 want[64];
	size_t		 i;

	(void)state;
	assert_ptr_equal(lua, store_effects_lua);
	assert_int_equal(test_count(lua, "local E = {}\n"), 1);
	assert_int_equal(test_count(lua, "local function kinds("), 1);
	assert_int_equal(test_count(lua, "S."), 0);
	assert_int_equal(test_count(lua, "local function rest("), 1);
	for (i = 0; effects[i] != NULL; i++) {
		snprintf(want, sizeof want, "E.%s = function(p, argv, off, n, "
		    "m)\n", effects[i]);
		if (test_count(lua, want) != 1)
			fail_msg("expected once in the commit script: %s", want);
	}
	assert_int_equal(test_count(lua, "\nE."), 8);
	assert_int_equal(test_count(lua, "do\nlocal a = {}\nlocal f = "
	    "function(p, a)\n"), 8);
}

/* The arguments of st as they travel, a compact JSON array of strings. */
static char *
test_state_dumps(const struct handler_state *st)
{
	json_t		*a = json_array();
	const char	*v;
	char		*s;
	size_t		 i, len;

	for (i = 0; i < handler_state_nargs(st); i++) {
		v = handler_state_arg(st, i, &len);
		json_array_append_new(a, json_stringn(v, len));
	}
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* C sets arguments by name; they travel in the declaration's order. */
static void
test_args_by_name(void **state)
{
	static const char *const names[] = { "pid", "fields", "ttl", NULL };
	static const struct handler_lua fn = { "t", names, "function(p, a, m)\n"
	    "  return { a.pid, a.fields, a.ttl }\nend\n" };
	struct handler_state	 st;
	json_t			*v;
	char			*s;

	(void)state;
	memset(&st, 0, sizeof st);
	handler_state_init(&st, &fn);
	assert_string_equal(st.fn, "t");
	/* an argument never set travels as "" */
	v = json_pack("{s:s}", "b", "x");
	handler_arg_json(&st, "fields", v);
	json_decref(v);
	handler_arg_long(&st, "ttl", 63072000LL);
	s = test_state_dumps(&st);
	assert_string_equal(s, "[\"\",\"{\\\"b\\\":\\\"x\\\"}\",\"63072000\"]");
	free(s);
	handler_arg(&st, "pid", "p-1");
	handler_arg(&st, "ttl", NULL);
	s = test_state_dumps(&st);
	assert_string_equal(s, "[\"p-1\",\"{\\\"b\\\":\\\"x\\\"}\",\"\"]");
	free(s);
	handler_state_clear(&st);
	assert_null(st.fn);
	assert_int_equal(handler_state_nargs(&st), 0);
	assert_null(st.lua);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_read),
		cmocka_unit_test(test_state_assembled),
		cmocka_unit_test(test_effects_assembled),
		cmocka_unit_test(test_args_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
