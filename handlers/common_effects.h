/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The effects every handler may ask for (handler_effect()). */
#ifndef RELAIS_COMMON_EFFECTS_H
#define RELAIS_COMMON_EFFECTS_H

struct handler_lua;

/*
 * employer, event, fig, persons...: the ledger of who was announced to
 * whom; fig ("<territory>:<YYYY-MM>", handler_fig) counts the new pairs
 */
extern const struct handler_lua	common_effect_announce;
/*
 * fig, field[, pid, guard, token]: "<territory>:<figure>" counted for the
 * monthly report; with a person, once per fact about them (the token kept
 * on their record as "n:<guard>", figures.h)
 */
extern const struct handler_lua	common_effect_stat;

#endif
