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

#include <curl/curl.h>

#include "buf.h"
#include "http.h"

#define HTTP_BODY_MAX		(64 * 1024)
#define HTTP_HEADERS_MAX	(16 * 1024)

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
};
TAILQ_HEAD(http_reqs, http_req);

struct http_pool {
	TAILQ_ENTRY(http_pool)	 entry;
	struct http		*http;
	char			*name;
	int			 max;
	struct http_reqs	 queue;		/* waiting for a slot */
	struct http_reqs	 active;	/* handed to curl */
	size_t			 nqueued;
	size_t			 ninflight;
	CURL			**spare;	/* idle easy handles, up to max */
	size_t			 nspare;
};

/* Frees a request and what it owns; its easy handle must be out of the multi. */
void		 http_req_free(struct http_req *);
/* Sets every option of one request on a fresh or reset easy handle. */
CURLcode	 http_req_setup(struct http_req *);
/* Whether req's method, headers, body and timeouts may go to curl. */
int		 http_request_valid(const struct http_request *);
/* curl_slist_append, fatal when out of memory. */
struct curl_slist *http_slist_add(struct curl_slist *, const char *line);
/* Finds a header's value in a raw header block; *lenp gets its length. */
const char	*http_header_find(const char *block, const char *name,
		    size_t *lenp);

#endif
