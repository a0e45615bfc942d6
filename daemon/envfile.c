/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* A systemd EnvironmentFile= parser: the state machine of systemd's env-file.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "envfile.h"
#include "utf8.h"

enum envfile_state {
	ENVFILE_PRE_KEY,
	ENVFILE_KEY,
	ENVFILE_PRE_VALUE,
	ENVFILE_VALUE,
	ENVFILE_VALUE_ESCAPE,
	ENVFILE_SQUOTE,
	ENVFILE_DQUOTE,
	ENVFILE_DQUOTE_ESCAPE,
	ENVFILE_COMMENT,
	ENVFILE_COMMENT_ESCAPE,
};

/* systemd's WHITESPACE and NEWLINE: "\r" ends a line too. */
#define ENVFILE_WS(c)	((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')
#define ENVFILE_NL(c)	((c) == '\n' || (c) == '\r')

int
envfile_name_valid(const char *name)
{
	const char	*p;

	if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	}
	return 1;
}

void
envfile_clear(struct envfile *ef)
{
	size_t	i;

	for (i = 0; i < ef->n; i++) {
		free(ef->v[i].name);
		free(ef->v[i].value);
	}
	free(ef->v);
	ef->v = NULL;
	ef->n = 0;
}

/*
 * Ends one assignment: the key without its trailing whitespace (from
 * key_ws), the value as built. -1 when either is not UTF-8.
 */
static int
envfile_push(struct envfile *out, struct buf *key, size_t key_ws,
    struct buf *val, int line, char *err, size_t errlen)
{
	struct envfile_var	*v;
	size_t			 bad;
	char			*name, *value;

	name = xstrndup(key->data != NULL ? key->data : "",
	    key_ws != SIZE_MAX ? key_ws : key->len);
	value = xstrndup(val->data != NULL ? val->data : "", val->len);
	buf_reset(key);
	buf_reset(val);
	if (utf8_valid(name, strlen(name), &bad) == -1 ||
	    utf8_valid(value, strlen(value), &bad) == -1) {
		snprintf(err, errlen, "line %d: invalid UTF-8 (systemd refuses "
		    "the whole file)", line);
		free(name);
		free(value);
		return -1;
	}
	out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
	v = &out->v[out->n++];
	v->name = name;
	v->value = value;
	v->line = line;
	v->valid = envfile_name_valid(name);
	return 0;
}

/* One character in a quoted or unquoted value; returns the next state. */
static enum envfile_state
envfile_value(enum envfile_state st, char c, struct buf *val, size_t *val_ws)
{
	switch (st) {
	case ENVFILE_VALUE:
		if (c == '\\') {
			*val_ws = SIZE_MAX;
			return ENVFILE_VALUE_ESCAPE;
		}
		if (!ENVFILE_WS(c))
			*val_ws = SIZE_MAX;
		else if (*val_ws == SIZE_MAX)
			*val_ws = val->len;
		buf_putc(val, c);
		return st;
	case ENVFILE_VALUE_ESCAPE:
		if (!ENVFILE_NL(c))	/* an escaped newline joins the lines */
			buf_putc(val, c);
		return ENVFILE_VALUE;
	case ENVFILE_SQUOTE:
		if (c == '\'')
			return ENVFILE_PRE_VALUE;
		buf_putc(val, c);
		return st;
	case ENVFILE_DQUOTE:
		if (c == '"')
			return ENVFILE_PRE_VALUE;
		if (c == '\\')
			return ENVFILE_DQUOTE_ESCAPE;
		buf_putc(val, c);
		return st;
	case ENVFILE_DQUOTE_ESCAPE:
		/* as in a shell: other escapes keep their backslash */
		if (strchr("\"\\`$", c) != NULL)
			buf_putc(val, c);
		else if (c != '\n') {
			buf_putc(val, '\\');
			buf_putc(val, c);
		}
		return ENVFILE_DQUOTE;
	default:
		return st;
	}
}

/* One character before the value: comments, the key; the next state. */
static enum envfile_state
envfile_key(enum envfile_state st, char c, struct buf *key, size_t *key_ws,
    size_t *val_ws)
{
	switch (st) {
	case ENVFILE_PRE_KEY:
		if (c == '#' || c == ';')
			return ENVFILE_COMMENT;
		if (ENVFILE_WS(c))
			return st;
		*key_ws = SIZE_MAX;
		buf_putc(key, c);
		return ENVFILE_KEY;
	case ENVFILE_KEY:
		if (ENVFILE_NL(c)) {	/* no "=": not an assignment */
			buf_reset(key);
			return ENVFILE_PRE_KEY;
		}
		if (c == '=') {
			*val_ws = SIZE_MAX;
			return ENVFILE_PRE_VALUE;
		}
		if (!ENVFILE_WS(c))
			*key_ws = SIZE_MAX;
		else if (*key_ws == SIZE_MAX)
			*key_ws = key->len;
		buf_putc(key, c);
		return st;
	case ENVFILE_COMMENT:
		if (c == '\\')
			return ENVFILE_COMMENT_ESCAPE;
		return ENVFILE_NL(c) ? ENVFILE_PRE_KEY : st;
	case ENVFILE_COMMENT_ESCAPE:
		/* since systemd 254 a comment does not go on */
		return ENVFILE_NL(c) ? ENVFILE_PRE_KEY : ENVFILE_COMMENT;
	default:
		return st;
	}
}

int
envfile_parse(const char *text, size_t len, struct envfile *out, char *err,
    size_t errlen)
{
	enum envfile_state	 st = ENVFILE_PRE_KEY, next;
	struct buf		 key, val;
	size_t			 i, key_ws = SIZE_MAX, val_ws = SIZE_MAX;
	int			 line = 1, kline = 1, rc = 0;
	char			 c;

	memset(out, 0, sizeof *out);
	buf_init(&key);
	buf_init(&val);
	for (i = 0; i < len && text[i] != '\0' && rc == 0; i++) {
		c = text[i];
		switch (st) {
		case ENVFILE_PRE_KEY:
		case ENVFILE_KEY:
		case ENVFILE_COMMENT:
		case ENVFILE_COMMENT_ESCAPE:
			next = envfile_key(st, c, &key, &key_ws, &val_ws);
			if (st == ENVFILE_PRE_KEY && next == ENVFILE_KEY)
				kline = line;
			st = next;
			break;
		case ENVFILE_PRE_VALUE:
			if (ENVFILE_NL(c)) {
				st = ENVFILE_PRE_KEY;
				rc = envfile_push(out, &key, key_ws, &val, kline,
				    err, errlen);
			} else if (c == '\'')
				st = ENVFILE_SQUOTE;
			else if (c == '"')
				st = ENVFILE_DQUOTE;
			else if (c == '\\')
				st = ENVFILE_VALUE_ESCAPE;
			else if (!ENVFILE_WS(c)) {
				st = ENVFILE_VALUE;
				buf_putc(&val, c);
			}
			break;
		case ENVFILE_VALUE:
			if (ENVFILE_NL(c)) {
				st = ENVFILE_PRE_KEY;
				if (val_ws != SIZE_MAX)
					val.len = val_ws;
				rc = envfile_push(out, &key, key_ws, &val, kline,
				    err, errlen);
			} else
				st = envfile_value(st, c, &val, &val_ws);
			break;
		default:
			st = envfile_value(st, c, &val, &val_ws);
			break;
		}
		if (c == '\n')
			line++;
	}
	if (rc == 0 && st != ENVFILE_PRE_KEY && st != ENVFILE_KEY &&
	    st != ENVFILE_COMMENT && st != ENVFILE_COMMENT_ESCAPE) {
		if (st == ENVFILE_VALUE && val_ws != SIZE_MAX)
			val.len = val_ws;
		rc = envfile_push(out, &key, key_ws, &val, kline, err, errlen);
	}
	buf_free(&key);
	buf_free(&val);
	if (rc == -1)
		envfile_clear(out);
	return rc;
}
