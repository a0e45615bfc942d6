# SPDX-License-Identifier: LiLiQ-P-1.1
# Every kind of bad event is dead-lettered with a precise reason and its
# original bytes; the daemon stays up and the valid events around them go out.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd

deep=$(printf '%0.s[' $(seq 65))1$(printf '%0.s]' $(seq 65))

emit "$(event ok-1)"
emit 'this is not JSON'
emit '{"specversion":"1.0","source":"s","type":"newcomer.arrived"}'
emit '{"specversion":"0.3","id":"x1","source":"s","type":"newcomer.arrived"}'
emit '{"specversion":"1.0","id":"x2","source":"s","type":"invoice.paid","data":{}}'
{ printf '{"specversion":"1.0","id":"x3","source":"s","type":"newcomer.arrived","data":{"pad":"'
  head -c 270000 /dev/zero | tr '\0' 'x'
  printf '"}}'; } > "$T/big"
rcli -x xadd relais:events '*' event < "$T/big" >/dev/null
emit "{\"specversion\":\"1.0\",\"id\":\"x4\",\"source\":\"s\",\"type\":\"newcomer.arrived\",\"data\":{\"d\":$deep}}"
printf '{"specversion":"1.0","id":"x5","source":"s","type":"newcomer.arrived","data":{"n":"\xff\xfe"}}' > "$T/badutf8"
rcli -x xadd relais:events '*' event < "$T/badutf8" >/dev/null
emit '{"specversion":"1.0","id":"x6","source":"s","type":"newcomer.arrived","data":[1,2]}'
emit "$(event x7 '"email":"a@example.com","consent":{"email":true}' '"territory":"atlantis"')"
emit '{"specversion":"1.0","id":"x8","source":"s","type":"newcomer.arrived","time":"yesterday","data":{}}'
rcli xadd relais:events '*' payload '{"specversion":"1.0"}' >/dev/null
printf 'bin\xff\xfe' | rcli -x xadd relais:events '*' blob >/dev/null
emit "$(event x9 '"phone":"555-1234","consent":{"sms":true}')"
emit "$(event ok-2)"

wait_for 15 "all entries handled" all_handled
alive || fail "relaisd died"
assert_eq "$(requests gw)" 2 "valid events delivered"
assert_eq "$(pending)" 0 "pending entries"

reasons=$(rcli xrange relais:dead - + | awk 'prev == "reason" { print } { prev = $0 }')
expect() {
	printf '%s\n' "$reasons" | grep -qF -- "$1" || fail "no dead letter with reason containing: $1
got:
$reasons"
}
expect "invalid JSON at line 1, column"
expect "missing required attribute 'id'"
expect "attribute 'specversion' must be \"1.0\""
expect 'unknown event type "invoice.paid"'
expect "limit is 262144"
expect "JSON nested deeper than 64 levels"
expect "invalid UTF-8 at byte"
expect "attribute 'data' must be a JSON object"
expect 'unknown territory "atlantis"'
expect "not an RFC 3339 timestamp"
expect 'stream entry has no "event" field'
expect "invalid phone number"
assert_eq "$(dead_count)" 13 "dead letters"

# the original bytes are kept exactly, even when they are not UTF-8
rcli --raw xrange relais:dead - + | awk 'length($0) == '"$(wc -c < "$T/big")"' { n++ } END { exit n != 1 }' ||
    fail "oversized payload not kept whole"
rcli --no-raw xrange relais:dead - + | grep -qF '\xff\xfe' || fail "invalid UTF-8 payload not kept byte for byte"
rcli xrange relais:dead - + | grep -qx 'this is not JSON' || fail "non-JSON payload not kept"
# an entry without "event" whose fields are not UTF-8 keeps them verbatim
rcli --no-raw xrange relais:dead - + | grep -qF '"bin\xff\xfe"' ||
    fail "binary field of an entry without event not kept verbatim"
rcli xrange relais:dead - + | grep -qx 'field:blob' || fail "field name not kept"
stop_relaisd
echo "bad events: ok"
