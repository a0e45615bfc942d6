#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisd-ir.sh BUILD_DIR [SCENARIO...]: relaisd's instructions per
# delivery, counted by callgrind, for scenarios A and B of bench/compare.sh
# (default: both), and its calls to malloc and free. Two runs a scenario,
# of N and 3N events: the difference, divided by 2N events, leaves out the
# start-up and the configuration's load (what one event costs, not what a
# run costs). A count, not a time: it moves by well under 1 % where CPU
# times move by 20 %. But relaisd's time is as much cache misses as
# instructions (README, Performance): a change judged by this count is
# then judged in pinned real runs, interleaved with the build it changes.
# Nor is every instruction what it costs for real: valgrind hides the
# CPU's SHA extensions, so OpenSSL's SHA-256 runs its AVX2 code here (4 %
# of B's count, 0.9 % of relaisd's time under perf); and the kernel's
# work (system calls) is not counted at all.
#
#   BENCH_IR_N=2000     N (B's events make two deliveries each)
#   BENCH_IR_CACHE=1    callgrind's cache simulation too: L1 misses a
#                       delivery, of data (read, write) and of code
#
# Slow: relaisd runs some 50 times slower under callgrind (about a minute
# a scenario). Needs what bench/compare.sh needs but the peer, and valgrind.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
[ $# -gt 0 ] && shift
N=${BENCH_IR_N:-2000}
# shellcheck disable=SC2034 # ME is read by bench/lib.sh
ME=relaisd-ir
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
[ $# -gt 0 ] || set -- A B
ir_check "$N" "A B" "A or B" "$@"
SIM=
[ "${BENCH_IR_CACHE:-0}" = 1 ] && SIM=--cache-sim=yes

T=$(mktemp -d /tmp/relais-rir.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The totals of a callgrind file, "event count" a line: the header names
# the events (Ir, and with the cache simulation Dr, D1mr, ...), the totals
# line has their counts in that order, each with its percentage.
totals() {
	callgrind_annotate "$1" 2>/dev/null | awk '
		$1 == "Ir" && n == 0 {
			for (i = 1; i <= NF && $i != "file:function"; i++)
				h[++n] = $i
			next
		}
		/PROGRAM TOTALS/ {
			j = 0
			for (i = 1; i <= NF; i++)
				if ($i ~ /^[0-9,]+$/) {
					v = $i
					gsub(",", "", v)
					print h[++j], v
				}
			exit
		}'
}

# Calls of libc's fname made from anywhere, as callgrind counted them.
calls() {
	callgrind_annotate --tree=caller "$1" 2>/dev/null | awk -v f="$2" '
		/^$/ { n = 0; next }
		{ line[n++] = $0 }
		index($0, "*  ") && $0 ~ ("malloc\\.c:" f " ") {
			for (i = 0; i < n - 1; i++)
				if (match(line[i], /\(([0-9,]+)x\)/)) {
					c = substr(line[i], RSTART + 1,
					    RLENGTH - 3)
					gsub(",", "", c)
					s += c
				}
			n = 0
		}
		END { print s + 0 }'
}

for sc in "$@"; do
	if [ "$sc" = B ]; then per_event=2; else per_event=1; fi
	for n in "$N" $((3 * N)); do
		BENCH_SCENARIOS=$sc BENCH_RUNS=1 BENCH_CMP_N=$n \
		BENCH_RELAISD_WRAP="valgrind --tool=callgrind $SIM --callgrind-out-file=$T/cg.$sc.$n" \
		    sh "$ROOT/bench/compare.sh" "$BUILD" > "$T/compare.log" 2>&1 || {
			cat "$T/compare.log" >&2
			exit 1
		}
		grep -E "^ +1 $sc:" "$T/compare.log" || true
		[ -s "$T/cg.$sc.$n" ] || {
			echo "relaisd-ir: no callgrind file for $sc ($n events)" >&2
			exit 1
		}
		totals "$T/cg.$sc.$n" > "$T/tot.$sc.$n"
		for f in malloc free realloc calloc; do
			echo "$f $(calls "$T/cg.$sc.$n" "$f")"
		done >> "$T/tot.$sc.$n"
	done
	awk -v sc="$sc" -v d=$((2 * N * per_event)) '
		FNR == NR { a[$1] = $2; next }
		{ b[$1] = $2; order[++k] = $1 }
		END {
			printf "%s: relaisd per delivery (%d deliveries):", sc, d
			printf " %.0f instructions", (b["Ir"] - a["Ir"]) / d
			for (i = 1; i <= k; i++) {
				e = order[i]
				if (e == "Ir" || e ~ /^(Dr|Dw|ILmr|DLmr|DLmw)$/)
					continue
				printf ", %s %.1f", e, (b[e] - a[e]) / d
			}
			printf "\n"
		}' "$T/tot.$sc.$N" "$T/tot.$sc.$((3 * N))"
done
