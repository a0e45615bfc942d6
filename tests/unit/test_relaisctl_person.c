/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for relaisctl suppress, forget and export (relaisctl_person.c), against a throwaway redis-server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "pii.h"
#include "redis_fixture.h"
#include "relaisctl.h"

#define ANA_EVENT	"{\"id\": \"ev-1\", \"type\": \"newcomer.arrived\", " \
			"\"data\": {\"person\": {\"id\": \"p-ana\", " \
			"\"email\": \"ana@example.com\"}}}"

static const struct ctl_opt person_opts[] = {
	{ "email", 0, 1 },
	{ "phone", 0, 1 },
	{ NULL, 0, 0 },
};

static const struct ctl_cmd suppress_cmd = {
	.name = "suppress", .usage = "add|remove|list ADDRESS [REASON]",
};
static const struct ctl_cmd forget_cmd = {
	.name = "forget", .usage = "PERSON_ID [--email A] [--phone N]",
	.opts = person_opts,
};
static const struct ctl_cmd export_cmd = {
	.name = "export", .usage = "PERSON_ID [--email A] [--phone N]",
	.opts = person_opts,
};

struct fx {
	struct test_redis	srv;
	struct config		cf;
	char			url[160];	/* unix://<socket> */
	char			out[16384];	/* what the command printed */
};

static int
setup(void **state)
{
	struct fx	*f;

	assert_non_null(f = calloc(1, sizeof *f));
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	snprintf(f->url, sizeof f->url, "unix://%s", f->srv.sock);
	f->cf.redis.url = f->url;
	f->cf.retention_days = 30;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	test_redis_stop(&f->srv);
	free(f);
	return 0;
}

/*
 * Runs a command with its positional arguments (pos, NULL-terminated) and
 * options (opts: name, value, ..., NULL), its standard output in f->out;
 * its exit code.
 */
static int
run(struct fx *f, const struct ctl_cmd *cmd, ctl_exec exec,
    const char *const *pos, const char *const *opts)
{
	struct ctl	 c;
	struct ctl_args	 a;
	const char	*val[8];
	size_t		 opt[8], i;
	char		*p[8], cap[256];
	ssize_t		 n;
	int		 fd, saved, rc;

	memset(&c, 0, sizeof c);
	c.cmd = cmd;
	c.cf = &f->cf;
	memset(&a, 0, sizeof a);
	a.opts = person_opts;
	a.val = val;
	a.opt = opt;
	a.pos = p;
	for (; pos != NULL && *pos != NULL; pos++)
		p[a.npos++] = (char *)(uintptr_t)*pos;
	for (; opts != NULL && *opts != NULL; opts += 2) {
		for (i = 0; person_opts[i].name != NULL; i++) {
			if (strcmp(person_opts[i].name, opts[0]) == 0)
				break;
		}
		assert_non_null(person_opts[i].name);
		val[a.nocc] = opts[1];
		opt[a.nocc++] = i;
	}

	snprintf(cap, sizeof cap, "%s/stdout", f->srv.dir);
	assert_true((fd = open(cap, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	fflush(stdout);
	assert_true((saved = dup(STDOUT_FILENO)) >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	rc = exec(&c, &a);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	assert_true((n = pread(fd, f->out, sizeof f->out - 1, 0)) >= 0);
	f->out[n] = '\0';
	close(fd);
	if (c.rc != NULL)
		redisFree(c.rc);
	return rc;
}

/* The fields of the last entry of stream key as an object; decref it. */
static json_t *
last_entry(struct fx *f, const char *key)
{
	redisReply	*r, *fl;
	json_t		*o = json_object();
	size_t		 i;

	r = test_redis_cmd(&f->srv, "XREVRANGE %s + - COUNT 1", key);
	assert_int_equal(r->elements, 1);
	fl = r->element[0]->element[1];
	for (i = 0; i + 1 < fl->elements; i += 2)
		json_object_set_new(o, fl->element[i]->str,
		    json_string(fl->element[i + 1]->str));
	freeReplyObject(r);
	return o;
}

static void
assert_field(const json_t *o, const char *k, const char *want)
{
	const char	*got = json_string_value(json_object_get(o, k));

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", k, want,
		    got != NULL ? got : "(none)");
}

static void
assert_prefix(const char *got, const char *want)
{
	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("expected output starting with:\n%s\ngot:\n%s", want,
		    got);
}

static size_t
count_lines(const char *s)
{
	size_t	n = 0;

	while ((s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* suppress add/remove/list: the record, and the consent history with it. */
static void
test_suppress(void **state)
{
	struct fx	*f = *state;
	const char	*add[] = { "Ana.Lefebvre@Example.com", "bounced", NULL };
	const char	*rm[] = { "ana.lefebvre@example.com", NULL };
	const char	*sms[] = { "819 555-0123", NULL };
	const char	*bad[] = { "12", "x", NULL };
	const char	*hk = "t:consent:email:ana.lefebvre@example.com";
	redisReply	*r;
	json_t		*j;
	char		 at[40];

	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_list, NULL, NULL),
	    0);
	assert_string_equal(f->out, "nobody opted out\n");

	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_add, add, NULL), 0);
	assert_string_equal(f->out, "email:ana.lefebvre@example.com "
	    "suppressed\n");
	r = test_redis_cmd(&f->srv, "HGET t:suppressed %s",
	    "email:ana.lefebvre@example.com");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_non_null(j = json_loads(r->str, 0, NULL));
	freeReplyObject(r);
	/* the test clock runs from RELAIS_TEST_NOW */
	assert_non_null(json_string_value(json_object_get(j, "at")));
	snprintf(at, sizeof at, "%s", json_string_value(json_object_get(j,
	    "at")));
	assert_prefix(at, "2026-05-05T14:0");
	assert_field(j, "source", "relaisctl");
	assert_field(j, "reason", "bounced");
	json_decref(j);
	j = last_entry(f, hk);
	assert_field(j, "action", "optout");
	assert_field(j, "source", "relaisctl");
	assert_field(j, "result", "added");
	assert_field(j, "message_sid", "");
	assert_field(j, "at", at);
	json_decref(j);
	/* kept as long as the profiles: retention_days */
	assert_true(test_redis_int(&f->srv, "TTL %s", hk) > 29 * 86400);
	assert_true(test_redis_int(&f->srv, "TTL %s", hk) <= 30 * 86400);

	/* a phone number, normalised; no reason given: "" */
	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_add, sms, NULL), 0);
	assert_string_equal(f->out, "sms:+18195550123 suppressed\n");
	r = test_redis_cmd(&f->srv, "HGET t:suppressed sms:+18195550123");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_non_null(j = json_loads(r->str, 0, NULL));
	freeReplyObject(r);
	assert_field(j, "reason", "");
	json_decref(j);

	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_list, NULL, NULL),
	    0);
	assert_non_null(strstr(f->out, "email:ana.lefebvre@example.com  {"));
	assert_non_null(strstr(f->out, "\"reason\":\"bounced\"}\n"));
	assert_non_null(strstr(f->out, "sms:+18195550123  {"));
	assert_int_equal(count_lines(f->out), 2);

	/* neither an address nor a number: a usage error, nothing stored */
	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_add, bad, NULL), 2);
	assert_string_equal(f->out, "");
	assert_int_equal(test_redis_int(&f->srv, "HLEN t:suppressed"), 2);

	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_remove, rm, NULL),
	    0);
	assert_string_equal(f->out, "email:ana.lefebvre@example.com no longer "
	    "suppressed\n");
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:suppressed %s",
	    "email:ana.lefebvre@example.com"), 0);
	j = last_entry(f, hk);
	assert_field(j, "action", "optin");
	assert_field(j, "result", "removed");
	json_decref(j);
	assert_int_equal(run(f, &suppress_cmd, ctl_suppress_remove, rm, NULL),
	    0);
	assert_string_equal(f->out, "email:ana.lefebvre@example.com was not "
	    "suppressed\n");
	j = last_entry(f, hk);
	assert_field(j, "result", "absent");
	json_decref(j);
	assert_int_equal(test_redis_int(&f->srv, "XLEN %s", hk), 3);
}

/* A person as relaisd leaves one: profile, follow-ups, an opt-out, an event. */
static void
seed_ana(struct fx *f)
{
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:person:p-ana "
	    "email ana@example.com phone +18195550123 territory abitibi "
	    "language fr"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:followups:p-ana "
	    "d30 1780000000000"));
	freeReplyObject(test_redis_cmd(&f->srv, "HSET t:suppressed "
	    "email:ana@example.com %s", "{\"at\":\"2026-05-01T00:00:00.000Z\","
	    "\"source\":\"sendgrid\",\"reason\":\"bounce\"}"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events * event %s",
	    ANA_EVENT));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events * event %s",
	    "{\"id\": \"ev-2\", \"type\": \"job.posted\"}"));
}

static size_t
array_size(const json_t *doc, const char *k)
{
	const json_t	*v = json_object_get(doc, k);

	if (!json_is_array(v))
		fail_msg("%s: expected an array", k);
	return json_array_size(v);
}

/* export: everything found, as one JSON document on standard output. */
static void
test_export(void **state)
{
	struct fx	*f = *state;
	const char	*who[] = { "p-ana", NULL };
	const char	*nobody[] = { "p-nobody", NULL };
	const char	*phone[] = { "phone", "+1 819 555 0199", NULL };
	const char	*badmail[] = { "email", "ana", NULL };
	json_t		*doc, *v;
	char		 longid[PII_ID_MAX + 2];
	const char	*toolong[] = { longid, NULL };

	seed_ana(f);
	assert_int_equal(run(f, &export_cmd, ctl_export, who, phone), 0);
	if ((doc = json_loads(f->out, 0, NULL)) == NULL)
		fail_msg("expected JSON, got: %s", f->out);
	assert_field(doc, "person", "p-ana");
	v = json_object_get(doc, "profile");
	assert_field(v, "email", "ana@example.com");
	assert_field(v, "territory", "abitibi");
	/* the profile's addresses are searched for, with those given */
	v = json_object_get(doc, "searched_for");
	assert_field(v, "id", "p-ana");
	assert_int_equal(json_array_size(json_object_get(v, "emails")), 1);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(v, "emails"), 0)), "ana@example.com");
	assert_int_equal(json_array_size(json_object_get(v, "phones")), 2);
	v = json_object_get(json_object_get(doc, "consent"), "suppressed");
	assert_int_equal(json_array_size(v), 1);
	assert_field(json_array_get(v, 0), "id", "email:ana@example.com");
	assert_field(json_object_get(json_array_get(v, 0), "record"), "source",
	    "sendgrid");
	v = json_object_get(json_object_get(doc, "followups"), "planned");
	assert_field(v, "d30", "1780000000000");
	/* the event that names her, not the other */
	assert_int_equal(array_size(doc, "events"), 1);
	assert_field(json_object_get(json_array_get(json_object_get(doc,
	    "events"), 0), "fields"), "event", ANA_EVENT);
	assert_int_equal(array_size(doc, "dead_letters"), 0);
	assert_int_equal(array_size(doc, "deliveries"), 0);
	json_decref(doc);
	/* export changes nothing */
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:person:p-ana"), 1);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 2);

	/* nobody: the empty document, and 1 */
	assert_int_equal(run(f, &export_cmd, ctl_export, nobody, NULL), 1);
	assert_non_null(doc = json_loads(f->out, 0, NULL));
	assert_field(doc, "person", "p-nobody");
	assert_true(json_is_null(json_object_get(doc, "profile")));
	assert_int_equal(array_size(doc, "events"), 0);
	json_decref(doc);

	/* usage errors: nothing printed */
	assert_int_equal(run(f, &export_cmd, ctl_export, who, badmail), 2);
	assert_string_equal(f->out, "");
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	assert_int_equal(run(f, &export_cmd, ctl_export, toolong, NULL), 2);
	assert_string_equal(f->out, "");
}

/* forget: the person's keys and the entries naming them; opt-outs stay. */
static void
test_forget(void **state)
{
	struct fx	*f = *state;
	const char	*who[] = { "p-ana", NULL };

	seed_ana(f);
	assert_int_equal(run(f, &forget_cmd, ctl_forget, who, NULL), 0);
	assert_prefix(f->out, "person p-ana: stored profile erased\n"
	    "  searched for: the id, 1 email address, 1 phone number\n");
	assert_non_null(strstr(f->out, "\n  unread events                 "
	    "1\n"));
	assert_non_null(strstr(f->out, "\n  dead letters                  "
	    "0\n"));
	assert_non_null(strstr(f->out, "(the suppression list and the consent "
	    "history keep any opt-out: they must\noutlive the rest)\n"));
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:person:p-ana"), 0);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:followups:p-ana"),
	    0);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 1);
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:suppressed %s",
	    "email:ana@example.com"), 1);

	/* again: nothing left of her */
	assert_int_equal(run(f, &forget_cmd, ctl_forget, who, NULL), 0);
	assert_prefix(f->out, "person p-ana: no stored profile\n"
	    "  searched for: the id, 0 email addresses, 0 phone numbers\n");
	assert_non_null(strstr(f->out, "\n  unread events                 "
	    "0\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_suppress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
	};
	char	err[128];

	setenv("RELAIS_TEST_NOW", "2026-05-05T14:03:07Z", 1);
	if (clock_init(err, sizeof err) != 1) {
		fprintf(stderr, "clock_init: %s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
