/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Lingering close: a connection evhttp closes once it has answered keeps
 * its socket a little longer, reading and dropping what the client still
 * sends, until the client closes too.
 *
 * Why: a client that sends a body too large (or any body evhttp stopped
 * reading) is still writing when the 413 has gone. Closing a socket with
 * bytes unread makes the kernel answer with a reset instead of a FIN, and
 * a client told "connection reset" while it sends often never reads the
 * answer that came before: curl then reports no status at all. nginx and
 * Apache linger for the same reason. evhttp's own lingering
 * (EVHTTP_SERVER_LINGERING_CLOSE) is no answer: it reads the whole
 * announced body, however large, before it answers.
 *
 * How: evhttp calls admin_on_close (admin_guard.c) just before it shuts
 * the socket for writing and closes it; admin_linger_start() keeps a
 * duplicate of the descriptor, so that the socket outlives evhttp's close:
 * the answer and a FIN go, and what the client sends is read and dropped.
 * Bounded: ADMIN_LINGER_MS at most, ADMIN_LINGER_BYTES at most, and no
 * more than ADMIN_LINGER_MAX sockets at once (past that, the socket is
 * closed as before). Connections the port closes itself (at the cap, at
 * their deadline) do not linger.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin_int.h"
#include "clock.h"

struct admin_linger {
	TAILQ_ENTRY(admin_linger)	 entry;
	struct admin			*a;
	struct event			*ev;
	int				 fd;	/* our duplicate */
	size_t				 left;	/* bytes still read */
	long long			 deadline_ms;	/* monotonic */
};

static void
admin_linger_end(struct admin_linger *l)
{
	struct admin	*a = l->a;

	TAILQ_REMOVE(&a->lingers, l, entry);
	a->nlingers--;
	event_free(l->ev);
	close(l->fd);
	free(l);
}

/* Waits for more, or ends at the deadline; 0, or -1 when it ended. */
static int
admin_linger_wait(struct admin_linger *l)
{
	long long	 ms = l->deadline_ms - clock_mono_ms();
	struct timeval	 tv;

	if (ms <= 0) {
		admin_linger_end(l);
		return -1;
	}
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (event_add(l->ev, &tv) == -1) {
		admin_linger_end(l);
		return -1;
	}
	return 0;
}

static void
admin_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admin_linger	*l = arg;
	char			 drop[16384];
	ssize_t			 n;

	if (what & EV_TIMEOUT) {
		admin_linger_end(l);
		return;
	}
	for (;;) {
		n = recv(fd, drop, sizeof drop, 0);
		if (n > 0 && (size_t)n < l->left) {
			l->left -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* the client closed, failed, or sent past the budget */
		admin_linger_end(l);
		return;
	}
	(void)admin_linger_wait(l);
}

void
admin_linger_start(struct admin *a, int fd)
{
	struct admin_linger	*l;
	int			 dup_fd;

	if (fd == -1 || a->nlingers >= ADMIN_LINGER_MAX ||
	    a->ev_tick == NULL)
		return;
	/* non-blocking as evhttp's: the flag is the socket's, shared */
	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return;
	if ((l = calloc(1, sizeof *l)) == NULL) {
		close(dup_fd);
		return;
	}
	l->a = a;
	l->fd = dup_fd;
	l->left = ADMIN_LINGER_BYTES;
	l->deadline_ms = clock_mono_ms() + ADMIN_LINGER_MS;
	l->ev = event_new(event_get_base(a->ev_tick), dup_fd, EV_READ,
	    admin_linger_cb, l);
	if (l->ev == NULL) {
		close(dup_fd);
		free(l);
		return;
	}
	TAILQ_INSERT_TAIL(&a->lingers, l, entry);
	a->nlingers++;
	(void)admin_linger_wait(l);
}

void
admin_linger_init(struct admin *a)
{
	TAILQ_INIT(&a->lingers);
	a->nlingers = 0;
}

/* Closes every lingering socket at once (the port is going). */
void
admin_linger_free(struct admin *a)
{
	struct admin_linger	*l;

	while ((l = TAILQ_FIRST(&a->lingers)) != NULL)
		admin_linger_end(l);
}
