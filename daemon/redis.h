/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* One asynchronous Redis connection with our own timeouts and reconnection. */
#ifndef RELAIS_REDIS_H
#define RELAIS_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct event_base;
struct config_redis;
struct buf;
struct redis;

/*
 * A Lua script sent with EVALSHA. Scripts are registered before
 * redis_start(); each (re)connection loads them before it counts as up.
 */
struct redis_script {
	const char	*body;
	char		 sha[41];
};

/*
 * Reply callback. reply is NULL when the command failed without a reply:
 * timeout, disconnection, or the connection was down. The reply (and
 * everything in it) is freed by hiredis when the callback returns: copy
 * what you keep. The callback must not call redis_free().
 */
typedef void (*redis_cb)(redisReply *reply, void *arg);
/* Called when the connection becomes usable (up = 1) or is lost (up = 0). */
typedef void (*redis_state_cb)(struct redis *, int up, void *arg);

struct redis	*redis_new(struct event_base *, const struct config_redis *,
		    const char *name, redis_state_cb, void *arg);
void		 redis_script_add(struct redis *, struct redis_script *);
/* Starts connecting; from then on it reconnects with backoff until freed. */
void		 redis_start(struct redis *);
/* Fails every pending command (callbacks get NULL) and frees. */
void		 redis_free(struct redis *);
int		 redis_is_up(const struct redis *);
/* Writes the commands asked so far to the socket now, not at the next poll. */
void		 redis_write_now(struct redis *);
unsigned long	 redis_reconnects(const struct redis *);

/*
 * Sends a command; the callback fires exactly once. Returns -1 (and never
 * calls cb) when the connection is not up. timeout_ms bounds the wait for
 * the reply; on expiry the connection is dropped and re-established, since
 * a reply that comes late would otherwise be taken for the next command's.
 */
int		 redis_command(struct redis *, redis_cb, void *arg,
		    long timeout_ms, int argc, const char **argv,
		    const size_t *argvlen);
/* EVALSHA script numkeys argv...; same contract as redis_command(). */
int		 redis_eval(struct redis *, const struct redis_script *,
		    redis_cb, void *arg, long timeout_ms, int nkeys, int argc,
		    const char **argv, const size_t *argvlen);
/*
 * The same, its arguments packed: argument i is len[i] bytes at base +
 * off[i], as a queue_args holds them (bytes: at least the sum of len,
 * to size the command at once); no array of pointers made for a batch's
 * thousands of arguments.
 */
int		 redis_eval_packed(struct redis *, const struct redis_script *,
		    redis_cb, void *arg, long timeout_ms, int nkeys, int argc,
		    const char *base, size_t bytes, const size_t *off,
		    const size_t *len);
/*
 * Commands the caller wrote as RESP in out (redis_resp.h), command i
 * ending at ends[i], sent one after the other: the replies of the first
 * n - 1 go to each, the last one's to cb, all with arg, in order (NULL
 * when Redis went away). One deadline, the last reply's; otherwise the
 * contract of redis_command(). out is freed when sent, left as it is on -1.
 */
int		 redis_pipeline(struct redis *, redis_cb each, redis_cb cb,
		    void *arg, long timeout_ms, struct buf *out,
		    const size_t *ends, size_t n);

#endif
