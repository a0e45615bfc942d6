/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* UTF-8 (RFC 3629): one character decoded, validity, counting, cutting on a boundary. */
#ifndef RELAIS_UTF8_H
#define RELAIS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * No allocation, no state: every function reads the bytes it is given and
 * nothing past them. "Valid" is strict (Unicode table 3-7): no overlong
 * form, no surrogate (U+D800..U+DFFF), nothing above U+10FFFF, no 5- or
 * 6-byte form; a NUL byte is a valid character.
 */

#define UTF8_MAX	4	/* bytes of the longest character */

/*
 * Length (1 to 4) of the valid character at s[0..len), its code point in
 * *cp when cp is not NULL; 0 when there is none (a bad or cut sequence,
 * or len 0).
 */
size_t	utf8_decode(const char *s, size_t len, uint32_t *cp);
/* The same at s, NUL-terminated (0 at the NUL): reads no byte past it. */
size_t	utf8_decode_str(const char *s, uint32_t *cp);
/* 0 when s[0..len) is valid UTF-8; else -1, *bad (if not NULL) the offset. */
int	utf8_valid(const char *s, size_t len, size_t *bad);
/*
 * Makes s valid UTF-8 in place: each byte that starts no valid character
 * (a character cut by a length limit, a stray byte) becomes '?'.
 */
void	utf8_scrub(char *s);
/*
 * Characters of s[0..len): the code points of valid UTF-8. Of anything
 * else, the bytes that are not continuation bytes (10xxxxxx), as a
 * terminal counts columns.
 */
size_t	utf8_count(const char *s, size_t len);
/*
 * Bytes of s[0..len) to keep so as to keep at most max bytes, or at most
 * max characters, without cutting a character; a byte that starts no
 * valid character counts as a character of its own.
 */
size_t	utf8_cut(const char *s, size_t len, size_t max);
size_t	utf8_cut_chars(const char *s, size_t len, size_t max);
/*
 * Line and column, 1-based, of byte offset off in s[0..len) (an off past
 * len counts as len); columns count characters as utf8_count() does.
 */
void	utf8_position(const char *s, size_t len, size_t off, size_t *line,
	    size_t *col);

#endif
