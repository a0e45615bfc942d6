/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * A strict reader of the Prometheus text exposition format 0.0.4, for the
 * admin port's tests: it refuses what promtool refuses (a sample without
 * HELP and TYPE, a family's samples apart, duplicate series, bad escapes,
 * label values not UTF-8, histograms whose buckets are not cumulative or
 * do not end at +Inf == _count). No I/O; struct expo is large (keep it off
 * the stack) and owns nothing.
 */
#ifndef RELAIS_EXPO_H
#define RELAIS_EXPO_H

#define EXPO_MAXSAMPLES		256
#define EXPO_MAXFAMILIES	32
#define EXPO_MAXLABELS		8

/* One sample line: label values unescaped. */
struct expo_sample {
	char	 name[128];
	int	 family;
	int	 nl;
	char	 lk[EXPO_MAXLABELS][64];
	char	 lv[EXPO_MAXLABELS][256];
	double	 value;
};

struct expo_family {
	char	 name[128];
	char	 type[16];
	int	 help, nsamples;
};

struct expo {
	struct expo_sample	s[EXPO_MAXSAMPLES];
	int			ns;
	struct expo_family	f[EXPO_MAXFAMILIES];
	int			nf;
	char			err[512];
};

/* Parses text into e; -1 with "line N: reason" in e->err. */
int		 expo_parse(const char *text, struct expo *e);
/* Fails the test, quoting the reason and the text, unless text parses. */
void		 assert_expo_ok(const char *text, struct expo *e);
/* Fails the test if text parses. */
void		 assert_expo_bad(const char *text);
/* The first sample named name (with label k="v" unless k is NULL), or NULL. */
const struct expo_sample *expo_find(const struct expo *e, const char *name,
		    const char *k, const char *v);

#endif
