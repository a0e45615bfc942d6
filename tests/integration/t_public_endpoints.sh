# SPDX-License-Identifier: LiLiQ-P-1.1
# The public endpoints of the admin port: an unsubscribe link (signed token,
# GET shows a form and changes nothing, POST unsubscribes) and Twilio's
# webhook (X-Twilio-Signature checked; ARRÊT suppresses the number, START
# lifts it; a status callback is recorded). Tokens and signatures are made
# here by an independent Python implementation.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
port=$(free_port)
export RELAIS_ADMIN_ADDR=127.0.0.1:$port
export TEST_UNSUB_SECRET=s3cret-for-the-unsubscribe-links
export RELAIS_TWILIO_AUTH_TOKEN=twilio-token-for-tests
start_redis
start_sink gw
write_config
sed -i 's|^admin:$|admin:\n  public_url: http://127.0.0.1:'"$port"'\n  unsubscribe_secret_env: TEST_UNSUB_SECRET\n  twilio_gateway: twilio|' "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check > /dev/null || fail "test config refused"
start_relaisd
url="http://127.0.0.1:$port"
wait_for 10 "the admin port" 'curl -s "$url/healthz" | grep -q ok'

token=$($PY - <<'PYEOF'
import base64, hashlib, hmac, os
i = b"email:ana@example.com"
mac = hmac.new(os.environ["TEST_UNSUB_SECRET"].encode(), b"relais-unsubscribe-v1\0" + i, hashlib.sha256).digest()[:16]
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
print(b(i) + "." + b(mac))
PYEOF
)
code=$(curl -s -o "$T/get.html" -w '%{http_code}' "$url/u/$token")
assert_eq "$code" 200 "GET /u/"
grep -q '<form' "$T/get.html" || fail "no confirmation form"
assert_eq "$(rcli hexists relais:suppressed email:ana@example.com)" 0 "a GET unsubscribes nobody"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/u/${token%?}x")" 404 "forged token"
code=$(curl -s -o /dev/null -w '%{http_code}' -d List-Unsubscribe=One-Click "$url/u/$token")
assert_eq "$code" 200 "one-click POST"
wait_for 10 "the opt-out recorded" 'rcli hget relais:suppressed email:ana@example.com | grep -q "unsubscribe link"'
emit "$(event u-1)"
wait_for 10 "handled" all_handled
assert_eq "$(requests gw)" 0 "nothing sent after unsubscribing"

# Twilio: an inbound "ARRÊT", signed as Twilio signs
sign() {
	$PY - "$url/hooks/twilio" "$@" <<'PYEOF'
import base64, hashlib, hmac, os, sys
u, params = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
data = u + "".join(k + params[k] for k in sorted(params))
print(base64.b64encode(hmac.new(os.environ["RELAIS_TWILIO_AUTH_TOKEN"].encode(), data.encode(), hashlib.sha1).digest()).decode())
PYEOF
}
post() {	# post SIGNATURE k=v...
	local sig=$1 args=()
	shift
	for kv in "$@"; do args+=(--data-urlencode "$kv"); done
	curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Signature: $sig" "${args[@]}" "$url/hooks/twilio"
}
sig=$(sign From=+18195550123 To=+18195550101 Body=ARRÊT MessageSid=SM00000000000000000000000000000001)
assert_eq "$(post "$sig" From=+18195550123 To=+18195550101 Body=ARRÊT MessageSid=SM00000000000000000000000000000001)" 200 "signed STOP"
wait_for 10 "the number suppressed" 'rcli hexists relais:suppressed sms:+18195550123 | grep -qx 1'
assert_eq "$(post "$sig" From=+18195550199 To=+18195550101 Body=ARRÊT MessageSid=SM00000000000000000000000000000001)" 403 "forged request"
assert_eq "$(rcli hexists relais:suppressed sms:+18195550199)" 0 "forged request had no effect"
sig=$(sign From=+18195550123 To=+18195550101 Body=START MessageSid=SM00000000000000000000000000000002)
assert_eq "$(post "$sig" From=+18195550123 To=+18195550101 Body=START MessageSid=SM00000000000000000000000000000002)" 200 "signed START"
wait_for 10 "the number back" 'rcli hexists relais:suppressed sms:+18195550123 | grep -qx 0'
sig=$(sign MessageSid=SM00000000000000000000000000000003 MessageStatus=delivered)
assert_eq "$(post "$sig" MessageSid=SM00000000000000000000000000000003 MessageStatus=delivered)" 200 "status callback"
wait_for 10 "the status recorded" 'rcli xrange relais:deliveries - + | grep -qx SM00000000000000000000000000000003'
stop_relaisd
echo "public endpoints: ok"
