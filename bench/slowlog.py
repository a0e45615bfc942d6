#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""slowlog.py: where redis-server's time went, by command and by script.

usage: slowlog.py FILE DELIVERIES

FILE is `redis-cli -2 --json slowlog get N` of a redis-server that logged
every command (slowlog-log-slower-than 0), as bench/compare.sh keeps it
with BENCH_SLOWLOG=1 (BENCH_OUT/slowlog-A1.json). Prints, per delivery,
the microseconds of each command and of each of relais's scripts, told
apart by their arguments (queue_lua.c says what each gets). The commands a
script runs are logged too, and their time is inside the script's: the
per-command lines say what share of the scripts' time is data commands,
the rest being Lua and the moving of arguments and replies. The logging
itself inflates every figure: compare shares, not microseconds, with a
run without it.
"""
import collections
import json
import sys


def numeric(s):
    return s.isdigit()


def script(args):
    """The relais script an EVALSHA's arguments belong to (ARGV from 3)."""
    argv = args[3:]
    if len(argv) < 2:
        return "?"
    if not numeric(argv[1]):
        return "commit"     # prefix, group, sent ttl, ...
    if len(argv) >= 3 and len(argv[1]) >= 13 and numeric(argv[2]):
        return "tick or kinds"  # prefix, now (ms), batch or sample
    if len(argv) >= 6:
        # begin and state: prefix, ttl, then id, stream id, claim, and
        # n (begin) or the state function's name (state)
        return "begin" if numeric(argv[5]) else "state"
    return "other"


def main():
    if len(sys.argv) != 3 or not sys.argv[2].isdigit() or \
            int(sys.argv[2]) == 0:
        sys.exit("usage: slowlog.py FILE DELIVERIES")
    n = int(sys.argv[2])
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        entries = json.load(f)
    us = collections.Counter()
    calls = collections.Counter()
    scripts = 0
    for e in entries:
        if not isinstance(e, list) or len(e) < 4 or not e[3]:
            continue
        dur, args = int(e[2]), e[3]
        cmd = str(args[0]).upper()
        key = cmd
        if cmd in ("EVALSHA", "EVAL"):
            key = "script " + script([str(a) for a in args])
            scripts += dur
        us[key] += dur
        calls[key] += 1
    total = sum(v for k, v in us.items() if not k.startswith("script "))
    print("%d entries logged; per delivery (%d): commands %.1f us, "
          "scripts %.1f us (their commands included)" %
          (len(entries), n, total / n, scripts / n))
    print("%-22s %9s %10s %12s %7s" % ("", "calls", "us a call",
                                       "us/delivery", "share"))
    for k, v in us.most_common(20):
        base = scripts if k.startswith("script ") else total
        print("%-22s %9d %10.1f %12.2f %6.1f%%" % (
            k, calls[k], v / calls[k], v / n, 100.0 * v / base if base else 0))
    print("(a script's share is of the scripts' time; a command's, of all "
          "the commands', those the scripts run included)")


if __name__ == "__main__":
    main()
