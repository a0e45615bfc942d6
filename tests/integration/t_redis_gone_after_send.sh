# SPDX-License-Identifier: LiLiQ-P-1.1
# Redis goes away while a gateway holds the message; the gateway then
# accepts it, and relaisd cannot commit. The entry stays pending and is
# read again once Redis is back: the sent marker relaisd owed is written
# first, so the message is not sent a second time.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis --appendonly yes --appendfsync always
start_sink gw -s hold:200
start_relaisd

emit "$(event g-1)"
wait_for 10 "the gateway to hold the message" 'test "$(requests gw)" -ge 1'
rcli shutdown >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
wait_for 10 "redis to be gone" '! test -S "$T/redis.sock"'
kill -USR1 "$gw_PID"	# the gateway accepts now
wait_for 10 "the commit to fail" 'grep -q "outcome=unrecorded" "$T/relaisd.log"'
redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly yes --appendfsync always --dir "$T" >> "$T/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for 10 "redis to come back" 'rcli ping'
wait_for 20 "the entry read again and finished" all_handled
assert_eq "$(requests gw)" 1 "requests (the accepted message not sent again)"
assert_eq "$(rcli keys 'relais:sent:*' | wc -l)" 1 "sent marker"
grep -q "outcome=skipped .*reason=\"already sent\"" "$T/relaisd.log" ||
    fail "the entry read again did not find its marker"
alive || fail "relaisd died"
stop_relaisd
echo "redis gone after the send: ok"
