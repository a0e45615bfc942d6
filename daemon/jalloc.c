/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Jansson's memory: free lists by size class (see jalloc.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define JALLOC_OFF	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JALLOC_OFF	1
#endif
#endif

#define JALLOC_STEP	16		/* the classes: 16, 32, ... bytes */
#define JALLOC_CLASSES	16		/* up to 256; malloc above */
#define JALLOC_SLAB	(64 * 1024)	/* carved into blocks as they are asked */

/*
 * Before each block, its class (0: malloc's); 16 bytes, so that blocks keep
 * malloc's alignment. A free block holds the next free one of its class.
 */
union jalloc_head {
	size_t		cls;
	max_align_t	align;
};

struct jalloc_free {
	struct jalloc_free	*next;
};

/*
 * Per thread, so that no lock is needed: relaisd's threads (the outbox's,
 * SMTP's) touch no Jansson value, but nothing breaks if one ever does.
 */
static __thread struct jalloc_free	*jalloc_lists[JALLOC_CLASSES + 1];
static __thread char			*jalloc_cur, *jalloc_end;
static __thread size_t			 jalloc_nlive;
static int				 jalloc_on;

static __attribute__((unused)) void *
jalloc_malloc(size_t size)
{
	union jalloc_head	*h;
	struct jalloc_free	*f;
	size_t			 cls, need;

	cls = size == 0 ? 1 : (size + JALLOC_STEP - 1) / JALLOC_STEP;
	if (cls > JALLOC_CLASSES) {
		if (size > SIZE_MAX - sizeof *h ||
		    (h = malloc(sizeof *h + size)) == NULL)
			return NULL;
		h->cls = 0;
		return h + 1;
	}
	jalloc_nlive++;
	if ((f = jalloc_lists[cls]) != NULL) {
		jalloc_lists[cls] = f->next;
		return f;
	}
	need = sizeof *h + cls * JALLOC_STEP;
	if ((size_t)(jalloc_end - jalloc_cur) < need) {
		/* the slab's few bytes left are not worth a list */
		if ((jalloc_cur = malloc(JALLOC_SLAB)) == NULL) {
			jalloc_end = NULL;
			jalloc_nlive--;
			return NULL;
		}
		jalloc_end = jalloc_cur + JALLOC_SLAB;
	}
	h = (union jalloc_head *)(void *)jalloc_cur;
	jalloc_cur += need;
	h->cls = cls;
	return h + 1;
}

static void
jalloc_free(void *p)
{
	union jalloc_head	*h;
	struct jalloc_free	*f = p;

	if (p == NULL)
		return;
	h = (union jalloc_head *)p - 1;
	if (h->cls == 0) {
		free(h);
		return;
	}
	jalloc_nlive--;
	f->next = jalloc_lists[h->cls];
	jalloc_lists[h->cls] = f;
}

void
jalloc_init(void)
{
#ifndef JALLOC_OFF
	json_set_alloc_funcs(jalloc_malloc, jalloc_free);
	jalloc_on = 1;
#endif
}

char *
jalloc_dumps(const json_t *v, size_t flags)
{
	char	*s, *copy;
	size_t	 len;

	if ((s = json_dumps(v, flags)) == NULL || !jalloc_on)
		return s;
	len = strlen(s);
	if ((copy = malloc(len + 1)) != NULL)
		memcpy(copy, s, len + 1);
	jalloc_free(s);
	return copy;
}

size_t
jalloc_live(void)
{
	return jalloc_nlive;
}
