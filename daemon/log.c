/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Logging to stderr, one line per call; never bodies, never whole addresses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char	*log_progname = "relais";
static int		 log_verbose;
static int		 log_journal;	/* stderr is journald: prefix <N>, no name */
static int		 log_json;	/* one JSON object per line */

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_json(int on)
{
	log_json = on;
}

/* Appends s as a JSON string body (no quotes), escaping what JSON needs. */
static size_t
log_json_str(char *out, size_t o, size_t outlen, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20)
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	return o;
}

/* Whether line is all key=value pairs (values plain or quoted). */
static int
log_all_pairs(const char *line)
{
	const char	*p = line, *k;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		k = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_')
			p++;
		if (p == k || *p != '=')
			return 0;
		p++;
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p != '"')
				return 0;
			p++;
		} else
			while (*p != '\0' && *p != ' ')
				p++;
	}
	return 1;
}

/*
 * Turns a key=value line into {"level":..,"key":"value",...}; a line that
 * is not all key=value pairs goes whole into "msg". Quoted values lose the
 * escapes log_escape() added.
 */
static size_t
log_json_line(char *out, size_t outlen, int prio, const char *line)
{
	static const char *const levels[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	const char	*p, *k, *v;
	size_t		 o, kl;

	o = (size_t)snprintf(out, outlen, "{\"level\":\"%s\",\"prog\":\"%s\"",
	    levels[prio & 7], log_progname);
	if (!log_all_pairs(line)) {
		o += (size_t)snprintf(out + o, outlen - o, ",\"msg\":\"");
		o = log_json_str(out, o, outlen, line, strlen(line));
		o += (size_t)snprintf(out + o, outlen - o, "\"}");
		return o < outlen ? o : outlen - 1;
	}
	for (p = line; *p != '\0' && o + 16 < outlen;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		k = p;
		while (*p != '=')
			p++;
		kl = (size_t)(p - k);
		out[o++] = ',';
		out[o++] = '"';
		o = log_json_str(out, o, outlen, k, kl);
		out[o++] = '"';
		out[o++] = ':';
		out[o++] = '"';
		p++;
		if (*p == '"') {
			for (v = ++p; *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0') {
					o = log_json_str(out, o, outlen, p + 1, 1);
					p++;
				} else
					o = log_json_str(out, o, outlen, p, 1);
			}
			(void)v;
			p++;
		} else {
			v = p;
			while (*p != '\0' && *p != ' ')
				p++;
			o = log_json_str(out, o, outlen, v, (size_t)(p - v));
		}
		if (o + 2 < outlen)
			out[o++] = '"';
	}
	if (o + 2 < outlen)
		out[o++] = '}';
	out[o < outlen ? o : outlen - 1] = '\0';
	return o;
}

/* The length of the phone-like run at s (digits and separators), or 0. */
static size_t
log_phone_run(const char *s, size_t *ndigits)
{
	size_t	i = 0, last = 0;

	*ndigits = 0;
	if (s[i] == '+')
		i++;
	for (; s[i] != '\0'; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			(*ndigits)++;
			last = i + 1;
		} else if (strchr(" -.()", s[i]) == NULL || *ndigits == 0)
			break;
	}
	return last;
}

void
log_mask_text(char *s)
{
	char	*r = s, *w = s, *p;
	size_t	 n, nd, k;

	while (*r != '\0') {
		/* an address: keep its first character and its domain */
		if (*r == '@' && w > s && r[1] != '\0') {
			for (p = w; p > s && strchr(" <>\"'(,;:", p[-1]) == NULL;)
				p--;
			/* the first character, then stars: never longer */
			if ((n = (size_t)(w - p)) > 1) {
				w = p + 1;
				for (k = 0; k < 3 && k + 1 < n; k++)
					*w++ = '*';
			}
			*w++ = *r++;
			continue;
		}
		if ((*r == '+' || (*r >= '0' && *r <= '9')) &&
		    (w == s || !((w[-1] >= '0' && w[-1] <= '9') ||
		    (w[-1] >= 'a' && w[-1] <= 'z') ||
		    (w[-1] >= 'A' && w[-1] <= 'Z'))) &&
		    (n = log_phone_run(r, &nd)) > 0 && nd >= 7) {
			/* "***" and the last 4 digits: 7 bytes, fewer than n */
			*w++ = '*';
			*w++ = '*';
			*w++ = '*';
			k = 0;
			for (p = r + n; p > r && k < 4; p--)
				if (p[-1] >= '0' && p[-1] <= '9')
					k++;
			for (; p < r + n; p++)
				if (*p >= '0' && *p <= '9')
					*w++ = *p;
			r += n;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

char *
log_value(const char *in, char *out, size_t outlen)
{
	const char	*p;
	size_t		 n;

	for (p = in; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._:@+/-", *p) != NULL))
			break;
	}
	if (*p == '\0' && p != in) {
		snprintf(out, outlen, "%s", in);
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

static void log_vline(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
log_vline(int prio, const char *fmt, va_list ap, const char *errstr)
{
	char	line[4096];
	size_t	n = 0, pre, i;
	int	r;

	/* one write(2) per line: stderr is unbuffered, and lines must not interleave */
	if (log_journal)
		r = snprintf(line, sizeof line, "<%d>", prio);
	else
		r = snprintf(line, sizeof line, "%s: ", log_progname);
	n = pre = r > 0 ? (size_t)r : 0;
	r = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (r < 0)
		return;
	n = n + (size_t)r < sizeof line ? n + (size_t)r : sizeof line - 1;
	if (errstr != NULL && n < sizeof line - 1) {
		r = snprintf(line + n, sizeof line - n, ": %s", errstr);
		if (r > 0)
			n = n + (size_t)r < sizeof line ? n + (size_t)r :
			    sizeof line - 1;
	}
	if (n >= sizeof line - 1)
		n = sizeof line - 2;	/* truncated: still end the line */
	/* whatever a caller let through, a control byte never ends a line */
	for (i = pre; i < n; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	}
	if (log_json) {
		char	json[8192];
		line[n] = '\0';
		n = log_json_line(json, sizeof json - 1, prio, line + pre);
		json[n++] = '\n';
		(void)fwrite(json, 1, n, stderr);
		return;
	}
	line[n++] = '\n';
	(void)fwrite(line, 1, n, stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(4, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(4, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(6, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vline(7, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(2, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(2, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

char *
log_mask(const char *addr, char *out, size_t outlen)
{
	const char	*at;
	size_t		 n;

	if (outlen == 0)
		return out;
	if (addr == NULL || *addr == '\0') {
		snprintf(out, outlen, "-");
		return out;
	}
	if ((at = strchr(addr, '@')) != NULL) {
		/* first character of the local part, then the domain */
		snprintf(out, outlen, "%c***%s", addr[0], at);
		return out;
	}
	n = strlen(addr);
	if (n <= 6) {
		snprintf(out, outlen, "***");
		return out;
	}
	/* phone: the last 4 digits, no more (Law 25); "+" says it is E.164 */
	snprintf(out, outlen, "%s***%s", addr[0] == '+' ? "+" : "",
	    addr + n - 4);
	return out;
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
