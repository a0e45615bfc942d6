/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for envelope: decoding must never crash and always explain. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parses one input as an event, then as a timestamp; aborts on a broken contract. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope	 env;
	char		 reason[256], *s;
	size_t		 bad;
	int64_t		 ms;

	if (envelope_parse((const char *)data, size, NULL, &env, reason,
	    sizeof reason) == 0) {
		if (env.root == NULL || env.id == NULL || env.id[0] == '\0' ||
		    env.source == NULL || env.type == NULL ||
		    strcmp(env.specversion, "1.0") != 0 ||
		    (env.time == NULL && env.time_ms != 0))
			abort();
	} else {
		if (reason[0] == '\0' || env.root != NULL ||
		    utf8_valid(reason, strlen(reason), &bad) == -1)
			abort();
	}
	envelope_clear(&env);

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)envelope_parse_time(s, &ms);
	free(s);
	return 0;
}
