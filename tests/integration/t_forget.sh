# relaisctl forget: after a person's arrival (profile, assignment, planned
# follow-ups, matching index, an employer's ledger and pending digest, an
# SMS deferred to its window, a dead letter about them), forget leaves
# nothing that names or reaches them in any Redis key, checked by reading
# every key of every type; another person's data stays.
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
arrival() {	# event-id person email phone last-name
	printf '{"specversion":"1.0","id":"%s","source":"crm","type":"newcomer.arrived","data":{"person":{"id":"%s","first_name":"Zoé","last_name":"%s","email":"%s","phone":"%s","language":"fr","consent":{"email":true,"sms":true,"share_profile":true}},"territory":"vallee-de-l-or","arrival_date":"2026-03-01","profile":{"occupation":"72106","skills":["Soudure"]}}}' \
	    "$1" "$2" "$5" "$3" "$4"
}
emit '{"specversion":"1.0","id":"job-1","source":"jobs","type":"job.posted","data":{"job":{"id":"j-1","title":"Soudeur","occupation":"72106","skills":["soudure"],"territory":"vallee-de-l-or"},"employer":{"id":"e-9","name":"Forages Val-d Or","contact":{"email":"rh@forages.example"}}}}'
emit "$(arrival arr-1 "$ID" "$EMAIL" "$PHONE" "$LAST")"
emit "$(arrival arr-2 keep-1 keep@example.com +18195550001 Gardé)"
# a producer's mistake about them: dead-lettered with its bytes
emit '{"specversion":"1.0","id":"bad-1","source":"crm","type":"followup.done","data":{"person":{"id":"'"$ID"'","email":"'"$EMAIL"'"}}}'
wait_for 15 "welcomes and notices" 'test "$(requests gw)" -ge 4'
wait_for 10 "all read" all_handled_but_scheduled

# what relais keeps about them now
[ "$(rcli exists "relais:person:$ID")" = 1 ] || fail "no profile stored"
rcli zrange relais:scheduled 0 -1 | grep -q "retry .*$PHONE" || fail "no deferred SMS"
rcli hexists relais:digest:e-9 "$ID" | grep -q 1 || fail "no pending digest"
rcli xrange relais:dead - + | grep -q "$EMAIL" || fail "no dead letter"

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
stop_relaisd

RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" \
    forget "$ID" > "$T/forget.txt" || fail "forget failed: $(cat "$T/forget.txt")"
cat "$T/forget.txt"
grep -q "stored profile erased" "$T/forget.txt" || fail "report: profile"
grep -qE 'pending follow-ups cancelled +[1-9]' "$T/forget.txt" || fail "report: follow-ups"
grep -qE 'dead letters +1$' "$T/forget.txt" || fail "report: dead letter"
grep -qE 'scheduled retries +[1-9]' "$T/forget.txt" || fail "report: scheduled"
grep -qE 'pending digest entries +1$' "$T/forget.txt" || fail "report: digest"

dump > "$T/after.txt"
for s in "$ID" "$EMAIL" "$PHONE" "$LAST" "8195554711"; do
	if grep -q -- "$s" "$T/after.txt"; then
		fail "\"$s\" left behind:
$(grep -B3 -- "$s" "$T/after.txt")"
	fi
done
# the other person is untouched
for s in "relais:person:keep-1" "keep@example.com"; do
	grep -q -- "$s" "$T/after.txt" || fail "forget took $s too"
done
assert_eq "$(rcli hexists relais:mx:p:vallee-de-l-or:7 keep-1)" 1 "other profile indexed"

# forgetting someone unknown is not an error
RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" \
    forget nobody-here | grep -q "no stored profile" || fail "unknown person"
rc=0
RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" \
    forget > /dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "forget without an id: usage"
echo "forget: ok"
