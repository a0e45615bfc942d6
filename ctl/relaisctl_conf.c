/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What a relaisctl command needs before it runs: relaisd's environment
 * file, read as systemd reads it; the configuration, whole or its redis
 * section only; the Redis connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "config.h"
#include "envfile.h"
#include "relaisctl.h"

/*
 * The value given, for a command that reads only the redis section, to a
 * ${VAR} the file uses elsewhere and the environment lacks: the YAML loads,
 * and a redis section that needed it is still refused.
 */
#define CTL_UNSET	"\001relaisctl: unset\001"

/*
 * Reads relaisd's environment file as systemd does, its assignments
 * replacing the environment's: under systemd the file is all relaisd sees
 * (the shell relaisctl was started from is not relaisd's). file: --env-file,
 * else $RELAIS_ENV_FILE, else CTL_ENV_FILE when it exists; "" for none.
 */
int
ctl_env_load(const char *file)
{
	struct envfile	 ef;
	const char	*old;
	char		*text, err[160];
	size_t		 len, i;
	int		 dflt = 0;
	FILE		*f = NULL;

	if (file == NULL && (file = getenv("RELAIS_ENV_FILE")) == NULL) {
		file = CTL_ENV_FILE;
		dflt = 1;
	}
	if (*file == '\0')
		return 0;
	if (dflt && (f = fopen(file, "r")) == NULL && errno == ENOENT)
		return 0;
	if (dflt && f != NULL)
		fclose(f);
	if ((text = ctl_slurp(file, &len)) == NULL) {
		fprintf(stderr, "relaisctl: %s is the environment relaisd runs "
		    "with; --env-file names another (\"\": none)\n", file);
		return -1;
	}
	if (envfile_parse(text, len, &ef, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s: %s\n", file, err);
		free(text);
		return -1;
	}
	for (i = 0; i < ef.n; i++) {
		if (!ef.v[i].valid) {
			fprintf(stderr, "relaisctl: %s:%d: \"%s\" is not a "
			    "variable name: ignored, as systemd does\n", file,
			    ef.v[i].line, ef.v[i].name);
			continue;
		}
		old = getenv(ef.v[i].name);
		if (old != NULL && strcmp(old, ef.v[i].value) != 0)
			fprintf(stderr, "relaisctl: %s from %s, as relaisd "
			    "sees it, not the environment's\n", ef.v[i].name,
			    file);
		if (setenv(ef.v[i].name, ef.v[i].value, 1) == -1) {
			fprintf(stderr, "relaisctl: %s: %s\n", ef.v[i].name,
			    strerror(errno));
			envfile_clear(&ef);
			free(text);
			return -1;
		}
	}
	envfile_clear(&ef);
	free(text);
	return 0;
}

/*
 * Sets each variable the file uses as ${NAME} (no default) and the
 * environment lacks to CTL_UNSET; their names go into names. How many.
 */
static size_t
ctl_mark_unset(const char *path, struct buf *names)
{
	FILE		*f;
	struct buf	 b;
	char		 chunk[16384], name[256];
	const char	*p, *q;
	size_t		 got, n = 0, k;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, got);
	fclose(f);
	for (p = b.data; p != NULL && (p = strchr(p, '$')) != NULL; p++) {
		if (p[1] == '$') {
			p++;
			continue;
		}
		if (p[1] != '{')
			continue;
		for (q = p + 2; (*q >= 'A' && *q <= 'Z') || (*q >= 'a' &&
		    *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'; q++)
			;
		k = (size_t)(q - p - 2);
		if (*q != '}' || k == 0 || k >= sizeof name)
			continue;
		memcpy(name, p + 2, k);
		name[k] = '\0';
		if (getenv(name) != NULL || setenv(name, CTL_UNSET, 1) == -1)
			continue;
		buf_printf(names, "%s${%s}", n++ > 0 ? ", " : "", name);
	}
	buf_free(&b);
	return n;
}

static int
ctl_marked(const char *s)
{
	return s != NULL && strstr(s, CTL_UNSET) != NULL;
}

/*
 * The redis section only. A ${VAR} the environment lacks fails the whole
 * YAML file; when it is used outside the redis section, which is all the
 * command reads, it is told and passed over.
 */
static int
ctl_config_redis(struct ctl *c, const char *path)
{
	const struct config_redis	*r;
	struct diag			 d, again;
	struct buf			 names;
	size_t				 i;

	diag_init(&d);
	buf_init(&names);
	if ((c->cf = config_load_redis(path, &d)) == NULL &&
	    ctl_mark_unset(path, &names) > 0) {
		diag_init(&again);
		c->cf = config_load_redis(path, &again);
		diag_free(&again);
		r = c->cf != NULL ? &c->cf->redis : NULL;
		if (r != NULL && (ctl_marked(r->url) || ctl_marked(r->prefix) ||
		    ctl_marked(r->group) || ctl_marked(r->consumer) ||
		    ctl_marked(r->password))) {
			config_free(c->cf);
			c->cf = NULL;
		}
		if (c->cf != NULL) {
			fprintf(stderr, "relaisctl: %s not set: used outside the "
			    "redis section, which is all \"%s\" reads\n",
			    names.data, c->cmd->name);
			if (ctl_marked(c->cf->admin_listen)) {
				free(c->cf->admin_listen);
				c->cf->admin_listen = xstrdup("");
			}
		}
	}
	if (c->cf == NULL)
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
	diag_free(&d);
	buf_free(&names);
	return c->cf != NULL ? 0 : -1;
}

int
ctl_config(struct ctl *c, const char *path)
{
	struct diag	d;
	size_t		i;

	if (c->cmd->conf == CTL_CONF_REDIS)
		return ctl_config_redis(c, path);
	diag_init(&d);
	if ((c->cf = config_load(path, &d)) == NULL)
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
	diag_free(&d);
	return c->cf != NULL ? 0 : -1;
}

/* The URL of redis.url, its password (if any) masked. */
static void
ctl_url_masked(const char *url, char *out, size_t outlen)
{
	const char	*p, *end, *at, *colon;

	if (strncmp(url, "redis://", 8) != 0 ||
	    (at = memchr(url + 8, '@', strcspn(url + 8, "/"))) == NULL) {
		snprintf(out, outlen, "%s", url);
		return;
	}
	p = url + 8;
	end = at;
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL)	/* redis://password@host */
		snprintf(out, outlen, "redis://***%s", at);
	else
		snprintf(out, outlen, "redis://%.*s:***%s", (int)(colon - p), p,
		    at);
}

int
ctl_connect(struct ctl *c)
{
	const struct config_redis	*r = &c->cf->redis;
	struct timeval			 tv = { 5, 0 };
	redisReply			*rep;
	char				 url[600];

	ctl_url_masked(r->url, url, sizeof url);
	if (r->path != NULL)
		c->rc = redisConnectUnixWithTimeout(r->path, tv);
	else
		c->rc = redisConnectWithTimeout(r->host, r->port, tv);
	if (c->rc == NULL || c->rc->err) {
		fprintf(stderr, "relaisctl: cannot connect to Redis at %s: %s\n",
		    url, c->rc != NULL ? c->rc->errstr : "out of memory");
		return -1;
	}
	redisSetTimeout(c->rc, tv);
	if (r->password != NULL) {
		rep = r->username != NULL ?
		    redisCommand(c->rc, "AUTH %s %s", r->username, r->password) :
		    redisCommand(c->rc, "AUTH %s", r->password);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "relaisctl: Redis at %s refused AUTH: "
			    "%s\n", url, rep != NULL ? rep->str : c->rc->errstr);
			freeReplyObject(rep);
			return -1;
		}
		freeReplyObject(rep);
	}
	if (r->db != 0) {
		rep = redisCommand(c->rc, "SELECT %d", r->db);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "relaisctl: Redis at %s refused SELECT "
			    "%d: %s\n", url, r->db, rep != NULL ? rep->str :
			    c->rc->errstr);
			freeReplyObject(rep);
			return -1;
		}
		freeReplyObject(rep);
	}
	return 0;
}

