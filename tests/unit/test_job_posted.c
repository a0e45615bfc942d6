/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for job.posted: the posting stored, the profiles that fit, the employer's alert. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "handlers.h"
#include "match.h"
#include "territory.h"
#include "handlers_fixture.h"

/* A posting: data.job, data.employer; closes_at as given. */
#define TEST_JOB(closes) \
	"{\"job\":{\"id\":\"j-1\",\"title\":\"Soudeur\",\"occupation\":" \
	"\"72106\",\"skills\":[\"Soudure\",\"Lecture de plans\"]," \
	"\"territory\":\"abitibi\"" closes "},\"employer\":{\"id\":\"e-1\"," \
	"\"name\":\"Mine X\",\"contact\":{\"name\":\"Luc\",\"email\":" \
	"\"rh@minex.example\",\"language\":\"en\",\"fax\":\"8195550000\"," \
	"\"notes\":{\"x\":1}}}}"

static void
test_posted_prepare(void **state)
{
	struct handler_state	 st;
	char			 want[32];

	(void)state;
	test_prepare("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-12-31\""), &st);
	assert_string_equal(st.fn, "posted");
	assert_int_equal(handler_state_nargs(&st), 7);
	assert_string_equal(test_arg(&st, 0), "j-1");
	test_arg_json(&st, 1, "{\"title\":\"Soudeur\",\"occupation\":\"72106\","
	    "\"skills_folded\":\"soudure,lecturedeplans\",\"skills\":"
	    "\"Soudure|Lecture de plans\",\"territory\":\"abitibi\","
	    "\"closes_at\":\"2026-12-31\"}");
	/* kept through its last day in Québec: until 1 January 05:00Z */
	snprintf(want, sizeof want, "%lld", (long long)(test_ms(
	    "2027-01-01T05:00:00Z") - TEST_NOW));
	assert_string_equal(test_arg(&st, 2), want);
	assert_string_equal(test_arg(&st, 3), "relais:mx:j:abitibi:7");
	assert_string_equal(test_arg(&st, 4), "e-1");
	/* the contact: what a message needs, nothing else */
	test_arg_json(&st, 5, "{\"name\":\"Luc\",\"email\":\"rh@minex.example\","
	    "\"language\":\"en\",\"employer_name\":\"Mine X\",\"territory\":"
	    "\"abitibi\"}");
	assert_string_equal(test_arg(&st, 6), "63072000");
	/* read as they are: the profiles indexed there, the employer's ledger */
	assert_int_equal(st.nreads, 2);
	assert_string_equal(st.reads[0], "relais:mx:p:abitibi:7");
	assert_string_equal(st.reads[1], "relais:announced:e-1");
	handler_state_clear(&st);
	assert_int_equal(st.nreads, 0);

	/* no closing date: kept as long as a profile */
	test_prepare("job.posted", "job-evt", TEST_JOB(""), &st);
	assert_string_equal(test_arg(&st, 2), "63072000000");
	handler_state_clear(&st);

	/* by municipality */
	test_prepare("job.posted", "job-evt", "{\"job\":{\"id\":\"j-2\","
	    "\"title\":\"Foreur\",\"occupation\":\"83101\",\"municipality\":"
	    "\"Val-d'Or\"},\"employer\":{\"id\":\"e-2\",\"contact\":{\"phone\":"
	    "\"+18195550100\"}}}", &st);
	assert_string_equal(test_arg(&st, 3), "relais:mx:j:vallee-de-l-or:8");
	assert_string_equal(st.reads[0], "relais:mx:p:vallee-de-l-or:8");
	assert_string_equal(st.reads[1], "relais:announced:e-2");
	test_arg_json(&st, 5, "{\"phone\":\"+18195550100\",\"employer_name\":"
	    "\"\",\"territory\":\"vallee-de-l-or\"}");
	handler_state_clear(&st);
}

static void
test_posted_refused(void **state)
{
	static const struct { const char *data, *reason; } v[] = {
		{ "{\"job\":{\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "missing data.job.id" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"contact\":"
		    "{\"email\":\"a@b.example\"}}}", "missing data.employer.id" },
		{ "{\"job\":{\"id\":\"j\",\"occupation\":\"72106\",\"territory\":"
		    "\"abitibi\"},\"employer\":{\"id\":\"e-1\",\"contact\":"
		    "{\"email\":\"a@b.example\"}}}", "missing data.job.title" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "missing data.job.title" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"7210\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "data.job.occupation must be a NOC 2021 code (five digits)" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"territory\":"
		    "\"abitibi\"},\"employer\":{\"id\":\"e-1\",\"contact\":"
		    "{\"email\":\"a@b.example\"}}}",
		    "data.job.occupation must be a NOC 2021 code (five digits)" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\"}}",
		    "data.employer.contact has neither email nor phone" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"name\":\"Luc\",\"email\":\"\"}}}",
		    "data.employer.contact has neither email nor phone" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"nowhere\"},\"employer\":{\"id\":\"e-1\","
		    "\"contact\":{\"email\":\"a@b.example\"}}}",
		    "data.job: unknown territory \"nowhere\"" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\"},"
		    "\"employer\":{\"id\":\"e-1\",\"contact\":{\"email\":"
		    "\"a@b.example\"}}}",
		    "data.job: missing data.territory or data.municipality" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\",\"closes_at\":\"soon\"},\"employer\":"
		    "{\"id\":\"e-1\",\"contact\":{\"email\":\"a@b.example\"}}}",
		    "data.job.closes_at \"soon\" is not a date" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\",\"closes_at\":\"+026-12-31\"},"
		    "\"employer\":{\"id\":\"e-1\",\"contact\":{\"email\":"
		    "\"a@b.example\"}}}",
		    "data.job.closes_at \"+026-12-31\" is not a date" },
		{ "{\"job\":{\"id\":\"j\",\"title\":\"T\",\"occupation\":\"72106\","
		    "\"territory\":\"abitibi\",\"closes_at\":\"2026-02-30\"},"
		    "\"employer\":{\"id\":\"e-1\",\"contact\":{\"email\":"
		    "\"a@b.example\"}}}",
		    "data.job.closes_at \"2026-02-30\" is not a date" },
	};
	struct handler_ctx	 ctx = { NULL, TEST_NOW, 0, NULL, 0, NULL };
	struct handler_out	 out;
	struct envelope		 ev;
	char			 reason[256];
	size_t			 i;

	(void)state;
	ctx.cf = test_cf;
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		test_prepare_refused("job.posted", v[i].data, v[i].reason);
		/* the decision refuses it the same way */
		memset(&out, 0, sizeof out);
		test_event("job.posted", "job-evt", v[i].data, &ev);
		assert_int_equal(handler_job_posted.fn(&ev, &ctx, NULL, &out,
		    reason, sizeof reason), -1);
		assert_string_equal(reason, v[i].reason);
		assert_int_equal(out.n, 0);
		envelope_clear(&ev);
	}
}

/*
 * What a posting reads beside its state function: the profiles' index
 * (person -> summary) and the employer's ledger (person -> the event that
 * announced them), as the queue hands them over.
 */
struct test_posted {
	struct handler_rows	 rows[2];
	const char		*v[16];
	size_t			 len[16];
	const char		*lv[6];
	size_t			 llen[6];
	char			*recs[8];
};

static void
test_posted_rows(struct test_posted *t)
{
	static const struct { const char *pid, *noc, *skills; } v[] = {
		{ "p-a", "72106", "[\"Soudure\",\"Lecture de plans\"]" }, /* 80 */
		{ "p-b", "72106", "[]" },				/* 60 */
		{ "p-c", "72101", "[\"SOUDURE\"]" },			/* 55 */
		{ "p-d", "72201", "[\"Soudure\"]" },			/* 35 */
		{ "p-e", "41200", "[\"Soudure\"]" },			/* 0 */
		{ "p-f", "72106", "[\"Soudure\"]" },	/* announced by another */
		{ "p-g", "72106", "[\"Soudure\"]" },	/* announced by this one */
		{ "p-h", NULL, NULL },			/* not a summary */
	};
	static const char *const ledger[] = { "p-g", "job-evt", "p-f",
	    "other-evt", "p-z", "other-evt" };
	json_t	*skills, *langs;
	size_t	 i;

	memset(t, 0, sizeof *t);
	langs = test_json("[\"fr\"]");
	for (i = 0; i < 8; i++) {
		if (v[i].noc != NULL) {
			skills = test_json(v[i].skills);
			t->recs[i] = match_record(v[i].noc, skills, "Ana", langs,
			    "2026-11");
			json_decref(skills);
		} else
			t->recs[i] = xstrdup("");
		t->v[2 * i] = v[i].pid;
		t->v[2 * i + 1] = t->recs[i];
		t->len[2 * i] = strlen(v[i].pid);
		t->len[2 * i + 1] = strlen(t->recs[i]);
	}
	json_decref(langs);
	for (i = 0; i < 6; i++) {
		t->lv[i] = ledger[i];
		t->llen[i] = strlen(ledger[i]);
	}
	t->rows[0].v = t->v;
	t->rows[0].len = t->len;
	t->rows[0].n = 8;
	t->rows[1].v = t->lv;
	t->rows[1].len = t->llen;
	t->rows[1].n = 3;
}

static void
test_posted_free(struct test_posted *t)
{
	size_t	i;

	for (i = 0; i < 8; i++)
		free(t->recs[i]);
}

static void
test_posted_fn(void **state)
{
	struct test_posted	 t;
	struct handler_rows	 one[2];
	const char		*v[2];
	size_t			 len[2];
	struct handler_out	 out;
	struct notification	*n;
	json_t			*st, *c;
	const json_t		*x;
	size_t			 i;
	long			 max;

	(void)state;
	test_posted_rows(&t);
	st = test_json("{\"stored\":1}");
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-12-31\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 1);
	n = &out.v[0];
	assert_string_equal(n->role, "employer");
	assert_string_equal(n->recipient_id, "e-1");
	assert_string_equal(n->email, "rh@minex.example");
	assert_null(n->phone);
	assert_string_equal(n->language, "en");
	assert_int_equal(n->consent_email, 1);
	assert_string_equal(n->territory->id, "abitibi");
	/* best first (80, 70, 60, 55), this event's own announcements kept */
	test_refs(n, "[\"p-a\",\"p-g\",\"p-b\",\"p-c\"]");
	assert_int_equal(json_integer_value(json_object_get(n->vars, "count")),
	    4);
	test_var(n->vars, "job.title", "Soudeur");
	test_var(n->vars, "employer.name", "Mine X");
	c = json_array_get(json_object_get(n->vars, "candidates"), 0);
	test_var(c, "first_name", "Ana");
	test_var(c, "arrival_month", "November 2026");
	test_json_equal(json_object_get(c, "languages"), "[\"French\"]",
	    "languages");
	test_json_equal(json_object_get(c, "skills"), "[\"Soudure\","
	    "\"Lecture de plans\"]", "skills");
	/* summaries, never contact details */
	json_array_foreach(json_object_get(n->vars, "candidates"), i, x) {
		assert_null(json_object_get(x, "email"));
		assert_null(json_object_get(x, "phone"));
	}
	/* the ledger: each announced once, by this event */
	assert_int_equal(out.effects.n, 2);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\"job-evt\","
	    "\"abitibi:2026-03\",\"p-a\",\"p-g\",\"p-b\",\"p-c\"]");
	test_stat(&out, "abitibi:employer_alerts");
	handler_out_clear(&out);

	/* max_candidates: only those shown are announced */
	max = test_cf->matching.max_candidates;
	test_cf->matching.max_candidates = 2;
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    0, &out);
	test_cf->matching.max_candidates = max;
	assert_int_equal(out.n, 1);
	test_refs(&out.v[0], "[\"p-a\",\"p-g\"]");
	assert_int_equal(json_integer_value(json_object_get(out.v[0].vars,
	    "count")), 2);
	/* the message says how many more fit */
	assert_int_equal(json_integer_value(json_object_get(out.v[0].vars,
	    "more")), 2);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\"job-evt\","
	    "\"abitibi:2026-03\",\"p-a\",\"p-g\"]");
	handler_out_clear(&out);

	/* closed or changed by a newer event: no alert, first time or retry */
	c = test_json("{\"stored\":0,\"closed\":1}");
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), c, t.rows, 2,
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);
	json_decref(c);
	c = test_json("{\"stored\":0,\"retry\":1}");
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), c, t.rows, 2,
	    1, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);
	json_decref(c);

	/* a retry: the same candidates, the ledger again, not the count */
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    1, &out);
	assert_int_equal(out.n, 1);
	test_effect(&out, "announce", "[\"announce\",\"e-1\",\"job-evt\","
	    "\"abitibi:2026-03\",\"p-a\",\"p-g\",\"p-b\",\"p-c\"]");
	assert_int_equal(test_effects(&out, "stat"), 0);
	handler_out_clear(&out);

	/* open through its last day (local): today still alerts */
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-03-02\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 1);
	handler_out_clear(&out);
	/* closed already: no alert, nothing recorded */
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-03-01\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "posting closed already: no alert");
	handler_out_clear(&out);
	test_decide_rows("job.posted", "job-evt", TEST_JOB(",\"closes_at\":"
	    "\"2026-03-02T13:59:59Z\""), st, t.rows, 2, 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);

	/* nobody fits */
	t.rows[0].v = t.v + 8;		/* p-e, p-f, ...: 0, then announced */
	t.rows[0].len = t.len + 8;
	t.rows[0].n = 2;
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "no stored profile fits (2 compared)");
	handler_out_clear(&out);
	/* no profile indexed, no ledger */
	t.rows[0].n = 0;
	t.rows[1].n = 0;
	test_decide_rows("job.posted", "job-evt", TEST_JOB(""), st, t.rows, 2,
	    0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	assert_string_equal(out.note, "no stored profile fits (0 compared)");
	handler_out_clear(&out);
	test_posted_free(&t);
	/* a preview, or a state without its reads */
	test_decide("job.posted", "job-evt", TEST_JOB(""), NULL, 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);
	test_decide_json("job.posted", "job-evt", TEST_JOB(""), st, 0, &out);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.effects.n, 0);
	handler_out_clear(&out);

	/* a contact without a language: the territory's (French) */
	v[0] = "p-1";
	v[1] = "72106\t\tAna\t\tfr,en\t2026-11";
	len[0] = strlen(v[0]);
	len[1] = strlen(v[1]);
	one[0].v = v;
	one[0].len = len;
	one[0].n = 1;
	one[1].v = v;
	one[1].len = len;
	one[1].n = 0;
	test_decide_rows("job.posted", "job-evt", "{\"job\":{\"id\":\"j-1\","
	    "\"title\":\"Soudeur\",\"occupation\":\"72106\",\"territory\":"
	    "\"abitibi\"},\"employer\":{\"id\":\"e-1\",\"contact\":{\"phone\":"
	    "\"+18195550100\"}}}", st, one, 2, 0, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].language, "fr");
	assert_null(out.v[0].email);
	assert_string_equal(out.v[0].phone, "+18195550100");
	c = json_array_get(json_object_get(out.v[0].vars, "candidates"), 0);
	test_json_equal(json_object_get(c, "languages"), "[\"fran\\u00e7"
	    "ais\",\"anglais\"]", "languages");
	test_var(c, "arrival_month", "novembre 2026");
	/* the title in the reader's language (NOC 2021, shipped) */
	test_var(c, "occupation_label", "Soudeurs/soudeuses et op\xc3\xa9rateurs/"
	    "op\xc3\xa9ratrices de machines \xc3\xa0 souder et \xc3\xa0 braser");
	handler_out_clear(&out);
	json_decref(st);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_posted_prepare),
		cmocka_unit_test(test_posted_refused),
		cmocka_unit_test(test_posted_fn),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
