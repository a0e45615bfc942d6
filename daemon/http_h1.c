/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The HTTP engine's own transport for plain http:// to an address: HTTP/1.1 kept alive, no curl. */

/*
 * Why: on a kept-alive connection curl spends two poll(2) (its liveness
 * check), one or two epoll_ctl(2) and a few thousand instructions of set-up
 * around each request's one send and one receive. Here a request costs
 * send(2) and recv(2): each connection keeps one persistent read event for
 * its whole life (an idle connection closed by the server is seen then, not
 * polled before reuse), and a write event only while connecting or while a
 * request does not fit in the socket buffer.
 *
 * What: URLs "http://ADDRESS[:PORT]/..." where ADDRESS is an IPv4 or a
 * bracketed IPv6 literal, or "localhost" (127.0.0.1 only: curl would try
 * ::1 too). Everything else (https, host names, user info or a fragment in
 * the URL, a proxy in the environment) stays with curl; http_h1_url()
 * decides, once per request.
 *
 * Requests are written as curl writes them (Host, Authorization for Basic,
 * Accept: star/star, the caller's headers, Content-Length, curl's default
 * Content-Type for a body without one; a header "Name:" with nothing after it
 * removes it). Answers: parsed by http_h1_parse.c; one that comes before
 * the whole request left ends the sending and is the result, as with curl.
 * A transport error carries the CURLcode curl would give and a message in
 * its words.
 *
 * A request that finds its reused connection closed before one byte of
 * answer (the server's keep-alive ran out as the request left) is sent once
 * more on a new connection, as curl does, unless its deadline has passed.
 * A connection idle longer than curl's default CURLOPT_MAXAGE_CONN (118 s)
 * is not reused.
 *
 * Ownership: struct http_h1 owns every connection; a busy connection points
 * at its request (owned by the pool) and the request at it. Completion calls
 * the engine's done callback, which only moves the request to the engine's
 * done list; the engine's flush callback then runs the callbacks, as the last
 * thing an event callback here does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "base64.h"
#include "buf.h"
#include "clock.h"
#include "http.h"
#include "http_int.h"
#include "log.h"

#define H1_MAXAGE_MS		118000	/* curl's CURLOPT_MAXAGE_CONN default */
#define H1_CONNECT_DEFAULT_MS	300000	/* curl's connect timeout default */
#define H1_READ_SIZE		1024	/* room made for a read, at least */
#define H1_IDLE_IN_SIZE		4096	/* an idle connection's most room */

struct h1_conn {
	TAILQ_ENTRY(h1_conn)	 entry;		/* h1's idle list, or busy list */
	struct http_h1		*h1;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	int			 fd;
	struct event		*rev;		/* persistent, the whole life */
	struct event		*wev;		/* connecting, or a send that did not fit */
	struct event		*tmo;		/* the request's deadline */
	struct http_req		*req;		/* NULL when idle */
	struct h1_parse		 p;		/* the answer; p.state: the exchange */
	int			 reused;	/* answered a request before this one */
	int			 deferred_err;	/* errno from connect(), reported from the loop */
	uint64_t		 got;		/* bytes of the answer received */
	int64_t			 idle_since;	/* ms, monotonic */
	size_t			 outoff;	/* of the request's bytes sent */
};
TAILQ_HEAD(h1_conns, h1_conn);

struct http_h1 {
	struct event_base	*base;
	struct h1_conns		 idle;		/* most recently used first */
	struct h1_conns		 busy;
	size_t			 nidle;
	size_t			 maxidle;
	void			(*done)(struct http_req *, int code, void *);
	void			(*flush)(void *);
	void			*arg;
};

static void	h1_read_cb(evutil_socket_t, short, void *);
static void	h1_write_cb(evutil_socket_t, short, void *);
static void	h1_timeout_cb(evutil_socket_t, short, void *);
static void	h1_send(struct h1_conn *);

/* ms since r was handed to the transport */
static int64_t
h1_spent(const struct http_req *r)
{
	return (clock_mono_us() - r->h1_t0) / 1000;
}

/* The same, with the microseconds: what the response reports. */
static double
h1_elapsed_ms(const struct http_req *r)
{
	return (double)(clock_mono_us() - r->h1_t0) / 1000.0;
}

/*
 * Whether url goes through this transport; fills r's address, Host value
 * and request target. Anything it does not take is curl's to handle.
 */
int
http_h1_url(struct http_req *r)
{
	const char		*p = r->url, *host, *hend, *port = NULL, *path;
	char			 hbuf[64];
	struct sockaddr_in	*in4 = (struct sockaddr_in *)&r->h1_sa;
	struct sockaddr_in6	*in6 = (struct sockaddr_in6 *)&r->h1_sa;
	unsigned long		 pn = 80;
	size_t			 hlen;
	char			*end;

	if (strncasecmp(p, "http://", 7) != 0 || strchr(p, '#') != NULL)
		return 0;			/* a fragment: curl cuts it */
	host = p + 7;
	path = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(path - host)) != NULL)
		return 0;			/* user info: curl's */
	if (*host == '[') {
		if ((hend = memchr(host, ']', (size_t)(path - host))) == NULL)
			return 0;
		if (hend + 1 < path && hend[1] == ':')
			port = hend + 2;
		else if (hend + 1 != path)
			return 0;
		host++;
	} else {
		hend = memchr(host, ':', (size_t)(path - host));
		if (hend != NULL)
			port = hend + 1;
		else
			hend = path;
	}
	hlen = (size_t)(hend - host);
	if (hlen == 0 || hlen >= sizeof hbuf)
		return 0;
	memcpy(hbuf, host, hlen);
	hbuf[hlen] = '\0';
	if (port != NULL) {
		if (port == path || *port < '0' || *port > '9')
			return 0;
		pn = strtoul(port, &end, 10);
		if (end != path || pn == 0 || pn > 65535)
			return 0;
	}
	memset(&r->h1_sa, 0, sizeof r->h1_sa);
	if (strcasecmp(hbuf, "localhost") == 0)
		snprintf(hbuf, sizeof hbuf, "127.0.0.1");
	if (inet_pton(AF_INET, hbuf, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)pn);
		r->h1_salen = sizeof *in4;
	} else if (inet_pton(AF_INET6, hbuf, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)pn);
		r->h1_salen = sizeof *in6;
	} else
		return 0;			/* a name: curl resolves it */
	/* Host: as written in the URL (brackets kept), no default port */
	r->h1_host = xmalloc((size_t)(path - (r->url + 7)) + 1);
	memcpy(r->h1_host, r->url + 7, (size_t)(path - (r->url + 7)));
	r->h1_host[path - (r->url + 7)] = '\0';
	r->h1_path = path;
	return 1;
}

static int
h1_has_header(const struct http_request *req, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < req->nheaders; i++) {
		if (strncasecmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':')
			return 1;
	}
	return 0;
}

/*
 * The request's bytes, made once at submission into r->h1_req (sent again
 * as they are on a retry): no copy of the body or the headers besides.
 * A caller's header "Name:" with nothing after it is not sent, as with curl.
 */
void
http_h1_request(struct http_req *r, const struct http_request *req)
{
	struct buf	*b = &r->h1_req;
	const char	*colon;
	char		 num[BUF_LL_SIZE];
	size_t		 i, room;
	int		 head = strcmp(req->method, "HEAD") == 0;
	int		 get = strcmp(req->method, "GET") == 0;

	/*
	 * Room for all of it at once: a growth would leave a copy of the
	 * credentials in freed memory, where the bzero at free cannot reach.
	 */
	room = 256 + strlen(req->method) + strlen(r->url) + req->bodylen;
	for (i = 0; i < req->nheaders; i++)
		room += strlen(req->headers[i]) + 2;
	if (req->userpwd != NULL)
		room += 32 + base64_len(strlen(req->userpwd), 0);
	/*
	 * Exactly that room, not rounded up to a power of two as buf_reserve
	 * does: the bytes live until the answer, hundreds of requests at
	 * once (a 6 KiB request took 8).
	 */
	buf_init(b);
	b->data = xmalloc(room + 1);
	b->cap = room + 1;
	b->data[0] = '\0';
	/* buf_puts, not buf_printf: this is every message's path */
	buf_puts(b, req->method);
	buf_puts(b, *r->h1_path == '/' ? " " : " /");
	buf_puts(b, r->h1_path);
	buf_puts(b, " HTTP/1.1\r\n");
	if (!h1_has_header(req, "Host")) {
		buf_puts(b, "Host: ");
		buf_puts(b, r->h1_host);
		buf_puts(b, "\r\n");
	}
	if (req->userpwd != NULL && !h1_has_header(req, "Authorization")) {
		buf_puts(b, "Authorization: Basic ");
		base64_append(b, req->userpwd, strlen(req->userpwd), 0);
		buf_puts(b, "\r\n");
	}
	if (!h1_has_header(req, "Accept"))
		buf_puts(b, "Accept: */*\r\n");
	for (i = 0; i < req->nheaders; i++) {
		colon = strchr(req->headers[i], ':');	/* checked: valid */
		if (colon[1 + strspn(colon + 1, " \t")] == '\0')
			continue;
		buf_puts(b, req->headers[i]);
		buf_puts(b, "\r\n");
	}
	if (!head && !get) {
		if (!h1_has_header(req, "Content-Length")) {
			buf_puts(b, "Content-Length: ");
			buf_append(b, num, buf_fmt_ll(num,
			    (long long)req->bodylen));
			buf_puts(b, "\r\n");
		}
		if (!h1_has_header(req, "Content-Type"))
			buf_puts(b, "Content-Type: "
			    "application/x-www-form-urlencoded\r\n");
	}
	buf_puts(b, "\r\n");
	r->h1_headlen = b->len;
	if (!head && !get && req->bodylen > 0)
		buf_append(b, req->body, req->bodylen);
	r->h1_head = head;
}

static void
h1_conn_free(struct h1_conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->tmo != NULL)
		event_free(c->tmo);
	if (c->fd != -1)
		close(c->fd);
	buf_free(&c->p.in);
	free(c);
}

/* Drops a connection from its list and frees it; its request is not touched. */
static void
h1_conn_close(struct h1_conn *c)
{
	struct http_h1	*h = c->h1;

	if (c->p.state == H1_IDLE) {
		TAILQ_REMOVE(&h->idle, c, entry);
		h->nidle--;
	} else
		TAILQ_REMOVE(&h->busy, c, entry);
	if (c->req != NULL)
		c->req->h1_conn = NULL;
	h1_conn_free(c);
}

/* A new connection to sa, connecting; NULL when no socket could be made. */
static struct h1_conn *
h1_conn_new(struct http_h1 *h, const struct sockaddr_storage *sa,
    socklen_t salen, int *err)
{
	struct h1_conn	*c;
	int		 fd, one = 1;

	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		*err = errno;
		return NULL;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	c = xcalloc(1, sizeof *c);
	c->h1 = h;
	c->fd = fd;
	memcpy(&c->sa, sa, salen);
	c->salen = salen;
	buf_init(&c->p.in);
	c->rev = event_new(h->base, fd, EV_READ | EV_PERSIST, h1_read_cb, c);
	c->wev = event_new(h->base, fd, EV_WRITE, h1_write_cb, c);
	c->tmo = evtimer_new(h->base, h1_timeout_cb, c);
	if (c->rev == NULL || c->wev == NULL || c->tmo == NULL)
		fatalx("http: event_new failed");
	c->p.state = H1_CONNECTING;
	if (connect(fd, (struct sockaddr *)&c->sa, salen) == -1 &&
	    errno != EINPROGRESS)
		c->deferred_err = errno;
	TAILQ_INSERT_TAIL(&h->busy, c, entry);
	if (c->deferred_err != 0)
		event_active(c->wev, EV_WRITE, 0);	/* fails from the loop */
	else if (event_add(c->wev, NULL) == -1)
		log_errx("http: event_add failed for fd %d", c->fd);
	return c;
}

/* "127.0.0.1 port 8080", as curl names the peer in its messages. */
static void
h1_peer(const struct h1_conn *c, char *out, size_t outlen)
{
	char		 a[INET6_ADDRSTRLEN] = "?";
	unsigned	 port;

	if (c->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&c->sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)&c->sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		port = ntohs(s4->sin_port);
	}
	snprintf(out, outlen, "%s port %u", a, port);
}

/* Arms the request's deadline: connecting, the connect timeout too. */
static void
h1_arm(struct h1_conn *c)
{
	struct http_req	*r = c->req;
	long		 ms = r->timeout_ms > 0 ? r->timeout_ms -
			    (long)h1_spent(r) : 0;
	long		 cms;
	struct timeval	 tv;

	if (c->p.state == H1_CONNECTING) {
		cms = r->connect_timeout_ms > 0 ? r->connect_timeout_ms :
		    H1_CONNECT_DEFAULT_MS;
		/* a total timeout spent already fires now, not after cms */
		if (r->timeout_ms <= 0 || cms < ms)
			ms = cms;
	}
	if (r->timeout_ms <= 0 && c->p.state != H1_CONNECTING) {
		evtimer_del(c->tmo);
		return;
	}
	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->tmo, &tv);
}

/*
 * Ends c's request with code (CURLE_OK: the answer is complete) and
 * message; the connection goes idle when it may be reused, else closes.
 */
static void
h1_finish(struct h1_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
h1_finish(struct h1_conn *c, int code, const char *fmt, ...)
{
	struct http_h1	*h = c->h1;
	struct http_req	*r = c->req;
	struct h1_conn	*old;
	va_list		 ap;

	evtimer_del(c->tmo);
	c->req = NULL;
	r->h1_conn = NULL;
	r->h1_total_ms = h1_elapsed_ms(r);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r->errbuf, sizeof r->errbuf, fmt, ap);
		va_end(ap);
	}
	if (code == CURLE_OK && c->p.keepalive && c->p.inoff == c->p.in.len &&
	    c->p.state == H1_IDLE) {
		/* room a large answer (an error page) took is not kept */
		if (c->p.in.cap > H1_IDLE_IN_SIZE)
			buf_free(&c->p.in);
		else
			buf_reset(&c->p.in);
		c->p.inoff = 0;
		c->reused = 1;
		c->idle_since = clock_mono_ms();
		TAILQ_REMOVE(&h->busy, c, entry);
		TAILQ_INSERT_HEAD(&h->idle, c, entry);
		h->nidle++;
		while (h->nidle > h->maxidle &&
		    (old = TAILQ_LAST(&h->idle, h1_conns)) != NULL)
			h1_conn_close(old);
	} else {
		if (c->p.state == H1_IDLE)
			c->p.state = H1_HEADERS;	/* not on the idle list */
		h1_conn_close(c);
	}
	h->done(r, code, h->arg);
}

/* Starts r on connection c (new or idle): its bytes, then its deadline. */
static void
h1_attach(struct h1_conn *c, struct http_req *r)
{
	c->req = r;
	c->p.req = r;
	r->h1_conn = c;
	c->got = 0;
	c->p.keepalive = 1;
	c->p.head = r->h1_head;
	c->p.hscan = 0;
	c->outoff = 0;
	h1_arm(c);
	if (c->p.state != H1_CONNECTING) {
		c->p.state = H1_SENDING;
		h1_send(c);
	}
}

/* A fresh connection for r; a socket that cannot be made ends r. */
static void
h1_connect(struct http_h1 *h, struct http_req *r)
{
	struct h1_conn	*c;
	int		 err = 0;

	if ((c = h1_conn_new(h, &r->h1_sa, r->h1_salen, &err)) == NULL) {
		r->h1_total_ms = h1_elapsed_ms(r);
		snprintf(r->errbuf, sizeof r->errbuf, "socket: %s",
		    strerror(err));
		h->done(r, CURLE_COULDNT_CONNECT, h->arg);
		return;
	}
	h1_attach(c, r);
}

/*
 * Hands r to a connection: the most recently used idle one to the same
 * address, else a new one. Never runs r's callback from here: a failure
 * goes through the done list like any other ending.
 */
void
http_h1_start(struct http_h1 *h, struct http_req *r)
{
	struct h1_conn	*c, *next;
	int64_t		 now = clock_mono_ms();

	r->h1_t0 = clock_mono_us();
	r->h1_retried = 0;
	for (c = TAILQ_FIRST(&h->idle); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (now - c->idle_since > H1_MAXAGE_MS) {
			h1_conn_close(c);
			continue;
		}
		if (c->salen == r->h1_salen && memcmp(&c->sa, &r->h1_sa,
		    c->salen) == 0)
			break;
	}
	if (c == NULL) {
		h1_connect(h, r);
		return;
	}
	TAILQ_REMOVE(&h->idle, c, entry);
	h->nidle--;
	TAILQ_INSERT_TAIL(&h->busy, c, entry);
	c->p.state = H1_SENDING;
	h1_attach(c, r);
}

/*
 * The reused connection died before a byte of answer: once, the request
 * goes again on a new connection. Returns 1 when it did.
 */
static int
h1_retry(struct h1_conn *c)
{
	struct http_h1	*h = c->h1;
	struct http_req	*r = c->req;

	if (!c->reused || c->got > 0 || r->h1_retried)
		return 0;
	/* past its deadline it is not sent again (curl checks it too) */
	if (r->timeout_ms > 0 && h1_spent(r) >= r->timeout_ms)
		return 0;
	r->h1_retried = 1;
	c->req = NULL;
	r->h1_conn = NULL;
	h1_conn_close(c);
	h1_connect(h, r);
	return 1;
}

/* Writes what is left of the request; the write event waits for room. */
static void
h1_send(struct h1_conn *c)
{
	const struct buf	*out = &c->req->h1_req;
	ssize_t			 n;
	char			 peer[INET6_ADDRSTRLEN + 16];

	while (c->outoff < out->len) {
		n = send(c->fd, out->data + c->outoff, out->len - c->outoff,
		    MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (event_add(c->wev, NULL) == -1)
				log_errx("http: event_add failed for fd %d", c->fd);
			return;
		}
		if (h1_retry(c))
			return;
		h1_peer(c, peer, sizeof peer);
		h1_finish(c, CURLE_SEND_ERROR, "Failed sending data to the "
		    "peer (%s): %s", peer, strerror(errno));
		return;
	}
	c->outoff = 0;
	if (c->p.state == H1_SENDING)
		c->p.state = H1_HEADERS;
}

static void
h1_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct h1_conn	*c = arg;
	struct http_h1	*h = c->h1;
	struct http_req	*r = c->req;
	socklen_t	 len = sizeof(int);
	int		 err = c->deferred_err;
	char		 peer[INET6_ADDRSTRLEN + 16];

	(void)what;
	if (r == NULL)
		return;
	if (c->p.state == H1_CONNECTING) {
		if (err == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1)
			err = errno;
		if (err != 0) {
			h1_peer(c, peer, sizeof peer);
			h1_finish(c, CURLE_COULDNT_CONNECT, "Failed to connect "
			    "to %s after %lld ms: %s", peer,
			    (long long)h1_spent(r), strerror(err));
			h->flush(h->arg);
			return;
		}
		if (event_add(c->rev, NULL) == -1)
			log_errx("http: event_add failed for fd %d", c->fd);
		c->p.state = H1_SENDING;
		h1_arm(c);
	}
	h1_send(c);
	h->flush(h->arg);
}

static void
h1_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct h1_conn	*c = arg;
	struct http_h1	*h = c->h1;
	struct http_req	*r = c->req;
	long long	 ms;

	(void)fd;
	(void)what;
	if (r == NULL)
		return;
	ms = (long long)h1_spent(r);
	if (c->p.state == H1_CONNECTING)
		h1_finish(c, CURLE_OPERATION_TIMEDOUT, "Connection timed out "
		    "after %lld milliseconds", ms);
	else
		h1_finish(c, CURLE_OPERATION_TIMEDOUT, "Operation timed out "
		    "after %lld milliseconds with %llu bytes received", ms,
		    (unsigned long long)c->got);
	h->flush(h->arg);
}

/* What came on a connection: an answer, the end of one, or an idle close. */
static void
h1_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct h1_conn	*c = arg;
	struct http_h1	*h = c->h1;
	ssize_t		 n;
	int		 rc;
	char		 peer[INET6_ADDRSTRLEN + 16];

	(void)what;
	if (c->req == NULL) {
		/* idle: the server closed it, or says something unasked */
		h1_conn_close(c);
		return;
	}
	/*
	 * Room for an answer of a few hundred bytes, not for the largest
	 * read: every kept-alive connection keeps its buffer. A larger answer
	 * is read in several reads, the buffer doubling as it goes.
	 */
	buf_reserve(&c->p.in, H1_READ_SIZE);
	n = recv(fd, c->p.in.data + c->p.in.len, c->p.in.cap - c->p.in.len - 1, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (h1_retry(c))
			goto out;
		h1_peer(c, peer, sizeof peer);
		if (n == 0 && c->p.state == H1_BODY_EOF)
			h1_finish(c, CURLE_OK, NULL);
		else if (n == 0 && c->got == 0)
			h1_finish(c, CURLE_GOT_NOTHING, "Empty reply from "
			    "server (%s)", peer);
		else if (n == 0)
			h1_finish(c, CURLE_PARTIAL_FILE, "Connection to %s "
			    "closed before the end of the answer", peer);
		else
			h1_finish(c, CURLE_RECV_ERROR, "Failure when receiving "
			    "data from the peer (%s): %s", peer, strerror(errno));
		goto out;
	}
	c->got += (uint64_t)n;
	c->p.in.len += (size_t)n;
	c->p.in.data[c->p.in.len] = '\0';
	if (c->p.state == H1_SENDING) {
		/*
		 * An answer before the whole request left (a 413, a 401 at the
		 * headers): the rest is not sent, the answer is read as any,
		 * and the connection is not reused, as with curl.
		 */
		event_del(c->wev);
		c->outoff = c->req->h1_req.len;
		c->p.keepalive = 0;
		c->p.state = H1_HEADERS;
	}
	rc = http_h1_parse(&c->p);
	if (rc == -1) {
		h1_finish(c, CURLE_WEIRD_SERVER_REPLY, "Not an HTTP/1.x "
		    "answer");
		goto out;
	}
	if (rc == 1)
		h1_finish(c, CURLE_OK, NULL);
	else
		http_h1_compact(&c->p);
out:
	h->flush(h->arg);
}

/* Gives up r's exchange without a callback: its connection closes. */
void
http_h1_cancel(struct http_h1 *h, struct http_req *r)
{
	struct h1_conn	*c = r->h1_conn;

	(void)h;
	if (c == NULL)
		return;
	c->req = NULL;
	r->h1_conn = NULL;
	h1_conn_close(c);
}

void
http_h1_set_maxidle(struct http_h1 *h, size_t n)
{
	h->maxidle = n;
}

struct http_h1 *
http_h1_new(struct event_base *base, void (*done)(struct http_req *, int,
    void *), void (*flush)(void *), void *arg)
{
	struct http_h1	*h = xcalloc(1, sizeof *h);

	h->base = base;
	TAILQ_INIT(&h->idle);
	TAILQ_INIT(&h->busy);
	h->maxidle = 8;
	h->done = done;
	h->flush = flush;
	h->arg = arg;
	return h;
}

/* Closes every connection; requests still attached are the caller's. */
void
http_h1_free(struct http_h1 *h)
{
	struct h1_conn	*c;

	if (h == NULL)
		return;
	while ((c = TAILQ_FIRST(&h->busy)) != NULL)
		h1_conn_close(c);
	while ((c = TAILQ_FIRST(&h->idle)) != NULL)
		h1_conn_close(c);
	free(h);
}

