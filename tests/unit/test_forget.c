/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for forget: relaisctl forget erases a person everywhere
 * relaisd keeps them (their own keys, the lists naming them, the events and
 * deliveries carrying them) and leaves another's data and the consent
 * records; export lists the same, changing nothing. Against a throwaway
 * redis-server (tests/unit/redis_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "followups.h"
#include "pii.h"
#include "redis_fixture.h"
#include "forget.h"

#define EV	"\"specversion\":\"1.0\",\"source\":\"crm\""

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	struct config_followup	 plan[2];
	struct pii		*who;
	char			 err[256];
};

static char	test_d7[] = "d7";
static char	test_d30[] = "d30";

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	f->plan[0].kind = test_d7;
	f->plan[0].days = 7;
	f->plan[1].kind = test_d30;
	f->plan[1].days = 30;
	f->cf.followups.plan = f->plan;
	f->cf.followups.nplan = 2;
	assert_non_null(f->who = pii_new("p-1"));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	pii_free(f->who);
	test_redis_stop(&f->srv);
	free(f);
	return 0;
}

/* A follow-up as relaisd plans it: followups:<id> and its scheduled member. */
static void
test_plan(struct fx *f, const char *person, const char *kind)
{
	char	id[FOLLOWUP_ID_SIZE], m[256];

	followup_event_id(person, kind, id);
	snprintf(m, sizeof m, "event 0 0 - {" EV ",\"id\":\"%s\",\"type\":"
	    "\"followup.due\",\"data\":{\"person\":{\"id\":\"%s\"}}}", id,
	    person);
	test_redis_int(&f->srv, "HSET t:followups:%s %s %s", person, kind, m);
	test_redis_int(&f->srv, "ZADD t:scheduled 1900000000000 %s", m);
}

/*
 * p-1 and p-10 (whose id p-1's is a prefix of) as relaisd keeps them: the
 * profile, caseload, index, follow-ups (p-1's d7 fired: its marker),
 * ledger, digest, reminders, a deferred SMS, a dead letter, unread events,
 * an inbox item, delivery records of their arrival and its status report.
 */
static void
test_seed(struct fx *f)
{
	char	fu[FOLLOWUP_ID_SIZE], sms[256];
	const char *who[] = { "p-1", "p-10" };
	const char *mail[] = { "zoe.q@example.com", "paul@example.com" };
	const char *tel[] = { "+18195550123", "+18195550999" };
	const char *sm[] = { "SM1", "SM2" };
	size_t	i;

	for (i = 0; i < 2; i++) {
		test_redis_int(&f->srv, "HSET t:person:%s first_name Zoe email %s "
		    "phone %s territory vdo counsellor vo-1 arrived_by arr-%s "
		    "mx %s", who[i], mail[i], tel[i], who[i],
		    "[\"t:mx:p:vdo:7\"]");
		test_redis_int(&f->srv, "ZADD t:caseload:vo-1 1900000000000 %s",
		    who[i]);
		test_redis_int(&f->srv, "HSET t:mx:p:vdo:7 %s %s", who[i],
		    "72106\tsoudure");
		test_plan(f, who[i], "d30");
		test_redis_int(&f->srv, "HSET t:announced:e-8 %s job-2", who[i]);
		test_redis_int(&f->srv, "HSET t:digest:e-9 %s j-1", who[i]);
		test_redis_int(&f->srv, "HSET t:reminders:vdo %s %s", who[i],
		    "{\"d30\":{\"due_at\":\"2026-04-01\"}}");
		/* an SMS deferred to its window: found by its phone number */
		snprintf(sms, sizeof sms, "retry 1 0 k {" EV ",\"id\":\"sms-%s\","
		    "\"data\":{\"to\":\"%s\"}}", who[i], tel[i]);
		test_redis_int(&f->srv, "ZADD t:scheduled 1800000000000 %s", sms);
		freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead * reason "
		    "bad payload {" EV ",\"id\":\"bad-%s\",\"data\":{\"person\":"
		    "{\"id\":\"%s\",\"email\":\"%s\"}}}", who[i], who[i],
		    mail[i]));
		freeReplyObject(test_redis_cmd(&f->srv, "XADD t:events * event "
		    "{" EV ",\"id\":\"ev-%s\",\"data\":{\"person\":{\"id\":"
		    "\"%s\"}}}", who[i], who[i]));
		test_redis_int(&f->srv, "RPUSH t:inbox {" EV ",\"id\":\"in-%s\","
		    "\"data\":{\"person\":{\"id\":\"%s\"}}}", who[i], who[i]);
		freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * "
		    "event_id arr-%s outcome sent provider_id %s to x***",
		    who[i], sm[i]));
		freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * "
		    "provider_id %s outcome status status delivered", sm[i]));
	}
	/* p-1 also in an index and a caseload their profile no longer names */
	test_redis_int(&f->srv, "HSET t:mx:p:abitibi:7 p-1 x");
	test_redis_int(&f->srv, "ZADD t:caseload:vo-2 1 p-1");
	followup_event_id("p-1", "d7", fu);
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:seen:%s 1", fu));
	/* kept on forget: an opt-out outlives the person's data */
	test_redis_int(&f->srv, "HSET t:suppressed email:zoe.q@example.com %s",
	    "{\"at\":1,\"why\":\"unsubscribed\"}");
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:consent:email:"
	    "zoe.q@example.com * consent false source link"));
}

/* How many entries of a stream, a list, a zset's members hold text. */
static long long
test_holding(struct fx *f, const char *lua_range, const char *key,
    const char *text)
{
	return test_redis_int(&f->srv, "EVAL %s 1 %s %s", lua_range, key, text);
}

static const char test_stream_has[] =
    "local n = 0 for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) "
    "do for _, v in ipairs(e[2]) do if string.find(v, ARGV[1], 1, true) "
    "then n = n + 1 break end end end return n";
static const char test_stream_is[] =
    "local n = 0 for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) "
    "do for _, v in ipairs(e[2]) do if v == ARGV[1] then n = n + 1 break "
    "end end end return n";
static const char test_list_has[] =
    "local n = 0 local t = redis.call('TYPE', KEYS[1]).ok local a = "
    "t == 'list' and redis.call('LRANGE', KEYS[1], 0, -1) or "
    "redis.call('ZRANGE', KEYS[1], 0, -1) for _, v in ipairs(a) do "
    "if string.find(v, ARGV[1], 1, true) then n = n + 1 end end return n";

static void
test_forget_all(void **state)
{
	struct fx		*f = *state;
	struct forget_report	 rep;
	char			 fu[FOLLOWUP_ID_SIZE];

	test_seed(f);
	assert_int_equal(forget_person(f->srv.c, &f->cf, f->who, &rep, f->err,
	    sizeof f->err), 0);
	assert_int_equal(rep.person, 1);
	assert_int_equal(rep.followups, 1);
	assert_int_equal(rep.index, 2);
	assert_int_equal(rep.caseload, 2);
	assert_int_equal(rep.ledgers, 1);
	assert_int_equal(rep.digests, 1);
	assert_int_equal(rep.reminders, 1);
	assert_int_equal(rep.scheduled, 1);	/* the SMS (d30: followups) */
	assert_int_equal(rep.dead, 1);
	assert_int_equal(rep.events, 2);
	assert_int_equal(rep.deliveries, 2);
	assert_int_equal(rep.seen, 1);

	/* p-1 is gone from every place */
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:person:p-1 "
	    "t:followups:p-1"), 0);
	followup_event_id("p-1", "d7", fu);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:seen:%s", fu), 0);
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:mx:p:vdo:7 p-1"), 0);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:mx:p:abitibi:7"), 0);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:caseload:vo-2"), 0);
	assert_int_equal(test_holding(f, test_stream_has, "t:dead",
	    "zoe.q@example.com"), 0);
	assert_int_equal(test_holding(f, test_stream_is, "t:deliveries",
	    "arr-p-1"), 0);
	assert_int_equal(test_holding(f, test_stream_has, "t:deliveries",
	    "SM1"), 0);
	assert_int_equal(test_holding(f, test_list_has, "t:scheduled",
	    "\"p-1\""), 0);
	assert_int_equal(test_holding(f, test_list_has, "t:scheduled",
	    "sms-p-1\""), 0);
	assert_int_equal(test_holding(f, test_list_has, "t:inbox",
	    "\"p-1\""), 0);

	/* p-10 keeps all they have */
	assert_int_equal(test_redis_int(&f->srv, "HLEN t:person:p-10"), 7);
	assert_int_equal(test_redis_int(&f->srv, "HLEN t:followups:p-10"), 1);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD t:caseload:vo-1"), 1);
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:mx:p:vdo:7 p-10"),
	    1);
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:announced:e-8 "
	    "p-10"), 1);
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:digest:e-9 p-10"),
	    1);
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:reminders:vdo "
	    "p-10"), 1);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD t:scheduled"), 2);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 1);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 1);
	assert_int_equal(test_redis_int(&f->srv, "LLEN t:inbox"), 1);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:deliveries"), 2);
	assert_int_equal(test_holding(f, test_stream_is, "t:deliveries",
	    "SM2"), 2);
	assert_int_equal(test_holding(f, test_stream_is, "t:deliveries",
	    "arr-p-10"), 1);
	/* the opt-out and its history stay */
	assert_int_equal(test_redis_int(&f->srv, "HEXISTS t:suppressed "
	    "email:zoe.q@example.com"), 1);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:consent:email:"
	    "zoe.q@example.com"), 1);

	/* again: nothing left to find */
	assert_int_equal(forget_person(f->srv.c, &f->cf, f->who, &rep, f->err,
	    sizeof f->err), 0);
	assert_int_equal(rep.person + rep.followups + rep.index + rep.caseload +
	    rep.ledgers + rep.digests + rep.reminders + rep.scheduled +
	    rep.dead + rep.events + rep.deliveries + rep.seen, 0);
}

/* The length of doc's array at name. */
static size_t
test_n(const json_t *doc, const char *name)
{
	json_t	*a = json_object_get(doc, name);

	if (!json_is_array(a))
		fail_msg("export: no array \"%s\"", name);
	return json_array_size(a);
}

static void
test_export(void **state)
{
	struct fx	*f = *state;
	json_t		*doc, *o, *v;
	size_t		 found;
	long long	 keys;

	test_seed(f);
	keys = test_redis_int(&f->srv, "DBSIZE");
	assert_int_equal(forget_export(f->srv.c, &f->cf, f->who, &doc, &found,
	    f->err, sizeof f->err), 0);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "person")),
	    "p-1");
	o = json_object_get(doc, "profile");
	assert_string_equal(json_string_value(json_object_get(o, "email")),
	    "zoe.q@example.com");
	o = json_object_get(json_object_get(doc, "searched_for"), "phones");
	assert_string_equal(json_string_value(json_array_get(o, 0)),
	    "+18195550123");
	o = json_object_get(doc, "followups");
	assert_non_null(json_object_get(json_object_get(o, "planned"), "d30"));
	assert_int_equal(json_array_size(json_object_get(o, "dedupe_markers")),
	    1);
	assert_int_equal(test_n(doc, "ledgers"), 1);
	o = json_array_get(json_object_get(doc, "ledgers"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "employer")),
	    "e-8");
	assert_string_equal(json_string_value(json_object_get(o,
	    "announced_by")), "job-2");
	assert_int_equal(test_n(doc, "digests"), 1);
	assert_int_equal(test_n(doc, "reminders"), 1);
	/* the index and caseloads: all of them, before forget's own keys */
	assert_int_equal(test_n(doc, "matching_index"), 2);
	assert_int_equal(test_n(doc, "caseload"), 2);
	assert_int_equal(test_n(doc, "scheduled"), 2);
	assert_int_equal(test_n(doc, "dead_letters"), 1);
	o = json_array_get(json_object_get(doc, "dead_letters"), 0);
	v = json_object_get(o, "found_by");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "id");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "email");
	assert_int_equal(test_n(doc, "events"), 1);
	assert_int_equal(test_n(doc, "inbox"), 1);
	assert_int_equal(test_n(doc, "deliveries"), 2);
	o = json_object_get(doc, "consent");
	assert_int_equal(json_array_size(json_object_get(o, "suppressed")), 1);
	v = json_array_get(json_object_get(o, "history"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "key")),
	    "t:consent:email:zoe.q@example.com");
	assert_int_equal(json_array_size(json_object_get(v, "entries")), 1);
	/* profile 1, consent 2, planned 1, marker 1, walk 14 */
	assert_int_equal(found, 19);
	json_decref(doc);
	/* it changed nothing */
	assert_int_equal(test_redis_int(&f->srv, "DBSIZE"), keys);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:deliveries"), 4);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD t:scheduled"), 4);
}

/*
 * No profile: only an address, inside an event's bytes (not JSON, not
 * UTF-8), a scheduled retry and the delivery record of it. Export shows it
 * base64-encoded; forget takes those, and leaves the rest.
 */
static void
test_bytes_only(void **state)
{
	struct fx		*f = *state;
	struct forget_report	 rep;
	json_t			*doc, *o;
	size_t			 found;
	static const char	 raw[] = "\xff\xfe contact: ZOE.Q@EXAMPLE.COM";

	assert_int_equal(pii_add_email(f->who, "Zoe.Q@example.com", f->err,
	    sizeof f->err), 0);
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead * reason "
	    "unreadable payload %b", raw, sizeof raw - 1));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:dead * reason "
	    "unreadable payload %s", "contact: zoe.q@example.community"));
	test_redis_int(&f->srv, "ZADD t:scheduled 1 %s", "retry 1 0 k {" EV
	    ",\"id\":\"m-1\",\"data\":{\"note\":\"write to zoe.q@example.com\"}}");
	test_redis_int(&f->srv, "ZADD t:scheduled 1 %s", "retry 1 0 k {" EV
	    ",\"id\":\"m-2\",\"data\":{\"note\":\"write to al@example.com\"}}");
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * event_id "
	    "m-1 outcome sent to z***@example.com"));
	freeReplyObject(test_redis_cmd(&f->srv, "XADD t:deliveries * event_id "
	    "m-2 outcome sent to a***@example.com"));

	assert_int_equal(forget_export(f->srv.c, &f->cf, f->who, &doc, &found,
	    f->err, sizeof f->err), 0);
	assert_true(json_is_null(json_object_get(doc, "profile")));
	assert_int_equal(test_n(doc, "dead_letters"), 1);
	o = json_object_get(json_object_get(json_array_get(json_object_get(doc,
	    "dead_letters"), 0), "fields"), "payload");
	assert_string_equal(json_string_value(json_object_get(o, "base64")),
	    "//4gY29udGFjdDogWk9FLlFARVhBTVBMRS5DT00=");
	assert_int_equal(test_n(doc, "scheduled"), 1);
	assert_int_equal(test_n(doc, "deliveries"), 1);
	assert_int_equal(found, 3);
	json_decref(doc);

	assert_int_equal(forget_person(f->srv.c, &f->cf, f->who, &rep, f->err,
	    sizeof f->err), 0);
	assert_int_equal(rep.person, 0);
	assert_int_equal(rep.dead, 1);
	assert_int_equal(rep.scheduled, 1);
	assert_int_equal(rep.deliveries, 1);
	assert_int_equal(test_holding(f, test_stream_has, "t:dead",
	    "community"), 1);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 1);
	assert_int_equal(test_holding(f, test_list_has, "t:scheduled",
	    "al@example.com"), 1);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD t:scheduled"), 1);
	assert_int_equal(test_holding(f, test_stream_has, "t:deliveries",
	    "m-2"), 1);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:deliveries"), 1);
}

/* Someone unknown: nothing found, nothing changed, not an error. */
static void
test_unknown(void **state)
{
	struct fx		*f = *state;
	struct forget_report	 rep;
	json_t			*doc;
	size_t			 found;

	test_seed(f);
	pii_free(f->who);
	assert_non_null(f->who = pii_new("nobody"));
	assert_int_equal(forget_export(f->srv.c, &f->cf, f->who, &doc, &found,
	    f->err, sizeof f->err), 0);
	assert_int_equal(found, 0);
	assert_true(json_is_null(json_object_get(doc, "profile")));
	json_decref(doc);
	assert_int_equal(forget_person(f->srv.c, &f->cf, f->who, &rep, f->err,
	    sizeof f->err), 0);
	assert_int_equal(rep.person + rep.followups + rep.index + rep.caseload +
	    rep.ledgers + rep.digests + rep.reminders + rep.scheduled +
	    rep.dead + rep.events + rep.deliveries + rep.seen, 0);
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:deliveries"), 4);
	assert_int_equal(test_redis_int(&f->srv, "ZCARD t:scheduled"), 4);
}

/* A key of the wrong type: -1, Redis's message, no document. */
static void
test_error(void **state)
{
	struct fx		*f = *state;
	struct forget_report	 rep;
	json_t			*doc;
	size_t			 found;

	freeReplyObject(test_redis_cmd(&f->srv, "SET t:person:p-1 x"));
	assert_int_equal(forget_export(f->srv.c, &f->cf, f->who, &doc, &found,
	    f->err, sizeof f->err), -1);
	assert_null(doc);
	assert_non_null(strstr(f->err, "WRONGTYPE"));
	f->err[0] = '\0';
	assert_int_equal(forget_person(f->srv.c, &f->cf, f->who, &rep, f->err,
	    sizeof f->err), -1);
	assert_non_null(strstr(f->err, "WRONGTYPE"));
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:person:p-1"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forget_all, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
