/*
 * The admin HTTP server (libevent evhttp) and Prometheus text-format helpers.
 *
 * Serves /healthz, /readyz and /metrics; everything else is 404, other
 * methods than GET and HEAD are 405. Headers are capped at 8 KiB, bodies at
 * 1 KiB, idle connections at 10 s; evhttp rejects what exceeds them.
 * /u/<token> serves the one-click unsubscribe pages (admin_unsub.c).
 * POST /hooks/twilio takes Twilio's signed webhooks (admin_twilio.c), with
 * bodies up to 16 KiB. These two public endpoints are rate-limited per
 * client (admin_set_rate); nothing on the port changes state without the
 * signature of a link or of Twilio, so no other credential is asked for.
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

/*
 * Splits "127.0.0.1:9187" or "[::1]:9187" (numeric addresses only, port
 * 0-65535) into host and port. Returns 0, or -1 with the reason in err.
 */
int		 admin_listen_parse(const char *where, char *host,
		    size_t hostlen, int *port, char *err, size_t errlen);
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
 * Limits the public endpoints (/u/, /hooks/twilio) to per_s requests a
 * second per client, in bursts of up to burst, answering 429 with
 * Retry-After beyond; per_s 0 lifts the limit, as before any call. A
 * client is its IP address (an IPv6 /64); when the peer is a loopback
 * address (a reverse proxy on this host), the last X-Forwarded-For address
 * instead. Clients are kept in a table of fixed size; may be called again
 * (reload).
 */
void		 admin_set_rate(struct admin *, long per_s, long burst);
/* The bound port (useful when listen asked for port 0). */
int		 admin_port(const struct admin *);
void		 admin_free(struct admin *);

/* Prometheus text exposition format 0.0.4. */
enum admin_metric_type {
	ADMIN_COUNTER,
	ADMIN_GAUGE,
	ADMIN_HISTOGRAM
};

/* Writes the # HELP and # TYPE lines that open a metric family. */
void		 admin_metric_help(struct buf *, const char *name,
		    enum admin_metric_type, const char *help);
/*
 * Writes one sample: name{k1="v1",k2="v2"} value. The labels are pairs of
 * strings ended by NULL; values are escaped (\\, \", \n) and invalid UTF-8
 * becomes U+FFFD. A bad metric or label name skips the sample (logged).
 */
void		 admin_metric(struct buf *, const char *name, double value,
		    ...) __attribute__((sentinel));

/* Upper bounds, in ms, of the finite latency buckets; +Inf comes last. */
#define ADMIN_HISTOGRAM_BOUNDS	{ 1, 2, 5, 10, 25, 50, 100, 250, 500, \
				  1000, 2500, 5000, 10000 }
#define ADMIN_HISTOGRAM_NBOUNDS	13

/*
 * A latency histogram, observed in ms and written in seconds (Prometheus
 * base units: name it *_seconds). Zero it (memset or = { 0 }) to start.
 */
struct admin_histogram {
	unsigned long	counts[ADMIN_HISTOGRAM_NBOUNDS + 1];	/* per bucket */
	unsigned long	count;
	double		sum;
};

/* Counts one observation; negative values count as 0, NaN is ignored. */
void		 admin_histogram_observe(struct admin_histogram *,
		    double value_ms);
/*
 * Writes name_bucket{labels,le="0.001"} ... (cumulative, in seconds, ending
 * with le="+Inf"), name_sum (seconds) and name_count for one label set
 * (pairs ended by NULL).
 */
void		 admin_histogram_write(struct buf *, const char *name,
		    const struct admin_histogram *, ...)
		    __attribute__((sentinel));

#endif
