# SPDX-License-Identifier: LiLiQ-P-1.1
# The sendgrid gateway against a fake SendGrid that checks every request
# against SendGrid's own OpenAPI description: a 202 with its X-Message-Id
# kept as the provider id; 400 and 401 dead-lettered with SendGrid's
# message; 429 waits for Retry-After (or X-RateLimit-Reset); 503, a reset
# connection and a timeout are retried and the message goes out once.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed (tests/deps.sh)"
SCHEMA=$ROOT/../shared/openapi/sendgrid_v3.json
[ -f "$SCHEMA" ] || fail "no OpenAPI description at $SCHEMA"

export SENDGRID_TEST_KEY="SG.relais-test.$$"
# one answer per request, in the order the cases below send them
# (slow:1500,202 is one answer: the 202 comes 1.5 s late)
SCRIPT=202,400,401,429:2,202,503,202,close,202,slow:1500,202,202,429reset:2,202
python3 "$ROOT/tests/fakes/sendgrid.py" --port-file "$T/sg.port" \
    --out "$T/sg.jsonl" --key "$SENDGRID_TEST_KEY" --schema "$SCHEMA" \
    --script "$SCRIPT" > "$T/sg.log" 2>&1 &
PIDS+=($!)
wait_for 10 "the fake SendGrid to listen" test -s "$T/sg.port"
SG_PORT=$(cat "$T/sg.port")

start_redis
write_config
sed -i 's|^gateways:$|gateways:\n  sendgrid-test:\n    kind: sendgrid\n    url: http://127.0.0.1:'"$SG_PORT"'\n    api_key_env: SENDGRID_TEST_KEY\n    timeout_ms: 1000|' \
    "$T/relais.yaml"
grep -q "url: http://127.0.0.1:$SG_PORT" "$T/relais.yaml" || fail "gateway not added"
RELAIS_EMAIL_GATEWAY=sendgrid-test start_relaisd

# sg ID: the requests the fake saw for event ID, one JSON line each
sg() {
	jq -c --arg id "$1" \
	    'select(.body.personalizations[0].custom_args.event_id == $id)' \
	    "$T/sg.jsonl"
}
sg_count() {
	sg "$1" | wc -l | tr -d ' '
}
# sg_field ID N JQ: a field of the Nth request for event ID
sg_field() {
	sg "$1" | sed -n "${2}p" | jq -r "$3"
}
# outcomes ID: the outcomes recorded in relais:deliveries for event ID
outcomes() {
	rcli xrange relais:deliveries - + | awk -v id="$1" '
	    p == "event_id" { e = $0 } p == "outcome" && e == id { printf "%s ", $0 }
	    { p = $0 }'
}
provider_id() {
	rcli xrange relais:deliveries - + | awk -v id="$1" '
	    p == "event_id" { e = $0 } p == "provider_id" && e == id { print }
	    { p = $0 }'
}
dead_reason() {
	rcli xrange relais:dead - + | grep "^HTTP $1" | head -n 1
}
# run_case ID REQUESTS: one event, then wait until it is fully handled
run_case() {
	emit "$(event "$1")"
	wait_for 20 "$2 request(s) for $1" 'test "$(sg_count '"$1"')" -ge '"$2"
	wait_for 10 "$1 to be handled" all_handled
	assert_eq "$(sg_count "$1")" "$2" "requests for $1"
}

# success: one request, as SendGrid documents it
run_case s-1 1
assert_eq "$(sg_field s-1 1 .method)" POST "method"
assert_eq "$(sg_field s-1 1 .path)" /v3/mail/send "path"
assert_eq "$(sg_field s-1 1 '.headers.authorization')" "Bearer $SENDGRID_TEST_KEY" "Bearer key"
assert_eq "$(sg_field s-1 1 '.headers["content-type"]')" application/json "content type"
assert_eq "$(sg_field s-1 1 '.headers.accept')" application/json "Accept"
sg_field s-1 1 '.headers["user-agent"]' | grep -q '^relais/' || fail "User-Agent"
assert_eq "$(sg_field s-1 1 '.problems | length')" 0 "schema problems"
assert_eq "$(sg_field s-1 1 '.body.personalizations | length')" 1 "personalizations"
assert_eq "$(sg_field s-1 1 '.body.personalizations[0].to')" \
    "$(printf '[\n  {\n    "email": "ana@example.com"\n  }\n]')" "to"
assert_eq "$(sg_field s-1 1 .body.from.email)" accueil@abitibi.example "from.email"
assert_eq "$(sg_field s-1 1 .body.from.name)" "Accueil MRC d'Abitibi" "from.name"
assert_eq "$(sg_field s-1 1 .body.reply_to.email)" accueil@abitibi.example "reply_to"
sg_field s-1 1 .body.subject | grep -q "Ana" || fail "subject without the first name"
assert_eq "$(sg_field s-1 1 '.body.content | map(.type) | join(",")')" \
    text/plain,text/html "content types, text first"
sg_field s-1 1 '.body.content[0].value' | grep -q "^Bonjour Ana," || fail "text part"
sg_field s-1 1 '.body.content[0].value' | grep -q "résidents de la région" ||
    fail "accents not intact in the text part"
sg_field s-1 1 '.body.content[1].value' | grep -q "<p>Bonjour Ana,</p>" || fail "html part"
key=$(sg_field s-1 1 '.body.personalizations[0].custom_args.delivery_key')
assert_eq "$(sg_field s-1 1 '.headers["idempotency-key"]')" "$key" "Idempotency-Key"
assert_eq "$(sg_field s-1 1 '.body.personalizations[0].custom_args | keys | join(",")')" \
    delivery_key,event_id,role,template,territory "custom_args keys"
args=$(sg_field s-1 1 '.body.personalizations[0].custom_args | tostring')
case $args in *@*|*Ana*|*example*) fail "personal data in custom_args: $args" ;; esac
mid=$(sg_field s-1 1 .message_id)
[ -n "$mid" ] && [ "$mid" != null ] || fail "the fake gave no X-Message-Id"
assert_eq "$(provider_id s-1)" "$mid" "provider_id (X-Message-Id)"
assert_eq "$(outcomes s-1)" "sent " "outcomes of s-1"
assert_eq "$(rcli exists "relais:sent:$key")" 1 "sent marker"

# 400: dead letter with SendGrid's message and field, no retry
run_case s-2 1
wait_for 10 "a dead letter for s-2" 'test "$(dead_count)" -ge 1'
assert_eq "$(dead_reason 400)" "HTTP 400: The from email does not contain a valid address. (field from.email)" "400 reason"
assert_eq "$(outcomes s-2)" "dead " "outcomes of s-2"

# 401: dead letter too (a bad key does not get better by retrying)
run_case s-3 1
wait_for 10 "a dead letter for s-3" 'test "$(dead_count)" -ge 2'
dead_reason 401 | grep -q "authorization grant is invalid" || fail "401 reason: $(dead_reason 401)"
assert_eq "$(outcomes s-3)" "dead " "outcomes of s-3"

# 429 with Retry-After: 2: the next try comes 2 s later, no attempt spent
run_case s-4 2
t1=$(sg_field s-4 1 .t_us)
t2=$(sg_field s-4 2 .t_us)
gap=$(( (t2 - t1) / 1000 ))
[ "$gap" -ge 2000 ] || fail "Retry-After: 2 not honoured: second try after ${gap} ms"
[ "$gap" -lt 5000 ] || fail "second try far too late: ${gap} ms"
assert_eq "$(outcomes s-4)" "retry sent " "outcomes of s-4"

# 503 then 202: delivered once, after a retry, same Idempotency-Key
run_case s-5 2
assert_eq "$(sg_field s-5 1 .answer)/$(sg_field s-5 2 .answer)" 503/202 "answers"
assert_eq "$(sg_field s-5 1 '.headers["idempotency-key"]')" \
    "$(sg_field s-5 2 '.headers["idempotency-key"]')" "same Idempotency-Key on retry"
assert_eq "$(outcomes s-5)" "retry sent " "outcomes of s-5"
assert_eq "$(provider_id s-5 | tail -n 1)" "$(sg_field s-5 2 .message_id)" "provider_id of s-5"

# connection reset without an answer: a transport error, retried
run_case s-6 2
assert_eq "$(sg_field s-6 1 .answer)/$(sg_field s-6 2 .answer)" close/202 "answers"
assert_eq "$(outcomes s-6)" "retry sent " "outcomes of s-6"
rcli xrange relais:deliveries - + | grep -q "^transport: " || fail "transport reason not recorded"

# an answer slower than timeout_ms: retried (the slow 202 may still count
# at SendGrid: with no idempotency key on Mail Send, that is a duplicate)
run_case s-7 2
assert_eq "$(sg s-7 | jq -s 'map(select(.slow_ms)) | length')" 1 "one slow answer"
assert_eq "$(outcomes s-7)" "retry sent " "outcomes of s-7"
rcli xrange relais:deliveries - + | grep -q "^transport: .*timed out" ||
    fail "timeout reason not recorded"

# 429 with X-RateLimit-Reset only (epoch seconds, 2 s ahead)
run_case s-8 2
t1=$(sg_field s-8 1 .t_us)
t2=$(sg_field s-8 2 .t_us)
gap=$(( (t2 - t1) / 1000 ))
# the reset is a whole second: at least 1 s ahead of the first try
[ "$gap" -ge 1000 ] || fail "X-RateLimit-Reset not honoured: second try after ${gap} ms"
assert_eq "$(outcomes s-8)" "retry sent " "outcomes of s-8"

assert_eq "$(wc -l < "$T/sg.jsonl" | tr -d ' ')" 13 "requests in all"
assert_eq "$(jq -s 'map(.problems | length) | add' "$T/sg.jsonl")" 0 \
    "requests that break SendGrid's schema"
assert_eq "$(dead_count)" 2 "dead letters"
stop_relaisd

# the fake's checks are not vacuous: a body SendGrid's schema refuses
bad='{"personalizations":[{"to":[{"email":"a@example.com"}],"tags":"x"}],"from":{"email":"b@example.com"},"custom_args":{"k":"v"},"content":[{"type":"text/html","value":"<p>x</p>"},{"type":"text/plain","value":"x"}]}'
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "Authorization: Bearer $SENDGRID_TEST_KEY" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' \
    --data-binary "$bad" "http://127.0.0.1:$SG_PORT/v3/mail/send")
assert_eq "$code" 400 "invalid body refused"
problems=$(tail -n 1 "$T/sg.jsonl" | jq -r '.problems | join("; ")')
for p in "subject: is required" "personalizations[0].tags: is not a field" \
    "custom_args: must be of type string" "text/plain must come first"; do
	case $problems in *"$p"*) ;; *) fail "fake did not flag '$p': $problems" ;; esac
done
echo "sendgrid gateway: ok"
