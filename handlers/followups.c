/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Follow-up plan: due dates in the territory's zone, event ids, labels. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "envelope.h"
#include "followups.h"
#include "handlers.h"
#include "idkey.h"
#include "jsonw.h"
#include "log.h"
#include "tz.h"

int
followup_date(const char *s, int64_t *day)
{
	return tz_date(s, strlen(s), day);
}

int
followup_due_ms(const char *arrival, const struct tz *tz, long days,
    long at_min, int64_t *out)
{
	int64_t	day, ms;

	if (strlen(arrival) == 10) {
		if (followup_date(arrival, &day) == -1)
			return -1;
	} else {
		if (envelope_parse_time(arrival, &ms) == -1)
			return -1;
		day = tz_local_day(tz, ms);
	}
	*out = tz_local_to_utc(tz, (day + days) * 86400 + at_min * 60) * 1000;
	return 0;
}

void
followup_event_id(const char *person, const char *kind,
    char out[FOLLOWUP_ID_SIZE])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[IDKEY_SHA256_LEN];
	char			 in[512];
	struct buf		 b;
	size_t			 i, np = strlen(person) + 1, nk = strlen(kind);

	/* on the stack when it fits (once a follow-up planned), else a buf */
	if (16 + np + nk <= sizeof in) {
		memcpy(in, "relais-followup\0", 16);
		memcpy(in + 16, person, np);
		memcpy(in + 16 + np, kind, nk);
		idkey_sha256(in, 16 + np + nk, md);
	} else {
		buf_init(&b);
		buf_append(&b, "relais-followup\0", 16);
		buf_append(&b, person, np);
		buf_append(&b, kind, nk);
		idkey_sha256(b.data, b.len, md);
		buf_free(&b);
	}
	memcpy(out, "fu-", 3);
	for (i = 0; i < 12; i++) {
		out[3 + 2 * i] = hex[md[i] >> 4];
		out[4 + 2 * i] = hex[md[i] & 15];
	}
	out[FOLLOWUP_ID_SIZE - 1] = '\0';
}

void
followup_label(long days, const char *lang, char *out, size_t outlen)
{
	int	en = lang != NULL && strcmp(lang, "en") == 0;
	long	n;

	if (days >= 365 && days % 365 == 0) {
		n = days / 365;
		snprintf(out, outlen, "%ld %s", n, en ? (n > 1 ? "years" :
		    "year") : (n > 1 ? "ans" : "an"));
	} else if (days >= 30 && days % 30 == 0) {
		n = days / 30;
		snprintf(out, outlen, "%ld %s", n, en ? (n > 1 ? "months" :
		    "month") : "mois");
	} else
		snprintf(out, outlen, "%ld %s", days, en ? (days == 1 ? "day" :
		    "days") : (days == 1 ? "jour" : "jours"));
}

void
followup_day(const struct tz *tz, int64_t ms, char *out)
{
	int64_t	y;
	int	m, d;
	char	s[64];

	tz_civil_from_days(tz_local_day(tz, ms), &y, &m, &d);
	snprintf(s, sizeof s, "%04lld-%02d-%02d", (long long)y, m, d);
	memcpy(out, s, 10);
	out[10] = '\0';
}

int64_t
followup_reminder_due(const struct tz *tz, int64_t now, long at_min,
    long gather_s, const char *reminded)
{
	char	today[11];
	int64_t	at;

	at = tz_local_to_utc(tz, tz_local_day(tz, now) * 86400 +
	    at_min * 60) * 1000;
	if (now < at)
		return at;
	followup_day(tz, now, today);
	if (reminded != NULL && strcmp(reminded, today) == 0)
		return followup_reminder_next(tz, now, at_min);
	return now + gather_s * 1000;
}

int64_t
followup_reminder_next(const struct tz *tz, int64_t ms, long at_min)
{
	return tz_local_to_utc(tz, (tz_local_day(tz, ms) + 1) * 86400 +
	    at_min * 60) * 1000;
}

char *
followup_reminders_member(const char *t, int64_t due)
{
	char		 id[160], until[32];
	struct buf	 b;
	struct jsonw	 w;

	snprintf(id, sizeof id, "reminders-%lld-%.120s", (long long)due, t);
	snprintf(until, sizeof until, "%lld", (long long)due);
	handler_scheduled_open(&b, &w);
	jsonw_open(&w, '{');
	if (jsonw_kv(&w, "territory", t) == -1)
		fatalx("followups: cannot encode a reminder");
	(void)jsonw_kv(&w, "until", until);
	jsonw_close(&w, '}');
	return handler_scheduled_close(&b, &w, id, "followup.reminders",
	    "followups");
}

char *
followup_due_member(const char *pid, const char *kind, const char *territory,
    int64_t due_ms)
{
	char		 id[FOLLOWUP_ID_SIZE], at[40];
	struct buf	 b;
	struct jsonw	 w;
	int		 bad = 0;

	followup_event_id(pid, kind, id);
	/*
	 * The member as stored: its text must not change for the same due,
	 * the second truncated as (time_t)(due_ms / 1000) did.
	 */
	clock_rfc3339_sec(due_ms / 1000 * 1000, at, sizeof at);
	/* keys in sorted order (handler_scheduled_open) */
	handler_scheduled_open(&b, &w);
	jsonw_open(&w, '{');
	jsonw_key(&w, "followup");
	jsonw_open(&w, '{');
	bad |= jsonw_kv(&w, "due_at", at);
	bad |= jsonw_kv(&w, "kind", kind);
	jsonw_close(&w, '}');
	jsonw_key(&w, "person");
	jsonw_open(&w, '{');
	bad |= jsonw_kv(&w, "id", pid);
	jsonw_close(&w, '}');
	bad |= jsonw_kv(&w, "territory", territory);
	jsonw_close(&w, '}');
	if (bad)
		fatalx("followups: cannot encode a follow-up");
	return handler_scheduled_close(&b, &w, id, "followup.due",
	    "newcomer.arrived");
}
