/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Prometheus text-format helpers (exposition format 0.0.4), used by every
 * module that writes metrics. They append to a struct buf the caller owns.
 */
#ifndef RELAIS_ADMIN_PROM_H
#define RELAIS_ADMIN_PROM_H

struct buf;

/* Prometheus text exposition format 0.0.4. */
enum admin_metric_type {
	ADMIN_COUNTER,
	ADMIN_GAUGE,
	ADMIN_HISTOGRAM
};

/* Writes the # HELP and # TYPE lines that open a metric family. */
void		 admin_metric_help(struct buf *, const char *name,
		    enum admin_metric_type, const char *help);
/*
 * Writes one sample: name{k1="v1",k2="v2"} value. The labels are pairs of
 * strings ended by NULL; values are escaped (\\, \", \n) and invalid UTF-8
 * becomes U+FFFD. A bad metric or label name skips the sample (logged).
 */
void		 admin_metric(struct buf *, const char *name, double value,
		    ...) __attribute__((sentinel));

/* Upper bounds, in ms, of the finite latency buckets; +Inf comes last. */
#define ADMIN_HISTOGRAM_BOUNDS	{ 1, 2, 5, 10, 25, 50, 100, 250, 500, \
				  1000, 2500, 5000, 10000 }
#define ADMIN_HISTOGRAM_NBOUNDS	13

/*
 * A latency histogram, observed in ms and written in seconds (Prometheus
 * base units: name it *_seconds). Zero it (memset or = { 0 }) to start.
 */
struct admin_histogram {
	unsigned long	counts[ADMIN_HISTOGRAM_NBOUNDS + 1];	/* per bucket */
	unsigned long	count;
	double		sum;
};

/* Counts one observation; negative values count as 0, NaN is ignored. */
void		 admin_histogram_observe(struct admin_histogram *,
		    double value_ms);
/*
 * Writes name_bucket{labels,le="0.001"} ... (cumulative, in seconds, ending
 * with le="+Inf"), name_sum (seconds) and name_count for one label set
 * (pairs ended by NULL).
 */
void		 admin_histogram_write(struct buf *, const char *name,
		    const struct admin_histogram *, ...)
		    __attribute__((sentinel));

#endif
