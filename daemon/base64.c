/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Base64 encoding and decoding, one implementation for every alphabet and padding. */
#include <stdint.h>

#include "base64.h"
#include "buf.h"

/* Input bytes base64_append() encodes at a time (a multiple of 3). */
#define BASE64_CHUNK	48

static const char	base64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char	base64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
base64_len(size_t n, int flags)
{
	if (flags & BASE64_NOPAD)
		return n / 3 * 4 + (n % 3 != 0 ? n % 3 + 1 : 0);
	return (n + 2) / 3 * 4;
}

size_t
base64_encode(const void *in, size_t n, char *out, int flags)
{
	const unsigned char	*p = in;
	const char		*tab = flags & BASE64_URL ? base64_url :
				    base64_std;
	uint32_t		 v;
	size_t			 i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16 |
		    (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = tab[v >> 6 & 63];
		else if (!(flags & BASE64_NOPAD))
			out[o++] = '=';
		if (!(flags & BASE64_NOPAD))
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

void
base64_append(struct buf *b, const void *in, size_t n, int flags)
{
	const unsigned char	*p = in;
	char			 tmp[BASE64_CHUNK / 3 * 4 + 1];
	size_t			 k;

	while (n > 0) {
		k = n < BASE64_CHUNK ? n : BASE64_CHUNK;
		buf_append(b, tmp, base64_encode(p, k, tmp, flags));
		p += k;
		n -= k;
	}
}

/* 6 bits of character c in the flags' alphabet, or -1. */
static int
base64_value(unsigned char c, int flags)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (flags & BASE64_URL ? '-' : '+'))
		return 62;
	if (c == (flags & BASE64_URL ? '_' : '/'))
		return 63;
	return -1;
}

int
base64_decode(const char *in, size_t n, void *out, size_t outcap,
    size_t *outlen, int flags)
{
	const unsigned char	*s = (const unsigned char *)in;
	unsigned char		*o = out;
	uint32_t		 acc = 0;
	size_t			 i, len = 0, data = 0, pad = 0;
	int			 bits = 0, v;

	for (i = 0; i < n; i++) {
		if ((flags & BASE64_SPACE) && (s[i] == ' ' || s[i] == '\t' ||
		    s[i] == '\r' || s[i] == '\n'))
			continue;
		if (s[i] == '=' && !(flags & BASE64_NOPAD)) {
			pad++;
			continue;
		}
		if (pad > 0 || (v = base64_value(s[i], flags)) == -1)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		data++;
		if (bits >= 8) {
			bits -= 8;
			if (len == outcap)
				return -1;
			o[len++] = (unsigned char)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	/* one character alone holds no byte; padding completes a quantum */
	if (data % 4 == 1 || pad > 2 || (pad > 0 && (data + pad) % 4 != 0))
		return -1;
	if ((flags & BASE64_EXACT) && acc != 0)
		return -1;
	*outlen = len;
	return 0;
}
