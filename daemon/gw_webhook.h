/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Gateway kind "webhook": its configuration, for config.c's tests. */
#ifndef RELAIS_GW_WEBHOOK_H
#define RELAIS_GW_WEBHOOK_H

/* A webhook gateway's own keys (config_gateway.conf). */
struct gw_webhook_conf {
	char	*token;		/* Bearer token: token_env or token_file */
};

#endif
