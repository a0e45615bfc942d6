/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Jansson trees that die with their job, bump-allocated in its own pages. */
#ifndef RELAIS_JARENA_H
#define RELAIS_JARENA_H

#include <stddef.h>

/*
 * A job's event and its state answer are parsed into Jansson trees (some
 * 90 small allocations a welcome), all kept until the job ends, then
 * freed one by one: malloc and free were a quarter of relaisd's
 * instructions a welcome. The pipeline gives each job an arena for those,
 * and has one more for what its handler's prepare and its plan make (the
 * handler's variables, the renders), released as soon as each is done
 * (pipeline.c).
 * While a jarena is entered, the calling thread's Jansson allocations of
 * up to JARENA_SMALL bytes come from the arena's 4 KiB pages instead, one
 * pointer bump each; freeing one of them is a no-op, and jarena_release()
 * gives the pages back at once, to be reused (most recent first: still in
 * the cache) by the next job. Larger ones, and every allocation outside
 * an entered arena or in another thread, are malloc's as before.
 *
 * The pages come from one region reserved at jarena_init() (address space,
 * touched page by page: RSS grows with the most pages jobs have used at
 * once, and stays there, as malloc's freed memory mostly does). When it
 * is used up, a job's trees are malloc's: nothing fails.
 *
 * Ownership: everything allocated in an arena must be unreachable when it
 * is released: json_decref() the trees first (their values' frees are
 * no-ops, a value the job added since with malloc is freed), and keep no
 * value of them past the job (json_incref does not keep one alive). Text
 * Jansson hands over (json_dumps) is freed with jarena_free(). Under
 * AddressSanitizer, a freed value and released pages are poisoned, and
 * released pages reused last: a value kept too long is reported where it
 * is read.
 */
#define JARENA_PAGE	4096
#define JARENA_SMALL	512
/*
 * The most pages one arena takes (256 KiB): a job with more (an event of
 * 60 KB and more, a posting's long list of candidates) has its next values
 * malloc'd, so that one such job does not leave the region's resident
 * pages grown for good, nor keep what it freed in them.
 */
#define JARENA_MAX_PAGES	64

struct jarena {
	char	*page;		/* the newest of its pages, NULL: none */
	char	*cur;		/* free room in it */
	char	*end;
	size_t	 npages;
	int	 full;		/* no page for it: the region's are all out,
				   or it has JARENA_MAX_PAGES */
};

/*
 * Reserves the region and makes Jansson allocate through the arenas: once,
 * before any thread but the caller's uses Jansson. Without it (tests that
 * do not call it), an entered arena is never used.
 */
void	jarena_init(void);
/* jarena_init()'s, with a region of bytes (tests: to reach its end). */
void	jarena_init_size(size_t bytes);
/* A zeroed struct jarena is an empty arena; so is one released. */
void	jarena_enter(struct jarena *);
void	jarena_leave(void);
void	jarena_release(struct jarena *);

/*
 * Frees what Jansson allocated and handed over, json_dumps()'s text: in an
 * entered arena it is the arena's, and free() would take it for malloc's.
 * Jansson's free function (set by jarena_init()); NULL: nothing.
 */
void	jarena_free(void *);

/* 1 when p is in the region: an arena's value (tests). */
int	jarena_holds(const void *p);
/* Pages handed out now; in *peak (when not NULL), the most ever at once. */
size_t	jarena_pages(size_t *peak);

#endif
