/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the providers' answers: every exported classifier, header lookup, excerpts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "gw.h"
#include "gw_brevo.h"
#include "gw_http.h"
#include "gw_mailgun.h"
#include "gw_sendgrid.h"
#include "gw_smtp.h"
#include "gw_twilio.h"
#include "http.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* gw_webhook_classify is static in gw_webhook.c: reached only through curl. */
static const struct {
	const char		*name;
	gw_http_classify_fn	 classify;
	int			 http;	/* 2xx is sent, 429 the only wait */
} fuzz_providers[] = {
	{ "twilio", gw_twilio_classify, 1 },
	{ "sendgrid", gw_sendgrid_classify, 1 },
	{ "mailgun", gw_mailgun_classify, 1 },
	{ "brevo", gw_brevo_classify, 1 },
	{ "smtp", gw_smtp_classify, 0 },
};

static const char *const fuzz_providers_headers[] = {
	"Retry-After", "X-Message-Id", "X-RateLimit-Reset",
	"x-sib-ratelimit-reset", "Content-Type",
};

/* Aborts unless s is NUL-terminated within size and holds no control byte. */
static void
fuzz_providers_line(const char *s, size_t size)
{
	size_t	i;

	if (memchr(s, '\0', size) == NULL)
		abort();
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	}
}

/* One classifier on one response: a known status, and a reason for all but sent. */
static void
fuzz_providers_classify(int k, const struct http_response *resp)
{
	struct gw_result	res;

	memset(&res, 0, sizeof res);	/* as gw_http does */
	fuzz_providers[k].classify(resp, &res);
	fuzz_providers_line(res.reason, sizeof res.reason);
	if (memchr(res.provider_id, '\0', sizeof res.provider_id) == NULL)
		abort();
	switch (res.status) {
	case GW_SENT:
		if (resp->error != 0)
			abort();
		break;
	case GW_WAIT:
		if (!fuzz_providers[k].http || resp->status != 429)
			abort();
		/* FALLTHROUGH */
	case GW_RETRY:
	case GW_PERMANENT:
		if (res.reason[0] == '\0')
			abort();
		break;
	default:
		abort();
	}
	if (res.retry_after_s < -1 || res.ms != resp->total_ms)
		abort();
	if (resp->error == 0 && (fuzz_providers[k].http ?
	    resp->status >= 200 && resp->status < 300 : 1) &&
	    res.status != GW_SENT)
		abort();
}

/* A header's value: trimmed, and found in the block as it is. */
static void
fuzz_providers_header(const struct http_response *resp, const char *name,
    size_t outlen)
{
	char	out[64];
	size_t	n;

	if (http_response_header(resp, name, out, outlen) == -1)
		return;
	n = strlen(out);
	if (n >= outlen || (n > 0 && (out[0] == ' ' || out[0] == '\t' ||
	    strchr(" \t\r\n", out[n - 1]) != NULL)) ||
	    strstr(resp->headers, out) == NULL)
		abort();
}

/*
 * Input: a flag byte (bits 0-1: a transport error when 3, bit 2: which,
 * bit 3: a Retry-After from the next byte), two bytes of status (mod
 * 600), then a header block up to its blank line, then the body.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response	 resp;
	const uint8_t		*p, *end = data + size, *sep;
	char			*headers, *body, excerpt[200];
	size_t			 hlen, blen, i, k;

	if (size < 3)
		return 0;
	memset(&resp, 0, sizeof resp);
	if ((data[0] & 3) == 3) {
		resp.error = data[0] & 4 ? GW_SMTP_LOGIN_DENIED : 28;
		resp.errmsg = data[0] & 4 ? "Login denied" : "Timeout was reached";
	}
	resp.retry_after_s = data[0] & 8 ? data[1] : -1;
	resp.status = (long)(((unsigned)data[1] << 8 | data[2]) % 600);
	resp.total_ms = 41.5;
	p = data + 3;
	sep = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
	hlen = sep != NULL ? (size_t)(sep - p) + 2 : 0;
	/* exact sizes, so that a read past either is caught */
	headers = xmalloc(hlen + 1);
	memcpy(headers, p, hlen);
	headers[hlen] = '\0';
	p += sep != NULL ? hlen + 2 : 0;
	blen = (size_t)(end - p);
	body = xmalloc(blen + 1);
	memcpy(body, p, blen);
	body[blen] = '\0';
	resp.headers = headers;
	resp.body = body;
	resp.bodylen = blen;

	for (k = 0; k < sizeof fuzz_providers / sizeof *fuzz_providers; k++)
		fuzz_providers_classify((int)k, &resp);
	for (i = 0; i < sizeof fuzz_providers_headers /
	    sizeof *fuzz_providers_headers; i++)
		fuzz_providers_header(&resp, fuzz_providers_headers[i],
		    (size_t)data[2] % 64 + 1);

	gw_http_excerpt(body, blen, excerpt, (size_t)data[1] % sizeof excerpt + 1);
	fuzz_providers_line(excerpt, sizeof excerpt);
	if (strlen(excerpt) > 160 ||
	    utf8_valid(excerpt, strlen(excerpt), NULL) == -1)
		abort();

	free(body);
	free(headers);
	return 0;
}
