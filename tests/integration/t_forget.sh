# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisctl forget: after a person's arrival (profile, assignment, planned
# follow-ups, one of them fired already, matching index, an employer's
# ledger, another's pending digest, an SMS deferred to its window, a dead letter
# about them, events about them still unread on the stream and in the
# inbox list), forget leaves nothing that names or reaches them in any
# Redis key, checked by reading every key of every type, nor the dedupe
# markers of their follow-ups, nor the delivery records of their events;
# another person's data stays.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw
# Tuesday 3 March 2026, 06:00 in Québec: business hours closed, SMS too
RELAIS_TEST_NOW=2026-03-03T11:00:00Z
export RELAIS_TEST_NOW
start_relaisd

ID=zq-4711 EMAIL=zoe.q4711@example.com PHONE=+18195554711 LAST=Quesnel-Zyx
arrival() {	# event-id person email phone last-name arrival-date
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Zoé","last_name":"%s","email":"%s","phone":"%s","language":"fr","consent":{"email":true,"sms":true,"share_profile":true}},"territory":"vallee-de-l-or","arrival_date":"%s","profile":{"occupation":"72106","skills":["Soudure"]}}}' \
	    "$1" "$2" "$5" "$3" "$4" "$6"
}
emit '{"specversion":"1.0","id":"job-1","source":"jobs","type":"job.posted","data":{"job":{"id":"j-1","title":"Soudeur","occupation":"72106","skills":["soudure"],"territory":"vallee-de-l-or"},"employer":{"id":"e-9","name":"Forages Val-d Or","contact":{"email":"rh@forages.example"}}}}'
# registered late: their 7-day follow-up is past, and falls due at once
emit "$(arrival arr-1 "$ID" "$EMAIL" "$PHONE" "$LAST" 2026-02-20)"
emit "$(arrival arr-2 keep-1 keep@example.com +18195550001 Gardé 2026-03-01)"
# a producer's mistake about them: dead-lettered with its bytes
emit '{"specversion":"1.0","id":"bad-1","source":"crm","type":"followup.done","data":{"person":{"id":"'"$ID"'","email":"'"$EMAIL"'"}}}'
wait_for 15 "welcomes and notices" 'test "$(requests gw)" -ge 4'
# a posting fitting both: its employer is told of them at once (a ledger)
emit '{"specversion":"1.0","id":"job-2","source":"jobs","type":"job.posted","data":{"job":{"id":"j-2","title":"Soudeuse","occupation":"72106","skills":["soudure"],"territory":"vallee-de-l-or"},"employer":{"id":"e-8","name":"Usinage Malartic","contact":{"email":"rh@usinage.example"}}}}'
wait_for 15 "the employer alert" 'test "$(requests gw)" -ge 5'
wait_for 10 "the 7-day follow-up" 'test -n "$(rcli --scan --pattern "relais:seen:fu-*")"'
wait_for 10 "all read" all_handled_but_scheduled

# what relais keeps about them now
[ "$(rcli exists "relais:person:$ID")" = 1 ] || fail "no profile stored"
rcli zrange relais:scheduled 0 -1 | grep -q "retry .*$PHONE" || fail "no deferred SMS"
assert_eq "$(rcli hexists relais:digest:e-9 "$ID")" 1 "pending digest"
assert_eq "$(rcli hexists relais:announced:e-8 "$ID")" 1 "ledger"
rcli xrange relais:dead - + | grep -q "$EMAIL" || fail "no dead letter"
# the dedupe markers of their follow-ups (keep-1 has none fired yet)
markers=$(rcli --scan --pattern 'relais:seen:fu-*')
assert_eq "$(printf '%s\n' "$markers" | wc -l)" 1 "follow-up dedupe markers"

# every value of every key, one per line
dump() {
	rcli --scan | while read -r k; do
		echo "key $k"
		case $(rcli type "$k") in
		string) rcli get "$k" ;;
		hash) rcli hgetall "$k" ;;
		set) rcli smembers "$k" ;;
		zset) rcli zrange "$k" 0 -1 ;;
		list) rcli lrange "$k" 0 -1 ;;
		stream) rcli xrange "$k" - + ;;
		esac
	done
}
dump > "$T/before.txt"
grep -q "$ID" "$T/before.txt" || fail "dump misses the person"
sched_kinds_exact "before forget"
stop_relaisd

# events about them and about keep-1 that no relaisd has read yet
done_event() {	# event-id person
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"followup.done","data":{"person":{"id":"%s","email":"x@example.com"},"followup":{"kind":"d30"}}}' "$1" "$2"
}
rcli lpush relais:inbox "$(done_event in-1 "$ID")" "$(done_event in-2 keep-1)" >/dev/null
emit "$(done_event ev-1 "$ID")"
emit "$(done_event ev-2 keep-1)"
rcli lrange relais:inbox 0 -1 | grep -q "$ID" || fail "no inbox item about them"
rcli xrange relais:events - + | grep -q "$ID" || fail "no unread event about them"

rc=0
ctl forget "$ID" > "$T/forget.txt" 2> "$T/forget.err" || rc=$?
assert_eq "$rc" 0 "forget exit status ($(cat "$T/forget.err" "$T/forget.txt"))"
cat "$T/forget.txt"
# the lists and markers themselves, read directly
inbox=$(rcli lrange relais:inbox 0 -1)
assert_eq "$(printf '%s\n' "$inbox" | grep -c "$ID")" 0 "inbox items about them"
assert_eq "$(printf '%s\n' "$inbox" | grep -c '"id":"keep-1"')" 1 "keep-1's inbox item"
assert_eq "$(rcli llen relais:inbox)" 1 "inbox items left"
events=$(rcli xrange relais:events - +)
assert_eq "$(printf '%s\n' "$events" | grep -c "$ID")" 0 "unread events about them"
assert_eq "$(printf '%s\n' "$events" | grep -c '"id":"keep-1"')" 1 "keep-1's unread event"
assert_eq "$(rcli xlen relais:events)" 1 "unread events left"
for k in $markers; do
	assert_eq "$(rcli exists "$k")" 0 "follow-up dedupe marker $k"
done

dump > "$T/after.txt"
for s in "$ID" "$EMAIL" "$PHONE" "$LAST" "8195554711"; do
	if grep -q -- "$s" "$T/after.txt"; then
		fail "\"$s\" left behind:
$(grep -B3 -- "$s" "$T/after.txt")"
	fi
done
# what forget says it did
grep -q "stored profile erased" "$T/forget.txt" || fail "report: profile"
grep -qE 'pending follow-ups cancelled +[1-9]' "$T/forget.txt" || fail "report: follow-ups"
grep -qE 'dead letters +1$' "$T/forget.txt" || fail "report: dead letter"
grep -qE 'scheduled retries +[1-9]' "$T/forget.txt" || fail "report: scheduled"
grep -qE 'pending digest entries +1$' "$T/forget.txt" || fail "report: digest"
grep -qE 'employer ledger entries +1$' "$T/forget.txt" || fail "report: ledger"
grep -qE 'unread events +2$' "$T/forget.txt" || fail "report: unread events"
grep -qE 'follow-up dedupe markers +1$' "$T/forget.txt" || fail "report: dedupe markers"
grep -qE 'delivery records +[1-9]' "$T/forget.txt" || fail "report: delivery records"
# the delivery records of their arrival went, the other's stay
assert_eq "$(deliveries_with arr-1)" 0 "delivery records of their arrival"
[ "$(deliveries_with arr-2)" -ge 1 ] || fail "the other's delivery records went too"

# the other person is untouched
for s in "relais:person:keep-1" "keep@example.com"; do
	grep -q -- "$s" "$T/after.txt" || fail "forget took $s too"
done
assert_eq "$(rcli hkeys relais:announced:e-8)" keep-1 "ledger after forget"
assert_eq "$(rcli hexists relais:mx:p:vallee-de-l-or:7 keep-1)" 1 "other profile indexed"

# forgetting someone unknown is not an error
rc=0
out=$(ctl forget nobody-here 2> "$T/forget.err") || rc=$?
assert_eq "$rc" 0 "forget of an unknown person: exit status ($(cat "$T/forget.err"))"
printf '%s\n' "$out" | grep -q "^person nobody-here: no stored profile$" ||
    fail "unknown person: $out"
rc=0
ctl forget > /dev/null 2> "$T/forget.err" || rc=$?
assert_eq "$rc" 2 "forget without an id: usage"
grep -q "usage" "$T/forget.err" || fail "forget without an id: no usage: $(cat "$T/forget.err")"
sched_kinds_exact "after forget"
echo "forget: ok"
