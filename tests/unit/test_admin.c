/* Unit tests for the admin HTTP server and the Prometheus text helpers, on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

#include "admin.h"
#include "buf.h"
#include "twhook.h"
#include "unsub.h"

#define DEADLINE_S	5
#define RAWMAX		(256 * 1024)

/* ---- a raw HTTP client on the test's event base ---- */

struct reply {
	char	 raw[RAWMAX];
	size_t	 rawlen;
	int	 status;	/* 0: no status line came */
	char	*body;		/* into raw, NUL-terminated */
	size_t	 bodylen;
	int	 eof;		/* server closed cleanly */
	int	 reset;		/* connection error (e.g. RST) */
	int	 timedout;
};

struct client {
	struct reply	*r;
	int		 head;		/* HEAD: wait for the close */
	int		 done;
};

/* A whole response by its Content-Length (keep-alive answers never close). */
static int
client_complete(struct client *c)
{
	struct reply	*r = c->r;
	const char	*end, *p;
	unsigned long	 clen;

	r->raw[r->rawlen] = '\0';
	if (c->head || (end = strstr(r->raw, "\r\n\r\n")) == NULL)
		return 0;
	for (p = r->raw; p != NULL && p < end; p = strstr(p + 1, "\r\n"))
		if (strncasecmp(p, "\r\nContent-Length:", 17) == 0) {
			clen = strtoul(p + 17, NULL, 10);
			return r->rawlen >= (size_t)(end + 4 - r->raw) + clen;
		}
	return 0;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 room = RAWMAX - 1 - c->r->rawlen;
	int		 n;

	n = evbuffer_remove(in, c->r->raw + c->r->rawlen, room);
	if (n > 0)
		c->r->rawlen += (size_t)n;
	evbuffer_drain(in, evbuffer_get_length(in));	/* beyond RAWMAX */
	if (client_complete(c))
		c->done = 1;
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	client_read(bev, arg);
	if (what & BEV_EVENT_EOF)
		c->r->eof = 1;
	else
		c->r->reset = 1;
	c->done = 1;
}

static void
client_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)what;
	c->r->timedout = 1;
	c->done = 1;
}

static void
reply_parse(struct reply *r)
{
	char	*end;

	r->raw[r->rawlen] = '\0';
	if (sscanf(r->raw, "HTTP/1.%*d %d ", &r->status) != 1)
		r->status = 0;
	if ((end = strstr(r->raw, "\r\n\r\n")) != NULL) {
		r->body = end + 4;
		r->bodylen = r->rawlen - (size_t)(r->body - r->raw);
	}
}

/* Sends raw bytes, reads until the server closes; never past DEADLINE_S. */
static void
exchange(struct event_base *base, int port, const char *req, size_t len,
    struct reply *r)
{
	struct sockaddr_in	 sin;
	struct bufferevent	*bev;
	struct event		*deadline;
	struct timeval		 tv = { DEADLINE_S, 0 };
	struct client		 c = { r, strncmp(req, "HEAD ", 5) == 0, 0 };

	memset(r, 0, sizeof *r);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(bev);
	deadline = evtimer_new(base, client_deadline, &c);
	assert_non_null(deadline);
	assert_int_equal(evtimer_add(deadline, &tv), 0);
	bufferevent_setcb(bev, client_read, NULL, client_event, &c);
	assert_int_equal(bufferevent_enable(bev, EV_READ | EV_WRITE), 0);
	assert_int_equal(bufferevent_socket_connect(bev,
	    (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(bufferevent_write(bev, req, len), 0);
	while (!c.done)
		assert_true(event_base_loop(base, EVLOOP_ONCE) != -1);
	bufferevent_free(bev);
	event_free(deadline);
	reply_parse(r);
	if (r->timedout)
		fail_msg("no answer within %d s to %.60s", DEADLINE_S, req);
}

static void
get(struct event_base *base, int port, const char *method, const char *path,
    struct reply *r)
{
	char	req[512];

	snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", method, path);
	exchange(base, port, req, strlen(req), r);
}

/* The value of a response header (case-insensitive name), or NULL. */
static const char *
header(struct reply *r, const char *name, char *out, size_t outlen)
{
	const char	*p = strstr(r->raw, "\r\n"), *end, *colon;
	size_t		 n = strlen(name);

	while (p != NULL && p[2] != '\r' && p[2] != '\0') {
		p += 2;
		end = strstr(p, "\r\n");
		colon = strchr(p, ':');
		if (end != NULL && colon != NULL && colon < end &&
		    (size_t)(colon - p) == n && strncasecmp(p, name, n) == 0) {
			colon++;
			while (*colon == ' ')
				colon++;
			snprintf(out, outlen, "%.*s", (int)(end - colon), colon);
			return out;
		}
		p = end;
	}
	return NULL;
}

/* ---- a strict parser of the text exposition format 0.0.4 ---- */

#define MAXSAMPLES	256
#define MAXFAMILIES	32
#define MAXLABELS	8

struct sample {
	char	 name[128];
	int	 family;
	int	 nl;
	char	 lk[MAXLABELS][64];
	char	 lv[MAXLABELS][256];
	double	 value;
};

struct family {
	char	 name[128];
	char	 type[16];
	int	 help, nsamples;
};

struct expo {
	struct sample	s[MAXSAMPLES];
	int		ns;
	struct family	f[MAXFAMILIES];
	int		nf;
	char		err[512];
};

static int
expo_utf8_ok(const unsigned char *s, size_t n)
{
	size_t	i = 0, k, len;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		if ((s[i] == 0xe0 && s[i + 1] < 0xa0) ||
		    (s[i] == 0xed && s[i + 1] > 0x9f) ||
		    (s[i] == 0xf0 && s[i + 1] < 0x90) ||
		    (s[i] == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		i += len;
	}
	return 1;
}

/* Reads a name at *p: [a-zA-Z_:][a-zA-Z0-9_:]* (no ':' for labels). */
static int
expo_name(const char **p, char *out, size_t outlen, int metric)
{
	size_t	n = 0;
	char	c;

	while ((c = (*p)[n]) != '\0' && ((c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':') ||
	    (n > 0 && c >= '0' && c <= '9')))
		n++;
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 0;
}

static int
expo_value(const char *s, double *v)
{
	char	*end;

	if (strcmp(s, "+Inf") == 0)
		*v = INFINITY;
	else if (strcmp(s, "-Inf") == 0)
		*v = -INFINITY;
	else if (strcmp(s, "NaN") == 0)
		*v = NAN;
	else {
		if (*s == '\0' || strchr(s, ' ') != NULL || isalpha(
		    (unsigned char)*s))
			return -1;
		errno = 0;
		*v = strtod(s, &end);
		if (*end != '\0' || errno != 0 || isnan(*v) || isinf(*v))
			return -1;
	}
	return 0;
}

static int
expo_family(struct expo *e, const char *name)
{
	int	i;

	for (i = 0; i < e->nf; i++)
		if (strcmp(e->f[i].name, name) == 0)
			return i;
	if (e->nf == MAXFAMILIES)
		return -1;
	snprintf(e->f[e->nf].name, sizeof e->f[e->nf].name, "%s", name);
	return e->nf++;
}

/* The family a sample name belongs to (histogram suffixes), or -1. */
static int
expo_family_of(struct expo *e, const char *name)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t	 n = strlen(name), k, i;
	int	 f;

	for (f = 0; f < e->nf; f++) {
		if (strcmp(e->f[f].type, "histogram") == 0) {
			for (i = 0; i < 3; i++) {
				k = strlen(sfx[i]);
				if (n > k && strcmp(name + n - k, sfx[i]) == 0 &&
				    strncmp(name, e->f[f].name, n - k) == 0 &&
				    e->f[f].name[n - k] == '\0')
					return f;
			}
		} else if (strcmp(e->f[f].name, name) == 0)
			return f;
	}
	return -1;
}

static int
expo_labels(const char **pp, struct sample *s, char *err, size_t errlen)
{
	const char	*p = *pp;
	size_t		 n;
	int		 i;

	for (;;) {
		if (s->nl == MAXLABELS ||
		    expo_name(&p, s->lk[s->nl], sizeof s->lk[0], 0) == -1) {
			snprintf(err, errlen, "bad label name");
			return -1;
		}
		for (i = 0; i < s->nl; i++)
			if (strcmp(s->lk[i], s->lk[s->nl]) == 0) {
				snprintf(err, errlen, "label %s twice",
				    s->lk[i]);
				return -1;
			}
		if (p[0] != '=' || p[1] != '"') {
			snprintf(err, errlen, "expected =\" after a label");
			return -1;
		}
		p += 2;
		for (n = 0; *p != '"'; n++) {
			if (*p == '\0' || *p == '\n' || n + 1 >=
			    sizeof s->lv[0]) {
				snprintf(err, errlen, "unterminated label value");
				return -1;
			}
			if (*p == '\\') {
				if (p[1] == 'n')
					s->lv[s->nl][n] = '\n';
				else if (p[1] == '\\' || p[1] == '"')
					s->lv[s->nl][n] = p[1];
				else {
					snprintf(err, errlen, "bad escape \\%c",
					    p[1]);
					return -1;
				}
				p += 2;
			} else
				s->lv[s->nl][n] = *p++;
		}
		s->lv[s->nl][n] = '\0';
		if (!expo_utf8_ok((const unsigned char *)s->lv[s->nl], n)) {
			snprintf(err, errlen, "label value not UTF-8");
			return -1;
		}
		s->nl++;
		p++;
		if (*p == '}') {
			*pp = p + 1;
			return 0;
		}
		if (*p != ',') {
			snprintf(err, errlen, "expected , or } after a label");
			return -1;
		}
		p++;
	}
}

static int
expo_comment(struct expo *e, const char *line, char *err, size_t errlen)
{
	static const char *const types[] = { "counter", "gauge", "histogram",
	    "summary", "untyped" };
	const char	*p;
	char		 name[128];
	size_t		 i;
	int		 f, help;

	if (strncmp(line, "# HELP ", 7) == 0)
		help = 1;
	else if (strncmp(line, "# TYPE ", 7) == 0)
		help = 0;
	else {
		snprintf(err, errlen, "stray comment");
		return -1;
	}
	p = line + 7;
	if (expo_name(&p, name, sizeof name, 1) == -1 || *p != ' ' ||
	    (f = expo_family(e, name)) == -1) {
		snprintf(err, errlen, "bad family name");
		return -1;
	}
	p++;
	if (e->f[f].nsamples > 0) {
		snprintf(err, errlen, "%s of %s after its samples",
		    help ? "HELP" : "TYPE", name);
		return -1;
	}
	if (help) {
		if (e->f[f].help++) {
			snprintf(err, errlen, "second HELP for %s", name);
			return -1;
		}
		for (; *p != '\0'; p++)
			if (*p == '\\' && *++p != '\\' && *p != 'n') {
				snprintf(err, errlen, "bad escape in HELP");
				return -1;
			}
		return 0;
	}
	if (e->f[f].type[0] != '\0') {
		snprintf(err, errlen, "second TYPE for %s", name);
		return -1;
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(p, types[i]) == 0)
			break;
	if (i == sizeof types / sizeof types[0]) {
		snprintf(err, errlen, "unknown type %s", p);
		return -1;
	}
	snprintf(e->f[f].type, sizeof e->f[f].type, "%s", p);
	return 0;
}

static int
expo_sample(struct expo *e, const char *line, int *cur, char *err,
    size_t errlen)
{
	struct sample	*s;
	const char	*p = line;
	int		 i, k;

	if (e->ns == MAXSAMPLES) {
		snprintf(err, errlen, "too many samples");
		return -1;
	}
	s = &e->s[e->ns];
	memset(s, 0, sizeof *s);
	if (expo_name(&p, s->name, sizeof s->name, 1) == -1) {
		snprintf(err, errlen, "bad metric name");
		return -1;
	}
	if (*p == '{') {
		p++;
		if (expo_labels(&p, s, err, errlen) == -1)
			return -1;
	}
	if (*p != ' ' || expo_value(p + 1, &s->value) == -1) {
		snprintf(err, errlen, "expected one space and a value (no "
		    "timestamp)");
		return -1;
	}
	if ((s->family = expo_family_of(e, s->name)) == -1 ||
	    e->f[s->family].type[0] == '\0' || !e->f[s->family].help) {
		snprintf(err, errlen, "sample %s without HELP and TYPE",
		    s->name);
		return -1;
	}
	if (s->family != *cur && e->f[s->family].nsamples > 0) {
		snprintf(err, errlen, "samples of %s not together", s->name);
		return -1;
	}
	*cur = s->family;
	e->f[s->family].nsamples++;
	/* no duplicate series: same name and same label set */
	for (i = 0; i < e->ns; i++) {
		if (strcmp(e->s[i].name, s->name) != 0 || e->s[i].nl != s->nl)
			continue;
		for (k = 0; k < s->nl; k++)
			if (strcmp(e->s[i].lk[k], s->lk[k]) != 0 ||
			    strcmp(e->s[i].lv[k], s->lv[k]) != 0)
				break;
		if (k == s->nl) {
			snprintf(err, errlen, "duplicate series %s", s->name);
			return -1;
		}
	}
	e->ns++;
	return 0;
}

static const char *
sample_label(const struct sample *s, const char *k)
{
	int	i;

	for (i = 0; i < s->nl; i++)
		if (strcmp(s->lk[i], k) == 0)
			return s->lv[i];
	return NULL;
}

/* Same labels, ignoring le. */
static int
sample_same_set(const struct sample *a, const struct sample *b)
{
	int	i;

	for (i = 0; i < a->nl; i++) {
		if (strcmp(a->lk[i], "le") == 0)
			continue;
		if (sample_label(b, a->lk[i]) == NULL ||
		    strcmp(sample_label(b, a->lk[i]), a->lv[i]) != 0)
			return 0;
	}
	for (i = 0; i < b->nl; i++)
		if (strcmp(b->lk[i], "le") != 0 &&
		    sample_label(a, b->lk[i]) == NULL)
			return 0;
	return 1;
}

/* Histogram rules: buckets cumulative, ending at +Inf == _count, a _sum. */
static int
expo_histograms(struct expo *e, char *err, size_t errlen)
{
	const struct sample	*s, *t;
	char			 want[160];
	double			 le, prevle, prev;
	int			 i, j, nb, nsum, ncount;

	for (i = 0; i < e->ns; i++) {
		s = &e->s[i];
		if (strcmp(e->f[s->family].type, "histogram") != 0)
			continue;
		if (strcmp(s->name, e->f[s->family].name) == 0) {
			snprintf(err, errlen, "bare histogram sample %s",
			    s->name);
			return -1;
		}
		snprintf(want, sizeof want, "%s_bucket", e->f[s->family].name);
		if (strcmp(s->name, want) != 0 || (i > 0 &&
		    strcmp(e->s[i - 1].name, want) == 0 &&
		    sample_same_set(&e->s[i - 1], s)))
			continue;
		/* s opens a label set: walk its buckets */
		prevle = -INFINITY;
		prev = 0;
		nb = 0;
		for (j = i; j < e->ns; j++) {
			t = &e->s[j];
			if (strcmp(t->name, want) != 0 || !sample_same_set(s, t))
				break;
			if (sample_label(t, "le") == NULL || expo_value(
			    sample_label(t, "le"), &le) == -1 || le <= prevle ||
			    t->value < prev) {
				snprintf(err, errlen, "%s: buckets not "
				    "cumulative or le out of order", want);
				return -1;
			}
			prevle = le;
			prev = t->value;
			nb++;
		}
		if (nb == 0 || !isinf(prevle)) {
			snprintf(err, errlen, "%s: last bucket is not +Inf",
			    want);
			return -1;
		}
		nsum = ncount = 0;
		for (j = 0; j < e->ns; j++) {
			t = &e->s[j];
			if (t->family != s->family || !sample_same_set(s, t))
				continue;
			snprintf(want, sizeof want, "%s_count",
			    e->f[s->family].name);
			if (strcmp(t->name, want) == 0) {
				ncount++;
				if (t->value != prev) {
					snprintf(err, errlen, "%s %g != +Inf "
					    "bucket %g", want, t->value, prev);
					return -1;
				}
			}
			snprintf(want, sizeof want, "%s_sum",
			    e->f[s->family].name);
			if (strcmp(t->name, want) == 0)
				nsum++;
		}
		if (nsum != 1 || ncount != 1) {
			snprintf(err, errlen, "%s: %d _sum and %d _count",
			    e->f[s->family].name, nsum, ncount);
			return -1;
		}
	}
	return 0;
}

/* Parses text into e; -1 with "line N: reason" in e->err. */
static int
expo_parse(const char *text, struct expo *e)
{
	const char	*p = text, *nl;
	char		 line[4096], why[400];
	int		 lineno = 0, cur = -1, rc;

	memset(e, 0, sizeof *e);
	while (*p != '\0') {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL) {
			snprintf(why, sizeof why, "no final newline");
			goto fail;
		}
		if ((size_t)(nl - p) >= sizeof line || nl == p) {
			snprintf(why, sizeof why, "empty or overlong line");
			goto fail;
		}
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (line[0] == '#')
			rc = expo_comment(e, line, why, sizeof why);
		else
			rc = expo_sample(e, line, &cur, why, sizeof why);
		if (rc == -1)
			goto fail;
		p = nl + 1;
	}
	if (expo_histograms(e, why, sizeof why) == -1) {
		lineno = 0;
		goto fail;
	}
	return 0;

fail:
	snprintf(e->err, sizeof e->err, "line %d: %s", lineno, why);
	return -1;
}

static void
assert_expo_ok(const char *text, struct expo *e)
{
	if (expo_parse(text, e) == -1)
		fail_msg("exposition rejected: %s\n%s", e->err, text);
}

static void
assert_expo_bad(const char *text)
{
	static struct expo	e;

	if (expo_parse(text, &e) == 0)
		fail_msg("exposition accepted, expected a rejection:\n%s",
		    text);
}

static const struct sample *
expo_find(const struct expo *e, const char *name, const char *k,
    const char *v)
{
	int	i;

	for (i = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name, name) == 0 && (k == NULL ||
		    (sample_label(&e->s[i], k) != NULL &&
		    strcmp(sample_label(&e->s[i], k), v) == 0)))
			return &e->s[i];
	return NULL;
}

/* ---- fixtures ---- */

struct fix {
	struct event_base	*base;
	struct admin		*admin;
	int			 port;
	int			 ready;
	char			 why[64];
	int			 nready;
	int			 nscrapes;
};

/* A label value that needs every escape, and invalid UTF-8 (\xff). */
#define NASTY		"Val-d'Or \"QC\"\\n\nline2 é \xff end"
#define NASTY_BACK	"Val-d'Or \"QC\"\\n\nline2 é \xef\xbf\xbd end"

static int
fix_ready(void *arg, char *why, size_t whylen)
{
	struct fix	*f = arg;

	f->nready++;
	if (!f->ready)
		snprintf(why, whylen, "%s", f->why);
	return f->ready;
}

/* What the daemon's callback will look like, with every helper. */
static void
fix_metrics(void *arg, struct buf *out)
{
	struct fix		*f = arg;
	struct admin_histogram	 h1, h2;
	static const double	 obs[] = { 0, 0.5, 1, 1.5, 2, 7, 10, 10.01,
	    99, 250, 4000, 10000, 10001, 60000, -3 };
	size_t			 i;

	f->nscrapes++;
	memset(&h1, 0, sizeof h1);
	memset(&h2, 0, sizeof h2);
	for (i = 0; i < sizeof obs / sizeof obs[0]; i++)
		admin_histogram_observe(&h1, obs[i]);
	admin_histogram_observe(&h2, NAN);
	admin_histogram_observe(&h2, 3);

	admin_metric_help(out, "relais_events_read_total", ADMIN_COUNTER,
	    "Events read from the stream, by type.");
	admin_metric(out, "relais_events_read_total", 42, "type",
	    "newcomer.arrived", NULL);
	admin_metric(out, "relais_events_read_total", 3, "type", NASTY, NULL);
	admin_metric_help(out, "relais_inflight", ADMIN_GAUGE,
	    "Entries in flight.\nSecond line with a \\ backslash.");
	admin_metric(out, "relais_inflight", 7, NULL);
	admin_metric_help(out, "relais_gateway_latency_seconds",
	    ADMIN_HISTOGRAM, "Gateway request latency.");
	admin_histogram_write(out, "relais_gateway_latency_seconds", &h1,
	    "gateway", "sendgrid", "channel", "email", NULL);
	admin_histogram_write(out, "relais_gateway_latency_seconds", &h2,
	    "gateway", "twilio", "channel", "sms", NULL);
	admin_metric_help(out, "relais_ratio", ADMIN_GAUGE, "Odd values.");
	admin_metric(out, "relais_ratio", 0.1, "k", "a", NULL);
	admin_metric(out, "relais_ratio", 1e300, "k", "b", NULL);
	admin_metric(out, "relais_ratio", -INFINITY, "k", "c", NULL);
	admin_metric(out, "relais_ratio", 1.0 / 3, "k", "d", NULL);
}

static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof *f);
	char		 err[256];

	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	f->admin = admin_new(f->base, "127.0.0.1:0", err, sizeof err);
	if (f->admin == NULL)
		fail_msg("admin_new: %s", err);
	f->port = admin_port(f->admin);
	assert_true(f->port > 0);
	admin_set_ready(f->admin, fix_ready, f);
	admin_set_metrics(f->admin, fix_metrics, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	admin_free(f->admin);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
assert_alive(struct fix *f)
{
	static struct reply	r;

	get(f->base, f->port, "GET", "/healthz", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
}

/* ---- tests ---- */

static void
test_listen_parse(void **state)
{
	static const struct {
		const char	*in;
		const char	*host;
		int		 port;
	} good[] = {
		{ "127.0.0.1:9187", "127.0.0.1", 9187 },
		{ "0.0.0.0:0", "0.0.0.0", 0 },
		{ "[::1]:65535", "::1", 65535 },
		{ "[::]:80", "::", 80 },
	};
	static const char *const bad[] = {
		"", "9187", "127.0.0.1", "127.0.0.1:", ":9187",
		"127.0.0.1:65536", "127.0.0.1:99999999999999999999",
		"127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x",
		"127.0.0.1: 80", "localhost:9187", "::1:9187", "[::1]9187",
		"[::1", "[]:80", "[127.0.0.1]:80", "[::1]:", "1.2.3:80",
		"256.0.0.1:80",
	};
	char	host[64], err[128];
	int	port;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (admin_listen_parse(good[i].in, host, sizeof host, &port,
		    err, sizeof err) == -1)
			fail_msg("%s: %s", good[i].in, err);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (admin_listen_parse(bad[i], host, sizeof host, &port, err,
		    sizeof err) == 0)
			fail_msg("\"%s\" accepted as %s port %d", bad[i], host,
			    port);
		assert_true(err[0] != '\0');
	}
	/* the host must fit the caller's buffer */
	assert_int_equal(admin_listen_parse("127.0.0.1:1", host, 4, &port,
	    err, sizeof err), -1);
}

static void
test_new_errors(void **state)
{
	struct fix	*f = *state;
	struct admin	*a;
	char		 where[64], err[256];

	snprintf(where, sizeof where, "127.0.0.1:%d", f->port);
	assert_null(a = admin_new(f->base, where, err, sizeof err));
	if (strstr(err, "cannot listen on 127.0.0.1:") == NULL ||
	    strstr(err, "Address already in use") == NULL)
		fail_msg("unexpected error: %s", err);
	assert_null(a = admin_new(f->base, "localhost:9187", err, sizeof err));
	assert_non_null(strstr(err, "cannot listen on localhost:9187: "));
	/* IPv6 loopback, when the machine has it */
	if ((a = admin_new(f->base, "[::1]:0", err, sizeof err)) != NULL) {
		assert_true(admin_port(a) > 0);
		admin_free(a);
	}
	admin_free(NULL);
}

static void
test_healthz(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 v[128];

	assert_non_null(r);
	get(f->base, f->port, "GET", "/healthz", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	assert_non_null(header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; charset=utf-8");
	/* a query string does not change the path */
	get(f->base, f->port, "GET", "/healthz?verbose=1", r);
	assert_int_equal(r->status, 200);
	/* HEAD: same status, no body */
	get(f->base, f->port, "HEAD", "/healthz", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	/* HTTP/1.0 without Host */
	exchange(f->base, f->port, "GET /healthz HTTP/1.0\r\n\r\n", 25, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ok\n");
	free(r);
}

static void
test_readyz(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct admin	*a;
	char		 err[256];

	assert_non_null(r);
	f->ready = 1;
	get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "ready\n");

	f->ready = 0;
	snprintf(f->why, sizeof f->why, "redis down");
	get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "redis down\n");

	/* a multi-line reason comes out on one line */
	snprintf(f->why, sizeof f->why, "draining\nsecond\r");
	get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "draining second \n");

	f->why[0] = '\0';
	get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "not ready\n");

	f->ready = 1;
	get(f->base, f->port, "GET", "/readyz", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->nready, 5);

	/* no callback yet: not ready */
	assert_non_null(a = admin_new(f->base, "127.0.0.1:0", err,
	    sizeof err));
	get(f->base, admin_port(a), "GET", "/readyz", r);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->body, "starting\n");
	get(f->base, admin_port(a), "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	admin_free(a);
	free(r);
}

static void
test_metrics(void **state)
{
	struct fix		*f = *state;
	struct reply		*r = malloc(sizeof *r);
	struct expo		*e = malloc(sizeof *e);
	const struct sample	*s;
	char			 v[128];
	int			 i, n;

	assert_non_null(r);
	assert_non_null(e);
	get(f->base, f->port, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_non_null(header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->bodylen);
	assert_expo_ok(r->body, e);

	/* escaping round-trips; invalid UTF-8 became U+FFFD */
	assert_non_null(s = expo_find(e, "relais_events_read_total", "type",
	    NASTY_BACK));
	assert_true(s->value == 3);
	assert_non_null(s = expo_find(e, "relais_events_read_total", "type",
	    "newcomer.arrived"));
	assert_true(s->value == 42);
	assert_non_null(s = expo_find(e, "relais_inflight", NULL, NULL));
	assert_int_equal(s->nl, 0);
	assert_true(s->value == 7);
	assert_non_null(strstr(r->body, "# HELP relais_inflight Entries in "
	    "flight.\\nSecond line with a \\\\ backslash.\n"));

	/* values read back exactly */
	assert_non_null(strstr(r->body, "relais_ratio{k=\"a\"} 0.1\n"));
	assert_non_null(strstr(r->body, "relais_ratio{k=\"c\"} -Inf\n"));
	assert_true(expo_find(e, "relais_ratio", "k", "b")->value == 1e300);
	assert_true(expo_find(e, "relais_ratio", "k", "d")->value == 1.0 / 3);

	/* histogram: 15 observations, NaN ignored, -3 counted as 0 */
	assert_non_null(strstr(r->body,
	    "relais_gateway_latency_seconds_bucket{gateway=\"sendgrid\","
	    "channel=\"email\",le=\"0.001\"} 4\n"));
	assert_non_null(s = expo_find(e, "relais_gateway_latency_seconds_count",
	    "gateway", "sendgrid"));
	assert_true(s->value == 15);
	assert_non_null(s = expo_find(e, "relais_gateway_latency_seconds_sum",
	    "gateway", "sendgrid"));
	assert_true(fabs(s->value - 84382.01 / 1000) < 1e-9);
	assert_non_null(s = expo_find(e, "relais_gateway_latency_seconds_count",
	    "gateway", "twilio"));
	assert_true(s->value == 1);
	for (i = n = 0; i < e->ns; i++)
		if (strcmp(e->s[i].name,
		    "relais_gateway_latency_seconds_bucket") == 0)
			n++;
	assert_int_equal(n, 2 * (ADMIN_HISTOGRAM_NBOUNDS + 1));
	assert_non_null(strstr(r->body,
	    "{gateway=\"sendgrid\",channel=\"email\",le=\"10\"} 13\n"));
	assert_non_null(strstr(r->body,
	    "{gateway=\"sendgrid\",channel=\"email\",le=\"+Inf\"} 15\n"));

	/* HEAD runs nothing visible */
	get(f->base, f->port, "HEAD", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->bodylen, 0);
	free(e);
	free(r);
}

/* The parser itself must refuse what promtool refuses. */
static void
test_parser_strict(void **state)
{
	static struct expo	e;

	(void)state;
	assert_expo_ok("", &e);
	assert_expo_ok("# HELP a x\n# TYPE a gauge\na 1\n", &e);
	assert_expo_bad("a 1\n");					/* no TYPE */
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1");		/* no \n */
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1\n# HELP a y\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na  1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1 123\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na{b=\"\\x\"} 1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na{b=\"1\",b=\"2\"} 1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na{b=\"\xff\"} 1\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\na 1\na 2\n");
	assert_expo_bad("# HELP a x\n# TYPE a gauge\n# HELP b x\n"
	    "# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 1\n");
	assert_expo_bad("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
	    "h_count 1\n");
	assert_expo_bad("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");
	assert_expo_bad("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n");
	assert_expo_ok("# HELP h x\n# TYPE h histogram\n"
	    "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n"
	    "h_count 2\n", &e);
}

static void
test_helpers(void **state)
{
	struct buf		b;
	struct admin_histogram	h;

	(void)state;
	buf_init(&b);
	admin_metric(&b, "x", 1, NULL);
	admin_metric(&b, "x", 123456789012345.0, "a", "", NULL);
	admin_metric(&b, "x", 1e20, NULL);
	admin_metric(&b, "x", -0.5, NULL);
	admin_metric(&b, "x", NAN, NULL);
	admin_metric(&b, "x:y_z", 2, "_a1", "v", NULL);
	assert_string_equal(b.data, "x 1\nx{a=\"\"} 123456789012345\n"
	    "x 1e+20\nx -0.5\nx NaN\nx:y_z{_a1=\"v\"} 2\n");

	/* bad names write nothing */
	buf_reset(&b);
	admin_metric(&b, "9x", 1, NULL);
	admin_metric(&b, "x-y", 1, NULL);
	admin_metric(&b, "x", 1, "ok", "v", "__reserved", "v", NULL);
	admin_metric(&b, "x", 1, "a:b", "v", NULL);
	admin_metric(&b, "x", 1, "a", NULL);
	admin_metric_help(&b, "bad name", ADMIN_GAUGE, "x");
	assert_int_equal(b.len, 0);

	/* le is the writer's own label */
	memset(&h, 0, sizeof h);
	admin_histogram_observe(&h, 1);
	admin_histogram_write(&b, "h_seconds", &h, "le", "x", NULL);
	assert_int_equal(b.len, 0);

	/* bucket edges are inclusive */
	admin_histogram_observe(&h, 1.0000001);
	admin_histogram_observe(&h, 10000);
	admin_histogram_observe(&h, 10000.5);
	assert_int_equal(h.counts[0], 1);
	assert_int_equal(h.counts[1], 1);
	assert_int_equal(h.counts[ADMIN_HISTOGRAM_NBOUNDS - 1], 1);
	assert_int_equal(h.counts[ADMIN_HISTOGRAM_NBOUNDS], 1);
	assert_int_equal(h.count, 4);
	admin_histogram_write(&b, "h_seconds", &h, NULL);
	assert_non_null(strstr(b.data, "h_seconds_bucket{le=\"0.001\"} 1\n"
	    "h_seconds_bucket{le=\"0.002\"} 2\n"));
	assert_non_null(strstr(b.data, "h_seconds_bucket{le=\"0.005\"} 2\n"
	    "h_seconds_bucket{le=\"0.01\"} 2\nh_seconds_bucket{le=\"0.025\"}"
	    " 2\n"));
	assert_non_null(strstr(b.data, "h_seconds_bucket{le=\"10\"} 3\n"
	    "h_seconds_bucket{le=\"+Inf\"} 4\nh_seconds_sum 20.0025000001\n"
	    "h_seconds_count 4\n"));
	buf_free(&b);
}

static void
test_not_found(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	static const char *const paths[] = { "/", "/healthz/", "/HEALTHZ",
	    "/metrics.txt", "/%68ealthz", "/u/abc", "//healthz",
	    "/healthz%00" };
	size_t		 i;

	assert_non_null(r);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		get(f->base, f->port, "GET", paths[i], r);
		if (r->status != 404)
			fail_msg("%s: expected 404, got %d", paths[i],
			    r->status);
	}
	/* an unknown path is 404 whatever the method */
	get(f->base, f->port, "POST", "/nowhere", r);
	assert_int_equal(r->status, 404);
	free(r);
}

static void
test_method_not_allowed(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	static const char *const methods[] = { "PUT", "DELETE", "OPTIONS",
	    "PATCH", "TRACE" };
	const char	*req = "POST /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	char		 v[64];
	size_t		 i;

	assert_non_null(r);
	exchange(f->base, f->port, req, strlen(req), r);
	assert_int_equal(r->status, 405);
	assert_non_null(header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "GET, HEAD");
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		get(f->base, f->port, methods[i], "/healthz", r);
		if (r->status != 405)
			fail_msg("%s: expected 405, got %d", methods[i],
			    r->status);
	}
	/* a method evhttp does not know */
	get(f->base, f->port, "BREW", "/healthz", r);
	assert_true(r->status == 0 || (r->status >= 400 && r->status < 600));
	assert_int_equal(f->nscrapes, 0);
	assert_alive(f);
	free(r);
}

static void
test_oversized(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct buf	 req;
	char		 pad[20 * 1024 + 1];

	assert_non_null(r);
	buf_init(&req);
	memset(pad, 'a', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';

	/* one 20 KiB header */
	buf_printf(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n"
	    "Connection: close\r\n\r\n", pad);
	exchange(f->base, f->port, req.data, req.len, r);
	if (r->status == 200)
		fail_msg("a 20 KiB header was accepted");
	assert_true(r->status == 0 || r->status == 413 || r->status == 400);
	assert_alive(f);

	/* many small headers adding up */
	buf_reset(&req);
	buf_puts(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
	while (req.len < 12 * 1024)
		buf_puts(&req, "X-Small: 0123456789\r\n");
	buf_puts(&req, "Connection: close\r\n\r\n");
	exchange(f->base, f->port, req.data, req.len, r);
	assert_true(r->status != 200);
	assert_alive(f);

	/* a 20 KiB request line */
	buf_reset(&req);
	buf_printf(&req, "GET /healthz?%s HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", pad);
	exchange(f->base, f->port, req.data, req.len, r);
	assert_true(r->status != 200);
	assert_alive(f);

	/* a body over 1 KiB: 413, or a reset if the close beats it */
	buf_reset(&req);
	buf_printf(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 2048\r\nConnection: close\r\n\r\n%.2048s", pad);
	exchange(f->base, f->port, req.data, req.len, r);
	assert_true(r->status == 413 || (r->status == 0 && r->reset));
	assert_alive(f);

	/* announced but never sent: refused at once, without waiting */
	buf_reset(&req);
	buf_puts(&req, "POST /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 99999999999\r\nConnection: close\r\n\r\n");
	exchange(f->base, f->port, req.data, req.len, r);
	assert_int_equal(r->status, 413);
	assert_alive(f);
	buf_free(&req);
	free(r);
}

static void
test_malformed(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	static const char *const reqs[] = {
		"\x01\x02garbage\xff\r\n\r\n",
		"GET\r\n\r\n",
		"GET /healthz\r\n\r\n",
		"GET /healthz HTTP/9.9\r\n\r\n",
		"GET /healthz HTTP/1.1 extra\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n bad continuation\r\n\r\n",
		"GET %zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET http://[::1/healthz HTTP/1.1\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "zz\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\n\n",
		"\r\n\r\n\r\n",
	};
	size_t		 i;

	assert_non_null(r);
	for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		exchange(f->base, f->port, reqs[i], strlen(reqs[i]), r);
		if (r->status == 200 && i < 2)
			fail_msg("request %zu accepted", i);
		if (r->status != 0 && r->status != 200 &&
		    (r->status < 400 || r->status >= 500))
			fail_msg("request %zu: status %d", i, r->status);
		assert_alive(f);
	}
	free(r);
}

/* Connections the client drops, and connections still open at admin_free. */
static void
test_abandoned(void **state)
{
	struct fix		*f = *state;
	struct sockaddr_in	 sin;
	int			 fd[3], i;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 3; i++) {
		assert_true((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) != -1);
		assert_int_equal(connect(fd[i], (struct sockaddr *)&sin,
		    sizeof sin), 0);
	}
	assert_true(write(fd[0], "GET /heal", 9) == 9);
	close(fd[0]);				/* gone mid-request */
	assert_true(write(fd[1], "GET /metrics HTTP/1.1\r\nHo", 25) == 25);
	/* fd[2] sends nothing */
	assert_alive(f);	/* accepted after the three above */
	assert_alive(f);
	admin_free(f->admin);	/* two connections still open */
	f->admin = NULL;
	close(fd[1]);
	close(fd[2]);
}

/* ---- /u/ one-click unsubscribe ---- */

#define UNSUB_SECRET	"test secret, 32 bytes long......"
#define UNSUB_SECRETLEN	(sizeof UNSUB_SECRET - 1)

/* What the suppress callback saw; reset by unsub_on(). */
static struct {
	int	calls;
	int	fail;		/* answer -1: the write could not be queued */
	char	id[400];
	char	source[64];
} supp;

static int
fix_suppress(void *arg, const char *id, const char *source)
{
	(void)arg;
	supp.calls++;
	snprintf(supp.id, sizeof supp.id, "%s", id);
	snprintf(supp.source, sizeof supp.source, "%s", source);
	return supp.fail ? -1 : 0;
}

static void
unsub_on(struct fix *f)
{
	memset(&supp, 0, sizeof supp);
	admin_set_unsubscribe(f->admin, UNSUB_SECRET, UNSUB_SECRETLEN,
	    fix_suppress, f);
}

/* "/u/<token of id>" followed by suffix ("?lang=en", or ""). */
static void
unsub_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	char	tok[UNSUB_TOKEN_SIZE];

	if (unsub_token(UNSUB_SECRET, UNSUB_SECRETLEN, id, tok, sizeof tok))
		fail_msg("no token for %s", id);
	snprintf(out, outlen, "/u/%s%s", tok, suffix);
}

/* Like get(), for paths of any length. */
static void
unsub_get(struct fix *f, const char *method, const char *path,
    struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", method, path);
	exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

/* A POST as a mail client sends it (RFC 8058), or with another body. */
static void
post(struct fix *f, const char *path, const char *ctype, const char *body,
    struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", path, ctype, strlen(body), body);
	exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

static void
one_click(struct fix *f, const char *path, struct reply *r)
{
	post(f, path, "application/x-www-form-urlencoded",
	    "List-Unsubscribe=One-Click", r);
}

static void
assert_has(const struct reply *r, const char *what)
{
	if (r->body == NULL || strstr(r->body, what) == NULL)
		fail_msg("expected \"%s\" in the page, got:\n%s", what,
		    r->body != NULL ? r->body : "(no body)");
}

static void
assert_lacks(const struct reply *r, const char *what)
{
	if (r->body != NULL && strstr(r->body, what) != NULL)
		fail_msg("unexpected \"%s\" in the page:\n%s", what, r->body);
}

/* An HTML page in UTF-8 that loads nothing from elsewhere. */
static void
assert_page(struct reply *r, const char *lang)
{
	char	v[256], tag[32];

	assert_non_null(header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/html; charset=utf-8");
	assert_non_null(header(r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-store");
	assert_non_null(header(r, "Content-Security-Policy", v, sizeof v));
	assert_non_null(strstr(v, "default-src 'none'"));
	snprintf(tag, sizeof tag, "<html lang=\"%s\">", lang);
	assert_has(r, tag);
	assert_has(r, "<meta charset=\"utf-8\">");
	assert_lacks(r, "http:");
	assert_lacks(r, "https:");
	assert_lacks(r, "src=");
	assert_lacks(r, "<link");
	assert_lacks(r, "<script");
	assert_lacks(r, "action=");
}

static void
test_unsub_off(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16];

	assert_non_null(r);
	memset(&supp, 0, sizeof supp);
	unsub_path("email:ana@example.com", "", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 404);
	one_click(f, path, r);
	assert_int_equal(r->status, 404);
	/* a secret too short keeps the links off */
	admin_set_unsubscribe(f->admin, UNSUB_SECRET, 15, fix_suppress, f);
	one_click(f, path, r);
	assert_int_equal(r->status, 404);
	/* and so does a token made with another secret, once set */
	unsub_on(f);
	admin_set_unsubscribe(f->admin, "another secret, 32 bytes long...",
	    32, fix_suppress, f);
	one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_int_equal(supp.calls, 0);
	assert_alive(f);
	free(r);
}

/* GET (and HEAD) only show the form: a link scanner unsubscribes nobody. */
static void
test_unsub_get(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16], v[64];

	assert_non_null(r);
	unsub_on(f);
	unsub_path("email:ana@example.com", "", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "fr");
	assert_has(r, "<form method=\"post\">");
	assert_has(r, "name=\"List-Unsubscribe\" value=\"One-Click\"");
	assert_has(r, "Confirmer le désabonnement");
	assert_has(r, "a***@example.com");
	assert_lacks(r, "ana@");
	assert_lacks(r, "retirée");
	unsub_get(f, "HEAD", path, r);
	assert_int_equal(r->status, 200);
	assert_non_null(header(r, "Content-Length", v, sizeof v));
	assert_true(atoi(v) > 0);
	assert_int_equal(r->bodylen, 0);
	assert_int_equal(supp.calls, 0);

	/* an SMS id: the number, masked */
	unsub_path("sms:+18195550123", "", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_has(r, "+***0123");
	assert_has(r, "numéro");
	assert_lacks(r, "5550123");
	/* what an address holds is escaped */
	unsub_path("email:<b>&\"'@example.com", "", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_has(r, "&lt;***@example.com");
	assert_lacks(r, "<b>");
	assert_int_equal(supp.calls, 0);
	free(r);
}

static void
test_unsub_post(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16], v[64];

	assert_non_null(r);
	unsub_on(f);
	unsub_path("email:ana@example.com", "", path, sizeof path);
	one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(supp.calls, 1);
	assert_string_equal(supp.id, "email:ana@example.com");
	assert_string_equal(supp.source, "unsubscribe link");
	assert_page(r, "fr");
	assert_has(r, "Votre adresse a bien été retirée de nos envois. "
	    "Vous ne recevrez plus ces messages.");
	assert_has(r, "a***@example.com");
	assert_lacks(r, "<form");
	assert_null(header(r, "Location", v, sizeof v));

	/* the same from the page's form, or a client sending multipart */
	post(f, path, "multipart/form-data; boundary=XyZ",
	    "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(supp.calls, 2);
	assert_string_equal(supp.id, "email:ana@example.com");

	/* the write could not be queued: 503, try again */
	supp.fail = 1;
	unsub_path("sms:+18195550123", "", path, sizeof path);
	one_click(f, path, r);
	assert_int_equal(r->status, 503);
	assert_int_equal(supp.calls, 3);
	assert_string_equal(supp.id, "sms:+18195550123");
	assert_non_null(header(r, "Retry-After", v, sizeof v));
	assert_has(r, "<form method=\"post\">");
	assert_lacks(r, "retiré");

	/* other methods: 405, nothing done */
	unsub_get(f, "PUT", path, r);
	assert_int_equal(r->status, 405);
	assert_non_null(header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "GET, HEAD, POST");
	assert_int_equal(supp.calls, 3);
	free(r);
}

/* Forged, altered or malformed tokens: the same neutral 404, nothing done. */
static void
test_unsub_forged(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct buf	 longpath;
	static const char *const junk[] = { "/u/", "/u/x", "/u/.",
	    "/u/%41%41.x", "/u/a/b", "/u/../healthz" };
	char		 good[UNSUB_TOKEN_SIZE + 16];
	char		 bob[UNSUB_TOKEN_SIZE + 16];
	char		 path[2 * UNSUB_TOKEN_SIZE + 16], *first = NULL;
	char		 tok[UNSUB_TOKEN_SIZE];
	size_t		 i, n;

	assert_non_null(r);
	unsub_on(f);
	unsub_path("email:ana@example.com", "", good, sizeof good);
	unsub_path("email:bob@example.com", "", bob, sizeof bob);
	/* signed with another secret */
	assert_int_equal(unsub_token("another secret, 32 bytes long...", 32,
	    "email:ana@example.com", tok, sizeof tok), 0);
	snprintf(path, sizeof path, "/u/%s", tok);
	one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_page(r, "fr");
	assert_has(r, "Lien non valide");
	assert_lacks(r, "example.com");
	assert_lacks(r, "<form");
	first = strdup(r->body);
	assert_non_null(first);

	/* bob's id with ana's MAC */
	snprintf(path, sizeof path, "%.*s%s", (int)(strchr(bob, '.') - bob),
	    bob, strchr(good, '.'));
	one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_string_equal(r->body, first);

	/* each character changed in turn */
	n = strlen(good);
	for (i = 3; i < n; i++) {
		snprintf(path, sizeof path, "%s", good);
		path[i] = path[i] == 'A' ? 'B' : 'A';
		one_click(f, path, r);
		if (r->status != 404)
			fail_msg("%s: expected 404, got %d", path, r->status);
		assert_string_equal(r->body, first);
	}
	for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		unsub_get(f, "GET", junk[i], r);
		if (r->status != 404)
			fail_msg("%s: expected 404, got %d", junk[i],
			    r->status);
	}
	/* over 1024 characters */
	buf_init(&longpath);
	buf_puts(&longpath, "/u/");
	for (i = 0; i < 1100; i++)
		buf_putc(&longpath, 'A');
	buf_puts(&longpath, strchr(good, '.'));
	unsub_get(f, "GET", longpath.data, r);
	assert_int_equal(r->status, 404);
	one_click(f, longpath.data, r);
	assert_int_equal(r->status, 404);
	buf_free(&longpath);
	assert_int_equal(supp.calls, 0);
	/* the good one still works */
	one_click(f, good, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(supp.calls, 1);
	free(first);
	free(r);
}

static void
test_unsub_english(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16];

	assert_non_null(r);
	unsub_on(f);
	unsub_path("email:ana@example.com", "?lang=en", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "en");
	assert_has(r, "Confirm unsubscribe");
	assert_has(r, "a***@example.com");
	assert_lacks(r, "désabonnement");
	assert_int_equal(supp.calls, 0);
	one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "en");
	assert_has(r, "Your address has been removed");
	assert_int_equal(supp.calls, 1);
	/* en-CA too; anything else is French */
	unsub_path("email:ana@example.com", "?lang=en-CA", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_page(r, "en");
	unsub_path("email:ana@example.com", "?lang=de", path, sizeof path);
	unsub_get(f, "GET", path, r);
	assert_page(r, "fr");
	unsub_path("email:ana@example.com", "?lang=english", path,
	    sizeof path);
	unsub_get(f, "GET", path, r);
	assert_page(r, "fr");
	/* a forged token in English: still neutral */
	unsub_get(f, "GET", "/u/eA.AAAAAAAAAAAAAAAAAAAAAA?lang=en", r);
	assert_int_equal(r->status, 404);
	assert_page(r, "en");
	assert_has(r, "Invalid link");
	free(r);
}

/* ---- /hooks/twilio ---- */

#define TW_TOKEN	"0123456789abcdef0123456789abcdef"
#define TW_PUBLIC	"https://relais.example.org"
#define TW_URL		TW_PUBLIC "/hooks/twilio"
#define TW_FORM		"application/x-www-form-urlencoded"
#define TW_TWIML	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
#define TW_STOP		"ToCountry=CA&Body=ARR%C3%8AT&From=%2B18195550123" \
			"&To=%2B18195550000&MessageSid=SM0123456789abcdef" \
			"&SmsStatus=received&NumMedia=0&ApiVersion=2010-04-01"
#define TW_START	"Body=START&From=%2B18195550123&To=%2B18195550000" \
			"&MessageSid=SM1"

/* What the three Twilio callbacks saw; reset by tw_on(). */
static struct {
	int	nsuppress, nunsuppress, nstatus;
	int	fail;		/* suppress and unsuppress answer -1 */
	char	id[64], source[64];
	char	sid[80], status[40], error[24];
	int	error_null;
} tw;

static int
tw_suppress(void *arg, const char *id, const char *source)
{
	(void)arg;
	tw.nsuppress++;
	snprintf(tw.id, sizeof tw.id, "%s", id);
	snprintf(tw.source, sizeof tw.source, "%s", source);
	return tw.fail ? -1 : 0;
}

static int
tw_unsuppress(void *arg, const char *id, const char *source)
{
	(void)arg;
	tw.nunsuppress++;
	snprintf(tw.id, sizeof tw.id, "%s", id);
	snprintf(tw.source, sizeof tw.source, "%s", source);
	return tw.fail ? -1 : 0;
}

static void
tw_status(void *arg, const char *sid, const char *status, const char *error)
{
	(void)arg;
	tw.nstatus++;
	snprintf(tw.sid, sizeof tw.sid, "%s", sid);
	snprintf(tw.status, sizeof tw.status, "%s", status);
	tw.error_null = error == NULL;
	snprintf(tw.error, sizeof tw.error, "%s", error != NULL ? error : "");
}

static void
tw_on(struct fix *f, const char *public_url)
{
	memset(&tw, 0, sizeof tw);
	admin_set_twilio(f->admin, TW_TOKEN, public_url, tw_suppress,
	    tw_unsuppress, tw_status, f);
}

static int
tw_calls(void)
{
	return tw.nsuppress + tw.nunsuppress + tw.nstatus;
}

/* The signature Twilio would send for body posted to url. */
static void
tw_sign(const char *token, const char *url, const char *body, char *sig,
    size_t siglen)
{
	struct twhook_form		*form;
	const struct twhook_param	*p;
	char				 err[128];
	size_t				 n;

	if ((form = twhook_form_parse(body, strlen(body), err,
	    sizeof err)) == NULL)
		fail_msg("test body refused: %s", err);
	p = twhook_form_params(form, &n);
	assert_int_equal(twhook_signature(token, url, p, n, sig, siglen), 0);
	twhook_form_free(form);
}

/* A raw POST: any target, Host, content type and signature (NULL: none). */
static void
tw_raw(struct fix *f, const char *target, const char *host,
    const char *ctype, const char *sig, const char *body, struct reply *r)
{
	struct buf	req;

	buf_init(&req);
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\n", target, host);
	if (ctype != NULL)
		buf_printf(&req, "Content-Type: %s\r\n", ctype);
	if (sig != NULL)
		buf_printf(&req, "X-Twilio-Signature: %s\r\n", sig);
	buf_printf(&req, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    strlen(body));
	buf_puts(&req, body);
	exchange(f->base, f->port, req.data, req.len, r);
	buf_free(&req);
}

/* A POST of body to /hooks/twilio, signed as Twilio does for TW_URL. */
static void
tw_post(struct fix *f, const char *body, struct reply *r)
{
	char	sig[TWHOOK_SIG_SIZE];

	tw_sign(TW_TOKEN, TW_URL, body, sig, sizeof sig);
	tw_raw(f, "/hooks/twilio", "127.0.0.1", TW_FORM "; charset=UTF-8",
	    sig, body, r);
}

static void
assert_twiml(struct reply *r)
{
	char	v[128];

	assert_int_equal(r->status, 200);
	assert_non_null(header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/xml; charset=utf-8");
	assert_non_null(r->body);
	assert_string_equal(r->body, TW_TWIML);
}

static void
test_twilio_off(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);

	assert_non_null(r);
	memset(&tw, 0, sizeof tw);
	tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 404);
	get(f->base, f->port, "GET", "/hooks/twilio", r);
	assert_int_equal(r->status, 404);
	/* an empty auth token keeps it off */
	admin_set_twilio(f->admin, "", TW_PUBLIC, tw_suppress, tw_unsuppress,
	    tw_status, f);
	tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 404);
	/* and it can be turned off again */
	tw_on(f, TW_PUBLIC);
	admin_set_twilio(f->admin, NULL, NULL, NULL, NULL, NULL, NULL);
	tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 404);
	assert_int_equal(tw_calls(), 0);
	assert_alive(f);
	free(r);
}

static void
test_twilio_inbound(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);

	assert_non_null(r);
	tw_on(f, TW_PUBLIC);
	tw_post(f, TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 1);
	assert_string_equal(tw.id, "sms:+18195550123");
	assert_string_equal(tw.source, "twilio STOP");
	assert_int_equal(tw.nunsuppress, 0);
	assert_int_equal(tw.nstatus, 0);

	tw_post(f, TW_START, r);
	assert_twiml(r);
	assert_int_equal(tw.nunsuppress, 1);
	assert_string_equal(tw.id, "sms:+18195550123");
	assert_string_equal(tw.source, "twilio START");
	assert_int_equal(tw.nsuppress, 1);

	/* French, lower case, padded; UNSTOP; then what changes nothing */
	tw_post(f, "Body=+arr%C3%AAte%0A&From=%2B15145550199&MessageSid=SM2",
	    r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 2);
	assert_string_equal(tw.id, "sms:+15145550199");
	tw_post(f, "Body=unstop&From=%2B15145550199&MessageSid=SM3", r);
	assert_twiml(r);
	assert_int_equal(tw.nunsuppress, 2);
	tw_post(f, "Body=HELP&From=%2B15145550199&MessageSid=SM4", r);
	assert_twiml(r);
	tw_post(f, "Body=stop+please&From=%2B15145550199&MessageSid=SM5", r);
	assert_twiml(r);
	tw_post(f, "Body=&From=%2B15145550199&MessageSid=SM6", r);
	assert_twiml(r);
	/* not a phone number the list can hold */
	tw_post(f, "Body=STOP&From=whatsapp%3A%2B15145550199&MessageSid=SM7",
	    r);
	assert_twiml(r);
	tw_post(f, "Body=STOP&From=%2B&MessageSid=SM8", r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 2);
	assert_int_equal(tw.nunsuppress, 2);
	assert_int_equal(tw.nstatus, 0);

	/* the list could not be written: an error Twilio shows */
	tw.fail = 1;
	tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 503);
	assert_int_equal(tw.nsuppress, 3);
	/* a replay is harmless: the same suppression again */
	tw.fail = 0;
	tw_post(f, TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 4);
	free(r);
}

static void
test_twilio_status(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);

	assert_non_null(r);
	tw_on(f, TW_PUBLIC);
	tw_post(f, "SmsSid=SMabc&SmsStatus=delivered&MessageStatus=delivered"
	    "&To=%2B18195550123&MessageSid=SMabc&AccountSid=AC1"
	    "&From=%2B18195550000&ApiVersion=2010-04-01", r);
	assert_twiml(r);
	assert_int_equal(tw.nstatus, 1);
	assert_string_equal(tw.sid, "SMabc");
	assert_string_equal(tw.status, "delivered");
	assert_true(tw.error_null);

	tw_post(f, "MessageSid=SMdef&MessageStatus=undelivered"
	    "&ErrorCode=30003", r);
	assert_twiml(r);
	assert_int_equal(tw.nstatus, 2);
	assert_string_equal(tw.sid, "SMdef");
	assert_string_equal(tw.status, "undelivered");
	assert_false(tw.error_null);
	assert_string_equal(tw.error, "30003");

	tw_post(f, "MessageSid=SMghi&MessageStatus=sent&ErrorCode=", r);
	assert_twiml(r);
	assert_int_equal(tw.nstatus, 3);
	assert_true(tw.error_null);

	/* signed but not in Twilio's shapes: answered, not passed on */
	tw_post(f, "MessageSid=SM%22x&MessageStatus=sent", r);
	assert_twiml(r);
	tw_post(f, "MessageSid=SMx&MessageStatus=Sent%21", r);
	assert_twiml(r);
	tw_post(f, "MessageSid=SMx&MessageStatus=failed&ErrorCode=3x", r);
	assert_twiml(r);
	tw_post(f, "MessageStatus=sent", r);
	assert_twiml(r);
	tw_post(f, "", r);
	assert_twiml(r);
	assert_int_equal(tw.nstatus, 3);
	assert_int_equal(tw.nsuppress + tw.nunsuppress, 0);
	free(r);
}

/* Forged, altered or unsigned: 403 and no callback, whatever the body says. */
static void
test_twilio_forged(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 sig[TWHOOK_SIG_SIZE], v[64];

	assert_non_null(r);
	tw_on(f, TW_PUBLIC);
	tw_sign(TW_TOKEN, TW_URL, TW_STOP, sig, sizeof sig);

	/* no signature, an empty one, a garbled one */
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, NULL, TW_STOP, r);
	assert_int_equal(r->status, 403);
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, "", TW_STOP, r);
	assert_int_equal(r->status, 403);
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);

	/* the STOP signature on a START body, or with a field added */
	tw_sign(TW_TOKEN, TW_URL, TW_STOP, sig, sizeof sig);
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_START, r);
	assert_int_equal(r->status, 403);
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP "&Extra=1", r);
	assert_int_equal(r->status, 403);
	/* another token, another URL, a query Twilio did not send */
	tw_sign("another token", TW_URL, TW_STOP, sig, sizeof sig);
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	tw_sign(TW_TOKEN, "http://relais.example.org/hooks/twilio", TW_STOP,
	    sig, sizeof sig);
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	tw_sign(TW_TOKEN, TW_URL, TW_STOP, sig, sizeof sig);
	tw_raw(f, "/hooks/twilio?x=1", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	/* a forged status callback */
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig,
	    "MessageSid=SM1&MessageStatus=delivered", r);
	assert_int_equal(r->status, 403);
	assert_int_equal(tw_calls(), 0);

	/* not a form, not a POST, not a body we can read */
	tw_raw(f, "/hooks/twilio", "x", "application/json", sig, TW_STOP, r);
	assert_int_equal(r->status, 415);
	tw_raw(f, "/hooks/twilio", "x", NULL, sig, TW_STOP, r);
	assert_int_equal(r->status, 415);
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, "Body=%zz", r);
	assert_int_equal(r->status, 400);
	get(f->base, f->port, "GET", "/hooks/twilio", r);
	assert_int_equal(r->status, 405);
	assert_non_null(header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "POST");
	get(f->base, f->port, "HEAD", "/hooks/twilio", r);
	assert_int_equal(r->status, 405);
	assert_int_equal(r->bodylen, 0);
	get(f->base, f->port, "PUT", "/hooks/twilio", r);
	assert_int_equal(r->status, 405);
	assert_int_equal(tw_calls(), 0);

	/* the genuine one still works */
	tw_post(f, TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 1);
	assert_alive(f);
	free(r);
}

/* The URL signed: the public one with the query, or http:// and Host. */
static void
test_twilio_url(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 sig[TWHOOK_SIG_SIZE];

	assert_non_null(r);
	tw_on(f, TW_PUBLIC "/");	/* a trailing '/' is dropped */
	tw_sign(TW_TOKEN, TW_URL "?territory=abitibi&x=%20", TW_STOP, sig,
	    sizeof sig);
	tw_raw(f, "/hooks/twilio?territory=abitibi&x=%20", "x", TW_FORM, sig,
	    TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 1);
	/* the query as sent, not decoded: "%20" is not " " */
	tw_sign(TW_TOKEN, TW_URL "?territory=abitibi&x= ", TW_STOP, sig,
	    sizeof sig);
	tw_raw(f, "/hooks/twilio?territory=abitibi&x=%20", "x", TW_FORM, sig,
	    TW_STOP, r);
	assert_int_equal(r->status, 403);

	/* no public URL: http:// and the Host header */
	tw_on(f, NULL);
	tw_sign(TW_TOKEN, "http://relais.test:8080/hooks/twilio", TW_STOP, sig,
	    sizeof sig);
	tw_raw(f, "/hooks/twilio", "relais.test:8080", TW_FORM, sig, TW_STOP,
	    r);
	assert_twiml(r);
	assert_int_equal(tw.nsuppress, 1);
	tw_raw(f, "/hooks/twilio", "elsewhere.test:8080", TW_FORM, sig,
	    TW_STOP, r);
	assert_int_equal(r->status, 403);
	/* and none with an empty Host */
	tw_raw(f, "/hooks/twilio", "", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	assert_int_equal(tw.nsuppress, 1);
	free(r);
}

/* A 1600-character SMS fits; larger bodies, and big ones elsewhere, do not. */
static void
test_twilio_sizes(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct buf	 body;
	size_t		 i;

	assert_non_null(r);
	tw_on(f, TW_PUBLIC);
	buf_init(&body);
	buf_puts(&body, "Body=");
	for (i = 0; i < 1600; i++)
		buf_puts(&body, "%E2%82%AC");		/* € */
	buf_puts(&body, "&From=%2B18195550123&To=%2B18195550000"
	    "&MessageSid=SM0123456789abcdef0123456789abcdef"
	    "&AccountSid=AC0123456789abcdef0123456789abcdef");
	assert_true(body.len > 14000);
	tw_post(f, body.data, r);
	assert_twiml(r);

	/* over 16 KiB: refused before anything is read into a form */
	while (body.len <= 17 * 1024)
		buf_puts(&body, "&Pad=0123456789");
	tw_raw(f, "/hooks/twilio", "x", TW_FORM, "AAAA", body.data, r);
	assert_true(r->status == 413 || (r->status == 0 && r->reset));
	assert_alive(f);
	/* other paths keep their 1 KiB */
	buf_reset(&body);
	while (body.len <= 2048)
		buf_puts(&body, "Pad=0123456789&");
	tw_raw(f, "/healthz", "x", TW_FORM, NULL, body.data, r);
	assert_int_equal(r->status, 413);
	tw_raw(f, "/nowhere", "x", TW_FORM, NULL, body.data, r);
	assert_int_equal(r->status, 413);
	assert_int_equal(tw_calls(), 0);
	buf_free(&body);
	free(r);
}

/* ---- the public endpoints' rate limit ---- */

/* A GET of path, with an X-Forwarded-For line unless xff is NULL. */
static int
from(struct fix *f, const char *xff, const char *path, struct reply *r)
{
	char	req[512];

	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "%s%s%sConnection: close\r\n\r\n", path,
	    xff != NULL ? "X-Forwarded-For: " : "", xff != NULL ? xff : "",
	    xff != NULL ? "\r\n" : "");
	exchange(f->base, f->port, req, strlen(req), r);
	return r->status;
}

/*
 * Each client has rate_burst requests at once, then rate_per_s a second;
 * beyond, 429 with Retry-After. Only /u/ and /hooks/twilio count.
 */
static void
test_rate_limit(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct expo	*e = malloc(sizeof *e);
	const struct sample *s;
	struct admin_net loopback;
	char		 v[64];
	int		 i;

	assert_non_null(r);
	assert_non_null(e);
	assert_int_equal(admin_net_parse("127.0.0.1", &loopback, v, sizeof v),
	    0);
	unsub_on(f);
	tw_on(f, TW_PUBLIC);
	/* off (the default) and turned off again: no limit */
	admin_set_rate(f->admin, 1, 1);
	admin_set_rate(f->admin, 0, 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(from(f, NULL, "/u/x", r), 404);
	get(f->base, f->port, "GET", "/metrics", r);
	assert_null(strstr(r->body, "relais_admin_limited_total"));

	/* 1 a second, bursts of 3: the 4th at once is refused */
	admin_set_rate(f->admin, 1, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(from(f, NULL, "/u/x", r), 404);
	assert_int_equal(from(f, NULL, "/u/x", r), 429);
	assert_non_null(header(r, "Retry-After", v, sizeof v));
	assert_string_equal(v, "1");
	assert_string_equal(r->body, "too many requests\n");
	/* X-Forwarded-For that is not an address: the peer, still limited */
	assert_int_equal(from(f, "unknown", "/u/x", r), 429);
	/* the same client on the other public endpoint, any method */
	tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 429);
	unsub_get(f, "HEAD", "/u/x", r);
	assert_int_equal(r->status, 429);
	assert_int_equal(r->bodylen, 0);
	assert_int_equal(tw_calls(), 0);
	/* the operator's endpoints are not limited */
	for (i = 0; i < 5; i++)
		assert_alive(f);
	get(f->base, f->port, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_expo_ok(r->body, e);
	assert_non_null(s = expo_find(e, "relais_admin_limited_total", NULL,
	    NULL));
	assert_true(s->value == 4);

	/* from a peer that is no trusted proxy, the header changes nothing */
	assert_int_equal(from(f, "203.0.113.50", "/u/x", r), 429);
	assert_int_equal(from(f, "203.0.113.51", "/u/x", r), 429);

	/*
	 * Behind a trusted proxy, the client is the address the proxy saw:
	 * the last of X-Forwarded-For; what comes before is the client's own
	 * say and is not believed.
	 */
	admin_set_proxies(f->admin, &loopback, 1);
	assert_int_equal(from(f, "203.0.113.7", "/u/x", r), 404);
	assert_int_equal(from(f, "10.0.0.1, 203.0.113.7", "/u/x", r), 404);
	assert_int_equal(from(f, "10.0.0.2,203.0.113.7 ", "/u/x", r), 404);
	assert_int_equal(from(f, "10.0.0.3, 203.0.113.7", "/u/x", r), 429);
	/* an IPv4-mapped address is that IPv4 client */
	assert_int_equal(from(f, "::ffff:203.0.113.7", "/u/x", r), 429);
	assert_int_equal(from(f, "203.0.113.7, 198.51.100.9", "/u/x", r), 404);
	/* a whole IPv6 /64 is one client, the next /64 another */
	assert_int_equal(from(f, "2001:db8:1:2::1", "/u/x", r), 404);
	assert_int_equal(from(f, "2001:db8:1:2:ffff::9", "/u/x", r), 404);
	assert_int_equal(from(f, "[::1], 2001:DB8:1:2::1", "/u/x", r), 404);
	assert_int_equal(from(f, "2001:db8:1:2::2", "/u/x", r), 429);
	assert_int_equal(from(f, "2001:db8:1:3::1", "/u/x", r), 404);

	/* the bucket fills again: 1 token a second */
	for (i = 0; i < 100 && from(f, NULL, "/u/x", r) == 429; i++)
		usleep(50 * 1000);
	if (r->status != 404)
		fail_msg("still %d after %d polls", r->status, i);
	assert_int_equal(from(f, NULL, "/u/x", r), 429);
	free(e);
	free(r);
}

/* A valid one-click POST within the limit; big bodies are 413 on /u/ too. */
static void
test_rate_public(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16];
	char		 body[2048 + 1];

	assert_non_null(r);
	unsub_on(f);
	admin_set_rate(f->admin, 10, 50);
	unsub_path("email:ana@example.com", "", path, sizeof path);
	one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(supp.calls, 1);
	memset(body, 'a', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	post(f, path, "application/x-www-form-urlencoded", body, r);
	assert_int_equal(r->status, 413);
	assert_int_equal(supp.calls, 1);
	assert_alive(f);
	free(r);
}


/* ---- the flood guards ---- */

/* "a.b.c.d" or an IPv6 text as the 16 bytes admin.h speaks. */
static void
addr16(const char *s, unsigned char out[16])
{
	struct in_addr	v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return;
	}
	if (inet_pton(AF_INET6, s, out) != 1)
		fail_msg("bad test address %s", s);
}

static void
test_net(void **state)
{
	static const char *const good[] = { "192.0.2.1", "10.0.0.0/8",
	    "0.0.0.0/0", "2001:db8::/32", "::1", "::/0", "127.0.0.1/32",
	    "::ffff:192.0.2.0/120", "fe80::/10" };
	static const char *const bad[] = { "", "/8", "10.0.0.0/", "10.0.0.0/33",
	    "10.0.0.1/8", "10.0.0.0/8x", "10.0.0.0/-1", "2001:db8::/129",
	    "2001:db8::1/32", "localhost", "10.0.0", "[::1]", "10.0.0.0/08x",
	    "192.0.2.1:80", "2001:db8::/3200" };
	static const struct {
		const char	*net;
		const char	*addr;
		int		 in;
	} m[] = {
		{ "10.0.0.0/8", "10.255.1.2", 1 },
		{ "10.0.0.0/8", "11.0.0.0", 0 },
		{ "192.0.2.128/25", "192.0.2.200", 1 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.1", "192.0.2.1", 1 },
		{ "192.0.2.1", "192.0.2.2", 0 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "::/0", "2001:db8::1", 1 },
		{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
		{ "2001:db8::/33", "2001:db8:8000::1", 0 },
		{ "::1", "::1", 1 },
		{ "::1", "127.0.0.1", 0 },
		{ "::ffff:192.0.2.0/120", "192.0.2.77", 1 },
		{ "172.16.0.0/12", "172.31.255.255", 1 },
		{ "172.16.0.0/12", "172.32.0.0", 0 },
	};
	struct admin_net	net, two[2];
	unsigned char		a[16];
	char			err[256];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (admin_net_parse(good[i], &net, err, sizeof err) == -1)
			fail_msg("%s refused: %s", good[i], err);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (admin_net_parse(bad[i], &net, err, sizeof err) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	for (i = 0; i < sizeof m / sizeof m[0]; i++) {
		assert_int_equal(admin_net_parse(m[i].net, &net, err,
		    sizeof err), 0);
		addr16(m[i].addr, a);
		if (admin_net_match(&net, 1, a) != m[i].in)
			fail_msg("%s in %s: expected %d", m[i].addr, m[i].net,
			    m[i].in);
	}
	/* any of several; none of none */
	assert_int_equal(admin_net_parse("10.0.0.0/8", &two[0], err,
	    sizeof err), 0);
	assert_int_equal(admin_net_parse("2001:db8::/32", &two[1], err,
	    sizeof err), 0);
	addr16("2001:db8::5", a);
	assert_true(admin_net_match(two, 2, a));
	assert_false(admin_net_match(two, 0, a));
}

/* The client an X-Forwarded-For chain names, behind trusted proxies. */
static void
test_forwarded(void **state)
{
	static const struct {
		const char	*xff[3];
		const char	*want;		/* NULL: none */
	} t[] = {
		{ { "203.0.113.7" }, "203.0.113.7" },
		/* what the client wrote first is not believed */
		{ { "198.51.100.1, 203.0.113.7" }, "203.0.113.7" },
		/* trusted hops on the right are skipped */
		{ { "203.0.113.7, 10.0.0.2, 10.0.0.1" }, "203.0.113.7" },
		{ { "203.0.113.7,10.0.0.2 ,10.0.0.1" }, "203.0.113.7" },
		/* several lines are one list, in order */
		{ { "198.51.100.1, 203.0.113.7", "10.0.0.2" }, "203.0.113.7" },
		{ { "203.0.113.7", "10.0.0.2, 198.51.100.9" }, "198.51.100.9" },
		/* all trusted: the left-most, the farthest one known */
		{ { "10.0.0.3, 10.0.0.2" }, "10.0.0.3" },
		/* junk stops the walk at the last address walked past */
		{ { "unknown, 10.0.0.2" }, "10.0.0.2" },
		{ { "junk", "10.0.0.2" }, "10.0.0.2" },
		{ { "10.0.0.2,, 10.0.0.1" }, "10.0.0.1" },
		{ { "203.0.113.7, unknown" }, NULL },
		{ { "" }, NULL },
		{ { "203.0.113.7:4711" }, NULL },
		{ { "2001:db8:1:2::1, 10.0.0.1" }, "2001:db8:1:2::1" },
		{ { "::ffff:203.0.113.7" }, "203.0.113.7" },
	};
	struct admin_net	 nets[1];
	unsigned char		 got[16], want[16];
	char			 err[128], txt[INET6_ADDRSTRLEN];
	size_t			 i, n;

	(void)state;
	assert_int_equal(admin_net_parse("10.0.0.0/8", &nets[0], err,
	    sizeof err), 0);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		for (n = 0; n < 3 && t[i].xff[n] != NULL; n++)
			;
		memset(got, 0xaa, sizeof got);
		if (t[i].want == NULL) {
			if (admin_forwarded_client(t[i].xff, n, nets, 1,
			    got) != -1)
				fail_msg("case %zu (%s): expected none", i,
				    t[i].xff[0]);
			continue;
		}
		if (admin_forwarded_client(t[i].xff, n, nets, 1, got) == -1)
			fail_msg("case %zu (%s): none, expected %s", i,
			    t[i].xff[0], t[i].want);
		addr16(t[i].want, want);
		if (memcmp(got, want, 16) != 0)
			fail_msg("case %zu (%s): got %s, expected %s", i,
			    t[i].xff[0], inet_ntop(AF_INET6, got, txt,
			    sizeof txt), t[i].want);
	}
	/* no trusted proxy at all: the right-most entry */
	{
		const char *one[] = { "10.0.0.3, 10.0.0.2" };

		assert_int_equal(admin_forwarded_client(one, 1, nets, 0, got),
		    0);
		addr16("10.0.0.2", want);
		assert_memory_equal(got, want, 16);
	}
}

/* headers: name, value pairs ended by NULL. */
static int
framing(const char *first, ...)
{
	struct evkeyvalq	 h;
	va_list			 ap;
	const char		*k, *v;
	int			 ok;

	TAILQ_INIT(&h);
	va_start(ap, first);
	for (k = first; k != NULL; k = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		assert_int_equal(evhttp_add_header(&h, k, v), 0);
	}
	va_end(ap);
	ok = admin_framing_ok(&h);
	evhttp_clear_headers(&h);
	return ok;
}

static void
test_framing(void **state)
{
	(void)state;
	assert_true(framing(NULL));
	assert_true(framing("Host", "x", NULL));
	assert_true(framing("Content-Length", "0", NULL));
	assert_true(framing("content-length", "1024", NULL));
	assert_true(framing("Transfer-Encoding", "chunked", NULL));
	/* the same number twice is one length (RFC 9110, 8.6) */
	assert_true(framing("Content-Length", "5", "Content-Length", "5",
	    NULL));
	assert_true(framing("Content-Length", "5", "Host", "x",
	    "CONTENT-LENGTH", "005", NULL));
	assert_true(framing("Content-Length", "0", "Content-Length", "000",
	    NULL));
	/* two lengths */
	assert_false(framing("Content-Length", "5", "Content-Length", "6",
	    NULL));
	assert_false(framing("Content-Length", "0", "Content-Length", "1",
	    NULL));
	assert_false(framing("Content-Length", "5", "Content-Length", "50",
	    NULL));
	/* not digits: evhttp's strtoll would take some of these */
	assert_false(framing("Content-Length", "+5", NULL));
	assert_false(framing("Content-Length", "-0", NULL));
	assert_false(framing("Content-Length", "5 5", NULL));
	assert_false(framing("Content-Length", "5,5", NULL));
	assert_false(framing("Content-Length", "0x10", NULL));
	assert_false(framing("Content-Length", "", NULL));
	assert_false(framing("Content-Length", "5", "Content-Length", "five",
	    NULL));
	/* a length and a chunked body */
	assert_false(framing("Content-Length", "5", "Transfer-Encoding",
	    "chunked", NULL));
	assert_false(framing("Transfer-Encoding", "gzip, chunked",
	    "Content-Length", "5", NULL));
}

/* The same, over the wire: evhttp read the body by the first length. */
static void
test_framing_server(void **state)
{
	static const struct {
		const char	*req;
		int		 status;
	} t[] = {
		{ "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\na", 400 },
		{ "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
		    "Content-Length: 7\r\n\r\n", 400 },
		{ "POST /u/x HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n"
		    "a", 400 },
		{ "POST /hooks/twilio HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: 3\r\nContent-Length: 1\r\n\r\nabc", 400 },
		{ "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		    "Content-Length: 01\r\n\r\na", 405 },
		{ "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
		    "\r\n", 200 },
	};
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 v[64];
	size_t		 i;

	assert_non_null(r);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		exchange(f->base, f->port, t[i].req, strlen(t[i].req), r);
		if (r->status != t[i].status)
			fail_msg("request %zu: %d, expected %d", i, r->status,
			    t[i].status);
		/* one request a connection: closed after the answer */
		assert_non_null(header(r, "Connection", v, sizeof v));
		assert_string_equal(v, "close");
	}
	assert_int_equal(f->nscrapes, 0);
	free(r);
}

static void
pump_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop for ms; returns how many times it turned. */
static int
pump(struct event_base *base, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*stop;
	int		 done = 0, turns = 0;

	assert_non_null(stop = evtimer_new(base, pump_stop, &done));
	assert_int_equal(evtimer_add(stop, &tv), 0);
	while (!done) {
		assert_true(event_base_loop(base, EVLOOP_ONCE) != -1);
		turns++;
	}
	event_free(stop);
	return turns;
}

/* A blocking TCP connection to the admin port. */
static int
raw_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

/* 1 when the server closed fd, 0 while it stays open (and silent). */
static int
raw_closed(int fd)
{
	char	c;
	ssize_t	n = recv(fd, &c, 1, MSG_DONTWAIT);

	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	assert_true(n <= 0);
	return 1;
}

/* One metric's value from /metrics (with its labels, e.g. {reason="cap"}). */
static double
metric(struct fix *f, const char *sample)
{
	static struct reply	r;
	const char		*p;
	char			 pat[128];

	get(f->base, f->port, "GET", "/metrics", &r);
	assert_int_equal(r.status, 200);
	snprintf(pat, sizeof pat, "\n%s ", sample);
	if ((p = strstr(r.body, pat)) == NULL)
		fail_msg("no %s in /metrics", sample);
	return strtod(p + strlen(pat), NULL);
}

/* At the cap, the oldest connection gives way to the new one. */
static void
test_cap(void **state)
{
	struct fix	*f = *state;
	int		 fd[3], i;

	admin_set_limits(f->admin, 3, 10000);
	for (i = 0; i < 3; i++) {
		fd[i] = raw_connect(f->port);
		pump(f->base, 30);
	}
	/* a fourth connection, the scrape: the first gives way */
	assert_int_equal(metric(f, "relais_admin_connections_max"), 3);
	pump(f->base, 30);
	assert_true(raw_closed(fd[0]));
	assert_false(raw_closed(fd[1]));
	assert_false(raw_closed(fd[2]));
	close(fd[0]);
	fd[0] = raw_connect(f->port);
	pump(f->base, 30);
	/* at the cap again: served all the same, the second gives way */
	assert_alive(f);
	pump(f->base, 30);
	assert_true(raw_closed(fd[1]));
	assert_false(raw_closed(fd[2]));
	assert_false(raw_closed(fd[0]));
	assert_true(metric(f,
	    "relais_admin_connections_closed_total{reason=\"cap\"}") == 2);
	/* a lower cap on reload closes the oldest beyond it */
	close(fd[1]);
	pump(f->base, 30);
	admin_set_limits(f->admin, 1, 10000);
	pump(f->base, 30);
	assert_true(raw_closed(fd[2]));
	assert_false(raw_closed(fd[0]));
	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS,
	    ADMIN_REQUEST_TIMEOUT_MS);
	assert_alive(f);
	close(fd[0]);
	close(fd[2]);
}

/* A trickle: one byte of a request every 50 ms until the server hangs up. */
struct trickle {
	int		 fd;
	int		 closed;
	size_t		 sent;
	struct event	*tick;
};

static void
trickle_tick(evutil_socket_t fd, short what, void *arg)
{
	struct trickle	*t = arg;
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "X-Slow: 0123456789012345678901234567890123456789\r\n";

	(void)fd;
	(void)what;
	if (raw_closed(t->fd) || send(t->fd, req + t->sent % (sizeof req - 1),
	    1, MSG_NOSIGNAL) != 1) {
		t->closed = 1;
		return;
	}
	t->sent++;
}

/* The deadline holds whatever trickles in: evhttp's timeout is per read. */
static void
test_deadline(void **state)
{
	struct fix	*f = *state;
	struct trickle	 t = { -1, 0, 0, NULL };
	struct timeval	 every = { 0, 50 * 1000 };
	long long	 ms;
	struct timespec	 a, b;
	int		 idle;

	admin_set_limits(f->admin, ADMIN_MAX_CONNECTIONS, 400);
	t.fd = raw_connect(f->port);
	idle = raw_connect(f->port);
	assert_non_null(t.tick = event_new(f->base, -1, EV_PERSIST,
	    trickle_tick, &t));
	assert_int_equal(event_add(t.tick, &every), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (!t.closed) {
		pump(f->base, 20);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1000LL +
		    (b.tv_nsec - a.tv_nsec) / 1000000;
		if (ms > 3000)
			fail_msg("a trickle of %zu bytes still open after %lld "
			    "ms, deadline 400 ms", t.sent, ms);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (ms < 300 || ms > 1500)
		fail_msg("closed after %lld ms, deadline 400 ms", ms);
	assert_true(t.sent >= 4);
	/* the silent one too; a request on time is served */
	assert_true(raw_closed(idle));
	assert_alive(f);
	assert_true(metric(f,
	    "relais_admin_connections_closed_total{reason=\"deadline\"}") == 2);
	event_free(t.tick);
	close(t.fd);
	close(idle);
}

/*
 * accept() failing with EMFILE: the listener rests a second rather than
 * spinning on the queued connections, then takes them.
 */
static void
test_emfile(void **state)
{
	struct fix	*f = *state;
	struct rlimit	 was, low;
	int		 fd[3], lo, turns, i;

	for (i = 0; i < 3; i++)
		fd[i] = raw_connect(f->port);	/* queued, not accepted */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	assert_true((lo = open("/dev/null", O_RDONLY)) != -1);
	close(lo);
	low = was;
	low.rlim_cur = (rlim_t)lo;	/* the next descriptor is refused */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	turns = pump(f->base, 300);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	if (turns > 20)
		fail_msg("the loop turned %d times in 300 ms: spinning", turns);
	/* the rest is over within a second; the queue is served */
	pump(f->base, 1000);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	assert_alive(f);
	assert_true(metric(f, "relais_admin_accept_pauses_total") == 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_parser_strict),
		cmocka_unit_test_setup_teardown(test_new_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readyz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_method_not_allowed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_abandoned, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsub_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsub_get, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsub_post, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsub_forged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsub_english, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twilio_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twilio_inbound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twilio_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twilio_forged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twilio_url, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_twilio_sizes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rate_public, setup,
		    teardown),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_forwarded),
		cmocka_unit_test(test_framing),
		cmocka_unit_test_setup_teardown(test_framing_server, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_emfile, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
