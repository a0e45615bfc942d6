/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Commands as RESP, written by relais rather than by hiredis's
 * redisFormatSdsCommandArgv (sdscatfmt per argument): batches carry every
 * delivery's arguments. redis.c sends them; queue_begin.c writes its
 * reads with these too.
 */
#include <string.h>

#include "buf.h"
#include "redis_resp.h"

/* "*N\r\n" or "$N\r\n" written at the end of d: where it starts. */
static size_t
redis_header_at(char d[24], char kind, size_t n)
{
	size_t	i = 24;

	d[--i] = '\n';
	d[--i] = '\r';
	do {
		d[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	d[--i] = kind;
	return i;
}

/* A RESP header, without printf. */
static void
redis_header(struct buf *b, char kind, size_t n)
{
	char	d[24];
	size_t	i = redis_header_at(d, kind, n);

	buf_append(b, d + i, sizeof d - i);
}

/*
 * One bulk string: "$len\r\n" s "\r\n", one room check for the three
 * (a batch's hundred arguments an event come this way).
 */
void
redis_resp_bulk(struct buf *b, const char *s, size_t len)
{
	char	 d[24], *o;
	size_t	 i = redis_header_at(d, '$', len), hl = sizeof d - i;

	if (b->len + hl + len + 3 > b->cap)
		buf_reserve(b, hl + len + 2);
	o = b->data + b->len;
	memcpy(o, d + i, hl);
	if (len > 0)
		memcpy(o + hl, s, len);
	o[hl + len] = '\r';
	o[hl + len + 1] = '\n';
	b->len += hl + len + 2;
	b->data[b->len] = '\0';
}

void
redis_resp_command(struct buf *b, size_t argc)
{
	redis_header(b, '*', argc);
}

void
redis_resp_key(struct buf *b, const char *prefix, const char *kind,
    const char *id)
{
	size_t	 pl = strlen(prefix), kl = strlen(kind), il = strlen(id);
	char	 d[24], *o;
	size_t	 i = redis_header_at(d, '$', pl + kl + il), hl = sizeof d - i;

	buf_reserve(b, hl + pl + kl + il + 2);
	o = b->data + b->len;
	memcpy(o, d + i, hl);
	o += hl;
	memcpy(o, prefix, pl);
	memcpy(o + pl, kind, kl);
	memcpy(o + pl + kl, id, il);
	o += pl + kl + il;
	o[0] = '\r';
	o[1] = '\n';
	b->len += hl + pl + kl + il + 2;
	b->data[b->len] = '\0';
}

void
redis_resp_evalsha(struct buf *b, const char *sha, int nkeys, int argc,
    size_t bytes)
{
	char	nk[BUF_LL_SIZE];

	buf_reserve(b, 96 + bytes + (size_t)argc * 24);
	redis_header(b, '*', (size_t)argc + 3);
	redis_resp_bulk(b, "EVALSHA", 7);
	redis_resp_bulk(b, sha, strlen(sha));
	redis_resp_bulk(b, nk, buf_fmt_ll(nk, nkeys));
}

void
redis_resp_evalsha_packed(struct buf *b, const char *sha, int nkeys,
    int argc, const char *base, size_t bytes, const size_t *off,
    const size_t *len)
{
	int	i;

	redis_resp_evalsha(b, sha, nkeys, argc, bytes);
	for (i = 0; i < argc; i++)
		redis_resp_bulk(b, base + off[i], len[i]);
}

void
redis_resp_format(struct buf *b, int argc, const char **argv,
    const size_t *argvlen)
{
	size_t	total = 16;
	int	i;

	for (i = 0; i < argc; i++)
		total += (argvlen != NULL ? argvlen[i] : strlen(argv[i])) + 24;
	buf_reserve(b, total);
	redis_header(b, '*', (size_t)argc);
	for (i = 0; i < argc; i++)
		redis_resp_bulk(b, argv[i], argvlen != NULL ? argvlen[i] :
		    strlen(argv[i]));
}
