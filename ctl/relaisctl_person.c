/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl suppress, forget and export: what relais holds about a person or an address. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "forget.h"
#include "phone.h"
#include "pii.h"
#include "relaisctl.h"

/* "<channel>:<address>" as the pipeline writes it; -1 for a bad address. */
static int
ctl_supp_id(const char *addr, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char	e164[PHONE_E164_SIZE];
	size_t	i, n;

	if (strchr(addr, '@') != NULL) {
		n = (size_t)snprintf(out, outlen, "email:%s", addr);
		for (i = 0; i < n && i < outlen; i++) {
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
		}
		return 0;
	}
	if (phone_normalise(addr, e164, sizeof e164, why, whylen) == -1)
		return -1;
	snprintf(out, outlen, "sms:%s", e164);
	return 0;
}

/*
 * The record (rec, or NULL to lift it) and an entry of the consent history
 * (consent:<id>, as the public endpoints keep it) in one script: an
 * operator's change is on record with the others.
 */
static int
ctl_suppress_set(struct ctl *c, const char *addr, const char *reason)
{
	redisReply	*rep;
	json_t		*rec;
	char		 id[320], at[40], ttl[32], hk[512], why[128], *s = NULL;

	if (ctl_supp_id(addr, id, sizeof id, why, sizeof why) == -1)
		return ctl_usage_error(c, "not an email address nor a phone "
		    "number: %s", why);
	clock_rfc3339(clock_now_ms(), at, sizeof at);
	if (reason != NULL) {
		rec = json_pack("{s:s, s:s, s:s}", "at", at, "source",
		    "relaisctl", "reason", reason);
		if (rec == NULL || (s = json_dumps(rec, JSON_COMPACT)) == NULL) {
			fprintf(stderr, "relaisctl: the reason is not UTF-8\n");
			json_decref(rec);
			return 2;
		}
		json_decref(rec);
	}
	if (ctl_connect(c) == -1) {
		free(s);
		return 1;
	}
	snprintf(hk, sizeof hk, "%sconsent:%s", c->cf->redis.prefix, id);
	snprintf(ttl, sizeof ttl, "%ld", c->cf->retention_days * 86400);
	rep = redisCommand(c->rc, "EVAL %s 0 %s %s %s %s %s %s",
	    "local r\n"
	    "if ARGV[3] ~= '' then\n"
	    "  r = redis.call('HSET', ARGV[1], ARGV[2], ARGV[3])\n"
	    "else\n"
	    "  r = redis.call('HDEL', ARGV[1], ARGV[2])\n"
	    "end\n"
	    "redis.call('XADD', ARGV[4], 'MAXLEN', '100', '*', 'action',\n"
	    "  ARGV[3] ~= '' and 'optout' or 'optin', 'source', 'relaisctl',\n"
	    "  'result', ARGV[3] ~= '' and 'added' or (r == 1 and 'removed' or\n"
	    "  'absent'), 'message_sid', '', 'at', ARGV[5])\n"
	    "redis.call('EXPIRE', ARGV[4], ARGV[6])\n"
	    "return r\n", ctl_key(c, "suppressed"), id, s != NULL ? s : "",
	    hk, at, ttl);
	free(s);
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		fprintf(stderr, "relaisctl: %s failed: %s\n", c->cmd->name,
		    rep != NULL && rep->type == REDIS_REPLY_ERROR ? rep->str :
		    c->rc->errstr);
		freeReplyObject(rep);
		return 1;
	}
	printf("%s %s\n", id, reason != NULL ? "suppressed" :
	    rep->integer == 1 ? "no longer suppressed" : "was not suppressed");
	freeReplyObject(rep);
	return 0;
}

int
ctl_suppress_add(struct ctl *c, const struct ctl_args *a)
{
	return ctl_suppress_set(c, a->pos[0], a->npos > 1 ? a->pos[1] : "");
}

int
ctl_suppress_remove(struct ctl *c, const struct ctl_args *a)
{
	return ctl_suppress_set(c, a->pos[0], NULL);
}

int
ctl_suppress_list(struct ctl *c, const struct ctl_args *a)
{
	redisReply	*rep;
	size_t		 i;

	(void)a;
	if (ctl_connect(c) == -1)
		return 1;
	rep = redisCommand(c->rc, "HGETALL %s", ctl_key(c, "suppressed"));
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		return 1;
	}
	for (i = 0; i + 1 < rep->elements; i += 2)
		printf("%s  %s\n", rep->element[i]->str,
		    rep->element[i + 1]->str);
	if (rep->elements == 0)
		printf("nobody opted out\n");
	freeReplyObject(rep);
	return 0;
}

/*
 * Who forget and export look for: PERSON_ID, and addresses given with
 * --email and --phone (for a person whose profile is gone). NULL after a
 * usage message.
 */
static struct pii *
ctl_who(struct ctl *c, const struct ctl_args *a)
{
	struct pii	*who;
	const char	*name;
	char		 err[128];
	size_t		 i;
	int		 rc = 0;

	if ((who = pii_new(a->pos[0])) == NULL) {
		ctl_usage_error(c, "a person id has 1 to %d bytes", PII_ID_MAX);
		return NULL;
	}
	for (i = 0; i < a->nocc; i++) {
		name = a->opts[a->opt[i]].name;
		if (strcmp(name, "email") == 0)
			rc = pii_add_email(who, a->val[i], err, sizeof err);
		else
			rc = pii_add_phone(who, a->val[i], err, sizeof err);
		if (rc == -1) {
			ctl_usage_error(c, "--%s %s: %s", name, a->val[i], err);
			pii_free(who);
			return NULL;
		}
	}
	return who;
}

/* Law 25: erase a person, and say what was removed. */
int
ctl_forget(struct ctl *c, const struct ctl_args *a)
{
	struct forget_report	r;
	struct pii		*who;
	char			err[256];

	if ((who = ctl_who(c, a)) == NULL)
		return 2;
	if (ctl_connect(c) == -1) {
		pii_free(who);
		return 1;
	}
	if (forget_person(c->rc, c->cf, who, &r, err,
	    sizeof err) == -1) {
		fprintf(stderr, "relaisctl: forget %s: %s\n", pii_id(who), err);
		pii_free(who);
		return 1;
	}
	printf("person %s: %s\n", pii_id(who), r.person ?
	    "stored profile erased" : "no stored profile");
	printf("  searched for: the id, %zu email address%s, %zu phone "
	    "number%s\n", pii_nemails(who), pii_nemails(who) == 1 ? "" : "es",
	    pii_nphones(who), pii_nphones(who) == 1 ? "" : "s");
	printf("  pending follow-ups cancelled  %lld\n", r.followups);
	printf("  matching index entries        %lld\n", r.index);
	printf("  counsellor caseload entries   %lld\n", r.caseload);
	printf("  employer ledger entries       %lld\n", r.ledgers);
	printf("  pending digest entries        %lld\n", r.digests);
	printf("  pending reminder entries      %lld\n", r.reminders);
	printf("  scheduled retries             %lld\n", r.scheduled);
	printf("  dead letters                  %lld\n", r.dead);
	printf("  unread events                 %lld\n", r.events);
	printf("  delivery records              %lld\n", r.deliveries);
	printf("  follow-up dedupe markers      %lld\n", r.seen);
	printf("(the suppression list and the consent history keep any "
	    "opt-out: they must\noutlive the rest)\n");
	pii_free(who);
	return 0;
}

/* Law 25: all relais holds about a person, as one JSON document. */
int
ctl_export(struct ctl *c, const struct ctl_args *a)
{
	struct pii	*who;
	json_t		*doc;
	size_t		 found;
	char		 err[256];
	int		 rc = 0;

	if ((who = ctl_who(c, a)) == NULL)
		return 2;
	if (ctl_connect(c) == -1) {
		pii_free(who);
		return 1;
	}
	if (forget_export(c->rc, c->cf, who, &doc,
	    &found, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: export %s: %s\n", pii_id(who), err);
		pii_free(who);
		return 1;
	}
	if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ==
	    -1 || printf("\n") < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "relaisctl: export: cannot write: %s\n",
		    strerror(errno));
		rc = 1;
	} else if (found == 0) {
		fprintf(stderr, "relaisctl: export %s: nothing found\n",
		    pii_id(who));
		rc = 1;
	}
	json_decref(doc);
	pii_free(who);
	return rc;
}
