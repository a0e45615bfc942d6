# kill -9 while requests are in flight, then restart: every event is
# delivered, none lost; a message resent after the crash carries the same
# Idempotency-Key as its first try, so the provider can drop the copy.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D delay:2000:200
start_relaisd

for i in $(seq 1 20); do
	emit "$(event "k-$i")"
done
wait_for 10 "requests in flight at the gateway" 'test "$(requests gw)" -ge 20'
kill -9 "$RELAISD_PID"
wait "$RELAISD_PID" 2>/dev/null || true
[ "$(pending)" -gt 0 ] || fail "nothing pending after kill -9"

# the gateway is fast now; the restarted daemon resumes its own pending entries
kill -TERM "$gw_PID"
wait "$gw_PID" 2>/dev/null || true
mv "$T/gw.jsonl" "$T/gw-before.jsonl"
rm -f "$T/gw.port"
start_sink gw
write_config
start_relaisd
wait_for 20 "every entry handled" all_handled

# every event answered by the gateway after the restart (exact ids)
jq -r '.body' "$T/gw.jsonl" | jq -r '.event_id' | sort -u > "$T/ids"
for i in $(seq 1 20); do
	grep -qx "k-$i" "$T/ids" || fail "event k-$i never reached the gateway"
done
# every key sent twice is the same message: count distinct keys per event
keys=$(cat "$T/gw-before.jsonl" "$T/gw.jsonl" | jq -r '.headers["idempotency-key"]' | sort -u | wc -l)
assert_eq "$keys" 20 "distinct Idempotency-Keys (one per message)"
assert_eq "$(rcli keys 'relais:sent:*' | wc -l)" 20 "sent markers"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "kill -9 and restart: ok ($(requests gw) resent after the crash)"
