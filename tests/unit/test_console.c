/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for console.c: the console's server on 127.0.0.1 (any free
 * port) with a throwaway redis-server, driven by real HTTP requests: login
 * right and wrong, cookie flags, CSRF, roles, rate limits, headers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin.h"
#include "admin_fixture.h"
#include "buf.h"
#include "config.h"
#include "console.h"
#include "console_auth.h"
#include "console_int.h"
#include "redis_fixture.h"

#define SECRET		"console test secret, 32 bytes..."
#define PASSWORD	"correct horse battery"

struct t {
	struct test_redis	 redis;
	struct event_base	*base;
	struct config		 cf;
	struct admin_net	 proxy;
	struct console		*c;
	char			 dir[64];
	char			 users[128];
	struct reply		*rep;
	char			 cookie[CONSOLE_COOKIE_MAX + 32];
};

/* Writes the users file: ana coordinates the region, vic views abitibi. */
static void
t_users(struct t *t)
{
	struct console_users	u = { NULL, 0 };
	char			hash[CONSOLE_HASH_MAX], err[256];

	if (console_password_hash(PASSWORD, hash, sizeof hash, err,
	    sizeof err) == -1)
		fail_msg("hash: %s", err);
	assert_int_equal(console_users_set(&u, "ana", CONSOLE_COORDINATOR,
	    "region", hash, err, sizeof err), 0);
	assert_int_equal(console_users_set(&u, "vic", CONSOLE_VIEWER,
	    "abitibi", hash, err, sizeof err), 0);
	if (console_users_save(t->users, &u, err, sizeof err) == -1)
		fail_msg("save: %s", err);
	console_users_free(&u);
}

static char	t_listen[] = "127.0.0.1:0";
static char	t_secret[] = SECRET;

static int
t_setup(void **state)
{
	struct t	*t;
	struct console_env env;
	char		 err[256];

	t = calloc(1, sizeof *t);
	t->rep = calloc(1, sizeof *t->rep);
	assert_non_null(t);
	assert_non_null(t->rep);
	test_redis_start(&t->redis, NULL, 0);
	assert_non_null(t->base = event_base_new());
	snprintf(t->dir, sizeof t->dir, "/tmp/relais-console-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->users, sizeof t->users, "%s/users", t->dir);
	t_users(t);
	test_redis_conf(&t->redis, &t->cf.redis);
	t->cf.console.listen = t_listen;
	t->cf.console.users_file = t->users;
	t->cf.console.secret = t_secret;
	t->cf.console.session_ttl_s = 3600;
	t->cf.console.secure_cookies = CONFIG_SECURE_AUTO;
	t->cf.console.max_connections = 16;
	t->cf.console.request_timeout_ms = 5000;
	assert_int_equal(admin_net_parse("127.0.0.1", &t->proxy, err,
	    sizeof err), 0);
	t->cf.console.proxies = &t->proxy;
	t->cf.console.nproxies = 1;
	memset(&env, 0, sizeof env);
	env.cf = &t->cf;
	t->c = console_new(t->base, &env, err, sizeof err);
	if (t->c == NULL)
		fail_msg("console_new: %s", err);
	/* its Redis connection up, so that the audit can be written */
	fix_pump(t->base, 100);
	*state = t;
	return 0;
}

static int
t_teardown(void **state)
{
	struct t	*t = *state;

	console_free(t->c);
	event_base_free(t->base);
	test_redis_stop(&t->redis);
	unlink(t->users);
	rmdir(t->dir);
	free(t->rep);
	free(t);
	return 0;
}

/* One request; extra: more header lines ("X: y\r\n"), body may be NULL. */
static struct reply *
t_req(struct t *t, const char *method, const char *path, const char *cookie,
    const char *extra, const char *body)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
	    "close\r\n", method, path);
	if (cookie != NULL && cookie[0] != '\0')
		buf_printf(&b, "Cookie: %s\r\n", cookie);
	if (extra != NULL)
		buf_puts(&b, extra);
	if (body != NULL)
		buf_printf(&b, "Content-Type: application/x-www-form-urlencoded"
		    "\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
	else
		buf_puts(&b, "\r\n");
	memset(t->rep, 0, sizeof *t->rep);
	fix_exchange(t->base, console_port(t->c), b.data, b.len, t->rep);
	buf_free(&b);
	return t->rep;
}

static const char *
t_header(struct t *t, const char *name)
{
	static char	v[1024];

	return fix_header(t->rep, name, v, sizeof v);
}

/* Every answer carries them. */
static void
t_security(struct t *t)
{
	const char	*csp = t_header(t, "Content-Security-Policy");

	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'none'"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_non_null(strstr(csp, "form-action 'self'"));
	assert_string_equal(t_header(t, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(t_header(t, "Referrer-Policy"), "no-referrer");
	assert_string_equal(t_header(t, "Cache-Control"), "no-store");
}

/* The value of the first hidden csrf field of the body into out. */
static void
t_csrf(struct t *t, char *out, size_t outlen)
{
	const char	*p, *end;

	if (t->rep->body == NULL ||
	    (p = strstr(t->rep->body, "name=\"csrf\" value=\"")) == NULL)
		fail_msg("no csrf field in: %s", t->rep->body != NULL ?
		    t->rep->body : "(nothing)");
	p += strlen("name=\"csrf\" value=\"");
	end = strchr(p, '"');
	assert_non_null(end);
	assert_true((size_t)(end - p) < outlen);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

/* Logs user in (extra: headers of both requests); the cookie in t->cookie. */
static void
t_login(struct t *t, const char *user, const char *extra)
{
	char		 token[128], body[512];
	const char	*sc, *semi;

	t_req(t, "GET", "/login", NULL, extra, NULL);
	assert_int_equal(t->rep->status, 200);
	t_csrf(t, token, sizeof token);
	snprintf(body, sizeof body, "user=%s&password=%s&csrf=%s", user,
	    "correct+horse+battery", token);
	t_req(t, "POST", "/login", NULL, extra, body);
	if (t->rep->status != 303)
		fail_msg("login of %s: %d, expected 303: %s", user,
		    t->rep->status, t->rep->body);
	assert_string_equal(t_header(t, "Location"), "/");
	sc = t_header(t, "Set-Cookie");
	assert_non_null(sc);
	assert_true(strncmp(sc, "relais_session=", 15) == 0);
	semi = strchr(sc, ';');
	assert_non_null(semi);
	snprintf(t->cookie, sizeof t->cookie, "%.*s", (int)(semi - sc), sc);
}

/* Not logged in: every page sends to /login, which shows the form. */
static void
test_console_anonymous(void **state)
{
	struct t	*t = *state;
	static const char *const paths[] = { "/", "/health", "/dead",
	    "/dead/1-0", "/optouts", "/templates" };
	size_t		 i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		t_req(t, "GET", paths[i], NULL, NULL, NULL);
		if (t->rep->status != 303)
			fail_msg("GET %s: %d, expected 303", paths[i],
			    t->rep->status);
		assert_string_equal(t_header(t, "Location"), "/login");
		t_security(t);
	}
	t_req(t, "POST", "/dead/replay", NULL, NULL, "id=1-0");
	assert_int_equal(t->rep->status, 303);
	t_req(t, "GET", "/login", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 200);
	t_security(t);
	assert_non_null(strstr(t->rep->body, "<html lang=\"fr\">"));
	assert_non_null(strstr(t->rep->body, "id=\"login-form\""));
	assert_non_null(strstr(t->rep->body, "id=\"user\""));
	assert_non_null(strstr(t->rep->body, "id=\"password\""));
	/* HEAD: the headers and length of GET, no body */
	t_req(t, "HEAD", "/login", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 200);
	assert_true(atoi(t_header(t, "Content-Length")) > 500);
	assert_true(t->rep->body == NULL || t->rep->bodylen == 0);
	t_security(t);
	/* ?lang=en switches, and says so in a cookie */
	t_req(t, "GET", "/login?lang=en", NULL, NULL, NULL);
	assert_non_null(strstr(t->rep->body, "<html lang=\"en\">"));
	assert_non_null(strstr(t_header(t, "Set-Cookie"), "lang=en"));
	t_req(t, "GET", "/login", "lang=en", NULL, NULL);
	assert_non_null(strstr(t->rep->body, "<html lang=\"en\">"));
	assert_non_null(strstr(t->rep->body, "href=\"/lang?set=fr&amp;"
	    "back=%2Flogin\""));
	/* the switch's link: back to a page of ours, nothing else */
	t_req(t, "GET", "/lang?set=en&back=%2Fdead%3Fage%3D7d%26territory%3D"
	    "abitibi", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 303);
	assert_string_equal(t_header(t, "Location"),
	    "/dead?age=7d&territory=abitibi");
	assert_non_null(strstr(t_header(t, "Set-Cookie"), "lang=en;"));
	t_req(t, "GET", "/lang?set=fr&back=%2F%2Fevil.example", NULL, NULL,
	    NULL);
	assert_string_equal(t_header(t, "Location"), "/");
	t_req(t, "GET", "/lang?set=fr&back=https%3A%2F%2Fevil.example", NULL,
	    NULL, NULL);
	assert_string_equal(t_header(t, "Location"), "/");
	t_req(t, "GET", "/lang?set=fr&back=%2Fa%0D%0AX%3A%20y", NULL, NULL,
	    NULL);
	assert_string_equal(t_header(t, "Location"), "/");
	/* nothing decoded in the query reaches Location either */
	t_req(t, "GET", "/lang?set=fr&back=%2F%3F%09%2F%2Fevil", NULL, NULL,
	    NULL);
	assert_string_equal(t_header(t, "Location"), "/");
	t_req(t, "GET", "/lang?set=fr&back=%2Fdead%3Fx%3D%22%3E%3Cs%3E", NULL,
	    NULL, NULL);
	assert_string_equal(t_header(t, "Location"), "/");
	/* unknown pages, methods, paths */
	t_req(t, "GET", "/nope", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 404);
	assert_non_null(strstr(t->rep->body, "id=\"error\""));
	t_req(t, "PUT", "/", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 405);
	t_security(t);
	t_req(t, "GET", "//evil", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 400);
	t_req(t, "GET", "/login?a=%zz", NULL, NULL, NULL);
	assert_int_equal(t->rep->status, 400);
}

/* The right password: a session cookie with its flags; the wrong one: no. */
static void
test_console_login(void **state)
{
	struct t	*t = *state;
	char		 token[128], body[512];
	const char	*sc;

	t_login(t, "ana", NULL);
	sc = t_header(t, "Set-Cookie");
	assert_non_null(strstr(sc, "; HttpOnly"));
	assert_non_null(strstr(sc, "; SameSite=Strict"));
	assert_non_null(strstr(sc, "; Path=/"));
	assert_non_null(strstr(sc, "; Max-Age=3600"));
	assert_null(strstr(sc, "Secure"));
	t_security(t);

	/* logged in: the layout names the user, /login sends home */
	t_req(t, "GET", "/nope", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 404);
	assert_non_null(strstr(t->rep->body, "id=\"whoami\">ana ("));
	assert_non_null(strstr(t->rep->body, "action=\"/logout\""));
	t_req(t, "GET", "/login", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 303);

	/* wrong password, unknown user: the form again, no cookie */
	t_req(t, "GET", "/login", NULL, NULL, NULL);
	t_csrf(t, token, sizeof token);
	snprintf(body, sizeof body, "user=ana&password=wrong+password+x&"
	    "csrf=%s", token);
	t_req(t, "POST", "/login", NULL, NULL, body);
	assert_int_equal(t->rep->status, 403);
	assert_null(t_header(t, "Set-Cookie"));
	assert_non_null(strstr(t->rep->body, "id=\"error\""));
	snprintf(body, sizeof body, "user=nobody&password=" PASSWORD "&csrf=%s",
	    token);
	t_req(t, "POST", "/login", NULL, NULL, body);
	assert_int_equal(t->rep->status, 403);
	assert_null(t_header(t, "Set-Cookie"));
	/* without the form's token, or with a forged one */
	t_req(t, "POST", "/login", NULL, NULL, "user=ana&password="
	    "correct+horse+battery");
	assert_int_equal(t->rep->status, 403);
	t_req(t, "POST", "/login", NULL, NULL, "user=ana&password="
	    "correct+horse+battery&csrf=AAAA");
	assert_int_equal(t->rep->status, 403);
	assert_null(t_header(t, "Set-Cookie"));
	/* a forged session cookie is nobody */
	t_req(t, "GET", "/", "relais_session=AAAAAAAA", NULL, NULL);
	assert_int_equal(t->rep->status, 303);

	/* a logout ends the session: a copy of its cookie is nobody's */
	t_req(t, "GET", "/nope", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 404);
	t_csrf(t, token, sizeof token);
	snprintf(body, sizeof body, "csrf=%s", token);
	t_req(t, "POST", "/logout", t->cookie, NULL, body);
	assert_int_equal(t->rep->status, 303);
	/* /login sends a session home, and shows nobody the form */
	t_req(t, "GET", "/login", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 200);
}

/* Secure: when the trusted proxy says https (and only then). */
static void
test_console_secure(void **state)
{
	struct t	*t = *state;

	t_login(t, "ana", "X-Forwarded-Proto: https\r\n");
	assert_non_null(strstr(t_header(t, "Set-Cookie"), "; Secure"));
	t_login(t, "ana", "X-Forwarded-Proto: http\r\n");
	assert_null(strstr(t_header(t, "Set-Cookie"), "Secure"));
}

/* POST without the session's CSRF token: 403; a viewer's change: 403. */
static void
test_console_csrf_role(void **state)
{
	struct t	*t = *state;
	char		 csrf[128], body[256];

	t_login(t, "ana", NULL);
	t_req(t, "POST", "/dead/replay", t->cookie, NULL, "id=1-0");
	assert_int_equal(t->rep->status, 403);
	assert_non_null(strstr(t->rep->body, "id=\"error\""));
	t_security(t);
	t_req(t, "POST", "/dead/replay", t->cookie, NULL, "id=1-0&csrf=AAAA");
	assert_int_equal(t->rep->status, 403);
	t_req(t, "GET", "/dead/replay", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 405);

	t_login(t, "vic", NULL);
	t_req(t, "GET", "/nope", t->cookie, NULL, NULL);
	t_csrf(t, csrf, sizeof csrf);
	snprintf(body, sizeof body, "id=1-0&csrf=%s", csrf);
	t_req(t, "POST", "/dead/replay", t->cookie, NULL, body);
	assert_int_equal(t->rep->status, 403);
	t_req(t, "POST", "/optouts/add", t->cookie, NULL, body);
	assert_int_equal(t->rep->status, 403);
	/* another territory's figures or letters: 403 before the page */
	t_req(t, "GET", "/?territory=rouyn", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 403);
	assert_non_null(strstr(t->rep->body, "id=\"error\""));
	t_req(t, "GET", "/dead?territory=rouyn&age=7d", t->cookie, NULL, NULL);
	assert_int_equal(t->rep->status, 403);

	/* logout: with the token; the cookie is cleared */
	t_req(t, "POST", "/logout", t->cookie, NULL, "csrf=AAAA");
	assert_int_equal(t->rep->status, 403);
	t_req(t, "POST", "/logout", t->cookie, NULL, body);
	assert_int_equal(t->rep->status, 303);
	assert_string_equal(t_header(t, "Location"), "/login");
	assert_non_null(strstr(t_header(t, "Set-Cookie"), "relais_session=;"));
	assert_non_null(strstr(t_header(t, "Set-Cookie"), "Max-Age=0"));
}

/* Login attempts: 5 at once per client, then 429 with Retry-After. */
static void
test_console_limited(void **state)
{
	struct t	*t = *state;
	char		 token[128], body[256];
	int		 i;

	t_req(t, "GET", "/login", NULL, NULL, NULL);
	t_csrf(t, token, sizeof token);
	snprintf(body, sizeof body, "user=ana&password=wrong+password+x&"
	    "csrf=%s", token);
	for (i = 0; i < 5; i++) {
		t_req(t, "POST", "/login", NULL, NULL, body);
		assert_int_equal(t->rep->status, 403);
	}
	t_req(t, "POST", "/login", NULL, NULL, body);
	assert_int_equal(t->rep->status, 429);
	assert_non_null(t_header(t, "Retry-After"));
	assert_true(atoi(t_header(t, "Retry-After")) >= 1);
	assert_non_null(strstr(t->rep->body, "id=\"error\""));
	t_security(t);
	/* even the right password waits */
	snprintf(body, sizeof body, "user=ana&password=correct+horse+battery&"
	    "csrf=%s", token);
	t_req(t, "POST", "/login", NULL, NULL, body);
	assert_int_equal(t->rep->status, 429);
}

/* Per user too: from 6 clients (behind the trusted proxy), one name. */
static void
test_console_limited_user(void **state)
{
	struct t	*t = *state;
	char		 token[128], body[256], xff[64];
	int		 i;

	for (i = 0; i < 6; i++) {
		snprintf(xff, sizeof xff, "X-Forwarded-For: 192.0.2.%d\r\n",
		    i + 1);
		t_req(t, "GET", "/login", NULL, xff, NULL);
		t_csrf(t, token, sizeof token);
		snprintf(body, sizeof body, "user=vic&password=wrong+password"
		    "+x&csrf=%s", token);
		t_req(t, "POST", "/login", NULL, xff, body);
		assert_int_equal(t->rep->status, i < 5 ? 403 : 429);
	}
}

/* A login with made-up name number i, from a client of its own. */
static void
t_made_up(struct t *t, int i)
{
	char	token[128], body[256], xff[64];

	snprintf(xff, sizeof xff, "X-Forwarded-For: 198.51.%d.%d\r\n",
	    100 + i / 250, i % 250 + 1);
	t_req(t, "GET", "/login", NULL, xff, NULL);
	t_csrf(t, token, sizeof token);
	snprintf(body, sizeof body, "user=u%d&password=wrong+password+x&"
	    "csrf=%s", i, token);
	t_req(t, "POST", "/login", NULL, xff, body);
}

/*
 * Names nobody has, all together: from clients each with a made-up name,
 * the first CONSOLE_LOGIN_ALL_BURST are answered, then the limit comes
 * within a few more (it refills 2 a second; a check takes ~25 ms, longer
 * on a loaded machine: a few tokens may come back meanwhile). It locks
 * no user out: a right password still gets in, a wrong one gets the
 * same 429 as a made-up name (asked right after the limit came again:
 * on a machine slow enough that a token came back before it, once more).
 */
static void
test_console_limited_all(void **state)
{
	struct t	*t = *state;
	char		 token[128], body[256], xff[64];
	int		 i, k;

	for (i = 0; i < 2 * CONSOLE_LOGIN_ALL_BURST; i++) {
		t_made_up(t, i);
		if (i < CONSOLE_LOGIN_ALL_BURST)
			assert_int_equal(t->rep->status, 403);
		else if (t->rep->status == 429)
			break;
	}
	assert_int_equal(t->rep->status, 429);
	snprintf(xff, sizeof xff, "X-Forwarded-For: 203.0.113.7\r\n");
	for (k = 0; k < 5; k++) {
		while (k > 0 && t->rep->status != 429 &&
		    i < 4 * CONSOLE_LOGIN_ALL_BURST)
			t_made_up(t, ++i);
		t_req(t, "GET", "/login", NULL, xff, NULL);
		t_csrf(t, token, sizeof token);
		snprintf(body, sizeof body, "user=vic&password=wrong+password"
		    "+x&csrf=%s", token);
		t_req(t, "POST", "/login", NULL, xff, body);
		if (t->rep->status == 429)
			break;
		assert_int_equal(t->rep->status, 403);
	}
	assert_int_equal(t->rep->status, 429);
	snprintf(body, sizeof body, "user=ana&password=" PASSWORD "&csrf=%s",
	    token);
	t_req(t, "POST", "/login", NULL, xff, body);
	assert_int_equal(t->rep->status, 303);
	assert_non_null(t_header(t, "Set-Cookie"));
}

/* A body over 64 KiB is refused before any page sees it. */
static void
test_console_big(void **state)
{
	struct t	*t = *state;
	char		*body;

	body = malloc(70 * 1024);
	assert_non_null(body);
	memset(body, 'a', 70 * 1024 - 1);
	body[70 * 1024 - 1] = '\0';
	t_req(t, "POST", "/login", NULL, NULL, body);
	assert_int_equal(t->rep->status, 413);
	free(body);
}

/* A reload with a broken users file keeps the users read before. */
static void
test_console_reload(void **state)
{
	struct t	*t = *state;
	struct console_env env;
	FILE		*f;
	char		 err[256];

	assert_non_null(f = fopen(t->users, "w"));
	fputs("broken line\n", f);
	fclose(f);
	memset(&env, 0, sizeof env);
	env.cf = &t->cf;
	assert_int_equal(console_set_env(t->c, &env, err, sizeof err), -1);
	assert_non_null(strstr(err, t->users));
	t_login(t, "ana", NULL);
	t_users(t);
	assert_int_equal(console_set_env(t->c, &env, err, sizeof err), 0);
	t_login(t, "vic", NULL);
}

/*
 * A page waiting on Redis when the port closes its connection at the
 * deadline, and when the console is freed: under ASan, nothing is touched
 * after it is freed, nothing leaks.
 */
static void
test_console_lifetime(void **state)
{
	struct t	*t = *state;
	struct console_env env;
	char		 req[512], err[256];
	int		 fd, n;

	t_login(t, "ana", NULL);
	memset(&env, 0, sizeof env);
	env.cf = &t->cf;
	t->cf.console.request_timeout_ms = 300;
	assert_int_equal(console_set_env(t->c, &env, err, sizeof err), 0);
	n = snprintf(req, sizeof req, "GET /dead HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: %s\r\n\r\n", t->cookie);
	test_redis_pause(&t->redis);
	fd = fix_connect(console_port(t->c));
	assert_int_equal(write(fd, req, (size_t)n), n);
	fix_pump(t->base, 1000);
	assert_true(fix_closed(fd));
	close(fd);

	fd = fix_connect(console_port(t->c));
	assert_int_equal(write(fd, req, (size_t)n), n);
	fix_pump(t->base, 100);
	console_free(t->c);
	t->c = NULL;
	test_redis_resume(&t->redis);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_console_anonymous,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_login,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_secure,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_csrf_role,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_limited,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_limited_user,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_limited_all,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_big,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_reload,
		    t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_console_lifetime,
		    t_setup, t_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
