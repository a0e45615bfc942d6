/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the HTTP engine's files share (http.c: multi, pools and events;
 * http_req.c: one request's copy, options and response): struct http_req
 * and struct http_pool.
 * Private to them; curl.h is included here, as only the engine may.
 */
#ifndef RELAIS_HTTP_INT_H
#define RELAIS_HTTP_INT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"

#define HTTP_BODY_MAX		(64 * 1024)
#define HTTP_HEADERS_MAX	(16 * 1024)

struct event_base;
struct h1_conn;

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;
	struct http_pool	*pool;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*method;
	char			*url;
	char			*body;
	size_t			 bodylen;
	char			*userpwd;
	char			*ca_file;
	long			 connect_timeout_ms;
	long			 timeout_ms;
	http_cb			 cb;
	void			*arg;

	struct buf		 rbody;
	struct buf		 rhdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	struct http_response	 resp;

	/* the engine's own transport (http_h1.c), when it took the URL */
	int			 h1;
	struct h1_conn		*h1_conn;	/* while on a connection */
	struct sockaddr_storage	 h1_sa;
	socklen_t		 h1_salen;
	char			*h1_host;	/* Host: as in the URL */
	const char		*h1_path;	/* the request target, in url */
	struct buf		 h1_req;	/* the request's bytes */
	size_t			 h1_headlen;	/* of which the head */
	int			 h1_head;	/* a HEAD: no body in the answer */
	int64_t			 h1_t0;		/* us, monotonic: handed */
	double			 h1_total_ms;
	long			 h1_status;
	int			 h1_retried;
};
TAILQ_HEAD(http_reqs, http_req);

struct http_pool {
	TAILQ_ENTRY(http_pool)	 entry;
	struct http		*http;
	char			*name;
	int			 max;
	struct http_reqs	 queue;		/* waiting for a slot */
	struct http_reqs	 active;	/* handed to curl or the own transport */
	size_t			 nqueued;
	size_t			 ninflight;
	CURL			**spare;	/* idle easy handles, up to max */
	size_t			 nspare;
};

/* Frees a request and what it owns; its easy handle must be out of the multi. */
void		 http_req_free(struct http_req *);
/* What curl will need of req (method, body, credentials, headers), copied into r. */
void		 http_req_copy(struct http_req *, const struct http_request *);
/* Sets every option of one request on a fresh or reset easy handle. */
CURLcode	 http_req_setup(struct http_req *);
/* Whether req's method, headers, body and timeouts may go to curl. */
int		 http_request_valid(const struct http_request *);
/* curl_slist_append, fatal when out of memory. */
struct curl_slist *http_slist_add(struct curl_slist *, const char *line);
/* Finds a header's value in a raw header block; *lenp gets its length. */
const char	*http_header_find(const char *block, const char *name,
		    size_t *lenp);

/* Where an answer's parse stands (http_h1_parse.c). */
enum h1_state {
	H1_CONNECTING,
	H1_SENDING,
	H1_HEADERS,
	H1_BODY_LEN,
	H1_BODY_EOF,
	H1_CHUNK_SIZE,
	H1_CHUNK_DATA,
	H1_CHUNK_CRLF,
	H1_TRAILERS,
	H1_IDLE
};

/* One answer being parsed: what came (in, from inoff), its framing so far. */
struct h1_parse {
	struct http_req		*req;		/* gets status, headers, body */
	enum h1_state		 state;
	int			 keepalive;	/* the connection may be reused */
	int			 head;		/* no body follows the headers */
	uint64_t		 left;		/* body or chunk bytes still to come */
	struct buf		 in;
	size_t			 inoff;
	size_t			 hscan;		/* header bytes searched already */
};

/* Parses what has arrived: 1 complete, 0 more needed, -1 not HTTP. */
int		 http_h1_parse(struct h1_parse *);
/* Drops what the parse has read from in: only what it waits on stays. */
void		 http_h1_compact(struct h1_parse *);

/*
 * The own transport for plain http:// to an address (http_h1.c). done
 * moves a finished request to the engine's done list; flush then runs the
 * callbacks, as the last thing one of the transport's events does.
 */
struct http_h1;
struct http_h1	*http_h1_new(struct event_base *, void (*done)(struct http_req *,
		    int code, void *), void (*flush)(void *), void *arg);
/* Closes every connection; requests still attached are the caller's. */
void		 http_h1_free(struct http_h1 *);
/* Whether the transport takes r's URL; fills r's address, Host and target. */
int		 http_h1_url(struct http_req *);
/* Makes r's bytes from req, once (the only copy of its body and headers). */
void		 http_h1_request(struct http_req *, const struct http_request *);
/* Hands r to a connection; its ending always comes through done. */
void		 http_h1_start(struct http_h1 *, struct http_req *);
/* Gives up r's exchange without done: its connection closes. */
void		 http_h1_cancel(struct http_h1 *, struct http_req *);
/* Idle connections kept (the oldest beyond it are closed). */
void		 http_h1_set_maxidle(struct http_h1 *, size_t);
/*
 * Fuzzing and tests: an answer to r (a HEAD when head) parsed as reads of
 * step bytes would bring it, then the close. 1: complete, 0: would wait,
 * -1: not HTTP.
 */
int		 http_h1_feed(struct http_req *, int head, const char *,
		    size_t, size_t step);

#endif
