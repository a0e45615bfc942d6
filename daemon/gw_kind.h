/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The gateway kinds, a table as tmux's commands (gw_table.c): an entry
 * carries all of its kind, the keys it reads from the configuration and
 * their checks as well as how it sends. config_gateway.c reads a gateway's
 * common keys (struct config_gateway), the kind's own (opts) into the
 * struct of conf_size bytes its gw_*.c defines (g->conf), then calls check;
 * gw.c builds the gateway with init and runs it with send and free. What
 * the kinds' checks share is here too (gw_kind.c).
 *
 * Adding a provider: a gw_NAME.c with its entry, declared below and listed
 * in gw_table.c's table, its file in the Makefile's lists, its tests. No
 * curl nor libevent here: config_gateway.c includes it.
 */
#ifndef RELAIS_GW_KIND_H
#define RELAIS_GW_KIND_H

#include <stddef.h>

struct config_ctx;
struct config_gateway;
struct config_opt;
struct gw;
struct gw_msg;
struct gw_result;
struct ynode;

/* Called once per gw_send() that returned 0, always from the loop later. */
typedef void (*gw_cb)(const struct gw_result *, void *arg);

/* Common keys of struct config_gateway that only some kinds take. */
#define GW_KEY_URL	0x01	/* url: where it sends */
#define GW_KEY_CA_FILE	0x02	/* ca_file: the CAs its TLS trusts */

struct gw_kind {
	const char		*name;
	/* its configuration, read by config_gateway.c */
	unsigned		 keys;		/* GW_KEY_*: common keys it takes */
	const struct config_opt	*opts;		/* its own keys (NULL key last) */
	size_t			 conf_size;	/* of the struct opts fill */
	/*
	 * Once the keys were read without error (a secret that could not be
	 * had is in g->missing, not an error): reports what is absent or
	 * unusable, at name (the gateway's key) or at one of n's keys, and
	 * warns of what is risky. failed: the gateway has an error already;
	 * requirements that would only repeat it stay quiet. -1 when it
	 * reported an error.
	 */
	int			(*check)(struct config_ctx *,
				    const struct config_gateway *g,
				    const struct ynode *name,
				    const struct ynode *n, int failed);
	/* running it, in gw.c */
	int			(*init)(struct gw *, const struct config_gateway *,
				    char *err, size_t errlen);
	int			(*send)(struct gw *, const struct gw_msg *, gw_cb,
				    void *arg);
	void			(*free)(struct gw *);
	/*
	 * At most max_concurrency of its sends handed to send() at once
	 * (one HTTP request each): the others wait in gw.c as the caller's
	 * messages, their requests made when a slot frees (gw_kick).
	 */
	int			 gated;
};

extern const struct gw_kind	gw_webhook_kind;
extern const struct gw_kind	gw_outbox_kind;
extern const struct gw_kind	gw_twilio_kind;
extern const struct gw_kind	gw_sendgrid_kind;
extern const struct gw_kind	gw_mailgun_kind;
extern const struct gw_kind	gw_brevo_kind;
extern const struct gw_kind	gw_smtp_kind;

/* For the kinds' checks: "gateway \"G\" (KIND) needs WHAT" at name, -1. */
int		 gw_kind_needs(struct config_ctx *, const struct config_gateway *,
		    const struct ynode *name, const char *what);
/*
 * A secret the kind cannot go without, value read from key_env or
 * key_file: -1 with "needs KEY_env or KEY_file" at name when neither gave
 * one and none was missing (g->missing: reported if a route uses g).
 */
int		 gw_kind_secret(struct config_ctx *, const struct config_gateway *,
		    const struct ynode *name, const char *value, const char *key);
/*
 * The kind found its url sends in clear: a warning at name, unless g has no
 * secret set (g->has_secret), lacks one, or sends to a loopback host.
 */
void		 gw_kind_clear(struct config_ctx *, const struct config_gateway *,
		    const struct ynode *name);

#endif
