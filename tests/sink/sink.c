/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* sink: a scripted stand-in HTTP gateway for tests and benchmarks. */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "buf.h"
#include "log.h"

#define SINK_MAX_BODY		(1024 * 1024)
#define SINK_FLUSH_MS		100
#define SINK_MAX_DELAY_MS	(3600 * 1000)

enum sink_action {
	SINK_ANSWER,		/* reply now */
	SINK_DELAY,		/* reply after delay_ms */
	SINK_HOLD,		/* reply when SIGUSR1 comes */
	SINK_CLOSE		/* drop the connection without a reply */
};

/*
 * One parsed response spec: CODE, CODE:N, close, delay:MS:CODE[:N] or
 * hold:CODE[:N].
 */
struct sink_spec {
	enum sink_action action;
	int		 code;
	int		 retry_after;	/* seconds; -1: none */
	int		 delay_ms;
};

/*
 * A request held back by a delay, a hold or a close. It owns its timer
 * (a hold has none); the evhttp_request stays owned by evhttp (detached
 * from its connection if the client goes away first), and is released by
 * the reply or the close.
 */
struct sink_pending {
	struct sink		*sink;
	struct evhttp_request	*req;
	struct event		*ev;
	struct sink_spec	 spec;
	unsigned long long	 n;
	struct sink_pending	*prev, *next;
};

struct sink {
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*sigterm, *sigint, *sigusr1, *flush;
	struct evbuffer		*reply;	/* reused body buffer */

	struct sink_spec	*script;
	size_t			 nscript, next;
	struct sink_spec	 dflt;

	FILE			*out;		/* -o: JSON lines */
	FILE			*lat;		/* --latency */
	struct buf		 latbuf;

	struct sink_pending	*pending;
	unsigned long long	 count;

	/* -I: Idempotency-Key -> [code, message id] of its first 2xx answer */
	json_t			*answered;
};

static void __attribute__((noreturn))
sink_usage(void)
{
	fprintf(stderr, "usage: sink [-Iv] [-l addr:port] [-P portfile] "
	    "[-o record.jsonl] [-s spec,...] [-D spec] [--latency file]\n"
	    "  spec: CODE | CODE:RETRY_AFTER | close | "
	    "delay:MS:CODE[:RETRY_AFTER] | hold:CODE[:RETRY_AFTER]\n"
	    "  hold: answered when the sink gets SIGUSR1\n"
	    "  -I: a request whose Idempotency-Key was answered 2xx gets that "
	    "answer again\n");
	exit(2);
}

/* Wall-clock microseconds, comparable with other processes' timestamps. */
static long long
sink_now_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Parses s[0..len), all decimal digits, as an integer in [lo, hi]. */
static int
sink_parse_int(const char *s, size_t len, long lo, long hi, int *out)
{
	char	tmp[16], *end;
	long	v;

	if (len == 0 || len >= sizeof tmp || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtol(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Parses CODE or CODE:N from s[0..len). */
static int
sink_parse_code(const char *s, size_t len, struct sink_spec *sp)
{
	const char	*colon;

	sp->retry_after = -1;
	colon = memchr(s, ':', len);
	if (colon == NULL)
		return sink_parse_int(s, len, 200, 599, &sp->code);
	if (sink_parse_int(s, colon - s, 200, 599, &sp->code) == -1)
		return -1;
	return sink_parse_int(colon + 1, len - (colon + 1 - s), 0, INT_MAX,
	    &sp->retry_after);
}

/* Parses one spec from s[0..len); surrounding blanks are ignored. */
static int
sink_parse_spec(const char *s, size_t len, struct sink_spec *sp)
{
	const char	*colon;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	memset(sp, 0, sizeof *sp);
	sp->retry_after = -1;
	if (len == 5 && memcmp(s, "close", 5) == 0) {
		sp->action = SINK_CLOSE;
		return 0;
	}
	if (len > 6 && memcmp(s, "delay:", 6) == 0) {
		s += 6;
		len -= 6;
		if ((colon = memchr(s, ':', len)) == NULL)
			return -1;
		if (sink_parse_int(s, colon - s, 0, SINK_MAX_DELAY_MS,
		    &sp->delay_ms) == -1)
			return -1;
		sp->action = SINK_DELAY;
		return sink_parse_code(colon + 1, len - (colon + 1 - s), sp);
	}
	if (len > 5 && memcmp(s, "hold:", 5) == 0) {
		sp->action = SINK_HOLD;
		return sink_parse_code(s + 5, len - 5, sp);
	}
	sp->action = SINK_ANSWER;
	return sink_parse_code(s, len, sp);
}

/* Parses a comma-separated script into sink->script. */
static int
sink_parse_script(struct sink *sink, const char *script)
{
	struct sink_spec	*sp;
	const char		*p = script, *comma;
	size_t			 len, n = 1;

	for (comma = script; (comma = strchr(comma, ',')) != NULL; comma++)
		n++;
	free(sink->script);	/* the last -s wins */
	sink->script = xcalloc(n, sizeof *sink->script);
	sink->nscript = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		sp = &sink->script[sink->nscript];
		if (sink_parse_spec(p, len, sp) == -1) {
			log_warnx("bad spec \"%.*s\" in script", (int)len, p);
			return -1;
		}
		sink->nscript++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* Splits ADDR:PORT (ADDR may be [v6]); addr is written into out. */
static int
sink_parse_listen(const char *s, char *out, size_t outlen, int *port)
{
	const char	*colon, *host = s;
	size_t		 hostlen;

	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	hostlen = colon - s;
	if (hostlen >= 2 && s[0] == '[' && s[hostlen - 1] == ']') {
		host++;
		hostlen -= 2;
	}
	if (hostlen == 0 || hostlen >= outlen)
		return -1;
	memcpy(out, host, hostlen);
	out[hostlen] = '\0';
	return sink_parse_int(colon + 1, strlen(colon + 1), 0, 65535, port);
}

/* Writes "PORT\n" to path via a temporary file: no reader sees half. */
static int
sink_write_portfile(const char *path, int port)
{
	char	tmp[PATH_MAX], line[16];
	int	fd = -1, n;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		log_warnx("port file path too long");
		return -1;
	}
	n = snprintf(line, sizeof line, "%d\n", port);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		log_warn("open %s", tmp);
		goto fail;
	}
	if (write(fd, line, n) != n) {
		log_warn("write %s", tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("close %s", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("rename %s", path);
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

static const char *
sink_method(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:		return "GET";
	case EVHTTP_REQ_POST:		return "POST";
	case EVHTTP_REQ_HEAD:		return "HEAD";
	case EVHTTP_REQ_PUT:		return "PUT";
	case EVHTTP_REQ_DELETE:		return "DELETE";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	case EVHTTP_REQ_TRACE:		return "TRACE";
	case EVHTTP_REQ_CONNECT:	return "CONNECT";
	case EVHTTP_REQ_PATCH:		return "PATCH";
	}
	return "?";
}

/* A JSON string of arbitrary bytes: invalid UTF-8 bytes become '?'. */
static json_t *
sink_json_bytes(const char *s, size_t len)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if ((j = json_stringn(s, len)) != NULL)
		return j;
	copy = xstrndup(s, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/* Headers as an object with lower-case names; repeats are joined by ", ". */
static json_t *
sink_json_headers(struct evkeyvalq *headers)
{
	struct evkeyval	*kv;
	json_t		*obj, *old;
	char		 name[256], *joined;
	size_t		 i;

	if ((obj = json_object()) == NULL)
		return NULL;
	for (kv = headers->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		for (i = 0; kv->key[i] != '\0' && i < sizeof name - 1; i++)
			name[i] = tolower((unsigned char)kv->key[i]);
		name[i] = '\0';
		if ((old = json_object_get(obj, name)) != NULL &&
		    json_is_string(old)) {
			if (asprintf(&joined, "%s, %s", json_string_value(old),
			    kv->value) == -1)
				goto fail;
			if (json_object_set_new(obj, name,
			    sink_json_bytes(joined, strlen(joined))) == -1) {
				free(joined);
				goto fail;
			}
			free(joined);
		} else if (json_object_set_new(obj, name,
		    sink_json_bytes(kv->value, strlen(kv->value))) == -1)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/* Appends one JSON line for req to the -o file and flushes it. */
static void
sink_record(struct sink *sink, struct evhttp_request *req, long long t_us,
    const char *body, size_t bodylen, int status, int replay)
{
	json_t	*rec;

	rec = json_pack("{s:I, s:s, s:s, s:o*, s:o*, s:i}",
	    "t_us", (json_int_t)t_us,
	    "method", sink_method(evhttp_request_get_command(req)),
	    "path", evhttp_request_get_uri(req),
	    "headers", sink_json_headers(evhttp_request_get_input_headers(req)),
	    "body", sink_json_bytes(body, bodylen),
	    "status", status);
	if (rec == NULL || (replay && json_object_set_new(rec, "replay",
	    json_true()) == -1)) {
		log_warnx("request %llu: cannot build record", sink->count);
		json_decref(rec);
		return;
	}
	if (json_dumpf(rec, sink->out, JSON_COMPACT) == -1 ||
	    fputc('\n', sink->out) == EOF || fflush(sink->out) == EOF)
		log_warn("write record");
	json_decref(rec);
}

/* Index past the string that opens at p[i]; len if unterminated. */
static size_t
sink_skip_string(const char *p, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return len;
}

static size_t
sink_skip_blanks(const char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
	    p[i] == '\r'))
		i++;
	return i;
}

/*
 * Finds the top-level "event_id" member without building a tree: a full
 * json_loadb costs about as much as all of evhttp's work per request. Sets
 * *tok to the quoted value token and returns 1; returns 0 when the member
 * is absent or not a string, -1 when unsure (malformed, escaped keys).
 */
static int
sink_scan_event_id(const char *p, size_t len, const char **tok, size_t *toklen)
{
	size_t	i, end;
	int	depth = 1, want_key = 1;

	i = sink_skip_blanks(p, len, 0);
	if (i == len || p[i] != '{')
		return -1;
	for (i++; i < len; i++) {
		switch (p[i]) {
		case '"':
			end = sink_skip_string(p, len, i);
			if (end == len)
				return -1;
			if (depth != 1 || !want_key) {
				i = end - 1;
				break;
			}
			if (memchr(p + i, '\\', end - i) != NULL)
				return -1;
			want_key = 0;
			if (end - i != 10 ||
			    memcmp(p + i, "\"event_id\"", 10) != 0) {
				i = end - 1;
				break;
			}
			i = sink_skip_blanks(p, len, end);
			if (i == len || p[i] != ':')
				return -1;
			i = sink_skip_blanks(p, len, i + 1);
			if (i == len || p[i] != '"')
				return 0;
			end = sink_skip_string(p, len, i);
			if (end == len)
				return -1;
			*tok = p + i;
			*toklen = end - i;
			return 1;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return 0;
			break;
		case ',':
			if (depth == 1)
				want_key = 1;
			break;
		}
	}
	return -1;
}

/* Appends "<recv_us> <event_id>\n" to the buffer the flush timer writes out. */
static void
sink_latency(struct sink *sink, long long t_us, const char *body,
    size_t bodylen)
{
	json_t		*doc = NULL, *id = NULL;
	const char	*tok = NULL, *s = "-";
	char		 num[32];
	size_t		 toklen = 0, slen = 1, start;
	int		 found, n;

	found = sink_scan_event_id(body, bodylen, &tok, &toklen);
	if (found == 1 && memchr(tok, '\\', toklen) == NULL) {
		s = tok + 1;
		slen = toklen - 2;
	} else if (found == 1) {
		/* escapes: jansson decodes the one token */
		id = doc = json_loadb(tok, toklen, JSON_DECODE_ANY, NULL);
	} else if (found == -1) {
		/* an odd body: let jansson decide */
		if ((doc = json_loadb(body, bodylen, 0, NULL)) != NULL)
			id = json_object_get(doc, "event_id");
	}
	if (id != NULL && json_is_string(id)) {
		s = json_string_value(id);
		slen = json_string_length(id);
	}
	if (slen == 0) {
		s = "-";
		slen = 1;
	}
	n = snprintf(num, sizeof num, "%lld ", t_us);
	buf_append(&sink->latbuf, num, n);
	start = sink->latbuf.len;
	buf_append(&sink->latbuf, s, slen);
	/* an id with blanks or newlines would break the two-column format */
	for (; start < sink->latbuf.len; start++)
		if ((unsigned char)sink->latbuf.data[start] <= ' ')
			sink->latbuf.data[start] = '_';
	buf_putc(&sink->latbuf, '\n');
	json_decref(doc);
}

/* Writes the latency buffer out; called by the timer and at exit. */
static void
sink_latency_flush(struct sink *sink)
{
	if (sink->lat == NULL || sink->latbuf.len == 0)
		return;
	if (fwrite(sink->latbuf.data, 1, sink->latbuf.len, sink->lat) !=
	    sink->latbuf.len || fflush(sink->lat) == EOF)
		log_warn("write latency file");
	buf_reset(&sink->latbuf);
}

static void
sink_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sink_latency_flush(arg);
}

/* Reason phrases libevent 2.1 lacks (it answers 429 as "Client Error"). */
static const char *
sink_reason(int code)
{
	switch (code) {
	case 308:	return "Permanent Redirect";
	case 422:	return "Unprocessable Entity";
	case 425:	return "Too Early";
	case 428:	return "Precondition Required";
	case 429:	return "Too Many Requests";
	case 431:	return "Request Header Fields Too Large";
	case 451:	return "Unavailable For Legal Reasons";
	case 511:	return "Network Authentication Required";
	}
	return NULL;	/* evhttp's own table */
}

/* The request's Idempotency-Key, or NULL. */
static const char *
sink_idem_key(struct evhttp_request *req)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Idempotency-Key");
}

/*
 * Whether the client of req has hung up. evhttp stops reading a connection
 * while its request is being answered, so it does not notice: peek.
 */
static int
sink_client_gone(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	evutil_socket_t			 fd;
	char				 c;
	ssize_t				 n;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return 1;
	if ((bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) == -1)
		return 1;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/*
 * -I: a 2xx answer that reaches a client is remembered under the request's
 * Idempotency-Key, as a provider that honours the header does; a client
 * gone before its answer got nothing, and a retry of it is a new request.
 */
static void
sink_remember(struct sink *sink, struct evhttp_request *req, int code,
    const char *id)
{
	const char	*key;
	json_t		*v;

	if (sink->answered == NULL || code >= 300 || sink_client_gone(req) ||
	    (key = sink_idem_key(req)) == NULL ||
	    json_object_get(sink->answered, key) != NULL)
		return;
	if ((v = json_pack("[i, s]", code, id)) == NULL ||
	    json_object_set_new(sink->answered, key, v) == -1)
		log_warnx("cannot remember key %s", key);
}

/*
 * Sends the reply described by sp for request number n; msgid, when not
 * NULL, is the message id to give (a replayed answer), else sink-<n>.
 */
static void
sink_answer(struct sink *sink, struct evhttp_request *req,
    const struct sink_spec *sp, unsigned long long n, const char *msgid)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	char			 id[64], ra[16];

	if (msgid != NULL)
		snprintf(id, sizeof id, "%s", msgid);
	else {
		snprintf(id, sizeof id, "sink-%llu", n);
		sink_remember(sink, req, sp->code, id);
	}
	if (evhttp_add_header(out, "Content-Type", "application/json") == -1 ||
	    evhttp_add_header(out, "X-Message-Id", id) == -1)
		log_warnx("request %llu: cannot add headers", n);
	if (sp->retry_after >= 0) {
		snprintf(ra, sizeof ra, "%d", sp->retry_after);
		if (evhttp_add_header(out, "Retry-After", ra) == -1)
			log_warnx("request %llu: cannot add Retry-After", n);
	}
	if ((sp->code < 300 ? evbuffer_add_printf(sink->reply,
	    "{\"status\":\"ok\",\"id\":\"%s\"}", id) :
	    evbuffer_add_printf(sink->reply,
	    "{\"error\":\"status %d\",\"id\":\"%s\"}", sp->code, id)) == -1)
		log_warnx("request %llu: cannot build the body", n);
	/*
	 * evhttp moves sink->reply into the connection, so one buffer serves
	 * every request; it leaves it full if the client has already gone.
	 */
	evhttp_send_reply(req, sp->code, sink_reason(sp->code), sink->reply);
	if (evbuffer_drain(sink->reply, evbuffer_get_length(sink->reply)) == -1)
		log_warnx("request %llu: cannot reset the reply buffer", n);
}

/* Carries out a held request's spec and releases it. */
static void
sink_pending_done(struct sink_pending *p)
{
	struct sink			*sink = p->sink;
	struct evhttp_connection	*evcon;

	if (p->spec.action == SINK_CLOSE) {
		/*
		 * Freeing the connection frees the request. If the client left
		 * first, evhttp detached the request and left it to us.
		 */
		if ((evcon = evhttp_request_get_connection(p->req)) != NULL)
			evhttp_connection_free(evcon);
		else
			evhttp_request_free(p->req);
	} else
		sink_answer(sink, p->req, &p->spec, p->n, NULL);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		sink->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}

static void
sink_pending_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sink_pending_done(arg);
}

/*
 * Holds req until its delay ends, or a hold until SIGUSR1. A close is held
 * too, for zero time: evhttp is still using the connection when it calls
 * the request callback, so freeing it there would pull it from under
 * evhttp's feet.
 */
static void
sink_hold(struct sink *sink, struct evhttp_request *req,
    const struct sink_spec *sp, unsigned long long n)
{
	struct sink_pending	*p;
	struct timeval		 tv;

	p = xcalloc(1, sizeof *p);
	p->sink = sink;
	p->req = req;
	p->spec = *sp;
	p->n = n;
	tv.tv_sec = sp->delay_ms / 1000;
	tv.tv_usec = (sp->delay_ms % 1000) * 1000;
	/* like a failed xmalloc: only memory exhaustion gets here */
	if (sp->action != SINK_HOLD &&
	    ((p->ev = evtimer_new(sink->base, sink_pending_cb, p)) == NULL ||
	    evtimer_add(p->ev, &tv) == -1))
		fatalx("request %llu: cannot arm a timer", n);
	p->next = sink->pending;
	if (p->next != NULL)
		p->next->prev = p;
	sink->pending = p;
}

/* evhttp's callback for every request: record, then answer per the script. */
static void
sink_request_cb(struct evhttp_request *req, void *arg)
{
	struct sink		*sink = arg;
	struct evbuffer		*in;
	const struct sink_spec	*sp;
	struct sink_spec	 again;
	long long		 t_us = sink_now_us();
	const char		*body, *key, *msgid = NULL;
	json_t			*seen = NULL;
	size_t			 bodylen;
	unsigned long long	 n = ++sink->count;

	if (sink->answered != NULL && (key = sink_idem_key(req)) != NULL)
		seen = json_object_get(sink->answered, key);
	if (seen != NULL) {
		/* a retry of what was accepted: the same answer, at once */
		memset(&again, 0, sizeof again);
		again.action = SINK_ANSWER;
		again.code = (int)json_integer_value(json_array_get(seen, 0));
		again.retry_after = -1;
		msgid = json_string_value(json_array_get(seen, 1));
		sp = &again;
	} else
		sp = sink->next < sink->nscript ?
		    &sink->script[sink->next++] : &sink->dflt;
	in = evhttp_request_get_input_buffer(req);
	bodylen = evbuffer_get_length(in);
	if ((body = (const char *)evbuffer_pullup(in, -1)) == NULL) {
		body = "";
		bodylen = 0;
	}
	if (sink->lat != NULL)
		sink_latency(sink, t_us, body, bodylen);
	if (sink->out != NULL)
		sink_record(sink, req, t_us, body, bodylen,
		    sp->action == SINK_CLOSE ? 0 : sp->code, seen != NULL);
	if (sp->action == SINK_ANSWER)
		sink_answer(sink, req, sp, n, msgid);
	else
		sink_hold(sink, req, sp, n);
}

/* SIGUSR1: answers every request held by a hold spec. */
static void
sink_release_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sink		*sink = arg;
	struct sink_pending	*p, *next;
	unsigned		 n = 0;

	(void)sig;
	(void)what;
	for (p = sink->pending; p != NULL; p = next) {
		next = p->next;
		if (p->spec.action != SINK_HOLD)
			continue;
		sink_pending_done(p);
		n++;
	}
	log_debug("released %u held requests", n);
}

static void
sink_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sink	*sink = arg;

	(void)what;
	log_debug("signal %d, stopping", (int)sig);
	if (event_base_loopexit(sink->base, NULL) == -1)
		fatalx("event_base_loopexit failed");
}

static void
sink_event_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
}

/* Binds, publishes the port and arms signals and the flush timer. */
static void
sink_setup(struct sink *sink, const char *laddr, const char *portfile)
{
	struct evhttp_bound_socket	*bound;
	struct event_config		*cfg;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof ss;
	struct timeval			 tv = { 0, SINK_FLUSH_MS * 1000 };
	char				 addr[256];
	int				 port;

	if (sink_parse_listen(laddr, addr, sizeof addr, &port) == -1)
		fatalx("bad listen address \"%s\" (want ADDR:PORT)", laddr);
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	/*
	 * evhttp enables and disables EV_WRITE around every reply; with the
	 * changelist, epoll only hears about the net change once per loop.
	 */
	if (event_config_set_flag(cfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == -1)
		fatalx("event_config_set_flag failed");
	sink->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (sink->base == NULL)
		fatalx("event_base_new failed");
	if ((sink->http = evhttp_new(sink->base)) == NULL)
		fatalx("evhttp_new failed");
	if ((sink->reply = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evhttp_set_max_body_size(sink->http, SINK_MAX_BODY);
	evhttp_set_allowed_methods(sink->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(sink->http, sink_request_cb, sink);
	if ((bound = evhttp_bind_socket_with_handle(sink->http, addr,
	    port)) == NULL)
		fatal("cannot listen on %s", laddr);
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&ss, &sslen) == -1)
		fatal("getsockname");
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		fatalx("unexpected address family %d", ss.ss_family);

	if ((sink->sigterm = evsignal_new(sink->base, SIGTERM, sink_signal_cb,
	    sink)) == NULL || evsignal_add(sink->sigterm, NULL) == -1)
		fatalx("cannot watch SIGTERM");
	if ((sink->sigint = evsignal_new(sink->base, SIGINT, sink_signal_cb,
	    sink)) == NULL || evsignal_add(sink->sigint, NULL) == -1)
		fatalx("cannot watch SIGINT");
	if ((sink->sigusr1 = evsignal_new(sink->base, SIGUSR1, sink_release_cb,
	    sink)) == NULL || evsignal_add(sink->sigusr1, NULL) == -1)
		fatalx("cannot watch SIGUSR1");
	if (sink->lat != NULL &&
	    ((sink->flush = event_new(sink->base, -1, EV_PERSIST, sink_flush_cb,
	    sink)) == NULL || event_add(sink->flush, &tv) == -1))
		fatalx("cannot arm the flush timer");

	/* last: a script that sees the port may send requests at once */
	if (portfile != NULL && sink_write_portfile(portfile, port) == -1)
		exit(1);
	log_debug("listening on %s port %d", addr, port);
}

/* Answers or drops what is still held, flushes and frees everything. */
static void
sink_teardown(struct sink *sink)
{
	while (sink->pending != NULL)
		sink_pending_done(sink->pending);
	sink_latency_flush(sink);
	if (sink->flush != NULL)
		event_free(sink->flush);
	if (sink->sigterm != NULL)
		event_free(sink->sigterm);
	if (sink->sigint != NULL)
		event_free(sink->sigint);
	if (sink->sigusr1 != NULL)
		event_free(sink->sigusr1);
	if (sink->http != NULL)
		evhttp_free(sink->http);
	if (sink->reply != NULL)
		evbuffer_free(sink->reply);
	if (sink->base != NULL)
		event_base_free(sink->base);
	if (sink->out != NULL && fclose(sink->out) == EOF)
		log_warn("close record file");
	if (sink->lat != NULL && fclose(sink->lat) == EOF)
		log_warn("close latency file");
	buf_free(&sink->latbuf);
	free(sink->script);
	json_decref(sink->answered);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "latency",	required_argument,	NULL, 'L' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct sink	 sink;
	const char	*laddr = "127.0.0.1:0", *portfile = NULL;
	const char	*outpath = NULL, *latpath = NULL, *dflt = "200";
	int		 ch, verbose = 0;

	memset(&sink, 0, sizeof sink);
	buf_init(&sink.latbuf);
	log_init("sink", 0);
	while ((ch = getopt_long(argc, argv, "D:hIl:o:P:s:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D':
			dflt = optarg;
			break;
		case 'I':
			if (sink.answered == NULL &&
			    (sink.answered = json_object()) == NULL)
				fatalx("json_object failed");
			break;
		case 'l':
			laddr = optarg;
			break;
		case 'L':
			latpath = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'P':
			portfile = optarg;
			break;
		case 's':
			if (sink_parse_script(&sink, optarg) == -1)
				exit(2);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			sink_usage();
		}
	}
	if (optind != argc)
		sink_usage();
	log_init("sink", verbose);
	if (sink_parse_spec(dflt, strlen(dflt), &sink.dflt) == -1)
		fatalx("bad default spec \"%s\"", dflt);

	/* a client that hangs up mid-reply must not kill the sink */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	event_set_log_callback(sink_event_log);
	if (outpath != NULL && (sink.out = fopen(outpath, "a")) == NULL)
		fatal("open %s", outpath);
	if (latpath != NULL && (sink.lat = fopen(latpath, "a")) == NULL)
		fatal("open %s", latpath);

	sink_setup(&sink, laddr, portfile);
	if (event_base_dispatch(sink.base) == -1)
		fatalx("event loop failed");
	sink_teardown(&sink);
	fprintf(stderr, "sink: %llu requests\n", sink.count);
	return 0;
}
