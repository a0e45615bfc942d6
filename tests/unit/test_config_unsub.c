/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_unsub: the unsubscribe links' keys and how long they work. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "unsub.h"
#include "config_fixture.h"

#define TEST_SECRET_A	"0123456789abcdef0123456789abcdef"
#define TEST_SECRET_B	"fedcba9876543210fedcba9876543210"

/* No unsubscribe section, no admin secret: no links, and 90 days. */
static void
test_unsub_defaults(void **state)
{
	struct config	*cf;

	cf = test_load_ok(*state, TEST_BASE);
	assert_null(cf->unsub_keys);
	assert_int_equal(cf->unsub_valid_days, 90);
	config_free(cf);
}

/*
 * The keys in file order, the first signing; admin's single secret joins
 * the ring last, as "default", and alone it is the whole ring.
 */
static void
test_unsub_keys(void **state)
{
	struct config	*cf;

	setenv("RELAIS_TEST_A", TEST_SECRET_A, 1);
	setenv("RELAIS_TEST_B", TEST_SECRET_B, 1);
	test_write(*state, "k1.secret", TEST_SECRET_B "\n");
	cf = test_load_ok(*state, TEST_BASE
	    "unsubscribe:\n"
	    "  valid_days: 60\n"
	    "  keys:\n"
	    "    - { id: k2, secret_env: RELAIS_TEST_A }\n"
	    "    - { id: k1, secret_file: k1.secret }\n");
	assert_int_equal(cf->unsub_valid_days, 60);
	assert_non_null(cf->unsub_keys);
	assert_int_equal(unsub_keys_count(cf->unsub_keys), 2);
	assert_string_equal(unsub_keys_signer(cf->unsub_keys), "k2");
	config_free(cf);

	cf = test_load_ok(*state, TEST_BASE
	    "admin: { unsubscribe_secret_env: RELAIS_TEST_B }\n"
	    "unsubscribe:\n"
	    "  valid_days: 3650\n"
	    "  keys: [{ id: k2, secret_env: RELAIS_TEST_A }]\n");
	assert_int_equal(cf->unsub_valid_days, 3650);
	assert_int_equal(unsub_keys_count(cf->unsub_keys), 2);
	assert_string_equal(unsub_keys_signer(cf->unsub_keys), "k2");
	config_free(cf);

	cf = test_load_ok(*state, TEST_BASE
	    "admin: { unsubscribe_secret_env: RELAIS_TEST_B }\n");
	assert_int_equal(cf->unsub_valid_days, 90);
	assert_int_equal(unsub_keys_count(cf->unsub_keys), 1);
	assert_string_equal(unsub_keys_signer(cf->unsub_keys),
	    UNSUB_DEFAULT_KID);
	config_free(cf);
}

/* valid_days: CASL's 60 days at least, ten years at most. */
static void
test_unsub_valid_days(void **state)
{
	static const char *const bad[] = { "59", "3651", "0", "sixty", "''",
	    "60d" };
	char	yaml[1024], want[512];
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(yaml, sizeof yaml, "%sunsubscribe:\n"
		    "  valid_days: %s\n", TEST_BASE, bad[i]);
		snprintf(want, sizeof want, "14:15: valid_days must be an "
		    "integer between 60 and 3650 (an unsubscribe link must "
		    "work 60 days at least), not \"%s\"",
		    bad[i][0] == '\'' ? "" : bad[i]);
		test_error(*state, yaml, want);
	}
	test_error(*state, TEST_BASE "unsubscribe:\n  valid_days: [90]\n",
	    "14:15: valid_days must be a scalar, not a sequence");
}

/* The section's shape, and each key's: an id and one secret. */
static void
test_unsub_errors(void **state)
{
	setenv("RELAIS_TEST_A", TEST_SECRET_A, 1);
	test_write(*state, "k1.secret", TEST_SECRET_B);
	test_error(*state, TEST_BASE "unsubscribe: [k1]\n",
	    "13:14: unsubscribe must be a map, not a sequence");
	test_error(*state, TEST_BASE "unsubscribe:\n  key: []\n",
	    "14:3: unknown key \"key\" in unsubscribe");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys: k1\n",
	    "14:9: unsubscribe.keys must be a sequence, not a scalar");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys: []\n",
	    "14:9: unsubscribe.keys is empty");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys: [k1]\n",
	    "14:10: a key of unsubscribe.keys must be a map, not a scalar");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: k1 }\n",
	    "15:7: a key of unsubscribe.keys needs an id and secret_env or "
	    "secret_file");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { secret_env: RELAIS_TEST_A }\n",
	    "15:7: a key of unsubscribe.keys needs an id and secret_env or "
	    "secret_file");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: k1, secret_env: RELAIS_TEST_A, "
	    "secret_file: k1.secret }\n",
	    "15:7: a key has secret_env or secret_file, not both");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: k1, secret: x }\n",
	    "15:17: unknown key \"secret\" in a key of unsubscribe.keys");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: k1, secret_env: RELAIS_TEST_UNSET }\n",
	    "15:29: secret_env: environment variable RELAIS_TEST_UNSET is not "
	    "set");
}

/* What the ring refuses, at the key: short secrets, bad or repeated ids. */
static void
test_unsub_ring_errors(void **state)
{
	setenv("RELAIS_TEST_A", TEST_SECRET_A, 1);
	setenv("RELAIS_TEST_B", "fifteen bytes..", 1);
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: k1, secret_env: RELAIS_TEST_B }\n",
	    "15:7: unsubscribe.keys: the secret of key \"k1\" must be at least "
	    "16 bytes");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: \"k 1\", secret_env: RELAIS_TEST_A }\n",
	    "15:7: unsubscribe.keys: a key id is 1 to 16 characters of A-Z, "
	    "a-z, 0-9, \"-\" and \"_\"");
	test_error(*state, TEST_BASE "unsubscribe:\n  keys:\n"
	    "    - { id: k1, secret_env: RELAIS_TEST_A }\n"
	    "    - { id: k1, secret_env: RELAIS_TEST_A }\n",
	    "16:7: unsubscribe.keys: key id \"k1\" is given twice");
	/* admin's secret is the key "default": no other may take the name */
	setenv("RELAIS_TEST_B", TEST_SECRET_B, 1);
	test_error(*state, "admin:\n  unsubscribe_secret_env: RELAIS_TEST_B\n"
	    "unsubscribe:\n  keys:\n"
	    "    - { id: default, secret_env: RELAIS_TEST_A }\n" TEST_BASE,
	    "4:3: key id \"default\" is given twice (admin's "
	    "unsubscribe_secret is the key \"default\")");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_unsub_defaults,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_keys, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_valid_days,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_ring_errors,
		    test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
