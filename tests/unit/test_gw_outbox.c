/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for the outbox gateway kind: JSON lines in a temp file, synced before the answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "config_parse.h"
#include "diag.h"
#include "gw.h"
#include "gw_outbox.h"
#include "ynode.h"

#define TEST_NOW	"2026-03-04T19:30:00Z"
#define MAXMSG		200

/*
 * The writer thread's fdatasync, seen by the test: counted, made to fail
 * (sync_errno), or held until the test releases it (sync_hold), then the
 * real system call. This executable's definition is the one the outbox
 * links to.
 */
static pthread_mutex_t	 sync_mu = PTHREAD_MUTEX_INITIALIZER;
static int		 sync_calls;
static int		 sync_errno;
static int		 sync_hold;
static sem_t		 sync_entered, sync_release;

int
fdatasync(int fd)
{
	int	hold, fail;

	pthread_mutex_lock(&sync_mu);
	sync_calls++;
	hold = sync_hold;
	fail = sync_errno;
	pthread_mutex_unlock(&sync_mu);
	if (hold) {
		sem_post(&sync_entered);
		sem_wait(&sync_release);
	}
	if (fail != 0) {
		errno = fail;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

static int
sync_count(void)
{
	int	n;

	pthread_mutex_lock(&sync_mu);
	n = sync_calls;
	pthread_mutex_unlock(&sync_mu);
	return n;
}

static void
sync_set(int hold, int fail)
{
	pthread_mutex_lock(&sync_mu);
	sync_hold = hold;
	sync_errno = fail;
	pthread_mutex_unlock(&sync_mu);
}

/* Waits (at most 3 s) for the writer to be held inside fdatasync. */
static void
sync_wait_entered(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	while (sem_timedwait(&sync_entered, &ts) == -1) {
		if (errno != EINTR)
			fail_msg("the writer never reached fdatasync");
	}
}

/* One answer: which message, what came, what the file held then. */
struct answer {
	int			 calls;
	struct gw_result	 res;
	int			 order;		/* rank among all answers */
	int			 synced;	/* fdatasync calls by then */
	int			 on_disk;	/* its line was in the file */
};

struct fx {
	struct event_base	*base;
	struct gw		 g;
	struct config_gateway	 cg;
	struct gw_outbox_conf	 oc;
	int			 up;
	char			 dir[64];
	char			 path[128];
	char			 name[16];
	char			 keys[MAXMSG][40];
	struct answer		 ans[MAXMSG];
	int			 nanswers;
};

static struct fx	*cur;

/* The file's content, NUL-terminated (freed by the caller); *lenp its size. */
static char *
file_read(const char *path, size_t *lenp)
{
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	buf_putc(&b, '\0');
	return buf_steal(&b, lenp);
}

/* Whether the file holds a line with this delivery key. */
static int
file_has_key(const char *path, const char *key)
{
	char	*s, pat[80];
	int	 found;

	s = file_read(path, NULL);
	snprintf(pat, sizeof pat, "{\"delivery_key\":\"%s\",", key);
	found = strstr(s, pat) != NULL;
	free(s);
	return found;
}

static void
on_result(const struct gw_result *res, void *arg)
{
	struct answer	*a = arg;
	int		 i = (int)(a - cur->ans);

	a->calls++;
	a->res = *res;
	a->order = cur->nanswers++;
	a->synced = sync_count();
	a->on_disk = cur->path[0] != '\0' && file_has_key(cur->path,
	    cur->keys[i]);
}

/* Loops until n answers came or ms pass; returns whether they did. */
static int	deadline_hit;

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	deadline_hit = 1;
}

static int
run_until_answers(int n, int ms)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	deadline_hit = 0;
	ev = evtimer_new(cur->base, deadline_cb, NULL);
	evtimer_add(ev, &tv);
	while (cur->nanswers < n && !deadline_hit)
		event_base_loop(cur->base, EVLOOP_ONCE);
	event_free(ev);
	return cur->nanswers >= n;
}

/* Message i: every field set, its own key; odd ones are SMS. */
static struct gw_msg
test_msg(struct fx *f, int i)
{
	struct gw_msg	m;

	memset(&m, 0, sizeof m);
	snprintf(f->keys[i], sizeof f->keys[i], "key-%04d", i);
	m.key = f->keys[i];
	m.event_id = "evt-1";
	m.type = "newcomer.arrived";
	m.territory = "abitibi";
	m.role = "newcomer";
	m.language = "fr";
	m.template = "welcome";
	m.gateway = "box";
	m.from = "accueil@abitibi.example";
	if (i % 2 == 0) {
		m.channel = "email";
		m.from_name = "Accueil MRC d'Abitibi";
		m.reply_to = "reponses@abitibi.example";
		m.to = "ana.lefebvre@example.com";
		m.subject = "Bienvenue à Amos, Ana !";
		m.text = "Bonjour Ana,\nL'équipe d'accueil\tvous salue.\n";
		m.html = "<p>Bonjour Ana,</p>\n<p>« Bienvenue »</p>";
	} else {
		m.channel = "sms";
		m.to = "+18195550123";
		m.text = "Bienvenue à Amos !\nRépondez ARRET pour arrêter.";
	}
	return m;
}

static int
group_setup(void **state)
{
	char	err[256];

	(void)state;
	if (sem_init(&sync_entered, 0, 0) == -1 ||
	    sem_init(&sync_release, 0, 0) == -1)
		return -1;
	if (setenv("RELAIS_TEST_NOW", TEST_NOW, 1) == -1)
		return -1;
	return clock_init(err, sizeof err) == 1 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	err[256];

	(void)state;
	sem_destroy(&sync_entered);
	sem_destroy(&sync_release);
	unsetenv("RELAIS_TEST_NOW");
	return clock_init(err, sizeof err) == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	struct fx	*f;

	assert_non_null(f = calloc(1, sizeof *f));
	assert_non_null(f->base = event_base_new());
	snprintf(f->dir, sizeof f->dir, "/tmp/tg-outbox-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/outbox.jsonl", f->dir);
	snprintf(f->name, sizeof f->name, "box");
	f->oc.path = f->path;
	f->cg.name = f->name;
	f->cg.kind = f->name;
	f->cg.conf = &f->oc;
	f->g.kind = &gw_outbox_kind;
	f->g.name = f->name;
	f->g.base = f->base;
	sync_set(0, 0);
	cur = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	sync_set(0, 0);
	if (f->up)
		gw_outbox_kind.free(&f->g);
	unlink(f->path);
	rmdir(f->dir);
	event_base_free(f->base);
	free(f);
	cur = NULL;
	return 0;
}

static void
outbox_up(struct fx *f)
{
	char	err[256];

	if (gw_outbox_kind.init(&f->g, &f->cg, err, sizeof err) == -1)
		fail_msg("init: %s", err);
	f->up = 1;
}

/* Sends message i, answered later, never from inside. */
static void
send_msg(struct fx *f, int i)
{
	struct gw_msg	m = test_msg(f, i);

	assert_int_equal(gw_outbox_kind.send(&f->g, &m, on_result,
	    &f->ans[i]), 0);
	assert_int_equal(f->ans[i].calls, 0);
}

static void
assert_field(json_t *j, const char *k, const char *want)
{
	json_t	*v = json_object_get(j, k);

	if (want == NULL) {
		if (v != NULL)
			fail_msg("%s: expected none, got a value", k);
		return;
	}
	if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
		fail_msg("%s: expected \"%s\", got %s", k, want,
		    json_is_string(v) ? json_string_value(v) : "none");
}

/* Line (one JSON object, "at" the test clock's) holds message i's record. */
static void
assert_line(struct fx *f, const char *line, size_t len, int i)
{
	struct gw_msg	 m = test_msg(f, i);
	json_error_t	 je;
	json_t		*j;
	const char	*at;

	if ((j = json_loadb(line, len, 0, &je)) == NULL)
		fail_msg("line %d is not JSON (%s): %.*s", i, je.text,
		    (int)len, line);
	assert_true(json_is_object(j));
	assert_field(j, "delivery_key", m.key);
	assert_field(j, "event_id", m.event_id);
	assert_field(j, "type", m.type);
	assert_field(j, "territory", m.territory);
	assert_field(j, "role", m.role);
	assert_field(j, "channel", m.channel);
	assert_field(j, "language", m.language);
	assert_field(j, "gateway", m.gateway);
	assert_field(j, "template", m.template);
	assert_field(j, "from", m.from);
	assert_field(j, "from_name", m.from_name);
	assert_field(j, "reply_to", m.reply_to);
	assert_field(j, "to", m.to);
	assert_field(j, "subject", m.subject);
	assert_field(j, "text", m.text);
	assert_field(j, "html", m.html);
	assert_non_null(at = json_string_value(json_object_get(j, "at")));
	if (strncmp(at, "2026-03-04T19:30:0", 18) != 0 || strlen(at) != 24 ||
	    at[23] != 'Z')
		fail_msg("at: expected 2026-03-04T19:30:0x.xxxZ, got %s", at);
	assert_int_equal(json_object_size(j), i % 2 == 0 ? 17 : 13);
	json_decref(j);
}

/*
 * The file after the lines of prefix: messages first .. first + n - 1, one
 * line each, in order, and nothing else.
 */
static void
assert_file(struct fx *f, const char *prefix, int first, int n)
{
	char		*s, *p, *nl;
	size_t		 len, plen = strlen(prefix);
	int		 i;

	s = file_read(f->path, &len);
	len--;				/* the NUL file_read added */
	if (len < plen || memcmp(s, prefix, plen) != 0)
		fail_msg("the file does not begin with what it held before");
	p = s + plen;
	for (i = 0; i < n; i++) {
		if ((nl = memchr(p, '\n', (size_t)(s + len - p))) == NULL)
			fail_msg("line %d: missing or not ended by a newline",
			    first + i);
		assert_line(f, p, (size_t)(nl - p), first + i);
		p = nl + 1;
	}
	if (p != s + len)
		fail_msg("%zu bytes after the last line: %s",
		    (size_t)(s + len - p), p);
	free(s);
}

/* One line per message, every field, answered once its line is synced. */
static void
test_lines(void **state)
{
	struct fx	*f = *state;
	struct stat	 st;
	mode_t		 mask;
	int		 i, before;

	mask = umask(022);
	umask(mask);
	outbox_up(f);
	before = sync_count();
	for (i = 0; i < 3; i++)
		send_msg(f, i);
	assert_true(run_until_answers(3, 3000));
	for (i = 0; i < 3; i++) {
		assert_int_equal(f->ans[i].calls, 1);
		assert_int_equal(f->ans[i].order, i);
		assert_int_equal(f->ans[i].res.status, GW_SENT);
		assert_string_equal(f->ans[i].res.reason, "");
		assert_string_equal(f->ans[i].res.provider_id, "");
		assert_int_equal(f->ans[i].res.retry_after_s, -1);
		assert_int_equal(f->ans[i].res.local, 0);
		/* written and synced before the answer */
		assert_true(f->ans[i].on_disk);
		assert_true(f->ans[i].synced > before);
	}
	assert_file(f, "", 0, 3);
	/* created for the relais user and its group only */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640 & ~mask);
}

/* An existing file is appended to, by this gateway and the next one. */
static void
test_append(void **state)
{
	struct fx	*f = *state;
	const char	*before = "{\"delivery_key\":\"old\"}\n";
	int		 fd;

	assert_true((fd = open(f->path, O_WRONLY | O_CREAT, 0600)) >= 0);
	assert_int_equal(write(fd, before, strlen(before)),
	    (ssize_t)strlen(before));
	close(fd);
	outbox_up(f);
	send_msg(f, 0);
	assert_true(run_until_answers(1, 3000));
	assert_file(f, before, 0, 1);
	/* a restart: a new gateway on the same file */
	gw_outbox_kind.free(&f->g);
	f->up = 0;
	assert_null(f->g.priv);
	outbox_up(f);
	send_msg(f, 1);
	assert_true(run_until_answers(2, 3000));
	assert_int_equal(f->ans[1].res.status, GW_SENT);
	assert_file(f, before, 0, 2);
}

/* A burst: every message answered once, in order, its line in order. */
static void
test_burst(void **state)
{
	struct fx	*f = *state;
	int		 i;

	outbox_up(f);
	for (i = 0; i < MAXMSG; i++)
		send_msg(f, i);
	assert_true(run_until_answers(MAXMSG, 10000));
	for (i = 0; i < MAXMSG; i++) {
		assert_int_equal(f->ans[i].calls, 1);
		assert_int_equal(f->ans[i].order, i);
		assert_int_equal(f->ans[i].res.status, GW_SENT);
		assert_true(f->ans[i].on_disk);
	}
	assert_file(f, "", 0, MAXMSG);
}

/* What was queued while the writer synced goes in one batch, one sync. */
static void
test_group_commit(void **state)
{
	struct fx	*f = *state;
	int		 i, before;

	outbox_up(f);
	before = sync_count();
	sync_set(1, 0);
	send_msg(f, 0);
	sync_wait_entered();
	sync_set(0, 0);
	for (i = 1; i < 5; i++)
		send_msg(f, i);
	/* nothing is answered before its sync is done */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(f->nanswers, 0);
	sem_post(&sync_release);
	assert_true(run_until_answers(5, 3000));
	assert_int_equal(sync_count() - before, 2);
	for (i = 0; i < 5; i++)
		assert_int_equal(f->ans[i].res.status, GW_SENT);
	assert_file(f, "", 0, 5);
}

/* A failed sync: the batch is cut from the file and every message retried. */
static void
test_sync_fails(void **state)
{
	struct fx	*f = *state;
	char		 want[256];
	int		 i;

	outbox_up(f);
	send_msg(f, 0);
	assert_true(run_until_answers(1, 3000));
	/* the next batch: held in fdatasync until all three are written */
	sync_set(1, EIO);
	send_msg(f, 1);
	sync_wait_entered();
	/* queued meanwhile: the next batch, whose sync fails too */
	sync_set(0, EIO);
	send_msg(f, 2);
	send_msg(f, 3);
	sem_post(&sync_release);
	assert_true(run_until_answers(4, 3000));
	snprintf(want, sizeof want, "outbox %s: %s", f->path, strerror(EIO));
	for (i = 1; i < 4; i++) {
		assert_int_equal(f->ans[i].res.status, GW_RETRY);
		assert_string_equal(f->ans[i].res.reason, want);
		assert_int_equal(f->ans[i].res.retry_after_s, -1);
		assert_false(f->ans[i].on_disk);
	}
	/* no torn line, no line of a failed batch: the retry writes it once */
	assert_file(f, "", 0, 1);
	sync_set(0, 0);
	memset(&f->ans[1], 0, sizeof f->ans[1]);
	send_msg(f, 1);
	assert_true(run_until_answers(5, 3000));
	assert_int_equal(f->ans[1].res.status, GW_SENT);
	assert_file(f, "", 0, 2);
}

/* A short write (the file size limit): cut back to the batch's start. */
static void
test_short_write(void **state)
{
	struct fx	*f = *state;
	struct rlimit	 old, lim;
	struct stat	 st;
	char		 want[256];
	void		(*oldsig)(int);

	outbox_up(f);
	send_msg(f, 0);
	assert_true(run_until_answers(1, 3000));
	assert_int_equal(stat(f->path, &st), 0);
	/* room for 10 more bytes: a part of the next line, then EFBIG */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 10;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	send_msg(f, 2);
	assert_true(run_until_answers(2, 3000));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	snprintf(want, sizeof want, "outbox %s: %s", f->path, strerror(EFBIG));
	assert_int_equal(f->ans[2].res.status, GW_RETRY);
	assert_string_equal(f->ans[2].res.reason, want);
	assert_file(f, "", 0, 1);
	memset(&f->ans[1], 0, sizeof f->ans[1]);
	send_msg(f, 1);
	assert_true(run_until_answers(3, 3000));
	assert_file(f, "", 0, 2);
}

/* A full disk is transient: a retry with the reason. */
static void
test_full_disk(void **state)
{
	struct fx	*f = *state;
	char		 want[256];

	f->oc.path = (char *)"/dev/full";
	f->path[0] = '\0';	/* on_result: no file to look into */
	outbox_up(f);
	send_msg(f, 0);
	assert_true(run_until_answers(1, 3000));
	snprintf(want, sizeof want, "outbox /dev/full: %s", strerror(ENOSPC));
	assert_int_equal(f->ans[0].res.status, GW_RETRY);
	assert_string_equal(f->ans[0].res.reason, want);
	assert_int_equal(f->ans[0].res.local, 0);
}

/* A path that cannot be opened: init fails with the reason, nothing kept. */
static void
test_unwritable(void **state)
{
	struct fx	*f = *state;
	char		 err[256], want[256], path[128];

	snprintf(path, sizeof path, "%s/no/such/dir/outbox.jsonl", f->dir);
	f->oc.path = path;
	assert_int_equal(gw_outbox_kind.init(&f->g, &f->cg, err, sizeof err),
	    -1);
	snprintf(want, sizeof want, "cannot open %s: %s", path,
	    strerror(ENOENT));
	assert_string_equal(err, want);
	assert_null(f->g.priv);

	f->oc.path = f->dir;	/* a directory */
	assert_int_equal(gw_outbox_kind.init(&f->g, &f->cg, err, sizeof err),
	    -1);
	snprintf(want, sizeof want, "cannot open %s: %s", f->dir,
	    strerror(EISDIR));
	assert_string_equal(err, want);
	assert_null(f->g.priv);
}

/* Freed at once: what was given is written, but nobody is called back. */
static void
test_free_pending(void **state)
{
	struct fx	*f = *state;

	outbox_up(f);
	send_msg(f, 0);
	send_msg(f, 1);
	gw_outbox_kind.free(&f->g);
	f->up = 0;
	assert_null(f->g.priv);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(f->nanswers, 0);
	assert_file(f, "", 0, 2);
}

/* The kind's check: a path it needs. */
static void
test_check(void **state)
{
	static const char	 text[] = "box:\n  kind: outbox\n";
	struct config_ctx	 c;
	struct config_gateway	 g;
	struct gw_outbox_conf	 oc;
	struct diag		 err, warn;
	struct ynode		*root;
	char			 name[] = "box", kind[] = "outbox";

	(void)state;
	diag_init(&err);
	diag_init(&warn);
	assert_non_null(root = ynode_load_string("t.yaml", text, strlen(text),
	    &err));
	memset(&c, 0, sizeof c);
	c.file = "t.yaml";
	c.dir = ".";
	c.diag = &err;
	c.warn = &warn;
	memset(&g, 0, sizeof g);
	memset(&oc, 0, sizeof oc);
	g.name = name;
	g.kind = kind;
	g.conf = &oc;
	assert_int_equal(gw_outbox_kind.check(&c, &g, root->keys[0],
	    root->items[0], 0), -1);
	assert_int_equal(err.n, 1);
	assert_string_equal(err.msgs[0],
	    "t.yaml:1:1: gateway \"box\" (outbox) needs \"path\"");
	oc.path = name;
	assert_int_equal(gw_outbox_kind.check(&c, &g, root->keys[0],
	    root->items[0], 0), 0);
	assert_int_equal(err.n, 1);
	assert_int_equal(warn.n, 0);
	ynode_free(root);
	diag_free(&err);
	diag_free(&warn);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_pending, setup,
		    teardown),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
