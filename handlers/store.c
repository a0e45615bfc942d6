/*
 * The handlers' server-side code: state functions run before a handler
 * decides, effects run in the commit. See store.h for the keys.
 *
 * Every state function is idempotent: an entry read again after a crash
 * runs it again and must find the same answer (a kept assignment, the same
 * follow-ups). Arguments are strings; lists and maps come as JSON.
 */
#include "store.h"

#define STORE_COMMON \
"local function hgetall(k)\n" \
"  local r = redis.call('HGETALL', k)\n" \
"  local t = {}\n" \
"  for i = 1, #r, 2 do t[r[i]] = r[i + 1] end\n" \
"  return t\n" \
"end\n" \
"local function has(list, x)\n" \
"  for _, v in ipairs(list) do if v == x then return true end end\n" \
"  return false\n" \
"end\n"

const char store_state_lua[] = STORE_COMMON
/*
 * Newest truth wins: a record keeps in "t" the order (ms) of the event that
 * last changed it; an event of order t may change it unless a newer one did.
 */
"local function newest(k, t)\n"
"  return t >= (tonumber(redis.call('HGET', k, 't')) or 0)\n"
"end\n"
/* fields with "" are removed: a repeated event that drops a phone drops it */
"local function hset(k, fields)\n"
"  local set, del = {}, {}\n"
"  for f, v in pairs(fields) do\n"
"    if v == '' then del[#del + 1] = f else set[#set + 1] = f; set[#set + 1] = v end\n"
"  end\n"
"  if #set > 0 then redis.call('HSET', k, unpack(set)) end\n"
"  if #del > 0 then redis.call('HDEL', k, unpack(del)) end\n"
"end\n"
/* open cases of a counsellor: those whose programme has not ended */
"local function caseload(p, c, now)\n"
"  local k = p .. 'caseload:' .. c\n"
"  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. now)\n"
"  return redis.call('ZCARD', k)\n"
"end\n"
/*
 * Keeps the person's counsellor while keep lists them; otherwise the least
 * loaded of cands, ties taken in turn. Returns the counsellor (or false)
 * and the previous one when it changed.
 */
"local function assign(p, pid, t, keep, cands, untilms, now, eid)\n"
"  local k = p .. 'person:' .. pid\n"
"  local cur = redis.call('HGET', k, 'counsellor')\n"
"  if cur and has(keep, cur) then\n"
"    redis.call('ZADD', p .. 'caseload:' .. cur, untilms, pid)\n"
"    return cur, false\n"
"  end\n"
"  if #cands == 0 then return false, false end\n"
"  local best, ties = nil, {}\n"
"  for _, c in ipairs(cands) do\n"
"    local l = caseload(p, c, now)\n"
"    if best == nil or l < best then best, ties = l, { c }\n"
"    elseif l == best then ties[#ties + 1] = c end\n"
"  end\n"
"  local n = redis.call('INCR', p .. 'rr:' .. t)\n"
"  local c = ties[(n - 1) % #ties + 1]\n"
"  if cur then redis.call('ZREM', p .. 'caseload:' .. cur, pid) end\n"
"  redis.call('ZADD', p .. 'caseload:' .. c, untilms, pid)\n"
"  redis.call('HSET', k, 'counsellor', c, 'assigned_by', eid)\n"
"  return c, cur or false\n"
"end\n"
/* takes a person out of matching: their summary in each index hash */
"local function unindex(p, pid, k)\n"
"  local mx = redis.call('HGET', k, 'mx')\n"
"  if mx then for _, key in ipairs(cjson.decode(mx)) do redis.call('HDEL', key, pid) end end\n"
"  redis.call('HDEL', k, 'mx')\n"
"end\n"
"local S = {}\n"
/*
 * arrived: person id, profile fields {..}, retention (s), territory,
 * roster ids [..], eligible ids [..], end of programme (ms), now (ms),
 * follow-ups [[kind, due ms, member]..], index keys [..], matching summary
 * ("" when not shared), posting index keys to match against [..], event id.
 * "fresh" tells whether this event registered the person (welcome them)
 * and assigned their counsellor (tell them): true again when the same
 * event is read again, false for a later event about the same person.
 * A retry, or an event older than one already applied (m.t), changes
 * nothing: it reads what is stored now.
 */
"S.arrived = function(p, a, m)\n"
"  local pid, t, ttl, now = a[1], a[4], tonumber(a[3]), tonumber(a[8])\n"
"  local k = p .. 'person:' .. pid\n"
"  local eid = a[13]\n"
"  if m.retry or not newest(k, m.t) then\n"
"    local r = redis.call('HMGET', k, 'territory', 'departed', 'counsellor', 'arrived_by', 'assigned_by', 'welcome_by')\n"
"    if not r[1] then return { missing = 1 } end\n"
"    if r[2] then return { departed = 1 } end\n"
"    return { counsellor = r[3] or '', previous = '', planned = 0, jobs = {},\n"
"      welcome = (r[6] or r[4]) == eid and 1 or 0, notify = r[5] == eid and 1 or 0,\n"
"      stale = m.retry and 0 or 1 }\n"
"  end\n"
"  if redis.call('HGET', k, 'departed') then\n"
"    redis.call('HDEL', k, 'departed', 'arrived_by', 'welcome_by', 'welcome')\n"
"  end\n"
/*
 * The welcome belongs to the event that registered the person; when it
 * never reached them (an invalid address, dead-lettered or skipped), to
 * the next event that corrects the record.
 */
"  if redis.call('HSETNX', k, 'arrived_by', eid) == 1 then redis.call('HSET', k, 'welcome_by', eid) end\n"
"  if redis.call('HGET', k, 'welcome') == 'failed' then\n"
"    redis.call('HSET', k, 'welcome_by', eid)\n"
"    redis.call('HDEL', k, 'welcome')\n"
"  end\n"
"  hset(k, cjson.decode(a[2]))\n"
"  redis.call('HSET', k, 'case_until', a[7], 't', m.t)\n"
"  local c, prev = assign(p, pid, t, cjson.decode(a[5]), cjson.decode(a[6]), a[7], now, eid)\n"
"  local fk = p .. 'followups:' .. pid\n"
"  local want = {}\n"
"  for _, f in ipairs(cjson.decode(a[9])) do want[f[1]] = f end\n"
"  for kind, m in pairs(hgetall(fk)) do\n"
"    if not want[kind] or want[kind][3] ~= m then\n"
"      redis.call('ZREM', p .. 'scheduled', m)\n"
"      redis.call('HDEL', fk, kind)\n"
"    end\n"
"  end\n"
"  local planned = 0\n"
"  for kind, f in pairs(want) do\n"
/* a follow-up already reminded or done is not planned again */
"    if not redis.call('HGET', k, 'fu:' .. kind) then\n"
"      redis.call('ZADD', p .. 'scheduled', f[2], f[3])\n"
"      redis.call('HSET', fk, kind, f[3])\n"
"      planned = planned + 1\n"
"    end\n"
"  end\n"
"  if planned > 0 then redis.call('EXPIRE', fk, ttl) end\n"
"  unindex(p, pid, k)\n"
"  local jobs = {}\n"
"  if a[11] ~= '' then\n"
"    for _, key in ipairs(cjson.decode(a[10])) do redis.call('HSET', key, pid, a[11]) end\n"
"    redis.call('HSET', k, 'mx', a[10])\n"
"    for _, key in ipairs(cjson.decode(a[12])) do\n"
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
"  redis.call('EXPIRE', k, ttl)\n"
"  local by = redis.call('HMGET', k, 'arrived_by', 'assigned_by', 'welcome_by')\n"
"  return { counsellor = c or '', previous = prev or '', planned = planned, jobs = jobs,\n"
"    welcome = (by[3] or by[1]) == eid and 1 or 0, notify = by[2] == eid and 1 or 0 }\n"
"end\n"
/*
 * due: person id, kind, rosters {territory: [[id, "fr en"]..]}, now (ms),
 * event id.
 * Reassigns when the counsellor left the roster (not on a retry: it reads).
 */
"S.due = function(p, a, m)\n"
"  local pid, kind, now = a[1], a[2], tonumber(a[4])\n"
"  local k = p .. 'person:' .. pid\n"
"  local person = hgetall(k)\n"
"  if person.territory == nil then return { missing = 1 } end\n"
"  if person.departed then return { departed = 1 } end\n"
"  local keep, cands = {}, {}\n"
"  for _, c in ipairs(cjson.decode(a[3])[person.territory] or {}) do\n"
"    keep[#keep + 1] = c[1]\n"
"    if person.language == nil or string.find(' ' .. c[2] .. ' ', ' ' .. person.language .. ' ', 1, true) then\n"
"      cands[#cands + 1] = c[1]\n"
"    end\n"
"  end\n"
"  if #cands == 0 then cands = keep end\n"
"  local c, prev = person.counsellor or false, false\n"
"  if not m.retry then\n"
"    c, prev = assign(p, pid, person.territory, keep, cands, person.case_until or now, now, a[5])\n"
"  end\n"
"  local state = person['fu:' .. kind] or ''\n"
"  person.mx, person.counsellor, person.case_until = nil, nil, nil\n"
"  person.arrived_by, person.assigned_by, person.t = nil, nil, nil\n"
"  local reminded = redis.call('GET', p .. 'reminded-day:' .. person.territory) or ''\n"
"  return { person = person, counsellor = c or '', previous = prev or '', state = state,\n"
"    reminded = reminded }\n"
"end\n"
/*
 * reminders: territory, its roster [[id, "fr en"]..], now (ms), event id,
 * until (ms). The follow-ups waiting for the territory's reminder email,
 * added until then, with each person as stored now: gone (forgotten,
 * departed), done since, moved to another territory, or with their
 * counsellor (reassigned when they left the roster; not on a retry: it
 * reads). In a stable order: a retry finds the same list.
 */
"S.reminders = function(p, a, m)\n"
"  local t, now, untilms = a[1], tonumber(a[3]), tonumber(a[5])\n"
"  local keep, langs = {}, {}\n"
"  for _, c in ipairs(cjson.decode(a[2])) do keep[#keep + 1] = c[1]; langs[c[1]] = c[2] end\n"
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
"            c = assign(p, pid, t, keep, cands, person.case_until or now, now, a[4])\n"
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
/* done: person id, kind, when. A follow-up done early is not reminded. */
"S.done = function(p, a, m)\n"
"  local k = p .. 'person:' .. a[1]\n"
"  local t = redis.call('HGET', k, 'territory')\n"
"  if not t then return { missing = 1 } end\n"
"  local was = redis.call('HGET', k, 'fu:' .. a[2]) or ''\n"
"  if m.retry then return { territory = t, was = was } end\n"
"  redis.call('HSET', k, 'fu:' .. a[2], 'done ' .. a[3])\n"
"  local fk = p .. 'followups:' .. a[1]\n"
"  local m = redis.call('HGET', fk, a[2])\n"
"  if m then redis.call('ZREM', p .. 'scheduled', m); redis.call('HDEL', fk, a[2]) end\n"
"  return { territory = t, was = was }\n"
"end\n"
/*
 * departed: person id. Cancels pending follow-ups, stops matching; not when
 * a newer event (a return) was applied since.
 */
"S.departed = function(p, a, m)\n"
"  local pid = a[1]\n"
"  local k = p .. 'person:' .. pid\n"
"  local t = redis.call('HGET', k, 'territory')\n"
"  if not t then return { missing = 1 } end\n"
"  if m.retry or not newest(k, m.t) then\n"
"    return { territory = t, cancelled = 0, already = 1, stale = m.retry and 0 or 1 }\n"
"  end\n"
"  local fk = p .. 'followups:' .. pid\n"
"  local n = 0\n"
"  for _, m in pairs(hgetall(fk)) do n = n + redis.call('ZREM', p .. 'scheduled', m) end\n"
"  redis.call('DEL', fk)\n"
"  unindex(p, pid, k)\n"
"  local c = redis.call('HGET', k, 'counsellor')\n"
"  if c then redis.call('ZREM', p .. 'caseload:' .. c, pid) end\n"
"  local was = redis.call('HGET', k, 'departed')\n"
"  redis.call('HSET', k, 'departed', '1', 't', m.t)\n"
"  redis.call('HDEL', k, 'counsellor', 'assigned_by')\n"
"  return { territory = t, cancelled = n, already = was and 1 or 0 }\n"
"end\n"
/*
 * posted: job id, fields {..}, time to its closing (ms), its index key,
 * employer id, contact {..}, retention (s). The candidates are read by the
 * queue natively (HGETALL of the profiles' index hash and of the ledger):
 * thousands of summaries through Lua and JSON cost ten times as much.
 * A retry reads; a posting closed (or changed) by a newer event stays so.
 */
"S.posted = function(p, a, m)\n"
"  local jid, e = a[1], a[5]\n"
"  local jk = p .. 'job:' .. jid\n"
"  if m.retry then return { stored = redis.call('EXISTS', jk), retry = 1 } end\n"
"  local closed = tonumber(redis.call('GET', p .. 'job-closed:' .. jid))\n"
"  if closed and closed >= m.t then return { stored = 0, closed = 1 } end\n"
"  if not newest(jk, m.t) then return { stored = 0, stale = 1 } end\n"
"  redis.call('DEL', p .. 'job-closed:' .. jid)\n"
"  local old = redis.call('HGET', jk, 'idx')\n"
"  if old and old ~= a[4] then redis.call('SREM', old, jid) end\n"
"  redis.call('DEL', jk)\n"
"  hset(jk, cjson.decode(a[2]))\n"
"  redis.call('HSET', jk, 'idx', a[4], 'employer', e, 't', m.t)\n"
"  redis.call('PEXPIRE', jk, a[3])\n"
"  redis.call('SADD', a[4], jid)\n"
"  local ek = p .. 'employer:' .. e\n"
"  redis.call('DEL', ek)\n"
"  hset(ek, cjson.decode(a[6]))\n"
"  redis.call('EXPIRE', ek, a[7])\n"
"  return { stored = 1 }\n"
"end\n"
/*
 * closed: job id, retention (s). Remembers the closing (its order), so
 * that an older job.posted replayed or retried later cannot re-open it.
 */
"S.closed = function(p, a, m)\n"
"  local jk = p .. 'job:' .. a[1]\n"
"  if m.retry then return { closed = 0 } end\n"
"  if not newest(jk, m.t) then return { closed = 0, stale = 1 } end\n"
"  local ck = p .. 'job-closed:' .. a[1]\n"
"  if (tonumber(redis.call('GET', ck)) or 0) < m.t then redis.call('SET', ck, m.t, 'EX', a[2]) end\n"
"  local idx = redis.call('HGET', jk, 'idx')\n"
"  if idx then redis.call('SREM', idx, a[1]) end\n"
"  return { closed = redis.call('DEL', jk) }\n"
"end\n"
/* digest: employer id, event id. What waits for the employer's digest. */
"S.digest = function(p, a, m)\n"
"  local e = a[1]\n"
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
"    local ax, ay = x[5] == a[2], y[5] == a[2]\n"
"    if ax ~= ay then return ax end\n"
"    return x[1] < y[1]\n"
"  end)\n"
"  return { contact = hgetall(p .. 'employer:' .. e), items = items }\n"
"end\n";

const char store_effects_lua[] = STORE_COMMON
"local E = {}\n"
/*
 * announce: employer, event id, person...: the ledger, kept for good; each
 * person keeps the event that first announced them, so that a retry of that
 * event's message names the same candidates.
 */
"E.announce = function(p, a)\n"
"  for i = 3, #a do redis.call('HSETNX', p .. 'announced:' .. a[1], a[i], a[2]) end\n"
"end\n"
/*
 * digest_add: employer, person, job, due (ms), scheduled member, window
 * (ms). Schedules the employer's digest unless one is scheduled already.
 */
"E.digest_add = function(p, a)\n"
"  redis.call('HSET', p .. 'digest:' .. a[1], a[2], a[3])\n"
"  if redis.call('SET', p .. 'digest-due:' .. a[1], a[4], 'NX', 'PX', tonumber(a[6]) * 2 + 86400000) then\n"
"    redis.call('ZADD', p .. 'scheduled', a[4], a[5])\n"
"  end\n"
"end\n"
/*
 * digest_done: employer, next due (ms), next member, window (ms),
 * person...: those went out; what came meanwhile gets the next digest.
 */
"E.digest_done = function(p, a)\n"
"  local dk = p .. 'digest:' .. a[1]\n"
"  if #a > 4 then redis.call('HDEL', dk, unpack(a, 5)) end\n"
"  redis.call('DEL', p .. 'digest-due:' .. a[1])\n"
"  if redis.call('HLEN', dk) > 0 then\n"
"    redis.call('SET', p .. 'digest-due:' .. a[1], a[2], 'PX', tonumber(a[4]) * 2 + 86400000)\n"
"    redis.call('ZADD', p .. 'scheduled', a[2], a[3])\n"
"  end\n"
"end\n"
/*
 * reminder_add: territory, person, kind, {due_at, added, counsellor},
 * due (ms), scheduled member, how long (ms) the schedule is remembered.
 * The follow-up waits for the territory's reminder email (the person's
 * field lists their kinds: forget and export find them by the id); the
 * email is scheduled unless it is already.
 */
"local function kinds(k, pid)\n"
"  local ok, m = pcall(cjson.decode, redis.call('HGET', k, pid) or '{}')\n"
"  if ok and type(m) == 'table' then return m end\n"
"  return {}\n"
"end\n"
"E.reminder_add = function(p, a)\n"
"  local k = p .. 'reminders:' .. a[1]\n"
"  local m = kinds(k, a[2])\n"
"  m[a[3]] = cjson.decode(a[4])\n"
"  redis.call('HSET', k, a[2], cjson.encode(m))\n"
"  if redis.call('SET', p .. 'reminders-due:' .. a[1], a[5], 'NX', 'PX', a[7]) then\n"
"    redis.call('ZADD', p .. 'scheduled', a[5], a[6])\n"
"  end\n"
"end\n"
/*
 * reminders_done: territory, the local date it went, how long (ms) that
 * date is remembered, next due (ms), next member, how long the next
 * schedule is remembered, then person, kind pairs: those were told; what
 * came since waits for the next day's.
 */
"E.reminders_done = function(p, a)\n"
"  local k = p .. 'reminders:' .. a[1]\n"
"  for i = 7, #a - 1, 2 do\n"
"    local m = kinds(k, a[i])\n"
"    m[a[i + 1]] = nil\n"
"    if next(m) == nil then redis.call('HDEL', k, a[i])\n"
"    else redis.call('HSET', k, a[i], cjson.encode(m)) end\n"
"  end\n"
"  redis.call('SET', p .. 'reminded-day:' .. a[1], a[2], 'PX', a[3])\n"
"  redis.call('DEL', p .. 'reminders-due:' .. a[1])\n"
"  if redis.call('HLEN', k) > 0 then\n"
"    redis.call('SET', p .. 'reminders-due:' .. a[1], a[4], 'PX', a[6])\n"
"    redis.call('ZADD', p .. 'scheduled', a[4], a[5])\n"
"  end\n"
"end\n"
/*
 * welcome: person, event, "sent" or "failed": how the welcome of that event
 * ended, unless a newer event owns the welcome now; a welcome sent stays
 * sent (one channel went, another failed later).
 */
"E.welcome = function(p, a)\n"
"  local k = p .. 'person:' .. a[1]\n"
"  local r = redis.call('HMGET', k, 'welcome_by', 'arrived_by', 'welcome')\n"
"  if (r[1] or r[2]) ~= a[2] then return end\n"
"  if a[3] == 'failed' and r[3] == 'sent' then return end\n"
"  redis.call('HSET', k, 'welcome', a[3])\n"
"end\n"
/* followup: person, kind, record ("reminded <at>"), unless it is gone */
"E.followup = function(p, a)\n"
"  local k = p .. 'person:' .. a[1]\n"
"  if redis.call('EXISTS', k) == 1 then redis.call('HSET', k, 'fu:' .. a[2], a[3]) end\n"
"end\n"
/*
 * stat: figure: counts for the monthly report (no person in it), by the
 * UTC month of Redis's clock, as the deliveries stream's ids are.
 */
"local function month()\n"
"  local z = math.floor(tonumber(redis.call('TIME')[1]) / 86400) + 719468\n"
"  local era = math.floor(z / 146097)\n"
"  local doe = z - era * 146097\n"
"  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)\n"
"  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))\n"
"  local mp = math.floor((5 * doy + 2) / 153)\n"
"  local m = mp < 10 and mp + 3 or mp - 9\n"
"  local y = yoe + era * 400 + (m <= 2 and 1 or 0)\n"
"  return string.format('%04d-%02d', y, m)\n"
"end\n"
"E.stat = function(p, a)\n"
"  redis.call('HINCRBY', p .. 'stats:' .. month(), a[1], 1)\n"
"end\n";

/*
 * forget: prefix, person id, then seen keys of the person's follow-up
 * events. Everything keyed by the person goes; what lists them among
 * others (ledgers, digests, the streams) is for the caller to scan.
 */
const char store_forget_lua[] = STORE_COMMON
"local p, pid = ARGV[1], ARGV[2]\n"
"local k = p .. 'person:' .. pid\n"
"local out = { person = redis.call('EXISTS', k), followups = 0, index = 0, caseload = 0, seen = 0 }\n"
"local c = redis.call('HGET', k, 'counsellor')\n"
"if c then out.caseload = redis.call('ZREM', p .. 'caseload:' .. c, pid) end\n"
"local mx = redis.call('HGET', k, 'mx')\n"
"if mx then for _, key in ipairs(cjson.decode(mx)) do out.index = out.index + redis.call('HDEL', key, pid) end end\n"
"local fk = p .. 'followups:' .. pid\n"
"for _, m in pairs(hgetall(fk)) do out.followups = out.followups + redis.call('ZREM', p .. 'scheduled', m) end\n"
"redis.call('DEL', fk, k)\n"
"for i = 3, #ARGV do out.seen = out.seen + redis.call('DEL', ARGV[i]) end\n"
"return cjson.encode(out)\n";
