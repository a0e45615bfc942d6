/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* What a console page reads of its request, its Redis calls, the audit of its changes. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "console_auth.h"
#include "console_int.h"
#include "log.h"
#include "redis.h"

/* A Redis call of a request. */
struct console_call {
	struct console_req	*r;
	redis_cb		 cb;
	void			*arg;
};

long
console_redis_timeout(const struct console *c)
{
	return c->env.cf->redis.command_timeout_ms;
}

const char *
console_req_path(const struct console_req *r)
{
	return r->path;
}

const char *
console_req_arg(const struct console_req *r, const char *name)
{
	return console_args_get(&r->args, name);
}

const struct console_user *
console_req_user(const struct console_req *r)
{
	return r->user.name != NULL ? &r->user : NULL;
}

const char *
console_req_lang(const struct console_req *r)
{
	return r->lang;
}

const char *
console_req_csrf(const struct console_req *r)
{
	return r->csrf;
}

const struct console_env *
console_req_env(const struct console_req *r)
{
	return &r->c->env;
}

int
console_req_stale(const struct console_req *r)
{
	return r->gen != r->c->gen;
}

int
console_req_may_see(const struct console_req *r, const char *territory)
{
	if (r->user.name == NULL)
		return 0;
	if (r->user.scope == NULL)
		return 1;
	return territory != NULL && strcmp(territory, r->user.scope) == 0;
}

struct buf *
console_req_body(struct console_req *r)
{
	return &r->body;
}

const char *
console_key(const struct console_req *cr, const char *name)
{
	struct console_req	*r = (struct console_req *)(uintptr_t)cr;
	char			*k = r->keys[r->nextkey];

	r->nextkey = (r->nextkey + 1) % CONSOLE_KEYS;
	snprintf(k, CONSOLE_KEY_MAX, "%s%s", r->c->env.cf->redis.prefix, name);
	return k;
}

/* ---- Redis, tied to the request ---- */

static void
console_call_done(redisReply *reply, void *arg)
{
	struct console_call	*call = arg;
	struct console_req	*r = call->r;

	if (call->cb != NULL)
		call->cb(reply, call->arg);
	free(call);
	r->pending--;
	console_req_check(r);
	console_req_reap(r);
}

int
console_req_redis(struct console_req *r, redis_cb cb, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	struct console_call	*call;

	if (r->c->freeing || r->c->redis == NULL)
		return -1;
	call = xcalloc(1, sizeof *call);
	call->r = r;
	call->cb = cb;
	call->arg = arg;
	if (redis_command(r->c->redis, console_call_done, call,
	    console_redis_timeout(r->c), argc, argv, argvlen) == -1) {
		free(call);
		return -1;
	}
	r->pending++;
	return 0;
}

/*
 * The first time a script runs here, SCRIPT LOAD goes before it on the
 * same connection (so it is there for the EVALSHA that follows), and the
 * script is registered so that a reconnection loads it again.
 */
static int
console_script_known(struct console *c, const struct redis_script *s)
{
	const char	*argv[3] = { "SCRIPT", "LOAD", s->body };
	size_t		 i;

	for (i = 0; i < c->nscripts; i++)
		if (c->scripts[i] == s)
			return 0;
	if (c->nscripts == CONSOLE_SCRIPTS_MAX)
		return -1;
	redis_script_add(c->redis, (struct redis_script *)(uintptr_t)s);
	c->scripts[c->nscripts++] = s;
	if (redis_command(c->redis, NULL, NULL, console_redis_timeout(c), 3,
	    argv, NULL) == -1)
		return -1;
	return 0;
}

int
console_req_eval(struct console_req *r, const struct redis_script *s,
    redis_cb cb, void *arg, int nkeys, int argc, const char **argv,
    const size_t *argvlen)
{
	struct console_call	*call;

	if (r->c->freeing || r->c->redis == NULL || !redis_is_up(r->c->redis) ||
	    console_script_known(r->c, s) == -1)
		return -1;
	call = xcalloc(1, sizeof *call);
	call->r = r;
	call->cb = cb;
	call->arg = arg;
	if (redis_eval(r->c->redis, s, console_call_done, call,
	    console_redis_timeout(r->c), nkeys, argc, argv, argvlen) == -1) {
		free(call);
		return -1;
	}
	r->pending++;
	return 0;
}

static void
console_audit_done(redisReply *reply, void *arg)
{
	(void)arg;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		log_warnx("console: an audit record was not written: %s",
		    reply != NULL ? reply->str : "no reply");
}

void
console_audit(struct console_req *r, const char *action, const char *target)
{
	const char	*argv[14];
	char		 at[32];
	time_t		 now = (time_t)(clock_now_ms() / 1000);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	argv[0] = "XADD";
	argv[1] = console_key(r, "console:audit");
	argv[2] = "MAXLEN";
	argv[3] = "~";
	argv[4] = CONSOLE_AUDIT_MAXLEN;
	argv[5] = "*";
	argv[6] = "user";
	argv[7] = r->user.name != NULL ? r->user.name : "-";
	argv[8] = "action";
	argv[9] = action;
	argv[10] = "target";
	argv[11] = target != NULL ? target : "";
	argv[12] = "at";
	argv[13] = at;
	log_kv(LOG_INFO, "console: change", LOG_STR("user", argv[7]),
	    LOG_STR("action", action), LOG_TEXT("target", argv[11]));
	if (console_req_redis(r, console_audit_done, NULL, 14, argv,
	    NULL) == -1)
		log_warnx("console: an audit record was not written (Redis is "
		    "down): user=%s action=%s", argv[7], action);
}

void
console_audit_hash(const struct console_req *r, const char *s, char *out,
    size_t outlen)
{
	/* the label keeps these apart from the cookies' MACs, same key */
	static const char	 label[] = "relais-console-audit";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	const struct console	*c = r->c;
	struct buf		 msg;

	buf_init(&msg);
	buf_append(&msg, label, sizeof label);
	buf_puts(&msg, s);
	if (c->secretlen <= INT_MAX && HMAC(EVP_sha256(), c->secret,
	    (int)c->secretlen, (const unsigned char *)msg.data, msg.len, md,
	    &mdlen) != NULL && mdlen >= 6)
		snprintf(out, outlen, "hmac:%02x%02x%02x%02x%02x%02x", md[0],
		    md[1], md[2], md[3], md[4], md[5]);
	else
		snprintf(out, outlen, "hmac:?");
	buf_free(&msg);
}
