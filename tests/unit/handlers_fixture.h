/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The handler tests' shared fixture: the shipped configuration (loaded once
 * per binary by test_setup, freed by test_teardown), events made from a data
 * text, a handler's prepare and fn run on them, and checks of what comes out
 * (JSON values, variables, state arguments, effects). Linked into every
 * tests/unit/test_<handler>.c binary (see the Makefile). Each helper fails the
 * test, saying what was expected and what came, rather than return an error.
 */
#ifndef RELAIS_HANDLERS_FIXTURE_H
#define RELAIS_HANDLERS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct config;
struct envelope;
struct handler_out;
struct handler_rows;
struct handler_state;
struct notification;

/* 2026-03-02T14:00:00Z: Monday 2 March 2026, 09:00 in Québec (EST). */
#define TEST_NOW	1772460000000LL
#define TEST_DAY_MS	86400000LL

/* config/relais.yaml, loaded by test_setup; a test restores what it changes. */
extern struct config	*test_cf;

/* cmocka group setup and teardown: load and free test_cf. */
int	test_setup(void **);
int	test_teardown(void **);

/* Wraps data (a JSON object text, or "null") in a valid event of type. */
void	test_event(const char *, const char *, const char *,
	    struct envelope *);

/* Runs newcomer.arrived on data; returns its result, reason and output. */
int	test_run(const char *, struct handler_out *, char *, size_t);
/* data must be refused with exactly want as the reason, and no output. */
void	test_refused(const char *, const char *);
/* data must be accepted, giving one notification for territory tid. */
struct notification *test_accepted(const char *, const char *,
	    struct handler_out *);

/* A JSON value from its text, or the test fails. */
json_t	*test_json(const char *);
/* got must equal want; what names it in a failure. */
void	 test_json_same(const json_t *, const json_t *, const char *);
/* got must equal the JSON text want. */
void	 test_json_equal(const json_t *, const char *, const char *);
/* The string at path ("a.b.c") in o must be want. */
void	 test_var(const json_t *, const char *, const char *);

/* Runs type's prepare on data, which must be accepted. */
void	 test_prepare(const char *, const char *, const char *,
	    struct handler_state *);
/* type's prepare must refuse data with the reason want, asking nothing. */
void	 test_prepare_refused(const char *, const char *, const char *);
/* The arguments of a state request, a JSON array of strings (new). */
json_t	*test_args_json(const struct handler_state *);
void	 test_args_equal(const struct handler_state *, const char *,
	    const char *);
/* Argument i of a state request, a string. */
const char *test_arg(const struct handler_state *, size_t);
/* Argument i of a state request is JSON equal to want. */
void	 test_arg_json(const struct handler_state *, size_t, const char *);

/* Runs type's fn on data with Redis's answer (NULL: a preview) and rows. */
void	 test_decide_rows(const char *, const char *, const char *,
	    const json_t *, const struct handler_rows *, size_t, int,
	    struct handler_out *);
/* test_decide_rows without rows. */
void	 test_decide_json(const char *, const char *, const char *,
	    const json_t *, int, struct handler_out *);
/* test_decide_json with the state as a JSON text (NULL: a preview). */
void	 test_decide(const char *, const char *, const char *, const char *,
	    int, struct handler_out *);

/* How many effects are named name. */
size_t	 test_effects(const struct handler_out *, const char *);
/* The one effect named name, equal to want. */
void	 test_effect_same(const struct handler_out *, const char *,
	    const json_t *);
/* The one effect named name, equal to want (a JSON array text). */
void	 test_effect(const struct handler_out *, const char *, const char *);
json_t	*test_fx_json(const struct handler_fx *);
/* out counts figure ("<territory>:<what>") once for the monthly report. */
void	 test_stat(const struct handler_out *, const char *);

/* Unix ms of an RFC 3339 time. */
int64_t	 test_ms(const char *);
/* The candidates' refs of an employer notification, as a JSON array text. */
void	 test_refs(const struct notification *, const char *);

#endif
