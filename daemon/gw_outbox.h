/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Gateway kind "outbox": its configuration, for config.c's tests. */
#ifndef RELAIS_GW_OUTBOX_H
#define RELAIS_GW_OUTBOX_H

/* An outbox gateway's own keys (config_gateway.conf). */
struct gw_outbox_conf {
	char	*path;		/* the file lines are appended to */
};

#endif
