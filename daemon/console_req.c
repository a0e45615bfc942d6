/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The console's request parsing: query strings, forms, cookies, proxies' headers. Pure functions. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "console_int.h"
#include "utf8.h"

#define CONSOLE_PATH_MAX	256

static int
console_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
console_url_decode(const char *s, size_t n, int plus, char **out)
{
	char	*d;
	size_t	 i, j = 0;
	int	 hi, lo;
	unsigned char c;

	*out = NULL;
	d = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				goto fail;
			if ((hi = console_hex(s[i + 1])) == -1 ||
			    (lo = console_hex(s[i + 2])) == -1)
				goto fail;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		/* a form's text may hold line breaks and tabs, nothing else */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			goto fail;
		d[j++] = (char)c;
	}
	d[j] = '\0';
	if (utf8_valid(d, j, NULL) == -1)
		goto fail;
	*out = d;
	return 0;
fail:
	free(d);
	return -1;
}

int
console_args_parse(struct console_args *a, const char *s, size_t n)
{
	const char	*p = s, *end = s + n, *amp, *eq;
	char		*name, *value;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (a->n == CONSOLE_ARGS_MAX)
			goto fail;
		if (console_url_decode(p, (size_t)(eq - p), 1, &name) == -1)
			goto fail;
		if (console_url_decode(eq < amp ? eq + 1 : amp, eq < amp ?
		    (size_t)(amp - eq - 1) : 0, 1, &value) == -1) {
			free(name);
			goto fail;
		}
		a->names[a->n] = name;
		a->values[a->n++] = value;
		p = amp < end ? amp + 1 : end;
	}
	return 0;
fail:
	console_args_free(a);
	return -1;
}

const char *
console_args_get(const struct console_args *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->names[i], name) == 0)
			return a->values[i];
	return NULL;
}

void
console_args_free(struct console_args *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++) {
		free(a->names[i]);
		free(a->values[i]);
	}
	memset(a, 0, sizeof *a);
}

int
console_cookie_get(const char *h, const char *name, char *out, size_t outlen)
{
	const char	*p = h, *semi, *eq, *v;
	size_t		 nlen = strlen(name), vlen;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if ((semi = strchr(p, ';')) == NULL)
			semi = p + strlen(p);
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0) {
			v = eq + 1;
			vlen = (size_t)(semi - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen >= outlen)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = semi;
	}
	return -1;
}

int
console_proto_https(const char *value)
{
	const char	*p, *end;

	if (value == NULL)
		return 0;
	/* each proxy appends: the last entry is the nearest one's */
	p = strrchr(value, ',');
	p = p != NULL ? p + 1 : value;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end - p == 5 && strncasecmp(p, "https", 5) == 0;
}

const char *
console_lang_pick(const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0 ? "en" : "fr";
}

int
console_path_ok(const char *path)
{
	size_t	i, n;

	if (path == NULL || path[0] != '/')
		return 0;
	n = strlen(path);
	if (n > CONSOLE_PATH_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)path[i] <= 0x20 ||
		    (unsigned char)path[i] >= 0x7f)
			return 0;
		if (path[i] == '/' && (path[i + 1] == '/' ||
		    (path[i + 1] == '.' && (path[i + 2] == '/' ||
		    path[i + 2] == '\0' || (path[i + 2] == '.' &&
		    (path[i + 3] == '/' || path[i + 3] == '\0'))))))
			return 0;
	}
	return 1;
}

void
console_url_encode(struct buf *out, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_putc(out, (char)c);
		else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}
