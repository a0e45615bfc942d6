# SPDX-License-Identifier: LiLiQ-P-1.1
# Entries left pending by a consumer that died are taken over once idle past
# claim_idle_ms; an entry delivered more than max_deliveries times is a
# poison message and goes to the dead-letter stream instead.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
rcli xgroup create relais:events relais 0 mkstream >/dev/null
emit "$(event orphan-1)"
poison_id=$(rcli xadd relais:events '*' event "$(event poison-1)")
# a consumer "ghost" reads both and dies without acknowledging
rcli xreadgroup group relais ghost count 10 streams relais:events '>' >/dev/null
# the poison entry has been handed out again and again
for i in $(seq 1 5); do
	rcli xclaim relais:events relais ghost 0 "$poison_id" >/dev/null
done

CLAIM_IDLE_MS=1000 CLAIM_INTERVAL_MS=200 MAX_DELIVERIES=3 write_config
# a short takeover time needs short gateway timeouts (relaisd --check says so)
sed -i 's/^    timeout_ms: 15000$/    timeout_ms: 300\n    connect_timeout_ms: 100/' "$T/relais.yaml"
start_relaisd
wait_for 15 "both entries handled" all_handled
assert_eq "$(requests gw)" 1 "requests (the orphan only)"
assert_eq "$(body_field gw 1 .event_id)" orphan-1 "the orphan was delivered"
assert_eq "$(dead_count)" 1 "dead letters"
# the dead letter: which entry, why, how often it was read, its bytes
dead=$(rcli --json xrange relais:dead - + |
    jq -c '.[0][1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add')
assert_eq "$(echo "$dead" | jq -r .reason)" "poison message: read 7 times without completing" "poison reason"
assert_eq "$(echo "$dead" | jq -r .stream_id)" "$poison_id" "dead letter's stream id"
assert_eq "$(echo "$dead" | jq -r .attempts)" 7 "dead letter's read count"
assert_eq "$(echo "$dead" | jq -r .payload)" "$(event poison-1)" "dead letter's payload (the original bytes)"
# the orphan went out once, recorded, and nothing is left with the ghost
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx sent)" 1 "sent records"
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx orphan-1)" 1 "the orphan's record"
assert_eq "$(rcli --json xinfo consumers relais:events relais |
    jq -r '.[] | select(.name == "ghost") | .pending')" 0 "entries left with the ghost"
# the two may be taken over in one pass or two, as they went idle
grep -q "took over [12] pending entries idle too long" "$T/relaisd.log" ||
    fail "takeover not logged"
stop_relaisd
echo "claim and poison: ok"
