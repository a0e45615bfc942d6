# SPDX-License-Identifier: LiLiQ-P-1.1
# SIGTERM: relaisd stops reading, finishes what is in flight, exits 0, and
# an event pushed while it drains is not read: it stays in the stream, in
# no pending list, for the next start.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"


start_redis
start_sink gw -D hold:200	# held until SIGUSR1: the drain lasts until then
start_relaisd

for i in $(seq 1 5); do
	emit "$(event "s-$i")"
done
wait_for 10 "five requests in flight" 'test "$(requests gw)" -ge 5'
kill -TERM "$RELAISD_PID"
wait_for 10 "the drain to start" \
    'grep -q "signal 15: stop reading, finishing 5 entries in flight" "$T/relaisd.log"'
# its last blocking read (block_ms 200) ends, and no other follows
wait_for 10 "relaisd to stop reading (no read for a second)" 'test "$(reader_idle)" -ge 2'
alive || fail "relaisd exited with five requests still in flight"

# pushed while it drains: a second of drain later, still unread
emit "$(event s-6)"
id6=$(rcli xrevrange relais:events + - count 1 | head -n 1)
since=$(reader_idle)
wait_for 10 "a second of drain after the push, without a read" \
    'test "$(reader_idle)" -ge $((since + 2))'
alive || fail "relaisd exited with five requests still in flight"
assert_eq "$(pending)" 5 "entries pending while draining (the five in flight)"
rcli xpending relais:events relais - + 10 | grep -qx "$id6" &&
    fail "s-6 was read during the drain"

# the gateway answers: the drain ends
kill -USR1 "$gw_PID"
rc=0
wait "$RELAISD_PID" || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
assert_eq "$(pending)" 0 "entries left pending (in-flight work was finished)"
assert_eq "$(rcli --scan --pattern 'relais:sent:*' | wc -l)" 5 "sent markers"
assert_eq "$(requests gw)" 5 "requests (s-6 not sent)"
assert_eq "$(rcli xrange relais:events - + | head -n 1)" "$id6" "the entry left in the stream"
assert_eq "$(rcli xlen relais:events)" 1 "entries left in the stream"
grep -q "drained: nothing in flight" "$T/relaisd.log" || fail "no drain logged"

# the next start reads it
kill -TERM "$gw_PID"
wait "$gw_PID" 2>/dev/null || true
mv "$T/gw.jsonl" "$T/gw-before.jsonl"
rm -f "$T/gw.port"
start_sink gw
write_config
start_relaisd
wait_for 10 "s-6 delivered" all_handled
assert_eq "$(requests gw)" 1 "requests after the restart"
assert_eq "$(body_field gw 1 .event_id)" s-6 "the event sent after the restart"
stop_relaisd
echo "SIGTERM drain: ok"
