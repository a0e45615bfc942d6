/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration loader: YAML tree to validated structs, every error with its position. */
#include <limits.h>
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
#include "territory.h"
#include "unsub.h"
#include "window.h"
#include "words.h"
#include "ynode.h"

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
		rc |= config_nets(c, n, "trusted_proxies", &cf->admin_proxies,
		    &cf->admin_nproxies, &view);
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
 * templates.languages, read before the territories: the first is the
 * language of a territory that names none, and what relais writes in when
 * nothing else fits. Without the key: French, then English.
 */
static int
config_languages(struct config_ctx *c, struct config *cf,
    const struct ynode *n)
{
	const struct ynode	*langs;

	if ((langs = ynode_get(n, "languages")) == NULL) {
		cf->languages = xcalloc(2, sizeof *cf->languages);
		cf->languages[cf->nlanguages++] = xstrdup("fr");
		cf->languages[cf->nlanguages++] = xstrdup("en");
		return 0;
	}
	if (config_strings(c, langs, "languages", &cf->languages,
	    &cf->nlanguages) == -1)
		return -1;
	if (cf->nlanguages == 0) {
		config_err(c, langs, "templates languages: name one at least "
		    "(relais writes in the first when nothing else fits)");
		return -1;
	}
	return 0;
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
	if ((cf->words = words_load(cf->templates_dir, cf->languages,
	    cf->nlanguages, c->diag)) == NULL)
		return -1;
	for (i = 0; i < cf->nlanguages; i++) {
		if (!words_has(cf->words, cf->languages[i]))
			config_warn(c, ynode_get(n, "languages"), "templates: "
			    "no %s/%s/words.yaml: messages in %s show dates as "
			    "2026-12-01, languages as codes, lists joined by "
			    "commas", cf->templates_dir, cf->languages[i],
			    cf->languages[i]);
	}
	return 0;
}

/* admin.listen, once the other admin keys were read: host:port, or "off". */
static int
config_admin_listen(struct config_ctx *c, struct config *cf,
    const struct ynode *n, const char *admin)
{
	char	host[64], err[128];
	int	port;

	cf->admin_listen = xstrdup(admin != NULL ? admin : "127.0.0.1:9187");
	free((char *)(uintptr_t)admin);
	if (strcmp(cf->admin_listen, "off") == 0 ||
	    admin_listen_parse(cf->admin_listen, host, sizeof host, &port, err,
	    sizeof err) == 0)
		return 0;
	config_err(c, ynode_get(n, "listen"), "admin listen: %s (or \"off\")",
	    err);
	return -1;
}

/*
 * fallback_territory: a known territory, checked only when the sections
 * before are good (rc), since an error in territories would make it unknown.
 */
static int
config_fallback(struct config_ctx *c, struct config *cf,
    const struct ynode *root, int rc)
{
	cf->fallback_territory = config_dup(config_scalar(c, root,
	    "fallback_territory"));
	if (cf->fallback_territory == NULL || rc != 0 ||
	    territory_find(cf->territories, cf->fallback_territory) != NULL)
		return 0;
	config_unknown_territory(c, cf, ynode_get(root, "fallback_territory"),
	    cf->fallback_territory);
	return -1;
}

/* admin.twilio_gateway: its auth token checks Twilio's signed webhooks. */
static int
config_twilio_gateway(struct config_ctx *c, const struct config *cf,
    const struct ynode *admin)
{
	const struct config_gateway *g = config_gateway_find(cf,
	    cf->twilio_gateway);

	if (g != NULL && g->kind != NULL && strcmp(g->kind, "twilio") == 0)
		return 0;
	config_err(c, ynode_get(admin, "twilio_gateway"), "\"%s\" is not a "
	    "gateway of kind twilio", cf->twilio_gateway);
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
	    "matching", "unsubscribe", "bounces", "console", NULL };
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
	rc |= config_admin_listen(&c, cf, ynode_get(root, "admin"), admin);
	rc |= config_console(&c, cf, ynode_get(root, "console"));
	rc |= config_gateways(&c, cf, ynode_get(root, "gateways"));
	if (config_languages(&c, cf, ynode_get(root, "templates")) == -1)
		rc = -1;
	else
		rc |= config_territories(&c, cf, ynode_get(root,
		    "territories"));
	if (ynode_get(root, "fallback_territory") != NULL)
		rc |= config_fallback(&c, cf, root, rc);
	rc |= config_windows(&c, cf, ynode_get(root, "windows"),
	    ynode_get(root, "holidays"));
	if (rc == 0)
		rc |= config_territory_windows(&c, cf, ynode_get(root, "windows"),
		    ynode_get(root, "holidays"), ynode_get(root, "territories"));
	rc |= config_routes(&c, cf, ynode_get(root, "routes"));
	rc |= config_claim_idle(&c, cf, ynode_get(root, "redis"));
	rc |= config_handlers(&c, cf, root);
	if (cf->twilio_gateway != NULL)
		rc |= config_twilio_gateway(&c, cf, ynode_get(root, "admin"));
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
	/* relaisctl console-user writes it; a bad one is said when used */
	(void)config_console_users_file(&c, cf, ynode_get(root, "console"));
	ynode_free(root);
	return cf;
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

/* A gateway's kind warned while it was read (gw_kind_clear), as others did. */
size_t
config_warnings(const struct config *cf, struct diag *diag)
{
	size_t	n;

	n = config_diag_copy(diag, &cf->notes);
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
	config_console_free(cf);
	free(cf->twilio_gateway);
	config_gateways_free(cf);
	territory_set_free(cf->territories);
	config_routes_free(cf);
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
	words_free(cf->words);
	noc_free(cf->noc);
	diag_free(&cf->checks);
	diag_free(&cf->notes);
	free(cf->path);
	free(cf->dir);
	free(cf);
}
