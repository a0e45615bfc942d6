/* Configuration loader: YAML tree to validated structs, every error with its position. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "config_int.h"
#include "noc.h"
#include "render.h"
#include "route.h"
#include "suggest.h"
#include "territory.h"
#include "unsub.h"
#include "window.h"
#include "ynode.h"


#define R(f)	offsetof(struct config_redis, f)
static const struct config_opt config_redis_opts[] = {
	{ "url", CONFIG_STR, R(url), 0, 0, "redis://127.0.0.1:6379/0" },
	{ "password_env", CONFIG_ENV, R(password), 0, 0, NULL },
	{ "password_file", CONFIG_FILE, R(password), 0, 0, NULL },
	{ "prefix", CONFIG_STR, R(prefix), 0, 0, "relais:" },
	{ "group", CONFIG_STR, R(group), 0, 0, "relais" },
	{ "consumer", CONFIG_STR, R(consumer), 0, 0, NULL },
	{ "connect_timeout_ms", CONFIG_LONG, R(connect_timeout_ms), 10, 600000, "2000" },
	{ "command_timeout_ms", CONFIG_LONG, R(command_timeout_ms), 10, 600000, "5000" },
	{ "batch", CONFIG_LONG, R(batch), 1, 10000, "100" },
	{ "block_ms", CONFIG_LONG, R(block_ms), 1, 60000, "1000" },
	{ "claim_idle_ms", CONFIG_LONG, R(claim_idle_ms), 1000, 86400000, "300000" },
	{ "claim_interval_ms", CONFIG_LONG, R(claim_interval_ms), 100, 86400000, "30000" },
	{ "max_deliveries", CONFIG_LONG, R(max_deliveries), 1, 1000, "10" },
	{ "seen_ttl_s", CONFIG_LONG, R(seen_ttl_s), 60, 31622400, "604800" },
	{ "sent_ttl_s", CONFIG_LONG, R(sent_ttl_s), 60, 31622400, "2592000" },
	{ "deliveries_maxlen", CONFIG_LONG, R(deliveries_maxlen), 100, 100000000, "1000000" },
	{ "dead_retention_days", CONFIG_LONG, R(dead_retention_days), 1, 3650, "90" },
	{ "schedule_interval_ms", CONFIG_LONG, R(schedule_interval_ms), 10, 60000, "250" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef R

#define L(f)	offsetof(struct config_limits, f)
static const struct config_opt config_limits_opts[] = {
	{ "max_event_bytes", CONFIG_LONG, L(max_event_bytes), 256, 64 << 20, "262144" },
	{ "max_depth", CONFIG_LONG, L(max_depth), 2, 1000, "64" },
	{ "max_inflight", CONFIG_LONG, L(max_inflight), 1, 1000000, "256" },
	{ "max_attempts", CONFIG_LONG, L(max_attempts), 1, 1000, "10" },
	{ "max_waits", CONFIG_LONG, L(max_waits), 0, 100000, "100" },
	{ "backoff_base_ms", CONFIG_LONG, L(backoff_base_ms), 1, 86400000, "1000" },
	{ "backoff_cap_ms", CONFIG_LONG, L(backoff_cap_ms), 1, 604800000, "3600000" },
	{ "retry_after_max_ms", CONFIG_LONG, L(retry_after_max_ms), 1, 604800000, "3600000" },
	{ "drain_timeout_ms", CONFIG_LONG, L(drain_timeout_ms), 0, 3600000, "10000" },
	{ "max_per_recipient_per_day", CONFIG_LONG, L(max_per_recipient_day), 0, 1000000, "100" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef L

#define G(f)	offsetof(struct config_gateway, f)
static const struct config_opt config_gateway_opts[] = {
	{ "kind", CONFIG_STR, G(kind), 0, 0, NULL },
	{ "url", CONFIG_STR, G(url), 0, 0, NULL },
	{ "path", CONFIG_STR, G(path), 0, 0, NULL },
	{ "token_env", CONFIG_ENV, G(token), 0, 0, NULL },
	{ "token_file", CONFIG_FILE, G(token), 0, 0, NULL },
	{ "api_key_env", CONFIG_ENV, G(token), 0, 0, NULL },
	{ "api_key_file", CONFIG_FILE, G(token), 0, 0, NULL },
	{ "account_sid", CONFIG_STR, G(account_sid), 0, 0, NULL },
	{ "auth_token_env", CONFIG_ENV, G(auth_token), 0, 0, NULL },
	{ "auth_token_file", CONFIG_FILE, G(auth_token), 0, 0, NULL },
	{ "messaging_service_sid", CONFIG_STR, G(messaging_service_sid), 0, 0, NULL },
	{ "status_callback", CONFIG_STR, G(status_callback), 0, 0, NULL },
	{ "ca_file", CONFIG_STR, G(ca_file), 0, 0, NULL },
	{ "domain", CONFIG_STR, G(domain), 0, 0, NULL },
	{ "username", CONFIG_STR, G(username), 0, 0, NULL },
	{ "password_env", CONFIG_ENV, G(password), 0, 0, NULL },
	{ "password_file", CONFIG_FILE, G(password), 0, 0, NULL },
	{ "starttls", CONFIG_STR, G(starttls), 0, 0, NULL },
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

/* Keys each gateway kind requires, beyond "kind". */
static const struct {
	const char	*kind;
	const char	*required;
	const char	*allowed;	/* space-separated, besides the common ones */
} config_gateway_kinds[] = {
	{ "webhook", "url", "url token_env token_file ca_file" },
	{ "outbox", "path", "path" },
	/* url is the provider's base URL, overridable (EU regions, tests) */
	{ "twilio", "account_sid", "url account_sid auth_token_env "
	    "auth_token_file messaging_service_sid status_callback ca_file" },
	{ "sendgrid", "api_key", "url api_key_env api_key_file ca_file" },
	{ "mailgun", "api_key", "url api_key_env api_key_file domain ca_file" },
	{ "brevo", "api_key", "url api_key_env api_key_file ca_file" },
	/* url: smtp://host:587 (STARTTLS) or smtps://host:465 (implicit TLS) */
	{ "smtp", "url", "url username password_env password_file starttls "
	    "ca_file" },
};


void
config_err(struct config_ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_add(c->diag, c->file, n != NULL ? n->line : 0,
	    n != NULL ? n->col : 0, "%s", b.data);
	buf_free(&b);
}

void
config_warn(struct config_ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	if (c->warn == NULL)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_add(c->warn, c->file, n != NULL ? n->line : 0,
	    n != NULL ? n->col : 0, "warning: %s", b.data);
	buf_free(&b);
}

void
config_unknown(struct config_ctx *c, const struct ynode *n, const char *what,
    const char *name, const char *where, const char *const *known,
    size_t nknown)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "unknown %s \"%s\"%s%s", what, name,
	    where != NULL ? " in " : "", where != NULL ? where : "");
	suggest_append(&b, name, known, nknown);
	config_err(c, n, "%s", b.data);
	buf_free(&b);
}

int
config_expect(struct config_ctx *c, const struct ynode *n,
    enum ynode_type type, const char *what)
{
	if (n->type == type)
		return 0;
	config_err(c, n, "%s must be a %s, not a %s", what,
	    ynode_type_name(type), ynode_type_name(n->type));
	return -1;
}

/* Reads a secret from a file: one value, trailing newlines dropped. */
static char *
config_read_secret(struct config_ctx *c, const struct ynode *n)
{
	struct buf	 b;
	char		 chunk[4096], path[PATH_MAX];
	FILE		*f;
	size_t		 got;

	if (n->value[0] == '/')
		snprintf(path, sizeof path, "%s", n->value);
	else
		snprintf(path, sizeof path, "%s/%s", c->dir, n->value);
	if ((f = fopen(path, "r")) == NULL) {
		if (c->missing != NULL)
			snprintf(c->missing, c->missinglen, "cannot read %s: %s",
			    path, strerror(errno));
		else
			config_err(c, n, "cannot read %s: %s", path,
			    strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 65536)
		buf_append(&b, chunk, got);
	fclose(f);
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	return buf_steal(&b, NULL);
}

static int
config_set_opt(struct config_ctx *c, const struct config_opt *o, void *base,
    const struct ynode *n)
{
	char	**sp = (char **)((char *)base + o->off);
	long	 *lp = (long *)((char *)base + o->off);
	char	 *end, *v;
	long	  l;

	if (config_expect(c, n, YNODE_SCALAR, o->key) == -1)
		return -1;
	switch (o->type) {
	case CONFIG_STR:
		free(*sp);
		*sp = xstrdup(n->value);
		return 0;
	case CONFIG_LONG:
		errno = 0;
		l = strtol(n->value, &end, 10);
		if (n->value[0] == '\0' || *end != '\0' || errno != 0) {
			config_err(c, n, "%s must be an integer, not \"%s\"",
			    o->key, n->value);
			return -1;
		}
		if (l < o->min || l > o->max) {
			config_err(c, n, "%s must be between %ld and %ld, not %ld",
			    o->key, o->min, o->max, l);
			return -1;
		}
		*lp = l;
		return 0;
	case CONFIG_ENV:
		if ((v = getenv(n->value)) == NULL) {
			if (c->missing != NULL) {
				snprintf(c->missing, c->missinglen, "%s: "
				    "environment variable %s is not set",
				    o->key, n->value);
				return 0;
			}
			config_err(c, n, "%s: environment variable %s is not set",
			    o->key, n->value);
			return -1;
		}
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case CONFIG_FILE:
		if ((v = config_read_secret(c, n)) == NULL)
			return c->missing != NULL ? 0 : -1;
		free(*sp);
		*sp = v;
		return 0;
	}
	return -1;
}

/* Applies a table of options to a map node; unknown keys are errors. */
int
config_section(struct config_ctx *c, const struct ynode *map,
    const struct config_opt *opts, void *base, const char *what)
{
	const struct config_opt	*o;
	size_t			 i;
	int			 rc = 0;

	if (map != NULL && config_expect(c, map, YNODE_MAP, what) == -1)
		map = NULL, rc = -1;
	for (o = opts; o->key != NULL; o++) {
		if (o->def == NULL)
			continue;
		struct ynode def = { .type = YNODE_SCALAR,
		    .value = (char *)(uintptr_t)o->def };
		config_set_opt(c, o, base, &def);
	}
	for (i = 0; map != NULL && i < map->n; i++) {
		for (o = opts; o->key != NULL; o++) {
			if (strcmp(o->key, map->keys[i]->value) == 0)
				break;
		}
		if (o->key == NULL) {
			const char	*known[64];
			size_t		 k;

			for (k = 0; opts[k].key != NULL && k < 64; k++)
				known[k] = opts[k].key;
			config_unknown(c, map->keys[i], "key",
			    map->keys[i]->value, what, known, k);
			rc = -1;
		} else if (config_set_opt(c, o, base, map->items[i]) == -1)
			rc = -1;
	}
	return rc;
}

/* A string, or a list of strings, as a NULL-free array. */
int
config_strings(struct config_ctx *c, const struct ynode *n, const char *what,
    char ***out, size_t *nout)
{
	size_t	i;

	*out = NULL;
	*nout = 0;
	if (n->type == YNODE_SCALAR) {
		*out = xcalloc(1, sizeof **out);
		(*out)[0] = xstrdup(n->value);
		*nout = 1;
		return 0;
	}
	if (config_expect(c, n, YNODE_SEQ, what) == -1)
		return -1;
	*out = xcalloc(n->n, sizeof **out);
	for (i = 0; i < n->n; i++) {
		if (config_expect(c, n->items[i], YNODE_SCALAR, what) == -1)
			return -1;
		(*out)[(*nout)++] = xstrdup(n->items[i]->value);
	}
	return 0;
}

static void
config_free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Parses redis://[user:pass@]host[:port][/db] and unix:///path[?db=N]. */
static int
config_redis_url(struct config_redis *r, char *err, size_t errlen)
{
	const char	*p, *at, *end, *q, *colon;
	char		*e;
	long		 l;

	r->port = 6379;
	r->db = 0;
	if (strncmp(r->url, "unix://", 7) == 0) {
		p = r->url + 7;
		if (*p != '/') {
			snprintf(err, errlen, "unix URL needs an absolute path");
			return -1;
		}
		q = strchr(p, '?');
		r->path = q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		if (q == NULL)
			return 0;
		/* the prefix first: "?" or "?d" end before q + 4 */
		if (strncmp(q, "?db=", 4) != 0 || q[4] == '\0')
			goto baddb;
		l = strtol(q + 4, &e, 10);
		if (*e != '\0' || l < 0 || l > 10000)
			goto baddb;
		r->db = (int)l;
		return 0;
	}
	if (strncmp(r->url, "redis://", 8) != 0) {
		snprintf(err, errlen, "redis url must start with redis:// or "
		    "unix://");
		return -1;
	}
	p = r->url + 8;
	end = p + strcspn(p, "/");
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		if ((colon = memchr(p, ':', (size_t)(at - p))) == NULL)
			r->password = xstrndup(p, (size_t)(at - p));
		else {
			if (colon > p)
				r->username = xstrndup(p, (size_t)(colon - p));
			r->password = xstrndup(colon + 1,
			    (size_t)(at - colon - 1));
		}
		p = at + 1;
	}
	if (*p == '[') {	/* [::1]:6379 */
		if ((q = memchr(p, ']', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "unclosed [ in the redis url");
			return -1;
		}
		r->host = xstrndup(p + 1, (size_t)(q - p - 1));
		p = q + 1;
	} else {
		q = p + strcspn(p, ":/");
		r->host = xstrndup(p, (size_t)(q - p));
		p = q;
	}
	if (*r->host == '\0') {
		snprintf(err, errlen, "the redis url has no host");
		return -1;
	}
	if (*p == ':') {
		l = strtol(p + 1, &e, 10);
		if (e == p + 1 || (*e != '/' && *e != '\0') || l < 1 ||
		    l > 65535) {
			snprintf(err, errlen, "bad port in the redis url");
			return -1;
		}
		r->port = (int)l;
		p = e;
	}
	if (*p == '/' && p[1] != '\0') {
		l = strtol(p + 1, &e, 10);
		if (*e != '\0' || l < 0 || l > 10000)
			goto baddb;
		r->db = (int)l;
	}
	return 0;
baddb:
	snprintf(err, errlen, "bad database number in the redis url");
	return -1;
}

static int
config_redis(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	struct config_redis	*r = &cf->redis;
	char			 host[256], err[256];
	const char		*env;
	char			*file_pw;	/* from password_env/_file */

	int			 rc;

	rc = config_section(c, n, config_redis_opts, r, "redis");
	file_pw = r->password;
	r->password = NULL;
	if (config_redis_url(r, err, sizeof err) == -1) {
		free(file_pw);
		config_err(c, ynode_get(n, "url"), "%s", err);
		return -1;
	}
	if (file_pw != NULL) {
		free(r->password);
		r->password = file_pw;
	}
	if ((env = getenv("RELAIS_CONSUMER")) != NULL && *env != '\0') {
		free(r->consumer);
		r->consumer = xstrdup(env);
	}
	if (r->consumer == NULL || *r->consumer == '\0') {
		if (gethostname(host, sizeof host) == -1)
			snprintf(host, sizeof host, "relais");
		host[sizeof host - 1] = '\0';
		free(r->consumer);
		r->consumer = xstrdup(host);
	}
	return rc;
}

static int
config_gateway_allowed(const char *allowed, const char *key)
{
	size_t	len = strlen(key);
	const char *p = allowed;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == allowed || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

static int
config_gateway_one(struct config_ctx *c, struct config_gateway *g,
    const struct ynode *key, const struct ynode *n)
{
	size_t	i, k;
	int	rc = 0;

	g->name = xstrdup(key->value);
	g->line = key->line;
	g->col = key->col;
	c->missing = g->missing;
	c->missinglen = sizeof g->missing;
	rc = config_section(c, n, config_gateway_opts, g, "gateway");
	c->missing = NULL;
	if (rc == -1)
		return -1;
	if (g->kind == NULL) {
		config_err(c, key, "gateway \"%s\" has no kind", g->name);
		return -1;
	}
	for (k = 0; k < sizeof config_gateway_kinds / sizeof *config_gateway_kinds; k++) {
		if (strcmp(config_gateway_kinds[k].kind, g->kind) == 0)
			break;
	}
	if (k == sizeof config_gateway_kinds / sizeof *config_gateway_kinds) {
		const char *kinds[sizeof config_gateway_kinds /
		    sizeof *config_gateway_kinds];

		for (k = 0; k < sizeof kinds / sizeof *kinds; k++)
			kinds[k] = config_gateway_kinds[k].kind;
		config_unknown(c, ynode_get(n, "kind"), "gateway kind", g->kind,
		    NULL, kinds, k);
		return -1;
	}
	for (i = 0; i < n->n; i++) {
		const char *kk = n->keys[i]->value;

		if (strcmp(kk, "kind") == 0 || strcmp(kk, "max_concurrency") == 0 ||
		    strstr(kk, "timeout_ms") != NULL ||
		    strncmp(kk, "breaker_", 8) == 0 ||
		    strncmp(kk, "rate_", 5) == 0)
			continue;
		if (!config_gateway_allowed(config_gateway_kinds[k].allowed, kk)) {
			config_err(c, n->keys[i], "key \"%s\" does not apply to "
			    "a gateway of kind %s (its keys: %s)", kk, g->kind,
			    config_gateway_kinds[k].allowed);
			rc = -1;
		}
	}
	if (strcmp(config_gateway_kinds[k].required, "api_key") == 0) {
		/* a secret: from the environment or a file, never the YAML */
		if (ynode_get(n, "api_key_env") == NULL &&
		    ynode_get(n, "api_key_file") == NULL) {
			config_err(c, key, "gateway \"%s\" (%s) needs api_key_env "
			    "or api_key_file", g->name, g->kind);
			rc = -1;
		}
	} else if (ynode_get(n, config_gateway_kinds[k].required) == NULL) {
		config_err(c, key, "gateway \"%s\" (%s) needs \"%s\"", g->name,
		    g->kind, config_gateway_kinds[k].required);
		rc = -1;
	}
	if (strcmp(g->kind, "twilio") == 0 && g->auth_token == NULL &&
	    g->missing[0] == '\0' && rc == 0) {
		config_err(c, key, "gateway \"%s\" (twilio) needs auth_token_env "
		    "or auth_token_file", g->name);
		rc = -1;
	}
	if (strcmp(g->kind, "mailgun") == 0 && g->domain == NULL && rc == 0) {
		config_err(c, key, "gateway \"%s\" (mailgun) needs \"domain\"",
		    g->name);
		rc = -1;
	}
	if (strcmp(g->kind, "smtp") == 0) {
		if (g->url != NULL && strncmp(g->url, "smtp://", 7) != 0 &&
		    strncmp(g->url, "smtps://", 8) != 0) {
			config_err(c, ynode_get(n, "url"), "smtp url must start "
			    "with smtp:// or smtps://");
			rc = -1;
		}
		if (g->starttls != NULL && strcmp(g->starttls, "true") != 0 &&
		    strcmp(g->starttls, "false") != 0) {
			config_err(c, ynode_get(n, "starttls"), "starttls must be "
			    "true or false");
			rc = -1;
		}
	} else if (g->url != NULL && strncmp(g->url, "http://", 7) != 0 &&
	    strncmp(g->url, "https://", 8) != 0) {
		config_err(c, ynode_get(n, "url"),
		    "gateway url must start with http:// or https://");
		rc = -1;
	}
	return rc;
}

static int
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

/* A scalar string member of a map, or NULL; type errors are reported. */
const char *
config_scalar(struct config_ctx *c, const struct ynode *map, const char *key)
{
	const struct ynode	*n = ynode_get(map, key);

	if (n == NULL)
		return NULL;
	if (config_expect(c, n, YNODE_SCALAR, key) == -1)
		return NULL;
	return n->value;
}

char *
config_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
config_keys_known(struct config_ctx *c, const struct ynode *map,
    const char *const *known, const char *what)
{
	size_t	i, k;
	int	rc = 0;

	for (i = 0; i < map->n; i++) {
		for (k = 0; known[k] != NULL; k++) {
			if (strcmp(known[k], map->keys[i]->value) == 0)
				break;
		}
		if (known[k] == NULL) {
			for (k = 0; known[k] != NULL; k++)
				;
			config_unknown(c, map->keys[i], "key",
			    map->keys[i]->value, what, known, k);
			rc = -1;
		}
	}
	return rc;
}

#define A(f)	offsetof(struct config, f)
static const struct config_opt config_admin_opts[] = {
	{ "listen", CONFIG_STR, A(admin_listen), 0, 0, NULL },
	{ "public_url", CONFIG_STR, A(public_url), 0, 0, NULL },
	{ "unsubscribe_secret_env", CONFIG_ENV, A(unsub_secret), 0, 0, NULL },
	{ "unsubscribe_secret_file", CONFIG_FILE, A(unsub_secret), 0, 0, NULL },
	{ "twilio_gateway", CONFIG_STR, A(twilio_gateway), 0, 0, NULL },
	{ "twilio_replay_days", CONFIG_LONG, A(twilio_replay_days), 1, 3650,
	    "30" },
	{ "rate_per_s", CONFIG_LONG, A(admin_rate_per_s), 0, 100000, "10" },
	{ "rate_burst", CONFIG_LONG, A(admin_rate_burst), 1, 100000, "50" },
	{ "max_connections", CONFIG_LONG, A(admin_max_connections), 1, 1000000,
	    "512" },
	{ "request_timeout_ms", CONFIG_LONG, A(admin_request_timeout_ms), 100,
	    600000, "10000" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef A

/*
 * admin.trusted_proxies: addresses and CIDR blocks whose X-Forwarded-For is
 * believed. A list, where the table above takes scalars: n is the admin
 * map, the table gets a copy without this key in *view (freed by the
 * caller).
 */
static int
config_admin_proxies(struct config_ctx *c, struct config *cf,
    const struct ynode *n, struct ynode *view)
{
	const struct ynode	*p = NULL;
	char			**v = NULL, err[256];
	size_t			 i, nv = 0;
	int			 rc = 0;

	*view = *n;
	view->keys = xcalloc(n->n + 1, sizeof *view->keys);
	view->items = xcalloc(n->n + 1, sizeof *view->items);
	view->n = 0;
	for (i = 0; i < n->n; i++) {
		if (strcmp(n->keys[i]->value, "trusted_proxies") == 0) {
			p = n->items[i];
			continue;
		}
		view->keys[view->n] = n->keys[i];
		view->items[view->n++] = n->items[i];
	}
	if (p == NULL)
		return 0;
	if (config_strings(c, p, "trusted_proxies", &v, &nv) == -1)
		rc = -1;
	cf->admin_proxies = xcalloc(nv + 1, sizeof *cf->admin_proxies);
	for (i = 0; i < nv; i++) {
		if (admin_net_parse(v[i], &cf->admin_proxies[cf->admin_nproxies],
		    err, sizeof err) == -1) {
			config_err(c, p->type == YNODE_SEQ ? p->items[i] : p,
			    "trusted_proxies: %s", err);
			rc = -1;
		} else
			cf->admin_nproxies++;
	}
	config_free_strings(v, nv);
	return rc;
}

/*
 * admin: listen, and what the public endpoints need: the URL the outside
 * world calls (unsubscribe links, Twilio's signatures), the unsubscribe
 * secret, which twilio gateway's auth token signs its webhooks, the
 * per-client rate limit and the proxies trusted to name the client; and
 * the port's flood guards (max_connections, request_timeout_ms).
 */
static int
config_admin(struct config_ctx *c, struct config *cf, const struct ynode *n,
    const char **listen)
{
	struct ynode	view;
	int		rc = 0;

	if (n != NULL && n->type == YNODE_MAP) {
		rc |= config_admin_proxies(c, cf, n, &view);
		rc |= config_section(c, &view, config_admin_opts, cf, "admin");
		free(view.keys);
		free(view.items);
	} else
		rc = config_section(c, n, config_admin_opts, cf, "admin");
	*listen = cf->admin_listen;
	cf->admin_listen = NULL;	/* set by the caller, with its default */
	if (cf->unsub_secret != NULL && strlen(cf->unsub_secret) < 16) {
		config_err(c, n, "the unsubscribe secret must be at least 16 "
		    "bytes");
		rc = -1;
	}
	if (cf->public_url != NULL && strncmp(cf->public_url, "https://", 8) != 0 &&
	    strncmp(cf->public_url, "http://", 7) != 0) {
		config_err(c, ynode_get(n, "public_url"), "public_url must start "
		    "with https:// or http://");
		rc = -1;
	}
	return rc;
}

/* An optional true/false key of a map. */
int
config_bool(struct config_ctx *c, const struct ynode *map, const char *key,
    int *out)
{
	const struct ynode	*n = ynode_get(map, key);

	*out = 0;
	if (n == NULL)
		return 0;
	if (n->type == YNODE_SCALAR && strcmp(n->value, "true") == 0)
		*out = 1;
	else if (n->type != YNODE_SCALAR || strcmp(n->value, "false") != 0) {
		config_err(c, n, "%s must be true or false", key);
		return -1;
	}
	return 0;
}

/* windows: {name: window}; holidays (top level) close every window. */
static int
config_windows(struct config_ctx *c, struct config *cf, const struct ynode *n,
    const struct ynode *holidays)
{
	size_t	i;
	int	rc = 0;

	if (n == NULL)
		return 0;
	if (config_expect(c, n, YNODE_MAP, "windows") == -1)
		return -1;
	cf->windows = xcalloc(n->n, sizeof *cf->windows);
	for (i = 0; i < n->n; i++) {
		struct config_window *w = &cf->windows[cf->nwindows];

		w->name = xstrdup(n->keys[i]->value);
		cf->nwindows++;
		if ((w->w = window_parse(n->items[i], holidays, clock_now_ms(),
		    c->file, c->diag)) == NULL)
			rc = -1;
	}
	return rc;
}

/* "unknown territory", with the closest id and the known ones. */
static void
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

static int
config_route_one(struct config_ctx *c, struct config *cf,
    struct config_route *r, const struct ynode *n)
{
	static const char *const known[] = { "match", "gateways", "template",
	    "max_segments", "window", "continue", "from", "from_name",
	    "reply_to", "fallback", "send", NULL };
	static const char *const match_keys[] = { "type", "role", "channel",
	    "territory", "language", NULL };
	const struct ynode	*m, *gws;
	size_t			 i;
	int			 rc = 0;

	r->line = n->line;
	r->col = n->col;
	if (config_expect(c, n, YNODE_MAP, "a route") == -1)
		return -1;
	rc |= config_keys_known(c, n, known, "a route");
	if ((m = ynode_get(n, "match")) != NULL &&
	    config_expect(c, m, YNODE_MAP, "match") == 0) {
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
	}
	r->template = config_dup(config_scalar(c, n, "template"));
	r->from = config_dup(config_scalar(c, n, "from"));
	r->from_name = config_dup(config_scalar(c, n, "from_name"));
	r->reply_to = config_dup(config_scalar(c, n, "reply_to"));
	rc |= config_bool(c, n, "continue", &r->cont);
	rc |= config_bool(c, n, "fallback", &r->fallback);
	if (ynode_get(n, "send") != NULL) {
		int send;

		rc |= config_bool(c, n, "send", &send);
		r->nosend = !send;
	}
	if (ynode_get(n, "window") != NULL) {
		const char *wn = config_scalar(c, n, "window");

		for (i = 0; wn != NULL && i < cf->nwindows; i++) {
			if (strcmp(cf->windows[i].name, wn) == 0)
				r->window = &cf->windows[i];
		}
		if (wn != NULL && r->window == NULL) {
			const char **names = xcalloc(cf->nwindows + 1,
			    sizeof *names);

			for (i = 0; i < cf->nwindows; i++)
				names[i] = cf->windows[i].name;
			config_unknown(c, ynode_get(n, "window"), "window", wn,
			    NULL, names, cf->nwindows);
			free(names);
			rc = -1;
		}
	}
	r->max_segments = 3;
	if (ynode_get(n, "max_segments") != NULL) {
		static const struct config_opt opt = { "max_segments",
		    CONFIG_LONG, 0, 1, 10, NULL };

		if (config_set_opt(c, &opt, &r->max_segments,
		    ynode_get(n, "max_segments")) == -1)
			rc = -1;
	}
	if (r->template == NULL && ynode_get(n, "send") == NULL) {
		config_err(c, n, "route has no template");
		rc = -1;
	}
	if (r->template == NULL)
		r->template = xstrdup("-");
	if ((gws = ynode_get(n, "gateways")) == NULL) {
		if (r->nosend)
			return rc;	/* it sends nothing: needs no gateway */
		config_err(c, n, "route has no gateways");
		return -1;
	}
	if (config_strings(c, gws, "gateways", &r->gateways, &r->ngateways) == -1)
		return -1;
	for (i = 0; i < r->ngateways; i++) {
		const struct config_gateway *g = config_gateway_find(cf,
		    r->gateways[i]);

		if (g != NULL && g->missing[0] != '\0') {
			config_err(c, gws->type == YNODE_SEQ ? gws->items[i] : gws,
			    "gateway \"%s\" cannot be used: %s", g->name,
			    g->missing);
			rc = -1;
		}
		if (g == NULL) {
			const char **names = xcalloc(cf->ngateways + 1,
			    sizeof *names);
			size_t k;

			for (k = 0; k < cf->ngateways; k++)
				names[k] = cf->gateways[k].name;
			config_unknown(c, gws->type == YNODE_SEQ ? gws->items[i] :
			    gws, "gateway", r->gateways[i], NULL, names,
			    cf->ngateways);
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

/*
 * Each route's template must exist in every language. Checked here so the
 * error points at the route's "template:" (render_load only knows the
 * directory); reported once per template name and language.
 */
static int
config_templates_exist(struct config_ctx *c, struct config *cf,
    const struct ynode *routes)
{
	static const char *const parts[] = { "subject", "txt", "sms" };
	const char	*name;
	char		 path[PATH_MAX];
	int		 has[3], rc = 0;
	size_t		 i, j, l, p;

	for (i = 0; i < cf->nroutes; i++) {
		name = cf->routes[i].template;
		if (cf->routes[i].nosend)
			continue;	/* renders nothing */
		for (j = 0; j < i; j++) {
			if (strcmp(cf->routes[j].template, name) == 0)
				break;
		}
		if (j < i)
			continue;
		for (l = 0; l < cf->nlanguages; l++) {
			for (p = 0; p < 3; p++) {
				snprintf(path, sizeof path, "%s/%s/%s.%s.mustache",
				    cf->templates_dir, cf->languages[l], name,
				    parts[p]);
				has[p] = access(path, F_OK) == 0;
			}
			if (!has[0] && !has[1] && !has[2]) {
				config_template_unknown(c, cf, ynode_get(
				    routes->items[i], "template"), name,
				    cf->languages[l]);
				rc = -1;
			} else if (has[0] != has[1]) {
				config_err(c, ynode_get(routes->items[i],
				    "template"), "template \"%s\" in %s has %s "
				    "but not %s", name, cf->languages[l],
				    has[0] ? "a subject" : "a text part",
				    has[0] ? "a text part (.txt)" :
				    "a subject (.subject)");
				rc = -1;
			}
		}
	}
	return rc;
}

/*
 * The NOC 2021 titles messages show (templates.noc_titles, relative to
 * the config file); the default file beside the config may be absent (the
 * codes are shown then), a file named explicitly may not.
 */
static int
config_noc(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	const struct ynode	*v = ynode_get(n, "noc_titles");
	const char		*path;
	struct buf		 b;
	char			 err[256];
	int			 rc = 0;

	if (v != NULL && (path = config_scalar(c, n, "noc_titles")) == NULL)
		return -1;
	if (v == NULL)
		path = "noc2021.tsv";
	if (*path == '\0')
		return 0;	/* "": no titles */
	buf_init(&b);
	if (path[0] == '/')
		buf_puts(&b, path);
	else
		buf_printf(&b, "%s/%s", c->dir, path);
	if (v == NULL && access(b.data, F_OK) == -1) {
		buf_free(&b);
		return 0;
	}
	if ((cf->noc = noc_load(b.data, err, sizeof err)) == NULL) {
		config_err(c, v, "templates noc_titles: %s: %s", b.data, err);
		rc = -1;
	}
	buf_free(&b);
	return rc;
}

static int
config_templates(struct config_ctx *c, struct config *cf,
    const struct ynode *n, const struct ynode *routes)
{
	static const char *const known[] = { "dir", "languages", "noc_titles",
	    "strict", NULL };
	const struct ynode	*langs;
	const char		*dir = NULL;
	struct buf		 b;
	struct diag		 tdiag;
	char			**names, **tids;
	size_t			 i, k, nt;
	int			 rc = 0;

	if (n != NULL && config_expect(c, n, YNODE_MAP, "templates") == 0) {
		rc |= config_keys_known(c, n, known, "templates");
		rc |= config_bool(c, n, "strict", &cf->templates_strict);
		dir = config_scalar(c, n, "dir");
	}
	buf_init(&b);
	if (dir == NULL)
		dir = "templates";
	if (dir[0] == '/')
		buf_puts(&b, dir);
	else
		buf_printf(&b, "%s/%s", c->dir, dir);
	cf->templates_dir = buf_steal(&b, NULL);
	if ((langs = ynode_get(n, "languages")) != NULL) {
		if (config_strings(c, langs, "languages", &cf->languages,
		    &cf->nlanguages) == -1)
			return -1;
	} else {
		cf->languages = xcalloc(2, sizeof *cf->languages);
		cf->languages[cf->nlanguages++] = xstrdup("fr");
		cf->languages[cf->nlanguages++] = xstrdup("en");
	}
	if (rc == -1 || config_templates_exist(c, cf, routes) == -1 ||
	    config_noc(c, cf, n) == -1)
		return -1;
	names = xcalloc(cf->nroutes + 1, sizeof *names);
	for (i = k = 0; i < cf->nroutes; i++) {
		if (!cf->routes[i].nosend)
			names[k++] = cf->routes[i].template;
	}
	nt = territory_set_count(cf->territories);
	tids = xcalloc(nt + 1, sizeof *tids);
	for (i = 0; i < nt; i++)
		tids[i] = territory_set_at(cf->territories, i)->id;
	diag_init(&tdiag);
	cf->render = render_load(cf->templates_dir, cf->languages,
	    cf->nlanguages, tids, nt, names, k, &tdiag);
	free(names);
	free(tids);
	if (cf->render == NULL) {
		diag_move(c->diag, &tdiag);
		return -1;
	}
	render_set_strict(cf->render, cf->templates_strict);
	return 0;
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
static int
config_claim_idle(struct config_ctx *c, const struct config *cf,
    const struct ynode *redis)
{
	const struct config_gateway	*g, *worst = NULL;
	size_t				 i;

	for (i = 0; i < cf->ngateways; i++) {
		g = &cf->gateways[i];
		/* only gateways a route can send through count */
		if (g->kind == NULL || strcmp(g->kind, "outbox") == 0 ||
		    g->missing[0] != '\0' || !config_gateway_used(cf, g->name))
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

static char *
config_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		 cwd[PATH_MAX];

	if (slash == NULL)
		return xstrdup(getcwd(cwd, sizeof cwd) != NULL ? cwd : ".");
	if (slash == path)
		return xstrdup("/");
	if (path[0] != '/' && getcwd(cwd, sizeof cwd) != NULL) {
		struct buf b;

		buf_init(&b);
		buf_printf(&b, "%s/%.*s", cwd, (int)(slash - path), path);
		return buf_steal(&b, NULL);
	}
	return xstrndup(path, (size_t)(slash - path));
}

struct config *
config_load(const char *path, struct diag *diag)
{
	static const char *const known[] = { "redis", "admin", "limits",
	    "gateways", "territories", "routes", "templates", "windows",
	    "holidays", "fallback_territory", "profiles", "followups",
	    "matching", "unsubscribe", "bounces", NULL };
	struct config_ctx	 c;
	struct config		*cf;
	struct ynode		*root;
	const char		*admin;
	size_t			 before = diag->n;
	int			 rc = 0;

	if ((root = ynode_load_file(path, diag)) == NULL)
		return NULL;
	cf = xcalloc(1, sizeof *cf);
	cf->path = xstrdup(path);
	cf->dir = config_dirname(path);
	c.file = path;
	c.dir = cf->dir;
	c.diag = diag;
	c.missing = NULL;
	c.missinglen = 0;
	c.warn = &cf->notes;
	if (config_expect(&c, root, YNODE_MAP, "the configuration") == -1)
		goto fail;
	rc |= config_keys_known(&c, root, known, "the configuration");
	rc |= config_redis(&c, cf, ynode_get(root, "redis"));
	rc |= config_section(&c, ynode_get(root, "limits"), config_limits_opts,
	    &cf->limits, "limits");
	if (cf->limits.backoff_cap_ms < cf->limits.backoff_base_ms) {
		config_err(&c, ynode_get(root, "limits"),
		    "backoff_cap_ms is smaller than backoff_base_ms");
		rc = -1;
	}
	admin = NULL;
	rc |= config_admin(&c, cf, ynode_get(root, "admin"), &admin);
	rc |= config_unsubscribe(&c, cf, ynode_get(root, "unsubscribe"));
	rc |= config_bounces(&c, cf, ynode_get(root, "bounces"));
	cf->admin_listen = xstrdup(admin != NULL ? admin : "127.0.0.1:9187");
	free((char *)(uintptr_t)admin);
	if (strcmp(cf->admin_listen, "off") != 0) {
		char	host[64], err[128];
		int	port;

		if (admin_listen_parse(cf->admin_listen, host, sizeof host, &port,
		    err, sizeof err) == -1) {
			config_err(&c, ynode_get(ynode_get(root, "admin"),
			    "listen"), "admin listen: %s (or \"off\")", err);
			rc = -1;
		}
	}
	rc |= config_gateways(&c, cf, ynode_get(root, "gateways"));
	rc |= config_territories(&c, cf, ynode_get(root, "territories"));
	if (ynode_get(root, "fallback_territory") != NULL) {
		const struct ynode *ft = ynode_get(root, "fallback_territory");

		cf->fallback_territory = config_dup(config_scalar(&c, root,
		    "fallback_territory"));
		if (cf->fallback_territory != NULL && rc == 0 &&
		    territory_find(cf->territories, cf->fallback_territory) ==
		    NULL) {
			config_unknown_territory(&c, cf, ft,
			    cf->fallback_territory);
			rc = -1;
		}
	}
	rc |= config_windows(&c, cf, ynode_get(root, "windows"),
	    ynode_get(root, "holidays"));
	if (rc == 0)
		rc |= config_territory_windows(&c, cf, ynode_get(root, "windows"),
		    ynode_get(root, "holidays"), ynode_get(root, "territories"));
	rc |= config_routes(&c, cf, ynode_get(root, "routes"));
	rc |= config_claim_idle(&c, cf, ynode_get(root, "redis"));
	rc |= config_handlers(&c, cf, root);
	if (cf->twilio_gateway != NULL) {
		const struct config_gateway *g = config_gateway_find(cf,
		    cf->twilio_gateway);

		if (g == NULL || strcmp(g->kind, "twilio") != 0) {
			config_err(&c, ynode_get(ynode_get(root, "admin"),
			    "twilio_gateway"), "\"%s\" is not a gateway of kind "
			    "twilio", cf->twilio_gateway);
			rc = -1;
		}
	}
	/*
	 * Some type errors (an optional scalar given as a map, ...) are reported
	 * without failing their section: anything reported fails the load.
	 */
	if (rc == 0 && diag->n == before)
		rc |= config_templates(&c, cf, ynode_get(root, "templates"),
		    ynode_get(root, "routes"));
	if (rc != 0 || diag->n != before)
		goto fail;
	/* valid: what it would send broken waits for config_check() */
	c.diag = &cf->checks;
	config_checks(&c, cf, root);
	ynode_free(root);
	return cf;
fail:
	ynode_free(root);
	config_free(cf);
	return NULL;
}

/*
 * What relaisctl's commands that only read or fix the queues need: the
 * redis section, checked as config_load() checks it, then admin.listen and
 * limits, left at their defaults when absent or broken. No other section is
 * read: no gateway secret, no template.
 */
struct config *
config_load_redis(const char *path, struct diag *diag)
{
	struct config_ctx	 c;
	struct config		*cf;
	struct ynode		*root;
	const struct ynode	*listen;
	struct diag		 rest;
	size_t			 before = diag->n;

	if ((root = ynode_load_file(path, diag)) == NULL)
		return NULL;
	cf = xcalloc(1, sizeof *cf);
	cf->path = xstrdup(path);
	cf->dir = config_dirname(path);
	memset(&c, 0, sizeof c);
	c.file = path;
	c.dir = cf->dir;
	c.diag = diag;
	if (config_expect(&c, root, YNODE_MAP, "the configuration") == -1 ||
	    config_redis(&c, cf, ynode_get(root, "redis")) != 0 ||
	    diag->n != before) {
		ynode_free(root);
		config_free(cf);
		return NULL;
	}
	diag_init(&rest);
	c.diag = &rest;
	if (config_section(&c, ynode_get(root, "limits"), config_limits_opts,
	    &cf->limits, "limits") != 0 || rest.n > 0)
		config_section(&c, NULL, config_limits_opts, &cf->limits,
		    "limits");
	diag_free(&rest);
	/* config_load()'s default, when the admin section says nothing */
	listen = ynode_get(ynode_get(root, "admin"), "listen");
	cf->admin_listen = xstrdup(listen != NULL && listen->type ==
	    YNODE_SCALAR ? listen->value : "127.0.0.1:9187");
	ynode_free(root);
	return cf;
}

/* Whether url ("scheme://host[:port]/...") names a loopback host. */
static int
config_url_loopback(const char *url)
{
	const char	*h = strstr(url, "://");
	size_t		 n;

	if (h == NULL)
		return 0;
	h += 3;
	if (strchr(h, '@') != NULL && strchr(h, '@') < h + strcspn(h, "/"))
		h = strchr(h, '@') + 1;
	n = strcspn(h, ":/");
	if (*h == '[')
		return strncmp(h, "[::1]", 5) == 0;
	return (n == 9 && strncmp(h, "localhost", 9) == 0) ||
	    strncmp(h, "127.", 4) == 0;
}

/* Appends a copy of every message of src to dst; returns how many. */
static size_t
config_diag_copy(struct diag *dst, const struct diag *src)
{
	size_t	i;

	for (i = 0; i < src->n; i++) {
		dst->msgs = xrealloc(dst->msgs, (dst->n + 1) * sizeof *dst->msgs);
		dst->msgs[dst->n++] = xstrdup(src->msgs[i]);
	}
	return src->n;
}

/* Found by config_checks() while loading: see config_check.c. */
size_t
config_check(const struct config *cf, struct diag *diag)
{
	return config_diag_copy(diag, &cf->checks);
}

size_t
config_warnings(const struct config *cf, struct diag *diag)
{
	const struct config_gateway	*g;
	size_t				 i, n = 0;
	int				 secret, clear;

	for (i = 0; i < cf->ngateways; i++) {
		g = &cf->gateways[i];
		if (g->url == NULL || g->missing[0] != '\0' ||
		    config_url_loopback(g->url))
			continue;
		secret = g->token != NULL || g->auth_token != NULL ||
		    g->password != NULL;
		clear = strncasecmp(g->url, "http://", 7) == 0 ||
		    (strncasecmp(g->url, "smtp://", 7) == 0 &&
		    g->starttls != NULL && strcmp(g->starttls, "false") == 0);
		if (secret && clear) {
			diag_add(diag, cf->path, g->line, g->col, "warning: "
			    "gateway %s sends its credentials and messages in "
			    "clear to %s: use https:// (or STARTTLS)", g->name,
			    g->url);
			n++;
		}
	}
	n += config_diag_copy(diag, &cf->notes);
	if (cf->public_url != NULL && strncasecmp(cf->public_url, "http://",
	    7) == 0 && !config_url_loopback(cf->public_url)) {
		diag_add(diag, cf->path, 0, 0, "warning: admin.public_url %s "
		    "is http://: unsubscribe links and Twilio's signed "
		    "webhooks would cross the network in clear",
		    cf->public_url);
		n++;
	}
	return n;
}

void
config_free(struct config *cf)
{
	struct config_redis	*r;
	size_t			 i;

	if (cf == NULL)
		return;
	r = &cf->redis;
	free(r->url);
	free(r->username);
	free(r->password);
	free(r->host);
	free(r->path);
	free(r->prefix);
	free(r->group);
	free(r->consumer);
	free(cf->admin_listen);
	free(cf->public_url);
	free(cf->unsub_secret);
	free(cf->admin_proxies);
	unsub_keys_free(cf->unsub_keys);
	config_bounces_free(cf);
	free(cf->twilio_gateway);
	for (i = 0; i < cf->ngateways; i++) {
		free(cf->gateways[i].name);
		free(cf->gateways[i].kind);
		free(cf->gateways[i].url);
		free(cf->gateways[i].path);
		free(cf->gateways[i].token);
		free(cf->gateways[i].account_sid);
		free(cf->gateways[i].auth_token);
		free(cf->gateways[i].messaging_service_sid);
		free(cf->gateways[i].status_callback);
		free(cf->gateways[i].ca_file);
		free(cf->gateways[i].domain);
		free(cf->gateways[i].username);
		free(cf->gateways[i].password);
		free(cf->gateways[i].starttls);
	}
	free(cf->gateways);
	territory_set_free(cf->territories);
	for (i = 0; i < cf->nroutes; i++) {
		struct config_route *rt = &cf->routes[i];

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
	for (i = 0; i < cf->nwindows; i++) {
		free(cf->windows[i].name);
		window_free(cf->windows[i].w);
	}
	free(cf->windows);
	free(cf->fallback_territory);
	config_handlers_free(cf);
	free(cf->templates_dir);
	config_free_strings(cf->languages, cf->nlanguages);
	render_free(cf->render);
	noc_free(cf->noc);
	diag_free(&cf->checks);
	diag_free(&cf->notes);
	free(cf->path);
	free(cf->dir);
	free(cf);
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
