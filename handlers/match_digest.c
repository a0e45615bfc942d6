/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * match.digest (scheduled by relais itself): the matches found for one
 * employer since their last alert — newcomers fitting an open posting —
 * go out as one message, each candidate announced once, ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "common_effects.h"
#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "log.h"
#include "match.h"
#include "territory.h"

/*
 * The state function (S.digest). Its arguments: the employer id, the event
 * id. What waits for the employer's digest.
 */
static const char *const digest_args[] = { "employer", "eid", NULL };

static const struct handler_lua digest_state = { "digest", digest_args,
"function(p, a, m)\n"
"  local e = a.employer\n"
"  local items = {}\n"
"  for pid, jid in pairs(hgetall(p .. 'digest:' .. e)) do\n"
"    local j = redis.call('HMGET', p .. 'job:' .. jid, 'title', 'idx')\n"
"    local rec = ''\n"
/* the profile as indexed where the posting is: mx:j:<t>:<d> -> mx:p:<t>:<d> */
"    if j[2] then\n"
"      local pk = string.gsub(j[2], 'mx:j:([^:]*):(%d)$', 'mx:p:%1:%2')\n"
"      rec = redis.call('HGET', pk, pid) or ''\n"
"    end\n"
"    items[#items + 1] = { pid, jid, rec, j[1] or '',\n"
"      redis.call('HGET', p .. 'announced:' .. e, pid) or '' }\n"
"  end\n"
/* a stable order: a retry picks the same, those this event announced first */
"  table.sort(items, function(x, y)\n"
"    local ax, ay = x[5] == a.eid, y[5] == a.eid\n"
"    if ax ~= ay then return ax end\n"
"    return x[1] < y[1]\n"
"  end)\n"
"  return { contact = hgetall(p .. 'employer:' .. e), items = items }\n"
"end\n"
};

/*
 * digest_done: the persons that went out leave the employer's digest; what
 * came meanwhile gets the next one, scheduled at due (member), the window
 * (ms) sizing how long the schedule is remembered.
 */
static const char *const digest_fx_done_args[] = { "employer", "due",
	"member", "window", "persons...", NULL };
static const struct handler_lua digest_fx_done = { "digest_done",
	digest_fx_done_args,
"function(p, a)\n"
"  local dk = p .. 'digest:' .. a.employer\n"
"  if #a.persons > 0 then redis.call('HDEL', dk, unpack(a.persons)) end\n"
"  redis.call('DEL', p .. 'digest-due:' .. a.employer)\n"
"  if redis.call('HLEN', dk) > 0 then\n"
"    redis.call('SET', p .. 'digest-due:' .. a.employer, a.due, 'PX', tonumber(a.window) * 2 + 86400000)\n"
"    sched_add(p, a.due, a.member)\n"
"  end\n"
"end\n" };

static const struct handler_lua *const digest_effects[] = { &digest_fx_done,
	NULL };

static int
digest_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*eid;

	(void)ctx;
	if ((eid = handler_id(ev, "employer", reason, reasonlen)) == NULL)
		return -1;
	handler_state_init(st, &digest_state);
	handler_arg(st, "employer", eid);
	handler_arg(st, "eid", ev->id);
	return 0;
}

/*
 * The candidates of the digest's items ([person, job, summary, title,
 * announcing event]) to name, at most max_candidates: their variables in
 * cands, the titles of their postings in titles, each in ann (the ledger);
 * every item considered in done, to clear once settled.
 */
static void
digest_candidates(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *items, const char *lang, json_t *cands, json_t *titles,
    struct handler_fx *ann, json_t *done)
{
	const json_t		*it;
	struct match_profile	 mp;
	json_t			*c;
	const char		*by, *title;
	size_t			 i, k;

	json_array_foreach(items, i, it) {
		const char *pid = json_string_value(json_array_get(it, 0));
		const char *rec = json_string_value(json_array_get(it, 2));

		title = json_string_value(json_array_get(it, 3));
		by = json_string_value(json_array_get(it, 4));
		if (pid == NULL)
			continue;
		/* a full message: the others wait for the next digest */
		if (json_array_size(cands) >=
		    (size_t)ctx->cf->matching.max_candidates)
			continue;
		json_array_append_new(done, json_string(pid));
		/* departed or forgotten since, posting closed, announced */
		if (rec == NULL || *rec == '\0' || title == NULL ||
		    *title == '\0' || (by != NULL && *by != '\0' &&
		    strcmp(by, ev->id) != 0) ||
		    match_record_parse(rec, &mp) == -1)
			continue;
		c = match_candidate_vars(pid, &mp, lang, ctx->cf->noc,
		    ctx->cf->words);
		match_profile_clear(&mp);
		json_object_set_new(c, "job_title", json_string(title));
		json_array_append_new(cands, c);
		handler_fx_more(ann, pid);
		for (k = 0; k < json_array_size(titles); k++) {
			if (strcmp(json_string_value(json_array_get(titles, k)),
			    title) == 0)
				break;
		}
		if (k == json_array_size(titles))
			json_array_append_new(titles, json_string(title));
	}
}

/* The digest to employer eid, naming cands (taken), and its ledger ann. */
static void
digest_message(const struct handler_ctx *ctx, const char *eid,
    const json_t *contact, const struct territory *t, const char *lang,
    json_t *cands, const json_t *titles, const struct handler_fx *ann,
    struct handler_out *out)
{
	json_t		*vars;
	struct buf	 tb;
	size_t		 k;

	buf_init(&tb);
	buf_puts(&tb, "");
	for (k = 0; k < json_array_size(titles); k++)
		buf_printf(&tb, "%s%s", k > 0 ? ", " : "",
		    json_string_value(json_array_get(titles, k)));
	vars = json_object();
	json_object_set_new(vars, "job", json_pack("{s:s}", "title",
	    tb.data));
	buf_free(&tb);
	json_object_set_new(vars, "employer", json_pack("{s:s, s:s, s:O}",
	    "id", eid, "name", handler_str(contact, "employer_name") !=
	    NULL ? handler_str(contact, "employer_name") : "", "contact",
	    contact));
	json_object_set_new(vars, "count", json_integer((json_int_t)
	    json_array_size(cands)));
	json_object_set_new(vars, "candidates", cands);
	json_object_set_new(vars, "digest", json_true());
	handler_employer(out, eid, contact, lang, t, vars);
	handler_fx_copy(&out->effects, ann, 0);
	if (!ctx->retry) {
		handler_stat(out, ctx, t, "employer_alerts");
	}
}

/*
 * Clear what was handled (done: person...), once the message is sent (or
 * failed for good), not before: a retry of it must find the same
 * candidates. What came meanwhile waits for the next digest.
 */
static void
digest_clear(const struct handler_ctx *ctx, const char *eid,
    const json_t *done, struct handler_out *out)
{
	const struct config_matching	*m = &ctx->cf->matching;
	char				*member, due[32], window[32];
	int64_t				 at;

	at = ctx->now_ms + m->digest_window_s * 1000LL;
	snprintf(due, sizeof due, "%lld", (long long)at);
	snprintf(window, sizeof window, "%lld",
	    (long long)m->digest_window_s * 1000LL);
	member = match_digest_member(eid, at);
	handler_fx_add(&out->effects, &digest_fx_done, 1, "employer", eid, "due",
	    due, "member", member, "window", window, NULL);
	handler_fx_more_list(&out->effects, done);
	free(member);
}

static int
digest_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const json_t		*contact;
	struct handler_fx	 ann;
	json_t			*cands, *done, *titles;
	const char		*eid, *lang;
	char			 langbuf[HANDLER_LANG_SIZE], fig[HANDLER_FIG_SIZE];

	if ((eid = handler_id(ev, "employer", reason, reasonlen)) == NULL)
		return -1;
	if (state == NULL) {
		snprintf(out->note, sizeof out->note, "a digest needs the stored "
		    "matches: nothing to preview");
		return 0;
	}
	contact = json_object_get(state, "contact");
	/* the employer's hash may be gone (expired before a posting): {} */
	t = handler_str(contact, "territory") == NULL ? NULL :
	    territory_find(ctx->cf->territories, handler_str(contact,
	    "territory"));
	lang = t == NULL ? ctx->cf->languages[0] : handler_language_used(
	    ctx->cf, t, handler_language(handler_str(contact, "language"),
	    langbuf));

	cands = json_array();
	titles = json_array();
	fig[0] = '\0';
	if (t != NULL)
		handler_fig(ctx, t, fig);
	memset(&ann, 0, sizeof ann);
	handler_fx_add(&ann, &common_effect_announce, 0, "employer", eid,
	    "event", ev->id, "fig", fig, NULL);
	done = json_array();
	digest_candidates(ev, ctx, json_object_get(state, "items"), lang, cands,
	    titles, &ann, done);
	if (json_array_size(cands) > 0 && t != NULL &&
	    (handler_str(contact, "email") != NULL ||
	    handler_str(contact, "phone") != NULL)) {
		digest_message(ctx, eid, contact, t, lang, cands, titles, &ann,
		    out);
	} else {
		json_decref(cands);
		snprintf(out->note, sizeof out->note, "nothing left to announce "
		    "to this employer");
	}
	handler_fx_clear(&ann);
	json_decref(titles);
	digest_clear(ctx, eid, done, out);
	json_decref(done);
	return 0;
}

const struct handler handler_match_digest = {
	.type = "match.digest",
	.prepare = digest_prepare,
	.fn = digest_fn,
	.state = &digest_state,
	.effects = digest_effects,
};
