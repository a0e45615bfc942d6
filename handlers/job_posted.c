/*
 * job.posted: store the posting until its closing date, index it for later
 * arrivals, and alert the employer at once with the stored profiles that
 * fit it (summaries without contact details), each announced once, ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "followups.h"
#include "handlers.h"
#include "log.h"
#include "match.h"
#include "territory.h"
#include "tz.h"

struct posting {
	const json_t		*job;
	const json_t		*employer;
	const json_t		*contact;
	const char		*id;
	const char		*eid;
	const char		*title;
	const char		*noc;
	const struct territory	*t;
	int64_t			 closes_ms;	/* 0: no closing date */
};

/* A closing date is open through its last day, in the posting's territory. */
static int
posting_closes(const char *s, const struct territory *t, int64_t *ms)
{
	int64_t	day;

	if (followup_date(s, &day) == 0) {
		*ms = tz_local_to_utc(t->tz, (day + 1) * 86400) * 1000;
		return 0;
	}
	return envelope_parse_time(s, ms);
}

static int
posting_parse(const struct envelope *ev, const struct handler_ctx *ctx,
    struct posting *j, char *reason, size_t reasonlen)
{
	const char	*closes;

	memset(j, 0, sizeof *j);
	if ((j->id = handler_id(ev, "job", reason, reasonlen)) == NULL ||
	    (j->eid = handler_id(ev, "employer", reason, reasonlen)) == NULL)
		return -1;
	j->job = json_object_get(ev->data, "job");
	j->employer = json_object_get(ev->data, "employer");
	j->contact = json_object_get(j->employer, "contact");
	if ((j->title = handler_str(j->job, "title")) == NULL) {
		snprintf(reason, reasonlen, "missing data.job.title");
		return -1;
	}
	j->noc = handler_str(j->job, "occupation");
	if (j->noc == NULL || !match_noc_ok(j->noc)) {
		snprintf(reason, reasonlen, "data.job.occupation must be a NOC "
		    "2021 code (five digits)");
		return -1;
	}
	if (!json_is_object(j->contact) || (handler_str(j->contact,
	    "email") == NULL && handler_str(j->contact, "phone") == NULL)) {
		snprintf(reason, reasonlen, "data.employer.contact has neither "
		    "email nor phone");
		return -1;
	}
	if ((j->t = handler_territory(ctx->cf, j->job, reason,
	    reasonlen)) == NULL) {
		/* the message says where it looked */
		char	why[256];

		snprintf(why, sizeof why, "%s", reason);
		snprintf(reason, reasonlen, "data.job: %s", why);
		return -1;
	}
	if ((closes = handler_str(j->job, "closes_at")) != NULL &&
	    posting_closes(closes, j->t, &j->closes_ms) == -1) {
		snprintf(reason, reasonlen, "data.job.closes_at \"%s\" is not a "
		    "date", closes);
		return -1;
	}
	return 0;
}

static int
posting_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const struct config	*cf = ctx->cf;
	struct posting		 j;
	json_t			*f, *c;
	char			*key, *folded, *display;
	const char		*k;
	const json_t		*v;
	int64_t			 expire;

	if (posting_parse(ev, ctx, &j, reason, reasonlen) == -1)
		return -1;
	folded = match_skills_folded(json_object_get(j.job, "skills"));
	display = match_skills_display(json_object_get(j.job, "skills"));
	f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "title", j.title,
	    "occupation", j.noc, "skills_folded", folded, "skills", display,
	    "territory", j.t->id, "closes_at", handler_str(j.job,
	    "closes_at") != NULL ? handler_str(j.job, "closes_at") : "");
	free(folded);
	free(display);
	/*
	 * A posting without a closing date stays as long as a profile would.
	 * A duration, not an instant: Redis's clock need not be ours.
	 */
	expire = j.closes_ms != 0 ? j.closes_ms - ctx->now_ms :
	    cf->retention_days * 86400000LL;
	if (expire < 1)
		expire = 1;
	c = json_object();
	json_object_foreach((json_t *)(uintptr_t)j.contact, k, v) {
		if (json_is_string(v) && (strcmp(k, "name") == 0 ||
		    strcmp(k, "email") == 0 || strcmp(k, "phone") == 0 ||
		    strcmp(k, "language") == 0))
			json_object_set(c, k, (json_t *)(uintptr_t)v);
	}
	json_object_set_new(c, "employer_name", json_string(
	    handler_str(j.employer, "name") != NULL ?
	    handler_str(j.employer, "name") : ""));
	json_object_set_new(c, "territory", json_string(j.t->id));

	st->fn = "posted";
	st->args = json_array();
	handler_arg(st->args, j.id);
	handler_arg_json(st->args, f);
	handler_arg_long(st->args, expire);
	key = handler_key(cf, "mx:j:%s:%c", j.t->id, j.noc[0]);
	handler_arg(st->args, key);
	free(key);
	handler_arg(st->args, j.eid);
	handler_arg_json(st->args, c);
	handler_arg_long(st->args, cf->retention_days * 86400LL);
	/* read as they are: the profiles indexed there, the employer's ledger */
	st->reads[st->nreads++] = handler_key(cf, "mx:p:%s:%c", j.t->id,
	    j.noc[0]);
	st->reads[st->nreads++] = handler_key(cf, "announced:%s", j.eid);
	json_decref(f);
	json_decref(c);
	return 0;
}

static int
posting_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct config_matching	*m = &ctx->cf->matching;
	struct posting			 j;
	struct match_hit		*hits;
	struct match_profile		 mp;
	const struct handler_rows	*profiles;
	json_t				*vars, *cands, *ann;
	const char			*lang;
	char				 langbuf[HANDLER_LANG_SIZE];
	char				*skills;
	size_t				 i, nh, nc;

	if (posting_parse(ev, ctx, &j, reason, reasonlen) == -1)
		return -1;
	if (state == NULL || ctx->nrows < 2) {
		snprintf(out->note, sizeof out->note, "matching needs the stored "
		    "profiles: nothing to preview");
		return 0;
	}
	/* closed or changed by a newer event since (job.closed): no alert */
	if (json_object_get(state, "closed") != NULL ||
	    json_object_get(state, "stale") != NULL ||
	    (ctx->retry && json_integer_value(json_object_get(state,
	    "stored")) == 0)) {
		snprintf(out->note, sizeof out->note, "posting closed or "
		    "changed by a newer event: no alert");
		return 0;
	}
	/* a backfill: the posting is stored, its candidates not announced */
	if (ev->quiet)
		return 0;
	if (j.closes_ms != 0 && j.closes_ms <= ctx->now_ms) {
		snprintf(out->note, sizeof out->note, "posting closed already: "
		    "no alert");
		return 0;
	}
	profiles = &ctx->rows[0];
	skills = match_skills_folded(json_object_get(j.job, "skills"));
	nh = match_rank(m, j.noc, skills, profiles, &ctx->rows[1], ev->id,
	    &hits);
	free(skills);
	if (nh == 0) {
		snprintf(out->note, sizeof out->note, "no stored profile fits "
		    "(%zu compared)", profiles->n);
		free(hits);
		return 0;
	}
	/* "fr-CA" is French; a language without templates, the territory's */
	lang = handler_language_used(ctx->cf, j.t, handler_language(
	    handler_str(j.contact, "language"), langbuf));
	cands = json_array();
	ann = json_array();
	json_array_append_new(ann, json_string(j.eid));
	json_array_append_new(ann, json_string(ev->id));
	for (i = nc = 0; i < nh && nc < (size_t)m->max_candidates; i++) {
		const char *pid = profiles->v[2 * hits[i].i];

		if (match_record_parse(profiles->v[2 * hits[i].i + 1], &mp) == -1)
			continue;
		json_array_append_new(cands, match_candidate_vars(pid, &mp,
		    lang, ctx->cf->noc));
		json_array_append_new(ann, json_string(pid));
		match_profile_clear(&mp);
		nc++;
	}
	free(hits);
	vars = json_object();
	json_object_set(vars, "job", (json_t *)(uintptr_t)j.job);
	json_object_set(vars, "employer", (json_t *)(uintptr_t)j.employer);
	json_object_set_new(vars, "candidates", cands);
	json_object_set_new(vars, "count", json_integer((json_int_t)nc));
	/* the best max_candidates go; the message says how many more fit */
	if (nh > nc)
		json_object_set_new(vars, "more", json_integer((json_int_t)(nh -
		    nc)));
	handler_employer(out, j.eid, j.contact, lang, j.t, vars);
	/* the ledger: [announce, employer, event, person...] */
	json_array_insert_new(ann, 0, json_string("announce"));
	handler_effect_json(out, ann);
	if (!ctx->retry) {
		handler_stat(out, j.t, "employer_alerts");
	}
	return 0;
}

const struct handler handler_job_posted = {
	"job.posted", posting_prepare, posting_fn
};
