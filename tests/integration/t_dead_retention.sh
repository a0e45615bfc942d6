# SPDX-License-Identifier: LiLiQ-P-1.1
# Dead letters hold the original event (names, addresses): they are kept
# redis.dead_retention_days (90 by default, Law 25) and then removed.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
now=$(rcli time | head -n 1)
old=$(( (now - 91 * 86400) * 1000 ))
young=$(( (now - 89 * 86400) * 1000 ))
rcli xadd relais:dead "$old-0" reason "HTTP 400" payload '{"id":"old"}' >/dev/null
rcli xadd relais:dead "$young-0" reason "HTTP 400" payload '{"id":"young"}' >/dev/null
start_relaisd
wait_for 10 "the letter older than 90 days removed" 'test "$(dead_count)" = 1'
assert_eq "$(rcli xrange relais:dead - + | grep -c young)" 1 "the letter younger than 90 days"
stop_relaisd
echo "dead letter retention: ok"
