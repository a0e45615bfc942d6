/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "smtp", the parts without I/O (gw_smtp.h): whether a message
 * can be sent, the RFC 5322 / MIME message itself, and the classification
 * of the server's replies. gw_smtp.c sends; no curl here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "gw_http.h"
#include "gw_smtp.h"
#include "http.h"
#include "utf8.h"

#define GW_SMTP_LINE		78	/* RFC 5322 2.1.1: SHOULD, not MUST */
#define GW_SMTP_WORD		75	/* RFC 2047 2: an encoded-word's limit */
#define GW_SMTP_QP_LINE		76	/* RFC 2045 6.7 (5) */
#define GW_SMTP_KEY_MAX		61	/* "=_relais_" + key: a 70-char boundary */
#define GW_SMTP_EW_OVERHEAD	12	/* "=?UTF-8?B?" "?=" */
#define GW_SMTP_ADDR_MAX	254	/* RFC 5321 4.5.3.1.3: 256 with "<>" */
#define GW_SMTP_DOMAIN_MAX	253	/* RFC 1035 */

/* Whether s, NUL-terminated, is valid UTF-8. */
static int
gw_smtp_utf8_valid(const char *s)
{
	return utf8_valid(s, strlen(s), NULL) == 0;
}

/* An addr-spec we can put in a header and an envelope as it is. */
static int
gw_smtp_addr_valid(const char *a)
{
	const char	*at, *p;

	/* the length also keeps To: and Message-ID: within RFC 5322's 998 */
	if (a == NULL || (at = strchr(a, '@')) == NULL || at == a ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strlen(a) > GW_SMTP_ADDR_MAX)
		return 0;
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[],;:\"\\", *p) != NULL)
			return 0;
	}
	return 1;
}

int
gw_smtp_check(const struct gw_msg *m, char *err, size_t errlen)
{
	const char	*p;
	int		 has_text, has_html;

	has_text = m->text != NULL && *m->text != '\0';
	has_html = m->html != NULL && *m->html != '\0';
	if (!gw_smtp_addr_valid(m->to)) {
		snprintf(err, errlen, "no usable recipient address");
		return -1;
	}
	if (!gw_smtp_addr_valid(m->from)) {
		snprintf(err, errlen, "no usable sender address");
		return -1;
	}
	if (m->reply_to != NULL && *m->reply_to != '\0' &&
	    !gw_smtp_addr_valid(m->reply_to)) {
		snprintf(err, errlen, "unusable reply-to address");
		return -1;
	}
	if (m->key == NULL || *m->key == '\0' ||
	    strlen(m->key) > GW_SMTP_KEY_MAX) {
		snprintf(err, errlen, "no usable delivery key");
		return -1;
	}
	for (p = m->key; *p != '\0'; p++) {
		if (strchr("0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_", *p) == NULL) {
			snprintf(err, errlen, "no usable delivery key");
			return -1;
		}
	}
	if ((m->subject != NULL && strpbrk(m->subject, "\r\n") != NULL) ||
	    (m->from_name != NULL && strpbrk(m->from_name, "\r\n") != NULL)) {
		snprintf(err, errlen, "a line break in a header field");
		return -1;
	}
	if (!has_text && !has_html) {
		snprintf(err, errlen, "no content");
		return -1;
	}
	if (gw_unsubscribe(m) == -1) {
		snprintf(err, errlen, "unsubscribe URL unusable in a header");
		return -1;
	}
	if ((m->subject != NULL && !gw_smtp_utf8_valid(m->subject)) ||
	    (m->from_name != NULL && !gw_smtp_utf8_valid(m->from_name)) ||
	    (has_text && !gw_smtp_utf8_valid(m->text)) ||
	    (has_html && !gw_smtp_utf8_valid(m->html))) {
		snprintf(err, errlen, "a field is not valid UTF-8");
		return -1;
	}
	if (errlen > 0)
		err[0] = '\0';
	return 0;
}

/*
 * Appends text as RFC 2047 "B" encoded-words, each at most 75 characters and
 * holding whole UTF-8 sequences only (a decoder may decode each word alone),
 * folded so that no line passes 78; *col is the current column.
 */
static void
gw_smtp_encwords(struct buf *out, const char *text, size_t *col)
{
	const char	*p = text;
	size_t		 len = strlen(text), room, max, n, c;

	while (*p != '\0') {
		room = GW_SMTP_LINE - *col;
		if (room > GW_SMTP_WORD)
			room = GW_SMTP_WORD;
		max = room > GW_SMTP_EW_OVERHEAD ?
		    (room - GW_SMTP_EW_OVERHEAD) / 4 * 3 : 0;
		if ((n = utf8_cut(p, len, max)) == 0) {
			/* not even one character fits: go on a new line */
			buf_puts(out, "\r\n ");
			*col = 1;
			continue;
		}
		/*
		 * End a word after a space when one is near: the same to an
		 * RFC 2047 decoder, and decoders that wrongly keep a space
		 * between words (Python's, in display names) cut no word.
		 */
		for (c = n; p[n] != '\0' && c > n / 2 && p[c - 1] != ' '; c--)
			;
		if (p[n] != '\0' && c > n / 2)
			n = c;
		buf_puts(out, "=?UTF-8?B?");
		base64_append(out, p, n, 0);
		buf_puts(out, "?=");
		*col += GW_SMTP_EW_OVERHEAD + base64_len(n, 0);
		p += n;
		len -= n;
		if (*p != '\0') {
			buf_puts(out, "\r\n ");
			*col = 1;
		}
	}
}

/* Whether text may go in a header as it is: printable ASCII, no "=?". */
static int
gw_smtp_plain(const char *text)
{
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	}
	return strstr(text, "=?") == NULL;
}

/*
 * Appends plain ASCII text folded before spaces to stay within 78 columns,
 * from column col. -1 (nothing appended) when a word cannot fit.
 */
static int
gw_smtp_fold(struct buf *out, const char *text, size_t col)
{
	struct buf	 b;
	const char	*p, *w;
	size_t		 n, len;

	buf_init(&b);
	for (p = text; *p != '\0'; p = w + n) {
		/* a chunk: the spaces before a word, and the word */
		for (w = p; *w == ' '; w++)
			;
		n = strcspn(w, " ");
		len = (size_t)(w - p) + n;
		if (col + len > GW_SMTP_LINE) {
			/*
			 * folding is a CRLF put before a space, if any, and
			 * a word: a line of spaces only is obsolete syntax
			 * (RFC 5322 4.2), taken by some for the blank line
			 */
			if (w == p || n == 0 || len > GW_SMTP_LINE) {
				buf_free(&b);
				return -1;
			}
			buf_puts(&b, "\r\n");
			col = 0;
		}
		buf_append(&b, p, len);
		col += len;
	}
	if (b.len > 0)
		buf_append(out, b.data, b.len);
	buf_free(&b);
	return 0;
}

/* "Name: value\r\n", value as it is when it can be, else encoded-words. */
static void
gw_smtp_header_text(struct buf *out, const char *name, const char *value)
{
	size_t	col;

	buf_printf(out, "%s: ", name);
	col = strlen(name) + 2;
	if (!gw_smtp_plain(value) || gw_smtp_fold(out, value, col) == -1)
		gw_smtp_encwords(out, value, &col);
	buf_puts(out, "\r\n");
}

/* From: "Name" <addr>, the name quoted when ASCII, else encoded-words. */
static void
gw_smtp_header_from(struct buf *out, const char *name, const char *addr)
{
	const char	*p;
	size_t		 col = 6, qlen = 2;

	buf_puts(out, "From: ");
	if (name == NULL || *name == '\0') {
		buf_printf(out, "%s\r\n", addr);
		return;
	}
	for (p = name; *p != '\0'; p++)
		qlen += *p == '"' || *p == '\\' ? 2 : 1;
	if (gw_smtp_plain(name) && col + qlen <= GW_SMTP_LINE) {
		buf_putc(out, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
		col += qlen;
	} else
		gw_smtp_encwords(out, name, &col);
	if (col + 3 + strlen(addr) > GW_SMTP_LINE)
		buf_printf(out, "\r\n <%s>\r\n", addr);
	else
		buf_printf(out, " <%s>\r\n", addr);
}

/* RFC 5322 3.3 date-time from the daemon's clock, in UTC. */
static void
gw_smtp_header_date(struct buf *out)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May",
				    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
				    "Dec" };
	struct tm		 tm;
	time_t			 t = (time_t)(clock_now_ms() / 1000);

	gmtime_r(&t, &tm);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Appends text quoted-printable (RFC 2045 6.7): "=", controls and bytes
 * past ASCII as =XX, whitespace too at the end of a line, soft breaks to
 * keep lines within 76; LF or CRLF become CRLF. A "From " opening a line
 * is encoded too, for the mailboxes that would mangle it. Ends without a
 * line break unless text does.
 */
static void
gw_smtp_qp(struct buf *out, const char *text)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 col = 0, tok;
	int			 enc, eol;

	for (; *p != '\0'; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			if (*p == '\r')
				p++;
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		if (*p == ' ' || *p == '\t')
			enc = eol;
		else
			enc = *p == '=' || *p < ' ' || *p >= 0x7f;
		tok = enc ? 3 : 1;
		if (col + tok > (eol ? GW_SMTP_QP_LINE : GW_SMTP_QP_LINE - 1)) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		if (col == 0 && strncmp((const char *)p, "From ", 5) == 0) {
			enc = 1;
			tok = 3;
		}
		if (enc)
			buf_printf(out, "=%02X", *p);
		else
			buf_putc(out, (char)*p);
		col += tok;
	}
}

/* One body part's headers and quoted-printable content. */
static void
gw_smtp_part(struct buf *out, const char *type, const char *text)
{
	buf_printf(out, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	gw_smtp_qp(out, text);
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		buf_puts(out, "\r\n");
}

/* The domain for Message-ID: the given one, else the sender's. */
static const char *
gw_smtp_domain(const struct gw_msg *m, const char *domain)
{
	const char	*p;

	if (domain != NULL && *domain != '\0' &&
	    strlen(domain) <= GW_SMTP_DOMAIN_MAX) {
		for (p = domain; *p != '\0'; p++) {
			if (strchr("abcdefghijklmnopqrstuvwxyz0123456789.-"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", *p) == NULL)
				break;
		}
		if (*p == '\0')
			return domain;
	}
	return strchr(m->from, '@') + 1;	/* checked: an address */
}

int
gw_smtp_message(const struct gw_msg *m, const char *domain, struct buf *out)
{
	int	has_text, has_html, unsub;
	char	err[64];

	if (gw_smtp_check(m, err, sizeof err) == -1)
		return -1;
	has_text = m->text != NULL && *m->text != '\0';
	has_html = m->html != NULL && *m->html != '\0';
	domain = gw_smtp_domain(m, domain);

	gw_smtp_header_date(out);
	gw_smtp_header_from(out, m->from_name, m->from);
	buf_printf(out, "To: %s\r\n", m->to);
	if (m->reply_to != NULL && *m->reply_to != '\0')
		buf_printf(out, "Reply-To: %s\r\n", m->reply_to);
	if (m->subject != NULL && *m->subject != '\0')
		gw_smtp_header_text(out, "Subject", m->subject);
	buf_printf(out, "Message-ID: <%s@%s>\r\n", m->key, domain);
	/* the delivery key alone: no personal data in a header servers log */
	buf_printf(out, "X-Relais-Delivery: %s\r\n", m->key);
	if ((unsub = gw_unsubscribe(m)) > 0) {
		/*
		 * RFC 2369 forbids breaking the URL: when too long for the
		 * line, it goes alone on the next one, past 78 characters
		 * (a SHOULD) but within 998 (a MUST: GW_UNSUBSCRIBE_MAX).
		 */
		buf_printf(out, "List-Unsubscribe:%s<%s>\r\n",
		    strlen(m->unsubscribe_url) + 20 > GW_SMTP_LINE ? "\r\n " :
		    " ", m->unsubscribe_url);
		/* RFC 8058: one click only over HTTPS */
		if (unsub == 2)
			buf_puts(out, "List-Unsubscribe-Post: " GW_ONE_CLICK
			    "\r\n");
	}
	buf_puts(out, "MIME-Version: 1.0\r\n");
	if (!has_text || !has_html) {
		gw_smtp_part(out, has_text ? "text/plain" : "text/html",
		    has_text ? m->text : m->html);
		return 0;
	}
	/* "=_" can never occur in quoted-printable: a safe boundary */
	buf_printf(out, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"=_relais_%s\"\r\n\r\n", m->key);
	buf_printf(out, "--=_relais_%s\r\n", m->key);
	gw_smtp_part(out, "text/plain", m->text);
	buf_printf(out, "\r\n--=_relais_%s\r\n", m->key);
	gw_smtp_part(out, "text/html", m->html);
	buf_printf(out, "\r\n--=_relais_%s--\r\n", m->key);
	return 0;
}

/*
 * The server's last reply line with that code, without the code, single-line,
 * every address masked (servers quote the recipient: "<ana@example.com>:
 * unknown user"). The code's, not the last: a QUIT's "221" may follow.
 */
static void
gw_smtp_last_reply(const char *block, long code, char *out, size_t outlen)
{
	const char	*line, *last = NULL, *p, *end, *lead, *at;
	struct buf	 b;
	char		 digits[8];
	size_t		 n;

	snprintf(digits, sizeof digits, "%03ld", code);
	for (line = block; line != NULL && *line != '\0';
	    line = (line = strchr(line, '\n')) != NULL ? line + 1 : NULL) {
		if (strncmp(line, digits, 3) == 0 && strspn(line, "0123456789") == 3)
			last = line;
	}
	if (last == NULL) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	p = last + 3;
	if (*p == ' ' || *p == '-')
		p++;
	end = p + strcspn(p, "\r\n");
	buf_init(&b);
	while (p < end) {
		n = strcspn(p, " \t\r\n");
		if ((at = memchr(p, '@', n)) != NULL) {
			/* "<ana@example.com>:" becomes "<a***@example.com>:" */
			for (lead = p; lead < at && strchr("<\"'(", *lead) != NULL;
			    lead++)
				;
			buf_append(&b, p, (size_t)(lead - p));
			if (lead < at) {
				buf_putc(&b, *lead);
				buf_puts(&b, "***");
			}
			buf_append(&b, at, (size_t)(p + n - at));
		} else
			buf_append(&b, p, n);
		for (p += n; p < end && (*p == ' ' || *p == '\t'); p++)
			buf_putc(&b, ' ');
	}
	gw_http_excerpt(b.data != NULL ? b.data : "", b.len, out, outlen);
	buf_free(&b);
}

void
gw_smtp_classify(const struct http_response *resp, struct gw_result *res)
{
	char	line[200];

	res->retry_after_s = -1;
	res->ms = resp->total_ms;
	res->reason[0] = '\0';
	res->provider_id[0] = '\0';
	if (resp->error == 0) {
		/* 250 to the end of DATA: the server took the message */
		res->status = GW_SENT;
		return;
	}
	if (resp->status >= 400 && resp->status < 600) {
		gw_smtp_last_reply(resp->headers, resp->status, line,
		    sizeof line);
		snprintf(res->reason, sizeof res->reason, "SMTP %ld: %s",
		    resp->status, line[0] != '\0' ? line : resp->errmsg);
		/* 4xx: try again later (RFC 5321 4.2.1), 454 AUTH included */
		res->status = resp->status < 500 ? GW_RETRY : GW_PERMANENT;
		return;
	}
	if (resp->error == GW_SMTP_LOGIN_DENIED) {
		res->status = GW_PERMANENT;
		snprintf(res->reason, sizeof res->reason, "SMTP login denied: %s",
		    resp->errmsg);
		return;
	}
	res->status = GW_RETRY;
	snprintf(res->reason, sizeof res->reason, "transport: %s",
	    resp->errmsg != NULL ? resp->errmsg : "error");
}
