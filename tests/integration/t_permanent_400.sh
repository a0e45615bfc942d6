# SPDX-License-Identifier: LiLiQ-P-1.1
# A 400 is permanent: one request, a dead letter with the gateway's reason,
# and no retry.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D 400
start_relaisd

emit "$(event p-1)"
wait_for 10 "a dead letter" 'test "$(dead_count)" = 1'
wait_for 10 "acknowledged" all_handled
rcli xrange relais:dead - + | grep -q "^HTTP 400" || fail "reason does not name HTTP 400"
rcli xrange relais:dead - + | grep -qx p-1 || fail "dead letter without the event id"
assert_eq "$(requests gw)" 1 "requests"
assert_eq "$(rcli zcard relais:scheduled)" 0 "nothing scheduled"
stop_relaisd
echo "400 is permanent: ok"
