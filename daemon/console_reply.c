/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* How a console request is answered: pages, errors, redirects, their headers and cookies; its end. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>

#include "admin_hold.h"
#include "admin_reply.h"
#include "buf.h"
#include "config.h"
#include "console.h"
#include "console_int.h"
#include "log.h"
#include "utf8.h"

/*
 * Every answer's headers. style-src allows inline styles: the email
 * previews (srcdoc frames inherit the page's policy) are styled inline, as
 * emails are, and no script may run anywhere (default-src 'none').
 */
#define CONSOLE_CSP	"default-src 'none'; style-src 'self' 'unsafe-inline'; " \
	"img-src 'self' data:; frame-src 'self'; form-action 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'"

void
console_req_reap(struct console_req *r)
{
	if (!r->answered || r->pending > 0)
		return;
	TAILQ_REMOVE(&r->c->reqs, r, entry);
	free(r->path);
	console_args_free(&r->args);
	free(r->user.name);
	free(r->user.scope);
	free(r->flash);
	buf_free(&r->body);
	OPENSSL_cleanse(r->sid, sizeof r->sid);
	free(r);
}

void
console_req_check(struct console_req *r)
{
	if (!r->answered && r->pending == 0) {
		log_errx("console: path=%s: the page gave no answer", r->path);
		console_reply_error(r, 500, console_word(r, "error_internal"));
	}
}

static const char *
console_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	}
	return "Internal Server Error";
}

int
console_header(struct console_req *r, const char *name, const char *value)
{
	if (r->req == NULL)
		return 0;
	return evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    name, value);
}

/* The headers of every answer: what the browser may load, frame, send. */
static int
console_security_headers(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	if (evhttp_add_header(h, "Content-Security-Policy", CONSOLE_CSP) == -1 ||
	    evhttp_add_header(h, "X-Content-Type-Options", "nosniff") == -1 ||
	    evhttp_add_header(h, "Referrer-Policy", "no-referrer") == -1 ||
	    evhttp_add_header(h, "X-Frame-Options", "DENY") == -1 ||
	    evhttp_add_header(h, "Cross-Origin-Opener-Policy",
	    "same-origin") == -1)
		return -1;
	return 0;
}

/* Whether cookies get Secure: configured so, or a trusted proxy's https. */
static int
console_secure(const struct console_req *r)
{
	return r->c->secure == CONFIG_SECURE_ALWAYS ||
	    (r->c->secure == CONFIG_SECURE_AUTO && r->https);
}

/* max_age -1: none (a session cookie). */
void
console_set_cookie(struct console_req *r, const char *name,
    const char *value, long max_age, int httponly)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "%s=%s; Path=/; SameSite=Strict", name, value);
	if (max_age >= 0)
		buf_printf(&b, "; Max-Age=%ld", max_age);
	if (httponly)
		buf_puts(&b, "; HttpOnly");
	if (console_secure(r))
		buf_puts(&b, "; Secure");
	(void)console_header(r, "Set-Cookie", b.data);
	OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
}

/* Sends what is in body, as HTML, with status: the one answer of r. */
void
console_send(struct console_req *r, int status)
{
	struct evhttp_request	*req = r->req;

	if (r->answered)
		return;
	r->answered = 1;
	if (req != NULL) {
		admin_release(r->c->admin, req);
		r->req = NULL;
		if (console_security_headers(req) == -1)
			evhttp_send_error(req, HTTP_INTERNAL, NULL);
		else
			admin_reply(req, status, console_reason(status),
			    "text/html; charset=utf-8", r->body.data != NULL ?
			    r->body.data : "", r->body.len);
	}
	log_kv(LOG_DEBUG, "console:", LOG_STR("path", r->path),
	    LOG_INT("status", status), LOG_STR("user", r->user.name != NULL ?
	    r->user.name : "-"));
}

void
console_redirect(struct console_req *r, const char *location,
    const char *flash)
{
	struct buf	 v;
	char		*cut;

	if (r->answered)
		return;
	if (flash != NULL) {
		buf_init(&v);
		cut = xstrndup(flash, utf8_cut(flash, strlen(flash),
		    CONSOLE_FLASH_TEXT));
		console_url_encode(&v, cut);
		console_set_cookie(r, CONSOLE_COOKIE_FLASH, v.data != NULL ?
		    v.data : "", 60, 1);
		free(cut);
		buf_free(&v);
	}
	buf_reset(&r->body);
	buf_puts(&r->body, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
	    "<title>303</title></head><body><p><a href=\"");
	console_html_text(&r->body, location);
	buf_puts(&r->body, "\">&rarr;</a></p></body></html>\n");
	if (console_header(r, "Location", location) == -1) {
		console_reply_error(r, 500, console_word(r, "error_internal"));
		return;
	}
	console_send(r, 303);
}

void
console_reply_error(struct console_req *r, int status, const char *message)
{
	if (r->answered)
		return;
	buf_reset(&r->body);
	console_html_error(r, status, message);
	console_send(r, status);
}

void
console_page_end(struct console_req *r)
{
	buf_puts(&r->body, "</main>\n<footer><p>relais</p></footer>\n"
	    "</body>\n</html>\n");
	/* shown once: the next page does not show it again */
	if (r->flash != NULL)
		console_set_cookie(r, CONSOLE_COOKIE_FLASH, "", 0, 1);
	console_send(r, 200);
}
