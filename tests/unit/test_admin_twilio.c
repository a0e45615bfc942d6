/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_twilio.c: Twilio's signed webhooks on /hooks/twilio. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "admin_fixture.h"
#include "buf.h"
#include "twhook.h"

static void
assert_twiml(struct reply *r)
{
	char	v[128];

	assert_int_equal(r->status, 200);
	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/xml; charset=utf-8");
	assert_non_null(r->body);
	assert_string_equal(r->body, TW_TWIML);
}

static void
test_twilio_off(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);

	assert_non_null(r);
	memset(&f->tw, 0, sizeof f->tw);
	fix_tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 404);
	fix_get(f->base, f->port, "GET", "/hooks/twilio", r);
	assert_int_equal(r->status, 404);
	/* an empty auth token keeps it off */
	admin_set_twilio(f->admin, "", TW_PUBLIC, fix_tw_suppress, fix_tw_unsuppress,
	    fix_tw_status, f);
	fix_tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 404);
	/* and it can be turned off again */
	fix_tw_on(f, TW_PUBLIC);
	admin_set_twilio(f->admin, NULL, NULL, NULL, NULL, NULL, NULL);
	fix_tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 404);
	assert_int_equal(fix_tw_calls(f), 0);
	assert_alive(f);
	free(r);
}

static void
test_twilio_inbound(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);

	assert_non_null(r);
	fix_tw_on(f, TW_PUBLIC);
	fix_tw_post(f, TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 1);
	assert_string_equal(f->tw.id, "sms:+18195550123");
	assert_string_equal(f->tw.source, "twilio STOP");
	assert_int_equal(f->tw.nunsuppress, 0);
	assert_int_equal(f->tw.nstatus, 0);

	fix_tw_post(f, TW_START, r);
	assert_twiml(r);
	assert_int_equal(f->tw.nunsuppress, 1);
	assert_string_equal(f->tw.id, "sms:+18195550123");
	assert_string_equal(f->tw.source, "twilio START");
	assert_int_equal(f->tw.nsuppress, 1);

	/* French, lower case, padded; UNSTOP; then what changes nothing */
	fix_tw_post(f, "Body=+arr%C3%AAte%0A&From=%2B15145550199&MessageSid=SM2",
	    r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 2);
	assert_string_equal(f->tw.id, "sms:+15145550199");
	fix_tw_post(f, "Body=unstop&From=%2B15145550199&MessageSid=SM3", r);
	assert_twiml(r);
	assert_int_equal(f->tw.nunsuppress, 2);
	fix_tw_post(f, "Body=HELP&From=%2B15145550199&MessageSid=SM4", r);
	assert_twiml(r);
	fix_tw_post(f, "Body=stop+please&From=%2B15145550199&MessageSid=SM5", r);
	assert_twiml(r);
	fix_tw_post(f, "Body=&From=%2B15145550199&MessageSid=SM6", r);
	assert_twiml(r);
	/* not a phone number the list can hold */
	fix_tw_post(f, "Body=STOP&From=whatsapp%3A%2B15145550199&MessageSid=SM7",
	    r);
	assert_twiml(r);
	fix_tw_post(f, "Body=STOP&From=%2B&MessageSid=SM8", r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 2);
	assert_int_equal(f->tw.nunsuppress, 2);
	assert_int_equal(f->tw.nstatus, 0);

	/* the list could not be written: an error Twilio shows */
	f->tw.fail = 1;
	fix_tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 503);
	assert_int_equal(f->tw.nsuppress, 3);
	/* a replay is harmless: the same suppression again */
	f->tw.fail = 0;
	fix_tw_post(f, TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 4);
	free(r);
}

static void
test_twilio_status(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);

	assert_non_null(r);
	fix_tw_on(f, TW_PUBLIC);
	fix_tw_post(f, "SmsSid=SMabc&SmsStatus=delivered&MessageStatus=delivered"
	    "&To=%2B18195550123&MessageSid=SMabc&AccountSid=AC1"
	    "&From=%2B18195550000&ApiVersion=2010-04-01", r);
	assert_twiml(r);
	assert_int_equal(f->tw.nstatus, 1);
	assert_string_equal(f->tw.sid, "SMabc");
	assert_string_equal(f->tw.status, "delivered");
	assert_true(f->tw.error_null);

	fix_tw_post(f, "MessageSid=SMdef&MessageStatus=undelivered"
	    "&ErrorCode=30003", r);
	assert_twiml(r);
	assert_int_equal(f->tw.nstatus, 2);
	assert_string_equal(f->tw.sid, "SMdef");
	assert_string_equal(f->tw.status, "undelivered");
	assert_false(f->tw.error_null);
	assert_string_equal(f->tw.error, "30003");

	fix_tw_post(f, "MessageSid=SMghi&MessageStatus=sent&ErrorCode=", r);
	assert_twiml(r);
	assert_int_equal(f->tw.nstatus, 3);
	assert_true(f->tw.error_null);

	/* signed but not in Twilio's shapes: answered, not passed on */
	fix_tw_post(f, "MessageSid=SM%22x&MessageStatus=sent", r);
	assert_twiml(r);
	fix_tw_post(f, "MessageSid=SMx&MessageStatus=Sent%21", r);
	assert_twiml(r);
	fix_tw_post(f, "MessageSid=SMx&MessageStatus=failed&ErrorCode=3x", r);
	assert_twiml(r);
	fix_tw_post(f, "MessageStatus=sent", r);
	assert_twiml(r);
	fix_tw_post(f, "", r);
	assert_twiml(r);
	assert_int_equal(f->tw.nstatus, 3);
	assert_int_equal(f->tw.nsuppress + f->tw.nunsuppress, 0);
	free(r);
}

/* Forged, altered or unsigned: 403 and no callback, whatever the body says. */
static void
test_twilio_forged(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 sig[TWHOOK_SIG_SIZE], v[64];

	assert_non_null(r);
	fix_tw_on(f, TW_PUBLIC);
	fix_tw_sign(TW_TOKEN, TW_URL, TW_STOP, sig, sizeof sig);

	/* no signature, an empty one, a garbled one */
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, NULL, TW_STOP, r);
	assert_int_equal(r->status, 403);
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, "", TW_STOP, r);
	assert_int_equal(r->status, 403);
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);

	/* the STOP signature on a START body, or with a field added */
	fix_tw_sign(TW_TOKEN, TW_URL, TW_STOP, sig, sizeof sig);
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_START, r);
	assert_int_equal(r->status, 403);
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP "&Extra=1", r);
	assert_int_equal(r->status, 403);
	/* another token, another URL, a query Twilio did not send */
	fix_tw_sign("another token", TW_URL, TW_STOP, sig, sizeof sig);
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	fix_tw_sign(TW_TOKEN, "http://relais.example.org/hooks/twilio", TW_STOP,
	    sig, sizeof sig);
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	fix_tw_sign(TW_TOKEN, TW_URL, TW_STOP, sig, sizeof sig);
	fix_tw_raw(f, "/hooks/twilio?x=1", "x", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	/* a forged status callback */
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig,
	    "MessageSid=SM1&MessageStatus=delivered", r);
	assert_int_equal(r->status, 403);
	assert_int_equal(fix_tw_calls(f), 0);

	/* not a form, not a POST, not a body we can read */
	fix_tw_raw(f, "/hooks/twilio", "x", "application/json", sig, TW_STOP, r);
	assert_int_equal(r->status, 415);
	fix_tw_raw(f, "/hooks/twilio", "x", NULL, sig, TW_STOP, r);
	assert_int_equal(r->status, 415);
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, sig, "Body=%zz", r);
	assert_int_equal(r->status, 400);
	fix_get(f->base, f->port, "GET", "/hooks/twilio", r);
	assert_int_equal(r->status, 405);
	assert_non_null(fix_header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "POST");
	fix_get(f->base, f->port, "HEAD", "/hooks/twilio", r);
	assert_int_equal(r->status, 405);
	assert_int_equal(r->bodylen, 0);
	fix_get(f->base, f->port, "PUT", "/hooks/twilio", r);
	assert_int_equal(r->status, 405);
	assert_int_equal(fix_tw_calls(f), 0);

	/* the genuine one still works */
	fix_tw_post(f, TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 1);
	assert_alive(f);
	free(r);
}

/* The URL signed: the public one with the query, or http:// and Host. */
static void
test_twilio_url(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 sig[TWHOOK_SIG_SIZE];

	assert_non_null(r);
	fix_tw_on(f, TW_PUBLIC "/");	/* a trailing '/' is dropped */
	fix_tw_sign(TW_TOKEN, TW_URL "?territory=abitibi&x=%20", TW_STOP, sig,
	    sizeof sig);
	fix_tw_raw(f, "/hooks/twilio?territory=abitibi&x=%20", "x", TW_FORM, sig,
	    TW_STOP, r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 1);
	/* the query as sent, not decoded: "%20" is not " " */
	fix_tw_sign(TW_TOKEN, TW_URL "?territory=abitibi&x= ", TW_STOP, sig,
	    sizeof sig);
	fix_tw_raw(f, "/hooks/twilio?territory=abitibi&x=%20", "x", TW_FORM, sig,
	    TW_STOP, r);
	assert_int_equal(r->status, 403);

	/* no public URL: http:// and the Host header */
	fix_tw_on(f, NULL);
	fix_tw_sign(TW_TOKEN, "http://relais.test:8080/hooks/twilio", TW_STOP, sig,
	    sizeof sig);
	fix_tw_raw(f, "/hooks/twilio", "relais.test:8080", TW_FORM, sig, TW_STOP,
	    r);
	assert_twiml(r);
	assert_int_equal(f->tw.nsuppress, 1);
	fix_tw_raw(f, "/hooks/twilio", "elsewhere.test:8080", TW_FORM, sig,
	    TW_STOP, r);
	assert_int_equal(r->status, 403);
	/* and none with an empty Host */
	fix_tw_raw(f, "/hooks/twilio", "", TW_FORM, sig, TW_STOP, r);
	assert_int_equal(r->status, 403);
	assert_int_equal(f->tw.nsuppress, 1);
	free(r);
}

/* A 1600-character SMS fits; larger bodies, and big ones elsewhere, do not. */
static void
test_twilio_sizes(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct buf	 body;
	size_t		 i;

	assert_non_null(r);
	fix_tw_on(f, TW_PUBLIC);
	buf_init(&body);
	buf_puts(&body, "Body=");
	for (i = 0; i < 1600; i++)
		buf_puts(&body, "%E2%82%AC");		/* € */
	buf_puts(&body, "&From=%2B18195550123&To=%2B18195550000"
	    "&MessageSid=SM0123456789abcdef0123456789abcdef"
	    "&AccountSid=AC0123456789abcdef0123456789abcdef");
	assert_true(body.len > 14000);
	fix_tw_post(f, body.data, r);
	assert_twiml(r);

	/* over 16 KiB: refused before anything is read into a form */
	while (body.len <= 17 * 1024)
		buf_puts(&body, "&Pad=0123456789");
	fix_tw_raw(f, "/hooks/twilio", "x", TW_FORM, "AAAA", body.data, r);
	assert_true(r->status == 413 || (r->status == 0 && r->reset));
	assert_alive(f);
	/* other paths keep their 1 KiB */
	buf_reset(&body);
	while (body.len <= 2048)
		buf_puts(&body, "Pad=0123456789&");
	fix_tw_raw(f, "/healthz", "x", TW_FORM, NULL, body.data, r);
	assert_int_equal(r->status, 413);
	fix_tw_raw(f, "/nowhere", "x", TW_FORM, NULL, body.data, r);
	assert_int_equal(r->status, 413);
	assert_int_equal(fix_tw_calls(f), 0);
	buf_free(&body);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_twilio_off, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_twilio_inbound, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_twilio_status, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_twilio_forged, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_twilio_url, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_twilio_sizes, fix_setup,
		    fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
