/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for evhook: email providers' webhook bodies, signatures and tokens. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evhook.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A P-256 verification key (base64 DER), a Mailgun key, a Brevo token. */
#define FUZZ_EVHOOK_SG \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERKwKatGeBOLg5rEqxpMMxnmUIGxm" \
	"msUf557UnIrHdVCL2mXNVdia0cbJlnqEaIe47GSaEeAuTQerW77vh+MeJA=="
#define FUZZ_EVHOOK_MG		"key-0123456789abcdef0123456789abcdef"
#define FUZZ_EVHOOK_BREVO	"brevo-token-0123456789"

static struct evhook_key	*fuzz_keys[EVHOOK_NPROVIDERS];

/* A copy of data[0..len), NUL-terminated (it may hold NULs itself). */
static char *
fuzz_evhook_str(const uint8_t *data, size_t len)
{
	char	*s = xmalloc(len + 1);

	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

static void
fuzz_evhook_keys(void)
{
	static const char *const secrets[EVHOOK_NPROVIDERS] = {
		[EVHOOK_SENDGRID] = FUZZ_EVHOOK_SG,
		[EVHOOK_MAILGUN] = FUZZ_EVHOOK_MG,
		[EVHOOK_BREVO] = FUZZ_EVHOOK_BREVO,
	};
	char	err[256];
	size_t	i;

	if (fuzz_keys[0] != NULL)
		return;
	for (i = 0; i < EVHOOK_NPROVIDERS; i++)
		if ((fuzz_keys[i] = evhook_key_new(i, secrets[i], err,
		    sizeof err)) == NULL)
			abort();
}

/* Aborts unless each event is what the rest of relais may rely on. */
static void
fuzz_evhook_check(const struct evhook_batch *b, enum evhook_provider p)
{
	const struct evhook_event	*e;
	const char			*at, *s;
	char				 out[512];
	size_t				 i, n;

	if (evhook_count(b) > EVHOOK_MAX_EVENTS ||
	    evhook_count(b) + evhook_ignored(b) + evhook_invalid(b) >
	    EVHOOK_MAX_EVENTS || evhook_event(b, evhook_count(b)) != NULL)
		abort();
	for (i = 0; i < evhook_count(b); i++) {
		e = evhook_event(b, i);
		if (e == NULL || e->provider != p ||
		    (unsigned)e->kind >= EVHOOK_NKINDS || e->event == NULL ||
		    e->detail == NULL || e->message_id == NULL || e->at < 0)
			abort();
		n = strlen(e->address);
		at = strchr(e->address, '@');
		if (n < 3 || n > EVHOOK_ADDR_MAX || at == NULL ||
		    at != strrchr(e->address, '@') || at == e->address ||
		    at[1] == '\0')
			abort();
		for (s = e->address; *s != '\0'; s++)
			if ((*s >= 'A' && *s <= 'Z') ||
			    (unsigned char)*s <= 0x20 || strchr("<>\",;", *s))
				abort();
		n = strlen(e->id);
		if (n == 0 || n > EVHOOK_ID_MAX || strspn(e->id,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._=+/-") != n)
			abort();
		for (s = e->message_id; *s != '\0'; s++)
			if ((unsigned char)*s <= 0x20 ||
			    (unsigned char)*s >= 0x7f)
				abort();
		evhook_supp_id(e, out, sizeof out);
		if (strncmp(out, "email:", 6) != 0 ||
		    strcmp(out + 6, e->address) != 0)
			abort();
		evhook_source(e, out, sizeof out);
		if (strchr(out, ':') == NULL || strlen(out) > 64)
			abort();
		evhook_replay_key(e, out, sizeof out);
		if (strncmp(out, "evhook:", 7) != 0 ||
		    strcmp(out + strlen(out) - strlen(e->id), e->id) != 0)
			abort();
		if (evhook_kind_name(e->kind)[0] == '?')
			abort();
	}
}

/*
 * Input: one byte choosing the provider, then the body. The body is
 * parsed and checked, and its bytes go through each provider's check as
 * timestamp, signature, token and Authorization header: none crashes, and
 * none is taken for the provider's (no fuzzer finds a signature).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum evhook_provider	 p;
	struct evhook_batch	*b;
	const char		*ts, *tok, *sig;
	char			*body, *str, err[160];
	size_t			 len;
	long long		 t;

	if (size < 1)
		return 0;
	fuzz_evhook_keys();
	p = (enum evhook_provider)(data[0] % EVHOOK_NPROVIDERS);
	len = size - 1;
	/* the exact size, so that a read past the body is caught */
	body = xmalloc(len > 0 ? len : 1);
	memcpy(body, data + 1, len);
	str = fuzz_evhook_str(data + 1, len);

	err[0] = '\0';
	if ((b = evhook_parse(p, body, len, err, sizeof err)) == NULL) {
		if (err[0] == '\0')
			abort();
	} else {
		fuzz_evhook_check(b, p);
		/* whatever the body holds, the check runs on it */
		if (p == EVHOOK_MAILGUN &&
		    evhook_mailgun_signature(b, &ts, &tok, &sig) == 0)
			(void)evhook_mailgun_verify(fuzz_keys[p], ts, tok, sig);
		evhook_batch_free(b);
	}
	if (evhook_sendgrid_verify(fuzz_keys[EVHOOK_SENDGRID], str, str, body,
	    len) == 0 || evhook_mailgun_verify(fuzz_keys[EVHOOK_MAILGUN], str,
	    str, str) == 0)
		abort();
	if (evhook_brevo_verify(fuzz_keys[EVHOOK_BREVO], str) == 0 &&
	    strstr(str, FUZZ_EVHOOK_BREVO) == NULL && strncmp(str, "Basic",
	    5) != 0 && strncmp(str, "basic", 5) != 0)
		abort();
	if (evhook_timestamp(str, &t) == 0 && (t < 0 || !evhook_fresh(t, t, 0)))
		abort();
	free(str);
	free(body);
	return 0;
}
