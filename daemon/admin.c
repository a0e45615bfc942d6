/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The admin HTTP server: listening, request dispatch, /healthz, /readyz, /metrics. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "admin.h"
#include "admin_evhook.h"
#include "admin_int.h"
#include "admin_reply.h"
#include "admin_twilio.h"
#include "admin_unsub.h"
#include "buf.h"
#include "log.h"

#define ADMIN_MAX_HEADERS	8192
#define ADMIN_MAX_BODY		1024
#define ADMIN_BACKLOG		64
#define ADMIN_WHY_MAX		256

struct admin_route {
	const char	*path;
	void		(*serve)(struct admin *, struct evhttp_request *);
};

static void	admin_serve_healthz(struct admin *, struct evhttp_request *);
static void	admin_serve_readyz(struct admin *, struct evhttp_request *);
static void	admin_serve_metrics(struct admin *, struct evhttp_request *);
static void	admin_on_request(struct evhttp_request *, void *);

static const struct admin_route admin_routes[] = {
	{ "/healthz", admin_serve_healthz },
	{ "/readyz", admin_serve_readyz },
	{ "/metrics", admin_serve_metrics },
};

int
admin_listen_parse(const char *where, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
	const char	*h, *colon, *p;
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 n;
	long		 v = 0;
	int		 v6;

	if ((v6 = (where[0] == '['))) {
		h = where + 1;
		if ((p = strchr(h, ']')) == NULL || p[1] != ':') {
			snprintf(err, errlen, "expected [IPv6]:port");
			return -1;
		}
		n = (size_t)(p - h);
		colon = p + 1;
	} else {
		h = where;
		if ((colon = strchr(h, ':')) == NULL) {
			snprintf(err, errlen, "expected host:port");
			return -1;
		}
		if (strchr(colon + 1, ':') != NULL) {
			snprintf(err, errlen, "an IPv6 address goes in brackets: "
			    "[::1]:9187");
			return -1;
		}
		n = (size_t)(colon - h);
	}
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "expected a numeric address before the "
		    "port");
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1) {
		snprintf(err, errlen, "\"%s\" is not a numeric %s address",
		    host, v6 ? "IPv6" : "IPv4");
		return -1;
	}
	for (p = colon + 1; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (*p - '0');
	if (p == colon + 1 || *p != '\0' || v > 65535) {
		snprintf(err, errlen, "the port must be a number from 0 to "
		    "65535");
		return -1;
	}
	*port = (int)v;
	return 0;
}

/* A non-blocking listening socket on a numeric address; -1 with err. */
static int
admin_bind(const char *where, int *port, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sslen;
	char			 host[INET6_ADDRSTRLEN], why[128];
	int			 fd = -1, on = 1;

	if (admin_listen_parse(where, host, sizeof host, port, why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, why);
		return -1;
	}
	memset(&ss, 0, sizeof ss);
	if (where[0] == '[') {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)*port);
		inet_pton(AF_INET6, host, &sin6->sin6_addr);
		sslen = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)*port);
		inet_pton(AF_INET, host, &sin->sin_addr);
		sslen = sizeof *sin;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
		goto fail;
	/* "[::]:port" means IPv6 only, not a second IPv4 listener */
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof on) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(fd, ADMIN_BACKLOG) == -1)
		goto fail;
	sslen = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		goto fail;
	*port = ntohs(ss.ss_family == AF_INET6 ? sin6->sin6_port :
	    sin->sin_port);
	return fd;

fail:
	snprintf(err, errlen, "cannot listen on %s: %s", where,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

struct admin *
admin_new(struct event_base *base, const char *where, char *err,
    size_t errlen)
{
	struct admin			*a;
	struct evhttp_bound_socket	*bound;
	int				 fd;

	a = xcalloc(1, sizeof *a);
	a->name = "admin";
	a->evhook = admin_evhook_new();
	buf_init(&a->out);
	admin_guard_init(a);
	if ((fd = admin_bind(where, &a->port, err, errlen)) == -1)
		goto fail;
	if ((a->http = evhttp_new(base)) == NULL ||
	    (a->ev_tick = evtimer_new(base, admin_on_tick, a)) == NULL ||
	    (a->ev_resume = evtimer_new(base, admin_on_resume, a)) == NULL) {
		snprintf(err, errlen, "cannot listen on %s: out of memory",
		    where);
		close(fd);
		goto fail;
	}
	/* evhttp owns (and closes) the socket from here on */
	if ((bound = evhttp_accept_socket_with_handle(a->http, fd)) == NULL) {
		snprintf(err, errlen, "cannot listen on %s: evhttp refused the "
		    "socket", where);
		close(fd);
		goto fail;
	}
	a->listener = evhttp_bound_socket_get_listener(bound);
	a->listening = 1;
	evconnlistener_set_error_cb(a->listener, admin_on_accept_error);
	evhttp_set_bevcb(a->http, admin_on_accept, a);
	admin_set_limits(a, ADMIN_MAX_CONNECTIONS, ADMIN_REQUEST_TIMEOUT_MS);
	evhttp_set_max_headers_size(a->http, ADMIN_MAX_HEADERS);
	/* the webhook's cap; admin_on_request holds the rest to ADMIN_MAX_BODY */
	evhttp_set_max_body_size(a->http, ADMIN_TWILIO_MAX_BODY);
	/* let every method reach us, so that the answer is 405, not 501 */
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	/*
	 * No EVHTTP_SERVER_LINGERING_CLOSE: it would read (and discard) any
	 * announced body, however large, before answering 413.
	 */
	evhttp_set_gencb(a->http, admin_on_request, a);
	return a;

fail:
	admin_free(a);
	return NULL;
}

void
admin_set_ready(struct admin *a, admin_ready_fn fn, void *arg)
{
	a->ready = fn;
	a->ready_arg = arg;
}

void
admin_set_metrics(struct admin *a, admin_metrics_fn fn, void *arg)
{
	a->metrics = fn;
	a->metrics_arg = arg;
}

void
admin_set_unsubscribe(struct admin *a, const void *secret, size_t secretlen,
    admin_suppress_fn fn, void *arg)
{
	admin_unsub_free(a->unsub);
	a->unsub = admin_unsub_new(secret, secretlen, fn, arg);
}

void
admin_set_twilio(struct admin *a, const char *auth_token,
    const char *public_url, admin_suppress_fn suppress,
    admin_unsuppress_fn unsuppress, admin_status_fn status, void *arg)
{
	admin_twilio_free(a->twilio);
	a->twilio = admin_twilio_new(auth_token, public_url, suppress,
	    unsuppress, status, arg);
}

void
admin_set_bounces(struct admin *a, const char *sendgrid_key,
    const char *mailgun_key, const char *brevo_token, long max_age_s,
    admin_feedback_fn fn, void *arg)
{
	admin_evhook_set(a->evhook, sendgrid_key, mailgun_key, brevo_token,
	    max_age_s, fn, arg);
}

void
admin_set_serve(struct admin *a, const char *name, admin_serve_fn fn,
    void *arg, size_t max_body)
{
	a->name = name;
	a->serve = fn;
	a->serve_arg = arg;
	a->serve_max_body = max_body;
	evhttp_set_max_body_size(a->http, max_body);
	/* its own methods: what it does not take it answers 405 itself */
}

int
admin_port(const struct admin *a)
{
	return a->port;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	admin_guard_free(a);
	if (a->http != NULL)
		evhttp_free(a->http);
	if (a->ev_tick != NULL)
		event_free(a->ev_tick);
	if (a->ev_resume != NULL)
		event_free(a->ev_resume);
	buf_free(&a->out);
	admin_unsub_free(a->unsub);
	admin_twilio_free(a->twilio);
	admin_evhook_free(a->evhook);
	free(a->buckets);
	free(a->proxies);
	free(a);
}

static const char *
admin_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

static void
admin_serve_healthz(struct admin *a, struct evhttp_request *req)
{
	(void)a;
	admin_reply_text(req, HTTP_OK, "OK", "ok\n");
}

static void
admin_serve_readyz(struct admin *a, struct evhttp_request *req)
{
	char	why[ADMIN_WHY_MAX + 1] = "";
	size_t	i;

	if (a->ready == NULL)
		snprintf(why, sizeof why, "starting");
	else if (a->ready(a->ready_arg, why, ADMIN_WHY_MAX) == 1) {
		admin_reply_text(req, HTTP_OK, "OK", "ready\n");
		return;
	}
	why[ADMIN_WHY_MAX - 1] = '\0';
	/* one line, whatever the callback wrote */
	for (i = 0; why[i] != '\0'; i++)
		if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
			why[i] = ' ';
	if (i == 0)
		snprintf(why, sizeof why, "not ready");
	strcat(why, "\n");
	admin_reply_text(req, 503, "Service Unavailable", why);
}

static void
admin_serve_metrics(struct admin *a, struct evhttp_request *req)
{
	buf_reset(&a->out);
	/* until the daemon's families come, none of ours either */
	if (a->metrics != NULL) {
		a->metrics(a->metrics_arg, &a->out);
		admin_connection_metrics(a, &a->out);
		admin_evhook_metrics(a->evhook, &a->out);
	}
	if (a->buckets != NULL) {
		admin_metric_help(&a->out, "relais_admin_limited_total",
		    ADMIN_COUNTER, "Requests to the public endpoints answered "
		    "429, their client being over admin.rate_per_s.");
		admin_metric(&a->out, "relais_admin_limited_total",
		    (double)a->nlimited, NULL);
	}
	admin_reply(req, HTTP_OK, "OK",
	    "text/plain; version=0.0.4; charset=utf-8",
	    a->out.data != NULL ? a->out.data : "", a->out.len);
}

/* The digits of a Content-Length without their leading zeros. */
static const char *
admin_digits(const char *s)
{
	while (s[0] == '0' && s[1] != '\0')
		s++;
	return s;
}

int
admin_framing_ok(const struct evkeyvalq *headers)
{
	const struct evkeyval	*h;
	const char		*p, *len = NULL;
	int			 chunked = 0;

	TAILQ_FOREACH(h, headers, next) {
		if (strcasecmp(h->key, "Transfer-Encoding") == 0) {
			chunked = 1;
			continue;
		}
		if (strcasecmp(h->key, "Content-Length") != 0)
			continue;
		for (p = h->value; *p >= '0' && *p <= '9'; p++)
			;
		if (p == h->value || *p != '\0')
			return 0;
		if (len == NULL)
			len = admin_digits(h->value);
		else if (strcmp(len, admin_digits(h->value)) != 0)
			return 0;
	}
	/* both: which one a proxy in front believed is anyone's guess */
	return !(chunked && len != NULL);
}

/*
 * Every request that evhttp parsed lands here; malformed and oversized ones
 * were answered (400, 413) or dropped by evhttp itself.
 */
static void
admin_on_request(struct evhttp_request *req, void *arg)
{
	struct admin			*a = arg;
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	const struct admin_route	*r = NULL;
	struct evkeyvalq		*in = evhttp_request_get_input_headers(req);
	const char			*path = NULL;
	enum evhttp_cmd_type		 m = evhttp_request_get_command(req);
	size_t				 i;

	/*
	 * One request a connection, so that the connection's deadline is the
	 * request's. evhttp keeps a connection when the request's Connection
	 * header asks for it (and answers in kind): tell it the client asked
	 * for a close.
	 */
	evhttp_remove_header(in, "Connection");
	if (evhttp_add_header(in, "Connection", "close") == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	/* evhttp read the body by the first Content-Length alone */
	if (!admin_framing_ok(in)) {
		admin_reply_text(req, HTTP_BADREQUEST, "Bad Request",
		    "conflicting or malformed Content-Length\n");
		return;
	}
	if (a->serve != NULL) {
		if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
		    a->serve_max_body)
			admin_reply_text(req, 413, "Payload Too Large",
			    "too large\n");
		else
			a->serve(a->serve_arg, req);
		return;
	}
	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (admin_rate_limit(a, path, req))
		return;
	if (admin_twilio_serve(a->twilio, path, req))
		return;
	/* their connections were let bigger bodies in (admin_conn_decide) */
	if (admin_evhook_serve(a->evhook, a, path, req))
		return;
	/* evhttp let up to the webhook's 16 KiB in; the rest keeps 1 KiB */
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    ADMIN_MAX_BODY) {
		admin_reply_text(req, 413, "Payload Too Large", "too large\n");
		return;
	}
	/* before the log line: a token carries an address */
	if (path != NULL && admin_unsub_serve(a->unsub, path, req))
		return;
	for (i = 0; path != NULL && i < sizeof admin_routes /
	    sizeof admin_routes[0]; i++)
		if (strcmp(path, admin_routes[i].path) == 0)
			r = &admin_routes[i];
	log_kv(LOG_DEBUG, "admin:", LOG_STR("method", admin_method_name(m)),
	    LOG_TEXT("path", path != NULL ? path : ""));
	if (r == NULL) {
		admin_reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "not found\n");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		admin_reply_not_allowed(req, "GET, HEAD");
		return;
	}
	r->serve(a, req);
}
