/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The table of event handlers: one entry per event type relais handles. */
#include <stddef.h>
#include <string.h>

#include "handlers.h"

/* Adding an event type is one line here and one file in handlers/. */
static const struct handler *const handlers[] = {
	&handler_newcomer_arrived,
	&handler_newcomer_departed,
	&handler_followup_due,
	&handler_followup_done,
	&handler_job_posted,
	&handler_job_closed,
	&handler_match_digest,
	&handler_followup_reminders,
};

const struct handler *
handler_find(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof handlers / sizeof *handlers; i++) {
		if (strcmp(handlers[i]->type, type) == 0)
			return handlers[i];
	}
	return NULL;
}

const struct handler *
handler_at(size_t i)
{
	return i < sizeof handlers / sizeof *handlers ? handlers[i] : NULL;
}
