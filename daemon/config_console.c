/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration of the web console (console:): listener, users file, secret, cookies, proxies. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "ynode.h"

/* An HMAC-SHA256 key shorter than its output weakens every cookie. */
#define CONFIG_CONSOLE_SECRET_MIN	32
#define CONFIG_CONSOLE_USERS		"console-users"

/* What the table reads before the checks turn it into struct config_console. */
struct config_console_raw {
	char	*listen;
	char	*users_file;
	char	*secret;
	char	*secret_env;	/* the secret, read from the variable named */
	char	*secret_file;	/* the secret, read from the file named */
	char	*secure;
	long	 session_ttl_s;
	long	 max_connections;
	long	 request_timeout_ms;
};

#define R(f)	offsetof(struct config_console_raw, f)
static const struct config_opt config_console_opts[] = {
	{ "listen", CONFIG_STR, R(listen), 0, 0, NULL },
	{ "users_file", CONFIG_STR, R(users_file), 0, 0, NULL },
	{ "secret", CONFIG_STR, R(secret), 0, 0, NULL },
	{ "secret_env", CONFIG_ENV, R(secret_env), 0, 0, NULL },
	{ "secret_file", CONFIG_FILE, R(secret_file), 0, 0, NULL },
	{ "secure_cookies", CONFIG_STR, R(secure), 0, 0, "auto" },
	{ "session_ttl_s", CONFIG_LONG, R(session_ttl_s), 60, 2592000,
	    "28800" },
	{ "max_connections", CONFIG_LONG, R(max_connections), 1, 100000,
	    "64" },
	{ "request_timeout_ms", CONFIG_LONG, R(request_timeout_ms), 100,
	    600000, "10000" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef R

/*
 * A list of addresses and CIDR blocks under key of map n (the console's
 * trusted_proxies, and admin's: config.c calls it, this file calls nothing
 * of config.c) into *nets. Such a list sits among scalars
 * the option tables read: *view gets a copy of n without key (its arrays
 * freed by the caller).
 */
int
config_nets(struct config_ctx *c, const struct ynode *n, const char *key,
    struct admin_net **nets, size_t *nnets, struct ynode *view)
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
		if (strcmp(n->keys[i]->value, key) == 0) {
			p = n->items[i];
			continue;
		}
		view->keys[view->n] = n->keys[i];
		view->items[view->n++] = n->items[i];
	}
	if (p == NULL)
		return 0;
	if (config_strings(c, p, key, &v, &nv) == -1)
		rc = -1;
	*nets = xcalloc(nv + 1, sizeof **nets);
	for (i = 0; i < nv; i++) {
		if (admin_net_parse(v[i], &(*nets)[*nnets], err,
		    sizeof err) == -1) {
			config_err(c, p->type == YNODE_SEQ ? p->items[i] : p,
			    "%s: %s", key, err);
			rc = -1;
		} else
			(*nnets)++;
	}
	config_free_strings(v, nv);
	return rc;
}

/* A secret's bytes are wiped before they are let go. */
static void
config_console_wipe(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* users_file as an absolute path: relative ones from the config's directory. */
static char *
config_console_path(const struct config_ctx *c, const char *file)
{
	struct buf	b;

	if (file[0] == '/')
		return xstrdup(file);
	buf_init(&b);
	buf_printf(&b, "%s/%s", c->dir, file);
	return buf_steal(&b, NULL);
}

/* The one secret of secret, secret_env and secret_file (NULL: none). */
static int
config_console_secret(struct config_ctx *c, const struct ynode *n,
    struct config_console_raw *raw, char **secret)
{
	int	nset = (raw->secret != NULL) + (raw->secret_env != NULL) +
		    (raw->secret_file != NULL);

	*secret = NULL;
	if (nset > 1) {
		config_err(c, n, "console: secret, secret_env and secret_file: "
		    "give one");
		return -1;
	}
	if (raw->secret != NULL)
		*secret = raw->secret, raw->secret = NULL;
	else if (raw->secret_env != NULL)
		*secret = raw->secret_env, raw->secret_env = NULL;
	else if (raw->secret_file != NULL)
		*secret = raw->secret_file, raw->secret_file = NULL;
	return 0;
}

/* secure_cookies: auto, true or false. */
static int
config_console_secure(struct config_ctx *c, const struct ynode *n,
    const char *v, enum config_secure *out)
{
	if (strcmp(v, "auto") == 0)
		*out = CONFIG_SECURE_AUTO;
	else if (strcmp(v, "true") == 0)
		*out = CONFIG_SECURE_ALWAYS;
	else if (strcmp(v, "false") == 0)
		*out = CONFIG_SECURE_NEVER;
	else {
		config_err(c, ynode_get(n, "secure_cookies"), "console: "
		    "secure_cookies must be auto, true or false, not \"%s\"",
		    v);
		return -1;
	}
	return 0;
}

/* listen: absent or "off", or a numeric host:port. */
static int
config_console_listen(struct config_ctx *c, const struct ynode *n,
    struct config_console *cc, char *listen)
{
	char	host[64], err[128];
	int	port;

	if (listen == NULL || strcmp(listen, "off") == 0) {
		free(listen);
		return 0;
	}
	if (admin_listen_parse(listen, host, sizeof host, &port, err,
	    sizeof err) == -1) {
		config_err(c, ynode_get(n, "listen"), "console listen: %s (or "
		    "\"off\")", err);
		free(listen);
		return -1;
	}
	cc->listen = listen;
	/* a password typed into a page sent in clear: say so */
	if (strncmp(host, "127.", 4) != 0 && strcmp(host, "::1") != 0 &&
	    cc->secure_cookies != CONFIG_SECURE_ALWAYS &&
	    (cc->secure_cookies == CONFIG_SECURE_NEVER || cc->nproxies == 0))
		config_warn(c, ynode_get(n, "listen"), "console.listen %s is "
		    "not loopback: passwords and session cookies cross the "
		    "network in clear unless a TLS proxy is in front (then set "
		    "secure_cookies: true, or trusted_proxies for auto)",
		    listen);
	return 0;
}

/*
 * console: {listen, users_file, secret | secret_env | secret_file,
 * session_ttl_s, secure_cookies, trusted_proxies, max_connections,
 * request_timeout_ms}. Off unless listen is set; when on, the secret must
 * be there, CONFIG_CONSOLE_SECRET_MIN bytes at least.
 */
int
config_console(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	struct config_console		*cc = &cf->console;
	struct config_console_raw	 raw;
	struct ynode			 view;
	int				 rc = 0;

	memset(&raw, 0, sizeof raw);
	if (n != NULL && config_expect(c, n, YNODE_MAP, "console") == -1) {
		n = NULL;
		rc = -1;
	}
	if (n != NULL) {
		rc |= config_nets(c, n, "trusted_proxies", &cc->proxies,
		    &cc->nproxies, &view);
		rc |= config_section(c, &view, config_console_opts, &raw,
		    "console");
		free(view.keys);
		free(view.items);
	} else
		rc |= config_section(c, NULL, config_console_opts, &raw,
		    "console");
	cc->session_ttl_s = raw.session_ttl_s;
	cc->max_connections = raw.max_connections;
	cc->request_timeout_ms = raw.request_timeout_ms;
	cc->users_file = config_console_path(c, raw.users_file != NULL ?
	    raw.users_file : CONFIG_CONSOLE_USERS);
	rc |= config_console_secret(c, n, &raw, &cc->secret);
	if (raw.secure != NULL)
		rc |= config_console_secure(c, n, raw.secure,
		    &cc->secure_cookies);
	rc |= config_console_listen(c, n, cc, raw.listen);
	raw.listen = NULL;
	if (cc->listen != NULL && rc == 0 && cc->secret == NULL) {
		config_err(c, n, "console: listen is set but no secret "
		    "(secret, secret_env or secret_file; %d bytes at least, "
		    "e.g. openssl rand -hex 32)", CONFIG_CONSOLE_SECRET_MIN);
		rc = -1;
	} else if (cc->listen != NULL && cc->secret != NULL &&
	    strlen(cc->secret) < CONFIG_CONSOLE_SECRET_MIN) {
		config_err(c, n, "console: the secret is %zu bytes, it must be "
		    "%d at least (e.g. openssl rand -hex 32)",
		    strlen(cc->secret), CONFIG_CONSOLE_SECRET_MIN);
		rc = -1;
	}
	free(raw.users_file);
	free(raw.secure);
	config_console_wipe(raw.secret);
	config_console_wipe(raw.secret_env);
	config_console_wipe(raw.secret_file);
	return rc;
}

/*
 * console.users_file alone, for relaisctl's config_load_redis(): the
 * default when absent; nothing else of the section is read, so no secret.
 */
int
config_console_users_file(struct config_ctx *c, struct config *cf,
    const struct ynode *n)
{
	const struct ynode	*f = ynode_get(n, "users_file");

	free(cf->console.users_file);
	if (f != NULL && f->type == YNODE_SCALAR && f->value[0] != '\0') {
		cf->console.users_file = config_console_path(c, f->value);
		return 0;
	}
	cf->console.users_file = config_console_path(c, CONFIG_CONSOLE_USERS);
	return f == NULL ? 0 : -1;
}

void
config_console_free(struct config *cf)
{
	struct config_console	*cc = &cf->console;

	free(cc->listen);
	free(cc->users_file);
	config_console_wipe(cc->secret);
	free(cc->proxies);
	memset(cc, 0, sizeof *cc);
}
