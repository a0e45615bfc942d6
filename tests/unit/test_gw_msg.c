/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* gw_msg: the unsubscribe header a message asks for, and its JSON record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "gw_msg.h"

/* gw_unsubscribe of a message with this URL. */
static int
test_unsub(const char *url)
{
	struct gw_msg	m;

	memset(&m, 0, sizeof m);
	m.unsubscribe_url = url;
	return gw_unsubscribe(&m);
}

/* None, plain, one-click (https), and URLs no header can carry. */
static void
test_unsubscribe(void **state)
{
	static const struct { const char *url; int want; } v[] = {
		{ NULL, 0 },
		{ "", 0 },
		{ "https://relais.example.org/u/abc?t=1", 2 },
		{ "HTTPS://relais.example.org/u", 2 },
		{ "http://relais.example.org/u/abc", 1 },
		{ "mailto:unsubscribe@example.org?subject=stop", 1 },
		{ "https:/relais.example.org/u", 1 },
		{ "https://relais.example.org/a b", -1 },
		{ " https://relais.example.org/u", -1 },
		{ "https://relais.example.org/u\t", -1 },
		{ "https://relais.example.org/u\r\nBcc: x@example.org", -1 },
		{ "https://relais.example.org/<u>", -1 },
		{ "https://relais.example.org/u>", -1 },
		{ "https://relais.example.org/u,mailto:x@example.org", -1 },
		{ "https://relais.example.org/caf\xc3\xa9", -1 },
		{ "https://relais.example.org/\x7f", -1 },
		{ "https://relais.example.org/\x01", -1 },
	};
	char	 url[GW_UNSUBSCRIBE_MAX + 2];
	size_t	 i;
	int	 got;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		if ((got = test_unsub(v[i].url)) != v[i].want)
			fail_msg("\"%s\": expected %d, got %d",
			    v[i].url != NULL ? v[i].url : "(null)", v[i].want,
			    got);
	}
	/* the longest that fits in a header line, and one byte more */
	memcpy(url, "https://", 8);
	memset(url + 8, 'a', sizeof url - 8);
	url[GW_UNSUBSCRIBE_MAX] = '\0';
	assert_int_equal(test_unsub(url), 2);
	url[GW_UNSUBSCRIBE_MAX] = 'a';
	url[GW_UNSUBSCRIBE_MAX + 1] = '\0';
	assert_int_equal(test_unsub(url), -1);
	url[4] = ':';
	url[5] = url[6] = '/';
	url[7] = 'a';
	assert_int_equal(test_unsub(url), -1);
	url[GW_UNSUBSCRIBE_MAX] = '\0';
	assert_int_equal(test_unsub(url), 1);
}

/* The record parsed back: an object, the "at" removed and checked. */
static json_t *
test_record(const struct gw_msg *m)
{
	struct buf	 b;
	json_t		*j;
	json_error_t	 je;
	const char	*at;

	buf_init(&b);
	gw_record(m, &b);
	if ((j = json_loadb(b.data, b.len, 0, &je)) == NULL)
		fail_msg("not JSON (%s): %s", je.text, b.data);
	assert_true(json_is_object(j));
	/* the test clock of the setup, within seconds */
	assert_non_null(at = json_string_value(json_object_get(j, "at")));
	if (strncmp(at, "2026-03-04T19:30:0", 18) != 0 || strlen(at) != 24 ||
	    at[23] != 'Z')
		fail_msg("at: expected 2026-03-04T19:30:0x.xxxZ, got %s", at);
	json_object_del(j, "at");
	buf_free(&b);
	return j;
}

/* Every field of a message under its name, and nothing else. */
static void
test_record_fields(void **state)
{
	static const char *const keys[] = { "delivery_key", "event_id", "type",
	    "territory", "role", "channel", "language", "gateway", "template",
	    "from", "from_name", "reply_to", "to", "subject", "text", "html" };
	struct gw_msg	 m;
	json_t		*j, *v;
	const char	*k;
	char		 want[64];
	size_t		 i;

	(void)state;
	memset(&m, 0, sizeof m);
	m.key = "v-delivery_key";
	m.event_id = "v-event_id";
	m.type = "v-type";
	m.territory = "v-territory";
	m.role = "v-role";
	m.channel = "v-channel";
	m.language = "v-language";
	m.gateway = "v-gateway";
	m.template = "v-template";
	m.from = "v-from";
	m.from_name = "v-from_name";
	m.reply_to = "v-reply_to";
	m.to = "v-to";
	m.subject = "v-subject";
	m.text = "v-text";
	m.html = "v-html";
	m.unsubscribe_url = "https://relais.example.org/u";
	j = test_record(&m);
	assert_int_equal(json_object_size(j), sizeof keys / sizeof *keys);
	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		snprintf(want, sizeof want, "v-%s", keys[i]);
		v = json_object_get(j, keys[i]);
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), want) != 0)
			fail_msg("%s: expected \"%s\", got %s", keys[i], want,
			    json_is_string(v) ? json_string_value(v) : "none");
	}
	json_object_foreach(j, k, v) {
		(void)v;
		assert_true(strncmp(k, "v-", 2) != 0);
	}
	json_decref(j);
}

/* NULL fields are left out, not written as null or "". */
static void
test_record_null(void **state)
{
	struct gw_msg	 m;
	json_t		*j;

	(void)state;
	memset(&m, 0, sizeof m);
	j = test_record(&m);
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);

	m.channel = "sms";
	m.to = "+18195550123";
	m.text = "";
	j = test_record(&m);
	assert_int_equal(json_object_size(j), 3);
	assert_string_equal(json_string_value(json_object_get(j, "channel")),
	    "sms");
	assert_string_equal(json_string_value(json_object_get(j, "text")), "");
	assert_null(json_object_get(j, "html"));
	assert_null(json_object_get(j, "subject"));
	json_decref(j);
}

/* Text kept as it is (JSON-escaped); bytes that are not UTF-8 become '?'. */
static void
test_record_text(void **state)
{
	struct gw_msg	 m;
	struct buf	 b;
	json_t		*j;

	(void)state;
	memset(&m, 0, sizeof m);
	m.subject = "Bienvenue \"Ana\" \xe2\x80\x94 caf\xc3\xa9 "
	    "\xf0\x9f\x98\x80";
	m.text = "ligne 1\nligne 2\t\\ fin\x01";
	m.html = "<p>caf\xe9</p>";		/* Latin-1 */
	m.from_name = "cut \xe2\x82";		/* a character cut short */
	m.to = "\xff\xfe@example.org";
	m.territory = "\xed\xa0\x80";		/* a surrogate */
	j = test_record(&m);
	assert_string_equal(json_string_value(json_object_get(j, "subject")),
	    m.subject);
	assert_string_equal(json_string_value(json_object_get(j, "text")),
	    m.text);
	assert_string_equal(json_string_value(json_object_get(j, "html")),
	    "<p>caf?</p>");
	assert_string_equal(json_string_value(json_object_get(j, "from_name")),
	    "cut ??");
	assert_string_equal(json_string_value(json_object_get(j, "to")),
	    "??@example.org");
	assert_string_equal(json_string_value(json_object_get(j, "territory")),
	    "???");
	json_decref(j);
	/* the message itself is not touched */
	assert_string_equal(m.html, "<p>caf\xe9</p>");

	/* appended to what the buffer holds */
	buf_init(&b);
	buf_puts(&b, "line0\n");
	memset(&m, 0, sizeof m);
	m.type = "x";
	gw_record(&m, &b);
	assert_int_equal(strncmp(b.data,
	    "line0\n{\"type\":\"x\",\"at\":\"", 24), 0);
	assert_int_equal(b.data[b.len - 1], '}');
	buf_free(&b);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsubscribe),
		cmocka_unit_test(test_record_fields),
		cmocka_unit_test(test_record_null),
		cmocka_unit_test(test_record_text),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
