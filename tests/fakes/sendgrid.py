#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""A fake SendGrid v3 Mail Send for the integration tests (Python 3 stdlib only).

Checks each request the way SendGrid would: POST /v3/mail/send, a Bearer
key, a JSON body, and that body against the provider's own OpenAPI
description (the body schema of POST /mail/send, $refs resolved: required
keys, no unknown keys, types, lengths, array sizes), plus the rules the
schema only states in prose (text/plain first, custom_args values strings,
headers values strings and no reserved header).

Answers 202 with a random X-Message-Id and an empty body, or, with
--script, the answers listed (consumed in order, then 202 again):
  202 400 401 403 413 500 503   that status, with SendGrid's error JSON
  429:N        429 with Retry-After: N and X-RateLimit-* (reset N s ahead)
  429reset:N   429 with X-RateLimit-* only, reset N s ahead
  close        the connection is reset mid-response (after the headers)
  slow:MS      wait MS milliseconds, then the next answer (202 by default)
A request that breaks a rule gets a 400 naming the first problem, whatever
the script says. Each request is one JSON line in --out.
"""
import json
import os
import secrets
import sys
import time

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402

ERRORS = {
    400: ("The from email does not contain a valid address.", "from.email"),
    401: ("The provided authorization grant is invalid, expired, or revoked",
          None),
    403: ("The from address does not match a verified Sender Identity. "
          "Mail cannot be sent until this error is resolved.", "from"),
    413: ("The JSON payload you have included in your request is too large.",
          None),
    429: ("too many requests", None),
    500: ("internal error", None),
    503: ("service unavailable", None),
}

# Headers the personalization's headers may not overwrite (its description).
RESERVED_HEADERS = {"x-sg-id", "x-sg-eid", "received", "dkim-signature",
                    "content-type", "content-transfer-encoding", "to", "from",
                    "subject", "reply-to", "cc", "bcc"}

TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool,
    "null": type(None),
}


def error_body(status, message=None, field=None):
    """SendGrid's error document: {"errors": [{message, field, help}]}."""
    if message is None:
        message, field = ERRORS.get(status, ("error", None))
    return json.dumps({"errors": [{"message": message, "field": field,
                                   "help": None}]}).encode()


class Schema:
    """The mail/send body schema of a Swagger 2.0 document, and a checker."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        op = self.doc["paths"]["/mail/send"]["post"]
        body = [p for p in op["parameters"] if p.get("in") == "body"]
        if len(body) != 1:
            raise SystemExit("sendgrid.py: no body parameter for /mail/send")
        self.root = body[0]["schema"]

    def resolve(self, s):
        while isinstance(s, dict) and "$ref" in s:
            node = self.doc
            for part in s["$ref"].lstrip("#/").split("/"):
                node = node[part]
            s = node
        return s

    def check(self, value, s, where, problems):
        s = self.resolve(s)
        types = s.get("type")
        if types is not None:
            types = types if isinstance(types, list) else [types]
            ok = any(isinstance(value, TYPES[t]) and
                     not (t != "boolean" and isinstance(value, bool))
                     for t in types if t in TYPES)
            if "integer" in types and isinstance(value, int) and \
                    not isinstance(value, bool):
                ok = True
            if not ok:
                problems.append((where, "must be of type %s, not %s" %
                                 ("/".join(types), type(value).__name__)))
                return
        if isinstance(value, dict):
            props = s.get("properties")
            for k in s.get("required", []):
                if k not in value:
                    problems.append((where + "." + k if where else k,
                                     "is required"))
            if props is not None and not s.get("additionalProperties"):
                for k in value:
                    if k not in props:
                        problems.append((where + "." + k if where else k,
                                         "is not a field of this object"))
            for k, v in value.items():
                if props is not None and k in props:
                    self.check(v, props[k], where + "." + k if where else k,
                               problems)
            if "maxProperties" in s and len(value) > s["maxProperties"]:
                problems.append((where, "has too many properties"))
        elif isinstance(value, list):
            if "maxItems" in s and len(value) > s["maxItems"]:
                problems.append((where, "has more than %d items" %
                                 s["maxItems"]))
            if "minItems" in s and len(value) < s["minItems"]:
                problems.append((where, "has fewer than %d items" %
                                 s["minItems"]))
            if "items" in s:
                for i, v in enumerate(value):
                    self.check(v, s["items"], "%s[%d]" % (where, i), problems)
        elif isinstance(value, str):
            if "minLength" in s and len(value) < s["minLength"]:
                problems.append((where, "is shorter than %d" % s["minLength"]))
            if "maxLength" in s and len(value) > s["maxLength"]:
                problems.append((where, "is longer than %d" % s["maxLength"]))
            if s.get("format") == "email" and \
                    ("@" not in value or " " in value):
                problems.append((where, "is not a valid email address"))
            if "enum" in s and value not in s["enum"]:
                problems.append((where, "is not one of %s" % s["enum"]))

    def problems(self, body):
        out = []
        self.check(body, self.root, "", out)
        if not isinstance(body, dict):
            return out
        # rules SendGrid states in prose, not in the schema
        content = body.get("content")
        if isinstance(content, list) and content:
            types = [c.get("type") for c in content if isinstance(c, dict)]
            if "text/plain" in types and types[0] != "text/plain":
                out.append(("content[0].type",
                            "text/plain must come first"))
        for i, p in enumerate(body.get("personalizations") or []):
            if not isinstance(p, dict):
                continue
            args = p.get("custom_args")
            if isinstance(args, dict):
                for k, v in args.items():
                    if not isinstance(v, str):
                        out.append(("personalizations[%d].custom_args.%s" %
                                    (i, k), "must be a string"))
        # headers: string values, none of the reserved names (the
        # descriptions of the top-level and personalization fields)
        where = [("headers", body.get("headers"))] + \
            [("personalizations[%d].headers" % i, p.get("headers"))
             for i, p in enumerate(body.get("personalizations") or [])
             if isinstance(p, dict)]
        for w, h in where:
            if not isinstance(h, dict):
                continue
            for k, v in h.items():
                if not isinstance(v, str):
                    out.append(("%s.%s" % (w, k), "must be a string"))
                if k.lower() in RESERVED_HEADERS:
                    out.append(("%s.%s" % (w, k), "is a reserved header"))
        if "reply_to" in body and "reply_to_list" in body:
            out.append(("reply_to", "is mutually exclusive with "
                        "reply_to_list"))
        return out


class State(fakebase.State):
    def __init__(self, args, schema):
        super().__init__(args.out, fakebase.split_script(args.script), "202")
        self.key = args.key
        self.schema = schema


class Handler(fakebase.ScriptedHandler):
    log_name = "sendgrid"
    cut_answer = (202, None, b'{"errors"')

    def check(self, raw, rec):
        st = self.server.state
        if self.path != "/v3/mail/send":
            return 404, [("", "no such path " + self.path)]
        if self.headers.get("Authorization") != "Bearer " + st.key:
            return 401, [("", "bad or missing Authorization: Bearer")]
        if not self.is_json():
            return 400, [("", "Content-Type must be application/json")]
        if "Accept" not in self.headers:
            return 406, [("", "no Accept header")]
        refused = self.load_json(raw, rec)
        if refused is not None:
            return refused
        problems = st.schema.problems(rec["body"])
        return (400, problems) if problems else (None, [])

    def error_doc(self, status, problems=()):
        if not problems:
            return error_body(status), None
        return error_body(status, problems[0][1], problems[0][0] or None), \
            None

    def limit_headers(self, kind, secs):
        headers = [("X-RateLimit-Limit", "600"),
                   ("X-RateLimit-Remaining", "0"),
                   ("X-RateLimit-Reset", str(int(time.time()) + secs))]
        if kind == "429":
            headers.append(("Retry-After", str(secs)))
        return headers

    def accepted(self, status, rec):
        if status not in (200, 202):
            return None
        mid = secrets.token_urlsafe(16)
        rec["message_id"] = mid
        return b"", [("X-Message-Id", mid)]


def main():
    ap = fakebase.arg_parser(__doc__)
    ap.add_argument("--key", required=True, help="the API key to expect")
    ap.add_argument("--script", default="")
    ap.add_argument("--schema",
                    default=fakebase.openapi_path("sendgrid_v3.json"))
    args = ap.parse_args()
    schema = Schema(args.schema)
    fakebase.serve(Handler, State(args, schema), args.port_file)


if __name__ == "__main__":
    main()
