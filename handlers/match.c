/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Profile matching: NOC levels and skills, and the stored profile summary. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "handlers.h"
#include "jsonw.h"
#include "log.h"
#include "match.h"
#include "noc.h"
#include "territory.h"
#include "words.h"

int
match_noc_ok(const char *s)
{
	size_t	i;

	for (i = 0; i < 5; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return s[5] == '\0';
}

char *
match_skills_folded(const json_t *skills)
{
	struct buf	 b;
	const json_t	*v;
	char		 f[256];
	size_t		 i;

	buf_init(&b);
	buf_puts(&b, "");
	json_array_foreach(skills, i, v) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof f)
			continue;
		territory_fold(json_string_value(v), f, sizeof f);
		if (f[0] == '\0')
			continue;
		if (b.len > 0)
			buf_putc(&b, ',');
		buf_puts(&b, f);
	}
	return buf_steal(&b, NULL);
}

char *
match_skills_display(const json_t *skills)
{
	struct buf	 b;
	const json_t	*v;
	size_t		 i;

	buf_init(&b);
	buf_puts(&b, "");
	json_array_foreach(skills, i, v) {
		if (!json_is_string(v))
			continue;
		if (b.len > 0)
			buf_putc(&b, '|');
		buf_puts(&b, json_string_value(v));
	}
	return buf_steal(&b, NULL);
}

/* Whether the comma-separated list has the item s[0..n). */
static int
match_has(const char *list, size_t listlen, const char *s, size_t n)
{
	const char	*p = list, *end = list + listlen, *c;

	while (p < end) {
		c = memchr(p, ',', (size_t)(end - p));
		if (c == NULL)
			c = end;
		if ((size_t)(c - p) == n && memcmp(p, s, n) == 0)
			return 1;
		p = c + 1;
	}
	return 0;
}

static long
match_score_n(const struct config_matching *m, const char *job_noc,
    const char *job_skills, const char *noc, size_t noclen,
    const char *skills, size_t skillslen)
{
	static const size_t	 depth[] = { 5, 4, 3, 2, 1 };
	const long		 pts[] = { m->unit_group, m->minor_group,
	    m->sub_major_group, m->major_group, m->broad_category };
	const char		*p, *c;
	long			 score = -1, common = 0;
	size_t			 i;

	for (i = 0; i < 5; i++) {
		if (noclen >= depth[i] && strlen(job_noc) >= depth[i] &&
		    memcmp(job_noc, noc, depth[i]) == 0) {
			score = pts[i];
			break;
		}
	}
	if (score < 0)
		return 0;
	for (p = job_skills; *p != '\0'; p = *c == '\0' ? c : c + 1) {
		if ((c = strchr(p, ',')) == NULL)
			c = p + strlen(p);
		/* a skill the posting names twice is one skill in common */
		if (c > p && match_has(skills, skillslen, p, (size_t)(c - p)) &&
		    !match_has(job_skills, (size_t)(p - job_skills), p,
		    (size_t)(c - p)))
			common++;
	}
	common *= m->per_skill;
	return score + (common < m->max_skill_points ? common :
	    m->max_skill_points);
}

long
match_score(const struct config_matching *m, const char *job_noc,
    const char *job_skills, const char *noc, const char *skills)
{
	return match_score_n(m, job_noc, job_skills, noc, strlen(noc), skills,
	    strlen(skills));
}

int
match_record_score(const struct config_matching *m, const char *job_noc,
    const char *job_skills, const char *rec, size_t len)
{
	const char	*t1, *t2;

	if ((t1 = memchr(rec, '\t', len)) == NULL ||
	    (t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - rec))) == NULL)
		return 0;
	return (int)match_score_n(m, job_noc, job_skills, rec,
	    (size_t)(t1 - rec), t1 + 1, (size_t)(t2 - t1 - 1));
}

/* Appends s with the separators of a record replaced. */
static void
match_put(struct buf *b, const char *s, char bad)
{
	for (; s != NULL && *s != '\0'; s++)
		buf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == bad ? ' ' : *s);
}

char *
match_record(const char *noc, const json_t *skills, const char *first_name,
    const json_t *languages, const char *month)
{
	struct buf	 b;
	const json_t	*v;
	char		*folded;
	size_t		 i, n = 0;

	buf_init(&b);
	match_put(&b, noc, 0);
	buf_putc(&b, '\t');
	folded = match_skills_folded(skills);
	buf_puts(&b, folded);
	free(folded);
	buf_putc(&b, '\t');
	match_put(&b, first_name, 0);
	buf_putc(&b, '\t');
	json_array_foreach(skills, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			continue;
		if (n++ > 0)
			buf_putc(&b, '|');
		match_put(&b, json_string_value(v), '|');
	}
	buf_putc(&b, '\t');
	n = 0;
	json_array_foreach(languages, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			continue;
		if (n++ > 0)
			buf_putc(&b, ',');
		match_put(&b, json_string_value(v), ',');
	}
	buf_putc(&b, '\t');
	match_put(&b, month, 0);
	return buf_steal(&b, NULL);
}

int
match_record_parse(const char *rec, struct match_profile *mp)
{
	char	*f[6], *p;
	size_t	 i;

	memset(mp, 0, sizeof *mp);
	mp->buf = xstrdup(rec);
	p = mp->buf;
	for (i = 0; i < 6; i++) {
		f[i] = p;
		if (i < 5) {
			if ((p = strchr(p, '\t')) == NULL) {
				match_profile_clear(mp);
				return -1;
			}
			*p++ = '\0';
		}
	}
	mp->noc = f[0];
	mp->skills = f[1];
	mp->first_name = f[2];
	mp->display = f[3];
	mp->languages = f[4];
	mp->month = f[5];
	return 0;
}

void
match_profile_clear(struct match_profile *mp)
{
	free(mp->buf);
	memset(mp, 0, sizeof *mp);
}

/* "a|b|c" as a JSON array of strings. */
static json_t *
match_list(const char *s, char sep)
{
	json_t		*a = json_array();
	const char	*c;

	while (*s != '\0') {
		if ((c = strchr(s, sep)) == NULL)
			c = s + strlen(s);
		if (c > s)
			json_array_append_new(a, json_stringn(s, (size_t)(c - s)));
		s = *c == '\0' ? c : c + 1;
	}
	return a;
}

json_t *
match_candidate_vars(const char *ref, const struct match_profile *mp,
    const char *lang, const struct noc *noc, const struct words *w)
{
	json_t		*v, *langs, *names;
	const char	*l;
	char		 month[64], key[48];
	int		 y, m;
	size_t		 i;

	v = json_object();
	json_object_set_new(v, "ref", json_string(ref));
	json_object_set_new(v, "first_name", json_string(mp->first_name));
	json_object_set_new(v, "occupation", json_string(mp->noc));
	/* the title in the reader's language; the code when it is unknown */
	if (noc_title(noc, mp->noc, lang) != NULL)
		json_object_set_new(v, "occupation_label", json_string(
		    noc_title(noc, mp->noc, lang)));
	else {
		char	label[32];

		snprintf(label, sizeof label, "%s %s", words_or(w, lang, "noc",
		    "NOC"), mp->noc);
		json_object_set_new(v, "occupation_label", json_string(label));
	}
	json_object_set_new(v, "skills", match_list(mp->display, '|'));
	/* language codes as words the employer reads */
	langs = match_list(mp->languages, ',');
	names = json_array();
	for (i = 0; i < json_array_size(langs); i++) {
		l = json_string_value(json_array_get(langs, i));
		snprintf(key, sizeof key, "languages.%s", l);
		json_array_append_new(names, json_string(words_or(w, lang, key,
		    l)));
	}
	json_decref(langs);
	json_object_set_new(v, "languages", names);
	/* "2026-11" as "novembre 2026" */
	if (sscanf(mp->month, "%4d-%2d", &y, &m) == 2 && m >= 1 && m <= 12) {
		words_date(w, lang, y, m, 0, month, sizeof month);
		json_object_set_new(v, "arrival_month", json_string(month));
	} else
		json_object_set_new(v, "arrival_month", json_string(mp->month));
	return v;
}

static int
match_hit_cmp(const void *a, const void *b)
{
	const struct match_hit *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Orders the ledger's fields (qsort_r), for the search below. */
static int
match_field_cmp(const void *a, const void *b, void *arg)
{
	const struct handler_rows	*r = arg;
	size_t				 x = *(const size_t *)a, y = *(const size_t *)b;
	size_t				 lx = r->len[2 * x], ly = r->len[2 * y];
	int				 c;

	c = memcmp(r->v[2 * x], r->v[2 * y], lx < ly ? lx : ly);
	return c != 0 ? c : (lx > ly) - (lx < ly);
}

/* The event that announced this person to the employer, or NULL. */
static const char *
match_announced_by(const struct handler_rows *ledger, const size_t *order,
    const char *pid, size_t pidlen)
{
	size_t	lo = 0, hi = ledger->n, mid, l;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		l = ledger->len[2 * order[mid]];
		c = memcmp(ledger->v[2 * order[mid]], pid, l < pidlen ? l : pidlen);
		if (c == 0)
			c = (l > pidlen) - (l < pidlen);
		if (c == 0)
			return ledger->v[2 * order[mid] + 1];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t
match_rank(const struct config_matching *m, const char *noc,
    const char *skills, const struct handler_rows *profiles,
    const struct handler_rows *ledger, const char *event_id,
    struct match_hit **out)
{
	struct match_hit	*hits = NULL;
	size_t			*order = NULL;
	const char		*by;
	size_t			 i, n = 0;
	int			 score;

	for (i = 0; i < profiles->n; i++) {
		score = match_record_score(m, noc, skills, profiles->v[2 * i + 1],
		    profiles->len[2 * i + 1]);
		if (score < m->threshold)
			continue;
		if (n % 64 == 0)
			hits = xrealloc(hits, (n + 64) * sizeof *hits);
		hits[n].i = i;
		hits[n++].score = score;
	}
	/* those another event announced to this employer are left out */
	if (n > 0 && ledger != NULL && ledger->n > 0) {
		size_t	k = 0;

		order = xcalloc(ledger->n, sizeof *order);
		for (i = 0; i < ledger->n; i++)
			order[i] = i;
		qsort_r(order, ledger->n, sizeof *order, match_field_cmp,
		    (void *)(uintptr_t)ledger);
		for (i = 0; i < n; i++) {
			by = match_announced_by(ledger, order,
			    profiles->v[2 * hits[i].i], profiles->len[2 * hits[i].i]);
			if (by == NULL || strcmp(by, event_id) == 0)
				hits[k++] = hits[i];
		}
		n = k;
		free(order);
	}
	if (n > 0)
		qsort(hits, n, sizeof *hits, match_hit_cmp);
	*out = hits;
	return n;
}

char *
match_digest_member(const char *eid, long long at)
{
	char		 id[256];
	struct buf	 b;
	struct jsonw	 w;

	snprintf(id, sizeof id, "digest-%lld-%s", (long long)at, eid);
	handler_scheduled_open(&b, &w);
	jsonw_open(&w, '{');
	jsonw_key(&w, "employer");
	jsonw_open(&w, '{');
	if (jsonw_kv(&w, "id", eid) == -1)
		fatalx("match: cannot encode a digest");
	jsonw_close(&w, '}');
	jsonw_close(&w, '}');
	return handler_scheduled_close(&b, &w, id, "match.digest", "match");
}
