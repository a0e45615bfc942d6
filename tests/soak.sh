#!/bin/bash
# SPDX-License-Identifier: LiLiQ-P-1.1
# tests/soak.sh BUILD_DIR (make soak): several relaisd instances under
# crashes, a Redis restart, a gateway outage and a flaky gateway, then a
# count of what the gateways accepted against what was produced.
#
# One private redis-server (unix socket, AOF on, appendfsync everysec as
# DESIGN.md asks), SOAK_INSTANCES relaisd (consumers relaisd-1..N of one
# group), and three loopback gateways the welcome emails are routed to by
# territory (tests/integration/lib.sh's config: no counsellor, no follow-up
# planned, so one event = one message):
#   steady  build/sink, answers 200           (abitibi, abitibi-ouest, rouyn-noranda: 9/16)
#   flaky   build/sink, a seeded script of SOAK_FLAKY_PCT % 503 (vallee-de-l-or: 4/16)
#   outage  a small Python gateway that is down (listener closed: connection
#           refused; keep-alive connections closed unanswered between
#           requests) for SOAK_OUTAGE_SECONDS      (temiscamingue: 3/16)
# The producer (bench/producer.c) pushes SOAK_EVENTS events, paced over
# SOAK_SECONDS; meanwhile SOAK_KILLS kill -9 of random instances holding
# entries in flight when one does (each restarted after 0-1.9 s under the
# same consumer name), the outage, and one Redis restart (SHUTDOWN, which
# fsyncs the AOF, then a new redis-server on the same AOF; the producer
# pauses across it, as bench/producer.c does not reconnect). Then it waits,
# at most SOAK_DEADLINE seconds, until everything is handled (stream empty,
# nothing pending, nothing scheduled, inbox empty, read atomically), stops
# everything and counts, by recipient and by Idempotency-Key, what each
# gateway ACCEPTED (2xx):
#   lost        events produced (XADD acknowledged) whose message no gateway accepted
#   duplicated  keys accepted more than once. By default the gateways
#               honour the Idempotency-Key relais sends (sink -I), as
#               DESIGN's effectively-once rests on: a resend under a known
#               key gets the first answer again, counted apart as
#               "replayed". SOAK_IDEMPOTENT=0 makes them honour none, as
#               Twilio, SendGrid and Mailgun: each 2xx is then a message to
#               the recipient, and a kill -9 between a 2xx and its commit
#               (milliseconds) shows as a duplicate.
# Each duplicate is explained from the timeline and relaisd's logs: whether
# the instance that sent the first copy saw its commit fail (Redis going
# away: outcome=unrecorded) or was killed before logging it sent. Exits 1 on
# anything lost or duplicated, a crash, a failed stop, or the deadline.
#
#   SOAK_EVENTS=5000  SOAK_INSTANCES=3  SOAK_KILLS=10  SOAK_SECONDS=45
#   SOAK_DEADLINE=120 (s to settle after the last event)
#   SOAK_OUTAGE_SECONDS=12  SOAK_FLAKY_PCT=30  SOAK_COOLDOWN_MS=2000 (breakers)
#   SOAK_SEED (random; it fixes the schedule and the flaky script, not timing)
#   SOAK_IDEMPOTENT=1  BACKOFF_BASE_MS=200 BACKOFF_CAP_MS=2000 MAX_ATTEMPTS=10
#   KEEP=1 keeps the directory (a failed soak always keeps it)
# shellcheck disable=SC2317,SC2016,SC2154,SC2034 # functions run from wait_for and traps; wait_for evaluates its quoted condition; start_sink sets NAME_PORT and NAME_PID; STOP_SECONDS is lib.sh's
set -eu
BUILD=${1:-${BUILD:-build}}
export BUILD
# shellcheck source-path=SCRIPTDIR source=integration/lib.sh
. "$(dirname "$0")/integration/lib.sh"
# A failed soak keeps its directory (logs, gateway records, timeline) and
# says where; lib.sh's cleanup removes it otherwise.
fail() {
	KEEP=1
	echo "FAIL: $* (seed ${SEED:-?}; kept $T)" >&2
	exit 1
}
EVENTS=${SOAK_EVENTS:-5000}
INSTANCES=${SOAK_INSTANCES:-3}
KILLS=${SOAK_KILLS:-10}
SECONDS_RUN=${SOAK_SECONDS:-45}
DEADLINE=${SOAK_DEADLINE:-120}
OUTAGE=${SOAK_OUTAGE_SECONDS:-12}
FLAKY_PCT=${SOAK_FLAKY_PCT:-30}
IDEM=${SOAK_IDEMPOTENT:-1}
SEED=${SOAK_SEED:-$(( $$ ^ ${EPOCHREALTIME/./} % 1000000 ))}
RANDOM=$SEED
for v in EVENTS INSTANCES KILLS SECONDS_RUN DEADLINE OUTAGE FLAKY_PCT SEED; do
	case ${!v} in '' | *[!0-9]*) fail "SOAK_${v}: not a number: '${!v}'" ;; esac
done
# shellcheck disable=SC2015 # fail when any test is false
[ "$EVENTS" -ge 1 ] && [ "$INSTANCES" -ge 1 ] && [ "$SECONDS_RUN" -ge 5 ] ||
    fail "SOAK_EVENTS and SOAK_INSTANCES must be >= 1, SOAK_SECONDS >= 5"
for b in relaisd sink producer; do
	[ -x "$BUILD/$b" ] || fail "$BUILD/$b missing (make soak builds it)"
done
command -v python3 >/dev/null || fail "python3 not found (the outage gateway)"

# Test-friendly limits (lib.sh's write_config): retries within a second or
# two, and a breaker that probes a down gateway every 2 s rather than 30 s.
export BACKOFF_BASE_MS=${BACKOFF_BASE_MS:-200} BACKOFF_CAP_MS=${BACKOFF_CAP_MS:-2000}
export MAX_ATTEMPTS=${MAX_ATTEMPTS:-10}
COOLDOWN_MS=${SOAK_COOLDOWN_MS:-2000}
export RELAIS_EMAIL_GATEWAY=soak-steady RELAIS_SMS_GATEWAY=soak-steady
STOP_SECONDS=25

now_us() {
	echo "${EPOCHREALTIME/./}"
}

T0_US=$(now_us)
# action WHAT...: one line of the timeline the analysis reads.
action() {
	echo "$(now_us) $*" >> "$T/actions.log"
}

# forget PID: drop a reaped process from lib.sh's cleanup list (its number
# may be reused by another process from now on).
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# ---- redis-server: AOF, appendfsync everysec, on a unix socket
REDIS_ARGS=(--appendonly yes --appendfsync everysec --maxmemory-policy noeviction)
start_redis "${REDIS_ARGS[@]}"

restart_redis() {
	local added_before added_after
	added_before=$(rcli xinfo stream relais:events | sed -n '/^entries-added$/{n;p}')
	action redis shutdown
	rcli shutdown >/dev/null 2>&1 || true
	wait "$REDIS_PID" 2>/dev/null || true
	forget "$REDIS_PID"
	[ ! -S "$T/redis.sock" ] || rm -f "$T/redis.sock"
	redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
	    --save "" --dir "$T" "${REDIS_ARGS[@]}" >> "$T/redis.log" 2>&1 &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	# PONG, not LOADING: the AOF is read before Redis answers anything
	wait_for 20 "redis-server to come back" 'test "$(rcli ping)" = PONG'
	action redis up
	added_after=$(rcli xinfo stream relais:events | sed -n '/^entries-added$/{n;p}')
	echo "$added_before $added_after" > "$T/redis-restart.added"
	# entries only ever get added: fewer after than before is a lost write
	[ "${added_after:-0}" -ge "${added_before:-0}" ] ||
	    echo "redis restart: the stream had $added_before entries added before the SHUTDOWN, $added_after after" \
	    >> "$T/problems.txt"
}

# ---- the gateways
# flaky: a seeded random script of FLAKY_PCT % 503, as long as one argument
# may be (MAX_ARG_STRLEN, 128 KiB: 30,000 four-byte specs); 200 after it.
flaky_len=$(( EVENTS < 30000 ? EVENTS : 30000 ))
flaky_script=$(awk -v n="$flaky_len" -v p="$FLAKY_PCT" -v s="$SEED" 'BEGIN {
	srand(s); for (i = 0; i < n; i++) printf "%s%s", (i ? "," : ""),
	    (rand() * 100 < p ? "503" : "200") }')
sink_idem=()
[ "$IDEM" != 1 ] || sink_idem=(-I)
start_sink steady "${sink_idem[@]}"
start_sink flaky "${sink_idem[@]}" -s "$flaky_script"

# outage: down on SIGUSR1, up again (same port) on SIGUSR2. A request is
# recorded once its answer is written to the socket; a request read while
# down is dropped unanswered and unrecorded (never accepted), so going down
# adds no accepted-but-unanswered window of the harness's own.
cat > "$T/outage.py" <<'EOF'
import asyncio, json, os, signal, sys, time

port_file, record, state_file, idem = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
out = open(record, "a", buffering=1)
st = {"down": False, "server": None, "port": 0, "n": 0, "idle": set(),
      "answered": {}, "dropped": 0, "requests": 0}

def publish(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)

async def handle(reader, writer):
    try:
        while True:
            st["idle"].add(writer)
            line = await reader.readline()
            st["idle"].discard(writer)
            if not line:
                break
            hdrs = {}
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                hdrs[k.strip().lower()] = v.strip()
            if hdrs.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = await reader.readexactly(int(hdrs.get("content-length", "0")))
            t_us = time.time_ns() // 1000
            st["requests"] += 1
            if st["down"]:
                st["dropped"] += 1
                break          # closed unanswered: never accepted
            key = hdrs.get("idempotency-key", "")
            replay = idem and key in st["answered"]
            if replay:
                mid = st["answered"][key]
            else:
                st["n"] += 1
                mid = "outage-%d" % st["n"]
            payload = json.dumps({"status": "ok", "id": mid}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"X-Message-Id: " + mid.encode() + b"\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
            await writer.drain()
            if idem and not replay:
                st["answered"][key] = mid
            try:
                doc = json.loads(body)
            except ValueError:
                doc = {}
            out.write(json.dumps({"t_us": t_us, "status": 200, "replay": replay,
                                  "headers": {"idempotency-key": key},
                                  "to": doc.get("to"), "event_id": doc.get("event_id")}) + "\n")
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        st["idle"].discard(writer)
        writer.close()

def go_down():
    st["down"] = True
    if st["server"] is not None:
        st["server"].close()          # new connections: refused
        st["server"] = None
    for w in list(st["idle"]):        # idle keep-alive connections: closed
        w.close()
    publish(state_file, "down\n")

async def go_up():
    if st["server"] is None:
        st["server"] = await asyncio.start_server(handle, "127.0.0.1", st["port"])
    st["down"] = False
    publish(state_file, "up\n")

async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    st["server"] = await asyncio.start_server(handle, "127.0.0.1", 0)
    st["port"] = st["server"].sockets[0].getsockname()[1]
    loop.add_signal_handler(signal.SIGUSR1, go_down)
    loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(go_up()))
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(0))
    publish(state_file, "up\n")
    publish(port_file, "%d\n" % st["port"])
    await stop
    print("outage: %d requests, %d dropped while down, %d accepted"
          % (st["requests"], st["dropped"], st["n"]), file=sys.stderr)
    out.close()
    sys.stderr.flush()
    os._exit(0)         # no cancelling of idle keep-alive handlers

asyncio.run(main())
EOF
: > "$T/outage.jsonl"
python3 "$T/outage.py" "$T/outage.port" "$T/outage.jsonl" "$T/outage.state" "$IDEM" \
    > "$T/outage.log" 2>&1 &
OUTAGE_PID=$!
PIDS+=("$OUTAGE_PID")
wait_for 10 "the outage gateway to listen" test -s "$T/outage.port"
OUTAGE_PORT=$(cat "$T/outage.port")

# ---- config: lib.sh's, plus the three gateways and the territory routes
write_config
gateway_yaml() {	# NAME PORT
	printf '  %s:\n    kind: webhook\n    url: http://127.0.0.1:%s/messages\n' "$1" "$2"
	printf '    max_concurrency: 16\n    connect_timeout_ms: 1000\n    timeout_ms: 5000\n'
	printf '    breaker_cooldown_ms: %s\n' "$COOLDOWN_MS"
}
route_yaml() {	# TERRITORY GATEWAY
	printf '  - match: { type: newcomer.arrived, role: newcomer, channel: email, territory: %s }\n' "$1"
	printf '    gateways: [ %s ]\n    template: welcome\n' "$2"
}
{
	gateway_yaml soak-steady "$steady_PORT"
	gateway_yaml soak-flaky "$flaky_PORT"
	gateway_yaml soak-outage "$OUTAGE_PORT"
} > "$T/soak-gateways.yaml"
{
	route_yaml vallee-de-l-or soak-flaky
	route_yaml temiscamingue soak-outage
} > "$T/soak-routes.yaml"
awk -v g="$T/soak-gateways.yaml" -v r="$T/soak-routes.yaml" '
	{ print }
	/^gateways:$/ { while ((getline l < g) > 0) print l }
	/^routes:$/ { while ((getline l < r) > 0) print l }' \
    "$T/relais.yaml" > "$T/relais.yaml.tmp" && mv "$T/relais.yaml.tmp" "$T/relais.yaml"
[ "$(grep -c '^  soak-\|gateways: \[ soak-' "$T/relais.yaml")" = 5 ] ||
    fail "cannot add the soak gateways and routes to the config"
RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisd" -c "$T/relais.yaml" --check \
    > "$T/check.out" 2>&1 || fail "relaisd --check: $(cat "$T/check.out")"

# ---- relaisd instances: relaisd-1..N, logs $T/relaisd-I.log, lives marked
declare -a INST_PID LIFE
start_instance() {	# I
	local i=$1
	LIFE[i]=$(( ${LIFE[i]:-0} + 1 ))
	echo "soak: life ${LIFE[i]} starts at $(now_us)" >> "$T/relaisd-$i.log"
	start_relaisd "relaisd-$i"
	INST_PID[i]=$RELAISD_PID
	action start "relaisd-$i" "${LIFE[i]}" "$RELAISD_PID"
}
for i in $(seq 1 "$INSTANCES"); do
	start_instance "$i"
done

CRASHES=0
# check_instances: an instance that exited without being killed is a crash:
# noted, restarted so the run goes on, and the soak fails.
check_instances() {
	local i rc
	for i in $(seq 1 "$INSTANCES"); do
		exited "${INST_PID[i]}" || continue
		rc=0
		wait "${INST_PID[i]}" 2>/dev/null || rc=$?
		forget "${INST_PID[i]}"
		CRASHES=$(( CRASHES + 1 ))
		echo "relaisd-$i (pid ${INST_PID[i]}) exited by itself, status $rc" >> "$T/problems.txt"
		echo "soak: exited by itself (status $rc) at $(now_us)" >> "$T/relaisd-$i.log"
		action crash "relaisd-$i" "$rc"
		start_instance "$i"
	done
}

KILLED=0
# busy_instance: the number of a random instance holding entries read and
# not yet acknowledged (in flight), polled for up to 2 s; any one if none
# was. At a few hundred events/s an instance is idle most of the time: a
# kill at a random instant would mostly test a restart, not a crash.
busy_instance() {
	local until=$(( $(now_us) + 2000000 )) busy
	while [ "$(now_us)" -lt "$until" ]; do
		busy=$(rcli xinfo consumers relais:events relais 2>/dev/null |
		    awk '$0 == "name" { getline; n = $0 } $0 == "pending" { getline;
		    if ($0 > 0 && n ~ /^relaisd-[0-9]+$/) print substr(n, 9) }')
		if [ -n "$busy" ]; then
			# shellcheck disable=SC2086 # one word per instance
			set -- $busy
			shift $(( RANDOM % $# ))
			echo "$1"
			return
		fi
		sleep 0.01
	done
	echo $(( RANDOM % INSTANCES + 1 ))
}

kill_one() {
	local i pid
	check_instances
	i=$(busy_instance)
	pid=${INST_PID[i]}
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	forget "$pid"
	echo "soak: killed -9 at $(now_us)" >> "$T/relaisd-$i.log"
	action kill "relaisd-$i" "${LIFE[i]}" "$pid"
	KILLED=$(( KILLED + 1 ))
	sleep "$(( RANDOM % 19 / 10 )).$(( RANDOM % 10 ))"	# 0.0-1.9 s down
	start_instance "$i"
}

# ---- the producer: chunks of about a quarter of a second, paced at RATE;
# it pauses (between chunks) while the file pause exists.
RATE=$(( (EVENTS + SECONDS_RUN - 1) / SECONDS_RUN ))
CHUNK=$(( RATE / 4 > 0 ? RATE / 4 : 1 ))
produce() {
	local seq=0 n
	while [ "$seq" -lt "$EVENTS" ]; do
		if [ -e "$T/pause" ]; then
			: > "$T/paused"
			while [ -e "$T/pause" ]; do sleep 0.02; done
			rm -f "$T/paused"
		fi
		n=$(( EVENTS - seq < CHUNK ? EVENTS - seq : CHUNK ))
		if ! "$BUILD/producer" -u "$T/redis.sock" -n "$n" -r "$RATE" -s "$seq" \
		    2>> "$T/producer.log"; then
			echo "$seq" > "$T/producer.failed"
			exit 1
		fi
		seq=$(( seq + n ))
		echo "$seq" > "$T/produced.tmp" && mv "$T/produced.tmp" "$T/produced"
	done
}

# ---- the schedule: "OFFSET_MS ACTION", sorted, run one after the other
RUN_MS=$(( SECONDS_RUN * 1000 ))
{
	echo "$(( RUN_MS / 5 )) outage-down"
	echo "$(( RUN_MS / 5 + OUTAGE * 1000 )) outage-up"
	echo "$(( RUN_MS * 11 / 20 )) redis-restart"
	if [ "$KILLS" -gt 0 ]; then
		step=$(( RUN_MS * 9 / 10 / KILLS ))
		for k in $(seq 0 $(( KILLS - 1 ))); do
			echo "$(( RUN_MS / 20 + k * step + (RANDOM * 32768 + RANDOM) % (step > 0 ? step : 1) )) kill"
		done
	fi
} | sort -n > "$T/schedule.txt"

echo "soak: $EVENTS events over ${SECONDS_RUN}s ($RATE/s), $INSTANCES instances," \
    "$KILLS kill -9, one Redis restart, a ${OUTAGE}s outage, ${FLAKY_PCT}% 503" \
    "(seed $SEED${KEEP:+, kept in $T})"
echo "$(now_us) produce start" >> "$T/actions.log"
START_US=$(now_us)
produce &
PRODUCER_PID=$!
PIDS+=("$PRODUCER_PID")

REDIS_RESTARTS=0
while read -r at what; do
	while [ $(( ($(now_us) - START_US) / 1000 )) -lt "$at" ]; do
		sleep 0.05
		[ ! -e "$T/producer.failed" ] ||
		    fail "the producer failed at event $(cat "$T/producer.failed"): $(tail -n 2 "$T/producer.log")"
	done
	case $what in
	kill) kill_one ;;
	outage-down)
		kill -USR1 "$OUTAGE_PID"
		wait_for 5 "the outage gateway to go down" 'grep -qx down "$T/outage.state"'
		action outage down ;;
	outage-up)
		kill -USR2 "$OUTAGE_PID"
		wait_for 5 "the outage gateway to come back" 'grep -qx up "$T/outage.state"'
		action outage up ;;
	redis-restart)
		rm -f "$T/paused"
		: > "$T/pause"
		wait_for 10 "the producer to pause" 'test -e "$T/paused" || exited "$PRODUCER_PID"'
		restart_redis
		rm -f "$T/pause"
		REDIS_RESTARTS=$(( REDIS_RESTARTS + 1 )) ;;
	esac
	check_instances
done < "$T/schedule.txt"

wait "$PRODUCER_PID" || fail "the producer failed: $(tail -n 2 "$T/producer.log")"
forget "$PRODUCER_PID"
PRODUCED=$(cat "$T/produced")
action produced "$PRODUCED"
[ "$PRODUCED" = "$EVENTS" ] || fail "produced $PRODUCED of $EVENTS events"

# ---- settle: everything handled, read in one atomic script, twice in a row
queue_state() {
	rcli eval "local p = redis.call('XPENDING', KEYS[1], ARGV[1])
	    return table.concat({redis.call('XLEN', KEYS[1]), p[1],
	    redis.call('ZCARD', KEYS[2]), redis.call('LLEN', KEYS[3])}, ' ')" \
	    3 relais:events relais:scheduled relais:inbox relais 2>/dev/null
}
SETTLE_END=$(( $(now_us) + DEADLINE * 1000000 ))
quiet=0 last_print=0
while :; do
	check_instances
	state=$(queue_state || echo "redis?")
	if [ "$state" = "0 0 0 0" ]; then
		quiet=$(( quiet + 1 ))
		[ "$quiet" -lt 2 ] || break
	else
		quiet=0
	fi
	now=$(now_us)
	if [ "$quiet" = 0 ] && [ "$now" -ge "$SETTLE_END" ]; then
		echo "soak: left over (first 5 pending: id, consumer, idle ms," \
		    "reads; first 5 scheduled):" >&2
		rcli xpending relais:events relais - + 5 | paste - - - - | sed 's/^/  /' >&2
		rcli zrange relais:scheduled 0 4 | cut -c 1-100 | sed 's/^/  /' >&2
		fail "not settled ${DEADLINE}s after the last event (stream, pending," \
		    "scheduled, inbox: $state)"
	fi
	if [ $(( now - last_print )) -ge 5000000 ]; then
		echo "soak: settling (stream, pending, scheduled, inbox: $state)"
		last_print=$now
	fi
	sleep 0.5
done
action settled
END_US=$(now_us)

# ---- stop: relaisd (each must exit 0 within its drain bound), then gateways
STOPPED_BAD=0
secs=$(( ${DRAIN_TIMEOUT_MS:-10000} / 1000 + 10 ))
for i in $(seq 1 "$INSTANCES"); do
	pid=${INST_PID[i]} rc=0
	killed=$(stop_within "$secs" "$pid")
	wait "$pid" || rc=$?
	forget "$pid"
	if [ -n "${killed// }" ]; then
		echo "relaisd-$i still running ${secs}s after SIGTERM (killed)" >> "$T/problems.txt"
		STOPPED_BAD=$(( STOPPED_BAD + 1 ))
	elif [ "$rc" -ne 0 ]; then
		echo "relaisd-$i exited with status $rc on SIGTERM" >> "$T/problems.txt"
		STOPPED_BAD=$(( STOPPED_BAD + 1 ))
	fi
done
for p in "$steady_PID" "$flaky_PID" "$OUTAGE_PID"; do
	killed=$(stop_within 10 "$p")
	wait "$p" 2>/dev/null || true
	forget "$p"
	[ -z "${killed// }" ] || echo "gateway$killed ignored SIGTERM" >> "$T/problems.txt"
done
rcli --json xrange relais:dead - + > "$T/dead.json"
rcli --json xrange relais:deliveries - + > "$T/deliveries.json"

# ---- the count
cat > "$T/count.py" <<'EOF'
import collections, json, os, re, sys

T = sys.argv[1]
produced, kills, restarts, crashes, duration_s, idem = (int(sys.argv[2]), int(sys.argv[3]),
    int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7] == "1")
instances = int(sys.argv[8])
RCPT = re.compile(r"^newcomer\.(\d+)@bench\.example$")

def records(name):
    path = os.path.join(T, name + ".jsonl")
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "to" not in r:                       # build/sink: the body
                try:
                    b = json.loads(r.get("body") or "{}")
                except ValueError:
                    b = {}
                r["to"], r["event_id"] = b.get("to"), b.get("event_id")
            r["key"] = (r.get("headers") or {}).get("idempotency-key", "")
            r["sink"] = name
            yield r

actions = []
with open(os.path.join(T, "actions.log")) as f:
    for line in f:
        p = line.split()
        actions.append((int(p[0]), p[1:]))
t0 = actions[0][0]
def rel(us):
    return "%.3fs" % ((us - t0) / 1e6)

per_sink = {}
accepted = collections.defaultdict(list)            # key -> acceptances
replayed = 0
for name in ("steady", "flaky", "outage"):
    n = ok = refused = 0
    for r in records(name):
        n += 1
        if 200 <= r.get("status", 0) < 300:
            if r.get("replay"):
                replayed += 1
                continue
            ok += 1
            accepted[r["key"]].append(r)
        else:
            refused += 1
    per_sink[name] = (n, ok, refused)

by_rcpt = collections.defaultdict(set)
strangers = 0
for key, acc in accepted.items():
    for r in acc:
        m = RCPT.match(r.get("to") or "")
        if m and int(m.group(1)) < produced:
            by_rcpt[int(m.group(1))].add(key)
        else:
            strangers += 1
lost = [s for s in range(produced) if s not in by_rcpt]
dups = {k: sorted(a, key=lambda r: r["t_us"]) for k, a in accepted.items() if len(a) > 1}
multikey = [s for s, ks in by_rcpt.items() if len(ks) > 1]

with open(os.path.join(T, "dead.json")) as f:
    dead = json.load(f) or []
dead_reasons = collections.Counter()
dead_by_seq = {}
for _, fields in dead:
    d = dict(zip(fields[0::2], fields[1::2]))
    reason = d.get("reason", "?")
    dead_reasons[re.sub(r"\(retry in \d+ ms\)", "", reason)] += 1
    m = re.match(r"bench-(\d+)-", d.get("event_id", "")) or \
        re.search(r'"id":"bench-(\d+)-', d.get("payload", ""))
    if m:
        dead_by_seq[int(m.group(1))] = reason

# the window: from a gateway's 2xx to the commit that wrote the sent marker
# (the relais:deliveries entry of the same script: its id is Redis's clock)
with open(os.path.join(T, "deliveries.json")) as f:
    committed = {}
    for sid, fields in json.load(f) or []:
        d = dict(zip(fields[0::2], fields[1::2]))
        if d.get("outcome") == "sent" and d.get("key") not in committed:
            committed[d["key"]] = int(sid.split("-")[0])
gaps = []
for key, acc in accepted.items():
    if key in committed:
        before = [r["t_us"] for r in acc if r["t_us"] // 1000 <= committed[key]]
        if before:
            gaps.append(committed[key] - max(before) // 1000)
gaps.sort()

# relaisd's logs: for each instance, its lives; in each, the keys it logged sent
lives = {}          # (instance, life) -> set of keys logged outcome=sent
ends = {}           # (instance, life) -> how it ended
span = {}           # (instance, life) -> [start_us, end_us]
unrec = collections.defaultdict(set)   # (instance, life) -> event ids outcome=unrecorded
taken_back = {}     # (instance, life) -> entries of its killed life it took back
for i in range(1, instances + 1):
    life, connected = 0, True
    with open(os.path.join(T, "relaisd-%d.log" % i), errors="replace") as f:
        for line in f:
            m = re.match(r"soak: life (\d+) starts at (\d+)", line)
            if m:
                life, connected = int(m.group(1)), True
                lives[(i, life)] = set()
                span[(i, life)] = [int(m.group(2)), float("inf")]
                continue
            if line.startswith("soak: "):
                ends[(i, life)] = line[6:].strip()
                m = re.search(r" at (\d+)", line)
                if m and (i, life) in span:
                    span[(i, life)][1] = int(m.group(1))
                continue
            m = re.search(r"event=(\S+) .* outcome=unrecorded ", line)
            if m:
                unrec[(i, life)].add(m.group(1))
            if "event=disconnected" in line:
                connected = False       # a later take-over is Redis's restart
            m = re.search(r"took over (\d+) pending entries of this consumer", line)
            if m and connected and (i, life) not in taken_back and \
                    ends.get((i, life - 1), "").startswith("killed"):
                taken_back[(i, life)] = int(m.group(1))
            m = re.search(r" outcome=sent key=([0-9a-f]+)", line)
            if m:
                lives.setdefault((i, life), set()).add(m.group(1))

# the retries relaisd logged (each a delivery's failed or refused attempt)
retries = collections.Counter()
opened = collections.defaultdict(collections.Counter)   # gateway -> rule -> times
unrecorded_n = 0    # jobs whose Redis call failed: the entry is read again
for i in range(1, instances + 1):
    with open(os.path.join(T, "relaisd-%d.log" % i), errors="replace") as f:
        for line in f:
            if " outcome=unrecorded " in line:
                unrecorded_n += 1
            m = re.search(r"gateway=(\S+) breaker=open .* rule=(\S+)", line)
            if m:
                opened[m.group(1)][m.group(2)] += 1
            if " outcome=retry " not in line:
                continue
            m = re.search(r' reason="(.*)"', line)
            why = m.group(1) if m else "?"
            why = re.sub(r" \(retry in \d+ ms\)$", "", why)
            why = re.sub(r"\d+", "N", why)
            g = re.search(r" gateway=(\S+)", line)
            retries["%s: %s" % (g.group(1) if g else "?", why[:80])] += 1

kill_times = [(us, a[1], int(a[2])) for us, a in actions if a[0] == "kill"]
redis_times = [us for us, a in actions if a[:2] == ["redis", "shutdown"]]

def explain(key, acc):
    first, second = acc[0], acc[1]
    logged = sorted("%s life %d" % ("relaisd-%d" % i, l)
                    for (i, l), ks in lives.items() if key in ks)
    ks = [k for k in kill_times if first["t_us"] <= k[0] <= second["t_us"]]
    rs = [r for r in redis_times if first["t_us"] - 5e6 <= r <= second["t_us"]]
    # the life that sent the first copy and saw its commit fail
    failed = [il for il, ids in unrec.items() if first.get("event_id") in ids and
              span.get(il, [0, 0])[0] <= first["t_us"] <= span.get(il, [0, 0])[1]]
    if failed:
        i, l = failed[0]
        return ("Redis restart window: %s (life %d) had the first copy accepted "
                "by %s %s, then its commit (sent marker + ack) failed with Redis "
                "(logged outcome=unrecorded): the entry stayed pending, was read "
                "again and sent again %.0f ms later (that copy logged sent by: %s)"
                % ("relaisd-%d" % i, l, first["sink"],
                   "%+.0f ms from the SHUTDOWN" % ((first["t_us"] - rs[0]) / 1e3)
                   if rs else "(no Redis restart near it)",
                   (second["t_us"] - first["t_us"]) / 1e3,
                   ", ".join(logged) or "nobody"))
    unrecorded = [k for k in ks
                  if key not in lives.get((int(k[1].split("-")[1]), k[2]), set())]
    if unrecorded:
        k = unrecorded[0]
        return ("relaisd kill -9 window: %s (life %d) was killed %.0f ms after %s "
                "accepted the first copy, before its commit (sent marker + ack) "
                "had run: the entry was read again and sent again %.0f ms later "
                "(that copy logged sent by: %s)"
                % (k[1], k[2], (k[0] - first["t_us"]) / 1e3, first["sink"],
                   (second["t_us"] - k[0]) / 1e3, ", ".join(logged) or "nobody"))
    if rs:
        return ("Redis restart window: Redis was shut down %.0f ms after the "
                "first acceptance, no commit failure logged (the second copy "
                "logged sent by: %s)"
                % ((rs[0] - first["t_us"]) / 1e3, ", ".join(logged) or "nobody"))
    return ("UNEXPLAINED: no kill -9 of an instance that had not logged it sent, "
            "and no Redis restart, between the two acceptances (logged sent "
            "by: %s)" % (", ".join(logged) or "nobody"))

print()
print("soak: per gateway    requests   2xx (new)   refused (503 / dropped)")
for name, (n, ok, refused) in per_sink.items():
    print("      %-14s %9d %11d %11d" % (name, n, ok, refused))
print()
rows = [
    ("events produced", produced),
    ("messages accepted", "%d (distinct keys; %d 2xx answers%s)" % (
        len(accepted), sum(len(a) for a in accepted.values()),
        ", %d replays answered from the key" % replayed if idem else "")),
    ("lost", "%d%s" % (len(lost), " (%d of them dead-lettered)" %
        sum(1 for s in lost if s in dead_by_seq) if lost else "")),
    ("duplicated", "%d keys accepted more than once%s" % (len(dups),
        "" if idem else " (gateways honour no Idempotency-Key)")),
    ("2xx -> sent marker", "p50 %s ms, p99 %s ms, max %s ms (%d messages; a kill -9 "
        "in this gap resends)" % ((gaps[len(gaps) // 2], gaps[int(len(gaps) * .99)],
        gaps[-1], len(gaps)) if gaps else ("-", "-", "-", 0))),
    ("kills (kill -9)", "%d (%d left entries in flight: %d entries taken back "
        "by the restarted instance)" % (kills, len(taken_back), sum(taken_back.values()))),
    ("redis restarts", restarts),
    ("crashes", crashes),
    ("duration", "%.1f s" % duration_s),
    ("dead letters", sum(dead_reasons.values())),
]
for k, v in rows:
    print("  %-20s %s" % (k, v))
for reason, n in dead_reasons.most_common():
    print("  %-20s %5d  %s" % ("", n, reason[:110]))
print("  %-20s %d" % ("retries", sum(retries.values())))
for reason, n in retries.most_common(6):
    print("  %-20s %5d  %s" % ("", n, reason))
print("  %-20s %d (a Redis call failed: entry left pending, read again)" % (
    "outcome=unrecorded", unrecorded_n))
print("  %-20s %s" % ("breakers opened", ", ".join(
    "%s %d times (rule %s)" % (g, sum(r.values()), ", ".join("%s %d" % kv for kv in sorted(r.items())))
    for g, r in sorted(opened.items())) or "never"))
if multikey:
    print("  recipients with more than one key: %d (e.g. newcomer.%d)" % (len(multikey), multikey[0]))
if strangers:
    print("  accepted messages for no produced event: %d" % strangers)
bad = bool(lost or dups or multikey or strangers)
if lost:
    print()
    print("lost (first 10):")
    for s in lost[:10]:
        seen = collections.Counter()
        for name in ("steady", "flaky", "outage"):
            for r in records(name):
                if r.get("to") == "newcomer.%d@bench.example" % s:
                    seen["%s:%s" % (name, r.get("status"))] += 1
        print("  newcomer.%d: dead letter: %s; requests: %s" % (
            s, dead_by_seq.get(s, "none"), dict(seen) or "none"))
if dups:
    print()
    windows = collections.Counter()
    lines = []
    for key, acc in sorted(dups.items(), key=lambda kv: kv[1][0]["t_us"]):
        why = explain(key, acc)
        windows[why.split(":")[0]] += 1
        lines.append("  %s %s: accepted %d times (%s); %s" % (
            key, acc[0].get("to"), len(acc),
            ", ".join("%s at %s" % (r["sink"], rel(r["t_us"])) for r in acc), why))
    print("duplicates by window: " + ", ".join("%s %d" % kv for kv in windows.most_common()))
    print("  (a provider accepted, and its sent marker was not written: relaisd died, or")
    print("  Redis went away, in between. The copy carried the same Idempotency-Key: a")
    print("  provider honouring it sends once (SOAK_IDEMPOTENT=1); one that does not,")
    print("  like Twilio, SendGrid, Mailgun, sends twice, as README's \"Not done yet\" says.)")
    for line in lines[:20]:
        print(line)
    if len(lines) > 20:
        print("  ... %d more" % (len(lines) - 20))
sys.exit(1 if bad else 0)
EOF
rc=0
python3 "$T/count.py" "$T" "$PRODUCED" "$KILLED" "$REDIS_RESTARTS" "$CRASHES" \
    "$(awk -v a="$T0_US" -v b="$END_US" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')" \
    "$IDEM" "$INSTANCES" || rc=$?
if [ -s "$T/redis-restart.added" ]; then
	read -r before after < "$T/redis-restart.added"
	echo "  redis restart: stream entries-added $before before SHUTDOWN, $after after restart (AOF everysec; SHUTDOWN fsyncs)"
fi
if [ -s "$T/problems.txt" ]; then
	echo "problems:"
	sed 's/^/  /' "$T/problems.txt"
	rc=1
fi
[ "$STOPPED_BAD" = 0 ] || rc=1
[ "$CRASHES" = 0 ] || rc=1
if [ "$rc" -ne 0 ]; then
	# the findings are above: spare lib.sh's cleanup the tails of every log
	mkdir "$T/logs" && mv "$T"/*.log "$T/logs/"
	KEEP=1
	echo "soak: FAILED (seed $SEED; logs, gateway records and timeline kept in $T)" >&2
	exit 1
fi
echo "soak: ok"
