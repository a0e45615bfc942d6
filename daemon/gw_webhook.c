/* Gateway kind "webhook": the message record as a JSON POST, with Idempotency-Key. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "gw.h"
#include "http.h"

struct gw_webhook {
	struct http_pool	*pool;
	/* in flight; freed with the gateway when curl drops them unanswered */
	TAILQ_HEAD(, gw_webhook_call) calls;
	char			*url;
	char			*auth;		/* "Authorization: Bearer ..." */
	long			 connect_timeout_ms;
	long			 timeout_ms;
};

/* One send in flight: the callback to call when the response comes. */
struct gw_webhook_call {
	struct gw_webhook		*w;
	gw_cb				 cb;
	void				*arg;
	TAILQ_ENTRY(gw_webhook_call)	 entry;
};

static int
gw_webhook_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	struct gw_webhook	*w;
	struct buf		 b;

	(void)err;
	(void)errlen;
	w = xcalloc(1, sizeof *w);
	w->url = xstrdup(cg->url);
	w->connect_timeout_ms = cg->connect_timeout_ms;
	w->timeout_ms = cg->timeout_ms;
	if (cg->token != NULL) {
		buf_init(&b);
		buf_printf(&b, "Authorization: Bearer %s", cg->token);
		w->auth = buf_steal(&b, NULL);
	}
	w->pool = http_pool_new(g->http, g->name, (int)cg->max_concurrency);
	TAILQ_INIT(&w->calls);
	g->priv = w;
	return 0;
}

static void
gw_webhook_free(struct gw *g)
{
	struct gw_webhook	*w = g->priv;
	struct gw_webhook_call	*c;

	http_pool_free(w->pool);	/* cancels without calling back */
	while ((c = TAILQ_FIRST(&w->calls)) != NULL) {
		TAILQ_REMOVE(&w->calls, c, entry);
		free(c);
	}
	free(w->url);
	free(w->auth);
	free(w);
	g->priv = NULL;
}

/* Copies a short, single-line excerpt of a response body into a reason. */
static void
gw_webhook_excerpt(const char *body, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;

	for (i = 0; i < len && o + 1 < outlen && o < 160; i++) {
		unsigned char c = (unsigned char)body[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
}

/* Sorts a response into sent / retry / wait / permanent, as DESIGN.md says. */
static void
gw_webhook_classify(const struct http_response *resp, struct gw_result *res)
{
	char	excerpt[200];
	json_t	*j;

	res->retry_after_s = resp->retry_after_s;
	res->ms = resp->total_ms;
	if (resp->error != 0) {
		res->status = GW_RETRY;
		snprintf(res->reason, sizeof res->reason, "transport: %s",
		    resp->errmsg != NULL ? resp->errmsg : "error");
		return;
	}
	if (resp->status >= 200 && resp->status < 300) {
		res->status = GW_SENT;
		if (http_response_header(resp, "X-Message-Id", res->provider_id,
		    sizeof res->provider_id) == 0)
			return;
		if ((j = json_loadb(resp->body, resp->bodylen, 0, NULL)) != NULL) {
			json_t *id = json_object_get(j, "id");

			if (json_is_string(id))
				snprintf(res->provider_id, sizeof res->provider_id,
				    "%s", json_string_value(id));
			json_decref(j);
		}
		return;
	}
	gw_webhook_excerpt(resp->body, resp->bodylen, excerpt, sizeof excerpt);
	snprintf(res->reason, sizeof res->reason, "HTTP %ld: %s", resp->status,
	    excerpt);
	if (resp->status == 429)
		res->status = GW_WAIT;
	else if (resp->status == 408 || resp->status >= 500)
		res->status = GW_RETRY;
	else
		res->status = GW_PERMANENT;
}

static void
gw_webhook_done(const struct http_response *resp, void *arg)
{
	struct gw_webhook_call	*call = arg;
	struct gw_result	 res;

	TAILQ_REMOVE(&call->w->calls, call, entry);
	memset(&res, 0, sizeof res);
	gw_webhook_classify(resp, &res);
	call->cb(&res, call->arg);
	free(call);
}

static int
gw_webhook_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_webhook	*w = g->priv;
	struct gw_webhook_call	*call;
	struct http_request	 req;
	struct buf		 body, idem;
	const char		*headers[5];
	size_t			 nh = 0;
	int			 rc;

	buf_init(&body);
	buf_init(&idem);
	gw_record(m, &body);
	buf_printf(&idem, "Idempotency-Key: %s", m->key);
	headers[nh++] = "Content-Type: application/json";
	headers[nh++] = "Accept: application/json";
	headers[nh++] = "User-Agent: relais/" RELAIS_VERSION;
	headers[nh++] = idem.data;
	if (w->auth != NULL)
		headers[nh++] = w->auth;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = w->url;
	req.headers = headers;
	req.nheaders = nh;
	req.body = body.data;
	req.bodylen = body.len;
	req.connect_timeout_ms = w->connect_timeout_ms;
	req.timeout_ms = w->timeout_ms;
	call = xmalloc(sizeof *call);
	call->w = w;
	call->cb = cb;
	call->arg = arg;
	rc = http_submit(w->pool, &req, gw_webhook_done, call);
	if (rc == -1)
		free(call);
	else
		TAILQ_INSERT_TAIL(&w->calls, call, entry);
	buf_free(&body);
	buf_free(&idem);
	return rc;
}

const struct gw_kind gw_webhook_kind = {
	.name = "webhook",
	.init = gw_webhook_init,
	.send = gw_webhook_send,
	.free = gw_webhook_free,
};
