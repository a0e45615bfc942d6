# SPDX-License-Identifier: LiLiQ-P-1.1
# Employers and candidates: a posting matching three stored profiles sends
# one alert listing the three (no contact details), re-posting announces no
# one twice, a later arrival fitting the open posting goes out as a digest,
# a digest the gateway refuses once goes out again with the same candidates,
# and a closed posting alerts no more.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
sed -i 's/^  digest_window_s: .*/  digest_window_s: 2/' "$T/relais.yaml"
start_redis
# the 16th message (the digest) meets a 503 once
start_sink gw -s "$(printf '200,%.0s' $(seq 15))503"
# Tuesday 3 March 2026, 10:00 in Québec: business hours for digests
RELAIS_TEST_NOW=2026-03-03T15:00:00Z
export RELAIS_TEST_NOW
start_relaisd

arrival() {	# id person first-name noc share want skills-json
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"%s","last_name":"Zorrilla","email":"%s@example.com","phone":"+18195554242","language":"fr","consent":{"email":true,"share_profile":%s}},"territory":"rouyn-noranda","arrival_date":"2026-03-01","profile":{"occupation":"%s","skills":%s,"languages":["fr","en"],"desired_territories":["%s"]}}}' \
	    "$1" "$2" "$3" "$2" "$5" "$4" "$7" "$6"
}
posting() {	# event-id job-id
	printf '{"specversion":"1.0","id":"%s","source":"jobs","type":"job.posted","data":{"job":{"id":"%s","title":"Soudeur ou soudeuse","occupation":"72106","skills":["soudure mig","LECTURE DE PLANS"],"territory":"rouyn-noranda","closes_at":"2026-04-30"},"employer":{"id":"e-1","name":"Mine Horne","contact":{"name":"Julie Roy","email":"rh@mine.example","language":"fr"}}}}' "$1" "$2"
}
alerts() {	# employer messages the gateway took
	jq -r 'select(.status == 200) | .body' "$T/gw.jsonl" |
	    jq -r 'select(.role == "employer") | .event_id' | wc -l | tr -d ' '
}
emit "$(arrival a-1 c-1 Amira 72106 true rouyn-noranda '["Soudure MIG","Lecture de plans"]')"
emit "$(arrival a-2 c-2 Bruno 72106 true rouyn-noranda '["soudure mig"]')"
emit "$(arrival a-3 c-3 Chloé 72106 true rouyn-noranda '[]')"
emit "$(arrival a-4 c-4 Dario 72106 false rouyn-noranda '["Soudure MIG"]')"	# did not consent
emit "$(arrival a-5 c-5 Elif 31301 true rouyn-noranda '["Soins"]')"		# a nurse
emit "$(arrival a-6 c-6 Farah 72106 true abitibi '["Soudure MIG"]')"		# wants Abitibi
wait_for 15 "welcomes and notices" 'test "$(requests gw)" -ge 12'

emit "$(posting p-1 j-1)"
wait_for 10 "the employer alert" 'test "$(alerts)" -ge 1'
wait_for 10 "the posting handled" all_handled_but_scheduled
assert_eq "$(alerts)" 1 "one alert for the posting"
alert=$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.role == "employer") | .text')
assert_eq "$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.role == "employer") | .to')" \
    rh@mine.example "alert to the employer's contact"
for who in "Amira (réf. c-1)" "Bruno (réf. c-2)" "Chloé (réf. c-3)"; do
	printf '%s\n' "$alert" | grep -qF "* $who" || fail "alert lacks $who:
$alert"
done
for not in Dario Elif Farah Zorrilla example.com 4242; do
	if printf '%s\n' "$alert" | grep -q "$not"; then
		fail "alert shows $not:
$alert"
	fi
done
# best first: Amira shares two skills, Bruno one, Chloé none
order=$(printf '%s\n' "$alert" | grep -o '^\* [A-Za-zé]*' | tr -d '* ' | tr '\n' ' ')
assert_eq "$order" "Amira Bruno Chloé " "candidates ranked by score"
assert_eq "$(rcli hlen relais:announced:e-1)" 3 "ledger"

# the same posting again (new event), and a second posting: nobody twice
emit "$(posting p-1-again j-1)"
emit "$(posting p-2 j-2)"
wait_for 10 "re-postings handled" all_handled_but_scheduled
assert_eq "$(alerts)" 1 "no alert announces a candidate twice"
# logged once Redis has answered the commit: polled
wait_for 5 "the note for the second posting" \
    "grep -qF 'event=p-2 type=job.posted outcome=done note=\"no stored profile fits' \"\$T/relaisd.log\""

# a later arrival fitting the open postings: one digest after the window
before=$(requests gw)
emit "$(arrival a-7 c-7 Gaspard 72106 true rouyn-noranda '["Soudure MIG"]')"
wait_for 15 "the digest" 'test "$(alerts)" -ge 2'
# no digest left to come: none scheduled or in flight (digest-due lives
# from the first match queued until the digest's last delivery is settled)
wait_for 10 "the digest settled" \
    'test "$(rcli exists relais:digest:e-1 relais:digest-due:e-1)" = 0 && all_handled_but_scheduled'
assert_eq "$(alerts)" 2 "one digest"
assert_eq "$(requests gw)" "$((before + 4))" "welcome, notice, digest refused, digest"
digest=$(jq -r 'select(.status == 200) | .body' "$T/gw.jsonl" |
    jq -r 'select(.type == "match.digest") | .text')
printf '%s\n' "$digest" | grep -qF "* Gaspard (réf. c-7)" || fail "digest lacks Gaspard:
$digest"
refused=$(jq -r 'select(.status == 503) | .body' "$T/gw.jsonl" |
    jq -r 'select(.type == "match.digest") | .text')
assert_eq "$refused" "$digest" "the retried digest names the same candidates"
if printf '%s\n' "$digest" | grep -qE 'Amira|Bruno|Chloé'; then
	fail "digest repeats a candidate: $digest"
fi
assert_eq "$(rcli hlen relais:announced:e-1)" 4 "ledger after the digest"
assert_eq "$(rcli exists relais:digest:e-1)" 0 "digest emptied"

# closed postings leave the index at once, and alert no more
assert_eq "$(rcli smembers relais:mx:j:rouyn-noranda:7 | sort | tr '\n' ' ')" "j-1 j-2 " \
    "index of open postings"
emit '{"specversion":"1.0","id":"close-1","source":"jobs","type":"job.closed","data":{"job":{"id":"j-1"}}}'
emit '{"specversion":"1.0","id":"close-2","source":"jobs","type":"job.closed","data":{"job":{"id":"j-2"}}}'
wait_for 10 "closings handled" all_handled_but_scheduled
assert_eq "$(rcli exists relais:job:j-1 relais:job:j-2)" 0 "closed postings still stored"
assert_eq "$(rcli scard relais:mx:j:rouyn-noranda:7)" 0 "closed postings still indexed"
emit "$(arrival a-8 c-8 Hana 72106 true rouyn-noranda '["Soudure MIG"]')"
wait_for 10 "the last arrival" 'test "$(requests gw)" -ge '"$((before + 6))"
wait_for 10 "the last arrival handled" all_handled_but_scheduled
# handled without queueing a match: no digest can follow
assert_eq "$(rcli exists relais:digest:e-1 relais:digest-due:e-1)" 0 "a digest queued for closed postings"
assert_eq "$(rcli zrange relais:scheduled 0 -1 | grep -c match.digest)" 0 "digests scheduled"
assert_eq "$(alerts)" 2 "no alert for closed postings"
assert_eq "$(requests gw)" "$((before + 6))" "welcome and notice of the last arrival"
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "matching: ok"
