/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The configuration: one YAML file loaded into validated, immutable structs. */
#ifndef RELAIS_CONFIG_H
#define RELAIS_CONFIG_H

#include <stddef.h>

#include "diag.h"

struct admin_net;
struct noc;
struct render;
struct words;
struct territory_set;
struct unsub_keys;
struct window;

/* A named time window (Alertmanager time_intervals, plus holidays). */
struct config_window {
	char		*name;
	struct window	*w;
};

struct config_redis {
	char	*url;		/* redis://[user:pass@]host:port/db, unix:///p?db=N */
	char	*host;	/* from the URL; NULL for a unix socket */
	char	*path;	/* unix socket path, or NULL */
	int	 port;
	int	 db;
	char	*username;	/* from the URL, or NULL */
	char	*password;	/* from the URL, password_env or password_file */
	char	*prefix;	/* key prefix, default "relais:" */
	char	*group;		/* consumer group, default "relais" */
	char	*consumer;	/* RELAIS_CONSUMER, else config, else host name */
	long	 connect_timeout_ms;
	long	 command_timeout_ms;
	long	 batch;		/* XREADGROUP COUNT */
	long	 block_ms;	/* XREADGROUP BLOCK */
	long	 claim_idle_ms;	/* idle before another consumer claims it */
	long	 claim_interval_ms;
	long	 max_deliveries; /* an entry read more often is a poison message */
	long	 seen_ttl_s;	/* dedupe of event ids */
	long	 sent_ttl_s;	/* idempotency markers */
	long	 deliveries_maxlen; /* approximate cap of the deliveries stream */
	long	 dead_retention_days; /* dead letters older are removed (Law 25) */
	long	 schedule_interval_ms;	/* how often due scheduled entries move */
};

/*
 * Where Redis is, for logs and systemd's STATUS=: "unix:<path>" or
 * "<host>:<port>", never the URL (it may hold a password).
 */
void	config_redis_where(const struct config_redis *, char *out,
	    size_t outlen);

struct config_limits {
	long	 max_event_bytes;
	long	 max_depth;
	long	 max_inflight;	/* deliveries in flight; reading pauses beyond */
	long	 max_attempts;	/* per delivery, gateway-asked waits excluded */
	long	 max_waits;	/* gateway-asked waits (429) before dead letter */
	long	 backoff_base_ms;
	long	 backoff_cap_ms;
	long	 retry_after_max_ms;
	long	 drain_timeout_ms;	/* SIGTERM: bound on finishing in-flight work */
	long	 max_per_recipient_day;	/* messages sent, per local day; 0: off */
};

/*
 * A gateway: the keys every kind reads, and conf, the kind's own keys in a
 * struct its gw_*.c defines (gw_kind.h: its opts), freed with the config.
 */
struct config_gateway {
	char	*name;
	char	*kind;		/* a name in the table of kinds (gw_kind.h) */
	void	*conf;		/* the kind's own keys; NULL when it has none */
	char	*url;		/* where it sends (kinds taking GW_KEY_URL) */
	char	*ca_file;	/* TLS CA bundle (tests, private CAs) */
	long	 max_concurrency;
	long	 connect_timeout_ms;
	long	 timeout_ms;
	long	 breaker_failures;	/* consecutive failures that open it */
	long	 breaker_cooldown_ms;	/* open this long, then one probe */
	long	 breaker_failure_rate;	/* % of the last 20 answers, 0: off */
	long	 rate_per_s;	/* messages per second, all instances; 0: none */
	char	 missing[256];	/* a secret that could not be had: unusable */
	long	 rate_burst;	/* messages that may go at once */
	int	 has_secret;	/* one of its kind's _env or _file keys is set */
	int	 line, col;
};

struct config_route {
	/* match: NULL means any */
	char	*type;
	char	*role;
	char	*channel;
	char	*territory;
	char	*language;
	/* decision */
	char	**gateways;	/* failover order; names of config_gateway */
	size_t	  ngateways;
	char	 *template;
	long	  max_segments;	/* SMS longer than this is dead-lettered */
	const struct config_window *window;	/* send only while open, or NULL */
	int	  cont;		/* continue: later routes match too */
	int	  fallback;	/* only when no other channel reaches them */
	int	  nosend;	/* send: false: matched deliveries are skipped */
	char	 *from;		/* sender overrides, or NULL */
	char	 *from_name;
	char	 *reply_to;
	int	  line, col;
};

/* A planned follow-up: a followup.due event `days` after the arrival. */
struct config_followup {
	char	*kind;		/* [a-z0-9_-]+, in event ids and templates */
	long	 days;
	int	 checkin;	/* the newcomer gets a check-in message too */
};

/* What a newcomer's stored data and the follow-ups need. */
struct config_followups {
	long			 at_min;	/* local time of day, minutes */
	/*
	 * Counsellors get one reminder email a day, at reminders_at_min
	 * local time, or reminders_gather_s after the first follow-up that
	 * falls due later in a day none went out yet.
	 */
	long			 reminders_at_min;
	long			 reminders_gather_s;
	struct config_followup	*plan;
	size_t			 nplan;
};

/*
 * bounces: email providers' event webhooks (evhook.h). Each secret is NULL
 * when that provider's hook is off.
 */
struct config_bounces {
	char	*sendgrid_key;	/* verification key, base64 DER */
	char	*mailgun_key;	/* webhook signing key */
	char	*brevo_token;	/* shared token */
	long	 max_age_s;	/* signed timestamps further are refused */
	long	 replay_days;	/* event ids remembered */
};

/* console.secure_cookies: when the session cookie says Secure. */
enum config_secure {
	CONFIG_SECURE_AUTO,	/* when a trusted proxy says https */
	CONFIG_SECURE_ALWAYS,
	CONFIG_SECURE_NEVER,
};

/* console: the coordinators' web console (console.h); off by default. */
struct config_console {
	char			*listen;	/* host:port; NULL: off */
	char			*users_file;	/* absolute */
	char			*secret;	/* cookies' and CSRF's HMAC key */
	long			 session_ttl_s;
	enum config_secure	 secure_cookies;
	struct admin_net	*proxies;	/* trusted_proxies */
	size_t			 nproxies;
	long			 max_connections;
	long			 request_timeout_ms;
};

/* Scores of profile matching (NOC 2021 levels, skills), see handlers/match.h. */
struct config_matching {
	long	unit_group;	/* same 5-digit unit group */
	long	minor_group;	/* same first 4 digits */
	long	sub_major_group;	/* same first 3 digits */
	long	major_group;	/* same first 2 digits */
	long	broad_category;	/* same first digit */
	long	per_skill;
	long	max_skill_points;
	long	threshold;
	long	digest_window_s;
	long	max_candidates;
};

struct config {
	char			*path;
	char			*dir;		/* directory of the file */
	struct config_redis	 redis;
	char			*admin_listen;	/* host:port, or "off" */
	char			*public_url;	/* how the outside world calls us */
	char			*unsub_secret;	/* admin's single secret (v1 links) */
	struct unsub_keys	*unsub_keys;	/* unsubscribe.keys, then
						   unsub_secret as "default";
						   NULL: no links */
	long			 unsub_valid_days; /* each new link works so long */
	char			*twilio_gateway; /* its auth token signs webhooks */
	long			 twilio_replay_days; /* MessageSids remembered */
	struct config_bounces	 bounces;	/* email providers' webhooks */
	long			 admin_rate_per_s; /* public endpoints, per client; 0: off */
	long			 admin_rate_burst;
	long			 admin_max_connections; /* before the fd clamp */
	long			 admin_request_timeout_ms;
	struct admin_net	*admin_proxies;	/* trusted_proxies */
	size_t			 admin_nproxies;
	struct config_limits	 limits;
	struct config_gateway	*gateways;
	size_t			 ngateways;
	struct territory_set	*territories;
	struct config_route	*routes;
	size_t			 nroutes;
	struct config_window	*windows;
	size_t			 nwindows;
	char			*fallback_territory; /* for unknown municipalities */
	char			*templates_dir;	/* absolute */
	char			**languages;	/* languages templates must exist in */
	size_t			 nlanguages;
	struct render		*render;	/* compiled templates */
	struct words		*words;		/* words.yaml per language */
	int			 templates_strict; /* a missing variable: dead letter */
	long			 retention_days;	/* profiles: kept after the last event */
	struct config_followups	 followups;
	struct config_matching	 matching;
	struct config_console	 console;
	struct noc		*noc;	/* NOC 2021 titles, or NULL */
	struct diag		 checks;	/* for config_check() */
	struct diag		 notes;		/* for config_warnings() */
};

/*
 * Loads and validates path: every error goes into diag as
 * "FILE:LINE:COL: message". Returns NULL when anything was reported.
 */
struct config	*config_load(const char *path, struct diag *);
void		 config_free(struct config *);
/*
 * Loads only the redis section (checked as config_load() does), plus
 * admin.listen and limits (their defaults when absent or invalid), for
 * relaisctl's commands that need no more: gateways' secrets, templates and
 * every other section are not read, so not checked. NULL on errors.
 */
struct config	*config_load_redis(const char *path, struct diag *);
/*
 * Warnings about a valid config (into diag, each "FILE:LINE:COL: warning:
 * ..."): a secret or a personal link that would cross the network in
 * clear (an http:// or smtp:// without STARTTLS gateway with credentials
 * to a host that is not loopback; an http:// public_url). Returns how many.
 */
size_t		 config_warnings(const struct config *, struct diag *);
/*
 * What a loaded config would send broken (into diag, each
 * "FILE:LINE:COL: message"; returns how many): a notification a handler
 * can emit that no route covers; a route whose template lacks the channel
 * or language it would be used for, or uses a territory variable
 * ({{territory.X}}) that territory does not have; a territory without the
 * sender a route needs. relaisd refuses such a config (--check, start,
 * reload); config_load() alone accepts it, for tools and tests.
 */
size_t		 config_check(const struct config *, struct diag *);

const struct config_gateway *config_gateway_find(const struct config *,
		    const char *name);

#endif
