/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The gateways section: the keys every gateway has are read here, each
 * kind's own keys and checks come with its entry in the table of kinds
 * (gw_kind.h), so that no kind is named in this file.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "gw_kind.h"
#include "gw_table.h"
#include "ynode.h"

/* Keys of every gateway; url and ca_file only of the kinds taking them. */
#define G(f)	offsetof(struct config_gateway, f)
static const struct config_opt config_gateway_opts[] = {
	{ "kind", CONFIG_STR, G(kind), 0, 0, NULL },
	{ "url", CONFIG_STR, G(url), 0, 0, NULL },
	{ "ca_file", CONFIG_STR, G(ca_file), 0, 0, NULL },
	{ "max_concurrency", CONFIG_LONG, G(max_concurrency), 1, 10000, "32" },
	{ "connect_timeout_ms", CONFIG_LONG, G(connect_timeout_ms), 10, 600000, "5000" },
	{ "timeout_ms", CONFIG_LONG, G(timeout_ms), 10, 600000, "15000" },
	{ "breaker_failures", CONFIG_LONG, G(breaker_failures), 1, 100000, "5" },
	{ "breaker_cooldown_ms", CONFIG_LONG, G(breaker_cooldown_ms), 100, 3600000, "30000" },
	{ "breaker_failure_rate", CONFIG_LONG, G(breaker_failure_rate), 0, 100, "50" },
	{ "rate_per_s", CONFIG_LONG, G(rate_per_s), 0, 100000, "0" },
	{ "rate_burst", CONFIG_LONG, G(rate_burst), 0, 100000, "0" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef G

/* Room for every key of every kind. */
#define CONFIG_GATEWAY_KEYS	64

/* Whether every kind takes key (kind, concurrency, timeouts, breaker, rate). */
static int
config_gateway_common(const char *key)
{
	return config_opt_find(config_gateway_opts, key) != NULL &&
	    strcmp(key, "url") != 0 && strcmp(key, "ca_file") != 0;
}

/* The keys k takes besides the common ones, as its messages list them. */
static size_t
config_gateway_kind_keys(const struct gw_kind *k, const char **keys)
{
	const struct config_opt	*o;
	size_t			 n = 0;

	if (k->keys & GW_KEY_URL)
		keys[n++] = "url";
	for (o = k->opts; o->key != NULL && n < CONFIG_GATEWAY_KEYS - 1; o++)
		keys[n++] = o->key;
	if (k->keys & GW_KEY_CA_FILE)
		keys[n++] = "ca_file";
	return n;
}

static int
config_gateway_listed(const char *const *keys, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(keys[i], key) == 0)
			return 1;
	}
	return 0;
}

/* Every key some kind takes: kind, each kind's own keys, the common ones. */
static size_t
config_gateway_known(const char **known)
{
	const struct gw_kind	*k;
	const struct config_opt	*o;
	const char		*keys[CONFIG_GATEWAY_KEYS];
	size_t			 i, j, nk, n = 0;

	known[n++] = "kind";
	for (i = 0; (k = gw_table_at(i)) != NULL; i++) {
		nk = config_gateway_kind_keys(k, keys);
		for (j = 0; j < nk && n < CONFIG_GATEWAY_KEYS; j++) {
			if (!config_gateway_listed(known, n, keys[j]))
				known[n++] = keys[j];
		}
	}
	for (o = config_gateway_opts; o->key != NULL; o++) {
		if (config_gateway_common(o->key) &&
		    !config_gateway_listed(known, n, o->key) &&
		    n < CONFIG_GATEWAY_KEYS)
			known[n++] = o->key;
	}
	return n;
}

/*
 * Reads n's keys in their order: the common ones into g, those of k (NULL:
 * no kind, or an unknown one) into g->conf; another kind's key is only
 * checked to be a scalar here, that it does not apply is said once the
 * kind is known good.
 */
static int
config_gateway_read(struct config_ctx *c, struct config_gateway *g,
    const struct gw_kind *k, const struct ynode *n)
{
	const struct config_opt	*o;
	const char		*known[CONFIG_GATEWAY_KEYS], *key;
	size_t			 i, nknown = config_gateway_known(known);
	int			 rc = 0;

	config_defaults(c, config_gateway_opts, g);
	if (k != NULL)
		config_defaults(c, k->opts, g->conf);
	for (i = 0; i < n->n; i++) {
		key = n->keys[i]->value;
		if ((o = config_opt_find(config_gateway_opts, key)) != NULL)
			rc |= config_set_opt(c, o, g, n->items[i]);
		else if (k != NULL && (o = config_opt_find(k->opts, key)) != NULL)
			rc |= config_set_opt(c, o, g->conf, n->items[i]);
		else if (config_gateway_listed(known, nknown, key))
			rc |= config_expect(c, n->items[i], YNODE_SCALAR, key);
		else {
			config_unknown(c, n->keys[i], "key", key, "gateway",
			    known, nknown);
			rc = -1;
		}
	}
	return rc;
}

/* Keys of other kinds than k: "does not apply", with the keys k takes. */
static int
config_gateway_applies(struct config_ctx *c, const struct config_gateway *g,
    const struct gw_kind *k, const struct ynode *n)
{
	const char	*keys[CONFIG_GATEWAY_KEYS];
	struct buf	 its;
	size_t		 i, nk = config_gateway_kind_keys(k, keys);
	int		 rc = 0;

	buf_init(&its);
	buf_puts(&its, "");
	for (i = 0; i < nk; i++)
		buf_printf(&its, "%s%s", i > 0 ? " " : "", keys[i]);
	for (i = 0; i < n->n; i++) {
		if (config_gateway_common(n->keys[i]->value) ||
		    config_gateway_listed(keys, nk, n->keys[i]->value))
			continue;
		config_err(c, n->keys[i], "key \"%s\" does not apply to a "
		    "gateway of kind %s (its keys: %s)", n->keys[i]->value,
		    g->kind, its.data);
		rc = -1;
	}
	buf_free(&its);
	return rc;
}

static void
config_gateway_unknown_kind(struct config_ctx *c, const struct ynode *n,
    const char *kind)
{
	const char	*kinds[CONFIG_GATEWAY_KEYS];
	size_t		 k;

	for (k = 0; k < CONFIG_GATEWAY_KEYS && gw_table_at(k) != NULL; k++)
		kinds[k] = gw_table_at(k)->name;
	config_unknown(c, n, "gateway kind", kind, NULL, kinds, k);
}

/* Whether any of g's secrets (k's _env and _file keys) is set. */
static int
config_gateway_has_secret(const struct config_gateway *g,
    const struct gw_kind *k)
{
	const struct config_opt	*o;

	for (o = k->opts; o->key != NULL; o++) {
		if ((o->type == CONFIG_ENV || o->type == CONFIG_FILE) &&
		    *(char **)((char *)g->conf + o->off) != NULL)
			return 1;
	}
	return 0;
}

static int
config_gateway_one(struct config_ctx *c, struct config_gateway *g,
    const struct ynode *name, const struct ynode *n)
{
	const struct ynode	*kn = ynode_get(n, "kind");
	const struct gw_kind	*k = NULL;
	int			 rc;

	g->name = xstrdup(name->value);
	g->line = name->line;
	g->col = name->col;
	/* ynode refuses duplicate keys: g->kind will name this kind */
	if (kn != NULL && kn->type == YNODE_SCALAR &&
	    (k = gw_table_find(kn->value)) != NULL && k->conf_size > 0)
		g->conf = xcalloc(1, k->conf_size);
	c->missing = g->missing;
	c->missinglen = sizeof g->missing;
	rc = config_gateway_read(c, g, k, n);
	c->missing = NULL;
	if (rc == -1)
		return -1;
	if (g->kind == NULL) {
		config_err(c, name, "gateway \"%s\" has no kind", g->name);
		return -1;
	}
	if (k == NULL) {
		config_gateway_unknown_kind(c, kn, g->kind);
		return -1;
	}
	rc = config_gateway_applies(c, g, k, n);
	/* for the kind's check (gw_kind_clear) */
	g->has_secret = config_gateway_has_secret(g, k);
	return k->check(c, g, name, n, rc == -1) == -1 ? -1 : rc;
}

int
config_gateways(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	size_t	i;
	int	rc = 0;

	if (n == NULL) {
		config_err(c, NULL, "no gateways defined");
		return -1;
	}
	if (config_expect(c, n, YNODE_MAP, "gateways") == -1)
		return -1;
	cf->gateways = xcalloc(n->n, sizeof *cf->gateways);
	for (i = 0; i < n->n; i++) {
		if (config_expect(c, n->items[i], YNODE_MAP, "a gateway") == -1) {
			rc = -1;
			continue;
		}
		cf->ngateways++;
		if (config_gateway_one(c, &cf->gateways[cf->ngateways - 1],
		    n->keys[i], n->items[i]) == -1)
			rc = -1;
	}
	return rc;
}

static int
config_gateway_used(const struct config *cf, const char *name)
{
	size_t	i, k;

	for (i = 0; i < cf->nroutes; i++) {
		for (k = 0; k < cf->routes[i].ngateways; k++) {
			if (strcmp(cf->routes[i].gateways[k], name) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * An entry idle longer than claim_idle_ms is taken over by another
 * instance, so it must exceed the time one delivery attempt may take, or a
 * message still in flight would be sent a second time.
 */
int
config_claim_idle(struct config_ctx *c, const struct config *cf,
    const struct ynode *redis)
{
	const struct config_gateway	*g, *worst = NULL;
	const struct gw_kind		*k;
	size_t				 i;

	for (i = 0; i < cf->ngateways; i++) {
		g = &cf->gateways[i];
		/*
		 * Only gateways a route can send through count; a kind without
		 * a url (the outbox) has no network timeout.
		 */
		if (g->kind == NULL || (k = gw_table_find(g->kind)) == NULL ||
		    !(k->keys & GW_KEY_URL) || g->missing[0] != '\0' ||
		    !config_gateway_used(cf, g->name))
			continue;
		if (worst == NULL || g->connect_timeout_ms + g->timeout_ms >
		    worst->connect_timeout_ms + worst->timeout_ms)
			worst = g;
	}
	if (worst == NULL || cf->redis.claim_idle_ms >
	    2 * (worst->connect_timeout_ms + worst->timeout_ms))
		return 0;
	config_err(c, ynode_get(redis, "claim_idle_ms") != NULL ?
	    ynode_get(redis, "claim_idle_ms") : redis, "claim_idle_ms (%ld) "
	    "must exceed twice the longest gateway attempt (gateway %s: "
	    "connect_timeout_ms + timeout_ms = %ld), or an entry still in "
	    "flight could be taken over and sent twice", cf->redis.claim_idle_ms,
	    worst->name, worst->connect_timeout_ms + worst->timeout_ms);
	return -1;
}

void
config_gateways_free(struct config *cf)
{
	struct config_gateway	*g;
	const struct gw_kind	*k;
	size_t			 i;

	for (i = 0; i < cf->ngateways; i++) {
		g = &cf->gateways[i];
		/* conf is only made for a known kind, the one g->kind names */
		if (g->conf != NULL && (k = gw_table_find(g->kind)) != NULL)
			config_section_free(k->opts, g->conf);
		free(g->conf);
		free(g->name);
		free(g->kind);
		free(g->url);
		free(g->ca_file);
	}
	free(cf->gateways);
}

const struct config_gateway *
config_gateway_find(const struct config *cf, const char *name)
{
	size_t	i;

	for (i = 0; i < cf->ngateways; i++) {
		if (strcmp(cf->gateways[i].name, name) == 0)
			return &cf->gateways[i];
	}
	return NULL;
}
