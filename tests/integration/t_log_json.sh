# SPDX-License-Identifier: LiLiQ-P-1.1
# --log-format=json: every log line is one JSON object, key=value pairs
# become fields (quotes inside values survive), addresses stay masked.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
write_config
RELAIS_REDIS_URL="unix://$T/redis.sock" RELAIS_EMAIL_GATEWAY=webhook \
RELAIS_WEBHOOK_URL="http://127.0.0.1:$gw_PORT/messages" \
    "$BUILD/relaisd" -c "$T/relais.yaml" --log-format=json 2> "$T/relaisd.log" &
RELAISD_PID=$!
PIDS+=("$RELAISD_PID")
wait_for 10 "the consumer group" group_exists
emit "$(event j-1)"
emit '{"specversion":"1.0","id":"j-2","source":"s","type":"invoice.paid"}'
# ids and addresses from outside can neither end a line nor forge a key
emit "$(event 'j-3\r\nrelaisd: forged outcome=sent' '"email":"x y outcome=sent@example.com","consent":{"email":true}')"
wait_for 10 "handled" all_handled
stop_relaisd
jq -e . "$T/relaisd.log" > /dev/null || fail "a log line is not JSON"
assert_eq "$(jq -r 'select(.event == "j-1") | .outcome + " " + .to' "$T/relaisd.log")" \
    "sent a***@example.com" "delivery line"
assert_eq "$(jq -r 'select(.event == "j-2") | .reason' "$T/relaisd.log")" \
    'unknown event type "invoice.paid"' "dead letter line"
assert_eq "$(grep -c forged "$T/relaisd.log")" 1 "lines naming the forged id"
assert_eq "$(jq -r 'select(.event != null and (.event | startswith("j-3"))) | .outcome' "$T/relaisd.log")" \
    dead "the forged id's own outcome"
# the same forged id in the default key=value lines: escaped, quoted,
# no line of its own (the id is logged as log_value() made it)
start_relaisd plain
emit "$(event 'j-4\r\nrelaisd: forged outcome=sent')"
wait_for 10 "handled" all_handled
stop_relaisd
assert_eq "$(grep -c '^relaisd: forged' "$T/plain.log")" 0 "plain lines the forged id began"
[ "$(grep -c '^relaisd: event="j-4\\x0d\\x0arelaisd: forged outcome=sent" ' "$T/plain.log")" -ge 1 ] ||
    fail "no plain line names the forged id, escaped"
echo "json logs: ok"
