# SPDX-License-Identifier: LiLiQ-P-1.1
# Unsubscribe links of the v2 kind: the address is nowhere in the token; a
# link keeps working through a key rotation while its key stays in the
# ring, and stops once the key is taken out; v1 links (the older secret)
# keep working as long as that secret does; a second unsubscribe keeps the
# first record and adds to the history; a link past its last day gets a
# page that says so, and changes nothing.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export OLD_SECRET=the-secret-of-links-sent-before-v2
export K1_SECRET=first-key-of-the-ring-32-bytes..
export K2_SECRET=second-key-of-the-ring-32-bytes.
# a Monday afternoon in January: links made now work through day D0 + 60
export RELAIS_TEST_NOW=2026-01-05T15:00:00Z
D0=$(( $(date -u -d 2026-01-05 +%s) / 86400 ))

start_redis
write_config
# a welcome that shows its link (only the employers' alerts do, shipped)
rm "$T/templates"
cp -r "$ROOT/config/templates" "$T/templates"
printf '{{#unsubscribe_url}}\nDésabonnement : {{unsubscribe_url}}\n{{/unsubscribe_url}}\n' \
    >> "$T/templates/fr/welcome.txt.mustache"
sed -i 's|^admin:$|admin:\n  public_url: https://relais.example.org\n  unsubscribe_secret_env: OLD_SECRET|' "$T/relais.yaml"
cp "$T/relais.yaml" "$T/base.yaml"
# ring KEY...: the config with unsubscribe.keys made of those (k1, k2)
ring() {
	{
		cat "$T/base.yaml"
		printf 'unsubscribe:\n  valid_days: 60\n  keys:\n'
		for k in "$@"; do
			printf '    - { id: %s, secret_env: %s_SECRET }\n' "$k" "$(echo "$k" | tr a-z A-Z)"
		done
	} > "$T/relais.yaml"
}
# refused: SECTION MESSAGE: --check fails on base.yaml plus that section
refused() {
	local rc=0
	{ cat "$T/base.yaml"; printf '%b' "$1"; } > "$T/bad.yaml"
	"$BUILD/relaisd" -c "$T/bad.yaml" --check > /dev/null 2> "$T/check.err" || rc=$?
	assert_eq "$rc" 1 "exit status of --check ($2)"
	grep -q "$2" "$T/check.err" || fail "--check: expected \"$2\", got: $(cat "$T/check.err")"
}
refused 'unsubscribe:\n  valid_days: 59\n  keys: [ { id: k1, secret_env: K1_SECRET } ]\n' \
    "valid_days must be an integer between 60 and 3650"
refused 'unsubscribe:\n  keys: [ { id: k1, secret_env: K1_SECRET }, { id: k1, secret_env: K2_SECRET } ]\n' \
    'key id "k1" is given twice'
refused 'unsubscribe:\n  keys: [ { id: default, secret_env: K1_SECRET } ]\n' \
    'key id "default" is given twice'
refused 'unsubscribe:\n  keys: [ { id: "k 1", secret_env: K1_SECRET } ]\n' \
    "a key id is 1 to 16 characters"
refused 'unsubscribe:\n  keys: [ { id: k1, secret_env: NO_SUCH_VARIABLE } ]\n' \
    "environment variable NO_SUCH_VARIABLE is not set"
refused 'unsubscribe:\n  keys: [ { id: k1 } ]\n' "needs an id and secret_env or secret_file"
refused 'unsubscribe:\n  keys: []\n' "unsubscribe.keys is empty"
ring k1
"$BUILD/relaisd" -c "$T/relais.yaml" --check > /dev/null || fail "test config refused"
RELAIS_EMAIL_GATEWAY=outbox start_relaisd
wait_for 10 "the admin port" 'grep -q "admin listening on" "$T/relaisd.log"'
url="http://127.0.0.1:$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)"

# link N: the token of the unsubscribe link in the Nth message of the outbox
link() {
	wait_for 10 "message $1 in the outbox" 'test "$(wc -l < "$T/outbox.jsonl" 2>/dev/null)" -ge '"$1"
	sed -n "${1}p" "$T/outbox.jsonl" | jq -r .text |
	    sed -n 's|^Désabonnement : https://relais.example.org/u/||p'
}
code() {	# METHOD TOKEN [QUERY]: the HTTP status, the page in $T/page.html
	curl -s -o "$T/page.html" -w '%{http_code}' -X "$1" "$url/u/$2${3:-}"
}
reload() {
	local n
	n=$(grep -c "reload: .* loaded" "$T/relaisd.log" || true)
	kill -HUP "$RELAISD_PID"
	wait_for 10 "the reload" 'test "$(grep -c "reload: .* loaded" "$T/relaisd.log")" -gt '"$n"
}
record() {
	rcli hget relais:suppressed "email:$1@example.com"
}
v1() {	# ID: a v1 token made with OLD_SECRET, by Python
	$PY - "$1" <<'PYEOF'
import base64, hashlib, hmac, os, sys
i = sys.argv[1].encode()
mac = hmac.new(os.environ["OLD_SECRET"].encode(), b"relais-unsubscribe-v1\0" + i, hashlib.sha256).digest()[:16]
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
print(b(i) + "." + b(mac))
PYEOF
}

# 1. the link of a welcome: v2, key k1, D0 + 60, no address in it
emit "$(event u-1)"
ana=$(link 1)
printf '%s\n' "$ana" | grep -Eqx 'v2\.k1\.[0-9]+\.[A-Za-z0-9_-]+' || fail "token format: $ana"
assert_eq "$(echo "$ana" | cut -d. -f3)" $((D0 + 60)) "last day of the link"
for s in ana example ZW1haWw6YW5hQGV4YW1wbGUuY29t YW5hQGV4YW1wbGUuY29t; do
	case $ana in *"$s"*) fail "\"$s\" in the token $ana" ;; esac
done
# nor once decoded: the box is sealed
echo "$ana" | cut -d. -f4 | $PY -c '
import base64, sys
b = sys.stdin.read().strip()
raw = base64.urlsafe_b64decode(b + "=" * (-len(b) % 4))
sys.exit(1 if b"ana" in raw or b"example" in raw else 0)' || fail "address in the decoded token"
assert_eq "$(code GET "$ana")" 200 "GET of the link"
grep -q "a\*\*\*@example.com" "$T/page.html" || fail "masked address not on the page"
assert_eq "$(rcli hexists relais:suppressed email:ana@example.com)" 0 "a GET unsubscribes nobody"
# a v1 link made with the older single secret (now the key "default")
carl=$(v1 email:carl@example.com)
assert_eq "$(code GET "$carl")" 200 "v1 link"

# 2. rotation: k2 signs, k1 still opens
ring k2 k1
reload
assert_eq "$(code POST "$ana")" 200 "k1 link after the rotation"
wait_for 10 "ana's opt-out" 'record ana | grep -q "\"source\":\"unsubscribe link\""'
first=$(record ana)
emit "$(event u-2 '"email":"bob@example.com","consent":{"email":true}')"
bob=$(link 2)
printf '%s\n' "$bob" | grep -Eq '^v2\.k2\.' || fail "not signed by k2: $bob"
assert_eq "$(code GET "$bob")" 200 "k2 link"
assert_eq "$(code GET "$carl")" 200 "v1 link after the rotation"

# 3. a second unsubscribe: the first record stays, the history grows
assert_eq "$(code POST "$ana")" 200 "second POST"
wait_for 10 "the second opt-out" 'grep -q "consent: action=optout id=email:a\*\*\*@example.com .*outcome=kept" "$T/relaisd.log"'
assert_eq "$(record ana)" "$first" "record after a second unsubscribe"
assert_eq "$(rcli xrange relais:consent:email:ana@example.com - + | awk 'p == "result" { print } { p = $0 }' | tr '\n' ' ')" \
    "added kept " "ana's history"

# 4. k1 and the older secret out of the ring: their links no longer work
sed -i '/unsubscribe_secret_env/d' "$T/base.yaml"
ring k2
reload
assert_eq "$(code GET "$ana")" 404 "k1 link once k1 is out"
grep -q "Lien non valide" "$T/page.html" || fail "not the invalid-link page"
assert_eq "$(code GET "$carl")" 404 "v1 link once its secret is out"
assert_eq "$(code GET "$bob")" 200 "k2 link"
stop_relaisd

# 5. past its last day (D0 + 60): a page that says so, no change
RELAIS_TEST_NOW=2026-03-06T23:59:00Z RELAIS_EMAIL_GATEWAY=outbox start_relaisd
wait_for 10 "the admin port" 'test "$(grep -c "admin listening on" "$T/relaisd.log")" = 2'
url="http://127.0.0.1:$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)"
assert_eq "$(code GET "$bob")" 200 "link on its last day"
stop_relaisd
RELAIS_TEST_NOW=2026-03-07T00:00:01Z RELAIS_EMAIL_GATEWAY=outbox start_relaisd
wait_for 10 "the admin port" 'test "$(grep -c "admin listening on" "$T/relaisd.log")" = 3'
url="http://127.0.0.1:$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)"
assert_eq "$(code GET "$bob")" 410 "expired link"
grep -q "Lien expiré" "$T/page.html" || fail "not the expired-link page"
grep -q "<form" "$T/page.html" && fail "a form on the expired-link page"
assert_eq "$(code POST "$bob" '?lang=en')" 410 "expired link, POST"
grep -q "This unsubscribe link has expired" "$T/page.html" || fail "English expired-link page"
assert_eq "$(rcli hexists relais:suppressed email:bob@example.com)" 0 "an expired link unsubscribed"
stop_relaisd
echo "unsubscribe tokens: ok"
