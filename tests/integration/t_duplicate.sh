# SPDX-License-Identifier: LiLiQ-P-1.1
# A producer retrying with the same event id gets one message out, not two:
# counted at the gateway (per event id and Idempotency-Key) and in
# relais:deliveries (the duplicate records no delivery at all), also when
# the copy comes while the first is still in flight; and an entry replayed
# after its dedupe marker is gone is stopped by the sent marker.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# per_event ID: requests the gateway saw for event ID
per_event() {
	jq -r '.body | fromjson | .event_id' "$T/gw.jsonl" | grep -cx "$1" || true
}

# outcomes ID: the outcomes relais:deliveries recorded for event ID, in order
outcomes() {
	rcli --json xrange relais:deliveries - + |
	    jq -r --arg id "$1" '.[] | .[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add |
		select(.event_id == $id) | if .reason != "" then "\(.outcome):\(.reason)" else .outcome end' |
	    tr '\n' ' ' | sed 's/ $//'
}

start_redis
# d-1 and d-2 answered at once; the third request (d-3) is held
start_sink gw -s 200,200,hold:200
start_relaisd

emit "$(event d-1)"
emit "$(event d-1)"
emit "$(event d-2)"
wait_for 10 "all handled" all_handled
assert_eq "$(per_event d-1)" 1 "requests for d-1 (emitted twice)"
assert_eq "$(per_event d-2)" 1 "requests for d-2"
assert_eq "$(requests gw)" 2 "requests"
assert_eq "$(jq -r '.headers["idempotency-key"]' "$T/gw.jsonl" | sort -u | wc -l)" 2 "distinct keys"
assert_eq "$(outcomes d-1)" sent "relais:deliveries for d-1"
assert_eq "$(outcomes d-2)" sent "relais:deliveries for d-2"
assert_eq "$(rcli xlen relais:deliveries)" 2 "relais:deliveries records"
grep -q "event=d-1 type=newcomer.arrived outcome=duplicate" "$T/relaisd.log" ||
    fail "duplicate not logged"

# a copy pushed while the first is still at the gateway is a duplicate too
emit "$(event d-3)"
wait_for 10 "d-3 in flight" 'test "$(requests gw)" -ge 3'
emit "$(event d-3)"
wait_for 10 "the copy of d-3 handled" 'test "$(rcli xlen relais:events)" = 1'
assert_eq "$(pending)" 1 "entries pending (the first d-3, in flight)"
kill -USR1 "$gw_PID"
wait_for 10 "all handled" all_handled
assert_eq "$(per_event d-3)" 1 "requests for d-3 (the copy came while it was in flight)"
assert_eq "$(outcomes d-3)" sent "relais:deliveries for d-3"

# replaying the same event after its dedupe marker expired sends nothing
# either: the sent marker stops it, and the skip is recorded
rcli del relais:seen:d-1 >/dev/null
emit "$(event d-1)"
wait_for 10 "handled" all_handled
assert_eq "$(per_event d-1)" 1 "requests for d-1 after the replay"
assert_eq "$(outcomes d-1)" "sent skipped:already sent" "relais:deliveries for d-1 after the replay"
assert_eq "$(rcli --scan --pattern 'relais:sent:*' | wc -l)" 3 "sent markers"
stop_relaisd
echo "duplicates: ok"
