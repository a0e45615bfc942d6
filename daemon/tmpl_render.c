/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Mustache rendering: walks a compiled node tree against JSON data. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "tmpl_int.h"

/*
 * Semantics the spec leaves open, chosen here:
 * - falsey values are false, null and the empty array; "" and 0 are truthy
 *   (the spec's Ruby reading);
 * - true/false interpolate as "true"/"false", objects and arrays as "";
 *   reals use the shortest form that reads back the same (1.210 -> "1.21");
 * - env->missing fires for interpolation tags only, when a name is absent
 *   (a present null is not missing), once per distinct name per render;
 * - env may be NULL: no partials, no missing callback, no escaping;
 * - a render adds at most TMPL_MAX_OUTPUT bytes and visits at most
 *   TMPL_MAX_STEPS nodes (then stops: nested sections over data lists
 *   multiply);
 * - besides the depth limit, a render expands at most TMPL_MAX_PARTIALS
 *   partials (later ones render empty).
 */

/* Two self-includes per level would otherwise take 2^64 steps to end. */
#define TMPL_MAX_PARTIALS	10000
#define TMPL_MAX_OUTPUT		(4 << 20)	/* bytes one render may add */
#define TMPL_MAX_STEPS		1000000		/* nodes one render may visit */

/*
 * What tmpl_get found, for one render: a template asks the same objects
 * for the same names again and again ({{territory.x}} on every other line,
 * a section's name then its body's), and Jansson hashes the name each
 * time. Keyed by the object and the name's place in its template (the
 * same pointer whenever its node renders). Kept only while no derived
 * value lives (st->nmade == 0): env->derive's are released after their
 * node, and a new one could take a released one's address; the data's
 * objects live through the render.
 */
#define TMPL_MEMO_BITS	6
#define TMPL_MEMO	(1 << TMPL_MEMO_BITS)
#define TMPL_MEMO_PROBE	4	/* slots tried from the hashed one */

struct tmpl_memo {
	const json_t	*o;
	const char	*name;
	const json_t	*v;	/* NULL: o has no such name, none derived */
};

/* Context stack, linked through the C stack: sections push without allocating. */
struct tmpl_frame {
	const json_t			*v;
	const struct tmpl_frame		*up;
};

struct tmpl_state {
	const struct tmpl_env	*env;
	struct buf		*out;
	int			 escape;
	int			 depth;
	size_t			 npartials;
	size_t			 outmax;	/* out->len beyond which we stop */
	size_t			 steps;
	char			*ind;		/* stack of indentation strings */
	size_t			 indcap;
	size_t			 indtop;
	size_t			 indoff;	/* current indentation: ind[indoff..+indlen) */
	size_t			 indlen;
	const char		**missed;
	size_t			 nmissed;
	size_t			 missedcap;
	json_t			**made;		/* what env->derive made */
	size_t			 nmade;
	size_t			 madecap;
	struct tmpl_memo	 memo[TMPL_MEMO];
};

static void	tmpl_render_nodes(struct tmpl_state *, const struct tmpl *,
		    size_t, size_t, const struct tmpl_frame *);

/* Keeps what env->derive made until its node is rendered (tmpl_release). */
static const json_t *
tmpl_made(struct tmpl_state *st, json_t *made)
{
	if (st->nmade == st->madecap) {
		st->madecap = st->madecap == 0 ? 8 : st->madecap * 2;
		st->made = xrealloc(st->made, st->madecap * sizeof(*st->made));
	}
	st->made[st->nmade++] = made;
	return made;
}

/* name in o when o is an object: what it holds, else what env->derive makes. */
static const json_t *
tmpl_get(struct tmpl_state *st, const json_t *o, const char *name)
{
	struct tmpl_memo	*m, *slot = NULL;
	const json_t		*v;
	json_t			*made;
	uint64_t		 h;
	size_t			 k;

	if (!json_is_object(o))
		return NULL;
	h = (((uint64_t)(uintptr_t)o >> 4) ^ (uint64_t)(uintptr_t)name) *
	    UINT64_C(0x9e3779b97f4a7c15);
	for (k = 0; k < TMPL_MEMO_PROBE; k++) {
		m = &st->memo[((h >> (64 - TMPL_MEMO_BITS)) + k) &
		    (TMPL_MEMO - 1)];
		if (m->o == o && m->name == name)
			return m->v;
		if (m->o == NULL) {
			if (st->nmade == 0)
				slot = m;
			break;
		}
	}
	v = json_object_get(o, name);
	if (v == NULL && st->env != NULL && st->env->derive != NULL &&
	    (made = st->env->derive(st->env->derive_arg, o, name)) != NULL)
		return tmpl_made(st, made);
	if (slot != NULL) {
		slot->o = o;
		slot->name = name;
		slot->v = v;
	}
	return v;
}

/*
 * Lets go of what env->derive made since mark: a node's derived values
 * live while it renders (a section's, through its body), not to the end,
 * or a section over a long list would keep one for every visit.
 */
static void
tmpl_release(struct tmpl_state *st, size_t mark)
{
	while (st->nmade > mark)
		json_decref(st->made[--st->nmade]);
}

/* Walks the context stack for the first part, then descends for the rest. */
static const json_t *
tmpl_lookup(struct tmpl_state *st, const struct tmpl *t,
    const struct tmpl_node *n, const struct tmpl_frame *ctx)
{
	const struct tmpl_frame	*f;
	const json_t		*v = NULL;
	const size_t		*part;
	size_t			 i;

	if (n->nparts == 0)
		return ctx != NULL ? ctx->v : NULL;
	part = t->partv + n->parts;	/* NULL when no name has parts */
	for (f = ctx; f != NULL; f = f->up) {
		if ((v = tmpl_get(st, f->v, t->names.data + part[0])) != NULL)
			break;
	}
	for (i = 1; v != NULL && i < n->nparts; i++)
		v = tmpl_get(st, v, t->names.data + part[i]);
	return v;
}

static int
tmpl_truthy(const json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return 1;
}

static void
tmpl_put_indent(struct tmpl_state *st)
{
	buf_append(st->out, st->ind + st->indoff, st->indlen);
}

/* Template text: inside an indented partial, every line it begins is indented. */
static void
tmpl_put_text(struct tmpl_state *st, const char *s, size_t len)
{
	const char	*nl;
	size_t		 n;

	while (st->indlen > 0 &&
	    (nl = memchr(s, '\n', len)) != NULL && nl != s + len - 1) {
		n = (size_t)(nl - s) + 1;
		buf_append(st->out, s, n);
		tmpl_put_indent(st);
		s += n;
		len -= n;
	}
	buf_append(st->out, s, len);
}

static void
tmpl_put_escaped(struct buf *out, const char *s, size_t len)
{
	const char	*ent;
	size_t		 i, run = 0;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		buf_append(out, s + run, i - run);
		buf_puts(out, ent);
		run = i + 1;
	}
	buf_append(out, s + run, len - run);
}

/* Shortest "%g" that reads back as the same double: 1.21, not 1.2099999999999999. */
static void
tmpl_put_real(struct buf *out, double d)
{
	char	tmp[32];
	int	prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	buf_puts(out, tmp);
}

static void
tmpl_put_value(struct tmpl_state *st, const json_t *v, int escape)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			tmpl_put_escaped(st->out, json_string_value(v),
			    json_string_length(v));
		else
			buf_append(st->out, json_string_value(v),
			    json_string_length(v));
		break;
	case JSON_INTEGER: {
		char	d[BUF_LL_SIZE];

		/* as "%lld" writes it (JSON_INTEGER_FORMAT), without printf */
		buf_append(st->out, d, buf_fmt_ll(d, json_integer_value(v)));
		break;
	}
	case JSON_REAL:
		tmpl_put_real(st->out, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_puts(st->out, "true");
		break;
	case JSON_FALSE:
		buf_puts(st->out, "false");
		break;
	default:
		break;
	}
}

/* Reports a missing name to env->missing, once per distinct name per render. */
static void
tmpl_report_missing(struct tmpl_state *st, const char *name)
{
	size_t	i;

	if (st->env == NULL || st->env->missing == NULL)
		return;
	for (i = 0; i < st->nmissed; i++) {
		if (strcmp(st->missed[i], name) == 0)
			return;
	}
	if (st->nmissed == st->missedcap) {
		st->missedcap = st->missedcap == 0 ? 8 : st->missedcap * 2;
		st->missed = xrealloc(st->missed,
		    st->missedcap * sizeof(*st->missed));
	}
	st->missed[st->nmissed++] = name;
	st->env->missing(st->env->arg, name);
}

/* Pushes the indentation of a standalone partial: the current one plus its own. */
static void
tmpl_push_indent(struct tmpl_state *st, const char *own, size_t ownlen)
{
	size_t	need = st->indtop + st->indlen + ownlen;

	if (ownlen == 0)
		return;
	if (need > st->indcap) {
		st->indcap = need < 64 ? 64 : need * 2;
		st->ind = xrealloc(st->ind, st->indcap);
	}
	if (st->indlen > 0)
		memcpy(st->ind + st->indtop, st->ind + st->indoff, st->indlen);
	memcpy(st->ind + st->indtop + st->indlen, own, ownlen);
	st->indoff = st->indtop;
	st->indlen += ownlen;
	st->indtop += st->indlen;
}

static void
tmpl_render_partial(struct tmpl_state *st, const struct tmpl *t,
    const struct tmpl_node *n, const struct tmpl_frame *ctx)
{
	const struct tmpl	*p;
	size_t			 off = st->indoff, len = st->indlen;
	size_t			 top = st->indtop;

	if (st->env == NULL || st->env->partial == NULL ||
	    st->depth >= TMPL_MAX_PARTIAL_DEPTH ||
	    st->npartials >= TMPL_MAX_PARTIALS)
		return;
	st->npartials++;
	if ((p = st->env->partial(st->env->arg, t->names.data + n->name)) ==
	    NULL)
		return;
	if (n->standalone)
		tmpl_push_indent(st, t->src + n->off, n->len);
	else
		st->indlen = 0;
	st->depth++;
	tmpl_render_nodes(st, p, 0, p->nnodes, ctx);
	st->depth--;
	st->indoff = off;
	st->indlen = len;
	st->indtop = top;
}

static void
tmpl_render_section(struct tmpl_state *st, const struct tmpl *t, size_t i,
    const struct tmpl_frame *ctx)
{
	const struct tmpl_node	*n = &t->nodes[i];
	const json_t		*v = tmpl_lookup(st, t, n, ctx);
	struct tmpl_frame	 f;
	size_t			 k;

	if (n->kind == TMPL_INVERTED) {
		if (!tmpl_truthy(v))
			tmpl_render_nodes(st, t, i + 1, n->end, ctx);
		return;
	}
	if (!tmpl_truthy(v))
		return;
	f.up = ctx;
	if (!json_is_array(v)) {
		f.v = v;
		tmpl_render_nodes(st, t, i + 1, n->end, &f);
		return;
	}
	for (k = 0; k < json_array_size(v); k++) {
		f.v = json_array_get(v, k);
		tmpl_render_nodes(st, t, i + 1, n->end, &f);
	}
}

static void
tmpl_render_nodes(struct tmpl_state *st, const struct tmpl *t, size_t i,
    size_t end, const struct tmpl_frame *ctx)
{
	const struct tmpl_node	*n;
	const json_t		*v;
	size_t			 mark;

	while (i < end) {
		/*
		 * Sections over lists multiply: nested ones over data arrays
		 * could run for ever or fill memory. Stop at a bound instead
		 * (found by the fuzzer); the output is then truncated.
		 */
		if (st->out->len > st->outmax || ++st->steps > TMPL_MAX_STEPS)
			return;
		n = &t->nodes[i];
		if (n->bol && st->indlen > 0)
			tmpl_put_indent(st);
		mark = st->nmade;
		switch (n->kind) {
		case TMPL_TEXT:
			tmpl_put_text(st, t->src + n->off, n->len);
			break;
		case TMPL_VAR:
		case TMPL_RAW:
			if ((v = tmpl_lookup(st, t, n, ctx)) == NULL)
				tmpl_report_missing(st, t->names.data + n->name);
			else
				tmpl_put_value(st, v,
				    n->kind == TMPL_VAR && st->escape);
			break;
		case TMPL_SECTION:
		case TMPL_INVERTED:
			tmpl_render_section(st, t, i, ctx);
			tmpl_release(st, mark);
			i = n->end;
			continue;
		case TMPL_PARTIAL:
			tmpl_render_partial(st, t, n, ctx);
			break;
		}
		tmpl_release(st, mark);
		i++;
	}
}

/* Renders t against data and appends the text to out; missing names render empty. */
void
tmpl_render(const struct tmpl *t, const json_t *data,
    const struct tmpl_env *env, struct buf *out)
{
	struct tmpl_state	 st;
	struct tmpl_frame	 root;

	if (t == NULL)
		return;
	memset(&st, 0, sizeof(st));
	st.env = env;
	st.out = out;
	st.outmax = out->len + TMPL_MAX_OUTPUT;
	st.escape = env != NULL && env->escape_html;
	root.v = data;
	root.up = NULL;
	tmpl_render_nodes(&st, t, 0, t->nnodes, data != NULL ? &root : NULL);
	tmpl_release(&st, 0);
	free(st.made);
	free(st.ind);
	free(st.missed);
}
