/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for phone: North American and international numbers accepted, malformed ones refused with a reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "phone.h"

static void
test_accepted(void **state)
{
	static const struct {
		const char	*in;
		const char	*e164;
	} ok[] = {
		{ "+1 819 555 1234", "+18195551234" },
		{ "819-555-1234", "+18195551234" },
		{ "(819) 555-1234", "+18195551234" },
		{ "1 819 555 1234", "+18195551234" },
		{ "819.555.1234", "+18195551234" },
		{ "+18195551234", "+18195551234" },
		{ "8195551234", "+18195551234" },
		{ "1-819-555-1234", "+18195551234" },
		{ "+1 (819) 555-1234", "+18195551234" },
		{ "1 (819) 555-1234", "+18195551234" },
		{ "  819 555 1234\t", "+18195551234" },
		/* no-break and narrow no-break spaces of French typography */
		{ "819\xc2\xa0" "555\xc2\xa0" "1234", "+18195551234" },
		{ "819\xe2\x80\xaf" "555\xe2\x80\xaf" "1234", "+18195551234" },
		{ "(418) 555-0199", "+14185550199" },
		{ "1 (800) 555-0199", "+18005550199" },	/* toll-free */
		{ "+1 212 555 0100", "+12125550100" },
		/* an exchange may be N11; only area codes may not */
		{ "819 411 1234", "+18194111234" },
		{ "+33 1 23 45 67 89", "+33123456789" },
		{ "+44 20 7946 0000", "+442079460000" },
		{ "+49123456", "+49123456" },		/* 8 digits: shortest */
		{ "+491234567890123", "+491234567890123" },	/* 15: longest */
		{ "+852 1234 5678", "+85212345678" },
	};
	char	out[PHONE_E164_SIZE], err[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof *ok; i++) {
		err[0] = '\0';
		if (phone_normalise(ok[i].in, out, sizeof out, err,
		    sizeof err) == -1)
			fail_msg("\"%s\": expected %s, refused: %s", ok[i].in,
			    ok[i].e164, err);
		if (strcmp(out, ok[i].e164) != 0)
			fail_msg("\"%s\": expected %s, got %s", ok[i].in,
			    ok[i].e164, out);
	}
}

static void
test_rejected(void **state)
{
	static const struct {
		const char	*in;
		const char	*reason;	/* a substring of err */
	} bad[] = {
		{ "", "no digits" },
		{ "   ", "no digits" },
		{ "+", "no digits" },
		{ "819-555-CALL", "letters" },
		{ "1-800-FLOWERS", "letters" },
		{ "819 555 1234 ext 5", "letters" },
		{ "555-1234", "too short" },
		{ "0", "too short" },
		{ "819 555 12345", "too long" },
		{ "12345678901234567890", "too long" },
		{ "019 555 1234", "area code starts with 0" },
		{ "+1 019 555 1234", "area code starts with 0" },
		{ "+1 119 555 1234", "area code starts with 1" },
		{ "1 119 555 1234", "area code starts with 1" },
		{ "819 055 1234", "exchange starts with 0" },
		{ "819 155 1234", "exchange starts with 1" },
		{ "+1 819 155 1234", "exchange starts with 1" },
		{ "911 555 1234", "N11" },
		{ "+1 411 555 1234", "N11" },
		{ "1 611 555 1234", "N11" },
		/* a leading 1 followed by anything but 10 digits */
		{ "1 819 555 123", "leading 1 must be followed by exactly 10 "
		    "digits, not 9" },
		{ "1 819 555 12345", "not 11" },
		{ "1819555123", "not 9" },
		{ "1", "not 0" },
		{ "+1 819 555 123", "+1 must be followed by exactly 10" },
		{ "+1 819 555 12345", "+1 must be followed by exactly 10" },
		{ "+1", "+1 must be followed" },
		{ "+33 1 23", "too short" },
		{ "+4912345", "too short" },			/* 7 digits */
		{ "+33 1 23 45 67 89 01 23 45", "too long" },	/* 17 digits */
		{ "+4912345678901234", "too long" },		/* 16 digits */
		{ "+0 123 456 789", "country code starts with 0" },
		{ "011 33 1 23 45 67 89", "instead of 011" },
		{ "+33 (0)1 23 45 67 89", "trunk prefix" },
		{ "819+555+1234", "only at the start" },
		{ "++1 819 555 1234", "only at the start" },
		{ "((819)) 555-1234", "parentheses" },
		{ "(819 555-1234", "parentheses" },
		{ "819) 555-1234", "parentheses" },
		{ "(819) (555) 1234", "parentheses" },
		{ "819/555/1234", "unexpected character" },
		{ "819_555_1234", "unexpected character" },
		/* fullwidth digits ８１９ */
		{ "\xef\xbc\x98\xef\xbc\x91\xef\xbc\x99 555 1234",
		    "unexpected character" },
		{ "819\xe2\x80\x93" "555\xe2\x80\x93" "1234",	/* en dash */
		    "unexpected character" },
	};
	char	out[PHONE_E164_SIZE], err[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(out, 'Z', sizeof out);
		err[0] = '\0';
		if (phone_normalise(bad[i].in, out, sizeof out, err,
		    sizeof err) != -1)
			fail_msg("\"%s\": expected refusal (%s), got %s",
			    bad[i].in, bad[i].reason, out);
		if (strstr(err, bad[i].reason) == NULL)
			fail_msg("\"%s\": expected reason with \"%s\", got "
			    "\"%s\"", bad[i].in, bad[i].reason, err);
		assert_string_equal(out, "");
		/* reasons go to logs: they must not repeat the number */
		if (strstr(err, "1234") != NULL || strstr(err, "555") != NULL)
			fail_msg("\"%s\": reason repeats the number: %s",
			    bad[i].in, err);
	}
}

static void
test_output_size(void **state)
{
	char	out[PHONE_E164_SIZE], small[13], err[128];

	(void)state;
	assert_int_equal(phone_normalise("+491234567890123", out, sizeof out,
	    err, sizeof err), 0);
	assert_int_equal(strlen(out), PHONE_E164_SIZE - 1);
	/* "+18195551234" needs 13 bytes */
	assert_int_equal(phone_normalise("819 555 1234", small,
	    sizeof small - 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "too small"));
	assert_string_equal(small, "");
	assert_int_equal(phone_normalise("819 555 1234", small, sizeof small,
	    err, sizeof err), 0);
	assert_string_equal(small, "+18195551234");
	/* a short err buffer is truncated, not overrun */
	memset(err, 'Z', sizeof err);
	assert_int_equal(phone_normalise("819-555-CALL", out, sizeof out,
	    err, 5), -1);
	assert_string_equal(err, "lett");
	assert_int_equal(err[5], 'Z');
}

/* Numbers as people read them: Québec's way for North American ones. */
static void
test_display(void **state)
{
	static const char *const cases[][2] = {
		{ "+18195550131", "819 555-0131" },
		{ "819-555-0131", "819 555-0131" },
		{ "1 (819) 555.0131", "819 555-0131" },
		{ "+33142685300", "+33142685300" },
		{ "not a number", "not a number" },
		{ "", "" },
	};
	char	out[PHONE_DISPLAY_SIZE];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		phone_display(cases[i][0], out, sizeof out);
		assert_string_equal(out, cases[i][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_output_size),
		cmocka_unit_test(test_display),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
