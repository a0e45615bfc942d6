/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* A fast JSON reader for the common case, with Jansson as the authority. */
#ifndef RELAIS_JSONR_H
#define RELAIS_JSONR_H

#include <stddef.h>

#include <jansson.h>

/*
 * Parses s[0..len) into a Jansson tree, as json_loadb(s, len,
 * JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) would, but in one pass over the
 * bytes (Jansson's reader costs ~170 instructions a byte, and every event
 * and every state answer goes through it).
 *
 * It reads only the plain subset: no real numbers, no \u escape of a
 * surrogate or of NUL, no integer beyond 18 digits, depth up to 2048.
 * Anything else (including every error) returns NULL, and the caller asks
 * json_loadb(), which accepts what it accepts and words the error. So the
 * result is never different from Jansson's: a fuzz target holds it to that.
 */
json_t	*jsonr_load(const char *s, size_t len);

/*
 * jsonr_load() with objects and arrays nested max_depth deep at most (and
 * never deeper than 2048). What it reads is valid UTF-8, its strings
 * without NUL, and no deeper than that: a caller that must check those
 * of outside bytes checks only what it does not read (envelope.c).
 */
json_t	*jsonr_load_depth(const char *s, size_t len, int max_depth);

/*
 * json_loadb(s, len, flags, err) with jsonr_load() first where its answer
 * is the same: flags 0, JSON_REJECT_DUPLICATES and JSON_DECODE_ANY.
 */
json_t	*jsonr_loadb(const char *s, size_t len, size_t flags,
	    json_error_t *err);

#endif
