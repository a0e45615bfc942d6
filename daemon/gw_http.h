/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The HTTP plumbing shared by the gateway kinds that talk to a provider
 * over HTTP (webhook, twilio, sendgrid): one pool per gateway, the calls
 * not answered yet, and refusals answered from the loop.
 *
 * Ownership: a struct gw_http owns its pool and every call not answered
 * yet. Each gw_http_send() or gw_http_refuse() that returned 0 calls its
 * gw_cb exactly once, from the loop, unless gw_http_free() comes first:
 * that frees everything left without calling back.
 */
#ifndef RELAIS_GW_HTTP_H
#define RELAIS_GW_HTTP_H

#include <stddef.h>

#include "gw.h"

struct buf;
struct config_ctx;
struct config_gateway;
struct gw_http;
struct http_request;
struct http_response;
struct ynode;

/* Sorts a response into a result; res is zeroed before the call. */
typedef void (*gw_http_classify_fn)(const struct http_response *,
    struct gw_result *);

/*
 * What every HTTP kind checks of its configuration, after its own keys: a
 * url (when set) that is http:// or https://, and a warning when an http://
 * one would carry credentials in clear (gw_kind_clear). -1 on an error.
 */
int		 gw_http_check(struct config_ctx *, const struct config_gateway *,
		    const struct ynode *name, const struct ynode *n);
/* A pool of max_concurrency for gateway g, with cg's timeouts and ca_file. */
struct gw_http	*gw_http_new(struct gw *g, const struct config_gateway *cg);
/* Cancels the pool and frees the calls left, without calling back. */
void		 gw_http_free(struct gw_http *);
/*
 * Submits req (url, headers, body and auth set by the kind; the timeouts
 * and ca_file are filled in here), answered by classify then cb. -1 when it
 * could not be queued: cb will not be called.
 */
int		 gw_http_send(struct gw_http *, struct http_request *req,
		    gw_http_classify_fn classify, gw_cb cb, void *arg);
/* gw_http_send() of a POST of body to url (userpwd: Basic auth, or NULL). */
int		 gw_http_post(struct gw_http *, const char *url,
		    const char **headers, size_t nheaders,
		    const struct buf *body, const char *userpwd,
		    gw_http_classify_fn classify, gw_cb cb, void *arg);
/*
 * A transport error (no HTTP answer: the message may or may not have been
 * taken) is a retry with curl's words: 1 when resp is one, 0 when it has
 * an HTTP status for the kind to sort.
 */
int		 gw_http_transport(const struct http_response *,
		    struct gw_result *);
/* Answers GW_PERMANENT with reason, from the loop (never from inside). */
int		 gw_http_refuse(struct gw_http *, const char *reason, gw_cb cb,
		    void *arg);
/* A single-line excerpt of a body, control bytes as spaces, <= 160 bytes. */
void		 gw_http_excerpt(const char *body, size_t len, char *out,
		    size_t outlen);

/*
 * The URL of an endpoint: the configured base (or fallback when none is
 * set), trailing slashes dropped, then the path (printf-style). Owned by the
 * caller.
 */
char		*gw_http_url(const char *base, const char *fallback,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
