/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The follow-up plan of a newcomer: when each follow-up falls due, and its event. */
#ifndef RELAIS_FOLLOWUPS_H
#define RELAIS_FOLLOWUPS_H

#include <stddef.h>
#include <stdint.h>

struct tz;

#define FOLLOWUP_ID_SIZE	28	/* "fu-" + 24 hex digits + NUL */

/* "YYYY-MM-DD", strictly, as a day count since 1970-01-01; -1 otherwise. */
int	followup_date(const char *s, int64_t *day);
/*
 * The UTC instant (ms) of a follow-up `days` calendar days after the
 * arrival, at at_min minutes after local midnight in tz: the wall-clock
 * time holds across DST changes. arrival is "YYYY-MM-DD" or an RFC 3339
 * date-time (whose local date counts). -1 when it is neither.
 */
int	followup_due_ms(const char *arrival, const struct tz *tz, long days,
	    long at_min, int64_t *out);
/*
 * The follow-up's event id, stable for a person and kind, that does not
 * show the person's id (it lands in the deliveries stream).
 */
void	followup_event_id(const char *person, const char *kind,
	    char out[FOLLOWUP_ID_SIZE]);
/*
 * The followup.due event of person pid's follow-up kind, due at due_ms, as
 * a member of the scheduled set (handler_scheduled_open).
 */
char	*followup_due_member(const char *pid, const char *kind,
	    const char *territory, int64_t due_ms);
/* "YYYY-MM-DD": the local date of ms in tz. out holds 11 bytes. */
void	followup_day(const struct tz *, int64_t ms, char *out);
/*
 * When the counsellors' reminder email of a territory (tz) should go for a
 * follow-up that falls due at now: today at at_min local time when that
 * is still ahead; else gather_s from now, unless one went out today
 * already (reminded is today's date), then tomorrow at at_min. At most one
 * a day, none later than needed.
 */
int64_t	followup_reminder_due(const struct tz *, int64_t now, long at_min,
	    long gather_s, const char *reminded);
/* The next day's reminder time after ms (at at_min local time). */
int64_t	followup_reminder_next(const struct tz *, int64_t ms, long at_min);
/*
 * The followup.reminders event of territory t due at due (ms), as a member
 * of the scheduled set; it takes the reminders added until then. Owned by
 * the caller.
 */
char	*followup_reminders_member(const char *t, int64_t due);
/* "7 jours", "3 mois", "1 an" / "7 days", "3 months", "1 year". */
void	followup_label(long days, const char *lang, char *out, size_t outlen);

#endif
