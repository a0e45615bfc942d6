/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* process_* metrics of this process, from /proc/self, at each scrape. */
#include <sys/resource.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_prom.h"
#include "buf.h"
#include "jarena.h"
#include "procstat.h"

/* /proc/<pid>/stat's fields after "(comm) ", counted from the state (3). */
#define PROCSTAT_UTIME		(14 - 3)
#define PROCSTAT_STIME		(15 - 3)
#define PROCSTAT_STARTTIME	(22 - 3)
#define PROCSTAT_VSIZE		(23 - 3)
#define PROCSTAT_RSS		(24 - 3)

int
procstat_parse(const char *stat, const char *sysstat, long ticks,
    long pagesize, struct procstat *ps)
{
	unsigned long long	 v[PROCSTAT_RSS + 1], btime;
	const char		*p, *bt;
	char			*end;
	int			 i;

	/* the command name may hold spaces and parentheses: its last ")" */
	if (ticks <= 0 || pagesize <= 0 || (p = strrchr(stat, ')')) == NULL ||
	    p[1] != ' ' || p[2] == '\0')
		return -1;
	p += 3;		/* the state, one letter */
	v[0] = 0;
	for (i = 1; i <= PROCSTAT_RSS; i++) {
		while (*p != ' ' && *p != '\0')
			p++;
		if (*p++ != ' ')
			return -1;
		/* a negative field (priority) reads as a huge one: unused */
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
	}
	if ((bt = strstr(sysstat, "\nbtime ")) == NULL)
		return -1;
	btime = strtoull(bt + 7, &end, 10);
	if (end == bt + 7)
		return -1;
	ps->cpu_seconds = (double)(v[PROCSTAT_UTIME] + v[PROCSTAT_STIME]) /
	    (double)ticks;
	ps->start_time = (double)btime + (double)v[PROCSTAT_STARTTIME] /
	    (double)ticks;
	ps->virtual_bytes = (double)v[PROCSTAT_VSIZE];
	ps->resident_bytes = (double)v[PROCSTAT_RSS] * (double)pagesize;
	return 0;
}

/* The whole of a small file of /proc, NUL-terminated; -1 if unreadable. */
static int
procstat_read(const char *path, struct buf *b)
{
	char	chunk[4096];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(b, chunk, (size_t)n);
	close(fd);
	if (n == -1 || b->data == NULL)
		return -1;
	return 0;
}

/* Entries of /proc/self/fd, but the one reading it; -1 if unreadable. */
static double
procstat_fds(void)
{
	struct dirent	*e;
	DIR		*d;
	double		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n - 1;
}

static void
procstat_gauge(struct buf *out, const char *name, const char *help,
    double v)
{
	admin_metric_help(out, name, ADMIN_GAUGE, help);
	admin_metric(out, name, v, NULL);
}

/* The soft limits: RLIM_INFINITY as the number it is, as Go's client does. */
static void
procstat_limits(struct buf *out)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		procstat_gauge(out, "process_max_fds", "Maximum number of open "
		    "file descriptors.", (double)rl.rlim_cur);
	if (getrlimit(RLIMIT_AS, &rl) == 0)
		procstat_gauge(out, "process_virtual_memory_max_bytes",
		    "Maximum amount of virtual memory available in bytes.",
		    (double)rl.rlim_cur);
}

void
procstat_write(struct buf *out)
{
	struct procstat	ps;
	struct buf	stat, sys;
	double		fds;
	size_t		pages, peak;

	buf_init(&stat);
	buf_init(&sys);
	if (procstat_read("/proc/self/stat", &stat) == 0 &&
	    procstat_read("/proc/stat", &sys) == 0 &&
	    procstat_parse(stat.data, sys.data, sysconf(_SC_CLK_TCK),
	    sysconf(_SC_PAGESIZE), &ps) == 0) {
		admin_metric_help(out, "process_cpu_seconds_total",
		    ADMIN_COUNTER, "Total user and system CPU time spent in "
		    "seconds.");
		admin_metric(out, "process_cpu_seconds_total", ps.cpu_seconds,
		    NULL);
		procstat_gauge(out, "process_start_time_seconds", "Start time "
		    "of the process since unix epoch in seconds.",
		    ps.start_time);
		procstat_gauge(out, "process_resident_memory_bytes", "Resident "
		    "memory size in bytes.", ps.resident_bytes);
		procstat_gauge(out, "process_virtual_memory_bytes", "Virtual "
		    "memory size in bytes.", ps.virtual_bytes);
	}
	buf_free(&stat);
	buf_free(&sys);
	/* relaisd's own part of that memory, which it watches */
	pages = jarena_pages(&peak);
	procstat_gauge(out, "relais_json_arena_bytes", "Memory holding the "
	    "parsed events and state answers of the entries in flight (their "
	    "jobs' arenas), in bytes.", (double)(pages * JARENA_PAGE));
	procstat_gauge(out, "relais_json_arena_peak_bytes", "The most "
	    "relais_json_arena_bytes has been since start.",
	    (double)(peak * JARENA_PAGE));
	if ((fds = procstat_fds()) >= 0)
		procstat_gauge(out, "process_open_fds", "Number of open file "
		    "descriptors.", fds);
	procstat_limits(out);
}
