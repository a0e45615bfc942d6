# SPDX-License-Identifier: LiLiQ-P-1.1
# Redis stops answering (CLIENT PAUSE) for longer than command_timeout_ms:
# relaisd's own timeout fires, it drops and re-opens the connection (Redis
# sees new clients), and the event pushed meanwhile is delivered once Redis
# answers again, exactly once.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# relaisd_clients: ids of the Redis clients besides the redis-cli asking
relaisd_clients() {
	rcli client list | grep -v 'cmd=client|list' | sed 's/^id=\([0-9]*\) .*/\1/' | sort -n
}

start_redis
start_sink gw
COMMAND_TIMEOUT_MS=300 write_config
start_relaisd
wait_for 10 "both connections" 'test "$(relaisd_clients | wc -l)" = 2'
before=$(relaisd_clients | tail -n 1)

rcli client pause 2500 all >/dev/null
emit "$(event stall-1)" &	# blocks until the pause ends
wait_for 10 "a command timeout" 'grep -q "reason=\"command timeout\"" "$T/relaisd.log"'
alive || fail "relaisd died"
wait_for 15 "delivery after the stall" 'test "$(requests gw)" -ge 1'
wait_for 10 "all handled" all_handled
# the connections in use now were opened after the stall
wait_for 10 "two connections" 'test "$(relaisd_clients | wc -l)" = 2'
for id in $(relaisd_clients); do
	[ "$id" -gt "$before" ] || fail "connection $id was opened before the stall (newest then: $before)"
done
assert_eq "$(requests gw)" 1 "requests"
assert_eq "$(body_field gw 1 .event_id)" stall-1 "the event sent"
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx sent)" 1 "sent records"
stop_relaisd
echo "redis stall: ok"
