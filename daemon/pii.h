/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Finding a person in raw bytes (Law 25: relaisctl forget and export).
 *
 * A byte search, not a parse: a dead letter that is not JSON, not UTF-8,
 * or carries the person id as a number is found like any other. A person
 * is their id, their email addresses and their phone numbers:
 *   id     the value of an "id" key, quoted ("id":"p-1") or bare
 *          ("id":1234), as a whole token ("p-1" is not "p-10"), except the
 *          envelope's own id and those of objects that are someone else
 *          (job, employer, contact, counsellor, followup) when the bytes
 *          are well-formed enough to tell;
 *   email  anywhere, ignoring ASCII case, not inside a longer address;
 *   phone  its E.164 digits, and for North American numbers the ten
 *          national digits, written with any of the usual separators
 *          (spaces, no-break spaces, "-", ".", "/", parentheses) and not
 *          inside a longer run of digits.
 *
 * Ownership: struct pii owns copies of what it searches for. Nothing here
 * talks to Redis: ctl/forget_walk.c walks the keys and asks pii_match().
 */
#ifndef RELAIS_PII_H
#define RELAIS_PII_H

#include <stddef.h>

#define PII_ID		0x1	/* pii_match(): the id was found */
#define PII_EMAIL	0x2	/* an email address */
#define PII_PHONE	0x4	/* a phone number */

#define PII_ID_MAX	128	/* bytes of a person id (as the handlers) */
#define PII_ADDR_MAX	4	/* email addresses, and phone numbers, each */

struct pii;

/* Searches for the person id (1 to PII_ID_MAX bytes); NULL otherwise. */
struct pii	*pii_new(const char *id);
void		 pii_free(struct pii *);
/*
 * Adds an email address (lower-cased) or a phone number (normalised to
 * E.164 as relaisd does). An address already there is not added twice.
 * -1 with a reason in err when it is not one, or there are too many.
 */
int		 pii_add_email(struct pii *, const char *, char *err,
		    size_t errlen);
int		 pii_add_phone(struct pii *, const char *, char *err,
		    size_t errlen);

const char	*pii_id(const struct pii *);
size_t		 pii_nemails(const struct pii *);
const char	*pii_email(const struct pii *, size_t);
size_t		 pii_nphones(const struct pii *);
const char	*pii_phone(const struct pii *, size_t);	/* E.164 */

/* What of the person the bytes hold: PII_* bits, 0 for nothing. */
int		 pii_match(const struct pii *, const void *, size_t);

/*
 * The event id of an event's bytes (the string "id" of the outermost
 * object), read as loosely as pii_match() reads: 0, or -1 when there is
 * none or it does not fit in out.
 */
int		 pii_event_id(const void *, size_t, char *out, size_t outlen);

#endif
