/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The handlers' server-side code, assembled: the helpers their state
 * functions and effects share, then each handler's own Lua (in its file,
 * struct handler's state and effects). See store.h for the keys.
 *
 * Every state function is idempotent: an entry read again after a crash
 * runs it again and must find the same answer (a kept assignment, the same
 * follow-ups). Arguments are strings; lists and maps come as JSON, or as
 * the values of a last "name..." argument.
 */
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "common_effects.h"
#include "handlers.h"
#include "queue_lua.h"
#include "store.h"

/*
 * A state function or effect reads its arguments by name (a.pid): names
 * are its declaration's (struct handler_lua), in the order the arguments
 * travel; a last name "x..." makes a.x the list of those left. Each is
 * wrapped when the scripts are assembled (store_add_named), as T.name =
 * function(p, argv, off, n, m) that sets a's fields from argv[off + 1] to
 * argv[off + n] (the script's own ARGV, not a copy) and calls the
 * handler's function: the names are written into the wrapper, no table of
 * them made, no call to make the wrapper. Both a script's prologue and
 * its calls pay: the prologue runs at every EVALSHA (the batch), where a
 * wrapper made by a Lua function, from a table of its names, cost the
 * empty commit script 3 of its 7.6 us. The table a is one per function
 * and script run, its fields set again at every call: no function keeps
 * it or changes it, and a table grown key by key is rehashed at each
 * power of two (Lua 5.1), every call, for nothing. The "x..." list is
 * made whole from unpack(), sized once (rest: a long one, past what
 * unpack may return at once, is still built one by one).
 */
#define STORE_REST \
"local function rest(argv, from, to)\n" \
"  if to - from < 1000 then return { unpack(argv, from, to) } end\n" \
"  local r = {}\n" \
"  for j = from, to do r[#r + 1] = argv[j] end\n" \
"  return r\n" \
"end\n"

#define STORE_COMMON \
"local function hgetall(k)\n" \
"  local r = redis.call('HGETALL', k)\n" \
"  local t = {}\n" \
"  for i = 1, #r, 2 do t[r[i]] = r[i + 1] end\n" \
"  return t\n" \
"end\n" \
/* a JSON list argument: "[]" (no roster, no one eligible) without cjson */ \
"local function jlist(s)\n" \
"  if s == '[]' then return {} end\n" \
"  return cjson.decode(s)\n" \
"end\n" \
"local function has(list, x)\n" \
"  for _, v in ipairs(list) do if v == x then return true end end\n" \
"  return false\n" \
"end\n" \
QUEUE_SCHED_LUA \
STORE_REST

/* What the state functions share, and S. */
static const char store_state_common[] = STORE_COMMON
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
/*
 * open cases of a counsellor: those whose programme has not ended (below:
 * "(now", made once for all the candidates, not a number formatted again)
 */
"local function caseload(p, c, below)\n"
"  local k = p .. 'caseload:' .. c\n"
"  redis.call('ZREMRANGEBYSCORE', k, '-inf', below)\n"
"  return redis.call('ZCARD', k)\n"
"end\n"
/*
 * Keeps the person's counsellor while keep lists them; otherwise the least
 * loaded of cands, ties taken in turn. Returns the counsellor (or false),
 * the previous one when it changed, and true when it assigned anew (it
 * wrote assigned_by). cur: the stored counsellor when the caller read it
 * already (false: none), nil to read it here.
 */
"local function assign(p, pid, t, keep, cands, untilms, now, eid, cur)\n"
"  local k = p .. 'person:' .. pid\n"
"  if cur == nil then cur = redis.call('HGET', k, 'counsellor') end\n"
"  if cur and has(keep, cur) then\n"
"    redis.call('ZADD', p .. 'caseload:' .. cur, untilms, pid)\n"
"    return cur, false\n"
"  end\n"
"  if #cands == 0 then return false, false end\n"
"  local best, ties, below = nil, {}, '(' .. now\n"
"  for _, c in ipairs(cands) do\n"
"    local l = caseload(p, c, below)\n"
"    if best == nil or l < best then best, ties = l, { c }\n"
"    elseif l == best then ties[#ties + 1] = c end\n"
"  end\n"
"  local n = redis.call('INCR', p .. 'rr:' .. t)\n"
"  local c = ties[(n - 1) % #ties + 1]\n"
"  if cur then redis.call('ZREM', p .. 'caseload:' .. cur, pid) end\n"
"  redis.call('ZADD', p .. 'caseload:' .. c, untilms, pid)\n"
"  redis.call('HSET', k, 'counsellor', c, 'assigned_by', eid)\n"
"  return c, cur or false, true\n"
"end\n"
/*
 * Takes a person out of matching: their summary in each index hash. mx:
 * the stored index keys when the caller read them (false: none), nil to
 * read them here.
 */
"local function unindex(p, pid, k, mx)\n"
"  if mx == nil then mx = redis.call('HGET', k, 'mx') end\n"
"  if not mx then return end\n"
"  for _, key in ipairs(cjson.decode(mx)) do redis.call('HDEL', key, pid) end\n"
"  redis.call('HDEL', k, 'mx')\n"
"end\n"
"local S = {}\n";

/* What the effects share, and E. */
static const char store_effects_common[] = STORE_COMMON
/*
 * Counters a commit adds to (the figures, figures.h): summed over the
 * batch and written once per key and field when its ops are done
 * (incr_flush, from the commit script, even when an op failed: the
 * markers those counts go with are written), one HINCRBY for all the
 * batch's deliveries of a territory and month instead of one each. The
 * script is atomic: nobody sees the difference. incr_flush returns the
 * counts Redis refused ("figures: key field: error").
 */
"local incrs, incr_keys = {}, {}\n"
"local function incr(k, f, n)\n"
"  local t = incrs[k]\n"
"  if not t then t = {}; incrs[k] = t; incr_keys[#incr_keys + 1] = k end\n"
"  t[f] = (t[f] or 0) + n\n"
"end\n"
"local function incr_flush()\n"
"  local errs = {}\n"
"  for _, k in ipairs(incr_keys) do\n"
"    for f, n in pairs(incrs[k]) do\n"
"      local r = n ~= 0 and redis.pcall('HINCRBY', k, f, n)\n"
"      if type(r) == 'table' and r.err then\n"
"        errs[#errs + 1] = 'figures: ' .. k .. ' ' .. f .. ': ' .. tostring(r.err)\n"
"      end\n"
"    end\n"
"  end\n"
"  incrs, incr_keys = {}, {}\n"
"  return errs\n"
"end\n"
"local E = {}\n"
/*
 * The follow-up kinds of a person waiting for a territory's reminder email
 * (reminders:<t>, person -> {kind: {due_at, added, counsellor}}), shared
 * by reminder_add and reminders_done.
 */
"local function kinds(k, pid)\n"
"  local ok, m = pcall(cjson.decode, redis.call('HGET', k, pid) or '{}')\n"
"  if ok and type(m) == 'table' then return m end\n"
"  return {}\n"
"end\n"
/*
 * The UTC month of Redis's clock, as the deliveries stream's ids are: read
 * once per script (one batch), not once per counted event.
 */
"local this_month\n"
"local function month()\n"
"  if this_month then return this_month end\n"
"  local z = math.floor(tonumber(redis.call('TIME')[1]) / 86400) + 719468\n"
"  local era = math.floor(z / 146097)\n"
"  local doe = z - era * 146097\n"
"  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)\n"
"  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))\n"
"  local mp = math.floor((5 * doy + 2) / 153)\n"
"  local m = mp < 10 and mp + 3 or mp - 9\n"
"  local y = yoe + era * 400 + (m <= 2 and 1 or 0)\n"
"  this_month = string.format('%04d-%02d', y, m)\n"
"  return this_month\n"
"end\n";

static const struct handler_lua *const store_shared_effects[] = {
	&common_effect_announce, &common_effect_stat, NULL };

/*
 * do local a = {} local f = function(p, a[, m]) ... end
 * T.name = function(p, argv, off, n, m) a.x = ... return f(p, a, m) end end
 */
static void
store_add_named(struct buf *b, const char *table,
    const struct handler_lua *fn)
{
	size_t		 i, len = strlen(fn->lua), nlen;
	const char	*name;

	if (len > 0 && fn->lua[len - 1] == '\n')
		len--;
	buf_printf(b, "do\nlocal a = {}\nlocal f = %.*s\n", (int)len, fn->lua);
	buf_printf(b, "%s.%s = function(p, argv, off, n, m)\n", table,
	    fn->name);
	for (i = 0; (name = fn->args[i]) != NULL; i++) {
		nlen = strlen(name);
		if (fn->args[i + 1] == NULL && nlen > 3 &&
		    strcmp(name + nlen - 3, "...") == 0)
			buf_printf(b, "  a.%.*s = rest(argv, off + %zu, off + n)"
			    "\n", (int)(nlen - 3), name, i + 1);
		else
			buf_printf(b, "  a.%s = n >= %zu and argv[off + %zu] or "
			    "nil\n", name, i + 1, i + 1);
	}
	buf_puts(b, "  return f(p, a, m)\nend\nend\n");
}

/* common, then each handler's state functions or effects, in table order. */
static char *
store_assemble(const char *common, int effects)
{
	const struct handler	*h;
	struct buf		 b;
	size_t			 i, k;

	buf_init(&b);
	buf_puts(&b, common);
	for (k = 0; effects && store_shared_effects[k] != NULL; k++)
		store_add_named(&b, "E", store_shared_effects[k]);
	for (i = 0; (h = handler_at(i)) != NULL; i++) {
		for (k = 0; effects && h->effects != NULL &&
		    h->effects[k] != NULL; k++)
			store_add_named(&b, "E", h->effects[k]);
		if (!effects && h->state != NULL)
			store_add_named(&b, "S", h->state);
	}
	return buf_steal(&b, NULL);
}

const char *
store_state(void)
{
	static char	*text;

	if (text == NULL)
		text = store_assemble(store_state_common, 0);
	return text;
}

const char *
store_effects(void)
{
	static char	*text;

	if (text == NULL)
		text = store_assemble(store_effects_common, 1);
	return text;
}
