/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for log: masks of addresses and of free text, quoted values;
 * the text, JSON and journald forms of a line read back from a file and
 * from a datagram socket the test binds, and levels that cost nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

static void
test_mask_text_one(const char *in, const char *want)
{
	char	s[256];

	snprintf(s, sizeof s, "%s", in);
	log_mask_text(s);
	if (strcmp(s, want) != 0)
		fail_msg("log_mask_text(\"%s\"): expected \"%s\", got \"%s\"",
		    in, want, s);
}

static void
test_mask_text(void **state)
{
	(void)state;
	/* phone numbers as providers quote them: the last 4 digits */
	test_mask_text_one("Invalid recipient 18195550123. ",
	    "Invalid recipient ***0123. ");
	test_mask_text_one("The 'To' number +1 (819) 555-0123 is not valid",
	    "The 'To' number ***0123 is not valid");
	test_mask_text_one("+33 6 12 34 56 78", "***5678");
	/* addresses: the first character and the domain */
	test_mask_text_one("to: ana.b@example.org rejected",
	    "to: a***@example.org rejected");
	test_mask_text_one("<jo@example.org>", "<j*@example.org>");
	test_mask_text_one("a@y.org", "a@y.org");
	/* what is not a number of 7 digits stays */
	test_mask_text_one("HTTP 503: 429 Too Many, retry in 2000 ms",
	    "HTTP 503: 429 Too Many, retry in 2000 ms");
	test_mask_text_one("id SM123456789abc", "id SM123456789abc");
	test_mask_text_one("x@", "x@");
	test_mask_text_one("", "");
}

static void
test_mask(void **state)
{
	char	out[128];

	(void)state;
	/* at most the last 4 digits of a number (Law 25) */
	assert_string_equal(log_mask("+18195550123", out, sizeof out),
	    "+***0123");
	assert_string_equal(log_mask("8195550123", out, sizeof out), "***0123");
	assert_string_equal(log_mask("12345", out, sizeof out), "***");
	assert_string_equal(log_mask("ana@example.org", out, sizeof out),
	    "a***@example.org");
	assert_string_equal(log_mask("", out, sizeof out), "-");
	assert_string_equal(log_mask(NULL, out, sizeof out), "-");
	/* cut to the room given, always terminated */
	assert_string_equal(log_mask("ana@example.org", out, 8), "a***@ex");
	assert_string_equal(log_mask("+18195550123", out, 3), "+*");
	assert_string_equal(log_mask("+18195550123", out, 1), "");
}

static void
test_value(void **state)
{
	char	out[128];

	(void)state;
	assert_string_equal(log_value("evt-1:a/b@c+d.e", out, sizeof out),
	    "evt-1:a/b@c+d.e");
	assert_string_equal(log_value("a b", out, sizeof out), "\"a b\"");
	assert_string_equal(log_value("x\r\nouch=1", out, sizeof out),
	    "\"x\\x0d\\x0aouch=1\"");
	assert_string_equal(log_value("q\"", out, sizeof out), "\"q\\\"\"");
	assert_string_equal(log_value("", out, sizeof out), "\"\"");
	/* never past out */
	assert_true(strlen(log_value("a b c d e f g", out, 6)) < 6);
	/* a plain value is cut to fit, as snprintf "%s" cuts it */
	assert_string_equal(log_value("abcdefgh", out, 6), "abcde");
	assert_string_equal(log_value("abcdef", out, 6), "abcde");
	assert_string_equal(log_value("abcdef", out, 1), "");
}

/* stderr goes to a file of the test's for the lines logged meanwhile. */
struct capture {
	char	path[64];
	int	saved;		/* the real stderr */
};

static void
capture_start(struct capture *c)
{
	int	fd;

	snprintf(c->path, sizeof c->path, "/tmp/relais-test-log.XXXXXX");
	assert_true((fd = mkstemp(c->path)) != -1);
	fflush(stderr);
	assert_true((c->saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fd, STDERR_FILENO) != -1);
	close(fd);
}

/* The lines logged since capture_start(), malloc'ed; stderr restored. */
static char *
capture_end(struct capture *c)
{
	FILE	*f;
	char	*s;
	long	 n;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) != -1);
	close(c->saved);
	assert_non_null(f = fopen(c->path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(c->path);
	return s;
}

/* What the captured stderr holds so far, without ending the capture. */
static long
capture_size(const struct capture *c)
{
	struct stat	st;

	assert_int_equal(stat(c->path, &st), 0);
	return (long)st.st_size;
}

/*
 * Held lines go out together at the outermost release, in order; a line
 * at LOG_ERR writes them first; a batch past the room is written as it
 * fills, nothing lost.
 */
static void
test_hold(void **state)
{
	struct capture	 c;
	char		*out, *p;
	int		 i, n;

	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init("relaisd", 0);
	log_set_json(0);
	capture_start(&c);
	log_hold();
	log_info("one");
	log_hold();
	log_warnx("two");
	log_release();
	assert_int_equal(capture_size(&c), 0);
	log_release();
	assert_int_equal(capture_size(&c),
	    (long)strlen("relaisd: one\nrelaisd: two\n"));
	log_hold();
	log_info("three");
	log_errx("four");
	assert_int_equal(capture_size(&c),
	    (long)strlen("relaisd: one\nrelaisd: two\nrelaisd: three\n"
	    "relaisd: four\n"));
	log_info("five");
	log_release();
	log_release();		/* unbalanced: nothing happens */
	out = capture_end(&c);
	assert_string_equal(out, "relaisd: one\nrelaisd: two\n"
	    "relaisd: three\nrelaisd: four\nrelaisd: five\n");
	free(out);

	/* far more than the room: every line, in order */
	capture_start(&c);
	log_hold();
	for (i = 0; i < 5000; i++)
		log_info("line %d of a long batch", i);
	assert_true(capture_size(&c) > 0);
	log_release();
	out = capture_end(&c);
	for (i = 0, p = out; i < 5000; i++) {
		assert_int_equal(sscanf(p, "relaisd: line %d of a long batch\n",
		    &n), 1);
		assert_int_equal(n, i);
		assert_non_null(p = strchr(p, '\n'));
		p++;
	}
	assert_string_equal(p, "");
	free(out);
}

static int	evaluated;

static const char *
test_expensive(void)
{
	evaluated++;
	return "x";
}

static void
test_text(void **state)
{
	struct capture	 c;
	char		*out;

	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init("relaisd", 0);
	log_set_json(0);
	capture_start(&c);
	log_kv(LOG_WARNING, NULL, LOG_STR("event", "e 1"),
	    LOG_STR("type", "newcomer.arrived"), LOG_STR("outcome", "dead"),
	    LOG_INT("attempt", 3), LOG_INT("ms", -2),
	    LOG_TEXT("reason", "HTTP 400: \"bad\""), LOG_TEXT("note", NULL),
	    LOG_VAL("to", "\"a b\""));
	log_kv(LOG_INFO, "admin listening", LOG_STR("port", ""));
	/* filtered out: the arguments are not even evaluated */
	evaluated = 0;
	log_kv(LOG_DEBUG, NULL, LOG_STR("x", test_expensive()));
	log_debug("%s", "not written");
	log_info("queue: took over %d pending entries", 2);
	out = capture_end(&c);
	assert_int_equal(evaluated, 0);
	assert_string_equal(out,
	    "relaisd: event=\"e 1\" type=newcomer.arrived outcome=dead "
	    "attempt=3 ms=-2 reason=\"HTTP 400: \\\"bad\\\"\" to=\"a b\"\n"
	    "relaisd: admin listening port=\"\"\n"
	    "relaisd: queue: took over 2 pending entries\n");
	free(out);

	log_init("relaisd", 1);
	capture_start(&c);
	log_kv(LOG_DEBUG, NULL, LOG_STR("x", test_expensive()));
	out = capture_end(&c);
	assert_int_equal(evaluated, 1);
	assert_string_equal(out, "relaisd: x=x\n");
	free(out);
}

/* The nth line of s as a JSON object, which must hold the fields asked. */
static json_t *
test_json_line(const char *s, int nth)
{
	json_error_t	 e;
	const char	*p = s, *nl;
	json_t		*o;

	while (nth-- > 0) {
		assert_non_null(p = strchr(p, '\n'));
		p++;
	}
	assert_non_null(nl = strchr(p, '\n'));
	if ((o = json_loadb(p, (size_t)(nl - p), 0, &e)) == NULL)
		fail_msg("not JSON (%s): %.*s", e.text, (int)(nl - p), p);
	return o;
}

static void
test_json(void **state)
{
	struct capture	 c;
	char		*out;
	json_t		*o;
	const char	*t;

	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init("relaisd", 0);
	log_set_json(1);
	capture_start(&c);
	log_kv(LOG_WARNING, NULL, LOG_STR("event", "j-3\r\nforged=1"),
	    LOG_STR("outcome", "dead"), LOG_INT("attempt", 3),
	    LOG_TEXT("reason", "bad \xff byte"), LOG_VAL("to", "\"x\\x0ay\""),
	    LOG_STR("msg", "a reserved key is left out"));
	/* printf-style: the trailing pairs are fields, the rest is msg */
	log_errx("consent: %s outcome=failed reason=\"%s\"", "opt-out",
	    "no \\\"reply\\\"");
	log_info("redis=%s at=%s event=connected", "reader", "unix:/r.sock");
	log_info("drained: nothing in flight, exiting");
	out = capture_end(&c);
	log_set_json(0);

	o = test_json_line(out, 0);
	t = json_string_value(json_object_get(o, "time"));
	assert_non_null(t);
	/* RFC 3339, UTC, milliseconds: 2026-12-03T09:25:33.522Z */
	assert_int_equal(strlen(t), 24);
	assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.' &&
	    t[23] == 'Z');
	assert_string_equal(json_string_value(json_object_get(o, "level")),
	    "warning");
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	    "j-3\r\nforged=1");
	assert_null(json_object_get(o, "forged"));
	assert_true(json_is_integer(json_object_get(o, "attempt")));
	assert_int_equal(json_integer_value(json_object_get(o, "attempt")), 3);
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    "bad \xef\xbf\xbd byte");
	assert_string_equal(json_string_value(json_object_get(o, "to")),
	    "x\ny");
	assert_null(json_object_get(o, "msg"));
	json_decref(o);

	o = test_json_line(out, 1);
	assert_string_equal(json_string_value(json_object_get(o, "level")),
	    "err");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "consent: opt-out");
	assert_string_equal(json_string_value(json_object_get(o, "outcome")),
	    "failed");
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    "no \"reply\"");
	json_decref(o);

	o = test_json_line(out, 2);
	assert_null(json_object_get(o, "msg"));
	assert_string_equal(json_string_value(json_object_get(o, "redis")),
	    "reader");
	assert_string_equal(json_string_value(json_object_get(o, "at")),
	    "unix:/r.sock");
	json_decref(o);

	o = test_json_line(out, 3);
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "drained: nothing in flight, exiting");
	json_decref(o);
	free(out);
}

/*
 * Lines longer than a line's room stay JSON: the strings are cut on a
 * character's boundary, never inside an escape, and the object is closed;
 * the fields that no longer fit are left out whole.
 */
static void
test_json_long(void **state)
{
	struct capture	 c;
	char		 quotes[3001], accents[2 * 1500 + 1], *out;
	json_t		*o;
	const char	*r;
	int		 i;

	(void)state;
	memset(quotes, '"', sizeof quotes - 1);
	quotes[sizeof quotes - 1] = '\0';
	for (i = 0; i < 1500; i++)
		memcpy(accents + 2 * i, "\xc3\xa9", 2);
	accents[sizeof accents - 1] = '\0';
	unsetenv("JOURNAL_STREAM");
	log_init("relaisd", 0);
	log_set_json(1);
	capture_start(&c);
	log_warnx("%s", quotes);
	log_kv(LOG_WARNING, NULL, LOG_STR("event", "e-1"),
	    LOG_TEXT("reason", quotes), LOG_STR("outcome", "dead"));
	log_kv(LOG_WARNING, NULL, LOG_TEXT("a", accents),
	    LOG_TEXT("b", accents), LOG_INT("attempt", 3));
	out = capture_end(&c);
	log_set_json(0);

	for (i = 0; i < 3; i++) {
		o = test_json_line(out, i);
		assert_string_equal(json_string_value(json_object_get(o,
		    "level")), "warning");
		if (i == 1) {
			assert_string_equal(json_string_value(
			    json_object_get(o, "event")), "e-1");
			r = json_string_value(json_object_get(o, "reason"));
			assert_non_null(r);
			assert_true(strlen(r) > 1000);
			assert_true(strspn(r, "\"") == strlen(r));
		}
		if (i == 2) {
			r = json_string_value(json_object_get(o, "b"));
			/* whole characters only */
			assert_non_null(r);
			assert_int_equal(strlen(r) % 2, 0);
		}
		json_decref(o);
	}
	free(out);
}

/*
 * A printf-style line's trailing pairs are found in one pass: 40 pairs are
 * more than a line is split into, so the line stays whole as its message
 * (none is dropped); pairs followed by a word are message too.
 */
static void
test_json_pairs(void **state)
{
	struct capture	 c;
	char		 line[400], *out;
	json_t		*o;
	size_t		 len = 0;
	int		 i;

	(void)state;
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "%sk%d=%d",
		    i > 0 ? " " : "", i, i);
	unsetenv("JOURNAL_STREAM");
	log_init("relaisd", 0);
	log_set_json(1);
	capture_start(&c);
	log_warnx("%s", line);
	log_warnx("%s", "a=1 b=\"x y\" tail");
	log_warnx("%s", "text a=1 b=\"x y\"");
	out = capture_end(&c);
	log_set_json(0);

	o = test_json_line(out, 0);
	assert_string_equal(json_string_value(json_object_get(o, "msg")), line);
	assert_null(json_object_get(o, "k0"));
	json_decref(o);
	o = test_json_line(out, 1);
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "a=1 b=\"x y\" tail");
	json_decref(o);
	o = test_json_line(out, 2);
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "text");
	assert_string_equal(json_string_value(json_object_get(o, "b")), "x y");
	json_decref(o);
	free(out);
}

/* The value of NAME in a journal datagram (either form), or NULL. */
static char *
test_jfield(const char *dg, size_t len, const char *name)
{
	const char	*p = dg, *end = dg + len, *nl, *eq;
	size_t		 nlen = strlen(name);
	uint64_t	 vlen;
	int		 i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL) {
			if ((size_t)(eq - p) == nlen &&
			    memcmp(p, name, nlen) == 0)
				return strndup(eq + 1, (size_t)(nl - eq - 1));
			p = nl + 1;
			continue;
		}
		/* NAME\n, then a 64-bit little-endian length, the value, \n */
		vlen = 0;
		for (i = 7; i >= 0; i--)
			vlen = vlen << 8 | (unsigned char)nl[1 + i];
		if ((size_t)(nl - p) == nlen && memcmp(p, name, nlen) == 0)
			return strndup(nl + 9, (size_t)vlen);
		p = nl + 9 + vlen;
		assert_true(p < end && *p == '\n');
		p++;
	}
	return NULL;
}

static void
test_jassert(const char *dg, size_t len, const char *name, const char *want)
{
	char	*v = test_jfield(dg, len, name);

	if (want == NULL) {
		if (v != NULL)
			fail_msg("%s: expected none, got \"%s\"", name, v);
		return;
	}
	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", name, want,
		    v != NULL ? v : "(none)");
	free(v);
}

/*
 * Under journald: stderr is the stream $JOURNAL_STREAM names, and every
 * line is one datagram of the native protocol to the socket the test binds.
 */
static void
test_journal(void **state)
{
	struct sockaddr_un	 sun;
	struct capture		 c;
	struct stat		 st;
	char			 dir[] = "/tmp/relais-test-journal.XXXXXX";
	char			 dg[16384], stream[64], *out;
	ssize_t			 n;
	int			 i, s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/socket", dir);
	assert_true((s = socket(AF_UNIX, SOCK_DGRAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
	setenv("RELAIS_JOURNAL_SOCKET", sun.sun_path, 1);

	capture_start(&c);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(stream, sizeof stream, "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	log_init("relaisd", 0);
	log_kv(LOG_WARNING, NULL, LOG_STR("event", "e-1\nx"),
	    LOG_STR("type", "newcomer.arrived"),
	    LOG_STR("territory", "abitibi"),
	    LOG_STR("outcome", "dead"), LOG_INT("attempt", 2),
	    LOG_STR("message", "renamed"));
	log_info("queue: took over %d pending entries", 2);
	errno = ENOENT;
	log_err("cannot open %s", "x");
	out = capture_end(&c);
	assert_string_equal(out, "");	/* nothing on stderr */
	free(out);

	n = recv(s, dg, sizeof dg, MSG_DONTWAIT);
	assert_true(n > 0);
	test_jassert(dg, (size_t)n, "PRIORITY", "4");
	test_jassert(dg, (size_t)n, "SYSLOG_IDENTIFIER", "relaisd");
	test_jassert(dg, (size_t)n, "MESSAGE", "event=\"e-1\\x0ax\" "
	    "type=newcomer.arrived territory=abitibi outcome=dead attempt=2 "
	    "message=renamed");
	test_jassert(dg, (size_t)n, "EVENT_ID", "e-1\nx");
	test_jassert(dg, (size_t)n, "EVENT_TYPE", "newcomer.arrived");
	test_jassert(dg, (size_t)n, "TERRITORY", "abitibi");
	test_jassert(dg, (size_t)n, "OUTCOME", "dead");
	test_jassert(dg, (size_t)n, "ATTEMPT", "2");
	test_jassert(dg, (size_t)n, "RELAIS_MESSAGE", "renamed");
	n = recv(s, dg, sizeof dg, MSG_DONTWAIT);
	assert_true(n > 0);
	test_jassert(dg, (size_t)n, "PRIORITY", "6");
	test_jassert(dg, (size_t)n, "MESSAGE",
	    "queue: took over 2 pending entries");
	n = recv(s, dg, sizeof dg, MSG_DONTWAIT);
	assert_true(n > 0);
	test_jassert(dg, (size_t)n, "PRIORITY", "3");
	test_jassert(dg, (size_t)n, "ERRNO", "2");

	/*
	 * held: nothing sent until the release, then each line, in order
	 * (8: a datagram socket queues 10 by default, max_dgram_qlen)
	 */
	log_hold();
	for (i = 0; i < 5; i++)
		log_info("held %d", i);
	assert_true(recv(s, dg, sizeof dg, MSG_DONTWAIT) == -1);
	log_release();
	for (i = 0; i < 5; i++) {
		char want[32];

		n = recv(s, dg, sizeof dg, MSG_DONTWAIT);
		assert_true(n > 0);
		snprintf(want, sizeof want, "held %d", i);
		test_jassert(dg, (size_t)n, "MESSAGE", want);
	}
	assert_true(recv(s, dg, sizeof dg, MSG_DONTWAIT) == -1);

	/* the socket gone: the line still goes out, on stderr with <N> */
	unlink(sun.sun_path);
	capture_start(&c);
	log_kv(LOG_WARNING, NULL, LOG_STR("outcome", "dead"));
	log_hold();
	log_info("held a");
	log_info("held b");
	log_release();
	out = capture_end(&c);
	assert_string_equal(out, "<4>outcome=dead\n<6>held a\n<6>held b\n");
	free(out);

	/* a JOURNAL_STREAM that is not stderr's: plain text */
	setenv("JOURNAL_STREAM", "1:1", 1);
	log_init("relaisd", 0);
	capture_start(&c);
	log_kv(LOG_WARNING, NULL, LOG_STR("outcome", "dead"));
	out = capture_end(&c);
	assert_string_equal(out, "relaisd: outcome=dead\n");
	free(out);
	unsetenv("JOURNAL_STREAM");
	unsetenv("RELAIS_JOURNAL_SOCKET");
	log_init("relaisd", 0);
	close(s);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_mask_text),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_long),
		cmocka_unit_test(test_json_pairs),
		cmocka_unit_test(test_journal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
