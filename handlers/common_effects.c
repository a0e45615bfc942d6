/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The effects every handler may ask for, declared apart from the handlers'
 * table and from store.c (which assembles them into the commit script) so
 * that a handler naming one depends on nothing that depends on it. Their
 * Lua uses the commit script's shared helpers (month()).
 */
#include <stddef.h>

#include "common_effects.h"
#include "handlers.h"

/*
 * announce: the ledger, kept for good; each person keeps the event that
 * first announced them to the employer, so that a retry of that event's
 * message names the same candidates. A pair new to the ledger is a
 * candidate announced, counted in fig ("<territory>:<YYYY-MM>", the
 * posting's territory and local month; figures.h).
 */
static const char *const common_announce_args[] = { "employer", "event",
	"fig", "persons...", NULL };
const struct handler_lua common_effect_announce = { "announce",
	common_announce_args,
"function(p, a)\n"
"  local n = 0\n"
"  for _, pid in ipairs(a.persons) do\n"
"    n = n + redis.call('HSETNX', p .. 'announced:' .. a.employer, pid, a.event)\n"
"  end\n"
"  if n > 0 and a.fig ~= '' then incr(p .. 'figures:' .. a.fig, 'candidates', n) end\n"
"end\n" };

/*
 * stat: counts for the monthly report (no person in it): field
 * "<territory>:<figure>" in the figures of fig ("<territory>:<YYYY-MM>",
 * the territory's local month; figures.h), and in the old UTC month's
 * stats:<YYYY-MM>, still kept for whoever reads it.
 *
 * With once = pid, guard, token: counted once per fact about that person.
 * The state functions answer the same for the same event however often it
 * runs (a crash between state and commit, a dead letter replayed), so the
 * guard is here, atomic with the count: the person's field "n:<guard>"
 * keeps the token of the fact last counted (an arrival's or a departure's
 * event id, a follow-up's done record) and the same token counts nothing.
 * A person forgotten meanwhile is not brought back by it, nor counted.
 */
static const char *const common_stat_args[] = { "fig", "field", "once...",
	NULL };
const struct handler_lua common_effect_stat = { "stat", common_stat_args,
"function(p, a)\n"
"  local o = a.once\n"
"  if #o == 3 then\n"
"    local k, g = p .. 'person:' .. o[1], 'n:' .. o[2]\n"
"    local r = redis.call('HMGET', k, 'territory', g)\n"
"    if not r[1] or r[2] == o[3] then return end\n"
"    redis.call('HSET', k, g, o[3])\n"
"  end\n"
"  incr(p .. 'stats:' .. month(), a.field, 1)\n"
/*
 * the figure: after the field's last colon, by an anchored pattern (an
 * unanchored '([^:]*)$' is tried again from every position)
 */
"  incr(p .. 'figures:' .. a.fig, string.match(a.field, '^.*:(.*)$') or a.field, 1)\n"
"end\n" };
