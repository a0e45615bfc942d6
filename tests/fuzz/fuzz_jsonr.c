/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for jsonr: whatever it reads, Jansson reads the same. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "jsonr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * jsonr_load() may refuse what Jansson accepts (it leaves it to Jansson),
 * never the reverse, and never build another tree; aborts when it does.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*fast, *slow;
	json_error_t	 je;

	fast = jsonr_load((const char *)data, size);
	slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, &je);
	if (fast != NULL && (slow == NULL || !json_equal(fast, slow)))
		abort();
	json_decref(fast);
	json_decref(slow);
	return 0;
}
