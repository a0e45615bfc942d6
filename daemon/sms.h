/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* SMS length: the encoding carriers pick (GSM-7 or UCS-2), its units and the segments billed. */
#ifndef RELAIS_SMS_H
#define RELAIS_SMS_H

#include <stddef.h>

/*
 * Units per segment. A concatenated message spends 6 octets of each part on
 * the User Data Header, hence 153 septets or 67 UTF-16 units per part.
 */
#define SMS_GSM7_SINGLE	160
#define SMS_GSM7_PART	153
#define SMS_UCS2_SINGLE	70
#define SMS_UCS2_PART	67

enum sms_encoding {
	SMS_GSM7,	/* 3GPP TS 23.038 default alphabet + extension table */
	SMS_UCS2,	/* UTF-16 units, as gateways send non-GSM text */
};

struct sms_length {
	enum sms_encoding	encoding;
	size_t			units;		/* septets (GSM-7) or UTF-16 units */
	size_t			segments;	/* messages billed; 1 for "" */
};

/*
 * Measures len bytes of UTF-8 text as a carrier would send it, without
 * transliterating anything: one character outside GSM-7 makes the whole
 * text UCS-2. Extension characters (€ [ ] { } \ ^ ~ | and form feed) count
 * 2 septets, characters outside the BMP 2 UTF-16 units, and neither pair is
 * split across two parts. Returns -1 on invalid UTF-8, with *out zeroed.
 */
int		 sms_measure(const char *text, size_t len, struct sms_length *out);

/* "gsm7" or "ucs2", for logs and delivery records. */
const char	*sms_encoding_name(enum sms_encoding);

#endif
