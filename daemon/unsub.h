/* Unsubscribe tokens: a suppression id and its HMAC-SHA256, for /u/ links. */
#ifndef RELAIS_UNSUB_H
#define RELAIS_UNSUB_H

#include <stddef.h>

#define UNSUB_ID_MAX		320	/* bytes of an id, NUL not counted */
#define UNSUB_SECRET_MIN	16	/* shorter could be guessed offline */
#define UNSUB_TOKEN_MAX		1024	/* longer input is refused unread */
/* base64url of UNSUB_ID_MAX bytes, ".", 22 characters of MAC, NUL */
#define UNSUB_TOKEN_SIZE	(((UNSUB_ID_MAX * 4) + 2) / 3 + 1 + 22 + 1)

/*
 * Whether id is one the suppression list can hold: "email:" with a local
 * part, "@" and a domain, or "sms:+" and 1 to 15 digits; valid UTF-8, no
 * control character, at most UNSUB_ID_MAX bytes. Returns 1 or 0.
 */
int	unsub_id_ok(const char *id);

/*
 * Writes the token of id ("email:ana@example.com") into out:
 * base64url(id) "." base64url(first 16 bytes of HMAC-SHA256(secret,
 * "relais-unsubscribe-v1\0" id)), unpadded; the address can be read from
 * it, but nobody without the secret can make one. Returns 0, or -1 when
 * the id is not valid, the secret is shorter than UNSUB_SECRET_MIN or out
 * is too small (UNSUB_TOKEN_SIZE always fits).
 */
int	unsub_token(const void *secret, size_t secretlen, const char *id,
	    char *out, size_t outlen);

/*
 * Checks token (from a URL, untrusted) against secret and writes the id it
 * carries into id. The MAC is compared in constant time. Returns 0, or -1
 * for anything else (too long, malformed, forged, invalid id, or idlen too
 * small), always with id set to "" then, so that callers cannot tell why.
 */
int	unsub_verify(const void *secret, size_t secretlen, const char *token,
	    char *id, size_t idlen);

#endif
