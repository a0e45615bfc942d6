/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Event handlers: one per event type, found in a table. A handler turns a
 * validated event into plain data; it does no I/O and knows neither Redis
 * nor HTTP, so it is tested without mocks. In two steps:
 *   prepare: validates the event and names the state function to run in
 *            Redis with its arguments, or none;
 *   fn:      given that function's answer (NULL when there is none, e.g. a
 *            preview by relaisctl render), the notifications to send and the
 *            effects to apply with the commit (ledger, digest, records).
 *            What prepare read of the event it may keep for fn
 *            (handler_state.prepared, given as handler_ctx.prepared):
 *            fn reads the event itself when that is NULL (a preview).
 * Neither keeps a Jansson value it made past its return but fn's
 * notifications' vars: relaisd runs both in an arena it releases right
 * after (pipeline.c), pointers into the event's tree excepted.
 * A handler's file holds its server-side code too, in Lua: its state
 * function and its effects (store.c assembles them for the queue).
 */
#ifndef RELAIS_HANDLERS_H
#define RELAIS_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "queue_args.h"

struct buf;
struct config;
struct jsonw;
struct envelope;
struct territory;
struct territory_counsellor;

/*
 * Effects, as the commit's ops take them and with no tree: each effect its
 * name, then its arguments, in one list; at[k] is where effect k starts.
 * A name written "!name" is applied only with the commit that settles
 * every delivery of the event. All zero is empty; handler_fx_clear frees.
 */
struct handler_fx {
	struct queue_args	 a;
	int			*at;
	size_t			 n;
	size_t			 cap;
};

/* Someone to tell something; owned by the handler_out that holds it. */
struct notification {
	const char		*role;		/* "newcomer", "counsellor", "employer" */
	char			*recipient_id;
	/*
	 * The person the message is about, checked right before the send
	 * (still stored, not departed; and when the message is to them, the
	 * channel's consent and the address); NULL: no such check.
	 */
	char			*subject_id;
	char			*email;		/* NULL when none */
	char			*phone;		/* E.164, NULL when none */
	char			*language;	/* preferred, NULL when unknown */
	int			 consent_email;
	int			 consent_sms;
	const struct territory	*territory;
	json_t			*vars;		/* template variables (owned) */
	/*
	 * Effects (or none) applied with the commit when the message went
	 * out on some channel, or when it went out on none and never will
	 * (dead-lettered, skipped): what a later event needs to know (a
	 * welcome that never reached its newcomer).
	 */
	struct handler_fx	 on_sent;
	struct handler_fx	 on_failed;
	/*
	 * 1 + the index of an earlier notification of the same handler_out
	 * whose channels that cannot go out (invalid address, ...) this one
	 * lists in its variable "failed"; 0: none.
	 */
	size_t			 report_of;
};

struct handler_out {
	struct notification	*v;
	size_t			 n;
	struct handler_fx	 effects;
	char			 note[256];	/* why nothing is sent, for the log */
};

#define HANDLER_READS_MAX	2

/*
 * A state function: its name in the Lua table S, the names of its
 * arguments, and its Lua, "function(p, a, m) ... end" (p: the key prefix;
 * a: the arguments by name, a.pid; m: {retry, t}, see queue_lua.c). Each
 * handler declares its one (struct handler's state), names once: C sets
 * each argument by its name (handler_arg), they travel in this order (no
 * names on the wire), store.c wraps the Lua to read them by name. Every
 * argument is a string; lists and maps come as JSON, or as the values of
 * a last "name..." argument.
 */
struct handler_lua {
	const char		*name;
	const char *const	*args;	/* NULL-terminated, Lua identifiers */
	const char		*lua;
};

/*
 * A state function to run and its arguments (strings), and hashes to read
 * as they are (HGETALL, no Lua, no JSON: for thousands of entries, what the
 * state function's JSON answer would make slow).
 */
#define HANDLER_ARGS_MAX	16	/* a state function's declared arguments */
/* Room for what a handler's prepare read of the event, kept for its fn. */
#define HANDLER_PREPARED_SIZE	128

struct handler_state {
	const char		 *fn;	/* NULL: the handler needs no state */
	/*
	 * The arguments as they were set, no Jansson (every event comes this
	 * way): set holds the values, at[i] the index in set of lua's
	 * argument i (-1 while unset: ""), more the values of a last
	 * "name..." argument. handler_state_args() puts them in lua's order.
	 */
	struct queue_args	  set;
	int			  at[HANDLER_ARGS_MAX];
	size_t			  ndecl;	/* lua's arguments; 0: no state */
	size_t			  next;		/* after the last one set */
	struct queue_args	  more;
	const char		 *more_name;	/* checked as the "name..." */
	char			 *reads[HANDLER_READS_MAX];	/* full key names, owned */
	size_t			  nreads;
	const struct handler_lua *lua;	/* fn's declaration */
	/*
	 * What prepare read of the event (the handler's own struct), for its
	 * fn to take instead of reading the event again: the same event and
	 * configuration. Pointers into itself do not survive the copy.
	 */
	union {
		max_align_t	  align;
		unsigned char	  b[HANDLER_PREPARED_SIZE];
	}			  prepared;
	int			  has_prepared;
};

/* A hash read for the handler: n fields and values, v[2i] -> v[2i + 1]. */
struct handler_rows {
	const char *const	*v;
	const size_t		*len;
	size_t			 n;	/* pairs */
};

struct handler_ctx {
	const struct config		*cf;
	int64_t				 now_ms;
	int				 retry;	/* a retry of one delivery: same messages */
	const struct handler_rows	*rows;	/* the state's reads, in order */
	size_t				 nrows;	/* 0 for a preview */
	const void			*prepared; /* handler_state's, or NULL */
};

/*
 * Both return -1 with a reason for the dead-letter stream (missing field,
 * unknown territory, ...).
 */
typedef int (*handler_prepare_fn)(const struct envelope *,
    const struct handler_ctx *, struct handler_state *, char *reason,
    size_t reasonlen);
typedef int (*handler_fn)(const struct envelope *, const struct handler_ctx *,
    const json_t *state, struct handler_out *, char *reason, size_t reasonlen);

struct handler {
	const char			*type;
	handler_prepare_fn		 prepare;
	handler_fn			 fn;
	const struct handler_lua	*state;	/* its state function, or NULL */
	/*
	 * Its effects (NULL-terminated, or NULL): each a struct handler_lua
	 * whose Lua, "function(p, a) ... end", reads its arguments by name
	 * (a.pid); a last argument named "x..." takes the values left, as
	 * the list a.x.
	 */
	const struct handler_lua *const	*effects;
};

/* The table (handlers_table.c). */
/* The handler of an event type, or NULL when relais does not handle it. */
const struct handler	*handler_find(const char *type);
/* The i-th handler of the table, or NULL past its end. */
const struct handler	*handler_at(size_t i);

/* A handler's output and state function (handlers.c). */
struct notification	*handler_out_add(struct handler_out *);
void			 handler_out_clear(struct handler_out *);
/*
 * A backfill (relaisnotify: "none"): drops the notifications and the
 * monthly figures, keeps the other effects, says so in the note.
 */
void			 handler_out_quiet(struct handler_out *);

/* Asks for state function fn: every argument "" until set by name. */
void			 handler_state_init(struct handler_state *,
			    const struct handler_lua *fn);
void			 handler_state_clear(struct handler_state *);
/*
 * The arguments as they travel, in lua's order: the declared ones, the
 * values of a last "name..." argument in its place ("" when it has none).
 * handler_state_nargs() is 0 for a handler that asks for no state.
 */
size_t			 handler_state_nargs(const struct handler_state *);
const char		*handler_state_arg(const struct handler_state *,
			    size_t i, size_t *len);
void			 handler_state_args(const struct handler_state *,
			    struct queue_args *);
/*
 * Appends effect fx to dst, its arguments given by name: "name", value,
 * ..., NULL; every fixed argument of the declaration once (fatal
 * otherwise: a bug). Kept as name, values in the declaration's order, the
 * way the commit script reads them; the values of a last "x..." argument
 * are appended by handler_fx_more. With settled, the name is written
 * "!name": applied only with the commit that settles every delivery of
 * the event (none left to retry), as a retry entry runs the handler again
 * and asks for it again.
 */
void			 handler_fx_add(struct handler_fx *dst,
			    const struct handler_lua *fx, int settled, ...)
			    __attribute__((sentinel));
/* One more argument v of dst's last effect (its "x..." list). */
void			 handler_fx_more(struct handler_fx *dst,
			    const char *v);
/* The strings of list (a JSON array) as more arguments of dst's last effect. */
void			 handler_fx_more_list(struct handler_fx *dst,
			    const json_t *list);
/* Appends effect k of src to dst. */
void			 handler_fx_copy(struct handler_fx *dst,
			    const struct handler_fx *src, size_t k);
/* Effect k's name ("!name" when settled), its arguments' count, one of them. */
const char		*handler_fx_name(const struct handler_fx *, size_t k);
size_t			 handler_fx_argc(const struct handler_fx *, size_t k);
const char		*handler_fx_arg(const struct handler_fx *, size_t k,
			    size_t i, size_t *len);
void			 handler_fx_clear(struct handler_fx *);
/* handler_fx_add() of an effect applied with any commit, to out's effects. */
void			 handler_effect(struct handler_out *,
			    const struct handler_lua *fx, ...)
			    __attribute__((sentinel));

/*
 * An employer's contact ({email, phone}) as the recipient of a notification
 * in lang with vars (taken): they asked the agency to recruit, an existing
 * business relationship, so both channels are consented.
 */
struct notification	*handler_employer(struct handler_out *, const char *eid,
			    const json_t *contact, const char *lang,
			    const struct territory *, json_t *vars);

/* Handlers, one file each: the table's entries. */
extern const struct handler handler_newcomer_arrived;
extern const struct handler handler_newcomer_departed;
extern const struct handler handler_followup_due;
extern const struct handler handler_followup_reminders;
extern const struct handler handler_followup_done;
extern const struct handler handler_job_posted;
extern const struct handler handler_job_closed;
extern const struct handler handler_match_digest;

/* Shared by the handlers (handlers.c). */
/*
 * Counts figure once in t's figures of the local month of ctx's now
 * (figures:<territory>:<YYYY-MM>, figures.h), and as "<territory>:<figure>"
 * in the UTC month's stats:<YYYY-MM> hash of old.
 */
void		 handler_stat(struct handler_out *, const struct handler_ctx *,
		    const struct territory *t, const char *figure);
/*
 * handler_stat once per fact about person pid, whatever runs the event
 * again (a crash before its commit, a dead letter replayed): the commit
 * counts it unless the person's field "n:<guard>" holds token already,
 * and writes it there (the stat effect, common_effects.c). Nothing for a
 * person gone.
 */
void		 handler_count(struct handler_out *, const struct handler_ctx *,
		    const struct territory *t, const char *figure,
		    const char *pid, const char *guard, const char *token);
/*
 * "<territory>:<YYYY-MM>": t's figures of the local month of ctx's now,
 * as effects name them; out holds HANDLER_FIG_SIZE bytes.
 */
#define HANDLER_FIG_SIZE	96
void		 handler_fig(const struct handler_ctx *,
		    const struct territory *t, char *out);
/* A non-empty string member of o, or NULL. */
const char	*handler_str(const json_t *o, const char *key);
/*
 * A BCP 47 language tag as relais keys languages: its primary subtag, lower
 * case ("fr-CA", "FR", "fr_CA" -> "fr"). NULL when tag is NULL or has no
 * primary subtag of 2 to 8 letters: the caller falls back, as for no
 * language at all. out holds HANDLER_LANG_SIZE bytes.
 */
#define HANDLER_LANG_SIZE	9
const char	*handler_language(const char *tag, char *out);
/*
 * The language messages to a person of language code (NULL: unknown) in
 * territory t are written in: the code when templates exist in it, else
 * the territory's, else the first configured (as the renderer picks).
 */
const char	*handler_language_used(const struct config *,
		    const struct territory *, const char *code);
/*
 * The name of language code written in language in ("espagnol"), from
 * in's words.yaml; the code itself when it has none.
 */
const char	*handler_language_name(const struct config *, const char *code,
		    const char *in);
/* A consent flag counts only when it is literally true (opt-in, CASL). */
int		 handler_consent(const json_t *person, const char *channel);
/* data.<what>.id as a string, or -1 with a reason. */
const char	*handler_id(const struct envelope *, const char *what,
		    char *reason, size_t reasonlen);
/* data.person.id and data.followup.kind, or -1 with a reason. */
int		 handler_followup_ids(const struct envelope *, const char **pid,
		    const char **kind, char *reason, size_t reasonlen);
/*
 * Sets the state function's argument name (a name its handler_lua does not
 * declare is a bug: fatal): a string (NULL: ""), a JSON value as its
 * encoding, a number.
 */
void		 handler_arg(struct handler_state *, const char *name,
		    const char *s);
void		 handler_arg_json(struct handler_state *, const char *name,
		    const json_t *v);
/*
 * One more value of name, the last argument, declared "name...": the
 * script gets the values as a list (the first call replaces the "").
 * name is a string constant: it is checked against the declaration at its
 * first value, then known by its address.
 */
void		 handler_arg_more(struct handler_state *, const char *name,
		    const char *s);
/* JSON text the handler wrote itself (jsonw: valid UTF-8), len bytes. */
void		 handler_arg_text(struct handler_state *, const char *name,
		    const char *text, size_t len);
void		 handler_arg_long(struct handler_state *, const char *name,
		    long long v);
/* "<prefix><fmt...>": a full Redis key. */
char		*handler_key(const struct config *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The counsellor with this id on t's roster, or NULL. */
const struct territory_counsellor *handler_counsellor(const struct territory *,
		    const char *id);
/*
 * t's roster as its state functions read it: [[id, "fr en"]..], each
 * counsellor with the languages they speak.
 */
json_t		*handler_roster(const struct territory *t);
/* {id, name, first_name, email, phone} of a counsellor, for templates. */
json_t		*handler_counsellor_vars(const struct territory_counsellor *);
/*
 * A CloudEvent relais schedules itself, as a member of the scheduled set:
 * "event 0 0 - <json>", the event {"data", "id", "source": "relais",
 * "specversion", "type"} written as json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS) would (a member is compared whole: the same follow-up
 * planned again must be the same text). _open starts it up to "data":, the
 * caller writes the data object into w, its keys in sorted order too, and
 * _close writes the rest and returns the member. Strings not UTF-8 are fatal
 * (what: the caller): relais builds these from what it checked.
 */
void		 handler_scheduled_open(struct buf *, struct jsonw *);
char		*handler_scheduled_close(struct buf *, struct jsonw *,
		    const char *id, const char *type, const char *what);

/*
 * Resolves data.territory (an id) or data.municipality (a name) to a
 * territory; an unknown municipality goes to the config's
 * fallback_territory when there is one. NULL with a reason naming what was
 * not found otherwise.
 */
const struct territory *handler_territory(const struct config *,
	    const json_t *data, char *reason, size_t reasonlen);

#endif
