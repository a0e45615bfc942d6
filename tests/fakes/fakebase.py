# SPDX-License-Identifier: LiLiQ-P-1.1
"""What the fake providers share: the server, the record file, the answer script.

A fake is one ThreadingHTTPServer on 127.0.0.1, an ephemeral port written to
--port-file once it listens, each request one JSON line in the record file.
The email fakes (brevo, mailgun, sendgrid) answer from a script of strings
(ScriptedHandler); twilio keeps its own script and uses Handler alone.
Python 3 stdlib only.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPENAPI_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "..", "..", "shared", "openapi")


def openapi_path(name):
    """The path of a provider's OpenAPI description in shared/openapi."""
    return os.path.join(OPENAPI_DIR, name)


def arg_parser(doc, record_option="--out"):
    """A parser with --port-file and the record file option; the fake adds its own."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument(record_option, required=True)
    return ap


def split_script(text):
    """The answers of a --script comma list, in order."""
    return [s for s in text.split(",") if s] if text else []


def now_us():
    """Wall-clock time in microseconds, as records carry it (t_us)."""
    return time.time_ns() // 1000


def problem_text(problem):
    """A (field, problem) pair as one line: "field: problem", or the problem."""
    return "%s: %s" % problem if problem[0] else problem[1]


def first_problem(problems):
    """The first problem as an error message ("field problem"), or None."""
    return ("%s %s" % problems[0]).strip() if problems else None


class State:
    """What the request threads share: the script and the record file."""

    def __init__(self, out, script, default):
        self.lock = threading.Lock()
        self.out = out
        self.script = script
        self.default = default

    def next_answer(self):
        """The next answer of the script, the default one once it is spent."""
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def record(self, rec):
        """Appends rec as one JSON line to the record file."""
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(line)


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 plumbing: answers with a length, a reset, a log prefix."""
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    log_name = "fake"
    content_type = "application/json"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write(self.log_name + ": " + (fmt % args) + "\n")

    def read_body(self):
        """The request body, as many bytes as Content-Length says."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, body=b"", headers=(), ctype=None):
        """One whole answer; ctype defaults to the fake's content_type."""
        self.send_response(status)
        self.send_header("Content-Type", ctype or self.content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def reset(self):
        """Drops the connection with an RST once the handler returns."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass


class ScriptedHandler(Handler):
    """POST checked by check(), then answered from the server's State script.

    Script answers: a status (accepted() says which are successes, the others
    get error_doc()), 429:N / 429reset:N (limit_headers(kind, N)), close
    (cut_answer sent, then a reset), slow:MS (a wait, then the next answer).
    A provider defines check, error_doc, accepted, limit_headers, cut_answer.
    """
    body_key = "body"		# the record's field for the parsed body
    refused_as = int		# how a refused request's answer is recorded
    cut_answer = (200, None, b"{")	# status, Content-Type, the bytes sent

    def check(self, raw, rec):
        """(status, [(field, problem)]) when refused, else (None, [])."""
        raise NotImplementedError

    def error_doc(self, status, problems=()):
        """(body, Content-Type or None) of an error answer."""
        raise NotImplementedError

    def accepted(self, status, rec):
        """(body, headers) when status is a success, else None."""
        raise NotImplementedError

    def limit_headers(self, kind, secs):
        """The headers of a scripted 429 (kind "429" or "429reset")."""
        return [("Retry-After", str(secs))]

    def send_error(self, status, problems=(), headers=()):
        """An error answer in the provider's format."""
        body, ctype = self.error_doc(status, problems)
        self.send(status, body, headers, ctype)

    def is_json(self):
        """Whether the request says its body is application/json."""
        return (self.headers.get("Content-Type") or "").split(";")[0] \
            .strip().lower() == "application/json"

    def load_json(self, raw, rec):
        """Puts the body in rec["body"]; (400, problems) if not JSON, else None."""
        try:
            rec["body"] = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            rec["raw"] = raw.decode("utf-8", "replace")
            return 400, [("", "body is not JSON: %s" % e)]
        return None

    def do_GET(self):
        self.send_error(404, [("", "not found")])

    def do_POST(self):
        """Checks, records and answers one request."""
        st = self.server.state
        t_us = now_us()
        raw = self.read_body()
        rec = {
            "t_us": t_us,
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            self.body_key: None,
            "problems": [],
        }
        status, problems = self.check(raw, rec)
        rec["problems"] = [problem_text(p) for p in problems]
        if status is not None:
            rec["answer"] = self.refused_as(status)
            st.record(rec)
            self.send_error(status, problems)
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
            self.answer(answer, rec)
        except (BrokenPipeError, ConnectionResetError):
            # relais gave up on a slow answer: that is the point of slow:
            pass

    def answer(self, answer, rec):
        """Records the request and sends the scripted answer."""
        st = self.server.state
        if answer == "close":
            # mid-response: a bare reset before any byte would be
            # retried by curl itself on a reused connection, unseen
            st.record(rec)
            status, ctype, head = self.cut_answer
            self.send_response(status)
            if ctype is not None:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", "64")
            self.end_headers()
            self.wfile.write(head)
            self.wfile.flush()
            self.reset()
            return
        if answer.startswith("429"):
            kind, _, secs = answer.partition(":")
            headers = self.limit_headers(kind, int(secs or "1"))
            st.record(rec)
            self.send_error(429, headers=headers)
            return
        status = int(answer)
        ok = self.accepted(status, rec)
        st.record(rec)
        if ok is not None:
            self.send(status, ok[0], ok[1])
        else:
            self.send_error(status)


def serve(handler, state, port_file, verbose=True):
    """Listens on an ephemeral port of 127.0.0.1, writes it, serves for ever."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    srv.state = state
    srv.verbose = verbose
    open(state.out, "a").close()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, port_file)	# never seen half-written
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
