/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the template files share (tmpl.c parses, tmpl_render.c renders,
 * tmpl_refs.c walks): the compiled node tree. Private to them.
 */
#ifndef RELAIS_TMPL_INT_H
#define RELAIS_TMPL_INT_H

#include <stddef.h>

#include "buf.h"

#define TMPL_MAX_PARTIAL_DEPTH	64

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
	size_t		 parts;		/* index in partv: its first part's */
	size_t		 nparts;	/* 0 for the implicit iterator "." */
	size_t		 end;
};

/*
 * names holds each full name, and each distinct part of a dotted name
 * once: a part's offset (in partv, a node's nparts from its parts) is the
 * same wherever the template names it, which tmpl_render's memo keys on.
 */
struct tmpl {
	char			*src;
	struct tmpl_node	*nodes;
	size_t			 nnodes;
	size_t			 cap;
	struct buf		 names;
	size_t			*partv;
	size_t			 npartv;
	size_t			 partcap;
};

#endif
