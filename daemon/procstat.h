/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The process_* metrics of the Prometheus client libraries (CPU time,
 * start time, memory, file descriptors), read from /proc/self when they
 * are written, and the part of that memory relaisd keeps count of itself
 * (relais_json_arena_*, jarena.h). Linux only; what cannot be read is
 * left out.
 */
#ifndef RELAIS_PROCSTAT_H
#define RELAIS_PROCSTAT_H

struct buf;

/* What was read of a process, in the metrics' base units. */
struct procstat {
	double	cpu_seconds;		/* user + system */
	double	start_time;		/* since the epoch, s */
	double	resident_bytes;
	double	virtual_bytes;
};

/*
 * Parses the text of /proc/<pid>/stat and /proc/stat (for the boot time)
 * into ps: times and memory. -1 when either is not as Linux writes it.
 */
int	procstat_parse(const char *stat, const char *sysstat, long ticks,
	    long pagesize, struct procstat *ps);
/* Appends every process_* family of this process that could be read. */
void	procstat_write(struct buf *);

#endif
