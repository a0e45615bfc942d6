/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for pii: a person found in raw bytes by id, email and phone, and no one else. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pii.h"

struct pii_case {
	const char	*bytes;
	int		 want;
};

static struct pii *
test_person(const char *id)
{
	struct pii	*w;
	char		 err[128];

	assert_non_null(w = pii_new(id));
	assert_int_equal(pii_add_email(w, "Zoe.Q@Example.COM", err, sizeof err),
	    0);
	assert_int_equal(pii_add_phone(w, "+18195550123", err, sizeof err), 0);
	return w;
}

static void
test_cases(const struct pii *w, const struct pii_case *c, size_t n)
{
	size_t	i;
	int	got;

	for (i = 0; i < n; i++) {
		got = pii_match(w, c[i].bytes, strlen(c[i].bytes));
		if (got != c[i].want)
			fail_msg("case %zu \"%s\": expected %#x, got %#x", i,
			    c[i].bytes, c[i].want, got);
	}
}

static void
test_id(void **state)
{
	static const struct pii_case c[] = {
		{ "{\"data\":{\"person\":{\"id\":\"p-1\"}}}", PII_ID },
		{ "{\"data\":{\"person\":{\"id\" : \"p-1\" }}}", PII_ID },
		{ "{\"data\":{\"person\":{\"id\":p-1}}}", PII_ID },
		/* a whole token: another person's id that starts the same */
		{ "{\"data\":{\"person\":{\"id\":\"p-10\"}}}", 0 },
		{ "{\"data\":{\"person\":{\"id\":\"xp-1\"}}}", 0 },
		{ "{\"data\":{\"person\":{\"id\":p-10}}}", 0 },
		{ "{\"data\":{\"person\":{\"id\":p-1.5}}}", 0 },
		/* a mention that is not an id value */
		{ "{\"data\":{\"note\":\"p-1\"}}", 0 },
		/* the envelope's own id, a job's, an employer's: not theirs */
		{ "{\"id\":\"p-1\",\"data\":{}}", 0 },
		{ "{\"id\":\"e\",\"data\":{\"job\":{\"title\":\"x\",\"id\":\"p-1\"}}}",
		    0 },
		{ "{\"data\":{\"employer\":{\"id\":\"p-1\",\"contact\":{\"id\":"
		    "\"p-1\"}}}}", 0 },
		/* but the person's, after those */
		{ "{\"id\":\"p-1\",\"data\":{\"job\":{\"id\":\"p-1\"},\"person\":"
		    "{\"first_name\":\"Zo\\u00e9\",\"id\":\"p-1\"}}}", PII_ID },
		/* not JSON: truncated, or no envelope at all */
		{ "{\"data\":{\"person\":{\"id\":\"p-1\",\"first_na", PII_ID },
		{ "garbage \"id\": \"p-1\" garbage", PII_ID },
		/* a scheduled member: its event after a prefix */
		{ "retry 2 0 k1 {\"id\":\"ev\",\"data\":{\"person\":{\"id\":\"p-1\"}}}",
		    PII_ID },
		/* invalid UTF-8 around it */
		{ "{\"data\":{\"person\":{\"first_name\":\"Zo\xe9\xff\",\"id\":"
		    "\"p-1\"}}}", PII_ID },
	};
	struct pii	*w = test_person("p-1");

	(void)state;
	test_cases(w, c, sizeof c / sizeof *c);
	pii_free(w);
}

static void
test_numeric_id(void **state)
{
	static const struct pii_case c[] = {
		{ "{\"data\":{\"person\":{\"id\":1234}}}", PII_ID },
		{ "{\"data\":{\"person\":{\"id\":1234,\"x\":1}}}", PII_ID },
		{ "{\"data\":{\"person\":{\"id\":\"1234\"}}}", PII_ID },
		{ "{\"data\":{\"person\":{\"id\":12345}}}", 0 },
		{ "{\"data\":{\"person\":{\"id\":1234.0}}}", 0 },
		{ "{\"data\":{\"person\":{\"id\":1234e2}}}", 0 },
		{ "{\"data\":{\"person\":{\"id\":91234}}}", 0 },
		/* a job with the same number is someone else's */
		{ "{\"data\":{\"job\":{\"id\":1234}}}", 0 },
	};
	struct pii	*w = test_person("1234");

	(void)state;
	test_cases(w, c, sizeof c / sizeof *c);
	pii_free(w);
}

static void
test_email(void **state)
{
	static const struct pii_case c[] = {
		{ "{\"email\":\"zoe.q@example.com\"}", PII_EMAIL },
		{ "{\"email\":\"ZOE.Q@EXAMPLE.COM\"}", PII_EMAIL },
		{ "write to zoe.q@example.com.", PII_EMAIL },
		{ "<zoe.q@example.com>", PII_EMAIL },
		{ "zoe.q@example.com", PII_EMAIL },
		/* a longer address is someone else */
		{ "{\"email\":\"bzoe.q@example.com\"}", 0 },
		{ "{\"email\":\"x.zoe.q@example.com\"}", 0 },
		{ "{\"email\":\"zoe.q@example.com.au\"}", 0 },
		{ "{\"email\":\"zoe.q@example.community\"}", 0 },
		/* masked, as the deliveries stream keeps it */
		{ "z***@example.com", 0 },
	};
	struct pii	*w = test_person("p-1");

	(void)state;
	test_cases(w, c, sizeof c / sizeof *c);
	pii_free(w);
}

static void
test_phone(void **state)
{
	static const struct pii_case c[] = {
		{ "{\"phone\":\"+18195550123\"}", PII_PHONE },
		{ "{\"phone\":\"8195550123\"}", PII_PHONE },
		{ "{\"phone\":\"(819) 555-0123\"}", PII_PHONE },
		{ "{\"phone\":\"819-555-0123\"}", PII_PHONE },
		{ "{\"phone\":\"819.555.0123\"}", PII_PHONE },
		{ "{\"phone\":\"+1 (819) 555-0123\"}", PII_PHONE },
		{ "{\"phone\":\"1-819-555-0123\"}", PII_PHONE },
		{ "{\"phone\":\"819\xc2\xa0" "555\xc2\xa0" "0123\"}", PII_PHONE },
		{ "{\"phone\":\"819\\u00a0555\\u00A00123\"}", PII_PHONE },
		{ "call 819 555 0123 today", PII_PHONE },
		/* not inside a longer number */
		{ "{\"phone\":\"28195550123\"}", 0 },
		{ "{\"phone\":\"81955501234\"}", 0 },
		{ "{\"phone\":\"+18195550124\"}", 0 },
		{ "{\"n\":1772535600000}", 0 },
		/* masked, as the deliveries stream keeps it */
		{ "+1819***0123", 0 },
		/* too many separators in a row to be one number */
		{ "819 -  555 0123", 0 },
	};
	struct pii	*w = test_person("p-1");

	(void)state;
	test_cases(w, c, sizeof c / sizeof *c);
	pii_free(w);
}

static void
test_combined(void **state)
{
	static const char raw[] = "not json at all: \xff\xfe zoe.q@example.com "
	    "(819) 555-0123 \"id\":\"p-1\"";
	struct pii	*w = test_person("p-1");

	(void)state;
	assert_int_equal(pii_match(w, raw, sizeof raw - 1),
	    PII_ID | PII_EMAIL | PII_PHONE);
	/* bytes are bytes: a NUL does not end the search */
	assert_int_equal(pii_match(w, "x\0zoe.q@example.com", 19), PII_EMAIL);
	assert_int_equal(pii_match(w, "", 0), 0);
	pii_free(w);
}

static void
test_add(void **state)
{
	struct pii	*w;
	char		 err[128];

	(void)state;
	assert_null(pii_new(""));
	assert_null(pii_new(NULL));
	w = test_person("p-1");
	assert_string_equal(pii_id(w), "p-1");
	/* the same address twice is one */
	assert_int_equal(pii_add_email(w, "zoe.q@example.com", err, sizeof err),
	    0);
	assert_int_equal(pii_add_phone(w, "(819) 555-0123", err, sizeof err), 0);
	assert_int_equal(pii_nemails(w), 1);
	assert_string_equal(pii_email(w, 0), "zoe.q@example.com");
	assert_int_equal(pii_nphones(w), 1);
	assert_string_equal(pii_phone(w, 0), "+18195550123");
	assert_int_equal(pii_add_email(w, "no-at-sign", err, sizeof err), -1);
	assert_int_equal(pii_add_phone(w, "819-555-CALL", err, sizeof err), -1);
	/* another country: found in its international digits */
	assert_int_equal(pii_add_phone(w, "+33 1 23 45 67 89", err, sizeof err),
	    0);
	assert_int_equal(pii_match(w, "+33 1 23 45 67 89", 17), PII_PHONE);
	pii_free(w);
	pii_free(NULL);
}

static void
test_event_id(void **state)
{
	static const char ev[] = "retry 1 0 k {\"data\":{\"person\":{\"id\":\"p-1\"}},"
	    "\"id\":\"ev-7\",\"x\":\"\xff\"}";
	char	out[64];

	(void)state;
	assert_int_equal(pii_event_id(ev, sizeof ev - 1, out, sizeof out), 0);
	assert_string_equal(out, "ev-7");
	assert_int_equal(pii_event_id("{\"id\":7}", 8, out, sizeof out), -1);
	assert_int_equal(pii_event_id("not json", 8, out, sizeof out), -1);
	assert_int_equal(pii_event_id(ev, sizeof ev - 1, out, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_numeric_id),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_event_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
