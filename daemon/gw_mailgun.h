/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "mailgun": the pure parts (multipart request body, response
 * classification), exposed for the unit tests. Nothing here does I/O.
 */
#ifndef RELAIS_GW_MAILGUN_H
#define RELAIS_GW_MAILGUN_H

#include <stddef.h>

#include "buf.h"
#include "gw.h"
#include "http.h"

/* Default base URL; a gateway's url overrides it (EU: api.eu.mailgun.net). */
#define GW_MAILGUN_URL		"https://api.mailgun.net"
/* Room for a boundary gw_mailgun_form() chooses, NUL included. */
#define GW_MAILGUN_BOUNDARY_MAX	48

/* A mailgun gateway's own keys (config_gateway.conf). */
struct gw_mailgun_conf {
	char	*api_key;	/* api_key_env or api_key_file */
	char	*domain;	/* the sending domain */
};

/*
 * Appends the multipart/form-data body of an email to out and writes the
 * boundary it chose (random, found in no value) into boundary, which holds
 * GW_MAILGUN_BOUNDARY_MAX bytes; an unsubscribe URL becomes the fields
 * h:List-Unsubscribe (and h:List-Unsubscribe-Post). -1 with a reason when
 * the message cannot make a valid request (no recipient, no sender, no
 * subject, no content, a line break in an address, bytes that are not
 * UTF-8, an unsubscribe URL that cannot go in a header); out is then
 * unchanged.
 */
int	gw_mailgun_form(const struct gw_msg *, struct buf *out, char *boundary,
	    char *err, size_t errlen);

/*
 * Sorts a Messages response into sent / retry / wait / permanent: the JSON
 * id becomes the provider id, Mailgun's JSON message goes into the reason,
 * a 429 waits for Retry-After, a 404 is retried (Mailgun is eventually
 * consistent: a domain just added may not be seen everywhere yet).
 */
void	gw_mailgun_classify(const struct http_response *, struct gw_result *);

#endif
