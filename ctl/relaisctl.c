/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * relaisctl: the operator's command line. A table of commands (as tmux's
 * cmd_entry) gives each its usage, help and options; this file parses the
 * command line against it and runs the command. What the command files
 * share is in relaisctl_io.c and relaisctl_redis.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "relaisctl.h"

static int	ctl_help_cmd(struct ctl *, const struct ctl_args *);

#define CTL_FILTERS \
	"  --reason TEXT   its reason contains TEXT (in any case)\n" \
	"  --type TYPE     its event's type is TYPE\n" \
	"  --since WHEN    added in the last WHEN (90s, 30m, 2h, 3d, 1w), or " \
	"since\n                  WHEN, an RFC 3339 time\n"

static const struct ctl_opt ctl_emit_opts[] = {
	{ "inbox", 0, 0 }, { "raw", 0, 0 }, { "backfill", 0, 0 },
	{ NULL, 0, 0 }
};
static const struct ctl_opt ctl_status_opts[] = {
	{ "max-age", 0, 1 }, { "max-idle", 0, 1 }, { "no-admin", 0, 0 },
	{ NULL, 0, 0 }
};
static const struct ctl_opt ctl_list_opts[] = {
	{ "count", 'n', 1 }, { "reason", 0, 1 }, { "type", 0, 1 },
	{ "since", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_replay_opts[] = {
	{ "all", 0, 0 }, { "dry-run", 0, 0 }, { "wait", 0, 1 },
	{ "no-wait", 0, 0 }, { "reason", 0, 1 }, { "type", 0, 1 },
	{ "since", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_drop_opts[] = {
	{ "all", 0, 0 }, { "dry-run", 0, 0 }, { "reason", 0, 1 },
	{ "type", 0, 1 }, { "since", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_report_opts[] = {
	{ "month", 0, 1 }, { "csv", 0, 0 }, { "from", 0, 1 }, { "to", 0, 1 },
	{ "lang", 0, 1 }, { "html", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_who_opts[] = {
	{ "email", 0, 1 }, { "phone", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_render_opts[] = {
	{ "event", 0, 1 }, { "territory", 0, 1 }, { "lang", 0, 1 },
	{ NULL, 0, 0 }
};
static const struct ctl_opt ctl_cu_opts[] = {
	{ "file", 0, 1 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_cu_pw_opts[] = {
	{ "file", 0, 1 }, { "password-stdin", 0, 0 }, { NULL, 0, 0 }
};
static const struct ctl_opt ctl_cu_add_opts[] = {
	{ "role", 0, 1 }, { "scope", 0, 1 }, { "file", 0, 1 },
	{ "password-stdin", 0, 0 }, { NULL, 0, 0 }
};
#define CTL_CONSOLE_FILE \
	"  --file FILE        the users file (default: the configuration's\n" \
	"                     console.users_file)\n"
#define CTL_CONSOLE_OPTS \
	"  --password-stdin   read the password from standard input, one line\n" \
	CTL_CONSOLE_FILE

static const struct ctl_cmd ctl_table[] = {
	{ "emit", "[--inbox] [--raw | --backfill] FILE|-",
	    "push events to the stream",
	    "Push the events read from FILE (\"-\": standard input) to the stream:\n"
	    "a JSON object as written, each element of a JSON array, or JSON lines.\n"
	    "Events are not validated: relaisd dead-letters the bad ones.\n"
	    "  --inbox     push to the inbox list instead\n"
	    "  --raw       push the whole input as one event, unparsed\n"
	    "  --backfill  mark each event \"relaisnotify\": \"none\": relaisd stores\n"
	    "              its state (people, plans) and sends nothing for it\n",
	    ctl_emit_opts, 1, 1, 0, CTL_CONF_REDIS, ctl_emit },
	{ "status", "[--max-age SECONDS] [--max-idle SECONDS] [--no-admin]",
	    "queues, dead letters, breakers, health",
	    "Print the stream, the consumer group, the inbox, the scheduled set by\n"
	    "kind (retries, window deferrals, follow-ups, digests), the dead letters\n"
	    "by reason, the breakers of this host's relaisd, then its health.\n"
	    "Exit 0: healthy; 1: Redis cannot be reached; 3: unhealthy: no consumer\n"
	    "of the group seen within --max-idle, an entry of the stream unhandled\n"
	    "for longer than --max-age, or this host's admin port not answering\n"
	    "ready (/readyz).\n"
	    "  --max-age SECONDS   the oldest unhandled entry may be this old (default:\n"
	    "                      600, or claim_idle_ms + claim_interval_ms + 60 s\n"
	    "                      when larger)\n"
	    "  --max-idle SECONDS  a consumer Redis saw within this is live (default:\n"
	    "                      block_ms + 60 s)\n"
	    "  --no-admin          do not ask the admin port (relaisd runs elsewhere)\n",
	    ctl_status_opts, 0, 0, 0, CTL_CONF_REDIS, ctl_status },
	{ "dead list", "[-n COUNT] [--reason TEXT] [--type TYPE] [--since WHEN]",
	    "the newest dead letters with their reasons",
	    "Print the newest dead letters the filters let through (COUNT, 20 by\n"
	    "default), newest first, with their event id and reason.\n"
	    "  -n, --count COUNT  how many\n" CTL_FILTERS,
	    ctl_list_opts, 0, 0, 0, CTL_CONF_REDIS, ctl_dead_list },
	{ "dead show", "ID", "one dead letter, original bytes included",
	    "Print every field of dead letter ID, then its payload (the event's\n"
	    "original bytes).\n",
	    NULL, 1, 1, 0, CTL_CONF_REDIS, ctl_dead_show },
	{ "dead replay",
	    "[--dry-run] [--wait SECONDS | --no-wait] --all [FILTERS] | ID...",
	    "put events back on the stream, wait for the outcome",
	    "Put the event of each dead letter named (with --all: of every letter the\n"
	    "filters let through) back on the stream as a replay, and remove the\n"
	    "letters of that event (its deliveries not sent yet are tried again;\n"
	    "those already sent are not sent twice). A letter whose event can never\n"
	    "be handled (bytes relaisd refuses: not JSON or UTF-8, too big or deep,\n"
	    "not a CloudEvent, an unknown type; or no event at all) is skipped with\n"
	    "--all and refused by id: remove it with \"dead drop\". Then wait for\n"
	    "each event's outcome (sent, retrying, dead again, still pending) and\n"
	    "print it; exit 1 when a letter was not replayed, an event died again or\n"
	    "was still unhandled at the end of the wait.\n"
	    "  --all           every letter the filters let through\n"
	    "  --dry-run       print what would be replayed; change nothing\n"
	    "  --wait SECONDS  wait this long at most for the outcomes (default 5)\n"
	    "  --no-wait       do not wait (the outcome is not known)\n"
	    CTL_FILTERS,
	    ctl_replay_opts, 0, SIZE_MAX, 1, CTL_CONF_REDIS, ctl_dead_replay },
	{ "dead drop", "[--dry-run] --all [FILTERS] | ID...",
	    "remove dead letters for good",
	    "Remove the dead letters named (with --all: every letter the filters let\n"
	    "through), and their event's dead-event:<event id> key when it points to\n"
	    "one of them. A letter holding its event's bytes for other letters\n"
	    "(their payload_in) is kept unless those go too.\n"
	    "  --all       every letter the filters let through\n"
	    "  --dry-run   print what would be removed; change nothing\n"
	    CTL_FILTERS,
	    ctl_drop_opts, 0, SIZE_MAX, 1, CTL_CONF_REDIS, ctl_dead_drop },
	{ "suppress add", "ADDRESS [REASON]",
	    "never send to this email address or phone",
	    "Put ADDRESS (an email address, or a phone number normalised to E.164)\n"
	    "on the suppression list, with REASON, and in its consent history.\n",
	    NULL, 1, 2, 0, CTL_CONF_FULL, ctl_suppress_add },
	{ "suppress remove", "ADDRESS", "lift an opt-out",
	    "Take ADDRESS off the suppression list (its consent history records it).\n",
	    NULL, 1, 1, 1, CTL_CONF_FULL, ctl_suppress_remove },
	{ "suppress list", "", "who opted out, when, from where",
	    "Print every suppressed address with its record.\n",
	    NULL, 0, 0, 0, CTL_CONF_REDIS, ctl_suppress_list },
	{ "report", "--month YYYY-MM | --from YYYY-MM --to YYYY-MM [--csv] "
	    "[--lang fr|en] [--html FILE]",
	    "the programme's figures per territory and month",
	    "Print per territory, by name, and in total, for each month of the period\n"
	    "(each territory's local month): the people (arrivals, welcomed, by channel,\n"
	    "candidates announced, departures, opt-outs), the messages (welcomes,\n"
	    "counsellor notices, check-ins, follow-up reminders, employer alerts,\n"
	    "failed) and the follow-ups (due, done, overdue today), with the change\n"
	    "from the month before.\n"
	    "  --month YYYY-MM  one month\n"
	    "  --from YYYY-MM   the first month of a period (a fiscal year: April)\n"
	    "  --to YYYY-MM     its last month (March)\n"
	    "  --csv            as CSV: a line per month and territory, and the total\n"
	    "  --lang fr|en     names and words (default: the first language configured)\n"
	    "  --html FILE      also write a self-contained page with charts to FILE\n",
	    ctl_report_opts, 0, 0, 0, CTL_CONF_REDIS, ctl_report },
	{ "forget", "PERSON_ID [--email ADDRESS]... [--phone NUMBER]...",
	    "erase a person everywhere relais keeps them",
	    "Erase a person everywhere relais keeps them (Law 25), then print what\n"
	    "was removed; the suppression list and the consent history stay. A\n"
	    "PERSON_ID starting with \"-\" goes after \"--\".\n"
	    "  --email ADDRESS  an address of theirs to search for too (up to 4)\n"
	    "  --phone NUMBER   a phone number of theirs to search for too (up to 4)\n",
	    ctl_who_opts, 1, 1, 1, CTL_CONF_FULL, ctl_forget },
	{ "export", "PERSON_ID [--email ADDRESS]... [--phone NUMBER]...",
	    "print as JSON all relais holds about a person",
	    "Print as one JSON document everything relais holds about a person,\n"
	    "found as forget finds it; nothing changes.\n"
	    "  --email ADDRESS  an address of theirs to search for too (up to 4)\n"
	    "  --phone NUMBER   a phone number of theirs to search for too (up to 4)\n",
	    ctl_who_opts, 1, 1, 0, CTL_CONF_FULL, ctl_export },
	{ "render", "--event FILE|- [--territory ID] [--lang LANG]",
	    "print what an event would send, without sending",
	    "Decode an event, run its handler, route and render it as relaisd would\n"
	    "and print every delivery; nothing is sent, Redis is not contacted.\n"
	    "  --event FILE     the event (\"-\": standard input)\n"
	    "  --territory ID   in place of the event's territory\n"
	    "  --lang LANG      in place of the person's language\n",
	    ctl_render_opts, 0, 0, 0, CTL_CONF_FULL, ctl_render },
	{ "outbox", "FILE|-", "an outbox file as readable messages",
	    "Print an outbox gateway's file (JSON lines) as readable messages.\n",
	    NULL, 1, 1, 0, CTL_CONF_NONE, ctl_outbox },
	{ "console-user add",
	    "NAME --role viewer|coordinator --scope region|TERRITORY "
	    "[--password-stdin] [--file FILE]",
	    "give someone access to the web console",
	    "Add a user to the web console's users file (console.users_file),\n"
	    "with a password read twice from the terminal without echo (from\n"
	    "standard input, one line, when it is not a terminal). Passwords are\n"
	    "stored hashed with yescrypt; at least 12 characters.\n"
	    "  --role ROLE        viewer (reads) or coordinator (also replays,\n"
	    "                     drops dead letters, records opt-outs)\n"
	    "  --scope SCOPE      region (every territory) or one territory's id\n"
	    CTL_CONSOLE_OPTS,
	    ctl_cu_add_opts, 1, 1, 0, CTL_CONF_NONE, ctl_console_user_add },
	{ "console-user remove", "NAME [--file FILE]",
	    "take someone's access to the web console away",
	    "Remove a user from the web console's users file; their sessions end\n"
	    "when relaisd reads the file again (reload).\n" CTL_CONSOLE_FILE,
	    ctl_cu_opts, 1, 1, 1, CTL_CONF_NONE, ctl_console_user_remove },
	{ "console-user passwd", "NAME [--password-stdin] [--file FILE]",
	    "change a console user's password",
	    "Set a new password for a user of the web console (read as for add);\n"
	    "their sessions end when relaisd reads the file again (reload).\n"
	    CTL_CONSOLE_OPTS,
	    ctl_cu_pw_opts, 1, 1, 0, CTL_CONF_NONE, ctl_console_user_passwd },
	{ "console-user list", "[--file FILE]", "the web console's users",
	    "Print the users of the web console with their role and scope\n"
	    "(never their password hashes).\n" CTL_CONSOLE_FILE,
	    ctl_cu_opts, 0, 0, 0, CTL_CONF_NONE, ctl_console_user_list },
	{ "help", "[COMMAND [SUBCOMMAND]]", "the help of a command",
	    "Print the help of COMMAND, or the list of commands.\n",
	    NULL, 0, 2, 0, CTL_CONF_NONE, ctl_help_cmd },
};
#define CTL_NCMDS	(sizeof ctl_table / sizeof ctl_table[0])

static void
ctl_usage(FILE *f)
{
	char	 line[128];
	size_t	 i;

	fprintf(f, "usage: relaisctl [-c FILE] [--env-file FILE] COMMAND "
	    "[ARGS]\n       relaisctl COMMAND --help\n       relaisctl "
	    "--version | --help\n\ncommands:\n");
	for (i = 0; i < CTL_NCMDS; i++) {
		snprintf(line, sizeof line, "%s %s", ctl_table[i].name,
		    ctl_table[i].usage);
		if (strlen(line) > 34)
			fprintf(f, "  %s\n  %-34s %s\n", line, "",
			    ctl_table[i].brief);
		else
			fprintf(f, "  %-34s %s\n", line, ctl_table[i].brief);
	}
	fprintf(f, "\n"
	    "  -c, --config FILE  configuration (default $RELAIS_CONFIG, else "
	    CTL_CONFIG ")\n"
	    "  --env-file FILE    the environment file of relaisd's unit (default "
	    "$RELAIS_ENV_FILE,\n"
	    "                     else " CTL_ENV_FILE " if it exists; \"\": "
	    "none)\n"
	    "  -V, --version      print the version\n"
	    "  -h, --help         print this help\n");
}

static void
ctl_help(const struct ctl_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: relaisctl %s%s%s\n%s", cmd->name, *cmd->usage ?
	    " " : "", cmd->usage, cmd->help);
}

/* The subcommands of a group ("dead"), for its help or a usage error. */
static void
ctl_group_usage(const char *group, FILE *f)
{
	size_t	i, n = strlen(group);

	for (i = 0; i < CTL_NCMDS; i++) {
		if (strncmp(ctl_table[i].name, group, n) == 0 &&
		    ctl_table[i].name[n] == ' ')
			fprintf(f, "usage: relaisctl %s %s\n", ctl_table[i].name,
			    ctl_table[i].usage);
	}
	fprintf(f, "(relaisctl %s SUBCOMMAND --help says more)\n", group);
}

/*
 * The command argv names ("dead replay" takes two words); *used is how
 * many. NULL with *rc: 0 after a group's help, 2 after a usage error.
 */
static const struct ctl_cmd *
ctl_find(int argc, char **argv, int *used, int *rc)
{
	size_t	i, k;
	int	group = 0;

	for (i = 0; i < CTL_NCMDS; i++) {
		k = strcspn(ctl_table[i].name, " ");
		if (strncmp(argv[0], ctl_table[i].name, k) != 0 ||
		    argv[0][k] != '\0')
			continue;
		if (ctl_table[i].name[k] == '\0') {
			*used = 1;
			return &ctl_table[i];
		}
		group = 1;
		if (argc > 1 && strcmp(argv[1], ctl_table[i].name + k + 1) == 0) {
			*used = 2;
			return &ctl_table[i];
		}
	}
	*rc = 2;
	if (!group) {
		fprintf(stderr, "relaisctl: unknown command \"%s\"\n", argv[0]);
		ctl_usage(stderr);
	} else if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		ctl_group_usage(argv[0], stdout);
		*rc = 0;
	} else {
		if (argc > 1)
			fprintf(stderr, "relaisctl %s: unknown subcommand "
			    "\"%s\"\n", argv[0], argv[1]);
		else
			fprintf(stderr, "relaisctl %s: a subcommand is "
			    "needed\n", argv[0]);
		ctl_group_usage(argv[0], stderr);
	}
	return NULL;
}

/* Whether -h or --help comes before any "--": then nothing runs. */
static int
ctl_wants_help(int argc, char **argv)
{
	int	i;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

static const struct ctl_opt *
ctl_opt_find(const struct ctl_opt *opts, const char *s, size_t len,
    char shortc)
{
	for (; opts != NULL && opts->name != NULL; opts++) {
		if (shortc != 0 ? opts->shortc == shortc :
		    strlen(opts->name) == len && strncmp(opts->name, s, len) == 0)
			return opts;
	}
	return NULL;
}

/*
 * Parses the words after the command's name: "--name", "--name=VALUE",
 * "--name VALUE", "-x", "-xVALUE", "-x VALUE"; after "--" every word is an
 * argument. An unknown option is an error, never an argument. Returns 0,
 * or 2 after a message.
 */
static int
ctl_parse(const struct ctl *c, int argc, char **argv, struct ctl_args *a)
{
	const struct ctl_opt	*o;
	const char		*s, *eq, *v;
	int			 i, rest = 0;

	memset(a, 0, sizeof *a);
	a->opts = c->cmd->opts;
	a->val = xcalloc((size_t)argc + 1, sizeof *a->val);
	a->opt = xcalloc((size_t)argc + 1, sizeof *a->opt);
	a->pos = xcalloc((size_t)argc + 1, sizeof *a->pos);
	for (i = 0; i < argc; i++) {
		s = argv[i];
		if (!rest && strcmp(s, "--") == 0) {
			rest = 1;
			continue;
		}
		if (rest || s[0] != '-' || s[1] == '\0') {
			if (!rest && c->cmd->targets && s[0] == '-')
				return ctl_usage_error(c, "\"%s\" looks like an "
				    "option: an argument starting with \"-\" "
				    "goes after \"--\"", s);
			a->pos[a->npos++] = argv[i];
			continue;
		}
		v = NULL;
		if (s[1] == '-') {
			eq = strchr(s + 2, '=');
			o = ctl_opt_find(c->cmd->opts, s + 2, eq != NULL ?
			    (size_t)(eq - s - 2) : strlen(s + 2), 0);
			if (eq != NULL)
				v = eq + 1;
		} else {
			o = ctl_opt_find(c->cmd->opts, NULL, 0, s[1]);
			if (s[2] != '\0')
				v = s + 2;
		}
		if (o == NULL)
			return ctl_usage_error(c, "unknown option %s", s);
		if (!o->arg && v != NULL)
			return ctl_usage_error(c, "option --%s takes no value",
			    o->name);
		if (o->arg && v == NULL) {
			if (i + 1 >= argc)
				return ctl_usage_error(c, "option --%s needs a "
				    "value", o->name);
			v = argv[++i];
		}
		a->opt[a->nocc] = (size_t)(o - c->cmd->opts);
		a->val[a->nocc++] = o->arg ? v : "";
	}
	if (a->npos < c->cmd->minpos)
		return ctl_usage_error(c, "an argument is missing");
	if (a->npos > c->cmd->maxpos)
		return ctl_usage_error(c, "too many arguments (\"%s\")",
		    a->pos[c->cmd->maxpos]);
	return 0;
}

static void
ctl_args_free(struct ctl_args *a)
{
	free(a->val);
	free(a->opt);
	free(a->pos);
}

static int
ctl_help_cmd(struct ctl *c, const struct ctl_args *a)
{
	const struct ctl_cmd	*cmd;
	int			 used, rc = 0;

	size_t			 i, n;

	(void)c;
	if (a->npos == 0) {
		ctl_usage(stdout);
		return 0;
	}
	n = strlen(a->pos[0]);
	for (i = 0; a->npos == 1 && i < CTL_NCMDS; i++) {
		if (strncmp(ctl_table[i].name, a->pos[0], n) == 0 &&
		    ctl_table[i].name[n] == ' ') {
			ctl_group_usage(a->pos[0], stdout);
			return 0;
		}
	}
	if ((cmd = ctl_find((int)a->npos, a->pos, &used, &rc)) == NULL)
		return rc;
	if ((size_t)used != a->npos) {
		fprintf(stderr, "relaisctl help: %s has no subcommand\n",
		    cmd->name);
		return 2;
	}
	ctl_help(cmd, stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "env-file", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ctl_cmd	*cmd;
	struct ctl_args		 args;
	struct ctl		 c;
	const char		*path = getenv("RELAIS_CONFIG"), *env = NULL;
	char			 err[128];
	int			 ch, rc = 2, used;

	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'E':
			env = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		case 'V':
			printf("relaisctl %s\n", RELAIS_VERSION);
			return 0;
		default:
			ctl_usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		ctl_usage(stderr);
		return 2;
	}
	if ((cmd = ctl_find(argc, argv, &used, &rc)) == NULL)
		return rc;
	argc -= used;
	argv += used;
	/* help never runs anything, wherever it stands */
	if (ctl_wants_help(argc, argv)) {
		ctl_help(cmd, stdout);
		return 0;
	}
	memset(&c, 0, sizeof c);
	c.cmd = cmd;
	c.path = path != NULL ? path : CTL_CONFIG;
	c.env = env;
	if ((rc = ctl_parse(&c, argc, argv, &args)) != 0)
		goto done;
	log_init("relaisctl", 0);
	if (clock_init(err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s\n", err);
		rc = 2;
		goto done;
	}
	rc = 1;
	if (cmd->conf != CTL_CONF_NONE && (ctl_env_load(env) == -1 ||
	    ctl_config(&c, path != NULL ? path : CTL_CONFIG) == -1))
		goto done;
	rc = cmd->exec(&c, &args);
done:
	ctl_args_free(&args);
	if (c.rc != NULL)
		redisFree(c.rc);
	config_free(c.cf);
	return rc;
}
