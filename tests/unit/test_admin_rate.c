/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* Unit tests for admin_rate.c: client identity, trusted proxies, per-client token buckets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "admin_fixture.h"
#include "clock.h"
#include "expo.h"
#include "unsub.h"

/* A GET of path, with an X-Forwarded-For line unless xff is NULL. */
static int
from(struct fix *f, const char *xff, const char *path, struct reply *r)
{
	char	req[512];

	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "%s%s%sConnection: close\r\n\r\n", path,
	    xff != NULL ? "X-Forwarded-For: " : "", xff != NULL ? xff : "",
	    xff != NULL ? "\r\n" : "");
	fix_exchange(f->base, f->port, req, strlen(req), r);
	return r->status;
}

/*
 * Each client has rate_burst requests at once, then rate_per_s a second;
 * beyond, 429 with Retry-After. Only /u/ and /hooks/twilio count.
 */
static void
test_rate_limit(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	struct expo	*e = malloc(sizeof *e);
	const struct expo_sample *s;
	struct admin_net loopback;
	char		 v[64];
	int		 i;

	assert_non_null(r);
	assert_non_null(e);
	assert_int_equal(admin_net_parse("127.0.0.1", &loopback, v, sizeof v),
	    0);
	fix_unsub_on(f);
	fix_tw_on(f, TW_PUBLIC);
	/* off (the default) and turned off again: no limit */
	admin_set_rate(f->admin, 1, 1);
	admin_set_rate(f->admin, 0, 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(from(f, NULL, "/u/x", r), 404);
	fix_get(f->base, f->port, "GET", "/metrics", r);
	assert_null(strstr(r->body, "relais_admin_limited_total"));

	/* 1 a second, bursts of 3: the 4th at once is refused */
	admin_set_rate(f->admin, 1, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(from(f, NULL, "/u/x", r), 404);
	assert_int_equal(from(f, NULL, "/u/x", r), 429);
	assert_non_null(fix_header(r, "Retry-After", v, sizeof v));
	assert_string_equal(v, "1");
	assert_string_equal(r->body, "too many requests\n");
	/* X-Forwarded-For that is not an address: the peer, still limited */
	assert_int_equal(from(f, "unknown", "/u/x", r), 429);
	/* the same client on the other public endpoint, any method */
	fix_tw_post(f, TW_STOP, r);
	assert_int_equal(r->status, 429);
	fix_unsub_get(f, "HEAD", "/u/x", r);
	assert_int_equal(r->status, 429);
	assert_int_equal(r->bodylen, 0);
	assert_int_equal(fix_tw_calls(f), 0);
	/* the operator's endpoints are not limited */
	for (i = 0; i < 5; i++)
		assert_alive(f);
	fix_get(f->base, f->port, "GET", "/metrics", r);
	assert_int_equal(r->status, 200);
	assert_expo_ok(r->body, e);
	assert_non_null(s = expo_find(e, "relais_admin_limited_total", NULL,
	    NULL));
	assert_true(s->value == 4);

	/* from a peer that is no trusted proxy, the header changes nothing */
	assert_int_equal(from(f, "203.0.113.50", "/u/x", r), 429);
	assert_int_equal(from(f, "203.0.113.51", "/u/x", r), 429);

	/*
	 * Behind a trusted proxy, the client is the address the proxy saw:
	 * the last of X-Forwarded-For; what comes before is the client's own
	 * say and is not believed.
	 */
	admin_set_proxies(f->admin, &loopback, 1);
	assert_int_equal(from(f, "203.0.113.7", "/u/x", r), 404);
	assert_int_equal(from(f, "10.0.0.1, 203.0.113.7", "/u/x", r), 404);
	assert_int_equal(from(f, "10.0.0.2,203.0.113.7 ", "/u/x", r), 404);
	assert_int_equal(from(f, "10.0.0.3, 203.0.113.7", "/u/x", r), 429);
	/* an IPv4-mapped address is that IPv4 client */
	assert_int_equal(from(f, "::ffff:203.0.113.7", "/u/x", r), 429);
	assert_int_equal(from(f, "203.0.113.7, 198.51.100.9", "/u/x", r), 404);
	/* a whole IPv6 /64 is one client, the next /64 another */
	assert_int_equal(from(f, "2001:db8:1:2::1", "/u/x", r), 404);
	assert_int_equal(from(f, "2001:db8:1:2:ffff::9", "/u/x", r), 404);
	assert_int_equal(from(f, "[::1], 2001:DB8:1:2::1", "/u/x", r), 404);
	assert_int_equal(from(f, "2001:db8:1:2::2", "/u/x", r), 429);
	assert_int_equal(from(f, "2001:db8:1:3::1", "/u/x", r), 404);

	/* the bucket fills again: 1 token a second */
	for (i = 0; i < 100 && from(f, NULL, "/u/x", r) == 429; i++)
		usleep(50 * 1000);
	if (r->status != 404)
		fail_msg("still %d after %d polls", r->status, i);
	assert_int_equal(from(f, NULL, "/u/x", r), 429);
	free(e);
	free(r);
}

/* A valid one-click POST within the limit; big bodies are 413 on /u/ too. */
static void
test_rate_public(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 path[UNSUB_TOKEN_SIZE + 16];
	char		 body[2048 + 1];

	assert_non_null(r);
	fix_unsub_on(f);
	admin_set_rate(f->admin, 10, 50);
	fix_unsub_path("email:ana@example.com", "", path, sizeof path);
	fix_one_click(f, path, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->supp.calls, 1);
	memset(body, 'a', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	fix_post(f, path, "application/x-www-form-urlencoded", body, r);
	assert_int_equal(r->status, 413);
	assert_int_equal(f->supp.calls, 1);
	assert_alive(f);
	free(r);
}

/* "a.b.c.d" or an IPv6 text as the 16 bytes admin.h speaks. */
static void
addr16(const char *s, unsigned char out[16])
{
	struct in_addr	v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return;
	}
	if (inet_pton(AF_INET6, s, out) != 1)
		fail_msg("bad test address %s", s);
}

static void
test_net(void **state)
{
	static const char *const good[] = { "192.0.2.1", "10.0.0.0/8",
	    "0.0.0.0/0", "2001:db8::/32", "::1", "::/0", "127.0.0.1/32",
	    "::ffff:192.0.2.0/120", "fe80::/10" };
	static const char *const bad[] = { "", "/8", "10.0.0.0/", "10.0.0.0/33",
	    "10.0.0.1/8", "10.0.0.0/8x", "10.0.0.0/-1", "2001:db8::/129",
	    "2001:db8::1/32", "localhost", "10.0.0", "[::1]", "10.0.0.0/08x",
	    "192.0.2.1:80", "2001:db8::/3200" };
	static const struct {
		const char	*net;
		const char	*addr;
		int		 in;
	} m[] = {
		{ "10.0.0.0/8", "10.255.1.2", 1 },
		{ "10.0.0.0/8", "11.0.0.0", 0 },
		{ "192.0.2.128/25", "192.0.2.200", 1 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.1", "192.0.2.1", 1 },
		{ "192.0.2.1", "192.0.2.2", 0 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "::/0", "2001:db8::1", 1 },
		{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
		{ "2001:db8::/33", "2001:db8:8000::1", 0 },
		{ "::1", "::1", 1 },
		{ "::1", "127.0.0.1", 0 },
		{ "::ffff:192.0.2.0/120", "192.0.2.77", 1 },
		{ "172.16.0.0/12", "172.31.255.255", 1 },
		{ "172.16.0.0/12", "172.32.0.0", 0 },
	};
	struct admin_net	net, two[2];
	unsigned char		a[16];
	char			err[256];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (admin_net_parse(good[i], &net, err, sizeof err) == -1)
			fail_msg("%s refused: %s", good[i], err);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (admin_net_parse(bad[i], &net, err, sizeof err) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	for (i = 0; i < sizeof m / sizeof m[0]; i++) {
		assert_int_equal(admin_net_parse(m[i].net, &net, err,
		    sizeof err), 0);
		addr16(m[i].addr, a);
		if (admin_net_match(&net, 1, a) != m[i].in)
			fail_msg("%s in %s: expected %d", m[i].addr, m[i].net,
			    m[i].in);
	}
	/* any of several; none of none */
	assert_int_equal(admin_net_parse("10.0.0.0/8", &two[0], err,
	    sizeof err), 0);
	assert_int_equal(admin_net_parse("2001:db8::/32", &two[1], err,
	    sizeof err), 0);
	addr16("2001:db8::5", a);
	assert_true(admin_net_match(two, 2, a));
	assert_false(admin_net_match(two, 0, a));
}

/* The client an X-Forwarded-For chain names, behind trusted proxies. */
static void
test_forwarded(void **state)
{
	static const struct {
		const char	*xff[3];
		const char	*want;		/* NULL: none */
	} t[] = {
		{ { "203.0.113.7" }, "203.0.113.7" },
		/* what the client wrote first is not believed */
		{ { "198.51.100.1, 203.0.113.7" }, "203.0.113.7" },
		/* trusted hops on the right are skipped */
		{ { "203.0.113.7, 10.0.0.2, 10.0.0.1" }, "203.0.113.7" },
		{ { "203.0.113.7,10.0.0.2 ,10.0.0.1" }, "203.0.113.7" },
		/* several lines are one list, in order */
		{ { "198.51.100.1, 203.0.113.7", "10.0.0.2" }, "203.0.113.7" },
		{ { "203.0.113.7", "10.0.0.2, 198.51.100.9" }, "198.51.100.9" },
		/* all trusted: the left-most, the farthest one known */
		{ { "10.0.0.3, 10.0.0.2" }, "10.0.0.3" },
		/* junk stops the walk at the last address walked past */
		{ { "unknown, 10.0.0.2" }, "10.0.0.2" },
		{ { "junk", "10.0.0.2" }, "10.0.0.2" },
		{ { "10.0.0.2,, 10.0.0.1" }, "10.0.0.1" },
		{ { "203.0.113.7, unknown" }, NULL },
		{ { "" }, NULL },
		{ { "203.0.113.7:4711" }, NULL },
		{ { "2001:db8:1:2::1, 10.0.0.1" }, "2001:db8:1:2::1" },
		{ { "::ffff:203.0.113.7" }, "203.0.113.7" },
	};
	struct admin_net	 nets[1];
	unsigned char		 got[16], want[16];
	char			 err[128], txt[INET6_ADDRSTRLEN];
	size_t			 i, n;

	(void)state;
	assert_int_equal(admin_net_parse("10.0.0.0/8", &nets[0], err,
	    sizeof err), 0);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		for (n = 0; n < 3 && t[i].xff[n] != NULL; n++)
			;
		memset(got, 0xaa, sizeof got);
		if (t[i].want == NULL) {
			if (admin_forwarded_client(t[i].xff, n, nets, 1,
			    got) != -1)
				fail_msg("case %zu (%s): expected none", i,
				    t[i].xff[0]);
			continue;
		}
		if (admin_forwarded_client(t[i].xff, n, nets, 1, got) == -1)
			fail_msg("case %zu (%s): none, expected %s", i,
			    t[i].xff[0], t[i].want);
		addr16(t[i].want, want);
		if (memcmp(got, want, 16) != 0)
			fail_msg("case %zu (%s): got %s, expected %s", i,
			    t[i].xff[0], inet_ntop(AF_INET6, got, txt,
			    sizeof txt), t[i].want);
	}
	/* no trusted proxy at all: the right-most entry */
	{
		const char *one[] = { "10.0.0.3, 10.0.0.2" };

		assert_int_equal(admin_forwarded_client(one, 1, nets, 0, got),
		    0);
		addr16("10.0.0.2", want);
		assert_memory_equal(got, want, 16);
	}
}

/* Believes X-Forwarded-For from 127.0.0.1: each test client its own. */
static void
trust_loopback(struct fix *f)
{
	struct admin_net	loopback;
	char			err[128];

	assert_int_equal(admin_net_parse("127.0.0.1", &loopback, err,
	    sizeof err), 0);
	admin_set_proxies(f->admin, &loopback, 1);
}

/*
 * The bucket refills at rate_per_s tokens a second of the server's clock:
 * at 20 a second in bursts of 1, a client whose token was spent at time s0
 * is refused until s0 + 50 ms and served from then on. The test reads the
 * same clock before and after each exchange, which bounds s0 and each
 * later request's time: an answer is checked whenever its bounds decide
 * it, however slow the machine.
 */
static void
test_rate_refill(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 xff[64];
	int64_t		 a0, b0, a, b;
	int		 attempt, early = 0, status;

	assert_non_null(r);
	trust_loopback(f);
	admin_set_rate(f->admin, 20, 1);
	for (attempt = 0; attempt < 5 && early == 0; attempt++) {
		snprintf(xff, sizeof xff, "198.51.100.%d", attempt + 1);
		a0 = clock_mono_ms();
		assert_int_equal(from(f, xff, "/u/x", r), 404);
		b0 = clock_mono_ms();
		for (;;) {
			a = clock_mono_ms();
			status = from(f, xff, "/u/x", r);
			b = clock_mono_ms();
			if (status != 404 && status != 429)
				fail_msg("status %d", status);
			/* under 50 ms since the token went: under 1 token */
			if (b - a0 < 50) {
				early++;
				if (status != 429)
					fail_msg("served %lld ms after its "
					    "token was spent, at 20 a second",
					    (long long)(b - a0));
			}
			/* 52 ms and more: over 1 token */
			if (a - b0 >= 52 && status != 404)
				fail_msg("refused %lld ms after its token was "
				    "spent, at 20 a second",
				    (long long)(a - b0));
			if (status == 404)
				break;
			if (a - b0 > 3000)
				fail_msg("still refused after %lld ms",
				    (long long)(a - b0));
			usleep(5 * 1000);
		}
	}
	if (early == 0)
		fail_msg("no request came within 50 ms of the first");
	free(r);
}

/*
 * A quiet client's bucket fills up to rate_burst tokens, no further: in
 * bursts of 3 at 20 a second, after 300 ms of quiet (6 tokens' worth)
 * three requests in a row are served, and a fourth within 50 ms refused.
 */
static void
test_rate_burst(void **state)
{
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	char		 xff[64];
	int64_t		 a, b;
	int		 attempt, i, decided = 0, status;

	assert_non_null(r);
	trust_loopback(f);
	admin_set_rate(f->admin, 20, 3);
	for (attempt = 0; attempt < 5 && !decided; attempt++) {
		snprintf(xff, sizeof xff, "198.51.100.%d", attempt + 1);
		/* the client's bucket, 2 tokens left, then quiet */
		assert_int_equal(from(f, xff, "/u/x", r), 404);
		usleep(300 * 1000);
		a = clock_mono_ms();
		for (i = 0; i < 3; i++)
			assert_int_equal(from(f, xff, "/u/x", r), 404);
		status = from(f, xff, "/u/x", r);
		b = clock_mono_ms();
		if (b - a < 50) {
			decided = 1;
			if (status != 429)
				fail_msg("a 4th request within %lld ms served: "
				    "the bucket held more than 3",
				    (long long)(b - a));
		}
	}
	if (!decided)
		fail_msg("no four requests within 50 ms in 5 attempts");
	free(r);
}

/*
 * Reloading the limit keeps the clients' buckets; lifting it forgets them.
 * A burst under 1 is 1. The public endpoints are /u/<...> and the hooks,
 * whether on or not: nothing else counts.
 */
static void
test_rate_reload(void **state)
{
	static const char *const public[] = { "/u/", "/hooks/twilio",
	    "/hooks/sendgrid", "/hooks/mailgun", "/hooks/brevo" };
	static const struct {
		const char	*path;
		int		 status;
	} other[] = {
		{ "/u", 404 }, { "/hooks", 404 }, { "/hooks/other", 404 },
		{ "/hooks/sendgrid/", 404 }, { "/healthz", 200 },
		{ "/metrics", 200 }, { "/readyz", 503 },
	};
	struct fix	*f = *state;
	struct reply	*r = malloc(sizeof *r);
	size_t		 i;

	assert_non_null(r);
	admin_set_rate(f->admin, 1, 0);
	assert_int_equal(from(f, NULL, "/u/x", r), 404);
	assert_int_equal(from(f, NULL, "/u/x", r), 429);
	/* the same limit again (a reload): still spent */
	admin_set_rate(f->admin, 1, 1);
	assert_int_equal(from(f, NULL, "/u/x", r), 429);
	/* lifted and set again: a full bucket */
	admin_set_rate(f->admin, 0, 0);
	admin_set_rate(f->admin, 1, 1);
	assert_int_equal(from(f, NULL, "/u/x", r), 404);
	for (i = 0; i < sizeof public / sizeof public[0]; i++)
		if (from(f, NULL, public[i], r) != 429)
			fail_msg("%s: %d, expected 429", public[i], r->status);
	for (i = 0; i < sizeof other / sizeof other[0]; i++)
		if (from(f, NULL, other[i].path, r) != other[i].status)
			fail_msg("%s: %d, expected %d", other[i].path,
			    r->status, other[i].status);
	assert_true(fix_metric(f, "relais_admin_limited_total") == 7);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rate_limit, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_rate_public, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_rate_refill, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_rate_burst, fix_setup,
		    fix_teardown),
		cmocka_unit_test_setup_teardown(test_rate_reload, fix_setup,
		    fix_teardown),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_forwarded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
