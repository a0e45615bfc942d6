/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for tmpl_refs.c: the names a template uses, their guards, partials followed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

/* Named compiled partials, resolved by test_partial(). */
struct test_partials {
	const char	*names[80];
	struct tmpl	*tmpls[80];
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

static struct tmpl *
test_parse(const char *src)
{
	return tmpl_parse(src, strlen(src), NULL, 0);
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
	struct tmpl_env		 env = { test_partial, NULL, &ps, 0, NULL, NULL };
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

/* A guard lasts as long as its section; an inverted one inside keeps it. */
static void
test_refs_guard_scope(void **state)
{
	struct tmpl	*t;
	struct buf	 out;

	(void)state;
	buf_init(&out);
	t = test_parse("{{#a}}{{^b}}{{a}}{{/b}}{{#c}}{{a}}{{/c}}{{/a}}{{a}}\n"
	    "{{#a}}{{#a}}{{a}}{{/a}}{{a}}{{/a}}");
	assert_non_null(t);
	tmpl_refs(t, NULL, test_ref, &out);
	assert_string_equal(out.data,
	    "a section - 1:1\n"
	    "b inverted - 1:7\n"
	    "a value guarded 1:13\n"
	    "c section - 1:24\n"
	    "a value guarded 1:30\n"
	    "a value - 1:47\n"
	    "a section - 2:1\n"
	    "a section guarded 2:7\n"
	    "a value guarded 2:13\n"
	    "a value guarded 2:24\n");
	tmpl_free(t);
	buf_free(&out);
}

/* Each reference names the template or partial that holds it. */
struct test_in {
	const struct tmpl	*want[4];
	size_t			 n;
};

static void
test_ref_in(void *arg, const struct tmpl_ref *r)
{
	struct test_in	*ti = arg;

	if (ti->n >= 4)
		fail_msg("more references than expected: %s", r->name);
	if (r->in != ti->want[ti->n])
		fail_msg("reference %zu (%s) is not in the expected template",
		    ti->n, r->name);
	ti->n++;
}

static void
test_refs_in(void **state)
{
	struct test_partials	 ps;
	struct tmpl_env		 env = { test_partial, NULL, &ps, 0, NULL, NULL };
	struct test_in		 ti;
	struct tmpl		*t;

	(void)state;
	ps.names[0] = "sig";
	ps.tmpls[0] = test_parse("{{territory.signature}}");
	ps.n = 1;
	assert_non_null(ps.tmpls[0]);
	t = test_parse("{{first_name}}{{>sig}}{{last_name}}");
	assert_non_null(t);
	memset(&ti, 0, sizeof ti);
	ti.want[0] = t;			/* first_name */
	ti.want[1] = t;			/* sig */
	ti.want[2] = ps.tmpls[0];	/* territory.signature */
	ti.want[3] = t;			/* last_name */
	tmpl_refs(t, &env, test_ref_in, &ti);
	assert_int_equal(ti.n, 4);
	tmpl_free(t);
	test_partials_free(&ps);
}

/* A chain of distinct partials is followed 64 templates deep, no further. */
static void
test_refs_depth(void **state)
{
	struct test_partials	 ps;
	struct tmpl_env		 env = { test_partial, NULL, &ps, 0, NULL, NULL };
	struct tmpl		*t;
	struct buf		 out, want;
	char			 src[32];
	size_t			 i;

	(void)state;
	buf_init(&out);
	buf_init(&want);
	for (i = 0; i < 70; i++) {
		snprintf(src, sizeof src, "{{>p%zu}}", i + 1);
		ps.tmpls[i] = test_parse(src);
		assert_non_null(ps.tmpls[i]);
		snprintf(src, sizeof src, "p%zu", i);
		ps.names[i] = strdup(src);
		ps.n = i + 1;
	}
	t = test_parse("{{>p0}}");
	assert_non_null(t);
	tmpl_refs(t, &env, test_ref, &out);
	/* t itself, then p0 .. p62 entered: their tags name p0 .. p63 */
	for (i = 0; i < 64; i++)
		buf_printf(&want, "p%zu partial - 1:1\n", i);
	assert_string_equal(out.data, want.data);
	tmpl_free(t);
	for (i = 0; i < ps.n; i++)
		free((char *)ps.names[i]);
	test_partials_free(&ps);
	buf_free(&out);
	buf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_refs_guard_scope),
		cmocka_unit_test(test_refs_in),
		cmocka_unit_test(test_refs_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
