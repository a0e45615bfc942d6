/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Jansson's memory: every event, template context and state answer is a
 * tree of a few hundred small blocks, made and freed within milliseconds.
 * jsonmem keeps freed small blocks on one list per size class and hands
 * them out again, instead of a malloc/free pair each (the allocator's slow
 * paths were a quarter of relaisd's instructions per event).
 */
#ifndef RELAIS_JSONMEM_H
#define RELAIS_JSONMEM_H

#include <stddef.h>

/*
 * Makes Jansson allocate through jsonmem (json_set_alloc_funcs): call once,
 * before any json_t exists. Blocks are malloc's, so what Jansson returns
 * (json_dumps) is still free()d as before. They are reused on the thread
 * that called it only; other threads' go straight to malloc and free.
 * Under AddressSanitizer, Jansson keeps malloc and free: every block of a
 * tree stays its own allocation, for the sanitizer to watch.
 */
void	 jsonmem_init(void);

/* The allocator itself (for its tests): never NULL, as xmalloc. */
void	*jsonmem_alloc(size_t);
void	 jsonmem_free(void *);

/* Blocks held on the free lists, all classes together. */
size_t	 jsonmem_cached(void);

#endif
