/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Prometheus text-format helpers: HELP/TYPE lines, samples, histograms. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_prom.h"
#include "buf.h"
#include "log.h"
#include "utf8.h"

static const double admin_bounds[ADMIN_HISTOGRAM_NBOUNDS] =
    ADMIN_HISTOGRAM_BOUNDS;

/* Appends s as UTF-8, escaping \ and newline, and " when quoted. */
static void
admin_escape(struct buf *b, const char *s, int quoted)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		if (*p == '\\')
			buf_puts(b, "\\\\");
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '"' && quoted)
			buf_puts(b, "\\\"");
		else if ((n = utf8_decode_str((const char *)p, NULL)) == 0) {
			buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
			p++;
			continue;
		} else {
			buf_append(b, p, n);
			p += n;
			continue;
		}
		p++;
	}
}

static int
admin_name_ok(const char *s, int metric)
{
	const char	*p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	if (!metric && s[0] == '_' && s[1] == '_')
		return 0;	/* reserved for Prometheus itself */
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' ||
		    (metric && *p == ':')))
			return 0;
	return 1;
}

/* The shortest text that reads back as v, in Go's ParseFloat spellings. */
static char *
admin_value(double v, char *s, size_t len)
{
	if (isnan(v))
		snprintf(s, len, "NaN");
	else if (isinf(v))
		snprintf(s, len, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(s, len, "%.0f", v);
	else {
		snprintf(s, len, "%.15g", v);
		if (strtod(s, NULL) != v)
			snprintf(s, len, "%.17g", v);
	}
	return s;
}

void
admin_metric_help(struct buf *b, const char *name, enum admin_metric_type type,
    const char *help)
{
	static const char *const types[] = {
		[ADMIN_COUNTER] = "counter",
		[ADMIN_GAUGE] = "gauge",
		[ADMIN_HISTOGRAM] = "histogram",
	};

	if (!admin_name_ok(name, 1) || (unsigned)type >= sizeof types /
	    sizeof types[0]) {
		log_warnx("admin: metric family \"%s\" skipped: bad name or "
		    "type", name != NULL ? name : "");
		return;
	}
	buf_printf(b, "# HELP %s ", name);
	admin_escape(b, help, 0);
	buf_printf(b, "\n# TYPE %s %s\n", name, types[type]);
}

/*
 * One sample line: name+suffix, the label pairs of ap, then le if given.
 * On a bad name nothing is written (what was appended is taken back).
 */
static void
admin_sample(struct buf *b, const char *name, const char *suffix,
    va_list ap, const char *le, double value)
{
	const char	*k, *v;
	char		 num[32];
	size_t		 start = b->len;
	int		 nlabels = 0;

	if (!admin_name_ok(name, 1))
		goto fail;
	buf_printf(b, "%s%s", name, suffix);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (!admin_name_ok(k, 0) || v == NULL)
			goto fail;
		buf_printf(b, "%s%s=\"", nlabels++ == 0 ? "{" : ",", k);
		admin_escape(b, v, 1);
		buf_putc(b, '"');
	}
	if (le != NULL)
		buf_printf(b, "%sle=\"%s\"", nlabels++ == 0 ? "{" : ",", le);
	if (nlabels > 0)
		buf_putc(b, '}');
	buf_printf(b, " %s\n", admin_value(value, num, sizeof num));
	return;

fail:
	log_warnx("admin: sample of \"%s\" skipped: bad metric or label name",
	    name != NULL ? name : "");
	if (b->data != NULL) {
		b->len = start;
		b->data[start] = '\0';
	}
}

void
admin_metric(struct buf *b, const char *name, double value, ...)
{
	va_list	ap;

	va_start(ap, value);
	admin_sample(b, name, "", ap, NULL, value);
	va_end(ap);
}

void
admin_histogram_observe(struct admin_histogram *h, double value_ms)
{
	size_t	i;

	if (isnan(value_ms))
		return;
	if (value_ms < 0)
		value_ms = 0;
	/* le is inclusive: an observation equal to a bound falls in it */
	for (i = 0; i < ADMIN_HISTOGRAM_NBOUNDS; i++)
		if (value_ms <= admin_bounds[i])
			break;
	h->counts[i]++;
	h->count++;
	h->sum += value_ms;
}

void
admin_histogram_write(struct buf *b, const char *name,
    const struct admin_histogram *h, ...)
{
	va_list		 ap, aq;
	const char	*k;
	unsigned long	 cum = 0;
	char		 le[32];
	size_t		 i;

	va_start(ap, h);
	/* le is ours; checked once rather than on each of the 16 lines */
	va_copy(aq, ap);
	while ((k = va_arg(aq, const char *)) != NULL &&
	    va_arg(aq, const char *) != NULL && strcmp(k, "le") != 0)
		;
	va_end(aq);
	if (k != NULL) {
		log_warnx("admin: histogram \"%s\" skipped: bad label",
		    name != NULL ? name : "");
		va_end(ap);
		return;
	}
	for (i = 0; i <= ADMIN_HISTOGRAM_NBOUNDS; i++) {
		cum += h->counts[i];
		admin_value(i < ADMIN_HISTOGRAM_NBOUNDS ?
		    admin_bounds[i] / 1000 : INFINITY, le, sizeof le);
		va_copy(aq, ap);
		admin_sample(b, name, "_bucket", aq, le, (double)cum);
		va_end(aq);
	}
	va_copy(aq, ap);
	admin_sample(b, name, "_sum", aq, NULL, h->sum / 1000);
	va_end(aq);
	admin_sample(b, name, "_count", ap, NULL, (double)h->count);
	va_end(ap);
}
