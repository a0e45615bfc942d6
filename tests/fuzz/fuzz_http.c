/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the HTTP/1.1 answer parser (http_h1.c): what a server sends back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The first byte picks how reads cut the answer (1 to 128 bytes) and
 * whether it answers a HEAD; the rest is the answer. The body kept never
 * passes its cap, a complete answer has a status of three digits.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req	r;
	int		rc;

	if (size < 1)
		return 0;
	memset(&r, 0, sizeof r);
	buf_init(&r.rbody);
	buf_init(&r.rhdrs);
	rc = http_h1_feed(&r, data[0] & 0x80, (const char *)data + 1,
	    size - 1, (size_t)(data[0] & 0x7f) + 1);
	if (rc < -1 || rc > 1)
		abort();
	if (r.rbody.len > HTTP_BODY_MAX || r.rhdrs.len > HTTP_HEADERS_MAX)
		abort();
	if (rc == 1 && (r.h1_status < 100 || r.h1_status > 599))
		abort();
	buf_free(&r.rbody);
	buf_free(&r.rhdrs);
	return 0;
}
