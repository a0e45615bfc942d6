/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for evhook_sig.c: providers' webhook signatures and tokens, made independently. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "evhook.h"

/*
 * Made with the openssl command line only: "openssl ecparam -name
 * prime256v1 -genkey", the public key as DER in base64 (as SendGrid shows
 * its verification key), and "openssl dgst -sha256 -sign" over the
 * timestamp followed by the body, base64 (SendGrid's signed webhook).
 */
#define SG_KEY \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERKwKatGeBOLg5rEqxpMMxnmUIGxm" \
	"msUf557UnIrHdVCL2mXNVdia0cbJlnqEaIe47GSaEeAuTQerW77vh+MeJA=="
#define SG_TS	"1600112502"
#define SG_BODY	"[{\"email\":\"ana@example.org\",\"event\":\"bounce\"," \
		"\"type\":\"bounce\",\"sg_event_id\":\"ZXZ0LTE\"," \
		"\"sg_message_id\":\"msg1.filter\",\"timestamp\":1600112500}]"
#define SG_SIG \
	"MEUCIFBALJCMlOUCxX2MWFLc5pNCTVwAaP2awrRrhsj1+esNAiEAlJtUBUYbBn9G" \
	"zE3A0fao9x6ZSZLCiH9CMFl2UU0Zvlc="
/* other curves and algorithms, same tool */
#define P384_KEY \
	"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEWCGVdOxuZ4eqek8taNIGZz3AO0GsxBf" \
	"do3+5+ENHuuWVuZTAUTqvP0DFcUh6P4//PzDEFqYrYcZ+KA0mNtAfyY6+2OwVy" \
	"kYnAscCUS4x/qCyGba8oiMGDPQipgYbveqa"
#define ED_KEY \
	"MCowBQYDK2VwAyEAPpTrH163FIXwdtf1dzCBHPP9qVK2QYnhGF+iH+ySKJU="

/*
 * Mailgun's securing-webhooks page gives the algorithm and a sample token
 * and timestamp (its sample signature is not a real one): this one is
 * Python's hmac.new(key, timestamp + token, sha256).hexdigest().
 */
#define MG_KEY	"key-0123456789abcdef0123456789abcdef"
#define MG_TS	"1770920772"
#define MG_TOK	"e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
#define MG_SIG \
	"6ae8ba140d2536fd21c45a0db161e962a424ed6ca953c96a63182621e118ee13"

#define BREVO_TOKEN	"brevo-token-0123456789"

static struct evhook_key *
key_ok(enum evhook_provider p, const char *secret)
{
	struct evhook_key	*k;
	char			 err[256] = "";

	if ((k = evhook_key_new(p, secret, err, sizeof err)) == NULL)
		fail_msg("key for %s refused: %s", evhook_provider_name(p),
		    err);
	return k;
}

static void
key_bad(enum evhook_provider p, const char *secret, const char *want)
{
	char	err[256] = "";

	if (evhook_key_new(p, secret, err, sizeof err) != NULL)
		fail_msg("key \"%s\" accepted", secret);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, err);
}

static void
test_sendgrid_vector(void **state)
{
	struct evhook_key	*k = key_ok(EVHOOK_SENDGRID, SG_KEY);
	char			 body[] = SG_BODY;

	(void)state;
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, SG_SIG, body,
	    strlen(body)), 0);
	/* one byte of the body, the timestamp, the signature */
	body[12] = 'A';
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, SG_SIG, body,
	    strlen(body)), -1);
	body[12] = 'a';
	assert_int_equal(evhook_sendgrid_verify(k, "1600112503", SG_SIG, body,
	    strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, "MEUCIFBALJCMlOUC",
	    body, strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, "not base64!", body,
	    strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, "", body,
	    strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, NULL, SG_SIG, body,
	    strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, NULL, body,
	    strlen(body)), -1);
	/* the body signed is the raw body: a shorter one fails */
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, SG_SIG, body,
	    strlen(body) - 1), -1);
	assert_int_equal(evhook_sendgrid_verify(NULL, SG_TS, SG_SIG, body,
	    strlen(body)), -1);
	evhook_key_free(k);
}

/* base64 of n bytes, as EVP_EncodeBlock makes it. */
static char *
b64(const unsigned char *p, size_t n)
{
	char	*s = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

/* A fresh P-256 pair: the public half as SendGrid shows it. */
static EVP_PKEY *
gen_key(char **pub)
{
	EVP_PKEY	*pk;
	unsigned char	*der = NULL;
	int		 n;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		fail_msg("keygen");
	if ((n = i2d_PUBKEY(pk, &der)) <= 0)
		fail_msg("i2d_PUBKEY");
	*pub = b64(der, (size_t)n);
	OPENSSL_free(der);
	return pk;
}

static char *
sign(EVP_PKEY *pk, const char *ts, const char *body)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[128];
	size_t		 n = sizeof sig;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    pk) != 1 || EVP_DigestSignUpdate(ctx, ts, strlen(ts)) != 1 ||
	    EVP_DigestSignUpdate(ctx, body, strlen(body)) != 1 ||
	    EVP_DigestSignFinal(ctx, sig, &n) != 1)
		fail_msg("sign");
	EVP_MD_CTX_free(ctx);
	return b64(sig, n);
}

static void
test_sendgrid_generated(void **state)
{
	EVP_PKEY		*pk, *other;
	struct evhook_key	*k, *ko;
	struct buf		 pem;
	char			*pub, *opub, *sig;
	const char		*body = "[{\"event\":\"spamreport\"}]";

	(void)state;
	pk = gen_key(&pub);
	other = gen_key(&opub);
	k = key_ok(EVHOOK_SENDGRID, pub);
	ko = key_ok(EVHOOK_SENDGRID, opub);
	sig = sign(pk, "1700000000", body);
	assert_int_equal(evhook_sendgrid_verify(k, "1700000000", sig, body,
	    strlen(body)), 0);
	assert_int_equal(evhook_sendgrid_verify(ko, "1700000000", sig, body,
	    strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, "1700000001", sig, body,
	    strlen(body)), -1);
	assert_int_equal(evhook_sendgrid_verify(k, "1700000000", sig,
	    "[{\"event\":\"spamreport\"} ]", strlen(body) + 1), -1);
	evhook_key_free(k);
	/* the same key as PEM, line breaks and all */
	buf_init(&pem);
	buf_printf(&pem, "-----BEGIN PUBLIC KEY-----\n%.64s\n%s\n"
	    "-----END PUBLIC KEY-----\n", pub, pub + 64);
	k = key_ok(EVHOOK_SENDGRID, pem.data);
	assert_int_equal(evhook_sendgrid_verify(k, "1700000000", sig, body,
	    strlen(body)), 0);
	buf_free(&pem);
	evhook_key_free(k);
	evhook_key_free(ko);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
	free(pub);
	free(opub);
	free(sig);
}

static void
test_keys(void **state)
{
	struct evhook_key	*k;

	(void)state;
	key_bad(EVHOOK_SENDGRID, P384_KEY, "not an EC P-256 key");
	key_bad(EVHOOK_SENDGRID, ED_KEY, "not an EC P-256 key");
	key_bad(EVHOOK_SENDGRID, "not*base64", "not base64");
	key_bad(EVHOOK_SENDGRID, "", "not base64");
	key_bad(EVHOOK_SENDGRID, "AAAA", "not a DER public key");
	/* a key and something after it */
	key_bad(EVHOOK_SENDGRID, SG_KEY "AAAA", "not");
	key_bad(EVHOOK_MAILGUN, "short", "at least 16 bytes");
	key_bad(EVHOOK_BREVO, "short", "must be 16 to");
	key_bad(EVHOOK_BREVO, "brevo token with spaces", "letters, digits");
	key_bad(EVHOOK_BREVO, "brevo:token@0123456789", "letters, digits");
	k = key_ok(EVHOOK_BREVO, BREVO_TOKEN);
	/* a key is for its provider only */
	assert_int_equal(evhook_sendgrid_verify(k, SG_TS, SG_SIG, SG_BODY,
	    strlen(SG_BODY)), -1);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK, MG_SIG), -1);
	evhook_key_free(k);
	evhook_key_free(NULL);
}

static void
test_mailgun_verify(void **state)
{
	struct evhook_key	*k = key_ok(EVHOOK_MAILGUN, MG_KEY);
	char			 upper[] = MG_SIG;
	size_t			 i;

	(void)state;
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK, MG_SIG), 0);
	for (i = 0; upper[i] != '\0'; i++)
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK, upper), 0);
	assert_int_equal(evhook_mailgun_verify(k, "1770920773", MG_TOK,
	    MG_SIG), -1);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK "x", MG_SIG),
	    -1);
	/* no separator: moving a digit from one to the other is the same */
	assert_int_equal(evhook_mailgun_verify(k, "177092077", "2" MG_TOK,
	    MG_SIG), 0);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK,
	    "6ae8ba140d2536fd21c45a0db161e962a424ed6ca953c96a63182621e118ee1"),
	    -1);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK,
	    "6ae8ba140d2536fd21c45a0db161e962a424ed6ca953c96a63182621e118ee1g"),
	    -1);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK,
	    "7ae8ba140d2536fd21c45a0db161e962a424ed6ca953c96a63182621e118ee13"),
	    -1);
	assert_int_equal(evhook_mailgun_verify(k, NULL, MG_TOK, MG_SIG), -1);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, NULL, MG_SIG), -1);
	assert_int_equal(evhook_mailgun_verify(k, MG_TS, MG_TOK, NULL), -1);
	evhook_key_free(k);
}

static void
test_brevo_verify(void **state)
{
	struct evhook_key	*k = key_ok(EVHOOK_BREVO, BREVO_TOKEN);
	unsigned char		 raw[128];
	char			*basic, hdr[256];

	(void)state;
	assert_int_equal(evhook_brevo_verify(k, "Bearer " BREVO_TOKEN), 0);
	assert_int_equal(evhook_brevo_verify(k, "bearer  " BREVO_TOKEN " "), 0);
	assert_int_equal(evhook_brevo_verify(k, "Bearer " BREVO_TOKEN "x"), -1);
	assert_int_equal(evhook_brevo_verify(k, "Bearer brevo-token-012345678"),
	    -1);
	assert_int_equal(evhook_brevo_verify(k, "Bearer "), -1);
	assert_int_equal(evhook_brevo_verify(k, BREVO_TOKEN), -1);
	assert_int_equal(evhook_brevo_verify(k, "Token " BREVO_TOKEN), -1);
	assert_int_equal(evhook_brevo_verify(k, NULL), -1);
	/* https://relais:<token>@host/hooks/brevo, as Brevo's URL form */
	snprintf((char *)raw, sizeof raw, "relais:%s", BREVO_TOKEN);
	basic = b64(raw, strlen((char *)raw));
	snprintf(hdr, sizeof hdr, "Basic %s", basic);
	assert_int_equal(evhook_brevo_verify(k, hdr), 0);
	free(basic);
	snprintf((char *)raw, sizeof raw, "relais:%sx", BREVO_TOKEN);
	basic = b64(raw, strlen((char *)raw));
	snprintf(hdr, sizeof hdr, "Basic %s", basic);
	assert_int_equal(evhook_brevo_verify(k, hdr), -1);
	free(basic);
	/* the token as the user name is not the password */
	snprintf((char *)raw, sizeof raw, "%s:", BREVO_TOKEN);
	basic = b64(raw, strlen((char *)raw));
	snprintf(hdr, sizeof hdr, "Basic %s", basic);
	assert_int_equal(evhook_brevo_verify(k, hdr), -1);
	free(basic);
	assert_int_equal(evhook_brevo_verify(k, "Basic !!!"), -1);
	evhook_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sendgrid_vector),
		cmocka_unit_test(test_sendgrid_generated),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_mailgun_verify),
		cmocka_unit_test(test_brevo_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
