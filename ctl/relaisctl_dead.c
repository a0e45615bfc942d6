/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl dead list, show and drop, and the selection of letters by id or by filters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "dead_lua.h"
#include "envelope.h"
#include "relaisctl.h"

/* How many letters one XRANGE reads. */
#define CTL_DEAD_PAGE	200

/* What --reason, --type and --since ask for. */
struct ctl_filter {
	const char	*reason;	/* a substring, in any case */
	const char	*type;
	int64_t		 since_ms;	/* -1: any time */
	int		 any;		/* one of them was given */
};

/* --since: a duration back from Redis's clock (30m, 2h, 3d, 1w) or a time. */
static int
ctl_since(struct ctl *c, const char *v, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 },
		{ 'd', 86400000 }, { 'w', 604800000 } };
	char		*end;
	long long	 n;
	int64_t		 now;
	size_t		 i;

	n = strtoll(v, &end, 10);
	for (i = 0; end != v && n >= 0 && n < 100000 && end[0] != '\0' &&
	    end[1] == '\0' && i < sizeof units / sizeof units[0]; i++) {
		if (units[i].unit != end[0])
			continue;
		if ((now = ctl_redis_now_ms(c)) == -1) {
			fprintf(stderr, "relaisctl: Redis did not say its time\n");
			return 1;
		}
		*ms = now - n * units[i].ms;
		return 0;
	}
	if (envelope_parse_time(v, ms) == 0)
		return 0;
	return ctl_usage_error(c, "--since takes a duration (90s, 30m, 2h, 3d, "
	    "1w) or an RFC 3339 time, not \"%s\"", v);
}

static int
ctl_filter_get(struct ctl *c, const struct ctl_args *a, struct ctl_filter *f)
{
	const char	*since = ctl_opt(a, "since");

	f->reason = ctl_opt(a, "reason");
	f->type = ctl_opt(a, "type");
	f->since_ms = -1;
	f->any = f->reason != NULL || f->type != NULL || since != NULL;
	return since != NULL ? ctl_since(c, since, &f->since_ms) : 0;
}

static int
ctl_filter_match(const struct ctl_filter *f, const struct ctl_letter *l)
{
	return (f->reason == NULL || strcasestr(l->reason, f->reason) != NULL) &&
	    (f->type == NULL || strcmp(l->type, f->type) == 0) &&
	    (f->since_ms < 0 || ctl_id_ms(l->id) >= f->since_ms);
}

/* The event's type and whether relaisd can ever handle its bytes (dead_judge()). */
static void
ctl_letter_judge(struct ctl *c, struct ctl_letter *l, const char *p,
    size_t len)
{
	struct dead_verdict	v;

	dead_judge(c->cf, p, len, &v);
	if (v.type[0] != '\0')
		l->type = xstrdup(v.type);
	if (v.never[0] != '\0')
		l->never = xstrdup(v.never);
}

/* One entry of the dead stream into the list (arg), judged. */
static void
ctl_letter_add(struct ctl *c, const redisReply *e, void *arg)
{
	struct ctl_letters	*ls = arg;
	const redisReply	*f = e->element[1], *payload = NULL;
	struct ctl_letter	*l, *h;
	char			 why[256];
	size_t			 i;

	ls->v = xrealloc(ls->v, (ls->n + 1) * sizeof *ls->v);
	l = &ls->v[ls->n++];
	memset(l, 0, sizeof *l);
	l->id = xstrdup(e->element[0]->str);
	l->event_id = xstrdup(ctl_field(f, "event_id"));
	l->stream_id = xstrdup(ctl_field(f, "stream_id"));
	l->reason = xstrdup(ctl_field(f, "reason"));
	l->at = xstrdup(ctl_field(f, "at"));
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (strcmp(f->element[i]->str, "payload") == 0)
			payload = f->element[i + 1];
	}
	if (payload != NULL && payload->len > 0) {
		l->holder = xstrdup(l->id);
		ctl_letter_judge(c, l, payload->str, payload->len);
	} else if (*ctl_field(f, "payload_in") != '\0') {
		/* the bytes are in an older letter of the same event */
		l->holder = xstrdup(ctl_field(f, "payload_in"));
		if ((h = ctl_letters_find(ls, l->holder)) != NULL && h != l &&
		    h->never == NULL && h->type != NULL)
			l->type = xstrdup(h->type);
		if (h == NULL || h == l) {
			snprintf(why, sizeof why, "its event's bytes were in "
			    "letter %s, gone since", l->holder);
			l->never = xstrdup(why);
		} else if (h->never != NULL)
			l->never = xstrdup(h->never);
	} else
		l->holder = xstrdup("");
	if (l->never == NULL && (*l->holder == '\0' || *l->stream_id == '\0' ||
	    strncmp(l->reason, "unreadable", 10) == 0))
		l->never = xstrdup("no event to replay");
	if (l->type == NULL)
		l->type = xstrdup("");
}

void
ctl_letters_free(struct ctl_letters *ls)
{
	size_t	i;

	for (i = 0; i < ls->n; i++) {
		free(ls->v[i].id);
		free(ls->v[i].event_id);
		free(ls->v[i].stream_id);
		free(ls->v[i].reason);
		free(ls->v[i].at);
		free(ls->v[i].holder);
		free(ls->v[i].type);
		free(ls->v[i].never);
		free(ls->v[i].kept_for);
	}
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
}

struct ctl_letter *
ctl_letters_find(const struct ctl_letters *ls, const char *id)
{
	size_t	lo = 0, hi = ls->n, mid;
	int	r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = dead_id_cmp(id, ls->v[mid].id)) == 0)
			return strcmp(id, ls->v[mid].id) == 0 ? &ls->v[mid] :
			    NULL;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Every letter, oldest first, in pages. -1 after a message. */
static int
ctl_letters_read(struct ctl *c, struct ctl_letters *ls)
{
	char	err[256];

	if (ctl_xrange(c, ctl_key(c, "dead"), "-", "+", CTL_DEAD_PAGE,
	    ctl_letter_add, ls, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: XRANGE %s failed: %s\n",
		    ctl_key(c, "dead"), err);
		return -1;
	}
	return 0;
}

int
ctl_letters_select(struct ctl *c, const struct ctl_args *a,
    struct ctl_letters *ls)
{
	struct ctl_filter	 f;
	struct ctl_letter	*l;
	int			 all = ctl_opt(a, "all") != NULL ||
				    strcmp(c->cmd->name, "dead list") == 0;
	int			 rc;
	size_t			 i;

	memset(ls, 0, sizeof *ls);
	if ((rc = ctl_filter_get(c, a, &f)) != 0)
		return rc;
	if (all && a->npos > 0)
		return ctl_usage_error(c, "--all or ids, not both");
	if (!all && a->npos == 0)
		return ctl_usage_error(c, "name the letters, or say --all");
	if (!all && f.any)
		return ctl_usage_error(c, "--reason, --type and --since choose "
		    "among all the letters: add --all");
	if (ctl_letters_read(c, ls) == -1)
		return 1;
	for (i = 0; all && i < ls->n; i++)
		ls->v[i].selected = ctl_filter_match(&f, &ls->v[i]);
	for (i = 0; i < a->npos; i++) {
		if ((l = ctl_letters_find(ls, a->pos[i])) == NULL) {
			fprintf(stderr, "relaisctl: no dead letter %s\n",
			    a->pos[i]);
			ls->missing++;
		} else
			l->selected = 1;
	}
	return 0;
}

static void
ctl_dead_print(const char *id, const char *at, const char *ev,
    const char *reason)
{
	printf("%s  %s  event=", id, at);
	ctl_print_safe(*ev != '\0' ? ev : "-", *ev != '\0' ? strlen(ev) : 1, 0);
	printf("\n    reason: ");
	ctl_print_safe(reason, strlen(reason), 0);
	printf("\n");
}

int
ctl_dead_list(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_letters	 ls;
	redisReply		*rep;
	const redisReply	*f;
	const char		*nv = ctl_opt(a, "count");
	long			 n = nv != NULL ? strtol(nv, NULL, 10) : 20;
	size_t			 i, shown = 0;
	int			 rc;

	if (n <= 0)
		n = 20;
	if (ctl_connect(c) == -1)
		return 1;
	if (ctl_opt(a, "reason") != NULL || ctl_opt(a, "type") != NULL ||
	    ctl_opt(a, "since") != NULL) {
		if ((rc = ctl_letters_select(c, a, &ls)) != 0)
			return rc;
		for (i = ls.n; i > 0 && shown < (size_t)n; i--) {
			if (!ls.v[i - 1].selected)
				continue;
			ctl_dead_print(ls.v[i - 1].id, ls.v[i - 1].at,
			    ls.v[i - 1].event_id, ls.v[i - 1].reason);
			shown++;
		}
		if (shown == 0)
			printf("no dead letters match\n");
		ctl_letters_free(&ls);
		return 0;
	}
	rep = redisCommand(c->rc, "XREVRANGE %s + - COUNT %ld",
	    ctl_key(c, "dead"), n);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "relaisctl: XREVRANGE failed\n");
		freeReplyObject(rep);
		return 1;
	}
	for (i = 0; i < rep->elements; i++) {
		f = rep->element[i]->element[1];
		ctl_dead_print(rep->element[i]->element[0]->str,
		    ctl_field(f, "at"), ctl_field(f, "event_id"),
		    ctl_field(f, "reason"));
	}
	if (rep->elements == 0)
		printf("no dead letters\n");
	freeReplyObject(rep);
	return 0;
}

int
ctl_dead_show(struct ctl *c, const struct ctl_args *a)
{
	redisReply		*rep;
	const redisReply	*f;
	const char		*id = a->pos[0];
	size_t			 i;

	if (ctl_connect(c) == -1)
		return 1;
	rep = redisCommand(c->rc, "XRANGE %s %s %s", ctl_key(c, "dead"), id, id);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 1) {
		fprintf(stderr, "relaisctl: no dead letter %s\n", id);
		freeReplyObject(rep);
		return 1;
	}
	f = rep->element[0]->element[1];
	printf("id: %s\n", id);
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (strcmp(f->element[i]->str, "payload") == 0)
			continue;
		ctl_print_safe(f->element[i]->str, f->element[i]->len, 0);
		printf(": ");
		ctl_print_safe(f->element[i + 1]->str, f->element[i + 1]->len,
		    0);
		printf("\n");
	}
	for (i = 0; i + 1 < f->elements; i += 2) {
		if (strcmp(f->element[i]->str, "payload") != 0)
			continue;
		printf("payload:\n");
		ctl_print_safe(f->element[i + 1]->str, f->element[i + 1]->len,
		    1);
		printf("\n");
	}
	freeReplyObject(rep);
	return 0;
}

/*
 * A letter holding its event's bytes for letters that stay is kept: they
 * would lose them. Marks it unselected, with the first such letter.
 */
static void
ctl_drop_keep_holders(struct ctl_letters *ls)
{
	struct ctl_letter	*l, *h;
	size_t			 i;

	for (i = 0; i < ls->n; i++) {
		l = &ls->v[i];
		if (l->selected || *l->holder == '\0' ||
		    strcmp(l->holder, l->id) == 0 ||
		    (h = ctl_letters_find(ls, l->holder)) == NULL || !h->selected)
			continue;
		h->selected = 0;
		h->kept_for = xstrdup(l->id);
	}
}

/*
 * Removes the letters of ids[0..n) (each with its event id) and each
 * dead-event:<event id> that points to one; flags each removed one.
 */
static int
ctl_drop_batch(struct ctl *c, struct ctl_letter **v, size_t n, int *gone)
{
	const char	**argv;
	redisReply	 *rep;
	size_t		 *lens, i, k = 0;
	int		  rc = 0;

	argv = xcalloc(4 + 2 * n, sizeof *argv);
	lens = xcalloc(4 + 2 * n, sizeof *lens);
	argv[k++] = "EVAL";
	argv[k++] = dead_lua_drop;
	argv[k++] = "0";
	argv[k++] = c->cf->redis.prefix;
	for (i = 0; i < n; i++) {
		argv[k++] = v[i]->id;
		argv[k++] = v[i]->event_id;
	}
	for (i = 0; i < k; i++)
		lens[i] = strlen(argv[i]);
	rep = redisCommandArgv(c->rc, (int)k, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != n) {
		fprintf(stderr, "relaisctl: dead drop failed: %s\n", rep != NULL &&
		    rep->type == REDIS_REPLY_ERROR ? rep->str : c->rc->errstr);
		rc = -1;
	}
	for (i = 0; rc == 0 && i < n; i++)
		gone[i] = rep->element[i]->integer == 1;
	freeReplyObject(rep);
	free(argv);
	free(lens);
	return rc;
}

int
ctl_dead_drop(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_letters	  ls;
	struct ctl_letter	**batch;
	int			  dry = ctl_opt(a, "dry-run") != NULL, rc;
	int			 *gone;
	size_t			  i, k, nb = 0, dropped = 0, kept = 0, chosen = 0;

	if (ctl_connect(c) == -1)
		return 1;
	if ((rc = ctl_letters_select(c, a, &ls)) != 0)
		return rc;
	ctl_drop_keep_holders(&ls);
	batch = xcalloc(ls.n + 1, sizeof *batch);
	gone = xcalloc(ls.n + 1, sizeof *gone);
	for (i = 0; i < ls.n; i++) {
		if (ls.v[i].kept_for != NULL) {
			printf("kept %s: letter %s of the same event needs the "
			    "bytes it holds (drop or replay it too)\n",
			    ls.v[i].id, ls.v[i].kept_for);
			kept++;
		}
		if (ls.v[i].selected)
			batch[nb++] = &ls.v[i];
	}
	chosen = nb;
	for (i = 0; i < nb && rc == 0; i += 100) {
		k = nb - i < 100 ? nb - i : 100;
		if (!dry && ctl_drop_batch(c, batch + i, k, gone + i) == -1)
			rc = 1;
	}
	for (i = 0; i < nb; i++) {
		if (!dry && !gone[i])
			continue;
		printf("%s %s  event=", dry ? "would drop" : "dropped",
		    batch[i]->id);
		ctl_print_safe(*batch[i]->event_id ? batch[i]->event_id : "-",
		    *batch[i]->event_id ? strlen(batch[i]->event_id) : 1, 0);
		printf("  reason: ");
		ctl_print_safe(batch[i]->reason, strlen(batch[i]->reason), 0);
		printf("\n");
		dropped++;
	}
	if (dry)
		printf("dry run: %zu letter%s would be dropped, %zu kept; nothing "
		    "changed\n", dropped, dropped == 1 ? "" : "s", kept);
	else
		printf("%zu dropped, %zu kept\n", dropped, kept);
	if ((!dry && dropped != chosen) || kept > 0 || ls.missing > 0)
		rc = 1;
	free(batch);
	free(gone);
	ctl_letters_free(&ls);
	return rc;
}
