/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Delivery keys: a stable hash of (event id, recipient, channel, template). */
#ifndef RELAIS_IDKEY_H
#define RELAIS_IDKEY_H

#include <stddef.h>

#define IDKEY_LEN	32	/* hex characters, NUL not counted */
#define IDKEY_SHA256_LEN 32

/* SHA-256 of n bytes at p (main thread: the context is made once). */
void	idkey_sha256(const void *p, size_t n, unsigned char md[IDKEY_SHA256_LEN]);

/*
 * Writes the key of a delivery into out (IDKEY_LEN + 1 bytes): the first
 * 128 bits of SHA-256 over the four fields, each length-prefixed so that no
 * two different tuples hash the same input. Replaying an event gives the
 * same keys; that is what makes sends effectively-once.
 */
void	idkey_make(const char *event_id, const char *recipient,
	    const char *channel, const char *template, char out[IDKEY_LEN + 1]);

/*
 * The key of a recipient ("<channel>:<address>", lower case): their
 * messages of the day are counted under it, without the address in clear.
 */
void	idkey_recipient(const char *supp, char out[IDKEY_LEN + 1]);

#endif
