/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* What the pipeline's and the deliveries' tests share (pipeline_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "pipeline.h"
#include "pipeline_fixture.h"

/* A newcomer.arrived event, id and person fields given. */
void
test_event(char *buf, size_t len, const char *id, const char *person)
{
	snprintf(buf, len, "{\"specversion\":\"1.0\",\"id\":\"%s\","
	    "\"source\":\"https://tests.example\",\"type\":\"newcomer.arrived\","
	    "\"data\":{\"person\":{\"id\":\"p-%s\",\"first_name\":\"Ana\","
	    "\"language\":\"fr\",%s},\"municipality\":\"Amos\"}}", id, id,
	    person);
}

/* XADD relais:events * event <json>. */
void
test_emit(struct fx *f, const char *json)
{
	freeReplyObject(test_redis_cmd(&f->srv, "XADD relais:events * event %b",
	    json, strlen(json)));
}

long long
test_xlen(struct fx *f, const char *key)
{
	return test_redis_int(&f->srv, "XLEN %s", key);
}

/* Entries read but not acknowledged yet (0 before the group exists). */
long long
test_pending(struct fx *f)
{
	redisReply	*r;
	long long	 n = -1;

	r = redisCommand(f->srv.c, "XPENDING relais:events relais");
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER)
		n = r->element[0]->integer;
	if (r != NULL)
		freeReplyObject(r);
	return n;
}

/* The stream emptied: everything read, acknowledged and deleted. */
int
test_handled(struct fx *f)
{
	return test_xlen(f, "relais:events") == 0 && test_pending(f) == 0 &&
	    pipeline_inflight(f->p) == 0;
}

/* Lines in the outbox file (0 when it does not exist yet). */
int
test_outbox_lines(struct fx *f)
{
	FILE	*fp;
	int	 c, n = 0;

	if ((fp = fopen(f->outbox, "r")) == NULL)
		return 0;
	while ((c = getc(fp)) != EOF)
		if (c == '\n')
			n++;
	fclose(fp);
	return n;
}

/* Field name of line n (1-based) of the outbox, into buf ("" if none). */
void
test_outbox_field(struct fx *f, int n, const char *name, char *buf,
    size_t len)
{
	FILE		*fp;
	char		 line[65536];
	json_t		*o;
	json_error_t	 err;
	const char	*v;

	buf[0] = '\0';
	assert_non_null(fp = fopen(f->outbox, "r"));
	while (n-- > 0)
		assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	if ((o = json_loads(line, 0, &err)) == NULL)
		fail_msg("outbox line is not JSON: %s", err.text);
	if ((v = json_string_value(json_object_get(o, name))) != NULL)
		snprintf(buf, len, "%s", v);
	json_decref(o);
}

/* Field name of the last entry of stream key, into buf ("" if none). */
void
test_stream_field(struct fx *f, const char *key, const char *name, char *buf,
    size_t len)
{
	redisReply	*r, *fields;
	size_t		 i;

	buf[0] = '\0';
	r = test_redis_cmd(&f->srv, "XREVRANGE %s + - COUNT 1", key);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
		fields = r->element[0]->element[1];
		for (i = 0; i + 1 < fields->elements; i += 2)
			if (strcmp(fields->element[i]->str, name) == 0)
				snprintf(buf, len, "%s",
				    fields->element[i + 1]->str);
	}
	freeReplyObject(r);
}
