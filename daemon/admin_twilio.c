/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The /hooks/twilio webhook: signed inbound SMS (STOP, START) and status callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin_reply.h"
#include "admin_twilio.h"
#include "buf.h"
#include "log.h"
#include "twhook.h"

_Static_assert(ADMIN_TWILIO_MAX_BODY == TWHOOK_MAX_BODY,
    "the admin server must accept every body twhook parses");

#define ADMIN_TWILIO_TWIML \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
#define ADMIN_TWILIO_PHONE_MAX	15	/* E.164 digits */
#define ADMIN_TWILIO_SID_MAX	64
#define ADMIN_TWILIO_STATUS_MAX	32
#define ADMIN_TWILIO_ERROR_MAX	16

/*
 * The MessageSid of the keyword whose callback is running, NULL otherwise:
 * admin.h's callbacks carry no room for it (see admin_twilio_message_sid).
 * Callbacks run synchronously on the one event loop thread.
 */
static const char *admin_twilio_cur_sid;

struct admin_twilio {
	char			*token;
	size_t			 tokenlen;
	char			*public_url;	/* NULL: from the Host header */
	admin_suppress_fn	 suppress;
	admin_unsuppress_fn	 unsuppress;
	admin_status_fn		 status;
	void			*arg;
};

struct admin_twilio *
admin_twilio_new(const char *auth_token, const char *public_url,
    admin_suppress_fn suppress, admin_unsuppress_fn unsuppress,
    admin_status_fn status, void *arg)
{
	struct admin_twilio	*t;
	size_t			 n;

	if (auth_token == NULL || *auth_token == '\0')
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->tokenlen = strlen(auth_token);
	t->token = xstrdup(auth_token);
	if (public_url != NULL && *public_url != '\0') {
		n = strlen(public_url);
		while (n > 0 && public_url[n - 1] == '/')
			n--;
		t->public_url = xstrndup(public_url, n);
	}
	t->suppress = suppress;
	t->unsuppress = unsuppress;
	t->status = status;
	t->arg = arg;
	return t;
}

void
admin_twilio_free(struct admin_twilio *t)
{
	if (t == NULL)
		return;
	OPENSSL_cleanse(t->token, t->tokenlen);
	free(t->token);
	free(t->public_url);
	free(t);
}

static void
admin_twilio_twiml(struct evhttp_request *req)
{
	admin_reply(req, HTTP_OK, "OK", "text/xml; charset=utf-8",
	    ADMIN_TWILIO_TWIML, sizeof ADMIN_TWILIO_TWIML - 1);
}

/*
 * The URL Twilio signed: the public URL (or http:// and Host) and the
 * request target as it came, query included. -1 when it cannot be known.
 */
static int
admin_twilio_url(const struct admin_twilio *t, struct evhttp_request *req,
    struct buf *url)
{
	const char	*target = evhttp_request_get_uri(req), *host;

	/* origin form only: Twilio never sends an absolute URI */
	if (target == NULL || target[0] != '/')
		return -1;
	if (t->public_url != NULL)
		buf_puts(url, t->public_url);
	else {
		host = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Host");
		if (host == NULL || *host == '\0')
			return -1;
		buf_printf(url, "http://%s", host);
	}
	buf_puts(url, target);
	return 0;
}

/* "+" and 1 to 15 digits: what the suppression list holds as "sms:". */
static int
admin_twilio_phone_ok(const char *s)
{
	size_t	n;

	if (s[0] != '+')
		return 0;
	for (n = 1; s[n] >= '0' && s[n] <= '9'; n++)
		;
	return s[n] == '\0' && n >= 2 && n <= ADMIN_TWILIO_PHONE_MAX + 1;
}

/* 1 to max bytes, each accepted by ok. */
static int
admin_twilio_token_ok(const char *s, size_t max, int (*ok)(int))
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (n == max || !ok((unsigned char)s[n]))
			return 0;
	return n > 0;
}

static int
admin_twilio_sid_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
admin_twilio_status_char(int c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static int
admin_twilio_digit(int c)
{
	return c >= '0' && c <= '9';
}

const char *
admin_twilio_message_sid(void)
{
	return admin_twilio_cur_sid;
}

/*
 * An inbound SMS: a keyword changes the suppression list, nothing else does.
 * The callback learns the MessageSid from admin_twilio_message_sid(), so
 * that a replay of the same message changes nothing.
 */
static void
admin_twilio_inbound(struct admin_twilio *t, struct evhttp_request *req,
    const char *from, const char *body, const char *sid)
{
	enum twhook_keyword	 kw = twhook_keyword(body);
	admin_suppress_fn	 fn = NULL;
	const char		*source = NULL;
	char			 id[8 + ADMIN_TWILIO_PHONE_MAX], masked[32];
	int			 rc;

	if (kw == TWHOOK_OPTOUT) {
		fn = t->suppress;
		source = ADMIN_TWILIO_SOURCE_STOP;
	} else if (kw == TWHOOK_OPTIN) {
		fn = t->unsuppress;
		source = ADMIN_TWILIO_SOURCE_START;
	}
	if (fn == NULL) {
		log_info("twilio: inbound from=%s keyword=%s outcome=ignored",
		    log_mask(from, masked, sizeof masked),
		    twhook_keyword_name(kw));
		admin_twilio_twiml(req);
		return;
	}
	if (!admin_twilio_phone_ok(from)) {
		/* a short code, an alphanumeric sender, whatsapp:+...: not ours */
		log_warnx("twilio: inbound keyword=%s outcome=ignored "
		    "reason=\"From is not an E.164 number\"",
		    twhook_keyword_name(kw));
		admin_twilio_twiml(req);
		return;
	}
	log_mask(from, masked, sizeof masked);
	if (sid == NULL || !admin_twilio_token_ok(sid, ADMIN_TWILIO_SID_MAX,
	    admin_twilio_sid_char)) {
		/* without it a replay could not be told from a new message */
		log_warnx("twilio: inbound from=%s keyword=%s outcome=ignored "
		    "reason=\"no valid MessageSid\"", masked,
		    twhook_keyword_name(kw));
		admin_twilio_twiml(req);
		return;
	}
	snprintf(id, sizeof id, "sms:%s", from);
	admin_twilio_cur_sid = sid;
	rc = fn(t->arg, id, source);
	admin_twilio_cur_sid = NULL;
	if (rc == -1) {
		log_warnx("twilio: inbound sid=%s from=%s keyword=%s "
		    "outcome=failed", sid, masked, twhook_keyword_name(kw));
		/* an error Twilio's console shows, rather than a silent loss */
		admin_reply_text(req, 503, "Service Unavailable",
		    "try again later\n");
		return;
	}
	log_info("twilio: inbound sid=%s from=%s keyword=%s outcome=queued",
	    sid, masked, twhook_keyword_name(kw));
	admin_twilio_twiml(req);
}

static void
admin_twilio_status(struct admin_twilio *t, struct evhttp_request *req,
    const char *sid, const char *status, const char *error)
{
	char	esid[96], estatus[64];

	if (error != NULL && *error == '\0')
		error = NULL;
	if (!admin_twilio_token_ok(sid, ADMIN_TWILIO_SID_MAX,
	    admin_twilio_sid_char) || !admin_twilio_token_ok(status,
	    ADMIN_TWILIO_STATUS_MAX, admin_twilio_status_char) ||
	    (error != NULL && !admin_twilio_token_ok(error,
	    ADMIN_TWILIO_ERROR_MAX, admin_twilio_digit))) {
		log_info("twilio: status sid=\"%s\" status=\"%s\" "
		    "outcome=ignored reason=\"unexpected format\"",
		    log_escape(sid, esid, sizeof esid),
		    log_escape(status, estatus, sizeof estatus));
		admin_twilio_twiml(req);
		return;
	}
	log_info("twilio: status sid=%s status=%s error=%s", sid, status,
	    error != NULL ? error : "-");
	if (t->status != NULL)
		t->status(t->arg, sid, status, error);
	admin_twilio_twiml(req);
}

/* A POST to the hook: body, URL and signature checked before anything else. */
static void
admin_twilio_post(struct admin_twilio *t, struct evhttp_request *req)
{
	struct evkeyvalq		*in = evhttp_request_get_input_headers(req);
	struct evbuffer			*ib = evhttp_request_get_input_buffer(req);
	struct twhook_form		*f = NULL;
	const struct twhook_param	*params;
	const char			*body, *from, *sid, *status, *data = "";
	size_t				 len, n;
	struct buf			 url;
	char				 err[128];

	buf_init(&url);
	if (!admin_content_type_is(evhttp_find_header(in, "Content-Type"),
	    "application/x-www-form-urlencoded")) {
		admin_reply_text(req, 415, "Unsupported Media Type",
		    "expected application/x-www-form-urlencoded\n");
		goto done;
	}
	if ((len = evbuffer_get_length(ib)) > 0 &&
	    (data = (const char *)evbuffer_pullup(ib, -1)) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		goto done;
	}
	if ((f = twhook_form_parse(data, len, err, sizeof err)) == NULL) {
		log_warnx("twilio: outcome=rejected reason=\"%s\"", err);
		admin_reply_text(req, HTTP_BADREQUEST, "Bad Request",
		    "bad form body\n");
		goto done;
	}
	params = twhook_form_params(f, &n);
	if (admin_twilio_url(t, req, &url) == -1 ||
	    twhook_verify(t->token, url.data, params, n,
	    evhttp_find_header(in, "X-Twilio-Signature")) == -1) {
		log_warnx("twilio: outcome=forbidden reason=\"%s\" peer=%s",
		    evhttp_find_header(in, "X-Twilio-Signature") == NULL ?
		    "no signature" : "bad signature", admin_peer(req));
		admin_reply_text(req, 403, "Forbidden", "forbidden\n");
		goto done;
	}
	body = twhook_form_get(f, "Body");
	from = twhook_form_get(f, "From");
	sid = twhook_form_get(f, "MessageSid");
	status = twhook_form_get(f, "MessageStatus");
	if (body != NULL && from != NULL)
		admin_twilio_inbound(t, req, from, body, sid);
	else if (sid != NULL && status != NULL)
		admin_twilio_status(t, req, sid, status,
		    twhook_form_get(f, "ErrorCode"));
	else {
		log_info("twilio: outcome=ignored reason=\"neither a message "
		    "nor a status\"");
		admin_twilio_twiml(req);
	}

done:
	twhook_form_free(f);
	buf_free(&url);
}

int
admin_twilio_serve(struct admin_twilio *t, const char *path,
    struct evhttp_request *req)
{
	if (path == NULL || strcmp(path, ADMIN_TWILIO_PATH) != 0)
		return 0;
	if (t == NULL)
		admin_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found\n");
	else if (evhttp_request_get_command(req) != EVHTTP_REQ_POST)
		admin_reply_not_allowed(req, "POST");
	else
		admin_twilio_post(t, req);
	return 1;
}
