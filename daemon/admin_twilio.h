/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * /hooks/twilio: Twilio's inbound SMS and status callbacks on the admin server.
 * Served by admin.c; the daemon calls admin_set_twilio(), and its callbacks
 * admin_twilio_message_sid().
 *
 * Only a POST whose X-Twilio-Signature matches is acted upon; anything else
 * is refused (403) before any callback. An opt-out keyword calls suppress,
 * an opt-in keyword unsuppress (both only with a well-formed MessageSid,
 * which admin_twilio_message_sid() tells them), a status callback status;
 * the answer is an empty TwiML document (Twilio itself sends the STOP
 * confirmation). The signature carries no date: remembering each
 * MessageSid is the callbacks' part (see main.c, consent.h).
 *
 * Ownership: struct admin_twilio owns copies of the auth token (wiped by
 * admin_twilio_free()) and of the public URL. The callbacks are called
 * synchronously while a request is answered, with strings that die when
 * they return; they must not call admin_free().
 */
#ifndef RELAIS_ADMIN_TWILIO_H
#define RELAIS_ADMIN_TWILIO_H

#include "admin.h"

struct evhttp_request;
struct admin_twilio;

#define ADMIN_TWILIO_PATH	"/hooks/twilio"
/* An inbound SMS of 1600 characters, url-encoded, and its other fields. */
#define ADMIN_TWILIO_MAX_BODY	16384
/* The sources recorded with the suppression list changes made here. */
#define ADMIN_TWILIO_SOURCE_STOP	"twilio STOP"
#define ADMIN_TWILIO_SOURCE_START	"twilio START"

/*
 * NULL when auth_token is NULL or empty (the hook stays off). public_url is
 * how Twilio reaches us ("https://relais.example.org", any trailing '/'
 * dropped); NULL or "" means "http://" and the request's Host header.
 */
struct admin_twilio	*admin_twilio_new(const char *auth_token,
			    const char *public_url, admin_suppress_fn,
			    admin_unsuppress_fn, admin_status_fn, void *arg);
void			 admin_twilio_free(struct admin_twilio *);
/*
 * Answers req and returns 1 when path is ADMIN_TWILIO_PATH (404 when t is
 * NULL); returns 0 and leaves req alone otherwise.
 */
int			 admin_twilio_serve(struct admin_twilio *t,
			    const char *path, struct evhttp_request *req);
/*
 * The MessageSid of the inbound SMS whose keyword the suppress or
 * unsuppress callback is being called for; NULL at any other time.
 * admin.h's callbacks carry an id and a source only: this is how they learn
 * which message asked, so that a replayed webhook changes nothing.
 */
const char		*admin_twilio_message_sid(void);

#endif
