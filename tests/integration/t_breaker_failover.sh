# A gateway that fails trips its circuit breaker: deliveries fail over to the
# route's second gateway instead of spending attempts; once the first is
# back, a probe closes the breaker and traffic returns. Nothing is lost,
# nothing is dead-lettered, nothing is accepted twice.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D 503
start_sink gw2
write_config
# a second webhook gateway; both with a small breaker
sed -i 's|^  webhook:$|  webhook2:\n    kind: webhook\n    url: http://127.0.0.1:'"$gw2_PORT"'/messages\n    breaker_failures: 2\n    breaker_cooldown_ms: 1000\n  webhook:\n    breaker_failures: 2\n    breaker_cooldown_ms: 1000|' "$T/relais.yaml"
sed -i 's|gateways: \[ "${RELAIS_EMAIL_GATEWAY:-outbox}" \]|gateways: [ webhook, webhook2 ]|' "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check >/dev/null || fail "test config refused"
start_relaisd

for i in $(seq 1 10); do
	emit "$(event "f-$i")"
done
wait_for 20 "all ten accepted by the second gateway" 'test "$(requests gw2)" -ge 10'
wait_for 10 "all handled" all_handled
grep -q "gateway=webhook breaker=open" "$T/relaisd.log" || fail "breaker did not open"
[ "$(requests gw)" -le 3 ] || fail "primary kept receiving while open: $(requests gw)"
assert_eq "$(dead_count)" 0 "dead letters"

# the primary comes back on the same port: after the cool-down one probe
# closes the breaker, in the same relaisd process
port=$gw_PORT
kill -TERM "$gw_PID"; wait "$gw_PID" 2>/dev/null || true
mv "$T/gw.jsonl" "$T/gw-down.jsonl"; rm -f "$T/gw.port"
start_sink gw -l "127.0.0.1:$port"
assert_eq "$gw_PORT" "$port" "primary port"
sleep 1.2	# past the cool-down: only then may a probe go
# the first message is the probe (others sent while it is out fail over)
emit "$(event f-11)"
wait_for 10 "the probe to close the breaker" \
    'grep -q "gateway=webhook breaker=closed" "$T/relaisd.log"'
for i in $(seq 12 15); do
	emit "$(event "f-$i")"
done
wait_for 15 "the primary to take traffic again" 'test "$(requests gw)" -ge 5'
wait_for 10 "all handled" all_handled
accepted=$(cat "$T/gw.jsonl" "$T/gw2.jsonl" | jq -r 'select(.status == 200) | .headers["idempotency-key"]')
assert_eq "$(printf '%s\n' "$accepted" | sort -u | wc -l)" 15 "messages accepted"
assert_eq "$(printf '%s\n' "$accepted" | wc -l)" 15 "accepted without duplicates"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "breaker and failover: ok"
