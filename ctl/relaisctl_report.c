/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl report: the programme's figures per territory and local month (figures.h), as text, CSV or a page with charts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "config_int.h"
#include "diag.h"
#include "figures.h"
#include "relaisctl.h"
#include "relaisctl_report.h"
#include "territory.h"
#include "utf8.h"
#include "ynode.h"

/* The longest period asked for: ten years. */
#define CTL_REPORT_MAX_MONTHS	120
/* The charts of a period of one month show the year up to it. */
#define CTL_REPORT_TREND	12

/* The months to read: the charts' first (or the month before the period) to the last. */
static int
ctl_report_months(struct ctl_report *r, const char *from, const char *to)
{
	char	first[FIGURES_MONTH_SIZE], before[FIGURES_MONTH_SIZE];
	size_t	span, i;

	span = (size_t)figures_month_span(from, to);
	if (figures_month_add(from, -1, before) == -1)
		snprintf(before, sizeof before, "%s", from);
	snprintf(first, sizeof first, "%s", before);
	if (span < 2 && figures_month_add(to, -(CTL_REPORT_TREND - 1),
	    first) == -1)
		snprintf(first, sizeof first, "%s", before);
	if (strcmp(first, before) > 0)
		snprintf(first, sizeof first, "%s", before);
	r->nm = (size_t)figures_month_span(first, to);
	r->m = xcalloc(r->nm, sizeof *r->m);
	for (i = 0; i < r->nm; i++)
		figures_month_add(first, (int)i, r->m[i]);
	r->p1 = r->nm - 1;
	r->p0 = r->nm - span;
	r->c0 = span < 2 ? (r->nm > CTL_REPORT_TREND ? r->nm -
	    CTL_REPORT_TREND : 0) : r->p0;
	return 0;
}

/* The figures of every territory and month, and the overdue today: pipelined. */
static int
ctl_report_read(struct ctl *c, struct ctl_report *r)
{
	const char	*prefix = c->cf->redis.prefix;
	redisReply	*rep;
	char		 key[512], max[32];
	size_t		 ti, mi, n = 0, i;
	int		 rv = 0;

	figures_overdue_max(clock_now_ms(), max, sizeof max);
	for (ti = 0; ti < r->nt; ti++) {
		for (mi = 0; mi < r->nm; mi++) {
			figures_init(&r->f[ti * r->nm + mi], r->t[ti]->id,
			    r->m[mi]);
			if (figures_key(key, sizeof key, prefix, r->t[ti]->id,
			    r->m[mi]) == -1)
				snprintf(key, sizeof key, "%s", "-");
			redisAppendCommand(c->rc, "HGETALL %s", key);
			n++;
		}
		if (figures_open_key(key, sizeof key, prefix, r->t[ti]->id) ==
		    -1)
			snprintf(key, sizeof key, "%s", "-");
		redisAppendCommand(c->rc, "ZCOUNT %s -inf %s", key, max);
		n++;
	}
	for (i = 0; i < n; i++) {
		ti = i / (r->nm + 1);
		mi = i % (r->nm + 1);
		if (redisGetReply(c->rc, (void **)&rep) != REDIS_OK) {
			fprintf(stderr, "relaisctl: Redis: %s\n", c->rc->errstr);
			return -1;
		}
		if (mi < r->nm) {
			if (figures_decode(&r->f[ti * r->nm + mi], rep) == -1) {
				fprintf(stderr, "relaisctl: HGETALL of the "
				    "figures failed: %s\n", rep != NULL &&
				    rep->type == REDIS_REPLY_ERROR ? rep->str :
				    "unexpected reply");
				rv = -1;
			}
		} else if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
			fprintf(stderr, "relaisctl: ZCOUNT of the open "
			    "follow-ups failed\n");
			rv = -1;
		} else {
			/* today's, with the territory's month of today */
			for (mi = 0; mi < r->nm; mi++) {
				if (strcmp(r->m[mi], r->now[ti]) == 0)
					r->f[ti * r->nm + mi].followups_overdue
					    = (unsigned long)rep->integer;
			}
		}
		freeReplyObject(rep);
	}
	for (mi = 0; mi < r->nm; mi++) {
		figures_init(&r->f[r->nt * r->nm + mi], "total", r->m[mi]);
		for (ti = 0; ti < r->nt; ti++)
			figures_sum(&r->f[r->nt * r->nm + mi],
			    &r->f[ti * r->nm + mi]);
	}
	return rv;
}

/* s, then spaces up to width characters (cut with "…" when longer). */
static void
ctl_report_pad(const char *s, size_t width, int right)
{
	size_t	len = strlen(s), n = utf8_count(s, len), keep, i;

	if (n > width) {
		keep = utf8_cut_chars(s, len, width - 1);
		printf("%.*s\xe2\x80\xa6", (int)keep, s);
		return;
	}
	if (right) {
		for (i = n; i < width; i++)
			putchar(' ');
	}
	fputs(s, stdout);
	if (!right) {
		for (i = n; i < width; i++)
			putchar(' ');
	}
}

/*
 * A territory's name over two header lines of width characters: cut after
 * the last space or hyphen that leaves the rest fitting ("MRC de La" /
 * "Vallée-de-l'Or"); a name that fits goes on the second line.
 */
static void
ctl_report_split(const char *name, size_t width, char *l1, char *l2,
    size_t len)
{
	size_t	n = strlen(name), i, chars = 0, cut = 0;

	snprintf(l1, len, "%s", "");
	snprintf(l2, len, "%s", name);
	if (utf8_count(name, n) <= width)
		return;
	for (i = 0; i < n; i++) {
		if (((unsigned char)name[i] & 0xc0) != 0x80)
			chars++;
		if (chars > width)
			break;
		if ((name[i] == ' ' || name[i] == '-') &&
		    utf8_count(name + i + 1, n - i - 1) <= width)
			cut = i + 1;
		if (cut != 0 && name[i] == ' ')
			break;
	}
	if (cut == 0)
		return;		/* cut with "…" when padded */
	snprintf(l1, len, "%.*s", (int)(name[cut - 1] == ' ' ? cut - 1 : cut),
	    name);
	snprintf(l2, len, "%s", name + cut);
}

/* One block of the text report: months a..b, changed from month prev (SIZE_MAX: none). */
static void
ctl_report_block(const struct ctl_report *r, size_t a, size_t b, size_t prev)
{
	const struct figures_def	*d;
	char				 title[128], m1[48], m2[48], ch[32];
	char				 l1[128], l2[128];
	size_t				 ti, i;
	int				 fr = strcmp(r->lang, "fr") == 0, u;

	ctl_report_month_name(r, r->m[a], m1, sizeof m1);
	ctl_report_month_name(r, r->m[b], m2, sizeof m2);
	if (a == b)
		snprintf(title, sizeof title, "%s", m1);
	else
		snprintf(title, sizeof title, "%s %s %s", m1, fr ? "à" : "to",
		    m2);
	/* the names over two lines, then the title on the second */
	ctl_report_pad("", 30, 0);
	for (ti = 0; ti < r->nt; ti++) {
		ctl_report_split(ctl_report_name(r, ti), 14, l1, l2,
		    sizeof l1);
		putchar(' ');
		ctl_report_pad(l1, 14, 1);
	}
	putchar('\n');
	ctl_report_pad(title, 30, 0);
	for (ti = 0; ti < r->nt; ti++) {
		ctl_report_split(ctl_report_name(r, ti), 14, l1, l2,
		    sizeof l1);
		putchar(' ');
		ctl_report_pad(l2, 14, 1);
	}
	putchar(' ');
	ctl_report_pad("Total", 9, 1);
	if (prev != SIZE_MAX) {
		snprintf(m1, sizeof m1, "vs %s", r->m[prev]);
		putchar(' ');
		ctl_report_pad(m1, 11, 1);
	}
	putchar('\n');
	for (u = FIGURES_PEOPLE; u <= FIGURES_FOLLOWUPS; u++) {
		printf("%s\n", ctl_report_unit(r, (enum figures_unit)u));
		for (i = 0; (d = figures_def_at(i)) != NULL; i++) {
			if ((int)d->unit != u)
				continue;
			fputs("  ", stdout);
			ctl_report_pad(figures_label(d, r->lang), 28, 0);
			/* overdue is today's: not past months' alone */
			if (strcmp(d->id, "followups_overdue") == 0 &&
			    !ctl_report_today_in(r, a, b)) {
				for (ti = 0; ti <= r->nt; ti++) {
					putchar(' ');
					ctl_report_pad("-", ti < r->nt ? 14 : 9,
					    1);
				}
				putchar('\n');
				continue;
			}
			for (ti = 0; ti <= r->nt; ti++) {
				snprintf(ch, sizeof ch, "%lu", ctl_report_value(r,
				    ti, i, a, b));
				putchar(' ');
				ctl_report_pad(ch, ti < r->nt ? 14 : 9, 1);
			}
			if (prev != SIZE_MAX &&
			    strcmp(d->id, "followups_overdue") != 0) {
				ctl_report_change(r, ctl_report_value(r, r->nt,
				    i, prev, prev), ctl_report_value(r, r->nt, i,
				    a, b), ch, sizeof ch);
				putchar(' ');
				ctl_report_pad(ch, 11, 1);
			}
			putchar('\n');
		}
	}
}

static void
ctl_report_text(const struct ctl_report *r)
{
	size_t	mi;
	int	fr = strcmp(r->lang, "fr") == 0;

	for (mi = r->p0; mi <= r->p1; mi++) {
		ctl_report_block(r, mi, mi, mi > 0 ? mi - 1 : SIZE_MAX);
		putchar('\n');
	}
	if (r->p1 > r->p0) {
		ctl_report_block(r, r->p0, r->p1, SIZE_MAX);
		putchar('\n');
	}
	printf("%s\n", fr ?
	    "Mois locaux de chaque territoire. Les personnes sont comptées "
	    "une fois (un accueil :\nle premier par canal); les messages, "
	    "chacun. En retard : les suivis rappelés il y a\nplus de 14 jours "
	    "et non faits, aujourd'hui (avec le mois en cours).\n"
	    "Un retour après un départ compte comme une arrivée (et un "
	    "départ), pas comme une\npersonne accueillie de plus. Envois en "
	    "échec : chaque échec, même d'un envoi\nrejoué. Désabonnements : "
	    "adresses signalées par un fournisseur lors d'un envoi.\n"
	    "Candidats : comptés quand l'alerte qui les présente est consignée, "
	    "envoyée ou non." :
	    "Each territory's local months. People count once (welcomed: "
	    "their first welcome\nper channel); messages, each. Overdue: "
	    "follow-ups reminded over 14 days ago and not\ndone, today (shown "
	    "with the current month).\n"
	    "A return after a departure counts as an arrival (and a "
	    "departure), not as one\nmore person welcomed. Failed "
	    "deliveries: each failure, a replayed one's too.\nOpt-outs: "
	    "addresses a provider reported on a send. Candidates: counted "
	    "when\nthe alert naming them is recorded, sent or not.");
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void
ctl_report_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/*
 * month,territory,name,<a column per figure>: a line per territory and
 * month of the period, then the month's total; every line as many columns
 * as the header. Overdue is empty but for the current month.
 */
static void
ctl_report_csv(const struct ctl_report *r)
{
	const struct figures_def	*d;
	size_t				 mi, ti, i;

	fputs("month,territory,name", stdout);
	for (i = 0; (d = figures_def_at(i)) != NULL; i++)
		printf(",%s", d->id);
	putchar('\n');
	for (mi = r->p0; mi <= r->p1; mi++) {
		for (ti = 0; ti <= r->nt; ti++) {
			printf("%s,", r->m[mi]);
			ctl_report_csv_field(ti < r->nt ? r->t[ti]->id :
			    "total");
			putchar(',');
			ctl_report_csv_field(ti < r->nt ? ctl_report_name(r,
			    ti) : "Total");
			for (i = 0; (d = figures_def_at(i)) != NULL; i++) {
				putchar(',');
				if (strcmp(d->id, "followups_overdue") == 0 &&
				    !ctl_report_is_today(r, mi))
					continue;
				printf("%lu", ctl_report_value(r, ti, i, mi,
				    mi));
			}
			putchar('\n');
		}
	}
}

/* The page written to path (a temporary file renamed): 0, or -1 after a message. */
static int
ctl_report_write(const char *path, const struct buf *b)
{
	char	tmp[4096];
	FILE	*fp;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		fprintf(stderr, "relaisctl: %s: name too long\n", path);
		return -1;
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "relaisctl: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(b->data, 1, b->len, fp) != b->len || fclose(fp) != 0) {
		fprintf(stderr, "relaisctl: %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "relaisctl: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * The territories (names, zones) and the languages, read from the file:
 * the report runs with the redis section loaded alone (CTL_CONF_REDIS), so
 * that a host without the gateways' secrets can make it. 0, or -1 after
 * messages.
 */
static int
ctl_report_territories(struct ctl *c)
{
	struct config		*cf = c->cf;
	struct config_ctx	 ctx;
	struct diag		 d;
	struct ynode		*root;
	const struct ynode	*langs;
	size_t			 i;
	int			 rv = 0;

	if (cf->territories != NULL)
		return 0;
	diag_init(&d);
	if ((root = ynode_load_file(cf->path, &d)) == NULL)
		rv = -1;
	if (rv == 0 && cf->languages == NULL) {
		langs = ynode_get(ynode_get(root, "templates"), "languages");
		for (i = 0; langs != NULL && langs->type == YNODE_SEQ &&
		    i < langs->n; i++) {
			if (langs->items[i]->type != YNODE_SCALAR)
				continue;
			cf->languages = xrealloc(cf->languages,
			    (cf->nlanguages + 1) * sizeof *cf->languages);
			cf->languages[cf->nlanguages++] =
			    xstrdup(langs->items[i]->value);
		}
		if (cf->nlanguages == 0) {
			cf->languages = xcalloc(2, sizeof *cf->languages);
			cf->languages[cf->nlanguages++] = xstrdup("fr");
			cf->languages[cf->nlanguages++] = xstrdup("en");
		}
	}
	if (rv == 0) {
		memset(&ctx, 0, sizeof ctx);
		ctx.file = cf->path;
		ctx.dir = cf->dir;
		ctx.diag = &d;
		if (config_territories(&ctx, cf, ynode_get(root,
		    "territories")) != 0)
			rv = -1;
	}
	for (i = 0; rv == -1 && i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	ynode_free(root);
	diag_free(&d);
	return rv;
}

/* --month, or --from and --to: the period, checked; 0 or a usage error (2). */
static int
ctl_report_period(struct ctl *c, const struct ctl_args *a, const char **from,
    const char **to)
{
	const char	*month = ctl_opt(a, "month");

	*from = ctl_opt(a, "from");
	*to = ctl_opt(a, "to");
	if (month != NULL && (*from != NULL || *to != NULL))
		return ctl_usage_error(c, "--month or --from/--to, not both");
	if (month != NULL) {
		if (!figures_month_valid(month))
			return ctl_usage_error(c, "--month YYYY-MM: \"%s\" is "
			    "not a month", month);
		*from = *to = month;
		return 0;
	}
	if (*from == NULL && *to == NULL)
		return ctl_usage_error(c, "--month YYYY-MM, or --from YYYY-MM "
		    "--to YYYY-MM, is needed");
	if (*from == NULL || *to == NULL)
		return ctl_usage_error(c, "--from and --to go together");
	if (!figures_month_valid(*from) || !figures_month_valid(*to))
		return ctl_usage_error(c, "--from and --to take YYYY-MM");
	if (figures_month_span(*from, *to) == 0)
		return ctl_usage_error(c, "--from %s is after --to %s", *from,
		    *to);
	if (figures_month_span(*from, *to) > CTL_REPORT_MAX_MONTHS)
		return ctl_usage_error(c, "at most %d months at once",
		    CTL_REPORT_MAX_MONTHS);
	return 0;
}

int
ctl_report(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_report	 r;
	struct buf		 page;
	const char		*from, *to, *lang, *html;
	size_t			 ti;
	int			 rv;

	if ((rv = ctl_report_period(c, a, &from, &to)) != 0)
		return rv;
	if (ctl_report_territories(c) == -1)
		return 1;
	lang = ctl_opt(a, "lang");
	if (lang == NULL)
		lang = c->cf->nlanguages > 0 ? c->cf->languages[0] : "fr";
	if (strcmp(lang, "fr") != 0 && strcmp(lang, "en") != 0)
		return ctl_usage_error(c, "--lang fr or en");
	html = ctl_opt(a, "html");
	if (html != NULL && *html == '\0')
		return ctl_usage_error(c, "--html FILE");
	memset(&r, 0, sizeof r);
	r.cf = c->cf;
	r.lang = lang;
	r.nt = c->cf->territories != NULL ?
	    territory_set_count(c->cf->territories) : 0;
	r.t = xcalloc(r.nt + 1, sizeof *r.t);
	r.now = xcalloc(r.nt + 1, sizeof *r.now);
	for (ti = 0; ti < r.nt; ti++) {
		r.t[ti] = territory_set_at(c->cf->territories, ti);
		figures_month(r.t[ti]->tz, clock_now_ms(), r.now[ti]);
	}
	ctl_report_months(&r, from, to);
	r.f = xcalloc((r.nt + 1) * r.nm, sizeof *r.f);
	if (ctl_connect(c) == -1 || ctl_report_read(c, &r) == -1) {
		ctl_report_free(&r);
		return 1;
	}
	if (ctl_opt(a, "csv") != NULL)
		ctl_report_csv(&r);
	else
		ctl_report_text(&r);
	rv = 0;
	if (html != NULL) {
		buf_init(&page);
		ctl_report_html(&r, &page);
		if (ctl_report_write(html, &page) == -1)
			rv = 1;
		buf_free(&page);
	}
	fflush(stdout);
	ctl_report_free(&r);
	return rv;
}
