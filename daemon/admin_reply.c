/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* How the admin port's handlers answer, and what they read of a request. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "admin_reply.h"

/*
 * Sends the reply. evhttp 2.1 would send a body after a HEAD too, and
 * leaves out Content-Length then: a HEAD gets the length and no body.
 */
void
admin_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const char *body, size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	char			 clen[32];
	int			 rc = 0;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof clen, "%zu", len);
		rc = evhttp_add_header(h, "Content-Length", clen);
	} else if (len > 0)
		rc = evbuffer_add(out, body, len);
	if (rc == -1 || evhttp_add_header(h, "Content-Type", ctype) == -1 ||
	    evhttp_add_header(h, "Cache-Control", "no-store") == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason, NULL);
}

void
admin_reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *body)
{
	admin_reply(req, code, reason, "text/plain; charset=utf-8", body,
	    strlen(body));
}

void
admin_reply_not_allowed(struct evhttp_request *req, const char *allow)
{
	if (evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow) == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	admin_reply_text(req, HTTP_BADMETHOD, "Method Not Allowed",
	    "method not allowed\n");
}

int
admin_content_type_is(const char *ctype, const char *want)
{
	size_t	n = strlen(want);

	return ctype != NULL && strncasecmp(ctype, want, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' ||
	    ctype[n] == '\t');
}

const char *
admin_peer(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;

	if ((evcon = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	return addr != NULL ? addr : "-";
}
