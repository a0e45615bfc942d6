/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for config_territory: names, senders, municipalities, roster. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "territory.h"
#include "config_fixture.h"

/* A territory with a name only: its defaults; municipalities folded. */
static void
test_territory_defaults(void **state)
{
	const struct territory	*t;
	struct config		*cf;

	cf = test_load_ok(*state, TEST_BASE);
	t = territory_find(cf->territories, "t1");
	assert_non_null(t);
	assert_string_equal(t->name_fr, "T1");
	assert_string_equal(t->name_en, "T1");
	assert_string_equal(t->language, "fr");
	assert_null(t->email_from);
	assert_null(t->sms_from);
	assert_ptr_equal(territory_find_municipality(cf->territories,
	    "VAL D OR"), t);
	config_free(cf);
}

/* Every key of a territory given: names, senders, aliases, roster. */
static void
test_territory_values(void **state)
{
	const struct territory	*t;
	struct config		*cf;

	cf = test_load_ok(*state, TEST_GATEWAYS
	    "territories:\n"
	    "  t1:\n"
	    "    name: { fr: Abitibi-Est, en: East Abitibi }\n"
	    "    language: en\n"
	    "    email: { from: t1@example.org, name: Accueil T1, "
	    "reply_to: r@example.org }\n"
	    "    sms: { from: \"+18195550100\" }\n"
	    "    municipalities: [Amos, { name: Rouyn-Noranda, "
	    "aliases: [Noranda] }]\n"
	    "    counsellors:\n"
	    "      - { id: c1, name: C, email: c@example.org, "
	    "phone: \"+18195550101\" }\n"
	    "      - { id: c2, name: D, email: d@example.org, "
	    "languages: [fr, en] }\n"
	    "      - { id: c3, name: E, email: e@example.org, "
	    "languages: fr }\n"
	    TEST_ROUTES);
	t = territory_find(cf->territories, "t1");
	assert_non_null(t);
	assert_string_equal(t->name_fr, "Abitibi-Est");
	assert_string_equal(t->name_en, "East Abitibi");
	assert_string_equal(t->language, "en");
	assert_string_equal(t->timezone, "America/Toronto");
	assert_string_equal(t->email_from, "t1@example.org");
	assert_string_equal(t->email_name, "Accueil T1");
	assert_string_equal(t->reply_to, "r@example.org");
	assert_string_equal(t->sms_from, "+18195550100");
	/* an alias stands for its official name */
	assert_int_equal(t->nmunicipalities, 3);
	assert_ptr_equal(territory_find_municipality(cf->territories,
	    "noranda"), t);
	assert_string_equal(territory_municipality_name(cf->territories,
	    "NORANDA"), "Rouyn-Noranda");
	/* a counsellor who names no language reads the territory's */
	assert_int_equal(t->ncounsellors, 3);
	assert_string_equal(t->counsellors[0].id, "c1");
	assert_string_equal(t->counsellors[0].phone, "+18195550101");
	assert_int_equal(t->counsellors[0].nlanguages, 1);
	assert_string_equal(t->counsellors[0].languages[0], "en");
	assert_null(t->counsellors[1].phone);
	assert_int_equal(t->counsellors[1].nlanguages, 2);
	assert_string_equal(t->counsellors[1].languages[0], "fr");
	assert_string_equal(t->counsellors[1].languages[1], "en");
	assert_int_equal(t->counsellors[2].nlanguages, 1);
	assert_string_equal(t->counsellors[2].languages[0], "fr");
	config_free(cf);
}

/* A territory without a name, a roster or municipality missing a part. */
static void
test_territory_errors(void **state)
{
	test_error(*state, TEST_GATEWAYS TEST_ROUTES,
	    ": no territories defined");
	test_error(*state, "territories:\n  t1:\n    municipalities: [Amos]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "2:3: territory \"t1\" has no name");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    counsellors:\n      - { id: c1, name: C }\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "5:9: a counsellor needs id, name and email");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    counsellors:\n"
	    "      - { id: c1, name: C, email: c@x.example }\n"
	    "      - { id: c1, name: D, email: d@x.example }\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "6:15: counsellor \"c1\" is listed twice");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    municipalities: [{ aliases: [Rouyn] }]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "4:22: municipality: missing name");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    municipalities: [{ name: Amos, alias: [X] }]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "4:36: unknown key \"alias\" in municipality");
}

static void
test_territory_unknown_key(void **state)
{
	test_error(*state,
	    "territories:\n"
	    "  t1:\n"
	    "    name: T1\n"
	    "    muncipalities: [Amos]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "4:5: unknown key \"muncipalities\" in a territory");
	test_error(*state,
	    "territories:\n"
	    "  t1:\n"
	    "    name: T1\n"
	    "    email: { from: a@b.example, sender: x }\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "4:33: unknown key \"sender\" in email");
}

static void
test_territory_wrong_type(void **state)
{
	test_error(*state, "territories: [t1]\n" TEST_GATEWAYS TEST_ROUTES,
	    "1:14: territories must be a map, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    municipalities: { Amos: 1 }\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:21: municipalities must be a sequence, not a map");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    municipalities: [Amos, [Barraute]]\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:28: municipalities: each is a name or {name, aliases}");
}

/*
 * A value of the wrong type in an optional field is an error, and the load
 * fails: it must not silently fall back to a default.
 */
static void
test_territory_wrong_type_optional(void **state)
{
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    language: [fr]\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:15: language must be a scalar, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    branding: nice\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:15: branding must be a map, not a scalar");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    branding: { phone: [1, 2] }\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:24: a branding value must be a string or a map of one string "
	    "per language, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: { fr: [T] }\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "3:17: fr must be a scalar, not a sequence");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    email: { from: { a: b } }\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:20: from must be a scalar, not a map");
	test_error(*state, "territories:\n  t1:\n    name: T1\n"
	    "    sms: [x]\n" TEST_GATEWAYS TEST_ROUTES,
	    "4:10: sms must be a map, not a sequence");
}

static void
test_duplicate_municipality(void **state)
{
	test_error(*state,
	    "territories:\n"
	    "  a:\n"
	    "    name: A\n"
	    "    municipalities: [Amos, Val-d'Or]\n"
	    "  b:\n"
	    "    name: B\n"
	    "    municipalities: [Barraute, \"VAL D\xe2\x80\x99OR\"]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "5:3: territory \"b\": \"VAL D\xe2\x80\x99OR\" is already used by "
	    "another territory");
	test_error(*state,
	    "territories:\n"
	    "  a:\n"
	    "    name: A\n"
	    "    municipalities: [\xc3\x89vain]\n"
	    "  b:\n"
	    "    name: B\n"
	    "    municipalities: [Launay]\n"
	    "  c:\n"
	    "    name: C\n"
	    "    municipalities: [evain]\n"
	    TEST_GATEWAYS TEST_ROUTES,
	    "8:3: territory \"c\": \"evain\" is already used by another "
	    "territory");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_territory_defaults,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_territory_values,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_territory_errors,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_territory_unknown_key,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_territory_wrong_type,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(
		    test_territory_wrong_type_optional, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_municipality,
		    test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
