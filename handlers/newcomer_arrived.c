/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * newcomer.arrived: store the person (only what messages and matching
 * need), assign a counsellor of the territory, plan the follow-ups, index
 * the profile for matching; then welcome the newcomer, tell the counsellor,
 * and queue the matches with open postings for their employers' digests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "figures.h"
#include "followups.h"
#include "handlers.h"
#include "jsonw.h"
#include "log.h"
#include "match.h"
#include "newcomer_arrived_lua.h"
#include "noc.h"
#include "phone.h"
#include "queue_args.h"
#include "territory.h"
#include "words.h"

/* What the handler reads from the event, validated. */
struct arrival {
	const json_t		*person;
	const json_t		*profile;
	const char		*id;
	const char		*email;
	const char		*phone;
	const char		*lang;		/* code, NULL when none or no tag */
	const char		*lang_tag;	/* as the producer wrote it */
	char			 langbuf[HANDLER_LANG_SIZE];
	const char		*noc;		/* NULL when absent or not a NOC code */
	const char		*arrival;	/* date or date-time it counts from */
	const struct territory	*t;
	const char		*municipality;	/* official name, or as given */
	int			 share;		/* data.person.consent's, read once */
	int			 consent_email;
	int			 consent_sms;
};

static int
arrival_parse(const struct envelope *ev, const struct handler_ctx *ctx,
    struct arrival *a, char *reason, size_t reasonlen)
{
	const char	*noc;

	memset(a, 0, sizeof *a);
	if (ev->data == NULL) {
		snprintf(reason, reasonlen, "missing data");
		return -1;
	}
	a->person = json_object_get(ev->data, "person");
	if (!json_is_object(a->person)) {
		snprintf(reason, reasonlen, "missing data.person");
		return -1;
	}
	if ((a->id = handler_id(ev, "person", reason, reasonlen)) == NULL)
		return -1;
	if ((a->t = handler_territory(ctx->cf, ev->data, reason,
	    reasonlen)) == NULL)
		return -1;
	/* "VILLE MARIE", "Évain": recorded and shown as Ville-Marie, Rouyn-Noranda */
	if ((a->municipality = handler_str(ev->data, "municipality")) != NULL &&
	    territory_municipality_name(ctx->cf->territories,
	    a->municipality) != NULL)
		a->municipality = territory_municipality_name(
		    ctx->cf->territories, a->municipality);
	a->email = handler_str(a->person, "email");
	a->phone = handler_str(a->person, "phone");
	/*
	 * Never a dead letter over a language: "fr-CA" is French, and one
	 * relais has no templates in is written in the territory's.
	 */
	a->lang_tag = handler_str(a->person, "language");
	a->lang = handler_language(a->lang_tag, a->langbuf);
	if (a->email == NULL && a->phone == NULL) {
		snprintf(reason, reasonlen, "data.person has neither email nor "
		    "phone");
		return -1;
	}
	a->profile = json_object_get(ev->data, "profile");
	if (a->profile != NULL && !json_is_object(a->profile)) {
		snprintf(reason, reasonlen, "data.profile must be an object");
		return -1;
	}
	noc = handler_str(a->profile, "occupation");
	if (noc != NULL && !match_noc_ok(noc)) {
		snprintf(reason, reasonlen, "data.profile.occupation \"%s\" is "
		    "not a NOC 2021 code (five digits)", noc);
		return -1;
	}
	a->noc = noc;
	a->share = handler_consent(a->person, "share_profile");
	a->consent_email = handler_consent(a->person, "email");
	a->consent_sms = handler_consent(a->person, "sms");
	a->arrival = handler_str(ev->data, "arrival_date");
	if (a->arrival == NULL)
		a->arrival = ev->time;
	return 0;
}

/*
 * What prepare read, kept for fn (handler_state.prepared): the same event
 * and configuration, read once. langbuf travels in the copy, lang is
 * pointed at it again.
 */
_Static_assert(sizeof(struct arrival) <= HANDLER_PREPARED_SIZE,
    "struct arrival does not fit handler_state.prepared");

static void
arrival_keep(const struct arrival *a, struct handler_state *st)
{
	memcpy(st->prepared.b, a, sizeof *a);
	st->has_prepared = 1;
}

static int
arrival_take(const struct handler_ctx *ctx, struct arrival *a)
{
	if (ctx->prepared == NULL)
		return -1;
	memcpy(a, ctx->prepared, sizeof *a);
	if (a->lang != NULL)
		a->lang = a->langbuf;
	return 0;
}

/* The territories the person wants to work in: desired, else their own. */
static void
arrival_wanted(const struct handler_ctx *ctx, const struct arrival *a,
    const struct territory **out, size_t *nout, size_t max)
{
	const json_t		*want, *v;
	const struct territory	*t;
	size_t			 i, k;

	*nout = 0;
	want = json_object_get(a->profile, "desired_territories");
	json_array_foreach(want, i, v) {
		if (!json_is_string(v) || (t = territory_find(ctx->cf->territories,
		    json_string_value(v))) == NULL)
			continue;
		for (k = 0; k < *nout && out[k] != t; k++)
			;
		if (k == *nout && *nout < max)
			out[(*nout)++] = t;
	}
	if (*nout == 0)
		out[(*nout)++] = a->t;
}

/* Whether counsellor c speaks lang. */
static int
arrival_speaks(const struct territory_counsellor *c, const char *lang)
{
	size_t	k;

	for (k = 0; k < c->nlanguages; k++) {
		if (strcmp(c->languages[k], lang) == 0)
			return 1;
	}
	return 0;
}

/*
 * The counsellors of the territory who speak the person's language (else
 * all): their ids as a JSON list into b (when not NULL), and the first of
 * them returned (NULL: none).
 */
static const char *
arrival_eligible(const struct territory *t, const char *lang, struct buf *b)
{
	struct jsonw	 w;
	const char	*first = NULL;
	size_t		 i;
	int		 any = 0;

	for (i = 0; i < t->ncounsellors && !any; i++)
		any = arrival_speaks(&t->counsellors[i], lang);
	if (b != NULL) {
		jsonw_init(&w, b);
		jsonw_open(&w, '[');
	}
	for (i = 0; i < t->ncounsellors; i++) {
		if (any && !arrival_speaks(&t->counsellors[i], lang))
			continue;
		if (first == NULL)
			first = t->counsellors[i].id;
		if (b != NULL)
			(void)jsonw_str(&w, t->counsellors[i].id);
	}
	if (b != NULL)
		jsonw_close(&w, ']');
	return first;
}

#define ARRIVAL_NFIELDS	13

/* The stored person's fields: a value each, or none (removed). */
struct arrival_kept {
	struct {
		const char	*name;
		const char	*v;	/* NULL: removed */
	}		 f[ARRIVAL_NFIELDS];
	size_t		 n;
	size_t		 nset;		/* those with a value */
};

/* A field with no value (NULL, "") is removed from the stored person. */
static void
arrival_field(struct arrival_kept *k, const char *name, const char *v)
{
	if (k->n >= ARRIVAL_NFIELDS)
		fatalx("arrival: more than %d fields kept", ARRIVAL_NFIELDS);
	if (v != NULL && *v == '\0')
		v = NULL;
	k->f[k->n].name = name;
	k->f[k->n++].v = v;
	k->nset += v != NULL;
}

/*
 * The stored person, at the end of the state function's list (after the
 * follow-ups): what the messages and matching need, nothing more, the
 * fields set (name, value, ..., nset of them) then those removed (name,
 * ...). Plain arguments, no JSON for the script to decode, split here so
 * that the script hands them to HSET and HDEL as they come: this runs for
 * every arrival.
 */
static void
arrival_fields(const struct arrival *a, struct handler_state *st)
{
	static const char *const keep[] = { "first_name", "last_name", "email",
	    NULL };
	struct arrival_kept	 k;
	const char		*s;
	char			*skills, e164[PHONE_E164_SIZE], why[128];
	size_t			 i;

	k.n = k.nset = 0;

	for (i = 0; keep[i] != NULL; i++)
		arrival_field(&k, keep[i], handler_str(a->person, keep[i]));
	/*
	 * The phone as messages go to it (E.164): the check right before each
	 * send compares the stored address with the message's.
	 */
	s = handler_str(a->person, "phone");
	if (a->phone != NULL && phone_normalise(a->phone, e164, sizeof e164,
	    why, sizeof why) == 0)
		s = e164;
	arrival_field(&k, "phone", s);
	/* the language code messages use, and the tag when it said more */
	arrival_field(&k, "language", a->lang);
	arrival_field(&k, "language_tag", a->lang_tag != NULL &&
	    (a->lang == NULL || strcmp(a->lang, a->lang_tag) != 0) ?
	    a->lang_tag : NULL);
	arrival_field(&k, "territory", a->t->id);
	arrival_field(&k, "municipality", a->municipality);
	arrival_field(&k, "arrival_date", a->arrival);
	arrival_field(&k, "consent_email", a->consent_email ? "1" : NULL);
	arrival_field(&k, "consent_sms", a->consent_sms ? "1" : NULL);
	arrival_field(&k, "occupation", a->noc);
	skills = match_skills_display(json_object_get(a->profile, "skills"));
	arrival_field(&k, "skills", skills);
	handler_arg_long(st, "nset", (long long)k.nset);
	for (i = 0; i < k.n; i++) {
		if (k.f[i].v != NULL) {
			handler_arg_more(st, "list...", k.f[i].name);
			handler_arg_more(st, "list...", k.f[i].v);
		}
	}
	for (i = 0; i < k.n; i++) {
		if (k.f[i].v == NULL)
			handler_arg_more(st, "list...", k.f[i].name);
	}
	free(skills);
}

/* When the follow-up `days` after the arrival falls due (ms). */
static int
arrival_due(const struct handler_ctx *ctx, const struct arrival *a, long days,
    int64_t *due)
{
	if (a->arrival == NULL) {
		*due = ctx->now_ms + days * 86400000LL;
		return 0;
	}
	return followup_due_ms(a->arrival, a->t->tz, days,
	    ctx->cf->followups.at_min, due);
}

/* Whether a later follow-up of the plan than `days` is past already. */
static int
arrival_later_past(const struct handler_ctx *ctx, const struct arrival *a,
    long days)
{
	const struct config_followups	*f = &ctx->cf->followups;
	int64_t				 due;
	size_t				 i;

	for (i = 0; i < f->nplan; i++) {
		if (f->plan[i].days > days && arrival_due(ctx, a,
		    f->plan[i].days, &due) == 0 && due < ctx->now_ms)
			return 1;
	}
	return 0;
}

/*
 * The follow-ups to plan, kind, due ms and member for each into plan,
 * from the arrival date (else the event's time, now), and in *until the
 * end of the programme; -1 with a reason when the arrival date is not a
 * date.
 */
static int
arrival_plan(const struct envelope *ev, const struct handler_ctx *ctx,
    const struct arrival *a, struct queue_args *plan, int64_t *until,
    char *reason, size_t reasonlen)
{
	const struct config	*cf = ctx->cf;
	char			*member;
	int64_t			 due;
	size_t			 i, n = 0;

	*until = ctx->now_ms + cf->retention_days * 86400000LL;
	for (i = 0; i < cf->followups.nplan; i++) {
		const struct config_followup *fu = &cf->followups.plan[i];

		if (arrival_due(ctx, a, fu->days, &due) == -1) {
			snprintf(reason, reasonlen, "data.arrival_date \"%s\" is "
			    "not a date (YYYY-MM-DD)", a->arrival);
			return -1;
		}
		/*
		 * Registered late: of the follow-ups already past, only the
		 * latest is planned (it falls due at once); not a year of
		 * reminders in one morning. A backfill plans none of them:
		 * the files it loads were followed elsewhere until now.
		 */
		if (due < ctx->now_ms && (ev->quiet ||
		    arrival_later_past(ctx, a, fu->days)))
			continue;
		member = followup_due_member(a->id, fu->kind, a->t->id, due);
		queue_args_add(plan, fu->kind, strlen(fu->kind));
		queue_args_addll(plan, due);
		queue_args_add(plan, member, strlen(member));
		free(member);
		/* the programme ends a month after the last follow-up */
		if (++n == 1 || due + 30 * 86400000LL > *until)
			*until = due + 30 * 86400000LL;
	}
	return 0;
}

/*
 * A profile shared with an occupation is indexed by wanted territory and
 * broad category: the index hashes it goes in (profile_keys), the postings'
 * index sets it is matched against (job_keys), and its summary, returned
 * (caller frees); NULL when it is not shared.
 */
static char *
arrival_index(const struct handler_ctx *ctx, const struct arrival *a,
    struct jsonw *profile_keys, struct jsonw *job_keys)
{
	const struct territory	*want[16];
	json_t			*langs;
	char			*key, *rec, month[FIGURES_MONTH_SIZE];
	int64_t			 day, at;
	size_t			 i, nwant;

	if (!a->share || a->noc == NULL)
		return NULL;
	arrival_wanted(ctx, a, want, &nwant, 16);
	for (i = 0; i < nwant; i++) {
		key = handler_key(ctx->cf, "mx:p:%s:%c", want[i]->id, a->noc[0]);
		(void)jsonw_str(profile_keys, key);
		free(key);
		key = handler_key(ctx->cf, "mx:j:%s:%c", want[i]->id, a->noc[0]);
		(void)jsonw_str(job_keys, key);
		free(key);
	}
	/* the month of arrival as the territory counts it */
	if (a->arrival != NULL && followup_date(a->arrival, &day) == 0)
		snprintf(month, sizeof month, "%.7s", a->arrival);
	else
		figures_month(a->t->tz, a->arrival != NULL &&
		    envelope_parse_time(a->arrival, &at) == 0 ? at :
		    ctx->now_ms, month);
	/* the languages they speak: the profile's, else the one they use */
	langs = json_incref(json_object_get(a->profile, "languages"));
	if (json_array_size(langs) == 0) {
		json_decref(langs);
		langs = json_array();
		if (a->lang != NULL)
			json_array_append_new(langs, json_string(a->lang));
	}
	rec = match_record(a->noc, json_object_get(a->profile, "skills"),
	    handler_str(a->person, "first_name"), langs, month);
	json_decref(langs);
	return rec;
}

static int
arrival_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	struct arrival		 a;
	struct queue_args	 plan;
	struct buf		 b, pk, jk;
	struct jsonw		 w, pw, jw;
	char			*rec;
	int64_t			 until;
	size_t			 i;

	queue_args_init(&plan);
	if (arrival_parse(ev, ctx, &a, reason, reasonlen) == -1 ||
	    arrival_plan(ev, ctx, &a, &plan, &until, reason, reasonlen) == -1) {
		queue_args_clear(&plan);
		return -1;
	}
	handler_state_init(st, &arrival_state);
	arrival_keep(&a, st);
	/* the follow-ups first in the list, the fields after them */
	handler_arg_long(st, "nfollowups", plan.n / 3);
	for (i = 0; i < (size_t)plan.n; i++)
		handler_arg_more(st, "list...", plan.data.data + plan.off[i]);
	queue_args_clear(&plan);
	handler_arg(st, "pid", a.id);
	handler_arg_long(st, "ttl", ctx->cf->retention_days * 86400LL);
	handler_arg(st, "territory", a.t->id);
	/* the other lists as JSON text, written straight: no tree here */
	buf_init(&b);
	jsonw_init(&w, &b);
	jsonw_open(&w, '[');
	for (i = 0; i < a.t->ncounsellors; i++)
		(void)jsonw_str(&w, a.t->counsellors[i].id);
	jsonw_close(&w, ']');
	handler_arg_text(st, "roster", b.data, b.len);
	buf_reset(&b);
	(void)arrival_eligible(a.t, a.lang != NULL ? a.lang : a.t->language,
	    &b);
	handler_arg_text(st, "eligible", b.data, b.len);
	handler_arg_long(st, "case_until", until);
	handler_arg_long(st, "now", ctx->now_ms);
	buf_init(&pk);
	buf_init(&jk);
	jsonw_init(&pw, &pk);
	jsonw_init(&jw, &jk);
	jsonw_open(&pw, '[');
	jsonw_open(&jw, '[');
	rec = arrival_index(ctx, &a, &pw, &jw);
	jsonw_close(&pw, ']');
	jsonw_close(&jw, ']');
	handler_arg_text(st, "profile_keys", pk.data, pk.len);
	handler_arg(st, "summary", rec);
	handler_arg_text(st, "job_keys", jk.data, jk.len);
	handler_arg(st, "eid", ev->id);
	arrival_fields(&a, st);
	buf_free(&b);
	buf_free(&pk);
	buf_free(&jk);
	free(rec);
	return 0;
}

/* The event's data as messages show it: the official municipality. */
static json_t *
arrival_data(const struct envelope *ev, const struct arrival *a)
{
	json_t	*d = json_copy(ev->data);

	if (a->municipality != NULL)
		json_object_set_new(d, "municipality", json_string(
		    a->municipality));
	return d;
}

/* The channels the person accepted, as the counsellor reads them. */
static json_t *
arrival_channels(const struct config *cf, const struct arrival *a,
    const char *lang)
{
	json_t	*c = json_array();

	if (a->consent_email)
		json_array_append_new(c, json_string(words_or(cf->words, lang,
		    "channels.email", "email")));
	if (a->consent_sms)
		json_array_append_new(c, json_string(words_or(cf->words, lang,
		    "channels.sms", "sms")));
	return c;
}

/*
 * The person's language as the counsellor reads it (in lang): the tag the
 * producer sent, and the language relais writes to them in when it has no
 * templates in theirs.
 */
static json_t *
arrival_language(const struct handler_ctx *ctx, const struct arrival *a,
    const char *lang)
{
	const char	*used = handler_language_used(ctx->cf, a->t, a->lang);
	json_t		*o = json_object();

	if (a->lang_tag != NULL) {
		/* "français (fr-CA)", "espagnol (es-MX)", "français" */
		json_object_set_new(o, "tag", json_string(a->lang_tag));
		if (a->lang == NULL)
			json_object_set_new(o, "label", json_string(a->lang_tag));
		else if (strcmp(a->lang, a->lang_tag) == 0)
			json_object_set_new(o, "label", json_string(
			    handler_language_name(ctx->cf, a->lang, lang)));
		else {
			struct buf b;

			buf_init(&b);
			buf_puts(&b, handler_language_name(ctx->cf, a->lang,
			    lang));
			buf_puts(&b, " (");
			buf_puts(&b, a->lang_tag);
			buf_putc(&b, ')');
			json_object_set_new(o, "label", json_string(b.data));
			buf_free(&b);
		}
	}
	json_object_set_new(o, "used", json_string(used));
	json_object_set_new(o, "used_name", json_string(
	    handler_language_name(ctx->cf, used, lang)));
	if (a->lang_tag != NULL && (a->lang == NULL || strcmp(a->lang,
	    used) != 0))
		json_object_set_new(o, "fallback", json_true());
	return o;
}

/* Open postings this profile fits go to their employers' digests. */
static void
arrival_matches(const struct handler_ctx *ctx, const struct arrival *a,
    const json_t *jobs, struct handler_out *out)
{
	const struct config_matching	*m = &ctx->cf->matching;
	const json_t			*j;
	const char			*e, *jid, *noc, *jskills;
	char				*skills, *member, due[32], window[32];
	size_t				 i;
	int64_t				 at;

	/* the digest each employer's matches wait for */
	at = ctx->now_ms + m->digest_window_s * 1000LL;
	snprintf(due, sizeof due, "%lld", (long long)at);
	snprintf(window, sizeof window, "%lld",
	    (long long)m->digest_window_s * 1000LL);
	skills = match_skills_folded(json_object_get(a->profile, "skills"));
	json_array_foreach(jobs, i, j) {
		e = handler_str(j, "employer");
		jid = handler_str(j, "id");
		noc = handler_str(j, "occupation");
		jskills = handler_str(j, "skills_folded");
		if (e == NULL || jid == NULL || noc == NULL ||
		    json_integer_value(json_object_get(j, "announced")) != 0 ||
		    match_score(m, noc, jskills != NULL ? jskills : "", a->noc,
		    skills) < m->threshold)
			continue;
		member = match_digest_member(e, at);
		handler_effect(out, &arrival_fx_digest_add, "employer", e, "pid",
		    a->id, "job", jid, "due", due, "member", member, "window",
		    window, NULL);
		free(member);
	}
	free(skills);
}

/* The welcome, to the newcomer (with their counsellor, cv, when known). */
static void
arrival_welcome(const struct envelope *ev, const struct arrival *a,
    json_t *cv, struct handler_out *out)
{
	struct notification	*n;
	json_t			*vars;

	vars = json_object();
	json_object_set(vars, "person", (json_t *)(uintptr_t)a->person);
	json_object_set_new(vars, "data", arrival_data(ev, a));
	json_object_set_new(vars, "first_name", json_string(
	    handler_str(a->person, "first_name") != NULL ?
	    handler_str(a->person, "first_name") : ""));
	if (json_is_string(json_object_get(ev->data, "arrival_date")))
		json_object_set(vars, "arrival_date",
		    json_object_get(ev->data, "arrival_date"));
	if (cv != NULL)
		json_object_set(vars, "counsellor", cv);
	n = handler_out_add(out);
	n->role = "newcomer";
	n->recipient_id = xstrdup(a->id);
	n->subject_id = xstrdup(a->id);
	n->email = a->email != NULL ? xstrdup(a->email) : NULL;
	n->phone = a->phone != NULL ? xstrdup(a->phone) : NULL;
	n->language = a->lang != NULL ? xstrdup(a->lang) : NULL;
	n->consent_email = a->consent_email;
	n->consent_sms = a->consent_sms;
	n->territory = a->t;
	n->vars = vars;
	/* a welcome that never reaches them goes with the correction */
	handler_fx_add(&n->on_sent, &arrival_fx_welcome, 0, "pid", a->id,
	    "event", ev->id, "outcome", "sent", NULL);
	handler_fx_add(&n->on_failed, &arrival_fx_welcome, 0, "pid", a->id,
	    "event", ev->id, "outcome", "failed", NULL);
}

/*
 * The notice to counsellor c (cv: their variables), who hears which welcome
 * channel cannot go, and why: the notification wi (0: none).
 */
static void
arrival_notice(const struct envelope *ev, const struct handler_ctx *ctx,
    const struct arrival *a, const struct territory_counsellor *c,
    json_t *cv, size_t wi, struct handler_out *out)
{
	struct notification	*n;
	json_t			*vars;
	const char		*lang;

	lang = c->languages[0];	/* config gives each counsellor one at least */
	vars = json_object();
	json_object_set(vars, "person", (json_t *)(uintptr_t)a->person);
	json_object_set_new(vars, "data", arrival_data(ev, a));
	if (a->profile != NULL) {
		/* the occupation by its title, in the counsellor's language */
		json_t *prof = json_copy((json_t *)(uintptr_t)a->profile);

		if (noc_title(ctx->cf->noc, a->noc, lang) != NULL)
			json_object_set_new(prof, "occupation_label",
			    json_string(noc_title(ctx->cf->noc, a->noc,
			    lang)));
		json_object_set_new(vars, "profile", prof);
	}
	json_object_set(vars, "counsellor", cv);
	json_object_set_new(vars, "channels", arrival_channels(ctx->cf, a,
	    lang));
	json_object_set_new(vars, "language", arrival_language(ctx, a,
	    lang));
	json_object_set_new(vars, "ref", json_string(a->id));
	n = handler_out_add(out);
	n->role = "counsellor";
	n->recipient_id = xstrdup(c->id);
	n->subject_id = xstrdup(a->id);
	n->email = xstrdup(c->email);
	n->language = xstrdup(lang);
	n->consent_email = 1;	/* staff, at work */
	n->territory = a->t;
	n->vars = vars;
	n->report_of = wi;
}

static int
arrival_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory_counsellor	*c = NULL;
	struct arrival				 a;
	json_t					*cv = NULL;
	int					 welcome, notify;
	size_t					 wi = 0;

	if (arrival_take(ctx, &a) == -1 &&
	    arrival_parse(ev, ctx, &a, reason, reasonlen) == -1)
		return -1;
	/*
	 * An older event about a person who left or was forgotten since sends
	 * nothing; a retry plans its delivery still, for the check right
	 * before the send to skip it with the reason on record.
	 */
	if (state != NULL && !ctx->retry &&
	    (json_object_get(state, "missing") != NULL ||
	    json_object_get(state, "departed") != NULL)) {
		snprintf(out->note, sizeof out->note, "person %s since: nothing "
		    "to send", json_object_get(state, "missing") != NULL ?
		    "forgotten" : "departed");
		return 0;
	}
	if (state != NULL) {
		c = handler_counsellor(a.t, handler_str(state, "counsellor"));
		welcome = json_is_true(json_object_get(state, "welcome")) ||
		    ctx->retry;
		notify = json_is_true(json_object_get(state, "notify")) ||
		    ctx->retry;
	} else {
		/* a preview: whom the assignment would pick first */
		c = handler_counsellor(a.t, arrival_eligible(a.t, a.lang !=
		    NULL ? a.lang : a.t->language, NULL));
		welcome = notify = 1;
	}
	if (c != NULL)
		cv = handler_counsellor_vars(c);

	if (welcome) {
		arrival_welcome(ev, &a, cv, out);
		wi = out->n;
	} else
		snprintf(out->note, sizeof out->note, "person already "
		    "registered by an earlier event: no second welcome");
	if (notify && c != NULL)
		arrival_notice(ev, ctx, &a, c, cv, wi, out);
	else if (notify && a.t->ncounsellors == 0)
		snprintf(out->note, sizeof out->note, "territory %s has no "
		    "counsellor: nobody to tell", a.t->id);

	/* a backfill alerts no employer, now or in a digest */
	if (state != NULL && a.noc != NULL && a.share && !ev->quiet)
		arrival_matches(ctx, &a, json_object_get(state, "jobs"), out);
	/*
	 * Counted when this event registered the person (again after a
	 * departure), not for taking over a failed welcome; once, however
	 * often it runs (a crash before its commit, a dead letter replayed).
	 */
	if (state != NULL && !ctx->retry &&
	    json_is_true(json_object_get(state, "first")))
		handler_count(out, ctx, a.t, "arrivals", a.id, "arrivals",
		    ev->id);
	json_decref(cv);
	return 0;
}

const struct handler handler_newcomer_arrived = {
	.type = "newcomer.arrived",
	.prepare = arrival_prepare,
	.fn = arrival_fn,
	.state = &arrival_state,
	.effects = arrival_effects,
};
