# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway that keeps failing: each try spends an attempt, and after
# max_attempts the delivery is dead-lettered with the reason; no more
# requests go out, and nothing is left scheduled.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -D 503
MAX_ATTEMPTS=3 BACKOFF_BASE_MS=50 BACKOFF_CAP_MS=100 write_config
start_relaisd

emit "$(event g-1)"
wait_for 20 "a dead letter" 'test "$(dead_count)" = 1'
wait_for 10 "all handled" all_handled
assert_eq "$(requests gw)" 3 "requests (max_attempts 3)"
rcli xrange relais:dead - + | grep -q "^gave up after 3 attempts: HTTP 503" ||
    fail "dead letter reason: $(rcli xrange relais:dead - + | head -n 3)"
attempts=$(rcli xrange relais:deliveries - + | awk 'prev == "attempt" { print } { prev = $0 }' | tr '\n' ' ')
assert_eq "$attempts" "1 2 3 " "attempts recorded"
outcomes=$(rcli xrange relais:deliveries - + | awk 'prev == "outcome" { print } { prev = $0 }' | tr '\n' ' ')
assert_eq "$outcomes" "retry retry dead " "outcomes recorded"
stop_relaisd
echo "max attempts: ok"
