/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* A message as the gateway kinds read it: its unsubscribe URL, its JSON record. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "gw_msg.h"
#include "jsonw.h"
#include "utf8.h"

void
gw_rfc3339(char *out, size_t outlen)
{
	clock_rfc3339(clock_now_ms(), out, outlen);
}

int
gw_unsubscribe(const struct gw_msg *m)
{
	const char	*u = m->unsubscribe_url, *p;

	if (u == NULL || *u == '\0')
		return 0;
	if (strlen(u) > GW_UNSUBSCRIBE_MAX)
		return -1;
	/* RFC 2369: no space inside the brackets, and "," separates URLs */
	for (p = u; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>,", *p) != NULL)
			return -1;
	}
	return strncasecmp(u, "https://", 8) == 0 ? 2 : 1;
}

/* "k": v, skipped when v is NULL; bytes that are not UTF-8 become '?'. */
static void
gw_record_set(struct jsonw *w, const char *k, const char *v)
{
	char	*copy;

	if (v == NULL || jsonw_kv(w, k, v) == 0)
		return;
	copy = xstrdup(v);
	utf8_scrub(copy);
	(void)jsonw_kv(w, k, copy);
	free(copy);
}

/*
 * Written by hand rather than with json_dumps(): this runs once per message
 * and the encoder was the largest single cost in the benchmark profile.
 */
void
gw_record(const struct gw_msg *m, struct buf *out)
{
	struct jsonw	w;
	char		at[40];

	jsonw_init(&w, out);
	jsonw_open(&w, '{');
	gw_record_set(&w, "delivery_key", m->key);
	gw_record_set(&w, "event_id", m->event_id);
	gw_record_set(&w, "type", m->type);
	gw_record_set(&w, "territory", m->territory);
	gw_record_set(&w, "role", m->role);
	gw_record_set(&w, "channel", m->channel);
	gw_record_set(&w, "language", m->language);
	gw_record_set(&w, "gateway", m->gateway);
	gw_record_set(&w, "template", m->template);
	gw_record_set(&w, "from", m->from);
	gw_record_set(&w, "from_name", m->from_name);
	gw_record_set(&w, "reply_to", m->reply_to);
	gw_record_set(&w, "to", m->to);
	gw_record_set(&w, "subject", m->subject);
	gw_record_set(&w, "text", m->text);
	gw_record_set(&w, "html", m->html);
	gw_rfc3339(at, sizeof at);
	gw_record_set(&w, "at", at);
	jsonw_close(&w, '}');
}
