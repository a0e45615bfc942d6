/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What relaisctl's commands read of Redis: full key names, stream pages and
 * their fields, integers, Redis's clock and the time of a stream id.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "relaisctl.h"

const char *
ctl_key(struct ctl *c, const char *name)
{
	snprintf(c->key, sizeof c->key, "%s%s", c->cf->redis.prefix, name);
	return c->key;
}

const char *
ctl_field(const redisReply *fields, const char *name)
{
	size_t	i;

	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
		return "";
	for (i = 0; i + 1 < fields->elements; i += 2) {
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, name) == 0 &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING)
			return fields->element[i + 1]->str;
	}
	return "";
}

int
ctl_xrange(struct ctl *c, const char *key, const char *from, const char *to,
    int count, ctl_entry_fn each, void *arg, char *err, size_t errlen)
{
	redisReply	*rep;
	char		 stream[512], start[80];
	size_t		 i;

	/* key may be ctl_key()'s buffer, which each may reuse */
	snprintf(stream, sizeof stream, "%s", key);
	snprintf(start, sizeof start, "%s", from);
	for (;;) {
		rep = redisCommand(c->rc, "XRANGE %s %s %s COUNT %d", stream,
		    start, to, count);
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "%s", rep != NULL && rep->type ==
			    REDIS_REPLY_ERROR ? rep->str : c->rc->errstr);
			freeReplyObject(rep);
			return -1;
		}
		for (i = 0; i < rep->elements; i++)
			each(c, rep->element[i], arg);
		if (rep->elements < (size_t)count) {
			freeReplyObject(rep);
			return 0;
		}
		snprintf(start, sizeof start, "(%.60s",
		    rep->element[rep->elements - 1]->element[0]->str);
		freeReplyObject(rep);
	}
}

long long
ctl_integer(struct ctl *c, const char *cmd, const char *key)
{
	redisReply	*rep;
	long long	 v = -1;

	rep = redisCommand(c->rc, "%s %s", cmd, key);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
		v = rep->integer;
	freeReplyObject(rep);
	return v;
}

int64_t
ctl_redis_now_ms(struct ctl *c)
{
	redisReply	*rep;
	int64_t		 ms = -1;

	rep = redisCommand(c->rc, "TIME");
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_STRING)
		ms = strtoll(rep->element[0]->str, NULL, 10) * 1000 +
		    strtoll(rep->element[1]->str, NULL, 10) / 1000;
	freeReplyObject(rep);
	return ms;
}

int64_t
ctl_id_ms(const char *id)
{
	return strtoll(id, NULL, 10);
}
