# SPDX-License-Identifier: LiLiQ-P-1.1
# Levels say what the operator must do: with one bad address and one
# gateway outage, the JSON log's lines at warning and above are exactly
# those failures (the dead-lettered address, the breaker opening, the
# delivery given up), and nothing else; every line has an RFC 3339 time,
# numbers are numbers. This is what `journalctl -p warning` shows.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
# nothing listens there: every request is refused
DOWN=$(free_port)
MAX_ATTEMPTS=3 BACKOFF_BASE_MS=50 BACKOFF_CAP_MS=100 write_config
sed -i 's|^  webhook:$|  webhook:\n    breaker_failures: 2\n    breaker_cooldown_ms: 300|' \
    "$T/relais.yaml"
"$BUILD/relaisd" -c "$T/relais.yaml" --check >/dev/null || fail "test config refused"
RELAIS_REDIS_URL="unix://$T/redis.sock" RELAIS_EMAIL_GATEWAY=webhook \
RELAIS_WEBHOOK_URL="http://127.0.0.1:$DOWN/messages" RELAIS_CONSUMER=levels \
    "$BUILD/relaisd" -c "$T/relais.yaml" --log-format=json 2> "$T/relaisd.log" &
RELAISD_PID=$!
PIDS+=("$RELAISD_PID")
wait_for 10 "the consumer group" group_exists

# a bad address: refused before any gateway is asked
emit "$(event bad-1 '"email":"ana@@example","consent":{"email":true}')"
# a good one, to the gateway that is down: two refusals open the breaker,
# the probe after the cool-down is the third and last attempt
emit "$(event out-1)"
wait_for 20 "two dead letters" 'test "$(dead_count)" = 2'
wait_for 10 "all handled" all_handled
stop_relaisd

jq -e . "$T/relaisd.log" > /dev/null || fail "a log line is not JSON"
jq -e 'select((.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) | not)' \
    "$T/relaisd.log" > /dev/null && fail "a line without an RFC 3339 time"
# the failures, one line each, in any order (bad-1's commit and out-1's
# retries race on a loaded machine; the suite's clock, run-integration.sh
# -c, adds its own warning: tests only)
got=$(jq -r 'select(.level | IN("emerg", "alert", "crit", "err", "warning")) |
    select(.msg // "" | startswith("RELAIS_TEST_NOW is set") | not) |
    [.level, (.event // .gateway), (.outcome // ("breaker=" + .breaker)),
     (.rule // .reason)] | join(" ")' "$T/relaisd.log" |
    sed 's/\(gave up after 3 attempts\): .*/\1/' | sort)
want=$(printf '%s\n' "warning bad-1 dead invalid email address" \
    "warning webhook breaker=open failures" \
    "warning out-1 dead gave up after 3 attempts" | sort)
[ "$got" = "$want" ] || fail "warning and above: expected
$want
got
$got
all lines:
$(cat "$T/relaisd.log")"
# the retries before it gave up and the failed probe are the normal
# course of an outage already reported: info
assert_eq "$(jq -r 'select(.event == "out-1" and .outcome == "retry") | .level' "$T/relaisd.log" | sort -u)" \
    info "level of a retry"
assert_eq "$(jq -r 'select(.breaker == "open" and .rule == "probe") | .level' "$T/relaisd.log" | sort -u)" \
    info "level of a failed probe"
# typed: numbers are numbers, an id stays a string
assert_eq "$(jq -r 'select(.event == "out-1" and .outcome == "dead") | [(.attempt | type), (.ms | type), (.event | type)] | join(" ")' "$T/relaisd.log")" \
    "number number string" "field types"
assert_eq "$(jq -r 'select(.breaker == "open" and .rule == "failures") | .failures' "$T/relaisd.log")" \
    2 "failures when the breaker opened"
echo "log levels: ok"
