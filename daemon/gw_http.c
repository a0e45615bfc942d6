/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * HTTP plumbing shared by the gateway kinds webhook, twilio and sendgrid.
 *
 * Ownership: struct gw_http owns its HTTP pool, its copy of the CA file
 * path, and every call not answered yet (the list). A call holds the
 * kind's classifier and the caller's gw_cb + arg; it is answered once,
 * always from the loop: by the HTTP engine (gw_http_done: classify, call
 * back), or, for a refusal, by its own one-shot event (gw_http_refused),
 * since gw_send() must never call back from inside. Either way the call
 * leaves the list before its callback and is freed after it; gw_http
 * itself is not touched after the callback, so the callback may free the
 * gateway. gw_http_free() frees the pool first (it cancels without calling
 * back), then every call left, their events included: no callback fires.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "config_parse.h"
#include "envelope.h"
#include "gw.h"
#include "gw_http.h"
#include "http.h"
#include "utf8.h"

struct gw_http {
	struct event_base	*base;
	struct http_pool	*pool;
	/* not answered yet; freed here when curl drops them unanswered */
	TAILQ_HEAD(, gw_http_call) calls;
	char			*ca_file;
	long			 connect_timeout_ms;
	long			 timeout_ms;
};

/* One send not answered yet: by the pool, or refused (ev set) from the loop. */
struct gw_http_call {
	struct gw_http		*h;
	gw_http_classify_fn	 classify;
	gw_cb			 cb;
	void			*arg;
	struct event		*ev;		/* a refusal's one-shot event */
	char			*reason;	/* a refusal's reason */
	TAILQ_ENTRY(gw_http_call) entry;
};

int
gw_http_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n)
{
	if (g->url == NULL)
		return 0;
	if (strncmp(g->url, "http://", 7) != 0 &&
	    strncmp(g->url, "https://", 8) != 0) {
		config_err(c, ynode_get(n, "url"),
		    "gateway url must start with http:// or https://");
		return -1;
	}
	if (strncmp(g->url, "http://", 7) == 0)
		gw_kind_clear(c, g, name);
	return 0;
}

struct gw_http *
gw_http_new(struct gw *g, const struct config_gateway *cg)
{
	struct gw_http	*h;

	h = xcalloc(1, sizeof *h);
	TAILQ_INIT(&h->calls);
	h->base = g->base;
	if (cg->ca_file != NULL)
		h->ca_file = xstrdup(cg->ca_file);
	h->connect_timeout_ms = cg->connect_timeout_ms;
	h->timeout_ms = cg->timeout_ms;
	if ((h->pool = http_pool_new(g->http, g->name,
	    (int)cg->max_concurrency)) == NULL) {
		free(h->ca_file);
		free(h);
		return NULL;
	}
	return h;
}

static void
gw_http_call_free(struct gw_http_call *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	free(c->reason);
	free(c);
}

void
gw_http_free(struct gw_http *h)
{
	struct gw_http_call	*c;

	if (h == NULL)
		return;
	http_pool_free(h->pool);	/* cancels without calling back */
	while ((c = TAILQ_FIRST(&h->calls)) != NULL) {
		TAILQ_REMOVE(&h->calls, c, entry);
		gw_http_call_free(c);
	}
	free(h->ca_file);
	free(h);
}

static struct gw_http_call *
gw_http_call_new(struct gw_http *h, gw_cb cb, void *arg)
{
	struct gw_http_call	*c;

	c = xcalloc(1, sizeof *c);
	c->h = h;
	c->cb = cb;
	c->arg = arg;
	return c;
}

static void
gw_http_done(const struct http_response *resp, void *arg)
{
	struct gw_http_call	*c = arg;
	struct gw_result	 res;

	TAILQ_REMOVE(&c->h->calls, c, entry);
	memset(&res, 0, sizeof res);
	c->classify(resp, &res);
	c->cb(&res, c->arg);
	gw_http_call_free(c);
}

int
gw_http_send(struct gw_http *h, struct http_request *req,
    gw_http_classify_fn classify, gw_cb cb, void *arg)
{
	struct gw_http_call	*c;

	req->ca_file = h->ca_file;
	req->connect_timeout_ms = h->connect_timeout_ms;
	req->timeout_ms = h->timeout_ms;
	c = gw_http_call_new(h, cb, arg);
	c->classify = classify;
	if (http_submit(h->pool, req, gw_http_done, c) == -1) {
		gw_http_call_free(c);
		return -1;
	}
	TAILQ_INSERT_TAIL(&h->calls, c, entry);
	return 0;
}

int
gw_http_post(struct gw_http *h, const char *url, const char **headers,
    size_t nheaders, const struct buf *body, const char *userpwd,
    gw_http_classify_fn classify, gw_cb cb, void *arg)
{
	struct http_request	req;

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = body->data;
	req.bodylen = body->len;
	req.userpwd = userpwd;
	return gw_http_send(h, &req, classify, cb, arg);
}

int
gw_http_transport(const struct http_response *resp, struct gw_result *res)
{
	if (resp->error == 0)
		return 0;
	res->status = GW_RETRY;
	snprintf(res->reason, sizeof res->reason, "transport: %s",
	    resp->errmsg != NULL && *resp->errmsg != '\0' ? resp->errmsg :
	    "error");
	return 1;
}

/* A refusal's answer, from the loop as gw_send() promises. */
static void
gw_http_refused(evutil_socket_t fd, short what, void *arg)
{
	struct gw_http_call	*c = arg;
	struct gw_result	 res;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&c->h->calls, c, entry);
	memset(&res, 0, sizeof res);
	res.status = GW_PERMANENT;
	res.retry_after_s = -1;
	res.local = 1;
	snprintf(res.reason, sizeof res.reason, "%s", c->reason);
	c->cb(&res, c->arg);
	gw_http_call_free(c);
}

int
gw_http_refuse(struct gw_http *h, const char *reason, gw_cb cb, void *arg)
{
	struct gw_http_call	*c;

	c = gw_http_call_new(h, cb, arg);
	c->reason = xstrdup(reason);
	if ((c->ev = event_new(h->base, -1, 0, gw_http_refused, c)) == NULL) {
		gw_http_call_free(c);
		return -1;
	}
	TAILQ_INSERT_TAIL(&h->calls, c, entry);
	event_active(c->ev, EV_TIMEOUT, 0);
	return 0;
}

void
gw_http_excerpt(const char *body, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + 1 < outlen && o < 160; i++) {
		unsigned char c = (unsigned char)body[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
	/* 160 bytes may cut a character; gw.c masks what it quotes */
	utf8_scrub(out);
}

char *
gw_http_url(const char *base, const char *fallback, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;
	size_t		len;

	if (base == NULL || *base == '\0')
		base = fallback;
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	buf_init(&b);
	buf_append(&b, base, len);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_steal(&b, NULL);
}
