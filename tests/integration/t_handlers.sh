# SPDX-License-Identifier: LiLiQ-P-1.1
# The newcomer's year: an arrival in each territory gets a welcome naming
# their counsellor, the counsellor a notice, and five follow-ups are planned;
# a repeated arrival changes nothing; eight days later (test clock) the
# 7-day follow-up reminds the right counsellor and checks in with the
# newcomer; done and departed cancel what is pending.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
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
month0=$(redis_month)

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
wait_for 10 "the arrivals handled" all_handled_but_scheduled
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
rc=0
status=$(ctl status 2> "$T/status.err") || rc=$?
assert_eq "$rc" 0 "relaisctl status exit status ($(cat "$T/status.err"))"
printf '%s\n' "$status" | grep -qE '^  follow-ups \(followup.due\) +30$' ||
    fail "relaisctl status does not count the follow-ups:
$status"
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
assert_eq "$(requests gw)" 12 "no message for a repeated arrival"
assert_eq "$(rcli hget relais:person:p-1 counsellor)" "$c1" "assignment kept"
assert_eq "$(rcli zcard relais:scheduled)" 30 "follow-ups not doubled"

# p-4 is done with their 30-day follow-up early; p-2 leaves the region
c2=$(rcli hget relais:person:p-2 counsellor)
[ -n "$(rcli zscore "relais:caseload:$c2" p-2)" ] || fail "p-2 not in caseload:$c2"
emit '{"specversion":"1.0","id":"done-1","source":"crm","type":"followup.done","data":{"person":{"id":"p-4"},"followup":{"kind":"d30"}}}'
emit '{"specversion":"1.0","id":"dep-1","source":"crm","type":"newcomer.departed","data":{"person":{"id":"p-2"}}}'
wait_for 10 "done and departed handled" all_handled_but_scheduled
assert_eq "$(rcli zcard relais:scheduled)" 24 "follow-ups left planned"
assert_eq "$(rcli exists relais:followups:p-2)" 0 "departed: follow-ups gone"
assert_eq "$(rcli zscore "relais:caseload:$c2" p-2)" "" "departed: still in caseload:$c2"
assert_eq "$(rcli hexists relais:person:p-2 counsellor)" 0 "departed: counsellor kept"
assert_eq "$(rcli hget relais:person:p-4 fu:d30 | cut -d' ' -f1)" "done" "d30 marked done"
# a follow-up done is neither reminded when it falls due nor planned again
# when the person's arrival comes again
emit '{"specversion":"1.0","id":"due-p4","source":"crm","type":"followup.due","data":{"person":{"id":"p-4"},"followup":{"kind":"d30"}}}'
emit "$(arrival a-4-again p-4 temiscamingue en)"
wait_for 10 "the follow-up and the arrival handled" all_handled_but_scheduled
assert_eq "$(requests gw)" 12 "messages for a follow-up done already"
# logged once Redis has answered the commit: polled
wait_for 5 "the note for the follow-up done already" \
    "grep -qF 'event=due-p4 type=followup.due outcome=done note=\"follow-up d30 already done\"' \"\$T/relaisd.log\""
assert_eq "$(rcli hget relais:person:p-4 fu:d30 | cut -d' ' -f1)" "done" "d30 still done"
assert_eq "$(rcli hexists relais:followups:p-4 d30)" 0 "d30 planned again"
assert_eq "$(rcli zcard relais:scheduled)" 24 "follow-ups planned after the repeat"
sched_kinds_exact "handlers, first run"
stop_relaisd
# as a relaisd older than scheduled:kinds left the store: the set, no hash
rcli del relais:scheduled:kinds > /dev/null

# eight days later, Monday 9 March 10:30 EDT: the 7-day follow-ups fire
RELAIS_TEST_NOW=2026-03-09T14:30:00Z
start_relaisd relaisd2
# five persons left: five reminders, five check-ins (d7 says checkin); the
# five d7 entries leave scheduled at once, then are handled
wait_for 20 "reminders and check-ins" 'test "$(requests gw)" -ge 22'
wait_for 10 "the 7-day follow-ups handled" \
    'test "$(rcli zcard relais:scheduled)" = 19 && all_handled_but_scheduled'
wait_for 10 "the kinds of the older store counted" 'test "$(rcli exists relais:scheduled:kinds)" = 1'
sched_kinds_exact "the kinds of the older store"
assert_eq "$(requests gw)" 22 "messages for the 7-day follow-ups"
rem=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "followup_reminder") | .to' | sort)
want=$(printf '%s\n' "$cases" | sed -n '1p;3,6p' | cut -d'|' -f3 | sort)
assert_eq "$rem" "$want" "each reminder reached the person's counsellor"
jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "followup_reminder" and .language == "fr") | .text' |
    grep -q "Suivi à 7 jours" || fail "French reminder names the follow-up"
jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin" and .language == "en") | .text' |
    grep -q "It has already been 7 days" || fail "English check-in"
checkins=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin") | .to' | sort)
assert_eq "$checkins" "$(printf 'p-%s@example.com\n' 1 3 4 5 6)" "checked in with"
assert_eq "$(rcli hget relais:person:p-1 fu:d7 | cut -d' ' -f1)" reminded "reminder recorded"
assert_eq "$(rcli zcard relais:scheduled)" 19 "the other follow-ups still planned"
assert_eq "$(dead_count)" 0 "dead letters"

# the report counts them; three weeks on, the reminded follow-ups not
# marked done are overdue
RELAIS_TEST_NOW=2026-03-31T14:00:00Z report "$month0"
report=$(cat "$T/report.txt")
for want in abitibi,1,1,1,1,0,1,1,0,0,0 temiscamingue,1,1,1,1,1,1,1,0,0,0 \
    abitibi-ouest,1,1,1,0,0,0,0,0,1,0; do
	printf '%s\n' "$report" | grep -qx "$want" || fail "report: no $want in
$report"
done
sched_kinds_exact "handlers, at the end"
stop_relaisd
echo "handlers: ok"
