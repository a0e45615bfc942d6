# SPDX-License-Identifier: LiLiQ-P-1.1
# Counsellor assignment in Rouyn-Noranda (rn-1 speaks French and English,
# rn-2 French only): English speakers all go to rn-1; French speakers even
# out the caseloads; a repeated arrival keeps its counsellor; when rn-1
# leaves the roster (reload), their person's next follow-up is reassigned.
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

arrival() {	# event-id person language
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Lou","email":"%s@example.com","language":"%s","consent":{"email":true}},"territory":"rouyn-noranda","arrival_date":"2026-03-02"}}' \
	    "$1" "$2" "$2" "$3"
}
for i in 1 2 3 4; do emit "$(arrival a-en-$i en-$i en)"; done
for i in 1 2 3 4 5 6 7 8; do emit "$(arrival a-fr-$i fr-$i fr)"; done
wait_for 15 "twelve arrivals" 'test "$(requests gw)" -ge 24'
for i in 1 2 3 4; do
	assert_eq "$(rcli hget relais:person:en-$i counsellor)" rn-1 "English speaker en-$i"
done
n1=$(rcli zcard relais:caseload:rn-1)
n2=$(rcli zcard relais:caseload:rn-2)
assert_eq "$n1 $n2" "6 6" "caseloads evened out"
# the notices went to the counsellor assigned
for p in en-1 fr-1 fr-8; do
	c=$(rcli hget "relais:person:$p" counsellor)
	want=$([ "$c" = rn-1 ] && echo sophie.lavoie@rouyn-noranda.example || echo olivier.perron@rouyn-noranda.example)
	got=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg e "a-${p%-*}-${p#*-}" \
	    'select(.event_id == $e and .role == "counsellor") | .to')
	assert_eq "$got" "$want" "notice of $p"
done

# the same people again, as new events: nobody moves, no caseload grows
before=$(for i in 1 2 3 4 5 6 7 8; do rcli hget relais:person:fr-$i counsellor; done)
for i in 1 2 3 4 5 6 7 8; do emit "$(arrival a-fr-$i-again fr-$i fr)"; done
wait_for 10 "repeats" all_handled_but_scheduled
after=$(for i in 1 2 3 4 5 6 7 8; do rcli hget relais:person:fr-$i counsellor; done)
assert_eq "$after" "$before" "assignments stable"
assert_eq "$(rcli zcard relais:caseload:rn-1) $(rcli zcard relais:caseload:rn-2)" "6 6" "caseloads unchanged"

# rn-1 leaves: their English speaker's follow-up goes to rn-2 (French only,
# but the only one left)
sed -i '/id: rn-1,/d' "$T/relais.yaml"
kill -HUP "$RELAISD_PID"
wait_for 10 "the reload" 'grep -q "reload: .* loaded" "$T/relaisd.log"'
before=$(requests gw)
emit '{"specversion":"1.0","id":"due-1","source":"crm","type":"followup.due","data":{"person":{"id":"en-1"},"followup":{"kind":"d30"}}}'
wait_for 10 "the reminder" 'test "$(requests gw)" -gt '"$before"
wait_for 10 "the follow-up handled" all_handled_but_scheduled
assert_eq "$(requests gw)" "$((before + 1))" "messages for the follow-up (a reminder)"
assert_eq "$(rcli hget relais:person:en-1 counsellor)" rn-2 "reassigned"
got=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.type == "followup.reminders" and .role == "counsellor") | .to')
assert_eq "$got" olivier.perron@rouyn-noranda.example "reminder to the new counsellor"
assert_eq "$(rcli zscore relais:caseload:rn-1 en-1)" "" "off the old caseload"
stop_relaisd
echo "assignment: ok"
