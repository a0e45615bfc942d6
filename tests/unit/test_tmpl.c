/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for tmpl.c, the parser: the official Mustache spec files, then its errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tmpl.h"

/* Named compiled partials, resolved by test_partial(). */
struct test_partials {
	const char	*names[16];
	struct tmpl	*tmpls[16];
	size_t		 n;
};

static const struct tmpl *
test_partial(void *arg, const char *name)
{
	struct test_partials	*ps = arg;
	size_t			 i;

	for (i = 0; i < ps->n; i++) {
		if (strcmp(ps->names[i], name) == 0)
			return ps->tmpls[i];
	}
	return NULL;
}

static void
test_partials_free(struct test_partials *ps)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		tmpl_free(ps->tmpls[i]);
	ps->n = 0;
}

/* Compiles a test's "partials" object; 0 or -1 (message printed). */
static int
test_partials_load(struct test_partials *ps, const json_t *obj)
{
	const char	*key;
	json_t		*val;
	char		 err[256];

	ps->n = 0;
	json_object_foreach((json_t *)obj, key, val) {
		if (ps->n == 16 || !json_is_string(val))
			return -1;
		ps->tmpls[ps->n] = tmpl_parse(json_string_value(val),
		    json_string_length(val), err, sizeof(err));
		if (ps->tmpls[ps->n] == NULL) {
			fprintf(stderr, "partial %s: %s\n", key, err);
			return -1;
		}
		ps->names[ps->n++] = key;
	}
	return 0;
}

/* Runs one spec test; 0 when the output matches exactly. */
static int
test_spec_one(const char *file, const json_t *test)
{
	struct test_partials	 ps;
	struct tmpl_env		 env = { test_partial, NULL, &ps, 1, NULL, NULL };
	struct tmpl		*t = NULL;
	struct buf		 out;
	const char		*name, *tpl, *want;
	char			 err[256];
	int			 rc = -1;

	buf_init(&out);
	ps.n = 0;
	name = json_string_value(json_object_get(test, "name"));
	tpl = json_string_value(json_object_get(test, "template"));
	want = json_string_value(json_object_get(test, "expected"));
	if (name == NULL || tpl == NULL || want == NULL)
		goto fail;
	if (test_partials_load(&ps, json_object_get(test, "partials")) == -1)
		goto fail;
	if ((t = tmpl_parse(tpl, strlen(tpl), err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s: parse error: %s\n", file, name, err);
		goto fail;
	}
	tmpl_render(t, json_object_get(test, "data"), &env, &out);
	if (out.len != strlen(want) ||
	    memcmp(out.data == NULL ? "" : out.data, want, out.len) != 0) {
		fprintf(stderr, "%s: %s\n  template: \"%s\"\n  expected: \"%s\"\n"
		    "  got:      \"%s\"\n", file, name, tpl, want,
		    out.data == NULL ? "" : out.data);
		goto fail;
	}
	rc = 0;
fail:
	tmpl_free(t);
	test_partials_free(&ps);
	buf_free(&out);
	return rc;
}

/* Runs every test of one spec file; fails the cmocka test on any mismatch. */
static void
test_spec_file(const char *file)
{
	const char	*dir;
	char		 path[1024];
	json_t		*root, *tests, *test;
	json_error_t	 jerr;
	size_t		 i, passed = 0;

	if ((dir = getenv("MUSTACHE_SPEC_DIR")) == NULL)
		dir = "../shared/conformance/mustache";
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((root = json_load_file(path, 0, &jerr)) == NULL)
		fail_msg("%s: %s", path, jerr.text);
	tests = json_object_get(root, "tests");
	assert_true(json_is_array(tests));
	json_array_foreach(tests, i, test) {
		if (test_spec_one(file, test) == 0)
			passed++;
	}
	print_message("%s: %zu/%zu passed\n", file, passed,
	    json_array_size(tests));
	i = json_array_size(tests);
	json_decref(root);
	assert_int_equal(passed, i);
}

static void
test_spec_comments(void **state)
{
	(void)state;
	test_spec_file("comments.json");
}

static void
test_spec_delimiters(void **state)
{
	(void)state;
	test_spec_file("delimiters.json");
}

static void
test_spec_interpolation(void **state)
{
	(void)state;
	test_spec_file("interpolation.json");
}

static void
test_spec_inverted(void **state)
{
	(void)state;
	test_spec_file("inverted.json");
}

static void
test_spec_partials(void **state)
{
	(void)state;
	test_spec_file("partials.json");
}

static void
test_spec_sections(void **state)
{
	(void)state;
	test_spec_file("sections.json");
}

static void
test_parse_errors(void **state)
{
	struct tmpl	*t;
	char		 err[128];
	size_t		 i;
	static const struct {
		const char	*src;
		const char	*err;
	} cases[] = {
		{ "hello\n  {{#a}}x", "2:3: unclosed section 'a'" },
		{ "ab {{x", "1:4: unclosed tag" },
		{ "\xc3\xa9t\xc3\xa9 {{{x}}", "1:5: unclosed tag" },
		{ "{{#a}}\n{{/b}}", "2:1: close 'b' does not match 'a'" },
		{ "x{{/a}}", "1:2: unexpected close 'a'" },
		{ "x\n\n{{}}", "3:1: empty tag" },
		{ "{{a b}}", "1:1: invalid name 'a b'" },
		{ "{{=<%=}}", "1:1: bad delimiter change '<%'" },
	};

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = tmpl_parse(cases[i].src, strlen(cases[i].src), err,
		    sizeof(err));
		assert_null(t);
		assert_string_equal(err, cases[i].err);
	}
	t = tmpl_parse("{{x", 3, NULL, 0);
	assert_null(t);
	t = tmpl_parse("{{x", 3, err, 4);
	assert_null(t);
	assert_string_equal(err, "1:1");
	tmpl_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_comments),
		cmocka_unit_test(test_spec_delimiters),
		cmocka_unit_test(test_spec_interpolation),
		cmocka_unit_test(test_spec_inverted),
		cmocka_unit_test(test_spec_partials),
		cmocka_unit_test(test_spec_sections),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
