/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for svg.c: the charts are well-formed XML (a small checker
 * here: tags balanced, attributes quoted, only the five entities and
 * numeric ones), text is escaped, and zero, one and many points draw.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "svg.h"
#include "utf8.h"

/*
 * 0 when s is one well-formed element (what an XML parser would accept of
 * our output: no comments, no CDATA, no processing instructions); else -1
 * with why.
 */
static int
test_xml(const char *s, char *why, size_t whylen)
{
	char		 stack[64][32], name[32];
	const char	*p = s, *q;
	size_t		 depth = 0, n;
	int		 closing, roots = 0;

	if (utf8_valid(s, strlen(s), NULL) == -1) {
		snprintf(why, whylen, "not UTF-8");
		return -1;
	}
	while (*p != '\0') {
		if (*p == '&') {
			if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
			    strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
			    strncmp(p, "&#39;", 5)) {
				snprintf(why, whylen, "bad entity at %.20s", p);
				return -1;
			}
			p++;
			continue;
		}
		if (*p == '>' ) {
			snprintf(why, whylen, "raw > in text at %.20s", p);
			return -1;
		}
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
			snprintf(why, whylen, "control character");
			return -1;
		}
		if (*p != '<') {
			if (depth == 0 && !isspace((unsigned char)*p)) {
				snprintf(why, whylen, "text outside the root");
				return -1;
			}
			p++;
			continue;
		}
		closing = p[1] == '/';
		p += closing ? 2 : 1;
		for (n = 0; isalnum((unsigned char)p[n]) || p[n] == '-'; n++)
			;
		if (n == 0 || n >= sizeof name) {
			snprintf(why, whylen, "bad tag name at %.20s", p);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		if (closing) {
			if (*p != '>' || depth == 0 ||
			    strcmp(stack[depth - 1], name) != 0) {
				snprintf(why, whylen, "</%s> does not close <%s>",
				    name, depth > 0 ? stack[depth - 1] : "");
				return -1;
			}
			depth--;
			p++;
			continue;
		}
		/* attributes: name="value", value without < or raw & */
		for (;;) {
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			for (n = 0; isalnum((unsigned char)p[n]) || p[n] == '-' ||
			    p[n] == ':'; n++)
				;
			if (n == 0 || p[n] != '=' || p[n + 1] != '"') {
				snprintf(why, whylen, "bad attribute in <%s> at "
				    "%.20s", name, p);
				return -1;
			}
			p += n + 2;
			if ((q = strchr(p, '"')) == NULL) {
				snprintf(why, whylen, "unclosed attribute");
				return -1;
			}
			for (; p < q; p++) {
				if (*p == '<' || (*p == '&' && strncmp(p, "&amp;",
				    5) && strncmp(p, "&quot;", 6) && strncmp(p,
				    "&lt;", 4) && strncmp(p, "&gt;", 4) &&
				    strncmp(p, "&#39;", 5))) {
					snprintf(why, whylen, "bad attribute "
					    "value in <%s>", name);
					return -1;
				}
			}
			p++;
		}
		if (depth == 0 && roots++ > 0) {
			snprintf(why, whylen, "two roots");
			return -1;
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		p++;
		if (depth == sizeof stack / sizeof stack[0]) {
			snprintf(why, whylen, "too deep");
			return -1;
		}
		snprintf(stack[depth++], sizeof stack[0], "%s", name);
	}
	if (depth != 0 || roots != 1) {
		snprintf(why, whylen, "unclosed <%s>", depth > 0 ?
		    stack[depth - 1] : "?");
		return -1;
	}
	return 0;
}

static void
test_wellformed(const char *s)
{
	char	why[128];

	if (test_xml(s, why, sizeof why) == -1)
		fail_msg("not well-formed: %s:\n%s", why, s);
}

/* How many times needle is in s. */
static size_t
test_count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static const char *const test_months[] = { "2025-12", "2026-01", "2026-02",
	"2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08",
	"2026-09", "2026-10", "2026-11", "2026-12" };

/* The checker itself refuses what it must. */
static void
test_checker(void **state)
{
	static const char *const bad[] = { "<a><b></a></b>", "<a>&nbsp;</a>",
	    "<a x=1></a>", "<a></a><b></b>", "<a>", "text<a></a>",
	    "<a x=\"<\"></a>", "<a>\x01</a>", "<a>\xff</a>" };
	char	why[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (test_xml(bad[i], why, sizeof why) == 0)
			fail_msg("the checker took %s", bad[i]);
	}
	assert_int_equal(test_xml("<a x=\"1\"><b/>t&amp;</a>\n", why,
	    sizeof why), 0);
}

static void
test_line(void **state)
{
	double		 a[13] = { 3, 5, 2, 8, 0, 4, 6, 7, 9, 12, 3, 4, 5 };
	double		 b2[13] = { 0 };
	struct svg_series s[] = { { "MRC d'Abitibi", a },
	    { "Rouyn <Noranda> & \"co\"", b2 }, { "no values", NULL } };
	struct svg_chart c = { .id = "arrivals", .title = "Arrivées <par> mois",
	    .desc = "Une ligne par territoire & le total", .xlabel = "Mois",
	    .ylabel = "Personnes", .cats = test_months, .ncats = 13,
	    .series = s, .nseries = 3 };
	struct buf	 out;

	(void)state;
	buf_init(&out);
	svg_line_chart(&out, &c);
	test_wellformed(out.data);
	assert_non_null(strstr(out.data, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(out.data, "role=\"img\""));
	assert_non_null(strstr(out.data, "aria-labelledby=\"arrivals-t\""));
	assert_non_null(strstr(out.data, "aria-describedby=\"arrivals-d\""));
	assert_non_null(strstr(out.data,
	    "<title>Arrivées &lt;par&gt; mois</title>"));
	assert_non_null(strstr(out.data, "<text id=\"arrivals-t\""));
	assert_non_null(strstr(out.data, "Une ligne par territoire &amp; le total"));
	assert_non_null(strstr(out.data,
	    "Rouyn &lt;Noranda&gt; &amp; &quot;co&quot;"));
	assert_non_null(strstr(out.data, "MRC d&#39;Abitibi"));
	assert_null(strstr(out.data, "<Noranda>"));
	/* a line per series, a point with its tooltip per value */
	assert_int_equal(test_count(out.data, "<polyline"), 3);
	assert_int_equal(test_count(out.data, "<g><title>"), 39);
	assert_non_null(strstr(out.data, "MRC d&#39;Abitibi, 2026-09: 12"));
	/* the axis reaches the highest value: 12, ticks of 5 up to 15 */
	assert_non_null(strstr(out.data, ">15</text>"));
	/* the last month's label is always shown */
	assert_non_null(strstr(out.data, ">2026-12</text>"));
	/* self-contained: no outside reference */
	assert_null(strstr(out.data, "href"));
	assert_null(strstr(out.data, "<script"));
	assert_null(strstr(out.data, "@import"));
	buf_free(&out);
}

/* No category, one category, every value 0: still a chart. */
static void
test_edges(void **state)
{
	double		 one[1] = { 4 }, zero[1] = { 0 };
	struct svg_series s[] = { { "a", one }, { "b", zero } };
	struct svg_chart c = { .title = "t", .cats = test_months,
	    .series = s, .nseries = 2 };
	struct buf	 out;

	(void)state;
	buf_init(&out);
	c.ncats = 0;
	svg_line_chart(&out, &c);
	test_wellformed(out.data);
	assert_int_equal(test_count(out.data, "<polyline"), 0);
	buf_reset(&out);
	svg_bar_chart(&out, &c);
	test_wellformed(out.data);
	assert_int_equal(test_count(out.data, "<rect x="), 2);	/* legend */

	buf_reset(&out);
	c.ncats = 1;
	svg_line_chart(&out, &c);
	test_wellformed(out.data);
	assert_int_equal(test_count(out.data, "<polyline"), 0);
	assert_int_equal(test_count(out.data, "<g><title>"), 2);
	assert_non_null(strstr(out.data, "a, 2025-12: 4"));

	buf_reset(&out);
	s[0].v = zero;
	svg_line_chart(&out, &c);
	test_wellformed(out.data);
	/* an axis from 0 to 1, not a division by zero */
	assert_non_null(strstr(out.data, ">1</text>"));
	assert_null(strstr(out.data, "nan"));
	assert_null(strstr(out.data, "inf"));

	/* no series at all */
	buf_reset(&out);
	c.nseries = 0;
	c.ncats = 3;
	svg_bar_chart(&out, &c);
	test_wellformed(out.data);
	buf_free(&out);
}

static void
test_bars(void **state)
{
	const char	*cats[] = { "Abitibi", "Témiscamingue" };
	double		 v[9][2];
	struct svg_series s[9];
	char		 names[9][16];
	struct svg_chart c = { .id = "9 bad<id>\"", .title = "Messages",
	    .cats = cats, .ncats = 2, .series = s, .nseries = 9 };
	struct buf	 out;
	size_t		 i;

	(void)state;
	for (i = 0; i < 9; i++) {
		snprintf(names[i], sizeof names[i], "kind %zu", i);
		s[i].name = names[i];
		s[i].v = v[i];
		v[i][0] = (double)i;
		v[i][1] = 2.5 * (double)i;
	}
	v[3][1] = -4;		/* below zero: drawn as 0 */
	buf_init(&out);
	svg_bar_chart(&out, &c);
	test_wellformed(out.data);
	/* the id made safe: letters, digits, - and _, starting with a letter */
	assert_non_null(strstr(out.data, "id=\"chart9badid\""));
	assert_non_null(strstr(out.data, "url(#chart9badid-p0)"));
	/* a bar per series and category, and a legend swatch per series */
	assert_int_equal(test_count(out.data, "<rect x="), 18 + 9);
	/* more series than looks: they come round again */
	assert_int_equal(test_count(out.data, "<pattern "), SVG_NSTYLES);
	assert_non_null(strstr(out.data, "kind 3, Témiscamingue: 0<"));
	assert_non_null(strstr(out.data, "kind 1, Témiscamingue: 2.5<"));
	assert_string_equal(svg_colour(0), svg_colour(SVG_NSTYLES));
	buf_free(&out);
}

static void
test_escape(void **state)
{
	struct buf	out;

	(void)state;
	buf_init(&out);
	svg_escape(&out, "a<b>&\"c'\x01\x7f\xc2\x85 \xff\xfe é\t\n");
	assert_string_equal(out.data, "a&lt;b&gt;&amp;&quot;c&#39;"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
	    "é\t\n");
	buf_reset(&out);
	svg_escape(&out, NULL);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
