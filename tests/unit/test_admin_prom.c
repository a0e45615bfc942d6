/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_prom.c: Prometheus text helpers, held to a strict reader of the format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_prom.h"
#include "buf.h"
#include "expo.h"

/* The parser itself must refuse what promtool refuses. */
static void
test_parser_strict(void **state)
{
	static struct expo	e;

	(void)state;
	assert_expo_ok("", &e);
	assert_expo_ok("# HELP a x\n# TYPE a gauge\na 1\n", &e);
	assert_expo_bad("a 1\n");					/* no TYPE */
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1");		/* no \n */
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1\n# HELP a y\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na  1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1 123\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na{b=\"\\x\"} 1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na{b=\"1\",b=\"2\"} 1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na{b=\"\xff\"} 1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1\na 2\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\n# HELP b x\n"
	    "# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 1\n");
	assert_expo_bad("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
	    "h_count 1\n");
	assert_expo_bad("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");
	assert_expo_bad("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n");
	assert_expo_ok("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n"
	    "h_count 2\n", &e);
}

static void
test_helpers(void **state)
{
	struct buf		b;
	struct admin_histogram	h;

	(void)state;
	buf_init(&b);
	admin_metric(&b, "x", 1, NULL);
	admin_metric(&b, "x", 123456789012345.0, "a", "", NULL);
	admin_metric(&b, "x", 1e20, NULL);
	admin_metric(&b, "x", -0.5, NULL);
	admin_metric(&b, "x", NAN, NULL);
	admin_metric(&b, "x:y_z", 2, "_a1", "v", NULL);
	assert_string_equal(b.data, "x 1\nx{a=\"\"} 123456789012345\n"
	    "x 1e+20\nx -0.5\nx NaN\nx:y_z{_a1=\"v\"} 2\n");

	/* bad names write nothing */
	buf_reset(&b);
	admin_metric(&b, "9x", 1, NULL);
	admin_metric(&b, "x-y", 1, NULL);
	admin_metric(&b, "x", 1, "ok", "v", "__reserved", "v", NULL);
	admin_metric(&b, "x", 1, "a:b", "v", NULL);
	admin_metric(&b, "x", 1, "a", NULL);
	admin_metric_help(&b, "bad name", ADMIN_GAUGE, "x");
	assert_int_equal(b.len, 0);

	/* le is the writer's own label */
	memset(&h, 0, sizeof h);
	admin_histogram_observe(&h, 1);
	admin_histogram_write(&b, "h_seconds", &h, "le", "x", NULL);
	assert_int_equal(b.len, 0);

	/* bucket edges are inclusive */
	admin_histogram_observe(&h, 1.0000001);
	admin_histogram_observe(&h, 10000);
	admin_histogram_observe(&h, 10000.5);
	assert_int_equal(h.counts[0], 1);
	assert_int_equal(h.counts[1], 1);
	assert_int_equal(h.counts[ADMIN_HISTOGRAM_NBOUNDS - 1], 1);
	assert_int_equal(h.counts[ADMIN_HISTOGRAM_NBOUNDS], 1);
	assert_int_equal(h.count, 4);
	admin_histogram_write(&b, "h_seconds", &h, NULL);
	assert_non_null(strstr(b.data, "h_seconds_bucket{le=\"0.001\"} 1\n"
	    "h_seconds_bucket{le=\"0.002\"} 2\n"));
	assert_non_null(strstr(b.data, "h_seconds_bucket{le=\"0.005\"} 2\n"
	    "h_seconds_bucket{le=\"0.01\"} 2\nh_seconds_bucket{le=\"0.025\"}"
	    " 2\n"));
	assert_non_null(strstr(b.data, "h_seconds_bucket{le=\"10\"} 3\n"
	    "h_seconds_bucket{le=\"+Inf\"} 4\nh_seconds_sum 20.0025000001\n"
	    "h_seconds_count 4\n"));
	buf_free(&b);
}

#define FFFD	"\xef\xbf\xbd"		/* U+FFFD, as UTF-8 */

/*
 * Label values: \, " and newline escaped; each byte of invalid UTF-8 that
 * starts no character (bad, cut, overlong, a surrogate, past U+10FFFF)
 * one U+FFFD; every valid character as it came. Each line also reads back
 * through the strict reader.
 */
static void
test_label_escapes(void **state)
{
	static const struct {
		const char	*in;
		const char	*text;	/* as written between the quotes */
		const char	*back;	/* as a reader unescapes it */
	} t[] = {
		{ "", "", "" },
		{ "plain", "plain", "plain" },
		{ "a\\b", "a\\\\b", "a\\b" },
		{ "say \"hi\"", "say \\\"hi\\\"", "say \"hi\"" },
		{ "one\ntwo", "one\\ntwo", "one\ntwo" },
		{ "\\n", "\\\\n", "\\n" },
		{ "\\\"\n", "\\\\\\\"\\n", "\\\"\n" },
		{ "tab\there\r", "tab\there\r", "tab\there\r" },
		{ "é € \xf0\x9f\x98\x80", "é € \xf0\x9f\x98\x80",
		    "é € \xf0\x9f\x98\x80" },
		{ "\xff", FFFD, FFFD },
		{ "\x80", FFFD, FFFD },
		{ "a\xc3", "a" FFFD, "a" FFFD },
		{ "\xe2\x82" "x", FFFD FFFD "x", FFFD FFFD "x" },
		{ "\xc0\xaf", FFFD FFFD, FFFD FFFD },
		{ "\xed\xa0\x80", FFFD FFFD FFFD, FFFD FFFD FFFD },
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD,
		    FFFD FFFD FFFD FFFD },
		{ "\xff\"\n", FFFD "\\\"\\n", FFFD "\"\n" },
	};
	static struct expo	e;
	struct buf		b, want;
	size_t			i;

	(void)state;
	buf_init(&b);
	buf_init(&want);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		buf_reset(&b);
		buf_reset(&want);
		admin_metric_help(&b, "m", ADMIN_GAUGE, "h");
		admin_metric(&b, "m", 1, "l", t[i].in, NULL);
		buf_printf(&want, "# HELP m h\n# TYPE m gauge\nm{l=\"%s\"} 1\n",
		    t[i].text);
		if (strcmp(b.data, want.data) != 0)
			fail_msg("case %zu: expected\n%s\ngot\n%s", i, want.data,
			    b.data);
		assert_expo_ok(b.data, &e);
		assert_int_equal(e.ns, 1);
		assert_string_equal(e.s[0].lv[0], t[i].back);
	}
	buf_free(&b);
	buf_free(&want);
}

/* HELP text: \ and newline escaped, " as it is, invalid UTF-8 as U+FFFD. */
static void
test_help_escapes(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	admin_metric_help(&b, "relais_x_total", ADMIN_COUNTER,
	    "a \"q\" \\ b\nc \xff");
	admin_metric_help(&b, "relais_y", ADMIN_GAUGE, "");
	admin_metric_help(&b, "relais_z_seconds", ADMIN_HISTOGRAM, "\\n");
	assert_string_equal(b.data,
	    "# HELP relais_x_total a \"q\" \\\\ b\\nc " FFFD "\n"
	    "# TYPE relais_x_total counter\n"
	    "# HELP relais_y \n# TYPE relais_y gauge\n"
	    "# HELP relais_z_seconds \\\\n\n"
	    "# TYPE relais_z_seconds histogram\n");
	/* no family for a type out of the enum, or without a name */
	buf_reset(&b);
	admin_metric_help(&b, "x", (enum admin_metric_type)3, "h");
	admin_metric_help(&b, "", ADMIN_GAUGE, "h");
	admin_metric_help(&b, NULL, ADMIN_GAUGE, "h");
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* Values read back exactly, in the spellings Go's ParseFloat takes. */
static void
test_values(void **state)
{
	static const struct {
		double		 v;
		const char	*text;
	} t[] = {
		{ 0, "0" },
		{ 42, "42" },
		{ -7, "-7" },
		{ 0.1, "0.1" },
		{ -0.5, "-0.5" },
		{ 123.456, "123.456" },
		{ 999999999999999.0, "999999999999999" },
		{ 1e15, "1e+15" },
		{ 1e-9, "1e-09" },
		/* 15 digits do not read back: 17 */
		{ 1.0 / 3, "0.33333333333333331" },
		{ 9007199254740992.0, "9007199254740992" },
		{ DBL_MAX, "1.7976931348623157e+308" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	struct buf	b;
	char		want[64];
	size_t		i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		buf_reset(&b);
		admin_metric(&b, "v", t[i].v, NULL);
		snprintf(want, sizeof want, "v %s\n", t[i].text);
		if (strcmp(b.data, want) != 0)
			fail_msg("case %zu: expected \"%s\", got \"%s\"", i, want,
			    b.data);
		if (isfinite(t[i].v) && strtod(t[i].text, NULL) != t[i].v)
			fail_msg("case %zu: %s does not read back", i,
			    t[i].text);
	}
	buf_free(&b);
}

/*
 * Metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names the same without ':'
 * and not starting with "__": a bad one (or a label without its value)
 * takes back the whole sample and nothing written before it.
 */
static void
test_names(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	admin_metric(&b, "a", 1, NULL);
	admin_metric(&b, "_a:b_9", 2, "_", "x", "A9_b", "y", NULL);
	admin_metric(&b, "", 1, NULL);
	admin_metric(&b, NULL, 1, NULL);
	admin_metric(&b, "é", 1, NULL);
	admin_metric(&b, "a b", 1, NULL);
	admin_metric(&b, "a", 1, "ok", "v", "", "v", NULL);
	admin_metric(&b, "a", 1, "ok", "v", "9l", "v", NULL);
	admin_metric(&b, "a", 1, "ok", "v", "l-1", "v", NULL);
	admin_metric(&b, "a", 1, "ok", "v", "é", "v", NULL);
	admin_metric(&b, "a", 1, "ok", "v", "_ok", "v", "__x", "v", NULL);
	admin_metric(&b, "a", 1, "ok", "v", "x", NULL);
	admin_metric(&b, "c", 3, NULL);
	assert_string_equal(b.data, "a 1\n_a:b_9{_=\"x\",A9_b=\"y\"} 2\nc 3\n");
	buf_free(&b);
}

/*
 * A histogram's text: bounds in seconds, cumulative counts, _sum in
 * seconds and _count, its labels (escaped) on every line before le.
 */
static void
test_histogram_text(void **state)
{
	static const char *const le[ADMIN_HISTOGRAM_NBOUNDS + 1] = {
		"0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1",
		"0.25", "0.5", "1", "2.5", "5", "10", "+Inf"
	};
	static const unsigned long cum[ADMIN_HISTOGRAM_NBOUNDS + 1] = {
		3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6
	};
	static struct expo	e;
	struct admin_histogram	h;
	struct buf		b, want;
	size_t			i;

	(void)state;
	buf_init(&b);
	buf_init(&want);
	memset(&h, 0, sizeof h);
	admin_histogram_write(&b, "h_seconds", &h, "k", "a\"b", NULL);
	for (i = 0; i <= ADMIN_HISTOGRAM_NBOUNDS; i++)
		buf_printf(&want, "h_seconds_bucket{k=\"a\\\"b\",le=\"%s\"} 0\n",
		    le[i]);
	buf_puts(&want, "h_seconds_sum{k=\"a\\\"b\"} 0\n"
	    "h_seconds_count{k=\"a\\\"b\"} 0\n");
	assert_string_equal(b.data, want.data);

	/* in ms: a negative one counts as 0, a bound is in its bucket */
	admin_histogram_observe(&h, -1);
	admin_histogram_observe(&h, 0.5);
	admin_histogram_observe(&h, 1);
	admin_histogram_observe(&h, 3);
	admin_histogram_observe(&h, 7500);
	admin_histogram_observe(&h, 60000);
	admin_histogram_observe(&h, NAN);
	assert_int_equal(h.count, 6);
	buf_reset(&b);
	buf_reset(&want);
	admin_metric_help(&b, "h_seconds", ADMIN_HISTOGRAM, "x");
	admin_histogram_write(&b, "h_seconds", &h, NULL);
	buf_puts(&want, "# HELP h_seconds x\n# TYPE h_seconds histogram\n");
	for (i = 0; i <= ADMIN_HISTOGRAM_NBOUNDS; i++)
		buf_printf(&want, "h_seconds_bucket{le=\"%s\"} %lu\n", le[i],
		    cum[i]);
	buf_puts(&want, "h_seconds_sum 67.5045\nh_seconds_count 6\n");
	assert_string_equal(b.data, want.data);
	assert_expo_ok(b.data, &e);
	buf_free(&b);
	buf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_parser_strict),
		cmocka_unit_test(test_label_escapes),
		cmocka_unit_test(test_help_escapes),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_histogram_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
