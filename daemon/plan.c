/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Planning deliveries: handler, then route, consent, address checks and rendering. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "phone.h"
#include "plan.h"
#include "route.h"
#include "sms.h"
#include "territory.h"
#include "tz.h"
#include "unsub.h"
#include "words.h"

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
	char	reason[256];

	d->status = st;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	free(d->reason);
	d->reason = xstrdup(reason);
}

/* Languages to try: the person's, the territory's, then the first configured. */
static size_t
plan_langs(const struct config *cf, const struct notification *n,
    const char **langs)
{
	const char	*want[3] = { n->language, n->territory->language,
			    cf->languages[0] };
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

/*
 * A date written with lang's words: "1er décembre 2026", "25 novembre
 * 2026", "November 25, 2026". s starts with YYYY-MM-DD (a date or a
 * date-time, whose own calendar date is used); -1 when it does not, or
 * when that is no day of the calendar.
 */
int
plan_date_long(const char *s, const struct tz *tz, const struct words *w,
    const char *lang, char *out, size_t outlen)
{
	int			 y, m, d;
	int64_t			 ms, yy;

	/* YYYY-MM-DD, digits only: most strings are not dates */
	if (strnlen(s, 10) < 10 || tz_ymd(s, &y, &m, &d) == -1 ||
	    (s[10] != '\0' && s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -1;
	/* "2026-02-30" is no day: not written out as one */
	if (d > tz_days_in_month(y, m))
		return -1;
	/* an instant is shown as the date it is in the territory */
	if (s[10] != '\0' && tz != NULL) {
		if (envelope_parse_time(s, &ms) == -1)
			return -1;
		tz_civil_from_days(tz_local_day(tz, ms), &yy, &m, &d);
		y = (int)yy;
	}
	words_date(w, lang, y, m, d, out, outlen);
	return 0;
}

/* "a, b et c" / "a, b and c": the strings of list a, as lang writes lists. */
static char *
plan_join(const json_t *a, const struct words *w, const char *lang)
{
	struct buf	 b;
	size_t		 i, n = json_array_size(a);

	buf_init(&b);
	buf_puts(&b, "");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, i + 1 < n ? ", " : words_or(w, lang,
			    "and", ", "));
		buf_puts(&b, json_string_value(json_array_get(a, i)));
	}
	return buf_steal(&b, NULL);
}

static int
plan_strings(const json_t *a)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return 0;
	}
	return 1;
}

/* full_name beside first_name or last_name: no dangling space. */
static json_t *
plan_full_name(const json_t *o)
{
	const char	*first, *last;
	struct buf	 b;
	json_t		*v;

	first = json_string_value(json_object_get(o, "first_name"));
	last = json_string_value(json_object_get(o, "last_name"));
	if (first == NULL && last == NULL)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "");
	if (first != NULL && *first != '\0')
		buf_puts(&b, first);
	if (last != NULL && *last != '\0') {
		if (b.len > 0)
			buf_putc(&b, ' ');
		buf_puts(&b, last);
	}
	v = json_stringn(b.data, b.len);
	buf_free(&b);
	return v;
}

/* name is base + suffix: base copied into out (of size PLAN_NAME_MAX). */
#define PLAN_NAME_MAX	256
static int
plan_suffixed(const char *name, size_t len, const char *suffix, char *out)
{
	size_t	n = strlen(suffix);

	if (len <= n || len - n >= PLAN_NAME_MAX ||
	    memcmp(name + len - n, suffix, n) != 0)
		return 0;
	memcpy(out, name, len - n);
	out[len - n] = '\0';
	return 1;
}

/* most names asked are not these: full_name, phone_display, _long, _text */
static int
plan_derivable(const json_t *o, const char *name, size_t len)
{
	return len >= 5 && json_is_object(o) && (name[len - 1] == 'e' ||
	    name[len - 1] == 'y' || name[len - 1] == 'g' ||
	    name[len - 1] == 't');
}

json_t *
plan_derive(const json_t *o, const char *name, const struct tz *tz,
    const struct words *w, const char *lang)
{
	const json_t	*v;
	char		 base[PLAN_NAME_MAX], text[64], *s;
	size_t		 len = strlen(name);
	json_t		*made;

	if (!plan_derivable(o, name, len))
		return NULL;
	if (strcmp(name, "full_name") == 0)
		return plan_full_name(o);
	if (strcmp(name, "phone_display") == 0) {
		char display[PHONE_DISPLAY_SIZE];

		if (!json_is_string(v = json_object_get(o, "phone")))
			return NULL;
		phone_display(json_string_value(v), display, sizeof display);
		return json_string(display);
	}
	if (plan_suffixed(name, len, "_long", base)) {
		/* a phone is shown by phone_display, never as a date */
		if (!json_is_string(v = json_object_get(o, base)) ||
		    strcmp(base, "phone") == 0 ||
		    plan_date_long(json_string_value(v), tz, w, lang, text,
		    sizeof text) == -1)
			return NULL;
		return json_string(text);
	}
	if (plan_suffixed(name, len, "_text", base)) {
		if (!json_is_array(v = json_object_get(o, base)) ||
		    !plan_strings(v))
			return NULL;
		s = plan_join(v, w, lang);
		made = json_string(s);
		free(s);
		return made;
	}
	return NULL;
}

/*
 * What plan_derive needs, for the template engine's callback; and what it
 * made for one message, kept until the message is rendered: a template
 * asks for the same derived name in its subject, its HTML and its text,
 * in a section and again inside it ({{#x_long}}{{x_long}}{{/x_long}}),
 * and a date in words costs some 1,500 instructions. The objects asked
 * about are the notification's variables, unchanged while it renders.
 */
#define PLAN_DERIVED_MAX	16	/* values kept, the later made each time */

struct plan_derive_arg {
	const struct tz		*tz;
	const struct words	*w;
	const char		*lang;
	const json_t		*territory;	/* {{territory.*}}: as configured */
	size_t			 n;
	struct {
		const json_t	*o;
		char		 name[48];	/* a longer one: not kept */
		json_t		*v;
	}			 made[PLAN_DERIVED_MAX];
};

/*
 * Not in territory.*: what a territory offers templates is its
 * configuration, which `relais check` holds them to, name by name.
 */
static json_t *
plan_derive_cb(void *arg, const json_t *o, const char *name)
{
	struct plan_derive_arg	*a = arg;
	json_t			*v;
	size_t			 i, len = strlen(name);

	if (o == a->territory || !plan_derivable(o, name, len))
		return NULL;
	for (i = 0; i < a->n; i++) {
		if (a->made[i].o == o && strcmp(a->made[i].name, name) == 0)
			return json_incref(a->made[i].v);
	}
	v = plan_derive(o, name, a->tz, a->w, a->lang);
	if (v != NULL && a->n < PLAN_DERIVED_MAX &&
	    len < sizeof a->made[a->n].name) {
		a->made[a->n].o = o;
		memcpy(a->made[a->n].name, name, len + 1);
		a->made[a->n++].v = json_incref(v);
	}
	return v;
}

static void
plan_derive_clear(struct plan_derive_arg *a)
{
	while (a->n > 0)
		json_decref(a->made[--a->n].v);
}

/*
 * What relais adds to a notification's variables, over the handler's own
 * of the same name: the territory and the language, once for all its
 * deliveries (and unsubscribe_url, each, plan_unsubscribe). Set in the
 * handler's object itself, not a copy: it is the plan's, rebuilt by every
 * run of the handler.
 */
static void
plan_vars(const struct config *cf, struct notification *n)
{
	const char	*langs[3];

	if (plan_langs(cf, n, langs) == 0)
		return;
	if (n->vars == NULL)
		n->vars = json_object();
	json_object_set_new(n->vars, "territory", territory_vars(n->territory,
	    langs[0]));
	json_object_set_new(n->vars, "lang", json_string(langs[0]));
	/* {{#fr}}...{{/fr}} */
	json_object_set_new(n->vars, langs[0], json_true());
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
	/* a route may speak for someone else than the territory */
	if (d->route->from != NULL)
		d->from = d->route->from;
	if (d->route->from_name != NULL)
		d->from_name = d->route->from_name;
	if (d->route->reply_to != NULL)
		d->reply_to = d->route->reply_to;
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
plan_delivery_clear(struct plan_delivery *d)
{
	free(d->to);
	free(d->unsubscribe_url);
	free(d->reason);
	render_out_clear(&d->msg);
}

/*
 * unsubscribe_url, for the templates of commercial messages (CASL): a link
 * to the admin port's /u/ with a v2 token (unsub.h: the address sealed,
 * valid unsubscribe.valid_days from today), when a public URL and a key
 * are set.
 */
static void
plan_unsubscribe(const struct config *cf, struct plan_delivery *d,
    json_t *vars, const char *lang)
{
	char	id[UNSUB_ID_MAX + 8], token[UNSUB_TOKEN_SIZE];
	size_t	i, n;
	struct buf url;

	/* another delivery's (its address, its channel) is not this one's */
	json_object_del(vars, "unsubscribe_url");
	/* counsellors are told at work: no opting out of their cases */
	if (cf->unsub_keys == NULL || cf->public_url == NULL ||
	    strcmp(d->role, "counsellor") == 0)
		return;
	n = (size_t)snprintf(id, sizeof id, "%s:%s", d->channel, d->to);
	for (i = 0; i < n && i < sizeof id; i++) {
		if (id[i] >= 'A' && id[i] <= 'Z')
			id[i] = (char)(id[i] - 'A' + 'a');
	}
	if (unsub_token_v2(cf->unsub_keys, id, clock_now_ms() / 1000,
	    cf->unsub_valid_days, token, sizeof token) == -1)
		return;
	buf_init(&url);
	n = strlen(cf->public_url);
	while (n > 0 && cf->public_url[n - 1] == '/')
		n--;
	buf_append(&url, cf->public_url, n);
	buf_puts(&url, "/u/");
	buf_puts(&url, token);
	if (strcmp(lang, "en") == 0)
		buf_puts(&url, "?lang=en");
	json_object_set_new(vars, "unsubscribe_url", json_string(url.data));
	/* from here, never from the event: a header URL nobody can supply */
	if (strcmp(d->channel, "email") == 0)
		d->unsubscribe_url = xstrdup(url.data);
	buf_free(&url);
}

/* One delivery for notification n on channel, through route r (NULL: none). */
static void
plan_one(const struct config *cf, const struct envelope *ev, struct plan *p,
    const struct notification *n, const char *channel, const char *to,
    const struct config_route *r)
{
	struct plan_delivery	*d;
	struct plan_derive_arg	 da;
	struct render_vars	 rv;
	const char		*langs[3];
	size_t			 nl, i;
	char			 err[256];
	int			 rc;

	p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
	d = &p->v[p->n++];
	memset(d, 0, sizeof *d);
	d->role = n->role;
	/* checked right before the send: the person is still there; and for
	 * their own messages, consent and address (queue_begin) */
	d->subject = n->subject_id != NULL ? n->subject_id : "";
	d->check = n->subject_id == NULL ? "" :
	    strcmp(n->role, "newcomer") == 0 ? "c" : "p";
	d->channel = channel;
	d->to = xstrdup(to);
	d->territory = n->territory->id;
	d->terr = n->territory;
	d->template = "-";
	if ((d->route = r) == NULL) {
		idkey_make(ev->id, to, channel, "-", d->key);
		plan_fail(d, PLAN_DEAD, "no route for type=%s role=%s channel=%s "
		    "territory=%s", ev->type, n->role, channel, n->territory->id);
		return;
	}
	d->template = r->template;
	/* the key is made from the normalised address: "819-555-1234" and
	 * "+18195551234" are the same recipient */
	rc = plan_check(d, n);
	if (rc == 0 && r->nosend) {
		plan_fail(d, PLAN_SKIP, "the route says send: false");
		rc = -1;
	}
	idkey_make(ev->id, d->to, channel, d->template, d->key);
	for (i = 0; i + 1 < p->n; i++) {
		if (strcmp(p->v[i].key, d->key) == 0) {
			/* two routes chose the same message: send it once */
			plan_delivery_clear(d);
			p->n--;
			return;
		}
	}
	if (rc == -1)
		return;
	nl = plan_langs(cf, n, langs);
	plan_unsubscribe(cf, d, n->vars, langs[0]);
	da.tz = n->territory->tz;
	da.w = cf->words;
	da.lang = langs[0];
	da.territory = json_object_get(n->vars, "territory");
	da.n = 0;
	rv.data = n->vars;
	rv.derive = plan_derive_cb;
	rv.derive_arg = &da;
	rc = render_message(cf->render, d->territory, d->template, channel,
	    langs, nl, &rv, &d->msg, err, sizeof err);
	plan_derive_clear(&da);
	if (rc == -1)
		plan_fail(d, PLAN_DEAD, "%s", err);
	if (d->status == PLAN_SEND && strcmp(channel, "sms") == 0)
		plan_sms(d);
}

/* Every route that matches, down the continue: true chain. */
static void
plan_delivery(const struct config *cf, const struct envelope *ev,
    struct plan *p, const struct notification *n, const char *channel,
    const char *to)
{
	const struct config_route	*r;
	struct route_query		 rq;

	rq.type = ev->type;
	rq.role = n->role;
	rq.channel = channel;
	rq.territory = n->territory->id;
	rq.language = n->language;
	if ((r = route_match(cf, &rq)) == NULL) {
		plan_one(cf, ev, p, n, channel, to, NULL);
		return;
	}
	for (; r != NULL; r = r->cont ? route_match_after(cf, &rq, r) : NULL)
		plan_one(cf, ev, p, n, channel, to, r);
}

/*
 * A route marked fallback serves a channel only when the person cannot be
 * reached otherwise ("the first channel they consented to"): skipped when
 * another delivery of the same notification goes out.
 */
static void
plan_fallbacks(struct plan *p, size_t first)
{
	struct plan_delivery	*d, *o;
	size_t			 i, k;

	for (i = first; i < p->n; i++) {
		d = &p->v[i];
		if (d->status != PLAN_SEND || !d->route->fallback)
			continue;
		for (k = first; k < p->n; k++) {
			o = &p->v[k];
			if (k == i || o->status != PLAN_SEND ||
			    (o->route != NULL && o->route->fallback))
				continue;
			render_out_clear(&d->msg);
			d->encoding = NULL;
			plan_fail(d, PLAN_SKIP, "fallback channel: reached by %s",
			    o->channel);
			break;
		}
	}
}

/*
 * Lists in n's variable "failed" the channels of the notification n reports
 * on that cannot go out, planned before it: [{channel, by_email or by_sms,
 * address, invalid (the address is not one), reason}]. Consent and
 * fallbacks are choices, not failures.
 */
static void
plan_report(struct plan *p, struct notification *n)
{
	const struct plan_delivery	*d;
	json_t				*failed, *f;
	size_t				 i;

	failed = json_array();
	for (i = 0; i < p->n; i++) {
		d = &p->v[i];
		if (d->note != n->report_of - 1 || d->status != PLAN_DEAD)
			continue;
		f = json_pack("{s:s, s:s, s:s}", "channel", d->channel,
		    "address", d->to, "reason", d->reason);
		if (f == NULL)
			fatalx("plan: cannot report a failure");
		if (strncmp(d->reason, "invalid ", 8) == 0)
			json_object_set_new(f, "invalid", json_true());
		json_object_set_new(f, strcmp(d->channel, "email") == 0 ?
		    "by_email" : "by_sms", json_true());
		json_array_append_new(failed, f);
	}
	if (json_array_size(failed) > 0)
		json_object_set_new(n->vars, "failed", failed);
	else
		json_decref(failed);
}

int
plan_build(const struct handler_ctx *ctx, const struct envelope *ev,
    const json_t *state, struct plan *p, char *reason, size_t reasonlen)
{
	const struct config	*cf = ctx->cf;
	const struct handler	*h;
	size_t			 i;

	memset(p, 0, sizeof *p);
	if ((h = handler_find(ev->type)) == NULL) {
		snprintf(reason, reasonlen, "unknown event type \"%s\"",
		    ev->type);
		return -1;
	}
	if (h->fn(ev, ctx, state, &p->out, reason, reasonlen) == -1)
		return -1;
	if (ev->quiet)
		handler_out_quiet(&p->out);
	for (i = 0; i < p->out.n; i++) {
		struct notification *n = &p->out.v[i];
		size_t first = p->n, k;

		if (n->report_of > 0 && n->report_of <= i)
			plan_report(p, n);
		plan_vars(cf, n);
		if (n->email != NULL)
			plan_delivery(cf, ev, p, n, "email", n->email);
		if (n->phone != NULL)
			plan_delivery(cf, ev, p, n, "sms", n->phone);
		plan_fallbacks(p, first);
		for (k = first; k < p->n; k++)
			p->v[k].note = i;
	}
	return 0;
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
plan_drop_vars(struct plan *p)
{
	size_t	i;

	for (i = 0; i < p->out.n; i++) {
		json_decref(p->out.v[i].vars);
		p->out.v[i].vars = NULL;
	}
}

void
plan_drop_messages(struct plan *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		render_out_drop_parts(&p->v[i].msg);
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
