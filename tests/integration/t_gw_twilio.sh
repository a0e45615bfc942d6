# SPDX-License-Identifier: LiLiQ-P-1.1
# The twilio gateway against a fake Twilio that checks every request the way
# Twilio would (path, Basic auth, form encoding, field names from Twilio's
# OpenAPI description): a message sent with its sid kept, 21211 and 21610
# (opted out) dead-lettered with the code, 429 with Retry-After honoured,
# 503 then 201, a connection closed without an answer, a response slower
# than the timeout; an email refused without a request.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SID=AC0123456789abcdef0123456789abcdef
export RELAIS_TWILIO_AUTH_TOKEN=test-auth-token-$$
export RELAIS_SMS_GATEWAY=twilio-test
export RELAIS_EMAIL_GATEWAY=twilio-test	# refused: SMS only

start_redis
python3 "$ROOT/tests/fakes/twilio.py" --port-file "$T/twilio.port" \
    --record "$T/twilio.jsonl" --account-sid "$SID" \
    --auth-token-env RELAIS_TWILIO_AUTH_TOKEN \
    --script 201,400:21211,400:21610,429:2,201,503,201,close,201,slow:3000,201 \
    > "$T/twilio.log" 2>&1 &
PIDS+=($!)
wait_for 10 "the fake Twilio to listen" test -s "$T/twilio.port"
PORT=$(cat "$T/twilio.port")
touch "$T/twilio.jsonl"

write_config
sed -i 's|^gateways:$|gateways:\n  twilio-test:\n    kind: twilio\n    url: http://127.0.0.1:'"$PORT"'\n    account_sid: '"$SID"'\n    auth_token_env: RELAIS_TWILIO_AUTH_TOKEN\n    timeout_ms: 1500|' \
    "$T/relais.yaml"
grep -q "account_sid: $SID" "$T/relais.yaml" || fail "gateway not added to the config"
# Thursday noon in Rouyn-Noranda: the sms-hours window is open
RELAIS_TEST_NOW=2026-11-26T12:00:00-05:00 start_relaisd

# rec N JQ: a field of the Nth request the fake recorded
rec() {
	sed -n "${1}p" "$T/twilio.jsonl" | jq -r "$2"
}

# delivery EVENT FIELD: FIELD of each delivery record of EVENT, in order
delivery() {
	rcli xrange relais:deliveries - + | awk -v ev="$1" -v f="$2" '
	function flush() { if (started && e == ev) print v }
	name && /^[0-9]+-[0-9]+$/ || !started {
		flush(); started = 1; e = ""; v = ""; name = 1; next
	}
	name { key = $0; name = 0; next }
	{ if (key == "event_id") e = $0; if (key == f) v = $0; name = 1 }
	END { flush() }'
}

sms() {
	emit "$(event "$1" '"phone":"'"${2:-819-555-0123}"'","consent":{"sms":true}')"
}

# 1. success: one request, the fields right, the sid kept as provider id
sms ok-1
wait_for 10 "the first request" 'test "$(requests twilio)" -ge 1'
wait_for 10 "ok-1 handled" all_handled
assert_eq "$(requests twilio)" 1 "requests after ok-1"
assert_eq "$(rec 1 '.violations | length')" 0 "violations: $(rec 1 .violations)"
assert_eq "$(rec 1 .method)" POST "method"
assert_eq "$(rec 1 .path)" "/2010-04-01/Accounts/$SID/Messages.json" "path"
assert_eq "$(rec 1 .auth_user)" "$SID" "Basic auth user"
assert_eq "$(rec 1 '.headers["Content-Type"]')" application/x-www-form-urlencoded "content type"
assert_eq "$(rec 1 '.headers.Accept')" application/json "Accept"
assert_eq "$(rec 1 '.form | keys | sort | join(",")')" Body,From,To "form fields"
assert_eq "$(rec 1 .form.To)" "+18195550123" "To"
assert_eq "$(rec 1 .form.From)" "+18195550101" "From (the territory's number)"
body=$(rec 1 .form.Body)
case $body in
"Bienvenue Ana ! L'équipe d'accueil (MRC d'Abitibi) communiquera"*) ;;
*) fail "Body: got '$body'" ;;
esac
key=$(delivery ok-1 key)
assert_eq "$(rec 1 '.headers["Idempotency-Key"]')" "$key" "Idempotency-Key"
assert_eq "$(rec 1 '.headers["I-Twilio-Idempotency-Token"]')" "$key" "I-Twilio-Idempotency-Token"
case $(rec 1 '.headers["User-Agent"]') in relais/*) ;; *) fail "User-Agent";; esac
sid=$(rec 1 .sid)
echo "$sid" | grep -Eq '^SM[0-9a-f]{32}$' || fail "fake sid '$sid'"
assert_eq "$(delivery ok-1 outcome)" sent "ok-1 outcome"
assert_eq "$(delivery ok-1 provider_id)" "$sid" "provider_id recorded"

# 2. 400 / 21211: dead letter with the code, no retry
sms bad-1
wait_for 10 "bad-1 dead-lettered" 'test "$(dead_count)" = 1'
wait_for 10 "bad-1 handled" all_handled
assert_eq "$(requests twilio)" 2 "requests after bad-1"
rcli xrange relais:dead - + | grep -q "^twilio 21211: The 'To' number +\*\*\*0123 is not a valid phone number" ||
    fail "21211 reason: $(rcli xrange relais:dead - + | grep 21211)"
rcli xrange relais:dead - + | grep -qx bad-1 || fail "dead letter without bad-1"

# 3. 400 / 21610: the recipient replied STOP (a number of their own)
sms stop-1 819-555-0199
wait_for 10 "stop-1 dead-lettered" 'test "$(dead_count)" = 2'
wait_for 10 "stop-1 handled" all_handled
assert_eq "$(requests twilio)" 3 "requests after stop-1"
rcli xrange relais:dead - + | grep -q "^opted out (21610)" ||
    fail "21610 reason: $(rcli xrange relais:dead - + | grep 21610)"
# the number is now on the suppression list, with the date and the source
rcli hget relais:suppressed "sms:+18195550199" | grep -q '"source":"twilio-test"' ||
    fail "21610 did not suppress the number: $(rcli hgetall relais:suppressed)"
# and the opt-out is in the number's consent history
rcli xrange relais:consent:sms:+18195550199 - + | grep -qx twilio-test ||
    fail "21610 not in the consent history: $(rcli xrange relais:consent:sms:+18195550199 - +)"
# and nothing more is even attempted to that number
sms stop-2 819-555-0199
wait_for 10 "stop-2 handled" all_handled
rcli xrange relais:deliveries - + | grep -qx "recipient opted out (suppression list)" ||
    fail "stop-2 was not skipped as suppressed"

# 4. 429 with Retry-After: 2, then 201: waited 2 s, no attempt spent
sms wait-1
wait_for 20 "wait-1 retried" 'test "$(requests twilio)" -ge 5'
wait_for 10 "wait-1 handled" all_handled
gap=$(( ($(rec 5 .t_us) - $(rec 4 .t_us)) / 1000 ))
[ "$gap" -ge 2000 ] || fail "Retry-After: 2 not honoured: retry after ${gap} ms"
[ "$gap" -lt 4000 ] || fail "retry far too late: ${gap} ms"
assert_eq "$(delivery wait-1 outcome | tr '\n' ' ')" "retry sent " "wait-1 outcomes"
assert_eq "$(delivery wait-1 attempt | tr '\n' ' ')" "1 1 " "wait-1 attempts (a wait spends none)"
delivery wait-1 reason | grep -q "^twilio 20429: Too Many Requests" || fail "429 reason"
assert_eq "$(delivery wait-1 provider_id | tail -n 1)" "$(rec 5 .sid)" "wait-1 provider_id"

# 5. 503 then 201: delivered after a retry, same key both times
sms retry-1
wait_for 20 "retry-1 retried" 'test "$(requests twilio)" -ge 7'
wait_for 10 "retry-1 handled" all_handled
assert_eq "$(rec 6 .status) $(rec 7 .status)" "503 201" "answers"
assert_eq "$(rec 6 '.headers["Idempotency-Key"]')" "$(rec 7 '.headers["Idempotency-Key"]')" "same key on retry"
assert_eq "$(delivery retry-1 outcome | tr '\n' ' ')" "retry sent " "retry-1 outcomes"
delivery retry-1 reason | grep -q "^twilio 20503: Service Unavailable" || fail "503 reason"

# 6. connection closed without an answer: a transport error, retried
sms close-1
wait_for 20 "close-1 retried" 'test "$(requests twilio)" -ge 9'
wait_for 10 "close-1 handled" all_handled
assert_eq "$(delivery close-1 outcome | tr '\n' ' ')" "retry sent " "close-1 outcomes"
delivery close-1 reason | grep -q "^transport: " || fail "close reason: $(delivery close-1 reason)"

# 7. slower than timeout_ms: retried (Twilio may have sent it: no request
# idempotency key is documented, so this can duplicate)
sms slow-1
wait_for 20 "slow-1 retried" 'test "$(requests twilio)" -ge 11'
wait_for 10 "slow-1 handled" all_handled
assert_eq "$(delivery slow-1 outcome | tr '\n' ' ')" "retry sent " "slow-1 outcomes"
delivery slow-1 reason | grep -qi "^transport: .*timed out" || fail "timeout reason: $(delivery slow-1 reason)"

# 8. an email routed to twilio: dead letter, nothing sent
emit "$(event mail-1)"
wait_for 10 "mail-1 dead-lettered" 'test "$(dead_count)" = 3'
wait_for 10 "mail-1 handled" all_handled
rcli xrange relais:dead - + | grep -qx "twilio sends SMS only" || fail "email reason"

assert_eq "$(requests twilio)" 11 "requests in all"
assert_eq "$(jq -s '[.[].violations | length] | add' "$T/twilio.jsonl")" 0 \
    "requests Twilio would refuse: $(jq -c 'select(.violations != []) | .violations' "$T/twilio.jsonl")"
stop_relaisd
echo "twilio gateway: ok"
