/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Gateway kind "twilio": the parts without I/O (form body, classifier), for tests. */
#ifndef RELAIS_GW_TWILIO_H
#define RELAIS_GW_TWILIO_H

struct buf;
struct config_gateway;
struct gw_msg;
struct gw_result;
struct http_response;

/*
 * Appends s as one application/x-www-form-urlencoded name or value, as
 * Twilio's SDKs send it: RFC 3986 unreserved bytes kept, space as '+',
 * every other byte (UTF-8 included) as %XX.
 */
void	gw_twilio_urlencode(struct buf *, const char *s);

/*
 * Appends the body of a Messages create request: To, then From or (when
 * messaging_service_sid is not NULL) MessagingServiceSid, Body, and
 * StatusCallback when status_callback is not NULL. Fields that are NULL in
 * the message are left out.
 */
void	gw_twilio_form(const struct gw_msg *, const char *messaging_service_sid,
	    const char *status_callback, struct buf *out);

/* Sorts a Messages API response into sent / retry / wait / permanent. */
void	gw_twilio_classify(const struct http_response *, struct gw_result *);

/* A twilio gateway's own keys (config_gateway.conf). */
struct gw_twilio_conf {
	char	*account_sid;
	char	*auth_token;		/* auth_token_env or auth_token_file */
	char	*messaging_service_sid;	/* instead of a From number */
	char	*status_callback;
};

/*
 * The auth token of g, a gateway of kind twilio (admin.twilio_gateway: it
 * signs Twilio's webhooks too); NULL when it could not be had.
 */
const char *gw_twilio_auth_token(const struct config_gateway *g);

#endif
