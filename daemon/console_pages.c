/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Dead letters pages: the list (filtered, newest first), one
 * letter (addresses masked), and replay or drop of one letter or of a
 * filtered set, through the scripts relaisctl runs (dead_lua.h). This file
 * reads and judges the letters and routes the requests; the HTML is in
 * console_pages_html.c, replay and drop in console_pages_act.c.
 *
 * Work per request is bounded: the list reads PAGES_LIST_READ letters of
 * the stream (an "older" link goes on from there), a set at most
 * PAGES_SCAN_READS reads of as many and acts on PAGES_ACT_MAX letters. A
 * letter keeping its event's bytes in an older one (payload_in) is judged
 * from that one, read with dead_lua_peek when it is not among those read.
 *
 * Ownership: a struct pages_dead holds everything of one request (the
 * letters, copied out of the replies) and is freed when its reply is
 * made; the console keeps the request alive while a Redis call made
 * through it is pending, so a callback always finds both.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "console_auth.h"
#include "console_pages.h"
#include "dead_lua.h"
#include "figures.h"
#include "log.h"
#include "territory.h"
#include "utf8.h"

static void	pages_done(struct pages_dead *);


/* Loaded on the console's connection the first time it runs (EVALSHA). */
static struct redis_script pages_peek_script = { dead_lua_peek, "" };

/* This page's words; console_word() has the shared ones. */
static const struct {
	const char	*key, *fr, *en;
} pages_words[] = {
	{ "title", "Lettres mortes", "Dead letters" },
	{ "intro", "Les messages qui n'ont pas pu être traités ou livrés, "
	    "les plus récents d'abord.", "Messages that could not be handled "
	    "or delivered, newest first." },
	{ "filters", "Filtres", "Filters" },
	{ "reason", "Raison", "Reason" },
	{ "type", "Type d'événement", "Event type" },
	{ "territory", "Territoire", "Territory" },
	{ "age", "Âge maximal (ex. 1h, 7d)", "At most this old (e.g. 1h, 7d)" },
	{ "any", "(tous)", "(any)" },
	{ "apply", "Filtrer", "Filter" },
	{ "letter", "Lettre", "Letter" },
	{ "age_col", "Âge", "Age" },
	{ "attempts", "Tentatives", "Attempts" },
	{ "actions", "Actions", "Actions" },
	{ "replay", "Rejouer", "Replay" },
	{ "drop", "Supprimer", "Drop" },
	{ "none", "Aucune lettre morte ne correspond.", "No dead letters "
	    "match." },
	{ "older", "Plus anciennes", "Older" },
	{ "newest", "Les plus récentes", "Newest" },
	{ "never", "Jamais traitable", "Can never be handled" },
	{ "set", "Toutes celles qui correspondent aux filtres (au plus "
	    "1 000 par envoi)", "All those the filters match (at most 1,000 "
	    "per request)" },
	{ "replay_all", "Rejouer celles-ci", "Replay these" },
	{ "drop_all", "Supprimer celles-ci", "Drop these" },
	{ "bad_age", "Âge non compris : un nombre suivi de s, m, h, d ou w.",
	    "Age not understood: a number followed by s, m, h, d or w." },
	{ "at", "Date", "Date" },
	{ "event_id", "Identifiant de l'événement", "Event id" },
	{ "channel", "Canal", "Channel" },
	{ "role", "Destinataire", "Recipient" },
	{ "class", "Classe de raison", "Reason class" },
	{ "replayable", "Rejouable", "Replayable" },
	{ "yes", "Oui", "Yes" },
	{ "event", "Événement d'origine (données personnelles masquées)",
	    "Original event (personal data masked)" },
	{ "no_event", "Aucun événement conservé.", "No event kept." },
	{ "not_shown", "Événement non affiché : plus de 64 Kio, ou sa lettre "
	    "n'est plus là.", "Event not shown: over 64 KiB, or its letter is "
	    "gone." },
	{ "back", "Retour à la liste", "Back to the list" },
	{ "gone", "Cette lettre n'existe pas (rejouée ou supprimée ?).",
	    "No such letter (replayed or dropped?)." },
	{ "not_yours", "Cette lettre est d'un autre territoire.", "This "
	    "letter belongs to another territory." },
	{ "not_your_territory", "Ce territoire n'est pas le vôtre : vous ne "
	    "voyez que les lettres du vôtre.", "This territory is not yours: "
	    "you only see your own territory's letters." },
	{ "coordinator", "Réservé aux coordonnateurs.", "Coordinators only." },
	{ "redis", "Redis ne répond pas ; réessayez.", "Redis does not "
	    "answer; try again." },
	{ "capped", " Au plus 1 000 par envoi.", " At most 1,000 per "
	    "request." },
	{ "no_id", "Aucune lettre choisie.", "No letter chosen." },
};

int
console_pages_en(const struct console_req *r)
{
	return strcmp(console_req_lang(r), "en") == 0;
}

const char *
console_pages_word(const struct console_req *r, const char *key)
{
	int	en = console_pages_en(r);
	size_t	i;

	for (i = 0; i < sizeof pages_words / sizeof pages_words[0]; i++) {
		if (strcmp(pages_words[i].key, key) == 0)
			return en ? pages_words[i].en : pages_words[i].fr;
	}
	return key;
}
#define W(r, k)	console_pages_word((r), (k))

void
console_pages_urlenc(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			buf_putc(b, *s);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
	}
}

/* Region scope sees every letter; a territory's, only those of its own. */
int
console_pages_may_see(const struct console_req *r, const char *territory)
{
	const struct console_user	*u = console_req_user(r);

	if (u != NULL && u->scope == NULL)
		return 1;
	return territory != NULL && *territory != '\0' &&
	    console_req_may_see(r, territory);
}

int
console_pages_coordinator(const struct console_req *r)
{
	const struct console_user	*u = console_req_user(r);

	return u != NULL && u->role == CONSOLE_COORDINATOR;
}

/* The class of a reason by figures.h's table (its Lua twin counts them). */
#define PAGES_CLASS_PAIR(prefix, cls)	{ prefix, cls },
static const struct {
	const char	*prefix, *cls;
} pages_classes[] = { FIGURES_REASONS(PAGES_CLASS_PAIR) };

/* What each class means, for people. */
static const struct {
	const char	*cls, *fr, *en;
} pages_class_words[] = {
	{ "unknown_type", "Type d'événement inconnu", "Unknown event type" },
	{ "unknown_territory", "Territoire inconnu", "Unknown territory" },
	{ "poison", "Échecs répétés du traitement", "Handling kept failing" },
	{ "unreadable", "Illisible", "Unreadable" },
	{ "state", "Erreur d'état", "State error" },
	{ "invalid_address", "Adresse invalide", "Invalid address" },
	{ "no_route", "Aucune route", "No route" },
	{ "no_sender", "Territoire sans expéditeur", "Territory without a "
	    "sender" },
	{ "sms", "SMS", "SMS" },
	{ "window", "Plage horaire", "Time window" },
	{ "opted_out", "Désabonnement", "Opted out" },
	{ "gave_up", "Abandon après des échecs", "Gave up after failures" },
	{ "transport", "Erreur de réseau", "Network error" },
	{ "rejected", "Refusé par le fournisseur", "Refused by the provider" },
	{ "template", "Gabarit", "Template" },
	{ "invalid_event", "Événement invalide", "Invalid event" },
	{ "other", "Autre", "Other" },
};

const char *
console_pages_class_label(const struct console_req *r, const char *cls)
{
	size_t	i;

	for (i = 0; i < sizeof pages_class_words / sizeof pages_class_words[0];
	    i++) {
		if (strcmp(pages_class_words[i].cls, cls) == 0)
			return console_pages_en(r) ? pages_class_words[i].en :
			    pages_class_words[i].fr;
	}
	return cls;
}

const char *
console_pages_class_at(size_t i)
{
	size_t	j, k, n = 0;

	/* the table's distinct classes, in its order, then "other" */
	for (j = 0; j < sizeof pages_classes / sizeof pages_classes[0]; j++) {
		for (k = 0; k < j && strcmp(pages_classes[k].cls,
		    pages_classes[j].cls) != 0; k++)
			;
		if (k == j && n++ == i)
			return pages_classes[j].cls;
	}
	return n == i ? "other" : NULL;
}

static const char *
pages_reason_class(const char *reason)
{
	size_t	i, k;

	for (i = 0; i < sizeof pages_classes / sizeof pages_classes[0]; i++) {
		for (k = 0; pages_classes[i].prefix[k] != '\0' &&
		    tolower((unsigned char)reason[k]) ==
		    pages_classes[i].prefix[k]; k++)
			;
		if (pages_classes[i].prefix[k] == '\0')
			return pages_classes[i].cls;
	}
	return "other";
}

/* Whether s is a stream id ("1700000000000-0"). */
int
console_pages_id_ok(const char *s)
{
	size_t	n = strspn(s, "0123456789");

	return n > 0 && n < 21 && s[n] == '-' && strspn(s + n + 1,
	    "0123456789") > 0 && s[n + 1 + strspn(s + n + 1, "0123456789")] ==
	    '\0' && strlen(s) < 48;
}

/* "7d": ms back from now; -1 when not a duration. */
static int64_t
pages_age_ms(const char *v)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 },
		{ 'd', 86400000 }, { 'w', 604800000 } };
	char		*end;
	long long	 n;
	size_t		 i;

	n = strtoll(v, &end, 10);
	if (end == v || n < 0 || n >= 100000 || end[0] == '\0' ||
	    end[1] != '\0')
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (units[i].unit == end[0])
			return n * units[i].ms;
	}
	return -1;
}

/* A form's value, NULL when absent or empty. */
const char *
console_pages_arg(const struct console_req *r, const char *name)
{
	const char	*v = console_req_arg(r, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
pages_filter_get(struct console_req *r, struct pages_filter *f)
{
	int64_t	ms;

	memset(f, 0, sizeof *f);
	f->reason = console_pages_arg(r, "reason");
	f->type = console_pages_arg(r, "type");
	f->territory = console_pages_arg(r, "territory");
	f->age = console_pages_arg(r, "age");
	f->before = console_pages_arg(r, "before");
	if (f->before != NULL && !console_pages_id_ok(f->before))
		f->before = NULL;
	f->since_ms = -1;
	if (f->age != NULL) {
		if ((ms = pages_age_ms(f->age)) == -1)
			f->bad_age = 1;
		else
			f->since_ms = clock_now_ms() - ms;
	}
}

/* The filters as a query string ("reason=x&age=7d"), for links; or with sep " ". */
void
console_pages_filter_query(const struct pages_filter *f, struct buf *b,
    const char *sep)
{
	const char	*name[] = { "reason", "type", "territory", "age" };
	const char	*val[] = { f->reason, f->type, f->territory, f->age };
	size_t		 i;

	for (i = 0; i < 4; i++) {
		if (val[i] == NULL)
			continue;
		buf_printf(b, "%s%s=", b->len > 0 ? sep : "", name[i]);
		if (*sep == '&')
			console_pages_urlenc(b, val[i]);
		else
			buf_puts(b, val[i]);
	}
}

static void
pages_letter_free(struct pages_letter *l)
{
	free(l->id);
	free(l->reason);
	free(l->cls);
	free(l->event_id);
	free(l->stream_id);
	free(l->holder);
	free(l->at);
	free(l->attempts);
	free(l->channel);
	free(l->role);
	free(l->type);
	free(l->territory);
	free(l->never);
	free(l->payload);
}

void
console_pages_dead_free(struct pages_dead *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		pages_letter_free(&d->v[i]);
	for (i = 0; i < d->nasked; i++)
		free(d->asked[i]);
	free(d->asked);
	free(d->v);
	free(d);
}

struct pages_letter *
console_pages_find(const struct pages_dead *d, const char *id)
{
	size_t	i;

	/* d->v is sorted once the reads are over; this runs before too */
	for (i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].id, id) == 0)
			return &d->v[i];
	}
	return NULL;
}

/* A field of an entry's field/value array, "" when absent. */
static const redisReply *
pages_field(const redisReply *f, const char *name)
{
	size_t	i;

	for (i = 0; f != NULL && f->type == REDIS_REPLY_ARRAY &&
	    i + 1 < f->elements; i += 2) {
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(f->element[i]->str, name) == 0 &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			return f->element[i + 1];
	}
	return NULL;
}

static char *
pages_dup(const redisReply *v)
{
	return v != NULL ? xstrndup(v->str, v->len) : xstrdup("");
}

/* Judges the event's bytes p[0..len) into l. */
static void
pages_judge(struct pages_dead *d, struct pages_letter *l, const char *p,
    size_t len)
{
	struct dead_verdict	 v;

	dead_judge(console_req_env(d->r)->cf, p, len, &v);
	free(l->type);
	free(l->territory);
	l->type = xstrdup(v.type);
	l->territory = xstrdup(v.territory);
	if (v.never[0] != '\0' && l->never == NULL)
		l->never = xstrdup(v.never);
	if (d->mode == PAGES_SHOW && len <= PAGES_SHOW_MAX) {
		free(l->payload);
		l->payload = xstrndup(p, len);
		l->paylen = len;
	}
}

/* One entry of the dead stream into d->v (a copy), judged when it can be. */
static struct pages_letter *
pages_letter_add(struct pages_dead *d, const char *id,
    const redisReply *payload, const redisReply *payload_in,
    const redisReply *reason, const redisReply *cls)
{
	struct pages_letter	*l;

	if (console_pages_find(d, id) != NULL)
		return NULL;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	l = &d->v[d->n++];
	memset(l, 0, sizeof *l);
	l->id = xstrdup(id);
	l->reason = pages_dup(reason);
	l->cls = xstrdup(cls != NULL && cls->len > 0 ? cls->str :
	    pages_reason_class(l->reason));
	l->type = xstrdup("");
	l->territory = xstrdup("");
	if (payload != NULL && payload->len > 0) {
		l->holder = xstrdup(id);
		pages_judge(d, l, payload->str, payload->len);
	} else
		l->holder = pages_dup(payload_in);
	return l;
}

static void
pages_entry_add(struct pages_dead *d, const redisReply *e)
{
	const redisReply	*f, *v;
	struct pages_letter	*l;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return;
	f = e->element[1];
	if ((l = pages_letter_add(d, e->element[0]->str, pages_field(f,
	    "payload"), pages_field(f, "payload_in"), pages_field(f, "reason"),
	    pages_field(f, "class"))) == NULL)
		return;
	l->event_id = pages_dup(pages_field(f, "event_id"));
	l->stream_id = pages_dup(pages_field(f, "stream_id"));
	l->at = pages_dup(pages_field(f, "at"));
	l->attempts = pages_dup(pages_field(f, "attempts"));
	l->channel = pages_dup(pages_field(f, "channel"));
	l->role = pages_dup(pages_field(f, "role"));
	/* a letter that says its territory needs no guess from its event */
	if (*l->territory == '\0' && (v = pages_field(f, "territory")) != NULL) {
		free(l->territory);
		l->territory = pages_dup(v);
	}
}

static int
pages_letter_cmp(const void *a, const void *b)
{
	return dead_id_cmp(((const struct pages_letter *)a)->id,
	    ((const struct pages_letter *)b)->id);
}

/* The verdict of every letter whose bytes are in another; the rule for the rest. */
static void
pages_link(struct pages_dead *d)
{
	struct pages_letter	*l, *h;
	char			 why[160];
	size_t			 i;

	if (d->n > 0)
		qsort(d->v, d->n, sizeof *d->v, pages_letter_cmp);
	for (i = 0; i < d->n; i++) {
		l = &d->v[i];
		if (*l->holder != '\0' && strcmp(l->holder, l->id) != 0) {
			h = console_pages_find(d, l->holder);
			if (h == NULL || *h->holder == '\0' ||
			    strcmp(h->holder, h->id) != 0) {
				snprintf(why, sizeof why, "its event's bytes "
				    "were in letter %s, gone since", l->holder);
				if (l->never == NULL)
					l->never = xstrdup(why);
			} else {
				free(l->type);
				free(l->territory);
				l->type = xstrdup(h->type);
				l->territory = xstrdup(h->territory);
				if (h->never != NULL && l->never == NULL)
					l->never = xstrdup(h->never);
				if (d->mode == PAGES_SHOW && h->payload != NULL &&
				    l->payload == NULL) {
					l->payload = xstrndup(h->payload,
					    h->paylen);
					l->paylen = h->paylen;
				}
			}
		}
		if (l->never == NULL && (*l->holder == '\0' || l->stream_id ==
		    NULL || *l->stream_id == '\0' ||
		    strncmp(l->reason, "unreadable", 10) == 0))
			l->never = xstrdup("no event to replay");
	}
}

/* Whether l is one the user may see and the filters let through. */
int
console_pages_match(const struct pages_dead *d, const struct pages_letter *l)
{
	const struct pages_filter	*f = &d->f;

	return !l->peeked && console_pages_may_see(d->r, l->territory) &&
	    (f->reason == NULL || strcmp(l->cls, f->reason) == 0) &&
	    (f->type == NULL || strcmp(l->type, f->type) == 0) &&
	    (f->territory == NULL || strcmp(l->territory, f->territory) == 0) &&
	    (f->since_ms < 0 || (int64_t)strtoll(l->id, NULL, 10) >=
	    f->since_ms);
}

static void
pages_redis_down(struct pages_dead *d)
{
	struct console_req	*r = d->r;

	console_pages_dead_free(d);
	console_reply_error(r, 503, W(r, "redis"));
}

/* A command, or a script by EVALSHA, through the request. */
int
console_pages_call(struct pages_dead *d, struct redis_script *s, redis_cb cb,
    void *arg, int argc, const char **argv)
{
	size_t	*lens;
	int	 i, rc;

	lens = xcalloc((size_t)argc, sizeof *lens);
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (s != NULL)
		rc = console_req_eval(d->r, s, cb, arg, 0, argc, argv, lens);
	else
		rc = console_req_redis(d->r, cb, arg, argc, argv, lens);
	free(lens);
	return rc;
}

/* The holders read (dead_lua_peek): letters of their own, chosen by none. */
static void
pages_on_peek(redisReply *reply, void *arg)
{
	struct pages_dead	*d = arg;
	struct pages_letter	*l;
	const redisReply	*e;
	size_t			 i;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != d->nasked) {
		pages_redis_down(d);
		return;
	}
	for (i = 0; i < reply->elements; i++) {
		e = reply->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 5)
			continue;
		if ((l = pages_letter_add(d, d->asked[i], e->element[0],
		    e->element[1], e->element[2], NULL)) == NULL)
			continue;
		l->peeked = 1;
		l->stream_id = pages_dup(e->element[3]);
		l->event_id = pages_dup(e->element[4]);
	}
	pages_done(d);
}

/* Reads the holders not among the letters read, then goes on. */
static void
pages_peek(struct pages_dead *d)
{
	const char	**argv;
	size_t		  i, k;

	for (i = 0; i < d->n; i++) {
		if (*d->v[i].holder == '\0' || console_pages_find(d, d->v[i].holder) !=
		    NULL)
			continue;
		for (k = 0; k < d->nasked && strcmp(d->asked[k],
		    d->v[i].holder) != 0; k++)
			;
		if (k < d->nasked)
			continue;
		d->asked = xrealloc(d->asked, (d->nasked + 1) *
		    sizeof *d->asked);
		d->asked[d->nasked++] = xstrdup(d->v[i].holder);
	}
	if (d->nasked == 0) {
		pages_done(d);
		return;
	}
	argv = xcalloc(d->nasked + 1, sizeof *argv);
	argv[0] = console_req_env(d->r)->cf->redis.prefix;
	for (i = 0; i < d->nasked; i++)
		argv[1 + i] = d->asked[i];
	if (console_pages_call(d, &pages_peek_script, pages_on_peek, d,
	    (int)d->nasked + 1, argv) == -1)
		pages_redis_down(d);
	free(argv);
}


/* Letters read (XRANGE or XREVRANGE): more, the window after one, or on. */
static void
pages_on_read(redisReply *reply, void *arg)
{
	struct pages_dead	*d = arg;
	size_t			 i, n;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		pages_redis_down(d);
		return;
	}
	n = reply->elements;
	for (i = 0; i < n; i++)
		pages_entry_add(d, reply->element[i]);
	d->reads++;
	if (*d->id == '\0') {
		if (n > 0 && reply->element[n - 1]->type == REDIS_REPLY_ARRAY &&
		    reply->element[n - 1]->elements == 2 &&
		    reply->element[n - 1]->element[0]->type ==
		    REDIS_REPLY_STRING)
			snprintf(d->last, sizeof d->last, "%s",
			    reply->element[n - 1]->element[0]->str);
		d->more = n == PAGES_LIST_READ;
		if (d->more && d->mode != PAGES_LIST &&
		    d->reads < PAGES_SCAN_READS) {
			console_pages_read(d);
			return;
		}
	} else if (d->mode != PAGES_SHOW && !d->window && d->n > 0) {
		d->window = 1;
		console_pages_read(d);
		return;
	}
	pages_peek(d);
}

/*
 * A set: the newest letters (below d->last after the first read). One
 * letter: itself, then for an action the letters after its holder (those
 * of the same event are never older than the holder).
 */
void
console_pages_read(struct pages_dead *d)
{
	const char	*argv[6];
	char		 from[72], count[16];
	const char	*key = console_key(d->r, "dead");
	int		 argc = 0;

	snprintf(count, sizeof count, "%d", *d->id == '\0' ? PAGES_LIST_READ :
	    PAGES_WINDOW);
	if (*d->id == '\0') {
		if (d->reads > 0)
			snprintf(from, sizeof from, "(%s", d->last);
		else if (d->f.before != NULL)
			snprintf(from, sizeof from, "(%s", d->f.before);
		else
			snprintf(from, sizeof from, "+");
		argv[argc++] = "XREVRANGE";
		argv[argc++] = key;
		argv[argc++] = from;
		argv[argc++] = "-";
	} else {
		argv[argc++] = "XRANGE";
		argv[argc++] = key;
		if (!d->window) {
			argv[argc++] = d->id;
			argv[argc++] = d->id;
		} else {
			argv[argc++] = *d->v[0].holder != '\0' ?
			    d->v[0].holder : d->v[0].id;
			argv[argc++] = "+";
		}
	}
	argv[argc++] = "COUNT";
	argv[argc++] = count;
	if (console_pages_call(d, NULL, pages_on_read, d, argc, argv) == -1)
		pages_redis_down(d);
}

struct pages_dead *
console_pages_new(struct console_req *r, enum pages_mode mode,
    void (*finish)(struct pages_dead *))
{
	struct pages_dead	*d;

	d = xcalloc(1, sizeof *d);
	d->r = r;
	d->mode = mode;
	d->finish = finish;
	pages_filter_get(r, &d->f);
	return d;
}

static void
pages_done(struct pages_dead *d)
{
	pages_link(d);
	d->finish(d);
}

/* A territory the user may not see, asked for: the page is refused. */
int
console_pages_forbidden(struct pages_dead *d)
{
	struct console_req	*r = d->r;

	if (d->f.territory == NULL || console_pages_may_see(r, d->f.territory))
		return 0;
	console_pages_dead_free(d);
	console_reply_error(r, 403, W(r, "not_your_territory"));
	return 1;
}
