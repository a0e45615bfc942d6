/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's Opt-outs page: one address checked at a time (never a
 * list), an opt-out added or lifted with a reason by a coordinator,
 * through consent.h as the unsubscribe link and Twilio's STOP write them.
 *
 * The reason goes with the person's own consent history (the change's
 * source, "console <user>: <reason>"), which expires and is forgotten with
 * them; the audit has who and what, the address only as a hash.
 *
 * An address belongs to no territory (nothing maps it to a person without
 * a scan), so a territory's user is told only whether it is opted out and
 * since when, and may add an opt-out (it only protects); where the opt-out
 * came from, its history and lifting it are the region's: the address may
 * be a person's of another territory.
 *
 * Ownership: a struct optouts_req lives from the HGET it makes to its
 * reply; the console keeps the request alive meanwhile.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin_twilio.h"
#include "buf.h"
#include "config.h"
#include "consent.h"
#include "console.h"
#include "console_auth.h"
#include "console_pages.h"
#include "idkey.h"
#include "log.h"
#include "phone.h"
#include "utf8.h"

#define OPTOUTS_ID_MAX		320	/* "email:" and an address */
#define OPTOUTS_REASON_MAX	200	/* bytes of a reason kept */
#define OPTOUTS_HISTORY		"10"	/* changes of an address shown */

static const struct {
	const char	*key, *fr, *en;
} optouts_words[] = {
	{ "title", "Désabonnements", "Opt-outs" },
	{ "intro", "Vérifiez une adresse à la fois : courriel ou numéro de "
	    "téléphone.", "Check one address at a time: email or phone "
	    "number." },
	{ "address", "Adresse courriel ou numéro de téléphone",
	    "Email address or phone number" },
	{ "check", "Vérifier", "Check" },
	{ "bad", "Ni une adresse courriel ni un numéro de téléphone.",
	    "Neither an email address nor a phone number." },
	{ "out", "est désinscrite", "is opted out" },
	{ "in", "n'est pas désinscrite", "is not opted out" },
	{ "since", "Depuis", "Since" },
	{ "source", "Par", "From" },
	{ "also", "Demandé aussi par", "Also asked by" },
	{ "reason", "Raison (obligatoire)", "Reason (required)" },
	{ "add", "Désabonner", "Opt out" },
	{ "remove", "Lever la désinscription", "Lift the opt-out" },
	{ "stop_only", "Seule la personne peut lever un STOP : elle répond "
	    "START au numéro d'envoi.", "Only the person can lift a STOP: "
	    "they text START to the sending number." },
	{ "several", "Plusieurs sources l'ont demandée : elle ne se lève pas "
	    "d'ici.", "Several sources asked for it: it cannot be lifted "
	    "from here." },
	{ "no_reason", "Donnez une raison.", "Give a reason." },
	{ "added", "Désabonnement enregistré.", "Opt-out recorded." },
	{ "removed", "Désabonnement levé.", "Opt-out lifted." },
	{ "absent", "Cette adresse n'était pas désinscrite.", "This address "
	    "was not opted out." },
	{ "coordinator", "Réservé aux coordonnateurs.", "Coordinators only." },
	{ "history", "Derniers changements", "Latest changes" },
	{ "region_only", "D'où vient un désabonnement, son historique et le "
	    "lever sont réservés à la coordination régionale : l'adresse peut "
	    "être celle d'une personne d'un autre territoire.", "Where an "
	    "opt-out came from, its history and lifting it are for the "
	    "region's coordinators: the address may be that of a person of "
	    "another territory." },
	{ "at", "Date", "Date" },
	{ "action", "Changement", "Change" },
	{ "result", "Résultat", "Result" },
	{ "optout", "désinscription", "opt-out" },
	{ "optin", "réinscription", "opt-in" },
	{ "redis", "Redis ne répond pas ; réessayez.", "Redis does not "
	    "answer; try again." },
};

static const char *
optouts_word(const struct console_req *r, const char *key)
{
	int	en = strcmp(console_req_lang(r), "en") == 0;
	size_t	i;

	for (i = 0; i < sizeof optouts_words / sizeof optouts_words[0]; i++) {
		if (strcmp(optouts_words[i].key, key) == 0)
			return en ? optouts_words[i].en : optouts_words[i].fr;
	}
	return key;
}
#define W(r, k)	optouts_word((r), (k))

enum optouts_mode {
	OPTOUTS_SHOW,
	OPTOUTS_REMOVE,
};

struct optouts_req {
	struct console_req	*r;
	enum optouts_mode	 mode;
	char			 id[OPTOUTS_ID_MAX];
	char			 masked[160];
	char			*address;	/* as typed */
	char			*source;	/* remove: the change's source */
	char			*rec;		/* show: the record, NULL: none */
};

/*
 * "<channel>:<address>" as the pipeline writes it (an email lower-cased,
 * a phone number in E.164); -1 when it is neither.
 */
static int
optouts_id(const char *addr, char *out, size_t outlen)
{
	char	e164[PHONE_E164_SIZE], why[128], *s;
	size_t	i, n;

	while (isspace((unsigned char)*addr))
		addr++;
	n = strlen(addr);
	while (n > 0 && isspace((unsigned char)addr[n - 1]))
		n--;
	if (n == 0 || n + 8 > outlen)
		return -1;
	if (memchr(addr, '@', n) != NULL) {
		if (memchr(addr, ':', n) != NULL || memchr(addr, ' ', n) != NULL)
			return -1;
		snprintf(out, outlen, "email:%.*s", (int)n, addr);
		for (i = 0; out[i] != '\0'; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
		return 0;
	}
	s = xstrndup(addr, n);
	if (phone_normalise(s, e164, sizeof e164, why, sizeof why) == -1) {
		free(s);
		return -1;
	}
	free(s);
	snprintf(out, outlen, "sms:%s", e164);
	return 0;
}


static void
optouts_limits(const struct config *cf, struct consent_limits *lim)
{
	lim->replay_ttl_s = cf->twilio_replay_days * 86400;
	/* the history is personal data: kept as long as profiles are */
	lim->history_ttl_s = cf->retention_days * 86400;
	lim->deliveries_maxlen = cf->redis.deliveries_maxlen;
}

/* "console <user>: <reason>", valid UTF-8, no control bytes, bounded. */
static char *
optouts_source(const struct console_req *r, const char *reason)
{
	const struct console_user	*u = console_req_user(r);
	struct buf			 b;
	char				*s;
	size_t				 i, n;

	s = xstrdup(reason);
	utf8_scrub(s);
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	}
	n = utf8_cut(s, strlen(s), OPTOUTS_REASON_MAX);
	buf_init(&b);
	buf_printf(&b, "console %s: %.*s", u != NULL ? u->name : "?", (int)n,
	    s);
	free(s);
	return buf_steal(&b, NULL);
}

static void
optouts_req_free(struct optouts_req *o)
{
	free(o->address);
	free(o->source);
	free(o->rec);
	free(o);
}

/*
 * Back to /optouts with flash after a change: never with the address in
 * the URL (proxies log URLs, browsers keep them); it is checked by POST.
 */
static void
optouts_back(struct console_req *r, const char *flash)
{
	console_redirect(r, "/optouts", flash);
}

/* The change form: add or remove, the address hidden, a reason required. */
static void
optouts_form(struct console_req *r, const char *address, int remove)
{
	struct buf	*b = console_req_body(r);

	console_form_begin(r, remove ? "/optouts/remove" : "/optouts/add");
	buf_puts(b, "<input type=\"hidden\" name=\"address\" value=\"");
	console_html_text(b, address);
	buf_printf(b, "\"><p><label for=\"reason\">%s</label> <input "
	    "id=\"reason\" name=\"reason\" required maxlength=\"%d\" "
	    "size=\"40\"></p><p><button type=\"submit\">%s</button></p></form>",
	    W(r, "reason"), OPTOUTS_REASON_MAX, W(r, remove ? "remove" : "add"));
}

/* Why the console may not lift this record, or NULL when it may. */
static const char *
optouts_locked(const struct console_req *r, json_t *rec)
{
	json_t	*also = json_object_get(rec, "also");
	json_t	*src = json_object_get(rec, "source");

	if (json_is_array(also) && json_array_size(also) > 0)
		return W(r, "several");
	if (json_is_string(src) && strcmp(json_string_value(src),
	    ADMIN_TWILIO_SOURCE_STOP) == 0)
		return W(r, "stop_only");
	return NULL;
}

static void
optouts_begin(struct console_req *r, const char *address)
{
	struct buf	*b;

	console_page_begin(r, W(r, "title"));
	b = console_req_body(r);
	/* POST: the address stays out of URLs, logs and history */
	buf_printf(b, "<p>%s</p><form method=\"post\" action=\"/optouts\" "
	    "id=\"optout-check\"><input type=\"hidden\" name=\"csrf\" "
	    "value=\"%s\"><p><label for=\"address\">%s</label> <input "
	    "id=\"address\" name=\"address\" autocomplete=\"off\" "
	    "size=\"32\" value=\"", W(r, "intro"), console_req_csrf(r),
	    W(r, "address"));
	console_html_text(b, address != NULL ? address : "");
	buf_printf(b, "\"> <button type=\"submit\">%s</button></p></form>",
	    W(r, "check"));
}

/* Whether the user's scope is the whole region (see the top). */
static int
optouts_region(const struct console_req *r)
{
	const struct console_user	*u = console_req_user(r);

	return u != NULL && u->scope == NULL;
}

/* The address's latest changes (its consent history, newest first). */
static void
optouts_history(struct console_req *r, const redisReply *h)
{
	struct buf		*b = console_req_body(r);
	const redisReply	*e, *f;
	const char		*name[] = { "at", "action", "source", "result" };
	size_t			 i, j, k;

	if (h == NULL || h->type != REDIS_REPLY_ARRAY || h->elements == 0)
		return;
	buf_printf(b, "<table id=\"optout-history\"><caption>%s</caption>"
	    "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>"
	    "<tbody>", W(r, "history"), W(r, "at"), W(r, "action"),
	    W(r, "source"), W(r, "result"));
	for (i = 0; i < h->elements; i++) {
		e = h->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    (f = e->element[1])->type != REDIS_REPLY_ARRAY)
			continue;
		buf_puts(b, "<tr>");
		for (k = 0; k < 4; k++) {
			buf_puts(b, "<td>");
			for (j = 0; j + 1 < f->elements; j += 2) {
				if (f->element[j]->type != REDIS_REPLY_STRING ||
				    f->element[j + 1]->type != REDIS_REPLY_STRING ||
				    strcmp(f->element[j]->str, name[k]) != 0)
					continue;
				console_html_text(b, k == 1 ? W(r,
				    f->element[j + 1]->str) :
				    f->element[j + 1]->str);
				break;
			}
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody></table>");
}

/* The record of one address (HGET suppressed) and its history, shown. */
static void
optouts_show(struct optouts_req *o, const redisReply *hist)
{
	struct console_req	*r = o->r;
	struct buf		*b;
	json_t			*rec = NULL, *x;
	const char		*locked = NULL;
	size_t			 i;

	optouts_begin(r, o->address);
	b = console_req_body(r);
	buf_puts(b, "<section id=\"optout-result\"><p><strong>");
	console_html_text(b, o->masked);
	if (o->rec == NULL) {
		buf_printf(b, "</strong> %s.</p>", W(r, "in"));
		if (console_pages_coordinator(r))
			optouts_form(r, o->address, 0);
		goto done;
	}
	buf_printf(b, "</strong> %s.</p><dl>", W(r, "out"));
	rec = json_loads(o->rec, 0, NULL);
	if (json_is_string(x = json_object_get(rec, "at"))) {
		buf_printf(b, "<dt>%s</dt><dd>", W(r, "since"));
		console_html_text(b, json_string_value(x));
		buf_puts(b, "</dd>");
	}
	if (!optouts_region(r)) {
		buf_printf(b, "</dl><p>%s</p>", W(r, "region_only"));
		goto done;
	}
	if (json_is_string(x = json_object_get(rec, "source"))) {
		buf_printf(b, "<dt>%s</dt><dd>", W(r, "source"));
		console_html_text(b, json_string_value(x));
		buf_puts(b, "</dd>");
	}
	if (json_is_array(x = json_object_get(rec, "also"))) {
		for (i = 0; i < json_array_size(x); i++) {
			if (!json_is_string(json_array_get(x, i)))
				continue;
			buf_printf(b, "<dt>%s</dt><dd>", W(r, "also"));
			console_html_text(b, json_string_value(json_array_get(x,
			    i)));
			buf_puts(b, "</dd>");
		}
	}
	buf_puts(b, "</dl>");
	if (console_pages_coordinator(r)) {
		if ((locked = optouts_locked(r, rec)) != NULL)
			buf_printf(b, "<p>%s</p>", locked);
		else
			optouts_form(r, o->address, 1);
	}
done:
	if (optouts_region(r))
		optouts_history(r, hist);
	buf_puts(b, "</section>");
	json_decref(rec);
	optouts_req_free(o);
	console_page_end(r);
}

/* The record read for a lift: lifted when the console may, else said why. */
static void
optouts_lift(struct optouts_req *o, const redisReply *reply)
{
	struct console_req		*r = o->r;
	const struct console_env	*env = console_req_env(r);
	struct consent_limits		 lim;
	json_t				*rec;
	const char			*locked, *from;
	char				 target[32];

	if (reply->type != REDIS_REPLY_STRING) {
		optouts_back(r, W(r, "absent"));
		optouts_req_free(o);
		return;
	}
	rec = json_loadb(reply->str, reply->len, 0, NULL);
	if ((locked = optouts_locked(r, rec)) != NULL) {
		optouts_back(r, locked);
		json_decref(rec);
		optouts_req_free(o);
		return;
	}
	from = json_string_value(json_object_get(rec, "source"));
	optouts_limits(env->cf, &lim);
	if (env->consent == NULL || consent_optin(env->consent, o->id,
	    o->source, from != NULL ? from : "", NULL, &lim) == -1) {
		console_reply_error(r, 503, W(r, "redis"));
	} else {
		console_audit_hash(o->r, o->id, target, sizeof target);
		console_audit(r, "optout.remove", target);
		optouts_back(r, W(r, "removed"));
	}
	json_decref(rec);
	optouts_req_free(o);
}

/* The history's reply: the page, even without it (Redis failed). */
static void
optouts_on_history(redisReply *reply, void *arg)
{
	optouts_show(arg, reply);
}

/* The last OPTOUTS_HISTORY changes of the address, newest first. */
static void
optouts_read_history(struct optouts_req *o)
{
	const char	*argv[6];
	size_t		 lens[6];
	char		 key[OPTOUTS_ID_MAX + 16];
	int		 i;

	snprintf(key, sizeof key, "consent:%s", o->id);
	argv[0] = "XREVRANGE";
	argv[1] = console_key(o->r, key);
	argv[2] = "+";
	argv[3] = "-";
	argv[4] = "COUNT";
	argv[5] = OPTOUTS_HISTORY;
	for (i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	if (console_req_redis(o->r, optouts_on_history, o, 6, argv, lens) == -1)
		optouts_show(o, NULL);
}

static void
optouts_on_record(redisReply *reply, void *arg)
{
	struct optouts_req	*o = arg;

	if (reply == NULL || (reply->type != REDIS_REPLY_STRING &&
	    reply->type != REDIS_REPLY_NIL)) {
		console_reply_error(o->r, 503, W(o->r, "redis"));
		optouts_req_free(o);
		return;
	}
	if (o->mode == OPTOUTS_SHOW) {
		if (reply->type == REDIS_REPLY_STRING)
			o->rec = xstrndup(reply->str, reply->len);
		if (optouts_region(o->r))
			optouts_read_history(o);
		else
			optouts_show(o, NULL);
	} else
		optouts_lift(o, reply);
}

/* Reads the address's record, then shows it or lifts it. */
static void
optouts_read(struct optouts_req *o)
{
	const char	*argv[3];
	size_t		 lens[3];
	int		 i;

	argv[0] = "HGET";
	argv[1] = console_key(o->r, "suppressed");
	argv[2] = o->id;
	for (i = 0; i < 3; i++)
		lens[i] = strlen(argv[i]);
	if (console_req_redis(o->r, optouts_on_record, o, 3, argv, lens) ==
	    -1) {
		console_reply_error(o->r, 503, W(o->r, "redis"));
		optouts_req_free(o);
	}
}

static struct optouts_req *
optouts_req_new(struct console_req *r, enum optouts_mode mode,
    const char *address)
{
	struct optouts_req	*o;

	o = xcalloc(1, sizeof *o);
	o->r = r;
	o->mode = mode;
	o->address = xstrdup(address);
	if (optouts_id(address, o->id, sizeof o->id) == -1) {
		optouts_req_free(o);
		return NULL;
	}
	log_mask(strchr(o->id, ':') + 1, o->masked, sizeof o->masked);
	return o;
}

void
console_page_optouts(struct console_req *r)
{
	const char		*address = console_req_arg(r, "address");
	struct optouts_req	*o;

	if (address == NULL || *address == '\0') {
		optouts_begin(r, NULL);
		console_page_end(r);
		return;
	}
	if ((o = optouts_req_new(r, OPTOUTS_SHOW, address)) == NULL) {
		optouts_begin(r, address);
		buf_printf(console_req_body(r), "<p class=\"error\" "
		    "role=\"alert\">%s</p>", W(r, "bad"));
		console_page_end(r);
		return;
	}
	optouts_read(o);
}

/* The POST's address and reason, checked; NULL when the page ended. */
static struct optouts_req *
optouts_post(struct console_req *r, enum optouts_mode mode)
{
	const char		*address = console_req_arg(r, "address");
	const char		*reason = console_req_arg(r, "reason");
	struct optouts_req	*o;
	size_t			 i;

	if (!console_pages_coordinator(r)) {
		console_reply_error(r, 403, W(r, "coordinator"));
		return NULL;
	}
	if (address == NULL || (o = optouts_req_new(r, mode, address)) ==
	    NULL) {
		optouts_back(r, W(r, "bad"));
		return NULL;
	}
	for (i = 0; reason != NULL && isspace((unsigned char)reason[i]); i++)
		;
	if (reason == NULL || reason[i] == '\0') {
		optouts_back(r, W(r, "no_reason"));
		optouts_req_free(o);
		return NULL;
	}
	o->source = optouts_source(r, reason + i);
	return o;
}

void
console_page_optouts_add(struct console_req *r)
{
	const struct console_env	*env = console_req_env(r);
	struct optouts_req		*o;
	struct consent_limits		 lim;
	char				 target[32];

	if ((o = optouts_post(r, OPTOUTS_SHOW)) == NULL)
		return;
	optouts_limits(env->cf, &lim);
	if (env->consent == NULL || consent_optout(env->consent, o->id,
	    o->source, NULL, &lim) == -1) {
		console_reply_error(r, 503, W(r, "redis"));
		optouts_req_free(o);
		return;
	}
	console_audit_hash(o->r, o->id, target, sizeof target);
	console_audit(r, "optout.add", target);
	optouts_back(r, W(r, "added"));
	optouts_req_free(o);
}

void
console_page_optouts_remove(struct console_req *r)
{
	struct optouts_req	*o;

	if (!optouts_region(r)) {
		console_reply_error(r, 403, W(r, "region_only"));
		return;
	}
	if ((o = optouts_post(r, OPTOUTS_REMOVE)) != NULL)
		optouts_read(o);
}
