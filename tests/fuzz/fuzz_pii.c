/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the byte search of forget and export (daemon/pii.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pii.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Any bytes (a dead letter, a stream entry): the search and the event id
 * read them without going past their end; a person whose id, address and
 * number are in the bytes as written is found.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pii	*who;
	char			 id[256], buf[512];
	int			 m;
	size_t			 n;

	if (who == NULL) {
		who = pii_new("p-1");
		if (pii_add_email(who, "ana@example.com", buf, sizeof buf) ==
		    -1 || pii_add_phone(who, "819-555-0123", buf, sizeof buf) ==
		    -1)
			abort();
	}
	/* copied to an exact-size buffer so that a read past it is seen */
	{
		uint8_t *copy = malloc(size ? size : 1);

		memcpy(copy, data, size);
		(void)pii_match(who, copy, size);
		if (pii_event_id(copy, size, id, sizeof id) == 0 &&
		    strlen(id) >= sizeof id)
			abort();
		(void)pii_event_id(copy, size, id, 4);
		free(copy);
	}
	/* the input between the person's own words: still found */
	n = size < 200 ? size : 200;
	memcpy(buf, data, n);
	/* (an outermost object's own "id" is the event's, not the person's) */
	memcpy(buf + n, " {\"person\":{\"id\":\"p-1\"}} ana@example.com "
	    "(819) 555-0123", 56);
	m = pii_match(who, buf, n + 56);
	if ((m & (PII_ID | PII_EMAIL | PII_PHONE)) != (PII_ID | PII_EMAIL |
	    PII_PHONE))
		abort();
	return 0;
}
