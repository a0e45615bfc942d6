# SPDX-License-Identifier: LiLiQ-P-1.1
# relaisctl forget finds a person by a byte search, not by parsing: dead
# letters that are not JSON, not UTF-8, or carry the id as a number, a phone
# number written "(819) 555-0123" or "819.555.0123", an address in capitals
# in free text; in the dead letters, the stream, the inbox, the scheduled
# set, the delivery records (by their events, and a provider's status
# reports of them). Another person whose id the first one's is a prefix of
# (p-1, p-10), an event whose own id or a job's is the same text, keep all
# they have. A person whose profile is gone is found by --email and
# --phone. Export lists exactly what forget then erases.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
HANDLERS=1
export HANDLERS
write_config
start_redis
start_sink gw
start_relaisd
raw() {	# push bytes as they are
	rcli xadd relais:events '*' event "$1" > /dev/null
}
EV='"specversion":"1.0","source":"crm"'

# what producers got wrong, dead-lettered by relaisd with their bytes
raw '{'"$EV"',"id":"nj-1","type":"followup.done","data":{"person":{"id":"p-1","email":"zoe.q@exam'
raw "$(printf '{%s,"id":"iu-1","type":"newcomer.arrived","data":{"person":{"id":"p-1","first_name":"Zo\xe9"}}}' "$EV")"
raw '{'"$EV"',"id":"num-1","type":"followup.done","data":{"person":{"id":1234},"followup":{"kind":"d30"}}}'
raw '{'"$EV"',"id":"num-2","type":"followup.done","data":{"person":{"id":12345},"followup":{"kind":"d30"}}}'
raw 'Formulaire: rappeler au (819) 555-0123 SVP'
raw "$(printf '\xff\xfe contact: ZOE.Q@EXAMPLE.COM')"
raw '{'"$EV"',"id":"k-1","type":"followup.done","data":{"person":{"id":"p-10","email":"p10@example.com","phone":"(819) 555-0999"}}}'
raw '{'"$EV"',"id":"k-2","type":"followup.done","data":{"person":{"id":p-10}}}'
raw '{'"$EV"',"id":"p-1","type":"followup.done","data":{"person":{"id":"p-10"}}}'
raw '{'"$EV"',"id":"g-1","type":"followup.done","data":{"person":{"id":"crm-77","email":"Gone@Example.org","phone":"+1 819-555-0199"}}}'
raw 'sms from 819.555.0199: STOP'
wait_for 15 "eleven dead letters" 'test "$(dead_count)" = 11'
wait_for 10 "all read" all_handled
stop_relaisd

# p-1 and p-10 as the handlers keep them (p-1 also left in an index and a
# caseload their profile no longer names)
rcli hset relais:person:p-1 first_name Zoé email Zoe.Q@Example.com phone +18195550123 \
    territory vallee-de-l-or counsellor vo-1 arrived_by arr-p1 \
    mx '["relais:mx:p:vallee-de-l-or:7"]' > /dev/null
rcli hset relais:person:p-10 first_name Paul email p10@example.com phone +18195550999 \
    territory vallee-de-l-or counsellor vo-1 arrived_by arr-p10 \
    mx '["relais:mx:p:vallee-de-l-or:7"]' > /dev/null
for who in p-1 p-10; do
	rcli hset relais:announced:e-8 "$who" job-2 > /dev/null
	rcli hset relais:digest:e-9 "$who" j-1 > /dev/null
	rcli hset relais:mx:p:vallee-de-l-or:7 "$who" "72106	soudure" > /dev/null
	rcli zadd relais:caseload:vo-1 1900000000000 "$who" > /dev/null
done
rcli hset relais:mx:p:abitibi:7 p-1 "72106	soudure" > /dev/null
rcli zadd relais:caseload:vo-2 1900000000000 p-1 > /dev/null
# unread, in the inbox, scheduled
raw '{'"$EV"',"id":"ev-1","type":"followup.done","data":{"person":{"id":"p-1"},"followup":{"kind":"d30"}}}'
raw '{'"$EV"',"id":"ev-2","type":"followup.done","data":{"person":{"id":"p-10"},"followup":{"kind":"d30"}}}'
raw "$(printf '{%s,"id":"ev-3","type":"note","data":{"note":"t\xe9l 819.555.0123"}}' "$EV")"
rcli lpush relais:inbox '{'"$EV"',"id":"in-1","type":"followup.done","data":{"person":{"id":"p-1"}}}' \
    '{'"$EV"',"id":"in-2","type":"followup.done","data":{"person":{"id":"p-10"}}}' \
    '{'"$EV"',"id":"in-3","type":"job.closed","data":{"job":{"id":"p-1"}}}' > /dev/null
rcli zadd relais:scheduled 1900000000000 'retry 1 0 k1 {'"$EV"',"id":"arr-p1","type":"newcomer.arrived","data":{"person":{"id":"p-1"}}}' \
    1900000000000 'retry 1 0 k2 {'"$EV"',"id":"arr-p10","type":"newcomer.arrived","data":{"person":{"id":"p-10"}}}' > /dev/null
# delivery records: of their arrival and its status report; one whose
# reason names them; the same for p-10
dl() { rcli xadd relais:deliveries '*' "$@" > /dev/null; }
dl event_id arr-p1 outcome sent provider_id SM1 to 'Z***@Example.com'
dl provider_id SM1 outcome status status delivered
dl event_id x-9 outcome dead reason 'invalid recipient Zoe.Q@example.com'
dl event_id arr-p10 outcome sent provider_id SM2 to 'p***@example.com'
dl provider_id SM2 outcome status status delivered

has() {	# KEY-TYPE KEY TEXT: how many entries hold TEXT
	case $1 in
	stream) rcli xrange "$2" - + ;;
	list) rcli lrange "$2" 0 -1 ;;
	zset) rcli zrange "$2" 0 -1 ;;
	esac | grep -a -c -F -- "$3" || true
}
ids() {	# the entry ids of a stream
	rcli eval "local o = {} for i, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do o[i] = e[1] end return o" 1 "$1" | sort
}
# forget_checked ARGS...: export, then forget; what forget erased from the
# streams, the inbox and the scheduled set must be what export listed
forget_checked() {
	local rc=0 s
	ctl export "$@" > "$T/export.json" 2> "$T/export.err" || rc=$?
	[ "$rc" -le 1 ] || fail "export $*: exit status $rc: $(cat "$T/export.err")"
	for s in dead events deliveries; do ids "relais:$s" > "$T/$s.before"; done
	rcli lrange relais:inbox 0 -1 | sort > "$T/inbox.before"
	rcli zrange relais:scheduled 0 -1 | sort > "$T/scheduled.before"
	rc=0
	ctl forget "$@" > "$T/forget.txt" 2>&1 || rc=$?
	assert_eq "$rc" 0 "forget $* ($(cat "$T/forget.txt"))"
	for s in dead:dead_letters:id events:events:id deliveries:deliveries:id \
	    inbox:inbox:item scheduled:scheduled:member; do
		set -- ${s//:/ }
		case $1 in
		inbox) rcli lrange relais:inbox 0 -1 | sort > "$T/$1.after" ;;
		scheduled) rcli zrange relais:scheduled 0 -1 | sort > "$T/$1.after" ;;
		*) ids "relais:$1" > "$T/$1.after" ;;
		esac
		comm -23 "$T/$1.before" "$T/$1.after" > "$T/$1.gone"
		jq -r ".$2[].$3" "$T/export.json" | sort > "$T/$1.listed"
		cmp -s "$T/$1.gone" "$T/$1.listed" ||
		    fail "$1: forget erased [$(cat "$T/$1.gone")], export listed [$(cat "$T/$1.listed")]"
	done
}
count() {	# LINE: the number forget reported on it
	sed -n "s/^  $1  *\([0-9]*\)\$/\1/p" "$T/forget.txt"
}

# what export shows first: unreadable bytes in base64, with a note
ctl export p-1 > "$T/p-1.json" || fail "export p-1: exit status $?"
assert_eq "$(jq '.dead_letters | length' "$T/p-1.json")" 4 "p-1's dead letters in the export"
assert_eq "$(jq '[.dead_letters[].fields.payload | objects | select(.note | test("UTF-8"))] | length' "$T/p-1.json")" \
    2 "letters not UTF-8, in base64"
jq -r '.dead_letters[].fields.payload | objects | .base64' "$T/p-1.json" | base64 -d | grep -a -q 'Zo' ||
    fail "base64 payload does not decode to the letter"

forget_checked p-1
cat "$T/forget.txt"
# p-1: the letter that is not JSON, the one not UTF-8, the phone in a
# written form, the address in capitals in free text
assert_eq "$(has stream relais:dead '"id":"nj-1"')" 0 "letter not JSON"
assert_eq "$(has stream relais:dead '"id":"iu-1"')" 0 "letter not UTF-8"
assert_eq "$(has stream relais:dead '(819) 555-0123')" 0 "phone as (819) 555-0123"
assert_eq "$(has stream relais:dead 'ZOE.Q@EXAMPLE.COM')" 0 "address in capitals"
assert_eq "$(count "dead letters")" 4 "dead letters reported"
assert_eq "$(has stream relais:events '"id":"ev-1"')" 0 "unread event"
assert_eq "$(has stream relais:events '"id":"ev-3"')" 0 "unread event, phone as 819.555.0123, not UTF-8"
assert_eq "$(has list relais:inbox '"id":"in-1"')" 0 "inbox item"
assert_eq "$(count "unread events")" 3 "unread events reported"
assert_eq "$(has zset relais:scheduled '"id":"arr-p1"')" 0 "scheduled retry"
assert_eq "$(has stream relais:deliveries SM1)" 0 "their delivery and its status report"
assert_eq "$(has stream relais:deliveries Zoe.Q)" 0 "delivery naming them"
assert_eq "$(count "delivery records")" 3 "delivery records reported"
assert_eq "$(count "matching index entries")" 2 "index entries reported (one the profile forgot)"
assert_eq "$(count "counsellor caseload entries")" 2 "caseload entries reported (one the profile forgot)"
for k in relais:announced:e-8 relais:digest:e-9 relais:mx:p:vallee-de-l-or:7 relais:mx:p:abitibi:7; do
	assert_eq "$(rcli hexists "$k" p-1)" 0 "p-1 in $k"
done
for k in relais:caseload:vo-1 relais:caseload:vo-2; do
	assert_eq "$(rcli zscore "$k" p-1)" "" "p-1 in $k"
done
assert_eq "$(rcli exists relais:person:p-1)" 0 "p-1's profile"

# p-10 (p-1 is a prefix of their id) keeps everything, as do an event whose
# own id is "p-1" and a job whose id is
assert_eq "$(rcli exists relais:person:p-10)" 1 "p-10's profile"
for k in relais:announced:e-8 relais:digest:e-9 relais:mx:p:vallee-de-l-or:7; do
	assert_eq "$(rcli hexists "$k" p-10)" 1 "p-10 in $k"
done
assert_eq "$(rcli zscore relais:caseload:vo-1 p-10)" 1900000000000 "p-10 in the caseload"
assert_eq "$(has stream relais:dead '"id":"k-1"')" 1 "p-10's dead letter"
assert_eq "$(has stream relais:dead '"id":p-10')" 1 "p-10's dead letter, id bare"
assert_eq "$(has stream relais:dead '"id":"p-1","type"')" 1 "an event whose own id is p-1"
assert_eq "$(has stream relais:events '"id":"ev-2"')" 1 "p-10's unread event"
assert_eq "$(has list relais:inbox '"id":"in-2"')" 1 "p-10's inbox item"
assert_eq "$(has list relais:inbox '"job":{"id":"p-1"}')" 1 "a job whose id is p-1"
assert_eq "$(has zset relais:scheduled '"id":"arr-p10"')" 1 "p-10's scheduled retry"
assert_eq "$(has stream relais:deliveries SM2)" 2 "p-10's delivery and status report"
rc=0
ctl export p-1 > /dev/null 2> "$T/export.err" || rc=$?
assert_eq "$rc" 1 "export p-1 after forget ($(cat "$T/export.err"))"

# a numeric id: 1234, not 12345
forget_checked 1234
assert_eq "$(has stream relais:dead '"id":1234}')" 0 "numeric id"
assert_eq "$(has stream relais:dead '"id":12345}')" 1 "a longer numeric id"
assert_eq "$(count "dead letters")" 1 "dead letters of 1234"

# a person whose profile is gone: by the addresses the operator gives
forget_checked gone-1 --email GONE@example.org --phone '819 555 0199'
grep -q "no stored profile" "$T/forget.txt" || fail "gone-1: $(cat "$T/forget.txt")"
assert_eq "$(count "dead letters")" 2 "gone-1's letters (by email, by phone)"
assert_eq "$(has stream relais:dead 'Gone@Example.org')" 0 "by email"
assert_eq "$(has stream relais:dead '819.555.0199')" 0 "by phone"
assert_eq "$(dead_count)" 4 "dead letters left (12345, k-1, k-2, p-1 about p-10)"

# usage
rc=0
ctl forget p-1 --phone > /dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "forget --phone without a number"
rc=0
ctl forget p-1 --email not-an-address > /dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "forget --email with no address"
rc=0
ctl forget p-1 p-10 > /dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "forget of two ids at once"
echo "forget (bytes): ok"
