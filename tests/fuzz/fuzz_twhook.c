/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for twhook: Twilio's form bodies and X-Twilio-Signature. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "twhook.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_TWHOOK_TOKEN	"0123456789abcdef0123456789abcdef"

/* A copy of data[0..len) ending at its first NUL, always NUL-terminated. */
static char *
fuzz_twhook_str(const uint8_t *data, size_t len)
{
	char	*s = xmalloc(len + 1);

	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* Appends s %-encoded as a form name or value: the inverse of the parser. */
static void
fuzz_twhook_encode(struct buf *out, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ')
			buf_putc(out, '+');
		else if (c == '%' || c == '&' || c == '=' || c == '+' ||
		    c >= 0x80 || c < 0x20) {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 0xf]);
		} else
			buf_putc(out, (char)c);
	}
}

/* Aborts unless every pair is sound and re-encoding parses to the same pairs. */
static void
fuzz_twhook_check_form(const struct twhook_form *f, size_t len)
{
	const struct twhook_param	*p, *q;
	struct twhook_form		*g;
	struct buf			 b;
	size_t				 n, m, i, j, total = 0;
	char				 err[128];

	p = twhook_form_params(f, &n);
	if (n > TWHOOK_MAX_PARAMS)
		abort();
	for (i = 0; i < n; i++) {
		if (p[i].name == NULL || p[i].value == NULL ||
		    p[i].name[0] == '\0')
			abort();
		total += strlen(p[i].name) + strlen(p[i].value);
		/* the first pair of a name is the one twhook_form_get gives */
		for (j = 0; j < i && strcmp(p[j].name, p[i].name) != 0; j++)
			;
		if (twhook_form_get(f, p[i].name) != p[j].value)
			abort();
	}
	if (total > len)
		abort();
	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, '&');
		fuzz_twhook_encode(&b, p[i].name);
		buf_putc(&b, '=');
		fuzz_twhook_encode(&b, p[i].value);
	}
	if (b.len <= TWHOOK_MAX_BODY) {
		if ((g = twhook_form_parse(b.data != NULL ? b.data : "", b.len,
		    err, sizeof err)) == NULL)
			abort();
		q = twhook_form_params(g, &m);
		if (m != n)
			abort();
		for (i = 0; i < n; i++) {
			if (strcmp(p[i].name, q[i].name) != 0 ||
			    strcmp(p[i].value, q[i].value) != 0)
				abort();
		}
		twhook_form_free(g);
	}
	buf_free(&b);
}

/* Signs the pairs, checks the result verifies in any order, and only it. */
static void
fuzz_twhook_check_sig(const char *url, const struct twhook_param *p, size_t n,
    const char *given)
{
	struct twhook_param	*rev = NULL;
	char			 sig[TWHOOK_SIG_SIZE], again[TWHOOK_SIG_SIZE];
	size_t			 i;
	int			 ok;

	if (twhook_signature(FUZZ_TWHOOK_TOKEN, url, p, n, sig,
	    sizeof sig) == -1)
		abort();
	if (strlen(sig) != TWHOOK_SIG_LEN ||
	    strspn(sig, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != TWHOOK_SIG_LEN)
		abort();
	if (twhook_verify(FUZZ_TWHOOK_TOKEN, url, p, n, sig) != 0 ||
	    twhook_verify(FUZZ_TWHOOK_TOKEN, url, p, n, NULL) != -1)
		abort();
	/* Twilio sorts the parameters: their order in the body is no input */
	if (n > 0) {
		rev = xcalloc(n, sizeof *rev);
		for (i = 0; i < n; i++)
			rev[i] = p[n - 1 - i];
		if (twhook_signature(FUZZ_TWHOOK_TOKEN, url, rev, n, again,
		    sizeof again) == -1 || strcmp(sig, again) != 0)
			abort();
		free(rev);
	}
	ok = twhook_verify(FUZZ_TWHOOK_TOKEN, url, p, n, given) == 0;
	if (ok != (strcmp(given, sig) == 0))
		abort();
	if (twhook_signature(FUZZ_TWHOOK_TOKEN, url, p, n, again,
	    TWHOOK_SIG_SIZE - 1) != -1 || again[0] != '\0')
		abort();
}

/*
 * Input: URL "\n" X-Twilio-Signature "\n" form body. The body is parsed,
 * its pairs (or none, when refused) signed and verified, and the Body
 * value and the whole body classified as keywords.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct twhook_param	*p = NULL;
	struct twhook_form		*f;
	const uint8_t			*nl1, *nl2, *end = data + size;
	char				*url, *sig, *body, err[128];
	size_t				 n = 0, blen;
	enum twhook_keyword		 kw;

	if ((nl1 = memchr(data, '\n', size)) == NULL)
		nl1 = end;
	url = fuzz_twhook_str(data, (size_t)(nl1 - data));
	if (nl1 < end)
		nl1++;
	if ((nl2 = memchr(nl1, '\n', (size_t)(end - nl1))) == NULL)
		nl2 = end;
	sig = fuzz_twhook_str(nl1, (size_t)(nl2 - nl1));
	if (nl2 < end)
		nl2++;
	blen = (size_t)(end - nl2);
	/* the exact size, so that a read past the body is caught */
	body = xmalloc(blen > 0 ? blen : 1);
	memcpy(body, nl2, blen);

	err[0] = '\0';
	if ((f = twhook_form_parse(body, blen, err, sizeof err)) == NULL) {
		if (err[0] == '\0')
			abort();
	} else {
		fuzz_twhook_check_form(f, blen);
		p = twhook_form_params(f, &n);
		kw = twhook_keyword(twhook_form_get(f, "Body"));
		if (twhook_keyword_name(kw) == NULL)
			abort();
	}
	fuzz_twhook_check_sig(url, p, n, sig);
	if (twhook_keyword_name(twhook_keyword(url)) == NULL)
		abort();
	twhook_form_free(f);
	free(body);
	free(sig);
	free(url);
	return 0;
}
