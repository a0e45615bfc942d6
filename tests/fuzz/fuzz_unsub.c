/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for unsub: tokens from URLs, ids round-tripped, rings unpacked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unsub.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 2026-03-04T00:00:00Z: day 20516 */
#define FUZZ_UNSUB_NOW		1772582400LL
#define FUZZ_UNSUB_DAY		86400LL

static const char	fuzz_unsub_secret_a[] = "fuzz-secret-a-0123456789abcdef";
static const char	fuzz_unsub_secret_b[] = "fuzz-secret-b-fedcba9876543210";

/* The same two keys, each ring sealing with another: k2026, then old. */
static struct unsub_keys	*fuzz_unsub_ring[2];
static const char		*fuzz_unsub_kid[2] = { "k2026", "old" };

static void
fuzz_unsub_init(void)
{
	char	err[128];
	int	i;

	if (fuzz_unsub_ring[0] != NULL)
		return;
	for (i = 0; i < 2; i++) {
		fuzz_unsub_ring[i] = unsub_keys_new();
		if (unsub_keys_add(fuzz_unsub_ring[i], fuzz_unsub_kid[i],
		    i == 0 ? fuzz_unsub_secret_a : fuzz_unsub_secret_b,
		    sizeof fuzz_unsub_secret_a - 1, err, sizeof err) == -1 ||
		    unsub_keys_add(fuzz_unsub_ring[i], fuzz_unsub_kid[1 - i],
		    i == 0 ? fuzz_unsub_secret_b : fuzz_unsub_secret_a,
		    sizeof fuzz_unsub_secret_a - 1, err, sizeof err) == -1)
			abort();
	}
}

static const char *
fuzz_unsub_secret(int i)
{
	return i == 0 ? fuzz_unsub_secret_a : fuzz_unsub_secret_b;
}

/*
 * Checks an untrusted token. Each id has one token per (key, day): a token
 * that opens must be the very one the key would make; an expired one opens
 * on an earlier day; nothing else writes an id.
 */
static void
fuzz_unsub_check_token(const char *token)
{
	enum unsub_check	 c;
	char			 id[UNSUB_ID_MAX + 1], id2[UNSUB_ID_MAX + 1];
	char			 again[UNSUB_TOKEN_SIZE];
	const char		*kid, *dot;
	long long		 last;
	int			 i, found;

	c = unsub_check(fuzz_unsub_ring[0], token, FUZZ_UNSUB_NOW, id,
	    sizeof id);
	if (c != UNSUB_VALID) {
		if (id[0] != '\0' || (c != UNSUB_INVALID && c != UNSUB_EXPIRED))
			abort();
		if (c == UNSUB_INVALID || strncmp(token, "v2.", 3) != 0)
			return;
		/* expired: valid on day 0, then canonical as below */
		if (unsub_check(fuzz_unsub_ring[0], token, 0, id,
		    sizeof id) != UNSUB_VALID)
			abort();
	}
	if (!unsub_id_ok(id))
		abort();
	/* the key order of a ring does not matter for opening */
	if (unsub_check(fuzz_unsub_ring[1], token, c == UNSUB_VALID ?
	    FUZZ_UNSUB_NOW : 0, id2, sizeof id2) != UNSUB_VALID ||
	    strcmp(id, id2) != 0)
		abort();
	if (strncmp(token, "v2.", 3) != 0) {
		for (i = 0, found = 0; i < 2; i++) {
			if (unsub_token(fuzz_unsub_secret(i),
			    sizeof fuzz_unsub_secret_a - 1, id, again,
			    sizeof again) == -1)
				abort();
			found |= strcmp(again, token) == 0;
		}
		if (!found)
			abort();
		return;
	}
	/* v2.kid.last.box: made again by the ring kid seals with */
	kid = token + 3;
	if ((dot = strchr(kid, '.')) == NULL)
		abort();
	i = strlen(fuzz_unsub_kid[0]) == (size_t)(dot - kid) &&
	    strncmp(kid, fuzz_unsub_kid[0], (size_t)(dot - kid)) == 0 ? 0 : 1;
	last = strtoll(dot + 1, NULL, 10);
	if (unsub_token_v2(fuzz_unsub_ring[i], id,
	    (last - UNSUB_VALID_DAYS_MIN) * FUZZ_UNSUB_DAY, UNSUB_VALID_DAYS_MIN,
	    again, sizeof again) == -1 || strcmp(again, token) != 0)
		abort();
}

/* A valid id: both versions' tokens give it back, and only while valid. */
static void
fuzz_unsub_round_trip(const char *id)
{
	char	token[UNSUB_TOKEN_SIZE], out[UNSUB_ID_MAX + 1];
	int	i;

	if (strlen(id) > UNSUB_ID_MAX)
		abort();
	for (i = 0; i < 2; i++) {
		if (unsub_token_v2(fuzz_unsub_ring[i], id, FUZZ_UNSUB_NOW,
		    UNSUB_VALID_DAYS_MIN, token, sizeof token) == -1 ||
		    strlen(token) >= UNSUB_V2_TOKEN_SIZE)
			abort();
		if (unsub_check(fuzz_unsub_ring[1 - i], token, FUZZ_UNSUB_NOW,
		    out, sizeof out) != UNSUB_VALID || strcmp(out, id) != 0)
			abort();
		/* the last day still opens it, the day after does not */
		if (unsub_check(fuzz_unsub_ring[i], token, FUZZ_UNSUB_NOW +
		    UNSUB_VALID_DAYS_MIN * FUZZ_UNSUB_DAY, out,
		    sizeof out) != UNSUB_VALID ||
		    unsub_check(fuzz_unsub_ring[i], token, FUZZ_UNSUB_NOW +
		    (UNSUB_VALID_DAYS_MIN + 1) * FUZZ_UNSUB_DAY, out,
		    sizeof out) != UNSUB_EXPIRED || out[0] != '\0')
			abort();
		/* an id buffer too small gets nothing */
		if (unsub_check(fuzz_unsub_ring[i], token, FUZZ_UNSUB_NOW, out,
		    strlen(id)) == UNSUB_VALID || out[0] != '\0')
			abort();

		if (unsub_token(fuzz_unsub_secret(i),
		    sizeof fuzz_unsub_secret_a - 1, id, token,
		    sizeof token) == -1 ||
		    strlen(token) >= UNSUB_V1_TOKEN_SIZE)
			abort();
		if (unsub_verify(fuzz_unsub_secret(i),
		    sizeof fuzz_unsub_secret_a - 1, token, out,
		    sizeof out) == -1 || strcmp(out, id) != 0)
			abort();
		if (unsub_verify(fuzz_unsub_secret(1 - i),
		    sizeof fuzz_unsub_secret_a - 1, token, out,
		    sizeof out) != -1 || out[0] != '\0')
			abort();
		if (unsub_check(fuzz_unsub_ring[0], token, FUZZ_UNSUB_NOW, out,
		    sizeof out) != UNSUB_VALID || strcmp(out, id) != 0)
			abort();
	}
}

/* A ring unpacked packs to the same bytes (a bare secret to its packed form). */
static void
fuzz_unsub_unpack(const uint8_t *data, size_t size)
{
	struct unsub_keys	*ks, *again;
	unsigned char		*p, *q;
	size_t			 plen, qlen;

	if ((ks = unsub_keys_unpack(data, size)) == NULL)
		return;
	if (unsub_keys_count(ks) == 0 || unsub_keys_signer(ks) == NULL)
		abort();
	p = unsub_keys_pack(ks, &plen);
	if (size > 0 && data[0] == '\0' &&
	    (plen != size || memcmp(p, data, size) != 0))
		abort();
	if ((again = unsub_keys_unpack(p, plen)) == NULL)
		abort();
	q = unsub_keys_pack(again, &qlen);
	if (qlen != plen || memcmp(p, q, plen) != 0)
		abort();
	unsub_keys_pack_free(q, qlen);
	unsub_keys_pack_free(p, plen);
	unsub_keys_free(again);
	unsub_keys_free(ks);
}

/*
 * The input as a token (its first line), as an id, as an email id, and as
 * a packed key ring.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *mail;
	size_t	 n;

	fuzz_unsub_init();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = strcspn(s, "\n");
	s[n] = '\0';

	fuzz_unsub_check_token(s);
	if (unsub_id_ok(s))
		fuzz_unsub_round_trip(s);
	if (n <= UNSUB_ID_MAX) {
		mail = xmalloc(n + 7);
		memcpy(mail, "email:", 6);
		memcpy(mail + 6, s, n + 1);
		if (unsub_id_ok(mail))
			fuzz_unsub_round_trip(mail);
		free(mail);
	}
	free(s);
	fuzz_unsub_unpack(data, size);
	return 0;
}
