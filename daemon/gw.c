/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Gateway set: builds each configured gateway from the table of kinds. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "breaker.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "gw.h"
#include "gw_table.h"
#include "log.h"
#include "utf8.h"

/*
 * One send through the breaker: the caller's callback, the gateway, and the
 * ticket the breaker gave it. A send the breaker refused (at once, or when
 * its turn came) or its kind refused when its turn came has its ticket
 * handed back and an event that answers it from the loop (gw_on_refused).
 */
struct gw_call {
	struct gw		*g;
	gw_cb			 cb;
	void			*arg;
	struct breaker_ticket	 ticket;
	struct event		*refused;
	long long		 wait_ms;	/* refused: how long to wait; -1: none */
	const char		*why;		/* refused: the breaker's state */
	struct gw_msg		 m;		/* waiting: the caller's message */
	int			 sending;	/* holds one of g->max_sending */
	TAILQ_ENTRY(gw_call)	 entry;
};

struct gw_set {
	struct gw	**v;
	size_t		  n;
};

static void
gw_call_free(struct gw_call *c)
{
	if (c->refused != NULL)
		event_free(c->refused);
	free(c);
}

struct gw_set *
gw_set_new(struct event_base *base, struct http *http,
    const struct config *cf, char *err, size_t errlen)
{
	const struct gw_kind	*k;
	struct gw_set		*s;
	struct gw		*g;
	size_t			 i;
	char			 why[256];

	s = xcalloc(1, sizeof *s);
	s->v = xcalloc(cf->ngateways, sizeof *s->v);
	for (i = 0; i < cf->ngateways; i++) {
		/* no route uses it (config.c made sure): leave it out */
		if (cf->gateways[i].missing[0] != '\0')
			continue;
		if ((k = gw_table_find(cf->gateways[i].kind)) == NULL) {
			snprintf(err, errlen, "gateway %s: unknown kind %s",
			    cf->gateways[i].name, cf->gateways[i].kind);
			goto fail;
		}
		g = xcalloc(1, sizeof *g);
		g->kind = k;
		g->name = xstrdup(cf->gateways[i].name);
		g->base = base;
		g->http = http;
		TAILQ_INIT(&g->calls);
		TAILQ_INIT(&g->waiting);
		g->max_sending = cf->gateways[i].max_concurrency > 0 ?
		    (size_t)cf->gateways[i].max_concurrency : 1;
		g->breaker = breaker_new(cf->gateways[i].breaker_failures,
		    cf->gateways[i].breaker_cooldown_ms,
		    cf->gateways[i].breaker_failure_rate);
		if (cf->gateways[i].rate_per_s > 0) {
			long burst = cf->gateways[i].rate_burst > 0 ?
			    cf->gateways[i].rate_burst : 1;

			g->rate_interval_ms = 1000 / cf->gateways[i].rate_per_s;
			if (g->rate_interval_ms == 0)
				g->rate_interval_ms = 1;
			g->rate_tolerance_ms = g->rate_interval_ms * (burst - 1);
		}
		s->v[s->n++] = g;
		if (g->kind->init(g, &cf->gateways[i], why, sizeof why) == -1) {
			snprintf(err, errlen, "gateway %s: %s", g->name, why);
			goto fail;
		}
	}
	return s;
fail:
	gw_set_free(s);
	return NULL;
}

void
gw_set_free(struct gw_set *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		struct gw_call *c;

		if (s->v[i]->priv != NULL)
			s->v[i]->kind->free(s->v[i]);
		/* sends the kind dropped unanswered when it was freed */
		while ((c = TAILQ_FIRST(&s->v[i]->calls)) != NULL) {
			TAILQ_REMOVE(&s->v[i]->calls, c, entry);
			gw_call_free(c);
		}
		while ((c = TAILQ_FIRST(&s->v[i]->waiting)) != NULL) {
			TAILQ_REMOVE(&s->v[i]->waiting, c, entry);
			gw_call_free(c);
		}
		breaker_free(s->v[i]->breaker);
		free(s->v[i]->name);
		free(s->v[i]);
	}
	free(s->v);
	free(s);
}

struct gw *
gw_set_find(struct gw_set *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i]->name, name) == 0)
			return s->v[i];
	}
	return NULL;
}

size_t
gw_set_count(const struct gw_set *s)
{
	return s->n;
}

struct gw *
gw_set_at(struct gw_set *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

enum breaker_state
gw_breaker_state(const struct gw *g)
{
	return breaker_state(g->breaker, clock_mono_ms());
}

size_t
gw_sending(const struct gw *g)
{
	return g->nsending;
}

size_t
gw_waiting(const struct gw *g)
{
	return g->nwaiting;
}

int
gw_available(struct gw *g, long long *wait_ms)
{
	return breaker_check(g->breaker, clock_mono_ms(), wait_ms);
}

/* Hands an answer to the breaker and logs what that moved. */
static void
gw_breaker_answer(struct gw *g, const struct breaker_ticket *t,
    enum breaker_answer a, const char *reason)
{
	enum breaker_rule	rule;

	switch (breaker_result(g->breaker, t, a, clock_mono_ms())) {
	case BREAKER_OPENS:
		/* a failed probe: still down, as was said when it opened */
		rule = breaker_rule(g->breaker);
		log_kv(rule == BREAKER_RULE_PROBE ? LOG_INFO : LOG_WARNING,
		    NULL, LOG_STR("gateway", g->name), LOG_STR("breaker", "open"),
		    LOG_INT("failures", breaker_failures(g->breaker)),
		    LOG_INT("cooldown_ms", breaker_cooldown_ms(g->breaker)),
		    LOG_STR("rule", breaker_rule_name(rule)),
		    LOG_TEXT("reason", reason));
		break;
	case BREAKER_CLOSES:
		log_kv(LOG_INFO, NULL, LOG_STR("gateway", g->name),
		    LOG_STR("breaker", "closed"));
		break;
	case BREAKER_STAYS:
		break;
	}
}

/* The caller's callback, once; g may be gone when it returns. */
static void
gw_call_done(struct gw_call *c, const struct gw_result *res)
{
	TAILQ_REMOVE(&c->g->calls, c, entry);
	c->cb(res, c->arg);
	gw_call_free(c);
}

static void	gw_on_result(const struct gw_result *, void *);
static void	gw_on_refused(evutil_socket_t, short, void *);

/* What a refused send's reason says of a breaker not closed. */
static const char *
gw_circuit(enum breaker_state st)
{
	return st == BREAKER_OPEN ? "open" : "half-open, probe in flight";
}

/* Hands m to the kind, which makes its request now; -1 as kind->send. */
static int
gw_call_start(struct gw *g, struct gw_call *c, const struct gw_msg *m)
{
	if (g->kind->gated) {
		c->sending = 1;
		g->nsending++;
	}
	if (g->kind->send(g, m, gw_on_result, c) == -1) {
		if (c->sending) {
			c->sending = 0;
			g->nsending--;
		}
		return -1;
	}
	return 0;
}

/*
 * Starts waiting sends, oldest first, while g has free slots. A gated
 * kind's request (some 6 KiB for an email with its HTML) is made only
 * then: a begin reply can hand hundreds of sends to one gateway at once,
 * and they would otherwise all hold their bytes while max_concurrency of
 * them are on the wire (the pool's FIFO, http.c). A send admitted before
 * the breaker opened is not made now: it waits like one the breaker
 * refused (no attempt spent, the probe not kept behind it), but with no
 * wait of the breaker's: its delivery picks a gateway again soon, the
 * route's next one while this one is open (not after the cool-down).
 */
static void
gw_kick(struct gw *g)
{
	struct gw_call		*c;
	enum breaker_state	 st;
	long long		 now;

	while (g->nsending < g->max_sending &&
	    (c = TAILQ_FIRST(&g->waiting)) != NULL) {
		TAILQ_REMOVE(&g->waiting, c, entry);
		g->nwaiting--;
		TAILQ_INSERT_TAIL(&g->calls, c, entry);
		now = clock_mono_ms();
		st = breaker_state(g->breaker, now);
		if ((st == BREAKER_CLOSED || c->ticket.probe) &&
		    gw_call_start(g, c, &c->m) == 0)
			continue;
		(void)breaker_result(g->breaker, &c->ticket, BREAKER_WAIT, now);
		if (st != BREAKER_CLOSED && !c->ticket.probe) {
			c->why = gw_circuit(st);
			c->wait_ms = -1;
		}
		if ((c->refused = event_new(g->base, -1, 0, gw_on_refused,
		    c)) == NULL)
			fatalx("gw: cannot create event");
		event_active(c->refused, EV_TIMEOUT, 0);
	}
}

/*
 * Only a gateway's own transient failures count: 429 means it is alive.
 * A message relais refused itself (too large, invalid for the provider)
 * says nothing of the gateway: were it the probe, it must not close it.
 */
static void
gw_on_result(const struct gw_result *answer, void *arg)
{
	struct gw_call		*c = arg;
	struct gw_result	 copy = *answer;
	const struct gw_result	*res = &copy;

	/*
	 * A reason quotes the provider, which may quote the recipient: it is
	 * logged and stored, so its numbers and addresses are masked (Law 25)
	 * and it is valid UTF-8 whatever the kind cut.
	 */
	log_mask_text(copy.reason);
	utf8_scrub(copy.reason);
	gw_breaker_answer(c->g, &c->ticket, res->local ? BREAKER_WAIT :
	    res->status == GW_RETRY ?
	    BREAKER_FAILURE : res->status == GW_WAIT ? BREAKER_WAIT :
	    BREAKER_SUCCESS, res->reason);
	/* its slot to the next waiting send, before the caller hears back */
	if (c->sending) {
		c->sending = 0;
		c->g->nsending--;
		gw_kick(c->g);
	}
	gw_call_done(c, res);
}

/*
 * A send answered from the loop. The breaker refused it (why says its
 * state): a wait, like no gateway being available. Or, waiting, the kind
 * refused it when its turn came (a request it could not make, its pool
 * going away; why NULL): a retry that says nothing of the gateway, as
 * gw_send() returning -1.
 */
static void
gw_on_refused(evutil_socket_t fd, short what, void *arg)
{
	struct gw_call		*c = arg;
	struct gw_result	 res;

	(void)fd;
	(void)what;
	memset(&res, 0, sizeof res);
	if (c->why == NULL) {
		res.status = GW_RETRY;
		res.retry_after_s = -1;
		snprintf(res.reason, sizeof res.reason, "gateway %s refused "
		    "the message", c->g->name);
	} else {
		res.status = GW_WAIT;
		res.retry_after_s = c->wait_ms < 0 ? -1 :
		    (long)((c->wait_ms + 999) / 1000);
		snprintf(res.reason, sizeof res.reason, "gateway %s: circuit "
		    "%s", c->g->name, c->why);
	}
	gw_call_done(c, &res);
}

/*
 * The breaker admits at send time, not in gw_available(): a delivery held
 * for a rate slot may be sent long after it was picked, and two deliveries
 * picked in one pass may both have seen the probe slot free. Taking the
 * slot here makes exactly one of them the probe; the other, like anything
 * sent after the breaker opened, gets a wait that spends no attempt.
 */
int
gw_send(struct gw *g, const struct gw_msg *m, gw_cb cb, void *arg)
{
	struct gw_call	*c;
	long long	 now = clock_mono_ms();
	int		 waiting = 0;

	c = xcalloc(1, sizeof *c);
	c->g = g;
	c->cb = cb;
	c->arg = arg;
	if (breaker_admit(g->breaker, now, &c->ticket, &c->wait_ms) == -1) {
		c->why = gw_circuit(breaker_state(g->breaker, now));
		if ((c->refused = event_new(g->base, -1, 0, gw_on_refused,
		    c)) == NULL) {
			gw_call_free(c);
			return -1;
		}
		TAILQ_INSERT_TAIL(&g->calls, c, entry);
		event_active(c->refused, EV_TIMEOUT, 0);
		return 0;
	}
	if (g->kind->gated && (g->nsending >= g->max_sending ||
	    !TAILQ_EMPTY(&g->waiting))) {
		/* its request is made when a slot frees (gw_kick) */
		c->m = *m;
		TAILQ_INSERT_TAIL(&g->waiting, c, entry);
		g->nwaiting++;
		waiting = 1;
	} else if (gw_call_start(g, c, m) == -1) {
		/* it never left: frees the probe slot it may hold */
		(void)breaker_result(g->breaker, &c->ticket, BREAKER_WAIT, now);
		gw_call_free(c);
		return -1;
	} else
		TAILQ_INSERT_TAIL(&g->calls, c, entry);
	if (c->ticket.probe)
		log_kv(LOG_INFO, NULL, LOG_STR("gateway", g->name),
		    LOG_STR("breaker", "half-open"),
		    LOG_STR("probe", waiting ? "waiting for a slot" : "sent"));
	return 0;
}
