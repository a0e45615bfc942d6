/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* YAML file to a tree of positioned nodes, with ${VAR} expansion in scalars. */
#ifndef RELAIS_YNODE_H
#define RELAIS_YNODE_H

#include <stddef.h>

#include "diag.h"

enum ynode_type {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ,
};

/*
 * One node of the tree. The root owns every node below it; ynode_free(root)
 * releases all. Positions are 1-based, taken from the node's start mark.
 */
struct ynode {
	enum ynode_type	  type;
	int		  line;
	int		  col;
	/* YNODE_SCALAR: value after ${VAR} expansion, NUL-terminated. */
	char		 *value;
	size_t		  len;
	int		  quoted;	/* written '...' or "..." (or a block scalar) */
	/* YNODE_MAP: n keys (always scalars) and n values; YNODE_SEQ: n items. */
	size_t		  n;
	struct ynode	**keys;
	struct ynode	**items;
};

/*
 * Loads one YAML file (a single document). Every problem is added to diag
 * as "FILE:LINE:COL: message": syntax errors, duplicate keys, non-scalar
 * keys, unset ${VAR} without a default, bad ${...} syntax. Returns the root,
 * or NULL when anything was reported. An empty file gives an empty map.
 *
 * Expansion (values only, never keys): ${VAR} is the variable's value and an
 * error when unset; ${VAR:-default} is the default when VAR is unset or
 * empty; "$$" is a literal "$"; a "$" followed by anything else is kept.
 */
struct ynode	*ynode_load_file(const char *path, struct diag *);
/* The same on a buffer; name is used in messages in place of a path. */
struct ynode	*ynode_load_string(const char *name, const char *text,
		    size_t len, struct diag *);
void		 ynode_free(struct ynode *);

/* Value of key in a map, or NULL (also when node is NULL or not a map). */
struct ynode	*ynode_get(const struct ynode *map, const char *key);
const char	*ynode_type_name(enum ynode_type);

#endif
