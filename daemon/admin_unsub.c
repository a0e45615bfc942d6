/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The /u/<token> unsubscribe pages: a confirmation form, then suppression. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin_unsub.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "unsub.h"
#include "utf8.h"

/* First code point, "***", "@" and the domain: at most the id's length. */
#define ADMIN_UNSUB_MASK_SIZE	(UNSUB_ID_MAX + 8)
#define ADMIN_UNSUB_HTML	"text/html; charset=utf-8"

struct admin_unsub {
	struct unsub_keys	*keys;
	admin_suppress_fn	 fn;
	void			*arg;
};

enum admin_unsub_lang {
	ADMIN_UNSUB_FR,
	ADMIN_UNSUB_EN
};

enum admin_unsub_page {
	ADMIN_UNSUB_FORM,	/* GET: asks to confirm */
	ADMIN_UNSUB_DONE,	/* POST: the suppression was queued */
	ADMIN_UNSUB_FAILED,	/* POST: it could not be, try again */
	ADMIN_UNSUB_INVALID,	/* any bad token: says nothing more */
	ADMIN_UNSUB_EXPIRED,	/* a genuine token past its last day */
	ADMIN_UNSUB_NPAGES
};

/* The wording of one language; "email" and "sms" variants where they differ. */
struct admin_unsub_text {
	const char	*lang;
	const char	*title[ADMIN_UNSUB_NPAGES];
	const char	*lead_email[ADMIN_UNSUB_NPAGES];
	const char	*lead_sms[ADMIN_UNSUB_NPAGES];
	const char	*label_email;
	const char	*label_sms;
	const char	*button;
};

/* HTML, not escaped: &nbsp; keeps French punctuation with its word. */
static const struct admin_unsub_text admin_unsub_texts[] = {
	[ADMIN_UNSUB_FR] = {
		"fr",
		{ "Se désabonner", "Désabonnement confirmé",
		  "Service momentanément indisponible", "Lien non valide",
		  "Lien expiré" },
		{ "Pour ne plus recevoir nos messages à cette adresse, "
		  "confirmez votre désabonnement.",
		  "Votre adresse a bien été retirée de nos envois. "
		  "Vous ne recevrez plus ces messages.",
		  "Votre demande n’a pas pu être enregistrée pour le moment. "
		  "Veuillez réessayer dans quelques minutes.",
		  "Ce lien de désabonnement n’est pas valide. Vérifiez "
		  "qu’il a été copié en entier.",
		  "Ce lien de désabonnement a expiré. Utilisez celui d’un "
		  "message plus récent, ou répondez à l’un de nos messages "
		  "(ARRET, pour un texto) pour nous demander de ne plus vous "
		  "écrire." },
		{ "Pour ne plus recevoir nos messages à ce numéro, "
		  "confirmez votre désabonnement.",
		  "Votre numéro a bien été retiré de nos envois. "
		  "Vous ne recevrez plus ces messages.",
		  NULL, NULL, NULL },
		"Adresse&nbsp;:", "Numéro&nbsp;:",
		"Confirmer le désabonnement"
	},
	[ADMIN_UNSUB_EN] = {
		"en",
		{ "Unsubscribe", "Unsubscribed",
		  "Temporarily unavailable", "Invalid link", "Link expired" },
		{ "To stop receiving our messages at this address, please "
		  "confirm.",
		  "Your address has been removed from our mailing list. "
		  "You will no longer receive these messages.",
		  "Your request could not be recorded right now. Please try "
		  "again in a few minutes.",
		  "This unsubscribe link is not valid. Please check that it "
		  "was copied in full.",
		  "This unsubscribe link has expired. Please use the one in a "
		  "more recent message, or reply to one of our messages (STOP, "
		  "to a text message) to ask us to stop." },
		{ "To stop receiving our messages at this number, please "
		  "confirm.",
		  "Your number has been removed from our list. "
		  "You will no longer receive these messages.",
		  NULL, NULL, NULL },
		"Address:", "Number:",
		"Confirm unsubscribe"
	},
};

/* Inline only: the page loads nothing from anywhere. */
static const char admin_unsub_style[] =
    "body{font-family:system-ui,sans-serif;max-width:34em;margin:3em auto;"
    "padding:0 1em;line-height:1.5;color:#222;background:#fff}"
    "button{font:inherit;padding:.5em 1.2em;cursor:pointer}";

static const char *const admin_unsub_headers[][2] = {
	{ "Cache-Control", "no-store" },
	{ "Content-Security-Policy", "default-src 'none'; style-src "
	    "'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
	    "base-uri 'none'" },
	/* the token is a capability (and v1 carries the address): no Referer */
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Robots-Tag", "noindex, nofollow" },
};

struct admin_unsub *
admin_unsub_new(const void *secret, size_t secretlen, admin_suppress_fn fn,
    void *arg)
{
	struct admin_unsub	*u;
	struct unsub_keys	*keys = NULL;

	if (secret == NULL || secretlen == 0) {
		log_info("admin: unsubscribe links off (no key)");
		return NULL;
	}
	if (fn == NULL || (keys = unsub_keys_unpack(secret,
	    secretlen)) == NULL) {
		log_warnx("admin: unsubscribe links disabled: %s",
		    fn == NULL ? "no suppression callback" :
		    "secret shorter than 16 bytes, or a malformed key ring");
		return NULL;
	}
	u = xcalloc(1, sizeof *u);
	u->keys = keys;
	u->fn = fn;
	u->arg = arg;
	return u;
}

void
admin_unsub_free(struct admin_unsub *u)
{
	if (u == NULL)
		return;
	unsub_keys_free(u->keys);
	free(u);
}

/* ?lang=en (or en-CA, ...) is English; anything else is French. */
static enum admin_unsub_lang
admin_unsub_lang(struct evhttp_request *req)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	 q;
	const char		*query = NULL, *v;
	enum admin_unsub_lang	 lang = ADMIN_UNSUB_FR;

	if (uri != NULL)
		query = evhttp_uri_get_query(uri);
	if (query == NULL)
		return lang;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == 0 &&
	    (v = evhttp_find_header(&q, "lang")) != NULL &&
	    strncasecmp(v, "en", 2) == 0 && (v[2] == '\0' || v[2] == '-' ||
	    v[2] == '_'))
		lang = ADMIN_UNSUB_EN;
	evhttp_clear_headers(&q);
	return lang;
}

/*
 * The address of a valid id, masked as in the logs: "a***@example.com"
 * (the whole first character, even when it takes several bytes) or
 * "+***1234".
 */
static void
admin_unsub_mask(const char *id, int sms, char *out, size_t outlen)
{
	const char	*addr = strchr(id, ':') + 1, *at;
	size_t		 n;

	if (sms) {
		log_mask(addr, out, outlen);
		return;
	}
	n = utf8_decode_str(addr, NULL);	/* valid, by unsub_verify */
	at = strrchr(addr, '@');
	snprintf(out, outlen, "%.*s***%s", (int)n, addr, at);
}

/* The whole page; masked is NULL on the invalid-link page. */
static void
admin_unsub_page(struct buf *b, enum admin_unsub_lang lang,
    enum admin_unsub_page page, int sms, const char *masked)
{
	const struct admin_unsub_text	*t = &admin_unsub_texts[lang];
	const char			*lead;

	lead = sms && t->lead_sms[page] != NULL ? t->lead_sms[page] :
	    t->lead_email[page];
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
	    "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n"
	    "<h1>%s</h1>\n<p>%s</p>\n", t->lang, t->title[page],
	    admin_unsub_style, t->title[page], lead);
	if (masked != NULL && page != ADMIN_UNSUB_FAILED) {
		buf_printf(b, "<p>%s <strong>", sms ? t->label_sms :
		    t->label_email);
		buf_html(b, masked);
		buf_puts(b, "</strong></p>\n");
	}
	/* no action: the form posts to this very URL, lang included */
	if (page == ADMIN_UNSUB_FORM || page == ADMIN_UNSUB_FAILED)
		buf_printf(b, "<form method=\"post\">\n<input type=\"hidden\" "
		    "name=\"List-Unsubscribe\" value=\"One-Click\">\n"
		    "<button type=\"submit\">%s</button>\n</form>\n",
		    t->button);
	buf_puts(b, "</main>\n</body>\n</html>\n");
}

/* Sends body with the page headers; a HEAD gets its length and no body. */
static void
admin_unsub_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const struct buf *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 clen[32];
	size_t			 i;
	int			 rc;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof clen, "%zu", body->len);
		rc = evhttp_add_header(h, "Content-Length", clen);
	} else
		rc = evbuffer_add(evhttp_request_get_output_buffer(req),
		    body->data, body->len);
	if (rc == 0)
		rc = evhttp_add_header(h, "Content-Type", ctype);
	for (i = 0; rc == 0 && i < sizeof admin_unsub_headers /
	    sizeof admin_unsub_headers[0]; i++)
		rc = evhttp_add_header(h, admin_unsub_headers[i][0],
		    admin_unsub_headers[i][1]);
	if (rc != 0) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason, NULL);
}

/* The confirmed request: hands the id to the daemon, says how it went. */
static void
admin_unsub_post(struct admin_unsub *u, struct evhttp_request *req,
    enum admin_unsub_lang lang, const char *id, int sms, const char *masked,
    struct buf *b)
{
	char	esc[ADMIN_UNSUB_MASK_SIZE * 4 + 8];

	log_escape(masked, esc, sizeof esc);
	if (u->fn(u->arg, id, ADMIN_UNSUB_SOURCE) != 0) {
		log_warnx("admin: unsubscribe channel=%s to=\"%s\" "
		    "outcome=failed reason=\"suppression not queued\"",
		    sms ? "sms" : "email", esc);
		admin_unsub_page(b, lang, ADMIN_UNSUB_FAILED, sms, masked);
		if (evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "60") == -1) {
			evhttp_send_error(req, HTTP_INTERNAL, NULL);
			return;
		}
		admin_unsub_reply(req, 503, "Service Unavailable",
		    ADMIN_UNSUB_HTML, b);
		return;
	}
	log_info("admin: unsubscribe channel=%s to=\"%s\" source=\"%s\" "
	    "outcome=queued", sms ? "sms" : "email", esc, ADMIN_UNSUB_SOURCE);
	/* RFC 8058: a plain 200, never a redirect */
	admin_unsub_page(b, lang, ADMIN_UNSUB_DONE, sms, masked);
	admin_unsub_reply(req, HTTP_OK, "OK", ADMIN_UNSUB_HTML, b);
}

int
admin_unsub_serve(struct admin_unsub *u, const char *path,
    struct evhttp_request *req)
{
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);
	enum admin_unsub_lang	 lang;
	enum unsub_check	 check = UNSUB_INVALID;
	struct buf		 b;
	char			 id[UNSUB_ID_MAX + 1];
	char			 masked[ADMIN_UNSUB_MASK_SIZE];
	int			 sms;

	if (strncmp(path, "/u/", 3) != 0)
		return 0;
	lang = admin_unsub_lang(req);
	buf_init(&b);
	/* neither the token nor the reason goes out: nothing to probe with */
	if (u == NULL || (check = unsub_check(u->keys, path + 3,
	    clock_now_ms() / 1000, id, sizeof id)) == UNSUB_INVALID) {
		if (u == NULL)
			log_debug("admin: unsubscribe outcome=refused "
			    "reason=\"not configured\"");
		else
			log_info("admin: unsubscribe outcome=refused "
			    "reason=\"invalid link\"");
		admin_unsub_page(&b, lang, ADMIN_UNSUB_INVALID, 0, NULL);
		admin_unsub_reply(req, HTTP_NOTFOUND, "Not Found",
		    ADMIN_UNSUB_HTML, &b);
		goto done;
	}
	if (check == UNSUB_EXPIRED) {
		/* genuine but past its date: say so, they need another way */
		log_info("admin: unsubscribe outcome=refused reason=\"expired "
		    "link\"");
		admin_unsub_page(&b, lang, ADMIN_UNSUB_EXPIRED, 0, NULL);
		admin_unsub_reply(req, 410, "Gone", ADMIN_UNSUB_HTML, &b);
		goto done;
	}
	sms = strncmp(id, "sms:", 4) == 0;
	admin_unsub_mask(id, sms, masked, sizeof masked);
	switch (m) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		/* RFC 8058: fetching the link must not unsubscribe */
		admin_unsub_page(&b, lang, ADMIN_UNSUB_FORM, sms, masked);
		admin_unsub_reply(req, HTTP_OK, "OK", ADMIN_UNSUB_HTML, &b);
		break;
	case EVHTTP_REQ_POST:
		/*
		 * The body (List-Unsubscribe=One-Click, urlencoded or
		 * multipart) is not required: the signed token is what
		 * authorises, the POST is the person's confirmation.
		 */
		admin_unsub_post(u, req, lang, id, sms, masked, &b);
		break;
	default:
		if (evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD, POST") == -1) {
			evhttp_send_error(req, HTTP_INTERNAL, NULL);
			break;
		}
		buf_puts(&b, "method not allowed\n");
		admin_unsub_reply(req, HTTP_BADMETHOD, "Method Not Allowed",
		    "text/plain; charset=utf-8", &b);
		break;
	}
done:
	buf_free(&b);
	return 1;
}
