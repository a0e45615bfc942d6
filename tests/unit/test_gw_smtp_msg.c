/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the smtp message (gw_smtp_msg.c): the MIME message parsed back, refusals, reply classification. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "gw_smtp.h"
#include "http.h"

#define KEY	"75b8e20eba5c7712aca9e971a72ad481"

static const char *subject_fr = "Bienvenue à Amos, Ana ! « Votre arrivée "
    "dans la région » : un sujet assez long pour être découpé en plusieurs "
    "mots encodés — ça, c'est sûr";
static const char *text_fr = "Bonjour Ana,\n\nL'équipe d'accueil vous "
    "souhaite la bienvenue. Cette ligne est très longue : elle dépasse "
    "largement les soixante-seize caractères permis par le quoted-printable, "
    "avec des accents (é, è, à, ç, ô, «, ») et un signe = au milieu.\n"
    "From here on, a line that mbox would mangle.\n"
    ".\n"
    "..deux points\n"
    "des espaces à la fin   \n"
    "une tabulation à la fin\t\n"
    "Unmotsansaucunespacequidepasselalimitedesoixanteseizecaracteresdelalignequotedprintable\n"
    "fin sans saut de ligne";
static const char *html_fr = "<p>Bonjour Ana,</p>\r\n<p>L'équipe "
    "d'accueil « vous » salue.</p>\r\n";

/* A message as the pipeline hands it over, with every optional field set. */
static struct gw_msg
full_msg(void)
{
	struct gw_msg	m;

	memset(&m, 0, sizeof m);
	m.key = KEY;
	m.event_id = "evt-1";
	m.type = "newcomer.arrived";
	m.territory = "abitibi";
	m.role = "newcomer";
	m.channel = "email";
	m.language = "fr";
	m.template = "welcome";
	m.from = "accueil@abitibi.example";
	m.from_name = "Accueil MRC d'Abitibi — équipe";
	m.reply_to = "reponses@abitibi.example";
	m.to = "ana.lefebvre@example.com";
	m.subject = subject_fr;
	m.text = text_fr;
	m.html = html_fr;
	m.gateway = "smtp";
	return m;
}

/* A parsed message: unfolded headers, and the body. */
struct parsed {
	char	*hdrs;		/* "name: value\n" each, unfolded */
	char	*body;
};

static void
parsed_free(struct parsed *p)
{
	free(p->hdrs);
	free(p->body);
}

/*
 * CRLF everywhere, no line over 78 but a lone <URL> (RFC 2369 forbids
 * breaking one) within RFC 5322's 998, then headers unfolded.
 */
static void
parse(const char *msg, size_t len, struct parsed *p)
{
	const char	*sep, *line, *eol;
	struct buf	 h;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			fail_msg("bare LF at offset %zu", i);
		if (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n'))
			fail_msg("bare CR at offset %zu", i);
		if ((unsigned char)msg[i] >= 0x80)
			fail_msg("8-bit byte at offset %zu", i);
	}
	assert_true(len >= 2 && memcmp(msg + len - 2, "\r\n", 2) == 0);
	for (line = msg; line < msg + len; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (eol - line > 78 && (eol - line > 998 ||
		    strncmp(line, " <", 2) != 0 || eol[-1] != '>' ||
		    memchr(line + 1, ' ', (size_t)(eol - line - 1)) != NULL))
			fail_msg("line of %d characters: %.*s", (int)(eol - line),
			    (int)(eol - line), line);
	}
	assert_non_null(sep = strstr(msg, "\r\n\r\n"));
	buf_init(&h);
	for (line = msg; line < sep + 2; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if (*line == ' ' || *line == '\t') {
			assert_true(h.len > 0);	/* a continuation */
			h.len--;		/* drop the "\n" */
		}
		buf_append(&h, line, (size_t)(eol - line));
		buf_putc(&h, '\n');
	}
	p->hdrs = buf_steal(&h, NULL);
	p->body = strdup(sep + 4);
}

/* The unfolded value of header name; fails when absent. */
static char *
header(const struct parsed *p, const char *name)
{
	const char	*line, *eol;
	size_t		 n = strlen(name);

	for (line = p->hdrs; *line != '\0'; line = eol + 1) {
		eol = strchr(line, '\n');
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			line += n + 1;
			while (*line == ' ')
				line++;
			return strndup(line, (size_t)(eol - line));
		}
	}
	return NULL;
}

static int
has_header(const struct parsed *p, const char *name)
{
	char	*v = header(p, name);

	free(v);
	return v != NULL;
}

static int
b64val(int c)
{
	const char	*tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789+/";
	const char	*p = c != '\0' ? strchr(tab, c) : NULL;

	return p != NULL ? (int)(p - tab) : -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* RFC 2045: uppercase only */
}

/* Whether s[0..len) is whole UTF-8 sequences (no sequence cut in two). */
static int
whole_utf8(const unsigned char *s, size_t len)
{
	size_t	i = 0, n, k;

	while (i < len) {
		n = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 :
		    s[i] >= 0xc0 ? 2 : 0;
		if (n == 0 || i + n > len)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		}
		i += n;
	}
	return 1;
}

/*
 * Decodes RFC 2047 encoded-words in a header value (whitespace between two
 * of them dropped), checking each is at most 75 characters, B-encoded UTF-8
 * holding whole characters.
 */
static char *
decode_words(const char *v)
{
	struct buf	 out;
	const char	*p = v, *q, *end, *ws = NULL;
	int		 prev_word = 0, a, b, c, d;
	size_t		 start;

	buf_init(&out);
	buf_puts(&out, "");
	while (*p != '\0') {
		if (strncmp(p, "=?", 2) == 0 &&
		    (end = strstr(p + 2, "?=")) != NULL) {
			if (end + 2 - p > 75)
				fail_msg("encoded-word of %d chars",
				    (int)(end + 2 - p));
			if (strncasecmp(p, "=?UTF-8?B?", 10) != 0)
				fail_msg("not a UTF-8 B word: %s", p);
			start = out.len;
			for (q = p + 10; q + 4 <= end; q += 4) {
				a = b64val(q[0]);
				b = b64val(q[1]);
				c = q[2] == '=' ? -2 : b64val(q[2]);
				d = q[3] == '=' ? -2 : b64val(q[3]);
				assert_true(a >= 0 && b >= 0 && c != -1 && d != -1);
				buf_putc(&out, (char)(a << 2 | b >> 4));
				if (c >= 0)
					buf_putc(&out, (char)((b & 15) << 4 | c >> 2));
				if (c >= 0 && d >= 0)
					buf_putc(&out, (char)((c & 3) << 6 | d));
			}
			if (!whole_utf8((unsigned char *)out.data + start,
			    out.len - start))
				fail_msg("a word splits a UTF-8 sequence");
			p = end + 2;
			prev_word = 1;
			ws = NULL;
			continue;
		}
		if (*p == ' ' && prev_word) {
			/* whitespace between words: kept only before text */
			if (ws == NULL)
				ws = p;
			p++;
			continue;
		}
		if (ws != NULL)
			buf_append(&out, ws, (size_t)(p - ws));
		ws = NULL;
		prev_word = 0;
		buf_putc(&out, *p++);
	}
	return buf_steal(&out, NULL);
}

/* Quoted-printable back to bytes, checking the encoder's rules. */
static char *
decode_qp(const char *s)
{
	struct buf	 out;
	const char	*line, *eol;
	size_t		 n, i;
	int		 hi, lo;

	buf_init(&out);
	buf_puts(&out, "");
	for (line = s; *line != '\0'; line = eol + 2) {
		assert_non_null(eol = strstr(line, "\r\n"));
		n = (size_t)(eol - line);
		if (n > 76)
			fail_msg("quoted-printable line of %zu chars", n);
		if (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			fail_msg("trailing whitespace: %.*s", (int)n, line);
		if (strncmp(line, "From ", 5) == 0)
			fail_msg("a line opens with \"From \"");
		for (i = 0; i < n; i++) {
			if (line[i] != '=') {
				assert_true((unsigned char)line[i] < 0x7f);
				buf_putc(&out, line[i]);
				continue;
			}
			if (i + 1 == n)
				break;		/* soft line break */
			assert_true(i + 2 < n);
			hi = hexval(line[i + 1]);
			lo = hexval(line[i + 2]);
			assert_true(hi >= 0 && lo >= 0);
			buf_putc(&out, (char)(hi << 4 | lo));
			i += 2;
		}
		if (i == n)
			buf_puts(&out, "\r\n");	/* a hard line break */
	}
	return buf_steal(&out, NULL);
}

/* text with every line break as CRLF, and one at the end. */
static char *
crlf(const char *text)
{
	struct buf	 out;
	const char	*p;

	buf_init(&out);
	for (p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			buf_putc(&out, '\r');
		buf_putc(&out, *p);
	}
	if (out.len < 2 || memcmp(out.data + out.len - 2, "\r\n", 2) != 0)
		buf_puts(&out, "\r\n");
	return buf_steal(&out, NULL);
}

/* One part: its Content-Type, and its body decoded. */
static void
check_part(const char *part, const char *type, const char *original)
{
	struct parsed	 p;
	char		*v, *dec, *want;

	parse(part, strlen(part), &p);
	v = header(&p, "Content-Type");
	assert_non_null(v);
	assert_string_equal(v, type);
	free(v);
	v = header(&p, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	dec = decode_qp(p.body);
	want = crlf(original);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	parsed_free(&p);
}

static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static void
build(const struct gw_msg *m, struct buf *out)
{
	buf_init(out);
	assert_int_equal(gw_smtp_message(m, "abitibi.example", out), 0);
}

static void
test_message_multipart(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	struct parsed	 p;
	char		*v, *d, *bound, *s, *part, *next;
	char		 delim[128];

	(void)state;
	build(&m, &raw);
	/* the boundary occurs only as the two delimiters and the close */
	assert_int_equal(count(raw.data, "--=_relais_" KEY), 3);
	parse(raw.data, raw.len, &p);

	v = header(&p, "Date");
	assert_non_null(v);
	/* RELAIS_TEST_NOW=2026-05-05T14:03:07Z, the clock running on */
	assert_true(strncmp(v, "Tue, 05 May 2026 14:0", 21) == 0);
	assert_non_null(strstr(v, " +0000"));
	free(v);
	v = header(&p, "From");
	d = decode_words(v);
	assert_string_equal(d, "Accueil MRC d'Abitibi — équipe "
	    "<accueil@abitibi.example>");
	free(d);
	free(v);
	v = header(&p, "To");
	assert_string_equal(v, "ana.lefebvre@example.com");
	free(v);
	v = header(&p, "Reply-To");
	assert_string_equal(v, "reponses@abitibi.example");
	free(v);
	v = header(&p, "Subject");
	assert_non_null(strstr(v, "=?UTF-8?B?"));
	d = decode_words(v);
	assert_string_equal(d, subject_fr);
	free(d);
	free(v);
	v = header(&p, "Message-ID");
	assert_string_equal(v, "<" KEY "@abitibi.example>");
	free(v);
	v = header(&p, "X-Relais-Delivery");
	assert_string_equal(v, KEY);
	free(v);
	v = header(&p, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);

	/* multipart/alternative: text/plain first, then text/html */
	v = header(&p, "Content-Type");
	assert_true(strncmp(v, "multipart/alternative;", 22) == 0);
	assert_non_null(bound = strstr(v, "boundary=\""));
	bound += 10;
	*strchr(bound, '"') = '\0';
	assert_true(strlen(bound) >= 1 && strlen(bound) <= 70);
	snprintf(delim, sizeof delim, "--%s\r\n", bound);
	assert_non_null(s = strstr(p.body, delim));
	part = s + strlen(delim);
	assert_non_null(next = strstr(part, delim));
	*(next - 2) = '\0';	/* the CRLF before a delimiter is its own */
	check_part(part, "text/plain; charset=UTF-8", text_fr);
	part = next + strlen(delim);
	snprintf(delim, sizeof delim, "\r\n--%s--\r\n", bound);
	assert_non_null(next = strstr(part, delim));
	assert_string_equal(next, delim);	/* the close ends the message */
	next[0] = '\0';
	check_part(part, "text/html; charset=UTF-8", html_fr);
	free(v);
	parsed_free(&p);
	buf_free(&raw);
}

static void
test_message_single_part(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	struct parsed	 p;
	char		*v, *dec, *want;

	(void)state;
	/* text only: no multipart, and no Reply-To when there is none */
	m.html = NULL;
	m.reply_to = NULL;
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	assert_false(has_header(&p, "Reply-To"));
	v = header(&p, "Content-Type");
	assert_string_equal(v, "text/plain; charset=UTF-8");
	free(v);
	v = header(&p, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	dec = decode_qp(p.body);
	want = crlf(text_fr);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	parsed_free(&p);
	buf_free(&raw);

	/* HTML only */
	m = full_msg();
	m.text = "";
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	v = header(&p, "Content-Type");
	assert_string_equal(v, "text/html; charset=UTF-8");
	free(v);
	dec = decode_qp(p.body);
	assert_string_equal(dec, html_fr);
	free(dec);
	parsed_free(&p);
	buf_free(&raw);
}

static void
test_message_plain_headers(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	struct parsed	 p;
	char		*v;

	(void)state;
	/* ASCII stays readable: a quoted name, a plain subject, folded */
	m.from_name = "Accueil \"MRC\" d'Abitibi";
	m.subject = "Welcome to Amos, Ana! This subject is long enough to be "
	    "folded on two lines at a space";
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	v = header(&p, "From");
	assert_string_equal(v, "\"Accueil \\\"MRC\\\" d'Abitibi\" "
	    "<accueil@abitibi.example>");
	free(v);
	v = header(&p, "Subject");
	assert_string_equal(v, m.subject);
	free(v);
	assert_non_null(strstr(raw.data, "two\r\n lines at a space\r\n"));
	parsed_free(&p);
	buf_free(&raw);

	/* "=?" in plain text would read as an encoded-word: encoded */
	m.subject = "a =?b?= c";
	m.from_name = NULL;
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	v = header(&p, "Subject");
	assert_non_null(strstr(v, "=?UTF-8?B?"));
	free(v);
	v = header(&p, "From");
	assert_string_equal(v, "accueil@abitibi.example");
	free(v);
	parsed_free(&p);
	buf_free(&raw);

	/* a word longer than a line: encoded-words, split anywhere */
	m.subject = "Unmotsansaucunespacequidepasselalimitedesoixantedixhuit"
	    "caracteresdelalignedentete";
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	v = header(&p, "Subject");
	free(v);
	parsed_free(&p);
	buf_free(&raw);
}

static void
test_message_refused(void **state)
{
	struct gw_msg	 m;
	struct buf	 raw;
	char		 err[128];
	size_t		 i;
	struct {
		const char	*field;
		const char	*value;
		const char	*why;
	} cases[] = {
		{ "to", NULL, "recipient" },
		{ "to", "ana", "recipient" },
		{ "to", "ana@example.com\r\nBcc: x@example.com", "recipient" },
		{ "to", "anaïs@example.com", "recipient" },
		{ "from", "", "sender" },
		{ "reply_to", "a b@example.com", "reply-to" },
		{ "subject", "Bonjour\r\nBcc: x@example.com", "line break" },
		{ "from_name", "Accueil\nBcc: x", "line break" },
		{ "key", "", "delivery key" },
		{ "key", "a/b", "delivery key" },
		{ "subject", "caf\xe9", "UTF-8" },
		{ "text", "\xff", "UTF-8" },
		{ "unsubscribe_url", "https://relais.example.org/u/a b",
		    "unsubscribe" },
		{ "unsubscribe_url", "https://relais.example.org/u/a\r\nBcc: x",
		    "unsubscribe" },
	};

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		m = full_msg();
		if (strcmp(cases[i].field, "to") == 0)
			m.to = cases[i].value;
		else if (strcmp(cases[i].field, "from") == 0)
			m.from = cases[i].value;
		else if (strcmp(cases[i].field, "reply_to") == 0)
			m.reply_to = cases[i].value;
		else if (strcmp(cases[i].field, "subject") == 0)
			m.subject = cases[i].value;
		else if (strcmp(cases[i].field, "from_name") == 0)
			m.from_name = cases[i].value;
		else if (strcmp(cases[i].field, "key") == 0)
			m.key = cases[i].value;
		else if (strcmp(cases[i].field, "unsubscribe_url") == 0)
			m.unsubscribe_url = cases[i].value;
		else
			m.text = cases[i].value;
		assert_int_equal(gw_smtp_check(&m, err, sizeof err), -1);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i,
			    cases[i].why, err);
		buf_init(&raw);
		assert_int_equal(gw_smtp_message(&m, "abitibi.example", &raw),
		    -1);
		assert_int_equal(raw.len, 0);
		buf_free(&raw);
	}
	m = full_msg();
	m.text = NULL;
	m.html = "";
	assert_int_equal(gw_smtp_check(&m, err, sizeof err), -1);
	assert_string_equal(err, "no content");
}

#define UNSUB_URL	"https://relais.example.org/u/" \
			"ZW1haWw6YW5hLmxlZmVidnJlQGV4YW1wbGUuY29t." \
			"q3Xv0m1y4YpD2c8kGZrN0A?lang=en"

/* RFC 8058: List-Unsubscribe, and -Post over HTTPS; the URL never broken. */
static void
test_message_unsubscribe(void **state)
{
	struct gw_msg	 m = full_msg();
	struct buf	 raw;
	struct parsed	 p;
	char		*v, longurl[GW_UNSUBSCRIBE_MAX + 1];

	(void)state;
	/* longer than a line: alone on the next one */
	m.unsubscribe_url = UNSUB_URL;
	build(&m, &raw);
	assert_non_null(strstr(raw.data, "\r\nList-Unsubscribe:\r\n <"
	    UNSUB_URL ">\r\nList-Unsubscribe-Post: "
	    "List-Unsubscribe=One-Click\r\n"));
	parse(raw.data, raw.len, &p);
	v = header(&p, "List-Unsubscribe");
	assert_string_equal(v, "<" UNSUB_URL ">");
	free(v);
	v = header(&p, "List-Unsubscribe-Post");
	assert_string_equal(v, "List-Unsubscribe=One-Click");
	free(v);
	/* before the body: a header of the message, not of a part */
	assert_null(strstr(p.body, "Unsubscribe"));
	parsed_free(&p);
	buf_free(&raw);

	/* short enough: on its line; over HTTP, no one-click promise */
	m.unsubscribe_url = "http://127.0.0.1:9187/u/abc.def";
	build(&m, &raw);
	assert_non_null(strstr(raw.data, "\r\nList-Unsubscribe: "
	    "<http://127.0.0.1:9187/u/abc.def>\r\n"));
	parse(raw.data, raw.len, &p);
	assert_false(has_header(&p, "List-Unsubscribe-Post"));
	parsed_free(&p);
	buf_free(&raw);

	/* the longest allowed stays within RFC 5322's 998 */
	memset(longurl, 'a', sizeof longurl - 1);
	memcpy(longurl, "https://", 8);
	longurl[sizeof longurl - 1] = '\0';
	m.unsubscribe_url = longurl;
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	assert_true(has_header(&p, "List-Unsubscribe-Post"));
	parsed_free(&p);
	buf_free(&raw);

	/* none: neither header */
	m.unsubscribe_url = NULL;
	build(&m, &raw);
	parse(raw.data, raw.len, &p);
	assert_false(has_header(&p, "List-Unsubscribe"));
	assert_false(has_header(&p, "List-Unsubscribe-Post"));
	parsed_free(&p);
	buf_free(&raw);
}

static struct http_response
resp_of(long status, int error, const char *errmsg, const char *lines)
{
	struct http_response	r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.error = error;
	r.errmsg = errmsg;
	r.retry_after_s = -1;
	r.body = "";
	r.headers = lines;
	r.total_ms = 12.5;
	return r;
}

static void
classify(const struct http_response *r, struct gw_result *res)
{
	memset(res, 0, sizeof *res);
	gw_smtp_classify(r, res);
}

static void
test_classify(void **state)
{
	struct http_response	r;
	struct gw_result	res;

	(void)state;
	r = resp_of(250, 0, "", "250 2.0.0 Ok: queued as 4F3A2\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.reason, "");
	assert_int_equal(res.retry_after_s, -1);
	assert_true(res.ms == 12.5);

	/* 5xx: permanent, the server's words, the address masked */
	r = resp_of(550, 55, "RCPT failed: 550", "250-mail.example\r\n"
	    "250 AUTH PLAIN LOGIN\r\n235 2.7.0 ok\r\n250 2.1.0 Ok\r\n"
	    "550-5.1.1 <ana.lefebvre@example.com>: Recipient address\r\n"
	    "550 5.1.1 <ana.lefebvre@example.com>: rejected\r\n"
	    "221 2.0.0 Bye\r\n");	/* curl's QUIT as it closes */
	classify(&r, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "SMTP 550: 5.1.1 "
	    "<a***@example.com>: rejected");
	assert_null(strstr(res.reason, "lefebvre"));
	r = resp_of(554, 8, "weird", "554 5.7.1 Message refused\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "SMTP 554: 5.7.1 Message refused");
	r = resp_of(553, 55, "MAIL failed: 553", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "SMTP 553: MAIL failed: 553");

	/* 4xx: later */
	r = resp_of(451, 55, "RCPT failed: 451", "451 4.3.0 try again\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "SMTP 451: 4.3.0 try again");
	r = resp_of(421, 8, "weird", "421 4.3.2 shutting down\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);

	/* logins: refused is permanent, a temporary failure is not */
	r = resp_of(535, GW_SMTP_LOGIN_DENIED, "Login denied",
	    "535 5.7.8 Authentication credentials invalid\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "SMTP 535: 5.7.8 Authentication "
	    "credentials invalid");
	r = resp_of(454, GW_SMTP_LOGIN_DENIED, "Login denied",
	    "454 4.7.0 Temporary authentication failure\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	r = resp_of(0, GW_SMTP_LOGIN_DENIED, "Login denied", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "SMTP login denied: Login denied");

	/* transport: no reply, or a 2xx/3xx before the failure */
	r = resp_of(0, 7, "Failed to connect to 127.0.0.1 port 9", "");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "transport: Failed to connect to "
	    "127.0.0.1 port 9");
	r = resp_of(354, 28, "Operation timed out", "354 go ahead\r\n");
	classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason, "transport: Operation timed out");
	assert_string_equal(res.provider_id, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_multipart),
		cmocka_unit_test(test_message_single_part),
		cmocka_unit_test(test_message_plain_headers),
		cmocka_unit_test(test_message_refused),
		cmocka_unit_test(test_message_unsubscribe),
		cmocka_unit_test(test_classify),
	};
	char	err[128];

	setenv("RELAIS_TEST_NOW", "2026-05-05T14:03:07Z", 1);
	if (clock_init(err, sizeof err) != 1) {
		fprintf(stderr, "clock_init: %s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
