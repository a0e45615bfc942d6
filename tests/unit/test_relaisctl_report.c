/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl report: the figures of seeded figures hashes
 * (figures.h) per territory, by name, with a total and the change from the
 * month before; --csv rectangular, --from/--to, --lang, --html, the
 * overdue follow-ups of today; against a throwaway redis-server
 * (tests/unit/redis_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"
#include "territory.h"
#include "tz.h"

/* The figures' columns after month,territory,name. */
#define NFIG	16

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	struct ctl		 c;
	char			 url[200];
	char			 html[128];
	char			*out;
	size_t			 outlen;
};

static void	now(const char *);

static const struct ctl_opt report_opts[] = {
	{ "month", 0, 1 }, { "csv", 0, 0 }, { "from", 0, 1 }, { "to", 0, 1 },
	{ "lang", 0, 1 }, { "html", 0, 1 }, { NULL, 0, 0 }
};

static const struct ctl_cmd report_cmd = {
	.name = "report",
	.usage = "--month YYYY-MM",
	.opts = report_opts,
	.conf = CTL_CONF_REDIS,
	.exec = ctl_report,
};

/* A territory of the test's config. */
static void
territory(struct fx *f, const char *id, const char *fr, const char *en,
    const char *zone)
{
	struct territory	*t;
	const char		*clash;
	char			 err[128];

	t = xcalloc(1, sizeof *t);
	t->id = xstrdup(id);
	t->name_fr = xstrdup(fr);
	t->name_en = xstrdup(en);
	t->timezone = xstrdup(zone);
	if ((t->tz = tz_load(zone, err, sizeof err)) == NULL)
		fail_msg("%s: %s", zone, err);
	assert_int_equal(territory_set_add(f->cf.territories, t, &clash), 0);
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	snprintf(f->url, sizeof f->url, "unix://%s", f->srv.sock);
	f->cf.redis.url = f->url;
	f->cf.territories = territory_set_new();
	territory(f, "abitibi", "MRC d'Abitibi", "Abitibi RCM",
	    "America/Toronto");
	/* a comma in a name: quoted in the CSV */
	territory(f, "nord", "Nord, le grand", "The North", "America/Vancouver");
	f->cf.languages = xcalloc(2, sizeof *f->cf.languages);
	f->cf.languages[f->cf.nlanguages++] = xstrdup("fr");
	f->cf.languages[f->cf.nlanguages++] = xstrdup("en");
	f->c.cf = &f->cf;
	f->c.cmd = &report_cmd;
	snprintf(f->html, sizeof f->html, "%s/report.html", f->srv.dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	size_t		 i;

	redisFree(f->c.rc);
	unlink(f->html);
	test_redis_stop(&f->srv);
	territory_set_free(f->cf.territories);
	for (i = 0; i < f->cf.nlanguages; i++)
		free(f->cf.languages[i]);
	free(f->cf.languages);
	free(f->out);
	free(f);
	now(NULL);
	return 0;
}

/*
 * Runs ctl_report with options (name, value, ..., NULL; "" for a flag),
 * its standard output in f->out, its standard error thrown away.
 */
static int
run_report(struct fx *f, ...)
{
	const char	*val[16], *name;
	size_t		 opt[16], n = 0, k;
	struct ctl_args	 a;
	FILE		*out, *err;
	va_list		 ap;
	int		 so, se, rv;

	va_start(ap, f);
	while ((name = va_arg(ap, const char *)) != NULL) {
		for (k = 0; report_opts[k].name != NULL; k++) {
			if (strcmp(report_opts[k].name, name) == 0)
				break;
		}
		assert_non_null(report_opts[k].name);
		opt[n] = k;
		val[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	memset(&a, 0, sizeof a);
	a.opts = report_opts;
	a.val = val;
	a.opt = opt;
	a.nocc = n;
	fflush(stdout);
	fflush(stderr);
	assert_non_null(out = tmpfile());
	assert_non_null(err = tmpfile());
	so = dup(1);
	se = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rv = ctl_report(&f->c, &a);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	free(f->out);
	fseek(out, 0, SEEK_END);
	f->outlen = (size_t)ftell(out);
	rewind(out);
	assert_non_null(f->out = malloc(f->outlen + 1));
	assert_int_equal(fread(f->out, 1, f->outlen, out), f->outlen);
	f->out[f->outlen] = '\0';
	fclose(out);
	fclose(err);
	redisFree(f->c.rc);
	f->c.rc = NULL;
	return rv;
}

/* The last occurrence of needle in hay, or NULL. */
static const char *
test_last(const char *hay, const char *needle)
{
	const char	*p, *last = NULL;

	for (p = hay; (p = strstr(p, needle)) != NULL; p++)
		last = p;
	return last;
}

/* The whole file path into *out (malloc'ed); -1 when unreadable. */
static int
test_read(const char *path, char **out)
{
	FILE	*fp;
	long	 len;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	assert_non_null(*out = malloc((size_t)len + 1));
	assert_int_equal(fread(*out, 1, (size_t)len, fp), (size_t)len);
	(*out)[len] = '\0';
	fclose(fp);
	return 0;
}

/* relaisctl's clock set to at (RFC 3339), or to the real one (NULL). */
static void
now(const char *at)
{
	char	err[128];

	if (at != NULL)
		setenv("RELAIS_TEST_NOW", at, 1);
	else
		unsetenv("RELAIS_TEST_NOW");
	assert_true(clock_init(err, sizeof err) >= 0);
}

static void
seed(struct fx *f)
{
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:figures:abitibi:2026-11 "
	    "arrivals 3 welcomed 2 welcomed:email 2 sent:welcome:email 2 "
	    "sent:arrival_notice:email 3 sent:checkin:sms 1 "
	    "sent:followup_reminder:email 1 sent:match_alert:email 2 "
	    "candidates 4 dead 1 departures 1 optouts 1 followups_due 2 "
	    "followups_done 1"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:figures:abitibi:2026-10 "
	    "arrivals 2 welcomed 2 sent:welcome:email 2"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:figures:nord:2026-11 "
	    "arrivals 1 welcomed 1 welcomed:sms 1 sent:welcome:sms 1"));
	/* another prefix's figures are not ours */
	freeReplyObject(test_redis_cmd(&f->srv, "HSET other:figures:abitibi:"
	    "2026-11 arrivals 100"));
	/* reminded 20 days and 1 day before 2026-11-20, not done */
	freeReplyObject(test_redis_cmd(&f->srv, "ZADD t:followups-open:abitibi "
	    "1793448000000 d7:p-1 1795089600000 d30:p-2"));
}

/* Every line of f->out has as many CSV columns as the first. */
static void
rectangular(const struct fx *f, size_t want_lines)
{
	const char	*p;
	size_t		 cols = 0, first = 0, lines = 0;
	int		 quoted = 0;

	for (p = f->out; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			cols++;
		else if (*p == '\n' && !quoted) {
			if (lines++ == 0)
				first = cols;
			else if (cols != first)
				fail_msg("line %zu: %zu columns, not %zu:\n%s",
				    lines, cols + 1, first + 1, f->out);
			cols = 0;
		}
	}
	assert_int_equal(first + 1, 3 + NFIG);
	assert_int_equal(lines, want_lines);
}

static void
test_csv(void **state)
{
	struct fx	*f = *state;

	seed(f);
	now("2026-11-20T12:00:00Z");
	assert_int_equal(run_report(f, "month", "2026-11", "csv", "", NULL), 0);
	assert_string_equal(f->out,
	    "month,territory,name,arrivals,welcomed,welcomed_email,"
	    "welcomed_sms,candidates,departures,optouts,welcomes_sent,"
	    "notices_sent,checkins_sent,reminders_sent,alerts_sent,failed,"
	    "followups_due,followups_done,followups_overdue\n"
	    "2026-11,abitibi,MRC d'Abitibi,3,2,2,0,4,1,1,2,3,1,1,2,1,2,1,1\n"
	    "2026-11,nord,\"Nord, le grand\",1,1,0,1,0,0,0,1,0,0,0,0,0,0,0,0\n"
	    "2026-11,total,Total,4,3,2,1,4,1,1,3,3,1,1,2,1,2,1,1\n");
	rectangular(f, 4);

	/* a past month: overdue is today's, left empty */
	now("2026-12-20T12:00:00Z");
	assert_int_equal(run_report(f, "month", "2026-11", "csv", "", NULL), 0);
	assert_non_null(strstr(f->out,
	    "2026-11,abitibi,MRC d'Abitibi,3,2,2,0,4,1,1,2,3,1,1,2,1,2,1,\n"));
	rectangular(f, 4);
}

/* A fiscal year: a line per month and territory, and the month's total. */
static void
test_fiscal_year(void **state)
{
	struct fx	*f = *state;

	seed(f);
	now("2026-11-20T12:00:00Z");
	assert_int_equal(run_report(f, "from", "2026-04", "to", "2027-03",
	    "csv", "", NULL), 0);
	rectangular(f, 1 + 12 * 3);
	assert_non_null(strstr(f->out, "\n2026-04,abitibi,MRC d'Abitibi,0,"));
	assert_non_null(strstr(f->out, "\n2026-10,abitibi,MRC d'Abitibi,2,2,"));
	assert_non_null(strstr(f->out, "\n2027-03,total,Total,0,"));
}

/*
 * A range under way (the fiscal year, today in it): today's overdue is
 * shown, in the text and the page, though the range ends months later.
 */
static void
test_range_overdue(void **state)
{
	struct fx	*f = *state;
	const char	*row;
	char		 v[3][8];

	seed(f);
	now("2026-11-20T12:00:00Z");
	assert_int_equal(run_report(f, "from", "2026-04", "to", "2027-03",
	    "lang", "en", "html", f->html, NULL), 0);
	/* the range's block comes last, after each month's */
	if ((row = test_last(f->out, "  Follow-ups overdue")) == NULL)
		fail_msg("no overdue line:\n%s", f->out);
	/* abitibi 1, nord 0, total 1: not "-" */
	if (sscanf(row + 20, "%7s %7s %7s", v[0], v[1], v[2]) != 3 ||
	    strcmp(v[0], "1") != 0 || strcmp(v[1], "0") != 0 ||
	    strcmp(v[2], "1") != 0)
		fail_msg("overdue not shown for a range under way:\n%s", row);
	free(f->out);
	f->out = NULL;
	assert_int_equal(test_read(f->html, &f->out), 0);
	if ((row = strstr(f->out, "<tr id=\"row-followups_overdue\">")) ==
	    NULL || strstr(row, "</tr>") == NULL ||
	    strncmp(strstr(row, "</th>"), "</th><td>1</td><td>0</td>"
	    "<td>1</td>", 35) != 0)
		fail_msg("overdue not in the page's table:\n%.300s",
		    row != NULL ? row : f->out);

	/* a range over: "-" */
	now("2027-05-20T12:00:00Z");
	assert_int_equal(run_report(f, "from", "2026-04", "to", "2027-03",
	    "lang", "en", NULL), 0);
	if ((row = test_last(f->out, "  Follow-ups overdue")) == NULL ||
	    sscanf(row + 20, "%7s", v[0]) != 1 || strcmp(v[0], "-") != 0)
		fail_msg("overdue shown for a range over:\n%s", f->out);
}

static void
test_text(void **state)
{
	struct fx	*f = *state;

	seed(f);
	now("2026-11-20T12:00:00Z");
	assert_int_equal(run_report(f, "month", "2026-11", NULL), 0);
	/* French first: names, the total, the change from October */
	if (strstr(f->out, "novembre 2026") == NULL ||
	    strstr(f->out, "MRC d'Abitibi") == NULL ||
	    strstr(f->out, "vs 2026-10") == NULL ||
	    strstr(f->out, "Personnes\n") == NULL ||
	    strstr(f->out, "Messages\n") == NULL)
		fail_msg("not the French report:\n%s", f->out);
	/* arrivals 4 against 2: +100 %; alerts 2 against none: new */
	if (strstr(f->out, "+100\xe2\x80\xaf%") == NULL ||
	    strstr(f->out, "nouveau") == NULL)
		fail_msg("no change:\n%s", f->out);
	assert_non_null(strstr(f->out, "  Arrivées    "));

	assert_int_equal(run_report(f, "month", "2026-11", "lang", "en",
	    NULL), 0);
	if (strstr(f->out, "November 2026") == NULL ||
	    strstr(f->out, "Abitibi RCM") == NULL ||
	    strstr(f->out, "The North") == NULL ||
	    strstr(f->out, "+100%") == NULL ||
	    strstr(f->out, "  Arrivals ") == NULL)
		fail_msg("not the English report:\n%s", f->out);
}

/* The page: written whole, French, names, tables and charts, well-formed. */
static void
test_html(void **state)
{
	struct fx	*f = *state;
	char		*page, cmd[512];
	size_t		 len;
	FILE		*fp;
	int		 rc;

	seed(f);
	now("2026-11-20T12:00:00Z");
	assert_int_equal(run_report(f, "month", "2026-11", "csv", "",
	    "html", f->html, NULL), 0);
	assert_non_null(strstr(f->out, "month,territory,"));
	assert_non_null(fp = fopen(f->html, "r"));
	fseek(fp, 0, SEEK_END);
	len = (size_t)ftell(fp);
	rewind(fp);
	page = malloc(len + 1);
	assert_non_null(page);
	assert_int_equal(fread(page, 1, len, fp), len);
	page[len] = '\0';
	fclose(fp);
	assert_true(strncmp(page, "<!DOCTYPE html>\n<html lang=\"fr\">", 32)
	    == 0);
	assert_non_null(strstr(page, "<style>"));
	assert_non_null(strstr(page, "<main>"));
	assert_non_null(strstr(page, "MRC d&#39;Abitibi"));
	assert_non_null(strstr(page, "<svg xmlns="));
	assert_non_null(strstr(page, "id=\"chart-arrivals\""));
	assert_non_null(strstr(page, "id=\"table-people\""));
	assert_non_null(strstr(page, "id=\"table-messages\""));
	/* self-contained */
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<link"));
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "@import"));
	assert_true(strstr(page, "</html>\n") == page + len - 8);
	free(page);
	/* an XML parser reads it whole (it is written so); none: skipped */
	snprintf(cmd, sizeof cmd, "command -v python3 >/dev/null || exit 0; "
	    "python3 -c 'import sys, xml.etree.ElementTree as E; "
	    "E.parse(sys.argv[1])' '%s'", f->html);
	rc = system(cmd);
	assert_int_equal(rc, 0);

	/* a file that cannot be written: 1 */
	assert_int_equal(run_report(f, "month", "2026-11", "html",
	    "/nonexistent/dir/r.html", NULL), 1);
}

static void
test_bad_args(void **state)
{
	struct fx	*f = *state;
	static const char *const bad[] = { "2024-13", "2024-00", "2024-3",
	    "2024-03x", "March", "" };
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (run_report(f, "month", bad[i], NULL) != 2)
			fail_msg("--month \"%s\": expected 2", bad[i]);
		assert_string_equal(f->out, "");
	}
	assert_int_equal(run_report(f, "csv", "", NULL), 2);
	assert_int_equal(run_report(f, "from", "2026-04", NULL), 2);
	assert_int_equal(run_report(f, "to", "2026-04", NULL), 2);
	assert_int_equal(run_report(f, "from", "2026-05", "to", "2026-04",
	    NULL), 2);
	assert_int_equal(run_report(f, "from", "2000-01", "to", "2026-04",
	    NULL), 2);
	assert_int_equal(run_report(f, "month", "2026-04", "from", "2026-04",
	    "to", "2026-05", NULL), 2);
	assert_int_equal(run_report(f, "month", "2026-04", "lang", "de",
	    NULL), 2);
	assert_int_equal(run_report(f, "month", "2026-04", "html", "", NULL),
	    2);
	assert_string_equal(f->out, "");
}

/* Redis not there: 1, nothing printed. */
static void
test_no_redis(void **state)
{
	struct fx	*f = *state;

	test_redis_kill(&f->srv);
	assert_int_equal(run_report(f, "month", "2024-03", "csv", "", NULL),
	    1);
	assert_string_equal(f->out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fiscal_year, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_overdue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_redis, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
