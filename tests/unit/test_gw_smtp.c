/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the smtp gateway kind (gw_smtp.c): init checks, refusals from the loop, a dead server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "gw.h"
#include "gw_smtp.h"
#include "http.h"

#define KEY	"75b8e20eba5c7712aca9e971a72ad481"

static const char *subject_fr = "Bienvenue à Amos, Ana ! « Votre arrivée "
    "dans la région » : un sujet assez long pour être découpé en plusieurs "
    "mots encodés — ça, c'est sûr";
static const char *text_fr = "Bonjour Ana,\n\nL'équipe d'accueil vous "
    "souhaite la bienvenue. Cette ligne est très longue : elle dépasse "
    "largement les soixante-seize caractères permis par le quoted-printable, "
    "avec des accents (é, è, à, ç, ô, «, ») et un signe = au milieu.\n"
    "From here on, a line that mbox would mangle.\n"
    ".\n"
    "..deux points\n"
    "des espaces à la fin   \n"
    "une tabulation à la fin\t\n"
    "Unmotsansaucunespacequidepasselalimitedesoixanteseizecaracteresdelalignequotedprintable\n"
    "fin sans saut de ligne";
static const char *html_fr = "<p>Bonjour Ana,</p>\r\n<p>L'équipe "
    "d'accueil « vous » salue.</p>\r\n";

/* A message as the pipeline hands it over, with every optional field set. */
static struct gw_msg
full_msg(void)
{
	struct gw_msg	m;

	memset(&m, 0, sizeof m);
	m.key = KEY;
	m.event_id = "evt-1";
	m.type = "newcomer.arrived";
	m.territory = "abitibi";
	m.role = "newcomer";
	m.channel = "email";
	m.language = "fr";
	m.template = "welcome";
	m.from = "accueil@abitibi.example";
	m.from_name = "Accueil MRC d'Abitibi — équipe";
	m.reply_to = "reponses@abitibi.example";
	m.to = "ana.lefebvre@example.com";
	m.subject = subject_fr;
	m.text = text_fr;
	m.html = html_fr;
	m.gateway = "smtp";
	return m;
}

struct answer {
	int			calls;
	struct gw_result	res;
};

static void
on_result(const struct gw_result *res, void *arg)
{
	struct answer	*a = arg;

	a->calls++;
	a->res = *res;
}

static int
answered(struct event_base *base, struct answer *a)
{
	int	i;

	for (i = 0; i < 500 && a->calls == 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	return a->calls;
}

/* A port on 127.0.0.1 that was just free: bind, read it back, close. */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* Refusals come from the loop, never inline; a dead server is a retry. */
static void
test_send(void **state)
{
	struct event_base	*base;
	struct http		*http;
	struct config_gateway	 cg;
	struct gw_smtp_conf	 sc;
	struct gw		 g;
	struct gw_msg		 m;
	struct answer		 a;
	char			 err[128], name[] = "smtp", user[] = "relais",
				 pw[] = "secret", url[] = "ftp://x", dead[64];

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(http = http_new(base));
	memset(&cg, 0, sizeof cg);
	memset(&sc, 0, sizeof sc);
	cg.conf = &sc;
	cg.name = name;
	cg.kind = name;
	cg.url = url;
	cg.max_concurrency = 2;
	cg.connect_timeout_ms = 1000;
	cg.timeout_ms = 2000;
	memset(&g, 0, sizeof g);
	g.kind = &gw_smtp_kind;
	g.name = name;
	g.base = base;
	g.http = http;
	assert_int_equal(gw_smtp_kind.init(&g, &cg, err, sizeof err), -1);
	assert_non_null(strstr(err, "smtp://"));
	snprintf(dead, sizeof dead, "smtp://127.0.0.1:%d", free_port());
	cg.url = dead;
	sc.username = user;
	assert_int_equal(gw_smtp_kind.init(&g, &cg, err, sizeof err), -1);
	assert_non_null(strstr(err, "password"));
	sc.password = pw;
	assert_int_equal(gw_smtp_kind.init(&g, &cg, err, sizeof err), 0);

	memset(&a, 0, sizeof a);
	m = full_msg();
	m.channel = "sms";
	m.to = "+18195550123";
	assert_int_equal(gw_smtp_kind.send(&g, &m, on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	assert_int_equal(answered(base, &a), 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason, "smtp sends email only");

	memset(&a, 0, sizeof a);
	m = full_msg();
	m.subject = "a\r\nBcc: x@example.com";
	assert_int_equal(gw_smtp_kind.send(&g, &m, on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	assert_int_equal(answered(base, &a), 1);
	assert_int_equal(a.res.status, GW_PERMANENT);
	assert_string_equal(a.res.reason, "smtp: cannot build the message: "
	    "a line break in a header field");

	/* nothing listens there: a transport error, retried */
	memset(&a, 0, sizeof a);
	m = full_msg();
	assert_int_equal(gw_smtp_kind.send(&g, &m, on_result, &a), 0);
	assert_int_equal(a.calls, 0);
	assert_int_equal(answered(base, &a), 1);
	assert_int_equal(a.res.status, GW_RETRY);
	assert_non_null(strstr(a.res.reason, "transport: "));
	assert_string_equal(a.res.provider_id, "");

	/* freed with a send in flight: no callback, nothing leaks */
	memset(&a, 0, sizeof a);
	assert_int_equal(gw_smtp_kind.send(&g, &m, on_result, &a), 0);
	gw_smtp_kind.free(&g);
	assert_null(g.priv);
	http_free(http);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send),
	};
	char	err[128];

	setenv("RELAIS_TEST_NOW", "2026-05-05T14:03:07Z", 1);
	if (clock_init(err, sizeof err) != 1) {
		fprintf(stderr, "clock_init: %s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
