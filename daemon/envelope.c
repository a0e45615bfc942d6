/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* CloudEvents 1.0 structured JSON: raw-byte checks, decoding, validation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "envelope.h"
#include "jsonr.h"
#include "utf8.h"

/* Used when no limits are given or a limit is 0. */
#define ENVELOPE_MAX_BYTES	(256 * 1024)
#define ENVELOPE_MAX_DEPTH	64

/* How much of an outside value a reason quotes, in source bytes. */
#define ENVELOPE_EXCERPT	48

static int	envelope_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Writes a reason (NUL-terminated, valid UTF-8 even if cut); returns -1. */
static int
envelope_fail(char *reason, size_t reasonlen, const char *fmt, ...)
{
	va_list	ap;
	size_t	bad;

	if (reason == NULL || reasonlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(reason, reasonlen, fmt, ap);
	va_end(ap);
	/* vsnprintf may cut a multibyte character; reasons end up in JSON. */
	if (utf8_valid(reason, strlen(reason), &bad) == -1)
		reason[bad] = '\0';
	return -1;
}

/*
 * Copies outside text into out[outlen >= 8] for a reason: at most max bytes
 * of it, "..." when cut, control characters (C0, DEL, C1) and invalid bytes
 * escaped so that a reason never injects into a log line; with quotes set,
 * '"' and '\' are escaped too.
 */
static const char *
envelope_excerpt(const char *s, size_t max, int quotes, char *out,
    size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[8];
	const char		*piece;
	size_t			 i, n, o = 0, plen;

	for (i = 0; p[i] != '\0'; i += n) {
		if ((n = utf8_decode_str(s + i, NULL)) == 0)
			n = 1;
		piece = s + i;
		plen = n;
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			snprintf(esc, sizeof esc, "\\u%04x",
			    n == 2 ? p[i + 1] : p[i]);
			piece = esc;
			plen = 6;
		} else if (p[i] >= 0x80 && n == 1) {
			snprintf(esc, sizeof esc, "\\x%02x", p[i]);
			piece = esc;
			plen = 4;
		} else if (quotes && (p[i] == '"' || p[i] == '\\')) {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			piece = esc;
			plen = 2;
		}
		if (i + n > max || o + plen + 4 > outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
	}
	out[o] = '\0';
	return out;
}

/* Names a JSON value's kind for "got ..." in reasons. */
static const char *
envelope_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return json_string_length(v) == 0 ? "an empty string" :
		    "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown value";
}

/*
 * Nesting depth of raw JSON, counted before Jansson sees it so that a deep
 * document costs it no allocation (jsonr, tried first, stops at the limit);
 * brackets inside strings do not count.
 */
static int
envelope_depth_ok(const char *s, size_t len, int max, size_t *at)
{
	size_t	i;
	int	depth = 0, instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;	/* the escaped byte is never special */
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			instr = 1;
			break;
		case '{':
		case '[':
			if (++depth > max) {
				*at = i;
				return -1;
			}
			break;
		case '}':
		case ']':
			if (depth > 0)	/* mismatches are Jansson's to report */
				depth--;
			break;
		}
	}
	return 0;
}

/* The limits in force: lim's, or the defaults where it sets none. */
static void
envelope_limits_get(const struct envelope_limits *lim, size_t *max_bytes,
    int *max_depth)
{
	*max_bytes = ENVELOPE_MAX_BYTES;
	*max_depth = ENVELOPE_MAX_DEPTH;
	if (lim != NULL && lim->max_bytes > 0)
		*max_bytes = lim->max_bytes;
	if (lim != NULL && lim->max_depth > 0)
		*max_depth = lim->max_depth;
}

/* Checks size, UTF-8 and depth of the raw bytes, in that order. */
static int
envelope_scan(const char *bytes, size_t len, const struct envelope_limits *lim,
    char *reason, size_t reasonlen)
{
	size_t	max_bytes, at;
	int	max_depth;

	envelope_limits_get(lim, &max_bytes, &max_depth);
	if (len > max_bytes)
		return envelope_fail(reason, reasonlen,
		    "event is %zu bytes, limit is %zu", len, max_bytes);
	if (len == 0 || bytes == NULL)
		return envelope_fail(reason, reasonlen, "event is empty");
	if (utf8_valid(bytes, len, &at) == -1)
		return envelope_fail(reason, reasonlen,
		    "invalid UTF-8 at byte %zu (0x%02x)", at,
		    (unsigned char)bytes[at]);
	if (envelope_depth_ok(bytes, len, max_depth, &at) == -1)
		return envelope_fail(reason, reasonlen,
		    "JSON nested deeper than %d levels (at byte %zu)",
		    max_depth, at);
	return 0;
}

/* Turns a Jansson error into a reason; duplicates and NULs get their own. */
static int
envelope_json_fail(const json_error_t *je, char *reason, size_t reasonlen)
{
	char		 text[sizeof je->text * 6], tok[sizeof je->text];
	const char	*near;
	size_t		 n;

	switch (json_error_code(je)) {
	case json_error_duplicate_key:
		/* Jansson's text ends in near '<key token>' if short. */
		if ((near = strstr(je->text, " near '")) != NULL &&
		    (n = strlen(near + 7)) > 1 && near[7 + n - 1] == '\'') {
			memcpy(tok, near + 7, n - 1);
			tok[n - 1] = '\0';
			return envelope_fail(reason, reasonlen,
			    "duplicate key %s at line %d, column %d",
			    envelope_excerpt(tok, sizeof tok, 0, text,
			    sizeof text), je->line, je->column);
		}
		return envelope_fail(reason, reasonlen,
		    "duplicate key in a JSON object at line %d, column %d",
		    je->line, je->column);
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return envelope_fail(reason, reasonlen,
		    "string contains \\u0000 (NUL), not accepted, at line %d, "
		    "column %d", je->line, je->column);
	default:
		break;
	}
	return envelope_fail(reason, reasonlen,
	    "invalid JSON at line %d, column %d: %s", je->line, je->column,
	    envelope_excerpt(je->text, sizeof je->text, 0, text,
	    sizeof text));
}

/* Reads a required attribute: a non-empty string. */
static int
envelope_required(json_t *root, const char *name, const char **out,
    char *reason, size_t reasonlen)
{
	json_t	*v;

	if ((v = json_object_get(root, name)) == NULL || json_is_null(v))
		return envelope_fail(reason, reasonlen,
		    "missing required attribute '%s'%s", name,
		    v == NULL ? "" : " (it is null)");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return envelope_fail(reason, reasonlen,
		    "attribute '%s' must be a non-empty string, got %s", name,
		    envelope_kind(v));
	*out = json_string_value(v);
	return 0;
}

/* Reads an optional string attribute: absent or null gives NULL. */
static int
envelope_optional(json_t *root, const char *name, const char **out,
    char *reason, size_t reasonlen)
{
	json_t	*v;

	*out = NULL;
	if ((v = json_object_get(root, name)) == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return envelope_fail(reason, reasonlen,
		    "attribute '%s' must be a non-empty string, got %s", name,
		    envelope_kind(v));
	*out = json_string_value(v);
	return 0;
}

static int	envelope_time_parse(const char *, int64_t *, const char **);

/* Checks the context attributes and data, in the header's order. */
static int
envelope_attributes(struct envelope *env, char *reason, size_t reasonlen)
{
	char		 text[ENVELOPE_EXCERPT * 6 + 8];
	const char	*why, *unused, *notify;
	json_t		*v;

	v = json_object_get(env->root, "specversion");
	if (v == NULL || json_is_null(v))
		return envelope_fail(reason, reasonlen,
		    "missing required attribute 'specversion'%s",
		    v == NULL ? "" : " (it is null)");
	if (!json_is_string(v))
		return envelope_fail(reason, reasonlen,
		    "attribute 'specversion' must be \"1.0\", got %s",
		    envelope_kind(v));
	if (strcmp(json_string_value(v), "1.0") != 0)
		return envelope_fail(reason, reasonlen,
		    "attribute 'specversion' must be \"1.0\", got \"%s\"",
		    envelope_excerpt(json_string_value(v), ENVELOPE_EXCERPT, 1,
		    text, sizeof text));
	env->specversion = json_string_value(v);
	if (envelope_required(env->root, "id", &env->id, reason,
	    reasonlen) == -1 ||
	    envelope_required(env->root, "source", &env->source, reason,
	    reasonlen) == -1 ||
	    envelope_required(env->root, "type", &env->type, reason,
	    reasonlen) == -1 ||
	    envelope_optional(env->root, "time", &env->time, reason,
	    reasonlen) == -1)
		return -1;
	if (env->time != NULL &&
	    envelope_time_parse(env->time, &env->time_ms, &why) == -1)
		return envelope_fail(reason, reasonlen,
		    "attribute 'time' is not an RFC 3339 timestamp: "
		    "\"%s\" (%s)",
		    envelope_excerpt(env->time, ENVELOPE_EXCERPT, 1,
		    text, sizeof text), why);
	if (envelope_optional(env->root, "subject", &env->subject, reason,
	    reasonlen) == -1 ||
	    envelope_optional(env->root, "datacontenttype", &unused, reason,
	    reasonlen) == -1 ||
	    envelope_optional(env->root, "dataschema", &unused, reason,
	    reasonlen) == -1)
		return -1;
	/* relais's own extension: a producer loading existing files */
	if (envelope_optional(env->root, "relaisnotify", &notify, reason,
	    reasonlen) == -1)
		return -1;
	if (notify != NULL && strcmp(notify, "none") == 0)
		env->quiet = 1;
	else if (notify != NULL && strcmp(notify, "all") != 0)
		return envelope_fail(reason, reasonlen,
		    "attribute 'relaisnotify' must be \"none\" (store, send "
		    "nothing) or \"all\", got \"%s\"", envelope_excerpt(notify,
		    ENVELOPE_EXCERPT, 1, text, sizeof text));
	if ((v = json_object_get(env->root, "data")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_object(v))
			return envelope_fail(reason, reasonlen,
			    "attribute 'data' must be a JSON object, got %s",
			    envelope_kind(v));
		env->data = v;
	}
	if ((v = json_object_get(env->root, "data_base64")) != NULL &&
	    !json_is_null(v))
		return envelope_fail(reason, reasonlen,
		    "data_base64 is not supported (binary data); send a JSON "
		    "object in 'data'");
	return 0;
}

/* Attributes this module checks itself; any other key is an extension. */
static int
envelope_known(const char *key)
{
	static const char *const known[] = {
		"specversion", "id", "source", "type", "time", "subject",
		"datacontenttype", "dataschema", "data", "data_base64",
	};
	size_t	i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(key, known[i]) == 0)
			return 1;
	return 0;
}

/* Checks every top-level name is [a-z0-9]+ and extension values are scalars. */
static int
envelope_names(json_t *root, char *reason, size_t reasonlen)
{
	char		 text[ENVELOPE_EXCERPT * 6 + 8];
	const char	*key, *c;
	json_t		*v;

	json_object_foreach(root, key, v) {
		if (strcmp(key, "data") == 0 || strcmp(key, "data_base64") == 0)
			continue;
		for (c = key; *c != '\0'; c++)
			if ((*c < 'a' || *c > 'z') && (*c < '0' || *c > '9'))
				break;
		if (*c != '\0' || c == key)
			return envelope_fail(reason, reasonlen,
			    "invalid attribute name \"%s\" (only a-z and 0-9 "
			    "allowed)", envelope_excerpt(key, ENVELOPE_EXCERPT,
			    1, text, sizeof text));
		if (envelope_known(key))
			continue;
		if (json_is_object(v) || json_is_array(v))
			return envelope_fail(reason, reasonlen,
			    "extension attribute '%s' must be a string, "
			    "number, boolean or null, got %s",
			    envelope_excerpt(key, ENVELOPE_EXCERPT, 1, text,
			    sizeof text), envelope_kind(v));
	}
	return 0;
}

/* Decodes and validates one event; see envelope.h for the order of checks. */
int
envelope_parse(const char *bytes, size_t len,
    const struct envelope_limits *lim, struct envelope *env,
    char *reason, size_t reasonlen)
{
	json_error_t	je;
	size_t		max_bytes;
	int		max_depth;

	memset(env, 0, sizeof *env);
	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	/*
	 * The fast reader first: what it reads is valid UTF-8 and no deeper
	 * than the limit (jsonr.h), so the scan's look at every byte is for
	 * the events it does not read, to word their reason.
	 */
	envelope_limits_get(lim, &max_bytes, &max_depth);
	if (bytes != NULL && len > 0 && len <= max_bytes)
		env->root = jsonr_load_depth(bytes, len, max_depth);
	if (env->root == NULL) {
		if (envelope_scan(bytes, len, lim, reason, reasonlen) == -1)
			goto fail;
		/* DECODE_ANY so that a scalar gets our reason, not Jansson's. */
		env->root = json_loadb(bytes, len,
		    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
		if (env->root == NULL) {
			envelope_json_fail(&je, reason, reasonlen);
			goto fail;
		}
	}
	if (!json_is_object(env->root)) {
		envelope_fail(reason, reasonlen,
		    "event is not a JSON object (got %s)",
		    envelope_kind(env->root));
		goto fail;
	}
	if (envelope_attributes(env, reason, reasonlen) == -1 ||
	    envelope_names(env->root, reason, reasonlen) == -1)
		goto fail;
	return 0;
fail:
	envelope_clear(env);
	return -1;
}

/* Releases the decoded event; safe on a zeroed or already-cleared struct. */
void
envelope_clear(struct envelope *env)
{
	if (env == NULL)
		return;
	json_decref(env->root);
	free(env->kept);
	memset(env, 0, sizeof *env);
}

void
envelope_shed(struct envelope *env, const char *type)
{
	char	*id = xstrdup(env->id != NULL ? env->id : "");

	envelope_clear(env);
	env->kept = id;
	env->id = id;
	env->type = type;
}

/* Reads exactly n digits at *p; stops at any non-digit, so never past a NUL. */
static int
envelope_digits(const char **p, int n, int *out)
{
	const char	*s = *p;
	int		 i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*p = s + n;
	*out = v;
	return 0;
}

/* Accepts one character of set at *p (never the NUL). */
static int
envelope_sep(const char **p, const char *set)
{
	if (**p == '\0' || strchr(set, **p) == NULL)
		return -1;
	(*p)++;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
envelope_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Number of days in month m (1-12) of year y. */
static int
envelope_mdays(int y, int m)
{
	static const int	mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/*
 * RFC 3339 date-time to Unix ms; *why says what is wrong. Fractions beyond
 * milliseconds are truncated; a leap second (:60) counts as the next second.
 */
static int
envelope_time_parse(const char *s, int64_t *ms, const char **why)
{
	const char	*p = s;
	int		 y, mo, d, h, mi, sec, frac = 0, n, sign = 0, oh = 0;
	int		 om = 0;

	*why = "expected YYYY-MM-DDTHH:MM:SS";
	if (envelope_digits(&p, 4, &y) == -1 || envelope_sep(&p, "-") == -1 ||
	    envelope_digits(&p, 2, &mo) == -1 || envelope_sep(&p, "-") == -1 ||
	    envelope_digits(&p, 2, &d) == -1 || envelope_sep(&p, "Tt") == -1 ||
	    envelope_digits(&p, 2, &h) == -1 || envelope_sep(&p, ":") == -1 ||
	    envelope_digits(&p, 2, &mi) == -1 || envelope_sep(&p, ":") == -1 ||
	    envelope_digits(&p, 2, &sec) == -1)
		return -1;
	if (*p == '.') {
		p++;
		for (n = 0; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				frac = frac * 10 + (*p - '0');
		if (n == 0) {
			*why = "no digits after the decimal point";
			return -1;
		}
		for (; n < 3; n++)
			frac *= 10;
	}
	*why = "expected Z or an offset +hh:mm / -hh:mm after the time";
	if (envelope_sep(&p, "Zz") == -1) {
		if (*p == '+' || *p == '-')
			sign = *p++ == '-' ? -1 : 1;
		if (sign == 0 || envelope_digits(&p, 2, &oh) == -1 ||
		    envelope_sep(&p, ":") == -1 ||
		    envelope_digits(&p, 2, &om) == -1)
			return -1;
	}
	if (*p != '\0') {
		*why = "unexpected characters after the time zone";
		return -1;
	}
	if (mo < 1 || mo > 12)
		*why = "month out of range";
	else if (d < 1 || d > envelope_mdays(y, mo))
		*why = "day out of range for the month";
	else if (h > 23 || mi > 59 || sec > 60)
		*why = "time of day out of range";
	else if (oh > 23 || om > 59)
		*why = "time zone offset out of range";
	else
		*why = NULL;
	if (*why != NULL)
		return -1;
	*ms = (envelope_days_from_civil(y, mo, d) * 86400 +
	    h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60)) * 1000 +
	    frac;
	return 0;
}

/* Parses RFC 3339 ("2026-11-25T14:03:00Z", offsets, fractions) to Unix ms. */
int
envelope_parse_time(const char *s, int64_t *ms)
{
	const char	*why;

	if (s == NULL)
		return -1;
	return envelope_time_parse(s, ms, &why);
}
