/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* YAML to a tree of positioned nodes: libyaml document API, size limits, ${VAR} expansion. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "buf.h"
#include "diag.h"
#include "utf8.h"
#include "ynode.h"

/*
 * libyaml's document API keeps an alias as a reference to the anchored
 * node, so a small file can describe a huge (or cyclic) tree. Before any
 * copy is made, the expanded size is measured on the reference graph and
 * refused past these limits.
 */
#define YNODE_MAX_NODES	1000000
#define YNODE_MAX_DEPTH	64			/* nested maps/sequences */
#define YNODE_MAX_BYTES	((size_t)64 * 1024 * 1024)	/* plus 2x the input */
#define YNODE_MAX_FILE	((size_t)64 * 1024 * 1024)

enum ynode_state {
	YNODE_UNSEEN,
	YNODE_ACTIVE,
	YNODE_DONE,
};

/* What is known about one libyaml node (indexed by node id - 1). */
struct ynode_info {
	enum ynode_state	 state;
	int			 height;	/* collection levels, 0 for a scalar */
	size_t			 count;		/* nodes once aliases are expanded */
	size_t			 bytes;		/* scalar bytes once expanded */
	int			 converted;	/* already converted as a value */
};

/* A problem found while converting, held back to be reported in file order. */
struct ynode_msg {
	int			 line;
	int			 col;
	size_t			 seq;
	char			*text;
};

struct ynode_ctx {
	const char		*name;
	struct diag		*diag;
	yaml_document_t		*doc;
	struct ynode_info	*info;
	size_t			 max_bytes;
	int			 quiet;		/* inside a repeat of an alias */
	struct ynode_msg	*msgs;
	size_t			 nmsgs;
};

static void	ynode_err(struct ynode_ctx *, int, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static struct ynode *ynode_convert(struct ynode_ctx *, int, int);

static void
ynode_err(struct ynode_ctx *c, int line, int col, const char *fmt, ...)
{
	struct ynode_msg	*m;
	struct buf		 b;
	va_list			 ap;

	if (c->quiet)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	c->msgs = xrealloc(c->msgs, (c->nmsgs + 1) * sizeof *c->msgs);
	m = &c->msgs[c->nmsgs];
	m->line = line;
	m->col = col;
	m->seq = c->nmsgs++;
	m->text = buf_steal(&b, NULL);
}

static int
ynode_msg_cmp(const void *va, const void *vb)
{
	const struct ynode_msg	*a = va, *b = vb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

/* Hands the held problems to the diag, sorted by position. */
static void
ynode_flush(struct ynode_ctx *c)
{
	size_t	i;

	if (c->nmsgs == 0)
		return;
	qsort(c->msgs, c->nmsgs, sizeof *c->msgs, ynode_msg_cmp);
	for (i = 0; i < c->nmsgs; i++) {
		diag_add(c->diag, c->name, c->msgs[i].line, c->msgs[i].col,
		    "%s", c->msgs[i].text);
		free(c->msgs[i].text);
	}
	free(c->msgs);
	c->msgs = NULL;
	c->nmsgs = 0;
}

static int
ynode_mark_line(yaml_mark_t m)
{
	return (int)m.line + 1;
}

static int
ynode_mark_col(yaml_mark_t m)
{
	return (int)m.column + 1;
}

static size_t
ynode_sat_add(size_t a, size_t b, size_t max)
{
	return (a > max || b > max - a) ? max + 1 : a + b;
}

static int ynode_measure(struct ynode_ctx *, int, int);

/* Folds a measured child into its parent; -1 when the child broke a limit. */
static int
ynode_measure_child(struct ynode_ctx *c, struct ynode_info *in, int id,
    int depth)
{
	struct ynode_info	*ch;

	if (ynode_measure(c, id, depth) == -1)
		return -1;
	ch = &c->info[id - 1];
	in->count = ynode_sat_add(in->count, ch->count, YNODE_MAX_NODES);
	in->bytes = ynode_sat_add(in->bytes, ch->bytes, c->max_bytes);
	if (ch->height + 1 > in->height)
		in->height = ch->height + 1;
	return 0;
}

/*
 * Measures the expanded subtree of node id, found at depth (number of
 * enclosing collections). Reports the first limit broken and returns -1.
 */
static int
ynode_measure(struct ynode_ctx *c, int id, int depth)
{
	yaml_node_t		*yn = yaml_document_get_node(c->doc, id);
	struct ynode_info	*in = &c->info[id - 1];
	yaml_node_item_t	*it;
	yaml_node_pair_t	*p;
	int			 line, col;

	line = ynode_mark_line(yn->start_mark);
	col = ynode_mark_col(yn->start_mark);
	if (in->state == YNODE_ACTIVE) {
		ynode_err(c, line, col, "recursive alias: this node contains "
		    "itself");
		return -1;
	}
	if (in->state == YNODE_DONE && depth + in->height <= YNODE_MAX_DEPTH)
		return 0;
	if (in->state == YNODE_DONE || (yn->type != YAML_SCALAR_NODE &&
	    depth >= YNODE_MAX_DEPTH)) {
		ynode_err(c, line, col, "nesting deeper than %d levels",
		    YNODE_MAX_DEPTH);
		return -1;
	}
	in->state = YNODE_ACTIVE;
	in->count = 1;
	if (yn->type == YAML_SCALAR_NODE)
		in->bytes = yn->data.scalar.length;
	else if (yn->type == YAML_SEQUENCE_NODE) {
		for (it = yn->data.sequence.items.start;
		    it < yn->data.sequence.items.top; it++)
			if (ynode_measure_child(c, in, *it, depth + 1) == -1)
				return -1;
	} else {
		for (p = yn->data.mapping.pairs.start;
		    p < yn->data.mapping.pairs.top; p++)
			if (ynode_measure_child(c, in, p->key, depth + 1) ==
			    -1 || ynode_measure_child(c, in, p->value,
			    depth + 1) == -1)
				return -1;
	}
	in->state = YNODE_DONE;
	if (in->count > YNODE_MAX_NODES) {
		ynode_err(c, line, col, "more than %d nodes once aliases are "
		    "expanded", YNODE_MAX_NODES);
		return -1;
	}
	if (in->bytes > c->max_bytes) {
		ynode_err(c, line, col, "more than %zu bytes of values once "
		    "aliases are expanded", c->max_bytes);
		return -1;
	}
	return 0;
}

static int
ynode_is_name_char(char ch, int first)
{
	if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_')
		return 1;
	return !first && ch >= '0' && ch <= '9';
}

/* Whether [s, end) holds "${" (a nested reference, which is not supported). */
static int
ynode_has_ref(const char *s, const char *end)
{
	for (; s + 1 < end; s++)
		if (s[0] == '$' && s[1] == '{')
			return 1;
	return 0;
}

/*
 * Expands the "${...}" starting at ref into b, reporting problems at the
 * node n. Returns where scanning goes on.
 */
static const char *
ynode_expand_ref(struct ynode_ctx *c, struct ynode *n, struct buf *b,
    const char *ref, const char *end)
{
	const char	*name = ref + 2, *close, *p, *def;
	const char	*val;
	char		*var;

	if ((close = memchr(name, '}', (size_t)(end - name))) == NULL) {
		ynode_err(c, n->line, n->col, "unterminated \"${\" (write "
		    "\"$${\" for a literal \"${\")");
		return end;
	}
	for (p = name; p < close && ynode_is_name_char(*p, p == name); p++)
		;
	def = (close - p >= 2 && p[0] == ':' && p[1] == '-') ? p + 2 : NULL;
	if (p == name || (p != close && def == NULL)) {
		ynode_err(c, n->line, n->col, "invalid variable reference "
		    "\"%.*s\" (expected ${NAME} or ${NAME:-default})",
		    (int)(close + 1 - ref), ref);
		return close + 1;
	}
	if (def != NULL && ynode_has_ref(def, close)) {
		ynode_err(c, n->line, n->col, "nested \"${\" in the default "
		    "of ${%.*s:-...} is not supported", (int)(p - name), name);
		return close + 1;
	}
	var = xstrndup(name, (size_t)(p - name));
	val = getenv(var);
	if (def != NULL && (val == NULL || *val == '\0'))
		buf_append(b, def, (size_t)(close - def));
	else if (val != NULL)
		buf_puts(b, val);
	else
		ynode_err(c, n->line, n->col, "environment variable %s is not "
		    "set (use ${%s:-default} for a default)", var, var);
	free(var);
	return close + 1;
}

/* Sets n->value to s with ${VAR}, ${VAR:-default} and $$ expanded. */
static void
ynode_expand(struct ynode_ctx *c, struct ynode *n, const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *dollar;
	struct buf	 b;

	buf_init(&b);
	while (p < end) {
		if ((dollar = memchr(p, '$', (size_t)(end - p))) == NULL) {
			buf_append(&b, p, (size_t)(end - p));
			break;
		}
		buf_append(&b, p, (size_t)(dollar - p));
		if (dollar + 1 < end && dollar[1] == '{')
			p = ynode_expand_ref(c, n, &b, dollar, end);
		else {
			buf_putc(&b, '$');
			p = dollar + ((dollar + 1 < end && dollar[1] == '$') ?
			    2 : 1);
		}
	}
	n->value = buf_steal(&b, &n->len);
}

static void
ynode_convert_scalar(struct ynode_ctx *c, struct ynode *n, yaml_node_t *yn,
    int is_key)
{
	const char	*s = (const char *)yn->data.scalar.value;
	size_t		 len = yn->data.scalar.length;

	n->type = YNODE_SCALAR;
	switch (yn->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->quoted = 1;
		break;
	default:
		break;
	}
	if (is_key) {
		n->value = xstrndup(s, len);
		n->len = len;
	} else
		ynode_expand(c, n, s, len);
}

struct ynode_key {
	const struct ynode	*k;
	size_t			 idx;
};

static int
ynode_key_cmp(const void *va, const void *vb)
{
	const struct ynode_key	*a = va, *b = vb;
	size_t			 len = a->k->len < b->k->len ? a->k->len :
				    b->k->len;
	int			 r;

	if ((r = memcmp(a->k->value, b->k->value, len)) != 0)
		return r;
	if (a->k->len != b->k->len)
		return a->k->len < b->k->len ? -1 : 1;
	return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Reports every repeated key, in file order; sorting keeps big maps cheap. */
static void
ynode_check_dups(struct ynode_ctx *c, const struct ynode *map)
{
	struct ynode_key	*sorted;
	size_t			*first, i, run = 0;
	const struct ynode	*k;

	if (map->n < 2)
		return;
	sorted = xcalloc(map->n, sizeof *sorted);
	first = xcalloc(map->n, sizeof *first);
	for (i = 0; i < map->n; i++) {
		sorted[i].k = map->keys[i];
		sorted[i].idx = i;
		first[i] = SIZE_MAX;
	}
	qsort(sorted, map->n, sizeof *sorted, ynode_key_cmp);
	for (i = 1; i < map->n; i++) {
		if (sorted[i].k->len != sorted[run].k->len ||
		    memcmp(sorted[i].k->value, sorted[run].k->value,
		    sorted[i].k->len) != 0)
			run = i;
		else
			first[sorted[i].idx] = sorted[run].idx;
	}
	for (i = 0; i < map->n; i++) {
		if (first[i] == SIZE_MAX)
			continue;
		k = map->keys[i];
		ynode_err(c, k->line, k->col, "duplicate key \"%s\" (first "
		    "defined at line %d)", k->value,
		    map->keys[first[i]]->line);
	}
	free(first);
	free(sorted);
}

static void
ynode_convert_map(struct ynode_ctx *c, struct ynode *n, yaml_node_t *yn)
{
	yaml_node_pair_t	*p, *start = yn->data.mapping.pairs.start;
	yaml_node_t		*kn;
	size_t			 np = (size_t)(yn->data.mapping.pairs.top - start);

	n->type = YNODE_MAP;
	if (np == 0)
		return;
	n->keys = xcalloc(np, sizeof *n->keys);
	n->items = xcalloc(np, sizeof *n->items);
	for (p = start; p < start + np; p++) {
		kn = yaml_document_get_node(c->doc, p->key);
		if (kn->type != YAML_SCALAR_NODE) {
			ynode_err(c, ynode_mark_line(kn->start_mark),
			    ynode_mark_col(kn->start_mark), "mapping key must "
			    "be a scalar, not a %s", kn->type ==
			    YAML_MAPPING_NODE ? "map" : "sequence");
			/* Still walked, for the errors it may hold. */
			ynode_free(ynode_convert(c, p->value, 0));
			continue;
		}
		n->keys[n->n] = ynode_convert(c, p->key, 1);
		n->items[n->n] = ynode_convert(c, p->value, 0);
		n->n++;
	}
	ynode_check_dups(c, n);
}

static void
ynode_convert_seq(struct ynode_ctx *c, struct ynode *n, yaml_node_t *yn)
{
	yaml_node_item_t	*it, *start = yn->data.sequence.items.start;
	size_t			 ni = (size_t)(yn->data.sequence.items.top - start);

	n->type = YNODE_SEQ;
	if (ni == 0)
		return;
	n->items = xcalloc(ni, sizeof *n->items);
	for (it = start; it < start + ni; it++)
		n->items[n->n++] = ynode_convert(c, *it, 0);
}

/* Copies node id (already measured) into a new tree; keys are not expanded. */
static struct ynode *
ynode_convert(struct ynode_ctx *c, int id, int is_key)
{
	yaml_node_t		*yn = yaml_document_get_node(c->doc, id);
	struct ynode_info	*in = &c->info[id - 1];
	struct ynode		*n;
	int			 quiet = c->quiet;

	/* A node met again through an alias had its problems reported once. */
	if (!is_key) {
		if (in->converted)
			c->quiet = 1;
		in->converted = 1;
	}
	n = xcalloc(1, sizeof *n);
	n->line = ynode_mark_line(yn->start_mark);
	n->col = ynode_mark_col(yn->start_mark);
	if (yn->type == YAML_SCALAR_NODE)
		ynode_convert_scalar(c, n, yn, is_key);
	else if (yn->type == YAML_MAPPING_NODE)
		ynode_convert_map(c, n, yn);
	else
		ynode_convert_seq(c, n, yn);
	c->quiet = quiet;
	return n;
}

/* Line and column (1-based) of a byte offset in UTF-8 text, for reader errors. */
static void
ynode_offset_pos(const char *text, size_t off, int *line, int *col)
{
	size_t	bom = 0, l, c;

	if (off >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		bom = 3;
	utf8_position(text + bom, off - bom, off - bom, &l, &c);
	*line = (int)l;
	*col = (int)c;
}

static void
ynode_parse_error(struct ynode_ctx *c, const yaml_parser_t *p,
    const char *text, size_t len)
{
	const char	*problem = p->problem != NULL ? p->problem :
			    "syntax error";
	int		 line, col;

	if (p->error == YAML_MEMORY_ERROR)
		diag_add(c->diag, c->name, 0, 0, "out of memory parsing YAML");
	else if (p->error == YAML_READER_ERROR) {
		if (p->encoding == YAML_UTF8_ENCODING &&
		    p->problem_offset <= len) {
			ynode_offset_pos(text, p->problem_offset, &line, &col);
			diag_add(c->diag, c->name, line, col, "%s (0x%X)",
			    problem, (unsigned int)p->problem_value);
		} else
			diag_add(c->diag, c->name, 0, 0, "%s at byte %zu",
			    problem, p->problem_offset);
	} else if (p->context != NULL)
		diag_add(c->diag, c->name, ynode_mark_line(p->problem_mark),
		    ynode_mark_col(p->problem_mark), "%s (%s at line %d, "
		    "column %d)", problem, p->context,
		    ynode_mark_line(p->context_mark),
		    ynode_mark_col(p->context_mark));
	else
		diag_add(c->diag, c->name, ynode_mark_line(p->problem_mark),
		    ynode_mark_col(p->problem_mark), "%s", problem);
}

/* Tree of a loaded document; no root (or a bare "---") is an empty map. */
static struct ynode *
ynode_from_doc(struct ynode_ctx *c, yaml_document_t *doc)
{
	yaml_node_t	*r = yaml_document_get_root_node(doc);
	struct ynode	*root = NULL;

	if (r == NULL || (r->type == YAML_SCALAR_NODE &&
	    r->data.scalar.length == 0 &&
	    r->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)) {
		root = xcalloc(1, sizeof *root);
		root->type = YNODE_MAP;
		root->line = r != NULL ? ynode_mark_line(r->start_mark) : 1;
		root->col = r != NULL ? ynode_mark_col(r->start_mark) : 1;
		return root;
	}
	c->doc = doc;
	c->info = xcalloc((size_t)(doc->nodes.top - doc->nodes.start),
	    sizeof *c->info);
	if (ynode_measure(c, 1, 0) == 0)
		root = ynode_convert(c, 1, 0);
	free(c->info);
	c->info = NULL;
	c->doc = NULL;
	ynode_flush(c);
	return root;
}

/* Parses the first document into a tree and makes sure no other follows. */
static struct ynode *
ynode_parse(struct ynode_ctx *c, yaml_parser_t *p, const char *text,
    size_t len)
{
	yaml_document_t	 doc;
	struct ynode	*root;

	if (!yaml_parser_load(p, &doc)) {
		ynode_parse_error(c, p, text, len);
		return NULL;
	}
	root = ynode_from_doc(c, &doc);
	yaml_document_delete(&doc);

	if (!yaml_parser_load(p, &doc))
		ynode_parse_error(c, p, text, len);
	else {
		if (yaml_document_get_root_node(&doc) != NULL)
			diag_add(c->diag, c->name,
			    ynode_mark_line(doc.start_mark),
			    ynode_mark_col(doc.start_mark), "more than one "
			    "YAML document (a second \"---\"?); only one is "
			    "allowed");
		yaml_document_delete(&doc);
	}
	return root;
}

/* Loads YAML text (one document); name stands for the file in messages. */
struct ynode *
ynode_load_string(const char *name, const char *text, size_t len,
    struct diag *d)
{
	struct ynode_ctx	 c;
	yaml_parser_t		 parser;
	struct ynode		*root;
	size_t			 nerr = d->n;

	memset(&c, 0, sizeof c);
	c.name = name;
	c.diag = d;
	/* Decoding may grow text (UTF-16, "\L" escapes), never past 2x. */
	c.max_bytes = len < (SIZE_MAX / 2 - YNODE_MAX_BYTES) / 2 ?
	    YNODE_MAX_BYTES + 2 * len : SIZE_MAX / 2;
	if (text == NULL)
		text = "";
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, name, 0, 0, "cannot initialise the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	root = ynode_parse(&c, &parser, text, len);
	yaml_parser_delete(&parser);
	if (d->n > nerr) {
		ynode_free(root);
		return NULL;
	}
	return root;
}

static int
ynode_read_file(const char *path, struct buf *b, struct diag *d)
{
	FILE	*f = NULL;
	char	 chunk[16384];
	size_t	 n;

	buf_init(b);
	if ((f = fopen(path, "rb")) == NULL) {
		diag_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_append(b, chunk, n);
		if (b->len > YNODE_MAX_FILE) {
			diag_add(d, path, 0, 0, "larger than %zu bytes",
			    YNODE_MAX_FILE);
			goto fail;
		}
	}
	if (ferror(f)) {
		diag_add(d, path, 0, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	buf_free(b);
	return -1;
}

/* Loads a YAML file (one document); see ynode.h for what is reported. */
struct ynode *
ynode_load_file(const char *path, struct diag *d)
{
	struct buf	 b;
	struct ynode	*root;

	if (ynode_read_file(path, &b, d) == -1)
		return NULL;
	root = ynode_load_string(path, b.data != NULL ? b.data : "", b.len, d);
	buf_free(&b);
	return root;
}

/* Frees a node and everything below it; NULL is a no-op. */
void
ynode_free(struct ynode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++) {
		if (n->keys != NULL)
			ynode_free(n->keys[i]);
		ynode_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->value);
	free(n);
}

/* Value of key in map, or NULL. */
struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t	i, len;

	if (map == NULL || map->type != YNODE_MAP || key == NULL)
		return NULL;
	len = strlen(key);
	for (i = 0; i < map->n; i++)
		if (map->keys[i]->len == len &&
		    memcmp(map->keys[i]->value, key, len) == 0)
			return map->items[i];
	return NULL;
}

/* "scalar", "map" or "sequence", for messages. */
const char *
ynode_type_name(enum ynode_type t)
{
	switch (t) {
	case YNODE_SCALAR:
		return "scalar";
	case YNODE_MAP:
		return "map";
	case YNODE_SEQ:
		return "sequence";
	}
	return "unknown";
}
