/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The queue's Lua scripts (queue_lua.c), and the scheduled set's kinds. */
#ifndef RELAIS_QUEUE_LUA_H
#define RELAIS_QUEUE_LUA_H

/*
 * <prefix>scheduled:kinds: kind -> members of <prefix>scheduled held now,
 * kept exact as members come and go so that nobody scans the set to tell
 * them (the console's Health page, relaisctl status). Every script adding
 * or removing a member opens with QUEUE_SCHED_LUA and goes through
 * sched_add / sched_add_all (one ZADD per kind for a list of score,
 * member pairs) / sched_rem (a ZADD that updates a score counts nothing, a
 * ZREM of nothing neither; a kind drained to 0 is deleted, so an empty set
 * has no hash). A member's kind is told by its text alone, the same for
 * the add and the remove. A caller of sched_add_all may give the kind all
 * its members are, which must be what their text tells (an arrival's
 * follow-ups, every one a followup.due of followup_due_member): one ZADD
 * and no member's text searched (an arrival of five follow-ups 46,000
 * instructions less in Redis, the searches, their tables and garbage).
 * By their text: "retry A W KEY EVENT" is "deferred" when never
 * tried nor waited (0 0: a time window, the daily cap), else "retry";
 * other members by their event's first "type": "followup" (followup.due),
 * "digest" (match.digest), "reminder" (followup.reminders), else "other".
 *
 * A store of a relaisd older than the hash has members and no hash. It is
 * counted once (sched_count: every member read, a page at a time, about a
 * second of Redis time per million members) by whichever comes first: the
 * stats script (relaisd runs it every 5 s, queue_batch.c; the console's
 * Health page too), or the first sched_add after the upgrade, which sees
 * the kind it created is the hash's only field while the set held more:
 * without that, an add before the first stats run would make a hash that
 * misses the older members for good. That check costs an HLEN and a
 * ZCARD only when a kind's count starts from 0; a hash present is never
 * recounted (it would hide a script adding past sched_add).
 */
#define QUEUE_SCHED_KINDS	"scheduled:kinds"
#define QUEUE_SCHED_LUA \
"local function sched_kind(m)\n" \
"  if string.sub(m, 1, 6) == 'retry ' then\n" \
"    local a, w = string.match(m, '^retry (%d+) (%d+)')\n" \
"    if not a then return 'other' end\n" \
"    if tonumber(a) == 0 and tonumber(w) == 0 then return 'deferred' end\n" \
"    return 'retry'\n" \
"  end\n" \
"  local s = string.find(m, '\"type\":\"', 1, true)\n" \
"  local t = s and string.match(m, '^([^\"]*)\"', s + 8)\n" \
"  if t == 'followup.due' then return 'followup' end\n" \
"  if t == 'match.digest' then return 'digest' end\n" \
"  if t == 'followup.reminders' then return 'reminder' end\n" \
"  return 'other'\n" \
"end\n" \
"local function sched_count(p)\n" \
"  local z, c = redis.call('ZCARD', p .. 'scheduled'), {}\n" \
"  for i = 0, z - 1, 1000 do\n" \
"    for _, m in ipairs(redis.call('ZRANGE', p .. 'scheduled', i, i + 999)) do\n" \
"      local k = sched_kind(m)\n" \
"      c[k] = (c[k] or 0) + 1\n" \
"    end\n" \
"  end\n" \
"  redis.call('DEL', p .. '" QUEUE_SCHED_KINDS "')\n" \
"  for k, n in pairs(c) do redis.call('HSET', p .. '" QUEUE_SCHED_KINDS "', k, n) end\n" \
"end\n" \
"local function sched_counted(p, k, n)\n" \
"  if n > 0 and redis.call('HINCRBY', p .. '" QUEUE_SCHED_KINDS "', k, n) == n and\n" \
"      redis.call('HLEN', p .. '" QUEUE_SCHED_KINDS "') == 1 and\n" \
"      redis.call('ZCARD', p .. 'scheduled') > n then\n" \
"    sched_count(p)\n" \
"  end\n" \
"end\n" \
"local function sched_add(p, score, m)\n" \
"  local n = redis.call('ZADD', p .. 'scheduled', score, m)\n" \
"  sched_counted(p, sched_kind(m), n)\n" \
"  return n\n" \
"end\n" \
"local function sched_add_all(p, z, kind)\n" \
"  if #z == 0 then return end\n" \
"  if kind then\n" \
"    sched_counted(p, kind, redis.call('ZADD', p .. 'scheduled', unpack(z)))\n" \
"    return\n" \
"  end\n" \
"  local by, kinds = {}, {}\n" \
"  for j = 1, #z, 2 do\n" \
"    local k = sched_kind(z[j + 1])\n" \
"    if not by[k] then by[k] = {}; kinds[#kinds + 1] = k end\n" \
"    local t = by[k]\n" \
"    t[#t + 1] = z[j]\n" \
"    t[#t + 1] = z[j + 1]\n" \
"  end\n" \
"  for _, k in ipairs(kinds) do\n" \
"    sched_counted(p, k, redis.call('ZADD', p .. 'scheduled', unpack(by[k])))\n" \
"  end\n" \
"end\n" \
"local function sched_rem(p, m)\n" \
"  local n = redis.call('ZREM', p .. 'scheduled', m)\n" \
"  if n > 0 then\n" \
"    local k = sched_kind(m)\n" \
"    if redis.call('HINCRBY', p .. '" QUEUE_SCHED_KINDS "', k, -n) <= 0 then\n" \
"      redis.call('HDEL', p .. '" QUEUE_SCHED_KINDS "', k)\n" \
"    end\n" \
"  end\n" \
"  return n\n" \
"end\n"

/* The kinds, in the order the console and relaisctl status show them. */
#define QUEUE_SCHED_KIND_NAMES \
	{ "retry", "deferred", "followup", "digest", "reminder", "other" }

extern const char queue_commit_lua[];
extern const char queue_kinds_lua[];
extern const char queue_rate_lua[];
extern const char queue_state_lua[];
extern const char queue_stats_lua[];
extern const char queue_tick_lua[];

#endif
