# SPDX-License-Identifier: LiLiQ-P-1.1
# max_inflight bounds the work in flight: with 3 allowed and a gateway that
# holds every request until told, exactly 3 are out at a time, relaisd
# stops reading while full (its reading connection goes quiet, the other
# nine stay unread in the stream), and all twelve get through, 3 by 3.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"


start_redis
start_sink gw -D hold:200
MAX_INFLIGHT=3 write_config
start_relaisd

for i in $(seq 1 12); do
	emit "$(event "b-$i")"
done
for round in 1 2 3 4; do
	wait_for 10 "round $round: three requests in flight" \
	    'test "$(requests gw)" -ge $((3 * round))'
	wait_for 10 "round $round: relaisd to stop reading while full" \
	    'test "$(reader_idle)" -ge 2'
	assert_eq "$(requests gw)" $((3 * round)) "round $round: requests at the gateway"
	assert_eq "$(pending)" 3 "round $round: entries read and not finished"
	assert_eq "$(rcli xlen relais:events)" $((15 - 3 * round)) \
	    "round $round: entries in the stream (read or not)"
	kill -USR1 "$gw_PID"
done
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 12 "requests"
assert_eq "$(jq -r '.body | fromjson | .event_id' "$T/gw.jsonl" | sort -u | wc -l)" 12 "events sent"
stop_relaisd
echo "backpressure: ok (3 in flight at a time)"
