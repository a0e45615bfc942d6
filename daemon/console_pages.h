/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Dead letters and Opt-outs pages, private to them:
 * console_pages.c reads and judges letters and routes the requests,
 * console_pages_html.c writes the list and one letter,
 * console_pages_act.c replays and drops, console_optouts.c checks and
 * changes opt-outs.
 *
 * Ownership: a struct pages_dead holds everything of one request (the
 * letters, copied out of the replies); console_pages_dead_free() releases
 * it, right before the page's reply is made.
 */
#ifndef RELAIS_CONSOLE_PAGES_H
#define RELAIS_CONSOLE_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "redis.h"

struct buf;
struct console_req;

#define PAGES_LIST_READ		100	/* letters a list page reads */
#define PAGES_SCAN_READS	10	/* reads of a set, PAGES_LIST_READ each */
#define PAGES_ACT_MAX		1000	/* letters one POST acts on */
#define PAGES_WINDOW		500	/* letters read after one, for its event */
#define PAGES_DROP_BATCH	100	/* letters per drop script */
#define PAGES_SHOW_MAX		65536	/* bytes of an event shown */

enum pages_mode {
	PAGES_LIST,
	PAGES_SHOW,
	PAGES_REPLAY,
	PAGES_DROP,
};

/* One letter, as read (and judged). */
struct pages_letter {
	char	*id;
	char	*reason;
	char	*cls;		/* its reason class (figures.h) */
	char	*event_id;
	char	*stream_id;
	char	*holder;	/* the letter with its event's bytes, or "" */
	char	*at;
	char	*attempts;
	char	*channel;
	char	*role;
	char	*type;		/* "" when unknown */
	char	*territory;	/* "" when none */
	char	*never;		/* why it can never be handled, or NULL */
	char	*payload;	/* the event's bytes (show only), or NULL */
	size_t	 paylen;
	int	 peeked;	/* read as a holder only, not chosen from */
	int	 selected;
};

/* What the filter fields ask for. */
struct pages_filter {
	const char	*reason;	/* a class */
	const char	*type;
	const char	*territory;
	const char	*age;		/* "7d": at most this old */
	int64_t		 since_ms;	/* -1: any time */
	const char	*before;	/* list: letters older than this id */
	int		 bad_age;
};

struct pages_dead {
	struct console_req	*r;
	enum pages_mode		 mode;
	void			(*finish)(struct pages_dead *); /* ends the page */
	struct pages_filter	 f;
	char			 id[64];	/* one letter, or "" for a set */
	struct pages_letter	*v;
	size_t			 n;
	size_t			 reads;
	int			 more;		/* the stream goes on below */
	char			 last[64];	/* the oldest id read */
	int			 window;	/* id: the letters after it read */
	char			**asked;	/* holders peeked at */
	size_t			 nasked;
	size_t			 pending;	/* scripts in flight */
	size_t			 done, skipped, failed, kept, capped;
};

/* A word of these pages in the request's language. */
const char	*console_pages_word(const struct console_req *, const char *key);
/* 1 when the request is in English, 0 in French. */
int		 console_pages_en(const struct console_req *);
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
/* The reason classes (figures.h), each once, then "other", then NULL. */
const char	*console_pages_class_at(size_t);
const char	*console_pages_class_label(const struct console_req *,
		    const char *cls);
/* The filters as a query ("reason=x&age=7d"), or with sep " " as words. */
void		 console_pages_filter_query(const struct pages_filter *,
		    struct buf *, const char *sep);

void		 console_pages_dead_free(struct pages_dead *);
struct pages_letter *console_pages_find(const struct pages_dead *,
		    const char *id);
/* Whether the user may see l and the filters let it through. */
int		 console_pages_match(const struct pages_dead *,
		    const struct pages_letter *);
/*
 * A command through the request, or with s the script s (0 keys, argv its
 * ARGV); -1 when Redis is down (cb not called).
 */
int		 console_pages_call(struct pages_dead *, struct redis_script *s,
		    redis_cb, void *arg, int argc, const char **argv);

/*
 * A request's letters to read (console_pages_read), for mode; once they are
 * read and judged, finish ends the page (console_pages_html.c shows them,
 * console_pages_act.c replays or drops them). The pages call this file,
 * never the other way round.
 */
struct pages_dead *console_pages_new(struct console_req *, enum pages_mode,
		    void (*finish)(struct pages_dead *));
void		 console_pages_read(struct pages_dead *);
/* A territory filter the user may not see: answered 403, d freed; 1. */
int		 console_pages_forbidden(struct pages_dead *);
/* A query or form value, NULL when absent or empty. */
const char	*console_pages_arg(const struct console_req *, const char *name);

#endif
