# SPDX-License-Identifier: LiLiQ-P-1.1
# redis-server restarts while relaisd has entries read and in flight (AOF
# on, appendfsync always, so its pending list survives): relaisd reconnects
# by itself, takes back its own pending entries that it no longer holds (an
# XREADGROUP Redis ran but whose reply died with the connection), leaves
# alone those still in flight here, and every event goes out exactly once.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# per_event: "<event id> <requests>" per event the gateway saw
per_event() {
	jq -r '.body | fromjson | .event_id' "$T/gw.jsonl" | sort | uniq -c |
	    awk '{ print $2, $1 }'
}


stop_redis() {
	rcli shutdown >/dev/null 2>&1 || true
	wait "$REDIS_PID" 2>/dev/null || true
	wait_for 10 "redis to be gone" '! test -S "$T/redis.sock"'
}

restart_redis() {
	redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
	    --save "" --appendonly yes --appendfsync always --dir "$T" >> "$T/redis.log" 2>&1 &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	# PONG, not LOADING: the AOF is read before Redis answers anything
	wait_for 10 "redis to come back" 'test "$(rcli ping)" = PONG'
}

start_redis --appendonly yes --appendfsync always
# the first five requests are held until SIGUSR1, the others answered at once
start_sink gw -I -s hold:200,hold:200,hold:200,hold:200,hold:200
start_relaisd
for i in $(seq 1 5); do
	emit "$(event "a-$i")"
done
wait_for 10 "five requests in flight" 'test "$(requests gw)" -ge 5'

# relaisd is frozen (a VM pause) through what follows. Its blocking read
# ends first; then three entries are read for it (as by an XREADGROUP of
# its own whose reply was lost) and Redis restarts under it.
kill -STOP "$RELAISD_PID"
# a failure from here on must not leave it stopped (SIGTERM would wait)
trap 'rc=$?; kill -CONT "$RELAISD_PID" 2>/dev/null; (exit $rc); cleanup' EXIT
# (quiet for over a second: a read it had sent just before was served)
wait_for 10 "relaisd's blocking read to end" 'test "$(reader_idle)" -ge 2'
for i in 1 2 3; do
	emit "$(event "lost-$i")"
done
rcli xreadgroup group relais relaisd count 10 streams relais:events '>' >/dev/null
assert_eq "$(pending)" 8 "entries pending for relaisd (5 in flight, 3 it never saw)"
stop_redis
restart_redis
assert_eq "$(pending)" 8 "entries pending after the restart (AOF)"
kill -CONT "$RELAISD_PID"
trap cleanup EXIT

# the three come back to it by its own recovery after the reconnect; the
# five held ones are still in flight and must not be taken again
wait_for 20 "the three lost entries delivered" 'test "$(requests gw)" -ge 8'
alive || fail "relaisd died when Redis went away"
kill -USR1 "$gw_PID"
wait_for 20 "all handled" all_handled

# a second batch after the restart
for i in $(seq 6 10); do
	emit "$(event "a-$i")"
done
wait_for 20 "second batch handled" 'test "$(requests gw)" -ge 13 && all_handled'
alive || fail "relaisd died"
for id in a-1 a-2 a-3 a-4 a-5 a-6 a-7 a-8 a-9 a-10 lost-1 lost-2 lost-3; do
	per_event | grep -qx "$id 1" ||
	    fail "$id: expected one request, got: $(per_event | grep "^$id " || echo none)"
done
assert_eq "$(requests gw)" 13 "requests"
assert_eq "$(jq -r '.headers["idempotency-key"]' "$T/gw.jsonl" | sort -u | wc -l)" 13 "distinct keys"
assert_eq "$(rcli --scan --pattern 'relais:sent:*' | wc -l)" 13 "sent markers"
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx sent)" 13 "sent records"
assert_eq "$(dead_count)" 0 "dead letters"
assert_eq "$(grep -c 'redis=reader .*event=connected' "$T/relaisd.log")" 2 \
    "reader connections (start, after the restart)"
grep -q "took over 3 pending entries of this consumer" "$T/relaisd.log" ||
    fail "own recovery not logged"
stop_relaisd
echo "redis restart: ok"
