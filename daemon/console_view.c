/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* What the console's read-only pages share: batched reads, scope, words. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "console_view.h"
#include "territory.h"

/* At most this many arguments to one read (the longest: EVAL's six). */
#define CONSOLE_VIEW_ARGS	8

void
console_view_init(struct console_view *v, struct console_req *r,
    void (*done)(struct console_view *))
{
	memset(v, 0, sizeof *v);
	v->r = r;
	v->issuing = 1;
	v->done = done;
}

static void
console_view_reply(redisReply *reply, void *arg)
{
	struct console_view_call	*c = arg;
	struct console_view		*v = c->v;

	/* a reload freed the territories the page holds: it fails (503) */
	if (reply == NULL || console_req_stale(v->r) || c->read(c, reply) == -1)
		v->failed++;
	/* a reply before the last read is sent must not render half a page */
	if (--v->pending == 0 && !v->issuing)
		v->done(v);
}

int
console_view_send(struct console_view *v, struct console_view_call *c,
    int argc, const char **argv)
{
	size_t	len[CONSOLE_VIEW_ARGS];
	int	i;

	if (argc > CONSOLE_VIEW_ARGS) {
		v->failed++;
		return -1;
	}
	for (i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	c->v = v;
	v->pending++;
	if (console_req_redis(v->r, console_view_reply, c, argc, argv,
	    len) == -1) {
		v->pending--;
		v->failed++;
		return -1;
	}
	return 0;
}

void
console_view_sent(struct console_view *v)
{
	v->issuing = 0;
	if (v->pending == 0)
		v->done(v);
}

const char *
console_view_w(const struct console_req *r, const char *fr, const char *en)
{
	return strcmp(console_req_lang(r), "en") == 0 ? en : fr;
}

const char *
console_view_arg(const struct console_req *r, const char *name)
{
	const char	*s = console_req_arg(r, name);

	return s != NULL && *s != '\0' ? s : NULL;
}

const char *
console_view_name(const struct console_req *r, const struct territory *t)
{
	const char	*n = console_view_w(r, t->name_fr, t->name_en);

	return n != NULL ? n : t->id;
}

int
console_view_territories(struct console_req *r,
    const struct territory ***out, size_t *n)
{
	const struct config	*cf = console_req_env(r)->cf;
	const struct territory	*t;
	const char		*id = console_view_arg(r, "territory");
	size_t			 i, nt = territory_set_count(cf->territories);

	*n = 0;
	*out = xcalloc(nt > 0 ? nt : 1, sizeof **out);
	if (id != NULL) {
		if ((t = territory_find(cf->territories, id)) == NULL)
			return 404;
		if (!console_req_may_see(r, id))
			return 403;
		(*out)[(*n)++] = t;
		return 0;
	}
	for (i = 0; i < nt; i++) {
		t = territory_set_at(cf->territories, i);
		if (console_req_may_see(r, t->id))
			(*out)[(*n)++] = t;
	}
	return *n > 0 ? 0 : 403;
}
