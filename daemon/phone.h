/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Phone numbers: normalisation to E.164, North American Numbering Plan by default. */
#ifndef RELAIS_PHONE_H
#define RELAIS_PHONE_H

#include <stddef.h>

#define PHONE_E164_SIZE	17	/* "+", at most 15 digits, NUL */

/*
 * Writes in as E.164 ("+18195551234") into out. Spaces, hyphens, dots and
 * one pair of parentheses separate digits. Without a "+" the number must be
 * North American: 10 digits, or 11 with a leading 1; other countries must
 * be written with "+" (8 to 15 digits). North American area codes and
 * exchanges start with 2-9 and area codes are not N11. Returns -1 with a
 * reason in err (which never repeats the number) when in is not a number.
 */
int	phone_normalise(const char *in, char *out, size_t outsize,
	    char *err, size_t errlen);

/*
 * A number as people in Québec write it: North American numbers
 * ("+18195550131", "819-555-0131") as "819 555-0131", others in E.164;
 * in itself when it is no number. out holds PHONE_DISPLAY_SIZE bytes.
 */
#define PHONE_DISPLAY_SIZE	64
void	phone_display(const char *in, char *out, size_t outsize);

#endif
