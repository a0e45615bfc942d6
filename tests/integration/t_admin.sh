# SPDX-License-Identifier: LiLiQ-P-1.1
# The admin port: /healthz, /readyz (503 while Redis is away), and /metrics
# in Prometheus format (checked by promtool) with the outcomes of real work.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd
wait_for 10 "the admin port in the log" 'grep -q "admin listening on" "$T/relaisd.log"'
port=$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)
url="http://127.0.0.1:$port"

assert_eq "$(curl -s "$url/healthz")" ok "/healthz"
wait_for 10 "ready" 'test "$(curl -s -o /dev/null -w "%{http_code}" "$url/readyz")" = 200'
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/nowhere")" 404 "unknown path"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")" 405 "POST"

emit "$(event m-1)"
emit 'not json'
wait_for 10 "handled" all_handled
# the Redis-side gauges refresh every 5 s
wait_for 10 "the dead-letter gauge" 'curl -s "$url/metrics" | grep -q "^relais_dead_letters 1\$"'
curl -s "$url/metrics" > "$T/metrics.txt"
grep -q '^relais_deliveries_total{outcome="sent",channel="email",territory="abitibi",gateway="webhook"} 1$' "$T/metrics.txt" ||
    fail "delivery counter: $(grep deliveries "$T/metrics.txt")"
grep -q '^relais_events_total{type="invalid",outcome="dead"} 1$' "$T/metrics.txt" ||
    fail "dead event counter: $(grep events_total "$T/metrics.txt")"
grep -q '^relais_dead_letters 1$' "$T/metrics.txt" || fail "dead-letter gauge"
grep -q '^relais_gateway_latency_seconds_count{gateway="webhook"} 1$' "$T/metrics.txt" ||
    fail "latency histogram"
grep -q '^relais_gateway_breaker_state{gateway="webhook"} 0$' "$T/metrics.txt" || fail "breaker gauge"
# the events were parsed into their jobs' arenas, given back when they ended
grep -q '^relais_json_arena_peak_bytes [1-9][0-9]*$' "$T/metrics.txt" ||
    fail "no arena used: $(grep arena "$T/metrics.txt")"
wait_for 10 "the arenas given back" 'curl -s "$url/metrics" | grep -q "^relais_json_arena_bytes 0\$"'
if command -v promtool >/dev/null; then
	promtool check metrics < "$T/metrics.txt" || fail "promtool check metrics refused the output"
else
	echo "promtool not installed: format checked by the unit test's parser only"
fi

# relaisctl status reads the breakers from this port, and groups dead letters
out=$(RELAIS_ADMIN_ADDR=127.0.0.1:$port RELAIS_REDIS_URL="unix://$T/redis.sock" \
    "$BUILD/relaisctl" -c "$T/relais.yaml" status)
printf '%s\n' "$out" | grep -q "^  webhook *closed$" || fail "status without breakers: $out"
printf '%s\n' "$out" | grep -q "^ *1  invalid JSON at line" || fail "status without dead-letter reasons: $out"

# Redis goes away: not ready, still healthy
rcli shutdown nosave >/dev/null 2>&1 || true
wait_for 10 "not ready without Redis" 'test "$(curl -s -o /dev/null -w "%{http_code}" "$url/readyz")" = 503'
assert_eq "$(curl -s "$url/readyz")" "Redis is not connected" "reason"
assert_eq "$(curl -s "$url/healthz")" ok "/healthz without Redis"
stop_relaisd
echo "admin: ok"
