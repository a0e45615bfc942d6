/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Shared by the configuration loader's files: parsing context and helpers. */
#ifndef RELAIS_CONFIG_INT_H
#define RELAIS_CONFIG_INT_H

#include <stddef.h>

#include "config_parse.h"

struct config;
struct tz;

/* config_redis.c: the redis section (config_load and config_load_redis) */
int		 config_redis(struct config_ctx *, struct config *,
		    const struct ynode *);

/*
 * config_gateway.c: the gateways, each read by the table of kinds
 * (gw_kind.h); claim_idle_ms against their longest attempt, once the
 * routes say which are used.
 */
int		 config_gateways(struct config_ctx *, struct config *,
		    const struct ynode *);
int		 config_claim_idle(struct config_ctx *, const struct config *,
		    const struct ynode *redis);
void		 config_gateways_free(struct config *);

/* config_route.c: routes, after gateways, territories and windows */
int		 config_routes(struct config_ctx *, struct config *,
		    const struct ynode *);
void		 config_routes_free(struct config *);
/* "unknown territory", with the closest id and the known ones. */
void		 config_unknown_territory(struct config_ctx *,
		    const struct config *, const struct ynode *n, const char *id);

/* config_territory.c */
int		 config_territories(struct config_ctx *, struct config *,
		    const struct ynode *);
/* Builds each territory's windows with its own holidays added. */
int		 config_territory_windows(struct config_ctx *, struct config *,
		    const struct ynode *windows, const struct ynode *holidays,
		    const struct ynode *territories);

/* config_unsub.c: unsubscribe.keys and valid_days, after config_admin() */
int		 config_unsubscribe(struct config_ctx *, struct config *,
		    const struct ynode *);

/* config_bounces.c: the email providers' webhooks (bounces:) */
int		 config_bounces(struct config_ctx *, struct config *,
		    const struct ynode *);
void		 config_bounces_free(struct config *);

/*
 * config_console.c: the addresses and CIDR blocks under key of map n
 * into *nets; *view is n without key, for config_section (free its keys
 * and items). Admin's trusted_proxies are read with it too.
 */
struct admin_net;
int		 config_nets(struct config_ctx *, const struct ynode *n,
		    const char *key, struct admin_net **nets, size_t *nnets,
		    struct ynode *view);

/* config_console.c: the web console (console:) */
int		 config_console(struct config_ctx *, struct config *,
		    const struct ynode *);
void		 config_console_free(struct config *);
/* Only console.users_file (relaisctl console-user): 0, or -1 reported. */
int		 config_console_users_file(struct config_ctx *, struct config *,
		    const struct ynode *);

/* config_handlers.c: profiles, followups, matching */
int		 config_handlers(struct config_ctx *, struct config *,
		    const struct ynode *root);
void		 config_handlers_free(struct config *);

/*
 * config_check.c: a route's match names a known type, role and channel
 * (m is the match map; reports and returns -1 otherwise).
 */
int		 config_route_names(struct config_ctx *, const struct ynode *m);
/*
 * The checks of config_check() on a loaded config (root is its tree):
 * errors go to c->diag, which config_load() points at cf->checks.
 */
void		 config_checks(struct config_ctx *, const struct config *,
		    const struct ynode *root);
/*
 * A territory's time zone (n: its node): a warning when it is not an IANA
 * Area/Location name; the error, with a suggestion, when tz_load refused
 * it with err.
 */
void		 config_tz_warn(struct config_ctx *, const struct ynode *n,
		    const char *territory, const struct tz *);
void		 config_tz_unknown(struct config_ctx *, const struct ynode *n,
		    const char *name, const char *err);
/*
 * A route's template name that language lang has no file of (n: the
 * template node), with the closest name the language has.
 */
void		 config_template_unknown(struct config_ctx *,
		    const struct config *, const struct ynode *n,
		    const char *name, const char *lang);

#endif
