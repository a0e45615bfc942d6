/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for delivery: one delivery's fate (sent, retry, dead,
 * skipped) as the pipeline drives it, wired as relaisd's main.c wires it,
 * on a throwaway redis-server (tests/unit/redis_fixture.h), with an outbox
 * gateway and a webhook gateway whose port refuses connections; the
 * outcome read back from Redis and the outbox file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "gw.h"
#include "http.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "redis_fixture.h"

#define TEST_OUT	"    gateways: [ out ]\n"
#define TEST_HOOK	"    gateways: [ hook ]\n"
#define TEST_CONSENT	\
	"\"email\":\"ana@example.com\",\"consent\":{\"email\":true}"

/*
 * Writes the config (limits, extra sections and the newcomers' email route
 * given), loads it, and starts the pipeline on it; called from the tests,
 * not setup, so that a failure here still runs teardown. Gateway out is
 * the outbox; hook a webhook on a loopback port that refuses connections.
 */
static void
test_start(struct fx *f, const char *limits, const char *extra,
    const char *route)
{
	char		 path[PATH_MAX], cwd[PATH_MAX], err[256];
	struct config	*cf;
	struct gw_set	*gws;
	struct diag	 d;
	FILE		*fp;
	size_t		 i;

	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(path, sizeof path, "%s/relais.yaml", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp,
	    "redis:\n"
	    "  url: unix://%s\n"
	    "  consumer: c1\n"
	    "  block_ms: 50\n"
	    "  command_timeout_ms: 5000\n"
	    /* why: a retry due soon must not come back during a test */
	    "  schedule_interval_ms: 60000\n"
	    "admin: { listen: \"off\" }\n"
	    "limits: { backoff_base_ms: 60000, backoff_cap_ms: 60000,"
	    " max_per_recipient_per_day: 0%s }\n"
	    "gateways:\n"
	    "  out: { kind: outbox, path: %s }\n"
	    "  hook: { kind: webhook, url: \"http://127.0.0.1:%d/m\","
	    " connect_timeout_ms: 2000, timeout_ms: 2000 }\n"
	    "%s"
	    /* no follow-ups: the scheduled set holds only retries */
	    "followups: { plan: [] }\n"
	    "templates: { dir: %s/config/templates }\n"
	    "territories:\n"
	    "  t1:\n"
	    "    name: { fr: T Un, en: T One }\n"
	    "    email: { from: t1@example.org, name: T1 }\n"
	    "    branding: { signature: S, phone: \"819 555-0100\","
	    " address: A }\n"
	    "    municipalities: [Amos]\n"
	    "routes:\n"
	    "  - match: { type: newcomer.arrived, role: newcomer,"
	    " channel: email }\n"
	    "%s"
	    "    template: welcome\n"
	    "  - { match: {}, send: false }\n",
	    f->srv.sock, limits, f->outbox, f->closed_port, extra, cwd,
	    route);
	fclose(fp);
	diag_init(&d);
	cf = config_load(path, &d);
	if (cf != NULL && config_check(cf, &d) > 0) {
		config_free(cf);
		cf = NULL;
	}
	for (i = 0; i < d.n; i++)
		print_message("diag: %s\n", d.msgs[i]);
	diag_free(&d);
	unlink(path);
	assert_non_null(cf);
	if ((gws = gw_set_new(f->base, f->http, cf, err, sizeof err)) == NULL)
		fail_msg("gw_set_new: %s", err);
	f->p = pipeline_new(f->base, cf, gws);
	pipeline_start(f->p);
	/* the consumer group exists once the pipeline is up */
	TEST_UNTIL(f->base, pipeline_redis_up(f->p) && test_pending(f) == 0,
	    TEST_WAIT_MS);
}

/*
 * A loopback port bound and never listened on: a connection to it is
 * refused at once, and no other process can take it during the test.
 */
static void
test_closed_port(struct fx *f)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	assert_true((f->closed_fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->closed_fd, (struct sockaddr *)&sin,
	    sizeof sin), 0);
	assert_int_equal(getsockname(f->closed_fd, (struct sockaddr *)&sin,
	    &len), 0);
	f->closed_port = ntohs(sin.sin_port);
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/relais-ut-dl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->outbox, sizeof f->outbox, "%s/outbox.jsonl", f->dir);
	assert_non_null(f->base = event_base_new());
	assert_non_null(f->http = http_new(f->base));
	test_closed_port(f);
	test_redis_start(&f->srv, NULL, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	/* the pipeline frees the gateways and the config */
	pipeline_free(f->p);
	http_free(f->http);
	event_base_free(f->base);
	test_redis_stop(&f->srv);
	unlink(f->outbox);
	rmdir(f->dir);
	close(f->closed_fd);
	free(f);
	return 0;
}

/* The one member of the scheduled set: its due time in ms (-1: none). */
static long long
test_scheduled_due(struct fx *f)
{
	redisReply	*r;
	long long	 due = -1;

	r = test_redis_cmd(&f->srv, "ZRANGE relais:scheduled 0 -1 WITHSCORES");
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2)
		due = strtoll(r->element[1]->str, NULL, 10);
	freeReplyObject(r);
	return due;
}

/* The last delivery record says outcome, its reason holds reason. */
static void
test_record(struct fx *f, const char *outcome, const char *reason)
{
	char	v[512];

	test_stream_field(f, "relais:deliveries", "outcome", v, sizeof v);
	assert_string_equal(v, outcome);
	test_stream_field(f, "relais:deliveries", "reason", v, sizeof v);
	if (strstr(v, reason) == NULL)
		fail_msg("delivery reason: expected \"%s\" in it, got \"%s\"",
		    reason, v);
}

/* One welcome in, until its delivery is recorded and the entry acked. */
static void
test_one(struct fx *f, const char *id, const char *person)
{
	char	ev[1024];

	test_event(ev, sizeof ev, id, person);
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_handled(f) &&
	    test_xlen(f, "relais:deliveries") >= 1, TEST_WAIT_MS);
	assert_int_equal(test_xlen(f, "relais:deliveries"), 1);
	assert_int_equal(test_xlen(f, "relais:events"), 0);
}

/* The gateway answers: sent, marked, recorded with the gateway's name. */
static void
test_sent(void **state)
{
	struct fx	*f = *state;
	char		 key[128], v[256];

	test_start(f, "", "", TEST_OUT);
	test_one(f, "e-s", TEST_CONSENT);
	test_record(f, "sent", "");
	assert_int_equal(test_outbox_lines(f), 1);
	test_outbox_field(f, 1, "to", v, sizeof v);
	assert_string_equal(v, "ana@example.com");
	test_stream_field(f, "relais:deliveries", "key", key, sizeof key);
	/* the idempotency marker: never sent twice */
	assert_int_equal(test_redis_int(&f->srv, "EXISTS relais:sent:%s", key),
	    1);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD relais:scheduled"), 0);
}

/* The gateway refuses the connection: a retry scheduled, nothing sent. */
static void
test_gateway_down_retry(void **state)
{
	struct fx	*f = *state;
	long long	 due;
	struct timespec	 ts;

	test_start(f, "", "", TEST_HOOK);
	test_one(f, "e-r", TEST_CONSENT);
	test_record(f, "retry", "retry in");
	assert_int_equal(test_outbox_lines(f), 0);
	assert_int_equal(test_xlen(f, "relais:dead"), 0);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD relais:scheduled"), 1);
	/* due within the backoff's ceiling (60 s), wall clock */
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	due = test_scheduled_due(f);
	if (due < (long long)ts.tv_sec * 1000 - TEST_WAIT_MS ||
	    due > (long long)ts.tv_sec * 1000 + 61000)
		fail_msg("retry due at %lld, expected within 60 s of %lld",
		    due, (long long)ts.tv_sec * 1000);
	assert_int_equal(pipeline_inflight(f->p), 0);
}

/* Out of attempts: the failure becomes a dead letter, not a retry. */
static void
test_gateway_down_dead(void **state)
{
	struct fx	*f = *state;
	char		 v[512];

	test_start(f, ", max_attempts: 1", "", TEST_HOOK);
	test_one(f, "e-x", TEST_CONSENT);
	test_record(f, "dead", "gave up after 1 attempts");
	assert_int_equal(test_outbox_lines(f), 0);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD relais:scheduled"), 0);
	assert_int_equal(test_xlen(f, "relais:dead"), 1);
	test_stream_field(f, "relais:dead", "event_id", v, sizeof v);
	assert_string_equal(v, "e-x");
	test_stream_field(f, "relais:dead", "reason", v, sizeof v);
	if (strstr(v, "gave up after 1 attempts") == NULL)
		fail_msg("dead letter reason: got \"%s\"", v);
}

/* On the suppression list: skipped at Redis's last word, nothing sent. */
static void
test_suppressed(void **state)
{
	struct fx	*f = *state;

	test_start(f, "", "", TEST_OUT);
	freeReplyObject(test_redis_cmd(&f->srv,
	    "HSET relais:suppressed email:ana@example.com {}"));
	test_one(f, "e-sup", TEST_CONSENT);
	test_record(f, "skipped", "recipient opted out (suppression list)");
	assert_int_equal(test_outbox_lines(f), 0);
	assert_int_equal(test_xlen(f, "relais:dead"), 0);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD relais:scheduled"), 0);
}

/* Outside its route's window: deferred to the next opening, not sent. */
static void
test_window_closed(void **state)
{
	struct fx	*f = *state;
	char		 extra[256];
	struct timespec	 ts;
	struct tm	 tm;
	long long	 now, due;
	int		 start;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	assert_non_null(gmtime_r(&ts.tv_sec, &tm));
	/* an hour that opens at least an hour from now, ending before 24:00 */
	start = (tm.tm_hour + 2) % 24;
	if (start == 23)
		start = (tm.tm_hour + 4) % 24;
	snprintf(extra, sizeof extra,
	    "windows:\n"
	    "  later:\n"
	    "    intervals:\n"
	    "      - times: [{ start_time: \"%02d:00\", end_time: \"%02d:00\" }]\n"
	    "        location: UTC\n", start, start + 1);
	test_start(f, "", extra, TEST_OUT "    window: later\n");
	test_one(f, "e-w", TEST_CONSENT);
	test_record(f, "deferred", "outside window later");
	assert_int_equal(test_outbox_lines(f), 0);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD relais:scheduled"), 1);
	now = (long long)ts.tv_sec * 1000;
	due = test_scheduled_due(f);
	if (due < now + 3600000 - 60000 || due > now + 5 * 3600000)
		fail_msg("deferred to %lld, expected %02d:00 UTC, 1 to 5 h after "
		    "%lld", due, start, now);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_down_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gateway_down_dead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_suppressed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_window_closed, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
