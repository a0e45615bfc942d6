/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * The table of gateway kinds (gw_kind.h's entries): what config_gateway.c
 * reads a gateway's kind from, and gw.c builds it with. The kinds never
 * call it, so that it may call each of them.
 */
#ifndef RELAIS_GW_TABLE_H
#define RELAIS_GW_TABLE_H

#include <stddef.h>

struct gw_kind;

/* The kind named name, or NULL. */
const struct gw_kind	*gw_table_find(const char *name);
/* The i-th kind of the table (its order is that of messages), or NULL. */
const struct gw_kind	*gw_table_at(size_t i);

#endif
