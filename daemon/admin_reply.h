/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * How the admin port's handlers (admin.c and its endpoints) answer a
 * request, and what they read of it. No state of the port: the endpoints
 * call it, it calls none of them.
 */
#ifndef RELAIS_ADMIN_REPLY_H
#define RELAIS_ADMIN_REPLY_H

#include <stddef.h>

struct evhttp_request;

/*
 * Whether a Content-Type header names media type want ("application/json"),
 * parameters (charset) allowed after it; case does not matter.
 */
int		 admin_content_type_is(const char *ctype, const char *want);
/*
 * Sends a reply (len bytes of body, Cache-Control: no-store); a HEAD gets
 * the length and no body, which evhttp 2.1 would get wrong.
 */
void		 admin_reply(struct evhttp_request *, int code,
		    const char *reason, const char *ctype, const char *body,
		    size_t len);
/* admin_reply() of a text/plain body. */
void		 admin_reply_text(struct evhttp_request *, int code,
		    const char *reason, const char *body);
/* 405 with the methods the path takes ("GET, HEAD") in Allow. */
void		 admin_reply_not_allowed(struct evhttp_request *,
		    const char *allow);
/* The client's address, for the logs of refused requests; "-" unknown. */
const char	*admin_peer(struct evhttp_request *);

#endif
