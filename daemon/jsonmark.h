/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The bytes of a JSON string that need a look, 16 at a time (jsonw, jsonr). */
#ifndef RELAIS_JSONMARK_H
#define RELAIS_JSONMARK_H

#ifdef __SSE2__
#include <emmintrin.h>

/*
 * The bytes of the 16 at p that a JSON string cannot hold as they are
 * (below 0x20, '"', '\\') or that are UTF-8's (0x80 and above), one bit
 * each, the lowest for p[0].
 */
static inline unsigned
json_marks16(const unsigned char *p)
{
	__m128i	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed: below 0x20, and 0x80 and above, are less than 0x20 */
	__m128i	m = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

#endif
