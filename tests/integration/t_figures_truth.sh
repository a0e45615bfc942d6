# SPDX-License-Identifier: LiLiQ-P-1.1
# The figures count each real-world fact once, whatever runs an event
# again: relaisd killed (-9) between the state script and the commit, a
# dead letter replayed (the state runs again, it is not a retry), a repeat;
# open follow-ups follow a person who moves and leave with forget (Law 25);
# a message marked sent early, before a crash, is counted once. From the
# review of the figures (findings 1, 2, 3, 4).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
# Monday 30 November 2026, 11:00 in Québec
RELAIS_TEST_NOW=2026-11-30T16:00:00Z
export RELAIS_TEST_NOW
NOV=relais:figures:abitibi:2026-11
TNOV=relais:figures:temiscamingue:2026-11
fig() {	# KEY FIELD: the figure, 0 when absent
	local v
	v=$(rcli hget "$1" "$2")
	echo "${v:-0}"
}

# 1. Five arrivals whose messages are held by the gateway: the state
# script ran, the commit did not; relaisd is killed, restarted on a
# gateway that answers, and handles the entries again.
start_sink gw -D hold:200
start_relaisd
for i in 1 2 3 4 5; do emit "$(event "k-$i")"; done
wait_for 10 "ten messages held" 'test "$(requests gw)" -ge 10'
assert_eq "$(rcli --scan --pattern 'relais:person:p-k-*' | wc -l | tr -d ' ')" 5 \
    "people stored before the crash"
assert_eq "$(fig "$NOV" arrivals)" 0 "arrivals before any commit"
kill -9 "$RELAISD_PID"
wait "$RELAISD_PID" 2>/dev/null || true
kill -TERM "$gw_PID"
wait "$gw_PID" 2>/dev/null || true
rm -f "$T/gw.port"
mv "$T/gw.jsonl" "$T/gw-held.jsonl"
start_sink gw
start_relaisd
wait_for 15 "every entry handled again" all_handled_but_scheduled
assert_eq "$(fig "$NOV" arrivals)" 5 "arrivals after kill -9 between state and commit"
assert_eq "$(fig "$NOV" welcomed)" 5 "people welcomed after the crash"

# 2. A follow-up whose check-in is dead-lettered (no valid address), then
# replayed days later: counted due once, its reminder time kept.
arrive() {	# id person territory time email
	emit '{"specversion":"1.0","id":"'"$1"'","source":"crm","type":"newcomer.arrived","time":"'"$4"'","data":{"person":{"id":"'"$2"'","first_name":"Ana","language":"fr","email":"'"$5"'","consent":{"email":true}},"territory":"'"$3"'","arrival_date":"2026-11-30"}}'
}
due() {	# id person kind
	emit '{"specversion":"1.0","id":"'"$1"'","source":"crm","type":"followup.due","data":{"person":{"id":"'"$2"'"},"followup":{"kind":"'"$3"'","due_at":"2026-11-30T14:00:00Z"}}}'
}
arrive a-q q-1 abitibi 2026-11-30T09:00:00Z not-an-address
wait_for 10 "the arrival handled" all_handled_but_scheduled
due fu-q q-1 d7
wait_for 10 "the check-in's dead letter" 'test "$(rcli xlen relais:dead)" -ge 2'
wait_for 10 "the follow-up handled" all_handled_but_scheduled
assert_eq "$(fig "$NOV" arrivals)" 6 "arrivals with q-1"
assert_eq "$(fig "$NOV" followups_due)" 1 "follow-ups due"
score=$(rcli zscore relais:followups-open:abitibi d7:q-1)
record=$(rcli hget relais:person:q-1 fu:d7)
[ -n "$score" ] || fail "q-1's d7 not open after its reminder"
stop_relaisd
RELAIS_TEST_NOW=2026-12-05T16:00:00Z start_relaisd
# dead again (the address is still invalid): exit status 1, not a crash
run_ctl dead replay --all
assert_eq "$rc" 1 "relaisctl dead replay --all (dead again): $out $err"
wait_for 10 "the replays handled" all_handled_but_scheduled
assert_eq "$(fig "$NOV" followups_due)" 1 "follow-ups due after the replay (November)"
assert_eq "$(fig relais:figures:abitibi:2026-12 followups_due)" 0 \
    "follow-ups due after the replay (December)"
assert_eq "$(fig relais:figures:abitibi:2026-12 arrivals)" 0 \
    "arrivals after the arrival's letter replayed"
assert_eq "$(rcli zscore relais:followups-open:abitibi d7:q-1)" "$score" \
    "the reminder time after the replay (the overdue clock)"
assert_eq "$(rcli hget relais:person:q-1 fu:d7)" "$record" "q-1's d7 record"
stop_relaisd

# 3. A person reminded, then moved: the open follow-up moves with them,
# done there; another left open, and one an older relaisd left behind,
# are listed by export and erased by forget.
start_relaisd
arrive a-m1 m-1 abitibi 2026-11-30T10:00:00Z m-1@example.com
wait_for 10 "m-1 arrived" all_handled_but_scheduled
due fu-m1 m-1 d7
wait_for 10 "m-1 reminded" all_handled_but_scheduled
[ -n "$(rcli zscore relais:followups-open:abitibi d7:m-1)" ] || fail "m-1's d7 not open"
arrive a-m2 m-1 temiscamingue 2026-11-30T12:00:00Z m-1@example.com
wait_for 10 "m-1 moved" all_handled_but_scheduled
assert_eq "$(rcli zscore relais:followups-open:abitibi d7:m-1)" "" "d7:m-1 left in abitibi"
[ -n "$(rcli zscore relais:followups-open:temiscamingue d7:m-1)" ] ||
    fail "d7:m-1 did not move to temiscamingue"
emit '{"specversion":"1.0","id":"done-m1","source":"crm","type":"followup.done","data":{"person":{"id":"m-1"},"followup":{"kind":"d7"}}}'
wait_for 10 "done handled" all_handled_but_scheduled
assert_eq "$(rcli zscore relais:followups-open:temiscamingue d7:m-1)" "" "d7:m-1 open after done"
assert_eq "$(fig "$TNOV" followups_done)" 1 "follow-ups done where m-1 lives"
assert_eq "$(fig "$NOV" arrivals)" 7 "arrivals (a move is not one)"
assert_eq "$(fig "$TNOV" arrivals)" 0 "arrivals in temiscamingue"
due fu-m2 m-1 d30
wait_for 10 "m-1 reminded again" all_handled_but_scheduled
rcli zadd relais:followups-open:abitibi 1790000000000 d90:m-1 >/dev/null
stop_relaisd
ctl_ok export m-1
assert_eq "$(echo "$out" | jq '.followups_open | length')" 2 "open follow-ups exported"
ctl_ok forget m-1
for k in $(rcli --scan --pattern 'relais:followups-open:*'); do
	rcli zrange "$k" 0 -1 | grep -q ':m-1$' && fail "$k still names m-1 after forget"
done
assert_eq "$(rcli zscore relais:followups-open:abitibi d7:q-1)" "$score" \
    "another person's open follow-up after forget"

# 4. Welcome emails answered and marked sent early (the SMS of the same
# events still out), then relaisd killed: after the restart they are
# "already sent" and must have been counted with their marker.
start_sink mail
start_sink sms -D hold:200
sed -i 's|^  webhook:$|  webhook2:\n    kind: webhook\n    url: http://127.0.0.1:'"$sms_PORT"'/sms\n  webhook:|' "$T/relais.yaml"
awk '/channel: sms \}/ && /newcomer.arrived/ { sms = 1 }
    sms && /window: sms-hours/ { sms = 0; next }
    /^  - match:/ && !/channel: sms \}/ { sms = 0 }
    { print }' "$T/relais.yaml" > "$T/relais.yaml.tmp" && mv "$T/relais.yaml.tmp" "$T/relais.yaml"
w0=$(fig "$NOV" welcomed)
e0=$(fig "$NOV" welcomed:email)
s0=$(fig "$NOV" sent:welcome:email)
both='"email":"ana@example.com","phone":"+18195550123","consent":{"email":true,"sms":true}'
for i in 1 2 3 4 5; do emit "$(event "e-$i" "$both")"; done
RELAIS_SMS_GATEWAY=webhook2 RELAIS_WEBHOOK_URL=http://127.0.0.1:$mail_PORT/messages start_relaisd
wait_for 10 "five SMS held" 'test "$(requests sms)" -ge 5'
wait_for 10 "ten emails answered" 'test "$(requests mail)" -ge 10'
for k in $(jq -r '.headers["idempotency-key"]' "$T/mail.jsonl"); do
	wait_for 10 "marker $k" '[ "$(rcli exists "relais:sent:$k")" = 1 ]'
done
kill -9 "$RELAISD_PID"
wait "$RELAISD_PID" 2>/dev/null || true
kill -TERM "$sms_PID"
wait "$sms_PID" 2>/dev/null || true
rm -f "$T/sms.port"
mv "$T/sms.jsonl" "$T/sms-held.jsonl"
start_sink sms
sed -i '/^  webhook2:$/,/^  webhook:$/ s|^    url: .*|    url: http://127.0.0.1:'"$sms_PORT"'/sms|' "$T/relais.yaml"
RELAIS_SMS_GATEWAY=webhook2 RELAIS_WEBHOOK_URL=http://127.0.0.1:$mail_PORT/messages start_relaisd
wait_for 15 "every entry handled again" all_handled_but_scheduled
assert_eq "$(requests mail)" 10 "emails sent (none twice)"
assert_eq "$(( $(fig "$NOV" sent:welcome:email) - s0 ))" 5 \
    "welcome emails counted, marked sent before the crash"
assert_eq "$(( $(fig "$NOV" welcomed:email) - e0 ))" 5 "people welcomed by email"
assert_eq "$(( $(fig "$NOV" welcomed) - w0 ))" 5 "people welcomed"
stop_relaisd
exit 0
