/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Between log.c (the calls) and log_out.c (the writers): one line's way out. */
#ifndef RELAIS_LOG_INT_H
#define RELAIS_LOG_INT_H

#include <stddef.h>

struct log_field;

/* The longest line written; longer ones are cut. */
#define LOG_LINE_MAX	4096

/*
 * Writes one line where log_init() said: text, when not NULL, is the
 * key=value line already made (printf-style calls); msg and f the same
 * line as fields, for JSON and journald. errnum: errno to report, or 0.
 */
void	log_emit(int prio, const char *text, const char *msg,
	    const struct log_field *f, size_t n, int errnum);

/* Whether lines go out as fields (JSON, journald): printf lines are split. */
int	log_wants_fields(void);

#endif
