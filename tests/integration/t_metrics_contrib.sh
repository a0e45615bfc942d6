# SPDX-License-Identifier: LiLiQ-P-1.1
# The shipped alerting rules (contrib/prometheus) and Grafana dashboard
# (contrib/grafana) read only metrics relaisd exports: every relais_* and
# process_* name in them is in a scrape of a relaisd that has done nothing
# yet (the config's label sets start at 0). The scrape passes promtool.
# shellcheck shell=bash source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
start_relaisd
wait_for 10 "the admin port in the log" 'grep -q "admin listening on" "$T/relaisd.log"'
port=$(sed -n 's/.*admin listening on .* (port \([0-9]*\)).*/\1/p' "$T/relaisd.log" | tail -n 1)
url="http://127.0.0.1:$port"
# the Redis-side gauges come every 5 s
wait_for 10 "the Redis gauges" 'curl -s "$url/metrics" | grep -q "^relais_oldest_entry_age_seconds "'
curl -s "$url/metrics" > "$T/metrics.txt"
grep -q '^relais_deliveries_total{outcome="deferred",channel="sms",territory="abitibi",gateway="webhook"} 0$' "$T/metrics.txt" ||
    fail "deferrals not at 0 from the start: $(grep deliveries_total "$T/metrics.txt" | head)"
grep -q '^relais_build_info{version="[^"]*"} 1$' "$T/metrics.txt" || fail "no build info"
grep -q '^process_resident_memory_bytes [1-9]' "$T/metrics.txt" || fail "no process RSS"
if command -v promtool >/dev/null; then
	promtool check metrics < "$T/metrics.txt" || fail "promtool check metrics refused the output"
fi
python3 "$ROOT/tests/metric_names.py" "$T/metrics.txt" \
    "$ROOT/contrib/prometheus/relais.rules.yml" "$ROOT/contrib/grafana/relais.json" ||
    fail "the rules or the dashboard read metrics relaisd does not export"
stop_relaisd
echo "metrics contrib: ok"
