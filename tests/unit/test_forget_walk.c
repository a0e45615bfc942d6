/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for forget_walk: the search behind relaisctl forget and export
 * (the profile read, every place in its order, the why of each hit, the
 * deliveries tied by event and provider ids, paging, a visit's -1, a Redis
 * error), against a throwaway redis-server (tests/unit/redis_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "followups.h"
#include "pii.h"
#include "redis_fixture.h"
#include "forget_walk.h"

#define TEST_HITS	64
#define EV	"\"specversion\":\"1.0\",\"source\":\"crm\""

/* One hit as the visit saw it (the replies die with the visit). */
struct seen {
	enum forget_place	 place;
	char			 key[128];
	char			 what[512];	/* entry id, member, value */
	int			 why;
};

struct fx {
	struct test_redis	 srv;
	struct config		 cf;
	struct config_followup	 plan[1];
	struct pii		*who;
	struct seen		 hit[TEST_HITS];
	size_t			 n;
	int			 fail_at;	/* visit -1 at this hit; 0: none */
	char			 err[256];
};

static char	test_d30[] = "d30";

static int
test_record(struct forget_search *s, const struct forget_hit *h)
{
	struct fx	*f = s->arg;
	struct seen	*w;
	const redisReply *r;

	if (f->n == TEST_HITS)
		fail_msg("more than %d hits", TEST_HITS);
	w = &f->hit[f->n++];
	w->place = h->place;
	w->why = h->why;
	snprintf(w->key, sizeof w->key, "%s", h->key);
	r = h->entry != NULL ? h->entry->element[0] : h->member != NULL ?
	    h->member : h->value;
	if (r != NULL)
		snprintf(w->what, sizeof w->what, "%.*s", (int)r->len, r->str);
	if (f->fail_at != 0 && f->n == (size_t)f->fail_at)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	f->plan[0].kind = test_d30;
	f->plan[0].days = 30;
	f->cf.followups.plan = f->plan;
	f->cf.followups.nplan = 1;
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

/* A new stream entry; its id in out. */
static void
test_xadd(struct fx *f, const char *stream, char *out, size_t outlen,
    const char *k1, const char *v1, const char *k2, const char *v2)
{
	redisReply	*r;

	if (k2 != NULL)
		r = test_redis_cmd(&f->srv, "XADD t:%s * %s %s %s %s", stream,
		    k1, v1, k2, v2);
	else
		r = test_redis_cmd(&f->srv, "XADD t:%s * %s %s", stream, k1, v1);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	if (out != NULL)
		snprintf(out, outlen, "%s", r->str);
	freeReplyObject(r);
}

static int
test_walk(struct fx *f)
{
	struct forget_search	 s;
	int			 rc;

	forget_search_init(&s, f->srv.c, &f->cf, f->who, test_record, f,
	    f->err, sizeof f->err);
	rc = forget_walk(&s);
	assert_int_equal(s.found, f->n);
	forget_search_clear(&s);
	return rc;
}

/* The hits at place, and the one whose what is what (or NULL). */
static size_t
test_count(const struct fx *f, enum forget_place place)
{
	size_t	i, n = 0;

	for (i = 0; i < f->n; i++)
		n += f->hit[i].place == place;
	return n;
}

static const struct seen *
test_find(const struct fx *f, enum forget_place place, const char *what)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		if (f->hit[i].place == place && strcmp(f->hit[i].what, what) == 0)
			return &f->hit[i];
	}
	return NULL;
}

/* The profile: its addresses are searched for, its events are theirs. */
static void
test_profile(void **state)
{
	struct fx		*f = *state;
	struct forget_search	 s;
	redisReply		*p;
	char			 fu[FOLLOWUP_ID_SIZE];
	size_t			 i;
	int			 has_arr = 0, has_asg = 0, has_fu = 0;

	test_redis_int(&f->srv, "HSET t:person:p-1 email Zoe.Q@Example.com "
	    "phone +18195550123 arrived_by arr-1 assigned_by asg-1 "
	    "first_name Zoe");
	forget_search_init(&s, f->srv.c, &f->cf, f->who, test_record, f,
	    f->err, sizeof f->err);
	assert_int_equal(forget_profile(&s, &p), 0);
	assert_non_null(p);
	assert_int_equal(p->elements, 10);
	freeReplyObject(p);
	assert_int_equal(pii_nemails(f->who), 1);
	assert_string_equal(pii_email(f->who, 0), "zoe.q@example.com");
	assert_int_equal(pii_nphones(f->who), 1);
	assert_string_equal(pii_phone(f->who, 0), "+18195550123");
	followup_event_id("p-1", "d30", fu);
	for (i = 0; i < s.events.n; i++) {
		has_arr += strcmp(s.events.v[i], "arr-1") == 0;
		has_asg += strcmp(s.events.v[i], "asg-1") == 0;
		has_fu += strcmp(s.events.v[i], fu) == 0;
	}
	assert_int_equal(s.events.n, 3);
	assert_int_equal(has_arr + has_asg + has_fu, 3);
	forget_search_clear(&s);

	/* nobody stored: no profile, their follow-up ids still searched for */
	pii_free(f->who);
	assert_non_null(f->who = pii_new("nobody"));
	forget_search_init(&s, f->srv.c, &f->cf, f->who, test_record, f,
	    f->err, sizeof f->err);
	assert_int_equal(forget_profile(&s, &p), 0);
	assert_null(p);
	assert_int_equal(pii_nemails(f->who), 0);
	assert_int_equal(s.events.n, 1);
	forget_search_clear(&s);
}

/* Every place, in the search's order, the person only; p-10 is not p-1. */
static void
test_places(void **state)
{
	struct fx	*f = *state;
	const struct seen *w;
	char		 dead1[64], ev1[64];
	size_t		 i;

	test_redis_int(&f->srv, "HSET t:announced:e-8 p-1 job-2 p-10 job-2");
	test_redis_int(&f->srv, "HSET t:digest:e-9 p-1 j-1 p-10 j-1");
	test_redis_int(&f->srv, "HSET t:reminders:vdo p-1 {} p-10 {}");
	test_redis_int(&f->srv, "HSET t:mx:p:vdo:7 p-1 %s p-10 %s",
	    "72106\tsoudure", "72106\tsoudure");
	test_redis_int(&f->srv, "ZADD t:caseload:vo-1 1900000000000 p-1 "
	    "1900000000000 p-10");
	test_redis_int(&f->srv, "ZADD t:scheduled 1900000000000 %s "
	    "1900000000001 %s", "retry 1 0 k1 {" EV ",\"id\":\"s-1\",\"data\":"
	    "{\"person\":{\"id\":\"p-1\"}}}", "retry 1 0 k2 {" EV ",\"id\":"
	    "\"s-2\",\"data\":{\"person\":{\"id\":\"p-10\"}}}");
	test_xadd(f, "dead", dead1, sizeof dead1, "reason", "bad", "payload",
	    "{" EV ",\"id\":\"d-1\",\"data\":{\"person\":{\"id\":\"p-1\"}}}");
	test_xadd(f, "dead", NULL, 0, "reason", "bad", "payload",
	    "{" EV ",\"id\":\"d-2\",\"data\":{\"person\":{\"id\":\"p-10\"}}}");
	test_xadd(f, "events", ev1, sizeof ev1, "event",
	    "{" EV ",\"id\":\"e-1\",\"data\":{\"person\":{\"id\":\"p-1\"}}}",
	    NULL, NULL);
	test_xadd(f, "events", NULL, 0, "event",
	    "{" EV ",\"id\":\"e-2\",\"data\":{\"person\":{\"id\":\"p-10\"}}}",
	    NULL, NULL);
	test_redis_int(&f->srv, "RPUSH t:inbox %s %s",
	    "{" EV ",\"id\":\"i-1\",\"data\":{\"person\":{\"id\":\"p-1\"}}}",
	    "{" EV ",\"id\":\"i-2\",\"data\":{\"person\":{\"id\":\"p-10\"}}}");
	/* another place's key of the same shape, not searched */
	test_redis_int(&f->srv, "HSET t:employer:e-8 p-1 x");

	assert_int_equal(test_walk(f), 0);
	assert_int_equal(f->n, 9);
	for (i = 0; i < f->n; i++) {
		assert_int_equal(f->hit[i].place, (int)i);
		if (f->hit[i].place >= FORGET_SCHEDULED)
			assert_int_equal(f->hit[i].why, PII_ID);
		else
			assert_int_equal(f->hit[i].why, 0);
	}
	assert_string_equal(f->hit[0].key, "t:announced:e-8");
	assert_string_equal(f->hit[0].what, "job-2");
	assert_string_equal(f->hit[1].key, "t:digest:e-9");
	assert_string_equal(f->hit[3].key, "t:mx:p:vdo:7");
	assert_string_equal(f->hit[3].what, "72106\tsoudure");
	assert_string_equal(f->hit[4].what, "1900000000000");
	assert_non_null(w = test_find(f, FORGET_DEAD, dead1));
	assert_string_equal(w->key, "t:dead");
	assert_non_null(test_find(f, FORGET_EVENTS, ev1));
	assert_string_equal(f->hit[8].key, "t:inbox");
	assert_non_null(strstr(f->hit[8].what, "\"i-1\""));
	assert_non_null(strstr(f->hit[5].what, "\"s-1\""));
	/* nothing was changed: the walk only reads */
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:dead"), 2);
	assert_int_equal(test_redis_int(&f->srv, "HLEN t:announced:e-8"), 2);
}

/*
 * Deliveries are theirs by event: the profile's, those of the entries
 * found; and by provider id, the status reports of those messages.
 */
static void
test_deliveries(void **state)
{
	struct fx	*f = *state;
	const struct seen *w;
	char		 d_arr[64], d_stat[64], d_dead[64], d_reason[64];
	char		 fu[FOLLOWUP_ID_SIZE], d_fu[64];

	test_redis_int(&f->srv, "HSET t:person:p-1 email zoe@example.com "
	    "arrived_by arr-1");
	test_redis_int(&f->srv, "HSET t:person:p-10 email p10@example.com "
	    "arrived_by arr-10");
	test_xadd(f, "dead", NULL, 0, "reason", "no route", "payload",
	    "{" EV ",\"id\":\"x-7\",\"data\":{\"person\":{\"id\":\"p-1\"}}}");
	followup_event_id("p-1", "d30", fu);
	test_xadd(f, "deliveries", d_arr, sizeof d_arr, "event_id", "arr-1",
	    "provider_id", "SM1");
	test_xadd(f, "deliveries", d_stat, sizeof d_stat, "provider_id", "SM1",
	    "status", "delivered");
	test_xadd(f, "deliveries", d_dead, sizeof d_dead, "event_id", "x-7",
	    "outcome", "dead");
	test_xadd(f, "deliveries", d_reason, sizeof d_reason, "event_id", "y-1",
	    "reason", "invalid recipient ZOE@example.com");
	test_xadd(f, "deliveries", d_fu, sizeof d_fu, "event_id", fu,
	    "outcome", "sent");
	/* p-10's: their arrival, its status report; an unknown event */
	test_xadd(f, "deliveries", NULL, 0, "event_id", "arr-10", "provider_id",
	    "SM2");
	test_xadd(f, "deliveries", NULL, 0, "provider_id", "SM2", "status",
	    "delivered");
	test_xadd(f, "deliveries", NULL, 0, "event_id", "z-1", "to",
	    "z***@example.com");

	{
		struct forget_search	 s;
		redisReply		*p;

		forget_search_init(&s, f->srv.c, &f->cf, f->who, test_record, f,
		    f->err, sizeof f->err);
		assert_int_equal(forget_profile(&s, &p), 0);
		freeReplyObject(p);
		assert_int_equal(forget_walk(&s), 0);
		forget_search_clear(&s);
	}
	assert_int_equal(test_count(f, FORGET_DEAD), 1);
	assert_int_equal(test_count(f, FORGET_DELIVERIES), 5);
	assert_non_null(w = test_find(f, FORGET_DELIVERIES, d_arr));
	assert_int_equal(w->why, FORGET_BY_EVENT);
	assert_non_null(w = test_find(f, FORGET_DELIVERIES, d_stat));
	assert_int_equal(w->why, FORGET_BY_EVENT);
	assert_non_null(w = test_find(f, FORGET_DELIVERIES, d_dead));
	assert_int_equal(w->why, FORGET_BY_EVENT);
	assert_non_null(w = test_find(f, FORGET_DELIVERIES, d_reason));
	assert_int_equal(w->why, PII_EMAIL);
	assert_non_null(w = test_find(f, FORGET_DELIVERIES, d_fu));
	assert_int_equal(w->why, FORGET_BY_EVENT);
}

/* Their address only inside an event's bytes, not UTF-8, not JSON. */
static void
test_bytes(void **state)
{
	struct fx	*f = *state;
	const struct seen *w;
	char		 err[64], d1[64], d2[64];
	redisReply	*r;
	static const char raw1[] = "\xff\xfe contact: ZOE.Q@EXAMPLE.COM";
	static const char raw2[] = "rappeler au (819) 555-0123 SVP";

	assert_int_equal(pii_add_email(f->who, "zoe.q@example.com", err,
	    sizeof err), 0);
	assert_int_equal(pii_add_phone(f->who, "+18195550123", err,
	    sizeof err), 0);
	r = test_redis_cmd(&f->srv, "XADD t:dead * reason unreadable "
	    "payload %b", raw1, sizeof raw1 - 1);
	snprintf(d1, sizeof d1, "%s", r->str);
	freeReplyObject(r);
	r = test_redis_cmd(&f->srv, "XADD t:dead * reason unreadable "
	    "payload %b", raw2, sizeof raw2 - 1);
	snprintf(d2, sizeof d2, "%s", r->str);
	freeReplyObject(r);
	test_xadd(f, "dead", NULL, 0, "reason", "unreadable", "payload",
	    "contact: zoe.q@example.community, 1-819-555-01234");
	test_redis_int(&f->srv, "ZADD t:scheduled 1 %s",
	    "retry 1 0 k {" EV ",\"id\":\"m-1\",\"data\":{\"to\":"
	    "\"Zoe.Q@example.com\"}}");
	test_xadd(f, "deliveries", NULL, 0, "event_id", "m-1", "outcome",
	    "sent");

	assert_int_equal(test_walk(f), 0);
	assert_int_equal(test_count(f, FORGET_DEAD), 2);
	assert_non_null(w = test_find(f, FORGET_DEAD, d1));
	assert_int_equal(w->why, PII_EMAIL);
	assert_non_null(w = test_find(f, FORGET_DEAD, d2));
	assert_int_equal(w->why, PII_PHONE);
	assert_int_equal(test_count(f, FORGET_SCHEDULED), 1);
	assert_int_equal(f->hit[0].place, FORGET_SCHEDULED);
	assert_int_equal(f->hit[0].why, PII_EMAIL);
	/* the scheduled event's id made its delivery theirs */
	assert_int_equal(test_count(f, FORGET_DELIVERIES), 1);
}

/* Past a page of stream entries and of SCAN: all are seen. */
static void
test_pages(void **state)
{
	struct fx	*f = *state;
	redisReply	*r;
	char		 ev[96];
	int		 i;

	for (i = 0; i < 2500; i++) {
		/* each its own event id: a hit's would tie the others */
		snprintf(ev, sizeof ev, "{\"id\":\"d-%d\",\"person\":"
		    "{\"id\":\"%s\"}}", i, i == 3 || i == 1000 || i == 2400 ?
		    "p-1" : "p-2");
		redisAppendCommand(f->srv.c, "XADD t:dead * payload %s", ev);
	}
	for (i = 0; i < 1500; i++)
		redisAppendCommand(f->srv.c, "HSET t:digest:e-%d %s j", i,
		    i % 500 == 7 ? "p-1" : "p-2");
	for (i = 0; i < 4000; i++) {
		assert_int_equal(redisGetReply(f->srv.c, (void **)&r), REDIS_OK);
		assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
		freeReplyObject(r);
	}
	assert_int_equal(test_walk(f), 0);
	assert_int_equal(test_count(f, FORGET_DEAD), 3);
	assert_int_equal(test_count(f, FORGET_DIGEST), 3);
	assert_int_equal(f->n, 6);
}

/* A visit's -1 stops the search; a Redis error ends it with a message. */
static void
test_stops(void **state)
{
	struct fx	*f = *state;

	test_redis_int(&f->srv, "HSET t:announced:e-1 p-1 a");
	test_redis_int(&f->srv, "HSET t:digest:e-1 p-1 j");
	test_redis_int(&f->srv, "RPUSH t:inbox %s", "{\"id\":\"p-1x\","
	    "\"person\":{\"id\":\"p-1\"}}");
	f->fail_at = 1;
	assert_int_equal(test_walk(f), -1);
	assert_int_equal(f->n, 1);
	assert_int_equal(f->hit[0].place, FORGET_LEDGER);

	f->n = 0;
	f->fail_at = 0;
	freeReplyObject(test_redis_cmd(&f->srv, "SET t:dead %s",
	    "not a stream"));
	f->err[0] = '\0';
	assert_int_equal(test_walk(f), -1);
	assert_non_null(strstr(f->err, "WRONGTYPE"));
	/* the places before the dead letters were searched */
	assert_int_equal(f->n, 2);
	assert_int_equal(test_count(f, FORGET_INBOX), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_places, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliveries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stops, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
