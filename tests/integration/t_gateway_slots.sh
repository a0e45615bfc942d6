# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway's max_concurrency bounds its sends, not the work read: with 3
# slots, twelve events read at once and a gateway that holds every request
# until told, exactly 3 requests are out at a time while the other nine
# wait in relaisd (as messages, their requests made when a slot frees),
# oldest first; all twelve get through once, 3 by 3.
. "$(dirname "$0")/lib.sh"

start_redis
start_sink gw -D hold:200
write_config
sed -i "s/^    max_concurrency: 32$/    max_concurrency: 3/" "$T/relais.yaml"
grep -q "^    max_concurrency: 3$" "$T/relais.yaml" || fail "no max_concurrency to set"
start_relaisd

for i in $(seq 1 12); do
	emit "$(event "s-$i")"
done
# every entry read: the nine beyond the slots wait in relaisd, not in Redis
wait_for 10 "the twelve entries read" 'test "$(pending)" -eq 12'
for round in 1 2 3 4; do
	wait_for 10 "round $round: three requests out" \
	    'test "$(requests gw)" -ge $((3 * round))'
	sleep 0.3	# a fourth request, were one sent, would be in by now
	assert_eq "$(requests gw)" $((3 * round)) "round $round: requests at the gateway"
	assert_eq "$(pending)" $((15 - 3 * round)) "round $round: entries not finished"
	kill -USR1 "$gw_PID"
done
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 12 "requests"
ids=$(jq -r '.body | fromjson | .event_id' "$T/gw.jsonl")
assert_eq "$(printf '%s\n' "$ids" | sort -u | wc -l)" 12 "events sent, each once"
# oldest first: the first three read are the first three sent
assert_eq "$(printf '%s\n' "$ids" | head -3 | sort | tr '\n' ' ')" "s-1 s-2 s-3 " \
    "the first round"
stop_relaisd
echo "gateway slots: ok (3 out at a time, twelve read at once)"
