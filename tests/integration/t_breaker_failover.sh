# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway that fails trips its circuit breaker: deliveries fail over to the
# route's second gateway instead of spending attempts. Once the cool-down is
# over exactly one probe goes to it: a failed probe opens the breaker again,
# a probe that succeeds closes it, and while a probe is out nothing else is
# sent there. Nothing is lost, nothing is dead-lettered, nothing is
# accepted twice.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
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
wait_for 10 "the admin port in the log" 'grep -q "admin listening on" "$T/relaisd.log"'
url=http://127.0.0.1:$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)

# the primary's breaker transitions, one word each
moves() {
	sed -n 's/.*gateway=webhook breaker=\([a-z-]*\).*/\1/p' "$T/relaisd.log"
}
count() {
	grep -c "gateway=webhook breaker=$1" "$T/relaisd.log" || true
}
half_open() {
	curl -s "$url/metrics" |
	    grep -q '^relais_gateway_breaker_state{gateway="webhook"} 1$'
}
# event ids the sink NAME saw, one per request
seen() {
	jq -r '.body | fromjson? | .event_id // empty' "$T/$1.jsonl"
}
reached() {
	{ seen gw; seen gw2; } | grep -qx "$1"
}

for i in $(seq 1 10); do
	emit "$(event "f-$i")"
done
wait_for 20 "all ten accepted by the second gateway" 'test "$(requests gw2)" -ge 10'
wait_for 10 "all handled" all_handled
# while closed every answer is a 503: the second one in a row opens it
first=$(grep "gateway=webhook breaker=" "$T/relaisd.log" | head -n 1)
case $first in
*"breaker=open failures=2 cooldown_ms=1000 rule=failures "*) ;;
*) fail "expected the breaker to open after 2 failures, got: $first" ;;
esac
# Sent while closed: the ten first attempts, and at most one retry (only
# one failure was counted before the second opened it). After that, only
# probes, and each one failed and opened it again.
probes=$(count half-open)
[ "$(requests gw)" -le $((11 + probes)) ] ||
    fail "primary kept receiving while open: $(requests gw) requests, $probes probes"
assert_eq "$(count "open .*rule=probe")" "$probes" "failed probes that reopened"
assert_eq "$(grep -c "gateway=webhook2 breaker=" "$T/relaisd.log" || true)" 0 \
    "the second gateway's breaker moves"
assert_eq "$(dead_count)" 0 "dead letters"
before=$(moves | wc -l)

# The primary comes back on the same port, in the same relaisd process: its
# first answer a 503, its second a 200 held 6 s, then 200s.
port=$gw_PORT
kill -TERM "$gw_PID"; wait "$gw_PID" 2>/dev/null || true
mv "$T/gw.jsonl" "$T/gw-down.jsonl"; rm -f "$T/gw.port"
start_sink gw -l "127.0.0.1:$port" -s "503,delay:6000:200" -D 200
assert_eq "$gw_PORT" "$port" "primary port"

# past the cool-down, nothing else in flight: f-11 is the probe, and fails
wait_for 10 "the breaker to be half-open" half_open
emit "$(event f-11)"
wait_for 10 "the failed probe to open the breaker again" \
    'test "$(count "open .*rule=probe")" -gt "$probes"'
assert_eq "$(seen gw | head -n 1)" "f-11" "the first probe"

# the next probe is held 6 s by the gateway: meanwhile others fail over
wait_for 10 "the breaker to be half-open again" half_open
emit "$(event f-12)"
wait_for 10 "the second probe to go out" \
    'test "$(count half-open)" -ge $((probes + 2))'
for i in $(seq 13 15); do
	emit "$(event "f-$i")"
	wait_for 10 "f-$i to reach a gateway" reached "f-$i"
done
wait_for 15 "the probe to close the breaker" 'test "$(count closed)" -ge 1'
assert_eq "$(moves | tail -n +$((before + 1)) | tr '\n' ' ')" \
    "half-open open half-open closed " "transitions once the primary is back"
# Nothing reached the primary while its probe (request 2) was held: a
# request after it arrived, at the earliest, as the probe was answered.
t2=$(sed -n 2p "$T/gw.jsonl" | jq -r .t_us)
early=$(tail -n +3 "$T/gw.jsonl" | jq -r --argjson t "$t2" \
    'select(.t_us < $t + 6000000) | .body | fromjson? | .event_id')
# shellcheck disable=SC2086,SC2116 # the ids on one line
[ -z "$early" ] ||
    fail "sent to the primary while its probe was out: $(echo $early)"

# closed: traffic returns to the primary
for i in $(seq 16 20); do
	emit "$(event "f-$i")"
	wait_for 10 "f-$i to reach a gateway" reached "f-$i"
	seen gw | grep -qx "f-$i" ||
	    fail "f-$i went to the second gateway with the primary closed"
done
wait_for 10 "all handled" all_handled
accepted=$(cat "$T/gw.jsonl" "$T/gw2.jsonl" | jq -r 'select(.status == 200) | .headers["idempotency-key"]')
assert_eq "$(printf '%s\n' "$accepted" | sort -u | wc -l)" 20 "messages accepted"
assert_eq "$(printf '%s\n' "$accepted" | wc -l)" 20 "accepted without duplicates"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "breaker and failover: ok"
