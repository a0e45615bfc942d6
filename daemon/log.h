/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Logging to stderr: key=value lines, journald <N> priorities under systemd. */
#ifndef RELAIS_LOG_H
#define RELAIS_LOG_H

#include <stddef.h>

/* verbose: 0 info, 1 debug. Under systemd (JOURNAL_STREAM set) lines get <N>. */
void	log_init(const char *progname, int verbose);
/* --log-format=json: one JSON object per line, key=value pairs as fields. */
void	log_set_json(int);
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
