/* Logging to stderr, one line per call; never bodies, never whole addresses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char	*log_progname = "relais";
static int		 log_verbose;
static int		 log_journal;	/* stderr is journald: prefix <N>, no name */

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

static void log_vline(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
log_vline(int prio, const char *fmt, va_list ap, const char *errstr)
{
	char	line[4096];
	size_t	n = 0;
	int	r;

	/* one write(2) per line: stderr is unbuffered, and lines must not interleave */
	if (log_journal)
		r = snprintf(line, sizeof line, "<%d>", prio);
	else
		r = snprintf(line, sizeof line, "%s: ", log_progname);
	n = r > 0 ? (size_t)r : 0;
	r = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (r < 0)
		return;
	n = n + (size_t)r < sizeof line ? n + (size_t)r : sizeof line - 1;
	if (errstr != NULL && n < sizeof line - 1) {
		r = snprintf(line + n, sizeof line - n, ": %s", errstr);
		if (r > 0)
			n = n + (size_t)r < sizeof line ? n + (size_t)r :
			    sizeof line - 1;
	}
	if (n >= sizeof line - 1)
		n = sizeof line - 2;	/* truncated: still end the line */
	line[n++] = '\n';
	(void)fwrite(line, 1, n, stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(4, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(4, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(6, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vline(7, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vline(2, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline(2, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

char *
log_mask(const char *addr, char *out, size_t outlen)
{
	const char	*at;
	size_t		 n;

	if (outlen == 0)
		return out;
	if (addr == NULL || *addr == '\0') {
		snprintf(out, outlen, "-");
		return out;
	}
	if ((at = strchr(addr, '@')) != NULL) {
		/* first character of the local part, then the domain */
		snprintf(out, outlen, "%c***%s", addr[0], at);
		return out;
	}
	n = strlen(addr);
	if (n <= 6) {
		snprintf(out, outlen, "***");
		return out;
	}
	/* phone: keep the country and area code prefix and the last 4 */
	snprintf(out, outlen, "%.*s***%s", (int)(n > 9 ? 5 : 2), addr,
	    addr + n - 4);
	return out;
}

char *
log_escape(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 5 < outlen; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		} else
			out[o++] = (char)c;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
	return out;
}
