# SPDX-License-Identifier: LiLiQ-P-1.1
# A backlog floods nobody (issue 12): a producer loads existing files with
# relaisnotify: "none" (stored and planned, nothing sent, no past
# follow-up); a restart on a day with thirty follow-ups due sends each
# counsellor one email listing theirs, not one per person; a follow-up due
# after that day's email waits for the next day's; a late check-in says how
# long it has really been.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
# The day's reminder email lists the follow-ups handled within the gather
# window after the first; a later one waits for the next day's (by design,
# tested below). The thirty due at the restart must all fall in it, even
# on a loaded machine: 5 s, not the scenarios' default 1 s (t_messages
# missed it under load).
REMINDERS_GATHER_S=5
export HANDLERS REMINDERS_GATHER_S
write_config
start_redis
start_sink gw
# Monday 2 March 2026, 08:00 in Québec (EST)
RELAIS_TEST_NOW=2026-03-02T13:00:00Z
export RELAIS_TEST_NOW
start_relaisd

# arrival ID PERSON ARRIVAL_DATE [EXTENSIONS]: in the MRC d'Abitibi
arrival() {
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived"%s,"data":{"person":{"id":"%s","first_name":"Ana","last_name":"N%s","email":"%s@example.com","language":"fr","consent":{"email":true}},"territory":"abitibi","arrival_date":"%s"}}' \
	    "$1" "${4:+,$4}" "$2" "$2" "$2" "$3"
}

# the backfill: arrived 24 February (d7 falls due on 3 March), and three
# people of last spring whose first follow-ups are long past
for i in $(seq 1 30); do
	emit "$(arrival "bf-$i" "p-$i" 2026-02-24 '"relaisnotify":"none"')"
done
for i in 1 2 3; do
	emit "$(arrival "old-$i" "old-$i" 2025-04-01 '"relaisnotify":"none"')"
done
wait_for 15 "the backfill handled" all_handled_but_scheduled
assert_eq "$(requests gw)" 0 "messages for a backfill"
assert_eq "$(rcli hget relais:person:p-7 territory)" abitibi "person stored"
[ -n "$(rcli hget relais:person:p-7 counsellor)" ] || fail "no counsellor assigned"
assert_eq "$(rcli hlen relais:followups:p-7)" 5 "follow-ups planned (none past)"
# 2025-04-01: d7..d180 are past, only the 365-day follow-up is ahead
assert_eq "$(rcli hkeys relais:followups:old-1)" d365 "past follow-ups of a backfill"
assert_eq "$(rcli hlen "relais:stats:$(redis_month)")" 0 "monthly figures of a backfill"
assert_eq "$(dead_count)" 0 "dead letters"
wait_for 5 "the backfill's note" \
    "grep -qF 'event=bf-1 type=newcomer.arrived outcome=done note=\"backfill (relaisnotify: none): state stored, 2 messages not sent\"' \"\$T/relaisd.log\""
# an unknown value is refused with its reason, nothing sent
emit "$(arrival bad-flag p-bad 2026-02-24 '"relaisnotify":"some"')"
wait_for 10 "the bad flag dead-lettered" 'test "$(dead_count)" = 1'
rcli xrange relais:dead - + | grep -q "attribute 'relaisnotify' must be \"none\"" ||
    fail "dead letter without the reason: $(rcli xrange relais:dead - +)"
assert_eq "$(requests gw)" 0 "messages after the bad flag"
stop_relaisd

# Tuesday 3 March, 10:00: relaisd was down at 09:00; thirty 7-day
# follow-ups come due at once
RELAIS_TEST_NOW=2026-03-03T15:00:00Z
start_relaisd relaisd2
wait_for 30 "thirty check-ins and the reminders" 'test "$(requests gw)" -ge 32'
wait_for 10 "the reminders handled" \
    'all_handled_but_scheduled && test "$(rcli exists relais:reminders:abitibi)" = 0'
reminders() {	# the reminder emails' recipients, one line each
	jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "followup_reminder") | .to' | sort
}
checkins=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin") | .to' | sort -u | wc -l)
assert_eq "$checkins" 30 "check-ins (one per newcomer)"
assert_eq "$(reminders)" "$(printf '%s\n' marc.trudel@abitibi.example nadia.gagnon@abitibi.example)" \
    "one reminder email per counsellor"
# each lists every person of theirs, by file number
for c in ab-1 ab-2; do
	email=$(grep -o "id: $c, name: \"[^\"]*\", email: [^,]*" "$T/relais.yaml" | sed 's/.*email: //')
	text=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg to "$email" 'select(.template == "followup_reminder" and .to == $to) | .text')
	mine=$(for i in $(seq 1 30); do
		[ "$(rcli hget "relais:person:p-$i" counsellor)" = "$c" ] && echo "p-$i"
	done | sort)
	listed=$(printf '%s\n' "$text" | sed -n 's/^  Dossier : //p' | sort)
	assert_eq "$listed" "$mine" "files listed for $c"
	n=$(printf '%s\n' "$mine" | wc -l)
	subject=$(jq -r '.body' "$T/gw.jsonl" | jq -r --arg to "$email" 'select(.template == "followup_reminder" and .to == $to) | .subject')
	assert_eq "$subject" "$n suivis à faire" "subject for $c"
done
# the check-in of a backfilled person on time says "7 days"
jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin" and .to == "p-1@example.com") | .text' |
    grep -q "Il y a déjà 7 jours" || fail "the on-time check-in does not say 7 days"
assert_eq "$(rcli get relais:reminded-day:abitibi)" 2026-03-03 "day of the last reminder email"

# later that day: a follow-up the producer says is due, and a newcomer
# registered three weeks after arriving (their 7-day follow-up is due at
# once): no second reminder email today, and the check-in does not claim
# "7 days ago"
before=$(requests gw)
emit '{"specversion":"1.0","id":"due-x","source":"crm","type":"followup.due","data":{"person":{"id":"p-3"},"followup":{"kind":"d30","due_at":"2026-03-03T14:00:00Z"}}}'
emit "$(arrival late-1 late-1 2026-02-10)"
wait_for 15 "the late newcomer's welcome, notice and check-in" \
    'test "$(requests gw)" -ge $((before + 3))'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(requests gw)" "$((before + 3))" "messages after the day's reminder email"
late=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "checkin" and .to == "late-1@example.com") | .text')
printf '%s\n' "$late" | grep -q "Il y a déjà 21 jours" || fail "late check-in: $late"
printf '%s\n' "$late" | grep -q "7 jours" && fail "late check-in claims 7 days: $late"
assert_eq "$(rcli hlen relais:reminders:abitibi)" 2 "follow-ups waiting for tomorrow's email"
# tomorrow, 4 March 09:00 EST = 14:00Z
due=$(rcli get relais:reminders-due:abitibi)
assert_eq "$due" "$(( $(date -d 2026-03-04T14:00:00Z +%s) * 1000 ))" "next reminder email"
stop_relaisd

RELAIS_TEST_NOW=2026-03-04T14:00:30Z
before=$(requests gw)
start_relaisd relaisd3
wait_for 15 "the next day's reminder email(s)" 'test "$(requests gw)" -gt '"$before"
wait_for 10 "handled" \
    'all_handled_but_scheduled && test "$(rcli exists relais:reminders:abitibi)" = 0'
new=$(tail -n +"$((before + 1))" "$T/gw.jsonl" | jq -r '.body' | jq -r 'select(.template == "followup_reminder") | .text' | sed -n 's/^  Dossier : //p' | sort)
assert_eq "$new" "$(printf '%s\n' late-1 p-3)" "files in the next day's emails"
assert_eq "$(dead_count)" 1 "dead letters (the bad flag only)"
stop_relaisd
echo "backlog: ok"
