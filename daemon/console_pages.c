/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Dead letters pages: the list (filtered, newest first), one
 * letter (addresses masked), and replay or drop of one letter or of a
 * filtered set, through the scripts relaisctl runs (dead_lua.h).
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

static void	pages_done(struct pages_dead *);

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
	{ "back", "Retour à la liste", "Back to the list" },
	{ "gone", "Cette lettre n'existe pas (rejouée ou supprimée ?).",
	    "No such letter (replayed or dropped?)." },
	{ "not_yours", "Cette lettre est d'un autre territoire.", "This "
	    "letter belongs to another territory." },
	{ "coordinator", "Réservé aux coordonnateurs.", "Coordinators only." },
	{ "redis", "Redis ne répond pas ; réessayez.", "Redis does not "
	    "answer; try again." },
	{ "capped", " Au plus 1 000 par envoi.", " At most 1,000 per "
	    "request." },
	{ "no_id", "Aucune lettre choisie.", "No letter chosen." },
};

static int
pages_en(const struct console_req *r)
{
	return strcmp(console_req_lang(r), "en") == 0;
}

const char *
console_pages_word(const struct console_req *r, const char *key)
{
	int	en = pages_en(r);
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
	{ "opted_out", "Désinscription", "Opted out" },
	{ "gave_up", "Abandon après des échecs", "Gave up after failures" },
	{ "transport", "Erreur de réseau", "Network error" },
	{ "rejected", "Refusé par le fournisseur", "Refused by the provider" },
	{ "template", "Gabarit", "Template" },
	{ "invalid_event", "Événement invalide", "Invalid event" },
	{ "other", "Autre", "Other" },
};

static const char *
pages_class_label(const struct console_req *r, const char *cls)
{
	size_t	i;

	for (i = 0; i < sizeof pages_class_words / sizeof pages_class_words[0];
	    i++) {
		if (strcmp(pages_class_words[i].cls, cls) == 0)
			return pages_en(r) ? pages_class_words[i].en :
			    pages_class_words[i].fr;
	}
	return cls;
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

/* "MS-SEQ" as Redis orders ids. */
static int
pages_id_cmp(const char *a, const char *b)
{
	unsigned long long	am, as = 0, bm, bs = 0;
	char			*e;

	am = strtoull(a, &e, 10);
	if (*e == '-')
		as = strtoull(e + 1, NULL, 10);
	bm = strtoull(b, &e, 10);
	if (*e == '-')
		bs = strtoull(e + 1, NULL, 10);
	if (am != bm)
		return am < bm ? -1 : 1;
	return as < bs ? -1 : as > bs;
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
static const char *
pages_arg(const struct console_req *r, const char *name)
{
	const char	*v = console_req_arg(r, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
pages_filter_get(struct console_req *r, struct pages_filter *f)
{
	int64_t	ms;

	memset(f, 0, sizeof *f);
	f->reason = pages_arg(r, "reason");
	f->type = pages_arg(r, "type");
	f->territory = pages_arg(r, "territory");
	f->age = pages_arg(r, "age");
	f->before = pages_arg(r, "before");
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
static void
pages_filter_query(const struct pages_filter *f, struct buf *b,
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

static void
pages_dead_free(struct pages_dead *d)
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

static struct pages_letter *
pages_find(const struct pages_dead *d, const char *id)
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

	if (pages_find(d, id) != NULL)
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
	const redisReply	*f;
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
}

static int
pages_letter_cmp(const void *a, const void *b)
{
	return pages_id_cmp(((const struct pages_letter *)a)->id,
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
			h = pages_find(d, l->holder);
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
static int
pages_match(const struct pages_dead *d, const struct pages_letter *l)
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

	pages_dead_free(d);
	console_reply_error(r, 503, W(r, "redis"));
}

/* A command through the request; the page ends (503) when Redis is down. */
static int
pages_call(struct pages_dead *d, redis_cb cb, void *arg, int argc,
    const char **argv)
{
	size_t	*lens;
	int	 i, rc;

	lens = xcalloc((size_t)argc, sizeof *lens);
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
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
		if (*d->v[i].holder == '\0' || pages_find(d, d->v[i].holder) !=
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
	argv = xcalloc(d->nasked + 4, sizeof *argv);
	argv[0] = "EVAL";
	argv[1] = dead_lua_peek;
	argv[2] = "0";
	argv[3] = console_req_env(d->r)->cf->redis.prefix;
	for (i = 0; i < d->nasked; i++)
		argv[4 + i] = d->asked[i];
	if (pages_call(d, pages_on_peek, d, (int)d->nasked + 4, argv) == -1)
		pages_redis_down(d);
	free(argv);
}

static void	pages_read(struct pages_dead *);

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
			pages_read(d);
			return;
		}
	} else if (d->mode != PAGES_SHOW && !d->window && d->n > 0) {
		d->window = 1;
		pages_read(d);
		return;
	}
	pages_peek(d);
}

/*
 * A set: the newest letters (below d->last after the first read). One
 * letter: itself, then for an action the letters after its holder (those
 * of the same event are never older than the holder).
 */
static void
pages_read(struct pages_dead *d)
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
	if (pages_call(d, pages_on_read, d, argc, argv) == -1)
		pages_redis_down(d);
}

static struct pages_dead *
pages_dead_new(struct console_req *r, enum pages_mode mode)
{
	struct pages_dead	*d;

	d = xcalloc(1, sizeof *d);
	d->r = r;
	d->mode = mode;
	pages_filter_get(r, &d->f);
	return d;
}

/* "3 h" ago, from a stream id. */
static void
pages_age(const struct console_req *r, const char *id, char *out,
    size_t outlen)
{
	long long	s = (clock_now_ms() - strtoll(id, NULL, 10)) / 1000;
	int		en = strcmp(console_req_lang(r), "en") == 0;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, outlen, "%lld s", s);
	else if (s < 3600)
		snprintf(out, outlen, "%lld min", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, outlen, "%lld h", s / 3600);
	else
		snprintf(out, outlen, "%lld %s", s / 86400, en ? "d" : "j");
}

/* A reason from outside, addresses masked, cut at 300 bytes. */
static void
pages_reason_html(struct buf *b, const char *reason)
{
	char	*s = xstrndup(reason, utf8_cut(reason, strlen(reason), 300));

	log_mask_text(s);
	console_html_text(b, s);
	free(s);
}

/* The territory's name in the request's language, else its id. */
static const char *
pages_territory_name(const struct console_req *r, const char *id)
{
	const struct territory	*t;

	if (*id == '\0')
		return "—";
	t = territory_find(console_req_env(r)->cf->territories, id);
	if (t == NULL)
		return id;
	if (strcmp(console_req_lang(r), "en") == 0 && t->name_en != NULL)
		return t->name_en;
	return t->name_fr != NULL ? t->name_fr : id;
}

/* <input type=hidden> of each filter given. */
static void
pages_filter_hidden(struct buf *b, const struct pages_filter *f)
{
	const char	*name[] = { "reason", "type", "territory", "age" };
	const char	*val[] = { f->reason, f->type, f->territory, f->age };
	size_t		 i;

	for (i = 0; i < 4; i++) {
		if (val[i] == NULL)
			continue;
		buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"",
		    name[i]);
		console_html_text(b, val[i]);
		buf_puts(b, "\">");
	}
}

/* One letter's replay and drop buttons. */
static void
pages_buttons(struct console_req *r, const struct pages_letter *l)
{
	struct buf	*b = console_req_body(r);

	const char	*what[2] = { "replay", "drop" };
	size_t		 i;

	/* each button says which letter: a list has many alike */
	for (i = l->never == NULL ? 0 : 1; i < 2; i++) {
		console_form_begin(r, i == 0 ? "/dead/replay" : "/dead/drop");
		buf_puts(b, "<input type=\"hidden\" name=\"id\" value=\"");
		console_html_text(b, l->id);
		buf_printf(b, "\"><button type=\"submit\" aria-label=\"%s ",
		    W(r, what[i]));
		console_html_text(b, l->id);
		buf_printf(b, "\">%s</button></form>", W(r, what[i]));
	}
}

/* A <select> of a filter, "" for any. */
static void
pages_select(struct buf *b, struct console_req *r, const char *name,
    const char *label, const char *cur, const char **vals,
    const char **labels, size_t n)
{
	size_t	i;

	buf_printf(b, "<p><label for=\"f-%s\">%s</label> <select id=\"f-%s\" "
	    "name=\"%s\"><option value=\"\">%s</option>", name, label, name,
	    name, W(r, "any"));
	for (i = 0; i < n; i++) {
		buf_puts(b, "<option value=\"");
		console_html_text(b, vals[i]);
		buf_printf(b, "\"%s>", cur != NULL && strcmp(cur, vals[i]) == 0 ?
		    " selected" : "");
		console_html_text(b, labels[i]);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></p>");
}

static void
pages_filter_form(struct console_req *r, const struct pages_filter *f)
{
	const struct territory_set	*ts = console_req_env(r)->cf->territories;
	struct buf			*b = console_req_body(r);
	const char			*cls[64], *cl[64], *tv[256], *tl[256];
	size_t				 i, k, nc = 0, nt = 0;

	for (i = 0; i < sizeof pages_classes / sizeof pages_classes[0]; i++) {
		for (k = 0; k < nc && strcmp(cls[k], pages_classes[i].cls) != 0;
		    k++)
			;
		if (k == nc && nc < 63)
			cls[nc++] = pages_classes[i].cls;
	}
	cls[nc++] = "other";
	for (i = 0; i < nc; i++)
		cl[i] = pages_class_label(r, cls[i]);
	for (i = 0; ts != NULL && i < territory_set_count(ts) && nt < 256;
	    i++) {
		if (!console_pages_may_see(r, territory_set_at(ts, i)->id))
			continue;
		tv[nt] = territory_set_at(ts, i)->id;
		tl[nt] = pages_territory_name(r, tv[nt]);
		nt++;
	}
	buf_printf(b, "<form method=\"get\" action=\"/dead\" "
	    "class=\"filters\"><fieldset><legend>%s</legend>",
	    W(r, "filters"));
	pages_select(b, r, "reason", W(r, "reason"), f->reason, cls, cl, nc);
	buf_printf(b, "<p><label for=\"f-type\">%s</label> <input id=\"f-type\" "
	    "name=\"type\" value=\"", W(r, "type"));
	console_html_text(b, f->type != NULL ? f->type : "");
	buf_puts(b, "\"></p>");
	pages_select(b, r, "territory", W(r, "territory"), f->territory, tv, tl,
	    nt);
	buf_printf(b, "<p><label for=\"f-age\">%s</label> <input id=\"f-age\" "
	    "name=\"age\" size=\"6\" value=\"", W(r, "age"));
	console_html_text(b, f->age != NULL ? f->age : "");
	buf_printf(b, "\"></p><p><button type=\"submit\">%s</button></p>"
	    "</fieldset></form>", W(r, "apply"));
	if (f->bad_age)
		buf_printf(b, "<p class=\"error\" role=\"alert\">%s</p>",
		    W(r, "bad_age"));
}

static void
pages_list_row(struct console_req *r, const struct pages_letter *l,
    int coord)
{
	struct buf	*b = console_req_body(r);
	char		 age[32];

	pages_age(r, l->id, age, sizeof age);
	buf_puts(b, "<tr><td><a href=\"/dead/");
	console_html_text(b, l->id);
	buf_puts(b, "\">");
	console_html_text(b, l->id);
	buf_printf(b, "</a></td><td>%s</td><td>", age);
	console_html_text(b, *l->type != '\0' ? l->type : "—");
	buf_puts(b, "</td><td>");
	console_html_text(b, pages_territory_name(r, l->territory));
	buf_puts(b, "</td><td>");
	pages_reason_html(b, l->reason);
	buf_puts(b, "</td><td>");
	console_html_text(b, l->attempts != NULL ? l->attempts : "");
	buf_puts(b, "</td>");
	if (coord) {
		buf_puts(b, "<td class=\"actions\">");
		if (l->never != NULL) {
			buf_printf(b, "<span title=\"");
			console_html_text(b, l->never);
			buf_printf(b, "\">%s</span> ", W(r, "never"));
		}
		pages_buttons(r, l);
		buf_puts(b, "</td>");
	}
	buf_puts(b, "</tr>\n");
}

static void
pages_list(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct buf		*b, q;
	int			 coord = console_pages_coordinator(r);
	size_t			 i, shown = 0;

	console_page_begin(r, W(r, "title"));
	b = console_req_body(r);
	buf_printf(b, "<p>%s</p>", W(r, "intro"));
	pages_filter_form(r, &d->f);
	buf_printf(b, "<table id=\"dead-list\"><caption>%s</caption><thead><tr>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
	    W(r, "title"), W(r, "letter"), W(r, "age_col"), W(r, "type"),
	    W(r, "territory"), W(r, "reason"), W(r, "attempts"));
	if (coord)
		buf_printf(b, "<th scope=\"col\">%s</th>", W(r, "actions"));
	buf_puts(b, "</tr></thead><tbody>\n");
	/* newest first: d->v is in stream order */
	for (i = d->n; i > 0; i--) {
		if (!pages_match(d, &d->v[i - 1]))
			continue;
		pages_list_row(r, &d->v[i - 1], coord);
		shown++;
	}
	buf_puts(b, "</tbody></table>\n");
	if (shown == 0)
		buf_printf(b, "<p id=\"dead-none\">%s</p>", W(r, "none"));
	buf_puts(b, "<p class=\"pager\">");
	if (pages_en(r))
		buf_printf(b, "Letters read for this page: %zu.", d->n - d->nasked);
	else
		buf_printf(b, "Lettres lues pour cette page : %zu.",
		    d->n - d->nasked);
	buf_init(&q);
	pages_filter_query(&d->f, &q, "&");
	if (d->f.before != NULL)
		buf_printf(b, " <a href=\"/dead%s%s\">%s</a>", q.len ? "?" : "",
		    q.len ? q.data : "", W(r, "newest"));
	if (d->more && *d->last != '\0') {
		buf_printf(b, " <a rel=\"next\" href=\"/dead?%s%sbefore=",
		    q.len ? q.data : "", q.len ? "&amp;" : "");
		console_html_text(b, d->last);
		buf_printf(b, "\">%s</a>", W(r, "older"));
	}
	buf_puts(b, "</p>");
	buf_free(&q);
	/* a set is chosen by filters: never every letter in one click */
	if (coord && shown > 0 && (d->f.reason != NULL || d->f.type != NULL ||
	    d->f.territory != NULL || d->f.since_ms >= 0)) {
		buf_printf(b, "<section aria-labelledby=\"set-h\"><h2 id=\"set-h\">"
		    "%s</h2>", W(r, "set"));
		console_form_begin(r, "/dead/replay");
		pages_filter_hidden(b, &d->f);
		buf_printf(b, "<input type=\"hidden\" name=\"all\" value=\"1\">"
		    "<button type=\"submit\">%s</button></form>",
		    W(r, "replay_all"));
		console_form_begin(r, "/dead/drop");
		pages_filter_hidden(b, &d->f);
		buf_printf(b, "<input type=\"hidden\" name=\"all\" value=\"1\">"
		    "<button type=\"submit\">%s</button></form></section>",
		    W(r, "drop_all"));
	}
	pages_dead_free(d);
	console_page_end(r);
}

/* Keys whose value is someone's identity or address: masked whole. */
static const char *const pages_personal[] = {
	"first_name", "last_name", "name", "given_name", "family_name",
	"full_name", "email", "phone", "mobile", "sms", "address", "street",
	"postal_code", "birth_date", "date_of_birth", "birthdate",
};

static int
pages_is_personal(const char *key)
{
	size_t	i;

	for (i = 0; i < sizeof pages_personal / sizeof pages_personal[0]; i++) {
		if (strcasecmp(key, pages_personal[i]) == 0)
			return 1;
	}
	return 0;
}

/* The value masked: an address as the logs mask it, a name to its first letter. */
static json_t *
pages_mask_value(const json_t *v)
{
	const char	*s;
	char		 out[128];

	if (!json_is_string(v))
		return json_string("***");
	s = json_string_value(v);
	if (strchr(s, '@') != NULL || strspn(s, "+0123456789 -.()") ==
	    strlen(s))
		return json_string(log_mask(s, out, sizeof out));
	snprintf(out, sizeof out, "%.1s***", s);
	if ((unsigned char)s[0] >= 0x80)
		snprintf(out, sizeof out, "***");
	return json_string(out);
}

/* v with personal fields masked, addresses in any text too (a new reference). */
static json_t *
pages_mask(const json_t *v)
{
	json_t		*out, *m;
	const char	*k;
	json_t		*x;
	char		*s;
	size_t		 i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			if (pages_is_personal(k) && (json_is_string(x) ||
			    json_is_number(x)))
				m = pages_mask_value(x);
			else
				m = pages_mask(x);
			json_object_set_new(out, k, m);
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, pages_mask(x));
		return out;
	}
	if (json_is_string(v)) {
		s = xstrdup(json_string_value(v));
		log_mask_text(s);
		out = json_string(s);
		free(s);
		return out != NULL ? out : json_string("***");
	}
	return json_deep_copy(v);
}

/* The event pretty-printed, masked; bytes that are no JSON as text, masked. */
static void
pages_event_html(struct buf *b, const char *p, size_t len)
{
	json_t	*j, *m;
	char	*s, *t;
	size_t	 i;

	if ((j = json_loadb(p, len, 0, NULL)) != NULL) {
		m = pages_mask(j);
		s = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(m);
		json_decref(j);
		if (s != NULL) {
			buf_puts(b, "<pre id=\"dead-event\">");
			console_html_text(b, s);
			buf_puts(b, "</pre>");
			free(s);
			return;
		}
	}
	t = xstrndup(p, len);
	for (i = 0; t[i] != '\0'; i++) {
		if ((unsigned char)t[i] < 0x20 && t[i] != '\n')
			t[i] = '?';
	}
	log_mask_text(t);
	buf_puts(b, "<pre id=\"dead-event\">");
	console_html_text(b, t);
	buf_puts(b, "</pre>");
	free(t);
}

static void
pages_dl(struct buf *b, const char *term, const char *value)
{
	buf_printf(b, "<dt>%s</dt><dd>", term);
	console_html_text(b, value != NULL && *value != '\0' ? value : "—");
	buf_puts(b, "</dd>");
}

static void
pages_show(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct pages_letter	*l = pages_find(d, d->id);
	struct buf		*b;
	char			 age[32], title[128];

	if (l == NULL || l->peeked) {
		pages_dead_free(d);
		console_reply_error(r, 404, W(r, "gone"));
		return;
	}
	if (!console_pages_may_see(r, l->territory)) {
		pages_dead_free(d);
		console_reply_error(r, 403, W(r, "not_yours"));
		return;
	}
	snprintf(title, sizeof title, "%s %s", W(r, "letter"), l->id);
	console_page_begin(r, title);
	b = console_req_body(r);
	buf_puts(b, "<dl id=\"dead-letter\">");
	pages_age(r, l->id, age, sizeof age);
	pages_dl(b, W(r, "at"), l->at);
	pages_dl(b, W(r, "age_col"), age);
	buf_printf(b, "<dt>%s</dt><dd>", W(r, "reason"));
	pages_reason_html(b, l->reason);
	buf_puts(b, "</dd>");
	pages_dl(b, W(r, "class"), pages_class_label(r, l->cls));
	pages_dl(b, W(r, "attempts"), l->attempts);
	pages_dl(b, W(r, "type"), l->type);
	pages_dl(b, W(r, "territory"), pages_territory_name(r, l->territory));
	pages_dl(b, W(r, "event_id"), l->event_id);
	pages_dl(b, W(r, "channel"), l->channel);
	pages_dl(b, W(r, "role"), l->role);
	pages_dl(b, W(r, "replayable"), l->never != NULL ? l->never :
	    W(r, "yes"));
	buf_puts(b, "</dl>");
	if (console_pages_coordinator(r))
		pages_buttons(r, l);
	buf_printf(b, "<h2>%s</h2>", W(r, "event"));
	if (l->payload != NULL)
		pages_event_html(b, l->payload, l->paylen);
	else
		buf_printf(b, "<p>%s</p>", W(r, "no_event"));
	buf_printf(b, "<p><a href=\"/dead\">%s</a></p>", W(r, "back"));
	pages_dead_free(d);
	console_page_end(r);
}

/* After an action: audited, then back to the list with what was done. */
static void
pages_finish(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct buf		 flash, target, loc, q;
	int			 replay = d->mode == PAGES_REPLAY, en = pages_en(r);

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
	pages_filter_query(&d->f, &q, "&");
	if (d->done > 0) {
		if (*d->id != '\0')
			buf_puts(&target, d->id);
		else {
			/* the filters are tokens, a type, an id: no one's data */
			buf_printf(&target, "%zu letters", d->done);
			pages_filter_query(&d->f, &target, " ");
		}
		console_audit(r, replay ? "dead.replay" : "dead.drop",
		    target.data);
	}
	buf_puts(&loc, "/dead");
	if (*d->id == '\0' && q.len > 0)
		buf_printf(&loc, "?%s", q.data);
	pages_dead_free(d);
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
		if ((l = pages_find(d, d->id)) == NULL || l->peeked) {
			pages_dead_free(d);
			console_redirect(r, "/dead", W(r, "gone"));
			return -1;
		}
		if (!console_pages_may_see(r, l->territory)) {
			pages_dead_free(d);
			console_reply_error(r, 403, W(r, "not_yours"));
			return -1;
		}
		l->selected = 1;
		return 0;
	}
	for (i = d->n; i > 0; i--) {
		if (!pages_match(d, &d->v[i - 1]))
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
		h = pages_find(d, l->holder);
		k = 0;
		argv[k++] = "EVAL";
		argv[k++] = dead_lua_replay;
		argv[k++] = "0";
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
		if (pages_call(d, pages_on_replayed, d, (int)k, argv) == -1) {
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
	argv = xcalloc(4 + 2 * PAGES_DROP_BATCH, sizeof *argv);
	d->pending = 1;
	for (i = 0; i <= d->n; i++) {
		if (i < d->n && d->v[i].selected) {
			if (k == 0) {
				argv[k++] = "EVAL";
				argv[k++] = dead_lua_drop;
				argv[k++] = "0";
				argv[k++] = console_req_env(d->r)->cf->redis.prefix;
			}
			argv[k++] = d->v[i].id;
			argv[k++] = d->v[i].event_id != NULL ? d->v[i].event_id :
			    "";
		}
		if (k > 0 && (i == d->n || k == 4 + 2 * PAGES_DROP_BATCH)) {
			d->pending++;
			if (pages_call(d, pages_on_dropped, d, (int)k, argv) ==
			    -1) {
				d->pending--;
				d->failed += (k - 4) / 2;
			}
			k = 0;
		}
	}
	free(argv);
	if (--d->pending == 0)
		pages_finish(d);
}

static void
pages_done(struct pages_dead *d)
{
	pages_link(d);
	switch (d->mode) {
	case PAGES_LIST:
		pages_list(d);
		break;
	case PAGES_SHOW:
		pages_show(d);
		break;
	case PAGES_REPLAY:
		pages_replay(d);
		break;
	case PAGES_DROP:
		pages_drop(d);
		break;
	}
}

/* A territory the user may not see, asked for: the page is refused. */
static int
pages_forbidden(struct pages_dead *d)
{
	struct console_req	*r = d->r;

	if (d->f.territory == NULL || console_pages_may_see(r, d->f.territory))
		return 0;
	pages_dead_free(d);
	console_reply_error(r, 403, W(r, "not_yours"));
	return 1;
}

void
console_page_dead_list(struct console_req *r)
{
	struct pages_dead	*d = pages_dead_new(r, PAGES_LIST);

	if (!pages_forbidden(d))
		pages_read(d);
}

void
console_page_dead_show(struct console_req *r)
{
	struct pages_dead	*d;
	const char		*id = console_req_path(r) + strlen("/dead/");

	if (strncmp(console_req_path(r), "/dead/", 6) != 0 ||
	    !console_pages_id_ok(id)) {
		console_reply_error(r, 404, W(r, "gone"));
		return;
	}
	d = pages_dead_new(r, PAGES_SHOW);
	snprintf(d->id, sizeof d->id, "%s", id);
	pages_read(d);
}

/* POST /dead/replay and /dead/drop: one letter (id) or a set (all=1). */
static void
pages_act(struct console_req *r, enum pages_mode mode)
{
	struct pages_dead	*d;
	const char		*id = pages_arg(r, "id"), *all;

	if (!console_pages_coordinator(r)) {
		console_reply_error(r, 403, W(r, "coordinator"));
		return;
	}
	all = pages_arg(r, "all");
	if ((id == NULL && (all == NULL || strcmp(all, "1") != 0)) ||
	    (id != NULL && !console_pages_id_ok(id))) {
		console_redirect(r, "/dead", W(r, id != NULL ? "gone" : "no_id"));
		return;
	}
	d = pages_dead_new(r, mode);
	d->f.before = NULL;
	if (d->f.bad_age) {
		/* a filter not understood must not widen the set */
		pages_dead_free(d);
		console_redirect(r, "/dead", W(r, "bad_age"));
		return;
	}
	if (id != NULL)
		snprintf(d->id, sizeof d->id, "%s", id);
	if (!pages_forbidden(d))
		pages_read(d);
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
