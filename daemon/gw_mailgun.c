/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "mailgun": email through Mailgun's Messages API, a
 * multipart/form-data POST to {url}/v3/{domain}/messages with HTTP Basic
 * "api:KEY"; 200 means queued, and the JSON id is kept as the provider id.
 *
 * Ownership: the gateway owns its gw_http (the pool and every call not
 * answered yet), the URL and the Basic credentials (wiped when freed); a
 * call is answered from the loop by gw_http, with the response or as a
 * refusal. gw_mailgun_free() frees the calls left without calling back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backoff.h"
#include "config.h"
#include "config_parse.h"
#include "envelope.h"
#include "gw.h"
#include "gw_http.h"
#include "gw_mailgun.h"
#include "http.h"
#include "utf8.h"

/*
 * from to subject text html h:Reply-To h:List-Unsubscribe
 * h:List-Unsubscribe-Post o:tag v:event_id v:delivery_key
 */
#define GW_MAILGUN_NFIELDS	11
/* Mailgun: at most 3 tags a message, ASCII, 128 characters each. */
#define GW_MAILGUN_TAG_MAX	128

struct gw_mailgun {
	struct gw_http		*http;
	char			*url;		/* {base}/v3/{domain}/messages */
	char			*userpwd;	/* "api:KEY" */
};

struct gw_mailgun_field {
	const char	*name;
	const char	*value;
};

static void
gw_mailgun_release(struct gw_mailgun *s)
{
	free(s->url);
	if (s->userpwd != NULL) {
		explicit_bzero(s->userpwd, strlen(s->userpwd));
		free(s->userpwd);
	}
	free(s);
}

/* A DNS name: it goes into the URL path as it is. */
static int
gw_mailgun_valid_domain(const char *d)
{
	size_t	i;

	if (d == NULL || *d == '\0' || strlen(d) > 253)
		return 0;
	for (i = 0; d[i] != '\0'; i++) {
		if (!((d[i] >= 'a' && d[i] <= 'z') ||
		    (d[i] >= 'A' && d[i] <= 'Z') ||
		    (d[i] >= '0' && d[i] <= '9') || d[i] == '.' || d[i] == '-'))
			return 0;
	}
	return 1;
}

#define M(f)	offsetof(struct gw_mailgun_conf, f)
static const struct config_opt gw_mailgun_opts[] = {
	{ "api_key_env", CONFIG_ENV, M(api_key), 0, 0, NULL },
	{ "api_key_file", CONFIG_FILE, M(api_key), 0, 0, NULL },
	{ "domain", CONFIG_STR, M(domain), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef M

/* The domain's form is checked by init, when relaisd starts. */
static int
gw_mailgun_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	const struct gw_mailgun_conf	*mc = g->conf;
	int				 rc;

	rc = gw_kind_secret(c, g, name, mc->api_key, "api_key");
	if (rc == 0 && !failed && mc->domain == NULL)
		rc = gw_kind_needs(c, g, name, "\"domain\"");
	return gw_http_check(c, g, name, n) == -1 ? -1 : rc;
}

static int
gw_mailgun_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_mailgun_conf	*mc = cg->conf;
	struct gw_mailgun		*s;
	struct buf			 b;

	if (mc->api_key == NULL || *mc->api_key == '\0') {
		snprintf(err, errlen, "no API key (api_key_env or api_key_file)");
		return -1;
	}
	if (!gw_mailgun_valid_domain(mc->domain)) {
		snprintf(err, errlen, "domain must be the sending domain's DNS "
		    "name (letters, digits, dots, hyphens)");
		return -1;
	}
	s = xcalloc(1, sizeof *s);
	s->url = gw_http_url(cg->url, GW_MAILGUN_URL, "/v3/%s/messages",
	    mc->domain);
	buf_init(&b);
	buf_printf(&b, "api:%s", mc->api_key);
	s->userpwd = buf_steal(&b, NULL);
	if ((s->http = gw_http_new(g, cg)) == NULL) {
		snprintf(err, errlen, "cannot create its HTTP pool");
		gw_mailgun_release(s);
		return -1;
	}
	g->priv = s;
	return 0;
}

static void
gw_mailgun_free(struct gw *g)
{
	struct gw_mailgun	*s = g->priv;

	gw_http_free(s->http);
	gw_mailgun_release(s);
	g->priv = NULL;
}

static int
gw_mailgun_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* "Name" <addr>: the name always quoted, so that , . ' ; : are safe. */
static void
gw_mailgun_from(const struct gw_msg *m, struct buf *out)
{
	const char	*p;

	if (!gw_mailgun_set(m->from_name)) {
		buf_puts(out, m->from);
		return;
	}
	buf_putc(out, '"');
	for (p = m->from_name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(out, '\\');
		buf_putc(out, *p);
	}
	/* non-ASCII stays UTF-8: Mailgun encodes the header itself */
	buf_printf(out, "\" <%s>", m->from);
}

/* The template name as o:tag when Mailgun would take it, else NULL. */
static const char *
gw_mailgun_tag(const char *template)
{
	size_t	i;

	if (!gw_mailgun_set(template))
		return NULL;
	for (i = 0; template[i] != '\0'; i++) {
		if (i == GW_MAILGUN_TAG_MAX ||
		    (unsigned char)template[i] < 0x20 ||
		    (unsigned char)template[i] > 0x7e)
			return NULL;
	}
	return template;
}

/* Why m cannot make a request, or NULL. */
static const char *
gw_mailgun_refusal(const struct gw_msg *m)
{
	const char	*addr[] = { m->to, m->from, m->from_name, m->reply_to };
	size_t		 i;

	if (!gw_mailgun_set(m->to))
		return "no recipient address";
	if (!gw_mailgun_set(m->from))
		return "no sender address";
	if (!gw_mailgun_set(m->subject))
		return "no subject";
	if (!gw_mailgun_set(m->text) && !gw_mailgun_set(m->html))
		return "no content";
	/* these end up in header lines Mailgun writes */
	for (i = 0; i < sizeof addr / sizeof *addr; i++) {
		if (addr[i] != NULL && strpbrk(addr[i], "\r\n") != NULL)
			return "a line break in an address or sender name";
	}
	if (gw_unsubscribe(m) == -1)
		return "unsubscribe URL unusable in a header";
	return NULL;
}

/*
 * The fields in the order they are sent. v:* become X-Mailgun-Variables,
 * a header the recipient can read, and tags stay in Mailgun's analytics:
 * identifiers only, never a name or an address.
 */
static size_t
gw_mailgun_fields(const struct gw_msg *m, const char *from, const char *unsub,
    struct gw_mailgun_field *f)
{
	size_t	n = 0;

	f[n].name = "from";
	f[n++].value = from;
	f[n].name = "to";
	f[n++].value = m->to;
	f[n].name = "subject";
	f[n++].value = m->subject;
	if (gw_mailgun_set(m->text)) {
		f[n].name = "text";
		f[n++].value = m->text;
	}
	if (gw_mailgun_set(m->html)) {
		f[n].name = "html";
		f[n++].value = m->html;
	}
	if (gw_mailgun_set(m->reply_to)) {
		f[n].name = "h:Reply-To";
		f[n++].value = m->reply_to;
	}
	if (unsub != NULL) {
		f[n].name = "h:List-Unsubscribe";
		f[n++].value = unsub;
		/* RFC 8058: one click only over HTTPS */
		if (gw_unsubscribe(m) == 2) {
			f[n].name = "h:List-Unsubscribe-Post";
			f[n++].value = GW_ONE_CLICK;
		}
	}
	if (gw_mailgun_tag(m->template) != NULL) {
		f[n].name = "o:tag";
		f[n++].value = m->template;
	}
	if (gw_mailgun_set(m->event_id)) {
		f[n].name = "v:event_id";
		f[n++].value = m->event_id;
	}
	if (gw_mailgun_set(m->key)) {
		f[n].name = "v:delivery_key";
		f[n++].value = m->key;
	}
	return n;
}

/* A random boundary found in none of the values; -1 if none was found. */
static int
gw_mailgun_boundary(const struct gw_mailgun_field *f, size_t n, char *out)
{
	int	try;
	size_t	i;

	for (try = 0; try < 16; try++) {
		snprintf(out, GW_MAILGUN_BOUNDARY_MAX, "relais-%016llx%016llx",
		    (unsigned long long)backoff_random(),
		    (unsigned long long)backoff_random());
		for (i = 0; i < n; i++) {
			if (strstr(f[i].value, out) != NULL)
				break;
		}
		if (i == n)
			return 0;
	}
	return -1;
}

int
gw_mailgun_form(const struct gw_msg *m, struct buf *out, char *boundary,
    char *err, size_t errlen)
{
	struct gw_mailgun_field	 f[GW_MAILGUN_NFIELDS];
	struct buf		 from, unsub;
	const char		*why;
	size_t			 n, i;
	int			 rc = -1;

	buf_init(&from);
	buf_init(&unsub);
	if ((why = gw_mailgun_refusal(m)) != NULL) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	gw_mailgun_from(m, &from);
	if (gw_unsubscribe(m) > 0)
		buf_printf(&unsub, "<%s>", m->unsubscribe_url);
	n = gw_mailgun_fields(m, from.data, unsub.data, f);
	for (i = 0; i < n; i++) {
		if (utf8_valid(f[i].value, strlen(f[i].value),
		    NULL) == -1) {
			snprintf(err, errlen, "%s is not valid UTF-8", f[i].name);
			goto fail;
		}
	}
	if (gw_mailgun_boundary(f, n, boundary) == -1) {
		snprintf(err, errlen, "no multipart boundary found");
		goto fail;
	}
	/* RFC 7578: CRLF line ends; values as they are, UTF-8 text */
	for (i = 0; i < n; i++)
		buf_printf(out, "--%s\r\nContent-Disposition: form-data; "
		    "name=\"%s\"\r\n\r\n%s\r\n", boundary, f[i].name,
		    f[i].value);
	buf_printf(out, "--%s--\r\n", boundary);
	if (errlen > 0)
		err[0] = '\0';
	rc = 0;
fail:
	buf_free(&from);
	buf_free(&unsub);
	return rc;
}

/* Mailgun's JSON "message", single-line; 0 if none. */
static int
gw_mailgun_error(const struct http_response *resp, char *out, size_t outlen)
{
	json_t	*j, *msg;
	size_t	 i;
	int	 rc = 0;

	if (resp->bodylen == 0 ||
	    (j = json_loadb(resp->body, resp->bodylen, 0, NULL)) == NULL)
		return 0;
	msg = json_object_get(j, "message");
	if (json_is_string(msg) && json_string_length(msg) > 0) {
		snprintf(out, outlen, "%s", json_string_value(msg));
		for (i = 0; out[i] != '\0'; i++) {
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				out[i] = ' ';
		}
		rc = 1;
	}
	json_decref(j);
	return rc;
}

/* The JSON id of a 200 ("<...@domain>"), when it fits; else empty. */
static void
gw_mailgun_id(const struct http_response *resp, char *out, size_t outlen)
{
	json_t	*j, *id;

	out[0] = '\0';
	if (resp->bodylen == 0 ||
	    (j = json_loadb(resp->body, resp->bodylen, 0, NULL)) == NULL)
		return;
	id = json_object_get(j, "id");
	/* a cut id would name another message: better none */
	if (json_is_string(id) && json_string_length(id) < outlen &&
	    strpbrk(json_string_value(id), "\r\n") == NULL)
		snprintf(out, outlen, "%s", json_string_value(id));
	json_decref(j);
}

void
gw_mailgun_classify(const struct http_response *resp, struct gw_result *res)
{
	char	detail[200];

	res->retry_after_s = -1;
	res->ms = resp->total_ms;
	res->reason[0] = '\0';
	res->provider_id[0] = '\0';
	if (gw_http_transport(resp, res))
		return;
	if (resp->status >= 200 && resp->status < 300) {
		/* 200: queued by Mailgun, not delivered yet */
		res->status = GW_SENT;
		gw_mailgun_id(resp, res->provider_id, sizeof res->provider_id);
		return;
	}
	if (!gw_mailgun_error(resp, detail, sizeof detail))
		gw_http_excerpt(resp->body, resp->bodylen, detail,
		    sizeof detail);
	snprintf(res->reason, sizeof res->reason, "HTTP %ld: %s", resp->status,
	    detail);
	if (resp->status == 429) {
		res->status = GW_WAIT;
		res->retry_after_s = resp->retry_after_s;
	} else if (resp->status == 404 || resp->status == 408 ||
	    resp->status >= 500)
		/* 404: Mailgun documents it as possibly transient */
		res->status = GW_RETRY;
	else
		res->status = GW_PERMANENT;	/* 400 401 403 413 ... */
}

static int
gw_mailgun_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_mailgun	*s = g->priv;
	struct buf		 body, ctype, idem;
	const char		*headers[4];
	char			 boundary[GW_MAILGUN_BOUNDARY_MAX];
	char			 why[128], reason[200];
	size_t			 nh = 0;
	int			 rc;

	if (m->channel == NULL || strcmp(m->channel, "email") != 0)
		return gw_http_refuse(s->http, "mailgun sends email only", cb,
		    arg);
	buf_init(&body);
	if (gw_mailgun_form(m, &body, boundary, why, sizeof why) == -1) {
		buf_free(&body);
		snprintf(reason, sizeof reason, "mailgun: cannot build the "
		    "request: %s", why);
		return gw_http_refuse(s->http, reason, cb, arg);
	}
	buf_init(&ctype);
	buf_init(&idem);
	buf_printf(&ctype, "Content-Type: multipart/form-data; boundary=%s",
	    boundary);
	headers[nh++] = ctype.data;
	headers[nh++] = "Accept: application/json";
	headers[nh++] = "User-Agent: relais/" RELAIS_VERSION;
	/*
	 * Mailgun documents no request idempotency key (GATEWAYS.md): the
	 * header is undocumented and harmless, ready for the day it is read;
	 * until then a send that timed out may still go out twice.
	 */
	if (m->key != NULL) {
		buf_printf(&idem, "Idempotency-Key: %s", m->key);
		headers[nh++] = idem.data;
	}
	rc = gw_http_post(s->http, s->url, headers, nh, &body,
	    s->userpwd, gw_mailgun_classify, cb, arg);
	buf_free(&body);
	buf_free(&ctype);
	buf_free(&idem);
	return rc;
}

const struct gw_kind gw_mailgun_kind = {
	.name = "mailgun",
	.keys = GW_KEY_URL | GW_KEY_CA_FILE,
	.opts = gw_mailgun_opts,
	.conf_size = sizeof(struct gw_mailgun_conf),
	.check = gw_mailgun_check,
	.init = gw_mailgun_init,
	.send = gw_mailgun_send,
	.free = gw_mailgun_free,
	.gated = 1,
};
