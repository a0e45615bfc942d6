/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Unit tests for relaisctl_io: options of a parsed command line, usage
 * errors, files read whole, bytes from outside printed safely, reason
 * classes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "relaisctl.h"

/* What fd (1 or 2) received while a call ran. */
struct capture {
	FILE	*f;
	int	 fd;
	int	 saved;
	char	 out[8192];
	size_t	 len;
};

static void
capture_begin(struct capture *cp, int fd)
{
	fflush(fd == 1 ? stdout : stderr);
	cp->fd = fd;
	assert_non_null(cp->f = tmpfile());
	assert_true((cp->saved = dup(fd)) != -1);
	assert_true(dup2(fileno(cp->f), fd) != -1);
}

static const char *
capture_end(struct capture *cp)
{
	fflush(cp->fd == 1 ? stdout : stderr);
	assert_true(dup2(cp->saved, cp->fd) != -1);
	close(cp->saved);
	rewind(cp->f);
	cp->len = fread(cp->out, 1, sizeof cp->out - 1, cp->f);
	cp->out[cp->len] = '\0';
	fclose(cp->f);
	return cp->out;
}

/* What ctl_print_safe writes of s[0..len). */
static const char *
safe(struct capture *cp, const char *s, size_t len, int multiline)
{
	capture_begin(cp, 1);
	ctl_print_safe(s, len, multiline);
	return capture_end(cp);
}

static const struct ctl_opt test_opts[] = {
	{ "month", 'm', 1 },
	{ "csv", 0, 0 },
	{ "reason", 0, 1 },
	{ NULL, 0, 0 },
};

static void
test_opt_absent_flag_last(void **state)
{
	const char	*val[] = { "2024-01", "", "2024-03" };
	size_t		 opt[] = { 0, 1, 0 };
	struct ctl_args	 a = { test_opts, val, opt, 3, NULL, 0 };
	struct ctl_args	 none = { test_opts, NULL, NULL, 0, NULL, 0 };

	(void)state;
	/* the last occurrence wins */
	assert_string_equal(ctl_opt(&a, "month"), "2024-03");
	/* a flag given is "", not NULL */
	assert_non_null(ctl_opt(&a, "csv"));
	assert_string_equal(ctl_opt(&a, "csv"), "");
	assert_null(ctl_opt(&a, "reason"));
	assert_null(ctl_opt(&a, "nonesuch"));
	assert_null(ctl_opt(&none, "month"));
}

static void
test_print_safe_controls(void **state)
{
	struct capture	cp;

	(void)state;
	/* an escape sequence must not reach the terminal */
	assert_string_equal(safe(&cp, "a\033[31mb", 7, 0), "a\\x1b[31mb");
	assert_string_equal(safe(&cp, "x\177y", 3, 0), "x\\x7fy");
	assert_string_equal(safe(&cp, "a\rb\bc", 5, 1), "a\\x0db\\x08c");
	/* an embedded NUL is shown, and what follows still printed */
	assert_int_equal(safe(&cp, "a\0b", 3, 0)[0], 'a');
	assert_int_equal(cp.len, 6);
	assert_memory_equal(cp.out, "a\\x00b", 6);
	/* only len bytes */
	assert_string_equal(safe(&cp, "abcdef", 3, 0), "abc");
	assert_string_equal(safe(&cp, "", 0, 0), "");
}

static void
test_print_safe_multiline(void **state)
{
	struct capture	cp;

	(void)state;
	assert_string_equal(safe(&cp, "a\nb\tc", 5, 1), "a\nb\tc");
	assert_string_equal(safe(&cp, "a\nb\tc", 5, 0), "a\\x0ab\\x09c");
}

static void
test_print_safe_utf8(void **state)
{
	struct capture	cp;

	(void)state;
	/* C1 controls (CSI is U+009B) are escapes too */
	assert_string_equal(safe(&cp, "a\302\233b", 4, 0), "a\\u009bb");
	assert_string_equal(safe(&cp, "\302\200\302\237", 4, 0),
	    "\\u0080\\u009f");
	/* the rest of UTF-8 passes: é, NBSP (U+00A0), ✓ */
	assert_string_equal(safe(&cp, "\303\251\302\240\342\234\223", 7, 0),
	    "\303\251\302\240\342\234\223");
	/* a lone 0xc2 at the end, or before a non-C1 byte, is left alone */
	assert_string_equal(safe(&cp, "a\302", 2, 0), "a\302");
	assert_string_equal(safe(&cp, "\302A", 2, 0), "\302A");
	/* 0xc2 0x9b cut by len: the 0x9b is not read */
	assert_string_equal(safe(&cp, "\302\233", 1, 0), "\302");
}

static void
test_reason_class(void **state)
{
	char	out[80], tiny[6];

	(void)state;
	ctl_reason_class("gateway sendgrid answered 500", out, sizeof out);
	assert_string_equal(out, "gateway sendgrid answered ");
	ctl_reason_class("unknown event type \"x.y\"", out, sizeof out);
	assert_string_equal(out, "unknown event type ");
	ctl_reason_class("template welcome: missing field", out, sizeof out);
	assert_string_equal(out, "template welcome");
	ctl_reason_class("outside window (22:00-07:00)", out, sizeof out);
	assert_string_equal(out, "outside window ");
	ctl_reason_class("it's bad", out, sizeof out);
	assert_string_equal(out, "it");
	ctl_reason_class("poison message", out, sizeof out);
	assert_string_equal(out, "poison message");
	ctl_reason_class("", out, sizeof out);
	assert_string_equal(out, "");
	ctl_reason_class("42 attempts", out, sizeof out);
	assert_string_equal(out, "");
	/* cut to the buffer */
	ctl_reason_class("poison message", tiny, sizeof tiny);
	assert_string_equal(tiny, "poiso");
}

static void
test_slurp(void **state)
{
	char	 path[] = "/tmp/relais-ctlio-XXXXXX", *big, *got;
	size_t	 len, i, n = 200000;
	int	 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	/* more than one read's chunk (64 KiB), NUL bytes included */
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (char)(i % 251);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	got = ctl_slurp(path, &len);
	assert_non_null(got);
	assert_int_equal(len, n);
	assert_memory_equal(got, big, n);
	free(got);

	/* an empty file: an empty string, not NULL */
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) != -1);
	close(fd);
	got = ctl_slurp(path, &len);
	assert_non_null(got);
	assert_int_equal(len, 0);
	free(got);
	unlink(path);
	free(big);
}

static void
test_slurp_stdin(void **state)
{
	char	 path[] = "/tmp/relais-ctlio-XXXXXX", *got;
	size_t	 len;
	int	 fd, saved;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "from stdin\n", 11), 11);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true((saved = dup(0)) != -1);
	assert_true(dup2(fd, 0) != -1);
	close(fd);
	got = ctl_slurp("-", &len);
	assert_true(dup2(saved, 0) != -1);
	close(saved);
	clearerr(stdin);
	unlink(path);
	assert_non_null(got);
	assert_int_equal(len, 11);
	assert_string_equal(got, "from stdin\n");
	free(got);
}

static void
test_slurp_missing(void **state)
{
	struct capture	 cp;
	char		*got;
	size_t		 len = 99;

	(void)state;
	capture_begin(&cp, 2);
	got = ctl_slurp("/nonexistent/relais/x.json", &len);
	capture_end(&cp);
	assert_null(got);
	assert_string_equal(cp.out, "relaisctl: /nonexistent/relais/x.json: "
	    "No such file or directory\n");
}

static void
test_usage_error(void **state)
{
	static const struct ctl_cmd	cmd = { .name = "report",
	    .usage = "--month YYYY-MM [--csv]" };
	struct ctl			c;
	struct capture			cp;
	int				rv;

	(void)state;
	memset(&c, 0, sizeof c);
	c.cmd = &cmd;
	capture_begin(&cp, 2);
	rv = ctl_usage_error(&c, "--month %s is not a month", "13");
	capture_end(&cp);
	assert_int_equal(rv, 2);
	assert_string_equal(cp.out, "relaisctl report: --month 13 is not a "
	    "month\nusage: relaisctl report --month YYYY-MM [--csv]\n"
	    "(relaisctl report --help says more)\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_absent_flag_last),
		cmocka_unit_test(test_print_safe_controls),
		cmocka_unit_test(test_print_safe_multiline),
		cmocka_unit_test(test_print_safe_utf8),
		cmocka_unit_test(test_reason_class),
		cmocka_unit_test(test_slurp),
		cmocka_unit_test(test_slurp_stdin),
		cmocka_unit_test(test_slurp_missing),
		cmocka_unit_test(test_usage_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
