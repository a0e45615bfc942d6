/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The redis section: where the queues are, and how relais reads them. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "ynode.h"

#define R(f)	offsetof(struct config_redis, f)
static const struct config_opt config_redis_opts[] = {
	{ "url", CONFIG_STR, R(url), 0, 0, "redis://127.0.0.1:6379/0" },
	{ "password_env", CONFIG_ENV, R(password), 0, 0, NULL },
	{ "password_file", CONFIG_FILE, R(password), 0, 0, NULL },
	{ "prefix", CONFIG_STR, R(prefix), 0, 0, "relais:" },
	{ "group", CONFIG_STR, R(group), 0, 0, "relais" },
	{ "consumer", CONFIG_STR, R(consumer), 0, 0, NULL },
	{ "connect_timeout_ms", CONFIG_LONG, R(connect_timeout_ms), 10, 600000, "2000" },
	{ "command_timeout_ms", CONFIG_LONG, R(command_timeout_ms), 10, 600000, "5000" },
	{ "batch", CONFIG_LONG, R(batch), 1, 10000, "100" },
	{ "block_ms", CONFIG_LONG, R(block_ms), 1, 60000, "1000" },
	{ "claim_idle_ms", CONFIG_LONG, R(claim_idle_ms), 1000, 86400000, "300000" },
	{ "claim_interval_ms", CONFIG_LONG, R(claim_interval_ms), 100, 86400000, "30000" },
	{ "max_deliveries", CONFIG_LONG, R(max_deliveries), 1, 1000, "10" },
	{ "seen_ttl_s", CONFIG_LONG, R(seen_ttl_s), 60, 31622400, "604800" },
	{ "sent_ttl_s", CONFIG_LONG, R(sent_ttl_s), 60, 31622400, "2592000" },
	{ "deliveries_maxlen", CONFIG_LONG, R(deliveries_maxlen), 100, 100000000, "1000000" },
	{ "dead_retention_days", CONFIG_LONG, R(dead_retention_days), 1, 3650, "90" },
	{ "schedule_interval_ms", CONFIG_LONG, R(schedule_interval_ms), 10, 60000, "250" },
	{ NULL, 0, 0, 0, 0, NULL }
};
#undef R

/* The database number s, all of it, into r->db. */
static int
config_redis_db(struct config_redis *r, const char *s, char *err,
    size_t errlen)
{
	char	*e;
	long	 l;

	l = strtol(s, &e, 10);
	if (e == s || *e != '\0' || l < 0 || l > 10000) {
		snprintf(err, errlen, "bad database number in the redis url");
		return -1;
	}
	r->db = (int)l;
	return 0;
}

/* Parses unix:///path[?db=N]; p is what follows "unix://". */
static int
config_redis_unix(struct config_redis *r, const char *p, char *err,
    size_t errlen)
{
	const char	*q;

	if (*p != '/') {
		snprintf(err, errlen, "unix URL needs an absolute path");
		return -1;
	}
	q = strchr(p, '?');
	r->path = q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
	if (q == NULL)
		return 0;
	/* the prefix first: "?" or "?d" end before q + 4 */
	if (strncmp(q, "?db=", 4) != 0)
		return config_redis_db(r, "", err, errlen);
	return config_redis_db(r, q + 4, err, errlen);
}

/* Parses redis://[user:pass@]host[:port][/db] and unix:///path[?db=N]. */
static int
config_redis_url(struct config_redis *r, char *err, size_t errlen)
{
	const char	*p, *at, *end, *q, *colon;
	char		*e;
	long		 l;

	r->port = 6379;
	r->db = 0;
	if (strncmp(r->url, "unix://", 7) == 0)
		return config_redis_unix(r, r->url + 7, err, errlen);
	if (strncmp(r->url, "redis://", 8) != 0) {
		snprintf(err, errlen, "redis url must start with redis:// or "
		    "unix://");
		return -1;
	}
	p = r->url + 8;
	end = p + strcspn(p, "/");
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		if ((colon = memchr(p, ':', (size_t)(at - p))) == NULL)
			r->password = xstrndup(p, (size_t)(at - p));
		else {
			if (colon > p)
				r->username = xstrndup(p, (size_t)(colon - p));
			r->password = xstrndup(colon + 1,
			    (size_t)(at - colon - 1));
		}
		p = at + 1;
	}
	if (*p == '[') {	/* [::1]:6379 */
		if ((q = memchr(p, ']', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "unclosed [ in the redis url");
			return -1;
		}
		r->host = xstrndup(p + 1, (size_t)(q - p - 1));
		p = q + 1;
	} else {
		q = p + strcspn(p, ":/");
		r->host = xstrndup(p, (size_t)(q - p));
		p = q;
	}
	if (*r->host == '\0') {
		snprintf(err, errlen, "the redis url has no host");
		return -1;
	}
	if (*p == ':') {
		l = strtol(p + 1, &e, 10);
		if (e == p + 1 || (*e != '/' && *e != '\0') || l < 1 ||
		    l > 65535) {
			snprintf(err, errlen, "bad port in the redis url");
			return -1;
		}
		r->port = (int)l;
		p = e;
	}
	if (*p == '/' && p[1] != '\0')
		return config_redis_db(r, p + 1, err, errlen);
	return 0;
}

int
config_redis(struct config_ctx *c, struct config *cf, const struct ynode *n)
{
	struct config_redis	*r = &cf->redis;
	char			 host[256], err[256];
	const char		*env;
	char			*file_pw;	/* from password_env/_file */

	int			 rc;

	rc = config_section(c, n, config_redis_opts, r, "redis");
	file_pw = r->password;
	r->password = NULL;
	if (config_redis_url(r, err, sizeof err) == -1) {
		free(file_pw);
		config_err(c, ynode_get(n, "url"), "%s", err);
		return -1;
	}
	if (file_pw != NULL) {
		free(r->password);
		r->password = file_pw;
	}
	if ((env = getenv("RELAIS_CONSUMER")) != NULL && *env != '\0') {
		free(r->consumer);
		r->consumer = xstrdup(env);
	}
	if (r->consumer == NULL || *r->consumer == '\0') {
		if (gethostname(host, sizeof host) == -1)
			snprintf(host, sizeof host, "relais");
		host[sizeof host - 1] = '\0';
		free(r->consumer);
		r->consumer = xstrdup(host);
	}
	return rc;
}

void
config_redis_where(const struct config_redis *rc, char *out, size_t outlen)
{
	if (rc->path != NULL)
		snprintf(out, outlen, "unix:%s", rc->path);
	else
		snprintf(out, outlen, "%s:%d", rc->host, rc->port);
}
