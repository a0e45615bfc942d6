/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's authentication: the users file, password hashes, signed
 * session cookies, CSRF tokens and the login rate limiter. Pure functions:
 * no event loop, no Redis, no global state but the random source and the
 * setting console_password_dummy_check() makes once (one thread); the
 * password functions are slow on purpose (yescrypt) and belong in the
 * handling of POST /login, nowhere else.
 *
 * Users file, one user a line: name:role:scope:hash. role is "viewer" or
 * "coordinator", scope "region" or a territory id, hash a crypt(3) string
 * (yescrypt, "$y$..."). Lines whose first non-blank character is '#', and
 * blank lines, are skipped. One bad line refuses the whole file.
 *
 * Session cookie: base64url (unpadded) of
 *	version (1 byte, 1) | name length (1) | name | expiry (8, big endian,
 *	seconds since 1970) | session id (16 random bytes) | fingerprint (8) |
 *	HMAC-SHA256 (32) of all that, under the console's secret
 * The fingerprint is a keyed MAC of the user's hash: changing the password,
 * or removing the user, ends the sessions made before. Role and scope are
 * not in the cookie: each check takes them from the users given, so a
 * change applies as soon as relaisd has read the file again. Every MAC carries a label of its own
 * (session, fingerprint, CSRF, login), so none verifies as another.
 *
 * console_auth.c holds the users file and the passwords; console_session.c
 * the cookies, CSRF tokens and the limiter.
 *
 * Ownership: struct console_users owns its array and every string of it;
 * console_users_free() releases them (and wipes the hashes). A user found
 * with console_users_find() or console_session_check() is borrowed from
 * the set and lives as long as it does (until the next reload).
 */
#ifndef RELAIS_CONSOLE_AUTH_H
#define RELAIS_CONSOLE_AUTH_H

#include <stddef.h>

#define CONSOLE_NAME_MAX	64	/* [A-Za-z0-9._@-], at least 1 */
#define CONSOLE_SCOPE_MAX	64	/* a territory id's bytes */
#define CONSOLE_HASH_MAX	384	/* room for a crypt(3) string and NUL */
#define CONSOLE_PASSWORD_MIN	12	/* characters (UTF-8 code points) */
#define CONSOLE_PASSWORD_MAX	1024	/* bytes; longer is refused unhashed */
#define CONSOLE_SECRET_MIN	32	/* bytes of the HMAC key, at least */
#define CONSOLE_SID_LEN		22	/* base64url of the 16 bytes of an id */
#define CONSOLE_CSRF_LEN	43	/* base64url of 32 bytes */
/* Room for a cookie value and its NUL: 1+1+64+8+16+8+32 bytes encoded. */
#define CONSOLE_COOKIE_MAX	176
/* How long a login form's token is good for, in seconds. */
#define CONSOLE_LOGIN_TTL_S	3600

enum console_role {
	CONSOLE_VIEWER,		/* reads every page of its scope */
	CONSOLE_COORDINATOR,	/* and may replay, drop, opt out (POST) */
};

struct console_user {
	char			*name;
	enum console_role	 role;
	char			*scope;	/* territory id, or NULL for the region */
	char			*hash;	/* crypt(3) string */
};

struct console_users {
	struct console_user	*v;
	size_t			 n;
};

struct console_limiter;

/* "viewer" or "coordinator". */
const char	*console_role_name(enum console_role);
/* Parses "viewer" or "coordinator": 0, or -1 for anything else. */
int		 console_role_parse(const char *, enum console_role *);
/* Whether name is 1 to CONSOLE_NAME_MAX bytes of [A-Za-z0-9._@-]: 1 or 0. */
int		 console_name_ok(const char *name);
/*
 * Whether scope may be written in the file: "region", or 1 to
 * CONSOLE_SCOPE_MAX bytes of [A-Za-z0-9._-] (a territory id's characters;
 * whether that territory exists is the caller's to check). 1 or 0.
 */
int		 console_scope_ok(const char *scope);

/*
 * Reads the users file into *users (emptied first; left empty on failure).
 * A missing file is zero users and returns 0: then nobody can log in,
 * which the caller should say. -1 with "path:line: reason" in err for a
 * bad line (unknown role, bad name or scope, a hash crypt(3) does not take,
 * a name seen twice, too long a line, a NUL byte), or "path: reason" when
 * the file cannot be read.
 */
int		 console_users_load(const char *path, struct console_users *,
		    char *err, size_t errlen);
/*
 * Writes users to path, with a header comment: to a temporary file in the
 * same directory, mode 0640 (and the owner and group of the file it
 * replaces, when it can), flushed to disk, then renamed over path, so that
 * a reader sees the old file or the new one, whole. 0, or -1 with err.
 */
int		 console_users_save(const char *path,
		    const struct console_users *, char *err, size_t errlen);
/* The user called name, or NULL. */
const struct console_user *
		 console_users_find(const struct console_users *,
		    const char *name);
/*
 * Adds a user, or replaces the one of that name; copies every string.
 * scope NULL or "region" is the region. 0, or -1 with err (a bad name,
 * scope or hash, out of memory).
 */
int		 console_users_set(struct console_users *, const char *name,
		    enum console_role, const char *scope, const char *hash,
		    char *err, size_t errlen);
/* Removes the user called name: 0, or -1 when there is none. */
int		 console_users_remove(struct console_users *, const char *name);
/* Releases every user and empties the set; NULL is a no-op. */
void		 console_users_free(struct console_users *);

/*
 * Hashes password with yescrypt and a fresh salt (libxcrypt's default
 * cost) into out (CONSOLE_HASH_MAX bytes is enough). Refuses a password
 * shorter than CONSOLE_PASSWORD_MIN characters, longer than
 * CONSOLE_PASSWORD_MAX bytes, or holding a newline. 0, or -1 with err.
 */
int		 console_password_hash(const char *password, char *out,
		    size_t outlen, char *err, size_t errlen);
/*
 * Whether password matches hash: 1, else 0 (also for a hash crypt(3) does
 * not take, and for a password longer than CONSOLE_PASSWORD_MAX bytes).
 * The hashes are compared in constant time.
 */
int		 console_password_check(const char *hash, const char *password);
/*
 * The work of console_password_check() for a user that does not exist,
 * so that the time of a login does not tell which names exist. Always 0.
 */
int		 console_password_dummy_check(const char *password);

/*
 * Makes a session cookie's value for user, valid until now_s + ttl_s, with
 * a new random session id, into cookie (CONSOLE_COOKIE_MAX bytes is
 * enough). key is the console's secret, at least CONSOLE_SECRET_MIN bytes.
 * 0, or -1 (short key, bad user, ttl_s <= 0, no randomness, small buffer).
 */
int		 console_session_make(const unsigned char *key, size_t keylen,
		    const struct console_user *, long long now_s,
		    long long ttl_s, char *cookie, size_t cookielen);
/*
 * Checks a session cookie's value against key and the users: 0 with *user
 * (borrowed from users) and the session id (base64url, NUL-terminated),
 * or -1 when it is not valid (malformed, MAC wrong, expired at now_s, user
 * unknown, password changed since). Says nothing about why: a caller only
 * sends the browser to /login. sid may be NULL.
 */
int		 console_session_check(const unsigned char *key, size_t keylen,
		    const char *cookie, const struct console_users *,
		    long long now_s, const struct console_user **user,
		    char sid[CONSOLE_SID_LEN + 1]);

/*
 * The CSRF token of the session sid: base64url of HMAC-SHA256 of a label
 * of its own and sid. out is "" when key is shorter than
 * CONSOLE_SECRET_MIN.
 */
void		 console_csrf_token(const unsigned char *key, size_t keylen,
		    const char *sid, char out[CONSOLE_CSRF_LEN + 1]);
/* Whether token is sid's CSRF token, compared in constant time: 1 or 0. */
int		 console_csrf_check(const unsigned char *key, size_t keylen,
		    const char *sid, const char *token);
/*
 * The login form's CSRF token (no session yet): the time it was made and a
 * MAC of that time and client (the client's address as the server sees
 * it), base64url. out is "" when key is shorter than CONSOLE_SECRET_MIN.
 */
void		 console_csrf_login_token(const unsigned char *key,
		    size_t keylen, const char *client, long long now_s,
		    char out[CONSOLE_CSRF_LEN + 1]);
/*
 * Whether token was made for client by console_csrf_login_token() less
 * than CONSOLE_LOGIN_TTL_S seconds before now_s (and not more than a
 * minute after it): 1 or 0.
 */
int		 console_csrf_login_check(const unsigned char *key,
		    size_t keylen, const char *client, long long now_s,
		    const char *token);

/*
 * A login rate limiter: a token bucket per key (client address, user
 * name), burst tokens full, refilled at per_minute tokens a minute. The
 * table has slots entries, fixed: a new key takes the place of an entry
 * whose bucket has refilled (nothing is lost), else of the entry least
 * recently used. Keys are hashed with a random key of the limiter's own,
 * so that nobody can pick keys that collide. NULL when out of memory or
 * for slots, per_minute or burst < 1.
 */
struct console_limiter *
		 console_limiter_new(size_t slots, long per_minute, long burst);
/*
 * Takes a token from key's bucket at now_ms (a monotonic clock): 1 when
 * allowed; 0 when refused, with *retry_after_s (may be NULL) the seconds
 * until a token is back, at least 1.
 */
int		 console_limiter_take(struct console_limiter *,
		    const void *key, size_t keylen, long long now_ms,
		    long *retry_after_s);
/* Whether key's bucket has a token, as take says, without taking it. */
int		 console_limiter_peek(struct console_limiter *,
		    const void *key, size_t keylen, long long now_ms,
		    long *retry_after_s);
/* NULL is a no-op. */
void		 console_limiter_free(struct console_limiter *);

#endif
