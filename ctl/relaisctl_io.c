/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What every relaisctl command does with its words and bytes: options and
 * usage errors, files read whole, text from outside printed safely.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "relaisctl.h"

int
ctl_usage_error(const struct ctl *c, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "relaisctl %s: ", c->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: relaisctl %s %s\n(relaisctl %s --help says "
	    "more)\n", c->cmd->name, c->cmd->usage, c->cmd->name);
	return 2;
}

const char *
ctl_opt(const struct ctl_args *a, const char *name)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < a->nocc; i++) {
		if (strcmp(a->opts[a->opt[i]].name, name) == 0)
			v = a->val[i];
	}
	return v;
}

char *
ctl_slurp(const char *path, size_t *len)
{
	struct buf	 b;
	char		 chunk[65536];
	FILE		*f;
	size_t		 got;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "relaisctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, got);
	if (f != stdin)
		fclose(f);
	return buf_steal(&b, len);
}

/*
 * Writes bytes from outside (a dead letter) to the terminal with every
 * control character shown as \xNN: an escape sequence in an event must not
 * drive the operator's terminal. Newlines and tabs pass when multiline.
 */
void
ctl_print_safe(const char *s, size_t len, int multiline)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (multiline && (p[i] == '\n' || p[i] == '\t'))
			putchar(p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			printf("\\x%02x", p[i]);
		else if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			/* C1 controls (U+0080-U+009F) act as escapes too */
			printf("\\u%04x", p[i + 1]);
			i++;
		} else
			putchar(p[i]);
	}
}

void
ctl_reason_class(const char *reason, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", reason);
	out[strcspn(out, "\"':(0123456789")] = '\0';
}
