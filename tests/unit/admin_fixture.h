/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/*
 * What the admin port's unit tests share (test_admin*.c): a raw HTTP client
 * on the test's event base, a fixture that starts an admin server on
 * 127.0.0.1 (any free port) with readiness and metrics callbacks, and
 * clients of its public endpoints (/u/, /hooks/twilio) that sign as the
 * real senders do.
 *
 * Every function asserts with cmocka: call them from a test only. A reply
 * is filled in place (callers keep large ones off the stack); the server
 * and its event base belong to struct fix, freed by fix_teardown().
 */
#ifndef RELAIS_ADMIN_FIXTURE_H
#define RELAIS_ADMIN_FIXTURE_H

#include <stddef.h>

struct admin;
struct event_base;

/* An exchange that takes longer fails the test. */
#define FIX_DEADLINE_S	5
/* Bytes of a reply kept; the rest is read and dropped. */
#define FIX_RAWMAX	(256 * 1024)

/* A reply as it came on the wire. */
struct reply {
	char	 raw[FIX_RAWMAX];
	size_t	 rawlen;
	int	 status;	/* 0: no status line came */
	char	*body;		/* into raw, NUL-terminated */
	size_t	 bodylen;
	int	 eof;		/* server closed cleanly */
	int	 reset;		/* connection error (e.g. RST) */
	int	 timedout;
};

/* What the unsubscribe callback saw; reset by fix_unsub_on(). */
struct fix_supp {
	int	calls;
	int	fail;		/* answer -1: the write could not be queued */
	char	id[400];
	char	source[64];
};

/* What the three Twilio callbacks saw; reset by fix_tw_on(). */
struct fix_tw {
	int	nsuppress, nunsuppress, nstatus;
	int	fail;		/* suppress and unsuppress answer -1 */
	char	id[64], source[64];
	char	sid[80], status[40], error[24];
	int	error_null;
};

/* An admin server on 127.0.0.1, made by fix_setup(). */
struct fix {
	struct event_base	*base;
	struct admin		*admin;	/* NULL once a test freed it */
	int			 port;
	int			 ready;	/* what /readyz answers */
	char			 why[64];
	int			 nready;
	int			 nscrapes;
	struct fix_supp		 supp;
	struct fix_tw		 tw;
};

/* A label value that needs every escape, and invalid UTF-8 (\xff). */
#define NASTY		"Val-d'Or \"QC\"\\n\nline2 é \xff end"
#define NASTY_BACK	"Val-d'Or \"QC\"\\n\nline2 é \xef\xbf\xbd end"

/* Sends len raw bytes; reads until the server closes (FIX_DEADLINE_S max). */
void		 fix_exchange(struct event_base *, int port, const char *req,
		    size_t len, struct reply *);
/* A request without a body, "Connection: close". */
void		 fix_get(struct event_base *, int port, const char *method,
		    const char *path, struct reply *);
/* The value of a response header (case-insensitive name), or NULL. */
const char	*fix_header(struct reply *, const char *name, char *out,
		    size_t outlen);

/*
 * cmocka setup: a server with every metrics helper in its exposition
 * (NASTY among the label values); teardown frees it (and its base).
 */
int		 fix_setup(void **state);
int		 fix_teardown(void **state);
/* GET /healthz answers 200 "ok". */
void		 assert_alive(struct fix *);

/* Runs the loop for ms; returns how many times it turned. */
int		 fix_pump(struct event_base *, int ms);
/* A blocking TCP connection to 127.0.0.1:port. */
int		 fix_connect(int port);
/* Runs the loop until the server closes fd; what came, as fix_exchange(). */
void		 fix_read(struct event_base *, int fd, struct reply *);
/* 1 when the server closed fd, 0 while it stays open (and silent). */
int		 fix_closed(int fd);
/* One sample's value from /metrics (with its labels: x{reason="cap"}). */
double		 fix_metric(struct fix *, const char *sample);

/* ---- /u/: one-click unsubscribe ---- */

#define UNSUB_SECRET	"test secret, 32 bytes long......"
#define UNSUB_SECRETLEN	(sizeof UNSUB_SECRET - 1)

/* admin_suppress_fn recording into f->supp (arg is the struct fix). */
int		 fix_suppress(void *arg, const char *id, const char *source);
/* Serves /u/ with UNSUB_SECRET and fix_suppress; f->supp zeroed. */
void		 fix_unsub_on(struct fix *);
/* "/u/<v1 token of id>" followed by suffix ("?lang=en", or ""). */
void		 fix_unsub_path(const char *id, const char *suffix, char *out,
		    size_t outlen);
/* Like fix_get(), for paths of any length. */
void		 fix_unsub_get(struct fix *, const char *method,
		    const char *path, struct reply *);
/* A POST as a mail client sends it (RFC 8058), or with another body. */
void		 fix_post(struct fix *, const char *path, const char *ctype,
		    const char *body, struct reply *);
/* The RFC 8058 one-click POST. */
void		 fix_one_click(struct fix *, const char *path, struct reply *);

/* ---- /hooks/twilio ---- */

#define TW_TOKEN	"0123456789abcdef0123456789abcdef"
#define TW_PUBLIC	"https://relais.example.org"
#define TW_URL		TW_PUBLIC "/hooks/twilio"
#define TW_FORM		"application/x-www-form-urlencoded"
#define TW_TWIML	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
#define TW_STOP		"ToCountry=CA&Body=ARR%C3%8AT&From=%2B18195550123" \
			"&To=%2B18195550000&MessageSid=SM0123456789abcdef" \
			"&SmsStatus=received&NumMedia=0&ApiVersion=2010-04-01"
#define TW_START	"Body=START&From=%2B18195550123&To=%2B18195550000" \
			"&MessageSid=SM1"

/* The Twilio callbacks, recording into f->tw (arg is the struct fix). */
int		 fix_tw_suppress(void *arg, const char *id, const char *source);
int		 fix_tw_unsuppress(void *arg, const char *id,
		    const char *source);
void		 fix_tw_status(void *arg, const char *sid, const char *status,
		    const char *error);
/* Serves /hooks/twilio with TW_TOKEN and the callbacks; f->tw zeroed. */
void		 fix_tw_on(struct fix *, const char *public_url);
/* How many times the three callbacks were called. */
int		 fix_tw_calls(const struct fix *);
/* The signature Twilio would send for body posted to url. */
void		 fix_tw_sign(const char *token, const char *url,
		    const char *body, char *sig, size_t siglen);
/* A raw POST: any target, Host, content type and signature (NULL: none). */
void		 fix_tw_raw(struct fix *, const char *target, const char *host,
		    const char *ctype, const char *sig, const char *body,
		    struct reply *);
/* A POST of body to /hooks/twilio, signed as Twilio does for TW_URL. */
void		 fix_tw_post(struct fix *, const char *body, struct reply *);

#endif
