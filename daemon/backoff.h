/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Retry delays: full-jitter exponential backoff and clamped Retry-After. */
#ifndef RELAIS_BACKOFF_H
#define RELAIS_BACKOFF_H

#include <stdint.h>

/*
 * Full jitter: a uniform draw in [0, min(cap, base * 2^attempt)] ms, where
 * attempt counts from 0. rnd is a uniform 64-bit random value (the caller
 * supplies it so tests are deterministic).
 */
int64_t	backoff_delay_ms(int64_t base_ms, int64_t cap_ms, long attempt,
	    uint64_t rnd);

/*
 * Delay for a retry when the gateway said Retry-After (seconds, or -1 when
 * absent): the larger of the backoff and the asked wait, the asked wait
 * clamped to [0, max_ms].
 */
int64_t	backoff_retry_ms(int64_t backoff_ms, long retry_after_s, int64_t max_ms);

/* A uniform 64-bit random value (arc4random where available, else getrandom). */
uint64_t backoff_random(void);

#endif
