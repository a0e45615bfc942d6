/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * A message to send (struct gw_msg), and what the gateway kinds read of it
 * alike: its unsubscribe URL as a header, its JSON record. The kinds call
 * it; it calls none of them (gw.h includes it).
 */
#ifndef RELAIS_GW_MSG_H
#define RELAIS_GW_MSG_H

#include <stddef.h>

struct buf;

/*
 * One message to send; borrowed from gw_send() until its callback (a kind
 * reads it only inside its send(), which gw.c may call later, gw_kick).
 */
struct gw_msg {
	const char	*key;		/* delivery key, sent as Idempotency-Key */
	const char	*event_id;
	const char	*type;
	const char	*territory;
	const char	*role;
	const char	*channel;	/* "email" or "sms" */
	const char	*language;
	const char	*template;
	const char	*from;
	const char	*from_name;
	const char	*reply_to;
	const char	*to;
	const char	*subject;	/* email */
	const char	*text;
	const char	*html;		/* email, may be NULL */
	const char	*gateway;
	const char	*unsubscribe_url; /* email: List-Unsubscribe; NULL: none */
};

/* The List-Unsubscribe-Post value of RFC 8058 one-click unsubscribing. */
#define GW_ONE_CLICK		"List-Unsubscribe=One-Click"
/* Longest unsubscribe URL: "List-Unsubscribe: <URL>" within 998 bytes. */
#define GW_UNSUBSCRIBE_MAX	900

/*
 * What an email's unsubscribe_url asks of the email kinds: 0 when none
 * (NULL or ""); 1 for List-Unsubscribe: <url> alone; 2 when it is an
 * https:// URL, which RFC 8058 requires for List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click too; -1 when the URL cannot go in a header
 * (not printable ASCII, a space, "<", ">", ",", or longer than
 * GW_UNSUBSCRIBE_MAX), a message to refuse.
 */
int		 gw_unsubscribe(const struct gw_msg *);

/* The JSON record of a message: an outbox line, a webhook body. */
void		 gw_record(const struct gw_msg *, struct buf *out);
/* Current time as RFC 3339 UTC with milliseconds. */
void		 gw_rfc3339(char *out, size_t outlen);

#endif
