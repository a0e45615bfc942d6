/* Shared by the configuration loader's files: parsing context and helpers. */
#ifndef RELAIS_CONFIG_INT_H
#define RELAIS_CONFIG_INT_H

#include <stddef.h>

#include "ynode.h"

struct config;
struct tz;

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
const char	*config_scalar(struct config_ctx *, const struct ynode *map,
		    const char *key);
char		*config_dup(const char *);
int		 config_keys_known(struct config_ctx *, const struct ynode *map,
		    const char *const *known, const char *what);

/* Applies a table of options to a map node; unknown keys are errors. */
int		 config_section(struct config_ctx *, const struct ynode *map,
		    const struct config_opt *, void *base, const char *what);
/* An optional true/false key of a map (0 when absent). */
int		 config_bool(struct config_ctx *, const struct ynode *map,
		    const char *key, int *out);

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
