# SPDX-License-Identifier: LiLiQ-P-1.1
# The brevo gateway, email and SMS, against a fake Brevo that checks every
# request the way Brevo would (paths, api-key, JSON, the fields each
# endpoint defines): an arrival with both consents sends one email and one
# SMS, their messageIds kept as provider ids; 400 and 401 dead-lettered
# with Brevo's message; 429 waits for Retry-After (or x-sib-ratelimit-reset);
# 503, a reset connection and a timeout are retried and the message goes
# out once; an SMS with a non-GSM-7 letter goes with unicodeEnabled.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed (tests/deps.sh)"

export BREVO_TEST_KEY="xkeysib-relais-test-$$"
export RELAIS_EMAIL_GATEWAY=brevo-test RELAIS_SMS_GATEWAY=brevo-test
# one answer per request, in the order the cases below send them
# (slow:1500,201 is one answer: the 201 comes 1.5 s late)
SCRIPT=201,201,400,401,429:2,201,429reset:2,201,503,201,close,201,slow:1500,201
python3 "$ROOT/tests/fakes/brevo.py" --port-file "$T/brevo.port" \
    --out "$T/brevo.jsonl" --key "$BREVO_TEST_KEY" --script "$SCRIPT" \
    > "$T/brevo.log" 2>&1 &
PIDS+=($!)
wait_for 10 "the fake Brevo to listen" test -s "$T/brevo.port"
PORT=$(cat "$T/brevo.port")

start_redis
write_config
sed -i 's|^gateways:$|gateways:\n  brevo-test:\n    kind: brevo\n    url: http://127.0.0.1:'"$PORT"'\n    api_key_env: BREVO_TEST_KEY\n    timeout_ms: 1000|' \
    "$T/relais.yaml"
grep -q "url: http://127.0.0.1:$PORT" "$T/relais.yaml" || fail "gateway not added"
# Thursday noon in Rouyn-Noranda: the sms-hours window is open
RELAIS_TEST_NOW=2026-11-26T12:00:00-05:00 start_relaisd

EMAIL=/v3/smtp/email
SMS=/v3/transactionalSMS/send
# at PATH N JQ: a field of the Nth request (1-based) the fake saw at PATH
at() {
	jq -c --arg p "$1" 'select(.path == $p)' "$T/brevo.jsonl" |
	    sed -n "${2}p" | jq -r "$3"
}
# last PATH JQ: a field of the latest request at PATH
last() {
	jq -c --arg p "$1" 'select(.path == $p)' "$T/brevo.jsonl" |
	    tail -n 1 | jq -r "$2"
}
count() {
	jq -c --arg p "$1" 'select(.path == $p)' "$T/brevo.jsonl" | wc -l | tr -d ' '
}
# delivery EVENT CHANNEL FIELD: FIELD of each delivery record, in order
delivery() {
	rcli xrange relais:deliveries - + | awk -v ev="$1" -v ch="$2" -v f="$3" '
	function flush() { if (started && e == ev && c == ch) print v }
	name && /^[0-9]+-[0-9]+$/ || !started {
		flush(); started = 1; e = ""; c = ""; v = ""; name = 1; next
	}
	name { key = $0; name = 0; next }
	{
		if (key == "event_id") e = $0
		if (key == "channel") c = $0
		if (key == f) v = $0
		name = 1
	}
	END { flush() }'
}
outcomes() {
	delivery "$1" "$2" outcome | tr '\n' ' '
}
dead_reason() {
	rcli xrange relais:dead - + | grep "^HTTP $1" | head -n 1
}
PERSON_BOTH='"email":"ana@example.com","phone":"819-555-0123","consent":{"email":true,"sms":true}'
PERSON_SMS='"phone":"819-555-0123","consent":{"sms":true}'
# run PATH N EVENT: emit it, wait for N requests in all at PATH and for
# everything to be handled
run() {
	emit "$3"
	wait_for 20 "$2 request(s) at $1" 'test "$(count '"$1"')" -ge '"$2"
	wait_for 10 "the event to be handled" all_handled
	assert_eq "$(count "$1")" "$2" "requests at $1"
}
# gap PATH N: milliseconds between the (N-1)th and Nth requests at PATH
gap() {
	echo $(( ($(at "$1" "$2" .t_us) - $(at "$1" "$(( $2 - 1 ))" .t_us)) / 1000 ))
}

# 1. both consents: one email and one SMS, as Brevo documents them
emit "$(event b-1 "$PERSON_BOTH")"
wait_for 20 "the email and the SMS" \
    'test "$(count $EMAIL)" -ge 1 && test "$(count $SMS)" -ge 1'
wait_for 10 "b-1 handled" all_handled
assert_eq "$(count $EMAIL)/$(count $SMS)" 1/1 "requests for b-1"
for p in $EMAIL $SMS; do
	assert_eq "$(at "$p" 1 '.problems | length')" 0 "problems at $p: $(at "$p" 1 .problems)"
	assert_eq "$(at "$p" 1 .method)" POST "method"
	assert_eq "$(at "$p" 1 '.headers["api-key"]')" "$BREVO_TEST_KEY" "api-key"
	assert_eq "$(at "$p" 1 '.headers["content-type"]')" application/json "content type"
	assert_eq "$(at "$p" 1 '.headers.accept')" application/json "Accept"
	at "$p" 1 '.headers["user-agent"]' | grep -q '^relais/' || fail "User-Agent"
	at "$p" 1 '.headers.authorization' | grep -qx null || fail "an Authorization header"
done
assert_eq "$(at $EMAIL 1 '.body | keys_unsorted | join(",")')" \
    sender,to,replyTo,subject,textContent,htmlContent,headers,tags "email fields"
assert_eq "$(at $EMAIL 1 .body.sender.email)" accueil@abitibi.example "sender.email"
assert_eq "$(at $EMAIL 1 .body.sender.name)" "Accueil MRC d'Abitibi" "sender.name"
assert_eq "$(at $EMAIL 1 '.body.to | tostring')" '[{"email":"ana@example.com"}]' "to"
assert_eq "$(at $EMAIL 1 '.body.replyTo | tostring')" '{"email":"accueil@abitibi.example"}' "replyTo"
at $EMAIL 1 .body.subject | grep -q "Ana" || fail "subject without the first name"
at $EMAIL 1 .body.textContent | grep -q "^Bonjour Ana," || fail "textContent"
at $EMAIL 1 .body.textContent | grep -q "résidents de la région" ||
    fail "accents not intact in textContent"
at $EMAIL 1 .body.htmlContent | grep -q "<p>Bonjour Ana,</p>" || fail "htmlContent"
key=$(delivery b-1 email key)
[ -n "$key" ] || fail "no delivery key recorded for the email"
assert_eq "$(at $EMAIL 1 '.body.headers | tostring')" "{\"Idempotency-Key\":\"$key\"}" "headers"
assert_eq "$(at $EMAIL 1 '.body.tags | tostring')" '["welcome"]' "tags"
assert_eq "$(at $EMAIL 1 .answer)" 201 "email answer"
mid=$(at $EMAIL 1 .message_id)
case $mid in "<"*"@smtp-relay.mailin.fr>") ;; *) fail "fake messageId '$mid'" ;; esac
assert_eq "$(delivery b-1 email provider_id)" "$mid" "email provider_id (messageId)"
assert_eq "$(outcomes b-1 email)" "sent " "email outcomes of b-1"

assert_eq "$(at $SMS 1 '.body | keys_unsorted | join(",")')" \
    sender,recipient,content,type,unicodeEnabled,tag "SMS fields"
assert_eq "$(at $SMS 1 .body.sender)" 18195550101 "sender (the territory's number, digits)"
assert_eq "$(at $SMS 1 .body.recipient)" 18195550123 "recipient (E.164 without +)"
case $(at $SMS 1 .body.content) in
"Bienvenue Ana ! L'équipe d'accueil (MRC d'Abitibi) communiquera"*) ;;
*) fail "content: got '$(at $SMS 1 .body.content)'" ;;
esac
assert_eq "$(at $SMS 1 .body.type)" transactional "type"
assert_eq "$(at $SMS 1 .body.tag)" welcome "tag"
assert_eq "$(at $SMS 1 .gsm7)" true "the welcome SMS is GSM-7 (é is in the table)"
assert_eq "$(at $SMS 1 .body.unicodeEnabled)" false "unicodeEnabled"
assert_eq "$(at $SMS 1 '.headers["idempotency-key"]')" "$(delivery b-1 sms key)" "SMS Idempotency-Key"
smid=$(at $SMS 1 .message_id)
echo "$smid" | grep -Eq '^[0-9]{16}$' || fail "fake SMS messageId '$smid'"
assert_eq "$(delivery b-1 sms provider_id)" "$smid" "SMS provider_id (messageId)"
assert_eq "$(delivery b-1 sms encoding)" gsm7 "SMS encoding recorded"
assert_eq "$(outcomes b-1 sms)" "sent " "SMS outcomes of b-1"

# 2. email, 400: dead letter with Brevo's code and message, no retry
run $EMAIL 2 "$(event b-2)"
wait_for 10 "a dead letter for b-2" 'test "$(dead_count)" -ge 1'
assert_eq "$(dead_reason 400)" "HTTP 400: invalid_parameter: sender is invalid / not active" "400 reason"
assert_eq "$(outcomes b-2 email)" "dead " "outcomes of b-2"

# 3. SMS, 401: dead letter too (a bad key does not get better by retrying)
run $SMS 2 "$(event b-3 "$PERSON_SMS")"
wait_for 10 "a dead letter for b-3" 'test "$(dead_count)" -ge 2'
assert_eq "$(dead_reason 401)" "HTTP 401: unauthorized: Key not found" "401 reason"
assert_eq "$(outcomes b-3 sms)" "dead " "outcomes of b-3"

# 4. SMS, 429 with Retry-After: 2: the next try 2 s later, no attempt
# spent; ë is not GSM-7, so this one goes with unicodeEnabled
run $SMS 4 "$(event b-4 "$PERSON_SMS" | sed 's/"first_name":"Ana"/"first_name":"Noël"/')"
g=$(gap $SMS 4)
[ "$g" -ge 2000 ] || fail "Retry-After: 2 not honoured: second try after ${g} ms"
[ "$g" -lt 5000 ] || fail "second try far too late: ${g} ms"
assert_eq "$(at $SMS 3 .answer)/$(at $SMS 4 .answer)" 429:2/201 "answers"
assert_eq "$(outcomes b-4 sms)" "retry sent " "outcomes of b-4"
assert_eq "$(delivery b-4 sms attempt | tr '\n' ' ')" "1 1 " "attempts of b-4 (a wait spends none)"
delivery b-4 sms reason | grep -q "^HTTP 429: too_many_requests" || fail "429 reason"
last $SMS .body.content | grep -q "^Bienvenue Noël !" || fail "content with ë"
assert_eq "$(last $SMS .gsm7)/$(last $SMS .body.unicodeEnabled)" false/true "unicodeEnabled for ë"
assert_eq "$(delivery b-4 sms encoding | tail -n 1)" ucs2 "encoding of b-4"
assert_eq "$(delivery b-4 sms provider_id | tail -n 1)" "$(last $SMS .message_id)" "provider_id of b-4"

# 5. email, 429 with x-sib-ratelimit-reset only (seconds, relative)
run $EMAIL 4 "$(event b-5)"
g=$(gap $EMAIL 4)
[ "$g" -ge 1900 ] || fail "x-sib-ratelimit-reset: 2 not honoured: second try after ${g} ms"
assert_eq "$(at $EMAIL 3 .answer)/$(at $EMAIL 4 .answer)" 429reset:2/201 "answers"
assert_eq "$(outcomes b-5 email)" "retry sent " "outcomes of b-5"

# 6. email, 503 then 201: delivered once, the same Idempotency-Key
run $EMAIL 6 "$(event b-6)"
assert_eq "$(at $EMAIL 5 .answer)/$(at $EMAIL 6 .answer)" 503/201 "answers"
assert_eq "$(at $EMAIL 5 '.body.headers["Idempotency-Key"]')" \
    "$(at $EMAIL 6 '.body.headers["Idempotency-Key"]')" "same Idempotency-Key on retry"
assert_eq "$(at $EMAIL 6 '.body.headers["Idempotency-Key"]')" \
    "$(delivery b-6 email key | tail -n 1)" "Idempotency-Key of b-6"
assert_eq "$(outcomes b-6 email)" "retry sent " "outcomes of b-6"
delivery b-6 email reason | grep -q "^HTTP 503: service_unavailable" || fail "503 reason"
assert_eq "$(delivery b-6 email provider_id | tail -n 1)" "$(at $EMAIL 6 .message_id)" "provider_id of b-6"

# 7. SMS, connection reset mid-answer: a transport error, retried
run $SMS 6 "$(event b-7 "$PERSON_SMS")"
assert_eq "$(at $SMS 5 .answer)/$(at $SMS 6 .answer)" close/201 "answers"
assert_eq "$(outcomes b-7 sms)" "retry sent " "outcomes of b-7"
delivery b-7 sms reason | grep -q "^transport: " || fail "close reason: $(delivery b-7 sms reason)"

# 8. email slower than timeout_ms: retried (the Idempotency-Key lets Brevo
# drop the second copy if the first was accepted)
run $EMAIL 8 "$(event b-8)"
assert_eq "$(jq -s 'map(select(.slow_ms)) | length' "$T/brevo.jsonl")" 1 "one slow answer"
assert_eq "$(outcomes b-8 email)" "retry sent " "outcomes of b-8"
delivery b-8 email reason | grep -qi "^transport: .*timed out" ||
    fail "timeout reason: $(delivery b-8 email reason)"

assert_eq "$(wc -l < "$T/brevo.jsonl" | tr -d ' ')" 14 "requests in all"
assert_eq "$(jq -s 'map(.problems | length) | add' "$T/brevo.jsonl")" 0 \
    "requests Brevo would refuse: $(jq -c 'select(.problems != []) | .problems' "$T/brevo.jsonl")"
assert_eq "$(jq -s 'map(select(.gsm7 != null and .gsm7 == .body.unicodeEnabled)) | length' "$T/brevo.jsonl")" 0 \
    "SMS whose unicodeEnabled does not match their text"
assert_eq "$(dead_count)" 2 "dead letters"
stop_relaisd

# the fake's checks are not vacuous
code=$(curl -s -o /dev/null -w '%{http_code}' -H "api-key: $BREVO_TEST_KEY" \
    -H 'Content-Type: application/json' \
    --data-binary '{"sender":{"email":"a@example.com"},"to":[{"email":"b@example.com"}],"subject":"x","textContent":"x","custom_args":{}}' \
    "http://127.0.0.1:$PORT$EMAIL")
assert_eq "$code" 400 "unknown email field refused"
tail -n 1 "$T/brevo.jsonl" | jq -r '.problems | join("; ")' |
    grep -q "custom_args: is not a field" || fail "fake did not flag custom_args"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "api-key: $BREVO_TEST_KEY" \
    -H 'Content-Type: application/json' \
    --data-binary '{"sender":"+18195550101","recipient":"+18195550123","content":"x","unicode":true}' \
    "http://127.0.0.1:$PORT$SMS")
assert_eq "$code" 400 "bad SMS refused"
problems=$(tail -n 1 "$T/brevo.jsonl" | jq -r '.problems | join("; ")')
for p in "unicode: is not a field" "sender: must be at most" "recipient: must be"; do
	case $problems in *"$p"*) ;; *) fail "fake did not flag '$p': $problems" ;; esac
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "api-key: wrong" \
    -H 'Content-Type: application/json' --data-binary '{}' "http://127.0.0.1:$PORT$SMS")
assert_eq "$code" 401 "wrong api-key refused"
echo "brevo gateway: ok"
