/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Delivery keys from SHA-256 (libcrypto). */
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "idkey.h"
#include "log.h"

static void
idkey_field(struct buf *b, const char *s)
{
	unsigned char	len[4];
	size_t		n = s != NULL ? strlen(s) : 0;

	len[0] = (unsigned char)(n >> 24);
	len[1] = (unsigned char)(n >> 16);
	len[2] = (unsigned char)(n >> 8);
	len[3] = (unsigned char)n;
	buf_append(b, len, sizeof len);
	buf_append(b, s != NULL ? s : "", n);
}

void
idkey_sha256(const void *p, size_t n, unsigned char md[IDKEY_SHA256_LEN])
{
	static EVP_MD		*sha256;
	static EVP_MD_CTX	*ctx;
	unsigned int		 mdlen = 0;

	/*
	 * The algorithm fetched and the context made once: EVP_Digest() with
	 * EVP_sha256() looks the provider up on every call, and this runs
	 * for every delivery. The process is single-threaded where it runs.
	 */
	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256",
	    NULL)) == NULL)
		fatalx("idkey: no SHA-256 in libcrypto");
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("idkey: out of memory");
	if (EVP_DigestInit_ex2(ctx, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, p, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 ||
	    mdlen != IDKEY_SHA256_LEN)
		fatalx("idkey: SHA-256 failed");
}

void
idkey_make(const char *event_id, const char *recipient, const char *channel,
    const char *template, char out[IDKEY_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[IDKEY_SHA256_LEN];
	struct buf		 b;
	int			 i;

	buf_init(&b);
	idkey_field(&b, event_id);
	idkey_field(&b, recipient);
	idkey_field(&b, channel);
	idkey_field(&b, template);
	idkey_sha256(b.data, b.len, md);
	buf_free(&b);
	for (i = 0; i < IDKEY_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[IDKEY_LEN] = '\0';
}

void
idkey_recipient(const char *supp, char out[IDKEY_LEN + 1])
{
	idkey_make("relais-recipient", supp, "", "", out);
}
