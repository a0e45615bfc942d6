#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""slowlog.py: where redis-server's time went, by command and by script.

usage: slowlog.py FILE DELIVERIES

FILE is `redis-cli -2 --json slowlog get N` of a redis-server that logged
every command (slowlog-log-slower-than 0), as bench/compare.sh keeps it
with BENCH_SLOWLOG=1 (BENCH_OUT/slowlog-A1.json). Prints, per delivery,
the microseconds of each of relais's scripts, told apart by their
arguments (queue_lua.c says what each gets), and of each command. The
commands a script runs are logged too, with the Lua client ("?:0"): their
time is inside the script's, so their sum says what share of the
scripts' time is data commands, the rest being Lua and the moving of
arguments and replies. The logging itself inflates every figure: compare
shares, not microseconds, with a run without it.
"""
import collections
import json
import sys


def numeric(s):
    return s.isdigit()


OPS = ("S", "C", "Z", "D", "L", "A", "U", "H", "F")


def script(args):
    """The relais script an EVALSHA's arguments belong to (ARGV from 3)."""
    argv = [str(a) for a in args[3:]]
    if len(argv) >= 6 and all(numeric(a) for a in argv[2:6]) and \
            (len(argv) == 6 or argv[6] in OPS):
        return "commit"     # prefix, group, 4 numbers, then ops
    if len(argv) >= 6 and numeric(argv[1]) and len(argv[1]) < 13:
        # begin and state: prefix, ttl, then id, stream id, claim, and
        # n (begin) or the state function's name (state)
        return "begin" if numeric(argv[5]) else "state"
    if len(argv) == 3 and len(argv[2]) >= 13 and numeric(argv[2]):
        return "stats"      # prefix, group, now
    if len(argv) in (3, 5) and len(argv[1]) >= 13 and numeric(argv[1]):
        return "tick or kinds"  # prefix, now, batch or sample[, ...]
    if len(argv) >= 5 and (len(argv) - 1) % 4 == 0 and \
            all(numeric(a) for a in argv[2:5]):
        return "rate"       # prefix, then gateway and 3 numbers each
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
    scripts = inner = top = 0
    for e in entries:
        if not isinstance(e, list) or len(e) < 4 or not e[3]:
            continue
        dur, args = int(e[2]), e[3]
        cmd = str(args[0]).upper()
        # a command a script ran is logged with the Lua client, "?:0"
        if len(e) > 4 and e[4] == "?:0":
            key = "  in scripts: " + cmd
            inner += dur
        elif cmd in ("EVALSHA", "EVAL"):
            key = "script " + script(args)
            scripts += dur
        else:
            key = cmd
            top += dur
        us[key] += dur
        calls[key] += 1
    print("%d entries logged; per delivery (%d): scripts %.1f us, of which "
          "the commands they ran %.1f us (%.0f %%); other commands %.1f us" %
          (len(entries), n, scripts / n, inner / n,
           100.0 * inner / scripts if scripts else 0, top / n))
    print("%-30s %9s %10s %12s" % ("", "calls", "us a call", "us/delivery"))
    for k, v in sorted(us.items(), key=lambda kv: -kv[1])[:24]:
        print("%-30s %9d %10.1f %12.2f" % (k, calls[k], v / calls[k], v / n))
    print("(\"in scripts\": inside the scripts' time, not on top of it)")


if __name__ == "__main__":
    main()
