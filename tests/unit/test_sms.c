/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for sms: French and English samples, segment boundaries, escape pairs at part ends, bad UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sms.h"

struct sample {
	const char		*text;
	enum sms_encoding	 encoding;
	size_t			 units;
	size_t			 segments;
};

/*
 * Counted by hand, word by word ("Québec" = 6). GSM-7 holds é è à ù ì ò
 * É Ç Ä Ö Ü Ñ ä ö ü ñ; ê ô â î û ë ç È À ’ « » NBSP en-dash tab and emoji
 * are outside it and switch the whole text to UCS-2. Extension characters
 * (€ { } [ ] ~ | ^ \) cost 2 septets. Emoji outside the BMP cost 2 units.
 */
static const struct sample sms_samples[] = {
	/* Bienvenue 9, sp, à, sp, Rouyn-Noranda 13, ! = 26 */
	{ "Bienvenue \xc3\xa0 Rouyn-Noranda!", SMS_GSM7, 26, 1 },
	/* Welcome 7, sp, to 2, sp, Abitibi-Témiscamingue 21, ! = 33 */
	{ "Welcome to Abitibi-T\xc3\xa9miscamingue!", SMS_GSM7, 33, 1 },
	/* Rappel 6, " : " 3, rendez-vous 11, " à 9 h " 7, demain. 7 = 34 */
	{ "Rappel : rendez-vous \xc3\xa0 9 h demain.", SMS_GSM7, 34, 1 },
	/* Bienvenue 9, sp, au 2, sp, Québec 6 = 19; é is GSM-7 */
	{ "Bienvenue au Qu\xc3\xa9" "bec", SMS_GSM7, 19, 1 },
	/* Bonne 5, sp, Fête 4, sp, nationale! 10 = 21; ê forces UCS-2 */
	{ "Bonne F\xc3\xaate nationale!", SMS_UCS2, 21, 1 },
	/* Un 2, sp, message 7, sp, de 2, sp, l’équipe 8 = 22; ’ forces UCS-2 */
	{ "Un message de l\xe2\x80\x99\xc3\xa9quipe", SMS_UCS2, 22, 1 },
	/* the same with a typewriter apostrophe stays GSM-7 */
	{ "Un message de l'\xc3\xa9quipe", SMS_GSM7, 22, 1 },
	/* « 1, Bienvenue 9, » 1 = 11 */
	{ "\xc2\xab" "Bienvenue" "\xc2\xbb", SMS_UCS2, 11, 1 },
	/* Frais 5, " : 5 " 5, € 2 = 12 septets */
	{ "Frais : 5 \xe2\x82\xac", SMS_GSM7, 12, 1 },
	/* Code 4, sp, { 2, 1234 4, } 2 = 13 septets */
	{ "Code {1234}", SMS_GSM7, 13, 1 },
	/* Bravo 5, sp, 🎉 (U+1F389, a surrogate pair) 2 = 8 units */
	{ "Bravo \xf0\x9f\x8e\x89", SMS_UCS2, 8, 1 },
	/* Votre 5, sp, formulaire 10, sp, est 3, sp, reçu 4 = 25; small ç */
	{ "Votre formulaire est re\xc3\xa7u", SMS_UCS2, 25, 1 },
	/* capital Ç is GSM-7 (0x09): Ç A sp V A = 5 */
	{ "\xc3\x87" "A VA", SMS_GSM7, 5, 1 },
	/* ... small ç is not: ç a sp v a = 5 */
	{ "\xc3\xa7" "a va", SMS_UCS2, 5, 1 },
	/* Hôtel 5, sp, de 2, sp, ville 5 = 14 */
	{ "H\xc3\xb4tel de ville", SMS_UCS2, 14, 1 },
	/* Où 2, sp, êtes-vous? 10 = 13; ù alone would be GSM-7, ê is not */
	{ "O\xc3\xb9 \xc3\xaates-vous?", SMS_UCS2, 13, 1 },
	/* À 1, sp, bientôt 7 = 9; capital À is not GSM-7 (only à is) */
	{ "\xc3\x80 bient\xc3\xb4t", SMS_UCS2, 9, 1 },
	/* Über 4, sp, München 7 = 12 */
	{ "\xc3\x9c" "ber M\xc3\xbcnchen", SMS_GSM7, 12, 1 },
	/* Bonjour 7, LF 1, Merci 5 = 13; LF is GSM-7 */
	{ "Bonjour\nMerci", SMS_GSM7, 13, 1 },
	/* Nom: 4, TAB 1, Valeur 6 = 11; GSM-7 has no tab */
	{ "Nom:\tValeur", SMS_UCS2, 11, 1 },
	/*
	 * [ 2, Rappel 6, ] 2, sp, ~ 2, Yoga 4, ~ 2, sp, | 2, sp, 18 2, sp,
	 * h 1, sp, ^ 2, _ 1, ^ 2, sp, \ 2, o 1, / 1 = 38 septets (27 chars)
	 */
	{ "[Rappel] ~Yoga~ | 18 h ^_^ \\o/", SMS_GSM7, 38, 1 },
	/* an empty text is one (empty) message */
	{ "", SMS_GSM7, 0, 1 },
	/* Noël 4, sp, au 2, sp, Carnaval 8 = 16; ë */
	{ "No\xc3\xabl au Carnaval", SMS_UCS2, 16, 1 },
	/* Crème 5, sp, brûlée 6 = 12; è is GSM-7, û is not */
	{ "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e", SMS_UCS2, 12, 1 },
	/* Prix 4, NBSP 1, : 1, sp, 20 2, sp, $ 1 = 11; French NBSP before : */
	{ "Prix\xc2\xa0: 20 $", SMS_UCS2, 11, 1 },
	/* Année 5, sp, scolaire 8, sp, 2024–2025 9 = 24; en dash */
	{ "Ann\xc3\xa9" "e scolaire 2024\xe2\x80\x93" "2025", SMS_UCS2, 24, 1 },
	/* Δ 1, sp, Ω 1: Greek capitals of the default alphabet */
	{ "\xce\x94 \xce\xa9", SMS_GSM7, 3, 1 },
	/*
	 * "Welcome to Abitibi-Temiscamingue! " 34, "Your newcomer guide is
	 * ready. " 30, "Visit the Rouyn-Noranda welcome centre, 123 Main St,
	 * Mon-Fri 9-5. " 66, "Reply STOP to opt out, HELP for help." 37
	 * = 167 septets > 160: 2 parts (153 + 14).
	 */
	{ "Welcome to Abitibi-Temiscamingue! Your newcomer guide is ready. "
	  "Visit the Rouyn-Noranda welcome centre, 123 Main St, Mon-Fri 9-5. "
	  "Reply STOP to opt out, HELP for help.", SMS_GSM7, 167, 2 },
	/*
	 * "Bienvenue en Abitibi-Témiscamingue! " 36, "Votre rendez-vous
	 * d'accueil est le 3 mai à 9 h au bureau de Val-d'Or, 855 1re
	 * Avenue. " 86, "Apportez vos pièces d'identité. " 32, "Répondez
	 * ARRET pour vous désabonner." 36 = 190 septets: every accent is in
	 * GSM-7, so 2 parts (153 + 37).
	 */
	{ "Bienvenue en Abitibi-T\xc3\xa9miscamingue! Votre rendez-vous "
	  "d'accueil est le 3 mai \xc3\xa0 9 h au bureau de Val-d'Or, 855 1re "
	  "Avenue. Apportez vos pi\xc3\xa8" "ces d'identit\xc3\xa9. "
	  "R\xc3\xa9pondez ARRET pour vous d\xc3\xa9sabonner.", SMS_GSM7, 190, 2 },
	/*
	 * "Bonjour Marie-Ève, " 19, "votre rendez-vous à 9 h est confirmé. "
	 * 38, "Hôtel de ville, 100 rue Principale. " 36, "Répondez ARRET pour
	 * ne plus recevoir de messages." 49 = 142. È and ô make it UCS-2:
	 * 142 > 134, so 3 parts (67 + 67 + 8) where GSM-7 would need 1.
	 */
	{ "Bonjour Marie-\xc3\x88ve, votre rendez-vous \xc3\xa0 9 h est "
	  "confirm\xc3\xa9. H\xc3\xb4tel de ville, 100 rue Principale. "
	  "R\xc3\xa9pondez ARRET pour ne plus recevoir de messages.",
	  SMS_UCS2, 142, 3 },
};

/* A text of up to 4 KiB made of repeated pieces; cleared by text_reset(). */
static char	text[4096];
static size_t	textlen;

static void
text_reset(void)
{
	textlen = 0;
	text[0] = '\0';
}

static void
text_add(const char *piece, size_t times)
{
	size_t	n = strlen(piece);

	while (times-- > 0) {
		assert_true(textlen + n < sizeof text);
		memcpy(text + textlen, piece, n);
		textlen += n;
	}
	text[textlen] = '\0';
}

static void
expect(const char *what, const char *s, size_t len, enum sms_encoding enc,
    size_t units, size_t segments)
{
	struct sms_length	l;

	if (sms_measure(s, len, &l) == -1)
		fail_msg("%s: expected %s/%zu/%zu, got -1", what,
		    sms_encoding_name(enc), units, segments);
	if (l.encoding != enc || l.units != units || l.segments != segments)
		fail_msg("%s: expected %s units=%zu segments=%zu, got %s "
		    "units=%zu segments=%zu", what, sms_encoding_name(enc),
		    units, segments, sms_encoding_name(l.encoding), l.units,
		    l.segments);
}

static void
test_samples(void **state)
{
	size_t	i;

	(void)state;
	assert_true(sizeof sms_samples / sizeof *sms_samples >= 20);
	for (i = 0; i < sizeof sms_samples / sizeof *sms_samples; i++)
		expect(sms_samples[i].text, sms_samples[i].text,
		    strlen(sms_samples[i].text), sms_samples[i].encoding,
		    sms_samples[i].units, sms_samples[i].segments);
}

/* 160 / 161 and 306 / 307 septets. */
static void
test_gsm7_boundaries(void **state)
{
	(void)state;
	text_reset();
	text_add("a", 160);
	expect("160 a", text, textlen, SMS_GSM7, 160, 1);
	text_add("a", 1);
	expect("161 a", text, textlen, SMS_GSM7, 161, 2);
	text_reset();
	text_add("a", 306);
	expect("306 a", text, textlen, SMS_GSM7, 306, 2);
	text_add("a", 1);
	expect("307 a", text, textlen, SMS_GSM7, 307, 3);
	/* 80 euro signs are 160 septets: one message, 81 are two */
	text_reset();
	text_add("\xe2\x82\xac", 80);
	expect("80 euro", text, textlen, SMS_GSM7, 160, 1);
	text_add("\xe2\x82\xac", 1);
	expect("81 euro", text, textlen, SMS_GSM7, 162, 2);
}

/* 70 / 71 and 134 / 135 UTF-16 units. */
static void
test_ucs2_boundaries(void **state)
{
	(void)state;
	text_reset();
	text_add("\xc3\xaa", 70);			/* ê */
	expect("70 e-circumflex", text, textlen, SMS_UCS2, 70, 1);
	text_add("\xc3\xaa", 1);
	expect("71 e-circumflex", text, textlen, SMS_UCS2, 71, 2);
	text_reset();
	text_add("\xc3\xaa", 134);
	expect("134 e-circumflex", text, textlen, SMS_UCS2, 134, 2);
	text_add("\xc3\xaa", 1);
	expect("135 e-circumflex", text, textlen, SMS_UCS2, 135, 3);
	/* 35 emoji are 70 units; 36 are 72 */
	text_reset();
	text_add("\xf0\x9f\x98\x80", 35);
	expect("35 emoji", text, textlen, SMS_UCS2, 70, 1);
	text_add("\xf0\x9f\x98\x80", 1);
	expect("36 emoji", text, textlen, SMS_UCS2, 72, 2);
}

/*
 * An escape and its character never straddle two parts: with 152 septets
 * in part 1, € (2 septets) opens part 2 and part 1 leaves one septet
 * unused. 306 septets then need 3 parts, not 306 / 153 = 2.
 */
static void
test_escape_at_part_end(void **state)
{
	(void)state;
	text_reset();
	text_add("a", 152);
	text_add("\xe2\x82\xac", 1);
	text_add("a", 152);
	expect("152 a, euro, 152 a", text, textlen, SMS_GSM7, 306, 3);
	/* € ending exactly on septet 153 fits: 151 + 2 | 153 */
	text_reset();
	text_add("a", 151);
	text_add("{", 1);
	text_add("a", 153);
	expect("151 a, {, 153 a", text, textlen, SMS_GSM7, 306, 2);
	/* single message: 158 + 2 = 160 fits, 159 + 2 does not */
	text_reset();
	text_add("a", 158);
	text_add("\xe2\x82\xac", 1);
	expect("158 a, euro", text, textlen, SMS_GSM7, 160, 1);
	text_reset();
	text_add("a", 159);
	text_add("\xe2\x82\xac", 1);
	expect("159 a, euro", text, textlen, SMS_GSM7, 161, 2);
	/* every part boundary: 76 x "\\" fill 152 of each 153 */
	text_reset();
	text_add("\\", 153);
	expect("153 backslash", text, textlen, SMS_GSM7, 306, 3);
}

/* The same for a surrogate pair in UCS-2: 66 | 😀 would need 68. */
static void
test_surrogate_at_part_end(void **state)
{
	(void)state;
	text_reset();
	text_add("\xc3\xaa", 66);
	text_add("\xf0\x9f\x98\x80", 1);
	text_add("\xc3\xaa", 66);
	expect("66 e, emoji, 66 e", text, textlen, SMS_UCS2, 134, 3);
	text_reset();
	text_add("\xc3\xaa", 65);
	text_add("\xf0\x9f\x98\x80", 1);
	text_add("\xc3\xaa", 67);
	expect("65 e, emoji, 67 e", text, textlen, SMS_UCS2, 134, 2);
}

/*
 * Cross-checks against the references. Telnyx [G4]: 160 chars = 1
 * segment, 161 = 2 (153 + 8), 306 = 2, 307 = 3, 1530 = 10; a 200-character
 * message is 2 segments in GSM-7 and 3 with one emoji or one curly quote.
 * BenMorel [G1]: "ç is sent as UCS2, while Ç is sent as GSM".
 */
static void
test_references(void **state)
{
	(void)state;
	text_reset();
	text_add("x", 1530);
	expect("G4 1530", text, textlen, SMS_GSM7, 1530, 10);
	text_reset();
	text_add("x", 200);
	expect("G4 200 GSM-7", text, textlen, SMS_GSM7, 200, 2);
	text_reset();
	text_add("x", 199);
	text_add("\xf0\x9f\x98\x80", 1);		/* 199 + 2 = 201: 67 x 3 */
	expect("G4 200 with emoji", text, textlen, SMS_UCS2, 201, 3);
	text_reset();
	text_add("x", 199);
	text_add("\xe2\x80\x9c", 1);			/* “ */
	expect("G4 200 with curly quote", text, textlen, SMS_UCS2, 200, 3);
	expect("G1 small c cedilla", "\xc3\xa7", 2, SMS_UCS2, 1, 1);
	expect("G1 capital C cedilla", "\xc3\x87", 2, SMS_GSM7, 1, 1);
}

/*
 * The 3GPP TS 23.038 default alphabet in table order, 0x00 to 0x7F; 0x1B
 * (escape) is a placeholder. Written independently of sms.c's table.
 */
static const uint32_t gsm7_spec[128] = {
	'@', 0xa3, '$', 0xa5, 0xe8, 0xe9, 0xf9, 0xec,
	0xf2, 0xc7, '\n', 0xd8, 0xf8, '\r', 0xc5, 0xe5,
	0x394, '_', 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8,
	0x3a3, 0x398, 0x39e, 0, 0xc6, 0xe6, 0xdf, 0xc9,
	' ', '!', '"', '#', 0xa4, '%', '&', '\'',
	'(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7',
	'8', '9', ':', ';', '<', '=', '>', '?',
	0xa1, 'A', 'B', 'C', 'D', 'E', 'F', 'G',
	'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
	'X', 'Y', 'Z', 0xc4, 0xd6, 0xd1, 0xdc, 0xa7,
	0xbf, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	'x', 'y', 'z', 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
};
static const uint32_t gsm7_spec_ext[] = {
	'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20ac,
};

static size_t
utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every Unicode scalar value: exactly the 127 + 10 of the spec are GSM-7. */
static void
test_every_code_point(void **state)
{
	struct sms_length	l;
	char			b[4];
	uint32_t		cp;
	size_t			n, i, one = 0, two = 0;
	int			in_spec;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8_put(cp, b);
		if (sms_measure(b, n, &l) == -1)
			fail_msg("U+%04X: valid UTF-8 refused", (unsigned)cp);
		if (l.encoding == SMS_UCS2) {
			if (l.units != (cp > 0xffff ? 2u : 1u))
				fail_msg("U+%04X: %zu UTF-16 units", (unsigned)cp,
				    l.units);
			continue;
		}
		in_spec = 0;
		if (l.units == 1) {
			one++;
			for (i = 0; i < 128; i++)
				if (i != 0x1b && gsm7_spec[i] == cp)
					in_spec = 1;
		} else if (l.units == 2) {
			two++;
			for (i = 0; i < sizeof gsm7_spec_ext /
			    sizeof *gsm7_spec_ext; i++)
				if (gsm7_spec_ext[i] == cp)
					in_spec = 1;
		}
		if (!in_spec)
			fail_msg("U+%04X: GSM-7 with %zu septets, not in the "
			    "spec table", (unsigned)cp, l.units);
	}
	assert_int_equal(one, 127);
	assert_int_equal(two, 10);
}

/* U+0000 is not GSM-7 '@' (0x00): an embedded NUL is measured, not a terminator. */
static void
test_embedded_nul(void **state)
{
	(void)state;
	expect("a NUL b", "a\0b", 3, SMS_UCS2, 3, 1);
	expect("NULL, 0", NULL, 0, SMS_GSM7, 0, 1);
}

static void
test_invalid_utf8(void **state)
{
	static const struct {
		const char	*what;
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ "lone continuation", "a\x80", 2 },
		{ "truncated 2-byte", "\xc3", 1 },
		{ "truncated 3-byte euro", "5 \xe2\x82", 4 },
		{ "truncated 4-byte", "\xf0\x9f\x98", 3 },
		{ "non-continuation", "\xc3" "A", 2 },
		{ "overlong NUL", "\xc0\x80", 2 },
		{ "overlong slash", "\xc1\xaf", 2 },
		{ "overlong 3-byte", "\xe0\x80\xaf", 3 },
		{ "overlong 4-byte", "\xf0\x82\x82\xac", 4 },
		{ "surrogate D800", "\xed\xa0\x80", 3 },
		{ "surrogate DFFF", "\xed\xbf\xbf", 3 },
		{ "above U+10FFFF", "\xf4\x90\x80\x80", 4 },
		{ "F5 lead", "\xf5\x80\x80\x80", 4 },
		{ "F8 lead", "\xf8\x88\x80\x80\x80", 5 },
		{ "FE", "\xfe", 1 },
		{ "FF", "\xff", 1 },
		{ "Latin-1 é", "Qu\xe9" "bec", 6 },
		{ "cut inside a sequence by len", "\xc3\xa9", 1 },
	};
	struct sms_length	l;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&l, 0x55, sizeof l);
		if (sms_measure(bad[i].s, bad[i].len, &l) != -1)
			fail_msg("%s: expected -1, got %s units=%zu", bad[i].what,
			    sms_encoding_name(l.encoding), l.units);
		assert_int_equal(l.units, 0);
		assert_int_equal(l.segments, 0);
	}
	/* the edges that are valid */
	expect("U+FFFF", "\xef\xbf\xbf", 3, SMS_UCS2, 1, 1);
	expect("U+10000", "\xf0\x90\x80\x80", 4, SMS_UCS2, 2, 1);
	expect("U+10FFFF", "\xf4\x8f\xbf\xbf", 4, SMS_UCS2, 2, 1);
	expect("U+0080", "\xc2\x80", 2, SMS_UCS2, 1, 1);
	expect("U+07FF", "\xdf\xbf", 2, SMS_UCS2, 1, 1);
}

static void
test_encoding_name(void **state)
{
	(void)state;
	assert_string_equal(sms_encoding_name(SMS_GSM7), "gsm7");
	assert_string_equal(sms_encoding_name(SMS_UCS2), "ucs2");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_gsm7_boundaries),
		cmocka_unit_test(test_ucs2_boundaries),
		cmocka_unit_test(test_escape_at_part_end),
		cmocka_unit_test(test_surrogate_at_part_end),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_encoding_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
