/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for jsonr: whatever it reads, Jansson reads the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonr.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The deepest nesting of v's objects and arrays (a scalar: 0). */
static int
fuzz_depth(const json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i;
	int		 d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
			if ((d = fuzz_depth(e)) > max)
				max = d;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if ((d = fuzz_depth(e)) > max)
				max = d;
	} else
		return 0;
	return max + 1;
}

/* Whether a string of v (a key or a value) holds a NUL. */
static int
fuzz_nul(const json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i, klen;

	if (json_is_string(v))
		return memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL;
	if (json_is_object(v)) {
		json_object_keylen_foreach((json_t *)v, k, klen, e)
			if (memchr(k, '\0', klen) != NULL || fuzz_nul(e))
				return 1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (fuzz_nul(e))
				return 1;
	}
	return 0;
}

/*
 * jsonr_load() may refuse what Jansson accepts (it leaves it to Jansson),
 * never the reverse, and never build another tree; and what
 * jsonr_load_depth() reads is valid UTF-8, no deeper than its limit, its
 * strings without NUL (envelope.c skips its own checks for it). Aborts
 * when either does not hold.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	 limits[] = { 1, 3, 64 };
	json_t			*fast, *slow, *v;
	json_error_t		 je;
	size_t			 i;

	for (i = 0; i < sizeof limits / sizeof *limits; i++) {
		if ((v = jsonr_load_depth((const char *)data, size,
		    limits[i])) == NULL)
			continue;
		if (utf8_valid((const char *)data, size, NULL) == -1 ||
		    fuzz_depth(v) > limits[i] || fuzz_nul(v))
			abort();
		json_decref(v);
	}
	fast = jsonr_load((const char *)data, size);
	slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, &je);
	if (fast != NULL && (slow == NULL || !json_equal(fast, slow)))
		abort();
	json_decref(fast);
	json_decref(slow);
	return 0;
}
