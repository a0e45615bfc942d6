/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The admin HTTP server (libevent evhttp) and Prometheus text-format helpers.
 *
 * Serves /healthz, /readyz and /metrics; everything else is 404, other
 * methods than GET and HEAD are 405. Headers are capped at 8 KiB, bodies at
 * 1 KiB; evhttp rejects what exceeds them. A request whose Content-Length
 * is malformed or contradicts itself is 400.
 * /u/<token> serves the one-click unsubscribe pages (admin_unsub.c).
 * POST /hooks/twilio takes Twilio's signed webhooks (admin_twilio.c), with
 * bodies up to 16 KiB; POST /hooks/sendgrid, /hooks/mailgun and
 * /hooks/brevo email providers' bounces and complaints (admin_evhook.c),
 * with bodies up to 1 MiB (at most ADMIN_BIG_CONNS such connections at
 * once). These public endpoints are rate-limited per client
 * (admin_set_rate); nothing on the port changes state without the
 * signature of a link or of a provider (Brevo's token), so no other
 * credential is asked for.
 *
 * The port holds against floods (admin_set_limits): a connection carries one
 * request and is closed when that is not done within a deadline, however
 * slowly bytes keep coming; at the cap of open connections the oldest gives
 * way to each new one; when accept() fails for want of file descriptors the
 * listener rests for a second instead of spinning.
 *
 * Ownership: struct admin owns its evhttp and listening socket; admin_free()
 * closes both and every open admin connection. The readiness and metrics
 * callbacks are called synchronously while a request is answered; they must
 * not call admin_free(). Strings they write are copied before they return.
 * The same holds for the suppress, unsuppress and status callbacks; their
 * strings die when they return.
 */
#ifndef RELAIS_ADMIN_H
#define RELAIS_ADMIN_H

#include <stddef.h>

/* The Prometheus text helpers, for the modules that write metrics. */
#include "admin_prom.h"

struct buf;
struct event_base;
struct admin;

/* Returns 1 when ready; otherwise 0 with a one-line reason in why. */
typedef int	(*admin_ready_fn)(void *arg, char *why, size_t whylen);
/* Appends the whole exposition (HELP, TYPE and samples) to out. */
typedef void	(*admin_metrics_fn)(void *arg, struct buf *out);
/*
 * Puts id ("email:ana@example.com") on the suppression list, recording the
 * date and source ("unsubscribe link"). Returns 0 once the write is queued.
 */
typedef int	(*admin_suppress_fn)(void *arg, const char *id,
		    const char *source);
/* Takes id ("sms:+18195550123") off the list; 0 once the write is queued. */
typedef int	(*admin_unsuppress_fn)(void *arg, const char *id,
		    const char *source);
/*
 * A delivery status from Twilio: message_sid "SM...", status "delivered",
 * "undelivered", ...; error_code NULL unless Twilio sent one ("30003").
 */
typedef void	(*admin_status_fn)(void *arg, const char *message_sid,
		    const char *status, const char *error_code);
struct evhook_event;
/*
 * How the write of an email provider's event went: 0 written, 1 seen
 * before (nothing written), -1 failed (consent.h's CONSENT_*).
 */
typedef void	(*admin_feedback_done_fn)(void *done_arg, int result);
/*
 * Records a bounce, complaint or unsubscribe an email provider reported
 * (evhook.h; the event dies when this returns). 0 once the write is
 * queued: done then runs exactly once, later; -1 when it cannot be (done
 * is not called).
 */
typedef int	(*admin_feedback_fn)(void *arg, const struct evhook_event *,
		    admin_feedback_done_fn done, void *done_arg);

/*
 * Splits "127.0.0.1:9187" or "[::1]:9187" (numeric addresses only, port
 * 0-65535) into host and port. Returns 0, or -1 with the reason in err.
 */
int		 admin_listen_parse(const char *where, char *host,
		    size_t hostlen, int *port, char *err, size_t errlen);
/* Defaults of admin.max_connections and admin.request_timeout_ms. */
#define ADMIN_MAX_CONNECTIONS		512
#define ADMIN_REQUEST_TIMEOUT_MS	10000
/* How long the listener rests after accept() failed (EMFILE, ENFILE). */
#define ADMIN_PAUSE_MS			1000

/* Binds and listens; NULL with "cannot listen on ...: reason" in err. */
struct admin	*admin_new(struct event_base *, const char *where, char *err,
		    size_t errlen);
/* Until set, /readyz answers 503 "starting". */
void		 admin_set_ready(struct admin *, admin_ready_fn, void *arg);
/* Until set, /metrics answers an empty exposition. */
void		 admin_set_metrics(struct admin *, admin_metrics_fn, void *arg);
/*
 * Serves /u/<token> (unsub.h) with this secret (copied; at least
 * UNSUB_SECRET_MIN bytes, else the links stay off, logged): GET shows a
 * confirmation form, POST calls fn. Until set, /u/ answers 404.
 */
void		 admin_set_unsubscribe(struct admin *, const void *secret,
		    size_t secretlen, admin_suppress_fn fn, void *arg);
/*
 * Serves POST /hooks/twilio, checking X-Twilio-Signature with auth_token
 * against public_url ("https://relais.example.org"; NULL: "http://" and the
 * Host header) and the request's path and query (both copied). STOP-like
 * keywords call suppress with "sms:" and the sender, START-like ones
 * unsuppress; status callbacks call status. Until set with a non-empty
 * auth_token, /hooks/twilio answers 404.
 */
void		 admin_set_twilio(struct admin *, const char *auth_token,
		    const char *public_url, admin_suppress_fn suppress,
		    admin_unsuppress_fn unsuppress, admin_status_fn status,
		    void *arg);
/*
 * Serves POST /hooks/sendgrid, /hooks/mailgun and /hooks/brevo with these
 * secrets (copied; NULL or "": that hook answers 404): SendGrid's
 * verification key, Mailgun's webhook signing key, Brevo's token. Signed
 * timestamps further than max_age_s from now are refused. Each event goes
 * to fn; a request is answered 200 once every event is written. May be
 * called again (reload): requests in flight finish as they began.
 */
void		 admin_set_bounces(struct admin *, const char *sendgrid_key,
		    const char *mailgun_key, const char *brevo_token,
		    long max_age_s, admin_feedback_fn fn, void *arg);
/* Concurrent connections allowed the email hooks' larger bodies. */
#define ADMIN_BIG_CONNS		16
/*
 * Sockets a port keeps open past evhttp's close at once, reading what the
 * client still sends (admin_linger.c): descriptors beyond its connections.
 */
#define ADMIN_LINGER_MAX	64

/*
 * Limits the public endpoints (/u/, /hooks/...) to per_s requests a
 * second per client, in bursts of up to burst, answering 429 with
 * Retry-After beyond; per_s 0 lifts the limit, as before any call. A
 * client is its IP address (an IPv6 /64): the peer's, or when the peer is
 * a trusted proxy (admin_set_proxies), the one X-Forwarded-For names.
 * Clients are kept in a table of fixed size; may be called again (reload).
 */
void		 admin_set_rate(struct admin *, long per_s, long burst);
/*
 * At most max connections open (at least 1): beyond, each new connection
 * takes the place of the oldest, closed at once. Every connection carries
 * one request and is closed timeout_ms after it was accepted if that
 * request is not answered by then. Until called: ADMIN_MAX_CONNECTIONS and
 * ADMIN_REQUEST_TIMEOUT_MS. May be called again (reload); a lower max
 * closes the oldest connections beyond it.
 */
void		 admin_set_limits(struct admin *, long max, long timeout_ms);

/* An IP address or CIDR block; IPv4 held mapped into IPv6 (::ffff:0:0/96). */
struct admin_net {
	unsigned char	addr[16];
	int		bits;		/* prefix length, 0-128 */
};

/*
 * Parses "192.0.2.1", "10.0.0.0/8", "2001:db8::1" or "2001:db8::/32"
 * (numeric, no bits set past the prefix). 0, or -1 with the reason in err.
 */
int		 admin_net_parse(const char *s, struct admin_net *,
		    char *err, size_t errlen);
/* Whether addr (16 bytes, IPv4 mapped) lies in one of the n nets. */
int		 admin_net_match(const struct admin_net *, size_t n,
		    const unsigned char addr[16]);
/*
 * The client that a chain of trusted proxies reports in X-Forwarded-For
 * (the header's nxff values, in the order received): walking from the
 * right, the first address not in nets. When every address is in nets, or
 * the walk meets something that is not an address, the last address walked
 * past. Returns 0 with addr set (IPv4 mapped), or -1 when the right-most
 * entry is already not an address.
 */
int		 admin_forwarded_client(const char *const *xff, size_t nxff,
		    const struct admin_net *nets, size_t n,
		    unsigned char addr[16]);
/*
 * Believes X-Forwarded-For only from peers within the n nets (copied); with
 * n 0, as before any call, never. May be called again (reload).
 */
void		 admin_set_proxies(struct admin *, const struct admin_net *,
		    size_t n);

struct evhttp_request;
/* Serves one request (admin_set_serve); answers it now or holds it. */
typedef void	(*admin_serve_fn)(void *arg, struct evhttp_request *);
/*
 * Hands every request to fn instead of the port's own endpoints, after
 * the framing check, with bodies up to max_body (413 beyond): another
 * listener (the console's, console.h) on the port's flood guards, proxies
 * and held requests; name (a string that lives as long) in place of
 * "admin" in its log lines. Call once, right after admin_new().
 */
void		 admin_set_serve(struct admin *, const char *name,
		    admin_serve_fn, void *arg, size_t max_body);
/*
 * The client a request counts as, as the rate limit sees it (16 bytes,
 * IPv4 mapped, IPv6 cut to its /64): the peer, or when the peer is a
 * trusted proxy the client X-Forwarded-For names. All zeros when unknown.
 */
void		 admin_client(struct admin *, struct evhttp_request *,
		    unsigned char key[16]);
/* "192.0.2.7" or "2001:db8:1:2::/64": a key of admin_client(). */
void		 admin_client_name(const unsigned char key[16], char *out,
		    size_t outlen);
/* Whether the request's peer is a trusted proxy (admin_set_proxies). */
int		 admin_via_proxy(struct admin *, struct evhttp_request *);

struct evkeyvalq;
/*
 * Whether a request's framing headers are sound: every Content-Length is
 * digits only, all give the same number, and none comes with a
 * Transfer-Encoding. evhttp 2.1 reads the first Content-Length and ignores
 * the others.
 */
int		 admin_framing_ok(const struct evkeyvalq *headers);
/* The bound port (useful when listen asked for port 0). */
int		 admin_port(const struct admin *);
void		 admin_free(struct admin *);

#endif
