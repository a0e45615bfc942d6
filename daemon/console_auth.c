/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The console's users file, password hashes, session cookies, CSRF tokens, login limiter. */
#include <sys/random.h>
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "buf.h"
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
#define CONSOLE_LINE_MAX	2048	/* bytes of a users file's line */
#define CONSOLE_LIMIT_UNIT	60000	/* a token, in (token / minute) * ms */
#define CONSOLE_LIMIT_MAX	1000000	/* per_minute and burst, at most */

/* When crypt_gensalt() fails: a setting at libxcrypt's default cost. */
#define CONSOLE_DUMMY_SETTING	"$y$j9T$GXDJ0Ev5iZJA5Y4dACbGK."

#define CONSOLE_FILE_HEADER \
	"# relais console users, one a line: name:role:scope:hash\n" \
	"# role: viewer or coordinator; scope: region or a territory id.\n" \
	"# Written by relaisctl console-user add|remove|passwd.\n"

_Static_assert(CONSOLE_HASH_MAX >= CRYPT_OUTPUT_SIZE,
    "a crypt(3) string must fit");
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

static void
console_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
console_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
console_role_name(enum console_role role)
{
	return role == CONSOLE_COORDINATOR ? "coordinator" : "viewer";
}

int
console_role_parse(const char *s, enum console_role *role)
{
	if (s != NULL && strcmp(s, "viewer") == 0)
		*role = CONSOLE_VIEWER;
	else if (s != NULL && strcmp(s, "coordinator") == 0)
		*role = CONSOLE_COORDINATOR;
	else
		return -1;
	return 0;
}

/* 1 to max bytes of [A-Za-z0-9._-], and of extra. */
static int
console_word_ok(const char *s, size_t max, const char *extra)
{
	size_t	i;
	char	c;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; (c = s[i]) != '\0'; i++) {
		if (i >= max)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

int
console_name_ok(const char *name)
{
	return console_word_ok(name, CONSOLE_NAME_MAX, "@");
}

int
console_scope_ok(const char *scope)
{
	return console_word_ok(scope, CONSOLE_SCOPE_MAX, "");
}

/*
 * Whether crypt(3) takes hash as a hash of a method it does not call
 * legacy: checked by its shape, not by hashing (a reload hashing once per
 * user would stall relaisd's loop). A yescrypt string is $y$params$salt$
 * and 43 characters.
 */
static int
console_hash_ok(const char *hash)
{
	const char	*p, *last;
	size_t		 n, dollars = 0;

	if (hash == NULL || hash[0] != '$' ||
	    (n = strnlen(hash, CONSOLE_HASH_MAX)) >= CONSOLE_HASH_MAX)
		return 0;
	for (p = hash; *p != '\0'; p++) {
		if (*p == '$')
			dollars++;
		else if (!((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '/' || *p == '=' || *p == ','))
			return 0;
	}
	if (crypt_checksalt(hash) != CRYPT_SALT_OK)
		return 0;
	last = strrchr(hash, '$');
	if (strncmp(hash, "$y$", 3) == 0)
		return dollars == 4 && strlen(last + 1) == 43 &&
		    last[-1] != '$' && hash[3] != '$';
	return last[1] != '\0';
}

/* Frees one user's strings, the hash wiped. */
static void
console_user_clear(struct console_user *u)
{
	free(u->name);
	free(u->scope);
	if (u->hash != NULL) {
		OPENSSL_cleanse(u->hash, strlen(u->hash));
		free(u->hash);
	}
	memset(u, 0, sizeof *u);
}

void
console_users_free(struct console_users *users)
{
	size_t	i;

	if (users == NULL)
		return;
	for (i = 0; i < users->n; i++)
		console_user_clear(&users->v[i]);
	free(users->v);
	users->v = NULL;
	users->n = 0;
}

const struct console_user *
console_users_find(const struct console_users *users, const char *name)
{
	size_t	i;

	if (users == NULL || name == NULL)
		return NULL;
	for (i = 0; i < users->n; i++) {
		if (strcmp(users->v[i].name, name) == 0)
			return &users->v[i];
	}
	return NULL;
}

/* Why name, scope or hash would be refused; NULL when they are good. */
static const char *
console_user_why(const char *name, const char *scope, const char *hash)
{
	if (!console_name_ok(name))
		return "bad user name (1 to 64 of A-Z a-z 0-9 . _ @ -)";
	if (scope != NULL && !console_scope_ok(scope))
		return "bad scope (region, or a territory id: "
		    "A-Z a-z 0-9 . _ -)";
	if (!console_hash_ok(hash))
		return "not a password hash crypt(3) takes "
		    "(set one with relaisctl console-user passwd)";
	return NULL;
}

int
console_users_set(struct console_users *users, const char *name,
    enum console_role role, const char *scope, const char *hash, char *err,
    size_t errlen)
{
	struct console_user	*u, *v;
	const char		*why;
	size_t			 i;

	if (scope != NULL && strcmp(scope, "region") == 0)
		scope = NULL;
	if ((why = console_user_why(name, scope, hash)) != NULL) {
		console_err(err, errlen, "%s", why);
		return -1;
	}
	for (i = 0; i < users->n; i++) {
		if (strcmp(users->v[i].name, name) == 0)
			break;
	}
	if (i == users->n) {
		if ((v = reallocarray(users->v, users->n + 1,
		    sizeof *v)) == NULL) {
			console_err(err, errlen, "out of memory");
			return -1;
		}
		users->v = v;
		memset(&v[users->n++], 0, sizeof *v);
	}
	u = &users->v[i];
	console_user_clear(u);
	u->role = role;
	if ((u->name = strdup(name)) == NULL ||
	    (u->hash = strdup(hash)) == NULL ||
	    (scope != NULL && (u->scope = strdup(scope)) == NULL)) {
		/* a half-made user would fail every check: drop it whole */
		console_user_clear(u);
		users->v[i] = users->v[--users->n];
		console_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
console_users_remove(struct console_users *users, const char *name)
{
	size_t	i;

	for (i = 0; i < users->n; i++) {
		if (strcmp(users->v[i].name, name) == 0)
			break;
	}
	if (i == users->n)
		return -1;
	console_user_clear(&users->v[i]);
	/* keep the file's order: relaisctl rewrites it */
	memmove(&users->v[i], &users->v[i + 1],
	    (users->n - i - 1) * sizeof users->v[0]);
	users->n--;
	return 0;
}

/* One line, its newline and trailing blanks cut: 0, or -1 with why. */
static int
console_users_line(struct console_users *users, char *line,
    const char **why, size_t *dupline)
{
	char			*f[4], *p;
	const struct console_user *dup;
	enum console_role	 role;
	size_t			 i;

	p = line;
	for (i = 0; i < 4; i++) {
		f[i] = p;
		if (i < 3) {
			if ((p = strchr(p, ':')) == NULL) {
				*why = "expected name:role:scope:hash";
				return -1;
			}
			*p++ = '\0';
		}
	}
	if (strchr(f[3], ':') != NULL) {
		*why = "expected name:role:scope:hash (too many ':')";
		return -1;
	}
	if (console_role_parse(f[1], &role) == -1) {
		*why = "unknown role (viewer or coordinator)";
		return -1;
	}
	if ((*why = console_user_why(f[0], f[2], f[3])) != NULL)
		return -1;
	if ((dup = console_users_find(users, f[0])) != NULL) {
		*dupline = (size_t)(dup - users->v);
		*why = "user named twice";
		return -1;
	}
	if (console_users_set(users, f[0], role, f[2], f[3], NULL, 0) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

int
console_users_load(const char *path, struct console_users *users,
    char *err, size_t errlen)
{
	FILE		*f = NULL;
	char		*line = NULL, *p;
	const char	*why = NULL;
	size_t		 cap = 0, lineno = 0, n, dupline = SIZE_MAX;
	size_t		*lines = NULL;
	ssize_t		 len;

	console_users_free(users);
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		console_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		n = (size_t)len;
		if (n > CONSOLE_LINE_MAX) {
			why = "line too long";
			goto fail;
		}
		if (memchr(line, '\0', n) != NULL) {
			why = "NUL byte";
			goto fail;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
		    line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		/* the line each user came from, for "named twice" */
		if ((lines = reallocarray(lines, users->n + 1,
		    sizeof *lines)) == NULL) {
			why = "out of memory";
			goto fail;
		}
		lines[users->n] = lineno;
		if (console_users_line(users, p, &why, &dupline) == -1)
			goto fail;
	}
	if (ferror(f)) {
		console_err(err, errlen, "%s: %s", path, strerror(errno));
		goto fail_quiet;
	}
	OPENSSL_cleanse(line, cap);
	free(line);
	free(lines);
	fclose(f);
	return 0;

fail:
	if (dupline != SIZE_MAX)
		console_err(err, errlen, "%s:%zu: user \"%s\" named twice "
		    "(also line %zu)", path, lineno, users->v[dupline].name,
		    lines[dupline]);
	else
		console_err(err, errlen, "%s:%zu: %s", path, lineno, why);
fail_quiet:
	if (line != NULL)
		OPENSSL_cleanse(line, cap);
	free(line);
	free(lines);
	fclose(f);
	console_users_free(users);
	return -1;
}

/* Gives fd the owner and group of the file at path, when there is one. */
static int
console_users_owner(int fd, const char *path)
{
	struct stat	old, cur;

	if (stat(path, &old) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &cur) == -1)
		return -1;
	if (old.st_uid == cur.st_uid && old.st_gid == cur.st_gid)
		return 0;
	return fchown(fd, old.st_uid, old.st_gid);
}

/* fsync of the directory path is in, so that the rename is on disk too. */
static void
console_users_syncdir(const char *path)
{
	char		*dir;
	const char	*slash;
	int		 fd;

	if ((slash = strrchr(path, '/')) == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
console_users_save(const char *path, const struct console_users *users,
    char *err, size_t errlen)
{
	struct buf			 b;
	const struct console_user	*u;
	char				*tmp = NULL;
	const char			*what = NULL;
	size_t				 i, off;
	ssize_t				 w;
	int				 fd = -1, saved;

	buf_init(&b);
	buf_puts(&b, CONSOLE_FILE_HEADER);
	for (i = 0; i < users->n; i++) {
		u = &users->v[i];
		buf_printf(&b, "%s:%s:%s:%s\n", u->name,
		    console_role_name(u->role),
		    u->scope != NULL ? u->scope : "region", u->hash);
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		tmp = NULL;
		what = "out of memory";
		errno = ENOMEM;
		goto fail;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		free(tmp);
		tmp = NULL;
		what = "cannot create a temporary file";
		goto fail;
	}
	if (fchmod(fd, 0640) == -1) {
		what = "chmod";
		goto fail;
	}
	if (console_users_owner(fd, path) == -1) {
		what = "cannot keep the owner and group of the file";
		goto fail;
	}
	for (off = 0; off < b.len; off += (size_t)w) {
		if ((w = write(fd, b.data + off, b.len - off)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			what = "write";
			goto fail;
		}
	}
	if (fsync(fd) == -1) {
		what = "fsync";
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		what = "close";
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		what = "rename";
		goto fail;
	}
	console_users_syncdir(path);
	OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	free(tmp);
	return 0;

fail:
	saved = errno;
	console_err(err, errlen, "%s: %s: %s", path, what, strerror(saved));
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return -1;
}

/* UTF-8 characters of s: the bytes that do not continue one. */
static size_t
console_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

int
console_password_hash(const char *password, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct crypt_data	*cd = NULL;
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*h;
	size_t			 n;

	if (outlen > 0)
		out[0] = '\0';
	if (password == NULL ||
	    strnlen(password, CONSOLE_PASSWORD_MAX + 1) > CONSOLE_PASSWORD_MAX) {
		console_err(err, errlen, "password longer than %d bytes",
		    CONSOLE_PASSWORD_MAX);
		return -1;
	}
	if (console_chars(password) < CONSOLE_PASSWORD_MIN) {
		console_err(err, errlen, "password shorter than %d characters",
		    CONSOLE_PASSWORD_MIN);
		return -1;
	}
	if (strpbrk(password, "\r\n") != NULL) {
		console_err(err, errlen, "password holds a line break");
		return -1;
	}
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting,
	    sizeof setting) == NULL) {
		console_err(err, errlen, "crypt_gensalt: %s", strerror(errno));
		return -1;
	}
	if ((cd = calloc(1, sizeof *cd)) == NULL) {
		console_err(err, errlen, "out of memory");
		return -1;
	}
	h = crypt_rn(password, setting, cd, sizeof *cd);
	if (h == NULL || !console_hash_ok(h) || (n = strlen(h)) >= outlen) {
		console_err(err, errlen, "crypt: %s", h == NULL ?
		    strerror(errno) : "unexpected result");
		OPENSSL_cleanse(cd, sizeof *cd);
		free(cd);
		return -1;
	}
	memcpy(out, h, n + 1);
	OPENSSL_cleanse(cd, sizeof *cd);
	free(cd);
	return 0;
}

/* crypt(password, setting) compared with want in constant time: 1 or 0. */
static int
console_crypt_eq(const char *setting, const char *password, const char *want)
{
	struct crypt_data	*cd;
	const char		*h;
	size_t			 n;
	int			 ok = 0;

	if (password == NULL ||
	    strnlen(password, CONSOLE_PASSWORD_MAX + 1) > CONSOLE_PASSWORD_MAX)
		return 0;
	if ((cd = calloc(1, sizeof *cd)) == NULL)
		return 0;
	h = crypt_rn(password, setting, cd, sizeof *cd);
	/* the hash's length is no secret: it is the method's */
	if (h != NULL && want != NULL && (n = strlen(want)) == strlen(h) &&
	    n > 0)
		ok = CRYPTO_memcmp(h, want, n) == 0;
	OPENSSL_cleanse(cd, sizeof *cd);
	free(cd);
	return ok;
}

int
console_password_check(const char *hash, const char *password)
{
	if (!console_hash_ok(hash))
		return 0;
	return console_crypt_eq(hash, password, hash);
}

int
console_password_dummy_check(const char *password)
{
	/* made once, at the library's default cost, like every new hash */
	static char	setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (setting[0] == '\0' && crypt_gensalt_rn("$y$", 0, NULL, 0,
	    setting, sizeof setting) == NULL)
		memcpy(setting, CONSOLE_DUMMY_SETTING,
		    sizeof CONSOLE_DUMMY_SETTING);
	(void)console_crypt_eq(setting, password, NULL);
	return 0;
}

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
	if (t > now_s + 60 || now_s - t >= CONSOLE_LOGIN_TTL_S || t < 0)
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

int
console_limiter_take(struct console_limiter *l, const void *key,
    size_t keylen, long long now_ms, long *retry_after_s)
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
