# SPDX-License-Identifier: LiLiQ-P-1.1
# systemd notification: STATUS= says relaisd waits for Redis, READY=1 only
# once Redis answers; STATUS= again when Redis goes away and comes back;
# WATCHDOG=1 pings from the loop at half the WatchdogSec period, STOPPING=1
# on SIGTERM. A datagram socket plays systemd.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
# a datagram (READY=1 and its STATUS=, lines together) in one write: line
# buffering let a reader see READY=1 before the STATUS= line beside it
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode() + "\n---\n")
        log.flush()
PY
PIDS+=($!)
wait_for 10 "the notify socket" 'test -S "$T/notify.sock"'
write_config
# Redis is not there yet: relaisd starts, says what it waits for
RELAIS_REDIS_URL="unix://$T/redis.sock" RELAIS_CONSUMER=notify \
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 \
    "$BUILD/relaisd" -c "$T/relais.yaml" >> "$T/relaisd.log" 2>&1 &
RELAISD_PID=$!
PIDS+=("$RELAISD_PID")
wait_for 10 "STATUS=waiting" "grep -qx 'STATUS=waiting for Redis at unix:$T/redis.sock' \"\$T/notify.log\""
wait_for 10 "three watchdog pings" 'test "$(grep -c "^WATCHDOG=1" "$T/notify.log")" -ge 3'
grep -q "^READY=1" "$T/notify.log" && fail "READY=1 before Redis answered"
grep -q "systemd watchdog: ping every 200 ms" "$T/relaisd.log" || fail "watchdog period"

start_redis
wait_for 10 "READY=1" 'grep -q "^READY=1" "$T/notify.log"'
grep -A1 "^READY=1" "$T/notify.log" | grep -qx "STATUS=running; Redis at unix:$T/redis.sock answers" ||
    fail "no running status with READY=1: $(cat "$T/notify.log")"
kill -HUP "$RELAISD_PID"
wait_for 10 "reload status" 'grep -q "STATUS=running; configuration reloaded" "$T/notify.log"'

# Redis goes away and comes back: said both times, READY=1 once only
rcli shutdown nosave >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
wait_for 10 "the lost connection in STATUS" \
    "grep -qx 'STATUS=waiting for Redis at unix:$T/redis.sock (connection lost; reconnecting)' \"\$T/notify.log\""
start_redis
wait_for 15 "running again" \
    'test "$(grep -c "^STATUS=running; Redis at .* answers" "$T/notify.log")" = 2'
assert_eq "$(grep -c "^READY=1" "$T/notify.log")" 1 "READY=1 datagrams"
stop_relaisd
# relaisd has exited, but on a loaded machine its last datagram may still
# wait in the socket for the reader above to log it
wait_for 10 "STOPPING=1" 'grep -q "^STOPPING=1" "$T/notify.log"'
echo "systemd notify: ok"
