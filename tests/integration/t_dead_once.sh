# SPDX-License-Identifier: LiLiQ-P-1.1
# An event whose deliveries all die is kept once (Law 25): the first dead
# letter holds its bytes, the others say where (payload_in); a replay of
# either puts the event back.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw -s 400,400
export RELAIS_TEST_NOW=2026-03-04T14:30:00-05:00	# the SMS goes now
start_relaisd

emit "$(event d-1 '"email":"ana@example.com","phone":"819-555-0123","consent":{"email":true,"sms":true}')"
wait_for 10 "two dead letters" 'test "$(dead_count)" = 2'
wait_for 10 "all handled" all_handled
assert_eq "$(rcli xrange relais:dead - + | grep -c '"id":"d-1"')" 1 "letters holding the event"
first=$(rcli xrange relais:dead - + | head -n 1)
second=$(rcli xrange relais:dead - + | grep -A1 -x payload_in | tail -n 1)
assert_eq "$second" "$first" "the second letter points at the first"
other=$(rcli xrevrange relais:dead + - COUNT 1 | head -n 1)
[ -n "$other" ] && [ "$other" != "$first" ] || fail "no second letter"
# replaying the letter without the bytes replays the event (the sink now 200s)
rc=0
out=$(ctl dead replay "$other" 2>&1) || rc=$?
assert_eq "$rc" 0 "replay of the second letter ($out)"
wait_for 10 "the event sent again" 'test "$(requests gw)" -ge 4'
wait_for 10 "all handled" all_handled
assert_eq "$(body_field gw 3 .event_id)" d-1 "replayed event"
stop_relaisd
echo "dead letters once per event: ok"
