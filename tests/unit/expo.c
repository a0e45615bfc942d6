/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* A strict reader of Prometheus's text format 0.0.4, to hold /metrics to it in tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

/* Whether s[0..n) is valid UTF-8 (strict: no overlong form, no surrogate). */
static int
expo_utf8_ok(const unsigned char *s, size_t n)
{
	size_t	i = 0, k, len;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		if ((s[i] == 0xe0 && s[i + 1] < 0xa0) ||
		    (s[i] == 0xed && s[i + 1] > 0x9f) ||
		    (s[i] == 0xf0 && s[i + 1] < 0x90) ||
		    (s[i] == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		i += len;
	}
	return 1;
}

/* Reads a name at *p: [a-zA-Z_:][a-zA-Z0-9_:]* (no ':' for labels). */
static int
expo_name(const char **p, char *out, size_t outlen, int metric)
{
	size_t	n = 0;
	char	c;

	while ((c = (*p)[n]) != '\0' && ((c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':') ||
	    (n > 0 && c >= '0' && c <= '9')))
		n++;
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 0;
}

static int
expo_value(const char *s, double *v)
{
	char	*end;

	if (strcmp(s, "+Inf") == 0)
		*v = INFINITY;
	else if (strcmp(s, "-Inf") == 0)
		*v = -INFINITY;
	else if (strcmp(s, "NaN") == 0)
		*v = NAN;
	else {
		if (*s == '\0' || strchr(s, ' ') != NULL || isalpha(
		    (unsigned char)*s))
			return -1;
		errno = 0;
		*v = strtod(s, &end);
		if (*end != '\0' || errno != 0 || isnan(*v) || isinf(*v))
			return -1;
	}
	return 0;
}

static int
expo_family(struct expo *e, const char *name)
{
	int	i;

	for (i = 0; i < e->nf; i++)
		if (strcmp(e->f[i].name, name) == 0)
			return i;
	if (e->nf == EXPO_MAXFAMILIES)
		return -1;
	snprintf(e->f[e->nf].name, sizeof e->f[e->nf].name, "%s", name);
	return e->nf++;
}

/* The family a sample name belongs to (histogram suffixes), or -1. */
static int
expo_family_of(struct expo *e, const char *name)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t	 n = strlen(name), k, i;
	int	 f;

	for (f = 0; f < e->nf; f++) {
		if (strcmp(e->f[f].type, "histogram") == 0) {
			for (i = 0; i < 3; i++) {
				k = strlen(sfx[i]);
				if (n > k && strcmp(name + n - k, sfx[i]) == 0 &&
				    strncmp(name, e->f[f].name, n - k) == 0 &&
				    e->f[f].name[n - k] == '\0')
					return f;
			}
		} else if (strcmp(e->f[f].name, name) == 0)
			return f;
	}
	return -1;
}

static int
expo_labels(const char **pp, struct expo_sample *s, char *err,
    size_t errlen)
{
	const char	*p = *pp;
	size_t		 n;
	int		 i;

	for (;;) {
		if (s->nl == EXPO_MAXLABELS ||
		    expo_name(&p, s->lk[s->nl], sizeof s->lk[0], 0) == -1) {
			snprintf(err, errlen, "bad label name");
			return -1;
		}
		for (i = 0; i < s->nl; i++)
			if (strcmp(s->lk[i], s->lk[s->nl]) == 0) {
				snprintf(err, errlen, "label %s twice",
				    s->lk[i]);
				return -1;
			}
		if (p[0] != '=' || p[1] != '"') {
			snprintf(err, errlen, "expected =\" after a label");
			return -1;
		}
		p += 2;
		for (n = 0; *p != '"'; n++) {
			if (*p == '\0' || *p == '\n' || n + 1 >=
			    sizeof s->lv[0]) {
				snprintf(err, errlen, "unterminated label value");
				return -1;
			}
			if (*p == '\\') {
				if (p[1] == 'n')
					s->lv[s->nl][n] = '\n';
				else if (p[1] == '\\' || p[1] == '"')
					s->lv[s->nl][n] = p[1];
				else {
					snprintf(err, errlen, "bad escape \\%c",
					    p[1]);
					return -1;
				}
				p += 2;
			} else
				s->lv[s->nl][n] = *p++;
		}
		s->lv[s->nl][n] = '\0';
		if (!expo_utf8_ok((const unsigned char *)s->lv[s->nl], n)) {
			snprintf(err, errlen, "label value not UTF-8");
			return -1;
		}
		s->nl++;
		p++;
		if (*p == '}') {
			*pp = p + 1;
			return 0;
		}
		if (*p != ',') {
			snprintf(err, errlen, "expected , or } after a label");
			return -1;
		}
		p++;
	}
}

static int
expo_comment(struct expo *e, const char *line, char *err, size_t errlen)
{
	static const char *const types[] = { "counter", "gauge", "histogram",
	    "summary", "untyped" };
	const char	*p;
	char		 name[128];
	size_t		 i;
	int		 f, help;

	if (strncmp(line, "# HELP ", 7) == 0)
		help = 1;
	else if (strncmp(line, "# TYPE ", 7) == 0)
		help = 0;
	else {
		snprintf(err, errlen, "stray comment");
		return -1;
	}
	p = line + 7;
	if (expo_name(&p, name, sizeof name, 1) == -1 || *p != ' ' ||
	    (f = expo_family(e, name)) == -1) {
		snprintf(err, errlen, "bad family name");
		return -1;
	}
	p++;
	if (e->f[f].nsamples > 0) {
		snprintf(err, errlen, "%s of %s after its samples",
		    help ? "HELP" : "TYPE", name);
		return -1;
	}
	if (help) {
		if (e->f[f].help++) {
			snprintf(err, errlen, "second HELP for %s", name);
			return -1;
		}
		for (; *p != '\0'; p++)
			if (*p == '\\' && *++p != '\\' && *p != 'n') {
				snprintf(err, errlen, "bad escape in HELP");
				return -1;
			}
		return 0;
	}
	if (e->f[f].type[0] != '\0') {
		snprintf(err, errlen, "second TYPE for %s", name);
		return -1;
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(p, types[i]) == 0)
			break;
	if (i == sizeof types / sizeof types[0]) {
		snprintf(err, errlen, "unknown type %s", p);
		return -1;
	}
	snprintf(e->f[f].type, sizeof e->f[f].type, "%s", p);
	return 0;
}

static int
expo_sample(struct expo *e, const char *line, int *cur, char *err,
    size_t errlen)
{
	struct expo_sample	*s;
	const char	*p = line;
	int		 i, k;

	if (e->ns == EXPO_MAXSAMPLES) {
		snprintf(err, errlen, "too many samples");
		return -1;
	}
	s = &e->s[e->ns];
	memset(s, 0, sizeof *s);
	if (expo_name(&p, s->name, sizeof s->name, 1) == -1) {
		snprintf(err, errlen, "bad metric name");
		return -1;
	}
	if (*p == '{') {
		p++;
		if (expo_labels(&p, s, err, errlen) == -1)
			return -1;
	}
	if (*p != ' ' || expo_value(p + 1, &s->value) == -1) {
		snprintf(err, errlen, "expected one space and a value (no "
		    "timestamp)");
		return -1;
	}
	if ((s->family = expo_family_of(e, s->name)) == -1 ||
	    e->f[s->family].type[0] == '\0' || !e->f[s->family].help) {
		snprintf(err, errlen, "sample %s without HELP and TYPE",
		    s->name);
		return -1;
	}
	if (s->family != *cur && e->f[s->family].nsamples > 0) {
		snprintf(err, errlen, "samples of %s not together", s->name);
		return -1;
	}
	*cur = s->family;
	e->f[s->family].nsamples++;
	/* no duplicate series: same name and same label set */
	for (i = 0; i < e->ns; i++) {
		if (strcmp(e->s[i].name, s->name) != 0 || e->s[i].nl != s->nl)
			continue;
		for (k = 0; k < s->nl; k++)
			if (strcmp(e->s[i].lk[k], s->lk[k]) != 0 ||
			    strcmp(e->s[i].lv[k], s->lv[k]) != 0)
				break;
		if (k == s->nl) {
			snprintf(err, errlen, "duplicate series %s", s->name);
			return -1;
		}
	}
	e->ns++;
	return 0;
}

static const char *
expo_label(const struct expo_sample *s, const char *k)
{
	int	i;

	for (i = 0; i < s->nl; i++)
		if (strcmp(s->lk[i], k) == 0)
			return s->lv[i];
	return NULL;
}

/* Same labels, ignoring le. */
static int
expo_same_set(const struct expo_sample *a, const struct expo_sample *b)
{
	int	i;

	for (i = 0; i < a->nl; i++) {
		if (strcmp(a->lk[i], "le") == 0)
			continue;
		if (expo_label(b, a->lk[i]) == NULL ||
		    strcmp(expo_label(b, a->lk[i]), a->lv[i]) != 0)
			return 0;
	}
	for (i = 0; i < b->nl; i++)
		if (strcmp(b->lk[i], "le") != 0 &&
		    expo_label(a, b->lk[i]) == NULL)
			return 0;
	return 1;
}

/* Histogram rules: buckets cumulative, ending at +Inf == _count, a _sum. */
static int
expo_histograms(struct expo *e, char *err, size_t errlen)
{
	const struct expo_sample	*s, *t;
	char			 want[160];
	double			 le, prevle, prev;
	int			 i, j, nb, nsum, ncount;

	for (i = 0; i < e->ns; i++) {
		s = &e->s[i];
		if (strcmp(e->f[s->family].type, "histogram") != 0)
			continue;
		if (strcmp(s->name, e->f[s->family].name) == 0) {
			snprintf(err, errlen, "bare histogram sample %s",
			    s->name);
			return -1;
		}
		snprintf(want, sizeof want, "%s_bucket", e->f[s->family].name);
		if (strcmp(s->name, want) != 0 || (i > 0 &&
		    strcmp(e->s[i - 1].name, want) == 0 &&
		    expo_same_set(&e->s[i - 1], s)))
			continue;
		/* s opens a label set: walk its buckets */
		prevle = -INFINITY;
		prev = 0;
		nb = 0;
		for (j = i; j < e->ns; j++) {
			t = &e->s[j];
			if (strcmp(t->name, want) != 0 || !expo_same_set(s, t))
				break;
			if (expo_label(t, "le") == NULL || expo_value(
			    expo_label(t, "le"), &le) == -1 || le <= prevle ||
			    t->value < prev) {
				snprintf(err, errlen, "%s: buckets not "
				    "cumulative or le out of order", want);
				return -1;
			}
			prevle = le;
			prev = t->value;
			nb++;
		}
		if (nb == 0 || !isinf(prevle)) {
			snprintf(err, errlen, "%s: last bucket is not +Inf",
			    want);
			return -1;
		}
		nsum = ncount = 0;
		for (j = 0; j < e->ns; j++) {
			t = &e->s[j];
			if (t->family != s->family || !expo_same_set(s, t))
				continue;
			snprintf(want, sizeof want, "%s_count",
			    e->f[s->family].name);
			if (strcmp(t->name, want) == 0) {
				ncount++;
				if (t->value != prev) {
					snprintf(err, errlen, "%s %g != +Inf "
					    "bucket %g", want, t->value, prev);
					return -1;
				}
			}
			snprintf(want, sizeof want, "%s_sum",
			    e->f[s->family].name);
			if (strcmp(t->name, want) == 0)
				nsum++;
		}
		if (nsum != 1 || ncount != 1) {
			snprintf(err, errlen, "%s: %d _sum and %d _count",
			    e->f[s->family].name, nsum, ncount);
			return -1;
		}
	}
	return 0;
}

/* Parses text into e; -1 with "line N: reason" in e->err. */
int
expo_parse(const char *text, struct expo *e)
{
	const char	*p = text, *nl;
	char		 line[4096], why[400];
	int		 lineno = 0, cur = -1, rc;

	memset(e, 0, sizeof *e);
	while (*p != '\0') {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL) {
			snprintf(why, sizeof why, "no final newline");
			goto fail;
		}
		if ((size_t)(nl - p) >= sizeof line || nl == p) {
			snprintf(why, sizeof why, "empty or overlong line");
			goto fail;
		}
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (line[0] == '#')
			rc = expo_comment(e, line, why, sizeof why);
		else
			rc = expo_sample(e, line, &cur, why, sizeof why);
		if (rc == -1)
			goto fail;
		p = nl + 1;
	}
	if (expo_histograms(e, why, sizeof why) == -1) {
		lineno = 0;
		goto fail;
	}
	return 0;

fail:
	snprintf(e->err, sizeof e->err, "line %d: %s", lineno, why);
	return -1;
}

/* Fails the test, quoting the reason and the text, unless text parses. */
void
assert_expo_ok(const char *text, struct expo *e)
{
	if (expo_parse(text, e) == -1)
		fail_msg("exposition rejected: %s\n%s", e->err, text);
}

/* Fails the test if text parses. */
void
assert_expo_bad(const char *text)
{
	static struct expo	e;

	if (expo_parse(text, &e) == 0)
		fail_msg("exposition accepted, expected a rejection:\n%s",
		    text);
}

/* The first sample named name (with label k="v" unless k is NULL), or NULL. */
const struct expo_sample *
expo_find(const struct expo *e, const char *name, const char *k,
    const char *v)
{
	int	i;

	for (i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, name) == 0 && (k == NULL ||
		    (expo_label(&e->s[i], k) != NULL &&
		    strcmp(expo_label(&e->s[i], k), v) == 0)))
			return &e->s[i];
	return NULL;
}
