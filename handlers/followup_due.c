/*
 * followup.due: remind the person's counsellor (reassigned when they left
 * the roster), send the newcomer a check-in when the plan says so, and
 * record the reminder. Nothing for a person who departed or was forgotten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "followups.h"
#include "handlers.h"
#include "log.h"
#include "territory.h"

static const struct config_followup *
due_plan(const struct config *cf, const char *kind)
{
	size_t	i;

	for (i = 0; i < cf->followups.nplan; i++) {
		if (strcmp(cf->followups.plan[i].kind, kind) == 0)
			return &cf->followups.plan[i];
	}
	return NULL;
}

static int
due_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const struct territory	*t;
	const char		*pid, *kind;
	json_t			*rosters, *list;
	struct buf		 langs;
	size_t			 i, k, n;

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	/* every roster: the person's territory is known only in Redis */
	rosters = json_object();
	n = territory_set_count(ctx->cf->territories);
	for (i = 0; i < n; i++) {
		t = territory_set_at(ctx->cf->territories, i);
		list = json_array();
		for (k = 0; k < t->ncounsellors; k++) {
			size_t l;

			buf_init(&langs);
			buf_puts(&langs, "");
			for (l = 0; l < t->counsellors[k].nlanguages; l++)
				buf_printf(&langs, "%s%s", l > 0 ? " " : "",
				    t->counsellors[k].languages[l]);
			json_array_append_new(list, json_pack("[s, s]",
			    t->counsellors[k].id, langs.data));
			buf_free(&langs);
		}
		json_object_set_new(rosters, t->id, list);
	}
	st->fn = "due";
	st->args = json_array();
	handler_arg(st->args, pid);
	handler_arg(st->args, kind);
	handler_arg_json(st->args, rosters);
	handler_arg_long(st->args, ctx->now_ms);
	handler_arg(st->args, ev->id);
	json_decref(rosters);
	return 0;
}

/* The person as stored, in the shape the templates use. */
static json_t *
due_person(const json_t *p)
{
	static const char *const keys[] = { "first_name", "last_name", "email",
	    "phone", "language", NULL };
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; keys[i] != NULL; i++) {
		if (handler_str(p, keys[i]) != NULL)
			json_object_set_new(o, keys[i], json_string(
			    handler_str(p, keys[i])));
	}
	return o;
}

static int
due_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct config_followup		*fu;
	const struct territory_counsellor	*c;
	const struct territory			*t;
	const json_t				*p;
	struct notification			*n;
	json_t					*vars, *person, *data, *fv;
	const char				*pid, *kind, *lang, *plang, *hint;
	char					 label[64], rec[64];

	if (handler_followup_ids(ev, &pid, &kind, reason, reasonlen) == -1)
		return -1;
	if (state == NULL) {
		snprintf(out->note, sizeof out->note, "a follow-up needs the "
		    "stored person: nothing to preview");
		return 0;
	}
	if (json_object_get(state, "missing") != NULL) {
		snprintf(out->note, sizeof out->note, "person unknown (never "
		    "arrived, forgotten, or past retention): no reminder");
		return 0;
	}
	if (json_object_get(state, "departed") != NULL) {
		snprintf(out->note, sizeof out->note, "person departed: no "
		    "reminder");
		return 0;
	}
	p = json_object_get(state, "person");
	if ((t = territory_find(ctx->cf->territories,
	    handler_str(p, "territory"))) == NULL) {
		snprintf(out->note, sizeof out->note, "the person's territory "
		    "is no longer configured: no reminder");
		return 0;
	}
	if (strncmp(handler_str(state, "state") != NULL ?
	    handler_str(state, "state") : "", "done", 4) == 0 && !ctx->retry) {
		snprintf(out->note, sizeof out->note, "follow-up %s already "
		    "done", kind);
		return 0;
	}
	fu = due_plan(ctx->cf, kind);
	/* a counsellor the producer named, if on the roster, else the assigned */
	hint = handler_str(json_object_get(ev->data, "counsellor"), "id");
	if ((c = handler_counsellor(t, hint)) == NULL)
		c = handler_counsellor(t, handler_str(state, "counsellor"));
	plang = handler_str(p, "language");
	person = due_person(p);
	data = json_object();
	if (handler_str(p, "arrival_date") != NULL)
		json_object_set_new(data, "arrival_date", json_string(
		    handler_str(p, "arrival_date")));
	if (handler_str(p, "municipality") != NULL)
		json_object_set_new(data, "municipality", json_string(
		    handler_str(p, "municipality")));
	fv = json_object_get(ev->data, "followup");

	if (c != NULL) {
		lang = c->nlanguages > 0 ? c->languages[0] : "fr";
		followup_label(fu != NULL ? fu->days : 0, lang, label,
		    sizeof label);
		vars = json_object();
		json_object_set(vars, "person", person);
		json_object_set(vars, "data", data);
		json_object_set_new(vars, "followup", json_pack("{s:s, s:s, s:O?}",
		    "id", kind, "kind", fu != NULL ? label : kind, "due_at",
		    json_object_get(fv, "due_at")));
		json_object_set_new(vars, "counsellor",
		    handler_counsellor_vars(c));
		json_object_set_new(vars, "ref", json_string(pid));
		n = handler_out_add(out);
		n->role = "counsellor";
		n->recipient_id = xstrdup(c->id);
		n->subject_id = xstrdup(pid);
		n->email = xstrdup(c->email);
		n->language = xstrdup(lang);
		n->consent_email = 1;
		n->territory = t;
		n->vars = vars;
	} else
		snprintf(out->note, sizeof out->note, "%s", t->ncounsellors == 0 ?
		    "the territory has no counsellor to remind" :
		    "no counsellor could be assigned to remind");

	if (fu != NULL && fu->checkin) {
		followup_label(fu->days, plang, label, sizeof label);
		vars = json_object();
		json_object_set(vars, "person", person);
		json_object_set(vars, "data", data);
		json_object_set_new(vars, "first_name", json_string(
		    handler_str(p, "first_name") != NULL ?
		    handler_str(p, "first_name") : ""));
		json_object_set_new(vars, "followup", json_pack("{s:s, s:s}",
		    "id", kind, "kind", label));
		if (c != NULL)
			json_object_set_new(vars, "counsellor",
			    handler_counsellor_vars(c));
		n = handler_out_add(out);
		n->role = "newcomer";
		n->recipient_id = xstrdup(pid);
		n->subject_id = xstrdup(pid);
		n->email = handler_str(p, "email") != NULL ?
		    xstrdup(handler_str(p, "email")) : NULL;
		n->phone = handler_str(p, "phone") != NULL ?
		    xstrdup(handler_str(p, "phone")) : NULL;
		n->language = plang != NULL ? xstrdup(plang) : NULL;
		n->consent_email = handler_str(p, "consent_email") != NULL;
		n->consent_sms = handler_str(p, "consent_sms") != NULL;
		n->territory = t;
		n->vars = vars;
	}
	json_decref(person);
	json_decref(data);

	if (!ctx->retry) {
		snprintf(rec, sizeof rec, "reminded %lld",
		    (long long)ctx->now_ms);
		handler_effect(out, "followup", pid, kind, rec, NULL);
		handler_stat(out, t, "followups_due");
	}
	return 0;
}

const struct handler handler_followup_due = {
	"followup.due", due_prepare, due_fn
};
