# SPDX-License-Identifier: LiLiQ-P-1.1
# The drain deadline passes while Redis does not answer (the gateway has
# accepted, the commits wait in a paused Redis): relaisd exits 0 by its
# deadline anyway, frees everything cleanly (no callback into freed work),
# and the unfinished entries are still there, pending, for the next start.
# Then a second signal during a drain exits at once.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"


start_redis
start_sink gw -D hold:200	# every request held until SIGUSR1
# Redis stays paused far past the drain bound, and its silence is no
# command timeout within it: only the drain bound can end the wait
DRAIN_TIMEOUT_MS=2500 COMMAND_TIMEOUT_MS=60000 write_config
start_relaisd
for i in $(seq 1 5); do
	emit "$(event "u-$i")"
done
wait_for 10 "five requests in flight" 'test "$(requests gw)" -ge 5'
rcli client pause 60000 write >/dev/null	# (ALL would hold UNPAUSE too)
kill -USR1 "$gw_PID"
wait_for 10 "relaisd to have the five answers" \
    'test "$(metric "relais_gateway_latency_seconds_count{gateway=\"webhook\"}")" = 5'
kill -TERM "$RELAISD_PID"
# 2.5 s of drain, then out: well before Redis answers again (60 s)
wait_for 15 "relaisd to exit by its drain bound" 'exited "$RELAISD_PID"'
rc=0
wait "$RELAISD_PID" || rc=$?
assert_eq "$rc" 0 "exit status after the drain timeout"
grep -q "drain timeout: 5 entries still in flight" "$T/relaisd.log" ||
    fail "drain timeout not reported"
rcli client unpause >/dev/null
assert_eq "$(pending)" 5 "entries left pending for the next start"
assert_eq "$(rcli --scan --pattern 'relais:sent:*' | wc -l)" 0 "sent markers (no commit got through)"

# the next start finishes them (the gateway now holds what it gets, until
# told); with a drain bound of a minute, only a second signal ends a drain
kill -USR1 "$gw_PID"
DRAIN_TIMEOUT_MS=60000 write_config
start_relaisd
wait_for 10 "the five sent again" 'test "$(requests gw)" -ge 10'
kill -USR1 "$gw_PID"
wait_for 15 "the five handled after restart" all_handled
for i in $(seq 6 10); do
	emit "$(event "u-$i")"
done
wait_for 10 "new requests in flight" 'test "$(requests gw)" -ge 15'
kill -TERM "$RELAISD_PID"
wait_for 10 "the second drain to start" \
    'test "$(grep -c "stop reading, finishing 5 entries" "$T/relaisd.log")" = 2'
kill -INT "$RELAISD_PID"
wait_for 10 "relaisd to exit on the second signal" 'exited "$RELAISD_PID"'
rc=0
wait "$RELAISD_PID" || rc=$?
assert_eq "$rc" 0 "exit status after a second signal"
grep -q "second signal: exiting now" "$T/relaisd.log" || fail "second signal not logged"
assert_eq "$(pending)" 5 "entries left pending by the second signal"
echo "drain timeout and second signal: ok"
