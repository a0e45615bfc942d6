/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for ynode: any YAML loads to a tree or explains why, never both. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ynode.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Aborts unless every node below n is well formed. */
static void
fuzz_ynode_check(const struct ynode *n)
{
	size_t	i;

	switch (n->type) {
	case YNODE_SCALAR:
		if (n->value == NULL || n->value[n->len] != '\0' || n->n != 0)
			abort();
		break;
	case YNODE_MAP:
		for (i = 0; i < n->n; i++) {
			if (n->keys[i]->type != YNODE_SCALAR)
				abort();
			fuzz_ynode_check(n->keys[i]);
			fuzz_ynode_check(n->items[i]);
		}
		break;
	case YNODE_SEQ:
		if (n->keys != NULL)
			abort();
		for (i = 0; i < n->n; i++)
			fuzz_ynode_check(n->items[i]);
		break;
	default:
		abort();
	}
	if (n->line < 1 || n->col < 1)
		abort();
}

/* Loads one input as a YAML file; NULL must come with messages, a tree without. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag	 d;
	struct ynode	*root;
	size_t		 i;

	diag_init(&d);
	root = ynode_load_string("fuzz.yaml", (const char *)data, size, &d);
	if ((root == NULL) != (d.n > 0))
		abort();
	if (root != NULL)
		fuzz_ynode_check(root);
	for (i = 0; i < d.n; i++)
		if (strncmp(d.msgs[i], "fuzz.yaml:", 10) != 0)
			abort();
	ynode_free(root);
	diag_free(&d);
	return 0;
}
