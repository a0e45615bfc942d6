/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The Dead letters pages' HTML: the filters and the list, one letter with its event masked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "console_pages.h"
#include "log.h"
#include "territory.h"
#include "utf8.h"

#define W(r, k)	console_pages_word((r), (k))

/* "3 h" ago, from a stream id. */
static void
pages_age(const struct console_req *r, const char *id, char *out,
    size_t outlen)
{
	long long	s = (clock_now_ms() - strtoll(id, NULL, 10)) / 1000;
	int		en = strcmp(console_req_lang(r), "en") == 0;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, outlen, "%lld s", s);
	else if (s < 3600)
		snprintf(out, outlen, "%lld min", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, outlen, "%lld h", s / 3600);
	else
		snprintf(out, outlen, "%lld %s", s / 86400, en ? "d" : "j");
}

/* A reason from outside, addresses masked, cut at 300 bytes. */
static void
pages_reason_html(struct buf *b, const char *reason)
{
	char	*s = xstrndup(reason, utf8_cut(reason, strlen(reason), 300));

	log_mask_text(s);
	console_html_text(b, s);
	free(s);
}

/* The territory's name in the request's language, else its id. */
static const char *
pages_territory_name(const struct console_req *r, const char *id)
{
	const struct territory	*t;

	if (*id == '\0')
		return "—";
	t = territory_find(console_req_env(r)->cf->territories, id);
	if (t == NULL)
		return id;
	if (strcmp(console_req_lang(r), "en") == 0 && t->name_en != NULL)
		return t->name_en;
	return t->name_fr != NULL ? t->name_fr : id;
}

/* <input type=hidden> of each filter given. */
static void
pages_filter_hidden(struct buf *b, const struct pages_filter *f)
{
	const char	*name[] = { "reason", "type", "territory", "age" };
	const char	*val[] = { f->reason, f->type, f->territory, f->age };
	size_t		 i;

	for (i = 0; i < 4; i++) {
		if (val[i] == NULL)
			continue;
		buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"",
		    name[i]);
		console_html_text(b, val[i]);
		buf_puts(b, "\">");
	}
}

/* One letter's replay and drop buttons. */
static void
pages_buttons(struct console_req *r, const struct pages_letter *l)
{
	struct buf	*b = console_req_body(r);

	const char	*what[2] = { "replay", "drop" };
	size_t		 i;

	/* each button says which letter: a list has many alike */
	for (i = l->never == NULL ? 0 : 1; i < 2; i++) {
		console_form_begin(r, i == 0 ? "/dead/replay" : "/dead/drop");
		buf_puts(b, "<input type=\"hidden\" name=\"id\" value=\"");
		console_html_text(b, l->id);
		buf_printf(b, "\"><button type=\"submit\" aria-label=\"%s ",
		    W(r, what[i]));
		console_html_text(b, l->id);
		buf_printf(b, "\">%s</button></form>", W(r, what[i]));
	}
}

/* A <select> of a filter, "" for any. */
static void
pages_select(struct buf *b, struct console_req *r, const char *name,
    const char *label, const char *cur, const char **vals,
    const char **labels, size_t n)
{
	size_t	i;

	buf_printf(b, "<p><label for=\"f-%s\">%s</label> <select id=\"f-%s\" "
	    "name=\"%s\"><option value=\"\">%s</option>", name, label, name,
	    name, W(r, "any"));
	for (i = 0; i < n; i++) {
		buf_puts(b, "<option value=\"");
		console_html_text(b, vals[i]);
		buf_printf(b, "\"%s>", cur != NULL && strcmp(cur, vals[i]) == 0 ?
		    " selected" : "");
		console_html_text(b, labels[i]);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></p>");
}

static void
pages_filter_form(struct console_req *r, const struct pages_filter *f)
{
	const struct territory_set	*ts = console_req_env(r)->cf->territories;
	struct buf			*b = console_req_body(r);
	const char			*cls[64], *cl[64], *tv[256], *tl[256];
	size_t				 i, nc, nt = 0;

	for (nc = 0; nc < 64 && (cls[nc] = console_pages_class_at(nc)) !=
	    NULL; nc++)
		cl[nc] = console_pages_class_label(r, cls[nc]);
	for (i = 0; ts != NULL && i < territory_set_count(ts) && nt < 256;
	    i++) {
		if (!console_pages_may_see(r, territory_set_at(ts, i)->id))
			continue;
		tv[nt] = territory_set_at(ts, i)->id;
		tl[nt] = pages_territory_name(r, tv[nt]);
		nt++;
	}
	buf_printf(b, "<form method=\"get\" action=\"/dead\" "
	    "class=\"filters\"><fieldset><legend>%s</legend>",
	    W(r, "filters"));
	pages_select(b, r, "reason", W(r, "reason"), f->reason, cls, cl, nc);
	buf_printf(b, "<p><label for=\"f-type\">%s</label> <input id=\"f-type\" "
	    "name=\"type\" value=\"", W(r, "type"));
	console_html_text(b, f->type != NULL ? f->type : "");
	buf_puts(b, "\"></p>");
	pages_select(b, r, "territory", W(r, "territory"), f->territory, tv, tl,
	    nt);
	buf_printf(b, "<p><label for=\"f-age\">%s</label> <input id=\"f-age\" "
	    "name=\"age\" size=\"6\" value=\"", W(r, "age"));
	console_html_text(b, f->age != NULL ? f->age : "");
	buf_printf(b, "\"></p><p><button type=\"submit\">%s</button></p>"
	    "</fieldset></form>", W(r, "apply"));
	if (f->bad_age)
		buf_printf(b, "<p class=\"error\" role=\"alert\">%s</p>",
		    W(r, "bad_age"));
}

static void
pages_list_row(struct console_req *r, const struct pages_letter *l,
    int coord)
{
	struct buf	*b = console_req_body(r);
	char		 age[32];

	pages_age(r, l->id, age, sizeof age);
	buf_puts(b, "<tr><td><a href=\"/dead/");
	console_html_text(b, l->id);
	buf_puts(b, "\">");
	console_html_text(b, l->id);
	buf_printf(b, "</a></td><td>%s</td><td>", age);
	console_html_text(b, *l->type != '\0' ? l->type : "—");
	buf_puts(b, "</td><td>");
	console_html_text(b, pages_territory_name(r, l->territory));
	buf_puts(b, "</td><td>");
	pages_reason_html(b, l->reason);
	buf_puts(b, "</td><td>");
	console_html_text(b, l->attempts != NULL ? l->attempts : "");
	buf_puts(b, "</td>");
	if (coord) {
		buf_puts(b, "<td class=\"actions\">");
		if (l->never != NULL) {
			buf_printf(b, "<span title=\"");
			console_html_text(b, l->never);
			buf_printf(b, "\">%s</span> ", W(r, "never"));
		}
		pages_buttons(r, l);
		buf_puts(b, "</td>");
	}
	buf_puts(b, "</tr>\n");
}

static void
pages_list(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct buf		*b, q;
	int			 coord = console_pages_coordinator(r);
	size_t			 i, shown = 0;

	console_page_begin(r, W(r, "title"));
	b = console_req_body(r);
	buf_printf(b, "<p>%s</p>", W(r, "intro"));
	pages_filter_form(r, &d->f);
	buf_printf(b, "<table id=\"dead-list\"><caption>%s</caption><thead><tr>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
	    W(r, "title"), W(r, "letter"), W(r, "age_col"), W(r, "type"),
	    W(r, "territory"), W(r, "reason"), W(r, "attempts"));
	if (coord)
		buf_printf(b, "<th scope=\"col\">%s</th>", W(r, "actions"));
	buf_puts(b, "</tr></thead><tbody>\n");
	/* newest first: d->v is in stream order */
	for (i = d->n; i > 0; i--) {
		if (!console_pages_match(d, &d->v[i - 1]))
			continue;
		pages_list_row(r, &d->v[i - 1], coord);
		shown++;
	}
	buf_puts(b, "</tbody></table>\n");
	if (shown == 0)
		buf_printf(b, "<p id=\"dead-none\">%s</p>", W(r, "none"));
	buf_puts(b, "<p class=\"pager\">");
	if (console_pages_en(r))
		buf_printf(b, "Letters read for this page: %zu.", d->n - d->nasked);
	else
		buf_printf(b, "Lettres lues pour cette page : %zu.",
		    d->n - d->nasked);
	buf_init(&q);
	console_pages_filter_query(&d->f, &q, "&");
	/* the query's "&" escaped too: it is an attribute's text */
	if (d->f.before != NULL) {
		buf_printf(b, " <a href=\"/dead%s", q.len ? "?" : "");
		console_html_text(b, q.len ? q.data : "");
		buf_printf(b, "\">%s</a>", W(r, "newest"));
	}
	if (d->more && *d->last != '\0') {
		buf_puts(b, " <a rel=\"next\" href=\"/dead?");
		if (q.len > 0) {
			console_html_text(b, q.data);
			buf_puts(b, "&amp;");
		}
		buf_puts(b, "before=");
		console_html_text(b, d->last);
		buf_printf(b, "\">%s</a>", W(r, "older"));
	}
	buf_puts(b, "</p>");
	buf_free(&q);
	/* a set is chosen by filters: never every letter in one click */
	if (coord && shown > 0 && (d->f.reason != NULL || d->f.type != NULL ||
	    d->f.territory != NULL || d->f.since_ms >= 0)) {
		buf_printf(b, "<section aria-labelledby=\"set-h\"><h2 id=\"set-h\">"
		    "%s</h2>", W(r, "set"));
		console_form_begin(r, "/dead/replay");
		pages_filter_hidden(b, &d->f);
		buf_printf(b, "<input type=\"hidden\" name=\"all\" value=\"1\">"
		    "<button type=\"submit\">%s</button></form>",
		    W(r, "replay_all"));
		console_form_begin(r, "/dead/drop");
		pages_filter_hidden(b, &d->f);
		buf_printf(b, "<input type=\"hidden\" name=\"all\" value=\"1\">"
		    "<button type=\"submit\">%s</button></form></section>",
		    W(r, "drop_all"));
	}
	console_pages_dead_free(d);
	console_page_end(r);
}

/* Keys whose value is someone's identity or address: masked whole. */
static const char *const pages_personal[] = {
	"first_name", "last_name", "name", "given_name", "family_name",
	"full_name", "email", "phone", "mobile", "sms", "address", "street",
	"postal_code", "birth_date", "date_of_birth", "birthdate",
};

static int
pages_is_personal(const char *key)
{
	size_t	i;

	for (i = 0; i < sizeof pages_personal / sizeof pages_personal[0]; i++) {
		if (strcasecmp(key, pages_personal[i]) == 0)
			return 1;
	}
	return 0;
}

/* The value masked: an address as the logs mask it, a name to its first letter. */
static json_t *
pages_mask_value(const json_t *v)
{
	const char	*s;
	char		 out[128];

	if (!json_is_string(v))
		return json_string("***");
	s = json_string_value(v);
	if (strchr(s, '@') != NULL || strspn(s, "+0123456789 -.()") ==
	    strlen(s))
		return json_string(log_mask(s, out, sizeof out));
	snprintf(out, sizeof out, "%.1s***", s);
	if ((unsigned char)s[0] >= 0x80)
		snprintf(out, sizeof out, "***");
	return json_string(out);
}

/* v with personal fields masked, addresses in any text too (a new reference). */
static json_t *
pages_mask(const json_t *v)
{
	json_t		*out, *m;
	const char	*k;
	json_t		*x;
	char		*s;
	size_t		 i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			if (pages_is_personal(k) && (json_is_string(x) ||
			    json_is_number(x)))
				m = pages_mask_value(x);
			else
				m = pages_mask(x);
			json_object_set_new(out, k, m);
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, pages_mask(x));
		return out;
	}
	if (json_is_string(v)) {
		s = xstrdup(json_string_value(v));
		log_mask_text(s);
		out = json_string(s);
		free(s);
		return out != NULL ? out : json_string("***");
	}
	return json_deep_copy(v);
}

/* The event pretty-printed, masked; bytes that are no JSON as text, masked. */
static void
pages_event_html(struct buf *b, const char *p, size_t len)
{
	json_t	*j, *m;
	char	*s, *t;
	size_t	 i;

	if ((j = json_loadb(p, len, 0, NULL)) != NULL) {
		m = pages_mask(j);
		s = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(m);
		json_decref(j);
		if (s != NULL) {
			buf_puts(b, "<pre id=\"dead-event\">");
			console_html_text(b, s);
			buf_puts(b, "</pre>");
			free(s);
			return;
		}
	}
	t = xstrndup(p, len);
	for (i = 0; t[i] != '\0'; i++) {
		if ((unsigned char)t[i] < 0x20 && t[i] != '\n')
			t[i] = '?';
	}
	log_mask_text(t);
	buf_puts(b, "<pre id=\"dead-event\">");
	console_html_text(b, t);
	buf_puts(b, "</pre>");
	free(t);
}

static void
pages_dl(struct buf *b, const char *term, const char *value)
{
	buf_printf(b, "<dt>%s</dt><dd>", term);
	console_html_text(b, value != NULL && *value != '\0' ? value : "—");
	buf_puts(b, "</dd>");
}

static void
pages_show(struct pages_dead *d)
{
	struct console_req	*r = d->r;
	struct pages_letter	*l = console_pages_find(d, d->id);
	struct buf		*b;
	char			 age[32], title[128];

	if (l == NULL || l->peeked) {
		console_pages_dead_free(d);
		console_reply_error(r, 404, W(r, "gone"));
		return;
	}
	if (!console_pages_may_see(r, l->territory)) {
		console_pages_dead_free(d);
		console_reply_error(r, 403, W(r, "not_yours"));
		return;
	}
	snprintf(title, sizeof title, "%s %s", W(r, "letter"), l->id);
	console_page_begin(r, title);
	b = console_req_body(r);
	buf_puts(b, "<dl id=\"dead-letter\">");
	pages_age(r, l->id, age, sizeof age);
	pages_dl(b, W(r, "at"), l->at);
	pages_dl(b, W(r, "age_col"), age);
	buf_printf(b, "<dt>%s</dt><dd>", W(r, "reason"));
	pages_reason_html(b, l->reason);
	buf_puts(b, "</dd>");
	pages_dl(b, W(r, "class"), console_pages_class_label(r, l->cls));
	pages_dl(b, W(r, "attempts"), l->attempts);
	pages_dl(b, W(r, "type"), l->type);
	pages_dl(b, W(r, "territory"), pages_territory_name(r, l->territory));
	pages_dl(b, W(r, "event_id"), l->event_id);
	pages_dl(b, W(r, "channel"), l->channel);
	pages_dl(b, W(r, "role"), l->role);
	pages_dl(b, W(r, "replayable"), l->never != NULL ? l->never :
	    W(r, "yes"));
	buf_puts(b, "</dl>");
	if (console_pages_coordinator(r))
		pages_buttons(r, l);
	buf_printf(b, "<h2>%s</h2>", W(r, "event"));
	if (l->payload != NULL)
		pages_event_html(b, l->payload, l->paylen);
	else
		buf_printf(b, "<p>%s</p>", W(r, *l->holder != '\0' ?
		    "not_shown" : "no_event"));
	buf_printf(b, "<p><a href=\"/dead\">%s</a></p>", W(r, "back"));
	console_pages_dead_free(d);
	console_page_end(r);
}

void
console_page_dead_list(struct console_req *r)
{
	struct pages_dead	*d = console_pages_new(r, PAGES_LIST, pages_list);

	if (!console_pages_forbidden(d))
		console_pages_read(d);
}

void
console_page_dead_show(struct console_req *r)
{
	struct pages_dead	*d;
	const char		*id = console_req_path(r) + strlen("/dead/");

	if (strncmp(console_req_path(r), "/dead/", 6) != 0 ||
	    !console_pages_id_ok(id)) {
		console_reply_error(r, 404, W(r, "gone"));
		return;
	}
	d = console_pages_new(r, PAGES_SHOW, pages_show);
	snprintf(d->id, sizeof d->id, "%s", id);
	console_pages_read(d);
}
