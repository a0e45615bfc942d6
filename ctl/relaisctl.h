/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * relaisctl's shared parts: the command table's types, a parsed command
 * line, the Redis connection and the helpers of the relaisctl_*.c files.
 * relaisctl is a short-lived command, not the event loop: it talks to Redis
 * synchronously, the one place besides daemon/redis.c that uses hiredis.
 */
#ifndef RELAIS_RELAISCTL_H
#define RELAIS_RELAISCTL_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

struct config;
struct ctl;

/* The file systemd's unit for relaisd reads (EnvironmentFile=-...). */
#define CTL_ENV_FILE	"/etc/default/relaisd"
#define CTL_CONFIG	"/etc/relais/relais.yaml"

/* What a command needs before it runs. */
enum ctl_conf {
	CTL_CONF_NONE,		/* nothing: neither configuration nor Redis */
	CTL_CONF_REDIS,		/* the redis section only (config_load_redis) */
	CTL_CONF_FULL,		/* the whole configuration, as relaisd loads it */
};

/* One option of a command: --name, and -shortc when set. */
struct ctl_opt {
	const char	*name;
	char		 shortc;
	int		 arg;		/* takes a value */
};

/* A command line parsed against one command's options. */
struct ctl_args {
	const struct ctl_opt	 *opts;
	const char		**val;	/* per occurrence: value ("" for a flag) */
	size_t			 *opt;	/* per occurrence: index in opts */
	size_t			  nocc;
	char			**pos;	/* positional arguments, in order */
	size_t			  npos;
};

typedef int	(*ctl_exec)(struct ctl *, const struct ctl_args *);

/* One command, or subcommand ("dead replay"), of the table. */
struct ctl_cmd {
	const char		*name;
	const char		*usage;	/* what follows the name */
	const char		*brief;	/* one line, for the list of commands */
	const char		*help;	/* what it does, then its options */
	const struct ctl_opt	*opts;	/* NULL-terminated, or NULL */
	size_t			 minpos;
	size_t			 maxpos;
	/*
	 * Its arguments name what it erases: one that starts with "-" is
	 * refused unless it comes after "--".
	 */
	int			 targets;
	enum ctl_conf		 conf;
	ctl_exec		 exec;
};

struct ctl {
	const struct ctl_cmd	*cmd;
	struct config		*cf;
	const char		*path;	/* the configuration's file */
	const char		*env;	/* --env-file, or NULL */
	redisContext		*rc;
	char			 key[512];
};

/* relaisctl_conf.c */
/*
 * Reads relaisd's environment file into the environment: file (--env-file),
 * else $RELAIS_ENV_FILE, else CTL_ENV_FILE when it exists; "" for none.
 * -1 after a message.
 */
int		 ctl_env_load(const char *file);
/* Loads what c->cmd needs of the configuration at path; -1 after messages. */
int		 ctl_config(struct ctl *, const char *path);
/* Connects, authenticates, selects; -1 after a message naming the URL. */
int		 ctl_connect(struct ctl *);

/* relaisctl_io.c */
/* A usage error of the running command: message, usage; returns 2. */
int		 ctl_usage_error(const struct ctl *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The last value given to option name, or NULL when absent. */
const char	*ctl_opt(const struct ctl_args *, const char *name);
/* A whole file, or standard input for "-"; NULL after a message. */
char		*ctl_slurp(const char *path, size_t *len);
/* Bytes from outside, control characters shown as \xNN. */
void		 ctl_print_safe(const char *s, size_t len, int multiline);
/* A reason up to its first quote, colon, parenthesis or digit. */
void		 ctl_reason_class(const char *reason, char *out, size_t outlen);

/* relaisctl_redis.c */
/* The key prefix + name; valid until the next call. */
const char	*ctl_key(struct ctl *, const char *name);
/* A field of a stream entry's field list, or "". */
const char	*ctl_field(const redisReply *fields, const char *name);
/* Called for each entry of a stream read, [id, [field, value...]]. */
typedef void	(*ctl_entry_fn)(struct ctl *, const redisReply *entry,
		    void *arg);
/*
 * Reads stream key (a full key name) from from ("-", an id) to to ("+", an
 * id), count entries a page, each handed to each. 0, or -1 with Redis's
 * error in err (the caller says what failed).
 */
int		 ctl_xrange(struct ctl *, const char *key, const char *from,
		    const char *to, int count, ctl_entry_fn each, void *arg,
		    char *err, size_t errlen);
/* The integer answer of "CMD key", or -1. */
long long	 ctl_integer(struct ctl *, const char *cmd, const char *key);
/* Redis's clock, in ms (stream ids are made of it); -1 on failure. */
int64_t		 ctl_redis_now_ms(struct ctl *);
/* The milliseconds part of a stream id. */
int64_t		 ctl_id_ms(const char *id);

/* relaisctl_status.c */
int	ctl_status(struct ctl *, const struct ctl_args *);

/* relaisctl_dead.c: filters, list, show, drop */
int	ctl_dead_list(struct ctl *, const struct ctl_args *);
int	ctl_dead_show(struct ctl *, const struct ctl_args *);
int	ctl_dead_drop(struct ctl *, const struct ctl_args *);

/* What dead replay and drop know of one letter, read from the whole stream. */
struct ctl_letter {
	char	*id;
	char	*event_id;	/* "" when not known */
	char	*stream_id;	/* the entry of the events stream it came from */
	char	*reason;
	char	*at;
	char	*holder;	/* the letter holding its event's bytes: its own id,
				   its payload_in, or "" when it has none */
	char	*type;		/* the event's type, "" when not known */
	char	*never;		/* why its event can never be handled, or NULL */
	char	*kept_for;	/* dead drop: a letter that needs its bytes */
	int	 selected;
};

struct ctl_letters {
	struct ctl_letter	*v;	/* in stream order */
	size_t			 n;
	size_t			 missing;	/* ids given that are not letters */
};

/*
 * Reads every dead letter (in pages), with the type and the verdict of its
 * event's bytes, then marks the selected ones: the ids given, or with
 * --all those the filters (--reason, --type, --since) let through.
 * Returns 0, 1 (Redis failed, message) or 2 (usage, message).
 */
int	ctl_letters_select(struct ctl *, const struct ctl_args *,
	    struct ctl_letters *);
void	ctl_letters_free(struct ctl_letters *);
/* The letter of that id, or NULL. */
struct ctl_letter *ctl_letters_find(const struct ctl_letters *, const char *id);

/* relaisctl_replay.c */
int	ctl_dead_replay(struct ctl *, const struct ctl_args *);

/* relaisctl_report.c */
int	ctl_report(struct ctl *, const struct ctl_args *);

/* relaisctl_person.c */
int	ctl_suppress_add(struct ctl *, const struct ctl_args *);
int	ctl_suppress_remove(struct ctl *, const struct ctl_args *);
int	ctl_suppress_list(struct ctl *, const struct ctl_args *);
int	ctl_forget(struct ctl *, const struct ctl_args *);
int	ctl_export(struct ctl *, const struct ctl_args *);

/* relaisctl_console.c: the console's users file */
int	ctl_console_user_add(struct ctl *, const struct ctl_args *);
int	ctl_console_user_remove(struct ctl *, const struct ctl_args *);
int	ctl_console_user_passwd(struct ctl *, const struct ctl_args *);
int	ctl_console_user_list(struct ctl *, const struct ctl_args *);

/* relaisctl_event.c */
int	ctl_emit(struct ctl *, const struct ctl_args *);
int	ctl_render(struct ctl *, const struct ctl_args *);
int	ctl_outbox(struct ctl *, const struct ctl_args *);

#endif
