# SPDX-License-Identifier: LiLiQ-P-1.1
# A newcomer leaves the region: newcomer.departed takes them out of their
# counsellor's caseload and out of the matching index and cancels their
# follow-ups (each checked in Redis itself); a follow-up that falls due
# afterwards reminds nobody and checks in with nobody, and a posting that
# would have fitted them alerts the employer about the one who stayed.
# When they come back (a new arrival), they are registered afresh.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw
# Tuesday 3 March 2026, 10:00 in Québec: business hours
RELAIS_TEST_NOW=2026-03-03T15:00:00Z
export RELAIS_TEST_NOW
start_relaisd

IDX=relais:mx:p:rouyn-noranda:7
arrival() {	# event-id person first-name
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"%s","last_name":"Ouellet","email":"%s@example.com","language":"fr","consent":{"email":true,"share_profile":true}},"territory":"rouyn-noranda","arrival_date":"2026-03-01","profile":{"occupation":"72106","skills":["Soudure MIG"]}}}' \
	    "$1" "$2" "$3" "$2"
}
# in_caseloads PERSON: the caseloads that list them
in_caseloads() {
	rcli --scan --pattern 'relais:caseload:*' | while read -r k; do
		[ -z "$(rcli zscore "$k" "$1")" ] || echo "$k"
	done
}
emit "$(arrival a-1 d-1 Denis)"
emit "$(arrival a-2 d-2 Dalia)"
wait_for 15 "two welcomes and two notices" 'test "$(requests gw)" -ge 4'
wait_for 10 "the arrivals handled" all_handled_but_scheduled
c=$(rcli hget relais:person:d-1 counsellor)
[ -n "$c" ] || fail "d-1 has no counsellor"
[ -n "$(rcli zscore "relais:caseload:$c" d-1)" ] || fail "d-1 not in caseload:$c"
assert_eq "$(rcli hexists "$IDX" d-1) $(rcli hexists "$IDX" d-2)" "1 1" "both profiles indexed"
assert_eq "$(rcli hlen relais:followups:d-1)" 5 "follow-ups of d-1 planned"
planned=$(rcli zcard relais:scheduled)

emit '{"specversion":"1.0","id":"dep-1","source":"crm","type":"newcomer.departed","data":{"person":{"id":"d-1"}}}'
wait_for 10 "the departure handled" all_handled_but_scheduled
# logged once Redis has answered the commit: polled
wait_for 5 "the note for the departure" \
    "grep -qF 'event=dep-1 type=newcomer.departed outcome=done note=\"departed: 5 follow-up(s) cancelled' \"\$T/relaisd.log\""
assert_eq "$(rcli hget relais:person:d-1 departed)" 1 "departure recorded"
assert_eq "$(rcli hexists relais:person:d-1 counsellor)" 0 "counsellor released"
assert_eq "$(in_caseloads d-1)" "" "caseloads still listing d-1"
[ -n "$(rcli zscore "relais:caseload:$(rcli hget relais:person:d-2 counsellor)" d-2)" ] ||
    fail "d-2 left their caseload too"
assert_eq "$(rcli hexists "$IDX" d-1)" 0 "d-1 still in the matching index"
assert_eq "$(rcli hexists relais:person:d-1 mx)" 0 "index keys of d-1 still recorded"
assert_eq "$(rcli hexists "$IDX" d-2)" 1 "d-2 still indexed"
assert_eq "$(rcli exists relais:followups:d-1)" 0 "follow-ups of d-1 still listed"
assert_eq "$(rcli zcard relais:scheduled)" "$((planned - 5))" "follow-ups of d-1 cancelled"
assert_eq "$(requests gw)" 4 "messages for a departure"

# a follow-up that falls due after the departure (a producer's, naming the
# counsellor): no reminder, no check-in, nobody assigned again
before=$(requests gw)
emit '{"specversion":"1.0","id":"due-1","source":"crm","type":"followup.due","data":{"person":{"id":"d-1"},"followup":{"kind":"d7","due_at":"2026-03-08T14:00:00Z"},"counsellor":{"id":"'"$c"'"}}}'
wait_for 10 "the follow-up handled" all_handled_but_scheduled
assert_eq "$(requests gw)" "$before" "messages for a departed person's follow-up"
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx due-1)" 0 "deliveries of due-1"
assert_eq "$(in_caseloads d-1)" "" "caseloads listing d-1 after the follow-up"
assert_eq "$(rcli hexists relais:person:d-1 counsellor)" 0 "counsellor assigned again"
assert_eq "$(rcli hexists relais:person:d-1 fu:d7)" 0 "follow-up recorded as reminded"
wait_for 5 "the note for the follow-up of a departed person" \
    "grep -qF 'event=due-1 type=followup.due outcome=done note=\"person departed: no reminder\"' \"\$T/relaisd.log\""

# a posting both would fit: the employer hears of the one who stayed
emit '{"specversion":"1.0","id":"job-1","source":"jobs","type":"job.posted","data":{"job":{"id":"j-1","title":"Soudeur","occupation":"72106","skills":["soudure mig"],"territory":"rouyn-noranda","closes_at":"2026-04-30"},"employer":{"id":"e-1","name":"Mine Horne","contact":{"email":"rh@mine.example","language":"fr"}}}}'
wait_for 10 "the posting handled" all_handled_but_scheduled
alert=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.role == "employer") | .text')
printf '%s\n' "$alert" | grep -qF "* Dalia (réf. d-2)" || fail "alert lacks Dalia:
$alert"
if printf '%s\n' "$alert" | grep -q 'Denis\|d-1'; then
	fail "alert names the departed person:
$alert"
fi
assert_eq "$(rcli hkeys relais:announced:e-1)" d-2 "ledger"

# back in the region: welcomed, assigned, indexed and followed up again
before=$(requests gw)
emit "$(arrival a-1-back d-1 Denis)"
wait_for 10 "the return handled" all_handled_but_scheduled
assert_eq "$(rcli hexists relais:person:d-1 departed)" 0 "departure still recorded"
got=$(sed -n "$((before + 1)),\$p" "$T/gw.jsonl" | jq -r '.body' | jq -r '.role + " " + .to' | sort | tr '\n' ' ')
assert_eq "$got" "counsellor $(rcli hget relais:person:d-1 counsellor | sed 's/rn-1/sophie.lavoie/;s/rn-2/olivier.perron/')@rouyn-noranda.example newcomer d-1@example.com " \
    "messages for the return"
assert_eq "$(in_caseloads d-1)" "relais:caseload:$(rcli hget relais:person:d-1 counsellor)" "caseload after the return"
assert_eq "$(rcli hexists "$IDX" d-1)" 1 "indexed after the return"
assert_eq "$(rcli hlen relais:followups:d-1)" 5 "follow-ups after the return"
assert_eq "$(dead_count)" 0 "dead letters"
sched_kinds_exact departed
stop_relaisd
echo "departed: ok"
