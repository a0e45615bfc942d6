/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The queue's server-side scripts, in Lua: read by queue_batch.c, which
 * loads them on every connection of its writer (EVALSHA). The state and
 * commit scripts are preceded by the handlers' functions (handlers/store.c).
 */
#include "figures.h"
#include "queue_lua.h"

/*
 * The dedupe of one entry, in the state script (queue_begin.c asks the
 * same with plain commands of an entry with no state call): 1 when event
 * id was seen in another stream entry. An entry that says it is relais's
 * own (a retry or a replay: claim "1") skips it only when relais marked it
 * so (internal:<stream id>, set where it was added): a producer cannot
 * write "retry" or "replay" on XADD to have an event handled twice.
 */
#define QUEUE_DEDUPE_LUA \
"local function dedupe(p, ttl, id, sid, claim)\n" \
"  if claim == '1' and redis.call('EXISTS', p .. 'internal:' .. sid) == 1 then return 0 end\n" \
"  if id == '' then return 0 end\n" \
"  local k = p .. 'seen:' .. id\n" \
"  if not redis.call('SET', k, sid, 'NX', 'EX', ttl) then\n" \
"    if redis.call('GET', k) ~= sid then return 1 end\n" \
"  end\n" \
"  return 0\n" \
"end\n"

/*
 * Batched over every entry that finished in one loop iteration (or the
 * first QUEUE_SEND_AT calls of it), applied atomically. ARGV: prefix,
 * group, sent ttl, consent history ttl, dead letters' retention (ms), then
 * ops (queue_op_next() reads the same grammar, and the L ops that
 * queue_records.c takes out before the script):
 * S key | C count-key ttl (a message sent to a recipient today) | Z score
 * member | D n f v ... | A stream-id (ack and
 * delete the entry) | U suppression-id record (a provider's opt-out, kept
 * for good, appended to the consent history) | H effect n args... |
 * F territory:month template channel outcome welcomed (a delivery's
 * figures, figures.h: outcome "s" sent, "d" dead, "o" dead as the provider
 * reported an opt-out; welcomed the person a welcome reached, or "").
 * Returns 1, or the effects that failed ("name: error"), the rest applied.
 * The deliveries records (L ops) are not here: they go as XADDs of their
 * own ahead of the script (queue_records.c). The scheduled set's helpers
 * (sched_add) come with the handlers' text that opens the script
 * (handlers/store.c), as incr does: not defined twice in the prologue
 * every run pays.
 */
const char queue_commit_lua[] = FIGURES_REASON_LUA
"local p, group, ttl, cttl, dttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
/*
 * A delivery's dead letter keeps the event's bytes once (Law 25): when a
 * letter of the same event still holds them (dead-event:<id>), this one
 * says where (payload_in) instead of copying them. Every letter carries
 * its reason's class and is counted in dead:reasons (figures.h).
 */
"local function dead(f)\n"
"  local eid, pi, dk, r\n"
"  for j = 1, #f, 2 do\n"
"    if f[j] == 'event_id' then eid = f[j + 1]\n"
"    elseif f[j] == 'payload' then pi = j + 1\n"
"    elseif f[j] == 'reason' then r = f[j + 1]\n"
"    elseif f[j] == 'delivery_key' then dk = true end\n"
"  end\n"
"  local cls = reason_class(r)\n"
"  f[#f + 1] = 'class'\n"
"  f[#f + 1] = cls\n"
"  redis.call('HINCRBY', p .. 'dead:reasons', cls, 1)\n"
"  if not (eid and eid ~= '' and pi and dk) then\n"
"    redis.call('XADD', p .. 'dead', '*', unpack(f))\n"
"    return\n"
"  end\n"
"  local mk = p .. 'dead-event:' .. eid\n"
"  local prev = redis.call('GET', mk)\n"
"  if prev and #redis.call('XRANGE', p .. 'dead', prev, prev) == 1 then\n"
"    f[pi] = ''\n"
"    f[#f + 1] = 'payload_in'\n"
"    f[#f + 1] = prev\n"
"    redis.call('XADD', p .. 'dead', '*', unpack(f))\n"
"  else\n"
"    redis.call('SET', mk, redis.call('XADD', p .. 'dead', '*', unpack(f)), 'PX', dttl)\n"
"  end\n"
"end\n"
/*
 * A delivery's figures: a message sent or failed, and the first welcome
 * that reached a person, per channel and on any, marked on their record
 * (read and set in one HMGET and one HSET) so that a person counts once
 * (not again on a replay, a second welcome, another month). Not for a
 * person forgotten meanwhile (no territory stored: the stat effect's test):
 * the HSET would bring back a record. The counts go through incr, summed
 * over the batch (handlers/store.c).
 */
"local function figures(tm, tpl, ch, o, pid)\n"
"  local k = p .. 'figures:' .. tm\n"
"  local m = tpl .. ':' .. ch\n"
"  if o ~= 's' then\n"
"    incr(k, 'dead', 1)\n"
"    incr(k, 'dead:' .. m, 1)\n"
"    if o == 'o' then incr(k, 'optouts', 1) end\n"
"    return\n"
"  end\n"
"  incr(k, 'sent:' .. m, 1)\n"
"  if pid == '' then return end\n"
"  local pk, wf = p .. 'person:' .. pid, 'welcomed_' .. ch\n"
"  local r = redis.call('HMGET', pk, 'territory', 'welcomed', wf)\n"
"  if not r[1] then return end\n"
"  local mon, set = string.sub(tm, -7), {}\n"
"  if not r[2] then set[1] = 'welcomed'; set[2] = mon; incr(k, 'welcomed', 1) end\n"
"  if not r[3] then\n"
"    set[#set + 1] = wf\n"
"    set[#set + 1] = mon\n"
"    incr(k, 'welcomed:' .. ch, 1)\n"
"  end\n"
"  if #set > 0 then redis.call('HSET', pk, unpack(set)) end\n"
"end\n"
/*
 * The ops are checked before any is applied: Redis keeps what a script
 * wrote before an error, so a batch refused half-way would be half
 * applied, its entries acked and yet reported failed.
 */
"local i = 6\n"
"while i <= #ARGV do\n"
"  local op = ARGV[i]\n"
"  if op == 'S' or op == 'A' then i = i + 2\n"
"  elseif op == 'C' or op == 'U' or op == 'Z' then i = i + 3\n"
"  elseif op == 'F' then i = i + 6\n"
"  elseif op == 'H' then\n"
"    if E[ARGV[i + 1]] == nil then return redis.error_reply('relais commit: no effect ' .. tostring(ARGV[i + 1])) end\n"
"    i = i + 3 + (tonumber(ARGV[i + 2]) or 0)\n"
"  elseif op == 'D' then i = i + 2 + 2 * (tonumber(ARGV[i + 1]) or 0)\n"
"  else return redis.error_reply('relais commit: bad op ' .. tostring(op)) end\n"
"end\n"
"if i ~= #ARGV + 1 then return redis.error_reply('relais commit: ops cut short') end\n"
/*
 * skipf: the S op just before found its marker (the delivery was marked
 * sent early, with its figures): its F op counts nothing (figures.h).
 */
"local fails, acks, skipf = {}, {}, false\n"
"local function apply()\n"
"i = 6\n"
"while i <= #ARGV do\n"
"  local op = ARGV[i]\n"
"  if op == 'S' then\n"
"    skipf = redis.call('SET', p .. 'sent:' .. ARGV[i + 1], '1', 'EX', ttl, 'GET') ~= false\n"
"    i = i + 2\n"
/*
 * A recipient's count of the day is made with its expiry (SET NX PX): one
 * call for most, who get one message a day; a later message INCRs it,
 * the expiry kept.
 */
"  elseif op == 'C' then\n"
"    local ck = p .. ARGV[i + 1]\n"
"    if not redis.call('SET', ck, '1', 'PX', ARGV[i + 2], 'NX') then redis.call('INCR', ck) end\n"
"    i = i + 3\n"
"  elseif op == 'U' then\n"
"    redis.call('HSET', p .. 'suppressed', ARGV[i + 1], ARGV[i + 2])\n"
/* the consent history, as the public endpoints keep it (consent.c) */
"    local ok, r = pcall(cjson.decode, ARGV[i + 2])\n"
"    if not ok or type(r) ~= 'table' then r = {} end\n"
"    local hk = p .. 'consent:' .. ARGV[i + 1]\n"
"    redis.call('XADD', hk, 'MAXLEN', '100', '*', 'action', 'optout',\n"
"      'source', tostring(r.source or ''), 'result', 'added', 'message_sid', '',\n"
"      'at', tostring(r.at or ''))\n"
"    redis.call('EXPIRE', hk, cttl)\n"
"    i = i + 3\n"
"  elseif op == 'A' then\n"
"    acks[#acks + 1] = ARGV[i + 1]\n"
"    i = i + 2\n"
"  elseif op == 'F' then\n"
"    if not skipf then figures(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]) end\n"
"    skipf = false\n"
"    i = i + 6\n"
"  elseif op == 'Z' then\n"
"    sched_add(p, ARGV[i + 1], ARGV[i + 2])\n"
"    i = i + 3\n"
"  elseif op == 'H' then\n"
"    local n = tonumber(ARGV[i + 2])\n"
/*
 * An effect that fails (a bug in its Lua) is reported and the rest of the
 * batch applied: the deliveries' outcomes and acks must not wait on it.
 */
"    local ok, err = pcall(E[ARGV[i + 1]], p, ARGV, i + 2, n)\n"
"    if not ok then fails[#fails + 1] = ARGV[i + 1] .. ': ' .. tostring(err) end\n"
"    i = i + 3 + n\n"
"  elseif op == 'D' then\n"
"    local n = tonumber(ARGV[i + 1])\n"
"    skipf = false\n"
"    dead({ unpack(ARGV, i + 2, i + 1 + 2 * n) })\n"
"    i = i + 2 + 2 * n\n"
"  else\n"
"    error('relais commit: bad op ' .. tostring(op))\n"
"  end\n"
"end\n"
"end\n"
/*
 * The counts go with the markers the ops wrote (incr sums them over the
 * batch): written even when an op fails half-way, before the script
 * reports that error; a count refused is reported like an effect's
 * failure. Then, and only with every op applied, the acks.
 */
"local ok, err = pcall(apply)\n"
"for _, e in ipairs(incr_flush()) do fails[#fails + 1] = e end\n"
"if not ok then\n"
"  return redis.error_reply(type(err) == 'table' and tostring(err.err) or tostring(err))\n"
"end\n"
/* the entries' acks, together: two calls per batch instead of two per entry */
"for j = 1, #acks, 500 do\n"
"  local ids = { unpack(acks, j, math.min(j + 499, #acks)) }\n"
"  redis.call('XACK', p .. 'events', group, unpack(ids))\n"
"  redis.call('XDEL', p .. 'events', unpack(ids))\n"
"end\n"
"if #fails > 0 then return fails end\n"
"return 1\n";

/*
 * The handlers' state functions (handlers/store.c), batched with the dedupe
 * like begin. ARGV: prefix, seen ttl, then per entry: event id ("" = no
 * dedupe), stream id, claim (as begin), state function ("" = none), mode
 * ("r": a retry, the
 * function only reads), the event's order (ms: its time, else when it was
 * first added), n, n arguments. The function gets m: {retry, t (the
 * order), ts (the order as relaisd wrote it: what a record stores, where
 * m.t would be formatted again as a float), eid (the event id, "" when
 * none)}. Returns per entry the
 * duplicate flag and the function's answer as JSON ("").
 */
const char queue_state_lua[] = QUEUE_DEDUPE_LUA
"local p, ttl = ARGV[1], ARGV[2]\n"
"local out = {}\n"
"local i = 3\n"
"while i <= #ARGV do\n"
"  local id, sid, op = ARGV[i], ARGV[i + 1], ARGV[i + 3]\n"
"  local m = { retry = ARGV[i + 4] == 'r', t = tonumber(ARGV[i + 5]) or 0, ts = ARGV[i + 5], eid = id }\n"
"  local n = tonumber(ARGV[i + 6])\n"
"  local dup = dedupe(p, ttl, id, sid, ARGV[i + 2])\n"
"  local res = ''\n"
"  if dup == 0 and op ~= '' then\n"
"    local f = S[op]\n"
"    if f == nil then return redis.error_reply('relais state: no function ' .. op) end\n"
"    res = cjson.encode(f(p, ARGV, i + 6, n, m))\n"
"  end\n"
"  out[#out + 1] = dup\n"
"  out[#out + 1] = res\n"
"  i = i + 7 + n\n"
"end\n"
"return out\n";

/*
 * ARGV: prefix, now (ms), batch, how long (s) a retry added to the stream
 * is known as relais's own, how long (ms) dead letters are kept (older
 * ones are removed, Law 25; by Redis's clock, as their ids). Moves inbox items (oldest first) and due
 * scheduled members into the stream. Members are
 * "retry ATTEMPT WAITS KEY EVENT" or "event 0 0 - EVENT".
 */
const char queue_tick_lua[] = QUEUE_SCHED_LUA
"local p, now, max = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
"local moved, due = 0, 0\n"
"local items = redis.call('RPOP', p .. 'inbox', max)\n"
"if items then\n"
"  for _, it in ipairs(items) do\n"
"    redis.call('XADD', p .. 'events', '*', 'event', it)\n"
"    moved = moved + 1\n"
"  end\n"
"end\n"
"local members = redis.call('ZRANGEBYSCORE', p .. 'scheduled', '-inf', now, 'LIMIT', 0, max)\n"
"for _, m in ipairs(members) do\n"
"  local kind, a, w, k, ev = string.match(m, '^(%a+) (%d+) (%d+) (%S+) (.*)$')\n"
"  if kind == 'retry' then\n"
"    local sid = redis.call('XADD', p .. 'events', '*', 'event', ev, 'retry', k, 'attempt', a, 'waits', w)\n"
"    redis.call('SET', p .. 'internal:' .. sid, '1', 'EX', ARGV[4])\n"
"  elseif kind == 'event' then\n"
"    redis.call('XADD', p .. 'events', '*', 'event', ev)\n"
"  else\n"
"    redis.call('XADD', p .. 'dead', '*', 'reason', 'unreadable scheduled entry', 'payload', m,\n"
"      'class', 'unreadable')\n"
"    redis.call('HINCRBY', p .. 'dead:reasons', 'unreadable', 1)\n"
"  end\n"
"  sched_rem(p, m)\n"
"  due = due + 1\n"
"end\n"
/*
 * Letters past their retention leave, a batch at a time (the rest at the
 * next tick), each with a class taken off dead:reasons (XTRIM would not
 * say which); one without was written before the count began.
 */
"local t = redis.call('TIME')\n"
"local minid = tonumber(t[1]) * 1000 - tonumber(ARGV[5])\n"
"if minid > 0 then\n"
"  for _, e in ipairs(redis.call('XRANGE', p .. 'dead', '-', minid - 1, 'COUNT', max)) do\n"
"    local cls\n"
"    for j = 1, #e[2], 2 do\n"
"      if e[2][j] == 'class' then cls = e[2][j + 1] end\n"
"    end\n"
"    if cls and redis.call('HINCRBY', p .. 'dead:reasons', cls, -1) <= 0 then\n"
"      redis.call('HDEL', p .. 'dead:reasons', cls)\n"
"    end\n"
"    redis.call('XDEL', p .. 'dead', e[1])\n"
"  end\n"
"end\n"
"return { moved, due }\n";

/*
 * Shared rate limits, GCRA on Redis's own clock so that every instance
 * counts alike. ARGV: prefix, then per request: gateway, emission interval
 * (ms), burst tolerance (ms), the longest wait worth a reservation (ms).
 * Returns per request the wait in ms: >= 0, a slot is reserved at that
 * time; < 0, none is (-wait: try again then).
 */
const char queue_rate_lua[] =
"local p = ARGV[1]\n"
"local t = redis.call('TIME')\n"
"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
"local out = {}\n"
"local i = 2\n"
"while i <= #ARGV do\n"
"  local k = p .. 'rate:' .. ARGV[i]\n"
"  local interval, tol, maxd = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])\n"
"  local tat = tonumber(redis.call('GET', k) or '0')\n"
"  if tat < now then tat = now end\n"
"  local at = tat - tol\n"
"  if at < now then at = now end\n"
"  local wait = at - now\n"
"  if wait > maxd then\n"
"    out[#out + 1] = -wait\n"
"  else\n"
"    redis.call('SET', k, tat + interval, 'PX', tat + interval - now + 1000)\n"
"    out[#out + 1] = wait\n"
"  end\n"
"  i = i + 4\n"
"end\n"
"return out\n";

/*
 * ARGV: prefix, group, now (ms, relaisd's clock: the scheduled set's).
 * Sizes for metrics and status, and ages in ms: of the oldest stream entry
 * and the oldest pending one (by their ids, on Redis's clock), and how long
 * the first scheduled entry has been due. One round trip.
 */
const char queue_stats_lua[] = QUEUE_SCHED_LUA
"local p, group, now = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
/* an older relaisd's store: counted once here, queue_lua.h says how */
"local zcard = redis.call('ZCARD', p .. 'scheduled')\n"
"if zcard > 0 and redis.call('EXISTS', p .. '" QUEUE_SCHED_KINDS "') == 0 then\n"
"  sched_count(p)\n"
"end\n"
"local t = redis.call('TIME')\n"
"local rnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
"local function age(id)\n"
"  local ms = id and tonumber(string.match(id, '^(%d+)'))\n"
"  if not ms or ms > rnow then return 0 end\n"
"  return rnow - ms\n"
"end\n"
"local pending, pold, eold, due = 0, 0, 0, 0\n"
"if redis.call('EXISTS', p .. 'events') == 1 then\n"
"  local ok, s = pcall(redis.call, 'XPENDING', p .. 'events', group)\n"
"  if ok then pending = s[1]; pold = age(s[2]) end\n"
"  local first = redis.call('XRANGE', p .. 'events', '-', '+', 'COUNT', 1)\n"
"  if #first == 1 then eold = age(first[1][1]) end\n"
"end\n"
"local z = redis.call('ZRANGE', p .. 'scheduled', 0, 0, 'WITHSCORES')\n"
"if #z == 2 and tonumber(z[2]) and tonumber(z[2]) <= now then\n"
"  due = math.floor(now - tonumber(z[2]))\n"
"end\n"
"return { redis.call('XLEN', p .. 'events'), pending,\n"
"  zcard, redis.call('XLEN', p .. 'dead'),\n"
"  redis.call('LLEN', p .. 'inbox'), pold, eold, due }\n";

/*
 * ARGV: prefix, now (ms), sample. The scheduled set by kind without a
 * scan: { scheduled:kinds as HGETALL, the kinds of the first sample due
 * members (kind, n, ...), how many are due, how many there are }. The
 * due ones are the soonest: when no more than sample are due, the due by
 * kind is exact too.
 */
const char queue_kinds_lua[] = QUEUE_SCHED_LUA
"local p, now, max = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
"local c, due = {}, {}\n"
"if max > 0 then\n"
"  for _, m in ipairs(redis.call('ZRANGEBYSCORE', p .. 'scheduled', '-inf', now, 'LIMIT', 0, max)) do\n"
"    local k = sched_kind(m)\n"
"    c[k] = (c[k] or 0) + 1\n"
"  end\n"
"end\n"
"for k, n in pairs(c) do due[#due + 1] = k; due[#due + 1] = n end\n"
"return { redis.call('HGETALL', p .. '" QUEUE_SCHED_KINDS "'), due,\n"
"  redis.call('ZCOUNT', p .. 'scheduled', '-inf', now), redis.call('ZCARD', p .. 'scheduled') }\n";
