/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The config tests' shared fixture: a throwaway directory holding templates
 * {fr,en}/welcome.* and words.yaml (made by test_setup, removed with what the
 * test wrote by test_teardown), a relais.yaml written there and loaded, and
 * checks of the messages that come out, each "PATH:LINE:COL: message".
 * Linked into every tests/unit/test_config*.c binary (see the Makefile).
 * Each helper fails the test, saying what was expected and what came,
 * rather than return an error.
 */
#ifndef RELAIS_CONFIG_FIXTURE_H
#define RELAIS_CONFIG_FIXTURE_H

struct config;
struct diag;

/* A throwaway config directory: relais.yaml and templates/{fr,en}/welcome.*. */
struct test_dir {
	char	dir[64];
	char	path[128];	/* dir/relais.yaml */
};

/* The valid rest of a configuration, appended after a test's own lines. */
#define TEST_GATEWAYS \
	"gateways:\n" \
	"  out:\n" \
	"    kind: outbox\n" \
	"    path: out.jsonl\n"
#define TEST_TERRITORIES \
	"territories:\n" \
	"  t1:\n" \
	"    name: T1\n" \
	"    municipalities: [Amos, Val-d'Or]\n"
#define TEST_ROUTES \
	"routes:\n" \
	"  - match: { type: newcomer.arrived, channel: email }\n" \
	"    gateways: [out]\n" \
	"    template: welcome\n"
#define TEST_BASE	TEST_GATEWAYS TEST_TERRITORIES TEST_ROUTES

/*
 * cmocka setup and teardown of each test: the directory as *state (a
 * struct test_dir), the RELAIS_* variables the tests set unset before and
 * after.
 */
int	test_setup(void **);
int	test_teardown(void **);

/* Writes text as the file rel of the directory. */
void	test_write(const struct test_dir *, const char *, const char *);
/* Removes the file rel of the directory, which must exist. */
void	test_remove(const struct test_dir *, const char *);

/* Prints every message of d (shown when the test fails). */
void	test_print_diag(const struct diag *);

/* Writes yaml as relais.yaml and loads it; d is initialised here. */
struct config	*test_load(const struct test_dir *, const char *,
		    struct diag *);
/* yaml must load without a message. */
struct config	*test_load_ok(const struct test_dir *, const char *);

/*
 * got is want, or want followed by the did-you-mean tail of an unknown name
 * (suggest.h), which the *_suggestions tests check word for word.
 */
void	test_msg_equal(const char *, const char *);
/*
 * yaml must fail with exactly the messages in want (NULL-terminated), each
 * written "LINE:COL: message" (or ": message" for a whole-file error) and
 * checked against "PATH:LINE:COL: message".
 */
void	test_errors(const struct test_dir *, const char *,
	    const char *const *);
/* test_errors with one message. */
void	test_error(const struct test_dir *, const char *, const char *);

#endif
