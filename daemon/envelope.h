/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* CloudEvents 1.0 structured-mode JSON: decode and validate one event. */
#ifndef RELAIS_ENVELOPE_H
#define RELAIS_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct envelope_limits {
	size_t	max_bytes;	/* whole event, default 256 KiB */
	int	max_depth;	/* JSON nesting (objects + arrays), default 64 */
};

/*
 * A decoded event. root owns everything; the const char * members and data
 * point into it and die with envelope_clear().
 */
struct envelope {
	json_t		*root;
	const char	*specversion;
	const char	*id;
	const char	*source;
	const char	*type;
	const char	*subject;	/* NULL when absent */
	const char	*time;		/* NULL when absent */
	int64_t		 time_ms;	/* Unix ms of time, 0 when absent */
	json_t		*data;		/* object, or NULL when absent/null */
	/*
	 * relaisnotify: "none": a backfill; the event's state applies, nothing
	 * is sent because of it. "all" or absent: 0.
	 */
	int		 quiet;
	char		*kept;		/* envelope_shed()'s copy of id */
};

/*
 * Decodes bytes[0..len) (not NUL-terminated necessarily). Checks, in this
 * order: size, UTF-8 validity, nesting depth, JSON syntax (duplicate keys
 * rejected), top-level object, required attributes (specversion "1.0",
 * id, source, type: non-empty strings), optional ones (time RFC 3339,
 * subject/datacontenttype strings, data an object or null; data_base64
 * refused; relaisnotify "none" or "all"), attribute names as the spec
 * allows. On failure returns -1 and writes a precise, human-readable
 * reason into reason; env is left empty.
 */
int	envelope_parse(const char *bytes, size_t len,
	    const struct envelope_limits *, struct envelope *env,
	    char *reason, size_t reasonlen);
void	envelope_clear(struct envelope *);
/*
 * Lets go of env's tree but for its id (copied, freed by envelope_clear)
 * and its type (type, a string that outlives env): all that is read of
 * an event once its deliveries are planned.
 */
void	envelope_shed(struct envelope *, const char *type);

/* Parses RFC 3339 ("2026-11-25T14:03:00Z", offsets, fractions) to Unix ms. */
int	envelope_parse_time(const char *s, int64_t *ms);

#endif
