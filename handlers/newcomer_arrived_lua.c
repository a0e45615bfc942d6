/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * newcomer.arrived's Lua: its state function and its effects, apart from
 * the handler's C (newcomer_arrived.c) as common_effects.c is from the
 * handlers, the one file past its size otherwise. The Lua uses the state
 * and commit scripts' shared helpers (assign, hgetall, sched_add...,
 * queue_lua.c, store.c).
 */
#include <stddef.h>

#include "handlers.h"
#include "newcomer_arrived_lua.h"

/*
 * The state function (S.arrived). Its arguments: the person id; retention
 * (s); their territory; its roster [ids]; the ids eligible (who speak the
 * person's language) [..]; the end of their programme (ms); now (ms); how
 * many follow-ups; the index hashes of the profile [keys]; its matching
 * summary ("" when not shared); the postings' index sets to match against
 * [keys]; the event id; how many profile fields to set; then the list:
 * the follow-ups (kind, due ms, member, for each), then the profile's
 * fields to set (name, value, ...), then those to remove (name...). The
 * follow-ups come as plain arguments, not JSON: a member is an event's
 * JSON text, which cjson would read a character at a time, and a due time
 * read as a number would be formatted again for the ZADD.
 * "welcome" tells whether this event registered the person (welcome them),
 * "notify" whether it assigned their counsellor (tell them), booleans (a
 * number costs cjson a printf): true again
 * when the same event is read again, false for a later event about the
 * same person. A retry, or an event older than one already applied (m.t),
 * changes nothing: it reads what is stored now.
 */
static const char *const arrival_args[] = { "pid", "ttl",
    "territory", "roster", "eligible", "case_until", "now", "nfollowups",
    "profile_keys", "summary", "job_keys", "eid", "nset", "list...", NULL };

const struct handler_lua arrival_state = { "arrived", arrival_args,
"function(p, a, m)\n"
"  local pid, t, now = a.pid, a.territory, tonumber(a.now)\n"
"  local k = p .. 'person:' .. pid\n"
"  local eid = a.eid\n"
/*
 * What is stored, read once: its order, and what the welcome and the
 * assignment belong to. r: t, territory, departed, counsellor, arrived_by,
 * assigned_by, welcome_by, welcome, mx (the matching index keys), then
 * for each kind of the plan (kinds) whether it was reminded or done
 * (fu:<kind>), which nothing below writes before it is used.
 */
"  local fl, nf = a.list, 3 * tonumber(a.nfollowups)\n"
"  local want, kinds, fus = {}, {}, {}\n"
"  for j = 1, nf, 3 do\n"
"    if not want[fl[j]] then kinds[#kinds + 1] = fl[j]; fus[#fus + 1] = 'fu:' .. fl[j] end\n"
"    want[fl[j]] = j\n"
"  end\n"
"  local r = redis.call('HMGET', k, 't', 'territory', 'departed', 'counsellor', 'arrived_by', 'assigned_by', 'welcome_by', 'welcome', 'mx', unpack(fus))\n"
/* newest truth wins: an event older than the one applied changes nothing */
"  if m.retry or m.t < (tonumber(r[1]) or 0) then\n"
"    if not r[2] then return { missing = 1 } end\n"
"    if r[3] then return { departed = 1 } end\n"
"    return { counsellor = r[4] or '', previous = '', jobs = {},\n"
"      welcome = (r[7] or r[5]) == eid, notify = r[6] == eid, stale = not m.retry }\n"
"  end\n"
/*
 * One HSET (and one HDEL) for the record: the profile fields, the
 * programme's end and order, and who the welcome belongs to: the event
 * that registered the person (again after a departure) and, when it never
 * reached them (an invalid address, dead-lettered or skipped), the next
 * event that corrects the record. The list holds, after the follow-ups,
 * the fields to set (nset pairs) then those to remove (names): they go to
 * HSET and HDEL as they are, no table made of them.
 * A person with no territory stored has no record (every writer of one
 * writes the territory or checks it first; a departure keeps it; forget
 * deletes the whole hash, with the follow-ups), and no follow-ups planned
 * (followups:<pid> is written with the record, deleted with it or at a
 * departure, and given the record's expiry when written, which later
 * events push further): for them neither the HDEL nor the follow-ups'
 * HGETALL is sent, two of a new arrival's five calls. (Were retention
 * lowered, a later arrival planning nothing new, every kind reminded or
 * done, would shorten the record's expiry and not the follow-ups': these
 * could outlive it, holding only members that fired, which a new record
 * of that person then no longer clears.)
 */
"  local ns = nf + 2 * tonumber(a.nset)\n"
"  local arrived, welcome = r[5], r[8]\n"
/* what arrived_by, welcome_by and assigned_by hold once written */
"  local by_a, by_w, by_c = r[5], r[7], r[6]\n"
"  local del\n"
"  if r[3] then\n"
"    del = { 'departed' }\n"
"    arrived, welcome = false, false\n"
"  end\n"
"  local own = not arrived or welcome == 'failed'\n"
"  if own then\n"
"    if not arrived then by_a = eid end\n"
"    by_w = eid\n"
"  end\n"
"  if r[8] and (r[3] or welcome == 'failed') then\n"
"    del = del or {}\n"
"    del[#del + 1] = 'welcome'\n"
"  end\n"
"  if del then\n"
"    for i = ns + 1, #fl do del[#del + 1] = fl[i] end\n"
"    redis.call('HDEL', k, unpack(del))\n"
"  elseif #fl > ns and r[2] then\n"
"    redis.call('HDEL', k, unpack(fl, ns + 1, #fl))\n"
"  end\n"
"  if not own then\n"
"    redis.call('HSET', k, 'case_until', a.case_until, 't', m.ts, unpack(fl, nf + 1, ns))\n"
"  elseif arrived then\n"
"    redis.call('HSET', k, 'case_until', a.case_until, 't', m.ts, 'welcome_by', eid, unpack(fl, nf + 1, ns))\n"
"  else\n"
"    redis.call('HSET', k, 'case_until', a.case_until, 't', m.ts, 'arrived_by', eid, 'welcome_by', eid,\n"
"      unpack(fl, nf + 1, ns))\n"
"  end\n"
/* a move: their open follow-ups go with them (figures.h), reminder time kept */
"  if r[2] and r[2] ~= t then\n"
"    local from, to = p .. 'followups-open:' .. r[2], p .. 'followups-open:' .. t\n"
"    for _, f in ipairs(redis.call('HKEYS', k)) do\n"
"      local om = string.sub(f, 1, 3) == 'fu:' and string.sub(f, 4) .. ':' .. pid\n"
"      local sc = om and redis.call('ZSCORE', from, om)\n"
"      if sc then redis.call('ZREM', from, om); redis.call('ZADD', to, sc, om) end\n"
"    end\n"
"  end\n"
"  local c, prev, fresh = assign(p, pid, t, jlist(a.roster), jlist(a.eligible), a.case_until, now, eid, r[4])\n"
"  if fresh then by_c = eid end\n"
"  local fk = p .. 'followups:' .. pid\n"
"  for kind, m in pairs(r[2] and hgetall(fk) or {}) do\n"
"    if not want[kind] or fl[want[kind] + 2] ~= m then\n"
"      sched_rem(p, m)\n"
"      redis.call('HDEL', fk, kind)\n"
"    end\n"
"  end\n"
/*
 * A follow-up already reminded or done (fu:<kind>, read with the record)
 * is not planned again; the others with one ZADD (sched_add_all, told
 * their kind: every member is a followup.due that followup_due_member
 * wrote, counted as "followup", queue_lua.h) and one HSET.
 */
"  local z, h = {}, {}\n"
"  for i, kind in ipairs(kinds) do\n"
"    if not r[9 + i] then\n"
"      local j = want[kind]\n"
"      z[#z + 1] = fl[j + 1]; z[#z + 1] = fl[j + 2]; h[#h + 1] = kind; h[#h + 1] = fl[j + 2]\n"
"    end\n"
"  end\n"
"  if #h > 0 then\n"
"    sched_add_all(p, z, 'followup')\n"
"    redis.call('HSET', fk, unpack(h))\n"
"    redis.call('EXPIRE', fk, a.ttl)\n"
"  end\n"
"  unindex(p, pid, k, r[9])\n"
"  local jobs = {}\n"
"  if a.summary ~= '' then\n"
"    for _, key in ipairs(cjson.decode(a.profile_keys)) do redis.call('HSET', key, pid, a.summary) end\n"
"    redis.call('HSET', k, 'mx', a.profile_keys)\n"
"    for _, key in ipairs(cjson.decode(a.job_keys)) do\n"
"      for _, jid in ipairs(redis.call('SMEMBERS', key)) do\n"
"        local j = hgetall(p .. 'job:' .. jid)\n"
"        if j.employer == nil then redis.call('SREM', key, jid)\n"
"        else\n"
"          j.id = jid\n"
"          j.idx = nil\n"
"          j.announced = redis.call('HEXISTS', p .. 'announced:' .. j.employer, pid)\n"
"          jobs[#jobs + 1] = j\n"
"        end\n"
"      end\n"
"    end\n"
"  end\n"
"  redis.call('EXPIRE', k, a.ttl)\n"
"  return { counsellor = c or '', previous = prev or '', jobs = jobs,\n"
"    welcome = (by_w or by_a) == eid, notify = by_c == eid, first = by_a == eid }\n"
"end\n"
};

/*
 * welcome: how the welcome of that event ended ("sent" or "failed"),
 * unless a newer event owns the welcome now; a welcome sent stays sent
 * (one channel went, another failed later).
 */
static const char *const arrival_fx_welcome_args[] = { "pid", "event",
	"outcome", NULL };
const struct handler_lua arrival_fx_welcome = { "welcome",
	arrival_fx_welcome_args,
"function(p, a)\n"
"  local k = p .. 'person:' .. a.pid\n"
"  local r = redis.call('HMGET', k, 'welcome_by', 'arrived_by', 'welcome')\n"
"  if (r[1] or r[2]) ~= a.event then return end\n"
"  if a.outcome == 'failed' and r[3] == 'sent' then return end\n"
"  redis.call('HSET', k, 'welcome', a.outcome)\n"
"end\n" };

/*
 * digest_add: the person goes into the employer's digest for the job; the
 * digest is scheduled at due (member) unless it is already, the window
 * (ms) sizing how long the schedule is remembered.
 */
static const char *const arrival_fx_digest_add_args[] = { "employer", "pid",
	"job", "due", "member", "window", NULL };
const struct handler_lua arrival_fx_digest_add = { "digest_add",
	arrival_fx_digest_add_args,
"function(p, a)\n"
"  redis.call('HSET', p .. 'digest:' .. a.employer, a.pid, a.job)\n"
"  if redis.call('SET', p .. 'digest-due:' .. a.employer, a.due, 'NX', 'PX', tonumber(a.window) * 2 + 86400000) then\n"
"    sched_add(p, a.due, a.member)\n"
"  end\n"
"end\n" };

const struct handler_lua *const arrival_effects[] = {
	&arrival_fx_welcome, &arrival_fx_digest_add, NULL };
