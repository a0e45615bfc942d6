/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_unsub.c: the /u/ one-click unsubscribe pages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "admin_fixture.h"
#include "buf.h"
#include "unsub.h"

static void
assert_has(const struct reply *r, const char *what)
{
	if (r->body == NULL || strstr(r->body, what) == NULL)
		fail_msg("expected \"%s\" in the page, got:\n%s", what,
		    r->body != NULL ? r->body : "(no body)");
}

static void
assert_lacks(const struct reply *r, const char *what)
{
	if (r->body != NULL && strstr(r->body, what) != NULL)
		fail_msg("unexpected \"%s\" in the page:\n%s", what, r->body);
}

/* An HTML page in UTF-8 that loads nothing from elsewhere. */
static void
assert_page(struct reply *r, const char *lang)
{
	char	v[256], tag[32];

	assert_non_null(fix_header(r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/html; charset=utf-8");
	assert_non_null(fix_header(r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-store");
	assert_non_null(fix_header(r, "Content-Security-Policy", v, sizeof v));
	assert_non_null(strstr(v, "default-src 'none'"));
	snprintf(tag, sizeof tag, "<html lang=\"%s\">", lang);
	assert_has(r, tag);
	assert_has(r, "<meta charset=\"utf-8\">");
	assert_lacks(r, "http:");
	assert_lacks(r, "https:");
	assert_lacks(r, "src=");
	assert_lacks(r, "<link");
	assert_lacks(r, "<script");
	assert_lacks(r, "action=");
}

static void
test_unsub_off(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16];

	assert_non_null(r);
	memset(&f->supp, 0, sizeof f->supp);
	fix_unsub_path("email:ana@example.com", "", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 404);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 404);
	/* a secret too short keeps the links off */
	admin_set_unsubscribe(f->admin, UNSUB_SECRET, 15, fix_suppress, f);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 404);
	/* and so does a token made with another secret, once set */
	fix_unsub_on(f);
	admin_set_unsubscribe(f->admin, "another secret, 32 bytes long...",
	    32, fix_suppress, f);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_int_equal(f->supp.calls, 0);
	assert_alive(f);
	free(r);
}

/* GET (and HEAD) only show the form: a link scanner unsubscribes nobody. */
static void
test_unsub_get(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16], v[64];

	assert_non_null(r);
	fix_unsub_on(f);
	fix_unsub_path("email:ana@example.com", "", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "fr");
	assert_has(r, "<form method=\"post\">");
	assert_has(r, "name=\"List-Unsubscribe\" value=\"One-Click\"");
	assert_has(r, "Confirmer le désabonnement");
	assert_has(r, "a***@example.com");
	assert_lacks(r, "ana@");
	assert_lacks(r, "retirée");
	fix_unsub_get(f, "HEAD", path, r);
	assert_int_equal(r->status, 200);
	assert_non_null(fix_header(r, "Content-Length", v, sizeof v));
	assert_true(atoi(v) > 0);
	assert_int_equal(r->bodylen, 0);
	assert_int_equal(f->supp.calls, 0);

	/* an SMS id: the number, masked */
	fix_unsub_path("sms:+18195550123", "", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_has(r, "+***0123");
	assert_has(r, "numéro");
	assert_lacks(r, "5550123");
	/* what an address holds is escaped */
	fix_unsub_path("email:<b>&\"'@example.com", "", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_has(r, "&lt;***@example.com");
	assert_lacks(r, "<b>");
	assert_int_equal(f->supp.calls, 0);
	free(r);
}

static void
test_unsub_post(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16], v[64];

	assert_non_null(r);
	fix_unsub_on(f);
	fix_unsub_path("email:ana@example.com", "", path, sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->supp.calls, 1);
	assert_string_equal(f->supp.id, "email:ana@example.com");
	assert_string_equal(f->supp.source, "unsubscribe link");
	assert_page(r, "fr");
	assert_has(r, "Votre adresse a bien été retirée de nos envois. "
	    "Vous ne recevrez plus ces messages.");
	assert_has(r, "a***@example.com");
	assert_lacks(r, "<form");
	assert_null(fix_header(r, "Location", v, sizeof v));

	/* the same from the page's form, or a client sending multipart */
	fix_post(f, path, "multipart/form-data; boundary=XyZ",
	    "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n", r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->supp.calls, 2);
	assert_string_equal(f->supp.id, "email:ana@example.com");

	/* the write could not be queued: 503, try again */
	f->supp.fail = 1;
	fix_unsub_path("sms:+18195550123", "", path, sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 503);
	assert_int_equal(f->supp.calls, 3);
	assert_string_equal(f->supp.id, "sms:+18195550123");
	assert_non_null(fix_header(r, "Retry-After", v, sizeof v));
	assert_has(r, "<form method=\"post\">");
	assert_lacks(r, "retiré");

	/* other methods: 405, nothing done */
	fix_unsub_get(f, "PUT", path, r);
	assert_int_equal(r->status, 405);
	assert_non_null(fix_header(r, "Allow", v, sizeof v));
	assert_string_equal(v, "GET, HEAD, POST");
	assert_int_equal(f->supp.calls, 3);
	free(r);
}

/* Forged, altered or malformed tokens: the same neutral 404, nothing done. */
static void
test_unsub_forged(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct buf	 longpath;
	static const char *const junk[] = { "/u/", "/u/x", "/u/.",
	    "/u/%41%41.x", "/u/a/b", "/u/../healthz" };
	char		 good[UNSUB_TOKEN_SIZE + 16];
	char		 bob[UNSUB_TOKEN_SIZE + 16];
	char		 path[2 * UNSUB_TOKEN_SIZE + 16], *first = NULL;
	char		 tok[UNSUB_TOKEN_SIZE];
	size_t		 i, n;

	assert_non_null(r);
	fix_unsub_on(f);
	fix_unsub_path("email:ana@example.com", "", good, sizeof good);
	fix_unsub_path("email:bob@example.com", "", bob, sizeof bob);
	/* signed with another secret */
	assert_int_equal(unsub_token("another secret, 32 bytes long...", 32,
	    "email:ana@example.com", tok, sizeof tok), 0);
	snprintf(path, sizeof path, "/u/%s", tok);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_page(r, "fr");
	assert_has(r, "Lien non valide");
	assert_lacks(r, "example.com");
	assert_lacks(r, "<form");
	first = strdup(r->body);
	assert_non_null(first);

	/* bob's id with ana's MAC */
	snprintf(path, sizeof path, "%.*s%s", (int)(strchr(bob, '.') - bob),
	    bob, strchr(good, '.'));
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_string_equal(r->body, first);

	/* each character changed in turn */
	n = strlen(good);
	for (i = 3; i < n; i++) {
		snprintf(path, sizeof path, "%s", good);
		path[i] = path[i] == 'A' ? 'B' : 'A';
		fix_one_click(f, path, r);
		if (r->status != 404)
			fail_msg("%s: expected 404, got %d", path, r->status);
		assert_string_equal(r->body, first);
	}
	for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		fix_unsub_get(f, "GET", junk[i], r);
		if (r->status != 404)
			fail_msg("%s: expected 404, got %d", junk[i],
			    r->status);
	}
	/* over 1024 characters */
	buf_init(&longpath);
	buf_puts(&longpath, "/u/");
	for (i = 0; i < 1100; i++)
		buf_putc(&longpath, 'A');
	buf_puts(&longpath, strchr(good, '.'));
	fix_unsub_get(f, "GET", longpath.data, r);
	assert_int_equal(r->status, 404);
	fix_one_click(f, longpath.data, r);
	assert_int_equal(r->status, 404);
	buf_free(&longpath);
	assert_int_equal(f->supp.calls, 0);
	/* the good one still works */
	fix_one_click(f, good, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->supp.calls, 1);
	free(first);
	free(r);
}

static void
test_unsub_english(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16];

	assert_non_null(r);
	fix_unsub_on(f);
	fix_unsub_path("email:ana@example.com", "?lang=en", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "en");
	assert_has(r, "Confirm unsubscribe");
	assert_has(r, "a***@example.com");
	assert_lacks(r, "désabonnement");
	assert_int_equal(f->supp.calls, 0);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "en");
	assert_has(r, "Your address has been removed");
	assert_int_equal(f->supp.calls, 1);
	/* en-CA too; anything else is French */
	fix_unsub_path("email:ana@example.com", "?lang=en-CA", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_page(r, "en");
	fix_unsub_path("email:ana@example.com", "?lang=de", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_page(r, "fr");
	fix_unsub_path("email:ana@example.com", "?lang=english", path,
	    sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_page(r, "fr");
	/* a forged token in English: still neutral */
	fix_unsub_get(f, "GET", "/u/eA.AAAAAAAAAAAAAAAAAAAAAA?lang=en", r);
	assert_int_equal(r->status, 404);
	assert_page(r, "en");
	assert_has(r, "Invalid link");
	free(r);
}

#define KEY_NEW		"the new secret, 32 bytes long..."
#define KEY_OTHER	"a secret the server never had..."
#define DAY_S		86400

/* A ring of the named keys, the first sealing; kid NULL ends the list. */
static struct unsub_keys *
ring(const char *kid, const char *secret, ...)
{
	struct unsub_keys	*k = unsub_keys_new();
	va_list			 ap;
	char			 err[128];

	assert_non_null(k);
	va_start(ap, secret);
	while (kid != NULL) {
		if (unsub_keys_add(k, kid, secret, strlen(secret), err,
		    sizeof err) == -1)
			fail_msg("key %s: %s", kid, err);
		if ((kid = va_arg(ap, const char *)) != NULL)
			secret = va_arg(ap, const char *);
	}
	va_end(ap);
	return k;
}

/* "/u/<v2 token of id>" sealed by k, made at now_s, for valid_days. */
static void
v2_path(const struct unsub_keys *k, const char *id, int64_t now_s,
    long valid_days, const char *suffix, char *out, size_t outlen)
{
	char	tok[UNSUB_TOKEN_SIZE];

	if (unsub_token_v2(k, id, now_s, valid_days, tok, sizeof tok) == -1)
		fail_msg("no v2 token for %s", id);
	snprintf(out, outlen, "/u/%s%s", tok, suffix);
}

/*
 * The server takes a packed key ring: v2 tokens of any of its keys, v1
 * tokens of any of its secrets; not a key it was not given. A genuine
 * token past its last day is a 410 page that says so, and unsubscribes
 * nobody.
 */
static void
test_unsub_ring(void **state)
{
	struct fix		*f = *state;
	struct reply		*r = malloc(sizeof *r);
	struct unsub_keys	*server, *fresh, *old, *other;
	unsigned char		*packed;
	size_t			 len;
	int64_t			 now = (int64_t)time(NULL);
	char			 path[UNSUB_TOKEN_SIZE + 16];

	assert_non_null(r);
	/* rotated: the new key seals, the old one still opens */
	server = ring("new", KEY_NEW, "old", UNSUB_SECRET, NULL);
	fresh = ring("new", KEY_NEW, NULL);
	old = ring("old", UNSUB_SECRET, NULL);
	other = ring("new", KEY_OTHER, NULL);
	assert_non_null(packed = unsub_keys_pack(server, &len));
	memset(&f->supp, 0, sizeof f->supp);
	admin_set_unsubscribe(f->admin, packed, len, fix_suppress, f);
	unsub_keys_pack_free(packed, len);

	v2_path(fresh, "email:ana@example.com", now, 60, "", path,
	    sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 200);
	assert_page(r, "fr");
	assert_has(r, "a***@example.com");
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->supp.calls, 1);
	assert_string_equal(f->supp.id, "email:ana@example.com");
	v2_path(old, "sms:+18195550123", now, 365, "", path, sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(f->supp.id, "sms:+18195550123");
	fix_unsub_path("email:bob@example.com", "", path, sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_string_equal(f->supp.id, "email:bob@example.com");
	assert_int_equal(f->supp.calls, 3);

	/* a key of the same name the server was not given */
	v2_path(other, "email:ana@example.com", now, 60, "", path,
	    sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 404);
	assert_has(r, "Lien non valide");

	/* its last day still works; the day after, 410 */
	v2_path(fresh, "email:ana@example.com", now - 59 * DAY_S, 60, "",
	    path, sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->supp.calls, 4);
	v2_path(fresh, "email:ana@example.com", now - 100 * DAY_S, 60, "",
	    path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 410);
	assert_page(r, "fr");
	assert_has(r, "Lien expiré");
	assert_lacks(r, "example.com");
	assert_lacks(r, "<form");
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 410);
	v2_path(fresh, "email:ana@example.com", now - 100 * DAY_S, 60,
	    "?lang=en", path, sizeof path);
	fix_unsub_get(f, "GET", path, r);
	assert_int_equal(r->status, 410);
	assert_page(r, "en");
	assert_has(r, "Link expired");
	assert_int_equal(f->supp.calls, 4);
	unsub_keys_free(server);
	unsub_keys_free(fresh);
	unsub_keys_free(old);
	unsub_keys_free(other);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unsub_off, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_get, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_post, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_forged, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_english, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_unsub_ring, fix_setup,
		    fix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
