/* Unsubscribe tokens: base64url(id) "." base64url(truncated HMAC-SHA256). */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unsub.h"

/* Domain separation: a MAC made for something else never verifies here. */
#define UNSUB_CONTEXT	"relais-unsubscribe-v1"
#define UNSUB_MAC_LEN	16
#define UNSUB_MAC_B64	22	/* base64url of 16 bytes, unpadded */

static const char unsub_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Length of base64url(n bytes) without padding. */
static size_t
unsub_b64_len(size_t n)
{
	return n / 3 * 4 + (n % 3 != 0 ? n % 3 + 1 : 0);
}

/* Writes base64url of in, unpadded and NUL-terminated; returns its length. */
static size_t
unsub_b64_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = unsub_b64[(acc >> bits) & 0x3f];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = unsub_b64[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	return o;
}

static int
unsub_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decodes n characters of unpadded base64url into out (at most outcap
 * bytes). Strict: no padding, no other alphabet, and the unused low bits
 * of the last character must be zero, so that each id has one token.
 */
static int
unsub_b64_decode(const char *in, size_t n, unsigned char *out, size_t outcap,
    size_t *outlen)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	if (n % 4 == 1 || n / 4 * 3 + (n % 4 != 0 ? n % 4 - 1 : 0) > outcap)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = unsub_b64_value((unsigned char)in[i])) == -1)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	if (acc != 0)
		return -1;
	*outlen = o;
	return 0;
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t
unsub_utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	/* a NUL fails the test, so this never reads past the string */
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int
unsub_id_ok(const char *id)
{
	const unsigned char	*p;
	const char		*at, *d;
	size_t			 n;

	if (id == NULL || strnlen(id, UNSUB_ID_MAX + 1) > UNSUB_ID_MAX)
		return 0;
	if (strncmp(id, "sms:+", 5) == 0) {
		for (d = id + 5; *d >= '0' && *d <= '9'; d++)
			;
		n = (size_t)(d - (id + 5));
		return *d == '\0' && n >= 1 && n <= 15;
	}
	if (strncmp(id, "email:", 6) != 0)
		return 0;
	for (p = (const unsigned char *)id + 6; *p != '\0'; p += n) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if ((n = unsub_utf8_len(p)) == 0)
			return 0;
		if (p[0] == 0xc2 && p[1] < 0xa0)
			return 0;	/* C1 controls, U+0080-U+009F */
	}
	at = strrchr(id + 6, '@');
	return at != NULL && at > id + 6 && at[1] != '\0';
}

static int
unsub_secret_ok(const void *secret, size_t secretlen)
{
	return secret != NULL && secretlen >= UNSUB_SECRET_MIN &&
	    secretlen <= INT_MAX;
}

/* The first 16 bytes of HMAC-SHA256(secret, context NUL id), as base64url. */
static int
unsub_mac(const void *secret, size_t secretlen, const char *id, size_t idlen,
    char out[UNSUB_MAC_B64 + 1])
{
	unsigned char	msg[sizeof UNSUB_CONTEXT + UNSUB_ID_MAX];
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	/* sizeof counts the context's NUL: it separates it from the id */
	memcpy(msg, UNSUB_CONTEXT, sizeof UNSUB_CONTEXT);
	memcpy(msg + sizeof UNSUB_CONTEXT, id, idlen);
	if (HMAC(EVP_sha256(), secret, (int)secretlen, msg,
	    sizeof UNSUB_CONTEXT + idlen, md, &mdlen) == NULL ||
	    mdlen < UNSUB_MAC_LEN)
		return -1;
	unsub_b64_encode(md, UNSUB_MAC_LEN, out);
	OPENSSL_cleanse(md, sizeof md);
	return 0;
}

int
unsub_token(const void *secret, size_t secretlen, const char *id, char *out,
    size_t outlen)
{
	char	mac[UNSUB_MAC_B64 + 1];
	size_t	n, e;

	if (outlen > 0)
		out[0] = '\0';
	if (!unsub_secret_ok(secret, secretlen) || !unsub_id_ok(id))
		return -1;
	n = strlen(id);
	if (outlen < unsub_b64_len(n) + 1 + UNSUB_MAC_B64 + 1)
		return -1;
	if (unsub_mac(secret, secretlen, id, n, mac) == -1)
		return -1;
	e = unsub_b64_encode((const unsigned char *)id, n, out);
	out[e] = '.';
	memcpy(out + e + 1, mac, sizeof mac);
	return 0;
}

int
unsub_verify(const void *secret, size_t secretlen, const char *token,
    char *id, size_t idlen)
{
	unsigned char	 raw[UNSUB_ID_MAX + 1];
	char		 want[UNSUB_MAC_B64 + 1];
	const char	*dot;
	size_t		 tlen, elen, n;

	if (id == NULL || idlen == 0)
		return -1;
	id[0] = '\0';
	if (!unsub_secret_ok(secret, secretlen) || token == NULL)
		return -1;
	if ((tlen = strnlen(token, UNSUB_TOKEN_MAX + 1)) > UNSUB_TOKEN_MAX)
		return -1;
	if ((dot = memchr(token, '.', tlen)) == NULL)
		return -1;
	elen = (size_t)(dot - token);
	if (tlen - elen - 1 != UNSUB_MAC_B64 ||
	    elen > unsub_b64_len(UNSUB_ID_MAX))
		return -1;
	if (unsub_b64_decode(token, elen, raw, UNSUB_ID_MAX, &n) == -1)
		return -1;
	raw[n] = '\0';
	if (memchr(raw, '\0', n) != NULL || !unsub_id_ok((const char *)raw))
		return -1;
	if (unsub_mac(secret, secretlen, (const char *)raw, n, want) == -1)
		return -1;
	/* constant time: else timing would leak the MAC byte by byte */
	if (CRYPTO_memcmp(want, dot + 1, UNSUB_MAC_B64) != 0 || n >= idlen)
		return -1;
	memcpy(id, raw, n + 1);
	return 0;
}
