/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The console's signed session cookies, CSRF tokens and login rate limiter. */
#include <sys/random.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "console_auth.h"

/* Labels of the MACs: each is followed by a NUL in what is MAC'd. */
#define CONSOLE_SESSION_LABEL	"relais-console-session-v1"
#define CONSOLE_FP_LABEL	"relais-console-fingerprint-v1"
#define CONSOLE_CSRF_LABEL	"relais-console-csrf-v1"
#define CONSOLE_LOGIN_LABEL	"relais-console-login-v1"
#define CONSOLE_LABEL_MAX	32

#define CONSOLE_B64		(BASE64_URL | BASE64_NOPAD | BASE64_EXACT)
#define CONSOLE_VERSION		1
#define CONSOLE_SID_BYTES	16
#define CONSOLE_FP_BYTES	8
#define CONSOLE_MAC_BYTES	32
#define CONSOLE_LOGIN_MAC_BYTES	24	/* with the 8 bytes of time: 32 */
#define CONSOLE_CLIENT_MAX	256	/* bytes of a client address */
/* version, name length, name, expiry, sid, fingerprint, MAC */
#define CONSOLE_COOKIE_BYTES	(2 + CONSOLE_NAME_MAX + 8 + CONSOLE_SID_BYTES + \
				 CONSOLE_FP_BYTES + CONSOLE_MAC_BYTES)
#define CONSOLE_LIMIT_UNIT	60000	/* a token, in (token / minute) * ms */
#define CONSOLE_LIMIT_MAX	1000000	/* per_minute and burst, at most */

_Static_assert((CONSOLE_COOKIE_BYTES * 4 + 2) / 3 < CONSOLE_COOKIE_MAX,
    "the longest cookie must fit with its NUL");
_Static_assert((CONSOLE_SID_BYTES * 4 + 2) / 3 == CONSOLE_SID_LEN,
    "CONSOLE_SID_LEN is the encoding of the id");
_Static_assert((CONSOLE_MAC_BYTES * 4 + 2) / 3 == CONSOLE_CSRF_LEN &&
    8 + CONSOLE_LOGIN_MAC_BYTES == CONSOLE_MAC_BYTES,
    "both CSRF tokens are 32 bytes encoded");

struct console_slot {
	uint64_t	h;	/* 0: free */
	long long	units;	/* tokens * CONSOLE_LIMIT_UNIT */
	long long	last_ms;
};

struct console_limiter {
	struct console_slot	*slot;
	size_t			 n;
	long long		 per_minute;
	long long		 cap;
	unsigned char		 key[32];
};

/* HMAC-SHA256(key, label NUL a b): 0, or -1. */
static int
console_hmac(const unsigned char *key, size_t keylen, const char *label,
    const void *a, size_t alen, const void *b, size_t blen,
    unsigned char md[CONSOLE_MAC_BYTES])
{
	unsigned char	msg[CONSOLE_LABEL_MAX + CONSOLE_COOKIE_BYTES +
			    CONSOLE_HASH_MAX + CONSOLE_CLIENT_MAX];
	unsigned int	mdlen = 0;
	size_t		ln;
	int		r = 0;

	ln = strlen(label) + 1;
	if (key == NULL || keylen < CONSOLE_SECRET_MIN || keylen > INT_MAX ||
	    ln > CONSOLE_LABEL_MAX || alen + blen > sizeof msg - ln)
		return -1;
	memcpy(msg, label, ln);
	if (alen > 0)
		memcpy(msg + ln, a, alen);
	if (blen > 0)
		memcpy(msg + ln + alen, b, blen);
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, ln + alen + blen, md,
	    &mdlen) == NULL || mdlen != CONSOLE_MAC_BYTES)
		r = -1;
	OPENSSL_cleanse(msg, sizeof msg);
	return r;
}

/* The fingerprint of a user's hash, keyed: the cookie tells nothing of it. */
static int
console_fingerprint(const unsigned char *key, size_t keylen,
    const struct console_user *u, unsigned char fp[CONSOLE_FP_BYTES])
{
	unsigned char	md[CONSOLE_MAC_BYTES];

	if (console_hmac(key, keylen, CONSOLE_FP_LABEL, u->hash,
	    strlen(u->hash), NULL, 0, md) == -1)
		return -1;
	memcpy(fp, md, CONSOLE_FP_BYTES);
	return 0;
}

static void
console_put64(unsigned char *p, long long v)
{
	uint64_t	u = (uint64_t)v;
	int		i;

	for (i = 7; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)(u & 0xff);
}

static long long
console_get64(const unsigned char *p)
{
	uint64_t	u = 0;
	int		i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (long long)u;
}

/* n random bytes, from getrandom(): 0, or -1. */
static int
console_random(unsigned char *p, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = getrandom(p, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
console_session_make(const unsigned char *key, size_t keylen,
    const struct console_user *u, long long now_s, long long ttl_s,
    char *cookie, size_t cookielen)
{
	unsigned char	raw[CONSOLE_COOKIE_BYTES];
	size_t		nl, off = 0;

	if (cookielen > 0)
		cookie[0] = '\0';
	if (u == NULL || !console_name_ok(u->name) || u->hash == NULL ||
	    ttl_s <= 0 || now_s < 0 || now_s > LLONG_MAX - ttl_s)
		return -1;
	nl = strlen(u->name);
	raw[off++] = CONSOLE_VERSION;
	raw[off++] = (unsigned char)nl;
	memcpy(raw + off, u->name, nl);
	off += nl;
	console_put64(raw + off, now_s + ttl_s);
	off += 8;
	if (console_random(raw + off, CONSOLE_SID_BYTES) == -1)
		return -1;
	off += CONSOLE_SID_BYTES;
	if (console_fingerprint(key, keylen, u, raw + off) == -1)
		return -1;
	off += CONSOLE_FP_BYTES;
	if (console_hmac(key, keylen, CONSOLE_SESSION_LABEL, raw, off, NULL, 0,
	    raw + off) == -1)
		return -1;
	off += CONSOLE_MAC_BYTES;
	if (base64_len(off, CONSOLE_B64) >= cookielen)
		return -1;
	base64_encode(raw, off, cookie, CONSOLE_B64);
	return 0;
}

int
console_session_check(const unsigned char *key, size_t keylen,
    const char *cookie, const struct console_users *users, long long now_s,
    const struct console_user **user, char sid[CONSOLE_SID_LEN + 1])
{
	unsigned char			 raw[CONSOLE_COOKIE_BYTES];
	unsigned char			 md[CONSOLE_MAC_BYTES];
	unsigned char			 fp[CONSOLE_FP_BYTES];
	char				 name[CONSOLE_NAME_MAX + 1];
	const struct console_user	*u;
	size_t				 clen, n, nl, body;

	if (user != NULL)
		*user = NULL;
	if (sid != NULL)
		sid[0] = '\0';
	if (cookie == NULL ||
	    (clen = strnlen(cookie, CONSOLE_COOKIE_MAX)) >= CONSOLE_COOKIE_MAX)
		return -1;
	if (base64_decode(cookie, clen, raw, sizeof raw, &n,
	    CONSOLE_B64) == -1 || n < 2 || raw[0] != CONSOLE_VERSION)
		return -1;
	nl = raw[1];
	if (nl < 1 || nl > CONSOLE_NAME_MAX)
		return -1;
	body = 2 + nl + 8 + CONSOLE_SID_BYTES + CONSOLE_FP_BYTES;
	if (n != body + CONSOLE_MAC_BYTES)
		return -1;
	if (console_hmac(key, keylen, CONSOLE_SESSION_LABEL, raw, body, NULL,
	    0, md) == -1 ||
	    CRYPTO_memcmp(md, raw + body, CONSOLE_MAC_BYTES) != 0)
		return -1;
	if (console_get64(raw + 2 + nl) <= now_s)
		return -1;
	memcpy(name, raw + 2, nl);
	name[nl] = '\0';
	if ((u = console_users_find(users, name)) == NULL)
		return -1;
	if (console_fingerprint(key, keylen, u, fp) == -1 ||
	    CRYPTO_memcmp(fp, raw + body - CONSOLE_FP_BYTES,
	    CONSOLE_FP_BYTES) != 0)
		return -1;
	if (user != NULL)
		*user = u;
	if (sid != NULL)
		base64_encode(raw + 2 + nl + 8, CONSOLE_SID_BYTES, sid,
		    CONSOLE_B64);
	return 0;
}

void
console_csrf_token(const unsigned char *key, size_t keylen, const char *sid,
    char out[CONSOLE_CSRF_LEN + 1])
{
	unsigned char	md[CONSOLE_MAC_BYTES];

	out[0] = '\0';
	if (sid == NULL || console_hmac(key, keylen, CONSOLE_CSRF_LABEL, sid,
	    strnlen(sid, CONSOLE_SID_LEN + 1), NULL, 0, md) == -1)
		return;
	base64_encode(md, sizeof md, out, CONSOLE_B64);
}

/* Whether token is want, CONSOLE_CSRF_LEN characters, in constant time. */
static int
console_token_eq(const char *want, const char *token)
{
	if (want[0] == '\0' || token == NULL ||
	    strnlen(token, CONSOLE_CSRF_LEN + 1) != CONSOLE_CSRF_LEN)
		return 0;
	return CRYPTO_memcmp(want, token, CONSOLE_CSRF_LEN) == 0;
}

int
console_csrf_check(const unsigned char *key, size_t keylen, const char *sid,
    const char *token)
{
	char	want[CONSOLE_CSRF_LEN + 1];

	if (sid == NULL || strnlen(sid, CONSOLE_SID_LEN + 1) != CONSOLE_SID_LEN)
		return 0;
	console_csrf_token(key, keylen, sid, want);
	return console_token_eq(want, token);
}

/* The login token made at t for client into out ("" on failure). */
static void
console_login_make(const unsigned char *key, size_t keylen,
    const char *client, long long t, char out[CONSOLE_CSRF_LEN + 1])
{
	unsigned char	raw[CONSOLE_MAC_BYTES];
	unsigned char	md[CONSOLE_MAC_BYTES];
	size_t		cl;

	out[0] = '\0';
	if (client == NULL ||
	    (cl = strnlen(client, CONSOLE_CLIENT_MAX + 1)) > CONSOLE_CLIENT_MAX)
		return;
	console_put64(raw, t);
	if (console_hmac(key, keylen, CONSOLE_LOGIN_LABEL, raw, 8, client, cl,
	    md) == -1)
		return;
	memcpy(raw + 8, md, CONSOLE_LOGIN_MAC_BYTES);
	base64_encode(raw, sizeof raw, out, CONSOLE_B64);
}

void
console_csrf_login_token(const unsigned char *key, size_t keylen,
    const char *client, long long now_s, char out[CONSOLE_CSRF_LEN + 1])
{
	console_login_make(key, keylen, client, now_s, out);
}

int
console_csrf_login_check(const unsigned char *key, size_t keylen,
    const char *client, long long now_s, const char *token)
{
	unsigned char	raw[CONSOLE_MAC_BYTES];
	char		want[CONSOLE_CSRF_LEN + 1];
	long long	t;
	size_t		n;

	if (token == NULL ||
	    strnlen(token, CONSOLE_CSRF_LEN + 1) != CONSOLE_CSRF_LEN ||
	    base64_decode(token, CONSOLE_CSRF_LEN, raw, sizeof raw, &n,
	    CONSOLE_B64) == -1 || n != sizeof raw)
		return 0;
	t = console_get64(raw);
	/* a minute of grace: the clock may have been set back a little */
	if (t < 0 || t - 60 > now_s || now_s - t >= CONSOLE_LOGIN_TTL_S)
		return 0;
	console_login_make(key, keylen, client, t, want);
	return console_token_eq(want, token);
}

struct console_limiter *
console_limiter_new(size_t slots, long per_minute, long burst)
{
	struct console_limiter	*l;

	if (slots < 1 || slots > SIZE_MAX / sizeof *l->slot ||
	    per_minute < 1 || per_minute > CONSOLE_LIMIT_MAX ||
	    burst < 1 || burst > CONSOLE_LIMIT_MAX)
		return NULL;
	if ((l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	if ((l->slot = calloc(slots, sizeof *l->slot)) == NULL ||
	    console_random(l->key, sizeof l->key) == -1) {
		free(l->slot);
		free(l);
		return NULL;
	}
	l->n = slots;
	l->per_minute = per_minute;
	l->cap = (long long)burst * CONSOLE_LIMIT_UNIT;
	return l;
}

void
console_limiter_free(struct console_limiter *l)
{
	if (l == NULL)
		return;
	free(l->slot);
	OPENSSL_cleanse(l->key, sizeof l->key);
	free(l);
}

/* A slot's units at now_ms, refilled since it was last used. */
static long long
console_limiter_units(const struct console_limiter *l,
    const struct console_slot *s, long long now_ms)
{
	long long	elapsed;

	if (now_ms <= s->last_ms)
		return s->units;
	elapsed = now_ms - s->last_ms;
	/* compared before multiplying: a long idle time would overflow */
	if (elapsed >= (l->cap - s->units) / l->per_minute + 1)
		return l->cap;
	return s->units + elapsed * l->per_minute;
}

/* The key's hash, never 0 (0 marks a free slot). */
static uint64_t
console_limiter_hash(const struct console_limiter *l, const void *key,
    size_t keylen)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	uint64_t	h = 0;
	int		i;

	if (keylen <= INT_MAX && HMAC(EVP_sha256(), l->key, sizeof l->key,
	    key, keylen, md, &mdlen) != NULL && mdlen >= 8) {
		for (i = 0; i < 8; i++)
			h = (h << 8) | md[i];
	}
	return h == 0 ? 1 : h;
}

/* A token of key's bucket: taken (take 1) or only looked for (take 0). */
static int
console_limiter_use(struct console_limiter *l, const void *key,
    size_t keylen, long long now_ms, long *retry_after_s, int take)
{
	struct console_slot	*s = NULL, *full = NULL, *lru = NULL, *c;
	uint64_t		 h;
	long long		 need, ms;
	size_t			 i;

	if (retry_after_s != NULL)
		*retry_after_s = 0;
	h = console_limiter_hash(l, key, keylen);
	for (i = 0; i < l->n && s == NULL; i++) {
		c = &l->slot[i];
		if (c->h == h)
			s = c;
		else if (full == NULL && (c->h == 0 ||
		    console_limiter_units(l, c, now_ms) >= l->cap))
			full = c;
		else if (lru == NULL || c->last_ms < lru->last_ms)
			lru = c;
	}
	if (s == NULL) {
		/* a refilled bucket forgets nothing; else the stalest goes */
		s = full != NULL ? full : lru;
		s->h = h;
		s->units = l->cap;
		s->last_ms = now_ms;
	}
	s->units = console_limiter_units(l, s, now_ms);
	if (now_ms > s->last_ms)
		s->last_ms = now_ms;
	if (s->units >= CONSOLE_LIMIT_UNIT) {
		if (take)
			s->units -= CONSOLE_LIMIT_UNIT;
		return 1;
	}
	need = CONSOLE_LIMIT_UNIT - s->units;
	ms = (need + l->per_minute - 1) / l->per_minute;
	if (retry_after_s != NULL)
		*retry_after_s = (long)((ms + 999) / 1000);
	if (retry_after_s != NULL && *retry_after_s < 1)
		*retry_after_s = 1;
	return 0;
}

int
console_limiter_take(struct console_limiter *l, const void *key,
    size_t keylen, long long now_ms, long *retry_after_s)
{
	return console_limiter_use(l, key, keylen, now_ms, retry_after_s, 1);
}

int
console_limiter_peek(struct console_limiter *l, const void *key,
    size_t keylen, long long now_ms, long *retry_after_s)
{
	return console_limiter_use(l, key, keylen, now_ms, retry_after_s, 0);
}
