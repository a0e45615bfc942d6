/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the pipeline's and the deliveries' tests share: the daemon's parts
 * wired on a redis-server the test starts (redis_fixture.h), events pushed
 * into the stream, and readings of the outcomes in Redis and the outbox.
 */
#ifndef RELAIS_PIPELINE_FIXTURE_H
#define RELAIS_PIPELINE_FIXTURE_H

#include <stddef.h>

#include "redis_fixture.h"

struct event_base;
struct http;
struct pipeline;

/* How long an outcome may take to show: generous for sanitizer builds. */
#define TEST_WAIT_MS	10000

struct fx {
	struct test_redis	 srv;
	char			 dir[64];	/* config and outbox */
	char			 outbox[128];
	struct event_base	*base;
	struct http		*http;
	struct pipeline		*p;
	int			 closed_fd;	/* bound, never listening */
	int			 closed_port;
};

/* A newcomer.arrived event, id and person fields given. */
void	test_event(char *buf, size_t len, const char *id, const char *person);
/* XADD relais:events * event <json>. */
void	test_emit(struct fx *f, const char *json);
long long test_xlen(struct fx *f, const char *key);
/* Entries read but not acknowledged yet (0 before the group exists). */
long long test_pending(struct fx *f);
/* The stream emptied: everything read, acknowledged and deleted. */
int	test_handled(struct fx *f);
/* Lines in the outbox file (0 when it does not exist yet). */
int	test_outbox_lines(struct fx *f);
/* Field name of line n (1-based) of the outbox, into buf ("" if none). */
void	test_outbox_field(struct fx *f, int n, const char *name, char *buf,
	    size_t len);
/* Field name of the last entry of stream key, into buf ("" if none). */
void	test_stream_field(struct fx *f, const char *key, const char *name,
	    char *buf, size_t len);

#endif
