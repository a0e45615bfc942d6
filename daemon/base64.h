/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Base64 (RFC 4648): the standard and URL-safe alphabets, padded or not. */
#ifndef RELAIS_BASE64_H
#define RELAIS_BASE64_H

#include <stddef.h>

struct buf;

/*
 * Flags, or-ed. Without any: the standard alphabet ("+/"); encoding pads
 * with '='; decoding takes the padding or its absence, '=' only at the
 * end, and ignores the unused low bits of the last character.
 */
#define BASE64_URL	0x01	/* "-_" in place of "+/" (RFC 4648 5) */
#define BASE64_NOPAD	0x02	/* encode: no '='; decode: '=' refused */
#define BASE64_SPACE	0x04	/* decode: SP, TAB, CR and LF skipped */
#define BASE64_EXACT	0x08	/* decode: unused bits 0 (one text per input) */

/* Length of the encoding of n bytes, without a NUL. */
size_t	base64_len(size_t n, int flags);
/*
 * Writes the encoding of in[0..n) and a NUL to out, which holds
 * base64_len(n, flags) + 1 bytes; returns the encoding's length.
 */
size_t	base64_encode(const void *in, size_t n, char *out, int flags);
/* Appends the encoding of in[0..n) to b. */
void	base64_append(struct buf *b, const void *in, size_t n, int flags);
/*
 * Decodes in[0..n) into out, at most outcap bytes: 0 with *outlen, or -1
 * (a character outside the alphabet, misplaced or extra padding, a length
 * no encoding has, more than outcap bytes). out may hold part of the
 * bytes after a failure.
 */
int	base64_decode(const char *in, size_t n, void *out, size_t outcap,
	    size_t *outlen, int flags);

#endif
