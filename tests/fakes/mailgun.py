#!/usr/bin/env python3
"""A fake Mailgun Messages API for the integration tests (Python 3 stdlib only).

Checks each request the way Mailgun would: POST /v3/<domain>/messages for
the --domain given, HTTP Basic user "api" with the --key as password, a
multipart/form-data body (parsed strictly: CRLF line ends, one
Content-Disposition: form-data; name="..." per part, UTF-8 values), the
required fields (from, to, subject, one of text/html/amp-html/template),
known field names only (from to cc bcc subject text html amp-html template
and the o: h: v: t: options), at most 3 o:tag values of ASCII <= 128
characters, and o:/h:/v:/t: options <= 16 KB in all.

Answers 200 {"id": "<...@domain>", "message": "Queued. Thank you."}, or,
with --script, the answers listed (consumed in order, then 200 again):
  200 400 401 403 404 413 500 503   that status, with Mailgun's error body
  429:N        429 with Retry-After: N
  close        the connection is reset mid-response (after the headers)
  slow:MS      wait MS milliseconds, then the next answer (200 by default)
A request that breaks a rule gets the error Mailgun would give (401 for bad
credentials, 404 for another domain, 400 naming the first problem),
whatever the script says. Each request is one JSON line in --out.
"""
import argparse
import base64
import json
import os
import re
import socket
import struct
import sys
import threading
import time
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIELDS = {"from", "to", "cc", "bcc", "subject", "text", "html", "amp-html",
          "template"}
OPTION_PREFIXES = ("o:", "h:", "v:", "t:")
OPTIONS_MAX = 16 * 1024
TAGS_MAX, TAG_LEN_MAX = 3, 128
BCHARS = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")

ERRORS = {
    400: "'to' parameter is not a valid address. please check documentation",
    403: "Domain %(domain)s is not allowed to send: Free accounts are for "
         "test purposes only. Please upgrade or add the address to "
         "authorized recipients in Account Settings.",
    404: "Domain not found: %(domain)s",
    413: "request entity too large",
    429: "Too many requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error_body(status, domain, message=None):
    """Mailgun's error document: {"message": "..."}; 401 is plain text."""
    if status == 401:
        return b"Forbidden", "text/plain; charset=utf-8"
    if message is None:
        message = ERRORS.get(status, "error") % {"domain": domain}
    return json.dumps({"message": message}).encode(), "application/json"


def boundary_of(ctype):
    """The boundary of a multipart/form-data Content-Type, or None."""
    main, _, params = ctype.partition(";")
    if main.strip().lower() != "multipart/form-data":
        return None
    for p in params.split(";"):
        k, _, v = p.strip().partition("=")
        if k.strip().lower() == "boundary":
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1]
            return v if BCHARS.match(v) else None
    return None


def parse_form(raw, boundary):
    """[(name, value)] of a multipart/form-data body; ValueError if broken."""
    delim = b"\r\n--" + boundary.encode("ascii")
    chunks = (b"\r\n" + raw).split(delim)
    if chunks[0] != b"":
        raise ValueError("body does not start with the boundary")
    if len(chunks) < 2 or chunks[-1] not in (b"--", b"--\r\n"):
        raise ValueError("body does not end with the closing boundary")
    fields = []
    for i, chunk in enumerate(chunks[1:-1]):
        if not chunk.startswith(b"\r\n"):
            raise ValueError("part %d: no CRLF after the boundary" % i)
        head, sep, value = chunk[2:].partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("part %d: no empty line after the headers" % i)
        name = None
        for line in head.split(b"\r\n"):
            if b"\n" in line or b"\r" in line:
                raise ValueError("part %d: bare CR or LF in headers" % i)
            k, colon, v = line.decode("ascii").partition(":")
            if not colon:
                raise ValueError("part %d: bad header line %r" % (i, line))
            k, v = k.strip().lower(), v.strip()
            if k == "content-disposition":
                m = re.fullmatch(r'form-data\s*;\s*name="([^"]+)"', v)
                if not m:
                    raise ValueError("part %d: Content-Disposition %r is "
                                     "not form-data with a name only" % (i, v))
                name = m.group(1)
            elif k == "content-type":
                if not re.fullmatch(r"text/plain(\s*;\s*charset=\"?utf-8"
                                    r"\"?)?", v, re.I):
                    raise ValueError("part %d: Content-Type %r" % (i, v))
            else:
                raise ValueError("part %d: unexpected header %s" % (i, k))
        if name is None:
            raise ValueError("part %d: no Content-Disposition" % i)
        try:
            fields.append((name, value.decode("utf-8")))
        except UnicodeDecodeError as e:
            raise ValueError("%s: not UTF-8 (%s)" % (name, e))
    return fields


def problems_of(fields):
    """What Mailgun would refuse in a parsed form, as (field, problem)."""
    out = []
    names = [n for n, _ in fields]
    for n in names:
        if n not in FIELDS and not n.startswith(OPTION_PREFIXES):
            out.append((n, "is not a known parameter"))
    for n in ("from", "to", "subject"):
        if n not in names:
            out.append((n, "parameter is missing"))
    if not any(n in names for n in ("text", "html", "amp-html", "template")):
        out.append(("text", "need at least one of 'text', 'html', "
                    "'amp-html' or 'template' parameters specified"))
    for n, v in fields:
        if n in ("from", "to", "cc", "bcc", "h:Reply-To"):
            addrs = getaddresses([v])
            if not addrs or "\n" in v or "\r" in v or \
                    any("@" not in a for _, a in addrs):
                out.append((n, "parameter is not a valid address"))
    tags = [v for n, v in fields if n == "o:tag"]
    if len(tags) > TAGS_MAX:
        out.append(("o:tag", "more than %d tags" % TAGS_MAX))
    for t in tags:
        if not t.isascii() or len(t) > TAG_LEN_MAX or not t:
            out.append(("o:tag", "must be ASCII, 1 to %d characters" %
                        TAG_LEN_MAX))
    size = sum(len(n.encode()) + len(v.encode()) for n, v in fields
               if n.startswith(OPTION_PREFIXES))
    if size > OPTIONS_MAX:
        out.append(("o:", "options exceed %d bytes" % OPTIONS_MAX))
    return out


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.script = [s for s in args.script.split(",") if s] \
            if args.script else []
        self.auth = "Basic " + base64.b64encode(
            ("api:" + args.key).encode()).decode()
        self.domain = args.domain
        self.out = args.out
        self.serial = 0

    def next_answer(self):
        with self.lock:
            return self.script.pop(0) if self.script else "200"

    def message_id(self):
        with self.lock:
            self.serial += 1
            return "<%s.%d.%08X@%s>" % (time.strftime("%Y%m%d%H%M%S"),
                                         self.serial, os.getpid(),
                                         self.domain)

    def record(self, rec):
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(line)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, fmt, *args):
        sys.stderr.write("mailgun: " + (fmt % args) + "\n")

    def send(self, status, body=b"", ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def send_error_doc(self, status, message=None, headers=()):
        body, ctype = error_body(status, self.server.state.domain, message)
        self.send(status, body, ctype, headers)

    def reset(self):
        """Drops the connection with an RST once the handler returns."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass

    def do_GET(self):
        self.send_error_doc(404, "not found")

    def check(self, raw, rec):
        """(status, problems) when the request is refused, else (None, [])."""
        st = self.server.state
        m = re.fullmatch(r"/v3/([^/]+)/messages", self.path)
        if m is None:
            return 404, [("", "no such path " + self.path)]
        if m.group(1) != st.domain:
            return 404, [("", "Domain not found: " + m.group(1))]
        if self.headers.get("Authorization") != st.auth:
            return 401, [("", "bad or missing Basic auth api:KEY")]
        ctype = self.headers.get("Content-Type") or ""
        boundary = boundary_of(ctype)
        if boundary is None:
            return 400, [("", "Content-Type must be multipart/form-data "
                          "with a valid boundary, not %r" % ctype)]
        try:
            fields = parse_form(raw, boundary)
        except ValueError as e:
            return 400, [("", "malformed multipart body: %s" % e)]
        rec["form"] = fields
        rec["fields"] = {}
        for n, v in fields:
            rec["fields"].setdefault(n, []).append(v)
        if any(boundary in v for _, v in fields):
            return 400, [("", "boundary occurs in a value")]
        problems = problems_of(fields)
        return (400, problems) if problems else (None, [])

    def do_POST(self):
        st = self.server.state
        t_us = time.time_ns() // 1000
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        rec = {
            "t_us": t_us,
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "fields": None,
            "problems": [],
        }
        status, problems = self.check(raw, rec)
        rec["problems"] = ["%s: %s" % p if p[0] else p[1] for p in problems]
        if status is not None:
            rec["answer"] = status
            st.record(rec)
            msg = ("%s %s" % problems[0]).strip() if problems else None
            self.send_error_doc(status, msg)
            return

        # the answer after slow: is taken now, before requests that come
        # in while this one sleeps
        answer, delay_ms = st.next_answer(), 0
        while answer.startswith("slow:"):
            delay_ms += int(answer.split(":", 1)[1])
            answer = st.next_answer()
        if delay_ms > 0:
            rec["slow_ms"] = delay_ms
            time.sleep(delay_ms / 1000.0)
        rec["answer"] = answer
        try:
            if answer == "close":
                # mid-response: a bare reset before any byte would be
                # retried by curl itself on a reused connection, unseen
                st.record(rec)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "64")
                self.end_headers()
                self.wfile.write(b'{"id":"<')
                self.wfile.flush()
                self.reset()
                return
            if answer.startswith("429"):
                secs = int(answer.partition(":")[2] or "1")
                st.record(rec)
                self.send_error_doc(429, None, [("Retry-After", str(secs))])
                return
            status = int(answer)
            if status == 200:
                mid = st.message_id()
                rec["message_id"] = mid
                st.record(rec)
                self.send(200, json.dumps({
                    "id": mid, "message": "Queued. Thank you."}).encode())
                return
            st.record(rec)
            self.send_error_doc(status)
        except (BrokenPipeError, ConnectionResetError):
            # relais gave up on a slow answer: that is the point of slow:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--key", required=True, help="the API key to expect")
    ap.add_argument("--domain", required=True,
                    help="the sending domain to expect in the path")
    ap.add_argument("--script", default="")
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    open(args.out, "a").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)	# never seen half-written
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
