/* newcomer.arrived: welcome the newcomer in their language, by email and SMS. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"

static const char *
newcomer_string(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	return json_is_string(v) && json_string_length(v) > 0 ?
	    json_string_value(v) : NULL;
}

/* A consent flag counts only when it is literally true (opt-in, CASL). */
static int
newcomer_consent(const json_t *person, const char *channel)
{
	return json_is_true(json_object_get(json_object_get(person, "consent"),
	    channel));
}

int
handler_newcomer_arrived(const struct envelope *ev,
    const struct handler_ctx *ctx, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const json_t		*person;
	struct notification	*n;
	const char		*id, *email, *phone, *lang;
	json_t			*vars;

	if (ev->data == NULL) {
		snprintf(reason, reasonlen, "missing data");
		return -1;
	}
	person = json_object_get(ev->data, "person");
	if (!json_is_object(person)) {
		snprintf(reason, reasonlen, "missing data.person");
		return -1;
	}
	if ((id = newcomer_string(person, "id")) == NULL) {
		snprintf(reason, reasonlen, "missing data.person.id");
		return -1;
	}
	if ((t = handler_territory(ctx->cf, ev->data, reason, reasonlen)) == NULL)
		return -1;
	email = newcomer_string(person, "email");
	phone = newcomer_string(person, "phone");
	lang = newcomer_string(person, "language");
	if (lang != NULL && strcmp(lang, "fr") != 0 && strcmp(lang, "en") != 0) {
		snprintf(reason, reasonlen, "data.person.language must be "
		    "\"fr\" or \"en\", not \"%s\"", lang);
		return -1;
	}
	if (email == NULL && phone == NULL) {
		snprintf(reason, reasonlen, "data.person has neither email nor "
		    "phone");
		return -1;
	}

	vars = json_object();
	json_object_set(vars, "person", (json_t *)(uintptr_t)person);
	json_object_set(vars, "data", ev->data);
	json_object_set_new(vars, "first_name", json_string(
	    newcomer_string(person, "first_name") != NULL ?
	    newcomer_string(person, "first_name") : ""));
	if (json_is_string(json_object_get(ev->data, "arrival_date")))
		json_object_set(vars, "arrival_date",
		    json_object_get(ev->data, "arrival_date"));

	n = handler_out_add(out);
	n->role = "newcomer";
	n->recipient_id = xstrdup(id);
	n->email = email != NULL ? xstrdup(email) : NULL;
	n->phone = phone != NULL ? xstrdup(phone) : NULL;
	n->language = lang != NULL ? xstrdup(lang) : NULL;
	n->consent_email = newcomer_consent(person, "email");
	n->consent_sms = newcomer_consent(person, "sms");
	n->territory = t;
	n->vars = vars;
	return 0;
}
