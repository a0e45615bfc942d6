/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* TZif reader (RFC 8536) with the POSIX TZ footer rule, and wall-time conversions both ways. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tz.h"

#define TZ_DAY		86400
/* Largest offset accepted; conversions search two days around a wall time. */
#define TZ_MAX_OFF	(26 * 3600)
#define TZ_MAX_FILE	(1 << 20)

/* The day a POSIX rule names in a year: Jn, n, or Mm.w.d. */
struct tz_date {
	char	 kind;		/* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
	int	 n;
	int	 m;
	int	 w;
	int	 d;
	int32_t	 time;		/* seconds after local midnight, may be < 0 or > 24 h */
};

/* A POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0", offsets east of UTC. */
struct tz_posix {
	int32_t		 std_off;
	int32_t		 dst_off;
	int		 has_dst;
	struct tz_date	 start;		/* in standard time */
	struct tz_date	 end;		/* in daylight time */
};

struct tz {
	char		*name;
	int64_t		*trans;		/* transition instants, ascending */
	int32_t		*offs;		/* offset from trans[i] on */
	size_t		 ntrans;
	int32_t		 first_off;	/* before the first transition (type 0) */
	int		 has_footer;
	struct tz_posix	 footer;	/* after the last transition */
};

static void
tz_seterr(char *err, size_t errlen, const char *msg)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	/* H. Hinnant's algorithm: days since 1970-01-01, any year. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t		z, era, doe, yoe, doy, mp;

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
tz_weekday(int64_t days)
{
	int64_t	w = (days + 4) % 7;	/* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

static int
tz_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_days_in_month(int64_t y, int m)
{
	static const int	dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m == 2 && tz_leap(y))
		return 29;
	return dim[m - 1];
}

int
tz_ymd(const char *s, int *y, int *m, int *d)
{
	static const int	at[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
	int			v[8];
	size_t			i;

	if (s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < sizeof at / sizeof *at; i++) {
		if (s[at[i]] < '0' || s[at[i]] > '9')
			return -1;
		v[i] = s[at[i]] - '0';
	}
	*y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
	*m = v[4] * 10 + v[5];
	*d = v[6] * 10 + v[7];
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31 ? 0 : -1;
}

int
tz_date(const char *s, size_t len, int64_t *day)
{
	int	y, m, d;

	if (len != 10 || tz_ymd(s, &y, &m, &d) == -1 ||
	    d > tz_days_in_month(y, m))
		return -1;
	*day = tz_days_from_civil(y, m, d);
	return 0;
}

static int64_t
tz_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
tz_local_day(const struct tz *tz, int64_t ms)
{
	int64_t	t = tz_floor_div(ms, 1000);

	return tz_floor_div(tz != NULL ? tz_utc_to_local(tz, t) : t, TZ_DAY);
}

static int64_t
tz_year_of(int64_t local)
{
	int64_t	y;
	int	m, d;

	tz_civil_from_days(tz_floor_div(local, TZ_DAY), &y, &m, &d);
	return y;
}

/* UTC instant of a rule's date in year y, off being the offset in effect before it. */
static int64_t
tz_rule_utc(const struct tz_date *r, int64_t y, int32_t off)
{
	int64_t	days;
	int	first, dim;

	switch (r->kind) {
	case 'J':
		days = tz_days_from_civil(y, 1, 1) + r->n - 1 +
		    (tz_leap(y) && r->n >= 60);
		break;
	case 'D':
		days = tz_days_from_civil(y, 1, 1) + r->n;
		break;
	default:
		days = tz_days_from_civil(y, r->m, 1);
		first = tz_weekday(days);
		dim = tz_days_in_month(y, r->m);
		days += (r->d - first + 7) % 7 + (r->w - 1) * 7;
		/* week 5 means the last such weekday of the month */
		while (days >= tz_days_from_civil(y, r->m, 1) + dim)
			days -= 7;
		break;
	}
	return days * TZ_DAY + r->time - off;
}

static int
tz_posix_isdst(const struct tz_posix *p, int64_t t)
{
	int64_t	y, s, e;

	if (!p->has_dst)
		return 0;
	y = tz_year_of(t + p->std_off);
	s = tz_rule_utc(&p->start, y, p->std_off);
	e = tz_rule_utc(&p->end, y, p->dst_off);
	if (s < e)
		return t >= s && t < e;
	/* southern hemisphere (or negative DST): daylight time spans new year */
	return t < e || t >= s;
}

static int32_t
tz_posix_offset(const struct tz_posix *p, int64_t t)
{
	return tz_posix_isdst(p, t) ? p->dst_off : p->std_off;
}

int32_t
tz_offset(const struct tz *z, int64_t t)
{
	size_t	lo, hi, mid;

	if (z->ntrans > 0 && t < z->trans[0])
		return z->first_off;
	if (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]) {
		if (z->has_footer)
			return tz_posix_offset(&z->footer, t);
		return z->ntrans > 0 ? z->offs[z->ntrans - 1] : z->first_off;
	}
	/* the last transition at or before t */
	lo = 0;
	hi = z->ntrans - 1;
	while (lo + 1 < hi) {
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->offs[lo];
}

int64_t
tz_utc_to_local(const struct tz *z, int64_t t)
{
	return t + tz_offset(z, t);
}

int
tz_next_transition(const struct tz *z, int64_t t, int64_t *next)
{
	const struct tz_posix	*p = &z->footer;
	int64_t			 y, c[2], best;
	size_t			 i, hi, mid;
	int			 k;

	if (z->ntrans > 0 && t < z->trans[z->ntrans - 1]) {
		/* the first transition after t */
		for (i = 0, hi = z->ntrans - 1; i < hi;) {
			mid = i + (hi - i) / 2;
			if (z->trans[mid] <= t)
				i = mid + 1;
			else
				hi = mid;
		}
		/* Why the offset check: a TZif transition may change only the abbreviation. */
		for (; i < z->ntrans; i++) {
			if (tz_offset(z, z->trans[i]) !=
			    tz_offset(z, z->trans[i] - 1)) {
				*next = z->trans[i];
				return 0;
			}
		}
		t = z->trans[z->ntrans - 1];
	}
	if (!z->has_footer || !p->has_dst)
		return -1;
	for (y = tz_year_of(t + p->std_off) - 1; y <= tz_year_of(t +
	    p->std_off) + 2; y++) {
		c[0] = tz_rule_utc(&p->start, y, p->std_off);
		c[1] = tz_rule_utc(&p->end, y, p->dst_off);
		best = INT64_MAX;
		for (k = 0; k < 2; k++)
			if (c[k] > t && c[k] < best &&
			    tz_offset(z, c[k]) != tz_offset(z, c[k] - 1))
				best = c[k];
		if (best != INT64_MAX) {
			*next = best;
			return 0;
		}
	}
	return -1;
}

/*
 * Walks the offset segments of the two days around wall time l: u = l - off
 * is a solution when it lies in the segment where off applies. Returns the
 * number of solutions; *gap gets the transition that skipped l, if any.
 */
static int
tz_resolve(const struct tz *z, int64_t l, int64_t *out, int max, int64_t *gap)
{
	int64_t	cur, end, nx, u, lim = l + 2 * TZ_DAY;
	int32_t	off, prev;
	int	n = 0, has, guard;

	cur = l - 2 * TZ_DAY;
	off = tz_offset(z, cur);
	*gap = INT64_MIN;
	for (guard = 0; guard < 64; guard++) {
		has = tz_next_transition(z, cur, &nx) == 0 && nx <= lim;
		end = has ? nx : lim + 1;
		u = l - off;
		if (u >= cur && u < end) {
			if (n < max)
				out[n] = u;
			n++;
		}
		if (!has)
			break;
		prev = off;
		off = tz_offset(z, nx);
		if (prev < off && l >= nx + prev && l < nx + off)
			*gap = nx;
		cur = nx;
	}
	return n;
}

int
tz_local_instants(const struct tz *z, int64_t l, int64_t *out, int max)
{
	int64_t	gap;

	return tz_resolve(z, l, out, max, &gap);
}

int64_t
tz_local_to_utc(const struct tz *z, int64_t l)
{
	int64_t	u, gap;

	if (tz_resolve(z, l, &u, 1, &gap) > 0)
		return u;
	if (gap != INT64_MIN)
		return gap;
	return l - tz_offset(z, l);
}

/* [+-]h[h[h]][:mm[:ss]] into seconds; maxh bounds the hours. NULL on error. */
static const char *
tz_parse_hms(const char *s, int maxh, int32_t *out)
{
	int	sign = 1, part, v, i;
	int32_t	total = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (part = 0; part < 3; part++) {
		if (part > 0) {
			if (*s != ':')
				break;
			s++;
		}
		if (*s < '0' || *s > '9')
			return NULL;
		for (v = 0, i = 0; *s >= '0' && *s <= '9'; s++, i++) {
			if (i == 3)
				return NULL;
			v = v * 10 + (*s - '0');
		}
		if (part == 0 && v > maxh)
			return NULL;
		if (part > 0 && (i != 2 || v > 59))
			return NULL;
		total += v * (part == 0 ? 3600 : part == 1 ? 60 : 1);
	}
	*out = sign * total;
	return s;
}

static const char *
tz_parse_abbr(const char *s)
{
	const char	*p = s;

	if (*s == '<') {
		for (p = s + 1; *p != '\0' && *p != '>'; p++)
			;
		return *p == '>' && p - s >= 4 ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static const char *
tz_parse_num(const char *s, int lo, int hi, int *out)
{
	int	v = 0, i;

	for (i = 0; *s >= '0' && *s <= '9'; s++, i++) {
		if (i == 3)
			return NULL;
		v = v * 10 + (*s - '0');
	}
	if (i == 0 || v < lo || v > hi)
		return NULL;
	*out = v;
	return s;
}

static const char *
tz_parse_date(const char *s, struct tz_date *r)
{
	r->time = 2 * 3600;
	if (*s == 'J') {
		r->kind = 'J';
		s = tz_parse_num(s + 1, 1, 365, &r->n);
	} else if (*s == 'M') {
		r->kind = 'M';
		if ((s = tz_parse_num(s + 1, 1, 12, &r->m)) == NULL || *s++ != '.')
			return NULL;
		if ((s = tz_parse_num(s, 1, 5, &r->w)) == NULL || *s++ != '.')
			return NULL;
		s = tz_parse_num(s, 0, 6, &r->d);
	} else {
		r->kind = 'D';
		s = tz_parse_num(s, 0, 365, &r->n);
	}
	if (s != NULL && *s == '/')
		s = tz_parse_hms(s + 1, 167, &r->time);
	return s;
}

static int
tz_parse_posix(const char *s, struct tz_posix *p)
{
	int32_t	v;

	memset(p, 0, sizeof *p);
	if ((s = tz_parse_abbr(s)) == NULL ||
	    (s = tz_parse_hms(s, 24, &v)) == NULL)
		return -1;
	p->std_off = -v;	/* POSIX counts west of UTC */
	if (*s == '\0')
		return 0;
	if ((s = tz_parse_abbr(s)) == NULL)
		return -1;
	p->has_dst = 1;
	p->dst_off = p->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = tz_parse_hms(s, 24, &v)) == NULL)
			return -1;
		p->dst_off = -v;
	}
	if (*s == '\0') {
		/* no rule given: the US rule, as glibc assumes */
		p->start = (struct tz_date){ 'M', 0, 3, 2, 0, 7200 };
		p->end = (struct tz_date){ 'M', 0, 11, 1, 0, 7200 };
		return 0;
	}
	if (*s++ != ',' || (s = tz_parse_date(s, &p->start)) == NULL ||
	    *s++ != ',' || (s = tz_parse_date(s, &p->end)) == NULL)
		return -1;
	return *s == '\0' ? 0 : -1;
}

static uint32_t
tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

/* The six counts of a TZif header, in file order. */
struct tz_head {
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int
tz_read_head(const unsigned char *p, size_t len, struct tz_head *h, int *version)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0 ||
	    (p[4] != 0 && (p[4] < '2' || p[4] > '9')))
		return -1;
	*version = p[4] == 0 ? 1 : p[4] - '0';
	h->isutcnt = tz_be32(p + 20);
	h->isstdcnt = tz_be32(p + 24);
	h->leapcnt = tz_be32(p + 28);
	h->timecnt = tz_be32(p + 32);
	h->typecnt = tz_be32(p + 36);
	h->charcnt = tz_be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
	    h->timecnt > 1000000 || h->leapcnt > 100000 || h->charcnt > 100000)
		return -1;
	return 0;
}

static uint64_t
tz_block_len(const struct tz_head *h, int tsize)
{
	return (uint64_t)h->timecnt * tsize + h->timecnt + h->typecnt * 6ULL +
	    h->charcnt + h->leapcnt * (tsize + 4ULL) + h->isstdcnt + h->isutcnt;
}

/* Transitions and types of one data block (tsize 4: v1, 8: v2+). */
static int
tz_read_block(struct tz *z, const unsigned char *p, const struct tz_head *h,
    int tsize)
{
	const unsigned char	*idx = p + (size_t)h->timecnt * tsize;
	const unsigned char	*types = idx + h->timecnt;
	int32_t			 off;
	size_t			 i;

	for (i = 0; i < h->typecnt; i++) {
		off = (int32_t)tz_be32(types + i * 6);
		if (off < -TZ_MAX_OFF || off > TZ_MAX_OFF)
			return -1;
	}
	z->first_off = (int32_t)tz_be32(types);
	z->ntrans = h->timecnt;
	z->trans = xcalloc(h->timecnt + 1, sizeof *z->trans);
	z->offs = xcalloc(h->timecnt + 1, sizeof *z->offs);
	for (i = 0; i < h->timecnt; i++) {
		z->trans[i] = tsize == 8 ? tz_be64(p + i * 8) :
		    (int32_t)tz_be32(p + i * 4);
		if (idx[i] >= h->typecnt ||
		    (i > 0 && z->trans[i] <= z->trans[i - 1]))
			return -1;
		z->offs[i] = (int32_t)tz_be32(types + idx[i] * 6);
	}
	return 0;
}

struct tz *
tz_from_tzif(const char *name, const void *data, size_t len, char *err,
    size_t errlen)
{
	const unsigned char	*p = data, *foot, *nl;
	struct tz_head		 h;
	struct tz		*z;
	uint64_t		 blen;
	char			*rule = NULL;
	int			 version;

	z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	if (tz_read_head(p, len, &h, &version) == -1)
		goto bad;
	blen = tz_block_len(&h, 4);
	if (blen > len - 44)
		goto bad;
	if (version < 2) {
		if (tz_read_block(z, p + 44, &h, 4) == -1)
			goto bad;
		return z;
	}
	/* v2+: skip the 32-bit block, read the 64-bit one and the footer */
	p += 44 + blen;
	len -= 44 + blen;
	if (tz_read_head(p, len, &h, &version) == -1)
		goto bad;
	blen = tz_block_len(&h, 8);
	if (blen > len - 44 || tz_read_block(z, p + 44, &h, 8) == -1)
		goto bad;
	foot = p + 44 + blen;
	len -= 44 + blen;
	if (len < 2 || foot[0] != '\n' ||
	    (nl = memchr(foot + 1, '\n', len - 1)) == NULL)
		goto bad;
	if (nl > foot + 1) {
		rule = xstrndup((const char *)foot + 1, nl - foot - 1);
		if (tz_parse_posix(rule, &z->footer) == -1) {
			if (errlen > 0)
				snprintf(err, errlen, "bad TZ rule \"%s\"", rule);
			free(rule);
			tz_free(z);
			return NULL;
		}
		z->has_footer = 1;
		free(rule);
	}
	return z;
bad:
	tz_seterr(err, errlen, "not a valid TZif file");
	tz_free(z);
	return NULL;
}

struct tz *
tz_from_posix(const char *rule, char *err, size_t errlen)
{
	struct tz	*z;

	z = xcalloc(1, sizeof *z);
	z->name = xstrdup(rule);
	if (tz_parse_posix(rule, &z->footer) == -1) {
		tz_seterr(err, errlen, "bad TZ rule");
		tz_free(z);
		return NULL;
	}
	z->has_footer = 1;
	z->first_off = z->footer.std_off;
	return z;
}

/* IANA names are relative paths of letters, digits, "/", "_", "-", "+" and ".". */
static int
tz_name_ok(const char *name)
{
	const char	*s;

	if (name[0] == '\0' || name[0] == '/' || name[0] == '.' ||
	    strlen(name) > 255 || strstr(name, "/.") != NULL ||
	    strstr(name, "//") != NULL)
		return 0;
	for (s = name; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("/_-+.", *s) != NULL))
			return 0;
	return 1;
}

struct tz *
tz_load_dir(const char *dir, const char *name, char *err, size_t errlen)
{
	struct buf	 b;
	struct tz	*z;
	char		 chunk[4096], *path;
	FILE		*f;
	size_t		 got;
	int		 saved;

	if (!tz_name_ok(name)) {
		tz_seterr(err, errlen, "not a time zone name");
		errno = ENOENT;
		return NULL;
	}
	buf_init(&b);
	buf_printf(&b, "%s/%s", dir, name);
	path = buf_steal(&b, NULL);
	if ((f = fopen(path, "rb")) == NULL) {
		saved = errno == ENOTDIR ? ENOENT : errno;
		if (errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		errno = saved;
		return NULL;
	}
	free(path);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 &&
	    b.len < TZ_MAX_FILE)
		buf_append(&b, chunk, got);
	fclose(f);
	z = tz_from_tzif(name, b.data != NULL ? b.data : "", b.len, err,
	    errlen);
	buf_free(&b);
	if (z == NULL)
		errno = EINVAL;
	return z;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	return tz_load_dir(TZ_DIR, name, err, errlen);
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->offs);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}
