/*
 * followup.reminders (scheduled by relais itself): the follow-ups of one
 * territory that fell due since its last reminder email go out as one
 * email per counsellor, at most one a day (followups.reminders_at).
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

/* How long the date of the last reminder email is remembered (ms). */
#define REMINDERS_DAY_TTL_MS	(2 * 86400000LL)

static int
reminders_ids(const struct envelope *ev, const struct handler_ctx *ctx,
    const struct territory **t, long long *until, char *reason,
    size_t reasonlen)
{
	const char	*id, *u;
	char		*end;

	id = handler_str(ev->data, "territory");
	u = handler_str(ev->data, "until");
	if (id == NULL || u == NULL) {
		snprintf(reason, reasonlen, "missing data.territory or "
		    "data.until");
		return -1;
	}
	*until = strtoll(u, &end, 10);
	if (*end != '\0' || *until <= 0) {
		snprintf(reason, reasonlen, "data.until must be a time in ms");
		return -1;
	}
	if ((*t = territory_find(ctx->cf->territories, id)) == NULL) {
		snprintf(reason, reasonlen, "unknown territory \"%s\" (removed "
		    "from the configuration since its follow-ups fell due?)",
		    id);
		return -1;
	}
	return 0;
}

static int
reminders_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const struct territory	*t;
	json_t			*roster;
	struct buf		 langs;
	long long		 until;
	size_t			 k, l;

	if (reminders_ids(ev, ctx, &t, &until, reason, reasonlen) == -1)
		return -1;
	roster = json_array();
	for (k = 0; k < t->ncounsellors; k++) {
		buf_init(&langs);
		buf_puts(&langs, "");
		for (l = 0; l < t->counsellors[k].nlanguages; l++)
			buf_printf(&langs, "%s%s", l > 0 ? " " : "",
			    t->counsellors[k].languages[l]);
		json_array_append_new(roster, json_pack("[s, s]",
		    t->counsellors[k].id, langs.data));
		buf_free(&langs);
	}
	st->fn = "reminders";
	st->args = json_array();
	handler_arg(st->args, t->id);
	handler_arg_json(st->args, roster);
	handler_arg_long(st->args, ctx->now_ms);
	handler_arg(st->args, ev->id);
	handler_arg_long(st->args, until);
	json_decref(roster);
	return 0;
}

/* One follow-up as the counsellor's email lists it. */
static json_t *
reminders_item(const struct handler_ctx *ctx, const json_t *it,
    const char *lang)
{
	static const char *const pkeys[] = { "first_name", "last_name",
	    "email", "phone", NULL };
	const struct config_followup	*fu = NULL;
	const char			*kind = handler_str(it, "kind");
	json_t				*o, *person, *data;
	char				 label[64];
	size_t				 i;

	for (i = 0; kind != NULL && i < ctx->cf->followups.nplan; i++) {
		if (strcmp(ctx->cf->followups.plan[i].kind, kind) == 0)
			fu = &ctx->cf->followups.plan[i];
	}
	if (fu != NULL)
		followup_label(fu->days, lang, label, sizeof label);
	else
		snprintf(label, sizeof label, "%s", kind != NULL ? kind : "");
	/* names always (a person may have given none), contacts when known */
	person = json_pack("{s:s, s:s}", "first_name", "", "last_name", "");
	for (i = 0; pkeys[i] != NULL; i++) {
		if (handler_str(it, pkeys[i]) != NULL)
			json_object_set_new(person, pkeys[i], json_string(
			    handler_str(it, pkeys[i])));
	}
	data = json_object();
	if (handler_str(it, "arrival_date") != NULL)
		json_object_set_new(data, "arrival_date", json_string(
		    handler_str(it, "arrival_date")));
	if (handler_str(it, "municipality") != NULL)
		json_object_set_new(data, "municipality", json_string(
		    handler_str(it, "municipality")));
	o = json_pack("{s:{s:s, s:s}, s:o, s:o, s:s}", "followup", "id",
	    kind != NULL ? kind : "", "kind", label, "person", person, "data",
	    data, "ref", handler_str(it, "pid") != NULL ?
	    handler_str(it, "pid") : "");
	if (o == NULL)
		fatalx("followup.reminders: cannot build an item");
	if (handler_str(it, "due_at") != NULL)
		json_object_set_new(json_object_get(o, "followup"), "due_at",
		    json_string(handler_str(it, "due_at")));
	return o;
}

static int
reminders_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory_counsellor	*c;
	const struct territory			*t;
	const json_t				*items, *it;
	struct notification			*n;
	json_t					*lists, *list, *done, *vars;
	const char				*cid, *lang;
	char					*member, day[11], next[32];
	char					 dayttl[32], nextttl[32];
	long long				 until;
	size_t					 i, gone = 0, nobody = 0;
	int64_t					 due;

	if (reminders_ids(ev, ctx, &t, &until, reason, reasonlen) == -1)
		return -1;
	if (state == NULL) {
		snprintf(out->note, sizeof out->note, "reminders need the "
		    "stored follow-ups: nothing to preview");
		return 0;
	}
	items = json_object_get(state, "items");
	lists = json_object();
	done = json_array();
	json_array_foreach(items, i, it) {
		if (handler_str(it, "pid") == NULL ||
		    handler_str(it, "kind") == NULL)
			continue;
		json_array_append_new(done, json_string(handler_str(it,
		    "pid")));
		json_array_append_new(done, json_string(handler_str(it,
		    "kind")));
		/* forgotten, departed, done or moved since: nobody to remind */
		if (json_object_get(it, "gone") != NULL ||
		    json_object_get(it, "done") != NULL ||
		    json_object_get(it, "moved") != NULL) {
			gone++;
			continue;
		}
		if ((cid = handler_str(it, "counsellor")) == NULL ||
		    (c = handler_counsellor(t, cid)) == NULL) {
			nobody++;
			continue;
		}
		lang = c->nlanguages > 0 ? c->languages[0] : "fr";
		if ((list = json_object_get(lists, cid)) == NULL) {
			list = json_array();
			json_object_set_new(lists, cid, list);
		}
		json_array_append_new(list, reminders_item(ctx, it, lang));
	}
	/* one email per counsellor, in roster order: a retry plans the same */
	for (i = 0; i < t->ncounsellors; i++) {
		c = &t->counsellors[i];
		if ((list = json_object_get(lists, c->id)) == NULL)
			continue;
		lang = c->nlanguages > 0 ? c->languages[0] : "fr";
		vars = json_object();
		json_object_set_new(vars, "counsellor",
		    handler_counsellor_vars(c));
		json_object_set_new(vars, "count", json_integer((json_int_t)
		    json_array_size(list)));
		if (json_array_size(list) > 1)
			json_object_set_new(vars, "many", json_true());
		json_object_set(vars, "followups", list);
		n = handler_out_add(out);
		n->role = "counsellor";
		n->recipient_id = xstrdup(c->id);
		n->email = xstrdup(c->email);
		n->language = xstrdup(lang);
		n->consent_email = 1;	/* staff, at work */
		n->territory = t;
		n->vars = vars;
	}
	json_decref(lists);
	if (out->n == 0)
		snprintf(out->note, sizeof out->note, "no follow-up left to "
		    "remind (%zu gone, done or moved since; %zu with no "
		    "counsellor)", gone, nobody);
	else if (gone + nobody > 0)
		snprintf(out->note, sizeof out->note, "%zu follow-up(s) no "
		    "longer to remind, %zu with no counsellor", gone, nobody);

	/*
	 * Clear what was listed once every email is settled, not before: a
	 * retry must find the same follow-ups. What came meanwhile waits for
	 * the next day's email.
	 */
	followup_day(t->tz, ctx->now_ms, day);
	due = followup_reminder_next(t->tz, ctx->now_ms,
	    ctx->cf->followups.reminders_at_min);
	snprintf(next, sizeof next, "%lld", (long long)due);
	snprintf(dayttl, sizeof dayttl, "%lld", REMINDERS_DAY_TTL_MS);
	snprintf(nextttl, sizeof nextttl, "%lld", (long long)(due -
	    ctx->now_ms + 2 * 86400000LL));
	member = followup_reminders_member(t->id, due);
	vars = json_pack("[s, s, s, s, s, s, s]", "!reminders_done", t->id,
	    day, dayttl, next, member, nextttl);
	json_array_extend(vars, done);
	json_decref(done);
	handler_effect_json(out, vars);
	free(member);
	return 0;
}

const struct handler handler_followup_reminders = {
	"followup.reminders", reminders_prepare, reminders_fn
};
