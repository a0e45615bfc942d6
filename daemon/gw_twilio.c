/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "twilio": SMS through Twilio Programmable Messaging, one
 * form-encoded POST to /2010-04-01/Accounts/{AccountSid}/Messages.json per
 * message, HTTP Basic AccountSid:AuthToken, the Message `sid` kept as the
 * provider id.
 *
 * Ownership: struct gw_twilio owns its gw_http (the pool and every call
 * not answered yet), the request URL and credentials. A call is answered
 * once, from the loop, by gw_http: with the response, or as a refusal when
 * the message cannot go through Twilio (not SMS, no sender).
 * gw_twilio_free() frees the calls left without calling back.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "config_parse.h"
#include "envelope.h"
#include "gw.h"
#include "gw_http.h"
#include "gw_twilio.h"
#include "http.h"
#include "log.h"
#include "utf8.h"

#define GW_TWILIO_BASE		"https://api.twilio.com"
#define GW_TWILIO_OPTED_OUT	21610	/* the recipient replied STOP */

struct gw_twilio {
	struct gw_http		*http;
	char			*url;		/* the Messages.json endpoint */
	char			*userpwd;	/* "AccountSid:AuthToken" */
	char			*messaging_service_sid;
	char			*status_callback;
};

void
gw_twilio_urlencode(struct buf *out, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const char		*run = s;
	char			 esc[3];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		/* by value, not isalnum(): the locale must not change it */
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			continue;
		buf_append(out, run, (size_t)(s - run));
		run = s + 1;
		if (c == ' ') {
			buf_putc(out, '+');
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xf];
		buf_append(out, esc, 3);
	}
	buf_append(out, run, (size_t)(s - run));
}

static void
gw_twilio_field(struct buf *out, const char *name, const char *value)
{
	if (value == NULL)
		return;
	if (out->len > 0)
		buf_putc(out, '&');
	gw_twilio_urlencode(out, name);
	buf_putc(out, '=');
	gw_twilio_urlencode(out, value);
}

/* Field names as in the CreateMessageRequest schema of Twilio's OpenAPI. */
void
gw_twilio_form(const struct gw_msg *m, const char *messaging_service_sid,
    const char *status_callback, struct buf *out)
{
	gw_twilio_field(out, "To", m->to);
	/* a Messaging Service picks the sender from its pool */
	if (messaging_service_sid != NULL)
		gw_twilio_field(out, "MessagingServiceSid",
		    messaging_service_sid);
	else
		gw_twilio_field(out, "From", m->from);
	gw_twilio_field(out, "Body", m->text);
	gw_twilio_field(out, "StatusCallback", status_callback);
}

/*
 * Copies Twilio's error message into a reason: one line, and the phone
 * numbers it quotes ("The 'To' number +1... is not valid") masked, since
 * reasons are logged.
 */
static void
gw_twilio_clean(const char *in, size_t inlen, char *out, size_t outlen)
{
	char	num[24], masked[32];
	size_t	i = 0, o = 0, n, k;
	int	keep;

	while (i < inlen && in[i] != '\0' && o + 1 < outlen) {
		unsigned char c = (unsigned char)in[i];

		n = 0;
		if (c == '+')
			while (i + 1 + n < inlen &&
			    isdigit((unsigned char)in[i + 1 + n]))
				n++;
		if (n >= 7) {
			keep = n < 20 ? (int)n : 20;
			snprintf(num, sizeof num, "+%.*s", keep,
			    in + i + n + 1 - keep);
			log_mask(num, masked, sizeof masked);
			for (k = 0; masked[k] != '\0' && o + 1 < outlen; k++)
				out[o++] = masked[k];
			i += n + 1;
			continue;
		}
		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
		i++;
	}
	out[o] = '\0';
	/* outlen may have cut a character: a reason is stored as JSON */
	utf8_scrub(out);
}

/* The Twilio error of a response body: {code, message, more_info, status}. */
static long
gw_twilio_error(const char *body, size_t len, char *msg, size_t msglen)
{
	json_t		*j, *code, *message;
	long		 rc = 0;

	msg[0] = '\0';
	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		return 0;
	code = json_object_get(j, "code");
	message = json_object_get(j, "message");
	if (json_is_integer(code))
		rc = (long)json_integer_value(code);
	if (json_is_string(message))
		gw_twilio_clean(json_string_value(message),
		    json_string_length(message), msg, msglen);
	json_decref(j);
	return rc;
}

static void
gw_twilio_sent(const struct http_response *resp, struct gw_result *res)
{
	json_t	*j, *sid;

	res->status = GW_SENT;
	if ((j = json_loadb(resp->body, resp->bodylen, 0, NULL)) == NULL)
		return;
	sid = json_object_get(j, "sid");
	if (json_is_string(sid))
		snprintf(res->provider_id, sizeof res->provider_id, "%s",
		    json_string_value(sid));
	json_decref(j);
}

/*
 * 2xx sent; 429 (Twilio error 20429: "never processed, always safe to
 * retry") a wait; 408, 5xx and transport errors a retry; any other answer
 * permanent, with Twilio's error code in the reason.
 */
void
gw_twilio_classify(const struct http_response *resp, struct gw_result *res)
{
	char	msg[161];	/* an excerpt: 160 bytes at most */
	long	code;

	res->retry_after_s = resp->retry_after_s;
	res->ms = resp->total_ms;
	res->reason[0] = '\0';
	res->provider_id[0] = '\0';
	/*
	 * A timeout may come after Twilio accepted the message, and it
	 * documents no request idempotency key: a retry may send twice.
	 */
	if (gw_http_transport(resp, res))
		return;
	if (resp->status >= 200 && resp->status < 300) {
		gw_twilio_sent(resp, res);
		return;
	}
	code = gw_twilio_error(resp->body, resp->bodylen, msg, sizeof msg);
	if (code == GW_TWILIO_OPTED_OUT) {
		/*
		 * Twilio blocks this sender -> recipient pair until the person
		 * texts START: the pipeline puts the number on the suppression
		 * list, so no later message is even attempted.
		 */
		res->status = GW_PERMANENT;
		res->optout = 1;
		snprintf(res->reason, sizeof res->reason,
		    "opted out (%ld): %s (HTTP %ld)", code, msg, resp->status);
		return;
	}
	if (code != 0)
		snprintf(res->reason, sizeof res->reason, "twilio %ld: %s "
		    "(HTTP %ld)", code, msg, resp->status);
	else {
		gw_twilio_clean(resp->body, resp->bodylen, msg, sizeof msg);
		snprintf(res->reason, sizeof res->reason, "HTTP %ld: %s",
		    resp->status, msg);
	}
	if (resp->status == 429)
		res->status = GW_WAIT;
	else if (resp->status == 408 || resp->status >= 500 ||
	    resp->status < 100)
		res->status = GW_RETRY;
	else
		res->status = GW_PERMANENT;
}

/* A SID as the spec's patterns want it: two letters, 32 hex digits. */
static int
gw_twilio_valid_sid(const char *s, const char *prefix)
{
	size_t	i;

	if (s == NULL || strncmp(s, prefix, 2) != 0 || strlen(s) != 34)
		return 0;
	for (i = 2; i < 34; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Its own keys; url, when set, replaces Twilio's base URL (tests). */
#define T(f)	offsetof(struct gw_twilio_conf, f)
static const struct config_opt gw_twilio_opts[] = {
	{ "account_sid", CONFIG_STR, T(account_sid), 0, 0, NULL },
	{ "auth_token_env", CONFIG_ENV, T(auth_token), 0, 0, NULL },
	{ "auth_token_file", CONFIG_FILE, T(auth_token), 0, 0, NULL },
	{ "messaging_service_sid", CONFIG_STR, T(messaging_service_sid), 0, 0,
	    NULL },
	{ "status_callback", CONFIG_STR, T(status_callback), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef T

/* The SIDs' form is checked by init, when relaisd starts. */
static int
gw_twilio_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	const struct gw_twilio_conf	*tc = g->conf;
	int				 rc = 0;

	if (tc->account_sid == NULL)
		rc = gw_kind_needs(c, g, name, "\"account_sid\"");
	else if (!failed)
		rc = gw_kind_secret(c, g, name, tc->auth_token, "auth_token");
	return gw_http_check(c, g, name, n) == -1 ? -1 : rc;
}

const char *
gw_twilio_auth_token(const struct config_gateway *g)
{
	return ((const struct gw_twilio_conf *)g->conf)->auth_token;
}

static void
gw_twilio_release(struct gw_twilio *t)
{
	free(t->url);
	if (t->userpwd != NULL) {
		explicit_bzero(t->userpwd, strlen(t->userpwd));
		free(t->userpwd);
	}
	free(t->messaging_service_sid);
	free(t->status_callback);
	free(t);
}

static int
gw_twilio_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_twilio_conf	*tc = cg->conf;
	struct gw_twilio		*t;
	struct buf			 b;

	if (!gw_twilio_valid_sid(tc->account_sid, "AC")) {
		snprintf(err, errlen, "account_sid must be AC followed by 32 "
		    "hex digits");
		return -1;
	}
	if (tc->messaging_service_sid != NULL &&
	    !gw_twilio_valid_sid(tc->messaging_service_sid, "MG")) {
		snprintf(err, errlen, "messaging_service_sid must be MG "
		    "followed by 32 hex digits");
		return -1;
	}
	if (tc->auth_token == NULL || *tc->auth_token == '\0') {
		snprintf(err, errlen, "no auth token (auth_token_env or "
		    "auth_token_file)");
		return -1;
	}
	t = xcalloc(1, sizeof *t);
	t->url = gw_http_url(cg->url, GW_TWILIO_BASE,
	    "/2010-04-01/Accounts/%s/Messages.json", tc->account_sid);
	buf_init(&b);
	buf_printf(&b, "%s:%s", tc->account_sid, tc->auth_token);
	t->userpwd = buf_steal(&b, NULL);
	if (tc->messaging_service_sid != NULL)
		t->messaging_service_sid = xstrdup(tc->messaging_service_sid);
	if (tc->status_callback != NULL)
		t->status_callback = xstrdup(tc->status_callback);
	if ((t->http = gw_http_new(g, cg)) == NULL) {
		snprintf(err, errlen, "cannot create its HTTP pool");
		gw_twilio_release(t);
		return -1;
	}
	g->priv = t;
	return 0;
}

static void
gw_twilio_free(struct gw *g)
{
	struct gw_twilio	*t = g->priv;

	gw_http_free(t->http);
	gw_twilio_release(t);
	g->priv = NULL;
}

/* Why a message cannot go through Twilio as it is, or NULL. */
static const char *
gw_twilio_refusal(const struct gw_twilio *t, const struct gw_msg *m)
{
	if (m->channel == NULL || strcmp(m->channel, "sms") != 0)
		return "twilio sends SMS only";
	if (m->to == NULL || *m->to == '\0')
		return "twilio: no recipient number";
	if (m->text == NULL || *m->text == '\0')
		return "twilio: empty message text";
	if (t->messaging_service_sid == NULL &&
	    (m->from == NULL || *m->from == '\0'))
		return "twilio: no sender (sms from, or messaging_service_sid)";
	return NULL;
}

static int
gw_twilio_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_twilio	*t = g->priv;
	struct buf		 body, idem, token;
	const char		*headers[6];
	const char		*why;
	size_t			 nh = 0;
	int			 rc;

	if ((why = gw_twilio_refusal(t, m)) != NULL)
		return gw_http_refuse(t->http, why, cb, arg);

	buf_init(&body);
	buf_init(&idem);
	buf_init(&token);
	gw_twilio_form(m, t->messaging_service_sid, t->status_callback, &body);
	/*
	 * Twilio documents no request idempotency key for Messages
	 * (GATEWAYS.md); it ignores unknown headers, so both names a proxy or
	 * a future API might read are sent with the delivery key, harmlessly.
	 */
	headers[nh++] = "Content-Type: application/x-www-form-urlencoded";
	headers[nh++] = "Accept: application/json";
	headers[nh++] = "User-Agent: relais/" RELAIS_VERSION;
	if (m->key != NULL) {
		buf_printf(&token, "I-Twilio-Idempotency-Token: %s", m->key);
		buf_printf(&idem, "Idempotency-Key: %s", m->key);
		headers[nh++] = token.data;
		headers[nh++] = idem.data;
	}
	rc = gw_http_post(t->http, t->url, headers, nh, &body,
	    t->userpwd, gw_twilio_classify, cb, arg);
	buf_free(&body);
	buf_free(&idem);
	buf_free(&token);
	return rc;
}

const struct gw_kind gw_twilio_kind = {
	.name = "twilio",
	.keys = GW_KEY_URL | GW_KEY_CA_FILE,
	.opts = gw_twilio_opts,
	.conf_size = sizeof(struct gw_twilio_conf),
	.check = gw_twilio_check,
	.init = gw_twilio_init,
	.send = gw_twilio_send,
	.free = gw_twilio_free,
	.gated = 1,
};
