/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* metrics: counters by their labels, latencies, gauges, in Prometheus text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "breaker.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "diag.h"
#include "gw.h"
#include "gw_outbox.h"
#include "metrics.h"
#include "queue.h"

/* One outbox gateway (no network: a file and a thread), for its breaker. */
struct test_env {
	struct event_base	*base;
	struct config		 cf;
	struct config_gateway	 g;
	struct gw_outbox_conf	 oc;
	struct gw_set		*gws;
	char			 dir[64];
	char			 path[128];
};

static struct test_env	env;

static int
test_setup(void **state)
{
	char	err[256];

	(void)state;
	memset(&env, 0, sizeof env);
	snprintf(env.dir, sizeof env.dir, "/tmp/relais-metrics-XXXXXX");
	if (mkdtemp(env.dir) == NULL)
		return -1;
	snprintf(env.path, sizeof env.path, "%s/outbox.jsonl", env.dir);
	env.oc.path = env.path;
	env.g.name = (char *)"outbox1";
	env.g.kind = (char *)"outbox";
	env.g.conf = &env.oc;
	env.g.breaker_failures = 1;
	env.g.breaker_cooldown_ms = 3600000;
	env.cf.gateways = &env.g;
	env.cf.ngateways = 1;
	if ((env.base = event_base_new()) == NULL)
		return -1;
	if ((env.gws = gw_set_new(env.base, NULL, &env.cf, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "gw_set_new: %s\n", err);
		return -1;
	}
	return 0;
}

static int
test_teardown(void **state)
{
	(void)state;
	gw_set_free(env.gws);
	event_base_free(env.base);
	unlink(env.path);
	rmdir(env.dir);
	return 0;
}

/* metrics_write of m now, as a string to free. */
static char *
test_write(const struct metrics *m, const struct metrics_now *now)
{
	struct buf	b;

	buf_init(&b);
	metrics_write(m, now, &b);
	return buf_steal(&b, NULL);
}

/* line (a whole line) is in text exactly once. */
static void
test_line(const char *text, const char *line)
{
	const char	*p;
	size_t		 len = strlen(line);
	int		 n = 0;

	for (p = text; (p = strstr(p, line)) != NULL; p += len) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			n++;
	}
	if (n != 1)
		fail_msg("expected the line \"%s\" once, found it %d times "
		    "in:\n%s", line, n, text);
}

/* No line begins with prefix. */
static void
test_no_line(const char *text, const char *prefix)
{
	const char	*p;

	for (p = text; (p = strstr(p, prefix)) != NULL; p++) {
		if (p == text || p[-1] == '\n')
			fail_msg("unexpected line \"%.60s\" in:\n%s", p, text);
	}
}

/* Nothing counted yet: every family is there, zeros where there is a value. */
static void
test_empty(void **state)
{
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	char			*s;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&now, 0, sizeof now);
	now.gws = env.gws;
	now.gauges = &g;
	m = metrics_new();
	s = test_write(m, &now);
	test_line(s, "# TYPE relais_events_total counter");
	test_line(s, "# TYPE relais_deliveries_total counter");
	test_line(s, "# TYPE relais_gateway_latency_seconds histogram");
	test_line(s, "# TYPE relais_gateway_breaker_state gauge");
	test_line(s, "relais_gateway_breaker_state{gateway=\"outbox1\"} 0");
	test_line(s, "relais_inflight_entries 0");
	test_line(s, "relais_redis_reconnects_total 0");
	test_line(s, "relais_commit_failures_total 0");
	test_line(s, "relais_redis_up 0");
	test_no_line(s, "relais_events_total{");
	test_no_line(s, "relais_deliveries_total{");
	test_no_line(s, "relais_gateway_latency_seconds_");
	/* Redis's sizes not read yet: not written as zeros */
	test_no_line(s, "relais_stream_entries");
	test_no_line(s, "# HELP relais_dead_letters");
	free(s);
	metrics_free(m);
	metrics_free(NULL);
}

/* One sample per label set, each counted; labels never run together. */
static void
test_counters(void **state)
{
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	char			*s;
	unsigned long		 sent, failed;
	int			 i;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&now, 0, sizeof now);
	now.gws = env.gws;
	now.gauges = &g;
	m = metrics_new();
	metrics_event(m, "newcomer.arrived", "done");
	metrics_event(m, "job.posted", "done");
	metrics_event(m, "newcomer.arrived", "dead");
	metrics_event(m, "newcomer.arrived", "done");
	/* "ab" + "c" is not "a" + "bc" */
	metrics_event(m, "ab", "c");
	metrics_event(m, "a", "bc");
	metrics_event(m, "say \"hi\"\n", "done");
	for (i = 0; i < 3; i++)
		metrics_delivery(m, "sent", "email", "abitibi", "sendgrid");
	metrics_delivery(m, "retry", "sms", "abitibi", "twilio");
	metrics_delivery(m, "sent", "email", "abitibi", "brevo");
	metrics_delivery(m, "skipped", "sms", "", "-");
	metrics_commit_failed(m);
	metrics_commit_failed(m);
	s = test_write(m, &now);
	test_line(s, "relais_events_total{type=\"newcomer.arrived\","
	    "outcome=\"done\"} 2");
	test_line(s, "relais_events_total{type=\"newcomer.arrived\","
	    "outcome=\"dead\"} 1");
	test_line(s, "relais_events_total{type=\"job.posted\","
	    "outcome=\"done\"} 1");
	test_line(s, "relais_events_total{type=\"ab\",outcome=\"c\"} 1");
	test_line(s, "relais_events_total{type=\"a\",outcome=\"bc\"} 1");
	test_line(s, "relais_events_total{type=\"say \\\"hi\\\"\\n\","
	    "outcome=\"done\"} 1");
	test_line(s, "relais_deliveries_total{outcome=\"sent\","
	    "channel=\"email\",territory=\"abitibi\",gateway=\"sendgrid\"} 3");
	test_line(s, "relais_deliveries_total{outcome=\"retry\","
	    "channel=\"sms\",territory=\"abitibi\",gateway=\"twilio\"} 1");
	test_line(s, "relais_deliveries_total{outcome=\"sent\","
	    "channel=\"email\",territory=\"abitibi\",gateway=\"brevo\"} 1");
	test_line(s, "relais_deliveries_total{outcome=\"skipped\","
	    "channel=\"sms\",territory=\"\",gateway=\"-\"} 1");
	test_line(s, "relais_commit_failures_total 2");
	test_line(s, "# TYPE relais_events_total counter");
	free(s);
	/* the console's Health page: per gateway, all labels summed */
	metrics_delivery(m, "dead", "sms", "rouyn", "twilio");
	metrics_delivery(m, "sent", "sms", "rouyn", "twilio");
	metrics_gateway_totals(m, "sendgrid", &sent, &failed);
	assert_int_equal(sent, 3);
	assert_int_equal(failed, 0);
	metrics_gateway_totals(m, "twilio", &sent, &failed);
	assert_int_equal(sent, 1);
	assert_int_equal(failed, 2);
	metrics_gateway_totals(m, "nowhere", &sent, &failed);
	assert_int_equal(sent + failed, 0);
	metrics_free(m);
}

/* Latencies per gateway, in seconds, cumulative buckets. */
static void
test_latency(void **state)
{
	static const char *const want[] = {
		"{gateway=\"sendgrid\",le=\"0.001\"} 0",
		"{gateway=\"sendgrid\",le=\"0.002\"} 0",
		"{gateway=\"sendgrid\",le=\"0.005\"} 2",
		"{gateway=\"sendgrid\",le=\"0.01\"} 2",
		"{gateway=\"sendgrid\",le=\"0.025\"} 2",
		"{gateway=\"sendgrid\",le=\"0.05\"} 3",
		"{gateway=\"sendgrid\",le=\"10\"} 3",
		"{gateway=\"sendgrid\",le=\"+Inf\"} 4",
		"{gateway=\"twilio\",le=\"0.1\"} 0",
		"{gateway=\"twilio\",le=\"0.25\"} 1",
		"{gateway=\"twilio\",le=\"+Inf\"} 1",
	};
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	char			*s, line[128];
	size_t			 i;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&now, 0, sizeof now);
	now.gws = env.gws;
	now.gauges = &g;
	m = metrics_new();
	metrics_latency(m, "sendgrid", 3);
	metrics_latency(m, "twilio", 120);
	metrics_latency(m, "sendgrid", 5);	/* a bound is in its bucket */
	metrics_latency(m, "sendgrid", 40);
	metrics_latency(m, "sendgrid", 20000);
	s = test_write(m, &now);
	for (i = 0; i < sizeof want / sizeof *want; i++) {
		snprintf(line, sizeof line,
		    "relais_gateway_latency_seconds_bucket%s", want[i]);
		test_line(s, line);
	}
	test_line(s, "relais_gateway_latency_seconds_sum{gateway=\"sendgrid\"} "
	    "20.048");
	test_line(s, "relais_gateway_latency_seconds_count"
	    "{gateway=\"sendgrid\"} 4");
	test_line(s, "relais_gateway_latency_seconds_sum{gateway=\"twilio\"} "
	    "0.12");
	test_line(s, "relais_gateway_latency_seconds_count"
	    "{gateway=\"twilio\"} 1");
	test_line(s, "# TYPE relais_gateway_latency_seconds histogram");
	free(s);
	metrics_free(m);
}

/* What is read at the moment: in flight, Redis, its sizes, the breakers. */
static void
test_now(void **state)
{
	struct breaker_ticket	 t;
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	struct gw		*gw;
	long long		 wait;
	char			*s;

	(void)state;
	memset(&now, 0, sizeof now);
	memset(&g, 0, sizeof g);
	g.stream = 10;
	g.pending = 2;
	g.scheduled = 7;
	g.dead = 1;
	g.inbox = 0;
	g.valid = 1;
	now.gws = env.gws;
	now.inflight = 5;
	now.reconnects = 3;
	now.redis_up = 1;
	now.gauges = &g;
	/* one failure opens this gateway's breaker for an hour */
	assert_non_null(gw = gw_set_at(env.gws, 0));
	assert_int_equal(breaker_admit(gw->breaker, clock_mono_ms(), &t, &wait),
	    0);
	assert_int_equal(breaker_result(gw->breaker, &t, BREAKER_FAILURE,
	    clock_mono_ms()), BREAKER_OPENS);
	m = metrics_new();
	s = test_write(m, &now);
	test_line(s, "relais_inflight_entries 5");
	test_line(s, "relais_redis_reconnects_total 3");
	test_line(s, "relais_redis_up 1");
	test_line(s, "relais_stream_entries 10");
	test_line(s, "relais_pending_entries 2");
	test_line(s, "relais_scheduled_entries 7");
	test_line(s, "relais_dead_letters 1");
	test_line(s, "relais_inbox_items 0");
	test_line(s, "# TYPE relais_inbox_items gauge");
	test_line(s, "relais_oldest_entry_age_seconds 0");
	test_line(s, "relais_oldest_pending_age_seconds 0");
	test_line(s, "relais_oldest_due_scheduled_age_seconds 0");
	test_line(s, "relais_gateway_breaker_state{gateway=\"outbox1\"} 2");
	free(s);
	metrics_free(m);
}

/* The ages read from Redis, written in seconds. */
static void
test_ages(void **state)
{
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	char			*s;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&now, 0, sizeof now);
	g.oldest_entry_ms = 90500;
	g.oldest_pending_ms = 60000;
	g.oldest_due_ms = 1250;
	g.valid = 1;
	now.gws = env.gws;
	now.gauges = &g;
	m = metrics_new();
	s = test_write(m, &now);
	test_line(s, "relais_oldest_entry_age_seconds 90.5");
	test_line(s, "relais_oldest_pending_age_seconds 60");
	test_line(s, "relais_oldest_due_scheduled_age_seconds 1.25");
	test_line(s, "# TYPE relais_oldest_pending_age_seconds gauge");
	free(s);
	metrics_free(m);
}

/*
 * The shipped config's label sets start at 0: every event type by outcome,
 * every route's channel, territory and gateway by outcome (deferred
 * included), a skip where a route sends nothing; counting adds to them and
 * a second declaration (a reload) keeps what was counted.
 */
static void
test_declare(void **state)
{
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	struct config		*cf;
	struct diag		 d;
	char			*s;

	(void)state;
	unsetenv("RELAIS_EMAIL_GATEWAY");
	unsetenv("RELAIS_SMS_GATEWAY");
	diag_init(&d);
	cf = config_load("config/relais.yaml", &d);
	diag_free(&d);
	assert_non_null(cf);
	memset(&g, 0, sizeof g);
	memset(&now, 0, sizeof now);
	now.gws = env.gws;
	now.gauges = &g;
	m = metrics_new();
	metrics_declare(m, cf);
	metrics_delivery(m, "sent", "email", "abitibi", "outbox");
	metrics_event(m, "newcomer.arrived", "done");
	metrics_declare(m, cf);
	s = test_write(m, &now);
	test_line(s, "relais_events_total{type=\"newcomer.arrived\","
	    "outcome=\"done\"} 1");
	test_line(s, "relais_events_total{type=\"job.posted\","
	    "outcome=\"duplicate\"} 0");
	test_line(s, "relais_events_total{type=\"invalid\","
	    "outcome=\"dead\"} 0");
	test_line(s, "relais_deliveries_total{outcome=\"sent\","
	    "channel=\"email\",territory=\"abitibi\",gateway=\"outbox\"} 1");
	test_line(s, "relais_deliveries_total{outcome=\"deferred\","
	    "channel=\"sms\",territory=\"rouyn-noranda\","
	    "gateway=\"outbox\"} 0");
	test_line(s, "relais_deliveries_total{outcome=\"dead\","
	    "channel=\"email\",territory=\"region\",gateway=\"outbox\"} 0");
	test_line(s, "relais_deliveries_total{outcome=\"skipped\","
	    "channel=\"sms\",territory=\"abitibi\",gateway=\"-\"} 0");
	test_line(s, "relais_gateway_latency_seconds_count"
	    "{gateway=\"outbox\"} 0");
	free(s);
	metrics_free(m);
	config_free(cf);
}

/* Many label sets (the table grows): each counted on its own. */
static void
test_many(void **state)
{
	struct queue_gauges	 g;
	struct metrics_now	 now;
	struct metrics		*m;
	char			*s, t[32], line[160];
	int			 i, k;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&now, 0, sizeof now);
	now.gws = env.gws;
	now.gauges = &g;
	m = metrics_new();
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 500; i++) {
			snprintf(t, sizeof t, "t%d", i);
			if (k <= i % 3)
				metrics_delivery(m, "sent", "email", t, "gw");
		}
	}
	s = test_write(m, &now);
	for (i = 0; i < 500; i++) {
		snprintf(line, sizeof line, "relais_deliveries_total{outcome="
		    "\"sent\",channel=\"email\",territory=\"t%d\","
		    "gateway=\"gw\"} %d", i, i % 3 + 1);
		test_line(s, line);
	}
	free(s);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_counters, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_latency, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_now, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_ages, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_declare, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_many, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
