#!/bin/sh
# bench.sh BUILD_DIR: throughput, latency, memory and idle CPU of relaisd
# against a private redis-server and a local HTTP sink, next to the budgets
# of DESIGN.md. A measurement, not a test: a missed budget is printed as
# MISSED and the exit status stays 0; only a broken run exits non-zero.
#
#   BENCH_N=200000     events pushed as fast as possible (throughput)
#   BENCH_RATE=5000    events/s for the latency run
#   BENCH_SECONDS=10   length of the latency run
#   BENCH_IDLE=5       seconds of idle CPU measurement
# shellcheck disable=SC2317 # functions run from traps and wait_for
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${BENCH_N:-200000}
RATE=${BENCH_RATE:-5000}
SECS=${BENCH_SECONDS:-10}
IDLE=${BENCH_IDLE:-5}
HZ=$(getconf CLK_TCK)

for b in relaisd sink producer; do
	[ -x "$BUILD/$b" ] || { echo "bench: $BUILD/$b missing (make bench builds it)" >&2; exit 1; }
done
command -v redis-server >/dev/null || { echo "bench: redis-server not found" >&2; exit 1; }

T=$(mktemp -d /tmp/relais-bench.XXXXXX)
REDIS_PID="" SINK_PID="" RELAISD_PID=""

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	# relaisd first, then the sink and Redis it talks to
	for p in $RELAISD_PID $SINK_PID $REDIS_PID; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 20 lines)" >&2
			tail -n 20 "$f" >&2
		done
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "bench: $*" >&2
	exit 1
}

now_us() {
	echo $(( $(date +%s%N) / 1000 ))
}

rcli() {
	redis-cli -s "$T/redis.sock" "$@"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
	secs=$1 what=$2
	shift 2
	deadline=$(( $(date +%s) + secs ))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] ||
		    die "timed out after ${secs}s waiting for $what"
		sleep 0.05
	done
}

lines() {
	wc -l < "$T/latency.txt" | tr -d ' '
}

has_lines() {
	[ "$(lines)" -ge "$1" ]
}

group_exists() {
	rcli xinfo groups relais:events 2>/dev/null | grep -q '^relais$'
}

# drained: every entry acknowledged and deleted, nothing left to do.
drained() {
	[ "$(rcli xlen relais:events)" = 0 ] &&
	    [ "$(rcli xpending relais:events relais | head -n 1)" = 0 ]
}

alive() {
	kill -0 "$RELAISD_PID" 2>/dev/null || die "relaisd died"
}

# status_kb PID FIELD: a VmXXX line of /proc/PID/status, in kB.
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# cpu_ticks PID: utime + stime (the comm field may hold blanks: cut it).
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# ---- set-up: redis-server, sink, relaisd, all in $T

redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly no --dir "$T" > "$T/redis.log" 2>&1 &
REDIS_PID=$!
wait_for 10 "redis-server to answer" rcli ping
[ "$(rcli dbsize)" = 0 ] || die "refusing to run against a non-empty database"

: > "$T/latency.txt"
"$BUILD/sink" -l 127.0.0.1:0 -P "$T/sink.port" --latency "$T/latency.txt" \
    > "$T/sink.log" 2>&1 &
SINK_PID=$!
wait_for 10 "the sink to listen" test -s "$T/sink.port"
SINK_PORT=$(cat "$T/sink.port")

RELAIS_REDIS_URL="unix://$T/redis.sock" \
RELAIS_EMAIL_GATEWAY=webhook \
RELAIS_SMS_GATEWAY=webhook \
RELAIS_WEBHOOK_URL="http://127.0.0.1:$SINK_PORT/messages" \
RELAIS_OUTBOX="$T/outbox.jsonl" \
RELAIS_CONSUMER=bench \
    "$BUILD/relaisd" -c "$ROOT/config/relais.yaml" > "$T/relaisd.log" 2>&1 &
RELAISD_PID=$!
wait_for 10 "relaisd to create its consumer group" group_exists
alive
rss_0_kb=$(status_kb "$RELAISD_PID" VmRSS)

echo "relais bench: $(nproc) CPUs, N=$N, latency run ${RATE}/s for ${SECS}s" \
    "($(uname -m), $(redis-server --version | awk '{ print $3 }'))"

# ---- a) throughput: N events as fast as possible, first push to Nth request

echo "a) throughput: pushing $N events..."
cpu0_d=$(cpu_ticks "$RELAISD_PID")
cpu0_r=$(cpu_ticks "$REDIS_PID")
cpu0_s=$(cpu_ticks "$SINK_PID")
t0=$(now_us)
"$BUILD/producer" -u "$T/redis.sock" -n "$N" 2> "$T/producer-a.log" ||
    die "producer failed: $(cat "$T/producer-a.log")"
t_pushed=$(now_us)
wait_for $(( 30 + N / 5000 )) "$N requests at the sink" has_lines "$N"
alive
# the Nth request's own receive time, not the moment the poll noticed it
t1=$(head -n "$N" "$T/latency.txt" | awk '$1 > m { m = $1 } END { print m }')
cpu1_d=$(cpu_ticks "$RELAISD_PID")
cpu1_r=$(cpu_ticks "$REDIS_PID")
cpu1_s=$(cpu_ticks "$SINK_PID")
rss_a_kb=$(status_kb "$RELAISD_PID" VmRSS)
tput=$(awk -v n="$N" -v us=$(( t1 - t0 )) 'BEGIN { printf "%.0f", n / (us / 1e6) }')
wall_a=$(awk -v us=$(( t1 - t0 )) 'BEGIN { printf "%.2f", us / 1e6 }')
push_a=$(awk -v us=$(( t_pushed - t0 )) 'BEGIN { printf "%.2f", us / 1e6 }')
cpu_pct() {
	awk -v d=$(( $2 - $1 )) -v hz="$HZ" -v us=$(( t1 - t0 )) \
	    'BEGIN { printf "%.0f", 100 * d / hz / (us / 1e6) }'
}
echo "   $N deliveries in ${wall_a}s (pushed in ${push_a}s);" \
    "CPU of one core: relaisd $(cpu_pct "$cpu0_d" "$cpu1_d")%," \
    "redis $(cpu_pct "$cpu0_r" "$cpu1_r")%, sink $(cpu_pct "$cpu0_s" "$cpu1_s")%"
wait_for 30 "relaisd to acknowledge every entry" drained

# ---- b) latency: RATE events/s for SECS seconds, enqueue -> sink

M=$(( RATE * SECS ))
echo "b) latency: $M events at ${RATE}/s..."
L0=$(lines)
"$BUILD/producer" -u "$T/redis.sock" -n "$M" -r "$RATE" -s "$N" \
    2> "$T/producer-b.log" || die "producer failed: $(cat "$T/producer-b.log")"
wait_for $(( 30 + M / 5000 )) "$M more requests at the sink" has_lines $(( L0 + M ))
alive
# "<recv_us> bench-<seq>-<enqueue_us>": latency in us, sorted, nearest rank
tail -n +$(( L0 + 1 )) "$T/latency.txt" |
    awk '{ k = split($2, f, "-"); if (f[1] == "bench" && k >= 3) print $1 - f[k] }' |
    sort -n > "$T/lat-sorted.txt"
stats=$(awk '{ v[NR] = $1 }
    function rank(q,  i) { i = int(q * NR); if (i < q * NR) i++; if (i < 1) i = 1; return v[i] }
    END { if (NR == 0) exit 1
	printf "%.2f %.2f %.2f %d\n", rank(0.50) / 1000, rank(0.99) / 1000, v[NR] / 1000, NR }' \
    "$T/lat-sorted.txt") || die "no latency samples"
# shellcheck disable=SC2086 # four numbers, split on purpose
set -- $stats
p50=$1 p99=$2 pmax=$3 nlat=$4
echo "   $nlat samples; $(sed 's/^producer: //' "$T/producer-b.log")"
rss_b_kb=$(status_kb "$RELAISD_PID" VmRSS)
wait_for 30 "relaisd to acknowledge every entry" drained

# ---- c) idle CPU: nothing to do for IDLE seconds

echo "c) idle: ${IDLE}s with an empty stream..."
c0=$(cpu_ticks "$RELAISD_PID")
sleep "$IDLE"	# the measurement window itself, not a synchronisation
c1=$(cpu_ticks "$RELAISD_PID")
alive
idle=$(awk -v d=$(( c1 - c0 )) -v hz="$HZ" -v s="$IDLE" \
    'BEGIN { printf "%.2f", 100 * d / hz / s }')

# ---- d) memory after the runs

rss_d_kb=$(status_kb "$RELAISD_PID" VmRSS)
# VmHWM is updated lazily by the kernel: a later VmRSS sample may exceed it
peak_kb=$(printf "%s\n" "$(status_kb "$RELAISD_PID" VmHWM)" "$rss_a_kb" \
    "$rss_b_kb" "$rss_d_kb" | sort -n | tail -n 1)
sent=$(grep -c 'outcome=sent' "$T/relaisd.log" || true)
warns=$(grep -vc 'outcome=sent\|event=connected\|started consumer' \
    "$T/relaisd.log" || true)

# ---- report

# row LABEL VALUE BUDGET VERDICT
row() {
	printf '%-30s %12s   %-18s %s\n' "$1" "$2" "$3" "$4"
}
# verdict OK-EXPRESSION (awk, on v): "ok" or "MISSED"
verdict() {
	awk -v v="$1" "BEGIN { print ($2) ? \"ok\" : \"MISSED\" }"
}

echo
row "metric" "measured" "budget" ""
row "throughput (deliveries/s)" "$tput" ">= 40000" "$(verdict "$tput" 'v >= 40000')"
row "latency p50 (ms)" "$p50" "" ""
row "latency p99 (ms) at ${RATE}/s" "$p99" "<= 5" \
    "$(verdict "$p99" 'v <= 5')"
row "latency max (ms)" "$pmax" "" ""
row "RSS at start (MiB)" "$(mib "$rss_0_kb")" "" ""
row "peak RSS, VmHWM (MiB)" "$(mib "$peak_kb")" "<= 16" \
    "$(verdict "$peak_kb" 'v <= 16 * 1024')"
row "RSS after throughput (MiB)" "$(mib "$rss_a_kb")" "<= 16" \
    "$(verdict "$rss_a_kb" 'v <= 16 * 1024')"
row "RSS after latency (MiB)" "$(mib "$rss_b_kb")" "<= 16" \
    "$(verdict "$rss_b_kb" 'v <= 16 * 1024')"
row "RSS after idle (MiB)" "$(mib "$rss_d_kb")" "<= 16, flat" \
    "$(verdict "$rss_d_kb" "v <= 16 * 1024 && v <= $rss_a_kb * 1.1")"
row "idle CPU (%)" "$idle" "~ 0 (< 0.5)" "$(verdict "$idle" 'v < 0.5')"
echo
echo "relaisd logged $sent sent deliveries for $(( N + M )) events;" \
    "$warns other lines"
if [ "$warns" -gt 0 ]; then
	grep -v 'outcome=sent\|event=connected\|started consumer' \
	    "$T/relaisd.log" | head -n 5
fi
exit 0
