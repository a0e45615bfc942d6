/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Overview (GET /) and Health (GET /health) pages. Both read
 * what is kept as events flow, never a scan: the figures hashes of each
 * territory and local month (figures.h), the queue's sizes (the stats
 * script relaisd's metrics run), the dead letters' counts by reason, the
 * gateways' state through the callback relaisd lends the console.
 *
 * Each page sends its reads at once on the console's Redis connection, one
 * pipelined batch, and renders when the last reply is in: struct console_view
 * counts them. The batch belongs to the page's state, freed after the
 * reply; console.h keeps the request alive while a call is pending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "console_view.h"
#include "figures.h"
#include "svg.h"
#include "territory.h"

/* The months shown: the chosen one and the twelve before it. */
#define OV_NMONTHS	13
/* Months offered by the Overview's form. */
#define OV_FORM_MONTHS	25

struct ov_overview {
	struct console_view	  v;
	const struct territory	**t;
	size_t			  nt;
	int			  all;	/* every territory: a total row */
	char			  month[FIGURES_MONTH_SIZE];	/* shown */
	char			(*months)[FIGURES_MONTH_SIZE];	/* [nt][13] */
	struct figures		 *f;	/* [nt][13] */
	struct console_view_call		 *calls;
};

/* console_view_w, short: every page string is written in both languages. */
static const char *
ov_w(const struct console_req *r, const char *fr, const char *en)
{
	return console_view_w(r, fr, en);
}

static int
ov_read_figures(struct console_view_call *c, const redisReply *rep)
{
	struct ov_overview	*o = (struct ov_overview *)(void *)c->v;

	return figures_decode(&o->f[c->i], rep);
}

static int
ov_read_overdue(struct console_view_call *c, const redisReply *rep)
{
	struct ov_overview	*o = (struct ov_overview *)(void *)c->v;

	if (rep->type != REDIS_REPLY_INTEGER || rep->integer < 0)
		return -1;
	o->f[c->i].followups_overdue = (unsigned long)rep->integer;
	return 0;
}

static void
ov_overview_free(struct ov_overview *o)
{
	free(o->t);
	free(o->months);
	free(o->f);
	free(o->calls);
	free(o);
}

/* Whether figure i is today's only (overdue), not kept per month. */
static int
ov_live(size_t i)
{
	return strcmp(figures_def_at(i)->id, "followups_overdue") == 0;
}

/*
 * A count and, below it, its change from the month before; a figure kept
 * for today only has no change, and no value in a month that is not this
 * one.
 */
static void
ov_cell(struct console_req *r, struct buf *b, size_t i, int today,
    unsigned long v, unsigned long prev)
{
	const char	*id = figures_def_at(i)->id;

	if (ov_live(i) && !today) {
		buf_printf(b, "<td class=\"n\" data-figure=\"%s\" title=\"",
		    id);
		console_html_text(b, ov_w(r, "connu pour aujourd'hui seulement",
		    "known for today only"));
		buf_puts(b, "\">—</td>");
		return;
	}
	buf_printf(b, "<td class=\"n\" data-figure=\"%s\" "
	    "data-value=\"%lu\">%lu", id, v, v);
	if (v != prev && !ov_live(i)) {
		buf_printf(b, "<br><small class=\"delta\" title=\"");
		console_html_text(b, ov_w(r, "par rapport au mois précédent",
		    "from the month before"));
		buf_printf(b, "\">%s%lu</small>", v > prev ? "+" : "−",
		    v > prev ? v - prev : prev - v);
	}
	buf_puts(b, "</td>");
}

/* One territory's row (total: the sum's); today: its month is this one. */
static void
ov_row(struct console_req *r, const char *id, const char *name,
    const struct figures *cur, const struct figures *prev, int total,
    int today)
{
	struct buf	*b = console_req_body(r);
	size_t		 i, n = figures_ndefs();

	buf_printf(b, "<tr%s data-territory=\"", total ? " class=\"total\"" :
	    "");
	console_html_text(b, id);
	buf_puts(b, "\"><th scope=\"row\">");
	console_html_text(b, name);
	buf_puts(b, "</th>");
	for (i = 0; i < n; i++)
		ov_cell(r, b, i, today, figures_value(cur, i),
		    figures_value(prev, i));
	buf_puts(b, "</tr>\n");
}

/* Column groups by unit: people, messages, follow-ups. */
static void
ov_table_head(struct console_req *r)
{
	static const char *const units[][2] = { { "Personnes", "People" },
	    { "Messages", "Messages" }, { "Suivis", "Follow-ups" } };
	struct buf			*b = console_req_body(r);
	const struct figures_def	*d;
	size_t				 i, k, n = figures_ndefs(), span;

	buf_puts(b, "<thead>\n<tr><td></td>");
	for (i = 0; i < n; i += span) {
		d = figures_def_at(i);
		for (span = 0; i + span < n &&
		    figures_def_at(i + span)->unit == d->unit; span++)
			;
		k = (size_t)d->unit < 3 ? (size_t)d->unit : 0;
		buf_printf(b, "<th scope=\"colgroup\" colspan=\"%zu\">", span);
		console_html_text(b, ov_w(r, units[k][0], units[k][1]));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr>\n<tr><th scope=\"col\">");
	console_html_text(b, ov_w(r, "Territoire", "Territory"));
	buf_puts(b, "</th>");
	for (i = 0; i < n; i++) {
		d = figures_def_at(i);
		buf_printf(b, "<th scope=\"col\" id=\"col-%s\">", d->id);
		console_html_text(b, figures_label(d, console_req_lang(r)));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr>\n</thead>\n");
}

static void
ov_table(struct ov_overview *o)
{
	struct console_req	*r = o->v.r;
	struct buf		*b = console_req_body(r);
	struct figures		 sum, psum;
	size_t			 i;
	int			 today, any = 0;

	buf_puts(b, "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
	    "aria-labelledby=\"figures-caption\">\n<table id=\"figures\">\n"
	    "<caption id=\"figures-caption\">");
	console_html_text(b, ov_w(r, "Chiffres du mois ", "Figures of "));
	console_html_text(b, o->month);
	console_html_text(b, ov_w(r, " (mois local de chaque territoire ; "
	    "sous chaque nombre, l'écart avec le mois précédent)",
	    " (each territory's local month; under each number, the change "
	    "from the month before)"));
	buf_puts(b, "</caption>\n");
	ov_table_head(r);
	buf_puts(b, "<tbody>\n");
	figures_init(&sum, "total", o->month);
	figures_init(&psum, "total", o->month);
	for (i = 0; i < o->nt; i++) {
		const struct figures *cur = &o->f[(i + 1) * OV_NMONTHS - 1];
		const struct figures *prev = &o->f[(i + 1) * OV_NMONTHS - 2];

		today = o->calls[o->nt * OV_NMONTHS + i].i != (size_t)-1;
		ov_row(r, o->t[i]->id, console_view_name(r, o->t[i]), cur, prev,
		    0, today);
		any |= today;
		figures_sum(&sum, cur);
		figures_sum(&psum, prev);
	}
	buf_puts(b, "</tbody>\n");
	if (o->all && o->nt > 1) {
		buf_puts(b, "<tfoot>\n");
		ov_row(r, "total", console_word(r, "total"), &sum, &psum, 1,
		    any);
		buf_puts(b, "</tfoot>\n");
	}
	buf_puts(b, "</table>\n</div>\n");
}

/* One chart per figure: its trend over the months, a line per territory. */
static void
ov_charts(struct ov_overview *o)
{
	struct console_req		*r = o->v.r;
	struct buf			*b = console_req_body(r);
	const struct figures_def	*d;
	struct svg_series		*series;
	struct svg_chart		 ch;
	const char			*cats[OV_NMONTHS];
	double				*v;
	char				 id[64];
	size_t				 i, k, m, n = figures_ndefs();

	series = xcalloc(o->nt, sizeof *series);
	v = xcalloc(o->nt * OV_NMONTHS, sizeof *v);
	/* the first territory's months name the columns (zones seldom vary) */
	for (m = 0; m < OV_NMONTHS; m++)
		cats[m] = o->months[m];
	buf_puts(b, "<h2 id=\"trends\">");
	console_html_text(b, ov_w(r, "Tendances sur treize mois",
	    "Trends over thirteen months"));
	/* side by side as room allows (the console's CSS has no grid) */
	buf_puts(b, "</h2>\n<div class=\"charts\" style=\"display:grid;"
	    "grid-template-columns:repeat(auto-fill,minmax(26rem,1fr));"
	    "gap:1rem\">\n");
	for (i = 0; i < n; i++) {
		d = figures_def_at(i);
		/* kept for today only: no trend to draw */
		if (ov_live(i))
			continue;
		for (k = 0; k < o->nt; k++) {
			for (m = 0; m < OV_NMONTHS; m++)
				v[k * OV_NMONTHS + m] = (double)figures_value(
				    &o->f[k * OV_NMONTHS + m], i);
			series[k].name = console_view_name(r, o->t[k]);
			series[k].v = &v[k * OV_NMONTHS];
		}
		memset(&ch, 0, sizeof ch);
		snprintf(id, sizeof id, "chart-%s", d->id);
		ch.id = id;
		ch.title = figures_label(d, console_req_lang(r));
		ch.desc = ov_w(r, "Par mois local, une ligne par territoire.",
		    "By local month, a line per territory.");
		ch.ylabel = d->unit == FIGURES_PEOPLE ? ov_w(r, "personnes",
		    "people") : d->unit == FIGURES_MESSAGES ? ov_w(r,
		    "messages", "messages") : ov_w(r, "suivis", "follow-ups");
		ch.cats = cats;
		ch.ncats = OV_NMONTHS;
		ch.series = series;
		ch.nseries = o->nt;
		ch.width = 480;
		ch.height = 280;
		buf_puts(b, "<figure class=\"chart\">\n");
		svg_line_chart(b, &ch);
		buf_puts(b, "</figure>\n");
	}
	buf_puts(b, "</div>\n");
	free(series);
	free(v);
}

/* The form: which territory, which month (GET: the page is a link). */
static void
ov_form(struct ov_overview *o)
{
	struct console_req	*r = o->v.r;
	const struct config	*cf = console_req_env(r)->cf;
	struct buf		*b = console_req_body(r);
	const struct territory	*t;
	char			 m[FIGURES_MONTH_SIZE];
	char			 last[FIGURES_MONTH_SIZE];
	size_t			 i, nt = territory_set_count(cf->territories);
	int			 k, listed = 0;

	buf_puts(b, "<form method=\"get\" action=\"/\" class=\"filters\">\n"
	    "<label for=\"territory\">");
	console_html_text(b, ov_w(r, "Territoire", "Territory"));
	buf_puts(b, "</label>\n<select id=\"territory\" name=\"territory\">\n");
	buf_printf(b, "<option value=\"\"%s>", o->all ? " selected" : "");
	console_html_text(b, ov_w(r, "Tous", "All"));
	buf_puts(b, "</option>\n");
	for (i = 0; i < nt; i++) {
		t = territory_set_at(cf->territories, i);
		if (!console_req_may_see(r, t->id))
			continue;
		buf_puts(b, "<option value=\"");
		console_html_text(b, t->id);
		buf_printf(b, "\"%s>", !o->all && o->nt == 1 && o->t[0] == t ?
		    " selected" : "");
		console_html_text(b, console_view_name(r, t));
		buf_puts(b, "</option>\n");
	}
	buf_puts(b, "</select>\n<label for=\"month\">");
	console_html_text(b, ov_w(r, "Mois", "Month"));
	buf_puts(b, "</label>\n<select id=\"month\" name=\"month\">\n");
	figures_month(o->nt > 0 ? o->t[0]->tz : NULL, clock_now_ms(), last);
	for (k = 0; k < OV_FORM_MONTHS; k++) {
		if (figures_month_add(last, -k, m) == -1)
			break;
		listed |= strcmp(m, o->month) == 0;
		buf_printf(b, "<option%s>%s</option>\n", strcmp(m, o->month) ==
		    0 ? " selected" : "", m);
	}
	if (!listed)
		buf_printf(b, "<option selected>%s</option>\n", o->month);
	buf_puts(b, "</select>\n<button type=\"submit\">");
	console_html_text(b, ov_w(r, "Afficher", "Show"));
	buf_puts(b, "</button>\n</form>\n");
}

static void
ov_overview_done(struct console_view *batch)
{
	struct ov_overview	*o = (struct ov_overview *)(void *)batch;
	struct console_req	*r = batch->r;
	struct buf		*b;

	if (batch->failed) {
		console_reply_error(r, 503, ov_w(r, "Redis ne répond pas : "
		    "les chiffres ne peuvent être lus.", "Redis does not "
		    "answer: the figures cannot be read."));
		ov_overview_free(o);
		return;
	}
	console_page_begin(r, console_word(r, "overview"));
	b = console_req_body(r);
	ov_form(o);
	ov_table(o);
	buf_puts(b, "<p class=\"note\">");
	console_html_text(b, ov_w(r, "Les personnes sont comptées une fois "
	    "(une arrivée, un premier accueil réussi par canal) ; les "
	    "messages, à chaque envoi. Les suivis en retard sont ceux "
	    "rappelés il y a plus de 14 jours et pas encore faits, "
	    "aujourd'hui.",
	    "People are counted once (an arrival, a first welcome that "
	    "reached them, per channel); messages, each time one is sent. "
	    "Follow-ups overdue are those reminded more than 14 days ago and "
	    "not done yet, today."));
	buf_puts(b, "</p>\n");
	ov_charts(o);
	console_page_end(r);
	ov_overview_free(o);
}

/* The month to show and the twelve before, per territory (its zone). */
static int
ov_months(struct ov_overview *o, const char *month, int64_t now)
{
	char	cur[FIGURES_MONTH_SIZE];
	size_t	i;
	int	m;

	for (i = 0; i < o->nt; i++) {
		char (*mm)[FIGURES_MONTH_SIZE] = &o->months[i * OV_NMONTHS];

		if (month == NULL)
			figures_months(o->t[i]->tz, now, OV_NMONTHS, mm);
		else {
			for (m = 0; m < OV_NMONTHS; m++) {
				if (figures_month_add(month, m - (OV_NMONTHS -
				    1), mm[m]) == -1)
					return -1;
			}
		}
		for (m = 0; m < OV_NMONTHS; m++)
			figures_init(&o->f[i * OV_NMONTHS + m], o->t[i]->id,
			    mm[m]);
		/* overdue is today's: only the current month has it */
		figures_month(o->t[i]->tz, now, cur);
		o->calls[o->nt * OV_NMONTHS + i].i = strcmp(cur,
		    mm[OV_NMONTHS - 1]) == 0 ? i * OV_NMONTHS + OV_NMONTHS - 1 :
		    (size_t)-1;
	}
	return 0;
}

void
console_page_overview(struct console_req *r)
{
	const struct config		*cf = console_req_env(r)->cf;
	struct ov_overview		*o;
	struct console_view_call	*c;
	const char			*month, *argv[4];
	char				 key[256], max[32];
	int64_t				 now = clock_now_ms();
	size_t				 i, k;
	int				 status;

	o = xcalloc(1, sizeof *o);
	console_view_init(&o->v, r, ov_overview_done);
	o->all = console_view_arg(r, "territory") == NULL;
	if ((status = console_view_territories(r, &o->t, &o->nt)) != 0) {
		console_reply_error(r, status, console_word(r, status == 404 ?
		    "error_not_found" : "error_scope"));
		ov_overview_free(o);
		return;
	}
	o->months = xcalloc(o->nt * OV_NMONTHS, sizeof *o->months);
	o->f = xcalloc(o->nt * OV_NMONTHS, sizeof *o->f);
	o->calls = xcalloc(o->nt * OV_NMONTHS + o->nt, sizeof *o->calls);
	month = console_view_arg(r, "month");
	if ((month != NULL && !figures_month_valid(month)) ||
	    ov_months(o, month, now) == -1) {
		console_reply_error(r, 404, ov_w(r, "Mois invalide (AAAA-MM).",
		    "Invalid month (YYYY-MM)."));
		ov_overview_free(o);
		return;
	}
	snprintf(o->month, sizeof o->month, "%s", o->months[OV_NMONTHS - 1]);

	/* one batch: every territory-month hash, then each overdue count */
	figures_overdue_max(now, max, sizeof max);
	for (i = 0; i < o->nt && !o->v.failed; i++) {
		for (k = 0; k < OV_NMONTHS && !o->v.failed; k++) {
			c = &o->calls[i * OV_NMONTHS + k];
			if (figures_key(key, sizeof key, cf->redis.prefix,
			    o->t[i]->id, o->months[i * OV_NMONTHS + k]) == -1)
				continue;
			c->read = ov_read_figures;
			c->i = i * OV_NMONTHS + k;
			argv[0] = "HGETALL";
			argv[1] = key;
			(void)console_view_send(&o->v, c, 2, argv);
		}
		c = &o->calls[o->nt * OV_NMONTHS + i];
		if (c->i == (size_t)-1 || o->v.failed || figures_open_key(key,
		    sizeof key, cf->redis.prefix, o->t[i]->id) == -1)
			continue;
		c->read = ov_read_overdue;
		argv[0] = "ZCOUNT";
		argv[1] = key;
		argv[2] = "-inf";
		argv[3] = max;
		(void)console_view_send(&o->v, c, 4, argv);
	}
	console_view_sent(&o->v);
}
