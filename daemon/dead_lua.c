/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Dead letters taken off the stream: the scripts and the judgement shared by relaisctl and the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "dead_lua.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

/*
 * forget(p, id): removes letter id, lowering dead:reasons by one for its
 * class (its field "class"); 1 when it was there. A letter written before
 * letters had a class was never counted (figures.h), so it lowers
 * nothing: taking reason_class() of its reason would lower the count of
 * letters that are still held. A class that reaches 0 goes.
 */
#define DEAD_LUA_FORGET \
"local function forget(p, id)\n" \
"  local e = redis.call('XRANGE', p .. 'dead', id, id)\n" \
"  if #e == 0 then return 0 end\n" \
"  local f, k = e[1][2], nil\n" \
"  for i = 1, #f, 2 do if f[i] == 'class' then k = f[i + 1] end end\n" \
"  redis.call('XDEL', p .. 'dead', id)\n" \
"  if not k or k == '' then return 1 end\n" \
"  if redis.call('HINCRBY', p .. 'dead:reasons', k, -1) <= 0 then\n" \
"    redis.call('HDEL', p .. 'dead:reasons', k)\n" \
"  end\n" \
"  return 1\n" \
"end\n"

const char dead_lua_replay[] = DEAD_LUA_FORGET
"local p, h = ARGV[1], ARGV[2]\n"
"local e = redis.call('XRANGE', p .. 'dead', h, h)\n"
"if #e == 0 then return false end\n"
"local f, payload = e[1][2], nil\n"
"for i = 1, #f, 2 do if f[i] == 'payload' then payload = f[i + 1] end end\n"
"if not payload or payload == '' then return false end\n"
"local sid = redis.call('XADD', p .. 'events', '*', 'event', payload, 'replay', ARGV[3])\n"
"redis.call('SET', p .. 'internal:' .. sid, '1', 'EX', ARGV[4])\n"
"for i = 6, #ARGV do forget(p, ARGV[i]) end\n"
"local k = p .. 'dead-event:' .. ARGV[5]\n"
"if ARGV[5] ~= '' and redis.call('GET', k) == h then redis.call('DEL', k) end\n"
"return sid\n";

const char dead_lua_drop[] = DEAD_LUA_FORGET
"local p, out = ARGV[1], {}\n"
"for i = 2, #ARGV, 2 do\n"
"  local d = forget(p, ARGV[i])\n"
"  if d == 1 and ARGV[i + 1] ~= '' then\n"
"    local k = p .. 'dead-event:' .. ARGV[i + 1]\n"
"    if redis.call('GET', k) == ARGV[i] then redis.call('DEL', k) end\n"
"  end\n"
"  out[#out + 1] = d\n"
"end\n"
"return out\n";

const char dead_lua_peek[] =
"local p, out = ARGV[1], {}\n"
"for i = 2, #ARGV do\n"
"  local e = redis.call('XRANGE', p .. 'dead', ARGV[i], ARGV[i])\n"
"  if #e == 0 then\n"
"    out[#out + 1] = false\n"
"  else\n"
"    local f, r = e[1][2], { '', '', '', '', '' }\n"
"    local at = { payload = 1, payload_in = 2, reason = 3, stream_id = 4, event_id = 5 }\n"
"    for j = 1, #f, 2 do\n"
"      if at[f[j]] then r[at[f[j]]] = f[j + 1] end\n"
"    end\n"
"    out[#out + 1] = r\n"
"  end\n"
"end\n"
"return out\n";

void
dead_judge(const struct config *cf, const char *p, size_t len,
    struct dead_verdict *v)
{
	struct envelope_limits	 lim;
	struct envelope		 env;
	const struct territory	*t;
	json_t			*j;
	char			 why[DEAD_WHY_MAX];

	memset(v, 0, sizeof *v);
	if ((j = json_loadb(p, len, 0, NULL)) != NULL) {
		if (json_is_string(json_object_get(j, "type")))
			snprintf(v->type, sizeof v->type, "%s",
			    json_string_value(json_object_get(j, "type")));
		json_decref(j);
	}
	lim.max_bytes = (size_t)cf->limits.max_event_bytes;
	lim.max_depth = (int)cf->limits.max_depth;
	if (envelope_parse(p, len, &lim, &env, why, sizeof why) == -1) {
		snprintf(v->never, sizeof v->never, "%s", why);
		return;
	}
	if (handler_find(env.type) == NULL)
		snprintf(v->never, sizeof v->never, "unknown event type \"%s\"",
		    env.type);
	else if (env.data != NULL && cf->territories != NULL &&
	    (t = handler_territory(cf, env.data, why, sizeof why)) != NULL)
		snprintf(v->territory, sizeof v->territory, "%s", t->id);
	envelope_clear(&env);
}

int
dead_id_cmp(const char *a, const char *b)
{
	unsigned long long	am, as = 0, bm, bs = 0;
	char			*e;

	am = strtoull(a, &e, 10);
	if (*e == '-')
		as = strtoull(e + 1, NULL, 10);
	bm = strtoull(b, &e, 10);
	if (*e == '-')
		bs = strtoull(e + 1, NULL, 10);
	if (am != bm)
		return am < bm ? -1 : 1;
	return as < bs ? -1 : as > bs;
}
