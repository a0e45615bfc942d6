/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * relaisctl dead replay: events of dead letters back on the stream, one
 * replay per event, then the outcome relaisd recorded for each, waited for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "dead_lua.h"
#include "relaisctl.h"

/* The latest outcome recorded for one delivery of a replayed event. */
struct ctl_outcome {
	char	key[64];
	char	outcome[16];
};

/*
 * One event put back: the stream entry it became (sid), and what the
 * records say of it once relaisd has handled it (the entry is then gone:
 * relaisd acknowledges and deletes an entry in the script that writes its
 * outcomes, so they are all there together).
 */
struct ctl_replayed {
	const struct ctl_letter	*l;	/* the letter named or chosen */
	const char		*event_id;
	char			 sid[64];
	int			 handled;
	unsigned		 dead;		/* letters of the event as a whole */
	struct ctl_outcome	*keys;		/* the last outcome per delivery */
	size_t			 nkeys;
	struct buf		 detail;	/* one line per record */
};

struct ctl_replay {
	struct ctl_replayed	*v;	/* in sid order */
	size_t			 n;
	size_t			 skipped, failed;
	struct buf		 classes;	/* skipped, counted by reason */
};

/* Counts a letter skipped because its event can never be handled. */
static void
ctl_replay_skip(struct ctl_replay *r, const struct ctl_letter *l)
{
	char	cls[80];

	ctl_reason_class(l->never, cls, sizeof cls);
	buf_printf(&r->classes, "%s\n", cls);
	r->skipped++;
}

/* Replays the event of letter l and removes its letters; -1 when not done. */
static int
ctl_replay_one(struct ctl *c, struct ctl_letters *ls, struct ctl_letter *l,
    int dry, int *done, struct ctl_replay *r)
{
	const struct ctl_letter	 *h = ctl_letters_find(ls, l->holder);
	const char		**argv;
	struct ctl_replayed	 *it;
	struct buf		  others;
	redisReply		 *rep;
	char			  ttl[32];
	size_t			 *lens, i, k = 0;

	argv = xcalloc(ls->n + 8, sizeof *argv);
	lens = xcalloc(ls->n + 8, sizeof *lens);
	snprintf(ttl, sizeof ttl, "%ld", c->cf->redis.seen_ttl_s);
	argv[k++] = "EVAL";
	argv[k++] = dead_lua_replay;
	argv[k++] = "0";
	argv[k++] = c->cf->redis.prefix;
	argv[k++] = l->holder;
	argv[k++] = h != NULL ? h->stream_id : l->stream_id;
	argv[k++] = ttl;
	argv[k++] = h != NULL ? h->event_id : l->event_id;
	buf_init(&others);
	for (i = 0; i < ls->n; i++) {
		if (strcmp(ls->v[i].holder, l->holder) != 0)
			continue;
		done[i] = 1;
		argv[k++] = ls->v[i].id;
		if (&ls->v[i] != l)
			buf_printf(&others, "%s%s", others.len ? ", " : "",
			    ls->v[i].id);
	}
	if (dry) {
		printf("would replay %s  event=", l->id);
		ctl_print_safe(*l->event_id ? l->event_id : "-",
		    *l->event_id ? strlen(l->event_id) : 1, 0);
		printf("%s%s%s\n", others.len ? "  (with letters " : "",
		    others.len ? others.data : "", others.len ? ")" : "");
		rep = NULL;
		goto done;
	}
	for (i = 0; i < k; i++)
		lens[i] = strlen(argv[i]);
	rep = redisCommandArgv(c->rc, (int)k, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "relaisctl: %s not replayed: %s\n", l->id,
		    rep == NULL ? c->rc->errstr : rep->type == REDIS_REPLY_ERROR ?
		    rep->str : "its letter was replayed or dropped meanwhile");
		r->failed++;
		goto done;
	}
	r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
	it = &r->v[r->n++];
	memset(it, 0, sizeof *it);
	it->l = l;
	it->event_id = h != NULL ? h->event_id : l->event_id;
	snprintf(it->sid, sizeof it->sid, "%s", rep->str);
	buf_init(&it->detail);
	if (others.len > 0)
		buf_printf(&it->detail, "    with letters %s of the same "
		    "event\n", others.data);
done:
	freeReplyObject(rep);
	buf_free(&others);
	free(argv);
	free(lens);
	return 0;
}

/* Marks the entries relaisd has handled (gone from the stream). -1: Redis failed. */
static int
ctl_replay_poll(struct ctl *c, struct ctl_replay *r, size_t *left)
{
	redisReply	*rep;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < r->n; i++) {
		if (!r->v[i].handled)
			redisAppendCommand(c->rc, "XRANGE %s %s %s",
			    ctl_key(c, "events"), r->v[i].sid, r->v[i].sid);
	}
	*left = 0;
	for (i = 0; i < r->n; i++) {
		if (r->v[i].handled)
			continue;
		if (redisGetReply(c->rc, (void **)&rep) != REDIS_OK)
			return -1;
		if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
		    rep->elements == 0)
			r->v[i].handled = 1;
		else
			(*left)++;
		if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
			rc = -1;
		freeReplyObject(rep);
	}
	return rc;
}

/* Waits until every replayed event was handled, or wait_ms went by. */
static int
ctl_replay_wait(struct ctl *c, struct ctl_replay *r, long long wait_ms)
{
	struct timespec	 nap = { 0, 100 * 1000000L };
	int64_t		 end = clock_mono_ms() + wait_ms;
	size_t		 left;

	for (;;) {
		if (ctl_replay_poll(c, r, &left) == -1) {
			fprintf(stderr, "relaisctl: Redis failed while waiting: "
			    "%s\n", c->rc->errstr);
			return -1;
		}
		if (left == 0 || clock_mono_ms() >= end)
			return 0;
		nanosleep(&nap, NULL);
	}
}

/* The handled entry of that sid, or NULL. */
static struct ctl_replayed *
ctl_replay_by_sid(struct ctl_replay *r, const char *sid)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].sid, sid) == 0)
			return r->v[i].handled ? &r->v[i] : NULL;
	}
	return NULL;
}

/* The latest handled replay of event id that began before at_ms. */
static struct ctl_replayed *
ctl_replay_by_event(struct ctl_replay *r, const char *id, int64_t at_ms)
{
	struct ctl_replayed	*best = NULL;
	size_t			 i;

	for (i = 0; *id != '\0' && i < r->n; i++) {
		if (r->v[i].handled && strcmp(r->v[i].event_id, id) == 0 &&
		    ctl_id_ms(r->v[i].sid) <= at_ms)
			best = &r->v[i];
	}
	return best;
}

/* One record of relais:deliveries or relais:dead, into its replay's outcome. */
static void
ctl_replay_record(struct ctl_replay *r, int dead, const char *id,
    const redisReply *f)
{
	struct ctl_replayed	*it;
	const char		*outcome = ctl_field(f, "outcome");

	size_t			 i;

	if (dead) {
		if ((it = ctl_replay_by_sid(r, ctl_field(f, "stream_id"))) ==
		    NULL)
			return;
		if (*ctl_field(f, "delivery_key") == '\0')
			it->dead++;
		buf_printf(&it->detail, "    new dead letter %s: ", id);
		buf_puts(&it->detail, ctl_field(f, "reason"));
		buf_putc(&it->detail, '\n');
		return;
	}
	if ((it = ctl_replay_by_event(r, ctl_field(f, "event_id"),
	    ctl_id_ms(id))) == NULL || *ctl_field(f, "territory") == '\0')
		return;
	/* a retry that fired meanwhile has its own later record */
	for (i = 0; i < it->nkeys && strcmp(it->keys[i].key,
	    ctl_field(f, "key")) != 0; i++)
		;
	if (i == it->nkeys) {
		it->keys = xrealloc(it->keys, (i + 1) * sizeof *it->keys);
		snprintf(it->keys[i].key, sizeof it->keys[i].key, "%s",
		    ctl_field(f, "key"));
		it->nkeys++;
	}
	snprintf(it->keys[i].outcome, sizeof it->keys[i].outcome, "%s",
	    outcome);
	buf_printf(&it->detail, "    %s to %s (%s): %s", ctl_field(f,
	    "channel"), ctl_field(f, "role"), ctl_field(f, "template"), outcome);
	if (*ctl_field(f, "reason") != '\0' && strcmp(outcome, "sent") != 0)
		buf_printf(&it->detail, ": %s", ctl_field(f, "reason"));
	buf_putc(&it->detail, '\n');
}

static void
ctl_replay_dead(struct ctl *c, const redisReply *e, void *arg)
{
	(void)c;
	ctl_replay_record(arg, 1, e->element[0]->str, e->element[1]);
}

static void
ctl_replay_delivery(struct ctl *c, const redisReply *e, void *arg)
{
	(void)c;
	ctl_replay_record(arg, 0, e->element[0]->str, e->element[1]);
}

/* Reads what relaisd recorded from the first replay on, in pages. */
static int
ctl_replay_records(struct ctl *c, struct ctl_replay *r, int dead)
{
	char	 start[80], stream[512], err[256];

	snprintf(stream, sizeof stream, "%s", ctl_key(c, dead ? "dead" :
	    "deliveries"));
	snprintf(start, sizeof start, "%lld", (long long)ctl_id_ms(r->v[0].sid));
	if (ctl_xrange(c, stream, start, "+", 1000, dead ? ctl_replay_dead :
	    ctl_replay_delivery, r, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: XRANGE %s failed\n", stream);
		return -1;
	}
	return 0;
}

/* Prints each replay and its outcome, then the summary; the exit status. */
static int
ctl_replay_report(struct ctl_replay *r, int waited, long long wait_ms)
{
	struct ctl_replayed	*it;
	size_t			 i, k, sent = 0, retry = 0, dead = 0, none = 0;
	size_t			 pending = 0, deferred = 0;
	unsigned		 n[4];

	for (i = 0; i < r->n; i++) {
		it = &r->v[i];
		/* dead, retry, sent, deferred: each delivery's last outcome */
		n[0] = it->dead;
		n[1] = n[2] = n[3] = 0;
		for (k = 0; k < it->nkeys; k++) {
			if (strcmp(it->keys[k].outcome, "dead") == 0)
				n[0]++;
			else if (strcmp(it->keys[k].outcome, "retry") == 0)
				n[1]++;
			else if (strcmp(it->keys[k].outcome, "sent") == 0)
				n[2]++;
			else if (strcmp(it->keys[k].outcome, "deferred") == 0)
				n[3]++;
		}
		printf("%s  event=", it->l->id);
		ctl_print_safe(*it->event_id ? it->event_id : "-",
		    *it->event_id ? strlen(it->event_id) : 1, 0);
		printf("  replayed as %s: ", it->sid);
		if (!waited)
			printf("not waited for\n");
		else if (!it->handled) {
			printf("still pending after %lld s (is relaisd "
			    "running?)\n", wait_ms / 1000);
			pending++;
		} else if (n[0] > 0) {
			printf("dead again\n");
			dead++;
		} else if (n[1] > 0) {
			printf("retrying\n");
			retry++;
		} else if (n[3] > 0) {
			printf("deferred\n");
			deferred++;
		} else if (n[2] > 0) {
			printf("sent\n");
			sent++;
		} else {
			printf("handled, nothing sent\n");
			none++;
		}
		if (it->detail.len > 0)
			ctl_print_safe(it->detail.data, it->detail.len, 1);
	}
	if (waited)
		printf("replayed %zu: %zu sent, %zu retrying, %zu deferred, "
		    "%zu dead again, %zu nothing sent, %zu still pending", r->n,
		    sent, retry, deferred, dead, none, pending);
	else
		printf("replayed %zu (not waited for: see relaisctl status and "
		    "dead list)", r->n);
	printf("; skipped %zu; not replayed %zu\n", r->skipped, r->failed);
	return r->failed > 0 || dead > 0 || pending > 0 ? 1 : 0;
}

/* The letters skipped, by reason, and how to be rid of them. */
static void
ctl_replay_skipped(struct ctl_replay *r)
{
	char	*s, *line, *next, *prev = NULL;
	size_t	 n = 0;

	if (r->skipped == 0)
		return;
	printf("skipped %zu letter%s whose event can never be handled:\n",
	    r->skipped, r->skipped == 1 ? "" : "s");
	s = xstrdup(r->classes.data);
	for (line = s; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (prev != NULL && strcmp(prev, line) != 0) {
			printf("  %6zu  %s\n", n, prev);
			n = 0;
		}
		prev = line;
		n++;
	}
	if (prev != NULL)
		printf("  %6zu  %s\n", n, prev);
	printf("(relaisctl dead drop --all --reason TEXT removes them)\n");
	free(s);
}

static int
ctl_class_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the skipped classes so that equal ones count together. */
static void
ctl_replay_sort_classes(struct ctl_replay *r)
{
	char	**v = NULL, *s, *line, *next;
	size_t	  n = 0, i;

	if (r->classes.len == 0)
		return;
	s = buf_steal(&r->classes, NULL);
	for (line = s; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = line;
	}
	qsort(v, n, sizeof *v, ctl_class_cmp);
	for (i = 0; i < n; i++)
		buf_printf(&r->classes, "%s\n", v[i]);
	free(v);
	free(s);
}

/* --wait SECONDS / --no-wait: how long to wait; -1 for none. */
static int
ctl_replay_wait_opt(struct ctl *c, const struct ctl_args *a, long long *ms)
{
	const char	*v = ctl_opt(a, "wait");
	char		*end;
	long long	 s;

	*ms = 5000;
	if (ctl_opt(a, "no-wait") != NULL) {
		if (v != NULL)
			return ctl_usage_error(c, "--wait or --no-wait, not both");
		*ms = -1;
		return 0;
	}
	if (v == NULL)
		return 0;
	s = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || s < 0 || s > 86400)
		return ctl_usage_error(c, "--wait takes a number of seconds "
		    "(0 to 86400), not \"%s\"", v);
	*ms = s * 1000;
	return 0;
}

int
ctl_dead_replay(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_letters	 ls;
	struct ctl_replay	 r;
	struct ctl_letter	*l;
	long long		 wait_ms;
	int			 dry = ctl_opt(a, "dry-run") != NULL, rc;
	int			 all = ctl_opt(a, "all") != NULL, *done = NULL;
	size_t			 i, would = 0;

	if ((rc = ctl_replay_wait_opt(c, a, &wait_ms)) != 0)
		return rc;
	if (ctl_connect(c) == -1)
		return 1;
	if ((rc = ctl_letters_select(c, a, &ls)) != 0)
		return rc;
	memset(&r, 0, sizeof r);
	buf_init(&r.classes);
	done = xcalloc(ls.n + 1, sizeof *done);
	for (i = 0; i < ls.n; i++) {
		l = &ls.v[i];
		if (!l->selected || done[i])
			continue;
		if (l->never != NULL) {
			if (all)
				ctl_replay_skip(&r, l);
			else {
				fprintf(stderr, "relaisctl: %s not replayed: its "
				    "event can never be handled: %s (relaisctl "
				    "dead drop %s removes it)\n", l->id,
				    l->never, l->id);
				r.failed++;
			}
			continue;
		}
		ctl_replay_one(c, &ls, l, dry, done, &r);
		would++;
	}
	r.failed += ls.missing;
	ctl_replay_sort_classes(&r);
	ctl_replay_skipped(&r);
	if (dry) {
		printf("dry run: %zu event%s would be replayed, %zu letter%s "
		    "skipped; nothing changed\n", would, would == 1 ? "" : "s",
		    r.skipped, r.skipped == 1 ? "" : "s");
		rc = r.failed > 0 ? 1 : 0;
		goto done;
	}
	if (r.n > 0 && wait_ms >= 0 && (ctl_replay_wait(c, &r, wait_ms) == -1 ||
	    ctl_replay_records(c, &r, 1) == -1 ||
	    ctl_replay_records(c, &r, 0) == -1)) {
		rc = 1;
		goto done;
	}
	rc = ctl_replay_report(&r, wait_ms >= 0, wait_ms);
done:
	for (i = 0; i < r.n; i++) {
		buf_free(&r.v[i].detail);
		free(r.v[i].keys);
	}
	free(r.v);
	buf_free(&r.classes);
	free(done);
	ctl_letters_free(&ls);
	return rc;
}
