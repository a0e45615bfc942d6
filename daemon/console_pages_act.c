/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Dead letters replayed or dropped from the console, one or a filtered set,
 * through the scripts relaisctl runs (dead_lua.h); not waited for: the
 * list says later what became of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "console.h"
#include "console_pages.h"
#include "dead_lua.h"

#define W(r, k)	console_pages_word((r), (k))

/* Loaded on the console's connection the first time each runs (EVALSHA). */
static struct redis_script pages_replay_script = { dead_lua_replay, "" };
static struct redis_script pages_drop_script = { dead_lua_drop, "" };

/* After an action: audited, then back to the list with what was done. */
static void
pages_finish(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct buf		 flash, target, loc, q;
	int			 replay = d->mode == PAGES_REPLAY, en = console_pages_en(r);

	buf_init(&flash);
	buf_init(&target);
	buf_init(&loc);
	buf_init(&q);
	/* short: the flash rides in a cookie of 300 bytes, percent-encoded */
	if (replay)
		buf_printf(&flash, en ? "Replayed %zu (see the list later for "
		    "the outcome)." : "Rejouées : %zu (résultat plus tard dans "
		    "la liste).", d->done);
	else
		buf_printf(&flash, en ? "Dropped %zu." : "Supprimées : %zu.",
		    d->done);
	if (d->skipped > 0)
		buf_printf(&flash, en ? " Left, can never be handled: %zu." :
		    " Laissées, jamais traitables : %zu.", d->skipped);
	if (d->kept > 0)
		buf_printf(&flash, en ? " Kept (another letter needs their "
		    "bytes): %zu." : " Gardées (une autre lettre a besoin de "
		    "leurs octets) : %zu.", d->kept);
	if (d->failed > 0)
		buf_printf(&flash, en ? " Failed: %zu." : " Échecs : %zu.",
		    d->failed);
	if (d->capped > 0 || (*d->id == '\0' && d->more))
		buf_puts(&flash, W(r, "capped"));
	console_pages_filter_query(&d->f, &q, "&");
	if (d->done > 0) {
		if (*d->id != '\0')
			buf_puts(&target, d->id);
		else {
			/* the filters are tokens, a type, an id: no one's data */
			buf_printf(&target, "%zu letters", d->done);
			console_pages_filter_query(&d->f, &target, " ");
		}
		console_audit(r, replay ? "dead.replay" : "dead.drop",
		    target.data);
	}
	buf_puts(&loc, "/dead");
	if (*d->id == '\0' && q.len > 0)
		buf_printf(&loc, "?%s", q.data);
	console_pages_dead_free(d);
	console_redirect(r, loc.data, flash.data);
	buf_free(&flash);
	buf_free(&target);
	buf_free(&loc);
	buf_free(&q);
}

/* One letter's, or the filters' newest PAGES_ACT_MAX; 0, or -1 when the page ended. */
static int
pages_choose(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct pages_letter	*l;
	size_t			 i, n = 0;

	if (*d->id != '\0') {
		if ((l = console_pages_find(d, d->id)) == NULL || l->peeked) {
			console_pages_dead_free(d);
			console_redirect(r, "/dead", W(r, "gone"));
			return -1;
		}
		if (!console_pages_may_see(r, l->territory)) {
			console_pages_dead_free(d);
			console_reply_error(r, 403, W(r, "not_yours"));
			return -1;
		}
		l->selected = 1;
		return 0;
	}
	for (i = d->n; i > 0; i--) {
		if (!console_pages_match(d, &d->v[i - 1]))
			continue;
		if (n == PAGES_ACT_MAX) {
			d->capped++;
			continue;
		}
		d->v[i - 1].selected = 1;
		n++;
	}
	return 0;
}

static void
pages_on_replayed(redisReply *reply, void *arg)
{
	struct pages_dead	*d = arg;

	if (reply != NULL && reply->type == REDIS_REPLY_STRING)
		d->done++;
	else
		d->failed++;
	if (--d->pending == 0)
		pages_finish(d);
}

/*
 * Each chosen letter's event back on the stream with every letter of it
 * (oldest first, as relaisctl does), not waited for; a letter whose event
 * can never be handled is left.
 */
static void
pages_replay(struct pages_dead *d)
{
	const struct config	*cf = console_req_env(d->r)->cf;
	struct pages_letter	*l, *h;
	const char		**argv;
	char			 ttl[32];
	int			*done;
	size_t			 i, j, k;

	if (pages_choose(d) == -1)
		return;
	snprintf(ttl, sizeof ttl, "%ld", cf->redis.seen_ttl_s);
	argv = xcalloc(d->n + 8, sizeof *argv);
	done = xcalloc(d->n + 1, sizeof *done);
	d->pending = 1;		/* until every script is sent */
	for (i = 0; i < d->n; i++) {
		l = &d->v[i];
		if (!l->selected || done[i])
			continue;
		if (l->never != NULL) {
			d->skipped++;
			continue;
		}
		h = console_pages_find(d, l->holder);
		k = 0;
		argv[k++] = cf->redis.prefix;
		argv[k++] = l->holder;
		argv[k++] = h != NULL ? h->stream_id : l->stream_id;
		argv[k++] = ttl;
		argv[k++] = h != NULL && h->event_id != NULL ? h->event_id :
		    l->event_id;
		for (j = 0; j < d->n; j++) {
			if (strcmp(d->v[j].holder, l->holder) != 0)
				continue;
			done[j] = 1;
			argv[k++] = d->v[j].id;
		}
		d->pending++;
		if (console_pages_call(d, &pages_replay_script, pages_on_replayed, d,
		    (int)k, argv) == -1) {
			d->pending--;
			d->failed++;
		}
	}
	free(argv);
	free(done);
	if (--d->pending == 0)
		pages_finish(d);
}

static void
pages_on_dropped(redisReply *reply, void *arg)
{
	struct pages_dead	*d = arg;
	size_t			 i;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
		d->failed++;
	for (i = 0; reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	    i < reply->elements; i++) {
		if (reply->element[i]->type == REDIS_REPLY_INTEGER &&
		    reply->element[i]->integer == 1)
			d->done++;
		else
			d->failed++;
	}
	if (--d->pending == 0)
		pages_finish(d);
}

/*
 * The chosen letters go, in batches, but a letter holding its event's
 * bytes for letters that stay is kept: they would lose them.
 */
static void
pages_drop(struct pages_dead *d)
{
	const char	**argv;
	size_t		  i, j, k = 0;

	if (pages_choose(d) == -1)
		return;
	for (i = 0; i < d->n; i++) {
		if (!d->v[i].selected || strcmp(d->v[i].holder, d->v[i].id) != 0)
			continue;
		for (j = 0; j < d->n; j++) {
			if (j != i && !d->v[j].selected && !d->v[j].peeked &&
			    strcmp(d->v[j].holder, d->v[i].id) == 0)
				break;
		}
		if (j < d->n) {
			d->v[i].selected = 0;
			d->kept++;
		}
	}
	argv = xcalloc(1 + 2 * PAGES_DROP_BATCH, sizeof *argv);
	d->pending = 1;
	for (i = 0; i <= d->n; i++) {
		if (i < d->n && d->v[i].selected) {
			if (k == 0)
				argv[k++] = console_req_env(d->r)->cf->redis.prefix;
			argv[k++] = d->v[i].id;
			argv[k++] = d->v[i].event_id != NULL ? d->v[i].event_id :
			    "";
		}
		if (k > 0 && (i == d->n || k == 1 + 2 * PAGES_DROP_BATCH)) {
			d->pending++;
			if (console_pages_call(d, &pages_drop_script,
			    pages_on_dropped, d, (int)k, argv) == -1) {
				d->pending--;
				d->failed += (k - 1) / 2;
			}
			k = 0;
		}
	}
	free(argv);
	if (--d->pending == 0)
		pages_finish(d);
}

/* POST /dead/replay and /dead/drop: one letter (id) or a set (all=1). */
static void
pages_act(struct console_req *r, enum pages_mode mode)
{
	struct pages_dead	*d;
	const char		*id = console_pages_arg(r, "id"), *all;

	if (!console_pages_coordinator(r)) {
		console_reply_error(r, 403, W(r, "coordinator"));
		return;
	}
	all = console_pages_arg(r, "all");
	if ((id == NULL && (all == NULL || strcmp(all, "1") != 0)) ||
	    (id != NULL && !console_pages_id_ok(id))) {
		console_redirect(r, "/dead", W(r, id != NULL ? "gone" : "no_id"));
		return;
	}
	d = console_pages_new(r, mode, mode == PAGES_REPLAY ?
	    pages_replay : pages_drop);
	d->f.before = NULL;
	if (d->f.bad_age) {
		/* a filter not understood must not widen the set */
		console_pages_dead_free(d);
		console_redirect(r, "/dead", W(r, "bad_age"));
		return;
	}
	if (id != NULL)
		snprintf(d->id, sizeof d->id, "%s", id);
	if (!console_pages_forbidden(d))
		console_pages_read(d);
}

void
console_page_dead_replay(struct console_req *r)
{
	pages_act(r, PAGES_REPLAY);
}

void
console_page_dead_drop(struct console_req *r)
{
	pages_act(r, PAGES_DROP);
}
