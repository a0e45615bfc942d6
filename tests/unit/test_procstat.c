/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* procstat: /proc's text into process_* metrics, and this process's own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "procstat.h"

/* A /proc/<pid>/stat line of Linux 6, its command name full of traps. */
static const char test_stat[] =
    "4242 (relai) d (x)) S 1 4242 4242 0 -1 4194560 1200 0 0 0 "
    "250 130 0 0 20 0 3 0 9000 123456789 2048 18446744073709551615 "
    "1 1 0 0 0 0 0 4096 17922 0 0 0 17 1 0 0 0 0 0\n";
static const char test_sys[] =
    "cpu  1 2 3 4 5 6 7 0 0 0\n"
    "intr 1\n"
    "btime 1764700000\n"
    "processes 100\n";

/* Times in ticks, the start after boot, memory in pages. */
static void
test_parse(void **state)
{
	struct procstat	ps;

	(void)state;
	assert_int_equal(procstat_parse(test_stat, test_sys, 100, 4096, &ps),
	    0);
	assert_true(ps.cpu_seconds == 3.8);
	assert_true(ps.start_time == 1764700000 + 90.0);
	assert_true(ps.virtual_bytes == 123456789);
	assert_true(ps.resident_bytes == 2048.0 * 4096);
}

/* Text that is not Linux's: refused, nothing half read. */
static void
test_refused(void **state)
{
	struct procstat	ps;

	(void)state;
	assert_int_equal(procstat_parse("4242 relai S 1", test_sys, 100, 4096,
	    &ps), -1);
	assert_int_equal(procstat_parse("4242 (relai) S 1 2 3", test_sys, 100,
	    4096, &ps), -1);
	assert_int_equal(procstat_parse(test_stat, "cpu 1\n", 100, 4096, &ps),
	    -1);
	assert_int_equal(procstat_parse(test_stat, test_sys, 0, 4096, &ps),
	    -1);
}

/* The value of the sample line "name value" in text; fails if absent. */
static double
test_value(const char *text, const char *name)
{
	const char	*p;
	size_t		 len = strlen(name);

	for (p = text; (p = strstr(p, name)) != NULL; p += len) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return strtod(p + len + 1, NULL);
	}
	fail_msg("no sample %s in:\n%s", name, text);
	return 0;
}

/* This process: every family, with values that make sense. */
static void
test_self(void **state)
{
	struct buf	b;
	double		start;

	(void)state;
	buf_init(&b);
	procstat_write(&b);
	assert_non_null(b.data);
	assert_non_null(strstr(b.data,
	    "# TYPE process_cpu_seconds_total counter\n"));
	assert_true(test_value(b.data, "process_cpu_seconds_total") >= 0);
	start = test_value(b.data, "process_start_time_seconds");
	assert_true(start > time(NULL) - 3600 && start <= time(NULL) + 1);
	assert_true(test_value(b.data, "process_resident_memory_bytes") >
	    4096);
	assert_true(test_value(b.data, "process_virtual_memory_bytes") >
	    test_value(b.data, "process_resident_memory_bytes"));
	/* stdin, stdout, stderr at least; not the directory being read */
	assert_true(test_value(b.data, "process_open_fds") >= 3);
	assert_true(test_value(b.data, "process_max_fds") >=
	    test_value(b.data, "process_open_fds"));
	assert_true(test_value(b.data, "process_virtual_memory_max_bytes") >
	    0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
