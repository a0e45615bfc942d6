/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The routes section: what goes through which gateways, with which template. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "route.h"
#include "territory.h"
#include "ynode.h"

/* "unknown territory", with the closest id and the known ones. */
void
config_unknown_territory(struct config_ctx *c, const struct config *cf,
    const struct ynode *n, const char *id)
{
	size_t		 i, nt = territory_set_count(cf->territories);
	const char	**ids = xcalloc(nt + 1, sizeof *ids);

	for (i = 0; i < nt; i++)
		ids[i] = territory_set_at(cf->territories, i)->id;
	config_unknown(c, n, "territory", id, NULL, ids, nt);
	free(ids);
}

/* match: what a route applies to; NULL members match anything. */
static int
config_route_match(struct config_ctx *c, struct config *cf,
    struct config_route *r, const struct ynode *m)
{
	static const char *const match_keys[] = { "type", "role", "channel",
	    "territory", "language", NULL };
	int	rc = 0;

	if (config_expect(c, m, YNODE_MAP, "match") == -1)
		return 0;	/* reported, and fails the load */
	rc |= config_keys_known(c, m, match_keys, "match");
	rc |= config_route_names(c, m);
	r->type = config_dup(config_scalar(c, m, "type"));
	r->role = config_dup(config_scalar(c, m, "role"));
	r->channel = config_dup(config_scalar(c, m, "channel"));
	r->territory = config_dup(config_scalar(c, m, "territory"));
	r->language = config_dup(config_scalar(c, m, "language"));
	if (r->territory != NULL &&
	    territory_find(cf->territories, r->territory) == NULL) {
		config_unknown_territory(c, cf, ynode_get(m, "territory"),
		    r->territory);
		rc = -1;
	}
	return rc;
}

/* window: the name of one of the windows section. */
static int
config_route_window(struct config_ctx *c, struct config *cf,
    struct config_route *r, const struct ynode *n)
{
	const char	*wn = config_scalar(c, n, "window");
	const char	**names;
	size_t		 i;

	for (i = 0; wn != NULL && i < cf->nwindows; i++) {
		if (strcmp(cf->windows[i].name, wn) == 0)
			r->window = &cf->windows[i];
	}
	if (wn == NULL || r->window != NULL)
		return 0;
	names = xcalloc(cf->nwindows + 1, sizeof *names);
	for (i = 0; i < cf->nwindows; i++)
		names[i] = cf->windows[i].name;
	config_unknown(c, ynode_get(n, "window"), "window", wn, NULL, names,
	    cf->nwindows);
	free(names);
	return -1;
}

/* gateways: known ones, in failover order, none lacking a secret. */
static int
config_route_gateways(struct config_ctx *c, struct config *cf,
    struct config_route *r, const struct ynode *n)
{
	const struct config_gateway	*g;
	const struct ynode		*gws, *at;
	const char			**names;
	size_t				 i, k;
	int				 rc = 0;

	if ((gws = ynode_get(n, "gateways")) == NULL) {
		if (r->nosend)
			return 0;	/* it sends nothing: needs no gateway */
		config_err(c, n, "route has no gateways");
		return -1;
	}
	if (config_strings(c, gws, "gateways", &r->gateways, &r->ngateways) == -1)
		return -1;
	for (i = 0; i < r->ngateways; i++) {
		g = config_gateway_find(cf, r->gateways[i]);
		at = gws->type == YNODE_SEQ ? gws->items[i] : gws;
		if (g != NULL && g->missing[0] != '\0') {
			config_err(c, at, "gateway \"%s\" cannot be used: %s",
			    g->name, g->missing);
			rc = -1;
		}
		if (g == NULL) {
			names = xcalloc(cf->ngateways + 1, sizeof *names);
			for (k = 0; k < cf->ngateways; k++)
				names[k] = cf->gateways[k].name;
			config_unknown(c, at, "gateway", r->gateways[i], NULL,
			    names, cf->ngateways);
			free(names);
			rc = -1;
		}
	}
	if (r->ngateways == 0) {
		config_err(c, gws, "route has no gateways");
		rc = -1;
	}
	return rc;
}

static int
config_route_one(struct config_ctx *c, struct config *cf,
    struct config_route *r, const struct ynode *n)
{
	static const char *const known[] = { "match", "gateways", "template",
	    "max_segments", "window", "continue", "from", "from_name",
	    "reply_to", "fallback", "send", NULL };
	static const struct config_opt max_segments = { "max_segments",
	    CONFIG_LONG, 0, 1, 10, NULL };
	const struct ynode	*m;
	int			 rc = 0, send;

	r->line = n->line;
	r->col = n->col;
	if (config_expect(c, n, YNODE_MAP, "a route") == -1)
		return -1;
	rc |= config_keys_known(c, n, known, "a route");
	if ((m = ynode_get(n, "match")) != NULL)
		rc |= config_route_match(c, cf, r, m);
	r->template = config_dup(config_scalar(c, n, "template"));
	r->from = config_dup(config_scalar(c, n, "from"));
	r->from_name = config_dup(config_scalar(c, n, "from_name"));
	r->reply_to = config_dup(config_scalar(c, n, "reply_to"));
	rc |= config_bool(c, n, "continue", &r->cont);
	rc |= config_bool(c, n, "fallback", &r->fallback);
	if (ynode_get(n, "send") != NULL) {
		rc |= config_bool(c, n, "send", &send);
		r->nosend = !send;
	}
	if (ynode_get(n, "window") != NULL)
		rc |= config_route_window(c, cf, r, n);
	r->max_segments = 3;
	if (ynode_get(n, "max_segments") != NULL &&
	    config_set_opt(c, &max_segments, &r->max_segments,
	    ynode_get(n, "max_segments")) == -1)
		rc = -1;
	if (r->template == NULL && ynode_get(n, "send") == NULL) {
		config_err(c, n, "route has no template");
		rc = -1;
	}
	if (r->template == NULL)
		r->template = xstrdup("-");
	return rc | config_route_gateways(c, cf, r, n);
}

int
config_routes(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	size_t	i, k;
	int	rc = 0;

	if (n == NULL) {
		config_err(c, NULL, "no routes defined");
		return -1;
	}
	if (config_expect(c, n, YNODE_SEQ, "routes") == -1)
		return -1;
	cf->routes = xcalloc(n->n, sizeof *cf->routes);
	cf->nroutes = n->n;
	for (i = 0; i < n->n; i++) {
		if (config_route_one(c, cf, &cf->routes[i], n->items[i]) == -1)
			rc = -1;
	}
	/* a route after one that catches all it would match is dead config */
	for (i = 0; i < cf->nroutes && rc == 0; i++) {
		for (k = 0; k < i; k++) {
			if (cf->routes[k].cont ||
			    !route_covers(&cf->routes[k], &cf->routes[i]))
				continue;
			config_err(c, n->items[i], "this route can never match: "
			    "the route at line %d catches everything it would "
			    "(reorder them, or give that one continue: true)",
			    cf->routes[k].line);
			rc = -1;
			break;
		}
	}
	return rc;
}

void
config_routes_free(struct config *cf)
{
	struct config_route	*rt;
	size_t			 i;

	for (i = 0; i < cf->nroutes; i++) {
		rt = &cf->routes[i];
		free(rt->type);
		free(rt->role);
		free(rt->channel);
		free(rt->territory);
		free(rt->language);
		config_free_strings(rt->gateways, rt->ngateways);
		free(rt->template);
		free(rt->from);
		free(rt->from_name);
		free(rt->reply_to);
	}
	free(cf->routes);
}
