/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The console's login and logout: the form's token, the rate limits, the password, the session cookie. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "clock.h"
#include "console.h"
#include "console_auth.h"
#include "console_int.h"
#include "log.h"

/* GET /login, and a refused POST: the form, with a token for the client. */
void
console_login_form(struct console_req *r, int status, const char *user,
    const char *error)
{
	char	token[CONSOLE_CSRF_LEN + 1];

	console_csrf_login_token(r->c->secret, r->c->secretlen, r->client_name,
	    clock_now_ms() / 1000, token);
	buf_reset(&r->body);
	console_html_login(r, token, user, error);
	console_send(r, status);
}

/* One login attempt refused for its rate: 429 with Retry-After. */
static void
console_login_limited(struct console_req *r, const char *what, long wait)
{
	char	retry[32];

	log_kv(LOG_INFO, "console: login", LOG_STR("client", r->client_name),
	    LOG_STR("outcome", "limited"), LOG_STR("by", what),
	    LOG_INT("retry_after_s", wait));
	snprintf(retry, sizeof retry, "%ld", wait);
	(void)console_header(r, "Retry-After", retry);
	console_reply_error(r, 429, console_word(r, "error_too_many"));
}

/*
 * POST /login: the form's token, then the limits (the client's, the
 * name's, and for a name nobody has everybody's), then the password; a good one gets
 * the session cookie and the overview.
 */
void
console_login(struct console_req *r)
{
	struct console			*c = r->c;
	const struct console_user	*u;
	const char			*name = console_req_arg(r, "user");
	const char			*password = console_req_arg(r, "password");
	const char			*token = console_req_arg(r, "csrf");
	char				 cookie[CONSOLE_COOKIE_MAX];
	long long			 now_s = clock_now_ms() / 1000;
	long				 wait = 1;
	int				 ok, spent;

	if (token == NULL || !console_csrf_login_check(c->secret, c->secretlen,
	    r->client_name, now_s, token)) {
		console_login_form(r, 403, NULL, console_word(r,
		    "error_login_expired"));
		return;
	}
	if (name == NULL || password == NULL || name[0] == '\0') {
		console_login_form(r, 400, NULL, console_word(r,
		    "error_login_missing"));
		return;
	}
	if (!console_limiter_take(c->by_client, r->client, sizeof r->client,
	    clock_mono_ms(), &wait)) {
		console_login_limited(r, "client", wait);
		return;
	}
	if (!console_limiter_take(c->by_user, name, strlen(name),
	    clock_mono_ms(), &wait)) {
		console_login_limited(r, "user", wait);
		return;
	}
	/*
	 * Everybody's limit: made-up names are bounded by nothing else, and
	 * each check holds the loop; the names of the file are bounded by
	 * their own limits. So a name nobody has spends it, and once it is
	 * spent is refused unchecked (429); a real name is still checked, and
	 * a right password gets in, so made-up names cannot lock users out;
	 * a wrong one gets the same 429 (the time still differs: 25 ms).
	 */
	spent = 0;
	if ((u = console_users_find(&c->users, name)) == NULL) {
		if (!console_limiter_take(c->by_all, "", 0, clock_mono_ms(),
		    &wait)) {
			console_login_limited(r, "unknown names", wait);
			return;
		}
		ok = console_password_dummy_check(password);
	} else {
		spent = !console_limiter_peek(c->by_all, "", 0,
		    clock_mono_ms(), &wait);
		ok = console_password_check(u->hash, password);
		if (!ok && spent) {
			console_login_limited(r, "unknown names", wait);
			return;
		}
	}
	if (!ok || console_session_make(c->secret, c->secretlen, u, now_s,
	    c->ttl_s, cookie, sizeof cookie) == -1) {
		log_kv(LOG_INFO, "console: login", LOG_STR("client",
		    r->client_name), LOG_STR("user", console_name_ok(name) ?
		    name : "?"), LOG_STR("outcome", "refused"));
		console_login_form(r, 403, name, console_word(r,
		    "error_login_wrong"));
		return;
	}
	log_kv(LOG_INFO, "console: login", LOG_STR("client", r->client_name),
	    LOG_STR("user", u->name), LOG_STR("role",
	    console_role_name(u->role)), LOG_STR("outcome", "ok"));
	console_set_cookie(r, CONSOLE_COOKIE, cookie, c->ttl_s, 1);
	OPENSSL_cleanse(cookie, sizeof cookie);
	console_redirect(r, "/", NULL);
}

/*
 * POST /logout: the session ends here (a copy of its cookie is refused
 * from now on) and its cookie goes.
 */
void
console_logout(struct console_req *r)
{
	log_kv(LOG_INFO, "console: logout", LOG_STR("user", r->user.name));
	console_session_end(r->c, r->sid, clock_now_ms() / 1000);
	console_set_cookie(r, CONSOLE_COOKIE, "", 0, 1);
	console_redirect(r, "/login", NULL);
}

void
console_session_end(struct console *c, const char *sid, long long now_s)
{
	struct console_ended	*e = &c->ended[c->nended++ % CONSOLE_ENDED_MAX];

	snprintf(e->sid, sizeof e->sid, "%s", sid);
	e->until_s = now_s + c->ttl_max_s;
}

int
console_session_ended(const struct console *c, const char *sid,
    long long now_s)
{
	size_t	i, n = c->nended < CONSOLE_ENDED_MAX ? c->nended :
		    CONSOLE_ENDED_MAX;

	for (i = 0; i < n; i++) {
		if (c->ended[i].until_s > now_s &&
		    strcmp(c->ended[i].sid, sid) == 0)
			return 1;
	}
	return 0;
}
