# Entries left pending by a consumer that died are taken over once idle past
# claim_idle_ms; an entry delivered more than max_deliveries times is a
# poison message and goes to the dead-letter stream instead.
. "$(dirname "$0")/lib.sh"
start_redis
start_sink gw
rcli xgroup create relais:events relais 0 mkstream >/dev/null
emit "$(event orphan-1)"
poison_id=$(rcli xadd relais:events '*' event "$(event poison-1)")
# a consumer "ghost" reads both and dies without acknowledging
rcli xreadgroup group relais ghost count 10 streams relais:events '>' >/dev/null
# the poison entry has been handed out again and again
for i in $(seq 1 5); do
	rcli xclaim relais:events relais ghost 0 "$poison_id" >/dev/null
done

CLAIM_IDLE_MS=1000 CLAIM_INTERVAL_MS=200 MAX_DELIVERIES=3 write_config
# a short takeover time needs short gateway timeouts (relaisd --check says so)
sed -i 's/^    timeout_ms: 15000$/    timeout_ms: 300\n    connect_timeout_ms: 100/' "$T/relais.yaml"
start_relaisd
wait_for 15 "both entries handled" all_handled
assert_eq "$(requests gw)" 1 "requests (the orphan only)"
assert_eq "$(body_field gw 1 .event_id)" orphan-1 "the orphan was delivered"
assert_eq "$(dead_count)" 1 "dead letters"
rcli xrange relais:dead - + | grep -q "^poison message: read 7 times" ||
    fail "poison reason: $(rcli xrange relais:dead - +)"
# the two may be taken over in one pass or two, as they went idle
grep -q "took over [12] pending entries idle too long" "$T/relaisd.log" ||
    fail "takeover not logged"
stop_relaisd
echo "claim and poison: ok"
