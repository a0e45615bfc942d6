/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "sendgrid": email through SendGrid's v3 Mail Send, a JSON
 * POST to {url}/v3/mail/send with a Bearer API key; 202 means queued, and
 * the X-Message-Id response header is kept as the provider id.
 *
 * Ownership: the gateway owns its gw_http (the pool and every call not
 * answered yet), the URL and the Authorization header; a call is answered
 * from the loop by gw_http, with the response or as a refusal.
 * gw_sendgrid_free() frees the calls left without calling back.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "config_parse.h"
#include "gw.h"
#include "gw_http.h"
#include "gw_sendgrid.h"
#include "http.h"
#include "jsonw.h"

struct gw_sendgrid {
	struct gw_http		*http;
	char			*url;		/* {base}/v3/mail/send */
	char			*auth;		/* "Authorization: Bearer ..." */
};

#define S(f)	offsetof(struct gw_sendgrid_conf, f)
static const struct config_opt gw_sendgrid_opts[] = {
	{ "api_key_env", CONFIG_ENV, S(api_key), 0, 0, NULL },
	{ "api_key_file", CONFIG_FILE, S(api_key), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef S

static int
gw_sendgrid_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	const struct gw_sendgrid_conf	*sc = g->conf;
	int				 rc;

	(void)failed;
	rc = gw_kind_secret(c, g, name, sc->api_key, "api_key");
	return gw_http_check(c, g, name, n) == -1 ? -1 : rc;
}

static void
gw_sendgrid_release(struct gw_sendgrid *s)
{
	free(s->auth);
	free(s->url);
	free(s);
}

static int
gw_sendgrid_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_sendgrid_conf	*sc = cg->conf;
	struct gw_sendgrid		*s;
	struct buf			 b;

	if (sc->api_key == NULL || *sc->api_key == '\0') {
		snprintf(err, errlen, "no API key (api_key_env or api_key_file)");
		return -1;
	}
	s = xcalloc(1, sizeof *s);
	s->url = gw_http_url(cg->url, GW_SENDGRID_URL, "/v3/mail/send");
	buf_init(&b);
	buf_printf(&b, "Authorization: Bearer %s", sc->api_key);
	s->auth = buf_steal(&b, NULL);
	if ((s->http = gw_http_new(g, cg)) == NULL) {
		snprintf(err, errlen, "cannot create its HTTP pool");
		gw_sendgrid_release(s);
		return -1;
	}
	g->priv = s;
	return 0;
}

static void
gw_sendgrid_free(struct gw *g)
{
	struct gw_sendgrid	*s = g->priv;

	gw_http_free(s->http);
	gw_sendgrid_release(s);
	g->priv = NULL;
}

/* {"email": email, "name": name}, name only when there is one. */
static int
gw_sendgrid_address(struct jsonw *w, const char *key, const char *email,
    const char *name)
{
	jsonw_key(w, key);
	jsonw_open(w, '{');
	if (jsonw_kv(w, "email", email) == -1 ||
	    (name != NULL && *name != '\0' && jsonw_kv(w, "name", name) == -1))
		return -1;
	jsonw_close(w, '}');
	return 0;
}

/*
 * Only identifiers, never a name or an address: SendGrid keeps custom_args
 * long-term with the activity data and does not treat them as personal.
 */
static int
gw_sendgrid_custom_args(struct jsonw *w, const struct gw_msg *m)
{
	jsonw_key(w, "custom_args");
	jsonw_open(w, '{');
	if (jsonw_kv(w, "event_id", m->event_id) == -1 ||
	    jsonw_kv(w, "delivery_key", m->key) == -1 ||
	    jsonw_kv(w, "territory", m->territory) == -1 ||
	    jsonw_kv(w, "role", m->role) == -1 ||
	    jsonw_kv(w, "template", m->template) == -1)
		return -1;
	jsonw_close(w, '}');
	return 0;
}

/* List-Unsubscribe (and -Post when one click may be offered). */
static int
gw_sendgrid_headers(struct jsonw *w, const struct gw_msg *m, int unsub)
{
	char	 v[GW_UNSUBSCRIBE_MAX + 3];

	snprintf(v, sizeof v, "<%s>", m->unsubscribe_url);
	jsonw_key(w, "headers");
	jsonw_open(w, '{');
	if (jsonw_kv(w, "List-Unsubscribe", v) == -1 ||
	    (unsub == 2 && jsonw_kv(w, "List-Unsubscribe-Post",
	    GW_ONE_CLICK) == -1))
		return -1;
	jsonw_close(w, '}');
	return 0;
}

/*
 * One personalization with one recipient. custom_args sit here rather than
 * at the top level: the OpenAPI description types the top-level field as a
 * string (the API wants an object), the personalization one as an object,
 * and with a single personalization both mean the same. So do the headers,
 * put here with the recipient their unsubscribe link is for.
 */
static int
gw_sendgrid_personalization(struct jsonw *w, const struct gw_msg *m,
    int unsub)
{
	jsonw_key(w, "personalizations");
	jsonw_open(w, '[');
	jsonw_open(w, '{');
	jsonw_key(w, "to");
	jsonw_open(w, '[');
	jsonw_open(w, '{');
	if (jsonw_kv(w, "email", m->to) == -1)
		return -1;
	jsonw_close(w, '}');
	jsonw_close(w, ']');
	if ((unsub > 0 && gw_sendgrid_headers(w, m, unsub) == -1) ||
	    gw_sendgrid_custom_args(w, m) == -1)
		return -1;
	jsonw_close(w, '}');
	jsonw_close(w, ']');
	return 0;
}

/* The text/plain part first: SendGrid rejects a request where it is not. */
static int
gw_sendgrid_content(struct jsonw *w, const struct gw_msg *m, int has_text,
    int has_html)
{
	jsonw_key(w, "content");
	jsonw_open(w, '[');
	if (has_text) {
		jsonw_open(w, '{');
		jsonw_kv(w, "type", "text/plain");
		if (jsonw_kv(w, "value", m->text) == -1)
			return -1;
		jsonw_close(w, '}');
	}
	if (has_html) {
		jsonw_open(w, '{');
		jsonw_kv(w, "type", "text/html");
		if (jsonw_kv(w, "value", m->html) == -1)
			return -1;
		jsonw_close(w, '}');
	}
	jsonw_close(w, ']');
	return 0;
}

/* What makes a request SendGrid would refuse, or NULL. */
static const char *
gw_sendgrid_missing(const struct gw_msg *m, int has_text, int has_html)
{
	if (m->to == NULL || *m->to == '\0')
		return "no recipient address";
	if (m->from == NULL || *m->from == '\0')
		return "no sender address";
	/* the schema requires a subject and content values of length >= 1 */
	if (m->subject == NULL || *m->subject == '\0')
		return "no subject";
	if (!has_text && !has_html)
		return "no content";
	return NULL;
}

/*
 * Written straight into out (no JSON tree: this runs for every email);
 * UTF-8 as it is, so that accents stay readable in the request.
 */
int
gw_sendgrid_body(const struct gw_msg *m, struct buf *out, char *err,
    size_t errlen)
{
	struct jsonw	 w;
	const char	*why;
	size_t		 mark = out->len, n;
	int		 has_text, has_html, unsub;

	has_text = m->text != NULL && *m->text != '\0';
	has_html = m->html != NULL && *m->html != '\0';
	if ((why = gw_sendgrid_missing(m, has_text, has_html)) != NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if ((unsub = gw_unsubscribe(m)) == -1) {
		snprintf(err, errlen, "unsubscribe URL unusable in a header");
		return -1;
	}
	/*
	 * Room for the parts as jsonw_escape asks for each (an eighth more for
	 * escapes) and the fields around them: no regrowth on the way.
	 */
	n = (has_text ? strlen(m->text) : 0) + (has_html ? strlen(m->html) : 0);
	buf_reserve(out, n + n / 8 + 1024);
	jsonw_init(&w, out);
	jsonw_open(&w, '{');
	if (gw_sendgrid_personalization(&w, m, unsub) == -1 ||
	    gw_sendgrid_address(&w, "from", m->from, m->from_name) == -1 ||
	    (m->reply_to != NULL && *m->reply_to != '\0' &&
	    gw_sendgrid_address(&w, "reply_to", m->reply_to, NULL) == -1) ||
	    jsonw_kv(&w, "subject", m->subject) == -1 ||
	    gw_sendgrid_content(&w, m, has_text, has_html) == -1) {
		/* the only way to fail: bytes that are not UTF-8 */
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
		snprintf(err, errlen, "a field is not valid UTF-8");
		return -1;
	}
	jsonw_close(&w, '}');
	if (errlen > 0)
		err[0] = '\0';
	return 0;
}

/* SendGrid's errors[0] as "message (field f)", single-line; 0 if none. */
static int
gw_sendgrid_error(const struct http_response *resp, char *out, size_t outlen)
{
	json_t		*j, *e, *msg, *field;
	size_t		 n, i;
	int		 rc = 0;

	if (resp->bodylen == 0 ||
	    (j = json_loadb(resp->body, resp->bodylen, 0, NULL)) == NULL)
		return 0;
	e = json_array_get(json_object_get(j, "errors"), 0);
	msg = json_object_get(e, "message");
	field = json_object_get(e, "field");
	if (json_is_string(msg)) {
		n = json_array_size(json_object_get(j, "errors"));
		snprintf(out, outlen, "%s%s%s%s", json_string_value(msg),
		    json_is_string(field) ? " (field " : "",
		    json_is_string(field) ? json_string_value(field) : "",
		    json_is_string(field) ? ")" : "");
		if (n > 1) {
			i = strlen(out);
			snprintf(out + i, outlen - i, " (+%zu more)", n - 1);
		}
		for (i = 0; out[i] != '\0'; i++) {
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				out[i] = ' ';
		}
		rc = 1;
	}
	json_decref(j);
	return rc;
}

/*
 * After a 429 SendGrid blocks the endpoint until X-RateLimit-Reset, an
 * epoch second on SendGrid's (real) clock: compared with time(), not with
 * the daemon's test-shiftable clock. -1 when absent or not a number.
 */
static long
gw_sendgrid_reset_after(const struct http_response *resp)
{
	char		 v[32], *end;
	long long	 reset, now;

	if (http_response_header(resp, "X-RateLimit-Reset", v, sizeof v) == -1)
		return -1;
	errno = 0;
	reset = strtoll(v, &end, 10);
	if (errno != 0 || end == v || (*end != '\0' && *end != ' '))
		return -1;
	now = (long long)time(NULL);
	if (reset <= now)
		return 0;
	/* the pipeline clamps to retry_after_max_ms; only keep it in a long */
	return reset - now > 86400 * 30 ? 86400 * 30 : (long)(reset - now);
}

void
gw_sendgrid_classify(const struct http_response *resp, struct gw_result *res)
{
	char	detail[200];

	res->retry_after_s = -1;
	res->ms = resp->total_ms;
	res->reason[0] = '\0';
	res->provider_id[0] = '\0';
	if (gw_http_transport(resp, res))
		return;
	if (resp->status >= 200 && resp->status < 300) {
		/* 202: queued by SendGrid, not delivered yet */
		res->status = GW_SENT;
		if (http_response_header(resp, "X-Message-Id", res->provider_id,
		    sizeof res->provider_id) == -1)
			res->provider_id[0] = '\0';
		return;
	}
	if (!gw_sendgrid_error(resp, detail, sizeof detail))
		gw_http_excerpt(resp->body, resp->bodylen, detail,
		    sizeof detail);
	snprintf(res->reason, sizeof res->reason, "HTTP %ld: %s", resp->status,
	    detail);
	if (resp->status == 429) {
		res->status = GW_WAIT;
		res->retry_after_s = resp->retry_after_s >= 0 ?
		    resp->retry_after_s : gw_sendgrid_reset_after(resp);
	} else if (resp->status == 408 || resp->status >= 500)
		res->status = GW_RETRY;
	else
		res->status = GW_PERMANENT;	/* 400 401 403 406 413 451 ... */
}

static int
gw_sendgrid_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_sendgrid	*s = g->priv;
	struct buf		 body, idem;
	const char		*headers[5];
	char			 why[128], reason[200];
	int			 rc;

	if (m->channel == NULL || strcmp(m->channel, "email") != 0)
		return gw_http_refuse(s->http, "sendgrid sends email only", cb,
		    arg);
	buf_init(&body);
	if (gw_sendgrid_body(m, &body, why, sizeof why) == -1) {
		buf_free(&body);
		snprintf(reason, sizeof reason, "sendgrid: cannot build the "
		    "request: %s", why);
		return gw_http_refuse(s->http, reason, cb, arg);
	}
	/*
	 * SendGrid documents no request idempotency key for Mail Send: the
	 * header is harmless and ready for the day it does, but a send that
	 * timed out may still have been accepted and go out twice.
	 */
	buf_init(&idem);
	buf_puts(&idem, "Idempotency-Key: ");
	buf_puts(&idem, m->key != NULL ? m->key : "");
	headers[0] = "Content-Type: application/json";
	headers[1] = "Accept: application/json";	/* 406 without it */
	headers[2] = "User-Agent: relais/" RELAIS_VERSION;
	headers[3] = idem.data;
	headers[4] = s->auth;
	rc = gw_http_post(s->http, s->url, headers, 5, &body,
	    NULL, gw_sendgrid_classify, cb, arg);
	buf_free(&body);
	buf_free(&idem);
	return rc;
}

const struct gw_kind gw_sendgrid_kind = {
	.name = "sendgrid",
	.keys = GW_KEY_URL | GW_KEY_CA_FILE,
	.opts = gw_sendgrid_opts,
	.conf_size = sizeof(struct gw_sendgrid_conf),
	.check = gw_sendgrid_check,
	.init = gw_sendgrid_init,
	.send = gw_sendgrid_send,
	.free = gw_sendgrid_free,
	.gated = 1,
};
