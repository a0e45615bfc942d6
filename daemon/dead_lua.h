/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * Dead letters taken off the stream, shared by relaisctl (dead replay and
 * drop, sync hiredis) and the console (Dead letters page, async): the same
 * Lua scripts and the same judgement of a letter's bytes, so that both do
 * the very same thing.
 *
 * Every letter a script removes goes through one Lua function that also
 * lowers <prefix>dead:reasons (reason class -> letters held) by one for
 * the letter's class: its field "class", else the class of its reason by
 * figures.h's rules (FIGURES_REASON_LUA), as the scripts writing letters
 * count them.
 *
 * The scripts are sent with EVAL (0 keys: they build their keys from the
 * prefix, as the queue's scripts do).
 */
#ifndef RELAIS_DEAD_LUA_H
#define RELAIS_DEAD_LUA_H

#include <stddef.h>

struct config;

/*
 * The event's bytes (read from the holder letter, server-side) back on the
 * stream, known as relais's own replay, so that its dedupe is skipped
 * (queue_lua.c); the original stream id rides along, the event's place in
 * the producer's order when it carries no time, so that it cannot undo
 * newer events. Every letter of the event goes: each of its deliveries
 * not sent yet is tried again. ARGV: prefix, holder, stream id, seen ttl
 * (s), event id, letters. Returns the new entry's id; nil when the holder
 * is gone (replayed or dropped meanwhile).
 */
extern const char dead_lua_replay[];

/*
 * Removes the letters ARGV[2], ARGV[4], ... (ARGV[1] the prefix, each id
 * followed by its event id, "" when none), and each dead-event:<event id>
 * that points to one. Returns per letter 1 (removed) or 0 (gone already).
 */
extern const char dead_lua_drop[];

/*
 * Reads, for each id in ARGV[2..], five fields of the letter: payload,
 * payload_in (the letter holding its event's bytes), reason, stream_id,
 * event_id ("" when absent); false for an id that is not a letter.
 * ARGV[1]: the prefix.
 */
extern const char dead_lua_peek[];

#define DEAD_TYPE_MAX	256
#define DEAD_WHY_MAX	512

/* What relaisd would make of a letter's bytes. */
struct dead_verdict {
	char	type[DEAD_TYPE_MAX];	/* the event's type, "" when unknown */
	char	territory[64];		/* its territory's id, "" when none */
	char	never[DEAD_WHY_MAX];	/* why it can never be handled, or "" */
};

/*
 * Judges bytes[0..len) as relaisd does (envelope_parse() with cf's limits,
 * then a handler for the type, then the territory as the handlers find
 * it); fills v.
 */
/* Compares two stream ids ("MS-SEQ") as Redis orders them: <0, 0, >0. */
int	dead_id_cmp(const char *a, const char *b);
void	dead_judge(const struct config *, const char *bytes, size_t len,
	    struct dead_verdict *v);

#endif
