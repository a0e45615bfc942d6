/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* jsonw writes what Jansson's json_dumps(JSON_COMPACT) writes, without a tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonw.h"

/* Appends to want what Jansson writes for the C string s. */
static void
test_append_jansson(struct buf *want, const char *s)
{
	json_t	*j;
	char	*one;

	assert_non_null(j = json_string(s));
	assert_non_null(one = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY));
	buf_puts(want, one);
	free(one);
	json_decref(j);
}

/* Every byte that can stand alone, and UTF-8 of 2, 3 and 4 bytes. */
static void
test_escape_as_jansson(void **state)
{
	static const char *const samples[] = { "", "plain", "quote \" back \\",
	    "slash / stays", "tab\tnl\ncr\rbs\bff\f", "\x01\x1f\x7f",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "<p>Bonjour</p>" };
	struct buf	 b;
	json_t		*j;
	char		*want, s[2];
	size_t		 i;
	int		 c;

	(void)state;
	buf_init(&b);
	for (i = 0; i < sizeof samples / sizeof *samples; i++) {
		buf_reset(&b);
		assert_int_equal(jsonw_escape(&b, samples[i],
		    strlen(samples[i])), 0);
		j = json_string(samples[i]);
		want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_string_equal(b.data, want);
		free(want);
		json_decref(j);
	}
	for (c = 1; c < 0x80; c++) {
		s[0] = (char)c;
		s[1] = '\0';
		buf_reset(&b);
		assert_int_equal(jsonw_escape(&b, s, 1), 0);
		j = json_string(s);
		want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_string_equal(b.data, want);
		free(want);
		json_decref(j);
	}
	buf_free(&b);
}

/*
 * Long strings are escaped into room a little larger than they are, grown
 * again as escapes fill it: long runs of 2-, 3- and 4-byte characters and
 * of escapes, after plain text of every length around 4 KiB, as Jansson
 * writes them; bytes that are not UTF-8 far in, or cut at the very end,
 * fail and leave nothing.
 */
static void
test_escape_long(void **state)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80", "\"", "\n" };
	static const char *const tails[] = { "\xc3", "\xff", "\xe2\x82" };
	struct buf	 b, in;
	json_t		*j;
	char		*want;
	size_t		 c, k, pad;

	(void)state;
	buf_init(&b);
	buf_init(&in);
	for (c = 0; c < sizeof chars / sizeof *chars; c++) {
		for (pad = 4090; pad <= 4096; pad++) {
			buf_reset(&in);
			for (k = 0; k < pad; k++)
				buf_putc(&in, k % 97 == 0 ? '"' : 'a');
			for (k = 0; k < 3000; k++)
				buf_puts(&in, chars[c]);
			buf_reset(&b);
			assert_int_equal(jsonw_escape(&b, in.data, in.len), 0);
			j = json_string(in.data);
			want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
			assert_string_equal(b.data, want);
			free(want);
			json_decref(j);
		}
	}
	for (c = 0; c < sizeof tails / sizeof *tails; c++) {
		buf_reset(&in);
		for (k = 0; k < 5000; k++)
			buf_putc(&in, 'a');
		buf_puts(&in, tails[c]);
		buf_reset(&b);
		buf_puts(&b, "x");
		assert_int_equal(jsonw_escape(&b, in.data, in.len), -1);
		assert_string_equal(b.data, "x");
	}
	buf_free(&in);
	buf_free(&b);
}

/*
 * Strings made of pieces that need a look (or not) at every offset, so that
 * the 8-byte skip meets each at each place of a word: as Jansson writes them.
 */
static void
test_escape_offsets(void **state)
{
	static const char *const pieces[] = { "a", "b", "\"", "\\", "\n",
	    "\x01", "\x1f", " ", "\x7f", "/", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80" };
	struct buf	 b;
	json_t		*j;
	char		 s[256], *want;
	size_t		 i, k, len;
	unsigned	 seed = 1;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 3000; i++) {
		len = 0;
		for (k = 0; k < i % 40; k++) {
			const char *pc;

			seed = seed * 1103515245 + 12345;
			/* mostly plain letters, as in a message */
			pc = (seed >> 16) % 4 != 0 ? "x" :
			    pieces[(seed >> 8) % (sizeof pieces / sizeof *pieces)];
			memcpy(s + len, pc, strlen(pc));
			len += strlen(pc);
		}
		s[len] = '\0';
		buf_reset(&b);
		assert_int_equal(jsonw_escape(&b, s, len), 0);
		j = json_string(s);
		want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_string_equal(b.data, want);
		free(want);
		json_decref(j);
	}
	buf_free(&b);
}

/*
 * Short strings go by a path of their own when nothing in them needs a
 * look: every length around its limit, plain or with one byte to escape
 * or one UTF-8 character at its end, appended one after another into one
 * buffer (its room meets each at each place), as Jansson writes them.
 */
static void
test_escape_short(void **state)
{
	static const char *const tails[] = { "", "\"", "\n", "\xc3\xa9" };
	struct buf	 b, want;
	char		 s[80];
	size_t		 len, t;

	(void)state;
	buf_init(&b);
	buf_init(&want);
	for (t = 0; t < sizeof tails / sizeof *tails; t++) {
		for (len = 0; len <= 70; len++) {
			memset(s, 'k', len);
			memcpy(s + len, tails[t], strlen(tails[t]) + 1);
			assert_int_equal(jsonw_escape(&b, s, strlen(s)), 0);
			test_append_jansson(&want, s);
			assert_int_equal(b.len, want.len);
			assert_string_equal(b.data, want.data);
		}
	}
	/* a short string that is not UTF-8 is refused, the buffer as it was */
	assert_int_equal(jsonw_escape(&b, "caf\xe9", 4), -1);
	assert_string_equal(b.data, want.data);
	buf_free(&b);
	buf_free(&want);
}

/*
 * Long strings go 32 bytes at a time, every mark of a chunk taken from
 * its one mask: strings of every length from 32 to 400 bytes, dense with
 * marks (escapes, 2-, 3- and 4-byte characters, so that one crosses each
 * place of a chunk's end), appended after 0 to 40 bytes already in the
 * buffer (its room meets each at each place), as Jansson writes them;
 * and strings of escapes only after 0 to 300 bytes (a chunk's worst
 * meets the room's end). Then a byte that is not UTF-8 at each of the
 * first 80 places of a long string: refused, the buffer as it was.
 */
static void
test_escape_chunks(void **state)
{
	static const char *const pieces[] = { "x", "xyzxyzxyzxyzxyzx", "\"",
	    "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80" };
	static const char *const bad[] = { "\x80", "\xc1\xbf", "\xe2\x82",
	    "\xed\xa0\x80", "\xf5\x80\x80\x80", "\xc3(" };
	struct buf	 b, want;
	char		 s[512];
	size_t		 len, k, pre, at, n;
	unsigned	 seed = 7;

	(void)state;
	buf_init(&b);
	buf_init(&want);
	for (len = 32; len <= 400; len++) {
		for (pre = 0; pre <= 40; pre += 8) {
			n = 0;
			while (n < len) {
				const char *pc;

				seed = seed * 1103515245 + 12345;
				pc = pieces[(seed >> 16) %
				    (sizeof pieces / sizeof *pieces)];
				k = strlen(pc);
				if (n + k > len) {
					pc = "x";
					k = 1;
				}
				memcpy(s + n, pc, k);
				n += k;
			}
			s[n] = '\0';
			buf_free(&b);
			buf_free(&want);
			buf_init(&b);
			buf_init(&want);
			memset(s + n + 1, 'p', pre);
			buf_append(&b, s + n + 1, pre);
			buf_append(&want, s + n + 1, pre);
			assert_int_equal(jsonw_escape(&b, s, n), 0);
			test_append_jansson(&want, s);
			assert_int_equal(b.len, want.len);
			assert_string_equal(b.data, want.data);
		}
	}
	/* escapes only (6 bytes out for one in): a chunk meets the room's end */
	for (pre = 0; pre <= 300; pre++) {
		memset(s, '\x01', 400);
		s[400] = '\0';
		buf_free(&b);
		buf_free(&want);
		buf_init(&b);
		buf_init(&want);
		for (k = 0; k < pre; k++) {
			buf_putc(&b, 'p');
			buf_putc(&want, 'p');
		}
		assert_int_equal(jsonw_escape(&b, s, 400), 0);
		buf_putc(&want, '"');
		for (k = 0; k < 400; k++)
			buf_puts(&want, "\\u0001");
		buf_putc(&want, '"');
		assert_string_equal(b.data, want.data);
	}
	for (k = 0; k < sizeof bad / sizeof *bad; k++) {
		for (at = 0; at < 80; at++) {
			memset(s, 'a', 200);
			s[at / 2] = '"';
			memcpy(s + at, bad[k], strlen(bad[k]));
			s[200] = '\0';
			buf_reset(&b);
			buf_puts(&b, "kept");
			assert_int_equal(jsonw_escape(&b, s, 200), -1);
			assert_string_equal(b.data, "kept");
		}
	}
	buf_free(&b);
	buf_free(&want);
}

/* An object written by hand equals the tree Jansson would dump. */
static void
test_object(void **state)
{
	struct buf	 b;
	struct jsonw	 w;
	json_t		*j;
	char		*want;

	(void)state;
	buf_init(&b);
	jsonw_init(&w, &b);
	jsonw_open(&w, '{');
	assert_int_equal(jsonw_kv(&w, "a", "x"), 0);
	assert_int_equal(jsonw_kv(&w, "skipped", NULL), 0);
	jsonw_key(&w, "list");
	jsonw_open(&w, '[');
	jsonw_int(&w, -42);
	jsonw_bool(&w, 1);
	jsonw_open(&w, '{');
	jsonw_close(&w, '}');
	assert_int_equal(jsonw_str(&w, "y"), 0);
	jsonw_close(&w, ']');
	jsonw_key(&w, "f");
	jsonw_bool(&w, 0);
	jsonw_close(&w, '}');
	j = json_pack("{s:s, s:[i, b, {}, s], s:b}", "a", "x", "list", -42, 1,
	    "y", "f", 0);
	want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(b.data, want);
	free(want);
	json_decref(j);
	buf_free(&b);
}

/* A tree as json_dumps(COMPACT | SORT_KEYS | ENCODE_ANY) writes it. */
static void
test_tree(void **state)
{
	static const char *const docs[] = { "{}", "[]", "\"x\"", "42", "-7",
	    "true", "null", "1.5", "{\"b\": [1, {\"z\": null, \"a\": 2.25}], "
	    "\"a\": \"caf\u00e9 \\\" \\n\", \"c\": false}",
	    "{\"k17\":1,\"k16\":1,\"k15\":1,\"k14\":1,\"k13\":1,\"k12\":1,"
	    "\"k11\":1,\"k10\":1,\"k09\":1,\"k08\":1,\"k07\":1,\"k06\":1,"
	    "\"k05\":1,\"k04\":1,\"k03\":1,\"k02\":1,\"k01\":[]}" };
	struct buf	 b;
	struct jsonw	 w;
	json_t		*j;
	json_error_t	 je;
	char		*want;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof docs / sizeof *docs; i++) {
		assert_non_null(j = json_loads(docs[i], JSON_DECODE_ANY, &je));
		buf_init(&b);
		jsonw_init(&w, &b);
		jsonw_json(&w, j);
		want = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENCODE_ANY);
		assert_string_equal(b.data, want);
		free(want);
		json_decref(j);
		buf_free(&b);
	}
}

/* Bytes that are not UTF-8 are refused and leave nothing behind. */
static void
test_not_utf8(void **state)
{
	static const char *const bad[] = { "caf\xe9", "\xc3", "\xed\xa0\x80",
	    "\xc0\xaf", "ok\xf4\x90\x80\x80" };
	struct buf	 b;
	struct jsonw	 w;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		buf_init(&b);
		jsonw_init(&w, &b);
		jsonw_open(&w, '{');
		assert_int_equal(jsonw_kv(&w, "a", "x"), 0);
		assert_int_equal(jsonw_kv(&w, "b", bad[i]), -1);
		assert_int_equal(jsonw_str(&w, bad[i]), -1);
		assert_null(json_string(bad[i]));
		jsonw_close(&w, '}');
		assert_string_equal(b.data, "{\"a\":\"x\"}");
		buf_free(&b);
	}
}

/*
 * jsonw_kv's short path (a plain key and a plain value of up to 64 bytes,
 * one room check) and its general one write what Jansson writes, first in
 * an object or after a comma, at the bound and past it.
 */
static void
test_kv_paths(void **state)
{
	char		 at64[65], at65[66];
	struct buf	 b;
	struct jsonw	 w;
	json_t		*j;
	char		*want;

	(void)state;
	memset(at64, 'a', 64);
	at64[64] = '\0';
	memset(at65, 'b', 65);
	at65[65] = '\0';
	buf_init(&b);
	jsonw_init(&w, &b);
	jsonw_open(&w, '{');
	assert_int_equal(jsonw_kv(&w, "id", "fu-1"), 0);
	assert_int_equal(jsonw_kv(&w, "empty", ""), 0);
	assert_int_equal(jsonw_kv(&w, "q", "say \"hi\""), 0);
	assert_int_equal(jsonw_kv(&w, "name", "Zo\xc3\xa9"), 0);
	assert_int_equal(jsonw_kv(&w, "k\"ey", "v"), 0);
	assert_int_equal(jsonw_kv(&w, "at64", at64), 0);
	assert_int_equal(jsonw_kv(&w, "at65", at65), 0);
	assert_int_equal(jsonw_kv(&w, "nl", "a\nb"), 0);
	jsonw_close(&w, '}');
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", "fu-1",
	    "empty", "", "q", "say \"hi\"", "name", "Zo\xc3\xa9", "k\"ey",
	    "v", "at64", at64, "at65", at65, "nl", "a\nb");
	want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	free(want);
	json_decref(j);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv_paths),
		cmocka_unit_test(test_escape_as_jansson),
		cmocka_unit_test(test_escape_offsets),
		cmocka_unit_test(test_escape_short),
		cmocka_unit_test(test_escape_chunks),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_escape_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
