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
/* "7 jours", "3 mois", "1 an" / "7 days", "3 months", "1 year". */
void	followup_label(long days, const char *lang, char *out, size_t outlen);

#endif
