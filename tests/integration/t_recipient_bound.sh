# SPDX-License-Identifier: LiLiQ-P-1.1
# A bound per recipient and day, for any role (issue 12): past
# limits.max_per_recipient_per_day messages sent to one address in their
# territory's day, the next ones wait for the next day (deferred, not
# dropped); the count is kept under a key that does not show the address.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
# the shipped config's bound, which the other scenarios set to 0
export RELAIS_MAX_PER_RECIPIENT=2
start_redis
start_sink gw
# Wednesday 4 March 2026, 14:30 in Québec
RELAIS_TEST_NOW=2026-03-04T19:30:00Z
export RELAIS_TEST_NOW
start_relaisd

# three English speakers in the MRC d'Abitibi: Nadia Gagnon (ab-1) is the
# only counsellor there who speaks English, so she gets the three notices
for i in 1 2 3; do
	emit '{"specversion":"1.0","id":"a-'"$i"'","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"en-'"$i"'","first_name":"Ann","email":"en-'"$i"'@example.com","language":"en","consent":{"email":true}},"territory":"abitibi"}}'
	# one at a time: which notice waits is then known
	wait_for 10 "arrival $i handled" all_handled_but_scheduled
	# the counts made by the first arrival a second older than the next
	[ "$i" != 1 ] || sleep 1
done
notices() {
	jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "arrival_notice") | .event_id' | tr '\n' ' '
}
assert_eq "$(notices)" "a-1 a-2 " "notices sent today"
assert_eq "$(jq -r '.body' "$T/gw.jsonl" | jq -r 'select(.template == "welcome") | .to' | wc -l)" 3 \
    "welcomes (each newcomer had one message only)"
# the third waits for tomorrow, 00:00 in Québec (05:00Z)
due=$(rcli zrange relais:scheduled 0 -1 withscores | grep -A1 '^retry ' | tail -n 1)
assert_eq "$due" "$(( $(date -d 2026-03-05T05:00:00Z +%s) * 1000 ))" "deferred to"
records | jq -r 'select(.outcome == "deferred") | .reason' | grep -qF \
    'the recipient had 2 messages today (limits.max_per_recipient_per_day): deferred to 2026-03-05T05:00:00.000Z' ||
    fail "no deferral recorded: $(records | jq -c 'select(.outcome == "deferred")')"
assert_eq "$(rcli keys 'relais:rcpt:*' | wc -l)" 4 "counts (one counsellor, three newcomers)"
rcli keys 'relais:rcpt:*' | grep -q "@" && fail "an address in a count's key"
n=$(for k in $(rcli keys 'relais:rcpt:*'); do rcli get "$k"; done | sort -n | tail -n 1)
assert_eq "$n" 2 "the counsellor's count"
# each count expires two days after it was made, the counsellor's second
# message (INCR of a count that exists) keeping that expiry: theirs, made
# with the first newcomer's, ends with it, a second before the others'
first=""
for k in $(rcli keys 'relais:rcpt:*'); do
	ttl=$(rcli pttl "$k")
	[ "$ttl" -gt 0 ] && [ "$ttl" -le 172800000 ] ||
	    fail "count $k: expiry $ttl ms (want 2 days at most)"
	if [ "$(rcli get "$k")" = 2 ]; then
		counsellor=$ttl
	elif [ -z "$first" ] || [ "$ttl" -lt "$first" ]; then
		first=$ttl
	fi
done
[ "$counsellor" -le $(( first + 500 )) ] ||
    fail "the counsellor's count expires ${counsellor} ms from now, the first newcomer's ${first}: its second message pushed it"
stop_relaisd

# the next day, past midnight: the third notice goes
RELAIS_TEST_NOW=2026-03-05T05:00:30Z
start_relaisd relaisd2
wait_for 15 "the deferred notice" 'test "$(notices)" = "a-1 a-2 a-3 "'
wait_for 10 "handled" all_handled_but_scheduled
assert_eq "$(dead_count)" 0 "dead letters"
stop_relaisd
echo "recipient bound: ok"
