#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
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
import base64
import json
import os
import re
import sys
import time
from email.utils import getaddresses

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402

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


class State(fakebase.State):
    def __init__(self, args):
        super().__init__(args.out, fakebase.split_script(args.script), "200")
        self.auth = "Basic " + base64.b64encode(
            ("api:" + args.key).encode()).decode()
        self.domain = args.domain
        self.serial = 0

    def message_id(self):
        with self.lock:
            self.serial += 1
            return "<%s.%d.%08X@%s>" % (time.strftime("%Y%m%d%H%M%S"),
                                         self.serial, os.getpid(),
                                         self.domain)


class Handler(fakebase.ScriptedHandler):
    log_name = "mailgun"
    body_key = "fields"
    cut_answer = (200, "application/json", b'{"id":"<')

    def check(self, raw, rec):
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

    def error_doc(self, status, problems=()):
        return error_body(status, self.server.state.domain,
                          fakebase.first_problem(problems))

    def accepted(self, status, rec):
        if status != 200:
            return None
        mid = self.server.state.message_id()
        rec["message_id"] = mid
        return json.dumps({"id": mid, "message": "Queued. Thank you."}) \
            .encode(), ()


def main():
    ap = fakebase.arg_parser(__doc__)
    ap.add_argument("--key", required=True, help="the API key to expect")
    ap.add_argument("--domain", required=True,
                    help="the sending domain to expect in the path")
    ap.add_argument("--script", default="")
    args = ap.parse_args()
    fakebase.serve(Handler, State(args), args.port_file)


if __name__ == "__main__":
    main()
