/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The programme's figures: their keys, local months, reason classes, and the reading of a figures hash. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Why hiredis here (only redis*.c include it otherwise): figures_decode
 * reads an HGETALL reply for relaisctl (sync) and the console (async)
 * alike; it only reads the reply, never talks to Redis.
 */
#include <hiredis/hiredis.h>

#include "buf.h"
#include "delivery.h"
#include "figures.h"
#include "plan.h"
#include "queue_args.h"
#include "territory.h"
#include "tz.h"

/* The figures shown, people first, then messages, then follow-ups. */
static const struct figures_def figures_defs[] = {
	{ "arrivals", FIGURES_PEOPLE, "Arrivées", "Arrivals" },
	{ "welcomed", FIGURES_PEOPLE, "Personnes accueillies",
	    "People welcomed" },
	{ "welcomed_email", FIGURES_PEOPLE, "Accueillies par courriel",
	    "Welcomed by email" },
	{ "welcomed_sms", FIGURES_PEOPLE, "Accueillies par texto",
	    "Welcomed by SMS" },
	{ "candidates", FIGURES_PEOPLE, "Candidats présentés",
	    "Candidates announced" },
	{ "departures", FIGURES_PEOPLE, "Départs", "Departures" },
	{ "optouts", FIGURES_PEOPLE, "Désabonnements (adresses)",
	    "Opt-outs (addresses)" },
	{ "welcomes_sent", FIGURES_MESSAGES, "Accueils envoyés",
	    "Welcomes sent" },
	{ "notices_sent", FIGURES_MESSAGES, "Avis aux conseillers",
	    "Counsellor notices" },
	{ "checkins_sent", FIGURES_MESSAGES, "Suivis envoyés aux personnes",
	    "Check-ins sent" },
	{ "reminders_sent", FIGURES_MESSAGES, "Rappels de suivi",
	    "Follow-up reminders" },
	{ "alerts_sent", FIGURES_MESSAGES, "Alertes aux employeurs",
	    "Employer alerts" },
	{ "failed", FIGURES_MESSAGES, "Envois en échec", "Failed deliveries" },
	{ "followups_due", FIGURES_FOLLOWUPS, "Suivis dus", "Follow-ups due" },
	{ "followups_done", FIGURES_FOLLOWUPS, "Suivis faits",
	    "Follow-ups done" },
	{ "followups_overdue", FIGURES_FOLLOWUPS, "Suivis en retard",
	    "Follow-ups overdue" },
};
#define FIGURES_NDEFS	(sizeof figures_defs / sizeof figures_defs[0])

static const char *const figures_channels[FIGURES_NCHANNELS] = { "email",
	"sms" };
static const char *const figures_templates[FIGURES_OTHER] = { "welcome",
	"arrival_notice", "checkin", "followup_reminder", "match_alert" };

const char figures_reason_lua[] = FIGURES_REASON_LUA;

const struct figures_def *
figures_def_at(size_t i)
{
	return i < FIGURES_NDEFS ? &figures_defs[i] : NULL;
}

size_t
figures_ndefs(void)
{
	return FIGURES_NDEFS;
}

unsigned long
figures_value(const struct figures *f, size_t i)
{
	switch (i) {
	case 0:
		return f->arrivals;
	case 1:
		return f->welcomed;
	case 2:
		return f->welcomed_by[FIGURES_EMAIL];
	case 3:
		return f->welcomed_by[FIGURES_SMS];
	case 4:
		return f->candidates;
	case 5:
		return f->departures;
	case 6:
		return f->optouts;
	case 7:
		return figures_sent(f, FIGURES_WELCOME);
	case 8:
		return figures_sent(f, FIGURES_NOTICE);
	case 9:
		return figures_sent(f, FIGURES_CHECKIN);
	case 10:
		return figures_sent(f, FIGURES_REMINDER);
	case 11:
		return figures_sent(f, FIGURES_ALERT);
	case 12:
		return f->dead;
	case 13:
		return f->followups_due;
	case 14:
		return f->followups_done;
	case 15:
		return f->followups_overdue;
	default:
		return 0;
	}
}

const char *
figures_label(const struct figures_def *d, const char *lang)
{
	return lang != NULL && strcmp(lang, "fr") == 0 ? d->fr : d->en;
}

void
figures_init(struct figures *f, const char *territory, const char *month)
{
	memset(f, 0, sizeof *f);
	snprintf(f->territory, sizeof f->territory, "%s",
	    territory != NULL ? territory : "");
	snprintf(f->month, sizeof f->month, "%s", month != NULL ? month : "");
}

static int
figures_channel_of(const char *s)
{
	int	i;

	for (i = 0; i < FIGURES_NCHANNELS; i++) {
		if (strcmp(s, figures_channels[i]) == 0)
			return i;
	}
	return -1;
}

enum figures_message
figures_message_of(const char *template)
{
	int	i;

	for (i = 0; template != NULL && i < FIGURES_OTHER; i++) {
		if (strcmp(template, figures_templates[i]) == 0)
			return (enum figures_message)i;
	}
	return FIGURES_OTHER;
}

/* "sent:<template>:<channel>" counted; the template may hold no colon. */
static void
figures_field_sent(struct figures *f, const char *rest, unsigned long v)
{
	const char	*colon = strrchr(rest, ':');
	char		 tpl[128];
	int		 ch;

	if (colon == NULL || (size_t)(colon - rest) >= sizeof tpl ||
	    (ch = figures_channel_of(colon + 1)) == -1)
		return;
	memcpy(tpl, rest, (size_t)(colon - rest));
	tpl[colon - rest] = '\0';
	f->sent[figures_message_of(tpl)][ch] += v;
}

void
figures_field(struct figures *f, const char *name, const char *value)
{
	unsigned long	 v;
	char		*end;
	int		 ch;

	if (name == NULL || value == NULL || *value == '-')
		return;
	v = strtoul(value, &end, 10);
	if (end == value || *end != '\0')
		return;
	if (strcmp(name, "arrivals") == 0)
		f->arrivals += v;
	else if (strcmp(name, "welcomed") == 0)
		f->welcomed += v;
	else if (strncmp(name, "welcomed:", 9) == 0) {
		if ((ch = figures_channel_of(name + 9)) != -1)
			f->welcomed_by[ch] += v;
	} else if (strcmp(name, "candidates") == 0)
		f->candidates += v;
	else if (strcmp(name, "departures") == 0)
		f->departures += v;
	else if (strcmp(name, "optouts") == 0)
		f->optouts += v;
	else if (strncmp(name, "sent:", 5) == 0)
		figures_field_sent(f, name + 5, v);
	else if (strcmp(name, "dead") == 0)
		f->dead += v;
	else if (strcmp(name, "followups_due") == 0)
		f->followups_due += v;
	else if (strcmp(name, "followups_done") == 0)
		f->followups_done += v;
}

/* A reply element as a string (status and string replies), else NULL. */
static const char *
figures_str(const redisReply *r)
{
	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_STATUS) || r->str == NULL)
		return NULL;
	return r->str;
}

int
figures_decode(struct figures *f, const struct redisReply *rep)
{
	char	num[32];
	size_t	i;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i + 1 < rep->elements; i += 2) {
		const redisReply *v = rep->element[i + 1];

		if (v != NULL && v->type == REDIS_REPLY_INTEGER) {
			snprintf(num, sizeof num, "%lld", v->integer);
			figures_field(f, figures_str(rep->element[i]), num);
		} else
			figures_field(f, figures_str(rep->element[i]),
			    figures_str(v));
	}
	return 0;
}

void
figures_sum(struct figures *sum, const struct figures *f)
{
	int	m, c;

	sum->arrivals += f->arrivals;
	sum->welcomed += f->welcomed;
	for (c = 0; c < FIGURES_NCHANNELS; c++)
		sum->welcomed_by[c] += f->welcomed_by[c];
	sum->candidates += f->candidates;
	sum->departures += f->departures;
	sum->optouts += f->optouts;
	for (m = 0; m < FIGURES_NMESSAGES; m++) {
		for (c = 0; c < FIGURES_NCHANNELS; c++)
			sum->sent[m][c] += f->sent[m][c];
	}
	sum->dead += f->dead;
	sum->followups_due += f->followups_due;
	sum->followups_done += f->followups_done;
	sum->followups_overdue += f->followups_overdue;
}

unsigned long
figures_sent(const struct figures *f, enum figures_message m)
{
	unsigned long	n = 0;
	int		c;

	if ((int)m < 0 || m >= FIGURES_NMESSAGES)
		return 0;
	for (c = 0; c < FIGURES_NCHANNELS; c++)
		n += f->sent[m][c];
	return n;
}

/* snprintf into out, -1 when it was cut. */
static int
figures_fit(char *out, size_t outlen, int n)
{
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
figures_key(char *out, size_t outlen, const char *prefix,
    const char *territory, const char *month)
{
	return figures_fit(out, outlen, snprintf(out, outlen, "%sfigures:%s:%s",
	    prefix, territory, month));
}

int
figures_open_key(char *out, size_t outlen, const char *prefix,
    const char *territory)
{
	return figures_fit(out, outlen, snprintf(out, outlen,
	    "%sfollowups-open:%s", prefix, territory));
}

int
figures_reasons_key(char *out, size_t outlen, const char *prefix)
{
	return figures_fit(out, outlen, snprintf(out, outlen, "%sdead:reasons",
	    prefix));
}

void
figures_overdue_max(int64_t now_ms, char *out, size_t outlen)
{
	snprintf(out, outlen, "%lld", (long long)(now_ms -
	    (int64_t)FIGURES_OVERDUE_DAYS * 86400000LL));
}

void
figures_month(const struct tz *tz, int64_t ms, char out[FIGURES_MONTH_SIZE])
{
	int64_t	y;
	int	m, d;

	tz_civil_from_days(tz_local_day(tz, ms), &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	/* "YYYY-MM" by hand: twice a delivery */
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '\0';
}

/* Year and month of "YYYY-MM", or -1. */
static int
figures_month_parse(const char *s, int *y, int *m)
{
	int	i;

	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return -1;
	for (i = 0; i < 7; i++) {
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return -1;
	}
	*y = atoi(s);
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	return *m >= 1 && *m <= 12 ? 0 : -1;
}

int
figures_month_valid(const char *s)
{
	int	y, m;

	return figures_month_parse(s, &y, &m) == 0;
}

int
figures_month_add(const char *ym, int delta, char out[FIGURES_MONTH_SIZE])
{
	int	y, m;
	long	k;

	if (figures_month_parse(ym, &y, &m) == -1)
		return -1;
	k = (long)y * 12 + (m - 1) + delta;
	if (k < 0 || k > 9999L * 12 + 11)
		return -1;
	snprintf(out, FIGURES_MONTH_SIZE, "%04ld-%02ld", k / 12, k % 12 + 1);
	return 0;
}

int
figures_month_span(const char *a, const char *b)
{
	int	ya, ma, yb, mb, n;

	if (figures_month_parse(a, &ya, &ma) == -1 ||
	    figures_month_parse(b, &yb, &mb) == -1)
		return 0;
	n = (yb * 12 + mb) - (ya * 12 + ma) + 1;
	return n > 0 ? n : 0;
}

void
figures_months(const struct tz *tz, int64_t now_ms, size_t n,
    char (*out)[FIGURES_MONTH_SIZE])
{
	char	last[FIGURES_MONTH_SIZE];
	size_t	i;

	figures_month(tz, now_ms, last);
	for (i = 0; i < n; i++) {
		if (figures_month_add(last, -(int)(n - 1 - i), out[i]) == -1)
			snprintf(out[i], FIGURES_MONTH_SIZE, "%s", last);
	}
}

int
figures_fiscal_year(const char *month, char from[FIGURES_MONTH_SIZE],
    char to[FIGURES_MONTH_SIZE])
{
	int	y, m;

	if (figures_month_parse(month, &y, &m) == -1)
		return -1;
	if (m < 4)
		y--;
	if (y < 0 || y > 9998)
		return -1;
	snprintf(from, FIGURES_MONTH_SIZE, "%04d-04", y);
	snprintf(to, FIGURES_MONTH_SIZE, "%04d-03", y + 1);
	return 0;
}

/* The reason classes: the table of figures.h, once for C. */
struct figures_reason {
	const char	*prefix;
	const char	*cls;
};
#define FIGURES_C_PAIR(prefix, cls)	{ prefix, cls },
static const struct figures_reason figures_reasons[] = {
	FIGURES_REASONS(FIGURES_C_PAIR)
};
#define FIGURES_NREASONS (sizeof figures_reasons / sizeof figures_reasons[0])

const char *
figures_reason_class(const char *reason)
{
	size_t	i, k;

	for (i = 0; reason != NULL && i < FIGURES_NREASONS; i++) {
		const char *p = figures_reasons[i].prefix;

		for (k = 0; p[k] != '\0' && reason[k] != '\0' &&
		    tolower((unsigned char)reason[k]) == p[k]; k++)
			;
		if (p[k] == '\0')
			return figures_reasons[i].cls;
	}
	return "other";
}

const char *
figures_reason_class_at(size_t i)
{
	size_t	k, j, n = 0;

	for (k = 0; k <= FIGURES_NREASONS; k++) {
		const char *c = k < FIGURES_NREASONS ?
		    figures_reasons[k].cls : "other";

		for (j = 0; j < k; j++) {
			if (strcmp(figures_reasons[j].cls, c) == 0)
				break;
		}
		if (j < k)
			continue;	/* seen already */
		if (n++ == i)
			return c;
	}
	return NULL;
}

void
figures_op(struct queue_args *ops, const struct tz *tz, int64_t at_ms,
    const char *territory, const char *template, const char *channel,
    int sent, int optout, const char *welcomed)
{
	char	month[FIGURES_MONTH_SIZE], key[FIGURES_TERRITORY_SIZE + 16];
	size_t	n;

	if (territory == NULL || *territory == '\0')
		return;
	figures_month(tz, at_ms, month);
	if ((n = buf_join(key, sizeof key, territory, ':', month)) >=
	    sizeof key)
		return;		/* no such territory id in a config */
	queue_args_add(ops, "F", 1);
	queue_args_add(ops, key, (size_t)n);
	queue_args_add(ops, template != NULL ? template : "-",
	    template != NULL ? strlen(template) : 1);
	queue_args_add(ops, channel != NULL ? channel : "",
	    channel != NULL ? strlen(channel) : 0);
	queue_args_add(ops, sent ? "s" : optout ? "o" : "d", 1);
	queue_args_add(ops, welcomed != NULL ? welcomed : "",
	    welcomed != NULL ? strlen(welcomed) : 0);
}

void
figures_delivery_op(struct queue_args *ops, const struct delivery *d,
    const char *type, int64_t at_ms)
{
	const struct plan_delivery	*pd = d->pd;

	if ((d->outcome != OUTCOME_SENT && d->outcome != OUTCOME_DEAD) ||
	    pd->terr == NULL)
		return;
	/* a newcomer's message on arrival welcomes them */
	figures_op(ops, pd->terr->tz, at_ms, pd->territory, pd->template,
	    pd->channel, d->outcome == OUTCOME_SENT, d->optout, type != NULL &&
	    strcmp(type, "newcomer.arrived") == 0 && strcmp(pd->role,
	    "newcomer") == 0 && pd->subject != NULL && *pd->subject != '\0' ?
	    pd->subject : NULL);
}
