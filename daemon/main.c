/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisd: the notification daemon's entry point, signals and reloads. */
#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin.h"
#include "admin_twilio.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "consent.h"
#include "console.h"
#include "console_auth.h"
#include "evhook.h"
#include "gw.h"
#include "gw_twilio.h"
#include "http.h"
#include "jarena.h"
#include "log.h"
#include "notify.h"
#include "pipeline.h"
#include "procstat.h"
#include "territory.h"
#include "unsub.h"

struct relaisd;
static void	relaisd_admin_public(struct relaisd *, const struct config *);
static void	relaisd_admin_guards(struct relaisd *, const struct config *);
static void	relaisd_console(struct relaisd *, const struct config *,
		    int reload, const char *listen_before);

struct relaisd {
	struct event_base	*base;
	struct notify		*notify;	/* READY, STATUS, watchdog */
	struct admin		*admin;
	unsigned long		 reloads;
	unsigned long		 reload_failures;
	struct config		*cf;
	struct http		*http;
	struct gw_set		*gws;
	struct pipeline		*pipeline;
	struct consent		*consent;	/* the public endpoints' writes */
	struct console		*console;	/* NULL: console.listen off */
	struct gw_set		*gws_now;	/* the pipeline's current ones */
	int			 unsub_on;	/* /u/ has keys */
	struct event		*ev_term;
	struct event		*ev_int;
	struct event		*ev_hup;
	struct event		*ev_drain_timeout;
	int			 draining;
	long			 nofile;	/* open-file limit; 0: unknown */
};

/*
 * Descriptors kept for all but the admin port: relaisd's own (stdio, the
 * loop, signals, files), Redis connections and their reconnects, curl's
 * resolver. Each usable gateway's max_concurrency comes on top, and the
 * admin port's lingering sockets (ADMIN_LINGER_MAX, admin.h).
 */
#define RELAISD_FD_RESERVE	64
/* The admin port's cap never goes below this, whatever the limit. */
#define RELAISD_ADMIN_MIN_CONNS	16

static void
relaisd_usage(FILE *f)
{
	fprintf(f,
	    "usage: relaisd -c FILE [--check] [-v]\n"
	    "       relaisd --version | --help\n"
	    "\n"
	    "  -c, --config FILE  configuration file (YAML)\n"
	    "      --check        validate the configuration and templates, "
	    "then exit\n"
	    "  -v, --verbose      debug logging\n"
	    "      --log-format text|json\n"
	    "                     one JSON object per line for log shippers\n"
	    "  -V, --version      print the version\n"
	    "  -h, --help         this help\n");
}

static void
relaisd_on_consent_drained(void *arg)
{
	struct relaisd	*d = arg;

	log_info("drained: nothing in flight, exiting");
	event_base_loopexit(d->base, NULL);
}

/* The pipeline is idle; opt-outs already answered must reach Redis too. */
static void
relaisd_on_drained(void *arg)
{
	struct relaisd	*d = arg;

	consent_drain(d->consent, relaisd_on_consent_drained, d);
}

static void
relaisd_on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct relaisd	*d = arg;

	(void)fd;
	(void)what;
	log_warnx("drain timeout: %zu entries still in flight stay pending in "
	    "Redis and will be read again", pipeline_inflight(d->pipeline));
	event_base_loopexit(d->base, NULL);
}

static void
relaisd_on_term(evutil_socket_t sig, short what, void *arg)
{
	struct relaisd		*d = arg;
	const struct config	*cf;
	struct timeval		 tv;

	(void)what;
	if (d->draining) {
		log_info("second signal: exiting now");
		event_base_loopexit(d->base, NULL);
		return;
	}
	d->draining = 1;
	/* nobody changes anything while the rest drains */
	console_free(d->console);
	d->console = NULL;
	log_info("signal %d: stop reading, finishing %zu entries in flight",
	    (int)sig, pipeline_inflight(d->pipeline));
	notify_stopping(d->notify);
	cf = pipeline_config(d->pipeline);
	tv.tv_sec = cf->limits.drain_timeout_ms / 1000;
	tv.tv_usec = (cf->limits.drain_timeout_ms % 1000) * 1000;
	if (event_add(d->ev_drain_timeout, &tv) == -1)
		fatalx("event_add");
	pipeline_drain(d->pipeline, relaisd_on_drained, d);
}

/* Whether two redis sections differ in what the connections were made with. */
static int
relaisd_redis_changed(const struct config_redis *a, const struct config_redis *b)
{
	return strcmp(a->url, b->url) != 0 || strcmp(a->prefix, b->prefix) != 0 ||
	    strcmp(a->group, b->group) != 0 ||
	    strcmp(a->consumer, b->consumer) != 0 ||
	    (a->password == NULL) != (b->password == NULL) ||
	    (a->password != NULL && strcmp(a->password, b->password) != 0);
}

/*
 * SIGHUP: load and check the file again. A valid one is swapped in for the
 * entries read from now on (those in flight finish under the old one); an
 * invalid one is refused with every error and the old one keeps running.
 */
static void
relaisd_on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct relaisd		*d = arg;
	const struct config	*cur = pipeline_config(d->pipeline);
	struct config		*next;
	struct gw_set		*gws;
	struct diag		 diag;
	char			 err[256], status[512], *listen_before;
	size_t			 i;

	(void)sig;
	(void)what;
	diag_init(&diag);
	if ((next = config_load(cur->path, &diag)) == NULL ||
	    config_check(next, &diag) > 0) {
		config_free(next);
		for (i = 0; i < diag.n; i++)
			log_errx("reload refused: %s", diag.msgs[i]);
		d->reload_failures++;
		snprintf(status, sizeof status, "reload refused (%zu errors, see "
		    "the journal); the previous configuration stays", diag.n);
		notify_note(d->notify, status);
		diag_free(&diag);
		return;
	}
	diag_free(&diag);
	if ((gws = gw_set_new(d->base, d->http, next, err, sizeof err)) == NULL) {
		log_errx("reload refused: %s", err);
		d->reload_failures++;
		notify_note(d->notify, "reload refused (gateways); the "
		    "previous configuration stays");
		config_free(next);
		return;
	}
	if (relaisd_redis_changed(&cur->redis, &next->redis))
		log_warnx("reload: the redis section changed; it takes effect "
		    "at the next restart");
	/* cur may be freed by the swap */
	listen_before = cur->console.listen != NULL ?
	    xstrdup(cur->console.listen) : NULL;
	pipeline_reload(d->pipeline, next, gws);
	d->gws_now = gws;
	relaisd_admin_public(d, next);
	relaisd_admin_guards(d, next);
	relaisd_console(d, next, 1, listen_before);
	free(listen_before);
	d->reloads++;
	log_info("reload: %s loaded", next->path);
	notify_note(d->notify, "configuration reloaded");
}

/*
 * Raises the soft open-file limit to the hard one and returns the limit in
 * force (0: unknown). Under systemd LimitNOFILE= sets both, and no call is
 * made (the unit's system call filter would refuse it).
 */
static long
relaisd_nofile(void)
{
	struct rlimit	rl;
	rlim_t		was;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return 0;
	}
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_max != RLIM_INFINITY) {
		was = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("cannot raise the open-file limit from %llu to "
			    "%llu", (unsigned long long)was,
			    (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX)
		return LONG_MAX;
	return (long)rl.rlim_cur;
}

/*
 * The admin port's flood guards. Its cap stays under the open-file limit
 * minus what the rest of relaisd may need at once: a flood of the admin
 * port must never leave Redis or a gateway without a descriptor.
 */
static void
relaisd_admin_guards(struct relaisd *d, const struct config *cf)
{
	long	cap = cf->admin_max_connections;
	long	reserve = RELAISD_FD_RESERVE + ADMIN_LINGER_MAX;
	size_t	i;

	if (d->admin == NULL)
		return;
	for (i = 0; i < cf->ngateways; i++)
		if (cf->gateways[i].missing[0] == '\0')
			reserve += cf->gateways[i].max_concurrency;
	if (d->nofile > 0 && cap > d->nofile - reserve) {
		cap = d->nofile - reserve;
		if (cap < RELAISD_ADMIN_MIN_CONNS)
			cap = cf->admin_max_connections < RELAISD_ADMIN_MIN_CONNS ?
			    cf->admin_max_connections : RELAISD_ADMIN_MIN_CONNS;
		log_warnx("admin: max_connections %ld lowered to %ld: the "
		    "open-file limit is %ld and %ld are kept for Redis, the "
		    "gateways and the rest (LimitNOFILE= raises it)",
		    cf->admin_max_connections, cap, d->nofile, reserve);
	}
	admin_set_limits(d->admin, cap, cf->admin_request_timeout_ms);
	admin_set_proxies(d->admin, cf->admin_proxies, cf->admin_nproxies);
}

/*
 * Loads path and checks what it would send broken; the errors, or the
 * warnings of a config that loads, go to stderr as they are (--check on a
 * terminal) or as log lines, errors at LOG_ERR (the daemon, and --check as
 * the unit's ExecStartPre=, whose stderr is the journal). NULL when refused.
 */
static struct config *
relaisd_load(const char *path, int daemon)
{
	struct config	*cf;
	struct diag	 diag;
	size_t		 i;

	diag_init(&diag);
	cf = config_load(path, &diag);
	/* what it would send broken, once it is valid */
	if (cf != NULL && config_check(cf, &diag) > 0) {
		config_free(cf);
		cf = NULL;
	}
	if (cf != NULL) {
		diag_free(&diag);
		diag_init(&diag);
		config_warnings(cf, &diag);
	}
	for (i = 0; i < diag.n; i++) {
		if (!daemon && !log_journald())
			fprintf(stderr, "%s\n", diag.msgs[i]);
		else if (cf == NULL)
			log_errx("%s", diag.msgs[i]);
		else
			log_warnx("%s", diag.msgs[i]);
	}
	diag_free(&diag);
	return cf;
}

/*
 * --check of the console's users file, when the console is on: -1 when it
 * cannot be read (relaisd would not start); a warning when nobody could log
 * in, or a user's scope is no territory of the configuration.
 */
static int
relaisd_check_users(const struct config *cf)
{
	struct console_users	users = { NULL, 0 };
	char			err[512];
	size_t			i;

	if (cf->console.listen == NULL)
		return 0;
	if (console_users_load(cf->console.users_file, &users, err,
	    sizeof err) == -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (users.n == 0)
		fprintf(stderr, "%s: warning: no user: nobody can log in to the "
		    "console (relaisctl console-user add)\n",
		    cf->console.users_file);
	for (i = 0; i < users.n; i++)
		if (users.v[i].scope != NULL &&
		    territory_find(cf->territories, users.v[i].scope) == NULL)
			fprintf(stderr, "%s: warning: %s's scope \"%s\" is no "
			    "territory of %s: they see nothing\n",
			    cf->console.users_file, users.v[i].name,
			    users.v[i].scope, cf->path);
	console_users_free(&users);
	return 0;
}

/* --check: 0 when path loads and would send nothing broken, else 1. */
static int
relaisd_check(const char *path, int quiet)
{
	struct config	*cf;

	if ((cf = relaisd_load(path, 0)) == NULL)
		return 1;
	if (relaisd_check_users(cf) == -1) {
		config_free(cf);
		return 1;
	}
	if (!quiet)
		printf("%s: configuration OK\n", path);
	config_free(cf);
	return 0;
}

/* /readyz: Redis connected, config loaded (it is, if we run), not draining. */
static int
relaisd_ready(void *arg, char *why, size_t whylen)
{
	struct relaisd	*d = arg;

	if (d->draining || pipeline_draining(d->pipeline)) {
		snprintf(why, whylen, "draining");
		return 0;
	}
	if (!pipeline_redis_up(d->pipeline)) {
		snprintf(why, whylen, "Redis is not connected");
		return 0;
	}
	return 1;
}

static void
relaisd_metrics(void *arg, struct buf *out)
{
	struct relaisd	*d = arg;

	pipeline_metrics(d->pipeline, out);
	admin_metric_help(out, "relais_config_reloads_total", ADMIN_COUNTER,
	    "Configuration reloads (SIGHUP), by result.");
	admin_metric(out, "relais_config_reloads_total", (double)d->reloads,
	    "result", "ok", NULL);
	admin_metric(out, "relais_config_reloads_total",
	    (double)d->reload_failures, "result", "refused", NULL);
	admin_metric_help(out, "relais_build_info", ADMIN_GAUGE,
	    "Always 1; its label is the version of relaisd running.");
	admin_metric(out, "relais_build_info", 1, "version", RELAIS_VERSION,
	    NULL);
	procstat_write(out);
}

/* Retention of the consent writes, from the configuration in force. */
static void
relaisd_consent_limits(const struct relaisd *d, struct consent_limits *lim)
{
	const struct config	*cf = pipeline_config(d->pipeline);

	lim->replay_ttl_s = cf->twilio_replay_days * 86400;
	/* the history is personal data: kept as long as profiles are */
	lim->history_ttl_s = cf->retention_days * 86400;
	lim->deliveries_maxlen = cf->redis.deliveries_maxlen;
}

/* An unsubscribe link: the first opt-out's record stays, history grows. */
static int
relaisd_unsub_optout(void *arg, const char *id, const char *source)
{
	struct relaisd		*d = arg;
	struct consent_limits	 lim;

	if (d->consent == NULL)
		return -1;
	relaisd_consent_limits(d, &lim);
	return consent_optout(d->consent, id, source, NULL, &lim);
}

/* STOP and the like: remembered by MessageSid, so a replay does nothing. */
static int
relaisd_twilio_optout(void *arg, const char *id, const char *source)
{
	struct relaisd		*d = arg;
	struct consent_limits	 lim;

	if (d->consent == NULL)
		return -1;
	relaisd_consent_limits(d, &lim);
	return consent_optout(d->consent, id, source,
	    admin_twilio_message_sid(), &lim);
}

/*
 * START and the like lift only what a STOP from that number put there:
 * never an operator's, a link's, a provider's or a complaint's suppression.
 */
static int
relaisd_twilio_optin(void *arg, const char *id, const char *source)
{
	struct relaisd		*d = arg;
	struct consent_limits	 lim;

	if (d->consent == NULL)
		return -1;
	relaisd_consent_limits(d, &lim);
	return consent_optin(d->consent, id, source, ADMIN_TWILIO_SOURCE_STOP,
	    admin_twilio_message_sid(), &lim);
}

static void
relaisd_twilio_status(void *arg, const char *sid, const char *status,
    const char *error)
{
	struct relaisd		*d = arg;
	struct consent_limits	 lim;

	if (d->consent == NULL)
		return;
	relaisd_consent_limits(d, &lim);
	(void)consent_status(d->consent, sid, status, error, &lim);
}

/*
 * A bounce, a complaint or an unsubscribe an email provider reported: the
 * address goes on the suppression list (a soft bounce only into
 * deliveries), once per event id however often it is posted.
 */
static int
relaisd_feedback(void *arg, const struct evhook_event *ev,
    admin_feedback_done_fn done, void *done_arg)
{
	struct relaisd		*d = arg;
	struct consent_limits	 lim;
	struct consent_feedback	 fb;
	char			 id[8 + EVHOOK_ADDR_MAX], source[64];
	char			 replay[32 + EVHOOK_ID_MAX];

	if (d->consent == NULL)
		return -1;
	relaisd_consent_limits(d, &lim);
	lim.replay_ttl_s = pipeline_config(d->pipeline)->bounces.replay_days *
	    86400;
	evhook_supp_id(ev, id, sizeof id);
	evhook_source(ev, source, sizeof source);
	evhook_replay_key(ev, replay, sizeof replay);
	fb.id = id;
	fb.source = source;
	fb.replay = replay;
	fb.gateway = evhook_provider_name(ev->provider);
	fb.provider_id = ev->message_id;
	fb.status = ev->event;
	fb.detail = ev->detail;
	fb.suppress = ev->kind != EVHOOK_SOFT;
	return consent_feedback(d->consent, &fb, &lim, done, done_arg);
}

/*
 * The public endpoints: unsubscribe links, Twilio's and the email
 * providers' webhooks, their limit.
 * Their writes go through a Redis connection of their own, opened the
 * first time one of them is configured (the redis section is not reloaded).
 */
static void
relaisd_admin_public(struct relaisd *d, const struct config *cf)
{
	const struct config_gateway	*g;
	unsigned char			*ring;
	size_t				 len;

	if (d->admin == NULL)
		return;
	admin_set_rate(d->admin, cf->admin_rate_per_s, cf->admin_rate_burst);
	g = cf->twilio_gateway != NULL ?
	    config_gateway_find(cf, cf->twilio_gateway) : NULL;
	if (d->consent == NULL && (cf->unsub_keys != NULL || g != NULL ||
	    cf->bounces.sendgrid_key != NULL || cf->bounces.mailgun_key != NULL ||
	    cf->bounces.brevo_token != NULL)) {
		d->consent = consent_new(d->base, &cf->redis);
		consent_start(d->consent);
	}
	if (cf->unsub_keys != NULL) {
		/* admin.h carries one secret: the ring goes packed */
		ring = unsub_keys_pack(cf->unsub_keys, &len);
		admin_set_unsubscribe(d->admin, ring, len, relaisd_unsub_optout,
		    d);
		unsub_keys_pack_free(ring, len);
		d->unsub_on = 1;
	} else if (d->unsub_on) {
		/* taken out of the file: the links stop with the reload */
		admin_set_unsubscribe(d->admin, NULL, 0, relaisd_unsub_optout,
		    d);
		d->unsub_on = 0;
	}
	admin_set_twilio(d->admin, g != NULL ? gw_twilio_auth_token(g) : NULL,
	    cf->public_url, relaisd_twilio_optout, relaisd_twilio_optin,
	    relaisd_twilio_status, d);
	admin_set_bounces(d->admin, cf->bounces.sendgrid_key,
	    cf->bounces.mailgun_key, cf->bounces.brevo_token,
	    cf->bounces.max_age_s, relaisd_feedback, d);
}

/* The Health page's gateways: breakers now, configured rate, deliveries. */
static size_t
relaisd_console_gateways(void *arg, struct console_gw_state *out, size_t max)
{
	struct relaisd			*d = arg;
	const struct config		*cf = pipeline_config(d->pipeline);
	const struct config_gateway	*g;
	struct gw			*gw;
	size_t				 i, n;

	n = d->gws_now != NULL ? gw_set_count(d->gws_now) : 0;
	for (i = 0; i < n && i < max; i++) {
		gw = gw_set_at(d->gws_now, i);
		g = config_gateway_find(cf, gw->name);
		memset(&out[i], 0, sizeof out[i]);
		out[i].name = gw->name;
		out[i].kind = gw->kind->name;
		out[i].breaker = breaker_state_name(gw_breaker_state(gw));
		out[i].rate_per_s = g != NULL ? (double)g->rate_per_s : 0;
		pipeline_gateway_totals(d->pipeline, gw->name, &out[i].sent,
		    &out[i].failed);
	}
	return n;
}

/*
 * The console (console.listen): made when first on, its configuration and
 * users file taken again on each reload (a bad users file keeps the one
 * read before); off in a reloaded file, it stops. Its listen address is
 * not rebound by a reload. At start (not reload) a console that cannot
 * listen is fatal.
 */
static void
relaisd_console(struct relaisd *d, const struct config *cf, int reload,
    const char *listen_before)
{
	struct console_env	env;
	char			err[512];

	if (cf->console.listen == NULL || d->draining) {
		if (d->console != NULL)
			log_info("console: off");
		console_free(d->console);
		d->console = NULL;
		return;
	}
	if (d->consent == NULL) {
		d->consent = consent_new(d->base, &cf->redis);
		consent_start(d->consent);
	}
	memset(&env, 0, sizeof env);
	env.cf = cf;
	env.consent = d->consent;
	env.gateways = relaisd_console_gateways;
	env.gateways_arg = d;
	if (d->console != NULL) {
		if (console_set_env(d->console, &env, err, sizeof err) == -1)
			log_warnx("console: %s; the users read before stay", err);
		if (listen_before != NULL &&
		    strcmp(listen_before, cf->console.listen) != 0)
			log_warnx("reload: console.listen changed; it takes "
			    "effect at the next restart");
		return;
	}
	if ((d->console = console_new(d->base, &env, err, sizeof err)) == NULL) {
		if (!reload)
			fatalx("console: %s", err);
		log_errx("console: %s", err);
		return;
	}
	log_info("console listening on %s (port %d)", cf->console.listen,
	    console_port(d->console));
}

/* READY=1 waits for this: both connections to Redis answered. */
static void
relaisd_on_redis(int up, void *arg)
{
	struct relaisd	*d = arg;

	notify_redis(d->notify, up);
}

/*
 * libevent's own messages (evdns's too) through our log: its warnings must
 * not reach stderr as bare lines, outside the JSON and without a level.
 */
static void
relaisd_event_log(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warnx("libevent: %s", msg);
		break;
	default:
		log_errx("libevent: %s", msg);
		break;
	}
}

static void
relaisd_run(struct relaisd *d)
{
	const struct config	*cf;
	char			 err[256], where[300];

	event_set_log_callback(relaisd_event_log);
	if ((d->base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	signal(SIGPIPE, SIG_IGN);
	if ((d->http = http_new(d->base)) == NULL)
		fatalx("cannot start the HTTP engine");
	if ((d->gws = gw_set_new(d->base, d->http, d->cf, err,
	    sizeof err)) == NULL)
		fatalx("%s", err);
	d->pipeline = pipeline_new(d->base, d->cf, d->gws);
	d->gws_now = d->gws;
	d->cf = NULL;	/* the pipeline owns it now: see pipeline_config() */
	d->gws = NULL;
	d->ev_term = evsignal_new(d->base, SIGTERM, relaisd_on_term, d);
	d->ev_int = evsignal_new(d->base, SIGINT, relaisd_on_term, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, relaisd_on_hup, d);
	d->ev_drain_timeout = evtimer_new(d->base, relaisd_on_drain_timeout, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL ||
	    d->ev_drain_timeout == NULL || event_add(d->ev_term, NULL) == -1 ||
	    event_add(d->ev_int, NULL) == -1 || event_add(d->ev_hup, NULL) == -1)
		fatalx("cannot install signal handlers");
	if (getenv("RELAIS_TEST_NOW") != NULL)
		log_warnx("RELAIS_TEST_NOW is set: the clock is shifted (tests "
		    "only)");
	cf = pipeline_config(d->pipeline);
	if (strcmp(cf->admin_listen, "off") != 0) {
		if ((d->admin = admin_new(d->base, cf->admin_listen, err,
		    sizeof err)) == NULL)
			fatalx("admin: %s", err);
		admin_set_ready(d->admin, relaisd_ready, d);
		admin_set_metrics(d->admin, relaisd_metrics, d);
		relaisd_admin_public(d, cf);
		relaisd_admin_guards(d, cf);
		log_info("admin listening on %s (port %d)", cf->admin_listen,
		    admin_port(d->admin));
	}
	relaisd_console(d, cf, 0, NULL);
	pipeline_start(d->pipeline);
	log_info("relaisd %s started consumer=%s group=%s", RELAIS_VERSION,
	    cf->redis.consumer, cf->redis.group);
	config_redis_where(&cf->redis, where, sizeof where);
	d->notify = notify_new(d->base, where);
	pipeline_on_redis(d->pipeline, relaisd_on_redis, d);
	if (event_base_dispatch(d->base) == -1)
		fatalx("event loop failed");

	console_free(d->console);
	admin_free(d->admin);
	consent_free(d->consent);
	/* the pipeline frees the gateways (first) and every configuration */
	pipeline_free(d->pipeline);
	http_free(d->http);
	event_free(d->ev_term);
	event_free(d->ev_int);
	event_free(d->ev_hup);
	event_free(d->ev_drain_timeout);
	notify_free(d->notify);
	event_base_free(d->base);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-format", required_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct relaisd	 d;
	const char	*path = NULL;
	char		 err[256];
	int		 ch, check = 0, verbose = 0, json = 0;

	while ((ch = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'L':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "relaisd: --log-format is text "
				    "or json\n");
				return 2;
			}
			break;
		case 'V':
			printf("relaisd %s\n", RELAIS_VERSION);
			return 0;
		case 'h':
			relaisd_usage(stdout);
			return 0;
		default:
			relaisd_usage(stderr);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		relaisd_usage(stderr);
		return 2;
	}
	log_init("relaisd", verbose);
	log_set_json(json);
	if (clock_init(err, sizeof err) == -1) {
		log_errx("%s", err);
		return 1;
	}
	if (check)
		return relaisd_check(path, 0);

	jarena_init();		/* before any thread: Jansson's allocator */
	memset(&d, 0, sizeof d);
	if ((d.cf = relaisd_load(path, 1)) == NULL)
		return 1;
	d.nofile = relaisd_nofile();
	relaisd_run(&d);
	log_info("stopped");
	return 0;
}
