/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* relaisctl emit, render and outbox: events in, and what they would send or sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "plan.h"
#include "relaisctl.h"

/*
 * Pushes one event. A backfill is marked "relaisnotify": "none": relaisd
 * stores its state and sends nothing (an event that is not a JSON object
 * goes as it is, to its dead letter).
 */
static int
ctl_push(struct ctl *c, int inbox, int backfill, const char *p, size_t len)
{
	redisReply	*rep;
	json_t		*j = NULL;
	char		*s = NULL;

	if (backfill && (j = json_loadb(p, len, 0, NULL)) != NULL &&
	    json_is_object(j) && json_object_set_new(j, "relaisnotify",
	    json_string("none")) == 0 && (s = json_dumps(j, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) != NULL) {
		p = s;
		len = strlen(s);
	}
	json_decref(j);
	if (inbox)
		rep = redisCommand(c->rc, "LPUSH %s %b", ctl_key(c, "inbox"),
		    p, len);
	else
		rep = redisCommand(c->rc, "XADD %s * event %b",
		    ctl_key(c, "events"), p, len);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "relaisctl: push failed: %s\n",
		    rep != NULL ? rep->str : c->rc->errstr);
		freeReplyObject(rep);
		free(s);
		return -1;
	}
	freeReplyObject(rep);
	free(s);
	return 0;
}

int
ctl_emit(struct ctl *c, const struct ctl_args *a)
{
	json_t		*j = NULL, *v;
	json_error_t	 jerr;
	char		*data, *s, *line, *nl;
	size_t		 len, i, n = 0;
	int		 inbox = ctl_opt(a, "inbox") != NULL, rc = 0;
	int		 raw = ctl_opt(a, "raw") != NULL;
	int		 bf = ctl_opt(a, "backfill") != NULL;

	if (raw && bf)
		return ctl_usage_error(c, "--backfill marks the events it reads: "
		    "not with --raw");
	if ((data = ctl_slurp(a->pos[0], &len)) == NULL)
		return 1;
	if (ctl_connect(c) == -1) {
		free(data);
		return 1;
	}
	if (raw) {
		rc = ctl_push(c, inbox, bf, data, len);
		n = rc == 0;
	} else if ((j = json_loadb(data, len, 0, &jerr)) != NULL &&
	    json_is_array(j)) {
		json_array_foreach(j, i, v) {
			s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (s == NULL || ctl_push(c, inbox, bf, s, strlen(s)) == -1)
				rc = -1;
			else
				n++;
			free(s);
		}
	} else if (j != NULL) {
		/* one object: its bytes exactly as written (but a backfill's) */
		rc = ctl_push(c, inbox, bf, data, len);
		n = rc == 0;
	} else {
		/* JSON lines: each non-empty line is an event, as it is */
		for (line = data; line != NULL && *line != '\0'; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (line[strspn(line, " \t\r")] == '\0')
				continue;
			if (ctl_push(c, inbox, bf, line, strlen(line)) == -1)
				rc = -1;
			else
				n++;
		}
	}
	json_decref(j);
	free(data);
	printf("%zu event%s pushed to %s\n", n, n == 1 ? "" : "s",
	    ctl_key(c, inbox ? "inbox" : "events"));
	return rc == 0 ? 0 : 1;
}


static const char *
ctl_str(const json_t *o, const char *k)
{
	const json_t	*v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

int
ctl_outbox(struct ctl *c, const struct ctl_args *a)
{
	json_t	*j;
	char	*data, *line, *nl;
	size_t	 len, n = 0;

	(void)c;
	if ((data = ctl_slurp(a->pos[0], &len)) == NULL)
		return 1;
	for (line = data; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		printf("──── %s to %s (%s, %s, %s) via %s\n",
		    ctl_str(j, "channel"), ctl_str(j, "to"), ctl_str(j, "role"),
		    ctl_str(j, "territory"), ctl_str(j, "language"),
		    ctl_str(j, "gateway"));
		printf("From: %s%s%s\n", ctl_str(j, "from_name"),
		    *ctl_str(j, "from_name") ? " " : "", ctl_str(j, "from"));
		if (*ctl_str(j, "subject"))
			printf("Subject: %s\n", ctl_str(j, "subject"));
		printf("\n%s\n", ctl_str(j, "text"));
		json_decref(j);
		n++;
	}
	printf("(%zu message%s)\n", n, n == 1 ? "" : "s");
	free(data);
	return 0;
}


static const char *ctl_status_names[] = { "send", "skip", "dead" };

/* Applies --territory and --lang to a decoded event's data. */
static void
ctl_render_override(json_t *data, const char *territory, const char *lang)
{
	json_t	*person;

	if (territory != NULL) {
		json_object_del(data, "municipality");
		json_object_set_new(data, "territory", json_string(territory));
	}
	person = json_object_get(data, "person");
	if (lang != NULL && json_is_object(person))
		json_object_set_new(person, "language", json_string(lang));
}

int
ctl_render(struct ctl *c, const struct ctl_args *a)
{
	struct handler_ctx	 hctx;
	struct envelope_limits	 lim;
	struct envelope		 env;
	struct plan		 plan;
	const char		*file = ctl_opt(a, "event");
	const char		*territory = ctl_opt(a, "territory");
	const char		*lang = ctl_opt(a, "lang");
	char			*data, reason[512];
	size_t			 len, i;

	if (file == NULL)
		return ctl_usage_error(c, "--event FILE is needed");
	if ((data = ctl_slurp(file, &len)) == NULL)
		return 1;
	lim.max_bytes = (size_t)c->cf->limits.max_event_bytes;
	lim.max_depth = (int)c->cf->limits.max_depth;
	if (envelope_parse(data, len, &lim, &env, reason, sizeof reason) == -1) {
		fprintf(stderr, "relaisctl: %s: %s\n", file, reason);
		free(data);
		return 1;
	}
	free(data);
	if (env.data != NULL)
		ctl_render_override(env.data, territory, lang);
	memset(&hctx, 0, sizeof hctx);
	hctx.cf = c->cf;
	hctx.now_ms = clock_now_ms();
	if (plan_build(&hctx, &env, NULL, &plan, reason, sizeof reason) == -1) {
		fprintf(stderr, "relaisctl: the event would be dead-lettered: "
		    "%s\n", reason);
		envelope_clear(&env);
		return 1;
	}
	for (i = 0; i < plan.n; i++) {
		const struct plan_delivery *d = &plan.v[i];

		printf("──── %s to %s (%s, %s) — %s%s%s\n", d->channel, d->to,
		    d->role, d->territory, ctl_status_names[d->status],
		    d->reason != NULL ? ": " : "",
		    d->reason != NULL ? d->reason : "");
		printf("key:      %s\ntemplate: %s (%s)\ngateway:  %s\n",
		    d->key, d->template, d->msg.language[0] ? d->msg.language :
		    "-", d->route != NULL && d->route->ngateways > 0 ?
		    d->route->gateways[0] : "-");
		if (d->from != NULL)
			printf("from:     %s%s%s%s\n", d->from_name != NULL ?
			    d->from_name : "", d->from_name != NULL ? " <" : "",
			    d->from, d->from_name != NULL ? ">" : "");
		if (d->msg.subject != NULL)
			printf("subject:  %s\n", d->msg.subject);
		if (d->encoding != NULL)
			printf("sms:      %ld segment%s, %s\n", d->segments,
			    d->segments == 1 ? "" : "s", d->encoding);
		if (d->msg.text != NULL)
			printf("\n%s\n", d->msg.text);
		if (d->msg.html != NULL)
			printf("---- HTML\n%s\n", d->msg.html);
	}
	if (plan.n == 0)
		printf("no deliveries\n");
	plan_clear(&plan);
	envelope_clear(&env);
	return 0;
}

