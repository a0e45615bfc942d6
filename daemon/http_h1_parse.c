/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The HTTP/1.1 answers of the engine's own transport: status, headers, framing, body. */

/*
 * One answer, as it arrives on a connection: the header block (interim 1xx
 * blocks skipped; H1_HEAD_MAX at most, HTTP_HEADERS_MAX of it kept, whole
 * lines, as the curl transport keeps them), then the body by
 * Content-Length, chunked (extensions and trailers read and dropped) or up
 * to the close, HTTP_BODY_MAX of it kept in the request. Whether the
 * connection may carry another request (keepalive) comes from the version
 * and Connection. Anything else is not HTTP: the caller closes.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"

/* A header block longer than this is refused (curl: 100 KiB a line). */
#define H1_HEAD_MAX	(256 * 1024)

/* Keeps up to HTTP_BODY_MAX of the body; the rest is read and dropped. */
static void
h1_body(struct http_req *r, const char *p, size_t n)
{
	size_t	room = r->rbody.len < HTTP_BODY_MAX ?
	    HTTP_BODY_MAX - r->rbody.len : 0;

	buf_append(&r->rbody, p, n < room ? n : room);
}

/* Whether the comma-separated header value v (length n) holds token t. */
static int
h1_token(const char *v, size_t n, const char *t)
{
	size_t	tl = strlen(t), i = 0, s;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		while (i > s && (v[i - 1] == ' ' || v[i - 1] == '\t'))
			i--;
		if (i - s == tl && strncasecmp(v + s, t, tl) == 0)
			return 1;
		while (i < n && v[i] != ',')
			i++;
	}
	return 0;
}

/* How the body of the answer whose header block is p comes; -1: not HTTP. */
static int
h1_framing(struct h1_parse *c, const char *p, int minor, int status)
{
	const char	*v, *v2;
	size_t		 vlen, vlen2;
	char		*end;
	unsigned long long cl = 0;
	int		 has_cl = 0, chunked = 0;

	if ((v = http_header_find(p, "Connection", &vlen)) != NULL) {
		if (h1_token(v, vlen, "close"))
			c->keepalive = 0;
		else if (minor == 0 && !h1_token(v, vlen, "keep-alive"))
			c->keepalive = 0;
	} else if (minor == 0)
		c->keepalive = 0;
	if ((v = http_header_find(p, "Transfer-Encoding",
	    &vlen)) != NULL) {
		if (!h1_token(v, vlen, "chunked"))
			return -1;
		chunked = 1;
	}
	if ((v = http_header_find(p, "Content-Length",
	    &vlen)) != NULL) {
		if (vlen == 0 || *v < '0' || *v > '9')
			return -1;
		errno = 0;
		cl = strtoull(v, &end, 10);
		if (errno != 0 || end != v + vlen)
			return -1;
		/* two that disagree: which body is it? (RFC 9112, 6.3) */
		v2 = http_header_find(strchr(v, '\n') != NULL ?
		    strchr(v, '\n') + 1 : "", "Content-Length", &vlen2);
		if (v2 != NULL && (vlen2 != vlen || memcmp(v, v2, vlen) != 0))
			return -1;
		has_cl = 1;
	}
	if (c->head || status == 204 || status == 304 || status == 101) {
		c->state = H1_IDLE;
		if (status == 101)
			c->keepalive = 0;
	} else if (chunked)
		c->state = H1_CHUNK_SIZE;
	else if (has_cl) {
		c->left = cl;
		c->state = cl > 0 ? H1_BODY_LEN : H1_IDLE;
	} else {
		c->keepalive = 0;
		c->state = H1_BODY_EOF;
	}
	return 0;
}

/*
 * One header block (status line to the empty line, len bytes at p): the
 * status, and how the body is framed. -1: not an HTTP/1.x answer.
 */
static int
h1_head(struct h1_parse *c, char *p, size_t len)
{
	struct http_req	*r = c->req;
	const char	*line, *eol;
	size_t		 n;
	char		 saved;
	int		 minor, status, rc;

	if (len < 13 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' ||
	    p[7] > '1' || p[8] != ' ' || p[9] < '1' || p[9] > '5' ||
	    p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (p[12] != ' ' && p[12] != '\r'))
		return -1;
	minor = p[7] - '0';
	status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (status >= 100 && status < 200 && status != 101)
		return 1;			/* interim: the next block */
	/* kept: the whole lines that fit, as curl's header callback does */
	buf_reset(&r->rhdrs);
	buf_reserve(&r->rhdrs, len < HTTP_HEADERS_MAX ? len : HTTP_HEADERS_MAX);
	for (line = p; line < p + len; line = eol) {
		eol = memchr(line, '\n', (size_t)(p + len - line));
		eol = eol != NULL ? eol + 1 : p + len;
		n = (size_t)(eol - line);
		if (r->rhdrs.len + n <= HTTP_HEADERS_MAX)
			buf_append(&r->rhdrs, line, n);
	}
	r->h1_status = status;
	/* the framing is read from the whole block, made a string for it */
	saved = p[len];
	p[len] = '\0';
	rc = h1_framing(c, p, minor, status);
	p[len] = saved;
	return rc;
}

/* The line at the read position, without its CRLF; NULL until complete. */
static const char *
h1_line(struct h1_parse *c, size_t *lenp)
{
	const char	*p = c->in.data + c->inoff;
	const char	*nl = memchr(p, '\n', c->in.len - c->inoff);

	if (nl == NULL)
		return NULL;
	*lenp = (size_t)(nl - p);
	c->inoff += *lenp + 1;
	if (*lenp > 0 && p[*lenp - 1] == '\r')
		(*lenp)--;
	return p;
}

/*
 * Parses what has arrived. Returns 1 when the answer is complete, 0 when
 * more is needed, -1 when it is not HTTP.
 */
int
http_h1_parse(struct h1_parse *c)
{
	struct http_req	*r = c->req;
	const char	*p, *e;
	size_t		 avail, n, len;
	char		*end;
	int		 rc;

	for (;;) {
		p = c->in.data + c->inoff;
		avail = c->in.len - c->inoff;
		switch (c->state) {
		case H1_HEADERS:
			/* from where the last read's search stopped */
			n = c->hscan > 3 ? c->hscan - 3 : 0;
			if ((e = memmem(p + n, avail - n, "\r\n\r\n", 4)) ==
			    NULL) {
				c->hscan = avail;
				return avail > H1_HEAD_MAX ? -1 : 0;
			}
			c->hscan = 0;
			len = (size_t)(e - p) + 4;
			if (len > H1_HEAD_MAX || (rc = h1_head(c,
			    c->in.data + c->inoff, len)) == -1)
				return -1;
			c->inoff += len;
			break;
		case H1_BODY_LEN:
			n = avail < c->left ? avail : (size_t)c->left;
			h1_body(r, p, n);
			c->inoff += n;
			if ((c->left -= n) > 0)
				return 0;
			c->state = H1_IDLE;
			break;
		case H1_BODY_EOF:
			h1_body(r, p, avail);
			c->inoff += avail;
			return 0;
		case H1_CHUNK_SIZE:
			if ((p = h1_line(c, &len)) == NULL)
				return avail > 1024 ? -1 : 0;
			/* hex digits (16 at most), then the end or an extension */
			for (n = 0; n < len && isxdigit((unsigned char)p[n]);)
				n++;
			if (n == 0 || n > 16 || (n < len && p[n] != ';' &&
			    p[n] != ' ' && p[n] != '\t'))
				return -1;
			c->left = strtoull(p, &end, 16);
			c->state = c->left > 0 ? H1_CHUNK_DATA : H1_TRAILERS;
			break;
		case H1_CHUNK_DATA:
			n = avail < c->left ? avail : (size_t)c->left;
			h1_body(r, p, n);
			c->inoff += n;
			if ((c->left -= n) > 0)
				return 0;
			c->state = H1_CHUNK_CRLF;
			break;
		case H1_CHUNK_CRLF:
			if ((p = h1_line(c, &len)) == NULL)
				return avail > 2 ? -1 : 0;
			if (len != 0)
				return -1;
			c->state = H1_CHUNK_SIZE;
			break;
		case H1_TRAILERS:
			if ((p = h1_line(c, &len)) == NULL)
				return avail > H1_HEAD_MAX ? -1 : 0;
			if (len == 0)
				c->state = H1_IDLE;
			break;
		case H1_IDLE:
			return 1;
		case H1_CONNECTING:
		case H1_SENDING:
			return 0;
		}
	}
}

/* Drops what the parse has read: only what it waits on stays buffered. */
void
http_h1_compact(struct h1_parse *c)
{
	if (c->inoff == 0)
		return;
	c->in.len -= c->inoff;
	memmove(c->in.data, c->in.data + c->inoff, c->in.len);
	c->in.data[c->in.len] = '\0';
	c->inoff = 0;
}

/*
 * For the fuzz target and the tests: parses an answer to r (a HEAD when
 * head) fed step bytes at a time, as reads would bring it, then the close.
 * Returns 1 when complete, 0 when it would wait for more, -1 when not HTTP.
 */
int
http_h1_feed(struct http_req *r, int head, const char *data, size_t len,
    size_t step)
{
	struct h1_parse	c;
	size_t		off = 0, n;
	int		rc = 0;

	memset(&c, 0, sizeof c);
	c.req = r;
	c.keepalive = 1;
	c.head = head;
	c.state = H1_HEADERS;
	buf_init(&c.in);
	if (step == 0)
		step = 1;
	while (off < len && rc == 0) {
		n = len - off < step ? len - off : step;
		buf_append(&c.in, data + off, n);
		off += n;
		rc = http_h1_parse(&c);
		if (rc == 0)
			http_h1_compact(&c);
	}
	if (rc == 0 && c.state == H1_BODY_EOF)
		rc = 1;			/* the close ends it */
	buf_free(&c.in);
	return rc;
}
