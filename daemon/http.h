/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* HTTP client engine: libcurl multi driven by the libevent loop, per-pool queues. */
#ifndef RELAIS_HTTP_H
#define RELAIS_HTTP_H

#include <stddef.h>

struct event_base;
struct http;
struct http_pool;

/* A request; http_submit copies everything it needs, the caller keeps nothing. */
struct http_request {
	const char	 *method;	/* "POST", "GET", ... */
	const char	 *url;
	const char	**headers;	/* "Name: value" lines */
	size_t		  nheaders;
	const char	 *body;
	size_t		  bodylen;
	const char	 *userpwd;	/* "user:password" for Basic auth, or NULL */
	const char	 *ca_file;	/* CA bundle to verify TLS with, or NULL */
	long		  connect_timeout_ms;
	long		  timeout_ms;	/* total, counted from the moment it is handed on */
};

/* Valid only during the callback. */
struct http_response {
	long		 status;	/* HTTP status, 0 when no response */
	int		 error;		/* 0, or the CURLcode of a transport error */
	const char	*errmsg;	/* curl's message when error != 0 */
	long		 retry_after_s;	/* Retry-After in seconds, -1 when absent */
	const char	*body;		/* at most 64 KiB kept, NUL-terminated */
	size_t		 bodylen;
	const char	*headers;	/* raw response header block */
	double		 total_ms;	/* time curl spent, queueing in the pool excluded */
};

/*
 * Called once per submitted request, from the loop (never from inside
 * http_submit nor from a curl callback).
 */
typedef void (*http_cb)(const struct http_response *, void *arg);

struct http	*http_new(struct event_base *);
/* Cancels everything still queued or in flight without calling callbacks. */
void		 http_free(struct http *);

/*
 * A pool is a queue with at most max_concurrency requests handed on at
 * once; the rest wait in the pool, so queueing never eats a timeout.
 */
struct http_pool *http_pool_new(struct http *, const char *name,
		    int max_concurrency);
void		 http_pool_free(struct http_pool *);
int		 http_submit(struct http_pool *, const struct http_request *,
		    http_cb, void *arg);
size_t		 http_pool_inflight(const struct http_pool *);
size_t		 http_pool_queued(const struct http_pool *);

/* Copies the value of header name (case-insensitive) from a response. */
int		 http_response_header(const struct http_response *,
		    const char *name, char *out, size_t outlen);

#endif
