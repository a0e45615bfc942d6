/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "sendgrid": the pure parts (request body, response
 * classification), exposed for the unit tests. Nothing here does I/O.
 */
#ifndef RELAIS_GW_SENDGRID_H
#define RELAIS_GW_SENDGRID_H

#include <stddef.h>

#include "buf.h"
#include "gw.h"
#include "http.h"

/* Default base URL; a gateway's url overrides it (EU subusers, tests). */
#define GW_SENDGRID_URL	"https://api.sendgrid.com"

/* A sendgrid gateway's own keys (config_gateway.conf). */
struct gw_sendgrid_conf {
	char	*api_key;	/* api_key_env or api_key_file */
};

/*
 * Appends the v3 Mail Send JSON body of an email to out, with the
 * personalization's headers List-Unsubscribe (and List-Unsubscribe-Post)
 * when the message has an unsubscribe URL. -1 with a reason when the
 * message cannot make a valid request (no recipient, no sender, no
 * subject, no content, bytes that are not UTF-8, an unsubscribe URL that
 * cannot go in a header); out is then unchanged.
 */
int	gw_sendgrid_body(const struct gw_msg *, struct buf *out, char *err,
	    size_t errlen);

/*
 * Sorts a Mail Send response into sent / retry / wait / permanent: the
 * X-Message-Id header becomes the provider id, SendGrid's errors[0] goes
 * into the reason, a 429 waits for Retry-After or X-RateLimit-Reset.
 */
void	gw_sendgrid_classify(const struct http_response *,
	    struct gw_result *);

#endif
