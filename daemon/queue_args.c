/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Argument lists for the queue's scripts and the ops a commit applies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "queue_args.h"

void
queue_args_init(struct queue_args *a)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->data);
}

void
queue_args_clear(struct queue_args *a)
{
	buf_free(&a->data);
	free(a->off);		/* len is in the same block */
	free(a->v);
	queue_args_init(a);
}

/*
 * Room for more arguments in the offset and length arrays, one block (off,
 * then len), and for a few hundred bytes of them at first: a queue_args is
 * made for each call and effect of every message, most hold little.
 */
static void
queue_args_grow(struct queue_args *a, int more)
{
	size_t	*block;
	int	 cap = a->cap;

	if (a->n + more <= cap)
		return;
	if (cap == 0) {
		cap = 32;
		buf_reserve(&a->data, 256);
	}
	while (cap < a->n + more)
		cap *= 2;
	block = xmalloc((size_t)cap * 2 * sizeof *block);
	if (a->n > 0) {
		memcpy(block, a->off, (size_t)a->n * sizeof *block);
		memcpy(block + cap, a->len, (size_t)a->n * sizeof *block);
	}
	free(a->off);
	a->off = block;
	a->len = block + cap;
	a->cap = cap;
}

void
queue_args_reserve(struct queue_args *a, int n, size_t bytes)
{
	size_t	*block;

	if (a->cap != 0 || n <= 0)
		return;
	block = xmalloc((size_t)n * 2 * sizeof *block);
	a->off = block;
	a->len = block + n;
	a->cap = n;
	buf_reserve(&a->data, bytes);
}

void
queue_args_add(struct queue_args *a, const char *s, size_t len)
{
	struct buf	*b = &a->data;

	queue_args_grow(a, 1);
	a->off[a->n] = b->len;
	a->len[a->n] = len;
	a->n++;
	/* the bytes and their NUL, one room check (buf_append's NUL kept) */
	if (b->len + len + 2 > b->cap)
		buf_reserve(b, len + 1);
	if (len > 0)
		memcpy(b->data + b->len, s, len);
	b->len += len + 1;
	b->data[b->len - 1] = '\0';
	b->data[b->len] = '\0';
}

void
queue_args_addf(struct queue_args *a, const char *fmt, ...)
{
	char	tmp[64];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		fatalx("queue_args_addf: argument too long");
	queue_args_add(a, tmp, (size_t)n);
}

void
queue_args_addll(struct queue_args *a, long long v)
{
	char	s[BUF_LL_SIZE];

	queue_args_add(a, s, buf_fmt_ll(s, v));
}

void
queue_args_cat(struct queue_args *dst, const struct queue_args *src)
{
	queue_args_cat_range(dst, src, 0, src->n);
}

void
queue_args_cat_range(struct queue_args *dst, const struct queue_args *src,
    int from, int to)
{
	size_t	base = dst->data.len, start;
	int	i;

	/* src's bytes are its arguments in order, each NUL-terminated: one copy */
	if (from >= to)
		return;
	start = src->off[from];
	queue_args_grow(dst, to - from);
	buf_append(&dst->data, src->data.data + start,
	    src->off[to - 1] + src->len[to - 1] + 1 - start);
	for (i = from; i < to; i++) {
		dst->off[dst->n] = base + src->off[i] - start;
		dst->len[dst->n] = src->len[i];
		dst->n++;
	}
}

const char **
queue_args_argv(struct queue_args *a)
{
	int	i;

	a->v = xrealloc(a->v, ((size_t)a->n + 1) * sizeof *a->v);
	for (i = 0; i < a->n; i++)
		a->v[i] = a->data.data + a->off[i];
	a->v[a->n] = NULL;
	return a->v;
}

void
queue_op_sent(struct queue_args *a, const char *key)
{
	queue_args_add(a, "S", 1);
	queue_args_add(a, key, strlen(key));
}

void
queue_op_count(struct queue_args *a, const char *key, long long ttl_ms)
{
	queue_args_add(a, "C", 1);
	queue_args_add(a, key, strlen(key));
	queue_args_addll(a, ttl_ms);
}

void
queue_op_schedule(struct queue_args *a, long long due_ms, const char *member,
    size_t len)
{
	queue_args_add(a, "Z", 1);
	queue_args_addll(a, due_ms);
	queue_args_add(a, member, len);
}

void
queue_op_retry(struct queue_args *a, long long due_ms, long attempt,
    long waits, const char *key, const char *event, size_t len)
{
	struct buf	member;

	buf_init(&member);
	buf_printf(&member, "retry %ld %ld %s ", attempt, waits, key);
	buf_append(&member, event, len);
	queue_op_schedule(a, due_ms, member.data, member.len);
	buf_free(&member);
}

void
queue_op_suppress(struct queue_args *a, const char *id, const char *record)
{
	queue_args_add(a, "U", 1);
	queue_args_add(a, id, strlen(id));
	queue_args_add(a, record, strlen(record));
}

void
queue_op_effect(struct queue_args *a, const char *name, size_t nargs)
{
	queue_args_add(a, "H", 1);
	queue_args_add(a, name, strlen(name));
	queue_args_addll(a, (long long)nargs);
}

void
queue_op_record(struct queue_args *a, int dead, int nfields)
{
	queue_args_add(a, dead ? "D" : "L", 1);
	queue_args_addll(a, nfields);
}

int
queue_op_next(const struct queue_args *a, int i)
{
	long long	 n;
	char		*end;
	int		 next;

	if (i < 0 || i >= a->n || a->len[i] != 1)
		return -1;
	switch (a->data.data[a->off[i]]) {
	case 'S':
	case 'A':
		next = i + 2;
		break;
	case 'C':
	case 'U':
	case 'Z':
		next = i + 3;
		break;
	case 'F':
		next = i + 6;
		break;
	case 'H':
	case 'D':
	case 'L':
		/* H name n args...; D and L n, then n name/value pairs */
		next = a->data.data[a->off[i]] == 'H' ? i + 2 : i + 1;
		if (next >= a->n)
			return -1;
		n = strtoll(a->data.data + a->off[next], &end, 10);
		if (end == a->data.data + a->off[next] || *end != '\0' ||
		    n < 0 || n > a->n)
			return -1;
		next += 1 + (int)(a->data.data[a->off[i]] == 'H' ? n : 2 * n);
		break;
	default:
		return -1;
	}
	return next <= a->n ? next : -1;
}
