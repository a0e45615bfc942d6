# SPDX-License-Identifier: LiLiQ-P-1.1
# Twilio's webhooks carry no date: a signed request captured once could be
# posted again. Two relaisd on one Redis: each MessageSid (and each status
# callback's sid and status) changes things once, on whichever instance,
# and a replay is answered 200 and changes nothing. START lifts only a
# suppression a STOP from that number made: not an operator's, nor one an
# unsubscribe link asked for too. Every change is in the number's consent
# history; the replays are not.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
PUBLIC=https://relais.example.org
export TEST_UNSUB_SECRET=s3cret-for-the-unsubscribe-links
export RELAIS_TWILIO_AUTH_TOKEN=twilio-token-for-tests
N=+18195550123		# STOP, START, STOP, then replays
M=+18195550177		# suppressed by an operator
L=+18195550155		# STOP, then an unsubscribe link too

start_redis
start_sink gw
write_config
sed -i 's|^admin:$|admin:\n  public_url: '"$PUBLIC"'\n  unsubscribe_secret_env: TEST_UNSUB_SECRET\n  twilio_gateway: twilio|' "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check > /dev/null || fail "test config refused"
start_relaisd a
A_PID=$RELAISD_PID
start_relaisd b
B_PID=$RELAISD_PID

# admin_url NAME: the base URL of that instance's admin port
admin_url() {
	local log=$T/$1.log
	wait_for 10 "$1's admin port" 'grep -q "admin listening on" "$log"'
	echo "http://127.0.0.1:$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$log" | tail -n 1)"
}
A=$(admin_url a)
B=$(admin_url b)
wait_for 10 "a's consent connection" 'grep -q "redis=consent .*event=connected" "$T/a.log"'
wait_for 10 "b's consent connection" 'grep -q "redis=consent .*event=connected" "$T/b.log"'

# sign k=v...: X-Twilio-Signature of those form fields, as Twilio computes it
sign() {
	$PY - "$PUBLIC/hooks/twilio" "$@" <<'PYEOF'
import base64, hashlib, hmac, os, sys
u, params = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
data = u + "".join(k + params[k] for k in sorted(params))
print(base64.b64encode(hmac.new(os.environ["RELAIS_TWILIO_AUTH_TOKEN"].encode(), data.encode(), hashlib.sha1).digest()).decode())
PYEOF
}
# post BASE SIGNATURE k=v...: the HTTP status of that signed POST
post() {
	local base=$1 sig=$2 args=()
	shift 2
	for kv in "$@"; do args+=(--data-urlencode "$kv"); done
	curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Signature: $sig" "${args[@]}" "$base/hooks/twilio"
}
# sms BASE FROM BODY SID: a signed inbound SMS, answered 200
sms() {
	local sig
	sig=$(sign From="$2" To=+18195550101 Body="$3" MessageSid="$4")
	assert_eq "$(post "$1" "$sig" From="$2" To=+18195550101 Body="$3" MessageSid="$4")" 200 "$3 $4"
}
# outcome LOG SID: the outcome the consent write of that sid logged, once there
# (wait_for evaluates its condition in its own frame: no $1 there)
outcome() {
	local log=$T/$1.log sid=$2
	wait_for 10 "the outcome of $sid in $1.log" 'grep -q "consent: .*sid=$sid .*outcome=" "$log"'
	grep "consent: .*sid=$sid .*outcome=" "$log" | tail -n 1 | sed 's/.*outcome=//'
}
# history ID FIELD: that field of each entry of the id's consent history
history() {
	rcli xrange "relais:consent:$1" - + | awk -v f="$2" 'p == f { print } { p = $0 }' | tr '\n' ' '
}
suppressed() {
	rcli hexists relais:suppressed "sms:$1"
}
SID=SM0000000000000000000000000000000

# 1. STOP on a, START on a, STOP on b: each changes the list
sms "$A" $N STOP ${SID}1
assert_eq "$(outcome a ${SID}1)" added "STOP"
rcli hget relais:suppressed "sms:$N" | grep -q '"source":"twilio STOP"' || fail "STOP record: $(rcli hget relais:suppressed "sms:$N")"
rcli hget relais:suppressed "sms:$N" | grep -q "\"message_sid\":\"${SID}1\"" || fail "no MessageSid in the record"
sms "$A" $N START ${SID}2
assert_eq "$(outcome a ${SID}2)" removed "START"
assert_eq "$(suppressed $N)" 0 "suppressed after START"
sms "$B" $N STOP ${SID}3
assert_eq "$(outcome b ${SID}3)" added "second STOP"
rec=$(rcli hget relais:suppressed "sms:$N")

# 2. the signed START replayed, to each instance: 200, nothing changes
sms "$B" $N START ${SID}2
assert_eq "$(outcome b ${SID}2)" replayed "START replayed to b"
sms "$A" $N START ${SID}2
wait_for 10 "a's replay" 'test "$(grep -c "consent: .*sid=${SID}2 .*outcome=" "$T/a.log")" = 2'
assert_eq "$(outcome a ${SID}2)" replayed "START replayed to a"
sms "$A" $N STOP ${SID}1
wait_for 10 "the STOP replayed" 'test "$(grep -c "consent: .*sid=${SID}1 .*outcome=" "$T/a.log")" = 2'
assert_eq "$(outcome a ${SID}1)" replayed "STOP replayed"
assert_eq "$(suppressed $N)" 1 "suppressed after the replays"
assert_eq "$(rcli hget relais:suppressed "sms:$N")" "$rec" "record after the replays"
# every change in the history, in order, and nothing of the replays
assert_eq "$(history "sms:$N" action)" "optout optin optout " "history actions"
assert_eq "$(history "sms:$N" result)" "added removed added " "history results"
assert_eq "$(history "sms:$N" message_sid)" "${SID}1 ${SID}2 ${SID}3 " "history sids"
assert_eq "$(history "sms:$N" source)" "twilio STOP twilio START twilio STOP " "history sources"
# these fields and no other (no message text)
fields=$(rcli xrange "relais:consent:sms:$N" - + | awk '/^[0-9]+-[0-9]+$/ { n = 0; next } n++ % 2 == 0' | sort -u | tr '\n' ' ')
assert_eq "$fields" "action at message_sid result source " "history fields"
# the MessageSids are remembered 30 days (twilio_replay_days), the history
# as long as profiles (retention_days, 730)
ttl=$(rcli ttl "relais:twilio:sid:${SID}2")
[ "$ttl" -gt 2591000 ] && [ "$ttl" -le 2592000 ] || fail "MessageSid TTL: $ttl"
ttl=$(rcli ttl "relais:consent:sms:$N")
[ "$ttl" -gt 63071000 ] && [ "$ttl" -le 63072000 ] || fail "history TTL: $ttl"

# 3. an operator's suppression: START does not lift it
RELAIS_REDIS_URL="unix://$T/redis.sock" "$BUILD/relaisctl" -c "$T/relais.yaml" \
    suppress add "$M" "complaint" > /dev/null || fail "relaisctl suppress add"
sms "$B" $M START ${SID}4
assert_eq "$(outcome b ${SID}4)" refused "START after an operator's suppression"
assert_eq "$(suppressed $M)" 1 "operator's suppression lifted"
rcli hget relais:suppressed "sms:$M" | grep -q '"source":"relaisctl"' || fail "operator's record changed"
# the operator's opt-out is on record too, then the refused START
assert_eq "$(history "sms:$M" result)" "added refused " "operator case history"

# 4. STOP, then the unsubscribe link too: START lifts neither
sms "$A" $L STOP ${SID}5
assert_eq "$(outcome a ${SID}5)" added "STOP of $L"
token=$($PY - "sms:$L" <<'PYEOF'
import base64, hashlib, hmac, os, sys
i = sys.argv[1].encode()
mac = hmac.new(os.environ["TEST_UNSUB_SECRET"].encode(), b"relais-unsubscribe-v1\0" + i, hashlib.sha256).digest()[:16]
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
print(b(i) + "." + b(mac))
PYEOF
)
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$A/u/$token")" 200 "link POST"
wait_for 10 "the link's opt-out" 'grep -q "consent: action=optout id=sms:+\*\*\*0155 source=\"unsubscribe link\" .*outcome=kept" "$T/a.log"'
rcli hget relais:suppressed "sms:$L" | grep -q '"source":"twilio STOP"' || fail "first record changed"
rcli hget relais:suppressed "sms:$L" | grep -q '"also":\["unsubscribe link"\]' || fail "the link not noted: $(rcli hget relais:suppressed "sms:$L")"
sms "$A" $L START ${SID}6
assert_eq "$(outcome a ${SID}6)" refused "START after STOP and a link"
assert_eq "$(suppressed $L)" 1 "suppressed after START"
assert_eq "$(history "sms:$L" result)" "added kept refused " "history of $L"

# 5. a keyword without a MessageSid cannot be told from a replay: ignored
sig=$(sign From=+18195550188 To=+18195550101 Body=STOP)
assert_eq "$(post "$A" "$sig" From=+18195550188 To=+18195550101 Body=STOP)" 200 "STOP without a sid"
wait_for 10 "the refusal logged" 'grep -q "reason=\"no valid MessageSid\"" "$T/a.log"'
assert_eq "$(suppressed +18195550188)" 0 "suppressed without a sid"

# 6. status callbacks: once per sid and status, on either instance
status() {	# BASE SID STATUS [ERROR]
	local sig args=(MessageSid="$2" MessageStatus="$3")
	[ -n "${4:-}" ] && args+=(ErrorCode="$4")
	sig=$(sign "${args[@]}")
	assert_eq "$(post "$1" "$sig" "${args[@]}")" 200 "status $2 $3"
}
status "$A" ${SID}7 delivered
assert_eq "$(outcome a ${SID}7)" recorded "status"
status "$B" ${SID}7 delivered
assert_eq "$(outcome b ${SID}7)" replayed "status replayed"
status "$B" ${SID}7 undelivered 30003
wait_for 10 "the second status" 'test "$(grep -c "consent: .*sid=${SID}7 .*outcome=" "$T/b.log")" = 2'
assert_eq "$(outcome b ${SID}7)" recorded "another status of the same message"
assert_eq "$(rcli xrange relais:deliveries - + | grep -cx "${SID}7")" 2 "status records"
rcli xrange relais:deliveries - + | grep -qx 30003 || fail "error code not recorded"

stop_relaisd
RELAISD_PID=$A_PID
stop_relaisd
echo "twilio replay: ok"
