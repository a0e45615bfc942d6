/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Time windows: parsing Alertmanager-style intervals and holidays, open checks, next opening. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "diag.h"
#include "tz.h"
#include "window.h"
#include "ynode.h"

#define WINDOW_DAY	86400
/* Days the parser looks ahead before calling a window one that never opens. */
#define WINDOW_CHECK_DAYS	366

/* An inclusive range of values, or [lo, hi) minutes for times. */
struct window_range {
	int	lo;
	int	hi;
};

/* One interval: every field present must match; empty fields match anything. */
struct window_interval {
	struct window_range	*times;		/* minutes of the day, end-exclusive */
	size_t			 ntimes;
	unsigned		 weekdays;	/* bit 0 Sunday .. bit 6 Saturday; 0: any */
	unsigned		 months;	/* bit 1 January .. bit 12; 0: any */
	struct window_range	*mdays;		/* -31..-1, 1..31 */
	size_t			 nmdays;
	struct window_range	*years;
	size_t			 nyears;
	const struct tz		*tz;		/* owned by the window */
};

struct window {
	struct window_interval	*ivs;
	size_t			 nivs;
	struct tz		**zones;	/* distinct locations, owned */
	size_t			 nzones;
	int64_t			*holidays;	/* local day numbers, sorted */
	size_t			 nholidays;
};

/* Parsing context: where messages go, and whether any was added. */
struct window_ctx {
	const char	*file;
	struct diag	*diag;
	int		 errors;
	struct window	*w;
};

static const char *const window_weekday_names[] = { "sunday", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday" };
static const char *const window_month_names[] = { "january", "february",
    "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december" };

static void
window_err(struct window_ctx *c, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
window_err(struct window_ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_add(c->diag, c->file, n->line, n->col, "%s", b.data);
	buf_free(&b);
	c->errors++;
}

static int
window_expect(struct window_ctx *c, const struct ynode *n,
    enum ynode_type type, const char *what)
{
	if (n->type == type)
		return 0;
	window_err(c, n, "%s must be a %s, not a %s", what,
	    ynode_type_name(type), ynode_type_name(n->type));
	return -1;
}

static int64_t
window_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* A whole decimal number, optionally negative, nothing else. */
static int
window_int(const char *s, size_t len, int *out)
{
	size_t	i = 0;
	int	v = 0, neg = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len || len - i > 6)
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

static int
window_name(const char *s, size_t len, const char *const *names, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0)
			return i;
	return -1;
}

/* Field kinds that share the "a" / "a:b" item syntax. */
enum window_field {
	WINDOW_WEEKDAYS,
	WINDOW_MDAYS,
	WINDOW_MONTHS,
	WINDOW_YEARS,
};

/* One end of a range item; -1 with a message naming the bad part. */
static int
window_value(struct window_ctx *c, const struct ynode *n, enum window_field f,
    const char *s, size_t len, int *out)
{
	switch (f) {
	case WINDOW_WEEKDAYS:
		if ((*out = window_name(s, len, window_weekday_names, 7)) >= 0)
			return 0;
		window_err(c, n, "unknown weekday \"%.*s\"", (int)len, s);
		return -1;
	case WINDOW_MDAYS:
		if (window_int(s, len, out) == 0 && *out != 0 &&
		    *out >= -31 && *out <= 31)
			return 0;
		window_err(c, n, "invalid day of month \"%.*s\"", (int)len, s);
		return -1;
	case WINDOW_MONTHS:
		if ((*out = window_name(s, len, window_month_names, 12)) >= 0) {
			(*out)++;
			return 0;
		}
		if (window_int(s, len, out) == 0 && *out >= 1 && *out <= 12)
			return 0;
		window_err(c, n, "unknown month \"%.*s\"", (int)len, s);
		return -1;
	case WINDOW_YEARS:
		if (window_int(s, len, out) == 0 && *out >= 1 && *out <= 9999)
			return 0;
		window_err(c, n, "invalid year \"%.*s\"", (int)len, s);
		return -1;
	}
	return -1;
}

/* "a" or "a:b", inclusive, checked the way Alertmanager checks it. */
static int
window_range_item(struct window_ctx *c, const struct ynode *n,
    enum window_field f, struct window_range *r)
{
	const char	*colon;
	size_t		 len;
	int		 lo, hi;

	if (window_expect(c, n, YNODE_SCALAR, "range") == -1)
		return -1;
	colon = strchr(n->value, ':');
	len = colon != NULL ? (size_t)(colon - n->value) : n->len;
	if (window_value(c, n, f, n->value, len, &r->lo) == -1)
		return -1;
	r->hi = r->lo;
	if (colon != NULL && window_value(c, n, f, colon + 1,
	    n->len - len - 1, &r->hi) == -1)
		return -1;
	if (f == WINDOW_MDAYS && r->lo < 0 && r->hi > 0) {
		window_err(c, n, "day range \"%s\" starts from the end of the "
		    "month but ends from its start", n->value);
		return -1;
	}
	/* negative days compared as in a 28-day month, which every month has */
	lo = f == WINDOW_MDAYS && r->lo < 0 ? 28 + r->lo : r->lo;
	hi = f == WINDOW_MDAYS && r->hi < 0 ? 28 + r->hi : r->hi;
	if (lo > hi) {
		window_err(c, n, "range \"%s\" ends before it starts", n->value);
		return -1;
	}
	return 0;
}

/* A sequence of range items into a bit mask (mask != NULL) or an array. */
static void
window_ranges(struct window_ctx *c, const struct ynode *n, enum window_field f,
    unsigned *mask, struct window_range **out, size_t *nout)
{
	static const char *const	 what[] = { "weekdays", "days_of_month",
					    "months", "years" };
	struct window_range		 r;
	size_t				 i;
	int				 v;

	if (window_expect(c, n, YNODE_SEQ, what[f]) == -1)
		return;
	for (i = 0; i < n->n; i++) {
		if (window_range_item(c, n->items[i], f, &r) == -1)
			continue;
		if (mask != NULL) {
			for (v = r.lo; v <= r.hi; v++)
				*mask |= 1U << v;
			continue;
		}
		*out = xrealloc(*out, (*nout + 1) * sizeof **out);
		(*out)[(*nout)++] = r;
	}
}

/* "H:MM" or "HH:MM" into minutes; "24:00" only where end is set. */
static int
window_time(const struct ynode *n, int end, int *out)
{
	const char	*s = n->value;
	int		 h, m;

	if (n->len < 4 || n->len > 5 ||
	    s[n->len - 3] != ':' || window_int(s, n->len - 3, &h) == -1 ||
	    s[0] == '-' || window_int(s + n->len - 2, 2, &m) == -1 ||
	    s[n->len - 2] == '-')
		return -1;
	if (h > 24 || m > 59 || (h == 24 && (m != 0 || !end)))
		return -1;
	*out = h * 60 + m;
	return 0;
}

static void
window_times(struct window_ctx *c, const struct ynode *n,
    struct window_interval *iv)
{
	const struct ynode	*item, *st, *en;
	struct window_range	 r;
	size_t			 i, k;

	if (window_expect(c, n, YNODE_SEQ, "times") == -1)
		return;
	for (i = 0; i < n->n; i++) {
		item = n->items[i];
		if (window_expect(c, item, YNODE_MAP, "times entry") == -1)
			continue;
		for (k = 0; k < item->n; k++)
			if (strcmp(item->keys[k]->value, "start_time") != 0 &&
			    strcmp(item->keys[k]->value, "end_time") != 0)
				window_err(c, item->keys[k],
				    "unknown key \"%s\" in times",
				    item->keys[k]->value);
		st = ynode_get(item, "start_time");
		en = ynode_get(item, "end_time");
		if (st == NULL || en == NULL) {
			window_err(c, item,
			    "times entry needs start_time and end_time");
			continue;
		}
		if (window_expect(c, st, YNODE_SCALAR, "start_time") == -1 ||
		    window_expect(c, en, YNODE_SCALAR, "end_time") == -1)
			continue;
		if (window_time(st, 0, &r.lo) == -1) {
			window_err(c, st, "invalid time \"%s\"", st->value);
			continue;
		}
		if (window_time(en, 1, &r.hi) == -1) {
			window_err(c, en, "invalid time \"%s\"", en->value);
			continue;
		}
		if (r.lo >= r.hi) {
			window_err(c, st, "start_time \"%s\" is not before "
			    "end_time \"%s\"", st->value, en->value);
			continue;
		}
		iv->times = xrealloc(iv->times, (iv->ntimes + 1) *
		    sizeof *iv->times);
		iv->times[iv->ntimes++] = r;
	}
}

/* The window's zone of that name, loaded once per window. */
static const struct tz *
window_zone(struct window_ctx *c, const struct ynode *n, const char *name)
{
	struct window	*w = c->w;
	struct tz	*z;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < w->nzones; i++)
		if (strcmp(tz_name(w->zones[i]), name) == 0)
			return w->zones[i];
	if ((z = tz_load(name, err, sizeof err)) == NULL) {
		if (errno == ENOENT)
			window_err(c, n, "unknown time zone \"%s\"", name);
		else
			window_err(c, n, "unknown time zone \"%s\" (%s)", name,
			    err);
		return NULL;
	}
	w->zones = xrealloc(w->zones, (w->nzones + 1) * sizeof *w->zones);
	w->zones[w->nzones++] = z;
	return z;
}

static void
window_interval(struct window_ctx *c, const struct ynode *n)
{
	struct window_interval	 iv;
	const struct ynode	*k, *v;
	const char		*loc = WINDOW_DEFAULT_LOCATION;
	const struct ynode	*locn = n;
	size_t			 i;

	if (window_expect(c, n, YNODE_MAP, "time interval") == -1)
		return;
	memset(&iv, 0, sizeof iv);
	for (i = 0; i < n->n; i++) {
		k = n->keys[i];
		v = n->items[i];
		if (strcmp(k->value, "times") == 0)
			window_times(c, v, &iv);
		else if (strcmp(k->value, "weekdays") == 0)
			window_ranges(c, v, WINDOW_WEEKDAYS, &iv.weekdays,
			    NULL, NULL);
		else if (strcmp(k->value, "days_of_month") == 0)
			window_ranges(c, v, WINDOW_MDAYS, NULL, &iv.mdays,
			    &iv.nmdays);
		else if (strcmp(k->value, "months") == 0)
			window_ranges(c, v, WINDOW_MONTHS, &iv.months, NULL,
			    NULL);
		else if (strcmp(k->value, "years") == 0)
			window_ranges(c, v, WINDOW_YEARS, NULL, &iv.years,
			    &iv.nyears);
		else if (strcmp(k->value, "location") == 0) {
			if (window_expect(c, v, YNODE_SCALAR, "location") == 0) {
				loc = v->value;
				locn = v;
			}
		} else
			window_err(c, k, "unknown key \"%s\" in time interval",
			    k->value);
	}
	iv.tz = window_zone(c, locn, loc);
	c->w->ivs = xrealloc(c->w->ivs, (c->w->nivs + 1) * sizeof *c->w->ivs);
	c->w->ivs[c->w->nivs++] = iv;
}

/* "YYYY-MM-DD", a real date from year 1, into a day number. */
static int
window_date(const struct ynode *n, int64_t *day)
{
	if (n->type != YNODE_SCALAR || tz_date(n->value, n->len, day) == -1 ||
	    memcmp(n->value, "0000", 4) == 0)
		return -1;
	return 0;
}

static void
window_holidays(struct window_ctx *c, const struct ynode *n)
{
	const struct ynode	*item, *date;
	struct window		*w = c->w;
	int64_t			 day;
	size_t			 i, k;

	if (window_expect(c, n, YNODE_SEQ, "holidays") == -1)
		return;
	for (i = 0; i < n->n; i++) {
		item = date = n->items[i];
		if (item->type == YNODE_MAP) {
			for (k = 0; k < item->n; k++)
				if (strcmp(item->keys[k]->value, "date") != 0 &&
				    strcmp(item->keys[k]->value, "name") != 0)
					window_err(c, item->keys[k],
					    "unknown key \"%s\" in holiday",
					    item->keys[k]->value);
			if ((date = ynode_get(item, "date")) == NULL) {
				window_err(c, item, "holiday needs a date");
				continue;
			}
		}
		if (window_expect(c, date, YNODE_SCALAR, "holiday date") == -1)
			continue;
		if (window_date(date, &day) == -1) {
			window_err(c, date, "invalid date \"%s\"", date->value);
			continue;
		}
		w->holidays = xrealloc(w->holidays, (w->nholidays + 1) *
		    sizeof *w->holidays);
		w->holidays[w->nholidays++] = day;
	}
}

static int
window_cmp_day(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int	window_search(const struct window *, int64_t, int, int64_t *);

struct window *
window_parse(const struct ynode *node, const struct ynode *holidays,
    int64_t now_ms, const char *file, struct diag *diag)
{
	struct window_ctx	 c = { file, diag, 0, NULL };
	const struct ynode	*ivs = node, *k;
	int64_t			 at;
	size_t			 i;

	c.w = xcalloc(1, sizeof *c.w);
	if (node->type == YNODE_MAP) {
		for (i = 0; i < node->n; i++) {
			k = node->keys[i];
			if (strcmp(k->value, "intervals") != 0 &&
			    strcmp(k->value, "holidays") != 0)
				window_err(&c, k, "unknown key \"%s\" in window",
				    k->value);
		}
		if ((ivs = ynode_get(node, "intervals")) == NULL)
			window_err(&c, node, "window needs intervals");
		if (ynode_get(node, "holidays") != NULL)
			window_holidays(&c, ynode_get(node, "holidays"));
	}
	if (ivs != NULL && window_expect(&c, ivs, YNODE_SEQ, "window") == 0)
		for (i = 0; i < ivs->n; i++)
			window_interval(&c, ivs->items[i]);
	if (holidays != NULL)
		window_holidays(&c, holidays);
	if (c.errors > 0)
		goto fail;
	if (c.w->nholidays > 0)
		qsort(c.w->holidays, c.w->nholidays, sizeof *c.w->holidays,
		    window_cmp_day);
	if (window_search(c.w, now_ms, WINDOW_CHECK_DAYS, &at) == -1) {
		window_err(&c, node, "window never opens");
		goto fail;
	}
	return c.w;
fail:
	window_free(c.w);
	return NULL;
}

void
window_free(struct window *w)
{
	size_t	i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nivs; i++) {
		free(w->ivs[i].times);
		free(w->ivs[i].mdays);
		free(w->ivs[i].years);
	}
	free(w->ivs);
	for (i = 0; i < w->nzones; i++)
		tz_free(w->zones[i]);
	free(w->zones);
	free(w->holidays);
	free(w);
}

static int
window_holiday(const struct window *w, int64_t day)
{
	return w->nholidays > 0 && bsearch(&day, w->holidays, w->nholidays,
	    sizeof *w->holidays, window_cmp_day) != NULL;
}

/* Alertmanager's day-of-month test: negatives count from the month's end, clamped to it. */
static int
window_mday_ok(const struct window_interval *iv, int64_t y, int m, int d)
{
	int	dim = tz_days_in_month(y, m), lo, hi;
	size_t	i;

	if (iv->nmdays == 0)
		return 1;
	for (i = 0; i < iv->nmdays; i++) {
		lo = iv->mdays[i].lo < 0 ? dim + iv->mdays[i].lo + 1 :
		    iv->mdays[i].lo;
		hi = iv->mdays[i].hi < 0 ? dim + iv->mdays[i].hi + 1 :
		    iv->mdays[i].hi;
		if (lo > dim)
			continue;
		if (d >= lo && d <= hi)
			return 1;
	}
	return 0;
}

/* Whether local day number day passes every day-level field of iv. */
static int
window_day_ok(const struct window *w, const struct window_interval *iv,
    int64_t day)
{
	int64_t	y;
	int	m, d;
	size_t	i;

	tz_civil_from_days(day, &y, &m, &d);
	if (iv->weekdays != 0 && !(iv->weekdays & 1U << tz_weekday(day)))
		return 0;
	if (iv->months != 0 && !(iv->months & 1U << m))
		return 0;
	if (iv->nyears > 0) {
		for (i = 0; i < iv->nyears; i++)
			if (y >= iv->years[i].lo && y <= iv->years[i].hi)
				break;
		if (i == iv->nyears)
			return 0;
	}
	return window_mday_ok(iv, y, m, d) && !window_holiday(w, day);
}

static int
window_open_s(const struct window *w, int64_t t)
{
	const struct window_interval	*iv;
	int64_t				 local, day, min;
	size_t				 i, k;

	for (i = 0; i < w->nivs; i++) {
		iv = &w->ivs[i];
		local = tz_utc_to_local(iv->tz, t);
		day = window_floor_div(local, WINDOW_DAY);
		if (!window_day_ok(w, iv, day))
			continue;
		if (iv->ntimes == 0)
			return 1;
		/* Alertmanager compares whole minutes of the wall clock */
		min = (local - day * WINDOW_DAY) / 60;
		for (k = 0; k < iv->ntimes; k++)
			if (min >= iv->times[k].lo && min < iv->times[k].hi)
				return 1;
	}
	return 0;
}

int
window_is_open(const struct window *w, int64_t t_ms)
{
	return window_open_s(w, window_floor_div(t_ms, 1000));
}

/*
 * The window opens either where a wall clock reaches the start of a range
 * on a matching day (each instant showing it: two in a fall-back overlap,
 * the end of the gap when skipped), or where a zone's clock jumps into a
 * range. Every such candidate is checked; the earliest open one wins.
 */
static int
window_search(const struct window *w, int64_t t_ms, int days, int64_t *out)
{
	const struct window_interval	*iv;
	int64_t				 start, limit, best = INT64_MAX;
	int64_t				 d, x, nx, u[2];
	size_t				 i, k;
	int				 n, j, lo;

	if (window_is_open(w, t_ms)) {
		*out = t_ms;
		return 0;
	}
	start = -window_floor_div(-t_ms, 1000);		/* first whole second */
	limit = start + (int64_t)days * WINDOW_DAY;
	for (i = 0; i < w->nzones; i++) {
		for (x = start - 1; tz_next_transition(w->zones[i], x, &nx) == 0 &&
		    nx <= limit && nx < best; x = nx) {
			if (window_open_s(w, nx)) {
				best = nx;
				break;
			}
		}
	}
	/* a wall time of local day d is within two days of d in UTC */
	for (d = window_floor_div(start, WINDOW_DAY) - 2;
	    d <= window_floor_div(limit, WINDOW_DAY) + 2 &&
	    (d - 2) * WINDOW_DAY <= best; d++) {
		for (i = 0; i < w->nivs; i++) {
			iv = &w->ivs[i];
			if (!window_day_ok(w, iv, d))
				continue;
			for (k = 0; k < (iv->ntimes > 0 ? iv->ntimes : 1); k++) {
				lo = iv->ntimes > 0 ? iv->times[k].lo : 0;
				x = d * WINDOW_DAY + lo * 60;
				if ((n = tz_local_instants(iv->tz, x, u, 2)) == 0) {
					u[0] = tz_local_to_utc(iv->tz, x);
					n = 1;
				}
				for (j = 0; j < n && j < 2; j++)
					if (u[j] >= start && u[j] <= limit &&
					    u[j] < best && window_open_s(w, u[j]))
						best = u[j];
			}
		}
	}
	if (best == INT64_MAX)
		return -1;
	*out = best * 1000;
	return 0;
}

int
window_next_open(const struct window *w, int64_t t_ms, int64_t *out_ms)
{
	return window_search(w, t_ms, WINDOW_HORIZON_DAYS, out_ms);
}
