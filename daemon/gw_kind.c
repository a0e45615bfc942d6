/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* What the gateway kinds' configuration checks share. */
#include <stdio.h>

#include "config.h"
#include "config_parse.h"
#include "gw_kind.h"

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

void
gw_kind_clear(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name)
{
	if (g->url == NULL || g->missing[0] != '\0' ||
	    config_url_loopback(g->url) || !g->has_secret)
		return;
	config_warn(c, name, "gateway %s sends its credentials and messages in "
	    "clear to %s: use https:// (or STARTTLS)", g->name, g->url);
}
