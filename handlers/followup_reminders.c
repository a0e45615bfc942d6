/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * followup.reminders (scheduled by relais itself): the follow-ups of one
 * territory that fell due since its last reminder email go out as one
 * email per counsellor, at most one a day (followups.reminders_at).
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
#include "territory.h"

/* How long the date of the last reminder email is remembered (ms). */
#define REMINDERS_DAY_TTL_MS	(2 * 86400000LL)

static int
reminders_ids(const struct envelope *ev, const struct handler_ctx *ctx,
    const struct territory **t, long long *until, char *reason,
    size_t reasonlen)
{
	const char	*id, *u;
	char		*end;

	id = handler_str(ev->data, "territory");
	u = handler_str(ev->data, "until");
	if (id == NULL || u == NULL) {
		snprintf(reason, reasonlen, "missing data.territory or "
		    "data.until");
		return -1;
	}
	*until = strtoll(u, &end, 10);
	if (*end != '\0' || *until <= 0) {
		snprintf(reason, reasonlen, "data.until must be a time in ms");
		return -1;
	}
	if ((*t = territory_find(ctx->cf->territories, id)) == NULL) {
		snprintf(reason, reasonlen, "unknown territory \"%s\" (removed "
		    "from the configuration since its follow-ups fell due?)",
		    id);
		return -1;
	}
	return 0;
}

/*
 * The state function (S.reminders). Its arguments: the territory; its
 * roster [[id, "fr en"]..]; now (ms); the event id; until (ms). The
 * follow-ups waiting for the territory's reminder email, added until then,
 * with each person as stored now: gone (forgotten, departed), done since,
 * moved to another territory, or with their counsellor (reassigned when
 * they left the roster; not on a retry: it reads). In a stable order: a
 * retry finds the same list.
 */
static const char *const reminders_args[] = { "territory", "roster", "now",
    "eid", "until_ms", NULL };

static const struct handler_lua reminders_state = { "reminders",
    reminders_args,
"function(p, a, m)\n"
"  local t, now, untilms = a.territory, tonumber(a.now), tonumber(a.until_ms)\n"
"  local keep, langs = {}, {}\n"
"  for _, c in ipairs(cjson.decode(a.roster)) do keep[#keep + 1] = c[1]; langs[c[1]] = c[2] end\n"
"  local items = {}\n"
"  for pid, v in pairs(hgetall(p .. 'reminders:' .. t)) do\n"
"    local ok, kinds = pcall(cjson.decode, v)\n"
"    if not ok or type(kinds) ~= 'table' then kinds = {} end\n"
"    local person = hgetall(p .. 'person:' .. pid)\n"
"    for kind, r in pairs(kinds) do\n"
"      if type(r) ~= 'table' then r = {} end\n"
"      if (tonumber(r.added) or 0) <= untilms then\n"
"        local it = { pid = pid, kind = kind, due_at = r.due_at or '' }\n"
"        if person.territory == nil or person.departed then it.gone = 1\n"
"        elseif person.territory ~= t then it.moved = 1\n"
"        elseif string.sub(person['fu:' .. kind] or '', 1, 4) == 'done' then it.done = 1\n"
"        else\n"
/* a counsellor the producer named, if on the roster, else the assigned */
"          local c = r.counsellor and has(keep, r.counsellor) and r.counsellor or person.counsellor\n"
"          if not m.retry and not (c and has(keep, c)) then\n"
"            local cands = {}\n"
"            for _, id in ipairs(keep) do\n"
"              if person.language == nil or string.find(' ' .. langs[id] .. ' ', ' ' .. person.language .. ' ', 1, true) then\n"
"                cands[#cands + 1] = id\n"
"              end\n"
"            end\n"
"            if #cands == 0 then cands = keep end\n"
"            c = assign(p, pid, t, keep, cands, person.case_until or now, now, a.eid)\n"
"            person.counsellor = c or nil\n"
"          end\n"
"          it.counsellor = c or ''\n"
"          for _, k in ipairs({ 'first_name', 'last_name', 'email', 'phone', 'language',\n"
"              'arrival_date', 'municipality' }) do it[k] = person[k] end\n"
"        end\n"
"        items[#items + 1] = it\n"
"      end\n"
"    end\n"
"  end\n"
"  table.sort(items, function(x, y)\n"
"    if x.due_at ~= y.due_at then return x.due_at < y.due_at end\n"
"    if x.pid ~= y.pid then return x.pid < y.pid end\n"
"    return x.kind < y.kind\n"
"  end)\n"
"  return { items = items }\n"
"end\n"
};

/*
 * reminders_done: the territory's email went on the local day (remembered
 * day_ttl ms); done lists person, kind pairs that were told; what came
 * since waits for the next day's, scheduled at next (member; remembered
 * next_ttl ms).
 */
static const char *const reminders_fx_done_args[] = { "territory", "day",
	"day_ttl", "next", "member", "next_ttl", "done...", NULL };
static const struct handler_lua reminders_fx_done = { "reminders_done",
	reminders_fx_done_args,
"function(p, a)\n"
"  local k = p .. 'reminders:' .. a.territory\n"
"  for i = 1, #a.done - 1, 2 do\n"
"    local pid, kind = a.done[i], a.done[i + 1]\n"
"    local m = kinds(k, pid)\n"
"    m[kind] = nil\n"
"    if next(m) == nil then redis.call('HDEL', k, pid)\n"
"    else redis.call('HSET', k, pid, cjson.encode(m)) end\n"
"  end\n"
"  redis.call('SET', p .. 'reminded-day:' .. a.territory, a.day, 'PX', a.day_ttl)\n"
"  redis.call('DEL', p .. 'reminders-due:' .. a.territory)\n"
"  if redis.call('HLEN', k) > 0 then\n"
"    redis.call('SET', p .. 'reminders-due:' .. a.territory, a.next, 'PX', a.next_ttl)\n"
"    sched_add(p, a.next, a.member)\n"
"  end\n"
"end\n" };

static const struct handler_lua *const reminders_effects[] = {
	&reminders_fx_done, NULL };

static int
reminders_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const struct territory	*t;
	json_t			*roster;
	long long		 until;

	if (reminders_ids(ev, ctx, &t, &until, reason, reasonlen) == -1)
		return -1;
	handler_state_init(st, &reminders_state);
	handler_arg(st, "territory", t->id);
	roster = handler_roster(t);
	handler_arg_json(st, "roster", roster);
	json_decref(roster);
	handler_arg_long(st, "now", ctx->now_ms);
	handler_arg(st, "eid", ev->id);
	handler_arg_long(st, "until_ms", until);
	return 0;
}

/* One follow-up as the counsellor's email lists it. */
static json_t *
reminders_item(const struct handler_ctx *ctx, const json_t *it,
    const char *lang)
{
	static const char *const pkeys[] = { "first_name", "last_name",
	    "email", "phone", NULL };
	const struct config_followup	*fu = NULL;
	const char			*kind = handler_str(it, "kind");
	json_t				*o, *person, *data;
	char				 label[64];
	size_t				 i;

	for (i = 0; kind != NULL && i < ctx->cf->followups.nplan; i++) {
		if (strcmp(ctx->cf->followups.plan[i].kind, kind) == 0)
			fu = &ctx->cf->followups.plan[i];
	}
	if (fu != NULL)
		followup_label(fu->days, lang, label, sizeof label);
	else
		snprintf(label, sizeof label, "%s", kind != NULL ? kind : "");
	/* names always (a person may have given none), contacts when known */
	person = json_pack("{s:s, s:s}", "first_name", "", "last_name", "");
	for (i = 0; pkeys[i] != NULL; i++) {
		if (handler_str(it, pkeys[i]) != NULL)
			json_object_set_new(person, pkeys[i], json_string(
			    handler_str(it, pkeys[i])));
	}
	data = json_object();
	if (handler_str(it, "arrival_date") != NULL)
		json_object_set_new(data, "arrival_date", json_string(
		    handler_str(it, "arrival_date")));
	if (handler_str(it, "municipality") != NULL)
		json_object_set_new(data, "municipality", json_string(
		    handler_str(it, "municipality")));
	o = json_pack("{s:{s:s, s:s}, s:o, s:o, s:s}", "followup", "id",
	    kind != NULL ? kind : "", "kind", label, "person", person, "data",
	    data, "ref", handler_str(it, "pid") != NULL ?
	    handler_str(it, "pid") : "");
	if (o == NULL)
		fatalx("followup.reminders: cannot build an item");
	if (handler_str(it, "due_at") != NULL)
		json_object_set_new(json_object_get(o, "followup"), "due_at",
		    json_string(handler_str(it, "due_at")));
	return o;
}

/*
 * The follow-ups listed, by counsellor id in lists ({id: [item..]}), and
 * every one listed as person, kind in done; those gone, done or moved
 * since, and those with no counsellor, counted.
 */
static void
reminders_sort(const struct handler_ctx *ctx, const struct territory *t,
    const json_t *items, json_t *lists, json_t *done, size_t *gone,
    size_t *nobody)
{
	const struct territory_counsellor	*c;
	const json_t				*it;
	json_t					*list;
	const char				*cid, *lang;
	size_t					 i;

	json_array_foreach(items, i, it) {
		if (handler_str(it, "pid") == NULL ||
		    handler_str(it, "kind") == NULL)
			continue;
		json_array_append_new(done, json_string(handler_str(it,
		    "pid")));
		json_array_append_new(done, json_string(handler_str(it,
		    "kind")));
		/* forgotten, departed, done or moved since: nobody to remind */
		if (json_object_get(it, "gone") != NULL ||
		    json_object_get(it, "done") != NULL ||
		    json_object_get(it, "moved") != NULL) {
			(*gone)++;
			continue;
		}
		if ((cid = handler_str(it, "counsellor")) == NULL ||
		    (c = handler_counsellor(t, cid)) == NULL) {
			(*nobody)++;
			continue;
		}
		lang = c->languages[0];	/* config gives one at least */
		if ((list = json_object_get(lists, cid)) == NULL) {
			list = json_array();
			json_object_set_new(lists, cid, list);
		}
		json_array_append_new(list, reminders_item(ctx, it, lang));
	}
}

/* One email per counsellor with follow-ups, in roster order: a retry plans the same. */
static void
reminders_emails(const struct territory *t, const json_t *lists,
    struct handler_out *out)
{
	const struct territory_counsellor	*c;
	struct notification			*n;
	json_t					*list, *vars;
	size_t					 i;

	for (i = 0; i < t->ncounsellors; i++) {
		c = &t->counsellors[i];
		if ((list = json_object_get(lists, c->id)) == NULL)
			continue;
		vars = json_object();
		json_object_set_new(vars, "counsellor",
		    handler_counsellor_vars(c));
		json_object_set_new(vars, "count", json_integer((json_int_t)
		    json_array_size(list)));
		if (json_array_size(list) > 1)
			json_object_set_new(vars, "many", json_true());
		json_object_set(vars, "followups", list);
		n = handler_out_add(out);
		n->role = "counsellor";
		n->recipient_id = xstrdup(c->id);
		n->email = xstrdup(c->email);
		n->language = xstrdup(c->languages[0]);
		n->consent_email = 1;	/* staff, at work */
		n->territory = t;
		n->vars = vars;
	}
}

/*
 * Clears what was listed (done: person, kind...) once every email is
 * settled, not before: a retry must find the same follow-ups. What came
 * meanwhile waits for the next day's email.
 */
static void
reminders_clear(const struct handler_ctx *ctx, const struct territory *t,
    const json_t *done, struct handler_out *out)
{
	char	*member, day[11], next[32], dayttl[32], nextttl[32];
	int64_t	 due;

	followup_day(t->tz, ctx->now_ms, day);
	due = followup_reminder_next(t->tz, ctx->now_ms,
	    ctx->cf->followups.reminders_at_min);
	snprintf(next, sizeof next, "%lld", (long long)due);
	snprintf(dayttl, sizeof dayttl, "%lld", REMINDERS_DAY_TTL_MS);
	snprintf(nextttl, sizeof nextttl, "%lld", (long long)(due -
	    ctx->now_ms + 2 * 86400000LL));
	member = followup_reminders_member(t->id, due);
	handler_fx_add(&out->effects, &reminders_fx_done, 1, "territory", t->id,
	    "day", day, "day_ttl", dayttl, "next", next, "member", member,
	    "next_ttl", nextttl, NULL);
	handler_fx_more_list(&out->effects, done);
	free(member);
}

static int
reminders_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	json_t			*lists, *done;
	long long		 until;
	size_t			 gone = 0, nobody = 0;

	if (reminders_ids(ev, ctx, &t, &until, reason, reasonlen) == -1)
		return -1;
	if (state == NULL) {
		snprintf(out->note, sizeof out->note, "reminders need the "
		    "stored follow-ups: nothing to preview");
		return 0;
	}
	lists = json_object();
	done = json_array();
	reminders_sort(ctx, t, json_object_get(state, "items"), lists, done,
	    &gone, &nobody);
	reminders_emails(t, lists, out);
	json_decref(lists);
	if (out->n == 0)
		snprintf(out->note, sizeof out->note, "no follow-up left to "
		    "remind (%zu gone, done or moved since; %zu with no "
		    "counsellor)", gone, nobody);
	else if (gone + nobody > 0)
		snprintf(out->note, sizeof out->note, "%zu follow-up(s) no "
		    "longer to remind, %zu with no counsellor", gone, nobody);
	reminders_clear(ctx, t, done, out);
	json_decref(done);
	return 0;
}

const struct handler handler_followup_reminders = {
	.type = "followup.reminders",
	.prepare = reminders_prepare,
	.fn = reminders_fn,
	.state = &reminders_state,
	.effects = reminders_effects,
};
