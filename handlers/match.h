/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Profile matching: how well a newcomer's profile fits a posting (NOC 2021
 * levels, then skills in common), and the summary of a profile kept for it.
 */
#ifndef RELAIS_MATCH_H
#define RELAIS_MATCH_H

#include <stddef.h>

#include <jansson.h>

struct config_matching;
struct noc;
struct words;
struct handler_rows;

/* A NOC 2021 unit group: five digits. */
int	match_noc_ok(const char *);
/*
 * Skills as a comma-separated list of folded names (lower case, accents,
 * spaces and punctuation removed), for comparison; NULL-safe on elements
 * that are not strings. Caller frees.
 */
char	*match_skills_folded(const json_t *skills);
/* Skills as given, '|'-separated (what a person or posting is stored with). */
char	*match_skills_display(const json_t *skills);
/*
 * Score of a profile for a posting: points for the deepest NOC level both
 * codes share (only that level counts), plus per_skill per skill in common,
 * at most max_skill_points. 0 when they share no broad category.
 */
long	match_score(const struct config_matching *, const char *job_noc,
	    const char *job_skills, const char *noc, const char *skills);

/* What an employer may see of a candidate, and what scoring needs. */
struct match_profile {
	char	*noc;
	char	*skills;	/* folded, comma-separated */
	char	*first_name;
	char	*display;	/* skills as given, '|'-separated */
	char	*languages;	/* comma-separated */
	char	*month;		/* arrival, YYYY-MM */
	char	*buf;		/* owns the strings above */
};

/* The summary stored in mx:p:<t>:<d>: one line, tab-separated. Caller frees. */
char	*match_record(const char *noc, const json_t *skills,
	    const char *first_name, const json_t *languages, const char *month);
/* Splits a record; -1 when it is malformed. */
int	match_record_parse(const char *rec, struct match_profile *);
void	match_profile_clear(struct match_profile *);
/* Only the scoring fields: noc and skills point into rec (not copied). */
int	match_record_score(const struct config_matching *, const char *job_noc,
	    const char *job_skills, const char *rec, size_t len);
/*
 * Template variables of a candidate: first_name, ref, skills, and
 * occupation_label, the NOC title in lang (noc may be NULL: the code);
 * languages and arrival_month written with lang's words (w may be NULL).
 */
json_t	*match_candidate_vars(const char *ref, const struct match_profile *,
	    const char *lang, const struct noc *, const struct words *w);

struct match_hit {
	size_t	i;	/* the profile's pair in the profiles' rows */
	int	score;
};

/*
 * Ranks indexed profiles (rows: person -> summary) against a posting:
 * those at or above the threshold and not announced to the employer by
 * another event than event_id (ledger rows: person -> announcing event; NULL
 * for none), best first, then in the rows' order. Returns how many, in *out
 * (caller frees).
 */
size_t	match_rank(const struct config_matching *, const char *noc,
	    const char *skills, const struct handler_rows *profiles,
	    const struct handler_rows *ledger, const char *event_id,
	    struct match_hit **out);

/*
 * The member of scheduled that becomes employer eid's match.digest event at
 * `at` (ms). Caller frees.
 */
char	*match_digest_member(const char *eid, long long at);

#endif
