/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Twilio webhooks: request signatures (HMAC-SHA1), form bodies, SMS keywords. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "buf.h"
#include "twhook.h"
#include "utf8.h"

#define TWHOOK_WORD_MAX	16	/* longer than any keyword */

struct twhook_form {
	struct twhook_param	 params[TWHOOK_MAX_PARAMS];
	size_t			 n;
	char			*data;	/* decoded names and values */
};

static const struct {
	const char		*word;
	enum twhook_keyword	 kw;
} twhook_words[] = {
	{ "STOP", TWHOOK_OPTOUT },
	{ "STOPALL", TWHOOK_OPTOUT },
	{ "UNSUBSCRIBE", TWHOOK_OPTOUT },
	{ "CANCEL", TWHOOK_OPTOUT },
	{ "END", TWHOOK_OPTOUT },
	{ "QUIT", TWHOOK_OPTOUT },
	{ "REVOKE", TWHOOK_OPTOUT },
	{ "OPTOUT", TWHOOK_OPTOUT },
	{ "ARRET", TWHOOK_OPTOUT },
	{ "ARRETE", TWHOOK_OPTOUT },
	{ "ARRETER", TWHOOK_OPTOUT },
	{ "DESABONNER", TWHOOK_OPTOUT },
	{ "START", TWHOOK_OPTIN },
	{ "YES", TWHOOK_OPTIN },
	{ "UNSTOP", TWHOOK_OPTIN },
	{ "HELP", TWHOOK_HELP },
	{ "INFO", TWHOOK_HELP },
	{ "AIDE", TWHOOK_HELP },
};

/*
 * Base letters of U+00C0..U+00FF (UTF-8 C3 80..C3 BF), '?' where there is
 * none (Æ, Ð, ×, Þ, ß, æ, ð, ÷, þ).
 */
static const char twhook_latin1[] =
    "AAAAAA?CEEEEIIII?NOOOOO?OUUUUY??"
    "AAAAAA?CEEEEIIII?NOOOOO?OUUUUY?Y";

static int
twhook_param_cmp(const void *a, const void *b)
{
	const struct twhook_param	*x = *(const struct twhook_param *const *)a;
	const struct twhook_param	*y = *(const struct twhook_param *const *)b;
	int				 c;

	/* strcmp compares as unsigned char: the byte order Twilio uses */
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->value != NULL ? x->value : "",
	    y->value != NULL ? y->value : "");
}

int
twhook_signature(const char *auth_token, const char *url,
    const struct twhook_param *params, size_t n, char *out, size_t outlen)
{
	const struct twhook_param	**sorted = NULL;
	unsigned char			  md[EVP_MAX_MD_SIZE];
	unsigned int			  mdlen = 0;
	size_t				  i, keylen;
	struct buf			  b;
	int				  rc = -1;

	buf_init(&b);
	if (outlen < TWHOOK_SIG_SIZE || auth_token == NULL || url == NULL ||
	    (keylen = strlen(auth_token)) > INT_MAX)
		goto fail;
	buf_puts(&b, url);
	if (n > 0) {
		sorted = xcalloc(n, sizeof *sorted);
		for (i = 0; i < n; i++)
			sorted[i] = &params[i];
		qsort(sorted, n, sizeof *sorted, twhook_param_cmp);
		for (i = 0; i < n; i++) {
			buf_puts(&b, sorted[i]->name);
			if (sorted[i]->value != NULL)
				buf_puts(&b, sorted[i]->value);
		}
	}
	/* HMAC() is the one-shot form OpenSSL 3 keeps undeprecated */
	if (HMAC(EVP_sha1(), auth_token, (int)keylen,
	    (const unsigned char *)(b.data != NULL ? b.data : ""), b.len, md,
	    &mdlen) == NULL || mdlen != 20)
		goto fail;
	if (base64_encode(md, mdlen, out, 0) != TWHOOK_SIG_LEN)
		goto fail;
	rc = 0;

fail:
	if (rc == -1 && outlen > 0)
		out[0] = '\0';
	OPENSSL_cleanse(md, sizeof md);
	free(sorted);
	buf_free(&b);
	return rc;
}

int
twhook_verify(const char *auth_token, const char *url,
    const struct twhook_param *params, size_t n, const char *signature)
{
	char	want[TWHOOK_SIG_SIZE];
	int	rc = -1;

	if (twhook_signature(auth_token, url, params, n, want,
	    sizeof want) == -1 || signature == NULL)
		return -1;
	/* the length is no secret; the bytes are compared in constant time */
	if (strlen(signature) == TWHOOK_SIG_LEN &&
	    CRYPTO_memcmp(want, signature, TWHOOK_SIG_LEN) == 0)
		rc = 0;
	OPENSSL_cleanse(want, sizeof want);
	return rc;
}

static int
twhook_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) to *o, NUL-terminated; -1 on a bad escape or a NUL. */
static int
twhook_decode(const char *s, size_t len, char **o)
{
	char	*p = *o;
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			*p++ = ' ';
		else if (s[i] == '%') {
			if (len - i < 3 || (hi = twhook_hex(s[i + 1])) == -1 ||
			    (lo = twhook_hex(s[i + 2])) == -1 ||
			    (hi == 0 && lo == 0))
				return -1;
			*p++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '\0')
			return -1;
		else
			*p++ = s[i];
	}
	*p++ = '\0';
	*o = p;
	return 0;
}

struct twhook_form *
twhook_form_parse(const char *body, size_t len, char *err, size_t errlen)
{
	struct twhook_form	*f = NULL;
	const char		*p, *end, *amp, *eq;
	char			*o;

	if (len > TWHOOK_MAX_BODY) {
		snprintf(err, errlen, "body over %d bytes", TWHOOK_MAX_BODY);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	/* each pair decodes to at most its own length plus two NULs */
	f->data = o = xmalloc(2 * len + 2);
	for (p = body, end = body + len; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;	/* "a=1&&b=2" */
		if (f->n == TWHOOK_MAX_PARAMS) {
			snprintf(err, errlen, "more than %d parameters",
			    TWHOOK_MAX_PARAMS);
			goto fail;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (eq == p) {
			snprintf(err, errlen, "parameter %zu has no name",
			    f->n + 1);
			goto fail;
		}
		f->params[f->n].name = o;
		if (twhook_decode(p, (size_t)(eq - p), &o) == -1)
			goto bad;
		f->params[f->n].value = o;
		if (twhook_decode(eq == amp ? eq : eq + 1,
		    eq == amp ? 0 : (size_t)(amp - eq - 1), &o) == -1)
			goto bad;
		f->n++;
	}
	return f;

bad:
	snprintf(err, errlen, "parameter %zu: bad %%-escape or NUL", f->n + 1);
fail:
	twhook_form_free(f);
	return NULL;
}

const struct twhook_param *
twhook_form_params(const struct twhook_form *f, size_t *n)
{
	*n = f->n;
	return f->params;
}

const char *
twhook_form_get(const struct twhook_form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->params[i].name, name) == 0)
			return f->params[i].value;
	return NULL;
}

void
twhook_form_free(struct twhook_form *f)
{
	if (f == NULL)
		return;
	free(f->data);
	free(f);
}

static int
twhook_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/*
 * Folds the word at s (trimmed) to upper-case ASCII in out: a-z, A-Z, the
 * Latin-1 letters with a base letter, combining marks (U+0300..U+036F)
 * dropped. Returns -1 for anything else, or a word that would not fit.
 */
static int
twhook_fold(const unsigned char *s, const unsigned char *end, char *out,
    size_t outlen)
{
	size_t		n = 0, k;
	uint32_t	cp;
	char		c;

	while (s < end) {
		if (*s >= 'a' && *s <= 'z')
			c = (char)(*s++ - 'a' + 'A');
		else if (*s >= 'A' && *s <= 'Z')
			c = (char)*s++;
		else if ((k = utf8_decode((const char *)s, (size_t)(end - s),
		    &cp)) == 0)
			return -1;
		else if (cp >= 0xc0 && cp <= 0xff) {
			if ((c = twhook_latin1[cp - 0xc0]) == '?')
				return -1;
			s += k;
		} else if (n > 0 && cp >= 0x300 && cp <= 0x36f) {
			s += k;		/* a combining accent: "E" U+0302 */
			continue;
		} else
			return -1;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

enum twhook_keyword
twhook_keyword(const char *body)
{
	const unsigned char	*s = (const unsigned char *)body, *end;
	char			 word[TWHOOK_WORD_MAX + 1];
	size_t			 i;

	if (s == NULL)
		return TWHOOK_NONE;
	while (twhook_space(*s))
		s++;
	end = s + strlen((const char *)s);
	while (end > s && twhook_space(end[-1]))
		end--;
	if (twhook_fold(s, end, word, sizeof word) == -1)
		return TWHOOK_NONE;
	for (i = 0; i < sizeof twhook_words / sizeof twhook_words[0]; i++)
		if (strcmp(word, twhook_words[i].word) == 0)
			return twhook_words[i].kw;
	return TWHOOK_NONE;
}

const char *
twhook_keyword_name(enum twhook_keyword kw)
{
	switch (kw) {
	case TWHOOK_OPTOUT:
		return "optout";
	case TWHOOK_OPTIN:
		return "optin";
	case TWHOOK_HELP:
		return "help";
	case TWHOOK_NONE:
		break;
	}
	return "none";
}
