/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* producer: pushes newcomer.arrived events into the Redis stream for the benchmark. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define PRODUCER_BATCH		100	/* events per pipelined round trip */
#define PRODUCER_TICK_NS	1000000	/* paced mode: one batch per ~1 ms */
#define PRODUCER_EVENT_MAX	1024

struct producer {
	redisContext	*c;
	const char	*key;
	unsigned long	 n;		/* events to push */
	unsigned long	 first;		/* first sequence number */
	double		 rate;		/* events/s; 0: as fast as possible */
	int		 sms;		/* SMS-only events instead of email */
	const char	*arrival;	/* data.arrival_date, YYYY-MM-DD */
	unsigned long	 sent;
	long long	 max_lag_us;	/* paced mode: worst lateness */
};

/*
 * A spread of the shipped config's municipalities: every territory,
 * accents, apostrophes, spaces and a comma, so matching is exercised.
 */
static const char *const producer_places[] = {
	"Amos",
	"Saint-Félix-de-Dalquier",
	"Saint-Mathieu-d'Harricana",
	"La Sarre",
	"Normétal",
	"Sainte-Hélène-de-Mancebourg",
	"Val-d'Or",
	"Malartic",
	"Senneterre, paroisse",
	"Ville-Marie",
	"Témiscaming",
	"Hunter's Point",
	"Rouyn-Noranda",
	"Évain",
	"D'Alembert",
	"Lac-Simon",
};

static const char *const producer_names[] = {
	"Amina", "Liam", "Sofía", "Nguyen", "Chloé", "Kwame", "Inès", "Oleksandr",
};

static void __attribute__((noreturn))
producer_usage(void)
{
	fprintf(stderr, "usage: producer [-u socket | -h host -p port] [-n N] "
	    "[-r RATE] [-k key] [-s FIRST] [-a DATE] [-S]\n"
	    "  -n N      events to push (default 1000)\n"
	    "  -r RATE   events/s, paced in ~1 ms batches; 0 = as fast as "
	    "possible (default)\n"
	    "  -k key    stream (default relais:events)\n"
	    "  -s FIRST  first sequence number (default 0)\n"
	    "  -a DATE   arrival date, YYYY-MM-DD (default 2026-11-20); a past\n"
	    "            one makes relais send the past follow-ups at once\n"
	    "  -S        SMS-only events: a phone number and SMS consent "
	    "(default:\n"
	    "            email-only events)\n");
	exit(2);
}

/* Parses a non-negative decimal integer or exits with the usage. */
static unsigned long
producer_ulong(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		producer_usage();
	return v;
}

/* Wall-clock microseconds: the sink stamps requests on the same clock. */
static long long
producer_wall_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Writes the address field of person seq into out: an email address, or
 * with sms a phone number (NANP 555-01XX, fictitious, with separators to
 * normalise).
 */
static int
producer_address(char *out, size_t outlen, unsigned long seq, int sms)
{
	int	n;

	if (sms)
		n = snprintf(out, outlen, "\"phone\":\"819-555-01%02lu\"",
		    seq % 100);
	else
		n = snprintf(out, outlen,
		    "\"email\":\"newcomer.%lu@bench.example\"", seq);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

/* Whether s looks like YYYY-MM-DD (relais checks the calendar itself). */
static int
producer_is_date(const char *s)
{
	return strlen(s) == 10 && strspn(s, "0123456789") == 4 &&
	    s[4] == '-' && strspn(s + 5, "0123456789") == 2 && s[7] == '-' &&
	    strspn(s + 8, "0123456789") == 2;
}

/*
 * Writes event number seq into out. The id carries the enqueue wall-clock
 * time, so the sink's receive time alone gives the end-to-end latency.
 */
static int
producer_event(char *out, size_t outlen, unsigned long seq, long long now_us,
    int sms, const char *arrival)
{
	struct tm	tm;
	time_t		secs = (time_t)(now_us / 1000000);
	char		when[32], address[96];
	size_t		nplaces, nnames;
	int		n;

	nplaces = sizeof producer_places / sizeof producer_places[0];
	nnames = sizeof producer_names / sizeof producer_names[0];
	if (producer_address(address, sizeof address, seq, sms) == -1)
		return -1;
	gmtime_r(&secs, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(out, outlen,
	    "{\"specversion\":\"1.0\",\"id\":\"bench-%lu-%lld\","
	    "\"source\":\"https://bench.relais.example/producer\","
	    "\"type\":\"newcomer.arrived\",\"time\":\"%s\","
	    "\"datacontenttype\":\"application/json\","
	    "\"data\":{\"person\":{\"id\":\"p-bench-%lu\","
	    "\"first_name\":\"%s\",\"last_name\":\"Bench\","
	    "%s,\"language\":\"%s\","
	    "\"consent\":{\"email\":%s,\"sms\":%s}},"
	    "\"municipality\":\"%s\",\"arrival_date\":\"%s\"}}",
	    seq, now_us, when, seq, producer_names[seq % nnames], address,
	    seq % 3 == 2 ? "en" : "fr", sms ? "false" : "true",
	    sms ? "true" : "false", producer_places[seq % nplaces], arrival);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

/* Sends count events in one pipelined round trip and checks every reply. */
static int
producer_batch(struct producer *p, unsigned long count)
{
	redisReply	*reply;
	char		 ev[PRODUCER_EVENT_MAX];
	unsigned long	 i, seq;
	long long	 now;
	int		 len, rc = 0;

	now = producer_wall_us();
	for (i = 0; i < count; i++) {
		seq = p->first + p->sent + i;
		if ((len = producer_event(ev, sizeof ev, seq, now,
		    p->sms, p->arrival)) == -1) {
			fprintf(stderr, "producer: event %lu too long\n", seq);
			return -1;
		}
		if (redisAppendCommand(p->c, "XADD %s * event %b", p->key, ev,
		    (size_t)len) != REDIS_OK) {
			fprintf(stderr, "producer: %s\n", p->c->errstr);
			return -1;
		}
	}
	for (i = 0; i < count; i++) {
		if (redisGetReply(p->c, (void **)&reply) != REDIS_OK) {
			fprintf(stderr, "producer: %s\n", p->c->errstr);
			return -1;
		}
		if (reply->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "producer: XADD: %s\n", reply->str);
			rc = -1;
		}
		freeReplyObject(reply);
	}
	if (rc == 0)
		p->sent += count;
	return rc;
}

/* As fast as possible: back-to-back batches of PRODUCER_BATCH. */
static int
producer_run_max(struct producer *p)
{
	unsigned long	left;

	while (p->sent < p->n) {
		left = p->n - p->sent;
		if (producer_batch(p, left < PRODUCER_BATCH ? left :
		    PRODUCER_BATCH) == -1)
			return -1;
	}
	return 0;
}

/* Adds ns nanoseconds to a timespec, keeping tv_nsec normalised. */
static void
producer_ts_add_ns(struct timespec *ts, long long ns)
{
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

/*
 * Paced: batch k is due at start + k * batch / rate, absolute deadlines on
 * the monotonic clock, so a late batch does not push the later ones back.
 */
static int
producer_run_paced(struct producer *p)
{
	struct timespec	start, due, now;
	unsigned long	batch, left, k;
	long long	period_ns, lag_us;

	batch = (unsigned long)(p->rate * PRODUCER_TICK_NS / 1e9 + 0.5);
	if (batch < 1)
		batch = 1;
	if (batch > PRODUCER_BATCH)
		batch = PRODUCER_BATCH;
	period_ns = (long long)(batch * 1e9 / p->rate);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (k = 0; p->sent < p->n; k++) {
		due = start;
		producer_ts_add_ns(&due, (long long)k * period_ns);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due,
		    NULL) == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		lag_us = ((long long)(now.tv_sec - due.tv_sec) * 1000000000 +
		    (now.tv_nsec - due.tv_nsec)) / 1000;
		if (lag_us > p->max_lag_us)
			p->max_lag_us = lag_us;
		left = p->n - p->sent;
		if (producer_batch(p, left < batch ? left : batch) == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct producer	 p;
	struct timespec	 t0, t1;
	const char	*sock = NULL, *host = "127.0.0.1";
	unsigned long	 port = 6379;
	double		 secs;
	int		 ch, rc;

	memset(&p, 0, sizeof p);
	p.key = "relais:events";
	p.n = 1000;
	p.arrival = "2026-11-20";
	while ((ch = getopt(argc, argv, "u:h:p:n:r:k:s:a:S")) != -1) {
		switch (ch) {
		case 'u':
			sock = optarg;
			break;
		case 'h':
			host = optarg;
			break;
		case 'p':
			if ((port = producer_ulong(optarg)) == 0 || port > 65535)
				producer_usage();
			break;
		case 'n':
			p.n = producer_ulong(optarg);
			break;
		case 'r':
			p.rate = (double)producer_ulong(optarg);
			break;
		case 'k':
			p.key = optarg;
			break;
		case 's':
			p.first = producer_ulong(optarg);
			break;
		case 'a':
			if (!producer_is_date(optarg))
				producer_usage();
			p.arrival = optarg;
			break;
		case 'S':
			p.sms = 1;
			break;
		default:
			producer_usage();
		}
	}
	if (optind != argc)
		producer_usage();

	p.c = sock != NULL ? redisConnectUnix(sock) :
	    redisConnect(host, (int)port);
	if (p.c == NULL || p.c->err) {
		fprintf(stderr, "producer: connect %s: %s\n",
		    sock != NULL ? sock : host,
		    p.c != NULL ? p.c->errstr : "out of memory");
		redisFree(p.c);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = p.rate > 0 ? producer_run_paced(&p) : producer_run_max(&p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	redisFree(p.c);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "producer: pushed %lu events in %.3f s (%.0f/s)",
	    p.sent, secs, secs > 0 ? p.sent / secs : 0.0);
	if (p.rate > 0)
		fprintf(stderr, ", worst batch lateness %.2f ms",
		    p.max_lag_us / 1000.0);
	fputc('\n', stderr);
	return rc == 0 ? 0 : 1;
}
