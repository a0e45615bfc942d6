/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unsubscribe tokens: v2 sealed with AES-256-GCM under a key ring, v1 verified. */
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
#include "unsub.h"
#include "utf8.h"

/* Domain separation: a MAC made for something else never verifies here. */
#define UNSUB_CONTEXT	"relais-unsubscribe-v1"
#define UNSUB_MAC_LEN	16
#define UNSUB_MAC_B64	22	/* base64url of 16 bytes, unpadded */
/*
 * Tokens' base64url: unpadded, and strict on decoding (no padding, no
 * other alphabet, unused low bits zero) so that each id has one token.
 */
#define UNSUB_B64	(BASE64_URL | BASE64_NOPAD | BASE64_EXACT)

#define UNSUB_V2_CONTEXT	"relais-unsubscribe-v2"
#define UNSUB_V2_KEY_LABEL	"relais-unsubscribe-v2 key"
#define UNSUB_V2_NONCE_LABEL	"relais-unsubscribe-v2 nonce"
#define UNSUB_NONCE_LEN		12
#define UNSUB_TAG_LEN		16
#define UNSUB_PAD		32	/* ids are padded to a multiple of this */
#define UNSUB_EXP_DIGITS	7
#define UNSUB_BOX_MAX		(UNSUB_NONCE_LEN + UNSUB_ID_MAX + UNSUB_TAG_LEN)
/* the context and its NUL, the kid and its NUL, the day */
#define UNSUB_AAD_MAX		(sizeof UNSUB_V2_CONTEXT + UNSUB_KID_MAX + 1 + \
				 UNSUB_EXP_DIGITS)
#define UNSUB_PACK_MAGIC	"\0RUK1"	/* packed ring, version 1 */
#define UNSUB_PACK_MAGIC_LEN	5

_Static_assert(UNSUB_ID_MAX % UNSUB_PAD == 0,
    "the longest id must pad to itself");

struct unsub_key {
	char		 kid[UNSUB_KID_MAX + 1];
	unsigned char	*secret;	/* v1 tokens are checked with it */
	size_t		 secretlen;
	unsigned char	 enc[32];	/* AES-256-GCM key */
	unsigned char	 nonce[32];	/* HMAC key of the synthetic nonces */
};

struct unsub_keys {
	struct unsub_key	k[UNSUB_KEYS_MAX];
	size_t			n;
};

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
		if ((n = utf8_decode_str((const char *)p, NULL)) == 0)
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
	base64_encode(md, UNSUB_MAC_LEN, out, UNSUB_B64);
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
	if (outlen < base64_len(n, UNSUB_B64) + 1 + UNSUB_MAC_B64 + 1)
		return -1;
	if (unsub_mac(secret, secretlen, id, n, mac) == -1)
		return -1;
	e = base64_encode(id, n, out, UNSUB_B64);
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
	    elen > base64_len(UNSUB_ID_MAX, UNSUB_B64))
		return -1;
	if (base64_decode(token, elen, raw, UNSUB_ID_MAX, &n, UNSUB_B64) == -1)
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

/* 1 to UNSUB_KID_MAX bytes of [A-Za-z0-9_-]: safe in a URL and a log. */
static int
unsub_kid_ok(const char *kid, size_t n)
{
	size_t	i;
	char	c;

	if (kid == NULL || n == 0 || n > UNSUB_KID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		c = kid[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Days since 1970-01-01 UTC, rounded down (also before 1970). */
static int64_t
unsub_day(int64_t now_s)
{
	return now_s >= 0 ? now_s / 86400 : -((-now_s + 86399) / 86400);
}

/* A day as tokens write it: 1 to 7 digits, no leading zero. */
static int
unsub_day_parse(const char *s, size_t n, int64_t *day)
{
	size_t	i;

	if (n == 0 || n > UNSUB_EXP_DIGITS || (n > 1 && s[0] == '0'))
		return -1;
	*day = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*day = *day * 10 + (s[i] - '0');
	}
	return 0;
}

struct unsub_keys *
unsub_keys_new(void)
{
	return xcalloc(1, sizeof(struct unsub_keys));
}

void
unsub_keys_free(struct unsub_keys *ks)
{
	size_t	i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++) {
		OPENSSL_cleanse(ks->k[i].secret, ks->k[i].secretlen);
		free(ks->k[i].secret);
	}
	OPENSSL_cleanse(ks, sizeof *ks);
	free(ks);
}

/* HMAC-SHA256(secret, label): a key of its own for each use of a secret. */
static int
unsub_derive(const void *secret, size_t secretlen, const char *label,
    unsigned char out[32])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	int		rc = -1;

	if (HMAC(EVP_sha256(), secret, (int)secretlen,
	    (const unsigned char *)label, strlen(label), md, &mdlen) != NULL &&
	    mdlen == 32) {
		memcpy(out, md, 32);
		rc = 0;
	}
	OPENSSL_cleanse(md, sizeof md);
	return rc;
}

int
unsub_keys_add(struct unsub_keys *ks, const char *kid, const void *secret,
    size_t secretlen, char *err, size_t errlen)
{
	struct unsub_key	*k;
	size_t			 i, n = kid != NULL ? strlen(kid) : 0;

	if (!unsub_kid_ok(kid, n)) {
		snprintf(err, errlen, "a key id is 1 to %d characters of A-Z, "
		    "a-z, 0-9, \"-\" and \"_\"", UNSUB_KID_MAX);
		return -1;
	}
	if (!unsub_secret_ok(secret, secretlen) || secretlen > UINT32_MAX) {
		snprintf(err, errlen, "the secret of key \"%s\" must be at "
		    "least %d bytes", kid, UNSUB_SECRET_MIN);
		return -1;
	}
	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->k[i].kid, kid) == 0) {
			snprintf(err, errlen, "key id \"%s\" is given twice",
			    kid);
			return -1;
		}
	}
	if (ks->n == UNSUB_KEYS_MAX) {
		snprintf(err, errlen, "at most %d keys", UNSUB_KEYS_MAX);
		return -1;
	}
	k = &ks->k[ks->n];
	if (unsub_derive(secret, secretlen, UNSUB_V2_KEY_LABEL, k->enc) == -1 ||
	    unsub_derive(secret, secretlen, UNSUB_V2_NONCE_LABEL,
	    k->nonce) == -1) {
		OPENSSL_cleanse(k, sizeof *k);
		snprintf(err, errlen, "cannot derive the keys of \"%s\" "
		    "(libcrypto)", kid);
		return -1;
	}
	memcpy(k->kid, kid, n + 1);
	k->secret = xmalloc(secretlen);
	memcpy(k->secret, secret, secretlen);
	k->secretlen = secretlen;
	ks->n++;
	return 0;
}

size_t
unsub_keys_count(const struct unsub_keys *ks)
{
	return ks != NULL ? ks->n : 0;
}

const char *
unsub_keys_signer(const struct unsub_keys *ks)
{
	return ks != NULL && ks->n > 0 ? ks->k[0].kid : NULL;
}

/*
 * The magic ("\0RUK1"), the number of keys, then per key: the length of
 * its id (1 byte), the id, the length of its secret (4 bytes, big-endian),
 * the secret. In ring order: the first seals.
 */
unsigned char *
unsub_keys_pack(const struct unsub_keys *ks, size_t *len)
{
	unsigned char	*p, *o;
	size_t		 i, n = UNSUB_PACK_MAGIC_LEN + 1, kl, sl;

	for (i = 0; i < ks->n; i++)
		n += 1 + strlen(ks->k[i].kid) + 4 + ks->k[i].secretlen;
	o = p = xmalloc(n);
	memcpy(o, UNSUB_PACK_MAGIC, UNSUB_PACK_MAGIC_LEN);
	o += UNSUB_PACK_MAGIC_LEN;
	*o++ = (unsigned char)ks->n;
	for (i = 0; i < ks->n; i++) {
		kl = strlen(ks->k[i].kid);
		sl = ks->k[i].secretlen;
		*o++ = (unsigned char)kl;
		memcpy(o, ks->k[i].kid, kl);
		o += kl;
		*o++ = (unsigned char)(sl >> 24);
		*o++ = (unsigned char)(sl >> 16);
		*o++ = (unsigned char)(sl >> 8);
		*o++ = (unsigned char)sl;
		memcpy(o, ks->k[i].secret, sl);
		o += sl;
	}
	*len = n;
	return p;
}

void
unsub_keys_pack_free(unsigned char *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

struct unsub_keys *
unsub_keys_unpack(const void *data, size_t len)
{
	const unsigned char	*p = data, *end;
	struct unsub_keys	*ks;
	char			 kid[UNSUB_KID_MAX + 1], err[128];
	size_t			 i, n, kl, sl;

	if (data == NULL || len == 0)
		return NULL;
	ks = unsub_keys_new();
	if (p[0] != '\0') {
		if (unsub_keys_add(ks, UNSUB_DEFAULT_KID, data, len, err,
		    sizeof err) == -1)
			goto fail;
		return ks;
	}
	end = p + len;
	if (len < UNSUB_PACK_MAGIC_LEN + 1 ||
	    memcmp(p, UNSUB_PACK_MAGIC, UNSUB_PACK_MAGIC_LEN) != 0)
		goto fail;
	p += UNSUB_PACK_MAGIC_LEN;
	if ((n = *p++) == 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (p == end)
			goto fail;
		kl = *p++;
		if (kl == 0 || kl > UNSUB_KID_MAX || (size_t)(end - p) < kl + 4 ||
		    memchr(p, '\0', kl) != NULL)
			goto fail;
		memcpy(kid, p, kl);
		kid[kl] = '\0';
		p += kl;
		sl = (size_t)p[0] << 24 | (size_t)p[1] << 16 |
		    (size_t)p[2] << 8 | (size_t)p[3];
		p += 4;
		if ((size_t)(end - p) < sl || unsub_keys_add(ks, kid, p, sl,
		    err, sizeof err) == -1)
			goto fail;
		p += sl;
	}
	if (p != end)
		goto fail;
	return ks;

fail:
	unsub_keys_free(ks);
	return NULL;
}

/* The associated data: context NUL kid NUL day; returns its length. */
static size_t
unsub_aad(const char *kid, size_t kidlen, const char *day, size_t daylen,
    unsigned char *out)
{
	size_t	n = sizeof UNSUB_V2_CONTEXT;	/* with its NUL */

	memcpy(out, UNSUB_V2_CONTEXT, n);
	memcpy(out + n, kid, kidlen);
	n += kidlen;
	out[n++] = '\0';
	memcpy(out + n, day, daylen);
	return n + daylen;
}

/*
 * box = nonce | AES-256-GCM(pt) | tag, the nonce being the first 12 bytes
 * of HMAC-SHA256(nonce key, aad | pt): the same token for the same input,
 * a different nonce for any other (as SIV does; GCM-SIV is not in OpenSSL 3.0).
 */
static int
unsub_seal(const struct unsub_key *k, const unsigned char *aad, size_t aadlen,
    const unsigned char *pt, size_t ptlen, unsigned char *box)
{
	unsigned char	 msg[UNSUB_AAD_MAX + UNSUB_ID_MAX];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	EVP_CIPHER_CTX	*ctx = NULL;
	int		 l, rc = -1;

	memcpy(msg, aad, aadlen);
	memcpy(msg + aadlen, pt, ptlen);
	if (HMAC(EVP_sha256(), k->nonce, sizeof k->nonce, msg, aadlen + ptlen,
	    md, &mdlen) == NULL || mdlen < UNSUB_NONCE_LEN)
		goto done;
	memcpy(box, md, UNSUB_NONCE_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, UNSUB_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, k->enc, box) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &l, aad, (int)aadlen) != 1 ||
	    EVP_EncryptUpdate(ctx, box + UNSUB_NONCE_LEN, &l, pt,
	    (int)ptlen) != 1 || l != (int)ptlen ||
	    EVP_EncryptFinal_ex(ctx, box + UNSUB_NONCE_LEN + ptlen, &l) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, UNSUB_TAG_LEN,
	    box + UNSUB_NONCE_LEN + ptlen) != 1)
		goto done;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(msg, sizeof msg);
	OPENSSL_cleanse(md, sizeof md);
	return rc;
}

/* Opens box into pt (boxlen - 28 bytes); -1 unless the tag matches. */
static int
unsub_open(const struct unsub_key *k, const unsigned char *aad, size_t aadlen,
    const unsigned char *box, size_t boxlen, unsigned char *pt)
{
	size_t		 ptlen = boxlen - UNSUB_NONCE_LEN - UNSUB_TAG_LEN;
	unsigned char	 tag[UNSUB_TAG_LEN];
	EVP_CIPHER_CTX	*ctx = NULL;
	int		 l, rc = -1;

	memcpy(tag, box + boxlen - UNSUB_TAG_LEN, UNSUB_TAG_LEN);
	/* the tag is checked by EVP_DecryptFinal_ex, in constant time */
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, UNSUB_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, k->enc, box) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &l, aad, (int)aadlen) != 1 ||
	    EVP_DecryptUpdate(ctx, pt, &l, box + UNSUB_NONCE_LEN,
	    (int)ptlen) != 1 || l != (int)ptlen ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, UNSUB_TAG_LEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + ptlen, &l) != 1)
		goto done;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	if (rc == -1)
		OPENSSL_cleanse(pt, ptlen);
	return rc;
}

int
unsub_token_v2(const struct unsub_keys *ks, const char *id, int64_t now_s,
    long valid_days, char *out, size_t outlen)
{
	const struct unsub_key	*k;
	unsigned char		 pt[UNSUB_ID_MAX], box[UNSUB_BOX_MAX];
	unsigned char		 aad[UNSUB_AAD_MAX];
	char			 day[UNSUB_EXP_DIGITS + 2];
	size_t			 idlen, ptlen, boxlen, kidlen, daylen, n;
	int64_t			 last;
	int			 rc = -1;

	if (outlen > 0)
		out[0] = '\0';
	if (ks == NULL || ks->n == 0 || !unsub_id_ok(id) ||
	    valid_days < UNSUB_VALID_DAYS_MIN ||
	    valid_days > UNSUB_VALID_DAYS_MAX)
		return -1;
	last = unsub_day(now_s) + valid_days;
	if (last < 0 || last > 9999999)
		return -1;
	daylen = (size_t)snprintf(day, sizeof day, "%lld", (long long)last);
	k = &ks->k[0];
	kidlen = strlen(k->kid);
	idlen = strlen(id);
	ptlen = (idlen + UNSUB_PAD - 1) / UNSUB_PAD * UNSUB_PAD;
	boxlen = UNSUB_NONCE_LEN + ptlen + UNSUB_TAG_LEN;
	if (outlen < 3 + kidlen + 1 + daylen + 1 + base64_len(boxlen,
	    UNSUB_B64) + 1)
		return -1;
	memset(pt, 0, ptlen);
	memcpy(pt, id, idlen);
	if (unsub_seal(k, aad, unsub_aad(k->kid, kidlen, day, daylen, aad), pt,
	    ptlen, box) == -1)
		goto done;
	n = (size_t)snprintf(out, outlen, "v2.%s.%s.", k->kid, day);
	base64_encode(box, boxlen, out + n, UNSUB_B64);
	rc = 0;
done:
	OPENSSL_cleanse(pt, sizeof pt);
	return rc;
}

/* The key of a ring named kid[0..n), or NULL. */
static const struct unsub_key *
unsub_key_find(const struct unsub_keys *ks, const char *kid, size_t n)
{
	size_t	i;

	for (i = 0; i < ks->n; i++) {
		if (strlen(ks->k[i].kid) == n &&
		    memcmp(ks->k[i].kid, kid, n) == 0)
			return &ks->k[i];
	}
	return NULL;
}

/* A v2 token, "v2." and tlen bytes in all. */
static enum unsub_check
unsub_check_v2(const struct unsub_keys *ks, const char *token, size_t tlen,
    int64_t now_s, char *id, size_t idlen)
{
	const struct unsub_key	*k;
	const char		*kid = token + 3, *day, *b64, *end = token + tlen;
	unsigned char		 box[UNSUB_BOX_MAX], aad[UNSUB_AAD_MAX];
	unsigned char		 pt[UNSUB_ID_MAX + 1];
	size_t			 kidlen, daylen, boxlen, ptlen, n, i;
	int64_t			 last;
	enum unsub_check	 rc = UNSUB_INVALID;

	if ((day = memchr(kid, '.', (size_t)(end - kid))) == NULL)
		return UNSUB_INVALID;
	kidlen = (size_t)(day++ - kid);
	if ((b64 = memchr(day, '.', (size_t)(end - day))) == NULL)
		return UNSUB_INVALID;
	daylen = (size_t)(b64++ - day);
	if (!unsub_kid_ok(kid, kidlen) ||
	    unsub_day_parse(day, daylen, &last) == -1 ||
	    (k = unsub_key_find(ks, kid, kidlen)) == NULL)
		return UNSUB_INVALID;
	if (base64_decode(b64, (size_t)(end - b64), box, sizeof box, &boxlen,
	    UNSUB_B64) == -1 ||
	    boxlen < UNSUB_NONCE_LEN + UNSUB_PAD + UNSUB_TAG_LEN ||
	    (boxlen - UNSUB_NONCE_LEN - UNSUB_TAG_LEN) % UNSUB_PAD != 0)
		return UNSUB_INVALID;
	ptlen = boxlen - UNSUB_NONCE_LEN - UNSUB_TAG_LEN;
	if (unsub_open(k, aad, unsub_aad(kid, kidlen, day, daylen, aad), box,
	    boxlen, pt) == -1)
		return UNSUB_INVALID;
	pt[ptlen] = '\0';
	n = strlen((const char *)pt);
	/* NULs after the id, fewer than a block: one token per id */
	for (i = n; i < ptlen; i++) {
		if (pt[i] != '\0')
			goto done;
	}
	if (ptlen - n >= UNSUB_PAD || !unsub_id_ok((const char *)pt))
		goto done;
	if (unsub_day(now_s) > last) {
		rc = UNSUB_EXPIRED;
		goto done;
	}
	if (n >= idlen)
		goto done;
	memcpy(id, pt, n + 1);
	rc = UNSUB_VALID;
done:
	OPENSSL_cleanse(pt, sizeof pt);
	return rc;
}

enum unsub_check
unsub_check(const struct unsub_keys *ks, const char *token, int64_t now_s,
    char *id, size_t idlen)
{
	size_t	tlen, i;

	if (id == NULL || idlen == 0)
		return UNSUB_INVALID;
	id[0] = '\0';
	if (ks == NULL || token == NULL ||
	    (tlen = strnlen(token, UNSUB_TOKEN_MAX + 1)) > UNSUB_TOKEN_MAX)
		return UNSUB_INVALID;
	if (strncmp(token, "v2.", 3) == 0)
		return unsub_check_v2(ks, token, tlen, now_s, id, idlen);
	/* v1 carries no key id: any key of the ring may have made it */
	for (i = 0; i < ks->n; i++) {
		if (unsub_verify(ks->k[i].secret, ks->k[i].secretlen, token, id,
		    idlen) == 0)
			return UNSUB_VALID;
	}
	return UNSUB_INVALID;
}
