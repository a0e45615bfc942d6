/* Unit tests for unsub: known tokens, forgeries, base64url form, id rules, constant-time compare. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unsub.h"

#define SECRET		"0123456789abcdef0123456789abcdef"
#define SECRETLEN	(sizeof SECRET - 1)

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Linked in place of OpenSSL's (the test binary's definition wins over the
 * shared library's): counts the calls, so that a test can see unsub_verify
 * compare the MAC with it and not with memcmp or strcmp. Constant time too.
 */
static int	ncmp;

int
CRYPTO_memcmp(const void *a, const void *b, size_t len)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	ncmp++;
	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}

/* base64url, unpadded, of n bytes (the test's own, for forged tokens). */
static void
enc(const void *in, size_t n, char *out)
{
	const unsigned char	*p = in;
	uint32_t		 acc = 0;
	int			 bits = 0;

	while (n-- > 0) {
		acc = (acc << 8) | *p++;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*out++ = b64url[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		*out++ = b64url[(acc << (6 - bits)) & 0x3f];
	*out = '\0';
}

/*
 * A token made without unsub_token, for n bytes of id (may hold a NUL or
 * anything unsub_token would refuse): what a holder of the secret signs.
 */
static void
sign(const char *secret, const char *id, size_t n, char *out)
{
	unsigned char	msg[1024], md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	size_t		e;

	assert_true(22 + n <= sizeof msg);
	memcpy(msg, "relais-unsubscribe-v1", 22);	/* with its NUL */
	memcpy(msg + 22, id, n);
	assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), msg,
	    22 + n, md, &mdlen));
	enc(id, n, out);
	e = strlen(out);
	out[e] = '.';
	enc(md, 16, out + e + 1);
}

static void
assert_refused(const char *secret, const char *token)
{
	char	id[UNSUB_ID_MAX + 1] = "junk";

	if (unsub_verify(secret, strlen(secret), token, id, sizeof id) != -1)
		fail_msg("expected refused, but \"%s\" verified as \"%s\"",
		    token, id);
	assert_string_equal(id, "");
}

static void
assert_round_trip(const char *id)
{
	char	tok[UNSUB_TOKEN_SIZE], back[UNSUB_ID_MAX + 1];

	if (unsub_token(SECRET, SECRETLEN, id, tok, sizeof tok) != 0)
		fail_msg("no token for \"%s\"", id);
	if (unsub_verify(SECRET, SECRETLEN, tok, back, sizeof back) != 0)
		fail_msg("token %s of \"%s\" does not verify", tok, id);
	assert_string_equal(back, id);
}

/*
 * Computed outside relais (Python hmac, base64.urlsafe_b64encode without
 * "="). A change here breaks every link already sent.
 */
static void
test_known_vectors(void **state)
{
	static const char *const v[][2] = {
		{ "email:ana@example.com",
		  "ZW1haWw6YW5hQGV4YW1wbGUuY29t.hcjsT5nNO0QVX719x8otug" },
		{ "sms:+18195550123",
		  "c21zOisxODE5NTU1MDEyMw.JN63oYXZ9kaWE6dOKPdqSA" },
		{ "email:\xc3\xa9@exemple.ca",
		  "ZW1haWw6w6lAZXhlbXBsZS5jYQ.AzwCrg4JE-Bq2OUMwtb2qQ" },
		{ "email:a@b", "ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxA" },
	};
	char	tok[UNSUB_TOKEN_SIZE], id[UNSUB_ID_MAX + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(unsub_token(SECRET, SECRETLEN, v[i][0], tok,
		    sizeof tok), 0);
		assert_string_equal(tok, v[i][1]);
		assert_int_equal(unsub_verify(SECRET, SECRETLEN, v[i][1], id,
		    sizeof id), 0);
		assert_string_equal(id, v[i][0]);
	}
}

static void
test_round_trip(void **state)
{
	char	id[UNSUB_ID_MAX + 1], tok[UNSUB_TOKEN_SIZE], back[10];
	size_t	n;

	(void)state;
	assert_round_trip("email:ana@example.com");
	assert_round_trip("email:Ana.Tremblay+news@Exemple.QC.ca");
	assert_round_trip("email:\xe5\xbc\xa0\xe4\xbc\x9f@\xe4\xbe\x8b.cn");
	assert_round_trip("email:\"odd local\"@example.org");
	assert_round_trip("sms:+1");
	assert_round_trip("sms:+123456789012345");
	/* every length mod 3, up to the longest id */
	for (n = 8; n <= UNSUB_ID_MAX; n++) {
		memset(id, 'x', n);
		memcpy(id, "email:a@", 8);
		id[n] = '\0';
		if (n == 8)
			continue;	/* "email:a@": no domain */
		assert_round_trip(id);
	}
	assert_int_equal(unsub_token(SECRET, SECRETLEN, id, tok, sizeof tok),
	    0);
	assert_int_equal(strlen(tok), UNSUB_TOKEN_SIZE - 1);

	/* out sized exactly (12 + 1 + 22 + NUL), one byte short; id too */
	assert_int_equal(unsub_token(SECRET, SECRETLEN, "email:a@b", tok, 36),
	    0);
	assert_int_equal(strlen(tok), 35);
	assert_int_equal(unsub_token(SECRET, SECRETLEN, "email:a@b", tok, 35),
	    -1);
	assert_string_equal(tok, "");
	assert_int_equal(unsub_token(SECRET, SECRETLEN, "email:a@b", tok,
	    sizeof tok), 0);
	assert_int_equal(unsub_verify(SECRET, SECRETLEN, tok, back, 10), 0);
	assert_int_equal(unsub_verify(SECRET, SECRETLEN, tok, back, 9), -1);
	assert_string_equal(back, "");
}

/* The id part of one token with the MAC part of another. */
static void
splice(const char *idof, const char *macof, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.*s%s", (int)(strchr(idof, '.') - idof), idof,
	    strchr(macof, '.'));
}

/* A valid token of one person never unsubscribes another. */
static void
test_other_id(void **state)
{
	static const char *const others[] = { "email:bob@example.com",
	    "email:Ana@example.com", "email:ana@example.co",
	    "email:ana@example.comm", "sms:+18195550123" };
	char	ana[UNSUB_TOKEN_SIZE], tok[UNSUB_TOKEN_SIZE];
	char	mix[2 * UNSUB_TOKEN_SIZE];
	size_t	i;

	(void)state;
	assert_int_equal(unsub_token(SECRET, SECRETLEN,
	    "email:ana@example.com", ana, sizeof ana), 0);
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		assert_int_equal(unsub_token(SECRET, SECRETLEN, others[i], tok,
		    sizeof tok), 0);
		splice(tok, ana, mix, sizeof mix);	/* ana's MAC */
		assert_refused(SECRET, mix);
		splice(ana, tok, mix, sizeof mix);	/* and the reverse */
		assert_refused(SECRET, mix);
	}
}

/* Any one character changed, anywhere in the token, is refused. */
static void
test_flipped(void **state)
{
	static const char *const ids[] = { "email:ana@example.com",
	    "email:a@b", "sms:+18195550123", "email:ab@cd" };
	char	tok[UNSUB_TOKEN_SIZE], bad[2 * UNSUB_TOKEN_SIZE];
	size_t	i, k, n;

	(void)state;
	for (k = 0; k < sizeof ids / sizeof ids[0]; k++) {
		assert_int_equal(unsub_token(SECRET, SECRETLEN, ids[k], tok,
		    sizeof tok), 0);
		n = strlen(tok);
		for (i = 0; i < n; i++) {
			memcpy(bad, tok, n + 1);
			/* the next character of the alphabet ("." -> "A") */
			bad[i] = tok[i] == '.' ? 'A' :
			    b64url[(strchr(b64url, tok[i]) - b64url + 1) % 64];
			assert_refused(SECRET, bad);
			/* and one bit of the byte */
			bad[i] = (char)(tok[i] ^ 0x01);
			assert_refused(SECRET, bad);
		}
		/* cut, extended, doubled */
		memcpy(bad, tok, n + 1);
		bad[n - 1] = '\0';
		assert_refused(SECRET, bad);
		snprintf(bad, sizeof bad, "%sA", tok);
		assert_refused(SECRET, bad);
		snprintf(bad, sizeof bad, "%s.%s", tok, strchr(tok, '.') + 1);
		assert_refused(SECRET, bad);
	}
}

static void
test_other_secret(void **state)
{
	char	tok[UNSUB_TOKEN_SIZE], id[UNSUB_ID_MAX + 1];
	char	other[] = SECRET;

	(void)state;
	assert_int_equal(unsub_token(SECRET, SECRETLEN,
	    "email:ana@example.com", tok, sizeof tok), 0);
	other[SECRETLEN - 1] ^= 0x01;	/* one bit of the key */
	assert_refused(other, tok);
	assert_refused("an entirely different secret key", tok);
	/* signed with another key, verified with ours */
	sign("an entirely different secret key", "email:ana@example.com", 21,
	    tok);
	assert_refused(SECRET, tok);
	assert_int_equal(unsub_token(SECRET, SECRETLEN,
	    "email:ana@example.com", tok, sizeof tok), 0);
	/* the secret is binary: what follows a NUL counts */
	assert_int_equal(unsub_token("0123456789abcdef\0x", 18,
	    "email:ana@example.com", tok, sizeof tok), 0);
	assert_int_equal(unsub_verify("0123456789abcdef\0y", 18, tok, id,
	    sizeof id), -1);
	assert_int_equal(unsub_verify("0123456789abcdef\0x", 18, tok, id,
	    sizeof id), 0);
	/* a short secret is refused both ways */
	assert_int_equal(unsub_token(SECRET, UNSUB_SECRET_MIN - 1,
	    "email:ana@example.com", tok, sizeof tok), -1);
	assert_int_equal(unsub_token(SECRET, UNSUB_SECRET_MIN,
	    "email:ana@example.com", tok, sizeof tok), 0);
	assert_int_equal(unsub_verify(SECRET, UNSUB_SECRET_MIN - 1, tok, id,
	    sizeof id), -1);
	assert_int_equal(unsub_token(NULL, 0, "email:ana@example.com", tok,
	    sizeof tok), -1);
}

/* The alphabet is URL-safe and there is no padding; other spellings fail. */
static void
test_base64url(void **state)
{
	char	tok[UNSUB_TOKEN_SIZE], bad[UNSUB_TOKEN_SIZE + 8], *p;
	char	id[16];
	int	dash = 0, under = 0;
	size_t	n, k;

	(void)state;
	for (n = 0; n < 200; n++) {
		snprintf(id, sizeof id, "email:%zu@%c", n, (char)('a' + n % 3));
		assert_int_equal(unsub_token(SECRET, SECRETLEN, id, tok,
		    sizeof tok), 0);
		assert_null(strpbrk(tok, "=+/"));
		assert_int_equal(strspn(tok, b64url) + 1 + 22, strlen(tok));
		dash |= strchr(tok, '-') != NULL;
		under |= strchr(tok, '_') != NULL;
		/* id part length: 4 per 3 bytes, 2 or 3 for a remainder */
		k = strlen(id);
		assert_int_equal((size_t)(strchr(tok, '.') - tok),
		    k / 3 * 4 + (k % 3 ? k % 3 + 1 : 0));
		/* padded, or in the standard alphabet: refused */
		if (k % 3 != 0) {
			p = strchr(tok, '.');
			snprintf(bad, sizeof bad, "%.*s%s%s", (int)(p - tok),
			    tok, k % 3 == 1 ? "==" : "=", p);
			assert_refused(SECRET, bad);
		}
		snprintf(bad, sizeof bad, "%s=", tok);
		assert_refused(SECRET, bad);
		if ((p = strpbrk(tok, "-_")) != NULL) {
			snprintf(bad, sizeof bad, "%s", tok);
			bad[p - tok] = *p == '-' ? '+' : '/';
			assert_refused(SECRET, bad);
		}
	}
	assert_true(dash && under);
	/* non-canonical: the last character's unused low bits must be 0 */
	sign(SECRET, "email:a@bc", 10, tok);	/* "ZW1haWw6YUBiYw" */
	assert_int_equal(unsub_verify(SECRET, SECRETLEN, tok, id, sizeof id),
	    0);
	p = strchr(tok, '.');
	assert_int_equal(p[-1], 'w');
	p[-1] = 'x';	/* same bytes, low bits set */
	assert_refused(SECRET, tok);
}

static void
test_ids(void **state)
{
	static const char *const good[] = {
		"email:ana@example.com", "email:a@b", "sms:+18195550123",
		"sms:+1", "sms:+123456789012345",
		"email:\xc3\xa9lodie@exemple.qc.ca", "email:x@y@z",
	};
	static const char *const bad[] = {
		"", "email:", "email:@example.com", "email:ana@", "email:ana",
		"mail:ana@example.com", "Email:ana@example.com",
		"ana@example.com", "sms:18195550123", "sms:+", "sms:++1",
		"sms:+1819555012a", "sms:+1234567890123456", "sms:+1 819",
		"push:abc", "email:a\n@b", "email:a\r@b", "email:a\t@b",
		"email:a@b\x7f", "email:a\x1b@b", "email:a\xc2\x85@b",
		"email:a\xff@b", "email:a\xc3@b", "email:a\xed\xa0\x80@b",
		"email:a\xc0\xaf@b",
	};
	char	tok[UNSUB_TOKEN_SIZE], forged[UNSUB_TOKEN_SIZE];
	char	id[UNSUB_ID_MAX + 2];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!unsub_id_ok(good[i]))
			fail_msg("\"%s\" refused", good[i]);
		assert_round_trip(good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (unsub_id_ok(bad[i]))
			fail_msg("bad id %zu accepted", i);
		assert_int_equal(unsub_token(SECRET, SECRETLEN, bad[i], tok,
		    sizeof tok), -1);
		/* even signed with the right secret, verify refuses it */
		sign(SECRET, bad[i], strlen(bad[i]), forged);
		assert_refused(SECRET, forged);
	}
	assert_int_equal(unsub_id_ok(NULL), 0);
	/* 320 bytes is the most */
	memset(id, 'x', UNSUB_ID_MAX + 1);
	memcpy(id, "email:a@", 8);
	id[UNSUB_ID_MAX] = '\0';
	assert_true(unsub_id_ok(id));
	id[UNSUB_ID_MAX] = 'x';
	id[UNSUB_ID_MAX + 1] = '\0';
	assert_false(unsub_id_ok(id));
	assert_int_equal(unsub_token(SECRET, SECRETLEN, id, tok, sizeof tok),
	    -1);
	/* a NUL inside the signed bytes */
	sign(SECRET, "email:a@b\0c", 11, forged);
	assert_refused(SECRET, forged);
}

static void
test_malformed(void **state)
{
	char	big[UNSUB_TOKEN_MAX + 2], id[UNSUB_ID_MAX + 1];
	char	tok[UNSUB_TOKEN_SIZE];
	static const char *const bad[] = {
		"", ".", "..", "abc", "ZW1haWw6YUBi", "ZW1haWw6YUBi.",
		".fSzOMdYFpiRF8rphw5vaxA",
		"ZW1haWw6YUBi..fSzOMdYFpiRF8rphw5vaxA",
		"ZW1haWw6YUB.fSzOMdYFpiRF8rphw5vaxA",
		"ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vax",
		"ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxAA",
		"ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxA==",
		" ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxA",
		"ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxA\n",
		"ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxA/x",
		"ZW1haWw6%59UBi.fSzOMdYFpiRF8rphw5vaxA",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_refused(SECRET, bad[i]);
	assert_int_equal(unsub_verify(SECRET, SECRETLEN, NULL, id, sizeof id),
	    -1);
	assert_int_equal(unsub_verify(SECRET, SECRETLEN,
	    "ZW1haWw6YUBi.fSzOMdYFpiRF8rphw5vaxA", NULL, 0), -1);
	/* over UNSUB_TOKEN_MAX: refused before anything is decoded */
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_refused(SECRET, big);
	/* an id part longer than any id's, under the limit */
	memset(big, 'A', 600);
	assert_int_equal(unsub_token(SECRET, SECRETLEN, "email:a@b", tok,
	    sizeof tok), 0);
	snprintf(big + 600, sizeof big - 600, "%s", strchr(tok, '.'));
	assert_refused(SECRET, big);
}

/* The MAC comparison goes through CRYPTO_memcmp, for good and forged alike. */
static void
test_constant_time(void **state)
{
	char	tok[UNSUB_TOKEN_SIZE], id[UNSUB_ID_MAX + 1], c;
	size_t	n;
	int	before;

	(void)state;
	assert_int_equal(unsub_token(SECRET, SECRETLEN,
	    "email:ana@example.com", tok, sizeof tok), 0);
	before = ncmp;
	assert_int_equal(unsub_verify(SECRET, SECRETLEN, tok, id, sizeof id),
	    0);
	assert_int_equal(ncmp, before + 1);
	n = strlen(tok);
	/* a wrong first or last MAC character: compared all the same */
	c = tok[n - 22];
	tok[n - 22] = c == 'A' ? 'B' : 'A';
	assert_refused(SECRET, tok);
	assert_int_equal(ncmp, before + 2);
	tok[n - 22] = c;
	tok[n - 1] = tok[n - 1] == 'A' ? 'B' : 'A';
	assert_refused(SECRET, tok);
	assert_int_equal(ncmp, before + 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_id),
		cmocka_unit_test(test_flipped),
		cmocka_unit_test(test_other_secret),
		cmocka_unit_test(test_base64url),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_constant_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
