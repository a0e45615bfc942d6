/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the EnvironmentFile= parser (daemon/envfile.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Any bytes (a file an operator wrote): the parser reads no further than
 * its end, and what it gives is sane: a name is never empty, holds no line
 * end, nor "=" past its first byte (a line starting with "=" starts a name
 * with it, as in systemd: not a valid one); a valid name is only
 * [A-Za-z0-9_]; a refusal leaves nothing behind.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envfile	 ef;
	char		 err[128];
	char		*copy;
	size_t		 i;
	int		 rc;

	/* copied to an exact-size buffer so that a read past it is seen */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	rc = envfile_parse(copy, size, &ef, err, sizeof err);
	if (rc == -1 && (ef.n != 0 || ef.v != NULL || strlen(err) == 0))
		abort();
	for (i = 0; rc == 0 && i < ef.n; i++) {
		if (ef.v[i].name[0] == '\0' ||
		    strpbrk(ef.v[i].name, "\n\r") != NULL ||
		    strchr(ef.v[i].name + 1, '=') != NULL ||
		    ef.v[i].line < 1 ||
		    ef.v[i].valid != envfile_name_valid(ef.v[i].name) ||
		    strlen(ef.v[i].value) > size)
			abort();
	}
	envfile_clear(&ef);
	free(copy);
	return 0;
}
