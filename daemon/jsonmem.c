/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Free lists of small blocks for Jansson's trees: see jsonmem.h. */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include <jansson.h>

#include "buf.h"
#include "jsonmem.h"

/*
 * Blocks are malloc's own, so that whatever Jansson hands out (json_dumps's
 * text) may be given to free() as before. A freed block of usable size u
 * (malloc_usable_size) goes on free[u / 16] when that is a small class:
 * every block on free[c] holds at least 16 * c bytes, which is what a
 * request of up to 16 * c bytes takes from it.
 */
#define JSONMEM_STEP	16
#define JSONMEM_CLASSES	16		/* 1..15: requests up to 240 bytes */
#define JSONMEM_KEEP	4096		/* blocks kept per class, at most */

struct jsonmem_free {
	struct jsonmem_free	*next;
};

static struct jsonmem_free	*jsonmem_lists[JSONMEM_CLASSES];
static size_t			 jsonmem_counts[JSONMEM_CLASSES];
static pthread_t		 jsonmem_owner;
static int			 jsonmem_owned;

/* Whether the free lists may be touched: the thread that called init. */
static int
jsonmem_mine(void)
{
	return jsonmem_owned && pthread_equal(pthread_self(), jsonmem_owner);
}

void *
jsonmem_alloc(size_t n)
{
	struct jsonmem_free	*b;
	size_t			 c;

	c = n == 0 ? 1 : (n + JSONMEM_STEP - 1) / JSONMEM_STEP;
	if (c >= JSONMEM_CLASSES)
		return xmalloc(n);
	if (jsonmem_mine() && (b = jsonmem_lists[c]) != NULL) {
		jsonmem_lists[c] = b->next;
		jsonmem_counts[c]--;
		return b;
	}
	return xmalloc(c * JSONMEM_STEP);
}

void
jsonmem_free(void *p)
{
	struct jsonmem_free	*b = p;
	size_t			 c;

	if (p == NULL)
		return;
	c = malloc_usable_size(p) / JSONMEM_STEP;
	if (c == 0 || c >= JSONMEM_CLASSES || !jsonmem_mine() ||
	    jsonmem_counts[c] >= JSONMEM_KEEP) {
		free(p);
		return;
	}
	b->next = jsonmem_lists[c];
	jsonmem_lists[c] = b;
	jsonmem_counts[c]++;
}

size_t
jsonmem_cached(void)
{
	size_t	c, n = 0;

	for (c = 0; c < JSONMEM_CLASSES; c++)
		n += jsonmem_counts[c];
	return n;
}

/* AddressSanitizer watches each block only while malloc hands it out. */
#if defined(__SANITIZE_ADDRESS__)
#define JSONMEM_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSONMEM_SANITIZED	1
#endif
#endif
#ifndef JSONMEM_SANITIZED
#define JSONMEM_SANITIZED	0
#endif

void
jsonmem_init(void)
{
	jsonmem_owner = pthread_self();
	jsonmem_owned = 1;
	if (!JSONMEM_SANITIZED)
		json_set_alloc_funcs(jsonmem_alloc, jsonmem_free);
}
