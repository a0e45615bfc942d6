/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl report's view of the figures: names, months and changes in words, and the --html page (tables, SVG charts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "figures.h"
#include "relaisctl_report.h"
#include "svg.h"
#include "territory.h"

/* Frees what the report holds (not the configuration it borrows). */
void
ctl_report_free(struct ctl_report *r)
{
	free(r->t);
	free(r->m);
	free(r->f);
	free(r->now);
	memset(r, 0, sizeof *r);
}

/* The territory's name in the report's language, else its id. */
const char *
ctl_report_name(const struct ctl_report *r, size_t ti)
{
	const struct territory	*t = r->t[ti];
	const char		*n = strcmp(r->lang, "fr") == 0 ? t->name_fr :
				    t->name_en;

	if (n == NULL || *n == '\0')
		n = t->name_fr != NULL && *t->name_fr != '\0' ? t->name_fr :
		    t->name_en;
	return n != NULL && *n != '\0' ? n : t->id;
}

/* A month's words ("novembre 2026"). */
void
ctl_report_month_name(const struct ctl_report *r, const char *ym,
    char *out, size_t outlen)
{
	static const char *const fr[12] = { "janvier", "février", "mars",
	    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
	    "novembre", "décembre" };
	static const char *const en[12] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" };
	int			 m;

	if (!figures_month_valid(ym)) {
		snprintf(out, outlen, "%s", ym);
		return;
	}
	m = (ym[5] - '0') * 10 + (ym[6] - '0');
	snprintf(out, outlen, "%s %.4s", strcmp(r->lang, "fr") == 0 ?
	    fr[m - 1] : en[m - 1], ym);
}

/*
 * The change from prev to cur, as a percentage ("+12 %", "−5 %"), "=" when
 * both are 0, "new"/"nouveau" when only prev is.
 */
void
ctl_report_change(const struct ctl_report *r, unsigned long prev,
    unsigned long cur, char *out, size_t outlen)
{
	int	fr = strcmp(r->lang, "fr") == 0;
	double	pct;

	if (prev == 0) {
		snprintf(out, outlen, "%s", cur == 0 ? "=" : fr ? "nouveau" :
		    "new");
		return;
	}
	pct = ((double)cur - (double)prev) * 100.0 / (double)prev;
	/* French puts a (narrow no-break) space before %, English none */
	snprintf(out, outlen, "%s%.0f%s", pct > 0.5 ? "+" : pct < -0.5 ?
	    "\xe2\x88\x92" : "", pct < 0 ? -pct : pct, fr ?
	    "\xe2\x80\xaf%" : "%");
}

/* The value of figure i for territory ti (NT: the total) over months a..b. */
unsigned long
ctl_report_value(const struct ctl_report *r, size_t ti, size_t i, size_t a,
    size_t b)
{
	unsigned long	n = 0;
	size_t		mi;

	for (mi = a; mi <= b && mi < r->nm; mi++)
		n += figures_value(ti < r->nt ? &r->f[ti * r->nm + mi] :
		    &r->f[r->nt * r->nm + mi], i);
	return n;
}

/* Whether month mi shows today's overdue (the current month of some territory). */
int
ctl_report_is_today(const struct ctl_report *r, size_t mi)
{
	size_t	ti;

	for (ti = 0; ti < r->nt; ti++) {
		if (strcmp(r->m[mi], r->now[ti]) == 0)
			return 1;
	}
	return 0;
}

/* Whether a month of a..b shows today's overdue (a range under way). */
int
ctl_report_today_in(const struct ctl_report *r, size_t a, size_t b)
{
	size_t	mi;

	for (mi = a; mi <= b && mi < r->nm; mi++) {
		if (ctl_report_is_today(r, mi))
			return 1;
	}
	return 0;
}

/* A unit's heading in the report's language. */
const char *
ctl_report_unit(const struct ctl_report *r, enum figures_unit u)
{
	int	fr = strcmp(r->lang, "fr") == 0;

	switch (u) {
	case FIGURES_PEOPLE:
		return fr ? "Personnes" : "People";
	case FIGURES_MESSAGES:
		return fr ? "Messages" : "Messages";
	default:
		return fr ? "Suivis" : "Follow-ups";
	}
}

/*
 * Inline: the page travels alone, by email. Print-friendly, contrast
 * above 7:1 for text, numbers in tabular figures.
 */
static const char ctl_html_css[] =
"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
"color:#111;background:#fff;margin:1.5rem auto;max-width:72rem;"
"padding:0 1rem;line-height:1.45}"
"h1{font-size:1.6rem;margin:0 0 .25rem}"
"h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid #0072B2}"
"p.meta{color:#333;margin:.25rem 0}"
"table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}"
"caption{text-align:left;font-weight:bold;padding:.25rem 0}"
"th,td{border:1px solid #999;padding:.3rem .5rem}"
"th{background:#eef2f6;text-align:left}"
"td{text-align:right;font-variant-numeric:tabular-nums}"
"tr.total td,tr.total th{font-weight:bold;background:#f6f6f6}"
".charts{display:flex;flex-wrap:wrap;gap:1rem}"
".charts figure{margin:0;flex:1 1 30rem;max-width:100%}"
".charts figure.wide{flex-basis:100%}"
".charts svg{max-width:100%;height:auto}"
".scroll{overflow-x:auto}"
"footer{margin-top:2rem;font-size:.85rem;color:#333}"
"details{margin:.25rem 0 1rem;font-size:.85rem}"
"summary{cursor:pointer}"
"@media print{.charts figure{break-inside:avoid}h2{break-after:avoid}}";

static void
ctl_html_text(struct buf *b, const char *s)
{
	svg_escape(b, s);
}

static const char *
ctl_html_word(const struct ctl_report *r, const char *fr, const char *en)
{
	return strcmp(r->lang, "fr") == 0 ? fr : en;
}

/* The period's words: "novembre 2026", "avril 2026 à mars 2027". */
static void
ctl_html_period(const struct ctl_report *r, char *out, size_t outlen)
{
	char	a[48], b[48];

	ctl_report_month_name(r, r->m[r->p0], a, sizeof a);
	ctl_report_month_name(r, r->m[r->p1], b, sizeof b);
	if (r->p0 == r->p1)
		snprintf(out, outlen, "%s", a);
	else
		snprintf(out, outlen, "%s %s %s", a, ctl_html_word(r, "à",
		    "to"), b);
}

/* The time zones of the territories, each once ("America/Toronto"). */
static void
ctl_html_zones(const struct ctl_report *r, struct buf *b)
{
	size_t	ti, k;
	int	first = 1;

	for (ti = 0; ti < r->nt; ti++) {
		const char *z = r->t[ti]->timezone != NULL ?
		    r->t[ti]->timezone : "America/Toronto";

		for (k = 0; k < ti; k++) {
			const char *y = r->t[k]->timezone != NULL ?
			    r->t[k]->timezone : "America/Toronto";

			if (strcmp(y, z) == 0)
				break;
		}
		if (k < ti)
			continue;
		if (!first)
			buf_puts(b, ", ");
		ctl_html_text(b, z);
		first = 0;
	}
}

/* The period's last month that has begun somewhere (a fiscal year under way). */
static size_t
ctl_html_last(const struct ctl_report *r)
{
	size_t	mi, ti;

	for (mi = r->p1; mi > r->p0; mi--) {
		for (ti = 0; ti < r->nt; ti++) {
			if (strcmp(r->now[ti], r->m[mi]) >= 0)
				return mi;
		}
	}
	return r->p0;
}

/*
 * One unit's table: a row per figure, a column per territory, the total
 * and its change from the month before the period's last begun.
 */
static void
ctl_html_table(const struct ctl_report *r, struct buf *b,
    enum figures_unit u)
{
	const struct figures_def	*d;
	char				 ch[32], period[128], m1[48], m2[48];
	size_t				 ti, i, last = ctl_html_last(r);
	int				 change = last > 0;

	ctl_html_period(r, period, sizeof period);
	buf_printf(b, "<div class=\"scroll\"><table id=\"table-%s\">\n"
	    "<caption>", u == FIGURES_PEOPLE ? "people" : u ==
	    FIGURES_MESSAGES ? "messages" : "followups");
	ctl_html_text(b, ctl_report_unit(r, u));
	buf_puts(b, ", ");
	ctl_html_text(b, period);
	buf_puts(b, "</caption>\n<thead><tr><th scope=\"col\">");
	ctl_html_text(b, ctl_html_word(r, "Chiffre", "Figure"));
	buf_puts(b, "</th>");
	for (ti = 0; ti < r->nt; ti++) {
		buf_puts(b, "<th scope=\"col\">");
		ctl_html_text(b, ctl_report_name(r, ti));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "<th scope=\"col\">Total</th>");
	if (change) {
		ctl_report_month_name(r, r->m[last], m1, sizeof m1);
		ctl_report_month_name(r, r->m[last - 1], m2, sizeof m2);
		buf_puts(b, "<th scope=\"col\">");
		ctl_html_text(b, ctl_html_word(r, "Variation ", "Change, "));
		ctl_html_text(b, m1);
		buf_puts(b, ctl_html_word(r, " par rapport à ", " from "));
		ctl_html_text(b, m2);
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (i = 0; (d = figures_def_at(i)) != NULL; i++) {
		int overdue = strcmp(d->id, "followups_overdue") == 0;

		if (d->unit != u)
			continue;
		buf_printf(b, "<tr id=\"row-%s\"><th scope=\"row\">", d->id);
		ctl_html_text(b, figures_label(d, r->lang));
		if (overdue)
			buf_puts(b, ctl_html_word(r, " (aujourd’hui)",
			    " (today)"));
		buf_puts(b, "</th>");
		for (ti = 0; ti <= r->nt; ti++) {
			if (overdue && !ctl_report_today_in(r, r->p0, r->p1)) {
				buf_puts(b, "<td>–</td>");
				continue;
			}
			/* overdue: set on today's month alone, so the sum is it */
			buf_printf(b, "<td>%lu</td>", ctl_report_value(r, ti, i,
			    r->p0, r->p1));
		}
		if (change) {
			if (overdue)
				snprintf(ch, sizeof ch, "–");
			else
				ctl_report_change(r, ctl_report_value(r, r->nt, i,
				    last - 1, last - 1), ctl_report_value(r,
				    r->nt, i, last, last), ch, sizeof ch);
			buf_puts(b, "<td>");
			ctl_html_text(b, ch);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table></div>\n");
}

/*
 * The chart's values as a table, folded (<details>): what a screen reader
 * or a reader of the printed page gets of the lines.
 */
static void
ctl_html_values(const struct ctl_report *r, struct buf *b,
    const struct svg_chart *c, const double *v)
{
	size_t	k, ti;

	buf_puts(b, "<details><summary>");
	ctl_html_text(b, ctl_html_word(r, "Valeurs", "Values"));
	buf_puts(b, "</summary>\n<table class=\"values\"><caption>");
	ctl_html_text(b, c->title);
	buf_puts(b, "</caption>\n<thead><tr><th scope=\"col\">");
	ctl_html_text(b, c->xlabel);
	buf_puts(b, "</th>");
	for (ti = 0; ti < c->nseries; ti++) {
		buf_puts(b, "<th scope=\"col\">");
		ctl_html_text(b, c->series[ti].name);
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (k = 0; k < c->ncats; k++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		ctl_html_text(b, c->cats[k]);
		buf_puts(b, "</th>");
		for (ti = 0; ti < c->nseries; ti++)
			buf_printf(b, "<td>%.0f</td>", v[ti * c->ncats + k]);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table></details>\n");
}

/* A line chart of figure i over the charts' months, a line per territory. */
static void
ctl_html_trend(const struct ctl_report *r, struct buf *b, size_t i)
{
	const struct figures_def	*d = figures_def_at(i);
	struct svg_series		*s;
	struct svg_chart		 c;
	const char			**cats;
	double				*v;
	char				 id[64], desc[512], from[48], to[48];
	size_t				 n = r->p1 - r->c0 + 1, ti, k;

	cats = xcalloc(n, sizeof *cats);
	s = xcalloc(r->nt + 1, sizeof *s);
	v = xcalloc((r->nt + 1) * n, sizeof *v);
	for (k = 0; k < n; k++)
		cats[k] = r->m[r->c0 + k];
	for (ti = 0; ti < r->nt; ti++) {
		s[ti].name = ctl_report_name(r, ti);
		s[ti].v = &v[ti * n];
		for (k = 0; k < n; k++)
			v[ti * n + k] = (double)ctl_report_value(r, ti, i,
			    r->c0 + k, r->c0 + k);
	}
	ctl_report_month_name(r, r->m[r->c0], from, sizeof from);
	ctl_report_month_name(r, r->m[r->p1], to, sizeof to);
	snprintf(desc, sizeof desc, "%s %s %s %s %s, %s.", figures_label(d,
	    r->lang), ctl_html_word(r, "par mois, de", "by month, from"), from,
	    ctl_html_word(r, "à", "to"), to, ctl_html_word(r,
	    "une ligne par territoire", "a line per territory"));
	snprintf(id, sizeof id, "chart-%s", d->id);
	memset(&c, 0, sizeof c);
	c.id = id;
	c.title = figures_label(d, r->lang);
	c.desc = desc;
	c.xlabel = ctl_html_word(r, "Mois", "Month");
	c.ylabel = d->unit == FIGURES_PEOPLE ? ctl_html_word(r, "Personnes",
	    "People") : d->unit == FIGURES_MESSAGES ? "Messages" :
	    ctl_html_word(r, "Suivis", "Follow-ups");
	c.cats = cats;
	c.ncats = n;
	c.series = s;
	c.nseries = r->nt;
	c.width = 560;
	c.height = 300;
	buf_puts(b, "<figure>\n");
	svg_line_chart(b, &c);
	ctl_html_values(r, b, &c, v);
	buf_puts(b, "</figure>\n");
	free(cats);
	free(s);
	free(v);
}

/* Messages of each kind over the period, bars side by side per territory. */
static void
ctl_html_bars(const struct ctl_report *r, struct buf *b)
{
	const struct figures_def	*d;
	struct svg_series		 s[FIGURES_NMESSAGES + 1];
	struct svg_chart		 c;
	const char			**cats;
	double				*v;
	char				 title[160], period[128];
	size_t				 ti, i, ns = 0;

	cats = xcalloc(r->nt + 1, sizeof *cats);
	v = xcalloc((FIGURES_NMESSAGES + 1) * (r->nt + 1), sizeof *v);
	for (ti = 0; ti < r->nt; ti++)
		cats[ti] = ctl_report_name(r, ti);
	for (i = 0; (d = figures_def_at(i)) != NULL &&
	    ns < FIGURES_NMESSAGES + 1; i++) {
		if (d->unit != FIGURES_MESSAGES)
			continue;
		s[ns].name = figures_label(d, r->lang);
		s[ns].v = &v[ns * (r->nt + 1)];
		for (ti = 0; ti < r->nt; ti++)
			v[ns * (r->nt + 1) + ti] = (double)ctl_report_value(r,
			    ti, i, r->p0, r->p1);
		ns++;
	}
	ctl_html_period(r, period, sizeof period);
	snprintf(title, sizeof title, "%s, %s", ctl_html_word(r,
	    "Messages par territoire", "Messages by territory"), period);
	memset(&c, 0, sizeof c);
	c.id = "chart-messages";
	c.title = title;
	c.desc = ctl_html_word(r, "Pour chaque territoire, une barre par "
	    "sorte de message; les valeurs sont dans le tableau Messages.",
	    "For each territory, a bar per kind of message; the values are "
	    "in the Messages table.");
	c.ylabel = "Messages";
	c.cats = cats;
	c.ncats = r->nt;
	c.series = s;
	c.nseries = ns;
	c.width = 1000;
	c.height = 340;
	buf_puts(b, "<figure class=\"wide\">\n");
	svg_bar_chart(b, &c);
	buf_puts(b, "</figure>\n");
	free(cats);
	free(v);
}

/* A unit: its heading, its table, a trend per figure. */
static void
ctl_html_unit(const struct ctl_report *r, struct buf *b, enum figures_unit u)
{
	const struct figures_def	*d;
	const char			*id = u == FIGURES_PEOPLE ? "people" :
					    u == FIGURES_MESSAGES ? "messages" :
					    "followups";
	size_t				 i;

	buf_printf(b, "<section aria-labelledby=\"h-%s\">\n<h2 id=\"h-%s\">",
	    id, id);
	ctl_html_text(b, ctl_report_unit(r, u));
	buf_puts(b, "</h2>\n");
	ctl_html_table(r, b, u);
	buf_puts(b, "<div class=\"charts\">\n");
	if (u == FIGURES_MESSAGES && r->nt > 0)
		ctl_html_bars(r, b);
	for (i = 0; (d = figures_def_at(i)) != NULL; i++) {
		/* overdue is today's alone: no trend */
		if (d->unit == u && strcmp(d->id, "followups_overdue") != 0)
			ctl_html_trend(r, b, i);
	}
	buf_puts(b, "</div>\n</section>\n");
}

/* Month by month, every territory together. */
static void
ctl_html_months(const struct ctl_report *r, struct buf *b)
{
	const struct figures_def	*d;
	char				 name[48];
	size_t				 mi, i;

	buf_printf(b, "<section aria-labelledby=\"h-months\">\n"
	    "<h2 id=\"h-months\">%s</h2>\n<div class=\"scroll\">"
	    "<table id=\"table-months\">\n<caption>%s</caption>\n"
	    "<thead><tr><th scope=\"col\">%s</th>", ctl_html_word(r,
	    "Mois par mois", "Month by month"), ctl_html_word(r,
	    "Tous les territoires", "Every territory"), ctl_html_word(r,
	    "Mois", "Month"));
	for (i = 0; (d = figures_def_at(i)) != NULL; i++) {
		if (strcmp(d->id, "followups_overdue") == 0)
			continue;
		buf_puts(b, "<th scope=\"col\">");
		ctl_html_text(b, figures_label(d, r->lang));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (mi = r->c0 < r->p0 ? r->c0 : r->p0; mi <= r->p1; mi++) {
		ctl_report_month_name(r, r->m[mi], name, sizeof name);
		buf_printf(b, "<tr%s><th scope=\"row\">", mi >= r->p0 ?
		    " class=\"period\"" : "");
		ctl_html_text(b, name);
		buf_puts(b, "</th>");
		for (i = 0; (d = figures_def_at(i)) != NULL; i++) {
			if (strcmp(d->id, "followups_overdue") != 0)
				buf_printf(b, "<td>%lu</td>", ctl_report_value(r,
				    r->nt, i, mi, mi));
		}
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table></div>\n</section>\n");
}

void
ctl_report_html(const struct ctl_report *r, struct buf *b)
{
	char	period[128], at[40];
	int	u;

	ctl_html_period(r, period, sizeof period);
	clock_rfc3339(clock_now_ms(), at, sizeof at);
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"/>\n<title>",
	    r->lang);
	ctl_html_text(b, ctl_html_word(r, "Chiffres du programme — ",
	    "Programme figures — "));
	ctl_html_text(b, period);
	buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header>\n<h1>", ctl_html_css);
	ctl_html_text(b, ctl_html_word(r, "Chiffres du programme",
	    "Programme figures"));
	buf_puts(b, "</h1>\n<p class=\"meta\">");
	ctl_html_text(b, period);
	buf_puts(b, ctl_html_word(r, " · mois locaux des territoires (",
	    " · the territories' local months ("));
	ctl_html_zones(r, b);
	buf_puts(b, ")</p>\n<p class=\"meta\">");
	ctl_html_text(b, ctl_html_word(r, "Produit le ", "Made on "));
	buf_printf(b, "%.10s", at);
	buf_puts(b, "</p>\n</header>\n<main>\n");
	for (u = FIGURES_PEOPLE; u <= FIGURES_FOLLOWUPS; u++)
		ctl_html_unit(r, b, (enum figures_unit)u);
	ctl_html_months(r, b);
	buf_puts(b, "</main>\n<footer>\n<p>");
	ctl_html_text(b, ctl_html_word(r,
	    "Les personnes sont comptées une fois : une personne accueillie "
	    "l’est au mois de son premier accueil, par canal et tous canaux "
	    "confondus. Les messages sont comptés chacun. Les suivis en retard "
	    "ont été rappelés au conseiller il y a plus de 14 jours et ne sont "
	    "pas faits : le chiffre est celui d’aujourd’hui. Un retour après "
	    "un départ compte comme une arrivée (et un départ), pas comme une "
	    "personne accueillie de plus. Envois en échec : chaque échec, même "
	    "d’un envoi rejoué. Désabonnements : les adresses qu’un fournisseur "
	    "a signalées lors d’un envoi (ni des personnes, ni les "
	    "désabonnements par lien ou par STOP). Candidats : comptés quand "
	    "l’alerte qui les présente est consignée, envoyée ou non. Aucune donnée personnelle dans "
	    "ce rapport.",
	    "People count once: a person welcomed counts in the month of their "
	    "first welcome, per channel and on any. Messages count each. "
	    "Follow-ups overdue were reminded to the counsellor over 14 days "
	    "ago and are not done: the figure is today's. A return after a "
	    "departure counts as an arrival (and a departure), not as one more "
	    "person welcomed. Failed deliveries: each failure, a replayed "
	    "one's too. Opt-outs: the addresses a provider reported on a send "
	    "(not people, nor opt-outs by link or STOP). Candidates: counted "
	    "when the alert naming them is recorded, sent or not. No personal data in this "
	    "report."));
	buf_puts(b, "</p>\n</footer>\n</body>\n</html>\n");
}
