/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* systemd notification: watchdog, READY=1 once Redis answers, STATUS=. */
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "log.h"
#include "notify.h"

/*
 * How often Redis's state is looked at: often while waiting for it (READY
 * should not lag), once a second afterwards (a STATUS line may). The
 * pipeline has no state callback to offer; a look costs a function call.
 */
#define NOTIFY_WAITING_MS	100
#define NOTIFY_RUNNING_MS	1000

struct notify {
	struct event	*ev_watchdog;
	struct event	*ev_poll;
	notify_up_fn	 up_fn;
	void		*arg;
	char		*where;
	int		 ready;		/* READY=1 was sent */
	int		 up;		/* Redis answered at the last look */
	int		 stopping;
};

int
notify_send(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	int			 fd, rc = 0;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sun.sun_path)
		return -1;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("sd_notify: socket");
		return -1;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1) {
		log_warn("sd_notify");
		rc = -1;
	}
	close(fd);
	return rc;
}

/*
 * systemd's watchdog (WatchdogSec=): the timer runs on the event loop, so a
 * loop that stops turning stops the pings and systemd restarts us.
 */
static void
notify_on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	(void)notify_send("WATCHDOG=1");
}

static void
notify_watchdog_start(struct notify *n, struct event_base *base)
{
	const char	*usec = getenv("WATCHDOG_USEC"), *pid;
	struct timeval	 tv;
	long long	 us;

	if (usec == NULL || (us = strtoll(usec, NULL, 10)) <= 0)
		return;
	/* WATCHDOG_PID, when set, names the process the watchdog is for */
	if ((pid = getenv("WATCHDOG_PID")) != NULL &&
	    strtol(pid, NULL, 10) != (long)getpid())
		return;
	us /= 2;	/* ping twice per period, as sd_watchdog_enabled(3) advises */
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	if ((n->ev_watchdog = event_new(base, -1, EV_PERSIST,
	    notify_on_watchdog, n)) == NULL || event_add(n->ev_watchdog,
	    &tv) == -1)
		fatalx("cannot arm the watchdog timer");
	log_info("systemd watchdog: ping every %lld ms", us / 1000);
}

static void
notify_arm(struct notify *n)
{
	long		ms = n->up ? NOTIFY_RUNNING_MS : NOTIFY_WAITING_MS;
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (event_add(n->ev_poll, &tv) == -1)
		log_errx("sd_notify: cannot arm the readiness timer");
}

/* Says what changed: READY=1 the first time Redis answers. */
static void
notify_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct notify	*n = arg;
	char		 st[512];
	int		 up;

	(void)fd;
	(void)what;
	if (n->stopping)
		return;
	up = n->up_fn(n->arg) != 0;
	if (up != n->up) {
		n->up = up;
		if (up)
			snprintf(st, sizeof st, "%sSTATUS=running; Redis at %s "
			    "answers", n->ready ? "" : "READY=1\n", n->where);
		else
			snprintf(st, sizeof st, "STATUS=waiting for Redis at "
			    "%s (connection lost; reconnecting)", n->where);
		n->ready = n->ready || up;
		(void)notify_send(st);
	}
	notify_arm(n);
}

struct notify *
notify_new(struct event_base *base, const char *where, notify_up_fn up_fn,
    void *arg)
{
	struct notify	*n;
	char		 st[512];

	n = xcalloc(1, sizeof *n);
	n->up_fn = up_fn;
	n->arg = arg;
	n->where = xstrdup(where);
	notify_watchdog_start(n, base);
	if (getenv("NOTIFY_SOCKET") == NULL)
		return n;	/* nobody to tell: no timer */
	snprintf(st, sizeof st, "STATUS=waiting for Redis at %s", n->where);
	(void)notify_send(st);
	if ((n->ev_poll = evtimer_new(base, notify_on_poll, n)) == NULL)
		fatalx("cannot create the readiness timer");
	/* the first look at once: Redis may be up already */
	event_active(n->ev_poll, EV_TIMEOUT, 0);
	return n;
}

void
notify_stopping(struct notify *n)
{
	if (n == NULL)
		return;
	n->stopping = 1;
	if (n->ev_poll != NULL)
		event_del(n->ev_poll);
	(void)notify_send("STOPPING=1");
}

void
notify_note(struct notify *n, const char *note)
{
	char	st[512];

	if (n == NULL || n->stopping)
		return;
	if (n->ev_poll != NULL && !n->up)
		snprintf(st, sizeof st, "STATUS=waiting for Redis at %s; %s",
		    n->where, note);
	else
		snprintf(st, sizeof st, "STATUS=running; %s", note);
	(void)notify_send(st);
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->ev_watchdog != NULL)
		event_free(n->ev_watchdog);
	if (n->ev_poll != NULL)
		event_free(n->ev_poll);
	free(n->where);
	free(n);
}
