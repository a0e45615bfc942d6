/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The environment file of a systemd unit (EnvironmentFile=), parsed the way
 * systemd parses it, so that relaisctl expands ${VAR} in the configuration
 * to the values relaisd sees.
 */
#ifndef RELAIS_ENVFILE_H
#define RELAIS_ENVFILE_H

#include <stddef.h>

/* One assignment; name and value are NUL-terminated and owned by the list. */
struct envfile_var {
	char	*name;
	char	*value;
	int	 line;		/* where its name starts, 1-based */
	int	 valid;		/* a name systemd accepts; it drops the others */
};

struct envfile {
	struct envfile_var	*v;
	size_t			 n;
};

/*
 * Parses text[0..len) as systemd.exec(5) describes EnvironmentFile=: one
 * KEY=VALUE a line; blank lines, lines starting with "#" or ";" and lines
 * without "=" are skipped; whitespace around the key and around an
 * unquoted value is dropped, kept inside it; a backslash escapes the next
 * character and joins lines; '...' is verbatim, "..." knows \" \\ \` \$
 * and \ + newline, both may span lines. Parsing stops at a NUL byte, as
 * systemd's does. Every assignment goes into out, in order (a later one
 * of the same name wins when applied in order). Returns 0, or -1 with a
 * reason in err (out left empty) when a name or value is not UTF-8:
 * systemd then refuses the whole file. out is released by envfile_clear().
 */
int	envfile_parse(const char *text, size_t len, struct envfile *out,
	    char *err, size_t errlen);
void	envfile_clear(struct envfile *);
/* A variable name systemd keeps: [A-Za-z_][A-Za-z0-9_]*. */
int	envfile_name_valid(const char *name);

#endif
