/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Configuration parsing helpers: tables of options, errors with their
 * position, secrets from the environment or a file. A leaf: it knows YAML
 * nodes and nothing of relais's sections, so that the loader's files and
 * the gateway kinds (their own keys, gw_kind.h) read options alike.
 */
#ifndef RELAIS_CONFIG_PARSE_H
#define RELAIS_CONFIG_PARSE_H

#include <stddef.h>

#include "diag.h"
#include "ynode.h"

enum config_type {
	CONFIG_STR,
	CONFIG_LONG,
	CONFIG_ENV,		/* value names an environment variable holding a secret */
	CONFIG_FILE,		/* value is a path to a file holding a secret */
};

/* One scalar option of a section, as in Redis's config table. */
struct config_opt {
	const char	*key;
	enum config_type type;
	size_t		 off;
	long		 min;
	long		 max;
	const char	*def;	/* applied when absent; NULL: stays NULL / 0 */
};

/* Parsing context: the file name for messages and where errors go. */
struct config_ctx {
	const char	*file;
	const char	*dir;
	struct diag	*diag;
	/*
	 * Set while reading a gateway: a secret that cannot be had is noted
	 * here instead of reported, and reported only if a route uses it.
	 */
	char		*missing;
	size_t		 missinglen;
	struct diag	*warn;	/* where config_warn() goes; NULL: nowhere */
};

void		 config_err(struct config_ctx *, const struct ynode *,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A warning ("warning: ..." at n's position) into c->warn, if set. */
void		 config_warn(struct config_ctx *, const struct ynode *,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * "unknown WHAT \"name\" in WHERE" (WHERE may be NULL) at n, with a
 * did-you-mean and the known names (suggest.h); NULLs in known are skipped.
 */
void		 config_unknown(struct config_ctx *, const struct ynode *n,
		    const char *what, const char *name, const char *where,
		    const char *const *known, size_t nknown);
int		 config_expect(struct config_ctx *, const struct ynode *,
		    enum ynode_type, const char *what);
int		 config_strings(struct config_ctx *, const struct ynode *,
		    const char *what, char ***out, size_t *nout);
void		 config_free_strings(char **, size_t);
const char	*config_scalar(struct config_ctx *, const struct ynode *map,
		    const char *key);
char		*config_dup(const char *);
int		 config_keys_known(struct config_ctx *, const struct ynode *map,
		    const char *const *known, const char *what);

/* Applies a table of options to a map node; unknown keys are errors. */
int		 config_section(struct config_ctx *, const struct ynode *map,
		    const struct config_opt *, void *base, const char *what);
/* The option of a table named key, or NULL. */
const struct config_opt *config_opt_find(const struct config_opt *,
		    const char *key);
/* Sets the defaults of a table's options into base. */
void		 config_defaults(struct config_ctx *, const struct config_opt *,
		    void *base);
/* Sets option o of base from the scalar n (-1 with an error at n). */
int		 config_set_opt(struct config_ctx *, const struct config_opt *o,
		    void *base, const struct ynode *n);
/* Frees the strings a table of options set into base (not base itself). */
void		 config_section_free(const struct config_opt *, void *base);
/* An optional true/false key of a map (0 when absent). */
int		 config_bool(struct config_ctx *, const struct ynode *map,
		    const char *key, int *out);

/* Whether url ("scheme://host[:port]/...") names a loopback host. */
int		 config_url_loopback(const char *url);

#endif
