# A gateway failing every other request never fails 5 times in a row, yet
# it is failing: at 50 % of the last 20 answers its breaker opens too, and
# traffic goes to the route's second gateway. Nothing is lost.
. "$(dirname "$0")/lib.sh"
script=$(for i in $(seq 1 20); do printf '503,200,'; done)
start_redis
start_sink gw -s "${script%,}" -D 503
start_sink gw2
write_config
sed -i "s/^    max_concurrency: 32$/    max_concurrency: 1/" "$T/relais.yaml"
sed -i 's|^  webhook:$|  webhook2:\n    kind: webhook\n    url: http://127.0.0.1:'"$gw2_PORT"'/messages\n  webhook:\n    breaker_failures: 5\n    breaker_failure_rate: 50\n    breaker_cooldown_ms: 60000|' "$T/relais.yaml"
sed -i 's|gateways: \[ "${RELAIS_EMAIL_GATEWAY:-outbox}" \]|gateways: [ webhook, webhook2 ]|' "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check >/dev/null || fail "test config refused"
start_relaisd
# one at a time: messages already queued for a gateway when its breaker
# opens still go to it (only new traffic fails over), so a burst would make
# the count below depend on timing
for i in $(seq 1 40); do
	emit "$(event "fr-$i")"
	wait_for 10 "fr-$i to reach a gateway" \
	    'test $(( $(requests gw) + $(requests gw2) )) -ge '"$i"
done
wait_for 30 "all handled" all_handled
grep -q "gateway=webhook breaker=open failures=[1-4] " "$T/relaisd.log" ||
    fail "the breaker did not open on the rate: $(grep breaker "$T/relaisd.log")"
[ "$(requests gw)" -le 21 ] || fail "the failing gateway kept getting traffic: $(requests gw)"
accepted=$(cat "$T/gw.jsonl" "$T/gw2.jsonl" | jq -r 'select(.status == 200) | .headers["idempotency-key"]' | sort -u | wc -l)
assert_eq "$accepted" 40 "messages accepted"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "breaker on failure rate: ok"
