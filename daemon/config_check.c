/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* What a valid config would send broken (routes, templates, territory variables, senders); names, zones. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "config_int.h"
#include "render.h"
#include "route.h"
#include "suggest.h"
#include "territory.h"
#include "tmpl.h"
#include "tz.h"
#include "window.h"
#include "ynode.h"

#define CONFIG_EMAIL	0x1
#define CONFIG_SMS	0x2

/* Whose language a notification is written in (the route's query language). */
enum config_langs {
	CONFIG_LANG_PERSON,	/* any tag a producer sends, or none */
	CONFIG_LANG_COUNSELLOR,	/* the first of each counsellor's languages */
	CONFIG_LANG_CONFIGURED,	/* one of templates.languages (employers) */
};

/* When a handler emits it, given the configuration. */
enum config_when {
	CONFIG_WHEN_ALWAYS,
	CONFIG_WHEN_COUNSELLORS,	/* the territory has counsellors */
	CONFIG_WHEN_CHECKIN,		/* a plan entry has checkin: true */
	CONFIG_WHEN_REMINDERS,		/* a plan and counsellors */
};

/*
 * What the handlers emit, as the configuration sees it: keep in step with
 * handlers/newcomer_arrived.c, followup_due.c, followup_reminders.c,
 * job_posted.c, match_digest.c (handler_employer: SMS when the contact has
 * a phone).
 */
static const struct config_emit {
	const char		*type;
	const char		*role;
	unsigned		 channels;
	enum config_langs	 langs;
	enum config_when	 when;
	const char		*what;
} config_emits[] = {
	{ "newcomer.arrived", "newcomer", CONFIG_EMAIL | CONFIG_SMS,
	    CONFIG_LANG_PERSON, CONFIG_WHEN_ALWAYS, "the welcome" },
	{ "newcomer.arrived", "counsellor", CONFIG_EMAIL,
	    CONFIG_LANG_COUNSELLOR, CONFIG_WHEN_COUNSELLORS,
	    "the counsellor's arrival notice" },
	{ "followup.due", "newcomer", CONFIG_EMAIL | CONFIG_SMS,
	    CONFIG_LANG_PERSON, CONFIG_WHEN_CHECKIN,
	    "the check-in of follow-ups with checkin: true" },
	{ "followup.reminders", "counsellor", CONFIG_EMAIL,
	    CONFIG_LANG_COUNSELLOR, CONFIG_WHEN_REMINDERS,
	    "the counsellors' daily reminder of follow-ups" },
	{ "job.posted", "employer", CONFIG_EMAIL | CONFIG_SMS,
	    CONFIG_LANG_CONFIGURED, CONFIG_WHEN_ALWAYS,
	    "the employer's alert of a posting's matches" },
	{ "match.digest", "employer", CONFIG_EMAIL | CONFIG_SMS,
	    CONFIG_LANG_CONFIGURED, CONFIG_WHEN_ALWAYS,
	    "the employer's digest of later matches" },
};

/* Event types a route may name: those above, and those that notify nobody. */
static const char *const config_types[] = { "newcomer.arrived",
	"followup.due", "followup.reminders", "job.posted", "match.digest",
	"newcomer.departed", "job.closed", "followup.done" };
static const char *const config_roles[] = { "newcomer", "counsellor",
	"employer" };
static const char *const config_channels[] = { "email", "sms" };

/* IANA's areas: a zone named Area/Location follows the place's own rules. */
static const char *const config_tz_areas[] = { "Africa", "America",
	"Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
	"Indian", "Pacific" };

#define NITEMS(a)	(sizeof (a) / sizeof *(a))

/* The state of config_checks(). */
struct config_check {
	struct config_ctx		*c;
	const struct config		*cf;
	const struct ynode		*routes;
	const struct ynode		*routes_key;	/* "routes:" */
	const struct ynode		*territories;
	char				**seen;	/* problems reported already */
	size_t				 nseen;
	/* the delivery whose template is walked */
	const struct territory		*t;
	const struct config_route	*r;
	const char			*channel;
	const char			*lang;
	const char			*role;
};

int
config_route_names(struct config_ctx *c, const struct ynode *m)
{
	static const struct {
		const char		*key;
		const char *const	*known;
		size_t			 n;
	} fields[] = {
		{ "type", config_types, NITEMS(config_types) },
		{ "role", config_roles, NITEMS(config_roles) },
		{ "channel", config_channels, NITEMS(config_channels) },
	};
	const struct ynode	*v;
	size_t			 i, k;
	int			 rc = 0;

	for (i = 0; i < NITEMS(fields); i++) {
		if ((v = ynode_get(m, fields[i].key)) == NULL ||
		    v->type != YNODE_SCALAR)
			continue;
		for (k = 0; k < fields[i].n; k++) {
			if (strcmp(fields[i].known[k], v->value) == 0)
				break;
		}
		if (k == fields[i].n) {
			/* such a route would never match: dead config */
			config_unknown(c, v, fields[i].key, v->value, NULL,
			    fields[i].known, fields[i].n);
			rc = -1;
		}
	}
	return rc;
}

/* 1 the first time this problem (a printf key) comes up, then 0. */
static int
config_check_once(struct config_check *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
config_check_once(struct config_check *k, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;
	size_t		i;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	for (i = 0; i < k->nseen; i++) {
		if (strcmp(k->seen[i], b.data) == 0) {
			buf_free(&b);
			return 0;
		}
	}
	k->seen = xrealloc(k->seen, (k->nseen + 1) * sizeof *k->seen);
	k->seen[k->nseen++] = buf_steal(&b, NULL);
	return 1;
}

static int
config_check_configured(const struct config *cf, const char *lang)
{
	size_t	i;

	for (i = 0; lang != NULL && i < cf->nlanguages; i++) {
		if (strcmp(cf->languages[i], lang) == 0)
			return 1;
	}
	return 0;
}

/*
 * The languages render_message is given for a notification in want, as
 * plan.c's plan_langs chooses them: want, the territory's, the first
 * configured, each only when configured. Returns how many (at most 3).
 */
static size_t
config_check_langs(const struct config *cf, const struct territory *t,
    const char *want, const char **out)
{
	const char	*order[3] = { want, t->language,
			    cf->nlanguages > 0 ? cf->languages[0] : NULL };
	size_t		 i, n = 0;

	for (i = 0; i < 3; i++) {
		if (config_check_configured(cf, order[i]))
			out[n++] = order[i];
	}
	return n;
}

/* The node of a territory's key in the territories map (for positions). */
static const struct ynode *
config_check_tkey(const struct config_check *k, const char *id)
{
	size_t	i;

	for (i = 0; k->territories != NULL && i < k->territories->n; i++) {
		if (strcmp(k->territories->keys[i]->value, id) == 0)
			return k->territories->keys[i];
	}
	return k->territories;
}

static const struct ynode *
config_check_route_node(const struct config_check *k,
    const struct config_route *r, const char *key)
{
	const struct ynode	*n;
	size_t			 i = (size_t)(r - k->cf->routes);

	if (k->routes == NULL || i >= k->routes->n)
		return k->routes;
	n = k->routes->items[i];
	return ynode_get(n, key) != NULL ? ynode_get(n, key) : n;
}

/*
 * Whether territory variable key has a text in lang, as deliveries read it
 * (territory_vars: "name" always; a branding text, or a branding map's
 * text for lang, else the territory language's). NULL when it has, else
 * what is wrong.
 */
static const char *
config_check_tvar(const struct territory *t, const char *key,
    const char *lang)
{
	const json_t	*v, *text;
	json_t		*tv;
	int		 empty;

	if (strcmp(key, "name") == 0)
		return NULL;
	if ((v = json_object_get(t->vars, key)) == NULL)
		return "absent";
	tv = territory_vars(t, lang);
	text = json_object_get(tv, key);
	empty = !json_is_string(text) || json_string_length(text) == 0;
	json_decref(tv);
	if (!empty)
		return NULL;
	return json_is_object(v) ? "no text" : "empty";
}

/* A {{territory.X}} in a template a delivery renders: X must be there. */
static void
config_check_ref(void *arg, const char *file, const struct tmpl_ref *ref)
{
	struct config_check	*k = arg;
	const struct ynode	*tn, *branding, *at;
	const char		*why, *open, *close;
	char			 key[128], use[256];
	size_t			 len;

	if (ref->guarded || (ref->use != TMPL_USE_VALUE &&
	    ref->use != TMPL_USE_RAW) ||
	    strncmp(ref->name, "territory.", 10) != 0)
		return;
	len = strcspn(ref->name + 10, ".");
	snprintf(key, sizeof key, "%.*s", (int)len, ref->name + 10);
	if ((why = config_check_tvar(k->t, key, k->lang)) == NULL ||
	    !config_check_once(k, "var %s %s", k->t->id, key))
		return;
	open = ref->use == TMPL_USE_RAW ? "{{{" : "{{";
	close = ref->use == TMPL_USE_RAW ? "}}}" : "}}";
	snprintf(use, sizeof use, "template %s uses %s%s%s for role %s by "
	    "%s in %s (%s:%d:%d)", k->r->template, open, ref->name, close,
	    k->role, k->channel, k->lang, file, ref->line, ref->col);
	tn = ynode_get(k->territories, k->t->id);
	branding = ynode_get(tn, "branding");
	if (strcmp(why, "absent") == 0) {
		at = branding != NULL ? branding : config_check_tkey(k, k->t->id);
		config_err(k->c, at, "territory \"%s\" has no branding \"%s\", "
		    "but %s: the message would have a hole there; add it "
		    "under branding (a text, or one per language: {fr: ..., "
		    "en: ...}), or test it in the template with "
		    "{{#territory.%s}}", k->t->id, key, use, key);
		return;
	}
	at = ynode_get(branding, key) != NULL ? ynode_get(branding, key) :
	    config_check_tkey(k, k->t->id);
	if (strcmp(why, "empty") == 0)
		config_err(k->c, at, "territory \"%s\": branding \"%s\" is "
		    "empty, but %s: the message would have a hole there",
		    k->t->id, key, use);
	else {
		char	also[64] = "";

		if (strcmp(k->lang, k->t->language) != 0)
			snprintf(also, sizeof also, " (nor in %s, used instead)",
			    k->t->language);
		config_err(k->c, at, "territory \"%s\": branding \"%s\" has no "
		    "text in %s%s, but %s: the message would have a hole there",
		    k->t->id, key, k->lang, also, use);
	}
}

/* One route sending channel to territory t for someone who reads want. */
static void
config_check_send(struct config_check *k, const struct config_route *r,
    const char *channel, const struct territory *t, const char *want,
    const char *role)
{
	const struct config	*cf = k->cf;
	const char		*langs[3], *from, *other = NULL;
	size_t			 nl, i;
	int			 email = strcmp(channel, "email") == 0;

	from = r->from != NULL ? r->from : email ? t->email_from : t->sms_from;
	if (from == NULL && config_check_once(k, "from %s %s", t->id, channel))
		config_err(k->c, config_check_tkey(k, t->id), "territory \"%s\" "
		    "has no %s sender (%s), but the route at line %d sends it "
		    "%s to role %s: every one would be dead-lettered; give "
		    "the territory a sender, or the route a from:", t->id,
		    email ? "email" : "SMS", email ? "email: { from: ... }" :
		    "sms: { from: \"+1...\" }", r->line, email ? "email" :
		    "SMS", role);
	if ((nl = config_check_langs(cf, t, want, langs)) == 0)
		return;
	if (!render_has(cf->render, t->id, langs[0], r->template, channel)) {
		for (i = 1; i < nl && other == NULL; i++) {
			if (render_has(cf->render, t->id, langs[i], r->template,
			    channel))
				other = langs[i];
		}
		if (!config_check_once(k, "tmpl %zu %s %s",
		    (size_t)(r - cf->routes), channel, langs[0]))
			return;
		config_err(k->c, config_check_route_node(k, r, "template"),
		    "template \"%s\" has no %s version in %s (%s/%s/%s.%s), "
		    "but this route sends it by %s to role %s in %s: %s%s%s",
		    r->template, email ? "email" : "SMS", langs[0],
		    cf->templates_dir, langs[0], r->template, email ?
		    "subject.mustache and .txt.mustache" : "sms.mustache",
		    email ? "email" : "SMS", role, langs[0], other != NULL ?
		    "they would get the " : "every one would be dead-lettered",
		    other != NULL ? other : "", other != NULL ? " one instead" :
		    "");
		return;
	}
	k->t = t;
	k->r = r;
	k->channel = email ? "email" : "SMS";
	k->lang = langs[0];
	k->role = role;
	render_refs(cf->render, t->id, langs[0], r->template, channel,
	    config_check_ref, k);
}

/* Whether a handler emits e for territory t under this configuration. */
static int
config_check_when(const struct config *cf, const struct territory *t,
    const struct config_emit *e)
{
	size_t	i;

	switch (e->when) {
	case CONFIG_WHEN_ALWAYS:
		return 1;
	case CONFIG_WHEN_COUNSELLORS:
		return t->ncounsellors > 0;
	case CONFIG_WHEN_CHECKIN:
		for (i = 0; i < cf->followups.nplan; i++) {
			if (cf->followups.plan[i].checkin)
				return 1;
		}
		return 0;
	case CONFIG_WHEN_REMINDERS:
		return cf->followups.nplan > 0 && t->ncounsellors > 0;
	}
	return 0;
}

static void
config_check_add(const char **out, size_t *n, size_t max, const char *l)
{
	size_t	k;

	for (k = 0; k < *n && strcmp(out[k], l) != 0; k++)
		;
	if (k == *n && *n < max)
		out[(*n)++] = l;
}

/*
 * The query languages e can come in for t; a final NULL stands for any
 * language no route names (or none): all such match the same routes.
 */
static size_t
config_check_query_langs(const struct config *cf, const struct territory *t,
    const struct config_emit *e, const char **out, size_t max)
{
	size_t	i, n = 0;

	switch (e->langs) {
	case CONFIG_LANG_PERSON:
		for (i = 0; i < cf->nlanguages; i++)
			config_check_add(out, &n, max - 1, cf->languages[i]);
		for (i = 0; i < cf->nroutes; i++) {
			if (cf->routes[i].language != NULL)
				config_check_add(out, &n, max - 1,
				    cf->routes[i].language);
		}
		out[n++] = NULL;
		break;
	case CONFIG_LANG_COUNSELLOR:
		for (i = 0; i < t->ncounsellors; i++)
			config_check_add(out, &n, max,
			    t->counsellors[i].languages[0]);
		break;
	case CONFIG_LANG_CONFIGURED:
		for (i = 0; i < cf->nlanguages; i++)
			config_check_add(out, &n, max, cf->languages[i]);
		break;
	}
	return n;
}

/* Every (type, role, channel, language) of t: a route, and what it sends. */
static void
config_check_territory(struct config_check *k, const struct territory *t)
{
	static const char *const channels[] = { "email", "sms" };
	const struct config		*cf = k->cf;
	const struct config_emit	*e;
	const struct config_route	*r;
	struct route_query		 q;
	const char			*langs[64];
	size_t				 i, ch, l, nl;

	for (i = 0; i < NITEMS(config_emits); i++) {
		e = &config_emits[i];
		if (!config_check_when(cf, t, e))
			continue;
		nl = config_check_query_langs(cf, t, e, langs, NITEMS(langs));
		for (ch = 0; ch < 2; ch++) {
			if (!(e->channels & (ch == 0 ? CONFIG_EMAIL : CONFIG_SMS)))
				continue;
			for (l = 0; l < nl; l++) {
				memset(&q, 0, sizeof q);
				q.type = e->type;
				q.role = e->role;
				q.channel = channels[ch];
				q.territory = t->id;
				q.language = langs[l];
				if ((r = route_match(cf, &q)) == NULL) {
					if (config_check_once(k, "route %s %s %s",
					    e->type, e->role, channels[ch]))
						config_err(k->c, k->routes_key, "no route "
						    "for %s to role %s by %s (territory "
						    "%s, language %s): %s would be "
						    "dead-lettered (\"no route\"); add "
						    "one, or one with send: false to "
						    "leave it out deliberately", e->type,
						    e->role, channels[ch], t->id,
						    langs[l] != NULL ? langs[l] :
						    "any other", e->what);
					continue;
				}
				for (; r != NULL; r = r->cont ?
				    route_match_after(cf, &q, r) : NULL) {
					if (!r->nosend)
						config_check_send(k, r,
						    channels[ch], t, langs[l],
						    e->role);
				}
			}
		}
	}
}

void
config_checks(struct config_ctx *c, const struct config *cf,
    const struct ynode *root)
{
	struct config_check	k;
	size_t			i;

	memset(&k, 0, sizeof k);
	k.c = c;
	k.cf = cf;
	k.routes = ynode_get(root, "routes");
	k.routes_key = k.routes;
	for (i = 0; i < root->n; i++) {
		if (strcmp(root->keys[i]->value, "routes") == 0)
			k.routes_key = root->keys[i];
	}
	k.territories = ynode_get(root, "territories");
	for (i = 0; i < territory_set_count(cf->territories); i++)
		config_check_territory(&k, territory_set_at(cf->territories, i));
	for (i = 0; i < k.nseen; i++)
		free(k.seen[i]);
	free(k.seen);
}

static int
config_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A template name no file of the language has: the names it has (files
 * NAME.subject, .txt, .html or .sms; partials are not messages), sorted,
 * with the closest.
 */
void
config_template_unknown(struct config_ctx *c, const struct config *cf,
    const struct ynode *n, const char *name, const char *lang)
{
	static const char *const parts[] = { ".subject.mustache",
	    ".txt.mustache", ".html.mustache", ".sms.mustache" };
	struct buf	 b, where;
	struct dirent	*de;
	DIR		*d;
	char		**names = NULL;
	size_t		 nn = 0, i, p, len, plen;

	buf_init(&where);
	buf_printf(&where, "%s/%s", cf->templates_dir, lang);
	if ((d = opendir(where.data)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			for (p = 0; p < sizeof parts / sizeof *parts; p++) {
				plen = strlen(parts[p]);
				if (len > plen && strcmp(de->d_name + len - plen,
				    parts[p]) == 0)
					break;
			}
			if (p == sizeof parts / sizeof *parts)
				continue;
			for (i = 0; i < nn && (strlen(names[i]) != len - plen ||
			    strncmp(names[i], de->d_name, len - plen) != 0); i++)
				;
			if (i < nn)
				continue;
			names = xrealloc(names, (nn + 1) * sizeof *names);
			names[nn++] = xstrndup(de->d_name, len - plen);
		}
		closedir(d);
	}
	if (nn > 0)
		qsort(names, nn, sizeof *names, config_strcmp);
	buf_init(&b);
	buf_printf(&b, "template \"%s\" does not exist in language %s "
	    "(%s/%s.txt.mustache or .sms.mustache)", name, lang, where.data,
	    name);
	suggest_append(&b, name, (const char *const *)names, nn);
	config_err(c, n, "%s", b.data);
	buf_free(&b);
	buf_free(&where);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
}

static int
config_tz_location(const char *name)
{
	size_t	i, len;

	for (i = 0; i < NITEMS(config_tz_areas); i++) {
		len = strlen(config_tz_areas[i]);
		if (strncmp(name, config_tz_areas[i], len) == 0 &&
		    name[len] == '/' && name[len + 1] != '\0')
			return 1;
	}
	return 0;
}

/* The Area/Location zone a legacy name links to ("Canada/Eastern"), or NULL. */
static char *
config_tz_target(const char *name)
{
	char	dir[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
	size_t	len;

	if (realpath(TZ_DIR, dir) == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/%s", TZ_DIR, name);
	if (realpath(path, real) == NULL)
		return NULL;
	len = strlen(dir);
	if (strncmp(real, dir, len) != 0 || real[len] != '/' ||
	    !config_tz_location(real + len + 1))
		return NULL;
	return xstrdup(real + len + 1);
}

/*
 * A zone that is not an IANA Area/Location name, or never changes its
 * offset, warns: a fixed offset (EST, Etc/GMT+5, UTC) has no daylight
 * saving time, a legacy alias (EST5EDT, Canada/Eastern) may not follow the
 * place's history. A place that keeps one offset today (America/Regina)
 * is named by its own zone: no warning.
 */
void
config_tz_warn(struct config_ctx *c, const struct ynode *n,
    const char *territory, const struct tz *tz)
{
	const char	*name = tz_name(tz);
	char		*target;
	int64_t		 now = clock_now_ms() / 1000, next;
	int32_t		 off;

	/* 1843, before any zone's first transition: none at all is a fixed offset */
	if (config_tz_location(name) &&
	    tz_next_transition(tz, -4000000000LL, &next) == 0)
		return;
	target = config_tz_target(name);
	if (tz_next_transition(tz, now, &next) == -1) {
		off = tz_offset(tz, now);
		config_warn(c, n, "territory \"%s\": time zone \"%s\" is a "
		    "fixed offset (UTC%c%02d:%02d) without daylight saving "
		    "time: where clocks change, follow-ups, reminders and dates "
		    "in messages would be an hour off half the year; use the "
		    "place's IANA Area/Location name, such as \"%s\"", territory, name, off < 0 ? '-' : '+',
		    abs(off) / 3600, abs(off) % 3600 / 60, target != NULL ?
		    target : WINDOW_DEFAULT_LOCATION);
	} else
		config_warn(c, n, "territory \"%s\": time zone \"%s\" is not "
		    "an IANA Area/Location name (a legacy alias, which need not "
		    "follow the place's history): use \"%s\"", territory, name,
		    target != NULL ? target : WINDOW_DEFAULT_LOCATION);
	free(target);
}

/* Area/Location names under TZ_DIR, two levels down (America/Argentina/...). */
static void
config_tz_names(const char *rel, int depth, char ***v, size_t *n)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX], sub[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", TZ_DIR, rel);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name);
		if (de->d_type == DT_DIR && depth < 2)
			config_tz_names(sub, depth + 1, v, n);
		else if (de->d_type != DT_DIR) {
			*v = xrealloc(*v, (*n + 1) * sizeof **v);
			(*v)[(*n)++] = xstrdup(sub);
		}
	}
	closedir(d);
}

/*
 * A zone tz_load refused: an offset ("UTC-5") is told to use a place's
 * name, a misspelt place gets the closest one; a file that exists but is
 * not a zone keeps tz_load's reason.
 */
void
config_tz_unknown(struct config_ctx *c, const struct ynode *n,
    const char *name, const char *err)
{
	char		 path[PATH_MAX], **names = NULL;
	const char	*close;
	size_t		 i, nn = 0;

	snprintf(path, sizeof path, "%s/%s", TZ_DIR, name);
	if (access(path, F_OK) == 0 || errno != ENOENT) {
		config_err(c, n, "%s", err);
		return;
	}
	if (strpbrk(name, "0123456789") != NULL) {
		config_err(c, n, "unknown time zone \"%s\" (%s): an offset "
		    "would be an hour off half the year where clocks change; "
		    "use the place's IANA Area/Location name, such as \"%s\"",
		    name, err, WINDOW_DEFAULT_LOCATION);
		return;
	}
	for (i = 0; i < NITEMS(config_tz_areas); i++)
		config_tz_names(config_tz_areas[i], 1, &names, &nn);
	close = suggest_closest(name, (const char *const *)names, nn);
	if (close != NULL)
		config_err(c, n, "unknown time zone \"%s\" (no %s): did you "
		    "mean \"%s\"?", name, path, close);
	else
		config_err(c, n, "unknown time zone \"%s\" (no %s): use an "
		    "IANA Area/Location name, such as \"%s\"", name, path,
		    WINDOW_DEFAULT_LOCATION);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
}
