/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The console's HTML: the layout (head, nav, footer), error and login
 * pages, the words in French and English. It reads the request's fields
 * itself (console_int.h): the answers call it, it calls none of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "console.h"
#include "console_auth.h"
#include "console_int.h"

/* One UI string in both languages. */
struct console_words {
	const char	*key;
	const char	*fr;
	const char	*en;
};

static const struct console_words console_words[] = {
	{ "action", "Action", "Action" },
	{ "add", "Ajouter", "Add" },
	{ "address", "Adresse", "Address" },
	{ "age", "Âge", "Age" },
	{ "all", "Tous", "All" },
	{ "all_territories", "Tous les territoires", "All territories" },
	{ "back", "Retour", "Back" },
	{ "channel", "Canal", "Channel" },
	{ "check", "Vérifier", "Check" },
	{ "count", "Nombre", "Count" },
	{ "date", "Date", "Date" },
	{ "dead_letters", "Lettres mortes", "Dead letters" },
	{ "drop", "Supprimer", "Drop" },
	{ "email", "Courriel", "Email" },
	{ "error", "Erreur", "Error" },
	{ "error_bad", "Requête mal formée.", "Malformed request." },
	{ "error_busy", "Le serveur est occupé ; réessayez.",
	    "The server is busy; try again." },
	{ "error_csrf", "Le formulaire a expiré ou ne vient pas de cette "
	    "console : rechargez la page et recommencez.",
	    "The form expired or did not come from this console: reload the "
	    "page and try again." },
	{ "error_internal", "Erreur interne du serveur.",
	    "Internal server error." },
	{ "error_login_expired", "Le formulaire de connexion a expiré : "
	    "recommencez.", "The login form expired: try again." },
	{ "error_login_missing", "Entrez votre nom d'utilisateur et votre mot "
	    "de passe.", "Enter your user name and password." },
	{ "error_login_wrong", "Nom d'utilisateur ou mot de passe incorrect.",
	    "Wrong user name or password." },
	{ "error_method", "Méthode non permise pour cette page.",
	    "Method not allowed for this page." },
	{ "error_not_found", "Cette page n'existe pas.",
	    "This page does not exist." },
	{ "error_redis", "Les données sont indisponibles pour le moment "
	    "(Redis) ; réessayez dans un instant.",
	    "The data is unavailable at the moment (Redis); try again in a "
	    "moment." },
	{ "error_role", "Votre rôle ne permet pas cette action.",
	    "Your role does not allow this action." },
	{ "error_scope", "Ce territoire ne fait pas partie de votre accès.",
	    "This territory is outside your access." },
	{ "error_too_many", "Trop de tentatives ; réessayez dans une minute.",
	    "Too many attempts; try again in a minute." },
	{ "filter", "Filtrer", "Filter" },
	{ "health", "Santé", "Health" },
	{ "id", "Identifiant", "Id" },
	{ "lang_name", "Français", "English" },
	{ "language", "Langue", "Language" },
	{ "login", "Connexion", "Log in" },
	{ "login_submit", "Se connecter", "Log in" },
	{ "logout", "Se déconnecter", "Log out" },
	{ "message", "Message", "Message" },
	{ "month", "Mois", "Month" },
	{ "nav_label", "Navigation principale", "Main navigation" },
	{ "none", "Aucun", "None" },
	{ "optouts", "Désabonnements", "Opt-outs" },
	{ "overview", "Aperçu", "Overview" },
	{ "password", "Mot de passe", "Password" },
	{ "reason", "Motif", "Reason" },
	{ "region", "toute la région", "the whole region" },
	{ "remove", "Retirer", "Remove" },
	{ "replay", "Rejouer", "Replay" },
	{ "role_coordinator", "coordination", "coordinator" },
	{ "role_viewer", "consultation", "viewer" },
	{ "skip", "Aller au contenu", "Skip to content" },
	{ "sms", "SMS", "SMS" },
	{ "status", "État", "Status" },
	{ "templates", "Gabarits", "Templates" },
	{ "territory", "Territoire", "Territory" },
	{ "total", "Total", "Total" },
	{ "type", "Type", "Type" },
	{ "user", "Nom d'utilisateur", "User name" },
};

/*
 * Good contrast (AA at least: #1a1a1a on white, white on #0b4f8a), a
 * visible focus ring, one column on small screens.
 */
const char console_css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\","
	"Roboto,sans-serif;color:#1a1a1a;background:#fff}"
	"a{color:#0b4f8a}"
	"a:focus,button:focus,input:focus,select:focus,textarea:focus,"
	"summary:focus{outline:3px solid #b35900;outline-offset:2px}"
	".skip{position:absolute;left:-999px}"
	".skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}"
	"header{background:#0b4f8a;color:#fff;padding:.5rem 1rem;display:flex;"
	"flex-wrap:wrap;gap:.5rem 2rem;align-items:center}"
	"header a{color:#fff}"
	".brand{font-weight:700;margin:0}"
	"nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;"
	"gap:.25rem 1rem}"
	"nav a[aria-current]{font-weight:700;text-decoration-thickness:3px}"
	".who{margin-left:auto;display:flex;flex-wrap:wrap;gap:.5rem 1rem;"
	"align-items:center}"
	".who form{margin:0}"
	"header button{background:#fff;color:#0b4f8a;border:0;padding:.25rem "
	".75rem;border-radius:3px;font:inherit;cursor:pointer}"
	"main{padding:1rem;max-width:80rem;margin:0 auto}"
	"table{border-collapse:collapse;margin:1rem 0;width:100%}"
	"caption{text-align:left;font-weight:700}"
	"th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"thead th{background:#eef3f8}"
	".scroll{overflow-x:auto}"
	"label{display:block;font-weight:600;margin-top:.5rem}"
	"input,select,textarea{font:inherit;padding:.25rem;border:1px solid "
	"#595959;border-radius:3px;max-width:100%}"
	"button{font:inherit}"
	"main button{background:#0b4f8a;color:#fff;border:0;padding:.4rem 1rem;"
	"border-radius:3px;cursor:pointer;margin-top:.5rem}"
	"main button.danger{background:#a4161a}"
	"#flash{background:#e6f4ea;border-left:4px solid #1e7b34;padding:.5rem "
	"1rem}"
	"#error{background:#fdecea;border-left:4px solid #a4161a;padding:.5rem "
	"1rem}"
	"iframe{width:100%;min-height:30rem;border:1px solid #767676}"
	"svg{max-width:100%;height:auto}"
	"footer{padding:1rem;color:#595959;text-align:center}"
	"@media (max-width:40rem){header{display:block}.who{margin:.5rem 0}"
	"main{padding:.5rem}}";

/* The nav: path, word key. */
static const char *const console_nav[][2] = {
	{ "/", "overview" },
	{ "/health", "health" },
	{ "/dead", "dead_letters" },
	{ "/optouts", "optouts" },
	{ "/templates", "templates" },
};

const char *
console_word(const struct console_req *r, const char *key)
{
	size_t	i;
	int	en = strcmp(r->lang, "en") == 0;

	/* a few dozen words: a scan, and no order to keep */
	for (i = 0; i < sizeof console_words / sizeof console_words[0]; i++)
		if (strcmp(key, console_words[i].key) == 0)
			return en ? console_words[i].en : console_words[i].fr;
	/* a missing word shows as its key: seen at once, harmless */
	return key;
}

void
console_html_text(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_html(b, s);
}

/* The head, up to and with <body>. */
static void
console_head(struct console_req *r, const char *title)
{
	struct buf	*b = &r->body;

	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>",
	    r->lang);
	console_html_text(b, title);
	buf_printf(b, " — relais</title>\n<style>%s</style>\n</head>\n<body>\n",
	    console_css);
	buf_puts(b, "<a class=\"skip\" href=\"#main\">");
	console_html_text(b, console_word(r, "skip"));
	buf_puts(b, "</a>\n");
}

/*
 * The language switch's link: /lang?set=LANG&back=<this page>, its
 * arguments kept but lang (unless the page's own) and address (a person's,
 * kept out of URLs: logs, history). After a POST, back to a page of GET.
 */
static void
console_lang_link(struct console_req *r, struct buf *b, const char *lang)
{
	struct buf	back, e;
	size_t		i;
	int		first = 1;

	buf_init(&back);
	buf_init(&e);
	if (r->post)
		buf_puts(&back, strcmp(r->path, "/login") == 0 ? "/login" : "/");
	else
		buf_puts(&back, r->path);
	for (i = 0; !r->post && i < r->args.n; i++) {
		if ((strcmp(r->args.names[i], "lang") == 0 && !r->own_lang) ||
		    strcmp(r->args.names[i], "address") == 0)
			continue;
		buf_putc(&back, first ? '?' : '&');
		first = 0;
		console_url_encode(&back, r->args.names[i]);
		buf_putc(&back, '=');
		console_url_encode(&back, r->args.values[i]);
	}
	console_url_encode(&e, back.data);
	buf_printf(b, "/lang?set=%s&amp;back=", lang);
	console_html_text(b, e.data);
	buf_free(&back);
	buf_free(&e);
}

/* The header: the console's name, the nav, the user, language, logout. */
static void
console_header_bar(struct console_req *r)
{
	struct buf			*b = &r->body;
	const struct console_user	*u = r->user.name != NULL ? &r->user :
					    NULL;
	const char			*path = r->path, *cur;
	size_t				 i, n;

	buf_puts(b, "<header>\n<p class=\"brand\">relais</p>\n");
	if (u != NULL) {
		buf_puts(b, "<nav aria-label=\"");
		console_html_text(b, console_word(r, "nav_label"));
		buf_puts(b, "\"><ul>\n");
		for (i = 0; i < sizeof console_nav / sizeof console_nav[0];
		    i++) {
			cur = console_nav[i][0];
			n = strlen(cur);
			buf_printf(b, "<li><a href=\"%s\"%s>", cur,
			    strcmp(path, cur) == 0 || (n > 1 &&
			    strncmp(path, cur, n) == 0 && path[n] == '/') ?
			    " aria-current=\"page\"" : "");
			console_html_text(b, console_word(r, console_nav[i][1]));
			buf_puts(b, "</a></li>\n");
		}
		buf_puts(b, "</ul></nav>\n");
	}
	buf_puts(b, "<div class=\"who\">\n");
	if (u != NULL) {
		buf_puts(b, "<p id=\"whoami\">");
		console_html_text(b, u->name);
		buf_puts(b, " (");
		console_html_text(b, console_word(r, u->role ==
		    CONSOLE_COORDINATOR ? "role_coordinator" : "role_viewer"));
		buf_puts(b, ", ");
		console_html_text(b, u->scope != NULL ? u->scope :
		    console_word(r, "region"));
		buf_puts(b, ")</p>\n");
	}
	if (strcmp(r->lang, "en") == 0) {
		buf_puts(b, "<a lang=\"fr\" hreflang=\"fr\" href=\"");
		console_lang_link(r, b, "fr");
		buf_puts(b, "\">Français</a>\n");
	} else {
		buf_puts(b, "<a lang=\"en\" hreflang=\"en\" href=\"");
		console_lang_link(r, b, "en");
		buf_puts(b, "\">English</a>\n");
	}
	if (u != NULL) {
		console_form_begin(r, "/logout");
		buf_puts(b, "<button type=\"submit\">");
		console_html_text(b, console_word(r, "logout"));
		buf_puts(b, "</button></form>\n");
	}
	buf_puts(b, "</div>\n</header>\n");
}

void
console_page_begin(struct console_req *r, const char *title)
{
	struct buf	*b = &r->body;

	buf_reset(b);
	console_head(r, title);
	console_header_bar(r);
	buf_puts(b, "<main id=\"main\">\n<h1>");
	console_html_text(b, title);
	buf_puts(b, "</h1>\n");
	if (r->flash != NULL) {
		buf_puts(b, "<p id=\"flash\" role=\"status\">");
		console_html_text(b, r->flash);
		buf_puts(b, "</p>\n");
	}
}

void
console_form_begin(struct console_req *r, const char *action)
{
	struct buf	*b = &r->body;

	buf_puts(b, "<form method=\"post\" action=\"");
	console_html_text(b, action);
	buf_puts(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	console_html_text(b, r->csrf);
	buf_puts(b, "\">\n");
}

void
console_html_error(struct console_req *r, int status, const char *message)
{
	struct buf	*b = &r->body;
	char		 title[64];

	snprintf(title, sizeof title, "%s %d", console_word(r, "error"),
	    status);
	console_head(r, title);
	console_header_bar(r);
	buf_puts(b, "<main id=\"main\">\n<h1>");
	console_html_text(b, title);
	buf_puts(b, "</h1>\n<p id=\"error\" role=\"alert\">");
	console_html_text(b, message);
	buf_puts(b, "</p>\n<p><a href=\"/\">");
	console_html_text(b, console_word(r, "overview"));
	buf_puts(b, "</a></p>\n</main>\n</body>\n</html>\n");
}

void
console_html_login(struct console_req *r, const char *token,
    const char *user, const char *error)
{
	struct buf	*b = &r->body;

	console_head(r, console_word(r, "login"));
	console_header_bar(r);
	buf_puts(b, "<main id=\"main\">\n<h1>");
	console_html_text(b, console_word(r, "login"));
	buf_puts(b, "</h1>\n");
	if (error != NULL) {
		buf_puts(b, "<p id=\"error\" role=\"alert\">");
		console_html_text(b, error);
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "<form id=\"login-form\" method=\"post\" action=\"/login\">"
	    "\n<input type=\"hidden\" name=\"csrf\" value=\"");
	console_html_text(b, token);
	buf_puts(b, "\">\n<label for=\"user\">");
	console_html_text(b, console_word(r, "user"));
	buf_puts(b, "</label>\n<input id=\"user\" name=\"user\" "
	    "autocomplete=\"username\" required value=\"");
	console_html_text(b, user != NULL ? user : "");
	buf_puts(b, "\">\n<label for=\"password\">");
	console_html_text(b, console_word(r, "password"));
	buf_puts(b, "</label>\n<input id=\"password\" name=\"password\" "
	    "type=\"password\" autocomplete=\"current-password\" required>\n"
	    "<p><button type=\"submit\">");
	console_html_text(b, console_word(r, "login_submit"));
	buf_puts(b, "</button></p>\n</form>\n</main>\n</body>\n</html>\n");
}
