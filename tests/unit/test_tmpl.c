/* Unit tests for tmpl: the official Mustache spec files, then relais-specific behaviour. */
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

struct test_missing {
	char	names[8][32];
	size_t	n;
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
test_missing(void *arg, const char *name)
{
	struct test_missing	*m = arg;

	if (m->n < 8)
		snprintf(m->names[m->n], sizeof(m->names[0]), "%s", name);
	m->n++;
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
	struct tmpl_env		 env = { test_partial, NULL, &ps, 1 };
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

static struct tmpl *
test_parse(const char *src)
{
	return tmpl_parse(src, strlen(src), NULL, 0);
}

/* Renders src against the JSON text data; the caller frees the result. */
static char *
test_render(const char *src, const char *data, const struct tmpl_env *env)
{
	struct tmpl	*t;
	json_t		*j;
	struct buf	 out;
	char		 err[256];

	if ((t = tmpl_parse(src, strlen(src), err, sizeof(err))) == NULL)
		fail_msg("parse %s: %s", src, err);
	if ((j = json_loads(data, JSON_DECODE_ANY, NULL)) == NULL)
		fail_msg("bad test json %s", data);
	buf_init(&out);
	tmpl_render(t, j, env, &out);
	json_decref(j);
	tmpl_free(t);
	return buf_steal(&out, NULL);
}

static void
test_escape(void **state)
{
	struct tmpl_env	 raw = { NULL, NULL, NULL, 0 };
	struct tmpl_env	 html = { NULL, NULL, NULL, 1 };
	char		*s;

	(void)state;
	s = test_render("{{x}}|{{{x}}}|{{&x}}", "{\"x\":\"<a href='&'>\\\"\"}",
	    &raw);
	assert_string_equal(s, "<a href='&'>\"|<a href='&'>\"|<a href='&'>\"");
	free(s);
	s = test_render("{{x}}|{{{x}}}", "{\"x\":\"<a href='&'>\\\"\"}", &html);
	assert_string_equal(s,
	    "&lt;a href=&#39;&amp;&#39;&gt;&quot;|<a href='&'>\"");
	free(s);
	s = test_render("{{x}}", "{\"x\":\"<b>\"}", NULL);
	assert_string_equal(s, "<b>");
	free(s);
}

static void
test_values(void **state)
{
	char	*s;

	(void)state;
	s = test_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}|"
	    "{{#s}}s{{/s}}{{#z}}z{{/z}}",
	    "{\"a\":1.210,\"b\":3.0,\"c\":-0.5,\"d\":1e21,\"e\":true,"
	    "\"f\":false,\"g\":{\"k\":1},\"h\":-42,\"s\":\"\",\"z\":0}", NULL);
	assert_string_equal(s, "1.21 3 -0.5 1e+21 true false  -42|sz");
	free(s);
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

static void
test_missing_callback(void **state)
{
	struct test_missing	 m = { .n = 0 };
	struct tmpl_env		 env = { NULL, test_missing, &m, 0 };
	char			*s;

	(void)state;
	s = test_render("{{a}}{{a}}{{b.c}}{{n}}{{#s}}{{{a}}}{{/s}}{{#q}}{{/q}}",
	    "{\"b\":{},\"n\":null,\"s\":true}", &env);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.names[0], "a");
	assert_string_equal(m.names[1], "b.c");
}

static void
test_recursive_partial(void **state)
{
	struct test_partials	 ps;
	struct tmpl_env		 env = { test_partial, NULL, &ps, 1 };
	char			*s;
	size_t			 i;

	(void)state;
	ps.names[0] = "p";
	ps.tmpls[0] = test_parse("x{{>p}}");
	ps.n = 1;
	assert_non_null(ps.tmpls[0]);
	s = test_render("{{>p}}", "{}", &env);
	assert_int_equal(strlen(s), 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(s[i], 'x');
	free(s);
	test_partials_free(&ps);
}

static void
test_nested_indent(void **state)
{
	struct test_partials	 ps;
	struct tmpl_env		 env = { test_partial, NULL, &ps, 0 };
	char			*s;

	(void)state;
	ps.names[0] = "outer";
	ps.tmpls[0] = test_parse("a\n {{>inner}}\n{{>inner}}\nb {{>inner}}\n");
	ps.names[1] = "inner";
	ps.tmpls[1] = test_parse("{{#l}}\n{{.}}\n{{/l}}");
	ps.n = 2;
	assert_non_null(ps.tmpls[0]);
	assert_non_null(ps.tmpls[1]);
	s = test_render("  {{>outer}}\n", "{\"l\":[1,2]}", &env);
	assert_string_equal(s, "  a\n   1\n   2\n  1\n  2\n  b 1\n2\n\n");
	free(s);
	test_partials_free(&ps);
}

/* What tmpl_refs saw, one line per reference: "NAME USE GUARDED LINE:COL". */
static void
test_ref(void *arg, const struct tmpl_ref *r)
{
	static const char *const uses[] = { "value", "raw", "section",
	    "inverted", "partial" };

	buf_printf(arg, "%s %s %s %d:%d\n", r->name, uses[r->use],
	    r->guarded ? "guarded" : "-", r->line, r->col);
}

/* The variable walk: names, how they are used, guards, partials followed. */
static void
test_refs(void **state)
{
	struct test_partials	 ps;
	struct tmpl_env		 env = { test_partial, NULL, &ps, 0 };
	struct tmpl		*t;
	struct buf		 out;

	(void)state;
	buf_init(&out);
	ps.names[0] = "footer";
	ps.tmpls[0] = test_parse("--\n{{territory.signature}}\n"
	    "{{#territory.website}}{{territory.website}}{{/territory.website}}"
	    "{{>footer}}");
	ps.n = 1;
	assert_non_null(ps.tmpls[0]);
	t = test_parse("Bonjour {{first_name}},\n"
	    "{{{territory.phone}}} {{&territory.address}}\n"
	    "{{#territory}}{{territory.phone}}{{/territory}}\n"
	    "{{#territory.phone}}{{territory.phone}} {{territory.phone.x}}"
	    "{{/territory.phone}}\n"
	    "{{^territory.fax}}{{territory.fax}}{{/territory.fax}}\n"
	    "{{#territory.website}}\n"
	    "  {{>footer}}\n"
	    "{{/territory.website}}\n"
	    "{{>footer}}\n"
	    "é{{.}}{{>nowhere}}");
	assert_non_null(t);
	tmpl_refs(t, &env, test_ref, &out);
	assert_string_equal(out.data,
	    "first_name value - 1:9\n"
	    "territory.phone raw - 2:1\n"
	    "territory.address raw - 2:23\n"
	    /* {{#territory}} is no test of territory.phone */
	    "territory section - 3:1\n"
	    "territory.phone value - 3:15\n"
	    "territory.phone section - 4:1\n"
	    "territory.phone value guarded 4:21\n"
	    /* present is not enough for a member of it */
	    "territory.phone.x value - 4:41\n"
	    /* an inverted section guards nothing */
	    "territory.fax inverted - 5:1\n"
	    "territory.fax value - 5:19\n"
	    "territory.website section - 6:1\n"
	    "footer partial - 7:3\n"
	    /* the partial's references, guarded by the inclusion's sections */
	    "territory.signature value - 2:1\n"
	    "territory.website section guarded 3:1\n"
	    "territory.website value guarded 3:23\n"
	    /* a partial already being walked is not entered again */
	    "footer partial - 3:66\n"
	    "footer partial - 9:1\n"
	    "territory.signature value - 2:1\n"
	    "territory.website section - 3:1\n"
	    "territory.website value guarded 3:23\n"
	    "footer partial - 3:66\n"
	    ". value - 10:2\n"
	    "nowhere partial - 10:7\n");
	/* without a resolver, partials are reported, not followed */
	buf_reset(&out);
	tmpl_refs(ps.tmpls[0], NULL, test_ref, &out);
	assert_string_equal(out.data,
	    "territory.signature value - 2:1\n"
	    "territory.website section - 3:1\n"
	    "territory.website value guarded 3:23\n"
	    "footer partial - 3:66\n");
	tmpl_refs(NULL, &env, test_ref, &out);
	tmpl_free(t);
	test_partials_free(&ps);
	buf_free(&out);
}

/* Nested sections over a data list end at the render bounds, not in 2^40 steps. */
static void
test_render_bounds(void **state)
{
	struct buf	 src, out;
	struct tmpl	*t;
	json_t		*data;
	char		 err[128];
	int		 i;

	(void)state;
	buf_init(&src);
	buf_init(&out);
	for (i = 0; i < 40; i++)
		buf_puts(&src, "{{#l}}");
	buf_puts(&src, "xxxxxxxxxxxxxxxx");
	for (i = 0; i < 40; i++)
		buf_puts(&src, "{{/l}}");
	t = tmpl_parse(src.data, src.len, err, sizeof err);
	assert_non_null(t);
	data = json_pack("{s:[i,i]}", "l", 1, 2);
	tmpl_render(t, data, NULL, &out);
	assert_true(out.len <= (4u << 20) + 16);
	assert_true(out.len > 0);
	json_decref(data);
	tmpl_free(t);
	buf_free(&src);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_bounds),
		cmocka_unit_test(test_spec_comments),
		cmocka_unit_test(test_spec_delimiters),
		cmocka_unit_test(test_spec_interpolation),
		cmocka_unit_test(test_spec_inverted),
		cmocka_unit_test(test_spec_partials),
		cmocka_unit_test(test_spec_sections),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_missing_callback),
		cmocka_unit_test(test_recursive_partial),
		cmocka_unit_test(test_nested_indent),
		cmocka_unit_test(test_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
