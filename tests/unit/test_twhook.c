/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for twhook: Twilio's signature vectors, the form parser, SMS keywords. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "twhook.h"

#define DOC_URL		"https://mycompany.com/myapp.php?foo=1&bar=2"

/*
 * The worked example of Twilio's webhook security page, as twilio-node and
 * several ports check it; recomputed with Python's hmac and hashlib.
 */
static const struct twhook_param doc_params[] = {
	{ "To", "+18005551212" },
	{ "From", "+14158675310" },
	{ "Digits", "1234" },
	{ "CallSid", "CA1234567890ABCDE" },
	{ "Caller", "+14158675310" },
};
#define DOC_SIG		"GvWf1cFY/Q7PnoempGyD5oXAezc="
#define DOC_N		(sizeof doc_params / sizeof doc_params[0])

static void
assert_sig(const char *token, const char *url,
    const struct twhook_param *p, size_t n, const char *want)
{
	char	sig[TWHOOK_SIG_SIZE];

	if (twhook_signature(token, url, p, n, sig, sizeof sig) == -1)
		fail_msg("twhook_signature failed for %s", url);
	if (strcmp(sig, want) != 0)
		fail_msg("signature of %s: expected %s, got %s", url, want,
		    sig);
}

static void
test_signature_vectors(void **state)
{
	/* the same call and numbers twilio-python's tests use */
	static const struct twhook_param py[] = {
		{ "CallSid", "CA1234567890ABCDE" },
		{ "Digits", "1234" },
		{ "From", "+14158675309" },
		{ "To", "+18005551212" },
		{ "Caller", "+14158675309" },
	};
	/* twilio-python: duplicates sorted by value; "Sid" before "SidAccount" */
	static const struct twhook_param dup[] = {
		{ "Sid", "CA123" },
		{ "SidAccount", "AC123" },
		{ "Digits", "5678" },
		{ "Digits", "1234" },
	};
	/* computed with Python's hmac, hashlib and base64 only */
	static const struct twhook_param other[] = {
		{ "CallSid", "CA1234567890ABCDE" },
		{ "Caller", "+12349013030" },
		{ "Digits", "1234" },
		{ "From", "+12349013030" },
		{ "To", "+18005551212" },
	};
	static const struct twhook_param sms[] = {
		{ "From", "+18195550123" },
		{ "Body", "ARR\xc3\x8aT" },
	};
	static const struct twhook_param bytes[] = {
		{ "\xc3\x84", "3" },
		{ "a", "1" },
		{ "B", "2" },
	};

	(void)state;
	assert_sig("12345", DOC_URL, doc_params, DOC_N, DOC_SIG);
	assert_sig("12345", DOC_URL, py, 5, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	assert_sig("12345", DOC_URL, dup, 4, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
	/* twilio-python: the same URL with an explicit port */
	assert_sig("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2",
	    py, 5, "kvajT1Ptam85bY51eRf/AJRuM3w=");
	assert_sig("12345", DOC_URL, other, 5,
	    "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	assert_sig("12345", DOC_URL, NULL, 0, "zYQTYrRWXE7LtzbG4PfP7/bkkGo=");
	assert_sig("12345", "https://relais.example.org/hooks/twilio", sms, 2,
	    "IPcDnJ7JdA1gJEEaUS2rkDA+eeE=");
	/* byte order: "B" < "a" < "\xc3\x84" */
	assert_sig("k", "u", bytes, 3, "kiJQG9+OdBVC5PXOx3tykzTu44c=");
}

static void
test_signature_errors(void **state)
{
	char	sig[TWHOOK_SIG_SIZE];

	(void)state;
	assert_int_equal(twhook_signature("12345", DOC_URL, doc_params,
	    DOC_N, sig, TWHOOK_SIG_LEN), -1);
	assert_string_equal(sig, "");
	assert_int_equal(twhook_signature(NULL, DOC_URL, doc_params, DOC_N,
	    sig, sizeof sig), -1);
	assert_int_equal(twhook_signature("12345", NULL, doc_params, DOC_N,
	    sig, sizeof sig), -1);
	/* the caller's array is left in its order */
	assert_int_equal(twhook_signature("12345", DOC_URL, doc_params,
	    DOC_N, sig, sizeof sig), 0);
	assert_string_equal(doc_params[0].name, "To");
}

static void
test_verify(void **state)
{
	struct twhook_param	p[DOC_N];
	char			sig[TWHOOK_SIG_SIZE];
	size_t			i;

	(void)state;
	memcpy(p, doc_params, sizeof p);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N, DOC_SIG),
	    0);

	/* missing, empty, truncated, extended, one bit off */
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N, NULL), -1);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N, ""), -1);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N,
	    "GvWf1cFY/Q7PnoempGyD5oXAezc"), -1);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N,
	    DOC_SIG "="), -1);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N,
	    "GvWf1cFY/Q7PnoempGyD5oXAezd="), -1);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N,
	    "gvWf1cFY/Q7PnoempGyD5oXAezc="), -1);

	/* another token, URL, scheme, query */
	assert_int_equal(twhook_verify("12346", DOC_URL, p, DOC_N, DOC_SIG),
	    -1);
	assert_int_equal(twhook_verify("12345",
	    "http://mycompany.com/myapp.php?foo=1&bar=2", p, DOC_N, DOC_SIG),
	    -1);
	assert_int_equal(twhook_verify("12345",
	    "https://mycompany.com/myapp.php?foo=1&bar=3", p, DOC_N, DOC_SIG),
	    -1);
	assert_int_equal(twhook_verify("12345",
	    "https://mycompany.com/myapp.php", p, DOC_N, DOC_SIG), -1);

	/* a changed, dropped or added parameter */
	p[2].value = "9999";
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N, DOC_SIG),
	    -1);
	memcpy(p, doc_params, sizeof p);
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N - 1,
	    DOC_SIG), -1);
	p[4].name = "caller";		/* names are case-sensitive */
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N, DOC_SIG),
	    -1);
	/* a value moved into its name: same bytes once joined */
	memcpy(p, doc_params, sizeof p);
	p[2].name = "Digits1";
	p[2].value = "234";
	assert_int_equal(twhook_signature("12345", DOC_URL, p, DOC_N, sig,
	    sizeof sig), 0);
	assert_string_equal(sig, DOC_SIG);	/* Twilio's scheme, not ours */

	/* any order in, the same answer */
	for (i = 0; i < DOC_N; i++)
		p[i] = doc_params[DOC_N - 1 - i];
	assert_int_equal(twhook_verify("12345", DOC_URL, p, DOC_N, DOC_SIG),
	    0);
}

static void
assert_form(const char *body, const char *const *want, size_t nwant)
{
	struct twhook_form		*f;
	const struct twhook_param	*p;
	char				 err[128];
	size_t				 n, i;

	if ((f = twhook_form_parse(body, strlen(body), err,
	    sizeof err)) == NULL)
		fail_msg("\"%s\" refused: %s", body, err);
	p = twhook_form_params(f, &n);
	if (n != nwant)
		fail_msg("\"%s\": expected %zu pairs, got %zu", body, nwant,
		    n);
	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, want[2 * i]) != 0 ||
		    strcmp(p[i].value, want[2 * i + 1]) != 0)
			fail_msg("\"%s\" pair %zu: expected %s=%s, got %s=%s",
			    body, i, want[2 * i], want[2 * i + 1], p[i].name,
			    p[i].value);
	twhook_form_free(f);
}

static void
assert_form_bad(const char *body, size_t len)
{
	struct twhook_form	*f;
	char			 err[128] = "";

	if ((f = twhook_form_parse(body, len, err, sizeof err)) != NULL) {
		twhook_form_free(f);
		fail_msg("\"%.*s\" accepted", (int)len, body);
	}
	assert_true(err[0] != '\0');
}

static void
test_form(void **state)
{
	static const char *const sms[] = {
		"Body", "ARR\xc3\x8aT", "From", "+18195550123",
		"To", "+15005550006", "MessageSid", "SM0123",
	};
	static const char *const odd[] = {
		"a", "1", "b", "", "c", "", "d", "x=y", "e f", "g+h&i",
		"%", "100%",
	};
	static const char *const mixed[] = { "k", "\xc3\xa9t\xc3\xa9" };
	static const char *const dup[] = { "Digits", "1", "Digits", "2" };
	struct twhook_form	*f;
	char			 err[128], big[TWHOOK_MAX_BODY + 2];
	size_t			 i, n;

	(void)state;
	assert_form("", NULL, 0);
	assert_form("&&", NULL, 0);
	assert_form("Body=ARR%C3%8AT&From=%2B18195550123&To=%2b15005550006"
	    "&MessageSid=SM0123", sms, 4);
	assert_form("a=1&&b=&c&d=x=y&e+f=g%2Bh%26i&%25=100%25&", odd, 6);
	assert_form("k=%c3%a9t%C3%A9", mixed, 1);
	assert_form("Digits=1&Digits=2", dup, 2);

	assert_form_bad("=x", 2);
	assert_form_bad("a=1&=2", 6);
	assert_form_bad("a=%", 3);
	assert_form_bad("a=%4", 4);
	assert_form_bad("a=%4g", 5);
	assert_form_bad("a=%zz", 5);
	assert_form_bad("a=%00", 5);
	assert_form_bad("a%00=1", 6);
	assert_form_bad("a=1\0b=2", 7);

	/* the lookup and its first match */
	assert_non_null(f = twhook_form_parse("Digits=1&Digits=2&X=",
	    20, err, sizeof err));
	assert_string_equal(twhook_form_get(f, "Digits"), "1");
	assert_string_equal(twhook_form_get(f, "X"), "");
	assert_null(twhook_form_get(f, "digits"));
	assert_null(twhook_form_get(f, "Y"));
	twhook_form_free(f);
	twhook_form_free(NULL);

	/* bounds: the body size and the number of pairs */
	memset(big, 'a', sizeof big);
	big[0] = 'k';
	big[1] = '=';
	assert_non_null(f = twhook_form_parse(big, TWHOOK_MAX_BODY, err,
	    sizeof err));
	assert_int_equal(strlen(twhook_form_get(f, "k")),
	    TWHOOK_MAX_BODY - 2);
	twhook_form_free(f);
	assert_form_bad(big, TWHOOK_MAX_BODY + 1);
	for (i = n = 0; i < TWHOOK_MAX_PARAMS; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "p%zu=%zu&", i,
		    i);
	assert_non_null(f = twhook_form_parse(big, n, err, sizeof err));
	twhook_form_free(f);
	snprintf(big + n, sizeof big - n, "one=more");
	assert_form_bad(big, strlen(big));
}

static void
test_keyword(void **state)
{
	static const struct {
		const char		*body;
		enum twhook_keyword	 kw;
	} cases[] = {
		{ "STOP", TWHOOK_OPTOUT },
		{ "stop", TWHOOK_OPTOUT },
		{ " Stop ", TWHOOK_OPTOUT },
		{ "\tSTOP\r\n", TWHOOK_OPTOUT },
		{ "StopAll", TWHOOK_OPTOUT },
		{ "unsubscribe", TWHOOK_OPTOUT },
		{ "Cancel", TWHOOK_OPTOUT },
		{ "end", TWHOOK_OPTOUT },
		{ "QUIT", TWHOOK_OPTOUT },
		{ "revoke", TWHOOK_OPTOUT },
		{ "OptOut", TWHOOK_OPTOUT },
		{ "ARRET", TWHOOK_OPTOUT },
		{ "ARR\xc3\x8aT", TWHOOK_OPTOUT },		/* ARRÊT */
		{ "arr\xc3\xaat", TWHOOK_OPTOUT },		/* arrêt */
		{ "Arr\xc3\xaate", TWHOOK_OPTOUT },		/* Arrête */
		{ "arre\xcc\x82te", TWHOOK_OPTOUT },	/* e + U+0302 */
		{ "arr\xc3\xa9ter", TWHOOK_OPTOUT },	/* arréter */
		{ "ARRETER", TWHOOK_OPTOUT },
		{ "d\xc3\xa9sabonner", TWHOOK_OPTOUT },	/* désabonner */
		{ "D\xc3\x89SABONNER", TWHOOK_OPTOUT },	/* DÉSABONNER */
		{ "START", TWHOOK_OPTIN },
		{ "start", TWHOOK_OPTIN },
		{ "Yes", TWHOOK_OPTIN },
		{ "UNSTOP", TWHOOK_OPTIN },
		{ "HELP", TWHOOK_HELP },
		{ "info", TWHOOK_HELP },
		{ "Aide", TWHOOK_HELP },
		{ "stop please", TWHOOK_NONE },
		{ "please stop", TWHOOK_NONE },
		{ "STOP STOP", TWHOOK_NONE },
		{ "STOP.", TWHOOK_NONE },
		{ "STOPP", TWHOOK_NONE },
		{ "STO", TWHOOK_NONE },
		{ "S TOP", TWHOOK_NONE },
		{ "oui", TWHOOK_NONE },
		{ "recommencer", TWHOOK_NONE },
		{ "", TWHOOK_NONE },
		{ "   ", TWHOOK_NONE },
		{ "\xcc\x82STOP", TWHOOK_NONE },	/* a mark on nothing */
		{ "ST\xc3\x86OP", TWHOOK_NONE },	/* Æ has no base */
		{ "STOP\xc3", TWHOOK_NONE },		/* truncated UTF-8 */
		{ "\xef\xbc\xb3TOP", TWHOOK_NONE },	/* fullwidth S */
		{ "UNSUBSCRIBEUNSUBSCRIBE", TWHOOK_NONE },
		{ "Bonjour, je voudrais arr\xc3\xaater", TWHOOK_NONE },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (twhook_keyword(cases[i].body) != cases[i].kw)
			fail_msg("\"%s\": expected %s, got %s", cases[i].body,
			    twhook_keyword_name(cases[i].kw),
			    twhook_keyword_name(twhook_keyword(
			    cases[i].body)));
	assert_int_equal(twhook_keyword(NULL), TWHOOK_NONE);
	assert_string_equal(twhook_keyword_name(TWHOOK_OPTOUT), "optout");
	assert_string_equal(twhook_keyword_name(TWHOOK_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vectors),
		cmocka_unit_test(test_signature_errors),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_keyword),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
