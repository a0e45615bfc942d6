/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the console server's files share: struct console and its requests,
 * and their layers, each calling only those below it (tests/layout.py):
 *	console.c	the listener, a request's reading, routes, checks
 *	console_login.c	GET and POST /login, POST /logout
 *	(the pages, console_page_*, called by console.c's routes)
 *	console_page.c	what pages read, their Redis calls, the audit
 *	console_reply.c	answers: pages, errors, redirects, headers, cookies
 *	console_html.c	layout, login and error pages, words
 *	console_req.c	parsing: pure functions (the fuzz target's)
 * Private to them.
 */
#ifndef RELAIS_CONSOLE_INT_H
#define RELAIS_CONSOLE_INT_H

#include <sys/queue.h>

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "console.h"
#include "console_auth.h"
#include "redis.h"

struct admin;
struct evhttp_request;

#define CONSOLE_COOKIE		"relais_session"
#define CONSOLE_COOKIE_LANG	"lang"
#define CONSOLE_COOKIE_FLASH	"relais_flash"
/* Login attempts: per client and per user name, a minute's tokens. */
#define CONSOLE_LOGIN_PER_MIN	10
#define CONSOLE_LOGIN_BURST	5
#define CONSOLE_LOGIN_SLOTS	4096
/*
 * Logins for names nobody has, all together: a password check holds the
 * event loop ~25 ms (yescrypt), so attempts from many addresses must not
 * take more than a few percent of it: 120 a minute is 2 a second, 50 ms
 * of each. Real names are bounded by their own limit (users x 10/min).
 */
#define CONSOLE_LOGIN_ALL_PER_MIN	120
#define CONSOLE_LOGIN_ALL_BURST		20
/* Scripts run through console_req_eval, at most. */
#define CONSOLE_SCRIPTS_MAX	32
/* The audit stream's approximate cap. */
#define CONSOLE_AUDIT_MAXLEN	"100000"
/* console_key()'s buffers: that many keys may be in use at once. */
#define CONSOLE_KEYS		4
#define CONSOLE_KEY_MAX		256


/* Fields of a form or query string, at most; more is a bad request. */
#define CONSOLE_ARGS_MAX	64
/* Bytes of a request body (a form), at most. */
#define CONSOLE_BODY_MAX	(64 * 1024)
/* Bytes of a flash message kept (its cookie holds it encoded, 3 times). */
#define CONSOLE_FLASH_TEXT	300
#define CONSOLE_FLASH_MAX	(3 * CONSOLE_FLASH_TEXT)

/* Decoded name=value pairs of a query string or a urlencoded form. */
struct console_args {
	size_t	 n;
	char	*names[CONSOLE_ARGS_MAX];
	char	*values[CONSOLE_ARGS_MAX];
};

/*
 * Percent-decodes s[0..n) (a '+' is a space when plus) into a new string
 * in *out: -1 for a bad escape, a NUL byte, a control character other than
 * tab, CR and LF, or invalid UTF-8 (*out NULL).
 */
int		 console_url_decode(const char *s, size_t n, int plus,
		    char **out);
/*
 * Parses application/x-www-form-urlencoded s[0..n) (a query string or a
 * body) into args, which must be empty (zeroed). Empty pairs ("a&&b") are
 * skipped; a name without '=' has the value "". 0, or -1 (args freed) for
 * a bad escape or more than CONSOLE_ARGS_MAX pairs.
 */
int		 console_args_parse(struct console_args *, const char *s,
		    size_t n);
/* The first value of name, or NULL. */
const char	*console_args_get(const struct console_args *, const char *name);
void		 console_args_free(struct console_args *);

/*
 * The value of cookie name in a Cookie header ("a=1; b=2"), the first if
 * several, without surrounding quotes, into out: 0, or -1 when absent or
 * too long for out.
 */
int		 console_cookie_get(const char *header, const char *name,
		    char *out, size_t outlen);
/*
 * Whether an X-Forwarded-Proto value says https: its last entry (the
 * nearest proxy's), blanks trimmed, any case.
 */
int		 console_proto_https(const char *value);
/* "en" when lang is "en", else "fr": French first. */
const char	*console_lang_pick(const char *lang);
/*
 * Whether a request path is one the console takes: starts with '/', 1 to
 * 256 bytes of printable ASCII, no "//" nor a dot segment. 1 or 0.
 */
int		 console_path_ok(const char *path);
/*
 * s percent-encoded for a cookie value or a URL's query (unreserved
 * characters stay), appended to out.
 */
void		 console_url_encode(struct buf *out, const char *s);

/*
 * Sessions ended by a logout before their cookie expires, remembered until
 * it would have (the longest session_ttl_s since start, a reload may have
 * shortened it): a copied cookie is refused once its owner logged out. A
 * ring of this many; past it, the oldest are forgotten (a user with an
 * account could push one out by logging in and out 1,024 times: the
 * limits make that take minutes), and all of them at a restart (changing
 * console.secret ends every session).
 */
#define CONSOLE_ENDED_MAX	1024

struct console_ended {
	char		sid[CONSOLE_SID_LEN + 1];
	long long	until_s;
};

struct console {
	struct event_base	*base;
	struct admin		*admin;		/* the listener and its guards */
	struct redis		*redis;
	struct console_env	 env;
	struct console_users	 users;
	unsigned char		*secret;
	size_t			 secretlen;
	long			 ttl_s;
	long			 ttl_max_s;	/* the longest since start */
	enum config_secure	 secure;
	struct console_limiter	*by_client, *by_user, *by_all;
	const struct redis_script *scripts[CONSOLE_SCRIPTS_MAX];
	size_t			 nscripts;
	TAILQ_HEAD(, console_req) reqs;
	int			 freeing;
	unsigned long		 gen;		/* console_set_env calls */
	struct console_ended	 ended[CONSOLE_ENDED_MAX];
	size_t			 nended;	/* ever: the next goes at % MAX */
};

/* Remembers that session sid ended (logout); whether it has. */
void		 console_session_end(struct console *, const char *sid,
		    long long now_s);
int		 console_session_ended(const struct console *, const char *sid,
		    long long now_s);

/*
 * One request, from its arrival until its answer is sent and no Redis call
 * made through it is pending. req is NULL once the answer went, or when the
 * port closed the connection first (console_req_gone).
 */
struct console_req {
	TAILQ_ENTRY(console_req) entry;
	struct console		*c;
	unsigned long		 gen;		/* c->gen when it came */
	struct evhttp_request	*req;
	int			 answered;
	int			 pending;	/* Redis calls */
	int			 post;
	int			 https;		/* a trusted proxy said so */
	char			*path;
	struct console_args	 args;
	struct console_user	 user;		/* a copy; name NULL: nobody */
	char			 sid[CONSOLE_SID_LEN + 1];
	char			 csrf[CONSOLE_CSRF_LEN + 1];
	const char		*lang;
	int			 own_lang;	/* lang= is the page's (previews) */
	char			*flash;		/* from the cookie, or NULL */
	unsigned char		 client[16];	/* admin_client() */
	char			 client_name[64];
	struct buf		 body;
	char			 keys[CONSOLE_KEYS][CONSOLE_KEY_MAX];
	int			 nextkey;
};

/* console_reply.c: a request's end, and its answer's headers. */
/* Frees r once answered and nothing of it is pending. */
void		 console_req_reap(struct console_req *);
/* A page that returned (or a callback that ran) without an answer: 500. */
void		 console_req_check(struct console_req *);
/* Adds a header to the answer: 0, or -1 when it could not be. */
int		 console_header(struct console_req *, const char *name,
		    const char *value);
/* Set-Cookie name=value, Path=/, SameSite=Strict, Secure when due. */
void		 console_set_cookie(struct console_req *, const char *name,
		    const char *value, long max_age, int httponly);

/* console_page.c: Redis's command timeout, from the configuration. */
long		 console_redis_timeout(const struct console *);

/* console_login.c: GET and POST /login, POST /logout (CSRF checked). */
void		 console_login_form(struct console_req *, int status,
		    const char *user, const char *error);
void		 console_login(struct console_req *);
void		 console_logout(struct console_req *);

/* console_html.c: the pages console_login.c and console_reply.c send. */
/* The error page's body (status, message), without the user's nav if none. */
void		 console_html_error(struct console_req *, int status,
		    const char *message);
/* The login page: the form (and an error message, or NULL). */
void		 console_html_login(struct console_req *, const char *login_csrf,
		    const char *user, const char *error);
/* The stylesheet (inline in every page's head). */
extern const char console_css[];

/* console_reply.c: sends body as the page, with status (200, 403, ...). */
void		 console_send(struct console_req *, int status);

#endif
