/* Planning deliveries: handler, then route, consent, address checks and rendering. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "phone.h"
#include "plan.h"
#include "route.h"
#include "sms.h"
#include "territory.h"

/* Enough to refuse what no gateway would take; the provider checks the rest. */
static int
plan_email_ok(const char *s)
{
	const char	*at = strchr(s, '@');
	size_t		 i;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || at[1] == '.' || strlen(s) > 254)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' ||
		    s[i] == ',' || s[i] == ';' || s[i] == '"')
			return 0;
	}
	return 1;
}

static void
plan_fail(struct plan_delivery *d, enum plan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
plan_fail(struct plan_delivery *d, enum plan_status st, const char *fmt, ...)
{
	va_list	ap;

	d->status = st;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof d->reason, fmt, ap);
	va_end(ap);
}

/* Languages to try: the person's, the territory's, then French. */
static size_t
plan_langs(const struct config *cf, const struct notification *n,
    const char **langs)
{
	const char	*want[3] = { n->language, n->territory->language, "fr" };
	size_t		 i, k, nl = 0;

	for (i = 0; i < 3; i++) {
		if (want[i] == NULL)
			continue;
		for (k = 0; k < cf->nlanguages; k++) {
			if (strcmp(cf->languages[k], want[i]) == 0)
				break;
		}
		if (k < cf->nlanguages)
			langs[nl++] = want[i];
	}
	return nl;
}

/* Template variables for one delivery: the handler's, plus territory and language. */
static json_t *
plan_vars(const struct notification *n, const char *lang)
{
	const struct territory	*t = n->territory;
	json_t			*vars, *tv;

	vars = json_copy(n->vars);
	tv = json_copy(t->vars);
	json_object_set_new(tv, "name", json_string(strcmp(lang, "en") == 0 ?
	    t->name_en : t->name_fr));
	json_object_set_new(vars, "territory", tv);
	json_object_set_new(vars, "lang", json_string(lang));
	json_object_set_new(vars, lang, json_true());	/* {{#fr}}...{{/fr}} */
	return vars;
}

/* Checks consent, address and sender of d; 0 when it can be rendered. */
static int
plan_check(struct plan_delivery *d, const struct notification *n)
{
	const struct territory	*t = n->territory;
	int			 email = strcmp(d->channel, "email") == 0;

	if (email) {
		d->from = t->email_from;
		d->from_name = t->email_name;
		d->reply_to = t->reply_to;
	} else
		d->from = t->sms_from;
	if (!(email ? n->consent_email : n->consent_sms)) {
		plan_fail(d, PLAN_SKIP, "no consent to %s", email ? "email" :
		    "SMS");
		return -1;
	}
	if (email && !plan_email_ok(d->to)) {
		plan_fail(d, PLAN_DEAD, "invalid email address");
		return -1;
	}
	if (!email) {
		char	e164[PHONE_E164_SIZE], why[128];

		if (phone_normalise(d->to, e164, sizeof e164, why,
		    sizeof why) == -1) {
			plan_fail(d, PLAN_DEAD, "invalid phone number: %s", why);
			return -1;
		}
		free(d->to);
		d->to = xstrdup(e164);
	}
	if (d->from == NULL) {
		plan_fail(d, PLAN_DEAD, "territory %s has no %s sender", t->id,
		    d->channel);
		return -1;
	}
	return 0;
}

/* Counts an SMS as carriers bill it; refuses one longer than the route allows. */
static void
plan_sms(struct plan_delivery *d)
{
	struct sms_length	len;

	if (sms_measure(d->msg.text, strlen(d->msg.text), &len) == -1) {
		plan_fail(d, PLAN_DEAD, "SMS text is not valid UTF-8");
		return;
	}
	d->encoding = sms_encoding_name(len.encoding);
	d->segments = (long)len.segments;
	if (d->segments > d->route->max_segments)
		plan_fail(d, PLAN_DEAD, "SMS would be %ld segments (%s, %zu "
		    "characters), the route allows %ld", d->segments,
		    d->encoding, len.units, d->route->max_segments);
}

static void
plan_delivery(const struct config *cf, const struct envelope *ev,
    struct plan *p, const struct notification *n, const char *channel,
    const char *to)
{
	struct plan_delivery	*d;
	struct route_query	 rq;
	const char		*langs[3];
	size_t			 nl;
	json_t			*vars;
	char			 err[256];
	int			 rc;

	p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
	d = &p->v[p->n++];
	memset(d, 0, sizeof *d);
	d->role = n->role;
	d->channel = channel;
	d->to = xstrdup(to);
	d->territory = n->territory->id;
	d->template = "-";
	rq.type = ev->type;
	rq.role = n->role;
	rq.channel = channel;
	rq.territory = n->territory->id;
	rq.language = n->language;
	if ((d->route = route_match(cf, &rq)) == NULL) {
		idkey_make(ev->id, to, channel, "-", d->key);
		plan_fail(d, PLAN_DEAD, "no route for type=%s role=%s channel=%s "
		    "territory=%s", rq.type, rq.role, channel, rq.territory);
		return;
	}
	d->template = d->route->template;
	/* the key is made from the normalised address: "819-555-1234" and
	 * "+18195551234" are the same recipient */
	rc = plan_check(d, n);
	idkey_make(ev->id, d->to, channel, d->template, d->key);
	if (rc == -1)
		return;
	nl = plan_langs(cf, n, langs);
	vars = plan_vars(n, nl > 0 ? langs[0] : "fr");
	if (render_message(cf->render, d->template, channel, langs, nl, vars,
	    &d->msg, err, sizeof err) == -1)
		plan_fail(d, PLAN_DEAD, "%s", err);
	json_decref(vars);
	if (d->status == PLAN_SEND && strcmp(channel, "sms") == 0)
		plan_sms(d);
}

int
plan_build(const struct config *cf, const struct envelope *ev, int64_t now_ms,
    struct plan *p, char *reason, size_t reasonlen)
{
	const struct handler	*h;
	struct handler_ctx	 ctx;
	size_t			 i;

	memset(p, 0, sizeof *p);
	if ((h = handler_find(ev->type)) == NULL) {
		snprintf(reason, reasonlen, "unknown event type \"%s\"",
		    ev->type);
		return -1;
	}
	ctx.cf = cf;
	ctx.now_ms = now_ms;
	if (h->fn(ev, &ctx, &p->out, reason, reasonlen) == -1)
		return -1;
	for (i = 0; i < p->out.n; i++) {
		const struct notification *n = &p->out.v[i];

		if (n->email != NULL)
			plan_delivery(cf, ev, p, n, "email", n->email);
		if (n->phone != NULL)
			plan_delivery(cf, ev, p, n, "sms", n->phone);
	}
	return 0;
}

static void
plan_delivery_clear(struct plan_delivery *d)
{
	free(d->to);
	render_out_clear(&d->msg);
}

size_t
plan_keep(struct plan *p, const char *key)
{
	size_t	i, k = 0;

	for (i = 0; i < p->n; i++) {
		if (k == 0 && strcmp(p->v[i].key, key) == 0)
			p->v[k++] = p->v[i];
		else
			plan_delivery_clear(&p->v[i]);
	}
	p->n = k;
	return k;
}

void
plan_clear(struct plan *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		plan_delivery_clear(&p->v[i]);
	free(p->v);
	handler_out_clear(&p->out);
	memset(p, 0, sizeof *p);
}
