# SPDX-License-Identifier: LiLiQ-P-1.1
# Email providers' bounces and complaints on the public port: SendGrid's
# signed Event Webhook (ECDSA P-256, signed here with the openssl command
# line), Mailgun's webhooks (HMAC-SHA256, Python's hmac) and Brevo's (a
# shared token). Hard bounces, complaints and unsubscribes put the address
# on the suppression list with their source, and a later message to it is
# skipped; soft bounces are counted and recorded, never suppress. Forged,
# stale, replayed and garbage requests change nothing; a batch is answered
# 200 only once every event is written (Redis down: try again later).
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export TEST_MG_KEY=key-mailgun-signing-0123456789
export TEST_BREVO_TOKEN=brevo-token-for-the-tests-0123
openssl ecparam -name prime256v1 -genkey -noout -out "$T/sg.pem" 2> /dev/null ||
    fail "openssl cannot make a P-256 key"
# as SendGrid shows its verification key: base64 DER SubjectPublicKeyInfo
TEST_SG_KEY=$(openssl ec -in "$T/sg.pem" -pubout -outform DER 2> /dev/null | base64 -w0)
export TEST_SG_KEY

start_redis
start_sink gw
write_config
# a short request deadline: step 10 outlasts it
sed -i 's|^admin:$|admin:\n  request_timeout_ms: 2000|' "$T/relais.yaml"
cat >> "$T/relais.yaml" <<'EOF'

bounces:
  max_age_s: 300
  sendgrid:
    public_key_env: TEST_SG_KEY
  mailgun:
    signing_key_env: TEST_MG_KEY
  brevo:
    token_env: TEST_BREVO_TOKEN
EOF
"$BUILD/relaisd" -c "$T/relais.yaml" --check > /dev/null || fail "test config refused"
# --check tells a missing secret and a key that is not SendGrid's kind
rc=0
out=$(env -u TEST_MG_KEY TEST_SG_KEY=bm90IGEga2V5 "$BUILD/relaisd" -c "$T/relais.yaml" --check 2>&1) || rc=$?
assert_eq "$rc" 1 "--check with a missing secret"
printf '%s\n' "$out" | grep -q "signing_key_env: environment variable TEST_MG_KEY is not set" ||
    fail "--check: no word of the missing key: $out"
printf '%s\n' "$out" | grep -q "bounces.sendgrid: the SendGrid verification key is not a DER public key" ||
    fail "--check: no word of the bad key: $out"
T0=$(date +%s)
start_relaisd
wait_for 10 "the admin port" 'grep -q "admin listening on" "$T/relaisd.log"'
URL="http://127.0.0.1:$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)"
wait_for 10 "the consent connection" 'grep -q "redis=consent .*event=connected" "$T/relaisd.log"'

# now_s: the daemon's clock in seconds (RELAIS_TEST_NOW runs on from its start)
now_s() {
	if [ -n "${RELAIS_TEST_NOW:-}" ]; then
		echo $(( $(date -u -d "$RELAIS_TEST_NOW" +%s) + $(date +%s) - T0 ))
	else
		date +%s
	fi
}
# sg_sign TS FILE: SendGrid's signature: ECDSA over SHA-256 of TS then the body
sg_sign() {
	{ printf '%s' "$1"; cat "$2"; } | openssl dgst -sha256 -sign "$T/sg.pem" | base64 -w0
}
# sg_post TS SIG FILE: the HTTP status of that POST to /hooks/sendgrid
sg_post() {
	curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    -H "X-Twilio-Email-Event-Webhook-Timestamp: $1" \
	    -H "X-Twilio-Email-Event-Webhook-Signature: $2" \
	    --data-binary @"$3" "$URL/hooks/sendgrid"
}
# mg_body TS TOKEN EVENT-DATA-JSON [KEY]: a Mailgun webhook body, signed
# as Mailgun signs: hex HMAC-SHA256(key, timestamp + token)
mg_body() {
	$PY - "$@" <<'PYEOF'
import hashlib, hmac, json, os, sys
ts, token, data = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
key = sys.argv[4] if len(sys.argv) > 4 else os.environ["TEST_MG_KEY"]
sig = hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
print(json.dumps({"signature": {"timestamp": ts, "token": token, "signature": sig},
    "event-data": data}))
PYEOF
}
# post PATH FILE [curl options...]: the HTTP status of a JSON POST
post() {
	local path=$1 file=$2
	shift 2
	curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    "$@" --data-binary @"$file" "$URL$path"
}
supp() {	# ADDRESS: the suppression record, or nothing
	rcli hget relais:suppressed "email:$1"
}
source_of() {
	supp "$1" | jq -r .source
}
m() {	# LABELS: relais_email_feedback_total{LABELS}
	metric "relais_email_feedback_total{$1}"
}
history_len() {
	rcli xlen "relais:consent:email:$1"
}

# 1. A SendGrid batch: a hard bounce, a spam report, a deferral, a delivery
ts=$(now_s)
cat > "$T/sg1.json" <<'EOF'
[{"email":"Ana@Example.com","event":"bounce","type":"bounce","sg_event_id":"c2ctMQ","sg_message_id":"m1.filter0001","timestamp":1700000000,"reason":"550 5.1.1 ana@example.com: no such user"},
 {"email":"bob@example.com","event":"spamreport","sg_event_id":"c2ctMg","sg_message_id":"m2.filter0001","timestamp":1700000001},
 {"email":"carl@example.com","event":"deferred","sg_event_id":"c2ctMw","sg_message_id":"m3.filter0001","timestamp":1700000002,"response":"421 try later"},
 {"email":"dan@example.com","event":"delivered","sg_event_id":"c2ctNA","timestamp":1700000003}]
EOF
sig=$(sg_sign "$ts" "$T/sg1.json")
assert_eq "$(sg_post "$ts" "$sig" "$T/sg1.json")" 200 "signed SendGrid batch"
# answered once written: no waiting needed
assert_eq "$(source_of ana@example.com)" "sendgrid:bounce" "hard bounce's source"
supp ana@example.com | grep -q '"message_sid":"m1.filter0001"' || fail "no message id in the record: $(supp ana@example.com)"
assert_eq "$(source_of bob@example.com)" "sendgrid:spamreport" "spam report's source"
ctl_ok suppress list
printf '%s\n' "$out" | grep -q '^email:ana@example.com .*"source":"sendgrid:bounce"' ||
    fail "relaisctl suppress list: $out"
assert_eq "$(rcli hexists relais:suppressed email:carl@example.com)" 0 "a deferral suppressed"
assert_eq "$(rcli hexists relais:suppressed email:dan@example.com)" 0 "a delivery suppressed"
assert_eq "$(m 'provider="sendgrid",kind="hard"')" 1 "hard bounces counted"
assert_eq "$(m 'provider="sendgrid",kind="soft"')" 1 "soft bounces counted"
assert_eq "$(m 'provider="sendgrid",kind="complaint"')" 1 "complaints counted"
# the soft bounce is in deliveries, the address masked
rec=$(records | jq -c 'select(.status == "deferred")')
assert_eq "$(printf '%s\n' "$rec" | grep -c .)" 1 "deferral records"
assert_eq "$(printf '%s' "$rec" | jq -r '.gateway + " " + .channel + " " + .to + " " + .provider_id')" \
    "sendgrid email c***@example.com m3.filter0001" "deferral record"
assert_eq "$(history_len ana@example.com)" 1 "ana's consent history"

# 2. The same request again (a replay, or SendGrid's retry): no second effect
rec_a=$(supp ana@example.com)
assert_eq "$(sg_post "$ts" "$sig" "$T/sg1.json")" 200 "replayed batch"
assert_eq "$(supp ana@example.com)" "$rec_a" "record after the replay"
assert_eq "$(history_len ana@example.com)" 1 "history after the replay"
assert_eq "$(m 'provider="sendgrid",kind="soft"')" 1 "soft bounces after the replay"
assert_eq "$(records | jq -c 'select(.status == "deferred")' | grep -c .)" 1 "deferral records after the replay"
assert_eq "$(metric 'relais_email_feedback_replayed_total{provider="sendgrid"}')" 3 "replays counted"

# 3. Forged: another body under that signature, no signature, a stale one
sed 's/carl@example.com","event":"deferred"/dave@example.com","event":"bounce"/' "$T/sg1.json" > "$T/sg2.json"
assert_eq "$(sg_post "$ts" "$sig" "$T/sg2.json")" 403 "body changed under the signature"
assert_eq "$(sg_post "$((ts + 1))" "$sig" "$T/sg1.json")" 403 "timestamp changed under the signature"
assert_eq "$(post /hooks/sendgrid "$T/sg2.json")" 403 "no signature"
old=$(( $(now_s) - 3600 ))
assert_eq "$(sg_post "$old" "$(sg_sign "$old" "$T/sg2.json")" "$T/sg2.json")" 403 "signed an hour ago"
assert_eq "$(rcli hexists relais:suppressed email:dave@example.com)" 0 "a refused request had an effect"
assert_eq "$(metric 'relais_email_feedback_refused_total{provider="sendgrid",reason="forged"}')" 3 "forged counted"
assert_eq "$(metric 'relais_email_feedback_refused_total{provider="sendgrid",reason="stale"}')" 1 "stale counted"

# 4. Garbage, signed or not: 400, and the daemon carries on
printf '[{"email":"x@example.com","event":"bounce"' > "$T/junk.json"
ts=$(now_s)
assert_eq "$(sg_post "$ts" "$(sg_sign "$ts" "$T/junk.json")" "$T/junk.json")" 400 "signed truncated JSON"
printf '{"not":"an array"}' > "$T/junk2.json"
assert_eq "$(sg_post "$ts" "$(sg_sign "$ts" "$T/junk2.json")" "$T/junk2.json")" 400 "signed object"
head -c 3000 /dev/urandom > "$T/junk3.bin"
assert_eq "$(post /hooks/mailgun "$T/junk3.bin")" 400 "random bytes to mailgun"
assert_eq "$(post /hooks/brevo "$T/junk3.bin" -H "Authorization: Bearer $TEST_BREVO_TOKEN")" 400 "random bytes to brevo"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T/junk.json" "$URL/hooks/sendgrid")" 415 "not JSON"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/hooks/sendgrid")" 405 "GET"
alive || fail "relaisd died on garbage"
assert_eq "$(curl -s "$URL/healthz")" ok "healthz after garbage"

# 5. A large batch (SendGrid's can be hundreds of KB): the hooks take up
# to 1 MiB, every other path keeps its small cap
$PY - "$T/big.json" <<'PYEOF'
import json, sys
ev = [{"email": "user%d@example.com" % i, "event": "delivered", "sg_event_id": "big%d" % i,
       "sg_message_id": "mbig%d.filter0001" % i, "timestamp": 1700000000 + i,
       "smtp-id": "<%d@example.com>" % i, "category": ["welcome"]} for i in range(2500)]
ev.append({"email": "erin@example.com", "event": "bounce", "type": "bounce", "sg_event_id": "big-bounce"})
open(sys.argv[1], "w").write(json.dumps(ev))
PYEOF
size=$(wc -c < "$T/big.json")
[ "$size" -gt 200000 ] || fail "the large batch is only $size bytes"
ts=$(now_s)
assert_eq "$(sg_post "$ts" "$(sg_sign "$ts" "$T/big.json")" "$T/big.json")" 200 "a batch of $size bytes"
assert_eq "$(source_of erin@example.com)" "sendgrid:bounce" "the bounce in the large batch"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$T/huge.json"
assert_eq "$(sg_post "$ts" "x" "$T/huge.json")" 413 "over 1 MiB"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big.json" "$URL/healthz")" 413 "a large body elsewhere"
alive || fail "relaisd died on large bodies"

# 6. Mailgun: a permanent failure and a complaint suppress; a temporary
# failure does not; forged, stale and replayed requests change nothing
mg() {	# TOKEN EVENT-DATA [TS]: posts it signed, prints the status
	mg_body "${3:-$(now_s)}" "$1" "$2" > "$T/mg.json"
	post /hooks/mailgun "$T/mg.json"
}
assert_eq "$(mg tok-0000000000000000000000000000000000000000000001 \
    '{"event":"failed","severity":"permanent","recipient":"frank@example.com","id":"mg-1","timestamp":1700000000.5,"reason":"bounce","message":{"headers":{"message-id":"20260101.1@mg.example.org"}}}')" 200 "mailgun permanent failure"
assert_eq "$(source_of frank@example.com)" "mailgun:failed" "permanent failure's source"
cp "$T/mg.json" "$T/mg-replay.json"
assert_eq "$(mg tok-0000000000000000000000000000000000000000000002 \
    '{"event":"complained","recipient":"grace@example.com","id":"mg-2","timestamp":1700000001.5}')" 200 "mailgun complaint"
assert_eq "$(source_of grace@example.com)" "mailgun:complained" "complaint's source"
assert_eq "$(mg tok-0000000000000000000000000000000000000000000003 \
    '{"event":"failed","severity":"temporary","recipient":"henry@example.com","id":"mg-3","timestamp":1700000002.5}')" 200 "mailgun temporary failure"
assert_eq "$(rcli hexists relais:suppressed email:henry@example.com)" 0 "a temporary failure suppressed"
assert_eq "$(m 'provider="mailgun",kind="soft"')" 1 "mailgun soft bounces"
assert_eq "$(post /hooks/mailgun "$T/mg-replay.json")" 200 "mailgun replay"
assert_eq "$(history_len frank@example.com)" 1 "history after the mailgun replay"
assert_eq "$(m 'provider="mailgun",kind="hard"')" 1 "mailgun hard bounces after the replay"
mg_body "$(now_s)" tok-0000000000000000000000000000000000000000000004 \
    '{"event":"complained","recipient":"ivy@example.com","id":"mg-4"}' wrong-signing-key-0123456789 > "$T/mg.json"
assert_eq "$(post /hooks/mailgun "$T/mg.json")" 403 "mailgun, another key"
assert_eq "$(mg tok-0000000000000000000000000000000000000000000005 \
    '{"event":"complained","recipient":"ivy@example.com","id":"mg-5"}' $(( $(now_s) - 900 )))" 403 "mailgun, 15 minutes old"
printf '{"event-data":{"event":"complained","recipient":"ivy@example.com","id":"mg-6"}}' > "$T/mg.json"
assert_eq "$(post /hooks/mailgun "$T/mg.json")" 403 "mailgun, no signature"
assert_eq "$(rcli hexists relais:suppressed email:ivy@example.com)" 0 "a refused mailgun request had an effect"

# 7. Brevo: the token (Bearer, or as Basic's password), never without it
printf '{"event":"hard_bounce","email":"jack@example.com","id":123456,"date":"2026-03-04 10:00:00","ts":1700000000,"message-id":"<202603041000.1@smtp-relay.mailin.fr>","ts_event":1700000000,"ts_epoch":1700000000123,"reason":"unknown user"}' > "$T/br.json"
assert_eq "$(post /hooks/brevo "$T/br.json" -H "Authorization: Bearer wrong-token-0123456789")" 401 "brevo, wrong token"
assert_eq "$(post /hooks/brevo "$T/br.json")" 401 "brevo, no token"
assert_eq "$(rcli hexists relais:suppressed email:jack@example.com)" 0 "a refused brevo request had an effect"
assert_eq "$(post /hooks/brevo "$T/br.json" -H "Authorization: Bearer $TEST_BREVO_TOKEN")" 200 "brevo hard bounce"
assert_eq "$(source_of jack@example.com)" "brevo:hard_bounce" "brevo hard bounce's source"
assert_eq "$(post /hooks/brevo "$T/br.json" -H "Authorization: Bearer $TEST_BREVO_TOKEN")" 200 "brevo replay"
assert_eq "$(history_len jack@example.com)" 1 "history after the brevo replay"
printf '[{"event":"spam","email":"kate@example.com","ts_event":1700000100,"ts_epoch":1700000100000},{"event":"soft_bounce","email":"liam@example.com","ts_event":1700000101}]' > "$T/br2.json"
assert_eq "$(post /hooks/brevo "$T/br2.json" -u "relais:$TEST_BREVO_TOKEN")" 200 "brevo batch, token as the password"
assert_eq "$(source_of kate@example.com)" "brevo:spam" "brevo complaint's source"
assert_eq "$(rcli hexists relais:suppressed email:liam@example.com)" 0 "a brevo soft bounce suppressed"
assert_eq "$(m 'provider="brevo",kind="soft"')" 1 "brevo soft bounces"

# 8. A later message to a suppressed address is skipped; to a soft-bounced
# one it goes
emit "$(event b-1)"
wait_for 10 "handled" all_handled
assert_eq "$(requests gw)" 0 "requests to a bounced address"
rcli xrange relais:deliveries - + | grep -qx "recipient opted out (suppression list)" ||
    fail "skip not recorded"
emit "$(event b-2 '"email":"carl@example.com","consent":{"email":true}')"
wait_for 10 "sent to the soft-bounced address" 'test "$(requests gw)" = 1'

# 9. Redis down: the write cannot be made, the provider is asked to try
# again (503; 429 for Brevo, which gives up on a 5xx); back up, it is
rcli shutdown nosave > /dev/null 2>&1 || true
wait_for 10 "redis-server to stop" '! test -S "$T/redis.sock"'
assert_eq "$(mg tok-0000000000000000000000000000000000000000000007 \
    '{"event":"complained","recipient":"mia@example.com","id":"mg-7"}')" 503 "mailgun while Redis is down"
printf '{"event":"spam","email":"noah@example.com","ts_event":1700000200}' > "$T/br3.json"
code=$(curl -s -D "$T/hdr" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TEST_BREVO_TOKEN" --data-binary @"$T/br3.json" "$URL/hooks/brevo")
assert_eq "$code" 429 "brevo while Redis is down"
grep -qi '^Retry-After: 60' "$T/hdr" || fail "no Retry-After: $(cat "$T/hdr")"
# the same server again (relaisd may write to it before any check could)
redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly no --dir "$T" >> "$T/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for 10 "redis-server to answer again" rcli ping
wait_for 20 "the consent connection back" \
    'test "$(grep -c "redis=consent .*event=connected" "$T/relaisd.log")" -ge 2'
assert_eq "$(mg tok-0000000000000000000000000000000000000000000008 \
    '{"event":"complained","recipient":"mia@example.com","id":"mg-7"}')" 200 "mailgun retried"
assert_eq "$(source_of mia@example.com)" "mailgun:complained" "the retried complaint"
assert_eq "$(post /hooks/brevo "$T/br3.json" -H "Authorization: Bearer $TEST_BREVO_TOKEN")" 200 "brevo retried"
assert_eq "$(source_of noah@example.com)" "brevo:spam" "the retried brevo complaint"

# 10. Redis answers after the port's deadline: the connection is closed
# unanswered (the provider will try again), the write lands once
kill -STOP "$REDIS_PID"
assert_eq "$(mg tok-0000000000000000000000000000000000000000000009 \
    '{"event":"complained","recipient":"olga@example.com","id":"mg-9"}')" 000 "answer past the deadline"
cp "$T/mg.json" "$T/mg-late.json"
kill -CONT "$REDIS_PID"
wait_for 10 "the late write" 'grep -q "evhook: provider=mailgun .*outcome=unanswered" "$T/relaisd.log"'
assert_eq "$(source_of olga@example.com)" "mailgun:complained" "the late complaint"
assert_eq "$(post /hooks/mailgun "$T/mg-late.json")" 200 "mailgun's retry"
assert_eq "$(history_len olga@example.com)" 1 "history after the retry"
alive || fail "relaisd died with a request held past its deadline"

# no address in clear in the logs, refused requests' included
for a in ana@example.com bob@example.com dave@example.com frank@example.com \
    ivy@example.com jack@example.com kate@example.com mia@example.com; do
	if grep -qi "$a" "$T/relaisd.log"; then
		fail "$a in clear in the log: $(grep -i "$a" "$T/relaisd.log" | head -n 1)"
	fi
done
grep -q 'evhook: provider=sendgrid outcome=refused reason="bad signature"' "$T/relaisd.log" ||
    fail "forged request not logged"
stop_relaisd
echo "bounces: ok"
