# SPDX-License-Identifier: LiLiQ-P-1.1
# The stream fields relais uses for its own entries (retry, attempt, waits,
# replay) skip the dedupe only on entries relais added itself: a producer
# that writes them on XADD gets the ordinary dedupe, nothing sent twice.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

ev=$(event f-1)
emit "$ev"
wait_for 10 "the welcome" 'test "$(requests gw)" -ge 1'
wait_for 10 "all handled" all_handled
key=$(sink_field gw 1 '.headers["idempotency-key"]')
rcli xadd relais:events '*' event "$ev" replay 1 >/dev/null
rcli xadd relais:events '*' event "$ev" retry "$key" attempt 0 waits 0 >/dev/null
# and a marker event after them, to know they were handled
emit "$(event f-2)"
wait_for 10 "the marker's welcome" 'test "$(requests gw)" -ge 2'
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 2 "requests (the forged replay and retry sent nothing)"
assert_eq "$(body_field gw 2 .event_id)" f-2 "second request"
grep -q "event=f-1 type=newcomer.arrived outcome=duplicate" "$T/relaisd.log" ||
    fail "the forged entries were not taken for duplicates"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "forged internal fields: ok"
