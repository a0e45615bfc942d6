/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* buf: growth past its capacity, reserve, steal, reset; the x* helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* b holds exactly len bytes, want, and the NUL after them. */
static void
test_holds(const struct buf *b, const char *want, size_t len)
{
	assert_non_null(b->data);
	if (b->len != len)
		fail_msg("expected len %zu, got %zu", len, b->len);
	assert_true(b->cap > b->len);
	assert_memory_equal(b->data, want, len);
	assert_int_equal(b->data[len], '\0');
}

/* The first append takes 64 bytes; the 64th byte (with its NUL) doubles it. */
static void
test_append_boundary(void **state)
{
	char		 want[200];
	struct buf	 b;

	(void)state;
	memset(want, 'a', sizeof want);
	buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_append(&b, want, 63);
	test_holds(&b, want, 63);
	assert_int_equal(b.cap, 64);
	buf_append(&b, "a", 1);
	test_holds(&b, want, 64);
	assert_int_equal(b.cap, 128);
	/* far past the capacity in one go: doubled until it fits */
	buf_append(&b, want, 136);
	test_holds(&b, want, 200);
	assert_int_equal(b.cap, 256);
	/* nothing appended still leaves a terminated buffer */
	buf_append(&b, "x", 0);
	test_holds(&b, want, 200);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);

	/* an empty append on a fresh buffer makes "" */
	buf_init(&b);
	buf_append(&b, NULL, 0);
	test_holds(&b, "", 0);
	buf_free(&b);
}

/* putc and puts cross the boundary byte by byte as append does. */
static void
test_putc_puts(void **state)
{
	char		 want[130];
	struct buf	 b;
	size_t		 i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < sizeof want; i++) {
		want[i] = (char)('a' + i % 26);
		buf_putc(&b, want[i]);
		test_holds(&b, want, i + 1);
		assert_int_equal(b.cap, i + 1 < 64 ? 64 : i + 1 < 128 ? 128 :
		    256);
	}
	buf_reset(&b);
	buf_puts(&b, "caf\xc3\xa9");
	buf_puts(&b, "");
	buf_puts(&b, " au lait");
	test_holds(&b, "caf\xc3\xa9 au lait", 13);
	buf_free(&b);
}

/* Bytes are bytes: a NUL inside is kept, and the terminator is after len. */
static void
test_embedded_nul(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	buf_append(&b, "a\0b", 3);
	buf_putc(&b, '\0');
	buf_putc(&b, 'c');
	test_holds(&b, "a\0b\0c", 5);
	assert_int_equal(strlen(b.data), 1);
	buf_free(&b);
}

/*
 * printf output of every length from 0 to 300 after a prefix of every
 * length around the first two boundaries: what snprintf writes, the
 * length counted right, the NUL in place.
 */
static void
test_printf_boundary(void **state)
{
	static const size_t	 starts[] = { 0, 1, 30, 62, 63, 64, 65, 100,
	    126, 127, 128 };
	char			 fill[400], want[800];
	struct buf		 b;
	size_t			 s, n;
	int			 w;

	(void)state;
	memset(fill, 'x', sizeof fill);
	for (s = 0; s < sizeof starts / sizeof *starts; s++) {
		for (n = 0; n <= 300; n++) {
			buf_init(&b);
			buf_append(&b, fill, starts[s]);
			buf_printf(&b, "%.*s|%zu", (int)n, fill + 1, n);
			memset(want, 'x', starts[s]);
			w = snprintf(want + starts[s], sizeof want - starts[s],
			    "%.*s|%zu", (int)n, fill + 1, n);
			test_holds(&b, want, starts[s] + (size_t)w);
			buf_free(&b);
		}
	}
}

/* Several printfs in a row, some longer than the room left, some not. */
static void
test_printf_sequence(void **state)
{
	char		 big[5000];
	struct buf	 b;

	(void)state;
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_init(&b);
	buf_printf(&b, "%d", -42);
	buf_printf(&b, "%s", "");
	buf_printf(&b, " %s=%c", "k", 'v');
	test_holds(&b, "-42 k=v", 7);
	buf_printf(&b, "%s", big);
	assert_int_equal(b.len, 7 + sizeof big - 1);
	assert_int_equal(strlen(b.data), b.len);
	assert_int_equal(strncmp(b.data, "-42 k=vqqq", 10), 0);
	assert_int_equal(b.data[b.len - 1], 'q');
	buf_printf(&b, "%s", "!");
	assert_int_equal(b.data[b.len - 1], '!');
	assert_int_equal(strlen(b.data), b.len);
	buf_free(&b);
}

/* Reserved room takes the appends that fit without moving the data. */
static void
test_reserve(void **state)
{
	char		 want[300];
	struct buf	 b;
	char		*p;

	(void)state;
	memset(want, 'r', sizeof want);
	buf_init(&b);
	buf_reserve(&b, 100);
	assert_non_null(p = b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");	/* reserved is "" already */
	assert_int_equal(b.cap, 128);
	buf_append(&b, want, 100);
	buf_append(&b, want, 27);
	test_holds(&b, want, 127);
	assert_ptr_equal(b.data, p);
	assert_int_equal(b.cap, 128);
	/* room already there: nothing changes */
	buf_reserve(&b, 0);
	assert_int_equal(b.cap, 128);
	/* one more byte than the room: the next power of two */
	buf_reserve(&b, 1);
	assert_int_equal(b.cap, 256);
	test_holds(&b, want, 127);
	buf_reserve(&b, 1000);
	assert_int_equal(b.cap, 2048);
	test_holds(&b, want, 127);
	buf_free(&b);
}

/* Reset keeps the memory (no new allocation for the next use). */
static void
test_reset_keeps_memory(void **state)
{
	char		 want[100];
	struct buf	 b;
	char		*p;

	(void)state;
	memset(want, 'm', sizeof want);
	buf_init(&b);
	buf_reset(&b);
	assert_null(b.data);
	buf_append(&b, want, sizeof want);
	p = b.data;
	buf_reset(&b);
	assert_ptr_equal(b.data, p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 128);
	assert_string_equal(b.data, "");
	buf_append(&b, want, sizeof want);
	assert_ptr_equal(b.data, p);
	test_holds(&b, want, sizeof want);
	buf_free(&b);
}

/* Steal hands the data over and leaves an empty buffer to reuse. */
static void
test_steal(void **state)
{
	struct buf	 b;
	char		*s;
	size_t		 len = 99;

	(void)state;
	/* never written: "" all the same, never NULL */
	buf_init(&b);
	assert_non_null(s = buf_steal(&b, &len));
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_null(b.data);
	free(s);

	buf_printf(&b, "id=%d", 7);
	buf_append(&b, "\0x", 2);
	s = buf_steal(&b, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(s, "id=7\0x", 7);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* the buffer starts over, the stolen string is untouched */
	buf_puts(&b, "next");
	assert_string_equal(b.data, "next");
	assert_memory_equal(s, "id=7\0x", 7);
	free(s);
	s = buf_steal(&b, NULL);
	assert_string_equal(s, "next");
	free(s);
}

/* xstrndup copies exactly n bytes (NULs too) and terminates them. */
/* The five characters HTML gives meaning to, escaped; the rest as is. */
static void
test_html(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	buf_html(&b, "a<b>&\"c\" 'd' é");
	assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39; é");
	buf_reset(&b);
	buf_puts(&b, "");
	buf_html(&b, "");
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_xstr(void **state)
{
	char	*p;
	int	*z;
	size_t	 i;

	(void)state;
	p = xstrndup("bonjour", 3);
	assert_string_equal(p, "bon");
	free(p);
	p = xstrndup("bonjour", 0);
	assert_string_equal(p, "");
	free(p);
	p = xstrndup("a\0b", 3);
	assert_memory_equal(p, "a\0b", 4);
	free(p);
	p = xstrndup("exact", 5);
	assert_string_equal(p, "exact");
	free(p);
	p = xstrdup("");
	assert_string_equal(p, "");
	free(p);
	p = xstrdup("caf\xc3\xa9");
	assert_string_equal(p, "caf\xc3\xa9");
	free(p);
	/* zero sizes still give a pointer to free */
	assert_non_null(p = xmalloc(0));
	free(p);
	z = xcalloc(16, sizeof *z);
	for (i = 0; i < 16; i++)
		assert_int_equal(z[i], 0);
	z[15] = 5;
	z = xrealloc(z, 32 * sizeof *z);
	assert_int_equal(z[15], 5);
	free(z);
	assert_non_null(p = xcalloc(0, 0));
	free(p);
}

/* As snprintf(out, outlen, "%s:%s", a, b) at every room, the length too. */
static void
test_join(void **state)
{
	static const char *const v[][2] = { { "abitibi", "2026-11" },
	    { "", "x" }, { "email", "" }, { "", "" } };
	char	 got[16], want[16];
	size_t	 i, room, n;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		for (room = 1; room <= sizeof got; room++) {
			memset(got, 'x', sizeof got);
			n = buf_join(got, room, v[i][0], ':', v[i][1]);
			assert_int_equal(n, (size_t)snprintf(want, room, "%s:%s",
			    v[i][0], v[i][1]));
			assert_string_equal(got, want);
		}
	}
	/* no room at all: nothing written, the length still told */
	assert_int_equal(buf_join(NULL, 0, "ab", ':', "c"), 4);
}

/* As snprintf(out, outlen, "%s", s) at every room, the length too. */
static void
test_copy(void **state)
{
	static const char *const v[] = { "1796404256712-1", "", "x",
	    "a reason longer than the room" };
	char	 got[16], want[16];
	size_t	 i, room, n;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		for (room = 1; room <= sizeof got; room++) {
			memset(got, 'x', sizeof got);
			n = buf_copy(got, room, v[i]);
			assert_int_equal(n, (size_t)snprintf(want, room, "%s",
			    v[i]));
			assert_string_equal(got, want);
		}
	}
	/* no room at all: nothing written, the length still told */
	assert_int_equal(buf_copy(NULL, 0, "abc"), 3);
}

/* buf_fmt_ll writes what snprintf "%lld" does, the extremes too. */
static void
test_fmt_ll(void **state)
{
	static const long long	 v[] = { 0, 1, -1, 9, 10, -10, 42,
	    1796315655537LL, -9007199254740993LL, LLONG_MAX, LLONG_MIN };
	char			 got[BUF_LL_SIZE], want[64];
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		snprintf(want, sizeof want, "%lld", v[i]);
		n = buf_fmt_ll(got, v[i]);
		assert_string_equal(got, want);
		assert_int_equal(n, strlen(want));
	}
	assert_int_equal(buf_fmt_ll(got, LLONG_MIN), BUF_LL_SIZE - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_boundary),
		cmocka_unit_test(test_putc_puts),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_printf_boundary),
		cmocka_unit_test(test_printf_sequence),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reset_keeps_memory),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_xstr),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_fmt_ll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
