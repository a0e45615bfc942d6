/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the handlers keep in Redis, and the server-side code that keeps it.
 *
 * A handler works in two steps around Redis. Before it decides, a *state*
 * function runs in Redis (batched with the event's dedupe, atomically): it
 * applies the event's idempotent changes (store a profile, assign a
 * counsellor, plan follow-ups, store a posting) and returns, as JSON, what
 * the handler needs to decide (the counsellor, the postings or profiles to
 * match). After the deliveries are settled, *effects* (the announcement
 * ledger, digests, follow-up records) are applied in the same atomic commit
 * as the outcomes and the ack, so they hold exactly when the messages do.
 *
 * Keys, under the configured prefix:
 *   person:<id>         hash: the fields messages and matching need, fu:<kind>
 *                       (reminded/done), counsellor, territory, mx (index keys),
 *                       welcome_by (the event whose welcome it is) and
 *                       welcome (sent, failed; absent while under way)
 *   followups:<id>      hash: kind -> its member of scheduled
 *   caseload:<c>        sorted set: person -> end of their programme (ms)
 *   rr:<territory>      round-robin counter for ties
 *   mx:p:<t>:<d>        hash: person -> matching summary, for the persons
 *                       who shared their profile, want territory t and
 *                       whose NOC code starts with d
 *   job:<id>            hash: the posting (expires at its closing date)
 *   mx:j:<t>:<d>        set: open postings of territory t, NOC first digit d
 *   employer:<id>       hash: the employer's contact
 *   announced:<e>       hash: person -> the event that announced them to
 *                       employer e: the ledger, kept for good
 *   digest:<e>          hash: person -> job, matches waiting for the digest
 *   digest-due:<e>      string: a digest of e is scheduled
 *   reminders:<t>       hash: person -> {kind: {due_at, added, counsellor}},
 *                       follow-ups of territory t waiting for its
 *                       counsellors' email
 *   reminders-due:<t>   string: that email is scheduled (ms)
 *   reminded-day:<t>    string: the local date it last went out
 *   stats:<YYYY-MM>     hash: "<territory>:<figure>" -> count, for reports
 */
#ifndef RELAIS_STORE_H
#define RELAIS_STORE_H

/*
 * Lua defining S (state functions, by name), for the queue's state script:
 * the shared helpers, then each handler's state function (struct
 * handler_lua) wrapped to read its arguments by name. Assembled on the
 * first call, kept for the process's life.
 */
const char	*store_state(void);
/*
 * Lua defining E (effect functions, by name), for the commit script: the
 * shared effects, then each handler's. Assembled once, like store_state().
 */
const char	*store_effects(void);

/* The names the queue's scripts read them by. */
#define store_state_lua		(store_state())
#define store_effects_lua	(store_effects())

#endif
