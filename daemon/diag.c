/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Diagnostics collector for config and template errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "diag.h"

void
diag_init(struct diag *d)
{
	d->msgs = NULL;
	d->n = 0;
}

void
diag_free(struct diag *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	diag_init(d);
}

void
diag_add(struct diag *d, const char *file, int line, int col,
    const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	if (line > 0)
		buf_printf(&b, "%s:%d:%d: ", file, line, col);
	else
		buf_printf(&b, "%s: ", file);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->msgs = xrealloc(d->msgs, (d->n + 1) * sizeof *d->msgs);
	d->msgs[d->n++] = buf_steal(&b, NULL);
}

void
diag_move(struct diag *dst, struct diag *src)
{
	size_t	i;

	for (i = 0; i < src->n; i++) {
		dst->msgs = xrealloc(dst->msgs, (dst->n + 1) * sizeof *dst->msgs);
		dst->msgs[dst->n++] = src->msgs[i];
	}
	free(src->msgs);
	diag_init(src);
}
