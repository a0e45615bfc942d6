/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Email providers' webhooks: their keys, SendGrid's and Mailgun's signatures, Brevo's token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
#include "evhook.h"

#define EVHOOK_SIG_MAX		128	/* DER ECDSA P-256 signature: 72 */
#define EVHOOK_KEY_MAX		1024	/* its SubjectPublicKeyInfo: 91 */
#define EVHOOK_AUTH_MAX		512	/* a Brevo token, decoded */


struct evhook_key {
	enum evhook_provider	 provider;
	EVP_PKEY		*pkey;		/* SendGrid */
	unsigned char		*secret;	/* Mailgun */
	size_t			 secretlen;
	unsigned char		 digest[32];	/* Brevo: the token's SHA-256 */
};

/* The body of a PEM block, or the whole text when it is not one. */
static void
evhook_unarmor(const char *s, const char **start, size_t *n)
{
	const char	*b, *e;

	*start = s;
	*n = strlen(s);
	if ((b = strstr(s, "-----BEGIN ")) == NULL ||
	    (b = strstr(b + 11, "-----")) == NULL)
		return;
	b += 5;
	if ((e = strstr(b, "-----END ")) == NULL)
		return;
	*start = b;
	*n = (size_t)(e - b);
}

/* SendGrid's verification key: base64 DER (or PEM), EC on P-256. */
static int
evhook_key_sendgrid(struct evhook_key *k, const char *secret, char *err,
    size_t errlen)
{
	unsigned char		 der[EVHOOK_KEY_MAX];
	const unsigned char	*p = der;
	const char		*s;
	char			 group[64];
	size_t			 n, len;

	evhook_unarmor(secret, &s, &n);
	if (base64_decode(s, n, der, sizeof der, &len, BASE64_SPACE) == -1 ||
	    len == 0) {
		snprintf(err, errlen, "the SendGrid verification key is not "
		    "base64 (copy it as SendGrid shows it)");
		return -1;
	}
	if ((k->pkey = d2i_PUBKEY(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		ERR_clear_error();
		snprintf(err, errlen, "the SendGrid verification key is not a "
		    "DER public key (SubjectPublicKeyInfo)");
		return -1;
	}
	if (EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(k->pkey, group, sizeof group, NULL) != 1 ||
	    strcmp(group, "prime256v1") != 0) {
		ERR_clear_error();
		snprintf(err, errlen, "the SendGrid verification key is not an "
		    "EC P-256 key, as SendGrid's are");
		return -1;
	}
	return 0;
}

struct evhook_key *
evhook_key_new(enum evhook_provider p, const char *secret, char *err,
    size_t errlen)
{
	struct evhook_key	*k;
	unsigned int		 mdlen = 0;
	size_t			 n;

	if ((unsigned)p >= EVHOOK_NPROVIDERS || secret == NULL) {
		snprintf(err, errlen, "no secret");
		return NULL;
	}
	k = xcalloc(1, sizeof *k);
	k->provider = p;
	n = strlen(secret);
	switch (p) {
	case EVHOOK_SENDGRID:
		if (evhook_key_sendgrid(k, secret, err, errlen) == -1)
			goto fail;
		break;
	case EVHOOK_MAILGUN:
		if (n < EVHOOK_SECRET_MIN) {
			snprintf(err, errlen, "the Mailgun signing key must "
			    "be at least %d bytes", EVHOOK_SECRET_MIN);
			goto fail;
		}
		k->secret = (unsigned char *)xstrdup(secret);
		k->secretlen = n;
		break;
	case EVHOOK_BREVO:
		if (n < EVHOOK_SECRET_MIN || n > EVHOOK_AUTH_MAX ||
		    strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789._~-") != n) {
			snprintf(err, errlen, "the Brevo token must be %d to "
			    "%d letters, digits or ._~- (it goes in a header "
			    "or a URL)", EVHOOK_SECRET_MIN, EVHOOK_AUTH_MAX);
			goto fail;
		}
		if (EVP_Digest(secret, n, k->digest, &mdlen, EVP_sha256(),
		    NULL) != 1 || mdlen != sizeof k->digest) {
			snprintf(err, errlen, "cannot hash the Brevo token");
			goto fail;
		}
		break;
	case EVHOOK_NPROVIDERS:
		goto fail;
	}
	return k;

fail:
	evhook_key_free(k);
	return NULL;
}

void
evhook_key_free(struct evhook_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	if (k->secret != NULL) {
		OPENSSL_cleanse(k->secret, k->secretlen);
		free(k->secret);
	}
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

int
evhook_sendgrid_verify(const struct evhook_key *k, const char *timestamp,
    const char *signature, const void *body, size_t len)
{
	unsigned char	 der[EVHOOK_SIG_MAX];
	EVP_MD_CTX	*ctx;
	size_t		 n;
	int		 ok;

	if (k == NULL || k->provider != EVHOOK_SENDGRID || timestamp == NULL ||
	    signature == NULL || (body == NULL && len > 0) ||
	    base64_decode(signature, strlen(signature), der, sizeof der, &n,
	    BASE64_SPACE) == -1 || n == 0)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
	    k->pkey) == 1 &&
	    EVP_DigestVerifyUpdate(ctx, timestamp, strlen(timestamp)) == 1 &&
	    EVP_DigestVerifyUpdate(ctx, body != NULL ? body : "", len) == 1 &&
	    EVP_DigestVerifyFinal(ctx, der, n) == 1;
	EVP_MD_CTX_free(ctx);
	/* a refused signature leaves errors queued: not ours to keep */
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* Two lower-case hex digits, or -1. */
static int
evhook_hex_byte(const char *s)
{
	int	v = 0, i, c;

	for (i = 0; i < 2; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			v = v * 16 + c - '0';
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

int
evhook_mailgun_verify(const struct evhook_key *k, const char *timestamp,
    const char *token, const char *signature)
{
	unsigned char	 md[EVP_MAX_MD_SIZE], given[32];
	unsigned int	 mdlen = 0;
	struct buf	 msg;
	size_t		 i;
	int		 v, ok;

	if (k == NULL || k->provider != EVHOOK_MAILGUN || timestamp == NULL ||
	    token == NULL || signature == NULL ||
	    strlen(signature) != 2 * sizeof given)
		return -1;
	for (i = 0; i < sizeof given; i++) {
		if ((v = evhook_hex_byte(signature + 2 * i)) < 0)
			return -1;
		given[i] = (unsigned char)v;
	}
	buf_init(&msg);
	buf_puts(&msg, timestamp);
	buf_puts(&msg, token);
	ok = HMAC(EVP_sha256(), k->secret, (int)k->secretlen,
	    (const unsigned char *)msg.data, msg.len, md, &mdlen) != NULL &&
	    mdlen == sizeof given && CRYPTO_memcmp(md, given,
	    sizeof given) == 0;
	buf_free(&msg);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int
evhook_brevo_verify(const struct evhook_key *k, const char *authorization)
{
	unsigned char	 raw[EVHOOK_AUTH_MAX + 1], md[32];
	const char	*p, *tok = NULL, *colon;
	unsigned int	 mdlen = 0;
	size_t		 n, toklen = 0;
	int		 ok = 0;

	if (k == NULL || k->provider != EVHOOK_BREVO || authorization == NULL)
		return -1;
	for (p = authorization; *p == ' ' || *p == '\t'; p++)
		;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n > 7 && strncasecmp(p, "Bearer ", 7) == 0) {
		for (tok = p + 7; *tok == ' '; tok++)
			;
		toklen = n - (size_t)(tok - p);
	} else if (n > 6 && strncasecmp(p, "Basic ", 6) == 0 &&
	    base64_decode(p + 6, n - 6, raw, sizeof raw - 1, &toklen,
	    BASE64_SPACE) == 0) {
		/* user:token, as a URL's user information gives it */
		raw[toklen] = '\0';
		if ((colon = memchr(raw, ':', toklen)) != NULL) {
			tok = colon + 1;
			toklen -= (size_t)(tok - (const char *)raw);
		}
	}
	if (tok != NULL && toklen > 0 && toklen <= EVHOOK_AUTH_MAX &&
	    EVP_Digest(tok, toklen, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen == sizeof md)
		ok = CRYPTO_memcmp(md, k->digest, sizeof md) == 0;
	OPENSSL_cleanse(raw, sizeof raw);
	return ok ? 0 : -1;
}
