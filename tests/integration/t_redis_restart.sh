# redis-server restarts in the middle of a run (AOF on, as DESIGN.md asks):
# relaisd reconnects by itself and nothing is lost.
. "$(dirname "$0")/lib.sh"
start_redis --appendonly yes --appendfsync always
start_sink gw
start_relaisd

for i in $(seq 1 10); do
	emit "$(event "a-$i")"
done
wait_for 10 "first batch delivered" 'test "$(requests gw)" -ge 10'

rcli shutdown >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
wait_for 10 "redis to be gone" '! test -S "$T/redis.sock"'
sleep 0.5	# relaisd must live through a stretch without Redis
alive || fail "relaisd died when Redis went away"
redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly yes --appendfsync always --dir "$T" >> "$T/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for 10 "redis to come back" 'rcli ping'

for i in $(seq 11 20); do
	emit "$(event "a-$i")"
done
wait_for 20 "second batch delivered" 'test "$(requests gw)" -ge 20'
wait_for 10 "all handled" all_handled
alive || fail "relaisd died"
jq -r '.body' "$T/gw.jsonl" | jq -r '.event_id' | sort -u > "$T/ids"
for i in $(seq 1 20); do
	grep -qx "a-$i" "$T/ids" || fail "event a-$i lost"
done
grep -q "redis=reader .*event=connected" "$T/relaisd.log" || fail "no reconnect logged"
assert_eq "$(grep -c 'event=connected' "$T/relaisd.log")" 4 "connections (2 at start, 2 after restart)"
stop_relaisd
echo "redis restart: ok"
