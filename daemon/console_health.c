/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Health page (GET /health): the event stream's backlog and
 * age (the stats script relaisd's metrics run, and XINFO GROUPS), the
 * scheduled set (its size and kinds, exact from scheduled:kinds, how
 * many are due, and of which kinds when they are not too many),
 * each gateway's breaker and rate (relaisd's callback), the dead letters
 * held by reason (figures.h's dead:reasons, every letter). One pipelined
 * batch of bounded reads: no scan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console_auth.h"
#include "console_view.h"
#include "figures.h"
#include "queue_lua.h"
#include "territory.h"
#include "tz.h"

/* Due entries whose kinds are told, the soonest: a bounded read, not a scan. */
#define HL_SCHED_SAMPLE	256
/* Gateways shown at most. */
#define HL_GATEWAYS	64

/* Kinds of scheduled entries, in QUEUE_SCHED_KIND_NAMES's order. */
enum hl_sched {
	HL_SCHED_RETRY,
	HL_SCHED_DEFERRED,
	HL_SCHED_FOLLOWUP,
	HL_SCHED_DIGEST,
	HL_SCHED_REMINDER,
	HL_SCHED_OTHER,
	HL_SCHED_N
};

struct hl_reason {
	char		cls[FIGURES_CLASS_SIZE];
	long long	n;
};

enum hl_hcall {
	HL_H_STATS,
	HL_H_GROUPS,
	HL_H_SCHED,
	HL_H_REASONS,
	HL_H_REMINDERS,	/* one per territory from here */
};

struct hl_health {
	struct console_view	  v;
	const struct territory	**t;
	size_t			  nt;
	int			  region;	/* the user's scope: all */
	struct console_view_call		 *calls;
	long long		  stats[8];	/* queue_stats_lua's answer */
	int			  have_stats;
	int			  group;	/* the consumer group exists */
	long long		  lag;		/* -1: Redis cannot tell */
	long long		  consumers;
	long long		  sched[HL_SCHED_N][2];	/* held, of which due */
	long long		  sampled;	/* due entries told by kind */
	long long		  due;		/* entries due now, in all */
	long long		  card;		/* entries, in all */
	struct hl_reason	 *reasons;
	size_t			  nreasons;
	long long		 *reminder_at;	/* ms per territory; 0: none */
	int64_t			  now;
};

/* console_view_w, short: every page string is written in both languages. */
static const char *
hl_w(const struct console_req *r, const char *fr, const char *en)
{
	return console_view_w(r, fr, en);
}

static int
hl_read_stats(struct console_view_call *c, const redisReply *rep)
{
	struct hl_health	*h = (struct hl_health *)(void *)c->v;
	size_t			 i;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 8)
		return -1;
	for (i = 0; i < 8; i++) {
		if (rep->element[i]->type != REDIS_REPLY_INTEGER)
			return -1;
		h->stats[i] = rep->element[i]->integer;
	}
	h->have_stats = 1;
	return 0;
}

/* The value of field name in an XINFO reply's pairs, or NULL. */
static const redisReply *
hl_field(const redisReply *g, const char *name)
{
	const redisReply	*k;
	size_t			 j;

	for (j = 0; j + 1 < g->elements; j += 2) {
		k = g->element[j];
		if ((k->type == REDIS_REPLY_STRING ||
		    k->type == REDIS_REPLY_STATUS) && strcmp(k->str, name) == 0)
			return g->element[j + 1];
	}
	return NULL;
}

/* XINFO GROUPS: the configured group's lag and consumers. */
static int
hl_read_groups(struct console_view_call *c, const redisReply *rep)
{
	struct hl_health	*h = (struct hl_health *)(void *)c->v;
	const char		*group;
	const redisReply	*g, *v;
	size_t			 i;

	group = console_req_env(c->v->r)->cf->redis.group;
	/* no stream yet: no group, not a failure */
	if (rep->type == REDIS_REPLY_ERROR)
		return 0;
	if (rep->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i < rep->elements; i++) {
		g = rep->element[i];
		if (g->type != REDIS_REPLY_ARRAY ||
		    (v = hl_field(g, "name")) == NULL ||
		    v->type != REDIS_REPLY_STRING || strcmp(v->str, group) != 0)
			continue;
		h->group = 1;
		if ((v = hl_field(g, "lag")) != NULL)
			h->lag = v->type == REDIS_REPLY_INTEGER ? v->integer : -1;
		if ((v = hl_field(g, "consumers")) != NULL &&
		    v->type == REDIS_REPLY_INTEGER)
			h->consumers = v->integer;
		break;
	}
	return 0;
}

/* A scheduled:kinds field's kind (queue_lua.h); one unknown is "other". */
static enum hl_sched
hl_sched_kind(const redisReply *k)
{
	static const char *const names[] = QUEUE_SCHED_KIND_NAMES;
	size_t			 i;

	for (i = 0; i < sizeof names / sizeof names[0] && i < HL_SCHED_N; i++)
		if (k->type == REDIS_REPLY_STRING && strcmp(k->str, names[i]) == 0)
			return (enum hl_sched)i;
	return HL_SCHED_OTHER;
}

/* kind, n, ... pairs added to column col of sched; their sum. */
static long long
hl_read_pairs(struct hl_health *h, const redisReply *a, int col)
{
	long long	n, sum = 0;
	size_t		i;

	for (i = 0; i + 1 < a->elements; i += 2) {
		if (a->element[i + 1]->type == REDIS_REPLY_INTEGER)
			n = a->element[i + 1]->integer;
		else if (a->element[i + 1]->type == REDIS_REPLY_STRING)
			n = strtoll(a->element[i + 1]->str, NULL, 10);
		else
			continue;
		/* a kind drained below 0 by a race holds nothing */
		if (n <= 0)
			continue;
		h->sched[hl_sched_kind(a->element[i])][col] += n;
		sum += n;
	}
	return sum;
}

/* queue_kinds_lua's answer: the kinds held, those of the due, the sizes. */
static int
hl_read_sched(struct console_view_call *c, const redisReply *rep)
{
	struct hl_health	*h = (struct hl_health *)(void *)c->v;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 4 ||
	    rep->element[0]->type != REDIS_REPLY_ARRAY ||
	    rep->element[1]->type != REDIS_REPLY_ARRAY ||
	    rep->element[2]->type != REDIS_REPLY_INTEGER ||
	    rep->element[3]->type != REDIS_REPLY_INTEGER)
		return -1;
	(void)hl_read_pairs(h, rep->element[0], 0);
	h->sampled = hl_read_pairs(h, rep->element[1], 1);
	h->due = rep->element[2]->integer;
	h->card = rep->element[3]->integer;
	return 0;
}

static int
hl_reason_cmp(const void *a, const void *b)
{
	const struct hl_reason	*x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->cls, y->cls);
}

/* dead:reasons: every class with letters held now, most first. */
static int
hl_read_reasons(struct console_view_call *c, const redisReply *rep)
{
	struct hl_health	*h = (struct hl_health *)(void *)c->v;
	size_t			 i;
	long long		 n;

	if (rep->type != REDIS_REPLY_ARRAY)
		return -1;
	h->reasons = xcalloc(rep->elements / 2 + 1, sizeof *h->reasons);
	for (i = 0; i + 1 < rep->elements; i += 2) {
		if (rep->element[i]->type != REDIS_REPLY_STRING ||
		    rep->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		/* a class drained to 0 (or below, by a race) holds nothing */
		if ((n = strtoll(rep->element[i + 1]->str, NULL, 10)) <= 0)
			continue;
		snprintf(h->reasons[h->nreasons].cls, FIGURES_CLASS_SIZE, "%s",
		    rep->element[i]->str);
		h->reasons[h->nreasons++].n = n;
	}
	qsort(h->reasons, h->nreasons, sizeof *h->reasons, hl_reason_cmp);
	return 0;
}

static int
hl_read_reminder(struct console_view_call *c, const redisReply *rep)
{
	struct hl_health	*h = (struct hl_health *)(void *)c->v;

	if (rep->type == REDIS_REPLY_STRING)
		h->reminder_at[c->i] = strtoll(rep->str, NULL, 10);
	else if (rep->type != REDIS_REPLY_NIL)
		return -1;
	return 0;
}

static void
hl_health_free(struct hl_health *h)
{
	free(h->t);
	free(h->calls);
	free(h->reasons);
	free(h->reminder_at);
	free(h);
}

/* "3 min 12 s", "2 h 5 min", "4 j 3 h": two units are enough to judge. */
static void
hl_duration(struct console_req *r, struct buf *b, long long ms)
{
	long long	s = ms / 1000;
	const char	*d = hl_w(r, "j", "d");

	if (s < 60)
		buf_printf(b, "%lld s", s);
	else if (s < 3600)
		buf_printf(b, "%lld min %lld s", s / 60, s % 60);
	else if (s < 86400)
		buf_printf(b, "%lld h %lld min", s / 3600, s % 3600 / 60);
	else
		buf_printf(b, "%lld %s %lld h", s / 86400, d, s % 86400 / 3600);
}

static void
hl_dt(struct console_req *r, const char *fr, const char *en)
{
	struct buf	*b = console_req_body(r);

	buf_puts(b, "<dt>");
	console_html_text(b, hl_w(r, fr, en));
	buf_puts(b, "</dt><dd>");
}

static void
hl_health_queue(struct hl_health *h)
{
	struct console_req	*r = h->v.r;
	struct buf		*b = console_req_body(r);

	buf_puts(b, "<h2>");
	console_html_text(b, hl_w(r, "File d'événements", "Event queue"));
	buf_puts(b, "</h2>\n<dl id=\"queue\">\n");
	hl_dt(r, "Événements dans le flux", "Events in the stream");
	buf_printf(b, "%lld</dd>\n", h->stats[0]);
	hl_dt(r, "En cours (lus, pas encore terminés)",
	    "In progress (read, not finished yet)");
	buf_printf(b, "%lld</dd>\n", h->stats[1]);
	hl_dt(r, "Retard du groupe (pas encore lus)",
	    "Group lag (not read yet)");
	if (!h->group)
		console_html_text(b, hl_w(r, "pas de groupe (relaisd n'a "
		    "jamais démarré)", "no group (relaisd never started)"));
	else if (h->lag < 0)
		console_html_text(b, hl_w(r, "inconnu (Redis ne peut le dire)",
		    "unknown (Redis cannot tell)"));
	else
		buf_printf(b, "%lld", h->lag);
	buf_puts(b, "</dd>\n");
	hl_dt(r, "Âge du plus ancien en cours",
	    "Age of the oldest in progress");
	hl_duration(r, b, h->stats[5]);
	buf_puts(b, "</dd>\n");
	hl_dt(r, "Âge de la plus ancienne entrée du flux",
	    "Age of the oldest stream entry");
	hl_duration(r, b, h->stats[6]);
	buf_puts(b, "</dd>\n");
	hl_dt(r, "Consommateurs", "Consumers");
	buf_printf(b, "%lld</dd>\n", h->consumers);
	hl_dt(r, "File d'entrée (inbox)", "Inbox list");
	buf_printf(b, "%lld</dd>\n</dl>\n", h->stats[4]);
}

/* A local time in t's zone, "2026-12-04 09:00". */
static void
hl_local_time(struct buf *b, const struct territory *t, long long ms)
{
	int64_t	l = tz_utc_to_local(t->tz, ms / 1000), days, y;
	int	m, d;

	days = l >= 0 ? l / 86400 : (l - 86399) / 86400;
	tz_civil_from_days(days, &y, &m, &d);
	buf_printf(b, "%04lld-%02d-%02d %02lld:%02lld", (long long)y, m, d,
	    (long long)(l - days * 86400) / 3600,
	    (long long)(l - days * 86400) % 3600 / 60);
}

/* Entries added or removed past relais's scripts (by hand): kinds off. */
static void
hl_sched_unkept(struct hl_health *h)
{
	struct console_req	*r = h->v.r;
	struct buf		*b = console_req_body(r);
	long long		 held = 0;
	size_t			 i;

	for (i = 0; i < HL_SCHED_N; i++)
		held += h->sched[i][0];
	if (held == h->card)
		return;
	buf_puts(b, "<p>");
	console_html_text(b, hl_w(r, "Les sortes comptent ",
	    "The kinds count "));
	buf_printf(b, "%lld", held);
	console_html_text(b, hl_w(r, " entrées, l'ensemble en tient ",
	    " entries, the set holds "));
	buf_printf(b, "%lld", h->card);
	console_html_text(b, hl_w(r, " : des entrées ont été ajoutées ou "
	    "retirées hors de relais.", ": entries were added or removed "
	    "past relais."));
	buf_puts(b, "</p>\n");
}

static void
hl_health_sched(struct hl_health *h)
{
	static const char *const names[HL_SCHED_N][2] = {
	    { "Nouvelles tentatives", "Retries" },
	    { "Reportés (fenêtre horaire, plafond quotidien)",
	      "Deferred (time window, daily cap)" },
	    { "Suivis (followup.due)", "Follow-ups (followup.due)" },
	    { "Résumés aux employeurs (match.digest)",
	      "Employer digests (match.digest)" },
	    { "Rappels aux conseillers (followup.reminders)",
	      "Counsellor reminders (followup.reminders)" },
	    { "Autres", "Other" } };
	struct console_req	*r = h->v.r;
	struct buf		*b = console_req_body(r);
	size_t			 i;

	buf_puts(b, "<h2>");
	console_html_text(b, hl_w(r, "Entrées planifiées",
	    "Scheduled entries"));
	buf_puts(b, "</h2>\n<dl id=\"scheduled\">\n");
	hl_dt(r, "En tout", "In all");
	buf_printf(b, "%lld</dd>\n", h->stats[2]);
	hl_dt(r, "Dues maintenant", "Due now");
	buf_printf(b, "%lld</dd>\n", h->due);
	hl_dt(r, "La première due attend depuis", "The first due has waited");
	hl_duration(r, b, h->stats[7]);
	buf_puts(b, "</dd>\n</dl>\n<table id=\"scheduled-kinds\">\n<caption>");
	console_html_text(b, hl_w(r, "Par sorte", "By kind"));
	if (h->sampled < h->due) {
		console_html_text(b, hl_w(r, " (les dues : parmi les ",
		    " (the due: among the first "));
		buf_printf(b, "%lld", h->sampled);
		console_html_text(b, hl_w(r, " premières, les lire toutes "
		    "demanderait de les parcourir)", ", telling all of them "
		    "would take reading every one)"));
	}
	buf_puts(b, "</caption>\n<thead><tr><th scope=\"col\">");
	console_html_text(b, hl_w(r, "Sorte", "Kind"));
	buf_puts(b, "</th><th scope=\"col\" class=\"n\">");
	console_html_text(b, console_word(r, "count"));
	buf_puts(b, "</th><th scope=\"col\" class=\"n\">");
	console_html_text(b, hl_w(r, "Dues", "Due"));
	buf_puts(b, "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < HL_SCHED_N; i++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		console_html_text(b, hl_w(r, names[i][0], names[i][1]));
		buf_printf(b, "</th><td class=\"n\">%lld</td><td class=\"n\">"
		    "%lld</td></tr>\n", h->sched[i][0], h->sched[i][1]);
	}
	buf_puts(b, "</tbody>\n</table>\n");
	hl_sched_unkept(h);
	buf_puts(b, "<table id=\"reminders\">\n<caption>");
	console_html_text(b, hl_w(r, "Prochain courriel de rappels aux "
	    "conseillers (heure locale)", "Next reminder email to counsellors "
	    "(local time)"));
	buf_puts(b, "</caption>\n<tbody>\n");
	for (i = 0; i < h->nt; i++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		console_html_text(b, console_view_name(r, h->t[i]));
		buf_puts(b, "</th><td>");
		if (h->reminder_at[i] > 0)
			hl_local_time(b, h->t[i], h->reminder_at[i]);
		else
			console_html_text(b, hl_w(r, "aucun de prévu",
			    "none planned"));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>\n</table>\n");
}

static const char *
hl_breaker(const struct console_req *r, const char *s)
{
	if (strcmp(s, "closed") == 0)
		return hl_w(r, "fermé (envoie)", "closed (sending)");
	if (strcmp(s, "open") == 0)
		return hl_w(r, "ouvert (n'envoie plus)", "open (not sending)");
	if (strcmp(s, "half-open") == 0 || strcmp(s, "half_open") == 0)
		return hl_w(r, "à l'essai", "half-open (probing)");
	return s;
}

static void
hl_health_gateways(struct hl_health *h)
{
	static const char *const heads[][2] = { { "Passerelle", "Gateway" },
	    { "Sorte", "Kind" }, { "Disjoncteur", "Breaker" },
	    { "Débit permis", "Rate allowed" }, { "Envoyés", "Sent" },
	    { "Échecs", "Failed" } };
	struct console_req		*r = h->v.r;
	const struct console_env	*env = console_req_env(r);
	struct buf			*b = console_req_body(r);
	struct console_gw_state		 gw[HL_GATEWAYS];
	size_t				 i, n;

	buf_puts(b, "<h2>");
	console_html_text(b, hl_w(r, "Passerelles", "Gateways"));
	buf_puts(b, "</h2>\n");
	if (env->gateways == NULL) {
		buf_puts(b, "<p>");
		console_html_text(b, hl_w(r, "État inconnu.",
		    "State unknown."));
		buf_puts(b, "</p>\n");
		return;
	}
	n = env->gateways(env->gateways_arg, gw, HL_GATEWAYS);
	buf_puts(b, "<table id=\"gateways\">\n<thead><tr>");
	for (i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		buf_printf(b, "<th scope=\"col\"%s>", i >= 3 ?
		    " class=\"n\"" : "");
		console_html_text(b, hl_w(r, heads[i][0], heads[i][1]));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n && i < HL_GATEWAYS; i++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		console_html_text(b, gw[i].name);
		buf_puts(b, "</th><td>");
		console_html_text(b, gw[i].kind);
		buf_printf(b, "</td><td data-breaker=\"%s\">",
		    strcmp(gw[i].breaker, "closed") == 0 ? "closed" : "other");
		console_html_text(b, hl_breaker(r, gw[i].breaker));
		buf_puts(b, "</td><td class=\"n\">");
		if (gw[i].rate_per_s > 0)
			buf_printf(b, "%g/s", gw[i].rate_per_s);
		else
			console_html_text(b, hl_w(r, "sans limite",
			    "no limit"));
		buf_printf(b, "</td><td class=\"n\">%lu</td><td class=\"n\">"
		    "%lu</td></tr>\n", gw[i].sent, gw[i].failed);
	}
	buf_puts(b, "</tbody>\n</table>\n");
	if (n > HL_GATEWAYS)
		buf_printf(b, "<p>(+%zu)</p>\n", n - HL_GATEWAYS);
}

static void
hl_health_dead(struct hl_health *h)
{
	struct console_req	*r = h->v.r;
	struct buf		*b = console_req_body(r);
	long long		 total = 0;
	size_t			 i;

	buf_puts(b, "<h2>");
	console_html_text(b, hl_w(r, "Lettres mortes par motif",
	    "Dead letters by reason"));
	buf_puts(b, "</h2>\n");
	if (!h->region) {
		buf_puts(b, "<p>");
		console_html_text(b, hl_w(r, "Les motifs de toute la région ne "
		    "sont montrés qu'à l'équipe régionale ; ceux de votre "
		    "territoire sont dans la page des lettres mortes.",
		    "The whole region's reasons are shown to the regional "
		    "team only; your territory's are on the Dead letters "
		    "page."));
		buf_puts(b, "</p>\n");
		return;
	}
	buf_puts(b, "<table id=\"dead-reasons\">\n<thead><tr>"
	    "<th scope=\"col\">");
	console_html_text(b, console_word(r, "reason"));
	buf_puts(b, "</th><th scope=\"col\" class=\"n\">");
	console_html_text(b, console_word(r, "count"));
	buf_puts(b, "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < h->nreasons; i++) {
		buf_puts(b, "<tr data-reason=\"");
		console_html_text(b, h->reasons[i].cls);
		buf_puts(b, "\"><th scope=\"row\"><a href=\"/dead?reason=");
		console_html_text(b, h->reasons[i].cls);
		buf_puts(b, "\">");
		console_html_text(b, h->reasons[i].cls);
		buf_printf(b, "</a></th><td class=\"n\">%lld</td></tr>\n",
		    h->reasons[i].n);
		total += h->reasons[i].n;
	}
	if (h->nreasons == 0) {
		buf_puts(b, "<tr><td colspan=\"2\">");
		console_html_text(b, console_word(r, "none"));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>\n<tfoot><tr><th scope=\"row\">");
	console_html_text(b, console_word(r, "total"));
	buf_printf(b, "</th><td class=\"n\">%lld</td></tr></tfoot>\n</table>\n",
	    total);
	buf_puts(b, "<p>");
	console_html_text(b, hl_w(r, "Lettres dans le flux des lettres "
	    "mortes : ", "Letters in the dead-letter stream: "));
	buf_printf(b, "%lld.</p>\n", h->stats[3]);
}

static void
hl_health_done(struct console_view *batch)
{
	struct hl_health	*h = (struct hl_health *)(void *)batch;
	struct console_req	*r = batch->r;

	if (batch->failed || !h->have_stats) {
		console_reply_error(r, 503, console_word(r, "error_redis"));
		hl_health_free(h);
		return;
	}
	console_page_begin(r, console_word(r, "health"));
	hl_health_queue(h);
	hl_health_sched(h);
	hl_health_gateways(h);
	hl_health_dead(h);
	console_page_end(r);
	hl_health_free(h);
}

void
console_page_health(struct console_req *r)
{
	const struct config		*cf = console_req_env(r)->cf;
	const struct console_user	*u = console_req_user(r);
	struct hl_health		*h;
	const char			*argv[6];
	char				 k[256], now[32], sample[32];
	size_t				 i;
	int				 status;

	h = xcalloc(1, sizeof *h);
	console_view_init(&h->v, r, hl_health_done);
	h->now = clock_now_ms();
	h->lag = -1;
	h->region = u == NULL || u->scope == NULL;
	if ((status = console_view_territories(r, &h->t, &h->nt)) != 0) {
		console_reply_error(r, status, console_word(r, status == 404 ?
		    "error_not_found" : "error_scope"));
		hl_health_free(h);
		return;
	}
	h->calls = xcalloc(HL_H_REMINDERS + h->nt, sizeof *h->calls);
	h->reminder_at = xcalloc(h->nt + 1, sizeof *h->reminder_at);
	snprintf(now, sizeof now, "%lld", (long long)h->now);
	snprintf(sample, sizeof sample, "%d", HL_SCHED_SAMPLE);

	/* the stats script relaisd's metrics run, sent whole (EVAL) */
	h->calls[HL_H_STATS].read = hl_read_stats;
	argv[0] = "EVAL";
	argv[1] = queue_stats_lua;
	argv[2] = "0";
	argv[3] = cf->redis.prefix;
	argv[4] = cf->redis.group;
	argv[5] = now;
	if (console_view_send(&h->v, &h->calls[HL_H_STATS], 6, argv) == -1)
		goto sent;
	h->calls[HL_H_GROUPS].read = hl_read_groups;
	snprintf(k, sizeof k, "%sevents", cf->redis.prefix);
	argv[0] = "XINFO";
	argv[1] = "GROUPS";
	argv[2] = k;
	(void)console_view_send(&h->v, &h->calls[HL_H_GROUPS], 3, argv);
	/* after the stats script, which counts the kinds of an older store */
	h->calls[HL_H_SCHED].read = hl_read_sched;
	argv[0] = "EVAL";
	argv[1] = queue_kinds_lua;
	argv[2] = "0";
	argv[3] = cf->redis.prefix;
	argv[4] = now;
	argv[5] = sample;
	(void)console_view_send(&h->v, &h->calls[HL_H_SCHED], 6, argv);
	if (h->region && figures_reasons_key(k, sizeof k,
	    cf->redis.prefix) == 0) {
		h->calls[HL_H_REASONS].read = hl_read_reasons;
		argv[0] = "HGETALL";
		argv[1] = k;
		(void)console_view_send(&h->v, &h->calls[HL_H_REASONS], 2,
		    argv);
	}
	for (i = 0; i < h->nt && !h->v.failed; i++) {
		h->calls[HL_H_REMINDERS + i].read = hl_read_reminder;
		h->calls[HL_H_REMINDERS + i].i = i;
		snprintf(k, sizeof k, "%sreminders-due:%s", cf->redis.prefix,
		    h->t[i]->id);
		argv[0] = "GET";
		argv[1] = k;
		(void)console_view_send(&h->v, &h->calls[HL_H_REMINDERS + i],
		    2, argv);
	}
sent:
	console_view_sent(&h->v);
}
