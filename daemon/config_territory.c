/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration of territories: names, senders, municipalities, branding, roster, holidays. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "config_int.h"
#include "territory.h"
#include "tz.h"
#include "window.h"
#include "ynode.h"

/* A branding text per language, as a JSON object. */
static json_t *
config_branding_langs(struct config_ctx *c, const struct ynode *map)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i < map->n; i++) {
		if (config_expect(c, map->items[i], YNODE_SCALAR,
		    "a branding text") == 0)
			json_object_set_new(o, map->keys[i]->value,
			    json_string(map->items[i]->value));
	}
	return o;
}

/*
 * Template variables of a territory: {id, name_fr, name_en, ...branding};
 * a branding value is a string, or an object of one string per language
 * that plan.c resolves for the language of each message.
 */
static json_t *
config_territory_vars(struct config_ctx *c, const struct territory *t,
    const struct ynode *branding)
{
	json_t	*vars;
	size_t	 i;

	vars = json_object();
	if (branding != NULL && config_expect(c, branding, YNODE_MAP,
	    "branding") == 0) {
		for (i = 0; i < branding->n; i++) {
			const struct ynode *v = branding->items[i];

			if (v->type == YNODE_SCALAR) {
				json_object_set_new(vars, branding->keys[i]->value,
				    json_string(v->value));
				continue;
			}
			/* one text per language: {fr: ..., en: ...} */
			if (v->type == YNODE_MAP)
				json_object_set_new(vars, branding->keys[i]->value,
				    config_branding_langs(c, v));
			else
				config_err(c, v, "a branding value must be a "
				    "string or a map of one string per language, "
				    "not a %s", ynode_type_name(v->type));
		}
	}
	json_object_set_new(vars, "id", json_string(t->id));
	json_object_set_new(vars, "name_fr", json_string(t->name_fr));
	json_object_set_new(vars, "name_en", json_string(t->name_en));
	return vars;
}

/* The territory's time zone, for dates in messages. */
static int
config_territory_tz(struct config_ctx *c, struct territory *t,
    const struct ynode *n)
{
	const char	*name = config_scalar(c, n, "timezone");
	char		 err[256];

	t->timezone = xstrdup(name != NULL ? name : WINDOW_DEFAULT_LOCATION);
	if ((t->tz = tz_load(t->timezone, err, sizeof err)) == NULL) {
		config_tz_unknown(c, ynode_get(n, "timezone") != NULL ?
		    ynode_get(n, "timezone") : n, t->timezone, err);
		return 1;
	}
	config_tz_warn(c, ynode_get(n, "timezone"), t->id, t->tz);
	return 0;
}

/* counsellors: [{id, name, email, phone, languages}], ids unique. */
static int
config_counsellors(struct config_ctx *c, struct territory *t,
    const struct ynode *list)
{
	static const char *const known[] = { "id", "name", "email", "phone",
	    "languages", NULL };
	struct territory_counsellor	*k;
	const struct ynode		*n;
	size_t				 i, j;
	int				 rc = 0;

	if (config_expect(c, list, YNODE_SEQ, "counsellors") == -1)
		return -1;
	t->counsellors = xcalloc(list->n, sizeof *t->counsellors);
	for (i = 0; i < list->n; i++) {
		n = list->items[i];
		if (config_expect(c, n, YNODE_MAP, "a counsellor") == -1) {
			rc = -1;
			continue;
		}
		rc |= config_keys_known(c, n, known, "a counsellor");
		k = &t->counsellors[t->ncounsellors++];
		k->id = config_dup(config_scalar(c, n, "id"));
		k->name = config_dup(config_scalar(c, n, "name"));
		k->email = config_dup(config_scalar(c, n, "email"));
		k->phone = config_dup(config_scalar(c, n, "phone"));
		if (k->id == NULL || k->name == NULL || k->email == NULL) {
			config_err(c, n, "a counsellor needs id, name and email");
			rc = -1;
			continue;
		}
		for (j = 0; j + 1 < t->ncounsellors; j++) {
			if (strcmp(t->counsellors[j].id, k->id) == 0) {
				config_err(c, ynode_get(n, "id"), "counsellor "
				    "\"%s\" is listed twice", k->id);
				rc = -1;
			}
		}
		/* none: the territory's, set by config_territory_languages() */
		if (ynode_get(n, "languages") != NULL)
			rc |= config_strings(c, ynode_get(n, "languages"),
			    "languages", &k->languages, &k->nlanguages);
	}
	return rc;
}

/* One name, official or alias, standing for official. */
static void
config_municipality_add(struct territory *t, const char *name,
    const char *official)
{
	t->municipalities = xrealloc(t->municipalities,
	    (t->nmunicipalities + 1) * sizeof *t->municipalities);
	t->officials = xrealloc(t->officials, (t->nmunicipalities + 1) *
	    sizeof *t->officials);
	t->municipalities[t->nmunicipalities] = xstrdup(name);
	t->officials[t->nmunicipalities++] = xstrdup(official);
}

/*
 * municipalities: a list of official names, each a string or a map
 * {name, aliases: [former or other names]}: an event naming an alias is
 * recorded, and shown, under the official name.
 */
static int
config_municipalities(struct config_ctx *c, struct territory *t,
    const struct ynode *n)
{
	static const char *const keys[] = { "name", "aliases", NULL };
	const struct ynode	*m, *aliases;
	const char		*name;
	size_t			 i, k;

	if (n->type == YNODE_SCALAR) {
		config_municipality_add(t, n->value, n->value);
		return 0;
	}
	if (config_expect(c, n, YNODE_SEQ, "municipalities") == -1)
		return -1;
	for (i = 0; i < n->n; i++) {
		m = n->items[i];
		if (m->type == YNODE_SCALAR) {
			config_municipality_add(t, m->value, m->value);
			continue;
		}
		if (m->type != YNODE_MAP) {
			config_err(c, m, "municipalities: each is a name or "
			    "{name, aliases}");
			return -1;
		}
		if (config_keys_known(c, m, keys, "municipality") == -1)
			return -1;
		if ((name = config_scalar(c, m, "name")) == NULL) {
			config_err(c, m, "municipality: missing name");
			return -1;
		}
		config_municipality_add(t, name, name);
		if ((aliases = ynode_get(m, "aliases")) == NULL)
			continue;
		if (config_expect(c, aliases, YNODE_SEQ, "aliases") == -1)
			return -1;
		for (k = 0; k < aliases->n; k++) {
			if (config_expect(c, aliases->items[k], YNODE_SCALAR,
			    "aliases") == -1)
				return -1;
			config_municipality_add(t, aliases->items[k]->value,
			    name);
		}
	}
	return 0;
}

static struct territory *
config_territory_one(struct config_ctx *c, const struct ynode *key,
    const struct ynode *n)
{
	static const char *const known[] = { "name", "language", "email",
	    "sms", "municipalities", "branding", "counsellors", "holidays",
	    "timezone", NULL };
	static const char *const email_keys[] = { "from", "name", "reply_to",
	    NULL };
	static const char *const sms_keys[] = { "from", NULL };
	static const char *const name_keys[] = { "fr", "en", NULL };
	struct territory	*t;
	const struct ynode	*name, *email, *sms, *munis;
	int			 bad = 0;

	if (config_expect(c, n, YNODE_MAP, "a territory") == -1)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->id = xstrdup(key->value);
	bad |= config_keys_known(c, n, known, "a territory");
	if ((name = ynode_get(n, "name")) == NULL) {
		config_err(c, key, "territory \"%s\" has no name", t->id);
		bad = 1;
	} else if (name->type == YNODE_SCALAR) {
		t->name_fr = xstrdup(name->value);
	} else if (config_expect(c, name, YNODE_MAP, "name") == 0) {
		bad |= config_keys_known(c, name, name_keys, "name");
		t->name_fr = config_dup(config_scalar(c, name, "fr"));
		t->name_en = config_dup(config_scalar(c, name, "en"));
	}
	if (t->name_fr == NULL)
		t->name_fr = xstrdup(t->id);
	if (t->name_en == NULL)
		t->name_en = xstrdup(t->name_fr);
	t->language = config_dup(config_scalar(c, n, "language"));
	if ((email = ynode_get(n, "email")) != NULL &&
	    config_expect(c, email, YNODE_MAP, "email") == 0) {
		bad |= config_keys_known(c, email, email_keys, "email");
		t->email_from = config_dup(config_scalar(c, email, "from"));
		t->email_name = config_dup(config_scalar(c, email, "name"));
		t->reply_to = config_dup(config_scalar(c, email, "reply_to"));
	}
	if ((sms = ynode_get(n, "sms")) != NULL &&
	    config_expect(c, sms, YNODE_MAP, "sms") == 0) {
		bad |= config_keys_known(c, sms, sms_keys, "sms");
		t->sms_from = config_dup(config_scalar(c, sms, "from"));
	}
	if ((munis = ynode_get(n, "municipalities")) != NULL &&
	    config_municipalities(c, t, munis) == -1)
		bad = 1;
	t->vars = config_territory_vars(c, t, ynode_get(n, "branding"));
	bad |= config_territory_tz(c, t, n);
	if (ynode_get(n, "counsellors") != NULL &&
	    config_counsellors(c, t, ynode_get(n, "counsellors")) == -1)
		bad = 1;
	if (bad) {
		territory_free(t);
		return NULL;
	}
	return t;
}

/*
 * A territory that names no language speaks the first of
 * templates.languages; a counsellor who names none reads the territory's.
 */
static void
config_territory_languages(struct territory *t, const struct config *cf)
{
	struct territory_counsellor	*k;
	size_t				 i;

	if (t->language == NULL)
		t->language = xstrdup(cf->languages[0]);
	territory_vars_make(t, cf->languages, cf->nlanguages);
	for (i = 0; i < t->ncounsellors; i++) {
		k = &t->counsellors[i];
		if (k->nlanguages > 0)
			continue;
		free(k->languages);
		k->languages = xcalloc(1, sizeof *k->languages);
		k->languages[k->nlanguages++] = xstrdup(t->language);
	}
}

int
config_territories(struct config_ctx *c, struct config *cf,
    const struct ynode *n)
{
	struct territory	*t;
	const char		*clash;
	size_t			 i;
	int			 rc = 0;

	cf->territories = territory_set_new();
	if (n == NULL) {
		config_err(c, NULL, "no territories defined");
		return -1;
	}
	if (config_expect(c, n, YNODE_MAP, "territories") == -1)
		return -1;
	for (i = 0; i < n->n; i++) {
		if ((t = config_territory_one(c, n->keys[i], n->items[i])) == NULL) {
			rc = -1;
			continue;
		}
		config_territory_languages(t, cf);
		if (territory_set_add(cf->territories, t, &clash) == -1) {
			config_err(c, n->keys[i], "territory \"%s\": \"%s\" is "
			    "already used by another territory", t->id, clash);
			territory_free(t);
			rc = -1;
		}
	}
	return rc;
}


int
config_territory_windows(struct config_ctx *c, struct config *cf,
    const struct ynode *windows, const struct ynode *holidays,
    const struct ynode *territories)
{
	struct territory	*t;
	const struct ynode	*own, *tn;
	struct ynode		 all;
	size_t			 i, k, n;
	int			 rc = 0;

	if (windows == NULL || territories == NULL ||
	    territories->type != YNODE_MAP || windows->type != YNODE_MAP)
		return 0;
	for (i = 0; i < territories->n; i++) {
		tn = territories->items[i];
		if ((own = ynode_get(tn, "holidays")) == NULL)
			continue;
		if (config_expect(c, own, YNODE_SEQ, "holidays") == -1) {
			rc = -1;
			continue;
		}
		t = (struct territory *)(uintptr_t)territory_find(
		    cf->territories, territories->keys[i]->value);
		if (t == NULL)
			continue;
		/* the region's holidays and the territory's, as one list */
		memset(&all, 0, sizeof all);
		all.type = YNODE_SEQ;
		all.line = own->line;
		all.col = own->col;
		n = (holidays != NULL && holidays->type == YNODE_SEQ) ?
		    holidays->n : 0;
		all.items = xcalloc(n + own->n + 1, sizeof *all.items);
		for (k = 0; k < n; k++)
			all.items[all.n++] = holidays->items[k];
		for (k = 0; k < own->n; k++)
			all.items[all.n++] = own->items[k];
		t->windows = xcalloc(windows->n, sizeof *t->windows);
		for (k = 0; k < windows->n; k++) {
			struct territory_window *w = &t->windows[t->nwindows];

			if ((w->w = window_parse(windows->items[k], &all,
			    clock_now_ms(), c->file, c->diag)) == NULL) {
				rc = -1;
				continue;
			}
			w->name = xstrdup(windows->keys[k]->value);
			t->nwindows++;
		}
		free(all.items);
	}
	return rc;
}
