/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The logging calls: levels, printf-style lines, masks of addresses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "log_int.h"

/* The most pairs a printf-style line is split into for JSON and journald. */
#define LOG_PAIRS_MAX	32

/*
 * The end of the key=value pair at p (value plain or quoted), followed by
 * a space or the end; NULL when p starts none.
 */
static char *
log_pair_end(char *p)
{
	char	*k = p;

	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	    *p == '_')
		p++;
	if (p == k || *p != '=')
		return NULL;
	p++;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p != '"')
			return NULL;
		p++;
	} else
		while (*p != '\0' && *p != ' ')
			p++;
	return *p == '\0' || *p == ' ' ? p : NULL;
}

/*
 * Where the key=value pairs that end line start (NULL: none), in one pass:
 * a word that starts no pair ends the run before it. More than max pairs
 * count as none: the line stays whole as its message.
 */
static char *
log_pairs_start(char *line, size_t max)
{
	char	*p = line, *start = NULL, *e;
	size_t	 n = 0;

	while (*p != '\0') {
		if (*p == ' ') {
			p++;
			continue;
		}
		if ((e = log_pair_end(p)) != NULL) {
			if (start == NULL) {
				start = p;
				n = 0;
			}
			n++;
			p = e;
			continue;
		}
		start = NULL;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	return n <= max ? start : NULL;
}

/*
 * Splits a printf-style line, in place, into its free text (returned, ""
 * when none) and the key=value pairs that end it: "consent: opt-out
 * outcome=failed reason=\"x\"" is "consent: opt-out" and two fields.
 */
static const char *
log_split(char *buf, struct log_field *f, size_t *n)
{
	char	*p, *m, *k;

	*n = 0;
	if ((p = log_pairs_start(buf, LOG_PAIRS_MAX)) == NULL)
		return buf;	/* no pairs: all of it is the message */
	for (m = p; m > buf && (m[-1] == ' ');)
		m--;
	if (m > buf)
		*m = '\0';	/* a space before the first pair */
	while (*p != '\0' && *n < LOG_PAIRS_MAX) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		k = p;
		p = strchr(p, '=');
		*p++ = '\0';
		f[*n].key = k;
		f[*n].type = LOG_T_VAL;
		f[*n].s = p;
		f[*n].i = 0;
		(*n)++;
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			p++;
		} else
			while (*p != '\0' && *p != ' ')
				p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return m > buf ? buf : "";
}

static void log_vline(int, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

/* A printf-style line; errnum, when not 0, ends it as ": strerror". */
static void
log_vline(int prio, const char *fmt, va_list ap, int errnum)
{
	char			 line[LOG_LINE_MAX];
	struct log_field	 f[LOG_PAIRS_MAX];
	const char		*msg;
	size_t			 n, i, nf;
	int			 r;

	if (prio > log_max_prio)
		return;
	r = vsnprintf(line, sizeof line, fmt, ap);
	if (r < 0)
		return;
	n = (size_t)r < sizeof line ? (size_t)r : sizeof line - 1;
	if (errnum != 0 && n < sizeof line - 1) {
		r = snprintf(line + n, sizeof line - n, ": %s",
		    strerror(errnum));
		if (r > 0)
			n = n + (size_t)r < sizeof line ? n + (size_t)r :
			    sizeof line - 1;
	}
	/* whatever a caller let through, a control byte never ends a line */
	for (i = 0; i < n; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	}
	line[n] = '\0';
	if (!log_wants_fields()) {
		log_emit(prio, line, NULL, NULL, 0, errnum);
		return;
	}
	msg = log_split(line, f, &nf);
	log_emit(prio, NULL, msg, f, nf, errnum);
}

void
log_fields(int prio, const char *msg, const struct log_field *f, size_t n)
{
	log_emit(prio, NULL, msg, f, n, 0);
}

void
log_err(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(LOG_ERR, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_errx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(LOG_ERR, fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (LOG_DEBUG > log_max_prio)
		return;
	va_start(ap, fmt);
	log_vline(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
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

/* Appends s[0..n) to out (outlen bytes, len used), cut to fit, terminated. */
static void
log_cat(char *out, size_t outlen, size_t *len, const char *s, size_t n)
{
	if (n > outlen - 1 - *len)
		n = outlen - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
}

/* Twice a delivery (its log line, its record): by hand, not snprintf. */
char *
log_mask(const char *addr, char *out, size_t outlen)
{
	const char	*at;
	size_t		 n, len = 0;

	if (outlen == 0)
		return out;
	out[0] = '\0';
	if (addr == NULL || *addr == '\0') {
		log_cat(out, outlen, &len, "-", 1);
		return out;
	}
	if ((at = strchr(addr, '@')) != NULL) {
		/* first character of the local part, then the domain */
		log_cat(out, outlen, &len, addr, 1);
		log_cat(out, outlen, &len, "***", 3);
		log_cat(out, outlen, &len, at, strlen(at));
		return out;
	}
	n = strlen(addr);
	if (n <= 6) {
		log_cat(out, outlen, &len, "***", 3);
		return out;
	}
	/* phone: the last 4 digits, no more (Law 25); "+" says it is E.164 */
	if (addr[0] == '+')
		log_cat(out, outlen, &len, "+", 1);
	log_cat(out, outlen, &len, "***", 3);
	log_cat(out, outlen, &len, addr + n - 4, 4);
	return out;
}
