/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Templates page (GET /templates): every message the routes
 * name, as it would go out to made-up people of one territory in one
 * language. The messages are planned by plan_build, the path relaisd and
 * `relaisctl render` take, on sample events and sample state (what Redis
 * would answer the handler) built here: nobody stored is read, nothing is
 * sent, no Redis call is made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "console_auth.h"
#include "console_view.h"
#include "envelope.h"
#include "followups.h"
#include "handlers.h"
#include "match.h"
#include "plan.h"
#include "sms.h"
#include "territory.h"

#define PREVIEW_DAY_MS	86400000LL
#define PREVIEW_ROWS	4	/* strings of the sample profiles' rows */

/* What the samples are built for. */
struct preview_env {
	const struct config			*cf;
	const struct territory			*t;
	const char				*lang;
	const struct territory_counsellor	*c;	/* roster's first */
	const char				*municipality;	/* or NULL */
	int64_t					 now;
	char					 arrived[11];	/* a week ago */
	char					 closes[11];	/* in 60 days */
};

/* One sample event: its data, the state its handler would get, rows. */
struct preview_sample {
	json_t			*data;
	json_t			*state;		/* NULL: none */
	char			*owned[PREVIEW_ROWS];
	const char		*v[PREVIEW_ROWS];
	size_t			 len[PREVIEW_ROWS];
	struct handler_rows	 rows[HANDLER_READS_MAX];
	size_t			 nrows;
};

struct preview_case {
	const char	*type;
	const char	*what_fr;	/* who the sample is, or NULL */
	const char	*what_en;
	void		(*build)(const struct preview_env *,
			    struct preview_sample *);
};

/* A case planned: its deliveries, or why there are none. */
struct preview_plan {
	const struct preview_case	*pc;
	struct envelope			 env;
	struct plan			 plan;
	int				 ok;	/* plan_build succeeded */
	char				 reason[256];
};

/* console_view_w, short: every page string is written in both languages. */
static const char *
preview_w(const struct console_req *r, const char *fr, const char *en)
{
	return console_view_w(r, fr, en);
}

/* The newcomer every sample welcomes: made up, at example.com. */
static json_t *
preview_person(const struct preview_env *e, int with_email)
{
	json_t	*p;

	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:b, s:b, s:b}}",
	    "id", "sample-1", "first_name", "Amina", "last_name", "Diallo",
	    "phone", "+18195550123", "language", e->lang, "consent", "email",
	    with_email, "sms", 1, "share_profile", 1);
	if (with_email)
		json_object_set_new(p, "email",
		    json_string("amina.diallo@example.com"));
	return p;
}

static void
preview_place(const struct preview_env *e, json_t *o)
{
	if (e->municipality != NULL)
		json_object_set_new(o, "municipality",
		    json_string(e->municipality));
	else
		json_object_set_new(o, "territory", json_string(e->t->id));
}

static void
preview_arrived(const struct preview_env *e, struct preview_sample *s)
{
	s->data = json_pack("{s:o, s:s, s:{s:s, s:[s, s], s:[s]}}",
	    "person", preview_person(e, 1), "arrival_date", e->arrived,
	    "profile", "occupation", "31301", "skills", "soins infirmiers",
	    "pédiatrie", "sectors", "santé");
	preview_place(e, s->data);
}

/* The follow-up with a check-in the plan has first, or the first. */
static const struct config_followup *
preview_followup(const struct config *cf)
{
	size_t	i;

	for (i = 0; i < cf->followups.nplan; i++) {
		if (cf->followups.plan[i].checkin)
			return &cf->followups.plan[i];
	}
	return cf->followups.nplan > 0 ? &cf->followups.plan[0] : NULL;
}

/* A check-in due now; by email, or by SMS to someone without email. */
static void
preview_due(const struct preview_env *e, struct preview_sample *s,
    int with_email)
{
	const struct config_followup	*fu = preview_followup(e->cf);
	json_t				*person;
	char				 at[40];

	clock_rfc3339(e->now, at, sizeof at);
	s->data = json_pack("{s:{s:s}, s:{s:s, s:s}}", "person", "id",
	    "sample-1", "followup", "kind", fu != NULL ? fu->kind : "d7",
	    "due_at", at);
	/* the person as the state function returns them: a stored hash */
	person = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "territory", e->t->id, "first_name", with_email ? "Amina" :
	    "Sofía", "last_name", with_email ? "Diallo" : "Ramírez",
	    "phone", with_email ? "+18195550123" : "+18195550177",
	    "language", e->lang, "arrival_date", e->arrived, "consent_sms",
	    "1");
	if (with_email) {
		json_object_set_new(person, "email",
		    json_string("amina.diallo@example.com"));
		json_object_set_new(person, "consent_email", json_string("1"));
	}
	if (e->municipality != NULL)
		json_object_set_new(person, "municipality",
		    json_string(e->municipality));
	s->state = json_pack("{s:o, s:s, s:s, s:s, s:s}", "person", person,
	    "counsellor", e->c != NULL ? e->c->id : "", "previous", "",
	    "state", "", "reminded", "");
}

static void
preview_due_email(const struct preview_env *e, struct preview_sample *s)
{
	preview_due(e, s, 1);
}

static void
preview_due_sms(const struct preview_env *e, struct preview_sample *s)
{
	preview_due(e, s, 0);
}

/* Two follow-ups waiting for the first counsellor's daily email. */
static void
preview_reminders(const struct preview_env *e, struct preview_sample *s)
{
	const struct config_followups	*f = &e->cf->followups;
	const char			*k1, *k2;
	json_t				*items;
	char				 until[32], at[40];

	k1 = f->nplan > 0 ? f->plan[0].kind : "d7";
	k2 = f->nplan > 1 ? f->plan[1].kind : k1;
	snprintf(until, sizeof until, "%lld", (long long)e->now);
	clock_rfc3339(e->now, at, sizeof at);
	s->data = json_pack("{s:s, s:s}", "territory", e->t->id, "until",
	    until);
	items = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
	    " {s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}]",
	    "pid", "sample-1", "kind", k1, "due_at", at, "counsellor",
	    e->c != NULL ? e->c->id : "", "first_name", "Amina", "last_name",
	    "Diallo", "email", "amina.diallo@example.com", "language", e->lang,
	    "arrival_date", e->arrived,
	    "pid", "sample-2", "kind", k2, "due_at", at, "counsellor",
	    e->c != NULL ? e->c->id : "", "first_name", "Sofía", "last_name",
	    "Ramírez", "phone", "+18195550177", "arrival_date", e->arrived);
	if (e->municipality != NULL)
		json_object_set_new(json_array_get(items, 0), "municipality",
		    json_string(e->municipality));
	s->state = json_pack("{s:o}", "items", items);
}

/* The employer of the samples: made up, at example.org. */
static json_t *
preview_contact(const struct preview_env *e)
{
	return json_pack("{s:s, s:s, s:s}", "name", "Marie-Ève Lachance",
	    "email", "recrutement@employeur.example.org", "language", e->lang);
}

/* Two profiles' summaries, as the matching index stores them. */
static void
preview_profiles(struct preview_sample *s, const char *month)
{
	json_t	*sk1, *sk2, *lg1, *lg2;

	sk1 = json_pack("[s, s]", "Soins infirmiers", "Pédiatrie");
	sk2 = json_pack("[s]", "Urgence");
	lg1 = json_pack("[s, s]", "fr", "en");
	lg2 = json_pack("[s]", "fr");
	s->owned[0] = match_record("31301", sk1, "Amina", lg1, month);
	s->owned[1] = match_record("31301", sk2, "Kofi", lg2, month);
	json_decref(sk1);
	json_decref(sk2);
	json_decref(lg1);
	json_decref(lg2);
	s->v[0] = "sample-1";
	s->v[1] = s->owned[0];
	s->v[2] = "sample-2";
	s->v[3] = s->owned[1];
}

static void
preview_posted(const struct preview_env *e, struct preview_sample *s)
{
	json_t	*job;
	char	 month[8];
	size_t	 i;

	job = json_pack("{s:s, s:s, s:s, s:[s, s], s:s}", "id", "job-sample",
	    "title", "Infirmière ou infirmier clinicien", "occupation", "31301",
	    "skills", "Soins infirmiers", "Urgence", "closes_at", e->closes);
	preview_place(e, job);
	s->data = json_pack("{s:o, s:{s:s, s:s, s:o}}", "job", job,
	    "employer", "id", "employer-sample", "name",
	    "Clinique des Eskers (exemple)", "contact", preview_contact(e));
	s->state = json_pack("{s:i}", "stored", 1);
	snprintf(month, sizeof month, "%.7s", e->arrived);
	preview_profiles(s, month);
	for (i = 0; i < PREVIEW_ROWS; i++)
		s->len[i] = strlen(s->v[i]);
	/* the profiles indexed where the posting is; an empty ledger */
	s->rows[0].v = s->v;
	s->rows[0].len = s->len;
	s->rows[0].n = 2;
	s->rows[1].v = s->v;
	s->rows[1].len = s->len;
	s->rows[1].n = 0;
	s->nrows = 2;
}

static void
preview_digest(const struct preview_env *e, struct preview_sample *s)
{
	json_t	*contact;
	char	 month[8];

	snprintf(month, sizeof month, "%.7s", e->arrived);
	preview_profiles(s, month);
	contact = preview_contact(e);
	json_object_set_new(contact, "employer_name",
	    json_string("Clinique des Eskers (exemple)"));
	json_object_set_new(contact, "territory", json_string(e->t->id));
	s->data = json_pack("{s:{s:s}}", "employer", "id", "employer-sample");
	s->state = json_pack("{s:o, s:[[s, s, s, s, s], [s, s, s, s, s]]}",
	    "contact", contact, "items",
	    "sample-1", "job-sample", s->owned[0],
	    "Infirmière ou infirmier clinicien", "",
	    "sample-2", "job-sample-2", s->owned[1],
	    "Infirmière ou infirmier, urgence", "");
}

/*
 * The samples, by event type. A type without a case here shows its
 * messages as "no sample", never as nothing.
 */
static const struct preview_case preview_cases[] = {
	{ "newcomer.arrived", "une personne joignable par courriel et texto",
	    "someone reachable by email and SMS", preview_arrived },
	{ "followup.due", "une personne joignable par courriel",
	    "someone reachable by email", preview_due_email },
	{ "followup.due", "une personne joignable par texto seulement",
	    "someone reachable by SMS only", preview_due_sms },
	{ "followup.reminders", "deux suivis arrivés à échéance",
	    "two follow-ups fallen due", preview_reminders },
	{ "job.posted", "une offre et deux profils qui y correspondent",
	    "a posting and two profiles that fit it", preview_posted },
	{ "match.digest", "deux profils trouvés depuis la dernière alerte",
	    "two profiles found since the last alert", preview_digest },
};
#define PREVIEW_NCASES	(sizeof preview_cases / sizeof preview_cases[0])

static void
preview_sample_clear(struct preview_sample *s)
{
	size_t	i;

	json_decref(s->data);
	json_decref(s->state);
	for (i = 0; i < PREVIEW_ROWS; i++)
		free(s->owned[i]);
}

/* Builds case pc's sample event and plans it, as relaisd would. */
static void
preview_run(const struct preview_env *e, const struct preview_case *pc,
    struct preview_plan *pp)
{
	struct preview_sample	 s;
	struct envelope_limits	 lim;
	struct handler_ctx	 hctx;
	json_t			*ev;
	char			*text = NULL, at[40], id[64];

	memset(pp, 0, sizeof *pp);
	memset(&s, 0, sizeof s);
	pp->pc = pc;
	pc->build(e, &s);
	clock_rfc3339(e->now, at, sizeof at);
	snprintf(id, sizeof id, "preview-%s", pc->type);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "specversion", "1.0",
	    "id", id, "source", "relais:console-preview", "type", pc->type,
	    "time", at, "data", s.data);
	if (ev == NULL || s.data == NULL || (text = json_dumps(ev,
	    JSON_COMPACT)) == NULL) {
		snprintf(pp->reason, sizeof pp->reason, "sample not built");
		goto out;
	}
	lim.max_bytes = (size_t)e->cf->limits.max_event_bytes;
	lim.max_depth = (int)e->cf->limits.max_depth;
	if (envelope_parse(text, strlen(text), &lim, &pp->env, pp->reason,
	    sizeof pp->reason) == -1)
		goto out;
	memset(&hctx, 0, sizeof hctx);
	hctx.cf = e->cf;
	hctx.now_ms = e->now;
	hctx.rows = s.nrows > 0 ? s.rows : NULL;
	hctx.nrows = s.nrows;
	pp->ok = plan_build(&hctx, &pp->env, s.state, &pp->plan, pp->reason,
	    sizeof pp->reason) == 0;
out:
	free(text);
	json_decref(ev);
	preview_sample_clear(&s);
}

/* plan_build empties the plan first, and a refusal may leave notes in it. */
static void
preview_plan_clear(struct preview_plan *pp)
{
	plan_clear(&pp->plan);
	envelope_clear(&pp->env);
}

/* Whether a route sends template name for events of type. */
static int
preview_routes(const struct config *cf, const char *name, const char *type)
{
	const struct config_route	*rt;
	size_t				 i;

	for (i = 0; i < cf->nroutes; i++) {
		rt = &cf->routes[i];
		if (rt->template != NULL && !rt->nosend &&
		    strcmp(rt->template, name) == 0 &&
		    (rt->type == NULL || strcmp(rt->type, type) == 0))
			return 1;
	}
	return 0;
}

/* The templates the routes send, once each, in the routes' order. */
static size_t
preview_messages(const struct config *cf, const char **out, size_t max)
{
	const struct config_route	*rt;
	size_t				 i, k, n = 0;

	for (i = 0; i < cf->nroutes && n < max; i++) {
		rt = &cf->routes[i];
		if (rt->template == NULL || rt->nosend)
			continue;
		for (k = 0; k < n; k++) {
			if (strcmp(out[k], rt->template) == 0)
				break;
		}
		if (k == n)
			out[n++] = rt->template;
	}
	return n;
}

static const char *
preview_role(const struct console_req *r, const char *role)
{
	if (strcmp(role, "newcomer") == 0)
		return preview_w(r, "nouvel arrivant", "newcomer");
	if (strcmp(role, "counsellor") == 0)
		return preview_w(r, "conseiller", "counsellor");
	if (strcmp(role, "employer") == 0)
		return preview_w(r, "employeur", "employer");
	return role;
}

/* Planning's reasons are written in English: said so to screen readers. */
static void
preview_reason(struct buf *b, const char *reason)
{
	buf_puts(b, "<span lang=\"en\">");
	console_html_text(b, reason != NULL ? reason : "");
	buf_puts(b, "</span>");
}

static void
preview_dd(struct buf *b, const char *dt, const char *dd)
{
	buf_puts(b, "<dt>");
	console_html_text(b, dt);
	buf_puts(b, "</dt><dd>");
	console_html_text(b, dd);
	buf_puts(b, "</dd>\n");
}

/* An SMS: its encoding and the parts it is billed as, then its text. */
static void
preview_sms(struct console_req *r, const struct plan_delivery *d)
{
	struct buf		*b = console_req_body(r);
	struct sms_length	 len;
	char			 n[32];

	memset(&len, 0, sizeof len);
	(void)sms_measure(d->msg.text, strlen(d->msg.text), &len);
	buf_puts(b, "<dl class=\"sms\">\n");
	preview_dd(b, preview_w(r, "Encodage", "Encoding"),
	    strcmp(d->encoding, "ucs2") == 0 ? "UCS-2" : "GSM-7");
	snprintf(n, sizeof n, "%ld", d->segments);
	preview_dd(b, "Segments", n);
	snprintf(n, sizeof n, "%zu", len.units);
	preview_dd(b, preview_w(r, len.encoding == SMS_UCS2 ?
	    "Unités UTF-16" : "Septets", len.encoding == SMS_UCS2 ?
	    "UTF-16 units" : "Septets"), n);
	buf_puts(b, "</dl>\n<pre class=\"sms-text\" "
	    "style=\"white-space:pre-wrap\">");
	console_html_text(b, d->msg.text);
	buf_puts(b, "</pre>\n");
}

/* An email: subject, then the HTML part in a sandboxed frame, the text. */
static void
preview_email(struct console_req *r, const struct plan_delivery *d)
{
	struct buf	*b = console_req_body(r);

	if (d->msg.html != NULL) {
		buf_puts(b, "<h4>HTML</h4>\n<iframe class=\"preview\" "
		    "sandbox=\"\" width=\"640\" height=\"480\" title=\"");
		console_html_text(b, preview_w(r, "Partie HTML : ",
		    "HTML part: "));
		console_html_text(b, d->msg.subject != NULL ? d->msg.subject :
		    d->template);
		buf_puts(b, "\" srcdoc=\"");
		console_html_text(b, d->msg.html);
		buf_puts(b, "\"></iframe>\n");
	}
	buf_puts(b, "<h4>");
	console_html_text(b, preview_w(r, "Texte", "Text"));
	/* wrapped as a mail reader would (the console's CSS keeps pre as is) */
	buf_puts(b, "</h4>\n<pre class=\"email-text\" "
	    "style=\"white-space:pre-wrap\">");
	console_html_text(b, d->msg.text != NULL ? d->msg.text : "");
	buf_puts(b, "</pre>\n");
}

static void
preview_delivery(struct console_req *r, const struct preview_plan *pp,
    const struct plan_delivery *d)
{
	struct buf	*b = console_req_body(r);
	int		 email = strcmp(d->channel, "email") == 0;

	buf_printf(b, "<article class=\"delivery %s\">\n<h3>", d->channel);
	console_html_text(b, email ? preview_w(r, "Courriel", "Email") :
	    preview_w(r, "Texto", "SMS"));
	buf_puts(b, " — ");
	console_html_text(b, preview_role(r, d->role));
	buf_puts(b, " (<code>");
	console_html_text(b, pp->pc->type);
	buf_puts(b, "</code>)</h3>\n");
	if (pp->pc->what_fr != NULL) {
		buf_puts(b, "<p class=\"sample\">");
		console_html_text(b, preview_w(r, "Exemple : ", "Sample: "));
		console_html_text(b, preview_w(r, pp->pc->what_fr,
		    pp->pc->what_en));
		buf_puts(b, "</p>\n");
	}
	if (d->status != PLAN_SEND) {
		buf_puts(b, "<p class=\"not-sent\">");
		console_html_text(b, d->status == PLAN_SKIP ?
		    preview_w(r, "Pas envoyé : ", "Not sent: ") :
		    preview_w(r, "Irait aux lettres mortes : ",
		    "Would be dead-lettered: "));
		preview_reason(b, d->reason);
		buf_puts(b, "</p>\n</article>\n");
		return;
	}
	buf_puts(b, "<dl class=\"headers\">\n");
	if (d->from != NULL) {
		struct buf from;

		buf_init(&from);
		buf_printf(&from, "%s%s%s%s", d->from_name != NULL ?
		    d->from_name : "", d->from_name != NULL ? " <" : "",
		    d->from, d->from_name != NULL ? ">" : "");
		preview_dd(b, preview_w(r, "De", "From"), from.data);
		buf_free(&from);
	}
	preview_dd(b, preview_w(r, "À", "To"), d->to);
	preview_dd(b, preview_w(r, "Langue", "Language"), d->msg.language);
	if (d->msg.subject != NULL)
		preview_dd(b, preview_w(r, "Objet", "Subject"), d->msg.subject);
	buf_puts(b, "</dl>\n");
	if (email)
		preview_email(r, d);
	else if (d->msg.text != NULL && d->encoding != NULL)
		preview_sms(r, d);
	buf_puts(b, "</article>\n");
}

/* The routes sending template name: event type, recipient, channel, window. */
static void
preview_routes_list(struct console_req *r, const struct config *cf,
    const char *name)
{
	struct buf			*b = console_req_body(r);
	const struct config_route	*rt;
	size_t				 i;

	buf_puts(b, "<ul class=\"routes\">\n");
	for (i = 0; i < cf->nroutes; i++) {
		rt = &cf->routes[i];
		if (rt->template == NULL || rt->nosend ||
		    strcmp(rt->template, name) != 0)
			continue;
		buf_puts(b, "<li><code>");
		console_html_text(b, rt->type != NULL ? rt->type : "*");
		buf_puts(b, "</code> — ");
		console_html_text(b, rt->role != NULL ? preview_role(r,
		    rt->role) : "*");
		buf_puts(b, ", ");
		console_html_text(b, rt->channel == NULL ? "*" :
		    strcmp(rt->channel, "email") == 0 ? preview_w(r, "courriel",
		    "email") : preview_w(r, "texto", "SMS"));
		if (rt->window != NULL) {
			console_html_text(b, preview_w(r, ", fenêtre ",
			    ", window "));
			console_html_text(b, rt->window->name);
		}
		if (rt->fallback)
			console_html_text(b, preview_w(r, ", seulement si "
			    "aucun autre canal ne joint la personne",
			    ", only when no other channel reaches them"));
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, "</ul>\n");
}

/* One message: every delivery of the samples that uses its template. */
static void
preview_message(struct console_req *r, const struct config *cf,
    const char *name, const struct preview_plan *pp, size_t npp)
{
	struct buf	*b = console_req_body(r);
	size_t		 i, k, shown, cases = 0;

	buf_puts(b, "<section class=\"message\" id=\"message-");
	console_html_text(b, name);
	buf_puts(b, "\">\n<h2><code>");
	console_html_text(b, name);
	buf_puts(b, "</code></h2>\n");
	preview_routes_list(r, cf, name);
	for (i = 0; i < npp; i++) {
		if (!preview_routes(cf, name, pp[i].pc->type))
			continue;
		cases++;
		if (!pp[i].ok) {
			buf_puts(b, "<p class=\"not-sent\">");
			console_html_text(b, pp[i].pc->type);
			buf_puts(b, preview_w(r, " : ", ": "));
			preview_reason(b, pp[i].reason);
			buf_puts(b, "</p>\n");
			continue;
		}
		for (k = shown = 0; k < pp[i].plan.n; k++) {
			if (strcmp(pp[i].plan.v[k].template, name) != 0)
				continue;
			preview_delivery(r, &pp[i], &pp[i].plan.v[k]);
			shown++;
		}
		if (shown == 0 && pp[i].plan.out.note[0] != '\0') {
			buf_puts(b, "<p class=\"not-sent\">");
			preview_reason(b, pp[i].plan.out.note);
			buf_puts(b, "</p>\n");
		}
	}
	if (cases == 0) {
		buf_puts(b, "<p class=\"not-sent\">");
		console_html_text(b, preview_w(r, "Aucun exemple pour les "
		    "événements qui envoient ce message.", "No sample for the "
		    "events that send this message."));
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "</section>\n");
}

static void
preview_option(struct buf *b, const char *value, const char *label,
    int selected)
{
	buf_puts(b, "<option value=\"");
	console_html_text(b, value);
	buf_printf(b, "\"%s>", selected ? " selected" : "");
	console_html_text(b, label);
	buf_puts(b, "</option>\n");
}

/* The form choosing territory, language and message (GET: a link). */
static void
preview_form(struct console_req *r, const struct config *cf,
    const struct territory *cur, const char *lang, const char *message,
    const char **names, size_t nnames)
{
	struct buf		*b = console_req_body(r);
	const struct territory	*t;
	int			 en = strcmp(console_req_lang(r), "en") == 0;
	size_t			 i, n;

	buf_puts(b, "<form method=\"get\" action=\"/templates\" "
	    "class=\"filters\">\n<label for=\"territory\">");
	console_html_text(b, preview_w(r, "Territoire", "Territory"));
	buf_puts(b, "</label>\n<select id=\"territory\" name=\"territory\">\n");
	n = territory_set_count(cf->territories);
	for (i = 0; i < n; i++) {
		t = territory_set_at(cf->territories, i);
		if (console_req_may_see(r, t->id))
			preview_option(b, t->id, en ? t->name_en : t->name_fr,
			    t == cur);
	}
	buf_puts(b, "</select>\n<label for=\"lang\">");
	console_html_text(b, preview_w(r, "Langue du message",
	    "Message language"));
	buf_puts(b, "</label>\n<select id=\"lang\" name=\"lang\">\n");
	for (i = 0; i < cf->nlanguages; i++)
		preview_option(b, cf->languages[i], handler_language_name(cf,
		    cf->languages[i], console_req_lang(r)),
		    strcmp(cf->languages[i], lang) == 0);
	buf_puts(b, "</select>\n<label for=\"message\">");
	console_html_text(b, preview_w(r, "Message", "Message"));
	buf_puts(b, "</label>\n<select id=\"message\" name=\"message\">\n");
	preview_option(b, "", preview_w(r, "Tous", "All"), message == NULL);
	for (i = 0; i < nnames; i++)
		preview_option(b, names[i], names[i], message != NULL &&
		    strcmp(names[i], message) == 0);
	buf_puts(b, "</select>\n<button type=\"submit\">");
	console_html_text(b, preview_w(r, "Afficher", "Show"));
	buf_puts(b, "</button>\n</form>\n");
}

/* The territory asked for, else the user's own, else the first they may see. */
static const struct territory *
preview_territory(struct console_req *r, const struct config *cf,
    const char *id, int *status)
{
	const struct console_user	*u = console_req_user(r);
	const struct territory		*t;
	size_t				 i, n;

	*status = 0;
	if (id == NULL && u != NULL && u->scope != NULL)
		id = u->scope;
	if (id != NULL) {
		if ((t = territory_find(cf->territories, id)) == NULL)
			*status = 404;
		else if (!console_req_may_see(r, id))
			*status = 403;
		return *status == 0 ? t : NULL;
	}
	n = territory_set_count(cf->territories);
	for (i = 0; i < n; i++) {
		t = territory_set_at(cf->territories, i);
		if (console_req_may_see(r, t->id))
			return t;
	}
	*status = 403;
	return NULL;
}

/* Fills the samples' environment: dates in the territory's zone. */
static void
preview_env_init(struct preview_env *e, const struct config *cf,
    const struct territory *t, const char *lang)
{
	memset(e, 0, sizeof *e);
	e->cf = cf;
	e->t = t;
	e->lang = lang;
	e->c = t->ncounsellors > 0 ? &t->counsellors[0] : NULL;
	e->municipality = t->nmunicipalities > 0 ?
	    territory_municipality_name(cf->territories,
	    t->municipalities[0]) : NULL;
	e->now = clock_now_ms();
	followup_day(t->tz, e->now - 7 * PREVIEW_DAY_MS, e->arrived);
	followup_day(t->tz, e->now + 60 * PREVIEW_DAY_MS, e->closes);
}

void
console_page_templates(struct console_req *r)
{
	const struct config	*cf = console_req_env(r)->cf;
	const struct territory	*t;
	struct preview_env	 e;
	struct preview_plan	 pp[PREVIEW_NCASES];
	const char		*names[64], *lang, *message;
	struct buf		*b;
	size_t			 i, nn;
	int			 status;

	nn = preview_messages(cf, names, sizeof names / sizeof names[0]);
	if ((t = preview_territory(r, cf, console_view_arg(r, "territory"),
	    &status)) == NULL) {
		console_reply_error(r, status, status == 404 ?
		    preview_w(r, "Territoire inconnu.", "Unknown territory.") :
		    preview_w(r, "Ce territoire ne vous est pas accessible.",
		    "This territory is not yours to see."));
		return;
	}
	if ((lang = console_view_arg(r, "lang")) == NULL)
		lang = console_req_lang(r);
	for (i = 0; i < cf->nlanguages; i++) {
		if (strcmp(cf->languages[i], lang) == 0)
			break;
	}
	if (i == cf->nlanguages)
		lang = cf->languages[0];
	if ((message = console_view_arg(r, "message")) != NULL) {
		for (i = 0; i < nn; i++) {
			if (strcmp(names[i], message) == 0)
				break;
		}
		if (i == nn) {
			console_reply_error(r, 404, preview_w(r,
			    "Aucune route n'envoie ce message.",
			    "No route sends this message."));
			return;
		}
	}

	preview_env_init(&e, cf, t, lang);
	for (i = 0; i < PREVIEW_NCASES; i++)
		preview_run(&e, &preview_cases[i], &pp[i]);

	console_page_begin(r, console_word(r, "templates"));
	b = console_req_body(r);
	buf_puts(b, "<p>");
	console_html_text(b, preview_w(r, "Chaque message tel qu'il partirait "
	    "à des personnes fictives de ce territoire, calculé comme relaisd "
	    "le ferait. Rien n'est envoyé ; aucune donnée réelle n'est lue. "
	    "Les messages au personnel partent dans la langue de la personne "
	    "qui les reçoit.", "Each message as it would go out to made-up "
	    "people of this territory, planned as relaisd would. Nothing is "
	    "sent; no real data is read. Messages to staff go out in the "
	    "language of the person receiving them."));
	buf_puts(b, "</p>\n");
	preview_form(r, cf, t, lang, message, names, nn);
	for (i = 0; i < nn; i++) {
		if (message == NULL || strcmp(names[i], message) == 0)
			preview_message(r, cf, names[i], pp, PREVIEW_NCASES);
	}
	for (i = 0; i < PREVIEW_NCASES; i++)
		preview_plan_clear(&pp[i]);
	console_page_end(r);
}
