#!/bin/sh
# SPDX-License-Identifier: LiLiQ-P-1.1
# compare.sh BUILD_DIR: relais next to the Node peer (issue 15), in one run,
# into the same nginx sink (the peer's sink.conf, answering 202), and the
# issue's targets next to the figures. A measurement, not a test: a missed
# target prints MISSED and the exit status stays 0; only a broken run (a
# process dead, a deadline passed, a delivery missing or extra) exits 1.
#
# Seven runs (eight with AQ), interleaved BENCH_RUNS times (peer, A0, A,
# A2, B0, B, S, peer, ...):
#   peer  the peer's run-peer.sh N CONCURRENCY: BullMQ, mustache, notifme,
#         undici, one welcome email per event; its own JSON line
#   A     the peer's exact work: relaisd with a copy of config/relais.yaml
#         without counsellor rosters and follow-ups, one welcome per event
#   B     the real arrival, config/relais.yaml unchanged: the person stored,
#         a counsellor assigned, welcome + counsellor notice (2 deliveries
#         an event), five follow-ups planned; figures per delivery
#   A2    A through two relaisd on the one consumer group (RELAIS_CONSUMER
#         bench1, bench2), as several instances run (doc/configuration.md):
#         whether the second core pays on a machine shared with Redis; CPU
#         and peak RSS are the two processes' sums
#   AQ    (not by default: BENCH_SCENARIOS) A timed as the peer is: the N
#         events pushed while relaisd is stopped (SIGSTOP, its reader's
#         first answer waiting in its socket), then timed, and the CPU of
#         relaisd and Redis counted, from SIGCONT: no producer on the cores
#         and no XADD in Redis's CPU. A's own figures include the push
#   A0, B0  A's and B's work done by relaisd as it was when issue 15
#         measured it (bench/then.sh builds it from the repository's
#         history: ba81934, with its own shipped config), each run just
#         before A or B: the issue's "halved from today's" and "twice
#         today's" are ratios to these, taken within the round, as the
#         machine's hour moves every figure by 20-40 %
#   S     A over https, as a provider is reached: the same nginx on a TLS
#         port (a certificate made for the run, HTTP/2 offered), the
#         gateway's ca_file set to it; libcurl's transport (TLS, HTTP/2),
#         where A and B go through relaisd's own HTTP/1.1 for plain http.
#         The TLS server reads each whole request before it answers, as a
#         provider does (it hands it to the plain one: two requests at
#         nginx a delivery); answering before the body was read, nginx
#         resets HTTP/2 streams and libcurl 7.88 takes that for an error.
# A, A2, B, S, A0 and B0: a fresh redis-server (TCP on loopback, as the peer's) and
# relaisd (in the environment systemd/relaisd.service gives it; A2: two)
# each run, the email gateway the sendgrid kind on nginx; N events pushed by
# bench/producer.c. Deliveries/s runs from the first push to the last request
# at nginx (its stub_status, polled by bench/sink_count.py); the CPU of
# relaisd and of its redis-server (utime + stime) from just before the first
# push to relaisd's stream drained (nothing pending); peak RSS is relaisd's
# VmHWM (A2: both processes' CPU and VmHWM summed; a BENCH_RELAISD_WRAP
# such as taskset applies to each, so pinning puts both on one core). The
# peer times itself from its worker's start (its jobs enqueued
# beforehand, not counted) to the Nth completion, node's CPU alone.
#
#   BENCH_CMP_N=20000          events per run (A and B: B makes 2N deliveries)
#   BENCH_RUNS=3               rounds of peer, A0, A, A2, B0, B, S
#   BENCH_THEN=auto            the issue-time tree for A0 and B0: "auto"
#                              builds it (bench/then.sh; without git's
#                              history, the rounds go without A0 and B0),
#                              a directory is one then.sh made, 0 skips
#   BENCH_PEER_CONCURRENCY=64  the peer's jobs in flight
#   BENCH_PEER_DIR=../shared/peer  the peer's folder (run-peer.sh, sink.conf)
# and, to find where the time goes (doc/testing.md, "Profiling"):
#   BENCH_SCENARIOS="peer A0 A A2 B0 B S"  what each round runs, in order (without
#                              the peer, no ratios and no verdicts to it;
#                              A/A0 and B/B0 need both in the round)
#   BENCH_REDIS_WRAP, BENCH_RELAISD_WRAP  a command put before redis-server
#                              or relaisd (valgrind --tool=callgrind ...,
#                              taskset -c 1); word-split, no quoting
#   BENCH_OUT=DIR              keeps each run's INFO commandstats of its
#                              redis-server (DIR/commandstats-A1, ...)
#   BENCH_PERF=relaisd|redis-server  perf record -g on that process for
#                              each run, into BENCH_OUT (DIR/perf-A1.data)
#   BENCH_SLOWLOG=1            redis-server logs every command in its slowlog,
#                              kept in BENCH_OUT (DIR/slowlog-A1.json) and
#                              summed by bench/slowlog.py: the time of each
#                              script and command a delivery
# shellcheck disable=SC2317 # functions run from traps and wait_for
set -eu
# every counsellor gets N notices a run in B: no daily bound per recipient
export RELAIS_MAX_PER_RECIPIENT=0
# nginx is in /usr/sbin, not on every user's PATH (run-peer.sh needs it too)
PATH=$PATH:/usr/sbin:/sbin
export PATH

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${BENCH_CMP_N:-20000}
RUNS=${BENCH_RUNS:-3}
CONC=${BENCH_PEER_CONCURRENCY:-64}
PEER=${BENCH_PEER_DIR:-$ROOT/../shared/peer}
HZ=$(getconf CLK_TCK)
# Today (UTC; still today or yesterday in the region): every follow-up of
# the plan lies ahead and is planned, none falls due during the run.
ARRIVAL=$(date -u +%F)

SCENARIOS=${BENCH_SCENARIOS:-}
THEN=${BENCH_THEN:-auto}
[ "$THEN" != 0 ] || THEN=""
OUT=${BENCH_OUT:-}
PERF=${BENCH_PERF:-}
SLOWLOG=${BENCH_SLOWLOG:-}

for v in "$N" "$RUNS" "$CONC"; do
	case $v in ''|*[!0-9]*|0) echo "compare: $v: not a count" >&2; exit 2 ;; esac
done
# the issue-time build: asked for (A0 or B0 listed), or by default when
# it can be had (made below, after the cheap checks)
want_then=""
if [ -z "$SCENARIOS" ]; then
	want_then=$THEN
else
	for sc in $SCENARIOS; do
		case $sc in A0|B0) want_then=1 ;; esac
	done
	if [ -n "$want_then" ] && [ -z "$THEN" ]; then
		echo "compare: A0 and B0 need the issue-time build (BENCH_THEN=0)" >&2
		exit 2
	fi
	case $SCENARIOS in
	*[!\ \	]*) ;;
	*) echo "compare: BENCH_SCENARIOS is empty" >&2; exit 2 ;;
	esac
fi
WITH_PEER=""
for sc in ${SCENARIOS:-peer}; do
	case $sc in peer) WITH_PEER=1 ;; A|AQ|A2|B|S|A0|B0) ;;
	*) echo "compare: $sc: no such scenario (peer, A, AQ, A2, B, S, A0, B0)" >&2; exit 2 ;;
	esac
done
case $PERF in ''|relaisd|redis-server) ;;
*) echo "compare: BENCH_PERF=$PERF: relaisd or redis-server" >&2; exit 2 ;;
esac
if [ -n "$PERF" ] && [ -z "$OUT" ]; then
	echo "compare: BENCH_PERF needs BENCH_OUT, where the profiles go" >&2
	exit 2
fi
case $SLOWLOG in ''|0) SLOWLOG="" ;; 1) ;;
*) echo "compare: BENCH_SLOWLOG=$SLOWLOG: 1 or nothing" >&2; exit 2 ;;
esac
if [ -n "$SLOWLOG" ] && [ -z "$OUT" ]; then
	echo "compare: BENCH_SLOWLOG needs BENCH_OUT, where the logs go" >&2
	exit 2
fi
if [ -n "$OUT" ]; then
	mkdir -p "$OUT" || exit 1
	OUT=$(cd "$OUT" && pwd)
fi
for b in relaisd producer; do
	[ -x "$BUILD/$b" ] ||
	    { echo "compare: $BUILD/$b missing (make bench builds it)" >&2; exit 1; }
done
for c in redis-server redis-cli nginx curl python3 bash setsid \
    ${WITH_PEER:+node npm} ${PERF:+perf}; do
	command -v "$c" >/dev/null ||
	    { echo "compare: $c not found (make bench installs it as root)" >&2; exit 1; }
done
# the peer's sink.conf is the sink of every run
if [ ! -f "$PEER/run-peer.sh" ] || [ ! -f "$PEER/sink.conf" ]; then
	echo "compare: no peer at $PEER (BENCH_PEER_DIR)" >&2
	exit 1
fi
# the issue-time build: bench/then.sh's (a build of a minute or two the
# first time, reused after)
if [ -n "$want_then" ] && [ "$THEN" = auto ]; then
	if ! THEN=$(sh "$ROOT/bench/then.sh"); then
		[ -z "$SCENARIOS" ] || exit 1
		echo "compare: no issue-time build: the rounds go without A0 and B0" >&2
		THEN=""
	fi
elif [ -z "$want_then" ]; then
	THEN=""
fi
if [ -n "$THEN" ]; then
	THEN=$(cd "$THEN" 2>/dev/null && pwd) ||
	    { echo "compare: BENCH_THEN=${BENCH_THEN:-}: no such directory" >&2; exit 1; }
	if [ ! -x "$THEN/build/relaisd" ] || [ ! -s "$THEN/.rev" ]; then
		echo "compare: BENCH_THEN=$THEN: not a build of bench/then.sh" \
		    "(build/relaisd, .rev)" >&2
		exit 1
	fi
fi
if [ -z "$SCENARIOS" ]; then
	SCENARIOS="peer A A2 B S"
	[ -z "$THEN" ] || SCENARIOS="peer A0 A A2 B0 B S"
fi

T=$(mktemp -d /tmp/relais-cmp.XXXXXX)
NGINX_PID="" REDIS_PID="" RELAISD_PID="" POLL_PID="" PEER_PID="" PERF_PID=""

cleanup() {
	rc=$?
	set +f		# a run may die while its wrapped commands start
	trap - EXIT INT TERM
	# the peer runs in its own process group: node, its redis and nginx too
	[ -z "$PEER_PID" ] || kill -TERM "-$PEER_PID" 2>/dev/null || true
	# relaisd first, then the Redis and the sink it talks to
	for p in $PEER_PID $PERF_PID $POLL_PID $RELAISD_PID $REDIS_PID $NGINX_PID; do
		kill -TERM "$p" 2>/dev/null || true
		kill -CONT "$p" 2>/dev/null || true	# AQ's relaisd, stopped
		wait "$p" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ]; then
		for f in "$T"/*.log "$T"/nginx/error.log; do
			[ -s "$f" ] || continue
			echo "---- $(basename "$f") (last 10 lines)" >&2
			tail -n 10 "$f" >&2
		done
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC2034 # ME is read by bench/lib.sh
ME=compare
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rcli() {
	redis-cli -p "$RPORT" "$@"
}

# readers N: N clients (or more) blocked in their read of the stream (a
# consumer is listed in the group only once it has been served).
readers() {
	[ "$(rcli info clients | tr -d '\r' |
	    awk -F: '$1 == "blocked_clients" { print $2 }')" -ge "$1" ]
}

alive() {
	for p in $RELAISD_PID; do
		kill -0 "$p" 2>/dev/null || die "relaisd died ($1)"
	done
}

# sum_over CMD ARGS: CMD ARGS PID summed over relaisd's PIDs.
sum_over() {
	t=0
	for p in $RELAISD_PID; do
		t=$(( t + $("$@" "$p") ))
	done
	echo "$t"
}

# peak_kb PID: VmHWM, or VmRSS when larger (the kernel updates VmHWM lazily).
peak_kb() {
	printf '%s\n' "$(status_kb "$1" VmHWM)" "$(status_kb "$1" VmRSS)" |
	    sort -n | tail -n 1
}

# sink_requests: nginx's request counter (this request included).
sink_requests() {
	curl -sf "http://127.0.0.1:$SINK_PORT/sink_status" |
	    awk 'f { print $3; exit } /^server accepts handled requests/ { f = 1 }'
}

sink_up() {
	[ -n "$(sink_requests)" ]
}

# stop_pid PID: SIGTERM and reap (relaisd drains first: nothing is left).
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# record KEY VALUE: one figure of one run, for the table.
record() {
	echo "$1 $2" >> "$T/results.txt"
}

# calc AWK-EXPRESSION: its value, printed with %.6g.
calc() {
	awk "BEGIN { printf \"%.6g\", $1 }"
}

# then_ratios SCENARIO TPUT CPU REDIS TPUT0 CPU0 REDIS0: A's or B's figures
# over the issue-time build's (A0, B0) in the same round; none when one of
# the latter is 0 (a run so short that no CPU tick was counted)
then_ratios() {
	if ! awk -v a="$5" -v b="$6" -v c="$7" \
	    'BEGIN { exit !(a > 0 && b > 0 && c > 0) }'; then
		echo "compare: $1: a figure of the issue-time build is 0" \
		    "(a run too short?): no ratio to it this round" >&2
		return 0
	fi
	record "$1_then_tput" "$(calc "$2 / $5")"
	record "$1_then_cpu" "$(calc "$3 / $6")"
	record "$1_then_redis" "$(calc "$4 / $7")"
}

# ---- the sink: the peer's sink.conf, its placeholders set as run-peer.sh does

SINK_PORT=$(free_port)
TLS_PORT=$(free_port)
mkdir -p "$T/nginx/body" "$T/nginx/logs"
# S's sink: the peer's server again, on a TLS port with HTTP/2 offered
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/nginx/key.pem" -out "$T/nginx/cert.pem" 2> "$T/openssl.log" ||
    die "openssl could not make the sink's certificate: $(cat "$T/openssl.log")"
sed -e "s#SINKDIR#$T/nginx#g" -e "s#SINKPORT#$SINK_PORT#g" \
    "$PEER/sink.conf" | awk -v port="$TLS_PORT" -v plain="$SINK_PORT" \
    -v dir="$T/nginx" '
	{ lines[NR] = $0 }
	/^}/ { last = NR }
	END {
		for (i = 1; i < last; i++) print lines[i]
		print "  server {"
		print "    listen 127.0.0.1:" port " ssl http2;"
		print "    ssl_certificate " dir "/cert.pem;"
		print "    ssl_certificate_key " dir "/key.pem;"
		print "    location / { proxy_pass http://127.0.0.1:" plain "; }"
		print "  }"
		for (i = last; i <= NR; i++) print lines[i]
	}' > "$T/nginx/sink.conf"
nginx -c "$T/nginx/sink.conf" -p "$T/nginx/" > "$T/nginx.log" 2>&1 &
NGINX_PID=$!
wait_for 10 "nginx to answer on 127.0.0.1:$SINK_PORT" sink_up

# ---- A's config: the shipped one without counsellor rosters (no notice)
# and without follow-ups, as bench.sh's sections a-d

welcome_config "$T/relais-welcome.yaml"
[ -z "$THEN" ] || welcome_config "$T/relais-welcome-then.yaml" "$THEN"
# S: the same, its email gateway trusting the sink's certificate
sed "s|^    url: \${RELAIS_SENDGRID_URL:-https://api.sendgrid.com}\$|&\\
    ca_file: $T/nginx/cert.pem|" "$T/relais-welcome.yaml" > "$T/relais-tls.yaml"
grep -q "^    ca_file: $T/nginx/cert.pem\$" "$T/relais-tls.yaml" ||
    die "cannot add a ca_file to the sendgrid gateway of config/relais.yaml"

# ---- one run of the peer

# peer_run ROUND: run-peer.sh, in its own process group (cleanup ends it all)
peer_run() {
	setsid bash "$PEER/run-peer.sh" "$N" "$CONC" > "$T/peer.json" \
	    2> "$T/peer.log" &
	PEER_PID=$!
	wait "$PEER_PID" || die "the peer failed: $(tail -n 3 "$T/peer.log")"
	PEER_PID=""
	json=$(tail -n 1 "$T/peer.json")
	p_tput=$(echo "$json" | sed -n 's/.*"msgs_per_s":\([-0-9.eE+]*\).*/\1/p')
	p_cpu=$(echo "$json" | sed -n 's/.*"cpu_us_per_msg":\([-0-9.eE+]*\).*/\1/p')
	p_rss=$(echo "$json" | sed -n 's/.*"rss_mb":\([-0-9.eE+]*\).*/\1/p')
	if [ -z "$p_tput" ] || [ -z "$p_cpu" ] || [ -z "$p_rss" ]; then
		die "the peer printed no figures: $json"
	fi
	record peer_tput "$p_tput"
	record peer_cpu "$p_cpu"
	record peer_rss "$p_rss"
	printf '   %d peer:  %6.0f msgs/s, node %4.0f us/msg, RSS %3.0f MB\n' \
	    "$1" "$p_tput" "$p_cpu" "$p_rss"
}

# ---- one run of relaisd: a fresh redis-server and relaisd, N events

push_events() {
	"$BUILD/producer" -h 127.0.0.1 -p "$RPORT" -n "$N" -a "$ARRIVAL" \
	    2> "$T/producer-$tag.log" ||
	    die "producer failed: $(cat "$T/producer-$tag.log")"
}

# relais_run ROUND SCENARIO: A (welcome only), AQ (A from a queue filled
# first), A2 (A by two instances), B (the shipped config), S (A over
# https), A0 or B0 (A or B by the issue-time build)
relais_run() {
	round=$1 sc=$2 tag=$2$1
	case $2 in *[0-9]) tag=$2-$1 ;; esac	# A2-1, not A21 (A, round 21)
	url=http://127.0.0.1:$SINK_PORT at_sink=1 instances=1
	relaisd=$BUILD/relaisd
	if [ "$sc" = A ] || [ "$sc" = AQ ] || [ "$sc" = A2 ]; then
		config=$T/relais-welcome.yaml per_event=1
		[ "$sc" != A2 ] || instances=2
	elif [ "$sc" = S ]; then
		config=$T/relais-tls.yaml per_event=1 at_sink=2
		url=https://127.0.0.1:$TLS_PORT
	elif [ "$sc" = A0 ]; then
		config=$T/relais-welcome-then.yaml per_event=1
		relaisd=$THEN/build/relaisd
	elif [ "$sc" = B0 ]; then
		config=$THEN/config/relais.yaml per_event=2
		relaisd=$THEN/build/relaisd
	else
		config=$ROOT/config/relais.yaml per_event=2
	fi
	expect=$(( per_event * N ))

	RPORT=$(free_port)
	set -f		# the wrappers' words as they are: no globbing
	# shellcheck disable=SC2086 # the wrapper's words
	${BENCH_REDIS_WRAP:-} redis-server --port "$RPORT" --bind 127.0.0.1 --save "" \
	    --appendonly no --dir "$T" \
	    ${SLOWLOG:+--slowlog-log-slower-than 0 --slowlog-max-len 10000000} \
	    > "$T/redis-$tag.log" 2>&1 &
	REDIS_PID=$!
	set +f
	wait_for 10 "redis-server ($tag) to answer" rcli ping
	[ "$(rcli dbsize)" = 0 ] || die "refusing to run against a non-empty database"

	# SMS to the outbox: the events have no phone, it must stay empty
	RELAISD_PID=""
	i=1
	while [ "$i" -le "$instances" ]; do
		set -f
		# shellcheck disable=SC2086 # the wrapper's words
		RELAIS_REDIS_URL="redis://127.0.0.1:$RPORT/0" \
		RELAIS_EMAIL_GATEWAY=sendgrid \
		RELAIS_SENDGRID_URL="$url" \
		RELAIS_SENDGRID_API_KEY="SG.bench.$$" \
		RELAIS_SMS_GATEWAY=outbox \
		RELAIS_OUTBOX="$T/outbox-$tag.jsonl" \
		RELAIS_ADMIN_ADDR=127.0.0.1:0 \
		RELAIS_CONSUMER=bench$i \
		GNUTLS_NO_IMPLICIT_INIT=1 \
		    ${BENCH_RELAISD_WRAP:-} "$relaisd" -c "$config" \
		    > "$T/relaisd-$tag-$i.log" 2>&1 &
		RELAISD_PID="${RELAISD_PID:+$RELAISD_PID }$!"
		set +f
		i=$(( i + 1 ))
	done
	# shellcheck disable=SC2086 # the PIDs, one word each
	set -- $RELAISD_PID
	first_pid=$1
	wait_for 10 "relaisd ($tag) to create its consumer group" group_exists
	wait_for 10 "relaisd ($tag): $instances readers waiting" readers "$instances"
	alive "$tag, at start"

	rm -f "$T/poll.ready"
	python3 "$ROOT/bench/sink_count.py" "$SINK_PORT" "$(( expect * at_sink ))" \
	    $(( 30 + expect / 500 )) "$(echo "$RELAISD_PID" | tr ' ' ,)" "$T/poll.ready" \
	    > "$T/poll.out" 2> "$T/poll.log" &
	POLL_PID=$!
	wait_for 10 "the sink counter to start" test -s "$T/poll.ready"
	base=$(cat "$T/poll.ready")

	if [ -n "$PERF" ]; then
		# A2: the first of the two
		if [ "$PERF" = relaisd ]; then ppid=$first_pid; else ppid=$REDIS_PID; fi
		perf record -g -o "$OUT/perf-$tag.data" -p "$ppid" \
		    > "$T/perf-$tag.log" 2>&1 &
		PERF_PID=$!
		sleep 1		# perf says nothing once attached
		kill -0 "$PERF_PID" 2>/dev/null ||
		    die "perf record failed: $(cat "$T/perf-$tag.log")"
	fi
	if [ "$sc" = AQ ]; then
		# the queue filled first, as the peer's: relaisd stopped (its
		# reader's first answer waits in its socket), then timed from
		# when it goes on
		kill -STOP "$first_pid"
		push_events
		[ "$(rcli xlen relais:events)" -eq "$N" ] ||
		    die "$tag: $(rcli xlen relais:events) events in the stream, $N pushed"
	fi
	cpu0_d=$(sum_over cpu_ticks)
	cpu0_r=$(cpu_ticks "$REDIS_PID")
	t0=$(now_us)
	if [ "$sc" = AQ ]; then
		kill -CONT "$first_pid"
	else
		push_events
	fi
	if ! wait "$POLL_PID"; then
		POLL_PID=""
		alive "$tag"
		die "$tag: $(cut -d ' ' -f 1 "$T/poll.out") of $expect requests" \
		    "at nginx within the deadline $(cat "$T/poll.log")"
	fi
	POLL_PID=""
	# shellcheck disable=SC2046 # three numbers
	set -- $(cat "$T/poll.out")
	t1=$2 polls=$3
	wait_for 60 "relaisd ($tag) to acknowledge every entry" drained
	alive "$tag"
	if [ -n "$PERF_PID" ]; then
		kill -INT "$PERF_PID" 2>/dev/null || true
		wait "$PERF_PID" || true
		PERF_PID=""
	fi
	cpu1_d=$(sum_over cpu_ticks)
	cpu1_r=$(cpu_ticks "$REDIS_PID")
	[ -z "$OUT" ] || rcli info commandstats > "$OUT/commandstats-$tag"
	if [ -n "$SLOWLOG" ]; then
		rcli -2 --json slowlog get 10000000 > "$OUT/slowlog-$tag.json"
		python3 "$ROOT/bench/slowlog.py" "$OUT/slowlog-$tag.json" \
		    "$expect" > "$OUT/slowlog-$tag.txt"
	fi
	hwm=$(sum_over peak_kb)

	# exactly the deliveries expected, none more (a retry, a follow-up);
	# over HTTP/2 (S) libcurl itself sends a request again now and then
	# (a stream refused or reset): counted, not fatal
	got=$(( ($(sink_requests) - base - polls) / at_sink ))
	if [ "$sc" = S ] && [ "$got" -gt "$expect" ]; then
		record S_extra "$(( got - expect ))"
	elif [ "$got" -ne "$expect" ]; then
		die "$tag: $got requests at nginx for $N events, $expect expected"
	elif [ "$sc" = S ]; then
		record S_extra 0
	fi
	sent=$(cat "$T/relaisd-$tag"-*.log | grep -c 'outcome=sent' || true)
	[ "$sent" -eq "$expect" ] ||
	    die "$tag: relaisd logged $sent sent deliveries, $expect expected"
	[ ! -s "$T/outbox-$tag.jsonl" ] ||
	    die "$tag: $(wc -l < "$T/outbox-$tag.jsonl") SMS in the outbox"
	if [ "$sc" = B ] || [ "$sc" = B0 ]; then
		planned=$(rcli zcard relais:scheduled)
		[ "$planned" -eq $(( 5 * N )) ] ||
		    die "$tag: $planned follow-ups planned, $(( 5 * N )) expected"
	fi

	us=$(( t1 - t0 ))
	tput=$(calc "$expect / ($us / 1e6)")
	cpu_d=$(calc "($cpu1_d - $cpu0_d) / $HZ * 1e6 / $expect")
	cpu_r=$(calc "($cpu1_r - $cpu0_r) / $HZ * 1e6 / $expect")
	rss=$(calc "$hwm / 1024")
	record "${sc}_tput" "$tput"
	record "${sc}_cpu" "$cpu_d"
	record "${sc}_redis" "$cpu_r"
	record "${sc}_rss" "$rss"
	if [ -n "$p_tput" ]; then
		record "${sc}_ratio_tput" "$(calc "$tput / $p_tput")"
		record "${sc}_ratio_cpu" "$(calc "$cpu_d / $p_cpu")"
	fi
	if [ "$sc" = B ] || [ "$sc" = B0 ]; then
		record "${sc}_events" "$(calc "$N / ($us / 1e6)")"
	fi
	# against the issue-time build, within the round, whichever ran first
	th="" nw=""
	case $sc in
	A0) then_A="$tput $cpu_d $cpu_r" ;;
	A) now_A="$tput $cpu_d $cpu_r" ;;
	B0) then_B="$tput $cpu_d $cpu_r" ;;
	B) now_B="$tput $cpu_d $cpu_r" ;;
	esac
	case $sc in
	A|A0) th=$then_A; nw=$now_A ;;
	B|B0) th=$then_B; nw=$now_B ;;
	esac
	# shellcheck disable=SC2086 # three numbers each
	[ -z "$th" ] || [ -z "$nw" ] || then_ratios "${sc%0}" $nw $th
	rm -f "$T/relaisd-$tag"-*.log "$T/redis-$tag.log"	# checked: 10 MB a run
	printf '   %d %s:     %6.0f deliveries/s, relaisd %4.0f us, redis %4.0f us' \
	    "$round" "$sc" "$tput" "$cpu_d" "$cpu_r"
	printf ' a delivery, VmHWM %4.1f MiB (%d deliveries in %.2fs)\n' \
	    "$rss" "$expect" "$(calc "$us / 1e6")"

	for p in $RELAISD_PID; do
		stop_pid "$p"
	done
	RELAISD_PID=""
	stop_pid "$REDIS_PID"
	REDIS_PID=""
}

echo "relais next to the Node peer: N=$N events a run, $RUNS rounds of" \
    "$(echo "$SCENARIOS" | sed 's/  */, /g'); peer concurrency $CONC; $(nproc) CPUs;" \
    "node $(node --version 2>/dev/null || echo none), $(nginx -v 2>&1 | sed 's/.*nginx\///')," \
    "redis $(redis-server --version | awk '{ print $3 }' | sed 's/^v=//')"
echo "   A: one welcome an event (the peer's work); A2: A by two relaisd;" \
    "B: the shipped config, welcome + counsellor notice (2 deliveries an" \
    "event), 5 follow-ups planned; S: A over https${THEN:+; A0, B0: A, B by the issue-time build}"
if [ -n "${BENCH_REDIS_WRAP:-}${BENCH_RELAISD_WRAP:-}$PERF$SLOWLOG" ]; then
	echo "   profiling: redis-server under '${BENCH_REDIS_WRAP:-}'," \
	    "relaisd under '${BENCH_RELAISD_WRAP:-}', perf on '$PERF'," \
	    "slowlog '${SLOWLOG:-0}':" \
	    "not figures to compare with the peer's"
fi

: > "$T/results.txt"
r=1
while [ "$r" -le "$RUNS" ]; do
	p_tput="" p_cpu=""	# ratios within the round, the peer run before
	then_A="" then_B="" now_A="" now_B=""	# and the issue-time build's
	for sc in $SCENARIOS; do
		if [ "$sc" = peer ]; then peer_run "$r"; else relais_run "$r" "$sc"; fi
	done
	r=$(( r + 1 ))
done

# ---- the table: min, median, max of every figure over the rounds

# stats KEY: "min median max" of KEY's values
stats() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/results.txt" | sort -g |
	    awk '{ v[NR] = $1 }
	END { if (NR == 0) exit 1
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print v[1], m, v[NR] }'
}

# row LABEL KEY FORMAT [TARGET AWK-TEST-ON-v]: the verdict is the median's
row() {
	st=$(stats "$2") || return 0	# not measured (BENCH_SCENARIOS)
	# shellcheck disable=SC2086 # three numbers
	set -- "$1" "$3" "${4:-}" "${5:-}" $st
	verdict=""
	[ -z "$4" ] || verdict=$(awk -v v="$6" "BEGIN { print ($4) ? \"ok\" : \"MISSED\" }")
	printf "%-40s $2 $2 $2   %-9s %s\n" "$1" "$5" "$6" "$7" "$3" "$verdict"
}

echo
printf '%-40s %9s %9s %9s   %-9s %s\n' "figure ($RUNS runs)" min median max target ""
row "peer: messages/s" peer_tput %9.0f
row "peer: node CPU us/message" peer_cpu %9.0f
row "peer: node RSS at the end (MB)" peer_rss %9.0f
row "A: deliveries/s" A_tput %9.0f
row "A: relaisd CPU us/delivery" A_cpu %9.0f
row "A: its redis-server CPU us/delivery" A_redis %9.0f
row "A: relaisd peak RSS, VmHWM (MiB)" A_rss %9.1f
row "A: throughput, relais / peer" A_ratio_tput %9.2f ">= 3" 'v >= 3'
row "A: relaisd CPU / peer CPU" A_ratio_cpu %9.2f "<= 0.20" 'v <= 0.2'
row "AQ (A, queue filled first): deliveries/s" AQ_tput %9.0f
row "AQ: relaisd CPU us/delivery" AQ_cpu %9.0f
row "AQ: its redis-server CPU us/delivery" AQ_redis %9.0f
row "AQ: throughput, relais / peer" AQ_ratio_tput %9.2f
row "A2 (A, two relaisd): deliveries/s" A2_tput %9.0f
row "A2: relaisd CPU us/delivery (both)" A2_cpu %9.0f
row "A2: its redis-server CPU us/delivery" A2_redis %9.0f
row "A2: relaisd peak RSS, both (MiB)" A2_rss %9.1f
row "A2: throughput, relais / peer" A2_ratio_tput %9.2f
row "B: events/s" B_events %9.0f
row "B: deliveries/s" B_tput %9.0f
row "B: relaisd CPU us/delivery" B_cpu %9.0f
row "B: its redis-server CPU us/delivery" B_redis %9.0f
row "B: relaisd peak RSS, VmHWM (MiB)" B_rss %9.1f
row "B: deliveries/s, relais / peer" B_ratio_tput %9.2f
row "B: relaisd CPU / peer CPU" B_ratio_cpu %9.2f "<= 0.20" 'v <= 0.2'
row "A0 (A, issue-time build): deliveries/s" A0_tput %9.0f
row "A0: relaisd CPU us/delivery" A0_cpu %9.0f
row "A0: its redis-server CPU us/delivery" A0_redis %9.0f
row "A: deliveries/s / A0's" A_then_tput %9.2f
row "A: relaisd CPU / A0's" A_then_cpu %9.2f
row "A: redis-server CPU / A0's" A_then_redis %9.2f "<= 0.50" 'v <= 0.5'
row "B0 (B, issue-time build): events/s" B0_events %9.0f
row "B0: relaisd CPU us/delivery" B0_cpu %9.0f
row "B0: its redis-server CPU us/delivery" B0_redis %9.0f
row "B: deliveries/s / B0's" B_then_tput %9.2f ">= 2" 'v >= 2'
row "B: relaisd CPU / B0's" B_then_cpu %9.2f
row "B: redis-server CPU / B0's" B_then_redis %9.2f "<= 0.50" 'v <= 0.5'
row "S (A over https): deliveries/s" S_tput %9.0f
row "S: relaisd CPU us/delivery" S_cpu %9.0f
row "S: its redis-server CPU us/delivery" S_redis %9.0f
row "S: relaisd peak RSS, VmHWM (MiB)" S_rss %9.1f
row "S: requests at nginx beyond one each" S_extra %9.0f
if [ -n "$WITH_PEER$THEN" ]; then
	echo "(ratios taken within each round, then min/median/max; a verdict is the"
	if [ -n "$WITH_PEER" ]; then
		echo " median's. The peer's CPU is node's alone: its Redis is not counted.)"
	else
		echo " median's.)"
	fi
fi
if [ -n "$THEN" ]; then
	echo "(A0, B0: relaisd as of $(cut -c1-7 "$THEN/.rev" 2>/dev/null)," \
	    "when issue 15 measured it, with its own shipped config.)"
fi
exit 0
