/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration of the email providers' webhooks: their secrets, the signed timestamps' window, the replay memory. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "evhook.h"
#include "ynode.h"

#define B(f)	offsetof(struct config_bounces, f)
static const struct config_opt config_bounces_opts[] = {
	/* SendGrid documents no window; Mailgun none either: 5 minutes */
	{ "max_age_s", CONFIG_LONG, B(max_age_s), 30, 86400, "300" },
	/* SendGrid retries for a day, Mailgun 8 h, Brevo 11 h: well past */
	{ "replay_days", CONFIG_LONG, B(replay_days), 1, 3650, "30" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef B

/* One provider's map while it is read: its one secret. */
struct config_bounces_secret {
	char	*secret;
};

#define S(f)	offsetof(struct config_bounces_secret, f)
static const struct config_opt config_bounces_sendgrid[] = {
	{ "public_key_env", CONFIG_ENV, S(secret), 0, 0, NULL },
	{ "public_key_file", CONFIG_FILE, S(secret), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct config_opt config_bounces_mailgun[] = {
	{ "signing_key_env", CONFIG_ENV, S(secret), 0, 0, NULL },
	{ "signing_key_file", CONFIG_FILE, S(secret), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct config_opt config_bounces_brevo[] = {
	{ "token_env", CONFIG_ENV, S(secret), 0, 0, NULL },
	{ "token_file", CONFIG_FILE, S(secret), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef S

/* The providers, in evhook.h's order: their key and secret options. */
static const struct {
	const char		*name;
	const struct config_opt	*opts;
	const char		*what;	/* "bounces.sendgrid" */
} config_bounces_providers[EVHOOK_NPROVIDERS] = {
	[EVHOOK_SENDGRID] = { "sendgrid", config_bounces_sendgrid,
	    "bounces.sendgrid" },
	[EVHOOK_MAILGUN] = { "mailgun", config_bounces_mailgun,
	    "bounces.mailgun" },
	[EVHOOK_BREVO] = { "brevo", config_bounces_brevo, "bounces.brevo" },
};

static void
config_bounces_wipe(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/*
 * One provider's map: exactly one of its _env and _file keys, whose secret
 * evhook can use (SendGrid's key is parsed here, so that --check tells a
 * mistyped key). *out gets the secret, or stays NULL on error.
 */
static int
config_bounces_one(struct config_ctx *c, enum evhook_provider p,
    const struct ynode *n, char **out)
{
	const struct config_opt		*o;
	const char			*what;
	struct config_bounces_secret	 s = { NULL };
	const struct ynode		*at;
	struct evhook_key		*k;
	char				 err[256];
	int				 rc;

	o = config_bounces_providers[p].opts;
	what = config_bounces_providers[p].what;
	if (config_expect(c, n, YNODE_MAP, what) == -1)
		return -1;
	rc = config_section(c, n, o, &s, what);
	at = ynode_get(n, o[0].key) != NULL ? ynode_get(n, o[0].key) :
	    ynode_get(n, o[1].key);
	if (ynode_get(n, o[0].key) != NULL && ynode_get(n, o[1].key) != NULL) {
		config_err(c, n, "%s has %s or %s, not both", what, o[0].key,
		    o[1].key);
		rc = -1;
	} else if (rc == 0 && s.secret == NULL) {
		config_err(c, n, "%s needs %s or %s (a secret never sits in "
		    "the file)", what, o[0].key, o[1].key);
		rc = -1;
	} else if (rc == 0) {
		k = evhook_key_new(p, s.secret, err, sizeof err);
		if (k == NULL) {
			config_err(c, at, "%s: %s", what, err);
			rc = -1;
		}
		evhook_key_free(k);
	}
	if (rc == 0)
		*out = s.secret;
	else
		config_bounces_wipe(s.secret);
	return rc;
}

/*
 * bounces: {max_age_s, replay_days, sendgrid: {public_key_env |
 * public_key_file}, mailgun: {signing_key_env | signing_key_file},
 * brevo: {token_env | token_file}}. A provider left out has no hook.
 */
int
config_bounces(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	struct config_bounces	*b = &cf->bounces;
	struct ynode		 view;
	char			**out[EVHOOK_NPROVIDERS];
	size_t			 i, p;
	int			 rc = 0;

	out[EVHOOK_SENDGRID] = &b->sendgrid_key;
	out[EVHOOK_MAILGUN] = &b->mailgun_key;
	out[EVHOOK_BREVO] = &b->brevo_token;
	if (n != NULL && config_expect(c, n, YNODE_MAP, "bounces") == -1)
		n = NULL, rc = -1;
	if (n == NULL)
		return rc | config_section(c, NULL, config_bounces_opts, b,
		    "bounces");
	/* the providers' maps apart, the table takes the scalars */
	view = *n;
	view.keys = xcalloc(n->n + 1, sizeof *view.keys);
	view.items = xcalloc(n->n + 1, sizeof *view.items);
	view.n = 0;
	for (i = 0; i < n->n; i++) {
		for (p = 0; p < EVHOOK_NPROVIDERS; p++)
			if (strcmp(n->keys[i]->value,
			    config_bounces_providers[p].name) == 0)
				break;
		if (p < EVHOOK_NPROVIDERS) {
			rc |= config_bounces_one(c, (enum evhook_provider)p,
			    n->items[i], out[p]);
			continue;
		}
		view.keys[view.n] = n->keys[i];
		view.items[view.n++] = n->items[i];
	}
	rc |= config_section(c, &view, config_bounces_opts, b, "bounces");
	free(view.keys);
	free(view.items);
	return rc;
}

void
config_bounces_free(struct config *cf)
{
	config_bounces_wipe(cf->bounces.sendgrid_key);
	config_bounces_wipe(cf->bounces.mailgun_key);
	config_bounces_wipe(cf->bounces.brevo_token);
}
