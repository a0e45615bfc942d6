/* Mustache templates: compiles source into a flat node tree once, renders it against JSON. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

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

#define TMPL_MAX_PARTIAL_DEPTH	64
/* Two self-includes per level would otherwise take 2^64 steps to end. */
#define TMPL_MAX_PARTIALS	10000
#define TMPL_MAX_NEST		128
#define TMPL_MAX_OUTPUT		(4 << 20)	/* bytes one render may add */
#define TMPL_MAX_STEPS		1000000		/* nodes one render may visit */

enum tmpl_kind {
	TMPL_TEXT,
	TMPL_VAR,		/* {{x}}: escaped when env->escape_html */
	TMPL_RAW,		/* {{{x}}}, {{&x}} */
	TMPL_SECTION,
	TMPL_INVERTED,
	TMPL_PARTIAL,
};

/*
 * Sections own the nodes up to end (children are nodes[i + 1 .. end)).
 * bol marks a node that begins a template line: an indented standalone
 * partial emits its indentation there (the spec indents template lines,
 * not interpolated data).
 */
struct tmpl_node {
	enum tmpl_kind	 kind;
	int		 bol;
	int		 standalone;	/* partial: whole line, indentation below */
	size_t		 off;		/* text, partial indentation, or tag (errors) */
	size_t		 len;
	size_t		 name;		/* offset in names: full name */
	size_t		 parts;		/* offset in names: NUL-separated parts */
	size_t		 nparts;	/* 0 for the implicit iterator "." */
	size_t		 end;
};

struct tmpl {
	char			*src;
	struct tmpl_node	*nodes;
	size_t			 nnodes;
	size_t			 cap;
	struct buf		 names;
};

struct tmpl_parser {
	struct tmpl	*t;
	const char	*src;
	size_t		 len;
	const char	*otag;
	size_t		 olen;
	const char	*ctag;
	size_t		 clen;
	int		 bol;
	size_t		 open[TMPL_MAX_NEST];
	size_t		 nopen;
	char		*err;
	size_t		 errlen;
};

/* A parsed tag: where it sits and what it holds. */
struct tmpl_tag {
	char		 type;		/* '#', '^', '/', '>', '!', '=', '&', '{' or 0 */
	size_t		 start;		/* offset of the opening delimiter */
	size_t		 end;		/* offset just past the closing delimiter */
	const char	*body;		/* content, trimmed */
	size_t		 blen;
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
};

static void	tmpl_render_nodes(struct tmpl_state *, const struct tmpl *,
		    size_t, size_t, const struct tmpl_frame *);

static int
tmpl_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Writes "LINE:COL: message" for offset off; columns count UTF-8 characters. */
static void
tmpl_error(struct tmpl_parser *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
tmpl_error(struct tmpl_parser *p, size_t off, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 i, line = 1, col = 1;
	int	 n;

	if (p->err == NULL || p->errlen == 0)
		return;
	for (i = 0; i < off && i < p->len; i++) {
		if (p->src[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->src[i] & 0xc0) != 0x80)
			col++;
	}
	n = snprintf(p->err, p->errlen, "%zu:%zu: ", line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static struct tmpl_node *
tmpl_add_node(struct tmpl_parser *p, enum tmpl_kind kind, int bol)
{
	struct tmpl		*t = p->t;
	struct tmpl_node	*n;

	if (t->nnodes == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->bol = bol;
	return n;
}

static void
tmpl_add_text(struct tmpl_parser *p, size_t off, size_t len)
{
	struct tmpl_node	*n;

	if (len == 0)
		return;
	n = tmpl_add_node(p, TMPL_TEXT, p->bol);
	n->off = off;
	n->len = len;
	p->bol = p->src[off + len - 1] == '\n';
}

/* Stores the name and its dot-separated parts; rejects empty names and blanks. */
static int
tmpl_set_name(struct tmpl_parser *p, struct tmpl_node *n,
    const struct tmpl_tag *tag)
{
	struct buf	*names = &p->t->names;
	size_t		 i;

	if (tag->blen == 0) {
		tmpl_error(p, tag->start, "empty tag");
		return -1;
	}
	for (i = 0; i < tag->blen; i++) {
		if (tmpl_isspace(tag->body[i]) || tag->body[i] == '\0') {
			tmpl_error(p, tag->start, "invalid name '%.*s'",
			    (int)tag->blen, tag->body);
			return -1;
		}
	}
	n->name = names->len;
	buf_append(names, tag->body, tag->blen);
	buf_putc(names, '\0');
	n->parts = names->len;
	if (tag->blen == 1 && tag->body[0] == '.')
		return 0;
	n->nparts = 1;
	for (i = 0; i < tag->blen; i++) {
		if (tag->body[i] == '.') {
			buf_putc(names, '\0');
			n->nparts++;
		} else
			buf_putc(names, tag->body[i]);
	}
	buf_putc(names, '\0');
	return 0;
}

/* Finds ctag from off, preceded by pre unless pre is 0; *at is where the closing starts. */
static int
tmpl_find_close(const struct tmpl_parser *p, size_t off, char pre,
    size_t *at)
{
	const char	*s;
	size_t		 from = off;

	for (;;) {
		s = memmem(p->src + from, p->len - from, p->ctag, p->clen);
		if (s == NULL)
			return -1;
		if (pre == '\0') {
			*at = (size_t)(s - p->src);
			return 0;
		}
		if (s > p->src + off && s[-1] == pre) {
			*at = (size_t)(s - p->src) - 1;
			return 0;
		}
		from = (size_t)(s - p->src) + 1;
	}
}

/* Reads the tag whose opening delimiter is at start. */
static int
tmpl_read_tag(struct tmpl_parser *p, size_t start, struct tmpl_tag *tag)
{
	size_t	 b, e, skip;
	char	 pre = '\0';

	tag->start = start;
	tag->type = '\0';
	b = start + p->olen;
	if (b < p->len && strchr("#^/>!=&{", p->src[b]) != NULL &&
	    p->src[b] != '\0') {
		tag->type = p->src[b++];
		if (tag->type == '{')
			pre = '}';
		else if (tag->type == '=')
			pre = '=';
	}
	if (tmpl_find_close(p, b, pre, &e) == -1) {
		tmpl_error(p, start, "unclosed tag");
		return -1;
	}
	skip = pre != '\0' ? 1 : 0;
	tag->end = e + skip + p->clen;
	while (b < e && tmpl_isspace(p->src[b]))
		b++;
	while (e > b && tmpl_isspace(p->src[e - 1]))
		e--;
	tag->body = p->src + b;
	tag->blen = e - b;
	return 0;
}

/*
 * A tag is standalone when only blanks share its line; then *ls is the
 * line's start and *next the offset after its line ending.
 */
static int
tmpl_standalone(const struct tmpl_parser *p, const struct tmpl_tag *tag,
    size_t *ls, size_t *next)
{
	size_t	 i = tag->start, j = tag->end;

	if (tag->type == '\0' || tag->type == '&' || tag->type == '{')
		return 0;
	while (i > 0 && p->src[i - 1] != '\n') {
		if (p->src[i - 1] != ' ' && p->src[i - 1] != '\t')
			return 0;
		i--;
	}
	while (j < p->len && (p->src[j] == ' ' || p->src[j] == '\t'))
		j++;
	if (j < p->len && p->src[j] == '\n')
		j++;
	else if (j + 1 < p->len && p->src[j] == '\r' && p->src[j + 1] == '\n')
		j += 2;
	else if (j != p->len)
		return 0;
	*ls = i;
	*next = j;
	return 1;
}

/* Applies {{=a b=}}: two blank-separated delimiters, pointing into the source. */
static int
tmpl_set_delims(struct tmpl_parser *p, const struct tmpl_tag *tag)
{
	const char	*s = tag->body, *end = tag->body + tag->blen;
	const char	*o, *c;
	size_t		 olen, clen;

	o = s;
	while (s < end && !tmpl_isspace(*s))
		s++;
	olen = (size_t)(s - o);
	while (s < end && tmpl_isspace(*s))
		s++;
	c = s;
	while (s < end && !tmpl_isspace(*s))
		s++;
	clen = (size_t)(s - c);
	if (olen == 0 || clen == 0 || s != end) {
		tmpl_error(p, tag->start, "bad delimiter change '%.*s'",
		    (int)tag->blen, tag->body);
		return -1;
	}
	p->otag = o;
	p->olen = olen;
	p->ctag = c;
	p->clen = clen;
	return 0;
}

static int
tmpl_open_section(struct tmpl_parser *p, const struct tmpl_tag *tag, int sa)
{
	struct tmpl_node	*n;

	if (p->nopen == TMPL_MAX_NEST) {
		tmpl_error(p, tag->start, "sections nested too deeply");
		return -1;
	}
	n = tmpl_add_node(p, tag->type == '#' ? TMPL_SECTION : TMPL_INVERTED,
	    sa ? 0 : p->bol);
	n->off = tag->start;
	if (tmpl_set_name(p, n, tag) == -1)
		return -1;
	p->open[p->nopen++] = p->t->nnodes - 1;
	return 0;
}

static int
tmpl_close_section(struct tmpl_parser *p, const struct tmpl_tag *tag)
{
	struct tmpl_node	*n;
	const char		*name;

	if (p->nopen == 0) {
		tmpl_error(p, tag->start, "unexpected close '%.*s'",
		    (int)tag->blen, tag->body);
		return -1;
	}
	n = &p->t->nodes[p->open[p->nopen - 1]];
	name = p->t->names.data + n->name;
	if (strlen(name) != tag->blen ||
	    memcmp(name, tag->body, tag->blen) != 0) {
		tmpl_error(p, tag->start, "close '%.*s' does not match '%s'",
		    (int)tag->blen, tag->body, name);
		return -1;
	}
	n->end = p->t->nnodes;
	p->nopen--;
	return 0;
}

/* Turns one tag into nodes; sa says whether it stands alone on its line. */
static int
tmpl_handle_tag(struct tmpl_parser *p, const struct tmpl_tag *tag, int sa,
    size_t ls)
{
	struct tmpl_node	*n;

	/* A line begun by a tag that emits nothing still gets its indentation. */
	if (!sa && p->bol && strchr("/!=", tag->type) != NULL &&
	    tag->type != '\0') {
		n = tmpl_add_node(p, TMPL_TEXT, 1);
		n->off = tag->start;
	}
	switch (tag->type) {
	case '!':
		break;
	case '=':
		if (tmpl_set_delims(p, tag) == -1)
			return -1;
		break;
	case '#':
	case '^':
		if (tmpl_open_section(p, tag, sa) == -1)
			return -1;
		break;
	case '/':
		if (tmpl_close_section(p, tag) == -1)
			return -1;
		break;
	case '>':
		n = tmpl_add_node(p, TMPL_PARTIAL, sa ? 0 : p->bol);
		n->standalone = sa;
		n->off = ls;
		n->len = sa ? tag->start - ls : 0;
		if (tmpl_set_name(p, n, tag) == -1)
			return -1;
		break;
	default:
		n = tmpl_add_node(p, tag->type == '\0' ? TMPL_VAR : TMPL_RAW,
		    p->bol);
		n->off = tag->start;
		if (tmpl_set_name(p, n, tag) == -1)
			return -1;
		break;
	}
	p->bol = sa;
	return 0;
}

static int
tmpl_parse_all(struct tmpl_parser *p)
{
	struct tmpl_tag	 tag;
	const char	*s;
	size_t		 pos = 0, text = 0, ls, next;
	int		 sa;

	while (pos < p->len) {
		s = memmem(p->src + pos, p->len - pos, p->otag, p->olen);
		if (s == NULL)
			break;
		if (tmpl_read_tag(p, (size_t)(s - p->src), &tag) == -1)
			return -1;
		sa = tmpl_standalone(p, &tag, &ls, &next);
		if (!sa || ls < text) {
			sa = 0;
			ls = tag.start;
			next = tag.end;
		}
		tmpl_add_text(p, text, ls - text);
		if (tmpl_handle_tag(p, &tag, sa, ls) == -1)
			return -1;
		pos = text = next;
	}
	tmpl_add_text(p, text, p->len - text);
	if (p->nopen > 0) {
		tmpl_error(p, p->t->nodes[p->open[p->nopen - 1]].off,
		    "unclosed section '%s'", p->t->names.data +
		    p->t->nodes[p->open[p->nopen - 1]].name);
		return -1;
	}
	return 0;
}

/* Compiles src into a node tree; on a syntax error writes "LINE:COL: msg" to err. */
struct tmpl *
tmpl_parse(const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl_parser	 p;
	struct tmpl		*t;

	t = xcalloc(1, sizeof(*t));
	buf_init(&t->names);
	t->src = xstrndup(src, len);
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.src = t->src;
	p.len = len;
	p.otag = "{{";
	p.olen = 2;
	p.ctag = "}}";
	p.clen = 2;
	p.bol = 1;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (tmpl_parse_all(&p) == -1)
		goto fail;
	return t;
fail:
	tmpl_free(t);
	return NULL;
}

/* Releases a compiled template; NULL is a no-op. */
void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->nodes);
	buf_free(&t->names);
	free(t);
}

/* Walks the context stack for the first part, then descends for the rest. */
static const json_t *
tmpl_lookup(const struct tmpl *t, const struct tmpl_node *n,
    const struct tmpl_frame *ctx)
{
	const struct tmpl_frame	*f;
	const json_t		*v = NULL;
	const char		*part = t->names.data + n->parts;
	size_t			 i;

	if (n->nparts == 0)
		return ctx != NULL ? ctx->v : NULL;
	for (f = ctx; f != NULL; f = f->up) {
		if (json_is_object(f->v) &&
		    (v = json_object_get(f->v, part)) != NULL)
			break;
	}
	for (i = 1; v != NULL && i < n->nparts; i++) {
		part += strlen(part) + 1;
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
	}
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
	case JSON_INTEGER:
		buf_printf(st->out, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
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
	const json_t		*v = tmpl_lookup(t, n, ctx);
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
		switch (n->kind) {
		case TMPL_TEXT:
			tmpl_put_text(st, t->src + n->off, n->len);
			break;
		case TMPL_VAR:
		case TMPL_RAW:
			if ((v = tmpl_lookup(t, n, ctx)) == NULL)
				tmpl_report_missing(st, t->names.data + n->name);
			else
				tmpl_put_value(st, v,
				    n->kind == TMPL_VAR && st->escape);
			break;
		case TMPL_SECTION:
		case TMPL_INVERTED:
			tmpl_render_section(st, t, i, ctx);
			i = n->end;
			continue;
		case TMPL_PARTIAL:
			tmpl_render_partial(st, t, n, ctx);
			break;
		}
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
	free(st.ind);
	free(st.missed);
}

/* State of tmpl_refs: the sections open around a tag, the partials being walked. */
struct tmpl_walk {
	const struct tmpl_env	*env;
	tmpl_ref_fn		 fn;
	void			*arg;
	const char		**open;		/* names of the enclosing {{#x}} */
	size_t			 nopen;
	size_t			 capopen;
	const struct tmpl	*chain[TMPL_MAX_PARTIAL_DEPTH + 1];
	size_t			 depth;
};

/* Line and column (UTF-8 characters), 1-based, of offset off in t's source. */
static void
tmpl_position(const struct tmpl *t, size_t off, int *line, int *col)
{
	size_t	i;

	*line = *col = 1;
	for (i = 0; i < off && t->src[i] != '\0'; i++) {
		if (t->src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)t->src[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

/* Whether an enclosing {{#name}} tests that same name. */
static int
tmpl_guarded(const struct tmpl_walk *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nopen; i++) {
		if (strcmp(name, w->open[i]) == 0)
			return 1;
	}
	return 0;
}

static void
tmpl_walk_nodes(struct tmpl_walk *w, const struct tmpl *t, size_t i,
    size_t end)
{
	static const enum tmpl_use uses[] = {
		[TMPL_VAR] = TMPL_USE_VALUE, [TMPL_RAW] = TMPL_USE_RAW,
		[TMPL_SECTION] = TMPL_USE_SECTION,
		[TMPL_INVERTED] = TMPL_USE_INVERTED,
		[TMPL_PARTIAL] = TMPL_USE_PARTIAL,
	};
	const struct tmpl_node	*n;
	const struct tmpl	*p;
	struct tmpl_ref		 r;
	size_t			 k;

	while (i < end) {
		n = &t->nodes[i];
		if (n->kind == TMPL_TEXT) {
			i++;
			continue;
		}
		r.name = t->names.data + n->name;
		r.use = uses[n->kind];
		r.guarded = tmpl_guarded(w, r.name);
		r.in = t;
		/* a partial's off is its line's start: the tag comes after */
		tmpl_position(t, n->kind == TMPL_PARTIAL ? n->off + n->len :
		    n->off, &r.line, &r.col);
		w->fn(w->arg, &r);
		if (n->kind == TMPL_SECTION || n->kind == TMPL_INVERTED) {
			if (n->kind == TMPL_SECTION) {
				if (w->nopen == w->capopen) {
					w->capopen = w->capopen == 0 ? 16 :
					    w->capopen * 2;
					w->open = xrealloc(w->open, w->capopen *
					    sizeof(*w->open));
				}
				w->open[w->nopen++] = r.name;
			}
			tmpl_walk_nodes(w, t, i + 1, n->end);
			if (n->kind == TMPL_SECTION)
				w->nopen--;
			i = n->end;
			continue;
		}
		if (n->kind == TMPL_PARTIAL && w->env != NULL &&
		    w->env->partial != NULL &&
		    w->depth <= TMPL_MAX_PARTIAL_DEPTH &&
		    (p = w->env->partial(w->env->arg, r.name)) != NULL) {
			for (k = 0; k < w->depth && w->chain[k] != p; k++)
				;
			if (k == w->depth && w->depth < TMPL_MAX_PARTIAL_DEPTH) {
				w->chain[w->depth++] = p;
				tmpl_walk_nodes(w, p, 0, p->nnodes);
				w->depth--;
			}
		}
		i++;
	}
}

/* Reports every name t's tags use, partials followed, with their guards. */
void
tmpl_refs(const struct tmpl *t, const struct tmpl_env *env, tmpl_ref_fn fn,
    void *arg)
{
	struct tmpl_walk	w;

	if (t == NULL)
		return;
	memset(&w, 0, sizeof(w));
	w.env = env;
	w.fn = fn;
	w.arg = arg;
	w.chain[0] = t;
	w.depth = 1;
	tmpl_walk_nodes(&w, t, 0, t->nnodes);
	free(w.open);
}
