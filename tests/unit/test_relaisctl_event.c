/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for relaisctl emit and outbox (relaisctl_event.c), against a throwaway redis-server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "config.h"
#include "redis_fixture.h"
#include "relaisctl.h"

static const struct ctl_opt emit_opts[] = {
	{ "inbox", 0, 0 },
	{ "raw", 0, 0 },
	{ "backfill", 0, 0 },
	{ NULL, 0, 0 },
};

static const struct ctl_cmd emit_cmd = {
	.name = "emit", .usage = "[--inbox] [--raw] [--backfill] FILE",
	.opts = emit_opts, .minpos = 1, .maxpos = 1,
};
static const struct ctl_cmd outbox_cmd = {
	.name = "outbox", .usage = "FILE", .minpos = 1, .maxpos = 1,
};

struct fx {
	struct test_redis	srv;
	struct config		cf;
	char			url[160];	/* unix://<socket> */
	char			out[4096];	/* what the command printed */
};

static int
setup(void **state)
{
	struct fx	*f;

	assert_non_null(f = calloc(1, sizeof *f));
	test_redis_start(&f->srv, NULL, 0);
	test_redis_conf(&f->srv, &f->cf.redis);
	snprintf(f->url, sizeof f->url, "unix://%s", f->srv.sock);
	f->cf.redis.url = f->url;
	f->cf.retention_days = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	test_redis_stop(&f->srv);
	free(f);
	return 0;
}

/* Writes text to a file of the test's directory; its path in path. */
static void
write_file(struct fx *f, const char *name, const char *text, char *path,
    size_t pathlen)
{
	FILE	*fp;

	snprintf(path, pathlen, "%s/%s", f->srv.dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/*
 * Runs a command on file with the flags given (NULL-terminated), its
 * standard output in f->out; its exit code.
 */
static int
run(struct fx *f, const struct ctl_cmd *cmd, ctl_exec exec, const char *file,
    ...)
{
	struct ctl	 c;
	struct ctl_args	 a;
	const char	*val[8], *flag;
	size_t		 opt[8], i;
	char		*pos[1], cap[256];
	va_list		 ap;
	ssize_t		 n;
	int		 fd, saved, rc;

	memset(&c, 0, sizeof c);
	c.cmd = cmd;
	c.cf = &f->cf;
	memset(&a, 0, sizeof a);
	a.opts = cmd->opts != NULL ? cmd->opts : emit_opts;
	a.val = val;
	a.opt = opt;
	va_start(ap, file);
	while ((flag = va_arg(ap, const char *)) != NULL) {
		for (i = 0; a.opts[i].name != NULL; i++) {
			if (strcmp(a.opts[i].name, flag) == 0)
				break;
		}
		assert_non_null(a.opts[i].name);
		val[a.nocc] = "";
		opt[a.nocc++] = i;
	}
	va_end(ap);
	pos[0] = (char *)(uintptr_t)file;
	a.pos = pos;
	a.npos = 1;

	snprintf(cap, sizeof cap, "%s/stdout", f->srv.dir);
	assert_true((fd = open(cap, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	fflush(stdout);
	assert_true((saved = dup(STDOUT_FILENO)) >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	rc = exec(&c, &a);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	assert_true((n = pread(fd, f->out, sizeof f->out - 1, 0)) >= 0);
	f->out[n] = '\0';
	close(fd);
	if (c.rc != NULL)
		redisFree(c.rc);
	return rc;
}

/* The "event" field of entry i of t:events; the caller frees it. */
static char *
stream_event(struct fx *f, size_t i)
{
	redisReply	*r, *fields;
	char		*s = NULL;
	size_t		 j;

	r = test_redis_cmd(&f->srv, "XRANGE t:events - +");
	assert_true(i < r->elements);
	fields = r->element[i]->element[1];
	assert_int_equal(fields->elements, 2);
	for (j = 0; j + 1 < fields->elements; j += 2) {
		if (strcmp(fields->element[j]->str, "event") == 0)
			s = strdup(fields->element[j + 1]->str);
	}
	freeReplyObject(r);
	assert_non_null(s);
	return s;
}

/* One object: its bytes, as written, in the "event" field of an XADD. */
static void
test_emit_object(void **state)
{
	struct fx	*f = *state;
	const char	*ev = "{ \"id\": \"e1\",  \"type\": \"newcomer.arrived\" }\n";
	char		 path[256], *s;

	write_file(f, "ev.json", ev, path, sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, NULL), 0);
	assert_string_equal(f->out, "1 event pushed to t:events\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 1);
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:inbox"), 0);
	s = stream_event(f, 0);
	assert_string_equal(s, ev);
	free(s);
}

/* An array: one entry per element, compact, in order. */
static void
test_emit_array(void **state)
{
	struct fx	*f = *state;
	char		 path[256], *s;

	write_file(f, "ev.json", "[ {\"id\": \"a\", \"n\": 1},\n"
	    "  {\"id\": \"b\"}, {\"id\": \"c\"} ]", path, sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, NULL), 0);
	assert_string_equal(f->out, "3 events pushed to t:events\n");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 3);
	s = stream_event(f, 0);
	assert_string_equal(s, "{\"id\":\"a\",\"n\":1}");
	free(s);
	s = stream_event(f, 2);
	assert_string_equal(s, "{\"id\":\"c\"}");
	free(s);
}

/* JSON lines: each non-empty line as it is; blank lines skipped. */
static void
test_emit_lines(void **state)
{
	struct fx	*f = *state;
	char		 path[256], *s;

	write_file(f, "ev.jsonl", "{\"id\": \"a\"}\n\n  \t\n{\"id\": \"b\"}\n"
	    "not json\n", path, sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, NULL), 0);
	assert_string_equal(f->out, "3 events pushed to t:events\n");
	s = stream_event(f, 0);
	assert_string_equal(s, "{\"id\": \"a\"}");
	free(s);
	s = stream_event(f, 1);
	assert_string_equal(s, "{\"id\": \"b\"}");
	free(s);
	s = stream_event(f, 2);
	assert_string_equal(s, "not json");
	free(s);
}

/* --inbox: LPUSH to the inbox list, not the stream. */
static void
test_emit_inbox(void **state)
{
	struct fx	*f = *state;
	redisReply	*r;
	char		 path[256];

	write_file(f, "ev.json", "[{\"id\": \"a\"}, {\"id\": \"b\"}]", path,
	    sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, "inbox", NULL), 0);
	assert_string_equal(f->out, "2 events pushed to t:inbox\n");
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:events"), 0);
	r = test_redis_cmd(&f->srv, "LRANGE t:inbox 0 -1");
	assert_int_equal(r->elements, 2);
	/* LPUSH: the last pushed first */
	assert_string_equal(r->element[0]->str, "{\"id\":\"b\"}");
	assert_string_equal(r->element[1]->str, "{\"id\":\"a\"}");
	freeReplyObject(r);
}

/* --backfill marks each object "relaisnotify": "none"; not with --raw. */
static void
test_emit_backfill(void **state)
{
	struct fx	*f = *state;
	json_t		*j;
	char		 path[256], *s;

	write_file(f, "ev.json", "{\"id\": \"a\", \"relaisnotify\": \"all\"}",
	    path, sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, "backfill", NULL),
	    0);
	assert_string_equal(f->out, "1 event pushed to t:events\n");
	s = stream_event(f, 0);
	assert_non_null(j = json_loads(s, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(j, "id")), "a");
	assert_string_equal(json_string_value(json_object_get(j,
	    "relaisnotify")), "none");
	json_decref(j);
	free(s);

	/* JSON lines: a line that is not an object goes as it is */
	write_file(f, "ev.jsonl", "5\n{\"id\": \"b\"}\n", path, sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, "backfill", NULL),
	    0);
	assert_string_equal(f->out, "2 events pushed to t:events\n");
	s = stream_event(f, 1);
	assert_string_equal(s, "5");
	free(s);
	s = stream_event(f, 2);
	assert_string_equal(s, "{\"id\":\"b\",\"relaisnotify\":\"none\"}");
	free(s);

	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, "raw", "backfill",
	    NULL), 2);
	assert_string_equal(f->out, "");
	assert_int_equal(test_redis_int(&f->srv, "XLEN t:events"), 3);
}

/* --raw: the whole file, one entry, even when it is an array. */
static void
test_emit_raw(void **state)
{
	struct fx	*f = *state;
	char		 path[256], *s;

	write_file(f, "ev.json", "[{\"id\": \"a\"},\n{\"id\": \"b\"}]\n", path,
	    sizeof path);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, "raw", NULL), 0);
	assert_string_equal(f->out, "1 event pushed to t:events\n");
	s = stream_event(f, 0);
	assert_string_equal(s, "[{\"id\": \"a\"},\n{\"id\": \"b\"}]\n");
	free(s);
}

/* A file that cannot be read, or a Redis that is gone: 1, nothing pushed. */
static void
test_emit_fails(void **state)
{
	struct fx	*f = *state;
	char		 path[256], missing[256];

	snprintf(missing, sizeof missing, "%s/none.json", f->srv.dir);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, missing, NULL), 1);
	assert_string_equal(f->out, "");
	assert_int_equal(test_redis_int(&f->srv, "EXISTS t:events"), 0);

	write_file(f, "ev.json", "{\"id\": \"a\"}", path, sizeof path);
	test_redis_kill(&f->srv);
	assert_int_equal(run(f, &emit_cmd, ctl_emit, path, NULL), 1);
	assert_string_equal(f->out, "");
}

/* outbox: the sink's file read back, one block per message. */
static void
test_outbox(void **state)
{
	struct fx	*f = *state;
	char		 path[256];

	write_file(f, "outbox.jsonl",
	    "{\"channel\": \"email\", \"to\": \"ana@example.com\", "
	    "\"role\": \"newcomer\", \"territory\": \"abitibi\", "
	    "\"language\": \"fr\", \"gateway\": \"sink\", "
	    "\"from_name\": \"Accueil\", \"from\": \"<accueil@example.org>\", "
	    "\"subject\": \"Bienvenue\", \"text\": \"Bonjour Ana\"}\n"
	    "garbage\n"
	    "{\"channel\": \"sms\", \"to\": \"+18195550123\", \"text\": \"Salut\", "
	    "\"from\": 7}\n", path, sizeof path);
	assert_int_equal(run(f, &outbox_cmd, ctl_outbox, path, NULL), 0);
	assert_string_equal(f->out,
	    "──── email to ana@example.com (newcomer, abitibi, fr) via sink\n"
	    "From: Accueil <accueil@example.org>\n"
	    "Subject: Bienvenue\n"
	    "\nBonjour Ana\n"
	    "──── sms to +18195550123 (, , ) via \n"
	    "From: \n"
	    "\nSalut\n"
	    "(2 messages)\n");

	write_file(f, "empty.jsonl", "", path, sizeof path);
	assert_int_equal(run(f, &outbox_cmd, ctl_outbox, path, NULL), 0);
	assert_string_equal(f->out, "(0 messages)\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emit_object, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_emit_array, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_emit_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_emit_inbox, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_emit_backfill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_emit_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emit_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
