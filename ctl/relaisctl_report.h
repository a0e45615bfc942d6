/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * relaisctl report's figures, read once, shared by its text and CSV
 * (relaisctl_report.c) and its words and HTML page
 * (relaisctl_report_view.c).
 *
 * Ownership: a ctl_report owns its arrays (ctl_report_free); the
 * territories and the configuration are borrowed from the ctl.
 */
#ifndef RELAIS_RELAISCTL_REPORT_H
#define RELAIS_RELAISCTL_REPORT_H

#include <stddef.h>

#include "figures.h"

struct buf;
struct config;
struct territory;

struct ctl_report {
	const struct config	 *cf;
	const char		 *lang;		/* "fr" or "en" */
	size_t			  nt;		/* territories, config order */
	const struct territory	**t;
	size_t			  nm;		/* months read, oldest first */
	char			(*m)[FIGURES_MONTH_SIZE];
	size_t			  p0, p1;	/* the period: m[p0..p1] */
	size_t			  c0;		/* the charts: m[c0..p1] */
	/* (nt + 1) x nm: f[ti * nm + mi], the total at ti = nt */
	struct figures		 *f;
	/* per territory: its local month today */
	char			(*now)[FIGURES_MONTH_SIZE];
};

void		 ctl_report_free(struct ctl_report *);
/* Territory ti's display name in the report's language. */
const char	*ctl_report_name(const struct ctl_report *, size_t ti);
/* "novembre 2026" / "November 2026". */
void		 ctl_report_month_name(const struct ctl_report *,
		    const char *ym, char *out, size_t outlen);
/* "+12 %", "=", "nouveau": the change from prev to cur. */
void		 ctl_report_change(const struct ctl_report *,
		    unsigned long prev, unsigned long cur, char *out,
		    size_t outlen);
/* Figure i of territory ti (nt: the total) summed over months a..b. */
unsigned long	 ctl_report_value(const struct ctl_report *, size_t ti,
		    size_t i, size_t a, size_t b);
/* Whether month mi is some territory's current month (overdue shown). */
int		 ctl_report_is_today(const struct ctl_report *, size_t mi);
/* Whether some month of a..b is (a range under way: overdue shown). */
int		 ctl_report_today_in(const struct ctl_report *, size_t a,
		    size_t b);
/* "Personnes", "Messages", "Suivis". */
const char	*ctl_report_unit(const struct ctl_report *,
		    enum figures_unit);
/* The self-contained page. */
void		 ctl_report_html(const struct ctl_report *, struct buf *);

#endif
