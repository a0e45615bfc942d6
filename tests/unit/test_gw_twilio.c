/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for gw_twilio: form encoding round trips, the field set, the response classifier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "gw.h"
#include "gw_twilio.h"
#include "http.h"
#include "utf8.h"

#define MG_SID	"MG0123456789abcdef0123456789abcdef"

/* One decoded name=value pair of a form body. */
struct field {
	char	name[64];
	char	value[1024];
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* lower case hex is not what we send */
}

/*
 * Decodes a form component the way a strict server would, and fails the
 * test on any byte that should have been percent-encoded.
 */
static void
decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		assert_true(o + 1 < outlen);
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			assert_true(i + 2 < len);
			assert_true(hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0);
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-._~", s[i]));
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* Splits a form body into fields; returns how many. */
static size_t
parse_form(const char *body, struct field *f, size_t max)
{
	const char	*p = body, *amp, *eq;
	size_t		 n = 0;

	if (*p == '\0')
		return 0;
	for (;;) {
		assert_true(n < max);
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		assert_non_null(eq);
		decode(p, (size_t)(eq - p), f[n].name, sizeof f[n].name);
		decode(eq + 1, (size_t)(amp - eq - 1), f[n].value,
		    sizeof f[n].value);
		n++;
		if (*amp == '\0')
			return n;
		p = amp + 1;
	}
}

static const char *
get(const struct field *f, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(f[i].name, name) == 0)
			return f[i].value;
	}
	return NULL;
}

static void
test_urlencode_exact(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	gw_twilio_urlencode(&b, "a b&c=d+e~f.g-h_i/j?k%l\xc3\xa9\n");
	assert_string_equal(b.data,
	    "a+b%26c%3Dd%2Be~f.g-h_i%2Fj%3Fk%25l%C3%A9%0A");
	buf_free(&b);
}

static void
test_round_trip(void **state)
{
	static const char *texts[] = {
		"Bienvenue \xc3\xa0 Rouyn-Noranda!",
		"Un message de l\xe2\x80\x99\xc3\xa9quipe d'accueil",
		"\xc2\xab Bonne F\xc3\xaate nationale \xc2\xbb \xf0\x9f\x8e\x89",
		"Caf\xc3\xa9 & cr\xc3\xa8me = 5 $ + taxes; 100 % s\xc3\xbbr?",
		"ligne 1\nligne 2\r\n\ttab #ancre /chemin?q=1&r=2",
		"  espaces  en  trop  ",
		"~-._ ++ %%20 %41",
	};
	struct gw_msg	m;
	struct field	f[8];
	struct buf	b;
	size_t		i, n;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		memset(&m, 0, sizeof m);
		m.to = "+18195550123";
		m.from = "+18195550101";
		m.text = texts[i];
		buf_init(&b);
		gw_twilio_form(&m, NULL, NULL, &b);
		n = parse_form(b.data, f, 8);
		assert_int_equal(n, 3);
		assert_string_equal(get(f, n, "Body"), texts[i]);
		assert_string_equal(get(f, n, "To"), "+18195550123");
		assert_string_equal(get(f, n, "From"), "+18195550101");
		/* nothing a form parser could split on is left bare */
		assert_null(strchr(b.data, ' '));
		assert_int_equal(strchr(b.data, '=') - b.data, 2);
		buf_free(&b);
	}
}

static void
test_fields_from(void **state)
{
	struct gw_msg	m;
	struct field	f[8];
	struct buf	b;
	size_t		n;

	(void)state;
	memset(&m, 0, sizeof m);
	m.to = "+18195550123";
	m.from = "+18195550101";
	m.text = "Bonjour";
	buf_init(&b);
	gw_twilio_form(&m, NULL, NULL, &b);
	assert_string_equal(b.data,
	    "To=%2B18195550123&From=%2B18195550101&Body=Bonjour");
	n = parse_form(b.data, f, 8);
	assert_int_equal(n, 3);
	assert_null(get(f, n, "MessagingServiceSid"));
	assert_null(get(f, n, "StatusCallback"));
	buf_free(&b);
}

static void
test_fields_service(void **state)
{
	struct gw_msg	m;
	struct field	f[8];
	struct buf	b;
	size_t		n;

	(void)state;
	memset(&m, 0, sizeof m);
	m.to = "+18195550123";
	m.from = "+18195550101";
	m.text = "Bonjour";
	buf_init(&b);
	gw_twilio_form(&m, MG_SID, "https://relais.example/twilio/status?t=1",
	    &b);
	n = parse_form(b.data, f, 8);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].name, "To");
	assert_string_equal(get(f, n, "MessagingServiceSid"), MG_SID);
	assert_null(get(f, n, "From"));	/* the service picks the sender */
	assert_string_equal(get(f, n, "Body"), "Bonjour");
	assert_string_equal(get(f, n, "StatusCallback"),
	    "https://relais.example/twilio/status?t=1");
	buf_free(&b);
}

static struct http_response
response(long status, const char *body, long retry_after)
{
	struct http_response	r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.errmsg = "";
	r.body = body;
	r.bodylen = strlen(body);
	r.headers = "";
	r.retry_after_s = retry_after;
	r.total_ms = 12.5;
	return r;
}

static void
classify(long status, const char *body, long retry_after,
    struct gw_result *res)
{
	struct http_response	r = response(status, body, retry_after);

	memset(res, 0x55, sizeof *res);	/* the classifier sets every field */
	gw_twilio_classify(&r, res);
}

static void
test_classify_created(void **state)
{
	struct gw_result	res;

	(void)state;
	classify(201, "{\"account_sid\":\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"sid\":\"SM0123456789abcdef0123456789abcdef\",\"status\":"
	    "\"queued\",\"num_segments\":\"1\",\"error_code\":null}", -1, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id,
	    "SM0123456789abcdef0123456789abcdef");
	assert_string_equal(res.reason, "");
	assert_int_equal(res.retry_after_s, -1);
	assert_true(res.ms > 12.0 && res.ms < 13.0);

	/* accepted, whatever the body: no id rather than a retry */
	classify(201, "not json", -1, &res);
	assert_int_equal(res.status, GW_SENT);
	assert_string_equal(res.provider_id, "");
}

/*
 * A long non-ASCII message is cut to the reason's size on a character
 * boundary: the reason goes into JSON records (it once reached fatalx).
 */
static void
test_classify_long_accented(void **state)
{
	struct gw_result	res;
	struct buf		body;
	int			i;

	(void)state;
	buf_init(&body);
	/* one ASCII byte first: the 160-byte excerpt ends inside an é */
	buf_puts(&body, "{\"code\": 30007, \"message\": \"x");
	for (i = 0; i < 200; i++)
		buf_puts(&body, "\xc3\xa9");	/* é, two bytes */
	buf_puts(&body, "\", \"status\": 400}");
	buf_putc(&body, '\0');
	classify(400, body.data, -1, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_int_equal(utf8_valid(res.reason, strlen(res.reason),
	    NULL), 0);
	assert_true(strlen(res.reason) > 150);
	buf_free(&body);
}

static void
test_classify_invalid_to(void **state)
{
	struct gw_result	res;

	(void)state;
	classify(400, "{\"code\": 21211, \"message\": \"The 'To' number "
	    "+15005550001 is not a valid phone number.\", \"more_info\": "
	    "\"https://www.twilio.com/docs/errors/21211\", \"status\": 400}",
	    -1, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "twilio 21211: The 'To' number "
	    "+***0001 is not a valid phone number. (HTTP 400)");
	assert_string_equal(res.provider_id, "");
}

static void
test_classify_opted_out(void **state)
{
	struct gw_result	res;

	(void)state;
	classify(400, "{\"code\":21610,\"message\":\"Attempt to send to "
	    "unsubscribed recipient\",\"more_info\":\"https://www.twilio.com/"
	    "docs/errors/21610\",\"status\":400}", -1, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_int_equal(strncmp(res.reason, "opted out (21610)", 17), 0);
	assert_non_null(strstr(res.reason, "unsubscribed recipient"));
}

static void
test_classify_unauthorized(void **state)
{
	struct gw_result	res;

	(void)state;
	classify(401, "{\"code\":20003,\"message\":\"Authenticate\","
	    "\"more_info\":\"https://www.twilio.com/docs/errors/20003\","
	    "\"status\":401}", -1, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "twilio 20003: Authenticate (HTTP 401)");

	/* no Twilio body: the status and an excerpt, on one line */
	classify(404, "<html>\r\nNot Found\r\n</html>", -1, &res);
	assert_int_equal(res.status, GW_PERMANENT);
	assert_string_equal(res.reason, "HTTP 404: <html>  Not Found  </html>");
}

static void
test_classify_too_many(void **state)
{
	struct gw_result	res;

	(void)state;
	classify(429, "{\"code\":20429,\"message\":\"Too Many Requests\","
	    "\"more_info\":\"https://www.twilio.com/docs/errors/20429\","
	    "\"status\":429}", 7, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, 7);
	assert_string_equal(res.reason,
	    "twilio 20429: Too Many Requests (HTTP 429)");

	classify(429, "", -1, &res);
	assert_int_equal(res.status, GW_WAIT);
	assert_int_equal(res.retry_after_s, -1);
}

static void
test_classify_server(void **state)
{
	struct gw_result	res;

	(void)state;
	classify(500, "{\"code\":20500,\"message\":\"Internal Server Error\","
	    "\"status\":500}", -1, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason,
	    "twilio 20500: Internal Server Error (HTTP 500)");
	classify(503, "Service Unavailable", 3, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_int_equal(res.retry_after_s, 3);
	assert_string_equal(res.reason, "HTTP 503: Service Unavailable");
	classify(408, "", -1, &res);
	assert_int_equal(res.status, GW_RETRY);
}

static void
test_classify_transport(void **state)
{
	struct http_response	r = response(0, "", -1);
	struct gw_result	res;

	(void)state;
	r.error = 28;	/* CURLE_OPERATION_TIMEDOUT */
	r.errmsg = "Operation timed out after 15000 milliseconds";
	memset(&res, 0x55, sizeof res);
	gw_twilio_classify(&r, &res);
	assert_int_equal(res.status, GW_RETRY);
	assert_string_equal(res.reason,
	    "transport: Operation timed out after 15000 milliseconds");
	assert_string_equal(res.provider_id, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlencode_exact),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fields_from),
		cmocka_unit_test(test_fields_service),
		cmocka_unit_test(test_classify_created),
		cmocka_unit_test(test_classify_invalid_to),
		cmocka_unit_test(test_classify_long_accented),
		cmocka_unit_test(test_classify_opted_out),
		cmocka_unit_test(test_classify_unauthorized),
		cmocka_unit_test(test_classify_too_many),
		cmocka_unit_test(test_classify_server),
		cmocka_unit_test(test_classify_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
