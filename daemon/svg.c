/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* SVG line and grouped bar charts as text: titled, labelled, escaped, readable in colour, grey or by a screen reader. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "svg.h"
#include "utf8.h"

#define SVG_WIDTH	640
#define SVG_HEIGHT	320
#define SVG_FONT	"font-family=\"sans-serif\""
#define SVG_LEFT	64	/* room for the y axis's numbers and label */
#define SVG_RIGHT	16
#define SVG_TOP		36	/* the title */
#define SVG_LEGEND_W	120	/* one legend item, at least */
#define SVG_LEGEND_H	18
#define SVG_TICKS	5

/*
 * The Okabe-Ito palette (Okabe and Ito, 2008), told apart by people with
 * any common colour blindness; its yellow (#F0E442) is left out, too pale
 * on white, for a dark grey. Dashes, markers and hatches tell the series
 * apart again on a grey print.
 */
static const char *const svg_colours[SVG_NSTYLES] = { "#0072B2", "#D55E00",
	"#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#666666" };
static const char *const svg_dashes[SVG_NSTYLES] = { NULL, "8 4", "2 3",
	"10 3 2 3", "4 4", "12 4", "1 3", "6 2 2 2" };

/* The geometry of one chart. */
struct svg_frame {
	const struct svg_chart	*c;
	char			 id[48];
	int			 w, h;
	double			 x0, x1, y0, y1;	/* the plot area */
	double			 ymax, ystep;
	int			 legend_rows, legend_cols;
	double			 legend_w;
};

const char *
svg_colour(size_t i)
{
	return svg_colours[i % SVG_NSTYLES];
}

void
svg_escape(struct buf *b, const char *s)
{
	uint32_t	cp;
	size_t		n, len;

	if (s == NULL)
		return;
	len = strlen(s);
	while (len > 0) {
		n = utf8_decode(s, len, &cp);
		if (n == 0) {
			n = 1;
			cp = 0xfffd;
		}
		/* what neither XML 1.0 nor HTML5 text takes */
		if ((cp < 0x20 && cp != '\t' && cp != '\n') ||
		    (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff)
			cp = 0xfffd;
		switch (cp) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		case 0xfffd:
			buf_puts(b, "\xef\xbf\xbd");
			break;
		default:
			buf_append(b, s, n);
			break;
		}
		s += n;
		len -= n;
	}
}

/* A number as an axis or a tooltip shows it: no decimals when whole. */
static void
svg_num(struct buf *b, double v)
{
	if (!isfinite(v))
		v = 0;
	if (fabs(v - round(v)) < 1e-9 && fabs(v) < 1e15)
		buf_printf(b, "%.0f", v);
	else
		buf_printf(b, "%.2g", v);
}

/* A coordinate: one decimal, enough on a 640 px chart. */
static void
svg_xy(struct buf *b, double x, double y)
{
	buf_printf(b, "%.1f,%.1f", x, y);
}

static double
svg_value(const struct svg_chart *c, size_t s, size_t k)
{
	double	v;

	if (c->series[s].v == NULL)
		return 0;
	v = c->series[s].v[k];
	return isfinite(v) && v > 0 ? v : 0;
}

/* A "nice" step (1, 2 or 5 times a power of ten) for SVG_TICKS ticks. */
static double
svg_step(double max)
{
	double	raw = max / SVG_TICKS, p, f;

	if (raw <= 0)
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	if (f <= 1)
		f = 1;
	else if (f <= 2)
		f = 2;
	else if (f <= 5)
		f = 5;
	else
		f = 10;
	/* counts: no step below 1 */
	return f * p < 1 ? 1 : f * p;
}

static void
svg_frame(struct svg_frame *f, const struct svg_chart *c)
{
	const char	*id = c->id != NULL && *c->id != '\0' ? c->id : "chart";
	double		 max = 0;
	size_t		 s, k, i, j = 0;

	memset(f, 0, sizeof *f);
	f->c = c;
	/* ids go in attributes and url(#...): letters, digits, - and _ */
	for (i = 0; id[i] != '\0' && j + 1 < sizeof f->id; i++) {
		unsigned char ch = (unsigned char)id[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
			f->id[j++] = (char)ch;
	}
	f->id[j] = '\0';
	/* an id starts with a letter */
	if (j == 0 || !((f->id[0] >= 'a' && f->id[0] <= 'z') ||
	    (f->id[0] >= 'A' && f->id[0] <= 'Z'))) {
		j = j + 5 < sizeof f->id ? j : sizeof f->id - 6;
		memmove(f->id + 5, f->id, j);
		memcpy(f->id, "chart", 5);
		f->id[j + 5] = '\0';
	}
	f->w = c->width > 0 ? c->width : SVG_WIDTH;
	f->h = c->height > 0 ? c->height : SVG_HEIGHT;
	if (f->w < 200)
		f->w = 200;
	/* legend columns as wide as the longest name (~7 px a character) */
	f->legend_w = SVG_LEGEND_W;
	for (s = 0; s < c->nseries; s++) {
		double lw = 44 + 7 * (double)utf8_count(c->series[s].name != NULL ?
		    c->series[s].name : "", c->series[s].name != NULL ?
		    strlen(c->series[s].name) : 0);

		if (lw > f->legend_w)
			f->legend_w = lw;
	}
	f->legend_cols = (int)((f->w - SVG_LEFT) / f->legend_w);
	if (f->legend_cols < 1)
		f->legend_cols = 1;
	f->legend_rows = (int)((c->nseries + (size_t)f->legend_cols - 1) /
	    (size_t)f->legend_cols);
	f->x0 = SVG_LEFT;
	f->x1 = f->w - SVG_RIGHT;
	f->y0 = SVG_TOP;
	/* below the plot: category labels, the x label, the legend */
	f->y1 = f->h - 24 - (c->xlabel != NULL ? 18 : 0) -
	    f->legend_rows * SVG_LEGEND_H;
	if (f->y1 < f->y0 + 60) {
		f->h += (int)(f->y0 + 60 - f->y1);
		f->y1 = f->y0 + 60;
	}
	for (s = 0; s < c->nseries; s++) {
		for (k = 0; k < c->ncats; k++) {
			if (svg_value(c, s, k) > max)
				max = svg_value(c, s, k);
		}
	}
	f->ystep = svg_step(max);
	f->ymax = ceil(max / f->ystep) * f->ystep;
	if (f->ymax <= 0)
		f->ymax = f->ystep;
}

static double
svg_y(const struct svg_frame *f, double v)
{
	return f->y1 - (f->y1 - f->y0) * v / f->ymax;
}

/* The centre of category k. */
static double
svg_x(const struct svg_frame *f, size_t k)
{
	double	slot = (f->x1 - f->x0) / (double)(f->c->ncats > 0 ?
		    f->c->ncats : 1);

	return f->x0 + slot * ((double)k + 0.5);
}

/* <svg>, its accessible name and description, the visible title. */
static void
svg_open(struct buf *b, const struct svg_frame *f, const char *kind)
{
	const struct svg_chart	*c = f->c;

	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart %s\" id=\"%s\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-t\"",
	    kind, f->id, f->w, f->h, f->w, f->h, f->id);
	if (c->desc != NULL)
		buf_printf(b, " aria-describedby=\"%s-d\"", f->id);
	buf_puts(b, ">\n");
	/* the name twice: <title> for the SVG's own, the heading for ARIA's */
	buf_puts(b, "<title>");
	svg_escape(b, c->title);
	buf_puts(b, "</title>\n");
	if (c->desc != NULL) {
		buf_printf(b, "<desc id=\"%s-d\">", f->id);
		svg_escape(b, c->desc);
		buf_puts(b, "</desc>\n");
	}
	buf_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
	    f->w, f->h);
	buf_printf(b, "<text id=\"%s-t\" x=\"%d\" y=\"22\" " SVG_FONT
	    " font-size=\"15\" font-weight=\"bold\" fill=\"#000000\">", f->id,
	    SVG_LEFT);
	svg_escape(b, c->title);
	buf_puts(b, "</text>\n");
}

/* Grid lines, the axes' numbers and labels, the category labels. */
static void
svg_axes(struct buf *b, const struct svg_frame *f)
{
	const struct svg_chart	*c = f->c;
	double			 v, y, slot;
	size_t			 k, every;

	buf_puts(b, "<g " SVG_FONT " font-size=\"11\" fill=\"#000000\">\n");
	for (v = 0; v <= f->ymax + f->ystep / 2; v += f->ystep) {
		y = svg_y(f, v);
		buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n", f->x0, y,
		    f->x1, y, v == 0 ? "#000000" : "#d0d0d0");
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", f->x0 - 6, y + 4);
		svg_num(b, v);
		buf_puts(b, "</text>\n");
	}
	buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#000000\"/>\n", f->x0, f->y0, f->x0, f->y1);
	/* one label in every few when they would overlap (~56 px each) */
	slot = (f->x1 - f->x0) / (double)(c->ncats > 0 ? c->ncats : 1);
	every = slot >= 56 ? 1 : (size_t)ceil(56 / slot);
	for (k = 0; k < c->ncats; k++) {
		/* counted from the last category, which is always shown */
		if ((c->ncats - 1 - k) % every != 0)
			continue;
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", svg_x(f, k), f->y1 + 16);
		svg_escape(b, c->cats != NULL ? c->cats[k] : "");
		buf_puts(b, "</text>\n");
	}
	if (c->xlabel != NULL) {
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", (f->x0 + f->x1) / 2, f->y1 + 34);
		svg_escape(b, c->xlabel);
		buf_puts(b, "</text>\n");
	}
	if (c->ylabel != NULL) {
		buf_printf(b, "<text transform=\"translate(14 %.1f) "
		    "rotate(-90)\" text-anchor=\"middle\">", (f->y0 + f->y1) / 2);
		svg_escape(b, c->ylabel);
		buf_puts(b, "</text>\n");
	}
	buf_puts(b, "</g>\n");
}

/* Marker of style i centred on x, y: circle, square, triangles, ... */
static void
svg_marker(struct buf *b, size_t i, double x, double y, const char *colour)
{
	const double	r = 4;

	switch (i % SVG_NSTYLES) {
	case 0:
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"",
		    x, y, r);
		break;
	case 1:
		buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\"", x - r, y - r, 2 * r, 2 * r);
		break;
	case 2:
		buf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"",
		    x, y - r - 1, x + r + 1, y + r, x - r - 1, y + r);
		break;
	case 3:
		buf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f "
		    "%.1fZ\"", x, y - r - 1, x + r + 1, y, x, y + r + 1,
		    x - r - 1, y);
		break;
	case 4:
		buf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"",
		    x, y + r + 1, x + r + 1, y - r, x - r - 1, y - r);
		break;
	case 5:
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" "
		    "fill=\"#ffffff\" stroke-width=\"2\"", x, y, r);
		buf_printf(b, " stroke=\"%s\"/>\n", colour);
		return;
	case 6:
		buf_printf(b, "<path d=\"M%.1f %.1fh%.1fv%.1fh%.1fv%.1fh%.1f"
		    "v%.1fh%.1fv%.1fh%.1fv%.1fZ\"", x - 1.5, y - r - 1, 3.0,
		    r - 0.5, r - 0.5, 3.0, -(r - 0.5), r - 0.5, -3.0, -(r - 0.5),
		    -(r - 0.5), -3.0);
		break;
	default:
		buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#ffffff\" stroke-width=\"2\"",
		    x - r, y - r, 2 * r, 2 * r);
		buf_printf(b, " stroke=\"%s\"/>\n", colour);
		return;
	}
	buf_printf(b, " fill=\"%s\"/>\n", colour);
}

/* A hatch per bar style (none for the first), over the colour. */
static void
svg_patterns(struct buf *b, const struct svg_frame *f)
{
	static const char *const hatch[SVG_NSTYLES] = { NULL,
	    "M0 8L8 0", "M0 0L8 8", "M0 4H8", "M4 0V8", "M0 8L8 0M0 0L8 8",
	    "M3 3h2v2h-2Z", "M0 4H8M4 0V8" };
	size_t	i, n = f->c->nseries < SVG_NSTYLES ? f->c->nseries :
		    SVG_NSTYLES;

	buf_puts(b, "<defs>\n");
	for (i = 0; i < n; i++) {
		buf_printf(b, "<pattern id=\"%s-p%zu\" width=\"8\" height=\"8\" "
		    "patternUnits=\"userSpaceOnUse\"><rect width=\"8\" "
		    "height=\"8\" fill=\"%s\"/>", f->id, i, svg_colours[i]);
		if (hatch[i] != NULL)
			buf_printf(b, "<path d=\"%s\" stroke=\"#ffffff\" "
			    "stroke-width=\"1.5\" fill=\"#ffffff\"/>", hatch[i]);
		buf_puts(b, "</pattern>\n");
	}
	buf_puts(b, "</defs>\n");
}

/* The legend under the plot: a swatch (a line and marker, or a bar) and the name. */
static void
svg_legend(struct buf *b, const struct svg_frame *f, int bars)
{
	const struct svg_chart	*c = f->c;
	double			 x, y, top;
	size_t			 i, st;

	top = f->y1 + 24 + (c->xlabel != NULL ? 18 : 0);
	buf_puts(b, "<g class=\"legend\" " SVG_FONT " font-size=\"12\" "
	    "fill=\"#000000\">\n");
	for (i = 0; i < c->nseries; i++) {
		st = i % SVG_NSTYLES;
		x = f->x0 + (double)(i % (size_t)f->legend_cols) * f->legend_w;
		y = top + (double)(i / (size_t)f->legend_cols) * SVG_LEGEND_H +
		    12;
		if (bars)
			buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
			    "height=\"12\" fill=\"url(#%s-p%zu)\" "
			    "stroke=\"#000000\" stroke-width=\"0.5\"/>\n", x,
			    y - 10, f->id, st);
		else {
			buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" "
			    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			    "stroke-width=\"2.5\"", x, y - 4, x + 24, y - 4,
			    svg_colours[st]);
			if (svg_dashes[st] != NULL)
				buf_printf(b, " stroke-dasharray=\"%s\"",
				    svg_dashes[st]);
			buf_puts(b, "/>\n");
			svg_marker(b, st, x + 12, y - 4, svg_colours[st]);
		}
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 30, y);
		svg_escape(b, c->series[i].name);
		buf_puts(b, "</text>\n");
	}
	buf_puts(b, "</g>\n");
}

/* "<series>, <category>: <value>", a point's or a bar's tooltip. */
static void
svg_tip(struct buf *b, const struct svg_chart *c, size_t s, size_t k)
{
	buf_puts(b, "<title>");
	svg_escape(b, c->series[s].name);
	buf_puts(b, ", ");
	svg_escape(b, c->cats != NULL ? c->cats[k] : "");
	buf_puts(b, ": ");
	svg_num(b, svg_value(c, s, k));
	buf_puts(b, "</title>");
}

void
svg_line_chart(struct buf *b, const struct svg_chart *c)
{
	struct svg_frame	f;
	size_t			s, k, st;

	svg_frame(&f, c);
	svg_open(b, &f, "line");
	svg_axes(b, &f);
	for (s = 0; s < c->nseries; s++) {
		st = s % SVG_NSTYLES;
		buf_printf(b, "<g class=\"series\" data-series=\"%zu\">\n", s);
		if (c->ncats > 1) {
			buf_puts(b, "<polyline fill=\"none\" points=\"");
			for (k = 0; k < c->ncats; k++) {
				if (k > 0)
					buf_putc(b, ' ');
				svg_xy(b, svg_x(&f, k), svg_y(&f,
				    svg_value(c, s, k)));
			}
			buf_printf(b, "\" stroke=\"%s\" stroke-width=\"2.5\" "
			    "stroke-linejoin=\"round\"", svg_colours[st]);
			if (svg_dashes[st] != NULL)
				buf_printf(b, " stroke-dasharray=\"%s\"",
				    svg_dashes[st]);
			buf_puts(b, "/>\n");
		}
		for (k = 0; k < c->ncats; k++) {
			buf_puts(b, "<g>");
			svg_tip(b, c, s, k);
			svg_marker(b, st, svg_x(&f, k), svg_y(&f,
			    svg_value(c, s, k)), svg_colours[st]);
			buf_puts(b, "</g>\n");
		}
		buf_puts(b, "</g>\n");
	}
	svg_legend(b, &f, 0);
	buf_puts(b, "</svg>\n");
}

void
svg_bar_chart(struct buf *b, const struct svg_chart *c)
{
	struct svg_frame	f;
	double			slot, bw, x, y;
	size_t			s, k;

	svg_frame(&f, c);
	svg_open(b, &f, "bar");
	svg_patterns(b, &f);
	svg_axes(b, &f);
	slot = (f.x1 - f.x0) / (double)(c->ncats > 0 ? c->ncats : 1);
	bw = c->nseries > 0 ? slot * 0.8 / (double)c->nseries : 0;
	for (k = 0; k < c->ncats; k++) {
		for (s = 0; s < c->nseries; s++) {
			x = f.x0 + slot * (double)k + slot * 0.1 + bw *
			    (double)s;
			y = svg_y(&f, svg_value(c, s, k));
			buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"url(#%s-p%zu)\" stroke=\"#000000\" "
			    "stroke-width=\"0.5\">", x, y, bw > 1 ? bw - 1 : bw,
			    f.y1 - y, f.id, s % SVG_NSTYLES);
			svg_tip(b, c, s, k);
			buf_puts(b, "</rect>\n");
		}
	}
	svg_legend(b, &f, 1);
	buf_puts(b, "</svg>\n");
}
