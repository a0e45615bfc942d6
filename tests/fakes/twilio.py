#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""Fake Twilio Messages API: checks requests the way Twilio would, answers like it.

Serves POST /2010-04-01/Accounts/{AccountSid}/Messages.json on 127.0.0.1 (an
ephemeral port, written to --port-file). Every request is checked: method,
path and account SID, HTTP Basic auth, form content type, strict
application/x-www-form-urlencoded encoding (only RFC 3986 unreserved bytes,
'+', '%XX', '&' and '=' on the wire; UTF-8 values), each field name present
in the CreateMessageRequest schema of Twilio's OpenAPI description (and its
pattern / length constraints), To in E.164, From or MessagingServiceSid,
Body. A request that breaks a rule gets the error Twilio would send and its
record lists the violations.

A valid request is answered from --script, a comma list consumed in order,
then 201 for ever:
  201            a Message resource like Twilio's (sid "SM" + 32 hex)
  CODE:ERROR     4xx with Twilio's error body, e.g. 400:21211, 400:21610
  401            error 20003 "Authenticate"
  429[:SECS]     error 20429, with Retry-After: SECS when given
  5xx[:SECS]     error 20500 / 20503 body, Retry-After: SECS when given
  close          close the connection without answering (the answer before
                 it carries Connection: close, so it comes on a fresh
                 connection: on a reused one curl would resend silently)
  slow:MS        answer 201 after MS milliseconds

Each request is recorded as one JSON line in --record: t_us, method, path,
headers (Authorization left out), auth_user, form, status (0 for close),
sid (on 201) and violations.
"""
import base64
import binascii
import email.utils
import json
import os
import re
import secrets
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402

MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
PATH_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
WIRE_RE = re.compile(rb"^[A-Za-z0-9\-._~+%&=]*$")

ERRORS = {
    20003: "Authenticate",
    20404: "The requested resource {path} was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "The 'To' number {To} is not a valid phone number.",
    21602: "Message body is required.",
    21603: "The 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number is not currently reachable via SMS.",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    20001: "Invalid parameter",
}


def load_schema(path):
    """The properties of the create-message request body."""
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    post = spec["paths"][MESSAGES_PATH]["post"]
    schema = post["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    return schema["properties"], schema.get("required", [])


def parse_script(text):
    out = []
    for item in filter(None, (s.strip() for s in (text or "").split(","))):
        if item == "close":
            out.append(("close", 0, None))
        elif item.startswith("slow:"):
            out.append(("slow", 201, int(item[5:])))
        else:
            code, _, arg = item.partition(":")
            out.append(("answer", int(code), int(arg) if arg else None))
    return out


class Fake(fakebase.State):
    def __init__(self, args):
        super().__init__(args.record, parse_script(args.script),
                         ("answer", 201, None))
        self.args = args
        self.props, self.required = load_schema(args.openapi)

    def next_action(self):
        """The action for this request, and whether the next one is close."""
        with self.lock:
            act = self.script.pop(0) if self.script else self.default
            return act, bool(self.script) and self.script[0][0] == "close"

    def check(self, method, path, headers, raw):
        """Returns (violations, form, error code, HTTP status)."""
        v = []
        form = {}
        m = PATH_RE.match(path)
        if m is None:
            return ["path %s is not the Messages resource" % path], form, \
                20404, 404
        if method != "POST":
            return ["method %s (only POST creates a Message)" % method], \
                form, 20001, 405
        if m.group(1) != self.args.account_sid:
            v.append("account SID in the path is %s" % m.group(1))
            return v, form, 20404, 404
        auth = headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(
                    auth[6:], validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, pw = None, None
            if user != self.args.account_sid or pw != self.args.auth_token:
                v.append("Basic credentials do not match")
        else:
            v.append("no HTTP Basic Authorization")
        if v:
            return v, form, 20003, 401
        ctype = headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != \
                "application/x-www-form-urlencoded":
            v.append("Content-Type is %r" % ctype)
        if not WIRE_RE.match(raw):
            bad = sorted({chr(b) for b in raw
                          if not WIRE_RE.match(bytes([b]))})
            v.append("bytes sent unencoded: %r" % "".join(bad))
        try:
            pairs = urllib.parse.parse_qsl(
                raw.decode("ascii"), keep_blank_values=True,
                strict_parsing=bool(raw), encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError) as e:
            v.append("body is not a valid form: %s" % e)
            pairs = []
        if re.search(rb"%(?![0-9A-Fa-f]{2})", raw):
            v.append("bad percent escape")
        for name, value in pairs:
            if name in form:
                v.append("field %s sent twice" % name)
            form[name] = value
            prop = self.props.get(name)
            if prop is None:
                v.append("field %s is not in the CreateMessageRequest "
                         "schema" % name)
                continue
            if "pattern" in prop and not re.search(prop["pattern"], value):
                v.append("%s %r does not match %s" % (name, value,
                                                      prop["pattern"]))
            if "maxLength" in prop and len(value) > prop["maxLength"]:
                v.append("%s longer than %d" % (name, prop["maxLength"]))
            if "minLength" in prop and len(value) < prop["minLength"]:
                v.append("%s shorter than %d" % (name, prop["minLength"]))
        if v:
            return v, form, 20001, 400
        for name in self.required:
            if name not in form:
                v.append("required field %s missing" % name)
                return v, form, 21604 if name == "To" else 20001, 400
        if not E164_RE.match(form["To"]):
            v.append("To %r is not E.164" % form["To"])
            return v, form, 21211, 400
        if "From" not in form and "MessagingServiceSid" not in form:
            v.append("neither From nor MessagingServiceSid")
            return v, form, 21603, 400
        if not form.get("Body") and "MediaUrl" not in form and \
                "ContentSid" not in form:
            v.append("no Body")
            return v, form, 21602, 400
        if len(form.get("Body", "")) > 1600:
            v.append("Body longer than 1600 characters")
            return v, form, 21617, 400
        return v, form, 0, 0

    def message(self, form):
        """A Message resource as Twilio returns it on 201."""
        sid = "SM" + secrets.token_hex(16)
        acc = self.args.account_sid
        now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
        uri = "/2010-04-01/Accounts/%s/Messages/%s" % (acc, sid)
        mss = form.get("MessagingServiceSid")
        return sid, {
            "account_sid": acc,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": mss,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if mss and "From" not in form else "queued",
            "subresource_uris": {"media": uri + "/Media.json"},
            "to": form.get("To"),
            "uri": uri + ".json",
        }


def error_body(code, status, fmt, msg=None):
    msg = msg or ERRORS.get(code, "Error").format(**fmt)
    return {"code": code, "message": msg,
            "more_info": "https://www.twilio.com/docs/errors/%d" % code,
            "status": status}


class Handler(fakebase.Handler):
    server_version = "twilio-fake"
    log_name = "twilio-fake"

    def reply(self, status, body, extra=None, last=False):
        headers = [("Twilio-Request-Id", "RQ" + secrets.token_hex(16))]
        if last:
            headers.append(("Connection", "close"))
            self.close_connection = True
        headers.extend((extra or {}).items())
        self.send(status, json.dumps(body).encode(), headers)

    def handle_any(self):
        fake = self.server.state
        t_us = fakebase.now_us()
        raw = self.read_body()
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() != "authorization"}
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user = base64.b64decode(auth[6:]).decode().split(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                user = "?"
        v, form, code, status = fake.check(
            self.command, self.path, self.headers, raw)
        rec = {"t_us": t_us, "method": self.command, "path": self.path,
               "headers": hdrs, "auth_user": user, "form": form,
               "violations": v}
        fmt = {"To": form.get("To", ""), "path": self.path}
        if v:
            rec["status"] = status
            fake.record(rec)
            # 20001's text is generic: say which rule was broken
            self.reply(status, error_body(
                code, status, fmt, v[0] if code == 20001 else None))
            return
        # A close must come on a fresh connection: on a reused one,
        # curl silently sends the request again on a new connection.
        (action, status, arg), last = fake.next_action()
        if action == "close":
            rec["status"] = 0
            fake.record(rec)
            self.close_connection = True
            return
        if status == 201:
            sid, body = fake.message(form)
            rec["status"] = 201
            rec["sid"] = sid
            fake.record(rec)
            if action == "slow":
                time.sleep(arg / 1000.0)
            self.reply(201, body, last=last)
            return
        extra = {}
        if status == 401:
            code = 20003
        elif status == 429 or status >= 500:
            code = {429: 20429, 503: 20503}.get(status, 20500)
            if arg is not None:
                extra["Retry-After"] = str(arg)
        else:
            code = arg if arg is not None else 20001
        rec["status"] = status
        rec["error_code"] = code
        fake.record(rec)
        self.reply(status, error_body(code, status, fmt), extra, last)

    do_POST = do_GET = do_PUT = do_DELETE = handle_any


def main():
    p = fakebase.arg_parser(__doc__, "--record")
    p.add_argument("--account-sid", required=True)
    p.add_argument("--auth-token-env", required=True,
                   help="environment variable holding the expected token")
    p.add_argument("--script", default="")
    p.add_argument("--openapi",
                   default=fakebase.openapi_path("twilio_api_v2010.json"))
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    args.auth_token = os.environ.get(args.auth_token_env)
    if not args.auth_token:
        p.error("%s is not set" % args.auth_token_env)
    fakebase.serve(Handler, Fake(args), args.port_file, args.verbose)


if __name__ == "__main__":
    main()
