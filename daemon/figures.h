/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The programme's figures: counters kept in Redis as events flow, per
 * territory and per local month, and what reads them (relaisctl report,
 * the console's Overview). Nothing here scans people or deliveries.
 *
 * Keys (prefix configurable, "relais:" by default):
 *
 *   <prefix>figures:<territory>:<YYYY-MM>   hash, one per territory-month;
 *       the month is the territory's local month (its time zone, default
 *       America/Toronto), of relaisd's clock when the event was handled or
 *       the delivery's outcome written. Fields (absent = 0):
 *         arrivals             arrivals: the newcomer.arrived that registers
 *                              a person, and again the one after they
 *                              departed (a return counts as an arrival);
 *                              a repeat about a person registered, or a
 *                              move, does not count
 *         welcomed             people reached by a welcome on any channel,
 *                              once ever (a return welcomed again is not
 *                              counted again: arrivals 2, welcomed 1),
 *                              in the month of their first one
 *         welcomed:<channel>   the same per channel (email, sms)
 *         sent:<template>:<channel>
 *                              messages sent (welcome, arrival_notice =
 *                              counsellor notices, checkin,
 *                              followup_reminder, match_alert = employer
 *                              alerts and digests, or any other template a
 *                              route names)
 *         dead                 deliveries dead-lettered, each time: a
 *                              delivery replayed from the dead letters
 *                              that fails again counts again (failures,
 *                              not messages or people)
 *         dead:<template>:<channel>
 *                              the same per message
 *         candidates           candidates announced to employers (each
 *                              (employer, person) pair once, ever),
 *                              counted when the pair is written to the
 *                              ledger (the commit of the event that names
 *                              them, the alert sent or not yet), in the
 *                              posting's territory and month
 *         followups_due        follow-ups that fell due, once per person
 *                              and kind (a replayed or repeated
 *                              followup.due adds nothing)
 *         followups_done       follow-ups marked done, once per person and
 *                              kind
 *         departures           departures (the newcomer.departed that made
 *                              a person leave, kept as departed_by on their
 *                              record; again after a return)
 *         optouts              opt-outs a provider reported on a send:
 *                              addresses (a person with email and phone may
 *                              count twice), not people; opt-outs by the
 *                              unsubscribe link or a STOP reply are not in it
 *   Written by the commit script (queue_lua.c: its F op, one per delivery
 *   sent or dead; the handlers' effects "stat" and "announce").
 *
 *   Counted once per fact, whatever runs an event again (relaisd killed
 *   between the state script and the commit, a dead letter replayed, a
 *   duplicate): the state functions answer the same for the same event,
 *   and the guard is in the commit, atomic with the count, on the person's
 *   record (gone with it on forget or retention; never recreated):
 *     welcomed, welcomed_<channel>   the month of their first welcome
 *                                    (set when absent): a person counts once
 *     n:arrivals, n:departures       the event id last counted
 *     n:done:<kind>                  the done record counted
 *     n:due:<kind>                   "1": counted
 *   A message sent is counted with its sent marker, in the same script:
 *   the early marker of a delivery answered while others of its event are
 *   out (delivery.c) carries its F op, and the event's commit, finding
 *   the marker (SET ... GET), does not count it again.
 *   A fact counted by a relaisd older than these guards has none: an
 *   arrival or departure of then, replayed now, counts once more.
 *
 *   <prefix>followups-open:<territory>      sorted set, the follow-ups
 *       reminded to a counsellor and not done yet: member
 *       "<kind>:<person id>", score when it was first reminded (ms; a
 *       replay keeps it). A member is in the set of the person's territory
 *       now: it moves with them (arrival state, score kept). Removed when
 *       the follow-up is done, the person departs or is forgotten (forget
 *       walks every territory's set); one whose person is gone (retention)
 *       is dropped by a later reminder (two members checked at random).
 *       Overdue (a live figure, not a month's): ZCOUNT key -inf
 *       (now - FIGURES_OVERDUE_DAYS days).
 *
 *   <prefix>dead:reasons                     hash, reason class -> dead
 *       letters held now with it (every letter of the dead stream, not
 *       the last 1,000). Each letter written since the count began carries
 *       its class in its field "class" and is counted: incremented where
 *       letters are written (commit and tick scripts), decremented where a
 *       letter WITH a class leaves: retention (tick), replay and drop
 *       (dead_lua.c), forget; HDEL the field when it falls to 0. A letter
 *       without "class" (older) was never counted: leave the hash alone.
 *
 *   <prefix>stats:<YYYY-MM>                  the old UTC-month hash
 *       "<territory>:<figure>" (arrivals, followups_due, followups_done,
 *       departures, employer_alerts); still written, for whoever reads it,
 *       no longer read by relaisctl report.
 *
 * Reading: HGETALL of each figures key wanted (pipelined), then
 * figures_decode; the overdue count from ZCOUNT. A struct figures is plain
 * data owned by its caller, no allocation inside.
 */
#ifndef RELAIS_FIGURES_H
#define RELAIS_FIGURES_H

#include <stddef.h>
#include <stdint.h>

struct redisReply;
struct tz;

/* A follow-up reminded this long ago and not done is overdue. */
#define FIGURES_OVERDUE_DAYS	14
/* "YYYY-MM" and its NUL. */
#define FIGURES_MONTH_SIZE	8
/* The longest territory id figures keep; longer ones are cut. */
#define FIGURES_TERRITORY_SIZE	64
/* Longest reason class, NUL included. */
#define FIGURES_CLASS_SIZE	24

enum figures_channel {
	FIGURES_EMAIL,
	FIGURES_SMS,
	FIGURES_NCHANNELS
};

/* The messages counted apart; any other template goes to OTHER. */
enum figures_message {
	FIGURES_WELCOME,		/* welcome */
	FIGURES_NOTICE,			/* arrival_notice: counsellor notices */
	FIGURES_CHECKIN,		/* checkin */
	FIGURES_REMINDER,		/* followup_reminder */
	FIGURES_ALERT,			/* match_alert: employer alerts */
	FIGURES_OTHER,
	FIGURES_NMESSAGES
};

/* One territory's figures for one month. */
struct figures {
	char		territory[FIGURES_TERRITORY_SIZE];
	char		month[FIGURES_MONTH_SIZE];
	/* people */
	unsigned long	arrivals;
	unsigned long	welcomed;
	unsigned long	welcomed_by[FIGURES_NCHANNELS];
	unsigned long	candidates;
	unsigned long	departures;
	unsigned long	optouts;
	/* messages */
	unsigned long	sent[FIGURES_NMESSAGES][FIGURES_NCHANNELS];
	unsigned long	dead;
	/* follow-ups */
	unsigned long	followups_due;
	unsigned long	followups_done;
	/*
	 * Live, today's (not the month's): filled by the reader from
	 * followups-open's ZCOUNT, 0 otherwise.
	 */
	unsigned long	followups_overdue;
};

/* What a figure counts, so that people and messages are shown apart. */
enum figures_unit {
	FIGURES_PEOPLE,
	FIGURES_MESSAGES,
	FIGURES_FOLLOWUPS
};

/*
 * One figure as reports and pages show it: a stable id (CSV header, HTML
 * ids), its unit, its labels in French and English.
 */
struct figures_def {
	const char		*id;
	enum figures_unit	 unit;
	const char		*fr;
	const char		*en;
};

/*
 * The figures shown, in display order (people, then messages, then
 * follow-ups): NULL past the end.
 */
const struct figures_def *figures_def_at(size_t i);
/* How many there are. */
size_t		 figures_ndefs(void);
/* The value of the i-th figure in f (0 past the end). */
unsigned long	 figures_value(const struct figures *, size_t i);
/* The label of d in lang ("fr", else English). */
const char	*figures_label(const struct figures_def *d, const char *lang);

/* Zeroes f and names it. */
void		 figures_init(struct figures *, const char *territory,
		    const char *month);
/* Counts one field of a figures hash into f; unknown fields are ignored. */
void		 figures_field(struct figures *, const char *name,
		    const char *value);
/*
 * Adds an HGETALL reply of a figures hash into f (f keeps its name).
 * 0, or -1 when reply is NULL or not an array (f unchanged); an empty
 * array (no such key) is 0 with nothing added. Works with replies of the
 * sync (relaisctl) and async (relaisd) hiredis APIs alike.
 */
int		 figures_decode(struct figures *, const struct redisReply *);
/* f's counts added into sum (a total row); sum keeps its name. */
void		 figures_sum(struct figures *sum, const struct figures *f);
/* Messages sent of kind m, every channel. */
unsigned long	 figures_sent(const struct figures *, enum figures_message);
/* The kind of message a template name is counted as. */
enum figures_message figures_message_of(const char *template);

/*
 * Key names, written into out (outlen bytes); -1 when they do not fit
 * (nothing to read then), else 0.
 */
int		 figures_key(char *out, size_t outlen, const char *prefix,
		    const char *territory, const char *month);
int		 figures_open_key(char *out, size_t outlen, const char *prefix,
		    const char *territory);
int		 figures_reasons_key(char *out, size_t outlen,
		    const char *prefix);
/* The ZCOUNT max for overdue follow-ups at now (ms), as text. */
void		 figures_overdue_max(int64_t now_ms, char *out, size_t outlen);

/* Months ("YYYY-MM"). */
/* The local month of the UTC instant ms in tz (NULL: UTC). */
void		 figures_month(const struct tz *, int64_t ms,
		    char out[FIGURES_MONTH_SIZE]);
/* 1 when s is "YYYY-MM" with a month 01..12, else 0. */
int		 figures_month_valid(const char *s);
/* ym moved by delta months (-1: the month before); -1 if ym is invalid. */
int		 figures_month_add(const char *ym, int delta,
		    char out[FIGURES_MONTH_SIZE]);
/* Months from a to b inclusive (0 when b is before a or either invalid). */
int		 figures_month_span(const char *a, const char *b);
/*
 * The n local months up to and including the one of now (ms) in tz,
 * oldest first, into out[0..n-1].
 */
void		 figures_months(const struct tz *, int64_t now_ms, size_t n,
		    char (*out)[FIGURES_MONTH_SIZE]);
/*
 * The fiscal year (April to March) that month falls in: its first and last
 * months ("2026-04", "2027-03"); -1 if month is invalid.
 */
int		 figures_fiscal_year(const char *month,
		    char from[FIGURES_MONTH_SIZE], char to[FIGURES_MONTH_SIZE]);

/*
 * Dead letters' reason classes: a short stable token derived from the
 * start of the reason, matched without regard to case, first match wins;
 * "other" when none does. One table, X(prefix, class), for C and Lua alike
 * (prefixes: lower case, no quote or backslash). "rejected" is a
 * provider's permanent refusal ("HTTP 400: ...", "SMTP 550 ...", "twilio
 * 21211: ..."); "gave_up" a delivery that kept failing.
 */
#define FIGURES_REASONS(X) \
	X("unknown event type", "unknown_type") \
	X("unknown territory", "unknown_territory") \
	X("unknown municipality", "unknown_territory") \
	X("poison message", "poison") \
	X("stream entry has no", "unreadable") \
	X("unreadable", "unreadable") \
	X("state function", "state") \
	X("invalid email", "invalid_address") \
	X("invalid phone", "invalid_address") \
	X("no route", "no_route") \
	X("territory ", "no_sender") \
	X("sms ", "sms") \
	X("window ", "window") \
	X("opted out", "opted_out") \
	X("gave up", "gave_up") \
	X("gateway kept asking", "gave_up") \
	X("transport:", "transport") \
	X("http ", "rejected") \
	X("smtp ", "rejected") \
	X("twilio ", "rejected") \
	X("template ", "template") \
	X("no email template", "template") \
	X("no sms template", "template") \
	X("missing ", "invalid_event") \
	X("data.", "invalid_event") \
	X("data_base64", "invalid_event") \
	X("attribute ", "invalid_event") \
	X("extension attribute", "invalid_event") \
	X("invalid ", "invalid_event") \
	X("event ", "invalid_event") \
	X("json ", "invalid_event") \
	X("duplicate key", "invalid_event") \
	X("string contains", "invalid_event")

/* The class of a dead letter's reason (NULL: "other"); a static string. */
const char	*figures_reason_class(const char *reason);
/* The classes, each once, in a fixed order, NULL past the end (filters). */
const char	*figures_reason_class_at(size_t i);

/*
 * Lua defining "local function reason_class(r)", the same rules as
 * figures_reason_class, for scripts that write or remove dead letters
 * (a letter this version wrote has its class in its field "class"):
 *   redis.call('HINCRBY', p .. 'dead:reasons', reason_class(r), 1)
 * As a macro, to be joined to a script's text at compile time; also as
 * figures_reason_lua. The rules' table is made at the first call, not in
 * the prologue every script run pays (2 of the empty commit script's
 * 7.6 us): most commits write no dead letter.
 */
#define FIGURES_LUA_PAIR(prefix, cls)	"{'" prefix "','" cls "'},"
#define FIGURES_REASON_LUA \
"local reason_classes\n" \
"local function reason_class(r)\n" \
"  reason_classes = reason_classes or {" FIGURES_REASONS(FIGURES_LUA_PAIR) "}\n" \
"  local s = string.lower(tostring(r or ''))\n" \
"  for _, e in ipairs(reason_classes) do\n" \
"    if string.sub(s, 1, #e[1]) == e[1] then return e[2] end\n" \
"  end\n" \
"  return 'other'\n" \
"end\n"
extern const char	figures_reason_lua[];

/*
 * The commit script's F op (queue_lua.c) for one delivery's outcome:
 * appended to ops when the delivery was sent or dead-lettered and has a
 * territory. welcomed: the person id when the message is a newcomer's
 * welcome (people reached are counted from it), else NULL. optout: the
 * provider reported an opt-out.
 */
struct queue_args;
void		 figures_op(struct queue_args *, const struct tz *,
		    int64_t at_ms, const char *territory,
		    const char *template, const char *channel, int sent,
		    int optout, const char *welcomed);
/*
 * figures_op for delivery d of an event of type, at at_ms: when it was
 * sent or dead-lettered and has a territory. Written after its S op (a
 * sent one), it counts only if that S op found no marker: a delivery
 * marked sent early (with its figures, delivery.c) is not counted again
 * by its event's commit, nor when a crash leaves it "already sent".
 */
struct delivery;
void		 figures_delivery_op(struct queue_args *,
		    const struct delivery *, const char *type, int64_t at_ms);

#endif
