/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for unsub: v2 tokens (known vectors, round trip, expiry, each
 * field tampered with, key ring, rotation, no address in clear) and v1
 * (known tokens, forgeries, base64url form, id rules, constant-time
 * compare, still accepted through the ring).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "unsub.h"

#define SECRET		"0123456789abcdef0123456789abcdef"
#define SECRETLEN	(sizeof SECRET - 1)
#define SECRET2		"another secret, 32 bytes long..."
#define DAY		86400LL
/* 2026-05-27 12:00 UTC: day 20600 */
#define NOW		(20600 * DAY + 43200)

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
	assert_int_equal(strlen(tok), UNSUB_V1_TOKEN_SIZE - 1);

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


/* A ring of (kid, secret) pairs, ended by NULL; fails the test if refused. */
static struct unsub_keys *
ring(const char *kid, ...)
{
	struct unsub_keys	*ks = unsub_keys_new();
	const char		*secret;
	char			 err[160];
	va_list			 ap;

	va_start(ap, kid);
	for (; kid != NULL; kid = va_arg(ap, const char *)) {
		secret = va_arg(ap, const char *);
		if (unsub_keys_add(ks, kid, secret, strlen(secret), err,
		    sizeof err) == -1)
			fail_msg("key %s refused: %s", kid, err);
	}
	va_end(ap);
	return ks;
}

static enum unsub_check
check(const struct unsub_keys *ks, const char *token, int64_t now,
    char *id, size_t idlen)
{
	strcpy(id, "junk");
	return unsub_check(ks, token, now, id, idlen);
}

static void
assert_invalid(const struct unsub_keys *ks, const char *token, int64_t now)
{
	char	id[UNSUB_ID_MAX + 1];

	if (check(ks, token, now, id, sizeof id) != UNSUB_INVALID)
		fail_msg("expected invalid, but \"%s\" was accepted", token);
	assert_string_equal(id, "");
}

static void
assert_valid(const struct unsub_keys *ks, const char *token, int64_t now,
    const char *want)
{
	char	id[UNSUB_ID_MAX + 1];

	if (check(ks, token, now, id, sizeof id) != UNSUB_VALID)
		fail_msg("\"%s\" refused", token);
	assert_string_equal(id, want);
}

/*
 * Computed outside relais (Python: hmac, cryptography's AESGCM, base64url
 * without "="). A change here breaks every link already sent.
 */
static void
test_v2_known_vectors(void **state)
{
	static const struct {
		const char	*kid;
		long		 day;
		const char	*id;
		const char	*token;
	} v[] = {
		{ "k1", 20600, "email:ana@example.com",
		  "v2.k1.20600.YEgC3Pgd_wi1eO608SSADTC1V-r1IH2A4k_JJmVJJFrAglHu"
		  "mxdWC6lnmPQobQMhomMsW4jm5NMa2Zu7" },
		{ "k1", 20600, "sms:+18195550123",
		  "v2.k1.20600.6cWRKUWiSv8WRzAcbAJK5jTxYD-Nv2wU1VeErPW54Fkpzvag"
		  "w0676DPnVA_ND-00rOfr7Io__9HVWcSZ" },
		{ "default", 20454, "email:\xc3\xa9lodie@exemple.qc.ca",
		  "v2.default.20454._QE_g5bfx-451g5zRYAkNt7GFKOTMXdhm9X30hsi-jk"
		  "Qfos1lGT_B7bfA5EJyQCZ-oQzgVJSrjWb7Xb8" },
		{ "k2", 9999999, "email:a@b",
		  "v2.k2.9999999.jT0lr3XJQbkGducKWvRz7PuzXSopNxVkWWTep6bsm4_M2V"
		  "WRBmwQly1gnXTdAcPwXjfBr05itHkCSUQl" },
	};
	struct unsub_keys	*ks;
	char			 tok[UNSUB_TOKEN_SIZE];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		ks = ring(v[i].kid, SECRET, NULL);
		/* issued valid_days before its last day, at any hour */
		assert_int_equal(unsub_token_v2(ks, v[i].id,
		    (v[i].day - 90) * DAY + 12345, 90, tok, sizeof tok), 0);
		assert_string_equal(tok, v[i].token);
		assert_int_equal(unsub_token_v2(ks, v[i].id,
		    (v[i].day - 3650) * DAY + 86399, 3650, tok, sizeof tok), 0);
		assert_string_equal(tok, v[i].token);
		assert_valid(ks, v[i].token, v[i].day * DAY, v[i].id);
		unsub_keys_free(ks);
	}
}

static void
test_v2_round_trip(void **state)
{
	static const char *const ids[] = { "email:ana@example.com",
	    "email:Ana.Tremblay+news@Exemple.QC.ca", "sms:+1",
	    "sms:+123456789012345", "email:\"odd local\"@example.org",
	    "email:\xe5\xbc\xa0\xe4\xbc\x9f@\xe4\xbe\x8b.cn" };
	struct unsub_keys	*ks = ring("k1", SECRET, NULL);
	char			 id[UNSUB_ID_MAX + 1], tok[UNSUB_TOKEN_SIZE];
	char			 again[UNSUB_TOKEN_SIZE], back[10];
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		assert_int_equal(unsub_token_v2(ks, ids[i], NOW, 90, tok,
		    sizeof tok), 0);
		assert_valid(ks, tok, NOW, ids[i]);
		assert_int_equal(strncmp(tok, "v2.k1.20690.", 12), 0);
		/* the same all day long, another the next day */
		assert_int_equal(unsub_token_v2(ks, ids[i], 20600 * DAY, 90,
		    again, sizeof again), 0);
		assert_string_equal(again, tok);
		assert_int_equal(unsub_token_v2(ks, ids[i], 20601 * DAY, 90,
		    again, sizeof again), 0);
		assert_string_not_equal(again, tok);
		assert_valid(ks, again, NOW, ids[i]);
	}
	/* every id length up to the longest */
	for (n = 9; n <= UNSUB_ID_MAX; n++) {
		memset(id, 'x', n);
		memcpy(id, "email:a@", 8);
		id[n] = '\0';
		assert_int_equal(unsub_token_v2(ks, id, NOW, 60, tok,
		    sizeof tok), 0);
		assert_valid(ks, tok, NOW, id);
	}
	assert_int_equal(strlen(tok) + 1, 3 + 2 + 1 + 5 + 1 +
	    (12 + UNSUB_ID_MAX + 16) / 3 * 4 + 1);
	assert_true(strlen(tok) < UNSUB_V2_TOKEN_SIZE);
	/* out sized exactly, one byte short; id buffer too small */
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 90, tok,
	    sizeof tok), 0);
	n = strlen(tok) + 1;
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 90, again, n),
	    0);
	assert_string_equal(again, tok);
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 90, again,
	    n - 1), -1);
	assert_string_equal(again, "");
	assert_int_equal(check(ks, tok, NOW, back, 10), UNSUB_VALID);
	assert_int_equal(check(ks, tok, NOW, back, 9), UNSUB_INVALID);
	assert_string_equal(back, "");
	assert_int_equal(unsub_check(ks, tok, NOW, NULL, 0), UNSUB_INVALID);
	/* no ring, an empty ring, a bad id */
	assert_int_equal(unsub_token_v2(NULL, "email:a@b", NOW, 90, tok,
	    sizeof tok), -1);
	unsub_keys_free(ks);
	ks = unsub_keys_new();
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 90, tok,
	    sizeof tok), -1);
	assert_null(unsub_keys_signer(ks));
	unsub_keys_free(ks);
	ks = ring("k1", SECRET, NULL);
	assert_int_equal(unsub_token_v2(ks, "email:ana", NOW, 90, tok,
	    sizeof tok), -1);
	assert_int_equal(check(NULL, "v2.k1.1.AAAA", NOW, id, sizeof id),
	    UNSUB_INVALID);
	unsub_keys_free(ks);
}

/* Valid through the last day (UTC), expired from the next; 60 days at least. */
static void
test_v2_expiry(void **state)
{
	struct unsub_keys	*ks = ring("k1", SECRET, NULL);
	char			 tok[UNSUB_TOKEN_SIZE], id[UNSUB_ID_MAX + 1];

	(void)state;
	assert_int_equal(unsub_token_v2(ks, "email:ana@example.com", NOW, 60,
	    tok, sizeof tok), 0);
	assert_valid(ks, tok, NOW, "email:ana@example.com");
	assert_valid(ks, tok, NOW + 60 * DAY, "email:ana@example.com");
	assert_valid(ks, tok, 20661 * DAY - 1, "email:ana@example.com");
	assert_int_equal(check(ks, tok, 20661 * DAY, id, sizeof id),
	    UNSUB_EXPIRED);
	assert_string_equal(id, "");	/* nothing to act upon */
	assert_int_equal(check(ks, tok, NOW + 3650 * DAY, id, sizeof id),
	    UNSUB_EXPIRED);
	/* not yet issued (a clock behind): still valid */
	assert_valid(ks, tok, NOW - 400 * DAY, "email:ana@example.com");
	/* the day is signed: a later one does not open */
	tok[8] = '9';	/* v2.k1.20[6]60. -> 20960 */
	assert_int_equal(strncmp(tok, "v2.k1.20960.", 12), 0);
	assert_invalid(ks, tok, NOW);
	/* valid_days: 60 (CASL) to 3650 */
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 59, tok,
	    sizeof tok), -1);
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 3651, tok,
	    sizeof tok), -1);
	assert_int_equal(unsub_token_v2(ks, "email:a@b", NOW, 3650, tok,
	    sizeof tok), 0);
	assert_valid(ks, tok, NOW + 3650 * DAY, "email:a@b");
	assert_int_equal(check(ks, tok, NOW + 3651 * DAY, id, sizeof id),
	    UNSUB_EXPIRED);
	/* a forged token never says "expired": that is for genuine ones */
	assert_invalid(ks, "v2.k1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NOW);
	unsub_keys_free(ks);
}

/* The address is nowhere in a token: not in clear, not in base64. */
static void
test_v2_opaque(void **state)
{
	static const char *const ids[] = { "email:ana@example.com",
	    "sms:+18195550123", "email:a@b" };
	struct unsub_keys	*ks = ring("k1", SECRET, NULL);
	char			 tok[UNSUB_TOKEN_SIZE], enc64[UNSUB_TOKEN_SIZE];
	char			 other[UNSUB_TOKEN_SIZE];
	size_t			 i, k, n;

	(void)state;
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		assert_int_equal(unsub_token_v2(ks, ids[i], NOW, 90, tok,
		    sizeof tok), 0);
		assert_null(strstr(tok, strchr(ids[i], ':') + 1));
		/* any 3-byte-aligned base64 of the id or of its address */
		for (k = 0; k < 3; k++) {
			n = strlen(ids[i] + k);
			enc(ids[i] + k, n - n % 3, enc64);
			enc64[8] = '\0';	/* 6 bytes of it is plenty */
			assert_null(strstr(tok, enc64));
		}
		/* nor a hint of its length within a block of 32 bytes */
		assert_int_equal(unsub_token_v2(ks, "email:a@bcdefghijklmnopqrs."
		    "tu", NOW, 90, other, sizeof other), 0);
		assert_int_equal(strlen(tok), strlen(other));
	}
	unsub_keys_free(ks);
}

/* Any one character changed, anywhere, and any field swapped: refused. */
static void
test_v2_tampered(void **state)
{
	struct unsub_keys	*ks = ring("k1", SECRET, "k2", SECRET2, NULL);
	struct unsub_keys	*k2 = ring("k2", SECRET2, NULL);
	char			 tok[UNSUB_TOKEN_SIZE], bob[UNSUB_TOKEN_SIZE];
	char			 bad[2 * UNSUB_TOKEN_SIZE], *p;
	size_t			 i, n;

	(void)state;
	assert_int_equal(unsub_token_v2(ks, "email:ana@example.com", NOW, 90,
	    tok, sizeof tok), 0);
	assert_int_equal(unsub_token_v2(ks, "email:bob@example.com", NOW, 90,
	    bob, sizeof bob), 0);
	n = strlen(tok);
	for (i = 0; i < n; i++) {
		memcpy(bad, tok, n + 1);
		if (tok[i] == '.')
			bad[i] = 'A';
		else if (tok[i] >= '0' && tok[i] <= '8')
			bad[i] = (char)(tok[i] + 1);
		else
			bad[i] = b64url[(strchr(b64url, tok[i]) - b64url + 1) %
			    64];
		assert_invalid(ks, bad, NOW);
		bad[i] = (char)(tok[i] ^ 0x01);
		assert_invalid(ks, bad, NOW);
	}
	/* the kid of the other key of the ring: its key does not open it */
	snprintf(bad, sizeof bad, "v2.k2.%s", tok + 6);
	assert_invalid(ks, bad, NOW);
	/* a day further away */
	snprintf(bad, sizeof bad, "v2.k1.20691.%s", tok + 12);
	assert_invalid(ks, bad, NOW);
	/* bob's box under ana's header is still bob's: same kid and day */
	snprintf(bad, sizeof bad, "%.12s%s", tok, bob + 12);
	assert_valid(ks, bad, NOW, "email:bob@example.com");
	/* the nonce of one with the ciphertext of the other */
	p = bad + 12;
	memcpy(p, bob + 12, 16);	/* 12 bytes of nonce: 16 characters */
	memcpy(p + 16, tok + 28, strlen(tok + 28) + 1);
	assert_invalid(ks, bad, NOW);
	/* cut, extended, doubled, re-padded */
	memcpy(bad, tok, n + 1);
	bad[n - 1] = '\0';
	assert_invalid(ks, bad, NOW);
	snprintf(bad, sizeof bad, "%sA", tok);
	assert_invalid(ks, bad, NOW);
	snprintf(bad, sizeof bad, "%sAAAA", tok);
	assert_invalid(ks, bad, NOW);
	snprintf(bad, sizeof bad, "%s=", tok);
	assert_invalid(ks, bad, NOW);
	snprintf(bad, sizeof bad, "%s.%s", tok, tok + 12);
	assert_invalid(ks, bad, NOW);
	/* unknown kid: a ring without k1 */
	assert_invalid(k2, tok, NOW);
	unsub_keys_free(ks);
	unsub_keys_free(k2);
}

/*
 * A token sealed here with the construction of unsub.h, around any bytes:
 * what a holder of the secret could make, for what unsub_token_v2 never
 * makes (bad padding, bad ids).
 */
static void
seal_raw(const char *secret, const char *kid, const char *day,
    const void *pt, size_t ptlen, char *out)
{
	unsigned char	 enckey[EVP_MAX_MD_SIZE], noncekey[EVP_MAX_MD_SIZE];
	unsigned char	 aad[64], msg[512], md[EVP_MAX_MD_SIZE];
	unsigned char	 box[12 + 400 + 16];
	unsigned int	 mdlen;
	size_t		 aadlen, o;
	EVP_CIPHER_CTX	*ctx;
	int		 l;

	assert_true(ptlen <= 400);
	assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)"relais-unsubscribe-v2 key", 25, enckey,
	    &mdlen));
	assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)"relais-unsubscribe-v2 nonce", 27,
	    noncekey, &mdlen));
	aadlen = (size_t)snprintf((char *)aad, sizeof aad,
	    "relais-unsubscribe-v2%c%s%c%s", 0, kid, 0, day);
	memcpy(msg, aad, aadlen);
	memcpy(msg + aadlen, pt, ptlen);
	assert_non_null(HMAC(EVP_sha256(), noncekey, 32, msg, aadlen + ptlen,
	    md, &mdlen));
	memcpy(box, md, 12);
	assert_non_null(ctx = EVP_CIPHER_CTX_new());
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
	    enckey, box), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &l, aad, (int)aadlen),
	    1);
	assert_int_equal(EVP_EncryptUpdate(ctx, box + 12, &l, pt, (int)ptlen),
	    1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, box + 12 + ptlen, &l), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
	    box + 12 + ptlen), 1);
	EVP_CIPHER_CTX_free(ctx);
	o = (size_t)sprintf(out, "v2.%s.%s.", kid, day);
	enc(box, 12 + ptlen + 16, out + o);
}

/* Only the canonical padding of a valid id opens, even when genuine. */
static void
test_v2_contents(void **state)
{
	struct unsub_keys	*ks = ring("k1", SECRET, NULL);
	unsigned char		 pt[400];
	char			 tok[2 * UNSUB_TOKEN_SIZE];
	char			 mine[UNSUB_TOKEN_SIZE];
	static const char *const bad[] = { "email:ana", "sms:+1819x",
	    "email:a\n@b", "ana@example.com", "" };
	size_t			 i;

	(void)state;
	/* the construction reproduced: the same token as unsub_token_v2 */
	memset(pt, 0, sizeof pt);
	memcpy(pt, "email:ana@example.com", 21);
	seal_raw(SECRET, "k1", "20690", pt, 32, tok);
	assert_int_equal(unsub_token_v2(ks, "email:ana@example.com", NOW, 90,
	    mine, sizeof mine), 0);
	assert_string_equal(tok, mine);
	/* a second block of NULs; fewer than a block (no padding) */
	seal_raw(SECRET, "k1", "20690", pt, 64, tok);
	assert_invalid(ks, tok, NOW);
	seal_raw(SECRET, "k1", "20690", pt, 21, tok);
	assert_invalid(ks, tok, NOW);
	/* something after the NUL that ends the id */
	pt[25] = 'x';
	seal_raw(SECRET, "k1", "20690", pt, 32, tok);
	assert_invalid(ks, tok, NOW);
	/* ids the suppression list cannot hold */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(pt, 0, sizeof pt);
		memcpy(pt, bad[i], strlen(bad[i]));
		seal_raw(SECRET, "k1", "20690", pt, 32, tok);
		assert_invalid(ks, tok, NOW);
	}
	/* days written other than as tokens write them */
	memset(pt, 0, sizeof pt);
	memcpy(pt, "email:a@b", 9);
	seal_raw(SECRET, "k1", "020690", pt, 32, tok);
	assert_invalid(ks, tok, NOW);
	seal_raw(SECRET, "k1", "12345678", pt, 32, tok);
	assert_invalid(ks, tok, NOW);
	seal_raw(SECRET, "k1", "-1", pt, 32, tok);
	assert_invalid(ks, tok, NOW);
	seal_raw(SECRET, "k1", "+20690", pt, 32, tok);
	assert_invalid(ks, tok, NOW);
	seal_raw(SECRET, "k1", "20690", pt, 32, tok);
	assert_valid(ks, tok, NOW, "email:a@b");
	unsub_keys_free(ks);
}

static void
test_v2_malformed(void **state)
{
	struct unsub_keys	*ks = ring("k1", SECRET, NULL);
	char			 big[UNSUB_TOKEN_MAX + 2];
	static const char *const bad[] = { "", "v2", "v2.", "v2..", "v2.k1",
	    "v2.k1.", "v2.k1.20690", "v2.k1.20690.", "v2..20690.AAAA",
	    "v2.k1..AAAA", "V2.k1.20690.AAAA", "v2.k1.20690.AAAA.",
	    "v2.k 1.20690.AAAA", "v2.k1.2069O.AAAA", "v2.k1.20690.A",
	    "v2.k1.20690.AAAAA", "v2.k1.20690.AA==",
	    "v2.k1234567890123456.20690.AAAA" };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_invalid(ks, bad[i], NOW);
	assert_invalid(ks, NULL, NOW);
	memcpy(big, "v2.k1.20690.", 12);
	memset(big + 12, 'A', sizeof big - 13);
	big[sizeof big - 1] = '\0';
	assert_invalid(ks, big, NOW);	/* over UNSUB_TOKEN_MAX */
	big[600] = '\0';		/* longer than any box */
	assert_invalid(ks, big, NOW);
	unsub_keys_free(ks);
}

/* The first key seals; all open; a key taken out no longer opens. */
static void
test_rotation(void **state)
{
	struct unsub_keys	*old = ring("k1", SECRET, NULL);
	struct unsub_keys	*both = ring("k2", SECRET2, "k1", SECRET, NULL);
	struct unsub_keys	*next = ring("k2", SECRET2, NULL);
	char			 t1[UNSUB_TOKEN_SIZE], t2[UNSUB_TOKEN_SIZE];

	(void)state;
	assert_string_equal(unsub_keys_signer(both), "k2");
	assert_int_equal(unsub_keys_count(both), 2);
	assert_int_equal(unsub_token_v2(old, "email:ana@example.com", NOW, 90,
	    t1, sizeof t1), 0);
	assert_int_equal(unsub_token_v2(both, "email:ana@example.com", NOW,
	    90, t2, sizeof t2), 0);
	assert_int_equal(strncmp(t2, "v2.k2.", 6), 0);
	/* links of the old key keep working while it is in the ring */
	assert_valid(both, t1, NOW + 90 * DAY, "email:ana@example.com");
	assert_valid(both, t2, NOW, "email:ana@example.com");
	assert_invalid(old, t2, NOW);
	/* and stop once it is out */
	assert_invalid(next, t1, NOW);
	assert_valid(next, t2, NOW, "email:ana@example.com");
	/* the same secret under another name is another key */
	unsub_keys_free(next);
	next = ring("k9", SECRET, NULL);
	assert_invalid(next, t1, NOW);
	unsub_keys_free(old);
	unsub_keys_free(both);
	unsub_keys_free(next);
}

/* v1 links (no date) verify while the secret that made them is in the ring. */
static void
test_v1_through_ring(void **state)
{
	struct unsub_keys	*ks = ring("k2", SECRET2, "k1", SECRET, NULL);
	struct unsub_keys	*other = ring("k2", SECRET2, NULL);
	struct unsub_keys	*bare;
	char			 v1[UNSUB_TOKEN_SIZE], id[UNSUB_ID_MAX + 1];

	(void)state;
	assert_int_equal(unsub_token(SECRET, SECRETLEN, "email:ana@example.com",
	    v1, sizeof v1), 0);
	assert_string_equal(v1,
	    "ZW1haWw6YW5hQGV4YW1wbGUuY29t.hcjsT5nNO0QVX719x8otug");
	assert_valid(ks, v1, NOW, "email:ana@example.com");
	assert_valid(ks, v1, NOW + 36500 * DAY, "email:ana@example.com");
	assert_invalid(other, v1, NOW);
	v1[strlen(v1) - 1] ^= 0x01;
	assert_invalid(ks, v1, NOW);
	/* a bare secret (admin_set_unsubscribe) is the key "default" */
	bare = unsub_keys_unpack(SECRET, SECRETLEN);
	assert_non_null(bare);
	assert_string_equal(unsub_keys_signer(bare), UNSUB_DEFAULT_KID);
	assert_int_equal(check(bare,
	    "ZW1haWw6YW5hQGV4YW1wbGUuY29t.hcjsT5nNO0QVX719x8otug", NOW, id,
	    sizeof id), UNSUB_VALID);
	assert_string_equal(id, "email:ana@example.com");
	unsub_keys_free(bare);
	unsub_keys_free(ks);
	unsub_keys_free(other);
}

static void
test_keys(void **state)
{
	static const char *const badkid[] = { "", "k 1", "k.1", "k/1", "k1\n",
	    "k\xc3\xa9", "k12345678901234567" };
	struct unsub_keys	*ks = unsub_keys_new(), *back;
	unsigned char		*packed;
	char			 err[160], kid[8], tok[UNSUB_TOKEN_SIZE];
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof badkid / sizeof badkid[0]; i++) {
		if (unsub_keys_add(ks, badkid[i], SECRET, SECRETLEN, err,
		    sizeof err) != -1)
			fail_msg("key id \"%s\" accepted", badkid[i]);
	}
	assert_int_equal(unsub_keys_add(ks, NULL, SECRET, SECRETLEN, err,
	    sizeof err), -1);
	assert_int_equal(unsub_keys_add(ks, "k1", SECRET, UNSUB_SECRET_MIN - 1,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "at least 16 bytes"));
	assert_int_equal(unsub_keys_add(ks, "K-1_z", SECRET, SECRETLEN, err,
	    sizeof err), 0);
	assert_int_equal(unsub_keys_add(ks, "K-1_z", SECRET2, SECRETLEN, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(unsub_keys_add(ks, "k234567890123456", SECRET2,
	    SECRETLEN, err, sizeof err), 0);
	for (i = 2; i < UNSUB_KEYS_MAX; i++) {
		snprintf(kid, sizeof kid, "x%zu", i);
		assert_int_equal(unsub_keys_add(ks, kid, SECRET, SECRETLEN,
		    err, sizeof err), 0);
	}
	assert_int_equal(unsub_keys_add(ks, "full", SECRET, SECRETLEN, err,
	    sizeof err), -1);
	assert_int_equal(unsub_keys_count(ks), UNSUB_KEYS_MAX);
	assert_string_equal(unsub_keys_signer(ks), "K-1_z");

	/* packed and back: the same ring */
	packed = unsub_keys_pack(ks, &len);
	assert_int_equal(packed[0], 0);
	back = unsub_keys_unpack(packed, len);
	assert_non_null(back);
	assert_int_equal(unsub_keys_count(back), UNSUB_KEYS_MAX);
	assert_string_equal(unsub_keys_signer(back), "K-1_z");
	assert_int_equal(unsub_token_v2(back, "email:a@b", NOW, 90, tok,
	    sizeof tok), 0);
	assert_valid(ks, tok, NOW, "email:a@b");
	unsub_keys_free(back);
	/* cut anywhere, or with a byte more: refused */
	for (i = 0; i < len; i++)
		assert_null(unsub_keys_unpack(packed, i));
	packed = realloc(packed, len + 1);
	assert_non_null(packed);
	packed[len] = 'x';
	assert_null(unsub_keys_unpack(packed, len + 1));
	packed[1] = 'X';	/* the magic */
	assert_null(unsub_keys_unpack(packed, len));
	unsub_keys_pack_free(packed, len + 1);
	unsub_keys_pack_free(NULL, 0);
	/* an empty ring does not unpack */
	unsub_keys_free(ks);
	ks = unsub_keys_new();
	packed = unsub_keys_pack(ks, &len);
	assert_null(unsub_keys_unpack(packed, len));
	unsub_keys_pack_free(packed, len);
	unsub_keys_free(ks);
	/* a bare secret: at least 16 bytes */
	assert_null(unsub_keys_unpack(SECRET, UNSUB_SECRET_MIN - 1));
	assert_null(unsub_keys_unpack(NULL, 0));
	unsub_keys_free(NULL);
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
		cmocka_unit_test(test_v2_known_vectors),
		cmocka_unit_test(test_v2_round_trip),
		cmocka_unit_test(test_v2_expiry),
		cmocka_unit_test(test_v2_opaque),
		cmocka_unit_test(test_v2_tampered),
		cmocka_unit_test(test_v2_contents),
		cmocka_unit_test(test_v2_malformed),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_v1_through_ring),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
