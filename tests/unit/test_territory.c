/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for territory: name folding, lookup by id and municipality, clashes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "territory.h"

static void
test_fold_is(const char *in, const char *want)
{
	char	out[256];

	territory_fold(in, out, sizeof out);
	if (strcmp(out, want) != 0)
		fail_msg("fold(\"%s\"): expected \"%s\", got \"%s\"", in, want,
		    out);
}

static void
test_fold(void **state)
{
	(void)state;
	test_fold_is("Val-d'Or", "valdor");
	test_fold_is("val d or", "valdor");
	test_fold_is("VAL-D\xe2\x80\x99OR", "valdor");	/* U+2019 */
	test_fold_is("Val-d\xe2\x80\x98Or", "valdor");	/* U+2018 */
	test_fold_is("Val\xe2\x80\x93" "d'Or", "valdor"); /* en dash */
	test_fold_is("Rouyn Noranda", "rouynnoranda");
	test_fold_is("Rouyn-Noranda", "rouynnoranda");
	test_fold_is("Ville-Marie", "villemarie");
	test_fold_is("\xc3\x89vain", "evain");		/* Évain */
	test_fold_is("\xc3\xa9vain", "evain");		/* évain */
	test_fold_is("E\xcc\x81vain", "evain");		/* E + combining acute */
	test_fold_is("\xc5\x92", "oe");			/* Œ */
	test_fold_is("\xc5\x93", "oe");			/* œ */
	test_fold_is("C\xc5\x93ur", "coeur");
	test_fold_is("\xc5\x92UVRE", "oeuvre");
	test_fold_is("", "");
	test_fold_is("  - ' ,. ", "");
	test_fold_is("Saint-F\xc3\xa9lix-de-Dalquier", "saintfelixdedalquier");
	test_fold_is("Sainte-H\xc3\xa9l\xc3\xa8ne-de-Mancebourg",
	    "saintehelenedemancebourg");
	test_fold_is("Hunter's Point", "hunterspoint");
	test_fold_is("Senneterre, paroisse", "senneterreparoisse");
	test_fold_is("Fug\xc3\xa8reville", "fugereville");
	test_fold_is("B\xc3\xa9" "arn", "bearn");
	test_fold_is("N\xc3\xa9" "d\xc3\xa9lec", "nedelec");
	test_fold_is("\xc3\x80\xc3\x82\xc3\x84\xc3\x87\xc3\x88\xc3\x8a\xc3\x8b"
	    "\xc3\x8e\xc3\x8f\xc3\x94\xc3\x99\xc3\x9b\xc3\x9c\xc3\xbf",
	    "aaaceeeiiouuuy");				/* ÀÂÄÇÈÊËÎÏÔÙÛÜÿ */
	test_fold_is("Route 117", "route117");
	test_fold_is("\xc2\xab" "Amos\xc2\xbb", "amos");	/* «Amos» */
	test_fold_is("a\xc3\x97" "b\xc3\xb7" "c", "abc");	/* × ÷ dropped */
	test_fold_is("\xe4\xb8\xad" "x", "x");		/* CJK dropped */
	test_fold_is("\xf0\x9f\x98\x80" "x", "x");	/* emoji dropped */
	/* broken UTF-8 never runs past the end */
	test_fold_is("ab\xc3", "ab");
	test_fold_is("ab\xe2\x80", "ab");
	test_fold_is("\xff" "a\x80" "b", "ab");
}

static void
test_fold_bounds(void **state)
{
	char	out[8];

	(void)state;
	memset(out, 'Z', sizeof out);
	assert_ptr_equal(territory_fold("Val-d'Or", out, 4), out);
	assert_string_equal(out, "val");
	assert_int_equal(out[4], 'Z');
	territory_fold("Val-d'Or", out, 1);
	assert_string_equal(out, "");
	memset(out, 'Z', sizeof out);
	territory_fold("Val-d'Or", out, 0);		/* nothing written */
	assert_int_equal(out[0], 'Z');
	/* œ -> "oe" needs two bytes; with one left only "o" fits */
	territory_fold("\xc5\x93", out, 2);
	assert_string_equal(out, "o");
	territory_fold("\xc5\x93", out, 3);
	assert_string_equal(out, "oe");
}

/* Upper-cases ASCII and the Latin-1 / Œ letters, in UTF-8. */
static void
test_upper(const char *in, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 o = 0;
	unsigned		 cp;

	while (*s != '\0' && o + 3 < outlen) {
		if (*s >= 'a' && *s <= 'z') {
			out[o++] = (char)(*s++ - 'a' + 'A');
			continue;
		}
		if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
			cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
			if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
				cp -= 0x20;
			else if (cp == 0x153)
				cp = 0x152;
			out[o++] = (char)(0xC0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3F));
			s += 2;
			continue;
		}
		out[o++] = (char)*s++;
	}
	out[o] = '\0';
}

/* Replaces the accented letters used in Québec names by their base letter. */
static void
test_strip(const char *in, char *out, size_t outlen)
{
	static const struct { const char *from, *to; } map[] = {
		{ "\xc3\xa9", "e" }, { "\xc3\xa8", "e" }, { "\xc3\xaa", "e" },
		{ "\xc3\xab", "e" }, { "\xc3\x89", "E" }, { "\xc3\x88", "E" },
		{ "\xc3\xa0", "a" }, { "\xc3\xa2", "a" }, { "\xc3\x80", "A" },
		{ "\xc3\xa7", "c" }, { "\xc3\x87", "C" }, { "\xc3\xae", "i" },
		{ "\xc3\xaf", "i" }, { "\xc3\xb4", "o" }, { "\xc3\xb9", "u" },
		{ "\xc3\xbb", "u" }, { "\xc3\xbc", "u" }, { "\xc5\x93", "oe" },
	};
	size_t	o = 0, k;

	while (*in != '\0' && o + 3 < outlen) {
		for (k = 0; k < sizeof map / sizeof *map; k++) {
			if (strncmp(in, map[k].from, 2) == 0)
				break;
		}
		if (k < sizeof map / sizeof *map) {
			o += (size_t)snprintf(out + o, outlen - o, "%s",
			    map[k].to);
			in += 2;
		} else
			out[o++] = *in++;
	}
	out[o] = '\0';
}

/* Hyphens to spaces, apostrophes to U+2019: how people also type names. */
static void
test_punct(const char *in, char *out, size_t outlen)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 4 < outlen; in++) {
		if (*in == '-')
			out[o++] = ' ';
		else if (*in == '\'') {
			memcpy(out + o, "\xe2\x80\x99", 3);
			o += 3;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
}

static void
test_expect_muni(const struct territory_set *s, const char *name,
    const struct territory *want)
{
	const struct territory	*got;

	got = territory_find_municipality(s, name);
	if (got != want)
		fail_msg("municipality \"%s\": expected territory %s, got %s",
		    name, want != NULL ? want->id : "(none)",
		    got != NULL ? got->id : "(none)");
}

static struct config *
test_shipped(struct diag *d)
{
	struct config	*cf;
	size_t		 i;

	diag_init(d);
	cf = config_load("config/relais.yaml", d);
	for (i = 0; i < d->n; i++)
		print_message("%s\n", d->msgs[i]);
	assert_non_null(cf);
	return cf;
}

static void
test_find_id(void **state)
{
	static const char *const ids[] = { "abitibi", "abitibi-ouest",
	    "vallee-de-l-or", "temiscamingue", "rouyn-noranda", "region" };
	const struct territory	*t;
	struct config		*cf;
	struct diag		 d;
	size_t			 i;

	(void)state;
	cf = test_shipped(&d);
	assert_int_equal(territory_set_count(cf->territories), 6);
	for (i = 0; i < sizeof ids / sizeof *ids; i++) {
		t = territory_find(cf->territories, ids[i]);
		assert_non_null(t);
		assert_string_equal(t->id, ids[i]);
		/* config order is kept */
		assert_ptr_equal(territory_set_at(cf->territories, i), t);
	}
	assert_null(territory_set_at(cf->territories, 6));
	assert_null(territory_set_at(cf->territories, (size_t)-1));
	/* ids match exactly, without folding */
	assert_null(territory_find(cf->territories, "ABITIBI"));
	assert_null(territory_find(cf->territories, "vallee de l or"));
	assert_null(territory_find(cf->territories, ""));
	assert_null(territory_find(cf->territories, "Amos"));

	t = territory_find(cf->territories, "vallee-de-l-or");
	assert_string_equal(t->name_fr, "MRC de La Vall\xc3\xa9" "e-de-l'Or");
	assert_string_equal(t->name_en, "La Vall\xc3\xa9" "e-de-l'Or RCM");
	assert_string_equal(t->language, "fr");
	assert_string_equal(t->email_from, "accueil@valleedelor.example");
	assert_string_equal(t->sms_from, "+18195550103");
	assert_string_equal(json_string_value(json_object_get(t->vars,
	    "phone")), "819 555-0103");
	assert_string_equal(json_string_value(json_object_get(t->vars,
	    "id")), "vallee-de-l-or");
	/* the region territory has no municipality of its own */
	assert_int_equal(territory_find(cf->territories,
	    "region")->nmunicipalities, 0);
	config_free(cf);
	diag_free(&d);
}

/* Every municipality of the shipped config, and its usual variants, resolves. */
static void
test_find_every_municipality(void **state)
{
	const struct territory	*t;
	struct config		*cf;
	struct diag		 d;
	char			 v[512], w[512];
	size_t			 i, j, total = 0;

	(void)state;
	cf = test_shipped(&d);
	for (i = 0; i < territory_set_count(cf->territories); i++) {
		t = territory_set_at(cf->territories, i);
		for (j = 0; j < t->nmunicipalities; j++) {
			const char *m = t->municipalities[j];

			test_expect_muni(cf->territories, m, t);
			test_upper(m, v, sizeof v);
			test_expect_muni(cf->territories, v, t);
			test_strip(m, v, sizeof v);
			test_expect_muni(cf->territories, v, t);
			test_upper(v, w, sizeof w);
			test_expect_muni(cf->territories, w, t);
			test_punct(m, v, sizeof v);
			test_expect_muni(cf->territories, v, t);
			snprintf(v, sizeof v, "  %s ", m);
			test_expect_muni(cf->territories, v, t);
			total++;
		}
	}
	/* official names, then aliases (former municipalities, spellings) */
	assert_int_equal(total, (18 + 3) + 23 + (12 + 5) + (25 + 4) + (1 + 15));

	/* spot checks of variants people type */
	t = territory_find(cf->territories, "vallee-de-l-or");
	test_expect_muni(cf->territories, "val d or", t);
	test_expect_muni(cf->territories, "VAL-D\xe2\x80\x99OR", t);
	test_expect_muni(cf->territories, "Valdor", t);
	t = territory_find(cf->territories, "rouyn-noranda");
	test_expect_muni(cf->territories, "Rouyn Noranda", t);
	test_expect_muni(cf->territories, "evain", t);
	test_expect_muni(cf->territories, "\xc3\x89VAIN", t);
	test_expect_muni(cf->territories, "d alembert", t);
	t = territory_find(cf->territories, "temiscamingue");
	test_expect_muni(cf->territories, "ville marie", t);
	test_expect_muni(cf->territories, "Temiscaming", t);
	test_expect_muni(cf->territories, "Hunters Point", t);
	test_expect_muni(cf->territories, "Saint-Edouard-de-Fabre", t);

	/* not listed, or folding to nothing */
	test_expect_muni(cf->territories, "Montr\xc3\xa9" "al", NULL);
	test_expect_muni(cf->territories, "Val", NULL);
	test_expect_muni(cf->territories, "Val-d'Or-Est", NULL);
	test_expect_muni(cf->territories, "", NULL);
	test_expect_muni(cf->territories, " - ' ", NULL);
	test_expect_muni(cf->territories, "\xe2\x80\x99", NULL);
	config_free(cf);
	diag_free(&d);
}

/* A territory built by hand; municipalities are copied. */
static struct territory *
test_territory(const char *id, const char *const *munis, size_t n)
{
	struct territory	*t;
	size_t			 i;

	t = xcalloc(1, sizeof *t);
	t->id = xstrdup(id);
	t->name_fr = xstrdup(id);
	t->name_en = xstrdup(id);
	t->language = xstrdup("fr");
	t->municipalities = xcalloc(n + 1, sizeof *t->municipalities);
	for (i = 0; i < n; i++)
		t->municipalities[i] = xstrdup(munis[i]);
	t->nmunicipalities = n;
	return t;
}

static void
test_clash(void **state)
{
	static const char *const a_munis[] = { "Val-d'Or", "Malartic" };
	static const char *const b_munis[] = { "Barraute", "VAL D\xe2\x80\x99OR" };
	static const char *const c_munis[] = { "Amos", "AMOS" };
	static const char *const e_munis[] = { "Launay", " - ' " };
	static const char *const ok_munis[] = { "Amos", "Ville-Marie" };
	struct territory_set	*s;
	struct territory	*a, *b, *c, *dup, *e, *ok;
	const char		*clash;

	(void)state;
	s = territory_set_new();
	assert_int_equal(territory_set_count(s), 0);
	assert_null(territory_find_municipality(s, "Amos"));
	a = test_territory("a", a_munis, 2);
	clash = NULL;
	assert_int_equal(territory_set_add(s, a, &clash), 0);
	assert_null(clash);

	/* the same municipality spelled differently, in another territory */
	b = test_territory("b", b_munis, 2);
	assert_int_equal(territory_set_add(s, b, &clash), -1);
	assert_string_equal(clash, "VAL D\xe2\x80\x99OR");
	/* the failed add left the set as it was: Barraute not registered */
	assert_int_equal(territory_set_count(s), 1);
	assert_null(territory_find(s, "b"));
	assert_null(territory_find_municipality(s, "Barraute"));
	assert_ptr_equal(territory_find_municipality(s, "val d'or"), a);
	territory_free(b);

	/* twice in the same territory */
	c = test_territory("c", c_munis, 2);
	assert_int_equal(territory_set_add(s, c, &clash), -1);
	assert_string_equal(clash, "AMOS");
	territory_free(c);

	/* the same id twice */
	dup = test_territory("a", ok_munis, 2);
	assert_int_equal(territory_set_add(s, dup, &clash), -1);
	assert_string_equal(clash, "a");
	territory_free(dup);

	/* a name that folds to nothing cannot be matched: refused */
	e = test_territory("e", e_munis, 2);
	assert_int_equal(territory_set_add(s, e, &clash), -1);
	assert_string_equal(clash, " - ' ");
	territory_free(e);

	ok = test_territory("ok", ok_munis, 2);
	assert_int_equal(territory_set_add(s, ok, &clash), 0);
	assert_int_equal(territory_set_count(s), 2);
	assert_ptr_equal(territory_set_at(s, 1), ok);
	assert_ptr_equal(territory_find(s, "ok"), ok);
	assert_ptr_equal(territory_find_municipality(s, "amos"), ok);
	assert_ptr_equal(territory_find_municipality(s, "villemarie"), ok);
	assert_ptr_equal(territory_find_municipality(s, "MALARTIC"), a);
	territory_set_free(s);

	territory_set_free(NULL);
	territory_free(NULL);
}

/* Territories without municipalities (a region-wide one) are fine, even first. */
static void
test_no_municipalities(void **state)
{
	static const char *const munis[] = { "Amos" };
	struct territory_set	*s;
	struct territory	*region, *t;
	const char		*clash;

	(void)state;
	s = territory_set_new();
	region = test_territory("region", NULL, 0);
	assert_int_equal(territory_set_add(s, region, &clash), 0);
	assert_null(territory_find_municipality(s, "Amos"));
	t = test_territory("abitibi", munis, 1);
	assert_int_equal(territory_set_add(s, t, &clash), 0);
	assert_ptr_equal(territory_find_municipality(s, "amos"), t);
	assert_ptr_equal(territory_find(s, "region"), region);
	territory_set_free(s);
}

/* Lookups stay right as the sorted index grows past a few entries. */
static void
test_many(void **state)
{
	struct territory_set	*s;
	struct territory	*t;
	const char		*clash, *munis[1];
	char			 id[32], name[32];
	int			 i;

	(void)state;
	s = territory_set_new();
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "t%d", i);
		snprintf(name, sizeof name, "Ville %d", (i * 37) % 200);
		munis[0] = name;
		t = test_territory(id, munis, 1);
		assert_int_equal(territory_set_add(s, t, &clash), 0);
	}
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "t%d", i);
		snprintf(name, sizeof name, "VILLE-%d", (i * 37) % 200);
		assert_ptr_equal(territory_find_municipality(s, name),
		    territory_find(s, id));
	}
	assert_null(territory_find_municipality(s, "Ville 200"));
	territory_set_free(s);
}

/*
 * The shipped territories against the reference list of region 08
 * (tests/data/municipalities-08.tsv: the MAMH repertory and StatCan's
 * Indian settlements): every entry resolves to its territory under its
 * official name, and the shipped list has nothing else but aliases.
 */
static void
test_official_names(void **state)
{
	const struct territory	*t;
	struct config		*cf;
	struct diag		 d;
	FILE			*fp;
	char			 line[512], *f[4], *p;
	size_t			 n = 0, k, officials = 0;

	(void)state;
	cf = test_shipped(&d);
	fp = fopen("tests/data/municipalities-08.tsv", "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		for (k = 0, p = line; k < 4 && p != NULL; k++) {
			f[k] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		assert_int_equal(k, 4);
		if (strcmp(f[0], "territory") == 0)
			continue;
		t = territory_find(cf->territories, f[0]);
		assert_non_null(t);
		test_expect_muni(cf->territories, f[2], t);
		/* two entities are named Senneterre: the town keeps the name */
		assert_string_equal(territory_municipality_name(cf->territories,
		    f[2]), f[2]);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 79);
	for (k = 0; k < territory_set_count(cf->territories); k++) {
		t = territory_set_at(cf->territories, k);
		for (n = 0; n < t->nmunicipalities; n++)
			officials += strcmp(t->municipalities[n],
			    t->officials[n]) == 0;
	}
	/* the 79, the Senneterre parish under a name of its own */
	assert_int_equal(officials, 79);
	/* whatever came in, the official name goes out */
	assert_string_equal(territory_municipality_name(cf->territories,
	    "VILLE MARIE"), "Ville-Marie");
	assert_string_equal(territory_municipality_name(cf->territories,
	    "evain"), "Rouyn-Noranda");
	assert_string_equal(territory_municipality_name(cf->territories,
	    "Saint-Felix-de-Dalquier"), "Amos");
	assert_string_equal(territory_municipality_name(cf->territories,
	    "Eagle Village"), "Kebaowek");
	assert_string_equal(territory_municipality_name(cf->territories,
	    "paroisse de senneterre"), "Senneterre (paroisse)");
	assert_null(territory_municipality_name(cf->territories,
	    "Gatineau"));
	config_free(cf);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_bounds),
		cmocka_unit_test(test_find_id),
		cmocka_unit_test(test_find_every_municipality),
		cmocka_unit_test(test_official_names),
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_no_municipalities),
		cmocka_unit_test(test_many),
	};

	unsetenv("RELAIS_REDIS_URL");
	unsetenv("RELAIS_EMAIL_GATEWAY");
	unsetenv("RELAIS_SMS_GATEWAY");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
