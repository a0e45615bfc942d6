/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * job.posted: store the posting until its closing date, index it for later
 * arrivals, and alert the employer at once with the stored profiles that
 * fit it (summaries without contact details), each announced once, ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "common_effects.h"
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

/*
 * The state function (S.posted). Its arguments: the job id; its fields
 * {..}; the time to its closing (ms); its index set; the employer id; their
 * contact {..}; retention (s). The candidates are read by the queue
 * natively (HGETALL of the profiles' index hash and of the ledger):
 * thousands of summaries through Lua and JSON cost ten times as much.
 * A retry reads; a posting closed (or changed) by a newer event stays so.
 */
static const char *const posting_args[] = { "jid", "fields", "expire_ms",
    "index", "employer", "contact", "ttl", NULL };

static const struct handler_lua posting_state = { "posted", posting_args,
"function(p, a, m)\n"
"  local jid, e = a.jid, a.employer\n"
"  local jk = p .. 'job:' .. jid\n"
"  if m.retry then return { stored = redis.call('EXISTS', jk), retry = 1 } end\n"
"  local closed = tonumber(redis.call('GET', p .. 'job-closed:' .. jid))\n"
"  if closed and closed >= m.t then return { stored = 0, closed = 1 } end\n"
"  if not newest(jk, m.t) then return { stored = 0, stale = 1 } end\n"
"  redis.call('DEL', p .. 'job-closed:' .. jid)\n"
"  local old = redis.call('HGET', jk, 'idx')\n"
"  if old and old ~= a.index then redis.call('SREM', old, jid) end\n"
"  redis.call('DEL', jk)\n"
"  hset(jk, cjson.decode(a.fields))\n"
"  redis.call('HSET', jk, 'idx', a.index, 'employer', e, 't', m.t)\n"
"  redis.call('PEXPIRE', jk, a.expire_ms)\n"
"  redis.call('SADD', a.index, jid)\n"
"  local ek = p .. 'employer:' .. e\n"
"  redis.call('DEL', ek)\n"
"  hset(ek, cjson.decode(a.contact))\n"
"  redis.call('EXPIRE', ek, a.ttl)\n"
"  return { stored = 1 }\n"
"end\n"
};

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

	handler_state_init(st, &posting_state);
	handler_arg(st, "jid", j.id);
	handler_arg_json(st, "fields", f);
	handler_arg_long(st, "expire_ms", expire);
	key = handler_key(cf, "mx:j:%s:%c", j.t->id, j.noc[0]);
	handler_arg(st, "index", key);
	free(key);
	handler_arg(st, "employer", j.eid);
	handler_arg_json(st, "contact", c);
	handler_arg_long(st, "ttl", cf->retention_days * 86400LL);
	/* read as they are: the profiles indexed there, the employer's ledger */
	st->reads[st->nreads++] = handler_key(cf, "mx:p:%s:%c", j.t->id,
	    j.noc[0]);
	st->reads[st->nreads++] = handler_key(cf, "announced:%s", j.eid);
	json_decref(f);
	json_decref(c);
	return 0;
}

/*
 * Whether the posting alerts nobody, said in the note: a preview, closed
 * or changed by a newer event, a backfill, past its closing date.
 */
static int
posting_nothing(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, const struct posting *j, struct handler_out *out)
{
	if (state == NULL || ctx->nrows < 2) {
		snprintf(out->note, sizeof out->note, "matching needs the stored "
		    "profiles: nothing to preview");
		return 1;
	}
	/* closed or changed by a newer event since (job.closed): no alert */
	if (json_object_get(state, "closed") != NULL ||
	    json_object_get(state, "stale") != NULL ||
	    (ctx->retry && json_integer_value(json_object_get(state,
	    "stored")) == 0)) {
		snprintf(out->note, sizeof out->note, "posting closed or "
		    "changed by a newer event: no alert");
		return 1;
	}
	/* a backfill: the posting is stored, its candidates not announced */
	if (ev->quiet)
		return 1;
	if (j->closes_ms != 0 && j->closes_ms <= ctx->now_ms) {
		snprintf(out->note, sizeof out->note, "posting closed already: "
		    "no alert");
		return 1;
	}
	return 0;
}

/*
 * The alert to the employer, naming the best max_candidates of the nh
 * hits among profiles, each also added to the ledger ann.
 */
static void
posting_alert(const struct handler_ctx *ctx, const struct posting *j,
    const struct handler_rows *profiles, const struct match_hit *hits,
    size_t nh, struct handler_fx *ann, struct handler_out *out)
{
	struct match_profile	 mp;
	json_t			*vars, *cands;
	const char		*lang;
	char			 langbuf[HANDLER_LANG_SIZE];
	size_t			 i, nc;

	/* "fr-CA" is French; a language without templates, the territory's */
	lang = handler_language_used(ctx->cf, j->t, handler_language(
	    handler_str(j->contact, "language"), langbuf));
	cands = json_array();
	for (i = nc = 0; i < nh &&
	    nc < (size_t)ctx->cf->matching.max_candidates; i++) {
		const char *pid = profiles->v[2 * hits[i].i];

		if (match_record_parse(profiles->v[2 * hits[i].i + 1], &mp) == -1)
			continue;
		json_array_append_new(cands, match_candidate_vars(pid, &mp,
		    lang, ctx->cf->noc, ctx->cf->words));
		handler_fx_more(ann, pid);
		match_profile_clear(&mp);
		nc++;
	}
	vars = json_object();
	json_object_set(vars, "job", (json_t *)(uintptr_t)j->job);
	json_object_set(vars, "employer", (json_t *)(uintptr_t)j->employer);
	json_object_set_new(vars, "candidates", cands);
	json_object_set_new(vars, "count", json_integer((json_int_t)nc));
	/* the best max_candidates go; the message says how many more fit */
	if (nh > nc)
		json_object_set_new(vars, "more", json_integer((json_int_t)(nh -
		    nc)));
	handler_employer(out, j->eid, j->contact, lang, j->t, vars);
}

static int
posting_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	struct posting			 j;
	struct match_hit		*hits;
	const struct handler_rows	*profiles;
	struct handler_fx		 ann;
	char				*skills, fig[HANDLER_FIG_SIZE];
	size_t				 nh;

	if (posting_parse(ev, ctx, &j, reason, reasonlen) == -1)
		return -1;
	if (posting_nothing(ev, ctx, state, &j, out))
		return 0;
	profiles = &ctx->rows[0];
	skills = match_skills_folded(json_object_get(j.job, "skills"));
	nh = match_rank(&ctx->cf->matching, j.noc, skills, profiles,
	    &ctx->rows[1], ev->id, &hits);
	free(skills);
	if (nh == 0) {
		snprintf(out->note, sizeof out->note, "no stored profile fits "
		    "(%zu compared)", profiles->n);
		free(hits);
		return 0;
	}
	/* the ledger: [announce, employer, event, person...] */
	handler_fig(ctx, j.t, fig);
	memset(&ann, 0, sizeof ann);
	handler_fx_add(&ann, &common_effect_announce, 0, "employer", j.eid,
	    "event", ev->id, "fig", fig, NULL);
	posting_alert(ctx, &j, profiles, hits, nh, &ann, out);
	free(hits);
	handler_fx_copy(&out->effects, &ann, 0);
	handler_fx_clear(&ann);
	if (!ctx->retry) {
		handler_stat(out, ctx, j.t, "employer_alerts");
	}
	return 0;
}

const struct handler handler_job_posted = {
	.type = "job.posted",
	.prepare = posting_prepare,
	.fn = posting_fn,
	.state = &posting_state,
};
