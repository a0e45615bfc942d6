# SIGTERM: relaisd stops reading, finishes what is in flight, exits 0, and
# what it had not started stays in the stream for the next start.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D delay:1000:200
start_relaisd

for i in $(seq 1 5); do
	emit "$(event "s-$i")"
done
wait_for 10 "five requests in flight" 'test "$(requests gw)" -ge 5'
kill -TERM "$RELAISD_PID"
rc=0
wait "$RELAISD_PID" || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
assert_eq "$(pending)" 0 "entries left pending (in-flight work was finished)"
assert_eq "$(rcli keys 'relais:sent:*' | wc -l)" 5 "sent markers"
grep -q "drained: nothing in flight" "$T/relaisd.log" || fail "no drain logged"

# events pushed after the stop wait for the next start
emit "$(event s-6)"
start_relaisd
wait_for 10 "s-6 delivered" 'test "$(requests gw)" -ge 6'
stop_relaisd
echo "SIGTERM drain: ok"
