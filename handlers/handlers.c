/* The table of event handlers, and what handlers share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "handlers.h"
#include "territory.h"

/* Adding an event type is one line here and one file in handlers/. */
static const struct handler handlers[] = {
	{ "newcomer.arrived", handler_newcomer_arrived },
};

const struct handler *
handler_find(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof handlers / sizeof *handlers; i++) {
		if (strcmp(handlers[i].type, type) == 0)
			return &handlers[i];
	}
	return NULL;
}

struct notification *
handler_out_add(struct handler_out *out)
{
	struct notification	*n;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
	n = &out->v[out->n++];
	memset(n, 0, sizeof *n);
	return n;
}

void
handler_out_clear(struct handler_out *out)
{
	size_t	i;

	for (i = 0; i < out->n; i++) {
		free(out->v[i].recipient_id);
		free(out->v[i].email);
		free(out->v[i].phone);
		free(out->v[i].language);
		json_decref(out->v[i].vars);
	}
	free(out->v);
	out->v = NULL;
	out->n = 0;
}

const struct territory *
handler_territory(const struct config *cf, const json_t *data, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const json_t		*id, *muni;

	id = json_object_get(data, "territory");
	muni = json_object_get(data, "municipality");
	if (json_is_string(id)) {
		if ((t = territory_find(cf->territories,
		    json_string_value(id))) == NULL)
			snprintf(reason, reasonlen, "unknown territory \"%s\"",
			    json_string_value(id));
		return t;
	}
	if (json_is_string(muni)) {
		t = territory_find_municipality(cf->territories,
		    json_string_value(muni));
		/* a newcomer is never ignored: the regional level takes them */
		if (t == NULL && cf->fallback_territory != NULL)
			t = territory_find(cf->territories, cf->fallback_territory);
		if (t == NULL)
			snprintf(reason, reasonlen, "unknown municipality \"%s\"",
			    json_string_value(muni));
		return t;
	}
	if (id != NULL || muni != NULL)
		snprintf(reason, reasonlen, "data.territory and "
		    "data.municipality must be strings");
	else
		snprintf(reason, reasonlen, "missing data.territory or "
		    "data.municipality");
	return NULL;
}
