/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The config tests' shared fixture: a throwaway config directory, loads, their messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "config_fixture.h"

/* Unset before and after each test: what tests and config/relais.yaml read. */
static const char *const test_env[] = { "RELAIS_REDIS_URL", "RELAIS_OUTBOX",
    "RELAIS_ADMIN_ADDR", "RELAIS_CONSUMER", "RELAIS_WEBHOOK_URL",
    "RELAIS_EMAIL_GATEWAY", "RELAIS_SMS_GATEWAY", "RELAIS_TEST_A",
    "RELAIS_TEST_B", "RELAIS_TEST_PW", "RELAIS_TEST_UNSET", NULL };

/* Writes text as the file rel of the directory. */
void
test_write(const struct test_dir *t, const char *rel, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot create %s", path);
	fputs(text, f);
	fclose(f);
}

/* Removes the file rel of the directory, which must exist. */
void
test_remove(const struct test_dir *t, const char *rel)
{
	char	path[512];

	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	if (unlink(path) == -1)
		fail_msg("cannot remove %s", path);
}

static int
test_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The directory with its templates and words, as *state. */
int
test_setup(void **state)
{
	static const char *const files[] = {
		"templates/fr/welcome.subject.mustache", "Bienvenue",
		"templates/fr/welcome.txt.mustache", "Bonjour {{first_name}}",
		"templates/fr/welcome.sms.mustache", "SMS",
		"templates/en/welcome.subject.mustache", "Welcome",
		"templates/en/welcome.txt.mustache", "Hello {{first_name}}",
		"templates/en/welcome.sms.mustache", "SMS",
		"templates/fr/words.yaml", "and: \" et \"",
		"templates/en/words.yaml", "and: \" and \"",
		NULL };
	struct test_dir	*t;
	char		 path[512];
	size_t		 i;

	for (i = 0; test_env[i] != NULL; i++)
		unsetenv(test_env[i]);
	t = calloc(1, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/relais-config-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof t->path, "%s/relais.yaml", t->dir);
	snprintf(path, sizeof path, "%s/templates", t->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/templates/fr", t->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/templates/en", t->dir);
	mkdir(path, 0700);
	for (i = 0; files[i] != NULL; i += 2)
		test_write(t, files[i], files[i + 1]);
	*state = t;
	return 0;
}

/* Removes the directory and all the test wrote there. */
int
test_teardown(void **state)
{
	struct test_dir	*t = *state;
	size_t		 i;

	nftw(t->dir, test_rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	for (i = 0; test_env[i] != NULL; i++)
		unsetenv(test_env[i]);
	return 0;
}

/* Prints every message of d (shown when the test fails). */
void
test_print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		print_message("diag %zu: %s\n", i, d->msgs[i]);
}

/* Writes yaml as relais.yaml and loads it; d is initialised here. */
struct config *
test_load(const struct test_dir *t, const char *yaml, struct diag *d)
{
	test_write(t, "relais.yaml", yaml);
	diag_init(d);
	return config_load(t->path, d);
}

/* yaml must load without a message. */
struct config *
test_load_ok(const struct test_dir *t, const char *yaml)
{
	struct config	*cf;
	struct diag	 d;

	cf = test_load(t, yaml, &d);
	test_print_diag(&d);
	if (cf == NULL || d.n != 0)
		fail_msg("expected the configuration to load cleanly:\n%s", yaml);
	diag_free(&d);
	return cf;
}

/*
 * got is want, or want followed by the did-you-mean tail of an unknown name
 * (suggest.h), which the *_suggestions tests check word for word.
 */
void
test_msg_equal(const char *got, const char *want)
{
	size_t	len = strlen(want);

	if (strncmp(got, want, len) == 0 && (got[len] == '\0' ||
	    strncmp(got + len, " (known: ", 9) == 0 ||
	    strncmp(got + len, ": did you mean \"", 16) == 0))
		return;
	assert_string_equal(got, want);
}

/*
 * yaml must fail with exactly the messages in want (NULL-terminated), each
 * written "LINE:COL: message" (or ": message" for a whole-file error) and
 * checked against "PATH:LINE:COL: message".
 */
void
test_errors(const struct test_dir *t, const char *yaml,
    const char *const *want)
{
	struct config	*cf;
	struct diag	 d;
	char		 full[1024];
	size_t		 i, n;

	for (n = 0; want[n] != NULL; n++)
		;
	cf = test_load(t, yaml, &d);
	if (cf != NULL || d.n != n) {
		test_print_diag(&d);
		config_free(cf);
		fail_msg("expected %zu message(s) and no config, got %zu "
		    "message(s) and %s config, for:\n%s", n, d.n,
		    cf != NULL ? "a" : "no", yaml);
	}
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof full, "%s%s%s", t->path,
		    want[i][0] == ':' ? "" : ":", want[i]);
		test_msg_equal(d.msgs[i], full);
	}
	diag_free(&d);
}

/* test_errors with one message. */
void
test_error(const struct test_dir *t, const char *yaml, const char *want)
{
	const char	*v[2] = { want, NULL };

	test_errors(t, yaml, v);
}
