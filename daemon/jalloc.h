/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Jansson's memory in relaisd: small blocks from free lists by size class,
 * not malloc. Every event makes and frees about two hundred small Jansson
 * values (the event parsed, the handler's variables, the plan's copies);
 * through glibc's malloc they cost a fifth of relaisd's CPU.
 *
 * jalloc_init() switches Jansson over, before any Jansson value exists
 * (relaisd's main). From then on, what Jansson hands out to be freed by
 * the caller — json_dumps()'s text — is not malloc's: jalloc_dumps() is the
 * one way to get such text (tests/layout.py refuses json_dumps elsewhere).
 * Without jalloc_init() (relaisctl, tests, the sanitizer builds: ASan must
 * see Jansson's blocks), everything stays malloc's.
 */
#ifndef RELAIS_JALLOC_H
#define RELAIS_JALLOC_H

#include <stddef.h>

#include <jansson.h>

/* Jansson's values from free lists from now on (a no-op under ASan). */
void	 jalloc_init(void);
/* json_dumps(v, flags), in memory the caller frees with free(). */
char	*jalloc_dumps(const json_t *v, size_t flags);
/* Blocks handed out by the free lists and not given back, for tests. */
size_t	 jalloc_live(void);

#endif
