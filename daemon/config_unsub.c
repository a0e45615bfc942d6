/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Configuration of the unsubscribe links: their key ring and how long they work. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "unsub.h"
#include "ynode.h"

#define CONFIG_UNSUB_VALID_DAYS	90

/* One item of unsubscribe.keys while it is read. */
struct config_unsub_key {
	char	*id;
	char	*secret;
};

#define K(f)	offsetof(struct config_unsub_key, f)
static const struct config_opt config_unsub_key_opts[] = {
	{ "id", CONFIG_STR, K(id), 0, 0, NULL },
	{ "secret_env", CONFIG_ENV, K(secret), 0, 0, NULL },
	{ "secret_file", CONFIG_FILE, K(secret), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef K

/* unsubscribe.valid_days: UNSUB_VALID_DAYS_MIN (CASL's 60) and up. */
static int
config_unsub_days(struct config_ctx *c, struct config *cf,
    const struct ynode *n)
{
	char	*end;
	long	 l;

	cf->unsub_valid_days = CONFIG_UNSUB_VALID_DAYS;
	if (n == NULL)
		return 0;
	if (config_expect(c, n, YNODE_SCALAR, "valid_days") == -1)
		return -1;
	errno = 0;
	l = strtol(n->value, &end, 10);
	if (n->value[0] == '\0' || *end != '\0' || errno != 0 ||
	    l < UNSUB_VALID_DAYS_MIN || l > UNSUB_VALID_DAYS_MAX) {
		config_err(c, n, "valid_days must be an integer between %d "
		    "and %d (an unsubscribe link must work %d days at least), "
		    "not \"%s\"", UNSUB_VALID_DAYS_MIN, UNSUB_VALID_DAYS_MAX,
		    UNSUB_VALID_DAYS_MIN, n->value);
		return -1;
	}
	cf->unsub_valid_days = l;
	return 0;
}

/* One {id, secret_env | secret_file} of unsubscribe.keys, into the ring. */
static int
config_unsub_key(struct config_ctx *c, struct unsub_keys *ring,
    const struct ynode *n)
{
	struct config_unsub_key	 k = { NULL, NULL };
	char			 err[160];
	int			 rc;

	if (config_expect(c, n, YNODE_MAP, "a key of unsubscribe.keys") == -1)
		return -1;
	rc = config_section(c, n, config_unsub_key_opts, &k,
	    "a key of unsubscribe.keys");
	if (ynode_get(n, "secret_env") != NULL &&
	    ynode_get(n, "secret_file") != NULL) {
		config_err(c, n, "a key has secret_env or secret_file, not both");
		rc = -1;
	} else if (rc == 0 && (k.id == NULL || k.secret == NULL)) {
		config_err(c, n, "a key of unsubscribe.keys needs an id and "
		    "secret_env or secret_file");
		rc = -1;
	}
	if (rc == 0 && unsub_keys_add(ring, k.id, k.secret, strlen(k.secret),
	    err, sizeof err) == -1) {
		config_err(c, n, "unsubscribe.keys: %s", err);
		rc = -1;
	}
	free(k.id);
	if (k.secret != NULL) {
		OPENSSL_cleanse(k.secret, strlen(k.secret));
		free(k.secret);
	}
	return rc;
}

/*
 * unsubscribe: {keys: [{id, secret_env | secret_file}...], valid_days}.
 * The first key signs new links, every one verifies; admin's older single
 * unsubscribe_secret joins the ring last, as the key "default". Call after
 * config_admin().
 */
int
config_unsubscribe(struct config_ctx *c, struct config *cf,
    const struct ynode *n)
{
	static const char *const known[] = { "keys", "valid_days", NULL };
	const struct ynode	*keys;
	struct unsub_keys	*ring;
	char			 err[160];
	size_t			 i;
	int			 rc = 0;

	ring = unsub_keys_new();
	if (n != NULL && config_expect(c, n, YNODE_MAP, "unsubscribe") == -1)
		n = NULL, rc = -1;
	if (n != NULL)
		rc |= config_keys_known(c, n, known, "unsubscribe");
	rc |= config_unsub_days(c, cf, ynode_get(n, "valid_days"));
	if ((keys = ynode_get(n, "keys")) != NULL &&
	    config_expect(c, keys, YNODE_SEQ, "unsubscribe.keys") == 0) {
		if (keys->n == 0) {
			config_err(c, keys, "unsubscribe.keys is empty");
			rc = -1;
		}
		for (i = 0; i < keys->n; i++)
			rc |= config_unsub_key(c, ring, keys->items[i]);
	} else if (keys != NULL)
		rc = -1;
	/* under 16 bytes, config_admin() has said so already */
	if (cf->unsub_secret != NULL &&
	    strlen(cf->unsub_secret) >= UNSUB_SECRET_MIN &&
	    unsub_keys_add(ring, UNSUB_DEFAULT_KID, cf->unsub_secret,
	    strlen(cf->unsub_secret), err, sizeof err) == -1) {
		config_err(c, n != NULL ? n : keys, "%s (admin's "
		    "unsubscribe_secret is the key \"%s\")", err,
		    UNSUB_DEFAULT_KID);
		rc = -1;
	}
	if (unsub_keys_count(ring) == 0) {
		unsub_keys_free(ring);
		ring = NULL;
	}
	cf->unsub_keys = ring;
	return rc;
}
