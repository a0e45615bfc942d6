/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Logging: one line per call, as key=value text, JSON, or journald fields.
 *
 * Levels say what the operator must do (syslog priorities, <syslog.h>):
 *   LOG_ERR      relaisd cannot do its job: Redis unreachable or refusing,
 *                a configuration refused, an internal call failing.
 *   LOG_WARNING  a message not delivered (dead-lettered), an event dead-
 *                lettered, a gateway failing (its breaker opening), a
 *                setting not honoured: look at it, relaisd goes on.
 *   LOG_INFO     the normal course: start, stop, reload, a delivery sent,
 *                skipped or scheduled for a retry, a breaker closing.
 *   LOG_DEBUG    noise useful while writing templates or chasing a bug (a
 *                template variable missing, each admin request); -v only.
 * fatal() and fatalx() log at LOG_CRIT and exit 1: start-up only.
 *
 * Output, chosen once by log_init() and log_set_json():
 *   text     "relaisd: key=value ..." on stderr ("<N>" instead of the
 *            name when stderr is a journald stream without the socket);
 *   json     {"time":RFC 3339,"level":..,"prog":..,"msg":..,fields...};
 *   journald when $JOURNAL_STREAM names stderr (systemd.exec(5)), each
 *            line is one datagram of the native protocol: MESSAGE= (the
 *            text or JSON line), PRIORITY=, SYSLOG_IDENTIFIER=, and every
 *            field upper-cased (type is EVENT_TYPE, event EVENT_ID), so
 *            that "journalctl OUTCOME=dead" works. $RELAIS_JOURNAL_SOCKET
 *            replaces /run/systemd/journal/socket (tests only).
 *
 * Structured lines: log_kv(LOG_WARNING, "msg or NULL", LOG_STR("k", s),
 * LOG_INT("n", 3)). Nothing is evaluated or formatted when the level is
 * filtered out. printf-style lines (log_info(...)) still work: in JSON and
 * journald their trailing key=value pairs become string fields, the free
 * text before them "msg".
 */
#ifndef RELAIS_LOG_H
#define RELAIS_LOG_H

#include <stddef.h>
#include <syslog.h>

/* verbose: 0 info, 1 debug. Reads $JOURNAL_STREAM (see above). */
void	log_init(const char *progname, int verbose);
/* --log-format=json: one JSON object per line. */
void	log_set_json(int);
/* Whether lines go to journald's socket (stderr is the journal's stream). */
int	log_journald(void);
/*
 * Between log_hold() and log_release() (nested: the outermost release)
 * the lines this thread logs are kept and written together, a commit's
 * outcomes: on stderr one write(2) for the batch, to journald one
 * sendmmsg(2) of their datagrams (each line still its own entry) instead
 * of one call a line. A line at LOG_ERR or worse writes what is held
 * first, then itself; fatal() and exit() write what the exiting thread
 * holds. Other threads' lines go out at once, meanwhile.
 */
void	log_hold(void);
void	log_release(void);
/* The lowest priority written (LOG_INFO or LOG_DEBUG): for log_kv(). */
extern int	log_max_prio;

enum log_type {
	LOG_T_STR,	/* as it is when plain, else quoted and escaped */
	LOG_T_TEXT,	/* free text: always quoted in key=value */
	LOG_T_VAL,	/* already fit for key=value (log_value(), log_escape()
			   between quotes): unquoted for JSON and journald */
	LOG_T_INT,	/* a number: a JSON number */
};

/* One field of a structured line; a NULL string leaves the field out. */
struct log_field {
	const char	*key;		/* [a-z0-9_]+ */
	enum log_type	 type;
	const char	*s;
	long long	 i;
};

#define LOG_STR(k, v)	{ (k), LOG_T_STR, (v), 0 }
#define LOG_TEXT(k, v)	{ (k), LOG_T_TEXT, (v), 0 }
#define LOG_VAL(k, v)	{ (k), LOG_T_VAL, (v), 0 }
#define LOG_INT(k, v)	{ (k), LOG_T_INT, "", (long long)(v) }

#define log_kv(prio, msg, ...) do {					\
	int	log_kv_p = (prio);					\
									\
	if (log_kv_p <= log_max_prio) {					\
		const struct log_field	log_kv_f[] = { __VA_ARGS__ };	\
		log_fields(log_kv_p, (msg), log_kv_f,			\
		    sizeof log_kv_f / sizeof log_kv_f[0]);		\
	}								\
} while (0)

/* log_kv()'s work, once the level passed. */
void	log_fields(int prio, const char *msg, const struct log_field *,
	    size_t);

void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Masks an address for logs: "a***@example.org", "+***1234".
 * Writes into out (always NUL-terminated) and returns it.
 */
char	*log_mask(const char *addr, char *out, size_t outlen);

/*
 * Masks, in place, what looks like a phone number (7 digits or more, with
 * the usual separators) or an email address in free text from outside (a
 * provider's error message): "+1 819 555-0123" becomes "***0123",
 * "ana@example.org" "a***@example.org". The text never grows.
 */
void	 log_mask_text(char *s);

/* Escapes a value for a key="value" log field: \" \\ and control bytes. */
char	*log_escape(const char *in, char *out, size_t outlen);
/*
 * A value from outside (an event id) for key=value: as it is when it holds
 * only letters, digits and ._:@+/-, otherwise quoted and escaped, so that it
 * can neither end the line nor pass for another key.
 */
char	*log_value(const char *in, char *out, size_t outlen);

#endif
