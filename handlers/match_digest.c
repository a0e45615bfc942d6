/*
 * match.digest (scheduled by relais itself): the matches found for one
 * employer since their last alert — newcomers fitting an open posting —
 * go out as one message, each candidate announced once, ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "log.h"
#include "match.h"
#include "territory.h"

static int
digest_prepare(const struct envelope *ev, const struct handler_ctx *ctx,
    struct handler_state *st, char *reason, size_t reasonlen)
{
	const char	*eid;

	(void)ctx;
	if ((eid = handler_id(ev, "employer", reason, reasonlen)) == NULL)
		return -1;
	st->fn = "digest";
	st->args = json_array();
	handler_arg(st->args, eid);
	handler_arg(st->args, ev->id);
	return 0;
}

static int
digest_fn(const struct envelope *ev, const struct handler_ctx *ctx,
    const json_t *state, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct config_matching	*m = &ctx->cf->matching;
	const struct territory		*t;
	const json_t			*contact, *items, *it;
	struct match_profile		 mp;
	json_t				*vars, *cands, *c, *ann, *done, *titles, *e;
	const char			*eid, *lang, *by, *title;
	char				 langbuf[HANDLER_LANG_SIZE];
	char				*member, due[32], window[32];
	struct buf			 tb;
	size_t				 i, k;
	int64_t				 at;

	if ((eid = handler_id(ev, "employer", reason, reasonlen)) == NULL)
		return -1;
	if (state == NULL) {
		snprintf(out->note, sizeof out->note, "a digest needs the stored "
		    "matches: nothing to preview");
		return 0;
	}
	contact = json_object_get(state, "contact");
	items = json_object_get(state, "items");
	/* the employer's hash may be gone (expired before a posting): {} */
	t = handler_str(contact, "territory") == NULL ? NULL :
	    territory_find(ctx->cf->territories, handler_str(contact,
	    "territory"));
	lang = t == NULL ? "fr" : handler_language_used(ctx->cf, t,
	    handler_language(handler_str(contact, "language"), langbuf));

	cands = json_array();
	titles = json_array();
	ann = json_pack("[s, s, s]", "announce", eid, ev->id);
	done = json_array();
	json_array_foreach(items, i, it) {
		const char *pid = json_string_value(json_array_get(it, 0));
		const char *rec = json_string_value(json_array_get(it, 2));

		title = json_string_value(json_array_get(it, 3));
		by = json_string_value(json_array_get(it, 4));
		if (pid == NULL)
			continue;
		/* a full message: the others wait for the next digest */
		if (json_array_size(cands) >= (size_t)m->max_candidates)
			continue;
		json_array_append_new(done, json_string(pid));
		/* departed or forgotten since, posting closed, announced */
		if (rec == NULL || *rec == '\0' || title == NULL ||
		    *title == '\0' || (by != NULL && *by != '\0' &&
		    strcmp(by, ev->id) != 0) ||
		    match_record_parse(rec, &mp) == -1)
			continue;
		c = match_candidate_vars(pid, &mp, lang, ctx->cf->noc);
		match_profile_clear(&mp);
		json_object_set_new(c, "job_title", json_string(title));
		json_array_append_new(cands, c);
		json_array_append_new(ann, json_string(pid));
		for (k = 0; k < json_array_size(titles); k++) {
			if (strcmp(json_string_value(json_array_get(titles, k)),
			    title) == 0)
				break;
		}
		if (k == json_array_size(titles))
			json_array_append_new(titles, json_string(title));
	}

	if (json_array_size(cands) > 0 && t != NULL &&
	    (handler_str(contact, "email") != NULL ||
	    handler_str(contact, "phone") != NULL)) {
		buf_init(&tb);
		buf_puts(&tb, "");
		for (k = 0; k < json_array_size(titles); k++)
			buf_printf(&tb, "%s%s", k > 0 ? ", " : "",
			    json_string_value(json_array_get(titles, k)));
		vars = json_object();
		json_object_set_new(vars, "job", json_pack("{s:s}", "title",
		    tb.data));
		buf_free(&tb);
		json_object_set_new(vars, "employer", json_pack("{s:s, s:s, s:O}",
		    "id", eid, "name", handler_str(contact, "employer_name") !=
		    NULL ? handler_str(contact, "employer_name") : "", "contact",
		    contact));
		json_object_set_new(vars, "count", json_integer((json_int_t)
		    json_array_size(cands)));
		json_object_set_new(vars, "candidates", cands);
		json_object_set_new(vars, "digest", json_true());
		handler_employer(out, eid, contact, lang, t, vars);
		handler_effect_json(out, json_incref(ann));
		if (!ctx->retry) {
			handler_stat(out, t, "employer_alerts");
		}
	} else {
		json_decref(cands);
		snprintf(out->note, sizeof out->note, "nothing left to announce "
		    "to this employer");
	}
	json_decref(ann);
	json_decref(titles);

	/*
	 * Clear what was handled, once the message is sent (or failed for
	 * good), not before: a retry of it must find the same candidates.
	 * What came meanwhile waits for the next digest.
	 */
	at = ctx->now_ms + m->digest_window_s * 1000LL;
	snprintf(due, sizeof due, "%lld", (long long)at);
	snprintf(window, sizeof window, "%lld",
	    (long long)m->digest_window_s * 1000LL);
	member = match_digest_member(eid, at);
	e = json_pack("[s, s, s, s, s]", "!digest_done", eid, due, member,
	    window);
	json_array_extend(e, done);
	json_decref(done);
	handler_effect_json(out, e);
	free(member);
	return 0;
}

const struct handler handler_match_digest = {
	"match.digest", digest_prepare, digest_fn
};
