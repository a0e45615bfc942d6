/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Twilio webhooks: X-Twilio-Signature, form bodies, opt-out keywords.
 *
 * Plain functions, no I/O. A twhook_form owns a decoded copy of the body it
 * parsed; the names and values it hands out live until twhook_form_free().
 */
#ifndef RELAIS_TWHOOK_H
#define RELAIS_TWHOOK_H

#include <stddef.h>

#define TWHOOK_SIG_LEN		28	/* base64 of a 20-byte HMAC-SHA1 */
#define TWHOOK_SIG_SIZE		(TWHOOK_SIG_LEN + 1)
/* 1600 UCS-2 characters at 9 bytes each once %-encoded, and the rest */
#define TWHOOK_MAX_BODY		16384
#define TWHOOK_MAX_PARAMS	128

struct twhook_param {
	const char	*name;
	const char	*value;
};

struct twhook_form;

enum twhook_keyword {
	TWHOOK_NONE,
	TWHOOK_OPTOUT,
	TWHOOK_OPTIN,
	TWHOOK_HELP
};

/*
 * Writes base64(HMAC-SHA1(auth_token, url + name1 value1 name2 value2 ...))
 * into out, the parameters sorted by name then value, byte-wise, without
 * separators (Twilio's algorithm; params need not be sorted). Returns 0, or
 * -1 when outlen is under TWHOOK_SIG_SIZE or libcrypto fails.
 */
int	twhook_signature(const char *auth_token, const char *url,
	    const struct twhook_param *params, size_t n, char *out,
	    size_t outlen);

/*
 * Checks signature (from the X-Twilio-Signature header, untrusted, may be
 * NULL) in constant time. Returns 0 when it is the one Twilio would make,
 * -1 otherwise.
 */
int	twhook_verify(const char *auth_token, const char *url,
	    const struct twhook_param *params, size_t n, const char *signature);

/*
 * Parses an application/x-www-form-urlencoded body of len bytes: pairs
 * split on '&', '+' is a space, %XX decoded. Refuses (NULL, reason in err)
 * a body over TWHOOK_MAX_BODY, more than TWHOOK_MAX_PARAMS pairs, an empty
 * name, a bad or truncated escape, and NUL (raw or %00).
 */
struct twhook_form	*twhook_form_parse(const char *body, size_t len,
			    char *err, size_t errlen);
/* The pairs in body order; *n gets their count. */
const struct twhook_param *twhook_form_params(const struct twhook_form *,
			    size_t *n);
/* The value of the first pair named name, or NULL. */
const char		*twhook_form_get(const struct twhook_form *,
			    const char *name);
void			 twhook_form_free(struct twhook_form *);

/*
 * Classifies an inbound SMS body: one word, surrounding white space
 * ignored, case and accents ignored (NFC or combining marks). Opt-out:
 * STOP STOPALL UNSUBSCRIBE CANCEL END QUIT REVOKE OPTOUT ARRET ARRETE
 * ARRETER DESABONNER; opt-in: START YES UNSTOP; help: HELP INFO AIDE.
 * Anything else, "stop please" included, is TWHOOK_NONE.
 */
enum twhook_keyword	 twhook_keyword(const char *body);
/* "none", "optout", "optin" or "help", for logs. */
const char		*twhook_keyword_name(enum twhook_keyword);

#endif
