/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "smtp": the pure parts (the MIME message, reply
 * classification, gw_smtp_msg.c), exposed for the unit tests, and its
 * configuration. Nothing here does I/O.
 */
#ifndef RELAIS_GW_SMTP_H
#define RELAIS_GW_SMTP_H

#include <stddef.h>

#include "buf.h"
#include "gw.h"
#include "http.h"

/* curl's CURLE_LOGIN_DENIED in a response's error, for the classifier. */
#define GW_SMTP_LOGIN_DENIED	67

/* An smtp gateway's own keys (config_gateway.conf). */
struct gw_smtp_conf {
	char	*username;	/* AUTH user, or NULL: no AUTH */
	char	*password;	/* password_env or password_file */
	char	*starttls;	/* "true" (the default for smtp://) or "false" */
};

/*
 * Appends to out the RFC 5322 / MIME message of an email: Date (the
 * daemon's clock), From, To, Reply-To, Subject (RFC 2047 encoded-words
 * when not ASCII), Message-ID <key@domain>, X-Relais-Delivery,
 * List-Unsubscribe and List-Unsubscribe-Post when there is an unsubscribe
 * URL, then multipart/alternative text/plain + text/html (or the one part
 * there is), UTF-8, quoted-printable; CRLF line ends, no line over 78
 * characters but those that hold one address, the delivery key or the
 * Message-ID, or a long unsubscribe URL alone, none of which can be folded
 * (all under 998: addresses at most 254 bytes, GW_UNSUBSCRIBE_MAX).
 * -1 when the message cannot make one (see gw_smtp_check); out unchanged.
 */
int	gw_smtp_message(const struct gw_msg *, const char *domain,
	    struct buf *out);

/*
 * Whether a message can be sent: a sender and a recipient that are plain
 * ASCII addresses of at most 254 bytes (RFC 5321), a delivery key, some
 * content, no line break in a header field, an unsubscribe URL (if any)
 * that can go in a header. -1 with the reason otherwise.
 */
int	gw_smtp_check(const struct gw_msg *, char *err, size_t errlen);

/*
 * Sorts the end of a transfer (status: the last SMTP reply code; error: the
 * CURLcode, also of a refusal; headers: the server's reply lines) into
 * sent / retry / permanent: 4xx replies and transport errors are retried, 5xx replies and refused logins are not; the
 * reason carries the reply code and the server's last line, addresses masked.
 */
void	gw_smtp_classify(const struct http_response *, struct gw_result *);

#endif
