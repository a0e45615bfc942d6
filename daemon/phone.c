/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Phone numbers to E.164: separators stripped, NANP checked, other countries only with "+". */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "phone.h"

#define PHONE_DIGITS_MAX	15	/* E.164 */
#define PHONE_DIGITS_MIN	8
#define PHONE_NANP_DIGITS	10	/* area code, exchange, line */

struct phone_digits {
	char	d[PHONE_DIGITS_MAX + 1];
	size_t	n;			/* digits seen; may exceed the buffer */
	int	plus;
};

/*
 * Bytes of a separator at s, 0 if none. No-break spaces are accepted
 * because French typography puts them inside numbers (U+00A0, U+202F).
 */
static size_t
phone_separator(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '-' || *s == '.')
		return 1;
	if (strncmp(s, "\xc2\xa0", 2) == 0)
		return 2;
	if (strncmp(s, "\xe2\x80\xaf", 3) == 0)
		return 3;
	return 0;
}

/* Collects the digits of s into pd; -1 with a reason on any other content. */
static int
phone_scan(const char *s, struct phone_digits *pd, char *err, size_t errlen)
{
	size_t	sep, paren_at = 0;
	int	open = 0, closed = 0;

	memset(pd, 0, sizeof *pd);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+') {
		pd->plus = 1;
		s++;
	}
	while (*s != '\0') {
		if (*s >= '0' && *s <= '9') {
			if (pd->n < PHONE_DIGITS_MAX)
				pd->d[pd->n] = *s;
			pd->n++;
			s++;
		} else if ((sep = phone_separator(s)) > 0)
			s += sep;
		else if (*s == '(' && !open && !closed) {
			open = 1;
			paren_at = pd->n;
			s++;
		} else if (*s == ')' && open) {
			/* "+33 (0)1 ...": the 0 is dialled only at home. */
			if (pd->plus && pd->n == paren_at + 1 &&
			    paren_at < PHONE_DIGITS_MAX &&
			    pd->d[paren_at] == '0') {
				snprintf(err, errlen, "(0) is a national trunk "
				    "prefix: leave it out after +");
				return -1;
			}
			open = 0;
			closed = 1;
			s++;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
			snprintf(err, errlen, "letters in a phone number");
			return -1;
		} else if (*s == '+') {
			snprintf(err, errlen, "'+' is allowed only at the start");
			return -1;
		} else if (*s == '(' || *s == ')') {
			snprintf(err, errlen, "unbalanced or repeated parentheses");
			return -1;
		} else {
			snprintf(err, errlen, "unexpected character 0x%02x",
			    (unsigned char)*s);
			return -1;
		}
	}
	if (open) {
		snprintf(err, errlen, "unbalanced or repeated parentheses");
		return -1;
	}
	if (pd->n == 0) {
		snprintf(err, errlen, "no digits");
		return -1;
	}
	if (pd->n > PHONE_DIGITS_MAX) {
		snprintf(err, errlen, "too long: %zu digits, E.164 allows %d",
		    pd->n, PHONE_DIGITS_MAX);
		return -1;
	}
	pd->d[pd->n] = '\0';
	return 0;
}

/* Checks the 10 digits after the country code 1: NXX-NXX-XXXX, area code not N11. */
static int
phone_nanp(const char *d, char *err, size_t errlen)
{
	if (d[0] == '0' || d[0] == '1') {
		snprintf(err, errlen, "area code starts with %c", d[0]);
		return -1;
	}
	if (d[1] == '1' && d[2] == '1') {
		snprintf(err, errlen, "area code %.3s is an N11 service code", d);
		return -1;
	}
	if (d[3] == '0' || d[3] == '1') {
		snprintf(err, errlen, "exchange starts with %c", d[3]);
		return -1;
	}
	return 0;
}

/* The national digits after "+1" or a leading 1: exactly 10, then NANP rules. */
static int
phone_after_one(const struct phone_digits *pd, char *err, size_t errlen)
{
	if (pd->n - 1 != PHONE_NANP_DIGITS) {
		snprintf(err, errlen, "%s1 must be followed by exactly %d digits, "
		    "not %zu", pd->plus ? "+" : "a leading ", PHONE_NANP_DIGITS,
		    pd->n - 1);
		return -1;
	}
	return phone_nanp(pd->d + 1, err, errlen);
}

int
phone_normalise(const char *in, char *out, size_t outsize, char *err,
    size_t errlen)
{
	struct phone_digits	pd;
	const char		*cc = "";
	size_t			 n;

	if (outsize > 0)
		out[0] = '\0';
	if (phone_scan(in, &pd, err, errlen) == -1)
		return -1;
	if (pd.plus) {
		if (pd.d[0] == '0') {
			snprintf(err, errlen, "country code starts with 0");
			return -1;
		}
		if (pd.d[0] == '1') {
			if (phone_after_one(&pd, err, errlen) == -1)
				return -1;
		} else if (pd.n < PHONE_DIGITS_MIN) {
			snprintf(err, errlen, "too short: %zu digits after +, "
			    "at least %d", pd.n, PHONE_DIGITS_MIN);
			return -1;
		}
	} else if (strncmp(pd.d, "011", 3) == 0) {
		snprintf(err, errlen, "write international numbers with + "
		    "instead of 011");
		return -1;
	} else if (pd.d[0] == '1') {
		if (phone_after_one(&pd, err, errlen) == -1)
			return -1;
	} else if (pd.n != PHONE_NANP_DIGITS) {
		snprintf(err, errlen, "too %s: %zu digits; a North American "
		    "number has %d (other countries: write +)",
		    pd.n < PHONE_NANP_DIGITS ? "short" : "long", pd.n,
		    PHONE_NANP_DIGITS);
		return -1;
	} else {
		if (phone_nanp(pd.d, err, errlen) == -1)
			return -1;
		cc = "1";
	}
	/* Why 2: the "+" and the NUL around the digits. */
	if (outsize < strlen(cc) + pd.n + 2) {
		snprintf(err, errlen, "output buffer too small");
		return -1;
	}
	/* by hand, not snprintf: every SMS and every arrival with a phone */
	n = strlen(cc);
	out[0] = '+';
	memcpy(out + 1, cc, n);
	memcpy(out + 1 + n, pd.d, pd.n);
	out[1 + n + pd.n] = '\0';
	return 0;
}

void
phone_display(const char *in, char *out, size_t outsize)
{
	char	e164[PHONE_E164_SIZE], why[128], nanp[13];

	if (phone_normalise(in, e164, sizeof e164, why, sizeof why) == -1)
		(void)buf_copy(out, outsize, in);
	else if (strncmp(e164, "+1", 2) == 0 && strlen(e164) == 12) {
		/* "AAA BBB-CCCC", as "%.3s %.3s-%.4s" wrote it */
		memcpy(nanp, e164 + 2, 3);
		nanp[3] = ' ';
		memcpy(nanp + 4, e164 + 5, 3);
		nanp[7] = '-';
		memcpy(nanp + 8, e164 + 8, 5);
		(void)buf_copy(out, outsize, nanp);
	} else
		(void)buf_copy(out, outsize, e164);
}
