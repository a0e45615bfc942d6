/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* The admin port's per-client token buckets: client identity, trusted proxies, 429s. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "admin_evhook.h"
#include "admin_int.h"
#include "admin_reply.h"
#include "admin_twilio.h"
#include "buf.h"
#include "clock.h"
#include "log.h"

void
admin_set_rate(struct admin *a, long per_s, long burst)
{
	if (per_s <= 0) {
		free(a->buckets);
		a->buckets = NULL;
		a->rate_per_s = 0;
		return;
	}
	if (a->buckets == NULL)
		a->buckets = xcalloc(ADMIN_RATE_SLOTS, sizeof *a->buckets);
	a->rate_per_s = (double)per_s;
	a->rate_burst = burst < 1 ? 1 : (double)burst;
}

/* An IPv4 address as a key: mapped into IPv6 (::ffff:a.b.c.d). */
static void
admin_key_v4(const void *in, unsigned char key[16])
{
	memset(key, 0, 10);
	key[10] = key[11] = 0xff;
	memcpy(key + 12, in, 4);
}

static int
admin_key_mapped(const unsigned char key[16])
{
	static const unsigned char	prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(key, prefix, sizeof prefix) == 0;
}

/* A client is an IPv4 address or an IPv6 /64: one subscriber line. */
static void
admin_key_cut(unsigned char key[16])
{
	if (!admin_key_mapped(key))
		memset(key + 8, 0, 8);
}

/*
 * The numeric address at s (n bytes, blanks around allowed) as 16 bytes,
 * IPv4 mapped. -1 when s is not an address.
 */
static int
admin_addr_parse(const char *s, size_t n, unsigned char addr[16])
{
	char		text[INET6_ADDRSTRLEN];
	struct in_addr	v4;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof text)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, &v4) == 1) {
		admin_key_v4(&v4, addr);
		return 0;
	}
	return inet_pton(AF_INET6, text, addr) == 1 ? 0 : -1;
}

int
admin_net_parse(const char *s, struct admin_net *net, char *err,
    size_t errlen)
{
	const char	*slash = strchr(s, '/'), *p;
	size_t		 n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long		 bits = 0;
	int		 max, i;

	memset(net, 0, sizeof *net);
	if (admin_addr_parse(s, n, net->addr) == -1) {
		snprintf(err, errlen, "\"%s\" is not an IP address or a CIDR "
		    "block (192.0.2.1, 10.0.0.0/8, 2001:db8::/32)", s);
		return -1;
	}
	/* "::ffff:192.0.2.0/120" is written as IPv6: its prefix counts so */
	max = memchr(s, ':', n) == NULL ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else {
		for (p = slash + 1; *p >= '0' && *p <= '9' && bits <= 128; p++)
			bits = bits * 10 + (*p - '0');
		if (p == slash + 1 || *p != '\0' || bits > max) {
			snprintf(err, errlen, "\"%s\": the prefix length must be "
			    "a number from 0 to %d", s, max);
			return -1;
		}
	}
	net->bits = (int)bits + 128 - max;
	/* 10.0.0.1/8 is a typo more often than a way to write 10.0.0.0/8 */
	for (i = net->bits; i < 128; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "\"%s\" has address bits set past "
			    "its /%ld prefix", s, bits);
			return -1;
		}
	return 0;
}

int
admin_net_match(const struct admin_net *nets, size_t n,
    const unsigned char addr[16])
{
	size_t	i, full;
	int	rest;

	for (i = 0; i < n; i++) {
		full = (size_t)nets[i].bits / 8;
		rest = nets[i].bits % 8;
		if (memcmp(nets[i].addr, addr, full) != 0)
			continue;
		if (rest == 0 || ((nets[i].addr[full] ^ addr[full]) &
		    (0xff00 >> rest) & 0xff) == 0)
			return 1;
	}
	return 0;
}

int
admin_forwarded_client(const char *const *xff, size_t nxff,
    const struct admin_net *nets, size_t n, unsigned char addr[16])
{
	const char	*s, *end, *p;
	unsigned char	 cur[16];
	int		 found = 0;
	size_t		 i;

	/* each proxy appends the address it saw: the last entry is ours */
	for (i = nxff; i-- > 0;) {
		s = xff[i];
		end = s + strlen(s);
		for (;;) {
			for (p = end; p > s && p[-1] != ','; p--)
				;
			/* what lies left of a non-address was not written by us */
			if (admin_addr_parse(p, (size_t)(end - p), cur) == -1)
				return found ? 0 : -1;
			memcpy(addr, cur, 16);
			found = 1;
			if (!admin_net_match(nets, n, cur))
				return 0;
			if (p == s)
				break;
			end = p - 1;
		}
	}
	return found ? 0 : -1;
}

void
admin_set_proxies(struct admin *a, const struct admin_net *nets, size_t n)
{
	free(a->proxies);
	a->proxies = NULL;
	a->nproxies = 0;
	if (n == 0)
		return;
	a->proxies = xcalloc(n, sizeof *a->proxies);
	memcpy(a->proxies, nets, n * sizeof *nets);
	a->nproxies = n;
}

/* The peer's address as a key (all zeros when unknown): 0, or -1. */
static int
admin_peer_key(struct evhttp_request *req, unsigned char key[16])
{
	struct evhttp_connection	*evcon;
	const struct sockaddr		*sa = NULL;

	memset(key, 0, 16);
	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (sa = evhttp_connection_get_addr(evcon)) == NULL)
		return -1;
	if (sa->sa_family == AF_INET)
		admin_key_v4(&((const struct sockaddr_in *)sa)->sin_addr, key);
	else if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		return -1;
	return 0;
}

int
admin_via_proxy(struct admin *a, struct evhttp_request *req)
{
	unsigned char	key[16];

	return a->nproxies > 0 && admin_peer_key(req, key) == 0 &&
	    admin_net_match(a->proxies, a->nproxies, key);
}

/*
 * Whom a request counts against: the peer's address; when the peer is a
 * trusted proxy, the client its X-Forwarded-For names (the values before
 * the trusted hops are what the client claimed, and not believed). All
 * zeros when nothing is known.
 */
void
admin_client(struct admin *a, struct evhttp_request *req,
    unsigned char key[16])
{
	const struct evkeyval		*h;
	const char			*xff[ADMIN_XFF_MAX];
	unsigned char			 fwd[16];
	size_t				 n = 0;

	if (admin_peer_key(req, key) == -1)
		return;
	if (a->nproxies > 0 && admin_net_match(a->proxies, a->nproxies, key)) {
		/* the last lines matter: keep those */
		TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next) {
			if (strcasecmp(h->key, "X-Forwarded-For") != 0)
				continue;
			if (n == ADMIN_XFF_MAX) {
				memmove(xff, xff + 1, (n - 1) * sizeof *xff);
				n--;
			}
			xff[n++] = h->value;
		}
		if (n > 0 && admin_forwarded_client(xff, n, a->proxies,
		    a->nproxies, fwd) == 0)
			memcpy(key, fwd, 16);
	}
	admin_key_cut(key);
}

/* "192.0.2.7" or "2001:db8:1:2::/64", for the logs. */
void
admin_client_name(const unsigned char key[16], char *out, size_t outlen)
{
	char	addr[INET6_ADDRSTRLEN];

	if (admin_key_mapped(key))
		inet_ntop(AF_INET, key + 12, addr, sizeof addr);
	else
		inet_ntop(AF_INET6, key, addr, sizeof addr);
	snprintf(out, outlen, "%s%s", addr, admin_key_mapped(key) ? "" :
	    "/64");
}

/*
 * The client's bucket: found among the ADMIN_RATE_PROBE slots its hash
 * points at, else made full in a free slot or in place of the client
 * there seen longest ago (which, being quiet, gets a full bucket back).
 */
static struct admin_bucket *
admin_bucket(struct admin *a, const unsigned char key[16], long long now)
{
	struct admin_bucket	*b, *pick = NULL;
	unsigned		 h = 2166136261u;	/* FNV-1a */
	size_t			 i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	for (i = 0; i < ADMIN_RATE_PROBE; i++) {
		b = &a->buckets[(h + i) % ADMIN_RATE_SLOTS];
		if (b->used && memcmp(b->key, key, 16) == 0)
			return b;
		if (pick == NULL || (pick->used && (!b->used ||
		    b->at_ms < pick->at_ms)))
			pick = b;
	}
	memset(pick, 0, sizeof *pick);
	memcpy(pick->key, key, 16);
	pick->used = 1;
	pick->tokens = a->rate_burst;
	pick->at_ms = now;
	return pick;
}

/*
 * Spends a token of the client's bucket on a request to a public endpoint.
 * Returns 0 when the request may go on; 1 when it was answered 429.
 */
int
admin_rate_limit(struct admin *a, const char *path, struct evhttp_request *req)
{
	struct admin_bucket	*b;
	unsigned char		 key[16];
	char			 who[INET6_ADDRSTRLEN + 4], retry[32];
	long long		 now;
	long			 wait;

	if (a->buckets == NULL || path == NULL || (strncmp(path, "/u/",
	    3) != 0 && strcmp(path, ADMIN_TWILIO_PATH) != 0 &&
	    !admin_evhook_path(path)))
		return 0;
	admin_client(a, req, key);
	now = clock_mono_ms();
	b = admin_bucket(a, key, now);
	b->tokens += (double)(now - b->at_ms) * a->rate_per_s / 1000;
	if (b->tokens > a->rate_burst)
		b->tokens = a->rate_burst;
	b->at_ms = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		b->limited = 0;
		return 0;
	}
	wait = (long)ceil((1 - b->tokens) / a->rate_per_s);
	if (wait < 1)
		wait = 1;
	a->nlimited++;
	/* once per episode: a flood must not turn into a flood of logs */
	if (!b->limited) {
		b->limited = 1;
		admin_client_name(key, who, sizeof who);
		log_kv(LOG_INFO, "admin:", LOG_STR("client", who),
		    LOG_STR("endpoint", path[1] == 'u' ? "unsubscribe" :
		    path + sizeof "/hooks/" - 1), LOG_STR("outcome", "limited"),
		    LOG_INT("retry_after_s", wait));
	}
	snprintf(retry, sizeof retry, "%ld", wait);
	if (evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", retry) == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return 1;
	}
	admin_reply_text(req, 429, "Too Many Requests", "too many requests\n");
	return 1;
}

