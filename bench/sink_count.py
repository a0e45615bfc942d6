#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""sink_count.py: waits until TARGET requests have reached an nginx sink.

usage: sink_count.py PORT TARGET DEADLINE_S PIDS READY_FILE

Polls nginx's stub_status (/sink_status) over one keep-alive connection
every POLL_S and prints one line, "<deliveries> <t_us> <polls>": the
requests counted since its first poll, not its own; the wall-clock time
(microseconds, as `date +%s%N` / 1000) of the last one, the midpoint
between the poll that saw TARGET reached and the one before, so within
POLL_S / 2; and how many polls it made, its first included (for a later
exact count: requests now - requests before it started - polls - 1).
READY_FILE is written after the first poll: push after it appears.
Exits 1 when DEADLINE_S pass or a process of PIDS (comma-separated) dies
first, the line printed with what was reached.
"""
import http.client
import os
import re
import sys
import time

POLL_S = 0.01

port, target, deadline_s, pid, ready = sys.argv[1:6]
target, deadline_s = int(target), float(deadline_s)
pids = [int(p) for p in pid.split(",")]
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)


def requests():
    """nginx's "requests" counter, this request included."""
    conn.request("GET", "/sink_status")
    body = conn.getresponse().read().decode()
    m = re.search(r"^\s*\d+\s+\d+\s+(\d+)\s*$", body, re.M)
    if m is None:
        sys.exit("sink_count: no counters in /sink_status: %r" % body)
    return int(m.group(1))


def alive(pid):
    """Whether pid runs (a zombie, not reaped yet, does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def now_us():
    return time.time_ns() // 1000


base = requests()
polls = 1
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % base)
os.rename(ready + ".tmp", ready)
end = time.monotonic() + deadline_s
prev = now_us()
done, rc = 0, 0
while True:
    time.sleep(POLL_S)
    r = requests()
    t = now_us()
    done = r - base - polls
    polls += 1
    if done >= target:
        t_last = (prev + t) // 2
        break
    prev = t
    if time.monotonic() > end or not all(alive(p) for p in pids):
        t_last, rc = t, 1
        break
print(done, t_last, polls)
sys.exit(rc)
