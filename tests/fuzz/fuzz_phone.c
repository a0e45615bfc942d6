/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for recipients: phone numbers, SMS length, address masking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "log.h"
#include "phone.h"
#include "sms.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Whether s holds a run of at least n digits. */
static int
fuzz_phone_digit_run(const char *s, size_t n)
{
	size_t	run = 0;

	for (; *s != '\0'; s++) {
		run = *s >= '0' && *s <= '9' ? run + 1 : 0;
		if (run >= n)
			return 1;
	}
	return 0;
}

/*
 * A number either normalises to E.164 (again to itself, NANP rules kept)
 * or is refused with a reason that does not repeat it; a short buffer is
 * refused, never overrun.
 */
static void
fuzz_phone_normalise(const char *in, size_t outsize)
{
	char	out[PHONE_E164_SIZE], again[PHONE_E164_SIZE], err[128];
	char	*small;
	size_t	n;

	err[0] = '\0';
	if (phone_normalise(in, out, sizeof out, err, sizeof err) == -1) {
		if (out[0] != '\0' || err[0] == '\0' ||
		    fuzz_phone_digit_run(err, 6))
			abort();
		return;
	}
	n = strlen(out);
	if (out[0] != '+' || n < 9 || n > 16 || out[1] == '0' ||
	    strspn(out + 1, "0123456789") != n - 1)
		abort();
	if (out[1] == '1' && (n != 12 || out[2] < '2' || out[5] < '2' ||
	    (out[3] == '1' && out[4] == '1')))
		abort();
	if (phone_normalise(out, again, sizeof again, err, sizeof err) == -1 ||
	    strcmp(out, again) != 0)
		abort();
	/* exactly outsize bytes, so that ASan sees a write past them */
	small = malloc(outsize > 0 ? outsize : 1);
	if (small == NULL)
		return;
	if (phone_normalise(in, small, outsize, err, sizeof err) == 0) {
		if (outsize < n + 1 || strcmp(small, out) != 0)
			abort();
	} else if (outsize >= n + 1 || (outsize > 0 && small[0] != '\0'))
		abort();
	free(small);
}

/* Counts that agree with the encoding's limits; -1 exactly on bad UTF-8. */
static void
fuzz_phone_sms(const uint8_t *data, size_t size)
{
	struct sms_length	l;
	size_t			i, cps = 0, single, part;

	if (sms_measure((const char *)data, size, &l) == -1) {
		if (l.units != 0 || l.segments != 0 || l.encoding != 0 ||
		    utf8_valid((const char *)data, size, NULL) == 0)
			abort();
		return;
	}
	if (utf8_valid((const char *)data, size, NULL) == -1)
		abort();
	for (i = 0; i < size; i++)
		cps += (data[i] & 0xc0) != 0x80;
	if (l.encoding == SMS_GSM7) {
		single = SMS_GSM7_SINGLE;
		part = SMS_GSM7_PART;
		/* a character is one septet, or two with the escape */
		if (l.units < cps || l.units > 2 * cps)
			abort();
	} else if (l.encoding == SMS_UCS2) {
		single = SMS_UCS2_SINGLE;
		part = SMS_UCS2_PART;
		if (l.units < cps || l.units > 2 * cps || cps == 0)
			abort();
	} else
		abort();
	if (strcmp(sms_encoding_name(l.encoding), "unknown") == 0)
		abort();
	if (l.segments == 0 || (l.units <= single) != (l.segments == 1))
		abort();
	/* parts are full but for a pair that would straddle two */
	if (l.segments > 1 && (l.segments * part < l.units ||
	    (l.segments - 1) * (part - 1) >= l.units))
		abort();
}

/* Logged forms of an address: masked, escaped or quoted, never a control byte. */
static void
fuzz_phone_mask(const char *in)
{
	char	out[64], *copy;
	size_t	n = strlen(in), i;

	if (log_mask(in, out, sizeof out) != out || strlen(out) >= sizeof out)
		abort();
	/* "-", "a***@domain", or "***" and a number's last 4 digits at most */
	if (n == 0 ? strcmp(out, "-") != 0 : strchr(in, '@') != NULL ?
	    out[0] != in[0] || strncmp(out + 1, "***", 3) != 0 :
	    strlen(out) > 8 || strstr(out, "***") == NULL)
		abort();
	if ((copy = strdup(in)) == NULL)
		return;
	log_mask_text(copy);
	if (strlen(copy) > n)
		abort();
	free(copy);
	if (log_escape(in, out, sizeof out) != out || strlen(out) >= sizeof out)
		abort();
	for (i = 0; out[i] != '\0'; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	}
	if (log_value(in, out, sizeof out) != out || strlen(out) >= sizeof out)
		abort();
	/* as it is (cut to fit), or quoted */
	if (strncmp(out, in, strlen(out)) != 0 && (out[0] != '"' ||
	    strlen(out) < 2 || out[strlen(out) - 1] != '"'))
		abort();
	for (i = 0; out[i] != '\0'; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	}
}

/* The input as a number, as an SMS text, and as an address to mask. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_phone_normalise(s, size > 0 ? data[0] % 20 : 0);
	fuzz_phone_mask(s);
	free(s);
	fuzz_phone_sms(data, size);
	return 0;
}
