/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Held requests: a handler that answers later keeps its request's
 * connection on the port's records (admin_guard.c closes it, and calls
 * gone, if it goes first).
 */
#include <sys/queue.h>

#include <stddef.h>

#include <event2/http.h>

#include "admin_hold.h"
#include "admin_int.h"

/* The record of req's connection, or NULL. */
static struct admin_conn *
admin_conn_of(struct admin *a, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct admin_conn		*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return NULL;
	TAILQ_FOREACH(c, &a->open, entry)
		if (c->evcon == evcon)
			return c;
	TAILQ_FOREACH(c, &a->fresh, entry)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

int
admin_hold(struct admin *a, struct evhttp_request *req, void (*gone)(void *),
    void *arg)
{
	struct admin_conn	*c;

	if ((c = admin_conn_of(a, req)) == NULL || c->held != NULL)
		return -1;
	c->held = req;
	c->gone = gone;
	c->gone_arg = arg;
	return 0;
}

void
admin_release(struct admin *a, struct evhttp_request *req)
{
	struct admin_connq	*lists[] = { &a->open, &a->fresh, &a->closing };
	struct admin_conn	*c;
	size_t			 i;

	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		TAILQ_FOREACH(c, lists[i], entry)
			if (c->held == req) {
				c->held = NULL;
				c->gone = NULL;
				c->gone_arg = NULL;
				return;
			}
}
