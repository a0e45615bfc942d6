/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Full-jitter exponential backoff, as in the AWS architecture blog's analysis. */
#include <stdint.h>
#include <sys/random.h>

#include "backoff.h"

int64_t
backoff_delay_ms(int64_t base_ms, int64_t cap_ms, long attempt, uint64_t rnd)
{
	int64_t	ceiling = base_ms;
	long	i;

	if (base_ms <= 0 || cap_ms <= 0)
		return 0;
	/* double without overflowing: stop as soon as the cap is reached */
	for (i = 0; i < attempt && ceiling < cap_ms; i++)
		ceiling = ceiling > INT64_MAX / 2 ? INT64_MAX : ceiling * 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	return (int64_t)(rnd % ((uint64_t)ceiling + 1));
}

int64_t
backoff_retry_ms(int64_t backoff_ms, long retry_after_s, int64_t max_ms)
{
	int64_t	asked;

	if (retry_after_s < 0)
		return backoff_ms;
	/* Retry-After may be huge or an HTTP date long past: clamp it */
	if (retry_after_s > max_ms / 1000)
		asked = max_ms;
	else
		asked = (int64_t)retry_after_s * 1000;
	return asked > backoff_ms ? asked : backoff_ms;
}

uint64_t
backoff_random(void)
{
	static uint64_t	state;
	uint64_t	r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
		return r;
	/* no entropy yet (early boot): splitmix64 is enough for jitter */
	state += 0x9E3779B97F4A7C15ULL;
	r = state;
	r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ULL;
	r = (r ^ (r >> 27)) * 0x94D049BB133111EBULL;
	return r ^ (r >> 31);
}
