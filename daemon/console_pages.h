/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Helpers shared by the console's Dead letters and Opt-outs pages
 * (console_pages.c, console_optouts.c); private to them.
 */
#ifndef RELAIS_CONSOLE_PAGES_H
#define RELAIS_CONSOLE_PAGES_H

struct buf;
struct console_req;

/* A word of the Dead letters pages in the request's language. */
const char	*console_pages_word(const struct console_req *, const char *key);
/* s percent-encoded for a URL's query. */
void		 console_pages_urlenc(struct buf *, const char *s);
/*
 * Whether the user sees what belongs to territory: region scope sees
 * everything, a territory's scope its own only (never what has none).
 */
int		 console_pages_may_see(const struct console_req *,
		    const char *territory);
int		 console_pages_coordinator(const struct console_req *);
/* Whether s is a stream id ("1700000000000-0"). */
int		 console_pages_id_ok(const char *s);

#endif
