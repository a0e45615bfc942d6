/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unsubscribe tokens, for the /u/<token> links of messages.
 *
 * v2, made now: "v2." kid "." exp "." box. kid names the key of the ring
 * that sealed it, exp is the last day it is valid (days since 1970-01-01
 * UTC), box is base64url(nonce[12] | AES-256-GCM(id, NUL-padded to a
 * multiple of 32 bytes) | tag[16]), with "relais-unsubscribe-v2" NUL kid
 * NUL exp as associated data: the address cannot be read from the token,
 * and kid, exp and box cannot be changed without the key. The nonce is
 * synthetic (HMAC-SHA256 of the associated data and the padded id, under a
 * key of its own): one token per (key, id, day), and no random source.
 *
 * v1, made before: base64url(id) "." base64url(16 bytes of HMAC-SHA256).
 * The address can be read and there is no date. Still verified against
 * every key of the ring, so that links already sent keep working as long
 * as the secret that made them stays in the ring.
 *
 * Ownership: struct unsub_keys owns copies of its secrets and the keys
 * derived from them, wiped by unsub_keys_free().
 */
#ifndef RELAIS_UNSUB_H
#define RELAIS_UNSUB_H

#include <stddef.h>
#include <stdint.h>

#define UNSUB_ID_MAX		320	/* bytes of an id, NUL not counted */
#define UNSUB_SECRET_MIN	16	/* shorter could be guessed offline */
#define UNSUB_TOKEN_MAX		1024	/* longer input is refused unread */
#define UNSUB_KID_MAX		16	/* [A-Za-z0-9_-], in every v2 token */
#define UNSUB_KEYS_MAX		16	/* keys in a ring */
#define UNSUB_VALID_DAYS_MIN	60	/* CASL: an unsubscribe works 60 days */
#define UNSUB_VALID_DAYS_MAX	3650
/* The name of a ring's key when it was given as one bare secret. */
#define UNSUB_DEFAULT_KID	"default"
/* v1: base64url of UNSUB_ID_MAX bytes, ".", 22 characters of MAC, NUL */
#define UNSUB_V1_TOKEN_SIZE	(((UNSUB_ID_MAX * 4) + 2) / 3 + 1 + 22 + 1)
/* v2: "v2.", kid, ".", 7 digits, ".", base64url of 12 + 320 + 16, NUL */
#define UNSUB_V2_TOKEN_SIZE	(3 + UNSUB_KID_MAX + 1 + 7 + 1 + \
				 (12 + UNSUB_ID_MAX + 16) / 3 * 4 + 1)
/* Room for a token of either version. */
#define UNSUB_TOKEN_SIZE	(UNSUB_V2_TOKEN_SIZE > UNSUB_V1_TOKEN_SIZE ? \
				 UNSUB_V2_TOKEN_SIZE : UNSUB_V1_TOKEN_SIZE)

struct unsub_keys;

/* What a token is worth. */
enum unsub_check {
	UNSUB_VALID,
	UNSUB_EXPIRED,		/* genuine, but past its last day */
	UNSUB_INVALID		/* anything else: says nothing more */
};

/*
 * Whether id is one the suppression list can hold: "email:" with a local
 * part, "@" and a domain, or "sms:+" and 1 to 15 digits; valid UTF-8, no
 * control character, at most UNSUB_ID_MAX bytes. Returns 1 or 0.
 */
int	unsub_id_ok(const char *id);

/* An empty ring. */
struct unsub_keys	*unsub_keys_new(void);
void			 unsub_keys_free(struct unsub_keys *);
/*
 * Adds a key named kid (1 to UNSUB_KID_MAX of [A-Za-z0-9_-]) made from
 * secret (copied, at least UNSUB_SECRET_MIN bytes). The first key added
 * seals new tokens; every one opens them. Returns 0, or -1 with the reason
 * in err (bad name, short secret, a name already there, ring full).
 */
int			 unsub_keys_add(struct unsub_keys *, const char *kid,
			    const void *secret, size_t secretlen, char *err,
			    size_t errlen);
size_t			 unsub_keys_count(const struct unsub_keys *);
/* The name of the key that seals new tokens, or NULL for an empty ring. */
const char		*unsub_keys_signer(const struct unsub_keys *);
/*
 * The ring as bytes (secrets included), for an interface that carries one
 * secret (admin_set_unsubscribe()): a NUL byte first, which no secret from
 * the configuration starts with. *len gets the size. The caller wipes and
 * frees it with unsub_keys_pack_free().
 */
unsigned char		*unsub_keys_pack(const struct unsub_keys *,
			    size_t *len);
void			 unsub_keys_pack_free(unsigned char *, size_t len);
/*
 * The ring packed by unsub_keys_pack(), or, when data does not start with
 * a NUL byte, one bare secret as a ring of one key named
 * UNSUB_DEFAULT_KID. NULL when malformed, empty or a secret is too short.
 */
struct unsub_keys	*unsub_keys_unpack(const void *data, size_t len);

/*
 * Writes the v2 token of id into out, sealed by the ring's first key and
 * valid through day now_s / 86400 + valid_days (UTC). Returns 0, or -1 when
 * the ring is empty, the id not valid, valid_days outside
 * UNSUB_VALID_DAYS_MIN..UNSUB_VALID_DAYS_MAX, or out too small
 * (UNSUB_V2_TOKEN_SIZE always fits).
 */
int			 unsub_token_v2(const struct unsub_keys *,
			    const char *id, int64_t now_s, long valid_days,
			    char *out, size_t outlen);
/*
 * Checks token (from a URL, untrusted): a v2 token with the ring's key of
 * its kid and its date against now_s, or a v1 token against every key.
 * Writes the id into id only when UNSUB_VALID; id is "" otherwise, so that
 * callers cannot act on an expired or forged token.
 */
enum unsub_check	 unsub_check(const struct unsub_keys *,
			    const char *token, int64_t now_s, char *id,
			    size_t idlen);

/*
 * The v1 format, which links sent before v2 carry; new links are v2.
 * unsub_token() writes base64url(id) "." base64url(first 16 bytes of
 * HMAC-SHA256(secret, "relais-unsubscribe-v1\0" id)), unpadded. Returns 0,
 * or -1 when the id is not valid, the secret is shorter than
 * UNSUB_SECRET_MIN or out is too small (UNSUB_V1_TOKEN_SIZE always fits).
 */
int	unsub_token(const void *secret, size_t secretlen, const char *id,
	    char *out, size_t outlen);
/*
 * Checks a v1 token against secret and writes the id it carries into id.
 * The MAC is compared in constant time. Returns 0, or -1 for anything else
 * (too long, malformed, forged, invalid id, or idlen too small), always
 * with id set to "" then, so that callers cannot tell why.
 */
int	unsub_verify(const void *secret, size_t secretlen, const char *token,
	    char *id, size_t idlen);

#endif
