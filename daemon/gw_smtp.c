/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Gateway kind "smtp": email through the agency's own mail server (smtp://
 * with STARTTLS required unless starttls: false, or smtps:// with implicit
 * TLS; AUTH when a username is set). The message is built by
 * gw_smtp_msg.c: RFC 5322 headers, MIME multipart/alternative, UTF-8,
 * quoted-printable, CRLF throughout.
 *
 * This file is an HTTP engine in STYLE's sense: it includes curl. It does
 * not use the shared multi engine: libcurl waits for the reply to the end of
 * DATA (and to QUIT) with a blocking poll even inside
 * curl_multi_socket_action() (curl issue 8555), which would stall the loop
 * for up to timeout_ms. So the transfers run off the loop, the way the
 * outbox kind does its fsync: min(max_concurrency, 4) worker threads, each
 * with its own easy handle (reused, so connections are kept), take calls
 * from a queue (mutex + condvar) and run curl_easy_perform(); a finished
 * call goes to a done list and the loop is woken through an eventfd, where
 * the reply is classified and the callback runs. The threads touch only the
 * calls they took, their easy handle, and the queue: no libevent, jansson
 * or log call from them.
 *
 * Ownership: the gateway owns both lists and every call in them (the
 * caller's gw_cb + arg, copies of the envelope and the message, the reply
 * lines, and the Message-ID that becomes the provider id); a thread owns the
 * call it took until it puts it on the done list. A call is freed on the
 * loop after its callback, and leaves the lists before it, so the callback
 * may free the gateway. gw_smtp_free() lets the threads finish the transfer
 * in hand, joins them, and drops undelivered callbacks (queued or done).
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "config_parse.h"
#include "gw.h"
#include "gw_http.h"
#include "gw_smtp.h"
#include "http.h"
#include "log.h"

#define GW_SMTP_THREADS_MAX	4
#define GW_SMTP_REPLIES_MAX	(16 * 1024)

_Static_assert(GW_SMTP_LOGIN_DENIED == CURLE_LOGIN_DENIED,
    "GW_SMTP_LOGIN_DENIED must be curl's CURLE_LOGIN_DENIED");

struct gw_smtp_call {
	TAILQ_ENTRY(gw_smtp_call) entry;
	gw_cb			 cb;
	void			*arg;
	char			 msgid[128];
	int			 refused;	/* answered by reason, not sent */
	char			 reason[200];
	/* the transfer, read by the thread that took the call */
	char			*from;
	struct curl_slist	*rcpt;
	char			*msg;
	size_t			 msglen;
	size_t			 upos;		/* upload offset in msg */
	/* its outcome, written by that thread */
	CURLcode		 error;
	long			 status;	/* the last SMTP reply code */
	double			 total_ms;
	struct buf		 replies;	/* the server's reply lines */
	char			 errbuf[CURL_ERROR_SIZE];
};
TAILQ_HEAD(gw_smtp_calls, gw_smtp_call);

struct gw_smtp {
	char			*url;
	char			*username;
	char			*password;
	char			*ca_file;
	long			 use_ssl;	/* CURLOPT_USE_SSL */
	long			 connect_timeout_ms;
	long			 timeout_ms;
	int			 curl_init;	/* curl_global_init() done */
	int			 efd;
	struct event		*ev;
	CURL			*easy[GW_SMTP_THREADS_MAX];
	pthread_t		 threads[GW_SMTP_THREADS_MAX];
	int			 nthreads;	/* started */
	int			 nexts;		/* next easy handle to hand out */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct gw_smtp_calls	 todo;		/* loop -> threads */
	struct gw_smtp_calls	 done;		/* threads -> loop */
	int			 stop;
	int			*gone;		/* set when freed in a callback */
};

static void
gw_smtp_secret_free(char *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, strlen(p));
	free(p);
}

static void
gw_smtp_call_free(struct gw_smtp_call *c)
{
	free(c->from);
	curl_slist_free_all(c->rcpt);
	free(c->msg);
	buf_free(&c->replies);
	free(c);
}

/* The message upload: curl reads it from the call's copy. */
static size_t
gw_smtp_read_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct gw_smtp_call	*c = arg;
	size_t			 n = size * nmemb, left = c->msglen - c->upos;

	if (n > left)
		n = left;
	if (n > 0)
		memcpy(p, c->msg + c->upos, n);
	c->upos += n;
	return n;
}

/* Lets curl start the upload over when it retries on a fresh connection. */
static int
gw_smtp_seek_cb(void *arg, curl_off_t off, int origin)
{
	struct gw_smtp_call	*c = arg;

	if (origin != SEEK_SET || off < 0 || (curl_off_t)c->msglen < off)
		return CURL_SEEKFUNC_CANTSEEK;
	c->upos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* The server's reply lines come through the header callback. */
static size_t
gw_smtp_reply_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct gw_smtp_call	*c = arg;
	size_t			 n = size * nmemb;

	if (c->replies.len + n <= GW_SMTP_REPLIES_MAX)
		buf_append(&c->replies, p, n);
	return n;
}

/* Discards anything curl would write as a body (nothing, for SMTP). */
static size_t
gw_smtp_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* One transfer on a thread's easy handle; the outcome goes in the call. */
static void
gw_smtp_perform(struct gw_smtp *s, CURL *e, struct gw_smtp_call *c)
{
	CURLcode	rc = CURLE_OK;
	double		t = 0;

#define SET(opt, val) do {						\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, opt, val);			\
} while (0)
	curl_easy_reset(e);	/* keeps the connections, TLS sessions, DNS */
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	/* Verification stays on: a CA file only changes the trusted roots. */
	if (s->ca_file != NULL)
		SET(CURLOPT_CAINFO, s->ca_file);
	SET(CURLOPT_USE_SSL, s->use_ssl);
	if (s->username != NULL) {
		SET(CURLOPT_USERNAME, s->username);
		SET(CURLOPT_PASSWORD, s->password);
	}
	SET(CURLOPT_MAIL_FROM, c->from);
	SET(CURLOPT_MAIL_RCPT, c->rcpt);
	SET(CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, s->timeout_ms);
	/* the replies to DATA and QUIT: bounded by ours, not curl's 2 min */
	if (s->timeout_ms > 0)
		SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (s->timeout_ms + 999) / 1000);
	SET(CURLOPT_HEADERFUNCTION, gw_smtp_reply_cb);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_WRITEFUNCTION, gw_smtp_write_cb);
	SET(CURLOPT_WRITEDATA, c);
	c->upos = 0;
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, gw_smtp_read_cb);
	SET(CURLOPT_READDATA, c);
	SET(CURLOPT_SEEKFUNCTION, gw_smtp_seek_cb);
	SET(CURLOPT_SEEKDATA, c);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->msglen);
#undef SET
	if (rc == CURLE_OK)
		rc = curl_easy_perform(e);
	c->error = rc;
	if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status) != CURLE_OK)
		c->status = 0;
	if (curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &t) == CURLE_OK)
		c->total_ms = t * 1000.0;
	/* nothing of the call may stay attached to the handle */
	curl_easy_reset(e);
}

static void *
gw_smtp_thread(void *arg)
{
	struct gw_smtp		*s = arg;
	struct gw_smtp_call	*c;
	uint64_t		 one = 1;
	CURL			*e;

	pthread_mutex_lock(&s->mu);
	e = s->easy[s->nexts++];
	pthread_mutex_unlock(&s->mu);
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (TAILQ_EMPTY(&s->todo) && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop) {
			/* what is still queued is dropped by gw_smtp_free() */
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		c = TAILQ_FIRST(&s->todo);
		TAILQ_REMOVE(&s->todo, c, entry);
		pthread_mutex_unlock(&s->mu);

		gw_smtp_perform(s, e, c);

		pthread_mutex_lock(&s->mu);
		TAILQ_INSERT_TAIL(&s->done, c, entry);
		pthread_mutex_unlock(&s->mu);
		/* EAGAIN: the counter is full, the loop has a wake-up anyway */
		while (write(s->efd, &one, sizeof one) == -1 && errno == EINTR)
			;
	}
}

/* Wakes the loop for what is on the done list (refusals, from the loop). */
static void
gw_smtp_wake(struct gw_smtp *s)
{
	uint64_t	one = 1;

	if (write(s->efd, &one, sizeof one) == -1 && errno != EAGAIN)
		log_err("smtp: eventfd");
}

/* One finished call into a result: the Message-ID is the provider id. */
static void
gw_smtp_result(struct gw_smtp_call *c, struct gw_result *res)
{
	struct http_response	resp;

	memset(res, 0, sizeof *res);
	if (c->refused) {
		res->status = GW_PERMANENT;
		res->retry_after_s = -1;
		res->local = 1;
		snprintf(res->reason, sizeof res->reason, "%s", c->reason);
		return;
	}
	memset(&resp, 0, sizeof resp);
	resp.status = c->status;
	resp.error = (int)c->error;
	resp.errmsg = c->error == CURLE_OK ? NULL : c->errbuf[0] != '\0' ?
	    c->errbuf : curl_easy_strerror(c->error);
	resp.retry_after_s = -1;
	resp.body = "";
	resp.headers = c->replies.data != NULL ? c->replies.data : "";
	resp.total_ms = c->total_ms;
	gw_smtp_classify(&resp, res);
	if (res->status == GW_SENT)
		snprintf(res->provider_id, sizeof res->provider_id, "%s",
		    c->msgid);
}

static void
gw_smtp_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct gw_smtp		*s = arg;
	struct gw_smtp_call	*c;
	struct gw_result	 res;
	uint64_t		 n;
	int			 gone = 0;

	(void)what;
	if (read(fd, &n, sizeof n) == -1 && errno != EAGAIN)
		log_err("smtp: eventfd");
	/* one at a time: a callback may free the gateway */
	s->gone = &gone;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		if ((c = TAILQ_FIRST(&s->done)) != NULL)
			TAILQ_REMOVE(&s->done, c, entry);
		pthread_mutex_unlock(&s->mu);
		if (c == NULL)
			break;
		gw_smtp_result(c, &res);
		c->cb(&res, c->arg);
		gw_smtp_call_free(c);
		if (gone)
			return;
	}
	s->gone = NULL;
}

/* Stops and joins the threads, frees every call left and the gateway. */
static void
gw_smtp_release(struct gw_smtp *s)
{
	struct gw_smtp_call	*c;
	int			 i;

	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	TAILQ_CONCAT(&s->todo, &s->done, entry);
	while ((c = TAILQ_FIRST(&s->todo)) != NULL) {
		TAILQ_REMOVE(&s->todo, c, entry);
		gw_smtp_call_free(c);
	}
	for (i = 0; i < GW_SMTP_THREADS_MAX; i++) {
		if (s->easy[i] != NULL)
			curl_easy_cleanup(s->easy[i]);
	}
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->efd != -1)
		close(s->efd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	if (s->gone != NULL)
		*s->gone = 1;
	if (s->curl_init)
		curl_global_cleanup();
	free(s->url);
	free(s->username);
	gw_smtp_secret_free(s->password);
	free(s->ca_file);
	free(s);
}

/* url: smtp://host:587 (STARTTLS) or smtps://host:465 (implicit TLS) */
#define S(f)	offsetof(struct gw_smtp_conf, f)
static const struct config_opt gw_smtp_opts[] = {
	{ "username", CONFIG_STR, S(username), 0, 0, NULL },
	{ "password_env", CONFIG_ENV, S(password), 0, 0, NULL },
	{ "password_file", CONFIG_FILE, S(password), 0, 0, NULL },
	{ "starttls", CONFIG_STR, S(starttls), 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef S

/* A username without a password (or the reverse) is refused by init. */
static int
gw_smtp_conf_check(struct config_ctx *c, const struct config_gateway *g,
    const struct ynode *name, const struct ynode *n, int failed)
{
	const struct gw_smtp_conf	*sc = g->conf;
	int				 rc = 0;

	(void)failed;
	if (g->url == NULL)
		rc = gw_kind_needs(c, g, name, "\"url\"");
	else if (strncmp(g->url, "smtp://", 7) != 0 &&
	    strncmp(g->url, "smtps://", 8) != 0) {
		config_err(c, ynode_get(n, "url"), "smtp url must start with "
		    "smtp:// or smtps://");
		rc = -1;
	}
	if (sc->starttls != NULL && strcmp(sc->starttls, "true") != 0 &&
	    strcmp(sc->starttls, "false") != 0) {
		config_err(c, ynode_get(n, "starttls"), "starttls must be true "
		    "or false");
		rc = -1;
	}
	if (rc == 0 && strncmp(g->url, "smtp://", 7) == 0 &&
	    sc->starttls != NULL && strcmp(sc->starttls, "false") == 0)
		gw_kind_clear(c, g, name);
	return rc;
}

/* Its n easy handles, the eventfd that wakes the loop, n threads. */
static int
gw_smtp_start(struct gw_smtp *s, struct gw *g, int n, char *err,
    size_t errlen)
{
	int	i;

	/* reference counted: the HTTP engine has done it too, or not */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise curl");
		return -1;
	}
	s->curl_init = 1;
	for (i = 0; i < n; i++) {
		if ((s->easy[i] = curl_easy_init()) == NULL) {
			snprintf(err, errlen, "cannot create a curl handle");
			return -1;
		}
	}
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	if ((s->ev = event_new(g->base, s->efd, EV_READ | EV_PERSIST,
	    gw_smtp_on_done, s)) == NULL || event_add(s->ev, NULL) == -1) {
		snprintf(err, errlen, "cannot watch the eventfd");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((errno = pthread_create(&s->threads[i], NULL,
		    gw_smtp_thread, s)) != 0) {
			snprintf(err, errlen, "cannot start a sender: %s",
			    strerror(errno));
			return -1;
		}
		s->nthreads++;
	}
	return 0;
}

static int
gw_smtp_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	const struct gw_smtp_conf	*sc = cg->conf;
	struct gw_smtp			*s;
	int				 has_user, has_pw, n;

	if (cg->url == NULL || (strncmp(cg->url, "smtp://", 7) != 0 &&
	    strncmp(cg->url, "smtps://", 8) != 0)) {
		snprintf(err, errlen, "url must be smtp://host:port or "
		    "smtps://host:port");
		return -1;
	}
	has_user = sc->username != NULL && *sc->username != '\0';
	has_pw = sc->password != NULL && *sc->password != '\0';
	if (has_user != has_pw) {
		snprintf(err, errlen, has_user ? "username without a password "
		    "(password_env or password_file)" : "a password without "
		    "a username");
		return -1;
	}
	s = xcalloc(1, sizeof *s);
	s->efd = -1;
	TAILQ_INIT(&s->todo);
	TAILQ_INIT(&s->done);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->url = xstrdup(cg->url);
	if (has_user) {
		s->username = xstrdup(sc->username);
		s->password = xstrdup(sc->password);
	}
	if (cg->ca_file != NULL)
		s->ca_file = xstrdup(cg->ca_file);
	s->connect_timeout_ms = cg->connect_timeout_ms;
	s->timeout_ms = cg->timeout_ms;
	/* smtps:// is TLS from the first byte; smtp:// must upgrade to it */
	s->use_ssl = sc->starttls != NULL && strcmp(sc->starttls, "false") == 0 &&
	    strncmp(cg->url, "smtp://", 7) == 0 ? (long)CURLUSESSL_NONE :
	    (long)CURLUSESSL_ALL;
	if (s->use_ssl == (long)CURLUSESSL_NONE)
		log_warnx("gateway=%s starttls=false: mail%s go%s in clear text",
		    g->name, has_user ? " and password" : "",
		    has_user ? "" : "es");
	n = cg->max_concurrency < 1 ? 1 :
	    cg->max_concurrency > GW_SMTP_THREADS_MAX ? GW_SMTP_THREADS_MAX :
	    (int)cg->max_concurrency;
	if (gw_smtp_start(s, g, n, err, errlen) == -1) {
		gw_smtp_release(s);
		return -1;
	}
	g->priv = s;
	return 0;
}

static void
gw_smtp_free(struct gw *g)
{
	gw_smtp_release(g->priv);
	g->priv = NULL;
}

/* Answers GW_PERMANENT with reason, from the loop (never from inside). */
static int
gw_smtp_refuse(struct gw_smtp *s, const char *reason, gw_cb cb, void *arg)
{
	struct gw_smtp_call	*c;

	c = xcalloc(1, sizeof *c);
	buf_init(&c->replies);
	c->cb = cb;
	c->arg = arg;
	c->refused = 1;
	snprintf(c->reason, sizeof c->reason, "%s", reason);
	pthread_mutex_lock(&s->mu);
	TAILQ_INSERT_TAIL(&s->done, c, entry);
	pthread_mutex_unlock(&s->mu);
	gw_smtp_wake(s);
	return 0;
}

static int
gw_smtp_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_smtp		*s = g->priv;
	struct gw_smtp_call	*c;
	struct curl_slist	*rcpt;
	struct buf		 msg;
	const char		*domain;
	char			 why[128], reason[200];

	if (m->channel == NULL || strcmp(m->channel, "email") != 0)
		return gw_smtp_refuse(s, "smtp sends email only", cb, arg);
	if (gw_smtp_check(m, why, sizeof why) == -1) {
		snprintf(reason, sizeof reason, "smtp: cannot build the "
		    "message: %s", why);
		return gw_smtp_refuse(s, reason, cb, arg);
	}
	if ((rcpt = curl_slist_append(NULL, m->to)) == NULL)
		return -1;
	domain = strchr(m->from, '@') + 1;
	c = xcalloc(1, sizeof *c);
	buf_init(&c->replies);
	c->cb = cb;
	c->arg = arg;
	snprintf(c->msgid, sizeof c->msgid, "<%s@%s>", m->key, domain);
	c->from = xstrdup(m->from);
	c->rcpt = rcpt;
	buf_init(&msg);
	(void)gw_smtp_message(m, domain, &msg);
	c->msg = buf_steal(&msg, &c->msglen);
	pthread_mutex_lock(&s->mu);
	TAILQ_INSERT_TAIL(&s->todo, c, entry);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

const struct gw_kind gw_smtp_kind = {
	.name = "smtp",
	.keys = GW_KEY_URL | GW_KEY_CA_FILE,
	.opts = gw_smtp_opts,
	.conf_size = sizeof(struct gw_smtp_conf),
	.check = gw_smtp_conf_check,
	.init = gw_smtp_init,
	.send = gw_smtp_send,
	.free = gw_smtp_free,
};
