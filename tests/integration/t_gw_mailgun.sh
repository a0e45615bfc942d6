# SPDX-License-Identifier: LiLiQ-P-1.1
# The mailgun gateway against a fake Mailgun that parses every multipart
# request and checks it as Mailgun would: a 200 with its JSON id kept as the
# provider id; 400 and 401 dead-lettered with Mailgun's message; 404 (maybe
# transient) retried; 429 waits for Retry-After; 503, a reset connection
# and a timeout are retried and the message goes out once.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed (tests/deps.sh)"

export MAILGUN_TEST_KEY="key-relais-test.$$"
DOMAIN=mg.abitibi.example
# one answer per request, in the order the cases below send them
# (slow:1500,200 is one answer: the 200 comes 1.5 s late)
SCRIPT=200,400,401,404,200,429:2,200,503,200,close,200,slow:1500,200,200
python3 "$ROOT/tests/fakes/mailgun.py" --port-file "$T/mg.port" \
    --out "$T/mg.jsonl" --key "$MAILGUN_TEST_KEY" --domain "$DOMAIN" \
    --script "$SCRIPT" > "$T/mg.log" 2>&1 &
PIDS+=($!)
wait_for 10 "the fake Mailgun to listen" test -s "$T/mg.port"
MG_PORT=$(cat "$T/mg.port")

start_redis
write_config
sed -i 's|^gateways:$|gateways:\n  mailgun-test:\n    kind: mailgun\n    url: http://127.0.0.1:'"$MG_PORT"'/\n    api_key_env: MAILGUN_TEST_KEY\n    domain: '"$DOMAIN"'\n    timeout_ms: 1000|' \
    "$T/relais.yaml"
grep -q "url: http://127.0.0.1:$MG_PORT" "$T/relais.yaml" || fail "gateway not added"
RELAIS_EMAIL_GATEWAY=mailgun-test start_relaisd

# mg ID: the requests the fake saw for event ID, one JSON line each
mg() {
	jq -c --arg id "$1" 'select(.fields["v:event_id"][0] == $id)' "$T/mg.jsonl"
}
mg_count() {
	mg "$1" | wc -l | tr -d ' '
}
# mg_field ID N JQ: a field of the Nth request for event ID
mg_field() {
	mg "$1" | sed -n "${2}p" | jq -r "$3"
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
	wait_for 20 "$2 request(s) for $1" 'test "$(mg_count '"$1"')" -ge '"$2"
	wait_for 10 "$1 to be handled" all_handled
	assert_eq "$(mg_count "$1")" "$2" "requests for $1"
}

# success: one request, as Mailgun documents it
run_case m-1 1
assert_eq "$(mg_field m-1 1 .method)" POST "method"
assert_eq "$(mg_field m-1 1 .path)" "/v3/$DOMAIN/messages" "path"
assert_eq "$(mg_field m-1 1 '.headers.authorization')" \
    "Basic $(printf 'api:%s' "$MAILGUN_TEST_KEY" | base64 -w0)" "Basic api:KEY"
mg_field m-1 1 '.headers["content-type"]' |
    grep -q '^multipart/form-data; boundary=' || fail "content type"
mg_field m-1 1 '.headers["user-agent"]' | grep -q '^relais/' || fail "User-Agent"
assert_eq "$(mg_field m-1 1 '.problems | length')" 0 "problems"
assert_eq "$(mg_field m-1 1 '.form | map(.[0]) | join(",")')" \
    "from,to,subject,text,html,h:Reply-To,o:tag,v:event_id,v:delivery_key" "fields"
assert_eq "$(mg_field m-1 1 '.fields.from[0]')" \
    "\"Accueil MRC d'Abitibi\" <accueil@abitibi.example>" "from"
assert_eq "$(mg_field m-1 1 '.fields.to[0]')" ana@example.com "to"
assert_eq "$(mg_field m-1 1 '.fields["h:Reply-To"][0]')" accueil@abitibi.example "h:Reply-To"
mg_field m-1 1 '.fields.subject[0]' | grep -q "Ana" || fail "subject without the first name"
mg_field m-1 1 '.fields.text[0]' | grep -q "^Bonjour Ana," || fail "text part"
mg_field m-1 1 '.fields.text[0]' | grep -q "résidents de la région" ||
    fail "accents not intact in the text part"
mg_field m-1 1 '.fields.html[0]' | grep -q "<p>Bonjour Ana,</p>" || fail "html part"
tag=$(mg_field m-1 1 '.fields["o:tag"] | join(",")')
case $tag in ''|*,*|*@*|*Ana*|*example*) fail "o:tag: '$tag'" ;; esac
key=$(mg_field m-1 1 '.fields["v:delivery_key"][0]')
assert_eq "$(mg_field m-1 1 '.headers["idempotency-key"]')" "$key" "Idempotency-Key"
vars=$(mg_field m-1 1 '[.form[] | select(.[0] | startswith("v:"))] | tostring')
case $vars in *@*|*Ana*|*example*) fail "personal data in v: variables: $vars" ;; esac
mid=$(mg_field m-1 1 .message_id)
case $mid in "<"*"@$DOMAIN>") ;; *) fail "the fake gave no id: $mid" ;; esac
assert_eq "$(provider_id m-1)" "$mid" "provider_id (JSON id)"
assert_eq "$(outcomes m-1)" "sent " "outcomes of m-1"
assert_eq "$(rcli exists "relais:sent:$key")" 1 "sent marker"

# 400: dead letter with Mailgun's message, no retry
run_case m-2 1
wait_for 10 "a dead letter for m-2" 'test "$(dead_count)" -ge 1'
assert_eq "$(dead_reason 400)" "HTTP 400: 'to' parameter is not a valid address. please check documentation" "400 reason"
assert_eq "$(outcomes m-2)" "dead " "outcomes of m-2"

# 401: dead letter too (a bad key does not get better by retrying)
run_case m-3 1
wait_for 10 "a dead letter for m-3" 'test "$(dead_count)" -ge 2'
assert_eq "$(dead_reason 401)" "HTTP 401: Forbidden" "401 reason"
assert_eq "$(outcomes m-3)" "dead " "outcomes of m-3"

# 404 then 200: Mailgun may 404 a domain not yet seen everywhere: retried
run_case m-4 2
assert_eq "$(mg_field m-4 1 .answer)/$(mg_field m-4 2 .answer)" 404/200 "answers"
assert_eq "$(outcomes m-4)" "retry sent " "outcomes of m-4"
rcli xrange relais:deliveries - + | grep -q "^HTTP 404: Domain not found: $DOMAIN" ||
    fail "404 reason not recorded"

# 429 with Retry-After: 2: the next try comes 2 s later, no attempt spent
run_case m-5 2
t1=$(mg_field m-5 1 .t_us)
t2=$(mg_field m-5 2 .t_us)
gap=$(( (t2 - t1) / 1000 ))
[ "$gap" -ge 2000 ] || fail "Retry-After: 2 not honoured: second try after ${gap} ms"
[ "$gap" -lt 5000 ] || fail "second try far too late: ${gap} ms"
assert_eq "$(outcomes m-5)" "retry sent " "outcomes of m-5"

# 503 then 200: delivered once, after a retry, same key
run_case m-6 2
assert_eq "$(mg_field m-6 1 .answer)/$(mg_field m-6 2 .answer)" 503/200 "answers"
assert_eq "$(mg_field m-6 1 '.headers["idempotency-key"]')" \
    "$(mg_field m-6 2 '.headers["idempotency-key"]')" "same Idempotency-Key on retry"
assert_eq "$(outcomes m-6)" "retry sent " "outcomes of m-6"
assert_eq "$(provider_id m-6 | tail -n 1)" "$(mg_field m-6 2 .message_id)" "provider_id of m-6"

# connection reset mid-answer: a transport error, retried
run_case m-7 2
assert_eq "$(mg_field m-7 1 .answer)/$(mg_field m-7 2 .answer)" close/200 "answers"
assert_eq "$(outcomes m-7)" "retry sent " "outcomes of m-7"
rcli xrange relais:deliveries - + | grep -q "^transport: " || fail "transport reason not recorded"

# an answer slower than timeout_ms: retried (the slow 200 may still count
# at Mailgun: with no idempotency key documented, that is a duplicate)
run_case m-8 2
assert_eq "$(mg m-8 | jq -s 'map(select(.slow_ms)) | length')" 1 "one slow answer"
assert_eq "$(outcomes m-8)" "retry sent " "outcomes of m-8"
rcli xrange relais:deliveries - + | grep -q "^transport: .*timed out" ||
    fail "timeout reason not recorded"

assert_eq "$(wc -l < "$T/mg.jsonl" | tr -d ' ')" 13 "requests in all"
assert_eq "$(jq -s 'map(.problems | length) | add' "$T/mg.jsonl")" 0 \
    "requests Mailgun would refuse"
assert_eq "$(dead_count)" 2 "dead letters"
stop_relaisd

# the fake's checks are not vacuous: curl's own multipart passes, a form
# Mailgun refuses is refused, and so are a wrong key and a wrong domain
URL="http://127.0.0.1:$MG_PORT/v3/$DOMAIN/messages"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "api:$MAILGUN_TEST_KEY" \
    -F 'from=Été <a@abitibi.example>' -F to=b@example.com -F subject=s \
    -F text=x -F o:tag=t "$URL")
assert_eq "$code" 200 "curl's multipart accepted"
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -u "api:$MAILGUN_TEST_KEY" \
    -F from=a@abitibi.example -F to=b@example.com -F foo=bar \
    -F o:tag=a -F o:tag=b -F o:tag=c -F o:tag=é "$URL")
assert_eq "$code" 400 "invalid form refused"
problems=$(tail -n 1 "$T/mg.jsonl" | jq -r '.problems | join("; ")')
for p in "foo: is not a known parameter" "subject: parameter is missing" \
    "need at least one of" "o:tag: more than 3 tags" "o:tag: must be ASCII"; do
	case $problems in *"$p"*) ;; *) fail "fake did not flag '$p': $problems" ;; esac
done
jq -e '.message' "$T/bad.json" >/dev/null || fail "400 without a JSON message"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "api:wrong" -F from=a@b.c \
    -F to=b@example.com -F subject=s -F text=x "$URL")
assert_eq "$code" 401 "wrong key refused"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "api:$MAILGUN_TEST_KEY" \
    -F from=a@b.c -F to=b@example.com -F subject=s -F text=x \
    "http://127.0.0.1:$MG_PORT/v3/other.example/messages")
assert_eq "$code" 404 "wrong domain refused"
echo "mailgun gateway: ok"
