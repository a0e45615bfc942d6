/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for idkey: known vectors, format, sensitivity to each field, no framing collisions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "idkey.h"

/*
 * Vectors computed outside relais (Python hashlib): the first 16 bytes of
 * SHA-256 over each field as a 4-byte big-endian length then its bytes.
 * A change here changes every delivery key and breaks effectively-once
 * across an upgrade.
 */
static void
test_known_vectors(void **state)
{
	char	key[IDKEY_LEN + 1];

	(void)state;
	idkey_make("demo-0001", "p-1001", "email", "welcome", key);
	assert_string_equal(key, "75b8e20eba5c7712aca9e971a72ad481");
	idkey_make("", "", "", "", key);
	assert_string_equal(key, "374708fff7719dd5979ec875d56cd228");
	idkey_make("\xc3\xa9v\xc3\xa8nement-1", "+18195550123", "sms",
	    "welcome", key);
	assert_string_equal(key, "4f0594f18e1b211e4ef47ad93ec2b83b");
}

static void
test_stable(void **state)
{
	char	a[IDKEY_LEN + 1], b[IDKEY_LEN + 1];
	int	i;

	(void)state;
	idkey_make("evt-42", "p-7", "sms", "welcome", a);
	for (i = 0; i < 100; i++) {
		memset(b, 'Z', sizeof b);
		idkey_make("evt-42", "p-7", "sms", "welcome", b);
		assert_string_equal(a, b);
	}
}

static void
test_format(void **state)
{
	static const char *const ids[] = { "a", "evt-1", "", "x\ny",
	    "0123456789012345678901234567890123456789" };
	char	key[IDKEY_LEN + 2];
	size_t	i, j;

	(void)state;
	assert_int_equal(IDKEY_LEN, 32);
	for (i = 0; i < sizeof ids / sizeof *ids; i++) {
		memset(key, 'Z', sizeof key);
		idkey_make(ids[i], "r", "email", "t", key);
		assert_int_equal(strlen(key), 32);
		assert_int_equal(key[IDKEY_LEN + 1], 'Z');	/* no overrun */
		for (j = 0; j < IDKEY_LEN; j++) {
			if (strchr("0123456789abcdef", key[j]) == NULL)
				fail_msg("key %s: byte %zu is not lower-case hex",
				    key, j);
		}
	}
}

static void
test_each_field(void **state)
{
	char	base[IDKEY_LEN + 1], k[IDKEY_LEN + 1];

	(void)state;
	idkey_make("evt-1", "p-1", "email", "welcome", base);
	idkey_make("evt-2", "p-1", "email", "welcome", k);
	assert_string_not_equal(base, k);
	idkey_make("evt-1", "p-2", "email", "welcome", k);
	assert_string_not_equal(base, k);
	idkey_make("evt-1", "p-1", "sms", "welcome", k);
	assert_string_not_equal(base, k);
	idkey_make("evt-1", "p-1", "email", "reminder", k);
	assert_string_not_equal(base, k);
	/* fields are not interchangeable */
	idkey_make("p-1", "evt-1", "email", "welcome", k);
	assert_string_not_equal(base, k);
}

/* Length prefixes keep field boundaries: no two tuples share an input. */
static void
test_no_framing_collision(void **state)
{
	char	a[IDKEY_LEN + 1], b[IDKEY_LEN + 1];

	(void)state;
	idkey_make("ab", "c", "email", "t", a);
	idkey_make("a", "bc", "email", "t", b);
	assert_string_not_equal(a, b);
	idkey_make("e", "ab", "c", "t", a);
	idkey_make("e", "a", "bc", "t", b);
	assert_string_not_equal(a, b);
	idkey_make("e", "r", "ab", "c", a);
	idkey_make("e", "r", "a", "bc", b);
	assert_string_not_equal(a, b);
	idkey_make("abc", "", "", "", a);
	idkey_make("", "abc", "", "", b);
	assert_string_not_equal(a, b);
	idkey_make("", "", "abc", "", b);
	assert_string_not_equal(a, b);
	idkey_make("", "", "", "abc", b);
	assert_string_not_equal(a, b);
	/* a separator character in a field does not fake a boundary */
	idkey_make("a|b", "c", "d", "e", a);
	idkey_make("a", "b|c", "d", "e", b);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_each_field),
		cmocka_unit_test(test_no_framing_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
