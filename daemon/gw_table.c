/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The table of gateway kinds: one entry per provider relais sends through. */
#include <stddef.h>
#include <string.h>

#include "gw_kind.h"
#include "gw_table.h"

/* In the order messages list them ("unknown gateway kind", known keys). */
static const struct gw_kind *const gw_table[] = {
	&gw_webhook_kind,
	&gw_outbox_kind,
	&gw_twilio_kind,
	&gw_sendgrid_kind,
	&gw_mailgun_kind,
	&gw_brevo_kind,
	&gw_smtp_kind,
};

const struct gw_kind *
gw_table_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof gw_table / sizeof *gw_table; i++) {
		if (strcmp(gw_table[i]->name, name) == 0)
			return gw_table[i];
	}
	return NULL;
}

const struct gw_kind *
gw_table_at(size_t i)
{
	return i < sizeof gw_table / sizeof *gw_table ? gw_table[i] : NULL;
}
