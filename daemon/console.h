/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The coordinators' web console: relaisd's second HTTP listener
 * (console.listen), server-rendered HTML, French first.
 *
 * console.c owns the listener, sessions, CSRF checks, roles and the route
 * table; the pages are functions below, each in the file that owns it
 * (console_overview.c, console_preview.c, console_pages.c). A page runs
 * after the request was authenticated and authorised as its route asks:
 * it reads what it needs (asynchronously, through console_req_redis, tied
 * to the request) and ends with exactly one of console_page_end,
 * console_reply_error or console_redirect.
 *
 * Lifetime: a struct console_req lives until its reply is sent AND no
 * Redis call made through it is pending. When the client goes away first,
 * the reply is dropped silently; callbacks still run, with the request
 * valid, so a page never needs to know.
 */
#ifndef RELAIS_CONSOLE_H
#define RELAIS_CONSOLE_H

#include <stddef.h>

#include "redis.h"

struct buf;
struct config;
struct consent;
struct console;
struct console_req;
struct console_user;
struct event_base;

/* One gateway as the Health page shows it (strings live until return). */
struct console_gw_state {
	const char	*name;
	const char	*kind;
	const char	*breaker;	/* breaker_state_name() */
	double		 rate_per_s;	/* configured limit; 0: none */
	unsigned long	 sent, failed;	/* since start */
};

/* Fills at most max gateways into out; returns how many there are. */
typedef size_t	(*console_gateways_fn)(void *arg, struct console_gw_state *out,
		    size_t max);

/*
 * What relaisd lends the console; pointers stay valid until the next
 * console_set_env() or console_free().
 */
struct console_env {
	const struct config	*cf;
	struct consent		*consent;	/* opt-outs written through it */
	console_gateways_fn	 gateways;
	void			*gateways_arg;
};

/* Listens on cf->console (NULL with the reason in err). */
struct console	*console_new(struct event_base *, const struct console_env *,
		    char *err, size_t errlen);
/* After a reload: the new config, users file re-read (0, or -1 and err). */
int		 console_set_env(struct console *, const struct console_env *,
		    char *err, size_t errlen);
int		 console_port(const struct console *);
void		 console_free(struct console *);

/* The request, as pages see it. */
const char	*console_req_path(const struct console_req *);
/* A query (GET) or form (POST) value, NULL when absent. */
const char	*console_req_arg(const struct console_req *, const char *name);
const struct console_user *console_req_user(const struct console_req *);
/*
 * The UI's language, "fr" or "en": the lang cookie, set by ?lang= on any
 * page but /templates (whose lang is the language previewed, the UI's
 * staying as it was) and by the switch's links (/lang?set=en&back=...).
 */
const char	*console_req_lang(const struct console_req *);
const char	*console_req_csrf(const struct console_req *);
const struct console_env *console_req_env(const struct console_req *);
/*
 * Whether the config was swapped (a reload) since the request came: what a
 * page took from console_req_env(r)->cf before a Redis call (territories,
 * names) is freed then, and must not be read in its callback.
 */
int		 console_req_stale(const struct console_req *);
/* Whether the user's scope covers territory (region scope: every one). */
int		 console_req_may_see(const struct console_req *,
		    const char *territory);
/*
 * A Redis command on the console's connection; cb runs exactly once
 * (reply NULL on failure), before the request can be freed. -1 when Redis
 * is down (cb not called).
 */
int		 console_req_redis(struct console_req *, redis_cb cb, void *arg,
		    int argc, const char **argv, const size_t *argvlen);
int		 console_req_eval(struct console_req *,
		    const struct redis_script *, redis_cb cb, void *arg,
		    int nkeys, int argc, const char **argv,
		    const size_t *argvlen);
/*
 * The Redis key prefix ("relais:") joined to name, in a buffer of the
 * request's that stays valid for the next 3 calls (4 keys at once).
 */
const char	*console_key(const struct console_req *, const char *name);

/* Output. The body is HTML being built between page_begin and page_end. */
struct buf	*console_req_body(struct console_req *);
/* A UI string in the request's language (console_html.c's table). */
const char	*console_word(const struct console_req *, const char *key);
/* s HTML-escaped (text and attribute safe). */
void		 console_html_text(struct buf *, const char *s);
/* Head, header with the nav, the user and the language switch; <main>. */
void		 console_page_begin(struct console_req *, const char *title);
/* Closes <main>, footer; sends 200. */
void		 console_page_end(struct console_req *);
/* An error page (403, 404, 429, 500, 503) with message in #error. */
void		 console_reply_error(struct console_req *, int status,
		    const char *message);
/* 303 to location; flash (may be NULL) shown in #flash on the next page. */
void		 console_redirect(struct console_req *, const char *location,
		    const char *flash);
/* <form method="post" action=...> and its hidden CSRF field. */
void		 console_form_begin(struct console_req *, const char *action);
/*
 * s (an address) as an audit target may name it: "hmac:" and 12 hex of
 * HMAC-SHA256 under console.secret. The same address gives the same
 * target; without the secret nobody finds the address back by trying
 * every phone number, as an unkeyed hash would let them.
 */
void		 console_audit_hash(const struct console_req *, const char *s,
		    char *out, size_t outlen);
/* Records a change in <prefix>console:audit (no personal data in target). */
void		 console_audit(struct console_req *, const char *action,
		    const char *target);

/* The pages. */
void	console_page_overview(struct console_req *);	/* console_overview.c */
void	console_page_health(struct console_req *);	/* console_overview.c */
void	console_page_templates(struct console_req *);	/* console_preview.c */
void	console_page_dead_list(struct console_req *);	/* console_pages.c */
void	console_page_dead_show(struct console_req *);
void	console_page_dead_replay(struct console_req *);
void	console_page_dead_drop(struct console_req *);
void	console_page_optouts(struct console_req *);
void	console_page_optouts_add(struct console_req *);
void	console_page_optouts_remove(struct console_req *);

#endif
