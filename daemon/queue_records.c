/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * A commit batch's deliveries records, as XADDs of their own. From the
 * commit script, each record's fields were made Lua strings, then Redis
 * arguments again for its XADD: as a command of its own the same record
 * costs Redis 2.4 µs instead of 4.0 (README, Performance, session 19).
 *
 * They go ahead of the script, in one pipeline on the writer: Redis runs
 * them in that order, so a delivery's record is in the stream before its
 * entry is acknowledged. They are not in the script's atomic step: a
 * record Redis refuses (a key of another type, memory full) is logged and
 * the batch's outcomes, markers and acknowledgements go in without it; a
 * batch whose script fails has its records written all the same, and the
 * entries read again write theirs again (a "skipped: already sent" for a
 * message that went).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "queue_args.h"
#include "queue_records.h"
#include "redis.h"
#include "redis_resp.h"

void
queue_records_init(struct queue_records *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->resp);
}

void
queue_records_clear(struct queue_records *r)
{
	buf_free(&r->resp);
	free(r->ends);
	free(r->error);
	queue_records_init(r);
}

/* The command just written ends here. */
static void
queue_records_end(struct queue_records *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->ends = xrealloc(r->ends, r->cap * sizeof *r->ends);
	}
	r->ends[r->n++] = r->resp.len;
}

void
queue_records_split(struct queue_records *r, struct queue_args *script,
    const struct queue_args *ops, const char *prefix, long maxlen)
{
	char	 ml[BUF_LL_SIZE];
	size_t	 mll = buf_fmt_ll(ml, maxlen);
	int	 i = 0, from = 0, next, k;

	/* the ops between two records go to the script in one copy */
	while (i < ops->n) {
		/* the rest to the script, which refuses what it cannot read */
		if ((next = queue_op_next(ops, i)) == -1)
			break;
		if (ops->data.data[ops->off[i]] != 'L') {
			i = next;
			continue;
		}
		queue_args_cat_range(script, ops, from, i);
		from = next;
		/* L n name value ...: XADD <p>deliveries MAXLEN ~ max * name value ... */
		redis_resp_command(&r->resp, (size_t)(6 + next - i - 2));
		redis_resp_bulk(&r->resp, "XADD", 4);
		redis_resp_key(&r->resp, prefix, "deliveries", "");
		redis_resp_bulk(&r->resp, "MAXLEN", 6);
		redis_resp_bulk(&r->resp, "~", 1);
		redis_resp_bulk(&r->resp, ml, mll);
		redis_resp_bulk(&r->resp, "*", 1);
		for (k = i + 2; k < next; k++)
			redis_resp_bulk(&r->resp, ops->data.data + ops->off[k],
			    ops->len[k]);
		queue_records_end(r);
		i = next;
	}
	queue_args_cat_range(script, ops, from, ops->n);
}

int
queue_records_send(struct queue_records *r, struct redis *rd,
    const struct redis_script *s, const struct queue_args *args,
    redis_cb each, redis_cb cb, void *arg)
{
	size_t	len = r->resp.len;

	if (r->n == 0)
		return redis_eval_packed(rd, s, cb, arg, 0, 0, args->n,
		    args->data.data, args->data.len, args->off, args->len);
	redis_resp_evalsha_packed(&r->resp, s->sha, 0, args->n,
	    args->data.data, args->data.len, args->off, args->len);
	queue_records_end(r);
	if (redis_pipeline(rd, each, cb, arg, 0, &r->resp, r->ends, r->n) ==
	    -1) {
		/* as it was: the script is written again when it goes */
		r->n--;
		r->resp.len = len;
		r->resp.data[len] = '\0';
		return -1;
	}
	free(r->ends);
	r->ends = NULL;
	r->n = r->cap = 0;
	return 0;
}

void
queue_records_reply(struct queue_records *r, const redisReply *rep)
{
	if (rep == NULL || rep->type != REDIS_REPLY_ERROR)
		return;
	if (r->refused++ == 0)
		r->error = xstrdup(rep->str);
}

void
queue_records_report(const struct queue_records *r)
{
	char	esc[512];

	if (r->refused > 0)
		log_errx("queue: commit: Redis refused %zu deliveries records "
		    "(not in relais:deliveries): %s", r->refused,
		    log_escape(r->error, esc, sizeof esc));
}
