/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Consent changes from outside: one atomic script with replay memory and history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "consent.h"
#include "log.h"
#include "redis.h"

/*
 * ARGV: prefix, op, at, replay key ("" = none), replay ttl (s), then
 *   out:    id, source, message sid, record, history ttl (s), history max
 *   in:     id, source, message sid, the one source it lifts, history ttl,
 *           history max
 *   status: message sid, status, error code, deliveries maxlen, then
 *           field-value pairs the entry gets too (an email's soft bounce)
 * Returns what happened: replayed | recorded | added | kept | removed |
 * refused | absent. The replay key is set first, in the same script as the
 * change: with several instances, one of two copies of a webhook changes
 * things, the other is "replayed". Checks come before any write, since a
 * script that fails halfway keeps what it wrote.
 */
static const char consent_lua[] =
"local p, op, at, replay, rttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
"if op ~= 'out' and op ~= 'in' and op ~= 'status' then\n"
"  return redis.error_reply('relais consent: bad op ' .. tostring(op))\n"
"end\n"
"if replay ~= '' and not redis.call('SET', p .. replay, at, 'NX', 'EX', rttl) then\n"
"  return 'replayed'\n"
"end\n"
"if op == 'status' then\n"
"  local f = {'provider_id', ARGV[6], 'outcome', 'status', 'status', ARGV[7],\n"
"    'error_code', ARGV[8], 'at', at}\n"
"  for i = 10, #ARGV - 1, 2 do f[#f + 1] = ARGV[i]; f[#f + 1] = ARGV[i + 1] end\n"
"  redis.call('XADD', p .. 'deliveries', 'MAXLEN', '~', ARGV[9], '*', unpack(f))\n"
"  return 'recorded'\n"
"end\n"
"local id, source, sid = ARGV[6], ARGV[7], ARGV[8]\n"
"local sk = p .. 'suppressed'\n"
"local function record(s)\n"
"  local ok, r = pcall(cjson.decode, s)\n"
"  if ok and type(r) == 'table' then return r end\n"
"  return nil\n"
"end\n"
"local result\n"
"if op == 'out' then\n"
"  if redis.call('HSETNX', sk, id, ARGV[9]) == 1 then\n"
"    result = 'added'\n"
"  else\n"
/* the first record stays; who else asked is kept, so START cannot lift it */
"    result = 'kept'\n"
"    local r = record(redis.call('HGET', sk, id))\n"
"    if r and r.source ~= source then\n"
"      local also = type(r.also) == 'table' and r.also or {}\n"
"      local known = false\n"
"      for _, s in ipairs(also) do if s == source then known = true end end\n"
"      if not known then\n"
"        also[#also + 1] = source\n"
"        r.also = also\n"
"        redis.call('HSET', sk, id, cjson.encode(r))\n"
"      end\n"
"    end\n"
"  end\n"
"else\n"
"  local cur = redis.call('HGET', sk, id)\n"
"  if not cur then return 'absent' end\n"
"  local r = record(cur)\n"
"  if r and r.source == ARGV[9] and (type(r.also) ~= 'table' or #r.also == 0) then\n"
"    redis.call('HDEL', sk, id)\n"
"    result = 'removed'\n"
"  else\n"
"    result = 'refused'\n"
"  end\n"
"end\n"
"local hk = p .. 'consent:' .. id\n"
"redis.call('XADD', hk, 'MAXLEN', ARGV[11], '*', 'action',\n"
"  op == 'out' and 'optout' or 'optin', 'source', source, 'result', result,\n"
"  'message_sid', sid, 'at', at)\n"
"redis.call('EXPIRE', hk, ARGV[10])\n"
"return result\n";

#define CONSENT_ARGS	11

struct consent {
	struct redis		*r;
	struct redis_script	 script;
	char			*prefix;
	unsigned long		 inflight;
	consent_drained_cb	 drained_cb;
	void			*drained_arg;
};

/* One call in flight: what its log line says, whom to tell. */
struct consent_call {
	struct consent	*c;
	char		 what[256];
	consent_done_cb	 done;		/* or NULL */
	void		*done_arg;
};

struct consent *
consent_new(struct event_base *base, const struct config_redis *cf)
{
	struct consent	*c;

	c = xcalloc(1, sizeof *c);
	c->prefix = xstrdup(cf->prefix);
	c->script.body = consent_lua;
	/* nothing waits for it to come up: a call while down fails at once */
	c->r = redis_new(base, cf, "consent", NULL, NULL);
	redis_script_add(c->r, &c->script);
	return c;
}

void
consent_start(struct consent *c)
{
	redis_start(c->r);
}

void
consent_free(struct consent *c)
{
	if (c == NULL)
		return;
	c->drained_cb = NULL;
	redis_free(c->r);	/* replies NULL to what is in flight */
	free(c->prefix);
	free(c);
}

void
consent_drain(struct consent *c, consent_drained_cb cb, void *arg)
{
	if (c == NULL || c->inflight == 0) {
		cb(arg);
		return;
	}
	c->drained_cb = cb;
	c->drained_arg = arg;
}

static void
consent_on_reply(redisReply *reply, void *arg)
{
	struct consent_call	*k = arg;
	struct consent		*c = k->c;
	consent_drained_cb	 cb;
	char			 esc[256];
	int			 result = CONSENT_FAILED;

	if (reply == NULL)
		log_warnx("consent: %s outcome=failed reason=\"no reply "
		    "(Redis unreachable)\"", k->what);
	else if (reply->type == REDIS_REPLY_ERROR)
		log_warnx("consent: %s outcome=failed reason=\"%s\"", k->what,
		    log_escape(reply->str, esc, sizeof esc));
	else if (reply->type == REDIS_REPLY_STRING ||
	    reply->type == REDIS_REPLY_STATUS) {
		log_info("consent: %s outcome=%s", k->what,
		    log_escape(reply->str, esc, sizeof esc));
		result = strcmp(reply->str, "replayed") == 0 ?
		    CONSENT_REPLAYED : CONSENT_APPLIED;
	} else
		log_warnx("consent: %s outcome=failed reason=\"unexpected "
		    "reply\"", k->what);
	if (k->done != NULL)
		k->done(k->done_arg, result);
	free(k);
	if (--c->inflight == 0 && (cb = c->drained_cb) != NULL) {
		c->drained_cb = NULL;
		cb(c->drained_arg);
	}
}

/* "sms:+***0123": the channel, the address masked as in every log. */
static void
consent_mask(const char *id, char *out, size_t outlen)
{
	const char	*colon = strchr(id, ':');
	char		 masked[128];

	if (colon == NULL) {
		snprintf(out, outlen, "-");
		return;
	}
	log_mask(colon + 1, masked, sizeof masked);
	snprintf(out, outlen, "%.*s:%s", (int)(colon - id), id, masked);
}

/*
 * Sends the script's argc arguments; what is the call's log line, done
 * (or NULL) hears how it went.
 */
static int
consent_send(struct consent *c, const char **argv, int argc, const char *what,
    consent_done_cb done, void *done_arg)
{
	struct consent_call	*k;

	if (!redis_is_up(c->r)) {
		log_warnx("consent: %s outcome=failed reason=\"Redis is not "
		    "connected\"", what);
		return -1;
	}
	k = xcalloc(1, sizeof *k);
	k->c = c;
	k->done = done;
	k->done_arg = done_arg;
	snprintf(k->what, sizeof k->what, "%s", what);
	if (redis_eval(c->r, &c->script, consent_on_reply, k, 0, 0, argc,
	    argv, NULL) == -1) {
		log_warnx("consent: %s outcome=failed reason=\"not sent\"",
		    what);
		free(k);
		return -1;
	}
	c->inflight++;
	return 0;
}

/* The record of a new opt-out: {at, source[, message_sid]}. */
static char *
consent_record(const char *at, const char *source, const char *sid)
{
	json_t	*rec;
	char	*s;

	/* the sid comes from the webhook: nothing from outside reaches fatal */
	rec = json_pack("{s:s, s:s}", "at", at, "source", source);
	if (rec != NULL && sid != NULL)
		(void)json_object_set_new(rec, "message_sid", json_string(sid));
	if (rec == NULL || (s = json_dumps(rec, JSON_COMPACT)) == NULL) {
		log_warnx("consent: a suppression record could not be encoded: "
		    "kept without details");
		s = xstrdup("{}");
	}
	json_decref(rec);
	return s;
}

/*
 * op "out" or "in" at at: the common arguments, then the op's own. replay
 * is the key that remembers it (NULL: none).
 */
static int
consent_change(struct consent *c, const char *op, const char *at,
    const char *id, const char *source, const char *extra, const char *sid,
    const char *replay, const struct consent_limits *lim,
    consent_done_cb done, void *done_arg)
{
	const char	*argv[CONSENT_ARGS];
	char		 rttl[24], httl[24], hmax[24];
	char		 masked[160], what[256], esc[64], vsid[80];

	snprintf(rttl, sizeof rttl, "%ld", lim->replay_ttl_s);
	snprintf(httl, sizeof httl, "%ld", lim->history_ttl_s);
	snprintf(hmax, sizeof hmax, "%d", CONSENT_HISTORY_MAX);
	consent_mask(id, masked, sizeof masked);
	/* the sid comes from the webhook: quoted if it is anything but plain */
	snprintf(what, sizeof what, "action=%s id=%s source=\"%s\" sid=%s",
	    strcmp(op, "out") == 0 ? "optout" : "optin", masked,
	    log_escape(source, esc, sizeof esc), sid != NULL ?
	    log_value(sid, vsid, sizeof vsid) : "-");
	argv[0] = c->prefix;
	argv[1] = op;
	argv[2] = at;
	argv[3] = replay != NULL ? replay : "";
	argv[4] = rttl;
	argv[5] = id;
	argv[6] = source;
	argv[7] = sid != NULL ? sid : "";
	argv[8] = extra;
	argv[9] = httl;
	argv[10] = hmax;
	return consent_send(c, argv, CONSENT_ARGS, what, done, done_arg);
}

/* The replay key of a Twilio MessageSid, or NULL without one. */
static const char *
consent_sid_key(const char *sid, char *out, size_t outlen)
{
	if (sid == NULL)
		return NULL;
	snprintf(out, outlen, "twilio:sid:%s", sid);
	return out;
}

int
consent_optout(struct consent *c, const char *id, const char *source,
    const char *message_sid, const struct consent_limits *lim)
{
	char	at[40], *rec, replay[96];
	int	rc;

	clock_rfc3339(clock_now_ms(), at, sizeof at);
	rec = consent_record(at, source, message_sid);
	rc = consent_change(c, "out", at, id, source, rec, message_sid,
	    consent_sid_key(message_sid, replay, sizeof replay), lim, NULL,
	    NULL);
	free(rec);
	return rc;
}

int
consent_optin(struct consent *c, const char *id, const char *source,
    const char *lift_source, const char *message_sid,
    const struct consent_limits *lim)
{
	char	at[40], replay[96];

	clock_rfc3339(clock_now_ms(), at, sizeof at);
	return consent_change(c, "in", at, id, source, lift_source,
	    message_sid, consent_sid_key(message_sid, replay, sizeof replay),
	    lim, NULL, NULL);
}

int
consent_status(struct consent *c, const char *message_sid, const char *status,
    const char *error_code, const struct consent_limits *lim)
{
	const char	*argv[9];
	char		 at[40], seen[160], rttl[24], maxlen[24], what[200];
	char		 vsid[80], vstatus[64];

	clock_rfc3339(clock_now_ms(), at, sizeof at);
	/* Twilio calls back once per status of a message */
	snprintf(seen, sizeof seen, "twilio:status:%s:%s", message_sid, status);
	snprintf(rttl, sizeof rttl, "%ld", lim->replay_ttl_s);
	snprintf(maxlen, sizeof maxlen, "%ld", lim->deliveries_maxlen);
	snprintf(what, sizeof what, "action=status sid=%s status=%s",
	    log_value(message_sid, vsid, sizeof vsid),
	    log_value(status, vstatus, sizeof vstatus));
	argv[0] = c->prefix;
	argv[1] = "status";
	argv[2] = at;
	argv[3] = seen;
	argv[4] = rttl;
	argv[5] = message_sid;
	argv[6] = status;
	argv[7] = error_code != NULL ? error_code : "";
	argv[8] = maxlen;
	return consent_send(c, argv, 9, what, NULL, NULL);
}

/* A soft bounce: an entry in deliveries, once per replay key. */
static int
consent_soft(struct consent *c, const struct consent_feedback *fb,
    const struct consent_limits *lim, consent_done_cb done, void *arg)
{
	const char	*argv[19];
	char		 at[40], rttl[24], maxlen[24], masked[160], what[256];
	char		 vsrc[64], vdetail[96];

	clock_rfc3339(clock_now_ms(), at, sizeof at);
	snprintf(rttl, sizeof rttl, "%ld", lim->replay_ttl_s);
	snprintf(maxlen, sizeof maxlen, "%ld", lim->deliveries_maxlen);
	consent_mask(fb->id, masked, sizeof masked);
	snprintf(what, sizeof what, "action=bounce kind=soft id=%s source=%s "
	    "detail=%s", masked, log_value(fb->source, vsrc, sizeof vsrc),
	    log_value(*fb->detail != '\0' ? fb->detail : "-", vdetail,
	    sizeof vdetail));
	argv[0] = c->prefix;
	argv[1] = "status";
	argv[2] = at;
	argv[3] = fb->replay;
	argv[4] = rttl;
	argv[5] = fb->provider_id;
	argv[6] = fb->status;
	argv[7] = "";
	argv[8] = maxlen;
	/* as the pipeline records a delivery: channel, gateway, masked to */
	argv[9] = "channel";
	argv[10] = "email";
	argv[11] = "gateway";
	argv[12] = fb->gateway;
	argv[13] = "to";
	argv[14] = strchr(masked, ':') != NULL ? strchr(masked, ':') + 1 : "-";
	argv[15] = "reason";
	argv[16] = *fb->detail != '\0' ? fb->detail : fb->status;
	argv[17] = "source";
	argv[18] = fb->source;
	return consent_send(c, argv, 19, what, done, arg);
}

int
consent_feedback(struct consent *c, const struct consent_feedback *fb,
    const struct consent_limits *lim, consent_done_cb done, void *arg)
{
	char	at[40], *rec;
	int	rc;

	if (!fb->suppress)
		return consent_soft(c, fb, lim, done, arg);
	clock_rfc3339(clock_now_ms(), at, sizeof at);
	rec = consent_record(at, fb->source, *fb->provider_id != '\0' ?
	    fb->provider_id : NULL);
	rc = consent_change(c, "out", at, fb->id, fb->source, rec,
	    *fb->provider_id != '\0' ? fb->provider_id : NULL, fb->replay, lim,
	    done, arg);
	free(rec);
	return rc;
}
