/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "outbox": appends one JSON line per message to a file.
 *
 * A message counts as sent only once its line is on disk (fdatasync), and
 * fsync must not block the loop, so a writer thread does the I/O: the loop
 * queues records, the thread writes every queued record and syncs once per
 * batch (group commit), then moves them to a done list and wakes the loop
 * through an eventfd, where the callbacks run.
 *
 * Ownership: the gateway owns both lists and every record in them; a record
 * is freed on the loop after its callback. gw_outbox_free() lets the thread
 * finish what it was given, joins it, and drops undelivered callbacks.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "config_parse.h"
#include "gw.h"
#include "gw_outbox.h"
#include "log.h"

struct gw_outbox_rec {
	char				*line;
	size_t				 len;
	gw_cb				 cb;
	void				*arg;
	int				 error;	/* errno of a failed write */
	TAILQ_ENTRY(gw_outbox_rec)	 entry;
};
TAILQ_HEAD(gw_outbox_recs, gw_outbox_rec);

struct gw_outbox {
	char			*path;
	int			 fd;
	int			 efd;
	struct event		*ev;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct gw_outbox_recs	 todo;	/* loop -> thread */
	struct gw_outbox_recs	 done;	/* thread -> loop */
	int			 stop;
};

static int
gw_outbox_write(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *
gw_outbox_thread(void *arg)
{
	struct gw_outbox	*o = arg;
	struct gw_outbox_recs	 batch;
	struct gw_outbox_rec	*r;
	uint64_t		 one = 1;
	off_t			 start;
	int			 err;

	for (;;) {
		pthread_mutex_lock(&o->mu);
		while (TAILQ_EMPTY(&o->todo) && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		if (TAILQ_EMPTY(&o->todo) && o->stop) {
			pthread_mutex_unlock(&o->mu);
			return NULL;
		}
		TAILQ_INIT(&batch);
		TAILQ_CONCAT(&batch, &o->todo, entry);
		pthread_mutex_unlock(&o->mu);

		/*
		 * All or nothing: on a short write or a failed sync the file is
		 * cut back to where the batch began, so no torn line stays and
		 * no line is written twice when the batch is retried.
		 */
		err = 0;
		start = lseek(o->fd, 0, SEEK_END);
		TAILQ_FOREACH(r, &batch, entry) {
			if ((err = gw_outbox_write(o->fd, r->line, r->len)) != 0)
				break;
		}
		if (err == 0 && fdatasync(o->fd) == -1)
			err = errno;
		if (err != 0 && start != -1 && ftruncate(o->fd, start) == -1)
			log_warn("outbox %s: cannot cut back a failed batch",
			    o->path);
		TAILQ_FOREACH(r, &batch, entry)
			r->error = err;
		pthread_mutex_lock(&o->mu);
		TAILQ_CONCAT(&o->done, &batch, entry);
		pthread_mutex_unlock(&o->mu);
		if (write(o->efd, &one, sizeof one) == -1 && errno != EAGAIN)
			log_err("outbox: eventfd");
	}
}

static void
gw_outbox_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct gw_outbox	*o = arg;
	struct gw_outbox_recs	 batch;
	struct gw_outbox_rec	*r;
	struct gw_result	 res;
	uint64_t		 n;

	(void)what;
	if (read(fd, &n, sizeof n) == -1 && errno != EAGAIN)
		log_err("outbox: eventfd");
	TAILQ_INIT(&batch);
	pthread_mutex_lock(&o->mu);
	TAILQ_CONCAT(&batch, &o->done, entry);
	pthread_mutex_unlock(&o->mu);
	while ((r = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, r, entry);
		memset(&res, 0, sizeof res);
		res.retry_after_s = -1;
		if (r->error == 0) {
			res.status = GW_SENT;
		} else {
			/* a full disk or an I/O error is transient for us */
			res.status = GW_RETRY;
			snprintf(res.reason, sizeof res.reason, "outbox %s: %s",
			    o->path, strerror(r->error));
		}
		r->cb(&res, r->arg);
		free(r->line);
		free(r);
	}
}

#define O(f)	offsetof(struct gw_outbox_conf, f)
static const struct config_opt gw_outbox_opts[] = {
	{ "path", CONFIG_STR, O(path), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef O

static int
gw_outbox_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	const struct gw_outbox_conf	*oc = g->conf;

	(void)n;
	(void)failed;
	return oc->path == NULL ? gw_kind_needs(c, g, name, "\"path\"") : 0;
}

/* What init set up, however far it went (the writer thread stopped). */
static void
gw_outbox_release(struct gw *g)
{
	struct gw_outbox	*o = g->priv;

	if (o->ev != NULL)
		event_free(o->ev);
	if (o->fd != -1)
		close(o->fd);
	if (o->efd != -1)
		close(o->efd);
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o->path);
	free(o);
	g->priv = NULL;
}

static int
gw_outbox_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_outbox_conf	*oc = cg->conf;
	struct gw_outbox		*o;

	o = xcalloc(1, sizeof *o);
	o->path = xstrdup(oc->path);
	o->fd = o->efd = -1;
	TAILQ_INIT(&o->todo);
	TAILQ_INIT(&o->done);
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	g->priv = o;
	if ((o->fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", o->path,
		    strerror(errno));
		goto fail;
	}
	if ((o->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((o->ev = event_new(g->base, o->efd, EV_READ | EV_PERSIST,
	    gw_outbox_on_done, o)) == NULL || event_add(o->ev, NULL) == -1) {
		snprintf(err, errlen, "cannot watch the eventfd");
		goto fail;
	}
	if ((errno = pthread_create(&o->thread, NULL, gw_outbox_thread, o)) != 0) {
		snprintf(err, errlen, "cannot start the writer: %s",
		    strerror(errno));
		event_free(o->ev);
		o->ev = NULL;
		goto fail;
	}
	return 0;
fail:
	gw_outbox_release(g);
	return -1;
}

static void
gw_outbox_free(struct gw *g)
{
	struct gw_outbox	*o = g->priv;
	struct gw_outbox_rec	*r;

	pthread_mutex_lock(&o->mu);
	o->stop = 1;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->thread, NULL);
	TAILQ_CONCAT(&o->todo, &o->done, entry);
	while ((r = TAILQ_FIRST(&o->todo)) != NULL) {
		TAILQ_REMOVE(&o->todo, r, entry);
		free(r->line);
		free(r);
	}
	gw_outbox_release(g);
}

static int
gw_outbox_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_outbox	*o = g->priv;
	struct gw_outbox_rec	*r;
	struct buf		 line;

	buf_init(&line);
	gw_record(m, &line);
	buf_putc(&line, '\n');
	r = xcalloc(1, sizeof *r);
	r->line = buf_steal(&line, &r->len);
	r->cb = cb;
	r->arg = arg;
	pthread_mutex_lock(&o->mu);
	TAILQ_INSERT_TAIL(&o->todo, r, entry);
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
	return 0;
}

/* No url nor ca_file: it writes a local file. */
const struct gw_kind gw_outbox_kind = {
	.name = "outbox",
	.opts = gw_outbox_opts,
	.conf_size = sizeof(struct gw_outbox_conf),
	.check = gw_outbox_check,
	.init = gw_outbox_init,
	.send = gw_outbox_send,
	.free = gw_outbox_free,
};
