# A producer retrying with the same event id gets one message out, not two.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

emit "$(event d-1)"
emit "$(event d-1)"
emit "$(event d-2)"
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 2 "requests (d-1 once, d-2 once)"
grep -q "event=d-1 type=newcomer.arrived outcome=duplicate" "$T/relaisd.log" ||
    fail "duplicate not logged"
# replaying the same entry after the sent marker exists sends nothing either
rcli del relais:seen:d-1 >/dev/null
emit "$(event d-1)"
wait_for 10 "handled" all_handled
assert_eq "$(requests gw)" 2 "requests after replay without dedupe marker"
rcli xrange relais:deliveries - + | grep -qx "already sent" || fail "skip not recorded"
stop_relaisd
echo "duplicates: ok"
