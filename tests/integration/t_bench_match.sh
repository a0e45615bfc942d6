# SPDX-License-Identifier: LiLiQ-P-1.1
# clock-free: what it checks has no date in it; it runs once, not at every clock
# The matching benchmark (bench/match.c, make bench's budgets) still runs
# the daemon's own path on a real Redis: it stores profiles as
# newcomer.arrived does, through the state script's named() convention,
# and ranks postings. A small run: it must finish and report its figures
# (no figure is judged here; make bench does that).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x "$BUILD/bench-match" ] || fail "$BUILD/bench-match missing (make check builds it)"
start_redis
out=$("$BUILD/bench-match" -s "$T/redis.sock" -c config/relais.yaml -n 300 \
    -m 3 2>&1) || fail "bench-match failed:
$out"
echo "$out" | grep -q '^match: 300 profiles, 3 postings: p50 ' ||
    fail "bench-match did not report its postings:
$out"
echo "$out" | grep -q '^match: stored 300 profiles ' ||
    fail "bench-match did not store its profiles:
$out"
echo "bench_match: ok"
