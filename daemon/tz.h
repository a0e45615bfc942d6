/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Time zones from TZif files: UTC to local wall time and back, without the C library's global TZ. */
#ifndef RELAIS_TZ_H
#define RELAIS_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_DIR	"/usr/share/zoneinfo"

/*
 * A loaded zone, immutable once built: it may be shared by any number of
 * readers. The caller owns it and releases it with tz_free (NULL is a no-op).
 *
 * Times are seconds. A "local" time is wall-clock seconds counted from
 * 1970-01-01 00:00 local, i.e. the UTC instant the same wall clock would
 * show in UTC; offsets are seconds east of UTC. Leap seconds are ignored.
 */
struct tz;

/*
 * Loads TZ_DIR/name (an IANA name such as "America/Toronto"). Returns NULL
 * with a reason in err when the name is malformed (absolute, "..", odd
 * characters), the file is missing or it is not a valid TZif file.
 */
struct tz	*tz_load(const char *name, char *err, size_t errlen);
/* The same from a directory other than TZ_DIR (tests, containers). */
struct tz	*tz_load_dir(const char *dir, const char *name, char *err,
		    size_t errlen);
/* Parses TZif bytes (v2+ 64-bit data, else v1); name is kept for tz_name. */
struct tz	*tz_from_tzif(const char *name, const void *data, size_t len,
		    char *err, size_t errlen);
/* A zone made of a POSIX TZ rule alone, e.g. "EST5EDT,M3.2.0,M11.1.0". */
struct tz	*tz_from_posix(const char *rule, char *err, size_t errlen);
void		 tz_free(struct tz *);

const char	*tz_name(const struct tz *);

/* Offset from UTC in effect at the UTC instant t. */
int32_t		 tz_offset(const struct tz *, int64_t t);
/* Local wall time at the UTC instant t. */
int64_t		 tz_utc_to_local(const struct tz *, int64_t t);

/*
 * The UTC instant showing local wall time l. In a gap (clocks jumped over
 * l) it is the first instant after the gap, the transition itself; in an
 * overlap (l shown twice) the earlier of the two instants.
 */
int64_t		 tz_local_to_utc(const struct tz *, int64_t l);

/*
 * Every UTC instant showing local wall time l, earliest first, at most max
 * of them stored in out. Returns how many there are: 0 in a gap, 1 usually,
 * 2 in an overlap.
 */
int		 tz_local_instants(const struct tz *, int64_t l, int64_t *out,
		    int max);

/*
 * The first instant after t (strictly) at which the offset changes; 0 with
 * *next set, or -1 when the offset never changes again.
 */
int		 tz_next_transition(const struct tz *, int64_t t, int64_t *next);

/*
 * The local calendar day (days since 1970-01-01) of the UTC instant ms
 * (milliseconds), in tz, or in UTC when tz is NULL.
 */
int64_t		 tz_local_day(const struct tz *, int64_t ms);
/* Civil calendar helpers (proleptic Gregorian), shared with the windows. */
int64_t		 tz_days_from_civil(int64_t y, int m, int d);
void		 tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* Day of week of a day count since 1970-01-01: 0 Sunday .. 6 Saturday. */
int		 tz_weekday(int64_t days);
int		 tz_days_in_month(int64_t y, int m);
/*
 * The first 10 bytes of s (the caller's to have) read as "YYYY-MM-DD":
 * digits only (no sign, no blank), a month 1..12 and a day 1..31, not
 * checked against its month; -1 when they are not.
 */
int		 tz_ymd(const char *s, int *y, int *m, int *d);
/*
 * s[0..len) is exactly "YYYY-MM-DD" (tz_ymd), a real date (0000-01-01
 * included): its day count into *day; else -1.
 */
int		 tz_date(const char *s, size_t len, int64_t *day);

#endif
