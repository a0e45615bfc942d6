/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Gateway kind "webhook": the message record as a JSON POST, with Idempotency-Key. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "config_parse.h"
#include "gw.h"
#include "gw_http.h"
#include "gw_webhook.h"
#include "http.h"

struct gw_webhook {
	struct gw_http		*http;
	char			*url;
	char			*auth;		/* "Authorization: Bearer ..." */
};

#define W(f)	offsetof(struct gw_webhook_conf, f)
static const struct config_opt gw_webhook_opts[] = {
	{ "token_env", CONFIG_ENV, W(token), 0, 0, NULL },
	{ "token_file", CONFIG_FILE, W(token), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef W

/* A webhook needs its url; the token is optional. */
static int
gw_webhook_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	int	rc = 0;

	(void)failed;
	if (g->url == NULL)
		rc = gw_kind_needs(c, g, name, "\"url\"");
	return gw_http_check(c, g, name, n) == -1 ? -1 : rc;
}

static void
gw_webhook_release(struct gw_webhook *w)
{
	free(w->url);
	free(w->auth);
	free(w);
}

static int
gw_webhook_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_webhook_conf	*wc = cg->conf;
	struct gw_webhook		*w;
	struct buf			 b;

	w = xcalloc(1, sizeof *w);
	w->url = xstrdup(cg->url);
	if (wc->token != NULL) {
		buf_init(&b);
		buf_printf(&b, "Authorization: Bearer %s", wc->token);
		w->auth = buf_steal(&b, NULL);
	}
	if ((w->http = gw_http_new(g, cg)) == NULL) {
		snprintf(err, errlen, "cannot create its HTTP pool");
		gw_webhook_release(w);
		return -1;
	}
	g->priv = w;
	return 0;
}

static void
gw_webhook_free(struct gw *g)
{
	struct gw_webhook	*w = g->priv;

	gw_http_free(w->http);
	gw_webhook_release(w);
	g->priv = NULL;
}

/* Sorts a response into sent / retry / wait / permanent, as DESIGN.md says. */
static void
gw_webhook_classify(const struct http_response *resp, struct gw_result *res)
{
	char	excerpt[200];
	json_t	*j;

	res->retry_after_s = resp->retry_after_s;
	res->ms = resp->total_ms;
	if (gw_http_transport(resp, res))
		return;
	if (resp->status >= 200 && resp->status < 300) {
		res->status = GW_SENT;
		if (http_response_header(resp, "X-Message-Id", res->provider_id,
		    sizeof res->provider_id) == 0)
			return;
		res->provider_id[0] = '\0';	/* none, or one cut short */
		if ((j = json_loadb(resp->body, resp->bodylen, 0, NULL)) != NULL) {
			json_t *id = json_object_get(j, "id");

			if (json_is_string(id))
				snprintf(res->provider_id, sizeof res->provider_id,
				    "%s", json_string_value(id));
			json_decref(j);
		}
		return;
	}
	gw_http_excerpt(resp->body, resp->bodylen, excerpt, sizeof excerpt);
	snprintf(res->reason, sizeof res->reason, "HTTP %ld: %s", resp->status,
	    excerpt);
	if (resp->status == 429)
		res->status = GW_WAIT;
	else if (resp->status == 408 || resp->status >= 500)
		res->status = GW_RETRY;
	else
		res->status = GW_PERMANENT;
}

static int
gw_webhook_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_webhook	*w = g->priv;
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
	rc = gw_http_post(w->http, w->url, headers, nh, &body,
	    NULL, gw_webhook_classify, cb, arg);
	buf_free(&body);
	buf_free(&idem);
	return rc;
}

const struct gw_kind gw_webhook_kind = {
	.name = "webhook",
	.keys = GW_KEY_URL | GW_KEY_CA_FILE,
	.opts = gw_webhook_opts,
	.conf_size = sizeof(struct gw_webhook_conf),
	.check = gw_webhook_check,
	.init = gw_webhook_init,
	.send = gw_webhook_send,
	.free = gw_webhook_free,
	.gated = 1,
};
