# SPDX-License-Identifier: LiLiQ-P-1.1
# Newest truth wins (DESIGN.md): a retry carries the deliveries still owed,
# never the event's state changes, and each send checks the current record;
# an older event (late, replayed, retried) never overwrites what a newer one
# set. The welcome SMS of each person below waits for 09:00 (sms-hours):
# meanwhile one withdraws SMS consent, one departs, one corrects the number.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
HANDLERS=1 write_config
export RELAIS_TEST_NOW=2026-11-26T23:00:00-05:00	# Thursday evening
start_relaisd

# arrival ID PID TIME PHONE SMS_CONSENT: a newcomer.arrived with a time
arrival() {
	printf '{"specversion":"1.0","id":"%s","source":"https://tests.example","type":"newcomer.arrived","time":"%s","data":{"person":{"id":"%s","first_name":"Ana","language":"fr","email":"%s@example.com","phone":"%s","consent":{"email":true,"sms":%s}},"municipality":"Amos"}}' \
	    "$1" "$3" "$2" "$2" "$4" "$5"
}
departure() {
	printf '{"specversion":"1.0","id":"%s","source":"https://tests.example","type":"newcomer.departed","time":"%s","data":{"person":{"id":"%s"}}}' \
	    "$1" "$3" "$2"
}
# field PID FIELD: the stored person's field
field() {
	rcli hget "relais:person:$1" "$2"
}

for p in consent departs corrects keeps; do
	emit "$(arrival "a-$p" "$p" 2026-11-26T22:00:00-05:00 819-555-0101 true)"
done
# four welcome emails and four counsellor notices go now, the SMS wait
wait_for 10 "the emails" 'test "$(requests gw)" -ge 8'
wait_for 10 "all handled" all_handled_but_scheduled
sms_waiting=$(rcli zrange relais:scheduled 0 -1 | grep -c '^retry ' || true)
assert_eq "$sms_waiting" 4 "SMS deferred to 09:00"
assert_eq "$(field consent consent_sms)" 1 "consent before"

# newer truth, before 09:00
emit "$(arrival u-consent consent 2026-11-26T23:10:00-05:00 819-555-0101 false)"
# the departure carries the same time as the arrival (producers that write
# whole minutes do): only the retry's own rule, that it only reads, keeps
# the retry from registering the person again
emit "$(departure d-departs departs 2026-11-26T22:00:00-05:00)"
emit "$(arrival u-corrects corrects 2026-11-26T23:10:00-05:00 819-555-0199 true)"
# and an older event arriving late: it must not undo the departure
emit "$(arrival late-departs departs 2026-11-26T21:00:00-05:00 819-555-0101 true)"
wait_for 10 "the updates handled" all_handled_but_scheduled
assert_eq "$(field consent consent_sms)" "" "consent withdrawn"
assert_eq "$(field departs departed)" 1 "departed (a late older arrival changed nothing)"
assert_eq "$(field corrects phone)" +18195550199 "corrected number"
assert_eq "$(rcli hlen relais:followups:departs)" 0 "follow-ups of the departed person"
assert_eq "$(rcli hlen relais:followups:keeps)" 5 "follow-ups of the others"
sched_kinds_exact "newest truth, first run"
stop_relaisd

before=$(requests gw)
export RELAIS_TEST_NOW=2026-11-27T09:00:01-05:00
start_relaisd
wait_for 15 "the four SMS retries handled" \
    'test "$(rcli zrange relais:scheduled 0 -1 | grep -c "^retry " || true)" = 0 && all_handled_but_scheduled'
# only the person whose record did not change gets the SMS
sms=$(tail -n +"$((before + 1))" "$T/gw.jsonl" | jq -r '.body' | jq -r 'select(.channel == "sms") | .to')
assert_eq "$sms" "+18195550101" "SMS sent at 09:00 (keeps only)"
assert_eq "$(tail -n +"$((before + 1))" "$T/gw.jsonl" | wc -l)" 1 "requests at 09:00"
reasons=$(rcli xrange relais:deliveries - + | grep -c . || true)
rcli xrange relais:deliveries - + > "$T/deliveries.txt"
grep -q "consent for this channel was withdrawn since" "$T/deliveries.txt" || fail "no skip for the withdrawn consent"
grep -q "the person has left the programme since" "$T/deliveries.txt" || fail "no skip for the departure"
grep -q "the address on record changed since" "$T/deliveries.txt" || fail "no skip for the changed number"
# the retries changed nothing
assert_eq "$(field consent consent_sms)" "" "consent after the retry"
assert_eq "$(field departs departed)" 1 "departed after the retry"
assert_eq "$(field corrects phone)" +18195550199 "number after the retry"
c=$(rcli hget relais:person:departs counsellor)
assert_eq "$c" "" "the departed person has no counsellor"
for k in $(rcli keys 'relais:caseload:*'); do
	[ -z "$(rcli zscore "$k" departs)" ] || fail "the departed person is back in $k"
done
assert_eq "$(rcli hlen relais:followups:departs)" 0 "follow-ups planned again for the departed person"

# a dead letter replayed after a correction: the old address stays old
emit "$(arrival a-bad bad 2026-11-27T08:00:00-05:00 819-555-0101 false)"
wait_for 10 "bad's welcome" all_handled_but_scheduled
rcli hset relais:person:bad email old@example.com >/dev/null	# as if a-bad had carried it
emit "$(arrival u-bad bad 2026-11-27T08:30:00-05:00 819-555-0101 false)"
wait_for 10 "the correction" all_handled_but_scheduled
rcli xadd relais:events '*' event "$(arrival a-bad bad 2026-11-27T08:00:00-05:00 819-555-0101 false | sed 's/bad@example.com/old@example.com/')" replay 1 >/dev/null
wait_for 10 "the replay" all_handled_but_scheduled
assert_eq "$(field bad email)" bad@example.com "address after replaying an older event"
[ "$reasons" -gt 0 ] || fail "no deliveries recorded"

# job.posted older than the job.closed that came first: not re-opened
closed='{"specversion":"1.0","id":"jc-1","source":"https://tests.example","type":"job.closed","time":"2026-11-27T10:00:00Z","data":{"job":{"id":"job-9"}}}'
emit "$closed"
wait_for 10 "the closing" all_handled_but_scheduled
posted=$(sed -e 's/demo-0005/jp-1/' -e 's/job-2211/job-9/' "$ROOT/config/examples/05-job-posted.json")
emit "$posted"
wait_for 10 "the late posting" all_handled_but_scheduled
assert_eq "$(rcli exists relais:job:job-9)" 0 "a posting closed by a newer event re-opened"
sched_kinds_exact "newest truth, at the end"
stop_relaisd
echo "newest truth: ok"
