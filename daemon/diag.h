/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Diagnostics collector: "FILE:LINE:COL: message" lines for config and templates. */
#ifndef RELAIS_DIAG_H
#define RELAIS_DIAG_H

#include <stddef.h>

/* Collects every error instead of stopping at the first; owned by the caller. */
struct diag {
	char	**msgs;		/* each "FILE:LINE:COL: message" */
	size_t	  n;
};

void	diag_init(struct diag *);
void	diag_free(struct diag *);
/* line and col are 1-based; line 0 omits LINE:COL (a whole-file error). */
void	diag_add(struct diag *, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Appends every message of src to dst and empties src. */
void	diag_move(struct diag *dst, struct diag *src);

#endif
