#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# redis-ir.sh BUILD_DIR [SCENARIO...]: the instructions redis-server spends
# in the scripts (EVALSHA) per delivery, counted by callgrind, for scenarios
# A and B of bench/compare.sh (default: both). A count, not a time: it
# moves by well under 1 % from run to run where CPU times move by 20 %, so
# a change to the Lua scripts is judged with it first, then in real runs.
# Redis's Lua interpreter does not stall on memory the way relaisd does:
# its counts have translated into time so far (README, Performance).
#
#   BENCH_IR_N=2000   events a scenario (B makes 2 deliveries an event)
#
# Slow: redis-server runs about 50 times slower under callgrind, so batches
# grow larger than in a real run; compare counts of the same N only. Needs
# what bench/compare.sh needs but the peer (nginx, redis-server; its
# sink.conf is in BENCH_PEER_DIR), and valgrind.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
[ $# -gt 0 ] && shift
N=${BENCH_IR_N:-2000}
# shellcheck disable=SC2034 # ME is read by bench/lib.sh
ME=redis-ir
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
[ $# -gt 0 ] || set -- A B
ir_check "$N" "A B S" "A, B or S" "$@"

T=$(mktemp -d /tmp/relais-ir.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for sc in "$@"; do
	if [ "$sc" = B ]; then per_event=2; else per_event=1; fi
	rm -f "$T"/callgrind.*
	BENCH_SCENARIOS=$sc BENCH_RUNS=1 BENCH_CMP_N=$N \
	BENCH_REDIS_WRAP="valgrind --tool=callgrind --callgrind-out-file=$T/callgrind.%p --toggle-collect=evalGenericCommand*" \
	    sh "$ROOT/bench/compare.sh" "$BUILD" > "$T/compare.log" 2>&1 || {
		cat "$T/compare.log" >&2
		exit 1
	}
	grep -E "^ +1 $sc:" "$T/compare.log" || true
	# callgrind writes its file when redis-server exits (compare.sh waits)
	ir=$(callgrind_annotate "$T"/callgrind.* 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	case $ir in ''|0) echo "redis-ir: no callgrind count for $sc (no" \
	    "evalGenericCommand in this redis-server?)" >&2; exit 1 ;;
	esac
	awk -v sc="$sc" -v ir="$ir" -v d=$(( per_event * N )) 'BEGIN {
		printf "%s: redis-server EVALSHA instructions per delivery: %.0f" \
		    " (%d deliveries)\n", sc, ir / d, d }'
done
