# The newcomer's year: an arrival in each territory gets a welcome naming
# their counsellor, the counsellor a notice, and five follow-ups are planned;
# a repeated arrival changes nothing; eight days later (test clock) the
# 7-day follow-up reminds the right counsellor and checks in with the
# newcomer; done and departed cancel what is pending.
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw
# Monday 2 March 2026, 09:00 in Québec (EST): before the DST change of 8 March
RELAIS_TEST_NOW=2026-03-02T14:00:00Z
export RELAIS_TEST_NOW
start_relaisd

# territory | language | expected counsellor email (fr-only rosters matter)
cases="abitibi|en|nadia.gagnon@abitibi.example
abitibi-ouest|fr|julie.belanger@abitibi-ouest.example
vallee-de-l-or|fr|nadia.cote@valleedelor.example
temiscamingue|en|isabelle.lemire@temiscamingue.example
rouyn-noranda|en|sophie.lavoie@rouyn-noranda.example
region|fr|emilie.bergeron@at-region.example"
arrival() {	# id person territory language
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Ana","last_name":"Moreau","email":"%s@example.com","phone":"+18195550999","language":"%s","consent":{"email":true}},"territory":"%s","arrival_date":"2026-03-02"}}' \
	    "$1" "$2" "$2" "$4" "$3"
}
i=0
printf '%s\n' "$cases" | while IFS='|' read -r tid lang email; do
	i=$((i + 1))
	emit "$(arrival "a-$i" "p-$i" "$tid" "$lang")"
done
wait_for 15 "six welcomes and six notices" 'test "$(requests gw)" -ge 12'
sleep 0.5
assert_eq "$(requests gw)" 12 "messages for six arrivals"
i=0
printf '%s\n' "$cases" | while IFS='|' read -r tid lang email; do
	i=$((i + 1))
	to=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg id "a-$i" \
	    'select(.event_id == $id and .role == "counsellor") | .to')
	assert_eq "$to" "$email" "counsellor told of p-$i ($tid, $lang)"
	first=$(printf '%s' "$email" | cut -d. -f1)
	jq -r '.body' "$T/gw.jsonl" | jq -r --arg id "a-$i" \
	    'select(.event_id == $id and .role == "newcomer") | .text' |
	    grep -qi "$first" || fail "welcome of p-$i does not name $first"
	notice=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg id "a-$i" \
	    'select(.event_id == $id and .role == "counsellor") | .text')
	printf '%s\n' "$notice" | grep -q "p-$i" || fail "notice without the file ref"
	printf '%s\n' "$notice" | grep -q "Moreau" || fail "notice without the name"
done
# five follow-ups each, planned as followup.due events
assert_eq "$(rcli zcard relais:scheduled)" 30 "follow-ups planned"
n=$(rcli zrange relais:scheduled 0 -1 | grep -c '"type":"followup.due"')
assert_eq "$n" 30 "planned entries are followup.due events"
RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" \
    status | grep -qE '^  follow-ups \(followup.due\) +30$' ||
    fail "relaisctl status does not count the follow-ups"
# the 7-day follow-up of p-1: 9 March 09:00 EDT (after the DST change) = 13:00Z
d7=$(rcli hget relais:followups:p-1 d7)
due=$(rcli zscore relais:scheduled "$d7")
assert_eq "$due" "$(( $(date -d 2026-03-09T13:00:00Z +%s) * 1000 ))" "d7 due time"
printf '%s' "$d7" | grep -q 'p-1' || fail "d7 member does not name its person"

# a repeated arrival (new event id): no second welcome, same counsellor,
# no doubled follow-ups
c1=$(rcli hget relais:person:p-1 counsellor)
emit "$(arrival a-1-again p-1 abitibi en)"
emit "$(arrival a-1 p-1 abitibi en)"	# the same event again: a duplicate
wait_for 10 "the repeat handled" all_handled_but_scheduled
sleep 0.5
assert_eq "$(requests gw)" 12 "no message for a repeated arrival"
assert_eq "$(rcli hget relais:person:p-1 counsellor)" "$c1" "assignment kept"
assert_eq "$(rcli zcard relais:scheduled)" 30 "follow-ups not doubled"

# p-4 is done with their 30-day follow-up early; p-2 leaves the region
emit '{"specversion":"1.0","id":"done-1","source":"crm","type":"followup.done","data":{"person":{"id":"p-4"},"followup":{"kind":"d30"}}}'
emit '{"specversion":"1.0","id":"dep-1","source":"crm","type":"newcomer.departed","data":{"person":{"id":"p-2"}}}'
wait_for 10 "done and departed handled" 'test "$(rcli zcard relais:scheduled)" = 24'
assert_eq "$(rcli exists relais:followups:p-2)" 0 "departed: follow-ups gone"
assert_eq "$(rcli hget relais:person:p-4 fu:d30 | cut -d' ' -f1)" done "d30 marked done"
stop_relaisd

# eight days later, Monday 9 March 10:30 EDT: the 7-day follow-ups fire
RELAIS_TEST_NOW=2026-03-09T14:30:00Z
start_relaisd relaisd2
# five persons left: five reminders, five check-ins (d7 says checkin)
wait_for 20 "reminders and check-ins" 'test "$(requests gw)" -ge 22'
sleep 0.5
assert_eq "$(requests gw)" 22 "messages for the 7-day follow-ups"
rem=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "followup_reminder") | .to' | sort)
want=$(printf '%s\n' "$cases" | sed -n '1p;3,6p' | cut -d'|' -f3 | sort)
assert_eq "$rem" "$want" "each reminder reached the person's counsellor"
jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "followup_reminder" and .language == "fr") | .text' |
    grep -q "suivi à 7 jours" || fail "French reminder names the follow-up"
jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin" and .language == "en") | .text' |
    grep -q "It has already been 7 days" || fail "English check-in"
jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin") | .to' |
    grep -q 'p-2@' && fail "a departed person was checked in with"
assert_eq "$(rcli hget relais:person:p-1 fu:d7 | cut -d' ' -f1)" reminded "reminder recorded"
assert_eq "$(rcli zcard relais:scheduled)" 19 "the other follow-ups still planned"
assert_eq "$(dead_count)" 0 "dead letters"

# the report counts them; three weeks on, the reminded follow-ups not
# marked done are overdue
report=$(RELAIS_REDIS_URL="unix://$T/redis.sock" RELAIS_TEST_NOW=2026-03-31T14:00:00Z \
    "$BUILD/relaisctl" -c "$T/relais.yaml" report --month "$(date -u +%Y-%m)" --csv)
for want in abitibi,1,1,1,1,0,1,1,0,0,0 temiscamingue,1,1,1,1,1,1,1,0,0,0 \
    abitibi-ouest,1,1,1,0,0,0,0,0,1,0; do
	printf '%s\n' "$report" | grep -qx "$want" || fail "report: no $want in
$report"
done
stop_relaisd
echo "handlers: ok"
