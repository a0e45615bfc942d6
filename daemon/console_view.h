/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the console's read-only pages share (console_overview.c,
 * console_health.c): their Redis reads sent at once and rendered when the
 * last reply is in, the territories a request may show, words written in
 * place in both languages.
 *
 * A batch is the first member of a page's state, which owns it and its
 * calls (an array of struct console_view_call, one per read, each naming
 * what reads its reply). console_view_send sends one read, pipelined on
 * the console's connection; console_view_sent says every read was sent.
 * done then runs exactly once: when the last reply is in, or at once if
 * every reply came already (or none could be sent: failed is set). done
 * renders, or answers an error, and frees the page's state; console.h
 * keeps the request alive until then.
 */
#ifndef RELAIS_CONSOLE_VIEW_H
#define RELAIS_CONSOLE_VIEW_H

#include <stddef.h>

#include "console.h"

struct territory;
struct console_view;
struct console_view_call;

/* Reads a reply (never NULL) into the page's state: 0, or -1 if bad. */
typedef int	(*console_view_read_fn)(struct console_view_call *,
		    const redisReply *);

struct console_view_call {
	struct console_view	*v;
	console_view_read_fn	 read;
	size_t			 i;	/* the slot its reply fills */
};

struct console_view {
	struct console_req	*r;
	size_t			 pending;	/* replies still to come */
	int			 issuing;	/* console_view_sent not yet */
	int			 failed;	/* replies missing or bad */
	void			(*done)(struct console_view *);
};

void		 console_view_init(struct console_view *, struct console_req *,
		    void (*done)(struct console_view *));
/* Sends argv (NUL-terminated strings); -1 when Redis is down (failed). */
int		 console_view_send(struct console_view *,
		    struct console_view_call *, int argc, const char **argv);
/* Every read sent: done runs now if no reply is pending. */
void		 console_view_sent(struct console_view *);

/* fr or en, as the request's language asks. */
const char	*console_view_w(const struct console_req *, const char *fr,
		    const char *en);
/* A query value, NULL when absent or empty. */
const char	*console_view_arg(const struct console_req *, const char *name);
/* t's display name in the request's language. */
const char	*console_view_name(const struct console_req *,
		    const struct territory *);
/*
 * The territories to show (*out, owned by the caller, in the
 * configuration's order): the one ?territory= names, else every one the
 * user may see. 0, or the status to answer (404 unknown, 403 not theirs).
 */
int		 console_view_territories(struct console_req *,
		    const struct territory ***out, size_t *n);

#endif
