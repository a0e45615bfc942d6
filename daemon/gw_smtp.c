/*
 * Gateway kind "smtp": email through the agency's own mail server (smtp://
 * with STARTTLS required unless starttls: false, or smtps:// with implicit
 * TLS; AUTH when a username is set). The message is built here: RFC 5322
 * headers, MIME multipart/alternative, UTF-8, quoted-printable, CRLF
 * throughout.
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
#include "gw.h"
#include "gw_http.h"
#include "gw_smtp.h"
#include "http.h"
#include "log.h"

#define GW_SMTP_LINE		78	/* RFC 5322 2.1.1: SHOULD, not MUST */
#define GW_SMTP_WORD		75	/* RFC 2047 2: an encoded-word's limit */
#define GW_SMTP_QP_LINE		76	/* RFC 2045 6.7 (5) */
#define GW_SMTP_KEY_MAX		61	/* "=_relais_" + key: a 70-char boundary */
#define GW_SMTP_EW_OVERHEAD	12	/* "=?UTF-8?B?" "?=" */
#define GW_SMTP_ADDR_MAX	254	/* RFC 5321 4.5.3.1.3: 256 with "<>" */
#define GW_SMTP_DOMAIN_MAX	253	/* RFC 1035 */
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
		log_warn("smtp: eventfd");
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
		log_warn("smtp: eventfd");
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

static int
gw_smtp_init(struct gw *g, const struct config_gateway *cg, char *err,
    size_t errlen)
{
	struct gw_smtp	*s;
	int		 has_user, has_pw, n, i;

	if (cg->url == NULL || (strncmp(cg->url, "smtp://", 7) != 0 &&
	    strncmp(cg->url, "smtps://", 8) != 0)) {
		snprintf(err, errlen, "url must be smtp://host:port or "
		    "smtps://host:port");
		return -1;
	}
	has_user = cg->username != NULL && *cg->username != '\0';
	has_pw = cg->password != NULL && *cg->password != '\0';
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
		s->username = xstrdup(cg->username);
		s->password = xstrdup(cg->password);
	}
	if (cg->ca_file != NULL)
		s->ca_file = xstrdup(cg->ca_file);
	s->connect_timeout_ms = cg->connect_timeout_ms;
	s->timeout_ms = cg->timeout_ms;
	/* smtps:// is TLS from the first byte; smtp:// must upgrade to it */
	s->use_ssl = cg->starttls != NULL && strcmp(cg->starttls, "false") == 0 &&
	    strncmp(cg->url, "smtp://", 7) == 0 ? (long)CURLUSESSL_NONE :
	    (long)CURLUSESSL_ALL;
	if (s->use_ssl == (long)CURLUSESSL_NONE)
		log_warnx("gateway=%s starttls=false: mail%s go%s in clear text",
		    g->name, has_user ? " and password" : "",
		    has_user ? "" : "es");
	/* reference counted: the HTTP engine has done it too, or not */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise curl");
		goto fail;
	}
	s->curl_init = 1;
	n = cg->max_concurrency < 1 ? 1 :
	    cg->max_concurrency > GW_SMTP_THREADS_MAX ? GW_SMTP_THREADS_MAX :
	    (int)cg->max_concurrency;
	for (i = 0; i < n; i++) {
		if ((s->easy[i] = curl_easy_init()) == NULL) {
			snprintf(err, errlen, "cannot create a curl handle");
			goto fail;
		}
	}
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((s->ev = event_new(g->base, s->efd, EV_READ | EV_PERSIST,
	    gw_smtp_on_done, s)) == NULL || event_add(s->ev, NULL) == -1) {
		snprintf(err, errlen, "cannot watch the eventfd");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if ((errno = pthread_create(&s->threads[i], NULL,
		    gw_smtp_thread, s)) != 0) {
			snprintf(err, errlen, "cannot start a sender: %s",
			    strerror(errno));
			goto fail;
		}
		s->nthreads++;
	}
	g->priv = s;
	return 0;
fail:
	gw_smtp_release(s);
	return -1;
}

static void
gw_smtp_free(struct gw *g)
{
	gw_smtp_release(g->priv);
	g->priv = NULL;
}

/* Length of the UTF-8 sequence at p, 0 when it is not one. */
static size_t
gw_smtp_utf8_len(const unsigned char *p)
{
	size_t	n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	/* overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

static int
gw_smtp_utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		if ((n = gw_smtp_utf8_len(p)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

/* An addr-spec we can put in a header and an envelope as it is. */
static int
gw_smtp_addr_valid(const char *a)
{
	const char	*at, *p;

	/* the length also keeps To: and Message-ID: within RFC 5322's 998 */
	if (a == NULL || (at = strchr(a, '@')) == NULL || at == a ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strlen(a) > GW_SMTP_ADDR_MAX)
		return 0;
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[],;:\"\\", *p) != NULL)
			return 0;
	}
	return 1;
}

int
gw_smtp_check(const struct gw_msg *m, char *err, size_t errlen)
{
	const char	*p;
	int		 has_text, has_html;

	has_text = m->text != NULL && *m->text != '\0';
	has_html = m->html != NULL && *m->html != '\0';
	if (!gw_smtp_addr_valid(m->to)) {
		snprintf(err, errlen, "no usable recipient address");
		return -1;
	}
	if (!gw_smtp_addr_valid(m->from)) {
		snprintf(err, errlen, "no usable sender address");
		return -1;
	}
	if (m->reply_to != NULL && *m->reply_to != '\0' &&
	    !gw_smtp_addr_valid(m->reply_to)) {
		snprintf(err, errlen, "unusable reply-to address");
		return -1;
	}
	if (m->key == NULL || *m->key == '\0' ||
	    strlen(m->key) > GW_SMTP_KEY_MAX) {
		snprintf(err, errlen, "no usable delivery key");
		return -1;
	}
	for (p = m->key; *p != '\0'; p++) {
		if (strchr("0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_", *p) == NULL) {
			snprintf(err, errlen, "no usable delivery key");
			return -1;
		}
	}
	if ((m->subject != NULL && strpbrk(m->subject, "\r\n") != NULL) ||
	    (m->from_name != NULL && strpbrk(m->from_name, "\r\n") != NULL)) {
		snprintf(err, errlen, "a line break in a header field");
		return -1;
	}
	if (!has_text && !has_html) {
		snprintf(err, errlen, "no content");
		return -1;
	}
	if (gw_unsubscribe(m) == -1) {
		snprintf(err, errlen, "unsubscribe URL unusable in a header");
		return -1;
	}
	if ((m->subject != NULL && !gw_smtp_utf8_valid(m->subject)) ||
	    (m->from_name != NULL && !gw_smtp_utf8_valid(m->from_name)) ||
	    (has_text && !gw_smtp_utf8_valid(m->text)) ||
	    (has_html && !gw_smtp_utf8_valid(m->html))) {
		snprintf(err, errlen, "a field is not valid UTF-8");
		return -1;
	}
	if (errlen > 0)
		err[0] = '\0';
	return 0;
}

static void
gw_smtp_base64(struct buf *out, const unsigned char *p, size_t len)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t		 v;
	size_t			 i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_putc(out, tab[v >> 6 & 63]);
		buf_putc(out, tab[v & 63]);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		buf_putc(out, tab[v >> 18 & 63]);
		buf_putc(out, tab[v >> 12 & 63]);
		buf_putc(out, i + 1 < len ? tab[v >> 6 & 63] : '=');
		buf_putc(out, '=');
	}
}

/*
 * Appends text as RFC 2047 "B" encoded-words, each at most 75 characters and
 * holding whole UTF-8 sequences only (a decoder may decode each word alone),
 * folded so that no line passes 78; *col is the current column.
 */
static void
gw_smtp_encwords(struct buf *out, const char *text, size_t *col)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 room, max, n, c;

	while (*p != '\0') {
		room = GW_SMTP_LINE - *col;
		if (room > GW_SMTP_WORD)
			room = GW_SMTP_WORD;
		max = room > GW_SMTP_EW_OVERHEAD ?
		    (room - GW_SMTP_EW_OVERHEAD) / 4 * 3 : 0;
		for (n = 0; p[n] != '\0'; n += c) {
			if ((c = gw_smtp_utf8_len(p + n)) == 0)
				c = 1;
			if (n + c > max)
				break;
		}
		if (n == 0) {
			/* not even one character fits: go on a new line */
			buf_puts(out, "\r\n ");
			*col = 1;
			continue;
		}
		/*
		 * End a word after a space when one is near: the same to an
		 * RFC 2047 decoder, and decoders that wrongly keep a space
		 * between words (Python's, in display names) cut no word.
		 */
		for (c = n; p[n] != '\0' && c > n / 2 && p[c - 1] != ' '; c--)
			;
		if (p[n] != '\0' && c > n / 2)
			n = c;
		buf_puts(out, "=?UTF-8?B?");
		gw_smtp_base64(out, p, n);
		buf_puts(out, "?=");
		*col += GW_SMTP_EW_OVERHEAD + (n + 2) / 3 * 4;
		p += n;
		if (*p != '\0') {
			buf_puts(out, "\r\n ");
			*col = 1;
		}
	}
}

/* Whether text may go in a header as it is: printable ASCII, no "=?". */
static int
gw_smtp_plain(const char *text)
{
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	}
	return strstr(text, "=?") == NULL;
}

/*
 * Appends plain ASCII text folded before spaces to stay within 78 columns,
 * from column col. -1 (nothing appended) when a word cannot fit.
 */
static int
gw_smtp_fold(struct buf *out, const char *text, size_t col)
{
	struct buf	 b;
	const char	*p, *w;
	size_t		 n, len;

	buf_init(&b);
	for (p = text; *p != '\0'; p = w + n) {
		/* a chunk: the spaces before a word, and the word */
		for (w = p; *w == ' '; w++)
			;
		n = strcspn(w, " ");
		len = (size_t)(w - p) + n;
		if (col + len > GW_SMTP_LINE) {
			/*
			 * folding is a CRLF put before a space, if any, and
			 * a word: a line of spaces only is obsolete syntax
			 * (RFC 5322 4.2), taken by some for the blank line
			 */
			if (w == p || n == 0 || len > GW_SMTP_LINE) {
				buf_free(&b);
				return -1;
			}
			buf_puts(&b, "\r\n");
			col = 0;
		}
		buf_append(&b, p, len);
		col += len;
	}
	if (b.len > 0)
		buf_append(out, b.data, b.len);
	buf_free(&b);
	return 0;
}

/* "Name: value\r\n", value as it is when it can be, else encoded-words. */
static void
gw_smtp_header_text(struct buf *out, const char *name, const char *value)
{
	size_t	col;

	buf_printf(out, "%s: ", name);
	col = strlen(name) + 2;
	if (!gw_smtp_plain(value) || gw_smtp_fold(out, value, col) == -1)
		gw_smtp_encwords(out, value, &col);
	buf_puts(out, "\r\n");
}

/* From: "Name" <addr>, the name quoted when ASCII, else encoded-words. */
static void
gw_smtp_header_from(struct buf *out, const char *name, const char *addr)
{
	const char	*p;
	size_t		 col = 6, qlen = 2;

	buf_puts(out, "From: ");
	if (name == NULL || *name == '\0') {
		buf_printf(out, "%s\r\n", addr);
		return;
	}
	for (p = name; *p != '\0'; p++)
		qlen += *p == '"' || *p == '\\' ? 2 : 1;
	if (gw_smtp_plain(name) && col + qlen <= GW_SMTP_LINE) {
		buf_putc(out, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
		col += qlen;
	} else
		gw_smtp_encwords(out, name, &col);
	if (col + 3 + strlen(addr) > GW_SMTP_LINE)
		buf_printf(out, "\r\n <%s>\r\n", addr);
	else
		buf_printf(out, " <%s>\r\n", addr);
}

/* RFC 5322 3.3 date-time from the daemon's clock, in UTC. */
static void
gw_smtp_header_date(struct buf *out)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
				    "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May",
				    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
				    "Dec" };
	struct tm		 tm;
	time_t			 t = (time_t)(clock_now_ms() / 1000);

	gmtime_r(&t, &tm);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Appends text quoted-printable (RFC 2045 6.7): "=", controls and bytes
 * past ASCII as =XX, whitespace too at the end of a line, soft breaks to
 * keep lines within 76; LF or CRLF become CRLF. A "From " opening a line
 * is encoded too, for the mailboxes that would mangle it. Ends without a
 * line break unless text does.
 */
static void
gw_smtp_qp(struct buf *out, const char *text)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 col = 0, tok;
	int			 enc, eol;

	for (; *p != '\0'; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			if (*p == '\r')
				p++;
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		if (*p == ' ' || *p == '\t')
			enc = eol;
		else
			enc = *p == '=' || *p < ' ' || *p >= 0x7f;
		tok = enc ? 3 : 1;
		if (col + tok > (eol ? GW_SMTP_QP_LINE : GW_SMTP_QP_LINE - 1)) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		if (col == 0 && strncmp((const char *)p, "From ", 5) == 0) {
			enc = 1;
			tok = 3;
		}
		if (enc)
			buf_printf(out, "=%02X", *p);
		else
			buf_putc(out, (char)*p);
		col += tok;
	}
}

/* One body part's headers and quoted-printable content. */
static void
gw_smtp_part(struct buf *out, const char *type, const char *text)
{
	buf_printf(out, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	gw_smtp_qp(out, text);
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		buf_puts(out, "\r\n");
}

/* The domain for Message-ID: the given one, else the sender's. */
static const char *
gw_smtp_domain(const struct gw_msg *m, const char *domain)
{
	const char	*p;

	if (domain != NULL && *domain != '\0' &&
	    strlen(domain) <= GW_SMTP_DOMAIN_MAX) {
		for (p = domain; *p != '\0'; p++) {
			if (strchr("abcdefghijklmnopqrstuvwxyz0123456789.-"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", *p) == NULL)
				break;
		}
		if (*p == '\0')
			return domain;
	}
	return strchr(m->from, '@') + 1;	/* checked: an address */
}

int
gw_smtp_message(const struct gw_msg *m, const char *domain, struct buf *out)
{
	int	has_text, has_html, unsub;
	char	err[64];

	if (gw_smtp_check(m, err, sizeof err) == -1)
		return -1;
	has_text = m->text != NULL && *m->text != '\0';
	has_html = m->html != NULL && *m->html != '\0';
	domain = gw_smtp_domain(m, domain);

	gw_smtp_header_date(out);
	gw_smtp_header_from(out, m->from_name, m->from);
	buf_printf(out, "To: %s\r\n", m->to);
	if (m->reply_to != NULL && *m->reply_to != '\0')
		buf_printf(out, "Reply-To: %s\r\n", m->reply_to);
	if (m->subject != NULL && *m->subject != '\0')
		gw_smtp_header_text(out, "Subject", m->subject);
	buf_printf(out, "Message-ID: <%s@%s>\r\n", m->key, domain);
	/* the delivery key alone: no personal data in a header servers log */
	buf_printf(out, "X-Relais-Delivery: %s\r\n", m->key);
	if ((unsub = gw_unsubscribe(m)) > 0) {
		/*
		 * RFC 2369 forbids breaking the URL: when too long for the
		 * line, it goes alone on the next one, past 78 characters
		 * (a SHOULD) but within 998 (a MUST: GW_UNSUBSCRIBE_MAX).
		 */
		buf_printf(out, "List-Unsubscribe:%s<%s>\r\n",
		    strlen(m->unsubscribe_url) + 20 > GW_SMTP_LINE ? "\r\n " :
		    " ", m->unsubscribe_url);
		/* RFC 8058: one click only over HTTPS */
		if (unsub == 2)
			buf_puts(out, "List-Unsubscribe-Post: " GW_ONE_CLICK
			    "\r\n");
	}
	buf_puts(out, "MIME-Version: 1.0\r\n");
	if (!has_text || !has_html) {
		gw_smtp_part(out, has_text ? "text/plain" : "text/html",
		    has_text ? m->text : m->html);
		return 0;
	}
	/* "=_" can never occur in quoted-printable: a safe boundary */
	buf_printf(out, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"=_relais_%s\"\r\n\r\n", m->key);
	buf_printf(out, "--=_relais_%s\r\n", m->key);
	gw_smtp_part(out, "text/plain", m->text);
	buf_printf(out, "\r\n--=_relais_%s\r\n", m->key);
	gw_smtp_part(out, "text/html", m->html);
	buf_printf(out, "\r\n--=_relais_%s--\r\n", m->key);
	return 0;
}

/*
 * The server's last reply line with that code, without the code, single-line,
 * every address masked (servers quote the recipient: "<ana@example.com>:
 * unknown user"). The code's, not the last: a QUIT's "221" may follow.
 */
static void
gw_smtp_last_reply(const char *block, long code, char *out, size_t outlen)
{
	const char	*line, *last = NULL, *p, *end, *lead, *at;
	struct buf	 b;
	char		 digits[8];
	size_t		 n;

	snprintf(digits, sizeof digits, "%03ld", code);
	for (line = block; line != NULL && *line != '\0';
	    line = (line = strchr(line, '\n')) != NULL ? line + 1 : NULL) {
		if (strncmp(line, digits, 3) == 0 && strspn(line, "0123456789") == 3)
			last = line;
	}
	if (last == NULL) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	p = last + 3;
	if (*p == ' ' || *p == '-')
		p++;
	end = p + strcspn(p, "\r\n");
	buf_init(&b);
	while (p < end) {
		n = strcspn(p, " \t\r\n");
		if ((at = memchr(p, '@', n)) != NULL) {
			/* "<ana@example.com>:" becomes "<a***@example.com>:" */
			for (lead = p; lead < at && strchr("<\"'(", *lead) != NULL;
			    lead++)
				;
			buf_append(&b, p, (size_t)(lead - p));
			if (lead < at) {
				buf_putc(&b, *lead);
				buf_puts(&b, "***");
			}
			buf_append(&b, at, (size_t)(p + n - at));
		} else
			buf_append(&b, p, n);
		for (p += n; p < end && (*p == ' ' || *p == '\t'); p++)
			buf_putc(&b, ' ');
	}
	gw_http_excerpt(b.data != NULL ? b.data : "", b.len, out, outlen);
	buf_free(&b);
}

void
gw_smtp_classify(const struct http_response *resp, struct gw_result *res)
{
	char	line[200];

	res->retry_after_s = -1;
	res->ms = resp->total_ms;
	res->reason[0] = '\0';
	res->provider_id[0] = '\0';
	if (resp->error == 0) {
		/* 250 to the end of DATA: the server took the message */
		res->status = GW_SENT;
		return;
	}
	if (resp->status >= 400 && resp->status < 600) {
		gw_smtp_last_reply(resp->headers, resp->status, line,
		    sizeof line);
		snprintf(res->reason, sizeof res->reason, "SMTP %ld: %s",
		    resp->status, line[0] != '\0' ? line : resp->errmsg);
		/* 4xx: try again later (RFC 5321 4.2.1), 454 AUTH included */
		res->status = resp->status < 500 ? GW_RETRY : GW_PERMANENT;
		return;
	}
	if (resp->error == GW_SMTP_LOGIN_DENIED) {
		res->status = GW_PERMANENT;
		snprintf(res->reason, sizeof res->reason, "SMTP login denied: %s",
		    resp->errmsg);
		return;
	}
	res->status = GW_RETRY;
	snprintf(res->reason, sizeof res->reason, "transport: %s",
	    resp->errmsg != NULL ? resp->errmsg : "error");
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
	.init = gw_smtp_init,
	.send = gw_smtp_send,
	.free = gw_smtp_free,
};
