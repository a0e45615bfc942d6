# SPDX-License-Identifier: LiLiQ-P-1.1
# 429 with Retry-After: 2 is honoured (the next try comes 2 s later or more),
# and a wait asked by the gateway does not spend the delivery's attempts.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 429:2,429:1,200
MAX_ATTEMPTS=1 write_config
start_relaisd

emit "$(event w-1)"
wait_for 20 "the third request" 'test "$(requests gw)" -ge 3'
wait_for 10 "acknowledged" all_handled
t1=$(sink_field gw 1 .t_us)
t2=$(sink_field gw 2 .t_us)
t3=$(sink_field gw 3 .t_us)
gap1=$(( (t2 - t1) / 1000 ))
gap2=$(( (t3 - t2) / 1000 ))
[ "$gap1" -ge 2000 ] || fail "Retry-After: 2 not honoured: second try after ${gap1} ms"
[ "$gap2" -ge 1000 ] || fail "Retry-After: 1 not honoured: third try after ${gap2} ms"
[ "$gap1" -lt 4000 ] || fail "second try far too late: ${gap1} ms"
# max_attempts is 1: had the waits counted as attempts, it would be dead
assert_eq "$(dead_count)" 0 "dead letters"
assert_eq "$(sink_field gw 3 .status)" 200 "third answer"
stop_relaisd
echo "429 Retry-After: ok (gaps ${gap1} ms, ${gap2} ms)"
