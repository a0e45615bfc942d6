/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Finding a person's id, email addresses and phone numbers in raw bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "phone.h"
#include "pii.h"

#define PII_DEPTH	64	/* containers whose opening key is kept */
#define PII_KEY		16	/* bytes kept of a key, NUL included */
#define PII_SEPS	3	/* separators in a row inside a phone number */

struct pii {
	char	 id[PII_ID_MAX + 1];
	char	*quoted;	/* the id as a JSON string's contents */
	char	*emails[PII_ADDR_MAX];
	size_t	 nemails;
	char	 phones[PII_ADDR_MAX][PHONE_E164_SIZE];
	size_t	 nphones;
	/* digits searched for: each E.164 number, and the national form */
	char	 digits[PII_ADDR_MAX * 2][PHONE_E164_SIZE];
	size_t	 ndigits;
};

/*
 * Where a loose JSON reader stands: enough to tell an "id" key's object
 * (the envelope, or someone else's under a known key) in bytes that need
 * not be valid. Bytes outside any container are skipped, so the event after
 * a scheduled member's "retry 1 0 KEY " prefix is read as well.
 */
struct pii_scan {
	int	depth;			/* containers open */
	int	in_str, esc, str_is_key, after_colon, expect_key;
	size_t	keylen;			/* of the key being read */
	char	key[PII_KEY];		/* the last key read */
	char	opened[PII_DEPTH][PII_KEY];	/* key each container is under */
	char	is_obj[PII_DEPTH];
};

/* Objects whose "id" is someone else's (the event contract's names). */
static const char *const pii_others[] = { "job", "employer", "contact",
    "counsellor", "followup", NULL };

static int
pii_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
pii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Bytes that continue a bare token ("id":1234 is not "id":12345). */
static int
pii_token_byte(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    pii_digit(c) || c == '_' || c == '.' || c == '+' || c == '-' ||
	    c >= 0x80;
}

struct pii *
pii_new(const char *id)
{
	struct pii	*w;
	struct buf	 b;
	size_t		 n = id != NULL ? strlen(id) : 0;
	const unsigned char *s;

	if (n == 0 || n > PII_ID_MAX)
		return NULL;
	w = xcalloc(1, sizeof *w);
	memcpy(w->id, id, n + 1);
	buf_init(&b);
	for (s = (const unsigned char *)id; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(&b, "\\%c", *s);
		else if (*s < 0x20)
			buf_printf(&b, "\\u%04x", *s);
		else
			buf_putc(&b, (char)*s);
	}
	w->quoted = buf_steal(&b, NULL);
	return w;
}

void
pii_free(struct pii *w)
{
	size_t	i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nemails; i++)
		free(w->emails[i]);
	free(w->quoted);
	free(w);
}

int
pii_add_email(struct pii *w, const char *addr, char *err, size_t errlen)
{
	char	*e;
	size_t	 i, n = strlen(addr);

	if (n < 3 || n > 254 || strchr(addr, '@') == NULL ||
	    strcspn(addr, " \t\r\n\"<>") != n) {
		snprintf(err, errlen, "not an email address");
		return -1;
	}
	e = xstrdup(addr);
	for (i = 0; i < n; i++)
		e[i] = (char)pii_lower((unsigned char)e[i]);
	for (i = 0; i < w->nemails; i++) {
		if (strcmp(w->emails[i], e) == 0) {
			free(e);
			return 0;
		}
	}
	if (w->nemails == PII_ADDR_MAX) {
		snprintf(err, errlen, "more than %d email addresses",
		    PII_ADDR_MAX);
		free(e);
		return -1;
	}
	w->emails[w->nemails++] = e;
	return 0;
}

int
pii_add_phone(struct pii *w, const char *num, char *err, size_t errlen)
{
	char	e164[PHONE_E164_SIZE];
	size_t	i;

	if (phone_normalise(num, e164, sizeof e164, err, errlen) == -1)
		return -1;
	for (i = 0; i < w->nphones; i++) {
		if (strcmp(w->phones[i], e164) == 0)
			return 0;
	}
	if (w->nphones == PII_ADDR_MAX) {
		snprintf(err, errlen, "more than %d phone numbers",
		    PII_ADDR_MAX);
		return -1;
	}
	snprintf(w->phones[w->nphones++], PHONE_E164_SIZE, "%s", e164);
	snprintf(w->digits[w->ndigits++], PHONE_E164_SIZE, "%s", e164 + 1);
	/* +1 819 555 0123 is written 819 555 0123 at home */
	if (strncmp(e164, "+1", 2) == 0 && strlen(e164) == 12)
		snprintf(w->digits[w->ndigits++], PHONE_E164_SIZE, "%s",
		    e164 + 2);
	return 0;
}

const char *
pii_id(const struct pii *w)
{
	return w->id;
}

size_t
pii_nemails(const struct pii *w)
{
	return w->nemails;
}

const char *
pii_email(const struct pii *w, size_t i)
{
	return i < w->nemails ? w->emails[i] : NULL;
}

size_t
pii_nphones(const struct pii *w)
{
	return w->nphones;
}

const char *
pii_phone(const struct pii *w, size_t i)
{
	return i < w->nphones ? w->phones[i] : NULL;
}

/* Reads byte p[i] into the scanner's state. */
static void
pii_scan_step(struct pii_scan *s, const unsigned char *p, size_t i)
{
	int	c = p[i], obj;

	if (s->in_str) {
		if (s->esc)
			s->esc = 0;
		else if (c == '\\')
			s->esc = 1;
		else if (c == '"') {
			s->in_str = 0;
			if (s->str_is_key) {
				s->key[s->keylen < PII_KEY ? s->keylen : 0] = '\0';
				s->expect_key = 0;
			}
			return;
		}
		if (s->str_is_key && s->keylen < PII_KEY)
			s->key[s->keylen++] = (char)c;
		return;
	}
	obj = s->depth > 0 && s->depth <= PII_DEPTH && s->is_obj[s->depth - 1];
	switch (c) {
	case '"':
		s->in_str = 1;
		s->str_is_key = obj && s->expect_key;
		s->keylen = 0;
		s->after_colon = 0;
		break;
	case '{':
	case '[':
		if (s->depth < PII_DEPTH) {
			snprintf(s->opened[s->depth], PII_KEY, "%s",
			    obj && s->after_colon ? s->key : "");
			s->is_obj[s->depth] = c == '{';
		}
		s->depth++;
		s->expect_key = c == '{';
		s->after_colon = 0;
		break;
	case '}':
	case ']':
		if (s->depth > 0)
			s->depth--;
		s->expect_key = s->after_colon = 0;
		break;
	case ':':
		s->after_colon = 1;
		break;
	case ',':
		s->expect_key = obj;
		s->after_colon = 0;
		break;
	default:
		break;
	}
}

/*
 * Whether the quote at p[i], about to be read by s, opens an "id" key that
 * is not the person's: the envelope's own, or under pii_others.
 */
static int
pii_scan_other_id(const struct pii_scan *s)
{
	size_t	k;

	if (s->in_str || !s->expect_key || s->depth == 0 ||
	    s->depth > PII_DEPTH || !s->is_obj[s->depth - 1])
		return 0;
	if (s->depth == 1)
		return 1;
	for (k = 0; pii_others[k] != NULL; k++) {
		if (strcmp(s->opened[s->depth - 1], pii_others[k]) == 0)
			return 1;
	}
	return 0;
}

/* Offset of the value of an "id" key whose quote is at p[i], or 0. */
static size_t
pii_id_value(const unsigned char *p, size_t len, size_t i)
{
	if (len - i < 5 || memcmp(p + i, "\"id\"", 4) != 0)
		return 0;
	for (i += 4; i < len && (p[i] == ' ' || p[i] == '\t' ||
	    p[i] == '\r' || p[i] == '\n'); i++)
		;
	if (i == len || p[i] != ':')
		return 0;
	for (i++; i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'); i++)
		;
	return i < len ? i : 0;
}

/* Whether the "id" key at p[i] holds the person's id, quoted or bare. */
static int
pii_id_at(const struct pii *w, const unsigned char *p, size_t len, size_t i)
{
	size_t	v, n;

	if ((v = pii_id_value(p, len, i)) == 0)
		return 0;
	if (p[v] == '"') {
		n = strlen(w->quoted);
		return len - v - 1 > n && memcmp(p + v + 1, w->quoted, n) == 0 &&
		    p[v + 1 + n] == '"';
	}
	n = strlen(w->id);
	return len - v >= n && memcmp(p + v, w->id, n) == 0 &&
	    (v + n == len || !pii_token_byte(p[v + n]));
}

/* Bytes that may be part of an address around a match. */
static int
pii_addr_byte(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    pii_digit(c) || c == '_' || c == '-' || c == '+' || c == '%' ||
	    c >= 0x80;
}

/* Whether email address e starts at p[i], not inside a longer address. */
static int
pii_email_at(const char *e, const unsigned char *p, size_t len, size_t i)
{
	size_t	n = strlen(e), k;

	if (len - i < n || (i > 0 && (pii_addr_byte(p[i - 1]) ||
	    p[i - 1] == '.')))
		return 0;
	for (k = 0; k < n; k++) {
		if (pii_lower(p[i + k]) != (unsigned char)e[k])
			return 0;
	}
	k = i + n;
	if (k == len)
		return 1;
	/* a sentence may end with the address: "... zoe@example.com." */
	return !pii_addr_byte(p[k]) && !(p[k] == '.' && k + 1 < len &&
	    pii_addr_byte(p[k + 1]));
}

/* Bytes of a separator inside a written phone number at p[i], 0 if none. */
static size_t
pii_separator(const unsigned char *p, size_t len, size_t i)
{
	size_t	n = len - i;

	if (p[i] != '\0' && strchr(" \t-./()", p[i]) != NULL)
		return 1;
	if (n >= 2 && p[i] == 0xc2 && p[i + 1] == 0xa0)
		return 2;
	if (n >= 3 && p[i] == 0xe2 && p[i + 1] == 0x80 && p[i + 2] == 0xaf)
		return 3;
	/* the same no-break spaces as JSON escapes */
	if (n >= 6 && p[i] == '\\' && pii_lower(p[i + 1]) == 'u' &&
	    (strncasecmp((const char *)p + i + 2, "00a0", 4) == 0 ||
	    strncasecmp((const char *)p + i + 2, "202f", 4) == 0))
		return 6;
	return 0;
}

/* Whether digits d, written with separators, start at p[i] (a digit). */
static int
pii_digits_at(const char *d, const unsigned char *p, size_t len, size_t i)
{
	size_t	sep, seps = 0;

	if (i > 0 && pii_digit(p[i - 1]))
		return 0;
	while (*d != '\0') {
		if (i == len)
			return 0;
		if (pii_digit(p[i])) {
			if (p[i] != (unsigned char)*d)
				return 0;
			d++;
			i++;
			seps = 0;
		} else if ((sep = pii_separator(p, len, i)) > 0 &&
		    seps++ < PII_SEPS)
			i += sep;
		else
			return 0;
	}
	return i == len || !pii_digit(p[i]);
}

int
pii_match(const struct pii *w, const void *bytes, size_t len)
{
	const unsigned char	*p = bytes;
	struct pii_scan		 s;
	size_t			 i, k;
	int			 found = 0;

	memset(&s, 0, sizeof s);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' && !(found & PII_ID) &&
		    pii_id_at(w, p, len, i) && !pii_scan_other_id(&s))
			found |= PII_ID;
		for (k = 0; !(found & PII_EMAIL) && k < w->nemails; k++) {
			if (pii_lower(p[i]) == (unsigned char)w->emails[k][0] &&
			    pii_email_at(w->emails[k], p, len, i))
				found |= PII_EMAIL;
		}
		for (k = 0; !(found & PII_PHONE) && pii_digit(p[i]) &&
		    k < w->ndigits; k++) {
			if (pii_digits_at(w->digits[k], p, len, i))
				found |= PII_PHONE;
		}
		pii_scan_step(&s, p, i);
	}
	return found;
}

int
pii_event_id(const void *bytes, size_t len, char *out, size_t outlen)
{
	const unsigned char	*p = bytes;
	struct pii_scan		 s;
	size_t			 i, v, n;

	memset(&s, 0, sizeof s);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' && s.depth == 1 && pii_scan_other_id(&s) &&
		    (v = pii_id_value(p, len, i)) != 0 && p[v] == '"') {
			for (n = 0; v + 1 + n < len && p[v + 1 + n] != '"' &&
			    p[v + 1 + n] != '\\'; n++)
				;
			if (v + 1 + n == len || p[v + 1 + n] != '"' ||
			    n == 0 || n >= outlen)
				return -1;
			memcpy(out, p + v + 1, n);
			out[n] = '\0';
			return 0;
		}
		pii_scan_step(&s, p, i);
	}
	return -1;
}
