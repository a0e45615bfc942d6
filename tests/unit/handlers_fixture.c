/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The handler tests' shared fixture: the shipped configuration, events, decisions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "envelope.h"
#include "handlers.h"
#include "territory.h"
#include "handlers_fixture.h"

struct config	*test_cf;

int
test_setup(void **state)
{
	struct diag	d;
	size_t		i;

	(void)state;
	unsetenv("RELAIS_EMAIL_GATEWAY");
	unsetenv("RELAIS_SMS_GATEWAY");
	diag_init(&d);
	test_cf = config_load("config/relais.yaml", &d);
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	diag_free(&d);
	return test_cf != NULL ? 0 : -1;
}

int
test_teardown(void **state)
{
	(void)state;
	config_free(test_cf);
	test_cf = NULL;
	return 0;
}

/* Wraps data (a JSON object text, or "null") in a valid event of type. */
void
test_event(const char *type, const char *id, const char *data,
    struct envelope *ev)
{
	struct buf	b;
	char		reason[256];

	buf_init(&b);
	buf_printf(&b, "{\"specversion\":\"1.0\",\"id\":\"%s\","
	    "\"source\":\"https://intake.example\",\"type\":\"%s\","
	    "\"time\":\"2026-11-25T14:03:00Z\",\"data\":%s}", id, type, data);
	if (envelope_parse(b.data, b.len, NULL, ev, reason,
	    sizeof reason) == -1)
		fail_msg("envelope %s: %s", b.data, reason);
	buf_free(&b);
}

/* A newcomer.arrived event evt-1 of data. */
static void
test_envelope(const char *data, struct envelope *ev)
{
	test_event("newcomer.arrived", "evt-1", data, ev);
}

static void
test_str_same(const char *got, const char *want, const char *what)
{
	if ((got == NULL) != (want == NULL) ||
	    (got != NULL && strcmp(got, want) != 0))
		fail_msg("%s: \"%s\", not \"%s\"", what, got != NULL ? got :
		    "(null)", want != NULL ? want : "(null)");
}

/* Two outputs of the same event alike: notifications, effects, note. */
static void
test_out_same(const struct handler_out *got, const struct handler_out *want)
{
	json_t	*g, *w;
	size_t	 i;

	assert_int_equal(got->n, want->n);
	assert_string_equal(got->note, want->note);
	for (i = 0; i < got->n; i++) {
		assert_string_equal(got->v[i].role, want->v[i].role);
		test_str_same(got->v[i].recipient_id, want->v[i].recipient_id,
		    "recipient_id");
		test_str_same(got->v[i].email, want->v[i].email, "email");
		test_str_same(got->v[i].phone, want->v[i].phone, "phone");
		test_str_same(got->v[i].language, want->v[i].language,
		    "language");
		assert_int_equal(got->v[i].consent_email,
		    want->v[i].consent_email);
		assert_int_equal(got->v[i].consent_sms, want->v[i].consent_sms);
		assert_ptr_equal(got->v[i].territory, want->v[i].territory);
		test_json_same(got->v[i].vars, want->v[i].vars, "vars");
	}
	g = test_fx_json(&got->effects);
	w = test_fx_json(&want->effects);
	test_json_same(g, w, "effects");
	json_decref(g);
	json_decref(w);
}

/*
 * Overwrites the stack where prepare's frame was: a kept pointer into it
 * reads garbage, whatever the compiler left there.
 */
static void __attribute__((noinline))
test_scribble(void)
{
	volatile char	junk[8192];
	size_t		i;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = (char)0xa5;
}

/* Runs newcomer.arrived on data; returns its result, reason and output. */
int
test_run(const char *data, struct handler_out *out, char *reason,
    size_t reasonlen)
{
	struct handler_ctx	 ctx = { test_cf, 1764079380000LL, 0, NULL, 0, NULL };
	struct handler_state	 st;
	struct handler_out	 again;
	struct envelope		 ev;
	const struct handler	*h;
	json_t			*state;
	char			 why[256];
	int			 rc;

	memset(out, 0, sizeof *out);
	memset(&again, 0, sizeof again);
	memset(&st, 0, sizeof st);
	snprintf(reason, reasonlen, "(untouched)");
	test_envelope(data, &ev);
	h = handler_find(ev.type);
	assert_non_null(h);
	/* what Redis answers for a person it has not seen: welcome them */
	state = json_pack("{s:s, s:b, s:b, s:[]}", "counsellor", "",
	    "welcome", 1, "notify", 0, "jobs");
	rc = h->prepare(&ev, &ctx, &st, reason, reasonlen);
	if (rc == 0) {
		assert_string_equal(st.fn, "arrived");
		/* the event read again (a preview) and prepare's kept: alike */
		rc = h->fn(&ev, &ctx, state, &again, why, sizeof why);
		assert_true(st.has_prepared);
		ctx.prepared = st.prepared.b;
		test_scribble();
		assert_int_equal(h->fn(&ev, &ctx, state, out, reason, reasonlen),
		    rc);
		test_out_same(out, &again);
		handler_out_clear(&again);
	}
	handler_state_clear(&st);
	json_decref(state);
	envelope_clear(&ev);
	return rc;
}

/* data must be refused with exactly want as the reason, and no output. */
void
test_refused(const char *data, const char *want)
{
	struct handler_out	out;
	char			reason[256];
	int			rc;

	rc = test_run(data, &out, reason, sizeof reason);
	if (rc != -1)
		fail_msg("data %s: expected -1 (%s), got %d", data, want, rc);
	assert_string_equal(reason, want);
	assert_int_equal(out.n, 0);
	handler_out_clear(&out);
}

/* data must be accepted, giving one notification for territory tid. */
struct notification *
test_accepted(const char *data, const char *tid, struct handler_out *out)
{
	char	reason[256];
	int	rc;

	rc = test_run(data, out, reason, sizeof reason);
	if (rc != 0)
		fail_msg("data %s: expected 0, got %d (%s)", data, rc, reason);
	assert_int_equal(out->n, 1);
	assert_non_null(out->v[0].territory);
	assert_string_equal(out->v[0].territory->id, tid);
	return &out->v[0];
}

/* A JSON value from its text, or the test fails. */
json_t *
test_json(const char *text)
{
	json_error_t	 e;
	json_t		*v;

	if ((v = json_loads(text, JSON_DECODE_ANY, &e)) == NULL)
		fail_msg("test bug: %s: %s", text, e.text);
	return v;
}

/* got must equal want; what names it in a failure. */
void
test_json_same(const json_t *got, const json_t *want, const char *what)
{
	char	*g, *w;

	if (!json_equal(got, want)) {
		g = got != NULL ? json_dumps(got, JSON_SORT_KEYS |
		    JSON_ENCODE_ANY) : NULL;
		w = json_dumps(want, JSON_SORT_KEYS | JSON_ENCODE_ANY);
		fail_msg("%s: expected %s, got %s", what, w, g != NULL ? g :
		    "NULL");
	}
}

/* got must equal the JSON text want. */
void
test_json_equal(const json_t *got, const char *want, const char *what)
{
	json_t	*w = test_json(want);

	test_json_same(got, w, what);
	json_decref(w);
}

/* The string member at path "a.b.c" of o, or NULL. */
static const char *
test_get(const json_t *o, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while ((dot = strchr(path, '.')) != NULL) {
		n = (size_t)(dot - path);
		snprintf(key, sizeof key, "%.*s", (int)n, path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(o, path));
}

/* The string at path in o must be want. */
void
test_var(const json_t *o, const char *path, const char *want)
{
	const char	*got = test_get(o, path);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got %s%s%s", path, want,
		    got != NULL ? "\"" : "", got != NULL ? got : "nothing",
		    got != NULL ? "\"" : "");
}

/* Runs type's prepare on data, which must be accepted. */
void
test_prepare(const char *type, const char *id, const char *data,
    struct handler_state *st)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0, NULL };
	struct envelope		 ev;
	const struct handler	*h;
	char			 reason[256];

	ctx.cf = test_cf;
	memset(st, 0, sizeof *st);
	test_event(type, id, data, &ev);
	assert_non_null(h = handler_find(type));
	if (h->prepare(&ev, &ctx, st, reason, sizeof reason) == -1)
		fail_msg("%s %s: refused: %s", type, data, reason);
	envelope_clear(&ev);
}

/* type's prepare must refuse data with the reason want, asking nothing. */
void
test_prepare_refused(const char *type, const char *data, const char *want)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0, NULL };
	struct handler_state	 st;
	struct envelope		 ev;
	const struct handler	*h;
	char			 reason[256];
	int			 rc;

	ctx.cf = test_cf;
	memset(&st, 0, sizeof st);
	snprintf(reason, sizeof reason, "(untouched)");
	test_event(type, "evt-r", data, &ev);
	assert_non_null(h = handler_find(type));
	rc = h->prepare(&ev, &ctx, &st, reason, sizeof reason);
	if (rc != -1 || strcmp(reason, want) != 0)
		fail_msg("%s %s: expected -1 (%s), got %d (%s)", type, data,
		    want, rc, rc == -1 ? reason : "accepted");
	assert_int_equal(handler_state_nargs(&st), 0);
	assert_int_equal(st.nreads, 0);
	envelope_clear(&ev);
}

/* The arguments of a state request, as a JSON array of strings. */
json_t *
test_args_json(const struct handler_state *st)
{
	json_t		*a = json_array();
	const char	*s;
	size_t		 i, len;

	for (i = 0; i < handler_state_nargs(st); i++) {
		s = handler_state_arg(st, i, &len);
		json_array_append_new(a, json_stringn(s, len));
	}
	return a;
}

/* The arguments of a state request are JSON equal to want. */
void
test_args_equal(const struct handler_state *st, const char *want,
    const char *what)
{
	json_t	*a = test_args_json(st);

	test_json_equal(a, want, what);
	json_decref(a);
}

/* Argument i of a state request, a string. */
const char *
test_arg(const struct handler_state *st, size_t i)
{
	size_t		 len;
	const char	*s = handler_state_arg(st, i, &len);

	if (s == NULL)
		fail_msg("%s: argument %zu is not a string", st->fn, i);
	return s;
}

/* Argument i of a state request is JSON equal to want. */
void
test_arg_json(const struct handler_state *st, size_t i, const char *want)
{
	json_t	*v = test_json(test_arg(st, i));
	char	 what[64];

	snprintf(what, sizeof what, "%s argument %zu", st->fn, i);
	test_json_equal(v, want, what);
	json_decref(v);
}

/*
 * Runs type's fn on data with the state Redis answered (NULL: a preview)
 * and the hashes read beside it (rows).
 */
void
test_decide_rows(const char *type, const char *id, const char *data,
    const json_t *state, const struct handler_rows *rows, size_t nrows,
    int retry, struct handler_out *out)
{
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0, NULL };
	struct envelope		 ev;
	char			 reason[256];

	ctx.cf = test_cf;
	ctx.retry = retry;
	ctx.rows = rows;
	ctx.nrows = nrows;
	memset(out, 0, sizeof *out);
	test_event(type, id, data, &ev);
	assert_non_null(handler_find(type));
	if (handler_find(type)->fn(&ev, &ctx, state, out, reason,
	    sizeof reason) == -1)
		fail_msg("%s %s: refused: %s", type, data, reason);
	envelope_clear(&ev);
}

void
test_decide_json(const char *type, const char *id, const char *data,
    const json_t *state, int retry, struct handler_out *out)
{
	test_decide_rows(type, id, data, state, NULL, 0, retry, out);
}

void
test_decide(const char *type, const char *id, const char *data,
    const char *state, int retry, struct handler_out *out)
{
	json_t	*st = state != NULL ? test_json(state) : NULL;

	test_decide_json(type, id, data, st, retry, out);
	json_decref(st);
}

/* fx as JSON, [[name, arg...], ...], for the tests to compare. */
json_t *
test_fx_json(const struct handler_fx *fx)
{
	json_t	*all = json_array(), *e;
	size_t	 k, i;

	for (k = 0; k < fx->n; k++) {
		e = json_array();
		json_array_append_new(e, json_string(handler_fx_name(fx, k)));
		for (i = 0; i < handler_fx_argc(fx, k); i++)
			json_array_append_new(e, json_string(handler_fx_arg(fx,
			    k, i, NULL)));
		json_array_append_new(all, e);
	}
	return all;
}

/* How many effects are named name. */
size_t
test_effects(const struct handler_out *out, const char *name)
{
	size_t	k, n = 0;

	for (k = 0; k < out->effects.n; k++) {
		if (strcmp(handler_fx_name(&out->effects, k), name) == 0)
			n++;
	}
	return n;
}

/* The one effect named name, equal to want. */
void
test_effect_same(const struct handler_out *out, const char *name,
    const json_t *want)
{
	json_t		*all;
	const json_t	*e;
	size_t		 i;

	if (test_effects(out, name) != 1)
		fail_msg("expected one %s effect, got %zu", name,
		    test_effects(out, name));
	all = test_fx_json(&out->effects);
	json_array_foreach(all, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)), name) == 0)
			test_json_same(e, want, name);
	}
	json_decref(all);
}

/* The one effect named name, equal to want (a JSON array text). */
void
test_effect(const struct handler_out *out, const char *name, const char *want)
{
	json_t	*w = test_json(want);

	test_effect_same(out, name, w);
	json_decref(w);
}

/* out counts figure ("<territory>:<what>") once for the monthly report. */
void
test_stat(const struct handler_out *out, const char *figure)
{
	json_t		*all;
	const json_t	*e;
	size_t		 i;

	if (test_effects(out, "stat") != 1)
		fail_msg("expected one stat effect (%s), got %zu", figure,
		    test_effects(out, "stat"));
	/* [stat, fig, field], or once per fact [stat, fig, field, pid, guard, token] */
	all = test_fx_json(&out->effects);
	json_array_foreach(all, i, e) {
		if (strcmp(json_string_value(json_array_get(e, 0)), "stat") != 0)
			continue;
		assert_string_equal(json_string_value(json_array_get(e, 2)),
		    figure);
	}
	json_decref(all);
}

/* Unix ms of an RFC 3339 time. */
int64_t
test_ms(const char *s)
{
	int64_t	ms;

	if (envelope_parse_time(s, &ms) == -1)
		fail_msg("test bug: %s is not a time", s);
	return ms;
}

/* The candidates' refs of an employer notification. */
void
test_refs(const struct notification *n, const char *want)
{
	const json_t	*c;
	json_t		*refs = json_array();
	size_t		 i;

	json_array_foreach(json_object_get(n->vars, "candidates"), i, c)
		json_array_append_new(refs, json_string(json_string_value(
		    json_object_get(c, "ref"))));
	test_json_equal(refs, want, "candidates");
	json_decref(refs);
}
