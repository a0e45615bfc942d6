/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Where log lines go, and how: key=value text, JSON, journald protocol. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_int.h"
#include "utf8.h"

#define LOG_JOURNAL_SOCKET	"/run/systemd/journal/socket"
/* Room for a burst of lines while journald is busy (the kernel may cap it). */
#define LOG_JOURNAL_SNDBUF	(8 * 1024 * 1024)

int			 log_max_prio = LOG_INFO;
static const char	*log_progname = "relais";
static int		 log_journal;	/* stderr is journald's: "<N>" prefix */
static int		 log_json;	/* one JSON object per line */
static int		 log_jfd = -1;	/* journald's socket, when native */
static struct sockaddr_un log_jaddr;
static socklen_t	 log_jaddrlen;

/*
 * Lines held by log_hold(), per thread: the outbox's and SMTP's threads
 * write theirs at once. For stderr the lines back to back; for journald
 * each datagram followed by its stderr line (written instead when the
 * datagram does not go), with where each starts. Room for some 60
 * outcome lines on stderr, 20 under journald (a datagram repeats the
 * line's fields), so a commit's go in a few calls at little memory; a
 * line that would not fit writes what is held first, one larger than the
 * room goes at once.
 */
#define LOG_HELD_MAX	(16 * 1024)
#define LOG_HELD_DGRAMS	64
struct log_held {
	char	 b[LOG_HELD_MAX];
	size_t	 len;
	size_t	 n;			/* datagrams */
	size_t	 dg[LOG_HELD_DGRAMS];	/* where each starts in b */
	size_t	 dglen[LOG_HELD_DGRAMS];
	size_t	 linelen[LOG_HELD_DGRAMS];	/* its line's, after it */
};
static _Thread_local int		 log_holding;
static _Thread_local struct log_held	*log_held;
static int				 log_atexit;

static void	log_write_held(void);

/* A bounded output: appends past the end are dropped, never overrun. */
struct log_out {
	char	*p;
	size_t	 len;
	size_t	 cap;		/* bytes usable, a NUL after them */
};

static void
log_put(struct log_out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
log_putc(struct log_out *o, char c)
{
	if (o->len < o->cap)
		o->p[o->len++] = c;
}

static void
log_puts(struct log_out *o, const char *s)
{
	log_put(o, s, strlen(s));
}

static void
log_putll(struct log_out *o, long long v)
{
	char			 d[24];
	size_t			 i = sizeof d;
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
				    (unsigned long long)v;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		d[--i] = '-';
	log_put(o, d + i, sizeof d - i);
}

/* Whether stderr is the stream $JOURNAL_STREAM ("DEV:INODE") names. */
static int
log_stderr_is_journal(void)
{
	const char		*s = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (s == NULL || sscanf(s, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int verbose)
{
	const char	*path;
	int		 sndbuf = LOG_JOURNAL_SNDBUF;

	/* lines held for the old destination go there first */
	log_write_held();
	log_progname = progname;
	log_max_prio = verbose ? LOG_DEBUG : LOG_INFO;
	log_journal = log_stderr_is_journal();
	if (log_jfd != -1)
		close(log_jfd);
	log_jfd = -1;
	if (!log_journal)
		return;
	if ((path = getenv("RELAIS_JOURNAL_SOCKET")) == NULL || *path == '\0')
		path = LOG_JOURNAL_SOCKET;
	if (strlen(path) >= sizeof log_jaddr.sun_path)
		return;
	memset(&log_jaddr, 0, sizeof log_jaddr);
	log_jaddr.sun_family = AF_UNIX;
	memcpy(log_jaddr.sun_path, path, strlen(path));
	log_jaddrlen = (socklen_t)sizeof log_jaddr;
	if ((log_jfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	/* as the protocol's documentation advises: block as late as may be */
	(void)setsockopt(log_jfd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof sndbuf);
}

void
log_set_json(int on)
{
	log_json = on;
}

int
log_journald(void)
{
	return log_jfd != -1;
}

int
log_wants_fields(void)
{
	return log_json || log_jfd != -1;
}

/* Whether v can go unquoted in key=value. */
static int
log_plain(const char *v)
{
	const char	*p;

	for (p = v; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._:@+/-", *p) != NULL))
			return 0;
	}
	return p != v;
}

/* v between quotes, '"', '\\' and control bytes escaped (log_escape()). */
static void
log_put_quoted(struct log_out *o, const char *v)
{
	static const char	hex[] = "0123456789abcdef";
	const char		*run = v;

	log_putc(o, '"');
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f)
			continue;
		log_put(o, run, (size_t)(v - run));
		run = v + 1;
		log_putc(o, '\\');
		if (c == '"' || c == '\\')
			log_putc(o, (char)c);
		else {
			log_putc(o, 'x');
			log_putc(o, hex[c >> 4]);
			log_putc(o, hex[c & 0xf]);
		}
	}
	log_put(o, run, (size_t)(v - run));
	log_putc(o, '"');
}

static int
log_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A LOG_T_VAL value as it was before log_value() or log_escape(): quotes
 * dropped, \" \\ \xNN decoded. Into out (NUL-terminated); returns out.
 */
static const char *
log_unquote(const char *v, char *out, size_t outlen)
{
	size_t	o = 0, n = strlen(v);
	int	hi, lo;

	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return v;
	for (v++, n -= 2; n > 0 && o + 1 < outlen; v++, n--) {
		if (*v == '\\' && n >= 2 && (v[1] == '"' || v[1] == '\\')) {
			out[o++] = v[1];
			v++;
			n--;
		} else if (*v == '\\' && n >= 4 && v[1] == 'x' &&
		    (hi = log_hex(v[2])) >= 0 && (lo = log_hex(v[3])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			v += 3;
			n -= 3;
		} else
			out[o++] = *v;
	}
	out[o] = '\0';
	return out;
}

/* The text line: "msg k=v k=v" (no prefix, no newline). */
static void
log_text(struct log_out *o, const char *msg, const struct log_field *f,
    size_t n)
{
	size_t	i, start = o->len;

	if (msg != NULL)
		log_puts(o, msg);
	for (i = 0; i < n; i++) {
		if (f[i].s == NULL)
			continue;
		if (o->len > start)
			log_putc(o, ' ');
		log_puts(o, f[i].key);
		log_putc(o, '=');
		switch (f[i].type) {
		case LOG_T_INT:
			log_putll(o, f[i].i);
			break;
		case LOG_T_VAL:
			log_puts(o, f[i].s);
			break;
		case LOG_T_STR:
			if (log_plain(f[i].s)) {
				log_puts(o, f[i].s);
				break;
			}
			/* FALLTHROUGH */
		case LOG_T_TEXT:
			log_put_quoted(o, f[i].s);
			break;
		}
	}
}

/*
 * Puts the n bytes of a plain run (whole characters) if they fit before
 * lim; else as many whole characters as do, and returns 0.
 */
static int
log_json_run(struct log_out *o, size_t lim, const char *run, size_t n)
{
	if (o->len + n <= lim) {
		log_put(o, run, n);
		return 1;
	}
	log_put(o, run, utf8_cut(run, n, lim - o->len));
	return 0;
}

/*
 * s as a JSON string, quotes included; bad UTF-8 becomes U+FFFD. What does
 * not fit in o is left out, never half a character or half an escape: the
 * closing quote is always written (nothing at all when not even "" fits).
 */
static void
log_json_str(struct log_out *o, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	const char		*run = s, *end = s + strlen(s);
	char			 esc[8];
	size_t			 k, m, lim;

	if (o->cap - o->len < 2)
		return;
	lim = o->cap - 1;	/* the closing quote's byte */
	log_putc(o, '"');
	while (*s != '\0') {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0x80 &&
		    (k = utf8_decode(s, (size_t)(end - s), NULL)) > 0) {
			s += k;
			continue;
		}
		if (!log_json_run(o, lim, run, (size_t)(s - run)))
			goto done;
		m = 2;
		esc[0] = '\\';
		if (c == '"' || c == '\\')
			esc[1] = (char)c;
		else if (c == '\n')
			esc[1] = 'n';
		else if (c == '\r')
			esc[1] = 'r';
		else if (c == '\t')
			esc[1] = 't';
		else if (c < 0x20) {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			m = 6;
		} else {
			memcpy(esc + 1, "ufffd", 5);
			m = 6;
		}
		if (o->len + m > lim)
			goto done;
		log_put(o, esc, m);
		run = ++s;
	}
	(void)log_json_run(o, lim, run, (size_t)(s - run));
done:
	o->p[o->len++] = '"';
}

/*
 * Now, as RFC 3339 UTC with milliseconds: the wall clock, never shifted.
 * The date and time of day are formatted once a second (per thread).
 */
static void
log_time(struct log_out *o)
{
	static _Thread_local time_t	sec = -1;
	static _Thread_local char	day[64];
	struct timespec			ts;
	struct tm			tm;
	long				ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != sec) {
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(day, sizeof day, "%04d-%02d-%02dT%02d:%02d:%02d.",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		sec = ts.tv_sec;
	}
	log_puts(o, day);
	ms = ts.tv_nsec / 1000000;
	log_putc(o, (char)('0' + ms / 100));
	log_putc(o, (char)('0' + ms / 10 % 10));
	log_putc(o, (char)('0' + ms % 10));
	log_putc(o, 'Z');
}

/* Whether key is one of the JSON object's own (not a field's). */
static int
log_reserved(const char *key)
{
	return strcmp(key, "time") == 0 || strcmp(key, "level") == 0 ||
	    strcmp(key, "prog") == 0 || strcmp(key, "msg") == 0;
}

static void
log_json_line(struct log_out *o, int prio, const char *msg,
    const struct log_field *f, size_t n)
{
	static const char *const levels[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	char	val[LOG_LINE_MAX];
	size_t	i, cap = o->cap;

	/* the closing brace's byte, kept: a long line loses fields, not JSON */
	if (o->cap - o->len < 64)
		return;
	o->cap--;
	log_puts(o, "{\"time\":\"");
	log_time(o);
	log_puts(o, "\",\"level\":\"");
	log_puts(o, levels[prio & 7]);
	log_puts(o, "\",\"prog\":");
	log_json_str(o, log_progname);
	if (msg != NULL && *msg != '\0') {
		log_puts(o, ",\"msg\":");
		log_json_str(o, msg);
	}
	for (i = 0; i < n; i++) {
		if (f[i].s == NULL || log_reserved(f[i].key))
			continue;
		/* ,"key": and the smallest value, or no field at all */
		if (o->cap - o->len < strlen(f[i].key) + 28)
			break;
		log_putc(o, ',');
		log_json_str(o, f[i].key);
		log_putc(o, ':');
		if (f[i].type == LOG_T_INT)
			log_putll(o, f[i].i);
		else if (f[i].type == LOG_T_VAL)
			log_json_str(o, log_unquote(f[i].s, val, sizeof val));
		else
			log_json_str(o, f[i].s);
	}
	o->cap = cap;
	log_putc(o, '}');
}

/*
 * NAME=value for the journal: NAME upper-cased; the names journald or
 * syslog mean something else by, and those that start with no letter,
 * prefixed. A value holding a newline goes in the protocol's binary-safe
 * form (NAME\n, 64-bit LE length, value).
 */
static void
log_jfield(struct log_out *o, const char *key, const char *v)
{
	size_t		len = strlen(v), i;
	unsigned char	le[8];

	if (strcmp(key, "type") == 0)
		key = "event_type";
	else if (strcmp(key, "event") == 0)
		key = "event_id";
	else if (strcmp(key, "message") == 0 || strcmp(key, "priority") == 0 ||
	    strncmp(key, "syslog_", 7) == 0 || strncmp(key, "code_", 5) == 0 ||
	    !(*key >= 'a' && *key <= 'z'))
		log_puts(o, "RELAIS_");	/* theirs, or not a valid name */
	for (; *key != '\0'; key++)
		log_putc(o, *key >= 'a' && *key <= 'z' ? (char)(*key - 32) :
		    *key);
	if (memchr(v, '\n', len) == NULL) {
		log_putc(o, '=');
		log_put(o, v, len);
		log_putc(o, '\n');
		return;
	}
	log_putc(o, '\n');
	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)((unsigned long long)len >> (8 * i));
	log_put(o, (const char *)le, 8);
	log_put(o, v, len);
	log_putc(o, '\n');
}

/*
 * One datagram for journald into dg (dglen bytes); its length, or 0 when
 * cut short (the binary form would lie: stderr is used).
 */
static size_t
log_journal_make(char *dg, size_t dglen, int prio, const char *line,
    size_t linelen, const struct log_field *f, size_t n, int errnum)
{
	char		 val[LOG_LINE_MAX], num[24];
	struct log_out	 o = { dg, 0, dglen };
	struct log_out	 no;
	size_t		 i;

	log_puts(&o, "PRIORITY=");
	log_putc(&o, (char)('0' + (prio & 7)));
	log_puts(&o, "\nSYSLOG_IDENTIFIER=");
	log_puts(&o, log_progname);
	log_puts(&o, "\nMESSAGE=");
	log_put(&o, line, linelen);
	log_putc(&o, '\n');
	if (errnum != 0) {
		log_puts(&o, "ERRNO=");
		log_putll(&o, errnum);
		log_putc(&o, '\n');
	}
	for (i = 0; i < n; i++) {
		if (f[i].s == NULL)
			continue;
		if (f[i].type == LOG_T_INT) {
			no = (struct log_out){ num, 0, sizeof num - 1 };
			log_putll(&no, f[i].i);
			num[no.len] = '\0';
			log_jfield(&o, f[i].key, num);
		} else if (f[i].type == LOG_T_VAL)
			log_jfield(&o, f[i].key, log_unquote(f[i].s, val,
			    sizeof val));
		else
			log_jfield(&o, f[i].key, f[i].s);
	}
	return o.len == o.cap ? 0 : o.len;
}

/*
 * What is held goes out: the datagrams by sendmmsg(2), 64 a call, and
 * the line of any that did not go to stderr, in order; or, when no
 * datagram is held, the stderr lines in one write.
 */
static void
log_write_held(void)
{
	struct log_held	*h = log_held;
	struct mmsghdr	 mm[LOG_HELD_DGRAMS];
	struct iovec	 iov[LOG_HELD_DGRAMS];
	size_t		 i, sent = 0;
	int		 r;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		memset(&mm[i], 0, sizeof mm[i]);
		iov[i].iov_base = h->b + h->dg[i];
		iov[i].iov_len = h->dglen[i];
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &log_jaddr;
		mm[i].msg_hdr.msg_namelen = log_jaddrlen;
	}
	while (sent < h->n) {
		r = sendmmsg(log_jfd, mm + sent, (unsigned)(h->n - sent),
		    MSG_NOSIGNAL);
		if (r <= 0) {
			/* this one did not go: its line, then the rest */
			(void)fwrite(h->b + h->dg[sent] + h->dglen[sent], 1,
			    h->linelen[sent], stderr);
			r = 1;
		}
		sent += (size_t)r;
	}
	if (h->n == 0 && h->len > 0)
		(void)fwrite(h->b, 1, h->len, stderr);
	h->n = 0;
	h->len = 0;
}

void
log_hold(void)
{
	if (log_held == NULL) {
		/* no room: lines go one at a time, as before */
		if ((log_held = malloc(sizeof *log_held)) == NULL)
			return;
		log_held->len = log_held->n = 0;	/* untouched pages */
		/* the main thread's lines, written before the exit's */
		if (!log_atexit && atexit(log_write_held) == 0)
			log_atexit = 1;
	}
	log_holding++;
}

void
log_release(void)
{
	int	saved = errno;

	if (log_held != NULL && log_holding > 0 && --log_holding == 0)
		log_write_held();
	errno = saved;
}

/*
 * Whether a line can be held: holding, not an error, and room for need
 * bytes (what is held is written first when there is not).
 */
static int
log_can_hold(int prio, size_t need, int dgram)
{
	struct log_held	*h = log_held;

	if (log_holding == 0 || h == NULL || prio <= LOG_ERR ||
	    need > sizeof h->b) {
		log_write_held();
		return 0;
	}
	if (need > sizeof h->b - h->len || (dgram && h->n == LOG_HELD_DGRAMS))
		log_write_held();
	return 1;
}

/* A line for stderr (its '\n' included): held, or written at once. */
static void
log_stderr(int prio, const char *line, size_t len)
{
	struct log_held	*h = log_held;

	if (log_jfd == -1 && log_can_hold(prio, len, 0)) {
		memcpy(h->b + h->len, line, len);
		h->len += len;
		return;
	}
	log_write_held();	/* a datagram cut short: after those before */
	/* one write a line: stderr is unbuffered, lines never mix */
	(void)fwrite(line, 1, len, stderr);
}

/*
 * A line for journald: its datagram (and the stderr line, for when it
 * does not go) held, or sent at once. -1 when it did not go.
 */
static int
log_journal_line(int prio, char *line, size_t linelen, size_t pre,
    const struct log_field *f, size_t n, int errnum)
{
	struct log_held	*h;
	char		 dg[LOG_LINE_MAX * 3];
	size_t		 len;

	if ((len = log_journal_make(dg, sizeof dg, prio, line + pre,
	    linelen - pre, f, n, errnum)) == 0)
		return -1;
	if (log_can_hold(prio, len + linelen + 1, 1)) {
		h = log_held;
		h->dg[h->n] = h->len;
		h->dglen[h->n] = len;
		memcpy(h->b + h->len, dg, len);
		memcpy(h->b + h->len + len, line, linelen);
		h->b[h->len + len + linelen] = '\n';
		h->linelen[h->n] = linelen + 1;
		h->len += len + linelen + 1;
		h->n++;
		return 0;
	}
	return sendto(log_jfd, dg, len, MSG_NOSIGNAL,
	    (struct sockaddr *)&log_jaddr, log_jaddrlen) == -1 ? -1 : 0;
}

void
log_emit(int prio, const char *text, const char *msg,
    const struct log_field *f, size_t n, int errnum)
{
	char		 line[LOG_LINE_MAX + 1];
	struct log_out	 o = { line, 0, LOG_LINE_MAX };
	size_t		 pre;
	int		 saved = errno;

	/* the prefix, in case the line goes to stderr: dropped for journald */
	if (log_journal) {
		log_putc(&o, '<');
		log_putc(&o, (char)('0' + (prio & 7)));
		log_putc(&o, '>');
	} else if (!log_json) {
		log_puts(&o, log_progname);
		log_put(&o, ": ", 2);
	}
	pre = o.len;
	if (log_json)
		log_json_line(&o, prio, msg, f, n);
	else if (text != NULL)
		log_puts(&o, text);
	else
		log_text(&o, msg, f, n);
	if (log_jfd == -1 || log_journal_line(prio, line, o.len, pre, f, n,
	    errnum) == -1) {
		line[o.len++] = '\n';
		log_stderr(prio, line, o.len);
	}
	errno = saved;
}

char *
log_escape(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 5 < outlen; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		} else
			out[o++] = (char)c;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
	return out;
}

char *
log_value(const char *in, char *out, size_t outlen)
{
	size_t	n;

	if (log_plain(in)) {
		/* not snprintf "%s" (cold code), nor buf_copy (buf.c logs) */
		if (outlen > 0) {
			n = strlen(in);
			if (n > outlen - 1)
				n = outlen - 1;
			memcpy(out, in, n);
			out[n] = '\0';
		}
		return out;
	}
	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	out[0] = '"';
	log_escape(in, out + 1, outlen - 2);
	n = strlen(out);
	out[n] = '"';
	out[n + 1] = '\0';
	return out;
}
