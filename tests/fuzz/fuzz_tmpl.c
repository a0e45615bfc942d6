/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for tmpl: any source compiles or explains, and renders without harm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "tmpl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Every kind of value, nested names, a list to iterate and HTML to escape. */
static const char fuzz_tmpl_ctx[] =
    "{\"first_name\":\"Amina\",\"html\":\"<b>\\\"Tom\\\" & 'Jerry'</b>\","
    "\"n\":42,\"r\":1.21,\"yes\":true,\"no\":false,\"nil\":null,"
    "\"empty\":[],\"blank\":\"\",\"zero\":0,"
    "\"list\":[{\"x\":1,\"name\":\"a\"},{\"x\":\"<2>\"}],"
    "\"territory\":{\"signature\":\"L'équipe\",\"phone\":\"819-555-0100\","
    "\"website\":\"https://example.org/?a=1&b=2\",\"a\":{\"b\":{\"c\":\"deep\"}}}}";

static json_t	*fuzz_tmpl_data;

/* Every partial is the template itself, so the nesting limits are what ends a render. */
static const struct tmpl *
fuzz_tmpl_partial(void *arg, const char *name)
{
	(void)name;
	return arg;
}

static void
fuzz_tmpl_missing(void *arg, const char *name)
{
	(void)arg;
	if (name == NULL || name[0] == '\0')
		abort();
}

/* Names ending in "_d" are derived: their own name, as a string. */
static json_t *
fuzz_tmpl_derive(void *arg, const json_t *o, const char *name)
{
	size_t	len = strlen(name);

	(void)arg;
	if (!json_is_object(o))
		abort();
	if (len < 2 || strcmp(name + len - 2, "_d") != 0)
		return NULL;
	return json_string(name);
}

/* Compiles one input; a failure must say where, a success renders both ways. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl	*t;
	struct tmpl_env	 env;
	struct buf	 out;
	char		 err[256];
	int		 esc;

	if (fuzz_tmpl_data == NULL &&
	    (fuzz_tmpl_data = json_loads(fuzz_tmpl_ctx, 0, NULL)) == NULL)
		abort();
	if ((t = tmpl_parse((const char *)data, size, err, sizeof err)) ==
	    NULL) {
		if (err[0] < '1' || err[0] > '9' || strchr(err, ':') == NULL)
			abort();
		return 0;
	}
	memset(&env, 0, sizeof env);
	env.partial = fuzz_tmpl_partial;
	env.missing = fuzz_tmpl_missing;
	env.arg = t;
	for (esc = 0; esc <= 1; esc++) {
		env.escape_html = esc;
		/* the daemon's way: derived names */
		env.derive = esc ? fuzz_tmpl_derive : NULL;
		buf_init(&out);
		tmpl_render(t, fuzz_tmpl_data, &env, &out);
		buf_free(&out);
	}
	tmpl_free(t);
	return 0;
}
