# SPDX-License-Identifier: LiLiQ-P-1.1
# systemd notification: READY=1 once running, WATCHDOG=1 pings from the
# loop at half the WatchdogSec period, STOPPING=1 on SIGTERM. A datagram
# socket plays systemd.
. "$(dirname "$0")/lib.sh"
start_redis
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode() + "\n---\n")
PY
PIDS+=($!)
wait_for 10 "the notify socket" 'test -S "$T/notify.sock"'
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start_relaisd
wait_for 10 "READY=1" 'grep -q "^READY=1" "$T/notify.log"'
wait_for 10 "three watchdog pings" 'test "$(grep -c "^WATCHDOG=1" "$T/notify.log")" -ge 3'
grep -q "systemd watchdog: ping every 200 ms" "$T/relaisd.log" || fail "watchdog period"
kill -HUP "$RELAISD_PID"
wait_for 10 "reload status" 'grep -q "STATUS=running; configuration reloaded" "$T/notify.log"'
stop_relaisd
grep -q "^STOPPING=1" "$T/notify.log" || fail "no STOPPING=1"
echo "systemd notify: ok"
