# SPDX-License-Identifier: LiLiQ-P-1.1
# An SMS to a newcomer at 23:00 on a Thursday waits for the window's next
# opening, Friday 9:00 in Rouyn-Noranda's time zone, and goes out then:
# deferred, never dropped, with no attempt spent. (RELAIS_TEST_NOW sets the
# daemon's clock: tests only.)
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
write_config
RELAIS_TEST_NOW=2026-11-26T23:00:00-05:00 start_relaisd

emit "$(event night-1 '"phone":"819-555-0123","consent":{"sms":true}')"
wait_for 10 "the SMS to be deferred" 'test "$(rcli zcard relais:scheduled)" = 1'
assert_eq "$(requests gw)" 0 "requests at 23:00"
# Friday 2026-11-27 09:00 in America/Toronto (EST, UTC-5) is 14:00 UTC
due=$(rcli zrange relais:scheduled 0 0 withscores | sed -n 2p)
assert_eq "$due" "$(( $(date -d 2026-11-27T14:00:00Z +%s) * 1000 ))" "deferred to Friday 9:00"
rcli xrange relais:deliveries - + | grep -q "outside window sms-hours: deferred to 2026-11-27T14:00:00.000Z" ||
    fail "deferral not recorded"
stop_relaisd

# the next morning, one second after the window opens
RELAIS_TEST_NOW=2026-11-27T09:00:01-05:00 start_relaisd
wait_for 10 "the SMS to go out at 9:00" 'test "$(requests gw)" -ge 1'
wait_for 10 "all handled" all_handled
assert_eq "$(body_field gw 1 .to)" "+18195550123" "number normalised to E.164"
assert_eq "$(body_field gw 1 .channel)" sms "channel"
rcli xrange relais:deliveries - + | grep -qx gsm7 || fail "encoding not recorded"
outcomes=$(rcli xrange relais:deliveries - + | awk 'prev == "outcome" { print } { prev = $0 }' | tr '\n' ' ')
assert_eq "$outcomes" "deferred sent " "recorded outcomes"
attempts=$(rcli xrange relais:deliveries - + | awk 'prev == "attempt" { print } { prev = $0 }' | tr '\n' ' ')
assert_eq "$attempts" "1 1 " "attempts (a deferral spends none)"
stop_relaisd
echo "SMS window: ok"
