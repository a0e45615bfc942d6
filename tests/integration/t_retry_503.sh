# SPDX-License-Identifier: LiLiQ-P-1.1
# A gateway answering 503 then 200: the message is delivered once, after a
# retry through the scheduled set, with the same Idempotency-Key both times.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 503,200
start_relaisd

emit "$(event r-1)"
wait_for 15 "the retry to reach the gateway" 'test "$(requests gw)" -ge 2'
wait_for 10 "the retry entry to be acknowledged" all_handled
wait_for 10 "the scheduled set to empty" 'test "$(rcli zcard relais:scheduled)" = 0'

assert_eq "$(requests gw)" 2 "requests (one failed, one sent)"
assert_eq "$(sink_field gw 1 .status)" 503 "first answer"
assert_eq "$(sink_field gw 2 .status)" 200 "second answer"
key=$(sink_field gw 1 '.headers["idempotency-key"]')
echo "$key" | grep -Eqx '[0-9a-f]{32}' || fail "Idempotency-Key: '$key'"
assert_eq "$key" \
    "$(sink_field gw 2 '.headers["idempotency-key"]')" "same Idempotency-Key on retry"
outcomes=$(rcli xrange relais:deliveries - + | awk 'prev == "outcome" { print } { prev = $0 }' | tr '\n' ' ')
assert_eq "$outcomes" "retry sent " "recorded outcomes"
rcli xrange relais:deliveries - + | grep -q "HTTP 503" || fail "retry reason not recorded"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "retry after 503: ok"
