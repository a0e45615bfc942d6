/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The console's users file and password hashes (signed tokens: console_session.c). */
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "console_auth.h"

#define CONSOLE_LINE_MAX	2048	/* bytes of a users file's line */

/* When crypt_gensalt() fails: a setting at libxcrypt's default cost. */
#define CONSOLE_DUMMY_SETTING	"$y$j9T$GXDJ0Ev5iZJA5Y4dACbGK."

#define CONSOLE_FILE_HEADER \
	"# relais console users, one a line: name:role:scope:hash\n" \
	"# role: viewer or coordinator; scope: region or a territory id.\n" \
	"# Written by relaisctl console-user add|remove|passwd.\n"

_Static_assert(CONSOLE_HASH_MAX >= CRYPT_OUTPUT_SIZE,
    "a crypt(3) string must fit");
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
	size_t		*lines = NULL, *more;
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
		if ((more = reallocarray(lines, users->n + 1,
		    sizeof *lines)) == NULL) {
			why = "out of memory";
			goto fail;
		}
		lines = more;
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

/* The file's text: the header, then a line a user. */
static void
console_users_text(const struct console_users *users, struct buf *b)
{
	const struct console_user	*u;
	size_t				 i;

	buf_puts(b, CONSOLE_FILE_HEADER);
	for (i = 0; i < users->n; i++) {
		u = &users->v[i];
		buf_printf(b, "%s:%s:%s:%s\n", u->name,
		    console_role_name(u->role),
		    u->scope != NULL ? u->scope : "region", u->hash);
	}
}

int
console_users_save(const char *path, const struct console_users *users,
    char *err, size_t errlen)
{
	struct buf	 b;
	char		*tmp = NULL;
	const char	*what = NULL;
	size_t		 off;
	ssize_t		 w;
	int		 fd = -1, saved;

	buf_init(&b);
	console_users_text(users, &b);
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
