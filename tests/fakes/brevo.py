#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""A fake Brevo API v3 (email and SMS) for the integration tests (Python 3 stdlib only).

Checks each request the way Brevo would: POST to /v3/smtp/email or
/v3/transactionalSMS/send, an api-key header, a JSON body of an object with
only the fields Brevo defines for that endpoint, the required ones present
and of the right type (email: sender, to, subject and a content unless a
templateId; SMS: sender of at most 11 characters or 15 digits, recipient
as digits with the country code, content, type transactional|marketing,
unicodeEnabled a boolean, tag a string or up to 10 strings).

Answers 201 with {"messageId": "<...@smtp-relay.mailin.fr>"} (email) or
{"messageId": <integer>} (SMS), or, with --script, the answers listed
(consumed in order by both endpoints, then 201 again):
  201 400 401 402 403 404 500 503   that status, with Brevo's {code, message}
  429:N        429 with Retry-After: N and x-sib-ratelimit-* (reset N s)
  429reset:N   429 with x-sib-ratelimit-* only, reset in N s
  close        the connection is reset mid-response (after the headers)
  slow:MS      wait MS milliseconds, then the next answer (201 by default)
A request that breaks a rule gets a 400 naming the first problem, whatever
the script says. Each request is one JSON line in --out, with "gsm7" for an
SMS: whether its content fits the GSM-7 alphabet (unicodeEnabled should be
its opposite, or Brevo transliterates the accents away).
"""
import json
import os
import random
import re
import secrets
import sys
import time

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402

EMAIL_PATH = "/v3/smtp/email"
SMS_PATH = "/v3/transactionalSMS/send"

EMAIL_FIELDS = {"sender", "to", "cc", "bcc", "replyTo", "subject",
                "htmlContent", "textContent", "templateId", "params",
                "headers", "tags", "attachment", "scheduledAt", "batchId",
                "messageVersions"}
SMS_FIELDS = {"sender", "recipient", "content", "type", "tag", "webUrl",
              "unicodeEnabled", "organisationPrefix"}

ERRORS = {
    400: ("invalid_parameter", {
        EMAIL_PATH: "sender is invalid / not active",
        SMS_PATH: "Invalid phone number"}),
    401: ("unauthorized", "Key not found"),
    402: ("not_enough_credits", "Not enough credits"),
    403: ("permission_denied", "Unable to send email. Your SMTP account "
          "is not yet activated."),
    404: ("document_not_found", "Not found"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Internal error"),
    503: ("service_unavailable", "Service unavailable"),
}

# 3GPP TS 23.038: the basic table and the extension table (2 septets each)
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
           "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
           "\f^{}\\[~]|€")
SENDER_ALNUM_RE = re.compile(r"^[A-Za-z0-9 .\-_&']{1,11}$")
DIGITS_RE = re.compile(r"^[0-9]{1,15}$")


def error_body(status, path=None, message=None):
    """Brevo's error document: {"code": ..., "message": ...}."""
    code, msg = ERRORS.get(status, ("bad_request", "error"))
    if isinstance(msg, dict):
        msg = msg.get(path, "invalid request")
    if message is not None:
        code, msg = ("invalid_parameter" if status == 400 else code), message
    return json.dumps({"code": code, "message": msg}).encode()


def is_email(v):
    return isinstance(v, str) and "@" in v and " " not in v


def check_address(v, where, out, need_email=True):
    if not isinstance(v, dict):
        out.append((where, "must be an object"))
        return
    for k in v:
        if k not in ("email", "name", "id"):
            out.append((where + "." + k, "is not a field of this object"))
    if need_email and not is_email(v.get("email")):
        out.append((where + ".email", "is required and must be an email "
                    "address"))
    if "name" in v and not isinstance(v["name"], str):
        out.append((where + ".name", "must be a string"))


def email_problems(body):
    out = []
    for k in body:
        if k not in EMAIL_FIELDS:
            out.append((k, "is not a field of this object"))
    sender = body.get("sender")
    if sender is None:
        out.append(("sender", "is required"))
    else:
        check_address(sender, "sender", out,
                      need_email=not isinstance(sender, dict) or
                      "id" not in sender)
    if "messageVersions" not in body:
        to = body.get("to")
        if not isinstance(to, list) or not to:
            out.append(("to", "is required (a non-empty array)"))
        else:
            for i, a in enumerate(to):
                check_address(a, "to[%d]" % i, out)
    for k in ("cc", "bcc"):
        if k in body:
            if not isinstance(body[k], list):
                out.append((k, "must be an array"))
            else:
                for i, a in enumerate(body[k]):
                    check_address(a, "%s[%d]" % (k, i), out)
    if "replyTo" in body:
        check_address(body["replyTo"], "replyTo", out)
    for k in ("subject", "htmlContent", "textContent", "scheduledAt",
              "batchId"):
        if k in body and (not isinstance(body[k], str) or not body[k]):
            out.append((k, "must be a non-empty string"))
    if "templateId" not in body:
        if "subject" not in body:
            out.append(("subject", "is required without templateId"))
        if "htmlContent" not in body and "textContent" not in body:
            out.append(("htmlContent", "htmlContent or textContent is "
                        "required without templateId"))
    if "headers" in body:
        h = body["headers"]
        if not isinstance(h, dict):
            out.append(("headers", "must be an object"))
        else:
            for k, v in h.items():
                if not isinstance(v, str):
                    out.append(("headers." + k, "must be a string"))
    if "tags" in body:
        t = body["tags"]
        if not isinstance(t, list) or \
                not all(isinstance(x, str) and x for x in t):
            out.append(("tags", "must be an array of strings"))
    return out


def sms_problems(body):
    out = []
    for k in body:
        if k not in SMS_FIELDS:
            out.append((k, "is not a field of this object"))
    for k in ("sender", "recipient", "content"):
        if k not in body:
            out.append((k, "is required"))
        elif not isinstance(body[k], str) or not body[k]:
            out.append((k, "must be a non-empty string"))
    sender = body.get("sender")
    if isinstance(sender, str) and sender and \
            not DIGITS_RE.match(sender) and not SENDER_ALNUM_RE.match(sender):
        out.append(("sender", "must be at most 11 alphanumeric characters "
                    "or 15 digits"))
    rcpt = body.get("recipient")
    if isinstance(rcpt, str) and rcpt and not DIGITS_RE.match(rcpt):
        out.append(("recipient", "must be the number with its country code, "
                    "digits only"))
    if "type" in body and body["type"] not in ("transactional", "marketing"):
        out.append(("type", "must be transactional or marketing"))
    if "unicodeEnabled" in body and \
            not isinstance(body["unicodeEnabled"], bool):
        out.append(("unicodeEnabled", "must be a boolean"))
    if "tag" in body:
        t = body["tag"]
        ok = isinstance(t, str) or (isinstance(t, list) and len(t) <= 10 and
                                    all(isinstance(x, str) for x in t))
        if not ok:
            out.append(("tag", "must be a string or up to 10 strings"))
    for k in ("webUrl", "organisationPrefix"):
        if k in body and not isinstance(body[k], str):
            out.append((k, "must be a string"))
    return out


class State(fakebase.State):
    def __init__(self, args):
        super().__init__(args.out, fakebase.split_script(args.script), "201")
        self.key = args.key


class Handler(fakebase.ScriptedHandler):
    log_name = "brevo"
    content_type = "application/json; charset=utf-8"
    refused_as = str
    cut_answer = (201, None, b'{"messageId"')

    def check(self, raw, rec):
        if self.path not in (EMAIL_PATH, SMS_PATH):
            return 404, [("", "no such path " + self.path)]
        if self.headers.get("api-key") != self.server.state.key:
            return 401, [("", "bad or missing api-key")]
        if not self.is_json():
            return 400, [("", "Content-Type must be application/json")]
        refused = self.load_json(raw, rec)
        if refused is not None:
            return refused
        body = rec["body"]
        if not isinstance(body, dict):
            problems = [("", "body must be an object")]
        elif self.path == EMAIL_PATH:
            problems = email_problems(body)
        else:
            problems = sms_problems(body)
            content = body.get("content")
            if isinstance(content, str):
                rec["gsm7"] = all(c in GSM7 for c in content)
        return (400, problems) if problems else (None, [])

    def error_doc(self, status, problems=()):
        # a 401 says "Key not found", not which check failed
        msg = fakebase.first_problem(problems) if status != 401 else None
        return error_body(status, self.path, msg), None

    def do_GET(self):
        self.send_error(404)

    def limit_headers(self, kind, secs):
        headers = [("x-sib-ratelimit-limit", "1000"),
                   ("x-sib-ratelimit-remaining", "0"),
                   ("x-sib-ratelimit-reset", str(secs))]
        if kind == "429":
            headers.append(("Retry-After", str(secs)))
        return headers

    def accepted(self, status, rec):
        if not 200 <= status < 300:
            return None
        if self.path == EMAIL_PATH:
            mid = "<%s.%s@smtp-relay.mailin.fr>" % (
                time.strftime("%Y%m%d%H%M%S"), secrets.token_hex(8))
            doc = {"messageId": mid}
        else:
            n = random.randrange(10 ** 15, 10 ** 16)
            mid, doc = str(n), {"messageId": n}
        rec["message_id"] = mid
        return json.dumps(doc).encode(), ()


def main():
    ap = fakebase.arg_parser(__doc__)
    ap.add_argument("--key", required=True, help="the API key to expect")
    ap.add_argument("--script", default="")
    args = ap.parse_args()
    fakebase.serve(Handler, State(args), args.port_file)


if __name__ == "__main__":
    main()
