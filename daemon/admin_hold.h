/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Held requests, for the admin port's endpoints that answer later
 * (admin_evhook.c): the port keeps the connection's record and tells the
 * endpoint when it closes it first. The records are admin_guard.c's.
 */
#ifndef RELAIS_ADMIN_HOLD_H
#define RELAIS_ADMIN_HOLD_H

struct admin;
struct evhttp_request;

/*
 * For a handler that answers later: the port keeps req's connection, and
 * calls gone(arg) (once) if it closes it before admin_release() (at the
 * request deadline, for a newer connection at the cap, in admin_free());
 * req is freed then and must not be touched. 0, or -1 when the connection
 * is not the port's (answer at once).
 */
int		 admin_hold(struct admin *, struct evhttp_request *,
		    void (*gone)(void *), void *arg);
/* req is about to be answered: gone() will not be called. */
void		 admin_release(struct admin *, struct evhttp_request *);

#endif
