/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Time windows: Alertmanager time_intervals plus holiday dates, and when a window next opens. */
#ifndef RELAIS_WINDOW_H
#define RELAIS_WINDOW_H

#include <stdint.h>

#include "diag.h"

struct ynode;

#define WINDOW_DEFAULT_LOCATION	"America/Toronto"
/* How far window_next_open looks ahead. */
#define WINDOW_HORIZON_DAYS	400

/*
 * A parsed window: a list of intervals, open when any of them matches, and
 * closed all day on its holidays. Immutable once parsed, it owns its time
 * zones; the caller releases it with window_free (NULL is a no-op).
 */
struct window;

/*
 * Builds a window from YAML. node (not NULL) is a sequence of intervals or a
 * map { intervals: [...], holidays: [...] }. An interval is a map with any
 * of (an absent or empty field matches anything):
 *   times:         [{ start_time: "HH:MM", end_time: "HH:MM" }, ...]
 *                  end-exclusive, "24:00" allowed as an end
 *   weekdays:      ["monday:friday", "sunday", ...]
 *   days_of_month: ["1:5", "-3:-1", 15, ...]   negative counts from the end
 *   months:        ["may:august", "12", ...]
 *   years:         ["2026:2027", ...]
 *   location:      IANA zone, WINDOW_DEFAULT_LOCATION when absent
 * Ranges are inclusive. holidays (either in node or the separate list,
 * which may be NULL, e.g. a territory's) are dates "YYYY-MM-DD", or maps
 * { date: "YYYY-MM-DD", name: ... }: each interval is closed for the whole
 * day in its own location. A window that does not open within 366 days of
 * now_ms is an error ("window never opens").
 *
 * Every problem goes to diag as "file:LINE:COL: message"; returns NULL when
 * anything was reported.
 */
struct window	*window_parse(const struct ynode *node,
		    const struct ynode *holidays, int64_t now_ms,
		    const char *file, struct diag *);
void		 window_free(struct window *);

/* Whether the window is open at the instant t (Unix milliseconds). */
int		 window_is_open(const struct window *, int64_t t_ms);

/*
 * The earliest instant >= t_ms at which the window is open (t_ms itself
 * when open), looking WINDOW_HORIZON_DAYS ahead. 0 with *out_ms set, or -1
 * when it does not open within the horizon.
 */
int		 window_next_open(const struct window *, int64_t t_ms,
		    int64_t *out_ms);

#endif
