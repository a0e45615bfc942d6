/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for evhook.c: providers' bodies, what each event means, timestamps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evhook.h"

/*
 * A Mailgun signature object, as the body carries it (test_evhook_sig.c
 * checks that this signature is the right one for its key).
 */
#define MG_TS	"1770920772"
#define MG_TOK	"e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
#define MG_SIG \
	"6ae8ba140d2536fd21c45a0db161e962a424ed6ca953c96a63182621e118ee13"

static struct evhook_batch *
parse_ok(enum evhook_provider p, const char *body)
{
	struct evhook_batch	*b;
	char			 err[160] = "";

	if ((b = evhook_parse(p, body, strlen(body), err, sizeof err)) == NULL)
		fail_msg("%s body refused (%s): %s", evhook_provider_name(p),
		    err, body);
	return b;
}

/* A literal body, NULs included. */
#define PARSE_BAD(p, lit, want)	parse_bad(p, lit, sizeof lit - 1, want)

static void
parse_bad(enum evhook_provider p, const char *body, size_t len,
    const char *want)
{
	char	err[160] = "";

	if (evhook_parse(p, body, len, err, sizeof err) != NULL)
		fail_msg("body accepted: %.200s", body);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, err);
}

/* Checks event i: kind, event name, address, detail. */
static void
check_event(const struct evhook_batch *b, size_t i, enum evhook_kind kind,
    const char *event, const char *addr, const char *detail)
{
	const struct evhook_event	*e = evhook_event(b, i);

	if (e == NULL)
		fail_msg("no event %zu", i);
	if (e->kind != kind || strcmp(e->event, event) != 0 ||
	    strcmp(e->address, addr) != 0 || strcmp(e->detail, detail) != 0)
		fail_msg("event %zu: expected %s %s %s %s, got %s %s %s %s", i,
		    evhook_kind_name(kind), event, addr, detail,
		    evhook_kind_name(e->kind), e->event, e->address, e->detail);
}

static void
test_parse_sendgrid(void **state)
{
	struct evhook_batch		*b;
	const struct evhook_event	*e;
	char				 s[300];
	struct buf			 big;
	size_t				 i;

	(void)state;
	b = parse_ok(EVHOOK_SENDGRID, "["
	    "{\"email\":\"Ana@Example.ORG\",\"event\":\"bounce\",\"type\":"
	    "\"bounce\",\"sg_event_id\":\"ZXZ0LTE\",\"sg_message_id\":\"m1\","
	    "\"timestamp\":1600112500,\"reason\":\"550 ana@example.org no\"},"
	    "{\"email\":\"b@example.org\",\"event\":\"bounce\",\"type\":"
	    "\"blocked\",\"sg_event_id\":\"e2\"},"
	    "{\"email\":\"c@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Bounced Address\",\"sg_event_id\":\"e3\"},"
	    "{\"email\":\"d@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Unsubscribed Address\",\"sg_event_id\":\"e4\"},"
	    "{\"email\":\"e@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Spam Reporting Address\",\"sg_event_id\":\"e5\"},"
	    "{\"email\":\"f@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"Spam Content\",\"sg_event_id\":\"e6\"},"
	    "{\"email\":\"g@example.org\",\"event\":\"dropped\",\"reason\":"
	    "\"something new, a@b.c\"},"
	    "{\"email\":\"h@example.org\",\"event\":\"deferred\"},"
	    "{\"email\":\"i@example.org\",\"event\":\"spamreport\"},"
	    "{\"email\":\"j@example.org\",\"event\":\"unsubscribe\"},"
	    "{\"email\":\"k@example.org\",\"event\":\"group_unsubscribe\"},"
	    "{\"email\":\"l@example.org\",\"event\":\"delivered\"},"
	    "{\"email\":\"m@example.org\",\"event\":\"open\"},"
	    "{\"event\":\"bounce\"},"
	    "{\"email\":\"Ana <a@example.org>\",\"event\":\"bounce\"},"
	    "{\"email\":\"two@at@example.org\",\"event\":\"spamreport\"},"
	    "{\"email\":42,\"event\":\"spamreport\"},"
	    "{\"email\":\"n@example.org\"},"
	    "{\"email\":\"o@example.org\",\"event\":\"bounce\",\"type\":\"new\"}"
	    "]");
	assert_int_equal(evhook_count(b), 12);
	assert_int_equal(evhook_ignored(b), 3);
	assert_int_equal(evhook_invalid(b), 4);
	check_event(b, 0, EVHOOK_HARD, "bounce", "ana@example.org", "bounce");
	check_event(b, 1, EVHOOK_SOFT, "bounce", "b@example.org", "blocked");
	check_event(b, 2, EVHOOK_HARD, "dropped", "c@example.org",
	    "Bounced Address");
	check_event(b, 3, EVHOOK_UNSUBSCRIBE, "dropped", "d@example.org",
	    "Unsubscribed Address");
	check_event(b, 4, EVHOOK_COMPLAINT, "dropped", "e@example.org",
	    "Spam Reporting Address");
	check_event(b, 5, EVHOOK_SOFT, "dropped", "f@example.org",
	    "Spam Content");
	/* an unknown reason is not copied: it may quote an address */
	check_event(b, 6, EVHOOK_SOFT, "dropped", "g@example.org", "other");
	check_event(b, 7, EVHOOK_SOFT, "deferred", "h@example.org", "");
	check_event(b, 8, EVHOOK_COMPLAINT, "spamreport", "i@example.org", "");
	check_event(b, 9, EVHOOK_UNSUBSCRIBE, "unsubscribe", "j@example.org",
	    "");
	check_event(b, 10, EVHOOK_UNSUBSCRIBE, "group_unsubscribe",
	    "k@example.org", "");
	check_event(b, 11, EVHOOK_SOFT, "bounce", "o@example.org", "other");
	e = evhook_event(b, 0);
	assert_string_equal(e->id, "ZXZ0LTE");
	assert_string_equal(e->message_id, "m1");
	assert_true(e->at == 1600112500);
	assert_int_equal(e->provider, EVHOOK_SENDGRID);
	evhook_supp_id(e, s, sizeof s);
	assert_string_equal(s, "email:ana@example.org");
	evhook_source(e, s, sizeof s);
	assert_string_equal(s, "sendgrid:bounce");
	evhook_replay_key(e, s, sizeof s);
	assert_string_equal(s, "evhook:sendgrid:ZXZ0LTE");
	/* without an id: one derived from the event, the same every time */
	e = evhook_event(b, 7);
	assert_int_equal(strncmp(e->id, "h-", 2), 0);
	assert_int_equal(strlen(e->id), 34);
	assert_null(evhook_event(b, 12));
	evhook_batch_free(b);

	b = parse_ok(EVHOOK_SENDGRID, "[{\"email\":\"h@example.org\","
	    "\"event\":\"deferred\"},{\"email\":\"h@example.org\",\"event\":"
	    "\"deferred\",\"timestamp\":5},{\"email\":\"h@example.org\","
	    "\"event\":\"deferred\",\"sg_event_id\":\"has space\"}]");
	assert_int_equal(evhook_count(b), 3);
	assert_string_not_equal(evhook_event(b, 0)->id, evhook_event(b, 1)->id);
	/* an id that is not a plain token is replaced by a derived one */
	assert_int_equal(strncmp(evhook_event(b, 2)->id, "h-", 2), 0);
	snprintf(s, sizeof s, "%s", evhook_event(b, 0)->id);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_SENDGRID, "[{\"event\":\"deferred\",\"email\":"
	    "\"H@example.org\"}]");
	assert_string_equal(evhook_event(b, 0)->id, s);
	evhook_batch_free(b);

	b = parse_ok(EVHOOK_SENDGRID, "[]");
	assert_int_equal(evhook_count(b), 0);
	evhook_batch_free(b);
	PARSE_BAD(EVHOOK_SENDGRID, "{}", "expected an array");
	PARSE_BAD(EVHOOK_SENDGRID, "[1]", "event 0 is not an object");
	PARSE_BAD(EVHOOK_SENDGRID, "[{}, \"x\"]", "event 1 is not an object");
	PARSE_BAD(EVHOOK_SENDGRID, "[{\"event\":\"bounce\"", "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID, "", "not JSON");
	parse_bad(EVHOOK_SENDGRID, NULL, 0, "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID, "[] x", "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID,
	    "[{\"email\":\"a@b.c\",\"email\":\"d@e.f\"}]", "not JSON");
	PARSE_BAD(EVHOOK_SENDGRID, "[{\"email\":\"a\\u0000b@c.d\"}]",
	    "not JSON");
	/* a NUL in the body is not the end of it */
	PARSE_BAD(EVHOOK_SENDGRID, "[]\0[", "not JSON");
	buf_init(&big);
	buf_putc(&big, '[');
	for (i = 0; i <= EVHOOK_MAX_EVENTS; i++)
		buf_puts(&big, i == 0 ? "{}" : ",{}");
	buf_putc(&big, ']');
	parse_bad(EVHOOK_SENDGRID, big.data, big.len, "more than 5000 events");
	parse_bad(EVHOOK_SENDGRID, big.data, EVHOOK_MAX_BODY + 1, "body over");
	buf_free(&big);
}

static void
test_parse_mailgun(void **state)
{
	struct evhook_batch	*b;
	const char		*ts, *tok, *sig;

	(void)state;
	b = parse_ok(EVHOOK_MAILGUN, "{\"signature\":{\"timestamp\":\"" MG_TS
	    "\",\"token\":\"" MG_TOK "\",\"signature\":\"" MG_SIG "\"},"
	    "\"event-data\":{\"event\":\"failed\",\"severity\":\"permanent\","
	    "\"recipient\":\"Ana@example.org\",\"id\":\"CCXMjJ7nQi2N3BPigGOdgQ\","
	    "\"timestamp\":1770920770.25,\"reason\":\"bounce\",\"message\":"
	    "{\"headers\":{\"message-id\":\"2026.abc@mg.example.org\"}}}}");
	assert_int_equal(evhook_count(b), 1);
	check_event(b, 0, EVHOOK_HARD, "failed", "ana@example.org",
	    "permanent");
	assert_string_equal(evhook_event(b, 0)->id, "CCXMjJ7nQi2N3BPigGOdgQ");
	assert_string_equal(evhook_event(b, 0)->message_id,
	    "2026.abc@mg.example.org");
	assert_true(evhook_event(b, 0)->at == 1770920770);
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), 0);
	assert_string_equal(ts, MG_TS);
	assert_string_equal(tok, MG_TOK);
	assert_string_equal(sig, MG_SIG);
	evhook_batch_free(b);

	/* the timestamp as a number, as older payloads have it */
	b = parse_ok(EVHOOK_MAILGUN, "{\"signature\":{\"timestamp\":" MG_TS
	    ",\"token\":\"t\",\"signature\":\"s\"},\"event-data\":{\"event\":"
	    "\"failed\",\"severity\":\"temporary\",\"recipient\":\"b@x.org\"}}");
	check_event(b, 0, EVHOOK_SOFT, "failed", "b@x.org", "temporary");
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), 0);
	assert_string_equal(ts, MG_TS);
	evhook_batch_free(b);

	b = parse_ok(EVHOOK_MAILGUN, "{\"event-data\":{\"event\":"
	    "\"complained\",\"recipient\":\"c@x.org\"}}");
	check_event(b, 0, EVHOOK_COMPLAINT, "complained", "c@x.org", "");
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), -1);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_MAILGUN, "{\"signature\":{\"timestamp\":[]},"
	    "\"event-data\":{\"event\":\"unsubscribed\",\"recipient\":"
	    "\"d@x.org\"}}");
	check_event(b, 0, EVHOOK_UNSUBSCRIBE, "unsubscribed", "d@x.org", "");
	assert_int_equal(evhook_mailgun_signature(b, &ts, &tok, &sig), -1);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_MAILGUN, "{\"event-data\":{\"event\":"
	    "\"delivered\",\"recipient\":\"e@x.org\"}}");
	assert_int_equal(evhook_count(b), 0);
	assert_int_equal(evhook_ignored(b), 1);
	evhook_batch_free(b);
	b = parse_ok(EVHOOK_MAILGUN, "{\"event-data\":{\"event\":\"failed\"}}");
	assert_int_equal(evhook_count(b), 0);
	assert_int_equal(evhook_invalid(b), 1);
	evhook_batch_free(b);

	PARSE_BAD(EVHOOK_MAILGUN, "[]", "event-data");
	PARSE_BAD(EVHOOK_MAILGUN, "{\"event-data\":[]}", "event-data");
	PARSE_BAD(EVHOOK_MAILGUN, "{\"signature\":{}}", "event-data");
	PARSE_BAD(EVHOOK_MAILGUN, "nope", "not JSON");
}

static void
test_parse_brevo(void **state)
{
	struct evhook_batch	*b;
	char			 id[64];

	(void)state;
	b = parse_ok(EVHOOK_BREVO, "{\"event\":\"hard_bounce\",\"email\":"
	    "\"ana@example.org\",\"id\":1234,\"date\":\"2026-11-26 12:00:00\","
	    "\"ts\":1795000000,\"message-id\":\"<2026@smtp-relay.mailin.fr>\","
	    "\"ts_event\":1795000001,\"ts_epoch\":1795000001234,\"reason\":"
	    "\"550\"}");
	assert_int_equal(evhook_count(b), 1);
	check_event(b, 0, EVHOOK_HARD, "hard_bounce", "ana@example.org", "");
	assert_string_equal(evhook_event(b, 0)->message_id,
	    "<2026@smtp-relay.mailin.fr>");
	assert_true(evhook_event(b, 0)->at == 1795000001);
	assert_int_equal(strncmp(evhook_event(b, 0)->id, "h-", 2), 0);
	snprintf(id, sizeof id, "%s", evhook_event(b, 0)->id);
	evhook_batch_free(b);

	/* batched: an array; the same event twice has the same id */
	b = parse_ok(EVHOOK_BREVO, "["
	    "{\"event\":\"hard_bounce\",\"email\":\"ana@example.org\",\"id\":1,"
	    "\"message-id\":\"<2026@smtp-relay.mailin.fr>\",\"ts_event\":"
	    "1795000001,\"ts_epoch\":1795000001234},"
	    "{\"event\":\"hard_bounce\",\"email\":\"ana@example.org\","
	    "\"message-id\":\"<2026@smtp-relay.mailin.fr>\",\"ts_event\":"
	    "1795000001,\"ts_epoch\":1795000001999},"
	    "{\"event\":\"soft_bounce\",\"email\":\"b@example.org\"},"
	    "{\"event\":\"deferred\",\"email\":\"c@example.org\"},"
	    "{\"event\":\"blocked\",\"email\":\"d@example.org\"},"
	    "{\"event\":\"spam\",\"email\":\"e@example.org\"},"
	    "{\"event\":\"unsubscribed\",\"email\":\"f@example.org\"},"
	    "{\"event\":\"invalid_email\",\"email\":\"g@example.org\"},"
	    "{\"event\":\"hardBounce\",\"email\":\"h@example.org\"},"
	    "{\"event\":\"delivered\",\"email\":\"i@example.org\"},"
	    "{\"event\":\"opened\",\"email\":\"j@example.org\"}"
	    "]");
	assert_int_equal(evhook_count(b), 9);
	assert_int_equal(evhook_ignored(b), 2);
	assert_string_equal(evhook_event(b, 0)->id, id);
	assert_string_not_equal(evhook_event(b, 1)->id, id);
	check_event(b, 2, EVHOOK_SOFT, "soft_bounce", "b@example.org", "");
	check_event(b, 3, EVHOOK_SOFT, "deferred", "c@example.org", "");
	check_event(b, 4, EVHOOK_SOFT, "blocked", "d@example.org", "");
	check_event(b, 5, EVHOOK_COMPLAINT, "spam", "e@example.org", "");
	check_event(b, 6, EVHOOK_UNSUBSCRIBE, "unsubscribed", "f@example.org",
	    "");
	check_event(b, 7, EVHOOK_HARD, "invalid_email", "g@example.org", "");
	check_event(b, 8, EVHOOK_HARD, "hardBounce", "h@example.org", "");
	evhook_batch_free(b);
	/* a JSON text that is neither an object nor an array */
	PARSE_BAD(EVHOOK_BREVO, "\"hard_bounce\"", "not JSON");
	PARSE_BAD(EVHOOK_BREVO, "[[]]", "event 0 is not an object");
}

static void
test_timestamps(void **state)
{
	long long	t = -1;

	(void)state;
	assert_int_equal(evhook_timestamp("1600112502", &t), 0);
	assert_true(t == 1600112502);
	assert_int_equal(evhook_timestamp("0", &t), 0);
	assert_int_equal(evhook_timestamp("", &t), -1);
	assert_int_equal(evhook_timestamp("-1", &t), -1);
	assert_int_equal(evhook_timestamp("+1", &t), -1);
	assert_int_equal(evhook_timestamp("12a", &t), -1);
	assert_int_equal(evhook_timestamp("1600112502 ", &t), -1);
	assert_int_equal(evhook_timestamp("1234567890123", &t), -1);
	assert_int_equal(evhook_timestamp(NULL, &t), -1);
	assert_true(evhook_fresh(1000, 1000, 300));
	assert_true(evhook_fresh(700, 1000, 300));
	assert_true(evhook_fresh(1300, 1000, 300));
	assert_false(evhook_fresh(699, 1000, 300));
	assert_false(evhook_fresh(1301, 1000, 300));
	assert_false(evhook_fresh(0, 1600112502, 300));
	assert_false(evhook_fresh(999999999999LL, 1600112502, 300));
	assert_string_equal(evhook_provider_name(EVHOOK_BREVO), "brevo");
	assert_string_equal(evhook_kind_name(EVHOOK_UNSUBSCRIBE),
	    "unsubscribe");
	assert_string_equal(evhook_provider_name(EVHOOK_NPROVIDERS), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_sendgrid),
		cmocka_unit_test(test_parse_mailgun),
		cmocka_unit_test(test_parse_brevo),
		cmocka_unit_test(test_timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
