/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* tmpl_refs: the names a compiled template uses, with the sections that guard them. */
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "tmpl_int.h"
#include "utf8.h"

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
	size_t	l, c;

	utf8_position(t->src, strnlen(t->src, off), off, &l, &c);
	*line = (int)l;
	*col = (int)c;
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
