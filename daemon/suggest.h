/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Did-you-mean: the known name closest to a misspelt one, for error messages. */
#ifndef RELAIS_SUGGEST_H
#define RELAIS_SUGGEST_H

#include <stddef.h>

#include "buf.h"

/* At most this many known names are listed; the rest are counted. */
#define SUGGEST_LIST_MAX	24

/*
 * Edit distance between a and b, ASCII letters compared without case:
 * insertions, deletions, substitutions and transpositions of two adjacent
 * bytes cost 1 each (Damerau-Levenshtein, optimal string alignment).
 */
size_t		 suggest_distance(const char *a, const char *b);

/*
 * The first of known (n names, NULL entries skipped) at the smallest
 * distance from name, when that distance is at most
 * max(1, min(3, strlen(name) / 3)); NULL when none is that close or name
 * itself is known.
 */
const char	*suggest_closest(const char *name, const char *const *known,
		    size_t n);

/*
 * Appends what follows "unknown X \"name\"" in a message:
 * ": did you mean \"Y\"? known: a, b, c" when one is close, else
 * " (known: a, b, c)"; at most SUGGEST_LIST_MAX names listed, then
 * "and N more". Nothing when known is empty.
 */
void		 suggest_append(struct buf *, const char *name,
		    const char *const *known, size_t n);

#endif
