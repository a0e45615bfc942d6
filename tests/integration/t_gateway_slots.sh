# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway's max_concurrency bounds its sends, not the work read: with 3
# slots, twelve events read at once and a gateway that holds every request
# until told, exactly 3 requests are out at a time while the other nine
# wait in relaisd as messages (relais_gateway_waiting: their requests are
# made when a slot frees), oldest first; all twelve get through once, 3 by 3.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

start_redis
start_sink gw -D hold:200
write_config
sed -i "s/^    max_concurrency: 32$/    max_concurrency: 3/" "$T/relais.yaml"
grep -q "^    max_concurrency: 3$" "$T/relais.yaml" || fail "no max_concurrency to set"
start_relaisd
wait_for 10 "the admin port in the log" 'grep -q "admin listening on" "$T/relaisd.log"'
port=$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)

# gauge NAME: its value for the webhook gateway
gauge() {
	curl -s "http://127.0.0.1:$port/metrics" |
	    sed -n 's/^'"$1"'{gateway="webhook"} \([0-9]*\)$/\1/p'
}

for i in $(seq 1 12); do
	emit "$(event "s-$i")"
done
for round in 1 2 3 4; do
	left=$((12 - 3 * round))
	wait_for 10 "round $round: three requests out" \
	    'test "$(requests gw)" -ge $((3 * round))'
	wait_for 10 "round $round: $left sends waiting in relaisd" \
	    'test "$(gauge relais_gateway_waiting)" = "$left"'
	wait_for 10 "round $round: entries not finished" \
	    'test "$(pending)" -eq $((left + 3))'
	sleep 0.3	# a fourth request, were one sent, would be in by now
	assert_eq "$(requests gw)" $((3 * round)) "round $round: requests at the gateway"
	assert_eq "$(gauge relais_gateway_sending)" 3 "round $round: sends on the wire"
	kill -USR1 "$gw_PID"
done
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 12 "requests"
assert_eq "$(gauge relais_gateway_waiting)" 0 "sends waiting at the end"
assert_eq "$(gauge relais_gateway_sending)" 0 "sends on the wire at the end"
ids=$(jq -r '.body | fromjson | .event_id' "$T/gw.jsonl")
assert_eq "$(printf '%s\n' "$ids" | sort -u | wc -l)" 12 "events sent, each once"
# oldest first: the first three read are the first three sent
assert_eq "$(printf '%s\n' "$ids" | head -3 | sort | tr '\n' ' ')" "s-1 s-2 s-3 " \
    "the first round"
stop_relaisd
echo "gateway slots: ok (3 out at a time, the rest waiting as messages)"
