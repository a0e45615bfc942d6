/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for jsonw: every string escaped as Jansson writes it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonw.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The input up to its first NUL as the value of a pair after another
 * (jsonw_kv: its short path for a plain value of up to 64 bytes, else the
 * general one): the object is what Jansson writes, or the pair is left out
 * (-1) exactly when Jansson refuses the value.
 */
static void
fuzz_kv(const uint8_t *data, size_t size)
{
	struct buf	 b;
	struct jsonw	 w;
	json_t		*j, *v;
	char		*s, *want;
	int		 rc;

	s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&b);
	jsonw_init(&w, &b);
	jsonw_open(&w, '{');
	if (jsonw_kv(&w, "a", "x") != 0)
		abort();
	rc = jsonw_kv(&w, "value", s);
	jsonw_close(&w, '}');
	j = json_pack("{s:s}", "a", "x");
	if ((v = json_string(s)) != NULL)
		json_object_set_new(j, "value", v);
	want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (want == NULL || rc != (v != NULL ? 0 : -1) ||
	    strcmp(b.data, want) != 0)
		abort();
	free(want);
	json_decref(j);
	buf_free(&b);
	free(s);
}

/*
 * The input is a string after a prefix already in the buffer: jsonw_escape()
 * appends exactly what json_dumps() writes for it, or refuses it (-1,
 * nothing appended) exactly when json_stringn() refuses it (not UTF-8, or a
 * NUL, which Jansson only takes through json_stringn: let through here).
 * Aborts otherwise. Then fuzz_kv.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 b;
	json_t		*j;
	char		*want;
	int		 rc;

	buf_init(&b);
	buf_puts(&b, "prefix:");
	rc = jsonw_escape(&b, (const char *)data, size);
	j = json_stringn((const char *)data, size);
	if (j == NULL) {
		if (rc != -1 || strcmp(b.data, "prefix:") != 0)
			abort();
	} else {
		want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		if (rc != 0 || want == NULL || b.len != 7 + strlen(want) ||
		    memcmp(b.data + 7, want, b.len - 7) != 0)
			abort();
		free(want);
		json_decref(j);
	}
	buf_free(&b);
	fuzz_kv(data, size);
	return 0;
}
