/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration of the handlers: profiles' retention, follow-up plan, matching scores. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "ynode.h"

static const struct config_opt config_profiles_opts[] = {
	{ "retention_days", CONFIG_LONG, offsetof(struct config, retention_days),
	    1, 36600, "730" },
	{ NULL, 0, 0, 0, 0, NULL }
};

#define M(f)	offsetof(struct config_matching, f)
static const struct config_opt config_matching_opts[] = {
	{ "unit_group", CONFIG_LONG, M(unit_group), 0, 1000, "60" },
	{ "minor_group", CONFIG_LONG, M(minor_group), 0, 1000, "45" },
	{ "sub_major_group", CONFIG_LONG, M(sub_major_group), 0, 1000, "35" },
	{ "major_group", CONFIG_LONG, M(major_group), 0, 1000, "25" },
	{ "broad_category", CONFIG_LONG, M(broad_category), 0, 1000, "15" },
	{ "per_skill", CONFIG_LONG, M(per_skill), 0, 1000, "10" },
	{ "max_skill_points", CONFIG_LONG, M(max_skill_points), 0, 10000, "40" },
	{ "threshold", CONFIG_LONG, M(threshold), 1, 100000, "50" },
	{ "digest_window_s", CONFIG_LONG, M(digest_window_s), 1, 604800, "3600" },
	{ "max_candidates", CONFIG_LONG, M(max_candidates), 1, 200, "20" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef M

/* The plan shipped when the file says nothing: the first year. */
static const struct {
	const char	*kind;
	long		 days;
	int		 checkin;
} config_followups_default[] = {
	{ "d7", 7, 1 }, { "d30", 30, 0 }, { "d90", 90, 1 }, { "d180", 180, 0 },
	{ "d365", 365, 1 },
};

static int
config_followup_kind_ok(const char *s)
{
	size_t	i;

	if (*s == '\0' || strlen(s) > 32)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* "HH:MM" to minutes after midnight, -1 when it is not a time of day. */
static long
config_time_of_day(const char *s)
{
	int	h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' ||
	    strlen(s) != 5 || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60L + m;
}

static int
config_followup_one(struct config_ctx *c, struct config_followups *f,
    const struct ynode *n)
{
	static const char *const known[] = { "kind", "days", "checkin", NULL };
	struct config_followup	*fu;
	const struct ynode	*days;
	const char		*kind;
	size_t			 i;
	int			 rc = 0;

	if (config_expect(c, n, YNODE_MAP, "a follow-up") == -1)
		return -1;
	rc |= config_keys_known(c, n, known, "a follow-up");
	f->plan = xrealloc(f->plan, (f->nplan + 1) * sizeof *f->plan);
	fu = &f->plan[f->nplan++];
	memset(fu, 0, sizeof *fu);
	if ((kind = config_scalar(c, n, "kind")) == NULL ||
	    (days = ynode_get(n, "days")) == NULL) {
		config_err(c, n, "a follow-up needs a kind and days");
		return -1;
	}
	fu->kind = xstrdup(kind);
	if (!config_followup_kind_ok(kind)) {
		config_err(c, ynode_get(n, "kind"), "follow-up kind \"%s\": use "
		    "a-z, 0-9, _ and - (32 at most)", kind);
		rc = -1;
	}
	for (i = 0; i + 1 < f->nplan; i++) {
		if (strcmp(f->plan[i].kind, kind) == 0) {
			config_err(c, ynode_get(n, "kind"), "follow-up kind "
			    "\"%s\" is planned twice", kind);
			rc = -1;
		}
	}
	if (config_expect(c, days, YNODE_SCALAR, "days") == 0) {
		char	*end;

		fu->days = strtol(days->value, &end, 10);
		if (days->value[0] == '\0' || *end != '\0' || fu->days < 1 ||
		    fu->days > 3660) {
			config_err(c, days, "days must be an integer between 1 "
			    "and 3660, not \"%s\"", days->value);
			rc = -1;
		}
	} else
		rc = -1;
	rc |= config_bool(c, n, "checkin", &fu->checkin);
	return rc;
}

static int
config_followups(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	static const char *const known[] = { "at", "plan", "reminders_at",
	    "reminders_gather_s", NULL };
	struct config_followups	*f = &cf->followups;
	const struct ynode	*plan;
	const char		*at, *v;
	char			*end;
	size_t			 i;
	int			 rc = 0;

	f->at_min = 9 * 60;
	f->reminders_gather_s = 300;
	if (n != NULL && config_expect(c, n, YNODE_MAP, "followups") == -1)
		return -1;
	if (n != NULL)
		rc |= config_keys_known(c, n, known, "followups");
	if (n != NULL && (at = config_scalar(c, n, "at")) != NULL &&
	    (f->at_min = config_time_of_day(at)) == -1) {
		config_err(c, ynode_get(n, "at"), "followups at: \"%s\" is not "
		    "a time of day (HH:MM)", at);
		rc = -1;
	}
	/* the counsellors' daily reminder: by default when follow-ups fall due */
	f->reminders_at_min = f->at_min;
	if (n != NULL && (at = config_scalar(c, n, "reminders_at")) != NULL &&
	    (f->reminders_at_min = config_time_of_day(at)) == -1) {
		config_err(c, ynode_get(n, "reminders_at"), "followups "
		    "reminders_at: \"%s\" is not a time of day (HH:MM)", at);
		rc = -1;
	}
	if (n != NULL && (v = config_scalar(c, n, "reminders_gather_s")) !=
	    NULL && ((f->reminders_gather_s = strtol(v, &end, 10)) < 0 ||
	    f->reminders_gather_s > 86400 || *v == '\0' || *end != '\0')) {
		config_err(c, ynode_get(n, "reminders_gather_s"), "followups "
		    "reminders_gather_s: \"%s\" is not a number of seconds from "
		    "0 to 86400", v);
		rc = -1;
	}
	plan = n != NULL ? ynode_get(n, "plan") : NULL;
	if (plan == NULL) {
		for (i = 0; i < sizeof config_followups_default /
		    sizeof *config_followups_default; i++) {
			f->plan = xrealloc(f->plan, (f->nplan + 1) *
			    sizeof *f->plan);
			f->plan[f->nplan].kind =
			    xstrdup(config_followups_default[i].kind);
			f->plan[f->nplan].days = config_followups_default[i].days;
			f->plan[f->nplan++].checkin =
			    config_followups_default[i].checkin;
		}
		return rc;
	}
	if (config_expect(c, plan, YNODE_SEQ, "followups plan") == -1)
		return -1;
	for (i = 0; i < plan->n; i++)
		rc |= config_followup_one(c, f, plan->items[i]);
	return rc;
}

int
config_handlers(struct config_ctx *c, struct config *cf, const struct ynode *root)
{
	const struct ynode	*profiles = ynode_get(root, "profiles");
	int			 rc = 0;

	/* retention_days is the only key of profiles: a section of its own */
	if (profiles != NULL && config_expect(c, profiles, YNODE_MAP,
	    "profiles") == -1)
		rc = -1, profiles = NULL;
	rc |= config_section(c, profiles, config_profiles_opts, cf, "profiles");
	rc |= config_followups(c, cf, ynode_get(root, "followups"));
	rc |= config_section(c, ynode_get(root, "matching"),
	    config_matching_opts, &cf->matching, "matching");
	return rc;
}

void
config_handlers_free(struct config *cf)
{
	size_t	i;

	for (i = 0; i < cf->followups.nplan; i++)
		free(cf->followups.plan[i].kind);
	free(cf->followups.plan);
}
