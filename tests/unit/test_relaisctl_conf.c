/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for what a relaisctl command needs before it runs
 * (relaisctl_conf.c): relaisd's environment file, the configuration's
 * redis section alone (a ${VAR} unset elsewhere passed over), and the
 * connection, whose messages never show the password, against a
 * throwaway redis-server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"

static const struct ctl_cmd status_cmd = {
	.name = "status", .usage = "", .conf = CTL_CONF_REDIS,
};

struct fx {
	char	dir[64];
	char	path[128];	/* a file in dir */
	char	err[8192];
	FILE	*errf;
	int	 se;
};

static int
setup(void **state)
{
	struct fx	*f;

	assert_non_null(f = calloc(1, sizeof *f));
	snprintf(f->dir, sizeof f->dir, "/tmp/relais-ctlconf.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/file", f->dir);
	unsetenv("RELAIS_T_A");
	unsetenv("RELAIS_T_B");
	unsetenv("RELAIS_T_LISTEN");
	unsetenv("RELAIS_T_PREFIX");
	unsetenv("RELAIS_ENV_FILE");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
put(struct fx *f, const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(f->path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Standard error into f->err from here to the next err_end. */
static void
err_begin(struct fx *f)
{
	fflush(stderr);
	assert_non_null(f->errf = tmpfile());
	f->se = dup(2);
	dup2(fileno(f->errf), 2);
}

static void
err_end(struct fx *f)
{
	size_t	len;

	fflush(stderr);
	dup2(f->se, 2);
	close(f->se);
	rewind(f->errf);
	len = fread(f->err, 1, sizeof f->err - 1, f->errf);
	f->err[len] = '\0';
	fclose(f->errf);
}

/* The environment's value of name is want. */
static void
env_is(const char *name, const char *want)
{
	const char	*v = getenv(name);

	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: expected \"%s\", got %s%s%s", name, want,
		    v != NULL ? "\"" : "", v != NULL ? v : "none",
		    v != NULL ? "\"" : "");
}

static void
test_env_load(void **state)
{
	struct fx	*f = *state;
	int		 rv;
	char		 want[512];

	put(f, "# relaisd's environment\nRELAIS_T_A=one\n"
	    "RELAIS_T_B=\"two words\"\n1BAD=x\n");
	setenv("RELAIS_T_A", "shell", 1);
	err_begin(f);
	rv = ctl_env_load(f->path);
	err_end(f);
	assert_int_equal(rv, 0);
	env_is("RELAIS_T_A", "one");
	env_is("RELAIS_T_B", "two words");
	assert_null(getenv("1BAD"));
	snprintf(want, sizeof want,
	    "relaisctl: RELAIS_T_A from %s, as relaisd sees it, not the "
	    "environment's\n"
	    "relaisctl: %s:4: \"1BAD\" is not a variable name: ignored, as "
	    "systemd does\n", f->path, f->path);
	assert_string_equal(f->err, want);
	/* the same value again: nothing said */
	err_begin(f);
	unsetenv("RELAIS_T_B");
	setenv("RELAIS_ENV_FILE", f->path, 1);
	rv = ctl_env_load(NULL);
	err_end(f);
	assert_int_equal(rv, 0);
	env_is("RELAIS_T_B", "two words");
	assert_null(strstr(f->err, "RELAIS_T_A"));
	/* "": none */
	unsetenv("RELAIS_T_B");
	assert_int_equal(ctl_env_load(""), 0);
	assert_null(getenv("RELAIS_T_B"));
}

static void
test_env_load_fails(void **state)
{
	struct fx	*f = *state;
	int		 rv;

	err_begin(f);
	rv = ctl_env_load("/nonexistent/relaisd.env");
	err_end(f);
	assert_int_equal(rv, -1);
	assert_non_null(strstr(f->err, "relaisctl: /nonexistent/relaisd.env "
	    "is the environment relaisd runs with; --env-file names another "
	    "(\"\": none)\n"));
	/* systemd refuses the whole file */
	put(f, "RELAIS_T_A=ok\nRELAIS_T_B=\xff\n");
	err_begin(f);
	rv = ctl_env_load(f->path);
	err_end(f);
	assert_int_equal(rv, -1);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "line 2: invalid UTF-8"));
	assert_null(getenv("RELAIS_T_A"));
}

/* The redis section only: a ${VAR} unset elsewhere is told and passed over. */
static void
test_config_redis_only(void **state)
{
	struct fx	*f = *state;
	int		 rv;
	struct ctl	 c;

	put(f, "redis:\n  url: unix:///run/redis.sock?db=2\n"
	    "  prefix: \"p:\"\n  group: grp\n"
	    "admin:\n  listen: \"${RELAIS_T_LISTEN}\"\n"
	    "gateways:\n  mail:\n    kind: sendgrid\n"
	    "    api_key: \"${RELAIS_T_A}\"\n");
	memset(&c, 0, sizeof c);
	c.cmd = &status_cmd;
	err_begin(f);
	rv = ctl_config(&c, f->path);
	err_end(f);
	assert_int_equal(rv, 0);
	assert_string_equal(f->err, "relaisctl: ${RELAIS_T_LISTEN}, "
	    "${RELAIS_T_A} not set: used outside the redis section, which is "
	    "all \"status\" reads\n");
	assert_non_null(c.cf);
	assert_string_equal(c.cf->redis.path, "/run/redis.sock");
	assert_int_equal(c.cf->redis.db, 2);
	assert_string_equal(c.cf->redis.prefix, "p:");
	assert_string_equal(c.cf->redis.group, "grp");
	/* the status command then does not ask the admin port */
	assert_string_equal(c.cf->admin_listen, "");
	config_free(c.cf);
	unsetenv("RELAIS_T_LISTEN");
	unsetenv("RELAIS_T_A");
	/* all set: nothing said, the value kept */
	setenv("RELAIS_T_LISTEN", "127.0.0.1:9999", 1);
	setenv("RELAIS_T_A", "k", 1);
	memset(&c, 0, sizeof c);
	c.cmd = &status_cmd;
	err_begin(f);
	rv = ctl_config(&c, f->path);
	err_end(f);
	assert_int_equal(rv, 0);
	assert_string_equal(f->err, "");
	assert_string_equal(c.cf->admin_listen, "127.0.0.1:9999");
	config_free(c.cf);
}

/* A ${VAR} the redis section needs is not passed over. */
static void
test_config_redis_needs_var(void **state)
{
	struct fx	*f = *state;
	int		 rv;
	struct ctl	 c;

	put(f, "redis:\n  url: unix:///run/redis.sock\n"
	    "  prefix: \"${RELAIS_T_PREFIX}\"\n");
	memset(&c, 0, sizeof c);
	c.cmd = &status_cmd;
	err_begin(f);
	rv = ctl_config(&c, f->path);
	err_end(f);
	assert_int_equal(rv, -1);
	assert_null(c.cf);
	assert_non_null(strstr(f->err, "RELAIS_T_PREFIX"));
	assert_null(strstr(f->err, "not set: used outside"));
	unsetenv("RELAIS_T_PREFIX");
	/* a bad redis section is refused with its messages */
	put(f, "redis:\n  url: unix:///run/redis.sock\n  bogus: 1\n");
	err_begin(f);
	rv = ctl_config(&c, f->path);
	err_end(f);
	assert_int_equal(rv, -1);
	assert_non_null(strstr(f->err, "bogus"));
}

/* Connects to a fixture with requirepass over TCP; password masked in what it says. */
static void
test_connect_masks_password(void **state)
{
	struct fx		*f = *state;
	struct test_redis	 srv;
	struct config		 cf;
	struct ctl		 c;
	char			 url[200], want[400];
	int			 rv;

	(void)f;
	memset(&srv, 0, sizeof srv);
	memset(&cf, 0, sizeof cf);
	test_redis_start(&srv, "right-pw", 1);
	test_redis_conf(&srv, &cf.redis);
	cf.redis.path = NULL;
	cf.redis.host = (char *)"127.0.0.1";
	cf.redis.port = srv.port;
	memset(&c, 0, sizeof c);
	c.cf = &cf;
	c.cmd = &status_cmd;

	/* the right one: connected, nothing said */
	snprintf(url, sizeof url, "redis://right-pw@127.0.0.1:%d/0", srv.port);
	cf.redis.url = url;
	err_begin(f);
	rv = ctl_connect(&c);
	err_end(f);
	assert_int_equal(rv, 0);
	assert_string_equal(f->err, "");
	redisFree(c.rc);

	/* a wrong one, with a user name */
	snprintf(url, sizeof url, "redis://app:wrong-pw@127.0.0.1:%d/0",
	    srv.port);
	cf.redis.password = (char *)"wrong-pw";
	cf.redis.username = (char *)"app";
	err_begin(f);
	rv = ctl_connect(&c);
	err_end(f);
	assert_int_equal(rv, -1);
	redisFree(c.rc);
	snprintf(want, sizeof want, "relaisctl: Redis at "
	    "redis://app:***@127.0.0.1:%d/0 refused AUTH: ", srv.port);
	if (strncmp(f->err, want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, f->err);
	assert_null(strstr(f->err, "wrong-pw"));

	/* the right one, and a database Redis does not have */
	snprintf(url, sizeof url, "redis://right-pw@127.0.0.1:%d/99", srv.port);
	cf.redis.password = (char *)"right-pw";
	cf.redis.username = NULL;
	cf.redis.db = 99;
	err_begin(f);
	rv = ctl_connect(&c);
	err_end(f);
	assert_int_equal(rv, -1);
	redisFree(c.rc);
	snprintf(want, sizeof want, "relaisctl: Redis at "
	    "redis://***@127.0.0.1:%d/99 refused SELECT 99: ", srv.port);
	if (strncmp(f->err, want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, f->err);
	assert_null(strstr(f->err, "right-pw"));

	/* nobody there */
	test_redis_kill(&srv);
	cf.redis.db = 0;
	snprintf(url, sizeof url, "redis://:right-pw@127.0.0.1:%d", srv.port);
	err_begin(f);
	rv = ctl_connect(&c);
	err_end(f);
	assert_int_equal(rv, -1);
	redisFree(c.rc);
	snprintf(want, sizeof want, "relaisctl: cannot connect to Redis at "
	    "redis://:***@127.0.0.1:%d: ", srv.port);
	if (strncmp(f->err, want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, f->err);
	assert_null(strstr(f->err, "right-pw"));
	test_redis_stop(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_env_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_load_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_config_redis_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_config_redis_needs_var,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_masks_password,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
