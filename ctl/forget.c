/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl forget and export: erase, or list, what the search finds (forget_walk.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64.h"
#include "buf.h"
#include "config.h"
#include "figures.h"
#include "followups.h"
#include "forget.h"
#include "forget_walk.h"
#include "pii.h"
#include "queue_lua.h"

/* Their names in an export. */
static const char *const forget_places[FORGET_NPLACES] = { "ledgers",
    "digests", "reminders", "matching_index", "caseload", "scheduled", "dead_letters",
    "events", "inbox", "deliveries", "followups_open" };

/*
 * The person's own keys, erased atomically. ARGV: prefix, person id, then
 * the seen keys of their follow-up events. Everything keyed by the person
 * goes (their open follow-ups too, figures.h); what lists them among
 * others (ledgers, digests, the streams) is for the search to find.
 * Returns JSON counts.
 */
static const char forget_lua[] = QUEUE_SCHED_LUA
"local p, pid = ARGV[1], ARGV[2]\n"
"local k = p .. 'person:' .. pid\n"
"local out = { person = redis.call('EXISTS', k), followups = 0, index = 0, caseload = 0, seen = 0 }\n"
"local c = redis.call('HGET', k, 'counsellor')\n"
"if c then out.caseload = redis.call('ZREM', p .. 'caseload:' .. c, pid) end\n"
"local mx = redis.call('HGET', k, 'mx')\n"
"if mx then for _, key in ipairs(cjson.decode(mx)) do out.index = out.index + redis.call('HDEL', key, pid) end end\n"
"local t = redis.call('HGET', k, 'territory')\n"
"if t then\n"
"  for _, f in ipairs(redis.call('HKEYS', k)) do\n"
"    if string.sub(f, 1, 3) == 'fu:' then\n"
"      redis.call('ZREM', p .. 'followups-open:' .. t, string.sub(f, 4) .. ':' .. pid)\n"
"    end\n"
"  end\n"
"end\n"
"local fk = p .. 'followups:' .. pid\n"
"local fu = redis.call('HGETALL', fk)\n"
"for i = 2, #fu, 2 do out.followups = out.followups + sched_rem(p, fu[i]) end\n"
"redis.call('DEL', fk, k)\n"
"for i = 3, #ARGV do out.seen = out.seen + redis.call('DEL', ARGV[i]) end\n"
"return cjson.encode(out)\n";

/*
 * A dead letter with a class removed and taken off dead:reasons
 * (figures.h) at once. KEYS: the dead stream, dead:reasons; ARGV: the
 * letter's id, its class.
 */
static const char forget_dead_lua[] =
"local n = redis.call('XDEL', KEYS[1], ARGV[1])\n"
"if n == 1 and redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then\n"
"  redis.call('HDEL', KEYS[2], ARGV[2])\n"
"end\n"
"return n\n";

/* A scheduled member removed, its kind taken off scheduled:kinds. */
static const char forget_sched_lua[] = QUEUE_SCHED_LUA
"return sched_rem(ARGV[1], ARGV[2])\n";

/* A stream entry's field, NULL when it has none. */
static const char *
forget_field(const redisReply *f, const char *name)
{
	size_t	i;

	for (i = 0; f != NULL && f->type == REDIS_REPLY_ARRAY &&
	    i + 1 < f->elements; i += 2) {
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(f->element[i]->str, name) == 0)
			return f->element[i + 1]->str;
	}
	return NULL;
}

/* forget's visit: each thing found is removed, and counted. */
static int
forget_erase(struct forget_search *s, const struct forget_hit *h)
{
	static const char *const cmds[FORGET_NPLACES] = { "HDEL", "HDEL",
	    "HDEL", "HDEL", "ZREM", "ZREM", "XDEL", "XDEL", "LREM", "XDEL",
	    "ZREM" };
	struct forget_report	*rep = s->arg;
	long long		*counts[FORGET_NPLACES] = { &rep->ledgers,
	    &rep->digests, &rep->reminders, &rep->index, &rep->caseload,
	    &rep->scheduled,
	    &rep->dead, &rep->events, &rep->events, &rep->deliveries,
	    &rep->followups };
	redisReply		*r;
	const char		*cmd = cmds[h->place];
	const char		*cls;
	char			 reasons[512];

	if (h->entry != NULL && h->place == FORGET_DEAD &&
	    (cls = forget_field(h->entry->element[1], "class")) != NULL &&
	    figures_reasons_key(reasons, sizeof reasons,
	    s->cf->redis.prefix) == 0)
		r = redisCommand(s->rc, "EVAL %s 2 %s %s %s %s", forget_dead_lua,
		    h->key, reasons, h->entry->element[0]->str, cls);
	else if (h->entry != NULL)
		r = redisCommand(s->rc, "%s %s %s", cmd, h->key,
		    h->entry->element[0]->str);
	else if (h->place == FORGET_SCHEDULED && h->member != NULL)
		r = redisCommand(s->rc, "EVAL %s 0 %s %b", forget_sched_lua,
		    s->cf->redis.prefix, h->member->str, h->member->len);
	else if (h->place == FORGET_INBOX)
		r = redisCommand(s->rc, "LREM %s 0 %b", h->key, h->member->str,
		    h->member->len);
	else if (h->member != NULL)
		r = redisCommand(s->rc, "%s %s %b", cmd, h->key,
		    h->member->str, h->member->len);
	else
		r = redisCommand(s->rc, "%s %s %s", cmd, h->key,
		    pii_id(s->who));
	if (forget_failed(s, r, REDIS_REPLY_INTEGER))
		return -1;
	*counts[h->place] += r->integer;
	freeReplyObject(r);
	return 0;
}

/* The person's own keys, atomically (forget_lua). */
static int
forget_own_keys(struct forget_search *s, struct forget_report *rep)
{
	const struct config	*cf = s->cf;
	redisReply		*r;
	json_t			*counts;
	const char		**argv;
	size_t			*argvlen, i, n;
	char			**seen, id[FOLLOWUP_ID_SIZE];
	struct buf		 b;

	n = 5 + cf->followups.nplan;
	argv = xcalloc(n, sizeof *argv);
	argvlen = xcalloc(n, sizeof *argvlen);
	seen = xcalloc(cf->followups.nplan + 1, sizeof *seen);
	argv[0] = "EVAL";
	argv[1] = forget_lua;
	argv[2] = "0";
	argv[3] = cf->redis.prefix;
	argv[4] = pii_id(s->who);
	for (i = 0; i < cf->followups.nplan; i++) {
		followup_event_id(pii_id(s->who), cf->followups.plan[i].kind, id);
		buf_init(&b);
		buf_printf(&b, "%sseen:%s", cf->redis.prefix, id);
		seen[i] = buf_steal(&b, NULL);
		argv[5 + i] = seen[i];
	}
	for (i = 0; i < n; i++)
		argvlen[i] = strlen(argv[i]);
	r = redisCommandArgv(s->rc, (int)n, argv, argvlen);
	for (i = 0; i < cf->followups.nplan; i++)
		free(seen[i]);
	free(seen);
	free(argv);
	free(argvlen);
	if (forget_failed(s, r, REDIS_REPLY_STRING))
		return -1;
	if ((counts = json_loads(r->str, 0, NULL)) == NULL) {
		snprintf(s->err, s->errlen, "forget: unexpected answer from "
		    "Redis");
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	rep->person = json_integer_value(json_object_get(counts, "person"));
	rep->followups = json_integer_value(json_object_get(counts,
	    "followups"));
	rep->index = json_integer_value(json_object_get(counts, "index"));
	rep->caseload = json_integer_value(json_object_get(counts, "caseload"));
	rep->seen = json_integer_value(json_object_get(counts, "seen"));
	json_decref(counts);
	return 0;
}

int
forget_person(redisContext *rc, const struct config *cf, struct pii *who,
    struct forget_report *rep, char *err, size_t errlen)
{
	struct forget_search	 s;
	redisReply		*profile;
	int			 ret = -1;

	memset(rep, 0, sizeof *rep);
	forget_search_init(&s, rc, cf, who, forget_erase, rep, err, errlen);
	/* read before it goes: its addresses and events are searched for */
	if (forget_profile(&s, &profile) == -1)
		goto fail;
	freeReplyObject(profile);
	if (forget_own_keys(&s, rep) == -1 || forget_walk(&s) == -1)
		goto fail;
	ret = 0;
fail:
	forget_search_clear(&s);
	return ret;
}

/* Raw bytes as a JSON string; base64, with a note, when not UTF-8. */
static json_t *
forget_json_bytes(const char *p, size_t len)
{
	json_t	*j;
	char	*b64;

	if ((j = json_stringn(p, len)) != NULL)
		return j;
	b64 = xmalloc(base64_len(len, 0) + 1);
	base64_encode(p, len, b64, 0);
	j = json_pack("{s:s, s:s}", "base64", b64, "note", "not valid UTF-8: "
	    "the original bytes, base64-encoded");
	free(b64);
	return j;
}

/* A reply's strings as a JSON object ([field, value...]). */
static json_t *
forget_json_fields(const redisReply *f)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i + 1 < f->elements; i += 2) {
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			json_object_set_new(o, f->element[i]->str,
			    forget_json_bytes(f->element[i + 1]->str,
			    f->element[i + 1]->len));
	}
	return o;
}

static json_t *
forget_json_why(int why)
{
	json_t	*a = json_array();

	if (why & PII_ID)
		json_array_append_new(a, json_string("id"));
	if (why & PII_EMAIL)
		json_array_append_new(a, json_string("email"));
	if (why & PII_PHONE)
		json_array_append_new(a, json_string("phone"));
	if (why & FORGET_BY_EVENT)
		json_array_append_new(a, json_string("event"));
	if (why == 0)
		json_array_append_new(a, json_string("person id"));
	return a;
}

/* What follows prefix+name in key (an employer's, a counsellor's id). */
static const char *
forget_key_tail(const struct forget_search *s, const char *key,
    const char *name)
{
	size_t	p = strlen(s->cf->redis.prefix), n = strlen(name);

	return strncmp(key + p, name, n) == 0 ? key + p + n : key;
}

/* export's visit: each thing found is listed under its place; nothing is written. */
static int
forget_list(struct forget_search *s, const struct forget_hit *h)
{
	static const char *const owner[FORGET_NPLACES] = { "employer",
	    "employer", "territory", NULL, "counsellor",
	    [FORGET_OPEN] = "territory" };
	static const char *const name[FORGET_NPLACES] = { "announced:",
	    "digest:", "reminders:", NULL, "caseload:",
	    [FORGET_OPEN] = "followups-open:" };
	static const char *const value[FORGET_NPLACES] = { "announced_by",
	    "job", "followups", "summary", "until_ms", "due_ms",
	    [FORGET_OPEN] = "reminded_ms" };
	json_t		*o = json_object();

	json_object_set_new(o, "key", json_string(h->key));
	if (owner[h->place] != NULL)
		json_object_set_new(o, owner[h->place], json_string(
		    forget_key_tail(s, h->key, name[h->place])));
	if (h->entry != NULL) {
		json_object_set_new(o, "id", json_string(
		    h->entry->element[0]->str));
		json_object_set_new(o, "fields", forget_json_fields(
		    h->entry->element[1]));
	}
	if (h->member != NULL)
		json_object_set_new(o, h->place == FORGET_INBOX ? "item" :
		    "member", forget_json_bytes(h->member->str, h->member->len));
	/* scores are times (ms); hash values are stored text */
	if (h->value != NULL && (h->place == FORGET_CASELOAD ||
	    h->place == FORGET_SCHEDULED || h->place == FORGET_OPEN))
		json_object_set_new(o, value[h->place], json_integer(
		    strtoll(h->value->str, NULL, 10)));
	else if (h->value != NULL)
		json_object_set_new(o, value[h->place], forget_json_bytes(
		    h->value->str, h->value->len));
	json_object_set_new(o, "found_by", forget_json_why(h->why));
	json_array_append_new(json_object_get(s->arg, forget_places[h->place]),
	    o);
	return 0;
}

/* HGETALL of prefix+name+id as an object, or NULL when there is none. */
static int
forget_export_hash(struct forget_search *s, const char *name, json_t **out)
{
	redisReply	*r;

	*out = NULL;
	r = redisCommand(s->rc, "HGETALL %s%s%s", s->cf->redis.prefix, name,
	    pii_id(s->who));
	if (forget_failed(s, r, REDIS_REPLY_ARRAY))
		return -1;
	if (r->elements > 0) {
		*out = forget_json_fields(r);
		s->found++;
	}
	freeReplyObject(r);
	return 0;
}

/* The dedupe markers of their follow-ups that exist. */
static int
forget_export_markers(struct forget_search *s, json_t *list)
{
	redisReply	*r;
	char		 id[FOLLOWUP_ID_SIZE], key[512];
	size_t		 i;

	for (i = 0; i < s->cf->followups.nplan; i++) {
		followup_event_id(pii_id(s->who), s->cf->followups.plan[i].kind,
		    id);
		snprintf(key, sizeof key, "%sseen:%s", s->cf->redis.prefix, id);
		r = redisCommand(s->rc, "EXISTS %s", key);
		if (forget_failed(s, r, REDIS_REPLY_INTEGER))
			return -1;
		if (r->integer > 0) {
			json_array_append_new(list, json_string(key));
			s->found++;
		}
		freeReplyObject(r);
	}
	return 0;
}

/*
 * One address's consent: its suppression record, and its history
 * (consent:<channel>:<address>, a stream; a list is read too), if any.
 */
static int
forget_export_consent(struct forget_search *s, const char *id, json_t *sup,
    json_t *hist)
{
	redisReply	*r;
	json_t		*rec, *entries;
	char		 key[512];
	size_t		 i;

	r = redisCommand(s->rc, "HGET %ssuppressed %s", s->cf->redis.prefix, id);
	if (r != NULL && r->type == REDIS_REPLY_NIL)
		freeReplyObject(r);
	else if (forget_failed(s, r, REDIS_REPLY_STRING))
		return -1;
	else {
		if ((rec = json_loadb(r->str, r->len, 0, NULL)) == NULL)
			rec = forget_json_bytes(r->str, r->len);
		json_array_append_new(sup, json_pack("{s:s, s:o}", "id", id,
		    "record", rec));
		s->found++;
		freeReplyObject(r);
	}
	snprintf(key, sizeof key, "%sconsent:%s", s->cf->redis.prefix, id);
	r = redisCommand(s->rc, "TYPE %s", key);
	if (forget_failed(s, r, REDIS_REPLY_STATUS))
		return -1;
	i = strcmp(r->str, "stream") == 0 ? 1 : strcmp(r->str, "list") == 0 ?
	    2 : 0;
	freeReplyObject(r);
	if (i == 0)
		return 0;
	r = i == 1 ? redisCommand(s->rc, "XRANGE %s - +", key) :
	    redisCommand(s->rc, "LRANGE %s 0 -1", key);
	if (forget_failed(s, r, REDIS_REPLY_ARRAY))
		return -1;
	entries = json_array();
	for (i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type == REDIS_REPLY_ARRAY && e->elements == 2)
			json_array_append_new(entries, json_pack("{s:s, s:o}",
			    "id", e->element[0]->str, "fields",
			    forget_json_fields(e->element[1])));
		else if (e->type == REDIS_REPLY_STRING)
			json_array_append_new(entries, forget_json_bytes(e->str,
			    e->len));
	}
	s->found += r->elements;
	json_array_append_new(hist, json_pack("{s:s, s:o}", "key", key,
	    "entries", entries));
	freeReplyObject(r);
	return 0;
}

/* The suppression records and consent history of every address known. */
static int
forget_export_consents(struct forget_search *s, json_t *doc)
{
	json_t	*sup = json_array(), *hist = json_array();
	char	 id[512];
	size_t	 i;
	int	 rc = 0;

	json_object_set_new(doc, "consent", json_pack("{s:o, s:o}",
	    "suppressed", sup, "history", hist));
	for (i = 0; i < pii_nemails(s->who) && rc == 0; i++) {
		snprintf(id, sizeof id, "email:%s", pii_email(s->who, i));
		rc = forget_export_consent(s, id, sup, hist);
	}
	for (i = 0; i < pii_nphones(s->who) && rc == 0; i++) {
		snprintf(id, sizeof id, "sms:%s", pii_phone(s->who, i));
		rc = forget_export_consent(s, id, sup, hist);
	}
	return rc;
}

static json_t *
forget_export_searched(const struct forget_search *s)
{
	json_t	*emails = json_array(), *phones = json_array();
	size_t	 i;

	for (i = 0; i < pii_nemails(s->who); i++)
		json_array_append_new(emails, json_string(pii_email(s->who, i)));
	for (i = 0; i < pii_nphones(s->who); i++)
		json_array_append_new(phones, json_string(pii_phone(s->who, i)));
	return json_pack("{s:s, s:o, s:o}", "id", pii_id(s->who), "emails",
	    emails, "phones", phones);
}

int
forget_export(redisContext *rc, const struct config *cf, struct pii *who,
    json_t **doc, size_t *found, char *err, size_t errlen)
{
	struct forget_search	 s;
	redisReply		*profile = NULL;
	json_t			*d, *v, *markers = json_array();
	size_t			 i;
	int			 ret = -1;

	*doc = NULL;
	*found = 0;
	d = json_object();
	/* the same search as forget, listing instead of erasing */
	forget_search_init(&s, rc, cf, who, forget_list, d, err, errlen);
	json_object_set_new(d, "person", json_string(pii_id(who)));
	if (forget_profile(&s, &profile) == -1)
		goto fail;
	json_object_set_new(d, "searched_for", forget_export_searched(&s));
	json_object_set_new(d, "profile", profile != NULL ?
	    forget_json_fields(profile) : json_null());
	s.found += profile != NULL;
	if (forget_export_consents(&s, d) == -1 ||
	    forget_export_hash(&s, "followups:", &v) == -1)
		goto fail;
	json_object_set_new(d, "followups", json_pack("{s:o, s:o}", "planned",
	    v != NULL ? v : json_object(), "dedupe_markers",
	    json_incref(markers)));
	if (forget_export_markers(&s, markers) == -1)
		goto fail;
	for (i = 0; i < FORGET_NPLACES; i++)
		json_object_set_new(d, forget_places[i], json_array());
	if (forget_walk(&s) == -1)
		goto fail;
	*doc = d;
	*found = s.found;
	d = NULL;
	ret = 0;
fail:
	freeReplyObject(profile);
	json_decref(markers);
	json_decref(d);
	forget_search_clear(&s);
	return ret;
}
