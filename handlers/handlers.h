/*
 * Event handlers: one per event type, found in a table. A handler turns a
 * validated event into plain data (notifications); it does no I/O and knows
 * neither Redis nor HTTP, so it is tested without mocks.
 */
#ifndef RELAIS_HANDLERS_H
#define RELAIS_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct envelope;
struct territory;

/* Someone to tell something; owned by the handler_out that holds it. */
struct notification {
	const char		*role;		/* "newcomer", "counsellor", "employer" */
	char			*recipient_id;
	char			*email;		/* NULL when none */
	char			*phone;		/* E.164, NULL when none */
	char			*language;	/* preferred, NULL when unknown */
	int			 consent_email;
	int			 consent_sms;
	const struct territory	*territory;
	json_t			*vars;		/* template variables (owned) */
};

struct handler_out {
	struct notification	*v;
	size_t			 n;
};

struct handler_ctx {
	const struct config	*cf;
	int64_t			 now_ms;
};

/*
 * Returns 0 with notifications appended to out, or -1 with a reason for the
 * dead-letter stream (missing field, unknown territory, ...).
 */
typedef int (*handler_fn)(const struct envelope *, const struct handler_ctx *,
    struct handler_out *, char *reason, size_t reasonlen);

struct handler {
	const char	*type;
	handler_fn	 fn;
};

/* The handler of an event type, or NULL when relais does not handle it. */
const struct handler	*handler_find(const char *type);
struct notification	*handler_out_add(struct handler_out *);
void			 handler_out_clear(struct handler_out *);

/* Handlers, one file each. */
int	handler_newcomer_arrived(const struct envelope *,
	    const struct handler_ctx *, struct handler_out *, char *, size_t);

/*
 * Resolves data.territory (an id) or data.municipality (a name) to a
 * territory; an unknown municipality goes to the config's
 * fallback_territory when there is one. NULL with a reason naming what was
 * not found otherwise.
 */
const struct territory *handler_territory(const struct config *,
	    const json_t *data, char *reason, size_t reasonlen);

#endif
