/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Route matching in config order; a field absent from a route's match matches anything. */
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "route.h"

static int
route_field(const char *want, const char *have)
{
	if (want == NULL)
		return 1;
	return have != NULL && strcmp(want, have) == 0;
}

const struct config_route *
route_match(const struct config *cf, const struct route_query *q)
{
	return route_match_after(cf, q, NULL);
}

const struct config_route *
route_match_after(const struct config *cf, const struct route_query *q,
    const struct config_route *after)
{
	const struct config_route	*r;
	size_t				 i;

	i = after != NULL ? (size_t)(after - cf->routes) + 1 : 0;
	for (; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		if (route_field(r->type, q->type) &&
		    route_field(r->role, q->role) &&
		    route_field(r->channel, q->channel) &&
		    route_field(r->territory, q->territory) &&
		    route_field(r->language, q->language))
			return r;
	}
	return NULL;
}

/* Whether every query route b matches, route a matches too. */
int
route_covers(const struct config_route *a, const struct config_route *b)
{
	return route_field(a->type, b->type) &&
	    route_field(a->role, b->role) &&
	    route_field(a->channel, b->channel) &&
	    route_field(a->territory, b->territory) &&
	    route_field(a->language, b->language);
}
