# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisctl export (Law 25: access): after a person's arrival (profile,
# counsellor, follow-ups, matching index, an employer's ledger, another's
# digest), a retry of their welcome (503), an SMS deferred to its window, a
# dead letter, an opt-out with its history, and events still unread, the
# export lists each, changes nothing in Redis, and names nobody else. Export
# is checked against the same byte search as forget: what forget then
# erases is exactly what export listed, and an export after forget finds
# nothing (exit 1).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw -s 503,200
# Tuesday 3 March 2026, 06:00 in Québec: SMS waits for its window
RELAIS_TEST_NOW=2026-03-03T11:00:00Z
export RELAIS_TEST_NOW
start_relaisd

ID=xp-5821 EMAIL=Xavier.P5821@Example.com PHONE=+18195555821
arrival() {	# event-id person email phone
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Xavier","last_name":"Pépin","email":"%s","phone":"%s","language":"fr","consent":{"email":true,"sms":true,"share_profile":true}},"territory":"vallee-de-l-or","arrival_date":"2026-02-20","profile":{"occupation":"72106","skills":["Soudure"]}}}' \
	    "$1" "$2" "$3" "$4"
}
# run_export ARGS...: relaisctl's stdout in $T/out.json, stderr in $T/err, status in $rc
run_export() {
	rc=0
	ctl "$@" > "$T/out.json" 2> "$T/err" || rc=$?
}
# q JQ: a value of the last export
q() {
	jq -r "$1" "$T/out.json"
}

emit '{"specversion":"1.0","id":"job-1","source":"jobs","type":"job.posted","data":{"job":{"id":"j-1","title":"Soudeur","occupation":"72106","skills":["soudure"],"territory":"vallee-de-l-or"},"employer":{"id":"e-9","name":"Forages","contact":{"email":"rh@forages.example"}}}}'
emit "$(arrival arr-1 "$ID" "$EMAIL" "$PHONE")"
# the first message to reach the gateway gets a 503: one of theirs
wait_for 15 "their welcome and notice, one retried" 'test "$(requests gw)" -ge 3'
emit "$(arrival arr-2 keep-2 keep2@example.com +18195550002)"
emit '{"specversion":"1.0","id":"bad-1","source":"crm","type":"followup.done","data":{"person":{"id":"'"$ID"'"}}}'
wait_for 15 "the other's welcome and notice" 'test "$(requests gw)" -ge 5'
emit '{"specversion":"1.0","id":"job-2","source":"jobs","type":"job.posted","data":{"job":{"id":"j-2","title":"Soudeuse","occupation":"72106","skills":["soudure"],"territory":"vallee-de-l-or"},"employer":{"id":"e-8","name":"Usinage","contact":{"email":"rh@usinage.example"}}}}'
wait_for 15 "the employer alert" 'test "$(requests gw)" -ge 6'
wait_for 10 "the dead letter" 'test "$(dead_count)" = 1'
wait_for 10 "all read" all_handled_but_scheduled
stop_relaisd
# an opt-out by the operator, and one by SMS (STOP) as the history keeps it
ctl suppress add "$EMAIL" "asked by phone" > /dev/null
rcli hset relais:suppressed "sms:$PHONE" '{"at":"2026-03-03T11:05:00Z","source":"twilio"}' > /dev/null
rcli xadd "relais:consent:sms:$PHONE" '*' action out source twilio result added message_sid SMx at 2026-03-03T11:05:00Z > /dev/null
# events about them not read yet
rcli lpush relais:inbox '{"specversion":"1.0","id":"in-1","source":"crm","type":"followup.done","data":{"person":{"id":"'"$ID"'"},"followup":{"kind":"d30"}}}' > /dev/null
emit '{"specversion":"1.0","id":"ev-1","source":"crm","type":"followup.done","data":{"person":{"id":"'"$ID"'"},"followup":{"kind":"d30"}}}'
emit '{"specversion":"1.0","id":"ev-2","source":"crm","type":"followup.done","data":{"person":{"id":"keep-2"},"followup":{"kind":"d30"}}}'

# export changes nothing: Redis's own count of writes stays
writes() {
	rcli info persistence | tr -d '\r' | sed -n 's/^rdb_changes_since_last_save://p'
}
before=$(writes)
run_export export "$ID"
assert_eq "$rc" 0 "export exit status ($(cat "$T/err"))"
assert_eq "$(writes)" "$before" "writes to Redis during export"
jq -e . "$T/out.json" > /dev/null || fail "export is not JSON: $(head -c 300 "$T/out.json")"

# each thing held about them
assert_eq "$(q .person)" "$ID" "person"
assert_eq "$(q .profile.email)" "$EMAIL" "profile email"
assert_eq "$(q .profile.phone)" "$PHONE" "profile phone"
assert_eq "$(q '.consent.suppressed | map(.id) | sort | join(" ")')" \
    "email:$(echo "$EMAIL" | tr 'A-Z' 'a-z') sms:$PHONE" "suppression records"
assert_eq "$(q '.consent.suppressed[] | select(.id | startswith("email:")) | .record.reason')" \
    "asked by phone" "the opt-out's record"
assert_eq "$(q '[.consent.history[].entries[].fields.source] | sort | join(" ")')" \
    "relaisctl twilio" "consent history (the operator's opt-out, the STOP)"
[ "$(q '.followups.planned | length')" -ge 1 ] || fail "no planned follow-up: $(q .followups)"
[ "$(q '.followups.dedupe_markers | length')" -ge 1 ] || fail "no follow-up marker: $(q .followups)"
q '.scheduled[].member' | grep -q '"followup.due"' || fail "no follow-up in scheduled: $(q .scheduled)"
q '.scheduled[].member' | grep -q "^retry .*$PHONE" || fail "no deferred SMS in scheduled: $(q .scheduled)"
[ -n "$(q '.caseload[0].counsellor // empty')" ] || fail "no caseload: $(q .caseload)"
[ "$(q '.matching_index | length')" -ge 1 ] || fail "no index entry"
assert_eq "$(q '.ledgers | map(.employer) | join(" ")')" e-8 "ledgers"
assert_eq "$(q '.digests | map(.employer + ":" + .job) | join(" ")')" e-9:j-1 "digests"
assert_eq "$(q '.dead_letters | length')" 1 "dead letters"
q '.dead_letters[0].fields.payload' | grep -q '"bad-1"' || fail "dead letter: $(q .dead_letters)"
assert_eq "$(q '.events | map(.fields.event | fromjson | .id) | join(" ")')" ev-1 "unread events"
assert_eq "$(q '.inbox | map(.item | fromjson | .id) | join(" ")')" in-1 "inbox items"
# their deliveries: the retry of the 503 and the sends, of their events only
q '.deliveries[] | select(.fields.outcome == "retry") | .fields.reason' | grep -q 503 ||
    fail "no retry among the deliveries: $(q '.deliveries | map(.fields.outcome)')"
[ "$(q '[.deliveries[] | select(.fields.outcome == "sent")] | length')" -ge 2 ] ||
    fail "sent deliveries: $(q '.deliveries | map(.fields.outcome)')"
assert_eq "$(q '[.deliveries[].fields.event_id] | unique | map(select(. != "arr-1" and (startswith("fu-") | not))) | join(" ")')" \
    "" "deliveries of others' events"
# and nobody else: keep-2, the employers' contacts
for s in keep-2 keep2@example.com 8195550002 rh@usinage.example rh@forages.example; do
	if grep -q -- "$s" "$T/out.json"; then
		fail "export names $s: $(grep -- "$s" "$T/out.json" | head -3)"
	fi
done

# the other person's export names them and not the first
run_export export keep-2
assert_eq "$rc" 0 "export keep-2"
if grep -qi -- "$ID\|$EMAIL\|8195555821" "$T/out.json"; then
	fail "keep-2's export names $ID"
fi
cp "$T/out.json" "$T/keep-2.json"

# forget erases exactly what export listed (the same search)
run_export export "$ID"
cp "$T/out.json" "$T/export.json"
ids() {	# the entry ids of a stream
	rcli eval "local o = {} for i, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do o[i] = e[1] end return o" 1 "$1" | sort
}
for s in dead events deliveries; do ids "relais:$s" > "$T/$s.before"; done
rcli zrange relais:scheduled 0 -1 | sort > "$T/scheduled.before"
rc=0
ctl forget "$ID" > "$T/forget.txt" 2>&1 || rc=$?
assert_eq "$rc" 0 "forget ($(cat "$T/forget.txt"))"
for s in dead:dead_letters events:events deliveries:deliveries; do
	ids "relais:${s%%:*}" > "$T/${s%%:*}.after"
	comm -23 "$T/${s%%:*}.before" "$T/${s%%:*}.after" > "$T/${s%%:*}.gone"
	jq -r ".${s#*:}[].id" "$T/export.json" | sort > "$T/${s%%:*}.listed"
	cmp -s "$T/${s%%:*}.gone" "$T/${s%%:*}.listed" ||
	    fail "${s%%:*}: forget erased $(tr '\n' ' ' < "$T/${s%%:*}.gone")but export listed $(tr '\n' ' ' < "$T/${s%%:*}.listed")"
done
rcli zrange relais:scheduled 0 -1 | sort > "$T/scheduled.after"
comm -23 "$T/scheduled.before" "$T/scheduled.after" > "$T/scheduled.gone"
jq -r '.scheduled[].member' "$T/export.json" | sort > "$T/scheduled.listed"
cmp -s "$T/scheduled.gone" "$T/scheduled.listed" || fail "scheduled: forget and export differ"
for k in ledgers:"employer ledger entries" digests:"pending digest entries" \
    caseload:"counsellor caseload entries" matching_index:"matching index entries" \
    deliveries:"delivery records" dead_letters:"dead letters"; do
	n=$(jq ".${k%%:*} | length" "$T/export.json")
	grep -qE "^  ${k#*:} +$n\$" "$T/forget.txt" ||
	    fail "${k%%:*}: export listed $n, forget says: $(grep "${k#*:}" "$T/forget.txt")"
done
n=$(jq '(.events | length) + (.inbox | length)' "$T/export.json")
grep -qE "^  unread events +$n\$" "$T/forget.txt" || fail "unread: export listed $n"

# after forget, nothing is found by their id: exit 1, said on stderr
run_export export "$ID"
assert_eq "$rc" 1 "export after forget: exit status"
grep -q "nothing found" "$T/err" || fail "export after forget: stderr: $(cat "$T/err")"
assert_eq "$(q '.profile')" null "export after forget: profile"
# the suppression list outlives them: found by their address alone
run_export export "$ID" --email "$EMAIL" --phone '(819) 555-5821'
assert_eq "$rc" 0 "export by address after forget"
assert_eq "$(q '.consent.suppressed | length')" 2 "suppression records kept"
assert_eq "$(q '[.dead_letters, .events, .inbox, .scheduled, .deliveries, .ledgers, .digests, .caseload, .matching_index] | map(length) | add')" \
    0 "data left after forget"
# the other person is as before
run_export export keep-2
cmp -s "$T/out.json" "$T/keep-2.json" || fail "keep-2's export changed: $(diff "$T/keep-2.json" "$T/out.json" | head -20)"

# usage errors: exit 2
run_export export
assert_eq "$rc" 2 "export without an id"
run_export export "$ID" --phone 12
assert_eq "$rc" 2 "export with a bad phone"
grep -q "phone" "$T/err" || fail "bad phone: no reason: $(cat "$T/err")"
run_export export "$ID" --email
assert_eq "$rc" 2 "export with --email and no address"
echo "export: ok"
