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

struct notify {
	struct event	*ev_watchdog;
	char		*where;
	int		 told;		/* $NOTIFY_SOCKET is set */
	int		 ready;		/* READY=1 was sent */
	int		 up;		/* Redis answers */
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

/* Says what changed: READY=1 the first time Redis answers. */
void
notify_redis(struct notify *n, int up)
{
	char	st[512];

	if (n == NULL || !n->told || n->stopping || (up != 0) == n->up)
		return;
	n->up = up != 0;
	if (n->up)
		snprintf(st, sizeof st, "%sSTATUS=running; Redis at %s answers",
		    n->ready ? "" : "READY=1\n", n->where);
	else
		snprintf(st, sizeof st, "STATUS=waiting for Redis at %s "
		    "(connection lost; reconnecting)", n->where);
	n->ready = n->ready || n->up;
	(void)notify_send(st);
}

struct notify *
notify_new(struct event_base *base, const char *where)
{
	struct notify	*n;
	char		 st[512];

	n = xcalloc(1, sizeof *n);
	n->where = xstrdup(where);
	notify_watchdog_start(n, base);
	if ((n->told = getenv("NOTIFY_SOCKET") != NULL)) {
		snprintf(st, sizeof st, "STATUS=waiting for Redis at %s",
		    n->where);
		(void)notify_send(st);
	}
	return n;
}

void
notify_stopping(struct notify *n)
{
	if (n == NULL)
		return;
	n->stopping = 1;
	(void)notify_send("STOPPING=1");
}

void
notify_note(struct notify *n, const char *note)
{
	char	st[512];

	if (n == NULL || n->stopping)
		return;
	if (n->told && !n->up)
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
	free(n->where);
	free(n);
}
