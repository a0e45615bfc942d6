/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for match.digest: an employer's waiting matches in one message, then cleared. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "match.h"
#include "territory.h"
#include "handlers_fixture.h"

/* What S.digest answers for e-1: its contact and the waiting matches. */
static json_t *
test_digest_state(const char *contact, const char *const *by, size_t n)
{
	static const struct { const char *pid, *jid, *noc, *title; } v[] = {
		{ "p-a", "j-1", "72106", "Soudeur" },
		{ "p-b", "j-2", "83101", "Foreur" },
		{ "p-c", "j-1", "72106", "Soudeur" },
		{ "p-d", "j-3", NULL, "M\xc3\xa9" "canicien" },	/* gone */
		{ "p-e", "j-4", "72106", "" },			/* closed */
		{ "p-f", "j-1", "72106", "Soudeur" },
	};
	json_t	*items, *st;
	char	*rec;
	size_t	 i;

	items = json_array();
	for (i = 0; i < sizeof v / sizeof *v && i < n; i++) {
		rec = v[i].noc != NULL ? match_record(v[i].noc, NULL, "Ana",
		    NULL, "2026-11") : NULL;
		json_array_append_new(items, json_pack("[s, s, s, s, s]",
		    v[i].pid, v[i].jid, rec != NULL ? rec : "", v[i].title,
		    by[i]));
		free(rec);
	}
	st = json_pack("{s:o, s:o}", "contact", test_json(contact), "items",
	    items);
	assert_non_null(st);
	return st;
}

#define TEST_CONTACT \
	"{\"name\":\"Luc\",\"email\":\"rh@minex.example\",\"language\":\"fr\"," \
	"\"employer_name\":\"Mine X\",\"territory\":\"abitibi\"}"
#define TEST_DIGEST_ID	"digest-1772460000000-e-1"

/* The digest_done effect of e-1 clearing persons (a JSON array text). */
static void
test_digest_done(const struct handler_out *out, const char *persons)
{
	json_t	*want, *p;
	char	*member;

	member = match_digest_member("e-1", TEST_NOW + 3600000);
	/* "!": applied once the message is settled, not before a retry */
	want = json_pack("[s, s, s, s, s]", "!digest_done", "e-1",
	    "1772463600000", member, "3600000");
	p = test_json(persons);
	json_array_extend(want, p);
	test_effect_same(out, "!digest_done", want);
	json_decref(p);
	json_decref(want);
	free(member);
}

static void
test_digest(void **state)
{
	static const char *const fresh[] = { "", TEST_DIGEST_ID, "job-evt", "",
	    "", "" };
	static const char *const others[] = { "x", "y", "z", "x", "y", "z" };
	struct handler_state	 st;
	struct handler_out	 out;
	struct notification	*n;
	struct envelope		 ev;
	json_t			*s;
	char			*member, reason[256];
	long			 max;

	(void)state;
	/* prepare, on the event relais schedules itself */
	memset(&st, 0, sizeof st);
	member = match_digest_member("e-1", TEST_NOW);
	assert_int_equal(envelope_parse(member + 12, strlen(member + 12),
	    NULL, &ev, reason, sizeof reason), 0);
	free(member);
	{
		struct handler_ctx ctx = { NULL, TEST_NOW, 0, NULL, 0, NULL };

		ctx.cf = test_cf;
		assert_int_equal(handler_find(ev.type)->prepare(&ev, &ctx, &st,
		    reason, sizeof reason), 0);
	}
	envelope_clear(&ev);
	assert_string_equal(st.fn, "digest");
	test_args_equal(&st, "[\"e-1\",\"" TEST_DIGEST_ID "\"]",
	    "digest arguments");
	handler_state_clear(&st);
	test_prepare_refused("match.digest", "{\"employer\":{}}",
	    "missing data.employer.id");

	/* p-c went out with another event; p-d, p-e no longer can */
	s = test_digest_state(TEST_CONTACT, fresh, 6);
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	assert_int_equal(out.n, 1);
	n = &out.v[0];
	assert_string_equal(n->role, "employer");
	assert_string_equal(n->recipient_id, "e-1");
	assert_string_equal(n->email, "rh@minex.example");
	assert_string_equal(n->language, "fr");
	assert_string_equal(n->territory->id, "abitibi");
	test_refs(n, "[\"p-a\",\"p-b\",\"p-f\"]");
	assert_int_equal(json_integer_value(json_object_get(n->vars, "count")),
	    3);
	assert_true(json_is_true(json_object_get(n->vars, "digest")));
	test_var(n->vars, "job.title", "Soudeur, Foreur");
	test_var(n->vars, "employer.id", "e-1");
	test_var(n->vars, "employer.name", "Mine X");
	test_var(n->vars, "employer.contact.email", "rh@minex.example");
	test_var(json_array_get(json_object_get(n->vars, "candidates"), 1),
	    "job_title", "Foreur");
	test_var(json_array_get(json_object_get(n->vars, "candidates"), 0),
	    "arrival_month", "novembre 2026");
	assert_int_equal(out.effects.n, 3);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\""
	    TEST_DIGEST_ID "\",\"abitibi:2026-03\",\"p-a\",\"p-b\",\"p-f\"]");
	test_stat(&out, "abitibi:employer_alerts");
	/* every item handled is cleared, sent or not (once settled) */
	test_digest_done(&out, "[\"p-a\",\"p-b\",\"p-c\",\"p-d\",\"p-e\","
	    "\"p-f\"]");
	handler_out_clear(&out);

	/* a retry: same message, ledger and clearing again, no count */
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 1, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(test_effects(&out, "announce"), 1);
	assert_int_equal(test_effects(&out, "stat"), 0);
	assert_int_equal(test_effects(&out, "!digest_done"), 1);
	handler_out_clear(&out);

	/* max_candidates bounds the message */
	max = test_cf->matching.max_candidates;
	test_cf->matching.max_candidates = 1;
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	test_cf->matching.max_candidates = max;
	test_refs(&out.v[0], "[\"p-a\"]");
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\""
	    TEST_DIGEST_ID "\",\"abitibi:2026-03\",\"p-a\"]");
	/* the others wait for the next digest */
	test_digest_done(&out, "[\"p-a\"]");
	handler_out_clear(&out);
	json_decref(s);

	/* all announced by other events: no message, still cleared */
	s = test_digest_state(TEST_CONTACT, others, 6);
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	assert_int_equal(out.n, 0);
	assert_string_equal(out.note, "nothing left to announce to this "
	    "employer");
	assert_int_equal(out.effects.n, 1);
	test_digest_done(&out, "[\"p-a\",\"p-b\",\"p-c\",\"p-d\",\"p-e\","
	    "\"p-f\"]");
	handler_out_clear(&out);
	json_decref(s);

	/* the employer's contact expired: nobody to tell, still cleared */
	s = test_digest_state("{}", fresh, 2);
	test_decide_json("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", s, 0, &out);
	assert_int_equal(out.n, 0);
	test_digest_done(&out, "[\"p-a\",\"p-b\"]");
	handler_out_clear(&out);
	json_decref(s);

	/* nothing waiting (an empty Lua table is {}) */
	test_decide("match.digest", TEST_DIGEST_ID, "{\"employer\":"
	    "{\"id\":\"e-1\"}}", "{\"contact\":" TEST_CONTACT ",\"items\":{}}",
	    0, &out);
	assert_int_equal(out.n, 0);
	test_digest_done(&out, "[]");
	handler_out_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
