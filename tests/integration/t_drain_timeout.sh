# The drain deadline passes while Redis does not answer: relaisd exits 0
# anyway, frees everything cleanly (no callback into freed work), and the
# unfinished entries are still there, pending, for the next start.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D delay:1000:200
DRAIN_TIMEOUT_MS=2500 COMMAND_TIMEOUT_MS=8000 write_config
start_relaisd
for i in $(seq 1 5); do
	emit "$(event "u-$i")"
done
wait_for 10 "five requests in flight" 'test "$(requests gw)" -ge 5'
rcli client pause 5000 all >/dev/null
kill -TERM "$RELAISD_PID"
rc=0
wait "$RELAISD_PID" || rc=$?
assert_eq "$rc" 0 "exit status after the drain timeout"
grep -q "drain timeout: 5 entries still in flight" "$T/relaisd.log" ||
    fail "drain timeout not reported"
wait_for 10 "Redis to answer again" 'rcli ping'
assert_eq "$(pending)" 5 "entries left pending for the next start"

# a second signal during a drain exits at once, as cleanly
start_relaisd
wait_for 15 "the five delivered after restart" all_handled
for i in $(seq 6 10); do
	emit "$(event "u-$i")"
done
wait_for 10 "new requests in flight" 'test "$(requests gw)" -ge 12'
kill -TERM "$RELAISD_PID"
sleep 0.1
kill -INT "$RELAISD_PID"
rc=0
wait "$RELAISD_PID" || rc=$?
assert_eq "$rc" 0 "exit status after a second signal"
grep -q "second signal: exiting now" "$T/relaisd.log" || fail "second signal not logged"
echo "drain timeout and second signal: ok"
