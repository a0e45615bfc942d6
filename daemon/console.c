/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The web console's server: listener, requests, sessions, CSRF, roles, routes, answers. */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "admin_hold.h"
#include "admin_reply.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "console_auth.h"
#include "console_int.h"
#include "log.h"
#include "redis.h"

enum console_how {
	CONSOLE_GET,		/* GET and HEAD */
	CONSOLE_POST,
	CONSOLE_READ,		/* GET, HEAD, or POST to keep what is asked
				   out of URLs (an address); CSRF checked */
};

/* What a route asks beyond a login. */
#define CONSOLE_COORDINATOR_ONLY 0x1	/* it changes things */
#define CONSOLE_SCOPED		0x2	/* territory= checked here first */
#define CONSOLE_OWN_LANG	0x4	/* lang= is the page's, not the UI's */

/*
 * A page: its path, method, and flags. CONSOLE_SCOPED: its territory
 * argument is checked against the user's scope here, before the page
 * (which checks what it reads itself too).
 */
struct console_route {
	const char	*path;		/* exact; ending in '/': a prefix */
	enum console_how how;
	int		 flags;
	void		(*page)(struct console_req *);
};

static const struct console_route console_routes[] = {
	{ "/", CONSOLE_GET, CONSOLE_SCOPED, console_page_overview },
	{ "/health", CONSOLE_GET, 0, console_page_health },
	{ "/dead", CONSOLE_GET, CONSOLE_SCOPED, console_page_dead_list },
	{ "/dead/replay", CONSOLE_POST, CONSOLE_COORDINATOR_ONLY |
	    CONSOLE_SCOPED, console_page_dead_replay },
	{ "/dead/drop", CONSOLE_POST, CONSOLE_COORDINATOR_ONLY |
	    CONSOLE_SCOPED, console_page_dead_drop },
	{ "/dead/", CONSOLE_GET, 0, console_page_dead_show },
	{ "/optouts", CONSOLE_READ, 0, console_page_optouts },
	{ "/optouts/add", CONSOLE_POST, CONSOLE_COORDINATOR_ONLY,
	    console_page_optouts_add },
	{ "/optouts/remove", CONSOLE_POST, CONSOLE_COORDINATOR_ONLY,
	    console_page_optouts_remove },
	/* lang: the language of the messages previewed */
	{ "/templates", CONSOLE_GET, CONSOLE_OWN_LANG, console_page_templates },
};

static void	console_serve(void *, struct evhttp_request *);

/* admin_hold's gone: the port closed the connection before the answer. */
static void
console_req_gone(void *arg)
{
	struct console_req	*r = arg;

	r->req = NULL;
}

/* Copies what the console keeps of env: the secret, limits, proxies. */
static void
console_apply(struct console *c, const struct console_env *env)
{
	const struct config_console	*cc = &env->cf->console;

	c->env = *env;
	if (c->secret != NULL) {
		OPENSSL_cleanse(c->secret, c->secretlen);
		free(c->secret);
	}
	c->secretlen = cc->secret != NULL ? strlen(cc->secret) : 0;
	c->secret = xmalloc(c->secretlen + 1);
	memcpy(c->secret, cc->secret != NULL ? cc->secret : "", c->secretlen);
	c->ttl_s = cc->session_ttl_s;
	/* cookies made before a reload that shortened it live on */
	if (c->ttl_s > c->ttl_max_s)
		c->ttl_max_s = c->ttl_s;
	c->secure = cc->secure_cookies;
	admin_set_proxies(c->admin, cc->proxies, cc->nproxies);
	admin_set_limits(c->admin, cc->max_connections,
	    cc->request_timeout_ms);
}

/* The users file, into users: 0, or -1 with err (users left as they were). */
static int
console_users_read(struct console *c, const struct config *cf, char *err,
    size_t errlen)
{
	struct console_users	next = { NULL, 0 };

	if (console_users_load(cf->console.users_file, &next, err,
	    errlen) == -1)
		return -1;
	if (next.n == 0)
		log_warnx("console: %s has no user: nobody can log in (relaisctl "
		    "console-user add)", cf->console.users_file);
	console_users_free(&c->users);
	c->users = next;
	return 0;
}

struct console *
console_new(struct event_base *base, const struct console_env *env, char *err,
    size_t errlen)
{
	struct console		*c;
	const struct config	*cf = env->cf;

	c = xcalloc(1, sizeof *c);
	c->base = base;
	TAILQ_INIT(&c->reqs);
	if (cf->console.listen == NULL) {
		snprintf(err, errlen, "console.listen is off");
		goto fail;
	}
	if (cf->console.secret == NULL ||
	    strlen(cf->console.secret) < CONSOLE_SECRET_MIN) {
		snprintf(err, errlen, "console.secret must be %d bytes at least",
		    CONSOLE_SECRET_MIN);
		goto fail;
	}
	if (console_users_read(c, cf, err, errlen) == -1)
		goto fail;
	c->by_client = console_limiter_new(CONSOLE_LOGIN_SLOTS,
	    CONSOLE_LOGIN_PER_MIN, CONSOLE_LOGIN_BURST);
	c->by_user = console_limiter_new(CONSOLE_LOGIN_SLOTS,
	    CONSOLE_LOGIN_PER_MIN, CONSOLE_LOGIN_BURST);
	c->by_all = console_limiter_new(1, CONSOLE_LOGIN_ALL_PER_MIN,
	    CONSOLE_LOGIN_ALL_BURST);
	if (c->by_client == NULL || c->by_user == NULL || c->by_all == NULL) {
		snprintf(err, errlen, "console: out of memory");
		goto fail;
	}
	if ((c->admin = admin_new(base, cf->console.listen, err,
	    errlen)) == NULL)
		goto fail;
	admin_set_serve(c->admin, "console", console_serve, c,
	    CONSOLE_BODY_MAX);
	console_apply(c, env);
	/* redis.c says when it connects and when it is lost */
	c->redis = redis_new(base, &cf->redis, "console", NULL, NULL);
	redis_start(c->redis);
	return c;
fail:
	console_free(c);
	return NULL;
}

int
console_set_env(struct console *c, const struct console_env *env, char *err,
    size_t errlen)
{
	const struct config	*cf = env->cf;
	int			 rc = 0;

	/* pointers into the old config die with it (console_req_stale) */
	c->gen++;
	/* a bad users file keeps the one read before */
	if (console_users_read(c, cf, err, errlen) == -1)
		rc = -1;
	if (cf->console.secret == NULL ||
	    strlen(cf->console.secret) < CONSOLE_SECRET_MIN) {
		/* config_load() refuses it: keep the old secret all the same */
		c->env = *env;
		snprintf(err, errlen, "console.secret must be %d bytes at least",
		    CONSOLE_SECRET_MIN);
		return -1;
	}
	console_apply(c, env);
	return rc;
}

int
console_port(const struct console *c)
{
	return admin_port(c->admin);
}

void
console_free(struct console *c)
{
	struct console_req	*r, *next;

	if (c == NULL)
		return;
	c->freeing = 1;
	/* held requests hear they are gone, then their calls fail */
	admin_free(c->admin);
	redis_free(c->redis);
	for (r = TAILQ_FIRST(&c->reqs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		r->req = NULL;
		r->answered = 1;
		r->pending = 0;
		console_req_reap(r);
	}
	console_users_free(&c->users);
	console_limiter_free(c->by_client);
	console_limiter_free(c->by_user);
	console_limiter_free(c->by_all);
	if (c->secret != NULL) {
		OPENSSL_cleanse(c->secret, c->secretlen);
		free(c->secret);
	}
	free(c);
}

/* ---- a request ---- */

/* The route of path, or NULL. */
static const struct console_route *
console_route_find(const char *path)
{
	const struct console_route	*rt;
	size_t				 i, n;

	for (i = 0; i < sizeof console_routes / sizeof console_routes[0];
	    i++) {
		rt = &console_routes[i];
		n = strlen(rt->path);
		if (strcmp(path, rt->path) == 0)
			return rt;
		if (n > 1 && rt->path[n - 1] == '/' && strncmp(path, rt->path,
		    n) == 0 && path[n] != '\0' && strchr(path + n, '/') == NULL)
			return rt;
	}
	return NULL;
}

/* Cookies: language, flash message, session (user, its CSRF token). */
static void
console_req_cookies(struct console_req *r, const char *h)
{
	struct console			*c = r->c;
	const struct console_user	*u;
	char				 v[CONSOLE_COOKIE_MAX];
	char				 flash[CONSOLE_FLASH_MAX + 1];

	if (h == NULL)
		return;
	if (console_cookie_get(h, CONSOLE_COOKIE_LANG, v, sizeof v) == 0)
		r->lang = console_lang_pick(v);
	if (console_cookie_get(h, CONSOLE_COOKIE_FLASH, flash,
	    sizeof flash) == 0 && flash[0] != '\0' &&
	    console_url_decode(flash, strlen(flash), 0, &r->flash) == -1)
		r->flash = NULL;
	if (console_cookie_get(h, CONSOLE_COOKIE, v, sizeof v) == -1 ||
	    console_session_check(c->secret, c->secretlen, v, &c->users,
	    clock_now_ms() / 1000, &u, r->sid) == -1 ||
	    console_session_ended(c, r->sid, clock_now_ms() / 1000))
		return;
	r->user.name = xstrdup(u->name);
	r->user.role = u->role;
	r->user.scope = u->scope != NULL ? xstrdup(u->scope) : NULL;
	console_csrf_token(c->secret, c->secretlen, r->sid, r->csrf);
}

/*
 * What a request says before any page: method, path, query or form,
 * cookies, proxy headers. 0, or -1 once answered (405, 400, 415).
 */
static int
console_req_read(struct console_req *r, struct evhttp_request *req)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*body = evhttp_request_get_input_buffer(req);
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);
	const char		*path = uri != NULL ? evhttp_uri_get_path(uri) :
				    NULL;
	const char		*query = uri != NULL ? evhttp_uri_get_query(uri) :
				    NULL;
	const char		*ctype;
	size_t			 len;

	r->path = xstrdup(path != NULL && console_path_ok(path) ? path : "-");
	admin_client(r->c->admin, req, r->client);
	admin_client_name(r->client, r->client_name, sizeof r->client_name);
	r->https = admin_via_proxy(r->c->admin, req) &&
	    console_proto_https(evhttp_find_header(in, "X-Forwarded-Proto"));
	console_req_cookies(r, evhttp_find_header(in, "Cookie"));
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD && m != EVHTTP_REQ_POST) {
		(void)console_header(r, "Allow", "GET, HEAD, POST");
		console_reply_error(r, 405, console_word(r, "error_method"));
		return -1;
	}
	r->post = m == EVHTTP_REQ_POST;
	if (strcmp(r->path, "-") == 0) {
		console_reply_error(r, 400, console_word(r, "error_bad"));
		return -1;
	}
	if (!r->post && query != NULL &&
	    console_args_parse(&r->args, query, strlen(query)) == -1) {
		console_reply_error(r, 400, console_word(r, "error_bad"));
		return -1;
	}
	if (r->post && (len = evbuffer_get_length(body)) > 0) {
		ctype = evhttp_find_header(in, "Content-Type");
		if (!admin_content_type_is(ctype,
		    "application/x-www-form-urlencoded")) {
			console_reply_error(r, 415, console_word(r, "error_bad"));
			return -1;
		}
		if (console_args_parse(&r->args, (const char *)evbuffer_pullup(
		    body, -1), len) == -1) {
			console_reply_error(r, 400, console_word(r, "error_bad"));
			return -1;
		}
	}
	return 0;
}

/* The UI's language, kept in a cookie. */
static void
console_lang_set(struct console_req *r, const char *lang)
{
	r->lang = console_lang_pick(lang);
	console_set_cookie(r, CONSOLE_COOKIE_LANG, r->lang, 31536000, 0);
}

/*
 * GET /lang?set=en&back=/dead%3Fage%3D7d: the language switch's link,
 * back to the page it was on (a path of ours, nothing else).
 */
static void
console_lang_switch(struct console_req *r)
{
	const char	*set = console_args_get(&r->args, "set");
	const char	*back = console_args_get(&r->args, "back");
	char		 path[300];
	size_t		 n;

	if (r->post) {
		(void)console_header(r, "Allow", "GET, HEAD");
		console_reply_error(r, 405, console_word(r, "error_method"));
		return;
	}
	if (set != NULL)
		console_lang_set(r, set);
	/* printable ASCII only, no space: nothing decoded reaches Location */
	for (n = 0; back != NULL && back[n] != '\0'; n++) {
		if ((unsigned char)back[n] < 0x21 ||
		    (unsigned char)back[n] > 0x7e || back[n] == '"' ||
		    back[n] == '<' || back[n] == '>')
			back = NULL;
	}
	if (back != NULL) {
		n = strcspn(back, "?");
		if (n >= sizeof path || strchr(back, '\\') != NULL)
			back = NULL;
		else {
			memcpy(path, back, n);
			path[n] = '\0';
			if (!console_path_ok(path))
				back = NULL;
		}
	}
	console_redirect(r, back != NULL ? back : "/", NULL);
}

/* A route's checks: logged in, method, CSRF token, role, scope. */
static void
console_dispatch(struct console_req *r)
{
	const struct console_route	*rt;
	const char			*token, *territory, *lang;

	rt = console_route_find(r->path);
	r->own_lang = rt != NULL && (rt->flags & CONSOLE_OWN_LANG);
	/* ?lang=en switches, and the cookie keeps it */
	if (!r->post && !r->own_lang &&
	    (lang = console_args_get(&r->args, "lang")) != NULL)
		console_lang_set(r, lang);
	if (strcmp(r->path, "/lang") == 0) {
		console_lang_switch(r);
		return;
	}
	if (strcmp(r->path, "/login") == 0) {
		if (r->post)
			console_login(r);
		else if (r->user.name != NULL)
			console_redirect(r, "/", NULL);
		else
			console_login_form(r, 200, NULL, NULL);
		return;
	}
	if (rt == NULL && strcmp(r->path, "/logout") != 0) {
		console_reply_error(r, 404, console_word(r, "error_not_found"));
		return;
	}
	if (r->user.name == NULL) {
		console_redirect(r, "/login", NULL);
		return;
	}
	if ((rt == NULL || rt->how != CONSOLE_READ) &&
	    (rt == NULL || rt->how == CONSOLE_POST) != r->post) {
		(void)console_header(r, "Allow", r->post ? "GET, HEAD" : "POST");
		console_reply_error(r, 405, console_word(r, "error_method"));
		return;
	}
	if (r->post && ((token = console_req_arg(r, "csrf")) == NULL ||
	    !console_csrf_check(r->c->secret, r->c->secretlen, r->sid,
	    token))) {
		log_kv(LOG_INFO, "console: refused", LOG_STR("user",
		    r->user.name), LOG_STR("path", r->path), LOG_STR("why",
		    "csrf"));
		console_reply_error(r, 403, console_word(r, "error_csrf"));
		return;
	}
	if (rt == NULL) {
		console_logout(r);
		return;
	}
	if ((rt->flags & CONSOLE_COORDINATOR_ONLY) &&
	    r->user.role != CONSOLE_COORDINATOR) {
		console_reply_error(r, 403, console_word(r, "error_role"));
		return;
	}
	if ((rt->flags & CONSOLE_SCOPED) && (territory = console_args_get(&r->args,
	    "territory")) != NULL && territory[0] != '\0' &&
	    !console_req_may_see(r, territory)) {
		console_reply_error(r, 403, console_word(r, "error_scope"));
		return;
	}
	rt->page(r);
}

/*
 * Every request of the listener (admin_set_serve). The request is held on
 * the port's records from here: if the port closes the connection first,
 * console_req_gone forgets it and the page's answer goes nowhere.
 */
static void
console_serve(void *arg, struct evhttp_request *req)
{
	struct console		*c = arg;
	struct console_req	*r;

	r = xcalloc(1, sizeof *r);
	r->gen = c->gen;
	r->c = c;
	r->req = req;
	r->lang = "fr";
	buf_init(&r->body);
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	if (admin_hold(c->admin, req, console_req_gone, r) == -1) {
		r->path = xstrdup("-");
		console_reply_error(r, 503, console_word(r, "error_busy"));
	} else if (console_req_read(r, req) == 0)
		console_dispatch(r);
	console_req_check(r);
	console_req_reap(r);
}
