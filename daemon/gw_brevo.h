/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "brevo": the pure parts (email and SMS request bodies,
 * response classification), exposed for the unit tests. Nothing here does
 * I/O.
 */
#ifndef RELAIS_GW_BREVO_H
#define RELAIS_GW_BREVO_H

#include <stddef.h>

#include "buf.h"
#include "gw.h"
#include "http.h"

/* Default base URL; a gateway's url overrides it (tests, proxies). */
#define GW_BREVO_URL	"https://api.brevo.com"

/* A brevo gateway's own keys (config_gateway.conf). */
struct gw_brevo_conf {
	char	*api_key;	/* api_key_env or api_key_file */
};

/*
 * Appends the JSON body of POST /v3/smtp/email for an email to out, an
 * unsubscribe URL as List-Unsubscribe (and List-Unsubscribe-Post) in its
 * headers. -1 with a reason when the message cannot make a valid request
 * (no recipient, no sender, no subject, no content, bytes that are not
 * UTF-8, an unsubscribe URL that cannot go in a header); out is then
 * unchanged.
 */
int	gw_brevo_email_body(const struct gw_msg *, struct buf *out, char *err,
	    size_t errlen);

/*
 * Appends the JSON body of POST /v3/transactionalSMS/send for an SMS to
 * out: sender and recipient as digits without '+', unicodeEnabled when the
 * text is not GSM-7. -1 with a reason when it cannot make a valid request;
 * out is then unchanged.
 */
int	gw_brevo_sms_body(const struct gw_msg *, struct buf *out, char *err,
	    size_t errlen);

/*
 * Sorts a response of either endpoint into sent / retry / wait / permanent:
 * messageId (a string for email, an integer for SMS) becomes the provider
 * id, Brevo's code and message go into the reason, a 429 waits for
 * Retry-After or x-sib-ratelimit-reset.
 */
void	gw_brevo_classify(const struct http_response *, struct gw_result *);

#endif
