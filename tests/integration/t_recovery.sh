# SPDX-License-Identifier: LiLiQ-P-1.1
# A mistake is recoverable (issue 12): a welcome that never reaches its
# newcomer (an address the gateway refuses, an address that is no address,
# an address on the suppression list) goes with the arrival that corrects
# the record; the counsellor is told which channel failed and why; an
# older event replayed later never writes the bad address back; a welcome
# that went out is never sent twice.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
# the gateway refuses the first two messages (400: permanent)
start_sink gw -s 400,400 -D 200
RELAIS_TEST_NOW=2026-03-04T19:30:00Z
export RELAIS_TEST_NOW
start_relaisd

arrival() {	# ID PERSON TIME EMAIL
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","time":"%s","data":{"person":{"id":"%s","first_name":"Olivier","last_name":"Roy","email":"%s","language":"fr","consent":{"email":true}},"territory":"abitibi"}}' \
	    "$1" "$3" "$2" "$4"
}
welcomes() {	# PERSON: the welcomes the gateway accepted for them
	jq -c 'select(.status == 200) | .body' "$T/gw.jsonl" | jq -r 'fromjson? // . | select(.template == "welcome") | .to' |
	    grep -c . || true
}
field() {
	rcli hget "relais:person:$1" "$2"
}

# 1. the gateway refuses the welcome (and the notice): the correction sends it
emit "$(arrival g-1 p-gw 2026-03-04T14:00:00-05:00 refused@example.com)"
wait_for 10 "the refusals" 'test "$(requests gw)" -ge 2'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(field p-gw welcome)" failed "welcome state after a refusal"
emit "$(arrival g-2 p-gw 2026-03-04T14:05:00-05:00 olivier.gw@example.com)"
wait_for 10 "the corrected welcome" 'test "$(requests gw)" -ge 3'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(body_field gw 3 .template)" welcome "third message"
assert_eq "$(body_field gw 3 .to)" olivier.gw@example.com "corrected welcome to"
assert_eq "$(field p-gw welcome)" sent "welcome state after the correction"

# 2. an address that is no address: dead-lettered, the counsellor told
before=$(requests gw)
emit "$(arrival a-1 p-bad 2026-03-04T14:00:00-05:00 'olivier@gmail,com')"
wait_for 10 "the counsellor's notice" 'test "$(requests gw)" -ge $((before + 1))'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(requests gw)" "$((before + 1))" "messages for the bad address (the notice only)"
notice=$(body_field gw "$((before + 1))" .text)
printf '%s\n' "$notice" | grep -qF "ATTENTION : le message de bienvenue n'a pas pu partir par courriel : l'adresse « olivier@gmail,com » n'est pas valide." ||
    fail "the notice does not say the welcome failed: $notice"
assert_eq "$(field p-bad welcome)" failed "welcome state of the bad address"
dead=$(rcli xrange relais:dead - + | grep -c "invalid email address" || true)
assert_eq "$dead" 1 "dead letter of the bad address"
letter=$(rcli --json xrange relais:dead - + | jq -r '.[] | select(.[1] | index("a-1")) | .[0]')
[ -n "$letter" ] || fail "no dead letter of a-1"

# the corrected arrival (a new event id) sends the welcome, once
emit "$(arrival a-2 p-bad 2026-03-04T14:10:00-05:00 olivier@gmail.com)"
wait_for 10 "the corrected welcome" 'test "$(requests gw)" -ge $((before + 2))'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(body_field gw "$((before + 2))" .to)" olivier@gmail.com "corrected welcome"
assert_eq "$(requests gw)" "$((before + 2))" "messages for the correction (the welcome only)"
assert_eq "$(field p-bad welcome)" sent "welcome state after the correction"
# the old letter replayed: the older event changes nothing, sends nothing
ctl dead replay "$letter" > "$T/replay.out" 2>&1 || true
wait_for 10 "the replay's note" \
    "grep -qF 'event=a-1 type=newcomer.arrived outcome=done note=\"person already registered by an earlier event: no second welcome\"' \"\$T/relaisd.log\""
wait_for 10 "the replay handled" all_handled_but_scheduled
assert_eq "$(field p-bad email)" olivier@gmail.com "address after the replay"
# a third arrival for the person, welcomed already: no second welcome
emit "$(arrival a-3 p-bad 2026-03-04T14:20:00-05:00 olivier@gmail.com)"
wait_for 10 "handled" all_handled_but_scheduled
wait_for 5 "the repeat's note" \
    "grep -qF 'event=a-3 type=newcomer.arrived outcome=done note=\"person already registered by an earlier event: no second welcome\"' \"\$T/relaisd.log\""
assert_eq "$(requests gw)" "$((before + 2))" "messages after the replay and the repeat"

# 3. an address on the suppression list: skipped; another address welcomes
ctl_ok suppress add old@example.com "bounced"
before=$(requests gw)
emit "$(arrival s-1 p-supp 2026-03-04T14:00:00-05:00 old@example.com)"
wait_for 10 "the notice" 'test "$(requests gw)" -ge $((before + 1))'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(body_field gw "$((before + 1))" .template)" arrival_notice "message for a suppressed address"
assert_eq "$(field p-supp welcome)" failed "welcome state of a suppressed address"
emit "$(arrival s-2 p-supp 2026-03-04T14:10:00-05:00 new@example.com)"
wait_for 10 "the welcome to the new address" 'test "$(requests gw)" -ge $((before + 2))'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(body_field gw "$((before + 2))" .to)" new@example.com "welcome after the change"
assert_eq "$(requests gw)" "$((before + 2))" "messages for the suppressed person"
stop_relaisd

# 4. a welcome sent by email stays sent when its SMS, deferred to the
# morning, cannot go after all (the number changed meanwhile): a later
# arrival sends no second welcome
both() {	# ID TIME PHONE
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","time":"%s","data":{"person":{"id":"p-both","first_name":"Olivier","last_name":"Roy","email":"both@example.com","phone":"%s","language":"fr","consent":{"email":true,"sms":true}},"territory":"abitibi"}}' \
	    "$1" "$2" "$3"
}
export RELAIS_TEST_NOW=2026-03-04T23:30:00-05:00	# no SMS at night
start_relaisd relaisd2
before=$(requests gw)
emit "$(both b-1 2026-03-04T23:00:00-05:00 +18195550111)"
wait_for 10 "the welcome email and the notice" 'test "$(requests gw)" -ge $((before + 2))'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(field p-both welcome)" sent "welcome state with the SMS deferred"
emit "$(both b-2 2026-03-04T23:10:00-05:00 +18195550199)"
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(field p-both phone)" +18195550199 "the number changed"
stop_relaisd
export RELAIS_TEST_NOW=2026-03-05T09:00:30-05:00
start_relaisd relaisd3
wait_for 15 "the SMS retry handled" \
    'test "$(rcli zrange relais:scheduled 0 -1 | grep -c "^retry " || true)" = 0 && all_handled_but_scheduled'
records | jq -r 'select(.outcome == "skipped") | .reason' | grep -q "the address on record changed since" ||
    fail "the deferred SMS was not skipped"
assert_eq "$(field p-both welcome)" sent "welcome state after the SMS was skipped"
emit "$(both b-3 2026-03-05T09:10:00-05:00 +18195550199)"
wait_for 10 "handled" all_handled_but_scheduled
wait_for 5 "the note" \
    "grep -qF 'event=b-3 type=newcomer.arrived outcome=done note=\"person already registered by an earlier event: no second welcome\"' \"\$T/relaisd3.log\""
n=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "welcome" and .to == "both@example.com") | .to' | wc -l)
assert_eq "$n" 1 "welcome emails to both@example.com"
stop_relaisd
echo "recovery: ok"
