# SPDX-License-Identifier: LiLiQ-P-1.1
# One event, one POST with the right body, recorded and acknowledged.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

emit "$(event e-1 '"email":"ana@example.com","consent":{"email":true}')"
wait_for 10 "one request at the gateway" 'test "$(requests gw)" -ge 1'
wait_for 10 "the entry to be acknowledged" all_handled

assert_eq "$(requests gw)" 1 "requests at the gateway"
assert_eq "$(sink_field gw 1 .method)" POST "method"
assert_eq "$(sink_field gw 1 .path)" /messages "path"
assert_eq "$(sink_field gw 1 '.headers["content-type"]')" application/json "content type"
key=$(body_field gw 1 .delivery_key)
assert_eq "$(sink_field gw 1 '.headers["idempotency-key"]')" "$key" "Idempotency-Key"
assert_eq "$(body_field gw 1 .event_id)" e-1 "event_id"
assert_eq "$(body_field gw 1 .to)" ana@example.com "to"
assert_eq "$(body_field gw 1 .channel)" email "channel"
assert_eq "$(body_field gw 1 .role)" newcomer "role"
assert_eq "$(body_field gw 1 .territory)" abitibi "territory (Amos)"
assert_eq "$(body_field gw 1 .language)" fr "language"
assert_eq "$(body_field gw 1 .from)" accueil@abitibi.example "from"
body_field gw 1 .subject | grep -q "Ana" || fail "subject without the first name"
body_field gw 1 .text | grep -q "^Bonjour Ana," || fail "text does not greet Ana"
body_field gw 1 .html | grep -q "<p>Bonjour Ana,</p>" || fail "html part missing"

assert_eq "$(rcli exists "relais:sent:$key")" 1 "sent marker"
assert_eq "$(rcli xlen relais:deliveries)" 1 "delivery records"
rcli xrange relais:deliveries - + | grep -qx sent || fail "delivery not recorded as sent"
rcli xrange relais:deliveries - + | grep -qx 'a\*\*\*@example.com' || fail "address not masked in the record"
assert_eq "$(rcli xlen relais:events)" 0 "acknowledged entries are deleted"
assert_eq "$(dead_count)" 0 "dead letters"
# a municipality no territory lists goes to the regional team, not to the DLQ
emit "$(event e-2 '"email":"ana@example.com","consent":{"email":true}' '"municipality":"Lac-Inconnu"')"
wait_for 10 "the second request" 'test "$(requests gw)" -ge 2'
assert_eq "$(body_field gw 2 .territory)" region "fallback territory"
assert_eq "$(body_field gw 2 .from)" accueil@at-region.example "regional sender"
stop_relaisd
echo "happy path: ok"
