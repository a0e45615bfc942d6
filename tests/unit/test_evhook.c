/* Unit tests for evhook: providers' signatures and tokens, their bodies, what each event means. */
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

static struct evhook_batch *
parse_ok(enum evhook_provider p, const char *body)
{
	struct evhook_batch	*b;
	char			 err[160] = "";

	if ((b = evhook_parse(p, body, strlen(body), err, sizeof err)) == NULL)
		fail_msg("%s body refused (%s): %s", evhook_provider_name(p),
		    err, body);
	return b;
}

/* A literal body, NULs included. */
#define PARSE_BAD(p, lit, want)	parse_bad(p, lit, sizeof lit - 1, want)

static void
parse_bad(enum evhook_provider p, const char *body, size_t len,
    const char *want)
{
	char	err[160] = "";

	if (evhook_parse(p, body, len, err, sizeof err) != NULL)
		fail_msg("body accepted: %.200s", body);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, err);
}

/* Checks event i: kind, event name, address, detail. */
static void
check_event(const struct evhook_batch *b, size_t i, enum evhook_kind kind,
    const char *event, const char *addr, const char *detail)
{
	const struct evhook_event	*e = evhook_event(b, i);

	if (e == NULL)
		fail_msg("no event %zu", i);
	if (e->kind != kind || strcmp(e->event, event) != 0 ||
	    strcmp(e->address, addr) != 0 || strcmp(e->detail, detail) != 0)
		fail_msg("event %zu: expected %s %s %s %s, got %s %s %s %s", i,
		    evhook_kind_name(kind), event, addr, detail,
		    evhook_kind_name(e->kind), e->event, e->address, e->detail);
}

static void
test_parse_sendgrid(void **state)
{
	struct evhook_batch		*b;
	const struct evhook_event	*e;
	char				 s[300];
	struct buf			 big;
	size_t				 i;

	(void)state;
	b = parse_ok(EVHOOK_SENDGRID, "["
	    "{\"email\":\"Ana@Example.ORG\",\"event\":\"bounce\",\"type\":"
	    "\"bounce\",\"sg_event_id\":\"ZXZ0LTE\",\"sg_message_id\":\"m1\","
	    "\"timestamp\":1600112500,\"reason\":\"550 ana@example.org no\"},"
	    "{\"email\":\"b@example.org\",\"event\":\"bounce\",\"type\":"
	    "\"blocked\",\"sg_event_id\":\"e2\"},"
	    "{\"email\":\"c@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Bounced Address\",\"sg_event_id\":\"e3\"},"
	    "{\"email\":\"d@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Unsubscribed Address\",\"sg_event_id\":\"e4\"},"
	    "{\"email\":\"e@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Spam Reporting Address\",\"sg_event_id\":\"e5\"},"
	    "{\"email\":\"f@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Spam Content\",\"sg_event_id\":\"e6\"},"
	    "{\"email\":\"g@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"something new, a@b.c\"},"
	    "{\"email\":\"h@example.org\",\"event\":\"deferred\"},"
	    "{\"email\":\"i@example.org\",\"event\":\"spamreport\"},"
	    "{\"email\":\"j@example.org\",\"event\":\"unsubscribe\"},"
	    "{\"email\":\"k@example.org\",\"event\":\"group_unsubscribe\"},"
	    "{\"email\":\"l@example.org\",\"event\":\"delivered\"},"
	    "{\"email\":\"m@example.org\",\"event\":\"open\"},"
	    "{\"event\":\"bounce\"},"
	    "{\"email\":\"Ana <a@example.org>\",\"event\":\"bounce\"},"
	    "{\"email\":\"two@at@example.org\",\"event\":\"spamreport\"},"
	    "{\"email\":42,\"event\":\"spamreport\"},"
	    "{\"email\":\"n@example.org\"},"
	    "{\"email\":\"o@example.org\",\"event\":\"bounce\",\"type\":\"new\"}"
	    "]");
	assert_int_equal(evhook_count(b), 12);
	assert_int_equal(evhook_ignored(b), 3);
	assert_int_equal(evhook_invalid(b), 4);
	check_event(b, 0, EVHOOK_HARD, "bounce", "ana@example.org", "bounce");
	check_event(b, 1, EVHOOK_SOFT, "bounce", "b@example.org", "blocked");
	check_event(b, 2, EVHOOK_HARD, "dropped", "c@example.org",
	    "Bounced Address");
	check_event(b, 3, EVHOOK_UNSUBSCRIBE, "dropped", "d@example.org",
	    "Unsubscribed Address");
	check_event(b, 4, EVHOOK_COMPLAINT, "dropped", "e@example.org",
	    "Spam Reporting Address");
	check_event(b, 5, EVHOOK_SOFT, "dropped", "f@example.org",
	    "Spam Content");
	/* an unknown reason is not copied: it may quote an address */
	check_event(b, 6, EVHOOK_SOFT, "dropped", "g@example.org", "other");
	check_event(b, 7, EVHOOK_SOFT, "deferred", "h@example.org", "");
	check_event(b, 8, EVHOOK_COMPLAINT, "spamreport", "i@example.org", "");
	check_event(b, 9, EVHOOK_UNSUBSCRIBE, "unsubscribe", "j@example.org",
	    "");
	check_event(b, 10, EVHOOK_UNSUBSCRIBE, "group_unsubscribe",
	    "k@example.org", "");
	check_event(b, 11, EVHOOK_SOFT, "bounce", "o@example.org", "other");
	e = evhook_event(b, 0);
	assert_string_equal(e->id, "ZXZ0LTE");
	assert_string_equal(e->message_id, "m1");
	assert_true(e->at == 1600112500);
	assert_int_equal(e->provider, EVHOOK_SENDGRID);
	evhook_supp_id(e, s, sizeof s);
	assert_string_equal(s, "email:ana@example.org");
	evhook_source(e, s, sizeof s);
	assert_string_equal(s, "sendgrid:bounce");
	evhook_replay_key(e, s, sizeof s);
	assert_string_equal(s, "evhook:sendgrid:ZXZ0LTE");
	/* without an id: one derived from the event, the same every time */
	e = evhook_event(b, 7);
	assert_int_equal(strncmp(e->id, "h-", 2), 0);
	assert_int_equal(strlen(e->id), 34);
	assert_null(evhook_event(b, 12));
	evhook_batch_free(b);

	b = parse_ok(EVHOOK_SENDGRID, "[{\"email\":\"h@example.org\","
	    "\"event\":\"deferred\"},{\"email\":\"h@example.org\",\"event\":"
	    "\"deferred\",\"timestamp\":5},{\"email\":\"h@example.org\","
	    "\"event\":\"deferred\",\"sg_event_id\":\"has space\"}]");
	assert_int_equal(evhook_count(b), 3);
	assert_string_not_equal(evhook_event(b, 0)->id, evhook_event(b, 1)->id);
	/* an id that is not a plain token is replaced by a derived one */
	assert_int_equal(strncmp(evhook_event(b, 2)->id, "h-", 2), 0);
	snprintf(s, sizeof s, "%s", evhook_event(b, 0)->id);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_SENDGRID, "[{\"event\":\"deferred\",\"email\":"
	    "\"H@example.org\"}]");
	assert_string_equal(evhook_event(b, 0)->id, s);
	evhook_batch_free(b);

	b = parse_ok(EVHOOK_SENDGRID, "[]");
	assert_int_equal(evhook_count(b), 0);
	evhook_batch_free(b);
	PARSE_BAD(EVHOOK_SENDGRID, "{}", "expected an array");
	PARSE_BAD(EVHOOK_SENDGRID, "[1]", "event 0 is not an object");
	PARSE_BAD(EVHOOK_SENDGRID, "[{}, \"x\"]", "event 1 is not an object");
	PARSE_BAD(EVHOOK_SENDGRID, "[{\"event\":\"bounce\"", "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID, "", "not JSON");
	parse_bad(EVHOOK_SENDGRID, NULL, 0, "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID, "[] x", "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID,
	    "[{\"email\":\"a@b.c\",\"email\":\"d@e.f\"}]", "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID, "[{\"email\":\"a\\u0000b@c.d\"}]",
	    "not JSON");
	/* a NUL in the body is not the end of it */
	PARSE_BAD(EVHOOK_SENDGRID, "[]\0[", "not JSON");
	buf_init(&big);
	buf_putc(&big, '[');
	for (i = 0; i <= EVHOOK_MAX_EVENTS; i++)
		buf_puts(&big, i == 0 ? "{}" : ",{}");
	buf_putc(&big, ']');
	parse_bad(EVHOOK_SENDGRID, big.data, big.len, "more than 5000 events");
	parse_bad(EVHOOK_SENDGRID, big.data, EVHOOK_MAX_BODY + 1, "body over");
	buf_free(&big);
}

static void
test_parse_mailgun(void **state)
{
	struct evhook_batch	*b;
	const char		*ts, *tok, *sig;

	(void)state;
	b = parse_ok(EVHOOK_MAILGUN, "{\"signature\":{\"timestamp\":\"" MG_TS
	    "\",\"token\":\"" MG_TOK "\",\"signature\":\"" MG_SIG "\"},"
	    "\"event-data\":{\"event\":\"failed\",\"severity\":\"permanent\","
	    "\"recipient\":\"Ana@example.org\",\"id\":\"CCXMjJ7nQi2N3BPigGOdgQ\","
	    "\"timestamp\":1770920770.25,\"reason\":\"bounce\",\"message\":"
	    "{\"headers\":{\"message-id\":\"2026.abc@mg.example.org\"}}}}");
	assert_int_equal(evhook_count(b), 1);
	check_event(b, 0, EVHOOK_HARD, "failed", "ana@example.org",
	    "permanent");
	assert_string_equal(evhook_event(b, 0)->id, "CCXMjJ7nQi2N3BPigGOdgQ");
	assert_string_equal(evhook_event(b, 0)->message_id,
	    "2026.abc@mg.example.org");
	assert_true(evhook_event(b, 0)->at == 1770920770);
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), 0);
	assert_string_equal(ts, MG_TS);
	assert_string_equal(tok, MG_TOK);
	assert_string_equal(sig, MG_SIG);
	evhook_batch_free(b);

	/* the timestamp as a number, as older payloads have it */
	b = parse_ok(EVHOOK_MAILGUN, "{\"signature\":{\"timestamp\":" MG_TS
	    ",\"token\":\"t\",\"signature\":\"s\"},\"event-data\":{\"event\":"
	    "\"failed\",\"severity\":\"temporary\",\"recipient\":\"b@x.org\"}}");
	check_event(b, 0, EVHOOK_SOFT, "failed", "b@x.org", "temporary");
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), 0);
	assert_string_equal(ts, MG_TS);
	evhook_batch_free(b);

	b = parse_ok(EVHOOK_MAILGUN, "{\"event-data\":{\"event\":"
	    "\"complained\",\"recipient\":\"c@x.org\"}}");
	check_event(b, 0, EVHOOK_COMPLAINT, "complained", "c@x.org", "");
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), -1);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_MAILGUN, "{\"signature\":{\"timestamp\":[]},"
	    "\"event-data\":{\"event\":\"unsubscribed\",\"recipient\":"
	    "\"d@x.org\"}}");
	check_event(b, 0, EVHOOK_UNSUBSCRIBE, "unsubscribed", "d@x.org", "");
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), -1);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_MAILGUN, "{\"event-data\":{\"event\":"
	    "\"delivered\",\"recipient\":\"e@x.org\"}}");
	assert_int_equal(evhook_count(b), 0);
	assert_int_equal(evhook_ignored(b), 1);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_MAILGUN, "{\"event-data\":{\"event\":\"failed\"}}");
	assert_int_equal(evhook_count(b), 0);
	assert_int_equal(evhook_invalid(b), 1);
	evhook_batch_free(b);

	PARSE_BAD(EVHOOK_MAILGUN, "[]", "event-data");
	PARSE_BAD(EVHOOK_MAILGUN, "{\"event-data\":[]}", "event-data");
	PARSE_BAD(EVHOOK_MAILGUN, "{\"signature\":{}}", "event-data");
	PARSE_BAD(EVHOOK_MAILGUN, "nope", "not JSON");
}

static void
test_parse_brevo(void **state)
{
	struct evhook_batch	*b;
	char			 id[64];

	(void)state;
	b = parse_ok(EVHOOK_BREVO, "{\"event\":\"hard_bounce\",\"email\":"
	    "\"ana@example.org\",\"id\":1234,\"date\":\"2026-11-26 12:00:00\","
	    "\"ts\":1795000000,\"message-id\":\"<2026@smtp-relay.mailin.fr>\","
	    "\"ts_event\":1795000001,\"ts_epoch\":1795000001234,\"reason\":"
	    "\"550\"}");
	assert_int_equal(evhook_count(b), 1);
	check_event(b, 0, EVHOOK_HARD, "hard_bounce", "ana@example.org", "");
	assert_string_equal(evhook_event(b, 0)->message_id,
	    "<2026@smtp-relay.mailin.fr>");
	assert_true(evhook_event(b, 0)->at == 1795000001);
	assert_int_equal(strncmp(evhook_event(b, 0)->id, "h-", 2), 0);
	snprintf(id, sizeof id, "%s", evhook_event(b, 0)->id);
	evhook_batch_free(b);

	/* batched: an array; the same event twice has the same id */
	b = parse_ok(EVHOOK_BREVO, "["
	    "{\"event\":\"hard_bounce\",\"email\":\"ana@example.org\",\"id\":1,"
	    "\"message-id\":\"<2026@smtp-relay.mailin.fr>\",\"ts_event\":"
	    "1795000001,\"ts_epoch\":1795000001234},"
	    "{\"event\":\"hard_bounce\",\"email\":\"ana@example.org\","
	    "\"message-id\":\"<2026@smtp-relay.mailin.fr>\",\"ts_event\":"
	    "1795000001,\"ts_epoch\":1795000001999},"
	    "{\"event\":\"soft_bounce\",\"email\":\"b@example.org\"},"
	    "{\"event\":\"deferred\",\"email\":\"c@example.org\"},"
	    "{\"event\":\"blocked\",\"email\":\"d@example.org\"},"
	    "{\"event\":\"spam\",\"email\":\"e@example.org\"},"
	    "{\"event\":\"unsubscribed\",\"email\":\"f@example.org\"},"
	    "{\"event\":\"invalid_email\",\"email\":\"g@example.org\"},"
	    "{\"event\":\"hardBounce\",\"email\":\"h@example.org\"},"
	    "{\"event\":\"delivered\",\"email\":\"i@example.org\"},"
	    "{\"event\":\"opened\",\"email\":\"j@example.org\"}"
	    "]");
	assert_int_equal(evhook_count(b), 9);
	assert_int_equal(evhook_ignored(b), 2);
	assert_string_equal(evhook_event(b, 0)->id, id);
	assert_string_not_equal(evhook_event(b, 1)->id, id);
	check_event(b, 2, EVHOOK_SOFT, "soft_bounce", "b@example.org", "");
	check_event(b, 3, EVHOOK_SOFT, "deferred", "c@example.org", "");
	check_event(b, 4, EVHOOK_SOFT, "blocked", "d@example.org", "");
	check_event(b, 5, EVHOOK_COMPLAINT, "spam", "e@example.org", "");
	check_event(b, 6, EVHOOK_UNSUBSCRIBE, "unsubscribed", "f@example.org",
	    "");
	check_event(b, 7, EVHOOK_HARD, "invalid_email", "g@example.org", "");
	check_event(b, 8, EVHOOK_HARD, "hardBounce", "h@example.org", "");
	evhook_batch_free(b);
	/* a JSON text that is neither an object nor an array */
	PARSE_BAD(EVHOOK_BREVO, "\"hard_bounce\"", "not JSON");
	PARSE_BAD(EVHOOK_BREVO, "[[]]", "event 0 is not an object");
}

static void
test_timestamps(void **state)
{
	long long	t = -1;

	(void)state;
	assert_int_equal(evhook_timestamp("1600112502", &t), 0);
	assert_true(t == 1600112502);
	assert_int_equal(evhook_timestamp("0", &t), 0);
	assert_int_equal(evhook_timestamp("", &t), -1);
	assert_int_equal(evhook_timestamp("-1", &t), -1);
	assert_int_equal(evhook_timestamp("+1", &t), -1);
	assert_int_equal(evhook_timestamp("12a", &t), -1);
	assert_int_equal(evhook_timestamp("1600112502 ", &t), -1);
	assert_int_equal(evhook_timestamp("1234567890123", &t), -1);
	assert_int_equal(evhook_timestamp(NULL, &t), -1);
	assert_true(evhook_fresh(1000, 1000, 300));
	assert_true(evhook_fresh(700, 1000, 300));
	assert_true(evhook_fresh(1300, 1000, 300));
	assert_false(evhook_fresh(699, 1000, 300));
	assert_false(evhook_fresh(1301, 1000, 300));
	assert_false(evhook_fresh(0, 1600112502, 300));
	assert_false(evhook_fresh(999999999999LL, 1600112502, 300));
	assert_string_equal(evhook_provider_name(EVHOOK_BREVO), "brevo");
	assert_string_equal(evhook_kind_name(EVHOOK_UNSUBSCRIBE),
	    "unsubscribe");
	assert_string_equal(evhook_provider_name(EVHOOK_NPROVIDERS), "?");
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
		cmocka_unit_test(test_parse_sendgrid),
		cmocka_unit_test(test_parse_mailgun),
		cmocka_unit_test(test_parse_brevo),
		cmocka_unit_test(test_timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
