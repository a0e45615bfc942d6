/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* JSON written straight into a buffer: no tree, for request bodies and records built per message. */
#ifndef RELAIS_JSONW_H
#define RELAIS_JSONW_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

/*
 * The output is what Jansson's json_dumps(JSON_COMPACT) writes for the same
 * values: UTF-8 kept as it is, '"', '\\' and control characters escaped
 * (\b \f \n \r \t, else \u00XX), nothing else. A writer is a buf and a flag
 * saying whether the next value needs a comma first.
 *
 * Strings must be valid UTF-8: jsonw_str() and the functions using it
 * return -1 (and write nothing) when one is not, as json_string() refuses
 * it; everything else cannot fail.
 */
struct jsonw {
	struct buf	*b;
	int		 comma;		/* a value was written at this level */
};

void	jsonw_init(struct jsonw *, struct buf *);
void	jsonw_open(struct jsonw *, char c);	/* '{' or '[' */
void	jsonw_close(struct jsonw *, char c);	/* '}' or ']' */
/* "key": before a value inside an object. */
void	jsonw_key(struct jsonw *, const char *key);
int	jsonw_str(struct jsonw *, const char *s);
int	jsonw_strn(struct jsonw *, const char *s, size_t len);
void	jsonw_int(struct jsonw *, long long v);
void	jsonw_bool(struct jsonw *, int v);
/* "key": "value", skipped when v is NULL. */
int	jsonw_kv(struct jsonw *, const char *key, const char *v);
/*
 * A Jansson value as json_dumps(JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_ENCODE_ANY) writes it, without its per-character callbacks.
 */
void	jsonw_json(struct jsonw *, const json_t *);
/* A string's escaped text, quotes included, appended to b. */
int	jsonw_escape(struct buf *b, const char *s, size_t len);

#endif
