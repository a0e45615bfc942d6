/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Small SVG charts written as text into a struct buf: a line chart of
 * several series over categories (months; territories side by side) and a
 * grouped bar chart. Used by the console's Overview page and relaisctl
 * report --html.
 *
 * What comes out is one self-contained <svg> element (no external fonts,
 * CSS or scripts; inline in HTML5 or alone as a file with its xmlns): a
 * <title>, the title again as a visible heading (id "<id>-t", which
 * role="img" aria-labelledby names), the <desc> (id "<id>-d",
 * aria-describedby), a tooltip per point or bar, axis labels, a legend,
 * every text escaped. Ids start with the chart's id: give each chart of a
 * page its own. Series are told apart by colour (the Okabe-Ito palette, read by
 * colour-blind people) and also by marker shape and dash pattern for
 * lines, hatching for bars, so that a grey print still reads.
 *
 * Pure: no I/O; the chart's strings are borrowed for the call.
 */
#ifndef RELAIS_SVG_H
#define RELAIS_SVG_H

#include <stddef.h>

struct buf;

/* One series: a value per category (n of them: the chart's ncats). */
struct svg_series {
	const char	*name;		/* the legend's text */
	const double	*v;		/* values >= 0; NULL: every one 0 */
};

struct svg_chart {
	const char			*id;	/* element id prefix, [A-Za-z0-9_-], may be NULL */
	const char			*title;
	const char			*desc;	/* longer text for screen readers, may be NULL */
	const char			*xlabel;	/* may be NULL */
	const char			*ylabel;	/* may be NULL */
	const char *const		*cats;	/* category labels (months) */
	size_t				 ncats;	/* 0 is fine: an empty frame */
	const struct svg_series		*series;
	size_t				 nseries;
	int				 width;	/* px; 0: 640 */
	int				 height;	/* px; 0: 320 */
};

/*
 * The number of distinct looks (colour, marker, dash, hatch): series past
 * it reuse them in turn.
 */
#define SVG_NSTYLES	8

/* A line per series over the categories; one category: points alone. */
void	svg_line_chart(struct buf *, const struct svg_chart *);
/* Per category, a bar per series side by side. */
void	svg_bar_chart(struct buf *, const struct svg_chart *);
/*
 * s escaped for XML text and attributes (& < > " '); control characters
 * other than tab and newline, and invalid UTF-8, become U+FFFD.
 */
void	svg_escape(struct buf *, const char *s);
/* The fill colour of series i ("#0072B2"), for a table's legend. */
const char *svg_colour(size_t i);

#endif
