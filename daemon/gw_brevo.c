/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "brevo": email and SMS through Brevo's API v3, JSON POSTs
 * with an api-key header: {url}/v3/smtp/email (201, messageId a string)
 * and {url}/v3/transactionalSMS/send (messageId an integer), both kept as
 * the provider id.
 *
 * Ownership: the gateway owns its gw_http (the pool and every call not
 * answered yet), both endpoint URLs and the api-key header; a call is
 * answered from the loop by gw_http, with the response or as a refusal.
 * gw_brevo_free() frees the calls left without calling back.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "config_parse.h"
#include "gw.h"
#include "gw_brevo.h"
#include "gw_http.h"
#include "http.h"
#include "jarena.h"
#include "log.h"
#include "sms.h"

/* Brevo's limits on an SMS sender: letters or digits, not both measured alike. */
#define GW_BREVO_SENDER_ALNUM	11
#define GW_BREVO_SENDER_DIGITS	15

struct gw_brevo {
	struct gw_http		*http;
	char			*email_url;	/* {base}/v3/smtp/email */
	char			*sms_url;	/* {base}/v3/transactionalSMS/send */
	char			*auth;		/* "api-key: ..." */
};

#define B(f)	offsetof(struct gw_brevo_conf, f)
static const struct config_opt gw_brevo_opts[] = {
	{ "api_key_env", CONFIG_ENV, B(api_key), 0, 0, NULL },
	{ "api_key_file", CONFIG_FILE, B(api_key), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef B

static int
gw_brevo_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	const struct gw_brevo_conf	*bc = g->conf;
	int				 rc;

	(void)failed;
	rc = gw_kind_secret(c, g, name, bc->api_key, "api_key");
	return gw_http_check(c, g, name, n) == -1 ? -1 : rc;
}

static void
gw_brevo_release(struct gw_brevo *b)
{
	free(b->email_url);
	free(b->sms_url);
	if (b->auth != NULL) {
		explicit_bzero(b->auth, strlen(b->auth));
		free(b->auth);
	}
	free(b);
}

static int
gw_brevo_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_brevo_conf	*bc = cg->conf;
	struct gw_brevo			*b;
	struct buf			 s;

	if (bc->api_key == NULL || *bc->api_key == '\0') {
		snprintf(err, errlen, "no API key (api_key_env or api_key_file)");
		return -1;
	}
	b = xcalloc(1, sizeof *b);
	b->email_url = gw_http_url(cg->url, GW_BREVO_URL, "/v3/smtp/email");
	b->sms_url = gw_http_url(cg->url, GW_BREVO_URL,
	    "/v3/transactionalSMS/send");
	buf_init(&s);
	buf_printf(&s, "api-key: %s", bc->api_key);
	b->auth = buf_steal(&s, NULL);
	if ((b->http = gw_http_new(g, cg)) == NULL) {
		snprintf(err, errlen, "cannot create its HTTP pool");
		gw_brevo_release(b);
		return -1;
	}
	g->priv = b;
	return 0;
}

static void
gw_brevo_free(struct gw *g)
{
	struct gw_brevo	*b = g->priv;

	gw_http_free(b->http);
	gw_brevo_release(b);
	g->priv = NULL;
}

/* Sets o[k] to the string v; -1 when v is not UTF-8 (or out of memory). */
static int
gw_brevo_set(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, json_string(v));
}

static int
gw_brevo_present(const char *s)
{
	return s != NULL && *s != '\0';
}

/* {"email": email, "name": name}, name only when there is one. */
static json_t *
gw_brevo_address(const char *email, const char *name)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (gw_brevo_set(o, "email", email) == -1 ||
	    (gw_brevo_present(name) && gw_brevo_set(o, "name", name) == -1)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Appends root as compact UTF-8 JSON (accents as they are) and frees it. */
static int
gw_brevo_dump(json_t *root, struct buf *out, char *err, size_t errlen)
{
	char	*s;

	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s == NULL) {
		snprintf(err, errlen, "cannot encode the request");
		return -1;
	}
	buf_puts(out, s);
	jarena_free(s);
	if (errlen > 0)
		err[0] = '\0';
	return 0;
}

int
gw_brevo_email_body(const struct gw_msg *m, struct buf *out, char *err,
    size_t errlen)
{
	json_t	*root = NULL, *to, *headers = NULL, *tags;
	char	 lu[GW_UNSUBSCRIBE_MAX + 3];
	int	 unsub;

	if (!gw_brevo_present(m->to)) {
		snprintf(err, errlen, "no recipient address");
		goto fail;
	}
	if (!gw_brevo_present(m->from)) {
		snprintf(err, errlen, "no sender address");
		goto fail;
	}
	/* without a templateId Brevo wants a subject and a body */
	if (!gw_brevo_present(m->subject)) {
		snprintf(err, errlen, "no subject");
		goto fail;
	}
	if (!gw_brevo_present(m->text) && !gw_brevo_present(m->html)) {
		snprintf(err, errlen, "no content");
		goto fail;
	}
	if ((unsub = gw_unsubscribe(m)) == -1) {
		snprintf(err, errlen, "unsubscribe URL unusable in a header");
		goto fail;
	}
	/* from here on Jansson only fails on bytes that are not UTF-8 */
	snprintf(err, errlen, "a field is not valid UTF-8");
	if ((root = json_object()) == NULL ||
	    json_object_set_new(root, "sender",
	    gw_brevo_address(m->from, m->from_name)) == -1 ||
	    (to = json_array()) == NULL ||
	    json_object_set_new(root, "to", to) == -1 ||
	    json_array_append_new(to, gw_brevo_address(m->to, NULL)) == -1)
		goto fail;
	if (gw_brevo_present(m->reply_to) &&
	    json_object_set_new(root, "replyTo",
	    gw_brevo_address(m->reply_to, NULL)) == -1)
		goto fail;
	if (gw_brevo_set(root, "subject", m->subject) == -1 ||
	    (gw_brevo_present(m->text) &&
	    gw_brevo_set(root, "textContent", m->text) == -1) ||
	    (gw_brevo_present(m->html) &&
	    gw_brevo_set(root, "htmlContent", m->html) == -1))
		goto fail;
	if ((gw_brevo_present(m->key) || unsub > 0) &&
	    ((headers = json_object()) == NULL ||
	    json_object_set_new(root, "headers", headers) == -1))
		goto fail;
	/* the one request idempotency key Brevo documents, in the body */
	if (gw_brevo_present(m->key) &&
	    gw_brevo_set(headers, "Idempotency-Key", m->key) == -1)
		goto fail;
	/* Brevo wants custom headers Title-Case, which these are */
	if (unsub > 0) {
		snprintf(lu, sizeof lu, "<%s>", m->unsubscribe_url);
		if (gw_brevo_set(headers, "List-Unsubscribe", lu) == -1 ||
		    (unsub == 2 && gw_brevo_set(headers,
		    "List-Unsubscribe-Post", GW_ONE_CLICK) == -1))
			goto fail;
	}
	/* tags show in Brevo's logs and webhooks: the template, nothing personal */
	if (gw_brevo_present(m->template) &&
	    ((tags = json_array()) == NULL ||
	    json_object_set_new(root, "tags", tags) == -1 ||
	    json_array_append_new(tags, json_string(m->template)) == -1))
		goto fail;
	return gw_brevo_dump(root, out, err, errlen);
fail:
	json_decref(root);
	return -1;
}

/*
 * Copies digits[0..n) of s, after an optional '+', into out; the count of
 * digits, or 0 when s is not only digits.
 */
static size_t
gw_brevo_digits(const char *s, char *out, size_t outlen)
{
	size_t	n;

	if (*s == '+')
		s++;
	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9')
			return 0;
	}
	if (n == 0 || n >= outlen)
		return 0;
	memcpy(out, s, n + 1);
	return n;
}

/*
 * Brevo's sender: at most 15 digits for a number (without '+': "numeric"),
 * or at most 11 printable ASCII characters for a name.
 */
static int
gw_brevo_sender(const char *from, char *out, size_t outlen)
{
	size_t	n, i;

	if ((n = gw_brevo_digits(from, out, outlen)) != 0)
		return n <= GW_BREVO_SENDER_DIGITS ? 0 : -1;
	n = strlen(from);
	if (n > GW_BREVO_SENDER_ALNUM || n >= outlen)
		return -1;
	for (i = 0; i < n; i++) {
		if ((unsigned char)from[i] < 0x20 || (unsigned char)from[i] > 0x7e)
			return -1;
	}
	memcpy(out, from, n + 1);
	return 0;
}

int
gw_brevo_sms_body(const struct gw_msg *m, struct buf *out, char *err,
    size_t errlen)
{
	struct sms_length	 len;
	json_t			*root = NULL;
	char			 sender[32], recipient[32];

	if (!gw_brevo_present(m->to)) {
		snprintf(err, errlen, "no recipient number");
		goto fail;
	}
	/* the country code then the number, digits only: E.164 without '+' */
	if (gw_brevo_digits(m->to, recipient, sizeof recipient) == 0 ||
	    strlen(recipient) > 15) {
		snprintf(err, errlen, "the recipient is not an E.164 number");
		goto fail;
	}
	if (!gw_brevo_present(m->from)) {
		snprintf(err, errlen, "no sender (sms from)");
		goto fail;
	}
	if (gw_brevo_sender(m->from, sender, sizeof sender) == -1) {
		snprintf(err, errlen, "the sender must be at most %d digits "
		    "or %d ASCII characters", GW_BREVO_SENDER_DIGITS,
		    GW_BREVO_SENDER_ALNUM);
		goto fail;
	}
	if (!gw_brevo_present(m->text)) {
		snprintf(err, errlen, "empty message text");
		goto fail;
	}
	if (sms_measure(m->text, strlen(m->text), &len) == -1) {
		snprintf(err, errlen, "the text is not valid UTF-8");
		goto fail;
	}
	snprintf(err, errlen, "a field is not valid UTF-8");
	/*
	 * unicodeEnabled false makes Brevo transliterate what is not GSM-7
	 * ("ê" becomes "e"): true exactly when a carrier would need UCS-2.
	 */
	if ((root = json_object()) == NULL ||
	    gw_brevo_set(root, "sender", sender) == -1 ||
	    gw_brevo_set(root, "recipient", recipient) == -1 ||
	    gw_brevo_set(root, "content", m->text) == -1 ||
	    gw_brevo_set(root, "type", "transactional") == -1 ||
	    json_object_set_new(root, "unicodeEnabled",
	    json_boolean(len.encoding == SMS_UCS2)) == -1)
		goto fail;
	if (gw_brevo_present(m->template) &&
	    gw_brevo_set(root, "tag", m->template) == -1)
		goto fail;
	return gw_brevo_dump(root, out, err, errlen);
fail:
	json_decref(root);
	return -1;
}

/* Whether c ends a word of an error message (an address, a number). */
static int
gw_brevo_delim(unsigned char c)
{
	return c <= ' ' || c == 0x7f || strchr(",;:\"'()<>[]{}", c) != NULL;
}

/*
 * Copies Brevo's error message into a reason: one line, with the email
 * addresses and phone numbers it may quote masked, since reasons are
 * logged and kept with dead letters.
 */
static void
gw_brevo_clean(const char *in, size_t inlen, char *out, size_t outlen)
{
	char	word[128], masked[128];
	size_t	i = 0, o = 0, n, d, k;

	if (outlen == 0)
		return;
	while (i < inlen && in[i] != '\0' && o + 1 < outlen) {
		if (gw_brevo_delim((unsigned char)in[i])) {
			out[o++] = (unsigned char)in[i] < 0x20 ||
			    in[i] == 0x7f ? ' ' : in[i];
			i++;
			continue;
		}
		for (n = 0; i + n < inlen && in[i + n] != '\0' &&
		    !gw_brevo_delim((unsigned char)in[i + n]); n++)
			;
		d = in[i] == '+' ? 1 : 0;
		while (d < n && isdigit((unsigned char)in[i + d]))
			d++;
		if (memchr(in + i, '@', n) != NULL ||
		    d - (in[i] == '+') >= 7) {
			/* an address, or a number and what sticks to it */
			k = memchr(in + i, '@', n) != NULL ? n : d;
			snprintf(word, sizeof word, "%.*s",
			    (int)(k < sizeof word - 1 ? k : sizeof word - 1),
			    in + i);
			log_mask(word, masked, sizeof masked);
			for (n = 0; masked[n] != '\0' && o + 1 < outlen; n++)
				out[o++] = masked[n];
			i += k;
			continue;
		}
		for (; n > 0 && o + 1 < outlen; n--)
			out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* Brevo's error body {code, message} as "code: message"; 0 if none. */
static int
gw_brevo_error(const struct http_response *resp, char *out, size_t outlen)
{
	json_t	*j, *code, *msg;
	size_t	 n = 0;
	int	 rc;

	if (resp->bodylen == 0 ||
	    (j = json_loadb(resp->body, resp->bodylen, 0, NULL)) == NULL)
		return 0;
	code = json_object_get(j, "code");
	msg = json_object_get(j, "message");
	rc = json_is_string(code) || json_is_string(msg);
	out[0] = '\0';
	if (json_is_string(code)) {
		/* a short identifier, but still from outside and logged */
		gw_brevo_clean(json_string_value(code),
		    json_string_length(code) < 40 ? json_string_length(code) :
		    40, out, outlen);
		n = strlen(out);
		if (json_is_string(msg) && n + 2 < outlen) {
			memcpy(out + n, ": ", 3);
			n += 2;
		}
	}
	if (json_is_string(msg))
		gw_brevo_clean(json_string_value(msg), json_string_length(msg),
		    out + n, outlen - n);
	json_decref(j);
	return rc;
}

/*
 * x-sib-ratelimit-reset: seconds until the window resets, relative (not an
 * epoch like SendGrid's), a fraction rounded up. -1 when absent or garbage.
 */
static long
gw_brevo_reset_after(const struct http_response *resp)
{
	char		 v[32], *end;
	long long	 secs;

	if (http_response_header(resp, "x-sib-ratelimit-reset", v,
	    sizeof v) == -1)
		return -1;
	errno = 0;
	secs = strtoll(v, &end, 10);
	if (errno != 0 || end == v || secs < 0)
		return -1;
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++) {
			if (*end != '0') {
				secs++;
				while (isdigit((unsigned char)*end))
					end++;
				break;
			}
		}
	}
	if (*end != '\0' && *end != ' ')
		return -1;
	/* the pipeline clamps to retry_after_max_ms; only keep it in a long */
	return secs > 86400 * 30 ? 86400 * 30 : (long)secs;
}

/* messageId: "<...@smtp-relay...>" for email, an integer for SMS. */
static void
gw_brevo_sent(const struct http_response *resp, struct gw_result *res)
{
	json_t	*j, *id;

	res->status = GW_SENT;
	if (resp->bodylen == 0 ||
	    (j = json_loadb(resp->body, resp->bodylen, 0, NULL)) == NULL)
		return;
	id = json_object_get(j, "messageId");
	if (json_is_string(id))
		snprintf(res->provider_id, sizeof res->provider_id, "%s",
		    json_string_value(id));
	else if (json_is_integer(id))
		snprintf(res->provider_id, sizeof res->provider_id,
		    "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	json_decref(j);
}

void
gw_brevo_classify(const struct http_response *resp, struct gw_result *res)
{
	char	detail[200];

	res->retry_after_s = -1;
	res->ms = resp->total_ms;
	res->reason[0] = '\0';
	res->provider_id[0] = '\0';
	/*
	 * The email may have been accepted before the timeout: its
	 * Idempotency-Key lets Brevo drop the retry. The SMS endpoint
	 * documents none, so an SMS may go out twice.
	 */
	if (gw_http_transport(resp, res))
		return;
	/* 201 for email; the SMS endpoint's code is not documented */
	if (resp->status >= 200 && resp->status < 300) {
		gw_brevo_sent(resp, res);
		return;
	}
	if (!gw_brevo_error(resp, detail, sizeof detail))
		gw_brevo_clean(resp->body, resp->bodylen < 160 ?
		    resp->bodylen : 160, detail, sizeof detail);
	snprintf(res->reason, sizeof res->reason, "HTTP %ld: %s", resp->status,
	    detail);
	if (resp->status == 429) {
		res->status = GW_WAIT;
		res->retry_after_s = resp->retry_after_s >= 0 ?
		    resp->retry_after_s : gw_brevo_reset_after(resp);
	} else if (resp->status == 408 || resp->status >= 500 ||
	    resp->status < 100)
		res->status = GW_RETRY;
	else
		res->status = GW_PERMANENT;	/* 400 401 402 403 404 ... */
}

static int
gw_brevo_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_brevo		*b = g->priv;
	struct buf		 body, idem;
	const char		*headers[5], *url;
	char			 why[128], reason[200];
	size_t			 nh = 0;
	int			 rc;

	if (m->channel == NULL || (strcmp(m->channel, "email") != 0 &&
	    strcmp(m->channel, "sms") != 0))
		return gw_http_refuse(b->http, "brevo sends email and SMS only",
		    cb, arg);
	buf_init(&body);
	if (strcmp(m->channel, "email") == 0) {
		url = b->email_url;
		rc = gw_brevo_email_body(m, &body, why, sizeof why);
	} else {
		url = b->sms_url;
		rc = gw_brevo_sms_body(m, &body, why, sizeof why);
	}
	if (rc == -1) {
		buf_free(&body);
		snprintf(reason, sizeof reason, "brevo: cannot build the "
		    "request: %s", why);
		return gw_http_refuse(b->http, reason, cb, arg);
	}
	/*
	 * The email carries its key in the body's headers, where Brevo
	 * documents it; the HTTP header is harmless and, for SMS, the only
	 * place a key could go.
	 */
	buf_init(&idem);
	headers[nh++] = "Content-Type: application/json";
	headers[nh++] = "Accept: application/json";
	headers[nh++] = "User-Agent: relais/" RELAIS_VERSION;
	headers[nh++] = b->auth;
	if (gw_brevo_present(m->key)) {
		buf_printf(&idem, "Idempotency-Key: %s", m->key);
		headers[nh++] = idem.data;
	}
	rc = gw_http_post(b->http, url, headers, nh, &body,
	    NULL, gw_brevo_classify, cb, arg);
	buf_free(&body);
	buf_free(&idem);
	return rc;
}

const struct gw_kind gw_brevo_kind = {
	.name = "brevo",
	.keys = GW_KEY_URL | GW_KEY_CA_FILE,
	.opts = gw_brevo_opts,
	.conf_size = sizeof(struct gw_brevo_conf),
	.check = gw_brevo_check,
	.init = gw_brevo_init,
	.send = gw_brevo_send,
	.free = gw_brevo_free,
	.gated = 1,
};
