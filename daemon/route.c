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
	const struct config_route	*r;
	size_t				 i;

	for (i = 0; i < cf->nroutes; i++) {
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
