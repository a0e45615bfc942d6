/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Jansson trees that die with their job, bump-allocated in its own pages. */
#include <sys/mman.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jarena.h"

/*
 * Under AddressSanitizer an arena keeps its checks: each value has a
 * poisoned header before it (its size, and the red zone of the one
 * before), is poisoned when freed, and pages given back are poisoned and
 * reused last, not first, so that a value kept past its job is reported
 * where it is read, however soon the next job starts. GCC says ASan is
 * on with __SANITIZE_ADDRESS__, clang with __has_feature.
 */
#if defined(__SANITIZE_ADDRESS__)
#define JARENA_ASAN		1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JARENA_ASAN		1
#endif
#endif
#ifndef JARENA_ASAN
#define JARENA_ASAN		0
#endif

#if JARENA_ASAN
#include <sanitizer/asan_interface.h>
#define JARENA_RED		16
#define JARENA_POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define JARENA_UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define JARENA_RED		0
#define JARENA_POISON(p, n)	((void)(p), (void)(n))
#define JARENA_UNPOISON(p, n)	((void)(p), (void)(n))
#endif

/*
 * 64 MiB of address space, 16,384 pages. A welcome's event takes one; a
 * Jansson tree takes several times its text, so an event of 60 KB takes
 * some 50 (its strings over 512 bytes are malloc's): hundreds of such
 * jobs in flight. A page starts with the link to the next one (its
 * arena's older page, or the next free page), 16 bytes to keep what
 * follows aligned as malloc's is.
 *
 * Pages given back stay resident, as malloc's freed memory mostly does:
 * relais_json_arena_peak_bytes is what the arenas hold of the RSS.
 */
#define JARENA_REGION	((size_t)64 << 20)
#define JARENA_HEAD	16

static char		*jarena_base;	/* the region; NULL: none */
static size_t		 jarena_size;
static char		*jarena_next;	/* its pages never handed out start here */
static char		*jarena_free_pages;
static char		*jarena_free_last;	/* ASan: released pages go last */
static size_t		 jarena_used, jarena_peak;
static pthread_mutex_t	 jarena_lock = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local struct jarena	*jarena_cur;

static char *
jarena_link(const char *page)
{
	char	*next;

	memcpy(&next, page, sizeof next);
	return next;
}

static void
jarena_set_link(char *page, const char *next)
{
	memcpy(page, &next, sizeof next);
}

/* A page for a: from the free ones first (the most recently released). */
static int
jarena_grow(struct jarena *a)
{
	char	*page = NULL;

	if (a->npages >= JARENA_MAX_PAGES) {
		a->full = 1;
		return -1;
	}
	pthread_mutex_lock(&jarena_lock);
	if ((page = jarena_free_pages) != NULL) {
		jarena_free_pages = jarena_link(page);
		if (jarena_free_pages == NULL)
			jarena_free_last = NULL;
	} else if (jarena_base != NULL &&
	    jarena_next < jarena_base + jarena_size) {
		page = jarena_next;
		jarena_next += JARENA_PAGE;
	}
	if (page != NULL && ++jarena_used > jarena_peak)
		jarena_peak = jarena_used;
	pthread_mutex_unlock(&jarena_lock);
	if (page == NULL) {
		a->full = 1;	/* its next values: malloc's, no more asking */
		return -1;
	}
	jarena_set_link(page, a->page);
	JARENA_POISON(page + JARENA_HEAD, JARENA_PAGE - JARENA_HEAD);
	a->npages++;
	a->page = page;
	a->cur = page + JARENA_HEAD;
	a->end = page + JARENA_PAGE;
	return 0;
}

static void *
jarena_malloc(size_t n)
{
	struct jarena	*a = jarena_cur;
	size_t		 need;
	char		*p;

	if (a == NULL || a->full || n > JARENA_SMALL || n == 0)
		return malloc(n);
	need = ((n + 15) & ~(size_t)15) + JARENA_RED;
	if ((size_t)(a->end - a->cur) < need && jarena_grow(a) == -1)
		return malloc(n);
	p = a->cur + JARENA_RED;
	a->cur += need;
#if JARENA_ASAN
	JARENA_UNPOISON(p - JARENA_RED, sizeof n);
	memcpy(p - JARENA_RED, &n, sizeof n);
	JARENA_POISON(p - JARENA_RED, sizeof n);
#endif
	JARENA_UNPOISON(p, n);
	return p;
}

int
jarena_holds(const void *p)
{
	return (uintptr_t)p - (uintptr_t)jarena_base < jarena_size;
}

/* An arena's value is freed with its pages; anything else is malloc's. */
void
jarena_free(void *p)
{
#if JARENA_ASAN
	size_t	n;

	if (jarena_holds(p)) {
		JARENA_UNPOISON((char *)p - JARENA_RED, sizeof n);
		memcpy(&n, (char *)p - JARENA_RED, sizeof n);
		JARENA_POISON((char *)p - JARENA_RED, sizeof n);
		JARENA_POISON(p, n);
		return;
	}
#endif
	if (!jarena_holds(p))
		free(p);
}

void
jarena_init_size(size_t bytes)
{
	void	*r;

	bytes -= bytes % JARENA_PAGE;
	if (jarena_base != NULL || bytes == 0)
		return;
	r = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return;		/* no arenas: Jansson's trees are malloc's */
	jarena_base = jarena_next = r;
	jarena_size = bytes;
	json_set_alloc_funcs(jarena_malloc, jarena_free);
}

void
jarena_init(void)
{
	jarena_init_size(JARENA_REGION);
}

void
jarena_enter(struct jarena *a)
{
	jarena_cur = jarena_base != NULL ? a : NULL;
}

void
jarena_leave(void)
{
	jarena_cur = NULL;
}

void
jarena_release(struct jarena *a)
{
	char	*page, *next;
	size_t	 n = 0;

	if (jarena_cur == a)
		jarena_cur = NULL;
	a->full = 0;
	if (a->page == NULL)
		return;
	pthread_mutex_lock(&jarena_lock);
	for (page = a->page; page != NULL; page = next) {
		next = jarena_link(page);
		JARENA_POISON(page + JARENA_HEAD, JARENA_PAGE - JARENA_HEAD);
		if (JARENA_ASAN && jarena_free_last != NULL) {
			jarena_set_link(page, NULL);
			jarena_set_link(jarena_free_last, page);
			jarena_free_last = page;
		} else {
			jarena_set_link(page, jarena_free_pages);
			jarena_free_pages = page;
			if (jarena_free_last == NULL)
				jarena_free_last = page;
		}
		n++;
	}
	jarena_used -= n;
	pthread_mutex_unlock(&jarena_lock);
	a->page = a->cur = a->end = NULL;
	a->npages = 0;
}

size_t
jarena_pages(size_t *peak)
{
	size_t	n;

	pthread_mutex_lock(&jarena_lock);
	n = jarena_used;
	if (peak != NULL)
		*peak = jarena_peak;
	pthread_mutex_unlock(&jarena_lock);
	return n;
}
