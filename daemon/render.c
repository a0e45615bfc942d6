/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Message rendering from compiled templates: dir/<lang>/<name>.<part>.mustache. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "render.h"
#include "tmpl.h"

struct render_entry {
	char		*key;		/* "<lang>/<name>.<part>" or "<lang>/<partial>" */
	struct tmpl	*t;
	int		 warned;	/* a missing variable was logged already */
	size_t		 last;		/* its last render's length: room for the next */
};

struct render {
	struct render_entry	*v;	/* sorted by key */
	size_t			 n;
	int			 strict;	/* a missing variable fails the message */
};

/* Per-render state handed to the template engine's callbacks. */
struct render_call {
	struct render		*r;
	const char		*territory;
	const char		*lang;
	struct render_entry	*entry;
	char			 missing[128];	/* the first missing variable */
};

static int
render_entry_cmp(const void *a, const void *b)
{
	const struct render_entry	*x = a, *y = b;

	return strcmp(x->key, y->key);
}

static struct render_entry *
render_lookup(struct render *r, const char *territory, const char *lang,
    const char *name, const char *part)
{
	const char *const	 parts[] = { territory, territory != NULL ? "/" :
				    NULL, lang, "/", name, part != NULL ? "." :
				    NULL, part };
	struct render_entry	 key;
	char			 k[512];
	size_t			 i, n, len = 0;

	if (r->n == 0)
		return NULL;
	/* "[territory/]lang/name[.part]", built by hand: once per part sent */
	for (i = 0; i < sizeof parts / sizeof *parts; i++) {
		if (parts[i] == NULL)
			continue;
		if ((n = strlen(parts[i])) >= sizeof k - len)
			return NULL;
		memcpy(k + len, parts[i], n);
		len += n;
	}
	k[len] = '\0';
	key.key = k;
	return bsearch(&key, r->v, r->n, sizeof *r->v, render_entry_cmp);
}

/* A territory's own version of a template first, then the shared one. */
static struct render_entry *
render_find(struct render *r, const char *territory, const char *lang,
    const char *name, const char *part)
{
	struct render_entry	*e;

	if (territory != NULL &&
	    (e = render_lookup(r, territory, lang, name, part)) != NULL)
		return e;
	return render_lookup(r, NULL, lang, name, part);
}

static char *
render_slurp(const char *path, size_t *len)
{
	struct buf	 b;
	char		 chunk[8192];
	FILE		*f;
	size_t		 got;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, got);
	fclose(f);
	return buf_steal(&b, len);
}

/*
 * Compiles every *.mustache of dir/prefix, keyed "prefix/<file>"; prefix is
 * "<lang>" or "<territory>/<lang>". A missing directory is an error only
 * when required (a language), not for a territory's overrides.
 */
static void
render_load_dir(struct render *r, const char *dir, const char *prefix,
    int required, struct diag *diag)
{
	DIR		*d;
	struct dirent	*de;
	struct buf	 path;
	char		*src, err[256];
	size_t		 len, nlen;
	struct tmpl	*t;
	int		 line, col;

	buf_init(&path);
	buf_printf(&path, "%s/%s", dir, prefix);
	if ((d = opendir(path.data)) == NULL) {
		if (required || errno != ENOENT)
			diag_add(diag, path.data, 0, 0, "cannot open template "
			    "directory: %s", strerror(errno));
		buf_free(&path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		nlen = strlen(de->d_name);
		if (nlen <= 9 || strcmp(de->d_name + nlen - 9, ".mustache") != 0)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s/%s", dir, prefix, de->d_name);
		if ((src = render_slurp(path.data, &len)) == NULL) {
			diag_add(diag, path.data, 0, 0, "%s", strerror(errno));
			continue;
		}
		if ((t = tmpl_parse(src, len, err, sizeof err)) == NULL) {
			if (sscanf(err, "%d:%d:", &line, &col) == 2)
				diag_add(diag, path.data, line, col, "%s",
				    strchr(strchr(err, ':') + 1, ':') + 2);
			else
				diag_add(diag, path.data, 0, 0, "%s", err);
			free(src);
			continue;
		}
		free(src);
		r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
		buf_reset(&path);
		buf_printf(&path, "%s/%.*s", prefix, (int)(nlen - 9), de->d_name);
		r->v[r->n].key = xstrdup(path.data);
		r->v[r->n].t = t;
		r->v[r->n].warned = 0;
		r->v[r->n].last = 0;
		r->n++;
	}
	closedir(d);
	buf_free(&path);
}

static void
render_check(struct render *r, const char *dir, const char *lang,
    const char *name, struct diag *diag)
{
	int	subject, txt, sms;

	subject = render_find(r, NULL, lang, name, "subject") != NULL;
	txt = render_find(r, NULL, lang, name, "txt") != NULL;
	sms = render_find(r, NULL, lang, name, "sms") != NULL;
	if (!subject && !txt && !sms)
		diag_add(diag, dir, 0, 0, "template \"%s\" does not exist in "
		    "language %s (%s/%s/%s.txt.mustache or .sms.mustache)",
		    name, lang, dir, lang, name);
	else if (subject != txt)
		diag_add(diag, dir, 0, 0, "template \"%s\" in %s has %s but "
		    "not %s", name, lang, subject ? "a subject" : "a text part",
		    subject ? "a text part (.txt)" : "a subject (.subject)");
}

struct render *
render_load(const char *dir, char *const *langs, size_t nlangs,
    char *const *territories, size_t nterritories, char *const *names,
    size_t nnames, struct diag *diag)
{
	struct render	*r;
	size_t		 before = diag->n, i, j;

	r = xcalloc(1, sizeof *r);
	for (i = 0; i < nlangs; i++) {
		render_load_dir(r, dir, langs[i], 1, diag);
		for (j = 0; j < nterritories; j++) {
			char prefix[256];

			snprintf(prefix, sizeof prefix, "%s/%s", territories[j],
			    langs[i]);
			render_load_dir(r, dir, prefix, 0, diag);
		}
	}
	if (r->n > 0)
		qsort(r->v, r->n, sizeof *r->v, render_entry_cmp);
	for (i = 0; i < nlangs && diag->n == before; i++) {
		for (j = 0; j < nnames; j++)
			render_check(r, dir, langs[i], names[j], diag);
	}
	if (diag->n != before) {
		render_free(r);
		return NULL;
	}
	return r;
}

void
render_free(struct render *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].key);
		tmpl_free(r->v[i].t);
	}
	free(r->v);
	free(r);
}

static const struct tmpl *
render_partial(void *arg, const char *name)
{
	struct render_call	*call = arg;
	struct render_entry	*e;

	e = render_find(call->r, call->territory, call->lang, name, NULL);
	return e != NULL ? e->t : NULL;
}

static void
render_missing(void *arg, const char *name)
{
	struct render_call	*call = arg;

	if (call->missing[0] == '\0')
		snprintf(call->missing, sizeof call->missing, "%s", name);
	if (call->r->strict || call->entry->warned)
		return;
	call->entry->warned = 1;
	log_debug("template=%s variable=%s missing (rendered empty; logged "
	    "once per template)", call->entry->key, name);
}

/* One part; the first variable it missed goes into missing (when not NULL). */
static char *
render_part(struct render *r, const char *territory, const char *lang,
    struct render_entry *e, const struct render_vars *vars, int html,
    char *missing, size_t missinglen)
{
	struct render_call	 call = { r, territory, lang, e, "" };
	struct tmpl_env		 env;
	struct buf		 out;

	env.partial = render_partial;
	env.missing = render_missing;
	env.arg = &call;
	env.escape_html = html;
	env.derive = vars->derive;
	env.derive_arg = vars->derive_arg;
	buf_init(&out);
	/*
	 * Room for about what it rendered last time, not grown from 64 bytes
	 * by doubling (6 reallocations for a 2 KiB HTML part); what is kept
	 * is trimmed to its length: a message lives until every send of it
	 * is answered, hundreds at once, and a shrinking realloc is cheap.
	 */
	if (e->last > 0)
		buf_reserve(&out, e->last + e->last / 8);
	tmpl_render(e->t, vars->data, &env, &out);
	e->last = out.len;
	if (out.cap > out.len + 1) {
		out.data = xrealloc(out.data, out.len + 1);
		out.cap = out.len + 1;
	}
	if (missing != NULL && missing[0] == '\0' && call.missing[0] != '\0')
		snprintf(missing, missinglen, "%s", call.missing);
	return buf_steal(&out, NULL);
}

/* A subject is one header line: CR, LF and tabs become spaces, ends trimmed. */
static void
render_one_line(char *s)
{
	char	*p, *w;
	int	 space = 1;

	for (p = w = s; *p != '\0'; p++) {
		char c = *p;

		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c == ' ' && space)
			continue;
		space = (c == ' ');
		*w++ = c;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

int
render_message(struct render *r, const char *territory, const char *name,
    const char *channel, const char *const *langs, size_t nlangs,
    const struct render_vars *vars, struct render_out *out, char *err,
    size_t errlen)
{
	struct render_entry	*subject, *txt, *html, *sms;
	const char		*lang;
	char			 missing[128] = "";
	size_t			 i, ml = sizeof missing;
	int			 email = strcmp(channel, "email") == 0;

	memset(out, 0, sizeof *out);
	for (i = 0; i < nlangs; i++) {
		lang = langs[i];
		if (lang == NULL)
			continue;
		if (email) {
			subject = render_find(r, territory, lang, name, "subject");
			txt = render_find(r, territory, lang, name, "txt");
			if (subject == NULL || txt == NULL)
				continue;
			html = render_find(r, territory, lang, name, "html");
			out->subject = render_part(r, territory, lang, subject,
			    vars, 0, missing, ml);
			render_one_line(out->subject);
			out->text = render_part(r, territory, lang, txt, vars, 0,
			    missing, ml);
			if (html != NULL)
				out->html = render_part(r, territory, lang, html,
				    vars, 1, missing, ml);
		} else {
			if ((sms = render_find(r, territory, lang, name, "sms")) ==
			    NULL)
				continue;
			out->text = render_part(r, territory, lang, sms, vars, 0,
			    missing, ml);
		}
		(void)buf_copy(out->language, sizeof out->language, lang);
		if (r->strict && missing[0] != '\0') {
			render_out_clear(out);
			snprintf(err, errlen, "template %s: variable %s missing",
			    name, missing);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "no %s template \"%s\" in any of the languages "
	    "tried", channel, name);
	return -1;
}

void
render_out_drop_parts(struct render_out *o)
{
	free(o->subject);
	free(o->text);
	free(o->html);
	o->subject = o->text = o->html = NULL;
}

void
render_out_clear(struct render_out *o)
{
	render_out_drop_parts(o);
	memset(o, 0, sizeof *o);
}

void
render_set_strict(struct render *r, int strict)
{
	r->strict = strict;
}

int
render_has(struct render *r, const char *territory, const char *lang,
    const char *name, const char *channel)
{
	if (strcmp(channel, "email") == 0)
		return render_find(r, territory, lang, name, "subject") != NULL &&
		    render_find(r, territory, lang, name, "txt") != NULL;
	return render_find(r, territory, lang, name, "sms") != NULL;
}

/* What render_refs hands to tmpl_refs: the caller's callback and the call. */
struct render_walk {
	struct render_call	 call;
	render_ref_fn		 fn;
	void			*arg;
};

static void
render_ref(void *arg, const struct tmpl_ref *ref)
{
	struct render_walk	*w = arg;
	char			 file[512];
	size_t			 i;

	snprintf(file, sizeof file, "?");
	for (i = 0; i < w->call.r->n; i++) {
		if (w->call.r->v[i].t == ref->in) {
			snprintf(file, sizeof file, "%s.mustache",
			    w->call.r->v[i].key);
			break;
		}
	}
	w->fn(w->arg, file, ref);
}

void
render_refs(struct render *r, const char *territory, const char *lang,
    const char *name, const char *channel, render_ref_fn fn, void *arg)
{
	static const char *const email[] = { "subject", "txt", "html", NULL };
	static const char *const sms[] = { "sms", NULL };
	const char *const	*part;
	struct render_entry	*e;
	struct render_walk	 w;
	struct tmpl_env		 env;

	memset(&w, 0, sizeof w);
	w.call.r = r;
	w.call.territory = territory;
	w.call.lang = lang;
	w.fn = fn;
	w.arg = arg;
	env.partial = render_partial;
	env.missing = NULL;
	env.arg = &w.call;
	env.escape_html = 0;
	env.derive = NULL;
	env.derive_arg = NULL;
	for (part = strcmp(channel, "email") == 0 ? email : sms; *part != NULL;
	    part++) {
		if ((e = render_find(r, territory, lang, name, *part)) == NULL)
			continue;
		w.call.entry = e;
		tmpl_refs(e->t, &env, render_ref, &w);
	}
}
