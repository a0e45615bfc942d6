/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for ynode: YAML tree, positions, ${VAR} expansion, errors and limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "ynode.h"

static struct ynode *
test_load(const char *text, struct diag *d)
{
	return ynode_load_string("t.yaml", text, strlen(text), d);
}

/* Message i of d must be want. */
static void
test_expect_msg(const struct diag *d, size_t i, const char *want)
{
	if (i >= d->n)
		fail_msg("expected message %zu \"%s\", got only %zu messages",
		    i, want, d->n);
	assert_string_equal(d->msgs[i], want);
}

static void
test_expect_count(const struct diag *d, size_t want)
{
	size_t	i;

	if (d->n == want)
		return;
	for (i = 0; i < d->n; i++)
		print_message("message %zu: %s\n", i, d->msgs[i]);
	fail_msg("expected %zu messages, got %zu", want, d->n);
}

/* Loads text that must fail with exactly one message containing want. */
static void
test_expect_fail(const char *text, const char *want)
{
	struct diag	 d;
	struct ynode	*root;

	diag_init(&d);
	root = test_load(text, &d);
	assert_null(root);
	test_expect_count(&d, 1);
	if (strstr(d.msgs[0], want) == NULL)
		fail_msg("expected a message containing \"%s\", got \"%s\"",
		    want, d.msgs[0]);
	diag_free(&d);
}

/* Loads text that must succeed; the caller frees the tree. */
static struct ynode *
test_expect_ok(const char *text)
{
	struct diag	 d;
	struct ynode	*root;

	diag_init(&d);
	root = test_load(text, &d);
	test_expect_count(&d, 0);
	assert_non_null(root);
	diag_free(&d);
	return root;
}

static void
test_check_scalar(const struct ynode *n, const char *value, int line, int col)
{
	assert_non_null(n);
	assert_int_equal(n->type, YNODE_SCALAR);
	assert_string_equal(n->value, value);
	assert_int_equal(n->len, strlen(value));
	assert_int_equal(n->line, line);
	assert_int_equal(n->col, col);
}

/* Value of key in root, which must be a scalar. */
static const char *
test_value(const struct ynode *root, const char *key)
{
	const struct ynode	*n = ynode_get(root, key);

	if (n == NULL)
		fail_msg("no key \"%s\"", key);
	assert_int_equal(n->type, YNODE_SCALAR);
	return n->value;
}

static void
test_tree_positions(void **state)
{
	struct ynode	*root, *list, *map;

	(void)state;
	root = test_expect_ok("name: relais\nlist:\n  - a\n  - 'b'\n"
	    "map:\n  k: \"v\"\n  empty: []\n");
	assert_int_equal(root->type, YNODE_MAP);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->col, 1);
	assert_int_equal(root->n, 3);
	test_check_scalar(root->keys[0], "name", 1, 1);
	test_check_scalar(root->items[0], "relais", 1, 7);
	test_check_scalar(root->keys[1], "list", 2, 1);

	list = root->items[1];
	assert_int_equal(list->type, YNODE_SEQ);
	assert_int_equal(list->line, 3);
	assert_int_equal(list->col, 3);
	assert_int_equal(list->n, 2);
	assert_null(list->keys);
	test_check_scalar(list->items[0], "a", 3, 5);
	test_check_scalar(list->items[1], "b", 4, 5);

	map = ynode_get(root, "map");
	assert_non_null(map);
	assert_int_equal(map->type, YNODE_MAP);
	assert_int_equal(map->line, 6);
	assert_int_equal(map->col, 3);
	test_check_scalar(map->keys[0], "k", 6, 3);
	test_check_scalar(map->items[0], "v", 6, 6);
	assert_int_equal(map->items[1]->type, YNODE_SEQ);
	assert_int_equal(map->items[1]->n, 0);
	ynode_free(root);
}

static void
test_quoted_flag(void **state)
{
	struct ynode	*root;

	(void)state;
	root = test_expect_ok("p: plain\ns: 'single'\nd: \"double\"\n"
	    "l: |\n  lit\nf: >\n  fold\n  ed\n'qk': x\nn: 5\n");
	assert_int_equal(ynode_get(root, "p")->quoted, 0);
	assert_int_equal(ynode_get(root, "s")->quoted, 1);
	assert_int_equal(ynode_get(root, "d")->quoted, 1);
	assert_int_equal(ynode_get(root, "l")->quoted, 1);
	assert_int_equal(ynode_get(root, "f")->quoted, 1);
	assert_int_equal(ynode_get(root, "n")->quoted, 0);
	assert_string_equal(test_value(root, "l"), "lit\n");
	assert_string_equal(test_value(root, "f"), "fold ed\n");
	assert_int_equal(root->keys[0]->quoted, 0);
	assert_int_equal(root->keys[5]->quoted, 1);
	ynode_free(root);
}

static void
test_expand_set(void **state)
{
	struct ynode	*root;

	(void)state;
	assert_int_equal(setenv("RELAIS_T_SET", "hello", 1), 0);
	root = test_expect_ok("a: x-${RELAIS_T_SET}-y\n"
	    "b: \"${RELAIS_T_SET}${RELAIS_T_SET}\"\n"
	    "c: '${RELAIS_T_SET:-nope}'\n");
	assert_string_equal(test_value(root, "a"), "x-hello-y");
	assert_string_equal(test_value(root, "b"), "hellohello");
	assert_int_equal(ynode_get(root, "b")->len, 10);
	assert_string_equal(test_value(root, "c"), "hello");
	ynode_free(root);
}

static void
test_expand_unset(void **state)
{
	struct diag	 d;

	(void)state;
	unsetenv("RELAIS_T_UNSET");
	diag_init(&d);
	assert_null(test_load("a: 1\nb: pre ${RELAIS_T_UNSET} post\n", &d));
	test_expect_count(&d, 1);
	test_expect_msg(&d, 0, "t.yaml:2:4: environment variable "
	    "RELAIS_T_UNSET is not set (use ${RELAIS_T_UNSET:-default} for a "
	    "default)");
	diag_free(&d);
}

static void
test_expand_unset_all_reported(void **state)
{
	struct diag	 d;

	(void)state;
	unsetenv("RELAIS_T_U1");
	unsetenv("RELAIS_T_U2");
	unsetenv("RELAIS_T_U3");
	diag_init(&d);
	assert_null(test_load("a: ${RELAIS_T_U1}\nb:\n  - ${RELAIS_T_U2}"
	    "${RELAIS_T_U3}\n", &d));
	test_expect_count(&d, 3);
	assert_non_null(strstr(d.msgs[0], "t.yaml:1:4: environment variable "
	    "RELAIS_T_U1 "));
	assert_non_null(strstr(d.msgs[1], "t.yaml:3:5: environment variable "
	    "RELAIS_T_U2 "));
	assert_non_null(strstr(d.msgs[2], "t.yaml:3:5: environment variable "
	    "RELAIS_T_U3 "));
	diag_free(&d);
}

static void
test_expand_default(void **state)
{
	struct ynode	*root;

	(void)state;
	unsetenv("RELAIS_T_UNSET");
	assert_int_equal(setenv("RELAIS_T_EMPTY", "", 1), 0);
	assert_int_equal(setenv("RELAIS_T_SET", "hello", 1), 0);
	root = test_expect_ok("unset: ${RELAIS_T_UNSET:-fallback}\n"
	    "empty: ${RELAIS_T_EMPTY:-fallback}\n"
	    "set: ${RELAIS_T_SET:-fallback}\n"
	    "nodef: <${RELAIS_T_UNSET:-}>\n"
	    "spaces: ${RELAIS_T_UNSET:-a b:c-d}\n"
	    "plain_empty: <${RELAIS_T_EMPTY}>\n");
	assert_string_equal(test_value(root, "unset"), "fallback");
	assert_string_equal(test_value(root, "empty"), "fallback");
	assert_string_equal(test_value(root, "set"), "hello");
	assert_string_equal(test_value(root, "nodef"), "<>");
	assert_string_equal(test_value(root, "spaces"), "a b:c-d");
	assert_string_equal(test_value(root, "plain_empty"), "<>");
	ynode_free(root);
}

static void
test_expand_dollar(void **state)
{
	struct ynode	*root;

	(void)state;
	assert_int_equal(setenv("RELAIS_T_SET", "hello", 1), 0);
	root = test_expect_ok("a: cost $$5\n"
	    "b: $${RELAIS_T_SET}\n"
	    "c: $$${RELAIS_T_SET}\n"
	    "d: $HOME and 5$ and $\n"
	    "e: \"$\"\n"
	    "f: $$$$\n");
	assert_string_equal(test_value(root, "a"), "cost $5");
	assert_string_equal(test_value(root, "b"), "${RELAIS_T_SET}");
	assert_string_equal(test_value(root, "c"), "$hello");
	assert_string_equal(test_value(root, "d"), "$HOME and 5$ and $");
	assert_string_equal(test_value(root, "e"), "$");
	assert_string_equal(test_value(root, "f"), "$$");
	ynode_free(root);
}

static void
test_expand_bad_syntax(void **state)
{
	struct diag	 d;

	(void)state;
	test_expect_fail("a: 1\nb: x ${RELAIS_T_SET\n",
	    "t.yaml:2:4: unterminated \"${\"");
	diag_init(&d);
	assert_null(test_load("a: ${}\nb: ${1A}\nc: ${A B}\nd: ${A:x}\n"
	    "e: ${A-x}\nf: ${A:-${B}}\n", &d));
	test_expect_count(&d, 6);
	test_expect_msg(&d, 0, "t.yaml:1:4: invalid variable reference "
	    "\"${}\" (expected ${NAME} or ${NAME:-default})");
	assert_non_null(strstr(d.msgs[1], "t.yaml:2:4: invalid variable "
	    "reference \"${1A}\""));
	assert_non_null(strstr(d.msgs[2], "t.yaml:3:4: invalid variable "
	    "reference \"${A B}\""));
	assert_non_null(strstr(d.msgs[3], "\"${A:x}\""));
	assert_non_null(strstr(d.msgs[4], "\"${A-x}\""));
	assert_non_null(strstr(d.msgs[5], "t.yaml:6:4: nested \"${\""));
	diag_free(&d);
}

static void
test_keys_not_expanded(void **state)
{
	struct ynode	*root;

	(void)state;
	unsetenv("RELAIS_T_UNSET");
	root = test_expect_ok("${RELAIS_T_UNSET}: v\n$$: w\n");
	assert_string_equal(root->keys[0]->value, "${RELAIS_T_UNSET}");
	assert_string_equal(test_value(root, "$$"), "w");
	ynode_free(root);
}

static void
test_duplicate_keys(void **state)
{
	struct diag	 d;

	(void)state;
	diag_init(&d);
	assert_null(test_load("a: 1\nb: 2\na: 3\nb: 4\na: 5\n"
	    "m:\n  k: 1\n  j: 2\n  k: 3\n", &d));
	test_expect_count(&d, 4);
	test_expect_msg(&d, 0, "t.yaml:3:1: duplicate key \"a\" (first "
	    "defined at line 1)");
	test_expect_msg(&d, 1, "t.yaml:4:1: duplicate key \"b\" (first "
	    "defined at line 2)");
	test_expect_msg(&d, 2, "t.yaml:5:1: duplicate key \"a\" (first "
	    "defined at line 1)");
	test_expect_msg(&d, 3, "t.yaml:9:3: duplicate key \"k\" (first "
	    "defined at line 7)");
	diag_free(&d);

	/* Keys are compared as written: a quoted "1" equals a plain 1. */
	test_expect_fail("1: a\n'1': b\n", "t.yaml:2:1: duplicate key \"1\"");
}

static void
test_nonscalar_key(void **state)
{
	(void)state;
	test_expect_fail("? [a, b]\n: v\n", "t.yaml:1:3: mapping key must be "
	    "a scalar, not a sequence");
	test_expect_fail("{x: 1}: v\n", "t.yaml:1:1: mapping key must be a "
	    "scalar, not a map");
}

static void
test_syntax_error(void **state)
{
	(void)state;
	test_expect_fail("a: b: c\n", "t.yaml:1:5: mapping values are not "
	    "allowed in this context");
	test_expect_fail("ok: 1\nlist: [1, 2\n", "t.yaml:3:1: did not find "
	    "expected ',' or ']' (while parsing a flow sequence at line 2, "
	    "column 7)");
	test_expect_fail("a: *nowhere\n", "t.yaml:1:4: found undefined "
	    "alias");
	test_expect_fail("a: 1\nb: \xff\n", "t.yaml:2:4: invalid leading "
	    "UTF-8 octet (0xFF)");
}

static void
test_empty(void **state)
{
	const char	*texts[] = { "", "# only a comment\n", "---\n", "\n\n" };
	struct ynode	*root;
	struct diag	 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		root = test_expect_ok(texts[i]);
		assert_int_equal(root->type, YNODE_MAP);
		assert_int_equal(root->n, 0);
		assert_null(ynode_get(root, "x"));
		ynode_free(root);
	}
	diag_init(&d);
	root = ynode_load_string("t.yaml", NULL, 0, &d);
	assert_non_null(root);
	assert_int_equal(root->type, YNODE_MAP);
	ynode_free(root);
	diag_free(&d);
}

static void
test_get(void **state)
{
	struct ynode	*root;

	(void)state;
	root = test_expect_ok("name: x\nlist: [a]\n");
	assert_string_equal(test_value(root, "name"), "x");
	assert_null(ynode_get(root, "nam"));
	assert_null(ynode_get(root, "names"));
	assert_null(ynode_get(root, ""));
	assert_null(ynode_get(NULL, "name"));
	assert_null(ynode_get(root, NULL));
	assert_null(ynode_get(ynode_get(root, "name"), "name"));
	assert_null(ynode_get(ynode_get(root, "list"), "a"));
	ynode_free(root);
	ynode_free(NULL);
}

static void
test_type_name(void **state)
{
	(void)state;
	assert_string_equal(ynode_type_name(YNODE_SCALAR), "scalar");
	assert_string_equal(ynode_type_name(YNODE_MAP), "map");
	assert_string_equal(ynode_type_name(YNODE_SEQ), "sequence");
}

static void
test_alias(void **state)
{
	struct ynode	*root, *base, *use;
	struct diag	 d;

	(void)state;
	root = test_expect_ok("base: &b {x: 1, y: [2]}\nuse: *b\n");
	base = ynode_get(root, "base");
	use = ynode_get(root, "use");
	assert_non_null(use);
	assert_ptr_not_equal(base, use);
	assert_int_equal(use->type, YNODE_MAP);
	assert_int_equal(use->line, base->line);
	assert_int_equal(use->col, base->col);
	assert_string_equal(test_value(use, "x"), "1");
	assert_int_equal(ynode_get(use, "y")->n, 1);
	ynode_free(root);

	/* A problem in an anchored node is reported once, not per alias. */
	unsetenv("RELAIS_T_UNSET");
	diag_init(&d);
	assert_null(test_load("a: &x ${RELAIS_T_UNSET}\nb: *x\nc: [*x, *x]\n"
	    "m: &m {k: 1, k: 2}\nn: *m\n", &d));
	test_expect_count(&d, 2);
	assert_non_null(strstr(d.msgs[0], "t.yaml:1:4: environment "
	    "variable RELAIS_T_UNSET"));
	assert_non_null(strstr(d.msgs[1], "duplicate key \"k\""));
	diag_free(&d);

	/*
	 * Used as a key first (never expanded), then as a value; the node's
	 * position is where it was written, not where the alias is.
	 */
	test_expect_fail("? &k ${RELAIS_T_UNSET}\n: 1\nv: *k\n",
	    "t.yaml:1:3: environment variable RELAIS_T_UNSET");
}

/* Text of a "billion laughs" with levels of 10 aliases each over value. */
static char *
test_bomb(int levels, const char *value)
{
	struct buf	b;
	int		i, j;

	buf_init(&b);
	buf_printf(&b, "l0: &l0 [%s", value);
	for (j = 1; j < 10; j++)
		buf_printf(&b, ", %s", value);
	buf_puts(&b, "]\n");
	for (i = 1; i < levels; i++) {
		buf_printf(&b, "l%d: &l%d [*l%d", i, i, i - 1);
		for (j = 1; j < 10; j++)
			buf_printf(&b, ", *l%d", i - 1);
		buf_puts(&b, "]\n");
	}
	return buf_steal(&b, NULL);
}

static void
test_alias_bomb(void **state)
{
	struct ynode	*root;
	struct buf	 big;
	char		*text;

	(void)state;
	/* 10^5 scalars: big but allowed. */
	text = test_bomb(5, "lol");
	root = test_expect_ok(text);
	assert_int_equal(ynode_get(root, "l4")->n, 10);
	ynode_free(root);
	free(text);

	text = test_bomb(9, "lol");
	test_expect_fail(text, "more than 1000000 nodes once aliases are "
	    "expanded");
	free(text);

	/* Few nodes, but each repeats a 2 KiB string: 200 MB of values. */
	buf_init(&big);
	buf_putc(&big, '\'');
	while (big.len < 2048)
		buf_puts(&big, "lol");
	buf_putc(&big, '\'');
	text = test_bomb(5, big.data);
	test_expect_fail(text, "bytes of values once aliases are expanded");
	free(text);
	buf_free(&big);
}

static void
test_recursive_alias(void **state)
{
	(void)state;
	test_expect_fail("&a [*a]\n", "t.yaml:1:1: recursive alias");
	test_expect_fail("a: &a\n  b: *a\n", "recursive alias");
}

static char *
test_nested(int depth)
{
	struct buf	b;
	int		i;

	buf_init(&b);
	buf_puts(&b, "a: ");
	for (i = 0; i < depth; i++)
		buf_putc(&b, '[');
	buf_putc(&b, 'x');
	for (i = 0; i < depth; i++)
		buf_putc(&b, ']');
	buf_putc(&b, '\n');
	return buf_steal(&b, NULL);
}

static void
test_nesting_limit(void **state)
{
	struct ynode	*root;
	char		*text;

	(void)state;
	/* The root map is a level: 63 sequences inside it make 64. */
	text = test_nested(63);
	root = test_expect_ok(text);
	ynode_free(root);
	free(text);

	text = test_nested(64);
	test_expect_fail(text, "t.yaml:1:67: nesting deeper than 64 levels");
	free(text);

	text = test_nested(10000);
	test_expect_fail(text, "nesting deeper than 64 levels");
	free(text);

	/* Through an alias: 40 levels reused 30 levels down. */
	test_expect_fail("a: &a [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
	    "b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "\n", "nesting deeper than 64 levels");
}

static void
test_multiple_documents(void **state)
{
	struct ynode	*root;

	(void)state;
	test_expect_fail("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML "
	    "document");
	test_expect_fail("---\na: 1\n---\n", "t.yaml:3:1: more than one YAML "
	    "document");
	test_expect_fail("a: 1\n---\nb: c: d\n", "t.yaml:3:5: mapping values "
	    "are not allowed");
	root = test_expect_ok("---\na: 1\n...\n");
	assert_string_equal(test_value(root, "a"), "1");
	ynode_free(root);
}

static void
test_keeps_earlier_messages(void **state)
{
	struct ynode	*root;
	struct diag	 d;

	(void)state;
	diag_init(&d);
	diag_add(&d, "other", 1, 1, "earlier problem");
	root = test_load("a: 1\n", &d);
	assert_non_null(root);
	assert_int_equal(d.n, 1);
	ynode_free(root);
	diag_free(&d);
}

static void
test_load_file(void **state)
{
	char		 path[] = "/tmp/test_ynode.XXXXXX";
	const char	*text = "a: 1\nb: [x, y]\n";
	struct ynode	*root;
	struct diag	 d;
	int		 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);

	diag_init(&d);
	root = ynode_load_file(path, &d);
	test_expect_count(&d, 0);
	assert_non_null(root);
	assert_string_equal(test_value(root, "a"), "1");
	assert_int_equal(ynode_get(root, "b")->line, 2);
	ynode_free(root);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "a: b: c\n", 8), 8);
	close(fd);
	assert_null(ynode_load_file(path, &d));
	test_expect_count(&d, 1);
	assert_int_equal(strncmp(d.msgs[0], path, strlen(path)), 0);
	assert_string_equal(d.msgs[0] + strlen(path), ":1:5: mapping values "
	    "are not allowed in this context");
	diag_free(&d);
	unlink(path);

	assert_null(ynode_load_file(path, &d));
	test_expect_count(&d, 1);
	assert_non_null(strstr(d.msgs[0], ": cannot open: "));
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_positions),
		cmocka_unit_test(test_quoted_flag),
		cmocka_unit_test(test_expand_set),
		cmocka_unit_test(test_expand_unset),
		cmocka_unit_test(test_expand_unset_all_reported),
		cmocka_unit_test(test_expand_default),
		cmocka_unit_test(test_expand_dollar),
		cmocka_unit_test(test_expand_bad_syntax),
		cmocka_unit_test(test_keys_not_expanded),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_nonscalar_key),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_type_name),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_recursive_alias),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_multiple_documents),
		cmocka_unit_test(test_keeps_earlier_messages),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
