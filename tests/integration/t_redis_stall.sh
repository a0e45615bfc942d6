# Redis stops answering (CLIENT PAUSE) for longer than command_timeout_ms:
# relaisd's own timeout fires, it drops and re-opens the connection, and
# the event pushed meanwhile is delivered once Redis answers again.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
COMMAND_TIMEOUT_MS=300 write_config
start_relaisd

rcli client pause 2500 all >/dev/null
emit "$(event stall-1)" &	# blocks until the pause ends
wait_for 10 "a command timeout" 'grep -q "reason=\"command timeout\"" "$T/relaisd.log"'
alive || fail "relaisd died"
wait_for 15 "delivery after the stall" 'test "$(requests gw)" -ge 1'
wait_for 10 "all handled" all_handled
stop_relaisd
echo "redis stall: ok"
