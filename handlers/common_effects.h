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
/* fig, field: "<territory>:<figure>" counted for the monthly report */
extern const struct handler_lua	common_effect_stat;

#endif
