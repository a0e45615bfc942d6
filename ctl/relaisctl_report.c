/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl report: a month's figures per territory, from the delivery records and the handlers' counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "relaisctl.h"

/* One territory's line of the monthly report. */
struct ctl_report_row {
	char		territory[64];
	unsigned long	welcomes, notices, checkins, alerts, failed;
	unsigned long	arrivals, due, done, overdue, departures;
};

/* A follow-up reminded this long ago and not done counts as overdue. */
#define CTL_OVERDUE_DAYS	14

static struct ctl_report_row *
ctl_report_row(struct ctl_report_row **rows, size_t *n, const char *t)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*rows)[i].territory, t) == 0)
			return &(*rows)[i];
	}
	*rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
	memset(&(*rows)[*n], 0, sizeof **rows);
	snprintf((*rows)[*n].territory, sizeof (*rows)[*n].territory, "%s", t);
	return &(*rows)[(*n)++];
}

/* Counts one entry of relais:deliveries into the report. */
static void
ctl_report_count(struct ctl_report_row **rows, size_t *n,
    const redisReply *f)
{
	struct ctl_report_row	*r;
	const char		*tpl = ctl_field(f, "template");
	const char		*outcome = ctl_field(f, "outcome");

	if (*ctl_field(f, "territory") == '\0')
		return;		/* a provider's status report */
	r = ctl_report_row(rows, n, ctl_field(f, "territory"));
	if (strcmp(outcome, "dead") == 0) {
		r->failed++;
		return;
	}
	if (strcmp(outcome, "sent") != 0)
		return;
	if (strcmp(tpl, "welcome") == 0)
		r->welcomes++;
	else if (strcmp(tpl, "arrival_notice") == 0)
		r->notices++;
	else if (strcmp(tpl, "checkin") == 0)
		r->checkins++;
	else if (strcmp(tpl, "match_alert") == 0)
		r->alerts++;
}

/* The handlers' monthly figures: stats:<YYYY-MM> "<territory>:<figure>". */
static int
ctl_report_stats(struct ctl *c, const char *month,
    struct ctl_report_row **rows, size_t *n)
{
	struct ctl_report_row	*r;
	redisReply		*rep;
	char			 name[64], t[64], *colon;
	const char		*f;
	unsigned long		 v;
	size_t			 i;

	snprintf(name, sizeof name, "stats:%s", month);
	rep = redisCommand(c->rc, "HGETALL %s", ctl_key(c, name));
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		return -1;
	}
	for (i = 0; i + 1 < rep->elements; i += 2) {
		snprintf(t, sizeof t, "%s", rep->element[i]->str);
		if ((colon = strchr(t, ':')) == NULL)
			continue;
		*colon = '\0';
		f = colon + 1;
		v = strtoul(rep->element[i + 1]->str, NULL, 10);
		r = ctl_report_row(rows, n, t);
		if (strcmp(f, "arrivals") == 0)
			r->arrivals += v;
		else if (strcmp(f, "followups_due") == 0)
			r->due += v;
		else if (strcmp(f, "followups_done") == 0)
			r->done += v;
		else if (strcmp(f, "departures") == 0)
			r->departures += v;
	}
	freeReplyObject(rep);
	return 0;
}

/*
 * Follow-ups overdue today: reminded more than CTL_OVERDUE_DAYS ago and not
 * marked done, by the person's territory (read from the stored persons).
 */
static int
ctl_report_overdue(struct ctl *c, struct ctl_report_row **rows, size_t *n)
{
	redisReply	*rep, *h;
	char		 cursor[32] = "0", match[300];
	const char	*t;
	long long	 at, limit;
	size_t		 i, k;

	limit = clock_now_ms() - CTL_OVERDUE_DAYS * 86400000LL;
	snprintf(match, sizeof match, "%sperson:*", c->cf->redis.prefix);
	do {
		rep = redisCommand(c->rc, "SCAN %s MATCH %s COUNT 1000", cursor,
		    match);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
		    rep->elements != 2) {
			freeReplyObject(rep);
			return -1;
		}
		snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
		/* one round trip per page, not per person */
		for (i = 0; i < rep->element[1]->elements; i++)
			redisAppendCommand(c->rc, "HGETALL %s",
			    rep->element[1]->element[i]->str);
		for (i = 0; i < rep->element[1]->elements; i++) {
			if (redisGetReply(c->rc, (void **)&h) != REDIS_OK) {
				freeReplyObject(rep);
				return -1;
			}
			if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
				freeReplyObject(h);
				continue;
			}
			t = ctl_field(h, "territory");
			for (k = 0; *t != '\0' && *ctl_field(h, "departed") ==
			    '\0' && k + 1 < h->elements; k += 2) {
				if (strncmp(h->element[k]->str, "fu:", 3) != 0 ||
				    sscanf(h->element[k + 1]->str, "reminded %lld",
				    &at) != 1 || at > limit)
					continue;
				ctl_report_row(rows, n, t)->overdue++;
			}
			freeReplyObject(h);
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* The rows being counted. */
struct ctl_report_rows {
	struct ctl_report_row	**rows;
	size_t			 *n;
};

static void
ctl_report_delivery(struct ctl *c, const redisReply *e, void *arg)
{
	struct ctl_report_rows	*rr = arg;

	(void)c;
	ctl_report_count(rr->rows, rr->n, e->element[1]);
}

/* The deliveries of ms from..to (the month) counted, page by page; -1 on failure. */
static int
ctl_report_deliveries(struct ctl *c, long long from, long long to,
    struct ctl_report_row **rows, size_t *n)
{
	struct ctl_report_rows	 rr = { rows, n };
	char			 start[32], end[32], err[256];

	snprintf(start, sizeof start, "%lld", from);
	snprintf(end, sizeof end, "%lld", to);
	return ctl_xrange(c, ctl_key(c, "deliveries"), start, end, 1000,
	    ctl_report_delivery, &rr, err, sizeof err);
}

/* The table (or CSV) of month's figures, a row per territory. */
static void
ctl_report_print(const char *month, const struct ctl_report_row *rows,
    size_t n, unsigned long optouts, int csv)
{
	size_t	i;

	if (csv)
		printf("territory,arrivals,welcomes,counsellor_notices,"
		    "followups_due,followups_done,followups_overdue,checkins,"
		    "employer_alerts,departures,failed\n");
	else
		printf("%-16s %8s %8s %8s %8s %8s %8s %9s %8s %8s %7s\n", month,
		    "arrivals", "welcomes", "notices", "fu-due", "fu-done",
		    "overdue", "check-ins", "alerts", "departed", "failed");
	for (i = 0; i < n; i++) {
		const struct ctl_report_row *r = &rows[i];

		printf(csv ? "%s,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu\n" :
		    "%-16s %8lu %8lu %8lu %8lu %8lu %8lu %9lu %8lu %8lu %7lu\n",
		    r->territory, r->arrivals, r->welcomes, r->notices, r->due,
		    r->done, r->overdue, r->checkins, r->alerts, r->departures,
		    r->failed);
	}
	if (!csv)
		printf("opt-outs recorded in %s (all channels): %lu\n"
		    "welcomes, notices, check-ins, alerts and failures count "
		    "the messages sent\n(from relais:deliveries, which keeps "
		    "the last deliveries_maxlen outcomes);\noverdue: follow-ups "
		    "reminded over %d days ago and not marked done, today\n",
		    month, optouts, CTL_OVERDUE_DAYS);
	else
		printf("opt-outs,%lu\n", optouts);
}

int
ctl_report(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_report_row	*rows = NULL;
	redisReply		*rep;
	struct tm		 tm;
	const char		*month = ctl_opt(a, "month");
	size_t			 n = 0, i;
	long long		 from, to;
	int			 y, m;
	unsigned long		 optouts = 0;

	if (month == NULL || sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 ||
	    m > 12 || strlen(month) != 7)
		return ctl_usage_error(c, "--month YYYY-MM is needed");
	/* stream ids are milliseconds: the month, in UTC */
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	from = (long long)timegm(&tm) * 1000;
	tm.tm_mon += 1;
	to = (long long)timegm(&tm) * 1000 - 1;
	if (ctl_connect(c) == -1)
		return 1;
	if (ctl_report_deliveries(c, from, to, &rows, &n) == -1 ||
	    ctl_report_stats(c, month, &rows, &n) == -1 ||
	    ctl_report_overdue(c, &rows, &n) == -1) {
		free(rows);
		return 1;
	}
	/* opt-outs recorded this month (the suppression records are dated) */
	rep = redisCommand(c->rc, "HVALS %s", ctl_key(c, "suppressed"));
	for (i = 0; rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    i < rep->elements; i++) {
		if (strstr(rep->element[i]->str, month) != NULL)
			optouts++;
	}
	freeReplyObject(rep);
	ctl_report_print(month, rows, n, optouts, ctl_opt(a, "csv") != NULL);
	free(rows);
	return 0;
}
