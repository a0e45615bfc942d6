/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Growable byte buffer, always NUL-terminated; used wherever output is built. */
#ifndef RELAIS_BUF_H
#define RELAIS_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/*
 * A plain struct on purpose: callers embed it and read data/len directly.
 * Allocation failure is fatal (as in tmux's xmalloc): a daemon that cannot
 * allocate a few bytes cannot make progress anyway.
 */
struct buf {
	char	*data;		/* NULL until the first append; then NUL-terminated */
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *);
void	 buf_reset(struct buf *);	/* len = 0, keeps the memory */
void	 buf_free(struct buf *);
/* Room for extra more bytes (and the NUL) without another allocation. */
void	 buf_reserve(struct buf *, size_t extra);
void	 buf_puts(struct buf *, const char *);
/* s escaped for HTML text and attribute values (& < > " '). */
void	 buf_html(struct buf *, const char *s);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/*
 * v in decimal into out (BUF_LL_SIZE bytes), NUL-terminated; the length.
 * What snprintf "%lld" writes, at a twentieth of its cost: integers are
 * formatted a few dozen times for every message.
 */
#define BUF_LL_SIZE	21
size_t	 buf_fmt_ll(char *out, long long v);
/*
 * "a<sep>b" into out (outlen bytes), cut to fit and NUL-terminated;
 * the length it needed, as snprintf "%s:%s" returns, at a tenth of its
 * cost: keys and fields are joined so for every delivery.
 */
size_t	 buf_join(char *out, size_t outlen, const char *a, char sep,
	    const char *b);
/*
 * s into out (outlen bytes), cut to fit and NUL-terminated; strlen(s), as
 * snprintf "%s" returns, without its cost (and its code, cold in the
 * instruction cache): ids and reasons are copied so for every delivery.
 */
size_t	 buf_copy(char *out, size_t outlen, const char *s);
/* Hands the data over to the caller (never NULL) and resets the buffer. */
char	*buf_steal(struct buf *, size_t *);

/* Inline: bodies and records are built a few bytes at a time. */
static inline void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_putc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* Checked allocation helpers: abort with a message when memory is exhausted. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
