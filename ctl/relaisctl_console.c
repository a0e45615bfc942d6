/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * relaisctl console-user add|remove|passwd|list: the web console's users
 * file (console.users_file, or --file). Passwords are read from the
 * terminal without echo, or one line from standard input, and stored
 * hashed with yescrypt (console_auth.c); hashes are never printed.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "config.h"
#include "console_auth.h"
#include "diag.h"
#include "relaisctl.h"
#include "suggest.h"
#include "territory.h"

/* A line of standard input: the password, its newline, one byte more. */
#define CTL_PW_LINE	(CONSOLE_PASSWORD_MAX + 3)

/* The users file of one command, locked for the time it runs. */
struct ctl_cu {
	const char		*path;
	struct console_users	 users;
	int			 lockfd;
};

/* The terminal's settings while the password is typed without echo. */
static struct termios	ctl_cu_tty;
static volatile sig_atomic_t ctl_cu_tty_saved;

/* Puts the echo back before dying of a signal while it was off. */
static void
ctl_cu_tty_signal(int sig)
{
	if (ctl_cu_tty_saved)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_cu_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads one line of at most CONSOLE_PASSWORD_MAX bytes from f into pw
 * (CTL_PW_LINE bytes), its line end cut: 0, or -1 after a message.
 */
static int
ctl_cu_line(FILE *f, char *pw, const char *from)
{
	size_t	n;
	int	c;

	if (fgets(pw, CTL_PW_LINE, f) == NULL) {
		fprintf(stderr, "relaisctl: no password on %s\n", from);
		return -1;
	}
	n = strlen(pw);
	if (n > 0 && pw[n - 1] == '\n')
		pw[--n] = '\0';
	else if (n == CTL_PW_LINE - 1) {
		while ((c = fgetc(f)) != EOF && c != '\n')
			;
		fprintf(stderr, "relaisctl: password longer than %d bytes\n",
		    CONSOLE_PASSWORD_MAX);
		return -1;
	}
	if (n > 0 && pw[n - 1] == '\r')
		pw[--n] = '\0';
	return 0;
}

/* Prompts on the terminal and reads a line with the echo off. */
static int
ctl_cu_ask(const char *prompt, char *pw)
{
	struct termios		 raw;
	struct sigaction	 sa, old[3];
	static const int	 sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	int			 i, r;

	if (tcgetattr(STDIN_FILENO, &ctl_cu_tty) == -1) {
		fprintf(stderr, "relaisctl: terminal: %s\n", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ctl_cu_tty_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	raw = ctl_cu_tty;
	raw.c_lflag &= ~(tcflag_t)ECHO;
	raw.c_lflag |= ECHONL;
	ctl_cu_tty_saved = 1;
	/* the echo off before the prompt: TCSAFLUSH drops what came before */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == -1) {
		fprintf(stderr, "relaisctl: terminal: %s\n", strerror(errno));
		r = -1;
	} else {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		r = ctl_cu_line(stdin, pw, "the terminal");
	}
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_cu_tty);
	ctl_cu_tty_saved = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return r;
}

/*
 * The new password, hashed into hash: typed twice on the terminal, or one
 * line of standard input (--password-stdin, or when it is no terminal).
 */
static int
ctl_cu_password(const struct ctl_args *a, const char *name, char *hash,
    size_t hashlen)
{
	char	pw[CTL_PW_LINE], again[CTL_PW_LINE], err[160], prompt[128];
	int	r = -1;

	if (ctl_opt(a, "password-stdin") != NULL || !isatty(STDIN_FILENO)) {
		if (ctl_cu_line(stdin, pw, "standard input") == -1)
			goto done;
	} else {
		snprintf(prompt, sizeof prompt, "Password for %s (at least %d "
		    "characters): ", name, CONSOLE_PASSWORD_MIN);
		if (ctl_cu_ask(prompt, pw) == -1 ||
		    ctl_cu_ask("Again: ", again) == -1)
			goto done;
		if (strcmp(pw, again) != 0) {
			fprintf(stderr, "relaisctl: the passwords differ; "
			    "nothing changed\n");
			goto done;
		}
	}
	if (console_password_hash(pw, hash, hashlen, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s; nothing changed\n", err);
		goto done;
	}
	r = 0;
done:
	OPENSSL_cleanse(pw, sizeof pw);
	OPENSSL_cleanse(again, sizeof again);
	return r;
}

/*
 * The configuration, when it can be read: needed for console.users_file
 * without --file; with --file, only to check scopes (a configuration that
 * is missing or does not load is then passed over, with a note).
 */
static int
ctl_cu_config(struct ctl *c, const char *file)
{
	struct diag	d;

	if (file == NULL) {
		if (ctl_env_load(c->env) == -1 ||
		    ctl_config(c, c->path) == -1) {
			fprintf(stderr, "relaisctl: the users file is the "
			    "configuration's console.users_file (-c FILE), or "
			    "--file FILE\n");
			return -1;
		}
		if (c->cf->console.users_file == NULL) {
			fprintf(stderr, "relaisctl: %s has no console."
			    "users_file; --file names the users file\n",
			    c->path);
			return -1;
		}
		return 0;
	}
	if (access(c->path, F_OK) == -1)
		return 0;
	if (ctl_env_load(c->env) == -1)
		return 0;
	diag_init(&d);
	c->cf = config_load(c->path, &d);
	if (c->cf == NULL)
		fprintf(stderr, "relaisctl: note: %s does not load (%s): "
		    "territories not checked\n", c->path,
		    d.n > 0 ? d.msgs[0] : "?");
	diag_free(&d);
	return 0;
}

/*
 * Opens the users file for a change: the directory it is in locked (one
 * relaisctl changes it at a time: a change is read, edited, written), then
 * the file read. 0, or -1 after a message.
 */
static int
ctl_cu_open(struct ctl *c, const struct ctl_args *a, struct ctl_cu *cu,
    int lock)
{
	const char	*slash;
	char		*dir, err[512];

	memset(cu, 0, sizeof *cu);
	cu->lockfd = -1;
	if (ctl_cu_config(c, ctl_opt(a, "file")) == -1)
		return -1;
	cu->path = ctl_opt(a, "file");
	if (cu->path == NULL)
		cu->path = c->cf->console.users_file;
	if (lock) {
		slash = strrchr(cu->path, '/');
		dir = slash == NULL ? xstrdup(".") : slash == cu->path ?
		    xstrdup("/") : xstrndup(cu->path,
		    (size_t)(slash - cu->path));
		cu->lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cu->lockfd == -1 || flock(cu->lockfd, LOCK_EX) == -1) {
			fprintf(stderr, "relaisctl: %s: %s\n", dir,
			    strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	if (console_users_load(cu->path, &cu->users, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s\n", err);
		return -1;
	}
	return 0;
}

static void
ctl_cu_close(struct ctl_cu *cu)
{
	console_users_free(&cu->users);
	if (cu->lockfd != -1)
		close(cu->lockfd);
	cu->lockfd = -1;
}

static int
ctl_cu_save(struct ctl_cu *cu)
{
	char	err[512];

	if (console_users_save(cu->path, &cu->users, err, sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s; nothing changed\n", err);
		return -1;
	}
	return 0;
}

/* Whether scope is "region" or a territory of the configuration. */
static int
ctl_cu_scope_ok(const struct ctl *c, const char *scope)
{
	const struct territory_set	*set;
	const char			**known;
	struct buf			 b;
	size_t				 i, n;

	if (strcmp(scope, "region") == 0)
		return 1;
	if (!console_scope_ok(scope)) {
		fprintf(stderr, "relaisctl %s: bad scope \"%s\": region, or a "
		    "territory id\n", c->cmd->name, scope);
		return 0;
	}
	if (c->cf == NULL) {
		fprintf(stderr, "relaisctl: note: no configuration read (%s): "
		    "territory \"%s\" not checked\n", c->path, scope);
		return 1;
	}
	if ((set = c->cf->territories) == NULL ||
	    territory_find(set, scope) != NULL)
		return 1;
	n = territory_set_count(set);
	known = xcalloc(n + 1, sizeof *known);
	for (i = 0; i < n; i++)
		known[i] = territory_set_at(set, i)->id;
	/* the fallback territory may be called region already */
	if (territory_find(set, "region") == NULL)
		known[n++] = "region";
	buf_init(&b);
	buf_printf(&b, "relaisctl %s: unknown territory \"%s\"", c->cmd->name,
	    scope);
	suggest_append(&b, scope, known, n);
	fprintf(stderr, "%s\n", b.data);
	buf_free(&b);
	free(known);
	return 0;
}

/* Where relaisd will see the change: its next start or reload. */
static void
ctl_cu_reload_note(const struct ctl_cu *cu, const struct stat *before)
{
	struct stat	 st;
	struct passwd	*pw;
	struct group	*gr;

	if (before == NULL && stat(cu->path, &st) == 0) {
		pw = getpwuid(st.st_uid);
		gr = getgrgid(st.st_gid);
		printf("created %s, mode 0640, owner %s:%s: relaisd must be "
		    "able to read it\n", cu->path, pw != NULL ? pw->pw_name :
		    "?", gr != NULL ? gr->gr_name : "?");
	}
	printf("relaisd reads %s at start and on reload (systemctl reload "
	    "relaisd)\n", cu->path);
}

int
ctl_console_user_add(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_cu		 cu;
	struct stat		 st;
	enum console_role	 role;
	const char		*name = a->pos[0], *rolename, *scope;
	char			 hash[CONSOLE_HASH_MAX], err[256];
	int			 rc = 1, existed;

	rolename = ctl_opt(a, "role");
	scope = ctl_opt(a, "scope");
	if (rolename == NULL || scope == NULL)
		return ctl_usage_error(c, "--role and --scope are needed");
	if (console_role_parse(rolename, &role) == -1)
		return ctl_usage_error(c, "unknown role \"%s\": viewer or "
		    "coordinator", rolename);
	if (!console_name_ok(name))
		return ctl_usage_error(c, "bad user name \"%s\": 1 to %d of "
		    "A-Z a-z 0-9 . _ @ -", name, CONSOLE_NAME_MAX);
	if (ctl_cu_open(c, a, &cu, 1) == -1)
		goto done;
	if (!ctl_cu_scope_ok(c, scope)) {
		rc = 2;
		goto done;
	}
	if (console_users_find(&cu.users, name) != NULL) {
		fprintf(stderr, "relaisctl: %s: user \"%s\" exists (console-user "
		    "passwd changes a password; remove, then add, changes a "
		    "role)\n", cu.path, name);
		goto done;
	}
	if (ctl_cu_password(a, name, hash, sizeof hash) == -1)
		goto done;
	if (console_users_set(&cu.users, name, role, scope, hash, err,
	    sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s\n", err);
		goto done;
	}
	existed = stat(cu.path, &st) == 0;
	if (ctl_cu_save(&cu) == -1)
		goto done;
	printf("added %s: %s, %s\n", name, rolename, scope);
	ctl_cu_reload_note(&cu, existed ? &st : NULL);
	rc = 0;
done:
	OPENSSL_cleanse(hash, sizeof hash);
	ctl_cu_close(&cu);
	return rc;
}

int
ctl_console_user_passwd(struct ctl *c, const struct ctl_args *a)
{
	const struct console_user	*u;
	struct ctl_cu			 cu;
	struct stat			 st;
	const char			*name = a->pos[0];
	char				 hash[CONSOLE_HASH_MAX], err[256];
	char				*scope = NULL;
	int				 rc = 1;

	if (ctl_cu_open(c, a, &cu, 1) == -1)
		goto done;
	if ((u = console_users_find(&cu.users, name)) == NULL) {
		fprintf(stderr, "relaisctl: %s: no user \"%s\"\n", cu.path,
		    name);
		goto done;
	}
	if (ctl_cu_password(a, name, hash, sizeof hash) == -1)
		goto done;
	/* u's strings go when it is replaced: its scope is copied first */
	if (u->scope != NULL)
		scope = xstrdup(u->scope);
	if (console_users_set(&cu.users, name, u->role, scope, hash, err,
	    sizeof err) == -1) {
		fprintf(stderr, "relaisctl: %s\n", err);
		goto done;
	}
	if (stat(cu.path, &st) == -1 || ctl_cu_save(&cu) == -1)
		goto done;
	printf("password of %s changed; their open sessions end when relaisd "
	    "reads the file\n", name);
	ctl_cu_reload_note(&cu, &st);
	rc = 0;
done:
	free(scope);
	OPENSSL_cleanse(hash, sizeof hash);
	ctl_cu_close(&cu);
	return rc;
}

int
ctl_console_user_remove(struct ctl *c, const struct ctl_args *a)
{
	struct ctl_cu	 cu;
	struct stat	 st;
	const char	*name = a->pos[0];
	int		 rc = 1;

	if (ctl_cu_open(c, a, &cu, 1) == -1)
		goto done;
	if (console_users_remove(&cu.users, name) == -1) {
		fprintf(stderr, "relaisctl: %s: no user \"%s\"\n", cu.path,
		    name);
		goto done;
	}
	if (stat(cu.path, &st) == -1 || ctl_cu_save(&cu) == -1)
		goto done;
	printf("removed %s; their open sessions end when relaisd reads the "
	    "file\n", name);
	ctl_cu_reload_note(&cu, &st);
	rc = 0;
done:
	ctl_cu_close(&cu);
	return rc;
}

int
ctl_console_user_list(struct ctl *c, const struct ctl_args *a)
{
	const struct console_user	*u;
	const struct territory		*t;
	struct ctl_cu			 cu;
	size_t				 i;
	int				 rc = 1;

	if (ctl_cu_open(c, a, &cu, 0) == -1)
		goto done;
	if (cu.users.n == 0) {
		printf("no users in %s: nobody can log in to the console\n",
		    cu.path);
		rc = 0;
		goto done;
	}
	printf("%-32s %-12s %s\n", "NAME", "ROLE", "SCOPE");
	for (i = 0; i < cu.users.n; i++) {
		u = &cu.users.v[i];
		t = NULL;
		if (u->scope != NULL && c->cf != NULL &&
		    c->cf->territories != NULL)
			t = territory_find(c->cf->territories, u->scope);
		printf("%-32s %-12s %s%s\n", u->name,
		    console_role_name(u->role),
		    u->scope != NULL ? u->scope : "region",
		    u->scope != NULL && c->cf != NULL && t == NULL ?
		    " (not a territory of the configuration)" : "");
	}
	rc = 0;
done:
	ctl_cu_close(&cu);
	return rc;
}
