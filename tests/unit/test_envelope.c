/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for envelope: decoding, every rejection reason, RFC 3339 times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "utf8.h"

#define HEAD	"{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"/crm\"," \
		"\"type\":\"newcomer.arrived\""
#define MINIMAL	HEAD "}"

static char	test_reason[512];

/* Copies s[0..len) into an exactly sized heap block so ASan sees overreads. */
static char *
test_copy(const char *s, size_t len)
{
	char	*p;

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

/* Parses bytes[0..len) from an exact-size copy with the given limits. */
static int
test_parse_len(const char *s, size_t len, const struct envelope_limits *lim,
    struct envelope *env)
{
	char	*copy;
	int	 rc;

	copy = test_copy(s, len);
	memset(test_reason, 'x', sizeof test_reason);
	rc = envelope_parse(copy, len, lim, env, test_reason,
	    sizeof test_reason);
	free(copy);
	return rc;
}

static int
test_parse(const char *s, struct envelope *env)
{
	return test_parse_len(s, strlen(s), NULL, env);
}

/* Checks a refused event: reason contains word, env left empty. */
static void
test_refused_len(const char *s, size_t len, const struct envelope_limits *lim,
    const char *word)
{
	struct envelope	env;
	size_t		i;

	if (test_parse_len(s, len, lim, &env) != -1) {
		envelope_clear(&env);
		fail_msg("expected refusal (\"%s\") of %.*s, got success",
		    word, (int)len, s);
	}
	if (strstr(test_reason, word) == NULL)
		fail_msg("expected reason containing \"%s\", got \"%s\"", word,
		    test_reason);
	for (i = 0; test_reason[i] != '\0'; i++)
		if ((unsigned char)test_reason[i] < 0x20)
			fail_msg("control byte in reason \"%s\"", test_reason);
	assert_null(env.root);
	assert_null(env.id);
	assert_null(env.data);
}

static void
test_refused(const char *s, const char *word)
{
	test_refused_len(s, strlen(s), NULL, word);
}

/* Checks the reason is exactly want. */
static void
test_refused_exact(const char *s, const char *want)
{
	test_refused(s, want);
	if (strcmp(test_reason, want) != 0)
		fail_msg("expected reason \"%s\", got \"%s\"", want,
		    test_reason);
}

static void
test_minimal(void **state)
{
	struct envelope	env;

	(void)state;
	assert_int_equal(test_parse(MINIMAL, &env), 0);
	assert_non_null(env.root);
	assert_string_equal(env.specversion, "1.0");
	assert_string_equal(env.id, "e1");
	assert_string_equal(env.source, "/crm");
	assert_string_equal(env.type, "newcomer.arrived");
	assert_null(env.subject);
	assert_null(env.time);
	assert_int_equal(env.time_ms, 0);
	assert_null(env.data);
	envelope_clear(&env);
	assert_null(env.root);
	assert_null(env.id);
}

/* Once planned, a job keeps its event's id (a copy) and type, not its tree. */
static void
test_shed(void **state)
{
	static const char	 type[] = "newcomer.arrived";
	struct envelope		 env;

	(void)state;
	assert_int_equal(test_parse(MINIMAL, &env), 0);
	envelope_shed(&env, type);
	assert_null(env.root);
	assert_null(env.data);
	assert_null(env.source);
	assert_string_equal(env.id, "e1");
	assert_ptr_equal(env.type, type);
	envelope_clear(&env);	/* frees the copy (ASan: no leak) */
	assert_null(env.id);
	assert_null(env.kept);
}

static void
test_full(void **state)
{
	struct envelope	 env;
	const char	*s =
	    "{\n  \"specversion\": \"1.0\",\n  \"id\": \"7f1c\",\n"
	    "  \"source\": \"urn:crm:abitibi\",\n  \"type\": \"job.posted\",\n"
	    "  \"subject\": \"job/42\",\n"
	    "  \"time\": \"2026-11-25T14:03:00Z\",\n"
	    "  \"datacontenttype\": \"application/json\",\n"
	    "  \"dataschema\": \"https://example.org/schema\",\n"
	    "  \"traceparent\": \"00-abc\", \"priority\": 3,\n"
	    "  \"urgent\": true, \"ratio\": 0.5, \"empty\": null,\n"
	    "  \"averyveryverylongextensionname\": \"x\",\n"
	    "  \"data_base64\": null,\n"
	    "  \"data\": {\"job\": {\"id\": \"j1\", \"title\": \"[{weird}]\","
	    " \"skills\": [\"c\", \"sql\"]}}\n}\n";

	(void)state;
	assert_int_equal(test_parse(s, &env), 0);
	assert_string_equal(env.id, "7f1c");
	assert_string_equal(env.source, "urn:crm:abitibi");
	assert_string_equal(env.type, "job.posted");
	assert_string_equal(env.subject, "job/42");
	assert_string_equal(env.time, "2026-11-25T14:03:00Z");
	assert_true(env.time_ms == INT64_C(1795615380000));
	assert_non_null(env.data);
	assert_true(json_is_object(env.data));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(env.data, "job"), "title")), "[{weird}]");
	envelope_clear(&env);
}

static void
test_null_optionals(void **state)
{
	struct envelope	env;

	(void)state;
	assert_int_equal(test_parse(HEAD ",\"subject\":null,\"time\":null,"
	    "\"datacontenttype\":null,\"data\":null}", &env), 0);
	assert_null(env.subject);
	assert_null(env.time);
	assert_null(env.data);
	assert_int_equal(env.time_ms, 0);
	envelope_clear(&env);
	assert_int_equal(test_parse(HEAD ",\"data\":{}}", &env), 0);
	assert_non_null(env.data);
	assert_int_equal(json_object_size(env.data), 0);
	envelope_clear(&env);
}

/* A valid event of exactly len bytes, padded by an extension string. */
static char *
test_padded(size_t len)
{
	const char	*pre = HEAD ",\"pad\":\"";
	size_t		 n = strlen(pre);
	char		*s;

	assert_true(len > n + 2);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, pre, n);
	memset(s + n, 'a', len - n - 2);
	memcpy(s + len - 2, "\"}", 3);
	return s;
}

static void
test_size_limit(void **state)
{
	struct envelope_limits	lim = { 0, 0 };
	struct envelope		env;
	char			*s, want[128];
	size_t			 len = strlen(MINIMAL);

	(void)state;
	lim.max_bytes = len;
	assert_int_equal(test_parse_len(MINIMAL, len, &lim, &env), 0);
	envelope_clear(&env);
	lim.max_bytes = len - 1;
	snprintf(want, sizeof want, "event is %zu bytes, limit is %zu", len,
	    len - 1);
	test_refused_len(MINIMAL, len, &lim, want);
	assert_string_equal(test_reason, want);

	s = test_padded(262144);
	assert_int_equal(test_parse_len(s, 262144, NULL, &env), 0);
	envelope_clear(&env);
	free(s);
	s = test_padded(262145);
	test_refused_len(s, 262145, NULL,
	    "event is 262145 bytes, limit is 262144");
	free(s);
	s = test_padded(300001);
	test_refused_len(s, 300001, NULL,
	    "event is 300001 bytes, limit is 262144");
	free(s);
	/* The size check comes first, even before UTF-8. */
	lim.max_bytes = 4;
	test_refused_len("\xff\xff\xff\xff\xff", 5, &lim,
	    "5 bytes, limit is 4");
}

static void
test_empty(void **state)
{
	struct envelope	env;

	(void)state;
	test_refused_len("", 0, NULL, "empty");
	assert_int_equal(envelope_parse(NULL, 0, NULL, &env, test_reason,
	    sizeof test_reason), -1);
	assert_non_null(strstr(test_reason, "empty"));
	test_refused("   \n", "invalid JSON at line 2");
}

struct test_utf8 {
	const char	*s;
	size_t		 len;
	int		 rc;
	size_t		 bad;
};

static void
test_utf8_valid(void **state)
{
	static const struct test_utf8	t[] = {
		{ "plain ascii", 11, 0, 0 },
		{ "caf\xc3\xa9", 5, 0, 0 },
		{ "\xe2\x82\xac", 3, 0, 0 },		/* U+20AC */
		{ "\xef\xbf\xbf", 3, 0, 0 },		/* U+FFFF */
		{ "\xed\x9f\xbf", 3, 0, 0 },		/* U+D7FF */
		{ "\xee\x80\x80", 3, 0, 0 },		/* U+E000 */
		{ "\xf0\x9f\x98\x80", 4, 0, 0 },	/* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", 4, 0, 0 },	/* U+10FFFF */
		{ "a\0b", 3, 0, 0 },
		{ "ab\xc0\xaf", 4, -1, 2 },		/* overlong '/' */
		{ "\xc1\xbf", 2, -1, 0 },		/* overlong */
		{ "x\xe0\x80\xaf", 4, -1, 1 },		/* overlong 3-byte */
		{ "\xe0\x9f\xbf", 3, -1, 0 },		/* overlong 3-byte */
		{ "\xf0\x80\x80\xaf", 4, -1, 0 },	/* overlong 4-byte */
		{ "\xf0\x8f\xbf\xbf", 4, -1, 0 },	/* overlong 4-byte */
		{ "ok\xed\xa0\x80", 5, -1, 2 },	/* U+D800 */
		{ "\xed\xbf\xbf", 3, -1, 0 },		/* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", 6, -1, 0 }, /* CESU pair */
		{ "\xf4\x90\x80\x80", 4, -1, 0 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 4, -1, 0 },
		{ "abc\xe2\x82", 5, -1, 3 },		/* truncated at end */
		{ "\xe2\x82z", 3, -1, 0 },		/* truncated mid */
		{ "\xf0\x9f\x98", 3, -1, 0 },
		{ "\xc3", 1, -1, 0 },
		{ "\xf0\x9f\x98\x41", 4, -1, 0 },
		{ "abc\xff", 4, -1, 3 },
		{ "\xfe", 1, -1, 0 },
		{ "\x80", 1, -1, 0 },			/* lone continuation */
		{ "\xc3\xa9\xbf", 3, -1, 2 },
		{ "\xf8\x88\x80\x80\x80", 5, -1, 0 },	/* 5-byte form */
		{ "\xfc\x84\x80\x80\x80\x80", 6, -1, 0 }, /* 6-byte form */
	};
	size_t	i, bad;
	char	*copy;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		copy = test_copy(t[i].s, t[i].len);
		bad = 9999;
		rc = utf8_valid(copy, t[i].len, &bad);
		free(copy);
		if (rc != t[i].rc || (rc == -1 && bad != t[i].bad))
			fail_msg("utf8 case %zu: expected rc %d bad %zu, got "
			    "rc %d bad %zu", i, t[i].rc, t[i].bad, rc, bad);
	}
	assert_int_equal(utf8_valid("\xff", 1, NULL), -1);
	assert_int_equal(utf8_valid(NULL, 0, NULL), 0);
}

static void
test_utf8_scrub(void **state)
{
	char	s[64];

	(void)state;
	/* a character cut at the end, a stray continuation, a bad lead */
	strcpy(s, "Num\xc3\xa9ro re\xc3");
	utf8_scrub(s);
	assert_string_equal(s, "Num\xc3\xa9ro re?");
	strcpy(s, "a\x80" "b\xff" "c\xe2\x82");
	utf8_scrub(s);
	assert_string_equal(s, "a?b?c??");
	strcpy(s, "d\xc3\xa9" "j\xc3\xa0 \xe2\x82\xac");
	utf8_scrub(s);
	assert_string_equal(s, "d\xc3\xa9" "j\xc3\xa0 \xe2\x82\xac");
	assert_int_equal(utf8_valid(s, strlen(s), NULL), 0);
}

static void
test_utf8_in_event(void **state)
{
	char	buf[256], want[64];
	size_t	off;
	int	n;

	(void)state;
	/* Offset of the bad byte: right after the opening quote of "pad". */
	off = strlen(HEAD ",\"pad\":\"");
	n = snprintf(buf, sizeof buf, HEAD ",\"pad\":\"\xed\xa0\x80\"}");
	snprintf(want, sizeof want, "invalid UTF-8 at byte %zu (0xed)", off);
	test_refused_len(buf, (size_t)n, NULL, want);
	test_refused("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8 at byte 6 (0xc0)");
	test_refused("{\"a\":\"\xff\"}", "invalid UTF-8 at byte 6 (0xff)");
	test_refused("{\"a\":\"\xf8\x88\x80\x80\x80\"}",
	    "invalid UTF-8 at byte 6");
	/* UTF-8 is checked before syntax: garbage after a bad byte is moot. */
	test_refused("\xe2\x82", "invalid UTF-8 at byte 0");
}

/* An event whose data holds k nested arrays: depth is k + 2. */
static char *
test_nested(size_t k)
{
	const char	*pre = HEAD ",\"data\":{\"x\":";
	size_t		 n = strlen(pre);
	char		*s;

	s = malloc(n + 2 * k + 3);
	assert_non_null(s);
	memcpy(s, pre, n);
	memset(s + n, '[', k);
	memset(s + n + k, ']', k);
	memcpy(s + n + 2 * k, "}}", 3);
	return s;
}

static void
test_depth(void **state)
{
	struct envelope_limits	 lim = { 0, 3 };
	struct envelope		 env;
	char			*s;

	(void)state;
	s = test_nested(62);
	assert_int_equal(test_parse(s, &env), 0);
	envelope_clear(&env);
	free(s);
	s = test_nested(63);
	test_refused(s, "JSON nested deeper than 64 levels");
	free(s);
	s = test_nested(100000);
	test_refused(s, "JSON nested deeper than 64 levels");
	free(s);
	/* Unbalanced input is still refused for depth first. */
	test_refused_len("[[[[[[[[[[[[[[[[[[[[", 20, &lim,
	    "deeper than 3 levels");
	s = test_nested(1);
	assert_int_equal(test_parse_len(s, strlen(s), &lim, &env), 0);
	envelope_clear(&env);
	free(s);
	s = test_nested(2);
	test_refused_len(s, strlen(s), &lim, "deeper than 3 levels");
	free(s);
	test_refused_len(HEAD ",\"data\":{\"a\":{\"b\":{}}}}",
	    strlen(HEAD ",\"data\":{\"a\":{\"b\":{}}}}"), &lim,
	    "deeper than 3 levels");
}

static void
test_depth_strings(void **state)
{
	struct envelope_limits	 lim = { 0, 2 };
	struct envelope		 env;
	const char		*ok[] = {
		HEAD ",\"data\":{\"s\":\"[[[[{{{{[[[[\"}}",
		HEAD ",\"data\":{\"s\":\"\\\"[[[[[[\\\"\"}}",
		HEAD ",\"data\":{\"s\":\"\\\\\\\"[[[[[[\"}}",
		HEAD ",\"data\":{\"[[[[\":\"]]]]\",\"{{{{\":1}}",
		HEAD ",\"data\":{\"s\":\"\\u005b\\u005b\\u005b\"}}",
	};
	const char		*deep[] = {
		/* an escaped backslash ends the escape: the quote closes */
		HEAD ",\"data\":{\"s\":\"\\\\\",\"t\":[1]}}",
		HEAD ",\"data\":{\"s\":\"\\\"\",\"t\":[1]}}",
	};
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (test_parse_len(ok[i], strlen(ok[i]), &lim, &env) != 0)
			fail_msg("expected %s to parse, got \"%s\"", ok[i],
			    test_reason);
		envelope_clear(&env);
	}
	for (i = 0; i < sizeof deep / sizeof deep[0]; i++)
		test_refused_len(deep[i], strlen(deep[i]), &lim,
		    "deeper than 2 levels");
	assert_int_equal(test_parse(HEAD ",\"data\":{\"s\":\"a\\\"b\"}}",
	    &env), 0);
	assert_string_equal(json_string_value(json_object_get(env.data, "s")),
	    "a\"b");
	envelope_clear(&env);
}

static void
test_syntax(void **state)
{
	(void)state;
	test_refused("{\"id\": }", "invalid JSON at line 1, column 8");
	test_refused(MINIMAL " x", "invalid JSON at line 1");
	test_refused(MINIMAL " x", "end of file expected");
	test_refused(MINIMAL MINIMAL, "end of file expected");
	test_refused("{\n\"a\":1,\n}", "invalid JSON at line 3, column 1");
	test_refused(HEAD, "invalid JSON");
	test_refused("{\"a\":\"\x01\"}", "control character");
	test_refused("{\"a\":1e400}", "invalid JSON");
	test_refused("{\"a\":\"\\ud800\"}", "invalid Unicode");
	test_refused("{'a':1}", "invalid JSON");
}

static void
test_duplicate(void **state)
{
	(void)state;
	test_refused(HEAD ",\"id\":\"e2\"}", "duplicate key \"id\" at line 1");
	test_refused(HEAD ",\"data\":{\"k\":1,\"k\":2}}",
	    "duplicate key \"k\"");
	test_refused(HEAD ",\"data\":{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":1,"
	    "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":2}}", "duplicate key");
}

static void
test_nul_escape(void **state)
{
	(void)state;
	test_refused(HEAD ",\"x\":\"a\\u0000b\"}", "\\u0000 (NUL)");
	test_refused(HEAD ",\"x\\u0000\":1}", "\\u0000 (NUL)");
	test_refused_len("{\"a\":\"\0\"}", 9, NULL, "invalid JSON");
}

static void
test_not_object(void **state)
{
	(void)state;
	test_refused_exact("[]", "event is not a JSON object (got an array)");
	test_refused_exact("\"x\"",
	    "event is not a JSON object (got a string)");
	test_refused("42", "not a JSON object");
	test_refused("null", "not a JSON object (got null)");
	test_refused("true", "not a JSON object");
}

static void
test_required(void **state)
{
	(void)state;
	test_refused_exact("{\"id\":\"e\",\"source\":\"s\",\"type\":\"t\"}",
	    "missing required attribute 'specversion'");
	test_refused_exact("{\"specversion\":\"1.0\",\"source\":\"s\","
	    "\"type\":\"t\"}",
	    "missing required attribute 'id'");
	test_refused_exact("{\"specversion\":\"1.0\",\"id\":\"e\","
	    "\"type\":\"t\"}",
	    "missing required attribute 'source'");
	test_refused_exact("{\"specversion\":\"1.0\",\"id\":\"e\","
	    "\"source\":\"s\"}",
	    "missing required attribute 'type'");
	test_refused("{\"specversion\":\"1.0\",\"id\":null,\"source\":\"s\","
	    "\"type\":\"t\"}", "missing required attribute 'id' (it is null)");
	test_refused("{\"specversion\":\"1.0\",\"id\":\"\",\"source\":\"s\","
	    "\"type\":\"t\"}",
	    "attribute 'id' must be a non-empty string, got an empty string");
	test_refused("{\"specversion\":\"1.0\",\"id\":7,\"source\":\"s\","
	    "\"type\":\"t\"}",
	    "attribute 'id' must be a non-empty string, got a number");
	test_refused("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":[],"
	    "\"type\":\"t\"}", "attribute 'source' must be a non-empty string");
	test_refused("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\","
	    "\"type\":{}}", "attribute 'type' must be a non-empty string");
	test_refused("{}", "missing required attribute 'specversion'");
}

static void
test_specversion(void **state)
{
	char	buf[2048];
	size_t	i;

	(void)state;
	test_refused_exact("{\"specversion\":\"0.3\",\"id\":\"e\","
	    "\"source\":\"s\",\"type\":\"t\"}",
	    "attribute 'specversion' must be \"1.0\", got \"0.3\"");
	test_refused("{\"specversion\":1.0,\"id\":\"e\",\"source\":\"s\","
	    "\"type\":\"t\"}", "must be \"1.0\", got a number");
	test_refused("{\"specversion\":\"1.0 \",\"id\":\"e\",\"source\":\"s\","
	    "\"type\":\"t\"}", "got \"1.0 \"");
	/* Outside text in a reason: escaped and cut. */
	test_refused("{\"specversion\":\"\\u001b[31mred\\n\\\"q\\\"\"}",
	    "got \"\\u001b[31mred\\u000a\\\"q\\\"\"");
	i = (size_t)snprintf(buf, sizeof buf, "{\"specversion\":\"");
	memset(buf + i, 'v', 1000);
	memcpy(buf + i + 1000, "\"}", 3);
	test_refused(buf, "vvv...\"");
	assert_true(strlen(test_reason) < 200);
}

static void
test_time_attr(void **state)
{
	struct envelope	env;

	(void)state;
	test_refused(HEAD ",\"time\":\"yesterday\"}",
	    "attribute 'time' is not an RFC 3339 timestamp: \"yesterday\"");
	test_refused(HEAD ",\"time\":\"2023-02-29T00:00:00Z\"}",
	    "day out of range");
	test_refused(HEAD ",\"time\":\"2026-11-25T14:03:00\"}", "expected Z");
	test_refused(HEAD ",\"time\":1795615380}",
	    "attribute 'time' must be a non-empty string, got a number");
	test_refused(HEAD ",\"time\":\"\"}", "attribute 'time' must be a "
	    "non-empty string");
	assert_int_equal(test_parse(HEAD
	    ",\"time\":\"2024-02-29T23:30:00.25-01:00\"}", &env), 0);
	assert_true(env.time_ms == INT64_C(1709253000250));
	envelope_clear(&env);
}

static void
test_optional_strings(void **state)
{
	(void)state;
	test_refused(HEAD ",\"subject\":5}",
	    "attribute 'subject' must be a non-empty string, got a number");
	test_refused(HEAD ",\"subject\":\"\"}", "attribute 'subject' must be");
	test_refused(HEAD ",\"datacontenttype\":true}",
	    "attribute 'datacontenttype' must be a non-empty string, "
	    "got a boolean");
	test_refused(HEAD ",\"dataschema\":{}}", "attribute 'dataschema'");
}

static void
test_data(void **state)
{
	(void)state;
	test_refused_exact(HEAD ",\"data\":[1,2]}",
	    "attribute 'data' must be a JSON object, got an array");
	test_refused(HEAD ",\"data\":\"text\"}",
	    "attribute 'data' must be a JSON object, got a string");
	test_refused(HEAD ",\"data\":12}",
	    "attribute 'data' must be a JSON object");
	test_refused(HEAD ",\"data_base64\":\"aGVsbG8=\"}",
	    "data_base64 is not supported");
	test_refused(HEAD ",\"data\":{},\"data_base64\":\"aGVsbG8=\"}",
	    "data_base64 is not supported");
}

static void
test_names(void **state)
{
	(void)state;
	test_refused(HEAD ",\"Foo\":\"x\"}", "invalid attribute name \"Foo\"");
	test_refused(HEAD ",\"foo_bar\":1}",
	    "invalid attribute name \"foo_bar\"");
	test_refused(HEAD ",\"\":1}", "invalid attribute name \"\"");
	test_refused(HEAD ",\"caf\xc3\xa9\":1}",
	    "invalid attribute name \"caf\xc3\xa9\"");
	test_refused(HEAD ",\"a\\u0001\":1}",
	    "invalid attribute name \"a\\u0001\"");
	test_refused("{\"ID\":\"e\",\"specversion\":\"1.0\",\"id\":\"e\","
	    "\"source\":\"s\",\"type\":\"t\"}",
	    "invalid attribute name \"ID\"");
	/* Required checks come before names. */
	test_refused("{\"ID\":\"e\",\"specversion\":\"1.0\",\"source\":\"s\","
	    "\"type\":\"t\"}", "missing required attribute 'id'");
}

static void
test_extensions(void **state)
{
	struct envelope	env;

	(void)state;
	test_refused_exact(HEAD ",\"ext\":{\"a\":1}}",
	    "extension attribute 'ext' must be a string, number, boolean or "
	    "null, got an object");
	test_refused(HEAD ",\"ext\":[]}", "extension attribute 'ext' must be a "
	    "string, number, boolean or null, got an array");
	assert_int_equal(test_parse(HEAD ",\"a1\":\"x\",\"b2\":-1.5e3,"
	    "\"c3\":false,\"d4\":null,\"e5\":0}", &env), 0);
	assert_int_equal(env.quiet, 0);
	envelope_clear(&env);
}

/* relaisnotify, relais's own extension: a backfill sends nothing. */
static void
test_relaisnotify(void **state)
{
	struct envelope	env;

	(void)state;
	assert_int_equal(test_parse(HEAD ",\"relaisnotify\":\"none\"}", &env),
	    0);
	assert_int_equal(env.quiet, 1);
	envelope_clear(&env);
	assert_int_equal(test_parse(HEAD ",\"relaisnotify\":\"all\"}", &env),
	    0);
	assert_int_equal(env.quiet, 0);
	envelope_clear(&env);
	assert_int_equal(test_parse(HEAD ",\"relaisnotify\":null}", &env), 0);
	assert_int_equal(env.quiet, 0);
	envelope_clear(&env);
	test_refused_exact(HEAD ",\"relaisnotify\":\"None\"}",
	    "attribute 'relaisnotify' must be \"none\" (store, send nothing) "
	    "or \"all\", got \"None\"");
	test_refused_exact(HEAD ",\"relaisnotify\":false}",
	    "attribute 'relaisnotify' must be a non-empty string, got a "
	    "boolean");
}

struct test_time {
	const char	*s;
	int64_t		 ms;
};

static void
test_parse_time(void **state)
{
	static const struct test_time	ok[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-11-25T14:03:00Z", INT64_C(1795615380000) },
		{ "2026-11-25t14:03:00z", INT64_C(1795615380000) },
		{ "2026-11-25T16:03:00+02:00", INT64_C(1795615380000) },
		{ "2026-11-25T14:03:00+02:00", INT64_C(1795608180000) },
		{ "2026-11-25T14:03:00-05:30", INT64_C(1795635180000) },
		{ "2026-11-25T14:03:00-00:00", INT64_C(1795615380000) },
		{ "2024-02-29T12:00:00Z", INT64_C(1709208000000) },
		{ "2000-02-29T23:59:59.999Z", INT64_C(951868799999) },
		{ "2000-02-29T23:59:59.9Z", INT64_C(951868799900) },
		{ "2000-02-29T23:59:59.99Z", INT64_C(951868799990) },
		{ "2000-02-29T23:59:59.123456789Z", INT64_C(951868799123) },
		{ "1969-12-31T23:59:59.5Z", INT64_C(-500) },
		{ "1970-01-01T00:00:00+00:01", INT64_C(-60000) },
		{ "1970-01-01T00:00:00-23:59", INT64_C(86340000) },
		{ "1900-03-01T00:00:00Z", INT64_C(-2203891200000) },
		{ "0000-01-01T00:00:00Z", INT64_C(-62167219200000) },
		{ "9999-12-31T23:59:59.999Z", INT64_C(253402300799999) },
		{ "2016-12-31T23:59:60Z", INT64_C(1483228800000) },
		{ "2026-01-31T00:00:00Z", INT64_C(1769817600000) },
	};
	static const char *const bad[] = {
		"", "yesterday", "2026-11-25", "2026-11-25T14:03Z",
		"2026-11-25T14:03:00", "2026-11-25 14:03:00Z",
		"2026-11-25T14:03:00ZZ", "2026-11-25T14:03:00.Z",
		"2026-11-25T14:03:00+0200", "2026-11-25T14:03:00+2:00",
		"2026-11-25T14:03:00+24:00", "2026-11-25T14:03:00+02:60",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z",
		"2026-04-31T00:00:00Z", "2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2026-11-25T24:00:00Z",
		"2026-11-25T23:60:00Z", "2026-11-25T23:59:61Z",
		"26-11-25T14:03:00Z", "+2026-11-25T14:03:00Z",
		"2026-11-25T14:03:00Z ", " 2026-11-25T14:03:00Z",
		"2026/11/25T14:03:00Z", "2026-11-25T14:03:00,5Z",
		"2026-1a-25T14:03:00Z", "2026-11-25T14:03:00+02:00x",
	};
	size_t	 i, n, len;
	int64_t	 ms;
	char	*p;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ms = 42;
		if (envelope_parse_time(ok[i].s, &ms) != 0 || ms != ok[i].ms)
			fail_msg("%s: expected %lld ms, got %lld", ok[i].s,
			    (long long)ok[i].ms, (long long)ms);
		/* Every strict prefix is refused, with no overread. */
		len = strlen(ok[i].s);
		for (n = 0; n < len; n++) {
			p = test_copy(ok[i].s, n + 1);
			p[n] = '\0';
			if (envelope_parse_time(p, &ms) != -1)
				fail_msg("prefix \"%s\" accepted", p);
			free(p);
		}
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (envelope_parse_time(bad[i], &ms) != -1)
			fail_msg("\"%s\": expected refusal, got %lld ms",
			    bad[i], (long long)ms);
	assert_int_equal(envelope_parse_time(NULL, &ms), -1);
}

static void
test_not_terminated(void **state)
{
	struct envelope	 env;
	const char	*s = HEAD ",\"data\":{\"k\":\"v\\\\\"}}";
	size_t		 len = strlen(s), n;

	(void)state;
	assert_int_equal(test_parse_len(s, len, NULL, &env), 0);
	assert_string_equal(json_string_value(json_object_get(env.data, "k")),
	    "v\\");
	envelope_clear(&env);
	/* Each prefix ends somewhere awkward: in a string, after '\', ... */
	for (n = 0; n < len; n++)
		test_refused_len(s, n, NULL, n == 0 ? "empty" : "");
	test_refused_len("{\"a\":\"\\", 7, NULL, "invalid JSON");
	test_refused_len("{\"a\":\"\xe2\x82", 8, NULL,
	    "invalid UTF-8 at byte 6");
	test_refused_len("{\"a\":\"\xf0", 7, NULL, "invalid UTF-8 at byte 6");
}

static void
test_clear(void **state)
{
	struct envelope	env;

	(void)state;
	memset(&env, 0, sizeof env);
	envelope_clear(&env);
	envelope_clear(&env);
	envelope_clear(NULL);
	assert_int_equal(test_parse(MINIMAL, &env), 0);
	envelope_clear(&env);
	envelope_clear(&env);
	assert_null(env.root);
}

static void
test_reason_buffers(void **state)
{
	struct envelope	 env;
	const char	*s = HEAD ",\"\xc3\x89t\xc3\xa9\":1}";
	char		 small[26];
	size_t		 bad;

	(void)state;
	assert_int_equal(envelope_parse("[]", 2, NULL, &env, NULL, 0), -1);
	assert_int_equal(envelope_parse("[]", 2, NULL, &env, small, 0), -1);
	assert_int_equal(envelope_parse("[]", 2, NULL, &env, small, 1), -1);
	assert_string_equal(small, "");
	/* "invalid attribute name \"" is 24 bytes; the cut is inside 'É'. */
	assert_int_equal(envelope_parse(s, strlen(s), NULL, &env, small,
	    sizeof small), -1);
	assert_string_equal(small, "invalid attribute name \"");
	assert_int_equal(utf8_valid(small, strlen(small), &bad), 0);
	assert_int_equal(envelope_parse(MINIMAL, strlen(MINIMAL), NULL, &env,
	    NULL, 0), 0);
	envelope_clear(&env);
}

/* xorshift64: deterministic, so a failure replays. */
static uint64_t
test_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Parses one mutated input; success must yield a complete envelope. */
static void
test_garbage_one(const char *s, size_t len)
{
	struct envelope	env;
	int		rc;

	rc = test_parse_len(s, len, NULL, &env);
	if (rc == 0) {
		assert_non_null(env.root);
		assert_non_null(env.id);
		assert_non_null(env.source);
		assert_non_null(env.type);
		envelope_clear(&env);
	} else {
		assert_int_equal(rc, -1);
		assert_true(test_reason[0] != '\0');
		assert_non_null(memchr(test_reason, '\0',
		    sizeof test_reason));
		assert_null(env.root);
	}
}

static void
test_garbage(void **state)
{
	static const char	 alphabet[] =
	    "{}[]\":,\\u0123456789abcdefnrtle.+- \n"
	    "\xc3\xa9\xe2\x82\xac\xff\xed\xa0\x80";
	const char		*s =
	    HEAD ",\"subject\":\"job/42\","
	    "\"time\":\"2026-11-25T14:03:00.5+02:00\",\"ext\":1,"
	    "\"data\":{\"a\":[1,{\"b\":\"x\\\"y\\u00e9\"}],\"c\":null}}";
	size_t			 len = strlen(s), n, i, k, k2;
	uint64_t		 seed = 0x9e3779b97f4a7c15ULL;
	char			 buf[512];

	(void)state;
	for (n = 0; n <= len; n++)
		test_garbage_one(s, n);
	for (i = 0; i < 20000; i++) {
		memcpy(buf, s, len);
		n = len;
		for (k = test_rand(&seed) % 4 + 1; k > 0; k--) {
			switch (test_rand(&seed) % 4) {
			case 0:	/* overwrite a byte from the alphabet */
				k2 = test_rand(&seed) % (sizeof alphabet - 1);
				buf[test_rand(&seed) % n] = alphabet[k2];
				break;
			case 1:	/* random byte */
				k2 = test_rand(&seed);
				buf[test_rand(&seed) % n] = (char)k2;
				break;
			case 2:	/* truncate */
				n = test_rand(&seed) % n + 1;
				break;
			case 3:	/* delete a byte */
				if (n > 1) {
					k2 = test_rand(&seed) % n;
					memmove(buf + k2, buf + k2 + 1,
					    n - k2 - 1);
					n--;
				}
				break;
			}
		}
		test_garbage_one(buf, n);
	}
	for (i = 0; i < 2000; i++) {
		n = test_rand(&seed) % sizeof buf;
		for (k = 0; k < n; k++)
			buf[k] = (char)test_rand(&seed);
		test_garbage_one(buf, n);
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_shed),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_null_optionals),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_scrub),
		cmocka_unit_test(test_utf8_in_event),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_depth_strings),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_nul_escape),
		cmocka_unit_test(test_not_object),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_specversion),
		cmocka_unit_test(test_time_attr),
		cmocka_unit_test(test_optional_strings),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_relaisnotify),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_reason_buffers),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
