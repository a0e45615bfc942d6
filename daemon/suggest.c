/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Did-you-mean suggestions: optimal string alignment distance over a list of known names. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "suggest.h"

static char
suggest_fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Three rows of the usual matrix are enough for adjacent transpositions. */
size_t
suggest_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, d, *row[3], *mem;

	mem = xcalloc(3 * (lb + 1), sizeof *mem);
	row[0] = mem;			/* i - 2 */
	row[1] = mem + lb + 1;		/* i - 1 */
	row[2] = mem + 2 * (lb + 1);	/* i */
	for (j = 0; j <= lb; j++)
		row[1][j] = j;
	for (i = 1; i <= la; i++) {
		size_t *t;

		row[2][0] = i;
		for (j = 1; j <= lb; j++) {
			int same = suggest_fold(a[i - 1]) == suggest_fold(b[j - 1]);

			d = row[1][j - 1] + (same ? 0 : 1);
			if (row[1][j] + 1 < d)
				d = row[1][j] + 1;
			if (row[2][j - 1] + 1 < d)
				d = row[2][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    suggest_fold(a[i - 1]) == suggest_fold(b[j - 2]) &&
			    suggest_fold(a[i - 2]) == suggest_fold(b[j - 1]) &&
			    row[0][j - 2] + 1 < d)
				d = row[0][j - 2] + 1;
			row[2][j] = d;
		}
		t = row[0];
		row[0] = row[1];
		row[1] = row[2];
		row[2] = t;
	}
	d = row[1][lb];
	free(mem);
	return d;
}

const char *
suggest_closest(const char *name, const char *const *known, size_t n)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = (size_t)-1, max;

	max = strlen(name) / 3;
	if (max < 1)
		max = 1;
	if (max > 3)
		max = 3;
	for (i = 0; i < n; i++) {
		if (known[i] == NULL)
			continue;
		if (strcmp(known[i], name) == 0)
			return NULL;
		if ((d = suggest_distance(name, known[i])) <= max && d < bestd) {
			best = known[i];
			bestd = d;
		}
	}
	return best;
}

void
suggest_append(struct buf *b, const char *name, const char *const *known,
    size_t n)
{
	const char	*close = suggest_closest(name, known, n);
	size_t		 i, listed = 0, total = 0;

	for (i = 0; i < n; i++)
		total += known[i] != NULL;
	if (total == 0)
		return;
	if (close != NULL)
		buf_printf(b, ": did you mean \"%s\"? known: ", close);
	else
		buf_puts(b, " (known: ");
	for (i = 0; i < n && listed < SUGGEST_LIST_MAX; i++) {
		if (known[i] == NULL)
			continue;
		buf_printf(b, "%s%s", listed > 0 ? ", " : "", known[i]);
		listed++;
	}
	if (total > listed)
		buf_printf(b, " and %zu more", total - listed);
	if (close == NULL)
		buf_putc(b, ')');
}
