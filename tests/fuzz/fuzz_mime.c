/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the request builders: the SMTP message, Mailgun's multipart, Twilio's form, JSON bodies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "envelope.h"
#include "gw.h"
#include "gw_brevo.h"
#include "gw_mailgun.h"
#include "gw_sendgrid.h"
#include "gw_smtp.h"
#include "gw_twilio.h"
#include "twhook.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MIME_FIELDS	20

/* The message's fields and the builders' other arguments, NULL when absent. */
struct fuzz_mime_in {
	struct gw_msg	 m;
	const char	*domain;	/* gw_smtp_message */
	const char	*mss;		/* gw_twilio_form's messaging_service_sid */
	const char	*callback;	/* and its status_callback */
};

static int
fuzz_mime_set(const char *s)
{
	return s != NULL && *s != '\0';
}

static int
fuzz_mime_utf8(const char *s)
{
	return s == NULL || utf8_valid(s, strlen(s), NULL) == 0;
}

/* Whether line[0..len) is prefix, s, suffix exactly. */
static int
fuzz_mime_is(const char *line, size_t len, const char *prefix, const char *s,
    const char *suffix)
{
	size_t	a = strlen(prefix), b, c = strlen(suffix);

	if (s == NULL)
		return 0;
	b = strlen(s);
	return len == a + b + c && memcmp(line, prefix, a) == 0 &&
	    memcmp(line + a, s, b) == 0 && memcmp(line + a + b, suffix, c) == 0;
}

/*
 * The header lines allowed past 78 columns: those holding one address, key,
 * Message-ID or unsubscribe URL, which cannot be folded (within 998).
 */
static int
fuzz_mime_verbatim(const struct gw_msg *m, const char *line, size_t len)
{
	const char	*at;

	if (fuzz_mime_is(line, len, "To: ", m->to, "") ||
	    fuzz_mime_is(line, len, "Reply-To: ", m->reply_to, "") ||
	    fuzz_mime_is(line, len, "From: ", m->from, "") ||
	    fuzz_mime_is(line, len, " <", m->from, ">") ||
	    fuzz_mime_is(line, len, " <", m->unsubscribe_url, ">") ||
	    fuzz_mime_is(line, len, "X-Relais-Delivery: ", m->key, "") ||
	    fuzz_mime_is(line, len, " boundary=\"=_relais_", m->key, "\""))
		return 1;
	/* Message-ID: <key@domain>, the domain a DNS name */
	if (len > 13 && memcmp(line, "Message-ID: <", 13) == 0 &&
	    (at = memchr(line, '@', len)) != NULL &&
	    (size_t)(at - line) == 13 + strlen(m->key) &&
	    memcmp(line + 13, m->key, strlen(m->key)) == 0 &&
	    line[len - 1] == '>' && memchr(line + 13, ' ', len - 13) == NULL)
		return 1;
	return 0;
}

static int
fuzz_mime_b64(char c)
{
	const char	*tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789+/";
	const char	*p;

	return c != '\0' && (p = strchr(tab, c)) != NULL ? (int)(p - tab) : -1;
}

/*
 * Decodes an unfolded header value made of RFC 2047 "B" words separated by
 * spaces; each word at most 75 characters and whole UTF-8 characters.
 * -1 when it is anything else.
 */
static int
fuzz_mime_words(const char *v, struct buf *out)
{
	struct buf	 w;
	const char	*end;
	size_t		 i, n;
	uint32_t	 acc;
	int		 x, k, rc = -1;

	buf_init(&w);
	while (*v != '\0') {
		if (strncmp(v, "=?UTF-8?B?", 10) != 0 ||
		    (end = strstr(v + 10, "?=")) == NULL ||
		    (size_t)(end + 2 - v) > 75 || (end - v - 10) % 4 != 0)
			goto fail;
		buf_reset(&w);
		for (i = 10; v + i < end; i += 4) {
			for (acc = 0, n = 3, k = 0; k < 4; k++) {
				if (v[i + k] == '=' && k >= 2 &&
				    v + i + 4 == end) {
					n = n < (size_t)k - 1 ? n : (size_t)k - 1;
					acc <<= 6;
				} else if ((x = fuzz_mime_b64(v[i + k])) == -1 ||
				    n < 3)
					goto fail;
				else
					acc = acc << 6 | (uint32_t)x;
			}
			for (k = 0; k < (int)n; k++)
				buf_putc(&w, (char)(acc >> (16 - 8 * k)));
		}
		if (w.len == 0 || utf8_valid(w.data, w.len, NULL) == -1)
			goto fail;
		buf_append(out, w.data, w.len);
		for (v = end + 2; *v == ' '; v++)
			;
	}
	rc = 0;
fail:
	buf_free(&w);
	return rc;
}

/* An unstructured value: as it is when plain, else encoded-words. */
static void
fuzz_mime_text(const char *v, size_t len, const char *want)
{
	struct buf	 b;
	char		*s;

	s = xstrndup(v, len);
	if (strncmp(s, "=?UTF-8?B?", 10) == 0) {
		buf_init(&b);
		if (fuzz_mime_words(s, &b) == -1 || b.len != strlen(want) ||
		    memcmp(b.data, want, b.len) != 0)
			abort();
		buf_free(&b);
	} else if (strcmp(s, want) != 0)
		abort();
	free(s);
}

/* From: the address alone, or a display name (quoted or encoded) then <addr>. */
static void
fuzz_mime_from(const struct gw_msg *m, const char *v, size_t len)
{
	struct buf	 b;
	size_t		 alen = strlen(m->from), i;

	if (!fuzz_mime_set(m->from_name)) {
		if (len != alen || memcmp(v, m->from, alen) != 0)
			abort();
		return;
	}
	if (len < alen + 3 || memcmp(v + len - alen - 3, " <", 2) != 0 ||
	    memcmp(v + len - alen - 1, m->from, alen) != 0 || v[len - 1] != '>')
		abort();
	len -= alen + 3;
	if (len > 0 && v[0] == '"') {
		if (len < 2 || v[len - 1] != '"')
			abort();
		buf_init(&b);
		for (i = 1; i < len - 1; i++) {
			if (v[i] == '"')
				abort();
			if (v[i] == '\\')
				i++;
			buf_putc(&b, v[i]);
		}
		if (b.len != strlen(m->from_name) ||
		    memcmp(b.data, m->from_name, b.len) != 0)
			abort();
		buf_free(&b);
	} else
		fuzz_mime_text(v, len, m->from_name);
}

/* One unfolded header: Subject and From give back what the message held. */
static void
fuzz_mime_header(const struct gw_msg *m, const struct buf *h, int *subject,
    int *from)
{
	if (h->len == 0)
		return;
	if (strncmp(h->data, "Subject: ", 9) == 0) {
		fuzz_mime_text(h->data + 9, h->len - 9, m->subject);
		(*subject)++;
	} else if (strncmp(h->data, "From: ", 6) == 0) {
		fuzz_mime_from(m, h->data + 6, h->len - 6);
		(*from)++;
	}
}

/* Unfolds the header block (CRLF before white space dropped). */
static void
fuzz_mime_smtp_headers(const struct gw_msg *m, const char *msg, size_t hlen)
{
	struct buf	 h;
	const char	*line, *eol;
	int		 subject = 0, from = 0;

	buf_init(&h);
	for (line = msg; line < msg + hlen; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (*line == ' ' || *line == '\t') {
			/* a continuation of something, not white space only */
			if (h.len == 0 || strspn(line, " \t") ==
			    (size_t)(eol - line))
				abort();
		} else {
			fuzz_mime_header(m, &h, &subject, &from);
			buf_reset(&h);
		}
		buf_append(&h, line, (size_t)(eol - line));
	}
	fuzz_mime_header(m, &h, &subject, &from);
	if (from != 1 || subject != fuzz_mime_set(m->subject))
		abort();
	buf_free(&h);
}

/*
 * Quoted-printable content: "=" only as =XX or a soft break, no white
 * space ending a line, no "From " opening one; decoded, the text with its
 * line ends as CRLF, and one more CRLF when it did not end with one.
 */
static int
fuzz_mime_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* RFC 2045 wants upper case */
}

static void
fuzz_mime_qp(const char *p, const char *end, const char *text)
{
	struct buf	 got, want;
	const char	*t;
	int		 hi, lo, bol = 1, prev = 0;

	buf_init(&got);
	for (; p < end; prev = *p++) {
		if (bol && end - p >= 5 && memcmp(p, "From ", 5) == 0)
			abort();
		bol = 0;
		if (*p == '\r') {
			if (end - p < 2 || p[1] != '\n' || prev == ' ' ||
			    prev == '\t')
				abort();
			buf_puts(&got, "\r\n");
			p++;
			bol = 1;
		} else if (*p != '=')
			buf_putc(&got, *p);
		else if (end - p >= 3 && p[1] == '\r' && p[2] == '\n') {
			p += 2;
			bol = 1;
		} else if (end - p >= 3 && (hi = fuzz_mime_hex(p[1])) != -1 &&
		    (lo = fuzz_mime_hex(p[2])) != -1) {
			buf_putc(&got, (char)(hi << 4 | lo));
			p += 2;
		} else
			abort();
	}
	buf_init(&want);
	for (t = text; *t != '\0'; t++) {
		if (*t == '\n' && (t == text || t[-1] != '\r'))
			buf_putc(&want, '\r');
		buf_putc(&want, *t);
	}
	if (want.len < 2 || memcmp(want.data + want.len - 2, "\r\n", 2) != 0)
		buf_puts(&want, "\r\n");
	if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
		abort();
	buf_free(&got);
	buf_free(&want);
}

/* The body: one quoted-printable part, or both in multipart/alternative. */
static void
fuzz_mime_smtp_body(const struct gw_msg *m, const char *body, const char *end)
{
	static const char	 th[] = "Content-Type: text/html; "
				    "charset=UTF-8\r\nContent-Transfer-Encoding: "
				    "quoted-printable\r\n\r\n";
	static const char	 tp[] = "Content-Type: text/plain; "
				    "charset=UTF-8\r\nContent-Transfer-Encoding: "
				    "quoted-printable\r\n\r\n";
	struct buf		 d;
	const char		*p, *q;

	if (!fuzz_mime_set(m->text) || !fuzz_mime_set(m->html)) {
		fuzz_mime_qp(body, end, fuzz_mime_set(m->text) ? m->text :
		    m->html);
		return;
	}
	buf_init(&d);
	buf_printf(&d, "--=_relais_%s\r\n", m->key);
	p = body;
	if ((size_t)(end - p) < d.len + sizeof tp - 1 ||
	    memcmp(p, d.data, d.len) != 0 ||
	    memcmp(p + d.len, tp, sizeof tp - 1) != 0)
		abort();
	p += d.len + sizeof tp - 1;
	buf_reset(&d);
	buf_printf(&d, "\r\n--=_relais_%s\r\n", m->key);
	if ((q = memmem(p, (size_t)(end - p), d.data, d.len)) == NULL)
		abort();
	fuzz_mime_qp(p, q, m->text);
	p = q + d.len;
	if ((size_t)(end - p) < sizeof th - 1 ||
	    memcmp(p, th, sizeof th - 1) != 0)
		abort();
	p += sizeof th - 1;
	buf_reset(&d);
	buf_printf(&d, "\r\n--=_relais_%s--\r\n", m->key);
	if ((size_t)(end - p) < d.len ||
	    memcmp(end - d.len, d.data, d.len) != 0)
		abort();
	fuzz_mime_qp(p, end - d.len, m->html);
	buf_free(&d);
}

/*
 * The SMTP message: built exactly when gw_smtp_check passes; ASCII, CRLF
 * only, lines within 998 and 78 (76 in the body) but the verbatim ones;
 * headers and parts decode back to the message.
 */
static void
fuzz_mime_smtp(const struct fuzz_mime_in *in)
{
	const struct gw_msg	*m = &in->m;
	struct buf		 out;
	const char		*msg, *line, *eol, *sep;
	char			 err[128];
	size_t			 i, len;
	int			 ok;

	err[0] = '\0';
	ok = gw_smtp_check(m, err, sizeof err) == 0;
	if (!ok && err[0] == '\0')
		abort();
	buf_init(&out);
	if (gw_smtp_message(m, in->domain, &out) == -1) {
		if (ok || out.len != 0)
			abort();
		return;
	}
	if (!ok)
		abort();
	msg = out.data;
	len = out.len;
	for (i = 0; i < len; i++) {
		if (msg[i] == '\0' || (unsigned char)msg[i] >= 0x80 ||
		    (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) ||
		    (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n')))
			abort();
	}
	if (len < 2 || memcmp(msg + len - 2, "\r\n", 2) != 0 ||
	    (sep = strstr(msg, "\r\n\r\n")) == NULL)
		abort();
	for (line = msg; line < msg + len; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (eol - line > 998)
			abort();
		if (line <= sep ? eol - line > 78 &&
		    !fuzz_mime_verbatim(m, line, (size_t)(eol - line)) :
		    eol - line > 76)
			abort();
	}
	fuzz_mime_smtp_headers(m, msg, (size_t)(sep + 2 - msg));
	fuzz_mime_smtp_body(m, sep + 4, msg + len);
	buf_free(&out);
}

/* Mailgun's multipart/form-data: split on its boundary, the fields come back. */
static void
fuzz_mime_mailgun(const struct gw_msg *m)
{
	struct buf	 out, delim;
	const char	*p, *end, *q, *name, *f;
	char		 boundary[GW_MAILGUN_BOUNDARY_MAX], err[128], *v;
	size_t		 nlen, n = 0;
	int		 seen_text = 0, seen_html = 0;

	buf_init(&out);
	err[0] = '\0';
	if (gw_mailgun_form(m, &out, boundary, err, sizeof err) == -1) {
		if (out.len != 0 || err[0] == '\0')
			abort();
		return;
	}
	if (strlen(boundary) != 39 || strncmp(boundary, "relais-", 7) != 0 ||
	    strspn(boundary + 7, "0123456789abcdef") != 32)
		abort();
	buf_init(&delim);
	buf_printf(&delim, "\r\n--%s", boundary);
	p = out.data;
	end = p + out.len;
	if (memcmp(p, delim.data + 2, delim.len - 2) != 0 ||
	    memcmp(p + delim.len - 2, "\r\n", 2) != 0)
		abort();
	p += delim.len;
	for (;;) {
		f = "Content-Disposition: form-data; name=\"";
		if ((size_t)(end - p) < strlen(f) ||
		    memcmp(p, f, strlen(f)) != 0)
			abort();
		name = p += strlen(f);
		if ((p = memchr(p, '"', (size_t)(end - p))) == NULL ||
		    end - p < 5 || memcmp(p, "\"\r\n\r\n", 5) != 0)
			abort();
		nlen = (size_t)(p - name);
		p += 5;
		if ((q = memmem(p, (size_t)(end - p), delim.data,
		    delim.len)) == NULL)
			abort();
		v = xstrndup(p, (size_t)(q - p));
		if (strlen(v) != (size_t)(q - p))
			abort();
#define FIELD(s) (nlen == strlen(s) && memcmp(name, s, nlen) == 0)
		if ((n == 0) != FIELD("from") || (n == 1) != FIELD("to") ||
		    (n == 2) != FIELD("subject"))
			abort();
		if ((FIELD("to") && strcmp(v, m->to) != 0) ||
		    (FIELD("subject") && strcmp(v, m->subject) != 0) ||
		    (FIELD("text") && (seen_text++ || strcmp(v, m->text) != 0)) ||
		    (FIELD("html") && (seen_html++ || strcmp(v, m->html) != 0)) ||
		    (FIELD("h:Reply-To") && strcmp(v, m->reply_to) != 0) ||
		    (FIELD("v:delivery_key") && strcmp(v, m->key) != 0) ||
		    (FIELD("v:event_id") && strcmp(v, m->event_id) != 0) ||
		    (FIELD("o:tag") && strcmp(v, m->template) != 0) ||
		    (FIELD("h:List-Unsubscribe") &&
		    !fuzz_mime_is(v, strlen(v), "<", m->unsubscribe_url, ">")))
			abort();
		/* "Name" <addr>, the name quoted */
		if (FIELD("from") && (fuzz_mime_set(m->from_name) ?
		    strlen(v) < strlen(m->from) + 6 || v[0] != '"' ||
		    !fuzz_mime_is(v + strlen(v) - strlen(m->from) - 4,
		    strlen(m->from) + 4, "\" <", m->from, ">") :
		    strcmp(v, m->from) != 0))
			abort();
#undef FIELD
		if (utf8_valid(v, strlen(v), NULL) == -1)
			abort();
		free(v);
		n++;
		p = q + delim.len;
		if (end - p == 4 && memcmp(p, "--\r\n", 4) == 0)
			break;
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			abort();
		p += 2;
	}
	if (seen_text != fuzz_mime_set(m->text) ||
	    seen_html != fuzz_mime_set(m->html))
		abort();
	buf_free(&delim);
	buf_free(&out);
}

/* Twilio's form: unreserved bytes and escapes only, parsed back by twhook. */
static void
fuzz_mime_twilio(const struct fuzz_mime_in *in)
{
	const struct gw_msg		*m = &in->m;
	const struct twhook_param	*p;
	const char			*names[4], *values[4];
	struct twhook_form		*f;
	struct buf			 out;
	size_t				 n, k = 0, i;
	char				 err[128];

	buf_init(&out);
	gw_twilio_form(m, in->mss, in->callback, &out);
	if (out.len > 0 && strspn(out.data, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~+%&=") != out.len)
		abort();
#define EXPECT(nm, v) do {						\
	if ((v) != NULL) {						\
		names[k] = (nm);					\
		values[k++] = (v);					\
	}								\
} while (0)
	EXPECT("To", m->to);
	if (in->mss != NULL)
		EXPECT("MessagingServiceSid", in->mss);
	else
		EXPECT("From", m->from);
	EXPECT("Body", m->text);
	EXPECT("StatusCallback", in->callback);
#undef EXPECT
	if (out.len <= TWHOOK_MAX_BODY) {
		if ((f = twhook_form_parse(out.data != NULL ? out.data : "",
		    out.len, err, sizeof err)) == NULL)
			abort();
		p = twhook_form_params(f, &n);
		if (n != k)
			abort();
		for (i = 0; i < n; i++) {
			if (strcmp(p[i].name, names[i]) != 0 ||
			    strcmp(p[i].value, values[i]) != 0)
				abort();
		}
		twhook_form_free(f);
	}
	buf_free(&out);
}

/* A JSON body is JSON, and a refused one leaves out as it was. */
static void
fuzz_mime_json(int (*body)(const struct gw_msg *, struct buf *, char *,
    size_t), const struct gw_msg *m, const char *key, const char *want)
{
	struct buf	 out;
	json_t		*j;
	char		 err[128];
	const char	*v;

	buf_init(&out);
	buf_puts(&out, "x");
	err[0] = '\0';
	if (body(m, &out, err, sizeof err) == -1) {
		if (out.len != 1 || err[0] == '\0')
			abort();
		buf_free(&out);
		return;
	}
	if ((j = json_loadb(out.data + 1, out.len - 1, 0, NULL)) == NULL ||
	    !json_is_object(j))
		abort();
	if (key != NULL && ((v = json_string_value(json_object_get(j,
	    key))) == NULL || strcmp(v, want) != 0))
		abort();
	json_decref(j);
	buf_free(&out);
}

/* The outbox / webhook record: JSON with the fields as they were, when UTF-8. */
static void
fuzz_mime_record(const struct gw_msg *m)
{
	struct buf	 out;
	json_t		*j;
	const char	*v;

	if (!fuzz_mime_utf8(m->key) || !fuzz_mime_utf8(m->event_id) ||
	    !fuzz_mime_utf8(m->type) || !fuzz_mime_utf8(m->territory) ||
	    !fuzz_mime_utf8(m->role) || !fuzz_mime_utf8(m->channel) ||
	    !fuzz_mime_utf8(m->language) || !fuzz_mime_utf8(m->gateway) ||
	    !fuzz_mime_utf8(m->template) || !fuzz_mime_utf8(m->from) ||
	    !fuzz_mime_utf8(m->from_name) || !fuzz_mime_utf8(m->reply_to) ||
	    !fuzz_mime_utf8(m->to) || !fuzz_mime_utf8(m->subject) ||
	    !fuzz_mime_utf8(m->text) || !fuzz_mime_utf8(m->html))
		return;
	buf_init(&out);
	gw_record(m, &out);
	if ((j = json_loadb(out.data, out.len, 0, NULL)) == NULL)
		abort();
	if ((m->to != NULL && ((v = json_string_value(json_object_get(j,
	    "to"))) == NULL || strcmp(v, m->to) != 0)) ||
	    (m->text != NULL && ((v = json_string_value(json_object_get(j,
	    "text"))) == NULL || strcmp(v, m->text) != 0)))
		abort();
	json_decref(j);
	buf_free(&out);
}

/*
 * Input: fields separated by NUL bytes, in this order (missing ones NULL):
 * to, from, subject, text, html, from_name, reply_to, key,
 * unsubscribe_url, SMTP domain, template, event_id, messaging service sid,
 * status callback, type, territory, role, channel, language, gateway.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mime_in	 in;
	const char		*f[FUZZ_MIME_FIELDS];
	char			*s, *p, *end;
	size_t			 n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(f, 0, sizeof f);
	for (p = s, end = s + size, n = 0; n < FUZZ_MIME_FIELDS; n++) {
		f[n] = p;
		p += strlen(p) + 1;
		if (p > end)
			break;
	}
	memset(&in, 0, sizeof in);
	in.m.to = f[0];
	in.m.from = f[1];
	in.m.subject = f[2];
	in.m.text = f[3];
	in.m.html = f[4];
	in.m.from_name = f[5];
	in.m.reply_to = f[6];
	in.m.key = f[7];
	in.m.unsubscribe_url = f[8];
	in.domain = f[9];
	in.m.template = f[10];
	in.m.event_id = f[11];
	in.mss = f[12];
	in.callback = f[13];
	in.m.type = f[14];
	in.m.territory = f[15];
	in.m.role = f[16];
	in.m.channel = f[17];
	in.m.language = f[18];
	in.m.gateway = f[19];

	fuzz_mime_smtp(&in);
	fuzz_mime_mailgun(&in.m);
	fuzz_mime_twilio(&in);
	fuzz_mime_json(gw_sendgrid_body, &in.m, "subject", in.m.subject);
	fuzz_mime_json(gw_brevo_email_body, &in.m, "subject", in.m.subject);
	fuzz_mime_json(gw_brevo_sms_body, &in.m, "content", in.m.text);
	fuzz_mime_record(&in.m);
	free(s);
	return 0;
}
