/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for render: loading a template tree, language fallback, subject and HTML safety. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "diag.h"
#include "render.h"

/* Variables as render_message takes them: vars alone, nothing derived. */
#define RV(v)	(&(const struct render_vars){ (v), NULL, NULL })

/* A throwaway template tree under mkdtemp, removed by the teardown. */
struct test_tree {
	char	dir[64];
};

/* render_load takes char *const *: writable names for it. */
static char	test_s_fr[] = "fr", test_s_en[] = "en", test_s_de[] = "de";
static char	test_s_welcome[] = "welcome", test_s_promo[] = "promo";
static char	test_s_other[] = "other", test_s_t1[] = "t1";
static char	*test_territories[] = { test_s_t1 };

static void
test_write(const struct test_tree *t, const char *rel, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot create %s", path);
	fputs(text, f);
	fclose(f);
}

static void
test_mkdir(const struct test_tree *t, const char *rel)
{
	char	path[512];

	snprintf(path, sizeof path, "%s/%s", t->dir, rel);
	if (mkdir(path, 0700) == -1)
		fail_msg("cannot create %s", path);
}

static int
test_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * fr has welcome (subject, txt, html, sms) and a signature partial;
 * en has welcome (subject, txt, no html, no sms), its own signature, and
 * "promo", an email template that exists in English only.
 */
static int
test_setup(void **state)
{
	struct test_tree	*t;

	t = calloc(1, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/relais-render-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	test_mkdir(t, "fr");
	test_mkdir(t, "en");
	test_write(t, "fr/welcome.subject.mustache",
	    "Bienvenue, {{first_name}} !\n");
	test_write(t, "fr/welcome.txt.mustache",
	    "Bonjour {{first_name}}, {{x}}\n{{> signature}}");
	test_write(t, "fr/welcome.html.mustache",
	    "<p>{{x}}|{{{x}}}|{{&x}}</p>{{> signature}}");
	test_write(t, "fr/welcome.sms.mustache", "SMS {{first_name}}");
	test_write(t, "fr/signature.mustache", "-- fr {{territory.name}}");
	test_write(t, "en/welcome.subject.mustache", "Welcome, {{first_name}}!");
	test_write(t, "en/welcome.txt.mustache",
	    "Hello {{first_name}}, {{x}}\n{{> signature}}");
	test_write(t, "en/signature.mustache", "-- en {{territory.name}}");
	test_write(t, "en/promo.subject.mustache", "Promo");
	test_write(t, "en/promo.txt.mustache", "Promo text");
	test_write(t, "en/README", "not a template");
	*state = t;
	return 0;
}

static int
test_teardown(void **state)
{
	struct test_tree	*t = *state;

	nftw(t->dir, test_rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static void
test_print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		print_message("diag %zu: %s\n", i, d->msgs[i]);
}

static struct render *
test_load(const struct test_tree *t, char *const *langs, size_t nlangs,
    char *const *names, size_t nnames, struct diag *d)
{
	struct render	*r;

	diag_init(d);
	r = render_load(t->dir, langs, nlangs, test_territories, 1, names,
	    nnames, d);
	return r;
}

static struct render *
test_load_ok(const struct test_tree *t)
{
	char		*langs[] = { test_s_fr, test_s_en };
	char		*names[] = { test_s_welcome };
	struct render	*r;
	struct diag	 d;

	r = test_load(t, langs, 2, names, 1, &d);
	test_print_diag(&d);
	assert_non_null(r);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	return r;
}

static json_t *
test_vars(const char *first_name, const char *x)
{
	return json_pack("{s:s, s:s, s:{s:s}}", "first_name", first_name,
	    "x", x, "territory", "name", "MRC d'Abitibi");
}

static void
test_render_ok(struct render *r, const char *name, const char *channel,
    const char *const *langs, size_t nlangs, const json_t *vars,
    struct render_out *out)
{
	char	err[256];

	if (render_message(r, NULL, name, channel, langs, nlangs, RV(vars), out,
	    err, sizeof err) == -1)
		fail_msg("render %s/%s: %s", name, channel, err);
}

/* A territory's own template (and partial) wins over the shared one. */
static void
test_territory_override(void **state)
{
	const struct test_tree	*t = *state;
	const char		*fr[] = { "fr" };
	struct render		*r;
	struct render_out	 out;
	json_t			*vars;
	char			 err[256];

	test_mkdir(t, "t1");
	test_mkdir(t, "t1/fr");
	test_write(t, "t1/fr/welcome.subject.mustache", "Chez nous, {{first_name}}");
	test_write(t, "t1/fr/signature.mustache", "Equipe T1");
	r = test_load_ok(t);
	vars = test_vars("Ana", "x");
	assert_int_equal(render_message(r, "t1", "welcome", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), 0);
	assert_string_equal(out.subject, "Chez nous, Ana");
	render_out_clear(&out);
	/* another territory, or none, gets the shared version */
	assert_int_equal(render_message(r, "t2", "welcome", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), 0);
	assert_true(strstr(out.subject, "Chez nous") == NULL);
	/*
	 * A message whose outcome is recorded drops its parts and keeps its
	 * language, which the log line and the metrics still read (under
	 * ASan, a part not freed is reported; clear after it frees nothing
	 * twice).
	 */
	assert_non_null(out.text);
	render_out_drop_parts(&out);
	assert_null(out.subject);
	assert_null(out.text);
	assert_null(out.html);
	assert_string_equal(out.language, "fr");
	render_out_clear(&out);
	json_decref(vars);
	render_free(r);
}

static void
test_load_tree(void **state)
{
	struct render	*r;

	r = test_load_ok(*state);
	render_free(r);
	render_free(NULL);
}

static void
test_email(void **state)
{
	static const char *const langs[] = { "fr", "en" };
	struct render		*r = test_load_ok(*state);
	struct render_out	 out;
	json_t			*vars = test_vars("Amina", "ok");

	test_render_ok(r, "welcome", "email", langs, 2, vars, &out);
	assert_string_equal(out.language, "fr");
	/* the trailing newline of the file is not part of the subject */
	assert_string_equal(out.subject, "Bienvenue, Amina !");
	assert_string_equal(out.text,
	    "Bonjour Amina, ok\n-- fr MRC d'Abitibi");
	assert_string_equal(out.html,
	    "<p>ok|ok|ok</p>-- fr MRC d&#39;Abitibi");
	render_out_clear(&out);
	assert_null(out.subject);
	assert_null(out.text);
	assert_null(out.html);
	json_decref(vars);
	render_free(r);
}

static void
test_fallback(void **state)
{
	static const char *const en_fr[] = { "en", "fr" };
	static const char *const fr_en[] = { "fr", "en" };
	static const char *const null_en[] = { NULL, "en" };
	static const char *const de_en_fr[] = { "de", "en", "fr" };
	struct render		*r = test_load_ok(*state);
	struct render_out	 out;
	json_t			*vars = test_vars("Liam", "ok");

	test_render_ok(r, "welcome", "email", en_fr, 2, vars, &out);
	assert_string_equal(out.language, "en");
	assert_string_equal(out.subject, "Welcome, Liam!");
	/* the partial comes from the language of the template */
	assert_string_equal(out.text, "Hello Liam, ok\n-- en MRC d'Abitibi");
	assert_null(out.html);		/* en has no HTML part */
	render_out_clear(&out);

	test_render_ok(r, "welcome", "email", fr_en, 2, vars, &out);
	assert_string_equal(out.language, "fr");
	render_out_clear(&out);

	test_render_ok(r, "welcome", "email", null_en, 2, vars, &out);
	assert_string_equal(out.language, "en");
	render_out_clear(&out);

	test_render_ok(r, "welcome", "email", de_en_fr, 3, vars, &out);
	assert_string_equal(out.language, "en");
	render_out_clear(&out);

	/* en has no SMS part: the next language is used */
	test_render_ok(r, "welcome", "sms", en_fr, 2, vars, &out);
	assert_string_equal(out.language, "fr");
	assert_string_equal(out.text, "SMS Liam");
	assert_null(out.subject);
	assert_null(out.html);
	render_out_clear(&out);

	/* promo exists in English only */
	test_render_ok(r, "promo", "email", fr_en, 2, vars, &out);
	assert_string_equal(out.language, "en");
	assert_string_equal(out.subject, "Promo");
	assert_string_equal(out.text, "Promo text");
	render_out_clear(&out);
	json_decref(vars);
	render_free(r);
}

/* A subject is one header line whatever the data holds. */
static void
test_subject_one_line(void **state)
{
	static const char *const fr[] = { "fr" };
	struct render		*r = test_load_ok(*state);
	struct render_out	 out;
	json_t			*vars;

	vars = test_vars("Amina\r\nBcc: x@evil.example", "ok");
	test_render_ok(r, "welcome", "email", fr, 1, vars, &out);
	assert_string_equal(out.subject, "Bienvenue, Amina Bcc: x@evil.example !");
	assert_null(strchr(out.subject, '\r'));
	assert_null(strchr(out.subject, '\n'));
	/* the body keeps the data as it is */
	assert_string_equal(out.text,
	    "Bonjour Amina\r\nBcc: x@evil.example, ok\n-- fr MRC d'Abitibi");
	render_out_clear(&out);
	json_decref(vars);

	vars = test_vars("\n\r\t A\n\nB\t\r", "ok");
	test_render_ok(r, "welcome", "email", fr, 1, vars, &out);
	assert_string_equal(out.subject, "Bienvenue, A B !");
	render_out_clear(&out);
	json_decref(vars);
	render_free(r);
}

static void
test_html_escape(void **state)
{
	static const char *const fr[] = { "fr" };
	struct render		*r = test_load_ok(*state);
	struct render_out	 out;
	json_t			*vars;

	vars = test_vars("<b>A&B</b>", "<script>\"x\"&'y'</script>");
	test_render_ok(r, "welcome", "email", fr, 1, vars, &out);
	/* {{x}} escaped in HTML; {{{x}}} and {{&x}} never */
	assert_string_equal(out.html,
	    "<p>&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;|"
	    "<script>\"x\"&'y'</script>|<script>\"x\"&'y'</script></p>"
	    "-- fr MRC d&#39;Abitibi");
	/* the text part and the subject are not HTML: no escaping */
	assert_string_equal(out.text, "Bonjour <b>A&B</b>, "
	    "<script>\"x\"&'y'</script>\n-- fr MRC d'Abitibi");
	assert_string_equal(out.subject, "Bienvenue, <b>A&B</b> !");
	render_out_clear(&out);
	json_decref(vars);

	/* SMS is text: no escaping */
	vars = test_vars("<A&B>", "");
	test_render_ok(r, "welcome", "sms", fr, 1, vars, &out);
	assert_string_equal(out.text, "SMS <A&B>");
	render_out_clear(&out);
	json_decref(vars);
	render_free(r);
}

static void
test_no_template(void **state)
{
	static const char *const fr_en[] = { "fr", "en" };
	static const char *const fr[] = { "fr" };
	struct render		*r = test_load_ok(*state);
	struct render_out	 out;
	json_t			*vars = test_vars("A", "b");
	char			 err[256];

	/* promo has no SMS part in any language */
	assert_int_equal(render_message(r, NULL, "promo", "sms", fr_en, 2,
	    RV(vars), &out, err, sizeof err), -1);
	assert_string_equal(err, "no sms template \"promo\" in any of the "
	    "languages tried");
	assert_null(out.text);
	/* promo is English only */
	assert_int_equal(render_message(r, NULL, "promo", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), -1);
	assert_string_equal(err, "no email template \"promo\" in any of the "
	    "languages tried");
	assert_int_equal(render_message(r, NULL, "nothing", "email", fr_en, 2,
	    RV(vars), &out, err, sizeof err), -1);
	assert_string_equal(err, "no email template \"nothing\" in any of the "
	    "languages tried");
	/* no language at all */
	assert_int_equal(render_message(r, NULL, "welcome", "email", fr_en, 0,
	    RV(vars), &out, err, sizeof err), -1);
	/* a partial is not a message template */
	assert_int_equal(render_message(r, NULL, "signature", "email", fr_en, 2,
	    RV(vars), &out, err, sizeof err), -1);
	assert_null(out.subject);
	assert_null(out.text);
	assert_null(out.html);
	render_out_clear(&out);
	json_decref(vars);
	render_free(r);
}

static void
test_expect_one(const struct diag *d, const char *want)
{
	if (d->n != 1) {
		test_print_diag(d);
		fail_msg("expected 1 message (%s), got %zu", want, d->n);
	}
	assert_string_equal(d->msgs[0], want);
}

static void
test_load_errors(void **state)
{
	struct test_tree	*t = *state;
	char			*fr_en[] = { test_s_fr, test_s_en };
	char			*fr_de[] = { test_s_fr, test_s_de };
	char			*welcome[] = { test_s_welcome };
	char			*promo[] = { test_s_promo };
	char			*other[] = { test_s_other };
	struct render		*r;
	struct diag		 d;
	char			 want[1024];

	/* promo is missing in French */
	assert_null(test_load(t, fr_en, 2, promo, 1, &d));
	snprintf(want, sizeof want, "%s: template \"promo\" does not exist in "
	    "language fr (%s/fr/promo.txt.mustache or .sms.mustache)", t->dir,
	    t->dir);
	test_expect_one(&d, want);
	diag_free(&d);

	/* a language without a directory */
	assert_null(test_load(t, fr_de, 2, welcome, 1, &d));
	snprintf(want, sizeof want, "%s/de: cannot open template directory: "
	    "No such file or directory", t->dir);
	test_expect_one(&d, want);
	diag_free(&d);

	/* a subject without a text part */
	test_write(t, "fr/other.subject.mustache", "S");
	test_write(t, "en/other.subject.mustache", "S");
	test_write(t, "en/other.txt.mustache", "T");
	assert_null(test_load(t, fr_en, 2, other, 1, &d));
	snprintf(want, sizeof want, "%s: template \"other\" in fr has a "
	    "subject but not a text part (.txt)", t->dir);
	test_expect_one(&d, want);
	diag_free(&d);
	test_write(t, "fr/other.txt.mustache", "T");
	r = test_load(t, fr_en, 2, other, 1, &d);
	test_print_diag(&d);
	assert_non_null(r);
	assert_int_equal(d.n, 0);
	render_free(r);
	diag_free(&d);

	/* a syntax error: the template file, line and column */
	test_write(t, "en/broken.mustache", "line one\n  {{#a}} no end\n");
	assert_null(test_load(t, fr_en, 2, welcome, 1, &d));
	snprintf(want, sizeof want, "%s/en/broken.mustache:2:3: unclosed "
	    "section 'a'", t->dir);
	test_expect_one(&d, want);
	diag_free(&d);
	snprintf(want, sizeof want, "%s/en/broken.mustache", t->dir);
	unlink(want);
}

/* Strict mode: a missing variable fails the message, naming it. */
static void
test_strict(void **state)
{
	const char		*fr[] = { "fr" };
	struct render		*r;
	struct render_out	 out;
	json_t			*vars;
	char			 err[256];

	r = test_load_ok(*state);
	vars = json_pack("{s:s, s:{s:s}}", "first_name", "Ana", "territory",
	    "name", "T");
	/* off: the hole is rendered empty */
	assert_int_equal(render_message(r, NULL, "welcome", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), 0);
	assert_string_equal(out.text, "Bonjour Ana, \n-- fr T");
	render_out_clear(&out);
	render_set_strict(r, 1);
	assert_int_equal(render_message(r, NULL, "welcome", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), -1);
	assert_string_equal(err, "template welcome: variable x missing");
	assert_null(out.subject);
	assert_null(out.text);
	assert_null(out.html);
	/* the SMS has no hole: it goes */
	assert_int_equal(render_message(r, NULL, "welcome", "sms", fr, 1,
	    RV(vars), &out, err, sizeof err), 0);
	assert_string_equal(out.text, "SMS Ana");
	render_out_clear(&out);
	/* a present value, even empty or null, is not missing */
	json_object_set_new(vars, "x", json_null());
	assert_int_equal(render_message(r, NULL, "welcome", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), 0);
	render_out_clear(&out);
	/* in a partial too */
	json_object_del(vars, "territory");
	assert_int_equal(render_message(r, NULL, "welcome", "email", fr, 1,
	    RV(vars), &out, err, sizeof err), -1);
	assert_string_equal(err, "template welcome: variable territory.name "
	    "missing");
	json_decref(vars);
	render_free(r);
}

static void
test_ref_line(void *arg, const char *file, const struct tmpl_ref *ref)
{
	buf_printf(arg, "%s %s%s\n", file, ref->name, ref->guarded ?
	    " guarded" : "");
}

/* render_has and render_refs see what render_message would render. */
static void
test_has_refs(void **state)
{
	const struct test_tree	*t = *state;
	struct render		*r;
	struct buf		 b;

	test_mkdir(t, "t1");
	test_mkdir(t, "t1/fr");
	test_write(t, "t1/fr/signature.mustache",
	    "{{#territory.site}}{{territory.site}}{{/territory.site}}");
	r = test_load_ok(t);
	assert_true(render_has(r, NULL, "fr", "welcome", "email"));
	assert_true(render_has(r, NULL, "fr", "welcome", "sms"));
	assert_true(render_has(r, "t1", "en", "welcome", "email"));
	/* en has no welcome.sms: render_message would use another language */
	assert_false(render_has(r, NULL, "en", "welcome", "sms"));
	assert_false(render_has(r, NULL, "fr", "promo", "email"));
	assert_false(render_has(r, NULL, "fr", "nothing", "email"));
	buf_init(&b);
	render_refs(r, NULL, "fr", "welcome", "email", test_ref_line, &b);
	assert_string_equal(b.data,
	    "fr/welcome.subject.mustache first_name\n"
	    "fr/welcome.txt.mustache first_name\n"
	    "fr/welcome.txt.mustache x\n"
	    "fr/welcome.txt.mustache signature\n"
	    "fr/signature.mustache territory.name\n"
	    "fr/welcome.html.mustache x\n"
	    "fr/welcome.html.mustache x\n"
	    "fr/welcome.html.mustache x\n"
	    "fr/welcome.html.mustache signature\n"
	    "fr/signature.mustache territory.name\n");
	/* the territory's own partial */
	buf_reset(&b);
	render_refs(r, "t1", "fr", "welcome", "sms", test_ref_line, &b);
	assert_string_equal(b.data, "fr/welcome.sms.mustache first_name\n");
	buf_reset(&b);
	render_refs(r, "t1", "fr", "welcome", "email", test_ref_line, &b);
	assert_non_null(strstr(b.data, "fr/welcome.txt.mustache signature\n"
	    "t1/fr/signature.mustache territory.site\n"
	    "t1/fr/signature.mustache territory.site guarded\n"));
	buf_free(&b);
	render_free(r);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_territory_override,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_load_tree, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_email, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_fallback, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_subject_one_line,
		    test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_html_escape, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_no_template, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_strict, test_setup,
		    test_teardown),
		cmocka_unit_test_setup_teardown(test_has_refs, test_setup,
		    test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
