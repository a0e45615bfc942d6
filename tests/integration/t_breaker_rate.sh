# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway failing every other request never fails 5 times in a row, yet
# it is failing: at 50 % of the last 20 answers its breaker opens too, and
# traffic goes to the route's second gateway. A request sent before the
# breaker opened that answers 200 afterwards must not close it: only a probe
# may, and the cool-down (an hour) outlasts the scenario. Nothing is lost.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# Request 1 is held 10 s, then accepted: the stale answer. The others go
# through the second of the gateway's two slots one at a time, so relaisd
# reads their answers in script order: 503, 200, 503, 200, ...
script="delay:10000:200,$(for i in $(seq 1 20); do printf '503,200,'; done)"
start_redis
start_sink gw -s "${script%,}" -D 503
start_sink gw2
write_config
sed -i "s/^    max_concurrency: 32$/    max_concurrency: 2/" "$T/relais.yaml"
sed -i 's|^  webhook:$|  webhook2:\n    kind: webhook\n    url: http://127.0.0.1:'"$gw2_PORT"'/messages\n  webhook:\n    breaker_failures: 5\n    breaker_failure_rate: 50\n    breaker_cooldown_ms: 3600000|' "$T/relais.yaml"
sed -i 's|gateways: \[ "${RELAIS_EMAIL_GATEWAY:-outbox}" \]|gateways: [ webhook, webhook2 ]|' "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check >/dev/null || fail "test config refused"
start_relaisd

opened() {
	grep -q "gateway=webhook breaker=open" "$T/relaisd.log"
}

# event ids the sink NAME saw, one per request
seen() {
	jq -r '.body | fromjson? | .event_id // empty' "$T/$1.jsonl"
}

# One at a time, so that the answers come in script order. opened_at: the
# last message emitted before the breaker was seen open.
opened_at=""
for i in $(seq 1 40); do
	emit "$(event "fr-$i")"
	wait_for 10 "fr-$i to reach a gateway" \
	    'test $(( $(requests gw) + $(requests gw2) )) -ge '"$i"
	[ -n "$opened_at" ] || ! opened || opened_at=$i
done
wait_for 10 "the breaker to open" opened
# 20 answers fill the window (10 failed, the 20th a 200); the 21st, a 503,
# keeps it at 50 % and opens it; request 1 is still held.
grep -q "gateway=webhook breaker=open failures=1 cooldown_ms=3600000 rule=rate " \
    "$T/relaisd.log" ||
    fail "expected the breaker to open on the rate with failures=1, got: $(grep breaker "$T/relaisd.log")"
[ "$(requests gw)" -ge 22 ] ||
    fail "the breaker opened before a full window: $(requests gw) requests"
# Until it opens nothing goes to gw2, and gw's requests after the first take
# one slot in turn: its 22nd request (21st answer) opens the breaker, and its
# 24th cannot start before its 23rd was answered, after the 22nd's answer.
# So once 24 requests reached the sinks (fr-24's wait) the line is in the
# log: 24 at the latest, one spare.
[ -n "$opened_at" ] && [ "$opened_at" -le 25 ] ||
    fail "the breaker was not seen open by fr-25 (first seen after fr-${opened_at:-never})"

# the held request answers 200 while the breaker is open
wait_for 20 "the held request to be accepted" \
    'grep -q "event=fr-1 .*gateway=webhook outcome=sent" "$T/relaisd.log"'
for i in $(seq 41 45); do
	emit "$(event "fr-$i")"
	wait_for 10 "fr-$i to reach a gateway" "{ seen gw; seen gw2; } | grep -qx fr-$i"
done
wait_for 30 "all handled" all_handled

assert_eq "$(grep -c "gateway=webhook breaker=" "$T/relaisd.log")" 1 \
    "breaker transitions (one open, no probe, no close)"
late=$(seen gw | awk -F- -v n="$opened_at" '$2 > n' | sort -u | tr '\n' ' ')
[ -z "$late" ] ||
    fail "messages emitted after the breaker opened reached the failing gateway: $late"
accepted=$(cat "$T/gw.jsonl" "$T/gw2.jsonl" | jq -r 'select(.status == 200) | .headers["idempotency-key"]')
assert_eq "$(printf '%s\n' "$accepted" | sort -u | wc -l)" 45 "messages accepted"
assert_eq "$(printf '%s\n' "$accepted" | wc -l)" 45 "accepted without duplicates"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "breaker on failure rate: ok"
