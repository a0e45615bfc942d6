/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for console_auth: users files, session cookies, CSRF tokens, the limiter. */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "console_auth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CA_NOW	1796000000LL
#define FUZZ_CA_KEY	((const unsigned char *)"fuzz-console-key-0123456789abcdef")
#define FUZZ_CA_KEYLEN	33
#define FUZZ_CA_B64	(BASE64_URL | BASE64_NOPAD | BASE64_EXACT)

static struct console_users	fuzz_ca_users;
static char			fuzz_ca_cookie[CONSOLE_COOKIE_MAX];

static void
fuzz_ca_init(void)
{
	char	hash[CONSOLE_HASH_MAX], err[256];

	if (fuzz_ca_users.n > 0)
		return;
	if (console_password_hash("fuzzing password", hash, sizeof hash, err,
	    sizeof err) == -1 ||
	    console_users_set(&fuzz_ca_users, "marie@abitibi",
	    CONSOLE_COORDINATOR, "abitibi", hash, err, sizeof err) == -1 ||
	    console_users_set(&fuzz_ca_users, "a", CONSOLE_VIEWER, NULL, hash,
	    err, sizeof err) == -1 ||
	    console_session_make(FUZZ_CA_KEY, FUZZ_CA_KEYLEN,
	    &fuzz_ca_users.v[0], FUZZ_CA_NOW, 3600, fuzz_ca_cookie,
	    sizeof fuzz_ca_cookie) == -1) {
		fprintf(stderr, "fuzz_console_auth: init: %s\n", err);
		abort();
	}
}

/* A file of these bytes, as a path console_users_load() can open. */
static int
fuzz_ca_memfile(const void *p, size_t n, char *path, size_t pathlen)
{
	int	fd;

	if ((fd = memfd_create("users", MFD_CLOEXEC)) == -1)
		abort();
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		abort();
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/*
 * A users file: loaded or refused, never half. What loads is well formed,
 * and written back in the file's syntax it loads as the same users.
 */
static void
fuzz_ca_users_file(const uint8_t *data, size_t size)
{
	struct console_users	 u = { 0 }, back = { 0 };
	const struct console_user *x, *y;
	char			 path[64], path2[64], err[512], *text = NULL;
	size_t			 i, j, len = 0;
	FILE			*f;
	int			 fd, fd2;

	fd = fuzz_ca_memfile(data, size, path, sizeof path);
	if (console_users_load(path, &u, err, sizeof err) == -1) {
		if (u.n != 0 || u.v != NULL || strncmp(err, path,
		    strlen(path)) != 0)
			abort();
		close(fd);
		return;
	}
	close(fd);
	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	for (i = 0; i < u.n; i++) {
		x = &u.v[i];
		if (!console_name_ok(x->name) ||
		    (x->scope != NULL && (!console_scope_ok(x->scope) ||
		    strcmp(x->scope, "region") == 0)) || x->hash == NULL)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(u.v[j].name, x->name) == 0)
				abort();
		fprintf(f, "%s:%s:%s:%s\n", x->name,
		    console_role_name(x->role),
		    x->scope != NULL ? x->scope : "region", x->hash);
	}
	fclose(f);
	fd2 = fuzz_ca_memfile(text, len, path2, sizeof path2);
	if (console_users_load(path2, &back, err, sizeof err) == -1 ||
	    back.n != u.n)
		abort();
	for (i = 0; i < u.n; i++) {
		x = &u.v[i];
		if ((y = console_users_find(&back, x->name)) == NULL ||
		    y->role != x->role || strcmp(y->hash, x->hash) != 0 ||
		    (x->scope == NULL) != (y->scope == NULL) ||
		    (x->scope != NULL && strcmp(x->scope, y->scope) != 0))
			abort();
	}
	close(fd2);
	free(text);
	console_users_free(&u);
	console_users_free(&back);
}

/* Input as a cookie, a CSRF token and a login token: none may pass. */
static void
fuzz_ca_tokens(const uint8_t *data, size_t size)
{
	const struct console_user	*who = NULL;
	char				 sid[CONSOLE_SID_LEN + 1];
	char				*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (console_session_check(FUZZ_CA_KEY, FUZZ_CA_KEYLEN, s,
	    &fuzz_ca_users, FUZZ_CA_NOW, &who, sid) == 0) {
		/* only the one cookie made in init verifies */
		if (strcmp(s, fuzz_ca_cookie) != 0 ||
		    who != &fuzz_ca_users.v[0] || strlen(sid) != CONSOLE_SID_LEN)
			abort();
	} else if (who != NULL || sid[0] != '\0')
		abort();
	if (console_csrf_check(FUZZ_CA_KEY, FUZZ_CA_KEYLEN,
	    "AAAAAAAAAAAAAAAAAAAAAA", s) ||
	    console_csrf_login_check(FUZZ_CA_KEY, FUZZ_CA_KEYLEN, "192.0.2.1",
	    FUZZ_CA_NOW, s))
		abort();
	free(s);
}

/*
 * Input bytes base64url-encoded, as a cookie and as a login token: past
 * the decoder, into the fields (version, lengths, times) before the MAC.
 */
static void
fuzz_ca_encoded(const uint8_t *data, size_t size)
{
	char	s[CONSOLE_COOKIE_MAX * 2];

	if (base64_len(size, FUZZ_CA_B64) >= sizeof s)
		return;
	base64_encode(data, size, s, FUZZ_CA_B64);
	fuzz_ca_tokens((const uint8_t *)s, strlen(s));
}

/* The genuine cookie with bytes changed as data says: refused unless same. */
static void
fuzz_ca_mutated(const uint8_t *data, size_t size)
{
	char	c[CONSOLE_COOKIE_MAX + 8];
	size_t	len, i, at;

	len = strlen(fuzz_ca_cookie);
	memcpy(c, fuzz_ca_cookie, len + 1);
	for (i = 0; i + 1 < size; i += 2) {
		at = data[i] % (len + 1);
		c[at] = (char)data[i + 1];
		if (at == len && c[at] != '\0' && len < CONSOLE_COOKIE_MAX + 6)
			c[++len] = '\0';
	}
	c[sizeof c - 1] = '\0';
	if (console_session_check(FUZZ_CA_KEY, FUZZ_CA_KEYLEN, c,
	    &fuzz_ca_users, FUZZ_CA_NOW, NULL, NULL) == 0 &&
	    strcmp(c, fuzz_ca_cookie) != 0)
		abort();
}

/* Takes from a small limiter, keys and times from data: never stuck. */
static void
fuzz_ca_limiter(const uint8_t *data, size_t size)
{
	struct console_limiter	*l;
	long long		 t = 1000;
	long			 retry;
	size_t			 i;

	if ((l = console_limiter_new(4, 1 + (size > 0 ? data[0] % 60 : 0),
	    1 + (size > 1 ? data[1] % 5 : 0))) == NULL)
		abort();
	for (i = 2; i + 1 < size; i += 2) {
		t += (long long)(data[i + 1] & 0x7f) * 37;
		if (data[i + 1] & 0x80)
			t -= 500;	/* a clock going back */
		if (console_limiter_take(l, &data[i], 1, t, &retry) == 0 &&
		    (retry < 1 || retry > 60))
			abort();
	}
	console_limiter_free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ca_init();
	if (size < 1)
		return 0;
	/* "0" to "4" as the seeds have them; other bytes fold onto those */
	switch ((data[0] & 7) % 5) {
	case 0:
		fuzz_ca_users_file(data + 1, size - 1);
		break;
	case 1:
		fuzz_ca_tokens(data + 1, size - 1);
		break;
	case 2:
		fuzz_ca_mutated(data + 1, size - 1);
		break;
	case 3:
		fuzz_ca_limiter(data + 1, size - 1);
		break;
	default:
		fuzz_ca_encoded(data + 1, size - 1);
		break;
	}
	return 0;
}
