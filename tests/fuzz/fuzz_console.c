/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the console's request parsing: forms, query strings, cookies, paths, proxies' headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "console_int.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What a decoded value may hold: UTF-8, no control but tab, CR, LF. */
static void
fuzz_console_value(const char *s)
{
	const unsigned char	*p;

	if (utf8_valid(s, strlen(s), NULL) == -1)
		abort();
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') ||
		    *p == 0x7f)
			abort();
}

/* Encoding a value and decoding it gives it back. */
static void
fuzz_console_round_trip(const char *s)
{
	struct buf	 b;
	char		*back;

	buf_init(&b);
	console_url_encode(&b, s);
	if (console_url_decode(b.data != NULL ? b.data : "", b.len, 1,
	    &back) == -1 || strcmp(back, s) != 0)
		abort();
	free(back);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "relais_session", "lang",
	    "relais_flash", "" };
	struct console_args	 a;
	char			*s, *dec, out[200];
	size_t			 i;

	memset(&a, 0, sizeof a);
	if (console_args_parse(&a, (const char *)data, size) == 0) {
		if (a.n > CONSOLE_ARGS_MAX)
			abort();
		for (i = 0; i < a.n; i++) {
			fuzz_console_value(a.names[i]);
			fuzz_console_value(a.values[i]);
			fuzz_console_round_trip(a.values[i]);
			if (console_args_get(&a, a.names[i]) == NULL)
				abort();
		}
		console_args_free(&a);
	} else if (a.n != 0)
		abort();
	if (console_url_decode((const char *)data, size, 0, &dec) == 0) {
		fuzz_console_value(dec);
		free(dec);
	} else if (dec != NULL)
		abort();

	/* the headers and the path, as evhttp gives them: NUL-terminated */
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (console_cookie_get(s, names[i], out, sizeof out) == 0 &&
		    strlen(out) >= sizeof out)
			abort();
	(void)console_proto_https(s);
	if (console_path_ok(s) && (s[0] != '/' || strstr(s, "//") != NULL ||
	    strstr(s, "/../") != NULL || strlen(s) > 256))
		abort();
	(void)console_lang_pick(s);
	free(s);
	return 0;
}
