/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * followup.due: remind the person's counsellor (reassigned when they left
 * the roster), send the newcomer a check-in when the plan says so, and
 * record the reminder. Nothing for a person who departed or was forgotten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "followups.h"
#include "handlers.h"
#include "jarena.h"
#include "log.h"
#include "territory.h"

/* A check-in handled this long after it fell due no longer says "7 days". */
#define DUE_ON_TIME_MS	(36 * 3600 * 1000LL)

static const struct config_followup *
due_plan(const struct config *cf, const char *kind)
{
	size_t	i;

	for (i = 0; i < cf->followups.nplan; i++) {
		if (strcmp(cf->followups.plan[i].kind, kind) == 0)
			return &cf->followups.plan[i];
	}
	return NULL;
}

/*
 * The state function (S.due). Its arguments: the person id; the follow-up's
 * kind; every roster, {territory: [[id, "fr en"]..]} (the person's
 * territory is known only in Redis); now (ms); the event id. Reassigns
 * when the counsellor left the roster (not on a retry: it reads).
 */
static const char *const due_args[] = { "pid", "kind", "rosters", "now",
    "eid", NULL };

static const struct handler_lua due_state = { "due", due_args,
"function(p, a, m)\n"
"  local pid, kind, now = a.pid, a.kind, tonumber(a.now)\n"
"  local k = p .. 'person:' .. pid\n"
"  local person = hgetall(k)\n"
"  if person.territory == nil then return { missing = 1 } end\n"
"  if person.departed then return { departed = 1 } end\n"
"  local keep, cands = {}, {}\n"
"  for _, c in ipairs(cjson.decode(a.rosters)[person.territory] or {}) do\n"
"    keep[#keep + 1] = c[1]\n"
"    if person.language == nil or string.find(' ' .. c[2] .. ' ', ' ' .. person.language .. ' ', 1, true) then\n"
"      cands[#cands + 1] = c[1]\n"
"    end\n"
"  end\n"
"  if #cands == 0 then cands = keep end\n"
"  local c, prev = person.counsellor or false, false\n"
"  if not m.retry then\n"
"    c, prev = assign(p, pid, person.territory, keep, cands, person.case_until or now, now, a.eid)\n"
"  end\n"
"  local state = person['fu:' .. kind] or ''\n"
"  person.mx, person.counsellor, person.case_until = nil, nil, nil\n"
"  person.arrived_by, person.assigned_by, person.t = nil, nil, nil\n"
"  local reminded = redis.call('GET', p .. 'reminded-day:' .. person.territory) or ''\n"
"  return { person = person, counsellor = c or '', previous = prev or '', state = state,\n"
"    reminded = reminded }\n"
"end\n"
};

/*
 * reminder_add: the follow-up waits for the territory's reminder email
 * (the person's field lists their kinds: forget and export find them by
 * the id); the email is scheduled (due, member; remembered ttl ms) unless
 * it is already. value: {due_at, added, counsellor}.
 */
static const char *const due_fx_reminder_add_args[] = { "territory", "pid",
	"kind", "value", "due", "member", "ttl", NULL };
static const struct handler_lua due_fx_reminder_add = { "reminder_add",
	due_fx_reminder_add_args,
"function(p, a)\n"
"  local k = p .. 'reminders:' .. a.territory\n"
"  local m = kinds(k, a.pid)\n"
"  m[a.kind] = cjson.decode(a.value)\n"
"  redis.call('HSET', k, a.pid, cjson.encode(m))\n"
"  if redis.call('SET', p .. 'reminders-due:' .. a.territory, a.due, 'NX', 'PX', a.ttl) then\n"
"    sched_add(p, a.due, a.member)\n"
"  end\n"
"end\n" };

/*
 * followup: the person's record of a kind ("reminded <at>"), unless gone
 * or done meanwhile (a followup.done handled between this event's state
 * and its commit stays done) or reminded already (a replay, a second
 * followup.due: the first reminder's time is kept, the overdue clock not
 * restarted); open in their territory's followups-open until done
 * (figures.h: what is overdue is counted there, no person read). Two
 * members drawn at random are checked: one whose person is gone (past
 * retention, or forgotten by an older relaisctl) leaves.
 */
static const char *const due_fx_followup_args[] = { "pid", "kind", "record",
	NULL };
static const struct handler_lua due_fx_followup = { "followup",
	due_fx_followup_args,
"function(p, a)\n"
"  local k = p .. 'person:' .. a.pid\n"
"  local r = redis.call('HMGET', k, 'territory', 'fu:' .. a.kind)\n"
"  local t, was = r[1], string.sub(r[2] or '', 1, 4)\n"
"  if not t or was == 'done' or was == 'remi' then return end\n"
"  redis.call('HSET', k, 'fu:' .. a.kind, a.record)\n"
"  local at = tonumber(string.match(a.record, '^reminded (%d+)$'))\n"
"  local ok = p .. 'followups-open:' .. t\n"
"  if at then redis.call('ZADD', ok, 'NX', at, a.kind .. ':' .. a.pid) end\n"
"  for _, om in ipairs(redis.call('ZRANDMEMBER', ok, 2) or {}) do\n"
"    local pid = string.match(om, '^[^:]*:(.*)$')\n"
"    if pid and redis.call('EXISTS', p .. 'person:' .. pid) == 0 then redis.call('ZREM', ok, om) end\n"
"  end\n"
"end\n" };

static const struct handler_lua *const due_effects[] = { &due_fx_reminder_add,
	&due_fx_followup, NULL };

static int
due_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const struct territory	*t;
	const char		*pid, *kind;
	json_t			*rosters;
	size_t			 i, n;

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	/* every roster: the person's territory is known only in Redis */
	rosters = json_object();
	n = territory_set_count(ctx->cf->territories);
	for (i = 0; i < n; i++) {
		t = territory_set_at(ctx->cf->territories, i);
		json_object_set_new(rosters, t->id, handler_roster(t));
	}
	handler_state_init(st, &due_state);
	handler_arg(st, "pid", pid);
	handler_arg(st, "kind", kind);
	handler_arg_json(st, "rosters", rosters);
	handler_arg_long(st, "now", ctx->now_ms);
	handler_arg(st, "eid", ev->id);
	json_decref(rosters);
	return 0;
}

/* The person as stored, in the shape the templates use. */
static json_t *
due_person(const json_t *p)
{
	static const char *const keys[] = { "first_name", "last_name", "email",
	    "phone", "language", NULL };
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; keys[i] != NULL; i++) {
		if (handler_str(p, keys[i]) != NULL)
			json_object_set_new(o, keys[i], json_string(
			    handler_str(p, keys[i])));
	}
	return o;
}

/*
 * How long ago the person arrived, as the check-in tells them: the plan's
 * "7 days" when it goes on time; when late (registered late, a backlog),
 * the time it really has been; "" when that is not known.
 */
static void
due_since(const struct handler_ctx *ctx, const struct territory *t,
    const json_t *person, const json_t *fv, long days, const char *lang,
    char *out, size_t outlen)
{
	const char	*arrival = handler_str(person, "arrival_date");
	int64_t		 due, from;
	long		 d;

	out[0] = '\0';
	if (handler_str(fv, "due_at") != NULL && envelope_parse_time(
	    handler_str(fv, "due_at"), &due) == 0 &&
	    ctx->now_ms - due < DUE_ON_TIME_MS) {
		followup_label(days, lang, out, outlen);
		return;
	}
	if (arrival == NULL || followup_due_ms(arrival, t->tz, 0,
	    ctx->cf->followups.at_min, &from) == -1 || ctx->now_ms < from)
		return;
	d = (long)((ctx->now_ms - from) / 86400000LL);
	if (d >= 730)
		followup_label(d / 365 * 365, lang, out, outlen);
	else if (d >= 60)
		followup_label(d / 30 * 30, lang, out, outlen);
	else if (d >= 1)
		followup_label(d, lang, out, outlen);
}

/* The follow-up waits for the territory's reminder email (reminder_add). */
static void
due_remind(const struct handler_ctx *ctx, const struct territory *t,
    const json_t *state, const char *pid, const char *kind, const char *hint,
    const json_t *due_at, struct handler_out *out)
{
	const struct config_followups	*f = &ctx->cf->followups;
	json_t				*v;
	char				*value, *member, dues[32], ttl[32];
	int64_t				 due;

	due = followup_reminder_due(t->tz, ctx->now_ms, f->reminders_at_min,
	    f->reminders_gather_s, handler_str(state, "reminded"));
	v = json_pack("{s:I}", "added", (json_int_t)ctx->now_ms);
	if (json_is_string(due_at))
		json_object_set(v, "due_at", (json_t *)(uintptr_t)due_at);
	if (hint != NULL)
		json_object_set_new(v, "counsellor", json_string(hint));
	if ((value = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("followup.due: cannot encode a reminder");
	json_decref(v);
	member = followup_reminders_member(t->id, due);
	snprintf(dues, sizeof dues, "%lld", (long long)due);
	snprintf(ttl, sizeof ttl, "%lld", (long long)(due - ctx->now_ms +
	    2 * 86400000LL));
	handler_effect(out, &due_fx_reminder_add, "territory", t->id, "pid", pid,
	    "kind", kind, "value", value, "due", dues, "member", member, "ttl",
	    ttl, NULL);
	free(member);
	jarena_free(value);	/* json_dumps's, maybe in an arena */
}

/*
 * Whether there is nothing to do, said in the note: a preview, a person
 * unknown or departed, a territory no longer configured, a follow-up done
 * already. Else 0 and the person's territory in *t.
 */
static int
due_nothing(const struct handler_ctx *ctx, const json_t *state,
    const char *kind, const struct territory **t, struct handler_out *out)
{
	if (state == NULL) {
		snprintf(out->note, sizeof out->note, "a follow-up needs the "
		    "stored person: nothing to preview");
		return 1;
	}
	if (json_object_get(state, "missing") != NULL) {
		snprintf(out->note, sizeof out->note, "person unknown (never "
		    "arrived, forgotten, or past retention): no reminder");
		return 1;
	}
	if (json_object_get(state, "departed") != NULL) {
		snprintf(out->note, sizeof out->note, "person departed: no "
		    "reminder");
		return 1;
	}
	if ((*t = territory_find(ctx->cf->territories, handler_str(
	    json_object_get(state, "person"), "territory"))) == NULL) {
		snprintf(out->note, sizeof out->note, "the person's territory "
		    "is no longer configured: no reminder");
		return 1;
	}
	if (strncmp(handler_str(state, "state") != NULL ?
	    handler_str(state, "state") : "", "done", 4) == 0 && !ctx->retry) {
		snprintf(out->note, sizeof out->note, "follow-up %s already "
		    "done", kind);
		return 1;
	}
	return 0;
}

/* The check-in, to the newcomer p (as stored), with their counsellor c. */
static void
due_checkin(const struct handler_ctx *ctx, const struct territory *t,
    const json_t *p, const json_t *fv, const struct config_followup *fu,
    const char *pid, const struct territory_counsellor *c,
    struct handler_out *out)
{
	struct notification	*n;
	json_t			*vars, *data;
	const char		*plang = handler_str(p, "language");
	char			 label[64];

	data = json_object();
	if (handler_str(p, "arrival_date") != NULL)
		json_object_set_new(data, "arrival_date", json_string(
		    handler_str(p, "arrival_date")));
	if (handler_str(p, "municipality") != NULL)
		json_object_set_new(data, "municipality", json_string(
		    handler_str(p, "municipality")));
	due_since(ctx, t, p, fv, fu->days, plang, label, sizeof label);
	vars = json_object();
	json_object_set_new(vars, "person", due_person(p));
	json_object_set_new(vars, "data", data);
	json_object_set_new(vars, "first_name", json_string(
	    handler_str(p, "first_name") != NULL ?
	    handler_str(p, "first_name") : ""));
	json_object_set_new(vars, "followup", json_pack("{s:s}",
	    "id", fu->kind));
	if (label[0] != '\0')
		json_object_set_new(json_object_get(vars, "followup"),
		    "kind", json_string(label));
	if (c != NULL)
		json_object_set_new(vars, "counsellor",
		    handler_counsellor_vars(c));
	n = handler_out_add(out);
	n->role = "newcomer";
	n->recipient_id = xstrdup(pid);
	n->subject_id = xstrdup(pid);
	n->email = handler_str(p, "email") != NULL ?
	    xstrdup(handler_str(p, "email")) : NULL;
	n->phone = handler_str(p, "phone") != NULL ?
	    xstrdup(handler_str(p, "phone")) : NULL;
	n->language = plang != NULL ? xstrdup(plang) : NULL;
	n->consent_email = handler_str(p, "consent_email") != NULL;
	n->consent_sms = handler_str(p, "consent_sms") != NULL;
	n->territory = t;
	n->vars = vars;
}

static int
due_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct config_followup		*fu;
	const struct territory_counsellor	*c;
	const struct territory			*t;
	const json_t				*p, *fv;
	const char				*pid, *kind, *hint;
	char					 rec[64], guard[80];

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	if (due_nothing(ctx, state, kind, &t, out))
		return 0;
	p = json_object_get(state, "person");
	fu = due_plan(ctx->cf, kind);
	/* a counsellor the producer named, if on the roster, else the assigned */
	hint = handler_str(json_object_get(ev->data, "counsellor"), "id");
	if ((c = handler_counsellor(t, hint)) == NULL)
		c = handler_counsellor(t, handler_str(state, "counsellor"));
	fv = json_object_get(ev->data, "followup");

	/*
	 * The counsellor hears of it in the territory's reminder email of
	 * the day, with every other follow-up due: one email, not one per
	 * person (a backlog once sent one counsellor 1,973).
	 */
	if (c != NULL && !ctx->retry)
		due_remind(ctx, t, state, pid, kind, hint != NULL &&
		    handler_counsellor(t, hint) != NULL ? hint : NULL,
		    json_object_get(fv, "due_at"), out);
	else if (c == NULL)
		snprintf(out->note, sizeof out->note, "%s", t->ncounsellors == 0 ?
		    "the territory has no counsellor to remind" :
		    "no counsellor could be assigned to remind");
	if (fu != NULL && fu->checkin)
		due_checkin(ctx, t, p, fv, fu, pid, c, out);

	if (!ctx->retry) {
		snprintf(rec, sizeof rec, "reminded %lld",
		    (long long)ctx->now_ms);
		handler_effect(out, &due_fx_followup, "pid", pid, "kind", kind,
		    "record", rec, NULL);
		/* once per person and kind: a replay reminds, counts nothing */
		snprintf(guard, sizeof guard, "due:%s", kind);
		handler_count(out, ctx, t, "followups_due", pid, guard, "1");
	}
	return 0;
}

const struct handler handler_followup_due = {
	.type = "followup.due",
	.prepare = due_prepare,
	.fn = due_fn,
	.state = &due_state,
	.effects = due_effects,
};
