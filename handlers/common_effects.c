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
 * message names the same candidates.
 */
static const char *const common_announce_args[] = { "employer", "event",
	"persons...", NULL };
const struct handler_lua common_effect_announce = { "announce",
	common_announce_args,
"function(p, a)\n"
"  for _, pid in ipairs(a.persons) do\n"
"    redis.call('HSETNX', p .. 'announced:' .. a.employer, pid, a.event)\n"
"  end\n"
"end\n" };

/* stat: counts for the monthly report (no person in it), by month. */
static const char *const common_stat_args[] = { "field", NULL };
const struct handler_lua common_effect_stat = { "stat", common_stat_args,
"function(p, a)\n"
"  redis.call('HINCRBY', p .. 'stats:' .. month(), a.field, 1)\n"
"end\n" };

