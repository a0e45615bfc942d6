/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Mustache templates: compiles source into a flat node tree once (tmpl_render.c renders it). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "tmpl_int.h"
#include "utf8.h"

#define TMPL_MAX_NEST		128

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
	size_t		*seen;		/* the parts stored: offset + 1, 0 free */
	size_t		 seencap;	/* a power of two, kept half empty */
};

/* A parsed tag: where it sits and what it holds. */
struct tmpl_tag {
	char		 type;		/* '#', '^', '/', '>', '!', '=', '&', '{' or 0 */
	size_t		 start;		/* offset of the opening delimiter */
	size_t		 end;		/* offset just past the closing delimiter */
	const char	*body;		/* content, trimmed */
	size_t		 blen;
};

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
	size_t	 line, col;
	int	 n;

	if (p->err == NULL || p->errlen == 0)
		return;
	utf8_position(p->src, p->len, off, &line, &col);
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

/* FNV-1a, for the parts seen while parsing. */
static size_t
tmpl_part_hash(const char *s, size_t len)
{
	size_t	h = (size_t)2166136261u, i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot of the part s in p->seen: where it is, or where it would go. */
static size_t *
tmpl_part_slot(struct tmpl_parser *p, const char *s, size_t len)
{
	const char	*names = p->t->names.data, *at;
	size_t		 i = tmpl_part_hash(s, len) & (p->seencap - 1);

	for (; p->seen[i] != 0; i = (i + 1) & (p->seencap - 1)) {
		at = names + p->seen[i] - 1;
		if (strncmp(at, s, len) == 0 && at[len] == '\0')
			break;
	}
	return &p->seen[i];
}

/* Adds a part of a name to partv: the offset of its text, stored once. */
static void
tmpl_add_part(struct tmpl_parser *p, const char *s, size_t len)
{
	struct tmpl	*t = p->t;
	size_t		*slot, *old, oldcap, i, off;

	if (2 * (t->npartv + 1) > p->seencap) {
		old = p->seen;
		oldcap = p->seencap;
		p->seencap = oldcap == 0 ? 32 : oldcap * 2;
		p->seen = xcalloc(p->seencap, sizeof(*p->seen));
		for (i = 0; i < oldcap; i++) {
			if (old[i] != 0) {
				off = old[i] - 1;
				*tmpl_part_slot(p, t->names.data + off,
				    strlen(t->names.data + off)) = old[i];
			}
		}
		free(old);
	}
	slot = tmpl_part_slot(p, s, len);
	if (*slot == 0) {
		*slot = t->names.len + 1;
		buf_append(&t->names, s, len);
		buf_putc(&t->names, '\0');
	}
	off = *slot - 1;
	if (t->npartv == t->partcap) {
		t->partcap = t->partcap == 0 ? 16 : t->partcap * 2;
		t->partv = xrealloc(t->partv, t->partcap * sizeof(*t->partv));
	}
	t->partv[t->npartv++] = off;
}

/* Stores the name and its dot-separated parts; rejects empty names and blanks. */
static int
tmpl_set_name(struct tmpl_parser *p, struct tmpl_node *n,
    const struct tmpl_tag *tag)
{
	struct buf	*names = &p->t->names;
	size_t		 i, from;

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
	n->parts = p->t->npartv;
	if (tag->blen == 1 && tag->body[0] == '.')
		return 0;
	for (i = from = 0; i <= tag->blen; i++) {
		if (i == tag->blen || tag->body[i] == '.') {
			tmpl_add_part(p, tag->body + from, i - from);
			n->nparts++;
			from = i + 1;
		}
	}
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
	free(p.seen);
	return t;
fail:
	free(p.seen);
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
	free(t->partv);
	free(t);
}
