/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * /hooks/sendgrid, /hooks/mailgun, /hooks/brevo: email providers' event
 * webhooks on the admin server. Served by admin.c; the daemon calls
 * admin_set_bounces().
 *
 * A request is authenticated first (SendGrid's signature and its signed
 * timestamp, Mailgun's signature and timestamp, Brevo's token); a forged
 * or stale one is refused (403; 401 for Brevo) and logged without any
 * address, a body that is not the provider's format gets 400. Each event
 * relais acts upon (evhook.h) goes to the feedback callback, and the
 * request is answered once every write came back: 200 when each was
 * written or seen before, otherwise an answer that makes the provider try
 * the whole request again later (503; 429 for Brevo, which gives up on any
 * 5xx). A write is remembered by the event's id (consent.c), so the retry
 * applies only what was missing.
 *
 * Ownership: struct admin_evhook owns its keys (wiped when replaced or
 * freed), its counters (they outlive reloads) and every request it waits
 * on. A waiting request whose connection the port closes is forgotten
 * (admin_hold's gone); once the hook is freed, requests still waiting get
 * their writes' results unanswered. The feedback callback is called while
 * a request is served; its done callback later, from the event loop.
 */
#ifndef RELAIS_ADMIN_EVHOOK_H
#define RELAIS_ADMIN_EVHOOK_H

#include <stddef.h>

#include "admin.h"
#include "evhook.h"

struct buf;
struct evhttp_request;
struct admin_evhook;

/* The largest body the hooks take (the rest of the port keeps its caps). */
#define ADMIN_EVHOOK_MAX_BODY	EVHOOK_MAX_BODY
/* How long a provider is asked to wait before trying again, in s. */
#define ADMIN_EVHOOK_RETRY_S	60

struct admin_evhook	*admin_evhook_new(void);
void			 admin_evhook_free(struct admin_evhook *);
/* As admin_set_bounces(); a key that cannot be used leaves its hook off. */
void			 admin_evhook_set(struct admin_evhook *,
			    const char *sendgrid_key, const char *mailgun_key,
			    const char *brevo_token, long max_age_s,
			    admin_feedback_fn, void *arg);
/*
 * Answers req (now or, once every write came back, later) and returns 1
 * when path is one of the hooks' (404 when that hook is off); returns 0
 * and leaves req alone otherwise.
 */
int			 admin_evhook_serve(struct admin_evhook *,
			    struct admin *, const char *path,
			    struct evhttp_request *);
/* Whether path is one of the hooks' (on or off). */
int			 admin_evhook_path(const char *path);
/*
 * Whether a request line (its first n bytes, perhaps cut) is a POST to a
 * hook that is on: its body may be up to ADMIN_EVHOOK_MAX_BODY.
 */
int			 admin_evhook_big(const struct admin_evhook *,
			    const char *line, size_t n);
/* The hooks' counters, for /metrics. */
void			 admin_evhook_metrics(const struct admin_evhook *,
			    struct buf *);

#endif
