/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* NOC 2021 titles, English and French, from Statistics Canada's classification. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "noc.h"
#include "utf8.h"

#define NOC_MAX_BYTES	(4 << 20)

struct noc_entry {
	const char	*code;
	const char	*en;
	const char	*fr;	/* NULL when the classification gives none */
};

struct noc {
	char			*buf;	/* the file, its fields cut in place */
	struct noc_entry	*v;
	size_t			 n;
};

static int
noc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct noc_entry *)a)->code,
	    ((const struct noc_entry *)b)->code);
}

/* Cuts line at tabs into want fields; -1 when it has another count. */
static int
noc_fields(char *line, char **f, size_t want)
{
	size_t	n = 0;
	char	*p = line;

	for (;;) {
		if (n == want)
			return -1;
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	return n == want ? 0 : -1;
}

static int
noc_code_ok(const char *s)
{
	size_t	n = strspn(s, "0123456789");

	return n >= 1 && n <= 5 && s[n] == '\0';
}

struct noc *
noc_parse(const char *data, size_t len, char *err, size_t errlen)
{
	struct noc	*noc;
	char		*line, *next, *f[4];
	size_t		 lineno = 0, bad, i;

	if (utf8_valid(data, len, &bad) == -1) {
		snprintf(err, errlen, "not UTF-8 (byte %zu)", bad);
		return NULL;
	}
	if (memchr(data, '\0', len) != NULL) {
		snprintf(err, errlen, "a NUL byte");
		return NULL;
	}
	noc = xcalloc(1, sizeof *noc);
	noc->buf = xmalloc(len + 1);
	memcpy(noc->buf, data, len);
	noc->buf[len] = '\0';
	for (line = noc->buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (*line == '\0')
			continue;
		if (noc_fields(line, f, 4) == -1) {
			snprintf(err, errlen, "line %zu: expected 4 fields separated "
			    "by tabs: code, level, title_en, title_fr", lineno);
			goto fail;
		}
		if (lineno == 1 && strcmp(f[0], "code") == 0)
			continue;	/* the header */
		if (!noc_code_ok(f[0]) || *f[2] == '\0') {
			snprintf(err, errlen, "line %zu: \"%.16s\" is not a NOC code "
			    "(1 to 5 digits) with an English title", lineno,
			    f[0]);
			goto fail;
		}
		noc->v = xrealloc(noc->v, (noc->n + 1) * sizeof *noc->v);
		noc->v[noc->n].code = f[0];
		noc->v[noc->n].en = f[2];
		noc->v[noc->n++].fr = *f[3] != '\0' ? f[3] : NULL;
	}
	if (noc->n > 0)
		qsort(noc->v, noc->n, sizeof *noc->v, noc_cmp);
	for (i = 1; i < noc->n; i++) {
		if (strcmp(noc->v[i - 1].code, noc->v[i].code) == 0) {
			snprintf(err, errlen, "code %s is listed twice",
			    noc->v[i].code);
			goto fail;
		}
	}
	return noc;
fail:
	noc_free(noc);
	return NULL;
}

struct noc *
noc_load(const char *path, char *err, size_t errlen)
{
	struct buf	 b;
	struct noc	*noc;
	FILE		*fp;
	char		 chunk[8192], why[256];
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > NOC_MAX_BYTES)
			break;
	}
	if (ferror(fp) || b.len > NOC_MAX_BYTES) {
		snprintf(err, errlen, "%s", ferror(fp) ? strerror(errno) :
		    "larger than 4 MiB");
		fclose(fp);
		buf_free(&b);
		return NULL;
	}
	fclose(fp);
	noc = noc_parse(b.len > 0 ? b.data : "", b.len, why, sizeof why);
	if (noc == NULL)
		snprintf(err, errlen, "%s", why);
	buf_free(&b);
	return noc;
}

void
noc_free(struct noc *noc)
{
	if (noc == NULL)
		return;
	free(noc->v);
	free(noc->buf);
	free(noc);
}

size_t
noc_count(const struct noc *noc)
{
	return noc != NULL ? noc->n : 0;
}

const char *
noc_title(const struct noc *noc, const char *code, const char *lang)
{
	struct noc_entry	 key, *e;

	if (noc == NULL || code == NULL || noc->n == 0)
		return NULL;
	key.code = code;
	if ((e = bsearch(&key, noc->v, noc->n, sizeof *noc->v,
	    noc_cmp)) == NULL)
		return NULL;
	return lang != NULL && strcmp(lang, "en") == 0 ? e->en : e->fr;
}
