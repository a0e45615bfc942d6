/* SPDX-License-Identifier: LiLiQ-P-1.1 */
/* One HTTP request: its copy, its validation, its curl options and its response headers. */
#include <sys/queue.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "http_int.h"
#include "log.h"

/* Frees a request and what it owns; its easy handle must be out of the multi. */
void
http_req_free(struct http_req *r)
{
	if (r == NULL)
		return;
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r->method);
	free(r->url);
	free(r->body);
	if (r->userpwd != NULL) {
		explicit_bzero(r->userpwd, strlen(r->userpwd));
		free(r->userpwd);
	}
	free(r->ca_file);
	free(r->h1_host);
	/*
	 * The head may hold credentials (Authorization, api-key): zeroed.
	 * The body holds none (no gateway sends them there) and is freed
	 * as r->body is, without it: zeroing it cost every message a pass
	 * over its whole body.
	 */
	if (r->h1_req.data != NULL)
		explicit_bzero(r->h1_req.data, r->h1_headlen);
	buf_free(&r->h1_req);
	buf_free(&r->rbody);
	buf_free(&r->rhdrs);
	free(r);
}

/* What curl will need of req, copied into r. */
void
http_req_copy(struct http_req *r, const struct http_request *req)
{
	size_t	i;
	int	expect = 0;

	r->method = xstrdup(req->method);
	if (req->body != NULL) {
		r->body = xmalloc(req->bodylen + 1);
		memcpy(r->body, req->body, req->bodylen);
		r->body[req->bodylen] = '\0';
		r->bodylen = req->bodylen;
	}
	if (req->userpwd != NULL)
		r->userpwd = xstrdup(req->userpwd);
	if (req->ca_file != NULL)
		r->ca_file = xstrdup(req->ca_file);
	for (i = 0; i < req->nheaders; i++) {
		r->hdrs = http_slist_add(r->hdrs, req->headers[i]);
		if (strncasecmp(req->headers[i], "Expect:", 7) == 0)
			expect = 1;
	}
	/* No 100-continue round trip: gateways answer the whole request. */
	if (!expect && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0)
		r->hdrs = http_slist_add(r->hdrs, "Expect:");
}

/* A method is an HTTP token; anything else would let a caller inject text. */
static int
http_valid_method(const char *m)
{
	const char	*p;

	if (m == NULL || *m == '\0')
		return 0;
	for (p = m; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
			return 0;
	}
	return 1;
}

static int
http_valid_header(const char *h)
{
	const char	*colon;

	if (h == NULL || (colon = strchr(h, ':')) == NULL || colon == h)
		return 0;
	return strpbrk(h, "\r\n") == NULL;
}

static size_t
http_body_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_req	*r = arg;
	size_t		 n = size * nmemb, room;

	/* Past the cap the rest is dropped, not refused: that is not an error. */
	room = r->rbody.len < HTTP_BODY_MAX ? HTTP_BODY_MAX - r->rbody.len : 0;
	buf_append(&r->rbody, p, n < room ? n : room);
	return n;
}

static size_t
http_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_req	*r = arg;
	size_t		 n = size * nmemb;

	/* Keep only the final response's block (after 1xx or proxy replies). */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		buf_reset(&r->rhdrs);
	if (r->rhdrs.len + n <= HTTP_HEADERS_MAX)
		buf_append(&r->rhdrs, p, n);
	return n;
}

/* Sets every option of one request on a fresh or reset easy handle. */
CURLcode
http_req_setup(struct http_req *r)
{
	CURL		*e = r->easy;
	CURLcode	 rc = CURLE_OK;
	int		 post;

#define SET(opt, val) do {						\
	if (rc == CURLE_OK)						\
		rc = curl_easy_setopt(e, opt, val);			\
} while (0)
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/*
	 * Only over TLS, where ALPN tells at handshake time whether the
	 * connection multiplexes. Over plain HTTP curl learns it from the first
	 * response, so every other request to that host would wait for it.
	 */
	if (strncasecmp(r->url, "https://", 8) == 0)
		SET(CURLOPT_PIPEWAIT, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	/* Verification stays on: a CA file only changes the trusted roots. */
	if (r->ca_file != NULL)
		SET(CURLOPT_CAINFO, r->ca_file);
	SET(CURLOPT_URL, r->url);
	SET(CURLOPT_WRITEFUNCTION, http_body_cb);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_HEADERFUNCTION, http_header_cb);
	SET(CURLOPT_HEADERDATA, r);
	SET(CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, r->timeout_ms);
	if (r->hdrs != NULL)
		SET(CURLOPT_HTTPHEADER, r->hdrs);
	if (r->userpwd != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERPWD, r->userpwd);
	}

	post = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
	    strcmp(r->method, "PATCH") == 0 || r->body != NULL;
	if (strcmp(r->method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else if (strcmp(r->method, "GET") == 0 && r->body == NULL)
		SET(CURLOPT_HTTPGET, 1L);
	else {
		if (post) {
			/* The copy lives in the request until the transfer ends. */
			SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->bodylen);
			SET(CURLOPT_POSTFIELDS, r->body != NULL ? r->body : "");
		}
		if (strcmp(r->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, r->method);
	}
#undef SET
	if (rc != CURLE_OK)
		log_errx("http: pool=%s setup failed: %s", r->pool->name,
		    curl_easy_strerror(rc));
	return rc;
}


int
http_request_valid(const struct http_request *req)
{
	size_t	i;

	if (req == NULL || !http_valid_method(req->method) ||
	    req->url == NULL || req->url[0] == '\0' ||
	    strpbrk(req->url, " \r\n") != NULL)
		return 0;
	if (req->nheaders > 0 && req->headers == NULL)
		return 0;
	for (i = 0; i < req->nheaders; i++) {
		if (!http_valid_header(req->headers[i]))
			return 0;
	}
	if (req->body == NULL && req->bodylen > 0)
		return 0;
	return req->connect_timeout_ms >= 0 && req->timeout_ms >= 0;
}

struct curl_slist *
http_slist_add(struct curl_slist *l, const char *line)
{
	struct curl_slist	*n;

	if ((n = curl_slist_append(l, line)) == NULL)
		fatalx("http: out of memory");
	return n;
}

/* Finds a header's value in a raw header block; *lenp gets its length. */
const char *
http_header_find(const char *block, const char *name, size_t *lenp)
{
	const char	*line, *eol, *v, *end;
	size_t		 nlen = strlen(name);

	for (line = block; line != NULL && *line != '\0'; line = eol) {
		if ((eol = strchr(line, '\n')) != NULL)
			eol++;
		if (strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
			continue;
		v = line + nlen + 1;
		end = eol != NULL ? eol : v + strlen(v);
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && strchr(" \t\r\n", end[-1]) != NULL)
			end--;
		*lenp = (size_t)(end - v);
		return v;
	}
	return NULL;
}

/*
 * Copies the first value of header name into out (always NUL-terminated when
 * outlen > 0). Returns -1 when absent or when the value does not fit.
 */
int
http_response_header(const struct http_response *resp, const char *name,
    char *out, size_t outlen)
{
	const char	*v;
	size_t		 len, n;

	if (resp == NULL || resp->headers == NULL || name == NULL ||
	    *name == '\0')
		return -1;
	if ((v = http_header_find(resp->headers, name, &len)) == NULL)
		return -1;
	if (out == NULL || outlen == 0)
		return -1;
	n = len < outlen - 1 ? len : outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return len < outlen ? 0 : -1;
}
