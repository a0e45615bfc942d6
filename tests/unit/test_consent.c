/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * consent: the script arguments of each change and what its reply means,
 * against a stand-in for redis.h linked in place of redis.c (no server:
 * the script itself runs in the integration tests).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "consent.h"
#include "redis.h"

#define TEST_CALLS	8
#define TEST_ARGS	32

/* The stand-in connection: up or not, and the calls sent, unanswered. */
struct redis {
	int			 up;
	int			 started;
	struct redis_script	*script;
	struct {
		redis_cb	 cb;
		void		*arg;
	}			 calls[TEST_CALLS];
	int			 ncalls;
	/* the last call's arguments */
	char			*argv[TEST_ARGS];
	int			 argc;
	const struct redis_script *sent;
};

static struct redis	*test_r;

struct redis *
redis_new(struct event_base *base, const struct config_redis *cf,
    const char *name, redis_state_cb cb, void *arg)
{
	(void)base;
	(void)cf;
	(void)name;
	(void)cb;
	(void)arg;
	assert_null(test_r);
	return test_r = xcalloc(1, sizeof *test_r);
}

void
redis_script_add(struct redis *r, struct redis_script *s)
{
	r->script = s;
}

void
redis_start(struct redis *r)
{
	r->started = 1;
}

int
redis_is_up(const struct redis *r)
{
	return r->up;
}

static void
test_forget_args(struct redis *r)
{
	int	i;

	for (i = 0; i < r->argc; i++)
		free(r->argv[i]);
	r->argc = 0;
}

/* As redis.c: every call unanswered gets NULL, then all is freed. */
void
redis_free(struct redis *r)
{
	int	i;

	for (i = 0; i < r->ncalls; i++)
		r->calls[i].cb(NULL, r->calls[i].arg);
	test_forget_args(r);
	free(r);
	test_r = NULL;
}

int
redis_eval(struct redis *r, const struct redis_script *s, redis_cb cb,
    void *arg, long timeout_ms, int nkeys, int argc, const char **argv,
    const size_t *argvlen)
{
	int	i;

	(void)timeout_ms;
	assert_int_equal(nkeys, 0);
	assert_null(argvlen);
	if (!r->up)
		return -1;
	assert_true(r->ncalls < TEST_CALLS && argc <= TEST_ARGS);
	test_forget_args(r);
	for (i = 0; i < argc; i++)
		r->argv[i] = xstrdup(argv[i]);
	r->argc = argc;
	r->sent = s;
	r->calls[r->ncalls].cb = cb;
	r->calls[r->ncalls].arg = arg;
	r->ncalls++;
	return 0;
}

/* Answers the oldest call unanswered with reply (NULL: no reply). */
static void
test_answer(const redisReply *reply)
{
	redis_cb	 cb;
	void		*arg;

	assert_true(test_r->ncalls > 0);
	cb = test_r->calls[0].cb;
	arg = test_r->calls[0].arg;
	test_r->ncalls--;
	memmove(&test_r->calls[0], &test_r->calls[1], (size_t)test_r->ncalls *
	    sizeof test_r->calls[0]);
	cb((redisReply *)(uintptr_t)reply, arg);
}

static void
test_answer_str(int type, const char *s)
{
	redisReply	reply;

	memset(&reply, 0, sizeof reply);
	reply.type = type;
	reply.str = (char *)(uintptr_t)s;
	reply.len = strlen(s);
	test_answer(&reply);
}

/* The last call's arguments are exactly want; "AT" stands for the time. */
static void
test_args_are(const char *const *want, int n)
{
	int	i;

	if (test_r->argc != n)
		fail_msg("expected %d arguments, got %d", n, test_r->argc);
	for (i = 0; i < n; i++) {
		if (strcmp(want[i], "AT") == 0) {
			if (strncmp(test_r->argv[i], "2026-03-04T19:30:0",
			    18) != 0 || strlen(test_r->argv[i]) != 24)
				fail_msg("argument %d: expected the time, got "
				    "\"%s\"", i, test_r->argv[i]);
		} else if (strcmp(test_r->argv[i], want[i]) != 0)
			fail_msg("argument %d: expected \"%s\", got \"%s\"", i,
			    want[i], test_r->argv[i]);
	}
	assert_ptr_equal(test_r->sent, test_r->script);
}

/* The record written for an opt-out, with the time of argument 2. */
static void
test_record_is(const char *source, const char *sid)
{
	char	want[256];

	if (sid != NULL)
		snprintf(want, sizeof want, "{\"at\":\"%s\",\"source\":\"%s\","
		    "\"message_sid\":\"%s\"}", test_r->argv[2], source, sid);
	else
		snprintf(want, sizeof want, "{\"at\":\"%s\",\"source\":\"%s\"}",
		    test_r->argv[2], source);
	assert_string_equal(test_r->argv[8], want);
}

static int	test_done_n, test_done_result, test_drained_n;

static void
test_done(void *arg, int result)
{
	assert_ptr_equal(arg, &test_done_n);
	test_done_n++;
	test_done_result = result;
}

static void
test_drained(void *arg)
{
	assert_ptr_equal(arg, &test_drained_n);
	test_drained_n++;
}

static const struct consent_limits test_lim = { 86400, 31536000, 1000 };

static struct consent *
test_consent(int up)
{
	struct config_redis	 cf;
	struct consent		*c;

	memset(&cf, 0, sizeof cf);
	cf.prefix = (char *)"relais:";
	c = consent_new(NULL, &cf);
	assert_non_null(test_r);
	assert_non_null(test_r->script);
	assert_non_null(test_r->script->body);
	consent_start(c);
	assert_true(test_r->started);
	test_r->up = up;
	test_done_n = test_drained_n = 0;
	test_done_result = 99;
	return c;
}

static int
test_setup(void **state)
{
	char	err[256];

	(void)state;
	if (setenv("RELAIS_TEST_NOW", "2026-03-04T19:30:00Z", 1) == -1)
		return -1;
	return clock_init(err, sizeof err) == 1 ? 0 : -1;
}

static int
test_teardown(void **state)
{
	char	err[256];

	(void)state;
	unsetenv("RELAIS_TEST_NOW");
	return clock_init(err, sizeof err) == 0 ? 0 : -1;
}

/* Redis down: every change refused at once, done never called. */
static void
test_down(void **state)
{
	struct consent_feedback	 fb = { "email:ana@example.org",
	    "sendgrid:bounce", "evhook:sendgrid:e1", "sendgrid", "", "bounce",
	    "", 1 };
	struct consent		*c;

	(void)state;
	c = test_consent(0);
	assert_int_equal(consent_optout(c, "sms:+18195550123", "twilio:stop",
	    "SM1", &test_lim), -1);
	assert_int_equal(consent_optin(c, "sms:+18195550123", "twilio:start",
	    "twilio:stop", NULL, &test_lim), -1);
	assert_int_equal(consent_status(c, "SM1", "delivered", NULL, &test_lim),
	    -1);
	assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
	    &test_done_n), -1);
	fb.suppress = 0;
	assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
	    &test_done_n), -1);
	assert_int_equal(test_done_n, 0);
	assert_int_equal(test_r->ncalls, 0);
	/* nothing in flight: drained at once */
	consent_drain(c, test_drained, &test_drained_n);
	assert_int_equal(test_drained_n, 1);
	consent_free(c);
	consent_free(NULL);
	consent_drain(NULL, test_drained, &test_drained_n);
	assert_int_equal(test_drained_n, 2);
}

/* Opt-out and opt-in: the common arguments, then each one's own. */
static void
test_optout_optin(void **state)
{
	static const char *const out_sid[] = { "relais:", "out", "AT",
	    "twilio:sid:SM123", "86400", "sms:+18195550123", "twilio:stop",
	    "SM123", "RECORD", "31536000", "100" };
	static const char *const out_nosid[] = { "relais:", "out", "AT", "",
	    "86400", "email:ana@example.org", "unsubscribe", "", "RECORD",
	    "31536000", "100" };
	static const char *const in[] = { "relais:", "in", "AT",
	    "twilio:sid:SM124", "86400", "sms:+18195550123", "twilio:start",
	    "SM124", "twilio:stop", "31536000", "100" };
	const char		*want[11];
	struct consent		*c;

	(void)state;
	c = test_consent(1);
	assert_int_equal(consent_optout(c, "sms:+18195550123", "twilio:stop",
	    "SM123", &test_lim), 0);
	memcpy(want, out_sid, sizeof want);
	want[8] = test_r->argv[8];
	test_args_are(want, 11);
	test_record_is("twilio:stop", "SM123");

	assert_int_equal(consent_optout(c, "email:ana@example.org",
	    "unsubscribe", NULL, &test_lim), 0);
	memcpy(want, out_nosid, sizeof want);
	want[8] = test_r->argv[8];
	test_args_are(want, 11);
	test_record_is("unsubscribe", NULL);

	assert_int_equal(consent_optin(c, "sms:+18195550123", "twilio:start",
	    "twilio:stop", "SM124", &test_lim), 0);
	test_args_are(in, 11);
	assert_int_equal(test_r->ncalls, 3);
	test_answer_str(REDIS_REPLY_STRING, "added");
	test_answer_str(REDIS_REPLY_STRING, "kept");
	test_answer_str(REDIS_REPLY_STRING, "refused");
	consent_free(c);
}

/* A delivery status, once per (sid, status); a provider's report. */
static void
test_status_feedback(void **state)
{
	static const char *const status[] = { "relais:", "status", "AT",
	    "twilio:status:SM9:undelivered", "86400", "SM9", "undelivered",
	    "30006", "1000" };
	static const char *const status_nocode[] = { "relais:", "status", "AT",
	    "twilio:status:SM9:delivered", "86400", "SM9", "delivered", "",
	    "1000" };
	static const char *const soft[] = { "relais:", "status", "AT",
	    "evhook:sendgrid:e2", "86400", "pid-2", "deferred", "", "1000",
	    "channel", "email", "gateway", "sendgrid", "to", "a***@example.org",
	    "reason", "mailbox full", "source", "sendgrid:deferred" };
	static const char *const hard[] = { "relais:", "out", "AT",
	    "evhook:sendgrid:e3", "86400", "email:ana@example.org",
	    "sendgrid:bounce", "pid-3", "RECORD", "31536000", "100" };
	struct consent_feedback	 fb;
	const char		*want[19];
	struct consent		*c;

	(void)state;
	c = test_consent(1);
	assert_int_equal(consent_status(c, "SM9", "undelivered", "30006",
	    &test_lim), 0);
	test_args_are(status, 9);
	assert_int_equal(consent_status(c, "SM9", "delivered", NULL,
	    &test_lim), 0);
	test_args_are(status_nocode, 9);

	/* a soft bounce: an entry in deliveries, the address masked */
	fb.id = "email:ana@example.org";
	fb.source = "sendgrid:deferred";
	fb.replay = "evhook:sendgrid:e2";
	fb.gateway = "sendgrid";
	fb.provider_id = "pid-2";
	fb.status = "deferred";
	fb.detail = "mailbox full";
	fb.suppress = 0;
	assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
	    &test_done_n), 0);
	test_args_are(soft, 19);
	/* no detail: the status is the reason */
	fb.detail = "";
	assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
	    &test_done_n), 0);
	memcpy(want, soft, sizeof want);
	want[16] = "deferred";
	test_args_are(want, 19);

	/* a hard bounce: an opt-out, the provider's id as its sid */
	fb.source = "sendgrid:bounce";
	fb.replay = "evhook:sendgrid:e3";
	fb.provider_id = "pid-3";
	fb.status = "bounce";
	fb.suppress = 1;
	assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
	    &test_done_n), 0);
	memcpy(want, hard, sizeof hard);
	want[8] = test_r->argv[8];
	test_args_are(want, 11);
	test_record_is("sendgrid:bounce", "pid-3");
	/* without the provider's id: no sid, no message_sid in the record */
	fb.provider_id = "";
	assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
	    &test_done_n), 0);
	assert_string_equal(test_r->argv[7], "");
	assert_string_equal(test_r->argv[3], "evhook:sendgrid:e3");
	test_record_is("sendgrid:bounce", NULL);
	assert_int_equal(test_done_n, 0);
	consent_free(c);
	/* freed with calls in flight: each done told it failed */
	assert_int_equal(test_done_n, 4);
	assert_int_equal(test_done_result, CONSENT_FAILED);
}

/* What the reply means for done; drained once the last call is answered. */
static void
test_replies(void **state)
{
	struct consent_feedback	 fb = { "email:ana@example.org",
	    "sendgrid:bounce", "evhook:sendgrid:e1", "sendgrid", "", "bounce",
	    "", 1 };
	redisReply		 integer;
	struct consent		*c;
	int			 i;

	(void)state;
	c = test_consent(1);
	for (i = 0; i < 6; i++)
		assert_int_equal(consent_feedback(c, &fb, &test_lim, test_done,
		    &test_done_n), 0);
	consent_drain(c, test_drained, &test_drained_n);
	assert_int_equal(test_drained_n, 0);

	test_answer_str(REDIS_REPLY_STRING, "added");
	assert_int_equal(test_done_result, CONSENT_APPLIED);
	test_answer_str(REDIS_REPLY_STATUS, "kept");
	assert_int_equal(test_done_result, CONSENT_APPLIED);
	test_answer_str(REDIS_REPLY_STRING, "replayed");
	assert_int_equal(test_done_result, CONSENT_REPLAYED);
	test_answer_str(REDIS_REPLY_ERROR, "NOSCRIPT No matching script");
	assert_int_equal(test_done_result, CONSENT_FAILED);
	memset(&integer, 0, sizeof integer);
	integer.type = REDIS_REPLY_INTEGER;
	integer.integer = 1;
	test_done_result = 99;
	test_answer(&integer);
	assert_int_equal(test_done_result, CONSENT_FAILED);
	assert_int_equal(test_drained_n, 0);
	test_done_result = 99;
	test_answer(NULL);
	assert_int_equal(test_done_result, CONSENT_FAILED);
	assert_int_equal(test_done_n, 6);
	/* the last answer drains it, once */
	assert_int_equal(test_drained_n, 1);
	consent_free(c);
	assert_int_equal(test_drained_n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_optout_optin),
		cmocka_unit_test(test_status_feedback),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
