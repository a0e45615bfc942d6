/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * /u/<token>: the one-click unsubscribe pages of the admin server (RFC 8058).
 * Used by admin.c only; the daemon calls admin_set_unsubscribe().
 *
 * GET and HEAD show a confirmation form and change nothing (mail scanners
 * follow links); any POST with a valid token unsubscribes. An invalid or
 * forged token, or no configuration, is a neutral 404 page; a genuine token
 * past its last day (unsub.h) a 410 page that says so and what else to do.
 *
 * Ownership: struct admin_unsub owns its key ring (unsub.h), wiped by
 * admin_unsub_free(). The suppress callback is called synchronously while
 * a POST is answered, with strings that die when it returns; it must not
 * call admin_free().
 */
#ifndef RELAIS_ADMIN_UNSUB_H
#define RELAIS_ADMIN_UNSUB_H

#include <stddef.h>

#include "admin.h"

struct evhttp_request;
struct admin_unsub;

/* The source recorded with each suppression made here. */
#define ADMIN_UNSUB_SOURCE	"unsubscribe link"

/*
 * secret is a key ring packed by unsub_keys_pack() (admin.h carries one
 * secret), or one bare secret, then a ring of one key named
 * UNSUB_DEFAULT_KID. NULL (logged) when it is neither (a secret shorter
 * than UNSUB_SECRET_MIN) or fn is NULL.
 */
struct admin_unsub	*admin_unsub_new(const void *secret, size_t secretlen,
			    admin_suppress_fn fn, void *arg);
void			 admin_unsub_free(struct admin_unsub *);
/*
 * Answers req and returns 1 when path is under /u/ (404 when u is NULL);
 * returns 0 and leaves req alone otherwise.
 */
int			 admin_unsub_serve(struct admin_unsub *u,
			    const char *path, struct evhttp_request *req);

#endif
