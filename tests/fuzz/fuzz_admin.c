/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* libFuzzer target for the admin port's parsers: listen address, proxies, X-Forwarded-For, framing, metrics. */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "buf.h"
#include "envelope.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ADMIN_NETS		8
#define FUZZ_ADMIN_XFF		32

/* "host:port" splits into a numeric address and a port, or explains. */
static void
fuzz_admin_listen(const char *where)
{
	char		host[64], err[128];
	unsigned char	bin[16];
	int		port = -1;

	err[0] = '\0';
	if (admin_listen_parse(where, host, sizeof host, &port, err,
	    sizeof err) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (port < 0 || port > 65535 || host[0] == '\0' ||
	    (inet_pton(AF_INET, host, bin) != 1 &&
	    inet_pton(AF_INET6, host, bin) != 1))
		abort();
}

/* Whether addr is in net, bit by bit. */
static int
fuzz_admin_in(const struct admin_net *net, const unsigned char addr[16])
{
	int	i;

	for (i = 0; i < net->bits; i++) {
		if (((net->addr[i / 8] ^ addr[i / 8]) & (0x80 >> (i % 8))) != 0)
			return 0;
	}
	return 1;
}

static int
fuzz_admin_match(const struct admin_net *nets, size_t n,
    const unsigned char addr[16])
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (fuzz_admin_in(&nets[i], addr))
			return 1;
	}
	return 0;
}

/*
 * A parsed block: a prefix of 0 to 128 bits, nothing set past it, and
 * written back (IPv4 when mapped and /96 or longer) it parses the same.
 */
static void
fuzz_admin_net_check(const struct admin_net *net)
{
	static const unsigned char	mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct admin_net		again;
	char				text[INET6_ADDRSTRLEN + 8], err[256];
	size_t				l;
	int				i;

	if (net->bits < 0 || net->bits > 128)
		abort();
	for (i = net->bits; i < 128; i++) {
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			abort();
	}
	if (admin_net_match(net, 1, net->addr) != 1)
		abort();
	if (memcmp(net->addr, mapped, sizeof mapped) == 0 && net->bits >= 96) {
		inet_ntop(AF_INET, net->addr + 12, text, sizeof text);
		l = strlen(text);
		snprintf(text + l, sizeof text - l, "/%d", net->bits - 96);
	} else {
		inet_ntop(AF_INET6, net->addr, text, sizeof text);
		l = strlen(text);
		snprintf(text + l, sizeof text - l, "/%d", net->bits);
	}
	if (admin_net_parse(text, &again, err, sizeof err) == -1 ||
	    again.bits != net->bits ||
	    memcmp(again.addr, net->addr, sizeof again.addr) != 0)
		abort();
}

/* Trusted proxies: a line of blocks separated by spaces. */
static size_t
fuzz_admin_nets(char *line, struct admin_net *nets)
{
	char	*w, *save = NULL, err[256];
	size_t	 n = 0;

	for (w = strtok_r(line, " ", &save); w != NULL && n < FUZZ_ADMIN_NETS;
	    w = strtok_r(NULL, " ", &save)) {
		err[0] = '\0';
		if (admin_net_parse(w, &nets[n], err, sizeof err) == -1) {
			if (err[0] == '\0')
				abort();
			continue;
		}
		fuzz_admin_net_check(&nets[n]);
		n++;
	}
	return n;
}

/* An entry of X-Forwarded-For as an address, blanks around it allowed. */
static int
fuzz_admin_addr(const char *s, size_t n, unsigned char addr[16])
{
	char	text[64];

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= 46)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, addr + 12) == 1) {
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		return 0;
	}
	return inet_pton(AF_INET6, text, addr) == 1 ? 0 : -1;
}

/*
 * The client behind trusted proxies, as admin.h says: from the right, the
 * first address not in nets; past every one, or at a non-address, the last
 * address walked past.
 */
static int
fuzz_admin_forwarded(const char *const *xff, size_t nxff,
    const struct admin_net *nets, size_t n, unsigned char addr[16])
{
	unsigned char	 cur[16];
	const char	*s, *end, *p;
	size_t		 i;
	int		 found = 0;

	for (i = nxff; i-- > 0;) {
		s = xff[i];
		end = s + strlen(s);
		for (;;) {
			p = end;
			while (p > s && p[-1] != ',')
				p--;
			if (fuzz_admin_addr(p, (size_t)(end - p), cur) == -1)
				return found ? 0 : -1;
			memcpy(addr, cur, 16);
			found = 1;
			if (!fuzz_admin_match(nets, n, cur))
				return 0;
			if (p == s)
				break;
			end = p - 1;
		}
	}
	return found ? 0 : -1;
}

/* Content-Length digits only and all the same number, and no Transfer-Encoding with it. */
static int
fuzz_admin_framing(const struct evkeyvalq *headers)
{
	const struct evkeyval	*h;
	const char		*v, *first = NULL;
	int			 te = 0;

	TAILQ_FOREACH(h, headers, next) {
		if (strcasecmp(h->key, "Transfer-Encoding") == 0)
			te = 1;
		if (strcasecmp(h->key, "Content-Length") != 0)
			continue;
		if (h->value[0] == '\0' ||
		    strspn(h->value, "0123456789") != strlen(h->value))
			return 0;
		for (v = h->value; v[0] == '0' && v[1] != '\0'; v++)
			;
		if (first == NULL)
			first = v;
		else if (strcmp(first, v) != 0)
			return 0;
	}
	return !(te && first != NULL);
}

/* One Prometheus sample or help: valid UTF-8, one line per line promised. */
static void
fuzz_admin_metrics(const char *text)
{
	struct admin_histogram	 h;
	struct buf		 b;
	const char		*p;
	size_t			 lines = 0;
	double			 v;

	buf_init(&b);
	admin_metric(&b, "relais_fuzz_total", 1, "territory", text, "role",
	    "newcomer", NULL);
	admin_metric_help(&b, "relais_fuzz_total", ADMIN_COUNTER, text);
	memset(&h, 0, sizeof h);
	memcpy(&v, text, strlen(text) >= sizeof v ? sizeof v : 0);
	admin_histogram_observe(&h, strlen(text) >= sizeof v ? v : 12.5);
	admin_histogram_observe(&h, (double)strlen(text));
	admin_histogram_write(&b, "relais_fuzz_seconds", &h, "gateway", text,
	    NULL);
	if (b.data == NULL || utf8_valid(b.data, b.len, NULL) == -1 ||
	    b.data[b.len - 1] != '\n')
		abort();
	for (p = b.data; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	/* one sample, HELP and TYPE, 14 buckets, sum and count */
	if (lines != 1 + 2 + ADMIN_HISTOGRAM_NBOUNDS + 1 + 2)
		abort();
	buf_free(&b);
}

/*
 * Input lines: a listen address; trusted proxies (blocks separated by
 * spaces); then request headers "Name: value". The X-Forwarded-For ones
 * name the client; Content-Length and Transfer-Encoding the framing; the
 * whole input is a label value and help text.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admin_net	 nets[FUZZ_ADMIN_NETS];
	struct evkeyvalq	 headers;
	const char		*xff[FUZZ_ADMIN_XFF];
	unsigned char		 got[16], want[16];
	char			*s, *line, *next, *colon, *v;
	size_t			 n, nxff = 0, k;
	int			 rc;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_admin_metrics(s);

	line = s;
	if ((next = strchr(line, '\n')) != NULL)
		*next++ = '\0';
	fuzz_admin_listen(line);
	line = next != NULL ? next : line + strlen(line);
	if ((next = strchr(line, '\n')) != NULL)
		*next++ = '\0';
	n = fuzz_admin_nets(line, nets);

	TAILQ_INIT(&headers);
	for (line = next; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		/* evhttp refuses CR and LF in a header; as it parsed them */
		if (evhttp_add_header(&headers, line, v) == -1)
			continue;
		if (strcasecmp(line, "X-Forwarded-For") == 0 &&
		    nxff < FUZZ_ADMIN_XFF)
			xff[nxff++] = v;
	}
	if (admin_framing_ok(&headers) != fuzz_admin_framing(&headers))
		abort();
	evhttp_clear_headers(&headers);

	for (k = 0; k <= n; k++) {
		memset(got, 0xaa, sizeof got);
		rc = admin_forwarded_client(xff, nxff, nets, k, got);
		if (rc != fuzz_admin_forwarded(xff, nxff, nets, k, want) ||
		    (rc == 0 && memcmp(got, want, sizeof got) != 0))
			abort();
		if (rc == 0 && admin_net_match(nets, k, got) !=
		    fuzz_admin_match(nets, k, got))
			abort();
	}
	free(s);
	return 0;
}
