/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for console_auth: the users file (round trip, comments, every
 * refusal), yescrypt hashes (right, wrong, truncated), session cookies
 * (documented layout, expiry, each byte tampered with, other key, password
 * changed, user removed), CSRF tokens (session and login) and the login
 * rate limiter (burst, refill, retry_after, eviction).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "console_auth.h"

#define KEY	((const unsigned char *)"0123456789abcdef0123456789abcdef")
#define KEYLEN	32
#define KEY2	((const unsigned char *)"another key, 32 bytes or more...")
#define NOW	1796000000LL
#define TTL	28800LL
#define PW	"correct horse battery"
#define B64	(BASE64_URL | BASE64_NOPAD | BASE64_EXACT)

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Hashes made once: yescrypt is slow on purpose. */
static char	hash1[CONSOLE_HASH_MAX], hash2[CONSOLE_HASH_MAX];
static char	dir[] = "/tmp/test_console_auth.XXXXXX";

/*
 * Linked in place of OpenSSL's (the test binary's definition wins over the
 * shared library's): counts the calls, so that a test can see a secret
 * compared with it and not with memcmp or strcmp. Constant time too.
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

static int
setup(void **state)
{
	char	err[256];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	if (console_password_hash(PW, hash1, sizeof hash1, err,
	    sizeof err) != 0 ||
	    console_password_hash("another password!", hash2, sizeof hash2,
	    err, sizeof err) != 0) {
		fprintf(stderr, "console_password_hash: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const char *text, size_t n)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void
test_names(void **state)
{
	enum console_role	role;
	char			long_name[CONSOLE_NAME_MAX + 2];

	(void)state;
	assert_true(console_name_ok("a"));
	assert_true(console_name_ok("marie.tremblay@mrc-abitibi_2"));
	assert_false(console_name_ok(""));
	assert_false(console_name_ok(NULL));
	assert_false(console_name_ok("a b"));
	assert_false(console_name_ok("a:b"));
	assert_false(console_name_ok("é"));
	memset(long_name, 'x', sizeof long_name);
	long_name[CONSOLE_NAME_MAX] = '\0';
	assert_true(console_name_ok(long_name));
	long_name[CONSOLE_NAME_MAX] = 'x';
	long_name[CONSOLE_NAME_MAX + 1] = '\0';
	assert_false(console_name_ok(long_name));
	assert_true(console_scope_ok("region"));
	assert_true(console_scope_ok("abitibi-ouest"));
	assert_false(console_scope_ok("a@b"));
	assert_false(console_scope_ok(""));
	assert_int_equal(console_role_parse("viewer", &role), 0);
	assert_int_equal(role, CONSOLE_VIEWER);
	assert_int_equal(console_role_parse("coordinator", &role), 0);
	assert_int_equal(role, CONSOLE_COORDINATOR);
	assert_int_equal(console_role_parse("admin", &role), -1);
	assert_int_equal(console_role_parse("Viewer", &role), -1);
	assert_string_equal(console_role_name(CONSOLE_VIEWER), "viewer");
	assert_string_equal(console_role_name(CONSOLE_COORDINATOR),
	    "coordinator");
}

static void
test_users_round_trip(void **state)
{
	struct console_users		 u = { 0 }, back = { 0 };
	const struct console_user	*x;
	struct stat			 st;
	char				 path[256], err[256], line[64];
	FILE				*f;

	(void)state;
	snprintf(path, sizeof path, "%s/users", dir);
	assert_int_equal(console_users_set(&u, "marie", CONSOLE_COORDINATOR,
	    "region", hash1, err, sizeof err), 0);
	assert_int_equal(console_users_set(&u, "paul@abitibi",
	    CONSOLE_VIEWER, "abitibi", hash2, err, sizeof err), 0);
	assert_int_equal(console_users_set(&u, "zoe", CONSOLE_VIEWER, NULL,
	    hash2, err, sizeof err), 0);
	/* the same name again replaces */
	assert_int_equal(console_users_set(&u, "zoe", CONSOLE_COORDINATOR,
	    "temiscamingue", hash1, err, sizeof err), 0);
	assert_int_equal(u.n, 3);
	assert_int_equal(console_users_save(path, &u, err, sizeof err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_int_equal(line[0], '#');

	assert_int_equal(console_users_load(path, &back, err, sizeof err), 0);
	assert_int_equal(back.n, 3);
	assert_non_null(x = console_users_find(&back, "marie"));
	assert_int_equal(x->role, CONSOLE_COORDINATOR);
	assert_null(x->scope);
	assert_string_equal(x->hash, hash1);
	assert_non_null(x = console_users_find(&back, "paul@abitibi"));
	assert_int_equal(x->role, CONSOLE_VIEWER);
	assert_string_equal(x->scope, "abitibi");
	assert_string_equal(x->hash, hash2);
	assert_non_null(x = console_users_find(&back, "zoe"));
	assert_int_equal(x->role, CONSOLE_COORDINATOR);
	assert_string_equal(x->scope, "temiscamingue");
	assert_null(console_users_find(&back, "nobody"));
	assert_string_equal(back.v[0].name, "marie");
	assert_string_equal(back.v[2].name, "zoe");

	/* removal keeps the order; an unknown name is refused */
	assert_int_equal(console_users_remove(&back, "paul@abitibi"), 0);
	assert_int_equal(console_users_remove(&back, "paul@abitibi"), -1);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.v[1].name, "zoe");
	/* saving over keeps the mode, and no temporary file is left */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(console_users_save(path, &back, err, sizeof err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(console_users_load(path, &u, err, sizeof err), 0);
	assert_int_equal(u.n, 2);
	console_users_free(&u);
	console_users_free(&back);
	console_users_free(&back);
	console_users_free(NULL);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
}

/* Comments, blank lines, CRLF and trailing blanks are taken. */
static void
test_users_comments(void **state)
{
	struct console_users	 u = { 0 };
	char			 path[256], err[256], text[2048];

	(void)state;
	snprintf(path, sizeof path, "%s/commented", dir);
	snprintf(text, sizeof text,
	    "# header\n\n   \t\n  # indented comment\r\n"
	    "a:viewer:region:%s \t\r\n"
	    "\tb:coordinator:abitibi:%s", hash1, hash2);
	write_file(path, text, strlen(text));
	assert_int_equal(console_users_load(path, &u, err, sizeof err), 0);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0].hash, hash1);
	assert_string_equal(u.v[1].name, "b");
	assert_string_equal(u.v[1].hash, hash2);
	console_users_free(&u);

	/* missing: no user, no error */
	snprintf(path, sizeof path, "%s/missing", dir);
	assert_int_equal(console_users_load(path, &u, err, sizeof err), 0);
	assert_int_equal(u.n, 0);
	/* a directory cannot be read */
	assert_int_equal(console_users_load(dir, &u, err, sizeof err), -1);
	assert_non_null(strstr(err, dir));
}

/* tmpl with its "%s", if any, replaced by hash1. */
static void
subst(const char *tmpl, char *out, size_t n)
{
	const char	*p;

	if ((p = strstr(tmpl, "%s")) == NULL)
		snprintf(out, n, "%s", tmpl);
	else
		snprintf(out, n, "%.*s%s%s", (int)(p - tmpl), tmpl, hash1,
		    p + 2);
}

struct bad {
	const char	*line;	/* %s: hash1 */
	const char	*why;
};

static void
test_users_refused(void **state)
{
	static const struct bad	bad[] = {
		{ "a:viewer:region", "expected name:role:scope:hash" },
		{ "a:viewer:region:%s:x", "too many ':'" },
		{ "a", "expected name:role:scope:hash" },
		{ "a:admin:region:%s", "unknown role" },
		{ "a:Viewer:region:%s", "unknown role" },
		{ ":viewer:region:%s", "bad user name" },
		{ "a b:viewer:region:%s", "bad user name" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaa:viewer:region:%s", "bad user name" },
		{ "a:viewer::%s", "bad scope" },
		{ "a:viewer:abi tibi:%s", "bad scope" },
		{ "a:viewer:region:", "not a password hash" },
		{ "a:viewer:region:secret", "not a password hash" },
		{ "a:viewer:region:$y$junk", "not a password hash" },
		{ "a:viewer:region:$1$abcdefgh$abcdefghijklmnopqrstuv",
		  "not a password hash" },
		{ "a:viewer:region:abJnggxhB/yWI", "not a password hash" },
		{ "a:viewer:region:%s x", "not a password hash" },
	};
	struct console_users	 u = { 0 };
	char			 path[256], err[256], text[4096], want[512];
	char			 good[512], line[512];
	size_t			 i, n;

	(void)state;
	snprintf(path, sizeof path, "%s/bad", dir);
	snprintf(good, sizeof good, "ok:viewer:region:%s\n", hash1);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		subst(bad[i].line, line, sizeof line);
		/* the bad line third: after a good one and a comment */
		n = (size_t)snprintf(text, sizeof text, "%s# c\n%s\n", good,
		    line);
		write_file(path, text, n);
		/* the set is emptied even when it held users */
		assert_int_equal(console_users_set(&u, "x", CONSOLE_VIEWER,
		    NULL, hash1, NULL, 0), 0);
		if (console_users_load(path, &u, err, sizeof err) != -1)
			fail_msg("line \"%s\" taken", line);
		snprintf(want, sizeof want, "%s:3: ", path);
		if (strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, bad[i].why) == NULL)
			fail_msg("line \"%s\": expected \"%s%s\", got \"%s\"",
			    line, want, bad[i].why, err);
		assert_int_equal(u.n, 0);
		assert_null(u.v);
	}

	/* a name twice */
	n = (size_t)snprintf(text, sizeof text, "%s\n%sok:coordinator:a:%s\n",
	    good, "", hash2);
	write_file(path, text, n);
	assert_int_equal(console_users_load(path, &u, err, sizeof err), -1);
	snprintf(want, sizeof want,
	    "%s:3: user \"ok\" named twice (also line 1)", path);
	assert_string_equal(err, want);

	/* a NUL byte, too long a line */
	n = (size_t)snprintf(text, sizeof text, "%s", good);
	memcpy(text + n, "a\0b\n", 4);
	write_file(path, text, n + 4);
	assert_int_equal(console_users_load(path, &u, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: NUL byte", path);
	assert_string_equal(err, want);
	memset(text, '#', 3000);
	text[3000] = '\n';
	write_file(path, text, 3001);
	assert_int_equal(console_users_load(path, &u, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1: line too long", path);
	assert_string_equal(err, want);

	/* console_users_set refuses what the file would */
	assert_int_equal(console_users_set(&u, "a b", CONSOLE_VIEWER, NULL,
	    hash1, err, sizeof err), -1);
	assert_non_null(strstr(err, "bad user name"));
	assert_int_equal(console_users_set(&u, "a", CONSOLE_VIEWER, "x:y",
	    hash1, err, sizeof err), -1);
	assert_non_null(strstr(err, "bad scope"));
	assert_int_equal(console_users_set(&u, "a", CONSOLE_VIEWER, NULL,
	    "plain", err, sizeof err), -1);
	assert_non_null(strstr(err, "not a password hash"));
	assert_int_equal(u.n, 0);

	/* a directory that does not exist: nothing written */
	snprintf(path, sizeof path, "%s/nodir/users", dir);
	assert_int_equal(console_users_save(path, &u, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
}

static void
test_password(void **state)
{
	char	h[CONSOLE_HASH_MAX], cut[CONSOLE_HASH_MAX], err[256];
	char	long_pw[CONSOLE_PASSWORD_MAX + 2];
	size_t	n, i;
	int	before;

	(void)state;
	assert_int_equal(strncmp(hash1, "$y$", 3), 0);
	assert_string_not_equal(hash1, hash2);
	before = ncmp;
	assert_int_equal(console_password_check(hash1, PW), 1);
	assert_true(ncmp > before);
	assert_int_equal(console_password_check(hash1, "correct horse battery "),
	    0);
	assert_int_equal(console_password_check(hash1, "another password!"),
	    0);
	assert_int_equal(console_password_check(hash1, ""), 0);
	assert_int_equal(console_password_check(hash1, NULL), 0);
	assert_int_equal(console_password_check(NULL, PW), 0);
	assert_int_equal(console_password_check("", PW), 0);
	/* truncated, or its last character changed */
	n = strlen(hash1);
	for (i = 1; i < n; i += i < 8 ? 1 : 16) {
		memcpy(cut, hash1, i);
		cut[i] = '\0';
		if (console_password_check(cut, PW) != 0)
			fail_msg("hash cut to %zu bytes \"%s\" matched", i, cut);
	}
	memcpy(cut, hash1, n + 1);
	cut[n - 1] = cut[n - 1] == 'a' ? 'b' : 'a';
	assert_int_equal(console_password_check(cut, PW), 0);
	assert_int_equal(console_password_dummy_check(PW), 0);
	assert_int_equal(console_password_dummy_check(NULL), 0);

	/* 12 characters at least, counted as characters */
	assert_int_equal(console_password_hash("elevenchars", h, sizeof h, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "shorter than 12"));
	assert_string_equal(h, "");
	assert_int_equal(console_password_hash("ééééééééééé", h, sizeof h,
	    err, sizeof err), -1);
	assert_int_equal(console_password_hash("éééééééééééé", h, sizeof h,
	    err, sizeof err), 0);
	assert_int_equal(console_password_check(h, "éééééééééééé"), 1);
	memset(long_pw, 'p', sizeof long_pw);
	long_pw[CONSOLE_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(console_password_hash(long_pw, h, sizeof h, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "longer than 1024"));
	assert_int_equal(console_password_check(hash1, long_pw), 0);
	assert_int_equal(console_password_hash("twelve chars\nmore", h,
	    sizeof h, err, sizeof err), -1);
	assert_non_null(strstr(err, "line break"));
	assert_int_equal(console_password_hash(PW, h, 20, err, sizeof err),
	    -1);
}

/* One user, hash1, in a set of three. */
static void
users3(struct console_users *u)
{
	assert_int_equal(console_users_set(u, "a", CONSOLE_VIEWER, NULL, hash2,
	    NULL, 0), 0);
	assert_int_equal(console_users_set(u, "marie@abitibi",
	    CONSOLE_COORDINATOR, "abitibi", hash1, NULL, 0), 0);
	assert_int_equal(console_users_set(u, "z", CONSOLE_VIEWER, NULL, hash2,
	    NULL, 0), 0);
}

static void
test_session(void **state)
{
	struct console_users		 u = { 0 };
	const struct console_user	*who, *marie;
	char				 c[CONSOLE_COOKIE_MAX];
	char				 c2[CONSOLE_COOKIE_MAX];
	char				 sid[CONSOLE_SID_LEN + 1];
	char				 sid2[CONSOLE_SID_LEN + 1];
	int				 before;

	(void)state;
	users3(&u);
	marie = console_users_find(&u, "marie@abitibi");
	assert_int_equal(console_session_make(KEY, KEYLEN, marie, NOW, TTL, c,
	    sizeof c), 0);
	assert_true(strspn(c, b64url) == strlen(c));
	before = ncmp;
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), 0);
	assert_true(ncmp >= before + 2);	/* MAC and fingerprint */
	assert_ptr_equal(who, marie);
	assert_int_equal(strlen(sid), CONSOLE_SID_LEN);
	assert_true(strspn(sid, b64url) == CONSOLE_SID_LEN);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, NULL,
	    NULL), 0);
	/* a new session, a new id */
	assert_int_equal(console_session_make(KEY, KEYLEN, marie, NOW, TTL, c2,
	    sizeof c2), 0);
	assert_string_not_equal(c, c2);
	assert_int_equal(console_session_check(KEY, KEYLEN, c2, &u, NOW, &who,
	    sid2), 0);
	assert_string_not_equal(sid, sid2);
	/* expiry: valid to its last second */
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u,
	    NOW + TTL - 1, &who, sid), 0);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW + TTL,
	    &who, sid), -1);
	assert_null(who);
	assert_string_equal(sid, "");
	/* another key */
	assert_int_equal(console_session_check(KEY2, KEYLEN, c, &u, NOW, &who,
	    sid), -1);
	assert_int_equal(console_session_check(KEY, KEYLEN - 1, c, &u, NOW,
	    &who, sid), -1);
	assert_int_equal(console_session_make(KEY, KEYLEN - 1, marie, NOW, TTL,
	    c2, sizeof c2), -1);
	/* a role or scope change keeps the session; a new password ends it */
	assert_int_equal(console_users_set(&u, "marie@abitibi",
	    CONSOLE_VIEWER, "region", hash1, NULL, 0), 0);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), 0);
	assert_int_equal(who->role, CONSOLE_VIEWER);
	assert_int_equal(console_users_set(&u, "marie@abitibi",
	    CONSOLE_VIEWER, "region", hash2, NULL, 0), 0);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), -1);
	/* removed, then back with the old hash: the session is back too */
	assert_int_equal(console_users_set(&u, "marie@abitibi",
	    CONSOLE_VIEWER, "region", hash1, NULL, 0), 0);
	assert_int_equal(console_users_remove(&u, "marie@abitibi"), 0);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), -1);
	console_users_free(&u);
	users3(&u);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), 0);
	/* what make refuses */
	marie = console_users_find(&u, "marie@abitibi");
	assert_int_equal(console_session_make(KEY, KEYLEN, marie, NOW, 0, c2,
	    sizeof c2), -1);
	assert_int_equal(console_session_make(KEY, KEYLEN, NULL, NOW, TTL, c2,
	    sizeof c2), -1);
	assert_int_equal(console_session_make(KEY, KEYLEN,
	    console_users_find(&u, "a"), NOW, TTL, c2, 30), -1);
	assert_string_equal(c2, "");
	console_users_free(&u);
}

/* The layout the header documents, with a MAC made here. */
static void
test_session_layout(void **state)
{
	struct console_users		 u = { 0 };
	const struct console_user	*who;
	unsigned char			 raw[256], md[EVP_MAX_MD_SIZE];
	unsigned char			 msg[512];
	unsigned int			 mdlen = 0;
	char				 c[CONSOLE_COOKIE_MAX], sid[32];
	char				 want[32];
	size_t				 n, body, i;
	long long			 exp = 0;

	(void)state;
	users3(&u);
	assert_int_equal(console_session_make(KEY, KEYLEN,
	    console_users_find(&u, "marie@abitibi"), NOW, TTL, c, sizeof c), 0);
	assert_int_equal(base64_decode(c, strlen(c), raw, sizeof raw, &n, B64),
	    0);
	assert_int_equal(raw[0], 1);
	assert_int_equal(raw[1], 13);
	assert_memory_equal(raw + 2, "marie@abitibi", 13);
	for (i = 0; i < 8; i++)
		exp = exp << 8 | raw[15 + i];
	assert_int_equal(exp, NOW + TTL);
	body = 2 + 13 + 8 + 16 + 8;
	assert_int_equal(n, body + 32);
	memcpy(msg, "relais-console-session-v1", 26);
	memcpy(msg + 26, raw, body);
	assert_non_null(HMAC(EVP_sha256(), KEY, KEYLEN, msg, 26 + body, md,
	    &mdlen));
	assert_memory_equal(md, raw + body, 32);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), 0);
	base64_encode(raw + 23, 16, want, B64);
	assert_string_equal(sid, want);

	/* re-signed by a holder of the key, but wrong inside: refused */
	raw[0] = 2;
	memcpy(msg + 26, raw, body);
	assert_non_null(HMAC(EVP_sha256(), KEY, KEYLEN, msg, 26 + body,
	    raw + body, &mdlen));
	base64_encode(raw, n, c, B64);
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), -1);
	console_users_free(&u);
}

/* Each character of the cookie changed, each bit of its bytes flipped. */
static void
test_session_tampered(void **state)
{
	struct console_users		 u = { 0 };
	const struct console_user	*who;
	unsigned char			 raw[256];
	char				 c[CONSOLE_COOKIE_MAX], t[CONSOLE_COOKIE_MAX];
	char				 sid[CONSOLE_SID_LEN + 1];
	char				 huge[CONSOLE_COOKIE_MAX * 2];
	size_t				 i, len, n;
	int				 b;

	(void)state;
	users3(&u);
	assert_int_equal(console_session_make(KEY, KEYLEN,
	    console_users_find(&u, "a"), NOW, TTL, c, sizeof c), 0);
	len = strlen(c);
	for (i = 0; i < len; i++) {
		memcpy(t, c, len + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		if (console_session_check(KEY, KEYLEN, t, &u, NOW, &who,
		    sid) != -1)
			fail_msg("character %zu changed: %s accepted", i, t);
		assert_null(who);
	}
	assert_int_equal(base64_decode(c, len, raw, sizeof raw, &n, B64), 0);
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			raw[i] ^= (unsigned char)(1 << b);
			base64_encode(raw, n, t, B64);
			if (console_session_check(KEY, KEYLEN, t, &u, NOW, &who,
			    sid) != -1)
				fail_msg("byte %zu bit %d flipped: accepted",
				    i, b);
			raw[i] ^= (unsigned char)(1 << b);
		}
	}
	/* cut, lengthened, empty, padded, not base64 */
	for (i = 0; i < len; i++) {
		memcpy(t, c, i);
		t[i] = '\0';
		assert_int_equal(console_session_check(KEY, KEYLEN, t, &u, NOW,
		    &who, sid), -1);
	}
	memcpy(t, c, len);
	memcpy(t + len, "A", 2);
	assert_int_equal(console_session_check(KEY, KEYLEN, t, &u, NOW, &who,
	    sid), -1);
	memcpy(t + len, "=", 2);
	assert_int_equal(console_session_check(KEY, KEYLEN, t, &u, NOW, &who,
	    sid), -1);
	assert_int_equal(console_session_check(KEY, KEYLEN, NULL, &u, NOW,
	    &who, sid), -1);
	memset(huge, 'A', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(console_session_check(KEY, KEYLEN, huge, &u, NOW,
	    &who, sid), -1);
	memcpy(t, c, len + 1);
	t[3] = '.';
	assert_int_equal(console_session_check(KEY, KEYLEN, t, &u, NOW, &who,
	    sid), -1);
	/* the untouched cookie still passes */
	assert_int_equal(console_session_check(KEY, KEYLEN, c, &u, NOW, &who,
	    sid), 0);
	console_users_free(&u);
}

static void
test_csrf(void **state)
{
	char	t[CONSOLE_CSRF_LEN + 1], t2[CONSOLE_CSRF_LEN + 1];
	char	bad[CONSOLE_CSRF_LEN + 2];
	char	sid[] = "AAAAAAAAAAAAAAAAAAAAAA", sid2[] = "AAAAAAAAAAAAAAAAAAAAAQ";
	int	before;

	(void)state;
	console_csrf_token(KEY, KEYLEN, sid, t);
	assert_int_equal(strlen(t), CONSOLE_CSRF_LEN);
	assert_true(strspn(t, b64url) == CONSOLE_CSRF_LEN);
	console_csrf_token(KEY, KEYLEN, sid, t2);
	assert_string_equal(t, t2);
	before = ncmp;
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, t), 1);
	assert_int_equal(ncmp, before + 1);
	/* another session's, another key's */
	console_csrf_token(KEY, KEYLEN, sid2, t2);
	assert_string_not_equal(t, t2);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid2, t), 0);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, t2), 0);
	assert_int_equal(console_csrf_check(KEY2, KEYLEN, sid, t), 0);
	/* changed, cut, lengthened, missing */
	memcpy(bad, t, sizeof t);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, bad), 0);
	bad[5] = t[5];
	bad[CONSOLE_CSRF_LEN - 1] = '\0';
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, bad), 0);
	memcpy(bad, t, CONSOLE_CSRF_LEN);
	bad[CONSOLE_CSRF_LEN] = 'A';
	bad[CONSOLE_CSRF_LEN + 1] = '\0';
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, bad), 0);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, NULL), 0);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, ""), 0);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, NULL, t), 0);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, "", t), 0);
	/* a short key makes no token and checks none */
	console_csrf_token(KEY, KEYLEN - 1, sid, t2);
	assert_string_equal(t2, "");
	assert_int_equal(console_csrf_check(KEY, KEYLEN - 1, sid, t2), 0);
	/* a login token is no session token */
	console_csrf_login_token(KEY, KEYLEN, sid, NOW, t2);
	assert_int_equal(console_csrf_check(KEY, KEYLEN, sid, t2), 0);
}

static void
test_csrf_login(void **state)
{
	unsigned char	raw[32];
	char		t[CONSOLE_CSRF_LEN + 1], bad[CONSOLE_CSRF_LEN + 1];
	char		sid[CONSOLE_CSRF_LEN + 1];
	size_t		i;

	(void)state;
	console_csrf_login_token(KEY, KEYLEN, "192.0.2.7", NOW, t);
	assert_int_equal(strlen(t), CONSOLE_CSRF_LEN);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW, t), 1);
	/* an hour, and a minute of a clock set back */
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW + CONSOLE_LOGIN_TTL_S - 1, t), 1);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW + CONSOLE_LOGIN_TTL_S, t), 0);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW - 60, t), 1);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW - 61, t), 0);
	/* bound to the client, and the key */
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.70",
	    NOW, t), 0);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.",
	    NOW, t), 0);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, NULL, NOW, t),
	    0);
	assert_int_equal(console_csrf_login_check(KEY2, KEYLEN, "192.0.2.7",
	    NOW, t), 0);
	/* any character changed */
	for (i = 0; i < CONSOLE_CSRF_LEN; i++) {
		memcpy(bad, t, sizeof t);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		if (console_csrf_login_check(KEY, KEYLEN, "192.0.2.7", NOW,
		    bad) != 0)
			fail_msg("character %zu changed: %s accepted", i, bad);
	}
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW, NULL), 0);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW, ""), 0);
	/* a session's token is no login token */
	console_csrf_token(KEY, KEYLEN, "AAAAAAAAAAAAAAAAAAAAAA", sid);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN,
	    "AAAAAAAAAAAAAAAAAAAAAA", NOW, sid), 0);
	console_csrf_login_token(KEY, 8, "192.0.2.7", NOW, t);
	assert_string_equal(t, "");
	/* times at the ends of the range: refused, no overflow (UBSan) */
	memset(raw, 0, sizeof raw);
	raw[0] = 0x80;
	base64_encode(raw, sizeof raw, bad, B64);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW, bad), 0);
	memset(raw, 0xff, 8);
	raw[0] = 0x7f;
	base64_encode(raw, sizeof raw, bad, B64);
	assert_int_equal(console_csrf_login_check(KEY, KEYLEN, "192.0.2.7",
	    NOW, bad), 0);
}

static void
test_limiter(void **state)
{
	struct console_limiter	*l;
	long			 retry;
	long long		 t = 5000000;

	(void)state;
	assert_null(console_limiter_new(0, 6, 3));
	assert_null(console_limiter_new(8, 0, 3));
	assert_null(console_limiter_new(8, 6, 0));
	assert_null(console_limiter_new(8, -1, 3));
	console_limiter_free(NULL);
	/* 3 at once, then one every 10 s */
	assert_non_null(l = console_limiter_new(8, 6, 3));
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, &retry), 1);
	assert_int_equal(retry, 0);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, &retry), 1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, &retry), 1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, &retry), 0);
	assert_int_equal(retry, 10);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t + 5000, &retry),
	    0);
	assert_int_equal(retry, 5);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t + 9001, &retry),
	    0);
	assert_int_equal(retry, 1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t + 9999, NULL), 0);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t + 10000, &retry),
	    1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t + 10000, &retry),
	    0);
	assert_int_equal(retry, 10);
	/* other keys are apart; a key is its bytes */
	assert_int_equal(console_limiter_take(l, "ip2", 3, t, &retry), 1);
	assert_int_equal(console_limiter_take(l, "ip1\0", 4, t, &retry), 1);
	/* refilled to the burst, no more, after a long while */
	t += 3600 * 1000;
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, NULL), 1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, NULL), 1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, NULL), 1);
	assert_int_equal(console_limiter_take(l, "ip1", 3, t, NULL), 0);
	/* a clock going back refills nothing */
	assert_int_equal(console_limiter_take(l, "ip1", 3, t - 100000, &retry),
	    0);
	assert_true(retry >= 1);
	console_limiter_free(l);

	/* a huge burst and rate, a long idle time: no overflow */
	assert_non_null(l = console_limiter_new(1, 1000000, 1000000));
	assert_int_equal(console_limiter_take(l, "k", 1, 0, NULL), 1);
	assert_int_equal(console_limiter_take(l, "k", 1, 1LL << 60, NULL), 1);
	console_limiter_free(l);
}

static void
test_limiter_eviction(void **state)
{
	struct console_limiter	*l;
	char			 k[32];
	long			 retry;
	int			 i;

	(void)state;
	/* 2 slots, one token a second, burst 2 */
	assert_non_null(l = console_limiter_new(2, 60, 2));
	/* none refilled: the least recently used goes (a) */
	assert_int_equal(console_limiter_take(l, "a", 1, 0, NULL), 1);
	assert_int_equal(console_limiter_take(l, "a", 1, 0, NULL), 1);
	assert_int_equal(console_limiter_take(l, "b", 1, 10, NULL), 1);
	assert_int_equal(console_limiter_take(l, "b", 1, 10, NULL), 1);
	assert_int_equal(console_limiter_take(l, "c", 1, 20, NULL), 1);
	assert_int_equal(console_limiter_take(l, "b", 1, 20, &retry), 0);
	assert_int_equal(retry, 1);
	/* a was forgotten: a full burst again (and b goes now) */
	assert_int_equal(console_limiter_take(l, "a", 1, 20, NULL), 1);
	assert_int_equal(console_limiter_take(l, "a", 1, 20, NULL), 1);
	assert_int_equal(console_limiter_take(l, "a", 1, 20, NULL), 0);
	console_limiter_free(l);

	/* a refilled bucket goes before the least recently used */
	assert_non_null(l = console_limiter_new(2, 60, 2));
	assert_int_equal(console_limiter_take(l, "a", 1, 0, NULL), 1);
	assert_int_equal(console_limiter_take(l, "a", 1, 0, NULL), 1);
	assert_int_equal(console_limiter_take(l, "b", 1, 10, NULL), 1);
	/* at 1015 ms: a holds 1.015 tokens, b is full again */
	assert_int_equal(console_limiter_take(l, "c", 1, 1015, NULL), 1);
	assert_int_equal(console_limiter_take(l, "a", 1, 1015, NULL), 1);
	assert_int_equal(console_limiter_take(l, "a", 1, 1015, &retry), 0);
	assert_int_equal(retry, 1);
	console_limiter_free(l);

	/* many keys, a small table: it does not grow */
	assert_non_null(l = console_limiter_new(16, 5, 1));
	for (i = 0; i < 20000; i++) {
		snprintf(k, sizeof k, "198.51.100.%d", i);
		assert_int_equal(console_limiter_take(l, k, strlen(k), i,
		    NULL), 1);
	}
	assert_int_equal(console_limiter_take(l, k, strlen(k), i, &retry), 0);
	assert_int_equal(retry, 12);
	console_limiter_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_users_round_trip),
		cmocka_unit_test(test_users_comments),
		cmocka_unit_test(test_users_refused),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_session_layout),
		cmocka_unit_test(test_session_tampered),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_csrf_login),
		cmocka_unit_test(test_limiter),
		cmocka_unit_test(test_limiter_eviction),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
