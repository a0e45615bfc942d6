/* The table of gateway kinds, and what their configuration checks share. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_parse.h"
#include "gw_kind.h"

/* In the order messages list them ("unknown gateway kind", known keys). */
static const struct gw_kind *const gw_kinds[] = {
	&gw_webhook_kind,
	&gw_outbox_kind,
	&gw_twilio_kind,
	&gw_sendgrid_kind,
	&gw_mailgun_kind,
	&gw_brevo_kind,
	&gw_smtp_kind,
};

const struct gw_kind *
gw_kind_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof gw_kinds / sizeof *gw_kinds; i++) {
		if (strcmp(gw_kinds[i]->name, name) == 0)
			return gw_kinds[i];
	}
	return NULL;
}

const struct gw_kind *
gw_kind_at(size_t i)
{
	return i < sizeof gw_kinds / sizeof *gw_kinds ? gw_kinds[i] : NULL;
}

int
gw_kind_needs(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const char *what)
{
	config_err(c, name, "gateway \"%s\" (%s) needs %s", g->name, g->kind,
	    what);
	return -1;
}

/* Secrets come from the environment or a file, never from the YAML. */
int
gw_kind_secret(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const char *value, const char *key)
{
	char	what[128];

	if (value != NULL || g->missing[0] != '\0')
		return 0;
	snprintf(what, sizeof what, "%s_env or %s_file", key, key);
	return gw_kind_needs(c, g, name, what);
}

/* Whether any of g's secrets (its kind's _env and _file keys) is set. */
static int
gw_kind_has_secret(const struct config_gateway *g)
{
	const struct gw_kind	*k = gw_kind_find(g->kind);
	const struct config_opt	*o;

	for (o = k->opts; o->key != NULL; o++) {
		if ((o->type == CONFIG_ENV || o->type == CONFIG_FILE) &&
		    *(char **)((char *)g->conf + o->off) != NULL)
			return 1;
	}
	return 0;
}

void
gw_kind_clear(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name)
{
	if (g->url == NULL || g->missing[0] != '\0' ||
	    config_url_loopback(g->url) || !gw_kind_has_secret(g))
		return;
	config_warn(c, name, "gateway %s sends its credentials and messages in "
	    "clear to %s: use https:// (or STARTTLS)", g->name, g->url);
}
