/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* What the event handlers share: their output, state arguments, lookups. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "common_effects.h"
#include "config.h"
#include "envelope.h"
#include "figures.h"
#include "handlers.h"
#include "jsonw.h"
#include "log.h"
#include "territory.h"
#include "tz.h"
#include "words.h"

void
handler_state_init(struct handler_state *st, const struct handler_lua *fn)
{
	size_t	i;

	st->fn = fn->name;
	st->lua = fn;
	for (st->ndecl = 0; fn->args[st->ndecl] != NULL; st->ndecl++)
		;
	if (st->ndecl == 0 || st->ndecl > HANDLER_ARGS_MAX)
		fatalx("handlers: state function %s has %zu arguments", fn->name,
		    st->ndecl);
	for (i = 0; i < st->ndecl; i++)
		st->at[i] = -1;
	st->next = 0;
	st->more_name = NULL;
	st->has_prepared = 0;
	queue_args_init(&st->set);
	queue_args_init(&st->more);
}

void
handler_state_clear(struct handler_state *st)
{
	size_t	i;

	queue_args_clear(&st->set);
	queue_args_clear(&st->more);
	for (i = 0; i < st->nreads; i++)
		free(st->reads[i]);
	memset(st, 0, sizeof *st);
}

/* Whether lua's argument i takes the values of handler_arg_more. */
static int
handler_state_spread(const struct handler_state *st, size_t i)
{
	return i + 1 == st->ndecl && st->more.n > 0;
}

size_t
handler_state_nargs(const struct handler_state *st)
{
	if (st->ndecl == 0)
		return 0;
	return st->ndecl - 1 + (st->more.n > 0 ? (size_t)st->more.n : 1);
}

const char *
handler_state_arg(const struct handler_state *st, size_t i, size_t *len)
{
	const struct queue_args	*a = &st->set;
	size_t			 k;

	if (i >= handler_state_nargs(st))
		return NULL;
	if (i + 1 >= st->ndecl && st->more.n > 0) {
		a = &st->more;
		k = i + 1 - st->ndecl;
	} else if (st->at[i] == -1) {
		*len = 0;
		return "";
	} else
		k = (size_t)st->at[i];
	*len = a->len[k];
	return a->data.data + a->off[k];
}

void
handler_state_args(const struct handler_state *st, struct queue_args *a)
{
	size_t	i;
	int	k;

	for (i = 0; i < st->ndecl; i++) {
		if (handler_state_spread(st, i))
			queue_args_cat(a, &st->more);
		else if ((k = st->at[i]) == -1)
			queue_args_add(a, "", 0);
		else
			queue_args_add(a, st->set.data.data + st->set.off[k],
			    st->set.len[k]);
	}
}

struct notification *
handler_employer(struct handler_out *out, const char *eid,
    const json_t *contact, const char *lang, const struct territory *t,
    json_t *vars)
{
	struct notification	*n;

	n = handler_out_add(out);
	n->role = "employer";
	n->recipient_id = xstrdup(eid);
	if (handler_str(contact, "email") != NULL)
		n->email = xstrdup(handler_str(contact, "email"));
	if (handler_str(contact, "phone") != NULL)
		n->phone = xstrdup(handler_str(contact, "phone"));
	n->language = xstrdup(lang);
	n->consent_email = n->consent_sms = 1;
	n->territory = t;
	n->vars = vars;
	/* "Bonjour Marie-Ève," rather than her full name */
	if (handler_str(contact, "name") != NULL)
		json_object_set_new(vars, "contact_first_name", json_stringn(
		    handler_str(contact, "name"), strcspn(handler_str(contact,
		    "name"), " ")));
	return n;
}

/* Room for one more effect in dst. */
static void
handler_fx_grow(struct handler_fx *dst)
{
	if (dst->n < dst->cap)
		return;
	dst->cap = dst->cap == 0 ? 4 : dst->cap * 2;
	dst->at = xrealloc(dst->at, dst->cap * sizeof *dst->at);
}

/* Starts an effect named name (settled: "!name") in dst. */
static void
handler_fx_start(struct handler_fx *dst, const char *name, int settled)
{
	char	bang[64];
	int	n;

	handler_fx_grow(dst);
	/* an effect or two, kept while the job is in flight: little room */
	queue_args_reserve(&dst->a, 8, 128);
	dst->at[dst->n++] = dst->a.n;
	if (!settled) {
		queue_args_add(&dst->a, name, strlen(name));
		return;
	}
	n = snprintf(bang, sizeof bang, "!%s", name);
	if (n < 0 || (size_t)n >= sizeof bang)
		fatalx("handlers: effect name %s too long", name);
	queue_args_add(&dst->a, bang, (size_t)n);
}

/* Effect fx's fixed arguments, from ap's name/value pairs, into dst. */
static void
handler_fx_vadd(struct handler_fx *dst, const struct handler_lua *fx,
    int settled, va_list ap)
{
	const char	*vals[16] = { NULL }, *name, *v;
	size_t		 i, n;

	for (n = 0; fx->args[n] != NULL && strstr(fx->args[n], "...") == NULL;
	    n++)
		;
	if (n > sizeof vals / sizeof *vals)
		fatalx("handlers: effect %s has too many arguments", fx->name);
	while ((name = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		for (i = 0; i < n && strcmp(fx->args[i], name) != 0; i++)
			;
		if (i == n || vals[i] != NULL || v == NULL)
			fatalx("handlers: effect %s: argument %s unknown, "
			    "given twice or NULL", fx->name, name);
		vals[i] = v;
	}
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL)
			fatalx("handlers: effect %s: argument %s missing",
			    fx->name, fx->args[i]);
	}
	handler_fx_start(dst, fx->name, settled);
	for (i = 0; i < n; i++)
		queue_args_add(&dst->a, vals[i], strlen(vals[i]));
}

void
handler_fx_add(struct handler_fx *dst, const struct handler_lua *fx,
    int settled, ...)
{
	va_list	 ap;

	va_start(ap, settled);
	handler_fx_vadd(dst, fx, settled, ap);
	va_end(ap);
}

void
handler_fx_more(struct handler_fx *dst, const char *v)
{
	if (dst->n == 0)
		fatalx("handlers: an argument for no effect");
	queue_args_add(&dst->a, v, strlen(v));
}

void
handler_fx_more_list(struct handler_fx *dst, const json_t *list)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(list, i, v) {
		if (json_is_string(v))
			handler_fx_more(dst, json_string_value(v));
	}
}

/* Where effect k of fx ends (the argument past its last). */
static int
handler_fx_end(const struct handler_fx *fx, size_t k)
{
	return k + 1 < fx->n ? fx->at[k + 1] : fx->a.n;
}

void
handler_fx_copy(struct handler_fx *dst, const struct handler_fx *src,
    size_t k)
{
	int	i;

	handler_fx_grow(dst);
	queue_args_reserve(&dst->a, 8, 128);
	dst->at[dst->n++] = dst->a.n;
	for (i = src->at[k]; i < handler_fx_end(src, k); i++)
		queue_args_add(&dst->a, src->a.data.data + src->a.off[i],
		    src->a.len[i]);
}

const char *
handler_fx_name(const struct handler_fx *fx, size_t k)
{
	return fx->a.data.data + fx->a.off[fx->at[k]];
}

size_t
handler_fx_argc(const struct handler_fx *fx, size_t k)
{
	return (size_t)(handler_fx_end(fx, k) - fx->at[k] - 1);
}

const char *
handler_fx_arg(const struct handler_fx *fx, size_t k, size_t i, size_t *len)
{
	int	at = fx->at[k] + 1 + (int)i;

	if (len != NULL)
		*len = fx->a.len[at];
	return fx->a.data.data + fx->a.off[at];
}

void
handler_fx_clear(struct handler_fx *fx)
{
	queue_args_clear(&fx->a);
	free(fx->at);
	memset(fx, 0, sizeof *fx);
}

void
handler_effect(struct handler_out *out, const struct handler_lua *fx, ...)
{
	va_list	 ap;

	va_start(ap, fx);
	handler_fx_vadd(&out->effects, fx, 0, ap);
	va_end(ap);
}

void
handler_fig(const struct handler_ctx *ctx, const struct territory *t,
    char *out)
{
	char	month[FIGURES_MONTH_SIZE];

	figures_month(t->tz, ctx->now_ms, month);
	buf_join(out, HANDLER_FIG_SIZE, t->id, ':', month);
}

void
handler_stat(struct handler_out *out, const struct handler_ctx *ctx,
    const struct territory *t, const char *figure)
{
	char	field[160], fig[HANDLER_FIG_SIZE];

	handler_fig(ctx, t, fig);
	snprintf(field, sizeof field, "%s:%s", t->id, figure);
	handler_effect(out, &common_effect_stat, "fig", fig, "field", field,
	    NULL);
}

void
handler_count(struct handler_out *out, const struct handler_ctx *ctx,
    const struct territory *t, const char *figure, const char *pid,
    const char *guard, const char *token)
{
	char	 field[160], fig[HANDLER_FIG_SIZE];

	handler_fig(ctx, t, fig);
	buf_join(field, sizeof field, t->id, ':', figure);
	handler_fx_add(&out->effects, &common_effect_stat, 0, "fig", fig,
	    "field", field, NULL);
	handler_fx_more(&out->effects, pid);
	handler_fx_more(&out->effects, guard);
	handler_fx_more(&out->effects, token);
}

const char *
handler_str(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	return json_is_string(v) && json_string_length(v) > 0 ?
	    json_string_value(v) : NULL;
}

const char *
handler_language(const char *tag, char *out)
{
	size_t	n;
	char	c;

	if (tag == NULL)
		return NULL;
	for (n = 0; (c = (char)(tag[n] | 0x20)) >= 'a' && c <= 'z'; n++) {
		if (n == HANDLER_LANG_SIZE - 1)
			return NULL;
		out[n] = c;
	}
	/* a subtag (or a POSIX locale's region) may follow; nothing else */
	if (n < 2 || (tag[n] != '\0' && tag[n] != '-' && tag[n] != '_'))
		return NULL;
	out[n] = '\0';
	return out;
}

const char *
handler_language_used(const struct config *cf, const struct territory *t,
    const char *code)
{
	const char	*want[2] = { code, t->language };
	size_t		 i, k;

	for (i = 0; i < 2; i++) {
		for (k = 0; want[i] != NULL && k < cf->nlanguages; k++) {
			if (strcmp(cf->languages[k], want[i]) == 0)
				return cf->languages[k];
		}
	}
	return cf->languages[0];	/* config_load requires one */
}

const char *
handler_language_name(const struct config *cf, const char *code,
    const char *in)
{
	char	key[48];

	(void)buf_join(key, sizeof key, "languages", '.', code);
	return words_or(cf->words, in, key, code);
}

int
handler_consent(const json_t *person, const char *channel)
{
	return json_is_true(json_object_get(json_object_get(person, "consent"),
	    channel));
}

const char *
handler_id(const struct envelope *ev, const char *what, char *reason,
    size_t reasonlen)
{
	const json_t	*o, *id;

	o = json_object_get(ev->data, what);
	id = json_object_get(o, "id");
	if (json_is_string(id) && json_string_length(id) > 0 &&
	    json_string_length(id) <= 128)
		return json_string_value(id);
	if (json_is_string(id) && json_string_length(id) > 128)
		snprintf(reason, reasonlen, "data.%s.id is longer than 128 "
		    "bytes", what);
	else
		snprintf(reason, reasonlen, "missing data.%s.id", what);
	return NULL;
}

/*
 * Where argument name travels: its place in the declaration. Handlers set
 * their arguments mostly in that order: the search starts after the one
 * set last (an arrival's thirteen cost 91 strcmp an event from the first).
 */
static size_t
handler_arg_index(struct handler_state *st, const char *name)
{
	size_t	i, k;

	for (k = 0; k < st->ndecl; k++) {
		i = (st->next + k) % st->ndecl;
		if (strcmp(st->lua->args[i], name) == 0) {
			st->next = i + 1;
			return i;
		}
	}
	fatalx("handlers: state function %s has no argument %s",
	    st->fn != NULL ? st->fn : "(none)", name);
}

void
handler_arg_text(struct handler_state *st, const char *name,
    const char *text, size_t len)
{
	size_t	i = handler_arg_index(st, name);

	/* set again: the value before stays in set, unused */
	st->at[i] = st->set.n;
	queue_args_add(&st->set, text, len);
}

void
handler_arg(struct handler_state *st, const char *name, const char *s)
{
	if (s == NULL)
		s = "";
	handler_arg_text(st, name, s, strlen(s));
}

/* v as JSON text (sorted keys): jsonw, not json_dumps, on this hot path. */
void
handler_arg_json(struct handler_state *st, const char *name, const json_t *v)
{
	struct buf	b;
	struct jsonw	w;

	buf_init(&b);
	jsonw_init(&w, &b);
	jsonw_json(&w, v);
	/* Jansson's strings are UTF-8, and so is what jsonw made of them */
	handler_arg_text(st, name, b.data, b.len);
	buf_free(&b);
}

/* name is st's last argument, declared "name...": fatal otherwise (a bug). */
static void
handler_more_check(const struct handler_state *st, const char *name)
{
	const char	*last = st->ndecl > 0 ? st->lua->args[st->ndecl - 1] : "";
	size_t		 len = strlen(last);

	if (strcmp(last, name) != 0 || len < 3 ||
	    strcmp(last + len - 3, "...") != 0)
		fatalx("handlers: state function %s: %s is not its last "
		    "argument, \"name...\"", st->fn != NULL ? st->fn : "(none)",
		    name);
}

void
handler_arg_more(struct handler_state *st, const char *name, const char *s)
{
	/* checked once by name, not again for each of an arrival's values */
	if (name != st->more_name) {
		handler_more_check(st, name);
		st->more_name = name;
	}
	queue_args_add(&st->more, s, strlen(s));
}

void
handler_arg_long(struct handler_state *st, const char *name, long long v)
{
	char	s[BUF_LL_SIZE];

	handler_arg_text(st, name, s, buf_fmt_ll(s, v));
}

char *
handler_key(const struct config *cf, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	buf_puts(&b, cf->redis.prefix);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_steal(&b, NULL);
}

int
handler_followup_ids(const struct envelope *ev, const char **pid, const char **kind,
    char *reason, size_t reasonlen)
{
	if ((*pid = handler_id(ev, "person", reason, reasonlen)) == NULL)
		return -1;
	*kind = handler_str(json_object_get(ev->data, "followup"), "kind");
	if (*kind == NULL || strlen(*kind) > 64) {
		snprintf(reason, reasonlen, "missing data.followup.kind");
		return -1;
	}
	return 0;
}

const struct territory_counsellor *
handler_counsellor(const struct territory *t, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < t->ncounsellors; i++) {
		if (strcmp(t->counsellors[i].id, id) == 0)
			return &t->counsellors[i];
	}
	return NULL;
}

json_t *
handler_roster(const struct territory *t)
{
	json_t		*list = json_array();
	struct buf	 langs;
	size_t		 k, l;

	for (k = 0; k < t->ncounsellors; k++) {
		buf_init(&langs);
		buf_puts(&langs, "");
		for (l = 0; l < t->counsellors[k].nlanguages; l++) {
			if (l > 0)
				buf_putc(&langs, ' ');
			buf_puts(&langs, t->counsellors[k].languages[l]);
		}
		json_array_append_new(list, json_pack("[s, s]",
		    t->counsellors[k].id, langs.data));
		buf_free(&langs);
	}
	return list;
}

json_t *
handler_counsellor_vars(const struct territory_counsellor *c)
{
	json_t	*v;
	size_t	 n;

	n = strcspn(c->name, " ");
	v = json_pack("{s:s, s:s, s:s%, s:s}", "id", c->id, "name", c->name,
	    "first_name", c->name, n, "email", c->email);
	if (v == NULL)
		fatalx("handlers: cannot build counsellor variables");
	if (c->phone != NULL)
		json_object_set_new(v, "phone", json_string(c->phone));
	return v;
}

struct notification *
handler_out_add(struct handler_out *out)
{
	struct notification	*n;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
	n = &out->v[out->n++];
	memset(n, 0, sizeof *n);
	return n;
}

/* Frees the notifications, keeps the effects. */
static void
handler_out_drop(struct handler_out *out)
{
	size_t	i;

	for (i = 0; i < out->n; i++) {
		free(out->v[i].recipient_id);
		free(out->v[i].subject_id);
		free(out->v[i].email);
		free(out->v[i].phone);
		free(out->v[i].language);
		json_decref(out->v[i].vars);
		handler_fx_clear(&out->v[i].on_sent);
		handler_fx_clear(&out->v[i].on_failed);
	}
	free(out->v);
	out->v = NULL;
	out->n = 0;
}

void
handler_out_clear(struct handler_out *out)
{
	handler_fx_clear(&out->effects);
	out->note[0] = '\0';
	handler_out_drop(out);
}

void
handler_out_quiet(struct handler_out *out)
{
	struct handler_fx	 kept;
	size_t			 i, n = out->n;

	handler_out_drop(out);
	memset(&kept, 0, sizeof kept);
	for (i = 0; i < out->effects.n; i++) {
		if (strcmp(handler_fx_name(&out->effects, i), "stat") != 0)
			handler_fx_copy(&kept, &out->effects, i);
	}
	handler_fx_clear(&out->effects);
	out->effects = kept;
	snprintf(out->note, sizeof out->note, "backfill (relaisnotify: none): "
	    "state stored, %zu message%s not sent", n, n == 1 ? "" : "s");
}

const struct territory *
handler_territory(const struct config *cf, const json_t *data, char *reason,
    size_t reasonlen)
{
	const struct territory	*t;
	const json_t		*id, *muni;

	id = json_object_get(data, "territory");
	muni = json_object_get(data, "municipality");
	if (json_is_string(id)) {
		if ((t = territory_find(cf->territories,
		    json_string_value(id))) == NULL)
			snprintf(reason, reasonlen, "unknown territory \"%s\"",
			    json_string_value(id));
		return t;
	}
	if (json_is_string(muni)) {
		t = territory_find_municipality(cf->territories,
		    json_string_value(muni));
		/* a newcomer is never ignored: the regional level takes them */
		if (t == NULL && cf->fallback_territory != NULL)
			t = territory_find(cf->territories, cf->fallback_territory);
		if (t == NULL)
			snprintf(reason, reasonlen, "unknown municipality \"%s\"",
			    json_string_value(muni));
		return t;
	}
	if (id != NULL || muni != NULL)
		snprintf(reason, reasonlen, "data.territory and "
		    "data.municipality must be strings");
	else
		snprintf(reason, reasonlen, "missing data.territory or "
		    "data.municipality");
	return NULL;
}

void
handler_scheduled_open(struct buf *b, struct jsonw *w)
{
	buf_init(b);
	/* a follow-up's member is some 230 bytes: one allocation, not three */
	buf_reserve(b, 255);
	buf_puts(b, "event 0 0 - {\"data\":");
	jsonw_init(w, b);
}

char *
handler_scheduled_close(struct buf *b, struct jsonw *w, const char *id,
    const char *type, const char *what)
{
	/* the data object is the first value of the event: the rest follows */
	w->comma = 1;
	if (jsonw_kv(w, "id", id) == -1 ||
	    jsonw_kv(w, "source", "relais") == -1 ||
	    jsonw_kv(w, "specversion", "1.0") == -1 ||
	    jsonw_kv(w, "type", type) == -1)
		fatalx("%s: cannot encode a scheduled event", what);
	jsonw_close(w, '}');
	return buf_steal(b, NULL);
}
