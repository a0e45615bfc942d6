/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Routing: the first route whose match fits a notification decides how it goes out. */
#ifndef RELAIS_ROUTE_H
#define RELAIS_ROUTE_H

struct config;
struct config_route;

/* What a route is matched on; NULL members match only routes that don't care. */
struct route_query {
	const char	*type;
	const char	*role;
	const char	*channel;
	const char	*territory;
	const char	*language;
};

/* Returns the first matching route in config order, or NULL. */
const struct config_route	*route_match(const struct config *,
				    const struct route_query *);
/* The next matching route after a route with continue: true, or NULL. */
const struct config_route	*route_match_after(const struct config *,
				    const struct route_query *,
				    const struct config_route *after);
/* Whether route a matches everything route b matches (b is then shadowed). */
int				 route_covers(const struct config_route *a,
				    const struct config_route *b);

#endif
