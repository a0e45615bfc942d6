/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Commands as RESP into a buf (redis_resp.c), for redis.c and redis_pipeline(). */
#ifndef RELAIS_REDIS_RESP_H
#define RELAIS_REDIS_RESP_H

#include <stddef.h>

struct buf;

/* "*argc\r\n": a command of argc arguments follows */
void	redis_resp_command(struct buf *, size_t argc);
/* One argument: "$len\r\n" s "\r\n" */
void	redis_resp_bulk(struct buf *, const char *s, size_t len);
/* One argument made of three strings, a key: prefix, kind, id */
void	redis_resp_key(struct buf *, const char *prefix, const char *kind,
	    const char *id);
/*
 * "EVALSHA sha nkeys", argc arguments to follow (bytes: at least theirs
 * summed, to make room at once); _packed writes them too, as a queue_args
 * holds them (argument i: len[i] bytes at base + off[i]).
 */
void	redis_resp_evalsha(struct buf *, const char *sha, int nkeys, int argc,
	    size_t bytes);
void	redis_resp_evalsha_packed(struct buf *, const char *sha, int nkeys,
	    int argc, const char *base, size_t bytes, const size_t *off,
	    const size_t *len);
/* A whole command (argvlen NULL: C strings) */
void	redis_resp_format(struct buf *, int argc, const char **argv,
	    const size_t *argvlen);

#endif
