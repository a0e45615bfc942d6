/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* SMS length: GSM-7 or UCS-2, septets or UTF-16 units, and segments, as carriers count them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sms.h"
#include "utf8.h"

/* Running total of one encoding, packed greedily into parts. */
struct sms_pack {
	size_t	units;
	size_t	parts;
	size_t	fill;		/* units in the current part */
};

/*
 * Characters of the GSM-7 default alphabet above U+007F (3GPP TS 23.038
 * 6.2.1), sorted. 0x09 is CAPITAL C with cedilla: small ç is not GSM-7 and
 * must make the text UCS-2, as Twilio does.
 */
static const uint16_t sms_gsm7_high[] = {
	0x00a1, 0x00a3, 0x00a4, 0x00a5, 0x00a7, 0x00bf,		/* ¡ £ ¤ ¥ § ¿ */
	0x00c4, 0x00c5, 0x00c6, 0x00c7, 0x00c9, 0x00d1,		/* Ä Å Æ Ç É Ñ */
	0x00d6, 0x00d8, 0x00dc, 0x00df,				/* Ö Ø Ü ß */
	0x00e0, 0x00e4, 0x00e5, 0x00e6, 0x00e8, 0x00e9,		/* à ä å æ è é */
	0x00ec, 0x00f1, 0x00f2, 0x00f6, 0x00f8, 0x00f9,		/* ì ñ ò ö ø ù */
	0x00fc,							/* ü */
	0x0393, 0x0394, 0x0398, 0x039b, 0x039e, 0x03a0,		/* Γ Δ Θ Λ Ξ Π */
	0x03a3, 0x03a6, 0x03a8, 0x03a9,				/* Σ Φ Ψ Ω */
};

/* Septets of cp in GSM-7: 1, 2 (escape + extension table), 0 when absent. */
static int
sms_gsm7_septets(uint32_t cp)
{
	size_t	i;

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == '\f' || cp == 0x20ac)		/* form feed, euro sign */
		return 2;
	if (cp < 0x20 || cp == '`' || cp == 0x7f)
		return 0;
	if (cp < 0x7f)
		return strchr("[\\]^{|}~", (int)cp) != NULL ? 2 : 1;
	for (i = 0; i < sizeof sms_gsm7_high / sizeof *sms_gsm7_high; i++) {
		if (sms_gsm7_high[i] == cp)
			return 1;
		if (sms_gsm7_high[i] > cp)
			break;
	}
	return 0;
}

/*
 * Why greedy rather than units / part: an escape and its extension
 * character (or a surrogate pair) travel in the same part, so a part that
 * has one unit left closes early and the pair opens the next one.
 */
static void
sms_pack_add(struct sms_pack *p, size_t width, size_t part)
{
	p->units += width;
	if (p->fill + width > part) {
		p->parts++;
		p->fill = width;
	} else
		p->fill += width;
}

static size_t
sms_pack_segments(const struct sms_pack *p, size_t single)
{
	return p->units <= single ? 1 : p->parts;
}

int
sms_measure(const char *text, size_t len, struct sms_length *out)
{
	struct sms_pack		 gsm = { 0, 1, 0 }, ucs = { 0, 1, 0 };
	size_t			 pos, n;
	uint32_t		 cp;
	int			 septets, is_gsm = 1;

	memset(out, 0, sizeof *out);
	for (pos = 0; pos < len; pos += n) {
		if ((n = utf8_decode(text + pos, len - pos, &cp)) == 0)
			return -1;
		sms_pack_add(&ucs, cp > 0xffff ? 2 : 1, SMS_UCS2_PART);
		if (!is_gsm)
			continue;
		if ((septets = sms_gsm7_septets(cp)) == 0)
			is_gsm = 0;
		else
			sms_pack_add(&gsm, (size_t)septets, SMS_GSM7_PART);
	}
	if (is_gsm) {
		out->encoding = SMS_GSM7;
		out->units = gsm.units;
		out->segments = sms_pack_segments(&gsm, SMS_GSM7_SINGLE);
	} else {
		out->encoding = SMS_UCS2;
		out->units = ucs.units;
		out->segments = sms_pack_segments(&ucs, SMS_UCS2_SINGLE);
	}
	return 0;
}

const char *
sms_encoding_name(enum sms_encoding enc)
{
	switch (enc) {
	case SMS_GSM7:
		return "gsm7";
	case SMS_UCS2:
		return "ucs2";
	}
	return "unknown";
}
