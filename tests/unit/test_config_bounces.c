/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_bounces: the email providers' webhook secrets and windows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "config.h"
#include "config_fixture.h"

/* A SendGrid verification key (P-256, base64 DER) and a P-384 one. */
#define TEST_SG_KEY \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERKwKatGeBOLg5rEqxpMMxnmUIGxm" \
	"msUf557UnIrHdVCL2mXNVdia0cbJlnqEaIe47GSaEeAuTQerW77vh+MeJA=="
#define TEST_P384_KEY \
	"MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEWCGVdOxuZ4eqek8taNIGZz3AO0GsxBf" \
	"do3+5+ENHuuWVuZTAUTqvP0DFcUh6P4//PzDEFqYrYcZ+KA0mNtAfyY6+2OwVykYnAs" \
	"cCUS4x/qCyGba8oiMGDPQipgYbveqa"

/* bounces: the email providers' webhook secrets, never in the file. */
static void
test_bounces(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE);
	assert_null(cf->bounces.sendgrid_key);
	assert_null(cf->bounces.mailgun_key);
	assert_null(cf->bounces.brevo_token);
	assert_int_equal(cf->bounces.max_age_s, 300);
	assert_int_equal(cf->bounces.replay_days, 30);
	config_free(cf);

	setenv("RELAIS_TEST_A", TEST_SG_KEY, 1);
	setenv("RELAIS_TEST_B", "brevo-token-0123456789", 1);
	test_write(*state, "mailgun.key", "key-0123456789abcdef0123\n");
	cf = test_load_ok(*state, "bounces:\n"
	    "  max_age_s: 120\n"
	    "  replay_days: 7\n"
	    "  sendgrid: { public_key_env: RELAIS_TEST_A }\n"
	    "  mailgun: { signing_key_file: mailgun.key }\n"
	    "  brevo:\n"
	    "    token_env: RELAIS_TEST_B\n" TEST_BASE);
	assert_string_equal(cf->bounces.sendgrid_key, TEST_SG_KEY);
	assert_string_equal(cf->bounces.mailgun_key, "key-0123456789abcdef0123");
	assert_string_equal(cf->bounces.brevo_token, "brevo-token-0123456789");
	assert_int_equal(cf->bounces.max_age_s, 120);
	assert_int_equal(cf->bounces.replay_days, 7);
	config_free(cf);

	test_error(*state, "bounces:\n  colour: red\n" TEST_BASE,
	    "2:3: unknown key \"colour\" in bounces");
	test_error(*state, "bounces:\n  sendgrid: { public_key: x }\n"
	    TEST_BASE, "2:15: unknown key \"public_key\" in bounces.sendgrid");
	test_error(*state, "bounces:\n  sendgrid: {}\n" TEST_BASE,
	    "2:13: bounces.sendgrid needs public_key_env or public_key_file "
	    "(a secret never sits in the file)");
	test_error(*state, "bounces:\n  sendgrid: { public_key_env: "
	    "RELAIS_TEST_A, public_key_file: mailgun.key }\n" TEST_BASE,
	    "2:13: bounces.sendgrid has public_key_env or public_key_file, "
	    "not both");
	test_error(*state, "bounces:\n  mailgun: { signing_key_env: "
	    "RELAIS_TEST_UNSET }\n" TEST_BASE,
	    "2:31: signing_key_env: environment variable RELAIS_TEST_UNSET "
	    "is not set");
	setenv("RELAIS_TEST_A", TEST_P384_KEY, 1);
	test_error(*state, "bounces:\n  sendgrid: { public_key_env: "
	    "RELAIS_TEST_A }\n" TEST_BASE,
	    "2:31: bounces.sendgrid: the SendGrid verification key is not an "
	    "EC P-256 key, as SendGrid's are");
	setenv("RELAIS_TEST_B", "short", 1);
	test_error(*state, "bounces:\n  brevo: { token_env: RELAIS_TEST_B }\n"
	    TEST_BASE, "2:23: bounces.brevo: the Brevo token must be 16 to 512 "
	    "letters, digits or ._~- (it goes in a header or a URL)");
	test_error(*state, "bounces:\n  max_age_s: 5\n" TEST_BASE,
	    "2:14: max_age_s must be between 30 and 86400, not 5");
	test_error(*state, "bounces: [sendgrid]\n" TEST_BASE,
	    "1:10: bounces must be a map, not a sequence");
	test_remove(*state, "mailgun.key");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_bounces, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
