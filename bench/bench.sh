#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# bench.sh BUILD_DIR: throughput, latency, memory and idle CPU of relaisd
# against a private redis-server and a local HTTP sink, next to the budgets
# of DESIGN.md. A measurement, not a test: a missed budget is printed as
# MISSED and the exit status stays 0; only a broken run exits non-zero.
#
#   BENCH_N=200000     events pushed as fast as possible (throughput)
#   BENCH_RATE=5000    events/s for the latency run
#   BENCH_SECONDS=10   length of the latency run
#   BENCH_IDLE=5       seconds of idle CPU measurement
#   BENCH_ARRIVAL_N=50000  events of the whole newcomer.arrived (section a';
#                      0 skips it): counsellor, follow-ups, two messages each
#   BENCH_MATCH_N=100000  profiles stored for the matching run (section e;
#                      0 skips the section)
#   BENCH_MATCH_POSTINGS=200  postings timed against them (0 skips it too)
#   BENCH_KIND_N=3000  events per gateway kind against its fake provider
#                      (section f; 0 skips the section)
#   BENCH_SMTP_N=$BENCH_KIND_N  events for the smtp kind, against a local
#                      aiosmtpd server (python3-aiosmtpd; skipped without it)
# shellcheck disable=SC2317 # functions run from traps and wait_for
set -eu
# a benchmark sends thousands of messages to a hundred numbers: no daily bound
export RELAIS_MAX_PER_RECIPIENT=0

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${BENCH_N:-200000}
RATE=${BENCH_RATE:-5000}
SECS=${BENCH_SECONDS:-10}
IDLE=${BENCH_IDLE:-5}
KN=${BENCH_KIND_N:-3000}
SMTP_N=${BENCH_SMTP_N:-$KN}
MATCH_N=${BENCH_MATCH_N:-100000}
ARR_N=${BENCH_ARRIVAL_N:-50000}
MATCH_M=${BENCH_MATCH_POSTINGS:-200}
HZ=$(getconf CLK_TCK)

BINS="relaisd sink producer"
[ "$MATCH_N" -eq 0 ] || [ "$MATCH_M" -eq 0 ] || BINS="$BINS bench-match"
for b in $BINS; do
	[ -x "$BUILD/$b" ] || { echo "bench: $BUILD/$b missing (make bench builds it)" >&2; exit 1; }
done
command -v redis-server >/dev/null || { echo "bench: redis-server not found" >&2; exit 1; }

T=$(mktemp -d /tmp/relais-bench.XXXXXX)
REDIS_PID="" SINK_PID="" RELAISD_PID="" FAKE_PID="" MATCH_REDIS_PID=""

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	# relaisd first, then the sink or fake and Redis it talks to
	for p in $RELAISD_PID $FAKE_PID $SINK_PID $REDIS_PID $MATCH_REDIS_PID; do
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

ME=bench
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

rcli() {
	redis-cli -s "$T/redis.sock" "$@"
}

lines() {
	wc -l < "$T/latency.txt" | tr -d ' '
}

has_lines() {
	[ "$(lines)" -ge "$1" ]
}

alive() {
	kill -0 "$RELAISD_PID" 2>/dev/null || die "relaisd died"
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

# The budgets of sections a-d are for welcome emails, one event -> one
# request: a copy of the shipped config without counsellor rosters (no
# notice) and without follow-ups. Section a' runs the whole arrival.
welcome_config "$T/relais-welcome.yaml"

# start_relaisd CONFIG LOG CONSUMER: the relaisd of sections a-d and a',
# in the environment systemd/relaisd.service gives it
start_relaisd() {
	GNUTLS_NO_IMPLICIT_INIT=1 \
	RELAIS_REDIS_URL="unix://$T/redis.sock" \
	RELAIS_EMAIL_GATEWAY=webhook \
	RELAIS_SMS_GATEWAY=webhook \
	RELAIS_WEBHOOK_URL="http://127.0.0.1:$SINK_PORT/messages" \
	RELAIS_OUTBOX="$T/outbox.jsonl" \
	RELAIS_ADMIN_ADDR=127.0.0.1:0 \
	RELAIS_CONSUMER=$3 \
	    "$BUILD/relaisd" -c "$1" > "$2" 2>&1 &
	RELAISD_PID=$!
}
start_relaisd "$T/relais-welcome.yaml" "$T/relaisd.log" bench
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
wait_for $(( 30 + N / 1000 )) "$N requests at the sink" has_lines "$N"
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
wait_for $(( 30 + M / 1000 )) "$M more requests at the sink" has_lines $(( L0 + M ))
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

# ---- a') the whole newcomer.arrived: state function (profile, counsellor
# assignment, five follow-ups planned), welcome + counsellor notice

if [ "$ARR_N" -gt 0 ]; then
	echo "a') the whole arrival: $ARR_N events with the shipped config..."
	kill -TERM "$RELAISD_PID" 2>/dev/null || true
	wait "$RELAISD_PID" 2>/dev/null || true
	rcli flushall > /dev/null
	start_relaisd "$ROOT/config/relais.yaml" "$T/relaisd-arrival.log" bench2
	wait_for 10 "relaisd (arrival) to create its consumer group" group_exists
	L1=$(lines)
	ta0=$(now_us)
	cpa0=$(cpu_ticks "$RELAISD_PID")
	# arriving today: the five follow-ups all lie ahead, none due at once
	"$BUILD/producer" -u "$T/redis.sock" -n "$ARR_N" -s $(( N + M )) \
	    -a "$(date -u +%F)" 2> "$T/producer-arr.log" ||
	    die "producer failed: $(cat "$T/producer-arr.log")"
	# each event: a welcome (email or SMS) and the counsellor's notice
	# (a deadline for a broken run, not a budget: 500 deliveries/s, as on
	# a loaded machine)
	wait_for $(( 30 + ARR_N / 250 )) "$(( 2 * ARR_N )) more requests" \
	    has_lines $(( L1 + 2 * ARR_N ))
	alive
	ta1=$(tail -n +$(( L1 + 1 )) "$T/latency.txt" |
	    awk '$1 > m { m = $1 } END { print m }')
	cpa1=$(cpu_ticks "$RELAISD_PID")
	arr_eps=$(awk -v n="$ARR_N" -v us=$(( ta1 - ta0 )) \
	    'BEGIN { printf "%.0f", n / (us / 1e6) }')
	arr_dps=$(awk -v n=$(( 2 * ARR_N )) -v us=$(( ta1 - ta0 )) \
	    'BEGIN { printf "%.0f", n / (us / 1e6) }')
	arr_cpu=$(awk -v d=$(( cpa1 - cpa0 )) -v hz="$HZ" -v us=$(( ta1 - ta0 )) \
	    'BEGIN { printf "%.0f", 100 * d / hz / (us / 1e6) }')
	arr_fu=$(rcli zcard relais:scheduled)
	echo "   $ARR_N arrivals: $(( 2 * ARR_N )) deliveries, $arr_fu follow-ups" \
	    "planned; relaisd at $arr_cpu% of a core"
	wait_for 60 "relaisd (arrival) to acknowledge every entry" drained
fi

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
row "welcome emails (deliveries/s)" "$tput" ">= 40000" "$(verdict "$tput" 'v >= 40000')"
if [ "$ARR_N" -gt 0 ]; then
	row "whole arrivals (events/s)" "$arr_eps" "" ""
	row "  their deliveries (/s)" "$arr_dps" "" ""
fi
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

# ---- e) matching: one job posting against MATCH_N stored profiles
#
# bench-match (bench/match.c) stores the profiles as newcomer.arrived does
# for a person who shares their profile, then times each posting through
# the daemon's own path (posting_prepare's arguments, its two HGETALLs and
# the state script pipelined, the rows, match_rank) and prints its figures next
# to the budget. Its own redis-server: the profiles (~40 MiB for 100,000)
# stay out of relaisd's database and go away with it.

if [ "$MATCH_N" -gt 0 ] && [ "$MATCH_M" -gt 0 ]; then
	echo
	echo "e) matching: $MATCH_M postings against $MATCH_N stored profiles..."
	redis-server --port 0 --unixsocket "$T/match.sock" --unixsocketperm 700 \
	    --save "" --appendonly no --dir "$T" > "$T/redis-match.log" 2>&1 &
	MATCH_REDIS_PID=$!
	wait_for 10 "the matching redis-server to answer" \
	    redis-cli -s "$T/match.sock" ping
	"$BUILD/bench-match" -s "$T/match.sock" -c "$ROOT/config/relais.yaml" \
	    -n "$MATCH_N" -m "$MATCH_M" > "$T/match.txt" 2> "$T/match.log" ||
	    die "bench-match failed: $(tail -n 3 "$T/match.log")"
	sed 's/^match: /   /' "$T/match.txt"
	kill -TERM "$MATCH_REDIS_PID" 2>/dev/null || true
	wait "$MATCH_REDIS_PID" 2>/dev/null || true
	MATCH_REDIS_PID=""
fi
[ "$KN" -gt 0 ] || exit 0

# ---- f) per gateway kind: KN events through each kind to its fake provider
#
# The Python fakes of tests/fakes, without --script, answer success to every
# request after checking it as the provider would, and append it to a
# JSON-lines record. Each kind gets a fresh relaisd, an empty Redis and its
# own fake; the wall time runs from the first push to the fake's receive
# stamp (t_us) of the last request, as section a does with the sink. The
# shipped config sends a welcome and the counsellor's notice an event: two
# requests at an email kind's fake, one at twilio's (the notice, an email,
# goes to the outbox there).

FAKES=$ROOT/tests/fakes
OPENAPI=$ROOT/../shared/openapi
KIND_SECS=$(( 8 + 2 * KN / 1000 ))	# deadline per kind: the section stays < ~70 s

# stop_pid PID: SIGTERM and reap (relaisd drains first: nothing is left).
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

fake_lines() {
	wc -l < "$T/fake.jsonl" | tr -d ' '
}

# kind_wait SECONDS COUNT: polls the fake's record; 1 on a timeout or death.
kind_wait() {
	deadline=$(( $(date +%s) + $1 ))
	until [ "$(fake_lines)" -ge "$2" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		kill -0 "$RELAISD_PID" 2>/dev/null || return 1
		kill -0 "$FAKE_PID" 2>/dev/null || return 1
		sleep 0.05
	done
}

# kind_drained SECONDS: drained, within a deadline; 1 on a timeout.
kind_drained() {
	deadline=$(( $(date +%s) + $1 ))
	until drained >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# python3 -c "$NODELAY" SCRIPT ARGS...: runs a fake with TCP_NODELAY on its
# connections (socketserver's disable_nagle_algorithm), nothing else changed.
# The fakes write an answer's headers and body in two sends: with Nagle on,
# the body waits for the client's delayed ACK of the headers, up to ~40 ms
# an answer, and a run would measure that timer, not the fake or relaisd.
# (A simple command, not a function: $! must be the fake's own pid.)
NODELAY='import runpy, socketserver, sys
socketserver.StreamRequestHandler.disable_nagle_algorithm = True
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")'

# kind_fake KIND: starts its fake (FAKE_PID, port in FAKE_PORT); 1 with the
# reason in SKIP when the kind cannot run here.
kind_fake() {
	SKIP=""
	if ! command -v python3 >/dev/null; then
		SKIP="python3 not found"
	elif [ "$1" != smtp ] && [ ! -f "$FAKES/$1.py" ]; then
		SKIP="no fake at tests/fakes/$1.py"
	elif [ "$1" = twilio ] && [ ! -f "$OPENAPI/twilio_api_v2010.json" ]; then
		SKIP="its fake needs $OPENAPI/twilio_api_v2010.json"
	elif [ "$1" = sendgrid ] && [ ! -f "$OPENAPI/sendgrid_v3.json" ]; then
		SKIP="its fake needs $OPENAPI/sendgrid_v3.json"
	elif [ "$1" = smtp ] && [ -z "$SMTP_PY" ]; then
		SKIP="python3-aiosmtpd not installed"
	fi
	[ -z "$SKIP" ] || return 1
	rm -f "$T/fake.port"
	: > "$T/fake.jsonl"
	case $1 in
	twilio)
		python3 -c "$NODELAY" "$FAKES/twilio.py" --port-file "$T/fake.port" \
		    --record "$T/fake.jsonl" \
		    --account-sid "$RELAIS_TWILIO_ACCOUNT_SID" \
		    --auth-token-env RELAIS_TWILIO_AUTH_TOKEN \
		    --openapi "$OPENAPI/twilio_api_v2010.json" \
		    > "$T/fake-$1.log" 2>&1 &
		;;
	sendgrid)
		python3 -c "$NODELAY" "$FAKES/sendgrid.py" --port-file "$T/fake.port" \
		    --out "$T/fake.jsonl" --key "$RELAIS_SENDGRID_API_KEY" \
		    --schema "$OPENAPI/sendgrid_v3.json" \
		    > "$T/fake-$1.log" 2>&1 &
		;;
	mailgun)
		python3 -c "$NODELAY" "$FAKES/mailgun.py" --port-file "$T/fake.port" \
		    --out "$T/fake.jsonl" --key "$RELAIS_MAILGUN_API_KEY" \
		    --domain "$RELAIS_MAILGUN_DOMAIN" > "$T/fake-$1.log" 2>&1 &
		;;
	brevo)
		python3 -c "$NODELAY" "$FAKES/brevo.py" --port-file "$T/fake.port" \
		    --out "$T/fake.jsonl" --key "$RELAIS_BREVO_API_KEY" \
		    > "$T/fake-$1.log" 2>&1 &
		;;
	smtp)
		"$SMTP_PY" "$T/smtpd.py" "$T/fake.port" "$T/fake.jsonl" \
		    > "$T/fake-$1.log" 2>&1 &
		;;
	esac
	FAKE_PID=$!
	deadline=$(( $(date +%s) + 10 ))
	until [ -s "$T/fake.port" ]; do
		if ! kill -0 "$FAKE_PID" 2>/dev/null ||
		    [ "$(date +%s)" -ge "$deadline" ]; then
			SKIP="its fake did not start: $(tail -n 1 "$T/fake-$1.log")"
			stop_pid "$FAKE_PID"
			FAKE_PID=""
			return 1
		fi
		sleep 0.05
	done
	FAKE_PORT=$(cat "$T/fake.port")
}

# kind_relaisd KIND ENV...: a fresh relaisd, KIND's URL on the fake.
kind_relaisd() {
	url_var=RELAIS_$(echo "$1" | tr '[:lower:]' '[:upper:]')_URL
	shift
	scheme=http config=$ROOT/config/relais.yaml
	# smtp: the copy of the config with starttls: "false" (plain SMTP)
	[ "$url_var" != RELAIS_SMTP_URL ] || scheme=smtp config=$T/relais-smtp.yaml
	env "$@" "$url_var=$scheme://127.0.0.1:$FAKE_PORT" \
	    RELAIS_REDIS_URL="unix://$T/redis.sock" \
	    RELAIS_OUTBOX="$T/outbox.jsonl" \
	    RELAIS_ADMIN_ADDR=127.0.0.1:0 \
	    RELAIS_CONSUMER=bench GNUTLS_NO_IMPLICIT_INIT=1 \
	    "$BUILD/relaisd" -c "$config" \
	    > "$T/relaisd-$kind.log" 2>&1 &
	RELAISD_PID=$!
	wait_for 10 "relaisd ($kind) to create its consumer group" group_exists
	alive
}

# kind_row KIND CHANNEL RATE WALL SENT CPU-RELAISD CPU-FAKE
kind_row() {
	printf '%-10s %-8s %13s %9s %11s %12s %9s\n' "$@"
}

# kind_run KIND CHANNEL: one measured run, a row of $T/kinds.txt.
kind_run() {
	kind=$1 channel=$2
	if ! kind_fake "$kind"; then
		echo "   $kind: skipped, $SKIP"
		kind_row "$kind" "$channel" skipped - - - - >> "$T/kinds.txt"
		return 0
	fi
	rcli flushall > /dev/null
	if [ "$channel" = sms ]; then
		# a Thursday noon in Rouyn-Noranda: the sms-hours window is open
		kind_relaisd "$kind" RELAIS_TEST_NOW=2026-11-26T12:00:00-05:00 \
		    RELAIS_SMS_GATEWAY="$kind" RELAIS_EMAIL_GATEWAY=outbox
		sms_flag=-S want=$KN
	else
		kind_relaisd "$kind" RELAIS_EMAIL_GATEWAY="$kind" \
		    RELAIS_SMS_GATEWAY=outbox
		# the counsellor's notice goes by email too: two requests an event
		sms_flag="" want=$(( 2 * KN ))
	fi
	c0_d=$(cpu_ticks "$RELAISD_PID")
	c0_f=$(cpu_ticks "$FAKE_PID")
	t0=$(now_us)
	# arriving today: no follow-up falls due (and sends) during the run
	"$BUILD/producer" -u "$T/redis.sock" -n "$KN" -a "$(date -u +%F)" \
	    ${sms_flag:+-S} 2> "$T/producer-$kind.log" ||
	    die "producer failed: $(cat "$T/producer-$kind.log")"
	if ! kind_wait "$KIND_SECS" "$want"; then
		alive
		echo "   $kind: only $(fake_lines) of $want requests at the fake" \
		    "within ${KIND_SECS}s"
		kind_row "$kind" "$channel" timeout - - - - >> "$T/kinds.txt"
		stop_pid "$RELAISD_PID"
		stop_pid "$FAKE_PID"
		RELAISD_PID="" FAKE_PID=""
		return 0
	fi
	t_seen=$(now_us)
	c1_d=$(cpu_ticks "$RELAISD_PID")
	c1_f=$(cpu_ticks "$FAKE_PID")
	# the last request's own receive time at the fake
	t1=$(head -n "$want" "$T/fake.jsonl" |
	    sed -n 's/.*"t_us": *\([0-9][0-9]*\).*/\1/p' |
	    awk '$1 > m { m = $1 } END { printf "%.0f\n", m }')
	[ "$t1" -gt "$t0" ] || t1=$t_seen
	kind_drained 10 || echo "   $kind: entries still pending after 10 s"
	sent=$(grep -c "gateway=$kind outcome=sent" "$T/relaisd-$kind.log" ||
	    true)
	rate=$(awk -v n="$want" -v us=$(( t1 - t0 )) \
	    'BEGIN { printf "%.0f", n / (us / 1e6) }')
	wall=$(awk -v us=$(( t1 - t0 )) 'BEGIN { printf "%.2f", us / 1e6 }')
	share() {
		awk -v d=$(( $2 - $1 )) -v hz="$HZ" -v us=$(( t_seen - t0 )) \
		    'BEGIN { printf "%.0f%%", 100 * d / hz / (us / 1e6) }'
	}
	kind_row "$kind" "$channel" "$rate" "$wall" "$sent/$want" \
	    "$(share "$c0_d" "$c1_d")" "$(share "$c0_f" "$c1_f")" \
	    >> "$T/kinds.txt"
	echo "   $kind: $want $channel deliveries for $KN events in ${wall}s"
	if [ "$sent" -lt "$want" ]; then
		grep -v 'outcome=sent\|event=connected\|started consumer' \
		    "$T/relaisd-$kind.log" | head -n 3 | sed 's/^/     /'
	fi
	stop_pid "$RELAISD_PID"
	stop_pid "$FAKE_PID"
	RELAISD_PID="" FAKE_PID=""
}

echo
echo "f) per gateway kind: $KN events each ($SMTP_N for smtp) through a fresh" \
    "relaisd to the kind's fake (tests/fakes; aiosmtpd for smtp)..."
# the relaisd and sink of sections a-d are done with
stop_pid "$RELAISD_PID"
stop_pid "$SINK_PID"
RELAISD_PID="" SINK_PID=""
# made-up credentials the fakes are told to expect; a gateway whose URL is
# not the fake's points at the discard port (it is never routed to)
RELAIS_TWILIO_ACCOUNT_SID=AC$(printf '%032x' $$)
export RELAIS_TWILIO_ACCOUNT_SID
export RELAIS_TWILIO_AUTH_TOKEN="bench-token-$$"
export RELAIS_SENDGRID_API_KEY="SG.bench.$$"
export RELAIS_MAILGUN_DOMAIN=mg.bench.example
export RELAIS_MAILGUN_API_KEY="key-bench-$$"
export RELAIS_BREVO_API_KEY="xkeysib-bench-$$"
export RELAIS_TWILIO_URL=http://127.0.0.1:9 RELAIS_SENDGRID_URL=http://127.0.0.1:9
export RELAIS_MAILGUN_URL=http://127.0.0.1:9 RELAIS_BREVO_URL=http://127.0.0.1:9
export RELAIS_SMTP_URL=smtp://127.0.0.1:9 RELAIS_SMTP_PASSWORD="bench-pw-$$"

# smtp: a real SMTP server, Debian's python3-aiosmtpd (for Debian's python3,
# which may not be the first on the PATH), as tests/integration/t_gw_smtp.sh
# starts it but kept cheap: plain SMTP (starttls: "false"), no AUTH offered.
# A username is set, but the gateway (libcurl) only authenticates when the
# EHLO reply lists AUTH: it sends the mail without. Each message appends
# {"t_us": receive time} to the record, as the fakes do.
SMTP_PY=""
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import aiosmtpd' 2>/dev/null; then SMTP_PY=$py; break; fi
done
# (templates.dir and noc_titles are relative to the config's directory:
# made absolute)
sed -e 's|^\(    password_env: RELAIS_SMTP_PASSWORD\)$|\1\n    starttls: "false"|' \
    -e "s|^  dir: templates\$|  dir: $ROOT/config/templates|" \
    -e "s|^  noc_titles: noc2021.tsv\$|  noc_titles: $ROOT/config/noc2021.tsv|" \
    "$ROOT/config/relais.yaml" > "$T/relais-smtp.yaml"
if ! grep -q 'starttls: "false"' "$T/relais-smtp.yaml" ||
    ! grep -q "^  dir: $ROOT/config/templates\$" "$T/relais-smtp.yaml"; then
	die "cannot edit a copy of config/relais.yaml for smtp"
fi
cat > "$T/smtpd.py" <<'EOF'
import asyncio, os, sys, time
from aiosmtpd.smtp import SMTP

port_file, record = sys.argv[1:3]
out = open(record, "a", buffering=1)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        out.write('{"t_us": %d}\n' % (time.time_ns() // 1000))
        return "250 2.0.0 OK"

async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: SMTP(Handler(),
        hostname="localhost"), "127.0.0.1", 0)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    await srv.serve_forever()

asyncio.run(main())
EOF
: > "$T/kinds.txt"
kind_run sendgrid email
kind_run mailgun email
kind_run brevo email
kind_run twilio sms
KN_ALL=$KN KN=$SMTP_N
kind_run smtp email
KN=$KN_ALL
echo
kind_row "kind" "channel" "deliveries/s" "wall (s)" "sent" "relaisd CPU" "fake CPU"
cat "$T/kinds.txt"
echo "(CPU: share of one core during the run. Each fake, and smtp's aiosmtpd"
echo " server, is a single Python process that checks and records every request:"
echo " it is most likely the bottleneck, so these rates measure it as much as"
echo " relaisd;"
echo " section a, against the C sink, is relaisd's own ceiling.)"
exit 0
