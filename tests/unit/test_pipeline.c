/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for pipeline: the job state machine wired as relaisd's main.c
 * wires it (config_load, the HTTP engine, the gateways, the pipeline on a
 * throwaway redis-server, tests/unit/redis_fixture.h), events pushed into
 * the stream with the fixture's synchronous connection, the loop run until
 * the outcome shows in Redis and in the outbox file, or a deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * Writes the config, loads it and starts the pipeline on it; called from
 * the tests, not setup, so that a failure here still runs teardown.
 */
static void
test_start(struct fx *f)
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
	    "admin: { listen: \"off\" }\n"
	    "limits: { backoff_base_ms: 60000, backoff_cap_ms: 60000,"
	    " max_per_recipient_per_day: 0 }\n"
	    "gateways:\n"
	    "  out: { kind: outbox, path: %s }\n"
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
	    "    gateways: [ out ]\n"
	    "    template: welcome\n"
	    "  - { match: {}, send: false }\n",
	    f->srv.sock, f->outbox, cwd);
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

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/relais-ut-pl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->outbox, sizeof f->outbox, "%s/outbox.jsonl", f->dir);
	assert_non_null(f->base = event_base_new());
	assert_non_null(f->http = http_new(f->base));
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
	free(f);
	return 0;
}

/* A welcome with email consent: one line out, acked, recorded as sent. */
static void
test_welcome_sent(void **state)
{
	struct fx	*f = *state;
	char		 ev[1024], v[256];

	test_start(f);
	test_event(ev, sizeof ev, "e-1",
	    "\"email\":\"ana@example.com\",\"consent\":{\"email\":true}");
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_outbox_lines(f) >= 1 && test_handled(f) &&
	    test_xlen(f, "relais:deliveries") >= 1, TEST_WAIT_MS);

	assert_int_equal(test_outbox_lines(f), 1);
	test_outbox_field(f, 1, "to", v, sizeof v);
	assert_string_equal(v, "ana@example.com");
	test_outbox_field(f, 1, "event_id", v, sizeof v);
	assert_string_equal(v, "e-1");
	test_outbox_field(f, 1, "template", v, sizeof v);
	assert_string_equal(v, "welcome");
	test_outbox_field(f, 1, "channel", v, sizeof v);
	assert_string_equal(v, "email");

	assert_int_equal(test_xlen(f, "relais:events"), 0);
	assert_int_equal(test_pending(f), 0);
	assert_int_equal(test_xlen(f, "relais:dead"), 0);
	assert_int_equal(test_xlen(f, "relais:deliveries"), 1);
	test_stream_field(f, "relais:deliveries", "outcome", v, sizeof v);
	assert_string_equal(v, "sent");
	test_stream_field(f, "relais:deliveries", "event_id", v, sizeof v);
	assert_string_equal(v, "e-1");
	test_stream_field(f, "relais:deliveries", "gateway", v, sizeof v);
	assert_string_equal(v, "out");
	/* the record never holds the whole address */
	test_stream_field(f, "relais:deliveries", "to", v, sizeof v);
	assert_null(strstr(v, "ana@"));
	assert_int_equal(pipeline_inflight(f->p), 0);
}

/* No consent to email: nothing sent, the skip recorded, the entry acked. */
static void
test_no_consent(void **state)
{
	struct fx	*f = *state;
	char		 ev[1024], v[256];

	test_start(f);
	test_event(ev, sizeof ev, "e-nc", "\"email\":\"ana@example.com\"");
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_handled(f) &&
	    test_xlen(f, "relais:deliveries") >= 1, TEST_WAIT_MS);
	assert_int_equal(test_outbox_lines(f), 0);
	assert_int_equal(test_xlen(f, "relais:dead"), 0);
	test_stream_field(f, "relais:deliveries", "outcome", v, sizeof v);
	assert_string_equal(v, "skipped");
}

/* One event id pushed twice, as two stream entries: sent once. */
static void
test_duplicate(void **state)
{
	struct fx	*f = *state;
	char		 ev[1024];
	long long	 deliveries;

	test_start(f);
	test_event(ev, sizeof ev, "e-dup",
	    "\"email\":\"ana@example.com\",\"consent\":{\"email\":true}");
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_outbox_lines(f) >= 1 && test_handled(f),
	    TEST_WAIT_MS);
	deliveries = test_xlen(f, "relais:deliveries");
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_handled(f), TEST_WAIT_MS);
	/* the same again, both in one read */
	test_emit(f, ev);
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_handled(f), TEST_WAIT_MS);

	assert_int_equal(test_outbox_lines(f), 1);
	assert_int_equal(test_xlen(f, "relais:deliveries"), deliveries);
	assert_int_equal(test_xlen(f, "relais:dead"), 0);
	assert_int_equal(test_xlen(f, "relais:events"), 0);
}

/* An entry that cannot be handled: dead letter with its reason, acked. */
static void
test_dead(struct fx *f, const char *json, const char *reason)
{
	char	v[512];

	test_start(f);
	test_emit(f, json);
	TEST_UNTIL(f->base, test_xlen(f, "relais:dead") >= 1 &&
	    test_handled(f), TEST_WAIT_MS);
	assert_int_equal(test_xlen(f, "relais:dead"), 1);
	test_stream_field(f, "relais:dead", "reason", v, sizeof v);
	if (strstr(v, reason) == NULL)
		fail_msg("dead letter reason: expected \"%s\" in it, got \"%s\"",
		    reason, v);
	test_stream_field(f, "relais:dead", "payload", v, sizeof v);
	assert_string_equal(v, json);
	assert_int_equal(test_outbox_lines(f), 0);
	assert_int_equal(test_xlen(f, "relais:deliveries"), 0);
	assert_int_equal(test_xlen(f, "relais:events"), 0);
}

static void
test_not_json(void **state)
{
	test_dead(*state, "this is {not json", "JSON");
}

static void
test_unknown_type(void **state)
{
	test_dead(*state, "{\"specversion\":\"1.0\",\"id\":\"e-u\",\"source\":"
	    "\"https://tests.example\",\"type\":\"newcomer.teleported\","
	    "\"data\":{}}", "unknown event type \"newcomer.teleported\"");
}

/* Drained: the callback fires once nothing is in flight. */
static void
test_on_drained(void *arg)
{
	(*(int *)arg)++;
}

static void
test_drain(void **state)
{
	struct fx	*f = *state;
	char		 ev[1024];
	int		 drained = 0;
	struct test_loop l;

	test_start(f);
	test_event(ev, sizeof ev, "e-d",
	    "\"email\":\"ana@example.com\",\"consent\":{\"email\":true}");
	test_emit(f, ev);
	TEST_UNTIL(f->base, test_outbox_lines(f) >= 1 && test_handled(f),
	    TEST_WAIT_MS);
	pipeline_drain(f->p, test_on_drained, &drained);
	assert_true(pipeline_draining(f->p));
	TEST_UNTIL(f->base, drained == 1, TEST_WAIT_MS);
	/* no more reading: a new entry stays in the stream */
	test_event(ev, sizeof ev, "e-d2",
	    "\"email\":\"bob@example.com\",\"consent\":{\"email\":true}");
	test_emit(f, ev);
	/* an absence cannot be polled for: the loop runs six reads' worth */
	test_loop_begin(&l, f->base, 300);
	while (test_loop_step(&l))
		;
	test_loop_end(&l);
	assert_int_equal(test_outbox_lines(f), 1);
	assert_int_equal(test_xlen(f, "relais:events"), 1);
	assert_int_equal(drained, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_welcome_sent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_consent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_type, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
