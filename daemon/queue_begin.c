/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The begin step, batched like the queue's scripts (queue_batch.c): right
 * before a send, an entry's dedupe and each delivery's check against the
 * current records, asked as plain reads pipelined on the writer (the
 * batch's sent markers in one MGET, its suppressions in one HMGET, its
 * daily counts in one MGET; an HMGET of each person, one for an event's
 * deliveries that ask the same of them) and judged here. It was a Lua
 * script: as commands of their own the same reads cost Redis a third of
 * what they cost from Lua (its arguments made Lua strings, redis.call,
 * the tables of the replies): 1.1 against 3.2 µs a delivery of scenario
 * A's (README, Performance, session 19).
 *
 * The reads are not one atomic snapshot, as the script's were: each reads
 * the newest truth when Redis runs it, and a change that lands between two
 * of them is one that could as well have landed right after the last,
 * before the send, which the script did not see either. The dedupe's
 * SET NX and GET are two commands: a marker gone between them (expired)
 * is no duplicate. The sent markers and the daily counts are read with
 * MGET, which answers nil for a key of another type where the script's
 * EXISTS said "sent" and its GET failed the batch: relais writes them as
 * strings only, so only a store changed by hand would tell the two
 * apart. A claimed entry's SET NX is asked along with its
 * internal:<sid> check, not after it: a retry of relais's own whose
 * event's marker had expired marks the event seen again (the script left
 * it unmarked), which only dedupes a producer's late copy of it.
 *
 * Ownership: a batch owns its commands until hiredis has them, and its
 * calls until the last reply; the other replies only fill it in.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "queue_begin.h"
#include "queue_int.h"
#include "redis.h"
#include "redis_resp.h"

/*
 * What a command of the batch asks, so that its reply is read for it. The
 * sent markers, the suppression list and the daily counts are read for
 * all the batch's deliveries at once (one MGET, one HMGET, one MGET): a
 * command each cost relaisd and Redis their fixed cost per command.
 */
enum qb_ask {
	QB_PING,	/* a batch with nothing to read still goes through */
	QB_INTERNAL,	/* EXISTS internal:<sid>: relais added the entry */
	QB_MARK,	/* SET seen:<id> <sid> NX EX ttl */
	QB_SEEN,	/* GET seen:<id> */
	QB_SENTS,	/* MGET sent:<key>...: every delivery's, in order */
	QB_SUPPS,	/* HMGET suppressed <supp>...: the same */
	QB_PERSON,	/* HMGET person:<pid> territory departed consent_<ch> <address> */
	QB_CAPS,	/* MGET <cap>...: the deliveries with a daily cap */
};

/* A delivery of the batch: its call and its place in the call. */
struct qb_ref {
	uint32_t	call;
	uint32_t	key;
};

/* The arguments of one of the batch's MGET or HMGET, and whose they are. */
struct qb_list {
	struct buf	 args;
	struct qb_ref	*refs;
	size_t		 n;
	size_t		 cap;
};

struct qb_slot {
	uint32_t	call;
	uint32_t	key;
	uint8_t		ask;
};

/* One delivery: what its check needs, then what the replies said. */
struct qb_key {
	char		*addr;		/* contact check: the address; NULL: none */
	long		 capmax;
	int		 contact;	/* check "c" */
	int		 sent;
	int		 supp;
	int		 person;	/* QUEUE_GO or what the record says */
	int		 capped;
	uint32_t	 shares;	/* 1 + the key whose person read is ours; 0 */
};

struct qb_call {
	queue_begin_cb	 cb;
	void		*arg;
	struct qb_key	*keys;
	size_t		 nkeys;
	char		*sid;		/* the dedupe's stream id; NULL: none */
	int		 claim;
	int		 internal;	/* internal:<sid> exists */
	int		 marked;	/* the SET NX set the marker */
	int		 other;		/* the marker holds another stream id */
	int		 failed;
};

struct queue_begins {
	struct queue	*q;
	struct buf	 out;		/* the commands, until hiredis has them */
	size_t		*ends;		/* where each ends in out */
	struct qb_slot	*slots;		/* what each asks */
	size_t		 n;
	size_t		 cap;
	size_t		 next;		/* the slot of the next reply */
	struct qb_list	 sents;		/* read at once when the batch goes */
	struct qb_list	 supps;
	struct qb_list	 caps;
	enum qb_ask	 lists[3];	/* what the lists' replies are, once sent */
	size_t		 nlists;
	struct qb_call	*calls;
	size_t		 ncalls;
	size_t		 callcap;
	int		 down;		/* a reply was NULL: Redis went away */
};

struct queue_begins *
queue_begins_new(struct queue *q)
{
	struct queue_begins	*b;
	size_t			 n = (size_t)q->hint_n[QUEUE_BEGINS];

	b = xcalloc(1, sizeof *b);
	b->q = q;
	buf_init(&b->out);
	if (n > 0) {
		/* the last batch's size and a quarter */
		b->cap = n + n / 4;
		b->ends = xcalloc(b->cap, sizeof *b->ends);
		b->slots = xcalloc(b->cap, sizeof *b->slots);
		buf_reserve(&b->out, q->hint_bytes[QUEUE_BEGINS] +
		    q->hint_bytes[QUEUE_BEGINS] / 4);
	}
	return b;
}

static void
qb_list_free(struct qb_list *l)
{
	buf_free(&l->args);
	free(l->refs);
}

/* Delivery key of call ci is read by l; its argument follows. */
static struct buf *
qb_list_add(struct qb_list *l, size_t ci, size_t key)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->refs = xrealloc(l->refs, l->cap * sizeof *l->refs);
	}
	l->refs[l->n].call = (uint32_t)ci;
	l->refs[l->n].key = (uint32_t)key;
	l->n++;
	return &l->args;
}

void
queue_begins_free(struct queue_begins *b)
{
	size_t	i, k;

	if (b == NULL)
		return;
	for (i = 0; i < b->ncalls; i++) {
		for (k = 0; k < b->calls[i].nkeys; k++)
			free(b->calls[i].keys[k].addr);
		free(b->calls[i].keys);
		free(b->calls[i].sid);
	}
	free(b->calls);
	free(b->slots);
	free(b->ends);
	buf_free(&b->out);
	qb_list_free(&b->sents);
	qb_list_free(&b->supps);
	qb_list_free(&b->caps);
	free(b);
}

size_t
queue_begins_calls(const struct queue_begins *b)
{
	return b->ncalls;
}

/* A command of argc arguments starts, asking ask for call's key. */
static void
qb_start(struct queue_begins *b, size_t call, size_t key, enum qb_ask ask,
    size_t argc)
{
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 64 : b->cap * 2;
		b->ends = xrealloc(b->ends, b->cap * sizeof *b->ends);
		b->slots = xrealloc(b->slots, b->cap * sizeof *b->slots);
	}
	b->slots[b->n].call = (uint32_t)call;
	b->slots[b->n].key = (uint32_t)key;
	b->slots[b->n].ask = (uint8_t)ask;
	b->n++;
	redis_resp_command(&b->out, argc);
}

/* The command started last is whole. */
static void
qb_end(struct queue_begins *b)
{
	b->ends[b->n - 1] = b->out.len;
}

static void
qb_bulk(struct queue_begins *b, const char *s)
{
	redis_resp_bulk(&b->out, s, strlen(s));
}

/* The channel of "<channel>:<address>": its length, 0 when it names none. */
static size_t
qb_channel(const char *supp)
{
	size_t	n = 0;

	while ((supp[n] >= 'a' && supp[n] <= 'z') ||
	    (supp[n] >= 'A' && supp[n] <= 'Z'))
		n++;
	return n > 0 && supp[n] == ':' ? n : 0;
}

/*
 * The key before i of the call whose person read is the same as key i's
 * (the same person, the same channel: a welcome and the counsellor's
 * notice of one arrival), plus 1; 0 when none.
 */
static uint32_t
qb_person_shared(const struct qb_call *c, const struct queue_check *v,
    size_t i, size_t ch)
{
	size_t	j;

	for (j = 0; j < i; j++) {
		if (c->keys[j].shares == 0 && v[j].check[0] != '\0' &&
		    strcmp(v[j].person, v[i].person) == 0 &&
		    qb_channel(v[j].supp) == ch &&
		    memcmp(v[j].supp, v[i].supp, ch) == 0)
			return (uint32_t)j + 1;
	}
	return 0;
}

/* HMGET person:<pid> territory departed consent_<ch> <address> */
static void
qb_person_read(struct queue_begins *b, size_t ci, size_t i,
    const struct queue_check *v, size_t ch)
{
	char	field[80];

	/* relais's channels are email and sms: a 71st letter is cut */
	(void)snprintf(field, sizeof field, "consent_%.*s", (int)ch, v->supp);
	qb_start(b, ci, i, QB_PERSON, 6);
	qb_bulk(b, "HMGET");
	redis_resp_key(&b->out, b->q->redis.prefix, "person:", v->person);
	qb_bulk(b, "territory");
	qb_bulk(b, "departed");
	qb_bulk(b, field);
	qb_bulk(b, ch == 3 && memcmp(v->supp, "sms", 3) == 0 ?
	    "phone" : "email");
	qb_end(b);
}

/*
 * The reads of delivery i's check (v: the call's). A person read once for
 * all the deliveries of the call that would ask the same of the record.
 */
static void
qb_check(struct queue_begins *b, size_t ci, size_t i,
    const struct queue_check *vs)
{
	const char		*p = b->q->redis.prefix;
	const struct queue_check *v = &vs[i];
	struct qb_key		*k = &b->calls[ci].keys[i];
	size_t			 ch;

	redis_resp_key(qb_list_add(&b->sents, ci, i), p, "sent:", v->key);
	redis_resp_bulk(qb_list_add(&b->supps, ci, i), v->supp,
	    strlen(v->supp));
	k->person = QUEUE_GO;
	if (v->person[0] != '\0' && v->check[0] != '\0') {
		ch = qb_channel(v->supp);
		k->contact = strcmp(v->check, "c") == 0;
		if (k->contact && ch > 0)
			k->addr = xstrdup(v->supp + ch + 1);
		k->shares = qb_person_shared(&b->calls[ci], vs, i, ch);
		if (k->shares == 0)
			qb_person_read(b, ci, i, v, ch);
	}
	if (v->cap[0] != '\0') {
		k->capmax = v->capmax;
		redis_resp_key(qb_list_add(&b->caps, ci, i), p, "", v->cap);
	}
}

/*
 * The dedupe (event_id "" skips it): a duplicate when another stream entry
 * marked the event id seen first, unless the entry is relais's own retry
 * or replay (claim) and relais marked it so (internal:<sid>).
 */
static void
qb_dedupe(struct queue_begins *b, size_t ci, const char *event_id,
    const char *sid, int claim)
{
	const char	*p = b->q->redis.prefix;
	char		 ttl[BUF_LL_SIZE];
	size_t		 tl;

	b->calls[ci].sid = xstrdup(sid);
	b->calls[ci].claim = claim;
	if (claim) {
		qb_start(b, ci, 0, QB_INTERNAL, 2);
		qb_bulk(b, "EXISTS");
		redis_resp_key(&b->out, p, "internal:", sid);
		qb_end(b);
	}
	tl = buf_fmt_ll(ttl, b->q->redis.seen_ttl_s);
	qb_start(b, ci, 0, QB_MARK, 6);
	qb_bulk(b, "SET");
	redis_resp_key(&b->out, p, "seen:", event_id);
	qb_bulk(b, sid);
	qb_bulk(b, "NX");
	qb_bulk(b, "EX");
	redis_resp_bulk(&b->out, ttl, tl);
	qb_end(b);
	qb_start(b, ci, 0, QB_SEEN, 2);
	qb_bulk(b, "GET");
	redis_resp_key(&b->out, p, "seen:", event_id);
	qb_end(b);
}

void
queue_begins_add(struct queue_begins *b, const char *event_id,
    const char *stream_id, int claim, const struct queue_check *v,
    size_t nkeys, queue_begin_cb cb, void *arg)
{
	struct qb_call		*c;
	size_t			 ci, i;

	if (b->ncalls == b->callcap) {
		b->callcap = b->callcap == 0 ? 16 : b->callcap * 2;
		b->calls = xrealloc(b->calls, b->callcap * sizeof *b->calls);
	}
	ci = b->ncalls++;
	c = &b->calls[ci];
	memset(c, 0, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->nkeys = nkeys;
	if (event_id[0] != '\0')
		qb_dedupe(b, ci, event_id, stream_id, claim);
	if (nkeys > 0)
		c->keys = xcalloc(nkeys, sizeof *c->keys);
	for (i = 0; i < nkeys; i++)
		qb_check(b, ci, i, v);
}

/* The stored address a is addr, lower-cased (ASCII, as Lua's string.lower). */
static int
qb_same_address(const redisReply *a, const char *addr)
{
	size_t	i;
	char	x;

	if (a->type != REDIS_REPLY_STRING || addr == NULL ||
	    strlen(addr) != a->len)
		return 0;
	for (i = 0; i < a->len; i++) {
		x = a->str[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (x != addr[i])
			return 0;
	}
	return 1;
}

/* What the person's record says of a delivery (HMGET's four fields). */
static int
qb_person(const redisReply *r, const struct qb_key *k)
{
	const redisReply	*t, *d, *c, *a;

	t = r->element[0];
	d = r->element[1];
	c = r->element[2];
	a = r->element[3];
	if (t->type != REDIS_REPLY_STRING)
		return QUEUE_GONE;
	if (d->type == REDIS_REPLY_STRING)
		return QUEUE_DEPARTED;
	if (!k->contact)
		return QUEUE_GO;
	if (c->type != REDIS_REPLY_STRING || c->len != 1 || c->str[0] != '1')
		return QUEUE_NO_CONSENT;
	if (!qb_same_address(a, k->addr))
		return QUEUE_ADDRESS_CHANGED;
	return QUEUE_GO;
}

/* A count of the day as INCR keeps it; what is not a number counts 0. */
static double
qb_count(const redisReply *r)
{
	char	*end;
	double	 n;

	if (r->type != REDIS_REPLY_STRING)
		return 0;
	n = strtod(r->str, &end);
	while (end != r->str && isspace((unsigned char)*end))
		end++;
	return end == r->str || *end != '\0' ? 0 : n;
}

/* One reply, read for what its command asked; 0, or -1 when unexpected. */
static int
qb_read(struct queue_begins *b, const struct qb_slot *s, const redisReply *r)
{
	struct qb_call	*c = &b->calls[s->call];
	struct qb_key	*k = c->keys != NULL ? &c->keys[s->key] : NULL;
	int		 isint = r->type == REDIS_REPLY_INTEGER;
	int		 nil = r->type == REDIS_REPLY_NIL;
	size_t		 i;

	switch (s->ask) {
	case QB_PING:
		return 0;
	case QB_INTERNAL:
		c->internal = isint && r->integer != 0;
		return isint ? 0 : -1;
	case QB_MARK:
		c->marked = r->type == REDIS_REPLY_STATUS;
		return c->marked || nil ? 0 : -1;
	case QB_SEEN:
		c->other = r->type == REDIS_REPLY_STRING &&
		    (r->len != strlen(c->sid) || memcmp(r->str, c->sid,
		    r->len) != 0);
		return r->type == REDIS_REPLY_STRING || nil ? 0 : -1;
	case QB_PERSON:
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 4)
			return -1;
		k->person = qb_person(r, k);
		for (i = s->key + 1; i < c->nkeys; i++) {
			if (c->keys[i].shares == s->key + 1)
				c->keys[i].person = qb_person(r, &c->keys[i]);
		}
		return 0;
	default:
		return -1;
	}
}

/* A list's reply: an element for each delivery it names, in order. */
static int
qb_read_list(struct queue_begins *b, enum qb_ask ask, const redisReply *r)
{
	const struct qb_list	*l = ask == QB_SENTS ? &b->sents :
	    ask == QB_SUPPS ? &b->supps : &b->caps;
	const redisReply	*e;
	struct qb_key		*k;
	size_t			 i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != l->n)
		return -1;
	for (i = 0; i < l->n; i++) {
		k = &b->calls[l->refs[i].call].keys[l->refs[i].key];
		e = r->element[i];
		if (ask == QB_SENTS)
			k->sent = e->type != REDIS_REPLY_NIL;
		else if (ask == QB_SUPPS)
			k->supp = e->type != REDIS_REPLY_NIL;
		else
			k->capped = qb_count(e) >= (double)k->capmax;
	}
	return 0;
}

static void
qb_on_part(redisReply *r, void *arg)
{
	struct queue_begins	*b = arg;
	const struct qb_slot	*s;
	enum qb_ask		 ask;
	char			 esc[256];

	if (b->q->freeing || b->next >= b->nlists + b->n)
		return;		/* freed with the last reply */
	if (r == NULL) {
		b->next++;
		b->down = 1;
		return;
	}
	if (b->next < b->nlists) {
		/* a list: every delivery's, so every call fails with it */
		ask = b->lists[b->next++];
		if (r->type == REDIS_REPLY_ERROR) {
			log_errx("queue: begin: %s", log_escape(r->str, esc,
			    sizeof esc));
			b->down = 1;
		} else if (qb_read_list(b, ask, r) == -1) {
			log_errx("queue: begin: unexpected reply (type %d)",
			    r->type);
			b->down = 1;
		}
		return;
	}
	s = &b->slots[b->next++ - b->nlists];
	if (b->calls[s->call].failed)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		log_errx("queue: begin: %s", log_escape(r->str, esc,
		    sizeof esc));
		b->calls[s->call].failed = 1;
	} else if (qb_read(b, s, r) == -1) {
		log_errx("queue: begin: unexpected reply (type %d)", r->type);
		b->calls[s->call].failed = 1;
	}
}

/* The last reply: every call hears its verdicts, in order. */
static void
qb_on_last(redisReply *r, void *arg)
{
	struct queue_begins	*b = arg;
	struct qb_call		*c;
	struct qb_key		*k;
	int			*verdicts;
	size_t			 i, j;
	int			 dup;

	if (b->q->freeing) {
		queue_begins_free(b);	/* the jobs are gone already */
		return;
	}
	qb_on_part(r, b);
	if (!b->down && b->next != b->nlists + b->n) {
		log_errx("queue: begin: %zu replies for %zu commands", b->next,
		    b->nlists + b->n);
		b->down = 1;
	}
	if (r == NULL)
		log_errx("queue: begin: no reply (Redis unreachable)");
	for (i = 0; i < b->ncalls; i++) {
		c = &b->calls[i];
		if (b->down || c->failed) {
			c->cb(0, 0, NULL, 0, c->arg);
			continue;
		}
		dup = c->sid != NULL && !(c->claim && c->internal) &&
		    !c->marked && c->other;
		verdicts = xcalloc(c->nkeys + 1, sizeof *verdicts);
		for (j = 0; j < c->nkeys; j++) {
			k = &c->keys[j];
			verdicts[j] = k->sent ? QUEUE_SENT :
			    k->supp ? QUEUE_SUPPRESSED :
			    k->person != QUEUE_GO ? k->person :
			    k->capped ? QUEUE_CAPPED : QUEUE_GO;
		}
		c->cb(1, dup, verdicts, c->nkeys, c->arg);
		free(verdicts);
	}
	queue_begins_free(b);
}

/* The list l as one command (cmd, then key when not NULL) into all. */
static void
qb_list_command(struct buf *all, const struct qb_list *l, const char *cmd,
    const char *prefix, const char *key)
{
	redis_resp_command(all, l->n + 1 + (key != NULL));
	redis_resp_bulk(all, cmd, strlen(cmd));
	if (key != NULL)
		redis_resp_key(all, prefix, key, "");
	buf_append(all, l->args.data, l->args.len);
}

int
queue_begins_send(struct queue *q, struct queue_begins *b, int hint)
{
	const char	*p = q->redis.prefix;
	enum qb_ask	 lists[3];
	struct buf	 all;
	size_t		*ends, n = 0, nl = 0, i, base;

	if (b->sents.n == 0 && b->n == 0) {
		qb_start(b, 0, 0, QB_PING, 1);
		qb_bulk(b, "PING");
		qb_end(b);
	}
	if (hint) {
		q->hint_n[QUEUE_BEGINS] = (int)b->n;
		q->hint_bytes[QUEUE_BEGINS] = b->out.len;
	}
	buf_init(&all);
	buf_reserve(&all, b->sents.args.len + b->supps.args.len +
	    b->caps.args.len + b->out.len + 128);
	ends = xcalloc(3 + b->n, sizeof *ends);
	if (b->sents.n > 0) {
		qb_list_command(&all, &b->sents, "MGET", p, NULL);
		ends[n++] = all.len;
		lists[nl++] = QB_SENTS;
		qb_list_command(&all, &b->supps, "HMGET", p, "suppressed");
		ends[n++] = all.len;
		lists[nl++] = QB_SUPPS;
	}
	if (b->caps.n > 0) {
		qb_list_command(&all, &b->caps, "MGET", p, NULL);
		ends[n++] = all.len;
		lists[nl++] = QB_CAPS;
	}
	base = all.len;
	buf_append(&all, b->out.data, b->out.len);
	for (i = 0; i < b->n; i++)
		ends[n++] = base + b->ends[i];
	if (redis_pipeline(q->writer, qb_on_part, qb_on_last, b, 0, &all,
	    ends, n) == -1) {
		buf_free(&all);
		free(ends);
		return -1;
	}
	/* hiredis holds the commands now; only the calls wait for replies */
	free(ends);
	memcpy(b->lists, lists, nl * sizeof *lists);
	b->nlists = nl;
	free(b->ends);
	b->ends = NULL;
	buf_free(&b->out);
	buf_free(&b->sents.args);
	buf_free(&b->supps.args);
	buf_free(&b->caps.args);
	return 0;
}

void
queue_begins_fail(struct queue_begins *b)
{
	size_t	i;

	for (i = 0; i < b->ncalls; i++)
		b->calls[i].cb(0, 0, NULL, 0, b->calls[i].arg);
	queue_begins_free(b);
}
